/*
 * casereview: what happened after the decision (issue 13, items 2 and 3).
 *
 * A follow-up records a result that came after a decision was approved:
 * risk management started or ended, a reassessment, a vetting review's
 * outcome, an appeal's, or that the subject left the force.  It never
 * changes the decision or the case's state.  A reopen starts a new round on
 * a closed case (an appeal upheld, a court ruling, new evidence): the case
 * goes back to flagged, its history kept.
 */
#ifndef CASEREVIEW_INCLUDE_FOLLOWUP_H
#define CASEREVIEW_INCLUDE_FOLLOWUP_H

#include <casereview/cases.h>
#include <casereview/db.h>
#include <casereview/status.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The stages a follow-up is of: identifier, stored name, label. */
#define CR_FOLLOWUP_STAGE_LIST(_)                            \
    _(RISK_MANAGEMENT, "risk_management", "Risk management") \
    _(REASSESSMENT, "reassessment", "Reassessment")          \
    _(VETTING, "vetting", "Vetting")                         \
    _(APPEAL, "appeal", "Appeal")                            \
    _(LEFT, "left", "Left the force")

enum cr_followup_stage {
#define CR_FOLLOWUP_STAGE_ENUM(id, name, label) CR_FOLLOWUP_##id,
    CR_FOLLOWUP_STAGE_LIST(CR_FOLLOWUP_STAGE_ENUM)
#undef CR_FOLLOWUP_STAGE_ENUM
        CR_FOLLOWUP_STAGE_COUNT
};

/* The most results any stage has (cr_followup_result_name). */
#define CR_FOLLOWUP_RESULT_MAX 3

/* A stage's stored name or label (NULL out of range); its number from a name, or -1. */
const char *cr_followup_stage_name(int stage);
const char *cr_followup_stage_label(int stage);
int cr_followup_stage_parse(const char *s);
/*
 * The controlled words of a stage's results, so that they can be counted:
 * how many (0 for no such stage), the i-th (NULL past the last), the number
 * of a word (-1 when it is not one of the stage's), and all of them as
 * "a, b or c" (a static string, for messages and help).
 */
size_t cr_followup_result_count(int stage);
const char *cr_followup_result_name(int stage, size_t i);
int cr_followup_result_parse(int stage, const char *s);
const char *cr_followup_results_text(int stage);

/* One follow-up as recorded. */
struct cr_followup {
    int64_t id;
    int64_t case_id;
    int stage;               /* enum cr_followup_stage */
    const char *result;      /* one of the stage's words */
    const char *date;        /* YYYY-MM-DD: when it happened */
    const char *detail;      /* free text, whole, or NULL */
    const char *recorded_by; /* the login who recorded it */
    int64_t recorded_at;     /* seconds since the epoch */
};

/* A case's follow-ups in the order recorded; free with cr_followup_list_free. */
struct cr_followup_list {
    size_t n;
    struct cr_followup *v;
    void *priv;
};
void cr_followup_list_free(struct cr_followup_list *l);

/* What a follow-up asks for: stage (enum), result word, date YYYY-MM-DD, detail (or NULL). */
struct cr_followup_request {
    int stage;
    const char *result;
    const char *date;
    const char *detail;
};

/*
 * Record a follow-up on the case named by key (cr_case_free names the keys)
 * as the handle's user, in one transaction with its audit event
 * ("follow_up"); the case's state, decision and version stay as they are.
 * The user must be a supervisor or an admin who may see the case, the case
 * approved (panel_review) or closed, the result one of the stage's words,
 * the date a real YYYY-MM-DD neither after today (the injected clock) nor
 * before the day the case was flagged.  res->case_id is the case; the rest
 * of res says its state, unchanged.  Returns CR_OK; CR_REFUSED (who or
 * which case) or CR_USAGE (a bad stage, result or date), with the message;
 * CR_NOT_FOUND, CR_DB, CR_BUSY or CR_NOMEM.  Nothing is written unless CR_OK.
 */
enum cr_status cr_followup_add(cr_db *db, const char *key, const struct cr_followup_request *req,
                               struct cr_act_result *res);
enum cr_status cr_followup_add_id(cr_db *db, int64_t case_id, const struct cr_followup_request *req,
                                  struct cr_act_result *res);

/*
 * The follow-ups of case case_id, for a user who may see the case (the
 * case's view, cr_case_view, is what is audited; this read is part of it).
 * Fills *out (free with cr_followup_list_free, also on failure).  Returns
 * CR_OK; CR_REFUSED when the user may not see the case; CR_NOT_FOUND,
 * CR_DB, CR_NOMEM.
 */
enum cr_status cr_followups_get_id(cr_db *db, int64_t case_id, struct cr_followup_list *out);

/*
 * Start a new round on the closed case named by key, as the handle's user
 * (a supervisor or an admin who may see the case, and who neither decided
 * nor approved any of its decisions): the case goes back to flagged with
 * nobody assigned, its decisions, approvals, votes and notes kept; the
 * next decision is a new round, and every rule (separation of duties
 * across rounds, the panel's rules for its outcome) applies to it as to any
 * round.  The reason (required) is kept in a note and the audit event
 * ("reopen"); those concerned get a notice.  expect_version as
 * cr_request's (0: the current).  Returns CR_OK; CR_REFUSED with the
 * rule's words; CR_NOT_FOUND, CR_DB, CR_BUSY or CR_NOMEM.
 */
enum cr_status cr_case_reopen(cr_db *db, const char *key, const char *reason,
                              int64_t expect_version, struct cr_act_result *res);
enum cr_status cr_case_reopen_id(cr_db *db, int64_t case_id, const char *reason,
                                 int64_t expect_version, struct cr_act_result *res);

/* What the user may do after the decision on a case now (cr_after_allowed_id). */
enum { CR_AFTER_FOLLOWUP = 1, CR_AFTER_REOPEN = 2 };

/*
 * Which of follow-up and reopen the handle's user may do on case case_id
 * now, as bits of CR_AFTER_*, in *allowed (for a screen to offer only
 * those); nothing is written.  Returns CR_OK, or CR_NOT_FOUND, CR_DB,
 * CR_NOMEM.
 */
enum cr_status cr_after_allowed_id(cr_db *db, int64_t case_id, unsigned *allowed);

/*
 * Whether the handle's user may do what (CR_AFTER_FOLLOWUP or
 * CR_AFTER_REOPEN) on case case_id now: CR_OK, or CR_REFUSED with the
 * rule's words (those the action itself would give); nothing is written.
 * Also CR_NOT_FOUND, CR_DB, CR_NOMEM.
 */
enum cr_status cr_after_check_id(cr_db *db, int64_t case_id, unsigned what);

/*
 * The follow-ups counted for the figures: each case once per stage, by its
 * latest result (the latest date, then the latest recorded), among those
 * recorded before second before (0: all).  n[stage][i] counts the cases
 * whose latest result of stage is the stage's i-th word; cases[stage] all
 * the cases with one of that stage.
 */
struct cr_followup_counts {
    int64_t n[CR_FOLLOWUP_STAGE_COUNT][CR_FOLLOWUP_RESULT_MAX];
    int64_t cases[CR_FOLLOWUP_STAGE_COUNT];
};
/* Count them into *out (zeroed first).  Returns CR_OK, CR_DB or CR_NOMEM. */
enum cr_status cr_followup_counts_get(cr_db *db, int64_t before, struct cr_followup_counts *out);

#ifdef __cplusplus
}
#endif

#endif
