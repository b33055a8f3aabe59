/*
 * Linking a reference to the case (L) and removing one (U): a small box
 * over the case, as route's.  L: the kind (Up/Down), the reference, its
 * status (open unless changed) and the reason, Tab going from one field
 * to the next; U: the case's references in force (Up/Down) and the
 * reason.  Enter submits (cr_case_link_id, cr_case_unlink_id, on the
 * version on screen), Esc or C-g leaves it as it was.  Who may is core's
 * (cr_may_link_id, asked before the box opens): a refusal shows in the
 * status line.
 */
#include "screens.h"
#include "textarea.h"
#include "tui.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest text typed in a field here, in bytes. */
#define LINK_TEXT_MAX 500

enum { F_KIND, F_REF, F_STATUS, F_REASON, F_COUNT };

struct link_box {
    struct tui_case_ref c;
    bool unlink;
    int kind;                      /* L: enum cr_link_kind */
    int field;                     /* L: the field typed in (F_*); U: F_REASON */
    struct textarea text[F_COUNT]; /* ref, status, reason (kind unused) */
    struct cr_timeline tl;         /* U: the references to choose from */
    size_t *refs, n_refs;          /* U: indexes into tl.links of the case's */
    int row;
    const struct screen_ops *under;
    void *under_state;
};

static void
link_draw(struct app *app, void *state)
{
    struct link_box *b = state;
    if (b->under)
        b->under->draw(app, b->under_state);
}

#define LINK_WIDTH 60

/* A field's text, its end when longer than room. */
static const char *
tail_of(const char *text, int room)
{
    while (*text && tui_width(text) > room) {
        text++;
        while (((unsigned char)*text & 0xC0) == 0x80)
            text++;
    }
    return text;
}

static void
link_overlay(struct app *app, void *state)
{
    struct link_box *b = state;
    int rows = b->unlink ? (int)b->n_refs : F_COUNT;
    if (rows > LINES - 10)
        rows = LINES - 10;
    if (rows < 1)
        rows = 1;
    int h = rows + (b->unlink ? 7 : 5), w = LINK_WIDTH < COLS ? LINK_WIDTH : COLS;
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
    snprintf(title, sizeof title,
             b->unlink ? " Remove a linked reference of case %lld "
                       : " Link a reference to case %lld ",
             (long long)b->c.id);
    tui_put(win, 0, 2, title, w - 4, tui_attr(app, CR_SLOT_TITLE));
    int room = w - 16;
    if (b->unlink) {
        int first = b->row >= rows ? b->row - rows + 1 : 0;
        for (int i = 0; i < rows && first + i < (int)b->n_refs; i++) {
            const struct cr_link *k = &b->tl.links[b->refs[first + i]];
            bool sel = first + i == b->row;
            char line[160];
            snprintf(line, sizeof line, "%c %-11s %s  %s", sel ? '>' : ' ',
                     cr_link_kind_name(k->kind), k->ref, k->status);
            int attr = sel ? tui_attr(app, CR_SLOT_SELECTED) : 0;
            if (sel)
                mvwchgat(win, 1 + i, 1, w - 2, (attr_t)attr, 0, NULL);
            tui_put(win, 1 + i, 2, line, w - 4, attr);
        }
        tui_put(win, rows + 2, 2, "Reason:", w - 4, tui_attr(app, CR_SLOT_DIM));
        tui_put(win, rows + 3, 3, tail_of(b->text[F_REASON].text, w - 6), w - 6, 0);
        tui_put(win, rows + 4, 2, "Up/Down a reference, type the reason", w - 4,
                tui_attr(app, CR_SLOT_DIM));
        tui_put(win, rows + 5, 2, "Enter remove it, Esc leave it as it was", w - 4,
                tui_attr(app, CR_SLOT_DIM));
    } else {
        static const char *const names[F_COUNT] = {"Kind", "Reference", "Status", "Reason"};
        for (int f = 0; f < F_COUNT; f++) {
            bool sel = f == b->field;
            int attr = sel ? tui_attr(app, CR_SLOT_SELECTED) : 0;
            if (sel)
                mvwchgat(win, 1 + f, 1, w - 2, (attr_t)attr, 0, NULL);
            char label[32];
            snprintf(label, sizeof label, "%c %s", sel ? '>' : ' ', names[f]);
            tui_put(win, 1 + f, 2, label, 12, attr);
            const char *value =
                f == F_KIND ? cr_link_kind_name(b->kind) : tail_of(b->text[f].text, room);
            tui_put(win, 1 + f, 14, value, room, attr);
        }
        tui_put(win, F_COUNT + 1, 2, "Tab next field, Up/Down the kind", w - 4,
                tui_attr(app, CR_SLOT_DIM));
        tui_put(win, F_COUNT + 2, 2, "Enter link it, Esc leave it as it was", w - 4,
                tui_attr(app, CR_SLOT_DIM));
    }
    wnoutrefresh(win);
    delwin(win);
}

