/*
 * The figures' rules and arithmetic, above the engine: which report may be
 * asked for, each case's stage and whether its decision stands, people as
 * against cases, the breakdowns, each state's service level (when a case is
 * overdue), the dashboard's weekly rate, and whose per-reviewer figures a
 * user may see.  The engine only counts (store.h, "The figures"): the
 * maintained counters' rows, the cases as they stand or stood, cases
 * waiting, first decisions in a week.
 *
 * Plain figures come from the counters, which count cases: people are taken
 * as many as cases, then corrected by the few subjects with several cases,
 * read case by case (discount).  A breakdown by anything but the outcome,
 * or the figures as they stood on a past day, read every case.
 */
#include "store.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Strings owned by a result, freed together (its priv: store.h). */
struct pool {
    struct cr_store_owned owned;
    char **v;
    size_t n, cap;
    /* The strings kept once each (intern): an open-addressed table of v's indices + 1. */
    size_t *slot;
    size_t n_slots;
};

static void
pool_release(struct cr_store_owned *o)
{
    struct pool *p = (struct pool *)o;
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
    free(p->slot);
    free(p);
}

static struct pool *
pool_new(void)
{
    struct pool *p = calloc(1, sizeof *p);
    if (p)
        p->owned.release = pool_release;
    return p;
}

static size_t
hash_of(const char *s)
{
    size_t h = 5381;
    for (; *s; s++)
        h = h * 33 + (unsigned char)*s;
    return h;
}

/* Grow the intern table to hold at least twice the strings kept. */
static bool
pool_rehash(struct pool *p)
{
    size_t n_slots = p->n_slots ? 2 * p->n_slots : 64;
    size_t *slot = calloc(n_slots, sizeof *slot);
    if (!slot)
        return false;
    for (size_t i = 0; i < p->n; i++) {
        size_t h = hash_of(p->v[i]) & (n_slots - 1);
        while (slot[h])
            h = (h + 1) & (n_slots - 1);
        slot[h] = i + 1;
    }
    free(p->slot);
    p->slot = slot;
    p->n_slots = n_slots;
    return true;
}

/* The pool's copy of s, one per distinct string (pointers compare equal); NULL: out of memory. */
static const char *
pool_keep(struct pool *p, const char *s)
{
    assert(p && s);
    if (2 * (p->n + 1) > p->n_slots && !pool_rehash(p))
        return NULL;
    size_t h = hash_of(s) & (p->n_slots - 1);
    for (; p->slot[h]; h = (h + 1) & (p->n_slots - 1))
        if (strcmp(p->v[p->slot[h] - 1], s) == 0)
            return p->v[p->slot[h] - 1];
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        char **v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return NULL;
        p->v = v;
        p->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy)
        return NULL;
    p->v[p->n++] = copy;
    p->slot[h] = p->n;
    return copy;
}

/* The stage of a case in a state. */
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

/* A decision counts only in the stages where it stands: not while undecided. */
static bool
decision_stands(int stage)
{
    return stage != CR_STAGE_UNDECIDED;
}

/* Where a figure's outcome goes: by_outcome[o], CR_OUTCOME_COUNT for none. */
static int
outcome_slot(int outcome)
{
    return outcome >= 0 && outcome < CR_OUTCOME_COUNT ? outcome : CR_OUTCOME_COUNT;
}

static const char *
outcome_key(int slot)
{
    assert(slot >= 0 && slot <= CR_OUTCOME_COUNT);
    return slot < CR_OUTCOME_COUNT ? cr_outcome_name(slot) : "none";
}

/*
 * A case as the report counts it: its subject, stage, whether its outcome
 * is refer with a vetting review, and its value of each dimension asked
 * for (rank: the order the values go in, before their names).
 */
struct fact {
    int64_t subject;
    const char *key[CR_DIMENSION_COUNT];
    signed char rank[CR_DIMENSION_COUNT];
    unsigned char stage;
    bool vetting;
};

/* The facts read for one report, and what to key them by. */
struct facts {
    cr_db *db;
    const struct cr_report_query *q;
    struct pool *pool;
    struct fact *v;
    size_t n, cap;
};

_Static_assert(CR_CATMASK_DV == 1 && CR_CATMASK_SO == 2,
               "dimension_key's categories[] is by these bits");

