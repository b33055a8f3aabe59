/*
 * casereview: cases.
 *
 * Importing them, listing the queue a page at a time, opening a case and its
 * history, acting on it under the rules, and keeping a draft of a form.
 */
#ifndef CASEREVIEW_INCLUDE_CASES_H
#define CASEREVIEW_INCLUDE_CASES_H

#include <casereview/config.h>
#include <casereview/db.h>
#include <casereview/names.h>
#include <casereview/status.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most problems an import reports before it stops reading. */
#define CR_IMPORT_MAX_ERRORS 100

enum cr_import_flags {
    CR_IMPORT_DRY_RUN = 1 << 0, /* check everything, write nothing */
};

struct cr_import_result {
    int64_t rows;               /* allegation rows read */
    int64_t new_allegations;    /* rows that added an allegation */
    int64_t known_allegations;  /* rows already in the database, unchanged */
    int64_t new_cases;          /* cases created */
    int64_t added_to_open;      /* new allegations added to a case that was already open */
    int64_t reopened_cases;     /* of which: new cases for subjects whose case was closed */
    int64_t returned_cases;     /* open cases sent back to returned by a new allegation */
    int64_t new_subjects;       /* subjects created */
    int64_t updated_subjects;   /* subjects whose details changed */
    int64_t new_links;          /* linked references added (linked_refs; timeline.h) */
    int64_t erased_allegations; /* rows of cases purge erased: skipped, nothing of them kept */
};

/* How many of the subjects an import updates cr_import_update describes. */
#define CR_IMPORT_SHOWN_UPDATES 3

/*
 * After cr_import_csv (a dry run too): the i-th of the first
 * CR_IMPORT_SHOWN_UPDATES subjects whose details it changed, as
 * "REF field old -> new[, field old -> new]" (free text quoted, an empty
 * value "(not recorded)"), or NULL past the last.  Owned by the handle
 * until its next import.  Each change is also a "subject_update" audit event.
 */
const char *cr_import_update(const cr_db *db, size_t i);

/* One detail of a subject an import changed: the import column's name ("rank",
 * "duty_status", ...) and its values as stored, NULL where none was recorded. */
struct cr_subject_change {
    const char *field;
    const char *before, *after;
};

/*
 * The same subject as cr_import_update's line i, as data: its reference in
 * *subject_ref and its *n changes in *changes, each in import column order.
 * Owned by the handle until its next import.  1, or 0 past the last.
 */
int cr_import_update_detail(const cr_db *db, size_t i, const char **subject_ref,
                            const struct cr_subject_change **changes, size_t *n);

/*
 * Import the CSV of SPEC section 8 read from in; label names the input in
 * messages (`label:LINE: column: reason`).  Everything is checked and
 * written in one transaction: on any problem nothing is written, the
 * problems are in *diags (allocated; the caller frees it with
 * cr_diags_free) and CR_INVALID is returned.  With CR_IMPORT_DRY_RUN the
 * transaction is always rolled back.  *res tells what was (or would be)
 * done.  Returns CR_OK, CR_INVALID, CR_BUSY, CR_DB or CR_NOMEM.
 */
enum cr_status cr_import_csv(cr_db *db, FILE *in, const char *label, unsigned flags,
                             struct cr_import_result *res, cr_diags **diags);

/* One import that was written (its "import" audit event): who, when, what file, what it brought. */
struct cr_import_run {
    int64_t event; /* the audit event */
    int64_t at;    /* seconds since the epoch, UTC */
    char *actor;   /* the login that imported */
    char *file;    /* the file as named to import ("-": standard input) */
    int64_t rows, new_allegations, new_cases, updated_subjects, returned_cases;
};

struct cr_import_runs {
    size_t n;
    struct cr_import_run *runs; /* newest first */
    int64_t total;              /* imports written in all, of which runs are the newest n */
};

/*
 * The last (at most) limit imports written to the database, newest first,
 * read from the audit trail's import events (an import that was refused
 * wrote nothing and is not among them), for the admin only: they are the
 * admin's to watch, on the landing view and by `imports`.  They hold no
 * personal data (a file's name and counts), so reading them is not
 * recorded as a consultation.  *out is the caller's, freed with
 * cr_import_runs_free.  CR_OK, CR_REFUSED, CR_DB or CR_NOMEM.
 */
enum cr_status cr_import_runs(cr_db *db, size_t limit, struct cr_import_runs *out);
void cr_import_runs_free(struct cr_import_runs *runs);

/*
 * The queue.  Rows come a page at a time, with a keyset cursor: pass
 * cr_row_cursor() of the last row as `after` for the next page, 0 for the
 * first.  By priority: riskiest first, ties to the oldest case.  By age:
 * oldest case first.  A search lists the matching cases newest first (by
 * case number, falling), oldest first when sorted by age: a case matches
 * when every word is somewhere in its subject's reference and names and its
 * allegations' references and summaries, folded as the search index folds
 * them (case, Latin accents); a word that punctuation splits ("Smith-Jones")
 * is a phrase, its parts together in the subject or in one allegation; a
 * word ending in `*` matches the start of a word.  Words that are blank
 * search nothing (every case, by case number); words with nothing to find
 * in them (punctuation alone) find no case.
 */
