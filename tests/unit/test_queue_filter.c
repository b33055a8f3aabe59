/*
 * What waits for me, narrowed by a filter (cr_list_mine_filter_page and
 * _before), through the core API only, so that it runs on both engines
 * (tests/meson.build): the search words, state, outcome, category and
 * overdue (and the subject's unit, in all cases too) keep only what they let through, the filter's
 * sort changes nothing (what waits is riskiest first), and keyset paging forwards and backwards
 * gives the same rows, one to three a page.
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

#define T0 1767225600 /* 2026-01-01T00:00:00Z: the cases are flagged then */
#define DAY 86400

static int64_t now = T0;

static int64_t
clock_fn(void *ctx)
{
    (void)ctx;
    return now;
}

static struct cr_config *cfg;
static char dir[64], path[160];

static cr_db *
open_as(const char *login)
{
    cr_db *db;
    assert_int_equal(cr_db_open(path, CR_OPEN_CREATE, clock_fn, NULL, &db), CR_OK);
    cr_db_set_user(db, cfg, cr_config_person(cfg, login));
    return db;
}

/* Three cases flagged at T0, each claimed by ejones (Professional Standards: sees them all). */
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
    db = open_as("ejones");
    for (const char *const *key = (const char *const[]){"1", "2", "3", NULL}; *key; key++) {
        struct cr_request claim = {.action = CR_ACTION_CLAIM};
        struct cr_act_result res;
        assert_int_equal(cr_act(db, *key, &claim, &res), CR_OK);
    }
    cr_db_close(db);
    return 0;
}

/* The case numbers of what waits for login under f, `per` a page, forwards or backwards. */
static void
listed(const char *login, const struct cr_filter *f, size_t per, bool backwards, char *out,
       size_t n)
{
    cr_db *db = open_as(login);
    struct cr_page page = {0};
    int64_t cursor = backwards ? INT64_MAX : 0;
    char got[64][16];
    size_t k = 0;
    for (;;) {
        enum cr_status st = backwards ? cr_list_mine_filter_page_before(db, f, cursor, per, &page)
                                      : cr_list_mine_filter_page(db, f, cursor, per, &page);
        assert_int_equal(st, CR_OK);
        /* Backwards, each page comes in order: pages are gathered last first. */
        if (backwards) {
            memmove(got[page.n], got[0], k * sizeof got[0]);
            for (size_t i = 0; i < page.n; i++)
                snprintf(got[i], sizeof got[i], "%lld", (long long)page.rows[i].id);
        } else {
            for (size_t i = 0; i < page.n; i++)
                snprintf(got[k + i], sizeof got[k + i], "%lld", (long long)page.rows[i].id);
        }
        k += page.n;
        if (!page.more || !page.n)
            break;
        cursor = page.rows[backwards ? 0 : page.n - 1].sortkey;
    }
    cr_page_free(&page);
    cr_db_close(db);
    out[0] = '\0';
    for (size_t i = 0; i < k; i++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? " " : "", got[i]);
}

static void
expect_mine(const char *login, const struct cr_filter *f, const char *want)
{
    char got[256];
    for (size_t per = 1; per <= 3; per++)
        for (int back = 0; back < 2; back++) {
            listed(login, f, per, back, got, sizeof got);
            if (strcmp(got, want) != 0)
                fail_msg("what waits for %s (search '%s'), %zu a page%s: got '%s', expected '%s'",
                         login, f && f->search ? f->search : "", per, back ? ", backwards" : "",
                         got, want);
        }
}

/* What no filter gives: every case ejones claimed, riskiest first, as cr_list_mine_page. */
static const char *
everything(void)
{
    static char all[64];
    cr_db *db = open_as("ejones");
    struct cr_page page = {0};
    assert_int_equal(cr_list_mine_page(db, 0, 10, &page), CR_OK);
    assert_int_equal(page.n, 3);
    all[0] = '\0';
    for (size_t i = 0; i < page.n; i++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%lld", i ? " " : "",
                 (long long)page.rows[i].id);
    cr_page_free(&page);
    cr_db_close(db);
    return all;
}

static void
test_search(void **state)
{
    (void)state;
    const char *all = everything();
    expect_mine("ejones", NULL, all);
    struct cr_filter f = CR_FILTER_ALL;
    expect_mine("ejones", &f, all);
    f.search = "ashgrove";
    expect_mine("ejones", &f, "1");
    f.search = "Brackenridge ann";
    expect_mine("ejones", &f, "2");
    /* A prefix; words that are blank search nothing (all of it); words found nowhere, none. */
    f.search = "cold*";
    expect_mine("ejones", &f, "3");
    f.search = "   ";
    expect_mine("ejones", &f, all);
    f.search = "Nettlefold";
    expect_mine("ejones", &f, "");
    f.search = "--";
    expect_mine("ejones", &f, "");
    /* A word of two tokens stands whole in one field: surname and forenames are two. */
    f.search = "Ashgrove Tom";
    expect_mine("ejones", &f, "1");
    f.search = "Ashgrove-Tom";
    expect_mine("ejones", &f, "");
    /* The sort of the filter is not what waits's: still riskiest first. */
    f.search = "a*";
    expect_mine("ejones", &f, all);
    f.sort = CR_SORT_AGE;
    expect_mine("ejones", &f, all);
    /* Nothing waits for a supervisor here, whatever the words. */
    f.search = "ashgrove";
    expect_mine("bjones", &f, "");
}

