/*
 * The figures in memory: the counts behind `stats`, `report` and the
 * dashboard, as core/sqlite/report.c gives them.  The SQLite engine keeps
 * counters beside the cases so that it need not read them all; here every
 * figure is counted from the rows when asked (the counters only ever
 * repeat what the rows say).  Which of the two ways the SQLite engine
 * would have taken is still reported (cr_report.scanned), so that what a
 * user sees is the same.
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

static int
stage_of(int state)
{
    switch (state) {
    case CR_STATE_CLOSED:
        return CR_STAGE_CONFIRMED;
    case CR_STATE_AWAITING_APPROVAL:
        return CR_STAGE_PROPOSED;
    case CR_STATE_PANEL_REVIEW:
        return CR_STAGE_WITH_PANEL;
    case CR_STATE_RETURNED:
        return CR_STAGE_RETURNED;
    default:
        return CR_STAGE_UNDECIDED;
    }
}

/* States in which the case's current decision stands (its outcome counts). */
static bool
decided_state(int state)
{
    return state == CR_STATE_CLOSED || state == CR_STATE_AWAITING_APPROVAL ||
           state == CR_STATE_PANEL_REVIEW || state == CR_STATE_RETURNED;
}

/* One case as a report counts it. */
struct fact {
    int64_t subject;
    int stage;
    int outcome; /* -1: none */
    bool vr;     /* refer with vetting review */
    unsigned cats;
    const struct mem_subject *s;
    const char *key[CR_DIMENSION_COUNT];
    int order[CR_DIMENSION_COUNT];
    size_t n_by; /* how many of the keys the sort compares */
};

static const char *
category_key(unsigned cats)
{
    switch (cats) {
    case 1:
        return "domestic_violence";
    case 2:
        return "sexual_offence";
    case 3:
        return "both";
    default:
        return "none";
    }
}

static void
set_keys(struct fact *f, const struct cr_report_query *q)
{
    for (size_t k = 0; k < q->n_by; k++) {
        switch (q->by[k]) {
        case CR_DIMENSION_OUTCOME:
            f->key[k] = f->outcome >= 0 ? cr_outcome_name(f->outcome) : "none";
            f->order[k] = f->outcome >= 0 ? f->outcome : 3;
            break;
        case CR_DIMENSION_CATEGORY:
            f->key[k] = category_key(f->cats);
            f->order[k] = (int)((f->cats + 3) % 4);
            break;
        case CR_DIMENSION_UNIT:
            f->key[k] = f->s ? f->s->unit : "";
            f->order[k] = 0;
            break;
        case CR_DIMENSION_RANK:
            f->key[k] = f->s ? f->s->rank : "";
            f->order[k] = 0;
            break;
        default:
            f->key[k] = f->s ? cr_employment_name(f->s->employment) : "";
            f->order[k] = f->s ? f->s->employment : 0;
            break;
        }
        if (!f->key[k])
            f->key[k] = "";
    }
}

/* The case as it stood before as_at, or false when it did not exist yet. */
static bool
fact_as_at(const struct mem_data *d, const struct mem_case *c, int64_t as_at, struct fact *f)
{
    if (c->created_at >= as_at)
        return false;
    int state = CR_STATE_FLAGGED;
    const struct mem_event *e = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    for (size_t i = 0; i < MEM_N(d, MEM_AUDIT_EVENTS); i++)
        if (e[i].case_id == c->id && e[i].at < as_at && e[i].state_after)
            state = cr_state_parse(e[i].state_after);
    const struct mem_decision *dec = NULL, *x = MEM_ROWS(d, MEM_DECISIONS, struct mem_decision);
    for (size_t i = 0; i < MEM_N(d, MEM_DECISIONS); i++)
        if (x[i].case_id == c->id && x[i].decided_at < as_at && (!dec || x[i].round > dec->round))
            dec = &x[i];
    f->stage = stage_of(state);
    f->outcome = decided_state(state) && dec ? dec->outcome : -1;
    f->vr = decided_state(state) && dec && dec->outcome == CR_OUTCOME_REFER && dec->vetting_review;
    f->cats = 0;
    const struct mem_allegation *a = MEM_ROWS(d, MEM_ALLEGATIONS, struct mem_allegation);
    for (size_t i = 0; i < MEM_N(d, MEM_ALLEGATIONS); i++) {
        if (a[i].case_id != c->id)
            continue;
        const struct mem_import *imp = mem_find(d, MEM_IMPORTS, a[i].import_id);
        if (imp && imp->at < as_at)
            f->cats |= 1u << a[i].category;
    }
    return true;
}

