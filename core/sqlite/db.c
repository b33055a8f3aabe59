/*
 * The SQLite engine's handle: errors, opening and closing, the acting user
 * and transactions.  Every SQL statement of casereview is in core/sqlite/
 * (and the schema in schema.c): the rest of core/ speaks in cases,
 * allegations and counts.
 */
#include "schema.h"
#include "sqlite.h"

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

static enum cr_status
status_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return CR_BUSY;
    case SQLITE_NOMEM:
        return CR_NOMEM;
    default:
        return CR_DB;
    }
}

enum cr_status
cr_fail_sql(cr_db *db, int rc, const char *what)
{
    enum cr_status st = status_of(rc);
    if ((rc & 0xff) == SQLITE_READONLY && sq(db)->read_only)
        return sq_writable(db);
    if (st == CR_BUSY)
        return cr_fail(db, st, "%s: the database is busy (another user holds it); try again",
                       sq(db)->path);
    return cr_fail(db, st, "%s: %s: %s", sq(db)->path, what,
                   sq(db)->sql ? sqlite3_errmsg(sq(db)->sql) : sqlite3_errstr(rc));
}

/* A small cache of prepared statements, keyed by their text. */

sqlite3_stmt *
sql_prepare(cr_db *db, const char *sql, enum cr_status *st)
{
    for (size_t i = 0; i < CR_ARRAY_LEN(sq(db)->cache); i++) {
        if (sq(db)->cache[i].sql && strcmp(sq(db)->cache[i].sql, sql) == 0) {
            sqlite3_reset(sq(db)->cache[i].stmt);
            sqlite3_clear_bindings(sq(db)->cache[i].stmt);
            return sq(db)->cache[i].stmt;
        }
    }
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v3(sq(db)->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK) {
        *st = cr_fail_sql(db, rc, "prepare");
        return NULL;
    }
    size_t slot = sq(db)->cache_next++ % CR_ARRAY_LEN(sq(db)->cache);
    sqlite3_finalize(sq(db)->cache[slot].stmt);
    free(sq(db)->cache[slot].sql);
    sq(db)->cache[slot].stmt = stmt;
    sq(db)->cache[slot].sql = strdup(sql);
    if (!sq(db)->cache[slot].sql) {
        sqlite3_finalize(stmt);
        sq(db)->cache[slot].stmt = NULL;
        *st = cr_fail(db, CR_NOMEM, "out of memory");
        return NULL;
    }
    return stmt;
}

enum cr_status
sql_exec(cr_db *db, const char *sql, const char *what)
{
    int rc = sqlite3_exec(sq(db)->sql, sql, NULL, NULL, NULL);
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
sq_audit_last(cr_db *db, int64_t *id)
{
    enum cr_status st = CR_OK;
    *id = sql_query_int(db, "SELECT coalesce(max(id), 0) FROM audit_events", &st);
    return st;
}

/* Opening */

static const unsigned char zero_hash_open[32];

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
                       sq(db)->key_path);
    randombytes_buf(sq(db)->key, sizeof sq(db)->key);
    sq(db)->keyed_from = keyed_from;
    memcpy(sq(db)->anchor, anchor, 32);
    if (strcmp(sq(db)->path, ":memory:") == 0) {
        sq(db)->have_key = true;
        return CR_OK;
    }
    /* The service group only reads the key: nothing in it changes after init. */
    mode_t mode = sq(db)->service ? 0640 : group ? 0660 : 0600;
    int fd = open(sq(db)->key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0 && errno == EEXIST)
        return cr_fail(db, CR_DB,
                       "%s: an audit key is there already, but %s has no keyed trail yet, so "
                       "the key belongs to another database; move it away and try again",
                       sq(db)->key_path, sq(db)->path);
    if (fd < 0)
        return cr_fail(db, CR_DB, "%s: cannot create the audit key: %s", sq(db)->key_path,
                       strerror(errno));
    sq(db)->created_key = true;
    char key[2 * CR_AUDIT_KEY_BYTES + 1], anc[65], text[256];
    cr_hex_of(sq(db)->key, sizeof sq(db)->key, key);
    cr_hex_of(anchor, 32, anc);
    int n =
        snprintf(text, sizeof text, "casereview-audit-key 1\nkeyed-from %lld\nanchor %s\nkey %s\n",
                 (long long)keyed_from, anc, key);
    bool ok = fchmod(fd, mode) == 0 && write(fd, text, (size_t)n) == n && fsync(fd) == 0;
    int err = errno;
    sodium_memzero(text, sizeof text);
    sodium_memzero(key, sizeof key);
    if (close(fd) != 0 || !ok)
        return cr_fail(db, CR_DB, "%s: cannot write the audit key: %s", sq(db)->key_path,
                       strerror(ok ? errno : err));
    sq(db)->have_key = true;
    return CR_OK;
}

