/*
 * The dashboard: counts by state and by outcome with bars, what is overdue
 * against sla_days, first decisions a week and when the backlog clears at
 * that rate, and each reviewer's outcome mix and panel-dissent rate.
 */
#include "screens.h"
#include "tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dashboard {
    struct cr_dashboard d;
    bool loaded;
};

static void
load(struct app *app, struct dashboard *db)
{
    if (db->loaded)
        cr_dashboard_free(&db->d);
    db->loaded = cr_dashboard_get(app->db, &db->d) == CR_OK;
    if (!db->loaded)
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
}

/* A labelled bar: value against max in width cells. */
static void
bar(struct app *app, int y, int x, const char *label, int64_t value, int64_t max, int width,
    const char *extra)
{
    char text[128];
    snprintf(text, sizeof text, "%-18s %8lld ", label, (long long)value);
    int used = tui_put(stdscr, y, x, text, COLS - x, 0);
    int cells = max > 0 ? (int)((value * width + max - 1) / max) : 0;
    if (value > 0 && cells == 0)
        cells = 1;
    for (int i = 0; i < cells && x + used + i < COLS; i++)
        tui_put(stdscr, y, x + used + i, "\u2588", 1, tui_attr(app, CR_SLOT_BAR));
    if (extra)
        tui_put(stdscr, y, x + used + width + 1, extra, COLS - (x + used + width + 1),
                tui_attr(app, CR_SLOT_OVERDUE));
}

