/*
 * The audit trail: the hash chain (its head kept beside the events, keyed
 * with the audit key), appending an event, the session's purpose, reading
 * and verifying the trail, and comparing the tables with the trail replayed
 * (replay.c).
 */
#include "sqlite.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The audit trail */

static const unsigned char zero_hash[32];

/* The chain's head: the last event's id and hash, kept beside the events. */
enum cr_status
audit_head(cr_db *db, int64_t *id, unsigned char hash[32])
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, "SELECT value FROM settings WHERE key = 'audit_head'", &st);
    if (!s)
        return st;
    int rc = sqlite3_step(s);
    const char *v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
    const char *colon = v ? strchr(v, ':') : NULL;
    bool ok = colon && cr_unhex(colon + 1, hash, 32);
    if (ok)
        *id = strtoll(v, NULL, 10);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "read audit head");
    if (!ok)
        return cr_fail(db, CR_INVALID, "%s: the audit trail's head record is missing or damaged",
                       sq(db)->path);
    return CR_OK;
}

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
sq_audit_append(cr_db *db, int64_t case_id, const char *action, const char *before,
                const char *after, const char *details)
{
    if (!sq(db)->have_key)
        return cr_fail(db, CR_DB, "%s", sq(db)->key_problem ? sq(db)->key_problem : "no audit key");
    int64_t head_id;
    unsigned char prev[32], hash[32];
    enum cr_status st = audit_head(db, &head_id, prev);
    if (st != CR_OK)
        return st;
    const struct cr_event e = {
        .id = head_id + 1,
        .at = cr_db_now(db),
        .actor = st_user(db) ? st_user(db)->login : "system",
        .case_id = case_id,
        .action = action,
        .state_before = before,
        .state_after = after,
        .details = details ? details : "{}",
        .config_digest = st_config(db) ? st_config(db)->digest : "",
        .purpose = cr_db_purpose(db),
        .os_login = st_os_login(db),
    };
    if (e.id < sq(db)->keyed_from)
        return cr_fail(db, CR_INVALID,
                       "%s: the audit key says keying began at event %lld, but the trail ends "
                       "at event %lld: the trail was cut short",
                       sq(db)->key_path, (long long)sq(db)->keyed_from, (long long)head_id);
    cr_audit_hash(sq(db)->key, prev, &e, hash);
    sqlite3_stmt *s =
        sql_prepare(db,
                    "INSERT INTO audit_events(id, at, actor, case_id, action, "
                    "state_before, state_after, details, config_digest, prev_hash, "
                    "hash, purpose, os_login) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                    "?9, ?10, ?11, ?12, ?13)",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, e.id);
    sqlite3_bind_int64(s, 2, e.at);
    sqlite3_bind_text(s, 3, e.actor, -1, SQLITE_STATIC);
    if (case_id)
        sqlite3_bind_int64(s, 4, case_id);
    else
        sqlite3_bind_null(s, 4);
    sqlite3_bind_text(s, 5, action, -1, SQLITE_STATIC);
    if (before)
        sqlite3_bind_text(s, 6, before, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 6);
    if (after)
        sqlite3_bind_text(s, 7, after, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 7);
    sqlite3_bind_text(s, 8, e.details, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, e.config_digest, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 10, prev, 32, SQLITE_STATIC);
    sqlite3_bind_blob(s, 11, hash, 32, SQLITE_STATIC);
    if (e.purpose)
        sqlite3_bind_text(s, 12, e.purpose, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 12);
    if (e.os_login)
        sqlite3_bind_text(s, 13, e.os_login, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 13);
    if ((st = step_done(db, s, "append audit event")) != CR_OK)
        return st;
    char head[128], hex[65];
    cr_hex_of(hash, 32, hex);
    snprintf(head, sizeof head, "%lld:%s", (long long)e.id, hex);
    s = sql_prepare(db, "UPDATE settings SET value = ?1 WHERE key = 'audit_head'", &st);
    if (!s)
        return st;
    sqlite3_bind_text(s, 1, head, -1, SQLITE_TRANSIENT);
    return step_done(db, s, "append audit event");
}

