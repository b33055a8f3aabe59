/*
 * The terminal interface: the application, its screens and its keys.
 *
 * The main loop (tui.c) knows no screen by name: each screen is a table of
 * operations in a registry (screens.c), pushed on a stack, found by the
 * action that opens it.  Keys go through one table of named actions (keys.c),
 * overridable from the configuration; a key's action goes to the screen's
 * handler table (preconditions checked by one dispatcher), then the driver
 * routes it by its kind: a move to the navigation (nav.c), a core action to
 * the shared core-action handler, a screen to open.  Every rule is core's: a screen
 * calls the same function as the command line and shows its message in the
 * status line.
 */
#ifndef CASEREVIEW_TUI_H
#define CASEREVIEW_TUI_H

#include "casereview/casereview.h"
#include "keys.h"
#include "text.h"
#include "theme.h"

#include <curses.h>
#include <stdarg.h>
#include <stdbool.h>
#include <wchar.h>

struct app;

/* A case a screen is on: the shared model's current case. */
struct tui_case_ref {
    int64_t id; /* 0: none */
    int64_t version;
    bool viewed; /* its view is audited already (the case screen is open on it) */
};

/*
 * Navigation (nav.c), in the manner of tig's view driver: a screen that
 * leaves a move (TK_NAV) unconsumed gets it done here on its struct
 * tui_nav.  A scrolling text moves its top line; a list moves its
 * selection within the page, and asks its pager for the next or previous
 * page at either end.
 */
struct tui_pager {
    void (*next_page)(struct app *app, void *ctx);
    void (*prev_page)(struct app *app, void *ctx, bool select_last);
    void (*first)(struct app *app, void *ctx);
    void (*last)(struct app *app, void *ctx);
};

struct tui_nav {
    int top;    /* a text: the first line shown */
    int lines;  /* a text: its lines; a list: the rows on the page */
    int height; /* the rows shown: a page moves by one less */
    /* A list (pager not NULL): */
    const struct tui_pager *pager;
    void *ctx;
    int sel;     /* the selected row of the page */
    bool more;   /* rows after the page */
    bool at_top; /* the page starts at the first row */
};

/* Do a move (TK_NAV action) on nav; false when action is not one. */
bool tui_nav_move(struct app *app, struct tui_nav *nav, int action);
/* Keep a text's top line within it (called by the draw: moves may overshoot). */
void tui_nav_clamp(struct tui_nav *nav);

/*
 * A screen's handler table (neomutt's IndexFunctions): for each action it
 * offers, in the order its help lists them, the handler and what must hold
 * first.  The driver checks the preconditions and shows the refusal; a NULL
 * handler is an action the driver routes by its kind (a move, a screen to
 * open, a core action, back).  A handler returns false when it leaves the
 * key to the driver.
 */
enum {
    TUI_NEED_CASE = 1 << 0, /* a case is selected */
    TUI_HIDDEN = 1 << 1,    /* not listed in the screen's help */
    TUI_PEEK = 1 << 2,      /* offered too when the screen is only looked at over a form (F3) */
};

struct tui_function {
    int action;
    bool (*fn)(struct app *app, void *state, int action);
    unsigned flags;
};

/*
 * The rows of every core action (kind CORE in TUI_ACTION_LIST), in the key
 * table's order, for the table of a screen that takes core actions: a core
 * action added to the key table is offered on each such screen, and listed
 * in its help, without editing the screen.  The driver routes them (TR_CORE).
 */
#define TUI_CORE_ROW_NAV(id)
#define TUI_CORE_ROW_SCREEN(id)
#define TUI_CORE_ROW_FORM(id)
#define TUI_CORE_ROW_CORE(id) {TA_##id, NULL, TUI_NEED_CASE},
#define TUI_CORE_ROW_PICK(id) {TA_##id, NULL, 0}, /* core picks the case: none need be selected */
#define TUI_CORE_ROW(id, name, keys, kind, core, help) TUI_CORE_ROW_##kind(id)
#define TUI_CORE_FUNCTIONS TUI_ACTION_LIST(TUI_CORE_ROW)

/* The row of a handler table (TA_NONE-terminated) for action, or NULL. */
const struct tui_function *tui_function_of(const struct tui_function *table, int action);

