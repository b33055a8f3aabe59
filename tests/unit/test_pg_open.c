/*
 * The PostgreSQL engine's handle (core/pg/db.c, schema.c, sql/010-base.sql),
 * on a throwaway cluster (tests/pg/with-cluster.sh gives
 * CASEREVIEW_TEST_PG_URL, a fresh database owned by the service role, and
 * PGHOST): which names open it, installing the schema as the owner only,
 * refusing a database that is not ours or is newer, discarding what init
 * made, the write lock (busy after its wait), notifications of others'
 * commits, the server's clock, and a person's role holding no privilege on
 * a table.
 */
#include "../../core/pg/pg.h"
#include "internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static int64_t now = 1767225600;

static int64_t
fixed_clock(void *ctx)
{
    return *(const int64_t *)ctx;
}

static const char *host;

/* The connection string of database name as role user. */
static const char *
url(const char *name, const char *user)
{
    static char buf[4][512];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "postgresql:///%s?host=%s&user=%s", name, host, user);
    return b;
}

/* Run SQL as the cluster's superuser on database name; returns the first value or "". */
static char *
super(const char *name, const char *sql)
{
    static char out[256];
    char info[512];
    snprintf(info, sizeof info, "dbname=%s host=%s user=postgres", name, host);
    PGconn *c = PQconnectdb(info);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    ExecStatusType es = PQresultStatus(r);
    if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    snprintf(out, sizeof out, "%s",
             es == PGRES_TUPLES_OK && PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
    return out;
}

static enum cr_status
open_db(const char *info, unsigned flags, cr_db **db)
{
    return cr_db_open(info, flags, fixed_clock, &now, db);
}

static int
setup(void **state)
{
    (void)state;
    host = getenv("PGHOST");
    if (!host || !getenv("CASEREVIEW_TEST_PG_URL"))
        return -1;
    pg_allow_incomplete = true;
    super("postgres", "CREATE ROLE rev1 LOGIN");
    return 0;
}

static void
test_names(void **state)
{
    (void)state;
    assert_true(cr_db_names_server("postgresql:///cr"));
    assert_true(cr_db_names_server("postgres://u@h/cr"));
    assert_true(cr_db_names_server("postgres:dbname=cr host=/tmp"));
    assert_true(cr_db_names_server("host=/tmp dbname=cr"));
    assert_true(cr_db_names_server("dbname = cr"));
    assert_false(cr_db_names_server("casereview.db"));
    assert_false(cr_db_names_server("/srv/reviews/postgresql.db"));
    assert_false(cr_db_names_server("hosts=x.db"));
    assert_false(cr_db_names_server("./host=x.db"));
}

/* Expect the handle's message to be exactly text, with its %s the cluster's socket directory. */
static void
expect_msg(cr_db *db, const char *text)
{
    const char *at = strstr(text, "%s");
    assert_non_null(at);
    char want[1024];
    snprintf(want, sizeof want, "%.*s%s%s", (int)(at - text), text, host, at + 2);
    assert_string_equal(cr_db_errmsg(db), want);
}

static void
test_install(void **state)
{
    (void)state;
    super("postgres", "CREATE DATABASE inst OWNER casereview");
    super("postgres", "GRANT CONNECT ON DATABASE inst TO rev1");
    cr_db *db;
    /* Not ours yet: opening without creating says how to make it ours. */
    assert_int_equal(open_db(url("inst", "casereview"), 0, &db), CR_DB);
    expect_msg(db, "postgresql database inst on %s: not a casereview database (it has no "
                   "casereview schema); `casereview init` run as its owner (casereview) makes "
                   "it one");
    cr_db_close(db);
    /* A person may not install it: only the owner, the service role. */
    assert_int_equal(open_db(url("inst", "rev1"), CR_OPEN_CREATE, &db), CR_DB);
    expect_msg(db, "postgresql database inst on %s: not a casereview database yet (no schema); "
                   "only its owner (casereview) may change the schema, and you connect as rev1");
    cr_db_close(db);
    assert_string_equal(super("inst", "SELECT count(*) FROM pg_namespace WHERE nspname = "
                                      "'casereview'"),
                        "0");

    /* The owner installs it: created, at the last file's version. */
    assert_int_equal(open_db(url("inst", "casereview"), CR_OPEN_CREATE, &db), CR_OK);
    assert_true(cr_db_created(db));
    assert_string_equal(cr_db_engine(db), "postgresql");
    int latest = pg_steps[pg_step_count - 1].version;
    assert_int_equal(cr_db_schema_version(db), latest);
    char label[256];
    snprintf(label, sizeof label, "postgresql database inst on %s", host);
    assert_string_equal(cr_db_label(db), label);
    cr_db_close(db);
    char v[16];
    snprintf(v, sizeof v, "%d", latest);
    assert_string_equal(super("inst", "SELECT value FROM casereview.settings WHERE key = "
                                      "'schema_version'"),
                        v);
    /* Again: there, not created; a person opens it too. */
    assert_int_equal(open_db(url("inst", "casereview"), CR_OPEN_CREATE, &db), CR_OK);
    assert_false(cr_db_created(db));
    cr_db_close(db);
    assert_int_equal(open_db(url("inst", "rev1"), 0, &db), CR_OK);
    assert_int_equal(cr_db_schema_version(db), latest);
    cr_db_close(db);
    /* PUBLIC can no longer connect; a person's role reads no table. */
    assert_string_equal(super("inst", "SELECT has_database_privilege('public', 'inst', "
                                      "'CONNECT')::text"),
                        "false");
    assert_string_equal(super("inst", "SELECT has_table_privilege('rev1', 'casereview.settings', "
                                      "'SELECT')::text"),
                        "false");
    assert_string_equal(super("inst", "SELECT has_function_privilege('rev1', "
                                      "'casereview.cr_now()', 'EXECUTE')::text"),
                        "false");

    /* A newer schema than this program knows is refused, and left alone. */
    super("inst", "UPDATE casereview.settings SET value = '999' WHERE key = 'schema_version'");
    assert_int_equal(open_db(url("inst", "casereview"), CR_OPEN_CREATE, &db), CR_DB);
    char want[512];
    snprintf(want, sizeof want,
             "postgresql database inst on %%s: schema version 999 is newer than this casereview "
             "knows (%d); use a newer casereview",
             latest);
    expect_msg(db, want);
    cr_db_close(db);
    assert_string_equal(super("inst", "SELECT value FROM casereview.settings WHERE key = "
                                      "'schema_version'"),
                        "999");
}

/* What init made and then refused is undone: the schema goes. */
static void
test_discard(void **state)
{
    (void)state;
    super("postgres", "CREATE DATABASE disc OWNER casereview");
    cr_db *db;
    assert_int_equal(open_db(url("disc", "casereview"), CR_OPEN_CREATE, &db), CR_OK);
    assert_true(cr_db_created(db));
    cr_db_discard(db);
    assert_string_equal(super("disc", "SELECT count(*) FROM pg_namespace WHERE nspname = "
                                      "'casereview'"),
                        "0");
    /* One that was there is kept. */
    assert_int_equal(open_db(url("disc", "casereview"), CR_OPEN_CREATE, &db), CR_OK);
    cr_db_close(db);
    assert_int_equal(open_db(url("disc", "casereview"), CR_OPEN_CREATE, &db), CR_OK);
    cr_db_discard(db);
    assert_string_equal(super("disc", "SELECT count(*) FROM pg_namespace WHERE nspname = "
                                      "'casereview'"),
                        "1");
}

/* Writers take one lock: a second waits its 5 seconds, then the database is busy. */
static void
test_busy(void **state)
{
    (void)state;
    super("postgres", "CREATE DATABASE busy OWNER casereview");
    super("postgres", "GRANT CONNECT ON DATABASE busy TO rev1");
    cr_db *a, *b;
    assert_int_equal(open_db(url("busy", "casereview"), CR_OPEN_CREATE, &a), CR_OK);
    assert_int_equal(open_db(url("busy", "rev1"), 0, &b), CR_OK);
    assert_int_equal(st_begin(a), CR_OK);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(st_begin(b), CR_BUSY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec >= 4);
    expect_msg(b, "postgresql database busy on %s: the database is busy (another user holds "
                  "it); try again");
    assert_int_equal(st_commit(a), CR_OK);
    /* Once it is let go, the other writer has it at once. */
    assert_int_equal(st_begin(b), CR_OK);
    assert_int_equal(st_commit(b), CR_OK);
    cr_db_close(a);
    cr_db_close(b);
}

/*
 * The writers' lock and the migration's are what only the service role may
 * lock: a person's session holding the advisory locks they once were (any
 * session may take an advisory lock) stalls neither a writer nor an upgrade.
 */
static void
test_person_locks(void **state)
{
    (void)state;
    super("postgres", "CREATE DATABASE locks OWNER casereview");
    super("postgres", "GRANT CONNECT ON DATABASE locks TO rev1");
    cr_db *db;
    assert_int_equal(open_db(url("locks", "casereview"), CR_OPEN_CREATE, &db), CR_OK);
    char info[512];
    snprintf(info, sizeof info, "dbname=locks host=%s user=rev1", host);
    PGconn *person = PQconnectdb(info);
    assert_int_equal(PQstatus(person), CONNECTION_OK);
    PGresult *r = PQexec(person, "SELECT pg_advisory_lock(7293104456), "
                                 "pg_advisory_lock(7293104455)");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (st_begin(db) != CR_OK)
        fail_msg("a writer behind a person's advisory lock: %s", cr_db_errmsg(db));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 3);
    assert_int_equal(st_commit(db), CR_OK);
    cr_db_close(db);
    /* An upgrade: the last file's functions gone, the version the one before it. */
    const char *text = pg_steps[pg_step_count - 1].text;
    for (const char *p = strstr(text, "CREATE FUNCTION "); p;
         p = strstr(p + 1, "CREATE FUNCTION ")) {
        char sql[160];
        int n = (int)strcspn(p + 16, "(");
        snprintf(sql, sizeof sql, "DROP FUNCTION casereview.%.*s", n, p + 16);
        super("locks", sql);
    }
    snprintf(info, sizeof info,
             "UPDATE casereview.settings SET value = '%d' WHERE key = 'schema_version'",
             pg_steps[pg_step_count - 2].version);
    super("locks", info);
    /* (A lock the owner waits for past 3 s would be busy, not a test that never ends.) */
    snprintf(info, sizeof info,
             "postgresql:///locks?host=%s&user=casereview&options=-c%%20"
             "lock_timeout%%3D3000",
             host);
    if (open_db(info, 0, &db) != CR_OK)
        fail_msg("an upgrade behind a person's advisory lock: %s", cr_db_errmsg(db));
    assert_int_equal(cr_db_schema_version(db), pg_steps[pg_step_count - 1].version);
    cr_db_close(db);
    /* Nor may the person lock what the writers and the migration lock. */
    r = PQexec(person, "BEGIN; LOCK TABLE casereview.settings IN ROW SHARE MODE");
    assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
    PQclear(r);
    PQfinish(person);
}