/* Read one event row (columns as selected by the queries below) into e. */
void
read_event(sqlite3_stmt *s, struct cr_event *e, struct strlist *l)
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
}


enum cr_status
sq_audit_head(cr_db *db, struct cr_audit_head *out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = sql_exec(db, "BEGIN", "audit head");
    if (st != CR_OK)
        return st;
    unsigned char head[32];
    int64_t id = 0;
    st = audit_head(db, &id, head);
    if (st == CR_OK && id > 0) {
        /* The head names a real event with that hash, or it is no head to keep. */
        sqlite3_stmt *s = sql_prepare(db, "SELECT hash FROM audit_events WHERE id = ?1", &st);
        if (s) {
            sqlite3_bind_int64(s, 1, id);
            int rc = sqlite3_step(s);
            bool same = rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == 32 &&
                        memcmp(sqlite3_column_blob(s, 0), head, 32) == 0;
            sqlite3_reset(s);
            if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                st = cr_fail_sql(db, rc, "audit head");
            else if (!same)
                st = cr_fail(db, CR_INVALID,
                             "audit event %lld: it does not match the chain's head; run "
                             "'casereview audit verify'",
                             (long long)id);
        }
    }
    sq_rollback(db);
    if (st == CR_OK) {
        out->event = id;
        cr_hex_of(head, 32, out->hash);
    }
    return st;
}

/* The comparison of the tables with the replayed trail. */

struct compare {
    struct cr_replay *r;
    int64_t first; /* the lowest case found to differ, or 0 */
};

static void
differs(struct compare *m, int64_t id)
{
    if (!m->first || id < m->first)
        m->first = id;
}

static const struct cr_replay_case *
replayed(const struct cr_replay *r, int64_t id, struct cr_replay_case *blank)
{
    const struct cr_replay_case *c = cr_replay_case(r, id);
    if (c)
        return c;
    cr_replay_case_init(blank);
    return blank;
}

/* The scalar fields of a case row (columns 1..8 of CASE_CHECK_COLUMNS) against the replay. */
#define CASE_CHECK_COLUMNS                                                     \
    "id, state, outcome, vetting_review, assignee, round, decided_by, rationale, panel_round"

static bool
case_row_matches(sqlite3_stmt *s, const struct cr_replay_case *c)
{
    return cr_state_parse((const char *)sqlite3_column_text(s, 1)) == c->state &&
           (sqlite3_column_type(s, 2) == SQLITE_NULL
                ? c->outcome < 0
                : cr_outcome_parse((const char *)sqlite3_column_text(s, 2)) == c->outcome) &&
           sqlite3_column_int(s, 3) == c->vetting_review &&
           cr_replay_text_digest((const char *)sqlite3_column_text(s, 4)) == c->assignee &&
           sqlite3_column_int(s, 5) == c->round &&
           cr_replay_text_digest((const char *)sqlite3_column_text(s, 6)) == c->decided_by &&
           cr_replay_text_digest((const char *)sqlite3_column_text(s, 7)) == c->rationale &&
           sqlite3_column_int(s, 8) == c->panel_round;
}

/* The text of a list's row, as the replay writes it. */
static void
row_text(int list, sqlite3_stmt *s, struct cr_buf *b)
{
#define T(i) ((const char *)sqlite3_column_text(s, i))
    switch (list) {
    case CR_REPLAY_DECISIONS:
        cr_replay_decision_text(b, sqlite3_column_int(s, 1), T(2), T(3), sqlite3_column_int(s, 4),
                                T(5));
        break;
    case CR_REPLAY_APPROVALS: cr_replay_approval_text(b, sqlite3_column_int(s, 1), T(2)); break;
    case CR_REPLAY_VOTES:
    case CR_REPLAY_SET_ASIDE:
        cr_replay_vote_text(b, sqlite3_column_int(s, 1), T(2), T(3), T(4), T(5));
        break;
    default: cr_replay_note_text(b, T(1), T(2), T(3)); break;
    }
#undef T
}