/* A dimension's value for the case, and where it goes in order. */
static const char *
dimension_key(struct facts *fs, int dim, const struct cr_case_fact *f, int slot, int *rank)
{
    static const char *const categories[4] = {"none", "domestic_violence", "sexual_offence",
                                              "both"};
    unsigned cats = f->categories & (CR_CATMASK_DV | CR_CATMASK_SO);
    switch (dim) {
    case CR_DIMENSION_OUTCOME:
        *rank = slot;
        return outcome_key(slot);
    case CR_DIMENSION_CATEGORY:
        *rank = (int)((cats + 3) % 4); /* domestic violence, sexual offence, both, none */
        return categories[cats];
    case CR_DIMENSION_UNIT:
        *rank = 0;
        return pool_keep(fs->pool, f->unit ? f->unit : "");
    case CR_DIMENSION_RANK:
        *rank = 0;
        return pool_keep(fs->pool, f->rank ? f->rank : "");
    default:
        assert(dim == CR_DIMENSION_EMPLOYMENT);
        *rank = !f->employment                          ? 2
                : strcmp(f->employment, "officer") == 0 ? 0
                : strcmp(f->employment, "staff") == 0   ? 1
                                                        : 2;
        return pool_keep(fs->pool, f->employment ? f->employment : "");
    }
}

static enum cr_status
fact_add(void *ctx, const struct cr_case_fact *f)
{
    struct facts *fs = ctx;
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? 2 * fs->cap : 256;
        struct fact *v = realloc(fs->v, cap * sizeof *v);
        if (!v)
            return cr_fail(fs->db, CR_NOMEM, "out of memory");
        fs->v = v;
        fs->cap = cap;
    }
    struct fact *x = &fs->v[fs->n];
    memset(x, 0, sizeof *x);
    int stage = stage_of(f->state);
    bool stands = decision_stands(stage);
    int slot = outcome_slot(stands ? f->outcome : -1);
    x->subject = f->subject_id;
    x->stage = (unsigned char)stage;
    x->vetting = stands && f->outcome == CR_OUTCOME_REFER && f->vetting_review;
    for (size_t k = 0; k < fs->q->n_by; k++) {
        int rank;
        if (!(x->key[k] = dimension_key(fs, fs->q->by[k], f, slot, &rank)))
            return cr_fail(fs->db, CR_NOMEM, "out of memory");
        x->rank[k] = (signed char)rank;
    }
    fs->n++;
    return CR_OK;
}

/* Order by the keys (those not asked for are NULL, rank 0: alike), then by subject. */
static int
keys_cmp(const struct fact *a, const struct fact *b, size_t n_by)
{
    for (size_t k = 0; k < n_by; k++) {
        if (a->rank[k] != b->rank[k])
            return a->rank[k] < b->rank[k] ? -1 : 1;
        if (a->key[k] != b->key[k]) {
            int c = strcmp(a->key[k], b->key[k]);
            if (c)
                return c;
        }
    }
    return 0;
}

static int
subject_cmp(const void *pa, const void *pb)
{
    const struct fact *a = pa, *b = pb;
    return a->subject < b->subject ? -1 : a->subject > b->subject;
}

static int
keys_subject_cmp(const void *pa, const void *pb)
{
    int c = keys_cmp(pa, pb, CR_DIMENSION_COUNT);
    return c ? c : subject_cmp(pa, pb);
}

/*
 * Count the facts, grouped by the first n_by dimensions (0: one group, into
 * *total; else a row each, appended to r in the keys' order): each stage's
 * cases, and its people (distinct subjects), then each group's people over
 * every stage (a person can be in several).
 */
