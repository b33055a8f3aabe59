/*
 * The SQLite engine's handle: errors, opening and closing, the acting user
 * and transactions.  Every SQL statement of casereview is in core/sqlite/
 * (and the schema in schema.c): the rest of core/ speaks in cases,
 * allegations and counts.
 */
#include "sqlite.h"
#include "schema.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define CR_APPLICATION_ID 0x43525631 /* "CRV1" */
#define CR_BUSY_TIMEOUT_MS 5000
/* Errors */

enum cr_status
cr_fail(cr_db *db, enum cr_status status, const char *fmt, ...)
{
    cr_buf_reset(&db->err);
    va_list ap;
    va_start(ap, fmt);
    char *msg = cr_vformat(fmt, ap);
    va_end(ap);
    if (msg)
        cr_buf_add(&db->err, msg, strlen(msg));
    free(msg);
    return status;
}

static enum cr_status
status_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return CR_BUSY;
    case SQLITE_NOMEM: return CR_NOMEM;
    default: return CR_DB;
    }
}

enum cr_status
cr_fail_sql(cr_db *db, int rc, const char *what)
{
    enum cr_status st = status_of(rc);
    if ((rc & 0xff) == SQLITE_READONLY && db->read_only)
        return st_writable(db);
    if (st == CR_BUSY)
        return cr_fail(db, st, "%s: the database is busy (another user holds it); try again", db->path);
    return cr_fail(db, st, "%s: %s: %s", db->path, what,
                   db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
}

/* A small cache of prepared statements, keyed by their text. */

sqlite3_stmt *
sql_prepare(cr_db *db, const char *sql, enum cr_status *st)
{
    for (size_t i = 0; i < CR_ARRAY_LEN(db->cache); i++) {
        if (db->cache[i].sql && strcmp(db->cache[i].sql, sql) == 0) {
            sqlite3_reset(db->cache[i].stmt);
            sqlite3_clear_bindings(db->cache[i].stmt);
            return db->cache[i].stmt;
        }
    }
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK) {
        *st = cr_fail_sql(db, rc, "prepare");
        return NULL;
    }
    size_t slot = db->cache_next++ % CR_ARRAY_LEN(db->cache);
    sqlite3_finalize(db->cache[slot].stmt);
    free(db->cache[slot].sql);
    db->cache[slot].stmt = stmt;
    db->cache[slot].sql = strdup(sql);
    if (!db->cache[slot].sql) {
        sqlite3_finalize(stmt);
        db->cache[slot].stmt = NULL;
        *st = cr_fail(db, CR_NOMEM, "out of memory");
        return NULL;
    }
    return stmt;
}

enum cr_status
sql_exec(cr_db *db, const char *sql, const char *what)
{
    int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? CR_OK : cr_fail_sql(db, rc, what);
}

int64_t
sql_query_int(cr_db *db, const char *sql, enum cr_status *st)
{
    sqlite3_stmt *s = sql_prepare(db, sql, st);
    if (!s)
        return -1;
    int rc = sqlite3_step(s);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        *st = cr_fail_sql(db, rc, "query");
        v = -1;
    }
    sqlite3_reset(s);
    return v;
}

enum cr_status
st_audit_last(cr_db *db, int64_t *id)
{
    enum cr_status st = CR_OK;
    *id = sql_query_int(db, "SELECT coalesce(max(id), 0) FROM audit_events", &st);
    return st;
}

/* The priority of a case, as an SQL function for recomputing in bulk. */
static void
sql_priority(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int duty = cr_duty_parse((const char *)sqlite3_value_text(argv[0]));
    sqlite3_result_int64(ctx, cr_priority(duty, sqlite3_value_int(argv[1]),
                                          sqlite3_value_int(argv[2]),
                                          (const char *)sqlite3_value_text(argv[3])));
}

/* Opening */

static const unsigned char zero_hash_open[32];