/* Each list's rows, grouped by case in the order the trail made them; column 0 is the case. */
static const struct {
    const char *table, *sql, *one;
} list_sql[CR_REPLAY_LISTS] = {
    [CR_REPLAY_DECISIONS] = {"decisions",
                             "SELECT case_id, round, reviewer, outcome, vetting_review, rationale "
                             "FROM decisions WHERE case_id > ?1 ORDER BY case_id, round",
                             "SELECT case_id, round, reviewer, outcome, vetting_review, rationale "
                             "FROM decisions WHERE case_id = ?1 ORDER BY round"},
    [CR_REPLAY_APPROVALS] = {"approvals",
                             "SELECT case_id, round, supervisor FROM approvals WHERE case_id > ?1 "
                             "ORDER BY case_id, round",
                             "SELECT case_id, round, supervisor FROM approvals WHERE case_id = ?1 "
                             "ORDER BY round"},
    [CR_REPLAY_VOTES] = {"votes",
                         "SELECT case_id, round, member, member_kind, vote, reason FROM votes "
                         "WHERE case_id > ?1 ORDER BY case_id, id",
                         "SELECT case_id, round, member, member_kind, vote, reason FROM votes "
                         "WHERE case_id = ?1 ORDER BY id"},
    [CR_REPLAY_SET_ASIDE] = {"superseded_votes",
                             "SELECT case_id, round, member, member_kind, vote, reason "
                             "FROM superseded_votes WHERE case_id > ?1 ORDER BY case_id, id",
                             "SELECT case_id, round, member, member_kind, vote, reason "
                             "FROM superseded_votes WHERE case_id = ?1 ORDER BY id"},
    [CR_REPLAY_NOTES] = {"notes",
                         "SELECT case_id, kind, author, body FROM notes WHERE case_id > ?1 "
                         "ORDER BY case_id, id",
                         "SELECT case_id, kind, author, body FROM notes WHERE case_id = ?1 "
                         "ORDER BY id"},
};

/* Compare one list of every case with its digest in the replay: one pass over the table. */
static enum cr_status
compare_list(cr_db *db, struct compare *m, int list, int64_t max_case)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, list_sql[list].sql, &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, 0);
    struct cr_buf text = {0};
    struct cr_replay_case blank;
    int64_t next = 1, current = 0;
    uint64_t digest = 0;
    int rc;
    for (;;) {
        rc = sqlite3_step(s);
        int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : INT64_MAX;
        if (id != current && current) {
            /* Cases with no rows must have none in the trail either. */
            for (; next < current; next++)
                if (replayed(m->r, next, &blank)->digests[list] != 0)
                    differs(m, next);
            if (replayed(m->r, current, &blank)->digests[list] != digest)
                differs(m, current);
            next = current + 1;
        }
        if (rc != SQLITE_ROW)
            break;
        if (id != current) {
            current = id;
            digest = 0;
        }
        row_text(list, s, &text);
        cr_replay_digest_put(list, &digest, text.p ? text.p : "");
    }
    sqlite3_reset(s);
    cr_buf_free(&text);
    if (rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "verify");
    for (; next <= max_case; next++)
        if (replayed(m->r, next, &blank)->digests[list] != 0)
            differs(m, next);
    return CR_OK;
}

/* Compare every case row with the replay: one pass over the cases table. */
static enum cr_status
compare_cases(cr_db *db, struct compare *m, int64_t *max_case)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, "SELECT " CASE_CHECK_COLUMNS " FROM cases ORDER BY id", &st);
    if (!s)
        return st;
    struct cr_replay_case blank;
    int64_t next = 1, last = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        for (; next < id; next++) {
            const struct cr_replay_case *c = cr_replay_case(m->r, next);
            if (c && c->first_event)
                differs(m, next); /* the trail names a case the table lacks */
        }
        if (!case_row_matches(s, replayed(m->r, id, &blank)))
            differs(m, id);
        next = id + 1;
        last = id;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "verify");
    for (int64_t id = next; id <= cr_replay_max_case(m->r); id++) {
        const struct cr_replay_case *c = cr_replay_case(m->r, id);
        if (c && c->first_event)
            differs(m, id);
    }
    *max_case = last > cr_replay_max_case(m->r) ? last : cr_replay_max_case(m->r);
    return CR_OK;
}

