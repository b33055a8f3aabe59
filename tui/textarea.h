/*
 * A text area: the real text a person types, pastes or writes in $EDITOR,
 * kept as UTF-8 bytes exactly as entered.  Wrapping is for display only:
 * the layout is worked out from the text at whatever width it is drawn,
 * so a resize never changes a byte.  The cursor is a byte offset at the
 * start of a character cluster (a character and the combining marks after
 * it); it moves and deletes by clusters.
 *
 * Editing follows readline: C-a/C-e (here: line start and end), C-u, C-k,
 * C-w, C-y.  No curses here: the form draws the rows this module lays out,
 * so the editing can be tested without a terminal.
 */
#ifndef CASEREVIEW_TEXTAREA_H
#define CASEREVIEW_TEXTAREA_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* Tab stops every this many cells, counted from the start of a row. */
#define TA_TAB 8

struct textarea {
    char *text; /* NUL-terminated; never NULL after ta_init */
    size_t len, cap;
    size_t cursor; /* byte offset */
    int goal;      /* the column Up and Down aim for, or -1 */
    int top;       /* first row shown */
    bool single;   /* one line: a line break typed or pasted becomes a space */
    char *killed;  /* what C-u, C-k or C-w cut last, for C-y */
};

/* One row of the layout: bytes [start, end) of the text. */
struct ta_row {
    size_t start, end;
};

/* Start with a copy of text (NULL: empty).  Returns false when out of memory. */
bool ta_init(struct textarea *t, const char *text, bool single);
void ta_free(struct textarea *t);
/* Replace the whole text; the cursor goes to the start. */
bool ta_set(struct textarea *t, const char *text);

/*
 * Insert bytes at the cursor as typed or pasted: CR LF and lone CR become
 * LF (in a one-line area, a space).  Returns false when out of memory
 * (then nothing was inserted).
 */
bool ta_insert(struct textarea *t, const char *s, size_t n);
/* Insert one character. */
bool ta_insert_wc(struct textarea *t, wchar_t wc);

void ta_left(struct textarea *t);
void ta_right(struct textarea *t);
void ta_line_start(struct textarea *t);
void ta_line_end(struct textarea *t);
/* Up or down rows (negative: up) at width, keeping the column aimed for. */
void ta_move_rows(struct textarea *t, int width, int rows);
void ta_delete_prev(struct textarea *t);
void ta_delete_next(struct textarea *t);
/* C-u: cut from the start of the line; C-k: to its end (at the end: the line break). */
void ta_kill_line_start(struct textarea *t);
void ta_kill_line_end(struct textarea *t);
/* C-w: cut the word before the cursor, and the blanks after it. */
void ta_kill_word(struct textarea *t);
/* C-y: insert what was cut last. */
bool ta_yank(struct textarea *t);

/*
 * Lay the text out at width cells: rows are cut at line breaks and, where
 * a row is full, after the last blank that fits (or, in a word longer than
 * the row, where the row is full).  Calls row(ctx, index, r) for each row
 * and returns the number of rows (at least 1).
 */
int ta_layout(const struct textarea *t, int width,
              void (*row)(void *ctx, int index, struct ta_row r), void *ctx);
/* The row and column of the cursor at width. */
void ta_cursor_at(const struct textarea *t, int width, int *row, int *col);
/* Scroll so that the cursor is among `height` rows from t->top. */
void ta_scroll(struct textarea *t, int width, int height);

/* Cells of the character at s as the area shows it, at column col of a row (tabs). */
int ta_cells(const char *s, size_t n, int col, size_t *len);

#endif
