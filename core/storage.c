/*
 * The SQLite storage module.  Every SQL statement of casereview is in this
 * file (and the schema in schema.c): the rest of core/ speaks in cases,
 * allegations and counts.
 */
#include "internal.h"
#include "schema.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CR_APPLICATION_ID 0x43525631 /* "CRV1" */
#define CR_BUSY_TIMEOUT_MS 5000

struct cr_db {
    sqlite3 *sql;
    char *path;
    bool created;
    int version;
    cr_clock_fn clock;
    void *clock_ctx;
    struct cr_buf err;
    struct cr_import_stmts *imp; /* while an import runs */
    struct {
        char *sql;
        sqlite3_stmt *stmt;
    } cache[16];
    size_t cache_next;
};

/* Errors */

enum cr_status
cr_fail(cr_db *db, enum cr_status status, const char *fmt, ...)
{
    cr_buf_reset(&db->err);
    va_list ap;
    va_start(ap, fmt);
    struct cr_buf b = {0};
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n >= 0 && (b.p = malloc((size_t)n + 1)) != NULL) {
        vsnprintf(b.p, (size_t)n + 1, fmt, ap);
        cr_buf_add(&db->err, b.p, (size_t)n);
        free(b.p);
    }
    va_end(ap);
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
    if (st == CR_BUSY)
        return cr_fail(db, st, "%s: the database is busy (another user holds it); try again", db->path);
    return cr_fail(db, st, "%s: %s: %s", db->path, what,
                   db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
}

/* A small cache of prepared statements, keyed by their text. */

static sqlite3_stmt *
prepare(cr_db *db, const char *sql, enum cr_status *st)
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

static enum cr_status
exec(cr_db *db, const char *sql, const char *what)
{
    int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? CR_OK : cr_fail_sql(db, rc, what);
}

static int64_t
query_int(cr_db *db, const char *sql, enum cr_status *st)
{
    sqlite3_stmt *s = prepare(db, sql, st);
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
    int64_t app = query_int(db, "PRAGMA application_id", &st);
    if (st != CR_OK) {
        if (sqlite3_errcode(db->sql) == SQLITE_NOTADB)
            return cr_fail(db, CR_DB, "%s: not a casereview database (not an SQLite file)",
                           db->path);
        return st;
    }
    int64_t pages = query_int(db, "PRAGMA page_count", &st);
    if (st != CR_OK)
        return st;
    if (app != CR_APPLICATION_ID && !(app == 0 && pages == 0))
        return cr_fail(db, CR_DB, "%s: not a casereview database", db->path);

    /* WAL lets readers go on while one user writes; FULL sync never loses a commit. */
    if ((st = exec(db,
                   "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                   "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; "
                   "PRAGMA cache_size = -65536",
                   "configure")) != CR_OK)
        return st;

    /* Reading the version takes no lock: a reader never waits for a writer. */
    int latest = cr_schema[cr_schema_count - 1].version;
    int64_t version = query_int(db, "PRAGMA user_version", &st);
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
    if ((st = exec(db, "BEGIN IMMEDIATE", "begin")) != CR_OK)
        return st;
    /* Another process may have migrated it meanwhile. */
    version = query_int(db, "PRAGMA user_version", &st);
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
        if ((st = exec(db, sql, "set application id")) != CR_OK)
            goto rollback;
    }
    for (size_t i = 0; i < cr_schema_count; i++) {
        if (cr_schema[i].version > version &&
            (st = exec(db, cr_schema[i].sql, "migrate")) != CR_OK)
            goto rollback;
    }
    if (version < latest) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", latest);
        if ((st = exec(db, sql, "migrate")) != CR_OK)
            goto rollback;
    }
    if (version == 0 && (flags & CR_OPEN_GROUP)) {
        st = exec(db, "INSERT INTO settings(key, value) VALUES ('group_access', '1')",
                  "settings");
        if (st != CR_OK)
            goto rollback;
    }
    if ((st = exec(db, "COMMIT", "commit")) != CR_OK)
        goto rollback;
    db->version = latest;
    return CR_OK;
