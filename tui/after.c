/*
 * What happened after the decision, on the case screen: W opens a box to
 * record a follow-up (stage, result, the day it happened, detail), E a box
 * to reopen a closed case with a reason.  Up and Down (or Tab) choose the
 * line; Left and Right choose the stage or the result among core's words;
 * typing writes the date, the detail or the reason (a form field's
 * readline keys); Enter submits (cr_followup_add_id, cr_case_reopen_id);
 * Esc or C-g leaves it as it was.  Every rule is core's: a refusal shows
 * in the status line, the box stays.  Drawn as route.c draws its box.
 */
#include "notify.h"
#include "screens.h"
#include "textarea.h"
#include "tui.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest detail or reason typed here, in bytes (core keeps up to 64 KiB). */
#define AFTER_TEXT_MAX 2000
#define AFTER_WIDTH 64

enum { F_STAGE, F_RESULT, F_DATE, F_DETAIL, F_COUNT };

struct after {
    bool reopen;
    struct tui_case_ref c;
    int field; /* follow-up: enum above */
    int stage;
    size_t result;
    struct textarea date, text; /* text: the detail, or the reopen's reason */
    const struct screen_ops *under;
    void *under_state;
};

static void
after_draw(struct app *app, void *state)
{
    struct after *a = state;
    if (a->under)
        a->under->draw(app, a->under_state);
}

/* The end of s that fits in room columns. */
static const char *
tail_of(const char *s, int room)
{
    while (*s && tui_width(s) > room) {
        s++;
        while (((unsigned char)*s & 0xC0) == 0x80)
            s++;
    }
    return s;
}

static void
draw_box(struct app *app, WINDOW *win, int h, int w, const char *title)
{
    for (int y = 0; y < h; y++) {
        const char *edge = y == 0 ? "\u250c" : y == h - 1 ? "\u2514" : "\u2502";
        const char *end = y == 0 ? "\u2510" : y == h - 1 ? "\u2518" : "\u2502";
        tui_put(win, y, 0, edge, 1, 0);
        if (y == 0 || y == h - 1)
            for (int x = 1; x < w - 1; x++)
                tui_put(win, y, x, "\u2500", 1, 0);
        tui_put(win, y, w - 1, end, 1, 0);
    }
    tui_put(win, 0, 2, title, w - 4, tui_attr(app, CR_SLOT_TITLE));
}

/* One line of the box: its label, its value, marked when it is the line being edited. */
static void
field_line(struct app *app, WINDOW *win, int y, int w, bool sel, const char *label,
           const char *value)
{
    int attr = sel ? tui_attr(app, CR_SLOT_SELECTED) : 0;
    if (sel)
        mvwchgat(win, y, 1, w - 2, (attr_t)attr, 0, NULL);
    char head[32];
    snprintf(head, sizeof head, "%c %-8s", sel ? '>' : ' ', label);
    tui_put(win, y, 2, head, w - 4, attr);
    int room = w - 15;
    tui_put(win, y, 13, tail_of(value, room), room, attr);
}

static void
after_overlay(struct app *app, void *state)
{
    struct after *a = state;
    int h = a->reopen ? 7 : 9, w = AFTER_WIDTH < COLS ? AFTER_WIDTH : COLS;
    WINDOW *win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
    if (!win)
        return;
    werase(win);
    char title[80];
    int dim = tui_attr(app, CR_SLOT_DIM);
    if (a->reopen) {
        snprintf(title, sizeof title, " Reopen case %lld for a new round ", (long long)a->c.id);
        draw_box(app, win, h, w, title);
        tui_put(win, 1, 2, "Why it is decided again (an appeal, a court ruling,", w - 4, dim);
        tui_put(win, 2, 2, "new evidence):", w - 4, dim);
        field_line(app, win, 3, w, true, "Reason", a->text.text);
        tui_put(win, 5, 2, "Enter reopen, Esc leave it as it was", w - 4, dim);
    } else {
        snprintf(title, sizeof title, " What happened next on case %lld ", (long long)a->c.id);
        draw_box(app, win, h, w, title);
        char stage[64], result[64];
        snprintf(stage, sizeof stage, "< %s >", cr_followup_stage_name(a->stage));
        snprintf(result, sizeof result, "< %s >", cr_followup_result_name(a->stage, a->result));
        field_line(app, win, 1, w, a->field == F_STAGE, "Stage", stage);
        field_line(app, win, 2, w, a->field == F_RESULT, "Result", result);
        field_line(app, win, 3, w, a->field == F_DATE, "Date", a->date.text);
        field_line(app, win, 4, w, a->field == F_DETAIL, "Detail", a->text.text);
        tui_put(win, 6, 2, "Up/Down a line, Left/Right a choice, type the rest", w - 4, dim);
        tui_put(win, 7, 2, "Enter record it, Esc leave it as it was", w - 4, dim);
    }
    wnoutrefresh(win);
    delwin(win);
}

