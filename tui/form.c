/*
 * Forms: decide, approve, return, vote, assign, note, reconvene, recall
 * (the search words: prompt.c).  A form gathers what an action needs and hands it
 * to cr_act(); core's refusal is shown in full inside the form, which stays
 * open with everything typed kept.  Each form is defined once, in the table
 * `forms`: its fields, their choices (core's lists) and the member of the
 * request each fills, from which it opens, submits and keeps its draft.
 *
 * Text is held in text areas (textarea.h): the real bytes, wrapped only
 * for display, so resizing never changes what was written.  The ncurses
 * form library was dropped for this: its multi-line fields store rows of
 * cells, re-flow text on resize and miscount double-width characters.
 *
 * Nothing typed is lost silently: leaving a form with text asks first; a
 * version conflict shows what changed and C-r takes the new version with
 * the text kept; when the program is stopped by SIGHUP or SIGTERM the
 * text is kept as a draft in the database (form_keep) and the
 * next opening of the same form offers it back.
 */
#include "screens.h"
#include "text.h"
#include "textarea.h"
#include "tui.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FIELDS 3
#define LABEL_X 1
#define VALUE_X 20

/* The National Decision Model's headings, laid out for the rationale. */
static const char ndm_template[] = "Information considered:\n\n\n"
                                   "Assessment of threat and risk:\n\n\n"
                                   "Powers and policy:\n\n\n"
                                   "Options considered (and rejected):\n\n\n"
                                   "Reasons for the option chosen:\n";

enum field_kind { FIELD_CHOICE, FIELD_LINE, FIELD_AREA };

/* Where a choice field's choices come from: core's lists, or the configuration's people. */
enum choice_source { CHOICE_OUTCOME, CHOICE_YES_NO, CHOICE_VOTE, CHOICE_REVIEWER };

/*
 * Beside a choice of core's lists, what choosing it means for the case or
 * asks of the user, where core's label (a name for people, as `show` and
 * the case screen print it: "Reassess", "Dissent") does not say it:
 * reassess and refer say what becomes of the case, a dissent or a recusal
 * needs reasons.  A value without a hint here shows core's label (nfa's,
 * "No further action", says it all), so a value core adds is never shown
 * bare.  Keyed by core's enums.
 */
static const char *const outcome_hints[CR_OUTCOME_COUNT] = {
    [CR_OUTCOME_REASSESS] = "case to be reassessed",
    [CR_OUTCOME_REFER] = "referred into risk management",
};
static const char *const vote_hints[CR_VOTE_COUNT] = {
    [CR_VOTE_CONCUR] = "agree with the decision",
    [CR_VOTE_DISSENT] = "disagree: reasons needed",
    [CR_VOTE_RECUSE] = "conflict of interest: reason needed",
};

#define NO_OFFSET ((size_t)-1)

enum {
    F_TEMPLATE = 1 << 0,      /* starts from the NDM headings; the headings alone are no text */
    F_NULL_IF_EMPTY = 1 << 1, /* nothing written: no text at all (NULL) */
};

/*
 * A field of a form, defined once: the form opens from it (label, kind,
 * choices, the value to start from) and submits from it (the member of the
 * request it fills), and keeps and restores drafts through it.  A choice is
 * an int in the request and the draft (the value of core's list; yes/no: 0
 * or 1), or, for the reviewer, the login (a const char *); a text is a
 * const char *.
 */
struct field_def {
    const char *label;
    enum field_kind kind;
    enum choice_source source; /* FIELD_CHOICE */
    size_t req;                /* offsetof(struct cr_request, ...) */
    size_t draft;              /* offsetof(struct cr_draft, ...) */
    size_t again;     /* offsetof(struct cr_case, ...): the value after a return, or NO_OFFSET */
    int initial;      /* FIELD_CHOICE: the choice to start from, -1: none */
    const char *text; /* a text field's text to start from, or NULL */
    unsigned flags;
};

/* What the read-only pane above the fields shows. */
enum about { ABOUT_NONE, ABOUT_DECISION, ABOUT_RETURN };

struct form_def {
    int action;       /* the key action that opens it: its core action is what it submits */
    const char *what; /* the title: "<what> case N: ..." */
    enum about about;
    int nfields;
    struct field_def fields[MAX_FIELDS];
};

#define REQ(m) offsetof(struct cr_request, m)
#define DRAFT(m) offsetof(struct cr_draft, m)
#define CASE(m) offsetof(struct cr_case, m)
#define REASON_FIELD(label)                                                    \
    {                                                                          \
        label, FIELD_AREA, 0, REQ(reason), DRAFT(text), NO_OFFSET, -1, NULL, 0 \
    }

static const struct form_def forms[] = {
    {TA_DECIDE,
     "Decide",
     ABOUT_RETURN,
     3,
     {{"Outcome", FIELD_CHOICE, CHOICE_OUTCOME, REQ(outcome), DRAFT(outcome), CASE(row.outcome), -1,
       NULL, 0},
      {"Vetting review", FIELD_CHOICE, CHOICE_YES_NO, REQ(vetting_review), DRAFT(vetting_review),
       CASE(row.vetting_review), 0, NULL, 0},
      {"Rationale", FIELD_AREA, 0, REQ(rationale), DRAFT(text), CASE(rationale), -1, ndm_template,
       F_TEMPLATE}}},
    {TA_APPROVE, "Approve the decision on", ABOUT_DECISION, 0, {{0}}},
    {TA_RETURN, "Return the decision on", ABOUT_DECISION, 1, {REASON_FIELD("Reason")}},
    {TA_VOTE,
     "Vote on",
     ABOUT_DECISION,
     2,
     {{"Vote", FIELD_CHOICE, CHOICE_VOTE, REQ(vote), DRAFT(vote), NO_OFFSET, -1, NULL, 0},
      {"Reasons", FIELD_AREA, 0, REQ(reason), DRAFT(text), NO_OFFSET, -1, NULL, F_NULL_IF_EMPTY}}},
    {TA_ASSIGN,
     "Assign",
     ABOUT_NONE,
     1,
     {{"Reviewer", FIELD_CHOICE, CHOICE_REVIEWER, REQ(target), DRAFT(target), NO_OFFSET, -1, NULL,
       0}}},
    {TA_NOTE,
     "Add a note to",
     ABOUT_NONE,
     1,
     {{"Note", FIELD_AREA, 0, REQ(text), DRAFT(text), NO_OFFSET, -1, NULL, 0}}},
    /* The decision the panel could not close, and why it goes on or goes back. */
    {TA_RECONVENE, "Reconvene the panel on", ABOUT_DECISION, 1, {REASON_FIELD("Reason")}},
    {TA_RECALL, "Recall", ABOUT_DECISION, 1, {REASON_FIELD("Reason")}},
};

