/*
 * The queue: cases as rows, a screenful at a time by keyset (never all rows
 * in memory), filtered and sorted as the title says.
 */
#include "screens.h"
#include "tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void tagged_text(const struct tui_queue *q, char *out, size_t n);

static int
page_rows(const struct tui_queue *q)
{
    return LINES - 3 - q->imports_lines; /* title, header, status; the imports */
}

/* The rows a page of the queue holds: those the screen shows. */
static size_t
screenful(const struct tui_queue *q)
{
    return (size_t)(page_rows(q) > 0 ? page_rows(q) : 1);
}

/*
 * What waits for me narrowed by the queue's filters (the filter menu, the
 * / limit): core's list of what waits, narrowed (cr_list_mine_filter_page),
 * riskiest first.  Unnarrowed, it is the landing view (cr_list_landing_page:
 * for a reviewer, the flagged cases follow).
 */
static bool
narrowed(const struct tui_queue *q)
{
    const struct cr_filter *f = &q->filter;
    return q->mine && (f->state >= 0 || f->outcome >= 0 || f->category >= 0 || f->overdue ||
                       f->search || f->unit);
}

/* Load a screenful after a cursor (load_before reads the one before it). */
static bool
load(struct app *app, struct tui_queue *q, int64_t cursor)
{
    size_t n = screenful(q);
    enum cr_status st =
        q->mine ? narrowed(q) ? cr_list_mine_filter_page(app->db, &q->filter, cursor, n, &q->page)
                              : cr_list_landing_page(app->db, cursor, n, &q->page)
                : cr_list_page(app->db, &q->filter, cursor, n, &q->page);
    if (st != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return false;
    }
    return true;
}

/*
 * A row's cursor in the view.  What waits for me is core's landing view:
 * a row on the page has the cursor of its part, any other that of the part
 * core places it in.
 */
static int64_t
row_cursor(const struct app *app, const struct tui_queue *q, const struct cr_case_row *r)
{
    if (!q->mine)
        return cr_row_cursor(&q->filter, r);
    if (narrowed(q))
        return r->sortkey;
    if (r >= q->page.rows && r < q->page.rows + q->page.n)
        return cr_landing_cursor(&q->page, (size_t)(r - q->page.rows));
    return cr_landing_row_cursor(app->db, r);
}

/*
 * The view's count, from core (cheap at any size: the counters, or a count
 * that stops at CR_COUNT_CAP).  Unknown (-1) when core cannot say.
 */
static void
recount(struct app *app, struct tui_queue *q)
{
    int64_t n = -1;
    int exact = 1;
    enum cr_status st = !q->mine      ? cr_count_cases(app->db, &q->filter, &n, &exact)
                        : narrowed(q) ? cr_count_mine_filter(app->db, &q->filter, &n, &exact)
                                      : cr_count_landing(app->db, &n, &exact);
    q->count = st == CR_OK ? n : -1;
    q->count_exact = exact != 0;
}

/* What the navigation needs of the page (nav.c). */
static void
sync_nav(struct tui_queue *q)
{
    q->nav.lines = (int)q->page.n;
    q->nav.more = q->page.more;
    q->nav.at_top = !q->start;
    q->nav.height = page_rows(q);
}

/* The imports the admin's landing view shows under its cases: a heading and the last three. */
enum { IMPORTS_SHOWN = 3 };

/*
 * What waits for an admin includes the imports (cr_import_runs): on their
 * landing view, unnarrowed, and where the screen has room for them beside
 * a page of cases, the last few fill the bottom lines.
 */
static void
imports_refresh(struct app *app, struct tui_queue *q)
{
    cr_import_runs_free(&q->imports);
    q->imports_lines = 0;
    if (!q->mine || narrowed(q) || !cr_person_has(app->me, CR_ROLE_ADMIN) || LINES < 16)
        return;
    if (cr_import_runs(app->db, IMPORTS_SHOWN, &q->imports) != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return;
    }
    q->imports_lines = 2 + (int)(q->imports.n ? q->imports.n : 1);
}

/*
 * The screenful that begins after the cursor start, with its count.  The
 * top is row 0; a page read again where it was keeps its offset; elsewhere
 * the offset is not known until the pager moves from a known place.
 */
static void
reload_from(struct app *app, struct tui_queue *q, int64_t start)
{
    if (!start)
        q->offset = 0;
    else if (start != q->start)
        q->offset = -1;
    q->start = start;
    imports_refresh(app, q);
    if (load(app, q, start) && q->nav.sel >= (int)q->page.n)
        q->nav.sel = q->page.n ? (int)q->page.n - 1 : 0;
    recount(app, q);
    sync_nav(q);
}