static void
fact_now(const struct mem_case *c, struct fact *f)
{
    bool decided = decided_state(c->state);
    f->stage = stage_of(c->state);
    f->outcome = decided ? c->outcome : -1;
    f->vr = decided && c->outcome == CR_OUTCOME_REFER && c->vetting_review;
    f->cats = mem_categories(c);
}

static int
fact_order(const void *a, const void *b)
{
    const struct fact *x = a, *y = b;
    for (size_t k = 0; k < x->n_by; k++) {
        if (x->order[k] != y->order[k])
            return x->order[k] < y->order[k] ? -1 : 1;
        int c = strcmp(x->key[k], y->key[k]);
        if (c)
            return c;
    }
    if (x->stage != y->stage)
        return x->stage < y->stage ? -1 : 1;
    return (x->subject > y->subject) - (x->subject < y->subject);
}

static int
by_subject(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

static bool
same_group(const struct fact *a, const struct fact *b, size_t n_by)
{
    for (size_t k = 0; k < n_by; k++)
        if (strcmp(a->key[k], b->key[k]) != 0)
            return false;
    return true;
}

/* The figures of facts[0..n) (one group, sorted by stage then subject). */
static bool
count_group(const struct fact *g, size_t n, struct cr_figures *f)
{
    memset(f, 0, sizeof *f);
    int64_t *subjects = malloc((n ? n : 1) * sizeof *subjects);
    if (!subjects)
        return false;
    for (size_t i = 0; i < n; i++) {
        const struct fact *x = &g[i];
        bool new_person = i == 0 || g[i - 1].stage != x->stage || g[i - 1].subject != x->subject;
        f->cases[x->stage]++;
        if (new_person)
            f->persons[x->stage]++;
        if (x->vr) {
            f->vetting_cases[x->stage]++;
            bool seen = false;
            for (size_t j = i; j-- > 0 && g[j].stage == x->stage && g[j].subject == x->subject;)
                seen = seen || g[j].vr;
            if (!seen)
                f->vetting_persons[x->stage]++;
        }
        f->total_cases++;
        subjects[i] = x->subject;
    }
    qsort(subjects, n, sizeof *subjects, by_subject);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || subjects[i] != subjects[i - 1])
            f->total_persons++;
    free(subjects);
    return true;
}

