/* Characters for display: see text.h. */
#include "text.h"

#include <stdio.h>
#include <string.h>

struct glyph
glyph_at(const char *s, size_t n)
{
    struct glyph g = {1, 1, false, false, (wchar_t)(unsigned char)s[0]};
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
    if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
        g.bad = true;
        g.wc = 0xFFFD;
        return g;
    }
    g.len = len;
    g.wc = wc;
    if (wc >= 0x80 && wc < 0xa0) {
        g.control = true;
        g.width = 4;
        return g;
    }
    int w = wcwidth(wc);
    g.width = w < 0 ? 1 : w;
    if (w < 0) {
        g.bad = true;
        g.wc = 0xFFFD;
    }
    return g;
}

void
glyph_mark(const struct glyph *g, char out[8])
{
    if (g->wc < 0x80)
        snprintf(out, 8, "^%c", g->wc == 0x7f ? '?' : (char)(g->wc + '@'));
    else
        snprintf(out, 8, "<%02x>", (unsigned)g->wc & 0xff);
}

void
text_wrap(const char *s, int width, void (*line)(void *ctx, const char *p, size_t n), void *ctx)
{
    size_t n = strlen(s), i = 0;
    if (width < 1)
        width = 1;
    if (n == 0)
        line(ctx, s, 0);
    while (i < n) {
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
        line(ctx, s + start, end - start);
    }
}