enum cr_sort { CR_SORT_PRIORITY, CR_SORT_AGE };

struct cr_filter {
    int state;          /* enum cr_state, or -1 for any */
    int outcome;        /* enum cr_outcome, or -1 for any; CR_OUTCOME_COUNT: none yet */
    int category;       /* enum cr_category, or -1 for any */
    int sort;           /* enum cr_sort */
    const char *search; /* words to find anywhere in a case (see above), or NULL */
    int overdue;        /* nonzero: only the cases past due now (cr_case_overdue) */
    int open;           /* nonzero: no closed case (when state is -1, any open state) */
    /*
     * Only the open cases this login holds (the assignee, in any state short
     * of closed: the cases cr_workload_get counts for them), or NULL for any.
     * Borrowed: it must outlive the calls that read the filter.
     */
    const char *assignee;
    /*
     * Only the cases whose subject is of this unit (the subject's unit, as
     * imported: an exact match, case and all), or NULL for any.  Borrowed,
     * as assignee is.
     */
    const char *unit;
};

/* A filter that lets every case through, by priority. */
#define CR_FILTER_ALL                                        \
    {                                                        \
        -1, -1, -1, CR_SORT_PRIORITY, NULL, 0, 0, NULL, NULL \
    }

struct cr_case_row {
    int64_t id;
    int64_t sortkey;
    int64_t priority;
    int64_t created_at; /* seconds since the epoch */
    int64_t state_since;
    int state;           /* enum cr_state */
    int outcome;         /* enum cr_outcome, or -1 */
    unsigned categories; /* CR_CATMASK_* */
    int n_allegations;
    int duty; /* enum cr_duty */
    const char *subject_ref;
    const char *surname;
    const char *forenames;
    const char *rank;
    const char *unit;
    const char *assignee;   /* NULL when nobody */
    const char *decided_by; /* the current decision's reviewer, or NULL */
    int64_t decided_at;
    int vetting_review;
    int quorum_blocked; /* recusals left too few members to reach the quorum */
    int64_t version;    /* for cr_request.expect_version */
    /*
     * The service level's clock (schema 9): seconds it stood still in the
     * current state (a pause counts whole, to its end, from when it is set),
     * and the end of the case's pause, or 0 when it is not paused.
     */
    int64_t clock_shift;
    int64_t paused_until;
    /*
     * Routing (schema 10): the supervisor a decision awaiting approval was
     * routed to (cr_case_route), or NULL.  Cleared when the case leaves
     * awaiting_approval (approved, returned).
     */
    const char *approver;
    /*
     * The panel's votes so far on the current decision of a case in
     * panel_review, as the storage counts them for every row of a page (one
     * query a page): concurrences, dissents, concurrences of each member
     * kind, and the viewer's own vote (enum cr_vote, or -1 when they have
     * not voted on it).  Not for display as they are: blind voting withholds
     * them from some viewers; read them through cr_panel_progress.
     */
    int panel_concur, panel_dissent;
    int panel_concur_kind[CR_KIND_COUNT];
    int panel_my_vote;
};

/* A page of rows; the strings belong to the page. */
struct cr_page {
    size_t n;
    struct cr_case_row *rows;
    int more; /* another page follows */
    void *priv;
};

/* The most rows one page may ask for. */
#define CR_PAGE_MAX 10000

/*
 * Fill page with up to limit rows of the filtered queue after the cursor.
 * A page can be refilled; cr_page_free releases it.  Returns CR_OK; CR_USAGE
 * for a missing page or a limit above CR_PAGE_MAX; CR_REFUSED when nobody is
 * signed in; CR_DB, CR_BUSY or CR_NOMEM.
 */
enum cr_status cr_list_page(cr_db *db, const struct cr_filter *filter, int64_t after, size_t limit,
                            struct cr_page *page);
void cr_page_free(struct cr_page *page);

/* The page of up to limit rows just before the cursor (INT64_MAX: the last page). */
enum cr_status cr_list_page_before(cr_db *db, const struct cr_filter *filter, int64_t before,
                                   size_t limit, struct cr_page *page);
/*
 * The order of a list of cases under a filter (NULL: all): riskiest first
 * (by sortkey); oldest first (by case number: sorted by age, or words that
 * are blank); or, for a search, newest first.  The engines page in it and
 * the screens name it.
 */
enum cr_list_order { CR_ORDER_RISKIEST, CR_ORDER_OLDEST, CR_ORDER_NEWEST };
enum cr_list_order cr_list_order(const struct cr_filter *filter);
/*
 * The cursor value of a row under a filter (see cr_list_page): its sortkey,
 * its case number, or newest first INT64_MAX minus its case number, so that
 * it grows along the page as every cursor does.
 */
int64_t cr_row_cursor(const struct cr_filter *filter, const struct cr_case_row *row);

/*
 * What waits for the handle's user in their roles, riskiest first, paged
 * like cr_list_page: a reviewer's assigned cases in review or returned; for
 * a supervisor, decisions awaiting approval that are not their own and cases
 * unable to reach quorum; for a panel member, cases with the panel that they
 * may still vote on; for an admin, cases unable to reach quorum.  For a
 * supervisor and an admin also every escalated case (cr_case_escalated),
 * whatever its state, at the handle's clock.
 */
