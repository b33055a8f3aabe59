/*
 * The panel's bundle in core (cr_pack): the files, their modes, the
 * MANIFEST's sums and the one disclosure event with its digest, redaction,
 * the subject's other cases, and the refusals that write nothing.
 * Engine-neutral: public calls only (and the audit trail), so that it runs
 * against every engine (tests/meson.build: 'pack' and 'pack memory').
 */
#include "internal.h"

#include <fcntl.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static void
import(const char *csv)
{
    as("cadmin");
    cr_diags *d = NULL;
    FILE *in = fmemopen((void *)csv, strlen(csv), "rb");
    struct cr_import_result r;
    if (cr_import_csv(db, in, "p.csv", 0, &r, &d) != CR_OK)
        fail_msg("setup: import");
    cr_diags_free(d);
    fclose(in);
}

#define HEADER                                                                                \
    "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category," \
    "allegation_date,source,original_outcome,summary\n"

/*
 * Case 1 (P1) before the panel; case 2 (P2) closed (reassess needs no
 * panel); case 3 (P2 again) follows it.
 */
static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_pack.XXXXXX");
    if (!mkdtemp(dir) || sodium_init() < 0)
        return -1;
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    char path[160];
    snprintf(path, sizeof path, "%s/p.db", dir);
    if (cr_db_open(path, CR_OPEN_CREATE, test_clock, NULL, &db) != CR_OK)
        return -1;
    import(HEADER "P1,Ashgrove,Tom,officer,PC,Central,full,C1,domestic_violence,2019-01-01,"
                  "complaint,NFA,Secret summary one\n"
                  "P2,Birch,Ann,officer,PC,Central,full,C2,domestic_violence,2019-01-02,"
                  "complaint,NFA,two\n");
    step("asmith", 1, (struct cr_request){.action = CR_ACTION_CLAIM});
    step("asmith", 1,
         (struct cr_request){.action = CR_ACTION_DECIDE,
                             .outcome = CR_OUTCOME_REFER,
                             .rationale = "First line.\nSecond line."});
    step("bjones", 1, (struct cr_request){.action = CR_ACTION_APPROVE});
    step("asmith", 2, (struct cr_request){.action = CR_ACTION_CLAIM});
    step("asmith", 2,
         (struct cr_request){
             .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REASSESS, .rationale = "Later."});
    step("bjones", 2, (struct cr_request){.action = CR_ACTION_APPROVE});
    import(HEADER "P2,Birch,Ann,officer,PC,Central,full,C3,sexual_offence,2025-01-02,"
                  "hotline,NFA,three\n");
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

/* A file's bytes (malloc'd, NUL-terminated), or NULL. */
static char *
slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(1 << 16);
    *n = b ? fread(b, 1, (1 << 16) - 1, f) : 0;
    if (b)
        b[*n] = '\0';
    fclose(f);
    return b;
}

