/*
 * Moving between engines (store.h: migrate_*; core/migrate.c decides what
 * is copied and seals the events with this database's key): rows read and
 * written as they are, the search index rebuilt once at the end.
 */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

enum cr_status
sq_migrate_check(cr_db *db, bool to)
{
    return to ? sq_writable(db) : CR_OK;
}

static void
columns(const struct cr_mig_table *t, struct cr_buf *b)
{
    for (size_t i = 0; i < t->n; i++)
        cr_buf_addf(b, "%s\"%s\"", i ? ", " : "", t->cols[i]);
}

enum cr_status
sq_migrate_read(cr_db *db, const struct cr_mig_table *t, cr_store_mig_fn each, void *ctx)
{
    struct cr_buf q = {0};
    cr_buf_addf(&q, "SELECT ");
    columns(t, &q);
    cr_buf_addf(&q, " FROM \"%s\" ORDER BY %s", t->name, t->order);
    struct cr_mig_cell *cells = calloc(t->n ? t->n : 1, sizeof *cells);
    if (!q.p || !cells) {
        cr_buf_free(&q);
        free(cells);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(sq_sqlite(db), q.p, -1, &s, NULL);
    cr_buf_free(&q);
    enum cr_status st = rc == SQLITE_OK ? CR_OK : cr_fail_sql(db, rc, "migrate");
    while (st == CR_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (size_t c = 0; c < t->n; c++) {
            struct cr_mig_cell *x = &cells[c];
            memset(x, 0, sizeof *x);
            x->null = sqlite3_column_type(s, (int)c) == SQLITE_NULL;
            if (x->null)
                continue;
            if (t->types[c] == 'i') {
                x->i = sqlite3_column_int64(s, (int)c);
            } else if (t->types[c] == 'b') {
                x->p = sqlite3_column_blob(s, (int)c);
                x->len = (size_t)sqlite3_column_bytes(s, (int)c);
                if (!x->p)
                    x->p = "";
            } else {
                x->p = (const char *)sqlite3_column_text(s, (int)c);
                x->len = (size_t)sqlite3_column_bytes(s, (int)c);
                if (!x->p)
                    st = cr_fail(db, CR_NOMEM, "out of memory");
            }
        }
        int stop = st == CR_OK ? each(ctx, cells) : 0;
        if (stop)
            st = (enum cr_status)stop;
    }
    if (st == CR_OK && rc != SQLITE_DONE)
        st = cr_fail_sql(db, rc, "migrate");
    sqlite3_finalize(s);
    free(cells);
    return st;
}

enum cr_status
sq_migrate_write(cr_db *db, const struct cr_mig_table *t, const struct cr_mig_cell *cells)
{
    struct cr_buf q = {0};
    cr_buf_addf(&q, "INSERT INTO \"%s\" (", t->name);
    columns(t, &q);
    cr_buf_addf(&q, ") VALUES (");
    for (size_t i = 0; i < t->n; i++)
        cr_buf_addf(&q, "%s?%zu", i ? ", " : "", i + 1);
    cr_buf_addc(&q, ')');
    if (!q.p)
        return cr_fail(db, CR_NOMEM, "out of memory");
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, q.p, &st);
    cr_buf_free(&q);
    if (!s)
        return st;
    for (size_t i = 0; i < t->n; i++) {
        const struct cr_mig_cell *x = &cells[i];
        int c = (int)i + 1;
        if (x->null)
            sqlite3_bind_null(s, c);
        else if (t->types[i] == 'i')
            sqlite3_bind_int64(s, c, x->i);
        else if (t->types[i] == 'b')
            sqlite3_bind_blob(s, c, x->p, (int)x->len, SQLITE_STATIC);
        else
            sqlite3_bind_text(s, c, x->p, (int)x->len, SQLITE_STATIC);
    }
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "migrate");
}

enum cr_status
sq_migrate_clear(cr_db *db, const char *table)
{
    struct cr_buf q = {0};
    cr_buf_addf(&q, "DELETE FROM \"%s\"", table);
    enum cr_status st = q.p ? sql_exec(db, q.p, "migrate") : cr_fail(db, CR_NOMEM, "out of memory");
    cr_buf_free(&q);
    return st;
}

enum cr_status
sq_migrate_finish(cr_db *db)
{
    /* The index is contentless: emptied whole, then made from every case's document. */
    return sql_exec(db,
                    "INSERT INTO case_search(case_search) VALUES ('delete-all');"
                    "INSERT INTO case_search(rowid, subject, allegations)"
                    "  SELECT id, subject, allegations FROM case_documents ORDER BY id;",
                    "migrate: the search index");
}
