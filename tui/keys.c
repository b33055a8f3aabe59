/*
 * Key bindings: one table of named actions with their default keys, in the
 * manner of mutt and tig; the configuration's keys: map overrides them by
 * action name.
 */
#include "keys.h"

#include "text.h"
#include "textarea.h"

#include <curses.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *keys, *help;
    int kind, core;
} actions[TA_COUNT] = {
#define TUI_X(id, name, keys, kind, core, help) {name, keys, help, TK_##kind, core},
    TUI_ACTION_LIST(TUI_X)
#undef TUI_X
};

const char *
tui_action_name(int action)
{
    return action >= 0 && action < TA_COUNT ? actions[action].name : "";
}

const char *
tui_action_help(int action)
{
    return action >= 0 && action < TA_COUNT ? actions[action].help : "";
}

int
tui_action_kind(int action)
{
    return action >= 0 && action < TA_COUNT ? actions[action].kind : -1;
}

int
tui_action_core(int action)
{
    return action >= 0 && action < TA_COUNT ? actions[action].core : -1;
}

/* Named keys, both ways. */
static const struct {
    const char *name;
    wint_t code;
    bool fn;
} named[] = {
    {"<Enter>", '\n', false},     {"<Enter>", KEY_ENTER, true},
    {"<Enter>", '\r', false},     {"<Down>", KEY_DOWN, true},
    {"<Up>", KEY_UP, true},       {"<Left>", KEY_LEFT, true},
    {"<Right>", KEY_RIGHT, true}, {"<PgDn>", KEY_NPAGE, true},
    {"<PgUp>", KEY_PPAGE, true},  {"<Home>", KEY_HOME, true},
    {"<End>", KEY_END, true},     {"<Tab>", '\t', false},
    {"<BTab>", KEY_BTAB, true},   {"<Space>", ' ', false},
    {"<Esc>", 27, false},         {"<Backspace>", KEY_BACKSPACE, true},
    {"<Backspace>", 127, false},  {"<Backspace>", 8, false},
    {"<Delete>", KEY_DC, true},   {"<F1>", KEY_F(1), true},
    {"<F2>", KEY_F(2), true},     {"<F3>", KEY_F(3), true},
    {"<F4>", KEY_F(4), true},
};

/* Parse one key name ("j", "<Down>", "C-s"); false when it is not a key. */
static bool
parse_key(const char *s, size_t n, wint_t *code, bool *fn)
{
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (strlen(named[i].name) == n && strncmp(named[i].name, s, n) == 0) {
            *code = named[i].code;
            *fn = named[i].fn;
            return true;
        }
    }
    if (n == 3 && s[0] == 'C' && s[1] == '-' && s[2] >= 'a' && s[2] <= 'z') {
        *code = (wint_t)(s[2] - 'a' + 1);
        *fn = false;
        return true;
    }
    /* One character, in UTF-8. */
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    wchar_t wc;
    size_t len = mbrtowc(&wc, s, n, &ps);
    if (len == n && n > 0 && wc > ' ' && wc != 127) {
        *code = (wint_t)wc;
        *fn = false;
        return true;
    }
    return false;
}

bool
tui_parse_key_name(const char *s, wint_t *code, bool *fn)
{
    return parse_key(s, strlen(s), code, fn);
}

void
tui_key_name(wint_t ch, bool fn, char *out, size_t n)
{
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (named[i].code == ch && named[i].fn == fn) {
            snprintf(out, n, "%s", named[i].name);
            return;
        }
    }
    if (!fn && ch >= 1 && ch <= 26) {
        snprintf(out, n, "C-%c", (char)('a' + ch - 1));
        return;
    }
    char mb[MB_LEN_MAX + 1];
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    size_t len = wcrtomb(mb, (wchar_t)ch, &ps);
    if (len == (size_t)-1)
        len = 0;
    mb[len] = '\0';
    snprintf(out, n, "%s", mb);
}

