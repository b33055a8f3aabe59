/*
 * The audit trail on PostgreSQL: the server seals every event with the key
 * it holds (sql/050-audit.sql, chain "v3-hmac"), so this engine tells core
 * so (store.h, seals) and calls the server's functions for the append, the
 * head, the reads audit verify and the audit log make, and the checks that
 * need the key.  Nothing here computes a hash or reads a table.
 */
#include "pg.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Events are read from the server in pages of this many (the chain, the case tables). */
#define PG_AUDIT_PAGE 1000

enum cr_status
pg_audit_append(cr_db *db, const struct cr_event *e, const unsigned char prev[32],
                const unsigned char hash[32])
{
    /* The server numbers, stamps and seals the event (store.h, seals). */
    assert(!prev && !hash && e->action && e->details && e->config_digest);
    (void)prev;
    (void)hash;
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_text(&a, e->actor);
    pg_arg_int(&a, e->case_id);
    pg_arg_text(&a, e->action);
    pg_arg_text(&a, e->state_before);
    pg_arg_text(&a, e->state_after);
    pg_arg_text(&a, e->details);
    pg_arg_text(&a, e->config_digest);
    pg_arg_text(&a, e->purpose);
    enum cr_status st = pg_exec(db, "append audit event",
                                "SELECT casereview.cr_audit_append($1, $2::bigint, $3, $4, $5, "
                                "$6, $7, $8)",
                                &a);
    pg_args_free(&a);
    return st;
}

enum cr_status
pg_audit_head(cr_db *db, int64_t *event, unsigned char hash[32])
{
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "read audit head", "SELECT casereview.cr_audit_head()", NULL, &st);
    if (!r)
        return st;
    const char *v = PQntuples(r) == 1 ? pg_text(r, 0, 0) : NULL;
    const char *colon = v ? strchr(v, ':') : NULL;
    bool ok = colon && cr_unhex(colon + 1, hash, 32);
    if (ok)
        *event = strtoll(v, NULL, 10);
    PQclear(r);
    if (!ok)
        return cr_fail(db, CR_INVALID, "%s: the audit trail's head record is missing or damaged",
                       pg(db)->label);
    return CR_OK;
}

enum cr_status
pg_audit_last(cr_db *db, int64_t *id)
{
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "query", "SELECT casereview.cr_audit_last()", NULL, &st);
    if (!r)
        return st;
    *id = pg_int(r, 0, 0);
    PQclear(r);
    return CR_OK;
}

enum cr_status
pg_audit_last_digest(cr_db *db, char out[65], bool *any)
{
    out[0] = '\0';
    *any = false;
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "pin the configuration",
                           "SELECT digest FROM casereview.cr_audit_last_digest()", NULL, &st);
    if (!r)
        return st;
    if (PQntuples(r) == 1) {
        const char *d = pg_text(r, 0, 0);
        snprintf(out, 65, "%s", d ? d : "");
        *any = true;
    }
    PQclear(r);
    return CR_OK;
}

enum cr_status
pg_audit_key(cr_db *db, struct cr_audit_key *out)
{
    /* The server holds it: core asks audit_check and audit_erasure for what needs it. */
    memset(out, 0, sizeof *out);
    out->have = false;
    out->problem = "the audit key is held by the PostgreSQL server; it never leaves it";
    out->keyed_from = 1;
    out->where = pg(db)->label;
    return CR_OK;
}

/* One event of a result whose first eleven columns are the event's, as sql/ returns them. */
static void
event_of(const PGresult *r, int i, struct cr_event *e)
{
    e->id = pg_int(r, i, 0);
    e->at = pg_int(r, i, 1);
    e->actor = pg_text(r, i, 2);
    e->case_id = pg_int(r, i, 3);
    e->action = pg_text(r, i, 4);
    e->state_before = pg_text(r, i, 5);
    e->state_after = pg_text(r, i, 6);
    e->details = pg_text(r, i, 7);
    e->config_digest = pg_text(r, i, 8);
    e->purpose = pg_text(r, i, 9);
    e->os_login = pg_text(r, i, 10);
    e->details_digest = NULL;
}

