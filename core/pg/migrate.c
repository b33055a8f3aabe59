/*
 * Moving between engines (store.h: migrate_*; core/migrate.c decides what
 * is copied): as the service role only, which owns the tables, rows are
 * read and written as they are, and the events sealed with this server's
 * key by sql/080-migrate.sql.  A person's connection never gets here:
 * migrate_check refuses it first, and the server refuses the functions.
 */
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cr_status
pg_migrate_check(cr_db *db, bool to)
{
    (void)to;
    if (pg(db)->owner)
        return CR_OK;
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "migrate",
                           "SELECT pg_get_userbyid(datdba), session_user FROM pg_database "
                           "WHERE datname = current_database()",
                           NULL, &st);
    if (!r)
        return st;
    st = cr_fail(db, CR_REFUSED,
                 "%s: migrate reads and writes every table, so it connects as the service "
                 "role (the database's owner, %s), not as %s",
                 pg(db)->label, pg_text(r, 0, 0), pg_text(r, 0, 1));
    PQclear(r);
    return st;
}

/* The column list of t, each name quoted, into b. */
static void
columns(const struct cr_mig_table *t, struct cr_buf *b)
{
    for (size_t i = 0; i < t->n; i++)
        cr_buf_addf(b, "%s\"%s\"", i ? ", " : "", t->cols[i]);
}

static int
hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

enum cr_status
pg_migrate_read(cr_db *db, const struct cr_mig_table *t, cr_store_mig_fn each, void *ctx)
{
    struct cr_buf q = {0};
    cr_buf_addf(&q, "SELECT ");
    columns(t, &q);
    cr_buf_addf(&q, " FROM casereview.\"%s\" ORDER BY %s", t->name, t->order);
    if (!q.p)
        return cr_fail(db, CR_NOMEM, "out of memory");
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "migrate", q.p, NULL, &st);
    cr_buf_free(&q);
    if (!r)
        return st;
    struct cr_mig_cell *cells = calloc(t->n ? t->n : 1, sizeof *cells);
    unsigned char **bytes = calloc(t->n ? t->n : 1, sizeof *bytes);
    if (!cells || !bytes)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    for (int row = 0; st == CR_OK && row < PQntuples(r); row++) {
        for (size_t c = 0; st == CR_OK && c < t->n; c++) {
            struct cr_mig_cell *x = &cells[c];
            memset(x, 0, sizeof *x);
            free(bytes[c]);
            bytes[c] = NULL;
            x->null = pg_null(r, row, (int)c);
            if (x->null)
                continue;
            const char *s = pg_text(r, row, (int)c);
            if (t->types[c] == 'i') {
                x->i = pg_int(r, row, (int)c);
            } else if (t->types[c] == 'b') {
                size_t len = strlen(s);
                if (len < 2 || s[0] != '\\' || s[1] != 'x' || len % 2) {
                    st = cr_fail(db, CR_DB, "migrate: %s.%s: not a bytea in hex", t->name,
                                 t->cols[c]);
                    break;
                }
                unsigned char *p = bytes[c] = malloc(len / 2 + 1);
                if (!p) {
                    st = cr_fail(db, CR_NOMEM, "out of memory");
                    break;
                }
                size_t n = 0;
                for (const char *h = s + 2; h[0] && h[1]; h += 2)
                    p[n++] = (unsigned char)(hex_digit(h[0]) << 4 | hex_digit(h[1]));
                x->p = (const char *)p;
                x->len = n;
            } else {
                x->p = s;
                x->len = strlen(s);
            }
        }
        if (st == CR_OK) {
            int stop = each(ctx, cells);
            if (stop)
                st = (enum cr_status)stop;
        }
    }
    for (size_t c = 0; bytes && c < t->n; c++)
        free(bytes[c]);
    free(bytes);
    free(cells);
    PQclear(r);
    return st;
}

enum cr_status
pg_migrate_write(cr_db *db, const struct cr_mig_table *t, const struct cr_mig_cell *cells)
{
    if (t->n > PG_MAX_ARGS)
        return cr_fail(db, CR_DB, "migrate: %s has more columns than a call takes", t->name);
    struct cr_buf q = {0};
    cr_buf_addf(&q, "INSERT INTO casereview.\"%s\" (", t->name);
    columns(t, &q);
    cr_buf_addf(&q, ") VALUES (");
    for (size_t i = 0; i < t->n; i++)
        cr_buf_addf(&q, "%s$%zu", i ? ", " : "", i + 1);
    cr_buf_addc(&q, ')');
    struct pg_args a;
    pg_args_init(&a);
    char *texts[PG_MAX_ARGS] = {0};
    for (size_t i = 0; i < t->n; i++) {
        const struct cr_mig_cell *x = &cells[i];
        if (x->null)
            pg_arg_text(&a, NULL);
        else if (t->types[i] == 'i')
            pg_arg_int(&a, x->i);
        else if (t->types[i] == 'b')
            pg_arg_bytes(&a, (const unsigned char *)x->p, x->len);
        else if ((texts[i] = strndup(x->p, x->len)) != NULL)
            pg_arg_text(&a, texts[i]);
        else
            a.nomem = true;
    }
    enum cr_status st =
        !q.p || a.nomem ? cr_fail(db, CR_NOMEM, "out of memory") : pg_exec(db, "migrate", q.p, &a);
    pg_args_free(&a);
    for (size_t i = 0; i < t->n; i++)
        free(texts[i]);
    cr_buf_free(&q);
    return st;
}

enum cr_status
pg_migrate_clear(cr_db *db, const char *table)
{
    char q[128];
    snprintf(q, sizeof q, "DELETE FROM casereview.\"%s\"", table);
    return pg_exec(db, "migrate", q, NULL);
}

enum cr_status
pg_migrate_event(cr_db *db, const struct cr_event *e, const char *keep_digest,
                 const unsigned char *keep_hash, unsigned char hash[32])
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, e->id);
    pg_arg_int(&a, e->at);
    pg_arg_text(&a, e->actor);
    pg_arg_int(&a, e->case_id);
    pg_arg_text(&a, e->action);
    pg_arg_text(&a, e->state_before);
    pg_arg_text(&a, e->state_after);
    pg_arg_text(&a, e->details);
    pg_arg_text(&a, e->config_digest);
    pg_arg_text(&a, e->purpose);
    pg_arg_text(&a, e->os_login);
    pg_arg_text(&a, keep_digest);
    if (keep_hash)
        pg_arg_bytes(&a, keep_hash, 32);
    else
        pg_arg_text(&a, NULL);
    enum cr_status st = CR_OK;
    bool nomem = a.nomem;
    PGresult *r = nomem ? NULL
                        : pg_query(db, "migrate",
                                   "SELECT casereview.cr_migrate_event($1, $2, $3, $4, $5, $6, "
                                   "$7, $8, $9, $10, $11, $12, $13)",
                                   &a, &st);
    pg_args_free(&a);
    if (nomem)
        return cr_fail(db, CR_NOMEM, "out of memory");
    if (!r)
        return st;
    if (PQntuples(r) != 1 || pg_bytes(r, 0, 0, hash, 32) != 32)
        st = cr_fail(db, CR_DB, "migrate: event %lld: the server gave no hash", (long long)e->id);
    PQclear(r);
    return st;
}

enum cr_status
pg_migrate_finish(cr_db *db)
{
    return pg_exec(db, "migrate", "SELECT casereview.cr_migrate_finish()", NULL);
}