enum cr_status cr_list_mine_page(cr_db *db, int64_t after, size_t limit, struct cr_page *page);
enum cr_status cr_list_mine_page_before(cr_db *db, int64_t before, size_t limit,
                                        struct cr_page *page);
/*
 * What waits for the handle's user (cr_list_mine_page), narrowed by filter
 * (NULL: not narrowed): its state, outcome, category, overdue and search
 * words keep only the cases they let through, as in cr_list_page.  Its
 * sort is not used: what waits is riskiest first, and a row's cursor is
 * its sortkey, whatever the filter.  Fills page (the caller frees it with
 * cr_page_free).  Returns as cr_list_mine_page.
 */
enum cr_status cr_list_mine_filter_page(cr_db *db, const struct cr_filter *filter, int64_t after,
                                        size_t limit, struct cr_page *page);
enum cr_status cr_list_mine_filter_page_before(cr_db *db, const struct cr_filter *filter,
                                               int64_t before, size_t limit, struct cr_page *page);

/*
 * Where a person's workstation opens (README, "What each role lands on"):
 * what waits for them (cr_list_mine_page) and then, for a reviewer, the
 * flagged cases riskiest first, the next ones they could claim.  A flagged
 * case that also waits for them (escalated, for a reviewer who is also a
 * supervisor or an admin) shows in both parts.  Paged like cr_list_page:
 * a row's cursor is cr_landing_cursor (the second part's cursors are
 * CR_LANDING_FLAGGED and above), 0 for the first page, INT64_MAX before
 * the end for the last.  The page is the caller's to free with
 * cr_page_free; it may be refilled by any list function.  Returns as
 * cr_list_mine_page.
 */
#define CR_LANDING_FLAGGED ((int64_t)1 << 60)
enum cr_status cr_list_landing_page(cr_db *db, int64_t after, size_t limit, struct cr_page *page);
enum cr_status cr_list_landing_page_before(cr_db *db, int64_t before, size_t limit,
                                           struct cr_page *page);
/* Whether the user's landing view has the second part (they are a reviewer). */
int cr_landing_has_flagged(const cr_db *db);
/*
 * The cursor of row i of a page cr_list_landing_page filled: its sortkey
 * in the first part, CR_LANDING_FLAGGED + its sortkey in the second.
 */
int64_t cr_landing_cursor(const struct cr_page *page, size_t i);
/*
 * Drop a page's first row (the rows after it move up one), keeping what
 * the page knows of its rows: on a landing page, where its second part
 * begins, so that cr_landing_cursor still gives each row its part's cursor.
 */
void cr_page_drop_first(struct cr_page *page);
/*
 * The cursor of a case's row in the landing view when it is on no page at
 * hand: the second part's for a flagged case with nobody assigned (a
 * reviewer's claimable case), the first's otherwise.
 */
int64_t cr_landing_row_cursor(const cr_db *db, const struct cr_case_row *row);

/*
 * Counts for a title ("37 of 412"), cheap at a million cases.  Every count
 * is of what the user may see, as the list it counts lists it.
 * cr_count_cases counts what cr_list_page lists under filter (NULL: all):
 * from the maintained counters when the filter asks only for a state, an
 * outcome, a category or open cases and the user's scope keeps no case
 * out (exact, never reading a case); otherwise by reading the cases, but
 * no more than CR_COUNT_CAP + 1 of them.  cr_count_mine counts
 * cr_list_mine_page's cases and cr_count_landing cr_list_landing_page's
 * (each part read, capped, as above; the flagged part from the counters
 * when they can).  *n is the count and *exact is 1; when there are more
 * than CR_COUNT_CAP, *n is CR_COUNT_CAP and *exact 0 ("10,000+").  Returns
 * CR_OK, CR_REFUSED when nobody is signed in, CR_DB, CR_BUSY or CR_NOMEM.
 */
#define CR_COUNT_CAP 10000
enum cr_status cr_count_cases(cr_db *db, const struct cr_filter *filter, int64_t *n, int *exact);
enum cr_status cr_count_mine(cr_db *db, int64_t *n, int *exact);
/* cr_count_mine of what waits narrowed by filter (cr_list_mine_filter_page; NULL: not). */
enum cr_status cr_count_mine_filter(cr_db *db, const struct cr_filter *filter, int64_t *n,
                                    int *exact);
enum cr_status cr_count_landing(cr_db *db, int64_t *n, int *exact);

/*
 * The service level (enum cr_sla) that applies to a case in a state, or -1
 * (closed).  A case is overdue when it has been in its state longer than
 * that many days (sla_days).
 */
int cr_state_sla(int state);

/*
 * When the case is due (seconds since the epoch, UTC) under the
 * configuration's sla_days: the SLA clock is the time in the current state
 * less the time it stood still (row->clock_shift: pauses), so the case is
 * due sla_days after it entered its state, later by every pause.  0 for a
 * closed case, which has no service level.
 */
int64_t cr_case_due(const struct cr_config *cfg, const struct cr_case_row *row);

/*
 * Whether the case is paused now: a pause whose end (paused_until) is still
 * to come, in a state with a service level (never a closed case).
 */
