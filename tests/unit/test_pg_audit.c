/*
 * The audit chain on PostgreSQL, sealed by the server with a key that never
 * leaves it (core/pg/audit.c, sql/050-audit.sql; store.h: seals,
 * audit_check, audit_erasure), beside the SQLite engine given the same
 * calls: the events as stored, audit verify passing, and the same message
 * from verify when the same event is altered behind the program's back (as
 * the superuser on PostgreSQL, with sqlite3 on the file); the hashes are
 * HMAC-SHA256 over core's v3 canonical bytes (recomputed here with the key
 * read as the service role); two writers appending at once never fork the
 * chain; a person's role reads neither the key nor the trail and calls none
 * of the internal functions; an erasure's sums and redaction keep the chain
 * verifying, and an erased event altered afterwards is caught.  Run by
 * tests/pg/with-cluster.sh (CASEREVIEW_TEST_PG_URL); skipped (77) without.
 */
#include "../../core/pg/pg.h"
#include "../../core/store.h"
#include "internal.h"

#include <pthread.h>
#include <setjmp.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define T0 1767225600 /* 2026-01-01T00:00:00Z */

static int64_t now = T0;

static int64_t
test_clock(void *ctx)
{
    (void)ctx;
    return now;
}

static const char *url;
static char dir[64], sqpath[128];
static struct cr_config *cfg;
static cr_db *pgdb, *sqdb;
static PGconn *service, *super;

/*
 * The configuration's versions are another section's method (config_texts),
 * not written yet on PostgreSQL: verify reads none there, as the SQLite file
 * here, where nothing was pinned, holds none.
 */
static enum cr_status
no_configs(cr_db *db, int (*each)(void *ctx, const struct cr_config_text *t), void *ctx)
{
    (void)db;
    (void)each;
    (void)ctx;
    return CR_OK;
}
static struct cr_store pg_store;

static PGresult *
run(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType es = PQresultStatus(r);
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    return r;
}

static void
exec(PGconn *c, const char *sql)
{
    PQclear(run(c, sql));
}

/*
 * Keep k as the configuration in force, its text and digest as pinning keeps
 * them (verify checks that the text kept matches its digest).
 */
