/*
 * The dashboard: counts by state with what is overdue against sla_days, the
 * workload (open cases each reviewer holds, for supervisors and the admin),
 * counts by outcome, first decisions in each week (labelled with the date
 * it commences) and when the backlog clears at that rate, and each
 * reviewer's outcome mix and panel-dissent rate.
 *
 * It scrolls, and its figures lead somewhere: a cursor goes over the rows
 * that name a queue (each state, the overdue count, each reviewer of the
 * workload), and Enter opens the queue limited to that row, as the
 * filters would: the shared queue's filter is set and the screens above
 * the queue are closed.  The figures are core's (cr_dashboard_get,
 * cr_workload_get), the ones `stats --format json` prints.
 */
#include "screens.h"
#include "tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A row the cursor can be on, and the queue it opens. */
enum row_kind { ROW_STATE, ROW_OVERDUE, ROW_REVIEWER };

struct row {
    enum row_kind kind;
    int state;         /* ROW_STATE */
    const char *login; /* ROW_REVIEWER: the workload's */
    int line;          /* its line of the dashboard */
};

struct dashboard {
    struct cr_dashboard d;
    bool loaded;
    struct cr_workload w;
    bool workload; /* the workload panel is shown (core allows it and it was read) */
    /* The rows of the last layout, the selected one, and the first line on screen. */
    struct row *rows;
    size_t n_rows, cap;
    int sel;
    int top;
    int lines;   /* the dashboard's lines in all */
    bool follow; /* scroll to the selected row at the next draw */
};

/*
 * The login the last drill-down into a reviewer's cases filtered on: the
 * shared queue's filter borrows it (struct cr_filter.assignee) after the
 * dashboard, and its workload, are gone.
 */
static char *drilled_login;

static void
load(struct app *app, struct dashboard *db, bool first)
{
    if (db->loaded)
        cr_dashboard_free(&db->d);
    db->loaded = cr_dashboard_get(app->db, &db->d) == CR_OK;
    if (!db->loaded)
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
    /*
     * The workload is core's to show or not (cr_workload_visible): asked
     * once with its audit event when the dashboard opens, again without one
     * when it reloads.
     */
    if (db->workload)
        cr_workload_free(&db->w);
    db->workload = false;
    if (!cr_workload_visible(app->db))
        return;
    enum cr_status st =
        first ? cr_workload_get(app->db, "screen", &db->w) : cr_workload_reload(app->db, &db->w);
    db->workload = st == CR_OK;
    if (!db->workload)
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
}

/* Laying out: the line being written, and whether it is drawn (it is on screen). */
struct pen {
    struct app *app;
    struct dashboard *db;
    bool paint;
    int line;   /* the dashboard's line */
    int height; /* lines on screen, from row 1 */
};

/* The screen row of the pen's line, or -1 when it is not drawn. */
static int
row_y(const struct pen *p)
{
    if (!p->paint || p->line < p->db->top || p->line >= p->db->top + p->height)
        return -1;
    return 1 + p->line - p->db->top;
}

static bool
is_selected(const struct pen *p)
{
    const struct dashboard *db = p->db;
    return db->sel >= 0 && (size_t)db->sel < db->n_rows && db->rows[db->sel].line == p->line;
}

/* Text at column x of the pen's line (a selected line in the selection's colours). */
static int
put(struct pen *p, int x, const char *text, int width, int attr)
{
    int y = row_y(p);
    if (y < 0 || x >= COLS)
        return width > 0 ? tui_width(text) : 0;
    if (is_selected(p))
        attr = tui_attr(p->app, CR_SLOT_SELECTED);
    return tui_put(stdscr, y, x, text, width < COLS - x ? width : COLS - x, attr);
}

/* A heading line. */
static void
heading(struct pen *p, const char *text)
{
    put(p, 1, text, COLS - 1, tui_attr(p->app, CR_SLOT_HEADER));
    p->line++;
}

static void
blank(struct pen *p)
{
    p->line++;
}

