/*
 * Short forms over ncurses' form library: decide, approve, return, vote,
 * assign, note, and the search prompt.  A form gathers what the action
 * needs and hands it to cr_act(); the refusal or the result is core's
 * message in the status line.  A refused form stays open to be corrected.
 *
 * In a form, printable keys type; the actions are on other keys: submit
 * (F2, C-s), next and previous field (Tab, BTab), $EDITOR (C-e), cancel (Esc).
 */
#include "tui.h"

#include <errno.h>
#include <form.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FIELDS 4

/* The National Decision Model's headings, laid out for the rationale. */
static const char ndm_template[] = "Information considered:\n\n\n"
                                   "Assessment of threat and risk:\n\n\n"
                                   "Powers and policy:\n\n\n"
                                   "Options considered (and rejected):\n\n\n"
                                   "Reasons for the option chosen:\n";

struct form_state {
    int action;      /* TA_DECIDE ... or TA_SEARCH */
    int64_t case_id;
    int64_t version;
    int nfields;
    const char *labels[MAX_FIELDS];
    bool multiline[MAX_FIELDS];
    const char **choices[MAX_FIELDS]; /* an enumerated field's values, NULL-terminated */
    char *values[MAX_FIELDS];         /* kept across a rebuild (resize) */
    FIELD *fields[MAX_FIELDS + 1];
    FORM *form;
    WINDOW *win; /* the form's own window, laid over stdscr */
    int built_cols, built_rows;
    const char **reviewers; /* assign's choices */
    char about[3][512];     /* what the action is about: the decision, its rationale */
};

static const char *outcome_choices[] = {"nfa", "reassess", "refer", NULL};
static const char *yes_no[] = {"no", "yes", NULL};
static const char *vote_choices[] = {"concur", "dissent", "recuse", NULL};