rollback:
    sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
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
    db->path = strdup(path);
    if (!db->path)
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
        if ((st = create_file(db, flags & CR_OPEN_GROUP)) != CR_OK)
            return st;
    } else if ((st = check_permissions(db, &sb)) != CR_OK) {
        return st;
    }

    int rc = sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK)
        return cr_fail_sql(db, rc, "open");
    sqlite3_extended_result_codes(db->sql, 1);
    sqlite3_busy_timeout(db->sql, CR_BUSY_TIMEOUT_MS);
    sqlite3_create_function(db->sql, "cr_priority", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            sql_priority, NULL, NULL);

    if ((st = migrate(db, flags)) != CR_OK)
        return st;

    if (!db->created && (sb.st_mode & 0070)) {
        int64_t shared = query_int(db, "SELECT count(*) FROM settings WHERE key = 'group_access'",
                                   &st);
        if (st != CR_OK)
            return st;
        if (!shared)
            return cr_fail(db, CR_DB,
                           "%s: its group can read or write this database, but it was not "
                           "created for group use (casereview init --group); run "
                           "'chmod 600 %s' and try again",
                           path, path);
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
    free(db->path);
    cr_buf_free(&db->err);
    free(db);
}

void
cr_db_discard(cr_db *db)
{
    if (!db)
        return;
    if (db->created && db->path) {
        close_sql(db);
        static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < CR_ARRAY_LEN(suffix); i++) {
            struct cr_buf b = {0};
            if (cr_buf_addf(&b, "%s%s", db->path, suffix[i]) == 0)
                unlink(b.p);
            cr_buf_free(&b);
        }
    }
    cr_db_close(db);
}

int
cr_db_created(const cr_db *db)
{
    return db && db->created;
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

/* Import */

struct cr_import_stmts {
    int64_t import_id;
    sqlite3_stmt *subj_get, *subj_ins, *subj_upd, *subj_touch;
    sqlite3_stmt *all_get, *all_ins;
    sqlite3_stmt *case_latest, *case_seen_get, *case_ins, *case_add, *case_touch, *case_return;
    sqlite3_stmt *note_ins;
};

static const struct {
    size_t offset;
    const char *sql;
} import_sql[] = {
#define S(field, text) {offsetof(struct cr_import_stmts, field), text}
    S(subj_get, "SELECT id, surname, forenames, employment, rank, unit, duty_status, "
                "vetting_status, import_id, import_line FROM subjects WHERE ref = ?1"),
    S(subj_ins, "INSERT INTO subjects(ref, surname, forenames, employment, rank, unit, "
                "duty_status, vetting_status, import_id, import_line) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
    S(subj_upd, "UPDATE subjects SET surname = ?2, forenames = ?3, employment = ?4, rank = ?5, "
                "unit = ?6, duty_status = ?7, vetting_status = ?8, import_id = ?9, "
                "import_line = ?10 WHERE id = ?1"),
    S(subj_touch, "INSERT OR IGNORE INTO temp.import_cases(id, line) "
                  "SELECT id, 0 FROM cases WHERE subject_id = ?1 AND state <> 'closed'"),
    S(all_get, "SELECT a.id, s.ref, a.category, a.date, a.source, a.original_outcome, "
               "a.summary, a.case_id, a.import_id, a.import_line FROM allegations a "
               "JOIN cases c ON c.id = a.case_id JOIN subjects s ON s.id = c.subject_id "
               "WHERE a.ref = ?1"),
    S(all_ins, "INSERT INTO allegations(ref, case_id, category, date, source, "
               "original_outcome, summary, import_id, import_line) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
    S(case_latest, "SELECT id, state FROM cases WHERE subject_id = ?1 ORDER BY id DESC LIMIT 1"),
    S(case_seen_get, "SELECT line FROM temp.import_cases WHERE id = ?1"),
    S(case_ins, "INSERT INTO cases(subject_id, previous_case_id, state, state_since, created_at) "
                "VALUES (?1, ?2, 'flagged', ?3, ?3)"),
    S(case_add, "UPDATE cases SET n_allegations = n_allegations + 1, "
                "n_sexual = n_sexual + ?2, "
                "latest_allegation = max(coalesce(latest_allegation, ''), ?3) WHERE id = ?1"),
    S(case_touch, "INSERT INTO temp.import_cases(id, line) VALUES (?1, ?2) "
                  "ON CONFLICT (id) DO UPDATE SET line = max(line, excluded.line)"),
    S(case_return, "UPDATE cases SET state = 'returned', state_since = ?2, "
                   "version = version + 1, updated_by = 'system', updated_at = ?2 "
                   "WHERE id = ?1"),
    S(note_ins, "INSERT INTO notes(case_id, author, created_at, kind, body) "
                "VALUES (?1, 'system', ?2, 'system', ?3)"),
#undef S
};

static void
import_finalize(cr_db *db)
{
    if (!db->imp)
        return;
    for (size_t i = 0; i < CR_ARRAY_LEN(import_sql); i++)
        sqlite3_finalize(*(sqlite3_stmt **)((char *)db->imp + import_sql[i].offset));
    free(db->imp);
    db->imp = NULL;
}

/* Step a statement that returns no row; reset it. */
static enum cr_status
run(cr_db *db, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, what);
}

enum cr_status
st_import_begin(cr_db *db, const char *label)
{
    enum cr_status st = exec(db,
                             "CREATE TEMP TABLE IF NOT EXISTS import_cases("
                             "  id INTEGER PRIMARY KEY, line INTEGER NOT NULL)",
                             "prepare import");
    if (st != CR_OK)
        return st;
    db->imp = calloc(1, sizeof *db->imp);
    if (!db->imp)
        return cr_fail(db, CR_NOMEM, "out of memory");
    for (size_t i = 0; i < CR_ARRAY_LEN(import_sql); i++) {
        sqlite3_stmt **s = (sqlite3_stmt **)((char *)db->imp + import_sql[i].offset);
        int rc = sqlite3_prepare_v3(db->sql, import_sql[i].sql, -1, SQLITE_PREPARE_PERSISTENT, s,
                                    NULL);
        if (rc != SQLITE_OK) {
            st = cr_fail_sql(db, rc, "prepare import");
            import_finalize(db);
            return st;
        }
    }
    if ((st = exec(db, "BEGIN IMMEDIATE", "begin import")) != CR_OK) {
        import_finalize(db);
        return st;
    }
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db->sql, "INSERT INTO imports(at, label) VALUES (?1, ?2)", -1, &s,
                                NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, cr_db_now(db));
        sqlite3_bind_text(s, 2, label, -1, SQLITE_STATIC);
        rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db->sql);
    }
    sqlite3_finalize(s);
    db->imp->import_id = sqlite3_last_insert_rowid(db->sql);
    st = rc == SQLITE_OK ? exec(db, "DELETE FROM temp.import_cases", "prepare import")
                         : cr_fail_sql(db, rc, "begin import");
    if (st != CR_OK) {
        sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
        import_finalize(db);
    }
    return st;
}

