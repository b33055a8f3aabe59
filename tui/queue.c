/*
 * The queue: cases as rows, a screenful at a time by keyset (never all rows
 * in memory), filtered and sorted as the title says.
 */
#include "tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct queue {
    struct cr_page page;   /* the rows on screen */
    int sel;               /* selected row within the page */
    int64_t start;         /* cursor before the first row (0: the top) */
    bool at_end;           /* no rows after the page */
};

static int
page_rows(void)
{
    return LINES - 3; /* title, header, status */
}

/* Load a screenful after (forward) or before (backward) a cursor. */
static bool
load(struct app *app, struct queue *q, int64_t cursor, bool backward)
{
    size_t n = (size_t)(page_rows() > 0 ? page_rows() : 1);
    enum cr_status st;
    if (app->mine)
        st = backward ? cr_list_mine_page_before(app->db, cursor, n, &q->page)
                      : cr_list_mine_page(app->db, cursor, n, &q->page);
    else
        st = backward ? cr_list_page_before(app->db, &app->filter, cursor, n, &q->page)
                      : cr_list_page(app->db, &app->filter, cursor, n, &q->page);
    if (st != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return false;
    }
    return true;
}

static int64_t
row_cursor(const struct app *app, const struct cr_case_row *r)
{
    return app->mine ? r->sortkey : cr_row_cursor(&app->filter, r);
}

/* The cursor just before row r: where a page starting at r begins. */
static void
reload_from(struct app *app, struct queue *q, int64_t start)
{
    q->start = start;
    if (!load(app, q, start, false))
        return;
    q->at_end = !q->page.more;
    if (q->sel >= (int)q->page.n)
        q->sel = q->page.n ? (int)q->page.n - 1 : 0;
}

static void
queue_reload(struct app *app, void *state)
{
    struct queue *q = state;
    if (app->refiltered)
        q->sel = 0;
    reload_from(app, q, app->refiltered ? 0 : q->start);
}

static void
go_next_page(struct app *app, struct queue *q)
{
    if (!q->page.more)
        return;
    int64_t start = row_cursor(app, &q->page.rows[q->page.n - 1]);
    q->sel = 0;
    reload_from(app, q, start);
}

static void
go_prev_page(struct app *app, struct queue *q, bool select_last)
{
    if (!q->start || !q->page.n)
        return;
    int64_t first = row_cursor(app, &q->page.rows[0]);
    if (!load(app, q, first, true))
        return;
    if (!q->page.n || !q->page.more) {
        /* Fewer rows before than a page: that is the top. */
        q->sel = 0;
        reload_from(app, q, 0);
        return;
    }
    /* The page ends just before the old first row; its start is the row before it. */
    struct cr_page before = {0};
    int64_t page_first = row_cursor(app, &q->page.rows[0]);
    enum cr_status st = app->mine ? cr_list_mine_page_before(app->db, page_first, 1, &before)
                                  : cr_list_page_before(app->db, &app->filter, page_first, 1,
                                                        &before);
    int64_t start = st == CR_OK && before.n ? row_cursor(app, &before.rows[0]) : 0;
    cr_page_free(&before);
    reload_from(app, q, start);
    q->sel = select_last && q->page.n ? (int)q->page.n - 1 : 0;
}

static const char *const short_state[CR_STATE_COUNT] = {
    "flagged", "review", "approval", "panel", "returned", "closed"};

static void
filter_title(const struct app *app, char *out, size_t n)
{
    const struct cr_filter *f = &app->filter;
    size_t used = (size_t)snprintf(out, n, "%s", app->mine ? "waiting for me" : "all cases");
    if (!app->mine) {
        if (f->state >= 0)
            used += (size_t)snprintf(out + used, n - used, ", %s", cr_state_name(f->state));
        if (f->outcome >= 0)
            used += (size_t)snprintf(out + used, n - used, ", outcome %s",
                                     f->outcome < CR_OUTCOME_COUNT ? cr_outcome_name(f->outcome)
                                                                   : "none");
        if (f->category >= 0)
            used += (size_t)snprintf(out + used, n - used, ", %s", cr_category_name(f->category));
        if (f->search)
            used += (size_t)snprintf(out + used, n - used, ", search \"%s\"", f->search);
    }
    bool by_age = !app->mine && (f->sort == CR_SORT_AGE || f->search);
    snprintf(out + used, n - used, by_age ? ", oldest first" : ", riskiest first");
}

