/*
 * The storage engine interface: what core/ asks of a database, in the
 * domain's terms (cases, changes, events, pages, counts), as one versioned
 * table of methods, in the manner of SQLite's struct sqlite3_vfs.
 *
 * Layers.  Above this table, engine-neutral: the handle (db.c), the rules
 * (workflow.c), who may see what, the audit chain's rules (audit.c), the
 * import's validation (import.c), the figures' rules.  They reach the engine
 * through the st_* functions of internal.h, which call through the table.
 * Below it, one folder per engine: core/sqlite/ (every SQL statement and the
 * schema) and core/memory/ (in memory, for the unit tests).  An engine
 * exports exactly one symbol, its table, and includes this header; nothing
 * above the engine includes it except db.c and store.c, and the program
 * never does (tests/layering.sh).
 *
 * Choosing an engine.  At build time, by meson's `engine` option (sqlite or
 * memory): each engine is a static library of its own and exports the same
 * symbol, cr_store_engine, so that the neutral core (core_lib) links with
 * either; a test executable picks one by linking it (core/meson.build:
 * core_sqlite_dep, core_memory_dep; core_dep is the chosen one).  The
 * memory engine's folder, core/memory/, has a meson.build that sets
 * `memory_engine_sources` (its .c files) and may set `memory_engine_deps`
 * (a list, [] when none); core/meson.build builds them.  A handle may also
 * name its engine (cr_open_options.store) once a binary speaks two.
 *
 * Conventions, for every method below:
 *
 * - The first argument is the handle, as a vfs method takes the vfs.  The
 *   engine's state for that handle is cr_store_ctx(db): what open() gave
 *   back.  The table's app_data is the engine's own, shared by all handles.
 * - A method returns enum cr_status.  On failure it sets the handle's
 *   message itself, with cr_fail(db, status, fmt, ...), saying what failed
 *   ("read notes: disk I/O error"); CR_BUSY when another writer holds the
 *   lock, CR_NOMEM when out of memory, CR_DB for anything else the engine
 *   cannot do, CR_NOT_FOUND only where a method says so.  Rules are never
 *   checked here: a method does what it is asked (roles, visibility of
 *   votes, separation of duties are decided above it, before it is called).
 * - Who may see what is decided above the engine (policy.c) and comes to
 *   it as an argument: every read of many cases takes a struct cr_scope
 *   (internal.h), plain data the engine applies as it is, keeping its
 *   paging and its indexes (a scope of all zeros: every case).  Whatever
 *   a write needs of the user comes as an argument too (the actor of a
 *   change, the owner of a draft, who adopts a configuration).
 * - What the engine may read of the handle: its own state
 *   (cr_store_ctx(db)) and the clock, never the system clock: a write
 *   takes its time from cr_db_tx_now(db), read once when the transaction
 *   or the import began, so that every engine stamps a change and its
 *   audit event alike.  Not the user, the configuration, the purpose or the Unix
 *   login: every audit event is built above it (audit.c).  Nothing else
 *   above it: no rule, no workflow, no report function (tests/layering.sh
 *   holds the list of helpers it may call).
 * - Writes happen only between begin() and commit()/rollback(), which the
 *   caller brackets; reads may run outside a transaction (each read method
 *   reads one consistent snapshot).
 * - Results.  A struct the engine fills for the caller (cr_case,
 *   cr_case_state, cr_history, cr_page) has its
 *   arrays allocated with malloc (core's *_free frees them with free) and
 *   its strings owned by what `priv` points to: a struct of the engine's
 *   whose first member is a struct cr_store_owned, whose release() frees
 *   the strings and the struct itself (cr_strings is the usual one).
 *   priv may be NULL (no strings).  A struct cr_draft's priv is instead one
 *   malloc'd block holding its strings (cr_draft_free frees it with free);
 *   a struct cr_config_version's strings are each malloc'd.  On failure the
 *   result may be partly filled: the caller frees it all the same.
 */
#ifndef CASEREVIEW_STORE_H
#define CASEREVIEW_STORE_H

#include "internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The version of the table below; an engine sets version to the one it was written for. */
#define CR_STORE_VERSION 1

/* The first member of what a result's priv points to. */
struct cr_store_owned {
    void (*release)(struct cr_store_owned *self);
};

/*
 * The usual priv, for every engine (store.c): copies of the strings a result
 * points into, freed together by its release.  cr_strings_keep gives a copy
 * of s kept in l (NULL for NULL; "" with l->nomem set when out of memory);
 * cr_strings_new gives an empty list (NULL when out of memory).
 */
struct cr_strings {
    struct cr_store_owned owned;
    char **v;
    size_t n, cap;
    bool nomem;
};
struct cr_strings *cr_strings_new(void);
const char *cr_strings_keep(struct cr_strings *l, const char *s);
void cr_strings_free(struct cr_strings *l);

