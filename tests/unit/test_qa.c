/*
 * Quality assurance in core (core/qa.c): the draw, the selection at
 * approval, the queue, the blind view, the verdict and its refusals, audit
 * verify over the qa rows, and the figures.  Engine-neutral: public calls
 * only, so that it runs against every engine (tests/meson.build: 'qa' and
 * 'qa memory').
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

#define T0 1767225600 /* 2026-01-01T00:00:00Z */

static int64_t
test_clock(void *ctx)
{
    (void)ctx;
    return T0;
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

static const char yaml[] = "users:\n"
                           "  - { login: asmith, roles: [reviewer] }\n"
                           "  - { login: rbrown, roles: [reviewer] }\n"
                           "  - { login: qkim, roles: [reviewer] }\n"
                           "  - { login: bjones, roles: [supervisor] }\n"
                           "  - { login: cadmin, roles: [admin] }\n"
                           "panel:\n"
                           "  members:\n"
                           "    - { login: mkhan, kind: independent }\n"
                           "  sign_off: { concur: 1, dissent: 1 }\n"
                           "  outcomes:\n"
                           "    nfa: { panel: false }\n"
                           "    reassess: { panel: false }\n"
                           "    refer: { panel: false }\n"
                           "qa:\n"
                           "  sample_percent: 30\n"
                           "  seed: 2026\n";

/*
 * Six cases: asmith decides 1-3, rbrown 4-6, all nfa, bjones approves
 * them.  Seed 2026's round-1 draws (tests/cli/qa.sh works them out): 6757,
 * 978, 7824, 1871, 7678, 3972, so cases 2 and 4 are selected.
 */
static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_qa.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char path[160];
    snprintf(path, sizeof path, "%s/qa.yaml", dir);
    FILE *y = fopen(path, "w");
    if (!y || fputs(yaml, y) < 0 || fclose(y) != 0)
        return -1;
    cr_diags *d = NULL;
    if (cr_config_load(path, &cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    snprintf(path, sizeof path, "%s/q.db", dir);
    if (cr_db_open(path, CR_OPEN_CREATE, test_clock, NULL, &db) != CR_OK)
        return -1;
    as("cadmin");
    static const char csv[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "Q1,A,T,officer,PC,U,full,C1,domestic_violence,2019-01-01,complaint,NFA,one\n"
        "Q2,B,T,officer,PC,U,full,C2,sexual_offence,2019-01-02,complaint,NFA,two\n"
        "Q3,C,T,officer,PC,U,full,C3,domestic_violence,2019-01-03,complaint,NFA,three\n"
        "Q4,D,T,officer,PC,U,full,C4,sexual_offence,2019-01-04,complaint,NFA,four\n"
        "Q5,E,T,officer,PC,U,full,C5,domestic_violence,2019-01-05,complaint,NFA,five\n"
        "Q6,F,T,officer,PC,U,full,C6,sexual_offence,2019-01-06,complaint,NFA,six\n";
    FILE *in = fmemopen((void *)csv, sizeof csv - 1, "rb");
    struct cr_import_result r;
    if (cr_import_csv(db, in, "q.csv", 0, &r, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    fclose(in);
    const struct cr_request claim = {.action = CR_ACTION_CLAIM};
    const struct cr_request nfa = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_NFA, .rationale = "No case to answer."};
    const struct cr_request approve = {.action = CR_ACTION_APPROVE};
    for (int64_t id = 1; id <= 6; id++) {
        const char *who = id <= 3 ? "asmith" : "rbrown";
        step(who, id, claim);
        step(who, id, nfa);
        step("bjones", id, approve);
    }
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

static void
test_draw(void **state)
{
    (void)state;
    assert_int_equal(cr_qa_draw("2026", 1, 1), 6757);
    assert_int_equal(cr_qa_draw("2026", 2, 1), 978);
    assert_int_equal(cr_qa_draw("2026", 5, 2), 2424);
}

static void
test_selected_and_waiting(void **state)
{
    (void)state;
    struct cr_qa_list l;
    as("qkim");
    assert_int_equal(cr_qa_waiting(db, &l), CR_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.rows[0].case_id, 2);
    assert_int_equal(l.rows[0].draw, 978);
    assert_string_equal(l.rows[0].reason, "sample");
    assert_string_equal(l.rows[0].decider, "asmith");
    assert_string_equal(l.rows[0].approver, "bjones");
    assert_int_equal(l.rows[1].case_id, 4);
    cr_qa_list_free(&l);
    /* asmith is not offered their own decision. */
    as("asmith");
    assert_int_equal(cr_qa_waiting(db, &l), CR_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.rows[0].case_id, 4);
    cr_qa_list_free(&l);
    int64_t n;
    assert_int_equal(cr_qa_waiting_count(db, 10, &n), CR_OK);
    assert_int_equal(n, 1);
    /* The admin may not review for quality. */
    as("cadmin");
    assert_int_equal(cr_qa_waiting(db, &l), CR_REFUSED);
    cr_qa_list_free(&l);
}

static void
test_refusals(void **state)
{
    (void)state;
    struct cr_act_result res;
    as("asmith");
    assert_int_equal(cr_qa_record(db, "2", true, "Fine.", &res), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db),
                        "qa: you (asmith) took decision 1 on case 2, so may not review it for "
                        "quality");
    as("bjones");
    assert_int_equal(cr_qa_record(db, "2", true, "Fine.", &res), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db),
                        "qa: you (bjones) approved decision 1 on case 2, so may not review it for "
                        "quality");
    as("qkim");
    assert_int_equal(cr_qa_record(db, "3", true, "Fine.", &res), CR_NOT_FOUND);
    assert_int_equal(cr_qa_record(db, "2", true, " ", &res), CR_USAGE);
}

static void
test_blind_view_then_verdict(void **state)
{
    (void)state;
    as("qkim");
    struct cr_case c;
    struct cr_qa_list row;
    assert_int_equal(cr_qa_view(db, "2", &c, &row), CR_OK);
    assert_int_equal(c.row.outcome, -1);
    assert_null(c.rationale);
    assert_null(c.approved_by);
    assert_int_equal(c.n_notes, 0);
    assert_int_equal(row.rows[0].round, 1);
    cr_case_free(&c);
    cr_qa_list_free(&row);
    struct cr_act_result res;
    assert_int_equal(cr_qa_record(db, "2", false, "Needs a referral.", &res), CR_OK);
    assert_int_equal(res.case_id, 2);
    assert_int_equal(cr_qa_record(db, "4", true, "Sound.", &res), CR_OK);
    struct cr_qa_list l;
    assert_int_equal(cr_qa_waiting(db, &l), CR_OK);
    assert_int_equal(l.n, 0);
    cr_qa_list_free(&l);
    as("cadmin");
    int64_t events;
    assert_int_equal(cr_audit_verify(db, &events), CR_OK);
    /* The figures: asmith 0 of 1 agreed, rbrown 1 of 1; NFA on sexual offences 3 of 3. */
    as("bjones");
    struct cr_qa_report r;
    assert_int_equal(cr_qa_report(db, &r), CR_OK);
    assert_int_equal(r.selected, 2);
    assert_int_equal(r.reviewed, 2);
    assert_int_equal(r.agreed, 1);
    assert_int_equal(r.n_reviewers, 2);
    assert_string_equal(r.reviewers[0].name, "asmith");
    assert_int_equal(r.reviewers[0].agreed, 0);
    assert_string_equal(r.reviewers[1].name, "rbrown");
    assert_int_equal(r.reviewers[1].agreed, 1);
    assert_int_equal(r.n_categories, 1);
    assert_string_equal(r.categories[0].name, "sexual_offence");
    assert_int_equal(r.team.decided, 3);
    assert_int_equal(r.team.nfa, 3);
    assert_int_equal(r.n_rounds, 0);
    cr_qa_report_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draw),
        cmocka_unit_test_setup_teardown(test_selected_and_waiting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_view_then_verdict, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
