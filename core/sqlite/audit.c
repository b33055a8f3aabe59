/*
 * The audit trail as stored: the events, the chain's head kept beside
 * them, the audit key's fields, and the reads audit verify makes (core's
 * audit.c builds, hashes and verifies; nothing here computes a hash).
 */
#include "sqlite.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* The audit trail */

enum cr_status
sq_config_in_force(cr_db *db, char digest[65], bool *any)
{
    enum cr_status st = CR_OK;
    digest[0] = '\0';
    *any = false;
    sqlite3_stmt *q = sql_prepare(db, "SELECT digest FROM config_versions WHERE in_force = 1", &st);
    if (!q)
        return st;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        snprintf(digest, 65, "%s", sqlite3_column_text(q, 0));
        *any = true;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "pinned configuration");
    return CR_OK;
}

enum cr_status
sq_audit_put(cr_db *db, const struct cr_event *e, const unsigned char prev[32],
             const unsigned char hash[32])
{
    assert(e->id > 0 && e->actor && e->action && e->details && e->config_digest);
    enum cr_status st = CR_OK;
    sqlite3_stmt *s =
        sql_prepare(db,
                    "INSERT INTO audit_events(id, at, actor, case_id, action, "
                    "state_before, state_after, details, config_digest, prev_hash, "
                    "hash, purpose, os_login) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                    "?9, ?10, ?11, ?12, ?13)",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, e->id);
    sqlite3_bind_int64(s, 2, e->at);
    sqlite3_bind_text(s, 3, e->actor, -1, SQLITE_STATIC);
    if (e->case_id)
        sqlite3_bind_int64(s, 4, e->case_id);
    else
        sqlite3_bind_null(s, 4);
    sqlite3_bind_text(s, 5, e->action, -1, SQLITE_STATIC);
    if (e->state_before)
        sqlite3_bind_text(s, 6, e->state_before, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 6);
    if (e->state_after)
        sqlite3_bind_text(s, 7, e->state_after, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 7);
    sqlite3_bind_text(s, 8, e->details, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, e->config_digest, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 10, prev, 32, SQLITE_STATIC);
    sqlite3_bind_blob(s, 11, hash, 32, SQLITE_STATIC);
    if (e->purpose)
        sqlite3_bind_text(s, 12, e->purpose, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 12);
    if (e->os_login)
        sqlite3_bind_text(s, 13, e->os_login, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 13);
    if ((st = step_done(db, s, "append audit event")) != CR_OK)
        return st;
    if (e->details_digest) {
        /* Chain v3 (schema 14): the digest the hash covers, beside the event. */
        s = sql_prepare(db, "INSERT INTO audit_digests(event, digest) VALUES (?1, ?2)", &st);
        if (!s)
            return st;
        sqlite3_bind_int64(s, 1, e->id);
        sqlite3_bind_text(s, 2, e->details_digest, -1, SQLITE_STATIC);
        if ((st = step_done(db, s, "append audit event")) != CR_OK)
            return st;
    }
    char head[128], hex[65];
    cr_hex_of(hash, 32, hex);
    snprintf(head, sizeof head, "%lld:%s", (long long)e->id, hex);
    s = sql_prepare(db, "UPDATE settings SET value = ?1 WHERE key = 'audit_head'", &st);
    if (!s)
        return st;
    sqlite3_bind_text(s, 1, head, -1, SQLITE_TRANSIENT);
    return step_done(db, s, "append audit event");
}

enum cr_status
sq_audit_key(cr_db *db, struct cr_audit_key *out)
{
    out->have = sq(db)->have_key;
    out->problem = sq(db)->key_problem;
    memcpy(out->key, sq(db)->key, sizeof out->key);
    out->keyed_from = sq(db)->keyed_from;
    memcpy(out->anchor, sq(db)->anchor, sizeof out->anchor);
    out->where = sq(db)->key_path;
    return CR_OK;
}

