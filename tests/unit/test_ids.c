/*
 * The id-based entry points (cr_case_view_id, cr_act_id, ...): a program that
 * holds a case's id names the case by it, never by a text key to be parsed
 * back.  Each gives what the key "#N" gives (the same case, the same rules,
 * the same audit events and the same messages), and an id is never taken for
 * a subject_ref.
 */
#include "internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return 1767225600; /* 2026-01-01T00:00:00Z */
}

struct fixture {
    char dir[64];
    char path[128];
    struct cr_config *cfg;
};

static cr_db *
open_as(const struct fixture *f, const char *login)
{
    cr_db *db;
    assert_int_equal(cr_db_open(f->path, CR_OPEN_CREATE, fixed_clock, NULL, &db), CR_OK);
    const struct cr_person *p = cr_config_person(f->cfg, login);
    assert_non_null(p);
    cr_db_set_user(db, f->cfg, p);
    return db;
}

static enum cr_status
import(cr_db *db, const char *csv)
{
    cr_diags *d = NULL;
    FILE *in = fmemopen((void *)csv, strlen(csv), "rb");
    struct cr_import_result r;
    enum cr_status st = cr_import_csv(db, in, "t.csv", 0, &r, &d);
    cr_diags_free(d);
    fclose(in);
    return st;
}

/*
 * Three flagged cases: 1 (subject S1, Central West BCU), 2 (S2, East Area
 * BCU: asmith's own unit, which conflicts.same_unit keeps from her) and 3,
 * whose subject_ref is "1": the key "1" names two cases, the id 1 one.
 */
static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/cr-ids-XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &f->cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    cr_db *db = open_as(f, "cadmin");
    enum cr_status st = import(
        db, "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,"
            "category,allegation_date,source,original_outcome,summary\n"
            "S1,Ashgrove,Tom,officer,PC,Central West BCU,full,A1,domestic_violence,2019-01-01,"
            "complaint,NFA,one\n"
            "S2,Brackenridge,Ann,officer,PC,East Area BCU,full,A2,sexual_offence,2020-01-01,"
            "hotline,NFA,two\n"
            "1,Carrow,Lee,officer,PC,Central West BCU,full,A3,sexual_offence,2021-01-01,"
            "hotline,NFA,three\n");
    cr_db_close(db);
    *state = f;
    return st == CR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    cr_config_free(f->cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* The number of events in case id's history, as the admin sees it (that view is audited too). */
static size_t
events_of(const struct fixture *f, int64_t id)
{
    cr_db *db = open_as(f, "cadmin");
    struct cr_history h;
    assert_int_equal(cr_history_of_view_id(db, id, &h), CR_OK);
    size_t n = h.n;
    cr_history_free(&h);
    cr_db_close(db);
    return n;
}

/* The id names the case the key "#N" names, with the same audit event. */
static void
test_view_by_id_is_view_by_number(void **state)
{
    struct fixture *f = *state;
    cr_db *db = open_as(f, "ejones");
    struct cr_case a, b;
    size_t before = events_of(f, 1);
    assert_int_equal(cr_case_view(db, "#1", &a), CR_OK);
    assert_int_equal(events_of(f, 1), before + 1);
    assert_int_equal(cr_case_view_id(db, 1, &b), CR_OK);
    assert_int_equal(events_of(f, 1), before + 2); /* a view is audited whichever way it is named */
    assert_int_equal(b.row.id, 1);
    assert_string_equal(b.row.subject_ref, a.row.subject_ref);
    assert_int_equal(b.n_allegations, a.n_allegations);
    cr_case_free(&a);
    cr_case_free(&b);
    /* A reload is not audited, by key or by id. */
    assert_int_equal(cr_case_reload_id(db, 1, &b), CR_OK);
    assert_int_equal(events_of(f, 1), before + 2);
    cr_case_free(&b);
    cr_db_close(db);
}

/* "1" is both case 1 and case 3's subject_ref: the key is ambiguous, the id is not. */
static void
test_id_is_never_a_subject_ref(void **state)
{
    struct fixture *f = *state;
    cr_db *db = open_as(f, "ejones");
    struct cr_case c;
    assert_int_equal(cr_case_view(db, "1", &c), CR_USAGE);
    assert_int_equal(cr_case_view_id(db, 1, &c), CR_OK);
    assert_int_equal(c.row.id, 1);
    assert_string_equal(c.row.subject_ref, "S1");
    cr_case_free(&c);
    assert_int_equal(cr_case_view_id(db, 3, &c), CR_OK);
    assert_string_equal(c.row.subject_ref, "1");
    cr_case_free(&c);
    cr_db_close(db);
}

/* No such case: CR_NOT_FOUND, with the very words the key "#N" gets, for every entry point. */
static void
test_missing_id_says_what_the_key_says(void **state)
{
    struct fixture *f = *state;
    cr_db *db = open_as(f, "ejones");
    struct cr_case c;
    assert_int_equal(cr_case_view(db, "#99", &c), CR_NOT_FOUND);
    char *expected = strdup(cr_db_errmsg(db));
    assert_string_equal(expected, "no case '#99' (give a case number or a subject_ref)");
    assert_int_equal(cr_case_view_id(db, 99, &c), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(db), expected);
    assert_int_equal(cr_case_reload_id(db, 99, &c), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(db), expected);
    struct cr_history h;
    assert_int_equal(cr_history_get_id(db, 99, &h), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(db), expected);
    assert_int_equal(cr_history_of_view_id(db, 99, &h), CR_NOT_FOUND);
    struct cr_request req = {.action = CR_ACTION_CLAIM};
    struct cr_act_result res;
    assert_int_equal(cr_act_id(db, 99, &req, &res), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(db), expected);
    assert_int_equal(cr_may_id(db, 99, CR_ACTION_CLAIM), CR_NOT_FOUND);
    unsigned actions;
    assert_int_equal(cr_allowed_actions_id(db, 99, &actions), CR_NOT_FOUND);
    struct cr_draft d = {.action = CR_ACTION_NOTE, .outcome = -1, .vote = -1, .text = "x"};
    assert_int_equal(cr_draft_save_id(db, 99, &d), CR_NOT_FOUND);
    assert_int_equal(cr_draft_get_id(db, 99, CR_ACTION_NOTE, &d), CR_NOT_FOUND);
    assert_int_equal(cr_draft_discard_id(db, 99, CR_ACTION_NOTE), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(db), expected);
    /* Zero and negative ids name no case either. */
    assert_int_equal(cr_case_view_id(db, 0, &c), CR_NOT_FOUND);
    assert_int_equal(cr_case_view_id(db, -1, &c), CR_NOT_FOUND);
    free(expected);
    cr_db_close(db);
}

/* The rules are the same: asmith may not see case 2 (her own unit), by key or by id. */
static void
test_refusals_are_the_same(void **state)
{
    struct fixture *f = *state;
    cr_db *db = open_as(f, "asmith");
    struct cr_case c;
    assert_int_equal(cr_case_view(db, "#2", &c), CR_REFUSED);
    char *expected = strdup(cr_db_errmsg(db));
    assert_int_equal(cr_case_view_id(db, 2, &c), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), expected);
    assert_int_equal(cr_may(db, "#2", CR_ACTION_CLAIM), CR_REFUSED);
    free(expected);
    expected = strdup(cr_db_errmsg(db));
    assert_int_equal(cr_may_id(db, 2, CR_ACTION_CLAIM), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), expected);
    struct cr_request req = {.action = CR_ACTION_CLAIM};
    struct cr_act_result res;
    assert_int_equal(cr_act_id(db, 2, &req, &res), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), expected);
    free(expected);
    cr_db_close(db);
}