/* Where a screen opens: on which action, which case, over which screen. */
struct tui_target {
    int action;                    /* the action that opens it */
    struct tui_case_ref c;         /* the current case */
    const struct screen_ops *from; /* the screen it opens over */
};

/* A screen: what the main loop calls.  Every one is in the registry (screens.c). */
struct screen_ops {
    const char *name;
    /* Whether action opens it (NULL: no action does; a start screen). */
    bool (*opens)(int action);
    /* A first screen: tried in registry order at start, until one opens. */
    bool start;
    /* The screen's state, or NULL when it does not open (the status line says why). */
    void *(*open)(struct app *app, const struct tui_target *t);
    /* Actions offered here, with their handlers (TA_NONE-terminated). */
    const struct tui_function *functions;
    void (*draw)(struct app *app, void *state);
    /* Keys before the handler table (typed text, a pending question), or NULL; true: done. */
    bool (*key)(struct app *app, void *state, int action, wint_t ch);
    /* Keys the handler table left, before navigation, or NULL; true: done. */
    bool (*unbound)(struct app *app, void *state, int action, wint_t ch);
    /*
     * Every key the screen does not take does nothing (a form): only what its
     * table lists (help), and the driver's redraw and suspend.
     */
    bool modal;
    /* Its navigation, ready for a move (NULL: none). */
    struct tui_nav *(*nav)(struct app *app, void *state);
    /* The case it is on, for the shared model (NULL: none). */
    void (*current)(struct app *app, void *state, struct tui_case_ref *c);
    /* Reload from the database (another user changed it). */
    void (*reload)(struct app *app, void *state);
    void (*close)(struct app *app, void *state);
    /* Windows of the screen's own to lay over stdscr (wnoutrefresh them), or NULL. */
    void (*overlay)(struct app *app, void *state);
    /* Text pasted (bracketed): false when the screen takes none. */
    bool (*paste)(struct app *app, void *state, const char *text, size_t n);
    /* Stopped by a signal: keep unsaved work (a draft); whether something was kept. */
    bool (*keep)(struct app *app, void *state);
    /* More lines for the help screen (fixed keys), NULL-terminated, or NULL. */
    const char *const *notes;
    /* A screen this one opens whose keys its help lists too (the forms), or NULL. */
    const struct screen_ops *also;
};

/* The registry: every screen, NULL-terminated (screens.c). */
extern const struct screen_ops *const tui_screens[];
/* The screen an action opens, or NULL. */
const struct screen_ops *tui_screen_for(int action);

#define TUI_MAX_SCREENS 8
#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24

/*
 * The queue as every screen sees it: its filter and order, the page of rows
 * on screen and the selected row.  The queue screen draws it; the case
 * screen steps through it (n, p); the search form sets its words.
 */
struct tui_queue {
    struct cr_filter filter;
    bool mine;
    bool refiltered; /* the filter changed: the queue starts again from the top */
    char *search;    /* the search words, or NULL */
    struct cr_page page;
    int64_t start;      /* cursor before the first row (0: the top) */
    struct tui_nav nav; /* nav.sel: the selected row */
    /* The title's figures (queue.c): rows before the screen (-1: not known), the view's count. */
    int64_t offset, count;
    bool count_exact; /* false: more than count (core's cap, CR_COUNT_CAP) */
    char *unit;       /* the unit filter's name (filter.unit points here), or NULL (menu.c) */
    /*
     * The tagged cases (t, *), by number, in the order tagged: kept across
     * pages, views and reloads until acted on (A: assign them all) or
     * cleared (C-t).  queue.c.
     */
    int64_t *tags;
    size_t n_tags, cap_tags;
    /*
     * The admin's landing view: the last imports under the cases
     * (cr_import_runs), in the bottom imports_lines lines (0: none shown).
     */
    struct cr_import_runs imports;
    int imports_lines;
};

/* Whether case id is tagged in the queue. */
bool tui_queue_tagged(const struct tui_queue *q, int64_t id);
/* Clear every tag of the queue. */
void tui_queue_untag_all(struct tui_queue *q);

/*
 * What the screens share (neomutt's IndexSharedData): the queue, and the
 * case the screen on top is on, which the dispatcher's preconditions and the
 * core actions read.
 */
struct tui_shared {
    struct tui_queue queue;
    struct tui_case_ref cur;
};