/* A file of the service group, which the program runs setgid to: its group modes are its own. */
static bool
service_file(const cr_db *db, const struct stat *sb)
{
    return sq(db)->service && sb->st_gid == getegid();
}

/* Read the key file; a missing one is not an error until an event must be written or checked. */
static enum cr_status
key_read(cr_db *db, bool group_ok)
{
    int fd = open(sq(db)->key_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        struct cr_buf b = {0};
        cr_buf_addf(&b,
                    "%s: the audit key is missing (%s); no audit event can be written or "
                    "checked without it: restore the key file beside the database",
                    sq(db)->key_path, strerror(errno));
        free(sq(db)->key_problem);
        sq(db)->key_problem = b.p;
        return b.p ? CR_OK : cr_fail(db, CR_NOMEM, "out of memory");
    }
    struct stat sb;
    char text[512] = "";
    ssize_t n = -1;
    enum cr_status st = CR_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        st = cr_fail(db, CR_DB, "%s: the audit key is not a regular file", sq(db)->key_path);
    else if (sb.st_mode & 0007)
        st = cr_fail(db, CR_DB,
                     "%s: other users can read or write the audit key; run 'chmod o-rwx %s' "
                     "and try again",
                     sq(db)->key_path, sq(db)->key_path);
    else if ((sb.st_mode & 0070) && !group_ok && !service_file(db, &sb))
        st = cr_fail(db, CR_DB,
                     "%s: its group can read or write the audit key, but the database was not "
                     "created for group use; run 'chmod 600 %s' and try again",
                     sq(db)->key_path, sq(db)->key_path);
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
        from < 1 || !cr_unhex(anc, sq(db)->anchor, 32) ||
        !cr_unhex(key, sq(db)->key, sizeof sq(db)->key)) {
        sodium_memzero(text, sizeof text);
        sodium_memzero(key, sizeof key);
        return cr_fail(db, CR_DB, "%s: the audit key file is damaged", sq(db)->key_path);
    }
    sodium_memzero(text, sizeof text);
    sodium_memzero(key, sizeof key);
    sq(db)->keyed_from = from;
    sq(db)->have_key = true;
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
    int fd = open(sq(db)->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return cr_fail(db, CR_DB, "%s: cannot create: %s", sq(db)->path, strerror(errno));
    sq(db)->created = true;
    int rc = fchmod(fd, mode);
    close(fd);
    if (rc < 0)
        return cr_fail(db, CR_DB, "%s: cannot set permissions: %s", sq(db)->path, strerror(errno));
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
    char *copy = strdup(sq(db)->path);
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
        return cr_fail(db, CR_DB, "%s: not a regular file", sq(db)->path);
    if (st->st_mode & 0007)
        return cr_fail(db, CR_DB,
                       "%s: other users can read or write this database, which holds "
                       "special-category personal data; run 'chmod o-rwx %s' and try again",
                       sq(db)->path, sq(db)->path);
    return CR_OK;
}

/* The chain's head record (the settings row the audit section moves on every append). */
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

/*
 * Version 11 (the subject's timeline): a case that follows closed ones
 * ranks by the subject's whole history, its earlier cases' allegations
 * counted with its own (core/timeline.c, import.c).  The priority rule is
 * C's (cr_priority), so the cases a database of before kept are ranked
 * again here, once, as the migration's last step: the few that follow
 * another (cases_followed).
 */
static enum cr_status
rank_followers(cr_db *db)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(
        db,
        "SELECT c.id, s.duty_status, c.n_allegations + (SELECT coalesce(sum(p.n_allegations), 0) "
        "FROM cases p WHERE p.subject_id = c.subject_id AND p.id < c.id), c.n_sexual + (SELECT "
        "coalesce(sum(p.n_sexual), 0) FROM cases p WHERE p.subject_id = c.subject_id AND p.id < "
        "c.id), c.latest_allegation FROM cases c JOIN subjects s ON s.id = c.subject_id "
        "WHERE c.previous_case_id IS NOT NULL",
        &st);
    sqlite3_stmt *u =
        s ? sql_prepare(db, "UPDATE cases SET priority = ?2 WHERE id = ?1", &st) : NULL;
    if (!u)
        return st;
    int rc;
    while (st == CR_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        sqlite3_bind_int64(u, 1, sqlite3_column_int64(s, 0));
        sqlite3_bind_int64(u, 2,
                           cr_priority(cr_duty_parse((const char *)sqlite3_column_text(s, 1)),
                                       sqlite3_column_int(s, 2), sqlite3_column_int(s, 3),
                                       (const char *)sqlite3_column_text(s, 4)));
        st = step_done(db, u, "migrate: priorities");
    }
    if (st == CR_OK && rc != SQLITE_DONE)
        st = cr_fail_sql(db, rc, "migrate: priorities");
    sqlite3_reset(s);
    return st;
}

