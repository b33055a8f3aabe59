/*
 * One rule for what a person may see (core/policy.c), held against every
 * public read.  A fixture with a same-unit conflict, declared conflicts and
 * panel-only members; for each person, the cases policy.c admits (checked
 * against a table written out by hand, so that the rule itself is pinned),
 * and then every read: queue pages forwards and backwards in both sorts,
 * search, what waits for me, the export (a disclosure: every case, README),
 * a case by key and by id (viewed and reloaded), its history, the allowed
 * actions and cr_may.  What the rule
 * admits is shown; the rest is refused with policy.c's message, the same from
 * every read.  Engine-neutral: one handle whose user changes, public calls
 * only (and policy.c's own), so that it runs against every engine.
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

#define CASES 5

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return 1767225600;
}

static struct cr_config *cfg;
static cr_db *db;
static char dir[64];

/* good.yaml plus declared conflicts (ejones on N3, mkhan on N4, asmith on N5) and an admin in
 * N3-N5's unit. */
static void
load_config(void)
{
    char path[160];
    FILE *in = fopen(FIXTURES "/config/good.yaml", "rb");
    assert_non_null(in);
    snprintf(path, sizeof path, "%s/casereview.yaml", dir);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    char line[512];
    while (fgets(line, sizeof line, in)) {
        fputs(line, out);
        if (strncmp(line, "  - { login: cadmin,", 20) == 0)
            fputs("  - { login: dadmin, name: \"D. Admin\", roles: [admin], unit: \"Central\" }\n",
                  out);
        if (strcmp(line, "  same_unit: true\n") == 0)
            fputs("  declared:\n"
                  "    - { login: ejones, subject_ref: N3, reason: \"tutored the subject\" }\n"
                  "    - { login: mkhan, subject_ref: N4, reason: \"neighbour of the subject\" }\n"
                  "    - { login: asmith, subject_ref: N5, reason: \"served with the subject\" }\n",
                  out);
    }
    fclose(in);
    fclose(out);
    cr_diags *d = NULL;
    assert_int_equal(cr_config_load(path, &cfg, &d), CR_OK);
    cr_diags_free(d);
    assert_int_equal(cfg->n_declared, 3);
}

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

/*
 * N1 in asmith's unit, N2 in ejones's, bjones's and fkaur's.  Cases 1, 3
 * and 4 go before the panel; 2 awaits approval; 5 stays flagged.
 */
static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_policy.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    load_config();
    char path[160];
    snprintf(path, sizeof path, "%s/p.db", dir);
    if (cr_db_open(path, CR_OPEN_CREATE, fixed_clock, NULL, &db) != CR_OK)
        return -1;
    as("cadmin");
    static const char csv[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "N1,Ashgrove,Tom,officer,PC,East Area BCU,full,B1,domestic_violence,2019-01-01,"
        "complaint,NFA,marker one\n"
        "N2,Brackenridge,Ann,officer,PC,Professional Standards,full,B2,sexual_offence,"
        "2020-01-01,hotline,NFA,marker two\n"
        "N3,Culverhouse,Sam,officer,PC,Central,full,B3,domestic_violence,2021-01-01,pnd,NFA,"
        "marker three\n"
        "N4,Dunmore,Lee,officer,PC,Central,full,B4,domestic_violence,2022-01-01,other,NFA,"
        "marker four\n"
        "N5,Eastwood,Kim,officer,PC,Central,full,B5,domestic_violence,2023-01-01,colleague,NFA,"
        "marker five\n";
    FILE *in = fmemopen((void *)csv, sizeof csv - 1, "rb");
    struct cr_import_result r;
    cr_diags *d = NULL;
    assert_int_equal(cr_import_csv(db, in, "n.csv", 0, &r, &d), CR_OK);
    cr_diags_free(d);
    fclose(in);
    assert_int_equal(r.new_cases, CASES);

    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_request decide = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REFER, .rationale = "Refer: pattern."};
    struct cr_request approve = {.action = CR_ACTION_APPROVE};
    step("ejones", 1, claim);
    step("ejones", 1, decide);
    step("bjones", 1, approve);
    for (int64_t c = 3; c <= 4; c++) {
        step("asmith", c, claim);
        step("asmith", c, decide);
        step("bjones", c, approve);
    }
    step("asmith", 2, claim);
    step("asmith", 2, decide);
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

