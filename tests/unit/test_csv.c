/* The RFC 4180 reader. */
#include "internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Read all of text; each record becomes "f1|f2|...@line" joined by "\n". */
static char *
read_all(const char *text, size_t n, struct cr_buf *out)
{
    FILE *f = fmemopen((void *)text, n, "rb");
    assert_non_null(f);
    struct cr_csv r;
    cr_csv_init(&r, f);
    cr_buf_reset(out);
    for (;;) {
        enum cr_csv_next rc = cr_csv_next(&r);
        if (rc == CR_CSV_EOF)
            break;
        if (rc != CR_CSV_RECORD) {
            cr_buf_addf(out, "ERR %ld/%zu: %s\n", r.err_line, r.err_field, r.err_reason);
            if (rc == CR_CSV_FATAL)
                break;
            continue;
        }
        for (size_t i = 0; i < r.nfields; i++)
            cr_buf_addf(out, "%s%s", i ? "|" : "", cr_csv_field(&r, i));
        cr_buf_addf(out, "@%ld\n", r.record_line);
    }
    cr_csv_free(&r);
    fclose(f);
    return out->p ? out->p : "";
}

#define CHECK(text, want)                                                \
    do {                                                                 \
        struct cr_buf b = {0};                                           \
        assert_string_equal(read_all(text, sizeof(text) - 1, &b), want); \
        cr_buf_free(&b);                                                 \
    } while (0)

static void
test_plain(void **state)
{
    (void)state;
    CHECK("a,b,c\n1,2,3\n", "a|b|c@1\n1|2|3@2\n");
    CHECK("a,b\n1,2", "a|b@1\n1|2@2\n");   /* no final newline */
    CHECK("a,,c\n,,\n", "a||c@1\n||@2\n"); /* empty fields */
    CHECK("", "");
}

static void
test_quotes(void **state)
{
    (void)state;
    CHECK("\"a,b\",\"say \"\"hi\"\"\"\n", "a,b|say \"hi\"@1\n");
    CHECK("\"line\none\",x\nnext,y\n", "line\none|x@1\nnext|y@3\n");
    CHECK("\"\",\"\"\"\"\n", "|\"@1\n");
}

static void
test_line_endings(void **state)
{
    (void)state;
    CHECK("a,b\r\n1,2\r\n", "a|b@1\n1|2@2\n");
    /* CRLF inside quotes is stored as LF. */
    CHECK("\"x\r\ny\",z\r\n", "x\ny|z@1\n");
    /* Empty lines are skipped, and counted. */
    CHECK("a\n\n\r\nb\n", "a@1\nb@4\n");
}

static void
test_bom(void **state)
{
    (void)state;
    CHECK("\xEF\xBB\xBFh1,h2\nv1,v2\n", "h1|h2@1\nv1|v2@2\n");
    /* A BOM anywhere else is data. */
    CHECK("a\n\xEF\xBB\xBF"
          "b\n",
          "a@1\n\xEF\xBB\xBF"
          "b@2\n");
}

static void
test_errors(void **state)
{
    (void)state;
    CHECK("a,b\"c\nok\n",
          "ERR 1/1: quote inside an unquoted field (quote the whole field and double the quote)\n"
          "ok@2\n");
    CHECK("\"a\"b,c\nok\n",
          "ERR 1/0: unexpected character after a closing quote (a quote inside a quoted field "
          "must be doubled)\nok@2\n");
    CHECK("x\n\"open,\nmore\n", "x@1\nERR 2/0: quoted field is never closed\n");
    CHECK("a\rb\nok\n", "ERR 1/0: carriage return outside quotes\nok@2\n");
    CHECK("\rb\nok\n", "ERR 1/0: carriage return outside quotes\nok@2\n");
}

static void
test_long_field(void **state)
{
    (void)state;
    size_t n = CR_CSV_MAX_FIELD + 10;
    char *text = malloc(n + 8);
    assert_non_null(text);
    memset(text, 'x', n);
    memcpy(text + n, "\nok\n", 4);
    struct cr_buf b = {0};
    assert_string_equal(read_all(text, n + 4, &b), "ERR 1/0: field is longer than 1 MiB\nok@2\n");
    cr_buf_free(&b);
    free(text);
}

/* A CRLF split across the reader's block boundary. */
static void
test_block_boundary(void **state)
{
    (void)state;
    size_t block = sizeof(((struct cr_csv *)0)->ibuf);
    char *text = malloc(block + 16);
    assert_non_null(text);
    memset(text, 'y', block - 1);
    text[block - 1] = '\r';
    memcpy(text + block, "\n\r\nz\r\n", 6);
    struct cr_buf b = {0};
    const char *got = read_all(text, block + 6, &b);
    assert_int_equal(strlen(got), block - 1 + strlen("@1\nz@3\n"));
    assert_string_equal(got + block - 1, "@1\nz@3\n");
    cr_buf_free(&b);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),          cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_line_endings),   cmocka_unit_test(test_bom),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_long_field),
        cmocka_unit_test(test_block_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
