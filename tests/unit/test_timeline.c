/*
 * The subject's timeline and linked references in core (timeline.h):
 * cr_case_timeline_id over a subject with a closed case and a later one
 * (every case, every allegation by date marked with its case), the later
 * case's priority counting the subject's whole history, the import's
 * linked_refs (added once, a bad value refused with its line and column,
 * nothing written), cr_case_link / cr_case_unlink (who may, refusals,
 * nothing written on a refusal), search finding a linked reference, and
 * audit verify passing.  Public calls only (and the audit trail's last
 * event), so that it runs against every engine (tests/meson.build:
 * 'timeline' and 'timeline memory').
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

/* Import csv as the admin: its status, and the first problem in *first (or ""). */
static enum cr_status
import(const char *csv, struct cr_import_result *r, char *first, size_t n)
{
    as("cadmin");
    FILE *in = fmemopen((void *)csv, strlen(csv), "rb");
    cr_diags *d = NULL;
    enum cr_status st = cr_import_csv(db, in, "t.csv", 0, r, &d);
    fclose(in);
    snprintf(first, n, "%s", cr_diags_count(d) ? cr_diags_get(d, 0) : "");
    cr_diags_free(d);
    return st;
}

#define HEAD                                                                                  \
    "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category," \
    "allegation_date,source,original_outcome,summary,linked_refs\n"

static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_timeline.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    char path[160];
    snprintf(path, sizeof path, "%s/t.db", dir);
    if (cr_db_open(path, CR_OPEN_CREATE, test_clock, NULL, &db) != CR_OK)
        return -1;
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

static int64_t
last_event(void)
{
    int64_t id = 0;
    assert_int_equal(st_audit_last(db, &id), CR_OK);
    return id;
}

/* The case numbers of a list under filter, "3 1 4". */
static const char *
listed(const char *search)
{
    static char out[128];
    as("cadmin");
    struct cr_filter f = CR_FILTER_ALL;
    f.search = search;
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(db, &f, 0, 50, &page), CR_OK);
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < page.n; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%lld", i ? " " : "",
                                (long long)page.rows[i].id);
    cr_page_free(&page);
    return out;
}

/* The timeline of case id as a line: "1:A1 1:A2 3:A3 | 1:closed 3:flagged | 1:crime:CR/1=open". */
static const char *
timeline(int64_t id)
{
    static char out[512];
    struct cr_timeline t;
    assert_int_equal(cr_case_timeline_id(db, id, &t), CR_OK);
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < t.n_allegations; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%lld:%s", i ? " " : "",
                                (long long)t.allegations[i].case_id, t.allegations[i].ref);
    len += (size_t)snprintf(out + len, sizeof out - len, " |");
    for (size_t i = 0; i < t.n_cases; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, " %lld:%s%s", (long long)t.cases[i].id,
                                cr_state_name(t.cases[i].state),
                                t.cases[i].closed_at ? "(closed_at)" : "");
    len += (size_t)snprintf(out + len, sizeof out - len, " |");
    for (size_t i = 0; i < t.n_links; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, " %lld:%s:%s=%s",
                                (long long)t.links[i].case_id, cr_link_kind_name(t.links[i].kind),
                                t.links[i].ref, t.links[i].status);
    cr_timeline_free(&t);
    return out;
}

static void
verify_ok(void)
{
    as("cadmin");
    int64_t events = 0;
    if (cr_audit_verify(db, &events) != CR_OK)
        fail_msg("audit verify: %s", cr_db_errmsg(db));
}