static void
test_pack_two_cases(void **state)
{
    (void)state;
    as("cadmin");
    char out[160];
    snprintf(out, sizeof out, "%s/bundle", dir);
    const int64_t cases[] = {1, 3};
    struct cr_pack_request q = {.cases = cases,
                                .n_cases = 2,
                                .state = -1,
                                .reason = "Sitting",
                                .recipient = "Panel",
                                .dir = out};
    struct cr_pack_result r;
    assert_int_equal(cr_pack(db, &q, &r), CR_OK);
    assert_int_equal(r.n_cases, 2);
    assert_int_equal(r.n_files, 4);
    assert_true(r.made_dir);
    struct stat sb;
    assert_int_equal(stat(out, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    static const char *const names[] = {"case-1.json", "case-1.txt", "case-3.json", "case-3.txt",
                                        "MANIFEST"};
    char manifest[1024] = "";
    for (size_t i = 0; i < 5; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", out, names[i]);
        assert_int_equal(lstat(path, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0600);
        size_t n;
        char *body = slurp(path, &n);
        assert_non_null(body);
        unsigned char sum[32];
        char hex[65];
        crypto_hash_sha256(sum, (unsigned char *)body, n);
        sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
        if (i < 4) {
            size_t used = strlen(manifest);
            snprintf(manifest + used, sizeof manifest - used, "%s  %s\n", hex, names[i]);
        } else {
            assert_string_equal(body, manifest);
            assert_string_equal(hex, r.manifest_sha256);
        }
        free(body);
    }
    /* The text: the rationale whole, the subject's other case; case 3 follows case 2. */
    char path[256];
    size_t n;
    snprintf(path, sizeof path, "%s/case-1.txt", out);
    char *text = slurp(path, &n);
    assert_non_null(strstr(text, "    Rationale:\n      First line.\n      Second line.\n"));
    assert_non_null(strstr(text, "  Name         Ashgrove, Tom\n"));
    free(text);
    snprintf(path, sizeof path, "%s/case-3.txt", out);
    text = slurp(path, &n);
    assert_non_null(strstr(text, "Follows closed case 2\n"));
    assert_non_null(strstr(text, "  Case 2: Closed, Reassess, flagged "));
    free(text);
    int64_t last = 0;
    assert_int_equal(st_audit_last(db, &last), CR_OK);
    assert_int_equal(last, r.event);
    cr_pack_result_free(&r);
}

static void
test_redaction(void **state)
{
    (void)state;
    as("cadmin");
    char out[160];
    snprintf(out, sizeof out, "%s/redacted", dir);
    const char *keys[] = {"1"};
    struct cr_pack_request q = {.keys = keys,
                                .n_keys = 1,
                                .state = -1,
                                .reason = "r",
                                .recipient = "w",
                                .redact = CR_PACK_REDACT_NAMES | CR_PACK_REDACT_SUMMARIES,
                                .dir = out};
    struct cr_pack_result r;
    assert_int_equal(cr_pack(db, &q, &r), CR_OK);
    for (int i = 0; i < 2; i++) {
        char path[256];
        size_t n;
        snprintf(path, sizeof path, "%s/case-1.%s", out, i ? "json" : "txt");
        char *body = slurp(path, &n);
        assert_non_null(body);
        assert_null(strstr(body, "Ashgrove"));
        assert_null(strstr(body, "Tom"));
        assert_null(strstr(body, "Secret summary"));
        assert_non_null(strstr(body, "[redacted]"));
        free(body);
    }
    cr_pack_result_free(&r);
}

static void
test_state(void **state)
{
    (void)state;
    as("cadmin");
    char out[160];
    snprintf(out, sizeof out, "%s/closed", dir);
    struct cr_pack_request q = {
        .state = CR_STATE_CLOSED, .reason = "r", .recipient = "w", .dir = out};
    struct cr_pack_result r;
    assert_int_equal(cr_pack(db, &q, &r), CR_OK);
    assert_int_equal(r.n_cases, 1);
    assert_int_equal(r.cases[0], 2);
    cr_pack_result_free(&r);
}

/* Each refusal: its status and words, no event, no directory. */
static void
refused(const char *login, struct cr_pack_request q, enum cr_status want, const char *words)
{
    as(login);
    int64_t before = 0, after = 0;
    st_audit_last(db, &before);
    struct cr_pack_result r;
    assert_int_equal(cr_pack(db, &q, &r), want);
    assert_string_equal(cr_db_errmsg(db), words);
    cr_pack_result_free(&r);
    st_audit_last(db, &after);
    assert_int_equal(after, before);
    struct stat sb;
    assert_int_not_equal(lstat(q.dir, &sb), 0);
}

static void
test_refusals(void **state)
{
    (void)state;
    char out[160];
    snprintf(out, sizeof out, "%s/never", dir);
    const int64_t one[] = {1}, missing[] = {1, 99};
    struct cr_pack_request q = {
        .cases = one, .n_cases = 1, .state = -1, .reason = "r", .recipient = "w", .dir = out};
    refused("asmith", q, CR_REFUSED, "pack needs the admin role; you (asmith) are reviewer");
    struct cr_pack_request blank = q;
    blank.recipient = " ";
    refused("cadmin", blank, CR_REFUSED,
            "a pack is a disclosure and needs a reason and a recipient");
    struct cr_pack_request gone = q;
    gone.cases = missing;
    gone.n_cases = 2;
    as("cadmin");
    struct cr_pack_result r;
    assert_int_not_equal(cr_pack(db, &gone, &r), CR_OK);
    cr_pack_result_free(&r);
    struct stat sb;
    assert_int_not_equal(lstat(out, &sb), 0);
    struct cr_pack_request none = {
        .state = CR_STATE_RETURNED, .reason = "r", .recipient = "w", .dir = out};
    refused("cadmin", none, CR_REFUSED,
            "no case in returned that you may see; nothing was written");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_two_cases),
        cmocka_unit_test(test_redaction),
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