/* The people, and the cases each may see, as SPEC section 4 has it for this fixture. */
static const struct {
    const char *login;
    const char *sees; /* case numbers, "1,2" */
    const char *mine; /* what waits for them */
} people[] = {
    {"cadmin", "1,2,3,4,5", ""}, /* no unit, no conflict */
    {"dadmin", "1,2", ""},       /* Central, N3-N5's unit; exports every case all the same */
    {"asmith", "2,3,4", ""},     /* N1 their unit, N5 declared */
    {"ejones", "1,4,5", ""},     /* N2 their unit, N3 declared */
    {"bjones", "1,3,4,5", ""},   /* N2 their unit: case 2, awaiting their approval, kept out */
    {"fkaur", "1,3,4,5", ""},    {"mkhan", "1,3", "1,3"}, /* panel only; N4 declared */
    {"lpark", "1,3,4", "1,3,4"},                          /* panel only */
};

/* Case numbers as "1,2,3", in increasing order. */
static void
set_text(const bool in[CASES + 1], char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (int c = 1; c <= CASES; c++)
        if (in[c])
            used += (size_t)snprintf(out + used, n - used, "%s%d", used ? "," : "", c);
}

/* What policy.c admits for the handle's user: its scope on each case's state. */
static void
policy_admits(bool admits[CASES + 1])
{
    struct cr_scope scope;
    assert_int_equal(cr_policy_scope(db, &scope), CR_OK);
    for (int c = 1; c <= CASES; c++) {
        struct cr_case_state cs;
        assert_int_equal(st_case_state(db, c, &cs), CR_OK);
        admits[c] = cr_scope_admits(&scope, cs.subject_unit, cs.subject_ref, cs.panel_round);
        const char *rule;
        enum cr_status st = cr_policy_may_see(db, &cs, "sees", &rule);
        /* The scope a list applies and the one-case check are the same rule. */
        assert_int_equal(st, admits[c] ? CR_OK : CR_REFUSED);
        cr_case_state_free(&cs);
    }
    admits[0] = false;
    cr_scope_free(&scope);
}

/* Every case a list shows, by paging through it limit rows at a time. */
static void
list_all(const struct cr_filter *f, bool reverse, bool mine, bool seen[CASES + 1])
{
    memset(seen, 0, (CASES + 1) * sizeof *seen);
    struct cr_page page = {0};
    int64_t cursor = reverse ? INT64_MAX : 0;
    for (int guard = 0; guard < 20; guard++) {
        enum cr_status st = mine ? (reverse ? cr_list_mine_page_before(db, cursor, 2, &page)
                                            : cr_list_mine_page(db, cursor, 2, &page))
                                 : (reverse ? cr_list_page_before(db, f, cursor, 2, &page)
                                            : cr_list_page(db, f, cursor, 2, &page));
        if (st != CR_OK)
            fail_msg("list (%s%s, cursor %lld): %s", mine ? "mine" : "queue",
                     reverse ? ", backwards" : "", (long long)cursor, cr_db_errmsg(db));
        for (size_t i = 0; i < page.n; i++) {
            int64_t id = page.rows[i].id;
            assert_true(id >= 1 && id <= CASES);
            assert_false(seen[id]); /* no row twice across pages */
            seen[id] = true;
        }
        if (!page.more || !page.n)
            break;
        /* Forwards the last row is the cursor; backwards (shown forwards) the first. */
        const struct cr_case_row *edge = &page.rows[reverse ? 0 : page.n - 1];
        cursor = mine ? edge->sortkey : cr_row_cursor(f, edge);
    }
    cr_page_free(&page);
}

static void
expect_set(const bool got[CASES + 1], const bool want[CASES + 1], const char *who, const char *what)
{
    char g[64], w[64];
    set_text(got, g, sizeof g);
    set_text(want, w, sizeof w);
    if (strcmp(g, w) != 0)
        fail_msg("%s: %s shows {%s}; policy.c admits {%s}", who, what, g, w);
}

/* The export's rows, by case. */
struct collect {
    bool seen[CASES + 1];
    int64_t rows;
};

static int
collect_row(void *ctx, const struct cr_case_row *r)
{
    struct collect *c = ctx;
    if (r->id >= 1 && r->id <= CASES)
        c->seen[r->id] = true;
    c->rows++;
    return 0;
}

static void
collect_finish(void *ctx, struct cr_disclosure_end *e)
{
    struct collect *c = ctx;
    e->complete = 1;
    e->rows = c->rows;
}

