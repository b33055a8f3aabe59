/*
 * Themes on the terminal: a theme file (themes/NAME.yaml) read by core's
 * loader, turned into curses colour pairs and attributes.  With NO_COLOR
 * set, or on a terminal without colours, the monochrome theme is used;
 * on 8 colours a bright colour is the colour in bold.
 */
#include "theme.h"

#include "text.h"

#include <curses.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CR_THEMES_DIRS
#define CR_THEMES_DIRS "themes"
#endif

/* Find themes/NAME.yaml: $CASEREVIEW_THEMES, then the installed and source folders. */
static bool
theme_path(const char *name, char *out, size_t n)
{
    const char *env = getenv("CASEREVIEW_THEMES");
    /* The whole search path, however long: a cut one would look in the wrong folder. */
    char *dirs = tui_printf("%s%s%s", env ? env : "", env ? ":" : "", CR_THEMES_DIRS);
    bool found = false;
    char *save = NULL;
    for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d && !found;
         d = strtok_r(NULL, ":", &save)) {
        int len = snprintf(out, n, "%s/%s.yaml", d, name);
        found = len >= 0 && (size_t)len < n && access(out, R_OK) == 0;
    }
    free(dirs);
    return found;
}

static int
load_one(const char *name, struct cr_theme *theme, char *msg, size_t n)
{
    char path[PATH_MAX];
    if (!theme_path(name, path, sizeof path)) {
        snprintf(msg, n, "casereview: theme '%s' not found (looked in %s%s%s)", name,
                 getenv("CASEREVIEW_THEMES") ? getenv("CASEREVIEW_THEMES") : "",
                 getenv("CASEREVIEW_THEMES") ? ":" : "", CR_THEMES_DIRS);
        return -1;
    }
    cr_diags *d = NULL;
    enum cr_status st = cr_theme_load(path, theme, &d);
    if (st != CR_OK) {
        size_t used = 0;
        msg[0] = '\0';
        for (size_t i = 0; i < cr_diags_count(d) && used < n; i++)
            used += (size_t)snprintf(msg + used, n - used, "%s\n", cr_diags_get(d, i));
        if (used < n)
            snprintf(msg + used, n - used, "casereview: %s: the theme has problems", path);
    }
    cr_diags_free(d);
    return st == CR_OK ? 0 : -1;
}

bool
tui_theme_check(const struct cr_config *cfg, char **msg)
{
    *msg = NULL;
    if (!cfg->theme)
        return true;
    char path[PATH_MAX];
    if (!theme_path(cfg->theme, path, sizeof path)) {
        *msg = tui_printf("%s:%d:%d: theme: '%s' is not a theme (no %s.yaml in %s%s%s)", cfg->path,
                          cfg->theme_line, cfg->theme_column, cfg->theme, cfg->theme,
                          getenv("CASEREVIEW_THEMES") ? getenv("CASEREVIEW_THEMES") : "",
                          getenv("CASEREVIEW_THEMES") ? ":" : "", CR_THEMES_DIRS);
        return false;
    }
    struct cr_theme theme;
    cr_diags *d = NULL;
    enum cr_status st = cr_theme_load(path, &theme, &d);
    if (st != CR_OK) {
        /* The theme's own problems, a line each, then where the configuration names it. */
        char *all = tui_printf("%s", "");
        for (size_t i = 0; all && i < cr_diags_count(d); i++) {
            char *more = tui_printf("%s%s\n", all, cr_diags_get(d, i));
            free(all);
            all = more;
        }
        if (all)
            *msg = tui_printf("%s%s:%d:%d: theme: '%s' has problems (above)", all, cfg->path,
                              cfg->theme_line, cfg->theme_column, cfg->theme);
        free(all);
    }
    cr_diags_free(d);
    return st == CR_OK;
}

int
tui_theme_load(const struct cr_config *cfg, const char *name, struct cr_theme *theme,
               struct cr_theme *mono, char *msg, size_t n)
{
    if (!name)
        name = cfg->theme ? cfg->theme : "default";
    if (load_one(name, theme, msg, n) < 0)
        return -1;
    if (load_one("monochrome", mono, msg, n) < 0)
        *mono = *theme;
    return 0;
}

static int
attrs_of(unsigned bits)
{
    int a = 0;
    if (bits & CR_ATTR_BOLD)
        a |= A_BOLD;
    if (bits & CR_ATTR_DIM)
        a |= A_DIM;
    if (bits & CR_ATTR_REVERSE)
        a |= A_REVERSE;
    if (bits & CR_ATTR_UNDERLINE)
        a |= A_UNDERLINE;
    return a;
}

/* A theme colour on this terminal: bright ones need 16 colours, or bold. */
static short
colour_on_terminal(int c, int *extra)
{
    if (c < 0)
        return -1;
    if (c < COLORS)
        return (short)c;
    if (c >= 8 && c < 16) {
        *extra |= A_BOLD;
        return (short)(c - 8);
    }
    return -1;
}

void
tui_theme_apply(const struct cr_theme *theme, const struct cr_theme *mono, int *slot_attr)
{
    const char *no_color = getenv("NO_COLOR");
    bool colour = has_colors() && !(no_color && *no_color);
    if (colour) {
        start_color();
        use_default_colors();
    }
    const struct cr_theme *t = colour ? theme : mono;
    for (int i = 0; i < CR_SLOT_COUNT; i++) {
        const struct cr_color *c = &t->slots[i];
        int a = attrs_of(c->attrs);
        if (colour && (c->fg >= 0 || c->bg >= 0) && i + 1 < COLOR_PAIRS) {
            short fg = colour_on_terminal(c->fg, &a);
            int unused = 0;
            short bg = colour_on_terminal(c->bg, &unused);
            init_pair((short)(i + 1), fg, bg);
            a |= COLOR_PAIR(i + 1);
        }
        slot_attr[i] = a;
    }
}
