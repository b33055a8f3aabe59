/*
 * The search index's upkeep: one document per case in case_search (schema
 * versions 7 and 8), composed by the view case_documents.  A write that changes a
 * case's document (today only the import: a subject's details, an
 * allegation added) records the document as it was before the change, and
 * at its end takes the old documents out of the index and puts the new ones
 * in, each in one statement.  Per-row writes to the index would make FTS5
 * flush a segment at every statement's savepoint (half an import's time).
 *
 * The index keeps no text (content=''): a document leaves it by a 'delete'
 * that repeats exactly the words it went in with, hence the record taken
 * before the change.  The records wait in a temporary table, which the
 * transaction's rollback empties with the rest.
 */
#include "sqlite.h"

#include <assert.h>

/* The documents as the index holds them, of the cases changed since the last upkeep. */
static const char search_old_table[] = "CREATE TEMP TABLE IF NOT EXISTS search_old("
                                       "  id INTEGER PRIMARY KEY, subject TEXT NOT NULL,"
                                       "  allegations TEXT NOT NULL)";

/*
 * A case is in the index unless the write under way created it: a case
 * created by an import has no allegation of another import.  The first
 * record of a case wins: it is what the index holds.
 */
#define RECORD_SQL(which)                                                                    \
    "INSERT OR IGNORE INTO temp.search_old(id, subject, allegations) "                       \
    "SELECT d.id, d.subject, d.allegations FROM case_documents d WHERE d.id IN (" which ") " \
    "AND EXISTS (SELECT 1 FROM allegations a WHERE a.case_id = d.id "                        \
    "AND a.import_id IS NOT ?1) ORDER BY d.id"

static enum cr_status
record(cr_db *db, const char *sql, int64_t import_id, int64_t id)
{
    enum cr_status st = sql_exec(db, search_old_table, "record search document");
    if (st != CR_OK)
        return st;
    sqlite3_stmt *s = sql_prepare(db, sql, &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, import_id);
    sqlite3_bind_int64(s, 2, id);
    return step_done(db, s, "record search document");
}

enum cr_status
sq_search_record_case(cr_db *db, int64_t import_id, int64_t case_id)
{
    assert(db && case_id > 0);
    return record(db, RECORD_SQL("?2"), import_id, case_id);
}

enum cr_status
sq_search_record_subject(cr_db *db, int64_t import_id, int64_t subject_id)
{
    assert(db && subject_id > 0);
    return record(db, RECORD_SQL("SELECT id FROM cases WHERE subject_id = ?2"), import_id,
                  subject_id);
}

/* The new documents of the cases id selects, in case order, bound to ?1. */
static enum cr_status
insert_documents(cr_db *db, const char *sql, int64_t value)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, sql, &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, value);
    return step_done(db, s, "update the search index");
}

enum cr_status
sq_search_update(cr_db *db, int64_t cases_before)
{
    assert(db && cases_before >= 0);
    enum cr_status st = sql_exec(db, search_old_table, "update the search index");
    if (st != CR_OK)
        return st;
    /*
     * The transaction's pages changed so far go to the WAL first.  Each
     * statement below is one statement journal (in memory: temp_store),
     * and a changed page the cache spills while the statement runs is
     * copied into that journal first: the import's last 64 MiB of pages,
     * 57 MB of a peak of 136 MB at 300k cases.  Written now, they are
     * clean, and the statements' own new pages need no journal.  A busy
     * database only loses that bound; the writes stay the same.
     */
    int rc = sqlite3_db_cacheflush(sq(db)->sql);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        return cr_fail_sql(db, rc, "update the search index");
    /* The old documents out, in case order (FTS5 flushes when a rowid goes back). */
    sqlite3_stmt *s =
        sql_prepare(db,
                    "INSERT INTO case_search(case_search, rowid, subject, allegations) "
                    "SELECT 'delete', id, subject, allegations FROM temp.search_old "
                    "ORDER BY id",
                    &st);
    if (!s || (st = step_done(db, s, "update the search index")) != CR_OK)
        return st;
    /*
     * The new documents in: those of the cases recorded (all at or below
     * cases_before), then those of the cases created since, a range of the
     * cases' rowid, so that rowids only go up and nothing is held in memory
     * for a set of a million ids.
     */
    st = insert_documents(db,
                          "INSERT INTO case_search(rowid, subject, allegations) "
                          "SELECT d.id, d.subject, d.allegations FROM case_documents d "
                          "WHERE d.id IN (SELECT id FROM temp.search_old) AND d.id <= ?1 "
                          "ORDER BY d.id",
                          cases_before);
    if (st == CR_OK)
        st = insert_documents(db,
                              "INSERT INTO case_search(rowid, subject, allegations) "
                              "SELECT d.id, d.subject, d.allegations FROM case_documents d "
                              "WHERE d.id > ?1 ORDER BY d.id",
                              cases_before);
    if (st != CR_OK)
        return st;
    return sql_exec(db, "DELETE FROM temp.search_old", "update the search index");
}