static void
test_lists(void **state)
{
    (void)state;
    for (size_t p = 0; p < CR_ARRAY_LEN(people); p++) {
        const char *who = people[p].login;
        as(who);
        bool admits[CASES + 1], got[CASES + 1];
        policy_admits(admits);
        char text[64];
        set_text(admits, text, sizeof text);
        if (strcmp(text, people[p].sees) != 0)
            fail_msg("%s: policy.c admits {%s}; SPEC section 4 says {%s}", who, text,
                     people[p].sees);

        struct cr_filter by_priority = CR_FILTER_ALL, by_age = CR_FILTER_ALL,
                         search = CR_FILTER_ALL, by_state = CR_FILTER_ALL;
        by_age.sort = CR_SORT_AGE;
        search.search = "marker";
        by_state.state = CR_STATE_PANEL_REVIEW;
        list_all(&by_priority, false, false, got);
        expect_set(got, admits, who, "the queue by priority, forwards");
        list_all(&by_priority, true, false, got);
        expect_set(got, admits, who, "the queue by priority, backwards");
        list_all(&by_age, false, false, got);
        expect_set(got, admits, who, "the queue by age, forwards");
        list_all(&by_age, true, false, got);
        expect_set(got, admits, who, "the queue by age, backwards");
        list_all(NULL, false, false, got);
        expect_set(got, admits, who, "the queue unfiltered");
        list_all(&search, false, false, got);
        expect_set(got, admits, who, "a search");
        list_all(&search, true, false, got);
        expect_set(got, admits, who, "a search, backwards");
        list_all(&by_state, false, false, got);
        bool panel[CASES + 1] = {false, admits[1], false, admits[3], admits[4], false};
        expect_set(got, panel, who, "the panel's state");
        /* A filter's own parameters and the scope's together (once "datatype mismatch"). */
        struct cr_filter by_outcome = CR_FILTER_ALL;
        by_outcome.outcome = CR_OUTCOME_REFER;
        list_all(&by_outcome, false, false, got);
        bool referred[CASES + 1] = {false, admits[1], admits[2], admits[3], admits[4], false};
        expect_set(got, referred, who, "the referred cases");
        by_outcome.state = CR_STATE_AWAITING_APPROVAL;
        by_outcome.search = "marker";
        list_all(&by_outcome, true, false, got);
        bool waiting[CASES + 1] = {false, false, admits[2], false, false, false};
        expect_set(got, waiting, who, "a search of the referred cases awaiting approval");

        /* What waits for them: only what they may see, and what the table says. */
        bool mine[CASES + 1];
        list_all(NULL, false, true, mine);
        for (int c = 1; c <= CASES; c++)
            if (mine[c] && !admits[c])
                fail_msg("%s: list mine shows case %d, which policy.c keeps from them", who, c);
        set_text(mine, text, sizeof text);
        assert_string_equal(text, people[p].mine);
        list_all(NULL, true, true, got);
        expect_set(got, mine, who, "list mine, backwards");

        /* The export: the admin's disclosure of every case (policy.c); refused to everyone else. */
        struct collect col = {0};
        struct cr_export_sink sink = {collect_row, NULL, collect_finish, &col};
        struct cr_disclosure d = {"export", "Audit", "DPO", "csv", NULL};
        int64_t rows = 0;
        enum cr_status st = cr_export(db, &d, &sink, &rows);
        if (cr_person_has(cr_config_person(cfg, who), CR_ROLE_ADMIN)) {
            if (st != CR_OK)
                fail_msg("%s: export: %s", who, cr_db_errmsg(db));
            /* A disclosure, recorded case by case: every case (README), as policy.c says. */
            struct cr_scope all;
            assert_int_equal(cr_policy_disclosure_scope(db, &all), CR_OK);
            bool disclosed[CASES + 1] = {false};
            for (int c = 1; c <= CASES; c++) {
                struct cr_case_state cs;
                assert_int_equal(st_case_state(db, c, &cs), CR_OK);
                disclosed[c] =
                    cr_scope_admits(&all, cs.subject_unit, cs.subject_ref, cs.panel_round);
                cr_case_state_free(&cs);
            }
            cr_scope_free(&all);
            expect_set(col.seen, disclosed, who, "the export");
        } else {
            assert_int_equal(st, CR_REFUSED);
            assert_non_null(strstr(cr_db_errmsg(db), "export needs the admin role"));
            assert_int_equal(col.rows, 0);
        }
    }
}