/* Each row of an export or a page goes to this; nonzero stops the reading. */
typedef int (*cr_store_row_fn)(void *ctx, const struct cr_case_row *r);
/* Each event of a scan goes to this; nonzero stops the scan. */
typedef int (*cr_store_event_fn)(void *ctx, const struct cr_event *e);

/* A number of cases alike in what a maintained counter keeps (the figures). */
struct cr_case_count {
    int state;           /* enum cr_state; -1: one the engine does not know */
    int outcome;         /* enum cr_outcome of the current decision; -1: none */
    bool vetting_review; /* outcome_counts only */
    unsigned categories; /* CR_CATMASK_* bits; case_counts only */
    int64_t n;
};
typedef enum cr_status (*cr_store_count_fn)(void *ctx, const struct cr_case_count *c);

/*
 * One case as the figures read it (case_facts).  The decision is the
 * case's latest, whether or not it stands in the case's state: that is
 * core's to say.  The strings are valid during the call only.
 */
struct cr_case_fact {
    int64_t subject_id;
    int state;                            /* enum cr_state; -1: one the engine does not know */
    int outcome;                          /* enum cr_outcome of the latest decision; -1: none */
    bool vetting_review;                  /* of that decision */
    unsigned categories;                  /* CR_CATMASK_* bits of its allegations */
    const char *unit, *rank, *employment; /* its subject's */
};
typedef enum cr_status (*cr_store_fact_fn)(void *ctx, const struct cr_case_fact *f);

/* A reviewer's row of a per-reviewer counter; the login is valid during the call only. */
struct cr_reviewer_count {
    const char *login;
    int outcome;                /* enum cr_outcome (reviewer_outcomes); -1 for panel_rounds */
    int64_t n;                  /* reviewer_outcomes: cases */
    int64_t finished, returned; /* panel_rounds */
};
typedef enum cr_status (*cr_store_reviewer_fn)(void *ctx, const struct cr_reviewer_count *r);

/*
 * Open cases that someone holds, alike in assignee, state and time of
 * entering it (assigned_cases): the login is valid during the call only.
 */
struct cr_assigned_count {
    const char *login;   /* the case's assignee */
    int state;           /* enum cr_state, never closed; -1: one the engine does not know */
    int64_t state_since; /* when the cases entered their state */
    int64_t n;           /* how many (1 unless the engine groups them) */
};
typedef enum cr_status (*cr_store_assigned_fn)(void *ctx, const struct cr_assigned_count *a);

/* A row of the qa table (casereview/qa.h), valid during the call only. */
typedef enum cr_status (*cr_store_qa_fn)(void *ctx, const struct cr_qa_row *q);
/* An approved decision, for the quality figures (approved_decisions); strings during the call. */
struct cr_decision_fact {
    int64_t case_id;
    int round;
    const char *reviewer;
    int outcome;         /* enum cr_outcome */
    unsigned categories; /* CR_CATMASK_* bits of the case's allegations */
};
typedef enum cr_status (*cr_store_decision_fn)(void *ctx, const struct cr_decision_fact *f);

/*
 * A table as a migration copies it (core/migrate.c): its name, its n
 * columns and their types ('i' integer, 't' text, 'b' bytes), the ORDER BY
 * of a reading.  A cell: null, or an integer, or text / bytes (p, len).
 */
struct cr_mig_table {
    const char *name;
    const char *const *cols;
    const char *types;
    size_t n;
    const char *order;
};
struct cr_mig_cell {
    bool null;
    int64_t i;
    const char *p;
    size_t len;
};
typedef int (*cr_store_mig_fn)(void *ctx, const struct cr_mig_cell *cells);

struct cr_store {
    int version;      /* CR_STORE_VERSION it implements: methods past it are absent */
    const char *name; /* "sqlite", "memory": in messages and `version` output */
    void *app_data;   /* the engine's own, for every handle (the vfs's pAppData) */

    /* The handle */

    /*
     * Open the database at path (flags: enum cr_open_flags; connection:
     * an engine's own way of naming a database, NULL to use path), check
     * that it is ours and safe, bring its schema up to date, and set *ctx
     * to the engine's state for this handle (also on failure, when there is
     * state to free: close() is called whatever open() returned).  ctx is
     * the handle's own slot: once set, cr_store_ctx(db) returns it, so set
     * it first.  The clock and the handle's message are ready when it is
     * called.
     */
    enum cr_status (*open)(cr_db *db, const char *path, unsigned flags, const char *connection,
                           void **ctx);
    /* Free the engine's state for the handle (cr_store_ctx(db), which may be NULL). */
    void (*close)(cr_db *db);
    /*
     * Undo what open() created (the file, an empty file made a database,
     * the audit key made for it); close() follows.  Nothing when it
     * created nothing.
     */
    void (*discard)(cr_db *db);
    /*
     * The database as messages name it (cr_db_label), owned by the engine's
     * state; NULL (the method or its result): the path open() was given.
     */
    const char *(*label)(const cr_db *db);
    /* Whether open() created the database (see cr_db_created). */
    int (*created)(const cr_db *db);
    /* The schema version of the open database. */
    int (*schema_version)(const cr_db *db);
    /*
     * Whether the handle holds a read-only copy (see cr_db_read_only): the
     * engine decides when it opens, and refuses every write afterwards.
     */
    int (*read_only)(const cr_db *db);
    /* A number that changes whenever another connection commits. */
    enum cr_status (*data_version)(cr_db *db, int64_t *version);

