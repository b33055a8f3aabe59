/*
 * Routing an approval and the panel's progress in core: cr_case_route (its
 * refusals, what waits for whom, the notice, the routing cleared by an
 * approval or a return), cr_route_candidates_id, and cr_panel_progress /
 * cr_panel_progress_text on a page's rows and on a case view, blind voting
 * kept.  Engine-neutral: public calls only (and the audit trail's last
 * event), so that it runs against every engine (tests/meson.build: 'route'
 * and 'route memory').
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

static const struct cr_request claim = {.action = CR_ACTION_CLAIM};
static const struct cr_request refer = {
    .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REFER, .rationale = "Refer: a pattern."};
static const struct cr_request approve = {.action = CR_ACTION_APPROVE};
static const struct cr_request concur = {.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR};

/*
 * good.yaml's roster (refer: concur 2, dissent 1, an independent member,
 * blind).  Cases 1, 2 and 3 are decided by asmith (awaiting approval); case
 * 4 is flagged.
 */
static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_route.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    char path[160];
    snprintf(path, sizeof path, "%s/r.db", dir);
    if (cr_db_open(path, CR_OPEN_CREATE, test_clock, NULL, &db) != CR_OK)
        return -1;
    as("cadmin");
    static const char csv[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "R1,Ashgrove,Tom,officer,PC,Central,full,C1,domestic_violence,2019-01-01,complaint,NFA,"
        "one\n"
        "R2,Birch,Ann,officer,PC,Central,full,C2,domestic_violence,2019-01-02,complaint,NFA,two\n"
        "R3,Cole,Ben,officer,PC,North,full,C3,domestic_violence,2019-01-03,complaint,NFA,three\n"
        "R4,Dane,Cat,officer,PC,South,full,C4,domestic_violence,2019-01-04,complaint,NFA,four\n";
    FILE *in = fmemopen((void *)csv, sizeof csv - 1, "rb");
    struct cr_import_result r;
    if (cr_import_csv(db, in, "r.csv", 0, &r, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    fclose(in);
    for (int64_t id = 1; id <= 3; id++) {
        step("asmith", id, claim);
        step("asmith", id, refer);
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

/* The case numbers waiting for the user, "1 2 3". */
static const char *
mine(const char *login)
{
    static char out[128];
    as(login);
    struct cr_page page = {0};
    assert_int_equal(cr_list_mine_page(db, 0, 50, &page), CR_OK);
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < page.n; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%lld", i ? " " : "",
                                (long long)page.rows[i].id);
    cr_page_free(&page);
    return out;
}

static const char *
approver(int64_t id)
{
    static char who[32];
    struct cr_case c;
    as("cadmin");
    assert_int_equal(cr_case_reload_id(db, id, &c), CR_OK);
    snprintf(who, sizeof who, "%s", c.row.approver ? c.row.approver : "-");
    cr_case_free(&c);
    return who;
}

static int64_t
last_event(void)
{
    int64_t id = 0;
    assert_int_equal(st_audit_last(db, &id), CR_OK);
    return id;
}

/* A refusal: CR_REFUSED with exactly these words, and nothing written. */
static void
refused(const char *login, int64_t id, const char *to, const char *want)
{
    int64_t before = last_event();
    as(login);
    struct cr_act_result res;
    assert_int_equal(cr_case_route_id(db, id, to, NULL, 0, &res), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), want);
    assert_int_equal(last_event(), before);
}

static void
test_route(void **state)
{
    (void)state;
    assert_string_equal(mine("bjones"), "1 2 3");
    assert_string_equal(mine("fkaur"), "1 2 3");

    refused("asmith", 1, "fkaur", "route needs the supervisor role; you (asmith) are reviewer");
    refused("bjones", 1, "nobody", "'nobody' is not on the roster");
    refused("bjones", 1, "ejones", "ejones is not a supervisor, so cannot approve case 1");
    refused("bjones", 4, "fkaur",
            "route needs a case that is awaiting_approval; case 4 is flagged");
    refused("bjones", 1, "", "route needs the login of a supervisor");

    /* The chooser: every supervisor the case may go to (bjones may keep it). */
    as("bjones");
    const char **who = NULL;
    size_t n = 0;
    assert_int_equal(cr_route_candidates_id(db, 1, &who, &n), CR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(who[0], "bjones");
    assert_string_equal(who[1], "fkaur");
    free(who);
    as("asmith");
    assert_int_equal(cr_route_candidates_id(db, 1, &who, &n), CR_REFUSED);
    free(who);

    as("bjones");
    struct cr_act_result res;
    assert_int_equal(cr_case_route_id(db, 1, "fkaur", "Knows the area", 0, &res), CR_OK);
    assert_int_equal(res.state_after, CR_STATE_AWAITING_APPROVAL);
    const struct cr_notice *x = cr_last_notice(db);
    assert_non_null(x);
    assert_string_equal(x->kind, "route");
    assert_int_equal(x->case_id, 1);
    assert_int_equal(x->n_recipients, 1);
    assert_string_equal(x->recipients[0], "fkaur");
    assert_string_equal(approver(1), "fkaur");
    struct cr_history h;
    as("cadmin");
    assert_int_equal(cr_history_of_view_id(db, 1, &h), CR_OK);
    assert_string_equal(h.events[h.n - 1].action, "route");
    assert_string_equal(h.events[h.n - 1].details,
                        "{\"to\": \"fkaur\", \"reason\": \"Knows the area\"}");
    cr_history_free(&h);

    /* Routed: it waits for fkaur, and for no other supervisor. */
    assert_string_equal(mine("bjones"), "2 3");
    assert_string_equal(mine("fkaur"), "1 2 3");
    refused("bjones", 1, "fkaur", "case 1 is already routed to fkaur");

    /* Anyone allowed may still approve it; the routing ends with it. */
    step("bjones", 1, approve);
    assert_string_equal(approver(1), "-");

    /* A return ends it too. */
    as("fkaur");
    assert_int_equal(cr_case_route_id(db, 2, "bjones", NULL, 0, &res), CR_OK);
    assert_string_equal(mine("fkaur"), "3");
    struct cr_request ret = {.action = CR_ACTION_RETURN, .reason = "Say more."};
    step("fkaur", 2, ret);
    assert_string_equal(approver(2), "-");
}

/* The progress of case id on the user's first page of panel cases, as text. */
static const char *
page_progress(const char *login, int64_t id)
{
    static char out[64];
    as(login);
    struct cr_filter f = CR_FILTER_ALL;
    f.state = CR_STATE_PANEL_REVIEW;
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(db, &f, 0, 50, &page), CR_OK);
    strcpy(out, "(not listed)");
    for (size_t i = 0; i < page.n; i++) {
        if (page.rows[i].id != id)
            continue;
        struct cr_panel_progress p;
        cr_panel_progress(db, &page.rows[i], &p);
        cr_panel_progress_text(&p, out, sizeof out);
    }
    cr_page_free(&page);
    return out;
}

static const char *
view_progress(const char *login, int64_t id)
{
    static char out[64];
    as(login);
    struct cr_case c;
    assert_int_equal(cr_case_reload_id(db, id, &c), CR_OK);
    struct cr_panel_progress p;
    cr_panel_progress(db, &c.row, &p);
    cr_panel_progress_text(&p, out, sizeof out);
    cr_case_free(&c);
    return out;
}

static void
test_panel_progress(void **state)
{
    (void)state;
    /* Case 1 went to the panel (test_route approved it); lpark (legal) concurs. */
    step("lpark", 1, concur);
    assert_string_equal(page_progress("bjones", 1), "1/2 +ind");
    assert_string_equal(view_progress("bjones", 1), "1/2 +ind");
    assert_string_equal(page_progress("lpark", 1), "1/2 +ind");
    /* Blind: mkhan has not voted and sees no count, not even which kind is missing. */
    assert_string_equal(page_progress("mkhan", 1), "?/2");
    assert_string_equal(view_progress("mkhan", 1), "?/2");
    as("mkhan");
    struct cr_filter f = CR_FILTER_ALL;
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(db, &f, 0, 50, &page), CR_OK);
    for (size_t i = 0; i < page.n; i++) {
        struct cr_panel_progress p;
        cr_panel_progress(db, &page.rows[i], &p);
        if (page.rows[i].id == 1) {
            assert_int_equal(p.shown, 1);
            assert_int_equal(p.hidden, 1);
            assert_int_equal(p.concur, 0);
            assert_int_equal(p.concur_needed, 2);
            assert_int_equal(p.dissent_needed, 1);
            assert_int_equal(p.kinds_missing, 0);
        }
    }
    cr_page_free(&page);
    /* rdoe (police) concurs: the count is met, the independent member still missing. */
    step("rdoe", 1, concur);
    assert_string_equal(page_progress("rdoe", 1), "2/2 +ind");
    assert_string_equal(page_progress("mkhan", 1), "?/2");
    /* A case not with the panel shows nothing. */
    assert_string_equal(view_progress("bjones", 3), "");
}

static void
test_progress_text(void **state)
{
    (void)state;
    char buf[64];
    struct cr_panel_progress p = {.shown = 1, .concur = 0, .concur_needed = 3};
    p.kinds_missing = (1u << CR_KIND_INDEPENDENT) | (1u << CR_KIND_LEGAL);
    assert_string_equal(cr_panel_progress_text(&p, buf, sizeof buf), "0/3 +ind +leg");
    p.hidden = 1;
    p.kinds_missing = 0;
    assert_string_equal(cr_panel_progress_text(&p, buf, sizeof buf), "?/3");
    p.shown = 0;
    assert_string_equal(cr_panel_progress_text(&p, buf, sizeof buf), "");
    /* Cut to the buffer, always terminated. */
    p = (struct cr_panel_progress){.shown = 1, .concur = 1, .concur_needed = 2, .kinds_missing = 1};
    assert_string_equal(cr_panel_progress_text(&p, buf, 5), "1/2 ");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route),
        cmocka_unit_test(test_panel_progress),
        cmocka_unit_test(test_progress_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
