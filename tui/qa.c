/*
 * A quality review (Q on the case): a small box over the case, which is
 * shown blind (case.c opens it with cr_qa_view_id when a decision waits for
 * this user's quality review), with the verdict (agree or disagree: Up and
 * Down) and a line for the reasons (required).  Enter records it
 * (cr_qa_record_id), Esc or C-g leaves it.  Every rule is core's: a refusal
 * shows in the status line, and the box does not open for one who may not.
 */
#include "screens.h"
#include "textarea.h"
#include "tui.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool qa_stale;

/* The longest reasons typed here, in bytes. */
#define QA_REASON_MAX 1000
#define QA_WIDTH 60

struct qa_box {
    struct tui_case_ref c;
    int round;
    int row; /* 0: agree, 1: disagree */
    struct textarea reason;
    const struct screen_ops *under;
    void *under_state;
};

static void
qa_draw(struct app *app, void *state)
{
    struct qa_box *q = state;
    if (q->under)
        q->under->draw(app, q->under_state);
}

static void
qa_overlay(struct app *app, void *state)
{
    struct qa_box *q = state;
    int h = 9, w = QA_WIDTH < COLS ? QA_WIDTH : COLS;
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
    char title[80];
    snprintf(title, sizeof title, " Quality review of case %lld, decision %d ", (long long)q->c.id,
             q->round);
    tui_put(win, 0, 2, title, w - 4, tui_attr(app, CR_SLOT_TITLE));
    static const char *const verdicts[] = {"agree: I would have decided as it did",
                                           "disagree: I would not have"};
    for (int i = 0; i < 2; i++) {
        bool sel = i == q->row;
        char line[80];
        snprintf(line, sizeof line, "%c %s", sel ? '>' : ' ', verdicts[i]);
        int attr = sel ? tui_attr(app, CR_SLOT_SELECTED) : 0;
        if (sel)
            mvwchgat(win, 1 + i, 1, w - 2, (attr_t)attr, 0, NULL);
        tui_put(win, 1 + i, 2, line, w - 4, attr);
    }
    tui_put(win, 4, 2, "Reasons (required):", w - 4, tui_attr(app, CR_SLOT_DIM));
    int room = w - 6;
    const char *tail = q->reason.text;
    while (*tail && tui_width(tail) > room) {
        tail++;
        while (((unsigned char)*tail & 0xC0) == 0x80)
            tail++;
    }
    tui_put(win, 5, 3, tail, room, 0);
    tui_put(win, 6, 2, "Up/Down the verdict, type the reasons", w - 4, tui_attr(app, CR_SLOT_DIM));
    tui_put(win, 7, 2, "Enter record it, Esc leave it", w - 4, tui_attr(app, CR_SLOT_DIM));
    wnoutrefresh(win);
    delwin(win);
}

static void
submit(struct app *app, struct qa_box *q)
{
    struct cr_act_result res;
    bool agree = q->row == 0;
    if (cr_qa_record_id(app->db, q->c.id, agree, q->reason.text, &res) != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return;
    }
    tui_message(app, false, "case %lld: quality review recorded: %s", (long long)res.case_id,
                agree ? "agree" : "disagree");
    qa_stale = true;
    tui_pop(app);
    tui_reload_all(app);
}

static bool
qa_key(struct app *app, void *state, int action, wint_t ch)
{
    struct qa_box *q = state;
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
        submit(app, q);
        return true;
    }
    if (fn && (key == KEY_DOWN || key == KEY_UP)) {
        q->row = 1 - q->row;
        app->dirty = true;
        return true;
    }
    struct textarea *t = &q->reason;
    if (tui_edit_key(t, key, fn) || fn || key < ' ' || key == 127) {
        app->dirty = true;
        return true;
    }
    char mb[MB_LEN_MAX];
    mbstate_t ps = {0};
    size_t w = wcrtomb(mb, (wchar_t)key, &ps);
    if (w != (size_t)-1 && t->len + w <= QA_REASON_MAX)
        ta_insert_wc(t, (wchar_t)key);
    else
        tui_message(app, true, "The reasons hold %d bytes: the rest was not taken.", QA_REASON_MAX);
    app->dirty = true;
    return true;
}

static void
qa_close(struct app *app, void *state)
{
    struct qa_box *q = state;
    (void)app;
    ta_free(&q->reason);
    free(q);
}

/* Over the blind case: only when a decision waits for this user's review (core says why not). */
static void *
qa_open(struct app *app, const struct tui_target *t)
{
    bool yes = false;
    int round = 0;
    if (cr_qa_may_review_id(app->db, t->c.id, &yes, &round) != CR_OK || !yes) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db)); /* core's refusal, in its words */
        return NULL;
    }
    struct qa_box *q = calloc(1, sizeof *q);
    if (!q || !ta_init(&q->reason, NULL, true)) {
        free(q);
        return NULL;
    }
    q->c = t->c;
    q->round = round;
    q->under = t->from;
    q->under_state = app->depth ? app->stack[app->depth - 1].state : NULL;
    return q;
}

static bool
qa_opens(int action)
{
    return action == TA_QA;
}

static const struct tui_function qa_functions[] = {
    {TA_CANCEL, NULL, 0},   {TA_REFRESH, NULL, 0}, {TA_SUSPEND, NULL, 0},
    {TA_QUIT_ALL, NULL, 0}, {TA_NONE, NULL, 0},
};
static const char *const qa_notes[] = {"Up Down        agree or disagree",
                                       "typing         your reasons (required)",
                                       "Enter          record the quality review", NULL};

const struct screen_ops qa_screen = {
    .name = "qa",
    .opens = qa_opens,
    .open = qa_open,
    .functions = qa_functions,
    .draw = qa_draw,
    .key = qa_key,
    .modal = true,
    .overlay = qa_overlay,
    .close = qa_close,
    .notes = qa_notes,
};

/* The landing view's note (queue.c), kept until the data changes or a review is recorded. */
const char *
tui_qa_waiting(struct app *app)
{
    static char text[96];
    static int64_t seen_version = -1;
    static const cr_db *seen_db;
    int64_t version = -1;
    cr_db_data_version(app->db, &version);
    if (!qa_stale && seen_version >= 0 && seen_db == app->db && seen_version == version)
        return text;
    qa_stale = false;
    seen_db = app->db;
    seen_version = version;
    text[0] = '\0';
    struct cr_qa_list l;
    if (cr_qa_waiting(app->db, &l) == CR_OK && l.n) {
        size_t used =
            (size_t)snprintf(text, sizeof text, "; quality review: case%s", l.n == 1 ? "" : "s");
        for (size_t i = 0; i < l.n && used < sizeof text - 16; i++)
            used += (size_t)snprintf(text + used, sizeof text - used, "%s %lld", i ? "," : "",
                                     (long long)l.rows[i].case_id);
        if (used >= sizeof text - 16)
            snprintf(text + used, sizeof text - used, ", ...");
    }
    cr_qa_list_free(&l);
    return text;
}