static void
queue_reload(struct app *app, void *state)
{
    struct tui_queue *q = state;
    if (q->refiltered)
        q->nav.sel = 0;
    reload_from(app, q, q->refiltered ? 0 : q->start);
}

/*
 * The screenful that ends just before the cursor `before`, in one query: the
 * rows before it, read backwards, one more than a screen.  When there are
 * that many, the first is the row just before the screen (the cursor of a
 * forward page over the same rows) and the rest are the screen; when there
 * are fewer, they begin at the top.  Rows follow the screen unless it ends
 * at the end (`before` is INT64_MAX).
 */
static bool
load_before(struct app *app, struct tui_queue *q, int64_t before)
{
    size_t n = screenful(q);
    enum cr_status st =
        !q->mine ? cr_list_page_before(app->db, &q->filter, before, n + 1, &q->page)
        : narrowed(q)
            ? cr_list_mine_filter_page_before(app->db, &q->filter, before, n + 1, &q->page)
            : cr_list_landing_page_before(app->db, before, n + 1, &q->page);
    if (st != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return false;
    }
    q->start = 0;
    if (q->page.n == n + 1) {
        q->start = row_cursor(app, q, &q->page.rows[0]);
        cr_page_drop_first(&q->page);
    }
    q->page.more = before != INT64_MAX;
    return true;
}

/* The pager: pages of the queue read by keyset, for the navigation. */

static void
go_next_page(struct app *app, void *ctx)
{
    struct tui_queue *q = ctx;
    if (!q->page.more)
        return;
    int64_t start = row_cursor(app, q, &q->page.rows[q->page.n - 1]);
    /* The position follows the pager: the rows of this page are now before the screen. */
    int64_t offset = q->offset >= 0 ? q->offset + (int64_t)q->page.n : -1;
    q->nav.sel = 0;
    reload_from(app, q, start);
    q->offset = offset;
}

static void
go_prev_page(struct app *app, void *ctx, bool select_last)
{
    struct tui_queue *q = ctx;
    if (!q->start || !q->page.n)
        return;
    int64_t offset = q->offset;
    if (!load_before(app, q, row_cursor(app, q, &q->page.rows[0]))) {
        sync_nav(q);
        return;
    }
    /* The rows read are before the old screen: as many fewer before this one. */
    q->offset = offset >= (int64_t)q->page.n ? offset - (int64_t)q->page.n : -1;
    if (!q->start) {
        q->offset = 0;
        /*
         * No more than a screen before: that is the top, its first row selected.
         * Fewer rows than a screen leave room for some of the old screen's: read forwards.
         */
        q->nav.sel = 0;
        if (q->page.n < screenful(q))
            reload_from(app, q, 0);
        sync_nav(q);
        return;
    }
    q->nav.sel = select_last ? (int)q->page.n - 1 : 0;
    sync_nav(q);
}

static void
go_first(struct app *app, void *ctx)
{
    struct tui_queue *q = ctx;
    q->nav.sel = 0;
    reload_from(app, q, 0);
}

static void
go_last(struct app *app, void *ctx)
{
    struct tui_queue *q = ctx;
    if (load_before(app, q, INT64_MAX))
        q->nav.sel = q->page.n ? (int)q->page.n - 1 : 0;
    /* The last screen: the count less its rows, when the count is exact. */
    recount(app, q);
    q->offset = !q->start                         ? 0
                : q->count >= 0 && q->count_exact ? q->count - (int64_t)q->page.n
                                                  : -1;
    sync_nav(q);
}

static const struct tui_pager queue_pager = {go_next_page, go_prev_page, go_first, go_last};

/* A state in the narrow column: core's name, shortened where it is too long for it. */
static const char *const short_state[CR_STATE_COUNT] = {
    [CR_STATE_IN_REVIEW] = "review",
    [CR_STATE_AWAITING_APPROVAL] = "approval",
    [CR_STATE_PANEL_REVIEW] = "panel",
};