/* Text cut for a message: at most 80 bytes, at a character boundary. */
static void
add_cut(struct cr_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (n <= 80) {
        cr_buf_add(b, s, n);
        return;
    }
    n = 77;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    cr_buf_add(b, s, n);
    cr_buf_addf(b, "...");
}

static void
add_event_ref(struct cr_buf *b, int64_t ev, int64_t case_id)
{
    if (ev)
        cr_buf_addf(b, " (event %lld)", (long long)ev);
    else
        cr_buf_addf(b, " (no event changes it on case %lld)", (long long)case_id);
}

/* Say what differs between case id's rows and its replay, in why; false when nothing does. */
static enum cr_status
explain_case(cr_db *db, int64_t id, struct cr_buf *why)
{
    enum cr_status st = CR_OK;
    struct cr_replay *r = cr_replay_new(id);
    struct cr_buf text = {0}, scratch = {0};
    if (!r)
        return cr_fail(db, CR_NOMEM, "out of memory");
    sqlite3_stmt *s = sql_prepare(db,
                                  "SELECT " EVENT_COLUMNS " FROM audit_events WHERE case_id = ?1 "
                                  "ORDER BY id",
                                  &st);
    int rc = SQLITE_DONE;
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        while (st == CR_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            struct cr_event e;
            peek_event(s, &e);
            st = cr_replay_event(r, &e, &scratch);
        }
        sqlite3_reset(s);
        if (st == CR_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            st = cr_fail_sql(db, rc, "verify");
    }
    struct cr_replay_case blank;
    cr_replay_case_init(&blank);
    struct cr_replay_detail none = {0};
    const struct cr_replay_case *c = cr_replay_case(r, id);
    if (!c || !c->detail)
        c = &blank;
    const struct cr_replay_detail *d = c->detail ? c->detail : &none;
    cr_buf_reset(why);
    cr_buf_addf(why, "audit: case %lld: ", (long long)id);
    size_t start = why->len;
    if (st == CR_OK)
        s = sql_prepare(db, "SELECT " CASE_CHECK_COLUMNS " FROM cases WHERE id = ?1", &st);
    if (st == CR_OK) {
        sqlite3_bind_int64(s, 1, id);
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE) {
            cr_buf_addf(why, "the cases table has no such case, but the trail records it");
            add_event_ref(why, c->first_event, id);
        } else if (rc == SQLITE_ROW) {
#define COL(i) ((const char *)sqlite3_column_text(s, i))
            const char *ta = COL(4), *tb = COL(6), *tr = COL(7);
            const char *outcome = c->outcome >= 0 ? cr_outcome_name(c->outcome) : NULL;
            struct {
                const char *name;
                const char *table, *trail;
                int field;
            } fields[] = {
                {"state", COL(1), cr_state_name(c->state), CR_REPLAY_STATE},
                {"outcome", COL(2) ? COL(2) : "none", outcome ? outcome : "none",
                 CR_REPLAY_OUTCOME},
                {"vetting_review", sqlite3_column_int(s, 3) ? "yes" : "no",
                 c->vetting_review ? "yes" : "no", CR_REPLAY_VETTING_REVIEW},
                {"assignee", ta ? ta : "nobody", d->assignee ? d->assignee : "nobody",
                 CR_REPLAY_ASSIGNEE},
                {"decided_by", tb ? tb : "nobody", d->decided_by ? d->decided_by : "nobody",
                 CR_REPLAY_DECIDED_BY},
                {"rationale", tr ? tr : "none", d->rationale ? d->rationale : "none",
                 CR_REPLAY_RATIONALE},
            };
            char round_t[24], round_r[24];
            snprintf(round_t, sizeof round_t, "%d", sqlite3_column_int(s, 5));
            snprintf(round_r, sizeof round_r, "%d", c->round);
            for (size_t i = 0; i < CR_ARRAY_LEN(fields) && why->len == start; i++) {
                if (strcmp(fields[i].table ? fields[i].table : "", fields[i].trail) == 0)
                    continue;
                cr_buf_addf(why, "the cases table says %s ", fields[i].name);
                add_cut(why, fields[i].table ? fields[i].table : "");
                cr_buf_addf(why, ", the trail says ");
                add_cut(why, fields[i].trail);
                add_event_ref(why, d->ev[fields[i].field], id);
            }
            if (why->len == start && strcmp(round_t, round_r) != 0) {
                cr_buf_addf(why, "the cases table says round %s, the trail says %s", round_t,
                            round_r);
                add_event_ref(why, d->ev[CR_REPLAY_ROUND], id);
            }
            if (why->len == start && sqlite3_column_int(s, 8) != c->panel_round) {
                cr_buf_addf(why,
                            "the cases table says it was before the panel at decision %d, the "
                            "trail says %d (which cases a panel member may see)",
                            sqlite3_column_int(s, 8), c->panel_round);
                add_event_ref(why, d->ev[CR_REPLAY_PANEL_ROUND], id);
            }
#undef COL
        } else {
            st = cr_fail_sql(db, rc, "verify");
        }
        sqlite3_reset(s);
    }
    for (int list = 0; st == CR_OK && list < CR_REPLAY_LISTS && why->len == start; list++) {
        const struct cr_replay_list *l = &d->lists[list];
        if (!(s = sql_prepare(db, list_sql[list].one, &st)))
            break;
        /* The case's rows of this table (a handful), to set beside the trail's. */
        struct strlist *rows = calloc(1, sizeof *rows);
        char **row = NULL;
        if (!rows) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
            break;
        }
        size_t n = 0;
        sqlite3_bind_int64(s, 1, id);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            row_text(list, s, &text);
            char **more = realloc(row, (n + 1) * sizeof *row);
            if (!more) {
                rows->nomem = true;
                break;
            }
            row = more;
            row[n++] = (char *)keep_text(rows, (const unsigned char *)(text.p ? text.p : ""));
        }
        sqlite3_reset(s);
        if (rows->nomem)
            st = cr_fail(db, CR_NOMEM, "out of memory");
        else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            st = cr_fail_sql(db, rc, "verify");
        size_t i = 0;
        while (st == CR_OK && i < n && i < l->n && strcmp(row[i], l->items[i].text) == 0)
            i++;
        const char *table = list_sql[list].table;
        if (st != CR_OK || (i == n && i == l->n)) {
            /* the same */
        } else if (i < l->n &&
                   (i == n || (i + 1 < l->n && strcmp(row[i], l->items[i + 1].text) == 0))) {
            cr_buf_addf(why, "the %s table lacks ", table);
            add_cut(why, l->items[i].text);
            cr_buf_addf(why, ", which the trail records");
            add_event_ref(why, l->items[i].event, id);
        } else if (i == l->n || (i + 1 < n && strcmp(row[i + 1], l->items[i].text) == 0)) {
            cr_buf_addf(why, "the %s table has ", table);
            add_cut(why, row[i]);
            cr_buf_addf(why, ", which the trail does not record");
        } else {
            cr_buf_addf(why, "the %s table says ", table);
            add_cut(why, row[i]);
            cr_buf_addf(why, ", the trail says ");
            add_cut(why, l->items[i].text);
            add_event_ref(why, l->items[i].event, id);
        }
        free(row);
        strlist_free(rows);
    }
    if (st == CR_OK && why->len == start)
        cr_buf_addf(why, "its rows differ from what the trail says");
    cr_replay_free(r);
    cr_buf_free(&text);
    cr_buf_free(&scratch);
    return st;
}