struct field {
    const struct field_def *def;
    const char *label;
    enum field_kind kind;
    const char **choices; /* FIELD_CHOICE: stored names, NULL-terminated */
    const char **labels;  /* FIELD_CHOICE: what each means, or NULL */
    bool labels_owned;    /* each label is the form's (a reviewer's name and open cases) */
    int choice;           /* -1: not chosen yet */
    int initial_choice;
    struct textarea ta; /* FIELD_LINE, FIELD_AREA */
    char *initial;      /* the text the field opened with */
};

struct form_state {
    const struct form_def *def;
    int action; /* TA_DECIDE ... */
    int64_t case_id;
    int64_t version;    /* the case version the form is based on */
    int64_t seen_event; /* the last history event of the case when it was read */
    bool viewed;        /* the case's view was audited before the form opened */
    char *title;
    char *about; /* read-only: the decision, or the reasons it was returned */
    const char *about_label;
    struct tui_nav about_nav; /* the pane's scrolling: top line, lines, rows shown */
    int nfields, cur;
    struct field f[MAX_FIELDS];
    char *msg; /* a refusal or a notice, shown in full in the form */
    bool msg_error;
    bool confirm;    /* the next key answers "discard what you wrote?" */
    bool quoted;     /* C-v: the next key goes into the text as it is */
    bool from_draft; /* the values came from a draft kept in the database */
    /* Laid out by the last draw, for the keys that move by rows. */
    int area_width, area_height;
    int cursor_y, cursor_x;
};

static void
set_msg(struct form_state *fs, bool error, const char *text)
{
    free(fs->msg);
    fs->msg = text && *text ? strdup(text) : NULL;
    fs->msg_error = error;
}

static struct field *
cur_field(struct form_state *fs)
{
    return fs->nfields ? &fs->f[fs->cur] : NULL;
}

static bool
is_text(const struct field *f)
{
    return f && f->kind != FIELD_CHOICE;
}

/* Whether anything typed or chosen differs from what the form opened with. */
static bool
changed(const struct form_state *fs)
{
    if (fs->from_draft)
        return true;
    for (int i = 0; i < fs->nfields; i++) {
        const struct field *f = &fs->f[i];
        if (f->kind == FIELD_CHOICE ? f->choice != f->initial_choice
                                    : strcmp(f->ta.text, f->initial ? f->initial : "") != 0)
            return true;
    }
    return false;
}

/* Layout */

struct layout {
    int about_y, about_h; /* the read-only pane */
    int field_y[MAX_FIELDS];
    int area_h; /* rows of the text area */
    int msg_y, msg_h;
    int width; /* of a field's value */
};

struct rows {
    const char **start;
    size_t *len;
    int n, cap;
};

static void
keep_row(void *ctx, const char *p, size_t n)
{
    struct rows *r = ctx;
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 16;
        const char **s = realloc(r->start, (size_t)cap * sizeof *s);
        size_t *l = s ? realloc(r->len, (size_t)cap * sizeof *l) : NULL;
        if (s)
            r->start = s;
        if (!l)
            return;
        r->len = l;
        r->cap = cap;
    }
    r->start[r->n] = p;
    r->len[r->n++] = n;
}

static void
rows_free(struct rows *r)
{
    free(r->start);
    free(r->len);
    memset(r, 0, sizeof *r);
}

static int
count_rows(const char *s, int width)
{
    struct rows r = {0};
    if (s)
        text_wrap(s, width, keep_row, &r);
    int n = r.n;
    rows_free(&r);
    return n;
}

static bool
has_area(const struct form_state *fs)
{
    for (int i = 0; i < fs->nfields; i++)
        if (fs->f[i].kind == FIELD_AREA)
            return true;
    return false;
}

/*
 * Rows, top to bottom: title, the keys, a blank; the about pane; the fields
 * (one row each and a blank, the text area what is left); the message,
 * whole; the status line.  The message is never cut: the about pane gives
 * way first, then the text area down to one row.
 */
static void
lay_out(struct form_state *fs, struct layout *L)
{
    memset(L, 0, sizeof *L);
    L->width = COLS - VALUE_X - 1;
    int top = 3, bottom = LINES - 1; /* the status line */
    L->msg_h = fs->msg ? count_rows(fs->msg, COLS - 2) : 0;
    if (L->msg_h)
        bottom -= L->msg_h + 1;
    L->msg_y = bottom + 1;
    int fixed = 0;
    for (int i = 0; i < fs->nfields; i++)
        fixed += fs->f[i].kind == FIELD_AREA ? 1 : 2;
    int room = bottom - top - fixed;
    int about_rows = fs->about ? count_rows(fs->about, COLS - 4) : 0;
    int want_about = fs->about ? about_rows + 2 : 0; /* its label, and a blank after */
    int area_min = has_area(fs) ? 3 : 0;
    if (fs->about) {
        /* Beside a text area the pane takes at most about half; alone, all there is. */
        if (has_area(fs) && want_about > (room - area_min) / 2 + 1)
            want_about = (room - area_min) / 2 + 1;
        if (!has_area(fs))
            want_about = room;
        if (want_about > room - area_min)
            want_about = room - area_min;
        if (want_about < 3)
            want_about = 0;
    }
    L->about_y = top;
    L->about_h = want_about;
    int y = top + want_about;
    L->area_h = room - want_about;
    if (L->area_h < 1)
        L->area_h = 1;
    for (int i = 0; i < fs->nfields; i++) {
        L->field_y[i] = y;
        y += fs->f[i].kind == FIELD_AREA ? L->area_h : 2;
    }
    fs->area_width = L->width;
    fs->area_height = L->area_h;
    fs->about_nav.lines = about_rows;
    fs->about_nav.height = L->about_h > 2 ? L->about_h - 2 : 0;
}

/* Drawing */

/* One row of a text area: tabs as blanks to the next stop, controls as marks. */
static void
draw_row(const struct textarea *t, struct ta_row r, int y, int x, int width, int attr)
{
    int col = 0;
    move(y, x);
    for (size_t i = r.start; i < r.end;) {
        size_t len;
        int w = ta_cells(t->text + i, t->len - i, col, &len);
        if (col + w > width)
            break;
        struct glyph g = glyph_at(t->text + i, t->len - i);
        attron(attr);
        if (t->text[i] == '\t') {
            for (int k = 0; k < w; k++)
                addch(' ');
        } else if (g.control) {
            char mark[GLYPH_MARK_MAX];
            glyph_mark_text(&g, mark);
            attron(A_REVERSE);
            addstr(mark);
            attroff(A_REVERSE);
        } else {
            wchar_t wc[2] = {g.bad ? 0xFFFD : g.wc, 0};
            if (g.width == 0)
                wc[0] = 0x25CC; /* a mark with nothing before it: on a dotted circle */
            addnwstr(wc, 1);
            if (g.width == 0) {
                wc[0] = g.wc;
                addnwstr(wc, 1);
            }
        }
        i += len;
        /* Combining marks join the character before them. */
        while (i < r.end) {
            struct glyph m = glyph_at(t->text + i, t->len - i);
            if (m.width != 0 || m.control || m.bad || t->text[i] == '\t' || t->text[i] == '\n')
                break;
            wchar_t wc[2] = {m.wc, 0};
            addnwstr(wc, 1);
            i += m.len;
        }
        attroff(attr);
        col += w;
    }
}

