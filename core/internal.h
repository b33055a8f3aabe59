/*
 * Internal interfaces of the core library: shared helpers, the CSV reader
 * and the storage module.  Not installed; tests may include it.
 */
#ifndef CASEREVIEW_INTERNAL_H
#define CASEREVIEW_INTERNAL_H

#include "casereview/casereview.h"

#include <stdarg.h>
#include <stdbool.h>

#if defined(__GNUC__)
#define CR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CR_PRINTF(f, a)
#endif

#define CR_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A growable byte string, always NUL-terminated once anything was added. */
struct cr_buf {
    char *p;
    size_t len;
    size_t cap;
};

int cr_buf_add(struct cr_buf *b, const char *s, size_t n);
int cr_buf_addc(struct cr_buf *b, char c);
int cr_buf_addf(struct cr_buf *b, const char *fmt, ...) CR_PRINTF(2, 3);
void cr_buf_reset(struct cr_buf *b);
/* A new string formatted from fmt and ap (the caller frees it), or NULL. */
char *cr_vformat(const char *fmt, va_list ap) CR_PRINTF(1, 0);
void cr_buf_free(struct cr_buf *b);

/* The names of the bits set, for messages: "a", "a or b", "a, b, or c" (cut to n bytes). */
void cr_names_text(unsigned bits, int count, const char *(*name)(int), char *out, size_t n);
/* Whether s is NULL, empty, or only spaces, tabs and line breaks: a text not given. */
bool cr_blank(const char *s);

/* Diagnostics (see casereview.h). */
cr_diags *cr_diags_new(size_t max);
int cr_diags_addf(cr_diags *d, const char *fmt, ...) CR_PRINTF(2, 3);
/* Whether the cap has been reached. */
bool cr_diags_full(const cr_diags *d);

/*
 * Whether s[0..n) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF).  On failure *bad is the offset of the first
 * bad byte.
 */
bool cr_utf8_valid(const char *s, size_t n, size_t *bad);

/*
 * Parse a calendar date YYYY-MM-DD (exactly ten characters) into days since
 * 1970-01-01.  Returns 0, or -1 when it is not a real date.
 */
int cr_date_parse(const char *s, size_t n, int64_t *days);

/* RFC 4180 reader. */
struct cr_csv_field {
    size_t off; /* into the record buffer */
    size_t len;
    long line; /* physical line the field starts on */
};

enum cr_csv_next {
    CR_CSV_RECORD,
    CR_CSV_EOF,
    CR_CSV_ERROR, /* a syntax error; reading can go on from the next line */
    CR_CSV_FATAL, /* cannot go on: read error, or unterminated quote at the end */
    CR_CSV_NOMEM,
};

/* Longest field accepted, in bytes. */
#define CR_CSV_MAX_FIELD (1u << 20)

struct cr_csv {
    FILE *in;
    char ibuf[1 << 16];
    size_t ipos, ilen;
    bool eof;
    bool started;
    long line;         /* current physical line, from 1 */
    struct cr_buf rec; /* field bytes of the current record, NUL-separated */
    struct cr_csv_field *fields;
    size_t nfields, cap;
    long record_line; /* line the current record starts on */
    /* After CR_CSV_ERROR or CR_CSV_FATAL: */
    long err_line;
    size_t err_field; /* index of the field at fault */
    const char *err_reason;
};

void cr_csv_init(struct cr_csv *r, FILE *in);
enum cr_csv_next cr_csv_next(struct cr_csv *r);
/* Field i of the current record, NUL-terminated (fields may hold NUL bytes: use len). */
static inline const char *
cr_csv_field(const struct cr_csv *r, size_t i)
{
    return r->rec.p + r->fields[i].off;
}
void cr_csv_free(struct cr_csv *r);

/*
 * Reading ahead (csv.c): a thread parses the records of r, after its
 * header, while the caller stores the ones before.  start takes r over
 * (and leaves it zeroed) and returns NULL when out of memory; next gives
 * the next record as cr_csv_next would, its fields and line numbers in
 * *view (borrowed: good until the next call; view's buffers are not its
 * own, so view is not freed); stop ends the thread, whether or not the
 * reading got to the end, and gives r back (then freed by cr_csv_free).
 */
struct cr_csv_ahead;
struct cr_csv_ahead *cr_csv_ahead_start(struct cr_csv *r);
enum cr_csv_next cr_csv_ahead_next(struct cr_csv_ahead *ra, struct cr_csv *view);
void cr_csv_ahead_stop(struct cr_csv_ahead *ra, struct cr_csv *r);

/*
 * One validated import row.  Strings point into the reader's record.
 */
#define CR_COLUMN_LIST(_)                   \
    _(SUBJECT_REF, "subject_ref")           \
    _(SURNAME, "surname")                   \
    _(FORENAMES, "forenames")               \
    _(EMPLOYMENT, "employment")             \
    _(RANK, "rank")                         \
    _(UNIT, "unit")                         \
    _(DUTY_STATUS, "duty_status")           \
    _(VETTING_STATUS, "vetting_status")     \
    _(ALLEGATION_REF, "allegation_ref")     \
    _(CATEGORY, "category")                 \
    _(ALLEGATION_DATE, "allegation_date")   \
    _(SOURCE, "source")                     \
    _(ORIGINAL_OUTCOME, "original_outcome") \
    _(SUMMARY, "summary")                   \
    _(LINKED_REFS, "linked_refs")

#define CR_X(id, name) CR_COL_##id,
enum cr_column { CR_COLUMN_LIST(CR_X) CR_COL_COUNT };
#undef CR_X

