/*
 * The import's writes: one transaction for the whole file, subjects and
 * allegations matched by their references, new cases and cases returned by
 * new allegations, the line each row came from kept as provenance, and the
 * priorities recomputed for the cases touched.  core/import.c reads and
 * checks the file; this stores it.
 *
 * The writes are bulk writes.  Each row adds to a per-case tally rather
 * than updating its case (in memory for a case the import made, in
 * temp.import_cases for one from before), and every touched case is
 * written once at the end, with its figures and its priority.  The counter triggers are set aside
 * for the import, inside its transaction (DDL is transactional: a rolled-back import puts them
 * back, and no other connection ever sees them missing), and the import's net change is added to
 * the counters at the end; into a database with no cases, the secondary indexes the import's own
 * lookups do not need are set aside too, and built once from full tables.
 */
#include "sqlite.h"

#include <assert.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Import */

/*
 * The import's net change to the counters the triggers keep outside an
 * import (schema.c, versions 1 and 5), applied in a few statements at its
 * end: cases by state, outcome (0: none, else the outcome + 1) and
 * categories, and by state, outcome and vetting review.
 */
struct import_counts {
    int64_t cases[CR_STATE_COUNT][CR_OUTCOME_COUNT + 1][4];
    int64_t outcomes[CR_STATE_COUNT][CR_OUTCOME_COUNT + 1][2];
    int64_t allegations[CR_CATEGORY_COUNT];
    int64_t subjects;
};

/*
 * A case this import creates, kept in memory until it is written, once,
 * with its figures and priority (settle_new_cases): its subject, the case it
 * follows, and the tally of its allegations.  Its number is fixed when it
 * is made (the cases are numbered on from the last, one after another),
 * so its allegations name it before its row exists.
 */
struct new_case {
    int64_t subject_id, previous; /* previous: the case it follows, or 0 */
    int32_t n, n_sexual;
    int32_t latest; /* its latest allegation's date, in days since the epoch */
    int32_t duty;   /* its subject's duty status, for the priority */
};

/*
 * The case not yet written of each subject that has one: subject id ->
 * index in new_cases, open addressing (a key of 0 is an empty slot).
 */
struct pending {
    int64_t *keys;
    uint32_t *at;
    size_t cap, n; /* cap: a power of two, or 0 */
};

static size_t
pending_slot(const struct pending *p, int64_t key)
{
    size_t i = (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15u) >> 20) & (p->cap - 1);
    while (p->keys[i] && p->keys[i] != key)
        i = (i + 1) & (p->cap - 1);
    return i;
}

/* The index in new_cases of the subject's case not yet written, or -1. */
static long
pending_get(const struct pending *p, int64_t subject_id)
{
    if (!p->cap)
        return -1;
    size_t i = pending_slot(p, subject_id);
    return p->keys[i] ? (long)p->at[i] : -1;
}

/* Note (or replace) the subject's case not yet written; false when out of memory. */
static bool
pending_put(struct pending *p, int64_t subject_id, uint32_t at)
{
    if (2 * (p->n + 1) > p->cap) {
        struct pending more = {calloc(p->cap ? 2 * p->cap : 4096, sizeof *more.keys),
                               malloc((p->cap ? 2 * p->cap : 4096) * sizeof *more.at),
                               p->cap ? 2 * p->cap : 4096, 0};
        if (!more.keys || !more.at) {
            free(more.keys);
            free(more.at);
            return false;
        }
        for (size_t i = 0; i < p->cap; i++)
            if (p->keys[i]) {
                size_t j = pending_slot(&more, p->keys[i]);
                more.keys[j] = p->keys[i];
                more.at[j] = p->at[i];
                more.n++;
            }
        free(p->keys);
        free(p->at);
        *p = more;
    }
    size_t i = pending_slot(p, subject_id);
    if (!p->keys[i])
        p->n++;
    p->keys[i] = subject_id;
    p->at[i] = at;
    return true;
}

static void
pending_clear(struct pending *p)
{
    if (p->cap)
        memset(p->keys, 0, p->cap * sizeof *p->keys);
    p->n = 0;
}

/*
 * The references an import into an empty database has written, as a Bloom
 * filter of a fixed size: a reference it has not seen is in no table, and
 * its lookup (a descent of a UNIQUE index that, past the page cache, reads
 * from the file) is skipped; one it may have seen is looked up as ever.
 * 2^25 bits (4 MiB) and four probes: at a million cases (2.8 million
 * references) about one lookup in 150 of a new reference is made for
 * nothing.  Its size does not grow with the file, so the import's memory
 * stays flat (README, Import).
 */
enum { SEEN_BITS = 1 << 25 };

struct seen {
    uint64_t *bits; /* NULL: off (the database had references before the import) */
};

/* The four probes of a reference of a kind ('s' subject, 'a' allegation). */
static void
seen_probes(char kind, const char *ref, uint32_t probe[4])
{
    uint64_t h = 0xcbf29ce484222325u ^ (unsigned char)kind;
    for (const unsigned char *c = (const unsigned char *)ref; *c; c++)
        h = (h ^ *c) * 0x100000001b3u;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 32;
    uint32_t a = (uint32_t)h, b = (uint32_t)(h >> 32) | 1;
    for (int i = 0; i < 4; i++)
        probe[i] = (a + (uint32_t)i * b) & (SEEN_BITS - 1);
}

/* Whether the reference may be in the database (always true when off). */
static bool
seen_maybe(const struct seen *f, char kind, const char *ref)
{
    if (!f->bits)
        return true;
    uint32_t p[4];
    seen_probes(kind, ref, p);
    for (int i = 0; i < 4; i++)
        if (!(f->bits[p[i] >> 6] & (1ull << (p[i] & 63))))
            return false;
    return true;
}

static void
seen_add(struct seen *f, char kind, const char *ref)
{
    if (!f->bits)
        return;
    uint32_t p[4];
    seen_probes(kind, ref, p);
    for (int i = 0; i < 4; i++)
        f->bits[p[i] >> 6] |= 1ull << (p[i] & 63);
}

struct cr_import_stmts {
    int64_t import_id;
    unsigned new_case_states; /* store.h, import_begin */
    int64_t cases_before;     /* the highest case id before the import: above it, its own */
    sqlite3_stmt *subj_get, *subj_ins, *subj_upd, *subj_touch;
    sqlite3_stmt *all_get, *all_ins;
    sqlite3_stmt *all_erased; /* the allegation's case was erased (purge): any_erased only */
    bool any_erased;          /* the database has erased cases */
    sqlite3_stmt *case_latest, *case_seen_get, *case_ins, *case_keys, *case_touch_old;
    char *old[CR_SUBJECT_DETAILS]; /* the last updated subject's details as they were */
    struct import_counts counts;
    int64_t tallied_after;      /* the cases above it have their tally in new_cases */
    struct new_case *new_cases; /* case tallied_after + 1 + i is new_cases[i] */
    size_t n_new_cases, cap_new_cases;
    struct pending pending;     /* each subject's case in new_cases */
    int64_t allegations_before; /* the highest allegation id before the import */
    char **set_aside;           /* the SQL of the triggers and indexes dropped for the import */
    size_t n_set_aside;
    bool rollback_journal; /* WAL set aside for the import (bulk_journal) */
    bool temp_files;       /* temp_store=FILE for the import */
    bool mapped;           /* the file read through mmap for the import (sq_import_begin) */
    int64_t mmap_before;   /* the connection's mmap_size before, put back by wal_again */
    struct seen seen;      /* the references written, when the database had none */
    /*
     * The last row's subject, as its reference and details (subject_key),
     * and its id: a row with the same bytes has that subject as it is
     * (found equal, written or brought up to date by that row), and needs
     * no lookup.  A file lists a person's allegations together more often
     * than not.  0: none.
     */
    struct cr_buf row_key, last_key;
    int64_t last_subject;
};

