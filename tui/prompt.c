/*
 * The one-line prompt at the bottom of the screen, in the manner of mutt's
 * limit and goto: the screen it opens over stays drawn above it.
 *
 *   /      the queue's limit: the search words, starting with the current
 *          ones and the cursor at their end.  Enter applies them and keeps
 *          the view ("waiting for me" or the filters) and the sort; an empty
 *          line clears the limit.
 *   :      open a case by its number or its subject's reference (the
 *          subject's open case, or its latest), as `show` names one: core
 *          reads it, with its rules (need-to-know, conflicts) and its
 *          refusal in the status line; typing a digit on the queue opens it
 *          with that digit.
 *
 * The line edits with the readline keys of a form's field (tui_edit_key:
 * C-a C-e C-b C-f C-d C-u C-k C-w C-y, the arrows, Home, End, Backspace);
 * Esc or C-g leaves it and changes nothing.
 */
#include "screens.h"
#include "textarea.h"
#include "tui.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The longest line the prompt takes, in bytes. */
#define PROMPT_MAX 200

struct prompt {
    int action; /* TA_SEARCH or TA_JUMP */
    struct textarea ta;
    const struct screen_ops *under; /* the screen it opened over, drawn above it */
    void *under_state;
};

static const char *
prompt_label(const struct prompt *p)
{
    return p->action == TA_SEARCH ? "Limit to (search words): " : "Open case (number or ref): ";
}

/* The screen under the prompt, as it is; the prompt is drawn over its last line. */
static void
prompt_draw(struct app *app, void *state)
{
    struct prompt *p = state;
    if (p->under)
        p->under->draw(app, p->under_state);
}

/* The prompt's line, over the status line (the driver draws that after the screen). */
static void
prompt_overlay(struct app *app, void *state)
{
    struct prompt *p = state;
    WINDOW *w = newwin(1, COLS, LINES - 1, 0);
    if (!w)
        return;
    const char *label = prompt_label(p);
    int x = tui_put(w, 0, 0, label, COLS, tui_attr(app, CR_SLOT_HEADER));
    int width = COLS - x - 1;
    /* The text up to the cursor must fit: drop whole characters from the front. */
    size_t from = 0;
    char *head = strndup(p->ta.text, p->ta.cursor);
    while (head && from < p->ta.cursor && tui_width(head + from) >= width) {
        from++;
        while (from < p->ta.cursor && ((unsigned char)head[from] & 0xc0) == 0x80)
            from++;
    }
    int cx = x + (head ? tui_width(head + from) : 0);
    free(head);
    tui_put(w, 0, x, p->ta.text + from, width, 0);
    /* The cursor shows without colour too: the cell under it reversed. */
    mvwchgat(w, 0, cx, 1, A_REVERSE, 0, NULL);
    wnoutrefresh(w);
    delwin(w);
    /* A message of the prompt's own (text refused) shows above it, the status line being under it.
     */
    WINDOW *m = app->status && LINES > 1 ? newwin(1, COLS, LINES - 2, 0) : NULL;
    if (m) {
        tui_put(m, 0, 0, app->status, COLS,
                tui_attr(app, app->status_error ? CR_SLOT_ERROR : CR_SLOT_MESSAGE));
        wnoutrefresh(m);
        delwin(m);
    }
}

/* Enter with the limit's words: the queue keeps its view and its sort, from its top. */
static void
apply_search(struct app *app, const char *words)
{
    struct tui_queue *q = &app->shared.queue;
    bool blank = true;
    for (const char *c = words; *c; c++)
        blank &= *c == ' ' || *c == '\t';
    char *copy = blank ? NULL : strdup(words);
    if (!blank && !copy) {
        tui_message(app, true, "out of memory");
        return;
    }
    free(q->search);
    q->search = copy;
    q->filter.search = q->search;
    q->refiltered = true;
    tui_pop(app);
    tui_reload_all(app);
    if (!copy)
        tui_message(app, false, "limit cleared");
}

/*
 * Enter with a case's number or subject reference: core reads it (the
 * audited view, with its rules and its refusal), and the case screen
 * opens on it, in place of a case screen the prompt was over.
 */