void
hex_of(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

bool
unhex(const char *s, unsigned char *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return false;
    /* Hex digits only: sscanf's %x would take a sign or a space as well. */
    size_t got;
    const char *end;
    return sodium_hex2bin(out, n, s, 2 * n, NULL, &got, &end) == 0 && got == n && end == s + 2 * n;
}

/*
 * The audit key: 32 random bytes in a file beside the database (PATH.key),
 * made with it under the same permission rules.  It also names the first
 * event hashed with it and the hash of the event before, so that a writer
 * of the database alone can neither move where keying began nor re-chain
 * the events from before it.
 */
static enum cr_status
key_create(cr_db *db, bool group, int64_t keyed_from, const unsigned char anchor[32])
{
    if (sodium_init() < 0)
        return cr_fail(db, CR_DB, "%s: cannot make an audit key: no random numbers",
                       db->key_path);
    randombytes_buf(db->key, sizeof db->key);
    db->keyed_from = keyed_from;
    memcpy(db->anchor, anchor, 32);
    if (strcmp(db->path, ":memory:") == 0) {
        db->have_key = true;
        return CR_OK;
    }
    /* The service group only reads the key: nothing in it changes after init. */
    mode_t mode = db->service ? 0640 : group ? 0660 : 0600;
    int fd = open(db->key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0 && errno == EEXIST)
        return cr_fail(db, CR_DB,
                       "%s: an audit key is there already, but %s has no keyed trail yet, so "
                       "the key belongs to another database; move it away and try again",
                       db->key_path, db->path);
    if (fd < 0)
        return cr_fail(db, CR_DB, "%s: cannot create the audit key: %s", db->key_path,
                       strerror(errno));
    db->created_key = true;
    char key[2 * CR_AUDIT_KEY_BYTES + 1], anc[65], text[256];
    hex_of(db->key, sizeof db->key, key);
    hex_of(anchor, 32, anc);
    int n = snprintf(text, sizeof text,
                     "casereview-audit-key 1\nkeyed-from %lld\nanchor %s\nkey %s\n",
                     (long long)keyed_from, anc, key);
    bool ok = fchmod(fd, mode) == 0 && write(fd, text, (size_t)n) == n && fsync(fd) == 0;
    int err = errno;
    sodium_memzero(text, sizeof text);
    sodium_memzero(key, sizeof key);
    if (close(fd) != 0 || !ok)
        return cr_fail(db, CR_DB, "%s: cannot write the audit key: %s", db->key_path,
                       strerror(ok ? errno : err));
    db->have_key = true;
    return CR_OK;
}

/* A file of the service group, which the program runs setgid to: its group modes are its own. */
static bool
service_file(const cr_db *db, const struct stat *sb)
{
    return db->service && sb->st_gid == getegid();
}

/* Read the key file; a missing one is not an error until an event must be written or checked. */
static enum cr_status
key_read(cr_db *db, bool group_ok)
{
    int fd = open(db->key_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        struct cr_buf b = {0};
        cr_buf_addf(&b,
                    "%s: the audit key is missing (%s); no audit event can be written or "
                    "checked without it: restore the key file beside the database",
                    db->key_path, strerror(errno));
        free(db->key_problem);
        db->key_problem = b.p;
        return b.p ? CR_OK : cr_fail(db, CR_NOMEM, "out of memory");
    }
    struct stat sb;
    char text[512] = "";
    ssize_t n = -1;
    enum cr_status st = CR_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        st = cr_fail(db, CR_DB, "%s: the audit key is not a regular file", db->key_path);
    else if (sb.st_mode & 0007)
        st = cr_fail(db, CR_DB,
                     "%s: other users can read or write the audit key; run 'chmod o-rwx %s' "
                     "and try again",
                     db->key_path, db->key_path);
    else if ((sb.st_mode & 0070) && !group_ok && !service_file(db, &sb))
        st = cr_fail(db, CR_DB,
                     "%s: its group can read or write the audit key, but the database was not "
                     "created for group use; run 'chmod 600 %s' and try again",
                     db->key_path, db->key_path);
    else
        n = read(fd, text, sizeof text - 1);
    close(fd);
    if (st != CR_OK)
        return st;
    char anc[80] = "", key[80] = "";
    long long from = 0;
    if (n <= 0 ||
        sscanf(text, "casereview-audit-key 1 keyed-from %lld anchor %79s key %79s", &from, anc,
               key) != 3 ||
        from < 1 || !unhex(anc, db->anchor, 32) || !unhex(key, db->key, sizeof db->key)) {
        sodium_memzero(text, sizeof text);
        sodium_memzero(key, sizeof key);
        return cr_fail(db, CR_DB, "%s: the audit key file is damaged", db->key_path);
    }
    sodium_memzero(text, sizeof text);
    sodium_memzero(key, sizeof key);
    db->keyed_from = from;
    db->have_key = true;
    return CR_OK;
}

/*
 * A read-only copy: a file nobody may write (an auditor's evidence copy,
 * chmod 0400, which counts even for root), a file this user may not write,
 * or one in a directory that cannot take the write-ahead log's side files.
 */
static bool
read_only_copy(const char *path, const struct stat *sb)
{
    /* The effective ids: a setgid program writes through its service group. */
    if (!(sb->st_mode & 0222) || faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0)
        return true;
    char *copy = strdup(path);
    if (!copy)
        return false;
    const char *dir = dirname(copy);
    struct stat ds;
    struct statvfs vs;
    bool mount_ro = statvfs(dir, &vs) == 0 && (vs.f_flag & ST_RDONLY);
    bool dir_modes = stat(dir, &ds) == 0 && (ds.st_mode & 0222);
    bool dir_writable = dir_modes && faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) == 0;
    free(copy);
    if (mount_ro || !dir_modes)
        return true;
    if (dir_writable)
        return false;
    /* A shared directory this user cannot write: side files already there serve as well. */
    struct cr_buf wal = {0}, shm = {0};
    cr_buf_addf(&wal, "%s-wal", path);
    cr_buf_addf(&shm, "%s-shm", path);
    bool side = wal.p && shm.p && faccessat(AT_FDCWD, wal.p, W_OK, AT_EACCESS) == 0 &&
                faccessat(AT_FDCWD, shm.p, W_OK, AT_EACCESS) == 0;
    cr_buf_free(&wal);
    cr_buf_free(&shm);
    return !side;
}