/* Forget the details a row's subject update reported (the caller has used them). */
static void
forget_old(struct cr_import_stmts *q)
{
    for (size_t i = 0; i < CR_SUBJECT_DETAILS; i++) {
        free(q->old[i]);
        q->old[i] = NULL;
    }
}

static const struct {
    size_t offset;
    const char *sql;
} import_sql[] = {
#define S(field, text)                                \
    {                                                 \
        offsetof(struct cr_import_stmts, field), text \
    }
    S(subj_get, "SELECT id, surname, forenames, employment, rank, unit, duty_status, "
                "vetting_status, import_id, import_line FROM subjects WHERE ref = ?1"),
    S(subj_ins, "INSERT INTO subjects(ref, surname, forenames, employment, rank, unit, "
                "duty_status, vetting_status, import_id, import_line) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
    /* ?11: whether the file has vetting_status; a file without it leaves it as stored. */
    S(subj_upd, "UPDATE subjects SET surname = ?2, forenames = ?3, employment = ?4, rank = ?5, "
                "unit = ?6, duty_status = ?7, "
                "vetting_status = CASE WHEN ?11 THEN ?8 ELSE vetting_status END, import_id = ?9, "
                "import_line = ?10 WHERE id = ?1"),
    /*
     * The cases from before the import whose priority follows the subject's
     * duty status, with what the counters say of them (the import's own
     * cases are all settled at the end).
     */
    S(subj_touch, "INSERT OR IGNORE INTO temp.import_cases(id, line, state, outcome, categories, "
                  "vetting_review) SELECT id, 0, state, coalesce(outcome, ''), categories, "
                  "vetting_review FROM cases WHERE subject_id = ?1 AND state <> 'closed' "
                  "AND id <= ?2"),
    /*
     * c.subject_id is NULL for an allegation of a case this import made and
     * has not written.  The row's subject is known by then (import_subject):
     * its id is compared, not its reference.
     */
    S(all_get, "SELECT a.id, c.subject_id, a.category, a.date, a.source, a.original_outcome, "
               "a.summary, a.case_id, a.import_id, a.import_line FROM allegations a "
               "LEFT JOIN cases c ON c.id = a.case_id WHERE a.ref = ?1"),
    S(all_erased, "SELECT 1 FROM allegations a JOIN erasures e ON e.case_id = a.case_id "
                  "WHERE a.ref = ?1"),
    S(all_ins, "INSERT INTO allegations(ref, case_id, category, date, source, "
               "original_outcome, summary, import_id, import_line) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
    S(case_latest, "SELECT id, state FROM cases WHERE subject_id = ?1 ORDER BY id DESC LIMIT 1"),
    S(case_seen_get, "SELECT line FROM temp.import_cases WHERE id = ?1"),
    /* A case this import made, written once (settle_new_cases). */
    S(case_ins, "INSERT INTO cases(id, subject_id, previous_case_id, state, state_since, "
                "created_at, n_allegations, n_sexual, latest_allegation, priority) "
                "VALUES (?1, ?2, ?3, 'flagged', ?4, ?4, ?5, ?6, ?7, ?8)"),
    /*
     * What the counters say of the cases just written, counted once for
     * them all: RETURNING on each INSERT cost 11 us a row (an ephemeral
     * table per statement).
     */
    S(case_keys, "SELECT state, outcome, categories, vetting_review, count(*) FROM cases "
                 "WHERE id BETWEEN ?1 AND ?2 GROUP BY 1, 2, 3, 4"),
    /*
     * A new allegation tallied on a case from before the import, which is
     * written once at the end (settle_cases); the case is noted with what
     * the counters say of it at its first touch, before this import
     * changes it.
     */
    S(case_touch_old,
      "INSERT INTO temp.import_cases(id, line, n, n_sexual, latest, state, outcome, "
      "categories, vetting_review) "
      "SELECT id, ?2, 1, ?3, ?4, state, coalesce(outcome, ''), categories, "
      "vetting_review FROM cases WHERE id = ?1 "
      "ON CONFLICT (id) DO UPDATE SET line = max(line, excluded.line), n = n + 1, "
      "n_sexual = n_sexual + excluded.n_sexual, "
      "latest = max(coalesce(latest, ''), excluded.latest)"),
#undef S
};

/*
 * The connection as it was before the import, committed or not: foreign
 * keys checked again (sq_import_begin), and back into WAL after an import
 * that set it aside (bulk_journal).
 */
static void
wal_again(cr_db *db, const struct cr_import_stmts *q)
{
    sqlite3_exec(sq(db)->sql, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    if (q && q->temp_files)
        sqlite3_exec(sq(db)->sql, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
    if (q && q->mapped) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA mmap_size = %lld", (long long)q->mmap_before);
        sqlite3_exec(sq(db)->sql, sql, NULL, NULL, NULL);
    }
    /* Should it fail, the next opening of the file does it (db.c). */
    if (q && q->rollback_journal)
        sqlite3_exec(sq(db)->sql, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
}

/*
 * The references the import's rows make, checked once at its end in place
 * of SQLite's check at every row (foreign keys are off for the import,
 * sq_import_begin): each new allegation's case, each new case's subject
 * and the case it follows.  CR_OK, or CR_DB naming the first row that
 * refers to nothing, and the import is rolled back.
 */
static enum cr_status
references_check(cr_db *db, const struct cr_import_stmts *q)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(
        db,
        "SELECT 'allegation ' || a.ref || ' names case ' || a.case_id FROM allegations a "
        "WHERE a.id > ?1 AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = a.case_id) "
        "UNION ALL SELECT 'case ' || c.id || ' names subject ' || c.subject_id || "
        "' and follows case ' || coalesce(c.previous_case_id, 'none') FROM cases c "
        "WHERE c.id > ?2 AND (NOT EXISTS (SELECT 1 FROM subjects s WHERE s.id = c.subject_id) "
        "OR (c.previous_case_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cases p "
        "WHERE p.id = c.previous_case_id))) LIMIT 1",
        &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, q->allegations_before);
    sqlite3_bind_int64(s, 2, q->cases_before);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        st = cr_fail(db, CR_DB, "import: %s, which is not there",
                     (const char *)sqlite3_column_text(s, 0));
    else if (rc != SQLITE_DONE)
        st = cr_fail_sql(db, rc, "import");
    sqlite3_reset(s);
    return st;
}

static void
import_finalize(cr_db *db)
{
    if (!sq(db)->imp)
        return;
    for (size_t i = 0; i < CR_ARRAY_LEN(import_sql); i++)
        sqlite3_finalize(*(sqlite3_stmt **)((char *)sq(db)->imp + import_sql[i].offset));
    forget_old(sq(db)->imp);
    for (size_t i = 0; i < sq(db)->imp->n_set_aside; i++)
        free(sq(db)->imp->set_aside[i]);
    free(sq(db)->imp->set_aside);
    free(sq(db)->imp->new_cases);
    free(sq(db)->imp->pending.keys);
    free(sq(db)->imp->pending.at);
    free(sq(db)->imp->seen.bits);
    cr_buf_free(&sq(db)->imp->row_key);
    cr_buf_free(&sq(db)->imp->last_key);
    free(sq(db)->imp);
    sq(db)->imp = NULL;
}

/* Step a statement that returns no row; reset it. */
static enum cr_status
run(cr_db *db, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, what);
}

/*
 * The counter triggers (schema.c, versions 1 and 5): four programs a row,
 * set aside for the import, whose net change is counted at its end
 * (write_counts).
 */
static const char counter_triggers[] =
    "'cases_count_insert', 'cases_count_update', 'cases_count_delete', "
    "'cases_outcome_count_insert', 'cases_outcome_count_update', 'cases_outcome_count_delete', "
    "'subjects_count', 'allegations_count'";

/*
 * Drop, inside the import's transaction, the counter triggers and, when
 * bulk (a database with no cases), the secondary indexes of cases and
 * allegations that the import's own lookups do not need (cases_subject
 * finds a subject's cases; the UNIQUE references are constraints): their
 * SQL is kept, in schema order, to be run again before the commit, when
 * each index is built by one sort of the whole table (restore_bounded): a
 * row inserted into a built index is a random descent of each, which past
 * the page cache reads from the file.
 *
 * The cases the import makes are written every BULK_CASES, which bounds
 * the memory their tallies take.
 */
enum { BULK_CASES = 100000 };

static enum cr_status
set_aside(cr_db *db, struct cr_import_stmts *q, bool bulk)
{
    enum cr_status st = CR_OK;
    char *sql = sqlite3_mprintf(
        "SELECT type, name, sql FROM sqlite_schema WHERE (type = 'trigger' AND name IN (%s)) "
        "OR (%d AND type = 'index' AND tbl_name IN ('cases', 'allegations') "
        "AND sql IS NOT NULL AND name <> 'cases_subject') ORDER BY rowid",
        counter_triggers, bulk);
    sqlite3_stmt *s = NULL;
    int rc = sql ? sqlite3_prepare_v2(sq(db)->sql, sql, -1, &s, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    struct cr_buf drops = {0};
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(s, 0);
        char *drop = sqlite3_mprintf("DROP %s main.\"%w\";",
                                     strcmp(type, "index") == 0 ? "INDEX" : "TRIGGER",
                                     (const char *)sqlite3_column_text(s, 1));
        char **more = realloc(q->set_aside, (q->n_set_aside + 1) * sizeof *more);
        if (more)
            q->set_aside = more;
        char *keep = more ? strdup((const char *)sqlite3_column_text(s, 2)) : NULL;
        if (keep)
            q->set_aside[q->n_set_aside++] = keep;
        rc = drop && keep && cr_buf_addf(&drops, "%s", drop) >= 0 ? SQLITE_OK : SQLITE_NOMEM;
        sqlite3_free(drop);
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_NOMEM)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    else if (rc != SQLITE_DONE)
        st = cr_fail_sql(db, rc, "prepare import");
    else if (drops.p)
        st = sql_exec(db, drops.p, "prepare import");
    cr_buf_free(&drops);
    return st;
}

/* Run again what set_aside dropped and is not back yet: the indexes only, or all. */
static enum cr_status
restore_set_aside(cr_db *db, struct cr_import_stmts *q, bool indexes_only)
{
    enum cr_status st = CR_OK;
    for (size_t i = 0; i < q->n_set_aside && st == CR_OK; i++) {
        char *sql = q->set_aside[i];
        if (!sql || (indexes_only && sqlite3_strnicmp(sql, "CREATE TRIGGER", 14) == 0))
            continue;
        st = sql_exec(db, sql, "finish import");
        free(sql);
        q->set_aside[i] = NULL;
    }
    return st;
}

/*
 * Run again, at the end of the import, what set_aside dropped.  SQLite's
 * sort keeps up to the page cache's size of rows in memory, on top of the
 * cache; after an import into a database with no cases, each index is
 * built by one sort of every row, which at a million cases would take that
 * much more: the cache is cut to SORT_CACHE_KIB for the sorts (the runs go
 * to temporary files, sq_import_begin) and put back after, so the import's
 * memory stays flat (README, Import).
 */
enum { SORT_CACHE_KIB = 8192 };

static enum cr_status
restore_bounded(cr_db *db, struct cr_import_stmts *q)
{
    if (!q->temp_files)
        return restore_set_aside(db, q, false);
    enum cr_status st = CR_OK;
    int64_t cache = sql_query_int(db, "PRAGMA cache_size", &st);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = %d", -SORT_CACHE_KIB);
    if (st == CR_OK)
        st = sql_exec(db, sql, "finish import");
    if (st != CR_OK)
        return st;
    st = restore_set_aside(db, q, false);
    snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", (long long)cache);
    enum cr_status put_back = sql_exec(db, sql, "finish import");
    return st != CR_OK ? st : put_back;
}

/*
 * Into a database with no cases the import is most often of every case
 * there will be, and WAL would write each of its pages twice: into the log,
 * then into the file at the checkpoint.  Such an import writes through a
 * rollback journal instead, each page once (the journal keeps only the few
 * pages of an empty database; synchronous=FULL as ever), and sq_import_end
 * puts the database back into WAL, as every opening does too.  SQLite
 * refuses the change while another connection has the file open, and the
 * import then goes on in WAL; one that opens the file during such an
 * import is told that the database is busy (its own change to WAL needs
 * the file to itself), where it would have seen no case.
 * So does a program that may not make a file beside the database (the
 * setgid deployment gives up its group once the database is open, db.c):
 * a rollback journal is a file made at every write, where WAL's two files
 * are made once, at the opening.  True when the journal was changed.
 */
static bool
bulk_journal(cr_db *db)
{
    sqlite3_stmt *s = NULL;
    bool empty = false, changed = false;
    char *copy = strdup(sq(db)->path);
    bool may_make = copy && faccessat(AT_FDCWD, dirname(copy), W_OK | X_OK, AT_EACCESS) == 0;
    free(copy);
    if (!may_make)
        return false;
    if (sqlite3_prepare_v2(sq(db)->sql, "SELECT 1 FROM cases LIMIT 1", -1, &s, NULL) == SQLITE_OK)
        empty = sqlite3_step(s) == SQLITE_DONE;
    sqlite3_finalize(s);
    s = NULL;
    if (empty &&
        sqlite3_prepare_v2(sq(db)->sql, "PRAGMA journal_mode = DELETE", -1, &s, NULL) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        changed = sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "delete") == 0;
    sqlite3_finalize(s);
    return changed;
}

enum cr_status
sq_import_begin(cr_db *db, const char *label, unsigned new_case_states, int64_t *import_id)
{
    assert(db && label && import_id);
    enum cr_status st = CR_OK;
    bool bulk = sql_query_int(db, "SELECT NOT EXISTS (SELECT 1 FROM cases)", &st) == 1;
    if (st != CR_OK)
        return st;
    /*
     * Into a database with no cases the indexes are built at the end, each
     * by one sort of every row (set_aside): the sort's runs go to temporary
     * files, not memory, so that its memory is bounded (restore_bounded).
     * The change drops the temporary tables, which the import makes next.
     */
    if (bulk)
        sqlite3_exec(sq(db)->sql, "PRAGMA temp_store = FILE", NULL, NULL, NULL);
    /*
     * Every case the import touches: the last line that added to it, its
     * tally of new allegations, and (for a case that existed before) what
     * the counters said of it before the import.
     */
    st = sql_exec(db,
                  "CREATE TEMP TABLE IF NOT EXISTS import_cases("
                  "  id INTEGER PRIMARY KEY, line INTEGER NOT NULL,"
                  "  n INTEGER NOT NULL DEFAULT 0, n_sexual INTEGER NOT NULL DEFAULT 0,"
                  "  latest TEXT, state TEXT, outcome TEXT, categories INTEGER,"
                  "  vetting_review INTEGER)",
                  "prepare import");
    if (st == CR_OK && !(sq(db)->imp = calloc(1, sizeof *sq(db)->imp)))
        st = cr_fail(db, CR_NOMEM, "out of memory");
    if (st != CR_OK) {
        if (bulk)
            sqlite3_exec(sq(db)->sql, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
        return st;
    }
    sq(db)->imp->new_case_states = new_case_states;
    sq(db)->imp->temp_files = bulk;
    if (!bulk) {
        enum cr_status any = CR_OK;
        sq(db)->imp->any_erased =
            sql_query_int(db, "SELECT EXISTS (SELECT 1 FROM erasures)", &any) > 0;
        if (any != CR_OK)
            return any; /* LCOV: a read of the open database */
    }
    /*
     * Into a database with cases, each row of the file is looked up (its
     * subject, its allegation) and compared: a re-import of an unchanged
     * file is nothing else.  Those reads go through a memory map of the
     * file rather than a copy into the page cache at every page (measured:
     * a quarter of a re-import's time).  The map reads what the operating
     * system's file cache holds already; it counts in the process's RSS as
     * shared file pages, which the system may drop at any time, not as its
     * own memory.  An import into an empty database reads nothing back and
     * keeps the copy (its memory stays flat, README).  Put back as it was
     * by wal_again; SQLite caps the size at its build's limit (2 GB on
     * Debian).  An I/O error on a mapped page is a SIGBUS, where a read
     * would have said "disk I/O error": the import ends, and its
     * transaction, never committed, leaves the database as it was.
     */
    if (!bulk) {
        enum cr_status was = CR_OK;
        sq(db)->imp->mmap_before = sql_query_int(db, "PRAGMA mmap_size", &was);
        sq(db)->imp->mapped =
            was == CR_OK && sqlite3_exec(sq(db)->sql, "PRAGMA mmap_size = 4294967296", NULL, NULL,
                                         NULL) == SQLITE_OK;
    }
    for (size_t i = 0; i < CR_ARRAY_LEN(import_sql); i++) {
        sqlite3_stmt **s = (sqlite3_stmt **)((char *)sq(db)->imp + import_sql[i].offset);
        int rc = sqlite3_prepare_v3(sq(db)->sql, import_sql[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
                                    s, NULL);
        if (rc != SQLITE_OK) {
            st = cr_fail_sql(db, rc, "prepare import");
            wal_again(db, sq(db)->imp);
            import_finalize(db);
            return st;
        }
    }
    sq(db)->imp->rollback_journal = bulk_journal(db);
    /*
     * The import checks the references its rows make once, at its end
     * (references_check): an allegation names its case before the case's
     * row is written (settle_new_cases).  A no-op inside a transaction,
     * hence here.
     */
    sqlite3_exec(sq(db)->sql, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);
    if ((st = sql_exec(db, "BEGIN IMMEDIATE", "begin import")) != CR_OK) {
        wal_again(db, sq(db)->imp);
        import_finalize(db);
        return st;
    }
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(sq(db)->sql, "INSERT INTO imports(at, label) VALUES (?1, ?2)", -1,
                                &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, cr_db_tx_now(db));
        sqlite3_bind_text(s, 2, label, -1, SQLITE_STATIC);
        rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(sq(db)->sql);
    }
    sqlite3_finalize(s);
    *import_id = sq(db)->imp->import_id = sqlite3_last_insert_rowid(sq(db)->sql);
    st = rc == SQLITE_OK ? sql_exec(db, "DELETE FROM temp.import_cases", "prepare import")
                         : cr_fail_sql(db, rc, "begin import");
    if (st == CR_OK)
        sq(db)->imp->cases_before =
            sql_query_int(db, "SELECT coalesce(max(id), 0) FROM cases", &st);
    if (st == CR_OK)
        sq(db)->imp->allegations_before =
            sql_query_int(db, "SELECT coalesce(max(id), 0) FROM allegations", &st);
    if (st == CR_OK)
        st = set_aside(db, sq(db)->imp, sq(db)->imp->cases_before == 0);
    /* References looked up through the filter only when none was there before. */
    if (st == CR_OK && sq(db)->imp->allegations_before == 0 &&
        sql_query_int(db, "SELECT EXISTS (SELECT 1 FROM subjects)", &st) == 0 && st == CR_OK &&
        !(sq(db)->imp->seen.bits = calloc(SEEN_BITS / 64, sizeof(uint64_t))))
        st = cr_fail(db, CR_NOMEM, "out of memory");
    sq(db)->imp->tallied_after = sq(db)->imp->cases_before;
    if (st != CR_OK) {
        sqlite3_exec(sq(db)->sql, "ROLLBACK", NULL, NULL, NULL);
        wal_again(db, sq(db)->imp);
        import_finalize(db);
    }
    return st;
}

void
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
    sqlite3_bind_int64(s, 9, sq(db)->imp->import_id);
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
    if (sqlite3_column_int64(s, col) != sq(db)->imp->import_id)
        return 0;
    return (long)sqlite3_column_int64(s, col + 1);
}

/* A subject's details in column order, as the import compares them. */
static const int subject_cols[CR_SUBJECT_DETAILS] = CR_SUBJECT_DETAIL_COLUMNS;

/*
 * A later import changed a subject's details: what the caller's audit event
 * says, the subject's latest case (before this row's) and its state; the
 * details as they were are already in q->old.
 */
static enum cr_status
subject_updated(cr_db *db, int64_t subject_id, struct cr_subject_update *u)
{
    struct cr_import_stmts *q = sq(db)->imp;
    sqlite3_bind_int64(q->case_latest, 1, subject_id);
    int rc = sqlite3_step(q->case_latest);
    u->case_id = rc == SQLITE_ROW ? sqlite3_column_int64(q->case_latest, 0) : 0;
    u->state = rc == SQLITE_ROW
                   ? cr_state_parse((const char *)sqlite3_column_text(q->case_latest, 1))
                   : -1;
    sqlite3_reset(q->case_latest);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "record subject update");
    for (size_t i = 0; i < CR_SUBJECT_DETAILS; i++)
        u->before[i] = q->old[i];
    u->updated = true;
    return CR_OK;
}

static enum cr_status
import_subject(cr_db *db, const struct cr_import_row *r, long line, struct cr_import_result *res,
               int64_t *subject_id, struct cr_conflict *conflict, struct cr_subject_update *update)
{
    struct cr_import_stmts *q = sq(db)->imp;
    enum cr_status st;
    int rc = SQLITE_DONE;
    if (seen_maybe(&q->seen, 's', r->subject_ref)) {
        sqlite3_bind_text(q->subj_get, 1, r->subject_ref, -1, SQLITE_STATIC);
        rc = sqlite3_step(q->subj_get);
    }
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q->subj_get);
        sqlite3_bind_text(q->subj_ins, 1, r->subject_ref, -1, SQLITE_STATIC);
        bind_subject(db, q->subj_ins, r, line);
        if ((st = run(db, q->subj_ins, "import subject")) != CR_OK)
            return st;
        seen_add(&q->seen, 's', r->subject_ref);
        *subject_id = sqlite3_last_insert_rowid(sq(db)->sql);
        res->new_subjects++;
        q->counts.subjects++;
        return CR_OK;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q->subj_get);
        return cr_fail_sql(db, rc, "import subject");
    }
    *subject_id = sqlite3_column_int64(q->subj_get, 0);
    const char *want[] = {
        r->surname, r->forenames,          cr_employment_name(r->employment), r->rank,
        r->unit,    cr_duty_name(r->duty), cr_vetting_name(r->vetting)};
    int differs = -1;
    for (size_t i = 0; i < CR_ARRAY_LEN(subject_cols) && differs < 0; i++) {
        /* A column the file does not have is no difference. */
        if (subject_cols[i] == CR_COL_VETTING_STATUS && !r->has_vetting)
            continue;
        if (!column_is(q->subj_get, (int)i + 1, want[i]))
            differs = subject_cols[i];
    }
    long first = line_in_this_import(db, q->subj_get, 8);
    if (differs < 0 || first) {
        sqlite3_reset(q->subj_get);
        if (differs < 0)
            return CR_OK;
        /* Two rows of this file disagree about the subject. */
        conflict->column = differs;
        conflict->other_line = first;
        return CR_INVALID;
    }
    /* The stored values, for the audit trail, before the statement is reset. */
    char **old = q->old;
    bool nomem = false;
    for (size_t i = 0; i < CR_ARRAY_LEN(subject_cols); i++) {
        const char *v = (const char *)sqlite3_column_text(q->subj_get, (int)i + 1);
        if (v && !(old[i] = strdup(v)))
            nomem = true;
    }
    sqlite3_reset(q->subj_get);
    /* Its cases' search documents as they are, before they change (search.c). */
    if (!nomem && (st = sq_search_record_subject(db, q->import_id, *subject_id)) != CR_OK)
        return st;
    /* A later import brings the subject's details up to date. */
    if (nomem) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
    } else {
        sqlite3_bind_int64(q->subj_upd, 1, *subject_id);
        bind_subject(db, q->subj_upd, r, line);
        sqlite3_bind_int(q->subj_upd, 11, r->has_vetting);
        st = run(db, q->subj_upd, "update subject");
    }
    if (st == CR_OK)
        st = subject_updated(db, *subject_id, update);
    if (st != CR_OK)
        return st;
    res->updated_subjects++;
    sqlite3_bind_int64(q->subj_touch, 1, *subject_id);
    sqlite3_bind_int64(q->subj_touch, 2, q->tallied_after);
    return run(db, q->subj_touch, "update subject");
}