static enum cr_status
tally(cr_db *db, struct fact *v, size_t n, size_t n_by, struct cr_report *r,
      struct cr_figures *total)
{
    assert(n_by <= CR_DIMENSION_COUNT);
    assert(n_by == 0 ? total != NULL : r != NULL);
    if (n)
        qsort(v, n, sizeof *v, n_by ? keys_subject_cmp : subject_cmp);
    size_t cap = r ? r->n_rows : 0;
    struct cr_figures *f = total;
    for (size_t i = 0; i < n;) {
        if (n_by && (i == 0 || keys_cmp(&v[i - 1], &v[i], n_by) != 0)) {
            if (r->n_rows == cap) {
                cap = cap ? 2 * cap : 8;
                struct cr_report_row *rows = realloc(r->rows, cap * sizeof *rows);
                if (!rows)
                    return cr_fail(db, CR_NOMEM, "out of memory");
                r->rows = rows;
            }
            struct cr_report_row *row = &r->rows[r->n_rows++];
            memset(row, 0, sizeof *row);
            for (size_t k = 0; k < n_by; k++)
                row->key[k] = v[i].key[k];
            f = &row->f;
        }
        /* One subject's cases in this group. */
        unsigned stages = 0, vetting = 0;
        size_t j = i;
        do {
            assert(v[j].stage < CR_STAGE_COUNT);
            f->cases[v[j].stage]++;
            f->total_cases++;
            stages |= 1u << v[j].stage;
            if (v[j].vetting) {
                f->vetting_cases[v[j].stage]++;
                vetting |= 1u << v[j].stage;
            }
            j++;
        } while (j < n && v[j].subject == v[i].subject && keys_cmp(&v[i], &v[j], n_by) == 0);
        for (int s = 0; s < CR_STAGE_COUNT; s++) {
            f->persons[s] += (stages >> s) & 1;
            f->vetting_persons[s] += (vetting >> s) & 1;
        }
        f->total_persons++;
        i = j;
    }
    return CR_OK;
}

/* Read the cases (as at, or only the followed) into *fs, keyed by fs->q. */
static enum cr_status
facts_read(cr_db *db, int64_t as_at, bool followed, struct facts *fs)
{
    return st_store(db)->case_facts(db, as_at, followed, fact_add, fs);
}

/* Add a group's figures into the report's total. */
static void
add_figures(struct cr_figures *to, const struct cr_figures *f)
{
    for (int s = 0; s < CR_STAGE_COUNT; s++) {
        to->cases[s] += f->cases[s];
        to->vetting_cases[s] += f->vetting_cases[s];
        to->persons[s] += f->persons[s];
        to->vetting_persons[s] += f->vetting_persons[s];
    }
    to->total_cases += f->total_cases;
    to->total_persons += f->total_persons;
}

/* People counted as cases, less what the subjects with several cases add twice. */
static void
discount(struct cr_figures *f, const struct cr_figures *followed)
{
    for (int s = 0; s < CR_STAGE_COUNT; s++) {
        f->persons[s] -= followed->cases[s] - followed->persons[s];
        f->vetting_persons[s] -= followed->vetting_cases[s] - followed->vetting_persons[s];
    }
    f->total_persons -= followed->total_cases - followed->total_persons;
}

/* The outcome counter's rows as figures by outcome (people as many as cases). */
static enum cr_status
by_outcome_add(void *ctx, const struct cr_case_count *c)
{
    struct cr_figures *by = ctx;
    int stage = stage_of(c->state);
    int slot = outcome_slot(decision_stands(stage) ? c->outcome : -1);
    struct cr_figures *f = &by[slot];
    f->cases[stage] += c->n;
    f->persons[stage] += c->n;
    if (slot == CR_OUTCOME_REFER && c->vetting_review) {
        f->vetting_cases[stage] += c->n;
        f->vetting_persons[stage] += c->n;
    }
    f->total_cases += c->n;
    f->total_persons += c->n;
    return CR_OK;
}

/*
 * From the counters: cases by state, outcome and vetting review; people as
 * many as cases, then corrected by reading the few subjects with several
 * cases.  Rows by outcome when asked (nfa, reassess, refer, none).
 */
static enum cr_status
from_counters(cr_db *db, const struct cr_report_query *q, struct pool *pool, struct cr_report *r)
{
    assert(q->n_by == 0 || (q->n_by == 1 && q->by[0] == CR_DIMENSION_OUTCOME));
    struct cr_figures by[CR_OUTCOME_COUNT + 1];
    memset(by, 0, sizeof by);
    enum cr_status st = st_store(db)->outcome_counts(db, by_outcome_add, by);
    if (st != CR_OK)
        return st;
    for (int o = 0; o <= CR_OUTCOME_COUNT; o++)
        add_figures(&r->total, &by[o]);

    /* The subjects with several cases, counted both ways. */
    struct facts fs = {db, q, pool, NULL, 0, 0};
    struct cr_figures followed = {0};
    struct cr_report groups = {0};
    st = facts_read(db, 0, true, &fs);
    if (st == CR_OK)
        st = tally(db, fs.v, fs.n, 0, NULL, &followed);
    if (st == CR_OK)
        discount(&r->total, &followed);
    if (st == CR_OK && q->n_by)
        st = tally(db, fs.v, fs.n, 1, &groups, NULL);
    free(fs.v);
    for (size_t i = 0; st == CR_OK && i < groups.n_rows; i++)
        discount(&by[outcome_slot(cr_outcome_parse(groups.rows[i].key[0]))], &groups.rows[i].f);
    free(groups.rows);
    if (st != CR_OK || q->n_by == 0)
        return st;
    size_t n_rows = 0;
    for (int o = 0; o <= CR_OUTCOME_COUNT; o++)
        n_rows += by[o].total_cases != 0;
    if (n_rows && !(r->rows = calloc(n_rows, sizeof *r->rows)))
        return cr_fail(db, CR_NOMEM, "out of memory");
    for (int o = 0; o <= CR_OUTCOME_COUNT; o++) {
        if (!by[o].total_cases)
            continue;
        struct cr_report_row *row = &r->rows[r->n_rows++];
        row->key[0] = outcome_key(o);
        row->f = by[o];
    }
    return CR_OK;
}

