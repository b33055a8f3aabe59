/*
 * The part of SQLite's API that tests/unit/test_workflow.c uses to look at
 * a database from outside (as the sqlite3 shell would), for the build of
 * that test against the in-memory engine ('workflow memory'): shell.c
 * answers the few statements the test runs from the engine's tables, so
 * that the same test source, unchanged, checks both engines.  Anything
 * else it is asked fails, naming what it cannot read.  Found before the
 * real sqlite3.h only by that test executable (tests/meson.build).
 */
#ifndef CASEREVIEW_TEST_MEMORY_SQLITE3_H
#define CASEREVIEW_TEST_MEMORY_SQLITE3_H

#include <stdint.h>

#define SQLITE_OK 0
#define SQLITE_ERROR 1
#define SQLITE_CANTOPEN 14
#define SQLITE_ROW 100
#define SQLITE_DONE 101

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

int sqlite3_open(const char *path, sqlite3 **out);
int sqlite3_close(sqlite3 *s);
const char *sqlite3_errmsg(sqlite3 *s);
int sqlite3_prepare_v2(sqlite3 *s, const char *sql, int n, sqlite3_stmt **out, const char **tail);
int sqlite3_step(sqlite3_stmt *st);
int64_t sqlite3_column_int64(sqlite3_stmt *st, int col);
int sqlite3_finalize(sqlite3_stmt *st);
int sqlite3_exec(sqlite3 *s, const char *sql, int (*cb)(void *, int, char **, char **), void *ctx,
                 char **err);

#endif
