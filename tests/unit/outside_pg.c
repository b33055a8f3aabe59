/*
 * tests/unit/outside.h for PostgreSQL: each path's base name is a database
 * of its own in the throwaway cluster tests/pg/with-cluster.sh started
 * (PGHOST), made and looked at as the cluster's superuser, the way psql
 * would; the program reaches it as each person's own role.  A new database
 * is set up as `casereview init` sets one up: the service role installs
 * the schema and pins the configuration on behalf of the first caller;
 * the test clock is allowed, so the server's times are the test's.
 */
#include "internal.h"
#include "outside.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static PGconn *super; /* the superuser on the cluster's maintenance database */

static const char *
host(void)
{
    const char *h = getenv("PGHOST");
    if (!h || !*h)
        fail_msg("PGHOST is not set: run this test through tests/pg/with-cluster.sh");
    return h;
}

static PGconn *
connect_to(const char *dbname, const char *user)
{
    const char *keys[] = {"host", "dbname", "user", "options", NULL};
    const char *values[] = {host(), dbname, user,
                            "-c search_path=casereview -c client_min_messages=warning", NULL};
    PGconn *c = PQconnectdbParams(keys, values, 0);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect to %s as %s: %s", dbname, user, PQerrorMessage(c));
    return c;
}

/* Run sql as the superuser; returns whether it succeeded, its error in err. */
static bool
run(PGconn *c, const char *sql, char *err, size_t n)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
    if (!ok && err)
        snprintf(err, n, "%s", PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

static void
must(PGconn *c, const char *sql)
{
    char err[512];
    if (!run(c, sql, err, sizeof err))
        fail_msg("%s: %s", sql, err);
}

static PGconn *
superuser(void)
{
    if (!super)
        super = connect_to("postgres", "postgres");
    return super;
}

/* The database for path: "wf_" and its base name without extension, in [a-z0-9_]. */
static void
name_of(const char *path, char *out, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t k = (size_t)snprintf(out, n, "wf_");
    for (const char *p = base; *p && *p != '.' && k + 1 < n; p++)
        out[k++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
    out[k] = 0;
}

static bool
exists(const char *name)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT 1 FROM pg_database WHERE datname = '%s'", name);
    PGresult *r = PQexec(superuser(), sql);
    bool yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    PQclear(r);
    return yes;
}

/* Every login of the roster a role of the cluster (roles are the cluster's, not a database's). */
static void
roles_for(const struct cr_config *cfg)
{
    for (size_t i = 0; i < cfg->n_people; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN "
                 "CREATE ROLE \"%s\" LOGIN; END IF; END$$",
                 cfg->people[i].login, cfg->people[i].login);
        must(superuser(), sql);
    }
}

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return 1767225600;
}

/* Make the database as `casereview init` would, on behalf of login. */
static void
make(const char *name, const struct cr_config *cfg, const char *login)
{
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER casereview", name);
    must(superuser(), sql);
    char url[512];
    snprintf(url, sizeof url, "postgresql:///%s?host=%s&user=casereview", name, host());
    cr_db *db;
    if (cr_db_open(url, CR_OPEN_CREATE, fixed_clock, NULL, &db) != CR_OK)
        fail_msg("open %s as the service role: %s", name, db ? cr_db_errmsg(db) : "?");
    PGconn *c = connect_to(name, "postgres");
    must(c, "INSERT INTO settings (key, value) VALUES ('test_clock', 'on') "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    PQfinish(c);
    const struct cr_person *p = cr_config_person(cfg, login);
    if (!p)
        fail_msg("%s is not on the test's roster", login);
    cr_db_set_user(db, cfg, p);
    if (cr_config_pin(db) != CR_OK)
        fail_msg("pin the configuration on %s: %s", name, cr_db_errmsg(db));
    cr_db_close(db);
}

const char *
outside_locator(const char *path, const struct cr_config *cfg, const char *login)
{
    static char url[512];
    char name[128];
    name_of(path, name, sizeof name);
    roles_for(cfg);
    if (!exists(name))
        make(name, cfg, login);
    snprintf(url, sizeof url, "postgresql:///%s?host=%s&user=%s", name, host(), login);
    return url;
}

int64_t
outside_int(const char *path, const char *sql)
{
    char name[128];
    name_of(path, name, sizeof name);
    PGconn *c = connect_to(name, "postgres");
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    int64_t v = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10)
                : PQntuples(r) > 0                        ? 0
                                                          : -1;
    PQclear(r);
    PQfinish(c);
    return v;
}

void
outside_exec(const char *path, const char *sql)
{
    char name[128];
    name_of(path, name, sizeof name);
    PGconn *c = connect_to(name, "postgres");
    /* From outside, as sqlite3 on a file: the server's check that a change comes with its
     * audit event (audit_pending) is not the editor's. */
    must(c, "BEGIN");
    must(c, sql);
    must(c, "DELETE FROM audit_pending WHERE txid = txid_current()");
    must(c, "COMMIT");
    PQfinish(c);
}

void
outside_remove(const char *path)
{
    char name[128], sql[256];
    name_of(path, name, sizeof name);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    must(superuser(), sql);
}

void
outside_copy(const char *from, const char *to)
{
    char a[128], b[128], sql[512], err[512];
    name_of(from, a, sizeof a);
    name_of(to, b, sizeof b);
    outside_remove(to);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s OWNER casereview", b, a);
    /* The last session on the template may still be leaving. */
    for (int i = 0; !run(superuser(), sql, err, sizeof err); i++) {
        if (i == 100 || !strstr(err, "is being accessed by other users"))
            fail_msg("%s: %s", sql, err);
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    /* Who may connect is the database's, not its contents': copy it too. */
    snprintf(sql, sizeof sql,
             "UPDATE pg_database SET datacl = (SELECT datacl FROM pg_database WHERE datname = "
             "'%s') WHERE datname = '%s'",
             a, b);
    must(superuser(), sql);
}
