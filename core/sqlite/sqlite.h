/*
 * What the files of the SQLite engine share: its state for a handle, which
 * only the engine sees (the rest of core/ holds an engine-neutral cr_db and
 * reaches the engine through the table of ../store.h, cr_store_engine,
 * defined in db.c), and the helpers the sections use in common.  Private to
 * core/sqlite/: nothing here is called from outside it.
 */
#ifndef CASEREVIEW_SQLITE_H
#define CASEREVIEW_SQLITE_H

#include "../store.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The engine's state for one handle: cr_store_ctx(db), read through sq(db). */
struct sq_db {
    sqlite3 *sql;
    char *path;
    bool created;
    bool filled; /* an empty file that was there became a database (init, import) */
    int version;
    struct cr_import_stmts *imp; /* while an import runs */
    struct {
        char *sql;
        sqlite3_stmt *stmt;
    } cache[16];
    size_t cache_next;
    /* An auditor's read-only copy: opened read-only, nothing written, not migrated. */
    bool read_only;
    /* The audit key (a file beside the database), or why there is none. */
    bool have_key, created_key;
    bool service; /* CR_OPEN_SERVICE: the effective group is the service's */
    unsigned char key[CR_AUDIT_KEY_BYTES];
    int64_t keyed_from;       /* the first event hashed with the key */
    unsigned char anchor[32]; /* the hash of event keyed_from - 1 (zeros when none) */
    char *key_path;
    char *key_problem;
};

static inline struct sq_db *
sq(const cr_db *db)
{
    return cr_store_ctx(db);
}

/* Set the message from SQLite's last error on the handle; returns CR_DB, CR_BUSY or CR_NOMEM. */
enum cr_status cr_fail_sql(cr_db *db, int rc, const char *what);
/* The handle's SQLite connection. */
sqlite3 *sq_sqlite(cr_db *db);

/* The tokenizer of case_search (schema version 7): its name; its arguments are phrase.c's. */
#define SQ_SEARCH_TOKENIZER "unicode61"
/* That tokenizer, as SQLite's FTS5 module offers it (fts5_api); an SQLite result code. */
int sq_search_tokenizer(sqlite3 *sql, fts5_tokenizer *tk, Fts5Tokenizer **tok);
/*
 * The next word a user typed, from *p on (words are split at blanks): its
 * start in *start and its length, 0 at the end; *p moves past it.  The
 * query (page.c) and cr_phrases (phrase.c) read the words alike.
 */
size_t sq_search_word(const char **p, const char **start);
/* Register cr_phrases (phrase.c) on the connection; an SQLite result code. */
int sq_phrases_register(sqlite3 *sql);

/*
 * The methods of the table (store.h, which says what each does), defined
 * in the section files and gathered in db.c's cr_store_engine.
 */
enum cr_status sq_open(cr_db *db, const char *path, unsigned flags, const char *connection,
                       void **ctx);
void sq_close(cr_db *db);
void sq_discard(cr_db *db);
int sq_created(const cr_db *db);
int sq_schema_version(const cr_db *db);
int sq_read_only(const cr_db *db);
enum cr_status sq_data_version(cr_db *db, int64_t *version);
enum cr_status sq_begin(cr_db *db);
enum cr_status sq_commit(cr_db *db);
void sq_rollback(cr_db *db);
enum cr_status sq_writable(cr_db *db);
enum cr_status sq_find_case(cr_db *db, int64_t n, const char *ref, int64_t *id, int64_t *id_of_ref);
enum cr_status sq_case_load(cr_db *db, int64_t id, bool votes_notes, bool hide_votes,
                            struct cr_case *out);
enum cr_status sq_case_state(cr_db *db, int64_t id, struct cr_case_state *cs);
enum cr_status sq_apply(cr_db *db, const struct cr_case_state *cs, const struct cr_change *ch,
                        const char *actor);
enum cr_status sq_history(cr_db *db, int64_t id, struct cr_history *out);
enum cr_status sq_sitting_vote_events(cr_db *db, int64_t case_id, const char *const *starts,
                                      int64_t **ids, size_t *n);
enum cr_status sq_quorum_cases(cr_db *db, int64_t **ids, size_t *n);
enum cr_status sq_set_quorum_blocked(cr_db *db, int64_t case_id, int blocked);
enum cr_status sq_page(cr_db *db, const struct cr_filter *filter, int64_t cursor, bool reverse,
                       size_t limit, const struct cr_scope *scope, const struct cr_late *late,
                       struct cr_page *page);
enum cr_status sq_list_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope,
                            int64_t cursor, bool reverse, size_t limit, struct cr_page *page);
enum cr_status sq_count(cr_db *db, const struct cr_filter *filter, const struct cr_scope *scope,
                        const struct cr_late *late, int64_t cap, int64_t *n);
enum cr_status sq_count_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope,
                             int64_t cap, int64_t *n);
enum cr_status sq_export(cr_db *db, const struct cr_scope *scope, cr_store_row_fn row, void *ctx,
                         int64_t *rows, bool *stopped);
