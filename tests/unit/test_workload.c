/*
 * A supervisor's tools in core: cr_workload_get (open cases per person by
 * state and by days in the current state, and who may see them) and
 * cr_assign_bulk (many cases to one reviewer in one transaction, each under
 * assign's rules, all or nothing), including the form for a list of cases
 * (the workstation's tagged rows) that the command line does not use.
 * Engine-neutral: public calls only (and the audit trail's last event), so
 * that it runs against every engine (tests/meson.build: 'workload' and
 * 'workload memory').
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
step(int day, const char *login, int64_t id, struct cr_request req)
{
    now = T0 + (int64_t)day * DAY;
    as(login);
    struct cr_act_result res;
    if (cr_act_id(db, id, &req, &res) != CR_OK)
        fail_msg("setup: %s %s %lld: %s", login, cr_action_name(req.action), (long long)id,
                 cr_db_errmsg(db));
}

static int64_t
last_event(void)
{
    int64_t id = 0;
    assert_int_equal(st_audit_last(db, &id), CR_OK);
    return id;
}

static const char *
assignee(int64_t id)
{
    static char who[32];
    struct cr_case c;
    as("cadmin");
    assert_int_equal(cr_case_reload_id(db, id, &c), CR_OK);
    snprintf(who, sizeof who, "%s", c.row.assignee ? c.row.assignee : "-");
    cr_case_free(&c);
    return who;
}

/*
 * good.yaml's roster.  Day 0: asmith claims 1, 2 and 3; day 10: asmith
 * decides 3 (awaiting approval since day 10); day 20: ejones claims 4; case
 * 5 (Professional Standards: every supervisor's unit) stays flagged.
 */
