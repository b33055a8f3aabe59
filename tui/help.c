/*
 * Help: every key of the screen it was opened from, generated from the
 * key table, so it can never disagree with what the keys do; of the keys
 * that act on a case, only those of actions this person's roles may take.
 */
#include "screens.h"
#include "tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One line of the help: an action with its keys, or a fixed line (a header is bold). */
struct help_line {
    int action; /* TA_NONE: text */
    const char *text;
};

/*
 * Whether the help lists an action: not a core action this person's roles
 * may never take (core's rule, cr_role_actions: a panel member sees no
 * claim, decide or assign).  Take next (PICK) is a claim; tagging is for
 * a bulk assign, an assign; route (cr_case_route) is for those who may
 * approve.
 */
static bool
listed(const struct app *app, int action)
{
    /* Follow-up and reopen (followup.h): for supervisors and admins, who approve or reconvene. */
    if (action == TA_FOLLOWUP || action == TA_REOPEN)
        return (cr_role_actions(app->db) &
                ((1u << CR_ACTION_APPROVE) | (1u << CR_ACTION_RECONVENE))) != 0;
    if (action == TA_PACK)
        return cr_pack_visible(app->db); /* the admin's (core/pack.c) */
    if ((action == TA_TAG || action == TA_TAG_SCREEN || action == TA_UNTAG_ALL) &&
        cr_pack_visible(app->db))
        return true;                                        /* tagging is for a pack too */
    if (action == TA_QA && (!app->cfg || !app->cfg->qa_on)) /* no qa: in the rules (qa.c) */
        return false;
    int core = tui_action_kind(action) == TK_PICK ? (int)CR_ACTION_CLAIM
               : action == TA_TAG || action == TA_TAG_SCREEN || action == TA_UNTAG_ALL
                   ? (int)CR_ACTION_ASSIGN
               : action == TA_ROUTE ? (int)CR_ACTION_APPROVE
                                    : tui_action_core(action);
    /* Link and unlink: a reviewer, a supervisor or an admin (cr_may_link_id decides). */
    if (action == TA_LINK || action == TA_UNLINK)
        return (cr_role_actions(app->db) & ((1u << CR_ACTION_CLAIM) | (1u << CR_ACTION_APPROVE) |
                                            (1u << CR_ACTION_RECONVENE))) != 0;
    return core < 0 || (cr_role_actions(app->db) & (1u << core));
}

static size_t
gather(const struct app *app, const struct screen_ops *of, struct help_line *out, size_t max)
{
    size_t n = 0;
    for (const struct tui_function *f = of->functions; f->action != TA_NONE && n < max; f++)
        if (!(f->flags & TUI_HIDDEN) && listed(app, f->action))
            out[n++] = (struct help_line){f->action, NULL};
    for (const char *const *t = of->notes; t && *t && n < max; t++)
        out[n++] = (struct help_line){TA_NONE, *t};
    if (of->also && n < max) {
        out[n++] = (struct help_line){TA_NONE, "In a form (F1 there lists its editing keys):"};
        for (const struct tui_function *f = of->also->functions; f->action != TA_NONE && n < max;
             f++)
            if (!(f->flags & TUI_HIDDEN) && f->action != TA_HELP && f->action != TA_QUIT_ALL &&
                listed(app, f->action))
                out[n++] = (struct help_line){f->action, NULL};
    }
    return n;
}

/* The help over a screen: its keys, a page of them at a time. */
struct help {
    const struct screen_ops *of;
    int page;
};

/* Whether line i is a note's continuation (indented): it stays with the line before it. */
static bool
continues(const struct help_line *lines, size_t i)
{
    return lines[i].action == TA_NONE && lines[i].text[0] == ' ';
}

/*
 * Where each column of the help begins: as many lines as a column holds,
 * two columns a page where 80 columns allow, a note never split from its
 * continuation.  *starts gets the first line of each column (and the count
 * after the last); returns the number of columns.
 */
static size_t
columns(const struct help_line *lines, size_t count, int rows, size_t *starts, size_t max)
{
    size_t n = 0, i = 0;
    if (rows < 1)
        rows = 1;
    while (i < count && n + 1 < max) {
        starts[n++] = i;
        size_t end = i + (size_t)rows < count ? i + (size_t)rows : count;
        /* Not inside a note: back to its first line, unless the note fills the column. */
        size_t back = end;
        while (back < count && back > i && continues(lines, back))
            back--;
        i = back > i ? back : end;
    }
    starts[n] = count;
    return n;
}

