/*
 * The workstation's views in core: where each person lands
 * (cr_list_landing_page: what waits for them, then for a reviewer the
 * flagged cases), the counts its title shows (cr_count_cases, cr_count_mine,
 * cr_count_landing: from the counters where they can answer, capped at
 * CR_COUNT_CAP otherwise), the open-cases filter and the actions each role
 * may take (cr_role_actions).  Engine-neutral: public calls only, so that it
 * runs against every engine (tests/meson.build: 'views' and 'views memory').
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

#define DAY 86400
#define T0 1767225600 /* 2026-01-01T00:00:00Z */

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

static const char header[] =
    "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
    "allegation_date,source,original_outcome,summary\n";

static void
import(const char *csv, size_t len)
{
    as("cadmin");
    cr_diags *d = NULL;
    FILE *in = fmemopen((void *)csv, len, "rb");
    struct cr_import_result r;
    if (cr_import_csv(db, in, "v.csv", 0, &r, &d) != CR_OK)
        fail_msg("setup: import: %s", cr_db_errmsg(db));
    cr_diags_free(d);
    fclose(in);
}

/*
 * good.yaml's roster, six cases.  asmith claims 1, 2 and 3 and decides 3
 * (awaiting approval); ejones claims 4; 5 stays flagged; 6 is decided,
 * approved and closed.  Case 6's subject is in asmith's unit (East Area
 * BCU): asmith may not see it (conflicts.same_unit).
 */
static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_views.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    char path[160];
    snprintf(path, sizeof path, "%s/v.db", dir);
    if (cr_db_open(path, CR_OPEN_CREATE, test_clock, NULL, &db) != CR_OK)
        return -1;
    static const char rows[] =
        "W1,Ashgrove,Tom,officer,PC,Central,full,C1,domestic_violence,2019-01-01,complaint,NFA,"
        "one\n"
        "W2,Birch,Ann,officer,PC,Central,restricted,C2,domestic_violence,2019-01-01,complaint,"
        "NFA,two\n"
        "W3,Cole,Ben,staff,Band C,North,full,C3,sexual_offence,2020-01-01,hotline,NFA,three\n"
        "W4,Dane,Cat,officer,PC,South,full,C4,domestic_violence,2018-01-01,pnd,NFA,four\n"
        "W5,Eddy,Dan,officer,Sgt,Central,full,C5,domestic_violence,2017-01-01,"
        "other,NFA,five\n"
        "W6,Frost,Eve,officer,PC,East Area BCU,full,C6,domestic_violence,2016-01-01,complaint,"
        "NFA,six\n";
    char csv[2048];
    int len = snprintf(csv, sizeof csv, "%s%s", header, rows);
    import(csv, (size_t)len);
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_request decide = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_NFA, .rationale = "Nothing recent."};
    struct cr_request reassess = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REASSESS, .rationale = "Look again."};
    struct cr_request approve = {.action = CR_ACTION_APPROVE};
    step("asmith", 1, claim);
    step("asmith", 2, claim);
    step("asmith", 3, claim);
    step("asmith", 3, decide);
    step("ejones", 4, claim);
    step("ejones", 6, claim);
    step("ejones", 6, reassess);
    step("bjones", 6, approve);
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

/* A count call (filling n and exact) and what it must give. */
#define expect_count(call, want_n, want_exact)           \
    do {                                                 \
        if ((call) != CR_OK)                             \
            fail_msg("%s: %s", #call, cr_db_errmsg(db)); \
        assert_int_equal(n, want_n);                     \
        assert_int_equal(exact, want_exact);             \
    } while (0)

/* Every count agrees with the rows its list gives, read to the end. */
static int64_t
rows_of(const struct cr_filter *f)
{
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(db, f, 0, CR_PAGE_MAX, &page), CR_OK);
    int64_t n = (int64_t)page.n;
    assert_false(page.more);
    cr_page_free(&page);
    return n;
}