struct area_draw {
    const struct textarea *t;
    int y, x, width, top, height, attr;
};

static void
area_row(void *ctx, int index, struct ta_row r)
{
    struct area_draw *d = ctx;
    if (index < d->top || index >= d->top + d->height)
        return;
    draw_row(d->t, r, d->y + index - d->top, d->x, d->width, d->attr);
}

static void
draw_choice(struct app *app, const struct field *f, int y, int width, bool focus)
{
    int x = VALUE_X;
    for (int c = 0; f->choices[c]; c++) {
        bool on = c == f->choice;
        int w = tui_width(f->choices[c]) + 2;
        if (x + w > VALUE_X + width)
            break;
        int attr = on ? tui_attr(app, CR_SLOT_SELECTED) | (int)A_REVERSE : 0;
        mvaddch(y, x, on ? '[' : ' ');
        tui_put(stdscr, y, x + 1, f->choices[c], w - 2, attr);
        mvaddch(y, x + w - 1, on ? ']' : ' ');
        x += w + 1;
    }
    const char *hint = f->choice >= 0 && f->labels ? f->labels[f->choice]
                       : f->choice < 0
                           ? (focus ? "choose: Left/Right or a letter" : "not chosen yet")
                           : NULL;
    /* A hint goes on from the choices in lower case; core's labels begin with a capital. */
    char *lower = hint && f->choice >= 0 && f->def->source != CHOICE_REVIEWER
                      ? tui_printf("%c%s", tolower((unsigned char)hint[0]), hint + 1)
                      : NULL;
    if (hint && x + 2 < VALUE_X + width)
        tui_put(stdscr, y, x + 1, lower ? lower : hint, VALUE_X + width - x - 1,
                tui_attr(app, f->choice < 0 ? CR_SLOT_OVERDUE : CR_SLOT_DIM));
    free(lower);
}

/* The keys of the form, from the key table (so remapped keys show as they are). */
static void
hint_line(struct app *app, const struct form_state *fs, char *out, size_t n)
{
    static const struct {
        int action;
        const char *what;
    } hints[] = {
        {TA_SUBMIT, "submit"},  {TA_NEXT_FIELD, "next field"}, {TA_EDITOR, "$EDITOR"},
        {TA_SHOW_CASE, "case"}, {TA_CANCEL, "cancel"},         {TA_HELP, "keys"},
    };
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
        int a = hints[i].action;
        if ((a == TA_EDITOR && !has_area(fs)) || (a == TA_SHOW_CASE && !fs->case_id) ||
            (a == TA_NEXT_FIELD && fs->nfields < 2))
            continue;
        char key[32] = "";
        /* The first key that is not a plain character (in a form those type). */
        for (int k = 0; k < TUI_MAX_KEYS && app->keys.keys[a][k]; k++) {
            wint_t ch = app->keys.keys[a][k];
            if (app->keys.is_fn[a][k] || ch < ' ' || ch == 127) {
                tui_key_name(ch, app->keys.is_fn[a][k], key, sizeof key);
                /* <F2> reads as F2 here. */
                size_t kl = strlen(key);
                if (kl > 2 && key[0] == '<' && key[kl - 1] == '>') {
                    memmove(key, key + 1, kl - 2);
                    key[kl - 2] = '\0';
                }
                break;
            }
        }
        if (!key[0])
            continue;
        used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s %s", used ? "  " : "",
                                 key, hints[i].what);
    }
}

static void
draw_wrapped(const char *text, int y, int x, int width, int first, int height, int attr)
{
    struct rows r = {0};
    text_wrap(text, width, keep_row, &r);
    for (int i = 0; i < height && first + i < r.n; i++) {
        char *line = strndup(r.start[first + i], r.len[first + i]);
        if (line)
            tui_put(stdscr, y + i, x, line, width, attr);
        free(line);
    }
    rows_free(&r);
}

static void
form_draw(struct app *app, void *state)
{
    struct form_state *fs = state;
    struct layout L;
    lay_out(fs, &L);
    attron(tui_attr(app, CR_SLOT_TITLE));
    mvhline(0, 0, ' ', COLS);
    tui_put(stdscr, 0, 0, fs->title, COLS, tui_attr(app, CR_SLOT_TITLE));
    attroff(tui_attr(app, CR_SLOT_TITLE));
    char hints[256];
    hint_line(app, fs, hints, sizeof hints);
    tui_put(stdscr, 1, 1, hints, COLS - 2, tui_attr(app, CR_SLOT_DIM));

    if (L.about_h) {
        struct tui_nav *nav = &fs->about_nav;
        tui_nav_clamp(nav);
        char label[160];
        int last = nav->top + nav->height;
        if (nav->lines > nav->height)
            snprintf(label, sizeof label, "%s (lines %d-%d of %d; PgUp/PgDn)", fs->about_label,
                     nav->top + 1, last < nav->lines ? last : nav->lines, nav->lines);
        else
            snprintf(label, sizeof label, "%s", fs->about_label);
        tui_put(stdscr, L.about_y, LABEL_X, label, COLS - 2, tui_attr(app, CR_SLOT_HEADER));
        draw_wrapped(fs->about, L.about_y + 1, 3, COLS - 4, nav->top, nav->height, 0);
    }
    fs->cursor_y = fs->cursor_x = -1;
    for (int i = 0; i < fs->nfields; i++) {
        struct field *f = &fs->f[i];
        bool focus = i == fs->cur;
        int y = L.field_y[i];
        tui_put(stdscr, y, LABEL_X, f->label, VALUE_X - LABEL_X - 1,
                focus ? tui_attr(app, CR_SLOT_SELECTED) | (int)A_BOLD
                      : tui_attr(app, CR_SLOT_HEADER));
        if (f->kind == FIELD_CHOICE) {
            draw_choice(app, f, y, L.width, focus);
            if (focus) {
                fs->cursor_y = y;
                fs->cursor_x = VALUE_X;
            }
            continue;
        }
        int height = f->kind == FIELD_AREA ? L.area_h : 1;
        if (f->kind == FIELD_LINE)
            mvhline(y, VALUE_X, ' ', L.width);
        ta_scroll(&f->ta, L.width, height);
        struct area_draw d = {&f->ta,
                              y,
                              VALUE_X,
                              L.width,
                              f->ta.top,
                              height,
                              f->kind == FIELD_LINE ? A_UNDERLINE : 0};
        ta_layout(&f->ta, L.width, area_row, &d);
        if (f->kind == FIELD_AREA && !f->ta.len && !focus)
            tui_put(stdscr, y, VALUE_X, "(empty)", L.width, tui_attr(app, CR_SLOT_DIM));
        if (focus) {
            int row, col;
            ta_cursor_at(&f->ta, L.width, &row, &col);
            if (col >= L.width)
                col = L.width - 1;
            fs->cursor_y = y + row - f->ta.top;
            fs->cursor_x = VALUE_X + col;
        }
    }
    if (fs->msg)
        draw_wrapped(fs->msg, L.msg_y, 1, COLS - 2, 0, L.msg_h,
                     tui_attr(app, fs->msg_error ? CR_SLOT_ERROR : CR_SLOT_MESSAGE));
    curs_set(fs->cursor_y >= 0 && !fs->confirm ? 1 : 0);
}

