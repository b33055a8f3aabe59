/*
 * What the files of the PostgreSQL engine share: its state for a handle and
 * the helpers every section uses to call the server.  Private to core/pg/.
 *
 * The server is the trust boundary (README, "When one machine is not
 * enough"): connected as a person, the engine reads and writes no table; it
 * calls the server's functions (casereview.cr_*, SECURITY DEFINER, in
 * sql/), which take the acting login from session_user and the time from
 * the server's clock.  A section's method is one or a few such calls, with
 * its arguments as text (struct pg_args) and its rows read back as text.
 */
#ifndef CASEREVIEW_PG_H
#define CASEREVIEW_PG_H

#include "../store.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One file of sql/, embedded by embed.py (sql.c): it brings the schema to version. */
struct pg_step {
    int version;
    const char *name;
    const char *text;
};
extern const struct pg_step pg_steps[];
extern const size_t pg_step_count;

/* The engine's state for one handle: cr_store_ctx(db), read through pg(db). */
struct pg_db {
    PGconn *conn;
    char *label;  /* the database as messages name it (no password) */
    bool created; /* open() installed the schema (init) */
    bool owner;   /* connected as the database's owner: the service role */
    int version;
    bool in_tx;            /* a write transaction begun */
    bool in_read;          /* a read snapshot begun (read_begin, snapshot_begin) */
    int64_t seen;          /* notifications of others' commits seen: data_version */
    struct pg_import *imp; /* while an import runs (import.c) */
};

static inline struct pg_db *
pg(const cr_db *db)
{
    return cr_store_ctx(db);
}

/* The arguments of a call, as text ($1, $2, ...); NULL is SQL NULL. */
#define PG_MAX_ARGS 32
struct pg_args {
    int n;
    bool nomem;
    const char *v[PG_MAX_ARGS];
    char *own[PG_MAX_ARGS]; /* what v[i] points to when the args made it */
};
void pg_args_init(struct pg_args *a);
/* Free what the args made. */
void pg_args_free(struct pg_args *a);
/* Add text (NULL: SQL NULL), kept by reference: it must outlive the call. */
void pg_arg_text(struct pg_args *a, const char *s);
/* Add an integer. */
void pg_arg_int(struct pg_args *a, int64_t v);
/* Add bytes as a bytea (hex). */
void pg_arg_bytes(struct pg_args *a, const unsigned char *p, size_t n);
/* Add an array of integers as a bigint[] literal. */
void pg_arg_ints(struct pg_args *a, const int64_t *v, size_t n);

/*
 * Run sql with the args (NULL: none) and return its result (the caller
 * PQclear()s it), or NULL with the handle's message set ("LABEL: what:
 * the server's message"; see pg_fail) and *st its status.
 */
PGresult *pg_query(cr_db *db, const char *what, const char *sql, const struct pg_args *a,
                   enum cr_status *st);
/* The same for a statement whose rows do not matter: CR_OK or the failure. */
enum cr_status pg_exec(cr_db *db, const char *what, const char *sql, const struct pg_args *a);

/*
 * Set the handle's message from a failed result (NULL: the connection's
 * error) and return its status: the server functions' own SQLSTATEs (CR001
 * refused, CR002 not found, CR003 invalid, CR403 not allowed) carry the
 * message the user reads; a lock that could not be had in time, a
 * serialization failure or a deadlock is CR_BUSY; out of memory CR_NOMEM;
 * anything else CR_DB with what failed.
 */
enum cr_status pg_fail(cr_db *db, const PGresult *r, const char *what);

/* A field of a result: an integer (0 for NULL), text (NULL for NULL). */
int64_t pg_int(const PGresult *r, int row, int col);
const char *pg_text(const PGresult *r, int row, int col);
bool pg_null(const PGresult *r, int row, int col);
/* A bytea field decoded into out (at most cap bytes); returns its length, or (size_t)-1. */
size_t pg_bytes(const PGresult *r, int row, int col, unsigned char *out, size_t cap);

/*
 * The first method of the table (engine.c) not yet written, or NULL: open()
 * refuses a database while one is missing, unless pg_allow_incomplete
 * (set only by tests of the sections written so far).
 */
const char *pg_missing(void);
extern bool pg_allow_incomplete;

/* Bring the schema up to date (schema.c); *created when it installed it. */
enum cr_status pg_schema_open(cr_db *db, bool create);

/* The methods of db.c (store.h says what each does). */
enum cr_status pg_open(cr_db *db, const char *path, unsigned flags, const char *connection,
                       void **ctx);
void pg_close(cr_db *db);
void pg_discard(cr_db *db);
int pg_created(const cr_db *db);
int pg_schema_version(const cr_db *db);
int pg_read_only(const cr_db *db);
enum cr_status pg_data_version(cr_db *db, int64_t *version);
enum cr_status pg_begin(cr_db *db);
enum cr_status pg_commit(cr_db *db);
void pg_rollback(cr_db *db);
enum cr_status pg_writable(cr_db *db);
enum cr_status pg_read_begin(cr_db *db);
void pg_read_end(cr_db *db);
enum cr_status pg_snapshot_begin(cr_db *db, bool *began);
enum cr_status pg_snapshot_end(cr_db *db, bool began, bool ok);

/* apply (apply.c): a change checked by the server against the rules (sql/025-apply.sql). */
enum cr_status pg_apply(cr_db *db, const struct cr_case_state *cs, const struct cr_change *ch,
                        const char *actor);
enum cr_status pg_set_quorum_blocked(cr_db *db, int64_t case_id, int blocked);
enum cr_status pg_rules_put(cr_db *db, const struct cr_rule_row *rows, size_t n);

#endif
