/*
 * After the decision on PostgreSQL (store.h: timeline, link_put,
 * link_remove, followup_add, followup_scan, find_allegation,
 * allegation_set, qa_put, qa_rows, approved_decisions; the SQLite engine's
 * timeline.c, followup.c, erase.c and qa.c): each one or a few calls of the
 * server functions of sql/070-after.sql, which write in the caller's name
 * at the server's time and refuse what core would not allow.
 */
#include "pg.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Grow an array by one item; NULL when out of memory. */
static void *
grow(void **items, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        void *p = realloc(*items, c * size);
        if (!p)
            return NULL;
        *items = p;
        *cap = c;
    }
    return (char *)*items + (*n)++ * size;
}

/* A call with the case as its one argument. */
static PGresult *
of_case(cr_db *db, const char *what, const char *sql, int64_t case_id, enum cr_status *st)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, case_id);
    PGresult *r = pg_query(db, what, sql, &a, st);
    pg_args_free(&a);
    return r;
}

static enum cr_status
timeline_read(cr_db *db, int64_t case_id, struct cr_timeline *out, struct cr_strings *l)
{
    enum cr_status st = CR_OK;
    size_t cap = 0;
    PGresult *r = of_case(db, "read the timeline",
                          "SELECT * FROM casereview.cr_timeline_cases($1::bigint)", case_id, &st);
    if (!r)
        return st;
    for (int i = 0, n = PQntuples(r); i < n; i++) {
        struct cr_timeline_case *c =
            grow((void **)&out->cases, &out->n_cases, &cap, sizeof *out->cases);
        if (!c) {
            PQclear(r);
            return cr_fail(db, CR_NOMEM, "out of memory");
        }
        const char *outcome = pg_text(r, i, 2);
        c->id = pg_int(r, i, 0);
        c->state = cr_state_parse(pg_text(r, i, 1));
        c->outcome = outcome ? cr_outcome_parse(outcome) : -1;
        c->flagged_at = pg_int(r, i, 3);
        c->decided_at = pg_int(r, i, 4);
        c->closed_at = pg_int(r, i, 5);
        c->n_allegations = (int)pg_int(r, i, 6);
    }
    PQclear(r);
    if (out->n_cases == 0)
        return cr_fail(db, CR_NOT_FOUND, "no case %lld", (long long)case_id);

    cap = 0;
    if (!(r = of_case(db, "read the timeline",
                      "SELECT * FROM casereview.cr_timeline_allegations($1::bigint)", case_id,
                      &st)))
        return st;
    for (int i = 0, n = PQntuples(r); i < n; i++) {
        struct cr_timeline_allegation *a =
            grow((void **)&out->allegations, &out->n_allegations, &cap, sizeof *out->allegations);
        if (!a) {
            PQclear(r);
            return cr_fail(db, CR_NOMEM, "out of memory");
        }
        a->case_id = pg_int(r, i, 0);
        a->ref = cr_strings_keep(l, pg_text(r, i, 1));
        a->category = cr_category_parse(pg_text(r, i, 2));
        a->date = cr_strings_keep(l, pg_text(r, i, 3));
        a->source = cr_source_parse(pg_text(r, i, 4));
        a->summary = cr_strings_keep(l, pg_text(r, i, 5));
    }
    PQclear(r);

    cap = 0;
    if (!(r = of_case(db, "read the timeline",
                      "SELECT * FROM casereview.cr_timeline_links($1::bigint)", case_id, &st)))
        return st;
    for (int i = 0, n = PQntuples(r); i < n; i++) {
        struct cr_link *k = grow((void **)&out->links, &out->n_links, &cap, sizeof *out->links);
        if (!k) {
            PQclear(r);
            return cr_fail(db, CR_NOMEM, "out of memory");
        }
        k->case_id = pg_int(r, i, 0);
        k->kind = cr_link_kind_parse(pg_text(r, i, 1));
        k->ref = cr_strings_keep(l, pg_text(r, i, 2));
        k->status = cr_strings_keep(l, pg_text(r, i, 3));
        k->added_by = cr_strings_keep(l, pg_text(r, i, 4));
        k->added_at = pg_int(r, i, 5);
        k->import_line = pg_int(r, i, 6);
    }
    PQclear(r);
    return l->nomem ? cr_fail(db, CR_NOMEM, "out of memory") : CR_OK;
}

