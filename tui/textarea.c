/* The text area: see textarea.h. */
#include "textarea.h"

#include "text.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static bool
reserve(struct textarea *t, size_t more)
{
    if (t->len + more + 1 <= t->cap)
        return true;
    size_t cap = t->cap ? t->cap : 64;
    while (cap < t->len + more + 1)
        cap *= 2;
    char *p = realloc(t->text, cap);
    if (!p)
        return false;
    t->text = p;
    t->cap = cap;
    return true;
}

bool
ta_init(struct textarea *t, const char *text, bool single)
{
    memset(t, 0, sizeof *t);
    t->single = single;
    t->goal = -1;
    if (!reserve(t, 0))
        return false;
    t->text[0] = '\0';
    return ta_set(t, text);
}

void
ta_free(struct textarea *t)
{
    free(t->text);
    free(t->killed);
    memset(t, 0, sizeof *t);
}

bool
ta_set(struct textarea *t, const char *text)
{
    t->len = 0;
    t->text[0] = '\0';
    t->cursor = 0;
    t->top = 0;
    t->goal = -1;
    bool ok = !text || ta_insert(t, text, strlen(text));
    t->cursor = 0;
    return ok;
}

bool
ta_insert(struct textarea *t, const char *s, size_t n)
{
    if (!reserve(t, n))
        return false;
    /* Normalise line endings into a gap at the cursor. */
    memmove(t->text + t->cursor + n, t->text + t->cursor, t->len - t->cursor + 1);
    size_t o = t->cursor;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\r') {
            if (i + 1 < n && s[i + 1] == '\n')
                i++;
            c = '\n';
        }
        if (c == '\n' && t->single)
            c = ' ';
        t->text[o++] = c;
    }
    size_t used = o - t->cursor;
    if (used < n)
        memmove(t->text + o, t->text + t->cursor + n, t->len - t->cursor + 1);
    t->len += used;
    t->cursor = o;
    t->goal = -1;
    return true;
}

bool
ta_insert_wc(struct textarea *t, wchar_t wc)
{
    char mb[MB_LEN_MAX];
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    size_t n = wcrtomb(mb, wc, &ps);
    return n != (size_t)-1 && ta_insert(t, mb, n);
}

/* Characters and clusters */

/* A character that joins the one before it (a combining mark): no cells of its own. */
static bool
joins(const char *s, size_t n)
{
    if (!n || *s == '\n' || *s == '\t')
        return false;
    struct glyph g = glyph_at(s, n);
    return g.width == 0 && !g.control && !g.bad;
}

int
ta_cells(const char *s, size_t n, int col, size_t *len)
{
    if (*s == '\t') {
        *len = 1;
        return TA_TAB - col % TA_TAB;
    }
    struct glyph g = glyph_at(s, n);
    *len = g.len;
    return g.width;
}

/* The end of the cluster that starts at i, and its cells at column col. */
static size_t
cluster_end(const struct textarea *t, size_t i, int col, int *cells)
{
    size_t len;
    int w = ta_cells(t->text + i, t->len - i, col, &len);
    i += len;
    while (i < t->len && joins(t->text + i, t->len - i)) {
        struct glyph g = glyph_at(t->text + i, t->len - i);
        i += g.len;
    }
    if (cells)
        *cells = w;
    return i;
}

/* The start of the character before i: the lead byte whose character ends at i. */
static size_t
char_before(const struct textarea *t, size_t i)
{
    if (i == 0)
        return 0;
    for (size_t back = 2; back <= 4 && back <= i; back++) {
        size_t p = i - back;
        if (((unsigned char)t->text[p] & 0xC0) == 0xC0 &&
            glyph_at(t->text + p, t->len - p).len == back)
            return p;
    }
    return i - 1;
}

/* The start of the cluster before i. */
static size_t
cluster_before(const struct textarea *t, size_t i)
{
    size_t p = char_before(t, i);
    while (p > 0 && joins(t->text + p, t->len - p) && t->text[p - 1] != '\n')
        p = char_before(t, p);
    return p;
}

void
ta_left(struct textarea *t)
{
    t->cursor = cluster_before(t, t->cursor);
    t->goal = -1;
}

void
ta_right(struct textarea *t)
{
    if (t->cursor < t->len)
        t->cursor = cluster_end(t, t->cursor, 0, NULL);
    t->goal = -1;
}

static size_t
line_start(const struct textarea *t, size_t i)
{
    while (i > 0 && t->text[i - 1] != '\n')
        i--;
    return i;
}

static size_t
line_end(const struct textarea *t, size_t i)
{
    while (i < t->len && t->text[i] != '\n')
        i++;
    return i;
}

void
ta_line_start(struct textarea *t)
{
    t->cursor = line_start(t, t->cursor);
    t->goal = -1;
}

void
ta_line_end(struct textarea *t)
{
    t->cursor = line_end(t, t->cursor);
    t->goal = -1;
}