static void
bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

/* Bind a subject's details and provenance as ?2..?10. */
static void
bind_subject(cr_db *db, sqlite3_stmt *s, const struct cr_import_row *r, long line)
{
    sqlite3_bind_text(s, 2, r->surname, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->forenames, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, cr_employment_name(r->employment), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r->rank, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, cr_duty_name(r->duty), -1, SQLITE_STATIC);
    bind_text_or_null(s, 8, cr_vetting_name(r->vetting));
    sqlite3_bind_int64(s, 9, db->imp->import_id);
    sqlite3_bind_int64(s, 10, line);
}

static bool
column_is(sqlite3_stmt *s, int i, const char *v)
{
    const char *c = (const char *)sqlite3_column_text(s, i);
    if (!v || !*v)
        return c == NULL;
    return c && strcmp(c, v) == 0;
}

/* The line of this import a row came from, or 0 when an earlier import brought it. */
static long
line_in_this_import(cr_db *db, sqlite3_stmt *s, int col)
{
    if (sqlite3_column_int64(s, col) != db->imp->import_id)
        return 0;
    return (long)sqlite3_column_int64(s, col + 1);
}

static enum cr_status
import_subject(cr_db *db, const struct cr_import_row *r, long line, struct cr_import_result *res,
               int64_t *subject_id, struct cr_conflict *conflict)
{
    struct cr_import_stmts *q = db->imp;
    enum cr_status st;
    sqlite3_bind_text(q->subj_get, 1, r->subject_ref, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q->subj_get);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q->subj_get);
        sqlite3_bind_text(q->subj_ins, 1, r->subject_ref, -1, SQLITE_STATIC);
        bind_subject(db, q->subj_ins, r, line);
        if ((st = run(db, q->subj_ins, "import subject")) != CR_OK)
            return st;
        *subject_id = sqlite3_last_insert_rowid(db->sql);
        res->new_subjects++;
        return CR_OK;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q->subj_get);
        return cr_fail_sql(db, rc, "import subject");
    }
    *subject_id = sqlite3_column_int64(q->subj_get, 0);
    const char *want[] = {r->surname, r->forenames, cr_employment_name(r->employment), r->rank,
                          r->unit, cr_duty_name(r->duty), cr_vetting_name(r->vetting)};
    static const int cols[] = {CR_COL_SURNAME, CR_COL_FORENAMES, CR_COL_EMPLOYMENT, CR_COL_RANK,
                               CR_COL_UNIT, CR_COL_DUTY_STATUS, CR_COL_VETTING_STATUS};
    int differs = -1;
    for (size_t i = 0; i < CR_ARRAY_LEN(cols) && differs < 0; i++)
        if (!column_is(q->subj_get, (int)i + 1, want[i]))
            differs = cols[i];
    long first = line_in_this_import(db, q->subj_get, 8);
    sqlite3_reset(q->subj_get);

    if (differs < 0)
        return CR_OK;
    if (first) {
        /* Two rows of this file disagree about the subject. */
        conflict->column = differs;
        conflict->other_line = first;
        return CR_INVALID;
    }
    /* A later import brings the subject's details up to date. */
    sqlite3_bind_int64(q->subj_upd, 1, *subject_id);
    bind_subject(db, q->subj_upd, r, line);
    if ((st = run(db, q->subj_upd, "update subject")) != CR_OK)
        return st;
    res->updated_subjects++;
    sqlite3_bind_int64(q->subj_touch, 1, *subject_id);
    return run(db, q->subj_touch, "update subject");
}