/* Each kept head, checked when the chain reaches its event (one kept with no count: any event). */
static enum cr_status
check_heads(cr_db *db, const struct cr_audit_head *kept, size_t n_kept, bool *found, int64_t id,
            const unsigned char hash[32])
{
    char hex[65];
    cr_hex_of(hash, 32, hex);
    for (size_t k = 0; k < n_kept; k++) {
        if (kept[k].event == 0 && strcmp(kept[k].hash, hex) == 0)
            found[k] = true;
        if (kept[k].event != id || strcmp(kept[k].hash, hex) == 0)
            continue;
        return cr_fail(db, CR_INVALID,
                       "audit: kept head %lld:%.16s... is not in the trail: event %lld now "
                       "hashes to %.16s...; the trail was rewritten at or before event %lld",
                       (long long)id, kept[k].hash, (long long)id, hex, (long long)id);
    }
    return CR_OK;
}

/* How far, in seconds, an event's time may be before an earlier event's (README). */
#define CR_AUDIT_CLOCK_SLACK 300

/*
 * Events are appended in time order, so an event's time is never much
 * before the latest time of the events before it: by more than
 * CR_AUDIT_CLOCK_SLACK (a clock corrected by NTP, two hosts a little apart),
 * the clock was set back or the time was written by hand.  Against the
 * latest so far, not the one before, so that a trail backdated a little at
 * a time is caught too.
 */