/* The pen's line is a row the cursor can be on: recorded, and drawn as selected when it is. */
static void
selectable(struct pen *p, enum row_kind kind, int state, const char *login)
{
    struct dashboard *db = p->db;
    if (!p->paint) {
        if (db->n_rows == db->cap) {
            size_t cap = db->cap ? 2 * db->cap : 16;
            struct row *v = realloc(db->rows, cap * sizeof *v);
            if (!v)
                return;
            db->rows = v;
            db->cap = cap;
        }
        db->rows[db->n_rows++] = (struct row){kind, state, login, p->line};
        return;
    }
    int y = row_y(p);
    if (y >= 0 && is_selected(p)) {
        /* The selection shows without colour too. */
        int attr = tui_attr(p->app, CR_SLOT_SELECTED);
        attron(attr);
        mvhline(y, 0, ' ', COLS);
        attroff(attr);
        tui_put(stdscr, y, 0, ">", 1, attr);
    }
}

/* Cells of a bar: value against max in width cells, at least one for a value. */
static void
bar_cells(struct pen *p, int x, int64_t value, int64_t max, int width)
{
    int cells = max > 0 ? (int)((value * width + max - 1) / max) : 0;
    if (value > 0 && cells == 0)
        cells = 1;
    int attr = tui_attr(p->app, CR_SLOT_BAR);
    for (int i = 0; i < cells && x + i < COLS; i++)
        put(p, x + i, "\u2588", 1, attr);
}

/* Cases by state, each a row that opens its queue; then the overdue cases, one row. */
static void
states_section(struct pen *p, int bw)
{
    const struct cr_dashboard *d = &p->db->d;
    char line[256];
    snprintf(line, sizeof line, "Cases by state (%lld in all)", (long long)d->stats.cases);
    heading(p, line);
    int64_t max = 1, late = 0;
    for (int s = 0; s < CR_STATE_COUNT; s++) {
        if (d->stats.by_state[s] > max)
            max = d->stats.by_state[s];
        late += d->overdue[s];
    }
    for (int s = 0; s < CR_STATE_COUNT; s++) {
        selectable(p, ROW_STATE, s, NULL);
        snprintf(line, sizeof line, "%-18s %8lld ", cr_state_name(s),
                 (long long)d->stats.by_state[s]);
        int used = put(p, 2, line, COLS - 2, 0);
        bar_cells(p, 2 + used, d->stats.by_state[s], max, bw);
        if (d->overdue[s]) {
            snprintf(line, sizeof line, "%lld overdue", (long long)d->overdue[s]);
            put(p, 2 + used + bw + 1, line, COLS, tui_attr(p->app, CR_SLOT_OVERDUE));
        }
        p->line++;
    }
    selectable(p, ROW_OVERDUE, -1, NULL);
    snprintf(line, sizeof line, "%-18s %8lld  past sla_days in their state, not paused", "overdue",
             (long long)late);
    put(p, 2, line, COLS - 2, late ? tui_attr(p->app, CR_SLOT_OVERDUE) : 0);
    p->line++;
}

/*
 * s in a cell width display cells wide, as tui_put will draw it: whole
 * characters (glyph_at's widths), "…" in the last cell where it is cut,
 * spaces after.  A login or a name is never cut inside a character.
 */
static void
cell(const char *s, int width, char *out, size_t n)
{
    size_t used = 0, i = 0, len = strlen(s);
    bool cut = tui_width(s) > width;
    int w = 0, room = cut ? width - 1 : width;
    while (i < len) {
        struct glyph g = glyph_at(s + i, len - i);
        size_t gl = g.len ? g.len : 1;
        if (w + g.width > room || used + gl + 4 > n)
            break;
        memcpy(out + used, s + i, gl);
        used += gl;
        w += g.width;
        i += gl;
    }
    if (cut && used + 4 <= n) {
        memcpy(out + used, "\xe2\x80\xa6", 3); /* … */
        used += 3;
        w++;
    }
    while (w < width && used + 1 < n) {
        out[used++] = ' ';
        w++;
    }
    out[used] = '\0';
}

/* The workload's columns, as the `workload` command's table has them. */
static void
workload_line(const struct cr_workload_row *r, bool wide, char *out, size_t n)
{
    char oldest[24] = "-";
    if (r->oldest >= 0)
        snprintf(oldest, sizeof oldest, "%lldd", (long long)r->oldest);
    char login[48], name[80], who[132];
    cell(r->login, 10, login, sizeof login);
    if (wide) {
        cell(r->name ? r->name : "", 16, name, sizeof name);
        snprintf(who, sizeof who, "%s %s", login, name);
    } else {
        snprintf(who, sizeof who, "%s", login);
    }
    snprintf(out, n, "%s %6lld %8lld %8lld %5lld %5lld  %4lld %5lld %6lld %4lld %6s%s", who,
             (long long)r->by_state[CR_STATE_IN_REVIEW],
             (long long)r->by_state[CR_STATE_AWAITING_APPROVAL],
             (long long)r->by_state[CR_STATE_RETURNED],
             (long long)(r->by_state[CR_STATE_FLAGGED] + r->by_state[CR_STATE_PANEL_REVIEW]),
             (long long)r->open, (long long)r->by_band[0], (long long)r->by_band[1],
             (long long)r->by_band[2], (long long)r->by_band[3], oldest,
             wide && !r->reviewer && strcmp(r->login, "total") != 0 ? "  not a reviewer now" : "");
}