/* Compare a row with the stored allegation of the same reference. */
static int
allegation_differs(sqlite3_stmt *s, const struct cr_import_row *r)
{
    const char *want[] = {r->subject_ref, cr_category_name(r->category), r->date,
                          cr_source_name(r->source), r->original_outcome, r->summary};
    static const int cols[] = {CR_COL_SUBJECT_REF, CR_COL_CATEGORY, CR_COL_ALLEGATION_DATE,
                               CR_COL_SOURCE, CR_COL_ORIGINAL_OUTCOME, CR_COL_SUMMARY};
    for (size_t i = 0; i < CR_ARRAY_LEN(cols); i++)
        if (!column_is(s, (int)i + 1, want[i]))
            return cols[i];
    return -1;
}

/* The line of this import that first touched a case, or 0. */
static long
case_seen(sqlite3_stmt *s, int64_t id)
{
    sqlite3_bind_int64(s, 1, id);
    long line = sqlite3_step(s) == SQLITE_ROW ? (long)sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return line;
}

/* The case a new allegation of this subject belongs to, created when needed. */
static enum cr_status
case_for(cr_db *db, int64_t subject_id, const struct cr_import_row *r,
         struct cr_import_result *res, int64_t *case_id)
{
    struct cr_import_stmts *q = db->imp;
    enum cr_status st;
    int64_t now = cr_db_now(db);
    sqlite3_bind_int64(q->case_latest, 1, subject_id);
    int rc = sqlite3_step(q->case_latest);
    int64_t latest = 0;
    int state = -1;
    if (rc == SQLITE_ROW) {
        latest = sqlite3_column_int64(q->case_latest, 0);
        state = cr_state_parse((const char *)sqlite3_column_text(q->case_latest, 1));
    }
    sqlite3_reset(q->case_latest);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "import case");

    if (latest && state != CR_STATE_CLOSED) {
        *case_id = latest;
        /* Open before this import, or created by an earlier row of it? */
        if (case_seen(q->case_seen_get, latest) == 0)
            res->added_to_open++;
        if (state == CR_STATE_AWAITING_APPROVAL || state == CR_STATE_PANEL_REVIEW) {
            /* The decision was taken without this allegation: it must be taken again. */
            sqlite3_bind_int64(q->case_return, 1, latest);
            sqlite3_bind_int64(q->case_return, 2, now);
            if ((st = run(db, q->case_return, "return case")) != CR_OK)
                return st;
            struct cr_buf note = {0};
            if (cr_buf_addf(&note,
                            "New allegation %s imported; the decision must be taken again.",
                            r->allegation_ref) < 0)
                return cr_fail(db, CR_NOMEM, "out of memory");
            sqlite3_bind_int64(q->note_ins, 1, latest);
            sqlite3_bind_int64(q->note_ins, 2, now);
            sqlite3_bind_text(q->note_ins, 3, note.p, -1, SQLITE_TRANSIENT);
            cr_buf_free(&note);
            if ((st = run(db, q->note_ins, "return case")) != CR_OK)
                return st;
            res->returned_cases++;
        }
        return CR_OK;
    }
    sqlite3_bind_int64(q->case_ins, 1, subject_id);
    if (latest)
        sqlite3_bind_int64(q->case_ins, 2, latest);
    else
        sqlite3_bind_null(q->case_ins, 2);
    sqlite3_bind_int64(q->case_ins, 3, now);
    if ((st = run(db, q->case_ins, "import case")) != CR_OK)
        return st;
    *case_id = sqlite3_last_insert_rowid(db->sql);
    res->new_cases++;
    if (latest)
        res->reopened_cases++;
    return CR_OK;
}

