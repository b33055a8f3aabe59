/*
 * Key actions and the keys that mean them (keys.c): one table of named
 * actions, each with its default keys, its kind and the core action it
 * performs, in the manner of mutt and tig; the configuration's keys: map
 * overrides the keys by action name.
 */
#ifndef CASEREVIEW_TUI_KEYS_H
#define CASEREVIEW_TUI_KEYS_H

#include "casereview/casereview.h"

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/*
 * What a key action is.  The driver routes an action the screen's own
 * handlers leave by its kind (tui_route_of, tui.c):
 *   NAV     a move within the screen: line, page, top, bottom (nav.c), on
 *           every screen with a navigation
 *   SCREEN  opens the screen registered for it (screen_ops.opens) where the
 *           screen's table offers it; or the driver's own, on every screen
 *           (back, leave, suspend, redraw); or changes the screen through its
 *           handler (a filter, the next case)
 *   CORE    asks core for the action it names on the current case, where the
 *           screen's table offers core actions (TUI_CORE_FUNCTIONS): the form
 *           registered for it opens if core's rules allow it now, or core does
 *           it at once
 *   FORM    edits or submits the form on screen: only a form's handlers take it
 *   PICK    asks core to pick a case for the user and act on it (take next: the
 *           riskiest flagged case they may claim), where the screen's table
 *           offers core actions; the case it acted on opens
 */
enum tui_kind { TK_NAV, TK_SCREEN, TK_CORE, TK_FORM, TK_PICK };

/*
 * Key actions: name (as in the config's keys:), default keys, kind, the core
 * action it performs (enum cr_action, or -1), help text.
 */
#define TUI_ACTION_LIST(_)                                                                       \
    _(QUIT, "quit", "q", SCREEN, -1, "go back; from the queue, quit (asks first)")               \
    _(HELP, "help", "? <F1>", SCREEN, -1, "this help")                                           \
    _(DOWN, "down", "j <Down>", NAV, -1, "next line")                                            \
    _(UP, "up", "k <Up>", NAV, -1, "previous line")                                              \
    _(PAGE_DOWN, "page_down", "<PgDn> <Space>", NAV, -1, "next page")                            \
    _(PAGE_UP, "page_up", "<PgUp> b", NAV, -1, "previous page")                                  \
    _(FIRST, "first", "g <Home>", NAV, -1, "first line")                                         \
    _(LAST, "last", "G <End>", NAV, -1, "last line")                                             \
    _(OPEN, "open", "<Enter>", SCREEN, -1, "open the case")                                      \
    _(NEXT_CASE, "next_case", "n", SCREEN, -1, "next case of the queue")                         \
    _(PREV_CASE, "prev_case", "N p", SCREEN, -1, "previous case of the queue")                   \
    _(SEARCH, "search", "/", SCREEN, -1, "limit to search words")                                \
    _(FILTER_MINE, "filter_mine", "m", SCREEN, -1, "what waits for me")                          \
    _(FILTER_STATE, "filter_state", "s", SCREEN, -1, "next state filter")                        \
    _(FILTER_OUTCOME, "filter_outcome", "o", SCREEN, -1, "next outcome filter")                  \
    _(FILTER_CATEGORY, "filter_category", "c", SCREEN, -1, "next category filter")               \
    _(FILTER_CLEAR, "filter_clear", "x", SCREEN, -1, "clear filters and search")                 \
    _(SORT, "sort", "S", SCREEN, -1, "sort by priority or by age")                               \
    _(FILTER_CLOSED, "filter_closed", "O", SCREEN, -1, "open cases only, or closed ones too")    \
    _(JUMP, "jump", ":", SCREEN, -1, "open case N or a ref")                                     \
    _(FILTER_MENU, "filter_menu", "f", SCREEN, -1, "the filter menu")                            \
    _(TAG, "tag", "t", SCREEN, -1, "tag or untag the case, then the next line")                  \
    _(TAG_SCREEN, "tag_screen", "*", SCREEN, -1, "tag every case on the screen")                 \
    _(UNTAG_ALL, "untag_all", "C-t", SCREEN, -1, "clear every tag")                              \
    _(DASHBOARD, "dashboard", "D", SCREEN, -1, "the dashboard")                                  \
    _(CLAIM, "claim", "C", CORE, CR_ACTION_CLAIM, "claim the case")                              \
    _(TAKE_NEXT, "take_next", "T", PICK, -1, "take next: the riskiest case you may claim")       \
    _(RELEASE, "release", "R", CORE, CR_ACTION_RELEASE, "release the case")                      \
    _(ASSIGN, "assign", "A", CORE, CR_ACTION_ASSIGN, "assign the case to a reviewer")            \
    _(DECIDE, "decide", "d", CORE, CR_ACTION_DECIDE, "decide: outcome and rationale")            \
    _(APPROVE, "approve", "a", CORE, CR_ACTION_APPROVE, "approve the decision")                  \
    _(RETURN, "return", "r", CORE, CR_ACTION_RETURN, "return the decision with a reason")        \
    _(VOTE, "vote", "v", CORE, CR_ACTION_VOTE, "vote: concur, dissent or recuse")                \
    _(NOTE, "note", "M", CORE, CR_ACTION_NOTE, "add a note")                                     \
    _(RECONVENE, "reconvene", "P", CORE, CR_ACTION_RECONVENE, "reconvene the panel (no quorum)") \
    _(RECALL, "recall", "B", CORE, CR_ACTION_RECALL, "recall to the reviewer (no quorum)")       \
    _(ROUTE, "route", "F", SCREEN, -1, "route the approval to a supervisor")                     \
    _(EDITOR, "editor", "C-o <F4>", FORM, -1, "write the text in $EDITOR")                       \
    _(SHOW_CASE, "show_case", "<F3>", SCREEN, -1, "the case, and back to the form")              \
    _(RELOAD, "reload", "C-r", FORM, -1, "take the case as it is now; keep the text")            \
    _(SUBMIT, "submit", "<F2> C-s", FORM, -1, "submit the form")                                 \
    _(NEXT_FIELD, "next_field", "<Tab>", FORM, -1, "next field")                                 \
    _(PREV_FIELD, "prev_field", "<BTab>", FORM, -1, "previous field")                            \
    _(CANCEL, "cancel", "<Esc> C-g", SCREEN, -1, "cancel (asks first if you wrote); go back")    \
    _(QUIT_ALL, "quit_all", "C-c", SCREEN, -1, "leave casereview (asks first if you wrote)")     \
    _(SUSPEND, "suspend", "C-z", SCREEN, -1, "suspend to the shell (fg comes back)")             \
    _(REFRESH, "refresh", "C-l", SCREEN, -1, "redraw and reload")                                \
    _(LINK, "link", "L", SCREEN, -1, "link a reference in another system (crime, IOPC...)")      \
    _(UNLINK, "unlink", "U", SCREEN, -1, "remove a linked reference")                            \
    _(FOLLOWUP, "follow_up", "W", SCREEN, -1, "record what happened next (follow-up)")           \
    _(REOPEN, "reopen", "E", SCREEN, -1, "reopen a closed case for a new round")                 \
    _(PACK, "pack", "K", SCREEN, -1, "pack the tagged cases for the panel (admin)")              \
    _(QA, "qa", "Q", SCREEN, -1, "quality review: agree or disagree, blind")

