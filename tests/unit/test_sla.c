/*
 * Service levels that act, through the core API only, so that it runs on
 * both engines (tests/meson.build): the due time and the overdue filter of
 * a page (keyset paging with it), escalation into what waits for
 * supervisors and the admin, pause and resume (every refusal, the clock
 * standing still, a pause ending by itself, a pause outliving a change of
 * state), and the notice an action leaves for the notify command.
 */
#include "internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define T0 1767225600 /* 2026-01-01T00:00:00Z: the cases are flagged then */
#define DAY 86400

static int64_t now = T0;

static int64_t
clock_fn(void *ctx)
{
    (void)ctx;
    return now;
}

static struct cr_config *cfg, *plain_cfg; /* good.yaml with and without escalate_after_days: 5 */
static char dir[64], path[160];

static struct cr_config *
config_with(const char *extra)
{
    FILE *f = fopen(FIXTURES "/config/good.yaml", "rb");
    assert_non_null(f);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 256, f);
    fclose(f);
    n += (size_t)snprintf(text + n, 256, "%s", extra);
    struct cr_config *c = NULL;
    cr_diags *d = NULL;
    assert_int_equal(cr_config_from_text("good.yaml", text, n, &c, &d), CR_OK);
    cr_diags_free(d);
    return c;
}

static cr_db *
open_as(const char *login)
{
    cr_db *db;
    assert_int_equal(cr_db_open(path, CR_OPEN_CREATE, clock_fn, NULL, &db), CR_OK);
    cr_db_set_user(db, cfg, cr_config_person(cfg, login));
    return db;
}

