/*
 * The case: subject, duty and vetting status, every allegation in date
 * order with its summary wrapped, the decision and its rationale, the
 * approval, the votes this user may see, notes and the history.  Opening it
 * is an audited view; n and p step through the queue without going back.
 * While the queue is limited by search words (/), n and p find the next and
 * previous line holding one of them in the case first, and step to the next
 * or previous case of the queue past the last (or first) match.
 */
#include "casedoc.h"
#include "screens.h"
#include "text.h"
#include "tui.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct line {
    char *text;
    int slot; /* colour slot, or -1 */
    int indent;
};

struct case_view {
    int64_t id;
    struct cr_case c;
    struct cr_history h;
    struct cr_timeline tl; /* the subject's timeline and linked references (timeline.h) */
    bool loaded;
    struct line *lines;
    size_t n, cap;
    int width;          /* what the lines were wrapped for */
    struct tui_nav nav; /* nav.top: the first line shown */
    bool peek;          /* shown over a form on this case (F3): reading only */
    bool blind;         /* its decision waits for my quality review: shown without it (qa.c) */
    int blind_round; /* blind: the decision under review (not the case's latest after a reopen) */
    int match;       /* the line of the search's current match, or -1 */
};

static void add(struct case_view *v, int slot, int indent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Every time on the screen in one format, local time to the minute
 * ("2026-11-22 09:14"): the case document's times are UTC
 * (cr_time_format's, as `show`, the exports and the audit keep them).
 * NULL stays NULL (no time).
 */
#define LOCAL_TIME 32
static const char *
local_time(const char *utc, char out[LOCAL_TIME])
{
    int64_t t;
    if (!utc || cr_time_parse(utc, &t) != 0)
        return utc;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm) || !strftime(out, LOCAL_TIME, "%Y-%m-%d %H:%M", &tm))
        return utc;
    return out;
}

/* The local zone's name now ("UTC", "GMT", "BST"), for the History's header. */
static void
local_zone(int64_t now, char out[LOCAL_TIME])
{
    time_t tt = (time_t)now;
    struct tm tm;
    if (!localtime_r(&tt, &tm) || !strftime(out, LOCAL_TIME, "%Z", &tm))
        snprintf(out, LOCAL_TIME, "local");
}

static void
add(struct case_view *v, int slot, int indent, const char *fmt, ...)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        struct line *l = realloc(v->lines, cap * sizeof *l);
        if (!l)
            return;
        v->lines = l;
        v->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *text = tui_vprintf(fmt, ap);
    va_end(ap);
    if (text)
        v->lines[v->n++] = (struct line){text, slot, indent};
}

struct wrap_ctx {
    struct case_view *v;
    int indent;
};

static void
wrap_line(void *ctx, const char *p, size_t n)
{
    struct wrap_ctx *w = ctx;
    add(w->v, -1, w->indent, "%.*s", (int)n, p);
}

static void
add_wrapped(struct case_view *v, int indent, const char *text)
{
    struct wrap_ctx w = {v, indent};
    text_wrap(text, v->width - indent - 1, wrap_line, &w);
}

static void
clear_lines(struct case_view *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->lines[i].text);
    v->n = 0;
}

/*
 * The panel's progress as core gives it to this viewer (cr_panel_progress,
 * blind voting kept), in the queue's short form and in words.
 */
static void
panel_line(struct app *app, struct case_view *v)
{
    struct cr_panel_progress p;
    char text[64];
    cr_panel_progress(app->db, &v->c.row, &p);
    if (!p.shown)
        return;
    cr_panel_progress_text(&p, text, sizeof text);
    char *line;
    if (p.hidden) {
        line = tui_printf("Panel progress %s: %d concurring votes needed; the count is withheld "
                          "until you vote (blind voting)",
                          text, p.concur_needed);
    } else {
        char kinds[64] = "";
        size_t used = 0;
        for (int k = 0; k < CR_KIND_COUNT; k++)
            if (p.kinds_missing & (1u << k))
                used += (size_t)snprintf(kinds + used, sizeof kinds - used, "%s%s",
                                         used ? ", " : "", cr_kind_name(k));
        line =
            tui_printf("Panel progress %s: %d of %d concurring votes%s%s; dissents %d (%d %s it)",
                       text, p.concur, p.concur_needed, used ? "; still needed: " : "", kinds,
                       p.dissent, p.dissent_needed, p.dissent_needed == 1 ? "returns" : "return");
    }
    if (line)
        add_wrapped(v, 3, line);
    free(line);
}

