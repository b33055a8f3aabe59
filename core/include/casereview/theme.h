/*
 * casereview: colour themes for the terminal interface.
 */
#ifndef CASEREVIEW_INCLUDE_THEME_H
#define CASEREVIEW_INCLUDE_THEME_H

#include <casereview/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Colour themes: YAML files mapping named slots to colours and attributes
 * (the terminal interface turns them into curses attributes).
 */
#define CR_SLOT_LIST(_)                                   \
    _(TITLE, "title")                                     \
    _(STATUS, "status")                                   \
    _(MESSAGE, "message")                                 \
    _(ERROR, "error")                                     \
    _(HEADER, "header")                                   \
    _(TEXT, "text")                                       \
    _(DIM, "dim")                                         \
    _(SELECTED, "selected")                               \
    _(OVERDUE, "overdue")                                 \
    _(BAR, "bar")                                         \
    _(STATE_FLAGGED, "state_flagged")                     \
    _(STATE_IN_REVIEW, "state_in_review")                 \
    _(STATE_AWAITING_APPROVAL, "state_awaiting_approval") \
    _(STATE_PANEL_REVIEW, "state_panel_review")           \
    _(STATE_RETURNED, "state_returned")                   \
    _(STATE_CLOSED, "state_closed")

#define CR_X(id, name) CR_SLOT_##id,
enum cr_slot { CR_SLOT_LIST(CR_X) CR_SLOT_COUNT };
#undef CR_X

enum cr_text_attr {
    CR_ATTR_BOLD = 1 << 0,
    CR_ATTR_DIM = 1 << 1,
    CR_ATTR_REVERSE = 1 << 2,
    CR_ATTR_UNDERLINE = 1 << 3,
};

struct cr_color {
    int fg, bg;     /* -1: the terminal's default; 0-7 colours, 8-15 bright, up to 255 */
    unsigned attrs; /* enum cr_text_attr bits */
};

struct cr_theme {
    struct cr_color slots[CR_SLOT_COUNT];
};

/* The name of a slot as themes write it. */
const char *cr_slot_name(int slot);

/*
 * Read a theme file with the configuration's loader: every problem in
 * *diags as FILE:LINE:COLUMN: and CR_INVALID.  Slots the file leaves out
 * keep the terminal's default.  *diags is allocated either way.
 */
enum cr_status cr_theme_load(const char *path, struct cr_theme *out, cr_diags **diags);

#ifdef __cplusplus
}
#endif

#endif