/* Column widths: fixed ones, and what is left for the subject and the unit. */
struct layout {
    int id, state, age, subject, rank, unit, cat, n, who;
};

static struct layout
layout_for(int cols, int64_t max_id)
{
    struct layout l = {5, 8, 5, 17, 11, 12, 5, 2, 7};
    /* Room for the largest case number on screen and the selection mark. */
    for (int64_t v = max_id / 10000; v > 0; v /= 10) {
        l.id++;
        l.subject--;
    }
    int fixed = l.id + l.state + l.age + l.subject + l.rank + l.unit + l.cat + l.n + l.who + 8;
    int extra = cols - fixed;
    if (extra > 0) {
        l.subject += extra / 2;
        l.unit += extra - extra / 2;
    }
    return l;
}

static void
queue_draw(struct app *app, void *state)
{
    struct queue *q = state;
    char title[512], line[1024];
    filter_title(app, title, sizeof title);
    snprintf(line, sizeof line, " Queue: %s", title);
    attron(tui_attr(app, CR_SLOT_TITLE));
    mvhline(0, 0, ' ', COLS);
    tui_put(stdscr, 0, 0, line, COLS, tui_attr(app, CR_SLOT_TITLE));
    attroff(tui_attr(app, CR_SLOT_TITLE));

    int64_t max_id = 0;
    for (size_t i = 0; i < q->page.n; i++)
        if (q->page.rows[i].id > max_id)
            max_id = q->page.rows[i].id;
    struct layout l = layout_for(COLS, max_id);
    snprintf(line, sizeof line, "%*s %-*s %*s %-*s %-*s %-*s %-*s %*s %s", l.id, "CASE", l.state,
             "STATE", l.age, "AGE", l.subject, "SUBJECT", l.rank, "RANK", l.unit, "UNIT", l.cat,
             "CAT", l.n, "N", "WHO");
    tui_put(stdscr, 1, 0, line, COLS, tui_attr(app, CR_SLOT_HEADER));

    int64_t now = cr_db_now(app->db);
    if (!q->page.n)
        tui_put(stdscr, 3, 2, app->mine ? "Nothing waits for you." : "No cases match.", COLS - 2,
                tui_attr(app, CR_SLOT_DIM));
    for (size_t i = 0; i < q->page.n && (int)i < page_rows(); i++) {
        const struct cr_case_row *r = &q->page.rows[i];
        int y = 2 + (int)i;
        bool sel = (int)i == q->sel;
        int base = sel ? tui_attr(app, CR_SLOT_SELECTED) : 0;
        if (sel) {
            attron(base);
            mvhline(y, 0, ' ', COLS);
            attroff(base);
        }
        int x = 0;
        char cell[64];
        /* The selection shows without colour too. */
        snprintf(cell, sizeof cell, "%c%*lld", sel ? '>' : ' ', l.id - 1, (long long)r->id);
        x += tui_put(stdscr, y, x, cell, l.id, base) + 1;
        tui_put(stdscr, y, x, short_state[r->state], l.state,
                base | (sel ? 0 : tui_attr(app, CR_SLOT_STATE_FLAGGED + r->state)));
        x += l.state + 1;
        bool late = cr_case_overdue(app->cfg, r, now);
        int64_t age = now > r->created_at ? (now - r->created_at) / 86400 : 0;
        snprintf(cell, sizeof cell, "%lldd%s", (long long)age, late ? "!" : "");
        int w = tui_width(cell);
        tui_put(stdscr, y, x + (l.age > w ? l.age - w : 0), cell, l.age,
                base | (late && !sel ? tui_attr(app, CR_SLOT_OVERDUE) : 0));
        x += l.age + 1;
        snprintf(line, sizeof line, "%s, %s", r->surname, r->forenames);
        tui_put(stdscr, y, x, line, l.subject, base);
        x += l.subject + 1;
        tui_put(stdscr, y, x, r->rank, l.rank, base);
        x += l.rank + 1;
        tui_put(stdscr, y, x, r->unit, l.unit, base);
        x += l.unit + 1;
        const char *cats = r->categories == (CR_CATMASK_DV | CR_CATMASK_SO) ? "DV+SO"
                           : r->categories == CR_CATMASK_SO                 ? "SO"
                                                                            : "DV";
        tui_put(stdscr, y, x, cats, l.cat, base);
        x += l.cat + 1;
        snprintf(cell, sizeof cell, "%*d", l.n, r->n_allegations > 99 ? 99 : r->n_allegations);
        tui_put(stdscr, y, x, cell, l.n, base);
        x += l.n + 1;
        tui_put(stdscr, y, x, r->quorum_blocked ? "NO QUORUM" : r->assignee ? r->assignee : "-",
                COLS - x, base);
    }
}