static void
form_overlay(struct app *app, void *state)
{
    struct form_state *fs = state;
    (void)app;
    if (fs->cursor_y >= 0) {
        move(fs->cursor_y, fs->cursor_x);
        wnoutrefresh(stdscr);
    }
}

/* The case: what the form shows of it */

/* The last event of the case's history this user may see (for "what changed"). */
static int64_t
last_event(struct app *app, int64_t id)
{
    struct cr_history h;
    if (cr_history_of_view_id(app->db, id, &h) != CR_OK)
        return 0;
    /* The highest number: votes withheld by blind voting come last, numbered 0. */
    int64_t last = 0;
    for (size_t i = 0; i < h.n; i++)
        if (h.events[i].id > last)
            last = h.events[i].id;
    cr_history_free(&h);
    return last;
}

/* The events after seen, one a line, for a version conflict. */
static char *
events_since(struct app *app, int64_t id, int64_t seen)
{
    struct cr_history h;
    if (cr_history_of_view_id(app->db, id, &h) != CR_OK)
        return NULL;
    size_t cap = 256, used = 0;
    char *out = malloc(cap);
    for (size_t i = 0; out && i < h.n; i++) {
        const struct cr_event *e = &h.events[i];
        if (e->id <= seen || strcmp(e->action, "view") == 0)
            continue;
        char when[21];
        cr_time_format(e->at, when);
        char *line =
            e->state_before && e->state_after && strcmp(e->state_before, e->state_after) != 0
                ? tui_printf("\n  %.16s %s %s: %s -> %s", when, e->actor, e->action,
                             e->state_before, e->state_after)
                : tui_printf("\n  %.16s %s %s", when, e->actor, e->action);
        if (!line)
            continue;
        size_t n = strlen(line);
        if (used + n + 1 > cap) {
            while (used + n + 1 > cap)
                cap *= 2;
            char *p = realloc(out, cap);
            if (!p) {
                free(line);
                break;
            }
            out = p;
        }
        memcpy(out + used, line, n + 1);
        used += n;
        free(line);
    }
    cr_history_free(&h);
    if (out && !used) {
        free(out);
        return NULL;
    }
    return out;
}

/* The decision as the approve, return and vote forms show it. */
static char *
decision_text(const struct cr_case *c)
{
    char when[21];
    cr_time_format(c->row.decided_at, when);
    return tui_printf("%s%s (decision %d), by %s at %s\n\n%s", cr_outcome_label(c->row.outcome),
                      c->row.vetting_review ? ", with a vetting review" : "", c->round,
                      c->row.decided_by ? c->row.decided_by : "-", when,
                      c->rationale ? c->rationale : "");
}

/* After a return: the reasons given since the last decision (the supervisor's, the panel's). */
static char *
return_reasons(const struct cr_case *c)
{
    char *out = NULL;
    for (size_t i = 0; i < c->n_notes; i++) {
        const struct cr_note *n = &c->notes[i];
        if (n->at < c->row.decided_at ||
            (strcmp(n->kind, "return") != 0 && strcmp(n->kind, "dissent") != 0))
            continue;
        char when[21];
        cr_time_format(n->at, when);
        char *more =
            tui_printf("%s%s%s %s on %.10s at %.5s UTC:\n%s", out ? out : "", out ? "\n\n" : "",
                       strcmp(n->kind, "return") == 0 ? "Returned by" : "Returned by the",
                       n->author, when, when + 11, n->body);
        free(out);
        out = more;
    }
    return out;
}

/* Read the case for the form: its title, what it shows, the values to start from. */
static bool
read_case(struct app *app, struct form_state *fs, struct cr_case *c)
{
    enum cr_status st = fs->viewed ? cr_case_reload_id(app->db, fs->case_id, c)
                                   : cr_case_view_id(app->db, fs->case_id, c);
    if (st != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return false;
    }
    fs->viewed = true;
    fs->version = c->version;
    fs->seen_event = last_event(app, fs->case_id);
    return true;
}

/* Fields */

/* The names and meanings of a choice field's choices, from its source (freed with the form). */
static bool
make_choices(struct app *app, struct field *f)
{
    int n = 0;
    switch (f->def->source) {
    case CHOICE_OUTCOME:
        n = CR_OUTCOME_COUNT;
        break;
    case CHOICE_YES_NO:
        n = 2;
        break;
    case CHOICE_VOTE:
        n = CR_VOTE_COUNT;
        break;
    case CHOICE_REVIEWER:
        n = (int)app->cfg->n_people;
        break;
    }
    f->choices = calloc((size_t)n + 1, sizeof *f->choices);
    f->labels = calloc((size_t)n + 1, sizeof *f->labels);
    if (!f->choices || !f->labels)
        return false;
    /*
     * A reviewer's name, and the open cases they hold for a user who may see
     * the workload (cr_workload_visible), as the bulk assign's chooser and
     * the dashboard say them: "E. Jones, 3 open cases".
     */
    struct cr_workload w;
    memset(&w, 0, sizeof w);
    bool loads = f->def->source == CHOICE_REVIEWER && cr_workload_visible(app->db) &&
                 cr_workload_get(app->db, "screen", &w) == CR_OK;
    f->labels_owned = f->def->source == CHOICE_REVIEWER;
    int k = 0;
    for (int i = 0; i < n; i++) {
        switch (f->def->source) {
        case CHOICE_OUTCOME:
            f->choices[k] = cr_outcome_name(i);
            f->labels[k++] = outcome_hints[i] ? outcome_hints[i] : cr_outcome_label(i);
            break;
        case CHOICE_YES_NO:
            f->choices[k++] = i ? "yes" : "no";
            break;
        case CHOICE_VOTE:
            f->choices[k] = cr_vote_name(i);
            f->labels[k++] = vote_hints[i] ? vote_hints[i] : cr_vote_label(i);
            break;
        case CHOICE_REVIEWER: {
            const struct cr_person *p = &app->cfg->people[i];
            if (cr_person_has(p, CR_ROLE_REVIEWER)) {
                int64_t open = 0;
                for (size_t r = 0; loads && r < w.n_rows; r++)
                    if (strcmp(w.rows[r].login, p->login) == 0)
                        open = w.rows[r].open;
                f->choices[k] = p->login;
                f->labels[k++] = loads ? tui_printf("%s, %lld open case%s", p->name,
                                                    (long long)open, open == 1 ? "" : "s")
                                       : tui_printf("%s", p->name);
            }
            break;
        }
        }
    }
    cr_workload_free(&w);
    if (f->def->source == CHOICE_YES_NO) {
        free(f->labels); /* yes or no says what it means */
        f->labels = NULL;
    }
    return true;
}

