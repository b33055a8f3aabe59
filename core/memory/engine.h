/*
 * What the files of the in-memory engine share: the state of a handle (its
 * database, its transaction), and the methods of store.h each file
 * implements.  Private to core/memory/.
 */
#ifndef CASEREVIEW_MEMORY_ENGINE_H
#define CASEREVIEW_MEMORY_ENGINE_H

#include "../store.h"
#include "memory.h"

/* A database kept by path for the life of the process (files.c). */
struct mem_file;

/* The engine's state for one handle: cr_store_ctx(db). */
struct mem_conn {
    struct mem_file *file; /* the database, shared by the handles open on its path */
    char *path;            /* as given, for messages */
    char *key;             /* the name the database is kept by (files.c) */
    bool created;
    bool filled;            /* an empty file that was there became the database */
    int64_t own_commits;    /* commits of this handle, which data_version does not count */
    struct mem_data *saved; /* the data as it was when this handle's transaction began */
    /* While an import runs: its id, and the line of it that first touched each case. */
    int64_t import_id;
    unsigned import_new_case_states; /* store.h, import_begin */
    struct mem_case_line {
        int64_t id;
        long line;
    } * import_cases;
    size_t n_import_cases;
    char *import_old[CR_SUBJECT_DETAILS]; /* the last updated subject's details as they were */
};

/* files.c: databases by path, the handle, transactions */
struct mem_conn *mem_conn(const cr_db *db);
/* The database the handle reads and writes (inside a transaction: its own version). */
struct mem_data *mem_data(const cr_db *db);
/* The database's audit key. */
const unsigned char *mem_key(const cr_db *db);
const char *mem_path(const cr_db *db);
enum cr_status mem_open(cr_db *db, const char *path, unsigned flags, const char *connection,
                        void **ctx);
void mem_close(cr_db *db);
void mem_discard(cr_db *db);
int mem_created(const cr_db *db);
int mem_schema_version(const cr_db *db);
int mem_read_only(const cr_db *db);
enum cr_status mem_data_version(cr_db *db, int64_t *version);
enum cr_status mem_begin(cr_db *db);
enum cr_status mem_commit(cr_db *db);
void mem_rollback(cr_db *db);
enum cr_status mem_writable(cr_db *db);
/* CR_DB unless the handle is in a write transaction (writes happen only inside one). */
enum cr_status mem_in_transaction(cr_db *db, const char *what);
/* A uniqueness the schema holds, broken: CR_DB with SQLite's words for it. */
enum cr_status mem_constraint(cr_db *db, const char *what, const char *columns);

/* case.c */
void *mem_grow(void **items, size_t *n, size_t size);
const struct mem_subject *mem_subject_of(const struct mem_data *d, const struct mem_case *c);
const struct mem_approval *mem_approval_of(const struct mem_data *d, int64_t case_id, int round);
unsigned mem_categories(const struct mem_case *c);
int64_t mem_sortkey(const struct mem_case *c);
void mem_case_row(const struct mem_data *d, const struct mem_case *c, struct cr_case_row *r);
/*
 * The panel's votes on the current decision of each row in panel_review
 * (struct cr_case_row's panel_* fields; viewer's own vote when not NULL), as
 * the SQLite engine's sq_panel_tally: one pass over the votes for all n
 * rows, none when no row is with the panel (page.c).
 */
void mem_panel_tally(cr_db *db, const char *viewer, struct cr_case_row *rows, size_t n);
int64_t mem_json_int(const char *json, const char *key);
void mem_event_out(const struct mem_event *x, struct cr_event *e, struct cr_strings *l);
enum cr_status mem_find_case(cr_db *db, int64_t n, const char *ref, int64_t *id,
                             int64_t *id_of_ref);
enum cr_status mem_case_load(cr_db *db, int64_t id, bool votes_notes, bool hide_votes,
                             struct cr_case *out);
enum cr_status mem_case_state(cr_db *db, int64_t id, struct cr_case_state *cs);
enum cr_status mem_apply(cr_db *db, const struct cr_case_state *cs, const struct cr_change *ch,
                         const char *actor);
enum cr_status mem_history(cr_db *db, int64_t id, struct cr_history *out);
enum cr_status mem_sitting_vote_events(cr_db *db, int64_t case_id, const char *const *starts,
                                       int64_t **ids, size_t *n);
enum cr_status mem_quorum_cases(cr_db *db, int64_t **ids, size_t *n);
enum cr_status mem_set_quorum_blocked(cr_db *db, int64_t case_id, int blocked);
enum cr_status mem_draft_put(cr_db *db, const char *login, int64_t case_id,
                             const struct cr_draft *d);
enum cr_status mem_draft_get(cr_db *db, const char *login, int64_t case_id, int action,
                             struct cr_draft *out);
enum cr_status mem_draft_delete(cr_db *db, const char *login, int64_t case_id, int action);

/* search.c: whether every token of search is in the case's subject or allegations. */
bool mem_search_matches(const struct mem_data *d, const struct mem_case *c,
                        const struct mem_subject *s, const char *search);

/* page.c */
enum cr_status mem_page(cr_db *db, const struct cr_filter *filter, int64_t cursor, bool reverse,
                        size_t limit, const struct cr_scope *scope, const struct cr_late *late,
                        struct cr_page *page);
enum cr_status mem_list_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope,
                             int64_t cursor, bool reverse, size_t limit, struct cr_page *page);
enum cr_status mem_export_scan(cr_db *db, const struct cr_scope *scope, cr_store_row_fn row,
                               void *ctx, int64_t *rows, bool *stopped);

/* import.c */
enum cr_status mem_import_begin(cr_db *db, const char *label, unsigned new_case_states,
                                int64_t *import_id);