/* Set an action's keys from a space-separated list of key names. */
static bool
set_keys(struct keymap *km, int action, const char *list, char *bad, size_t n)
{
    int count = 0;
    wint_t keys[TUI_MAX_KEYS];
    bool fns[TUI_MAX_KEYS];
    const char *p = list;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        if (count == TUI_MAX_KEYS ||
            !parse_key(start, (size_t)(p - start), &keys[count], &fns[count])) {
            snprintf(bad, n, "%.*s", (int)(p - start), start);
            return false;
        }
        count++;
    }
    if (!count) {
        snprintf(bad, n, "%s", list);
        return false;
    }
    for (int i = 0; i < TUI_MAX_KEYS; i++) {
        km->keys[action][i] = i < count ? keys[i] : 0;
        km->is_fn[action][i] = i < count && fns[i];
    }
    return true;
}

bool
tui_keys_load(struct keymap *km, const struct cr_config *cfg, char **msg)
{
    *msg = NULL;
    memset(km, 0, sizeof *km);
    for (int a = 0; a < TA_COUNT; a++) {
        char bad[64]; /* the built-in lists are all good keys */
        set_keys(km, a, actions[a].keys, bad, sizeof bad);
    }
    for (size_t i = 0; cfg && i < cfg->n_keys; i++) {
        const struct cr_key_binding *kb = &cfg->keys[i];
        int a = 0;
        while (a < TA_COUNT && strcmp(actions[a].name, kb->action) != 0)
            a++;
        if (a == TA_COUNT) {
            *msg = tui_printf("%s:%d:%d: keys: '%s' is not an action (see the help screen, '?')",
                              cfg->path, kb->action_line, kb->action_column, kb->action);
            return false;
        }
        /* The name at fault is shown whole, however long the configuration made it. */
        size_t n = strlen(kb->key) + 1;
        char *bad = malloc(n);
        if (!bad)
            return false;
        bool ok = set_keys(km, a, kb->key, bad, n);
        if (!ok)
            *msg = tui_printf("%s:%d:%d: keys.%s: '%s' is not a key (a character, C-a to C-z, "
                              "or one of <Enter>, <Down>, <Up>, <PgDn>, <PgUp>, <Home>, <End>, "
                              "<Tab>, <Space>, <F1> to <F4>)",
                              cfg->path, kb->line, kb->column, kb->action, bad);
        free(bad);
        if (!ok)
            return false;
    }
    return true;
}

int
tui_key_action(const struct keymap *km, wint_t ch, bool fn)
{
    if (!fn && ch == '\r')
        ch = '\n';
    if (fn && ch == KEY_ENTER) {
        ch = '\n';
        fn = false;
    }
    for (int a = 0; a < TA_COUNT; a++)
        for (int i = 0; i < TUI_MAX_KEYS; i++)
            if (km->keys[a][i] == ch && km->is_fn[a][i] == fn && ch)
                return a;
    return TA_NONE;
}

bool
tui_edit_key(struct textarea *t, wint_t key, bool fn)
{
    if (fn) {
        switch (key) {
        case KEY_LEFT:
            ta_left(t);
            return true;
        case KEY_RIGHT:
            ta_right(t);
            return true;
        case KEY_HOME:
            ta_line_start(t);
            return true;
        case KEY_END:
            ta_line_end(t);
            return true;
        case KEY_BACKSPACE:
            ta_delete_prev(t);
            return true;
        case KEY_DC:
            ta_delete_next(t);
            return true;
        default:
            return false;
        }
    }
    switch (key) {
    case 1: /* C-a */
        ta_line_start(t);
        return true;
    case 5: /* C-e */
        ta_line_end(t);
        return true;
    case 2: /* C-b */
        ta_left(t);
        return true;
    case 6: /* C-f */
        ta_right(t);
        return true;
    case 4: /* C-d */
        ta_delete_next(t);
        return true;
    case 21: /* C-u */
        ta_kill_line_start(t);
        return true;
    case 11: /* C-k */
        ta_kill_line_end(t);
        return true;
    case 23: /* C-w */
        ta_kill_word(t);
        return true;
    case 25: /* C-y */
        ta_yank(t);
        return true;
    case 8:
    case 127:
        ta_delete_prev(t);
        return true;
    default:
        return false;
    }
}