/* Cut bytes [from, to), keeping them for C-y. */
static void
cut(struct textarea *t, size_t from, size_t to, bool keep)
{
    if (to <= from)
        return;
    if (keep) {
        char *k = malloc(to - from + 1);
        if (k) {
            memcpy(k, t->text + from, to - from);
            k[to - from] = '\0';
            free(t->killed);
            t->killed = k;
        }
    }
    memmove(t->text + from, t->text + to, t->len - to + 1);
    t->len -= to - from;
    t->cursor = from;
    t->goal = -1;
}

void
ta_delete_prev(struct textarea *t)
{
    cut(t, cluster_before(t, t->cursor), t->cursor, false);
}

void
ta_delete_next(struct textarea *t)
{
    if (t->cursor < t->len)
        cut(t, t->cursor, cluster_end(t, t->cursor, 0, NULL), false);
}

void
ta_kill_line_start(struct textarea *t)
{
    cut(t, line_start(t, t->cursor), t->cursor, true);
}

void
ta_kill_line_end(struct textarea *t)
{
    size_t end = line_end(t, t->cursor);
    if (end == t->cursor && end < t->len)
        end++; /* at the end of a line: the line break */
    cut(t, t->cursor, end, true);
}

static bool
blank_at(const struct textarea *t, size_t i)
{
    char c = t->text[i];
    return c == ' ' || c == '\t' || c == '\n';
}

void
ta_kill_word(struct textarea *t)
{
    size_t p = t->cursor;
    while (p > 0 && blank_at(t, p - 1))
        p--;
    while (p > 0 && !blank_at(t, p - 1))
        p--;
    cut(t, p, t->cursor, true);
}

bool
ta_yank(struct textarea *t)
{
    return !t->killed || ta_insert(t, t->killed, strlen(t->killed));
}

/* Layout */

int
ta_layout(const struct textarea *t, int width, void (*row)(void *ctx, int index, struct ta_row r),
          void *ctx)
{
    if (width < 1)
        width = 1;
    const char *s = t->text;
    size_t n = t->len, i = 0;
    int count = 0;
    for (;;) {
        size_t start = i, brk = 0;
        int col = 0;
        while (i < n && s[i] != '\n') {
            int w;
            size_t next = cluster_end(t, i, col, &w);
            if (col + w > width && col > 0) {
                if (brk > start)
                    i = brk;
                break;
            }
            col += w;
            bool blank = s[i] == ' ' || s[i] == '\t';
            i = next;
            if (blank)
                brk = i;
        }
        if (row)
            row(ctx, count, (struct ta_row){start, i});
        count++;
        if (i < n && s[i] == '\n') {
            i++;
            if (i == n) {
                if (row)
                    row(ctx, count, (struct ta_row){n, n});
                count++;
                break;
            }
            continue;
        }
        if (i >= n)
            break;
    }
    return count;
}

struct find {
    const struct textarea *t;
    size_t want;  /* ta_cursor_at: the offset to place */
    int want_row; /* ta_move_rows: the row, and the column in it, to find an offset for */
    int want_col;
    int row, col; /* results */
    size_t offset;
};

/* Cells from the row's start to offset. */
static int
col_of(const struct textarea *t, struct ta_row r, size_t offset)
{
    int col = 0;
    for (size_t i = r.start; i < offset && i < r.end;) {
        int w;
        i = cluster_end(t, i, col, &w);
        col += w;
    }
    return col;
}

static void
find_cursor(void *ctx, int index, struct ta_row r)
{
    struct find *f = ctx;
    /* Rows start further on each time: the cursor's is the last starting at or before it. */
    if (r.start <= f->want) {
        f->row = index;
        f->col = col_of(f->t, r, f->want);
    }
}

void
ta_cursor_at(const struct textarea *t, int width, int *row, int *col)
{
    struct find f = {.t = t, .want = t->cursor, .row = -1};
    ta_layout(t, width, find_cursor, &f);
    *row = f.row < 0 ? 0 : f.row;
    *col = f.col;
}

static void
find_offset(void *ctx, int index, struct ta_row r)
{
    struct find *f = ctx;
    if (index != f->want_row)
        return;
    size_t i = r.start;
    int col = 0;
    while (i < r.end) {
        int w;
        size_t next = cluster_end(f->t, i, col, &w);
        if (col + w > f->want_col)
            break;
        col += w;
        i = next;
    }
    f->offset = i;
    f->row = index;
}

void
ta_move_rows(struct textarea *t, int width, int rows)
{
    int row, col;
    ta_cursor_at(t, width, &row, &col);
    int goal = t->goal >= 0 ? t->goal : col;
    struct find f = {.t = t, .want_row = row + rows, .want_col = goal, .row = -1};
    if (f.want_row < 0)
        f.want_row = 0;
    ta_layout(t, width, find_offset, &f);
    if (f.row < 0) {
        /* Past the last row: to the end. */
        t->cursor = t->len;
    } else {
        t->cursor = f.offset;
    }
    t->goal = goal;
}

void
ta_scroll(struct textarea *t, int width, int height)
{
    int row, col;
    ta_cursor_at(t, width, &row, &col);
    if (height < 1)
        height = 1;
    if (row < t->top)
        t->top = row;
    else if (row >= t->top + height)
        t->top = row - height + 1;
    if (t->top < 0)
        t->top = 0;
}
