/*
 * Retention, erasure and correction in core (core/erase.c) and the chain
 * they rely on (audit.c, v3): every event written carries the keyed digest
 * of its details, which its hash covers; cr_retention_due in years (a 29
 * February too) and days; cr_purge's dry run writing nothing, its erasure
 * (rows, redacted events, the `erased` event) and audit verify passing
 * after it, then failing on an erased event's details altered; cr_correct
 * on an open and on a decided case, verify passing after.  Engine-neutral:
 * public calls and the st_* functions of internal.h only, so that it runs
 * against every engine (tests/meson.build: 'erase' and 'erase memory').
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
#define YEAR (365 * 86400)

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
static const struct cr_request reassess = {.action = CR_ACTION_DECIDE,
                                           .outcome = CR_OUTCOME_REASSESS,
                                           .rationale = "Rationale Secretword"};
static const struct cr_request approve = {.action = CR_ACTION_APPROVE};
static const struct cr_request note = {.action = CR_ACTION_NOTE, .text = "Note Hiddenword"};

/*
 * good.yaml's roster (reassess needs no panel) with retention: one year.
 * Case 1 is closed at T0 with a note and a rationale; case 2 awaits
 * approval; case 3 is flagged.
 */
static int
setup(void **state)
{
    (void)state;
    now = T0;
    snprintf(dir, sizeof dir, "/tmp/test_erase.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char path[160], yaml[160];
    snprintf(yaml, sizeof yaml, "%s/c.yaml", dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && printf 'retention:\\n  closed_years: 1\\n' >>'%s'",
             FIXTURES "/config/good.yaml", yaml, yaml);
    if (system(cmd) != 0)
        return -1;
    cr_diags *d = NULL;
    if (cr_config_load(yaml, &cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    snprintf(path, sizeof path, "%s/e.db", dir);
    if (cr_db_open(path, CR_OPEN_CREATE, test_clock, NULL, &db) != CR_OK)
        return -1;
    as("cadmin");
    static const char csv[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "E1,Ashgrove,Tom,officer,PC,Central,full,C1,domestic_violence,2019-01-01,complaint,NFA,"
        "Summary Goneword\n"
        "E2,Birch,Ann,officer,PC,Central,full,C2,domestic_violence,2019-01-02,complaint,NFA,two\n"
        "E3,Cole,Ben,officer,PC,North,full,C3,domestic_violence,2019-01-03,complaint,NFA,three\n";
    FILE *in = fmemopen((void *)csv, sizeof csv - 1, "rb");
    struct cr_import_result r;
    if (cr_import_csv(db, in, "e.csv", 0, &r, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    fclose(in);
    step("asmith", 1, claim);
    step("asmith", 1, note);
    step("asmith", 1, reassess);
    step("bjones", 1, approve);
    step("asmith", 2, claim);
    step("asmith", 2, reassess);
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
verify_ok(void)
{
    as("cadmin");
    int64_t n;
    if (cr_audit_verify(db, &n) != CR_OK)
        fail_msg("verify: %s", cr_db_errmsg(db));
}

static int64_t
last_event(void)
{
    int64_t id;
    assert_int_equal(st_audit_last(db, &id), CR_OK);
    return id;
}

/* Each event's digest as stored beside it, checked against its details. */
struct digests {
    const unsigned char *key;
    int n, with, right, erased;
};

static int
count_digest(void *ctx, const struct cr_audit_link *l)
{
    struct digests *x = ctx;
    x->n++;
    if (cr_audit_erased_by(l->e.details))
        x->erased++;
    if (!l->e.details_digest)
        return 0;
    x->with++;
    char hex[65];
    cr_audit_details_digest(x->key, l->e.details, hex);
    x->right += strcmp(hex, l->e.details_digest) == 0;
    return 0;
}

static struct digests
digests(int64_t case_id)
{
    struct cr_audit_key key;
    assert_int_equal(st_audit_key(db, &key), CR_OK);
    assert_true(key.have);
    struct digests x = {.key = key.key};
    assert_int_equal(st_audit_chain(db, case_id, 0, count_digest, &x), CR_OK);
    return x;
}

/* Every event written carries its keyed digest, and the chain verifies. */
static void
test_chain_v3(void **state)
{
    (void)state;
    struct digests x = digests(0);
    assert_true(x.n > 5);
    assert_int_equal(x.with, x.n);
    assert_int_equal(x.right, x.n);
    assert_int_equal(x.erased, 0);
    verify_ok();
}

static void
test_retention_due(void **state)
{
    (void)state;
    struct cr_config c;
    memset(&c, 0, sizeof c);
    assert_int_equal(cr_retention_due(&c, CR_OUTCOME_NFA, T0), 0);
    c.retention_years[CR_OUTCOME_COUNT] = 6;
    int64_t t;
    assert_int_equal(cr_time_parse("2032-01-01", &t), 0);
    assert_int_equal(cr_retention_due(&c, CR_OUTCOME_NFA, T0 + 3600), t + 3600);
    c.retention_days[CR_OUTCOME_REFER] = 30;
    assert_int_equal(cr_retention_due(&c, CR_OUTCOME_REFER, T0), T0 + 30 * 86400);
    assert_int_equal(cr_retention_due(&c, -1, T0), t);
    /* 29 February, a year on: 1 March. */
    int64_t leap, march;
    assert_int_equal(cr_time_parse("2028-02-29", &leap), 0);
    assert_int_equal(cr_time_parse("2034-03-01", &march), 0);
    assert_int_equal(cr_retention_due(&c, CR_OUTCOME_NFA, leap), march);
}

static void
test_purge(void **state)
{
    (void)state;
    struct cr_purge_result r;
    /* Within retention: nothing to erase, case 1 named as kept. */
    now = T0 + 100 * 86400;
    as("cadmin");
    assert_int_equal(cr_purge(db, T0 + 86400, "MoPI", false, &r), CR_OK);
    assert_int_equal(r.n_erased, 0);
    assert_int_equal(r.n_kept, 1);
    assert_int_equal(r.kept[0], 1);
    cr_purge_result_free(&r);
    /* Not the supervisor's. */
    as("bjones");
    assert_int_equal(cr_purge(db, T0 + 86400, "MoPI", false, &r), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db),
                        "purge needs the admin role; you (bjones) are supervisor");
    cr_purge_result_free(&r);
    /* Past it, dry: named, nothing written. */
    now = T0 + 2 * YEAR;
    as("cadmin");
    int64_t before = last_event();
    assert_int_equal(cr_purge(db, T0 + 86400, "MoPI", true, &r), CR_OK);
    assert_int_equal(r.n_erased, 1);
    assert_int_equal(r.erased[0], 1);
    cr_purge_result_free(&r);
    assert_int_equal(last_event(), before);
    assert_int_equal(digests(1).erased, 0);
    /* The erasure. */
    assert_int_equal(cr_purge(db, T0 + 86400, "MoPI review", false, &r), CR_OK);
    assert_int_equal(r.n_erased, 1);
    assert_int_equal(r.allegations, 1);
    assert_int_equal(r.texts, 2); /* the decision's rationale and the note */
    assert_int_equal(r.subjects, 1);
    int64_t erasure = before + 1;
    int64_t erased_events = r.events;
    assert_int_equal(erased_events, digests(1).erased);
    cr_purge_result_free(&r);
    assert_int_equal(last_event(), erasure + 1); /* the case's erased event, the purge's */
    struct cr_case c;
    assert_int_equal(cr_case_reload_id(db, 1, &c), CR_OK);
    assert_string_equal(c.allegations[0].summary, CR_ERASED_TEXT);
    assert_string_equal(c.rationale, CR_ERASED_TEXT);
    assert_string_equal(c.row.surname, CR_ERASED_TEXT);
    assert_string_equal(c.row.subject_ref, "erased-1");
    assert_int_equal(c.row.state, CR_STATE_CLOSED);
    assert_int_equal(c.row.outcome, CR_OUTCOME_REASSESS);
    cr_case_free(&c);
    assert_int_equal(cr_case_reload_id(db, 2, &c), CR_OK);
    assert_string_equal(c.allegations[0].summary, "two");
    cr_case_free(&c);
    /* Every event of the case before its erasure names it. */
    struct digests x = digests(1);
    assert_int_equal(x.erased, erased_events);
    verify_ok();
    /* An erased event's details altered: the erasure's sum says so. */
    assert_int_equal(st_begin(db), CR_OK);
    assert_int_equal(st_audit_redact(db, 3, "{\"erased\": 999}"), CR_OK);
    assert_int_equal(st_commit(db), CR_OK);
    int64_t n;
    assert_int_equal(cr_audit_verify(db, &n), CR_INVALID);
    char want[128];
    snprintf(want, sizeof want, "audit event %lld: the %d events marked as erased by it",
             (long long)erasure, x.erased - 1);
    if (strncmp(cr_db_errmsg(db), want, strlen(want)) != 0)
        fail_msg("verify said: %s", cr_db_errmsg(db));
}

static void
test_correct(void **state)
{
    (void)state;
    as("cadmin");
    struct cr_correct_result r;
    struct cr_case c;
    assert_int_equal(cr_case_reload_id(db, 3, &c), CR_OK);
    int64_t p0 = c.row.priority;
    cr_case_free(&c);
    assert_int_equal(cr_correct(db, "C3", "date", "2025-12-01", "Keyed as 2019", &r), CR_OK);
    assert_string_equal(r.old_value, "2019-01-03");
    assert_false(r.returned);
    cr_correct_result_free(&r);
    assert_int_equal(cr_case_reload_id(db, 3, &c), CR_OK);
    assert_string_equal(c.allegations[0].date, "2025-12-01");
    assert_true(c.row.priority > p0);
    cr_case_free(&c);
    /* Case 2 awaits approval: back to its reviewer. */
    assert_int_equal(cr_correct(db, "C2", "summary", "Two, corrected", "Typo", &r), CR_OK);
    assert_true(r.returned);
    assert_int_equal(r.state_after, CR_STATE_RETURNED);
    cr_correct_result_free(&r);
    assert_int_equal(cr_correct(db, "C9", "summary", "x", "Typo", &r), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(db), "correct: no allegation C9");
    cr_correct_result_free(&r);
    as("asmith");
    assert_int_equal(cr_correct(db, "C2", "summary", "x", "Typo", &r), CR_REFUSED);
    cr_correct_result_free(&r);
    verify_ok();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain_v3, setup, teardown),
        cmocka_unit_test(test_retention_due),
        cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_correct, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