int cr_case_paused(const struct cr_case_row *row, int64_t now);

/*
 * Whether the case is overdue now: past its due time (cr_case_due) and not
 * paused.  A pause that reached its end has ended by itself: the clock runs
 * again from then, with nothing written.
 */
int cr_case_overdue(const struct cr_config *cfg, const struct cr_case_row *row, int64_t now);

/*
 * Whether the case is escalated now: overdue by more than the
 * configuration's escalate_after_days (never when the key is absent).  An
 * escalated case waits for every supervisor and admin (cr_list_mine_page).
 */
int cr_case_escalated(const struct cr_config *cfg, const struct cr_case_row *row, int64_t now);

/*
 * Panel progress of a case in panel_review, as a viewer may see it: the
 * concurrences against the concur its outcome's sign-off needs, the
 * dissents against the dissent that returns it, and the member kinds
 * (require_kinds) whose concurrence is still missing.  Blind voting (the
 * sign-off's `blind: true`): a panel member who has not voted on the
 * current decision sees none of the votes (hidden: concur, dissent and
 * kinds_missing are 0 and mean nothing), only what is needed; anyone else
 * (a member who has voted, a supervisor, an admin) sees the counts.
 */
struct cr_panel_progress {
    int shown;  /* 0: not with the panel (or its outcome has no panel) */
    int hidden; /* blind voting keeps the votes from this viewer */
    int concur, concur_needed;
    int dissent, dissent_needed;
    unsigned kinds_missing; /* bits of enum cr_kind */
};

/*
 * Fill *out with the panel progress of row (a row of a page or of a case
 * view, whose panel_* fields the storage filled) for the handle's user under
 * the configuration in force.  Nothing is read or written; *out is zeroed
 * (shown 0) for a case not in panel_review or when nobody is signed in.
 */
void cr_panel_progress(const cr_db *db, const struct cr_case_row *row,
                       struct cr_panel_progress *out);

/*
 * The progress as a queue shows it, into buf (n bytes, always terminated):
 * "1/2" then " +ind" (" +leg", " +pol") for each kind still missing, "?/2"
 * when hidden, "" when not shown.  Returns buf.
 */
char *cr_panel_progress_text(const struct cr_panel_progress *p, char *buf, size_t n);

/*
 * A list on the command line (`list`, in any format) is a consultation,
 * recorded by two audit events "list", for no case, that bracket its rows
 * as a disclosure's do.  cr_list_begin commits the first (stage "begin":
 * the filters as given: state, outcome, category, sort, search, overdue, mine,
 * format, limit, 0 for none) before any row leaves; cr_list_log_case counts
 * each case whose row is handed out; cr_list_end commits the second (stage
 * "end": the begin event's id, complete or not and why, the number of rows
 * and the BLAKE2b-256 digest (hex) of the case numbers, in order, each in
 * decimal followed by a newline) and frees the log.  The rows stream in
 * between, a keyset page at a time, so memory stays flat however many are
 * listed.  A list killed outright leaves its begin event alone.  Both return
 * CR_OK, CR_REFUSED (nobody signed in), CR_BUSY, CR_DB or CR_NOMEM.
 */
struct cr_list_log;
enum cr_status cr_list_begin(cr_db *db, const struct cr_filter *filter, int mine,
                             const char *format, int64_t limit, struct cr_list_log **out);
void cr_list_log_case(struct cr_list_log *l, int64_t case_id);
/* The cases counted so far. */
int64_t cr_list_log_rows(const struct cr_list_log *l);
enum cr_status cr_list_end(cr_db *db, struct cr_list_log *l, const char *error);

/* One allegation of a case. */
struct cr_allegation {
    const char *ref;
    int category;     /* enum cr_category */
    const char *date; /* YYYY-MM-DD */
    int source;       /* enum cr_source */
    const char *original_outcome;
    const char *summary;
};

/* A panel vote on the current decision. */
struct cr_vote_row {
    const char *member;
    int kind;           /* enum cr_kind */
    int vote;           /* enum cr_vote */
    const char *reason; /* NULL for a concurrence */
    int64_t at;
};

/* A note on a case: a person's, or the system's, a return's or the panel's reasons. */
struct cr_note {
    const char *author;
    const char *kind; /* note, system, return, dissent, recuse */
    const char *body;
    int64_t at;
};

/* A case with its subject and every allegation, in date order. */
struct cr_case {
    struct cr_case_row row;
    int64_t previous_case; /* the closed case this one follows, or 0 */
    int64_t version;
    int employment;          /* enum cr_employment */
    int vetting;             /* enum cr_vetting, or -1 when not recorded */
    int round;               /* decisions taken so far */
    const char *rationale;   /* NULL until decided */
    const char *approved_by; /* approval of the current decision, or NULL */
    int64_t approved_at;
    size_t n_allegations;
    struct cr_allegation *allegations;
    size_t n_votes; /* votes on the current decision that this viewer may see */
    struct cr_vote_row *votes;
    size_t votes_hidden; /* votes withheld: blind voting, the viewer has not voted yet */
    size_t n_notes;
    struct cr_note *notes;
    /* The case's pause (row.paused_until, when it ends): who set it, when, and why. */
    const char *paused_by, *pause_reason; /* NULL when it is not paused */
    int64_t paused_at;
    void *priv;
};

