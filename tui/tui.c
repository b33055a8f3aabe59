/*
 * The terminal interface's main loop: curses set-up, the screen stack and
 * the registry's screens opened by action, the key driver and the handler
 * tables' dispatcher, the status line, resizing, live updates and the
 * scripted mode used by tests.
 *
 * Scripted mode (--script FILE) reads keys from FILE instead of the
 * terminal, taking the next only when the screen is idle, and draws into
 * curses' own screen without a terminal; `dump FILE` writes that screen
 * out.  Script lines:
 *     keys j j <Enter>      keys, by name, as the key table writes them
 *     type Some text        characters typed as they are
 *     typefile FILE         a file typed key by key: a line break is Enter, a tab
 *                           or another control character comes after C-v
 *     paste FILE            a file pasted (a bracketed paste)
 *     dump FILE             the screen as text, trailing spaces trimmed
 *     resize 100x30         the terminal changes size
 *     tick                  a second passes (live updates are checked)
 *     run COMMAND           another program runs meanwhile (another user's action)
 *     # a comment
 */
#include "tui.h"

#include "notify.h"
#include "text.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
            char mark[GLYPH_MARK_MAX];
            glyph_mark_text(&g, mark);
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

bool
tui_open(struct app *app, int action, const struct tui_target *t)
{
    const struct screen_ops *ops = tui_screen_for(action);
    const struct screen_ops *top = app->depth ? app->stack[app->depth - 1].ops : NULL;
    if (!ops || ops == top)
        return false;
    struct tui_target at = *t;
    at.action = action;
    at.from = top;
    void *state = ops->open(app, &at);
    if (!state)
        return false;
    tui_push(app, ops, state);
    return true;
}

bool
tui_start(struct app *app, const struct screen_ops *after)
{
    size_t i = 0;
    if (after) {
        while (tui_screens[i] && tui_screens[i] != after)
            i++;
        if (tui_screens[i])
            i++;
    }
    for (; tui_screens[i]; i++) {
        const struct screen_ops *ops = tui_screens[i];
        if (!ops->start)
            continue;
        struct tui_target t = {.action = TA_NONE};
        void *state = ops->open(app, &t);
        if (state) {
            tui_push(app, ops, state);
            return true;
        }
    }
    return false;
}

const struct tui_function *
tui_function_of(const struct tui_function *table, int action)
{
    for (const struct tui_function *f = table; f && f->action != TA_NONE; f++)
        if (f->action == action)
            return f;
    return NULL;
}

/* What must hold before an action runs; false with the refusal in the status line. */
static bool
prereq(struct app *app, int action, unsigned flags)
{
    const struct tui_case_ref *c = &app->shared.cur;
    if ((flags & TUI_NEED_CASE) && !c->id) {
        char clear[32] = "";
        if (app->keys.keys[TA_FILTER_CLEAR][0])
            tui_key_name(app->keys.keys[TA_FILTER_CLEAR][0], app->keys.is_fn[TA_FILTER_CLEAR][0],
                         clear, sizeof clear);
        tui_message(app, false,
                    "%s needs a case, and none is selected: no case shows in the queue%s%s%s",
                    tui_action_name(action), clear[0] ? " (" : "", clear,
                    clear[0] ? " clears the filters and the search)" : "");
        return false;
    }
    return true;
}

bool
tui_open_case(struct app *app, int64_t case_id, int64_t version)
{
    const struct screen_ops *case_ops = tui_screen_for(TA_OPEN);
    if (app->depth > 1 && app->stack[app->depth - 1].ops == case_ops)
        tui_pop(app);
    struct tui_target t = {.c = {case_id, version, false}};
    return tui_open(app, TA_OPEN, &t);
}

static char *act_message(struct app *app, const struct cr_request *req,
                         const struct cr_act_result *res, bool *failed);

/*
 * Take next (TK_PICK): core claims the riskiest flagged case this user may
 * take (cr_take_next, as `claim --next`), and it opens; or the status line
 * says why not (none left, not a reviewer).
 */
