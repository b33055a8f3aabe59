/*
 * The import's writes, in memory: one transaction for the whole file,
 * subjects and allegations matched by their references, new cases, the
 * line each row came from kept as provenance, and the priorities
 * recomputed for the cases touched; as core/sqlite/import.c does it, with
 * its messages and audit events.
 */
#include "engine.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* The line of this import that first touched a case, or 0. */
static long
case_seen(const struct mem_conn *c, int64_t id)
{
    for (size_t i = 0; i < c->n_import_cases; i++)
        if (c->import_cases[i].id == id)
            return c->import_cases[i].line;
    return 0;
}

/* Note that this import touched a case (line 0: a subject's update), keeping the latest line. */
static bool
case_touch(struct mem_conn *c, int64_t id, long line)
{
    for (size_t i = 0; i < c->n_import_cases; i++) {
        if (c->import_cases[i].id == id) {
            if (line > c->import_cases[i].line)
                c->import_cases[i].line = line;
            return true;
        }
    }
    struct mem_case_line *x = mem_grow((void **)&c->import_cases, &c->n_import_cases, sizeof *x);
    if (!x)
        return false;
    x->id = id;
    x->line = line;
    return true;
}

/* Forget the details a row's subject update reported (the caller has used them). */
static void
forget_old(struct mem_conn *c)
{
    for (size_t i = 0; i < CR_SUBJECT_DETAILS; i++) {
        free(c->import_old[i]);
        c->import_old[i] = NULL;
    }
}