/* A field's text: rows joined with line breaks, trailing spaces and blank lines trimmed. */
static char *
field_text(FIELD *f, bool multiline)
{
    int rows, cols, max;
    dynamic_field_info(f, &rows, &cols, &max);
    const char *buf = field_buffer(f, 0);
    size_t len = strlen(buf);
    char *out = malloc(len + (size_t)rows + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    if (!multiline) {
        memcpy(out, buf, len);
        o = len;
    } else {
        /*
         * The buffer is rows of `cols` cells.  A row the form filled up to
         * where the next word would not fit was wrapped, not ended: join it
         * to the next with a space; any other row ended with a line break.
         */
        const char *p = buf, *end = buf + len;
        mbstate_t ps;
        memset(&ps, 0, sizeof ps);
        int prev_cells = -1;
        while (p < end) {
            const char *row = p;
            int cells = 0, used = 0;
            while (p < end && cells < cols) {
                wchar_t wc;
                size_t n = mbrtowc(&wc, p, (size_t)(end - p), &ps);
                if (n == (size_t)-1 || n == (size_t)-2 || n == 0)
                    n = 1, wc = ' ';
                int w = wcwidth(wc);
                cells += w > 0 ? w : 1;
                if (wc != ' ')
                    used = cells;
                p += n;
            }
            size_t rl = (size_t)(p - row);
            while (rl && row[rl - 1] == ' ')
                rl--;
            size_t word = strcspn(row, " ");
            if (word > rl)
                word = rl;
            if (prev_cells >= 0 && rl && prev_cells + 1 + (int)word > cols && o &&
                out[o - 1] == '\n')
                out[o - 1] = ' '; /* the previous row was wrapped */
            memcpy(out + o, row, rl);
            o += rl;
            out[o++] = '\n';
            prev_cells = used;
        }
    }
    while (o && (out[o - 1] == ' ' || out[o - 1] == '\n'))
        o--;
    out[o] = '\0';
    return out;
}

/* Keep what was typed, free the form. */
static void
save_and_free(struct form_state *fs)
{
    if (!fs->form)
        return;
    form_driver(fs->form, REQ_VALIDATION);
    for (int i = 0; i < fs->nfields; i++) {
        free(fs->values[i]);
        fs->values[i] = field_text(fs->fields[i], fs->multiline[i]);
    }
    unpost_form(fs->form);
    free_form(fs->form);
    fs->form = NULL;
    for (int i = 0; i < fs->nfields; i++) {
        free_field(fs->fields[i]);
        fs->fields[i] = NULL;
    }
    if (fs->win)
        delwin(fs->win);
    fs->win = NULL;
}

/* Lay the form out for the terminal's size, with the values kept. */
static void
build(struct form_state *fs)
{
    save_and_free(fs);
    int x = 20, width = COLS - x - 2, y = 0;
    int avail = LINES - 6;
    for (int i = 0; i < fs->nfields; i++) {
        int h = 1;
        if (fs->multiline[i]) {
            int others = fs->nfields - 1 - i;
            h = avail - y - others * 2;
            if (h < 3)
                h = 3;
        }
        FIELD *f = new_field(h, width, y, 0, 0, 0);
        if (!f)
            continue;
        set_field_back(f, A_UNDERLINE);
        /* Typing at the start must not wipe the field (the rationale's headings). */
        field_opts_off(f, O_AUTOSKIP | O_BLANK);
        if (fs->multiline[i]) {
            field_opts_off(f, O_STATIC);
            set_max_field(f, 0);
        } else if (!fs->choices[i]) {
            field_opts_off(f, O_STATIC);
            set_max_field(f, 1024);
        }
        if (fs->choices[i])
            set_field_type(f, TYPE_ENUM, (char **)fs->choices[i], 0, 1);
        if (fs->values[i]) {
            /* Multi-line: each line padded to the field's width, as the form stores rows. */
            if (fs->multiline[i]) {
                size_t cap = strlen(fs->values[i]) * 2 + (size_t)(width + 1) * 64 + 1;
                char *padded = malloc(cap);
                size_t o = 0;
                const char *p = fs->values[i];
                while (padded && *p && o + (size_t)width + 8 < cap) {
                    const char *nl = strchr(p, '\n');
                    size_t n = nl ? (size_t)(nl - p) : strlen(p);
                    memcpy(padded + o, p, n);
                    o += n;
                    int cells = 0;
                    for (size_t k = 0; k < n; k++)
                        cells += ((unsigned char)p[k] & 0xC0) != 0x80;
                    for (int pad = cells % width ? width - cells % width : (n ? 0 : width); pad > 0;
                         pad--)
                        padded[o++] = ' ';
                    p += n + (nl ? 1 : 0);
                }
                if (padded) {
                    padded[o] = '\0';
                    set_field_buffer(f, 0, padded);
                    free(padded);
                }
            } else {
                set_field_buffer(f, 0, fs->values[i]);
            }
        }
        fs->fields[i] = f;
        y += h + 1;
    }
    fs->fields[fs->nfields] = NULL;
    fs->form = new_form(fs->fields);
    if (!fs->form)
        return;
    fs->win = newwin(LINES - 4, COLS - x - 1, 3, x);
    if (fs->win) {
        keypad(fs->win, TRUE);
        set_form_win(fs->form, fs->win);
        set_form_sub(fs->form, fs->win);
        post_form(fs->form);
    }
    fs->built_cols = COLS;
    fs->built_rows = LINES;
}

static const char *
title_of(const struct form_state *fs, char *buf, size_t n)
{
    static const char *const what[TA_COUNT] = {
        [TA_DECIDE] = "Decide", [TA_APPROVE] = "Approve the decision on",
        [TA_RETURN] = "Return the decision on", [TA_VOTE] = "Vote on",
        [TA_ASSIGN] = "Assign", [TA_NOTE] = "Add a note to",
    };
    if (fs->action == TA_SEARCH)
        snprintf(buf, n, " Search subjects, references and summaries");
    else
        snprintf(buf, n, " %s case %lld (version %lld)", what[fs->action], (long long)fs->case_id,
                 (long long)fs->version);
    return buf;
}

static void
form_draw(struct app *app, void *state)
{
    struct form_state *fs = state;
    if (fs->nfields && (!fs->form || fs->built_cols != COLS || fs->built_rows != LINES))
        build(fs);
    char title[128];
    attron(tui_attr(app, CR_SLOT_TITLE));
    mvhline(0, 0, ' ', COLS);
    tui_put(stdscr, 0, 0, title_of(fs, title, sizeof title), COLS, tui_attr(app, CR_SLOT_TITLE));
    attroff(tui_attr(app, CR_SLOT_TITLE));
    tui_put(stdscr, 1, 1,
            fs->action == TA_APPROVE
                ? "Approve this decision? F2, C-s or Enter approves; Esc cancels."
                : "Tab next field, Up/Down choices, F2 submit, C-e $EDITOR, Esc cancel",
            COLS - 2, tui_attr(app, CR_SLOT_DIM));
    int y = 3;
    if (!fs->nfields) {
        for (int i = 0; i < 3; i++)
            tui_put(stdscr, 3 + i, 2, fs->about[i], COLS - 3, i ? 0 : tui_attr(app, CR_SLOT_HEADER));
    }
    for (int i = 0; i < fs->nfields && fs->fields[i]; i++) {
        int frow, fcol, rows, cols, nrow, nbuf;
        field_info(fs->fields[i], &rows, &cols, &frow, &fcol, &nrow, &nbuf);
        tui_put(stdscr, y + frow, 1, fs->labels[i], 18, tui_attr(app, CR_SLOT_HEADER));
    }
    curs_set(fs->nfields ? 1 : 0);
}

static void
form_overlay(struct app *app, void *state)
{
    struct form_state *fs = state;
    (void)app;
    if (!fs->win)
        return;
    touchwin(fs->win);
    pos_form_cursor(fs->form);
    wnoutrefresh(fs->win);
}

/* Write the current field's text in $EDITOR: an owner-only file, removed after. */
static void
edit_in_editor(struct app *app, struct form_state *fs)
{
    FIELD *cur = current_field(fs->form);
    int i = 0;
    while (i < fs->nfields && fs->fields[i] != cur)
        i++;
    if (i == fs->nfields || !fs->multiline[i]) {
        tui_message(app, true, "the editor is for a text field; move to it with Tab");
        return;
    }
    save_and_free(fs);
    const char *tmp = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/casereview-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path); /* created 0600 */
    if (fd < 0) {
        tui_message(app, true, "cannot make a file for the editor: %s", strerror(errno));
        return;
    }
    const char *text = fs->values[i] ? fs->values[i] : "";
    bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text) && write(fd, "\n", 1) == 1;
    close(fd);
    const char *editor = getenv("VISUAL") && *getenv("VISUAL") ? getenv("VISUAL") : getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    def_prog_mode();
    endwin();
    pid_t pid = ok ? fork() : -1;
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, path, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    reset_prog_mode();
    refresh();
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    if (f && pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        size_t cap = 1 << 20, n = 0;
        buf = malloc(cap + 1);
        if (buf) {
            n = fread(buf, 1, cap, f);
            buf[n] = '\0';
            while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                buf[--n] = '\0';
        }
    }
    if (f)
        fclose(f);
    unlink(path);
    if (buf) {
        free(fs->values[i]);
        fs->values[i] = buf;
        tui_message(app, false, "text read back from the editor");
    } else {
        tui_message(app, true, "the editor (%s) failed; the text is as it was", editor);
    }
    app->dirty = true;
}