/* Read one event row (columns as selected by the queries below) into e. */
void
read_event(sqlite3_stmt *s, struct cr_event *e, struct cr_strings *l)
{
    e->id = sqlite3_column_int64(s, 0);
    e->at = sqlite3_column_int64(s, 1);
    e->actor = keep_text(l, sqlite3_column_text(s, 2));
    e->case_id = sqlite3_column_int64(s, 3);
    e->action = keep_text(l, sqlite3_column_text(s, 4));
    e->state_before = keep_text(l, sqlite3_column_text(s, 5));
    e->state_after = keep_text(l, sqlite3_column_text(s, 6));
    e->details = keep_text(l, sqlite3_column_text(s, 7));
    e->config_digest = keep_text(l, sqlite3_column_text(s, 8));
    e->purpose = keep_text(l, sqlite3_column_text(s, 9));
    e->os_login = keep_text(l, sqlite3_column_text(s, 10));
    e->details_digest = NULL;
}

/* The same without copying: the strings live until the statement steps again. */
static void
peek_event(sqlite3_stmt *s, struct cr_event *e)
{
    e->id = sqlite3_column_int64(s, 0);
    e->at = sqlite3_column_int64(s, 1);
    e->actor = (const char *)sqlite3_column_text(s, 2);
    e->case_id = sqlite3_column_int64(s, 3);
    e->action = (const char *)sqlite3_column_text(s, 4);
    e->state_before = (const char *)sqlite3_column_text(s, 5);
    e->state_after = (const char *)sqlite3_column_text(s, 6);
    e->details = (const char *)sqlite3_column_text(s, 7);
    e->config_digest = (const char *)sqlite3_column_text(s, 8);
    e->purpose = (const char *)sqlite3_column_text(s, 9);
    e->os_login = (const char *)sqlite3_column_text(s, 10);
    e->details_digest = NULL;
}

enum cr_status
sq_audit_head(cr_db *db, int64_t *event, unsigned char hash[32])
{
    return audit_head(db, event, hash);
}

enum cr_status
sq_read_begin(cr_db *db)
{
    assert(sqlite3_get_autocommit(sq(db)->sql));
    return sql_exec(db, "BEGIN", "verify");
}

void
sq_read_end(cr_db *db)
{
    sq_rollback(db);
}