enum cr_status
mem_import_begin(cr_db *db, const char *label, unsigned new_case_states, int64_t *import_id)
{
    assert(db && label && import_id);
    struct mem_conn *c = mem_conn(db);
    enum cr_status st = mem_begin(db);
    if (st != CR_OK)
        return st;
    struct mem_import *imp = mem_add(mem_data(db), MEM_IMPORTS);
    if (!imp || !mem_set(&imp->label, label)) {
        mem_rollback(db);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    imp->at = cr_db_tx_now(db);
    *import_id = c->import_id = imp->id;
    c->import_new_case_states = new_case_states;
    c->n_import_cases = 0;
    forget_old(c);
    return CR_OK;
}

/* A subject's details in column order, as the import compares them. */
static const int subject_cols[CR_SUBJECT_DETAILS] = CR_SUBJECT_DETAIL_COLUMNS;
#define N_SUBJECT_COLS (sizeof subject_cols / sizeof subject_cols[0])

/* A stored value as text, as SQLite holds it: NULL for an empty or unrecorded one. */
static const char *
or_null(const char *v)
{
    return v && *v ? v : NULL;
}

static void
subject_values(const struct mem_subject *s, const char *out[N_SUBJECT_COLS])
{
    out[0] = s->surname;
    out[1] = s->forenames;
    out[2] = cr_employment_name(s->employment);
    out[3] = s->rank;
    out[4] = s->unit;
    out[5] = cr_duty_name(s->duty);
    out[6] = s->vetting >= 0 ? cr_vetting_name(s->vetting) : NULL;
}

/* The subject's latest case, or NULL. */
static struct mem_case *
latest_case(struct mem_data *d, int64_t subject_id)
{
    struct mem_case *cases = MEM_ROWS(d, MEM_CASES, struct mem_case);
    for (size_t i = MEM_N(d, MEM_CASES); i-- > 0;)
        if (cases[i].subject_id == subject_id)
            return &cases[i];
    return NULL;
}

/* Set a subject's details and provenance from a row. */
static bool
set_subject(struct mem_subject *s, const struct cr_import_row *r, int64_t import_id, long line,
            bool vetting)
{
    s->employment = r->employment;
    s->duty = r->duty;
    if (vetting)
        s->vetting = cr_vetting_name(r->vetting) ? r->vetting : -1;
    s->import_id = import_id;
    s->import_line = line;
    return mem_set(&s->surname, r->surname) && mem_set(&s->forenames, r->forenames) &&
           mem_set(&s->rank, r->rank) && mem_set(&s->unit, r->unit);
}

static struct mem_subject *
subject_by_ref(struct mem_data *d, const char *ref)
{
    struct mem_subject *s = MEM_ROWS(d, MEM_SUBJECTS, struct mem_subject);
    for (size_t i = 0; i < MEM_N(d, MEM_SUBJECTS); i++)
        if (strcmp(s[i].ref, ref) == 0)
            return &s[i];
    return NULL;
}

static enum cr_status
import_subject(cr_db *db, const struct cr_import_row *r, long line, struct cr_import_result *res,
               int64_t *subject_id, struct cr_conflict *conflict, struct cr_subject_update *update)
{
    struct mem_conn *c = mem_conn(db);
    struct mem_data *d = mem_data(db);
    struct mem_subject *s = subject_by_ref(d, r->subject_ref);
    if (!s) {
        s = mem_add(d, MEM_SUBJECTS);
        if (!s || !mem_set(&s->ref, r->subject_ref) || !set_subject(s, r, c->import_id, line, true))
            return cr_fail(db, CR_NOMEM, "out of memory");
        *subject_id = s->id;
        res->new_subjects++;
        return CR_OK;
    }
    *subject_id = s->id;
    const char *want[] = {
        r->surname, r->forenames,          cr_employment_name(r->employment), r->rank,
        r->unit,    cr_duty_name(r->duty), cr_vetting_name(r->vetting)};
    const char *have[N_SUBJECT_COLS];
    subject_values(s, have);
    int differs = -1;
    for (size_t i = 0; i < N_SUBJECT_COLS && differs < 0; i++) {
        /* A column the file does not have is no difference. */
        if (subject_cols[i] == CR_COL_VETTING_STATUS && !r->has_vetting)
            continue;
        if (!mem_same(have[i], or_null(want[i])))
            differs = subject_cols[i];
    }
    long first = s->import_id == c->import_id ? (long)s->import_line : 0;
    if (differs < 0)
        return CR_OK;
    if (first) {
        /* Two rows of this file disagree about the subject. */
        conflict->column = differs;
        conflict->other_line = first;
        return CR_INVALID;
    }
    /* The stored values, for the caller's audit event, before they change. */
    char **old = c->import_old;
    bool nomem = false;
    for (size_t i = 0; i < N_SUBJECT_COLS; i++)
        if (have[i] && !(old[i] = strdup(have[i])))
            nomem = true;
    /* A later import brings the subject's details up to date. */
    enum cr_status st = CR_OK;
    if (nomem || !set_subject(s, r, c->import_id, line, r->has_vetting))
        st = cr_fail(db, CR_NOMEM, "out of memory");
    if (st != CR_OK)
        return st;
    /* The subject's latest case before this row's, as the event names it. */
    const struct mem_case *latest = latest_case(d, *subject_id);
    update->case_id = latest ? latest->id : 0;
    update->state = latest ? latest->state : -1;
    for (size_t i = 0; i < N_SUBJECT_COLS; i++)
        update->before[i] = old[i];
    update->updated = true;
    res->updated_subjects++;
    /* Its open cases' priorities are recomputed at the end (the duty status may have changed). */
    const struct mem_case *cases = MEM_ROWS(d, MEM_CASES, struct mem_case);
    for (size_t i = 0; i < MEM_N(d, MEM_CASES); i++)
        if (cases[i].subject_id == *subject_id && cases[i].state != CR_STATE_CLOSED &&
            !case_seen(c, cases[i].id) && !case_touch(c, cases[i].id, 0))
            return cr_fail(db, CR_NOMEM, "out of memory");
    return CR_OK;
}

/* The first column in which a row differs from the stored allegation of its reference, or -1. */
static int
allegation_differs(const struct mem_data *d, const struct mem_allegation *a,
                   const struct cr_import_row *r)
{
    const struct mem_case *c = mem_find(d, MEM_CASES, a->case_id);
    const struct mem_subject *s = c ? mem_subject_of(d, c) : NULL;
    const char *have[] = {s ? s->ref : NULL,         cr_category_name(a->category), a->date,
                          cr_source_name(a->source), a->original_outcome,           a->summary};
    const char *want[] = {r->subject_ref,
                          cr_category_name(r->category),
                          r->date,
                          cr_source_name(r->source),
                          r->original_outcome,
                          r->summary};
    static const int cols[] = {CR_COL_SUBJECT_REF, CR_COL_CATEGORY,         CR_COL_ALLEGATION_DATE,
                               CR_COL_SOURCE,      CR_COL_ORIGINAL_OUTCOME, CR_COL_SUMMARY};
    for (size_t i = 0; i < CR_ARRAY_LEN(cols); i++)
        if (!mem_same(have[i], or_null(want[i])))
            return cols[i];
    return -1;
}

/*
 * The case a new allegation of this subject belongs to, created when needed
 * (when the subject's latest case is in one of the states the import was
 * begun with); *state is that case's state.  Whether a decided case must be
 * decided again is the workflow's to say (core/import.c), not the engine's.
 */
static enum cr_status
case_for(cr_db *db, int64_t subject_id, struct cr_import_result *res, int64_t *case_id, int *state)
{
    struct mem_conn *conn = mem_conn(db);
    struct mem_data *d = mem_data(db);
    /*
     * The clock is read once a row, as the SQLite engine reads it, so that a
     * clock that moves on each reading (the tests') gives both the same times.
     */
    int64_t now = cr_db_tx_now(db);
    struct mem_case *latest = latest_case(d, subject_id);
    if (latest && !(latest->state >= 0 && latest->state < CR_STATE_COUNT &&
                    (conn->import_new_case_states & (1u << latest->state)))) {
        *case_id = latest->id;
        *state = latest->state;
        /* Open before this import, or created by an earlier row of it? */
        if (case_seen(conn, latest->id) == 0)
            res->added_to_open++;
        return CR_OK;
    }
    int64_t previous = latest ? latest->id : 0;
    struct mem_case *c = mem_add(d, MEM_CASES);
    if (!c)
        return cr_fail(db, CR_NOMEM, "out of memory");
    c->subject_id = subject_id;
    c->previous_case_id = previous;
    c->state = CR_STATE_FLAGGED;
    c->state_since = c->created_at = now;
    c->outcome = -1;
    c->version = 1;
    *case_id = c->id;
    *state = CR_STATE_FLAGGED;
    res->new_cases++;
    if (previous)
        res->reopened_cases++;
    return CR_OK;
}

enum cr_status
mem_import_row(cr_db *db, const struct cr_import_row *r, long line, struct cr_import_result *res,
               enum cr_row_outcome *outcome, struct cr_conflict *conflict,
               struct cr_row_case *added, struct cr_subject_update *update)
{
    assert(db && r && res && outcome && conflict && added && update);
    struct mem_conn *c = mem_conn(db);
    enum cr_status st = mem_in_transaction(db, "import allegation");
    if (st != CR_OK)
        return st;
    int64_t subject_id = 0;
    memset(conflict, 0, sizeof *conflict);
    forget_old(c);
    /* A row of an erased case (purge): skipped whole, as the SQLite engine skips it. */
    const struct mem_data *dd = mem_data(db);
    const struct mem_allegation *known = MEM_ROWS(dd, MEM_ALLEGATIONS, struct mem_allegation);
    for (size_t i = 0; i < MEM_N(dd, MEM_ALLEGATIONS); i++) {
        if (strcmp(known[i].ref, r->allegation_ref) != 0)
            continue;
        const struct mem_case *kc = mem_find((struct mem_data *)dd, MEM_CASES, known[i].case_id);
        if (kc && kc->erased_event) {
            *outcome = CR_ROW_KNOWN;
            res->erased_allegations++;
            added->id = 0;
            added->state = -1;
            return CR_OK;
        }
        break;
    }
    st = import_subject(db, r, line, res, &subject_id, conflict, update);
    if (st == CR_INVALID) {
        *outcome = CR_ROW_CONFLICT;
        return CR_OK;
    }
    if (st != CR_OK)
        return st;
    struct mem_data *d = mem_data(db);
    const struct mem_allegation *all = MEM_ROWS(d, MEM_ALLEGATIONS, struct mem_allegation);
    for (size_t i = 0; i < MEM_N(d, MEM_ALLEGATIONS); i++) {
        if (strcmp(all[i].ref, r->allegation_ref) != 0)
            continue;
        int differs = allegation_differs(d, &all[i], r);
        conflict->other_case = all[i].case_id;
        conflict->other_line = all[i].import_id == c->import_id ? (long)all[i].import_line : 0;
        if (differs < 0) {
            *outcome = CR_ROW_KNOWN;
            res->known_allegations++;
            added->id = all[i].case_id; /* for the row's linked references */
            added->state = -1;
            return CR_OK;
        }
        conflict->column = differs;
        *outcome = CR_ROW_CONFLICT;
        return CR_OK;
    }
    int64_t case_id = 0;
    int state = -1;
    if ((st = case_for(db, subject_id, res, &case_id, &state)) != CR_OK)
        return st;
    struct mem_allegation *a = mem_add(d, MEM_ALLEGATIONS);
    if (!a || !mem_set(&a->ref, r->allegation_ref) || !mem_set(&a->date, r->date) ||
        !mem_set(&a->original_outcome, r->original_outcome) || !mem_set(&a->summary, r->summary))
        return cr_fail(db, CR_NOMEM, "out of memory");
    a->case_id = case_id;
    a->category = r->category;
    a->source = r->source;
    a->import_id = c->import_id;
    a->import_line = line;
    struct mem_case *k = mem_find(d, MEM_CASES, case_id);
    k->n_allegations++;
    if (r->category == CR_CATEGORY_SEXUAL_OFFENCE)
        k->n_sexual++;
    if (!k->latest_allegation || strcmp(r->date, k->latest_allegation) > 0)
        if (!mem_set(&k->latest_allegation, r->date))
            return cr_fail(db, CR_NOMEM, "out of memory");
    if (!case_touch(c, case_id, line))
        return cr_fail(db, CR_NOMEM, "out of memory");
    res->new_allegations++;
    *outcome = CR_ROW_ADDED;
    added->id = case_id;
    added->state = state;
    return CR_OK;
}

enum cr_status
mem_import_end(cr_db *db, const struct cr_import_result *res, bool commit)
{
    struct mem_conn *c = mem_conn(db);
    enum cr_status st = CR_OK;
    if (commit) {
        struct mem_data *d = mem_data(db);
        /* The priority of every case the import touched. */
        for (size_t i = 0; i < c->n_import_cases; i++) {
            struct mem_case *k = mem_find(d, MEM_CASES, c->import_cases[i].id);
            const struct mem_subject *s = k ? mem_subject_of(d, k) : NULL;
            if (s) {
                /* The subject's earlier cases count too (timeline.c). */
                int prior = 0, prior_sexual = 0;
                mem_prior_figures(d, k, &prior, &prior_sexual);
                k->priority = cr_priority(s->duty, k->n_allegations + prior,
                                          k->n_sexual + prior_sexual, k->latest_allegation);
            }
        }
        struct mem_import *imp = mem_find(d, MEM_IMPORTS, c->import_id);
        if (imp) {
            imp->rows = res->rows;
            imp->new_allegations = res->new_allegations;
            imp->new_cases = res->new_cases;
        }
        if (st == CR_OK)
            st = mem_commit(db);
    }
    c->n_import_cases = 0;
    if (commit && st == CR_OK)
        return CR_OK;
    mem_rollback(db);
    return st;
}
