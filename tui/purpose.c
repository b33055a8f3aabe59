/*
 * The session's purpose (DPA 2018 s.62): asked once, before the first
 * screen, when the configuration requires one or lists the allowed ones;
 * every view of the session carries it.  A one-line field with the
 * readline keys of the forms, or a choice of the configured purposes.
 */
#include "screens.h"
#include "textarea.h"
#include "tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct purpose_state {
    struct textarea ta;
    int choice;  /* with audit.purposes: the one highlighted */
    int choices; /* how many there are, with "(no purpose)" when none is required */
};

static void
purpose_draw(struct app *app, void *state)
{
    struct purpose_state *ps = state;
    const struct cr_config *cfg = app->cfg;
    attron(tui_attr(app, CR_SLOT_TITLE));
    mvhline(0, 0, ' ', COLS);
    tui_put(stdscr, 0, 0, " casereview: the purpose of this session", COLS,
            tui_attr(app, CR_SLOT_TITLE));
    attroff(tui_attr(app, CR_SLOT_TITLE));
    tui_put(stdscr, 2, 1, "What you open in this session (cases, histories, the audit log) is",
            COLS - 2, 0);
    tui_put(stdscr, 3, 1,
            "recorded with its purpose (DPA 2018 s.62: why each consultation was "
            "made).",
            COLS - 2, 0);
    int y = 5;
    if (cfg->n_purposes) {
        for (int i = 0; i < ps->choices && y < LINES - 3; i++, y++) {
            char line[256];
            snprintf(line, sizeof line, "%s %d  %s", i == ps->choice ? ">" : " ", i + 1,
                     i < (int)cfg->n_purposes ? cfg->purposes[i] : "(no purpose)");
            int attr = i == ps->choice ? tui_attr(app, CR_SLOT_SELECTED) | (int)A_REVERSE : 0;
            tui_put(stdscr, y, 2, line, COLS - 4, attr);
        }
        tui_put(stdscr, y + 1, 1, "Up/Down or 1-9 to choose, Enter to begin, Esc to leave",
                COLS - 2, tui_attr(app, CR_SLOT_DIM));
        return;
    }
    const char *label = "Purpose: ";
    int x = 1 + (int)strlen(label), width = COLS - x - 2;
    tui_put(stdscr, y, 1, label, COLS - 2, tui_attr(app, CR_SLOT_HEADER));
    /* The text up to the cursor must fit: drop whole characters from the front. */
    size_t from = 0;
    char *head = strndup(ps->ta.text, ps->ta.cursor);
    while (head && from < ps->ta.cursor && tui_width(head + from) >= width) {
        from++;
        while (from < ps->ta.cursor && ((unsigned char)head[from] & 0xc0) == 0x80)
            from++;
    }
    int cx = x + (head ? tui_width(head + from) : 0);
    free(head);
    tui_put(stdscr, y, x, ps->ta.text + from, width, A_UNDERLINE);
    mvchgat(y, cx, 1, A_REVERSE, 0, NULL);
    tui_put(stdscr, y + 2, 1,
            cfg->audit_require_purpose ? "Enter to begin (a purpose is required), Esc to leave"
                                       : "Enter to begin (empty: no purpose), Esc to leave",
            COLS - 2, tui_attr(app, CR_SLOT_DIM));
}

/* Take the purpose and open the queue in place of this screen. */
static void
purpose_accept(struct app *app, struct purpose_state *ps)
{
    const struct cr_config *cfg = app->cfg;
    const char *text = cfg->n_purposes
                           ? (ps->choice < (int)cfg->n_purposes ? cfg->purposes[ps->choice] : "")
                           : ps->ta.text;
    bool blank = true;
    for (const char *p = text; *p; p++)
        blank &= *p == ' ' || *p == '\t';
    if (blank && cfg->audit_require_purpose) {
        tui_message(app, true, "audit.require_purpose: give the purpose of this session");
        return;
    }
    if (cr_db_set_purpose(app->db, text) != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return;
    }
    tui_pop(app);
    app->quit = false;
    if (!tui_start(app, &purpose_screen))
        app->quit = true;
}

static bool
purpose_key(struct app *app, void *state, int action, wint_t ch)
{
    struct purpose_state *ps = state;
    wint_t key = app->key;
    bool fn = app->key_fn;
    (void)ch;
    if (action == TA_QUIT_ALL || action == TA_SUSPEND || (fn && action == TA_HELP) ||
        (fn && key == KEY_RESIZE))
        return false;
    if (action == TA_CANCEL) {
        app->quit = true;
        return true;
    }
    if ((fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'))) {
        purpose_accept(app, ps);
        return true;
    }
    if (app->cfg->n_purposes) {
        if (action == TA_DOWN || action == TA_UP)
            ps->choice = (ps->choice + (action == TA_DOWN ? 1 : -1) + ps->choices) % ps->choices;
        else if (!fn && key >= '1' && key <= '9' && (int)(key - '1') < ps->choices)
            ps->choice = (int)(key - '1');
        return true;
    }
    struct textarea *t = &ps->ta;
    /* The editing keys of a form's line; other keys type, up to 200 bytes. */
    if (!tui_edit_key(t, key, fn) && !fn && key >= ' ' && t->len < 200)
        ta_insert_wc(t, (wchar_t)key);
    return true;
}

static void
purpose_close(struct app *app, void *state)
{
    struct purpose_state *ps = state;
    (void)app;
    ta_free(&ps->ta);
    free(ps);
}

/*
 * Asked once, before the first screen, when the configuration requires a
 * purpose or lists the allowed ones and none was given (--purpose).
 */
static void *
purpose_open(struct app *app, const struct tui_target *t)
{
    const struct cr_config *cfg = app->cfg;
    (void)t;
    if (!(cfg->audit_require_purpose || cfg->n_purposes) || cr_db_purpose(app->db))
        return NULL;
    struct purpose_state *ps = calloc(1, sizeof *ps);
    if (!ps || !ta_init(&ps->ta, NULL, true)) {
        free(ps);
        return NULL;
    }
    ps->choices = (int)cfg->n_purposes + (cfg->audit_require_purpose ? 0 : 1);
    return ps;
}

static const struct tui_function purpose_functions[] = {
    {TA_CANCEL, NULL, 0},
    {TA_QUIT_ALL, NULL, 0},
    {TA_HELP, NULL, TUI_HIDDEN}, /* F1 (? is typed): the help of this screen */
    {TA_NONE, NULL, 0},
};
static const char *const purpose_notes[] = {
    "Enter          begin with this purpose",
    "C-a C-e C-b C-f C-d C-u C-k C-w C-y   edit the line (as in a form)", NULL};

const struct screen_ops purpose_screen = {
    .name = "purpose",
    .start = true,
    .open = purpose_open,
    .functions = purpose_functions,
    .draw = purpose_draw,
    .key = purpose_key,
    .modal = true,
    .close = purpose_close,
    .notes = purpose_notes,
};
