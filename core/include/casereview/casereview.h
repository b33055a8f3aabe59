/*
 * casereview: the core library.
 *
 * Storage, import and queries for a professional-standards case review.
 * Every function that can fail returns an enum cr_status; the message that
 * goes with a failure is read from the handle with cr_db_errmsg().  Nothing
 * here prints, exits or reads the clock: the caller injects the clock.
 */
#ifndef CASEREVIEW_CASEREVIEW_H
#define CASEREVIEW_CASEREVIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Status codes: name, process exit status (SPEC section 7), description.
 */
#define CR_STATUS_LIST(_)                                                      \
    _(OK, 0, "ok")                                                             \
    _(REFUSED, 1, "the workflow refused the action")                           \
    _(USAGE, 2, "usage error")                                                 \
    _(INVALID, 3, "bad input data or configuration")                           \
    _(NOT_FOUND, 3, "no such case")                                            \
    _(DB, 4, "the database could not be opened or used")                       \
    _(BUSY, 4, "the database is busy")                                         \
    _(NOMEM, 4, "out of memory")

#define CR_STATUS_ENUM(name, exit, text) CR_##name,
enum cr_status { CR_STATUS_LIST(CR_STATUS_ENUM) CR_STATUS_COUNT };
#undef CR_STATUS_ENUM

/* The exit status SPEC section 7 gives a status. */
int cr_status_exit(enum cr_status status);

/* A short description of a status; static storage. */
const char *cr_status_text(enum cr_status status);

/*
 * The enumerations of the domain model: identifier, stored name, label.
 * The stored name is what the database, the CSV import and the command line
 * use; the label is for people.
 */
#define CR_STATE_LIST(_)                                                       \
    _(FLAGGED, "flagged", "Flagged")                                           \
    _(IN_REVIEW, "in_review", "In review")                                     \
    _(AWAITING_APPROVAL, "awaiting_approval", "Awaiting approval")             \
    _(PANEL_REVIEW, "panel_review", "Panel review")                            \
    _(RETURNED, "returned", "Returned")                                        \
    _(CLOSED, "closed", "Closed")

#define CR_OUTCOME_LIST(_)                                                     \
    _(NFA, "nfa", "No further action")                                         \
    _(REASSESS, "reassess", "Reassess")                                        \
    _(REFER, "refer", "Refer to risk management")

#define CR_CATEGORY_LIST(_)                                                    \
    _(DOMESTIC_VIOLENCE, "domestic_violence", "Domestic violence")             \
    _(SEXUAL_OFFENCE, "sexual_offence", "Sexual offence")

#define CR_EMPLOYMENT_LIST(_)                                                  \
    _(OFFICER, "officer", "Officer")                                           \
    _(STAFF, "staff", "Staff")                                                 \
    _(SPECIAL, "special", "Special constable")

#define CR_DUTY_LIST(_)                                                        \
    _(FULL, "full", "Full duties")                                             \
    _(RESTRICTED, "restricted", "Restricted duties")                           \
    _(SUSPENDED, "suspended", "Suspended")

#define CR_VETTING_LIST(_)                                                     \
    _(CLEARED, "cleared", "Cleared")                                           \
    _(UNDER_REVIEW, "under_review", "Under review")                            \
    _(WITHDRAWN, "withdrawn", "Withdrawn")

#define CR_SOURCE_LIST(_)                                                      \
    _(COMPLAINT, "complaint", "Complaint")                                     \
    _(HOTLINE, "hotline", "Hotline")                                           \
    _(COLLEAGUE, "colleague", "Colleague")                                     \
    _(PND, "pnd", "Police National Database")                                  \
    _(OTHER, "other", "Other")

#define CR_ROLE_LIST(_)                                                        \
    _(REVIEWER, "reviewer", "Reviewer")                                        \
    _(SUPERVISOR, "supervisor", "Supervisor")                                  \
    _(ADMIN, "admin", "Admin")                                                 \
    _(PANEL, "panel", "Panel member")

#define CR_KIND_LIST(_)                                                        \
    _(INDEPENDENT, "independent", "Independent member")                        \
    _(LEGAL, "legal", "Legal member")                                          \
    _(POLICE, "police", "Police member")

#define CR_SLA_LIST(_)                                                         \
    _(REVIEW, "review", "Review")                                              \
    _(APPROVAL, "approval", "Approval")                                        \
    _(PANEL, "panel", "Panel")

#define CR_VOTE_LIST(_)                                                        \
    _(CONCUR, "concur", "Concur")                                              \
    _(DISSENT, "dissent", "Dissent")                                           \
    _(RECUSE, "recuse", "Recuse")

