/* Characters for display: see text.h. */
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Characters that show nothing, or change the direction or the joining of
 * the text around them, so that a name could be reversed or disguised: each
 * is shown as a mark, <U+XXXX>.  (Combining marks, also zero cells wide, are
 * not here: they show, on the character before them.)
 */
static const struct {
    wchar_t first, last;
} invisible[] = {
    {0x00AD, 0x00AD}, /* soft hyphen */
    {0x061C, 0x061C}, /* Arabic letter mark */
    {0x180E, 0x180E}, /* Mongolian vowel separator */
    {0x200B, 0x200F}, /* zero width space, non-joiner, joiner; left-to-right, right-to-left marks */
    {0x202A, 0x202E}, /* bidirectional embeddings, pop, overrides */
    {0x2060, 0x2064}, /* word joiner, invisible function application, times, separator, plus */
    {0x2066, 0x2069}, /* bidirectional isolates and pop */
    {0x206A, 0x206F}, /* deprecated format characters (symmetric swapping, shaping, digits) */
    {0xFEFF, 0xFEFF}, /* zero width no-break space (byte-order mark) */
    {0xFFF9, 0xFFFB}, /* interlinear annotation anchor, separator, terminator */
};

static bool
is_invisible(wchar_t wc)
{
    for (size_t i = 0; i < sizeof invisible / sizeof invisible[0]; i++)
        if (wc >= invisible[i].first && wc <= invisible[i].last)
            return true;
    return false;
}

/* The length of the mark "<U+XXXX>": four hex digits at least. */
static int
code_mark_width(wchar_t wc)
{
    return wc > 0xFFFFF ? 10 : wc > 0xFFFF ? 9 : 8;
}

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
    if (is_invisible(wc)) {
        g.control = true;
        g.width = code_mark_width(wc);
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
glyph_mark_text(const struct glyph *g, char out[GLYPH_MARK_MAX])
{
    if (g->wc < 0x80)
        snprintf(out, GLYPH_MARK_MAX, "^%c", g->wc == 0x7f ? '?' : (char)(g->wc + '@'));
    else if (g->wc < 0xa0)
        snprintf(out, GLYPH_MARK_MAX, "<%02x>", (unsigned)g->wc);
    else
        snprintf(out, GLYPH_MARK_MAX, "<U+%04X>", (unsigned)g->wc);
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

char *
read_whole(FILE *f, size_t max, size_t *len)
{
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *bigger = cap <= max ? realloc(buf, cap * 2) : NULL;
            if (!bigger) {
                if (cap > max)
                    errno = EFBIG;
                free(buf);
                return NULL;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf && ferror(f)) {
        free(buf);
        return NULL;
    }
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *
tui_vprintf(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (text)
        vsnprintf(text, (size_t)n + 1, fmt, ap);
    return text;
}

char *
tui_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = tui_vprintf(fmt, ap);
    va_end(ap);
    return text;
}