/* By reading every case (as at, or now): the rows, then the totals over them. */
static enum cr_status
from_cases(cr_db *db, const struct cr_report_query *q, struct pool *pool, struct cr_report *r)
{
    struct facts fs = {db, q, pool, NULL, 0, 0};
    enum cr_status st = facts_read(db, r->as_at, false, &fs);
    if (st == CR_OK)
        st = tally(db, fs.v, fs.n, 0, NULL, &r->total);
    if (st == CR_OK && q->n_by)
        st = tally(db, fs.v, fs.n, q->n_by, r, NULL);
    free(fs.v);
    return st;
}

/* The report of q, its as_at set, within the caller's snapshot. */
static enum cr_status
report_read(cr_db *db, const struct cr_report_query *q, struct cr_report *out)
{
    struct pool *pool = pool_new();
    if (!pool)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = pool;
    bool counters =
        !out->as_at && (q->n_by == 0 || (q->n_by == 1 && q->by[0] == CR_DIMENSION_OUTCOME));
    if (counters)
        return from_counters(db, q, pool, out);
    out->scanned = 1;
    return from_cases(db, q, pool, out);
}

/* Run read(db, arg, out) in one read snapshot: the figures add up while others write. */
static enum cr_status
in_snapshot(cr_db *db, enum cr_status (*read)(cr_db *, const void *, void *), const void *arg,
            void *out)
{
    const struct cr_store *e = st_store(db);
    bool began;
    enum cr_status st = e->snapshot_begin(db, &began);
    if (st != CR_OK)
        return st;
    st = read(db, arg, out);
    enum cr_status end = e->snapshot_end(db, began, st == CR_OK);
    return st != CR_OK ? st : end;
}

static enum cr_status
report_in_snapshot(cr_db *db, const void *q, void *out)
{
    return report_read(db, q, out);
}

enum cr_status
cr_report_get(cr_db *db, const struct cr_report_query *q, struct cr_report *out)
{
    memset(out, 0, sizeof *out);
    if (q->n_by > CR_DIMENSION_COUNT)
        return cr_fail(db, CR_USAGE, "a report is broken down by at most %d things",
                       CR_DIMENSION_COUNT);
    unsigned seen = 0;
    for (size_t k = 0; k < q->n_by; k++) {
        if (q->by[k] < 0 || q->by[k] >= CR_DIMENSION_COUNT)
            return cr_fail(db, CR_USAGE, "no such breakdown");
        if (seen & (1u << q->by[k]))
            return cr_fail(db, CR_USAGE, "a report is broken down by %s only once",
                           cr_dimension_name(q->by[k]));
        seen |= 1u << q->by[k];
        out->by[k] = q->by[k];
    }
    out->n_by = q->n_by;
    if (q->as_at) {
        int64_t days;
        if (cr_date_parse(q->as_at, strlen(q->as_at), &days) < 0)
            return cr_fail(db, CR_USAGE, "the date '%s' is not a real date in the form YYYY-MM-DD",
                           q->as_at);
        int64_t now = cr_db_now(db);
        if (days * 86400 > now)
            return cr_fail(db, CR_USAGE,
                           "the date %s is after today: the figures can be counted as they "
                           "stood, not as they will stand",
                           q->as_at);
        out->as_at = (days + 1) * 86400;
    }
    enum cr_status st = in_snapshot(db, report_in_snapshot, q, out);
    if (st != CR_OK)
        cr_report_free(out);
    return st;
}