    /* Transactions: one write transaction at a time per handle, not nested. */

    /* Begin a write transaction, taking the write lock (CR_BUSY when it cannot). */
    enum cr_status (*begin)(cr_db *db);
    enum cr_status (*commit)(cr_db *db);
    /* Roll back the transaction begun, if any; never fails. */
    void (*rollback)(cr_db *db);
    /* CR_OK, or CR_DB saying that the handle holds a read-only copy where nothing can change. */
    enum cr_status (*writable)(cr_db *db);

    /* Cases */

    /*
     * The case numbered n (*id = n) and the latest case of the subject whose
     * subject_ref is ref (*id_of_ref); either argument may be absent (n 0,
     * ref NULL).  *id and *id_of_ref are 0 for none: not an error.  Core
     * reads the key a user typed (cr_case_key) and says what is wrong.
     */
    enum cr_status (*find_case)(cr_db *db, int64_t n, const char *ref, int64_t *id,
                                int64_t *id_of_ref);
    /*
     * Load case id into *out: its row, subject and allegations; with
     * votes_notes, also its votes and notes, the current round's votes
     * withheld when hide_votes.  CR_NOT_FOUND (with a message) when there
     * is no such case.
     */
    enum cr_status (*case_load)(cr_db *db, int64_t id, bool votes_notes, bool hide_votes,
                                struct cr_case *out);
    /* The case as the rules see it (internal.h); CR_NOT_FOUND when there is none. */
    enum cr_status (*case_state)(cr_db *db, int64_t id, struct cr_case_state *cs);
    /*
     * Write a change the workflow decided on the case cs was read as (in the
     * caller's write transaction): the row, its version (when
     * ch->bump_version), a decision, approval, vote or note, by the login
     * actor (the case's updated_by, a decision's reviewer, ...), at
     * cr_db_now(db).  The caller read cs in the same write transaction and
     * checked its version there (workflow.c), so the engine checks nothing:
     * it writes.  The quorum flag and panel_round are written as ch gives
     * them (-1: left as they are), never worked out here.  The audit event
     * is the caller's.
     */
    enum cr_status (*apply)(cr_db *db, const struct cr_case_state *cs, const struct cr_change *ch,
                            const char *actor);
    /* Every audit event of case id, in id order (*out as cr_history_get gives it). */
    enum cr_status (*history)(cr_db *db, int64_t id, struct cr_history *out);

    /* The quorum flags (workflow.c recomputes them) */

    /*
     * The audit events of the votes cast on the case since its current panel
     * sitting began: after its last event whose action is one of starts (a
     * list of action names ending with NULL: what begins a sitting is the
     * workflow's to say), or every one when it has none.  Malloc'd.
     */
    enum cr_status (*sitting_vote_events)(cr_db *db, int64_t case_id, const char *const *starts,
                                          int64_t **ids, size_t *n);
    /* The cases whose quorum flag may need recomputing: with the panel, or flagged.  Malloc'd. */
    enum cr_status (*quorum_cases)(cr_db *db, int64_t **ids, size_t *n);
    /* Set a case's quorum flag and nothing else (its version stays). */
    enum cr_status (*set_quorum_blocked)(cr_db *db, int64_t case_id, int blocked);

    /* Pages of the queue */

    /*
     * A page of up to limit cases matching filter (NULL: all), after the
     * cursor (when reverse, the limit cases just before it, still in sort
     * order: the page as it shows), in the filter's sort order
     * (cr_row_cursor gives a row's cursor), only the cases scope admits
     * and, when late is not NULL, only those it admits (internal.h: the
     * overdue filter, which core works out; filter->overdue is core's, not
     * the engine's).  page->more says whether more follow in that direction.
     */
    enum cr_status (*page)(cr_db *db, const struct cr_filter *filter, int64_t cursor, bool reverse,
                           size_t limit, const struct cr_scope *scope, const struct cr_late *late,
                           struct cr_page *page);
    /*
     * A page of the cases queue admits (struct cr_queue, internal.h: what
     * waits for queue->login, as workflow.c worked it out from the rules),
     * only the cases scope admits, by sortkey, as page() pages.  The
     * engine applies the queue's clauses as they are: which states count
     * for which role and separation of duties are decided above it (a
     * clause with late set admits only what queue->late admits).  The
     * queue has at least one clause (an empty one never reaches the engine).
     */
    enum cr_status (*list_mine)(cr_db *db, const struct cr_queue *queue,
                                const struct cr_scope *scope, int64_t cursor, bool reverse,
                                size_t limit, struct cr_page *page);
    /*
     * Every case scope admits, riskiest first, to row() from one read
     * snapshot (writers go on meanwhile).  When row() returns nonzero,
     * *stopped is set and the method returns CR_OK.  *rows counts the rows
     * row() accepted.
     */
    enum cr_status (*export_scan)(cr_db *db, const struct cr_scope *scope, cr_store_row_fn row,
                                  void *ctx, int64_t *rows, bool *stopped);

