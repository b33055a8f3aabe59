/*
 * The figures' counts in memory (store.h, "The figures"), as
 * core/sqlite/report.c gives them.  The SQLite engine keeps counters beside
 * the cases so that it need not read them all; here each counter's rows are
 * counted from the rows when asked (the counters only ever repeat what the
 * rows say).  It only counts: what the numbers mean is core/report.c's.
 */
#include "engine.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* One process, one thread at a time: every read already sees one state of the data. */
enum cr_status
mem_snapshot_begin(cr_db *db, bool *began)
{
    (void)db;
    *began = false;
    return CR_OK;
}

enum cr_status
mem_snapshot_end(cr_db *db, bool began, bool ok)
{
    (void)db;
    (void)ok;
    assert(!began);
    return CR_OK;
}

/* A counter's cells: state, outcome (+1: none first), and vetting review or categories. */
#define OUTCOMES (CR_OUTCOME_COUNT + 1)
#define CELLS (CR_STATE_COUNT * OUTCOMES * 4)

static size_t
cell(int state, int outcome, unsigned third)
{
    assert(state >= 0 && state < CR_STATE_COUNT);
    assert(outcome >= -1 && outcome < CR_OUTCOME_COUNT);
    assert(third < 4);
    return ((size_t)state * OUTCOMES + (size_t)(outcome + 1)) * 4 + third;
}

/* The cases counted by state, outcome and the third column, to each(). */
static enum cr_status
counts(cr_db *db, bool vetting, cr_store_count_fn each, void *ctx)
{
    assert(each);
    const struct mem_data *d = mem_data(db);
    const struct mem_case *c = MEM_ROWS(d, MEM_CASES, struct mem_case);
    int64_t n[CELLS] = {0};
    for (size_t i = 0; i < MEM_N(d, MEM_CASES); i++)
        n[cell(c[i].state, c[i].outcome,
               vetting ? (c[i].vetting_review != 0) : mem_categories(&c[i]) & 3u)]++;
    enum cr_status st = CR_OK;
    for (int s = 0; s < CR_STATE_COUNT && st == CR_OK; s++)
        for (int o = -1; o < CR_OUTCOME_COUNT && st == CR_OK; o++)
            for (unsigned t = 0; t < 4 && st == CR_OK; t++) {
                int64_t k = n[cell(s, o, t)];
                if (!k)
                    continue;
                struct cr_case_count row = {.state = s, .outcome = o, .n = k};
                if (vetting)
                    row.vetting_review = t != 0;
                else
                    row.categories = t;
                st = each(ctx, &row);
            }
    return st;
}

enum cr_status
mem_case_counts(cr_db *db, cr_store_count_fn each, void *ctx)
{
    return counts(db, false, each, ctx);
}

enum cr_status
mem_outcome_counts(cr_db *db, cr_store_count_fn each, void *ctx)
{
    return counts(db, true, each, ctx);
}

enum cr_status
mem_record_counts(cr_db *db, int64_t *subjects, int64_t *allegations,
                  int64_t by_category[CR_CATEGORY_COUNT])
{
    const struct mem_data *d = mem_data(db);
    memset(by_category, 0, CR_CATEGORY_COUNT * sizeof *by_category);
    *subjects = (int64_t)MEM_N(d, MEM_SUBJECTS);
    *allegations = 0;
    const struct mem_allegation *a = MEM_ROWS(d, MEM_ALLEGATIONS, struct mem_allegation);
    for (size_t i = 0; i < MEM_N(d, MEM_ALLEGATIONS); i++) {
        if (a[i].category >= 0 && a[i].category < CR_CATEGORY_COUNT)
            by_category[a[i].category]++;
        (*allegations)++;
    }
    return CR_OK;
}