/* Open cases each reviewer holds, by state and days in it: a row per reviewer opens theirs. */
static void
workload_section(struct pen *p)
{
    const struct cr_workload *w = &p->db->w;
    bool wide = COLS >= 100;
    blank(p);
    heading(p, "Workload: open cases each reviewer holds, by state and by days in it");
    char line[256];
    snprintf(line, sizeof line, "%-10s%s %6s %8s %8s %5s %5s  %4s %5s %6s %4s %6s", "REVIEWER",
             wide ? " NAME            " : "", "REVIEW", "APPROVAL", "RETURNED", "OTHER", "OPEN",
             "0-6d", "7-13d", "14-27d", "28d+", "OLDEST");
    put(p, 2, line, COLS - 2, tui_attr(p->app, CR_SLOT_HEADER));
    p->line++;
    for (size_t i = 0; i < w->n_rows; i++) {
        selectable(p, ROW_REVIEWER, -1, w->rows[i].login);
        workload_line(&w->rows[i], wide, line, sizeof line);
        put(p, 2, line, COLS - 2, 0);
        p->line++;
    }
    if (!w->n_rows) {
        put(p, 2, "No reviewers on the roster.", COLS - 2, tui_attr(p->app, CR_SLOT_DIM));
        p->line++;
    }
    workload_line(&w->total, wide, line, sizeof line);
    put(p, 2, line, COLS - 2, tui_attr(p->app, CR_SLOT_DIM));
    p->line++;
}

static void
outcomes_section(struct pen *p)
{
    const struct cr_dashboard *d = &p->db->d;
    char line[256];
    blank(p);
    /* Confirmed outcomes apart from proposed ones: only a closed case's outcome is final. */
    snprintf(line, sizeof line, "%-16s %9s %9s %9s %9s", "Outcomes", "confirmed", "proposed",
             "w. panel", "returned");
    heading(p, line);
    int bw = COLS - 60 > 30 ? 30 : COLS - 60;
    int64_t max = 1;
    for (int o = 0; o < CR_OUTCOME_COUNT; o++)
        if (d->stats.by_outcome[o].cases[CR_STAGE_CONFIRMED] > max)
            max = d->stats.by_outcome[o].cases[CR_STAGE_CONFIRMED];
    for (int o = 0; o < CR_OUTCOME_COUNT; o++) {
        const struct cr_figures *g = &d->stats.by_outcome[o];
        char label[32];
        if (o == CR_OUTCOME_REFER && g->vetting_cases[CR_STAGE_CONFIRMED])
            snprintf(label, sizeof label, "refer (%lld vet.)",
                     (long long)g->vetting_cases[CR_STAGE_CONFIRMED]);
        else
            snprintf(label, sizeof label, "%s", cr_outcome_name(o));
        snprintf(line, sizeof line, "%-16.16s %9lld %9lld %9lld %9lld", label,
                 (long long)g->cases[CR_STAGE_CONFIRMED], (long long)g->cases[CR_STAGE_PROPOSED],
                 (long long)g->cases[CR_STAGE_WITH_PANEL], (long long)g->cases[CR_STAGE_RETURNED]);
        int used = put(p, 2, line, COLS - 2, 0);
        if (bw > 0 && g->cases[CR_STAGE_CONFIRMED])
            bar_cells(p, 3 + used, g->cases[CR_STAGE_CONFIRMED], max, bw);
        p->line++;
    }
    snprintf(line, sizeof line, "%-16s %9lld", "not decided",
             (long long)d->stats.figures.cases[CR_STAGE_UNDECIDED]);
    put(p, 2, line, COLS - 2, 0);
    p->line++;
}