static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_workload.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    char path[160];
    snprintf(path, sizeof path, "%s/w.db", dir);
    if (cr_db_open(path, CR_OPEN_CREATE, test_clock, NULL, &db) != CR_OK)
        return -1;
    as("cadmin");
    static const char csv[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "W1,Ashgrove,Tom,officer,PC,Central,full,C1,domestic_violence,2019-01-01,complaint,NFA,"
        "one\n"
        "W2,Birch,Ann,officer,PC,Central,restricted,C2,domestic_violence,2019-01-01,complaint,"
        "NFA,two\n"
        "W3,Cole,Ben,staff,Band C,North,full,C3,sexual_offence,2020-01-01,hotline,NFA,three\n"
        "W4,Dane,Cat,officer,PC,South,full,C4,domestic_violence,2018-01-01,pnd,NFA,four\n"
        "W5,Eddy,Dan,officer,Sgt,Professional Standards,full,C5,domestic_violence,2017-01-01,"
        "other,NFA,five\n"
        "W6,Frost,Eve,officer,PC,East,full,C6,domestic_violence,2016-01-01,complaint,NFA,six\n";
    FILE *in = fmemopen((void *)csv, sizeof csv - 1, "rb");
    struct cr_import_result r;
    if (cr_import_csv(db, in, "w.csv", 0, &r, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    fclose(in);
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_request decide = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_NFA, .rationale = "Nothing recent."};
    step(0, "asmith", 1, claim);
    step(0, "asmith", 2, claim);
    step(0, "asmith", 3, claim);
    /* Case 6, decided and approved: closed, asmith still its assignee, and nobody's workload. */
    struct cr_request reassess = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REASSESS, .rationale = "Look again."};
    struct cr_request approve = {.action = CR_ACTION_APPROVE};
    step(1, "asmith", 6, claim);
    step(2, "asmith", 6, reassess);
    step(3, "bjones", 6, approve);
    step(10, "asmith", 3, decide);
    step(20, "ejones", 4, claim);
    now = T0 + 30 * DAY;
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

static const struct cr_workload_row *
row(const struct cr_workload *w, const char *login)
{
    for (size_t i = 0; i < w->n_rows; i++)
        if (strcmp(w->rows[i].login, login) == 0)
            return &w->rows[i];
    fail_msg("no row for %s", login);
    return NULL;
}

static void
test_bands(void **state)
{
    (void)state;
    assert_int_equal(cr_workload_band_from(0), 0);
    assert_int_equal(cr_workload_band_from(1), 7);
    assert_int_equal(cr_workload_band_from(2), 14);
    assert_int_equal(cr_workload_band_from(3), 28);
    assert_int_equal(cr_workload_band_from(4), -1);
    assert_int_equal(cr_workload_band_from(-1), -1);
}

/* Counted by hand at day 30: asmith 1, 2 in review (30 days), 3 awaiting approval (20); ejones 4
 * (10). */
static void
test_figures(void **state)
{
    (void)state;
    now = T0 + 30 * DAY;
    /* Case 6 is closed and still names asmith: it must not count below. */
    assert_string_equal(assignee(6), "asmith");
    as("bjones");
    int64_t before = last_event();
    struct cr_workload w;
    assert_int_equal(cr_workload_get(db, "table", &w), CR_OK);
    assert_int_equal(last_event(), before + 1);
    assert_int_equal(w.now, now);
    assert_int_equal(w.n_rows, 3);
    assert_string_equal(w.rows[0].login, "asmith");
    assert_string_equal(w.rows[1].login, "ejones");
    assert_string_equal(w.rows[2].login, "fkaur");
    const struct cr_workload_row *a = row(&w, "asmith");
    assert_string_equal(a->name, "A. Smith");
    assert_int_equal(a->reviewer, 1);
    assert_int_equal(a->by_state[CR_STATE_IN_REVIEW], 2);
    assert_int_equal(a->by_state[CR_STATE_AWAITING_APPROVAL], 1);
    assert_int_equal(a->by_state[CR_STATE_FLAGGED], 0);
    assert_int_equal(a->open, 3);
    assert_int_equal(a->by_band[0], 0);
    assert_int_equal(a->by_band[1], 0);
    assert_int_equal(a->by_band[2], 1);
    assert_int_equal(a->by_band[3], 2);
    assert_int_equal(a->oldest, 30);
    const struct cr_workload_row *e = row(&w, "ejones");
    assert_int_equal(e->open, 1);
    assert_int_equal(e->by_band[1], 1);
    assert_int_equal(e->oldest, 10);
    const struct cr_workload_row *f = row(&w, "fkaur");
    assert_int_equal(f->open, 0);
    assert_int_equal(f->oldest, -1);
    assert_string_equal(w.total.login, "total");
    assert_int_equal(w.total.open, 4);
    assert_int_equal(w.total.by_state[CR_STATE_IN_REVIEW], 3);
    assert_int_equal(w.total.by_band[1], 1);
    assert_int_equal(w.total.by_band[2], 1);
    assert_int_equal(w.total.by_band[3], 2);
    assert_int_equal(w.total.oldest, 30);
    cr_workload_free(&w);

    /* A screen refreshing reads the same figures without a new event. */
    assert_int_equal(cr_workload_reload(db, &w), CR_OK);
    assert_int_equal(last_event(), before + 1);
    assert_int_equal(row(&w, "asmith")->open, 3);
    cr_workload_free(&w);
    cr_workload_free(NULL);
}

static void
test_who_may_see(void **state)
{
    (void)state;
    int64_t before = last_event();
    struct cr_workload w;
    as("asmith");
    assert_int_equal(cr_workload_get(db, "table", &w), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), "workload needs the supervisor or admin role; you "
                                          "(asmith) are reviewer: it shows every reviewer's cases");
    assert_int_equal(w.n_rows, 0);
    cr_workload_free(&w);
    as("lpark");
    assert_int_equal(cr_workload_reload(db, &w), CR_REFUSED);
    cr_workload_free(&w);
    /* The screens' question, the same rule, asked without reading or recording. */
    assert_int_equal(cr_workload_visible(db), 0);
    as("asmith");
    assert_int_equal(cr_workload_visible(db), 0);
    as("bjones");
    assert_int_equal(cr_workload_visible(db), 1);
    as("cadmin");
    assert_int_equal(cr_workload_visible(db), 1);
    assert_int_equal(cr_workload_visible(NULL), 0);
    assert_int_equal(last_event(), before);
    as("cadmin");
    assert_int_equal(cr_workload_get(db, "json", &w), CR_OK);
    cr_workload_free(&w);
}

