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
const char *pg_label(const cr_db *db);
int pg_created(const cr_db *db);
int pg_schema_version(const cr_db *db);
int pg_read_only(const cr_db *db);
enum cr_status pg_data_version(cr_db *db, int64_t *version);
int pg_change_fd(cr_db *db);
enum cr_status pg_begin(cr_db *db);
enum cr_status pg_commit(cr_db *db);
void pg_rollback(cr_db *db);
enum cr_status pg_writable(cr_db *db);
enum cr_status pg_read_begin(cr_db *db);
void pg_read_end(cr_db *db);
enum cr_status pg_snapshot_begin(cr_db *db, bool *began);
enum cr_status pg_snapshot_end(cr_db *db, bool began, bool ok);

/* Pages of the queue (page.c, sql/030-page.sql). */
enum cr_status pg_page(cr_db *db, const struct cr_filter *filter, int64_t cursor, bool reverse,
                       size_t limit, const struct cr_scope *scope, const struct cr_late *late,
                       struct cr_page *page);
enum cr_status pg_count(cr_db *db, const struct cr_filter *filter, const struct cr_scope *scope,
                        const struct cr_late *late, int64_t cap, int64_t *n);
enum cr_status pg_list_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope,
                            int64_t cursor, bool reverse, size_t limit, struct cr_page *page);
enum cr_status pg_count_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope,
                             int64_t cap, int64_t *n);
enum cr_status pg_export_scan(cr_db *db, const struct cr_scope *scope, cr_store_row_fn row,
                              void *ctx, int64_t *rows, bool *stopped);
/* Figures and after the decision (report.c, after.c; sql/060-report.sql, 070-after.sql). */
enum cr_status pg_case_counts(cr_db *db, cr_store_count_fn each, void *ctx);
enum cr_status pg_outcome_counts(cr_db *db, cr_store_count_fn each, void *ctx);
enum cr_status pg_record_counts(cr_db *db, int64_t *subjects, int64_t *allegations,
                                int64_t by_category[CR_CATEGORY_COUNT]);
enum cr_status pg_case_facts(cr_db *db, int64_t as_at, bool followed, cr_store_fact_fn each,
                             void *ctx);
enum cr_status pg_cases_waiting(cr_db *db, int state, int64_t since_before, int64_t now,
                                int64_t *n);
enum cr_status pg_first_decisions(cr_db *db, int64_t from, int64_t to, int64_t *n);
enum cr_status pg_reviewer_outcomes(cr_db *db, cr_store_reviewer_fn each, void *ctx);
enum cr_status pg_panel_rounds(cr_db *db, cr_store_reviewer_fn each, void *ctx);
enum cr_status pg_assigned_cases(cr_db *db, cr_store_assigned_fn each, void *ctx);
enum cr_status pg_timeline(cr_db *db, int64_t case_id, struct cr_timeline *out);
enum cr_status pg_link_put(cr_db *db, int64_t case_id, int kind, const char *ref,
                           const char *status, const char *actor, const char *reason);
enum cr_status pg_link_remove(cr_db *db, int64_t case_id, const char *ref, const char *actor,
                              const char *reason);
enum cr_status pg_followup_add(cr_db *db, int64_t case_id, const struct cr_followup *f,
                               const char *actor);
enum cr_status pg_followup_scan(cr_db *db, int64_t case_id,
                                int (*each)(void *ctx, const struct cr_followup *f), void *ctx);
enum cr_status pg_find_allegation(cr_db *db, const char *ref, int64_t *id, int64_t *case_id);
enum cr_status pg_allegation_set(cr_db *db, int64_t id, const char *field, const char *value,
                                 const char *latest, int64_t priority);
enum cr_status pg_qa_put(cr_db *db, const struct cr_qa_row *q);
enum cr_status pg_qa_rows(cr_db *db, int64_t case_id, bool pending, cr_store_qa_fn each, void *ctx);
enum cr_status pg_approved_decisions(cr_db *db, cr_store_decision_fn each, void *ctx);
/* One case and the pinned configuration (case.c, config.c; sql/020-case.sql). */
enum cr_status pg_find_case(cr_db *db, int64_t n, const char *ref, int64_t *id, int64_t *id_of_ref);
enum cr_status pg_case_load(cr_db *db, int64_t id, bool votes_notes, bool hide_votes,
                            struct cr_case *out);
enum cr_status pg_case_state(cr_db *db, int64_t id, struct cr_case_state *cs);
enum cr_status pg_history(cr_db *db, int64_t id, struct cr_history *out);
enum cr_status pg_sitting_vote_events(cr_db *db, int64_t case_id, const char *const *starts,
                                      int64_t **ids, size_t *n);