/* The workflow's actions (SPEC section 3). */
#define CR_ACTION_LIST(_)                                                      \
    _(CLAIM, "claim", "Claim")                                                 \
    _(RELEASE, "release", "Release")                                           \
    _(ASSIGN, "assign", "Assign")                                              \
    _(DECIDE, "decide", "Decide")                                              \
    _(APPROVE, "approve", "Approve")                                           \
    _(RETURN, "return", "Return")                                              \
    _(VOTE, "vote", "Vote")                                                    \
    _(NOTE, "note", "Note")                                                    \
    _(RECONVENE, "reconvene", "Reconvene the panel")                           \
    _(RECALL, "recall", "Recall from the panel")

/*
 * Where a case's outcome stands, for the published figures: confirmed (the
 * case is closed: the panel confirmed the outcome, or it was approved under
 * an outcome with `panel: false`), proposed (awaiting approval), with the
 * panel, returned (the decision must be taken again), or not decided yet.
 */
#define CR_STAGE_LIST(_)                                                       \
    _(CONFIRMED, "confirmed", "Confirmed")                                     \
    _(PROPOSED, "proposed", "Proposed")                                        \
    _(WITH_PANEL, "with_panel", "With the panel")                              \
    _(RETURNED, "returned", "Returned")                                        \
    _(UNDECIDED, "undecided", "Not decided")

/* What a report may be broken down by (`report --by`). */
#define CR_DIMENSION_LIST(_)                                                   \
    _(OUTCOME, "outcome", "Outcome")                                           \
    _(CATEGORY, "category", "Category")                                        \
    _(UNIT, "unit", "Unit")                                                    \
    _(RANK, "rank", "Rank")                                                    \
    _(EMPLOYMENT, "employment", "Employment")

/* Each enumeration: lower-case name, upper-case prefix, list. */
#define CR_ENUMS(_)                                                            \
    _(state, STATE, CR_STATE_LIST)                                             \
    _(outcome, OUTCOME, CR_OUTCOME_LIST)                                       \
    _(category, CATEGORY, CR_CATEGORY_LIST)                                    \
    _(employment, EMPLOYMENT, CR_EMPLOYMENT_LIST)                              \
    _(duty, DUTY, CR_DUTY_LIST)                                                \
    _(vetting, VETTING, CR_VETTING_LIST)                                       \
    _(source, SOURCE, CR_SOURCE_LIST)                                          \
    _(role, ROLE, CR_ROLE_LIST)                                                \
    _(kind, KIND, CR_KIND_LIST)                                                \
    _(sla, SLA, CR_SLA_LIST)                                                   \
    _(vote, VOTE, CR_VOTE_LIST)                                                \
    _(action, ACTION, CR_ACTION_LIST)                                          \
    _(stage, STAGE, CR_STAGE_LIST)                                             \
    _(dimension, DIMENSION, CR_DIMENSION_LIST)

