/*
 * The configuration's defaults: what the loader applies to a file that says
 * nothing of a key is what its table (and so `check-config --explain` and
 * README) gives.
 */
#include "internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* A roster and a panel, and nothing else: every other key at its default. */
static const char minimal[] = "users:\n"
                              "  - { login: asmith, roles: [reviewer] }\n"
                              "  - { login: bjones, roles: [supervisor] }\n"
                              "panel:\n"
                              "  members:\n"
                              "    - { login: mkhan, kind: independent }\n"
                              "    - { login: lpark, kind: legal }\n"
                              "    - { login: rdoe, kind: police }\n";

struct defaults {
    size_t rows, checked;
    const struct cr_config *cfg;
};

/* The default as a number, as the file would write it. */
static int
number(const char *def)
{
    if (strcmp(def, "true") == 0)
        return 1;
    if (strcmp(def, "false") == 0)
        return 0;
    char *end;
    long v = strtol(def, &end, 10);
    assert_true(*def && *end == '\0');
    return (int)v;
}

static void
check_row(void *ctx, const char *path, const char *type, const char *def, const char *doc)
{
    struct defaults *d = ctx;
    const struct cr_config *cfg = d->cfg;
    d->rows++;
    assert_non_null(path);
    assert_non_null(type);
    assert_non_null(doc); /* every key says what it is for */
    if (!def)
        return;
    const char *outcome_rule = "panel.outcomes.<outcome>.";
    if (strncmp(path, outcome_rule, strlen(outcome_rule)) == 0) {
        const char *rule = path + strlen(outcome_rule);
        for (int o = 0; o < CR_OUTCOME_COUNT; o++) {
            const struct cr_signoff *so = &cfg->signoff[o];
            if (strcmp(rule, "panel") == 0)
                assert_int_equal(so->panel, number(def));
            else
                assert_string_equal(def, "sign_off"); /* checked under panel.sign_off */
        }
        d->checked++;
        return;
    }
    int got = -1;
    if (strcmp(path, "after_action") == 0) {
        assert_string_equal(def, "next");
        assert_int_equal(cfg->after_action_stay, 0);
        d->checked++;
        return;
    }
    if (strcmp(path, "allow_impersonation") == 0)
        got = cfg->allow_impersonation;
    else if (strcmp(path, "conflicts.same_unit") == 0)
        got = cfg->same_unit;
    else if (strcmp(path, "audit.require_purpose") == 0)
        got = cfg->audit_require_purpose;
    else if (strcmp(path, "notify_timeout") == 0)
        got = cfg->notify_timeout;
    else if (strcmp(path, "qa.sample_percent") == 0)
        got = cfg->qa_sample_percent;
    else if (strcmp(path, "qa.min_per_reviewer") == 0)
        got = cfg->qa_min_per_reviewer;
    else if (strncmp(path, "sla_days.", 9) == 0)
        got = cfg->sla_days[cr_sla_parse(path + 9)];
    else if (strcmp(path, "panel.sign_off.concur") == 0)
        got = cfg->signoff[0].concur;
    else if (strcmp(path, "panel.sign_off.dissent") == 0)
        got = cfg->signoff[0].dissent;
    else if (strcmp(path, "panel.sign_off.blind") == 0)
        got = cfg->signoff[0].blind;
    else
        fail_msg("a default for %s, which this test does not know", path);
    assert_int_equal(got, number(def));
    if (strncmp(path, "panel.sign_off.", 15) == 0)
        for (int o = 1; o < CR_OUTCOME_COUNT; o++)
            assert_memory_equal(&cfg->signoff[o], &cfg->signoff[0], sizeof cfg->signoff[0]);
    d->checked++;
}

static void
test_defaults_are_the_table(void **state)
{
    (void)state;
    struct cr_config *cfg = NULL;
    cr_diags *diags = NULL;
    enum cr_status st = cr_config_from_text("minimal.yaml", minimal, strlen(minimal), &cfg, &diags);
    assert_int_equal(cr_diags_count(diags), 0);
    assert_int_equal(st, CR_OK);
    struct defaults d = {.cfg = cfg};
    assert_int_equal(cr_config_keys(check_row, &d), CR_OK);
    assert_true(d.rows > d.checked);
    /*
     * 3 SLAs, 3 switches, 3 sign-off rules, 5 outcome rules, notify_timeout, after_action,
     * qa.sample_percent, qa.min_per_reviewer
     */
    assert_int_equal(d.checked, 18);
    cr_config_free(cfg);
    cr_diags_free(diags);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