/*
 * The subject's timeline, as `show` gives it (link.c): when the subject has
 * more than one case, each case and then every allegation of all of them by
 * date, marked with its case; and the case's linked references in force.
 */
static void
timeline_lines(struct case_view *v)
{
    const struct cr_timeline *t = &v->tl;
    char t1[LOCAL_TIME], t2[LOCAL_TIME], t3[LOCAL_TIME], u1[21], u2[21], u3[21];
    if (t->n_cases > 1) {
        add(v, -1, 0, "%s", "");
        add(v, CR_SLOT_HEADER, 1, "The subject's cases (%zu)", t->n_cases);
        for (size_t i = 0; i < t->n_cases; i++) {
            const struct cr_timeline_case *c = &t->cases[i];
            cr_time_format(c->flagged_at, u1);
            cr_time_format(c->decided_at, u2);
            cr_time_format(c->closed_at, u3);
            /* The case, then its dates on a line of their own: they fit at any width. */
            /* Blind (its quality review): this case's state, outcome and dates would tell. */
            bool withheld = v->blind && c->id == v->id;
            add(v, c->id == v->id ? CR_SLOT_SELECTED : -1, 1, "%s case %lld: %s, %s",
                c->id == v->id ? "*" : " ", (long long)c->id,
                withheld ? "decision withheld" : cr_state_label(c->state),
                withheld          ? "until your verdict (Q)"
                : c->outcome >= 0 ? cr_outcome_label(c->outcome)
                                  : "not decided");
            add(v, CR_SLOT_DIM, 5, "flagged %.10s%s%.10s%s%.10s", local_time(u1, t1),
                c->decided_at && !withheld ? ", decided " : "",
                c->decided_at && !withheld ? local_time(u2, t2) : "",
                c->closed_at && !withheld ? ", closed " : "",
                c->closed_at && !withheld ? local_time(u3, t3) : "");
        }
        add(v, -1, 0, "%s", "");
        add(v, CR_SLOT_HEADER, 1, "Timeline: the subject's %zu %s, by date", t->n_allegations,
            t->n_allegations == 1 ? "allegation" : "allegations");
        for (size_t i = 0; i < t->n_allegations; i++) {
            const struct cr_timeline_allegation *a = &t->allegations[i];
            add(v, a->case_id == v->id ? -1 : CR_SLOT_DIM, 3, "%s  case %-4lld %s  %s", a->date,
                (long long)a->case_id, a->ref, cr_category_label(a->category));
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < t->n_links; i++)
        n += t->links[i].case_id == v->id;
    if (!n)
        return;
    add(v, -1, 0, "%s", "");
    add(v, CR_SLOT_HEADER, 1, "Linked references (%zu)", n);
    for (size_t i = 0; i < t->n_links; i++) {
        const struct cr_link *k = &t->links[i];
        if (k->case_id != v->id)
            continue;
        cr_time_format(k->added_at, u1);
        if (k->added_by)
            add(v, -1, 3, "%-11s %s  %s  (%s, %.10s)", cr_link_kind_name(k->kind), k->ref,
                k->status, k->added_by, local_time(u1, t1));
        else
            add(v, -1, 3, "%-11s %s  %s  (import line %lld)", cr_link_kind_name(k->kind), k->ref,
                k->status, (long long)k->import_line);
    }
}

/* The case screen's layout of the case document (casedoc.h); show writes the same document. */
/*
 * Retention and correction (issue 13): the case's erasure (ref NULL) or an
 * allegation's corrections, as core words them from the history.
 */
static void
erase_lines(struct case_view *v, const char *ref, int indent)
{
    for (size_t i = 0;; i++) {
        char *line =
            ref ? cr_allegation_correction_text(&v->h, ref, i) : cr_case_erasure_text(&v->h);
        if (!line)
            return;
        if (ref)
            add_wrapped(v, indent, line);
        else
            add(v, CR_SLOT_OVERDUE, indent, "%s", line);
        free(line);
        if (!ref)
            return;
    }
}

static void
build(struct app *app, struct case_view *v)
{
    clear_lines(v);
    v->width = COLS;
    v->match = -1; /* the lines are laid out again: the search starts again */
    struct case_doc d;
    if (case_doc_build(&d, &v->c, &v->h) < 0) {
        add(v, CR_SLOT_OVERDUE, 1, "out of memory");
        return;
    }
    add(v, CR_SLOT_HEADER, 1, "Subject");
    add(v, -1, 3, "%s  (%s)", d.name, d.subject_ref);
    add(v, -1, 3, "%s, %s, %s", d.employment_label, d.rank, d.unit);
    add(v, -1, 3, "%s; vetting %s", d.duty_label,
        d.vetting_label ? d.vetting_label : "not recorded");
    char t1[LOCAL_TIME], t2[LOCAL_TIME];
    add(v, -1, 3, "Flagged on %.10s; %s since %.10s; assigned to %s", local_time(d.flagged_at, t1),
        d.state_label, local_time(d.state_since, t2), d.assignee ? d.assignee : "nobody");
    if (d.previous_case)
        add(v, -1, 3, "Follows closed case %lld", (long long)d.previous_case);
    if (d.quorum_blocked)
        add(v, CR_SLOT_OVERDUE, 3, "Cannot reach quorum: too few panel members are left to vote");
    erase_lines(v, NULL, 3);

    add(v, -1, 0, "%s", "");
    add(v, CR_SLOT_HEADER, 1, "Decision");
    if (v->blind) { /* its quality review (qa.c) */
        add(v, CR_SLOT_DIM, 3, "Withheld: decision %d waits for your quality review (Q)",
            v->blind_round);
    } else if (!d.outcome) {
        add(v, CR_SLOT_DIM, 3, "Not decided yet");
    } else {
        add(v, -1, 3, "%s%s (decision %lld), by %s at %s", d.outcome_label,
            d.vetting_review > 0 ? ", with a vetting review" : "", (long long)d.decision,
            d.decided_by ? d.decided_by : "-", d.decided_at ? local_time(d.decided_at, t1) : "");
        if (d.approved_by)
            add(v, -1, 3, "Approved by %s at %s", d.approved_by, local_time(d.approved_at, t1));
        if (v->c.row.approver)
            add(v, -1, 3, "Routed to %s for approval", v->c.row.approver);
        panel_line(app, v);
        add(v, CR_SLOT_DIM, 3, "Rationale");
        add_wrapped(v, 5, d.rationale ? d.rationale : "");
    }
    if (d.n_votes || d.votes_withheld) {
        add(v, -1, 0, "%s", "");
        add(v, CR_SLOT_HEADER, 1, "Panel votes on decision %lld", (long long)d.decision);
        for (size_t i = 0; i < d.n_votes; i++) {
            const struct case_doc_vote *vote = &d.votes[i];
            add(v, -1, 3, "%-8s %s (%s) at %s", vote->vote, vote->member, vote->kind,
                local_time(vote->at, t1));
            if (vote->reason)
                add_wrapped(v, 5, vote->reason);
        }
        if (d.votes_withheld)
            add(v, CR_SLOT_DIM, 3, "%lld %s withheld until you cast yours (blind voting)",
                (long long)d.votes_withheld, d.votes_withheld == 1 ? "vote" : "votes");
    }
    if (d.n_notes) {
        add(v, -1, 0, "%s", "");
        add(v, CR_SLOT_HEADER, 1, "Notes");
        for (size_t i = 0; i < d.n_notes; i++) {
            add(v, CR_SLOT_DIM, 3, "%s  %s (%s)", local_time(d.notes[i].at, t1), d.notes[i].author,
                d.notes[i].kind);
            add_wrapped(v, 5, d.notes[i].body);
        }
    }
    /* What happened after the decision (followup.h). */
    /* Blind (its quality review): a follow-up (risk management started...) tells the outcome. */
    struct cr_followup_list fl;
    memset(&fl, 0, sizeof fl);
    if (!v->blind && cr_followups_get_id(app->db, v->id, &fl) == CR_OK && fl.n) {
        add(v, -1, 0, "%s", "");
        add(v, CR_SLOT_HEADER, 1, "What happened next");
        for (size_t i = 0; i < fl.n; i++) {
            add(v, -1, 3, "%s  %s: %s (recorded by %s)", fl.v[i].date,
                cr_followup_stage_label(fl.v[i].stage), fl.v[i].result, fl.v[i].recorded_by);
            if (fl.v[i].detail)
                add_wrapped(v, 5, fl.v[i].detail);
        }
    }
    cr_followup_list_free(&fl);
    add(v, -1, 0, "%s", "");
    add(v, CR_SLOT_HEADER, 1, "Allegations (%zu)", d.n_allegations);
    for (size_t i = 0; i < d.n_allegations; i++) {
        const struct case_doc_allegation *a = &d.allegations[i];
        add(v, -1, 2, "%lld. %s  %s  %s, reported by %s", (long long)a->n, a->date, a->ref,
            a->category_label, a->source_label);
        add(v, CR_SLOT_DIM, 5, "Original outcome: %s", a->original_outcome);
        add_wrapped(v, 5, a->summary);
        erase_lines(v, a->ref, 5);
    }
    timeline_lines(v); /* the subject's timeline and linked references */
    add(v, -1, 0, "%s", "");
    local_zone(cr_db_now(app->db), t2);
    add(v, CR_SLOT_HEADER, 1, "History (times are local, %s)", t2);
    if (v->blind)
        add(v, CR_SLOT_DIM, 3, "Withheld with the decision, until your verdict");
    for (size_t i = 0; i < d.n_events; i++) {
        const struct case_doc_event *e = &d.events[i];
        /* To the minute; a vote withheld by blind voting has no time either. */
        const char *when = e->at ? local_time(e->at, t1) : "(time withheld)";
        if (e->from)
            add(v, -1, 3, "%-16.16s %s %s: %s -> %s", when, e->actor, e->action, e->from, e->to);
        else
            add(v, -1, 3, "%-16.16s %s %s", when, e->actor, e->action);
    }
    case_doc_free(&d);
}

static int
body_rows(void)
{
    return LINES - 2; /* title, status */
}

/* The case blind, for its quality review (cr_qa_view_id). */
static enum cr_status
qa_blind(struct app *app, struct case_view *v, struct cr_case *c)
{
    struct cr_qa_list row;
    enum cr_status st = cr_qa_view_id(app->db, v->id, c, &row);
    cr_qa_list_free(&row);
    return st;
}

/* Read the case (audited when first opened) and lay it out. */
static bool
load(struct app *app, struct case_view *v, bool first)
{
    struct cr_case c;
    int round = 0;
    bool was_blind = v->blind;
    if ((first || v->blind) && cr_qa_may_review_id(app->db, v->id, &v->blind, &round) != CR_OK)
        v->blind = false;
    v->blind_round = v->blind ? round : 0;
    /* Seen whole (and audited so) only once it is no longer blind. */
    enum cr_status st = v->blind             ? qa_blind(app, v, &c)
                        : first || was_blind ? cr_case_view_id(app->db, v->id, &c)
                                             : cr_case_reload_id(app->db, v->id, &c);
    if (st != CR_OK) {
        tui_message(app, true, "%s", cr_db_errmsg(app->db));
        return false;
    }
    struct cr_history h;
    memset(&h, 0, sizeof h); /* blind: the history would show the decision */
    if (!v->blind && cr_history_of_view_id(app->db, v->id, &h) != CR_OK)
        memset(&h, 0, sizeof h);
    struct cr_timeline tl;
    if (cr_case_timeline_id(app->db, v->id, &tl) != CR_OK)
        cr_timeline_free(&tl); /* shown without it */
    if (v->loaded) {
        cr_case_free(&v->c);
        cr_history_free(&v->h);
        cr_timeline_free(&v->tl);
    }
    v->c = c;
    v->h = h;
    v->tl = tl;
    v->loaded = true;
    build(app, v);
    cr_db_data_version(app->db, &app->data_version);
    return true;
}

/* The body's lines and rows, for the navigation. */
static struct tui_nav *
case_nav(struct app *app, void *state)
{
    struct case_view *v = state;
    (void)app;
    v->nav.lines = (int)v->n;
    v->nav.height = body_rows();
    return &v->nav;
}

static void
case_draw(struct app *app, void *state)
{
    struct case_view *v = state;
    if (v->width != COLS)
        build(app, v);
    const struct cr_case_row *r = &v->c.row;
    char title[256];
    if (v->peek)
        snprintf(title, sizeof title, " Case %lld: %s  (F3 or q: back to your form)",
                 (long long)r->id, cr_state_label(r->state));
    else if (v->blind)
        snprintf(title, sizeof title,
                 " Case %lld: quality review; the decision is withheld until your verdict (Q)",
                 (long long)r->id);
    else
        snprintf(title, sizeof title, " Case %lld: %s  (version %lld, priority %lld)",
                 (long long)r->id, cr_state_label(r->state), (long long)v->c.version,
                 (long long)r->priority);
    attron(tui_attr(app, CR_SLOT_TITLE));
    mvhline(0, 0, ' ', COLS);
    tui_put(stdscr, 0, 0, title, COLS, tui_attr(app, CR_SLOT_TITLE));
    attroff(tui_attr(app, CR_SLOT_TITLE));
    tui_nav_clamp(case_nav(app, v));
    for (int i = 0; i < body_rows() && v->nav.top + i < (int)v->n; i++) {
        const struct line *l = &v->lines[v->nav.top + i];
        int attr = l->slot >= 0 ? tui_attr(app, l->slot) : 0;
        /* The search's match shows without colour too: reversed. */
        bool match = v->nav.top + i == v->match;
        if (match)
            attr = tui_attr(app, CR_SLOT_SELECTED) | (int)A_REVERSE;
        tui_put(stdscr, 1 + i, l->indent, l->text, COLS - l->indent, attr);
        if (match)
            tui_put(stdscr, 1 + i, 0, ">", 1, attr);
    }
}

static void
case_reload(struct app *app, void *state)
{
    load(app, state, false);
}

/* n, p: the next or previous case of the queue, without going back to it. */
static bool
case_step(struct app *app, void *state, int action)
{
    struct case_view *v = state;
    int direction = action == TA_NEXT_CASE ? 1 : -1;
    int64_t next = tui_queue_step(app, v->id, direction);
    if (!next) {
        tui_message(app, false, "no %s case in the queue", direction > 0 ? "next" : "previous");
        return true;
    }
    int64_t old = v->id;
    v->id = next;
    v->nav.top = 0;
    v->match = -1;
    if (!load(app, v, true))
        v->id = old;
    return true;
}

/* Whether text holds word (ASCII letters in either case; a trailing `*` is no part of it). */
static bool
holds(const char *text, const char *word, size_t n)
{
    if (n && word[n - 1] == '*')
        n--;
    if (!n)
        return false;
    for (const char *t = text; *t; t++) {
        size_t i = 0;
        while (i < n && t[i] && tolower((unsigned char)t[i]) == tolower((unsigned char)word[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* Whether line i of the case holds one of the search's words. */
static bool
line_matches(const struct case_view *v, int i, const char *words)
{
    for (const char *w = words; *w;) {
        w += strspn(w, " \t");
        size_t n = strcspn(w, " \t");
        if (n && holds(v->lines[i].text, w, n))
            return true;
        w += n;
    }
    return false;
}

/*
 * n, p while the queue is limited by search words: the next (previous)
 * line of the case that holds one, shown near the top and marked; past the
 * last (first), the next (previous) case of the queue, which the limit
 * holds to the cases that match, from its top.
 */
static bool
case_find(struct app *app, void *state, int action)
{
    struct case_view *v = state;
    const char *words = app->shared.queue.search;
    bool blank = true;
    for (const char *c = words; c && *c; c++)
        blank &= *c == ' ' || *c == '\t';
    if (blank)
        return case_step(app, state, action);
    int dir = action == TA_NEXT_CASE ? 1 : -1;
    for (int i = v->match + dir; i >= 0 && i < (int)v->n; i += dir) {
        if (line_matches(v, i, words)) {
            v->match = i;
            v->nav.top = i > 2 ? i - 2 : 0;
            int count = 0, at = 0;
            for (int k = 0; k < (int)v->n; k++)
                if (line_matches(v, k, words))
                    count++, at += k <= i;
            tui_message(app, false, "\"%s\": match %d of %d in case %lld", words, at, count,
                        (long long)v->id);
            return true;
        }
    }
    int64_t before = v->id;
    case_step(app, state, action);
    if (v->id != before)
        tui_message(app, false, "no more matches of \"%s\" in case %lld: this is case %lld", words,
                    (long long)before, (long long)v->id);
    return true;
}

/* F3 over a form: back to it (the case screen pops, the form is under it). */
static bool
case_unpeek(struct app *app, void *state, int action)
{
    struct case_view *v = state;
    (void)action;
    if (!v->peek)
        return false;
    tui_pop(app);
    return true;
}

/* Over a form (F3) the case is for reading only: the actions its table marks TUI_PEEK. */
static bool
case_key(struct app *app, void *state, int action, wint_t ch)
{
    struct case_view *v = state;
    (void)ch;
    if (!v->peek)
        return false;
    const struct tui_function *f = tui_function_of(case_screen.functions, action);
    if (f && (f->flags & TUI_PEEK))
        return false;
    tui_message(app, false, "your form on case %lld is still open: F3 or q goes back to it",
                (long long)v->id);
    return true;
}

static void
case_current(struct app *app, void *state, struct tui_case_ref *c)
{
    struct case_view *v = state;
    (void)app;
    *c = (struct tui_case_ref){v->id, v->c.version, true};
}

static void
case_close(struct app *app, void *state)
{
    struct case_view *v = state;
    (void)app;
    clear_lines(v);
    free(v->lines);
    if (v->loaded) {
        cr_case_free(&v->c);
        cr_history_free(&v->h);
        cr_timeline_free(&v->tl);
    }
    free(v);
}

/*
 * Enter on the queue: the case, an audited view.  F3 in a form: the case
 * being written about, for reading (audited only if the form's was not).
 */
static void *
case_open(struct app *app, const struct tui_target *t)
{
    struct case_view *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->id = t->c.id;
    v->peek = t->action == TA_SHOW_CASE;
    v->match = -1;
    if (!load(app, v, !t->c.viewed)) {
        case_close(app, v);
        return NULL;
    }
    return v;
}

/* The case's actions, in the order its help lists them; TUI_PEEK: offered over a form too. */
static const struct tui_function case_functions[] = {
    {TA_DOWN, NULL, TUI_PEEK},
    {TA_UP, NULL, TUI_PEEK},
    {TA_PAGE_DOWN, NULL, TUI_PEEK},
    {TA_PAGE_UP, NULL, TUI_PEEK},
    {TA_FIRST, NULL, TUI_PEEK},
    {TA_LAST, NULL, TUI_PEEK},
    {TA_NEXT_CASE, case_find, 0}, /* with search words: the next match (case_find) */
    {TA_PREV_CASE, case_find, 0},
    {TA_JUMP, NULL, 0},              /* the prompt (prompt.c) */
    TUI_CORE_FUNCTIONS               /* claim ... recall: the key table's core actions */
    {TA_ROUTE, NULL, TUI_NEED_CASE}, /* the route box (route.c); listed for supervisors */
    {TA_LINK, NULL, TUI_NEED_CASE},  /* the link boxes (link.c); not for the panel alone */
    {TA_UNLINK, NULL, TUI_NEED_CASE},
    {TA_FOLLOWUP, NULL, TUI_NEED_CASE}, /* the follow-up box (after.c); supervisors, admins */
    {TA_REOPEN, NULL, TUI_NEED_CASE},   /* the reopen box (after.c); supervisors, admins */
    {TA_QA, NULL, TUI_NEED_CASE},       /* the quality review box (qa.c) */
    {TA_DASHBOARD, NULL, 0},
    {TA_REFRESH, NULL, TUI_PEEK},
    {TA_SUSPEND, NULL, TUI_PEEK},
    {TA_HELP, NULL, TUI_PEEK},
    {TA_QUIT, NULL, TUI_PEEK},
    {TA_QUIT_ALL, NULL, TUI_PEEK},
    /* Back to the form it was looked at over (q too, and Esc as everywhere). */
    {TA_SHOW_CASE, case_unpeek, TUI_PEEK | TUI_HIDDEN},
    {TA_CANCEL, NULL, TUI_PEEK | TUI_HIDDEN},
    {TA_NONE, NULL, 0},
};

static bool
case_opens(int action)
{
    return action == TA_OPEN || action == TA_SHOW_CASE;
}

const struct screen_ops case_screen = {
    .name = "case",
    .opens = case_opens,
    .open = case_open,
    .functions = case_functions,
    .draw = case_draw,
    .key = case_key,
    .nav = case_nav,
    .current = case_current,
    .reload = case_reload,
    .close = case_close,
    .also = &form_screen,
};
