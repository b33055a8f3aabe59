/* The text area of the forms: editing keys, and wrapping that never changes the text. */
#include "textarea.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void
type(struct textarea *t, const char *s)
{
    assert_true(ta_insert(t, s, strlen(s)));
}

/* The rows of the layout at width, as "row|row|...". */
struct rows_out {
    const struct textarea *t;
    char buf[4096];
};

static void
collect(void *ctx, int index, struct ta_row r)
{
    struct rows_out *o = ctx;
    size_t used = strlen(o->buf);
    snprintf(o->buf + used, sizeof o->buf - used, "%s%.*s", index ? "|" : "",
             (int)(r.end - r.start), o->t->text + r.start);
}

static const char *
rows(const struct textarea *t, int width, struct rows_out *o)
{
    o->t = t;
    o->buf[0] = '\0';
    ta_layout(t, width, collect, o);
    return o->buf;
}

static void
test_readline_keys(void **state)
{
    (void)state;
    struct textarea t;
    assert_true(ta_init(&t, "first line\nsecond words here", false));
    /* The cursor starts at the beginning. */
    ta_line_end(&t); /* C-e */
    assert_int_equal(t.cursor, 10);
    ta_kill_word(&t); /* C-w */
    assert_string_equal(t.text, "first \nsecond words here");
    ta_yank(&t); /* C-y */
    assert_string_equal(t.text, "first line\nsecond words here");
    ta_line_start(&t);    /* C-a */
    ta_kill_line_end(&t); /* C-k: the line */
    assert_string_equal(t.text, "\nsecond words here");
    ta_kill_line_end(&t); /* C-k at the end of a line: the line break */
    assert_string_equal(t.text, "second words here");
    ta_line_end(&t);
    ta_kill_line_start(&t); /* C-u */
    assert_string_equal(t.text, "");
    ta_yank(&t);
    assert_string_equal(t.text, "second words here");
    ta_free(&t);
}

static void
test_clusters(void **state)
{
    (void)state;
    struct textarea t;
    /* e + combining acute, then a double-width character: each one step and one deletion. */
    assert_true(ta_init(&t, "", false));
    type(&t, "ae\xcc\x81\xe5\xb1\xb1z");
    ta_left(&t);
    ta_left(&t);
    ta_delete_prev(&t);
    assert_string_equal(t.text, "a\xe5\xb1\xb1z");
    ta_delete_next(&t);
    assert_string_equal(t.text, "az");
    ta_free(&t);
}

static void
test_line_endings(void **state)
{
    (void)state;
    struct textarea t;
    assert_true(ta_init(&t, "", false));
    type(&t, "a\r\nb\rc\nd");
    assert_string_equal(t.text, "a\nb\nc\nd");
    ta_free(&t);
    assert_true(ta_init(&t, "", true));
    type(&t, "one\r\ntwo\nthree");
    assert_string_equal(t.text, "one two three");
    ta_free(&t);
}

static void
test_wrap_is_display_only(void **state)
{
    (void)state;
    struct textarea t;
    struct rows_out o;
    const char *text = "word word wordy\n\n\xe5\xb1\xb1\xe5\xb1\xb1\xe5\xb1\xb1 x";
    assert_true(ta_init(&t, text, false));
    assert_string_equal(rows(&t, 10, &o),
                        "word word |wordy||\xe5\xb1\xb1\xe5\xb1\xb1\xe5\xb1\xb1 x");
    assert_string_equal(rows(&t, 7, &o),
                        "word |word |wordy||\xe5\xb1\xb1\xe5\xb1\xb1\xe5\xb1\xb1 |x");
    /* Three double-width characters take six cells. */
    assert_string_equal(rows(&t, 5, &o),
                        "word |word |wordy||\xe5\xb1\xb1\xe5\xb1\xb1|\xe5\xb1\xb1 x");
    assert_string_equal(rows(&t, 80, &o),
                        "word word wordy||\xe5\xb1\xb1\xe5\xb1\xb1\xe5\xb1\xb1 x");
    assert_string_equal(t.text, text);
    /* A word longer than the row is cut where the row is full. */
    assert_true(ta_set(&t, "abcdefghij"));
    assert_string_equal(rows(&t, 4, &o), "abcd|efgh|ij");
    /* A tab stops at the next multiple of eight cells. */
    assert_true(ta_set(&t, "a\tb"));
    size_t len;
    assert_int_equal(ta_cells("\t", 1, 1, &len), 7);
    assert_string_equal(rows(&t, 80, &o), "a\tb");
    ta_free(&t);
}

static void
test_up_down_keep_column(void **state)
{
    (void)state;
    struct textarea t;
    assert_true(ta_init(&t, "0123456789\nab\n0123456789", false));
    ta_move_rows(&t, 80, 0);
    for (int i = 0; i < 7; i++)
        ta_right(&t);
    ta_move_rows(&t, 80, 1);
    assert_int_equal(t.cursor, 13); /* the end of "ab" */
    ta_move_rows(&t, 80, 1);
    assert_int_equal(t.cursor, 14 + 7); /* back at column 7 */
    int row, col;
    ta_cursor_at(&t, 80, &row, &col);
    assert_int_equal(row, 2);
    assert_int_equal(col, 7);
    ta_free(&t);
}

int
main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readline_keys),       cmocka_unit_test(test_clusters),
        cmocka_unit_test(test_line_endings),        cmocka_unit_test(test_wrap_is_display_only),
        cmocka_unit_test(test_up_down_keep_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
