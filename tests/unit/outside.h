/*
 * The database a unit test works on, seen from outside as an operator sees
 * it: the sqlite3 shell for a file, psql as the cluster's superuser for a
 * PostgreSQL database.  The same test source checks every engine:
 * outside_file.c serves the file engines (SQLite, and the in-memory engine
 * through tests/unit/memory/'s sqlite3.h), outside_pg.c serves PostgreSQL.
 * A database is named by a path; on PostgreSQL each path's base name is a
 * database of its own in the cluster tests/pg/with-cluster.sh started.
 */
#ifndef CASEREVIEW_TEST_OUTSIDE_H
#define CASEREVIEW_TEST_OUTSIDE_H

#include <stdint.h>

struct cr_config;

/*
 * What to give cr_db_open to reach the database at path as login, with cfg
 * the configuration the test uses: the path itself for a file; for
 * PostgreSQL a connection string as the person's own role, after making the
 * database (the schema installed and cfg pinned by the service role, the
 * test clock allowed) when it does not exist yet.  The string lives until
 * the next call.
 */
const char *outside_locator(const char *path, const struct cr_config *cfg, const char *login);

/* The first column of the first row of sql run on the database at path; -1 for no row. */
int64_t outside_int(const char *path, const char *sql);

/* Run sql, a statement that returns no rows, on the database at path. */
void outside_exec(const char *path, const char *sql);

/* Make the database at to a copy of the one at from (to is replaced). */
void outside_copy(const char *from, const char *to);

/* Remove the database at path, if there is one. */
void outside_remove(const char *path);

#endif
