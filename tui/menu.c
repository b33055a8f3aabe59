/*
 * The filter menu (f on the queue): a small box over the queue listing the
 * filters core can apply, each with its value: what waits for me, the
 * state, overdue only, the category, the outcome, the assignee (a reviewer
 * of the roster) and the subject's unit.  Up and Down choose a filter, Left
 * and Right (or h, l, Space) change its value, Enter applies them all as
 * the queue's filter (its search words and its sort stay), Esc or C-g
 * leaves the queue as it was.  The unit is typed on its row (an exact
 * name, with the readline keys of a one-line field; there every character
 * is text, and only the arrows move): listing the units would read every
 * subject.
 *
 * Also here, the chooser of a bulk assign (bulk_screen): A on the queue
 * with cases tagged.
 */
#include "notify.h"
#include "screens.h"
#include "textarea.h"
#include "tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum menu_row {
    ROW_MINE,
    ROW_STATE,
    ROW_OVERDUE,
    ROW_CATEGORY,
    ROW_OUTCOME,
    ROW_ASSIGNEE,
    ROW_UNIT,
    ROW_COUNT
};

struct menu {
    int row;
    bool mine;
    struct cr_filter filter; /* the values being chosen; applied on Enter */
    struct textarea unit;    /* the unit's name as typed (empty: any) */
    const struct cr_config *cfg;
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
    case ROW_ASSIGNEE:
        return f->assignee ? f->assignee : "anyone";
    case ROW_UNIT:
        /* What is typed, and where the cursor is while the row is chosen. */
        if (m->row == ROW_UNIT) {
            snprintf(buf, n, "%s_", m->unit.text);
            return buf;
        }
        return *m->unit.text ? m->unit.text : "any";
    default:
        return "";
    }
}

static const char *const row_label[ROW_COUNT] = {
    [ROW_MINE] = "Waiting for me", [ROW_STATE] = "State",     [ROW_OVERDUE] = "Overdue only",
    [ROW_CATEGORY] = "Category",   [ROW_OUTCOME] = "Outcome", [ROW_ASSIGNEE] = "Held by",
    [ROW_UNIT] = "Unit",
};

/*
 * The next reviewer of the roster after (step 1) or before (-1) login, in
 * the roster's order, NULL (anyone) at either end.  A login that is not a
 * reviewer there (the dashboard's row of someone who left) goes to the first.
 */
static const char *
next_reviewer(const struct cr_config *cfg, const char *login, int step)
{
    int n = (int)cfg->n_people, at = -1;
    for (int i = 0; login && i < n; i++)
        if (strcmp(cfg->people[i].login, login) == 0)
            at = i;
    if (at < 0)
        at = step > 0 ? -1 : n;
    for (int i = at + step; i >= 0 && i < n; i += step)
        if (cr_person_has(&cfg->people[i], CR_ROLE_REVIEWER))
            return cfg->people[i].login;
    return NULL;
}

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
        /* What waits for me is not the cases someone holds: one or the other. */
        m->mine = !m->mine;
        if (m->mine)
            f->assignee = NULL;
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
    case ROW_ASSIGNEE:
        f->assignee = next_reviewer(m->cfg, f->assignee, step);
        if (f->assignee)
            m->mine = false;
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
    tui_put(win, ROW_COUNT + 3, 2,
            m->row == ROW_UNIT ? "Unit: type its exact name; Enter apply"
                               : "Enter apply, Esc leave as it was",
            w - 4, tui_attr(app, CR_SLOT_DIM));
    wnoutrefresh(win);
    delwin(win);
}