/* First decisions in each week, labelled by the Monday it commences, in columns; the rate. */
static void
weeks_section(struct pen *p)
{
    const struct cr_dashboard *d = &p->db->d;
    char line[256];
    blank(p);
    heading(p, "First decisions a week, the last 12 (w/c: the week commencing Monday, UTC)");
    int64_t max = 1;
    for (int w = 0; w < CR_DASHBOARD_WEEKS; w++)
        if (d->decisions_per_week[w] > max)
            max = d->decisions_per_week[w];
    int cols = COLS >= 120 ? 3 : 2;
    int per = (CR_DASHBOARD_WEEKS + cols - 1) / cols;
    int width = (COLS - 2) / cols;
    int bw = width - 22 > 20 ? 20 : width - 22;
    for (int r = 0; r < per; r++) {
        for (int c = 0; c < cols; c++) {
            int w = c * per + r;
            if (w >= CR_DASHBOARD_WEEKS)
                continue;
            char day[21];
            cr_time_format(d->week_start + (int64_t)w * 7 * 86400, day);
            snprintf(line, sizeof line, "w/c %.10s %4lld ", day,
                     (long long)d->decisions_per_week[w]);
            int x = 2 + c * width;
            int used = put(p, x, line, width, 0);
            if (bw > 0)
                bar_cells(p, x + used, d->decisions_per_week[w], max, bw);
        }
        p->line++;
    }
    char clears[32] = "never";
    if (d->backlog_clears) {
        char t[21];
        cr_time_format(d->backlog_clears, t);
        snprintf(clears, sizeof clears, "%.10s", t);
    }
    snprintf(line, sizeof line,
             "%.1f a week (the last 4 weeks); %lld undecided; at that rate cleared %s", d->rate,
             (long long)d->undecided, clears);
    put(p, 2, line, COLS - 2, 0);
    p->line++;
}

/* Dissent per round: of the rounds the panel finished, those it returned. */
static void
reviewers_section(struct pen *p)
{
    const struct cr_dashboard *d = &p->db->d;
    char line[256];
    if (d->panel_rounds)
        snprintf(line, sizeof line,
                 "The panel returned %lld of the %lld rounds it finished (%.0f%%)",
                 (long long)d->panel_returned, (long long)d->panel_rounds,
                 100.0 * (double)d->panel_returned / (double)d->panel_rounds);
    else
        snprintf(line, sizeof line, "The panel has finished no round yet");
    put(p, 2, line, COLS - 2, 0);
    p->line++;
    blank(p);
    /* A column per outcome of core's list. */
    size_t used = (size_t)snprintf(line, sizeof line, "%-12s", "Reviewer");
    for (int o = 0; o < CR_OUTCOME_COUNT && used < sizeof line; o++)
        used += (size_t)snprintf(line + used, sizeof line - used, " %8s", cr_outcome_name(o));
    if (used < sizeof line)
        snprintf(line + used, sizeof line - used, " %7s  %s", "total", "panel returned");
    heading(p, line);
    if (!d->reviewers_shown) {
        put(p, 2, "Reviewers' figures are for supervisors and the admin.", COLS - 2,
            tui_attr(p->app, CR_SLOT_DIM));
        p->line++;
    } else if (!d->n_reviewers) {
        put(p, 2, "No decisions yet.", COLS - 2, tui_attr(p->app, CR_SLOT_DIM));
        p->line++;
    }
    for (size_t i = 0; d->reviewers_shown && i < d->n_reviewers; i++) {
        const struct cr_reviewer_mix *m = &d->reviewers[i];
        char rate[48] = "-";
        if (m->panel_rounds)
            snprintf(rate, sizeof rate, "%lld of %lld (%.0f%%)", (long long)m->panel_returned,
                     (long long)m->panel_rounds,
                     100.0 * (double)m->panel_returned / (double)m->panel_rounds);
        used = (size_t)snprintf(line, sizeof line, "%-12.12s", m->login);
        for (int o = 0; o < CR_OUTCOME_COUNT && used < sizeof line; o++)
            used += (size_t)snprintf(line + used, sizeof line - used, " %8lld",
                                     (long long)m->by_outcome[o]);
        if (used < sizeof line)
            snprintf(line + used, sizeof line - used, " %7lld  %s", (long long)m->decided, rate);
        put(p, 1, line, COLS - 1, 0);
        p->line++;
    }
}

