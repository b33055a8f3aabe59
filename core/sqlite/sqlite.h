/*
 * What the files of the SQLite engine share: the handle, which only the
 * engine sees (the rest of core/ holds an opaque cr_db and goes through
 * internal.h's st_* functions), and the helpers the sections use in common.
 * Private to core/sqlite/.
 */
#ifndef CASEREVIEW_SQLITE_H
#define CASEREVIEW_SQLITE_H

#include "../internal.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_db {
    sqlite3 *sql;
    char *path;
    bool created;
    bool filled; /* an empty file that was there became a database (init, import) */
    int version;
    cr_clock_fn clock;
    void *clock_ctx;
    struct cr_buf err;
    struct cr_import_stmts *imp; /* while an import runs */
    const struct cr_config *cfg;   /* the rules in force, and who acts */
    const struct cr_person *user;
    char *import_label; /* the file of the running import, for its audit event */
    /* The first subjects whose details the last import changed, for its report. */
    char *import_updates[CR_IMPORT_SHOWN_UPDATES];
    struct {
        char *sql;
        sqlite3_stmt *stmt;
    } cache[16];
    size_t cache_next;
    /* An auditor's read-only copy: opened read-only, nothing written, not migrated. */
    bool read_only;
    int64_t unrecorded; /* events a read-only copy could not record */
    /* The audit key (a file beside the database), or why there is none. */
    bool have_key, created_key;
    bool service; /* CR_OPEN_SERVICE: the effective group is the service's */
    unsigned char key[CR_AUDIT_KEY_BYTES];
    int64_t keyed_from; /* the first event hashed with the key */
    unsigned char anchor[32]; /* the hash of event keyed_from - 1 (zeros when none) */
    char *key_path;
    char *key_problem;
    char *purpose; /* the session's purpose for consultations (DPA 2018 s.62) */
    char *os_login; /* the Unix login running the program (cr_db_set_os_login) */
};

/* Errors, statements and the helpers every file uses (db.c) */

/* A prepared statement from the handle's cache, reset; NULL with *st set on failure. */
sqlite3_stmt *sql_prepare(cr_db *db, const char *sql, enum cr_status *st);
/* Run statements that return no rows; what names the step in the message. */
enum cr_status sql_exec(cr_db *db, const char *sql, const char *what);
/* The first column of the first row (0 when none); -1 with *st set on failure. */
int64_t sql_query_int(cr_db *db, const char *sql, enum cr_status *st);
/* n bytes as lower-case hex into out (2n + 1 bytes); unhex reads them back (false if s is
 * not 2n hex digits). */
void hex_of(const unsigned char *b, size_t n, char *out);
bool unhex(const char *s, unsigned char *out, size_t n);

/* Strings owned by a case, a history or a case state: each its own allocation. */
struct strlist {
    char **v;
    size_t n, cap;
    bool nomem;
};

/* A copy of s kept in l: NULL for NULL; "" and l->nomem set when out of memory. */
const char *keep_text(struct strlist *l, const unsigned char *s);
void strlist_free(struct strlist *l);
/* Step a statement that returns no row and reset it; what names it in the message. */
enum cr_status step_done(cr_db *db, sqlite3_stmt *s, const char *what);

/* Import (import.c) */

/* Bind v as text, or NULL when it is empty. */
void bind_text_or_null(sqlite3_stmt *s, int i, const char *v);

/* Queue pages (page.c) */

/* The columns of a case row, in the order read_case_numbers and the readers of rows expect. */
#define CASE_ROW_COLUMNS                                                       \
    "c.id, c.sortkey, c.priority, c.created_at, c.state_since, c.state, c.outcome, "        \
    "c.categories, c.n_allegations, s.duty_status, s.ref, s.surname, s.forenames, s.rank, " \
    "s.unit, c.assignee, c.decided_by, c.decided_at, c.vetting_review, c.quorum_blocked, "     \
    "c.version"
#define CASE_ROW_NCOLS 21
#define CASE_ROW_STRINGS 7

/* The columns of a case row that are not strings. */
void read_case_numbers(sqlite3_stmt *s, struct cr_case_row *r);

/* One case (case.c) */


/* The audit trail (audit.c) */

/* The columns of an event, as read_event reads them. */
#define EVENT_COLUMNS                                                          \
    "id, at, actor, case_id, action, state_before, state_after, details, config_digest, purpose, " \
    "os_login"

/* The chain's head: the last event's id and hash, kept beside the events. */
enum cr_status audit_head(cr_db *db, int64_t *id, unsigned char hash[32]);
/* Read one event row (EVENT_COLUMNS) into e, strings kept in l. */
void read_event(sqlite3_stmt *s, struct cr_event *e, struct strlist *l);

#endif
