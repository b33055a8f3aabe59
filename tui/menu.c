/*
 * The filter menu (f on the queue): a small box over the queue listing the
 * filters core can apply, each with its value: what waits for me, the
 * state, overdue only, the category and the outcome.  Up and Down choose a
 * filter, Left and Right (or h, l, Space) change its value, Enter applies
 * them all as the queue's filter (its search words and its sort stay), Esc
 * or C-g leaves the queue as it was.  Core's cr_filter has no assignee nor
 * unit: those are not offered (README, The workstation).
 */
#include "screens.h"
#include "tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum menu_row { ROW_MINE, ROW_STATE, ROW_OVERDUE, ROW_CATEGORY, ROW_OUTCOME, ROW_COUNT };

struct menu {
    int row;
    bool mine;
    struct cr_filter filter; /* the values being chosen; applied on Enter */
    const struct screen_ops *under;
    void *under_state;
};

/* A row's value in words. */
static const char *
value_of(const struct menu *m, int row, char *buf, size_t n)
{
    const struct cr_filter *f = &m->filter;
    switch (row) {
    case ROW_MINE:
        return m->mine ? "yes" : "no";
    case ROW_STATE:
        return f->state < 0 ? "any" : cr_state_name(f->state);
    case ROW_OVERDUE:
        return f->overdue ? "yes" : "no";
    case ROW_CATEGORY:
        return f->category < 0 ? "any" : cr_category_name(f->category);
    case ROW_OUTCOME:
        if (f->outcome < 0)
            return "any";
        if (f->outcome == CR_OUTCOME_COUNT)
            return "none yet";
        snprintf(buf, n, "%s", cr_outcome_name(f->outcome));
        return buf;
    default:
        return "";
    }
}

static const char *const row_label[ROW_COUNT] = {
    [ROW_MINE] = "Waiting for me", [ROW_STATE] = "State",     [ROW_OVERDUE] = "Overdue only",
    [ROW_CATEGORY] = "Category",   [ROW_OUTCOME] = "Outcome",
};

/* -1 (any), 0 .. count-1, and round again, by step (+1 or -1). */
static int
cycle(int value, int count, int step)
{
    value += step;
    if (value >= count)
        return -1;
    if (value < -1)
        return count - 1;
    return value;
}

static void
change(struct menu *m, int step)
{
    struct cr_filter *f = &m->filter;
    switch (m->row) {
    case ROW_MINE:
        m->mine = !m->mine;
        break;
    case ROW_STATE:
        f->state = cycle(f->state, CR_STATE_COUNT, step);
        break;
    case ROW_OVERDUE:
        f->overdue = !f->overdue;
        break;
    case ROW_CATEGORY:
        f->category = cycle(f->category, CR_CATEGORY_COUNT, step);
        break;
    case ROW_OUTCOME:
        /* Every outcome, then "none yet" (not decided). */
        f->outcome = cycle(f->outcome, CR_OUTCOME_COUNT + 1, step);
        break;
    }
}

static void
menu_draw(struct app *app, void *state)
{
    struct menu *m = state;
    if (m->under)
        m->under->draw(app, m->under_state);
}

#define MENU_WIDTH 46

/* The box over the queue. */
static void
menu_overlay(struct app *app, void *state)
{
    struct menu *m = state;
    int h = ROW_COUNT + 5, w = MENU_WIDTH;
    WINDOW *win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
    if (!win)
        return;
    werase(win);
    /* The frame in box-drawing characters (curses' ACS line set reads as letters in a dump). */
    for (int y = 0; y < h; y++) {
        const char *edge = y == 0 ? "\u250c" : y == h - 1 ? "\u2514" : "\u2502";
        const char *end = y == 0 ? "\u2510" : y == h - 1 ? "\u2518" : "\u2502";
        tui_put(win, y, 0, edge, 1, 0);
        if (y == 0 || y == h - 1)
            for (int x = 1; x < w - 1; x++)
                tui_put(win, y, x, "\u2500", 1, 0);
        tui_put(win, y, w - 1, end, 1, 0);
    }
    tui_put(win, 0, 2, " Filter the queue ", w - 4, tui_attr(app, CR_SLOT_TITLE));
    for (int r = 0; r < ROW_COUNT; r++) {
        char buf[64], line[128];
        bool sel = r == m->row;
        snprintf(line, sizeof line, "%c %-15s %s %s %s", sel ? '>' : ' ', row_label[r],
                 sel ? "<" : " ", value_of(m, r, buf, sizeof buf), sel ? ">" : "");
        int attr = sel ? tui_attr(app, CR_SLOT_SELECTED) : 0;
        if (sel)
            mvwchgat(win, 1 + r, 1, w - 2, (attr_t)attr, 0, NULL);
        tui_put(win, 1 + r, 2, line, w - 4, attr);
    }
    tui_put(win, ROW_COUNT + 2, 2, "Up/Down a filter, Left/Right its value", w - 4,
            tui_attr(app, CR_SLOT_DIM));
    tui_put(win, ROW_COUNT + 3, 2, "Enter apply, Esc leave as it was", w - 4,
            tui_attr(app, CR_SLOT_DIM));
    wnoutrefresh(win);
    delwin(win);
}