static void
keep_config(PGconn *c, const struct cr_config *k)
{
    size_t len;
    const char *text = cr_config_text(k, &len);
    const char *v[2] = {k->digest, text};
    int lens[2] = {0, (int)len}, formats[2] = {0, 1};
    PGresult *r = PQexecParams(c,
                               "INSERT INTO casereview.config_versions(digest, text, adopted_at, "
                               "adopted_by, in_force) VALUES ($1, $2, 0, 'system', 1)",
                               2, NULL, v, lens, formats, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("keep the configuration: %s", PQerrorMessage(c));
    PQclear(r);
}

static PGconn *
connect_as(const char *user)
{
    char info[512];
    snprintf(info, sizeof info, "host=%s dbname=cr user=%s", getenv("PGHOST"), user);
    PGconn *c = PQconnectdb(info);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect as %s: %s", user, PQerrorMessage(c));
    return c;
}

static cr_db *
open_pg(void)
{
    struct cr_open_options o;
    cr_open_options_default(&o);
    o.flags = CR_OPEN_CREATE;
    o.clock = test_clock;
    o.store = &pg_store;
    cr_db *db = NULL;
    if (cr_db_open_with(url, &o, &db) != CR_OK)
        fail_msg("open %s: %s", url, db ? cr_db_errmsg(db) : "no handle");
    return db;
}

static void
as_admin(cr_db *db)
{
    cr_db_set_user(db, cfg, cr_config_person(cfg, "cadmin"));
}

static int
setup(void **state)
{
    (void)state;
    url = getenv("CASEREVIEW_TEST_PG_URL");
    if (!url)
        return -1;
    pg_allow_incomplete = true;
    pg_store = cr_store_pg;
    if (!pg_store.config_texts)
        pg_store.config_texts = no_configs;
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    snprintf(dir, sizeof dir, "/tmp/test_pg_audit.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(sqpath, sizeof sqpath, "%s/a.db", dir);
    if (cr_db_open(sqpath, CR_OPEN_CREATE, test_clock, NULL, &sqdb) != CR_OK)
        return -1;
    pgdb = open_pg();
    service = PQconnectdb(url);
    super = connect_as("postgres");
    if (PQstatus(service) != CONNECTION_OK || PQstatus(super) != CONNECTION_OK)
        return -1;
    /* A database made for tests: the handle's clock is the server's (010-base.sql). */
    exec(service, "INSERT INTO casereview.settings VALUES ('test_clock', 'on')");
    /* The digest the events carry is one the database keeps (cr_audit_append checks it). */
    keep_config(service, cfg);
    as_admin(pgdb);
    as_admin(sqdb);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    cr_db_close(pgdb);
    cr_db_close(sqdb);
    PQfinish(service);
    PQfinish(super);
    cr_config_free(cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Append one event through core on the handle, in a transaction of its own. */
static void
append(cr_db *db, int64_t case_id, const char *action, const char *details)
{
    assert_int_equal(st_begin(db), CR_OK);
    if (cr_audit_chain(db, case_id, action, NULL, NULL, details) != CR_OK)
        fail_msg("append %s: %s", action, cr_db_errmsg(db));
    assert_int_equal(st_commit(db), CR_OK);
}

static void
both(int64_t case_id, const char *action, const char *details)
{
    append(sqdb, case_id, action, details);
    append(pgdb, case_id, action, details);
}

/* The events as a text, one a line (os_login aside: PostgreSQL's is session_user). */
static int
event_line(void *ctx, const struct cr_event *e)
{
    struct cr_buf *b = ctx;
    cr_buf_addf(b, "%lld|%lld|%s|%lld|%s|%s|%s|%s|%s|%s\n", (long long)e->id, (long long)e->at,
                e->actor, (long long)e->case_id, e->action, e->state_before ? e->state_before : "~",
                e->state_after ? e->state_after : "~", e->details, e->config_digest,
                e->purpose ? e->purpose : "~");
    return 0;
}

static char *
events_of(cr_db *db, const struct cr_audit_filter *f)
{
    struct cr_buf b = {0};
    int64_t last = 0, n = 0;
    assert_int_equal(st_audit_last(db, &last), CR_OK);
    if (st_audit_scan(db, f, 0, last, event_line, &b, &n) != CR_OK)
        fail_msg("scan: %s", cr_db_errmsg(db));
    cr_buf_addc(&b, '\n');
    return b.p;
}

static enum cr_status
verify(cr_db *db, char *msg, size_t n)
{
    int64_t events = 0;
    enum cr_status st = cr_audit_verify(db, &events);
    snprintf(msg, n, "%s", st == CR_OK ? "" : cr_db_errmsg(db));
    return st;
}

static void
verify_ok(cr_db *db)
{
    char msg[1024];
    if (verify(db, msg, sizeof msg) != CR_OK)
        fail_msg("verify (%s): %s", cr_db_engine(db), msg);
}

/* The same events through both engines: stored alike, and each chain verifies. */
static void
test_append_alike(void **state)
{
    (void)state;
    both(0, "view", "{\"view\": \"queue\"}");
    now += 7;
    assert_int_equal(cr_db_set_purpose(sqdb, "Vetting check"), CR_OK);
    assert_int_equal(cr_db_set_purpose(pgdb, "Vetting check"), CR_OK);
    both(0, "export", "{\"stage\": \"begin\", \"name\": \"Łódź Zoë 名前\"}");
    assert_int_equal(cr_db_set_purpose(sqdb, NULL), CR_OK);
    assert_int_equal(cr_db_set_purpose(pgdb, NULL), CR_OK);
    now += 60;
    both(0, "view", "{}");
    char *a = events_of(sqdb, &(struct cr_audit_filter){0});
    char *b = events_of(pgdb, &(struct cr_audit_filter){0});
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* The filters select alike. */
    a = events_of(sqdb, &(struct cr_audit_filter){.action = "export"});
    b = events_of(pgdb, &(struct cr_audit_filter){.action = "export"});
    assert_string_equal(a, b);
    assert_non_null(strstr(b, "Vetting check"));
    free(a);
    free(b);
    a = events_of(sqdb, &(struct cr_audit_filter){.since = T0 + 7, .until = T0 + 60});
    b = events_of(pgdb, &(struct cr_audit_filter){.since = T0 + 7, .until = T0 + 60});
    assert_string_equal(a, b);
    free(a);
    free(b);
    char da[65], db_[65];
    bool anya, anyb;
    assert_int_equal(st_audit_last_digest(sqdb, da, &anya), CR_OK);
    assert_int_equal(st_audit_last_digest(pgdb, db_, &anyb), CR_OK);
    assert_true(anya && anyb);
    assert_string_equal(da, db_);
    verify_ok(sqdb);
    verify_ok(pgdb);
    /* The key is the server's: core is told so, and never given it. */
    struct cr_audit_key k;
    assert_int_equal(st_audit_key(pgdb, &k), CR_OK);
    assert_false(k.have);
    assert_true(st_audit_seals(pgdb));
    assert_false(st_audit_seals(sqdb));
}

/* F(t) of the canonical form, fed to the HMAC. */
static void
put(crypto_auth_hmacsha256_state *h, const char *s)
{
    if (!s) {
        crypto_auth_hmacsha256_update(h, (const unsigned char *)"~,", 2);
        return;
    }
    char len[32];
    int k = snprintf(len, sizeof len, "%zu:", strlen(s));
    crypto_auth_hmacsha256_update(h, (const unsigned char *)len, (size_t)k);
    crypto_auth_hmacsha256_update(h, (const unsigned char *)s, strlen(s));
    crypto_auth_hmacsha256_update(h, (const unsigned char *)",", 1);
}

static void
put_num(crypto_auth_hmacsha256_state *h, const char *s)
{
    put(h, s && *s ? s : "0");
}

/* The server's hashes are HMAC-SHA256 over core's v3 bytes, with the key it keeps. */
static void
test_hmac_form(void **state)
{
    (void)state;
    PGresult *r = run(service, "SELECT encode(key, 'hex') FROM casereview.audit_key");
    unsigned char key[32];
    assert_true(cr_unhex(PQgetvalue(r, 0, 0), key, 32));
    PQclear(r);
    r = run(service, "SELECT value FROM casereview.settings WHERE key = 'audit_chain'");
    assert_string_equal(PQgetvalue(r, 0, 0), "v3-hmac");
    PQclear(r);
    r = run(service, "SELECT e.id, e.at, e.actor, e.case_id, e.action, e.state_before, "
                     "e.state_after, e.details, e.config_digest, e.purpose, e.os_login, "
                     "encode(e.prev_hash, 'hex'), encode(e.hash, 'hex'), d.digest "
                     "FROM casereview.audit_events e JOIN casereview.audit_digests d "
                     "ON d.event = e.id ORDER BY e.id");
    assert_true(PQntuples(r) >= 3);
    for (int i = 0; i < PQntuples(r); i++) {
#define F(c) (PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c))
        crypto_auth_hmacsha256_state h;
        unsigned char mac[32], prev[32];
        char hex[65];
        crypto_auth_hmacsha256_init(&h, key, 32);
        crypto_auth_hmacsha256_update(&h, (const unsigned char *)"casereview-details-v3,", 22);
        put(&h, F(7));
        crypto_auth_hmacsha256_final(&h, mac);
        cr_hex_of(mac, 32, hex);
        assert_string_equal(hex, F(13));
        assert_true(cr_unhex(F(11), prev, 32));
        crypto_auth_hmacsha256_init(&h, key, 32);
        crypto_auth_hmacsha256_update(&h, (const unsigned char *)"casereview-audit-v3,", 20);
        crypto_auth_hmacsha256_update(&h, prev, 32);
        put_num(&h, F(0));
        put_num(&h, F(1));
        put(&h, F(2));
        put_num(&h, F(3));
        put(&h, F(4));
        put(&h, F(5));
        put(&h, F(6));
        put(&h, F(13));
        put(&h, F(8));
        put(&h, F(9));
        if (F(10))
            put(&h, F(10));
        crypto_auth_hmacsha256_final(&h, mac);
        cr_hex_of(mac, 32, hex);
        assert_string_equal(hex, F(12));
        /* os_login is the session's role, not what the program said. */
        assert_string_equal(F(10), "casereview");
#undef F
    }
    PQclear(r);
    sodium_memzero(key, sizeof key);
}

/* Alter the same event on both engines behind the program's back; verify says the same. */
static void
tamper_both(const char *sqlite_sql, const char *pg_sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(sqpath, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, sqlite_sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    exec(super, pg_sql);
}

static void
same_failure(const char *expect)
{
    char a[1024], b[1024];
    assert_int_equal(verify(sqdb, a, sizeof a), CR_INVALID);
    assert_int_equal(verify(pgdb, b, sizeof b), CR_INVALID);
    assert_string_equal(a, b);
    assert_string_equal(b, expect);
}

static void
test_tamper(void **state)
{
    (void)state;
    both(0, "view", "{\"view\": \"case\"}");
    both(0, "view", "{\"view\": \"queue\"}");
    tamper_both("UPDATE audit_events SET details = '{\"view\": \"other\"}' WHERE id = 2",
                "UPDATE casereview.audit_events SET details = '{\"view\": \"other\"}' "
                "WHERE id = 2");
    same_failure("audit event 2: its contents do not match its hash; it was altered");
    /* Put back: both verify again. */
    tamper_both("UPDATE audit_events SET details = "
                "'{\"stage\": \"begin\", \"name\": \"Łódź Zoë 名前\"}' WHERE id = 2",
                "UPDATE casereview.audit_events SET details = "
                "'{\"stage\": \"begin\", \"name\": \"Łódź Zoë 名前\"}' WHERE id = 2");
    verify_ok(sqdb);
    verify_ok(pgdb);
    /* The time moved by a second, the actor renamed: its hash no longer matches. */
    tamper_both("UPDATE audit_events SET at = at + 1 WHERE id = 3",
                "UPDATE casereview.audit_events SET at = at + 1 WHERE id = 3");
    same_failure("audit event 3: its contents do not match its hash; it was altered");
    tamper_both("UPDATE audit_events SET at = at - 1 WHERE id = 3",
                "UPDATE casereview.audit_events SET at = at - 1 WHERE id = 3");
    tamper_both("UPDATE audit_events SET actor = 'asmith' WHERE id = 4",
                "UPDATE casereview.audit_events SET actor = 'asmith' WHERE id = 4");
    same_failure("audit event 4: its contents do not match its hash; it was altered");
    tamper_both("UPDATE audit_events SET actor = 'cadmin' WHERE id = 4",
                "UPDATE casereview.audit_events SET actor = 'cadmin' WHERE id = 4");
    verify_ok(pgdb);
    /* A digest altered to match altered details: the key is not the writer's. */
    tamper_both("UPDATE audit_digests SET digest = '"
                "00000000000000000000000000000000"
                "00000000000000000000000000000000' WHERE event = 5",
                "UPDATE casereview.audit_digests SET digest = '"
                "0000000000000000000000000000000000000000000000000000000000000000' "
                "WHERE event = 5");
    same_failure("audit event 5: its contents do not match its hash; it was altered");
    /* An event removed: the one after it says so first, on both. */
    tamper_both("DELETE FROM audit_events WHERE id = 4",
                "DELETE FROM casereview.audit_events WHERE id = 4");
    same_failure("audit event 5: expected event 4 here; an event was removed or renumbered");
}

/* Two writers at once, each begin/append/commit 200 times: one chain, ids dense. */
struct writer {
    int n;
    char err[512];
};

static void *
writer_run(void *arg)
{
    struct writer *w = arg;
    struct cr_open_options o;
    cr_open_options_default(&o);
    o.clock = test_clock;
    o.store = &pg_store;
    cr_db *db = NULL;
    if (cr_db_open_with(url, &o, &db) != CR_OK) {
        snprintf(w->err, sizeof w->err, "open: %s", db ? cr_db_errmsg(db) : "");
        cr_db_close(db);
        return NULL;
    }
    for (int i = 0; i < 200; i++) {
        enum cr_status st = st_begin(db);
        if (st == CR_OK && (st = cr_audit_chain(db, 0, "view", NULL, NULL, "{}")) == CR_OK)
            st = st_commit(db);
        else if (st == CR_OK)
            st_rollback(db);
        if (st != CR_OK) {
            snprintf(w->err, sizeof w->err, "append %d: %s", i, cr_db_errmsg(db));
            break;
        }
        w->n++;
    }
    cr_db_close(db);
    return NULL;
}

static void
test_concurrent(void **state)
{
    (void)state;
    /* A trail of its own: the tampering above is left behind. */
    exec(service, "TRUNCATE casereview.audit_events, casereview.audit_digests");
    exec(service, "UPDATE casereview.settings SET value = '0:' || repeat('00', 32) "
                  "WHERE key = 'audit_head'");
    struct writer w[2] = {0};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, writer_run, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++)
        if (w[i].err[0])
            fail_msg("writer %d: %s", i, w[i].err);
    assert_int_equal(w[0].n + w[1].n, 400);
    PGresult *r;
    r = run(service, "SELECT count(*), min(id), max(id), count(*) FILTER (WHERE prev_hash "
                     "<> coalesce(l, decode(repeat('00', 32), 'hex'))) FROM (SELECT id, "
                     "prev_hash, lag(hash) OVER (ORDER BY id) AS l FROM "
                     "casereview.audit_events) x");
    assert_string_equal(PQgetvalue(r, 0, 0), "400");
    assert_string_equal(PQgetvalue(r, 0, 1), "1");
    assert_string_equal(PQgetvalue(r, 0, 2), "400");
    assert_string_equal(PQgetvalue(r, 0, 3), "0");
    PQclear(r);
    r = run(service, "SELECT count(*) FROM casereview.cr_audit_check(1)");
    assert_string_equal(PQgetvalue(r, 0, 0), "0");
    PQclear(r);
    verify_ok(pgdb);
}

/* What a statement as rev1 gives: its SQLSTATE ("" when it ran). */
static char state_of[8];
static const char *
as_person(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType es = PQresultStatus(r);
    const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(state_of, sizeof state_of, "%s",
             es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK ? ""
             : s                                             ? s
                                                             : "?");
    PQclear(r);
    return state_of;
}

static void
test_person(void **state)
{
    (void)state;
    exec(super, "CREATE ROLE rev1 LOGIN");
    exec(super, "GRANT CONNECT ON DATABASE cr TO rev1");
    exec(service, "INSERT INTO casereview.people(login, roles) VALUES ('rev1', 1), "
                  "('cadmin', 4)");
    PGconn *c = connect_as("rev1");
    /* The key and the trail's tables: no privilege at all. */
    assert_string_equal(as_person(c, "SELECT * FROM casereview.audit_key"), "42501");
    assert_string_equal(as_person(c, "SELECT * FROM casereview.audit_events"), "42501");
    assert_string_equal(as_person(c, "UPDATE casereview.audit_events SET details = '{}'"), "42501");
    assert_string_equal(as_person(c, "SELECT * FROM casereview.audit_digests"), "42501");
    assert_string_equal(as_person(c, "SELECT * FROM casereview.settings"), "42501");
    /* The internal hashing functions: no EXECUTE. */
    static const char *const internal[] = {
        "SELECT casereview.cr_audit_secret()",
        "SELECT casereview.cr_audit_field('x')",
        "SELECT casereview.cr_audit_digest('\\x00'::bytea, 'x')",
        "SELECT casereview.cr_audit_erased_by('x')",
        "SELECT casereview.cr_audit_reader('x')",
        "SELECT casereview.cr_audit_next()",
    };
    for (size_t i = 0; i < CR_ARRAY_LEN(internal); i++)
        if (strcmp(as_person(c, internal[i]), "42501") != 0)
            fail_msg("%s as rev1: %s", internal[i], state_of);
    /* The trail's reads and the erasure's writes: the admin's alone. */
    static const char *const admin[] = {
        "SELECT * FROM casereview.cr_audit_chain(0, 0, 10)",
        "SELECT * FROM casereview.cr_audit_scan(0, 100, NULL, NULL, NULL, NULL, NULL)",
        "SELECT * FROM casereview.cr_audit_check(1)",
        "SELECT * FROM casereview.cr_case_rows(1, 10)",
        "SELECT casereview.cr_case_rows_last()",
        "SELECT casereview.cr_audit_head()",
        "SELECT * FROM casereview.cr_closed_cases(0)",
        "SELECT * FROM casereview.cr_audit_erasure(1, 2)",
        "SELECT casereview.cr_audit_redact(1, '{\"erased\": 401}')",
        "SELECT * FROM casereview.cr_erase_case(1, 401, 'x')",
    };
    for (size_t i = 0; i < CR_ARRAY_LEN(admin); i++)
        if (strcmp(as_person(c, admin[i]), "CR403") != 0)
            fail_msg("%s as rev1: %s", admin[i], state_of);
    /* An event in another's name is refused; in one's own, it is sealed as the server's. */
    assert_string_equal(as_person(c, "SELECT casereview.cr_audit_append('cadmin', 0, 'view', "
                                     "NULL, NULL, '{}', '', NULL)"),
                        "CR403");
    assert_string_equal(as_person(c, "SELECT casereview.cr_audit_append('rev1', 0, 'view', "
                                     "NULL, NULL, '{}', '', NULL)"),
                        "");
    /* An erasure's record is the admin's. */
    assert_string_equal(as_person(c, "SELECT casereview.cr_audit_append('rev1', 0, 'purge', "
                                     "NULL, NULL, '{}', '', NULL)"),
                        "CR403");
    PQfinish(c);
    PGresult *r = run(service, "SELECT actor, os_login FROM casereview.audit_events "
                               "ORDER BY id DESC LIMIT 1");
    assert_string_equal(PQgetvalue(r, 0, 0), "rev1");
    assert_string_equal(PQgetvalue(r, 0, 1), "rev1");
    PQclear(r);
    verify_ok(pgdb);
}

/*
 * Erasure round trip.  A SQLite database with cases through the workflow
 * (as test_erase.c's: case 1 closed with a note and a rationale, case 2
 * awaiting approval, case 3 flagged) is copied to a fresh PostgreSQL
 * database: its case tables row for row, its events appended again
 * through core (the server seals them, at their times); then the same
 * purge on both, and verify passing on both after it.
 */
static struct cr_config *rcfg;

/*
 * The configuration in force is another section's method (config_in_force),
 * not written yet on PostgreSQL: the retention configuration's, which the
 * copy keeps.
 */
static enum cr_status
in_force(cr_db *db, char digest[65], bool *any)
{
    (void)db;
    snprintf(digest, 65, "%s", rcfg->digest);
    *any = true;
    return CR_OK;
}

static void
step(cr_db *db, const char *login, int64_t id, struct cr_request req)
{
    cr_db_set_user(db, rcfg, cr_config_person(rcfg, login));
    struct cr_act_result res;
    if (cr_act_id(db, id, &req, &res) != CR_OK)
        fail_msg("setup: %s %s %lld: %s", login, cr_action_name(req.action), (long long)id,
                 cr_db_errmsg(db));
}

/* Copy one table's rows (the columns PostgreSQL does not generate) from SQLite. */
static void
copy_table(sqlite3 *s, PGconn *c, const char *table)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM "
             "information_schema.columns WHERE table_schema = 'casereview' AND table_name = "
             "'%s' AND is_generated = 'NEVER'",
             table);
    PGresult *r = run(c, sql);
    char cols[512];
    snprintf(cols, sizeof cols, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY rowid", cols, table);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s, sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(s));
    int n = sqlite3_column_count(q);
    char ins[1024];
    int k = snprintf(ins, sizeof ins, "INSERT INTO casereview.%s(%s) VALUES (", table, cols);
    for (int i = 0; i < n; i++)
        k += snprintf(ins + k, sizeof ins - (size_t)k, "%s$%d", i ? ", " : "", i + 1);
    snprintf(ins + k, sizeof ins - (size_t)k, ")");
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *v[32];
        for (int i = 0; i < n; i++)
            v[i] = (const char *)sqlite3_column_text(q, i);
        r = PQexecParams(c, ins, n, NULL, v, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            fail_msg("%s: %s", ins, PQerrorMessage(c));
        PQclear(r);
    }
    sqlite3_finalize(q);
}

/* Each SQLite event appended again on PostgreSQL, by its actor, at its time. */
static int
again(void *ctx, const struct cr_audit_link *l)
{
    cr_db *to = ctx;
    const struct cr_event *e = &l->e;
    now = e->at;
    const struct cr_person *p = cr_config_person(rcfg, e->actor);
    cr_db_set_user(to, p ? rcfg : NULL, p);
    assert_int_equal(cr_db_set_purpose(to, e->purpose), CR_OK);
    assert_int_equal(st_begin(to), CR_OK);
    if (cr_audit_chain(to, e->case_id, e->action, e->state_before, e->state_after, e->details) !=
        CR_OK)
        fail_msg("again %lld: %s", (long long)e->id, cr_db_errmsg(to));
    assert_int_equal(st_commit(to), CR_OK);
    return 0;
}

/* The case tables as verify reads them, as text. */
static int
rows_line(void *ctx, const struct cr_case_rows *c)
{
    struct cr_buf *b = ctx;
    cr_buf_addf(b, "case %lld %d %s %s %s %s %s %d %d %d\n", (long long)c->id, c->in_cases,
                c->state ? c->state : "~", c->outcome ? c->outcome : "~",
                c->assignee ? c->assignee : "~", c->decided_by ? c->decided_by : "~",
                c->rationale ? c->rationale : "~", c->vetting_review, c->round, c->panel_round);
    for (int k = 0; k < CR_REPLAY_LISTS; k++)
        for (size_t i = 0; i < c->n[k]; i++) {
            const struct cr_case_list_row *r = &c->rows[k][i];
#define S(x) ((x) ? (x) : "~")
            cr_buf_addf(b, "  %d: %d %d %s %s %s %s %s %s %s %s %d\n", k, r->round,
                        r->vetting_review, S(r->who), S(r->kind), S(r->what), S(r->text),
                        S(r->removed_by), S(r->removed_reason), S(r->date), S(r->qa_by), r->draw);
#undef S
        }
    return 0;
}

static char *
rows_of(cr_db *db)
{
    struct cr_buf b = {0};
    if (st_case_rows(db, 0, rows_line, &b) != CR_OK)
        fail_msg("case rows: %s", cr_db_errmsg(db));
    cr_buf_addc(&b, '\n');
    return b.p;
}

static enum cr_status
closed_line(void *ctx, const struct cr_closed_case *c)
{
    cr_buf_addf(ctx, "%lld %d %lld %lld\n", (long long)c->id, c->outcome, (long long)c->closed_at,
                (long long)c->erased);
    return CR_OK;
}

static char *
closed_of(cr_db *db, int64_t before)
{
    struct cr_buf b = {0};
    assert_int_equal(st_closed_cases(db, before, closed_line, &b), CR_OK);
    cr_buf_addc(&b, '\n');
    return b.p;
}

/* The events, with the erasure's keyed sums (BLAKE2b on one, HMAC on the other) masked. */
static char *
masked_events(cr_db *db)
{
    char *t = events_of(db, &(struct cr_audit_filter){0});
    static const char *const keys[] = {"\"redacted\": \"", "\"digest\": \""};
    for (size_t k = 0; k < CR_ARRAY_LEN(keys); k++)
        for (char *p = t; (p = strstr(p, keys[k])) != NULL;) {
            p += strlen(keys[k]);
            for (; *p && *p != '"'; p++)
                *p = 'x';
        }
    return t;
}

static void
mask_hex(char *msg)
{
    char *p = strstr(msg, "digest ");
    if (p)
        for (p += 7; *p && *p != '.'; p++)
            *p = 'x';
}

static void
test_erase_round_trip(void **state)
{
    (void)state;
    /* A database of its own on each engine. */
    exec(super, "CREATE DATABASE cr2 OWNER casereview");
    char url2[512];
    snprintf(url2, sizeof url2, "host=%s dbname=cr2 user=casereview", getenv("PGHOST"));
    char yaml[160], cmd[512], path[160];
    snprintf(yaml, sizeof yaml, "%s/r.yaml", dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && printf 'retention:\\n  closed_years: 1\\n' >>'%s'",
             FIXTURES "/config/good.yaml", yaml, yaml);
    assert_int_equal(system(cmd), 0);
    cr_diags *d = NULL;
    assert_int_equal(cr_config_load(yaml, &rcfg, &d), CR_OK);
    cr_diags_free(d);
    snprintf(path, sizeof path, "%s/r.db", dir);
    now = T0;
    cr_db *sq = NULL, *pgr = NULL;
    assert_int_equal(cr_db_open(path, CR_OPEN_CREATE, test_clock, NULL, &sq), CR_OK);
    cr_db_set_user(sq, rcfg, cr_config_person(rcfg, "cadmin"));
    static const char csv[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "E1,Ashgrove,Tom,officer,PC,Central,full,C1,domestic_violence,2019-01-01,complaint,NFA,"
        "Summary Goneword\n"
        "E2,Birch,Ann,officer,PC,Central,full,C2,domestic_violence,2019-01-02,complaint,NFA,two\n"
        "E3,Cole,Ben,officer,PC,North,full,C3,domestic_violence,2019-01-03,complaint,NFA,three\n";
    FILE *in = fmemopen((void *)csv, sizeof csv - 1, "rb");
    struct cr_import_result ir;
    assert_int_equal(cr_import_csv(sq, in, "e.csv", 0, &ir, &d), CR_OK);
    cr_diags_free(d);
    fclose(in);
    static const struct cr_request claim = {.action = CR_ACTION_CLAIM};
    static const struct cr_request reassess = {.action = CR_ACTION_DECIDE,
                                               .outcome = CR_OUTCOME_REASSESS,
                                               .rationale = "Rationale Secretword"};
    static const struct cr_request approve = {.action = CR_ACTION_APPROVE};
    static const struct cr_request note = {.action = CR_ACTION_NOTE, .text = "Note Hiddenword"};
    step(sq, "asmith", 1, claim);
    step(sq, "asmith", 1, note);
    step(sq, "asmith", 1, reassess);
    step(sq, "bjones", 1, approve);
    step(sq, "asmith", 2, claim);
    step(sq, "asmith", 2, reassess);

    /* The copy: tables row for row, events sealed again by the server. */
    struct cr_open_options o;
    cr_open_options_default(&o);
    o.flags = CR_OPEN_CREATE;
    o.clock = test_clock;
    o.store = &pg_store;
    pg_store.config_in_force = pg_store.config_in_force ? pg_store.config_in_force : in_force;
    if (cr_db_open_with(url2, &o, &pgr) != CR_OK)
        fail_msg("open cr2: %s", cr_db_errmsg(pgr));
    PGconn *c = PQconnectdb(url2);
    exec(c, "INSERT INTO casereview.settings VALUES ('test_clock', 'on')");
    keep_config(c, rcfg);
    sqlite3 *s;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    static const char *const tables[] = {
        "imports",    "subjects",  "cases",     "allegations",      "notes",
        "votes",      "decisions", "approvals", "superseded_votes", "case_links",
        "follow_ups", "qa",        "erasures"};
    for (size_t i = 0; i < CR_ARRAY_LEN(tables); i++)
        copy_table(s, c, tables[i]);
    sqlite3_close(s);
    exec(c, "INSERT INTO casereview.case_search(case_id, doc) SELECT d.id, "
            "casereview.search_vector(d.subject || ' ' || d.allegations) "
            "FROM casereview.case_documents d");
    assert_int_equal(st_audit_chain(sq, 0, 0, again, pgr), CR_OK);
    cr_db_set_user(sq, rcfg, cr_config_person(rcfg, "cadmin"));
    cr_db_set_user(pgr, rcfg, cr_config_person(rcfg, "cadmin"));
    assert_int_equal(cr_db_set_purpose(pgr, NULL), CR_OK);
    char *a = masked_events(sq), *b = masked_events(pgr);
    assert_string_equal(a, b);
    free(a);
    free(b);
    a = rows_of(sq);
    b = rows_of(pgr);
    assert_string_equal(a, b);
    free(a);
    free(b);
    verify_ok(sq);
    verify_ok(pgr);

    /* The same purge on both: the same cases, counts, rows and events, and both verify. */
    now = T0 + 2 * 365 * 86400;
    a = closed_of(sq, T0 + 86400);
    b = closed_of(pgr, T0 + 86400);
    assert_string_equal(a, b);
    assert_non_null(strstr(b, "1 1 "));
    free(a);
    free(b);
    struct cr_purge_result ra, rb;
    if (cr_purge(sq, T0 + 86400, "MoPI review", false, &ra) != CR_OK)
        fail_msg("purge sqlite: %s", cr_db_errmsg(sq));
    if (cr_purge(pgr, T0 + 86400, "MoPI review", false, &rb) != CR_OK)
        fail_msg("purge postgresql: %s", cr_db_errmsg(pgr));
    assert_int_equal(ra.n_erased, 1);
    assert_int_equal(rb.n_erased, ra.n_erased);
    assert_int_equal(rb.erased[0], ra.erased[0]);
    assert_int_equal(rb.events, ra.events);
    assert_int_equal(rb.allegations, ra.allegations);
    assert_int_equal(rb.texts, ra.texts);
    assert_int_equal(rb.subjects, ra.subjects);
    assert_string_equal(rb.finish_problem, "");
    cr_purge_result_free(&ra);
    cr_purge_result_free(&rb);
    a = masked_events(sq);
    b = masked_events(pgr);
    assert_string_equal(a, b);
    assert_null(strstr(b, "Goneword"));
    free(a);
    free(b);
    a = rows_of(sq);
    b = rows_of(pgr);
    assert_string_equal(a, b);
    /* Case 1's rows keep no word of its text (case 2, not erased, keeps its rationale). */
    char *two = strstr(b, "case 2 ");
    assert_non_null(two);
    *two = '\0';
    assert_null(strstr(b, "Secretword"));
    assert_null(strstr(b, "Hiddenword"));
    assert_non_null(strstr(b, CR_ERASED_TEXT));
    free(a);
    free(b);
    a = closed_of(sq, T0 + 86400);
    b = closed_of(pgr, T0 + 86400);
    assert_string_equal(a, b);
    free(a);
    free(b);
    PGresult *r = run(c, "SELECT s.ref, s.surname, x.doc::text FROM casereview.subjects s, "
                         "casereview.case_search x WHERE s.id = 1 AND x.case_id = 1");
    assert_string_equal(PQgetvalue(r, 0, 0), "erased-1");
    assert_string_equal(PQgetvalue(r, 0, 1), CR_ERASED_TEXT);
    assert_null(strstr(PQgetvalue(r, 0, 2), "goneword"));
    assert_null(strstr(PQgetvalue(r, 0, 2), "ashgrove"));
    PQclear(r);
    verify_ok(sq);
    verify_ok(pgr);

    /* An erased event altered afterwards: caught at its erasure, as on SQLite. */
    int64_t first = 0;
    r = run(c, "SELECT min(id) FROM casereview.audit_events WHERE details LIKE "
               "'{\"erased\": %' AND details LIKE '%[erased]%'");
    first = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    assert_true(first > 0);
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE audit_events SET details = replace(details, '[erased]', 'Goneword') "
             "WHERE id = %lld",
             (long long)first);
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    snprintf(sql, sizeof sql,
             "UPDATE casereview.audit_events SET details = replace(details, '[erased]', "
             "'Goneword') WHERE id = %lld",
             (long long)first);
    snprintf(cmd, sizeof cmd, "host=%s dbname=cr2 user=postgres", getenv("PGHOST"));
    PGconn *su = PQconnectdb(cmd);
    exec(su, sql);
    PQfinish(su);
    char ma[1024], mb[1024];
    assert_int_equal(verify(sq, ma, sizeof ma), CR_INVALID);
    assert_int_equal(verify(pgr, mb, sizeof mb), CR_INVALID);
    assert_non_null(strstr(mb, "events marked as erased by it do not match what it recorded"));
    mask_hex(ma);
    mask_hex(mb);
    assert_string_equal(ma, mb);
    PQfinish(c);
    cr_db_close(sq);
    cr_db_close(pgr);
    cr_config_free(rcfg);
}

int
main(void)
{
    if (!getenv("CASEREVIEW_TEST_PG_URL")) {
        printf("CASEREVIEW_TEST_PG_URL is not set (tests/pg/with-cluster.sh sets it); skipped\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_alike), cmocka_unit_test(test_hmac_form),
        cmocka_unit_test(test_tamper),       cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_person),       cmocka_unit_test(test_erase_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
