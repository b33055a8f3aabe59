/*
 * What happened after the decision, in core (followup.h): cr_followup_add
 * (its refusals and bad input, nothing written; the case untouched),
 * cr_followups_get_id (need-to-know), cr_followup_counts_get (each case
 * once a stage, by its latest result; as at a time), cr_case_reopen (its
 * refusals; the case back to flagged, a new round under the usual rules)
 * and cr_after_allowed_id.  Engine-neutral: public calls only, so that it
 * runs against every engine (tests/meson.build: 'followup' and 'followup
 * memory').
 */
#include "internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define T0 1767225600 /* 2026-01-01T00:00:00Z, when the cases are flagged */
#define DAY 86400

static int64_t now = T0;

static int64_t
test_clock(void *ctx)
{
    (void)ctx;
    return now;
}

static struct cr_config *cfg;
static cr_db *db;
static char dir[64];

static void
as(const char *login)
{
    const struct cr_person *p = cr_config_person(cfg, login);
    if (!p)
        fail_msg("no %s on the roster", login);
    cr_db_set_user(db, cfg, p);
}

static void
step(const char *login, int64_t id, struct cr_request req)
{
    as(login);
    struct cr_act_result res;
    if (cr_act_id(db, id, &req, &res) != CR_OK)
        fail_msg("setup: %s %s %lld: %s", login, cr_action_name(req.action), (long long)id,
                 cr_db_errmsg(db));
}

static const struct cr_request claim = {.action = CR_ACTION_CLAIM};
static const struct cr_request reassess = {
    .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REASSESS, .rationale = "Reassess."};
static const struct cr_request refer = {
    .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REFER, .rationale = "Refer."};
static const struct cr_request approve = {.action = CR_ACTION_APPROVE};

/*
 * good.yaml's roster (reassess needs no panel; refer goes to the panel).
 * Case 1: reassess by asmith, approved by bjones: closed.  Case 2: refer by
 * asmith, approved by bjones: panel_review.  Case 3: flagged.  The clock
 * then stands at 2026-02-01.
 */