enum cr_status
st_import_row(cr_db *db, const struct cr_import_row *r, long line, struct cr_import_result *res,
              enum cr_row_outcome *outcome, struct cr_conflict *conflict)
{
    struct cr_import_stmts *q = db->imp;
    enum cr_status st;
    int64_t subject_id = 0;

    memset(conflict, 0, sizeof *conflict);
    st = import_subject(db, r, line, res, &subject_id, conflict);
    if (st == CR_INVALID) {
        *outcome = CR_ROW_CONFLICT;
        return CR_OK;
    }
    if (st != CR_OK)
        return st;

    sqlite3_bind_text(q->all_get, 1, r->allegation_ref, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q->all_get);
    if (rc == SQLITE_ROW) {
        int differs = allegation_differs(q->all_get, r);
        conflict->other_case = sqlite3_column_int64(q->all_get, 7);
        conflict->other_line = line_in_this_import(db, q->all_get, 8);
        sqlite3_reset(q->all_get);
        if (differs < 0) {
            *outcome = CR_ROW_KNOWN;
            res->known_allegations++;
            return CR_OK;
        }
        conflict->column = differs;
        *outcome = CR_ROW_CONFLICT;
        return CR_OK;
    }
    sqlite3_reset(q->all_get);
    if (rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "import allegation");

    int64_t case_id = 0;
    if ((st = case_for(db, subject_id, r, res, &case_id)) != CR_OK)
        return st;
    sqlite3_stmt *s = q->all_ins;
    sqlite3_bind_text(s, 1, r->allegation_ref, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, case_id);
    sqlite3_bind_text(s, 3, cr_category_name(r->category), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r->date, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, cr_source_name(r->source), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r->original_outcome, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, r->summary, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, q->import_id);
    sqlite3_bind_int64(s, 9, line);
    if ((st = run(db, s, "import allegation")) != CR_OK)
        return st;

    sqlite3_bind_int64(q->case_add, 1, case_id);
    sqlite3_bind_int(q->case_add, 2, r->category == CR_CATEGORY_SEXUAL_OFFENCE);
    sqlite3_bind_text(q->case_add, 3, r->date, -1, SQLITE_STATIC);
    if ((st = run(db, q->case_add, "import allegation")) != CR_OK)
        return st;
    sqlite3_bind_int64(q->case_touch, 1, case_id);
    sqlite3_bind_int64(q->case_touch, 2, line);
    if ((st = run(db, q->case_touch, "import allegation")) != CR_OK)
        return st;
    res->new_allegations++;
    *outcome = CR_ROW_ADDED;
    return CR_OK;
}

/*
 * Recompute the priority of every case the import touched, a slice at a
 * time, so that no one statement's rollback journal (kept in memory: case
 * data never goes to temporary files) grows with the size of the import.
 */
static enum cr_status
update_priorities(cr_db *db)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = prepare(db,
                              "WITH slice AS (SELECT id FROM temp.import_cases WHERE id > ?1 "
                              "  ORDER BY id LIMIT 4096) "
                              "UPDATE cases SET priority = cr_priority(s.duty_status, "
                              "  cases.n_allegations, cases.n_sexual, cases.latest_allegation) "
                              "FROM subjects s WHERE s.id = cases.subject_id "
                              "AND cases.id IN slice RETURNING cases.id",
                              &st);
    if (!s)
        return st;
    int64_t after = 0;
    for (;;) {
        sqlite3_bind_int64(s, 1, after);
        int64_t last = after;
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(s, 0);
            if (id > last)
                last = id;
        }
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return cr_fail_sql(db, rc, "update priorities");
        if (last == after)
            return CR_OK;
        after = last;
    }
}

enum cr_status
st_import_end(cr_db *db, const struct cr_import_result *res, bool commit)
{
    enum cr_status st = CR_OK;
    int64_t import_id = db->imp ? db->imp->import_id : 0;
    import_finalize(db);
    if (commit) {
        st = update_priorities(db);
        if (st == CR_OK) {
            sqlite3_stmt *s = NULL;
            int rc = sqlite3_prepare_v2(db->sql,
                                        "UPDATE imports SET rows = ?2, new_allegations = ?3, "
                                        "new_cases = ?4 WHERE id = ?1",
                                        -1, &s, NULL);
            if (rc == SQLITE_OK) {
                sqlite3_bind_int64(s, 1, import_id);
                sqlite3_bind_int64(s, 2, res->rows);
                sqlite3_bind_int64(s, 3, res->new_allegations);
                sqlite3_bind_int64(s, 4, res->new_cases);
                rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db->sql);
            }
            sqlite3_finalize(s);
            if (rc != SQLITE_OK)
                st = cr_fail_sql(db, rc, "record import");
        }
        if (st == CR_OK)
            st = exec(db, "COMMIT", "commit import");
        if (st == CR_OK)
            return CR_OK;
    }
    sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