/*
 * A case is named by a key: its number or its subject_ref (the open case of
 * that subject, or its latest).  `#N` names case N only, `ref:X` subject X
 * only.  Cases are read only through cr_case_view and cr_case_reload, which
 * apply conflicts and need-to-know and audit the view; free what they fill
 * with cr_case_free().
 */
void cr_case_free(struct cr_case *c);

/*
 * Open a case for the handle's user: the case named by key (see
 * cr_case_free) with its subject, allegations in date order, the current
 * decision, its approval, the votes this user may see and the notes, and
 * an audit event recording the view.  Fills *out; free with cr_case_free().
 * Returns CR_OK; CR_NOT_FOUND (with a message) or CR_USAGE (an ambiguous
 * key); CR_REFUSED when the user may not see the case: a conflict of
 * interest (conflicts.same_unit or conflicts.declared, the refusal names
 * it) or need-to-know (a panel member with no other role sees only cases
 * that have been before the panel); CR_DB, CR_BUSY or CR_NOMEM.
 */
enum cr_status cr_case_view(cr_db *db, const char *key, struct cr_case *out);

/*
 * Read the case again for a view already open (after a change), with the
 * same rules and no new audit event: the open view was recorded.
 */
enum cr_status cr_case_reload(cr_db *db, const char *key, struct cr_case *out);

/*
 * The same two, for the case numbered case_id (as struct cr_case_row.id
 * gives it): for a program that holds the case's id, so that no id is
 * written as text to be read back.  An id with no case gives CR_NOT_FOUND
 * with the message the key "#N" gets; otherwise as above.
 */
enum cr_status cr_case_view_id(cr_db *db, int64_t case_id, struct cr_case *out);
enum cr_status cr_case_reload_id(cr_db *db, int64_t case_id, struct cr_case *out);

/* One event of the audit trail. */
struct cr_event {
    int64_t id;
    int64_t at;
    const char *actor;
    int64_t case_id; /* 0 for none */
    const char *action;
    const char *state_before, *state_after; /* NULL when no state */
    const char *details; /* JSON object; a withheld vote shows as {"vote": "hidden"} */
    const char *config_digest;
    const char *purpose;  /* why the session consulted the data (DPA 2018 s.62), or NULL */
    const char *os_login; /* the Unix login that ran the command (schema 6), or NULL */
    /*
     * Chain v3 (schema 14): the hex keyed digest of details, which the
     * event's hash covers instead of details, so that an erasure can
     * replace the details and the chain still verifies; NULL before v3.
     * Set only by the chain's own reads (audit verify), not by history.
     */
    const char *details_digest;
};

struct cr_history {
    size_t n;
    struct cr_event *events;
    void *priv;
};

/*
 * The audit events of a case, oldest first, as the handle's user may see
 * them; viewing the history is itself audited.  Other people's view and
 * draft events are shown to the admin only.  While blind voting withholds
 * the current decision's votes from this user, those votes come last with
 * actor "(a panel member)", details {"vote": "hidden"}, id 0 and at 0 (no
 * time), and nobody's view or draft event but the user's own is shown.
 * Free with cr_history_free.
 */
enum cr_status cr_history_get(cr_db *db, const char *key, struct cr_history *out);
void cr_history_free(struct cr_history *h);

/* The same for a case already open in a view (cr_case_view): no new audit event. */
enum cr_status cr_history_of_view(cr_db *db, const char *key, struct cr_history *out);

/* cr_history_get and cr_history_of_view for the case numbered case_id (see cr_case_view_id). */
enum cr_status cr_history_get_id(cr_db *db, int64_t case_id, struct cr_history *out);
enum cr_status cr_history_of_view_id(cr_db *db, int64_t case_id, struct cr_history *out);

/*
 * The longest rationale, reason or note an action accepts, in bytes (64 KiB);
 * it must also be well-formed UTF-8.  cr_act refuses anything else.
 */
#define CR_TEXT_MAX_BYTES 65536

/* What an action needs beyond the case: only the fields its action reads. */
struct cr_request {
    int action;             /* enum cr_action */
    int64_t expect_version; /* the version the user saw; 0: the current one */
    const char *target;     /* assign: the reviewer's login */
    int outcome;            /* decide: enum cr_outcome */
    int vetting_review;     /* decide: only with refer */
    const char *rationale;  /* decide */
    int vote;               /* vote: enum cr_vote */
    const char *reason;     /* return, reconvene, recall, and a dissent or recusal */
    const char *text;       /* note */
};

struct cr_act_result {
    int64_t case_id;
    int state_before, state_after; /* enum cr_state */
    int64_t version;               /* the case's version afterwards */
};

/*
 * Carry out one action on the case named by key (see cr_case_free) as the
 * handle's user, in one transaction with its audit event.  A refusal
 * writes nothing and returns CR_REFUSED; cr_db_errmsg() says which rule
 * refused and what the user may do instead.  Returns CR_OK, CR_REFUSED,
 * CR_NOT_FOUND, CR_USAGE (an ambiguous key), CR_BUSY, CR_DB or CR_NOMEM.
 */
enum cr_status cr_act(cr_db *db, const char *key, const struct cr_request *req,
                      struct cr_act_result *res);