/* Tagged rows: the listed cases, all or nothing, each checked as a single assign. */
static void
test_bulk_listed(void **state)
{
    (void)state;
    now = T0 + 31 * DAY;
    int64_t before = last_event();
    struct cr_bulk_result r;
    /* Case 3 awaits approval: assign does not take it, so neither 1 nor 4 moves. */
    const int64_t some[] = {4, 3, 1};
    as("bjones");
    struct cr_bulk_assign q = {.to = "fkaur", .state = -1, .cases = some, .n_cases = 3};
    assert_int_equal(cr_assign_bulk(db, &q, &r), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), "nothing was moved: 1 of the 3 cases cannot go to "
                                          "fkaur, and a bulk assign is all or nothing");
    assert_int_equal(r.moved, 0);
    assert_int_equal(r.n_refused, 1);
    assert_int_equal(r.refused[0].case_id, 3);
    assert_string_equal(r.refused[0].why,
                        "assign needs a case that is flagged, in_review, or returned; case 3 is "
                        "awaiting_approval");
    cr_bulk_result_free(&r);
    assert_int_equal(last_event(), before);
    assert_string_equal(assignee(1), "asmith");
    assert_string_equal(assignee(4), "ejones");
    /* Case 4 was moved before case 3 was refused: its notice went with the rollback. */
    assert_null(cr_last_notice_at(db, 0));

    /* A case that does not exist: nothing either. */
    const int64_t missing[] = {1, 99};
    q.cases = missing;
    q.n_cases = 2;
    as("bjones");
    assert_int_equal(cr_assign_bulk(db, &q, &r), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(db), "no case '#99'");
    cr_bulk_result_free(&r);
    assert_int_equal(last_event(), before);
    assert_string_equal(assignee(1), "asmith");

    /* A case listed twice moves once. */
    const int64_t tagged[] = {4, 1, 4, 2};
    q.cases = tagged;
    q.n_cases = 4;
    as("bjones");
    assert_int_equal(cr_assign_bulk(db, &q, &r), CR_OK);
    assert_int_equal(r.moved, 1);
    assert_int_equal(r.n_cases, 3);
    assert_int_equal(r.cases[0], 4);
    assert_int_equal(r.cases[1], 1);
    assert_int_equal(r.cases[2], 2);
    /* What moved, in the words the command line and the workstation show (cr_bulk_describe). */
    char *said = cr_bulk_describe(&q, &r);
    assert_string_equal(said, "moved 3 cases to fkaur: cases 4, 1 and 2");
    free(said);
    /* A notice for each case moved, in order: the new assignee and the previous one. */
    const int64_t noticed[] = {4, 1, 2};
    const char *const previous[] = {"ejones", "asmith", "asmith"};
    for (size_t i = 0; i < 3; i++) {
        const struct cr_notice *n = cr_last_notice_at(db, i);
        assert_non_null(n);
        assert_string_equal(n->kind, "assign");
        assert_int_equal(n->case_id, noticed[i]);
        assert_int_equal(n->n_recipients, 2);
        assert_string_equal(n->recipients[0], "fkaur");
        assert_string_equal(n->recipients[1], previous[i]);
    }
    assert_null(cr_last_notice_at(db, 3));
    cr_bulk_result_free(&r);
    assert_int_equal(last_event(), before + 3);
    assert_string_equal(assignee(1), "fkaur");
    assert_string_equal(assignee(2), "fkaur");
    assert_string_equal(assignee(4), "fkaur");
}