/*
 * Compare a row with the stored allegation of the same reference (all_get,
 * from its third column), whose subject is the row's: the first column at
 * fault, or -1.
 */
static int
allegation_differs(sqlite3_stmt *s, const struct cr_import_row *r)
{
    const char *want[] = {cr_category_name(r->category), r->date, cr_source_name(r->source),
                          r->original_outcome, r->summary};
    static const int cols[] = {CR_COL_CATEGORY, CR_COL_ALLEGATION_DATE, CR_COL_SOURCE,
                               CR_COL_ORIGINAL_OUTCOME, CR_COL_SUMMARY};
    for (size_t i = 0; i < CR_ARRAY_LEN(cols); i++)
        if (!column_is(s, (int)i + 2, want[i]))
            return cols[i];
    return -1;
}

/* Add a string, or its absence, to a key: its length first, so that no two differ alike. */
static int
key_add(struct cr_buf *b, const char *v)
{
    size_t n = v ? strlen(v) : SIZE_MAX;
    if (cr_buf_add(b, (const char *)&n, sizeof n) < 0)
        return -1;
    return v ? cr_buf_add(b, v, n) : 0;
}

/* A row's subject as bytes: its reference and every detail the import compares. */
static bool
subject_key(struct cr_buf *b, const struct cr_import_row *r)
{
    cr_buf_reset(b);
    const char *v[] = {r->subject_ref, r->surname, r->forenames, r->rank, r->unit};
    int e[] = {r->employment, r->duty, r->vetting, r->has_vetting};
    for (size_t i = 0; i < CR_ARRAY_LEN(v); i++)
        if (key_add(b, v[i]) < 0)
            return false;
    return cr_buf_add(b, (const char *)e, sizeof e) == 0;
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

/*
 * The case a new allegation of this subject belongs to, made when needed
 * (when the subject's latest case is in one of new_case_states, given by
 * the workflow); *state is that case's state.  Whether a decided case must
 * be decided again is the workflow's to say (import.c), not the engine's.
 * A case made here is written at the end (settle_new_cases): until then
 * it is the subject's in q->pending, flagged.  fresh: the subject was made
 * by this row, so it has no case in the database.
 */
static enum cr_status
case_for(cr_db *db, int64_t subject_id, bool fresh, const struct cr_import_row *r,
         struct cr_import_result *res, int64_t *case_id, int *state_out)
{
    struct cr_import_stmts *q = sq(db)->imp;
    enum cr_status st;
    int64_t latest = 0;
    int state = -1;
    long made = pending_get(&q->pending, subject_id);
    if (made >= 0) {
        latest = q->tallied_after + 1 + made;
        state = CR_STATE_FLAGGED;
    } else if (!fresh) {
        sqlite3_bind_int64(q->case_latest, 1, subject_id);
        int rc = sqlite3_step(q->case_latest);
        if (rc == SQLITE_ROW) {
            latest = sqlite3_column_int64(q->case_latest, 0);
            state = cr_state_parse((const char *)sqlite3_column_text(q->case_latest, 1));
        }
        sqlite3_reset(q->case_latest);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return cr_fail_sql(db, rc, "import case");
    }

    if (latest && !(state >= 0 && (q->new_case_states & (1u << state)))) {
        *case_id = latest;
        /* Open before this import, or created by an earlier row of it? */
        if (made < 0 && latest <= q->cases_before && case_seen(q->case_seen_get, latest) == 0) {
            res->added_to_open++;
            /* Its search document as it is, before the allegation changes it (search.c). */
            if ((st = sq_search_record_case(db, q->import_id, latest)) != CR_OK)
                return st;
        }
        *state_out = state;
        return CR_OK;
    }
    /* A new case: the next number, its row written at the end. */
    if (q->n_new_cases == q->cap_new_cases) {
        size_t cap = q->cap_new_cases ? 2 * q->cap_new_cases : 4096;
        struct new_case *more = realloc(q->new_cases, cap * sizeof *more);
        if (!more)
            return cr_fail(db, CR_NOMEM, "out of memory");
        q->new_cases = more;
        q->cap_new_cases = cap;
    }
    if (!pending_put(&q->pending, subject_id, (uint32_t)q->n_new_cases))
        return cr_fail(db, CR_NOMEM, "out of memory");
    q->new_cases[q->n_new_cases] =
        (struct new_case){subject_id, latest, 0, 0, INT32_MIN, (int32_t)r->duty};
    *case_id = q->tallied_after + 1 + (int64_t)q->n_new_cases++;
    *state_out = CR_STATE_FLAGGED;
    res->new_cases++;
    if (latest)
        res->reopened_cases++;
    return CR_OK;
}

static enum cr_status settle_new_cases(cr_db *db, struct cr_import_stmts *q);

/* Add an allegation of date to the tally of case_id, one this import made (case_for). */
static enum cr_status
tally_new_case(cr_db *db, int64_t case_id, int sexual, const char *date)
{
    struct cr_import_stmts *q = sq(db)->imp;
    int64_t days;
    if (cr_date_parse(date, strlen(date), &days) < 0 || days < INT32_MIN || days > INT32_MAX)
        return cr_fail(db, CR_DB, "import allegation: '%s' is not a date", date);
    size_t i = (size_t)(case_id - q->tallied_after - 1);
    if (i >= q->n_new_cases)
        return cr_fail(db, CR_DB, "import allegation: case %lld was not made by this import",
                       (long long)case_id);
    struct new_case *c = &q->new_cases[i];
    c->n++;
    c->n_sexual += sexual;
    if (days > c->latest)
        c->latest = (int32_t)days;
    if (q->n_new_cases < BULK_CASES)
        return CR_OK;
    /*
     * BULK_CASES made: they are written now (into a database that had no
     * cases, with the indexes still set aside), which bounds the memory
     * they take.  A later allegation to one of them tallies it as a case
     * from before (temp.import_cases).
     */
    enum cr_status st = settle_new_cases(db, q);
    if (st != CR_OK)
        return st;
    q->tallied_after += (int64_t)q->n_new_cases;
    q->n_new_cases = 0;
    pending_clear(&q->pending);
    return CR_OK;
}

enum cr_status
sq_import_row(cr_db *db, const struct cr_import_row *r, long line, struct cr_import_result *res,
              enum cr_row_outcome *outcome, struct cr_conflict *conflict, struct cr_row_case *added,
              struct cr_subject_update *update)
{
    assert(db && r && res && outcome && conflict && added && update && sq(db)->imp);
    struct cr_import_stmts *q = sq(db)->imp;
    enum cr_status st;
    int64_t subject_id = 0;

    memset(conflict, 0, sizeof *conflict);
    forget_old(q);
    /*
     * A row of an erased case (purge) is the upstream extract's copy of what
     * was erased: skipped whole, so that neither its subject's names nor its
     * text come back (README, "Retention, erasure and correction").
     */
    if (q->any_erased) {
        sqlite3_bind_text(q->all_erased, 1, r->allegation_ref, -1, SQLITE_STATIC);
        int erc = sqlite3_step(q->all_erased);
        sqlite3_reset(q->all_erased);
        if (erc == SQLITE_ROW) {
            *outcome = CR_ROW_KNOWN;
            res->erased_allegations++;
            added->id = 0; /* nothing of the row goes anywhere, its linked references neither */
            added->state = -1;
            return CR_OK;
        }
        if (erc != SQLITE_DONE)
            return cr_fail_sql(db, erc, "import allegation");
    }
    int64_t new_subjects = res->new_subjects;
    bool keyed = subject_key(&q->row_key, r);
    if (keyed && q->last_subject && q->row_key.len == q->last_key.len &&
        memcmp(q->row_key.p, q->last_key.p, q->row_key.len) == 0) {
        subject_id = q->last_subject;
    } else {
        q->last_subject = 0;
        st = import_subject(db, r, line, res, &subject_id, conflict, update);
        if (st == CR_INVALID) {
            *outcome = CR_ROW_CONFLICT;
            return CR_OK;
        }
        if (st != CR_OK)
            return st;
        if (keyed) {
            struct cr_buf t = q->last_key;
            q->last_key = q->row_key;
            q->row_key = t;
            q->last_subject = subject_id;
        }
    }

    int rc = SQLITE_DONE;
    if (seen_maybe(&q->seen, 'a', r->allegation_ref)) {
        sqlite3_bind_text(q->all_get, 1, r->allegation_ref, -1, SQLITE_STATIC);
        rc = sqlite3_step(q->all_get);
    }
    if (rc == SQLITE_ROW) {
        int64_t other = sqlite3_column_int64(q->all_get, 7);
        bool same;
        if (sqlite3_column_type(q->all_get, 1) != SQLITE_NULL) {
            same = sqlite3_column_int64(q->all_get, 1) == subject_id;
        } else {
            /* Its case is one this import made and has not written: its subject is known here. */
            size_t i = (size_t)(other - q->tallied_after - 1);
            same = other > q->tallied_after && i < q->n_new_cases &&
                   q->new_cases[i].subject_id == subject_id;
        }
        int differs = same ? allegation_differs(q->all_get, r) : CR_COL_SUBJECT_REF;
        conflict->other_case = other;
        conflict->other_line = line_in_this_import(db, q->all_get, 8);
        sqlite3_reset(q->all_get);
        if (differs < 0) {
            *outcome = CR_ROW_KNOWN;
            res->known_allegations++;
            /* Its case, for the row's linked references (timeline.c). */
            added->id = other;
            added->state = -1;
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
    int state = -1;
    if ((st = case_for(db, subject_id, res->new_subjects > new_subjects, r, res, &case_id,
                       &state)) != CR_OK)
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
    seen_add(&q->seen, 'a', r->allegation_ref);
    q->counts.allegations[r->category]++;

    /* The case is written once, at the end (settle_*cases): here its tally. */
    int sexual = r->category == CR_CATEGORY_SEXUAL_OFFENCE;
    if (case_id > q->tallied_after) {
        st = tally_new_case(db, case_id, sexual, r->date);
    } else {
        /* An allegation added to a case that existed before the import. */
        s = q->case_touch_old;
        sqlite3_bind_int64(s, 1, case_id);
        sqlite3_bind_int64(s, 2, line);
        sqlite3_bind_int(s, 3, sexual);
        sqlite3_bind_text(s, 4, r->date, -1, SQLITE_STATIC);
        st = run(db, s, "import allegation");
    }
    if (st != CR_OK)
        return st;
    res->new_allegations++;
    *outcome = CR_ROW_ADDED;
    added->id = case_id;
    added->state = state;
    return CR_OK;
}

/* One touched case, as settle_cases reads it before writing it. */
struct settled {
    int64_t id, priority;
    int n, n_sexual;
    char *latest;
    int state, outcome, categories, vetting_review; /* before the import */
};

/* A counted key's place in struct import_counts, or false when out of its range. */
static bool
count_key(int state, int outcome, int last, int max_last)
{
    return state >= 0 && state < CR_STATE_COUNT && outcome >= -1 && outcome < CR_OUTCOME_COUNT &&
           last >= 0 && last <= max_last;
}

/* Add d to the counts of a case with these values; false when one is out of range. */
static bool
count_case(struct import_counts *c, int state, int outcome, int categories, int vetting_review,
           int64_t d)
{
    if (!count_key(state, outcome, categories, 3) || !count_key(state, outcome, vetting_review, 1))
        return false;
    c->cases[state][outcome + 1][categories] += d;
    c->outcomes[state][outcome + 1][vetting_review] += d;
    return true;
}

/*
 * Write every case the import touched, once: its allegations, sexual
 * offences, latest allegation and priority from its stored figures and the
 * import's tally, a slice at a time, so that no one statement's journal
 * grows with the import.
 * The priority rule is cr_priority's, called from C on each case's figures.
 * What the counters say of each case after the import (the UPDATE returns
 * it) and before it (temp.import_cases) makes the import's net change.
 * Cases from before the import (own false) have their tally in
 * temp.import_cases, the import's own (own true) in q->new_cases.
 */
/*
 * The allegations and sexual offences of the subject's cases before case
 * id (the closed cases it follows): one read through cases_subject, for
 * the few new cases that follow another.
 */
static enum cr_status
prior_figures(cr_db *db, int64_t subject_id, int64_t id, int *n, int *n_sexual)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db,
                                  "SELECT coalesce(sum(n_allegations), 0), coalesce(sum(n_sexual), "
                                  "0) FROM cases WHERE subject_id = ?1 AND id < ?2",
                                  &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, subject_id);
    sqlite3_bind_int64(s, 2, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *n = sqlite3_column_int(s, 0);
        *n_sexual = sqlite3_column_int(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? CR_OK : cr_fail_sql(db, rc, "import case");
}

/*
 * Write the cases this import made and has not written yet, each once, in
 * number order, with its figures and priority, and count them.
 */
static enum cr_status
settle_new_cases(cr_db *db, struct cr_import_stmts *q)
{
    enum cr_status st = CR_OK;
    int64_t now = cr_db_tx_now(db);
    sqlite3_stmt *u = q->case_ins;
    for (size_t i = 0; i < q->n_new_cases && st == CR_OK; i++) {
        const struct new_case *c = &q->new_cases[i];
        int64_t id = q->tallied_after + 1 + (int64_t)i;
        if (c->n == 0)
            return cr_fail(db, CR_DB, "import case: case %lld has no allegation", (long long)id);
        char day[21];
        cr_time_format((int64_t)c->latest * 86400, day);
        day[10] = '\0';
        /* A case that follows others: the priority counts the subject's whole history. */
        int prior = 0, prior_sexual = 0;
        if (c->previous &&
            (st = prior_figures(db, c->subject_id, id, &prior, &prior_sexual)) != CR_OK)
            return st;
        sqlite3_bind_int64(u, 1, id);
        sqlite3_bind_int64(u, 2, c->subject_id);
        if (c->previous)
            sqlite3_bind_int64(u, 3, c->previous);
        else
            sqlite3_bind_null(u, 3);
        sqlite3_bind_int64(u, 4, now);
        sqlite3_bind_int(u, 5, c->n);
        sqlite3_bind_int(u, 6, c->n_sexual);
        sqlite3_bind_text(u, 7, day, -1, SQLITE_STATIC);
        sqlite3_bind_int64(u, 8,
                           cr_priority(c->duty, c->n + prior, c->n_sexual + prior_sexual, day));
        st = run(db, u, "import case");
    }
    if (st != CR_OK || !q->n_new_cases)
        return st;
    sqlite3_stmt *k = q->case_keys;
    sqlite3_bind_int64(k, 1, q->tallied_after + 1);
    sqlite3_bind_int64(k, 2, q->tallied_after + (int64_t)q->n_new_cases);
    int rc;
    while (st == CR_OK && (rc = sqlite3_step(k)) == SQLITE_ROW) {
        const char *outcome = (const char *)sqlite3_column_text(k, 1);
        if (!count_case(&q->counts, cr_state_parse((const char *)sqlite3_column_text(k, 0)),
                        outcome ? cr_outcome_parse(outcome) : -1, sqlite3_column_int(k, 2),
                        sqlite3_column_int(k, 3), sqlite3_column_int64(k, 4)))
            st = cr_fail(db, CR_DB,
                         "import case: a case has a state, outcome or "
                         "category the counters do not know");
    }
    if (st == CR_OK && rc != SQLITE_DONE)
        st = cr_fail_sql(db, rc, "import case");
    sqlite3_reset(k);
    return st;
}

/*
 * Write the cases from before this import (or written earlier in it) that
 * it touched, each once, with their new figures and priority, and count
 * the change (what each counted as before, from temp.import_cases).
 */
static enum cr_status
settle_cases(cr_db *db, struct cr_import_stmts *q)
{
    enum cr_status st = CR_OK;
    enum { SLICE = 4096 };
    struct settled *slice = calloc(SLICE, sizeof *slice);
    if (!slice)
        return cr_fail(db, CR_NOMEM, "out of memory");
    int64_t after = 0;
    for (;;) {
        /* A slice of the touched cases, read whole before any is written. */
        sqlite3_stmt *s = sql_prepare(
            db,
            "SELECT t.id, s.duty_status, c.n_allegations + t.n, c.n_sexual + t.n_sexual, "
            "CASE WHEN t.n > 0 THEN max(coalesce(c.latest_allegation, ''), t.latest) "
            "ELSE c.latest_allegation END, t.state, t.outcome, t.categories, "
            "t.vetting_review, CASE WHEN c.previous_case_id IS NULL THEN 0 ELSE "
            "(SELECT sum(p.n_allegations) FROM cases p WHERE p.subject_id = c.subject_id "
            "AND p.id < c.id) END, CASE WHEN c.previous_case_id IS NULL THEN 0 ELSE "
            "(SELECT sum(p.n_sexual) FROM cases p WHERE p.subject_id = c.subject_id "
            "AND p.id < c.id) END FROM temp.import_cases t JOIN cases c ON c.id = t.id "
            "JOIN subjects s ON s.id = c.subject_id WHERE t.id > ?1 ORDER BY t.id LIMIT ?2",
            &st);
        if (!s)
            break;
        sqlite3_bind_int64(s, 1, after);
        sqlite3_bind_int(s, 2, SLICE);
        size_t n = 0;
        int rc;
        bool nomem = false;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < SLICE) {
            struct settled *c = &slice[n++];
            c->id = sqlite3_column_int64(s, 0);
            const char *latest = (const char *)sqlite3_column_text(s, 4);
            c->n = sqlite3_column_int(s, 2);
            c->n_sexual = sqlite3_column_int(s, 3);
            c->latest = latest ? strdup(latest) : NULL;
            nomem |= latest && !c->latest;
            /* The subject's earlier cases count too (9, 10: their allegations). */
            c->priority = cr_priority(cr_duty_parse((const char *)sqlite3_column_text(s, 1)),
                                      c->n + sqlite3_column_int(s, 9),
                                      c->n_sexual + sqlite3_column_int(s, 10), latest);
            /* -1: a new case; -2: a case from before whose state the counters do not know. */
            c->state = sqlite3_column_type(s, 5) == SQLITE_NULL
                           ? -1
                           : cr_state_parse((const char *)sqlite3_column_text(s, 5));
            if (c->state < 0 && sqlite3_column_type(s, 5) != SQLITE_NULL)
                c->state = -2;
            const char *outcome = (const char *)sqlite3_column_text(s, 6);
            c->outcome = outcome && *outcome ? cr_outcome_parse(outcome) : -1;
            c->categories = sqlite3_column_int(s, 7);
            c->vetting_review = sqlite3_column_int(s, 8);
        }
        sqlite3_reset(s);
        if (st == CR_OK && nomem)
            st = cr_fail(db, CR_NOMEM, "out of memory");
        else if (st == CR_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            st = cr_fail_sql(db, rc, "update cases");
        sqlite3_stmt *u = st == CR_OK && n ? sql_prepare(db,
                                                         "UPDATE cases SET n_allegations = ?2, "
                                                         "n_sexual = ?3, latest_allegation = ?4, "
                                                         "priority = ?5 WHERE id = ?1 "
                                                         "RETURNING state, outcome, categories, "
                                                         "vetting_review",
                                                         &st)
                                           : NULL;
        for (size_t i = 0; i < n && u && st == CR_OK; i++) {
            const struct settled *c = &slice[i];
            sqlite3_bind_int64(u, 1, c->id);
            sqlite3_bind_int(u, 2, c->n);
            sqlite3_bind_int(u, 3, c->n_sexual);
            if (c->latest)
                sqlite3_bind_text(u, 4, c->latest, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(u, 4);
            sqlite3_bind_int64(u, 5, c->priority);
            rc = sqlite3_step(u);
            bool known = rc == SQLITE_ROW && c->state != -2;
            if (known) {
                const char *outcome = (const char *)sqlite3_column_text(u, 1);
                known =
                    count_case(&q->counts, cr_state_parse((const char *)sqlite3_column_text(u, 0)),
                               outcome ? cr_outcome_parse(outcome) : -1, sqlite3_column_int(u, 2),
                               sqlite3_column_int(u, 3), 1);
                if (known && c->state >= 0)
                    known = count_case(&q->counts, c->state, c->outcome, c->categories,
                                       c->vetting_review, -1);
                rc = sqlite3_step(u);
            }
            sqlite3_reset(u);
            if (rc != SQLITE_DONE)
                st = cr_fail_sql(db, rc, "update cases");
            else if (!known)
                st = cr_fail(db, CR_DB,
                             "update cases: case %lld has a state, outcome or "
                             "category the counters do not know",
                             (long long)c->id);
        }
        for (size_t i = 0; i < n; i++) {
            free(slice[i].latest);
            slice[i].latest = NULL;
        }
        if (st != CR_OK || n == 0)
            break;
        after = slice[n - 1].id;
    }
    free(slice);
    return st;
}

/* Add the import's net change to the counters. */
static enum cr_status
write_counts(cr_db *db, const struct import_counts *c)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *cases = sql_prepare(db,
                                      "INSERT INTO case_counts(state, outcome, categories, n) "
                                      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (state, outcome, "
                                      "categories) DO UPDATE SET n = n + excluded.n",
                                      &st);
    for (int s = 0; cases && s < CR_STATE_COUNT && st == CR_OK; s++)
        for (int o = 0; o <= CR_OUTCOME_COUNT && st == CR_OK; o++)
            for (int k = 0; k < 4 && st == CR_OK; k++) {
                if (!c->cases[s][o][k])
                    continue;
                sqlite3_bind_text(cases, 1, cr_state_name(s), -1, SQLITE_STATIC);
                sqlite3_bind_text(cases, 2, o ? cr_outcome_name(o - 1) : "", -1, SQLITE_STATIC);
                sqlite3_bind_int(cases, 3, k);
                sqlite3_bind_int64(cases, 4, c->cases[s][o][k]);
                st = step_done(db, cases, "count cases");
            }
    sqlite3_stmt *outcomes =
        st == CR_OK ? sql_prepare(db,
                                  "INSERT INTO outcome_counts(state, outcome, vetting_review, n) "
                                  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (state, outcome, "
                                  "vetting_review) DO UPDATE SET n = n + excluded.n",
                                  &st)
                    : NULL;
    for (int s = 0; outcomes && s < CR_STATE_COUNT && st == CR_OK; s++)
        for (int o = 0; o <= CR_OUTCOME_COUNT && st == CR_OK; o++)
            for (int v = 0; v < 2 && st == CR_OK; v++) {
                if (!c->outcomes[s][o][v])
                    continue;
                sqlite3_bind_text(outcomes, 1, cr_state_name(s), -1, SQLITE_STATIC);
                sqlite3_bind_text(outcomes, 2, o ? cr_outcome_name(o - 1) : "", -1, SQLITE_STATIC);
                sqlite3_bind_int(outcomes, 3, v);
                sqlite3_bind_int64(outcomes, 4, c->outcomes[s][o][v]);
                st = step_done(db, outcomes, "count cases");
            }
    sqlite3_stmt *named = st == CR_OK ? sql_prepare(db,
                                                    "INSERT INTO counters(name, n) VALUES (?1, ?2) "
                                                    "ON CONFLICT (name) DO UPDATE SET n = n + "
                                                    "excluded.n",
                                                    &st)
                                      : NULL;
    for (int k = -1; named && k < CR_CATEGORY_COUNT && st == CR_OK; k++) {
        int64_t n = k < 0 ? c->subjects : c->allegations[k];
        if (!n)
            continue;
        char name[64];
        snprintf(name, sizeof name, "%s%s",
                 k < 0 ? "subjects" : "allegations:", k < 0 ? "" : cr_category_name(k));
        sqlite3_bind_text(named, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(named, 2, n);
        st = step_done(db, named, "count records");
    }
    return st;
}

int64_t
sq_import_current(cr_db *db, int64_t *cases_before)
{
    *cases_before = sq(db)->imp ? sq(db)->imp->cases_before : 0;
    return sq(db)->imp ? sq(db)->imp->import_id : 0;
}

enum cr_status
sq_import_end(cr_db *db, const struct cr_import_result *res, bool commit)
{
    enum cr_status st = CR_OK;
    struct cr_import_stmts *q = sq(db)->imp;
    if (commit && q) {
        st = settle_cases(db, q);
        if (st == CR_OK)
            st = settle_new_cases(db, q);
        if (st == CR_OK)
            st = references_check(db, q);
        if (st == CR_OK)
            st = write_counts(db, &q->counts);
        if (st == CR_OK)
            st = restore_bounded(db, q);
        if (st == CR_OK) {
            sqlite3_stmt *s = NULL;
            int rc = sqlite3_prepare_v2(sq(db)->sql,
                                        "UPDATE imports SET rows = ?2, new_allegations = ?3, "
                                        "new_cases = ?4 WHERE id = ?1",
                                        -1, &s, NULL);
            if (rc == SQLITE_OK) {
                sqlite3_bind_int64(s, 1, q->import_id);
                sqlite3_bind_int64(s, 2, res->rows);
                sqlite3_bind_int64(s, 3, res->new_allegations);
                sqlite3_bind_int64(s, 4, res->new_cases);
                rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(sq(db)->sql);
            }
            sqlite3_finalize(s);
            if (rc != SQLITE_OK)
                st = cr_fail_sql(db, rc, "record import");
        }
        /* After restore_set_aside: each document is composed through allegations_case. */
        if (st == CR_OK)
            st = sq_search_update(db, q->cases_before);
        if (st == CR_OK)
            st = sql_exec(db, "COMMIT", "commit import");
    }
    /* A rolled-back import also puts back what set_aside dropped. */
    if (!commit || st != CR_OK)
        sqlite3_exec(sq(db)->sql, "ROLLBACK", NULL, NULL, NULL);
    wal_again(db, q);
    import_finalize(db);
    return st;
}
