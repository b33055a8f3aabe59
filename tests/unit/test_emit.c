/*
 * The command line's emitter (tui/cli/emit.c): every template the program
 * has names only fields its record has and is well formed (emit_check); a
 * template that is not is refused, and one that reaches the emitter stops
 * the program rather than print a line without its field; the escapes of
 * the template syntax; and JSON text from core written through the one
 * string escaper.
 */
#include "commands.h"

#include <locale.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

/* What tui/cli/main.c gives the library (the setgid install): nothing to do here. */
void
cli_service_raise(const struct cli *cli)
{
    (void)cli;
}
void
cli_service_drop(void)
{
}
unsigned
cli_service_flags(unsigned flags)
{
    return flags;
}
bool
cli_service_on(void)
{
    return false;
}

static void
every_template_checks(void **state)
{
    (void)state;
    int checked = 0;
    for (const struct emit_template *const *list = cli_templates; *list; list++) {
        for (const struct emit_template *t = *list; t->what; t++) {
            char err[256] = "";
            if (emit_check(t->rec, t->tmpl, err, sizeof err) != 0)
                fail_msg("%s: %s", t->what, err);
            checked++;
        }
    }
    assert_true(checked >= 30);
}

struct pair {
    const char *a;
    int64_t n;
};

static const struct emit_field pair_fields[] = {
    EMIT_AT("a", EMIT_TEXT, struct pair, a),
    EMIT_AT("n", EMIT_INT, struct pair, n),
};
static const struct emit_record pair_rec = {EMIT_FIELDS(pair_fields), NULL, "{a}"};

static void
expect_refused(const char *tmpl, const char *why)
{
    char err[256] = "";
    assert_int_equal(emit_check(&pair_rec, tmpl, err, sizeof err), -1);
    if (!strstr(err, why))
        fail_msg("'%s': '%s' does not say '%s'", tmpl, err, why);
}

static void
bad_templates_are_refused(void **state)
{
    (void)state;
    expect_refused("{a} {b}", "names a field its record does not have");
    expect_refused("{a} {nn:>3}", "names a field its record does not have");
    expect_refused("[{a}", "a group without its ']'");
    expect_refused("[{a} [{n}]]", "a group inside a group");
    expect_refused("{a}]", "closes no group");
    expect_refused("{a}}", "closes no field");
    expect_refused("{a", "a field without its '}'");
    expect_refused("\\x", "a backslash escapes only");
    expect_refused("{n|one}", "needs both words");
    char err[256];
    assert_int_equal(emit_check(&pair_rec, "\\[{a}\\] \\{{n}\\} [{?n}\\[many\\]]", err, sizeof err),
                     0);
}

static char *
render(const char *tmpl, const struct pair *p)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    struct emit e;
    emit_init(&e, FORMAT_TABLE, f, &pair_rec, NULL);
    emit_block(&e, &pair_rec, tmpl, p);
    fclose(f);
    return buf;
}

static void
escapes_are_text(void **state)
{
    (void)state;
    struct pair p = {"v", 2}, zero = {"v", 0};
    char *s = render("\\[{a}\\] \\{{n}\\} \\\\[{?n}  \\[many\\]]", &p);
    assert_string_equal(s, "[v] {2} \\  [many]");
    free(s);
    s = render("\\[{a}\\][{?n}  \\[many\\]]", &zero);
    assert_string_equal(s, "[v]");
    free(s);
}

/* A template that names a missing field stops the program (also without assert). */
static void
unknown_field_stops_the_program(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr) || !freopen("/dev/null", "w", stdout))
            _exit(2);
        struct pair p = {"v", 1};
        free(render("{a} {missing}", &p));
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void
too_many_fields_are_refused(void **state)
{
    (void)state;
    static struct emit_field many[EMIT_MAX_FIELDS + 1];
    for (size_t i = 0; i < EMIT_MAX_FIELDS + 1; i++)
        many[i] = (struct emit_field)EMIT_AT("a", EMIT_TEXT, struct pair, a);
    const struct emit_record rec = {EMIT_FIELDS(many), NULL, "{a}"};
    char err[256] = "";
    assert_int_equal(emit_check(&rec, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "EMIT_MAX_FIELDS"));
}

static char *
json_of(const char *details)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    struct emit e;
    emit_init(&e, FORMAT_JSON, f, NULL, NULL);
    struct emit_value v = {.kind = EMIT_JSON, .s = details};
    emit_value(&e, NULL, &v);
    fclose(f);
    return buf;
}

/* details from core: every string through out_json_string, the rest as it is. */
static void
details_are_escaped_as_every_string(void **state)
{
    (void)state;
    char *s = json_of("{\"note\": \"a\xc2\x9b"
                      "b\xe2\x80\xae"
                      "c\", \"n\": [1, -2.5e3, true, null]}");
    assert_string_equal(s, "{\"note\": \"a\\u009bb\\u202ec\", \"n\": [1, -2.5e3, true, null]}");
    free(s);
    /* Escapes core wrote are read back and written the one way. */
    s = json_of("{\"k\": \"\\u001b\\\"\\\\\\n\\u202E\\ud83d\\ude00\"}");
    assert_string_equal(s, "{\"k\": \"\\u001b\\\"\\\\\\n\\u202e\xf0\x9f\x98\x80\"}");
    free(s);
    /* Not JSON: carried as a string, escaped the same way. */
    s = json_of("{\"k\": \"\xe2\x80\xae");
    assert_string_equal(s, "\"{\\\"k\\\": \\\"\\u202e\"");
    free(s);
}

int
main(void)
{
    setlocale(LC_CTYPE, "C.UTF-8"); /* as the program does: characters are UTF-8 */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_template_checks),
        cmocka_unit_test(bad_templates_are_refused),
        cmocka_unit_test(escapes_are_text),
        cmocka_unit_test(unknown_field_stops_the_program),
        cmocka_unit_test(too_many_fields_are_refused),
        cmocka_unit_test(details_are_escaped_as_every_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