/* Acting, asking and keeping drafts by id. */
static void
test_act_and_drafts_by_id(void **state)
{
    struct fixture *f = *state;
    cr_db *db = open_as(f, "ejones");
    unsigned by_key, by_id;
    assert_int_equal(cr_allowed_actions(db, "#1", &by_key), CR_OK);
    assert_int_equal(cr_allowed_actions_id(db, 1, &by_id), CR_OK);
    assert_int_equal(by_id, by_key);
    assert_true(by_id & (1u << CR_ACTION_CLAIM));
    assert_int_equal(cr_may_id(db, 1, CR_ACTION_CLAIM), CR_OK);

    struct cr_draft d = {.action = CR_ACTION_NOTE, .outcome = -1, .vote = -1, .text = "kept"};
    assert_int_equal(cr_draft_save_id(db, 1, &d), CR_OK);
    struct cr_draft got;
    assert_int_equal(cr_draft_get(db, "#1", CR_ACTION_NOTE, &got), CR_OK); /* the same draft */
    assert_string_equal(got.text, "kept");
    cr_draft_free(&got);
    assert_int_equal(cr_draft_discard_id(db, 1, CR_ACTION_NOTE), CR_OK);
    assert_int_equal(cr_draft_get_id(db, 1, CR_ACTION_NOTE, &got), CR_NOT_FOUND);
    cr_draft_free(&got);

    struct cr_request req = {.action = CR_ACTION_CLAIM};
    struct cr_act_result res;
    assert_int_equal(cr_act_id(db, 1, &req, &res), CR_OK);
    assert_int_equal(res.case_id, 1);
    assert_int_equal(res.state_before, CR_STATE_FLAGGED);
    assert_int_equal(res.state_after, CR_STATE_IN_REVIEW);
    struct cr_case c;
    assert_int_equal(cr_case_reload_id(db, 1, &c), CR_OK);
    assert_string_equal(c.row.assignee, "ejones");
    cr_case_free(&c);
    /* Claimed already: the same refusal as cr_act gives. */
    assert_int_equal(cr_act_id(db, 1, &req, &res), CR_REFUSED);
    char *expected = strdup(cr_db_errmsg(db));
    assert_int_equal(cr_act(db, "#1", &req, &res), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), expected);
    free(expected);

    struct cr_history h;
    assert_int_equal(cr_history_get_id(db, 1, &h), CR_OK);
    bool claimed = false;
    for (size_t i = 0; i < h.n; i++)
        claimed |= strcmp(h.events[i].action, "claim") == 0;
    assert_true(claimed);
    cr_history_free(&h);
    cr_db_close(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_view_by_id_is_view_by_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_id_is_never_a_subject_ref, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_id_says_what_the_key_says, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_are_the_same, setup, teardown),
        cmocka_unit_test_setup_teardown(test_act_and_drafts_by_id, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