static void
take_next(struct app *app)
{
    struct cr_act_result res;
    if (cr_take_next(app->db, &res) != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return;
    }
    const struct cr_request req = {.action = CR_ACTION_CLAIM};
    bool failed;
    char *said = act_message(app, &req, &res, &failed);
    tui_reload_all(app);
    tui_open_case(app, res.case_id, res.version);
    tui_message(app, failed, "%s", said ? said : "claimed");
    free(said);
}

/*
 * A core action on the current case (a selected one: TUI_NEED_CASE).  A
 * form opens only for an action core's rules allow this user now (cr_may,
 * the same check as cr_act), else the refusal shows at once; an action with
 * no form (claim, release) core does at once, on the version on screen, and
 * refuses itself.
 */
static void
core_action(struct app *app, int action)
{
    if (tui_action_kind(action) == TK_PICK) {
        take_next(app);
        return;
    }
    int core = tui_action_core(action);
    struct tui_target t = {.c = app->shared.cur};
    if (tui_screen_for(action)) {
        if (cr_may_id(app->db, t.c.id, core) != CR_OK)
            tui_message(app, true, "%s", cr_db_errmsg(app->db));
        else
            tui_open(app, action, &t);
        return;
    }
    struct cr_request req = {.action = core, .expect_version = t.c.version};
    bool done = tui_act(app, t.c.id, &req);
    tui_reload_all(app);
    /* A claimed case leaves a view of flagged cases: it opens, so that it does not vanish. */
    if (done && core == CR_ACTION_CLAIM &&
        app->stack[app->depth - 1].ops != tui_screen_for(TA_OPEN))
        tui_open_case(app, t.c.id, 0);
}

/* The driver's own screen actions, on every screen: back, leave, suspend, redraw. */

/* Back; on the top screen, leaving asks first (y quits; any other key stays). */
static void
drive_back(struct app *app)
{
    if (app->depth == 1) {
        app->asking_quit = true;
        tui_message(app, false, "Quit casereview? y quits; any other key stays.");
        return;
    }
    tui_pop(app);
}

static void
drive_quit_all(struct app *app)
{
    app->quit = true;
}

static void
drive_suspend(struct app *app)
{
    tui_terminal_pause(app);
    raise(SIGTSTP);
    tui_terminal_resume(app);
}

static void
drive_refresh(struct app *app)
{
    tui_reload_all(app);
    clearok(curscr, TRUE);
}

static const struct {
    int action;
    void (*fn)(struct app *app);
    bool modal; /* also over a modal screen (a form keeps its text through these) */
} driver_actions[] = {
    {TA_QUIT, drive_back, false},         {TA_CANCEL, drive_back, false},
    {TA_QUIT_ALL, drive_quit_all, false}, {TA_SUSPEND, drive_suspend, true},
    {TA_REFRESH, drive_refresh, true},
};

static size_t
driver_action_of(int action)
{
    size_t i = 0;
    while (i < sizeof driver_actions / sizeof driver_actions[0] &&
           driver_actions[i].action != action)
        i++;
    return i;
}

enum tui_route
tui_route_of(const struct screen_ops *ops, int action)
{
    const struct tui_function *f = tui_function_of(ops->functions, action);
    if (f && f->fn)
        return TR_HANDLER;
    size_t d = driver_action_of(action);
    switch (tui_action_kind(action)) {
    case TK_NAV:
        return ops->nav ? TR_NAV : TR_NONE;
    case TK_CORE:
    case TK_PICK:
        return f ? TR_CORE : TR_NONE;
    case TK_SCREEN:
        if (f && tui_screen_for(action))
            return TR_OPEN;
        if (d < sizeof driver_actions / sizeof driver_actions[0] &&
            (!ops->modal || driver_actions[d].modal))
            return TR_DRIVER;
        return TR_NONE;
    default:
        return TR_NONE; /* a form's key: only the form's handlers take it */
    }
}