enum cr_status
pg_timeline(cr_db *db, int64_t case_id, struct cr_timeline *out)
{
    memset(out, 0, sizeof *out);
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = l;
    /* The three parts from one snapshot, as the write that links sees them. */
    bool began = false;
    enum cr_status st = pg_snapshot_begin(db, &began);
    if (st != CR_OK)
        return st;
    st = timeline_read(db, case_id, out, l);
    pg_snapshot_end(db, began, st == CR_OK);
    return st;
}

enum cr_status
pg_link_put(cr_db *db, int64_t case_id, int kind, const char *ref, const char *status,
            const char *actor, const char *reason)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, case_id);
    pg_arg_text(&a, cr_link_kind_name(kind));
    pg_arg_text(&a, ref);
    pg_arg_text(&a, status);
    pg_arg_text(&a, actor);
    pg_arg_text(&a, reason);
    enum cr_status st =
        pg_exec(db, "link",
                "SELECT casereview.cr_link_put($1::bigint, $2::text, $3::text, $4::text, "
                "$5::text, $6::text)",
                &a);
    pg_args_free(&a);
    return st;
}

enum cr_status
pg_link_remove(cr_db *db, int64_t case_id, const char *ref, const char *actor, const char *reason)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, case_id);
    pg_arg_text(&a, ref);
    pg_arg_text(&a, actor);
    pg_arg_text(&a, reason);
    enum cr_status st =
        pg_exec(db, "unlink",
                "SELECT casereview.cr_link_remove($1::bigint, $2::text, $3::text, $4::text)", &a);
    pg_args_free(&a);
    return st;
}

/* The stages' stored names, in the order of enum cr_followup_stage. */
static const char *const stage_names[] = {
#define STAGE_NAME(id, name, label) name,
    CR_FOLLOWUP_STAGE_LIST(STAGE_NAME)
#undef STAGE_NAME
};

static int
stage_of(const char *s)
{
    for (size_t i = 0; s && i < CR_ARRAY_LEN(stage_names); i++)
        if (strcmp(s, stage_names[i]) == 0)
            return (int)i;
    return -1;
}

enum cr_status
pg_followup_add(cr_db *db, int64_t case_id, const struct cr_followup *f, const char *actor)
{
    assert(db && f && actor && f->stage >= 0 && (size_t)f->stage < CR_ARRAY_LEN(stage_names));
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, case_id);
    pg_arg_text(&a, stage_names[f->stage]);
    pg_arg_text(&a, f->result);
    pg_arg_text(&a, f->date);
    pg_arg_text(&a, f->detail);
    pg_arg_text(&a, actor);
    enum cr_status st = pg_exec(db, "record follow-up",
                                "SELECT casereview.cr_followup_add($1::bigint, $2::text, $3::text, "
                                "$4::text, $5::text, $6::text)",
                                &a);
    pg_args_free(&a);
    return st;
}

enum cr_status
pg_followup_scan(cr_db *db, int64_t case_id, int (*each)(void *ctx, const struct cr_followup *f),
                 void *ctx)
{
    assert(db && each);
    enum cr_status st = CR_OK;
    /* Every row read before each() sees one: each() may read the database meanwhile. */
    PGresult *r = of_case(db, "read follow-ups",
                          "SELECT * FROM casereview.cr_followup_scan($1::bigint)", case_id, &st);
    if (!r)
        return st;
    for (int i = 0, n = PQntuples(r); i < n; i++) {
        const struct cr_followup f = {.id = pg_int(r, i, 0),
                                      .case_id = pg_int(r, i, 1),
                                      .stage = stage_of(pg_text(r, i, 2)),
                                      .result = pg_text(r, i, 3),
                                      .date = pg_text(r, i, 4),
                                      .detail = pg_text(r, i, 5),
                                      .recorded_by = pg_text(r, i, 6),
                                      .recorded_at = pg_int(r, i, 7)};
        if (each(ctx, &f) != 0)
            break;
    }
    PQclear(r);
    return CR_OK;
}

enum cr_status
pg_find_allegation(cr_db *db, const char *ref, int64_t *id, int64_t *case_id)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_text(&a, ref);
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "allegation",
                           "SELECT * FROM casereview.cr_find_allegation($1::text)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    if (PQntuples(r) == 1) {
        *id = pg_int(r, 0, 0);
        *case_id = pg_int(r, 0, 1);
    }
    PQclear(r);
    return CR_OK;
}

