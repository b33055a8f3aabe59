/*
 * The terminal interface: the application, its screens and its keys.
 *
 * The main loop (tui.c) knows no screen by name: each screen is a table of
 * operations, pushed on a stack.  Keys go through one table of named
 * actions (keys.c), overridable from the configuration.  Every rule is
 * core's: a screen calls the same function as the command line and shows
 * its message in the status line.
 */
#ifndef CASEREVIEW_TUI_H
#define CASEREVIEW_TUI_H

#include "casereview/casereview.h"

#include <curses.h>
#include <stdarg.h>
#include <stdbool.h>
#include <wchar.h>

/* Key actions: name (as in the config's keys:), default keys, help text. */
#define TUI_ACTION_LIST(_)                                                     \
    _(QUIT, "quit", "q", "go back; quit from the queue")                       \
    _(HELP, "help", "? <F1>", "this help")                                          \
    _(DOWN, "down", "j <Down>", "next line")                                   \
    _(UP, "up", "k <Up>", "previous line")                                     \
    _(PAGE_DOWN, "page_down", "<PgDn> <Space>", "next page")                   \
    _(PAGE_UP, "page_up", "<PgUp> b", "previous page")                         \
    _(FIRST, "first", "g <Home>", "first line")                                \
    _(LAST, "last", "G <End>", "last line")                                    \
    _(OPEN, "open", "<Enter>", "open the case")                                \
    _(NEXT_CASE, "next_case", "n", "next case of the queue")                   \
    _(PREV_CASE, "prev_case", "p", "previous case of the queue")               \
    _(SEARCH, "search", "/", "search subjects, references and summaries")      \
    _(FILTER_MINE, "filter_mine", "m", "what waits for me")                    \
    _(FILTER_STATE, "filter_state", "s", "next state filter")                  \
    _(FILTER_OUTCOME, "filter_outcome", "o", "next outcome filter")            \
    _(FILTER_CATEGORY, "filter_category", "c", "next category filter")         \
    _(FILTER_CLEAR, "filter_clear", "x", "clear filters and search")           \
    _(SORT, "sort", "S", "sort by priority or by age")                         \
    _(DASHBOARD, "dashboard", "D", "the dashboard")                            \
    _(CLAIM, "claim", "C", "claim the case")                                   \
    _(RELEASE, "release", "R", "release the case")                             \
    _(ASSIGN, "assign", "A", "assign the case to a reviewer")                  \
    _(DECIDE, "decide", "d", "decide: outcome and rationale")                  \
    _(APPROVE, "approve", "a", "approve the decision")                         \
    _(RETURN, "return", "r", "return the decision with a reason")              \
    _(VOTE, "vote", "v", "vote: concur, dissent or recuse")                    \
    _(NOTE, "note", "N", "add a note")                                         \
    _(RECONVENE, "reconvene", "P", "reconvene the panel (no quorum)")     \
    _(RECALL, "recall", "B", "recall to the reviewer (no quorum)")  \
    _(EDITOR, "editor", "C-o <F4>", "write the text in $EDITOR")   \
    _(SHOW_CASE, "show_case", "<F3>", "the case, and back to the form")          \
    _(RELOAD, "reload", "C-r", "take the case as it is now; keep the text") \
    _(SUBMIT, "submit", "<F2> C-s", "submit the form")                         \
    _(NEXT_FIELD, "next_field", "<Tab>", "next field")                         \
    _(PREV_FIELD, "prev_field", "<BTab>", "previous field")                    \
    _(CANCEL, "cancel", "<Esc> C-g", "cancel (asks first if you wrote); go back") \
    _(QUIT_ALL, "quit_all", "C-c", "leave casereview (asks first if you wrote)") \
    _(SUSPEND, "suspend", "C-z", "suspend to the shell (fg comes back)")       \
    _(REFRESH, "refresh", "C-l", "redraw and reload")

#define TUI_X(id, name, keys, help) TA_##id,
enum tui_action { TUI_ACTION_LIST(TUI_X) TA_COUNT, TA_NONE = -1 };
#undef TUI_X

const char *tui_action_name(int action);
const char *tui_action_help(int action);

struct app;

/* A screen: what the main loop calls. */
struct screen_ops {
    const char *name;
    /* Actions offered on this screen, for its help (TA_NONE-terminated). */
    const int *actions;
    void (*draw)(struct app *app, void *state);
    /* Handle an action (or, with action TA_NONE, a typed character); false: not handled. */
    bool (*key)(struct app *app, void *state, int action, wint_t ch);
    /* Reload from the database (another user changed it). */
    void (*reload)(struct app *app, void *state);
    void (*close)(struct app *app, void *state);
    /* Windows of the screen's own to lay over stdscr (wnoutrefresh them), or NULL. */
    void (*overlay)(struct app *app, void *state);
    /* More lines for the help screen (fixed keys), NULL-terminated, or NULL. */
    const char *const *notes;
    /* A screen this one opens whose keys its help lists too (the forms), or NULL. */
    const struct screen_ops *also;
};