static void
test_counts(void **state)
{
    (void)state;
    int64_t n;
    int exact;
    /* cadmin sees every case: the counters answer. */
    as("cadmin");
    struct cr_filter all = CR_FILTER_ALL;
    expect_count(cr_count_cases(db, &all, &n, &exact), 6, 1);
    expect_count(cr_count_cases(db, NULL, &n, &exact), 6, 1);
    struct cr_filter open = CR_FILTER_ALL;
    open.open = 1;
    expect_count(cr_count_cases(db, &open, &n, &exact), 5, 1);
    assert_int_equal(rows_of(&open), 5);
    struct cr_filter review = CR_FILTER_ALL;
    review.state = CR_STATE_IN_REVIEW;
    review.open = 1;
    expect_count(cr_count_cases(db, &review, &n, &exact), 3, 1);
    struct cr_filter closed = CR_FILTER_ALL;
    closed.state = CR_STATE_CLOSED;
    expect_count(cr_count_cases(db, &closed, &n, &exact), 1, 1);
    struct cr_filter undecided = CR_FILTER_ALL;
    undecided.outcome = CR_OUTCOME_COUNT;
    expect_count(cr_count_cases(db, &undecided, &n, &exact), 4, 1);
    struct cr_filter sexual = CR_FILTER_ALL;
    sexual.category = CR_CATEGORY_SEXUAL_OFFENCE;
    expect_count(cr_count_cases(db, &sexual, &n, &exact), 1, 1);
    /* Words: the cases read (one matches). */
    struct cr_filter words = CR_FILTER_ALL;
    words.search = "birch";
    expect_count(cr_count_cases(db, &words, &n, &exact), 1, 1);
    words.search = "!!!";
    expect_count(cr_count_cases(db, &words, &n, &exact), 0, 1);
    /* asmith may not see case 6 (same unit): the count is of what the list gives. */
    as("asmith");
    expect_count(cr_count_cases(db, &all, &n, &exact), 5, 1);
    assert_int_equal(rows_of(&all), 5);
    expect_count(cr_count_cases(db, &open, &n, &exact), 5, 1);
    closed.open = 1;
    expect_count(cr_count_cases(db, &closed, &n, &exact), 0, 1);
}

/* A page of the landing view, as case numbers. */
static void
landing_ids(int64_t after, bool before, size_t limit, const int64_t *want, size_t n_want, int more)
{
    struct cr_page page = {0};
    enum cr_status st = before ? cr_list_landing_page_before(db, after, limit, &page)
                               : cr_list_landing_page(db, after, limit, &page);
    if (st != CR_OK)
        fail_msg("landing: %s", cr_db_errmsg(db));
    assert_int_equal(page.n, n_want);
    for (size_t i = 0; i < n_want; i++)
        assert_int_equal(page.rows[i].id, want[i]);
    if (more >= 0)
        assert_int_equal(page.more, more);
    cr_page_free(&page);
}

static void
test_landing(void **state)
{
    (void)state;
    int64_t n;
    int exact;
    /* asmith, a reviewer: 1 and 2 (theirs, in review), then 5 (flagged). */
    as("asmith");
    assert_true(cr_landing_has_flagged(db));
    expect_count(cr_count_landing(db, &n, &exact), 3, 1);
    expect_count(cr_count_mine(db, &n, &exact), 2, 1);
    struct cr_page mine = {0};
    assert_int_equal(cr_list_mine_page(db, 0, 10, &mine), CR_OK);
    assert_int_equal(mine.n, 2);
    int64_t first = mine.rows[0].id, second = mine.rows[1].id;
    assert_true((first == 1 && second == 2) || (first == 2 && second == 1));
    const int64_t all3[] = {first, second, 5};
    landing_ids(0, false, 10, all3, 3, 0);
    /* A page that holds exactly asmith's cases: the flagged one follows. */
    landing_ids(0, false, 2, all3, 2, 1);
    /* Walked a row at a time by its cursors, forwards and back. */
    struct cr_page page = {0};
    int64_t cursor = 0, seen[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cr_list_landing_page(db, cursor, 1, &page), CR_OK);
        assert_int_equal(page.n, 1);
        assert_int_equal(page.more, i < 2);
        seen[i] = page.rows[0].id;
        cursor = cr_landing_cursor(&page, 0);
        assert_true(i < 2 ? cursor < CR_LANDING_FLAGGED : cursor > CR_LANDING_FLAGGED);
        assert_int_equal(cr_landing_row_cursor(db, &page.rows[0]), cursor);
    }
    assert_memory_equal(seen, all3, sizeof seen);
    assert_int_equal(cr_list_landing_page(db, cursor, 1, &page), CR_OK);
    assert_int_equal(page.n, 0);
    /* The last page, and the page before the flagged part's first row. */
    const int64_t last2[] = {second, 5};
    landing_ids(INT64_MAX, true, 2, last2, 2, -1);
    const int64_t mine2[] = {first, second};
    landing_ids(cursor, true, 5, mine2, 2, -1);
    /*
     * The last screen read with the row before it, which is dropped (the
     * workstation's PgUp): each row keeps its part's cursor, the first
     * flagged one too (cr_page_drop_first moves where the parts meet).
     */
    assert_int_equal(cr_list_landing_page_before(db, INT64_MAX, 3, &page), CR_OK);
    assert_int_equal(page.n, 3);
    int64_t kept[2] = {cr_landing_cursor(&page, 1), cr_landing_cursor(&page, 2)};
    assert_true(kept[1] > CR_LANDING_FLAGGED);
    cr_page_drop_first(&page);
    assert_int_equal(page.n, 2);
    assert_int_equal(page.rows[1].id, 5);
    assert_int_equal(cr_landing_cursor(&page, 0), kept[0]);
    assert_int_equal(cr_landing_cursor(&page, 1), kept[1]);
    /* A page that refills another list's page, and the other way round. */
    assert_int_equal(cr_list_page(db, NULL, 0, 3, &page), CR_OK);
    assert_int_equal(page.n, 3);
    assert_int_equal(cr_list_landing_page(db, 0, 5, &page), CR_OK);
    assert_int_equal(page.n, 3);
    assert_int_equal(cr_list_mine_page(db, 0, 5, &page), CR_OK);
    assert_int_equal(page.n, 2);
    cr_page_free(&page);
    cr_page_free(&mine);
    /*
     * The open cases a reviewer holds (the dashboard's reviewer): the
     * counters know no assignee, so the count reads the cases, as the
     * list does (ejones holds 4; 6, which he claimed, is closed).
     */
    as("cadmin");
    struct cr_filter held = CR_FILTER_ALL;
    held.assignee = "ejones";
    expect_count(cr_count_cases(db, &held, &n, &exact), 1, 1);
    assert_int_equal(cr_list_page(db, &held, 0, 10, &page), CR_OK);
    assert_int_equal(page.n, 1);
    assert_int_equal(page.rows[0].id, 4);
    cr_page_free(&page);
    /* bjones, a supervisor: what waits for them only (case 3, awaiting approval). */
    as("bjones");
    assert_false(cr_landing_has_flagged(db));
    expect_count(cr_count_landing(db, &n, &exact), 1, 1);
    const int64_t three[] = {3};
    landing_ids(0, false, 10, three, 1, 0);
    landing_ids(INT64_MAX, true, 10, three, 1, -1);
    /* mkhan, on the panel: nothing waits; cadmin: nothing blocked. */
    as("mkhan");
    expect_count(cr_count_landing(db, &n, &exact), 0, 1);
    landing_ids(0, false, 10, NULL, 0, 0);
}

