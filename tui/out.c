/*
 * Text for a terminal: nothing from the database reaches the terminal as a
 * control character, and columns are measured in display cells, not bytes.
 */
#include "cli.h"
#include "text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

int
cli_error(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("casereview: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

int64_t
cli_clock(void *ctx)
{
    (void)ctx;
    const char *fixed = getenv("CASEREVIEW_NOW");
    if (fixed && *fixed) {
        char *end;
        long long t = strtoll(fixed, &end, 10);
        if (*end == '\0')
            return t;
    }
    return (int64_t)time(NULL);
}

static void
put_glyph(FILE *f, const char *s, struct glyph g)
{
    if (g.control) {
        char mark[8];
        glyph_mark(&g, mark);
        fputs(mark, f);
    } else if (g.bad) {
        fputs("\xEF\xBF\xBD", f); /* U+FFFD for what is not UTF-8 */
    } else {
        fwrite(s, 1, g.len, f);
    }
}

void
out_safe(FILE *f, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        struct glyph g = glyph_at(s + i, n - i);
        put_glyph(f, s + i, g);
        i += g.len;
    }
}

void
out_cell(FILE *f, const char *s, int width)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    int used = 0;
    /* Will the whole string fit? */
    int total = 0;
    for (size_t i = 0; i < n;) {
        struct glyph g = glyph_at(s + i, n - i);
        total += g.width;
        i += g.len;
    }
    int room = total > width ? width - 1 : width;
    for (size_t i = 0; i < n;) {
        struct glyph g = glyph_at(s + i, n - i);
        if (used + g.width > room)
            break;
        put_glyph(f, s + i, g);
        used += g.width;
        i += g.len;
    }
    if (total > width && width > 0) {
        fputs("\xE2\x80\xA6", f); /* … */
        used++;
    }
    for (; used < width; used++)
        putc(' ', f);
}

struct wrap_out {
    FILE *f;
    int indent;
};

static void
wrapped_line(void *ctx, const char *s, size_t n)
{
    struct wrap_out *w = ctx;
    fprintf(w->f, "%*s", w->indent, "");
    for (size_t k = 0; k < n;) {
        struct glyph g = glyph_at(s + k, n - k);
        put_glyph(w->f, s + k, g);
        k += g.len;
    }
    putc('\n', w->f);
}

void
out_wrapped(FILE *f, const char *s, int indent, int width)
{
    struct wrap_out w = {f, indent};
    if (*s)
        text_wrap(s, width, wrapped_line, &w);
}
