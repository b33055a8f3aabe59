/* Helpers: UTF-8, dates, priority, the CSV and JSON writers, enumerations. */
#include "internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void
test_utf8(void **state)
{
    (void)state;
    size_t bad = 99;
    assert_true(cr_utf8_valid("plain", 5, &bad));
    assert_true(cr_utf8_valid("Zo\xC3\xAB \xE5\xB1\xB1 \xF0\x9F\x98\x80", 13, &bad));
    assert_false(cr_utf8_valid("ab\xFF", 3, &bad));
    assert_int_equal(bad, 2);
    assert_false(cr_utf8_valid("\xC0\xAF", 2, &bad)); /* overlong */
    assert_int_equal(bad, 0);
    assert_false(cr_utf8_valid("x\xED\xA0\x80", 4, &bad)); /* surrogate */
    assert_int_equal(bad, 1);
    assert_false(cr_utf8_valid("\xF4\x90\x80\x80", 4, &bad)); /* past U+10FFFF */
    assert_false(cr_utf8_valid("\xE5\xB1", 2, &bad));         /* truncated */
}

static void
test_dates(void **state)
{
    (void)state;
    int64_t d;
    assert_int_equal(cr_date_parse("1970-01-01", 10, &d), 0);
    assert_int_equal(d, 0);
    assert_int_equal(cr_date_parse("2024-02-29", 10, &d), 0);
    assert_int_equal(d, 19782);
    char out[11];
    cr_date_format(d, out);
    assert_string_equal(out, "2024-02-29");
    assert_int_equal(cr_date_parse("2023-02-29", 10, &d), -1);
    assert_int_equal(cr_date_parse("1900-02-29", 10, &d), -1);
    assert_int_equal(cr_date_parse("2000-02-29", 10, &d), 0);
    assert_int_equal(cr_date_parse("2023-13-01", 10, &d), -1);
    assert_int_equal(cr_date_parse("2023-04-31", 10, &d), -1);
    assert_int_equal(cr_date_parse("2023-4-30", 9, &d), -1);
    assert_int_equal(cr_date_parse("2023/04/30", 10, &d), -1);
    assert_int_equal(cr_date_parse("２０２３-04-30", 14, &d), -1);
    char t[21];
    cr_time_format(1767225600 + 3661, t);
    assert_string_equal(t, "2026-01-01T01:01:01Z");
    /* Every day of four centuries round-trips. */
    int64_t start, end;
    cr_date_parse("1900-01-01", 10, &start);
    cr_date_parse("2300-01-01", 10, &end);
    for (int64_t day = start; day < end; day++) {
        cr_date_format(day, out);
        assert_int_equal(cr_date_parse(out, 10, &d), 0);
        assert_int_equal(d, day);
    }
}

static void
test_priority(void **state)
{
    (void)state;
    /* Duty status dominates everything else. */
    assert_true(cr_priority(CR_DUTY_FULL, 1, 0, "2015-01-01") >
                cr_priority(CR_DUTY_RESTRICTED, 10, 10, "2024-12-31"));
    assert_true(cr_priority(CR_DUTY_RESTRICTED, 1, 0, "2015-01-01") >
                cr_priority(CR_DUTY_SUSPENDED, 10, 10, "2024-12-31"));
    /* Sexual offences, more allegations, more recent: each raises it. */
    assert_true(cr_priority(CR_DUTY_FULL, 2, 1, "2020-01-01") >
                cr_priority(CR_DUTY_FULL, 2, 0, "2020-01-01"));
    assert_true(cr_priority(CR_DUTY_FULL, 3, 0, "2020-01-01") >
                cr_priority(CR_DUTY_FULL, 2, 0, "2020-01-01"));
    assert_true(cr_priority(CR_DUTY_FULL, 2, 0, "2020-02-01") >
                cr_priority(CR_DUTY_FULL, 2, 0, "2020-01-01"));
    assert_int_equal(cr_priority(CR_DUTY_FULL, 2, 1, "2020-01-15"), 300000 + 400 + 400 + 240);
}

static char *
written(void (*fn)(FILE *, const char *), const char *s)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    fn(f, s);
    fclose(f);
    return buf;
}

static void
csv(FILE *f, const char *s)
{
    assert_int_equal(cr_csv_write_field(f, s), 0);
}

static void
json(FILE *f, const char *s)
{
    assert_int_equal(cr_json_write_string(f, s), 0);
}