void
tui_message(struct app *app, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = tui_vprintf(fmt, ap);
    va_end(ap);
    free(app->status);
    app->status = text && *text ? text : NULL;
    if (!app->status)
        free(text);
    app->status_error = error;
    app->dirty = true;
}

struct status_lines {
    const char *start[64];
    size_t len[64];
    int n;
};

static void
status_line(void *ctx, const char *p, size_t n)
{
    struct status_lines *sl = ctx;
    if (sl->n < 64) {
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
    if (app->status) {
        /* A long message (a refusal with what you may do instead) takes the lines it needs. */
        struct status_lines sl = {.n = 0};
        text_wrap(app->status, COLS - 1, status_line, &sl);
        int most = LINES / 3 > 3 ? LINES / 3 : 3;
        int first = sl.n > most ? sl.n - most : 0, rows = sl.n - first;
        for (int i = 0; i < rows; i++) {
            move(LINES - rows + i, 0);
            clrtoeol();
            char *text = strndup(sl.start[first + i], sl.len[first + i]);
            if (text)
                tui_put(stdscr, LINES - rows + i, 0, text, COLS,
                        tui_attr(app, app->status_error ? CR_SLOT_ERROR : CR_SLOT_MESSAGE));
            free(text);
        }
        return;
    }
    char roles[128] = "";
    size_t used = 0;
    for (int r = 0; r < CR_ROLE_COUNT; r++)
        if (cr_person_has(app->me, r))
            used += (size_t)snprintf(roles + used, sizeof roles - used, "%s%s", used ? "," : "",
                                     cr_role_name(r));
    char *line = tui_printf(" %s (%s)  %s  %s   ? help  q %s", app->me->login, roles, app->me->name,
                            cr_db_label(app->db), app->depth > 1 ? "back" : "quit");
    attron(tui_attr(app, CR_SLOT_STATUS));
    for (int x = 0; x < COLS; x++)
        mvaddch(row, x, ' ');
    if (line)
        tui_put(stdscr, row, 0, line, COLS, tui_attr(app, CR_SLOT_STATUS));
    free(line);
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

/*
 * What an action did, in core's words (cr_act_describe, as the command line
 * prints them): "case 7: decision recorded: refer; awaiting approval".  The
 * notify command is started here, as the command line starts it, and not
 * waited for: a notice that could not be handed over is said too (and is
 * in the audit trail); the command's own failure comes later (notify_reports).
 * A new string, or NULL.
 */
static char *
act_message(struct app *app, const struct cr_request *req, const struct cr_act_result *res,
            bool *failed)
{
    char *what = cr_act_describe(app->db, req, res);
    char why[200];
    *failed = tui_notify(app->db, app->cfg, why, sizeof why) != 0;
    char *text = tui_printf("case %lld: %s%s%s", (long long)res->case_id,
                            what ? what : cr_action_name(req->action),
                            *failed ? "; the notify command " : "", *failed ? why : "");
    free(what);
    return text;
}

bool
tui_act(struct app *app, int64_t case_id, const struct cr_request *req)
{
    struct cr_act_result res;
    if (cr_act_id(app->db, case_id, req, &res) != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return false;
    }
    bool failed;
    char *said = act_message(app, req, &res, &failed);
    tui_message(app, failed, "%s", said ? said : "done");
    free(said);
    return true;
}

void
tui_reload_all(struct app *app)
{
    for (int i = 0; i < app->depth; i++)
        if (app->stack[i].ops->reload)
            app->stack[i].ops->reload(app, app->stack[i].state);
    app->shared.queue.refiltered = false;
    cr_db_data_version(app->db, &app->data_version);
    app->dirty = true;
}

/*
 * Live updates.  Where the engine gives a descriptor to wait on
 * (PostgreSQL's notifications: wait_key), a change is shown as soon as it
 * comes; while changes keep coming (an import, a bulk assign, another
 * workstation that records a view as it reloads) the screens are reloaded
 * at most once a second, the last change shown at the end of that second.
 * Elsewhere (SQLite) the main loop checks once a second when no key comes.
 */
#define LIVE_MS 1000
static struct {
    struct timespec last; /* when check_changes last reloaded the screens */
    bool held;            /* a change seen, its reload held back until last + LIVE_MS */
    bool broken;          /* the descriptor failed: back to the timed check */
} live;

/* Milliseconds from the last reload to now (monotonic). */
static int64_t
live_since(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - live.last.tv_sec) * 1000 +
           (now.tv_nsec - live.last.tv_nsec) / 1000000;
}

/* Reload the screens when another connection committed; false when the engine could not say. */
static bool
check_changes(struct app *app)
{
    int64_t v;
    if (cr_db_data_version(app->db, &v) != CR_OK)
        return false;
    live.held = false;
    if (v == app->data_version)
        return true;
    if (!app->script && cr_db_change_fd(app->db) >= 0 && !live.broken && live_since() < LIVE_MS) {
        live.held = true;
        return true;
    }
    tui_reload_all(app);
    clock_gettime(CLOCK_MONOTONIC, &live.last);
    return true;
}

/*
 * The next key, as get_wch gives it, waiting for it at most a second (ERR
 * after a second without one, as the timed check expects).  Where the
 * engine gives a descriptor (cr_db_change_fd), the wait is poll() on the
 * terminal and on it: another connection's change is taken in as it comes
 * (ERR, the screens reloaded: the main loop draws them).  Only curses
 * reads the terminal, so no key is lost: what it holds already (typeahead,
 * a key it read ahead, a resize) is asked first, and a key waits in the
 * terminal while the screens reload.  A signal cuts the wait short (ERR);
 * a resize then comes as KEY_RESIZE.
 */
static int
wait_key(struct app *app, wint_t *ch)
{
    if (live.broken || cr_db_change_fd(app->db) < 0) {
        timeout(LIVE_MS);
        return get_wch(ch);
    }
    timeout(0);
    int rc = get_wch(ch);
    if (rc != ERR)
        return rc;
    /* A notification that came with the reply to an earlier call is not on the socket. */
    bool dirty = app->dirty;
    if (!check_changes(app))
        live.broken = true;
    int fd = cr_db_change_fd(app->db);
    if (app->dirty != dirty || live.broken || fd < 0)
        return ERR;
    int64_t ms = live.held ? LIVE_MS - live_since() : LIVE_MS;
    struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = fd, .events = POLLIN}};
    if (poll(p, 2, ms < 0 ? 0 : ms > LIVE_MS ? LIVE_MS : (int)ms) <= 0)
        return ERR; /* a second, a held change's turn, or a signal (a resize: KEY_RESIZE next) */
    if (p[1].revents && !check_changes(app))
        live.broken = true; /* the connection failed: never wait on it again */
    if (!p[0].revents)
        return ERR;
    timeout(LIVE_MS);
    return get_wch(ch);
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