enum cr_status mem_import_row(cr_db *db, const struct cr_import_row *row, long line,
                              struct cr_import_result *res, enum cr_row_outcome *outcome,
                              struct cr_conflict *conflict, struct cr_row_case *added,
                              struct cr_subject_update *update);
enum cr_status mem_import_end(cr_db *db, const struct cr_import_result *res, bool commit);

/* report.c */
enum cr_status mem_snapshot_begin(cr_db *db, bool *began);
enum cr_status mem_snapshot_end(cr_db *db, bool began, bool ok);
enum cr_status mem_case_counts(cr_db *db, cr_store_count_fn each, void *ctx);
enum cr_status mem_outcome_counts(cr_db *db, cr_store_count_fn each, void *ctx);
enum cr_status mem_record_counts(cr_db *db, int64_t *subjects, int64_t *allegations,
                                 int64_t by_category[CR_CATEGORY_COUNT]);
enum cr_status mem_case_facts(cr_db *db, int64_t as_at, bool followed, cr_store_fact_fn each,
                              void *ctx);
enum cr_status mem_cases_waiting(cr_db *db, int state, int64_t since_before, int64_t now,
                                 int64_t *n);
enum cr_status mem_first_decisions(cr_db *db, int64_t from, int64_t to, int64_t *n);
enum cr_status mem_reviewer_outcomes(cr_db *db, cr_store_reviewer_fn each, void *ctx);
enum cr_status mem_panel_rounds(cr_db *db, cr_store_reviewer_fn each, void *ctx);
enum cr_status mem_count(cr_db *db, const struct cr_filter *filter, const struct cr_scope *scope,
                         const struct cr_late *late, int64_t cap, int64_t *n);
enum cr_status mem_count_mine(cr_db *db, const struct cr_queue *queue, const struct cr_scope *scope,
                              int64_t cap, int64_t *n);
enum cr_status mem_assigned_cases(cr_db *db, cr_store_assigned_fn each, void *ctx);
/* The timeline and linked references (timeline.c; store.h) */
enum cr_status mem_timeline(cr_db *db, int64_t case_id, struct cr_timeline *out);
enum cr_status mem_link_import(cr_db *db, int64_t case_id, long line, int kind, const char *ref,
                               const char *status, bool *added);
enum cr_status mem_link_put(cr_db *db, int64_t case_id, int kind, const char *ref,
                            const char *status, const char *actor, const char *reason);
enum cr_status mem_link_remove(cr_db *db, int64_t case_id, const char *ref, const char *actor,
                               const char *reason);
/* The allegations and sexual offences of the cases the case follows (their chain). */
void mem_prior_figures(const struct mem_data *d, const struct mem_case *c, int *n, int *n_sexual);

/* followup.c */
enum cr_status mem_followup_add(cr_db *db, int64_t case_id, const struct cr_followup *f,
                                const char *actor);
enum cr_status mem_followup_scan(cr_db *db, int64_t case_id,
                                 int (*each)(void *ctx, const struct cr_followup *f), void *ctx);

/* audit.c */
enum cr_status mem_audit_put(cr_db *db, const struct cr_event *e, const unsigned char prev[32],
                             const unsigned char hash[32]);
enum cr_status mem_audit_head(cr_db *db, int64_t *event, unsigned char hash[32]);
enum cr_status mem_audit_last(cr_db *db, int64_t *id);
enum cr_status mem_audit_last_digest(cr_db *db, char out[65], bool *any);
enum cr_status mem_audit_scan(cr_db *db, const struct cr_audit_filter *f, int64_t after,
                              int64_t upto, cr_store_event_fn each, void *ctx, int64_t *n);
enum cr_status mem_audit_key(cr_db *db, struct cr_audit_key *out);
enum cr_status mem_audit_chain(cr_db *db, int64_t case_id, int64_t from, cr_audit_link_fn each,
                               void *ctx);
enum cr_status mem_config_texts(cr_db *db, int (*each)(void *ctx, const struct cr_config_text *t),
                                void *ctx);
enum cr_status mem_case_rows(cr_db *db, int64_t id, cr_case_rows_fn each, void *ctx);
/* qa.c: quality assurance (schema 13) */
enum cr_status mem_qa_put(cr_db *db, const struct cr_qa_row *q);
enum cr_status mem_qa_rows(cr_db *db, int64_t case_id, bool pending, cr_store_qa_fn each,
                           void *ctx);
enum cr_status mem_approved_decisions(cr_db *db, cr_store_decision_fn each, void *ctx);
/* The rules as data: nothing to keep (store.h, rules_put; the program is the boundary). */
enum cr_status mem_rules_put(cr_db *db, const struct cr_rule_row *rows, size_t n);
enum cr_status mem_read_begin(cr_db *db);
void mem_read_end(cr_db *db);

/* config.c */
enum cr_status mem_config_get(cr_db *db, const char *prefix, struct cr_config_version *out);
enum cr_status mem_config_put(cr_db *db, const struct cr_config *cfg, const char *by);
enum cr_status mem_config_in_force(cr_db *db, char digest[65], bool *any);

/* Erasure and correction (erase.c) */
enum cr_status mem_closed_cases(cr_db *db, int64_t before, cr_store_closed_fn each, void *ctx);
enum cr_status mem_audit_redact(cr_db *db, int64_t event, const char *details);
enum cr_status mem_erase_case(cr_db *db, int64_t case_id, int64_t event, const char *text,
                              struct cr_erase_counts *n);
enum cr_status mem_erase_finish(cr_db *db);
enum cr_status mem_find_allegation(cr_db *db, const char *ref, int64_t *id, int64_t *case_id);
enum cr_status mem_allegation_set(cr_db *db, int64_t id, const char *field, const char *value,
                                  const char *latest, int64_t priority);

#endif