/* cr_act on the case numbered case_id (see cr_case_view_id). */
enum cr_status cr_act_id(cr_db *db, int64_t case_id, const struct cr_request *req,
                         struct cr_act_result *res);

/*
 * Take next: claim, as the handle's user, the riskiest flagged case they
 * may claim, in one transaction with its audit event (a "claim", as
 * cr_act's).  The cases are those a list shows the user (need-to-know,
 * conflicts of interest), riskiest first; the first that the claim's own
 * check allows (separation of duties too) is claimed.  Two people taking
 * next at once never get the same case: the transaction is the storage's
 * write lock, and the claim moves the case's version as cr_act's does.
 * Returns CR_OK with *res as cr_act fills it; CR_REFUSED when the user is
 * not a reviewer, or when no flagged case is left that they may take
 * (cr_db_errmsg says which; nothing is written); CR_BUSY, CR_DB or CR_NOMEM.
 */
enum cr_status cr_take_next(cr_db *db, struct cr_act_result *res);

/*
 * What an action did, in words, for the person who took it: "concur
 * recorded: 1 of 2, an independent member still needed", "decision
 * recorded: refer; awaiting approval", "approved: the case goes to the
 * panel" (the caller names the case).  req is the request cr_act (or cr_take_next, a claim)
 * carried out, res its result; the case is read as it is now.  The command
 * line prints it and the workstation shows it in its status line.  Returns
 * a new string the caller frees, or NULL (out of memory, no such action).
 */
char *cr_act_describe(cr_db *db, const struct cr_request *req, const struct cr_act_result *res);

/*
 * Bulk reassignment: a supervisor moves many cases to one reviewer at once
 * (a reviewer away, a workload to even out).  Either the cases held by
 * `from` (optionally only those in one state, at most `limit` of them,
 * riskiest first) or the cases listed in `cases` (tagged rows, in their
 * order); each goes through the very check a single assign does (the
 * supervisor's role and conflicts, the case's state, `to` a reviewer on the
 * roster, free of a conflict with the case and of separation of duties), in
 * ONE transaction with one "assign" audit event per case.  All or nothing:
 * when any case may not go to `to`, nothing is written and every refused
 * case is listed with its reason.
 */
struct cr_bulk_assign {
    const char *from; /* whose cases move (it need not be on the roster still); NULL with cases */
    const char *to;   /* the reviewer they move to */
    int state;        /* only cases in this state (enum cr_state); -1: every state assign takes */
    int64_t limit;    /* at most this many, riskiest first; 0: all */
    const int64_t *cases; /* instead of from, state and limit: these cases, in this order */
    size_t n_cases;
};

/* A case that may not go to the reviewer named, and the rule's words why. */
struct cr_bulk_refusal {
    int64_t case_id;
    const char *why;
};

struct cr_bulk_result {
    size_t n_cases;  /* the cases the move took in */
    int64_t *cases;  /* their numbers, riskiest first (or as listed) */
    int moved;       /* 1: every one of them moved; 0: none did */
    unsigned states; /* the states the cases were taken from (bits of enum cr_state) */
    size_t n_refused;
    struct cr_bulk_refusal *refused; /* in the order of cases */
    size_t n_unseen; /* from's cases in those states the user may not see: left, never named */
    void *priv;
};

/*
 * Carry out a bulk reassignment (see struct cr_bulk_assign) as the handle's
 * user.  Returns CR_OK when every case taken in moved (none, when `from`
 * holds no case assign can move: then nothing is written and n_cases is
 * 0); CR_REFUSED with the rule's words when the user is not a supervisor,
 * `to` is not a reviewer on the roster, the state is not one assign starts
 * from, `from` is not on the roster and holds nothing, or, with the
 * refusals in *out and cr_db_errmsg() saying how many, when any case may
 * not go to `to` (nothing is written); CR_USAGE for no `from` and no cases,
 * `from` the same as `to`, or a negative limit; CR_NOT_FOUND for a listed
 * case that does not exist; CR_DB, CR_BUSY or CR_NOMEM.  Free *out with
 * cr_bulk_result_free, whatever was returned.
 */
enum cr_status cr_assign_bulk(cr_db *db, const struct cr_bulk_assign *q,
                              struct cr_bulk_result *out);
void cr_bulk_result_free(struct cr_bulk_result *r);
/*
 * What a bulk reassignment that cr_assign_bulk carried out (CR_OK) did, in
 * words, for the person who did it: "moved 3 cases from asmith to ejones:
 * cases 4, 7 and 2" (with the cases of `from` the user may not see, that
 * they stay), "moved 3 cases to ejones: cases 4, 37 and 1" (listed cases),
 * "moved no cases from asmith to ejones: asmith holds no case that is
 * flagged, in_review or returned".  The command line prints it and the
 * workstation shows it in its status line.  q and r as cr_assign_bulk took
 * and filled them.  Returns a new string the caller frees, or NULL (out of
 * memory).
 */
char *cr_bulk_describe(const struct cr_bulk_assign *q, const struct cr_bulk_result *r);

/* The longest pause: ten years' worth of days. */
#define CR_PAUSE_MAX_DAYS 3653