static enum cr_status
migrate(cr_db *db, unsigned flags)
{
    enum cr_status st = CR_OK;
    int64_t app = sql_query_int(db, "PRAGMA application_id", &st);
    if (st != CR_OK) {
        if (sqlite3_errcode(sq(db)->sql) == SQLITE_NOTADB)
            return cr_fail(db, CR_DB, "%s: not a casereview database (not an SQLite file)",
                           sq(db)->path);
        return st;
    }
    int64_t pages = sql_query_int(db, "PRAGMA page_count", &st);
    if (st != CR_OK)
        return st;
    if (app != CR_APPLICATION_ID && !(app == 0 && pages == 0))
        return cr_fail(db, CR_DB, "%s: not a casereview database", sq(db)->path);
    /* An empty file becomes a database only by a command that makes one. */
    if (pages == 0 && !sq(db)->created && strcmp(sq(db)->path, ":memory:") != 0) {
        if (!(flags & CR_OPEN_CREATE))
            return cr_fail(db, CR_DB,
                           "%s: the file is empty, not a casereview database; 'casereview init' "
                           "makes an empty database in it, 'casereview import FILE' one with "
                           "cases",
                           sq(db)->path);
        sq(db)->filled = true;
    }
    int latest_known = cr_schema[cr_schema_count - 1].version;
    if (sq(db)->read_only) {
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
                           sq(db)->path, (long long)v, latest_known);
        sq(db)->version = latest_known;
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
        sq(db)->version = latest;
        return CR_OK;
    }
    if (version > latest)
        return cr_fail(db, CR_DB,
                       "%s: schema version %lld is newer than this casereview knows (%d); "
                       "use a newer casereview",
                       sq(db)->path, (long long)version, latest);
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
                     sq(db)->path, (long long)version, latest);
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
    if (version > 0 && version < 11 && (st = rank_followers(db)) != CR_OK)
        goto rollback;
    if ((st = sql_exec(db, "COMMIT", "commit")) != CR_OK)
        goto rollback;
    sq(db)->version = latest;
    return CR_OK;
rollback:
    sqlite3_exec(sq(db)->sql, "ROLLBACK", NULL, NULL, NULL);
    if (sq(db)->created_key) {
        unlink(sq(db)->key_path);
        sq(db)->created_key = sq(db)->have_key = false;
    }
    return st;
}