enum cr_status
mem_report(cr_db *db, const struct cr_report_query *q, int64_t as_at, struct cr_report *out)
{
    const struct mem_data *d = mem_data(db);
    out->as_at = as_at;
    struct mem_keep *l = mem_keep_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = l;
    /* The SQLite engine counts from its counters here, and reads every case otherwise. */
    out->scanned = as_at || !(q->n_by == 0 || (q->n_by == 1 && q->by[0] == CR_DIMENSION_OUTCOME));
    size_t n_cases = MEM_N(d, MEM_CASES), n = 0;
    struct fact *facts = calloc(n_cases ? n_cases : 1, sizeof *facts);
    if (!facts)
        return cr_fail(db, CR_NOMEM, "out of memory");
    const struct mem_case *cases = MEM_ROWS(d, MEM_CASES, struct mem_case);
    for (size_t i = 0; i < n_cases; i++) {
        struct fact *f = &facts[n];
        if (as_at) {
            if (!fact_as_at(d, &cases[i], as_at, f))
                continue;
        } else {
            fact_now(&cases[i], f);
        }
        f->subject = cases[i].subject_id;
        f->s = mem_subject_of(d, &cases[i]);
        set_keys(f, q);
        n++;
    }
    enum cr_status st = CR_OK;
    /* The totals: every case, one group. */
    qsort(facts, n, sizeof *facts, fact_order);
    if (!count_group(facts, n, &out->total))
        st = cr_fail(db, CR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        facts[i].n_by = q->n_by;
    if (q->n_by)
        qsort(facts, n, sizeof *facts, fact_order);
    size_t cap = 0;
    for (size_t i = 0; st == CR_OK && q->n_by && i < n;) {
        size_t j = i + 1;
        while (j < n && same_group(&facts[i], &facts[j], q->n_by))
            j++;
        if (out->n_rows == cap) {
            cap = cap ? 2 * cap : 8;
            struct cr_report_row *v = realloc(out->rows, cap * sizeof *v);
            if (!v) {
                st = cr_fail(db, CR_NOMEM, "out of memory");
                break;
            }
            out->rows = v;
        }
        struct cr_report_row *row = &out->rows[out->n_rows++];
        memset(row, 0, sizeof *row);
        for (size_t k = 0; k < q->n_by; k++)
            row->key[k] = mem_keep(l, facts[i].key[k]);
        if (!count_group(&facts[i], j - i, &row->f))
            st = cr_fail(db, CR_NOMEM, "out of memory");
        i = j;
    }
    free(facts);
    if (st == CR_OK && l->nomem)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    return st;
}

enum cr_status
mem_stats(cr_db *db, struct cr_stats *out)
{
    memset(out, 0, sizeof *out);
    const struct mem_data *d = mem_data(db);
    const struct mem_case *c = MEM_ROWS(d, MEM_CASES, struct mem_case);
    for (size_t i = 0; i < MEM_N(d, MEM_CASES); i++) {
        unsigned cats = mem_categories(&c[i]);
        out->cases++;
        out->by_state[c[i].state]++;
        for (int k = 0; k < CR_CATEGORY_COUNT; k++)
            if (cats & (1u << k))
                out->by_category[k]++;
        if ((cats & (CR_CATMASK_DV | CR_CATMASK_SO)) == (CR_CATMASK_DV | CR_CATMASK_SO))
            out->both_categories++;
    }
    out->subjects = (int64_t)MEM_N(d, MEM_SUBJECTS);
    const struct mem_allegation *a = MEM_ROWS(d, MEM_ALLEGATIONS, struct mem_allegation);
    for (size_t i = 0; i < MEM_N(d, MEM_ALLEGATIONS); i++) {
        out->allegations_by_category[a[i].category]++;
        out->allegations++;
    }
    struct cr_report_query q = {1, {CR_DIMENSION_OUTCOME}, NULL};
    struct cr_report r = {.n_by = 1, .by = {CR_DIMENSION_OUTCOME}};
    enum cr_status st = mem_report(db, &q, 0, &r);
    if (st == CR_OK) {
        for (size_t i = 0; i < r.n_rows; i++) {
            int o = cr_outcome_parse(r.rows[i].key[0]);
            out->by_outcome[o >= 0 ? o : CR_OUTCOME_COUNT] = r.rows[i].f;
        }
        out->figures = r.total;
    }
    if (r.priv)
        ((struct cr_store_owned *)r.priv)->release(r.priv);
    free(r.rows);
    return st;
}

/* A reviewer's entry on the dashboard, added at the end when new. */
static struct cr_reviewer_mix *
reviewer(struct cr_dashboard *d, struct mem_keep *l, const char *login)
{
    for (size_t i = 0; i < d->n_reviewers; i++)
        if (strcmp(d->reviewers[i].login, login) == 0)
            return &d->reviewers[i];
    struct cr_reviewer_mix *v = realloc(d->reviewers, (d->n_reviewers + 1) * sizeof *v);
    if (!v)
        return NULL;
    d->reviewers = v;
    struct cr_reviewer_mix *m = &v[d->n_reviewers];
    memset(m, 0, sizeof *m);
    m->login = mem_keep(l, login);
    if (l->nomem)
        return NULL;
    d->n_reviewers++;
    return m;
}

/* Reviewers' figures, kept by login in login order. */
struct tally {
    const char *login;
    int64_t n[CR_OUTCOME_COUNT];
    int64_t finished, returned;
};

static int
tally_order(const void *a, const void *b)
{
    return strcmp(((const struct tally *)a)->login, ((const struct tally *)b)->login);
}

static struct tally *
tally_of(struct tally **v, size_t *n, const char *login)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].login, login) == 0)
            return &(*v)[i];
    struct tally *t = mem_grow((void **)v, n, sizeof *t);
    if (t) {
        memset(t, 0, sizeof *t);
        t->login = login;
    }
    return t;
}