enum cr_status
pg_audit_scan(cr_db *db, const struct cr_audit_filter *f, int64_t after, int64_t upto,
              cr_store_event_fn each, void *ctx, int64_t *n)
{
    *n = 0;
    for (;;) {
        struct pg_args a;
        pg_args_init(&a);
        pg_arg_int(&a, after);
        pg_arg_int(&a, upto);
        if (f->case_id)
            pg_arg_int(&a, f->case_id);
        else
            pg_arg_text(&a, NULL);
        pg_arg_text(&a, f->actor);
        pg_arg_text(&a, f->action);
        if (f->since)
            pg_arg_int(&a, f->since);
        else
            pg_arg_text(&a, NULL);
        if (f->until)
            pg_arg_int(&a, f->until);
        else
            pg_arg_text(&a, NULL);
        enum cr_status st = CR_OK;
        PGresult *r = pg_query(db, "audit log",
                               "SELECT * FROM casereview.cr_audit_scan($1::bigint, $2::bigint, "
                               "$3::bigint, $4, $5, $6::bigint, $7::bigint)",
                               &a, &st);
        pg_args_free(&a);
        if (!r)
            return st;
        int rows = PQntuples(r);
        for (int i = 0; i < rows; i++) {
            struct cr_event e;
            event_of(r, i, &e);
            after = e.id;
            (*n)++;
            if (each(ctx, &e) != 0) {
                PQclear(r);
                return cr_fail(db, CR_DB, "audit log: writing the events failed");
            }
        }
        PQclear(r);
        if (rows < 500)
            return CR_OK;
    }
}

enum cr_status
pg_audit_chain(cr_db *db, int64_t case_id, int64_t from, cr_audit_link_fn each, void *ctx)
{
    assert(case_id >= 0 && each);
    unsigned char prev[64], hash[64];
    for (;;) {
        struct pg_args a;
        pg_args_init(&a);
        pg_arg_int(&a, case_id);
        pg_arg_int(&a, from);
        pg_arg_int(&a, PG_AUDIT_PAGE);
        enum cr_status st = CR_OK;
        PGresult *r = pg_query(db, "verify",
                               "SELECT * FROM casereview.cr_audit_chain($1::bigint, $2::bigint, "
                               "$3::integer)",
                               &a, &st);
        pg_args_free(&a);
        if (!r)
            return st;
        int rows = PQntuples(r);
        for (int i = 0; i < rows; i++) {
            struct cr_audit_link l;
            event_of(r, i, &l.e);
            l.e.details_digest = pg_text(r, i, 13);
            /* A damaged row may hold other than 32 bytes: the caller sees what is there. */
            size_t np = pg_bytes(r, i, 11, prev, sizeof prev);
            size_t nh = pg_bytes(r, i, 12, hash, sizeof hash);
            l.prev_hash = prev;
            l.prev_len = np == (size_t)-1 ? 0 : np;
            l.hash = hash;
            l.hash_len = nh == (size_t)-1 ? 0 : nh;
            from = l.e.id + 1;
            if (each(ctx, &l) != 0) {
                PQclear(r);
                return CR_OK;
            }
        }
        PQclear(r);
        if (rows < PG_AUDIT_PAGE)
            return CR_OK;
    }
}

enum cr_status
pg_audit_check(cr_db *db, int64_t from, cr_audit_bad_fn bad, void *ctx)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, from);
    enum cr_status st = CR_OK;
    PGresult *r =
        pg_query(db, "verify", "SELECT * FROM casereview.cr_audit_check($1::bigint)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *what = pg_text(r, i, 1);
        struct cr_audit_bad b = {
            .event = pg_int(r, i, 0),
            .what =
                what && strcmp(what, "erasure") == 0 ? CR_AUDIT_BAD_ERASURE : CR_AUDIT_BAD_CONTENTS,
        };
        if (bad(ctx, &b) != 0)
            break;
    }
    PQclear(r);
    return CR_OK;
}