/* "file:PATH?mode=ro[&immutable=1]", the path percent-encoded. */
static char *
read_only_uri(const char *path)
{
    struct cr_buf b = {0}, wal = {0};
    cr_buf_addf(&b, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/._-~", *p))
            cr_buf_addc(&b, (char)*p);
        else
            cr_buf_addf(&b, "%%%02X", *p);
    }
    /* With no write-ahead log beside it, nothing can change under us: immutable, no -shm. */
    struct stat ws;
    cr_buf_addf(&wal, "%s-wal", path);
    bool log = wal.p && stat(wal.p, &ws) == 0 && ws.st_size > 0;
    cr_buf_free(&wal);
    cr_buf_addf(&b, "?mode=ro%s", log ? "" : "&immutable=1");
    return b.p;
}

/*
 * Create the file owner-only (or group too) before SQLite sees it, so that
 * it is never readable by others, whatever the umask.
 */
static enum cr_status
create_file(cr_db *db, bool group)
{
    mode_t mode = group ? 0660 : 0600;
    int fd = open(db->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return cr_fail(db, CR_DB, "%s: cannot create: %s", db->path, strerror(errno));
    db->created = true;
    int rc = fchmod(fd, mode);
    close(fd);
    if (rc < 0)
        return cr_fail(db, CR_DB, "%s: cannot set permissions: %s", db->path, strerror(errno));
    return CR_OK;
}

/*
 * A service database lives in a directory of the service group that others
 * cannot enter (2770), so that its write-ahead log and key, whoever made
 * them, are reached only through the program.
 */
static enum cr_status
check_service_dir(cr_db *db)
{
    char *copy = strdup(db->path);
    if (!copy)
        return cr_fail(db, CR_NOMEM, "out of memory");
    const char *dir = dirname(copy);
    struct stat ds;
    enum cr_status st = CR_OK;
    if (stat(dir, &ds) != 0)
        st = cr_fail(db, CR_DB, "%s: %s", dir, strerror(errno));
    else if (ds.st_gid != getegid() || (ds.st_mode & 0007) || (ds.st_mode & 0070) != 0070)
        st = cr_fail(db, CR_DB,
                     "%s: the database's directory must belong to the service group and be "
                     "closed to others; as root, run 'chgrp GROUP %s && chmod 2770 %s' (GROUP "
                     "the one casereview is installed setgid to) and try again",
                     dir, dir, dir);
    free(copy);
    return st;
}

static enum cr_status
check_permissions(cr_db *db, const struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return cr_fail(db, CR_DB, "%s: not a regular file", db->path);
    if (st->st_mode & 0007)
        return cr_fail(db, CR_DB,
                       "%s: other users can read or write this database, which holds "
                       "special-category personal data; run 'chmod o-rwx %s' and try again",
                       db->path, db->path);
    return CR_OK;
}

static enum cr_status
migrate(cr_db *db, unsigned flags)
{
    enum cr_status st = CR_OK;
    int64_t app = sql_query_int(db, "PRAGMA application_id", &st);
    if (st != CR_OK) {
        if (sqlite3_errcode(db->sql) == SQLITE_NOTADB)
            return cr_fail(db, CR_DB, "%s: not a casereview database (not an SQLite file)",
                           db->path);
        return st;
    }
    int64_t pages = sql_query_int(db, "PRAGMA page_count", &st);
    if (st != CR_OK)
        return st;
    if (app != CR_APPLICATION_ID && !(app == 0 && pages == 0))
        return cr_fail(db, CR_DB, "%s: not a casereview database", db->path);
    /* An empty file becomes a database only by a command that makes one. */
    if (pages == 0 && !db->created && strcmp(db->path, ":memory:") != 0) {
        if (!(flags & CR_OPEN_CREATE))
            return cr_fail(db, CR_DB,
                           "%s: the file is empty, not a casereview database; 'casereview init' "
                           "makes an empty database in it, 'casereview import FILE' one with "
                           "cases",
                           db->path);
        db->filled = true;
    }
    int latest_known = cr_schema[cr_schema_count - 1].version;
    if (db->read_only) {
        /* A copy is read as it is: never migrated, never switched to WAL. */
        if ((st = sql_exec(db,
                           "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; "
                           "PRAGMA cache_size = -65536",
                           "configure")) != CR_OK)
            return st;
        int64_t v = sql_query_int(db, "PRAGMA user_version", &st);
        if (st != CR_OK)
            return st;
        if (v != latest_known)
            return cr_fail(db, CR_DB,
                           "%s: a read-only copy at schema version %lld; this casereview reads "
                           "version %d and cannot bring a read-only file up to date: make a "
                           "writable copy and open that once",
                           db->path, (long long)v, latest_known);
        db->version = latest_known;
        return CR_OK;
    }

    /* WAL lets readers go on while one user writes; FULL sync never loses a commit. */
    if ((st = sql_exec(db,
                       "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                       "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; "
                       "PRAGMA cache_size = -65536",
                       "configure")) != CR_OK)
        return st;

    /* Reading the version takes no lock: a reader never waits for a writer. */
    int latest = cr_schema[cr_schema_count - 1].version;
    int64_t version = sql_query_int(db, "PRAGMA user_version", &st);
    if (st != CR_OK)
        return st;
    if (version == latest) {
        db->version = latest;
        return CR_OK;
    }
    if (version > latest)
        return cr_fail(db, CR_DB,
                       "%s: schema version %lld is newer than this casereview knows (%d); "
                       "use a newer casereview",
                       db->path, (long long)version, latest);
    if ((st = sql_exec(db, "BEGIN IMMEDIATE", "begin")) != CR_OK)
        return st;
    /* Another process may have migrated it meanwhile. */
    version = sql_query_int(db, "PRAGMA user_version", &st);
    if (st != CR_OK)
        goto rollback;
    if (version > latest) {
        st = cr_fail(db, CR_DB,
                     "%s: schema version %lld is newer than this casereview knows (%d); "
                     "use a newer casereview",
                     db->path, (long long)version, latest);
        goto rollback;
    }
    if (version == 0) {
        char sql[128];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d", CR_APPLICATION_ID);
        if ((st = sql_exec(db, sql, "set application id")) != CR_OK)
            goto rollback;
    }
    for (size_t i = 0; i < cr_schema_count; i++) {
        if (cr_schema[i].version > version &&
            (st = sql_exec(db, cr_schema[i].sql, "migrate")) != CR_OK)
            goto rollback;
    }
    if (version < latest) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", latest);
        if ((st = sql_exec(db, sql, "migrate")) != CR_OK)
            goto rollback;
    }
    if (version == 0 && (flags & CR_OPEN_GROUP)) {
        st = sql_exec(db, "INSERT INTO settings(key, value) VALUES ('group_access', '1')",
                      "settings");
        if (st != CR_OK)
            goto rollback;
    }
    if (version < 5) {
        /* Keying begins with the next event; the ones before keep their unkeyed hashes. */
        int64_t head_id;
        unsigned char head[32];
        int64_t group =
            sql_query_int(db, "SELECT count(*) FROM settings WHERE key = 'group_access'", &st);
        if (st != CR_OK || (st = audit_head(db, &head_id, head)) != CR_OK ||
            (st = key_create(db, group > 0, head_id + 1, head)) != CR_OK)
            goto rollback;
    }
    if ((st = sql_exec(db, "COMMIT", "commit")) != CR_OK)
        goto rollback;
    db->version = latest;
    return CR_OK;
rollback:
    sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    if (db->created_key) {
        unlink(db->key_path);
        db->created_key = db->have_key = false;
    }
    return st;
}