/* Colour slots, in theme order: see core's CR_SLOT_LIST. */
struct app {
    cr_db *db;
    const struct cr_config *cfg;
    const struct cr_person *me;
    const char *db_path;
    struct keymap keys;
    int slot_attr[64]; /* curses attributes for each colour slot */
    struct {
        const struct screen_ops *ops;
        void *state;
    } stack[TUI_MAX_SCREENS];
    int depth;
    char *status; /* the status line's message, or NULL */
    bool status_error;
    /* The key being handled: its code, and whether it is a KEY_* code. */
    wint_t key;
    bool key_fn;
    /* A bracketed paste being gathered. */
    bool pasting;
    char *paste;
    size_t paste_len, paste_cap;
    bool quit;
    bool asking_quit; /* q on the top screen: the next key answers "quit?" (y quits) */
    bool dirty;
    int64_t data_version;
    struct tui_shared shared;
    /* Scripted mode */
    FILE *script;
    int script_line;
    struct cr_theme theme, mono;
};

/* The screen stack. */
void tui_push(struct app *app, const struct screen_ops *ops, void *state);
void tui_pop(struct app *app);
/*
 * Open the screen registered for action (t: where; its action is set here) and
 * push it.  A screen does not open over itself.  Whether it opened.
 */
bool tui_open(struct app *app, int action, const struct tui_target *t);
/* Open the first start screen of the registry after `after` (NULL: the first one). */
bool tui_start(struct app *app, const struct screen_ops *after);
/*
 * How the driver carries out an action that a screen's own key hooks
 * leave: the screen's handler, or by the action's kind (see enum tui_kind).
 */
enum tui_route {
    TR_NONE,    /* nothing: the screen does not offer it */
    TR_HANDLER, /* the handler of the screen's table */
    TR_NAV,     /* a move of the screen's navigation (NAV) */
    TR_CORE,    /* a core action on the current case (CORE) */
    TR_OPEN,    /* open the screen registered for it (SCREEN) */
    TR_DRIVER,  /* the driver's own: back, leave, suspend, redraw (SCREEN) */
};
enum tui_route tui_route_of(const struct screen_ops *ops, int action);

/* The status line: a message (or a refusal, shown as an error) until the next key. */
void tui_message(struct app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Drawing text from the database safely: control characters shown as marks. */
int tui_put(WINDOW *w, int y, int x, const char *s, int width, int attr);
/* Display width of s as tui_put would draw it. */
int tui_width(const char *s);

/* The attribute of a colour slot, by name index (see theme loading in tui.c). */
int tui_attr(const struct app *app, int slot);

/* The case after (direction 1) or before (-1) a case in the queue's order, or 0. */
int64_t tui_queue_step(struct app *app, int64_t case_id, int direction);

/*
 * Carry out a request on a case through core; the status line says what
 * happened or why core refused.  Returns whether it was done.
 */
bool tui_act(struct app *app, int64_t case_id, const struct cr_request *req);

/* Reload every screen from the database (after a change made here). */
void tui_reload_all(struct app *app);
/* The signal that asks the program to stop (SIGHUP, SIGTERM, SIGINT), or 0. */
int tui_stop_signal(void);
/* Leave curses for another program on the terminal ($EDITOR), and come back. */
void tui_terminal_pause(struct app *app);
void tui_terminal_resume(struct app *app);

/* Before curses starts: 0, or 2 with msg saying why this terminal or locale cannot be used. */
int tui_check_terminal(char *msg, size_t n);
int tui_check_locale(char *msg, size_t n);

/* Key codes of a bracketed paste's start and end. */
#define TUI_KEY_PASTE_START (KEY_MAX + 1)
#define TUI_KEY_PASTE_END (KEY_MAX + 2)

/*
 * Open the case core acted on (take next, a claim): over the queue, or in
 * place of the case screen on top.  Whether it opened.
 */
bool tui_open_case(struct app *app, int64_t case_id, int64_t version);
/*
 * The first screen's status line says what is there and who you are ("1,131
 * cases; you are root: reviewer, supervisor, admin; press ? for help"): for
 * the demo, whose user has just made it.  Call before tui_run.
 */
void tui_summary_on_start(void);

/* Run the interface.  Returns the exit status. */
int tui_run(cr_db *db, const struct cr_config *cfg, const struct cr_person *me,
            const struct keymap *keys, const char *db_path, const char *theme, const char *script,
            const char *size);

#endif