/* Counts */

static enum cr_status
case_count_add(void *ctx, const struct cr_case_count *c)
{
    struct cr_stats *out = ctx;
    out->cases += c->n;
    if (c->state >= 0 && c->state < CR_STATE_COUNT)
        out->by_state[c->state] += c->n;
    for (int k = 0; k < CR_CATEGORY_COUNT; k++)
        if (c->categories & (1u << k))
            out->by_category[k] += c->n;
    if ((c->categories & (CR_CATMASK_DV | CR_CATMASK_SO)) == (CR_CATMASK_DV | CR_CATMASK_SO))
        out->both_categories += c->n;
    return CR_OK;
}

/* The stats, within the caller's snapshot: every figure from a counter. */
static enum cr_status
stats_read(cr_db *db, const void *unused, void *to)
{
    (void)unused;
    struct cr_stats *out = to;
    const struct cr_store *e = st_store(db);
    memset(out, 0, sizeof *out);
    enum cr_status st = e->case_counts(db, case_count_add, out);
    if (st == CR_OK)
        st = e->record_counts(db, &out->subjects, &out->allegations, out->allegations_by_category);
    if (st != CR_OK)
        return st;
    struct cr_report_query q = {1, {CR_DIMENSION_OUTCOME}, NULL};
    struct cr_report r = {.n_by = 1, .by = {CR_DIMENSION_OUTCOME}};
    if ((st = report_read(db, &q, &r)) == CR_OK) {
        for (size_t i = 0; i < r.n_rows; i++)
            out->by_outcome[outcome_slot(cr_outcome_parse(r.rows[i].key[0]))] = r.rows[i].f;
        out->figures = r.total;
    }
    cr_report_free(&r);
    return st;
}

enum cr_status
cr_stats_get(cr_db *db, struct cr_stats *out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = in_snapshot(db, stats_read, NULL, out);
    if (st != CR_OK)
        memset(out, 0, sizeof *out);
    return st;
}

/* The dashboard */

/*
 * Whose per-reviewer figures this user may see: a reviewer's outcome mix
 * and the panel's returns of their decisions are about that person.
 * Supervisors and the admin see everyone's; a reviewer their own; others
 * (the panel, who judge those decisions) nobody's.
 */
static bool
reviewers_visible(cr_db *db, const char **only)
{
    const struct cr_person *me = st_user(db);
    *only = NULL;
    if (!me)
        return false;
    if (cr_person_has(me, CR_ROLE_SUPERVISOR) || cr_person_has(me, CR_ROLE_ADMIN))
        return true;
    if (cr_person_has(me, CR_ROLE_REVIEWER)) {
        *only = me->login;
        return true;
    }
    return false;
}

/* The dashboard being read, and whose figures it may show. */
struct board {
    cr_db *db;
    struct cr_dashboard *d;
    struct pool *pool;
    const char *only; /* the one reviewer whose figures are shown, or NULL for all */
};

static enum cr_status
undecided_add(void *ctx, const struct cr_case_count *c)
{
    struct cr_dashboard *d = ctx;
    if (c->outcome < 0)
        d->undecided += c->n;
    return CR_OK;
}

static enum cr_status
rounds_add(void *ctx, const struct cr_reviewer_count *r)
{
    struct cr_dashboard *d = ctx;
    d->panel_rounds += r->finished;
    d->panel_returned += r->returned;
    return CR_OK;
}

/* The reviewer's mix, added in the order first seen; NULL: out of memory. */
static struct cr_reviewer_mix *
reviewer(struct board *b, const char *login)
{
    struct cr_dashboard *d = b->d;
    for (size_t i = 0; i < d->n_reviewers; i++)
        if (strcmp(d->reviewers[i].login, login) == 0)
            return &d->reviewers[i];
    struct cr_reviewer_mix *v = realloc(d->reviewers, (d->n_reviewers + 1) * sizeof *v);
    if (!v)
        return NULL;
    d->reviewers = v;
    struct cr_reviewer_mix *m = &v[d->n_reviewers];
    memset(m, 0, sizeof *m);
    if (!(m->login = pool_keep(b->pool, login)))
        return NULL;
    d->n_reviewers++;
    return m;
}