extern const char *const cr_column_names[CR_COL_COUNT];

struct cr_import_row {
    const char *subject_ref, *surname, *forenames, *rank, *unit;
    const char *allegation_ref, *date, *original_outcome, *summary;
    int employment, duty, vetting, category, source;
    bool has_vetting;        /* the file has the optional vetting_status column */
    const char *linked_refs; /* the optional linked_refs column (timeline.h), NULL or "": none */
};

/* What storage found when a row disagrees with what is already there. */
struct cr_conflict {
    int column;      /* enum cr_column at fault */
    long other_line; /* line of this import it disagrees with, or 0: an earlier import */
    int64_t other_case;
};

enum cr_row_outcome {
    CR_ROW_ADDED,
    CR_ROW_KNOWN,
    CR_ROW_CONFLICT,
};

/* A subject's details, in the order of cr_subject_update's values. */
#define CR_SUBJECT_DETAILS 7
#define CR_SUBJECT_DETAIL_COLUMNS                                                      \
    {                                                                                  \
        CR_COL_SURNAME, CR_COL_FORENAMES, CR_COL_EMPLOYMENT, CR_COL_RANK, CR_COL_UNIT, \
            CR_COL_DUTY_STATUS, CR_COL_VETTING_STATUS                                  \
    }

/*
 * An import row that brought a subject's details up to date: the subject's
 * latest case before the row (0: none) and that case's state (-1: none),
 * and each detail as it was stored (NULL or "": not recorded), in the
 * order of CR_SUBJECT_DETAIL_COLUMNS.  The import's audit event and report
 * line are written above the engine from this and the row.
 */
struct cr_subject_update {
    bool updated;
    int64_t case_id;
    int state;
    const char *before[CR_SUBJECT_DETAILS];
};

/* The case a row's new allegation went to (CR_ROW_ADDED), and its state then. */
struct cr_row_case {
    int64_t id;
    int state; /* enum cr_state */
};

/*
 * The storage engine: every SQL statement lives behind these st_*
 * functions (store.c), which call through the engine's table (store.h).
 */
/* Set the handle's message; returns status. */
enum cr_status cr_fail(cr_db *db, enum cr_status status, const char *fmt, ...) CR_PRINTF(3, 4);

/* The configuration loader on bytes in memory; path names them in messages. */
enum cr_status cr_config_parse(const char *path, const unsigned char *text, size_t len,
                               struct cr_config **out, cr_diags **diags);

/*
 * n bytes as lower-case hex into out (2n + 1 bytes); cr_unhex reads them back
 * (false if s is not 2n hex digits).
 */
void cr_hex_of(const unsigned char *b, size_t n, char *out);
bool cr_unhex(const char *s, unsigned char *out, size_t n);

/* JSON text for audit details: append a quoted, escaped string. */
int cr_buf_add_json(struct cr_buf *b, const char *s);

/*
 * One key of an event's details as our writer makes them (a flat JSON
 * object; replay.c reads them): a whole number into *v (a string:
 * cr_replay_json_text).  Whether the key holds one.
 */
bool cr_details_int(const char *details, const char *key, int64_t *v);

/*
 * What people write for an action (a rationale, a reason, a note, a
 * follow-up's detail) is kept and shown whole: CR_REFUSED with the message
 * when it is over CR_TEXT_MAX_BYTES or not well-formed UTF-8 (workflow.c).
 * NULL fits.
 */
enum cr_status cr_text_fits(cr_db *db, const char *what, const char *text);

/* The user a handle acts for (cr_db_set_user), or NULL. */
const struct cr_config *st_config(const cr_db *db);
const struct cr_person *st_user(const cr_db *db);
/* The Unix login the handle records (cr_db_set_os_login), or NULL. */
const char *st_os_login(const cr_db *db);

/* "'a', 'b', or 'c'" of the configuration's audit.purposes, appended to b. */
void cr_purposes_text(const struct cr_config *cfg, struct cr_buf *b);
/* Count a consultation a read-only copy could not record (cr_db_unrecorded). */
void st_count_unrecorded(cr_db *db);

/*
 * Who may see what (policy.c): the one rule of SPEC section 4's conflicts
 * and need-to-know, for every read of cases.  A scope is plain data the
 * policy computes from the configuration and the user; every read of many
 * cases (a page, what waits for me, the export) hands it to the engine,
 * which applies it as it is.  A case is in scope unless panel_only and it
 * never went before the panel (panel_round 0), or its subject's unit is
 * unit, or its subject_ref is one of refs.  All zero: every case (core's
 * own reads).  The strings point into the configuration.
 */
struct cr_scope {
    bool panel_only;  /* only the cases that went before the panel */
    const char *unit; /* no case whose subject is in this unit; NULL: none kept out */
    size_t n_refs;
    const char **refs; /* no case of these subjects (subject_ref); malloc'd */
    /* Whose rows they are: their own vote in a panel's progress (cr_case_row.panel_my_vote). */
    const char *viewer;
};
struct cr_case_state;

/*
 * What waits for a person (workflow.c builds it from the rules table): plain
 * data the engine applies as it is, as it applies a scope, keeping its
 * paging and its indexes.  A case waits when one of the clauses admits it.
 * A clause admits a case in one of its states (bits of enum cr_state),
 * assigned to login when assigned, flagged as unable to reach quorum when
 * quorum_blocked, and on which login has done none of the acts in not_done
 * (bits of enum cr_action, in any round: CR_ACTION_DECIDE a decision,
 * APPROVE an approval, RETURN a return, VOTE a vote that still stands) nor
 * of those in not_done_this_round (DECIDE, APPROVE or VOTE, on the case's
 * current round).  No clause: nothing waits.
 */