static void
submit(struct app *app, struct form_state *fs)
{
    save_and_free(fs);
    const char *v0 = fs->values[0] ? fs->values[0] : "";
    const char *v1 = fs->nfields > 1 && fs->values[1] ? fs->values[1] : "";
    const char *v2 = fs->nfields > 2 && fs->values[2] ? fs->values[2] : "";
    if (fs->action == TA_SEARCH) {
        snprintf(app->search, sizeof app->search, "%s", v0);
        app->mine = false;
        app->filter.search = app->search[0] ? app->search : NULL;
        app->refiltered = true;
        tui_pop(app);
        tui_reload_all(app);
        return;
    }
    struct cr_request req = {.expect_version = fs->version};
    switch (fs->action) {
    case TA_DECIDE:
        req.action = CR_ACTION_DECIDE;
        req.outcome = cr_outcome_parse(v0);
        req.vetting_review = strcmp(v1, "yes") == 0;
        /* The headings alone are no rationale. */
        req.rationale = strcmp(v2, ndm_template) == 0 || strncmp(v2, ndm_template, strlen(v2)) == 0
                            ? ""
                            : v2;
        break;
    case TA_APPROVE:
        req.action = CR_ACTION_APPROVE;
        break;
    case TA_RETURN:
        req.action = CR_ACTION_RETURN;
        req.reason = v0;
        break;
    case TA_VOTE:
        req.action = CR_ACTION_VOTE;
        req.vote = cr_vote_parse(v0);
        req.reason = *v1 ? v1 : NULL;
        break;
    case TA_ASSIGN:
        req.action = CR_ACTION_ASSIGN;
        req.target = v0;
        break;
    case TA_NOTE:
        req.action = CR_ACTION_NOTE;
        req.text = v0;
        break;
    }
    /* Refused: stay, so the user can correct it. */
    if (!tui_act(app, fs->case_id, &req))
        return;
    char done[sizeof app->status];
    snprintf(done, sizeof done, "%s", app->status);
    tui_pop(app);
    tui_reload_all(app);
    tui_message(app, false, "%s", done);
}

