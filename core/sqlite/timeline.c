/*
 * The subject's timeline and linked references (store.h: timeline,
 * link_import, link_put, link_remove; core/timeline.c decides the rest).
 * The links live in case_links (schema version 11): a row per link, never
 * deleted; a link removed has removed_by set.  The references in force are
 * part of their case's search document (the view case_documents), so a
 * write that changes them records the document first (search.c).
 */
#include "sqlite.h"

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

#define SUBJECT_OF "(SELECT subject_id FROM cases WHERE id = ?1)"

enum cr_status
sq_timeline(cr_db *db, int64_t case_id, struct cr_timeline *out)
{
    memset(out, 0, sizeof *out);
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = l;
    enum cr_status st = CR_OK;
    size_t cap = 0;
    int rc;
    sqlite3_stmt *s =
        sql_prepare(db,
                    "SELECT id, state, outcome, created_at, coalesce(decided_at, 0), "
                    "CASE WHEN state = 'closed' THEN state_since ELSE 0 END, "
                    "n_allegations FROM cases WHERE subject_id = " SUBJECT_OF " ORDER BY id",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_timeline_case *c =
            grow((void **)&out->cases, &out->n_cases, &cap, sizeof *out->cases);
        if (!c) {
            sqlite3_reset(s);
            return cr_fail(db, CR_NOMEM, "out of memory");
        }
        const char *outcome = (const char *)sqlite3_column_text(s, 2);
        c->id = sqlite3_column_int64(s, 0);
        c->state = cr_state_parse((const char *)sqlite3_column_text(s, 1));
        c->outcome = outcome ? cr_outcome_parse(outcome) : -1;
        c->flagged_at = sqlite3_column_int64(s, 3);
        c->decided_at = sqlite3_column_int64(s, 4);
        c->closed_at = sqlite3_column_int64(s, 5);
        c->n_allegations = sqlite3_column_int(s, 6);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "read the timeline");
    if (out->n_cases == 0)
        return cr_fail(db, CR_NOT_FOUND, "no case %lld", (long long)case_id);

    cap = 0;
    s = sql_prepare(db,
                    "SELECT a.case_id, a.ref, a.category, a.date, a.source, a.summary "
                    "FROM cases c JOIN allegations a ON a.case_id = c.id "
                    "WHERE c.subject_id = " SUBJECT_OF " ORDER BY a.date, a.ref",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_timeline_allegation *a =
            grow((void **)&out->allegations, &out->n_allegations, &cap, sizeof *out->allegations);
        if (!a) {
            sqlite3_reset(s);
            return cr_fail(db, CR_NOMEM, "out of memory");
        }
        a->case_id = sqlite3_column_int64(s, 0);
        a->ref = keep_text(l, sqlite3_column_text(s, 1));
        a->category = cr_category_parse((const char *)sqlite3_column_text(s, 2));
        a->date = keep_text(l, sqlite3_column_text(s, 3));
        a->source = cr_source_parse((const char *)sqlite3_column_text(s, 4));
        a->summary = keep_text(l, sqlite3_column_text(s, 5));
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "read the timeline");

    cap = 0;
    s = sql_prepare(db,
                    "SELECT k.case_id, k.kind, k.ref, k.status, k.added_by, k.added_at, "
                    "coalesce(k.import_line, 0) FROM cases c JOIN case_links k ON k.case_id = c.id "
                    "WHERE c.subject_id = " SUBJECT_OF
                    " AND k.removed_by IS NULL ORDER BY k.case_id, k.id",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_link *k = grow((void **)&out->links, &out->n_links, &cap, sizeof *out->links);
        if (!k) {
            sqlite3_reset(s);
            return cr_fail(db, CR_NOMEM, "out of memory");
        }
        k->case_id = sqlite3_column_int64(s, 0);
        k->kind = cr_link_kind_parse((const char *)sqlite3_column_text(s, 1));
        k->ref = keep_text(l, sqlite3_column_text(s, 2));
        k->status = keep_text(l, sqlite3_column_text(s, 3));
        k->added_by = keep_text(l, sqlite3_column_text(s, 4));
        k->added_at = sqlite3_column_int64(s, 5);
        k->import_line = sqlite3_column_int64(s, 6);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "read the timeline");
    return l->nomem ? cr_fail(db, CR_NOMEM, "out of memory") : CR_OK;
}