/* Enter: the chosen filters become the queue's, its search and its sort kept. */
static void
apply(struct app *app, struct menu *m)
{
    struct tui_queue *q = &app->shared.queue;
    q->mine = m->mine;
    q->filter.state = m->filter.state;
    q->filter.outcome = m->filter.outcome;
    q->filter.category = m->filter.category;
    q->filter.overdue = m->filter.overdue;
    /*
     * The cases a reviewer holds (the menu's or the dashboard's) are all cases
     * held by them, not a filter of what waits for me: one or the other (change).
     */
    q->filter.assignee = m->filter.assignee;
    if (q->filter.assignee)
        q->mine = false;
    char *unit = *m->unit.text ? strdup(m->unit.text) : NULL;
    if (*m->unit.text && !unit) {
        tui_message(app, true, "out of memory");
        return;
    }
    free(q->unit);
    q->unit = unit;
    q->filter.unit = q->unit;
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
    /* On the unit's row a character is text: ? too (F1 is the help there). */
    bool typing = m->row == ROW_UNIT && !fn && key >= ' ' && key != 127;
    if (action == TA_SUSPEND || action == TA_REFRESH || (action == TA_HELP && !typing) ||
        (fn && key == KEY_RESIZE))
        return false;
    /* C-c leaves casereview: nothing chosen here is a record. */
    if (action == TA_QUIT_ALL) {
        app->quit = true;
        return true;
    }
    if ((fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'))) {
        apply(app, m);
        return true;
    }
    if (action == TA_CANCEL || (action == TA_QUIT && !typing)) {
        tui_pop(app);
        return true;
    }
    /* On the unit's row every character is text, and it edits as a form's line. */
    if (m->row == ROW_UNIT && !(fn && (key == KEY_UP || key == KEY_DOWN))) {
        if (typing)
            ta_insert_wc(&m->unit, (wchar_t)key);
        else
            tui_edit_key(&m->unit, key, fn);
        app->dirty = true;
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
    struct menu *m = state;
    (void)app;
    ta_free(&m->unit);
    free(m);
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
    m->cfg = app->cfg;
    /* The unit in force (the dashboard may have replaced the filter since it was typed). */
    if (!ta_init(&m->unit, app->shared.queue.filter.unit, true)) {
        free(m);
        return NULL;
    }
    ta_line_end(&m->unit);
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
static const char *const menu_notes[] = {
    "Left Right h l Space   change the filter's value", "Enter          apply the filters",
    "Unit:          type the unit's exact name", "               (C-u empties it)", NULL};

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

/*
 * The bulk assign's chooser (A on the queue with cases tagged): the
 * roster's reviewers, each with their name and, for a user who may see the
 * workload (cr_workload_visible), the open cases they hold, as single
 * assign and the dashboard's workload name them.  Up and Down choose, Enter
 * assigns every tagged case to the one chosen through core
 * (cr_assign_bulk: one transaction, one audit event a case, every case
 * under single assign's rules, all or nothing), Esc leaves the tags as they
 * were.  Done, the tags clear and the status line says what moved; refused,
 * nothing is written, the tags stay and it shows core's refusal with each
 * case refused and why.
 */
struct bulk {
    int row, top;
    size_t n;
    const char **logins, **names;
    int64_t *open; /* -1: not shown */
    const struct screen_ops *under;
    void *under_state;
};

static void
bulk_free(struct bulk *b)
{
    free(b->logins);
    free(b->names);
    free(b->open);
    free(b);
}

static void *
bulk_open(struct app *app, const struct tui_target *t)
{
    struct bulk *b = calloc(1, sizeof *b);
    size_t n = app->cfg->n_people;
    if (b) {
        b->logins = calloc(n + 1, sizeof *b->logins);
        b->names = calloc(n + 1, sizeof *b->names);
        b->open = calloc(n + 1, sizeof *b->open);
    }
    if (!b || !b->logins || !b->names || !b->open) {
        if (b)
            bulk_free(b);
        tui_message(app, true, "out of memory");
        return NULL;
    }
    struct cr_workload w;
    memset(&w, 0, sizeof w);
    bool loads = cr_workload_visible(app->db) && cr_workload_get(app->db, "screen", &w) == CR_OK;
    for (size_t i = 0; i < n; i++) {
        const struct cr_person *p = &app->cfg->people[i];
        if (!cr_person_has(p, CR_ROLE_REVIEWER))
            continue;
        b->logins[b->n] = p->login;
        b->names[b->n] = p->name;
        b->open[b->n] = loads ? 0 : -1;
        for (size_t r = 0; loads && r < w.n_rows; r++)
            if (strcmp(w.rows[r].login, p->login) == 0)
                b->open[b->n] = w.rows[r].open;
        b->n++;
    }
    cr_workload_free(&w);
    if (!b->n) {
        bulk_free(b);
        tui_message(app, true, "No reviewer on the roster to assign the tagged cases to.");
        return NULL;
    }
    b->under = t->from;
    b->under_state = app->depth ? app->stack[app->depth - 1].state : NULL;
    return b;
}

static void
bulk_close(struct app *app, void *state)
{
    (void)app;
    bulk_free(state);
}

static void
bulk_draw(struct app *app, void *state)
{
    struct bulk *b = state;
    if (b->under)
        b->under->draw(app, b->under_state);
}

#define BULK_WIDTH 56

static void
bulk_overlay(struct app *app, void *state)
{
    struct bulk *b = state;
    size_t tagged = app->shared.queue.n_tags;
    /* As many reviewers as fit, the chosen one among them. */
    int fit = LINES - 10 > 1 ? LINES - 10 : 1;
    int shown = (int)b->n < fit ? (int)b->n : fit;
    if (b->row < b->top)
        b->top = b->row;
    if (b->row >= b->top + shown)
        b->top = b->row - shown + 1;
    int h = shown + 6, w = BULK_WIDTH;
    WINDOW *win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
    if (!win)
        return;
    werase(win);
    for (int y = 0; y < h; y++) {
        const char *edge = y == 0 ? "\u250c" : y == h - 1 ? "\u2514" : "\u2502";
        const char *end = y == 0 ? "\u2510" : y == h - 1 ? "\u2518" : "\u2502";
        tui_put(win, y, 0, edge, 1, 0);
        if (y == 0 || y == h - 1)
            for (int x = 1; x < w - 1; x++)
                tui_put(win, y, x, "\u2500", 1, 0);
        tui_put(win, y, w - 1, end, 1, 0);
    }
    char line[160];
    snprintf(line, sizeof line, " Assign the %zu tagged %s to ", tagged,
             tagged == 1 ? "case" : "cases");
    tui_put(win, 0, 2, line, w - 4, tui_attr(app, CR_SLOT_TITLE));
    /* Columns by display width: the logins as wide as the widest (8 to 16 cells). */
    int lw = 8;
    for (size_t r = 0; r < b->n; r++)
        if (tui_width(b->logins[r]) > lw)
            lw = tui_width(b->logins[r]) < 16 ? tui_width(b->logins[r]) : 16;
    enum { NAME_W = 25 };
    int name_x = 4 + lw + 1, open_x = name_x + NAME_W + 1;
    int head = tui_attr(app, CR_SLOT_HEADER);
    tui_put(win, 1, 4, "REVIEWER", lw, head);
    tui_put(win, 1, name_x, "NAME", NAME_W, head);
    if (b->open[0] >= 0)
        tui_put(win, 1, open_x, "OPEN", w - 2 - open_x, head);
    for (int i = 0; i < shown; i++) {
        int r = b->top + i;
        bool sel = r == b->row;
        int attr = sel ? tui_attr(app, CR_SLOT_SELECTED) : 0;
        if (sel)
            mvwchgat(win, 2 + i, 1, w - 2, (attr_t)attr, 0, NULL);
        tui_put(win, 2 + i, 2, sel ? ">" : " ", 1, attr);
        tui_put(win, 2 + i, 4, b->logins[r], lw, attr);
        tui_put(win, 2 + i, name_x, b->names[r] ? b->names[r] : "", NAME_W, attr);
        if (b->open[r] >= 0) {
            char open[32];
            snprintf(open, sizeof open, "%4lld", (long long)b->open[r]);
            tui_put(win, 2 + i, open_x, open, w - 2 - open_x, attr);
        }
    }
    tui_put(win, shown + 3, 2, "Up/Down a reviewer; each case under assign's rules", w - 4,
            tui_attr(app, CR_SLOT_DIM));
    tui_put(win, shown + 4, 2, "Enter assign them all (or none), Esc leave", w - 4,
            tui_attr(app, CR_SLOT_DIM));
    wnoutrefresh(win);
    delwin(win);
}

/* Core's refusal, and each case refused with the rule's words, as the command line prints them. */
static char *
bulk_refusal(cr_db *db, const struct cr_bulk_result *r)
{
    const char *why = cr_db_errmsg(db);
    size_t size = strlen(why) + 1;
    for (size_t i = 0; i < r->n_refused; i++)
        size += 32 + strlen(r->refused[i].why);
    char *s = malloc(size);
    if (!s)
        return NULL;
    size_t used = (size_t)snprintf(s, size, "%s", why);
    for (size_t i = 0; i < r->n_refused && used < size; i++)
        used += (size_t)snprintf(s + used, size - used, "; case %lld: %s",
                                 (long long)r->refused[i].case_id, r->refused[i].why);
    return s;
}

static void
bulk_assign(struct app *app, struct bulk *b)
{
    struct tui_queue *q = &app->shared.queue;
    const char *to = b->logins[b->row];
    struct cr_bulk_assign req = {.to = to, .state = -1, .cases = q->tags, .n_cases = q->n_tags};
    struct cr_bulk_result r;
    enum cr_status st = cr_assign_bulk(app->db, &req, &r);
    /* What moved in core's words, as the command line prints them (cr_bulk_describe). */
    char *said = st == CR_OK ? cr_bulk_describe(&req, &r) : bulk_refusal(app->db, &r);
    cr_bulk_result_free(&r);
    /* The notify command for each case moved, not waited for (as after any action). */
    char why[200];
    bool failed = st == CR_OK && tui_notify(app->db, app->cfg, why, sizeof why) != 0;
    tui_pop(app);
    if (st == CR_OK)
        tui_queue_untag_all(q);
    tui_reload_all(app);
    tui_message(app, st != CR_OK || failed, "%s%s%s",
                said          ? said
                : st == CR_OK ? "assigned"
                              : "out of memory",
                failed ? "; the notify command " : "", failed ? why : "");
    free(said);
}

static bool
bulk_key(struct app *app, void *state, int action, wint_t ch)
{
    struct bulk *b = state;
    wint_t key = app->key;
    bool fn = app->key_fn;
    (void)ch;
    if (action == TA_SUSPEND || action == TA_REFRESH || action == TA_HELP ||
        (fn && key == KEY_RESIZE))
        return false;
    if (action == TA_QUIT_ALL) {
        app->quit = true;
        return true;
    }
    if (action == TA_CANCEL || action == TA_QUIT) {
        tui_pop(app);
        return true;
    }
    if ((fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'))) {
        bulk_assign(app, b);
        return true;
    }
    if (action == TA_DOWN || action == TA_UP) {
        b->row = (b->row + (action == TA_DOWN ? 1 : -1) + (int)b->n) % (int)b->n;
        app->dirty = true;
        return true;
    }
    if (action == TA_FIRST || action == TA_LAST) {
        b->row = action == TA_FIRST ? 0 : (int)b->n - 1;
        app->dirty = true;
        return true;
    }
    char name[32];
    tui_key_name(key, fn, name, sizeof name);
    tui_message(app, false, "%s: key not bound in the chooser. Press ? for help.", name);
    return true;
}

static const struct tui_function bulk_functions[] = {
    {TA_DOWN, NULL, 0},     {TA_UP, NULL, 0},      {TA_FIRST, NULL, 0},   {TA_LAST, NULL, 0},
    {TA_CANCEL, NULL, 0},   {TA_REFRESH, NULL, 0}, {TA_SUSPEND, NULL, 0}, {TA_HELP, NULL, 0},
    {TA_QUIT_ALL, NULL, 0}, {TA_NONE, NULL, 0},
};
static const char *const bulk_notes[] = {"Enter          assign every tagged case to the reviewer",
                                         "               (all or none: core's rules, each case)",
                                         NULL};

const struct screen_ops bulk_screen = {
    .name = "bulk assign",
    .open = bulk_open,
    .functions = bulk_functions,
    .draw = bulk_draw,
    .key = bulk_key,
    .modal = true,
    .overlay = bulk_overlay,
    .close = bulk_close,
    .notes = bulk_notes,
};