#define TUI_X(id, name, keys, kind, core, help) TA_##id,
enum tui_action { TUI_ACTION_LIST(TUI_X) TA_COUNT, TA_NONE = -1 };
#undef TUI_X

const char *tui_action_name(int action);
const char *tui_action_help(int action);
/* The action's kind (enum tui_kind), or -1 for TA_NONE. */
int tui_action_kind(int action);
/* The core action (enum cr_action) a key action performs, or -1. */
int tui_action_core(int action);

/* The key map: for each action its keys (curses key codes or characters). */
#define TUI_MAX_KEYS 4
struct keymap {
    wint_t keys[TA_COUNT][TUI_MAX_KEYS];
    bool is_fn[TA_COUNT][TUI_MAX_KEYS]; /* a KEY_* code, not a character */
};

/* Parse a key name ("j", "<Enter>", "C-s") as scripts and the config write them. */
bool tui_parse_key_name(const char *s, wint_t *code, bool *fn);

/* The action a key means on the screen, or TA_NONE. */
int tui_key_action(const struct keymap *km, wint_t ch, bool fn);
/* A key's name for the help screen ("j", "<Down>", "C-s"). */
void tui_key_name(wint_t ch, bool fn, char *out, size_t n);
struct textarea;
/*
 * The fixed editing keys of a text (readline's: C-a, C-e, C-u, C-k, C-w,
 * C-y..., the arrows, Home, End, Backspace, Delete), in a form's field and
 * the purpose line alike.  Whether key was one (and was done on t).
 */
bool tui_edit_key(struct textarea *t, wint_t key, bool fn);
/*
 * Apply the configuration's keys: overrides.  A problem goes to *msg (allocated;
 * the caller frees it; NULL when out of memory) as FILE:LINE:COLUMN:.
 */
bool tui_keys_load(struct keymap *km, const struct cr_config *cfg, char **msg);

#endif