static bool
form_key(struct app *app, void *state, int action, wint_t ch)
{
    struct form_state *fs = state;
    if (!fs->form && fs->nfields)
        build(fs);
    if (!fs->nfields) {
        /* A confirmation: no fields, submit or cancel. */
        if (action == TA_SUBMIT || action == TA_OPEN)
            submit(app, fs);
        else if (action == TA_CANCEL || action == TA_QUIT) {
            tui_pop(app);
            tui_message(app, false, "cancelled; nothing was changed");
        }
        return true;
    }
    if (!fs->form)
        return false;
    FIELD *cur = current_field(fs->form);
    int i = 0;
    while (i < fs->nfields && fs->fields[i] != cur)
        i++;
    bool multi = i < fs->nfields && fs->multiline[i];
    bool choice = i < fs->nfields && fs->choices[i];
    /* Printable characters type; the rest are actions or editing keys. */
    if (ch >= ' ' && ch != 127 && action != TA_SUBMIT) {
        if (!choice)
            form_driver_w(fs->form, OK, (wchar_t)ch);
        return true;
    }
    switch (action) {
    case TA_SUBMIT:
        submit(app, fs);
        return true;
    case TA_NEXT_FIELD:
        form_driver(fs->form, REQ_VALIDATION);
        form_driver(fs->form, REQ_NEXT_FIELD);
        return true;
    case TA_PREV_FIELD:
        form_driver(fs->form, REQ_VALIDATION);
        form_driver(fs->form, REQ_PREV_FIELD);
        return true;
    case TA_EDITOR:
        edit_in_editor(app, fs);
        return true;
    case TA_DOWN:
        form_driver(fs->form, choice ? REQ_NEXT_CHOICE : multi ? REQ_NEXT_LINE : REQ_NEXT_FIELD);
        return true;
    case TA_UP:
        form_driver(fs->form, choice ? REQ_PREV_CHOICE : multi ? REQ_PREV_LINE : REQ_PREV_FIELD);
        return true;
    case TA_OPEN:
        if (multi)
            form_driver(fs->form, REQ_NEW_LINE);
        else if (fs->nfields == 1 || fs->action == TA_SEARCH)
            submit(app, fs);
        else
            form_driver(fs->form, REQ_NEXT_FIELD);
        return true;
    case TA_CANCEL:
        tui_pop(app);
        tui_message(app, false, "cancelled; nothing was changed");
        return true;
    default:
        break;
    }
    /* Backspace, as a character code (KEY_BACKSPACE comes by tui_form_edit_key). */
    if (ch == 127 || ch == 8)
        form_driver(fs->form, REQ_DEL_PREV);
    return true;
}

/* Keys that are curses codes, not actions: editing within the field. */
bool
tui_form_edit_key(struct app *app, int code)
{
    if (!app->depth || app->stack[app->depth - 1].ops != &form_screen)
        return false;
    struct form_state *fs = app->stack[app->depth - 1].state;
    if (!fs->form)
        return false;
    switch (code) {
    case KEY_LEFT: form_driver(fs->form, REQ_PREV_CHAR); return true;
    case KEY_RIGHT: form_driver(fs->form, REQ_NEXT_CHAR); return true;
    case KEY_BACKSPACE: form_driver(fs->form, REQ_DEL_PREV); return true;
    case KEY_DC: form_driver(fs->form, REQ_DEL_CHAR); return true;
    case KEY_HOME: form_driver(fs->form, REQ_BEG_LINE); return true;
    case KEY_END: form_driver(fs->form, REQ_END_LINE); return true;
    default: return false;
    }
}