#define CR_QUEUE_CLAUSES 8
struct cr_queue_clause {
    unsigned states;
    bool assigned;
    bool quorum_blocked;
    bool late;     /* only the cases the queue's late cut admits (escalated) */
    bool unrouted; /* only cases routed to nobody or to the queue's login (schema 10) */
    unsigned not_done;
    unsigned not_done_this_round;
};

/*
 * Lateness against the service levels, as plain data the engine applies
 * (workflow.c works it out from sla_days, escalate_after_days and the
 * clock): a case is late when it is in a state whose before[] is not
 * INT64_MIN, its clock started (state_since + clock_shift) before that
 * time, and it is not paused at now (paused_until, when set, not after
 * now).  The overdue filter of a page and the escalated clause of a queue.
 */
struct cr_late {
    int64_t now;
    int64_t before[CR_STATE_COUNT];
};

struct cr_queue {
    const char *login;
    size_t n;
    struct cr_queue_clause clauses[CR_QUEUE_CLAUSES];
    struct cr_late late; /* for the clauses with late set */
    /*
     * And, of what the clauses admit, only what this filter lets through
     * (NULL: everything): its state, outcome, category and search words as
     * a page applies them, and, when overdue_late is not NULL, only what it
     * admits (the filter's overdue, which core works out).  Its sort is not
     * used: what waits is by sortkey.
     */
    const struct cr_filter *filter;
    const struct cr_late *overdue_late;
};
/*
 * A page that cr_list_landing_page filled, freed before another list
 * refills it: its memory is not an engine's (view.c).  Any other page, or
 * NULL, is left as it is.
 */
void cr_page_forget_landing(struct cr_page *page);
/* What waits for the handle's user (signed in), at the handle's clock (workflow.c). */
void cr_queue_of_user(cr_db *db, struct cr_queue *q);

/*
 * The late cut of the handle's configuration at its clock: overdue (extra
 * 0) or escalated (extra: escalate_after_days, in seconds).  workflow.c.
 */
void cr_late_cut(const struct cr_config *cfg, int64_t now, int64_t extra, struct cr_late *out);
/* Whether a case in state, its clock started at clock_from, paused until paused_until, is late. */
bool cr_late_admits(const struct cr_late *l, int state, int64_t clock_from, int64_t paused_until);

/* The scope of the handle's user; CR_REFUSED when nobody is signed in.  Free with cr_scope_free. */
enum cr_status cr_policy_scope(cr_db *db, struct cr_scope *out);
/* The scope of person p under cfg (CR_NOMEM, no message, when out of memory). */
enum cr_status cr_policy_scope_of(const struct cr_config *cfg, const struct cr_person *p,
                                  struct cr_scope *out);
/* The scope of a disclosure (the export): every case, the admin's to disclose and recorded. */
enum cr_status cr_policy_disclosure_scope(cr_db *db, struct cr_scope *out);
void cr_scope_free(struct cr_scope *s);
/* Whether the scope admits a case whose subject has that unit and ref, at that panel_round. */
bool cr_scope_admits(const struct cr_scope *s, const char *subject_unit, const char *subject_ref,
                     int panel_round);
/*
 * Whether the handle's user may see case cs: CR_OK, or CR_REFUSED with the
 * message naming the rule (doing: "sees", "acts on") and *rule its name
 * ("need_to_know", "conflicts.declared", "conflicts.same_unit").
 */
enum cr_status cr_policy_may_see(cr_db *db, const struct cr_case_state *cs, const char *doing,
                                 const char **rule);
/* The pieces of the rule, for the workflow's checks on other people (an assignee, a voter). */
bool cr_policy_panel_only(const struct cr_person *p);
bool cr_policy_conflicted(const struct cr_config *cfg, const struct cr_person *p,
                          const char *subject_unit, const char *subject_ref);
/* The refusal for a conflict: for the user (self; doing: "acts on", "sees") or another person. */
void cr_policy_conflict_text(const struct cr_config *cfg, const struct cr_person *p,
                             const char *subject_unit, const char *subject_ref, bool self,
                             const char *doing, struct cr_buf *out);
/* Need-to-know's refusal, a format taking the case number (long long). */
#define CR_NEED_TO_KNOW_TEXT                                                                \
    "case %lld has not been before the panel, and a panel member sees only the cases that " \
    "have (need-to-know)"

/* Refuse unless the handle's user holds the role; names what needs it (policy.c). */
enum cr_status cr_require_role(cr_db *db, int role, const char *what);
/* The acting user, or a refusal when the handle has none (policy.c). */
enum cr_status cr_need_user(cr_db *db);

/*
 * One thing a person did on a case, in any round: separation of duties holds
 * per case, across rounds.
 */
struct cr_case_act {
    const char *login;
    int action; /* CR_ACTION_DECIDE, CR_ACTION_APPROVE, CR_ACTION_RETURN or CR_ACTION_VOTE */
    int vote;   /* a vote's enum cr_vote, else -1 */
    int round;  /* the decision it was on */
};