static int
by_id(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

/* The case as it stood before as_at (into *f), or false when it did not exist yet. */
static bool
fact_as_at(const struct mem_data *d, const struct mem_case *c, int64_t as_at,
           struct cr_case_fact *f)
{
    if (c->created_at >= as_at)
        return false;
    f->state = CR_STATE_FLAGGED;
    const struct mem_event *e = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    for (size_t i = 0; i < MEM_N(d, MEM_AUDIT_EVENTS); i++)
        if (e[i].case_id == c->id && e[i].at < as_at && e[i].state_after)
            f->state = cr_state_parse(e[i].state_after);
    const struct mem_decision *dec = NULL, *x = MEM_ROWS(d, MEM_DECISIONS, struct mem_decision);
    for (size_t i = 0; i < MEM_N(d, MEM_DECISIONS); i++)
        if (x[i].case_id == c->id && x[i].decided_at < as_at && (!dec || x[i].round > dec->round))
            dec = &x[i];
    f->outcome = dec ? dec->outcome : -1;
    f->vetting_review = dec && dec->vetting_review;
    f->categories = 0;
    const struct mem_allegation *a = MEM_ROWS(d, MEM_ALLEGATIONS, struct mem_allegation);
    for (size_t i = 0; i < MEM_N(d, MEM_ALLEGATIONS); i++) {
        if (a[i].case_id != c->id)
            continue;
        const struct mem_import *imp = mem_find(d, MEM_IMPORTS, a[i].import_id);
        if (imp && imp->at < as_at)
            f->categories |= 1u << a[i].category;
    }
    return true;
}

enum cr_status
mem_case_facts(cr_db *db, int64_t as_at, bool followed, cr_store_fact_fn each, void *ctx)
{
    assert(each);
    assert(as_at >= 0);
    const struct mem_data *d = mem_data(db);
    const struct mem_case *c = MEM_ROWS(d, MEM_CASES, struct mem_case);
    size_t n_cases = MEM_N(d, MEM_CASES);
    /* The subjects with more than one case: those of the cases that follow another. */
    int64_t *several = NULL;
    size_t n_several = 0;
    if (followed) {
        several = malloc((n_cases ? n_cases : 1) * sizeof *several);
        if (!several)
            return cr_fail(db, CR_NOMEM, "out of memory");
        for (size_t i = 0; i < n_cases; i++)
            if (c[i].previous_case_id)
                several[n_several++] = c[i].subject_id;
        qsort(several, n_several, sizeof *several, by_id);
    }
    enum cr_status st = CR_OK;
    for (size_t i = 0; i < n_cases && st == CR_OK; i++) {
        if (followed && !bsearch(&c[i].subject_id, several, n_several, sizeof *several, by_id))
            continue;
        struct cr_case_fact f = {.subject_id = c[i].subject_id};
        if (as_at) {
            if (!fact_as_at(d, &c[i], as_at, &f))
                continue;
        } else {
            f.state = c[i].state;
            f.outcome = c[i].outcome;
            f.vetting_review = c[i].vetting_review != 0;
            f.categories = mem_categories(&c[i]);
        }
        const struct mem_subject *s = mem_subject_of(d, &c[i]);
        f.unit = s && s->unit ? s->unit : "";
        f.rank = s && s->rank ? s->rank : "";
        f.employment = s ? cr_employment_name(s->employment) : "";
        if (!f.employment)
            f.employment = "";
        st = each(ctx, &f);
    }
    free(several);
    return st;
}

enum cr_status
mem_cases_waiting(cr_db *db, int state, int64_t since_before, int64_t now, int64_t *n)
{
    assert(state >= 0 && state < CR_STATE_COUNT);
    const struct mem_data *d = mem_data(db);
    const struct mem_case *c = MEM_ROWS(d, MEM_CASES, struct mem_case);
    *n = 0;
    for (size_t i = 0; i < MEM_N(d, MEM_CASES); i++)
        *n += c[i].state == state && c[i].state_since + c[i].clock_shift < since_before &&
              c[i].paused_until <= now;
    return CR_OK;
}

enum cr_status
mem_first_decisions(cr_db *db, int64_t from, int64_t to, int64_t *n)
{
    assert(from <= to);
    const struct mem_data *d = mem_data(db);
    const struct mem_decision *x = MEM_ROWS(d, MEM_DECISIONS, struct mem_decision);
    *n = 0;
    for (size_t i = 0; i < MEM_N(d, MEM_DECISIONS); i++)
        *n += x[i].round == 1 && x[i].decided_at >= from && x[i].decided_at < to;
    return CR_OK;
}

/* Reviewers' counts, kept by login (the strings are the data's), in login order. */
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
mem_reviewer_outcomes(cr_db *db, cr_store_reviewer_fn each, void *ctx)
{
    assert(each);
    const struct mem_data *d = mem_data(db);
    const struct mem_case *c = MEM_ROWS(d, MEM_CASES, struct mem_case);
    struct tally *v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < MEM_N(d, MEM_CASES); i++) {
        if (!c[i].decided_by || c[i].outcome < 0)
            continue;
        struct tally *t = tally_of(&v, &n, c[i].decided_by);
        if (!t) {
            free(v);
            return cr_fail(db, CR_NOMEM, "out of memory");
        }
        t->n[c[i].outcome]++;
    }
    if (n)
        qsort(v, n, sizeof *v, tally_order);
    enum cr_status st = CR_OK;
    for (size_t i = 0; i < n && st == CR_OK; i++)
        for (int o = 0; o < CR_OUTCOME_COUNT && st == CR_OK; o++)
            if (v[i].n[o]) {
                struct cr_reviewer_count r = {.login = v[i].login, .outcome = o, .n = v[i].n[o]};
                st = each(ctx, &r);
            }
    free(v);
    return st;
}