static enum cr_status
mix_add(void *ctx, const struct cr_reviewer_count *r)
{
    struct board *b = ctx;
    if (b->only && strcmp(r->login, b->only) != 0)
        return CR_OK;
    struct cr_reviewer_mix *m = reviewer(b, r->login);
    if (!m)
        return cr_fail(b->db, CR_NOMEM, "out of memory");
    if (r->outcome >= 0 && r->outcome < CR_OUTCOME_COUNT)
        m->by_outcome[r->outcome] += r->n;
    m->decided += r->n;
    return CR_OK;
}

static enum cr_status
mix_rounds_add(void *ctx, const struct cr_reviewer_count *r)
{
    struct board *b = ctx;
    if (b->only && strcmp(r->login, b->only) != 0)
        return CR_OK;
    struct cr_reviewer_mix *m = reviewer(b, r->login);
    if (!m)
        return cr_fail(b->db, CR_NOMEM, "out of memory");
    m->panel_rounds = r->finished;
    m->panel_returned = r->returned;
    return CR_OK;
}

/* Everything the dashboard reads, within the caller's snapshot; out->week_start set. */
static enum cr_status
dashboard_read(cr_db *db, const void *arg, void *to)
{
    const struct cr_late *late = arg;
    struct board *b = to;
    struct cr_dashboard *out = b->d;
    const struct cr_store *e = st_store(db);
    enum cr_status st = stats_read(db, NULL, &out->stats);
    if (st != CR_OK)
        return st;
    for (int state = 0; state < CR_STATE_COUNT && st == CR_OK; state++)
        if (late->before[state] != INT64_MIN)
            st = e->cases_waiting(db, state, late->before[state], late->now, &out->overdue[state]);
    /* Cases never decided: the backlog the weekly rate works through. */
    if (st == CR_OK)
        st = e->outcome_counts(db, undecided_add, out);
    int64_t week = 7 * 86400;
    for (int w = 0; w < CR_DASHBOARD_WEEKS && st == CR_OK; w++)
        st = e->first_decisions(db, out->week_start + w * week, out->week_start + (w + 1) * week,
                                &out->decisions_per_week[w]);
    /* Dissent per round: the rounds the panel finished, and of those returned. */
    if (st == CR_OK)
        st = e->panel_rounds(db, rounds_add, out);
    if (st != CR_OK || !out->reviewers_shown)
        return st;
    /* Each reviewer's outcome mix, then the panel's rounds on their decisions. */
    st = e->reviewer_outcomes(db, mix_add, b);
    if (st == CR_OK)
        st = e->panel_rounds(db, mix_rounds_add, b);
    return st;
}

enum cr_status
cr_dashboard_get(cr_db *db, struct cr_dashboard *out)
{
    memset(out, 0, sizeof *out);
    const struct cr_config *cfg = st_config(db);
    int64_t now = cr_db_now(db);
    /* Overdue: on the SLA clock longer than its service level allows, and not paused. */
    struct cr_late overdue = {.now = now};
    for (int state = 0; state < CR_STATE_COUNT; state++) {
        int sla = cr_state_sla(state);
        int days = sla < 0 ? 0 : cfg ? cfg->sla_days[sla] : 10;
        overdue.before[state] = sla < 0 ? INT64_MIN : now - (int64_t)days * 86400;
    }
    /*
     * First decisions a week, the current week last.  Weeks begin on Monday
     * at 00:00 UTC (1970-01-05 was one), so that each is labelled by the
     * date it commences ("w/c 2026-11-16").
     */
    int64_t week = 7 * 86400, monday = 4 * 86400;
    out->week_start = now - ((now - monday) % week) - (CR_DASHBOARD_WEEKS - 1) * week;
    struct board b = {db, out, pool_new(), NULL};
    if (!b.pool)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = b.pool;
    out->reviewers_shown = reviewers_visible(db, &b.only);
    enum cr_status st = in_snapshot(db, dashboard_read, &overdue, &b);
    if (st != CR_OK) {
        /* Never a partial result: whatever was read goes. */
        cr_dashboard_free(out);
        return st;
    }
    int64_t recent = 0;
    for (int w = CR_DASHBOARD_WEEKS - 4; w < CR_DASHBOARD_WEEKS; w++)
        recent += out->decisions_per_week[w];
    out->rate = recent / 4.0;
    if (out->rate > 0)
        out->backlog_clears = now + (int64_t)((double)out->undecided / out->rate * (double)week);
    return CR_OK;
}
