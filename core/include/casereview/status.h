/*
 * casereview: status codes and diagnostics.
 *
 * Every function of the library that can fail returns an enum cr_status; the
 * message that goes with a failure is read from the handle with
 * cr_db_errmsg() (db.h).  Loaders that can find many problems at once (the
 * configuration, a theme, an import) also fill a list of diagnostics.
 */
#ifndef CASEREVIEW_INCLUDE_STATUS_H
#define CASEREVIEW_INCLUDE_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Status codes: name, process exit status (SPEC section 7), description.
 */
#define CR_STATUS_LIST(_)                                \
    _(OK, 0, "ok")                                       \
    _(REFUSED, 1, "the workflow refused the action")     \
    _(USAGE, 2, "usage error")                           \
    _(INVALID, 3, "bad input data or configuration")     \
    _(NOT_FOUND, 3, "no such case")                      \
    _(DB, 4, "the database could not be opened or used") \
    _(BUSY, 4, "the database is busy")                   \
    _(NOMEM, 4, "out of memory")

#define CR_STATUS_ENUM(name, exit, text) CR_##name,
enum cr_status { CR_STATUS_LIST(CR_STATUS_ENUM) CR_STATUS_COUNT };
#undef CR_STATUS_ENUM

/* The exit status SPEC section 7 gives a status. */
int cr_status_exit(enum cr_status status);

/* A short description of a status; static storage. */
const char *cr_status_text(enum cr_status status);

/*
 * Diagnostics: a list of messages, each `FILE:LINE: column: reason` (or
 * with a column number, for configuration files).  Capped: past the cap
 * further messages are counted but not kept.
 */
typedef struct cr_diags cr_diags;

/* Number of messages kept. */
size_t cr_diags_count(const cr_diags *d);
/* Number of problems seen, including those past the cap. */
size_t cr_diags_total(const cr_diags *d);
/* Message i; owned by the list. */
const char *cr_diags_get(const cr_diags *d, size_t i);
/* Free the list.  NULL is allowed. */
void cr_diags_free(cr_diags *d);

#ifdef __cplusplus
}
#endif

#endif