/* A reviewer's cases, by state and limit, riskiest first. */
static void
test_bulk_from(void **state)
{
    (void)state;
    now = T0 + 32 * DAY;
    struct cr_bulk_result r;
    as("bjones");
    struct cr_bulk_assign q = {.from = "fkaur", .to = "ejones", .state = -1, .limit = 2};
    assert_int_equal(cr_assign_bulk(db, &q, &r), CR_OK);
    assert_int_equal(r.moved, 1);
    assert_int_equal(r.n_cases, 2);
    /* Riskiest first, as the queue lists them. */
    struct cr_filter all = CR_FILTER_ALL;
    all.state = CR_STATE_IN_REVIEW;
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(db, &all, 0, 10, &page), CR_OK);
    size_t k = 0;
    for (size_t i = 0; i < page.n && k < 2; i++)
        if (page.rows[i].id == 1 || page.rows[i].id == 2 || page.rows[i].id == 4)
            assert_int_equal(r.cases[k++], page.rows[i].id);
    cr_page_free(&page);
    cr_bulk_result_free(&r);

    /* Awaiting approval is not a state assign takes a case from. */
    as("bjones");
    q = (struct cr_bulk_assign){
        .from = "asmith", .to = "ejones", .state = CR_STATE_AWAITING_APPROVAL};
    assert_int_equal(cr_assign_bulk(db, &q, &r), CR_REFUSED);
    cr_bulk_result_free(&r);
    /* asmith holds only case 3 now, awaiting approval: nothing to move, nothing written. */
    int64_t before = last_event();
    q.state = -1;
    assert_int_equal(cr_assign_bulk(db, &q, &r), CR_OK);
    assert_int_equal(r.n_cases, 0);
    assert_int_equal(r.moved, 0);
    assert_int_equal(r.states, (1u << CR_STATE_FLAGGED) | (1u << CR_STATE_IN_REVIEW) |
                                   (1u << CR_STATE_RETURNED));
    cr_bulk_result_free(&r);
    assert_int_equal(last_event(), before);

    /* Usage: the same person both sides; no one named; a negative limit. */
    q = (struct cr_bulk_assign){.from = "ejones", .to = "ejones", .state = -1};
    assert_int_equal(cr_assign_bulk(db, &q, &r), CR_USAGE);
    cr_bulk_result_free(&r);
    q = (struct cr_bulk_assign){.to = "ejones", .state = -1};
    assert_int_equal(cr_assign_bulk(db, &q, &r), CR_USAGE);
    cr_bulk_result_free(&r);
    q = (struct cr_bulk_assign){.from = "fkaur", .to = "ejones", .state = -1, .limit = -1};
    assert_int_equal(cr_assign_bulk(db, &q, &r), CR_USAGE);
    cr_bulk_result_free(&r);
    /* A reviewer may not. */
    as("asmith");
    q = (struct cr_bulk_assign){.from = "fkaur", .to = "ejones", .state = -1};
    assert_int_equal(cr_assign_bulk(db, &q, &r), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), "assign needs the supervisor role; you (asmith) are "
                                          "reviewer");
    cr_bulk_result_free(&r);
    assert_int_equal(last_event(), before);

    /* The workload agrees with what moved: ejones 2 of them and case 4 was fkaur's third. */
    as("bjones");
    struct cr_workload w;
    assert_int_equal(cr_workload_reload(db, &w), CR_OK);
    assert_int_equal(row(&w, "ejones")->open, 2);
    assert_int_equal(row(&w, "fkaur")->open, 1);
    assert_int_equal(row(&w, "asmith")->open, 1);
    assert_int_equal(w.total.open, 4);
    cr_workload_free(&w);
}

/* The case numbers a filter lists, a page of per rows at a time, as "1 2 3" ("" for none). */
static const char *
listed(const struct cr_filter *f, size_t per, bool backwards)
{
    static char out[256];
    size_t used = 0;
    out[0] = '\0';
    struct cr_page page = {0};
    int64_t cursor = backwards ? INT64_MAX : 0;
    for (int pages = 0; pages < 50; pages++) {
        enum cr_status st = backwards ? cr_list_page_before(db, f, cursor, per, &page)
                                      : cr_list_page(db, f, cursor, per, &page);
        if (st != CR_OK)
            fail_msg("list: %s", cr_db_errmsg(db));
        /* Backwards: each page goes before the ones already read. */
        char chunk[256] = "";
        size_t n = 0;
        for (size_t i = 0; i < page.n; i++) {
            const struct cr_case_row *r = &page.rows[i];
            if (f->assignee && (!r->assignee || strcmp(r->assignee, f->assignee) != 0))
                fail_msg("case %lld is %s's, listed for %s", (long long)r->id,
                         r->assignee ? r->assignee : "nobody", f->assignee);
            n += (size_t)snprintf(chunk + n, sizeof chunk - n, "%s%lld", n ? " " : "",
                                  (long long)r->id);
        }
        if (backwards) {
            char rest[256];
            snprintf(rest, sizeof rest, "%s", out);
            used = (size_t)snprintf(out, sizeof out, "%s%s%s", chunk, *chunk && *rest ? " " : "",
                                    rest);
        } else if (page.n) {
            used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", used ? " " : "", chunk);
        }
        if (!page.n || (backwards ? page.n < per : !page.more))
            break;
        cursor = cr_row_cursor(f, &page.rows[backwards ? 0 : page.n - 1]);
    }
    cr_page_free(&page);
    return out;
}