static enum cr_status
check_time(cr_db *db, const struct cr_event *e, int64_t *latest_at, int64_t *latest_id)
{
    if (*latest_id && e->at < *latest_at - CR_AUDIT_CLOCK_SLACK) {
        char at[21], latest[21];
        cr_time_format(e->at, at);
        cr_time_format(*latest_at, latest);
        return cr_fail(db, CR_INVALID,
                       "audit event %lld: its time %s is before event %lld's %s by %lld s, more "
                       "than the %d s a clock may be set back; the clock was set back or the "
                       "time was altered",
                       (long long)e->id, at, (long long)*latest_id, latest,
                       (long long)(*latest_at - e->at), CR_AUDIT_CLOCK_SLACK);
    }
    if (!*latest_id || e->at > *latest_at) {
        *latest_at = e->at;
        *latest_id = e->id;
    }
    return CR_OK;
}

/*
 * Each configuration the database keeps must be the text its digest names:
 * the events carry digests, and the rules in force at any event are read
 * back from these texts.
 */
static enum cr_status
check_config_texts(cr_db *db)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, "SELECT id, digest, text FROM config_versions ORDER BY id",
                                  &st);
    if (!s)
        return st;
    int rc;
    while (st == CR_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        unsigned char hash[32];
        char hex[65];
        crypto_generichash(hash, sizeof hash, sqlite3_column_blob(s, 2),
                           (size_t)sqlite3_column_bytes(s, 2), NULL, 0);
        cr_hex_of(hash, sizeof hash, hex);
        const char *digest = (const char *)sqlite3_column_text(s, 1);
        if (!digest || strcmp(digest, hex) != 0)
            st = cr_fail(db, CR_INVALID,
                         "audit: configuration %lld: its text does not match its digest %.16s...; "
                         "the rules kept in the database were altered",
                         (long long)sqlite3_column_int64(s, 0), digest ? digest : "");
    }
    sqlite3_reset(s);
    return st == CR_OK && rc != SQLITE_DONE ? cr_fail_sql(db, rc, "verify") : st;
}