static int
setup(void **state)
{
    (void)state;
    now = T0;
    snprintf(dir, sizeof dir, "/tmp/test_followup.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    char path[160];
    snprintf(path, sizeof path, "%s/f.db", dir);
    if (cr_db_open(path, CR_OPEN_CREATE, test_clock, NULL, &db) != CR_OK)
        return -1;
    as("cadmin");
    static const char csv[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "F1,Ashgrove,Tom,officer,PC,Central,full,C1,domestic_violence,2019-01-01,complaint,NFA,"
        "one\n"
        "F2,Birch,Ann,officer,PC,Central,full,C2,domestic_violence,2019-01-02,complaint,NFA,two\n"
        "F3,Cole,Ben,officer,PC,North,full,C3,domestic_violence,2019-01-03,complaint,NFA,three\n";
    FILE *in = fmemopen((void *)csv, sizeof csv - 1, "rb");
    struct cr_import_result r;
    if (cr_import_csv(db, in, "f.csv", 0, &r, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    fclose(in);
    step("asmith", 1, claim);
    step("asmith", 1, reassess);
    step("bjones", 1, approve);
    step("asmith", 2, claim);
    step("asmith", 2, refer);
    step("bjones", 2, approve);
    now = T0 + 31 * DAY;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    cr_db_close(db);
    cr_config_free(cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static size_t
followups(int64_t id)
{
    as("cadmin");
    struct cr_followup_list l;
    assert_int_equal(cr_followups_get_id(db, id, &l), CR_OK);
    size_t n = l.n;
    cr_followup_list_free(&l);
    return n;
}

/* Refused with status st and exactly msg, and nothing recorded on case id. */
static void
refused(const char *login, int64_t id, struct cr_followup_request req, enum cr_status st,
        const char *msg)
{
    size_t before = followups(id);
    as(login);
    struct cr_act_result res;
    assert_int_equal(cr_followup_add_id(db, id, &req, &res), st);
    assert_string_equal(cr_db_errmsg(db), msg);
    assert_int_equal(followups(id), before);
}

static void
test_names(void **state)
{
    (void)state;
    assert_int_equal(cr_followup_stage_parse("vetting"), CR_FOLLOWUP_VETTING);
    assert_int_equal(cr_followup_stage_parse("misconduct"), -1);
    assert_string_equal(cr_followup_stage_name(CR_FOLLOWUP_LEFT), "left");
    assert_int_equal(cr_followup_result_count(CR_FOLLOWUP_APPEAL), 3);
    assert_string_equal(cr_followup_result_name(CR_FOLLOWUP_APPEAL, 1), "dismissed");
    assert_null(cr_followup_result_name(CR_FOLLOWUP_APPEAL, 3));
    assert_int_equal(cr_followup_result_parse(CR_FOLLOWUP_VETTING, "pending"), 2);
    assert_int_equal(cr_followup_result_parse(CR_FOLLOWUP_VETTING, "upheld"), -1);
    assert_string_equal(cr_followup_results_text(CR_FOLLOWUP_LEFT),
                        "before_decision or after_decision");
    for (int s = 0; s < CR_FOLLOWUP_STAGE_COUNT; s++)
        assert_true(cr_followup_result_count(s) <= CR_FOLLOWUP_RESULT_MAX);
}

static void
test_followup_add(void **state)
{
    (void)state;
    const char *detail = "Withdrawn after review.\nThe officer was told in writing; a long line "
                         "that goes well past any screen's width to show it is kept whole.";
    as("fkaur");
    struct cr_act_result res;
    const struct cr_followup_request req = {CR_FOLLOWUP_VETTING, "withdrawn", "2026-01-20", detail};
    assert_int_equal(cr_followup_add_id(db, 1, &req, &res), CR_OK);
    assert_int_equal(res.case_id, 1);
    assert_int_equal(res.state_after, CR_STATE_CLOSED);
    struct cr_case c;
    assert_int_equal(cr_case_view_id(db, 1, &c), CR_OK);
    assert_int_equal(c.row.state, CR_STATE_CLOSED);
    assert_int_equal(c.row.outcome, CR_OUTCOME_REASSESS);
    assert_int_equal(c.version, res.version);
    cr_case_free(&c);
    struct cr_followup_list l;
    assert_int_equal(cr_followups_get_id(db, 1, &l), CR_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].stage, CR_FOLLOWUP_VETTING);
    assert_string_equal(l.v[0].result, "withdrawn");
    assert_string_equal(l.v[0].date, "2026-01-20");
    assert_string_equal(l.v[0].detail, detail);
    assert_string_equal(l.v[0].recorded_by, "fkaur");
    assert_int_equal(l.v[0].recorded_at, now);
    cr_followup_list_free(&l);
    /* With the panel is approved too; an admin may; the day it was flagged and today are in. */
    as("cadmin");
    const struct cr_followup_request started = {CR_FOLLOWUP_RISK_MANAGEMENT, "started",
                                                "2026-01-01", NULL};
    assert_int_equal(cr_followup_add_id(db, 2, &started, &res), CR_OK);
    const struct cr_followup_request today = {CR_FOLLOWUP_APPEAL, "pending", "2026-02-01", ""};
    assert_int_equal(cr_followup_add_id(db, 2, &today, &res), CR_OK);
    assert_int_equal(followups(2), 2);
    int64_t events;
    assert_int_equal(cr_audit_verify(db, &events), CR_OK);
}

static void
test_followup_refused(void **state)
{
    (void)state;
    const struct cr_followup_request ok = {CR_FOLLOWUP_VETTING, "pending", "2026-01-20", NULL};
    refused("asmith", 1, ok, CR_REFUSED,
            "follow-up needs the supervisor or admin role; you (asmith) are reviewer");
    refused("mkhan", 2, ok, CR_REFUSED,
            "follow-up needs the supervisor or admin role; you (mkhan) are panel");
    refused("mkhan", 1, ok, CR_REFUSED,
            "case 1 has not been before the panel, and a panel member sees only the cases that "
            "have (need-to-know)");
    refused("bjones", 3, ok, CR_REFUSED,
            "follow-up needs a case whose decision was approved (panel_review or closed); case "
            "3 is flagged");
    struct cr_followup_request bad = ok;
    bad.result = "upheld";
    refused("bjones", 1, bad, CR_USAGE,
            "the result of a vetting follow-up is withdrawn, maintained or pending, not 'upheld'");
    bad = ok;
    bad.stage = CR_FOLLOWUP_STAGE_COUNT;
    refused("bjones", 1, bad, CR_USAGE,
            "a follow-up's stage is risk_management, reassessment, vetting, appeal or left");
    bad = ok;
    bad.date = "20-01-2026";
    refused("bjones", 1, bad, CR_USAGE,
            "a follow-up's date is the day it happened, a real date in the form YYYY-MM-DD, not "
            "'20-01-2026'");
    bad.date = "2026-02-02";
    refused("bjones", 1, bad, CR_USAGE,
            "the date 2026-02-02 is after today (2026-02-01): a follow-up records what has "
            "happened, not what will");
    bad.date = "2025-12-31";
    refused("bjones", 1, bad, CR_USAGE,
            "the date 2025-12-31 is before case 1 was flagged (2026-01-01): a follow-up records "
            "what happened after it");
    /* A panel member may not read another case's follow-ups either. */
    as("mkhan");
    struct cr_followup_list l;
    assert_int_equal(cr_followups_get_id(db, 1, &l), CR_REFUSED);
    cr_followup_list_free(&l);
}

static void
add(const char *login, int64_t id, int stage, const char *result, const char *date)
{
    as(login);
    struct cr_act_result res;
    const struct cr_followup_request req = {stage, result, date, NULL};
    if (cr_followup_add_id(db, id, &req, &res) != CR_OK)
        fail_msg("%s: %s", result, cr_db_errmsg(db));
}

static void
test_counts(void **state)
{
    (void)state;
    add("bjones", 1, CR_FOLLOWUP_VETTING, "pending", "2026-01-10");
    add("bjones", 1, CR_FOLLOWUP_VETTING, "withdrawn", "2026-01-25");
    add("bjones", 2, CR_FOLLOWUP_VETTING, "maintained", "2026-01-25");
    add("bjones", 2, CR_FOLLOWUP_VETTING, "pending", "2026-01-05"); /* earlier: not the latest */
    add("bjones", 1, CR_FOLLOWUP_LEFT, "before_decision", "2026-01-30");
    now += DAY;
    add("bjones", 2, CR_FOLLOWUP_VETTING, "withdrawn", "2026-01-25"); /* same day, recorded later */
    struct cr_followup_counts c;
    assert_int_equal(cr_followup_counts_get(db, 0, &c), CR_OK);
    assert_int_equal(c.cases[CR_FOLLOWUP_VETTING], 2);
    assert_int_equal(c.n[CR_FOLLOWUP_VETTING][0], 2); /* withdrawn: both */
    assert_int_equal(c.n[CR_FOLLOWUP_VETTING][1], 0);
    assert_int_equal(c.n[CR_FOLLOWUP_VETTING][2], 0);
    assert_int_equal(c.cases[CR_FOLLOWUP_LEFT], 1);
    assert_int_equal(c.n[CR_FOLLOWUP_LEFT][0], 1);
    assert_int_equal(c.cases[CR_FOLLOWUP_APPEAL], 0);
    /* As they stood before the last was recorded: case 2's latest was maintained. */
    assert_int_equal(cr_followup_counts_get(db, now, &c), CR_OK);
    assert_int_equal(c.n[CR_FOLLOWUP_VETTING][0], 1);
    assert_int_equal(c.n[CR_FOLLOWUP_VETTING][1], 1);
}

static void
reopen_refused(const char *login, int64_t id, const char *reason, const char *msg)
{
    as(login);
    struct cr_act_result res;
    struct cr_case c;
    as("cadmin");
    assert_int_equal(cr_case_view_id(db, id, &c), CR_OK);
    int64_t version = c.version;
    int state = c.row.state;
    cr_case_free(&c);
    as(login);
    assert_int_equal(cr_case_reopen_id(db, id, reason, 0, &res), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), msg);
    as("cadmin");
    assert_int_equal(cr_case_view_id(db, id, &c), CR_OK);
    assert_int_equal(c.version, version);
    assert_int_equal(c.row.state, state);
    cr_case_free(&c);
}

static void
test_reopen(void **state)
{
    (void)state;
    reopen_refused("fkaur", 2, "Appeal",
                   "reopen needs a case that is closed; case 2 is panel_review");
    reopen_refused("fkaur", 3, "Appeal", "reopen needs a case that is closed; case 3 is flagged");
    reopen_refused("asmith", 1, "Appeal",
                   "reopen needs the supervisor or admin role; you (asmith) are reviewer");
    reopen_refused("bjones", 1, "Appeal",
                   "you (bjones) approved decision 1 of case 1, so you cannot reopen it "
                   "(separation of duties, across rounds)");
    reopen_refused("fkaur", 1, " ",
                   "reopen needs a reason: why case 1 is decided again (an appeal, a court "
                   "ruling, new evidence)");
    unsigned allowed;
    as("fkaur");
    assert_int_equal(cr_after_allowed_id(db, 1, &allowed), CR_OK);
    assert_int_equal(allowed, CR_AFTER_FOLLOWUP | CR_AFTER_REOPEN);
    as("bjones");
    assert_int_equal(cr_after_allowed_id(db, 1, &allowed), CR_OK);
    assert_int_equal(allowed, CR_AFTER_FOLLOWUP);
    as("asmith");
    assert_int_equal(cr_after_allowed_id(db, 1, &allowed), CR_OK);
    assert_int_equal(allowed, 0);

    as("fkaur");
    struct cr_act_result res;
    assert_int_equal(cr_case_reopen_id(db, 1, "Appeal upheld.", 0, &res), CR_OK);
    assert_int_equal(res.state_before, CR_STATE_CLOSED);
    assert_int_equal(res.state_after, CR_STATE_FLAGGED);
    struct cr_case c;
    assert_int_equal(cr_case_view_id(db, 1, &c), CR_OK);
    assert_int_equal(c.row.state, CR_STATE_FLAGGED);
    assert_null(c.row.assignee);
    assert_int_equal(c.round, 1);
    assert_int_equal(c.version, res.version);
    assert_string_equal(c.notes[c.n_notes - 1].body,
                        "Reopened for a new round; decision 1 no longer stands: Appeal upheld.");
    assert_string_equal(c.notes[c.n_notes - 1].author, "fkaur");
    cr_case_free(&c);
    /* A new round: claimed, decided (decision 2), approved, closed again. */
    step("asmith", 1, claim);
    step("asmith", 1, refer);
    as("asmith");
    assert_int_equal(cr_case_view_id(db, 1, &c), CR_OK);
    assert_int_equal(c.round, 2);
    assert_null(c.approved_by); /* decision 1's approval does not count for decision 2 */
    cr_case_free(&c);
    step("bjones", 1, approve);
    as("cadmin");
    assert_int_equal(cr_case_view_id(db, 1, &c), CR_OK);
    assert_int_equal(c.row.state, CR_STATE_PANEL_REVIEW); /* refer: the panel's rules apply */
    cr_case_free(&c);
    int64_t events;
    assert_int_equal(cr_audit_verify(db, &events), CR_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_followup_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_followup_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