/* A case as the workflow's rules see it. */
struct cr_case_state {
    int64_t id, version, updated_at;
    int state, outcome, round, vetting_review;
    int panel_round; /* the latest decision that went before the panel, or 0 */
    const char *assignee, *decided_by, *updated_by, *approved_by;
    const char *subject_unit, *subject_ref;
    int quorum_blocked;                             /* as stored */
    int64_t state_since, clock_shift, paused_until; /* the service level's clock (schema 9) */
    const char *approver;                           /* routed to (schema 10), or NULL */
    int64_t erased; /* the erasure's event when purge erased it (schema 14), or 0 */
    size_t n_votes;
    struct cr_vote_row *votes; /* on the current round */
    /*
     * The engine kept the round's votes from the reader (blind voting, where
     * the engine is the trust boundary: PostgreSQL): each vote is a row with
     * nothing of it (member NULL, vote and kind -1), the acts hold no vote
     * of the round but the reader's own, and what a vote does is the
     * engine's to work out (workflow.c, plan and act).
     */
    bool votes_withheld;
    size_t n_acts;
    struct cr_case_act *acts; /* decisions, approvals, returns and votes of every round */
    void *priv;               /* owns the strings */
};
void cr_case_state_free(struct cr_case_state *cs);

/* A change to a case, as the workflow decided it. */
struct cr_change {
    int state; /* new state, or -1 */
    bool set_assignee;
    const char *assignee; /* NULL clears */
    bool decide;          /* record a decision: a new round */
    int outcome, vetting_review;
    const char *rationale;
    bool approve;
    bool vote;
    int vote_value, member_kind;
    const char *reason;
    const char *note_kind, *note_body, *note_author;
    int quorum_blocked;   /* 0 or 1, or -1 to leave */
    bool supersede_votes; /* the current round's votes stop counting (reconvene) */
    bool bump_version;
    int panel_round; /* the case's panel_round (internal.h, cr_case_state), or -1 to leave */
    /*
     * The service level's clock (schema 9).  set_clock: write clock_shift
     * as given (with a change of state too: the new state's, which the
     * workflow works out).  pause: set paused_until, and the pause's
     * reason, by the actor, now; resume: clear the four.
     */
    bool set_clock;
    int64_t clock_shift;
    bool pause, resume;
    int64_t paused_until;
    const char *pause_reason;
    /* Routing (schema 10): set_approver writes approver (NULL clears). */
    bool set_approver;
    const char *approver;
    /*
     * The action the change carries out (enum cr_action), or -1 for a
     * change that is none of the workflow's actions (the system's, a pause,
     * a route, a link, a reopen): an engine that is a trust boundary
     * (PostgreSQL: cr_apply) checks the change against that action's rule.
     */
    int action;
};

/*
 * The time of every write in the open transaction (or import): read once,
 * when it began (st_begin, st_import_begin), so that a decision's time and
 * its audit event's agree; outside one, the clock now.  st_tx_clock marks
 * a transaction open or ended (store.c).
 */
int64_t cr_db_tx_now(const cr_db *db);
void st_tx_clock(cr_db *db, bool open);
enum cr_status st_begin(cr_db *db);
/* CR_OK, or CR_DB saying the handle holds a read-only copy where nothing can change. */
enum cr_status st_writable(cr_db *db);
enum cr_status st_commit(cr_db *db);
void st_rollback(cr_db *db);
enum cr_status st_resolve_case(cr_db *db, const char *key, int64_t *id);
enum cr_status st_case_state(cr_db *db, int64_t id, struct cr_case_state *cs);
enum cr_status st_apply(cr_db *db, const struct cr_case_state *cs, const struct cr_change *ch);
/*
 * The audit events of the votes cast on the case since its last event whose
 * action is one of starts (NULL-terminated): since its current panel sitting began.
 */
enum cr_status st_sitting_vote_events(cr_db *db, int64_t case_id, const char *const *starts,
                                      int64_t **ids, size_t *n);
/* The cases whose quorum flag may need recomputing: with the panel, or flagged. */
enum cr_status st_quorum_cases(cr_db *db, int64_t **ids, size_t *n);
/* Recompute every quorum flag inside the caller's write transaction (workflow.c). */
enum cr_status cr_quorum_refresh_in(cr_db *db, int64_t *changed);
/* Set a case's quorum flag, nothing else (the version stays: no one acted on it). */
enum cr_status st_set_quorum_blocked(cr_db *db, int64_t case_id, int blocked);

/*
 * Append an audit event for the handle's user (its hash chained to the one
 * before); case_id 0 for none, states NULL for none, details a JSON object.
 * Must run inside a write transaction.  The rules every event meets come
 * first (audit.c): a consultation's purpose, a read-only copy's unrecorded
 * reads, the configuration still in force.
 */
enum cr_status cr_audit_append(cr_db *db, int64_t case_id, const char *action, const char *before,
                               const char *after, const char *details);

/*
 * Append an event for no case in a transaction of its own (a disclosure's or
 * a list's begin and end); *id, when asked, gets its id.  details NULL:
 * out of memory.
 */
enum cr_status cr_audit_record(cr_db *db, const char *action, const char *details, int64_t *id);

/*
 * Build the complete event for the handle's user (or "system") at
 * cr_db_now(db), with the session's purpose, Unix login and configuration
 * digest, chain its hash to the head's with the audit key, and have the
 * engine store it (audit.c).  In the caller's write transaction; no rule is
 * checked here (cr_audit_append checks them first).
 */
enum cr_status cr_audit_chain(cr_db *db, int64_t case_id, const char *action, const char *before,
                              const char *after, const char *details);

/*
 * The trail's reads, as the engine does them; cr_audit_head, cr_audit_verify_heads and
 * cr_audit_log (audit.c) check the role first.
 */