static const struct cr_case_row *
selected(struct queue *q)
{
    return q->sel >= 0 && q->sel < (int)q->page.n ? &q->page.rows[q->sel] : NULL;
}

/* Act on the selected case directly (claim, release): core decides, the status line says. */
static void
act_now(struct app *app, struct queue *q, int action)
{
    const struct cr_case_row *r = selected(q);
    if (!r)
        return;
    struct cr_request req = {.action = action, .expect_version = r->version};
    tui_act(app, r->id, &req);
    tui_reload_all(app);
}

static void
refilter(struct app *app, struct queue *q)
{
    q->sel = 0;
    reload_from(app, q, 0);
}

static int
cycle(int value, int count)
{
    /* -1 (any), 0 .. count-1, then back to any */
    return value + 1 >= count ? -1 : value + 1;
}

static bool
queue_key(struct app *app, void *state, int action, wint_t ch)
{
    struct queue *q = state;
    const struct cr_case_row *r = selected(q);
    switch (action) {
    case TA_DOWN:
        if (q->sel + 1 < (int)q->page.n)
            q->sel++;
        else if (q->page.more) {
            go_next_page(app, q);
        }
        return true;
    case TA_UP:
        if (q->sel > 0)
            q->sel--;
        else
            go_prev_page(app, q, true);
        return true;
    case TA_PAGE_DOWN:
        if (q->page.more)
            go_next_page(app, q);
        else if (q->page.n)
            q->sel = (int)q->page.n - 1;
        return true;
    case TA_PAGE_UP:
        if (q->start)
            go_prev_page(app, q, false);
        else
            q->sel = 0;
        return true;
    case TA_FIRST:
        q->sel = 0;
        reload_from(app, q, 0);
        return true;
    case TA_LAST: {
        if (!load(app, q, INT64_MAX, true))
            return true;
        q->sel = q->page.n ? (int)q->page.n - 1 : 0;
        struct cr_page before = {0};
        int64_t start = 0;
        if (q->page.n && q->page.more) {
            int64_t first = row_cursor(app, &q->page.rows[0]);
            enum cr_status st = app->mine
                                    ? cr_list_mine_page_before(app->db, first, 1, &before)
                                    : cr_list_page_before(app->db, &app->filter, first, 1, &before);
            if (st == CR_OK && before.n)
                start = row_cursor(app, &before.rows[0]);
        }
        cr_page_free(&before);
        int sel = q->sel;
        reload_from(app, q, start);
        q->sel = sel < (int)q->page.n ? sel : (int)q->page.n - 1;
        return true;
    }
    case TA_OPEN:
        if (r)
            tui_open_case(app, r->id);
        return true;
    case TA_FILTER_MINE:
        app->mine = !app->mine;
        refilter(app, q);
        return true;
    case TA_FILTER_STATE:
        app->mine = false;
        app->filter.state = cycle(app->filter.state, CR_STATE_COUNT);
        refilter(app, q);
        return true;
    case TA_FILTER_OUTCOME:
        app->mine = false;
        app->filter.outcome = cycle(app->filter.outcome, CR_OUTCOME_COUNT + 1);
        refilter(app, q);
        return true;
    case TA_FILTER_CATEGORY:
        app->mine = false;
        app->filter.category = cycle(app->filter.category, CR_CATEGORY_COUNT);
        refilter(app, q);
        return true;
    case TA_FILTER_CLEAR:
        app->mine = false;
        app->filter = (struct cr_filter)CR_FILTER_ALL;
        free(app->search);
        app->search = NULL;
        refilter(app, q);
        return true;
    case TA_SORT:
        app->filter.sort = app->filter.sort == CR_SORT_AGE ? CR_SORT_PRIORITY : CR_SORT_AGE;
        refilter(app, q);
        return true;
    case TA_SEARCH:
        tui_form_open(app, TA_SEARCH, 0, false);
        return true;
    case TA_CLAIM:
    case TA_RELEASE:
        act_now(app, q, action == TA_CLAIM ? CR_ACTION_CLAIM : CR_ACTION_RELEASE);
        return true;
    case TA_DECIDE:
    case TA_APPROVE:
    case TA_RETURN:
    case TA_VOTE:
    case TA_ASSIGN:
    case TA_NOTE:
    case TA_RECONVENE:
    case TA_RECALL:
        if (r)
            tui_form_open(app, action, r->id, false);
        return true;
    default:
        return false;
    }
}