static void
jump(struct app *app, const char *text)
{
    /* The key as the command line's: words around it are no part of it. */
    char *key = strdup(text + strspn(text, " \t"));
    if (!key) {
        tui_pop(app);
        tui_message(app, true, "out of memory");
        return;
    }
    for (size_t n = strlen(key); n && (key[n - 1] == ' ' || key[n - 1] == '\t'); n--)
        key[n - 1] = '\0';
    if (!key[0]) {
        free(key);
        tui_pop(app);
        return;
    }
    /* A decision waiting for my quality review: the case screen opens it blind (qa.c). */
    int64_t blind = 0;
    if (cr_qa_blind_case(app->db, key, &blind) == CR_OK && blind) {
        free(key);
        struct tui_target b = {.c = {blind, 0, false}};
        tui_pop(app);
        if (app->depth && app->stack[app->depth - 1].ops == &case_screen)
            tui_pop(app);
        tui_open(app, TA_OPEN, &b);
        return;
    }
    struct cr_case c;
    enum cr_status st = cr_case_view(app->db, key, &c);
    if (st != CR_OK) {
        /* Core's refusal, as the command line's, in the status line where the prompt was. */
        tui_pop(app);
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        free(key);
        return;
    }
    free(key);
    struct tui_target t = {.c = {c.row.id, c.version, true}};
    cr_case_free(&c);
    tui_pop(app);
    if (app->depth && app->stack[app->depth - 1].ops == &case_screen)
        tui_pop(app);
    tui_open(app, TA_OPEN, &t);
}

static void
too_long(struct app *app)
{
    tui_message(app, true, "The line holds %d bytes: the rest was not taken.", PROMPT_MAX);
}

static bool
prompt_key(struct app *app, void *state, int action, wint_t ch)
{
    struct prompt *p = state;
    wint_t key = app->key;
    bool fn = app->key_fn;
    (void)ch;
    if (action == TA_SUSPEND || action == TA_REFRESH || (fn && key == KEY_RESIZE))
        return false;
    /* C-c leaves casereview: the words are no record, nothing to ask. */
    if (action == TA_QUIT_ALL) {
        app->quit = true;
        return true;
    }
    if (action == TA_CANCEL) {
        tui_pop(app);
        return true;
    }
    if ((fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'))) {
        if (p->action == TA_SEARCH)
            apply_search(app, p->ta.text);
        else
            jump(app, p->ta.text);
        return true;
    }
    /*
     * The editing keys of a form's line; other keys type, up to PROMPT_MAX
     * bytes: a character past it is refused, said so, never cut.
     */
    struct textarea *t = &p->ta;
    if (tui_edit_key(t, key, fn) || fn || key < ' ' || key == 127)
        return true;
    char mb[MB_LEN_MAX];
    mbstate_t ps = {0};
    size_t w = wcrtomb(mb, (wchar_t)key, &ps);
    if (w != (size_t)-1 && t->len + w <= PROMPT_MAX)
        ta_insert_wc(t, (wchar_t)key);
    else
        too_long(app);
    return true;
}

/* Text pasted: whole characters up to PROMPT_MAX bytes; what does not fit is refused, said so. */
static bool
prompt_paste(struct app *app, void *state, const char *text, size_t n)
{
    struct prompt *p = state;
    size_t room = PROMPT_MAX > p->ta.len ? PROMPT_MAX - p->ta.len : 0;
    if (n > room) {
        n = room;
        /* Not inside a character: back to the start of the one the cut falls in. */
        while (n && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
        too_long(app);
    }
    ta_insert(&p->ta, text, n);
    return true;
}

static void
prompt_close(struct app *app, void *state)
{
    struct prompt *p = state;
    (void)app;
    ta_free(&p->ta);
    free(p);
}

/*
 * `/` over the queue: its search words; `:` (or a digit typed on the
 * queue, app->key) over the queue or a case: a case to open.
 */
static void *
prompt_open(struct app *app, const struct tui_target *t)
{
    struct prompt *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->action = t->action;
    p->under = t->from;
    p->under_state = app->depth ? app->stack[app->depth - 1].state : NULL;
    const char *start = NULL;
    char digit[2] = "";
    if (t->action == TA_SEARCH)
        start = app->shared.queue.search;
    else if (!app->key_fn && app->key >= '0' && app->key <= '9')
        digit[0] = (char)app->key, start = digit;
    if (!ta_init(&p->ta, start, true)) {
        free(p);
        return NULL;
    }
    ta_line_end(&p->ta);
    return p;
}

static bool
prompt_opens(int action)
{
    return action == TA_SEARCH || action == TA_JUMP;
}

/* Enter, Esc and the editing keys are the prompt's own (prompt_key); these for the help. */
static const struct tui_function prompt_functions[] = {
    {TA_CANCEL, NULL, 0},   {TA_REFRESH, NULL, 0}, {TA_SUSPEND, NULL, 0},
    {TA_QUIT_ALL, NULL, 0}, {TA_NONE, NULL, 0},
};
static const char *const prompt_notes[] = {
    "Enter          apply (an empty limit clears it)",
    "C-a C-e C-b C-f C-d C-u C-k C-w C-y   edit the line (as in a form)", NULL};

const struct screen_ops prompt_screen = {
    .name = "prompt",
    .opens = prompt_opens,
    .open = prompt_open,
    .functions = prompt_functions,
    .draw = prompt_draw,
    .key = prompt_key,
    .modal = true,
    .overlay = prompt_overlay,
    .paste = prompt_paste,
    .close = prompt_close,
    .notes = prompt_notes,
};
