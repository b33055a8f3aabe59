/*
 * Erasure and correction as stored (issue 13; core/erase.c decides which
 * cases, builds the events and the redacted details): the closed cases a
 * purge looks at, an event's details replaced, a case's personal text
 * overwritten in every table and in the search index, and an allegation's
 * field set.  secure_delete is on for an erasure, so that SQLite zeroes
 * the bytes it frees; erase_finish merges the search index's segments
 * (a contentless FTS5 index forgets a document only when its segments
 * merge) and truncates the write-ahead log.
 */
#include "sqlite.h"

#include <assert.h>
#include <string.h>

enum cr_status
sq_closed_cases(cr_db *db, int64_t before, cr_store_closed_fn each, void *ctx)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(sq(db)->sql,
                                "SELECT c.id, c.outcome, c.state_since, coalesce(e.event, 0) "
                                "FROM cases c LEFT JOIN erasures e ON e.case_id = c.id "
                                "WHERE c.state = 'closed' AND c.state_since < ?1 ORDER BY c.id",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return cr_fail_sql(db, rc, "closed cases");
    sqlite3_bind_int64(s, 1, before);
    while (st == CR_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const unsigned char *o = sqlite3_column_text(s, 1);
        struct cr_closed_case c = {
            .id = sqlite3_column_int64(s, 0),
            .outcome = o ? cr_outcome_parse((const char *)o) : -1,
            .closed_at = sqlite3_column_int64(s, 2),
            .erased = sqlite3_column_int64(s, 3),
        };
        st = each(ctx, &c);
    }
    if (st == CR_OK && rc != SQLITE_DONE)
        st = cr_fail_sql(db, rc, "closed cases");
    sqlite3_finalize(s);
    return st;
}

enum cr_status
sq_audit_redact(cr_db *db, int64_t event, const char *details)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, "UPDATE audit_events SET details = ?2 WHERE id = ?1", &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, event);
    sqlite3_bind_text(s, 2, details, -1, SQLITE_STATIC);
    return step_done(db, s, "erase audit event");
}

/* One statement on the case (?1) with the text (?2) and the event (?3); *n += rows changed. */
static enum cr_status
erase_step(cr_db *db, const char *sql, int64_t case_id, const char *text, int64_t event, int64_t *n)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, sql, &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    if (sqlite3_bind_parameter_count(s) >= 2)
        sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(s) >= 3)
        sqlite3_bind_int64(s, 3, event);
    if ((st = step_done(db, s, "erase")) == CR_OK && n)
        *n += sqlite3_changes(sq(db)->sql);
    return st;
}

enum cr_status
sq_erase_case(cr_db *db, int64_t case_id, int64_t event, const char *text,
              struct cr_erase_counts *n)
{
    assert(case_id > 0 && event > 0 && text);
    /* The documents of every case of the subject leave the index as they went in. */
    static const char fts_delete[] =
        "INSERT INTO case_search(case_search, rowid, subject, allegations) "
        "SELECT 'delete', id, subject, allegations FROM case_documents WHERE id IN "
        "(SELECT id FROM cases WHERE subject_id = (SELECT subject_id FROM cases WHERE id = ?1))";
    static const char fts_insert[] =
        "INSERT INTO case_search(rowid, subject, allegations) "
        "SELECT id, subject, allegations FROM case_documents WHERE id IN "
        "(SELECT id FROM cases WHERE subject_id = (SELECT subject_id FROM cases WHERE id = ?1))";
    enum cr_status st = sql_exec(db, "PRAGMA secure_delete = ON", "erase");
    if (st == CR_OK)
        st = erase_step(db, fts_delete, case_id, NULL, 0, NULL);
    if (st == CR_OK)
        st = erase_step(db, "UPDATE allegations SET summary = ?2 WHERE case_id = ?1", case_id, text,
                        0, &n->allegations);
    if (st == CR_OK)
        st = erase_step(db, "UPDATE decisions SET rationale = ?2 WHERE case_id = ?1", case_id, text,
                        0, &n->decisions);
    if (st == CR_OK)
        st = erase_step(db,
                        "UPDATE cases SET"
                        "  rationale = CASE WHEN rationale IS NULL THEN NULL ELSE ?2 END,"
                        "  pause_reason = CASE WHEN pause_reason IS NULL THEN NULL ELSE ?2 END "
                        "WHERE id = ?1",
                        case_id, text, 0, NULL);
    if (st == CR_OK)
        st = erase_step(db, "INSERT INTO erasures(case_id, event) VALUES (?1, ?3)", case_id, NULL,
                        event, NULL);
    if (st == CR_OK)
        st =
            erase_step(db, "UPDATE votes SET reason = ?2 WHERE case_id = ?1 AND reason IS NOT NULL",
                       case_id, text, 0, &n->votes);
    if (st == CR_OK)
        st = erase_step(db,
                        "UPDATE superseded_votes SET reason = ?2 "
                        "WHERE case_id = ?1 AND reason IS NOT NULL",
                        case_id, text, 0, &n->votes);
    if (st == CR_OK)
        st = erase_step(db, "UPDATE notes SET body = ?2 WHERE case_id = ?1", case_id, text, 0,
                        &n->notes);
    /* What issue 13 added: linked references (their numbers tie the person to other records), the
     * reasons of their removal, a follow-up's detail and a quality review's reasons. */
    if (st == CR_OK)
        st = erase_step(db,
                        "UPDATE case_links SET ref = ?2,"
                        "  removed_reason = CASE WHEN removed_reason IS NULL THEN NULL ELSE ?2 END "
                        "WHERE case_id = ?1",
                        case_id, text, 0, &n->notes);
    if (st == CR_OK)
        st = erase_step(
            db, "UPDATE follow_ups SET detail = ?2 WHERE case_id = ?1 AND detail IS NOT NULL",
            case_id, text, 0, &n->notes);
    if (st == CR_OK)
        st = erase_step(db,
                        "UPDATE qa SET qa_reason = ?2 WHERE case_id = ?1 AND qa_reason IS NOT NULL",
                        case_id, text, 0, &n->notes);
    if (st == CR_OK)
        st = erase_step(db, "DELETE FROM drafts WHERE case_id = ?1", case_id, NULL, 0, &n->drafts);
    if (st == CR_OK)
        st = erase_step(db,
                        "UPDATE subjects SET surname = ?2, forenames = ?2, ref = 'erased-' || id "
                        "WHERE id = (SELECT subject_id FROM cases WHERE id = ?1) AND NOT EXISTS "
                        "(SELECT 1 FROM cases c WHERE c.subject_id = subjects.id "
                        "AND c.id NOT IN (SELECT case_id FROM erasures))",
                        case_id, text, 0, &n->subjects);
    if (st == CR_OK)
        st = erase_step(db, fts_insert, case_id, NULL, 0, NULL);
    return st;
}