/*
 * A notify command's failure, reported by its watchdog since the last look:
 * on the message line (after the quit question, which it would hide).
 */
static void
notify_reports(struct app *app)
{
    char text[400];
    while (!app->asking_quit && tui_notify_report(text, sizeof text))
        tui_message(app, true, "%s", text);
}

/* Stopping: SIGHUP (the connection dropped), SIGTERM, SIGINT */

static volatile sig_atomic_t stop_signal;

static void
on_stop(int sig)
{
    if (!stop_signal)
        stop_signal = sig;
}

int
tui_stop_signal(void)
{
    return stop_signal;
}

static const int stop_signals[] = {SIGHUP, SIGTERM, SIGINT};

/*
 * Catch the stop signals before curses starts, so that curses leaves them
 * to us: the main loop then keeps the form's text as a draft, ends an
 * editor, restores the terminal and exits with 128 + the signal.  No
 * SA_RESTART: a wait for a key or for the editor is cut short.
 */
static void
catch_stops(bool on)
{
    struct sigaction sa = {.sa_handler = on ? on_stop : SIG_DFL};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaction(stop_signals[i], &sa, NULL);
    if (on)
        stop_signal = 0;
}

/* Whether the terminal went away (a dropped connection that sent no SIGHUP). */
static bool
terminal_gone(void)
{
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

/* Bracketed paste: the terminal marks pasted text, so it is never taken for keys. */
static void
bracketed_paste(struct app *app, bool on)
{
    if (app->script)
        return;
    fputs(on ? "\033[?2004h" : "\033[?2004l", stdout);
    fflush(stdout);
}

void
tui_terminal_pause(struct app *app)
{
    bracketed_paste(app, false);
    def_prog_mode();
    endwin();
}

void
tui_terminal_resume(struct app *app)
{
    reset_prog_mode();
    bracketed_paste(app, true);
    clearok(curscr, TRUE);
    app->dirty = true;
}

/* Script input: the next key, or ERR at the end; other commands are done here. */
struct pending {
    wint_t *keys;
    bool *fn;
    size_t n, next, cap;
};

static bool
push_key(struct pending *p, wint_t key, bool fn)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        wint_t *k = realloc(p->keys, cap * sizeof *k);
        if (k)
            p->keys = k;
        bool *f = k ? realloc(p->fn, cap * sizeof *f) : NULL;
        if (!f)
            return false;
        p->fn = f;
        p->cap = cap;
    }
    p->keys[p->n] = key;
    p->fn[p->n++] = fn;
    return true;
}