enum cr_status
cr_db_open(const char *path, unsigned flags, cr_clock_fn clock, void *clock_ctx, cr_db **out)
{
    *out = NULL;
    cr_db *db = calloc(1, sizeof *db);
    if (!db)
        return CR_NOMEM;
    *out = db;
    db->clock = clock;
    db->clock_ctx = clock_ctx;
    db->service = flags & CR_OPEN_SERVICE;
    db->path = strdup(path);
    struct cr_buf kp = {0};
    cr_buf_addf(&kp, "%s.key", path);
    db->key_path = kp.p;
    if (!db->path || !db->key_path)
        return cr_fail(db, CR_NOMEM, "out of memory");

    struct stat sb = {0};
    enum cr_status st;
    bool memory = strcmp(path, ":memory:") == 0; /* for tests and fuzzing */
    if (memory) {
        db->created = false;
    } else if (stat(path, &sb) < 0) {
        if (errno != ENOENT)
            return cr_fail(db, CR_DB, "%s: %s", path, strerror(errno));
        if (!(flags & CR_OPEN_CREATE))
            return cr_fail(db, CR_DB,
                           "%s: no such database; create it with 'casereview init' or "
                           "'casereview import'",
                           path);
        if ((flags & CR_OPEN_SERVICE) && (st = check_service_dir(db)) != CR_OK)
            return st;
        if ((st = create_file(db, flags & (CR_OPEN_GROUP | CR_OPEN_SERVICE))) != CR_OK)
            return st;
    } else if ((st = check_permissions(db, &sb)) != CR_OK) {
        return st;
    } else {
        db->read_only = read_only_copy(path, &sb);
    }

    int rc;
    if (db->read_only) {
        char *uri = read_only_uri(path);
        if (!uri)
            return cr_fail(db, CR_NOMEM, "out of memory");
        rc = sqlite3_open_v2(uri, &db->sql,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW, NULL);
        free(uri);
    } else {
        rc = sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
    }
    if (rc != SQLITE_OK)
        return cr_fail_sql(db, rc, "open");
    sqlite3_extended_result_codes(db->sql, 1);
    sqlite3_busy_timeout(db->sql, CR_BUSY_TIMEOUT_MS);
    sqlite3_create_function(db->sql, "cr_priority", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            sql_priority, NULL, NULL);

    if ((st = migrate(db, flags)) != CR_OK)
        return st;

    if (!db->created && (sb.st_mode & 0070) && !service_file(db, &sb)) {
        int64_t shared =
            sql_query_int(db, "SELECT count(*) FROM settings WHERE key = 'group_access'", &st);
        if (st != CR_OK)
            return st;
        if (!shared)
            return cr_fail(db, CR_DB,
                           "%s: its group can read or write this database, but it was not "
                           "created for group use (casereview init --group); run "
                           "'chmod 600 %s' and try again",
                           path, path);
    }
    if (!db->have_key) {
        if (memory)
            return key_create(db, false, 1, zero_hash_open);
        int64_t group =
            sql_query_int(db, "SELECT count(*) FROM settings WHERE key = 'group_access'", &st);
        if (st != CR_OK)
            return st;
        return key_read(db, group > 0);
    }
    return CR_OK;
}