static void
filter_title(const struct app *app, const struct tui_queue *q, char *out, size_t n)
{
    const struct cr_filter *f = &q->filter;
    const char *view = q->mine ? narrowed(q) || !cr_landing_has_flagged(app->db)
                                     ? "waiting for me"
                                     : "waiting for me, then flagged"
                       /* A login's cases are only the open ones it holds (cr_filter.assignee). */
                       : (f->open || f->assignee) && f->state < 0 ? "open cases"
                                                                  : "all cases";
    size_t used = (size_t)snprintf(out, n, "%s", view);
    if (q->mine && !narrowed(q)) /* what waits for my quality review (qa.c) */
        used += (size_t)snprintf(out + used, n - used, "%s", tui_qa_waiting((struct app *)app));
    /* What waits for me is narrowed by the same filters (cr_list_mine_filter_page). */
    if (f->overdue)
        used += (size_t)snprintf(out + used, n - used, ", overdue");
    if (f->state >= 0)
        used += (size_t)snprintf(out + used, n - used, ", %s", cr_state_name(f->state));
    if (f->outcome >= 0)
        used +=
            (size_t)snprintf(out + used, n - used, ", outcome %s",
                             f->outcome < CR_OUTCOME_COUNT ? cr_outcome_name(f->outcome) : "none");
    if (f->category >= 0)
        used += (size_t)snprintf(out + used, n - used, ", %s", cr_category_name(f->category));
    if (f->search)
        used += (size_t)snprintf(out + used, n - used, ", search \"%s\"", f->search);
    if (f->assignee)
        used += (size_t)snprintf(out + used, n - used, ", held by %s", f->assignee);
    if (f->unit)
        used += (size_t)snprintf(out + used, n - used, ", unit \"%s\"", f->unit);
    /* What waits for me is riskiest first; the rest in the order core lists it. */
    static const char *const order[] = {
        [CR_ORDER_RISKIEST] = ", riskiest first",
        [CR_ORDER_OLDEST] = ", oldest first",
        [CR_ORDER_NEWEST] = ", newest first",
    };
    snprintf(out + used, n - used, "%s", order[q->mine ? CR_ORDER_RISKIEST : cr_list_order(f)]);
}

