/*
 * The panel's bundle from the queue (K with cases tagged): a small box over
 * the queue asking the reason, the recipient, the redaction and the
 * directory, then core packs the tagged cases (cr_pack: every rule, the
 * files and the disclosure event are core's) and the status line says what
 * was written, in core's words (cr_pack_describe), as the command line
 * prints them; a refusal shows there too and the box stays.  Tab, Up and
 * Down go from field to field; typing writes the field (the readline keys
 * of a form's field); Space, Left and Right change the redaction; Enter
 * packs; Esc or C-g leaves it.
 */
#include "screens.h"
#include "textarea.h"
#include "tui.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest text typed in a field, in bytes. */
#define PACK_FIELD_MAX 500

enum { F_REASON, F_RECIPIENT, F_REDACT, F_DIR, F_COUNT };

static const char *const field_names[F_COUNT] = {"Reason", "Recipient", "Redact", "Directory"};
/* The redactions, in the order Space goes through them (CR_PACK_REDACT_* bits). */
static const char *const redactions[] = {"none", "names", "summaries", "names and summaries"};

struct pack {
    struct textarea text[F_COUNT]; /* F_REDACT's is unused */
    unsigned redact;
    int field;
    const struct screen_ops *under;
    void *under_state;
};

static void
pack_draw(struct app *app, void *state)
{
    struct pack *p = state;
    if (p->under)
        p->under->draw(app, p->under_state);
}

#define PACK_WIDTH 64

/* The end of s that fits in room cells (the cursor's side of a long field). */
static const char *
tail_of(const char *s, int room)
{
    while (*s && tui_width(s) > room) {
        s++;
        while (((unsigned char)*s & 0xC0) == 0x80)
            s++;
    }
    return s;
}

static void
pack_overlay(struct app *app, void *state)
{
    struct pack *p = state;
    int h = F_COUNT + 6, w = PACK_WIDTH < COLS ? PACK_WIDTH : COLS;
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
    size_t n = app->shared.queue.n_tags;
    char title[80];
    snprintf(title, sizeof title, " Pack the %zu tagged %s for the panel ", n,
             n == 1 ? "case" : "cases");
    tui_put(win, 0, 2, title, w - 4, tui_attr(app, CR_SLOT_TITLE));
    for (int f = 0; f < F_COUNT; f++) {
        bool sel = f == p->field;
        int attr = sel ? tui_attr(app, CR_SLOT_SELECTED) : 0;
        char label[32];
        snprintf(label, sizeof label, "%c %-10s", sel ? '>' : ' ', field_names[f]);
        if (sel)
            mvwchgat(win, 1 + f, 1, w - 2, (attr_t)attr, 0, NULL);
        tui_put(win, 1 + f, 2, label, 12, attr);
        const char *value = f == F_REDACT ? redactions[p->redact] : p->text[f].text;
        tui_put(win, 1 + f, 15, tail_of(value, w - 17), w - 17, attr);
    }
    tui_put(win, F_COUNT + 2, 2, "Tab/Up/Down a field, type it; Space changes Redact", w - 4,
            tui_attr(app, CR_SLOT_DIM));
    tui_put(win, F_COUNT + 3, 2, "Enter packs (a disclosure, audited), Esc leaves", w - 4,
            tui_attr(app, CR_SLOT_DIM));
    tui_put(win, F_COUNT + 4, 2, "The directory must be new or empty; files are 0600", w - 4,
            tui_attr(app, CR_SLOT_DIM));
    wnoutrefresh(win);
    delwin(win);
}

/* Enter: core packs the tagged cases, or says why not (the box stays). */
static void
submit(struct app *app, struct pack *p)
{
    struct tui_queue *q = &app->shared.queue;
    const struct cr_pack_request req = {
        .cases = q->tags,
        .n_cases = q->n_tags,
        .state = -1,
        .reason = p->text[F_REASON].text,
        .recipient = p->text[F_RECIPIENT].text,
        .redact = p->redact,
        .dir = p->text[F_DIR].text,
    };
    struct cr_pack_result r;
    if (cr_pack(app->db, &req, &r) != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        cr_pack_result_free(&r);
        return;
    }
    char *said = cr_pack_describe(&req, &r);
    cr_pack_result_free(&r);
    tui_message(app, false, "%s", said ? said : "packed; recorded in the audit trail");
    free(said);
    tui_pop(app); /* p is freed here */
    tui_queue_untag_all(q);
    tui_reload_all(app);
}

static bool
pack_key(struct app *app, void *state, int action, wint_t ch)
{
    struct pack *p = state;
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
        submit(app, p);
        return true;
    }
    app->dirty = true;
    if ((fn && (key == KEY_DOWN || key == KEY_BTAB || key == KEY_UP)) || (!fn && key == '\t')) {
        int step = fn && key != KEY_DOWN ? -1 : 1;
        p->field = (p->field + step + F_COUNT) % F_COUNT;
        return true;
    }
    if (p->field == F_REDACT) {
        if ((!fn && key == ' ') || (fn && key == KEY_RIGHT))
            p->redact = (p->redact + 1) % 4;
        else if (fn && key == KEY_LEFT)
            p->redact = (p->redact + 3) % 4;
        return true;
    }
    struct textarea *t = &p->text[p->field];
    if (tui_edit_key(t, key, fn) || fn || key < ' ' || key == 127)
        return true;
    char mb[MB_LEN_MAX];
    mbstate_t ps = {0};
    size_t w = wcrtomb(mb, (wchar_t)key, &ps);
    if (w != (size_t)-1 && t->len + w <= PACK_FIELD_MAX)
        ta_insert_wc(t, (wchar_t)key);
    else
        tui_message(app, true, "A field holds %d bytes: the rest was not taken.", PACK_FIELD_MAX);
    return true;
}

static void
pack_close(struct app *app, void *state)
{
    struct pack *p = state;
    (void)app;
    for (int f = 0; f < F_COUNT; f++)
        ta_free(&p->text[f]);
    free(p);
}

static void *
pack_open(struct app *app, const struct tui_target *t)
{
    struct pack *p = calloc(1, sizeof *p);
    bool ok = p != NULL;
    for (int f = 0; ok && f < F_COUNT; f++)
        ok = ta_init(&p->text[f], NULL, true);
    if (!ok) {
        if (p)
            pack_close(app, p);
        tui_message(app, true, "out of memory");
        return NULL;
    }
    p->under = t->from;
    p->under_state = app->depth ? app->stack[app->depth - 1].state : NULL;
    return p;
}

static const struct tui_function pack_functions[] = {
    {TA_CANCEL, NULL, 0},   {TA_REFRESH, NULL, 0}, {TA_SUSPEND, NULL, 0},
    {TA_QUIT_ALL, NULL, 0}, {TA_NONE, NULL, 0},
};
static const char *const pack_notes[] = {
    "Tab Up Down    the next or previous field", "typing         the reason, recipient, directory",
    "Space          the next redaction", "Enter          pack the tagged cases", NULL};

const struct screen_ops pack_screen = {
    .name = "pack",
    .open = pack_open,
    .functions = pack_functions,
    .draw = pack_draw,
    .key = pack_key,
    .modal = true,
    .overlay = pack_overlay,
    .close = pack_close,
    .notes = pack_notes,
};