static bool
parse_size(const char *s, int *cols, int *rows)
{
    return s && sscanf(s, "%dx%d", cols, rows) == 2 && *cols > 0 && *rows > 0 && *cols < 1000 &&
           *rows < 1000;
}

/* Characters of s as keys: as typed (controls after C-v) or as pasted. */
static void
push_text(struct pending *p, const char *s, size_t n, bool typed)
{
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    while (n) {
        wchar_t wc;
        size_t len = mbrtowc(&wc, s, n, &ps);
        if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
            memset(&ps, 0, sizeof ps);
            len = 1;
            wc = 0xFFFD;
        }
        if (typed && (wc == '\r' || wc == '\n')) {
            if (wc == '\r' && n > 1 && s[1] == '\n')
                len = 2;
            push_key(p, '\r', false); /* Enter, as a terminal in raw mode sends it */
        } else {
            if (typed && (wc < ' ' || wc == 127))
                push_key(p, 22, false); /* C-v: the next key as text */
            push_key(p, (wint_t)wc, false);
        }
        s += len;
        n -= len;
    }
}

static char *
slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = read_whole(f, (size_t)1 << 30, n);
    fclose(f);
    return buf;
}

static int
script_key(struct app *app, struct pending *p, wint_t *ch, bool *fn)
{
    char buf[4096];
    while (p->next == p->n) {
        p->n = p->next = 0;
        if (stop_signal)
            return ERR;
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
            if (system(buf + 4) != 0 && !stop_signal)
                fprintf(stderr, "casereview: script line %d: '%s' failed\n", app->script_line,
                        buf + 4);
        } else if (strncmp(buf, "type ", 5) == 0) {
            push_text(p, buf + 5, strlen(buf + 5), true);
        } else if (strncmp(buf, "typefile ", 9) == 0 || strncmp(buf, "paste ", 6) == 0) {
            bool typed = buf[0] == 't';
            const char *path = buf + (typed ? 9 : 6);
            size_t n;
            char *text = slurp(path, &n);
            if (!text) {
                fprintf(stderr, "casereview: script line %d: %s: %s\n", app->script_line, path,
                        strerror(errno));
                continue;
            }
            if (!typed)
                push_key(p, TUI_KEY_PASTE_START, true);
            push_text(p, text, n, typed);
            if (!typed)
                push_key(p, TUI_KEY_PASTE_END, true);
            free(text);
        } else if (strncmp(buf, "keys ", 5) == 0) {
            char *save = NULL;
            for (char *t = strtok_r(buf + 5, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                wint_t code;
                bool isfn;
                if (tui_parse_key_name(t, &code, &isfn))
                    push_key(p, code, isfn);
                else
                    fprintf(stderr, "casereview: script line %d: '%s' is not a key\n",
                            app->script_line, t);
            }
        } else {
            fprintf(stderr, "casereview: script line %d: unknown command '%s'\n", app->script_line,
                    buf);
        }
    }
    *ch = p->keys[p->next];
    *fn = p->fn[p->next++];
    return *fn ? KEY_CODE_YES : OK;
}