enum cr_status
sq_audit_verify(cr_db *db, const struct cr_audit_head *kept, size_t n_kept, int64_t *events)
{
    *events = 0;
    enum cr_status st = sql_exec(db, "BEGIN", "verify");
    if (st != CR_OK)
        return st;
    struct cr_replay *replay = cr_replay_new(0);
    bool *found = calloc(n_kept + 1, sizeof *found);
    struct cr_buf why = {0};
    sqlite3_stmt *s = replay && found
                          ? sql_prepare(db,
                                        "SELECT " EVENT_COLUMNS ", prev_hash, hash FROM "
                                        "audit_events ORDER BY id",
                                        &st)
                          : NULL;
    if (!s) {
        sq_rollback(db);
        cr_replay_free(replay);
        free(found);
        return replay && found ? st : cr_fail(db, CR_NOMEM, "out of memory");
    }
    unsigned char prev[32];
    memcpy(prev, zero_hash, 32);
    int64_t expect_id = 1;
    int64_t latest_at = 0, latest_id = 0; /* the latest time so far, and its event */
    int rc;
    while (st == CR_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_event e;
        peek_event(s, &e);
        const void *stored_prev = sqlite3_column_blob(s, 11);
        const void *stored = sqlite3_column_blob(s, 12);
        int prev_len = sqlite3_column_bytes(s, 11), len = sqlite3_column_bytes(s, 12);
        bool keyed = e.id >= sq(db)->keyed_from;
        unsigned char hash[32];
        if (keyed && !sq(db)->have_key) {
            st = cr_fail(db, CR_DB, "%s", sq(db)->key_problem ? sq(db)->key_problem : "no audit key");
            break;
        }
        cr_audit_hash(keyed ? sq(db)->key : NULL, prev, &e, hash);
        if (e.id != expect_id)
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: expected event %lld here; an event was removed or "
                         "renumbered",
                         (long long)e.id, (long long)expect_id);
        else if (prev_len != 32 || memcmp(stored_prev, prev, 32) != 0)
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: it does not follow event %lld (its previous-hash "
                         "differs); events were removed, inserted or reordered",
                         (long long)e.id, (long long)e.id - 1);
        else if (len != 32 || memcmp(stored, hash, 32) != 0 || (!keyed && (e.purpose || e.os_login)))
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: its contents do not match its hash; it was altered",
                         (long long)e.id);
        else if (e.id == sq(db)->keyed_from - 1 && memcmp(hash, sq(db)->anchor, 32) != 0)
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: it is not the event the audit key was made after "
                         "(%s); the events before keying were re-chained",
                         (long long)e.id, sq(db)->key_path);
        else
            st = check_heads(db, kept, n_kept, found, e.id, hash);
        if (st == CR_OK)
            st = check_time(db, &e, &latest_at, &latest_id);
        if (st == CR_OK && (st = cr_replay_event(replay, &e, &why)) != CR_OK)
            st = st == CR_NOMEM ? cr_fail(db, CR_NOMEM, "out of memory")
                                : cr_fail(db, st, "%s", why.p);
        memcpy(prev, hash, 32);
        expect_id++;
        (*events)++;
    }
    sqlite3_reset(s);
    if (st == CR_OK && rc != SQLITE_DONE)
        st = cr_fail_sql(db, rc, "verify");
    if (st == CR_OK) {
        int64_t head_id;
        unsigned char head[32];
        st = audit_head(db, &head_id, head);
        if (st == CR_OK && head_id != *events)
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: missing; the chain's head names event %lld but the "
                         "trail ends at event %lld",
                         (long long)(*events + 1), (long long)head_id, (long long)*events);
        else if (st == CR_OK && memcmp(head, prev, 32) != 0)
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: it does not match the chain's head; the last event "
                         "was altered or replaced",
                         (long long)*events);
        else if (st == CR_OK && *events < sq(db)->keyed_from - 1)
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: missing; the audit key was made after event %lld, "
                         "but the trail ends at event %lld: it was cut short",
                         (long long)(*events + 1), (long long)sq(db)->keyed_from - 1,
                         (long long)*events);
    }
    for (size_t k = 0; st == CR_OK && k < n_kept; k++)
        if (kept[k].event > *events)
            st = cr_fail(db, CR_INVALID,
                         "audit: kept head %lld:%.16s... is not in the trail: it ends at event "
                         "%lld; the trail was cut short or rewritten",
                         (long long)kept[k].event, kept[k].hash, (long long)*events);
    for (size_t k = 0; st == CR_OK && k < n_kept; k++)
        if (kept[k].event == 0 && !found[k])
            st = cr_fail(db, CR_INVALID,
                         "audit: kept head %.16s... is not in the trail: no event of its %lld "
                         "hashes to it; the trail was replaced or rewritten",
                         kept[k].hash, (long long)*events);
    free(found);
    /* The rules, then the data: every case as the trail says it is. */
    if (st == CR_OK)
        st = check_config_texts(db);
    struct compare m = {replay, 0};
    int64_t max_case = 0;
    if (st == CR_OK)
        st = compare_cases(db, &m, &max_case);
    for (int list = 0; st == CR_OK && list < CR_REPLAY_LISTS; list++)
        st = compare_list(db, &m, list, max_case);
    if (st == CR_OK && m.first) {
        cr_replay_free(replay);
        replay = NULL;
        st = explain_case(db, m.first, &why);
        if (st == CR_OK)
            st = cr_fail(db, CR_INVALID, "%s", why.p);
    }
    sq_rollback(db);
    cr_replay_free(replay);
    cr_buf_free(&why);
    if (st != CR_OK)
        *events = 0;
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