enum cr_status
sq_link_import(cr_db *db, int64_t case_id, long line, int kind, const char *ref, const char *status,
               bool *added)
{
    *added = false;
    enum cr_status st = CR_OK;
    sqlite3_stmt *s =
        sql_prepare(db, "SELECT 1 FROM case_links WHERE case_id = ?1 AND ref = ?2", &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_text(s, 2, ref, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return CR_OK;
    if (rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "import linked reference");
    int64_t cases_before = 0;
    int64_t import_id = sq_import_current(db, &cases_before);
    /*
     * A case from before the import: its document as the index holds it,
     * first.  A case the import made goes into the index whole at its end
     * (sq_search_update), and is never read here: a first import drops the
     * allegations' indexes (set_aside), where that read would scan them.
     */
    if (case_id <= cases_before && (st = sq_search_record_case(db, import_id, case_id)) != CR_OK)
        return st;
    s = sql_prepare(db,
                    "INSERT INTO case_links(case_id, kind, ref, status, import_id, import_line, "
                    "added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_text(s, 2, cr_link_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, import_id);
    sqlite3_bind_int64(s, 6, line);
    sqlite3_bind_int64(s, 7, cr_db_tx_now(db));
    if ((st = step_done(db, s, "import linked reference")) == CR_OK)
        *added = true;
    return st;
}

/* Mark the link in force of ref on the case removed; *n: how many (0 or 1). */
static enum cr_status
mark_removed(cr_db *db, int64_t case_id, const char *ref, const char *actor, const char *reason,
             int *n)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db,
                                  "UPDATE case_links SET removed_by = ?3, removed_at = ?4, "
                                  "removed_reason = ?5 WHERE case_id = ?1 AND ref = ?2 AND "
                                  "removed_by IS NULL",
                                  &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_text(s, 2, ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, cr_db_tx_now(db));
    sqlite3_bind_text(s, 5, reason, -1, SQLITE_STATIC);
    if ((st = step_done(db, s, "unlink")) == CR_OK)
        *n = sqlite3_changes(sq(db)->sql);
    return st;
}

/* Record the case's search document before a change, and after it put the new one in. */
static enum cr_status
search_before(cr_db *db, int64_t case_id)
{
    return sq_search_record_case(db, 0, case_id);
}

static enum cr_status
search_after(cr_db *db)
{
    return sq_search_update(db, INT64_MAX);
}

enum cr_status
sq_link_put(cr_db *db, int64_t case_id, int kind, const char *ref, const char *status,
            const char *actor, const char *reason)
{
    int n = 0;
    enum cr_status st = search_before(db, case_id);
    if (st == CR_OK)
        st = mark_removed(db, case_id, ref, actor, reason, &n);
    if (st != CR_OK)
        return st;
    sqlite3_stmt *s = sql_prepare(db,
                                  "INSERT INTO case_links(case_id, kind, ref, status, added_by, "
                                  "added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                  &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_text(s, 2, cr_link_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, cr_db_tx_now(db));
    if ((st = step_done(db, s, "link")) != CR_OK)
        return st;
    return search_after(db);
}

enum cr_status
sq_link_remove(cr_db *db, int64_t case_id, const char *ref, const char *actor, const char *reason)
{
    int n = 0;
    enum cr_status st = search_before(db, case_id);
    if (st == CR_OK)
        st = mark_removed(db, case_id, ref, actor, reason, &n);
    if (st == CR_OK && n == 0)
        st = cr_fail(db, CR_NOT_FOUND, "case %lld has no linked reference %s in force",
                     (long long)case_id, ref);
    if (st != CR_OK)
        return st;
    return search_after(db);
}