/* A key inside a bracketed paste: gathered, then handed to the form at its end. */
static void
paste_key(struct app *app, wint_t ch, bool fn)
{
    if (fn && ch == TUI_KEY_PASTE_END) {
        app->pasting = false;
        const struct screen_ops *ops = app->stack[app->depth - 1].ops;
        if (!ops->paste || !ops->paste(app, app->stack[app->depth - 1].state,
                                       app->paste ? app->paste : "", app->paste_len))
            tui_message(app, true, "A paste goes into a form's text; nothing was done with it.");
        app->paste_len = 0;
        app->dirty = true;
        return;
    }
    char mb[MB_LEN_MAX];
    size_t n = 0;
    if (fn && ch == KEY_ENTER) {
        mb[0] = '\n';
        n = 1;
    } else if (!fn) {
        mbstate_t ps;
        memset(&ps, 0, sizeof ps);
        n = wcrtomb(mb, (wchar_t)ch, &ps);
        if (n == (size_t)-1)
            n = 0;
    }
    if (app->paste_len + n + 1 > app->paste_cap) {
        size_t cap = app->paste_cap ? app->paste_cap * 2 : 4096;
        char *p = realloc(app->paste, cap);
        if (!p)
            return;
        app->paste = p;
        app->paste_cap = cap;
    }
    memcpy(app->paste + app->paste_len, mb, n);
    app->paste_len += n;
    app->paste[app->paste_len] = '\0';
}

/* Route a key: the status message goes, then the screen, then the driver by the action's kind. */
static void
handle_key(struct app *app, wint_t ch, bool fn)
{
    if (app->pasting) {
        paste_key(app, ch, fn);
        return;
    }
    if (fn && ch == TUI_KEY_PASTE_START) {
        app->pasting = true;
        app->paste_len = 0;
        return;
    }
    if (fn && ch == TUI_KEY_PASTE_END)
        return;
    if (app->asking_quit) {
        if (fn && ch == KEY_RESIZE) {
            tui_reload_all(app); /* the question stays */
            return;
        }
        app->asking_quit = false;
        if (!fn && (ch == 'y' || ch == 'Y'))
            app->quit = true;
        else
            tui_message(app, false, "Not quitting.");
        return;
    }
    free(app->status);
    app->status = NULL;
    app->dirty = true;
    if (fn && ch == KEY_RESIZE) {
        /* Pages are a screenful: read them again for the new size. */
        tui_reload_all(app);
        return;
    }
    if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS) {
        if (!fn && (ch == 'q' || ch == 3))
            app->quit = true;
        return;
    }
    int action = tui_key_action(&app->keys, ch, fn);
    const struct screen_ops *ops = app->stack[app->depth - 1].ops;
    void *state = app->stack[app->depth - 1].state;
    app->key = ch;
    app->key_fn = fn;
    app->shared.cur = (struct tui_case_ref){0};
    if (ops->current)
        ops->current(app, state, &app->shared.cur);
    /* The screen first (typed text, its handlers), then the driver by the action's kind. */
    wint_t typed = fn ? 0 : ch;
    if (ops->key && ops->key(app, state, action, typed))
        return;
    const struct tui_function *f = tui_function_of(ops->functions, action);
    if (f && !prereq(app, action, f->flags))
        return;
    if ((f && f->fn && f->fn(app, state, action)) ||
        (ops->unbound && ops->unbound(app, state, action, typed)))
        return;
    switch (tui_route_of(ops, action)) {
    case TR_NAV:
        tui_nav_move(app, ops->nav(app, state), action);
        break;
    case TR_CORE:
        core_action(app, action);
        break;
    case TR_OPEN: {
        struct tui_target t = {.c = app->shared.cur};
        tui_open(app, action, &t);
        break;
    }
    case TR_DRIVER:
        driver_actions[driver_action_of(action)].fn(app);
        break;
    case TR_HANDLER: /* the handler left it: nothing more */
        break;
    case TR_NONE:
        /*
         * A key with no action, or one this screen does not offer: said, as
         * mutt says it.  A form takes every key it does not know quietly: it
         * may be text.
         */
        if (!ops->modal && !(fn && ch == KEY_MOUSE)) {
            char name[32];
            tui_key_name(ch, fn, name, sizeof name);
            tui_message(app, false, "%s: key not bound here. Press ? for help.", name);
        }
        break;
    }
}