/* The whole dashboard, line by line: drawn, or (paint false) only laid out. */
static void
layout(struct app *app, struct dashboard *db, bool paint)
{
    struct pen p = {app, db, paint, 0, LINES - 2};
    if (!paint)
        db->n_rows = 0;
    if (db->loaded) {
        states_section(&p, COLS >= 100 ? 30 : 16);
        if (db->workload)
            workload_section(&p);
        outcomes_section(&p);
        weeks_section(&p);
        reviewers_section(&p);
    }
    db->lines = p.line;
}

static void
dashboard_draw(struct app *app, void *state)
{
    struct dashboard *db = state;
    layout(app, db, false);
    if (db->sel >= (int)db->n_rows)
        db->sel = db->n_rows ? (int)db->n_rows - 1 : 0;
    /* Keep the selected row on screen after a move of the cursor; a page move scrolls freely. */
    int height = LINES - 2;
    if (db->follow && db->n_rows) {
        int line = db->rows[db->sel].line;
        if (db->sel == 0)
            db->top = 0;
        else if (line < db->top)
            db->top = line - 1;
        else if (line >= db->top + height)
            db->top = line - height + 1;
    }
    db->follow = false;
    if (db->top > db->lines - height)
        db->top = db->lines - height;
    if (db->top < 0)
        db->top = 0;
    attron(tui_attr(app, CR_SLOT_TITLE));
    mvhline(0, 0, ' ', COLS);
    char title[160];
    snprintf(title, sizeof title, " Dashboard%s%s",
             db->n_rows ? ": Enter opens the queue of the selected row" : "",
             db->lines > height ? (db->top + height < db->lines ? "  (more below)" : "  (end)")
                                : "");
    tui_put(stdscr, 0, 0, title, COLS, tui_attr(app, CR_SLOT_TITLE));
    attroff(tui_attr(app, CR_SLOT_TITLE));
    layout(app, db, true);
}

/* The first or last selectable row on screen when the top is top; -1: none. */
static int
row_in_view(const struct dashboard *db, int top, bool last)
{
    int height = LINES - 2, found = -1;
    for (size_t i = 0; i < db->n_rows; i++) {
        int line = db->rows[i].line;
        if (line >= top && line < top + height) {
            found = (int)i;
            if (!last)
                break;
        }
    }
    return found;
}

/* The cursor moves over the rows that open a queue; past the first or last, the text scrolls. */
static bool
dashboard_move(struct app *app, void *state, int action)
{
    struct dashboard *db = state;
    /* The rows as the screen is now: keys may come before it is drawn (a script). */
    layout(app, db, false);
    int page = LINES - 3 > 1 ? LINES - 3 : 1;
    int n = (int)db->n_rows;
    switch (action) {
    case TA_DOWN:
        if (db->sel + 1 < n) {
            db->sel++;
            db->follow = true;
        } else {
            db->top++;
        }
        break;
    case TA_UP:
        if (db->sel > 0) {
            db->sel--;
            db->follow = true;
        } else if (db->top > 0) {
            db->top--;
        }
        break;
    case TA_PAGE_DOWN:
    case TA_PAGE_UP: {
        int top = action == TA_PAGE_DOWN ? db->top + page : db->top - page;
        if (top > db->lines - (LINES - 2))
            top = db->lines - (LINES - 2);
        db->top = top > 0 ? top : 0;
        /* The cursor stays on screen when a row of it is there. */
        if (n &&
            (db->rows[db->sel].line < db->top || db->rows[db->sel].line >= db->top + LINES - 2)) {
            int r = row_in_view(db, db->top, action == TA_PAGE_UP);
            if (r >= 0)
                db->sel = r;
        }
        break;
    }
    case TA_FIRST:
        db->sel = 0;
        db->top = 0;
        break;
    case TA_LAST:
        db->sel = n ? n - 1 : 0;
        db->top = db->lines;
        break;
    default:
        return false;
    }
    app->dirty = true;
    return true;
}