enum cr_status
mem_dashboard(cr_db *db, int64_t now, const int64_t overdue_before[CR_STATE_COUNT], bool reviewers,
              const char *only, struct cr_dashboard *out)
{
    (void)now; /* the cut-offs and out->week_start are set above */
    struct mem_keep *l = mem_keep_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = l;
    enum cr_status st = mem_stats(db, &out->stats);
    if (st != CR_OK)
        return st;
    const struct mem_data *d = mem_data(db);
    const struct mem_case *c = MEM_ROWS(d, MEM_CASES, struct mem_case);
    size_t n_cases = MEM_N(d, MEM_CASES);
    struct tally *outcomes = NULL, *rounds = NULL;
    size_t n_outcomes = 0, n_rounds = 0;
    for (size_t i = 0; i < n_cases; i++) {
        /* Overdue: in a state longer than its service level allows (cut-offs from above). */
        if (overdue_before[c[i].state] != INT64_MIN &&
            c[i].state_since < overdue_before[c[i].state])
            out->overdue[c[i].state]++;
        /* Cases never decided: the backlog the weekly rate works through. */
        if (c[i].outcome < 0)
            out->undecided++;
        /* Each reviewer's outcome mix: the current decisions of their cases. */
        if (c[i].decided_by && c[i].outcome >= 0) {
            struct tally *t = tally_of(&outcomes, &n_outcomes, c[i].decided_by);
            if (!t) {
                st = cr_fail(db, CR_NOMEM, "out of memory");
                break;
            }
            t->n[c[i].outcome]++;
        }
    }
    /* First decisions a week, the current week last. */
    const struct mem_decision *dec = MEM_ROWS(d, MEM_DECISIONS, struct mem_decision);
    for (size_t i = 0; i < MEM_N(d, MEM_DECISIONS); i++) {
        if (dec[i].round != 1 || dec[i].decided_at < out->week_start)
            continue;
        int64_t w = (dec[i].decided_at - out->week_start) / 604800;
        if (w >= 0 && w < CR_DASHBOARD_WEEKS)
            out->decisions_per_week[w]++;
    }
    /*
     * Dissent per round: a round is finished by the panel when a vote moves
     * the case out of panel_review (closed: confirmed; returned: the dissent
     * threshold was reached), counted for the reviewer of that decision.
     */
    const struct mem_event *e = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    for (size_t i = 0; st == CR_OK && i < MEM_N(d, MEM_AUDIT_EVENTS); i++) {
        if (strcmp(e[i].action, "vote") != 0 || !e[i].state_before || !e[i].state_after ||
            strcmp(e[i].state_before, "panel_review") != 0 ||
            (strcmp(e[i].state_after, "closed") != 0 && strcmp(e[i].state_after, "returned") != 0))
            continue;
        int round = (int)mem_json_int(e[i].details, "round");
        for (size_t k = 0; k < MEM_N(d, MEM_DECISIONS); k++) {
            if (dec[k].case_id != e[i].case_id || dec[k].round != round)
                continue;
            struct tally *t = tally_of(&rounds, &n_rounds, dec[k].reviewer);
            if (!t) {
                st = cr_fail(db, CR_NOMEM, "out of memory");
                break;
            }
            t->finished++;
            t->returned += strcmp(e[i].state_after, "returned") == 0;
        }
    }
    if (n_outcomes)
        qsort(outcomes, n_outcomes, sizeof *outcomes, tally_order);
    if (n_rounds)
        qsort(rounds, n_rounds, sizeof *rounds, tally_order);
    for (size_t i = 0; i < n_rounds; i++) {
        out->panel_rounds += rounds[i].finished;
        out->panel_returned += rounds[i].returned;
    }
    out->reviewers_shown = reviewers;
    for (size_t i = 0; st == CR_OK && reviewers && i < n_outcomes; i++) {
        if (only && strcmp(outcomes[i].login, only) != 0)
            continue;
        struct cr_reviewer_mix *m = reviewer(out, l, outcomes[i].login);
        if (!m) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
            break;
        }
        for (int o = 0; o < CR_OUTCOME_COUNT; o++) {
            m->by_outcome[o] += outcomes[i].n[o];
            m->decided += outcomes[i].n[o];
        }
    }
    for (size_t i = 0; st == CR_OK && reviewers && i < n_rounds; i++) {
        if (only && strcmp(rounds[i].login, only) != 0)
            continue;
        struct cr_reviewer_mix *m = reviewer(out, l, rounds[i].login);
        if (!m) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
            break;
        }
        m->panel_rounds = rounds[i].finished;
        m->panel_returned = rounds[i].returned;
    }
    free(outcomes);
    free(rounds);
    return st;
}
