/*
 * Forms: decide, approve, return, vote, assign, note, and the search
 * prompt.  A form gathers what an action needs and hands it to cr_act();
 * core's refusal is shown in full inside the form, which stays open with
 * everything typed kept.
 *
 * Text is held in text areas (textarea.h): the real bytes, wrapped only
 * for display, so resizing never changes what was written.  The ncurses
 * form library was dropped for this: its multi-line fields store rows of
 * cells, re-flow text on resize and miscount double-width characters.
 *
 * Nothing typed is lost silently: leaving a form with text asks first; a
 * version conflict shows what changed and C-r takes the new version with
 * the text kept; when the program is stopped by SIGHUP or SIGTERM the
 * text is kept as a draft in the database (tui_form_keep_draft) and the
 * next opening of the same form offers it back.
 */
#include "tui.h"

#include "text.h"
#include "textarea.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
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

struct field {
    const char *label;
    enum field_kind kind;
    const char **choices; /* FIELD_CHOICE: stored names, NULL-terminated */
    const char **labels;  /* FIELD_CHOICE: what each means, or NULL */
    int choice;           /* -1: not chosen yet */
    int initial_choice;
    struct textarea ta; /* FIELD_LINE, FIELD_AREA */
    char *initial;      /* the text the field opened with */
};

struct form_state {
    int action; /* TA_DECIDE ... or TA_SEARCH */
    int64_t case_id;
    int64_t version;    /* the case version the form is based on */
    int64_t seen_event; /* the last history event of the case when it was read */
    bool viewed;        /* the case's view was audited before the form opened */
    char *title;
    char *about;        /* read-only: the decision, or the reasons it was returned */
    const char *about_label;
    int about_top;
    int nfields, cur;
    struct field f[MAX_FIELDS];
    char *msg; /* a refusal or a notice, shown in full in the form */
    bool msg_error;
    bool confirm;        /* the next key answers "discard what you wrote?" */
    bool quoted;         /* C-v: the next key goes into the text as it is */
    bool from_draft;     /* the values came from a draft kept in the database */
    const char **reviewers, **reviewer_names;
    /* Laid out by the last draw, for the keys that move by rows. */
    int area_width, area_height, about_height, about_rows;
    int cursor_y, cursor_x;
};

static const char *outcome_choices[] = {"nfa", "reassess", "refer", NULL};
static const char *outcome_labels[] = {"no further action", "case to be reassessed",
                                       "referred into risk management", NULL};
static const char *yes_no[] = {"no", "yes", NULL};
static const char *vote_choices[] = {"concur", "dissent", "recuse", NULL};
static const char *vote_labels[] = {"agree with the decision", "disagree: reasons needed",
                                    "conflict of interest: reason needed", NULL};

static int
cr_action_of(int action)
{
    switch (action) {
    case TA_DECIDE: return CR_ACTION_DECIDE;
    case TA_APPROVE: return CR_ACTION_APPROVE;
    case TA_RETURN: return CR_ACTION_RETURN;
    case TA_VOTE: return CR_ACTION_VOTE;
    case TA_ASSIGN: return CR_ACTION_ASSIGN;
    case TA_NOTE: return CR_ACTION_NOTE;
    case TA_RECONVENE: return CR_ACTION_RECONVENE;
    case TA_RECALL: return CR_ACTION_RECALL;
    default: return -1;
    }
}

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
    if (fs->action == TA_SEARCH)
        return false; /* search words are no record: leave at once */
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
    int about_y, about_h;   /* the read-only pane */
    int field_y[MAX_FIELDS];
    int area_h;             /* rows of the text area */
    int msg_y, msg_h;
    int width;              /* of a field's value */
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
        tui_wrap(s, width, keep_row, &r);
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
    fs->about_rows = fs->about ? count_rows(fs->about, COLS - 4) : 0;
    int want_about = fs->about ? fs->about_rows + 2 : 0; /* its label, and a blank after */
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
    fs->about_height = L->about_h > 2 ? L->about_h - 2 : 0;
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
                       : f->choice < 0 ? (focus ? "choose: Left/Right or a letter"
                                                : "not chosen yet")
                                       : NULL;
    if (hint && x + 2 < VALUE_X + width)
        tui_put(stdscr, y, x + 1, hint, VALUE_X + width - x - 1,
                tui_attr(app, f->choice < 0 ? CR_SLOT_OVERDUE : CR_SLOT_DIM));
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
        used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s %s",
                                 used ? "  " : "", key, hints[i].what);
    }
}