static void
dashboard_draw(struct app *app, void *state)
{
    struct dashboard *db = state;
    attron(tui_attr(app, CR_SLOT_TITLE));
    mvhline(0, 0, ' ', COLS);
    tui_put(stdscr, 0, 0, " Dashboard", COLS, tui_attr(app, CR_SLOT_TITLE));
    attroff(tui_attr(app, CR_SLOT_TITLE));
    if (!db->loaded)
        return;
    const struct cr_dashboard *d = &db->d;
    int bw = COLS >= 100 ? 30 : 16;
    int y = 2;
    char line[256];
    snprintf(line, sizeof line, "Cases by state (%lld in all)", (long long)d->stats.cases);
    tui_put(stdscr, y++, 1, line, COLS - 1, tui_attr(app, CR_SLOT_HEADER));
    int64_t max = 1;
    for (int s = 0; s < CR_STATE_COUNT; s++)
        if (d->stats.by_state[s] > max)
            max = d->stats.by_state[s];
    for (int s = 0; s < CR_STATE_COUNT; s++) {
        char late[64] = "";
        if (d->overdue[s])
            snprintf(late, sizeof late, "%lld overdue", (long long)d->overdue[s]);
        bar(app, y++, 2, cr_state_name(s), d->stats.by_state[s], max, bw, late[0] ? late : NULL);
    }
    y++;
    /* Confirmed outcomes apart from proposed ones: only a closed case's outcome is final. */
    snprintf(line, sizeof line, "%-16s %9s %9s %9s %9s", "Outcomes", "confirmed", "proposed",
             "w. panel", "returned");
    tui_put(stdscr, y++, 1, line, COLS - 1, tui_attr(app, CR_SLOT_HEADER));
    int bw2 = COLS - 60 > 30 ? 30 : COLS - 60;
    max = 1;
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
        int used = tui_put(stdscr, y, 2, line, COLS - 2, 0);
        int64_t v = g->cases[CR_STAGE_CONFIRMED];
        int cells = bw2 > 0 && max > 0 ? (int)((v * bw2 + max - 1) / max) : 0;
        for (int i = 0; i < cells && 3 + used + i < COLS; i++)
            tui_put(stdscr, y, 3 + used + i, "\u2588", 1, tui_attr(app, CR_SLOT_BAR));
        y++;
    }
    snprintf(line, sizeof line, "%-16s %9lld", "not decided",
             (long long)d->stats.figures.cases[CR_STAGE_UNDECIDED]);
    tui_put(stdscr, y++, 2, line, COLS - 2, 0);
    y++;
    /* Decisions a week: a row of bars, the latest week last. */
    tui_put(stdscr, y++, 1, "First decisions a week, last 12 weeks", COLS - 1,
            tui_attr(app, CR_SLOT_HEADER));
    max = 1;
    for (int w = 0; w < CR_DASHBOARD_WEEKS; w++)
        if (d->decisions_per_week[w] > max)
            max = d->decisions_per_week[w];
    static const char *const blocks[] = {" ",      "\u2581", "\u2582", "\u2583", "\u2584",
                                         "\u2585", "\u2586", "\u2587", "\u2588"};
    int x = 2;
    for (int w = 0; w < CR_DASHBOARD_WEEKS; w++) {
        int level = (int)((d->decisions_per_week[w] * 8 + max - 1) / max);
        tui_put(stdscr, y, x, blocks[level], 2, tui_attr(app, CR_SLOT_BAR));
        tui_put(stdscr, y, x + 1, blocks[level], 2, tui_attr(app, CR_SLOT_BAR));
        x += 3;
    }
    char clears[32] = "never";
    if (d->backlog_clears) {
        char t[21];
        cr_time_format(d->backlog_clears, t);
        snprintf(clears, sizeof clears, "%.10s", t);
    }
    y++;
    snprintf(line, sizeof line, "%.1f a week (last 4 weeks); %lld undecided; clears %s", d->rate,
             (long long)d->undecided, clears);
    tui_put(stdscr, y++, 2, line, COLS - 2, 0);
    /* Dissent per round, all reviewers: only rounds the panel has finished count. */
    if (d->panel_rounds)
        snprintf(line, sizeof line,
                 "The panel returned %lld of the %lld rounds it finished (%.0f%%)",
                 (long long)d->panel_returned, (long long)d->panel_rounds,
                 100.0 * (double)d->panel_returned / (double)d->panel_rounds);
    else
        snprintf(line, sizeof line, "The panel has finished no round yet");
    tui_put(stdscr, y++, 2, line, COLS - 2, 0);
    y++;
    if (y < LINES - 2) {
        /* A column per outcome of core's list. */
        size_t used = (size_t)snprintf(line, sizeof line, "%-12s", "Reviewer");
        for (int o = 0; o < CR_OUTCOME_COUNT && used < sizeof line; o++)
            used += (size_t)snprintf(line + used, sizeof line - used, " %7s", cr_outcome_name(o));
        if (used < sizeof line)
            snprintf(line + used, sizeof line - used, " %7s  %s", "total", "panel returned");
        tui_put(stdscr, y++, 1, line, COLS - 1, tui_attr(app, CR_SLOT_HEADER));
    }
    if (!d->reviewers_shown && y < LINES - 1)
        tui_put(stdscr, y++, 2, "Reviewers' figures are for supervisors and the admin.", COLS - 2,
                tui_attr(app, CR_SLOT_DIM));
    else if (!d->n_reviewers && y < LINES - 1)
        tui_put(stdscr, y++, 2, "No decisions yet.", COLS - 2, tui_attr(app, CR_SLOT_DIM));
    for (size_t i = 0; i < d->n_reviewers && y < LINES - 1; i++) {
        const struct cr_reviewer_mix *m = &d->reviewers[i];
        /* Dissent per round: rounds the panel returned of those it finished. */
        char rate[32] = "-";
        if (m->panel_rounds)
            snprintf(rate, sizeof rate, "%lld of %lld (%.0f%%)", (long long)m->panel_returned,
                     (long long)m->panel_rounds,
                     100.0 * (double)m->panel_returned / (double)m->panel_rounds);
        size_t used = (size_t)snprintf(line, sizeof line, "%-12.12s", m->login);
        for (int o = 0; o < CR_OUTCOME_COUNT && used < sizeof line; o++)
            used += (size_t)snprintf(line + used, sizeof line - used, " %7lld",
                                     (long long)m->by_outcome[o]);
        if (used < sizeof line)
            snprintf(line + used, sizeof line - used, " %7lld  %s", (long long)m->decided, rate);
        tui_put(stdscr, y++, 1, line, COLS - 1, 0);
    }
}

/* C-l reloads the figures only: the screens under it keep their place. */
static bool
dashboard_refresh(struct app *app, void *state, int action)
{
    (void)action;
    load(app, state);
    return true;
}

static void
dashboard_reload(struct app *app, void *state)
{
    load(app, state);
}

static void
dashboard_close(struct app *app, void *state)
{
    struct dashboard *db = state;
    (void)app;
    if (db->loaded)
        cr_dashboard_free(&db->d);
    free(db);
}

static void *
dashboard_open(struct app *app, const struct tui_target *t)
{
    struct dashboard *db = calloc(1, sizeof *db);
    (void)t;
    if (db)
        load(app, db);
    return db;
}

static const struct tui_function dashboard_functions[] = {
    {TA_REFRESH, dashboard_refresh, 0},
    {TA_HELP, NULL, 0},
    {TA_QUIT, NULL, 0},
    {TA_NONE, NULL, 0},
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
};