/*
 * Pausing the service level's clock (a supervisor or an admin), e.g. while
 * a linked criminal investigation runs.  cr_case_pause stops the clock of
 * the case named by key from now until `until` (seconds since the epoch,
 * later than now): the case is not overdue meanwhile, and its due time
 * moves by the time paused.  The pause ends by itself at `until`: the clock
 * runs again from then, nothing written.  cr_case_resume ends a pause
 * before its time; the clock stood still only until now.  A pause outlives
 * a change of state: the new state's clock starts when the pause ends.
 * Each is one transaction with its audit event ("pause": the reason and
 * the end; "resume": the end it had and the time given back) and bumps the
 * case's version.  Refused (CR_REFUSED, nothing written, the message saying
 * why): a closed case, a case paused already (pause) or not paused
 * (resume), a blank reason, an end not after now, a user who is neither
 * supervisor nor admin, or who may not act on the case (conflicts,
 * need-to-know); as cr_act otherwise.  expect_version as in cr_request
 * (0: the current).  *res as cr_act fills it.
 */
enum cr_status cr_case_pause(cr_db *db, const char *key, const char *reason, int64_t until,
                             int64_t expect_version, struct cr_act_result *res);
enum cr_status cr_case_resume(cr_db *db, const char *key, int64_t expect_version,
                              struct cr_act_result *res);
/* The same two for the case numbered case_id (see cr_case_view_id). */
enum cr_status cr_case_pause_id(cr_db *db, int64_t case_id, const char *reason, int64_t until,
                                int64_t expect_version, struct cr_act_result *res);
enum cr_status cr_case_resume_id(cr_db *db, int64_t case_id, int64_t expect_version,
                                 struct cr_act_result *res);

/*
 * Routing a decision awaiting approval to a named supervisor (schema 10):
 * the case then waits for that supervisor (cr_list_mine_page) and for no
 * other; any supervisor the rules allow may still approve or return it,
 * and either clears the routing.  Taken by a supervisor who may act on the
 * case and did not decide it (separation of duties); `to` must be a
 * supervisor on the roster, free of a conflict with the case, not its
 * decider nor barred from approving it, and not the supervisor it is
 * routed to already.  One transaction with a "route" audit event (to,
 * previous, reason) that bumps the case's version; its notice
 * (cr_last_notice) goes to `to`.  reason is optional (NULL or blank:
 * none).  Refused (CR_REFUSED, nothing written, the message saying why):
 * each rule above, a case not awaiting approval, a login not on the roster;
 * as cr_act otherwise.  expect_version as in cr_request (0: the current).
 */
enum cr_status cr_case_route(cr_db *db, const char *key, const char *to, const char *reason,
                             int64_t expect_version, struct cr_act_result *res);
/* The same for the case numbered case_id (see cr_case_view_id). */
enum cr_status cr_case_route_id(cr_db *db, int64_t case_id, const char *to, const char *reason,
                                int64_t expect_version, struct cr_act_result *res);

/*
 * The supervisors a case awaiting approval may be routed to by the
 * handle's user (cr_case_route's rules for `to`), in roster order, for a
 * chooser: *logins is a new array of n pointers to the roster's logins
 * (the caller frees the array, not the strings; they live as long as the
 * configuration).  Returns CR_OK (n may be 0), CR_REFUSED when the user
 * may not route the case at all (the message says why), as cr_act for a
 * bad key, CR_NOMEM.
 */
enum cr_status cr_route_candidates_id(cr_db *db, int64_t case_id, const char ***logins, size_t *n);

/*
 * The notice of the handle's last successful action (cr_act, cr_case_pause,
 * cr_case_resume): what a `notify:` command is run with, and nothing else.
 * No personal data: the event's kind (the action's name), the case number
 * and the logins of the people it concerns (README, "Notifications": the
 * assignee for claim, release, assign, return and a note; the supervisors
 * who may approve for decide; the panel members who may vote for an
 * approval that sends the case to the panel, a reconvene and a vote that
 * leaves it open; the reviewer for an approval or vote that closes it or
 * a vote or recall that returns it; the assignee and the supervisors for
 * pause and resume), never the actor.  The strings belong to the handle
 * until its next action; NULL before the first.  cr_notice_failed records
 * that running it failed (an audit event "notify" for the case: the kind
 * and what went wrong, e.g. "timed out after 5 s", no personal data); the
 * action stands either way.
 */
struct cr_notice {
    const char *kind;
    int64_t case_id;
    size_t n_recipients;
    const char *const *recipients;
};
const struct cr_notice *cr_last_notice(const cr_db *db);
/*
 * The i-th notice of the handle's last action, from 0 (cr_last_notice is
 * the first), or NULL past the last: a bulk assign (cr_assign_bulk) has
 * one for each case it moved, in its order; any other action has one.
 */
const struct cr_notice *cr_last_notice_at(const cr_db *db, size_t i);
enum cr_status cr_notice_failed(cr_db *db, const struct cr_notice *n, const char *what);