/* The chain's head as kept: its last event and that event's hash (event 0: empty). */
enum cr_status st_audit_head(cr_db *db, int64_t *event, unsigned char hash[32]);
/* The events matching f with after < id <= upto, in id order (store.h, audit_scan). */
enum cr_status st_audit_scan(cr_db *db, const struct cr_audit_filter *f, int64_t after,
                             int64_t upto, int (*each)(void *ctx, const struct cr_event *e),
                             void *ctx, int64_t *n);
/* The digest of the configuration in force (*any false when none was pinned). */
enum cr_status st_config_in_force(cr_db *db, char digest[65], bool *any);
/* Load a case as stored, nothing checked or recorded (cr_case_view_recorded records it). */
enum cr_status st_case_load(cr_db *db, int64_t id, bool votes_notes, bool hide_votes,
                            struct cr_case *out);

/*
 * A read snapshot: every read from st_read_begin to st_read_end sees the
 * same data (writers go on meanwhile); never inside a write transaction.
 * audit verify reads the events, the head, the configurations and the cases
 * in one.
 */
enum cr_status st_read_begin(cr_db *db);
void st_read_end(cr_db *db);

/*
 * The database's audit key, as the engine keeps it (beside the database):
 * have says whether there is one, problem why not.  Events from keyed_from
 * on are hashed with it; anchor is the hash of event keyed_from - 1; where
 * names the key in messages.  The strings live as long as the handle; the
 * caller wipes the key when done (sodium_memzero).
 */
struct cr_audit_key {
    bool have;
    const char *problem; /* NULL: none said */
    unsigned char key[32];
    int64_t keyed_from;
    unsigned char anchor[32];
    const char *where;
};
enum cr_status st_audit_key(cr_db *db, struct cr_audit_key *out);
/* Store an event core built and hashed, and make it the head (store.h, audit_append). */
enum cr_status st_audit_put(cr_db *db, const struct cr_event *e, const unsigned char prev[32],
                            const unsigned char hash[32]);

/*
 * An event as stored, with the hashes stored beside it as read (a damaged
 * row may hold other than 32 bytes, or none).  Valid during the call only.
 */
struct cr_audit_link {
    struct cr_event e;
    const unsigned char *prev_hash, *hash;
    size_t prev_len, hash_len;
};
/* Each one of a scan; nonzero stops it (the scan then returns CR_OK). */
typedef int (*cr_audit_link_fn)(void *ctx, const struct cr_audit_link *l);
/* The events from id from on, of case case_id only unless 0, in id order. */
enum cr_status st_audit_chain(cr_db *db, int64_t case_id, int64_t from, cr_audit_link_fn each,
                              void *ctx);

/*
 * An engine that seals the events itself (store.h: seals, audit_check,
 * audit_erasure; PostgreSQL): the event its check found wrong, and how.
 */
struct cr_audit_bad {
    int64_t event;
    enum {
        CR_AUDIT_BAD_CONTENTS, /* its details or fields do not match its digest or hash */
        CR_AUDIT_BAD_ERASURE,  /* an erasure whose recorded sum is not its events' */
    } what;
};
typedef int (*cr_audit_bad_fn)(void *ctx, const struct cr_audit_bad *b);
bool st_audit_seals(const cr_db *db);
enum cr_status st_audit_check(cr_db *db, int64_t from, cr_audit_bad_fn bad, void *ctx);
enum cr_status st_audit_erasure(cr_db *db, int64_t case_id, int64_t by, unsigned char digest[32],
                                unsigned char redacted[32], int64_t *n);

/* Erasure and correction (issue 13; store.h says what each does). */
struct cr_closed_case {
    int64_t id;
    int outcome;       /* enum cr_outcome, -1: none */
    int64_t closed_at; /* when it entered closed */
    int64_t erased;    /* the erasure event, or 0 */
};
typedef enum cr_status (*cr_store_closed_fn)(void *ctx, const struct cr_closed_case *c);
struct cr_erase_counts {
    int64_t allegations, decisions, votes, notes, drafts, subjects;
};
enum cr_status st_closed_cases(cr_db *db, int64_t before, cr_store_closed_fn each, void *ctx);
enum cr_status st_audit_redact(cr_db *db, int64_t event, const char *details);
enum cr_status st_erase_case(cr_db *db, int64_t case_id, int64_t event, const char *text,
                             struct cr_erase_counts *n);
enum cr_status st_erase_finish(cr_db *db);
enum cr_status st_find_allegation(cr_db *db, const char *ref, int64_t *id, int64_t *case_id);
enum cr_status st_allegation_set(cr_db *db, int64_t id, const char *field, const char *value,
                                 const char *latest, int64_t priority);

/* A configuration version as kept: its digest (NULL when none) and its text's bytes. */
struct cr_config_text {
    int64_t id;
    const char *digest;
    const unsigned char *text;
    size_t len;
};
/* Each version kept, in id order; nonzero from each() stops the scan (CR_OK). */
enum cr_status st_config_texts(cr_db *db, int (*each)(void *ctx, const struct cr_config_text *t),
                               void *ctx);

/* The pinned configuration's versions, as the engine keeps them (pin.c decides). */
enum cr_status st_config_get(cr_db *db, const char *prefix, struct cr_config_version *out);
enum cr_status st_config_put(cr_db *db, const struct cr_config *cfg);
/* The configuration digest the trail's last event was written under (*any: there is one). */
enum cr_status st_audit_last_digest(cr_db *db, char out[65], bool *any);
/*
 * A case as a caller names it: by the key a user typed (`#N`, `ref:X`, a
 * number or a subject_ref), or, key NULL, by its id.  st_case_ref finds its
 * id, or fails as st_resolve_case does (for an id, as for the key "#N").
 */