enum cr_status
sq_audit_chain(cr_db *db, int64_t case_id, int64_t from, cr_audit_link_fn each, void *ctx)
{
    assert(case_id >= 0 && each);
    enum cr_status st = CR_OK;
    sqlite3_stmt *s =
        sql_prepare(db,
                    case_id ? "SELECT " EVENT_COLUMNS ", prev_hash, hash, (SELECT digest FROM "
                              "audit_digests WHERE event = audit_events.id) FROM "
                              "audit_events WHERE case_id = ?2 AND id >= ?1 "
                              "ORDER BY id"
                            : "SELECT " EVENT_COLUMNS ", prev_hash, hash, (SELECT digest FROM "
                              "audit_digests WHERE event = audit_events.id) FROM "
                              "audit_events WHERE id >= ?1 ORDER BY id",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, from);
    if (case_id)
        sqlite3_bind_int64(s, 2, case_id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_audit_link l;
        peek_event(s, &l.e);
        l.prev_hash = sqlite3_column_blob(s, 11);
        l.prev_len = (size_t)sqlite3_column_bytes(s, 11);
        l.hash = sqlite3_column_blob(s, 12);
        l.hash_len = (size_t)sqlite3_column_bytes(s, 12);
        l.e.details_digest = (const char *)sqlite3_column_text(s, 13);
        if (each(ctx, &l) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "verify");
}

enum cr_status
sq_config_texts(cr_db *db, int (*each)(void *ctx, const struct cr_config_text *t), void *ctx)
{
    assert(each);
    enum cr_status st = CR_OK;
    sqlite3_stmt *s =
        sql_prepare(db, "SELECT id, digest, text FROM config_versions ORDER BY id", &st);
    if (!s)
        return st;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const struct cr_config_text t = {
            .id = sqlite3_column_int64(s, 0),
            .digest = (const char *)sqlite3_column_text(s, 1),
            .text = sqlite3_column_blob(s, 2),
            .len = (size_t)sqlite3_column_bytes(s, 2),
        };
        if (each(ctx, &t) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "verify");
}

/*
 * The case tables, read for audit verify: the cases and each list's rows in
 * case order, merged by case id, one case at a time.
 */

/* Each list's rows in case order, then in the order the trail made them; column 0 is the case. */
static const char *const list_sql[CR_REPLAY_LISTS] = {
    [CR_REPLAY_DECISIONS] = "SELECT case_id, round, reviewer, outcome, vetting_review, rationale "
                            "FROM decisions WHERE case_id BETWEEN ?1 AND ?2 "
                            "ORDER BY case_id, round",
    [CR_REPLAY_APPROVALS] = "SELECT case_id, round, supervisor FROM approvals "
                            "WHERE case_id BETWEEN ?1 AND ?2 ORDER BY case_id, round",
    [CR_REPLAY_VOTES] = "SELECT case_id, round, member, member_kind, vote, reason FROM votes "
                        "WHERE case_id BETWEEN ?1 AND ?2 ORDER BY case_id, id",
    [CR_REPLAY_SET_ASIDE] = "SELECT case_id, round, member, member_kind, vote, reason "
                            "FROM superseded_votes WHERE case_id BETWEEN ?1 AND ?2 "
                            "ORDER BY case_id, id",
    [CR_REPLAY_NOTES] = "SELECT case_id, kind, author, body FROM notes "
                        "WHERE case_id BETWEEN ?1 AND ?2 ORDER BY case_id, id",
    /* The rows a person made or ended (an import's, in force, the trail does not hold). */
    [CR_REPLAY_LINKS] = "SELECT case_id, kind, ref, status, added_by, removed_by, removed_reason "
                        "FROM case_links WHERE case_id BETWEEN ?1 AND ?2 AND (added_by IS NOT "
                        "NULL OR removed_by IS NOT NULL) ORDER BY case_id, id",
    [CR_REPLAY_FOLLOWUPS] = "SELECT case_id, stage, result, date, recorded_by, detail "
                            "FROM follow_ups WHERE case_id BETWEEN ?1 AND ?2 "
                            "ORDER BY case_id, id",
    [CR_REPLAY_QA] = "SELECT case_id, round, decider, reason, verdict, qa_reason, qa_by, draw "
                     "FROM qa WHERE case_id BETWEEN ?1 AND ?2 ORDER BY case_id, round",
};

/* One list's rows of the case at hand: their texts in one buffer, as offsets + 1 (0: NULL). */
struct held_row {
    int round, vetting_review, draw;
    size_t who, kind, what, text, date, qa_by;
    size_t removed_by, removed_reason; /* a link's */
};
struct list_reader {
    sqlite3_stmt *s;
    int rc;
    int64_t id; /* the case of the row the statement is on; INT64_MAX past the last */
    struct cr_buf texts;
    struct held_row *held;
    struct cr_case_list_row *rows;
    size_t n, cap;
    bool nomem;
};

static void
reader_step(struct list_reader *l)
{
    l->rc = sqlite3_step(l->s);
    l->id = l->rc == SQLITE_ROW ? sqlite3_column_int64(l->s, 0) : INT64_MAX;
}

/* The column's text held, as its offset + 1; 0 for NULL (or out of memory: l->nomem). */
static size_t
hold_text(struct list_reader *l, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    if (!t)
        return 0;
    size_t at = l->texts.len;
    if (cr_buf_add(&l->texts, (const char *)t, (size_t)sqlite3_column_bytes(s, col) + 1) < 0) {
        l->nomem = true;
        return 0;
    }
    return at + 1;
}

/* Hold the row the statement is on (list's columns); false when out of memory. */
static bool
hold_row(struct list_reader *l, int list)
{
    assert(list >= 0 && list < CR_REPLAY_LISTS && l->n <= l->cap);
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        struct held_row *h = realloc(l->held, cap * sizeof *h);
        if (h)
            l->held = h;
        struct cr_case_list_row *r = h ? realloc(l->rows, cap * sizeof *r) : NULL;
        if (!r)
            return false;
        l->rows = r;
        l->cap = cap;
    }
    struct held_row *h = &l->held[l->n++];
    memset(h, 0, sizeof *h);
    sqlite3_stmt *s = l->s;
    switch (list) {
    case CR_REPLAY_DECISIONS:
        h->round = sqlite3_column_int(s, 1);
        h->who = hold_text(l, s, 2);
        h->what = hold_text(l, s, 3);
        h->vetting_review = sqlite3_column_int(s, 4);
        h->text = hold_text(l, s, 5);
        break;
    case CR_REPLAY_APPROVALS:
        h->round = sqlite3_column_int(s, 1);
        h->who = hold_text(l, s, 2);
        break;
    case CR_REPLAY_VOTES:
    case CR_REPLAY_SET_ASIDE:
        h->round = sqlite3_column_int(s, 1);
        h->who = hold_text(l, s, 2);
        h->kind = hold_text(l, s, 3);
        h->what = hold_text(l, s, 4);
        h->text = hold_text(l, s, 5);
        break;
    case CR_REPLAY_LINKS:
        h->kind = hold_text(l, s, 1);
        h->what = hold_text(l, s, 2);
        h->text = hold_text(l, s, 3);
        h->who = hold_text(l, s, 4);
        h->removed_by = hold_text(l, s, 5);
        h->removed_reason = hold_text(l, s, 6);
        break;
    case CR_REPLAY_FOLLOWUPS:
        h->kind = hold_text(l, s, 1);
        h->what = hold_text(l, s, 2);
        h->date = hold_text(l, s, 3);
        h->who = hold_text(l, s, 4);
        h->text = hold_text(l, s, 5);
        break;
    case CR_REPLAY_QA:
        h->round = sqlite3_column_int(s, 1);
        h->who = hold_text(l, s, 2);
        h->kind = hold_text(l, s, 3);
        h->what = hold_text(l, s, 4);
        h->text = hold_text(l, s, 5);
        h->qa_by = hold_text(l, s, 6);
        h->draw = sqlite3_column_int(s, 7);
        break;
    default:
        h->kind = hold_text(l, s, 1);
        h->who = hold_text(l, s, 2);
        h->text = hold_text(l, s, 3);
        break;
    }
    return !l->nomem;
}

