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