static void
test_role_actions(void **state)
{
    (void)state;
#define A(x) (1u << CR_ACTION_##x)
    as("mkhan");
    assert_int_equal(cr_role_actions(db), A(VOTE) | A(NOTE));
    as("asmith");
    assert_int_equal(cr_role_actions(db), A(CLAIM) | A(RELEASE) | A(DECIDE) | A(NOTE));
    as("bjones");
    assert_int_equal(cr_role_actions(db),
                     A(RELEASE) | A(ASSIGN) | A(APPROVE) | A(RETURN) | A(NOTE) | A(RECALL));
    as("cadmin");
    assert_int_equal(cr_role_actions(db), A(NOTE) | A(RECONVENE) | A(RECALL));
#undef A
    assert_int_equal(cr_role_actions(NULL), 0);
}

/* More cases than the cap: the count stops there and says so; the counters still count all. */
static void
test_capped(void **state)
{
    (void)state;
    size_t cases = CR_COUNT_CAP + 5;
    size_t size = sizeof header + cases * 160;
    char *csv = malloc(size);
    assert_non_null(csv);
    size_t len = (size_t)snprintf(csv, size, "%s", header);
    for (size_t i = 0; i < cases; i++)
        len += (size_t)snprintf(csv + len, size - len,
                                "X%zu,Many,Ann,officer,PC,West,full,XA%zu,domestic_violence,"
                                "2019-01-01,complaint,NFA,capped\n",
                                i, i);
    import(csv, len);
    free(csv);
    int64_t n;
    int exact;
    as("cadmin");
    expect_count(cr_count_cases(db, NULL, &n, &exact), (int64_t)cases + 6, 1);
    struct cr_filter flagged = CR_FILTER_ALL;
    flagged.state = CR_STATE_FLAGGED;
    expect_count(cr_count_cases(db, &flagged, &n, &exact), (int64_t)cases + 1, 1);
    /* asmith's scope keeps a case out: the cases are read, up to the cap. */
    as("asmith");
    expect_count(cr_count_cases(db, NULL, &n, &exact), CR_COUNT_CAP, 0);
    expect_count(cr_count_landing(db, &n, &exact), CR_COUNT_CAP, 0);
    struct cr_filter words = CR_FILTER_ALL;
    words.search = "capped";
    expect_count(cr_count_cases(db, &words, &n, &exact), CR_COUNT_CAP, 0);
    words.search = "birch";
    expect_count(cr_count_cases(db, &words, &n, &exact), 1, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_landing),
        cmocka_unit_test(test_role_actions),
        cmocka_unit_test(test_capped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
