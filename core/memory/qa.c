/*
 * The in-memory engine's quality assurance (store.h: qa_put, qa_rows,
 * approved_decisions), as core/sqlite/qa.c keeps schema 13's qa table.
 */
#include "engine.h"

#include <stdlib.h>

/* The CR_CATMASK_* bits of case_id's allegations. */
static unsigned
categories_of(const struct mem_data *d, int64_t case_id)
{
    unsigned mask = 0;
    const struct mem_allegation *a = MEM_ROWS(d, MEM_ALLEGATIONS, struct mem_allegation);
    for (size_t i = 0; i < MEM_N(d, MEM_ALLEGATIONS); i++)
        if (a[i].case_id == case_id && a[i].category >= 0)
            mask |= 1u << a[i].category;
    return mask;
}

enum cr_status
mem_qa_put(cr_db *db, const struct cr_qa_row *q)
{
    enum cr_status st = mem_in_transaction(db, "write");
    if (st != CR_OK)
        return st;
    struct mem_data *d = mem_data(db);
    struct mem_qa *x = NULL;
    struct mem_qa *rows = MEM_ROWS(d, MEM_QA, struct mem_qa);
    for (size_t i = 0; i < MEM_N(d, MEM_QA) && !x; i++)
        if (rows[i].case_id == q->case_id && rows[i].round == q->round)
            x = &rows[i];
    if (!x && !(x = mem_add(d, MEM_QA)))
        return cr_fail(db, CR_NOMEM, "out of memory");
    x->case_id = q->case_id;
    x->round = q->round;
    x->outcome = q->outcome;
    x->draw = q->draw;
    x->selected_at = q->selected_at;
    x->qa_at = q->qa_by ? q->qa_at : 0;
    if (!mem_set(&x->decider, q->decider) || !mem_set(&x->approver, q->approver) ||
        !mem_set(&x->reason, q->reason) || !mem_set(&x->config_digest, q->config_digest) ||
        !mem_set(&x->qa_by, q->qa_by) || !mem_set(&x->verdict, q->verdict) ||
        !mem_set(&x->qa_reason, q->qa_reason))
        return cr_fail(db, CR_NOMEM, "out of memory");
    return CR_OK;
}

static int
by_selection(const void *a, const void *b)
{
    const struct mem_qa *x = *(const struct mem_qa *const *)a,
                        *y = *(const struct mem_qa *const *)b;
    if (x->selected_at != y->selected_at)
        return x->selected_at < y->selected_at ? -1 : 1;
    if (x->case_id != y->case_id)
        return x->case_id < y->case_id ? -1 : 1;
    return (x->round > y->round) - (x->round < y->round);
}

enum cr_status
mem_qa_rows(cr_db *db, int64_t case_id, bool pending, cr_store_qa_fn each, void *ctx)
{
    const struct mem_data *d = mem_data(db);
    size_t n = MEM_N(d, MEM_QA), k = 0;
    const struct mem_qa *rows = MEM_ROWS(d, MEM_QA, struct mem_qa);
    const struct mem_qa **order = malloc((n + 1) * sizeof *order);
    if (!order)
        return cr_fail(db, CR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if ((!case_id || rows[i].case_id == case_id) && (!pending || !rows[i].verdict))
            order[k++] = &rows[i];
    qsort(order, k, sizeof *order, by_selection);
    enum cr_status st = CR_OK;
    for (size_t i = 0; i < k && st == CR_OK; i++) {
        const struct mem_qa *x = order[i];
        struct cr_qa_row q = {
            .case_id = x->case_id,
            .round = x->round,
            .decider = x->decider,
            .approver = x->approver,
            .outcome = x->outcome,
            .reason = x->reason,
            .draw = x->draw,
            .config_digest = x->config_digest,
            .selected_at = x->selected_at,
            .qa_by = x->qa_by,
            .verdict = x->verdict,
            .qa_reason = x->qa_reason,
            .qa_at = x->qa_at,
            .categories = categories_of(d, x->case_id),
        };
        st = each(ctx, &q);
    }
    free(order);
    return st;
}

enum cr_status
mem_approved_decisions(cr_db *db, cr_store_decision_fn each, void *ctx)
{
    const struct mem_data *d = mem_data(db);
    const struct mem_decision *x = MEM_ROWS(d, MEM_DECISIONS, struct mem_decision);
    enum cr_status st = CR_OK;
    for (size_t i = 0; i < MEM_N(d, MEM_DECISIONS) && st == CR_OK; i++) {
        if (!mem_approval_of(d, x[i].case_id, x[i].round))
            continue;
        struct cr_decision_fact f = {.case_id = x[i].case_id,
                                     .round = x[i].round,
                                     .reviewer = x[i].reviewer,
                                     .outcome = x[i].outcome,
                                     .categories = categories_of(d, x[i].case_id)};
        st = each(ctx, &f);
    }
    return st;
}