static void
close_sql(cr_db *db)
{
    for (size_t i = 0; i < CR_ARRAY_LEN(db->cache); i++) {
        sqlite3_finalize(db->cache[i].stmt);
        free(db->cache[i].sql);
        db->cache[i].stmt = NULL;
        db->cache[i].sql = NULL;
    }
    if (db->sql)
        sqlite3_close_v2(db->sql);
    db->sql = NULL;
}

void
cr_db_close(cr_db *db)
{
    if (!db)
        return;
    close_sql(db);
    free(db->import_label);
    for (size_t i = 0; i < CR_IMPORT_SHOWN_UPDATES; i++)
        free(db->import_updates[i]);
    free(db->path);
    free(db->key_path);
    free(db->key_problem);
    free(db->purpose);
    free(db->os_login);
    sodium_memzero(db->key, sizeof db->key);
    cr_buf_free(&db->err);
    free(db);
}

const char *
cr_import_update(const cr_db *db, size_t i)
{
    return db && i < CR_IMPORT_SHOWN_UPDATES ? db->import_updates[i] : NULL;
}

void
cr_db_discard(cr_db *db)
{
    if (!db)
        return;
    if (db->filled && db->path) {
        /* It was an empty file: it is one again. */
        close_sql(db);
        if (truncate(db->path, 0) == 0) {
            static const char *const side[] = {"-wal", "-shm", "-journal"};
            for (size_t i = 0; i < CR_ARRAY_LEN(side); i++) {
                struct cr_buf b = {0};
                if (cr_buf_addf(&b, "%s%s", db->path, side[i]) == 0)
                    unlink(b.p);
                cr_buf_free(&b);
            }
        }
        /* The key made for it belongs to no database now. */
        if (db->created_key)
            unlink(db->key_path);
    } else if (db->created && db->path) {
        close_sql(db);
        static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < CR_ARRAY_LEN(suffix); i++) {
            struct cr_buf b = {0};
            if (cr_buf_addf(&b, "%s%s", db->path, suffix[i]) == 0)
                unlink(b.p);
            cr_buf_free(&b);
        }
        if (db->created_key)
            unlink(db->key_path);
    }
    cr_db_close(db);
}