/* Enter: core records the follow-up or reopens the case, or says why not. */
static void
submit(struct app *app, struct after *a)
{
    struct cr_act_result res;
    if (a->reopen) {
        if (cr_case_reopen_id(app->db, a->c.id, a->text.text, a->c.version, &res) != CR_OK) {
            tui_message(app, true, "%s", cr_db_errmsg(app->db));
            return;
        }
        char why[200];
        bool failed = tui_notify(app->db, app->cfg, why, sizeof why) != 0;
        tui_message(app, failed, "case %lld: reopened: flagged again for a new round%s%s",
                    (long long)res.case_id, failed ? "; the notify command " : "",
                    failed ? why : "");
    } else {
        const struct cr_followup_request req = {
            a->stage, cr_followup_result_name(a->stage, a->result), a->date.text, a->text.text};
        if (cr_followup_add_id(app->db, a->c.id, &req, &res) != CR_OK) {
            tui_message(app, true, "%s", cr_db_errmsg(app->db));
            return;
        }
        tui_message(app, false, "case %lld: follow-up recorded: %s %s on %s",
                    (long long)res.case_id, cr_followup_stage_name(a->stage), req.result, req.date);
    }
    tui_pop(app);
    tui_reload_all(app);
}

static bool
after_key(struct app *app, void *state, int action, wint_t ch)
{
    struct after *a = state;
    wint_t key = app->key;
    bool fn = app->key_fn;
    (void)ch;
    if (action == TA_SUSPEND || action == TA_REFRESH || (fn && key == KEY_RESIZE))
        return false;
    if (action == TA_QUIT_ALL) {
        app->quit = true;
        return true;
    }
    if (action == TA_CANCEL) {
        tui_pop(app);
        return true;
    }
    app->dirty = true;
    if ((fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'))) {
        submit(app, a);
        return true;
    }
    if (!a->reopen) {
        if ((fn && (key == KEY_DOWN || key == KEY_UP || key == KEY_BTAB)) || (!fn && key == '\t')) {
            int d = fn && (key == KEY_UP || key == KEY_BTAB) ? -1 : 1;
            a->field = (a->field + d + F_COUNT) % F_COUNT;
            return true;
        }
        if (a->field <= F_RESULT) {
            int d = fn && key == KEY_LEFT ? -1 : fn && key == KEY_RIGHT ? 1 : 0;
            if (a->field == F_STAGE && d) {
                a->stage = (a->stage + d + CR_FOLLOWUP_STAGE_COUNT) % CR_FOLLOWUP_STAGE_COUNT;
                a->result = 0;
            } else if (d) {
                size_t n = cr_followup_result_count(a->stage);
                a->result = (a->result + (d < 0 ? n - 1 : 1)) % n;
            }
            return true;
        }
    }
    struct textarea *t = !a->reopen && a->field == F_DATE ? &a->date : &a->text;
    if (tui_edit_key(t, key, fn) || fn || key < ' ' || key == 127)
        return true;
    char mb[MB_LEN_MAX];
    mbstate_t ps = {0};
    size_t w = wcrtomb(mb, (wchar_t)key, &ps);
    if (w != (size_t)-1 && t->len + w <= AFTER_TEXT_MAX)
        ta_insert_wc(t, (wchar_t)key);
    else
        tui_message(app, true, "The line holds %d bytes: the rest was not taken.", AFTER_TEXT_MAX);
    return true;
}

static void
after_close(struct app *app, void *state)
{
    struct after *a = state;
    (void)app;
    ta_free(&a->date);
    ta_free(&a->text);
    free(a);
}

/* Over the case, when core says the user may (cr_after_allowed_id); else why not. */
static void *
after_open(struct app *app, const struct tui_target *t)
{
    bool reopen = t->action == TA_REOPEN;
    if (cr_after_check_id(app->db, t->c.id, reopen ? CR_AFTER_REOPEN : CR_AFTER_FOLLOWUP) !=
        CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return NULL;
    }
    struct after *a = calloc(1, sizeof *a);
    char today[11];
    cr_date_format(cr_db_now(app->db) / 86400, today);
    if (!a || !ta_init(&a->date, reopen ? NULL : today, true) || !ta_init(&a->text, NULL, true)) {
        free(a);
        return NULL;
    }
    a->date.cursor = a->date.len;
    a->reopen = reopen;
    a->c = t->c;
    a->under = t->from;
    a->under_state = app->depth ? app->stack[app->depth - 1].state : NULL;
    return a;
}

static bool
after_opens(int action)
{
    return action == TA_FOLLOWUP || action == TA_REOPEN;
}

static const struct tui_function after_functions[] = {
    {TA_CANCEL, NULL, 0},   {TA_REFRESH, NULL, 0}, {TA_SUSPEND, NULL, 0},
    {TA_QUIT_ALL, NULL, 0}, {TA_NONE, NULL, 0},
};
static const char *const after_notes[] = {"Up Down Tab    the line (follow-up)",
                                          "Left Right     the stage or the result",
                                          "typing         the date, the detail, the reason",
                                          "Enter          record the follow-up, or reopen", NULL};

const struct screen_ops after_screen = {
    .name = "after",
    .opens = after_opens,
    .open = after_open,
    .functions = after_functions,
    .draw = after_draw,
    .key = after_key,
    .modal = true,
    .overlay = after_overlay,
    .close = after_close,
    .notes = after_notes,
};
