/*
 * Help: every key of the screen it was opened from, generated from the
 * key table, so it can never disagree with what the keys do; of the keys
 * that act on a case, only those of actions this person's roles may take.
 */
#include "screens.h"
#include "tui.h"

#include <stdio.h>
#include <string.h>

/* One line of the help: an action with its keys, or a fixed line (a header is bold). */
struct help_line {
    int action; /* TA_NONE: text */
    const char *text;
};

/*
 * Whether the help lists an action: not a core action this person's roles
 * may never take (core's rule, cr_role_actions: a panel member sees no
 * claim, decide or assign).  Take next (PICK) is a claim.
 */
static bool
listed(const struct app *app, int action)
{
    int core = tui_action_kind(action) == TK_PICK ? (int)CR_ACTION_CLAIM : tui_action_core(action);
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

static void
help_draw(struct app *app, void *state)
{
    const struct screen_ops *of = state;
    char line[256];
    snprintf(line, sizeof line, " Help: keys of the %s screen", of->name);
    attron(tui_attr(app, CR_SLOT_TITLE));
    mvhline(0, 0, ' ', COLS);
    tui_put(stdscr, 0, 0, line, COLS, tui_attr(app, CR_SLOT_TITLE));
    attroff(tui_attr(app, CR_SLOT_TITLE));
    struct help_line lines[TA_COUNT * 2 + 32];
    size_t count = gather(app, of, lines, sizeof lines / sizeof lines[0]);
    int y = 2, col = 0, colw = COLS / 2;
    int rows = LINES - 3;
    bool two = (int)count > rows && COLS >= 80;
    for (size_t i = 0; i < count; i++) {
        const struct help_line *h = &lines[i];
        int attr = 0;
        if (h->action == TA_NONE) {
            snprintf(line, sizeof line, "%s", h->text);
            attr = h->text[strlen(h->text) - 1] == ':' ? tui_attr(app, CR_SLOT_HEADER) : 0;
        } else {
            char keys[64] = "";
            size_t used = 0;
            for (int k = 0; k < TUI_MAX_KEYS && app->keys.keys[h->action][k]; k++) {
                char name[32];
                tui_key_name(app->keys.keys[h->action][k], app->keys.is_fn[h->action][k], name,
                             sizeof name);
                used +=
                    (size_t)snprintf(keys + used, sizeof keys - used, "%s%s", k ? " " : "", name);
            }
            snprintf(line, sizeof line, "%-14s %s", keys, tui_action_help(h->action));
        }
        if (y >= LINES - 1) {
            if (!two || col)
                break;
            col = colw;
            y = 2;
        }
        tui_put(stdscr, y++, col + 1, line, (two ? colw : COLS) - 2, attr);
    }
}

static bool
help_key(struct app *app, void *state, int action, wint_t ch)
{
    (void)state;
    (void)ch;
    if (action == TA_HELP) {
        tui_pop(app);
        return true;
    }
    return action != TA_QUIT;
}

/* Help on the screen it was opened over: the state is that screen's ops. */
static void *
help_open(struct app *app, const struct tui_target *t)
{
    (void)app;
    return (void *)t->from;
}

static void
help_close(struct app *app, void *state)
{
    (void)app;
    (void)state;
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
