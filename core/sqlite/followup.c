/*
 * Follow-ups (schema version 12): what happened after a decision, stored
 * and read as core/followup.c asks; nothing is checked here.
 */
#include "sqlite.h"

#include <assert.h>
#include <string.h>

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
sq_followup_add(cr_db *db, int64_t case_id, const struct cr_followup *f, const char *actor)
{
    assert(db && f && actor && f->stage >= 0 && (size_t)f->stage < CR_ARRAY_LEN(stage_names));
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db,
                                  "INSERT INTO follow_ups(case_id, stage, result, date, detail, "
                                  "recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                  &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_text(s, 2, stage_names[f->stage], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, f->result, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, f->date, -1, SQLITE_STATIC);
    bind_text_or_null(s, 5, f->detail);
    sqlite3_bind_text(s, 6, actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, cr_db_tx_now(db));
    return step_done(db, s, "record follow-up");
}

enum cr_status
sq_followup_scan(cr_db *db, int64_t case_id, int (*each)(void *ctx, const struct cr_followup *f),
                 void *ctx)
{
    assert(db && each);
    enum cr_status st = CR_OK;
    /* Prepared here, not from the cache: each() may read the database meanwhile. */
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(sq(db)->sql,
                                "SELECT id, case_id, stage, result, date, detail, recorded_by, "
                                "recorded_at FROM follow_ups WHERE ?1 = 0 OR case_id = ?1 "
                                "ORDER BY id",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return cr_fail_sql(db, rc, "read follow-ups");
    sqlite3_bind_int64(s, 1, case_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
#define COL(i) ((const char *)sqlite3_column_text(s, i))
        const struct cr_followup f = {.id = sqlite3_column_int64(s, 0),
                                      .case_id = sqlite3_column_int64(s, 1),
                                      .stage = stage_of(COL(2)),
                                      .result = COL(3),
                                      .date = COL(4),
                                      .detail = COL(5),
                                      .recorded_by = COL(6),
                                      .recorded_at = sqlite3_column_int64(s, 7)};
#undef COL
        if (each(ctx, &f) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        st = cr_fail_sql(db, rc, "read follow-ups");
    sqlite3_finalize(s);
    return st;
}