/* An action's refusal: policy.c's words, then what the user may do instead. */
static void
expect_acts(const char *got, const char *want, const char *who, int c)
{
    size_t n = strlen(want);
    if (strncmp(got, want, n) != 0 || (got[n] != '\0' && strncmp(got + n, ". ", 2) != 0))
        fail_msg("%s: cr_may on case %d: \"%s\"; policy.c says \"%s\"", who, c, got, want);
}

/* Each read of one case: shown when the rule admits it, else refused with policy.c's words. */
static void
test_one_case(void **state)
{
    (void)state;
    for (size_t p = 0; p < CR_ARRAY_LEN(people); p++) {
        const char *who = people[p].login;
        as(who);
        bool admits[CASES + 1];
        policy_admits(admits);
        for (int c = 1; c <= CASES; c++) {
            char key[16], sees[1024], acts[1024];
            snprintf(key, sizeof key, "#%d", c);
            struct cr_case_state cs;
            assert_int_equal(st_case_state(db, c, &cs), CR_OK);
            const char *rule;
            enum cr_status want = cr_policy_may_see(db, &cs, "sees", &rule);
            snprintf(sees, sizeof sees, "%s", want == CR_OK ? "" : cr_db_errmsg(db));
            cr_policy_may_see(db, &cs, "acts on", &rule);
            snprintf(acts, sizeof acts, "%s", want == CR_OK ? "" : cr_db_errmsg(db));
            cr_case_state_free(&cs);
            assert_int_equal(want, admits[c] ? CR_OK : CR_REFUSED);

            struct cr_case cv;
            struct cr_history h;
            enum cr_status got[6];
            char what[6][1024];
            const char *names[6] = {"view by key",  "view by id",     "reload by key",
                                    "reload by id", "history by key", "history by id"};
            for (int r = 0; r < 6; r++) {
                bool is_view = r < 4;
                switch (r) {
                case 0:
                    got[r] = cr_case_view(db, key, &cv);
                    break;
                case 1:
                    got[r] = cr_case_view_id(db, c, &cv);
                    break;
                case 2:
                    got[r] = cr_case_reload(db, key, &cv);
                    break;
                case 3:
                    got[r] = cr_case_reload_id(db, c, &cv);
                    break;
                case 4:
                    got[r] = cr_history_get(db, key, &h);
                    break;
                default:
                    got[r] = cr_history_get_id(db, c, &h);
                    break;
                }
                snprintf(what[r], sizeof what[r], "%s", got[r] == CR_OK ? "" : cr_db_errmsg(db));
                if (got[r] == CR_OK && is_view)
                    assert_int_equal(cv.row.id, c);
                if (is_view)
                    cr_case_free(&cv);
                else
                    cr_history_free(&h);
                if (got[r] != want || strcmp(what[r], sees) != 0)
                    fail_msg("%s: %s of case %d gave %s \"%s\"; policy.c says %s \"%s\"", who,
                             names[r], c, cr_status_text(got[r]), what[r], cr_status_text(want),
                             sees);
            }

            /* Acting: nothing allowed, and every action refused with the same words. */
            unsigned allowed = 0, allowed_id = 0;
            assert_int_equal(cr_allowed_actions(db, key, &allowed), CR_OK);
            assert_int_equal(cr_allowed_actions_id(db, c, &allowed_id), CR_OK);
            assert_int_equal(allowed, allowed_id);
            if (admits[c])
                continue;
            assert_int_equal(allowed, 0);
            for (int a = 0; a < CR_ACTION_COUNT; a++) {
                assert_int_equal(cr_may(db, key, a), CR_REFUSED);
                expect_acts(cr_db_errmsg(db), acts, who, c);
                assert_int_equal(cr_may_id(db, c, a), CR_REFUSED);
                expect_acts(cr_db_errmsg(db), acts, who, c);
            }
        }
    }
}

/* Nobody signed in sees nothing, from every list. */
static void
test_nobody(void **state)
{
    (void)state;
    cr_db_set_user(db, NULL, NULL);
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(db, NULL, 0, 10, &page), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), "nobody is signed in on this handle");
    assert_int_equal(cr_list_page_before(db, NULL, INT64_MAX, 10, &page), CR_REFUSED);
    assert_int_equal(cr_list_mine_page(db, 0, 10, &page), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), "nobody is signed in on this handle");
    cr_page_free(&page);
    assert_int_equal(cr_list_page(NULL, NULL, 0, 10, &page), CR_USAGE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_one_case),
        cmocka_unit_test(test_nobody),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
