/*
 * Routing a decision awaiting approval to a supervisor (F on the case): a
 * small box over the case listing the supervisors core says it may go to
 * (cr_route_candidates_id: on the roster, free of a conflict with the case,
 * neither its decider nor barred from approving it), each with their name,
 * and a line for the reason (optional).  Up and Down choose the supervisor,
 * typing writes the reason (the readline keys of a form's field), Enter
 * routes it (cr_case_route_id, on the version on screen), Esc or C-g leaves
 * it as it was.  Every rule is core's: a refusal shows in the status line.
 */
#include "notify.h"
#include "screens.h"
#include "textarea.h"
#include "tui.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest reason typed here, in bytes: the audit trail's, not an essay. */
#define ROUTE_REASON_MAX 500

struct route {
    struct tui_case_ref c;
    const char **who; /* the roster's logins (core's array) */
    size_t n;
    int row;
    struct textarea reason;
    const struct screen_ops *under;
    void *under_state;
};

static void
route_draw(struct app *app, void *state)
{
    struct route *r = state;
    if (r->under)
        r->under->draw(app, r->under_state);
}

#define ROUTE_WIDTH 56

/* The box over the case. */
static void
route_overlay(struct app *app, void *state)
{
    struct route *r = state;
    int shown = (int)r->n < LINES - 10 ? (int)r->n : LINES - 10;
    if (shown < 1)
        shown = 1;
    int h = shown + 7, w = ROUTE_WIDTH < COLS ? ROUTE_WIDTH : COLS;
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
    char title[64];
    snprintf(title, sizeof title, " Route case %lld for approval to ", (long long)r->c.id);
    tui_put(win, 0, 2, title, w - 4, tui_attr(app, CR_SLOT_TITLE));
    /* The rows about the chosen one, when more than fit. */
    int first = r->row >= shown ? r->row - shown + 1 : 0;
    for (int i = 0; i < shown && first + i < (int)r->n; i++) {
        int k = first + i;
        const struct cr_person *p = cr_config_person(app->cfg, r->who[k]);
        char line[160];
        bool sel = k == r->row;
        snprintf(line, sizeof line, "%c %-10s %s", sel ? '>' : ' ', r->who[k],
                 p && p->name ? p->name : "");
        int attr = sel ? tui_attr(app, CR_SLOT_SELECTED) : 0;
        if (sel)
            mvwchgat(win, 1 + i, 1, w - 2, (attr_t)attr, 0, NULL);
        tui_put(win, 1 + i, 2, line, w - 4, attr);
    }
    tui_put(win, shown + 2, 2, "Reason (optional):", w - 4, tui_attr(app, CR_SLOT_DIM));
    /* The reason's end, where it is longer than the line. */
    int room = w - 6;
    const char *tail = r->reason.text;
    while (*tail && tui_width(tail) > room) {
        tail++;
        while (((unsigned char)*tail & 0xC0) == 0x80)
            tail++;
    }
    tui_put(win, shown + 3, 3, tail, room, 0);
    tui_put(win, shown + 4, 2, "Up/Down a supervisor, type the reason", w - 4,
            tui_attr(app, CR_SLOT_DIM));
    tui_put(win, shown + 5, 2, "Enter route, Esc leave it as it was", w - 4,
            tui_attr(app, CR_SLOT_DIM));
    wnoutrefresh(win);
    delwin(win);
}

/* Enter: core routes the case, or says why not. */
static void
submit(struct app *app, struct route *r)
{
    struct cr_act_result res;
    const char *to = r->who[r->row];
    if (cr_case_route_id(app->db, r->c.id, to, r->reason.text, r->c.version, &res) != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return;
    }
    char why[200];
    bool failed = tui_notify(app->db, app->cfg, why, sizeof why) != 0;
    tui_message(app, failed, "case %lld: routed to %s for approval; it now waits for them%s%s",
                (long long)res.case_id, to, failed ? "; the notify command " : "",
                failed ? why : "");
    tui_pop(app);
    tui_reload_all(app);
}

static bool
route_key(struct app *app, void *state, int action, wint_t ch)
{
    struct route *r = state;
    wint_t key = app->key;
    bool fn = app->key_fn;
    (void)ch;
    if (action == TA_SUSPEND || action == TA_REFRESH || (fn && key == KEY_RESIZE))
        return false;
    if (action == TA_QUIT_ALL) {
        app->quit = true;
        return true;
    }
    if (action == TA_CANCEL) {
        tui_pop(app);
        return true;
    }
    if ((fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'))) {
        submit(app, r);
        return true;
    }
    if (fn && (key == KEY_DOWN || key == KEY_UP)) {
        int n = (int)r->n;
        r->row = (r->row + (key == KEY_DOWN ? 1 : -1) + n) % n;
        app->dirty = true;
        return true;
    }
    struct textarea *t = &r->reason;
    if (tui_edit_key(t, key, fn) || fn || key < ' ' || key == 127) {
        app->dirty = true;
        return true;
    }
    char mb[MB_LEN_MAX];
    mbstate_t ps = {0};
    size_t w = wcrtomb(mb, (wchar_t)key, &ps);
    if (w != (size_t)-1 && t->len + w <= ROUTE_REASON_MAX)
        ta_insert_wc(t, (wchar_t)key);
    else
        tui_message(app, true, "The reason holds %d bytes: the rest was not taken.",
                    ROUTE_REASON_MAX);
    app->dirty = true;
    return true;
}

static void
route_close(struct app *app, void *state)
{
    struct route *r = state;
    (void)app;
    free(r->who);
    ta_free(&r->reason);
    free(r);
}

/* Over the case: the supervisors it may go to, or core's refusal in the status line. */
static void *
route_open(struct app *app, const struct tui_target *t)
{
    const char **who = NULL;
    size_t n = 0;
    if (cr_route_candidates_id(app->db, t->c.id, &who, &n) != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        free(who);
        return NULL;
    }
    if (!n) {
        tui_message(app, true,
                    "no supervisor may approve case %lld but the one it waits for: not its "
                    "decider, not conflicted",
                    (long long)t->c.id);
        free(who);
        return NULL;
    }
    struct route *r = calloc(1, sizeof *r);
    if (!r || !ta_init(&r->reason, NULL, true)) {
        free(r);
        free(who);
        return NULL;
    }
    r->c = t->c;
    r->who = who;
    r->n = n;
    r->under = t->from;
    r->under_state = app->depth ? app->stack[app->depth - 1].state : NULL;
    return r;
}

static bool
route_opens(int action)
{
    return action == TA_ROUTE;
}

static const struct tui_function route_functions[] = {
    {TA_CANCEL, NULL, 0},   {TA_REFRESH, NULL, 0}, {TA_SUSPEND, NULL, 0},
    {TA_QUIT_ALL, NULL, 0}, {TA_NONE, NULL, 0},
};
static const char *const route_notes[] = {"Up Down        choose the supervisor",
                                          "typing         the reason (optional)",
                                          "Enter          route the case to them", NULL};

const struct screen_ops route_screen = {
    .name = "route",
    .opens = route_opens,
    .open = route_open,
    .functions = route_functions,
    .draw = route_draw,
    .key = route_key,
    .modal = true,
    .overlay = route_overlay,
    .close = route_close,
    .notes = route_notes,
};