struct cr_case_ref {
    const char *key;
    int64_t id;
};
enum cr_status st_case_ref(cr_db *db, const struct cr_case_ref *ref, int64_t *id);

/* cr_config_adopt's writes (pin.c), once workflow.c has checked the role. */
enum cr_status st_config_adopt(cr_db *db, const struct cr_config *next);

/* The id of the last audit event (inside the transaction that appended it: that event). */
enum cr_status st_audit_last(cr_db *db, int64_t *id);

/*
 * Drafts of the handle's user (never anyone else's).  st_draft_put stores
 * the fields of d as given (outcome and vote -1 for none; text byte for
 * byte), saved now, replacing that user's draft for the case and action.
 * st_draft_get fills *out as cr_draft_get does, or returns CR_NOT_FOUND
 * with a message.  st_draft_delete removes the draft, if there is one.
 */
enum cr_status st_draft_put(cr_db *db, int64_t case_id, const struct cr_draft *d);
enum cr_status st_draft_get(cr_db *db, int64_t case_id, int action, struct cr_draft *out);
enum cr_status st_draft_delete(cr_db *db, int64_t case_id, int action);

/* Load a case for a view (audited as `what`, unless NULL), votes withheld when hide_votes,
 * in the caller's write transaction: the one that checked the rules (audit.c). */
enum cr_status cr_case_view_recorded(cr_db *db, int64_t id, bool hide_votes, const char *what,
                                     struct cr_case *out);
/*
 * Find and load a case by key (as cr_act names it) with no rule applied and
 * nothing audited: for the storage tests and the benchmark only.  Everything
 * a user sees goes through cr_case_view or cr_case_reload.
 */
enum cr_status st_case_get(cr_db *db, const char *key, struct cr_case *out);
/* Every audit event of a case, as stored. */
enum cr_status st_history(cr_db *db, int64_t id, struct cr_history *out);
/* The cases queue admits (what waits for its login), within scope. */
enum cr_status st_list_mine(cr_db *db, const struct cr_scope *scope, const struct cr_queue *queue,
                            int64_t after, size_t limit, struct cr_page *page, bool reverse);
/*
 * Every case scope admits, riskiest first, to row() from one read snapshot
 * (a read transaction: writers go on meanwhile).  row() returns 0 to go
 * on; when it does not, *stopped is set and the reading ends with CR_OK.
 * *rows counts the rows handed to row() that it accepted.
 */
enum cr_status st_export(cr_db *db, const struct cr_scope *scope,
                         int (*row)(void *ctx, const struct cr_case_row *r), void *ctx,
                         int64_t *rows, bool *stopped);

/*
 * The canonical bytes of an event and its hash (audit.c).  With a key, the
 * keyed form (BLAKE2b keyed with the database's audit key, over every field
 * and the purpose); without, the form of events written before keying.
 */
#define CR_AUDIT_KEY_BYTES 32
void cr_audit_hash(const unsigned char *key, const unsigned char prev[32], const struct cr_event *e,
                   unsigned char out[32]);
/*
 * Chain v3: the keyed digest of an event's details, as 64 hex digits in
 * hex (the event's hash covers it instead of the details; README, "Design:
 * erasure and the chain").  key is the audit key (CR_AUDIT_KEY_BYTES).
 */
void cr_audit_details_digest(const unsigned char *key, const char *details, char hex[65]);
/*
 * Erasure: the erasure event that erased an event's details (they read
 * {"erased": N, ...}), or 0 when they were not erased; and one erased
 * event (as stored, its hash and all) added to the keyed running sum
 * (32 bytes, zero to begin) that its erasure event records.
 */
int64_t cr_audit_erased_by(const char *details);
struct cr_audit_link;
void cr_audit_erased_step(const unsigned char *key, unsigned char sum[32],
                          const struct cr_audit_link *l);

/*
 * Replay of the trail (replay.c): the cases as the events say they are.
 * cr_replay_new(0) replays every case keeping digests; cr_replay_new(N)
 * replays case N alone keeping its items, for saying what differs.
 */
enum {
    CR_REPLAY_DECISIONS,
    CR_REPLAY_APPROVALS,
    CR_REPLAY_VOTES,
    CR_REPLAY_NOTES,
    CR_REPLAY_SET_ASIDE, /* votes a reconvene set aside (superseded_votes) */
    CR_REPLAY_LINKS,     /* linked references (case_links, timeline.c): link and unlink */
    CR_REPLAY_FOLLOWUPS, /* what happened after the decision (follow_ups, schema 12) */
    CR_REPLAY_QA,        /* decisions selected for quality review, with verdicts (qa, schema 13) */
    CR_REPLAY_LISTS
};
enum {
    CR_REPLAY_STATE,
    CR_REPLAY_ASSIGNEE,
    CR_REPLAY_OUTCOME,
    CR_REPLAY_VETTING_REVIEW,
    CR_REPLAY_ROUND,
    CR_REPLAY_DECIDED_BY,
    CR_REPLAY_RATIONALE,
    CR_REPLAY_PANEL_ROUND,
    CR_REPLAY_FIELDS
};

/*
 * A case as its tables hold it, for audit verify to set beside the trail
 * replayed: its row (in_cases false: its lists have rows but the cases
 * table has none) and the rows of each of its lists (numbered as replay.c's
 * CR_REPLAY_* lists), in the order the trail made them: decisions and
 * approvals by round, votes, votes set aside and notes as written.  The
 * texts are as stored (state, outcome, vote, kind: names; NULL for none).
 */