static void
test_filters(void **state)
{
    (void)state;
    const char *all = everything();
    struct cr_filter f = CR_FILTER_ALL;
    f.state = CR_STATE_FLAGGED;
    expect_mine("ejones", &f, "");
    f.state = CR_STATE_IN_REVIEW;
    expect_mine("ejones", &f, all);
    f = (struct cr_filter)CR_FILTER_ALL;
    f.category = CR_CATEGORY_SEXUAL_OFFENCE;
    expect_mine("ejones", &f, "2");
    f = (struct cr_filter)CR_FILTER_ALL;
    f.outcome = CR_OUTCOME_COUNT; /* not decided yet */
    expect_mine("ejones", &f, all);
    f.outcome = CR_OUTCOME_NFA;
    expect_mine("ejones", &f, "");
    /* Overdue: in review since T0, due ten days on (sla_days review: 10). */
    f = (struct cr_filter)CR_FILTER_ALL;
    f.overdue = 1;
    now = T0 + 10 * DAY;
    expect_mine("ejones", &f, "");
    now++;
    expect_mine("ejones", &f, all);
    f.search = "two";
    f.category = CR_CATEGORY_SEXUAL_OFFENCE;
    expect_mine("ejones", &f, "2");
    f.category = CR_CATEGORY_DOMESTIC_VIOLENCE;
    expect_mine("ejones", &f, "");
}

/* The case numbers of all cases under f (cr_list_page), with cr_count_cases' count. */
static void
all_listed(const struct cr_filter *f, char *out, size_t n, int64_t *count)
{
    cr_db *db = open_as("ejones");
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(db, f, 0, 10, &page), CR_OK);
    out[0] = '\0';
    for (size_t i = 0; i < page.n; i++)
        snprintf(out + strlen(out), n - strlen(out), "%s%lld", i ? " " : "",
                 (long long)page.rows[i].id);
    cr_page_free(&page);
    int exact = 0;
    assert_int_equal(cr_count_cases(db, f, count, &exact), CR_OK);
    assert_true(exact);
    cr_db_close(db);
}

/*
 * The unit filter (cr_filter.unit): only the cases whose subject is of that
 * unit, exactly (a different case or a part of the name finds nothing), in
 * a list of all cases and its count (which the counters cannot answer), and
 * narrowing what waits for me, with the other filters.
 */
static void
test_unit(void **state)
{
    (void)state;
    char got[64], want[64] = "";
    int64_t n = -1;
    /* What waits for ejones, without case 1 (Central West BCU), riskiest first. */
    const char *all = everything();
    for (const char *p = all; *p;) {
        size_t len = strcspn(p, " ");
        if (!(len == 1 && *p == '1'))
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%.*s", *want ? " " : "",
                     (int)len, p);
        p += len + (p[len] == ' ');
    }
    struct cr_filter f = CR_FILTER_ALL;
    f.unit = "East Area BCU";
    expect_mine("ejones", &f, want);
    all_listed(&f, got, sizeof got, &n);
    assert_string_equal(got, want);
    assert_int_equal(n, 2);
    f.unit = "Central West BCU";
    expect_mine("ejones", &f, "1");
    all_listed(&f, got, sizeof got, &n);
    assert_string_equal(got, "1");
    assert_int_equal(n, 1);
    /* Exact: not another case of letters, not a part of the name. */
    f.unit = "east area bcu";
    expect_mine("ejones", &f, "");
    all_listed(&f, got, sizeof got, &n);
    assert_string_equal(got, "");
    assert_int_equal(n, 0);
    f.unit = "East Area";
    all_listed(&f, got, sizeof got, &n);
    assert_int_equal(n, 0);
    /* With the other filters: a state the counters would count, an assignee, a category. */
    f.unit = "East Area BCU";
    f.state = CR_STATE_IN_REVIEW;
    all_listed(&f, got, sizeof got, &n);
    assert_string_equal(got, want);
    assert_int_equal(n, 2);
    f.state = CR_STATE_FLAGGED;
    all_listed(&f, got, sizeof got, &n);
    assert_int_equal(n, 0);
    f = (struct cr_filter)CR_FILTER_ALL;
    f.unit = "East Area BCU";
    f.assignee = "ejones";
    all_listed(&f, got, sizeof got, &n);
    assert_int_equal(n, 2);
    f.assignee = "asmith";
    all_listed(&f, got, sizeof got, &n);
    assert_int_equal(n, 0);
    f.assignee = NULL;
    f.category = CR_CATEGORY_SEXUAL_OFFENCE;
    expect_mine("ejones", &f, "2");
    all_listed(&f, got, sizeof got, &n);
    assert_string_equal(got, "2");
    assert_int_equal(n, 1);
}

int
main(void)
{
    snprintf(dir, sizeof dir, "/tmp/cr-queue-filter-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/t.db", dir);
    cr_diags *d = NULL;
    enum cr_status loaded = cr_config_load(FIXTURES "/config/good.yaml", &cfg, &d);
    cr_diags_free(d);
    if (loaded != CR_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_search, fresh),
        cmocka_unit_test_setup(test_filters, fresh),
        cmocka_unit_test_setup(test_unit, fresh),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    static const char *const suffix[] = {"", "-wal", "-shm", ".key"};
    for (size_t i = 0; i < 4; i++) {
        char p[200];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
    rmdir(dir);
    cr_config_free(cfg);
    return rc;
}