static void
draw_wrapped(const char *text, int y, int x, int width, int first, int height, int attr)
{
    struct rows r = {0};
    tui_wrap(text, width, keep_row, &r);
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
        int max_top = fs->about_rows - (L.about_h - 2);
        if (fs->about_top > max_top)
            fs->about_top = max_top > 0 ? max_top : 0;
        char label[160];
        int last = fs->about_top + L.about_h - 2;
        if (fs->about_rows > L.about_h - 2)
            snprintf(label, sizeof label, "%s (lines %d-%d of %d; PgUp/PgDn)", fs->about_label,
                     fs->about_top + 1, last < fs->about_rows ? last : fs->about_rows,
                     fs->about_rows);
        else
            snprintf(label, sizeof label, "%s", fs->about_label);
        tui_put(stdscr, L.about_y, LABEL_X, label, COLS - 2, tui_attr(app, CR_SLOT_HEADER));
        draw_wrapped(fs->about, L.about_y + 1, 3, COLS - 4, fs->about_top, L.about_h - 2, 0);
    }
    fs->cursor_y = fs->cursor_x = -1;
    for (int i = 0; i < fs->nfields; i++) {
        struct field *f = &fs->f[i];
        bool focus = i == fs->cur;
        int y = L.field_y[i];
        tui_put(stdscr, y, LABEL_X, f->label, VALUE_X - LABEL_X - 1,
                focus ? tui_attr(app, CR_SLOT_SELECTED) | (int)A_BOLD : tui_attr(app, CR_SLOT_HEADER));
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
        struct area_draw d = {&f->ta, y, VALUE_X, L.width, f->ta.top, height,
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

static void
key_of(int64_t id, char key[32])
{
    snprintf(key, 32, "#%lld", (long long)id);
}

/* The last event of the case's history this user may see (for "what changed"). */
static int64_t
last_event(struct app *app, int64_t id)
{
    char key[32];
    key_of(id, key);
    struct cr_history h;
    if (cr_history_of_view(app->db, key, &h) != CR_OK)
        return 0;
    int64_t last = h.n ? h.events[h.n - 1].id : 0;
    cr_history_free(&h);
    return last;
}

/* The events after seen, one a line, for a version conflict. */
static char *
events_since(struct app *app, int64_t id, int64_t seen)
{
    char key[32];
    key_of(id, key);
    struct cr_history h;
    if (cr_history_of_view(app->db, key, &h) != CR_OK)
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
        char *more = tui_printf("%s%s%s %s on %.10s at %.5s UTC:\n%s", out ? out : "",
                                out ? "\n\n" : "",
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
    char key[32];
    key_of(fs->case_id, key);
    enum cr_status st = fs->viewed ? cr_case_reload(app->db, key, c) : cr_case_view(app->db, key, c);
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

static void
add_field(struct form_state *fs, const char *label, enum field_kind kind, const char **choices,
          const char **labels, int choice, const char *text)
{
    struct field *f = &fs->f[fs->nfields++];
    f->label = label;
    f->kind = kind;
    f->choices = choices;
    f->labels = labels;
    f->choice = f->initial_choice = choice;
    if (kind != FIELD_CHOICE) {
        ta_init(&f->ta, text, kind == FIELD_LINE);
        f->initial = strdup(text ? text : "");
    }
}

static struct field *
text_field(struct form_state *fs)
{
    for (int i = 0; i < fs->nfields; i++)
        if (fs->f[i].kind != FIELD_CHOICE)
            return &fs->f[i];
    return NULL;
}

static int
choice_index(const char **choices, const char *name)
{
    for (int i = 0; name && choices && choices[i]; i++)
        if (strcmp(choices[i], name) == 0)
            return i;
    return -1;
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

static void
fill_request(struct form_state *fs, struct cr_request *req)
{
    memset(req, 0, sizeof *req);
    req->action = cr_action_of(fs->action);
    req->expect_version = fs->version;
    req->outcome = req->vote = -1;
    switch (fs->action) {
    case TA_DECIDE:
        req->outcome = fs->f[0].choice;
        req->vetting_review = fs->f[1].choice == 1;
        req->rationale = is_template(fs->f[2].ta.text) ? "" : fs->f[2].ta.text;
        break;
    case TA_RETURN:
    case TA_RECONVENE:
    case TA_RECALL:
        req->reason = fs->f[0].ta.text;
        break;
    case TA_VOTE:
        req->vote = fs->f[0].choice;
        req->reason = fs->f[1].ta.text[0] ? fs->f[1].ta.text : NULL;
        break;
    case TA_ASSIGN:
        req->target = fs->f[0].choice >= 0 ? fs->reviewers[fs->f[0].choice] : NULL;
        break;
    case TA_NOTE:
        req->text = fs->f[0].ta.text;
        break;
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

static void
submit(struct app *app, struct form_state *fs)
{
    if (fs->action == TA_SEARCH) {
        free(app->search);
        app->search = fs->f[0].ta.len ? strdup(fs->f[0].ta.text) : NULL;
        app->mine = false;
        app->filter.search = app->search;
        app->refiltered = true;
        tui_pop(app);
        tui_reload_all(app);
        return;
    }
    struct cr_request req;
    fill_request(fs, &req);
    if (tui_act(app, fs->case_id, &req)) {
        char *done = app->status ? strdup(app->status) : NULL;
        tui_pop(app);
        tui_reload_all(app);
        tui_message(app, false, "%s", done ? done : "done");
        free(done);
        return;
    }
    /* Refused: the form stays, with the refusal in it and the text kept. */
    char *refusal = app->status ? strdup(app->status) : strdup("refused");
    tui_message(app, false, "%s", "");
    struct cr_case c;
    char key[32];
    key_of(fs->case_id, key);
    bool conflict = false;
    if (cr_case_reload(app->db, key, &c) == CR_OK) {
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
    if (fs->action == TA_APPROVE || fs->action == TA_RETURN || fs->action == TA_VOTE ||
        fs->action == TA_RECONVENE || fs->action == TA_RECALL) {
        free(fs->about);
        fs->about = c.row.outcome >= 0 ? decision_text(&c) : NULL;
    }
    char *text = tui_printf("Now based on version %lld of case %lld (%s); your text is as you "
                            "left it.",
                            (long long)fs->version, (long long)fs->case_id,
                            cr_state_label(c.row.state));
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
    const char *editor = getenv("VISUAL") && *getenv("VISUAL") ? getenv("VISUAL") : getenv("EDITOR");
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
        set_msg(fs, true,
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
            char key[32];
            key_of(fs->case_id, key);
            if (cr_draft_discard(app->db, key, cr_action_of(fs->action)) != CR_OK) {
                set_msg(fs, true, cr_db_errmsg(app->db));
                return;
            }
        }
        tui_pop(app);
        tui_message(app, false, "%s", draft ? "the draft was discarded; nothing was changed"
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

/* Editing keys of a text field; false when the key is not one. */
static bool
edit_key(struct app *app, struct form_state *fs, struct field *f, wint_t ch, bool fn)
{
    struct textarea *t = &f->ta;
    int w = fs->area_width, h = f->kind == FIELD_AREA ? fs->area_height : 1;
    if (fn) {
        switch (ch) {
        case KEY_LEFT: ta_left(t); return true;
        case KEY_RIGHT: ta_right(t); return true;
        case KEY_HOME: ta_line_start(t); return true;
        case KEY_END: ta_line_end(t); return true;
        case KEY_BACKSPACE: ta_delete_prev(t); return true;
        case KEY_DC: ta_delete_next(t); return true;
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
        case KEY_NPAGE: ta_move_rows(t, w, h - 1 > 0 ? h - 1 : 1); return true;
        case KEY_PPAGE: ta_move_rows(t, w, -(h - 1 > 0 ? h - 1 : 1)); return true;
        case KEY_ENTER: ch = '\r'; break;
        default: return false;
        }
    }
    switch (ch) {
    case 1: ta_line_start(t); return true;   /* C-a */
    case 5: ta_line_end(t); return true;     /* C-e */
    case 2: ta_left(t); return true;         /* C-b */
    case 6: ta_right(t); return true;        /* C-f */
    case 4: ta_delete_next(t); return true;  /* C-d */
    case 21: ta_kill_line_start(t); return true; /* C-u */
    case 11: ta_kill_line_end(t); return true;   /* C-k */
    case 23: ta_kill_word(t); return true;   /* C-w */
    case 25: ta_yank(t); return true;        /* C-y */
    case 22: fs->quoted = true; return true; /* C-v */
    case 8:
    case 127: ta_delete_prev(t); return true;
    case '\r':
    case '\n':
        if (f->kind == FIELD_AREA)
            ta_insert(t, "\n", 1);
        else if (fs->nfields == 1)
            submit(app, fs);
        else
            move_field(fs, 1);
        return true;
    default: return false;
    }
}

static void
scroll_about(struct form_state *fs, int by)
{
    fs->about_top += by;
    if (fs->about_top < 0)
        fs->about_top = 0;
    /* The draw keeps it within the text. */
}

static bool
form_key(struct app *app, void *state, int action, wint_t ch)
{
    struct form_state *fs = state;
    bool fn = app->key_fn;
    wint_t code = app->key;
    struct field *f = cur_field(fs);
    struct layout L;
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
    switch (action) {
    case TA_SUBMIT:
        submit(app, fs);
        return true;
    case TA_CANCEL:
    case TA_QUIT_ALL:
        cancel(app, fs);
        return true;
    case TA_QUIT:
        /* q types in a text field; in a form without one it leaves. */
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
        if (fs->case_id)
            tui_open_case_peek(app, fs->case_id, fs->viewed);
        return true;
    case TA_RELOAD:
        reload_case(app, fs);
        return true;
    default:
        break;
    }
    if (is_text(f) && edit_key(app, fs, f, code, fn))
        return true;
    if (f && f->kind == FIELD_CHOICE && fn) {
        switch (code) {
        case KEY_LEFT: cycle_choice(f, -1); return true;
        case KEY_RIGHT: cycle_choice(f, 1); return true;
        case KEY_UP: move_field(fs, -1); return true;
        case KEY_DOWN: move_field(fs, 1); return true;
        default: break;
        }
    }
    if (f && f->kind == FIELD_CHOICE && !fn && (code == '\r' || code == '\n')) {
        move_field(fs, 1);
        return true;
    }
    /* The read-only pane scrolls on the keys a text field does not take. */
    switch (action) {
    case TA_DOWN: scroll_about(fs, 1); return true;
    case TA_UP: scroll_about(fs, -1); return true;
    case TA_PAGE_DOWN: scroll_about(fs, fs->about_height > 1 ? fs->about_height - 1 : 1); return true;
    case TA_PAGE_UP: scroll_about(fs, -(fs->about_height > 1 ? fs->about_height - 1 : 1)); return true;
    case TA_FIRST: fs->about_top = 0; return true;
    case TA_LAST: fs->about_top = 1 << 30; return true;
    default: break;
    }
    if (fn && (code == KEY_NPAGE || code == KEY_PPAGE)) {
        scroll_about(fs, (code == KEY_NPAGE ? 1 : -1) *
                             (fs->about_height > 1 ? fs->about_height - 1 : 1));
        return true;
    }
    /* Help, redraw and suspend are the main loop's; every other key does nothing in a form. */
    return !(action == TA_HELP || action == TA_REFRESH || action == TA_SUSPEND);
}

void
tui_form_paste(struct app *app, const char *text, size_t n)
{
    if (!app->depth || app->stack[app->depth - 1].ops != &form_screen) {
        tui_message(app, true, "A paste goes into a form's text; nothing was done with it.");
        return;
    }
    struct form_state *fs = app->stack[app->depth - 1].state;
    if (fs->confirm)
        return;
    struct field *f = cur_field(fs);
    if (!is_text(f)) {
        f = text_field(fs);
        if (!f) {
            set_msg(fs, true, "This form has no text field; the paste was not used.");
            return;
        }
        fs->cur = (int)(f - fs->f);
    }
    if (!ta_insert(&f->ta, text, n))
        set_msg(fs, true, "Out of memory: the paste was not inserted.");
}

/* Drafts */

bool
tui_form_keep_draft(struct app *app)
{
    if (!app->depth)
        return false;
    /* The form may be under the case it shows (F3). */
    for (int i = app->depth - 1; i >= 0; i--) {
        if (app->stack[i].ops != &form_screen)
            continue;
        struct form_state *fs = app->stack[i].state;
        if (!fs->case_id || !fs->nfields || !changed(fs))
            return false;
        struct cr_draft d = {.action = cr_action_of(fs->action), .outcome = -1, .vote = -1,
                             .case_version = fs->version};
        struct cr_request req;
        fill_request(fs, &req);
        d.outcome = req.outcome;
        d.vetting_review = req.vetting_review;
        d.vote = req.vote;
        d.target = req.target;
        struct field *t = text_field(fs);
        d.text = t ? t->ta.text : "";
        char key[32];
        key_of(fs->case_id, key);
        return cr_draft_save(app->db, key, &d) == CR_OK;
    }
    return false;
}

/* Offer back a draft kept when the program was stopped. */
static void
restore_draft(struct app *app, struct form_state *fs)
{
    char key[32];
    key_of(fs->case_id, key);
    struct cr_draft d;
    if (cr_draft_get(app->db, key, cr_action_of(fs->action), &d) != CR_OK)
        return;
    for (int i = 0; i < fs->nfields; i++) {
        struct field *f = &fs->f[i];
        if (f->kind != FIELD_CHOICE) {
            ta_set(&f->ta, d.text);
            f->ta.cursor = f->ta.len;
        } else if (f->choices == outcome_choices) {
            f->choice = d.outcome;
        } else if (f->choices == yes_no) {
            f->choice = d.vetting_review ? 1 : 0;
        } else if (f->choices == vote_choices) {
            f->choice = d.vote;
        } else if (d.target) {
            f->choice = choice_index(f->choices, d.target);
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
        char *c = tui_printf("%s The case has changed since (version %lld then, %lld now): "
                             "read it again (F3) before you submit.",
                             fs->msg ? fs->msg : "", (long long)d.case_version,
                             (long long)fs->version);
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
    free(fs->reviewers);
    free(fs->reviewer_names);
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
    char key[32];
    key_of(fs->case_id, key);
    struct cr_case c;
    if (cr_case_reload(app->db, key, &c) != CR_OK)
        return;
    if (c.version != fs->version && !(fs->msg && fs->msg_error)) {
        char when[21];
        cr_time_format(c.row.state_since, when);
        char *text = tui_printf("Case %lld was changed while you were writing (it is now %s, "
                                "version %lld). Your text is kept: C-r takes the new version, "
                                "F3 shows the case.",
                                (long long)fs->case_id, cr_state_label(c.row.state),
                                (long long)c.version);
        set_msg(fs, true, text);
        free(text);
    }
    cr_case_free(&c);
}

static bool
setup_case_form(struct app *app, struct form_state *fs, int action)
{
    struct cr_case c;
    if (!read_case(app, fs, &c))
        return false;
    static const char *const what[TA_COUNT] = {
        [TA_DECIDE] = "Decide", [TA_APPROVE] = "Approve the decision on",
        [TA_RETURN] = "Return the decision on", [TA_VOTE] = "Vote on",
        [TA_ASSIGN] = "Assign", [TA_NOTE] = "Add a note to",
        [TA_RECONVENE] = "Reconvene the panel on", [TA_RECALL] = "Recall",
    };
    fs->title = tui_printf(" %s case %lld: %s, %s (%s)", what[action], (long long)fs->case_id,
                           c.row.surname, c.row.forenames, c.row.subject_ref);
    switch (action) {
    case TA_DECIDE: {
        /* After a return: start from the last decision, with the reasons it came back. */
        bool again = c.row.state == CR_STATE_RETURNED && c.row.outcome >= 0;
        add_field(fs, "Outcome", FIELD_CHOICE, outcome_choices, outcome_labels,
                  again ? c.row.outcome : -1, NULL);
        add_field(fs, "Vetting review", FIELD_CHOICE, yes_no, NULL,
                  again && c.row.vetting_review ? 1 : 0, NULL);
        add_field(fs, "Rationale", FIELD_AREA, NULL, NULL, -1,
                  again && c.rationale ? c.rationale : ndm_template);
        if (again) {
            fs->about = return_reasons(&c);
            fs->about_label = "Why it came back";
        }
        break;
    }
    case TA_APPROVE:
    case TA_RETURN:
    case TA_VOTE:
        fs->about = c.row.outcome >= 0 ? decision_text(&c) : NULL;
        fs->about_label = "The decision";
        if (action == TA_RETURN)
            add_field(fs, "Reason", FIELD_AREA, NULL, NULL, -1, NULL);
        if (action == TA_VOTE) {
            add_field(fs, "Vote", FIELD_CHOICE, vote_choices, vote_labels, -1, NULL);
            add_field(fs, "Reasons", FIELD_AREA, NULL, NULL, -1, NULL);
        }
        break;
    case TA_ASSIGN: {
        size_t n = 0;
        fs->reviewers = calloc(app->cfg->n_people + 1, sizeof *fs->reviewers);
        fs->reviewer_names = calloc(app->cfg->n_people + 1, sizeof *fs->reviewer_names);
        for (size_t i = 0; fs->reviewers && fs->reviewer_names && i < app->cfg->n_people; i++) {
            const struct cr_person *p = &app->cfg->people[i];
            if (cr_person_has(p, CR_ROLE_REVIEWER)) {
                fs->reviewer_names[n] = p->name;
                fs->reviewers[n++] = p->login;
            }
        }
        add_field(fs, "Reviewer", FIELD_CHOICE, fs->reviewers, fs->reviewer_names, -1, NULL);
        break;
    }
    case TA_NOTE:
        add_field(fs, "Note", FIELD_AREA, NULL, NULL, -1, NULL);
        break;
    case TA_RECONVENE:
    case TA_RECALL:
        /* The decision the panel could not close, and why it goes on or goes back. */
        fs->about = c.row.outcome >= 0 ? decision_text(&c) : NULL;
        fs->about_label = "The decision";
        add_field(fs, "Reason", FIELD_AREA, NULL, NULL, -1, NULL);
        break;
    }
    cr_case_free(&c);
    return true;
}

void
tui_form_open(struct app *app, int action, int64_t case_id, bool viewed)
{
    struct form_state *fs = calloc(1, sizeof *fs);
    if (!fs)
        return;
    fs->action = action;
    fs->case_id = case_id;
    fs->viewed = viewed;
    if (action == TA_SEARCH) {
        fs->title = strdup(" Search subjects, references and summaries");
        add_field(fs, "Words", FIELD_LINE, NULL, NULL, -1, app->search);
        fs->f[0].ta.cursor = fs->f[0].ta.len;
    } else {
        /* Only what the rules allow: a refused action says why at once, with no form. */
        char key[32];
        key_of(case_id, key);
        int cra = cr_action_of(action);
        if (cra < 0 || cr_may(app->db, key, cra) != CR_OK) {
            tui_message(app, true, "%s", cra < 0 ? "not an action" : cr_db_errmsg(app->db));
            form_close(app, fs);
            return;
        }
        if (!setup_case_form(app, fs, action)) {
            form_close(app, fs);
            return;
        }
        if (fs->nfields)
            restore_draft(app, fs);
        focus_first_empty(fs);
    }
    tui_push(app, &form_screen, fs);
}

static const int form_actions[] = {TA_SUBMIT, TA_NEXT_FIELD, TA_PREV_FIELD, TA_EDITOR,
                                   TA_SHOW_CASE, TA_RELOAD, TA_CANCEL, TA_QUIT_ALL, TA_HELP,
                                   TA_NONE};

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
    "form", form_actions, form_draw, form_key, form_reload, form_close, form_overlay, form_notes,
    NULL,
};