enum cr_status
sq_erase_finish(cr_db *db)
{
    enum cr_status st =
        sql_exec(db, "INSERT INTO case_search(case_search) VALUES ('optimize')", "erase");
    if (st == CR_OK)
        st = sql_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", "erase: checkpoint");
    return st;
}

enum cr_status
sq_find_allegation(cr_db *db, const char *ref, int64_t *id, int64_t *case_id)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, "SELECT id, case_id FROM allegations WHERE ref = ?1", &st);
    if (!s)
        return st;
    sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        *case_id = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "allegation");
}

enum cr_status
sq_allegation_set(cr_db *db, int64_t id, const char *field, const char *value, const char *latest,
                  int64_t priority)
{
    static const struct {
        const char *field, *sql;
    } sets[] = {
        {"summary", "UPDATE allegations SET summary = ?2 WHERE id = ?1"},
        {"date", "UPDATE allegations SET date = ?2 WHERE id = ?1"},
        {"source", "UPDATE allegations SET source = ?2 WHERE id = ?1"},
        {"original_outcome", "UPDATE allegations SET original_outcome = ?2 WHERE id = ?1"},
    };
    const char *sql = NULL;
    for (size_t i = 0; i < CR_ARRAY_LEN(sets); i++)
        if (strcmp(sets[i].field, field) == 0)
            sql = sets[i].sql;
    if (!sql)
        return cr_fail(db, CR_DB, "correct: no such field %s", field);
    enum cr_status st = CR_OK;
    /* The search document (the summary is in it) leaves the index as it went in, and comes back. */
    sqlite3_stmt *s = sql_prepare(db,
                                  "INSERT INTO case_search(case_search, rowid, subject, "
                                  "allegations) SELECT 'delete', id, subject, allegations FROM "
                                  "case_documents WHERE id = (SELECT case_id FROM allegations "
                                  "WHERE id = ?1)",
                                  &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, id);
    if ((st = step_done(db, s, "correct")) != CR_OK)
        return st;
    if (!(s = sql_prepare(db, sql, &st)))
        return st;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
    if ((st = step_done(db, s, "correct")) != CR_OK)
        return st;
    if (!(s = sql_prepare(db,
                          "UPDATE cases SET latest_allegation = ?2, priority = ?3 WHERE id = "
                          "(SELECT case_id FROM allegations WHERE id = ?1)",
                          &st)))
        return st;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, latest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, priority);
    if ((st = step_done(db, s, "correct")) != CR_OK)
        return st;
    if (!(s = sql_prepare(db,
                          "INSERT INTO case_search(rowid, subject, allegations) SELECT id, "
                          "subject, allegations FROM case_documents WHERE id = (SELECT case_id "
                          "FROM allegations WHERE id = ?1)",
                          &st)))
        return st;
    sqlite3_bind_int64(s, 1, id);
    return step_done(db, s, "correct");
}
