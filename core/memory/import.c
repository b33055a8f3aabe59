/*
 * The import's writes, in memory: one transaction for the whole file,
 * subjects and allegations matched by their references, new cases, the
 * line each row came from kept as provenance, and the priorities
 * recomputed for the cases touched; as core/sqlite/import.c does it, with
 * its messages and audit events.
 */
#include "engine.h"

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

enum cr_status
mem_import_begin(cr_db *db, const char *label)
{
    struct mem_conn *c = mem_conn(db);
    enum cr_status st = mem_begin(db);
    if (st != CR_OK)
        return st;
    struct mem_import *imp = mem_add(mem_data(db), MEM_IMPORTS);
    if (!imp || !mem_set(&imp->label, label) || !mem_set(&c->import_label, label)) {
        mem_rollback(db);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    imp->at = cr_db_now(db);
    c->import_id = imp->id;
    c->n_import_cases = 0;
    for (size_t i = 0; i < CR_IMPORT_SHOWN_UPDATES; i++) {
        free(c->import_updates[i]);
        c->import_updates[i] = NULL;
    }
    return CR_OK;
}

/* A subject's details in column order, as the import compares them. */
static const int subject_cols[] = {CR_COL_SURNAME,       CR_COL_FORENAMES, CR_COL_EMPLOYMENT,
                                   CR_COL_RANK,          CR_COL_UNIT,      CR_COL_DUTY_STATUS,
                                   CR_COL_VETTING_STATUS};
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

static void
add_shown_value(struct cr_buf *b, int col, const char *v)
{
    if (!v || !*v)
        cr_buf_addf(b, "(not recorded)");
    else if (col == CR_COL_EMPLOYMENT || col == CR_COL_DUTY_STATUS || col == CR_COL_VETTING_STATUS)
        cr_buf_addf(b, "%s", v);
    else
        cr_buf_addf(b, "'%s'", v);
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

static enum cr_status
record_subject_update(cr_db *db, int64_t subject_id, const struct cr_import_row *r, long line,
                      const char *const old[], const char *const want[], int64_t updated_so_far)
{
    struct mem_conn *c = mem_conn(db);
    const struct mem_case *latest = latest_case(mem_data(db), subject_id);
    int64_t case_id = latest ? latest->id : 0;
    int state = latest ? latest->state : -1;
    struct cr_buf d = {0}, shown = {0};
    cr_buf_addf(&d, "{\"subject\": ");
    cr_buf_add_json(&d, r->subject_ref);
    cr_buf_addf(&d, ", \"import\": %lld, \"file\": ", (long long)c->import_id);
    cr_buf_add_json(&d, c->import_label ? c->import_label : "");
    cr_buf_addf(&d, ", \"line\": %ld, \"changes\": {", line);
    cr_buf_addf(&shown, "%s", r->subject_ref);
    bool first = true;
    for (size_t i = 0; i < N_SUBJECT_COLS; i++) {
        const char *before = or_null(old[i]);
        const char *after = or_null(want[i]);
        if (subject_cols[i] == CR_COL_VETTING_STATUS && !r->has_vetting)
            continue;
        if ((!before && !after) || (before && after && strcmp(before, after) == 0))
            continue;
        const char *name = cr_column_names[subject_cols[i]];
        cr_buf_addf(&d, "%s\"%s\": {\"before\": ", first ? "" : ", ", name);
        if (before)
            cr_buf_add_json(&d, before);
        else
            cr_buf_addf(&d, "null");
        cr_buf_addf(&d, ", \"after\": ");
        if (after)
            cr_buf_add_json(&d, after);
        else
            cr_buf_addf(&d, "null");
        cr_buf_addc(&d, '}');
        cr_buf_addf(&shown, "%s %s ", first ? "" : ",", name);
        add_shown_value(&shown, subject_cols[i], before);
        cr_buf_addf(&shown, " -> ");
        add_shown_value(&shown, subject_cols[i], after);
        first = false;
    }
    cr_buf_addf(&d, "}}");
    enum cr_status st = CR_OK;
    if (!d.p || !shown.p) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
    } else {
        const char *sn = state >= 0 ? cr_state_name(state) : NULL;
        st = mem_audit_append(db, case_id, "subject_update", sn, sn, d.p);
        if (st == CR_OK && updated_so_far < (int64_t)CR_IMPORT_SHOWN_UPDATES) {
            c->import_updates[updated_so_far] = shown.p;
            shown.p = NULL;
        }
    }
    cr_buf_free(&d);
    cr_buf_free(&shown);
    return st;
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
               int64_t *subject_id, struct cr_conflict *conflict)
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
    /* The stored values, for the audit trail, before they change. */
    char *old[N_SUBJECT_COLS] = {0};
    bool nomem = false;
    for (size_t i = 0; i < N_SUBJECT_COLS; i++)
        if (have[i] && !(old[i] = strdup(have[i])))
            nomem = true;
    /* A later import brings the subject's details up to date. */
    enum cr_status st = CR_OK;
    if (nomem || !set_subject(s, r, c->import_id, line, r->has_vetting))
        st = cr_fail(db, CR_NOMEM, "out of memory");
    if (st == CR_OK)
        st = record_subject_update(db, *subject_id, r, line, (const char *const *)old, want,
                                   res->updated_subjects);
    for (size_t i = 0; i < N_SUBJECT_COLS; i++)
        free(old[i]);
    if (st != CR_OK)
        return st;
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
 * The case a new allegation of this subject belongs to, created when needed;
 * *state is that case's state.  Whether a decided case must be decided
 * again is the workflow's to say (core/import.c), not the engine's.
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
    int64_t now = cr_db_now(db);
    struct mem_case *latest = latest_case(d, subject_id);
    if (latest && latest->state != CR_STATE_CLOSED) {
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
               struct cr_row_case *added)
{
    struct mem_conn *c = mem_conn(db);
    enum cr_status st = mem_in_transaction(db, "import allegation");
    if (st != CR_OK)
        return st;
    int64_t subject_id = 0;
    memset(conflict, 0, sizeof *conflict);
    st = import_subject(db, r, line, res, &subject_id, conflict);
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
            if (s)
                k->priority =
                    cr_priority(s->duty, k->n_allegations, k->n_sexual, k->latest_allegation);
        }
        struct mem_import *imp = mem_find(d, MEM_IMPORTS, c->import_id);
        if (imp) {
            imp->rows = res->rows;
            imp->new_allegations = res->new_allegations;
            imp->new_cases = res->new_cases;
        }
        struct cr_buf b = {0};
        cr_buf_addf(&b, "{\"import\": %lld, \"file\": ", (long long)c->import_id);
        cr_buf_add_json(&b, c->import_label ? c->import_label : "");
        cr_buf_addf(&b,
                    ", \"rows\": %lld, \"new_allegations\": %lld, \"new_cases\": %lld, "
                    "\"updated_subjects\": %lld, \"returned_cases\": %lld}",
                    (long long)res->rows, (long long)res->new_allegations,
                    (long long)res->new_cases, (long long)res->updated_subjects,
                    (long long)res->returned_cases);
        st = b.p ? mem_audit_append(db, 0, "import", NULL, NULL, b.p)
                 : cr_fail(db, CR_NOMEM, "out of memory");
        cr_buf_free(&b);
        if (st == CR_OK)
            st = mem_commit(db);
    }
    c->n_import_cases = 0;
    if (commit && st == CR_OK)
        return CR_OK;
    mem_rollback(db);
    return st;
}

const char *
mem_import_update(const cr_db *db, size_t i)
{
    const struct mem_conn *c = mem_conn(db);
    return c && i < CR_IMPORT_SHOWN_UPDATES ? c->import_updates[i] : NULL;
}