/* Others' commits move data_version (the notifications the audit trail sends); one's own do not. */
static void
test_data_version(void **state)
{
    (void)state;
    super("postgres", "CREATE DATABASE dv OWNER casereview");
    cr_db *db;
    assert_int_equal(open_db(url("dv", "casereview"), CR_OPEN_CREATE, &db), CR_OK);
    int64_t v0, v1;
    assert_int_equal(cr_db_data_version(db, &v0), CR_OK);
    super("dv", "NOTIFY casereview_changes, '1'");
    /* Delivered asynchronously: wait for it a little. */
    v1 = v0;
    for (int i = 0; i < 50 && v1 == v0; i++) {
        struct timespec ms = {0, 20 * 1000 * 1000};
        nanosleep(&ms, NULL);
        assert_int_equal(cr_db_data_version(db, &v1), CR_OK);
    }
    assert_true(v1 > v0);
    /* Its own notification is not another's change. */
    assert_int_equal(pg_exec(db, "notify", "NOTIFY casereview_changes, '2'", NULL), CR_OK);
    int64_t v2;
    assert_int_equal(cr_db_data_version(db, &v2), CR_OK);
    assert_int_equal(v2, v1);
    cr_db_close(db);
}

/* The server's clock stamps writes; a database made for tests takes the pinned one. */
static void
test_clock(void **state)
{
    (void)state;
    super("postgres", "CREATE DATABASE clk OWNER casereview");
    cr_db *db;
    assert_int_equal(open_db(url("clk", "casereview"), CR_OPEN_CREATE, &db), CR_OK);
    enum cr_status st;
    assert_int_equal(st_begin(db), CR_OK);
    PGresult *r = pg_query(db, "clock", "SELECT casereview.cr_now()", NULL, &st);
    assert_non_null(r);
    /* Not a test database: the server's own time, whatever the client said. */
    assert_true(pg_int(r, 0, 0) > now + 86400);
    PQclear(r);
    st_rollback(db);
    super("clk", "INSERT INTO casereview.settings VALUES ('test_clock', 'on')");
    assert_int_equal(st_begin(db), CR_OK);
    r = pg_query(db, "clock", "SELECT casereview.cr_now()", NULL, &st);
    assert_non_null(r);
    assert_int_equal(pg_int(r, 0, 0), now);
    PQclear(r);
    st_rollback(db);
    cr_db_close(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),        cmocka_unit_test(test_install),
        cmocka_unit_test(test_discard),      cmocka_unit_test(test_busy),
        cmocka_unit_test(test_data_version), cmocka_unit_test(test_clock),
        cmocka_unit_test(test_person_locks),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
