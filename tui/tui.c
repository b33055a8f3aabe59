/*
 * The terminal interface's main loop: curses set-up, the screen stack, the
 * status line, resizing, live updates and the scripted mode used by tests.
 *
 * Scripted mode (--script FILE) reads keys from FILE instead of the
 * terminal, taking the next only when the screen is idle, and draws into
 * curses' own screen without a terminal; `dump FILE` writes that screen
 * out.  Script lines:
 *     keys j j <Enter>      keys, by name, as the key table writes them
 *     type Some text        characters typed as they are
 *     dump FILE             the screen as text, trailing spaces trimmed
 *     resize 100x30         the terminal changes size
 *     tick                  a second passes (live updates are checked)
 *     run COMMAND           another program runs meanwhile (another user's action)
 *     # a comment
 */
#include "tui.h"

#include "text.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Drawing text safely */

int
tui_put(WINDOW *w, int y, int x, const char *s, int width, int attr)
{
    size_t n = s ? strlen(s) : 0;
    /* Too wide: one cell less, and an ellipsis to show there is more. */
    bool cut = n && tui_width(s) > width && width > 1;
    int room = cut ? width - 1 : width, used = 0;
    wmove(w, y, x);
    for (size_t i = 0; i < n;) {
        struct glyph g = glyph_at(s + i, n - i);
        if (s[i] == '\n' || s[i] == '\t') {
            /* Line breaks and tabs in a one-line field show as a space. */
            g.control = false;
            g.wc = ' ';
            g.width = 1;
        }
        if (used + g.width > room)
            break;
        if (g.control) {
            char mark[8];
            glyph_mark(&g, mark);
            wattron(w, attr | A_REVERSE);
            waddstr(w, mark);
            wattroff(w, attr | A_REVERSE);
        } else {
            wchar_t wc[2] = {g.wc, 0};
            wattron(w, attr);
            waddnwstr(w, wc, 1);
            wattroff(w, attr);
        }
        used += g.width;
        i += g.len;
    }
    if (cut) {
        wattron(w, attr);
        waddnwstr(w, L"\u2026", 1);
        wattroff(w, attr);
        used++;
    }
    return used;
}

int
tui_width(const char *s)
{
    int used = 0;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        struct glyph g = glyph_at(s + i, n - i);
        used += s[i] == '\n' || s[i] == '\t' ? 1 : g.width;
        i += g.len;
    }
    return used;
}

void
tui_wrap(const char *s, int width, void (*line)(void *ctx, const char *p, size_t n), void *ctx)
{
    text_wrap(s, width, line, ctx);
}

int
tui_attr(const struct app *app, int slot)
{
    return slot >= 0 && slot < CR_SLOT_COUNT ? app->slot_attr[slot] : 0;
}

/* The screen stack */

void
tui_push(struct app *app, const struct screen_ops *ops, void *state)
{
    if (app->depth == TUI_MAX_SCREENS) {
        ops->close(app, state);
        return;
    }
    app->stack[app->depth].ops = ops;
    app->stack[app->depth].state = state;
    app->depth++;
    app->dirty = true;
}

void
tui_pop(struct app *app)
{
    if (!app->depth)
        return;
    app->depth--;
    app->stack[app->depth].ops->close(app, app->stack[app->depth].state);
    if (!app->depth)
        app->quit = true;
    app->dirty = true;
}

void
tui_message(struct app *app, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->status, sizeof app->status, fmt, ap);
    va_end(ap);
    app->status_error = error;
    app->dirty = true;
}

struct status_lines {
    const char *start[16];
    size_t len[16];
    int n;
};

static void
status_line(void *ctx, const char *p, size_t n)
{
    struct status_lines *sl = ctx;
    if (sl->n < 16) {
        sl->start[sl->n] = p;
        sl->len[sl->n++] = n;
    }
}

