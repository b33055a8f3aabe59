/*
 * tests/unit/outside.h for the file engines: SQL through the sqlite3 API
 * (the real library, or tests/unit/memory/'s answers from the in-memory
 * engine's tables), copies and removals of the file and what goes with it.
 */
#include "outside.h"

#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

const char *
outside_locator(const char *path, const struct cr_config *cfg, const char *login)
{
    (void)cfg;
    (void)login;
    return path;
}

int64_t
outside_int(const char *path, const char *sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(s));
    int rc = sqlite3_step(st);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

void
outside_exec(const char *path, const char *sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    if (sqlite3_exec(s, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(s));
    sqlite3_close(s);
}

/* The companions of a database file: its WAL, shared memory and audit key. */
static const char *const suffix[] = {"", "-wal", "-shm", ".key"};

void
outside_remove(const char *path)
{
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

static void
copy_one(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    chmod(to, 0600);
}

void
outside_copy(const char *from, const char *to)
{
    outside_remove(to);
    copy_one(from, to);
    /* The audit key goes with the database. */
    char key_from[512], key_to[512];
    snprintf(key_from, sizeof key_from, "%s.key", from);
    snprintf(key_to, sizeof key_to, "%s.key", to);
    copy_one(key_from, key_to);
}