    /* The import: one write transaction from begin to end */

    /*
     * Begin an import of the file named label (kept with the import);
     * *import_id is its number, which its audit events name.  A new
     * allegation joins its subject's latest case, unless that case is in
     * one of new_case_states (bits of enum cr_state: the workflow's to
     * say), when a new case follows it (counted in res->reopened_cases).
     */
    enum cr_status (*import_begin)(cr_db *db, const char *label, unsigned new_case_states,
                                   int64_t *import_id);
    /*
     * Add one validated row (line: its line in the file): a new subject,
     * allegation or case, or one already there (CR_ROW_KNOWN), or one that
     * disagrees with what is there (CR_ROW_CONFLICT, *conflict saying
     * with what).  Counts go to *res (not returned_cases: core's).  For
     * CR_ROW_ADDED, *added is the case the allegation went to and its state
     * (a new case: flagged); whether that case must be decided again is
     * the workflow's to say, above the engine, which then applies it.
     * When the row brought a subject's details up to date (counted in
     * res->updated_subjects), *update says what they were (its strings the
     * engine's until the next call); the audit event is the caller's.
     */
    enum cr_status (*import_row)(cr_db *db, const struct cr_import_row *row, long line,
                                 struct cr_import_result *res, enum cr_row_outcome *outcome,
                                 struct cr_conflict *conflict, struct cr_row_case *added,
                                 struct cr_subject_update *update);
    /*
     * End the import: commit (recomputing the touched cases' priorities;
     * the caller has appended the import's audit event) or roll back.
     */
    enum cr_status (*import_end)(cr_db *db, const struct cr_import_result *res, bool commit);

    /*
     * The figures.  The engine only counts, in the domain's terms: the
     * maintained counters' rows, the cases as the figures see them, cases
     * waiting in a state, first decisions in a time range.  What the
     * numbers mean (stages, people as against cases, breakdowns, service
     * levels, the weekly rate, who sees whose figures) is core/report.c's.
     * A callback that returns anything but CR_OK (having set the handle's
     * message) stops the reading, and the method returns what it returned.
     */

    /*
     * Begin a read snapshot for figures read in several calls, so that they
     * add up while others write (*began: one was begun; inside the caller's
     * transaction or snapshot, the reads share that one).
     */
    enum cr_status (*snapshot_begin)(cr_db *db, bool *began);
    /* End what snapshot_begin began (nothing unless began); ok false: let it go, CR_OK. */
    enum cr_status (*snapshot_end)(cr_db *db, bool began, bool ok);
    /*
     * The counter of cases by state, current decision's outcome and
     * categories (a cr_case_count each, vetting_review false; rows of 0 may
     * come), to each(); cheap: it never reads the cases.
     */
    enum cr_status (*case_counts)(cr_db *db, cr_store_count_fn each, void *ctx);
    /*
     * The counter of cases by state, current decision's outcome and
     * vetting review (categories 0), only rows with n > 0, to each(); cheap.
     */
    enum cr_status (*outcome_counts)(cr_db *db, cr_store_count_fn each, void *ctx);
    /* The counted subjects, and allegations in all and of each category; cheap. */
    enum cr_status (*record_counts)(cr_db *db, int64_t *subjects, int64_t *allegations,
                                    int64_t by_category[CR_CATEGORY_COUNT]);
    /*
     * Every case as a cr_case_fact, to each(), in no particular order: as
     * it stands now (as_at 0), or as it stood before the second as_at (the
     * cases created before then; the state the last audit event before
     * then left it in, flagged when none; the decision of the highest round
     * taken before then; the categories of the allegations imported before
     * then; the subject's details as they are today).  With followed, only
     * the cases of subjects that have more than one case (few, and read
     * through an index: the counters cannot tell people from cases).
     */
    enum cr_status (*case_facts)(cr_db *db, int64_t as_at, bool followed, cr_store_fact_fn each,
                                 void *ctx);
    /*
     * *n: the cases in state (enum cr_state) whose SLA clock started
     * (state_since + clock_shift) before second since_before and that are
     * not paused at now (paused_until, when set, not after now).
     */
    enum cr_status (*cases_waiting)(cr_db *db, int state, int64_t since_before, int64_t now,
                                    int64_t *n);
    /* *n: the first decisions (round 1) taken from second from up to, not including, to. */
    enum cr_status (*first_decisions)(cr_db *db, int64_t from, int64_t to, int64_t *n);
    /*
     * The counter of each reviewer's cases by current decision's outcome
     * (login, outcome, n; only n > 0), to each(), by login; cheap.
     */
    enum cr_status (*reviewer_outcomes)(cr_db *db, cr_store_reviewer_fn each, void *ctx);
    /*
     * The counter of the panel's finished rounds on each reviewer's
     * decisions (login, finished, returned: of which it returned; outcome
     * -1), to each(), by login; cheap.
     */
    enum cr_status (*panel_rounds)(cr_db *db, cr_store_reviewer_fn each, void *ctx);