static bool summary_first;

void
tui_summary_on_start(void)
{
    summary_first = true;
}

/* "1,131": a count with its thousands marked, as people write it. */
static void
thousands(int64_t n, char *out, size_t size)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", (long long)n), used = 0;
    for (int i = 0; i < len && used + 2 < (int)size; i++) {
        if (i && digits[i - 1] != '-' && (len - i) % 3 == 0)
            out[used++] = ',';
        out[used++] = digits[i];
    }
    out[used] = '\0';
}

/* The first screen's summary: how many cases, who you are, where help is. */
static void
start_summary(struct app *app)
{
    struct cr_stats stats;
    if (cr_stats_get(app->db, &stats) != CR_OK)
        return;
    char count[40], roles[128];
    thousands(stats.cases, count, sizeof count);
    size_t used = 0;
    roles[0] = '\0';
    for (int r = 0; r < CR_ROLE_COUNT; r++)
        if (cr_person_has(app->me, r))
            used += (size_t)snprintf(roles + used, sizeof roles - used, "%s%s", used ? ", " : "",
                                     cr_role_name(r));
    tui_message(app, false, "%s %s; you are %s: %s; press ? for help", count,
                stats.cases == 1 ? "case" : "cases", app->me->login, *roles ? roles : "no role");
}

/* The first screen: the registry's first start screen that opens (tui_start). */
static void
first_screen(struct app *app)
{
    if (cr_db_read_only(app->db))
        tui_message(app, false,
                    "%s is a read-only copy: what you open here is not recorded in its audit "
                    "trail, and nothing can be changed",
                    cr_db_label(app->db));
    else if (summary_first)
        start_summary(app);
    tui_start(app, NULL);
}

static void
app_free(struct app *app)
{
    free(app->status);
    free(app->shared.queue.search);
    free(app->paste);
    free(app);
}

