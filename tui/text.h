/*
 * Reading text from the database one character at a time, for display:
 * its length in bytes, its width in cells, and whether it is shown as a
 * visible mark instead of itself.  Marked are the control characters (C0,
 * DEL, C1), which a terminal would obey, and the invisible characters that
 * can reverse or disguise a name: bidirectional embeddings, overrides,
 * isolates and marks, zero-width spaces and joiners, the soft hyphen and
 * the like (the table in text.c).  Combining marks are not marked: they
 * belong to the character before them.
 */
#ifndef CASEREVIEW_TEXT_H
#define CASEREVIEW_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <wchar.h>

/* A string formatted into memory of its own (the caller frees it), or NULL. */
char *tui_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *tui_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

struct glyph {
    size_t len;   /* bytes */
    int width;    /* cells as displayed (a mark's length, for a marked character) */
    bool control; /* shown as a mark (glyph_mark_text): a control or invisible character */
    bool bad;     /* a byte that is not UTF-8, or a character with no width: shown as U+FFFD */
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

/* Room for any mark with its terminating NUL ("<U+10FFFF>" is the longest). */
#define GLYPH_MARK_MAX 16

/*
 * The visible mark for a character that glyph_at says is shown as one
 * (g->control): "^[" for C0 and "^?" for DEL, "<9b>" for C1, and "<U+202E>"
 * (U+, upper-case hex, at least four digits, in angle brackets) for the
 * invisible characters.  Exactly g->width characters, all ASCII.
 */
void glyph_mark_text(const struct glyph *g, char out[GLYPH_MARK_MAX]);

/*
 * Read all of f (up to max bytes) into a NUL-terminated buffer the caller
 * frees; *len (may be NULL) is its length.  NULL with errno set on a read
 * error, when out of memory, or (EFBIG) past max.
 */
char *read_whole(FILE *f, size_t max, size_t *len);

#endif