    /*
     * The audit trail: append-only, each event chained to the one before.
     * The chain is core's (audit.c builds each event, hashes it with the
     * key and verifies the trail); the engine stores and reads.
     */

    /*
     * Store the event e as core built it (e->id is the head's event + 1),
     * with the hash of the event before it (prev) and its own (hash), and
     * make it the chain's head; in the caller's write transaction.  Nothing
     * is computed or checked here, and an engine writes no event of its
     * own: every event is built above it (cr_audit_chain, internal.h).
     * An engine that seals the events (seals, below) computes instead.
     */
    enum cr_status (*audit_append)(cr_db *db, const struct cr_event *e,
                                   const unsigned char prev[32], const unsigned char hash[32]);
    /*
     * The chain's head as kept beside the events: its last event and that
     * event's hash (event 0: empty); CR_INVALID when the record is missing
     * or damaged.
     */
    enum cr_status (*audit_head)(cr_db *db, int64_t *event, unsigned char hash[32]);
    /* The id of the last event (in the transaction that appended it: that one). */
    enum cr_status (*audit_last)(cr_db *db, int64_t *id);
    /* The configuration digest the last event was written under (*any: there is one). */
    enum cr_status (*audit_last_digest)(cr_db *db, char out[65], bool *any);
    /*
     * The events matching f with after < id <= upto, in id order, to each()
     * (its event valid during the call only); *n counts them.  When each()
     * returns nonzero the scan stops with CR_DB, "audit log: writing the
     * events failed".
     */
    enum cr_status (*audit_scan)(cr_db *db, const struct cr_audit_filter *f, int64_t after,
                                 int64_t upto, cr_store_event_fn each, void *ctx, int64_t *n);
    /*
     * The database's audit key (struct cr_audit_key, internal.h): where the
     * engine keeps it is its own (SQLite: a file beside the database).
     */
    enum cr_status (*audit_key)(cr_db *db, struct cr_audit_key *out);
    /*
     * The events from id from on (of case case_id only, unless 0), in id
     * order, each with the hashes stored beside it, to each() (valid during
     * the call only).  When each() returns nonzero the scan stops and the
     * method returns CR_OK: the caller knows why.
     */
    enum cr_status (*audit_chain)(cr_db *db, int64_t case_id, int64_t from, cr_audit_link_fn each,
                                  void *ctx);
    /* Each configuration version kept, in id order, as audit_chain's scan (each() may stop it). */
    enum cr_status (*config_texts)(cr_db *db,
                                   int (*each)(void *ctx, const struct cr_config_text *t),
                                   void *ctx);
    /*
     * The cases as their tables hold them (struct cr_case_rows, internal.h),
     * in id order: every case with a row in the cases table or in one of its
     * lists, or only case id unless 0; as audit_chain's scan (each() may stop it).
     */
    enum cr_status (*case_rows)(cr_db *db, int64_t id, cr_case_rows_fn each, void *ctx);
    /*
     * A read snapshot for audit verify's several reads: every read between
     * read_begin and read_end sees the same data, writers going on
     * meanwhile.  Never inside a write transaction.
     */
    enum cr_status (*read_begin)(cr_db *db);
    void (*read_end)(cr_db *db);

    /* Drafts, each the person login's (never anyone else's) */

    /* Store d for (case, d->action), saved now, replacing login's draft. */
    enum cr_status (*draft_put)(cr_db *db, const char *login, int64_t case_id,
                                const struct cr_draft *d);
    /*
     * Fill *out as cr_draft_get does; CR_NOT_FOUND with a message ("you
     * (login) have no saved draft of ACTION on case N") when there is none.
     */
    enum cr_status (*draft_get)(cr_db *db, const char *login, int64_t case_id, int action,
                                struct cr_draft *out);
    /* Remove the draft, if there is one. */
    enum cr_status (*draft_delete)(cr_db *db, const char *login, int64_t case_id, int action);