/* Queue pages */

#define CASE_ROW_COLUMNS                                                       \
    "c.id, c.sortkey, c.priority, c.created_at, c.state_since, c.state, c.outcome, "        \
    "c.categories, c.n_allegations, s.duty_status, s.ref, s.surname, s.forenames, s.rank, " \
    "s.unit, c.assignee"
#define CASE_ROW_STRINGS 6

/* Page memory: rows, and one pool for their strings. */
struct page_priv {
    struct cr_buf pool;
    size_t cap;
};

static int
pool_add(struct cr_buf *pool, const unsigned char *s, size_t *off)
{
    if (!s) {
        *off = SIZE_MAX;
        return 0;
    }
    *off = pool->len;
    return cr_buf_add(pool, (const char *)s, strlen((const char *)s) + 1);
}

/* Read one case row into r; string offsets go in offs until the pool settles. */
static int
read_case_row(sqlite3_stmt *s, struct cr_case_row *r, struct cr_buf *pool,
              size_t offs[CASE_ROW_STRINGS])
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    r->sortkey = sqlite3_column_int64(s, 1);
    r->priority = sqlite3_column_int64(s, 2);
    r->created_at = sqlite3_column_int64(s, 3);
    r->state_since = sqlite3_column_int64(s, 4);
    r->state = cr_state_parse((const char *)sqlite3_column_text(s, 5));
    r->outcome = cr_outcome_parse((const char *)sqlite3_column_text(s, 6));
    r->categories = (unsigned)sqlite3_column_int(s, 7);
    r->n_allegations = sqlite3_column_int(s, 8);
    r->duty = cr_duty_parse((const char *)sqlite3_column_text(s, 9));
    for (int i = 0; i < CASE_ROW_STRINGS; i++)
        if (pool_add(pool, sqlite3_column_text(s, 10 + i), &offs[i]) < 0)
            return -1;
    return 0;
}

static void
fix_case_row(struct cr_case_row *r, const char *base, const size_t offs[CASE_ROW_STRINGS])
{
    const char **dst[CASE_ROW_STRINGS] = {&r->subject_ref, &r->surname, &r->forenames,
                                          &r->rank,        &r->unit,    &r->assignee};
    for (int i = 0; i < CASE_ROW_STRINGS; i++)
        *dst[i] = offs[i] == SIZE_MAX ? NULL : base + offs[i];
}

enum cr_status
cr_list_page(cr_db *db, const struct cr_filter *filter, int64_t after, size_t limit,
             struct cr_page *page)
{
    struct page_priv *pp = page->priv;
    if (!pp) {
        pp = calloc(1, sizeof *pp);
        if (!pp)
            return cr_fail(db, CR_NOMEM, "out of memory");
        page->priv = pp;
    }
    cr_buf_reset(&pp->pool);
    page->n = 0;
    page->more = 0;
    if (limit > pp->cap) {
        struct cr_case_row *rows = realloc(page->rows, limit * sizeof *rows);
        if (!rows)
            return cr_fail(db, CR_NOMEM, "out of memory");
        page->rows = rows;
        pp->cap = limit;
    }
    size_t *offs = malloc((limit ? limit : 1) * CASE_ROW_STRINGS * sizeof *offs);
    if (!offs)
        return cr_fail(db, CR_NOMEM, "out of memory");