/* The held rows as the caller reads them, pointing into the texts (which no longer move). */
static void
lay_out(struct list_reader *l)
{
    const char *base = l->texts.p;
#define AT(off) ((off) ? base + (off)-1 : NULL)
    for (size_t i = 0; i < l->n; i++) {
        const struct held_row *h = &l->held[i];
        l->rows[i] = (struct cr_case_list_row){
            .round = h->round,
            .vetting_review = h->vetting_review,
            .who = AT(h->who),
            .kind = AT(h->kind),
            .what = AT(h->what),
            .text = AT(h->text),
            .removed_by = AT(h->removed_by),
            .removed_reason = AT(h->removed_reason),
            .date = AT(h->date),
            .qa_by = AT(h->qa_by),
            .draw = h->draw,
        };
    }
#undef AT
}

enum cr_status
sq_case_rows(cr_db *db, int64_t id, cr_case_rows_fn each, void *ctx)
{
    assert(id >= 0 && each);
    enum cr_status st = CR_OK;
    int64_t lo = id ? id : 1, hi = id ? id : INT64_MAX;
    /* Prepared here, not from the cache: six statements stay open at once. */
    struct list_reader lists[CR_REPLAY_LISTS] = {0};
    sqlite3_stmt *cases = NULL;
    int rc = sqlite3_prepare_v2(sq(db)->sql,
                                "SELECT id, state, outcome, vetting_review, assignee, round, "
                                "decided_by, rationale, panel_round FROM cases "
                                "WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
                                -1, &cases, NULL);
    for (int k = 0; rc == SQLITE_OK && k < CR_REPLAY_LISTS; k++)
        rc = sqlite3_prepare_v2(sq(db)->sql, list_sql[k], -1, &lists[k].s, NULL);
    if (rc != SQLITE_OK) {
        st = cr_fail_sql(db, rc, "verify");
        goto done;
    }
    sqlite3_bind_int64(cases, 1, lo);
    sqlite3_bind_int64(cases, 2, hi);
    int crc = sqlite3_step(cases);
    for (int k = 0; k < CR_REPLAY_LISTS; k++) {
        sqlite3_bind_int64(lists[k].s, 1, lo);
        sqlite3_bind_int64(lists[k].s, 2, hi);
        reader_step(&lists[k]);
    }
    for (;;) {
        int64_t at = crc == SQLITE_ROW ? sqlite3_column_int64(cases, 0) : INT64_MAX;
        for (int k = 0; k < CR_REPLAY_LISTS; k++)
            if (lists[k].id < at)
                at = lists[k].id;
        if (at == INT64_MAX)
            break;
        struct cr_case_rows c = {.id = at};
        if (crc == SQLITE_ROW && sqlite3_column_int64(cases, 0) == at) {
#define COL(i) ((const char *)sqlite3_column_text(cases, i))
            c.in_cases = true;
            c.state = COL(1);
            c.outcome = COL(2);
            c.vetting_review = sqlite3_column_int(cases, 3);
            c.assignee = COL(4);
            c.round = sqlite3_column_int(cases, 5);
            c.decided_by = COL(6);
            c.rationale = COL(7);
            c.panel_round = sqlite3_column_int(cases, 8);
#undef COL
        }
        for (int k = 0; k < CR_REPLAY_LISTS; k++) {
            struct list_reader *l = &lists[k];
            l->n = 0;
            cr_buf_reset(&l->texts);
            for (; l->id == at; reader_step(l))
                if (!hold_row(l, k)) {
                    st = cr_fail(db, CR_NOMEM, "out of memory");
                    goto done;
                }
            if (l->rc != SQLITE_ROW && l->rc != SQLITE_DONE) {
                st = cr_fail_sql(db, l->rc, "verify");
                goto done;
            }
            lay_out(l);
            c.n[k] = l->n;
            c.rows[k] = l->rows;
        }
        if (each(ctx, &c) != 0)
            goto done;
        if (c.in_cases)
            crc = sqlite3_step(cases);
    }
    if (crc != SQLITE_DONE)
        st = cr_fail_sql(db, crc, "verify");
done:
    sqlite3_finalize(cases);
    for (int k = 0; k < CR_REPLAY_LISTS; k++) {
        sqlite3_finalize(lists[k].s);
        cr_buf_free(&lists[k].texts);
        free(lists[k].held);
        free(lists[k].rows);
    }
    return st;
}