    /* The pinned configuration (core/pin.c: pin, adopt and check above it) */

    /*
     * The version in force (prefix NULL), or the one whose digest begins
     * with prefix; CR_NOT_FOUND with a message when there is none.
     */
    enum cr_status (*config_get)(cr_db *db, const char *prefix, struct cr_config_version *out);
    /*
     * Make cfg the version in force (its text, adopted by the login by,
     * or "system", now), in the caller's write transaction; a version
     * adopted again is marked in force, not copied.
     */
    enum cr_status (*config_put)(cr_db *db, const struct cr_config *cfg, const char *by);

    /* Appended to version 1 before any engine shipped (see the commit naming them) */

    /*
     * The digest of the version in force (*any: one is pinned), cheaply:
     * every audit event checks it under the write lock.
     */
    enum cr_status (*config_in_force)(cr_db *db, char digest[65], bool *any);

    /* Appended to version 1 for issue 12 (supervisors' tools), before any engine shipped */

    /*
     * Every case that is not closed and has an assignee, as (assignee,
     * state, state_since, n), to each(), in no particular order (never
     * reading the closed cases).  The workload's figures (core/workload.c)
     * are made from it; the engine only reads.
     */
    enum cr_status (*assigned_cases)(cr_db *db, cr_store_assigned_fn each, void *ctx);

    /* Appended to version 1 for issue 12 (role-first views), before any engine shipped */

    /*
     * *n: how many cases page() would list under filter, scope and late
     * (NULL: none), all pages together, but at most cap (cap > 0): the
     * engine stops counting there, so that a count stays cheap however
     * many cases match.  Core reads the counters instead where they can
     * answer (cr_count_cases).
     */
    enum cr_status (*count)(cr_db *db, const struct cr_filter *filter, const struct cr_scope *scope,
                            const struct cr_late *late, int64_t cap, int64_t *n);
    /* *n: how many cases list_mine() would list for queue, at most cap, as count(). */
    enum cr_status (*count_mine)(cr_db *db, const struct cr_queue *queue,
                                 const struct cr_scope *scope, int64_t cap, int64_t *n);

    /* Appended to version 1 for issue 13 (the subject's timeline and linked references) */

    /*
     * The timeline (casereview/timeline.h) of the subject of case case_id:
     * every case of the subject by number, every allegation of them by date
     * then reference, the links in force of each case by case then id.
     * CR_NOT_FOUND (with a message) when there is no such case.  *out's
     * arrays are malloc'd, its strings owned by priv (cr_timeline_free).
     */
    enum cr_status (*timeline)(cr_db *db, int64_t case_id, struct cr_timeline *out);
    /*
     * In the import's transaction: add the link (kind, ref, status) of
     * import line `line` to case case_id (which may be one the import made)
     * unless that case has ever had ref, in force or removed (*added says
     * whether it was added).  The case's search document follows.
     */
    enum cr_status (*link_import)(cr_db *db, int64_t case_id, long line, int kind, const char *ref,
                                  const char *status, bool *added);
    /*
     * In the caller's write transaction: mark the link in force of ref on
     * the case, if any, removed (by actor, now, reason), then add (kind,
     * ref, status) by actor, now (link_put); or only mark it removed
     * (link_remove, CR_NOT_FOUND with a message when none is in force).
     * The case's search document follows.
     */
    enum cr_status (*link_put)(cr_db *db, int64_t case_id, int kind, const char *ref,
                               const char *status, const char *actor, const char *reason);
    enum cr_status (*link_remove)(cr_db *db, int64_t case_id, const char *ref, const char *actor,
                                  const char *reason);
    /* Appended to version 1 for issue 13 (what happened next), before any engine shipped */

    /*
     * Store a follow-up f (stage, result, date, detail; its id, case,
     * recorded_by and recorded_at are not read) on case case_id, recorded by
     * the login actor at cr_db_tx_now(db), in the caller's write
     * transaction.  Nothing is checked here (core/followup.c checks it).
     */
    enum cr_status (*followup_add)(cr_db *db, int64_t case_id, const struct cr_followup *f,
                                   const char *actor);
    /*
     * The follow-ups of case case_id (0: of every case), in id order, to
     * each() (valid during the call only); when each() returns nonzero the
     * scan stops and the method returns CR_OK.
     */
    enum cr_status (*followup_scan)(cr_db *db, int64_t case_id,
                                    int (*each)(void *ctx, const struct cr_followup *f), void *ctx);
    /* Appended to version 1 for issue 13 (retention, erasure and correction; core/erase.c) */

