/*
 * Erasure on PostgreSQL (issue 13; core/erase.c decides which cases and
 * builds the events and the redacted details): the closed cases a purge
 * looks at, an event's details replaced, a case's personal text overwritten
 * in every table and its subject's search documents made again, all by the
 * server's functions (sql/050-audit.sql), which let only the admin erase,
 * and only in the form of the erasure about to be recorded.
 */
#include "pg.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

enum cr_status
pg_closed_cases(cr_db *db, int64_t before, cr_store_closed_fn each, void *ctx)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, before);
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "closed cases",
                           "SELECT * FROM casereview.cr_closed_cases($1::bigint)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    for (int i = 0; st == CR_OK && i < PQntuples(r); i++) {
        const char *o = pg_text(r, i, 1);
        struct cr_closed_case c = {
            .id = pg_int(r, i, 0),
            .outcome = o ? cr_outcome_parse(o) : -1,
            .closed_at = pg_int(r, i, 2),
            .erased = pg_int(r, i, 3),
        };
        st = each(ctx, &c);
    }
    PQclear(r);
    return st;
}

enum cr_status
pg_audit_redact(cr_db *db, int64_t event, const char *details)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, event);
    pg_arg_text(&a, details);
    enum cr_status st =
        pg_exec(db, "erase audit event", "SELECT casereview.cr_audit_redact($1::bigint, $2)", &a);
    pg_args_free(&a);
    return st;
}

enum cr_status
pg_erase_case(cr_db *db, int64_t case_id, int64_t event, const char *text,
              struct cr_erase_counts *n)
{
    assert(case_id > 0 && event > 0 && text);
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, case_id);
    pg_arg_int(&a, event);
    pg_arg_text(&a, text);
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(
        db, "erase", "SELECT * FROM casereview.cr_erase_case($1::bigint, $2::bigint, $3)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    if (PQntuples(r) == 1) {
        n->allegations += pg_int(r, 0, 0);
        n->decisions += pg_int(r, 0, 1);
        n->votes += pg_int(r, 0, 2);
        n->notes += pg_int(r, 0, 3);
        n->drafts += pg_int(r, 0, 4);
        n->subjects += pg_int(r, 0, 5);
    }
    PQclear(r);
    return CR_OK;
}

enum cr_status
pg_erase_finish(cr_db *db)
{
    /*
     * The erased rows' old versions stay in the tables' files until VACUUM
     * reclaims them, which only the tables' owner (the service role) may
     * run; the server's write-ahead log and its archive keep them as long
     * as they are kept (README, "When one machine is not enough").
     */
    struct pg_db *p = pg(db);
    if (!p->owner)
        return cr_fail(db, CR_DB,
                       "%s: the erased text's old row versions stay in the server's files until "
                       "autovacuum, or the service role's VACUUM, reclaims them",
                       p->label);
    static const char *const tables[] = {
        "audit_events", "allegations",      "decisions",   "cases",      "votes",
        "notes",        "superseded_votes", "case_links",  "follow_ups", "qa",
        "drafts",       "subjects",         "case_search",
    };
    for (size_t i = 0; i < CR_ARRAY_LEN(tables); i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "VACUUM casereview.%s", tables[i]);
        enum cr_status st = pg_exec(db, "erase: vacuum", sql, NULL);
        if (st != CR_OK)
            return st;
    }
    return CR_OK;
}