#define TUI_MAX_SCREENS 8
#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24

/* The key map: for each action its keys (curses key codes or characters). */
#define TUI_MAX_KEYS 4
struct keymap {
    wint_t keys[TA_COUNT][TUI_MAX_KEYS];
    bool is_fn[TA_COUNT][TUI_MAX_KEYS]; /* a KEY_* code, not a character */
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
    bool dirty;
    int64_t data_version;
    /* The queue's filter, shared with the case screen for next and previous. */
    struct cr_filter filter;
    bool mine;
    bool refiltered; /* the filter changed: the queue starts again from the top */
    char *search; /* the search words, or NULL */
    /* Scripted mode */
    FILE *script;
    int script_line;
    struct cr_theme theme, mono;
};

/* Themes (theme.c): load by name (NULL: the configuration's, else default), then apply. */
int tui_theme_load(struct app *app, const char *name, char *msg, size_t n);
/*
 * Whether the configuration's theme: exists and loads; if not, *msg (allocated;
 * the caller frees it) says so at FILE:LINE:COLUMN.
 */
bool tui_theme_check(const struct cr_config *cfg, char **msg);
void tui_theme_apply(struct app *app);
/* Parse a key name ("j", "<Enter>", "C-s") as scripts and the config write them. */
bool tui_parse_key_name(const char *s, wint_t *code, bool *fn);

/* Screens */
extern const struct screen_ops queue_screen, case_screen, help_screen, dashboard_screen,
    form_screen;

void tui_push(struct app *app, const struct screen_ops *ops, void *state);
void tui_pop(struct app *app);

/* A string formatted into memory of its own (the caller frees it), or NULL. */
char *tui_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *tui_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* The status line: a message (or a refusal, shown as an error) until the next key. */
void tui_message(struct app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The action a key means on the screen, or TA_NONE. */
int tui_key_action(const struct app *app, wint_t ch, bool fn);
/* A key's name for the help screen ("j", "<Down>", "C-s"). */
void tui_key_name(wint_t ch, bool fn, char *out, size_t n);
/*
 * Apply the configuration's keys: overrides.  A problem goes to *msg (allocated;
 * the caller frees it; NULL when out of memory) as FILE:LINE:COLUMN:.
 */
bool tui_keys_load(struct keymap *km, const struct cr_config *cfg, char **msg);

/* Drawing text from the database safely: control characters shown as marks. */
int tui_put(WINDOW *w, int y, int x, const char *s, int width, int attr);
/* Display width of s as tui_put would draw it. */
int tui_width(const char *s);
/* Lines of s wrapped at width; calls line(ctx, start, len) for each. */
void tui_wrap(const char *s, int width, void (*line)(void *ctx, const char *p, size_t n),
              void *ctx);

/* The attribute of a colour slot, by name index (see theme loading in tui.c). */
int tui_attr(const struct app *app, int slot);

/* The queue's state, for tui_push(app, &queue_screen, ...). */
void *tui_queue_new(struct app *app);
/* The case after (direction 1) or before (-1) a case in the queue's order, or 0. */
int64_t tui_queue_step(struct app *app, int64_t case_id, int direction);

/* The dashboard's state, for tui_push(app, &dashboard_screen, ...). */
void *tui_dashboard_new(struct app *app);

/* Open the case screen on a case (an audited view). */
void tui_open_case(struct app *app, int64_t case_id);

/*
 * Carry out a request on a case through core; the status line says what
 * happened or why core refused.  Returns whether it was done.
 */
bool tui_act(struct app *app, int64_t case_id, const struct cr_request *req);

/* Reload every screen from the database (after a change made here). */
void tui_reload_all(struct app *app);
/*
 * Start a form for an action on a case (decide, approve, return, vote,
 * assign, note, reconvene, recall) or the search prompt (TA_SEARCH, case 0).  A form opens only
 * when core allows the action; otherwise its refusal is in the status line.
 * viewed: the case's view was already audited (the case screen is open).
 */
void tui_form_open(struct app *app, int action, int64_t case_id, bool viewed);
/* The text of a bracketed paste, for the form on top. */
void tui_form_paste(struct app *app, const char *text, size_t n);
/* Keep the open form's unsaved text as a draft in the database (on SIGHUP, SIGTERM). */
bool tui_form_keep_draft(struct app *app);

/* The case screen over a form (F3): the case being written about; F3 or q goes back. */
void tui_open_case_peek(struct app *app, int64_t case_id, bool viewed);

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

/* Run the interface.  Returns the exit status. */
int tui_run(cr_db *db, const struct cr_config *cfg, const struct cr_person *me,
            const struct keymap *keys, const char *db_path, const char *theme, const char *script,
            const char *size);

#endif
