/*
 * The SQLite engine's quality assurance (store.h: qa_put, qa_rows,
 * approved_decisions; schema version 13's qa table).  Rules are core/qa.c's:
 * this writes and reads rows.
 */
#include "sqlite.h"

#include <sqlite3.h>
#include <string.h>

static enum cr_status
prep(cr_db *db, const char *sql, sqlite3_stmt **s)
{
    int rc = sqlite3_prepare_v2(sq_sqlite(db), sql, -1, s, NULL);
    if (rc != SQLITE_OK) {
        *s = NULL;
        return cr_fail_sql(db, rc, "quality assurance");
    }
    return CR_OK;
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static const char *
text_or_null(sqlite3_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(s, col);
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

enum cr_status
sq_qa_put(cr_db *db, const struct cr_qa_row *q)
{
    sqlite3_stmt *s;
    enum cr_status st =
        prep(db,
             "INSERT OR REPLACE INTO qa (case_id, round, decider, approver, outcome, reason, "
             "draw, config_digest, selected_at, qa_by, verdict, qa_reason, qa_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
             &s);
    if (st != CR_OK)
        return st;
    sqlite3_bind_int64(s, 1, q->case_id);
    sqlite3_bind_int(s, 2, q->round);
    bind_text(s, 3, q->decider);
    bind_text(s, 4, q->approver);
    bind_text(s, 5, cr_outcome_name(q->outcome));
    bind_text(s, 6, q->reason);
    sqlite3_bind_int(s, 7, q->draw);
    bind_text(s, 8, q->config_digest);
    sqlite3_bind_int64(s, 9, q->selected_at);
    bind_text(s, 10, q->qa_by);
    bind_text(s, 11, q->verdict);
    bind_text(s, 12, q->qa_reason);
    if (q->qa_by)
        sqlite3_bind_int64(s, 13, q->qa_at);
    else
        sqlite3_bind_null(s, 13);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "quality assurance");
}

enum cr_status
sq_qa_rows(cr_db *db, int64_t case_id, bool pending, cr_store_qa_fn each, void *ctx)
{
    sqlite3_stmt *s;
    enum cr_status st = prep(
        db,
        "SELECT case_id, round, decider, approver, outcome, reason, draw, config_digest, "
        "selected_at, qa_by, verdict, qa_reason, qa_at, "
        "(SELECT group_concat(DISTINCT category) FROM allegations a WHERE a.case_id = q.case_id) "
        "FROM qa q WHERE (?1 = 0 OR case_id = ?1) AND (?2 = 0 OR verdict IS NULL) "
        "ORDER BY selected_at, case_id, round",
        &s);
    if (st != CR_OK)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_int(s, 2, pending ? 1 : 0);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_qa_row q = {
            .case_id = sqlite3_column_int64(s, 0),
            .round = sqlite3_column_int(s, 1),
            .decider = text_or_null(s, 2),
            .approver = text_or_null(s, 3),
            .outcome = cr_outcome_parse(text_or_null(s, 4) ? text_or_null(s, 4) : ""),
            .reason = text_or_null(s, 5),
            .draw = sqlite3_column_int(s, 6),
            .config_digest = text_or_null(s, 7),
            .selected_at = sqlite3_column_int64(s, 8),
            .qa_by = text_or_null(s, 9),
            .verdict = text_or_null(s, 10),
            .qa_reason = text_or_null(s, 11),
            .qa_at = sqlite3_column_int64(s, 12),
            .categories = categories_of(text_or_null(s, 13)),
        };
        if ((st = each(ctx, &q)) != CR_OK) {
            sqlite3_finalize(s);
            return st;
        }
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "quality assurance");
}

enum cr_status
sq_approved_decisions(cr_db *db, cr_store_decision_fn each, void *ctx)
{
    sqlite3_stmt *s;
    enum cr_status st = prep(
        db,
        "SELECT d.case_id, d.round, d.reviewer, d.outcome, "
        "(SELECT group_concat(DISTINCT category) FROM allegations a WHERE a.case_id = d.case_id) "
        "FROM decisions d JOIN approvals p ON p.case_id = d.case_id AND p.round = d.round",
        &s);
    if (st != CR_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_decision_fact f = {
            .case_id = sqlite3_column_int64(s, 0),
            .round = sqlite3_column_int(s, 1),
            .reviewer = text_or_null(s, 2),
            .outcome = cr_outcome_parse(text_or_null(s, 3) ? text_or_null(s, 3) : ""),
            .categories = categories_of(text_or_null(s, 4)),
        };
        if ((st = each(ctx, &f)) != CR_OK) {
            sqlite3_finalize(s);
            return st;
        }
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "quality assurance");
}