/* A number as people write it: 1,131. */
static void
grouped(int64_t v, char *out, size_t n)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? 0 : v));
    size_t o = 0;
    for (int i = 0; i < len && o + 1 < n; i++) {
        if (i && (len - i) % 3 == 0 && o + 2 < n)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

/*
 * Where the selected row is in the view: "37 of 412"; "? of 412" when the
 * rows before the screen are not known (after a live change moved the
 * screen's first row, or the last screen of a count that stopped at its
 * cap); "10,000+" when the count stopped there; "none" for no rows.
 */
static void
position_text(const struct tui_queue *q, char *out, size_t n)
{
    char pos[32] = "?", count[32] = "?";
    if (!q->page.n && q->offset <= 0) {
        snprintf(out, n, "none");
        return;
    }
    if (q->offset >= 0)
        grouped(q->offset + q->nav.sel + 1, pos, sizeof pos);
    if (q->count >= 0)
        grouped(q->count, count, sizeof count);
    snprintf(out, n, "%s of %s%s", pos, count, q->count >= 0 && !q->count_exact ? "+" : "");
}

/* A case's categories by core's short names, in core's order: "DV", "DV+SO". */
static void
categories_cell(unsigned categories, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (int c = 0; c < CR_CATEGORY_COUNT && used < n; c++)
        if (categories & (1u << c))
            used += (size_t)snprintf(out + used, n - used, "%s%s", used ? "+" : "",
                                     cr_category_short(c));
}

/*
 * Column widths: fixed ones, and what is left for the subject (and the
 * unit).  At 80 columns the lower-value ones (rank, unit, allegations) are
 * dropped (width 0); from about 100 every column shows.  PANEL (the
 * panel's progress, "1/2 +ind") shows where it fits once those have their
 * room (from 109 columns; from 81 to 99, where they are dropped, alone);
 * where it does not, a case with the panel shows its progress in WHO
 * instead of its assignee (the reviewer, whom it no longer waits for), and
 * NO QUORUM stays.
 */
struct layout {
    int id, state, wait, age, subject, outcome, cat, rank, unit, n, panel, who;
};

static struct layout
layout_for(int cols, int64_t max_id)
{
    struct layout l = {5, 8, 5, 5, 20, 8, 5, 11, 12, 2, 8, 9};
    /* Room for the largest case number on screen and the selection mark. */
    for (int64_t v = max_id / 10000; v > 0; v /= 10)
        l.id++;
    int base = l.id + l.state + l.wait + l.age + l.outcome + l.cat + l.who + 7;
    int wide = l.rank + l.unit + l.n + 3;
    if (cols - base - wide < l.subject)
        l.rank = l.unit = l.n = 0, wide = 0;
    /* The panel's progress after rank, unit and N: in WHO where it does not fit. */
    if (cols - base - wide - (l.panel + 1) < l.subject)
        l.panel = 0;
    else
        base += l.panel + 1;
    int extra = cols - base - wide - l.subject;
    if (extra > 0 && l.unit) {
        /* Half to the subject; the rest to the unit, and past 120 columns some to the rank. */
        int rank = extra > 40 ? (extra - 40) / 4 : 0;
        l.rank += rank;
        extra -= rank;
        l.subject += extra / 2;
        l.unit += extra - extra / 2;
    } else if (extra > 0) {
        l.subject += extra;
    }
    return l;
}

/* Days as the queue shows them: whole days, "0d" for less than one. */
static void
days_cell(int64_t seconds, const char *mark, char *out, size_t n)
{
    snprintf(out, n, "%lldd%s", (long long)(seconds > 0 ? seconds / 86400 : 0), mark);
}

/* A cell of fixed width w at x, right-aligned; returns the next column's x. */
static int
right(int y, int x, int w, const char *cell, int attr)
{
    int cw = tui_width(cell);
    tui_put(stdscr, y, x + (w > cw ? w - cw : 0), cell, w, attr);
    return x + w + 1;
}

static int
left(int y, int x, int w, const char *cell, int attr)
{
    if (!w)
        return x;
    tui_put(stdscr, y, x, cell, w, attr);
    return x + w + 1;
}

/* s + ", N thing(s)" when N is not 0. */
static size_t
count_text(char *out, size_t n, size_t used, int64_t v, const char *one, const char *many)
{
    if (v && used < n)
        used +=
            (size_t)snprintf(out + used, n - used, ", %lld %s", (long long)v, v == 1 ? one : many);
    return used;
}

/*
 * The imports under the admin's landing view: a heading, then each import
 * newest first, in local time, "cadmin  flagged.csv: 1,200 rows, 1,180 new
 * allegations, 640 new cases".
 */
static void
imports_draw(struct app *app, const struct tui_queue *q)
{
    const struct cr_import_runs *r = &q->imports;
    int y = LINES - 1 - q->imports_lines + 1; /* a blank line above the heading */
    char line[1024], total[32];
    grouped(r->total, total, sizeof total);
    if (!r->n)
        snprintf(line, sizeof line, " Imports: none yet");
    else if ((int64_t)r->n < r->total)
        snprintf(line, sizeof line,
                 " Imports, newest first: the last %zu of %s (casereview imports lists them all)",
                 r->n, total);
    else
        snprintf(line, sizeof line, " Imports, newest first (%s in all)", total);
    tui_put(stdscr, y++, 0, line, COLS, tui_attr(app, CR_SLOT_HEADER));
    for (size_t i = 0; i < r->n; i++, y++) {
        const struct cr_import_run *run = &r->runs[i];
        char when[32] = "?", rows[32];
        time_t t = (time_t)run->at;
        struct tm tm;
        if (localtime_r(&t, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
        grouped(run->rows, rows, sizeof rows);
        size_t used = (size_t)snprintf(line, sizeof line, "  %s  %s  %s: %s row%s", when,
                                       run->actor, run->file, rows, run->rows == 1 ? "" : "s");
        used = count_text(line, sizeof line, used, run->new_allegations, "new allegation",
                          "new allegations");
        used = count_text(line, sizeof line, used, run->new_cases, "new case", "new cases");
        used = count_text(line, sizeof line, used, run->updated_subjects, "subject updated",
                          "subjects updated");
        count_text(line, sizeof line, used, run->returned_cases, "case sent back",
                   "cases sent back");
        tui_put(stdscr, y, 0, line, COLS, 0);
    }
}

static void
queue_draw(struct app *app, void *state)
{
    struct tui_queue *q = state;
    char title[512], pos[64], line[1024];
    filter_title(app, q, title, sizeof title);
    position_text(q, pos, sizeof pos);
    tagged_text(q, pos, sizeof pos);
    /* The view's words give way to the position, which always shows. */
    int room = COLS - 10 - tui_width(pos);
    snprintf(line, sizeof line, " Queue: %s", title);
    attron(tui_attr(app, CR_SLOT_TITLE));
    mvhline(0, 0, ' ', COLS);
    int x = tui_put(stdscr, 0, 0, line, room > 8 ? room + 8 : COLS, tui_attr(app, CR_SLOT_TITLE));
    tui_put(stdscr, 0, x + 2, pos, COLS - x - 2, tui_attr(app, CR_SLOT_TITLE));
    attroff(tui_attr(app, CR_SLOT_TITLE));

    int64_t max_id = 0;
    for (size_t i = 0; i < q->page.n; i++)
        if (q->page.rows[i].id > max_id)
            max_id = q->page.rows[i].id;
    struct layout l = layout_for(COLS, max_id);
    /* With cases tagged, the case column has a mark column (*) after the selection's. */
    int tagw = q->n_tags ? 1 : 0;
    l.id += tagw;
    l.subject -= tagw;
    int hx = 0, hattr = tui_attr(app, CR_SLOT_HEADER);
    hx = right(1, hx, l.id, "CASE", hattr);
    hx = left(1, hx, l.state, "STATE", hattr);
    hx = right(1, hx, l.wait, "WAIT", hattr);
    hx = right(1, hx, l.age, "AGE", hattr);
    hx = left(1, hx, l.subject, "SUBJECT", hattr);
    hx = left(1, hx, l.rank, "RANK", hattr);
    hx = left(1, hx, l.unit, "UNIT", hattr);
    hx = left(1, hx, l.cat, "CAT", hattr);
    if (l.n)
        hx = right(1, hx, l.n, "N", hattr);
    hx = left(1, hx, l.outcome, "OUTCOME", hattr);
    hx = left(1, hx, l.panel, "PANEL", hattr);
    tui_put(stdscr, 1, hx, "WHO", COLS - hx, hattr);

    int64_t now = cr_db_now(app->db);
    if (!q->page.n)
        tui_put(stdscr, 3, 2, q->mine ? "Nothing waits for you." : "No cases match.", COLS - 2,
                tui_attr(app, CR_SLOT_DIM));
    for (size_t i = 0; i < q->page.n && (int)i < page_rows(q); i++) {
        const struct cr_case_row *r = &q->page.rows[i];
        int y = 2 + (int)i;
        bool sel = (int)i == q->nav.sel;
        int base = sel ? tui_attr(app, CR_SLOT_SELECTED) : 0;
        if (sel) {
            attron(base);
            mvhline(y, 0, ' ', COLS);
            attroff(base);
        }
        x = 0;
        char cell[64];
        /* The selection shows without colour too; so does a tag. */
        if (tagw)
            snprintf(cell, sizeof cell, "%c%c%*lld", sel ? '>' : ' ',
                     tui_queue_tagged(q, r->id) ? '*' : ' ', l.id - 2, (long long)r->id);
        else
            snprintf(cell, sizeof cell, "%c%*lld", sel ? '>' : ' ', l.id - 1, (long long)r->id);
        x += tui_put(stdscr, y, x, cell, l.id, base) + 1;
        const char *state_name =
            short_state[r->state] ? short_state[r->state] : cr_state_name(r->state);
        tui_put(stdscr, y, x, state_name, l.state,
                base | (sel ? 0 : tui_attr(app, CR_SLOT_STATE_FLAGGED + r->state)));
        x += l.state + 1;
        /*
         * WAIT: the service level's clock, the days in the current state less
         * the time it stood still, the very figure overdue (!) is worked out
         * from; "pause" while a pause runs.  AGE: days since flagged.
         */
        bool late = cr_case_overdue(app->cfg, r, now);
        if (cr_case_paused(r, now))
            snprintf(cell, sizeof cell, "pause");
        else
            days_cell(now - r->state_since - (r->state == CR_STATE_CLOSED ? 0 : r->clock_shift),
                      late ? "!" : "", cell, sizeof cell);
        x = right(y, x, l.wait, cell, base | (late && !sel ? tui_attr(app, CR_SLOT_OVERDUE) : 0));
        days_cell(now - r->created_at, "", cell, sizeof cell);
        x = right(y, x, l.age, cell, base);
        snprintf(line, sizeof line, "%s, %s", r->surname, r->forenames);
        x = left(y, x, l.subject, line, base);
        x = left(y, x, l.rank, r->rank, base);
        x = left(y, x, l.unit, r->unit, base);
        categories_cell(r->categories, cell, sizeof cell);
        x = left(y, x, l.cat, cell, base);
        if (l.n) {
            snprintf(cell, sizeof cell, "%d", r->n_allegations > 99 ? 99 : r->n_allegations);
            x = right(y, x, l.n, cell, base);
        }
        /* The proposed outcome (the current decision's), "+vr" with a vetting review. */
        if (r->outcome >= 0)
            snprintf(cell, sizeof cell, "%s%s", cr_outcome_name(r->outcome),
                     r->vetting_review > 0 ? "+vr" : "");
        else
            snprintf(cell, sizeof cell, "-");
        x = left(y, x, l.outcome, cell, base);
        /* The panel's progress as core gives it to this viewer (blind voting: "?/2"). */
        struct cr_panel_progress progress;
        char panel[32];
        cr_panel_progress(app->db, r, &progress);
        cr_panel_progress_text(&progress, panel, sizeof panel);
        x = left(y, x, l.panel, panel, base);
        tui_put(stdscr, y, x,
                r->quorum_blocked            ? "NO QUORUM"
                : !l.panel && progress.shown ? panel
                : r->assignee                ? r->assignee
                                             : "-",
                COLS - x, base);
    }
    if (q->imports_lines)
        imports_draw(app, q);
}

/* The current case: the selected row. */
static void
queue_current(struct app *app, void *state, struct tui_case_ref *c)
{
    struct tui_queue *q = state;
    (void)app;
    const struct cr_case_row *r =
        q->nav.sel >= 0 && q->nav.sel < (int)q->page.n ? &q->page.rows[q->nav.sel] : NULL;
    *c = (struct tui_case_ref){r ? r->id : 0, r ? r->version : 0, false};
}

static struct tui_nav *
queue_nav(struct app *app, void *state)
{
    struct tui_queue *q = state;
    (void)app;
    sync_nav(q);
    return &q->nav;
}

static void
refilter(struct app *app, struct tui_queue *q)
{
    q->nav.sel = 0;
    reload_from(app, q, 0);
}

static int
cycle(int value, int count)
{
    /* -1 (any), 0 .. count-1, then back to any */
    return value + 1 >= count ? -1 : value + 1;
}

/*
 * The filters and the order: each changes what the queue shows, from the
 * top.  m goes to what waits for me (where the queue starts); the filters
 * leave it for all cases, open ones only unless O shows the closed too.
 */
static bool
queue_filter(struct app *app, void *state, int action)
{
    struct tui_queue *q = state;
    struct cr_filter *f = &q->filter;
    switch (action) {
    case TA_FILTER_MINE:
        /* A reviewer's cases (the dashboard's) are not a filter of what waits for me. */
        q->mine = true;
        f->assignee = NULL;
        break;
    case TA_FILTER_STATE:
        q->mine = false;
        f->state = cycle(f->state, CR_STATE_COUNT);
        break;
    case TA_FILTER_OUTCOME:
        /* Every outcome, then "none" (not decided yet). */
        q->mine = false;
        f->outcome = cycle(f->outcome, CR_OUTCOME_COUNT + 1);
        break;
    case TA_FILTER_CATEGORY:
        q->mine = false;
        f->category = cycle(f->category, CR_CATEGORY_COUNT);
        break;
    case TA_FILTER_CLOSED:
        /* What waits for me is never closed: O shows all cases, the closed too. */
        f->open = q->mine ? 0 : !f->open;
        q->mine = false;
        break;
    case TA_FILTER_CLEAR:
        q->mine = false;
        *f = (struct cr_filter)CR_FILTER_ALL;
        f->open = 1;
        free(q->search);
        q->search = NULL;
        free(q->unit);
        q->unit = NULL;
        break;
    case TA_SORT:
        f->sort = f->sort == CR_SORT_AGE ? CR_SORT_PRIORITY : CR_SORT_AGE;
        break;
    default:
        return false;
    }
    refilter(app, q);
    return true;
}

static void
queue_close(struct app *app, void *state)
{
    struct tui_queue *q = state;
    (void)app;
    cr_page_free(&q->page);
    cr_import_runs_free(&q->imports);
    q->imports_lines = 0;
    free(q->tags);
    q->tags = NULL;
    q->n_tags = q->cap_tags = 0;
    free(q->unit);
    q->unit = NULL;
    q->filter.unit = NULL;
}

/* Tags */

bool
tui_queue_tagged(const struct tui_queue *q, int64_t id)
{
    for (size_t i = 0; i < q->n_tags; i++)
        if (q->tags[i] == id)
            return true;
    return false;
}

void
tui_queue_untag_all(struct tui_queue *q)
{
    q->n_tags = 0;
}

/* Tag case id (when it is not tagged yet); false when out of memory. */
static bool
tag(struct tui_queue *q, int64_t id)
{
    if (tui_queue_tagged(q, id))
        return true;
    if (q->n_tags == q->cap_tags) {
        size_t cap = q->cap_tags ? q->cap_tags * 2 : 64;
        int64_t *t = realloc(q->tags, cap * sizeof *t);
        if (!t)
            return false;
        q->tags = t;
        q->cap_tags = cap;
    }
    q->tags[q->n_tags++] = id;
    return true;
}

static void
untag(struct tui_queue *q, int64_t id)
{
    for (size_t i = 0; i < q->n_tags; i++)
        if (q->tags[i] == id) {
            memmove(q->tags + i, q->tags + i + 1, (q->n_tags - i - 1) * sizeof *q->tags);
            q->n_tags--;
            return;
        }
}

/* The title's figures with the tags: "37 of 412, 3 tagged". */
static void
tagged_text(const struct tui_queue *q, char *out, size_t n)
{
    size_t used = strlen(out);
    if (q->n_tags && used < n)
        snprintf(out + used, n - used, ", %zu tagged", q->n_tags);
}

/* Whether this user may act on a tagged set: tagging is for a bulk assign or a pack (core's rules).
 */
static bool
may_tag(const struct app *app)
{
    return (cr_role_actions(app->db) & (1u << CR_ACTION_ASSIGN)) || cr_pack_visible(app->db);
}

/*
 * t tags the selected case, or untags it, and goes to the next line (as
 * mutt's tag-entry); * tags every case on the screen; C-t clears every
 * tag.  The tags are case numbers: they stay through pages, views and
 * reloads, whatever the queue shows.
 */
static bool
queue_tag(struct app *app, void *state, int action)
{
    struct tui_queue *q = state;
    if (!may_tag(app)) {
        char name[32];
        tui_key_name(app->key, app->key_fn, name, sizeof name);
        tui_message(app, true,
                    "%s: tagging is for assigning the tagged cases at once, and your roles "
                    "do not assign",
                    name);
        return true;
    }
    bool ok = true;
    switch (action) {
    case TA_TAG: {
        int64_t id = app->shared.cur.id;
        if (tui_queue_tagged(q, id))
            untag(q, id);
        else
            ok = tag(q, id);
        if (ok)
            tui_nav_move(app, &q->nav, TA_DOWN);
        break;
    }
    case TA_TAG_SCREEN:
        for (size_t i = 0; i < q->page.n && ok; i++)
            ok = tag(q, q->page.rows[i].id);
        break;
    case TA_UNTAG_ALL:
        if (!q->n_tags) {
            tui_message(app, false, "No case is tagged.");
            return true;
        }
        tui_message(app, false, "%zu %s untagged.", q->n_tags, q->n_tags == 1 ? "case" : "cases");
        tui_queue_untag_all(q);
        break;
    default:
        return false;
    }
    if (!ok)
        tui_message(app, true, "out of memory");
    app->dirty = true;
    return true;
}

/* K: the tagged cases packed for the panel (pack.c: cr_pack), for an admin. */
static bool
queue_pack(struct app *app, void *state, int action)
{
    struct tui_queue *q = state;
    (void)action;
    char name[32];
    tui_key_name(app->key, app->key_fn, name, sizeof name);
    if (!cr_pack_visible(app->db)) {
        tui_message(app, true, "%s: packing cases for the panel is the admin's (a disclosure)",
                    name);
        return true;
    }
    if (!q->n_tags) {
        tui_message(app, true, "%s packs the tagged cases: tag them first (t, *)", name);
        return true;
    }
    void *box =
        pack_screen.open(app, &(struct tui_target){.action = TA_PACK, .from = &queue_screen});
    if (box)
        tui_push(app, &pack_screen, box);
    return true;
}

/*
 * The assign key with cases tagged: the tagged cases all go to one reviewer
 * (the chooser, menu.c: cr_assign_bulk), for a user who may assign; with
 * none tagged, or for anyone else, the selected case as ever.
 */
static bool
queue_key(struct app *app, void *state, int action, wint_t ch)
{
    struct tui_queue *q = state;
    (void)ch;
    if (action != TA_ASSIGN || !q->n_tags || !may_tag(app))
        return false;
    void *chooser =
        bulk_screen.open(app, &(struct tui_target){.action = action, .from = &queue_screen});
    if (chooser)
        tui_push(app, &bulk_screen, chooser);
    return true;
}

/* The queue's actions, in the order its help lists them. */
static const struct tui_function queue_functions[] = {
    {TA_DOWN, NULL, 0},
    {TA_UP, NULL, 0},
    {TA_PAGE_DOWN, NULL, 0},
    {TA_PAGE_UP, NULL, 0},
    {TA_FIRST, NULL, 0},
    {TA_LAST, NULL, 0},
    {TA_OPEN, NULL, TUI_NEED_CASE}, /* the case screen and the search form: the registry's */
    {TA_SEARCH, NULL, 0},
    {TA_FILTER_MINE, queue_filter, 0},
    {TA_FILTER_STATE, queue_filter, 0},
    {TA_FILTER_OUTCOME, queue_filter, 0},
    {TA_FILTER_CATEGORY, queue_filter, 0},
    {TA_FILTER_CLEAR, queue_filter, 0},
    {TA_SORT, queue_filter, 0},
    {TA_FILTER_CLOSED, queue_filter, 0},
    {TA_FILTER_MENU, NULL, 0}, /* the filter menu (menu.c) */
    {TA_JUMP, NULL, 0},        /* the prompt (prompt.c); digits too: queue_unbound */
    {TA_TAG, queue_tag, TUI_NEED_CASE},
    {TA_TAG_SCREEN, queue_tag, 0},
    {TA_UNTAG_ALL, queue_tag, 0},
    {TA_PACK, queue_pack, 0}, /* the pack box (pack.c), for an admin */
    TUI_CORE_FUNCTIONS        /* claim ... recall: the key table's core actions */
    {TA_DASHBOARD, NULL, 0},
    {TA_REFRESH, NULL, 0},
    {TA_SUSPEND, NULL, 0},
    {TA_HELP, NULL, 0},
    {TA_QUIT, NULL, 0},
    {TA_QUIT_ALL, NULL, 0},
    {TA_NONE, NULL, 0},
};

/* A digit typed on the queue (mutt's 123 Enter): the prompt to open a case, with it typed. */
static bool
queue_unbound(struct app *app, void *state, int action, wint_t ch)
{
    (void)state;
    if (action != TA_NONE || ch < '0' || ch > '9')
        return false;
    struct tui_target t = {.c = app->shared.cur};
    return tui_open(app, TA_JUMP, &t);
}

/* The queue's state is the shared model's queue: other screens read it. */
static void *
queue_open(struct app *app, const struct tui_target *t)
{
    struct tui_queue *q = &app->shared.queue;
    (void)t;
    /* The first time: what waits for me, and open cases only in every other view. */
    if (!q->nav.pager) {
        q->mine = true;
        q->filter.open = 1;
    }
    q->nav.pager = &queue_pager;
    q->nav.ctx = q;
    reload_from(app, q, 0);
    return q;
}

/* Step from the case at cursor to the next or previous one of the queue. */
int64_t
tui_queue_step(struct app *app, int64_t case_id, int direction)
{
    const struct tui_queue *q = &app->shared.queue;
    /* Find the case's cursor: it is on the queue's page, or read it. */
    int64_t cursor = 0;
    bool found = false;
    for (size_t i = 0; i < q->page.n; i++) {
        if (q->page.rows[i].id == case_id) {
            cursor = row_cursor(app, q, &q->page.rows[i]);
            found = true;
        }
    }
    if (!found) {
        struct cr_case c;
        if (cr_case_reload_id(app->db, case_id, &c) != CR_OK)
            return 0;
        cursor = row_cursor(app, q, &c.row);
        cr_case_free(&c);
    }
    struct cr_page p = {0};
    enum cr_status st;
    if (direction > 0)
        st = !q->mine      ? cr_list_page(app->db, &q->filter, cursor, 1, &p)
             : narrowed(q) ? cr_list_mine_filter_page(app->db, &q->filter, cursor, 1, &p)
                           : cr_list_landing_page(app->db, cursor, 1, &p);
    else
        st = q->mine && narrowed(q)
                 ? cr_list_mine_filter_page_before(app->db, &q->filter, cursor, 1, &p)
             : q->mine ? cr_list_landing_page_before(app->db, cursor, 1, &p)
                       : cr_list_page_before(app->db, &q->filter, cursor, 1, &p);
    int64_t next = st == CR_OK && p.n ? p.rows[0].id : 0;
    cr_page_free(&p);
    return next;
}

/* What the columns say, under the keys in the help. */
static const char *const queue_notes[] = {
    "Columns:",
    "WAIT  days in this state: SLA clock",
    "      (paused time left out;",
    "      pause: paused now)",
    "!     overdue: WAIT past sla_days",
    "AGE   days since it was flagged",
    "OUTCOME  the decision proposed",
    "      (+vr: with a vetting review)",
    "PANEL concurring votes/needed",
    "      (+ind: an independent member",
    "      still needed; ?/2: blind",
    "      voting, until you vote)",
    "WHO   assignee (NO QUORUM: the",
    "      panel cannot close it;",
    "      narrow: PANEL's progress)",
    NULL,
};

const struct screen_ops queue_screen = {
    .name = "queue",
    .start = true,
    .notes = queue_notes,
    .open = queue_open,
    .functions = queue_functions,
    .draw = queue_draw,
    .nav = queue_nav,
    .current = queue_current,
    .reload = queue_reload,
    .close = queue_close,
    .key = queue_key,
    .unbound = queue_unbound,
    .also = &form_screen,
};