static int
choice_index(const char **choices, const char *name)
{
    for (int i = 0; name && choices && choices[i]; i++)
        if (strcmp(choices[i], name) == 0)
            return i;
    return -1;
}

/* A choice as the request and the draft hold it: core's value, 0 or 1, or a login. */
static void
store_choice(const struct field *f, void *base, size_t off)
{
    if (f->def->source == CHOICE_REVIEWER)
        *(const char **)((char *)base + off) = f->choice >= 0 ? f->choices[f->choice] : NULL;
    else if (f->def->source == CHOICE_YES_NO)
        *(int *)((char *)base + off) = f->choice == 1;
    else
        *(int *)((char *)base + off) = f->choice;
}

/* The choice a stored value means (store_choice backwards). */
static int
load_choice(const struct field *f, const void *base, size_t off)
{
    if (f->def->source == CHOICE_REVIEWER)
        return choice_index(f->choices, *(const char *const *)((const char *)base + off));
    int v = *(const int *)((const char *)base + off);
    return f->def->source == CHOICE_YES_NO ? (v ? 1 : 0) : v;
}

/* A text member of the request, the draft or the case. */
static const char *
text_at(const void *base, size_t off)
{
    return *(const char *const *)((const char *)base + off);
}

/*
 * The fields of a form from its definition, with their values to start
 * from: the definition's or (again: the decision came back) the case's
 * last decision.
 */
static bool
add_fields(struct app *app, struct form_state *fs, const struct cr_case *c, bool again)
{
    for (int i = 0; i < fs->def->nfields; i++) {
        const struct field_def *d = &fs->def->fields[i];
        struct field *f = &fs->f[fs->nfields++];
        f->def = d;
        f->label = d->label;
        f->kind = d->kind;
        bool from_case = again && d->again != NO_OFFSET;
        if (d->kind == FIELD_CHOICE) {
            if (!make_choices(app, f))
                return false;
            f->choice = f->initial_choice = from_case ? load_choice(f, c, d->again) : d->initial;
            continue;
        }
        const char *start = d->text;
        if (from_case && text_at(c, d->again))
            start = text_at(c, d->again);
        ta_init(&f->ta, start, d->kind == FIELD_LINE);
        f->initial = strdup(start ? start : "");
    }
    return true;
}

static struct field *
text_field(struct form_state *fs)
{
    for (int i = 0; i < fs->nfields; i++)
        if (fs->f[i].kind != FIELD_CHOICE)
            return &fs->f[i];
    return NULL;
}

/* Focus: the first field still to fill in. */
static void
focus_first_empty(struct form_state *fs)
{
    for (int i = 0; i < fs->nfields; i++) {
        if (fs->f[i].kind == FIELD_CHOICE ? fs->f[i].choice < 0 : true) {
            fs->cur = i;
            return;
        }
    }
}

/* Submitting */

static bool
is_template(const char *s)
{
    /* The headings alone (or a part of them) are no rationale. */
    return strncmp(s, ndm_template, strlen(s)) == 0;
}

/* The request the form's fields make, each into its member. */
static void
fill_request(struct form_state *fs, struct cr_request *req)
{
    memset(req, 0, sizeof *req);
    req->action = tui_action_core(fs->action);
    req->expect_version = fs->version;
    req->outcome = req->vote = -1;
    for (int i = 0; i < fs->nfields; i++) {
        const struct field *f = &fs->f[i];
        if (f->def->req == NO_OFFSET)
            continue;
        if (f->kind == FIELD_CHOICE) {
            store_choice(f, req, f->def->req);
            continue;
        }
        const char *text = f->ta.text;
        if ((f->def->flags & F_TEMPLATE) && is_template(text))
            text = "";
        if ((f->def->flags & F_NULL_IF_EMPTY) && !text[0])
            text = NULL;
        *(const char **)((char *)req + f->def->req) = text;
    }
}

/* The case changed under the form: say what changed and how to go on. */
static void
show_conflict(struct app *app, struct form_state *fs, const char *refusal)
{
    char *changes = events_since(app, fs->case_id, fs->seen_event);
    char *text = tui_printf("%s%s%s\nC-r takes the case as it is now and keeps your text; then "
                            "submit again, or Esc to leave.",
                            refusal, changes ? "\nWhat changed since you opened the form:" : "",
                            changes ? changes : "");
    set_msg(fs, true, text ? text : refusal);
    free(text);
    free(changes);
}

/*
 * After a decision, an approval or a vote submitted from the case screen:
 * on to the next case of the view (the configuration's after_action: next,
 * the default), by the screen's own step (n), so that it is the case n
 * would show.  done is what the action did, said again with where it went.
 */
static void
after_action(struct app *app, int action, const char *done)
{
    if (app->cfg && app->cfg->after_action_stay)
        return;
    if (action != TA_DECIDE && action != TA_APPROVE && action != TA_VOTE)
        return;
    const struct screen_ops *ops = app->stack[app->depth - 1].ops;
    void *state = app->stack[app->depth - 1].state;
    const struct tui_function *step = tui_function_of(ops->functions, TA_NEXT_CASE);
    if (!step || !step->fn || !ops->current)
        return;
    struct tui_case_ref before = {0}, after = {0};
    ops->current(app, state, &before);
    step->fn(app, state, TA_NEXT_CASE);
    ops->current(app, state, &after);
    if (after.id && after.id != before.id)
        tui_message(app, false, "%s; next: case %lld", done, (long long)after.id);
    else
        tui_message(app, false, "%s; no case follows in this view", done);
}

static void
submit(struct app *app, struct form_state *fs)
{
    struct cr_request req;
    fill_request(fs, &req);
    if (tui_act(app, fs->case_id, &req)) {
        char *done = app->status ? strdup(app->status) : NULL;
        bool error = app->status_error;
        int action = fs->action;
        tui_pop(app);
        tui_reload_all(app);
        tui_message(app, error, "%s", done ? done : "done");
        if (!error)
            after_action(app, action, done ? done : "done");
        free(done);
        return;
    }
    /* Refused: the form stays, with the refusal in it and the text kept. */
    char *refusal = app->status ? strdup(app->status) : strdup("refused");
    tui_message(app, false, "%s", "");
    struct cr_case c;
    bool conflict = false;
    if (cr_case_reload_id(app->db, fs->case_id, &c) == CR_OK) {
        conflict = c.version != fs->version;
        cr_case_free(&c);
    }
    if (conflict)
        show_conflict(app, fs, refusal ? refusal : "refused");
    else
        set_msg(fs, true, refusal);
    free(refusal);
}