enum cr_status pg_quorum_cases(cr_db *db, int64_t **ids, size_t *n);
enum cr_status pg_draft_put(cr_db *db, const char *login, int64_t case_id,
                            const struct cr_draft *d);
enum cr_status pg_draft_get(cr_db *db, const char *login, int64_t case_id, int action,
                            struct cr_draft *out);
enum cr_status pg_draft_delete(cr_db *db, const char *login, int64_t case_id, int action);
enum cr_status pg_config_get(cr_db *db, const char *prefix, struct cr_config_version *out);
enum cr_status pg_config_put(cr_db *db, const struct cr_config *cfg, const char *by);
enum cr_status pg_config_in_force(cr_db *db, char digest[65], bool *any);
enum cr_status pg_config_texts(cr_db *db, int (*each)(void *ctx, const struct cr_config_text *t),
                               void *ctx);
/* The audit trail and erasure (audit.c, erase.c; sql/050-audit.sql): the server seals. */
enum cr_status pg_audit_append(cr_db *db, const struct cr_event *e, const unsigned char prev[32],
                               const unsigned char hash[32]);
enum cr_status pg_audit_head(cr_db *db, int64_t *event, unsigned char hash[32]);
enum cr_status pg_audit_last(cr_db *db, int64_t *id);
enum cr_status pg_audit_last_digest(cr_db *db, char out[65], bool *any);
enum cr_status pg_audit_scan(cr_db *db, const struct cr_audit_filter *f, int64_t after,
                             int64_t upto, cr_store_event_fn each, void *ctx, int64_t *n);
enum cr_status pg_audit_key(cr_db *db, struct cr_audit_key *out);
enum cr_status pg_audit_chain(cr_db *db, int64_t case_id, int64_t from, cr_audit_link_fn each,
                              void *ctx);
enum cr_status pg_case_rows(cr_db *db, int64_t id, cr_case_rows_fn each, void *ctx);
enum cr_status pg_audit_check(cr_db *db, int64_t from, cr_audit_bad_fn bad, void *ctx);
enum cr_status pg_audit_erasure(cr_db *db, int64_t case_id, int64_t by, unsigned char digest[32],
                                unsigned char redacted[32], int64_t *n);
enum cr_status pg_closed_cases(cr_db *db, int64_t before, cr_store_closed_fn each, void *ctx);
enum cr_status pg_audit_redact(cr_db *db, int64_t event, const char *details);
enum cr_status pg_erase_case(cr_db *db, int64_t case_id, int64_t event, const char *text,
                             struct cr_erase_counts *n);
enum cr_status pg_erase_finish(cr_db *db);
/* The import (import.c): store.h's import_begin, import_row, import_end, link_import. */
enum cr_status pg_import_begin(cr_db *db, const char *label, unsigned new_case_states,
                               int64_t *import_id);
enum cr_status pg_import_row(cr_db *db, const struct cr_import_row *row, long line,
                             struct cr_import_result *res, enum cr_row_outcome *outcome,
                             struct cr_conflict *conflict, struct cr_row_case *added,
                             struct cr_subject_update *update);
enum cr_status pg_import_end(cr_db *db, const struct cr_import_result *res, bool commit);
enum cr_status pg_link_import(cr_db *db, int64_t case_id, long line, int kind, const char *ref,
                              const char *status, bool *added);
/* apply (apply.c): a change checked by the server against the rules (sql/025-apply.sql). */
enum cr_status pg_apply(cr_db *db, const struct cr_case_state *cs, const struct cr_change *ch,
                        const char *actor);
enum cr_status pg_set_quorum_blocked(cr_db *db, int64_t case_id, int blocked);
enum cr_status pg_rules_put(cr_db *db, const struct cr_rule_row *rows, size_t n);
/* Moving between engines (migrate.c, sql/080-migrate.sql): the service role only. */
enum cr_status pg_migrate_check(cr_db *db, bool to);
enum cr_status pg_migrate_read(cr_db *db, const struct cr_mig_table *t, cr_store_mig_fn each,
                               void *ctx);
enum cr_status pg_migrate_write(cr_db *db, const struct cr_mig_table *t,
                                const struct cr_mig_cell *cells);
enum cr_status pg_migrate_clear(cr_db *db, const char *table);
enum cr_status pg_migrate_event(cr_db *db, const struct cr_event *e, const char *keep_digest,
                                const unsigned char *keep_hash, unsigned char hash[32]);
enum cr_status pg_migrate_finish(cr_db *db);

#endif