enum cr_status sq_import_begin(cr_db *db, const char *label, unsigned new_case_states,
                               int64_t *import_id);
enum cr_status sq_import_row(cr_db *db, const struct cr_import_row *row, long line,
                             struct cr_import_result *res, enum cr_row_outcome *outcome,
                             struct cr_conflict *conflict, struct cr_row_case *added,
                             struct cr_subject_update *update);
enum cr_status sq_import_end(cr_db *db, const struct cr_import_result *res, bool commit);
enum cr_status sq_snapshot_begin(cr_db *db, bool *began);
enum cr_status sq_snapshot_end(cr_db *db, bool began, bool ok);
enum cr_status sq_case_counts(cr_db *db, cr_store_count_fn each, void *ctx);
enum cr_status sq_outcome_counts(cr_db *db, cr_store_count_fn each, void *ctx);
enum cr_status sq_record_counts(cr_db *db, int64_t *subjects, int64_t *allegations,
                                int64_t by_category[CR_CATEGORY_COUNT]);
enum cr_status sq_case_facts(cr_db *db, int64_t as_at, bool followed, cr_store_fact_fn each,
                             void *ctx);
enum cr_status sq_cases_waiting(cr_db *db, int state, int64_t since_before, int64_t now,
                                int64_t *n);
enum cr_status sq_first_decisions(cr_db *db, int64_t from, int64_t to, int64_t *n);
enum cr_status sq_reviewer_outcomes(cr_db *db, cr_store_reviewer_fn each, void *ctx);
enum cr_status sq_panel_rounds(cr_db *db, cr_store_reviewer_fn each, void *ctx);
enum cr_status sq_assigned_cases(cr_db *db, cr_store_assigned_fn each, void *ctx);
enum cr_status sq_audit_put(cr_db *db, const struct cr_event *e, const unsigned char prev[32],
                            const unsigned char hash[32]);
enum cr_status sq_audit_head(cr_db *db, int64_t *event, unsigned char hash[32]);
enum cr_status sq_audit_last(cr_db *db, int64_t *id);
enum cr_status sq_audit_last_digest(cr_db *db, char out[65], bool *any);
enum cr_status sq_audit_scan(cr_db *db, const struct cr_audit_filter *f, int64_t after,
                             int64_t upto, cr_store_event_fn each, void *ctx, int64_t *n);
enum cr_status sq_audit_key(cr_db *db, struct cr_audit_key *out);
enum cr_status sq_audit_chain(cr_db *db, int64_t case_id, int64_t from, cr_audit_link_fn each,
                              void *ctx);
enum cr_status sq_config_texts(cr_db *db, int (*each)(void *ctx, const struct cr_config_text *t),
                               void *ctx);
enum cr_status sq_case_rows(cr_db *db, int64_t id, cr_case_rows_fn each, void *ctx);
enum cr_status sq_followup_add(cr_db *db, int64_t case_id, const struct cr_followup *f,
                               const char *actor);
enum cr_status sq_followup_scan(cr_db *db, int64_t case_id,
                                int (*each)(void *ctx, const struct cr_followup *f), void *ctx);
enum cr_status sq_read_begin(cr_db *db);
void sq_read_end(cr_db *db);
enum cr_status sq_draft_put(cr_db *db, const char *login, int64_t case_id,
                            const struct cr_draft *d);
enum cr_status sq_draft_get(cr_db *db, const char *login, int64_t case_id, int action,
                            struct cr_draft *out);
enum cr_status sq_draft_delete(cr_db *db, const char *login, int64_t case_id, int action);
enum cr_status sq_config_get(cr_db *db, const char *prefix, struct cr_config_version *out);
enum cr_status sq_config_put(cr_db *db, const struct cr_config *cfg, const char *by);
/* Quality assurance (qa.c; schema 13) */
enum cr_status sq_qa_put(cr_db *db, const struct cr_qa_row *q);
enum cr_status sq_qa_rows(cr_db *db, int64_t case_id, bool pending, cr_store_qa_fn each, void *ctx);
enum cr_status sq_approved_decisions(cr_db *db, cr_store_decision_fn each, void *ctx);
/* The rules as data: nothing to keep (store.h, rules_put; the program is the boundary). */
enum cr_status sq_rules_put(cr_db *db, const struct cr_rule_row *rows, size_t n);
enum cr_status sq_config_in_force(cr_db *db, char digest[65], bool *any);
enum cr_status sq_closed_cases(cr_db *db, int64_t before, cr_store_closed_fn each, void *ctx);
enum cr_status sq_audit_redact(cr_db *db, int64_t event, const char *details);
enum cr_status sq_erase_case(cr_db *db, int64_t case_id, int64_t event, const char *text,
                             struct cr_erase_counts *n);
enum cr_status sq_erase_finish(cr_db *db);
enum cr_status sq_find_allegation(cr_db *db, const char *ref, int64_t *id, int64_t *case_id);
enum cr_status sq_allegation_set(cr_db *db, int64_t id, const char *field, const char *value,
                                 const char *latest, int64_t priority);