/* The status line: a message, or who you are, your roles and the database. */
static void
draw_status(struct app *app)
{
    int row = LINES - 1;
    move(row, 0);
    clrtoeol();
    if (app->status[0]) {
        /* A long message (a refusal with what you may do instead) takes up to three lines. */
        struct status_lines sl = {.n = 0};
        tui_wrap(app->status, COLS - 1, status_line, &sl);
        int first = sl.n > 3 ? sl.n - 3 : 0, rows = sl.n - first;
        for (int i = 0; i < rows; i++) {
            move(LINES - rows + i, 0);
            clrtoeol();
            char text[512];
            snprintf(text, sizeof text, "%.*s", (int)sl.len[first + i], sl.start[first + i]);
            tui_put(stdscr, LINES - rows + i, 0, text, COLS,
                    tui_attr(app, app->status_error ? CR_SLOT_ERROR : CR_SLOT_MESSAGE));
        }
        return;
    }
    char roles[128] = "";
    size_t used = 0;
    for (int r = 0; r < CR_ROLE_COUNT; r++)
        if (cr_person_has(app->me, r))
            used += (size_t)snprintf(roles + used, sizeof roles - used, "%s%s", used ? "," : "",
                                     cr_role_name(r));
    char line[512];
    snprintf(line, sizeof line, " %s (%s)  %s  %s   ? help  q back", app->me->login, roles,
             app->me->name, app->db_path);
    attron(tui_attr(app, CR_SLOT_STATUS));
    for (int x = 0; x < COLS; x++)
        mvaddch(row, x, ' ');
    tui_put(stdscr, row, 0, line, COLS, tui_attr(app, CR_SLOT_STATUS));
    attroff(tui_attr(app, CR_SLOT_STATUS));
}

static void
draw(struct app *app)
{
    erase();
    if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS) {
        char msg[128];
        snprintf(msg, sizeof msg, "Too small: %dx%d.", COLS, LINES);
        tui_put(stdscr, 0, 0, msg, COLS, 0);
        snprintf(msg, sizeof msg, "casereview needs %dx%d.", TUI_MIN_COLS, TUI_MIN_ROWS);
        tui_put(stdscr, 1, 0, msg, COLS, 0);
        tui_put(stdscr, 2, 0, "Enlarge, or q to quit.", COLS, 0);
    } else if (app->depth) {
        app->stack[app->depth - 1].ops->draw(app, app->stack[app->depth - 1].state);
        draw_status(app);
    }
    wnoutrefresh(stdscr);
    if (app->depth && COLS >= TUI_MIN_COLS && LINES >= TUI_MIN_ROWS &&
        app->stack[app->depth - 1].ops->overlay)
        app->stack[app->depth - 1].ops->overlay(app, app->stack[app->depth - 1].state);
    doupdate();
    app->dirty = false;
}

bool
tui_act(struct app *app, int64_t case_id, const struct cr_request *req)
{
    char key[32];
    snprintf(key, sizeof key, "#%lld", (long long)case_id);
    struct cr_act_result res;
    if (cr_act(app->db, key, req, &res) != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return false;
    }
    if (res.state_before != res.state_after)
        tui_message(app, false, "case %lld: %s: %s -> %s", (long long)res.case_id,
                    cr_action_name(req->action), cr_state_name(res.state_before),
                    cr_state_name(res.state_after));
    else
        tui_message(app, false, "case %lld: %s: done", (long long)res.case_id,
                    cr_action_name(req->action));
    return true;
}

void
tui_reload_all(struct app *app)
{
    for (int i = 0; i < app->depth; i++)
        if (app->stack[i].ops->reload)
            app->stack[i].ops->reload(app, app->stack[i].state);
    app->refiltered = false;
    cr_db_data_version(app->db, &app->data_version);
    app->dirty = true;
}

/* Live updates: reload the screens when another connection committed. */
static void
check_changes(struct app *app)
{
    int64_t v;
    if (cr_db_data_version(app->db, &v) != CR_OK || v == app->data_version)
        return;
    tui_reload_all(app);
}