static void
queue_close(struct app *app, void *state)
{
    struct queue *q = state;
    (void)app;
    cr_page_free(&q->page);
    free(q);
}

static const int queue_actions[] = {
    TA_DOWN,   TA_UP,          TA_PAGE_DOWN,    TA_PAGE_UP,      TA_FIRST,        TA_LAST,
    TA_OPEN,   TA_SEARCH,      TA_FILTER_MINE,  TA_FILTER_STATE, TA_FILTER_OUTCOME,
    TA_FILTER_CATEGORY, TA_FILTER_CLEAR, TA_SORT, TA_CLAIM, TA_RELEASE, TA_ASSIGN, TA_DECIDE,
    TA_APPROVE, TA_RETURN,     TA_VOTE,         TA_NOTE,  TA_RECONVENE, TA_RECALL, TA_DASHBOARD,
    TA_REFRESH,
    TA_SUSPEND, TA_HELP, TA_QUIT, TA_QUIT_ALL, TA_NONE,
};

void *
tui_queue_new(struct app *app)
{
    struct queue *q = calloc(1, sizeof *q);
    if (q)
        reload_from(app, q, 0);
    return q;
}

/* Step from the case at cursor to the next or previous one of the queue. */
int64_t
tui_queue_step(struct app *app, int64_t case_id, int direction)
{
    struct queue *q = app->stack[0].state;
    /* Find the case's cursor: it is on the queue's page, or read it. */
    int64_t cursor = 0;
    bool found = false;
    for (size_t i = 0; i < q->page.n; i++) {
        if (q->page.rows[i].id == case_id) {
            cursor = row_cursor(app, &q->page.rows[i]);
            found = true;
        }
    }
    if (!found) {
        struct cr_case c;
        char key[32];
        snprintf(key, sizeof key, "#%lld", (long long)case_id);
        if (cr_case_get(app->db, key, &c) != CR_OK)
            return 0;
        cursor = row_cursor(app, &c.row);
        cr_case_free(&c);
    }
    struct cr_page p = {0};
    enum cr_status st;
    if (direction > 0)
        st = app->mine ? cr_list_mine_page(app->db, cursor, 1, &p)
                       : cr_list_page(app->db, &app->filter, cursor, 1, &p);
    else
        st = app->mine ? cr_list_mine_page_before(app->db, cursor, 1, &p)
                       : cr_list_page_before(app->db, &app->filter, cursor, 1, &p);
    int64_t next = st == CR_OK && p.n ? p.rows[0].id : 0;
    cr_page_free(&p);
    return next;
}

const struct screen_ops queue_screen = {
    "queue", queue_actions, queue_draw, queue_key, queue_reload, queue_close, NULL,
    NULL, &form_screen,
};