/*
 * Recompute every panel case's "cannot reach quorum" flag under the handle's
 * configuration (the panel and its sign-off rules may have changed since the
 * flags were set).  Reading only, unless a flag changes: then the flags and
 * one "quorum_recompute" audit event naming the cases whose flag changed
 * are written in one transaction.  *changed is the number of such cases.
 * The command line and the workstation call it when a user signs in.
 * Returns CR_OK, CR_REFUSED (nobody signed in), CR_BUSY, CR_DB or CR_NOMEM.
 */
enum cr_status cr_quorum_refresh(cr_db *db, int64_t *changed);

/*
 * The actions the handle's user may take on a case now, as bits
 * (1u << enum cr_action).  For menus and help; cr_act decides.
 */
enum cr_status cr_allowed_actions(cr_db *db, const char *key, unsigned *actions);
/* The same for the case numbered case_id (see cr_case_view_id). */
enum cr_status cr_allowed_actions_id(cr_db *db, int64_t case_id, unsigned *actions);

/*
 * The actions the handle's user's roles may ever take, on some case, as
 * bits (1u << enum cr_action): the roles half of the rules table (a panel
 * member: vote and note; no claim, decide or assign).  For help screens
 * and key hints that show only what this person can do; cr_may and cr_act
 * decide on a case.  0 when nobody is signed in.
 */
unsigned cr_role_actions(const cr_db *db);

/*
 * Whether the handle's user could take the action on the case now, given
 * suitable inputs: the question a menu or a form asks before it opens.  The
 * same check as cr_act, without a request; it writes nothing.  Returns
 * CR_OK, or CR_REFUSED with cr_db_errmsg() the very words cr_act would give
 * for that refusal (the rule, then what the user may do instead); a bad key
 * gives what cr_act gives (CR_NOT_FOUND, CR_USAGE), an action out of range
 * CR_USAGE, and CR_DB, CR_BUSY or CR_NOMEM when the database fails.
 */
enum cr_status cr_may(cr_db *db, const char *key, int action);
/* The same for the case numbered case_id (see cr_case_view_id). */
enum cr_status cr_may_id(cr_db *db, int64_t case_id, int action);

/*
 * Drafts: what a person was writing in a form (assign, decide, return,
 * vote, note) when the program was stopped, kept in the database for that
 * person alone and offered back when they open the same form on the same
 * case.  A draft is not a record of the case: its text never enters the
 * audit trail, only its length and digest.
 */
struct cr_draft {
    int action;           /* enum cr_action: assign, decide, return, vote or note */
    int outcome;          /* decide: enum cr_outcome, or -1 not chosen */
    int vetting_review;   /* decide */
    int vote;             /* vote: enum cr_vote, or -1 not chosen */
    const char *target;   /* assign: a login, or NULL */
    const char *text;     /* the rationale, reason or note; never NULL after cr_draft_get */
    int64_t case_version; /* the case version the form was opened on (0 on save: the current) */
    int64_t saved_at;     /* filled by cr_draft_get */
    void *priv;
};

/*
 * Save the handle's user's draft of d->action on the case named by key,
 * replacing their earlier draft of that action on that case.  Only the
 * fields the action reads are kept (outcome and vetting_review for decide,
 * vote for vote, target for assign; the others read back as -1, 0 or
 * NULL); the text is kept byte for byte (NULL: "").  One transaction with
 * a "draft_save" audit event whose details are the action, the text's
 * length in bytes and its BLAKE2b-256 digest, not the text.  The case's
 * version does not change.  Returns CR_OK; CR_REFUSED when nobody is signed
 * in or the user may not see the case (conflicts.same_unit, as
 * cr_case_view); CR_USAGE for an action that keeps no draft or an outcome
 * or vote out of range; as cr_case_view for a bad key; CR_DB, CR_BUSY or
 * CR_NOMEM.  A refusal writes nothing.
 */
enum cr_status cr_draft_save(cr_db *db, const char *key, const struct cr_draft *d);

/*
 * The handle's user's own draft of the action on the case, in *out (free
 * it with cr_draft_free; its strings belong to it).  Nobody reads another
 * person's draft.  Returns CR_OK, CR_NOT_FOUND with a message when the user
 * has none, or as cr_draft_save for the rest (no audit event: nothing is
 * written).  On failure *out is empty and may still be freed.
 */
enum cr_status cr_draft_get(cr_db *db, const char *key, int action, struct cr_draft *out);

/*
 * Remove the handle's user's draft of the action on the case, in one
 * transaction with a "draft_discard" audit event (details as for
 * draft_save, of the text removed).  CR_OK also when there was none, and
 * then nothing is written.  A successful cr_act of the same action by the
 * same user removes the draft too, in the action's own transaction.
 * Returns as cr_draft_save, except that a same-unit conflict does not stop
 * a person removing their own draft.
 */
enum cr_status cr_draft_discard(cr_db *db, const char *key, int action);

/* The three draft functions for the case numbered case_id (see cr_case_view_id). */
enum cr_status cr_draft_save_id(cr_db *db, int64_t case_id, const struct cr_draft *d);
enum cr_status cr_draft_get_id(cr_db *db, int64_t case_id, int action, struct cr_draft *out);
enum cr_status cr_draft_discard_id(cr_db *db, int64_t case_id, int action);

/* Free what cr_draft_get filled.  NULL is allowed. */
void cr_draft_free(struct cr_draft *d);

#ifdef __cplusplus
}
#endif

#endif