    /*
     * Each closed case that entered closed before `before`, in id order,
     * to each() (struct cr_closed_case, internal.h); a nonzero status from
     * each() stops the scan and is returned.  Reads only.
     */
    enum cr_status (*closed_cases)(cr_db *db, int64_t before, cr_store_closed_fn each, void *ctx);
    /*
     * Replace the details of audit event `event` with `details` (an
     * erasure's redacted form, built above); its digest, hashes and every
     * other field stay.  In the caller's write transaction.
     */
    enum cr_status (*audit_redact)(cr_db *db, int64_t event, const char *details);
    /*
     * Overwrite the personal text of case_id with `text` (allegation
     * summaries, decisions' and the case's rationale, vote and set-aside
     * vote reasons given, note bodies, the pause reason), delete its
     * drafts, mark it erased by `event`, and, when no case of its subject
     * is left unerased, the subject's names and reference too (the
     * reference becomes "erased-" and the subject's id); the search index
     * follows, and the engine leaves no copy of the old bytes in its files
     * (SQLite: secure_delete).  *n counts what was overwritten.  In the
     * caller's write transaction.
     */
    enum cr_status (*erase_case)(cr_db *db, int64_t case_id, int64_t event, const char *text,
                                 struct cr_erase_counts *n);
    /*
     * After an erasure committed: no copy of the erased bytes left in the
     * engine's files (SQLite: the search index's segments merged and the
     * write-ahead log checkpointed and truncated).  Best effort: CR_OK or
     * a message saying what could not be done (the erasure stands).
     */
    enum cr_status (*erase_finish)(cr_db *db);
    /*
     * The allegation whose reference is ref: its id and case (0, 0: none).
     */
    enum cr_status (*find_allegation)(cr_db *db, const char *ref, int64_t *id, int64_t *case_id);
    /*
     * Set one field of allegation id (field: summary, date, source,
     * original_outcome; value already validated above) and its case's
     * latest allegation date and priority (worked out above); the search
     * index follows.  In the caller's write transaction.
     */
    enum cr_status (*allegation_set)(cr_db *db, int64_t id, const char *field, const char *value,
                                     const char *latest, int64_t priority);
    /* Appended to version 1 for issue 13 (quality assurance, core/qa.c; schema 13) */

    /*
     * Write the qa row of (q->case_id, q->round): a new one, or the one
     * there replaced (a verdict recorded), in the caller's write
     * transaction; q->categories is not stored.  Core decided it all.
     */
    enum cr_status (*qa_put)(cr_db *db, const struct cr_qa_row *q);
    /*
     * The qa rows (of case case_id only, unless 0; only those without a
     * verdict when pending), with their case's categories, to each(), by
     * selected_at then case and round.
     */
    enum cr_status (*qa_rows)(cr_db *db, int64_t case_id, bool pending, cr_store_qa_fn each,
                              void *ctx);
    /*
     * Every decision with an approval of its round (case, round, reviewer,
     * outcome, the case's categories), to each(), in no particular order.
     */
    enum cr_status (*approved_decisions)(cr_db *db, cr_store_decision_fn each, void *ctx);

    /* Appended to version 1 for issue 14 (an engine that holds the chain's key: PostgreSQL) */

    /*
     * Whether the engine seals every event itself.  Such an engine holds
     * the audit key where core cannot read it (PostgreSQL: a table only the
     * server's functions read) and, in audit_append, numbers the event,
     * stamps its time, actor and Unix login itself (core's are not
     * trusted: the event as stored is what counts, and core reads it back
     * where it shows it), computes its details' digest and its hash over
     * the same canonical fields as core's chain v3, and moves the head;
     * core passes e->id 0 and prev and hash NULL.  Core then never reads
     * the key (audit_key says where it is, with have false and keyed_from
     * 1), and asks audit_check and audit_erasure for what needs it.  false
     * (SQLite, memory): core builds and hashes every event, the engine
     * stores it.
     */
    bool seals;
    /*
     * A sealing engine's check of the stored hashes with its key, as core's
     * verify makes it (audit.c, walk_event), from event from on (1: the
     * whole trail; a later one is chained to the prev_hash stored in it):
     * in id order, each event's details against its stored digest and its
     * hash against the one recomputed over the hash of the event before
     * (as recomputed), and each erasure event's recorded "redacted" sum
     * against the keyed sum over the events that name it; the first event
     * found wrong goes to bad() (struct cr_audit_bad, internal.h), and the
     * check stops there.  CR_OK whether or not one was found.  Reads only;
     * the caller's read snapshot (read_begin) or write transaction.
     */
    enum cr_status (*audit_check)(cr_db *db, int64_t from, cr_audit_bad_fn bad, void *ctx);
    /*
     * A sealing engine's sums for an erasure (core/erase.c), over the events
     * of case case_id before event by, in id order, as stored now (after
     * audit_redact): digest, the keyed chain over their details' digests,
     * and redacted, the keyed running sum over each event as left
     * (cr_audit_erased_step's fields and stored hash), both from 32 zero
     * bytes; *n counts the events.  In the caller's write transaction.
     */
    enum cr_status (*audit_erasure)(cr_db *db, int64_t case_id, int64_t by,
                                    unsigned char digest[32], unsigned char redacted[32],
                                    int64_t *n);
    /* Appended to version 1 for issue 14 (the server as the trust boundary) */

