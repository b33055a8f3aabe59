/*
 * Reading text from the database one character at a time, for display:
 * its length in bytes, its width in cells, and whether it is a control
 * character (which is never sent to the terminal, only a visible mark).
 */
#ifndef CASEREVIEW_TEXT_H
#define CASEREVIEW_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

struct glyph {
    size_t len;   /* bytes */
    int width;    /* cells as displayed (a control's mark included) */
    bool control; /* C0, DEL or C1: shown as a mark */
    bool bad;     /* a byte that is not UTF-8: shown as U+FFFD */
    wchar_t wc;
};

/* The character at s (n bytes left). */
struct glyph glyph_at(const char *s, size_t n);

/*
 * Cut s into lines of at most width cells, at the last space where one
 * fits, and at every line break; calls line(ctx, start, bytes) for each.
 */
void text_wrap(const char *s, int width, void (*line)(void *ctx, const char *p, size_t n),
               void *ctx);

/* The visible mark for a control character: "^[" or "<9b>". */
void glyph_mark(const struct glyph *g, char out[8]);

#endif