struct cr_case_list_row {
    int round;          /* a decision's, an approval's, a vote's */
    int vetting_review; /* a decision's */
    const char *who;    /* the reviewer, supervisor, member, or a note's author */
    const char *kind;   /* a vote's member kind, a note's kind */
    const char *what;   /* a decision's outcome, a vote */
    const char *text;   /* a decision's rationale, a vote's reason, a note's body */
    /* A link's (CR_REPLAY_LINKS: kind, what the ref, text the status, who added it): */
    const char *removed_by, *removed_reason; /* NULL while it is in force */
    const char *date;  /* a follow-up's (its stage: kind, result: what, detail: text) */
    const char *qa_by; /* a qa row's QA reviewer (who: its decider; kind: why selected;
                          what: the verdict; text: the QA reasons), or NULL */
    int draw;          /* a qa row's draw */
};
struct cr_case_rows {
    int64_t id;
    bool in_cases;
    const char *state, *outcome, *assignee, *decided_by, *rationale;
    int vetting_review, round, panel_round;
    size_t n[CR_REPLAY_LISTS];
    const struct cr_case_list_row *rows[CR_REPLAY_LISTS];
};
typedef int (*cr_case_rows_fn)(void *ctx, const struct cr_case_rows *c);
/*
 * Every case with a row in a case table, in id order (or only case id,
 * unless 0), to each(); nonzero from each() stops the scan (CR_OK).
 */
enum cr_status st_case_rows(cr_db *db, int64_t id, cr_case_rows_fn each, void *ctx);

struct cr_replay_item {
    int64_t event;
    char *text;
};
struct cr_replay_list {
    size_t n;
    struct cr_replay_item *items;
};
/* Detail mode only: what set each field, and the items themselves. */
struct cr_replay_detail {
    int64_t ev[CR_REPLAY_FIELDS]; /* the event that set each field, or 0 */
    char *assignee, *decided_by, *rationale;
    struct cr_replay_list lists[CR_REPLAY_LISTS];
};
/* A case as replayed: its row's fields, and a digest of each list of rows. */
struct cr_replay_case {
    signed char state, outcome, vetting_review;
    int round;
    int panel_round; /* the latest decision that went before the panel, or 0 */
    uint64_t assignee, decided_by, rationale; /* digests of the text; 0: none */
    uint64_t digests[CR_REPLAY_LISTS];
    uint64_t sitting;     /* the sum of the digests of the current sitting's votes */
    int64_t sitting_from; /* the event that began the sitting (a decision or a reconvene) */
    char *dissents;       /* the current round's dissents, for the panel's note */
    int64_t first_event;  /* the first event naming the case, or 0 */
    struct cr_replay_detail *detail;
};
struct cr_replay;
struct cr_replay *cr_replay_new(int64_t detail_case);
void cr_replay_free(struct cr_replay *r);
void cr_replay_case_init(struct cr_replay_case *c);
/* Feed one event, in id order.  CR_INVALID with why for an action replay does not know. */
enum cr_status cr_replay_event(struct cr_replay *r, const struct cr_event *e, struct cr_buf *why);
/* The case as replayed, or NULL when the trail never named it. */
const struct cr_replay_case *cr_replay_case(const struct cr_replay *r, int64_t id);
int64_t cr_replay_max_case(const struct cr_replay *r);
/* The text of a row, as the trail and the tables both write it. */
void cr_replay_decision_text(struct cr_buf *b, int round, const char *reviewer, const char *outcome,
                             int vetting_review, const char *rationale);
void cr_replay_approval_text(struct cr_buf *b, int round, const char *supervisor);
void cr_replay_followup_text(struct cr_buf *b, const char *stage, const char *result,
                             const char *date, const char *by, const char *detail);
void cr_replay_vote_text(struct cr_buf *b, int round, const char *member, const char *kind,
                         const char *vote, const char *reason);
void cr_replay_note_text(struct cr_buf *b, const char *kind, const char *author, const char *body);
/* What an erasure leaves in place of personal text (tables and events alike). */
#define CR_ERASED_TEXT "[erased]"
/* The refusal of an action on a case purge erased (case number, the action's name). */
#define CR_ERASED_REFUSAL                                                                    \
    "case %lld was erased (purge): nothing is added to it, so %s is refused; its tombstone " \
    "stays as it is"
/*
 * The details of an event with the personal text taken out, into out:
 * {"erased": by, ...} with every number and every workflow word kept and
 * every other string CR_ERASED_TEXT (core/erase.c; README).
 */
void cr_replay_redact(const char *details, int64_t by, struct cr_buf *out);
/* The string value of key in an event's details (flat, as our writer makes them), unescaped. */
bool cr_replay_json_text(const char *details, const char *key, struct cr_buf *out);
/* A qa row's text (replay.c): its selection, and its verdict once there is one (qa_by). */
void cr_replay_qa_text(struct cr_buf *b, int round, const char *decider, const char *reason,
                       int draw, const char *qa_by, const char *verdict, const char *qa_reason);
void cr_replay_digest_add(uint64_t *d, const char *item);
/* A linked reference's row as the trail and the tables write it (added_by NULL: an import). */
void cr_replay_link_text(struct cr_buf *b, const char *kind, const char *ref, const char *status,
                         const char *added_by, const char *removed_by, const char *removed_reason);
/*
 * Add an item to a list's digest: chained (in order) for most lists; for
 * votes and the votes set aside, a sum, so that a reconvene can move the
 * sitting's votes from one to the other.
 */
