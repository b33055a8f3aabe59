/*
 * Text for a terminal: nothing from the database reaches the terminal as a
 * control character, and columns are measured in display cells, not bytes.
 */
#include "cli.h"

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

/*
 * Decode one character at s (n bytes left): its length, display width and
 * whether it is a control character.  Bad bytes count as one cell.
 */
struct glyph {
    size_t len;
    int width;
    bool control;
    unsigned cp; /* for a C1 control */
};

static struct glyph
glyph_at(const char *s, size_t n)
{
    struct glyph g = {1, 1, false, 0};
    unsigned char c = (unsigned char)s[0];
    if (c < 0x20 || c == 0x7f) {
        g.control = true;
        g.width = 2;
        return g;
    }
    if (c < 0x80)
        return g;
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    wchar_t wc;
    size_t len = mbrtowc(&wc, s, n, &ps);
    if (len == (size_t)-1 || len == (size_t)-2 || len == 0)
        return g; /* shown as one replacement cell */
    g.len = len;
    if (wc >= 0x80 && wc < 0xa0) {
        g.control = true;
        g.width = 4;
        g.cp = (unsigned)wc;
        return g;
    }
    int w = wcwidth(wc);
    g.width = w < 0 ? 1 : w;
    return g;
}

static void
put_glyph(FILE *f, const char *s, struct glyph g)
{
    unsigned char c = (unsigned char)s[0];
    if (g.control) {
        if (c < 0x80)
            fprintf(f, "^%c", c == 0x7f ? '?' : c + '@');
        else
            fprintf(f, "<%02x>", g.cp);
    } else if (g.len == 1 && c >= 0x80) {
        fputs("\xEF\xBF\xBD", f); /* U+FFFD for a byte that is not UTF-8 */
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

void
out_wrapped(FILE *f, const char *s, int indent, int width)
{
    size_t n = strlen(s);
    size_t i = 0;
    while (i < n) {
        /* One output line: up to width cells, broken at the last space. */
        size_t start = i, brk = 0;
        int used = 0;
        while (i < n && s[i] != '\n') {
            struct glyph g = glyph_at(s + i, n - i);
            if (used + g.width > width && used > 0)
                break;
            if (s[i] == ' ')
                brk = i;
            used += g.width;
            i += g.len;
        }
        size_t end = i;
        if (i < n && s[i] != '\n' && brk > start) {
            end = brk;
            i = brk + 1;
        } else if (i < n && s[i] == '\n') {
            i++;
        }
        fprintf(f, "%*s", indent, "");
        for (size_t k = start; k < end;) {
            struct glyph g = glyph_at(s + k, end - k);
            put_glyph(f, s + k, g);
            k += g.len;
        }
        putc('\n', f);
    }
}