enum cr_status
pg_audit_erasure(cr_db *db, int64_t case_id, int64_t by, unsigned char digest[32],
                 unsigned char redacted[32], int64_t *n)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, case_id);
    pg_arg_int(&a, by);
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(
        db, "purge", "SELECT * FROM casereview.cr_audit_erasure($1::bigint, $2::bigint)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    bool ok = PQntuples(r) == 1 && pg_bytes(r, 0, 0, digest, 32) == 32 &&
              pg_bytes(r, 0, 1, redacted, 32) == 32;
    *n = ok ? pg_int(r, 0, 2) : 0;
    PQclear(r);
    return ok ? CR_OK
              : cr_fail(db, CR_DB, "%s: purge: the server gave no erasure sums", pg(db)->label);
}

/*
 * The case tables for verify (store.h, case_rows): pages of case ids, each
 * page's rows (sql/050-audit.sql, cr_case_rows) one case at a time.
 */

/* The strings of one case's rows, while each() reads them, are the result's. */
static enum cr_status
case_rows_page(cr_db *db, const PGresult *r, cr_case_rows_fn each, void *ctx, bool *stop)
{
    int rows = PQntuples(r);
    struct cr_case_list_row *all = calloc((size_t)rows + 1, sizeof *all);
    if (!all)
        return cr_fail(db, CR_NOMEM, "out of memory");
    int i = 0;
    while (i < rows && !*stop) {
        int64_t id = pg_int(r, i, 0);
        struct cr_case_rows c = {.id = id};
        if (pg_int(r, i, 1) == -1) {
            c.in_cases = true;
            c.round = (int)pg_int(r, i, 3);
            c.vetting_review = (int)pg_int(r, i, 4);
            c.state = pg_text(r, i, 14);
            c.outcome = pg_text(r, i, 15);
            c.assignee = pg_text(r, i, 16);
            c.decided_by = pg_text(r, i, 17);
            c.rationale = pg_text(r, i, 18);
            c.panel_round = (int)pg_int(r, i, 19);
            i++;
        }
        for (; i < rows && pg_int(r, i, 0) == id; i++) {
            all[i] = (struct cr_case_list_row){
                .round = (int)pg_int(r, i, 3),
                .vetting_review = (int)pg_int(r, i, 4),
                .who = pg_text(r, i, 5),
                .kind = pg_text(r, i, 6),
                .what = pg_text(r, i, 7),
                .text = pg_text(r, i, 8),
                .removed_by = pg_text(r, i, 9),
                .removed_reason = pg_text(r, i, 10),
                .date = pg_text(r, i, 11),
                .qa_by = pg_text(r, i, 12),
                .draw = (int)pg_int(r, i, 13),
            };
            int list = (int)pg_int(r, i, 1);
            if (list >= 0 && list < CR_REPLAY_LISTS) {
                if (!c.n[list])
                    c.rows[list] = &all[i];
                c.n[list]++;
            }
        }
        if (each(ctx, &c) != 0)
            *stop = true;
    }
    free(all);
    return CR_OK;
}

enum cr_status
pg_case_rows(cr_db *db, int64_t id, cr_case_rows_fn each, void *ctx)
{
    assert(id >= 0 && each);
    enum cr_status st = CR_OK;
    int64_t lo = id ? id : 1, hi = id;
    if (!id) {
        PGresult *r = pg_query(db, "verify", "SELECT casereview.cr_case_rows_last()", NULL, &st);
        if (!r)
            return st;
        hi = pg_int(r, 0, 0);
        PQclear(r);
    }
    bool stop = false;
    while (lo <= hi && !stop && st == CR_OK) {
        int64_t to = id ? id : (lo > hi - PG_AUDIT_PAGE ? hi : lo + PG_AUDIT_PAGE - 1);
        struct pg_args a;
        pg_args_init(&a);
        pg_arg_int(&a, lo);
        pg_arg_int(&a, to);
        PGresult *r = pg_query(
            db, "verify", "SELECT * FROM casereview.cr_case_rows($1::bigint, $2::bigint)", &a, &st);
        pg_args_free(&a);
        if (!r)
            return st;
        st = case_rows_page(db, r, each, ctx, &stop);
        PQclear(r);
        lo = to + 1;
    }
    return st;
}
