/*
 * casereview: quality assurance (issue 13, item 4; README "Quality
 * assurance").
 *
 * Approved decisions are sampled at approval, deterministically, by the
 * configuration's `qa:` section (core/qa.c); a second reviewer who has not
 * seen the decision records agree or disagree with a reason; the figures
 * (`report --qa`) give agreement rates, the panel's returns per round and
 * the NFA rate on sexual-offence cases.
 */
#ifndef CASEREVIEW_INCLUDE_QA_H
#define CASEREVIEW_INCLUDE_QA_H

#include <casereview/cases.h>
#include <casereview/db.h>
#include <casereview/names.h>
#include <casereview/status.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One decision selected for quality review (a row of the qa table): the
 * case and round, who decided and approved it, its outcome, why it was
 * selected ("sample": its draw fell under sample_percent; "minimum": its
 * reviewer had fewer than min_per_reviewer selected), the draw (0-9999),
 * the configuration it was selected under, and the verdict once recorded
 * (qa_by NULL until then).  categories: CR_CATMASK_* bits of the case's
 * allegations (read with the row, for the figures).
 */
struct cr_qa_row {
    int64_t case_id;
    int round;
    const char *decider, *approver;
    int outcome; /* enum cr_outcome */
    const char *reason;
    int draw;
    const char *config_digest;
    int64_t selected_at;
    const char *qa_by;     /* NULL: waiting for quality review */
    const char *verdict;   /* "agree" or "disagree", or NULL */
    const char *qa_reason; /* the QA reviewer's reasons, or NULL */
    int64_t qa_at;
    unsigned categories;
};

/* Rows of the qa table, owned by priv (free with cr_qa_list_free). */
struct cr_qa_list {
    size_t n;
    struct cr_qa_row *rows;
    void *priv;
};
void cr_qa_list_free(struct cr_qa_list *l);

/*
 * The draw of a case's decision of round `round` under `seed`: the first
 * eight bytes of BLAKE2b-256 over "SEED\nCASE\nROUND" (decimal numbers),
 * read big-endian, modulo 10000.  The decision is sampled when the draw is
 * below sample_percent * 100.  Pure: the same everywhere, for the replay.
 */
int cr_qa_draw(const char *seed, int64_t case_id, int round);

/*
 * The decisions waiting for a quality review that the handle's user may
 * give (not theirs, not approved or voted on by them, not seen by them),
 * oldest selection first, into *out (free with cr_qa_list_free).  Refused
 * (CR_REFUSED, with the message) for a user who may not review for
 * quality.  Nothing is recorded: the list shows no decision's outcome.
 */
enum cr_status cr_qa_waiting(cr_db *db, struct cr_qa_list *out);

/*
 * How many decisions wait for the user's quality review (the landing
 * view's count), at most cap; 0 for a user who may not review for quality.
 */
enum cr_status cr_qa_waiting_count(cr_db *db, int64_t cap, int64_t *n);

/*
 * The blind view of case key for its quality review: the case as
 * cr_case_view gives it (the view audited, {"view": "qa"}), but with
 * the decision under review withheld (outcome, vetting review, rationale,
 * who decided and when, approval, votes and notes), and *row_out the one QA row waiting (free it
 * with cr_qa_list_free).  Refused unless the user may review that decision
 * now (cr_qa_record's rules).
 */
enum cr_status cr_qa_view(cr_db *db, const char *key, struct cr_case *out,
                          struct cr_qa_list *row_out);
/* The same for the case numbered case_id (the workstation's case screen). */
enum cr_status cr_qa_view_id(cr_db *db, int64_t case_id, struct cr_case *out,
                             struct cr_qa_list *row_out);

/*
 * *yes: the user may review case case_id's decision for quality now (one
 * waits, and cr_qa_record's rules let them), *round the decision's: the
 * workstation then opens the case blind (cr_qa_view_id).  When *yes is
 * false the handle's message says why (CR_OK all the same).  Nothing is
 * recorded.
 */
enum cr_status cr_qa_may_review_id(cr_db *db, int64_t case_id, bool *yes, int *round);

/*
 * *case_id: the case key names when its decision waits for the user's
 * quality review (cr_qa_may_review_id), else 0: the workstation's jump then
 * opens it blind instead of viewing it.  Nothing is recorded.
 */
enum cr_status cr_qa_blind_case(cr_db *db, const char *key, int64_t *case_id);

/*
 * Record the user's quality review of case key's decision waiting for
 * one: agree or disagree, with a reason (required), audited ("qa").
 * Refused (CR_REFUSED) for the decider, the approver, a panel member who
 * voted on it, anyone who has seen it since it was decided (a view, a
 * note), and anyone qa.reviewers does not list (or, without the list, who
 * neither reviews nor supervises); CR_NOT_FOUND when nothing waits.
 * res->case_id is the case, res->version its version (unchanged).
 */
enum cr_status cr_qa_record(cr_db *db, const char *key, bool agree, const char *reason,
                            struct cr_act_result *res);
/* The same for the case numbered case_id. */
enum cr_status cr_qa_record_id(cr_db *db, int64_t case_id, bool agree, const char *reason,
                               struct cr_act_result *res);

/* The figures of `report --qa` (cr_qa_report). */
struct cr_qa_rate {
    const char *name; /* a reviewer's login, a category's name; owned by the report */
    int64_t reviewed, agreed;
};
struct cr_qa_round {
    int round;
    int64_t to_panel, returned; /* decisions of the round sent to the panel; of them returned */
};
struct cr_qa_nfa {
    const char *login;    /* NULL: the team */
    int64_t decided, nfa; /* approved decisions on sexual-offence cases; of them nfa */
};
struct cr_qa_report {
    int64_t selected, reviewed, agreed; /* all QA rows, and with a verdict */
    size_t n_reviewers;
    struct cr_qa_rate *reviewers; /* agreement with each decider's decisions, by login */
    size_t n_categories;
    struct cr_qa_rate *categories; /* by category of the case's allegations (each counts) */
    size_t n_rounds;
    struct cr_qa_round *rounds; /* by round */
    struct cr_qa_nfa team;
    size_t n_nfa;
    struct cr_qa_nfa *nfa; /* each reviewer's, by login */
    void *priv;
};

/*
 * The quality figures, for a supervisor or the admin: per reviewer and per
 * category the agreement rate of the reviewed QA rows; per round the
 * decisions approved for the panel and those it returned (from the audit
 * trail's approve and vote events); each reviewer's NFA rate on approved
 * decisions of sexual-offence cases against the team's.  Fills *out (free
 * with cr_qa_report_free).  Nothing is recorded here: the caller brackets
 * it as a disclosure (as `report` does).
 */
enum cr_status cr_qa_report(cr_db *db, struct cr_qa_report *out);
void cr_qa_report_free(struct cr_qa_report *r);

#ifdef __cplusplus
}
#endif

#endif