    /* One statement per filter shape, so that each uses its index. */
    struct cr_buf sql = {0};
    cr_buf_addf(&sql, "SELECT " CASE_ROW_COLUMNS " FROM cases c JOIN subjects s ON s.id = "
                      "c.subject_id WHERE c.sortkey > ?1");
    if (filter && filter->state >= 0)
        cr_buf_addf(&sql, " AND c.state = ?2");
    if (filter && filter->outcome >= 0)
        cr_buf_addf(&sql, filter->outcome == CR_OUTCOME_COUNT ? " AND c.outcome IS NULL"
                                                               : " AND c.outcome = ?3");
    cr_buf_addf(&sql, " ORDER BY c.sortkey LIMIT ?4");
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql.p ? prepare(db, sql.p, &st) : NULL;
    cr_buf_free(&sql);
    if (!s) {
        free(offs);
        return st == CR_OK ? cr_fail(db, CR_NOMEM, "out of memory") : st;
    }
    sqlite3_bind_int64(s, 1, after);
    if (filter && filter->state >= 0)
        sqlite3_bind_text(s, 2, cr_state_name(filter->state), -1, SQLITE_STATIC);
    if (filter && filter->outcome >= 0 && filter->outcome < CR_OUTCOME_COUNT)
        sqlite3_bind_text(s, 3, cr_outcome_name(filter->outcome), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, (int64_t)limit + 1);

    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (page->n == limit) {
            page->more = 1;
            break;
        }
        if (read_case_row(s, &page->rows[page->n], &pp->pool,
                          offs + page->n * CASE_ROW_STRINGS) < 0) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
            break;
        }
        page->n++;
    }
    if (st == CR_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = cr_fail_sql(db, rc, "list");
    sqlite3_reset(s);
    for (size_t i = 0; i < page->n; i++)
        fix_case_row(&page->rows[i], pp->pool.p, offs + i * CASE_ROW_STRINGS);
    free(offs);
    if (st != CR_OK)
        page->n = 0;
    return st;
}

void
cr_page_free(struct cr_page *page)
{
    struct page_priv *pp = page->priv;
    if (pp) {
        cr_buf_free(&pp->pool);
        free(pp);
    }
    free(page->rows);
    memset(page, 0, sizeof *page);
}

/* One case */

static bool
all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* The case a key names: `#N`, `ref:X`, a number, or a subject_ref. */
static enum cr_status
resolve_case(cr_db *db, const char *key, int64_t *id)
{
    enum cr_status st = CR_OK;
    int64_t by_number = 0, by_ref = 0;
    const char *number = NULL, *ref = NULL;
    if (key[0] == '#')
        number = key + 1;
    else if (strncmp(key, "ref:", 4) == 0)
        ref = key + 4;
    else
        number = ref = key;

    if (number && all_digits(number) && strlen(number) < 19) {
        sqlite3_stmt *s = prepare(db, "SELECT id FROM cases WHERE id = ?1", &st);
        if (!s)
            return st;
        sqlite3_bind_int64(s, 1, strtoll(number, NULL, 10));
        if (sqlite3_step(s) == SQLITE_ROW)
            by_number = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
    }
    if (ref && *ref) {
        sqlite3_stmt *s = prepare(db,
                                  "SELECT c.id FROM cases c JOIN subjects s ON s.id = "
                                  "c.subject_id WHERE s.ref = ?1 ORDER BY c.id DESC LIMIT 1",
                                  &st);
        if (!s)
            return st;
        sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            by_ref = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
    }
    if (by_number && by_ref && by_number != by_ref)
        return cr_fail(db, CR_USAGE,
                       "'%s' is both case %s and the subject_ref of case %lld; write '#%s' for "
                       "the case number or 'ref:%s' for the subject",
                       key, key, (long long)by_ref, key, key);
    *id = by_number ? by_number : by_ref;
    if (!*id)
        return cr_fail(db, CR_NOT_FOUND, "no case '%s' (give a case number or a subject_ref)",
                       key);
    return CR_OK;
}

struct case_priv {
    struct cr_buf pool;
};

