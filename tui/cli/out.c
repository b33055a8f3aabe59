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

/* printf into a new string of the size it needs; NULL if out of memory. */
/* prefix, then the formatted line with its characters marked, then a newline. */
static void
vput_line(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
    char *s = tui_vprintf(fmt, ap);
    fputs(prefix, f);
    out_safe(f, s ? s : "out of memory while writing a message");
    putc('\n', f);
    free(s);
}

void
out_line(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vput_line(f, "", fmt, ap);
    va_end(ap);
}

void
cli_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vput_line(stderr, "casereview: ", fmt, ap);
    va_end(ap);
}

int
cli_error(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vput_line(stderr, "casereview: ", fmt, ap);
    va_end(ap);
    return status;
}

#ifdef CR_TEST_HOOKS
/* The last second of 9999-12-31: later times do not fit the trail's YYYY-MM-DD. */
#define TEST_NOW_MAX INT64_C(253402300799)

/*
 * The test hook: $CASEREVIEW_NOW, seconds since 1970 in decimal digits,
 * fixes the clock.  Anything else (a sign, a space, a date past 9999) is
 * said once and the system clock is used, so that no value can write a
 * time the trail cannot hold.
 */
static bool
test_now(int64_t *t)
{
    const char *fixed = getenv("CASEREVIEW_NOW");
    if (!fixed || !*fixed)
        return false;
    int64_t v = 0;
    const char *p = fixed;
    for (; *p >= '0' && *p <= '9' && v <= TEST_NOW_MAX; p++)
        v = v * 10 + (*p - '0');
    if (!*p && v <= TEST_NOW_MAX) {
        *t = v;
        return true;
    }
    static bool said;
    if (!said)
        cli_note("CASEREVIEW_NOW='%s' is not a time (seconds since 1970, up to 9999-12-31); "
                 "the system clock is used",
                 fixed);
    said = true;
    return false;
}
#endif

int64_t
cli_clock(void *ctx)
{
    (void)ctx;
#ifdef CR_TEST_HOOKS
    int64_t t;
    if (test_now(&t))
        return t;
#endif
    return (int64_t)time(NULL);
}

/* What stands for the character g at s: its own bytes, its mark, or U+FFFD. */
static const char *
shown(const char *s, const struct glyph *g, char mark[GLYPH_MARK_MAX], size_t *len)
{
    if (g->control) {
        glyph_mark_text(g, mark);
        *len = strlen(mark);
        return mark;
    }
    if (g->bad) {
        *len = 3;
        return "\xEF\xBF\xBD"; /* U+FFFD for what is not UTF-8 */
    }
    *len = g->len;
    return s;
}

static void
put_glyph(FILE *f, const char *s, struct glyph g)
{
    char mark[GLYPH_MARK_MAX];
    size_t len;
    const char *p = shown(s, &g, mark, &len);
    fwrite(p, 1, len, f);
}

char *
out_marked(const char *s)
{
    size_t n = strlen(s), size = 1;
    char mark[GLYPH_MARK_MAX];
    for (size_t i = 0; i < n;) {
        struct glyph g = glyph_at(s + i, n - i);
        size_t len;
        shown(s + i, &g, mark, &len);
        size += len;
        i += g.len;
    }
    char *out = malloc(size), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        struct glyph g = glyph_at(s + i, n - i);
        size_t len;
        const char *p = shown(s + i, &g, mark, &len);
        memcpy(o, p, len);
        o += len;
        i += g.len;
    }
    *o = '\0';
    return out;
}

/* \uXXXX for one character, as a surrogate pair above U+FFFF. */
static void
json_escape(FILE *f, unsigned long c)
{
    if (c > 0xFFFF) {
        c -= 0x10000;
        fprintf(f, "\\u%04lx\\u%04lx", 0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF));
    } else {
        fprintf(f, "\\u%04lx", c);
    }
}

int
out_json_string(FILE *f, const char *s)
{
    size_t n = strlen(s);
    putc('"', f);
    for (size_t i = 0; i < n;) {
        const char *esc = s[i] == '"'    ? "\\\""
                          : s[i] == '\\' ? "\\\\"
                          : s[i] == '\n' ? "\\n"
                          : s[i] == '\r' ? "\\r"
                          : s[i] == '\t' ? "\\t"
                                         : NULL;
        struct glyph g = glyph_at(s + i, n - i);
        if (esc)
            fputs(esc, f);
        else if (g.control)
            json_escape(f, (unsigned long)g.wc);
        else if (g.bad && g.len == 1)
            fputs("\\ufffd", f); /* a byte that is not UTF-8: JSON cannot carry it */
        else
            fwrite(s + i, 1, g.len, f);
        i += g.len;
    }
    putc('"', f);
    return ferror(f) ? -1 : 0;
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