/* Three flagged cases at T0: S1 (Central West BCU), S2 and S3 (East Area BCU). */
static int
fresh(void **state)
{
    (void)state;
    static const char *const suffix[] = {"", "-wal", "-shm", ".key"};
    for (size_t i = 0; i < 4; i++) {
        char p[200];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
    now = T0;
    cr_db *db = open_as("cadmin");
    static const char csv[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "S1,Ashgrove,Tom,officer,PC,Central West BCU,full,A1,domestic_violence,2019-01-01,"
        "complaint,NFA,one\n"
        "S2,Brackenridge,Ann,officer,PC,East Area BCU,full,A2,sexual_offence,2020-01-01,"
        "hotline,NFA,two\n"
        "S3,Coldharbour,Max,officer,PC,East Area BCU,restricted,A3,domestic_violence,2018-01-01,"
        "pnd,NFA,three\n";
    FILE *in = fmemopen((void *)csv, sizeof csv - 1, "rb");
    struct cr_import_result r;
    cr_diags *d = NULL;
    assert_int_equal(cr_import_csv(db, in, "t.csv", 0, &r, &d), CR_OK);
    cr_diags_free(d);
    fclose(in);
    cr_db_close(db);
    return 0;
}

/* The case numbers of a whole list, a page of `per` at a time, as "1 2 3". */
static void
listed(const char *login, const struct cr_filter *f, bool mine, size_t per, char *out, size_t n)
{
    cr_db *db = open_as(login);
    struct cr_page page = {0};
    int64_t after = 0;
    out[0] = '\0';
    for (;;) {
        enum cr_status st = mine ? cr_list_mine_page(db, after, per, &page)
                                 : cr_list_page(db, f, after, per, &page);
        assert_int_equal(st, CR_OK);
        for (size_t i = 0; i < page.n; i++)
            snprintf(out + strlen(out), n - strlen(out), "%s%lld", *out ? " " : "",
                     (long long)page.rows[i].id);
        if (!page.more || !page.n)
            break;
        after = mine ? page.rows[page.n - 1].sortkey : cr_row_cursor(f, &page.rows[page.n - 1]);
    }
    cr_page_free(&page);
    cr_db_close(db);
}

static void
expect_list(const char *login, const struct cr_filter *f, bool mine, const char *want)
{
    char got[256];
    for (size_t per = 1; per <= 3; per++) {
        listed(login, f, mine, per, got, sizeof got);
        if (strcmp(got, want) != 0)
            fail_msg("%s's %s at T0%+lld s, %zu a page: got '%s', expected '%s'", login,
                     mine ? "queue" : "list", (long long)(now - T0), per, got, want);
    }
}

/* A case as the user sees it (the view is audited: a write at the clock's time). */
static void
view(const char *login, const char *key, struct cr_case *c)
{
    cr_db *db = open_as(login);
    assert_int_equal(cr_case_view(db, key, c), CR_OK);
    cr_db_close(db);
}

static enum cr_status
do_pause(const char *login, const char *key, const char *reason, int64_t until, char *msg, size_t n)
{
    cr_db *db = open_as(login);
    struct cr_act_result res;
    enum cr_status st = cr_case_pause(db, key, reason, until, 0, &res);
    snprintf(msg, n, "%s", st == CR_OK ? "ok" : cr_db_errmsg(db));
    cr_db_close(db);
    return st;
}

static enum cr_status
do_resume(const char *login, const char *key, char *msg, size_t n)
{
    cr_db *db = open_as(login);
    struct cr_act_result res;
    enum cr_status st = cr_case_resume(db, key, 0, &res);
    snprintf(msg, n, "%s", st == CR_OK ? "ok" : cr_db_errmsg(db));
    cr_db_close(db);
    return st;
}

static void
test_overdue_filter(void **state)
{
    (void)state;
    struct cr_filter overdue = CR_FILTER_ALL;
    overdue.overdue = 1;
    struct cr_case c;
    view("cadmin", "1", &c);
    assert_int_equal(cr_case_due(cfg, &c.row), T0 + 10 * DAY);
    assert_false(cr_case_overdue(cfg, &c.row, T0 + 10 * DAY));
    assert_true(cr_case_overdue(cfg, &c.row, T0 + 10 * DAY + 1));
    cr_case_free(&c);
    now = T0 + 10 * DAY;
    expect_list("cadmin", &overdue, false, "");
    now++;
    /* Riskiest first, and keyset paging under the filter, one to three a page. */
    expect_list("cadmin", &overdue, false, "2 1 3");
    overdue.category = CR_CATEGORY_DOMESTIC_VIOLENCE;
    expect_list("cadmin", &overdue, false, "1 3");
    overdue.sort = CR_SORT_AGE;
    expect_list("cadmin", &overdue, false, "1 3");
    overdue.state = CR_STATE_IN_REVIEW;
    expect_list("cadmin", &overdue, false, "");
    /* Conflicts still hold: asmith's unit is East Area BCU, S2's and S3's too. */
    struct cr_filter all_overdue = CR_FILTER_ALL;
    all_overdue.overdue = 1;
    expect_list("asmith", &all_overdue, false, "1");
    /* A claim starts the new state's clock: not overdue until 10 days on. */
    cr_db *db = open_as("ejones");
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_act_result res;
    assert_int_equal(cr_act(db, "3", &claim, &res), CR_OK);
    cr_db_close(db);
    expect_list("cadmin", &all_overdue, false, "2 1");
}

static void
test_escalation(void **state)
{
    (void)state;
    now = T0 + 15 * DAY;
    expect_list("bjones", NULL, true, "");
    now++;
    expect_list("bjones", NULL, true, "2 1 3");
    expect_list("cadmin", NULL, true, "2 1 3");
    expect_list("fkaur", NULL, true, "2 1 3");
    expect_list("asmith", NULL, true, "");
    expect_list("mkhan", NULL, true, "");
    struct cr_case c;
    view("cadmin", "2", &c);
    assert_true(cr_case_escalated(cfg, &c.row, now));
    assert_false(cr_case_escalated(plain_cfg, &c.row, now));
    assert_false(cr_case_escalated(cfg, &c.row, now - 1));
    cr_case_free(&c);
    /* Without escalate_after_days nothing escalates. */
    struct cr_config *with = cfg;
    cfg = plain_cfg;
    now = T0 + 100 * DAY;
    expect_list("bjones", NULL, true, "");
    cfg = with;
}

static void
test_pause_refusals(void **state)
{
    (void)state;
    char msg[512];
    now = T0 + 11 * DAY;
    const int64_t until = T0 + 31 * DAY;
    assert_int_equal(do_pause("asmith", "1", "Investigation", until, msg, sizeof msg), CR_REFUSED);
    assert_string_equal(msg, "pause needs the supervisor or admin role; you (asmith) are reviewer");
    assert_int_equal(do_pause("bjones", "1", " \n", until, msg, sizeof msg), CR_REFUSED);
    assert_string_equal(msg, "pause needs a reason: why the service level's clock stops");
    assert_int_equal(do_pause("bjones", "1", NULL, until, msg, sizeof msg), CR_REFUSED);
    assert_string_equal(msg, "pause needs a reason: why the service level's clock stops");
    assert_int_equal(do_pause("bjones", "1", "Investigation", now, msg, sizeof msg), CR_REFUSED);
    assert_string_equal(msg, "a pause must end after now (2026-01-12T00:00:00Z), not at "
                             "2026-01-12T00:00:00Z");
    assert_int_equal(do_resume("bjones", "1", msg, sizeof msg), CR_REFUSED);
    assert_string_equal(msg, "case 1 is not paused, so there is nothing to resume");
    assert_int_equal(do_pause("cadmin", "#9", "Investigation", until, msg, sizeof msg),
                     CR_NOT_FOUND);
    assert_int_equal(do_pause("bjones", "1", "Investigation", until, msg, sizeof msg), CR_OK);
    assert_int_equal(do_pause("cadmin", "1", "Again", until + DAY, msg, sizeof msg), CR_REFUSED);
    assert_string_equal(msg, "case 1 is already paused until 2026-02-01T00:00:00Z; resume it "
                             "first to pause it again");
    assert_int_equal(do_resume("asmith", "1", msg, sizeof msg), CR_REFUSED);
    assert_string_equal(msg,
                        "resume needs the supervisor or admin role; you (asmith) are reviewer");
}

static void
test_pause_clock(void **state)
{
    (void)state;
    char msg[512];
    struct cr_filter overdue = CR_FILTER_ALL;
    overdue.overdue = 1;
    now = T0 + 11 * DAY;
    assert_int_equal(do_pause("bjones", "1", "Investigation", T0 + 31 * DAY, msg, sizeof msg),
                     CR_OK);
    struct cr_case c;
    view("cadmin", "1", &c);
    assert_true(cr_case_paused(&c.row, now));
    assert_int_equal(cr_case_due(cfg, &c.row), T0 + 30 * DAY);
    assert_false(cr_case_overdue(cfg, &c.row, now));
    assert_string_equal(c.paused_by, "bjones");
    assert_string_equal(c.pause_reason, "Investigation");
    assert_int_equal(c.paused_at, now);
    cr_case_free(&c);
    expect_list("cadmin", &overdue, false, "2 3");
    /* The dashboard counts what the filter lists. */
    cr_db *db = open_as("cadmin");
    struct cr_dashboard board;
    assert_int_equal(cr_dashboard_get(db, &board), CR_OK);
    assert_int_equal(board.overdue[CR_STATE_FLAGGED], 2);
    cr_dashboard_free(&board);
    cr_db_close(db);
    /* Resumed after 9 days: due 9 days later than it was. */
    now = T0 + 20 * DAY;
    assert_int_equal(do_resume("cadmin", "1", msg, sizeof msg), CR_OK);
    view("cadmin", "1", &c);
    assert_false(cr_case_paused(&c.row, now));
    assert_int_equal(cr_case_due(cfg, &c.row), T0 + 19 * DAY);
    assert_null(c.paused_by);
    assert_null(c.pause_reason);
    cr_case_free(&c);
    expect_list("cadmin", &overdue, false, "2 1 3");
    /* A pause that reaches its end ends by itself. */
    assert_int_equal(do_pause("bjones", "2", "Advice", now + 2 * DAY, msg, sizeof msg), CR_OK);
    now += 2 * DAY - 1;
    expect_list("cadmin", &overdue, false, "1 3");
    now++;
    expect_list("cadmin", &overdue, false, "2 1 3");
    assert_int_equal(do_pause("bjones", "2", "Advice again", now + 5 * DAY, msg, sizeof msg),
                     CR_OK);
    /* A change of state keeps the pause: the new state's clock starts at its end. */
    db = open_as("bjones");
    struct cr_request assign = {.action = CR_ACTION_ASSIGN, .target = "ejones"};
    struct cr_act_result res;
    assert_int_equal(cr_act(db, "2", &assign, &res), CR_OK);
    cr_db_close(db);
    view("cadmin", "2", &c);
    assert_int_equal(c.row.state, CR_STATE_IN_REVIEW);
    assert_true(cr_case_paused(&c.row, now));
    assert_int_equal(cr_case_due(cfg, &c.row), now + 5 * DAY + 10 * DAY);
    cr_case_free(&c);
}

/* The notice of the last action: kind, case, recipients, as one line. */
static void
notice_text(cr_db *db, char *out, size_t n)
{
    const struct cr_notice *x = cr_last_notice(db);
    assert_non_null(x);
    int len = snprintf(out, n, "%s %lld", x->kind, (long long)x->case_id);
    for (size_t i = 0; i < x->n_recipients; i++)
        len += snprintf(out + len, n - (size_t)len, " %s", x->recipients[i]);
}

static void
expect_notice(const char *login, const char *key, struct cr_request req, const char *want)
{
    cr_db *db = open_as(login);
    assert_null(cr_last_notice(db));
    struct cr_act_result res;
    assert_int_equal(cr_act(db, key, &req, &res), CR_OK);
    char got[256];
    notice_text(db, got, sizeof got);
    assert_string_equal(got, want);
    /* A refusal leaves the last notice as it was. */
    assert_int_equal(cr_act(db, key, &req, &res), CR_REFUSED);
    notice_text(db, got, sizeof got);
    assert_string_equal(got, want);
    cr_db_close(db);
}

static void
test_notices(void **state)
{
    (void)state;
    expect_notice("bjones", "1",
                  (struct cr_request){.action = CR_ACTION_ASSIGN, .target = "asmith"},
                  "assign 1 asmith");
    expect_notice("asmith", "1",
                  (struct cr_request){.action = CR_ACTION_DECIDE,
                                      .outcome = CR_OUTCOME_REFER,
                                      .rationale = "Refer."},
                  "decide 1 bjones fkaur");
    /* Approved to the panel: the members who may vote (none conflicted here). */
    expect_notice("bjones", "1", (struct cr_request){.action = CR_ACTION_APPROVE},
                  "approve 1 mkhan lpark rdoe tnash");
    expect_notice("lpark", "1",
                  (struct cr_request){
                      .action = CR_ACTION_VOTE, .vote = CR_VOTE_DISSENT, .reason = "Not enough."},
                  "vote 1 asmith");
    /* A pause: the assignee and the supervisors but the actor. */
    cr_db *db = open_as("fkaur");
    struct cr_act_result res;
    assert_int_equal(cr_case_pause(db, "1", "Investigation", now + DAY, 0, &res), CR_OK);
    char got[256];
    notice_text(db, got, sizeof got);
    assert_string_equal(got, "pause 1 asmith bjones");
    /* A failed notify is recorded for the case: its kind and the failure only. */
    assert_int_equal(cr_notice_failed(db, cr_last_notice(db), "exited with status 3"), CR_OK);
    cr_db_close(db);
    db = open_as("cadmin");
    struct cr_history h;
    assert_int_equal(cr_history_get(db, "1", &h), CR_OK);
    const struct cr_event *e = NULL;
    for (size_t i = 0; i < h.n; i++)
        if (strcmp(h.events[i].action, "notify") == 0)
            e = &h.events[i];
    assert_non_null(e);
    assert_string_equal(e->actor, "fkaur");
    assert_string_equal(e->details,
                        "{\"event\": \"pause\", \"recipients\": 2, \"failed\": \"exited with "
                        "status 3\"}");
    cr_history_free(&h);
    cr_db_close(db);
}

static int
setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/cr-sla-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/s.db", dir);
    cfg = config_with("escalate_after_days: 5\n");
    plain_cfg = config_with("");
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    cr_config_free(cfg);
    cr_config_free(plain_cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_overdue_filter, fresh),
        cmocka_unit_test_setup(test_escalation, fresh),
        cmocka_unit_test_setup(test_pause_refusals, fresh),
        cmocka_unit_test_setup(test_pause_clock, fresh),
        cmocka_unit_test_setup(test_notices, fresh),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
