/*
 * Help: every key of the screen it was opened from, generated from the
 * key table, so it can never disagree with what the keys do.
 */
#include "tui.h"

#include <stdio.h>
#include <string.h>

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
    int y = 2, col = 0, colw = COLS / 2;
    int rows = LINES - 3;
    int count = 0;
    for (const int *a = of->actions; *a != TA_NONE; a++)
        count++;
    for (const char *const *n = of->notes; n && *n; n++)
        count++;
    bool two = count > rows - 1 && COLS >= 80;
    for (const int *a = of->actions; *a != TA_NONE; a++) {
        char keys[64] = "";
        size_t used = 0;
        for (int k = 0; k < TUI_MAX_KEYS && app->keys.keys[*a][k]; k++) {
            char name[32];
            tui_key_name(app->keys.keys[*a][k], app->keys.is_fn[*a][k], name, sizeof name);
            used += (size_t)snprintf(keys + used, sizeof keys - used, "%s%s", k ? " " : "", name);
        }
        snprintf(line, sizeof line, "%-14s %s", keys, tui_action_help(*a));
        if (y >= LINES - 1) {
            if (!two || col)
                break;
            col = colw;
            y = 2;
        }
        tui_put(stdscr, y++, col + 1, line, (two ? colw : COLS) - 2, 0);
    }
    /* Fixed keys the screen documents (a form's editing keys). */
    for (const char *const *n = of->notes; n && *n; n++) {
        if (y >= LINES - 1) {
            if (!two || col)
                break;
            col = colw;
            y = 2;
        }
        tui_put(stdscr, y++, col + 1, *n, (two ? colw : COLS) - 2,
                n == of->notes ? tui_attr(app, CR_SLOT_HEADER) : 0);
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

static void
help_close(struct app *app, void *state)
{
    (void)app;
    (void)state;
}

static const int help_actions[] = {TA_QUIT, TA_NONE};

const struct screen_ops help_screen = {
    "help", help_actions, help_draw, help_key, NULL, help_close, NULL, NULL,
};