static void
form_close(struct app *app, void *state)
{
    struct form_state *fs = state;
    (void)app;
    save_and_free(fs);
    for (int i = 0; i < fs->nfields; i++)
        free(fs->values[i]);
    free(fs->reviewers);
    free(fs);
    curs_set(0);
}

void
tui_form_open(struct app *app, int action, int64_t case_id, int64_t version)
{
    struct form_state *fs = calloc(1, sizeof *fs);
    if (!fs)
        return;
    fs->action = action;
    fs->case_id = case_id;
    fs->version = version;
#define FIELD_(label, multi, list, value)                                      \
    do {                                                                       \
        fs->labels[fs->nfields] = label;                                       \
        fs->multiline[fs->nfields] = multi;                                    \
        fs->choices[fs->nfields] = list;                                       \
        const char *value_ = (value);                                          \
        fs->values[fs->nfields] = value_ ? strdup(value_) : NULL;              \
        fs->nfields++;                                                         \
    } while (0)
    switch (action) {
    case TA_SEARCH:
        FIELD_("Words", false, NULL, app->search);
        break;
    case TA_DECIDE:
        FIELD_("Outcome", false, outcome_choices, "nfa");
        FIELD_("Vetting review", false, yes_no, "no");
        FIELD_("Rationale", true, NULL, ndm_template);
        break;
    case TA_APPROVE: {
        /* What is being approved, read as the form opens. */
        struct cr_case c;
        char key[32];
        snprintf(key, sizeof key, "#%lld", (long long)case_id);
        if (cr_case_get(app->db, key, &c) == CR_OK) {
            if (c.row.outcome >= 0) {
                snprintf(fs->about[0], sizeof fs->about[0], "Decision %d: %s%s, by %s", c.round,
                         cr_outcome_label(c.row.outcome),
                         c.row.vetting_review ? ", with a vetting review" : "",
                         c.row.decided_by ? c.row.decided_by : "-");
                snprintf(fs->about[1], sizeof fs->about[1], "Subject: %s, %s (%s)",
                         c.row.surname, c.row.forenames, c.row.subject_ref);
                snprintf(fs->about[2], sizeof fs->about[2], "Rationale: %s",
                         c.rationale ? c.rationale : "");
            } else {
                snprintf(fs->about[0], sizeof fs->about[0], "Case %lld has no decision to approve",
                         (long long)case_id);
            }
            cr_case_free(&c);
        }
        break;
    }
    case TA_RETURN:
        FIELD_("Reason", true, NULL, NULL);
        break;
    case TA_VOTE:
        FIELD_("Vote", false, vote_choices, "concur");
        FIELD_("Reasons", true, NULL, NULL);
        break;
    case TA_ASSIGN: {
        size_t n = 0;
        fs->reviewers = calloc(app->cfg->n_people + 1, sizeof *fs->reviewers);
        for (size_t i = 0; fs->reviewers && i < app->cfg->n_people; i++)
            if (cr_person_has(&app->cfg->people[i], CR_ROLE_REVIEWER))
                fs->reviewers[n++] = app->cfg->people[i].login;
        FIELD_("Reviewer", false, fs->reviewers, n ? fs->reviewers[0] : "");
        break;
    }
    case TA_NOTE:
        FIELD_("Note", true, NULL, NULL);
        break;
    default:
        free(fs);
        return;
    }
#undef FIELD_
    tui_push(app, &form_screen, fs);
}

static const int form_actions[] = {TA_SUBMIT, TA_NEXT_FIELD, TA_PREV_FIELD, TA_EDITOR,
                                   TA_CANCEL, TA_NONE};

const struct screen_ops form_screen = {
    "form", form_actions, form_draw, form_key, NULL, form_close, form_overlay,
};