enum cr_status
pg_allegation_set(cr_db *db, int64_t id, const char *field, const char *value, const char *latest,
                  int64_t priority)
{
    static const char *const fields[] = {"summary", "date", "source", "original_outcome"};
    bool known = false;
    for (size_t i = 0; i < CR_ARRAY_LEN(fields); i++)
        known |= strcmp(fields[i], field) == 0;
    if (!known)
        return cr_fail(db, CR_DB, "correct: no such field %s", field);
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, id);
    pg_arg_text(&a, field);
    pg_arg_text(&a, value);
    pg_arg_text(&a, latest);
    pg_arg_int(&a, priority);
    enum cr_status st = pg_exec(db, "correct",
                                "SELECT casereview.cr_allegation_set($1::bigint, $2::text, "
                                "$3::text, $4::text, $5::bigint)",
                                &a);
    pg_args_free(&a);
    return st;
}

enum cr_status
pg_qa_put(cr_db *db, const struct cr_qa_row *q)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, q->case_id);
    pg_arg_int(&a, q->round);
    pg_arg_text(&a, q->decider);
    pg_arg_text(&a, q->approver);
    pg_arg_text(&a, cr_outcome_name(q->outcome));
    pg_arg_text(&a, q->reason);
    pg_arg_int(&a, q->draw);
    pg_arg_text(&a, q->config_digest);
    pg_arg_text(&a, q->qa_by);
    pg_arg_text(&a, q->verdict);
    pg_arg_text(&a, q->qa_reason);
    enum cr_status st = pg_exec(db, "quality assurance",
                                "SELECT casereview.cr_qa_put($1::bigint, $2::integer, $3::text, "
                                "$4::text, $5::text, $6::text, $7::integer, $8::text, $9::text, "
                                "$10::text, $11::text)",
                                &a);
    pg_args_free(&a);
    return st;
}

/* A comma-separated list of category names as CR_CATMASK_* bits. */
static unsigned
categories_of(const char *list)
{
    unsigned mask = 0;
    for (int c = 0; list && c < CR_CATEGORY_COUNT; c++)
        if (strstr(list, cr_category_name(c)))
            mask |= 1u << c;
    return mask;
}

static int
outcome_of(const char *s)
{
    return cr_outcome_parse(s ? s : "");
}

enum cr_status
pg_qa_rows(cr_db *db, int64_t case_id, bool pending, cr_store_qa_fn each, void *ctx)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, case_id);
    pg_arg_text(&a, pending ? "true" : "false");
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "quality assurance",
                           "SELECT * FROM casereview.cr_qa_rows($1::bigint, $2::boolean)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    for (int i = 0, n = PQntuples(r); i < n && st == CR_OK; i++) {
        struct cr_qa_row q = {
            .case_id = pg_int(r, i, 0),
            .round = (int)pg_int(r, i, 1),
            .decider = pg_text(r, i, 2),
            .approver = pg_text(r, i, 3),
            .outcome = outcome_of(pg_text(r, i, 4)),
            .reason = pg_text(r, i, 5),
            .draw = (int)pg_int(r, i, 6),
            .config_digest = pg_text(r, i, 7),
            .selected_at = pg_int(r, i, 8),
            .qa_by = pg_text(r, i, 9),
            .verdict = pg_text(r, i, 10),
            .qa_reason = pg_text(r, i, 11),
            .qa_at = pg_int(r, i, 12),
            .categories = categories_of(pg_text(r, i, 13)),
        };
        st = each(ctx, &q);
    }
    PQclear(r);
    return st;
}

enum cr_status
pg_approved_decisions(cr_db *db, cr_store_decision_fn each, void *ctx)
{
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "quality assurance",
                           "SELECT * FROM casereview.cr_approved_decisions()", NULL, &st);
    if (!r)
        return st;
    for (int i = 0, n = PQntuples(r); i < n && st == CR_OK; i++) {
        struct cr_decision_fact f = {
            .case_id = pg_int(r, i, 0),
            .round = (int)pg_int(r, i, 1),
            .reviewer = pg_text(r, i, 2),
            .outcome = outcome_of(pg_text(r, i, 3)),
            .categories = categories_of(pg_text(r, i, 4)),
        };
        st = each(ctx, &f);
    }
    PQclear(r);
    return st;
}
