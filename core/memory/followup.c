/*
 * Follow-ups (schema 12) in memory: the table follow_ups of the SQLite
 * engine, as rows of struct mem_followup; nothing is checked here.
 */
#include "engine.h"

#include <assert.h>

enum cr_status
mem_followup_add(cr_db *db, int64_t case_id, const struct cr_followup *f, const char *actor)
{
    assert(db && f && actor);
    struct mem_data *d = mem_data(db);
    struct mem_followup *x = mem_add(d, MEM_FOLLOWUPS);
    if (!x)
        return cr_fail(db, CR_NOMEM, "out of memory");
    x->case_id = case_id;
    x->stage = f->stage;
    x->recorded_at = cr_db_tx_now(db);
    if (!mem_set(&x->result, f->result) || !mem_set(&x->date, f->date) ||
        !mem_set(&x->detail, f->detail) || !mem_set(&x->recorded_by, actor))
        return cr_fail(db, CR_NOMEM, "out of memory");
    return CR_OK;
}

enum cr_status
mem_followup_scan(cr_db *db, int64_t case_id, int (*each)(void *ctx, const struct cr_followup *f),
                  void *ctx)
{
    assert(db && each);
    const struct mem_data *d = mem_data(db);
    const struct mem_followup *rows = MEM_ROWS(d, MEM_FOLLOWUPS, struct mem_followup);
    for (size_t i = 0; i < MEM_N(d, MEM_FOLLOWUPS); i++) {
        const struct mem_followup *x = &rows[i];
        if (case_id && x->case_id != case_id)
            continue;
        const struct cr_followup f = {x->id,   x->case_id, x->stage,       x->result,
                                      x->date, x->detail,  x->recorded_by, x->recorded_at};
        if (each(ctx, &f) != 0)
            break;
    }
    return CR_OK;
}
