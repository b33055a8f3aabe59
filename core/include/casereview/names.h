/*
 * casereview: the enumerations of the domain model.
 *
 * Each is an X-macro list, defined once with its stored name and its label,
 * from which the enum, cr_E_name, cr_E_label and cr_E_parse all come.
 */
#ifndef CASEREVIEW_INCLUDE_NAMES_H
#define CASEREVIEW_INCLUDE_NAMES_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The enumerations of the domain model: identifier, stored name, label.
 * The stored name is what the database, the CSV import and the command line
 * use; the label is for people.
 */
#define CR_STATE_LIST(_)                                           \
    _(FLAGGED, "flagged", "Flagged")                               \
    _(IN_REVIEW, "in_review", "In review")                         \
    _(AWAITING_APPROVAL, "awaiting_approval", "Awaiting approval") \
    _(PANEL_REVIEW, "panel_review", "Panel review")                \
    _(RETURNED, "returned", "Returned")                            \
    _(CLOSED, "closed", "Closed")

#define CR_OUTCOME_LIST(_)              \
    _(NFA, "nfa", "No further action")  \
    _(REASSESS, "reassess", "Reassess") \
    _(REFER, "refer", "Refer to risk management")

/* Categories have a fourth column: a short name for a narrow column (cr_category_short). */
#define CR_CATEGORY_LIST(_)                                              \
    _(DOMESTIC_VIOLENCE, "domestic_violence", "Domestic violence", "DV") \
    _(SEXUAL_OFFENCE, "sexual_offence", "Sexual offence", "SO")

#define CR_EMPLOYMENT_LIST(_)        \
    _(OFFICER, "officer", "Officer") \
    _(STAFF, "staff", "Staff")       \
    _(SPECIAL, "special", "Special constable")

#define CR_DUTY_LIST(_)                              \
    _(FULL, "full", "Full duties")                   \
    _(RESTRICTED, "restricted", "Restricted duties") \
    _(SUSPENDED, "suspended", "Suspended")

#define CR_VETTING_LIST(_)                          \
    _(CLEARED, "cleared", "Cleared")                \
    _(UNDER_REVIEW, "under_review", "Under review") \
    _(WITHDRAWN, "withdrawn", "Withdrawn")

#define CR_SOURCE_LIST(_)                     \
    _(COMPLAINT, "complaint", "Complaint")    \
    _(HOTLINE, "hotline", "Hotline")          \
    _(COLLEAGUE, "colleague", "Colleague")    \
    _(PND, "pnd", "Police National Database") \
    _(OTHER, "other", "Other")

#define CR_ROLE_LIST(_)                       \
    _(REVIEWER, "reviewer", "Reviewer")       \
    _(SUPERVISOR, "supervisor", "Supervisor") \
    _(ADMIN, "admin", "Admin")                \
    _(PANEL, "panel", "Panel member")

#define CR_KIND_LIST(_)                                 \
    _(INDEPENDENT, "independent", "Independent member") \
    _(LEGAL, "legal", "Legal member")                   \
    _(POLICE, "police", "Police member")

#define CR_SLA_LIST(_)                  \
    _(REVIEW, "review", "Review")       \
    _(APPROVAL, "approval", "Approval") \
    _(PANEL, "panel", "Panel")

#define CR_VOTE_LIST(_)              \
    _(CONCUR, "concur", "Concur")    \
    _(DISSENT, "dissent", "Dissent") \
    _(RECUSE, "recuse", "Recuse")

/* The workflow's actions (SPEC section 3). */
#define CR_ACTION_LIST(_)                            \
    _(CLAIM, "claim", "Claim")                       \
    _(RELEASE, "release", "Release")                 \
    _(ASSIGN, "assign", "Assign")                    \
    _(DECIDE, "decide", "Decide")                    \
    _(APPROVE, "approve", "Approve")                 \
    _(RETURN, "return", "Return")                    \
    _(VOTE, "vote", "Vote")                          \
    _(NOTE, "note", "Note")                          \
    _(RECONVENE, "reconvene", "Reconvene the panel") \
    _(RECALL, "recall", "Recall from the panel")

/*
 * Where a case's outcome stands, for the published figures: confirmed (the
 * case is closed: the panel confirmed the outcome, or it was approved under
 * an outcome with `panel: false`), proposed (awaiting approval), with the
 * panel, returned (the decision must be taken again), or not decided yet.
 */
#define CR_STAGE_LIST(_)                          \
    _(CONFIRMED, "confirmed", "Confirmed")        \
    _(PROPOSED, "proposed", "Proposed")           \
    _(WITH_PANEL, "with_panel", "With the panel") \
    _(RETURNED, "returned", "Returned")           \
    _(UNDECIDED, "undecided", "Not decided")

/* What a report may be broken down by (`report --by`). */
#define CR_DIMENSION_LIST(_)            \
    _(OUTCOME, "outcome", "Outcome")    \
    _(CATEGORY, "category", "Category") \
    _(UNIT, "unit", "Unit")             \
    _(RANK, "rank", "Rank")             \
    _(EMPLOYMENT, "employment", "Employment")

/* Each enumeration: lower-case name, upper-case prefix, list. */
#define CR_ENUMS(_)                               \
    _(state, STATE, CR_STATE_LIST)                \
    _(outcome, OUTCOME, CR_OUTCOME_LIST)          \
    _(category, CATEGORY, CR_CATEGORY_LIST)       \
    _(employment, EMPLOYMENT, CR_EMPLOYMENT_LIST) \
    _(duty, DUTY, CR_DUTY_LIST)                   \
    _(vetting, VETTING, CR_VETTING_LIST)          \
    _(source, SOURCE, CR_SOURCE_LIST)             \
    _(role, ROLE, CR_ROLE_LIST)                   \
    _(kind, KIND, CR_KIND_LIST)                   \
    _(sla, SLA, CR_SLA_LIST)                      \
    _(vote, VOTE, CR_VOTE_LIST)                   \
    _(action, ACTION, CR_ACTION_LIST)             \
    _(stage, STAGE, CR_STAGE_LIST)                \
    _(dimension, DIMENSION, CR_DIMENSION_LIST)

#define CR_X(id, name, label) CR_STATE_##id,
enum cr_state { CR_STATE_LIST(CR_X) CR_STATE_COUNT };
#undef CR_X
#define CR_X(id, name, label) CR_OUTCOME_##id,
enum cr_outcome { CR_OUTCOME_LIST(CR_X) CR_OUTCOME_COUNT };
#undef CR_X
#define CR_X(id, name, label, short_name) CR_CATEGORY_##id,
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
#define CR_ENUM_FUNCTIONS(lower, upper, list)  \
    const char *cr_##lower##_name(int value);  \
    const char *cr_##lower##_label(int value); \
    int cr_##lower##_parse(const char *s);
CR_ENUMS(CR_ENUM_FUNCTIONS)
#undef CR_ENUM_FUNCTIONS

/*
 * The short name of a category ("DV", "SO"), for a narrow column such as the
 * queue's and `list`'s CAT; static storage; NULL when value is out of range.
 */
const char *cr_category_short(int value);

/* Category bits of a case: which categories its allegations fall in. */
#define CR_CATMASK_DV (1u << CR_CATEGORY_DOMESTIC_VIOLENCE)
#define CR_CATMASK_SO (1u << CR_CATEGORY_SEXUAL_OFFENCE)

#ifdef __cplusplus
}
#endif

#endif
