/*
 * The PostgreSQL schema: install it on an empty database (init, as the
 * database's owner, the service role) and bring an older one up to date,
 * one file of sql/ at a time, each in a transaction of its own under a lock
 * so that two programs never migrate at once.  The version is the number of
 * the last file applied, kept in casereview.settings; a person reads it
 * through casereview.cr_schema_version(), never the table.
 */
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * What serialises migrations.  Of a database with the schema, its settings
 * table, locked EXCLUSIVE (which waits for the writers in flight, whose
 * cr_begin_write locks a row of it, and holds off new ones): only its
 * owner, the service role, may lock it, so no person's session can stall a
 * migration, or the writers, by holding it.  Before the schema exists (the
 * install: no roster yet, no writer to stall), an advisory lock.
 */
static const char migrate_lock[] = "DO $$ BEGIN\n"
                                   "    IF to_regclass('casereview.settings') IS NULL THEN\n"
                                   "        PERFORM pg_advisory_xact_lock(7293104455);\n"
                                   "    ELSE\n"
                                   "        LOCK TABLE casereview.settings IN EXCLUSIVE MODE;\n"
                                   "    END IF;\n"
                                   "END $$";

static int
latest(void)
{
    return pg_step_count ? pg_steps[pg_step_count - 1].version : 0;
}

/* What to run before the first file: the schema, its bookkeeping and who may connect. */
static const char bootstrap[] =
    "CREATE SCHEMA casereview;\n"
    "CREATE TABLE casereview.settings (key text PRIMARY KEY, value text NOT NULL);\n"
    "REVOKE ALL ON SCHEMA casereview FROM PUBLIC;\n"
    "GRANT USAGE ON SCHEMA casereview TO PUBLIC;\n"
    "DO $$ BEGIN EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', "
    "current_database()); END $$;\n";

/* Run statements (a file of sql/): CR_OK, or what failed named by what. */
static enum cr_status
run_script(cr_db *db, const char *what, const char *text)
{
    PGresult *r = PQexec(pg(db)->conn, text);
    ExecStatusType es = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    enum cr_status st = CR_OK;
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK)
        st = pg_fail(db, r, what);
    PQclear(r);
    return st;
}

/* Apply step i (and the bootstrap before it when from is 0), in one transaction. */
static enum cr_status
apply_step(cr_db *db, int from, size_t i)
{
    struct pg_db *p = pg(db);
    const struct pg_step *s = &pg_steps[i];
    enum cr_status st;
    if ((st = pg_exec(db, "migrate", "BEGIN", NULL)) != CR_OK)
        return st;
    st = pg_exec(db, "migrate", migrate_lock, NULL);
    if (st == CR_OK) {
        /* Another program may have migrated while this one waited for the lock. */
        PGresult *r = pg_query(db, "migrate",
                               "SELECT to_regclass('casereview.settings') IS NOT NULL", NULL, &st);
        bool kept = r && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        PQclear(r);
        int now = 0;
        if (r && kept) {
            r = pg_query(db, "migrate",
                         "SELECT coalesce((SELECT value::int FROM casereview.settings "
                         "WHERE key = 'schema_version'), 0)",
                         NULL, &st);
            now = r ? (int)pg_int(r, 0, 0) : 0;
            PQclear(r);
        }
        if (st == CR_OK && now >= s->version) {
            pg_exec(db, "migrate", "COMMIT", NULL);
            return CR_OK;
        }
        if (st == CR_OK && now != from)
            st = cr_fail(db, CR_DB, "%s: the schema changed to version %d while migrating",
                         p->label, now);
    }
    if (st == CR_OK && from == 0 && i == 0)
        st = run_script(db, "install the schema", bootstrap);
    if (st == CR_OK)
        st = pg_exec(db, "migrate",
                     "SELECT set_config('search_path', 'casereview, pg_catalog', true), "
                     "set_config('check_function_bodies', 'off', true)",
                     NULL);
    if (st == CR_OK)
        st = run_script(db, s->name, s->text);
    if (st == CR_OK) {
        struct pg_args a;
        pg_args_init(&a);
        pg_arg_int(&a, s->version);
        st = pg_exec(db, "migrate",
                     "INSERT INTO casereview.settings(key, value) VALUES ('schema_version', $1) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     &a);
        pg_args_free(&a);
    }
    if (st == CR_OK)
        st = pg_exec(db, "migrate", "COMMIT", NULL);
    if (st != CR_OK)
        PQclear(PQexec(p->conn, "ROLLBACK"));
    return st;
}

enum cr_status
pg_schema_open(cr_db *db, bool create)
{
    struct pg_db *p = pg(db);
    enum cr_status st;
    PGresult *r = pg_query(db, "open",
                           "SELECT to_regprocedure('casereview.cr_schema_version()') IS NOT NULL, "
                           "pg_get_userbyid(datdba) = session_user, pg_get_userbyid(datdba), "
                           "session_user FROM pg_database WHERE datname = current_database()",
                           NULL, &st);
    if (!r)
        return st;
    bool ours = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    p->owner = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    char owner[128], me[128];
    snprintf(owner, sizeof owner, "%s", PQgetvalue(r, 0, 2));
    snprintf(me, sizeof me, "%s", PQgetvalue(r, 0, 3));
    PQclear(r);
    int version = 0;
    if (ours) {
        r = pg_query(db, "open", "SELECT casereview.cr_schema_version()", NULL, &st);
        if (!r)
            return st;
        version = (int)pg_int(r, 0, 0);
        PQclear(r);
    } else if (!create) {
        return cr_fail(db, CR_DB,
                       "%s: not a casereview database (it has no casereview schema); "
                       "`casereview init` run as its owner (%s) makes it one",
                       p->label, owner);
    }
    if (version > latest())
        return cr_fail(db, CR_DB,
                       "%s: schema version %d is newer than this casereview knows (%d); "
                       "use a newer casereview",
                       p->label, version, latest());
    if (version < latest() && !p->owner)
        return cr_fail(db, CR_DB,
                       "%s: %s; only its owner (%s) may change the schema, and you connect as %s",
                       p->label,
                       version ? "its schema is older than this casereview's"
                               : "not a casereview database yet (no schema)",
                       owner, me);
    for (size_t i = 0; i < pg_step_count; i++) {
        if (pg_steps[i].version <= version)
            continue;
        if ((st = apply_step(db, version, i)) != CR_OK)
            return st;
        version = pg_steps[i].version;
    }
    p->created = !ours;
    p->version = version;
    return CR_OK;
}