static void
test_writers(void **state)
{
    (void)state;
    const struct {
        const char *in, *csv, *json;
    } cases[] = {
        {"plain", "plain", "\"plain\""},
        {"a,b", "\"a,b\"", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\"", "\"say \\\"hi\\\"\""},
        {"two\nlines", "\"two\nlines\"", "\"two\\nlines\""},
        {" padded", "\" padded\"", "\" padded\""},
        {"esc\x1b[0m", "esc\x1b[0m", "\"esc\\u001b[0m\""},
        {"", "", "\"\""},
        {"Zoë", "Zoë", "\"Zoë\""},
    };
    for (size_t i = 0; i < CR_ARRAY_LEN(cases); i++) {
        char *c = written(csv, cases[i].in), *j = written(json, cases[i].in);
        assert_string_equal(c, cases[i].csv);
        assert_string_equal(j, cases[i].json);
        free(c);
        free(j);
    }
}

/* What the writer writes, the reader reads back unchanged. */
static void
test_csv_round_trip(void **state)
{
    (void)state;
    const char *fields[] = {"a", "b,c", "\"q\"", "x\ny", " s ", "", "\r\n", "Zoë"};
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    for (size_t i = 0; i < CR_ARRAY_LEN(fields); i++) {
        if (i)
            fputc(',', f);
        cr_csv_write_field(f, fields[i]);
    }
    fputc('\n', f);
    fclose(f);
    FILE *in = fmemopen(buf, n, "rb");
    struct cr_csv r;
    cr_csv_init(&r, in);
    assert_int_equal(cr_csv_next(&r), CR_CSV_RECORD);
    assert_int_equal(r.nfields, CR_ARRAY_LEN(fields));
    for (size_t i = 0; i < CR_ARRAY_LEN(fields); i++) {
        /* CRLF inside quotes reads back as LF, by design. */
        const char *want = strcmp(fields[i], "\r\n") == 0 ? "\n" : fields[i];
        assert_string_equal(cr_csv_field(&r, i), want);
    }
    assert_int_equal(cr_csv_next(&r), CR_CSV_EOF);
    cr_csv_free(&r);
    fclose(in);
    free(buf);
}

static void
test_enums(void **state)
{
    (void)state;
    for (int i = 0; i < CR_STATE_COUNT; i++)
        assert_int_equal(cr_state_parse(cr_state_name(i)), i);
    assert_int_equal(cr_state_parse("Flagged"), -1);
    assert_null(cr_state_name(CR_STATE_COUNT));
    assert_string_equal(cr_outcome_name(CR_OUTCOME_NFA), "nfa");
    assert_string_equal(cr_source_label(CR_SOURCE_PND), "Police National Database");
    /* Every category has a short name of its own (the CAT column). */
    for (int i = 0; i < CR_CATEGORY_COUNT; i++) {
        assert_non_null(cr_category_short(i));
        assert_true(cr_category_short(i)[0]);
        assert_int_equal(cr_category_parse(cr_category_name(i)), i);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(cr_category_short(i), cr_category_short(j));
    }
    assert_string_equal(cr_category_short(CR_CATEGORY_DOMESTIC_VIOLENCE), "DV");
    assert_string_equal(cr_category_short(CR_CATEGORY_SEXUAL_OFFENCE), "SO");
    /* The fourth column leaves the name and the label where they were. */
    assert_string_equal(cr_category_name(CR_CATEGORY_SEXUAL_OFFENCE), "sexual_offence");
    assert_string_equal(cr_category_label(CR_CATEGORY_SEXUAL_OFFENCE), "Sexual offence");
    assert_null(cr_category_short(CR_CATEGORY_COUNT));
    assert_null(cr_category_short(-1));
    assert_int_equal(cr_status_exit(CR_REFUSED), 1);
    assert_int_equal(cr_status_exit(CR_USAGE), 2);
    assert_int_equal(cr_status_exit(CR_INVALID), 3);
    assert_int_equal(cr_status_exit(CR_BUSY), 4);
}

static void
test_diags(void **state)
{
    (void)state;
    cr_diags *d = cr_diags_new(2);
    cr_diags_addf(d, "one %d", 1);
    cr_diags_addf(d, "two");
    assert_true(cr_diags_full(d));
    cr_diags_addf(d, "three");
    assert_int_equal(cr_diags_count(d), 2);
    assert_int_equal(cr_diags_total(d), 3);
    assert_string_equal(cr_diags_get(d, 0), "one 1");
    assert_null(cr_diags_get(d, 2));
    cr_diags_free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),           cmocka_unit_test(test_dates),
        cmocka_unit_test(test_priority),       cmocka_unit_test(test_writers),
        cmocka_unit_test(test_csv_round_trip), cmocka_unit_test(test_enums),
        cmocka_unit_test(test_diags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