enum cr_status
sq_audit_scan(cr_db *db, const struct cr_audit_filter *f, int64_t after, int64_t head_id,
              cr_store_event_fn each, void *ctx, int64_t *n)
{
    *n = 0;
    enum cr_status st = CR_OK;
    /*
     * Keyset pages over the events that were there when asked, in id order.  Only the
     * filters given are in the query, so that the index on the case, the actor or the
     * action (each with the id) serves it.
     */
    struct cr_buf q = {0};
    cr_buf_addf(&q, "SELECT " EVENT_COLUMNS " FROM audit_events WHERE id > ?1 AND id <= ?2");
    if (f->case_id)
        cr_buf_addf(&q, " AND case_id = ?3");
    if (f->actor)
        cr_buf_addf(&q, " AND actor = ?4");
    if (f->action)
        cr_buf_addf(&q, " AND action = ?5");
    if (f->since)
        cr_buf_addf(&q, " AND at >= ?6");
    if (f->until)
        cr_buf_addf(&q, " AND at < ?7");
    cr_buf_addf(&q, " ORDER BY id LIMIT 500");
    sqlite3_stmt *s = q.p ? sql_prepare(db, q.p, &st) : NULL;
    if (!q.p)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    cr_buf_free(&q);
    if (!s)
        return st;
    for (;;) {
        sqlite3_bind_int64(s, 1, after);
        sqlite3_bind_int64(s, 2, head_id);
        if (f->case_id)
            sqlite3_bind_int64(s, 3, f->case_id);
        if (f->actor)
            sqlite3_bind_text(s, 4, f->actor, -1, SQLITE_STATIC);
        if (f->action)
            sqlite3_bind_text(s, 5, f->action, -1, SQLITE_STATIC);
        if (f->since)
            sqlite3_bind_int64(s, 6, f->since);
        if (f->until)
            sqlite3_bind_int64(s, 7, f->until);
        int rc, rows = 0;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            struct cr_event e;
            peek_event(s, &e);
            after = e.id;
            rows++;
            (*n)++;
            if (each(ctx, &e) != 0) {
                sqlite3_reset(s);
                return cr_fail(db, CR_DB, "audit log: writing the events failed");
            }
        }
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return cr_fail_sql(db, rc, "audit log");
        if (rows < 500)
            return CR_OK;
    }
}