/*
 * The assignee filter (struct cr_filter.assignee): the open cases a login
 * holds, the ones cr_workload_get counts for them (the dashboard's
 * drill-down from its workload panel), on either engine.  Case 6 is closed
 * and still names asmith: it is not one of them.
 */
static void
test_assignee_filter(void **state)
{
    (void)state;
    now = T0 + 30 * DAY;
    as("cadmin");
    struct cr_filter all = CR_FILTER_ALL;
    char every[256];
    snprintf(every, sizeof every, "%s", listed(&all, 10, false));
    struct cr_filter f = CR_FILTER_ALL;
    f.assignee = "asmith";
    /* The same cases in the same (riskiest first) order as the unfiltered list keeps them. */
    const char *mine = listed(&f, 10, false);
    char want[256] = "";
    size_t used = 0;
    for (char *save = NULL, *tok = strtok_r(every, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save))
        if (strcmp(tok, "1") == 0 || strcmp(tok, "2") == 0 || strcmp(tok, "3") == 0)
            used += (size_t)snprintf(want + used, sizeof want - used, "%s%s", used ? " " : "", tok);
    assert_string_equal(mine, want);
    /* Page by page, forwards and backwards, the same rows. */
    assert_string_equal(listed(&f, 1, false), want);
    assert_string_equal(listed(&f, 2, true), want);
    /* As many as the workload counts for asmith. */
    struct cr_workload w;
    assert_int_equal(cr_workload_reload(db, &w), CR_OK);
    assert_int_equal(row(&w, "asmith")->open, 3);
    cr_workload_free(&w);
    /* With the other filters: a state; closed (none); by age. */
    f.state = CR_STATE_AWAITING_APPROVAL;
    assert_string_equal(listed(&f, 10, false), "3");
    f.state = CR_STATE_CLOSED;
    assert_string_equal(listed(&f, 10, false), "");
    f.state = -1;
    f.sort = CR_SORT_AGE;
    assert_string_equal(listed(&f, 10, false), "1 2 3");
    f.sort = CR_SORT_PRIORITY;
    /* With a search (its words bound before the login): Birch is case 2. */
    f.search = "birch";
    assert_string_equal(listed(&f, 10, false), "2");
    f.assignee = "ejones";
    assert_string_equal(listed(&f, 10, false), "");
    f.search = NULL;
    assert_string_equal(listed(&f, 10, false), "4");
    /* With overdue (sla_days in_review 10 in good.yaml: 4 was claimed on day 20, late on day 31).
     */
    f.overdue = 1;
    assert_string_equal(listed(&f, 10, false), "");
    now = T0 + 31 * DAY + 1;
    assert_string_equal(listed(&f, 10, false), "4");
    now = T0 + 30 * DAY;
    f.overdue = 0;
    /* Nobody's, and someone not on the roster: nothing, and no error. */
    f.assignee = "fkaur";
    assert_string_equal(listed(&f, 10, false), "");
    f.assignee = "nobody";
    assert_string_equal(listed(&f, 10, false), "");
    /* A supervisor's need-to-know still applies (its parameters bound before the login). */
    as("bjones");
    f.assignee = "asmith";
    assert_string_equal(listed(&f, 10, false), want);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bands),       cmocka_unit_test(test_figures),
        cmocka_unit_test(test_who_may_see), cmocka_unit_test(test_assignee_filter),
        cmocka_unit_test(test_bulk_listed), cmocka_unit_test(test_bulk_from),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