int
cr_db_created(const cr_db *db)
{
    return db && (db->created || db->filled);
}

const char *
cr_db_errmsg(const cr_db *db)
{
    if (!db)
        return "out of memory";
    return db->err.p ? db->err.p : "no error";
}

int
cr_db_schema_version(const cr_db *db)
{
    return db->version;
}

int64_t
cr_db_now(const cr_db *db)
{
    return db->clock(db->clock_ctx);
}

/* The acting user */

void
cr_db_set_user(cr_db *db, const struct cr_config *cfg, const struct cr_person *who)
{
    db->cfg = cfg;
    db->user = who;
}

enum cr_status
cr_db_set_os_login(cr_db *db, const char *login)
{
    char *copy = login ? strdup(login) : NULL;
    if (login && !copy)
        return cr_fail(db, CR_NOMEM, "out of memory");
    free(db->os_login);
    db->os_login = copy;
    return CR_OK;
}

const struct cr_config *
st_config(const cr_db *db)
{
    return db->cfg;
}

struct sqlite3 *
st_sqlite(cr_db *db)
{
    return db->sql;
}

const struct cr_person *
st_user(const cr_db *db)
{
    return db->user;
}

/* Transactions */

enum cr_status
st_begin(cr_db *db)
{
    /* A read-only copy takes reads only: any write in it fails and says why (cr_fail_sql). */
    return sql_exec(db, db->read_only ? "BEGIN" : "BEGIN IMMEDIATE", "begin");
}

enum cr_status
st_commit(cr_db *db)
{
    enum cr_status st = sql_exec(db, "COMMIT", "commit");
    if (st != CR_OK)
        st_rollback(db);
    return st;
}

void
st_rollback(cr_db *db)
{
    if (!sqlite3_get_autocommit(db->sql))
        sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

/* Helpers every part of the engine uses */

const char *
keep_text(struct strlist *l, const unsigned char *s)
{
    if (!s)
        return NULL;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->nomem = true;
            return "";
        }
        l->v = v;
        l->cap = cap;
    }
    char *copy = strdup((const char *)s);
    if (!copy) {
        l->nomem = true;
        return "";
    }
    return l->v[l->n++] = copy;
}

void
strlist_free(struct strlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    free(l);
}

enum cr_status
step_done(cr_db *db, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, what);
}

/* Read-only copies */

enum cr_status
st_writable(cr_db *db)
{
    if (!db->read_only)
        return CR_OK;
    return cr_fail(db, CR_DB,
                   "%s: a read-only copy of the database (an auditor's evidence copy); "
                   "nothing can be changed in it or disclosed from it: work on the database "
                   "itself",
                   db->path);
}

int
cr_db_read_only(const cr_db *db)
{
    return db && db->read_only;
}

int64_t
cr_db_unrecorded(const cr_db *db)
{
    return db ? db->unrecorded : 0;
}