/* Enter: the chosen filters become the queue's, its search and its sort kept. */
static void
apply(struct app *app, struct menu *m)
{
    struct tui_queue *q = &app->shared.queue;
    q->mine = m->mine;
    /* A reviewer's cases (the dashboard's) are not a filter of what waits for me. */
    if (q->mine)
        q->filter.assignee = NULL;
    q->filter.state = m->filter.state;
    q->filter.outcome = m->filter.outcome;
    q->filter.category = m->filter.category;
    q->filter.overdue = m->filter.overdue;
    q->refiltered = true;
    tui_pop(app);
    tui_reload_all(app);
}

static bool
menu_key(struct app *app, void *state, int action, wint_t ch)
{
    struct menu *m = state;
    wint_t key = app->key;
    bool fn = app->key_fn;
    (void)ch;
    if (action == TA_SUSPEND || action == TA_REFRESH || action == TA_HELP ||
        (fn && key == KEY_RESIZE))
        return false;
    /* C-c leaves casereview: nothing chosen here is a record. */
    if (action == TA_QUIT_ALL) {
        app->quit = true;
        return true;
    }
    if (action == TA_CANCEL || action == TA_QUIT) {
        tui_pop(app);
        return true;
    }
    if ((fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'))) {
        apply(app, m);
        return true;
    }
    if (action == TA_DOWN || action == TA_UP) {
        m->row = (m->row + (action == TA_DOWN ? 1 : -1) + ROW_COUNT) % ROW_COUNT;
        app->dirty = true;
        return true;
    }
    if ((fn && key == KEY_RIGHT) || (!fn && (key == 'l' || key == ' ')))
        change(m, 1);
    else if ((fn && key == KEY_LEFT) || (!fn && key == 'h'))
        change(m, -1);
    else {
        char name[32];
        tui_key_name(key, fn, name, sizeof name);
        tui_message(app, false, "%s: key not bound in the menu. Press ? for help.", name);
    }
    return true;
}

static void
menu_close(struct app *app, void *state)
{
    (void)app;
    free(state);
}

/* Over the queue, starting from its filters as they are. */
static void *
menu_open(struct app *app, const struct tui_target *t)
{
    struct menu *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->under = t->from;
    m->under_state = app->depth ? app->stack[app->depth - 1].state : NULL;
    m->mine = app->shared.queue.mine;
    m->filter = app->shared.queue.filter;
    return m;
}

static bool
menu_opens(int action)
{
    return action == TA_FILTER_MENU;
}

static const struct tui_function menu_functions[] = {
    {TA_DOWN, NULL, 0},    {TA_UP, NULL, 0},   {TA_CANCEL, NULL, 0},   {TA_REFRESH, NULL, 0},
    {TA_SUSPEND, NULL, 0}, {TA_HELP, NULL, 0}, {TA_QUIT_ALL, NULL, 0}, {TA_NONE, NULL, 0},
};
static const char *const menu_notes[] = {"Left Right h l Space   change the filter's value",
                                         "Enter          apply the filters", NULL};

const struct screen_ops menu_screen = {
    .name = "filter menu",
    .opens = menu_opens,
    .open = menu_open,
    .functions = menu_functions,
    .draw = menu_draw,
    .key = menu_key,
    .modal = true,
    .overlay = menu_overlay,
    .close = menu_close,
    .notes = menu_notes,
};