/* C-r: take the case as it is now, keeping what was typed. */
static void
reload_case(struct app *app, struct form_state *fs)
{
    if (!fs->case_id)
        return;
    struct cr_case c;
    if (!read_case(app, fs, &c))
        return;
    if (fs->def->about == ABOUT_DECISION) {
        free(fs->about);
        fs->about = c.row.outcome >= 0 ? decision_text(&c) : NULL;
    }
    char *text =
        tui_printf("Now based on version %lld of case %lld (%s); your text is as you "
                   "left it.",
                   (long long)fs->version, (long long)fs->case_id, cr_state_label(c.row.state));
    set_msg(fs, false, text);
    free(text);
    cr_case_free(&c);
}

/* $EDITOR */

/* Read a whole file; NULL on failure. */
static char *
read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = read_whole(f, (size_t)1 << 30, NULL);
    fclose(f);
    return buf;
}

/* End the editor and everything it started (its own process group). */
static void
end_editor(pid_t pid, int *status)
{
    kill(-pid, SIGTERM);
    kill(-pid, SIGCONT);
    for (int i = 0; i < 40; i++) {
        if (waitpid(pid, status, WNOHANG) == pid) {
            kill(-pid, SIGKILL); /* anything it left behind */
            return;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
}

/* Give the terminal to a process group (the editor's, or ours back). */
static void
give_terminal(pid_t pgrp)
{
    if (!isatty(STDIN_FILENO))
        return;
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGTTOU, &ign, &old);
    tcsetpgrp(STDIN_FILENO, pgrp);
    sigaction(SIGTTOU, &old, NULL);
}

/*
 * Write the current text field's text in $EDITOR ($VISUAL first): an
 * owner-only file, removed when the editor returns or the program is
 * stopped.  The file ends with a line break, as editors keep text files;
 * one is taken off again when it is read back, so the text is unchanged
 * when nothing was edited.
 */
static void
edit_in_editor(struct app *app, struct form_state *fs)
{
    struct field *f = cur_field(fs);
    if (!f || f->kind != FIELD_AREA) {
        f = NULL;
        for (int i = 0; i < fs->nfields; i++)
            if (fs->f[i].kind == FIELD_AREA) {
                fs->cur = i;
                f = &fs->f[i];
            }
        if (!f) {
            set_msg(fs, true, "This form has no text to write in an editor.");
            return;
        }
    }
    const char *tmp = getenv("TMPDIR");
    char *path = tui_printf("%s/casereview-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = path ? mkstemp(path) : -1; /* created 0600 */
    if (fd < 0) {
        char *m = tui_printf("Cannot make a file for the editor: %s", strerror(errno));
        set_msg(fs, true, m);
        free(m);
        free(path);
        return;
    }
    bool ok = write(fd, f->ta.text, f->ta.len) == (ssize_t)f->ta.len && write(fd, "\n", 1) == 1;
    ok = close(fd) == 0 && ok;
    const char *editor =
        getenv("VISUAL") && *getenv("VISUAL") ? getenv("VISUAL") : getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    tui_terminal_pause(app);
    pid_t pid = ok ? fork() : -1;
    if (pid == 0) {
        /* Its own process group, in the foreground: ended whole if we are stopped. */
        setpgid(0, 0);
        give_terminal(getpid());
        signal(SIGHUP, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, path, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    bool stopped = false;
    if (pid > 0) {
        setpgid(pid, pid);
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR)
                break;
            if (tui_stop_signal()) {
                end_editor(pid, &status);
                stopped = true;
                break;
            }
        }
        give_terminal(getpgrp());
    }
    tui_terminal_resume(app);
    char *buf = pid > 0 ? read_all(path) : NULL;
    unlink(path);
    /* One line break, which editors add at the end of a file, is not part of the text. */
    if (buf && *buf && buf[strlen(buf) - 1] == '\n')
        buf[strlen(buf) - 1] = '\0';
    if (buf && (stopped || (WIFEXITED(status) && WEXITSTATUS(status) == 0))) {
        /* Stopped meanwhile: what the editor had saved is kept as the draft. */
        ta_set(&f->ta, "");
        ta_insert(&f->ta, buf, strlen(buf));
        set_msg(fs, false, "The text is read back from the editor.");
    } else {
        char *m = tui_printf("The editor (%s) %s; the text is as it was.", editor,
                             pid < 0 ? "could not be started"
                             : WIFEXITED(status) && WEXITSTATUS(status) == 127
                                 ? "was not found"
                                 : "did not finish cleanly");
        set_msg(fs, true, m);
        free(m);
    }
    free(buf);
    free(path);
    app->dirty = true;
}

/* Keys */

static void
cancel(struct app *app, struct form_state *fs)
{
    if (changed(fs)) {
        fs->confirm = true;
        set_msg(
            fs, true,
            fs->from_draft
                ? "Discard this draft? y discards it for good; any other key goes back to the "
                  "form."
                : "Discard what you wrote? y discards it; any other key goes back to the form.");
        return;
    }
    tui_pop(app);
    tui_message(app, false, "cancelled; nothing was changed");
}

static void
answer_confirm(struct app *app, struct form_state *fs, wint_t ch, bool fn)
{
    fs->confirm = false;
    if (!fn && (ch == 'y' || ch == 'Y')) {
        bool draft = fs->from_draft;
        if (draft) {
            if (cr_draft_discard_id(app->db, fs->case_id, tui_action_core(fs->action)) != CR_OK) {
                set_msg(fs, true, cr_db_errmsg(app->db));
                return;
            }
        }
        tui_pop(app);
        tui_message(app, false, "%s",
                    draft ? "the draft was discarded; nothing was changed"
                          : "discarded; nothing was changed");
        return;
    }
    set_msg(fs, false, "Back to the form; nothing was discarded.");
}

static void
move_field(struct form_state *fs, int by)
{
    if (!fs->nfields)
        return;
    fs->cur = (fs->cur + by + fs->nfields) % fs->nfields;
}

static void
cycle_choice(struct field *f, int by)
{
    int n = 0;
    while (f->choices[n])
        n++;
    if (!n)
        return;
    f->choice = f->choice < 0 ? (by > 0 ? 0 : n - 1) : (f->choice + by + n) % n;
}

/* A letter picks the next choice that starts with it. */
static void
choose_by_letter(struct field *f, wint_t ch)
{
    int n = 0;
    while (f->choices[n])
        n++;
    for (int k = 1; k <= n; k++) {
        int c = ((f->choice < 0 ? -1 : f->choice) + k + n) % n;
        if ((wint_t)(unsigned char)f->choices[c][0] == ch) {
            f->choice = c;
            return;
        }
    }
}

/* Keys of a text field: the editing keys (tui_edit_key), rows, C-v, Enter; false when none. */
static bool
edit_key(struct app *app, struct form_state *fs, struct field *f, wint_t ch, bool fn)
{
    struct textarea *t = &f->ta;
    int w = fs->area_width, h = f->kind == FIELD_AREA ? fs->area_height : 1;
    if (tui_edit_key(t, ch, fn))
        return true;
    if (fn) {
        switch (ch) {
        case KEY_UP:
        case KEY_DOWN: {
            int row, col, by = ch == KEY_UP ? -1 : 1;
            ta_cursor_at(t, w, &row, &col);
            struct textarea probe = *t;
            ta_move_rows(&probe, w, by);
            if (f->kind == FIELD_LINE || probe.cursor == t->cursor ||
                (by > 0 && row == ta_layout(t, w, NULL, NULL) - 1))
                move_field(fs, by);
            else
                *t = probe;
            return true;
        }
        case KEY_NPAGE:
            ta_move_rows(t, w, h - 1 > 0 ? h - 1 : 1);
            return true;
        case KEY_PPAGE:
            ta_move_rows(t, w, -(h - 1 > 0 ? h - 1 : 1));
            return true;
        case KEY_ENTER:
            ch = '\r';
            break;
        default:
            return false;
        }
    }
    switch (ch) {
    case 22: /* C-v */
        fs->quoted = true;
        return true;
    case '\r':
    case '\n':
        if (f->kind == FIELD_AREA)
            ta_insert(t, "\n", 1);
        else if (fs->nfields == 1)
            submit(app, fs);
        else
            move_field(fs, 1);
        return true;
    default:
        return false;
    }
}

/* Keys before the handler table: a pending question, C-v, typed text and choices. */
static bool
form_key(struct app *app, void *state, int action, wint_t ch)
{
    struct form_state *fs = state;
    bool fn = app->key_fn;
    wint_t code = app->key;
    struct field *f = cur_field(fs);
    struct layout L;
    (void)action;
    (void)ch;
    lay_out(fs, &L); /* the rows and widths the keys move by, as the screen is now */
    if (fs->confirm) {
        answer_confirm(app, fs, code, fn);
        return true;
    }
    if (fs->quoted) {
        fs->quoted = false;
        if (is_text(f) && !fn) {
            if (code == '\r' && f->kind == FIELD_AREA)
                code = '\n';
            ta_insert_wc(&f->ta, (wchar_t)code);
        }
        return true;
    }
    /* A notice goes with the next key; a refusal stays until the form changes. */
    if (fs->msg && !fs->msg_error)
        set_msg(fs, false, NULL);
    bool printable = !fn && code >= ' ' && code != 127;
    if (printable && is_text(f)) {
        ta_insert_wc(&f->ta, (wchar_t)code);
        return true;
    }
    if (printable && f && f->kind == FIELD_CHOICE) {
        if (code == ' ')
            cycle_choice(f, 1);
        else
            choose_by_letter(f, code);
        return true;
    }
    return false;
}

/* The form's actions (the handler table's). */
static bool
form_action(struct app *app, void *state, int action)
{
    struct form_state *fs = state;
    switch (action) {
    case TA_SUBMIT:
        submit(app, fs);
        return true;
    case TA_CANCEL:
    case TA_QUIT_ALL:
    case TA_QUIT: /* q types in a text field; in a form without one it leaves */
        cancel(app, fs);
        return true;
    case TA_NEXT_FIELD:
        move_field(fs, 1);
        return true;
    case TA_PREV_FIELD:
        move_field(fs, -1);
        return true;
    case TA_EDITOR:
        edit_in_editor(app, fs);
        return true;
    case TA_SHOW_CASE:
        if (fs->case_id) {
            struct tui_target t = {.c = {fs->case_id, fs->version, fs->viewed}};
            tui_open(app, TA_SHOW_CASE, &t);
        }
        return true;
    case TA_RELOAD:
        reload_case(app, fs);
        return true;
    default:
        return false;
    }
}

/* Keys the table left: a text field's editing keys, a choice's arrows. */
static bool
form_unbound(struct app *app, void *state, int action, wint_t ch)
{
    struct form_state *fs = state;
    bool fn = app->key_fn;
    wint_t code = app->key;
    struct field *f = cur_field(fs);
    (void)ch;
    if (is_text(f) && edit_key(app, fs, f, code, fn))
        return true;
    if (f && f->kind == FIELD_CHOICE && fn) {
        switch (code) {
        case KEY_LEFT:
            cycle_choice(f, -1);
            return true;
        case KEY_RIGHT:
            cycle_choice(f, 1);
            return true;
        case KEY_UP:
            move_field(fs, -1);
            return true;
        case KEY_DOWN:
            move_field(fs, 1);
            return true;
        default:
            break;
        }
    }
    if (f && f->kind == FIELD_CHOICE && !fn && (code == '\r' || code == '\n')) {
        move_field(fs, 1);
        return true;
    }
    /* The read-only pane scrolls on PgDn and PgUp even when they are bound to no move. */
    if (fn && (code == KEY_NPAGE || code == KEY_PPAGE) && tui_action_kind(action) != TK_NAV)
        return tui_nav_move(app, &fs->about_nav, code == KEY_NPAGE ? TA_PAGE_DOWN : TA_PAGE_UP);
    return false;
}

/* The read-only pane scrolls on the moves a text field does not take (the driver's). */
static struct tui_nav *
form_nav(struct app *app, void *state)
{
    struct form_state *fs = state;
    (void)app;
    return &fs->about_nav;
}

static bool
form_paste(struct app *app, void *state, const char *text, size_t n)
{
    struct form_state *fs = state;
    (void)app;
    if (fs->confirm)
        return true;
    struct field *f = cur_field(fs);
    if (!is_text(f)) {
        f = text_field(fs);
        if (!f) {
            set_msg(fs, true, "This form has no text field; the paste was not used.");
            return true;
        }
        fs->cur = (int)(f - fs->f);
    }
    if (!ta_insert(&f->ta, text, n))
        set_msg(fs, true, "Out of memory: the paste was not inserted.");
    return true;
}

/* Drafts */

/* Stopped by a signal: the form's unsaved text is kept as a draft in the database. */
static bool
form_keep(struct app *app, void *state)
{
    struct form_state *fs = state;
    if (!fs->case_id || !fs->nfields || !changed(fs))
        return false;
    struct cr_draft d = {.action = tui_action_core(fs->action),
                         .outcome = -1,
                         .vote = -1,
                         .case_version = fs->version};
    for (int i = 0; i < fs->nfields; i++) {
        const struct field *f = &fs->f[i];
        if (f->kind == FIELD_CHOICE && f->def->draft != NO_OFFSET)
            store_choice(f, &d, f->def->draft);
    }
    struct field *t = text_field(fs);
    d.text = t ? t->ta.text : "";
    return cr_draft_save_id(app->db, fs->case_id, &d) == CR_OK;
}

/* Offer back a draft kept when the program was stopped. */
static void
restore_draft(struct app *app, struct form_state *fs)
{
    struct cr_draft d;
    if (cr_draft_get_id(app->db, fs->case_id, tui_action_core(fs->action), &d) != CR_OK)
        return;
    for (int i = 0; i < fs->nfields; i++) {
        struct field *f = &fs->f[i];
        if (f->kind != FIELD_CHOICE) {
            ta_set(&f->ta, d.text);
            f->ta.cursor = f->ta.len;
        } else if (f->def->draft != NO_OFFSET &&
                   (f->def->source != CHOICE_REVIEWER || text_at(&d, f->def->draft))) {
            f->choice = load_choice(f, &d, f->def->draft);
        }
    }
    fs->from_draft = true;
    char when[21];
    cr_time_format(d.saved_at, when);
    char *m = tui_printf("Your draft of %.16s is back: it was kept when casereview was stopped "
                         "before you submitted it. Submit it, change it, or Esc and y to discard "
                         "it.",
                         when);
    set_msg(fs, false, m);
    free(m);
    if (d.case_version != fs->version) {
        char *c =
            tui_printf("%s The case has changed since (version %lld then, %lld now): "
                       "read it again (F3) before you submit.",
                       fs->msg ? fs->msg : "", (long long)d.case_version, (long long)fs->version);
        set_msg(fs, false, c);
        free(c);
    }
    cr_draft_free(&d);
}

/* Opening */

static void
form_close(struct app *app, void *state)
{
    struct form_state *fs = state;
    (void)app;
    for (int i = 0; i < fs->nfields; i++) {
        if (fs->f[i].kind != FIELD_CHOICE)
            ta_free(&fs->f[i].ta);
        free(fs->f[i].initial);
    }
    free(fs->title);
    free(fs->about);
    free(fs->msg);
    for (int i = 0; i < fs->nfields; i++) {
        struct field *f = &fs->f[i];
        for (int k = 0; f->labels_owned && f->labels && f->choices && f->choices[k]; k++)
            free((char *)f->labels[k]);
        free(f->choices);
        free(f->labels);
    }
    free(fs);
    curs_set(0);
}

/* Live updates: the case changed while the form is open. */
static void
form_reload(struct app *app, void *state)
{
    struct form_state *fs = state;
    if (!fs->case_id || fs->confirm)
        return;
    struct cr_case c;
    if (cr_case_reload_id(app->db, fs->case_id, &c) != CR_OK)
        return;
    if (c.version != fs->version && !(fs->msg && fs->msg_error)) {
        char when[21];
        cr_time_format(c.row.state_since, when);
        char *text =
            tui_printf("Case %lld was changed while you were writing (it is now %s, "
                       "version %lld). Your text is kept: C-r takes the new version, "
                       "F3 shows the case.",
                       (long long)fs->case_id, cr_state_label(c.row.state), (long long)c.version);
        set_msg(fs, true, text);
        free(text);
    }
    cr_case_free(&c);
}

/* The form's definition for an action, or NULL. */
static const struct form_def *
form_def_of(int action)
{
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (forms[i].action == action)
            return &forms[i];
    return NULL;
}

/* Read the case and lay the form out from its definition. */
static bool
setup_case_form(struct app *app, struct form_state *fs)
{
    struct cr_case c;
    if (!read_case(app, fs, &c))
        return false;
    const struct form_def *def = fs->def;
    fs->title = tui_printf(" %s case %lld: %s, %s (%s)", def->what, (long long)fs->case_id,
                           c.row.surname, c.row.forenames, c.row.subject_ref);
    /* After a return: start from the last decision, with the reasons it came back. */
    bool again =
        def->about == ABOUT_RETURN && c.row.state == CR_STATE_RETURNED && c.row.outcome >= 0;
    if (def->about == ABOUT_DECISION) {
        fs->about = c.row.outcome >= 0 ? decision_text(&c) : NULL;
        fs->about_label = "The decision";
    } else if (again) {
        fs->about = return_reasons(&c);
        fs->about_label = "Why it came back";
    }
    bool ok = add_fields(app, fs, &c, again);
    cr_case_free(&c);
    return ok;
}

/*
 * A form for a core action on the case (the driver checked first that
 * core's rules allow it: core_action, tui.c).
 * t->c.viewed: the case's view was already audited (the case screen is open).
 */
static void *
form_open(struct app *app, const struct tui_target *t)
{
    const struct form_def *def = form_def_of(t->action);
    struct form_state *fs = def ? calloc(1, sizeof *fs) : NULL;
    if (!fs)
        return NULL;
    fs->def = def;
    fs->action = t->action;
    fs->case_id = t->c.id;
    fs->viewed = t->c.viewed;
    if (!setup_case_form(app, fs)) {
        form_close(app, fs);
        return NULL;
    }
    if (fs->nfields)
        restore_draft(app, fs);
    focus_first_empty(fs);
    return fs;
}

/* The form's actions, in the order its help lists them. */
static const struct tui_function form_functions[] = {
    {TA_SUBMIT, form_action, 0},
    {TA_NEXT_FIELD, form_action, 0},
    {TA_PREV_FIELD, form_action, 0},
    {TA_EDITOR, form_action, 0},
    {TA_SHOW_CASE, form_action, 0},
    {TA_RELOAD, form_action, 0},
    {TA_CANCEL, form_action, 0},
    {TA_QUIT_ALL, form_action, 0},
    {TA_HELP, NULL, 0},
    {TA_QUIT, form_action, TUI_HIDDEN},
    {TA_NONE, NULL, 0},
};

/* Every core action with a form in the table opens it (the others are done at once). */
static bool
form_opens(int action)
{
    return form_def_of(action) != NULL;
}

/* Keys of a text field, fixed (readline's), for the help screen. */
static const char *const form_notes[] = {
    "In a text field (fixed keys):",
    "C-a <Home>     start of the line",
    "C-e <End>      end of the line",
    "C-u            cut to the start of the line",
    "C-k            cut to the end (at the end: the line break)",
    "C-w            cut the word before the cursor",
    "C-y            put back what was cut",
    "C-v KEY        the next key as text (C-v <Tab>: a tab)",
    "<Enter>        a new line (in one-line fields: next field)",
    "arrows <PgUp> <PgDn> <Backspace> <Delete> C-b C-f C-d",
    "In a choice: <Left> <Right> <Space> or a first letter",
    "A paste goes in as it is (line breaks and tabs kept)",
    NULL,
};

const struct screen_ops form_screen = {
    .name = "form",
    .opens = form_opens,
    .open = form_open,
    .functions = form_functions,
    .draw = form_draw,
    .key = form_key,
    .unbound = form_unbound,
    .modal = true,
    .nav = form_nav,
    .reload = form_reload,
    .close = form_close,
    .overlay = form_overlay,
    .paste = form_paste,
    .keep = form_keep,
    .notes = form_notes,
};