void cr_replay_digest_put(int list, uint64_t *d, const char *item);
uint64_t cr_replay_text_digest(const char *s);
/* Whether an action records a consultation (DPA 2018 s.62), which may need a purpose. */
bool cr_audit_is_consultation(const char *action);

/* The import's storage (store.h); *import_id numbers the import in its audit events. */
enum cr_status st_import_begin(cr_db *db, const char *label, unsigned new_case_states,
                               int64_t *import_id);
enum cr_status st_import_row(cr_db *db, const struct cr_import_row *row, long line,
                             struct cr_import_result *res, enum cr_row_outcome *outcome,
                             struct cr_conflict *conflict, struct cr_row_case *added,
                             struct cr_subject_update *update);
/*
 * The report lines of the subjects the running import updated (cr_import_update):
 * cleared when an import begins; line i (i < CR_IMPORT_SHOWN_UPDATES), malloc'd,
 * is the handle's once set.
 */
void st_import_shown_clear(cr_db *db);
/* A subject's changes as cr_import_update_detail gives them; st_import_shown_set
 * takes the line, the reference and every string of the changes (malloc'd). */
struct cr_import_shown {
    char *subject_ref;
    struct cr_subject_change changes[CR_SUBJECT_DETAILS];
    size_t n;
};
void st_import_shown_set(cr_db *db, size_t i, char *line, struct cr_import_shown *detail);

/*
 * What the system does to a case by itself, as rows of the workflow's table
 * (workflow.c) beside the people's actions: an import that adds an
 * allegation to a case already decided (awaiting approval, or before the
 * panel) sends it back to be decided again.
 */
enum cr_system_action { CR_SYSTEM_IMPORT_RETURN, CR_SYSTEM_COUNT };
/* The state the system action takes a case in state to, or -1 when it does not apply. */
int cr_system_to(int action, int state);
/*
 * The states of a subject's latest case in which an imported allegation of
 * theirs starts a new case, following it (bits of enum cr_state); in any
 * other it joins that case.
 */
unsigned cr_import_new_case_states(void);
/*
 * Apply the system action to case id, in the caller's write transaction:
 * the change, a system note (note), and the audit event (its action and
 * details, the states before and after).  *applied says whether the rule
 * applied to the case's state; CR_OK either way.
 */
enum cr_status cr_system_act(cr_db *db, int action, int64_t id, const char *note, const char *event,
                             const char *details, bool *applied);
enum cr_status st_import_end(cr_db *db, const struct cr_import_result *res, bool commit);

/*
 * The last action's notice (cr_last_notice), kept on the handle: st_notice
 * gives the handle's slot (db.c); cr_notice_set (notify.c) fills it with
 * copies of kind and the n logins after an action committed (workflow.c
 * says who they are), cr_notice_store_free frees it when the handle
 * closes.  Out of memory leaves no notice (nothing is run).
 */
struct cr_notice_store;
struct cr_notice_store **st_notice(cr_db *db);
const struct cr_notice_store *st_notice_of(const cr_db *db);
void cr_notice_set(cr_db *db, const char *kind, int64_t case_id, const char *const *logins,
                   size_t n);
/* An action of many cases (a bulk assign) clears the notices, then adds one per case. */
void cr_notice_clear(cr_db *db);
void cr_notice_add(cr_db *db, const char *kind, int64_t case_id, const char *const *logins,
                   size_t n);
void cr_notice_store_free(struct cr_notice_store *n);

/* The timeline and linked references (timeline.c): the engine's methods, through the table. */
enum cr_status st_link_import(cr_db *db, int64_t case_id, long line, int kind, const char *ref,
                              const char *status, bool *added);
/*
 * The allegations (*n) and sexual offences (*n_sexual) of the cases of
 * case_id's subject before it (the closed cases it follows), which its
 * priority counts with its own (timeline.c; the import's rule).
 */
enum cr_status cr_subject_prior_figures(cr_db *db, int64_t case_id, int *n, int *n_sexual);
/*
 * The import's hook (import.c): link every entry of a row's `linked_refs`
 * value to case_id (the case its allegation is in); *added counts those
 * added.  The value was checked by cr_linked_refs_parse.
 */
enum cr_status cr_import_links(cr_db *db, int64_t case_id, long line, const char *value,
                               int64_t *added);
/*
 * Quality assurance at approval (qa.c): select the approved decision of
 * round `round` on case_id for a quality review when the configuration's
 * qa: says so (the qa row and a "qa_selected" event), in the caller's
 * write transaction.  CR_OK when nothing is selected.
 */
enum cr_status cr_qa_on_approve(cr_db *db, int64_t case_id, int round, const char *decider,
                                int outcome, const char *approver);

/*
 * One row of the workflow's rules as data (workflow.c's rules[] and
 * barred_by()), for an engine that enforces them itself (store.h,
 * rules_put): the action (enum cr_action), the states it starts from and
 * the roles that may take it (bits: 1u << enum cr_state, enum cr_role), the
 * state it takes the case to (-1: the action decides, or the state stays),
 * and the earlier acts on the case that bar a person from it (bits: 1u <<
 * enum cr_action).
 */
struct cr_rule_row {
    int action;
    unsigned from_states;
    unsigned roles;
    int to_state;
    unsigned barred_by;
};
/* Fill out[a] for every action a from the workflow's rules (workflow.c). */
void cr_workflow_rule_rows(struct cr_rule_row out[CR_ACTION_COUNT]);
/* Publish them to the engine (store.h, rules_put), in the caller's write transaction. */
enum cr_status st_rules_put(cr_db *db);

#endif