static void
help_draw(struct app *app, void *state)
{
    struct help *h = state;
    const struct screen_ops *of = h->of;
    char line[256];
    struct help_line lines[TA_COUNT * 2 + 32];
    size_t count = gather(app, of, lines, sizeof lines / sizeof lines[0]);
    int rows = LINES - 3;
    size_t starts[sizeof lines / sizeof lines[0] + 1];
    size_t ncols = columns(lines, count, rows, starts, sizeof starts / sizeof starts[0]);
    int per = COLS >= 80 && ncols > 1 ? 2 : 1;
    int pages = (int)((ncols + (size_t)per - 1) / (size_t)per);
    if (h->page >= pages)
        h->page = pages ? pages - 1 : 0;
    if (pages > 1)
        snprintf(line, sizeof line,
                 " Help: keys of the %s screen (page %d of %d: PgDn, PgUp for the others)",
                 of->name, h->page + 1, pages);
    else
        snprintf(line, sizeof line, " Help: keys of the %s screen", of->name);
    attron(tui_attr(app, CR_SLOT_TITLE));
    mvhline(0, 0, ' ', COLS);
    tui_put(stdscr, 0, 0, line, COLS, tui_attr(app, CR_SLOT_TITLE));
    attroff(tui_attr(app, CR_SLOT_TITLE));
    int colw = per == 2 ? COLS / 2 : COLS;
    for (int c = 0; c < per; c++) {
        size_t col = (size_t)(h->page * per + c);
        if (col >= ncols)
            break;
        int y = 2;
        for (size_t i = starts[col]; i < starts[col + 1]; i++) {
            const struct help_line *hl = &lines[i];
            int attr = 0;
            if (hl->action == TA_NONE) {
                snprintf(line, sizeof line, "%s", hl->text);
                attr = hl->text[strlen(hl->text) - 1] == ':' ? tui_attr(app, CR_SLOT_HEADER) : 0;
            } else {
                char keys[64] = "";
                size_t used = 0;
                for (int k = 0; k < TUI_MAX_KEYS && app->keys.keys[hl->action][k]; k++) {
                    char name[32];
                    tui_key_name(app->keys.keys[hl->action][k], app->keys.is_fn[hl->action][k],
                                 name, sizeof name);
                    used += (size_t)snprintf(keys + used, sizeof keys - used, "%s%s", k ? " " : "",
                                             name);
                }
                snprintf(line, sizeof line, "%-14s %s", keys, tui_action_help(hl->action));
            }
            tui_put(stdscr, y++, c * colw + 1, line, colw - 2, attr);
        }
    }
}

static bool
help_key(struct app *app, void *state, int action, wint_t ch)
{
    struct help *h = state;
    (void)ch;
    if (action == TA_HELP) {
        tui_pop(app);
        return true;
    }
    /* A page of keys after the other; the draw keeps the page within them. */
    if (action == TA_PAGE_DOWN || action == TA_LAST)
        h->page = action == TA_LAST ? 1 << 20 : h->page + 1;
    else if ((action == TA_PAGE_UP || action == TA_FIRST) && h->page > 0)
        h->page = action == TA_FIRST ? 0 : h->page - 1;
    return action != TA_QUIT;
}

/* Help on the screen it was opened over. */
static void *
help_open(struct app *app, const struct tui_target *t)
{
    struct help *h = calloc(1, sizeof *h);
    if (!h) {
        tui_message(app, true, "out of memory");
        return NULL;
    }
    h->of = t->from;
    return h;
}

static void
help_close(struct app *app, void *state)
{
    (void)app;
    free(state);
}

static const struct tui_function help_functions[] = {{TA_QUIT, NULL, 0}, {TA_NONE, NULL, 0}};
static bool
help_opens(int action)
{
    return action == TA_HELP;
}

const struct screen_ops help_screen = {
    .name = "help",
    .opens = help_opens,
    .open = help_open,
    .functions = help_functions,
    .draw = help_draw,
    .key = help_key,
    .close = help_close,
};