/*
 * A round is finished by the panel when a vote moves the case out of
 * panel_review (closed: confirmed; returned: the dissent threshold was
 * reached), counted for the reviewer of that round's decision.
 */
enum cr_status
mem_panel_rounds(cr_db *db, cr_store_reviewer_fn each, void *ctx)
{
    assert(each);
    const struct mem_data *d = mem_data(db);
    const struct mem_decision *dec = MEM_ROWS(d, MEM_DECISIONS, struct mem_decision);
    const struct mem_event *e = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    struct tally *v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < MEM_N(d, MEM_AUDIT_EVENTS); i++) {
        if (strcmp(e[i].action, "vote") != 0 || !e[i].state_before || !e[i].state_after ||
            strcmp(e[i].state_before, "panel_review") != 0 ||
            (strcmp(e[i].state_after, "closed") != 0 && strcmp(e[i].state_after, "returned") != 0))
            continue;
        int round = (int)mem_json_int(e[i].details, "round");
        for (size_t k = 0; k < MEM_N(d, MEM_DECISIONS); k++) {
            if (dec[k].case_id != e[i].case_id || dec[k].round != round)
                continue;
            struct tally *t = tally_of(&v, &n, dec[k].reviewer);
            if (!t) {
                free(v);
                return cr_fail(db, CR_NOMEM, "out of memory");
            }
            t->finished++;
            t->returned += strcmp(e[i].state_after, "returned") == 0;
        }
    }
    if (n)
        qsort(v, n, sizeof *v, tally_order);
    enum cr_status st = CR_OK;
    for (size_t i = 0; i < n && st == CR_OK; i++) {
        struct cr_reviewer_count r = {.login = v[i].login,
                                      .outcome = -1,
                                      .finished = v[i].finished,
                                      .returned = v[i].returned};
        st = each(ctx, &r);
    }
    free(v);
    return st;
}

/* The workload's reading (store.h, assigned_cases): every open case someone holds, one by one. */
enum cr_status
mem_assigned_cases(cr_db *db, cr_store_assigned_fn each, void *ctx)
{
    assert(each);
    const struct mem_data *d = mem_data(db);
    const struct mem_case *c = MEM_ROWS(d, MEM_CASES, struct mem_case);
    enum cr_status st = CR_OK;
    for (size_t i = 0; i < MEM_N(d, MEM_CASES) && st == CR_OK; i++) {
        if (!c[i].assignee || c[i].state == CR_STATE_CLOSED)
            continue;
        struct cr_assigned_count a = {
            .login = c[i].assignee, .state = c[i].state, .state_since = c[i].state_since, .n = 1};
        st = each(ctx, &a);
    }
    return st;
}