enum cr_status
cr_case_get(cr_db *db, const char *key, struct cr_case *out)
{
    memset(out, 0, sizeof *out);
    int64_t id;
    enum cr_status st = resolve_case(db, key, &id);
    if (st != CR_OK)
        return st;
    struct case_priv *cp = calloc(1, sizeof *cp);
    if (!cp)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = cp;

    sqlite3_stmt *s = prepare(db,
                              "SELECT " CASE_ROW_COLUMNS ", c.previous_case_id, s.employment, "
                              "s.vetting_status, c.vetting_review, c.rationale "
                              "FROM cases c JOIN subjects s ON s.id = c.subject_id "
                              "WHERE c.id = ?1",
                              &st);
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    size_t offs[CASE_ROW_STRINGS], rationale = SIZE_MAX;
    if (rc == SQLITE_ROW) {
        if (read_case_row(s, &out->row, &cp->pool, offs) < 0 ||
            pool_add(&cp->pool, sqlite3_column_text(s, 20), &rationale) < 0) {
            sqlite3_reset(s);
            st = cr_fail(db, CR_NOMEM, "out of memory");
            goto fail;
        }
        out->previous_case = sqlite3_column_int64(s, 16);
        out->employment = cr_employment_parse((const char *)sqlite3_column_text(s, 17));
        out->vetting = cr_vetting_parse((const char *)sqlite3_column_text(s, 18));
        out->vetting_review = sqlite3_column_int(s, 19);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW) {
        st = rc == SQLITE_DONE ? cr_fail(db, CR_NOT_FOUND, "no case '%s'", key)
                               : cr_fail_sql(db, rc, "show");
        goto fail;
    }

    s = prepare(db,
                "SELECT ref, category, date, source, original_outcome, summary "
                "FROM allegations WHERE case_id = ?1 ORDER BY date, id",
                &st);
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, id);
    size_t cap = 0;
    size_t *aoffs = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n_allegations == cap) {
            cap = cap ? cap * 2 : 8;
            void *a = realloc(out->allegations, cap * sizeof *out->allegations);
            void *o = a ? realloc(aoffs, cap * 4 * sizeof *aoffs) : NULL;
            if (a)
                out->allegations = a;
            if (!o) {
                sqlite3_reset(s);
                free(aoffs);
                st = cr_fail(db, CR_NOMEM, "out of memory");
                goto fail;
            }
            aoffs = o;
        }
        struct cr_allegation *a = &out->allegations[out->n_allegations];
        size_t *o = aoffs + out->n_allegations * 4;
        a->category = cr_category_parse((const char *)sqlite3_column_text(s, 1));
        a->source = cr_source_parse((const char *)sqlite3_column_text(s, 3));
        if (pool_add(&cp->pool, sqlite3_column_text(s, 0), &o[0]) < 0 ||
            pool_add(&cp->pool, sqlite3_column_text(s, 2), &o[1]) < 0 ||
            pool_add(&cp->pool, sqlite3_column_text(s, 4), &o[2]) < 0 ||
            pool_add(&cp->pool, sqlite3_column_text(s, 5), &o[3]) < 0) {
            sqlite3_reset(s);
            free(aoffs);
            st = cr_fail(db, CR_NOMEM, "out of memory");
            goto fail;
        }
        out->n_allegations++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        free(aoffs);
        st = cr_fail_sql(db, rc, "show");
        goto fail;
    }
    const char *base = cp->pool.p;
    fix_case_row(&out->row, base, offs);
    out->rationale = rationale == SIZE_MAX ? NULL : base + rationale;
    for (size_t i = 0; i < out->n_allegations; i++) {
        struct cr_allegation *a = &out->allegations[i];
        size_t *o = aoffs + i * 4;
        a->ref = base + o[0];
        a->date = base + o[1];
        a->original_outcome = base + o[2];
        a->summary = base + o[3];
    }
    free(aoffs);
    return CR_OK;
fail:
    cr_case_free(out);
    return st;
}

void
cr_case_free(struct cr_case *c)
{
    struct case_priv *cp = c->priv;
    if (cp) {
        cr_buf_free(&cp->pool);
        free(cp);
    }
    free(c->allegations);
    memset(c, 0, sizeof *c);
}

/* Counts */

enum cr_status
cr_stats_get(cr_db *db, struct cr_stats *out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = prepare(db, "SELECT state, outcome, categories, n FROM case_counts", &st);
    if (!s)
        return st;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int state = cr_state_parse((const char *)sqlite3_column_text(s, 0));
        int outcome = cr_outcome_parse((const char *)sqlite3_column_text(s, 1));
        unsigned cats = (unsigned)sqlite3_column_int(s, 2);
        int64_t n = sqlite3_column_int64(s, 3);
        out->cases += n;
        if (state >= 0)
            out->by_state[state] += n;
        out->by_outcome[outcome >= 0 ? outcome : CR_OUTCOME_COUNT] += n;
        for (int c = 0; c < CR_CATEGORY_COUNT; c++)
            if (cats & (1u << c))
                out->by_category[c] += n;
        if ((cats & (CR_CATMASK_DV | CR_CATMASK_SO)) == (CR_CATMASK_DV | CR_CATMASK_SO))
            out->both_categories += n;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "stats");

    s = prepare(db, "SELECT name, n FROM counters", &st);
    if (!s)
        return st;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        int64_t n = sqlite3_column_int64(s, 1);
        if (strcmp(name, "subjects") == 0) {
            out->subjects = n;
        } else if (strncmp(name, "allegations:", 12) == 0) {
            int c = cr_category_parse(name + 12);
            if (c >= 0)
                out->allegations_by_category[c] = n;
            out->allegations += n;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "stats");
}