static void
test_timeline(void **state)
{
    (void)state;
    struct cr_import_result r;
    char first[512];
    /* A bad linked_refs value: refused with line and column, nothing written. */
    int64_t before = last_event();
    assert_int_equal(import(HEAD "S1,Smith,Ann,officer,PC,U1,full,A1,domestic_violence,2024-03-01,"
                                 "complaint,NFA,one,crime:CR/1=open;iops:2024/0001=closed\n",
                            &r, first, sizeof first),
                     CR_INVALID);
    assert_string_equal(first, "t.csv:2: linked_refs: entry 2: 'iops' is not a kind of reference "
                               "(crime, misconduct, iopc, other)");
    assert_int_equal(last_event(), before);
    assert_string_equal(listed(NULL), "");

    static const char one[] =
        HEAD "S1,Smith,Ann,officer,PC,U1,full,A1,domestic_violence,2024-03-01,complaint,NFA,one,"
             "crime:CR/1=open\n"
             "S1,Smith,Ann,officer,PC,U1,full,A2,sexual_offence,2024-05-01,hotline,NFA,two,\n"
             "S2,Jones,Bob,officer,PC,U2,full,B1,domestic_violence,2025-01-01,complaint,NFA,b,"
             "iopc:2024/0001=closed;misconduct:MS-9\n";
    assert_int_equal(import(one, &r, first, sizeof first), CR_OK);
    assert_int_equal(r.new_links, 3);
    /* The same file again: nothing changes. */
    before = last_event();
    assert_int_equal(import(one, &r, first, sizeof first), CR_OK);
    assert_int_equal(r.new_links, 0);
    assert_int_equal(last_event(), before);

    /* Case 1 closed: nfa, approved, the panel concurs. */
    step("asmith", 1, (struct cr_request){.action = CR_ACTION_CLAIM});
    step("asmith", 1,
         (struct cr_request){
             .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_NFA, .rationale = "Nothing."});
    step("bjones", 1, (struct cr_request){.action = CR_ACTION_APPROVE});
    static const char *const members[] = {"mkhan", "tnash", "lpark"};
    for (size_t i = 0; i < 3; i++)
        step(members[i], 1, (struct cr_request){.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR});

    /* A later allegation: case 3 follows closed case 1; case 4 has two of its own. */
    assert_int_equal(
        import(HEAD "S1,Smith,Ann,officer,PC,U1,full,A3,domestic_violence,2025-06-01,colleague,"
                    "NFA,three,\n"
                    "S3,Brown,Cal,officer,PC,U3,full,C1,domestic_violence,2025-06-01,colleague,"
                    "NFA,c1,\n"
                    "S3,Brown,Cal,officer,PC,U3,full,C2,domestic_violence,2025-06-02,colleague,"
                    "NFA,c2,\n",
               &r, first, sizeof first),
        CR_OK);
    as("cadmin");
    assert_string_equal(timeline(3),
                        "1:A1 1:A2 3:A3 | 1:closed(closed_at) 3:flagged | 1:crime:CR/1=open");
    assert_string_equal(timeline(1),
                        "1:A1 1:A2 3:A3 | 1:closed(closed_at) 3:flagged | 1:crime:CR/1=open");
    assert_string_equal(timeline(2), "2:B1 | 2:flagged | 2:iopc:2024/0001=closed "
                                     "2:misconduct:MS-9=open");
    /*
     * The priority counts the subject's three allegations, a sexual offence
     * among them: case 3 first, before case 4 (two of its own, later).
     */
    assert_string_equal(listed(NULL), "3 1 4 2");

    /* Who may link: the reviewer who holds it, a supervisor, the admin; not another. */
    struct cr_act_result res;
    as("asmith");
    before = last_event();
    assert_int_equal(cr_case_link_id(db, 3, CR_LINK_CRIME, "CR/9/25", NULL, "seen", 0, &res),
                     CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), "link needs the reviewer who holds case 3, a "
                                          "supervisor or an admin; you (asmith) do not hold it "
                                          "(nobody does)");
    as("mkhan");
    assert_int_equal(cr_case_link_id(db, 3, CR_LINK_CRIME, "CR/9/25", NULL, "seen", 0, &res),
                     CR_REFUSED);
    as("bjones");
    assert_int_equal(cr_case_link_id(db, 3, CR_LINK_CRIME, "CR/9/25", NULL, " ", 0, &res),
                     CR_REFUSED);
    assert_int_equal(cr_case_link_id(db, 3, CR_LINK_CRIME, "a;b", NULL, "x", 0, &res), CR_USAGE);
    assert_int_equal(last_event(), before);
    step("asmith", 3, (struct cr_request){.action = CR_ACTION_CLAIM});
    as("asmith");
    assert_int_equal(cr_case_link_id(db, 3, CR_LINK_CRIME, "CR/9/25", NULL, "seen", 0, &res),
                     CR_OK);
    assert_int_equal(res.version, 3);
    assert_int_equal(cr_case_link_id(db, 3, CR_LINK_CRIME, "CR/9/25", "open", "again", 0, &res),
                     CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db),
                        "case 3 already links crime CR/9/25 as open; nothing to change");
    as("bjones");
    assert_int_equal(
        cr_case_link_id(db, 3, CR_LINK_CRIME, "CR/9/25", "charged", "charged today", 0, &res),
        CR_OK);
    as("cadmin");
    assert_int_equal(cr_case_unlink_id(db, 1, "CR/1", "wrong matter", 0, &res), CR_OK);
    assert_int_equal(cr_case_unlink_id(db, 1, "CR/1", "wrong matter", 0, &res), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(db), "case 1 has no linked reference CR/1 in force");
    assert_string_equal(timeline(3), "1:A1 1:A2 3:A3 | 1:closed(closed_at) 3:in_review | "
                                     "3:crime:CR/9/25=charged");

    /* Search finds a linked reference in force, and no longer one removed. */
    assert_string_equal(listed("CR/9/25"), "3");
    assert_string_equal(listed("MS-9"), "2");
    assert_string_equal(listed("CR/1"), "");
    verify_ok();

    /* An import never adds again a reference its case has had. */
    assert_int_equal(import(one, &r, first, sizeof first), CR_OK);
    assert_int_equal(r.new_links, 0);
    verify_ok();
}

static void
test_parse(void **state)
{
    (void)state;
    char why[256];
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"crime", "entry 1 'crime' has no kind (expected KIND:REFERENCE=STATUS)"},
        {"crime:", "entry 1 'crime:': the reference is empty"},
        {"crime:X=", "entry 1 'crime:X=': the status is empty"},
        {"crime:X=Open",
         "entry 1 'crime:X=Open': the status is not a word of a-z, 0-9, '_' and '-'"},
        {"crime:X;;other:Y", "entry 2 is empty (expected KIND:REFERENCE=STATUS)"},
        {"crime:X;other:X", "entry 2: the reference 'X' is given twice"},
        {"police:X",
         "entry 1: 'police' is not a kind of reference (crime, misconduct, iopc, other)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(
            cr_linked_refs_parse(bad[i].in, strlen(bad[i].in), NULL, NULL, why, sizeof why), -1);
        assert_string_equal(why, bad[i].why);
    }
    const char *good = " crime:CR/1234/24=open ; iopc:2024/0001 ;";
    assert_int_equal(cr_linked_refs_parse(good, strlen(good), NULL, NULL, why, sizeof why), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeline),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
