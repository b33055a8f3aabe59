/*
 * Whether the terminal and the locale can carry the workstation, asked
 * before curses starts.  Apart from tui.c because <term.h> defines a macro
 * for every terminfo capability (lines, columns, tab...).
 */
#include "tui.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

int
tui_check_terminal(char *msg, size_t n)
{
    const char *term = getenv("TERM");
    int err = 0;
    if (!term || !*term) {
        snprintf(msg, n,
                 "casereview: TERM is not set, so the workstation cannot know the "
                 "terminal; set it (for example TERM=xterm-256color), or give a command "
                 "(see 'casereview --help')");
        return 2;
    }
    if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
        snprintf(msg, n,
                 err == 0 ? "casereview: the terminal type '%s' (TERM) is not known here; set "
                            "TERM to your terminal's type (for example xterm-256color), or give "
                            "a command (see 'casereview --help')"
                          : "casereview: no terminal description for '%s' can be read (is "
                            "ncurses-base installed?); give a command (see 'casereview --help')",
                 term);
        return 2;
    }
    const char *cup = tigetstr("cup");
    bool can_move = cup && cup != (char *)-1;
    del_curterm(cur_term);
    if (!can_move) {
        snprintf(msg, n,
                 "casereview: the terminal '%s' cannot move the cursor, which the workstation "
                 "needs; use a full terminal (xterm-256color, screen, tmux...), or give a command "
                 "(see 'casereview --help')",
                 term);
        return 2;
    }
    return 0;
}

int
tui_check_locale(char *msg, size_t n)
{
    /* The locale the user asked for: main() may have fallen back to C.UTF-8 for the rest. */
    locale_t l = newlocale(LC_CTYPE_MASK, "", (locale_t)0);
    const char *set = l ? nl_langinfo_l(CODESET, l) : "ANSI_X3.4-1968";
    int bad = strcmp(set, "UTF-8") != 0;
    if (bad)
        snprintf(msg, n,
                 "casereview: the locale's character set is %s, not UTF-8, so the workstation "
                 "cannot show names and text as they are written; start it with LC_ALL=C.UTF-8 "
                 "(or another UTF-8 locale)",
                 set);
    if (l)
        freelocale(l);
    return bad ? 2 : 0;
}