enum cr_status
sq_open(cr_db *db, const char *path, unsigned flags, const char *connection, void **ctx)
{
    (void)connection; /* a file's path is all SQLite needs */
    /* The handle's own slot: sq(db) reads it from here on. */
    struct sq_db *q = calloc(1, sizeof *q);
    if (!q)
        return cr_fail(db, CR_NOMEM, "out of memory");
    *ctx = q;
    sq(db)->service = flags & CR_OPEN_SERVICE;
    sq(db)->path = strdup(path);
    struct cr_buf kp = {0};
    cr_buf_addf(&kp, "%s.key", path);
    sq(db)->key_path = kp.p;
    if (!sq(db)->path || !sq(db)->key_path)
        return cr_fail(db, CR_NOMEM, "out of memory");

    struct stat sb = {0};
    enum cr_status st;
    bool memory = strcmp(path, ":memory:") == 0; /* for tests and fuzzing */
    if (memory) {
        sq(db)->created = false;
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
        sq(db)->read_only = read_only_copy(path, &sb);
    }

    /*
     * A handle is used by one thread at a time (README, Design): its
     * connection takes no mutex at every call (SQLITE_OPEN_NOMUTEX), and
     * SQLite keeps no memory statistics, whose mutex every allocation takes.
     * Either costs nothing while the program has one thread, but an import
     * parses its file in a second one (core/csv.c), and then each was an
     * atomic operation: a tenth of a re-import's time at a million cases.
     * The setting must come before SQLite's initialisation (the first open);
     * after it, SQLite refuses it and keeps its statistics, no more.
     */
    static bool configured;
    if (!configured) {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        configured = true;
    }
    int rc;
    if (sq(db)->read_only) {
        char *uri = read_only_uri(path);
        if (!uri)
            return cr_fail(db, CR_NOMEM, "out of memory");
        rc = sqlite3_open_v2(uri, &sq(db)->sql,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW |
                                 SQLITE_OPEN_NOMUTEX,
                             NULL);
        free(uri);
    } else {
        rc = sqlite3_open_v2(path, &sq(db)->sql,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
                             NULL);
    }
    if (rc != SQLITE_OK)
        return cr_fail_sql(db, rc, "open");
    sqlite3_extended_result_codes(sq(db)->sql, 1);
    sqlite3_busy_timeout(sq(db)->sql, CR_BUSY_TIMEOUT_MS);
    if ((rc = sq_phrases_register(sq(db)->sql)) != SQLITE_OK)
        return cr_fail_sql(db, rc, "open");

    if ((st = migrate(db, flags)) != CR_OK)
        return st;

    if (!sq(db)->created && (sb.st_mode & 0070) && !service_file(db, &sb)) {
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
    if (!sq(db)->have_key) {
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
    for (size_t i = 0; i < CR_ARRAY_LEN(sq(db)->cache); i++) {
        sqlite3_finalize(sq(db)->cache[i].stmt);
        free(sq(db)->cache[i].sql);
        sq(db)->cache[i].stmt = NULL;
        sq(db)->cache[i].sql = NULL;
    }
    if (sq(db)->sql)
        sqlite3_close_v2(sq(db)->sql);
    sq(db)->sql = NULL;
}

void
sq_close(cr_db *db)
{
    struct sq_db *q = sq(db);
    if (!q)
        return;
    close_sql(db);
    free(q->path);
    free(q->key_path);
    free(q->key_problem);
    sodium_memzero(q->key, sizeof q->key);
    free(q);
}

void
sq_discard(cr_db *db)
{
    if (!sq(db))
        return;
    if (sq(db)->filled && sq(db)->path) {
        /* It was an empty file: it is one again. */
        close_sql(db);
        if (truncate(sq(db)->path, 0) == 0) {
            static const char *const side[] = {"-wal", "-shm", "-journal"};
            for (size_t i = 0; i < CR_ARRAY_LEN(side); i++) {
                struct cr_buf b = {0};
                if (cr_buf_addf(&b, "%s%s", sq(db)->path, side[i]) == 0)
                    unlink(b.p);
                cr_buf_free(&b);
            }
        }
        /* The key made for it belongs to no database now. */
        if (sq(db)->created_key)
            unlink(sq(db)->key_path);
    } else if (sq(db)->created && sq(db)->path) {
        close_sql(db);
        static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < CR_ARRAY_LEN(suffix); i++) {
            struct cr_buf b = {0};
            if (cr_buf_addf(&b, "%s%s", sq(db)->path, suffix[i]) == 0)
                unlink(b.p);
            cr_buf_free(&b);
        }
        if (sq(db)->created_key)
            unlink(sq(db)->key_path);
    }
}

int
sq_created(const cr_db *db)
{
    return sq(db)->created || sq(db)->filled;
}

int
sq_schema_version(const cr_db *db)
{
    return sq(db)->version;
}

sqlite3 *
sq_sqlite(cr_db *db)
{
    return sq(db)->sql;
}

/* Transactions */

enum cr_status
sq_begin(cr_db *db)
{
    /* A read-only copy takes reads only: any write in it fails and says why (cr_fail_sql). */
    return sql_exec(db, sq(db)->read_only ? "BEGIN" : "BEGIN IMMEDIATE", "begin");
}

enum cr_status
sq_commit(cr_db *db)
{
    enum cr_status st = sql_exec(db, "COMMIT", "commit");
    if (st != CR_OK)
        sq_rollback(db);
    return st;
}

void
sq_rollback(cr_db *db)
{
    if (!sqlite3_get_autocommit(sq(db)->sql))
        sqlite3_exec(sq(db)->sql, "ROLLBACK", NULL, NULL, NULL);
}

/* Helpers every part of the engine uses */

enum cr_status
step_done(cr_db *db, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, what);
}

/* Read-only copies */

enum cr_status
sq_writable(cr_db *db)
{
    if (!sq(db)->read_only)
        return CR_OK;
    return cr_fail(db, CR_DB,
                   "%s: a read-only copy of the database (an auditor's evidence copy); "
                   "nothing can be changed in it or disclosed from it: work on the database "
                   "itself",
                   sq(db)->path);
}

int
sq_read_only(const cr_db *db)
{
    return sq(db)->read_only;
}