/* Write the screen as text, one line per row, trailing spaces trimmed. */
static void
dump_screen(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    wchar_t *line = calloc((size_t)COLS + 1, sizeof *line);
    for (int y = 0; line && y < LINES; y++) {
        int got = mvwinnwstr(curscr, y, 0, line, COLS);
        if (got < 0)
            got = 0;
        line[got] = 0;
        int end = got;
        while (end > 0 && line[end - 1] == L' ')
            end--;
        for (int x = 0; x < end; x++) {
            char mb[MB_LEN_MAX];
            mbstate_t ps;
            memset(&ps, 0, sizeof ps);
            size_t len = wcrtomb(mb, line[x], &ps);
            if (len != (size_t)-1)
                fwrite(mb, 1, len, f);
        }
        fputc('\n', f);
    }
    free(line);
    fclose(f);
}

/* Script input: the next key, or ERR at the end; other commands are done here. */
struct pending {
    wint_t keys[256];
    bool fn[256];
    int n, next;
};

static bool
parse_size(const char *s, int *cols, int *rows)
{
    return s && sscanf(s, "%dx%d", cols, rows) == 2 && *cols > 0 && *rows > 0 && *cols < 1000 &&
           *rows < 1000;
}

static int
script_key(struct app *app, struct pending *p, wint_t *ch, bool *fn)
{
    char buf[1024];
    while (p->next == p->n) {
        p->n = p->next = 0;
        if (app->dirty)
            draw(app);
        if (!fgets(buf, sizeof buf, app->script))
            return ERR;
        app->script_line++;
        buf[strcspn(buf, "\n")] = '\0';
        if (!buf[0] || buf[0] == '#')
            continue;
        if (strncmp(buf, "dump ", 5) == 0) {
            draw(app);
            dump_screen(buf + 5);
        } else if (strncmp(buf, "resize ", 7) == 0) {
            int cols, rows;
            if (parse_size(buf + 7, &cols, &rows)) {
                resize_term(rows, cols);
                tui_reload_all(app);
            }
        } else if (strcmp(buf, "tick") == 0) {
            check_changes(app);
        } else if (strncmp(buf, "run ", 4) == 0) {
            /* Another program acts meanwhile (another user, in tests). */
            if (system(buf + 4) != 0)
                fprintf(stderr, "casereview: script line %d: '%s' failed\n", app->script_line,
                        buf + 4);
        } else if (strncmp(buf, "type ", 5) == 0) {
            const char *s = buf + 5;
            size_t n = strlen(s);
            mbstate_t ps;
            memset(&ps, 0, sizeof ps);
            while (n && p->n < 256) {
                wchar_t wc;
                size_t len = mbrtowc(&wc, s, n, &ps);
                if (len == (size_t)-1 || len == (size_t)-2 || len == 0)
                    break;
                p->keys[p->n] = (wint_t)wc;
                p->fn[p->n++] = false;
                s += len;
                n -= len;
            }
        } else if (strncmp(buf, "keys ", 5) == 0) {
            char *save = NULL;
            for (char *t = strtok_r(buf + 5, " ", &save); t && p->n < 256;
                 t = strtok_r(NULL, " ", &save)) {
                wint_t code;
                bool isfn;
                if (tui_parse_key_name(t, &code, &isfn)) {
                    p->keys[p->n] = code;
                    p->fn[p->n++] = isfn;
                } else {
                    fprintf(stderr, "casereview: script line %d: '%s' is not a key\n",
                            app->script_line, t);
                }
            }
        } else {
            fprintf(stderr, "casereview: script line %d: unknown command '%s'\n",
                    app->script_line, buf);
        }
    }
    *ch = p->keys[p->next];
    *fn = p->fn[p->next++];
    return *fn ? KEY_CODE_YES : OK;
}