/* Enter: the queue limited to the selected row, the screens above the queue closed. */
static bool
dashboard_drill(struct app *app, void *state, int action)
{
    struct dashboard *db = state;
    (void)action;
    layout(app, db, false);
    if (db->sel < 0 || (size_t)db->sel >= db->n_rows) {
        tui_message(app, false, "No row to open: the dashboard has no figures");
        return true;
    }
    const struct row *r = &db->rows[db->sel];
    /* Scrolled away from the cursor (a page down past the last such row): nothing is meant. */
    int top = db->top < db->lines - (LINES - 2) ? db->top : db->lines - (LINES - 2);
    if (top < 0)
        top = 0;
    if (r->line < top || r->line >= top + LINES - 2) {
        tui_message(app, false,
                    "The selected row is off the screen: j or k brings the cursor back to a "
                    "state, the overdue or a reviewer");
        return true;
    }
    struct tui_queue *q = &app->shared.queue;
    /* As clearing the filters does, keeping the order: then the one the row names. */
    int sort = q->filter.sort;
    q->filter = (struct cr_filter)CR_FILTER_ALL;
    q->filter.sort = sort;
    free(q->search);
    q->search = NULL;
    q->mine = false;
    char what[160];
    switch (r->kind) {
    case ROW_STATE:
        q->filter.state = r->state;
        snprintf(what, sizeof what, "the cases in %s", cr_state_name(r->state));
        break;
    case ROW_OVERDUE:
        q->filter.overdue = 1;
        snprintf(what, sizeof what, "the overdue cases");
        break;
    case ROW_REVIEWER: {
        char *login = strdup(r->login);
        if (!login) {
            tui_message(app, true, "out of memory");
            return true;
        }
        free(drilled_login);
        drilled_login = login;
        q->filter.assignee = drilled_login;
        snprintf(what, sizeof what, "the open cases %.64s holds", drilled_login);
        break;
    }
    }
    q->refiltered = true;
    /* Back to the queue: the screens over it close (this one last), or the queue opens. */
    bool below = false;
    for (int i = 0; i < app->depth; i++)
        below |= app->stack[i].ops == &queue_screen;
    while (below && app->depth && app->stack[app->depth - 1].ops != &queue_screen)
        tui_pop(app);
    if (!below) {
        tui_pop(app);
        struct tui_target t = {.action = TA_NONE};
        void *s = queue_screen.open(app, &t);
        if (s)
            tui_push(app, &queue_screen, s);
    }
    tui_reload_all(app);
    char clear[32] = "";
    if (app->keys.keys[TA_FILTER_CLEAR][0])
        tui_key_name(app->keys.keys[TA_FILTER_CLEAR][0], app->keys.is_fn[TA_FILTER_CLEAR][0], clear,
                     sizeof clear);
    tui_message(app, false, "The queue of %s, from the dashboard%s%s%s", what, clear[0] ? " (" : "",
                clear, clear[0] ? " clears it)" : "");
    return true;
}

/* C-l reloads the figures only: the screens under it keep their place. */
static bool
dashboard_refresh(struct app *app, void *state, int action)
{
    (void)action;
    load(app, state, false);
    return true;
}

static void
dashboard_reload(struct app *app, void *state)
{
    load(app, state, false);
}

static void
dashboard_close(struct app *app, void *state)
{
    struct dashboard *db = state;
    (void)app;
    if (db->loaded)
        cr_dashboard_free(&db->d);
    if (db->workload)
        cr_workload_free(&db->w);
    free(db->rows);
    free(db);
}

static void *
dashboard_open(struct app *app, const struct tui_target *t)
{
    struct dashboard *db = calloc(1, sizeof *db);
    (void)t;
    if (db)
        load(app, db, true);
    return db;
}

static const struct tui_function dashboard_functions[] = {
    {TA_DOWN, dashboard_move, 0},
    {TA_UP, dashboard_move, 0},
    {TA_PAGE_DOWN, dashboard_move, 0},
    {TA_PAGE_UP, dashboard_move, 0},
    {TA_FIRST, dashboard_move, 0},
    {TA_LAST, dashboard_move, 0},
    {TA_OPEN, dashboard_drill, TUI_HIDDEN},
    {TA_REFRESH, dashboard_refresh, 0},
    {TA_HELP, NULL, 0},
    {TA_QUIT, NULL, 0},
    {TA_NONE, NULL, 0},
};

static const char *const dashboard_notes[] = {
    "Enter          the queue of the row: a state, the overdue, a reviewer",
    "Overdue: longer in their state than sla_days allows, and not paused",
    "Dissent: of the rounds the panel finished, those it returned",
    NULL,
};

static bool
dashboard_opens(int action)
{
    return action == TA_DASHBOARD;
}

const struct screen_ops dashboard_screen = {
    .name = "dashboard",
    .opens = dashboard_opens,
    .open = dashboard_open,
    .functions = dashboard_functions,
    .draw = dashboard_draw,
    .reload = dashboard_reload,
    .close = dashboard_close,
    .notes = dashboard_notes,
};
