/*
 * Themes on the terminal (theme.c): a theme file read by core's loader,
 * turned into curses colour pairs and attributes for each colour slot.
 */
#ifndef CASEREVIEW_TUI_THEME_H
#define CASEREVIEW_TUI_THEME_H

#include "casereview/casereview.h"

#include <stdbool.h>
#include <stddef.h>

/* Themes (theme.c): load by name (NULL: the configuration's, else default), then apply. */
int tui_theme_load(const struct cr_config *cfg, const char *name, struct cr_theme *theme,
                   struct cr_theme *mono, char *msg, size_t n);
/*
 * Whether the configuration's theme: exists and loads; if not, *msg (allocated;
 * the caller frees it) says so at FILE:LINE:COLUMN.
 */
bool tui_theme_check(const struct cr_config *cfg, char **msg);
/* Set each colour slot's curses attributes (slot_attr[CR_SLOT_COUNT]) from theme, or mono
 * without colours or with NO_COLOR set. */
void tui_theme_apply(const struct cr_theme *theme, const struct cr_theme *mono, int *slot_attr);

#endif