int
tui_run(cr_db *db, const struct cr_config *cfg, const struct cr_person *me,
        const struct keymap *keys, const char *db_path, const char *theme, const char *script,
        const char *size)
{
    char why[512];
    if (tui_check_locale(why, sizeof why) != 0 ||
        (!script && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) &&
         tui_check_terminal(why, sizeof why) != 0)) {
        fprintf(stderr, "%s\n", why);
        return 2;
    }
    struct app *app = calloc(1, sizeof *app);
    if (!app)
        return 4;
    app->db = db;
    app->cfg = cfg;
    app->me = me;
    app->db_path = db_path;
    app->shared.queue.filter = (struct cr_filter)CR_FILTER_ALL;
    app->keys = *keys;
    char *problems = malloc(1 << 16);
    if (!problems ||
        tui_theme_load(app->cfg, theme, &app->theme, &app->mono, problems, 1 << 16) != 0) {
        fprintf(stderr, "%s\n", problems ? problems : "casereview: out of memory");
        free(problems);
        app_free(app);
        return 3;
    }
    free(problems);

    SCREEN *scr;
    FILE *devnull = NULL;
    if (script) {
        int cols = 80, rows = 24;
        if (size && !parse_size(size, &cols, &rows)) {
            fprintf(stderr, "casereview: --size must be COLSxROWS, not '%s'\n", size);
            app_free(app);
            return 2;
        }
        app->script = strcmp(script, "-") == 0 ? stdin : fopen(script, "r");
        if (!app->script) {
            fprintf(stderr, "casereview: %s: %s\n", script, strerror(errno));
            app_free(app);
            return 3;
        }
        devnull = fopen("/dev/null", "w+");
        catch_stops(true);
        scr = newterm(getenv("TERM") ? NULL : "xterm-256color", devnull, devnull);
        if (scr) {
            set_term(scr);
            resize_term(rows, cols);
        }
    } else if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "casereview: the terminal interface needs a terminal on stdin and "
                        "stdout; give a command (see 'casereview --help') or --script FILE\n");
        app_free(app);
        return 2;
    } else {
        catch_stops(true);
        scr = newterm(NULL, stdout, stdin);
    }
    if (!scr) {
        catch_stops(false);
        fprintf(stderr, "casereview: cannot start the terminal interface (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "");
        if (devnull)
            fclose(devnull);
        app_free(app);
        return 4;
    }
    /* Raw: C-s, C-q, C-c and C-z come as keys (no flow control, no signals from keys). */
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(50);
    define_key("\033[200~", TUI_KEY_PASTE_START);
    define_key("\033[201~", TUI_KEY_PASTE_END);
    bracketed_paste(app, true);
    tui_theme_apply(&app->theme, &app->mono, app->slot_attr);
    cr_db_data_version(db, &app->data_version);

    first_screen(app);
    struct pending pending = {0};
    while (!app->quit && app->depth && !stop_signal) {
        notify_reports(app);
        /* A script's keys go in as typeahead: the screen is drawn when they are all in. */
        if (app->dirty && !(app->script && pending.next < pending.n))
            draw(app);
        wint_t ch;
        bool fn;
        int rc;
        if (app->script) {
            rc = script_key(app, &pending, &ch, &fn);
            if (rc == ERR)
                break;
        } else {
            rc = wait_key(app, &ch);
            if (rc == ERR) {
                if (!stop_signal && terminal_gone())
                    stop_signal = SIGHUP;
                if (!stop_signal)
                    check_changes(app);
                continue;
            }
            fn = rc == KEY_CODE_YES;
        }
        handle_key(app, ch, fn);
    }
    int sig = stop_signal;
    bool kept = false;
    /* Unsaved work (a form's text) is kept by the topmost screen that keeps any. */
    for (int i = app->depth - 1; sig && i >= 0 && !kept; i--)
        if (app->stack[i].ops->keep) {
            kept = app->stack[i].ops->keep(app, app->stack[i].state);
            break;
        }
    while (app->depth)
        tui_pop(app);
    bracketed_paste(app, false);
    endwin();
    delscreen(scr);
    catch_stops(false);
    if (devnull)
        fclose(devnull);
    if (app->script && app->script != stdin)
        fclose(app->script);
    free(pending.keys);
    free(pending.fn);
    app_free(app);
    if (sig) {
        fprintf(stderr, "casereview: stopped by %s%s\n",
                sig == SIGHUP    ? "SIGHUP"
                : sig == SIGTERM ? "SIGTERM"
                                 : "SIGINT",
                kept ? "; the text you had not submitted is kept as a draft, offered back when "
                       "you open that form again"
                     : "");
        return 128 + sig;
    }
    return 0;
}