/* Enter: core links or removes the reference, or says why not. */
static void
submit(struct app *app, struct link_box *b)
{
    struct cr_act_result res;
    enum cr_status st;
    const char *ref;
    if (b->unlink) {
        ref = b->tl.links[b->refs[b->row]].ref;
        st = cr_case_unlink_id(app->db, b->c.id, ref, b->text[F_REASON].text, b->c.version, &res);
    } else {
        ref = b->text[F_REF].text;
        const char *status = *b->text[F_STATUS].text ? b->text[F_STATUS].text : "open";
        st = cr_case_link_id(app->db, b->c.id, b->kind, ref, status, b->text[F_REASON].text,
                             b->c.version, &res);
    }
    if (st != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return;
    }
    tui_message(app, false, "case %lld: %s %s (version %lld)", (long long)res.case_id,
                b->unlink ? "removed the linked reference" : "linked", ref, (long long)res.version);
    tui_pop(app);
    tui_reload_all(app);
}

static bool
link_key(struct app *app, void *state, int action, wint_t ch)
{
    struct link_box *b = state;
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
    app->dirty = true;
    if ((fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'))) {
        submit(app, b);
        return true;
    }
    if (!b->unlink && (action == TA_NEXT_FIELD || action == TA_PREV_FIELD)) {
        b->field = (b->field + (action == TA_NEXT_FIELD ? 1 : F_COUNT - 1)) % F_COUNT;
        return true;
    }
    if (fn && (key == KEY_DOWN || key == KEY_UP)) {
        int d = key == KEY_DOWN ? 1 : -1;
        if (b->unlink)
            b->row = (b->row + d + (int)b->n_refs) % (int)b->n_refs;
        else if (b->field == F_KIND)
            b->kind = (b->kind + d + CR_LINK_COUNT) % CR_LINK_COUNT;
        else
            b->field = (b->field + d + F_COUNT) % F_COUNT;
        return true;
    }
    if (!b->unlink && b->field == F_KIND)
        return true; /* the kind is chosen, not typed */
    struct textarea *t = &b->text[b->field];
    if (tui_edit_key(t, key, fn) || fn || key < ' ' || key == 127)
        return true;
    char mb[MB_LEN_MAX];
    mbstate_t ps = {0};
    size_t w = wcrtomb(mb, (wchar_t)key, &ps);
    if (w != (size_t)-1 && t->len + w <= LINK_TEXT_MAX)
        ta_insert_wc(t, (wchar_t)key);
    else
        tui_message(app, true, "A field holds %d bytes: the rest was not taken.", LINK_TEXT_MAX);
    return true;
}

static void
link_close(struct app *app, void *state)
{
    struct link_box *b = state;
    (void)app;
    for (int f = 0; f < F_COUNT; f++)
        ta_free(&b->text[f]);
    cr_timeline_free(&b->tl);
    free(b->refs);
    free(b);
}

static void *
link_open(struct app *app, const struct tui_target *t)
{
    if (cr_may_link_id(app->db, t->c.id) != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return NULL;
    }
    struct link_box *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    bool ok = true;
    for (int f = 0; f < F_COUNT; f++)
        ok &= ta_init(&b->text[f], NULL, true);
    b->unlink = t->action == TA_UNLINK;
    b->c = t->c;
    b->field = b->unlink ? F_REASON : F_REF;
    b->under = t->from;
    b->under_state = app->depth ? app->stack[app->depth - 1].state : NULL;
    if (ok && !b->unlink)
        ta_insert_wc(&b->text[F_STATUS], L'o'), ta_insert_wc(&b->text[F_STATUS], L'p'),
            ta_insert_wc(&b->text[F_STATUS], L'e'), ta_insert_wc(&b->text[F_STATUS], L'n');
    if (ok && b->unlink) {
        ok = cr_case_timeline_id(app->db, t->c.id, &b->tl) == CR_OK &&
             (b->refs = calloc(b->tl.n_links + 1, sizeof *b->refs)) != NULL;
        for (size_t i = 0; ok && i < b->tl.n_links; i++)
            if (b->tl.links[i].case_id == t->c.id)
                b->refs[b->n_refs++] = i;
        if (ok && !b->n_refs) {
            tui_message(app, true, "case %lld has no linked reference to remove",
                        (long long)t->c.id);
            ok = false;
        } else if (!ok) {
            tui_message(app, true, "%s", cr_db_errmsg(app->db));
        }
    }
    if (!ok) {
        link_close(app, b);
        return NULL;
    }
    return b;
}

static bool
link_opens(int action)
{
    return action == TA_LINK || action == TA_UNLINK;
}

static const struct tui_function link_functions[] = {
    {TA_NEXT_FIELD, NULL, 0}, {TA_PREV_FIELD, NULL, 0}, {TA_CANCEL, NULL, 0}, {TA_REFRESH, NULL, 0},
    {TA_SUSPEND, NULL, 0},    {TA_QUIT_ALL, NULL, 0},   {TA_NONE, NULL, 0},
};
static const char *const link_notes[] = {"Tab            the next field (L)",
                                         "Up Down        the kind (L), a reference (U)",
                                         "typing         the reference, status, reason",
                                         "Enter          link it (L), remove it (U)", NULL};

const struct screen_ops link_screen = {
    .name = "link",
    .opens = link_opens,
    .open = link_open,
    .functions = link_functions,
    .draw = link_draw,
    .key = link_key,
    .modal = true,
    .overlay = link_overlay,
    .close = link_close,
    .notes = link_notes,
};