/* Errors, statements and the helpers every file uses (db.c) */

/* The chain's head: the last event's id and hash, kept beside the events (the migration
 * that starts keying reads it too). */
enum cr_status audit_head(cr_db *db, int64_t *id, unsigned char hash[32]);

/* A prepared statement from the handle's cache, reset; NULL with *st set on failure. */
sqlite3_stmt *sql_prepare(cr_db *db, const char *sql, enum cr_status *st);
/* Run statements that return no rows; what names the step in the message. */
enum cr_status sql_exec(cr_db *db, const char *sql, const char *what);
/* The first column of the first row (0 when none); -1 with *st set on failure. */
int64_t sql_query_int(cr_db *db, const char *sql, enum cr_status *st);

/* A column's text kept in l (store.h's cr_strings, a result's priv). */
static inline const char *
keep_text(struct cr_strings *l, const unsigned char *s)
{
    return cr_strings_keep(l, (const char *)s);
}
/* Step a statement that returns no row and reset it; what names it in the message. */
enum cr_status step_done(cr_db *db, sqlite3_stmt *s, const char *what);

/* Import (import.c) */

/* Bind v as text, or NULL when it is empty. */
void bind_text_or_null(sqlite3_stmt *s, int i, const char *v);

/* The search index (search.c) */

/*
 * Record the search document of a case (of every case of a subject, closed
 * ones too) that existed before the import import_id, before a write
 * changes it; sq_search_update, before the transaction commits, puts the
 * documents of the cases recorded and of those created since (a case id
 * above cases_before) in the index in place of the old.  import_id 0: a
 * write that created no case.
 */
enum cr_status sq_search_record_case(cr_db *db, int64_t import_id, int64_t case_id);
enum cr_status sq_search_record_subject(cr_db *db, int64_t import_id, int64_t subject_id);
enum cr_status sq_search_update(cr_db *db, int64_t cases_before);

/* The timeline and linked references (timeline.c; store.h) */
enum cr_status sq_timeline(cr_db *db, int64_t case_id, struct cr_timeline *out);
enum cr_status sq_link_import(cr_db *db, int64_t case_id, long line, int kind, const char *ref,
                              const char *status, bool *added);
enum cr_status sq_link_put(cr_db *db, int64_t case_id, int kind, const char *ref,
                           const char *status, const char *actor, const char *reason);
enum cr_status sq_link_remove(cr_db *db, int64_t case_id, const char *ref, const char *actor,
                              const char *reason);
/* The number of the import under way (import.c), 0 when none; *cases_before its cases_before. */
int64_t sq_import_current(cr_db *db, int64_t *cases_before);

/* Queue pages (page.c) */

/* The columns of a case row, in the order read_case_numbers and the readers of rows expect. */
#define CASE_ROW_COLUMNS                                                                    \
    "c.id, c.sortkey, c.priority, c.created_at, c.state_since, c.state, c.outcome, "        \
    "c.categories, c.n_allegations, s.duty_status, s.ref, s.surname, s.forenames, s.rank, " \
    "s.unit, c.assignee, c.decided_by, c.approver, c.decided_at, c.vetting_review, "        \
    "c.quorum_blocked, c.version, c.clock_shift, coalesce(c.paused_until, 0)"
#define CASE_ROW_NCOLS 24
#define CASE_ROW_STRINGS 8

/* The columns of a case row that are not strings. */
void read_case_numbers(sqlite3_stmt *s, struct cr_case_row *r);
/*
 * The panel's votes on the current decision of each row in panel_review
 * (struct cr_case_row's panel_* fields; viewer, when not NULL, whose own
 * vote panel_my_vote is): one query for all n rows, none when no row is
 * with the panel (page.c).
 */
enum cr_status sq_panel_tally(cr_db *db, const char *viewer, struct cr_case_row *rows, size_t n);

/* One case (case.c) */

/* The audit trail (audit.c) */

/* The columns of an event, as read_event reads them. */
#define EVENT_COLUMNS                                                                              \
    "id, at, actor, case_id, action, state_before, state_after, details, config_digest, purpose, " \
    "os_login"

/* Read one event row (EVENT_COLUMNS) into e, strings kept in l. */
void read_event(sqlite3_stmt *s, struct cr_event *e, struct cr_strings *l);

/* Moving between engines (migrate.c; store.h: migrate_*). */
enum cr_status sq_migrate_check(cr_db *db, bool to);
enum cr_status sq_migrate_read(cr_db *db, const struct cr_mig_table *t, cr_store_mig_fn each,
                               void *ctx);
enum cr_status sq_migrate_write(cr_db *db, const struct cr_mig_table *t,
                                const struct cr_mig_cell *cells);
enum cr_status sq_migrate_clear(cr_db *db, const char *table);
enum cr_status sq_migrate_finish(cr_db *db);

#endif