/* Route a key: the status message goes, then the screen, then the global actions. */
static void
handle_key(struct app *app, wint_t ch, bool fn)
{
    app->status[0] = '\0';
    app->dirty = true;
    if (fn && ch == KEY_RESIZE) {
        /* Pages are a screenful: read them again for the new size. */
        tui_reload_all(app);
        return;
    }
    if (fn && tui_form_edit_key(app, (int)ch))
        return;
    if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS) {
        if (!fn && ch == 'q')
            app->quit = true;
        return;
    }
    int action = tui_key_action(app, ch, fn);
    const struct screen_ops *ops = app->stack[app->depth - 1].ops;
    void *state = app->stack[app->depth - 1].state;
    if (ops->key(app, state, action, fn ? 0 : ch))
        return;
    switch (action) {
    case TA_QUIT:
    case TA_CANCEL:
        tui_pop(app);
        break;
    case TA_HELP:
        tui_push(app, &help_screen, (void *)ops);
        break;
    case TA_DASHBOARD:
        if (ops != &dashboard_screen) {
            void *d = tui_dashboard_new(app);
            if (d)
                tui_push(app, &dashboard_screen, d);
        }
        break;
    case TA_REFRESH:
        tui_reload_all(app);
        clearok(curscr, TRUE);
        break;
    default:
        break;
    }
}

int
tui_run(cr_db *db, const struct cr_config *cfg, const struct cr_person *me,
        const struct keymap *keys, const char *db_path, const char *theme, const char *script,
        const char *size)
{
    struct app *app = calloc(1, sizeof *app);
    if (!app)
        return 4;
    app->db = db;
    app->cfg = cfg;
    app->me = me;
    app->db_path = db_path;
    app->filter = (struct cr_filter)CR_FILTER_ALL;
    app->keys = *keys;
    char *problems = malloc(1 << 16);
    if (!problems || tui_theme_load(app, theme, problems, 1 << 16) != 0) {
        fprintf(stderr, "%s\n", problems ? problems : "casereview: out of memory");
        free(problems);
        free(app);
        return 3;
    }
    free(problems);

    SCREEN *scr;
    FILE *devnull = NULL;
    if (script) {
        int cols = 80, rows = 24;
        if (size && !parse_size(size, &cols, &rows)) {
            fprintf(stderr, "casereview: --size must be COLSxROWS, not '%s'\n", size);
            free(app);
            return 2;
        }
        app->script = strcmp(script, "-") == 0 ? stdin : fopen(script, "r");
        if (!app->script) {
            fprintf(stderr, "casereview: %s: %s\n", script, strerror(errno));
            free(app);
            return 3;
        }
        devnull = fopen("/dev/null", "w+");
        scr = newterm(getenv("TERM") ? NULL : "xterm-256color", devnull, devnull);
        if (scr) {
            set_term(scr);
            resize_term(rows, cols);
        }
    } else if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "casereview: the terminal interface needs a terminal on stdin and "
                        "stdout; give a command (see 'casereview --help') or --script FILE\n");
        free(app);
        return 2;
    } else {
        scr = newterm(NULL, stdout, stdin);
    }
    if (!scr) {
        fprintf(stderr, "casereview: cannot start the terminal interface (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "");
        if (devnull)
            fclose(devnull);
        free(app);
        return 4;
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(50);
    tui_theme_apply(app);
    cr_db_data_version(db, &app->data_version);

    void *queue = tui_queue_new(app);
    if (queue)
        tui_push(app, &queue_screen, queue);
    struct pending pending = {.n = 0};
    while (!app->quit && app->depth) {
        if (app->dirty)
            draw(app);
        wint_t ch;
        bool fn;
        int rc;
        if (app->script) {
            rc = script_key(app, &pending, &ch, &fn);
            if (rc == ERR)
                break;
        } else {
            timeout(1000);
            rc = get_wch(&ch);
            if (rc == ERR) {
                check_changes(app);
                continue;
            }
            fn = rc == KEY_CODE_YES;
        }
        handle_key(app, ch, fn);
    }
    while (app->depth)
        tui_pop(app);
    endwin();
    delscreen(scr);
    if (devnull)
        fclose(devnull);
    if (app->script && app->script != stdin)
        fclose(app->script);
    free(app);
    return 0;
}