#define CR_X(id, name, label) CR_STATE_##id,
enum cr_state { CR_STATE_LIST(CR_X) CR_STATE_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_OUTCOME_##id,
enum cr_outcome { CR_OUTCOME_LIST(CR_X) CR_OUTCOME_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_CATEGORY_##id,
enum cr_category { CR_CATEGORY_LIST(CR_X) CR_CATEGORY_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_EMPLOYMENT_##id,
enum cr_employment { CR_EMPLOYMENT_LIST(CR_X) CR_EMPLOYMENT_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_DUTY_##id,
enum cr_duty { CR_DUTY_LIST(CR_X) CR_DUTY_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_VETTING_##id,
enum cr_vetting { CR_VETTING_LIST(CR_X) CR_VETTING_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_SOURCE_##id,
enum cr_source { CR_SOURCE_LIST(CR_X) CR_SOURCE_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_ROLE_##id,
enum cr_role { CR_ROLE_LIST(CR_X) CR_ROLE_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_KIND_##id,
enum cr_kind { CR_KIND_LIST(CR_X) CR_KIND_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_SLA_##id,
enum cr_sla { CR_SLA_LIST(CR_X) CR_SLA_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_VOTE_##id,
enum cr_vote { CR_VOTE_LIST(CR_X) CR_VOTE_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_ACTION_##id,
enum cr_action { CR_ACTION_LIST(CR_X) CR_ACTION_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_STAGE_##id,
enum cr_stage { CR_STAGE_LIST(CR_X) CR_STAGE_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_DIMENSION_##id,
enum cr_dimension { CR_DIMENSION_LIST(CR_X) CR_DIMENSION_COUNT };
#undef CR_X

/*
 * For each enumeration E: cr_E_name(v) is the stored name of v and
 * cr_E_label(v) its label for people (static storage; NULL when v is out of
 * range); cr_E_parse(s) is the value whose stored name is exactly s, or -1.
 */
#define CR_ENUM_FUNCTIONS(lower, upper, list)                                  \
    const char *cr_##lower##_name(int value);                                  \
    const char *cr_##lower##_label(int value);                                 \
    int cr_##lower##_parse(const char *s);
CR_ENUMS(CR_ENUM_FUNCTIONS)
#undef CR_ENUM_FUNCTIONS

/* Category bits of a case: which categories its allegations fall in. */
#define CR_CATMASK_DV (1u << CR_CATEGORY_DOMESTIC_VIOLENCE)
#define CR_CATMASK_SO (1u << CR_CATEGORY_SEXUAL_OFFENCE)

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

/*
 * Configuration (SPEC section 6): the roster, the panel's sign-off rules,
 * service levels and the interface's preferences, read from a YAML file.
 */

/* A person on the roster: a user, a panel member, or both. */
struct cr_person {
    const char *login;
    const char *name; /* the login when the file gives none */
    const char *unit; /* NULL when none */
    unsigned roles;   /* bits (1u << enum cr_role) */
    int kind;         /* enum cr_kind for a panel member, else -1 */
};

/* What the panel needs to close a case with a given outcome. */
struct cr_signoff {
    int panel;  /* 0: approval closes the case, no panel review */
    int concur; /* concurring votes that close the case */
    int dissent; /* dissenting votes that return it */
    int require_kinds[CR_KIND_COUNT]; /* of the concurring votes, at least this many of a kind */
    int blind;  /* a member sees others' votes only after casting their own */
};

/* A key binding from the `keys:` map, kept for the interface to check and apply. */
struct cr_key_binding {
    const char *action;
    const char *key;
    int line, column;               /* where the key was written, for messages */
    int action_line, action_column; /* where the action's name was written */
};

/*
 * A declared conflict of interest (conflicts.declared): the login neither
 * sees nor acts on any case of the subject, for the reason given.
 */
struct cr_declared_conflict {
    const char *login;
    const char *subject_ref;
    const char *reason;
    int line, column; /* where the entry was written, for messages */
};

struct cr_config {
    const char *path;
    const char *theme; /* NULL: the default */
    int theme_line, theme_column; /* where theme: was written, for messages */
    int allow_impersonation;
    int same_unit; /* conflicts.same_unit */
    size_t n_declared;
    struct cr_declared_conflict *declared; /* conflicts.declared */
    int sla_days[CR_SLA_COUNT];
    size_t n_people;
    struct cr_person *people;
    struct cr_signoff signoff[CR_OUTCOME_COUNT]; /* resolved per outcome */
    size_t n_keys;
    struct cr_key_binding *keys;
    char digest[65]; /* BLAKE2b-256 of the file's bytes, hex */
    void *priv;
    int audit_require_purpose; /* audit.require_purpose */
    size_t n_purposes;         /* audit.purposes: the purposes allowed, or none: any */
    const char **purposes;
};

/*
 * Read and check the configuration file at path.  On success *out is the
 * configuration (free it with cr_config_free).  On any problem every one
 * found is in *diags as `FILE:LINE:COLUMN: what is wrong` and CR_INVALID is
 * returned; *diags is allocated either way (free it with cr_diags_free).
 */
enum cr_status cr_config_load(const char *path, struct cr_config **out, cr_diags **diags);
void cr_config_free(struct cr_config *cfg);

/* The person with this login, or NULL. */
const struct cr_person *cr_config_person(const struct cr_config *cfg, const char *login);

/* Whether the person holds the role. */
int cr_person_has(const struct cr_person *p, int role);

/*
 * Who is acting: the operating-system login, or as_login (--as) when the
 * configuration allows impersonation.  On success *who is that person on
 * the roster.  Otherwise msg (of size n) says why: CR_USAGE when --as is
 * not allowed, CR_REFUSED when the login is not on the roster.
 */
enum cr_status cr_config_identify(const struct cr_config *cfg, const char *os_login,
                                  const char *as_login, const struct cr_person **who, char *msg,
                                  size_t n);

/*
 * Colour themes: YAML files mapping named slots to colours and attributes
 * (the terminal interface turns them into curses attributes).
 */
#define CR_SLOT_LIST(_)                                                        \
    _(TITLE, "title")                                                          \
    _(STATUS, "status")                                                        \
    _(MESSAGE, "message")                                                      \
    _(ERROR, "error")                                                          \
    _(HEADER, "header")                                                        \
    _(TEXT, "text")                                                            \
    _(DIM, "dim")                                                              \
    _(SELECTED, "selected")                                                    \
    _(OVERDUE, "overdue")                                                      \
    _(BAR, "bar")                                                              \
    _(STATE_FLAGGED, "state_flagged")                                          \
    _(STATE_IN_REVIEW, "state_in_review")                                      \
    _(STATE_AWAITING_APPROVAL, "state_awaiting_approval")                      \
    _(STATE_PANEL_REVIEW, "state_panel_review")                                \
    _(STATE_RETURNED, "state_returned")                                        \
    _(STATE_CLOSED, "state_closed")

#define CR_X(id, name) CR_SLOT_##id,
enum cr_slot { CR_SLOT_LIST(CR_X) CR_SLOT_COUNT };
#undef CR_X

enum cr_text_attr {
    CR_ATTR_BOLD = 1 << 0,
    CR_ATTR_DIM = 1 << 1,
    CR_ATTR_REVERSE = 1 << 2,
    CR_ATTR_UNDERLINE = 1 << 3,
};

struct cr_color {
    int fg, bg;     /* -1: the terminal's default; 0-7 colours, 8-15 bright, up to 255 */
    unsigned attrs; /* enum cr_text_attr bits */
};

struct cr_theme {
    struct cr_color slots[CR_SLOT_COUNT];
};

/* The name of a slot as themes write it. */
const char *cr_slot_name(int slot);

/*
 * Read a theme file with the configuration's loader: every problem in
 * *diags as FILE:LINE:COLUMN: and CR_INVALID.  Slots the file leaves out
 * keep the terminal's default.  *diags is allocated either way.
 */
enum cr_status cr_theme_load(const char *path, struct cr_theme *out, cr_diags **diags);

/*
 * The clock: seconds since the Unix epoch, UTC.  Core never reads the
 * system clock; the program passes one in and tests pass a fixed one.
 */
typedef int64_t (*cr_clock_fn)(void *ctx);

/* An open database.  Opaque. */
typedef struct cr_db cr_db;

enum cr_open_flags {
    CR_OPEN_CREATE = 1 << 0, /* create the file when it does not exist */
    CR_OPEN_GROUP = 1 << 1,  /* when creating: group may read and write */
    /*
     * The program runs setgid to a service group (README, "Deploying on a
     * shared server"): files of that group (the effective one) may have group
     * modes; a new database is made 0660 and its audit key 0640, in a
     * directory of that group closed to others.
     */
    CR_OPEN_SERVICE = 1 << 2,
};

/*
 * Open (and, with CR_OPEN_CREATE, create) the database at path, check that
 * it is a casereview database that only its owner (or, when it was created
 * for a group, its group) can read, and bring its schema up to date.
 * *out always receives a handle, even on failure, so that the caller can
 * read cr_db_errmsg(); the caller closes it with cr_db_close().
 * Returns CR_OK, CR_DB (not found, not ours, unsafe permissions, newer
 * schema), CR_BUSY or CR_NOMEM (then *out may be NULL).
 */
enum cr_status cr_db_open(const char *path, unsigned flags, cr_clock_fn clock, void *clock_ctx,
                          cr_db **out);

/* Close the handle.  NULL is allowed. */
void cr_db_close(cr_db *db);

/*
 * Close the handle and, if this handle created the database file, remove
 * the file again (an empty file it made a database of is left empty
 * again): used when the first thing done to a new database failed.
 */
void cr_db_discard(cr_db *db);

/*
 * Whether this handle created the database it opened: made the file, or
 * made a database of an empty file (only with CR_OPEN_CREATE; without it,
 * an empty file is refused with CR_DB).
 */
int cr_db_created(const cr_db *db);

/* The message of the last failure on this handle; owned by the handle. */
const char *cr_db_errmsg(const cr_db *db);

/* The schema version of the open database. */
int cr_db_schema_version(const cr_db *db);

/* The time the injected clock gives now. */
int64_t cr_db_now(const cr_db *db);

/* Most problems an import reports before it stops reading. */
#define CR_IMPORT_MAX_ERRORS 100

enum cr_import_flags {
    CR_IMPORT_DRY_RUN = 1 << 0, /* check everything, write nothing */
};

struct cr_import_result {
    int64_t rows;              /* allegation rows read */
    int64_t new_allegations;   /* rows that added an allegation */
    int64_t known_allegations; /* rows already in the database, unchanged */
    int64_t new_cases;         /* cases created */
    int64_t added_to_open;     /* new allegations added to a case that was already open */
    int64_t reopened_cases;    /* of which: new cases for subjects whose case was closed */
    int64_t returned_cases;    /* open cases sent back to returned by a new allegation */
    int64_t new_subjects;      /* subjects created */
    int64_t updated_subjects;  /* subjects whose details changed */
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

/*
 * The queue.  Rows come a page at a time, with a keyset cursor: pass
 * cr_row_cursor() of the last row as `after` for the next page, 0 for the
 * first.  By priority: riskiest first, ties to the oldest case.  By age:
 * oldest case first.  A search lists matching cases by case number.
 */
enum cr_sort { CR_SORT_PRIORITY, CR_SORT_AGE };

struct cr_filter {
    int state;          /* enum cr_state, or -1 for any */
    int outcome;        /* enum cr_outcome, or -1 for any; CR_OUTCOME_COUNT: none yet */
    int category;       /* enum cr_category, or -1 for any */
    int sort;           /* enum cr_sort */
    const char *search; /* words to find in subjects, references and summaries, or NULL */
};

/* A filter that lets every case through, by priority. */
#define CR_FILTER_ALL {-1, -1, -1, CR_SORT_PRIORITY, NULL}

struct cr_case_row {
    int64_t id;
    int64_t sortkey;
    int64_t priority;
    int64_t created_at; /* seconds since the epoch */
    int64_t state_since;
    int state;   /* enum cr_state */
    int outcome; /* enum cr_outcome, or -1 */
    unsigned categories; /* CR_CATMASK_* */
    int n_allegations;
    int duty; /* enum cr_duty */
    const char *subject_ref;
    const char *surname;
    const char *forenames;
    const char *rank;
    const char *unit;
    const char *assignee; /* NULL when nobody */
    const char *decided_by; /* the current decision's reviewer, or NULL */
    int64_t decided_at;
    int vetting_review;
    int quorum_blocked; /* recusals left too few members to reach the quorum */
    int64_t version;    /* for cr_request.expect_version */
};

/* A page of rows; the strings belong to the page. */
struct cr_page {
    size_t n;
    struct cr_case_row *rows;
    int more; /* another page follows */
    void *priv;
};

/*
 * Fill page with up to limit rows of the filtered queue after the cursor.
 * A page can be refilled; cr_page_free releases it.  Returns CR_OK, CR_DB,
 * CR_BUSY or CR_NOMEM.
 */
enum cr_status cr_list_page(cr_db *db, const struct cr_filter *filter, int64_t after,
                            size_t limit, struct cr_page *page);
void cr_page_free(struct cr_page *page);

/*
 * The service level (enum cr_sla) that applies to a case in a state, or -1
 * (closed).  A case is overdue when it has been in its state longer than
 * that many days (sla_days).
 */
int cr_state_sla(int state);

/* Whether the case is overdue now under the configuration's sla_days. */
int cr_case_overdue(const struct cr_config *cfg, const struct cr_case_row *row, int64_t now);

/* The page of up to limit rows just before the cursor (INT64_MAX: the last page). */
enum cr_status cr_list_page_before(cr_db *db, const struct cr_filter *filter, int64_t before,
                                   size_t limit, struct cr_page *page);
/* The cursor value of a row under a filter (see cr_list_page). */
int64_t cr_row_cursor(const struct cr_filter *filter, const struct cr_case_row *row);

/*
 * A number that changes whenever another connection commits to the
 * database: poll it to refresh what is on screen.
 */
enum cr_status cr_db_data_version(cr_db *db, int64_t *version);

/* One allegation of a case. */
struct cr_allegation {
    const char *ref;
    int category; /* enum cr_category */
    const char *date; /* YYYY-MM-DD */
    int source;       /* enum cr_source */
    const char *original_outcome;
    const char *summary;
};

/* A case with its subject and every allegation, in date order. */
/* A panel vote on the current decision. */
struct cr_vote_row {
    const char *member;
    int kind; /* enum cr_kind */
    int vote; /* enum cr_vote */
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

struct cr_case {
    struct cr_case_row row;
    int64_t previous_case; /* the closed case this one follows, or 0 */
    int64_t version;
    int employment;        /* enum cr_employment */
    int vetting;           /* enum cr_vetting, or -1 when not recorded */
    int round;             /* decisions taken so far */
    const char *rationale; /* NULL until decided */
    const char *approved_by; /* approval of the current decision, or NULL */
    int64_t approved_at;
    size_t n_allegations;
    struct cr_allegation *allegations;
    size_t n_votes;        /* votes on the current decision that this viewer may see */
    struct cr_vote_row *votes;
    size_t votes_hidden;   /* votes withheld: blind voting, the viewer has not voted yet */
    size_t n_notes;
    struct cr_note *notes;
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
 * Acting on cases.  A handle acts for one person under one configuration;
 * both must outlive the handle's use.  Every rule of SPEC sections 3 and 4
 * is checked here, for the command line and the terminal interface alike.
 */
void cr_db_set_user(cr_db *db, const struct cr_config *cfg, const struct cr_person *who);

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

/* Free what cr_draft_get filled.  NULL is allowed. */
void cr_draft_free(struct cr_draft *d);

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
    const char *purpose; /* why the session consulted the data (DPA 2018 s.62), or NULL */
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

/*
 * What waits for the handle's user in their roles, riskiest first, paged
 * like cr_list_page: a reviewer's assigned cases in review or returned; for
 * a supervisor, decisions awaiting approval that are not their own and cases
 * unable to reach quorum; for a panel member, cases with the panel that they
 * may still vote on; for an admin, cases unable to reach quorum.
 */
enum cr_status cr_list_mine_page(cr_db *db, int64_t after, size_t limit, struct cr_page *page);
enum cr_status cr_list_mine_page_before(cr_db *db, int64_t before, size_t limit,
                                        struct cr_page *page);

/*
 * A list on the command line (`list`, in any format) is a consultation,
 * recorded by two audit events "list", for no case, that bracket its rows
 * as a disclosure's do.  cr_list_begin commits the first (stage "begin":
 * the filters as given: state, outcome, category, sort, search, mine,
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
enum cr_status cr_list_end(cr_db *db, struct cr_list_log *l, const char *error);

/*
 * Disclosures: personal data, or figures drawn from it, leaving casereview
 * (an export, a report).  Two audit events bracket the bytes, so that
 * nothing leaves unrecorded: cr_disclosure_begin commits a "disclosure"
 * event (stage "begin": kind, reason, recipient, format, destination)
 * before the first byte is written, and cr_disclosure_end commits the
 * matching event (stage "end") saying whether every byte went, how many
 * rows and bytes, their BLAKE2b-256 digest and which cases.  A writer that
 * fails or is cut off still ends the disclosure, with complete = false and
 * the reason; one killed outright leaves the begin event alone, which says
 * that the disclosure started and never finished.  A file destination is
 * written under a temporary name and renamed into place only after the end
 * event commits, so the file exists only when its disclosure is recorded.
 */
struct cr_disclosure {
    const char *kind;        /* "export" or "report" */
    const char *reason;      /* why the data is disclosed (required) */
    const char *recipient;   /* who receives it (required) */
    const char *format;      /* csv, json or table */
    const char *destination; /* the file written, or NULL for standard output */
};

/*
 * Record the start of a disclosure (admin only; a reason and a recipient
 * are required), in its own transaction.  *id receives the begin event's
 * id, for cr_disclosure_end.  Returns CR_OK, CR_REFUSED (with the rule),
 * CR_BUSY, CR_DB or CR_NOMEM; on failure nothing may be written out.
 */
enum cr_status cr_disclosure_begin(cr_db *db, const struct cr_disclosure *d, int64_t *id);

struct cr_disclosure_end {
    int complete;           /* nonzero: every byte was written (and, for a file, synced) */
    const char *error;      /* when not complete: what went wrong, for the record */
    int64_t rows;           /* rows (cases, or report lines) written */
    int64_t bytes;          /* bytes written */
    unsigned char digest[32]; /* BLAKE2b-256 of the bytes written */
    const char *cases;      /* the case numbers disclosed, as ranges ("1-40,42"), or NULL */
};

/*
 * Record the end of the disclosure begun as event begin_id, in its own
 * transaction; the event names begin_id.  Returns CR_OK, CR_USAGE (no begin
 * id), CR_REFUSED (nobody signed in), CR_BUSY, CR_DB or CR_NOMEM.
 */
enum cr_status cr_disclosure_end(cr_db *db, int64_t begin_id, const struct cr_disclosure_end *e);

/*
 * Where an export's bytes go: row() writes one case (0 to go on, nonzero
 * when it could not); written(), when not NULL, says how many rows have left
 * whole so far (buffered rows have not), so that only their cases are
 * recorded; finish(), after the last row, flushes and, for a file, syncs,
 * then fills complete, error, rows, bytes and digest of *e with what was
 * actually written (rows: those whose every byte was written).
 */
struct cr_export_sink {
    int (*row)(void *ctx, const struct cr_case_row *r);
    int64_t (*written)(void *ctx);
    void (*finish)(void *ctx, struct cr_disclosure_end *e);
    void *ctx;
};

/*
 * Export every case and its outcome, riskiest first: a disclosure (admin
 * only; see cr_disclosure_begin), d->kind "export".  The begin event commits
 * before the first row; the rows are read from one read snapshot (no write
 * lock is held while they are written, however slowly); the end event
 * records whether every byte went, the rows, the bytes, their digest and the
 * case numbers as ranges (those of the rows that left whole; without a
 * written() callback, every row handed to the writer).  *rows is the count
 * written.  Returns CR_OK when
 * the export is complete and recorded; CR_INVALID when the writer failed
 * (the end event says so, complete false, with the reason); else the
 * failure of the database (CR_REFUSED, CR_BUSY, CR_DB, CR_NOMEM).
 */
enum cr_status cr_export(cr_db *db, const struct cr_disclosure *d,
                         const struct cr_export_sink *sink, int64_t *rows);

/*
 * Check the audit trail (admin only): recompute its hash chain (keyed with
 * the audit key beside the database), then replay its events and compare
 * every case's row, decisions, approvals, votes and notes with what the
 * trail says.  CR_OK with *events the number checked, or CR_INVALID with
 * cr_db_errmsg() naming the first event that does not match, or the first
 * case whose rows differ and what differs ("audit: case 12: the cases table
 * says outcome nfa, the trail says refer (event 345)"); CR_DB when the
 * audit key is missing.
 */
enum cr_status cr_audit_verify(cr_db *db, int64_t *events);

/* A head of the chain: an event and its hash (64 hex digits), for keeping elsewhere. */
struct cr_audit_head {
    int64_t event; /* also the number of events up to it; 0: kept without it (any event) */
    char hash[65];
};

/*
 * The same, also checking that each kept head is still in the chain: its
 * event there, with that hash.  A cut or re-written trail fails naming the
 * head.
 */
enum cr_status cr_audit_verify_heads(cr_db *db, const struct cr_audit_head *kept, size_t n_kept,
                                     int64_t *events);

/* The chain's head now (admin only); event 0 when the trail is empty. */
enum cr_status cr_audit_head(cr_db *db, struct cr_audit_head *out);

/*
 * Parse "ID:HEX" (as `audit head` prints it), or "HEX:COUNT" or "HEX" (the
 * hash first, then the number of events, which is the head's event; without
 * it the hash may be any event's).  0, or -1 when it is not one.
 */
int cr_audit_head_parse(const char *s, struct cr_audit_head *out);

/* Which events `audit log` gives: each field unset (0 or NULL) matches all. */
struct cr_audit_filter {
    int64_t case_id;
    const char *actor;
    const char *action;
    int64_t since, until; /* at >= since, at < until; seconds since the epoch */
};

/*
 * The audit trail's events matching f, oldest first, for the admin only,
 * read in keyset pages; the reading is itself recorded first, as a "view"
 * event (a consultation) with the filter in its details.  each() returns 0
 * to go on.  *n is the number of events given.
 */
enum cr_status cr_audit_log(cr_db *db, const struct cr_audit_filter *f,
                            int (*each)(void *ctx, const struct cr_event *e), void *ctx,
                            int64_t *n);

/*
 * The session's purpose (DPA 2018 s.62), recorded with every audit event the
 * handle writes from now on.  Call after cr_db_set_user.  With
 * audit.purposes in the configuration it must be one of them (CR_USAGE
 * with the list otherwise); a blank purpose clears it.  With
 * audit.require_purpose, a consultation (a view of a case, of its history,
 * of the audit log) without one is refused.
 */
enum cr_status cr_db_set_purpose(cr_db *db, const char *purpose);
const char *cr_db_purpose(const cr_db *db);

/*
 * Whether the handle opened a read-only copy (a file nobody may write, or
 * one this user or its directory cannot write): it is read as it is, never
 * migrated; every change is refused (CR_DB, saying so), and consultations
 * go unrecorded: cr_db_unrecorded counts the events that could not be
 * written, so that the caller can say so.
 */
int cr_db_read_only(const cr_db *db);
int64_t cr_db_unrecorded(const cr_db *db);

/*
 * The figures: cases and people (distinct subjects: a subject can have
 * several cases) in each stage of enum cr_stage, and of those the outcome
 * refer with a vetting review.  The one count that `report`, `stats` and the
 * dashboard all show, so that they cannot disagree.
 */
struct cr_figures {
    int64_t cases[CR_STAGE_COUNT];
    int64_t persons[CR_STAGE_COUNT];
    int64_t vetting_cases[CR_STAGE_COUNT];   /* refer with vetting_review */
    int64_t vetting_persons[CR_STAGE_COUNT];
    int64_t total_cases;
    int64_t total_persons; /* distinct subjects: not the sum of the stages */
};

/* What a report counts. */
struct cr_report_query {
    size_t n_by;                 /* 0: one row, the totals */
    int by[CR_DIMENSION_COUNT];  /* enum cr_dimension, each at most once, in order */
    const char *as_at;           /* YYYY-MM-DD: as things stood at the end of that day (UTC); NULL: now */
};

/*
 * One group of a report: the value of each `by` dimension, in the query's
 * order (outcome: an outcome's name, or "none" when not decided; category:
 * domestic_violence, sexual_offence or both).
 */
struct cr_report_row {
    const char *key[CR_DIMENSION_COUNT];
    struct cr_figures f;
};

struct cr_report {
    size_t n_by;
    int by[CR_DIMENSION_COUNT];
    int64_t as_at;      /* the first second after the day asked for, or 0 for now */
    int scanned;        /* 1: counted by reading every case; 0: from maintained counters */
    struct cr_figures total;
    size_t n_rows;      /* groups with at least one case, in order of their keys */
    struct cr_report_row *rows;
    void *priv;
};

/*
 * Count the figures.  With no breakdown, or one by outcome alone, and no
 * as_at, they come from maintained counters; a breakdown by anything else,
 * or as_at, reads every case (and as_at replays the audit trail).  Reads
 * one snapshot.  Returns CR_OK, CR_USAGE (a bad date or dimension, with a
 * message), CR_DB, CR_BUSY or CR_NOMEM.  Free with cr_report_free; on
 * failure *out is empty and may still be freed.
 */
enum cr_status cr_report_get(cr_db *db, const struct cr_report_query *q, struct cr_report *out);
void cr_report_free(struct cr_report *r);

/* Counts for the dashboard and `stats`, from maintained counters. */
struct cr_stats {
    int64_t cases;
    int64_t by_state[CR_STATE_COUNT];
    /* Figures by the current decision's outcome; last: not decided yet. */
    struct cr_figures by_outcome[CR_OUTCOME_COUNT + 1];
    struct cr_figures figures;                /* all outcomes */
    int64_t by_category[CR_CATEGORY_COUNT];   /* cases with an allegation of it */
    int64_t both_categories;                  /* cases with both */
    int64_t allegations;
    int64_t allegations_by_category[CR_CATEGORY_COUNT];
    int64_t subjects;
};

/* Fill *out, from one snapshot.  Returns CR_OK, CR_DB, CR_BUSY or CR_NOMEM. */
enum cr_status cr_stats_get(cr_db *db, struct cr_stats *out);

/* The dashboard: what a supervisor asks at a glance (SPEC section 9). */
#define CR_DASHBOARD_WEEKS 12

struct cr_reviewer_mix {
    const char *login;
    int64_t by_outcome[CR_OUTCOME_COUNT]; /* current decisions of their cases */
    int64_t decided;
    int64_t panel_rounds;   /* rounds on their decisions that the panel finished */
    int64_t panel_returned; /* of which the panel returned: dissent per round */
};

struct cr_dashboard {
    struct cr_stats stats;
    int64_t overdue[CR_STATE_COUNT]; /* past sla_days in that state (none for closed) */
    int64_t decisions_per_week[CR_DASHBOARD_WEEKS]; /* first decisions, oldest week first */
    int64_t week_start;       /* start of the oldest week shown */
    int64_t undecided;        /* cases with no decision yet */
    double rate;              /* first decisions a week over the last four weeks */
    int64_t backlog_clears;   /* when the undecided cases are done at that rate, or 0 */
    int64_t panel_rounds;     /* every round the panel finished */
    int64_t panel_returned;   /* of which it returned */
    int reviewers_shown;      /* 0: the per-reviewer figures are not for this user */
    size_t n_reviewers;       /* supervisors and the admin see every reviewer, a reviewer themself */
    struct cr_reviewer_mix *reviewers;
    void *priv;
};

/*
 * Fill *out for the handle's configuration (sla_days), user and now, from
 * one snapshot: any failure to read is an error, never a partial result.
 * Free with cr_dashboard_free (also after a failure).
 */
enum cr_status cr_dashboard_get(cr_db *db, struct cr_dashboard *out);
void cr_dashboard_free(struct cr_dashboard *d);

/*
 * Write one CSV field to f, quoted when it holds a comma, a quote, a line
 * break or leading or trailing white space (quotes doubled).  Returns 0, or
 * -1 when the stream failed.
 */
int cr_csv_write_field(FILE *f, const char *s);

/*
 * Write s to f as a JSON string, with its quotes; control characters are
 * escaped.  Returns 0, or -1 when the stream failed.
 */
int cr_json_write_string(FILE *f, const char *s);

/* Days since 1970-01-01 as YYYY-MM-DD (proleptic Gregorian calendar). */
void cr_date_format(int64_t days, char out[11]);

/* Seconds since the epoch as YYYY-MM-DDTHH:MM:SSZ. */
void cr_time_format(int64_t t, char out[21]);

/* The priority of SPEC section 2 (documented in README). */
int64_t cr_priority(int duty, int n_allegations, int n_sexual, const char *latest_date);

#ifdef __cplusplus
}
#endif

#endif