    /*
     * Publish the workflow's rules (rows[a] for each action a, n of them:
     * internal.h, struct cr_rule_row; workflow.c writes them once) in the
     * caller's write transaction, when a configuration is pinned or
     * adopted.  An engine that is itself a trust boundary keeps them and
     * checks every apply against them (PostgreSQL: the rules table,
     * written only by the service role or an admin of the roster).  SQLite
     * and memory: nothing to do (CR_OK): their boundary is the program
     * itself (setgid; the database file is out of the users' reach), and
     * the program checks every rule before it writes.
     */
    enum cr_status (*rules_put)(cr_db *db, const struct cr_rule_row *rows, size_t n);
    /* Appended to version 1 for issue 14 (moving between engines: core/migrate.c) */

    /*
     * Whether this handle may take part in a migration (core/migrate.c),
     * as its source (to false) or its destination (to true): CR_OK, or
     * CR_REFUSED with a message saying why (PostgreSQL: only the service
     * role, the database's owner, reads and writes every table).  An
     * engine without the methods below cannot take part (core says so).
     */
    enum cr_status (*migrate_check)(cr_db *db, bool to);
    /*
     * Every row of table t (core's list, internal.h: the same table and
     * column names on every engine), in t->order, each as t->n cells of
     * t->types, to each(), valid during the call only; nonzero from each()
     * stops the reading and is returned (a status).  Reads only; in the
     * caller's read snapshot (read_begin).
     */
    enum cr_status (*migrate_read)(cr_db *db, const struct cr_mig_table *t, cr_store_mig_fn each,
                                   void *ctx);
    /*
     * Insert one row of t (cells as migrate_read gives them, ids and all),
     * in the caller's write transaction; the engine's triggers run as for
     * any insert (core replaces the counters afterwards).
     */
    enum cr_status (*migrate_write)(cr_db *db, const struct cr_mig_table *t,
                                    const struct cr_mig_cell *cells);
    /* Delete every row of table (one of core's list), in the caller's write transaction. */
    enum cr_status (*migrate_clear)(cr_db *db, const char *table);
    /*
     * A sealing engine's copy of event e (id, time, actor, every field as
     * given; e->details_digest is ignored), sealed with its own key and
     * chained to its head, which moves to it: its details' digest is
     * computed from e->details, or is keep_digest when not NULL (an erased
     * event keeps the digest of the details it had); its hash is computed,
     * or is keep_hash when not NULL (an event erased before chain v3, whose
     * hash no one can recompute).  *hash: the hash stored.  In the caller's
     * write transaction.
     */
    enum cr_status (*migrate_event)(cr_db *db, const struct cr_event *e, const char *keep_digest,
                                    const unsigned char *keep_hash, unsigned char hash[32]);
    /*
     * After every row was written: the search index rebuilt from the rows,
     * the ids to come set past the copied ones.  In the caller's write
     * transaction.
     */
    enum cr_status (*migrate_finish)(cr_db *db);
    /* Appended to version 1 for issue 14 (live updates: LISTEN/NOTIFY) */

    /*
     * A descriptor that becomes readable when another connection may have
     * committed, for the program to wait on (poll() for reading) beside its
     * input before it asks data_version; -1: none, and the program asks
     * data_version on a timer.  PostgreSQL: the connection's socket, where
     * the server's notifications arrive (-1 once the connection is lost);
     * a notification read with the reply to an earlier call is no longer
     * on it, so the caller asks data_version before it waits.  SQLite and
     * memory: -1 (cr_store_no_change_fd; another process's commit shows
     * only in the file).  Never blocks, never fails; the descriptor stays
     * the engine's (never closed by the caller), valid until the next call
     * of a method.
     */
    int (*change_fd)(cr_db *db);
};

/* The engine linked in: core/sqlite/'s or core/memory/'s table (core/meson.build). */
extern const struct cr_store cr_store_engine;
/*
 * The PostgreSQL engine (core/pg/), linked beside it when built (meson
 * option postgresql): db.c opens a database named by a connection string
 * (cr_db_names_server) with it.
 */
extern const struct cr_store cr_store_pg;

/* The engine's state for this handle: what its open() set. */
void *cr_store_ctx(const cr_db *db);
/* The table of the engine that holds the handle's database. */
const struct cr_store *st_store(const cr_db *db);
/* The Unix login the handle records (cr_db_set_os_login), or NULL. */
const char *st_os_login(const cr_db *db);

/* change_fd of an engine that has no descriptor to wait on (SQLite, memory). */
static inline int
cr_store_no_change_fd(cr_db *db)
{
    (void)db;
    return -1;
}

#endif
