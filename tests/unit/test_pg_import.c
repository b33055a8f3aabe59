/*
 * The PostgreSQL engine's import (core/pg/import.c, sql/040-import.sql)
 * against the SQLite engine's: the same files through st_import_begin,
 * st_import_row (with core's cr_import_links for linked_refs) and
 * st_import_end on a SQLite file and on PostgreSQL, each row's answer
 * (outcome, conflict, case and state, subject update and its details as
 * they were) and the import's counts compared, then every table the import
 * writes, row by row in id order (imports, subjects, cases, allegations,
 * case_links, case_counts and outcome_counts where n is not 0, counters),
 * and each case's search document as search_vector() makes it from
 * case_documents.  The audit events and the workflow's returns of decided
 * cases are core's (import.c), made with methods of other sections, and
 * are left out on both engines alike: a file whose rows the workflow would
 * send back is answered the same (the case and its state), which is what
 * core acts on.  Files: each import fixture that holds no syntax error, in
 * turn on the same two databases (good, good again: all known, updated
 * subject, changed: a conflict with an earlier import, nothing written,
 * subject_conflict, duplicate_ref), a file adding allegations to subjects
 * whose cases are awaiting approval and closed, with linked references,
 * and a generated file of CASES (20000) subjects' allegations timed on
 * both engines and against psql's \copy of the same file into a plain
 * table.  Skipped (77) without CASEREVIEW_TEST_PG_URL.
 */
#include "../../core/pg/pg.h"
#include "internal.h"

#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define T0 1767225600 /* 2026-01-01T00:00:00Z */

static int64_t
test_clock(void *ctx)
{
    (void)ctx;
    return T0;
}

static const char *url;
static char dir[64], sqlite_path[128];
static cr_db *lite, *pgdb;
static PGconn *admin; /* the service role, to read what the engine wrote */

static double
seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One row's answer. */
struct answer {
    enum cr_status st;
    enum cr_row_outcome outcome;
    struct cr_conflict cf;
    struct cr_row_case added;
    bool updated;
    int64_t upd_case;
    int upd_state;
    char before[CR_SUBJECT_DETAILS][300];
};

struct run {
    struct cr_import_result res;
    struct answer *rows;
    size_t n;
    bool conflict;
    enum cr_status st;
};

/* Import file into db as core's import does, with its import event but no other events or returns.
 */
static void
import_file(cr_db *db, const char *file, struct run *out)
{
    memset(out, 0, sizeof *out);
    FILE *in = fopen(file, "rb");
    assert_non_null(in);
    struct cr_csv csv;
    cr_csv_init(&csv, in);
    assert_int_equal(cr_csv_next(&csv), CR_CSV_RECORD);
    int col_of[CR_COL_COUNT];
    for (int c = 0; c < CR_COL_COUNT; c++)
        col_of[c] = -1;
    size_t ncols = csv.nfields;
    for (size_t i = 0; i < csv.nfields; i++) {
        const char *name = cr_csv_field(&csv, i);
        if (strncmp(name, "\xef\xbb\xbf", 3) == 0)
            name += 3;
        for (int c = 0; c < CR_COL_COUNT; c++)
            if (strcasecmp(cr_column_names[c], name) == 0)
                col_of[c] = (int)i;
    }
    int64_t import_id = 0;
    enum cr_status st = st_import_begin(db, file, cr_import_new_case_states(), &import_id);
    assert_int_equal(st, CR_OK);
    size_t cap = 0;
    while (st == CR_OK && cr_csv_next(&csv) == CR_CSV_RECORD) {
        assert_int_equal(csv.nfields, ncols);
        out->res.rows++;
        const char *f[CR_COL_COUNT] = {0};
        for (int c = 0; c < CR_COL_COUNT; c++)
            f[c] = col_of[c] >= 0 ? cr_csv_field(&csv, (size_t)col_of[c]) : NULL;
        struct cr_import_row row = {
            .subject_ref = f[CR_COL_SUBJECT_REF],
            .surname = f[CR_COL_SURNAME],
            .forenames = f[CR_COL_FORENAMES],
            .rank = f[CR_COL_RANK],
            .unit = f[CR_COL_UNIT],
            .allegation_ref = f[CR_COL_ALLEGATION_REF],
            .date = f[CR_COL_ALLEGATION_DATE],
            .original_outcome = f[CR_COL_ORIGINAL_OUTCOME],
            .summary = f[CR_COL_SUMMARY],
            .employment = cr_employment_parse(f[CR_COL_EMPLOYMENT]),
            .duty = cr_duty_parse(f[CR_COL_DUTY_STATUS]),
            .vetting = f[CR_COL_VETTING_STATUS] && *f[CR_COL_VETTING_STATUS]
                           ? cr_vetting_parse(f[CR_COL_VETTING_STATUS])
                           : -1,
            .category = cr_category_parse(f[CR_COL_CATEGORY]),
            .source = cr_source_parse(f[CR_COL_SOURCE]),
            .has_vetting = col_of[CR_COL_VETTING_STATUS] >= 0,
            .linked_refs = f[CR_COL_LINKED_REFS],
        };
        if (out->n == cap) {
            cap = cap ? 2 * cap : 64;
            out->rows = realloc(out->rows, cap * sizeof *out->rows);
            assert_non_null(out->rows);
        }
        struct answer *a = &out->rows[out->n++];
        memset(a, 0, sizeof *a);
        struct cr_subject_update u;
        st = a->st =
            st_import_row(db, &row, csv.record_line, &out->res, &a->outcome, &a->cf, &a->added, &u);
        if (st != CR_OK)
            fail_msg("%s line %ld: %s", file, csv.record_line, cr_db_errmsg(db));
        if (a->outcome != CR_ROW_CONFLICT) {
            memset(&a->cf, 0, sizeof a->cf);
        } else {
            out->conflict = true;
            a->added.id = 0;
            a->added.state = 0;
        }
        if (a->outcome == CR_ROW_KNOWN)
            a->added.state = -1;
        a->updated = u.updated;
        if (u.updated) {
            a->upd_case = u.case_id;
            a->upd_state = u.state;
            for (int i = 0; i < CR_SUBJECT_DETAILS; i++)
                snprintf(a->before[i], sizeof a->before[i], "%s",
                         u.before[i] ? u.before[i] : "(null)");
        }
        if (a->outcome != CR_ROW_CONFLICT && row.linked_refs && *row.linked_refs && a->added.id > 0)
            st = cr_import_links(db, a->added.id, csv.record_line, row.linked_refs,
                                 &out->res.new_links);
        if (st != CR_OK)
            fail_msg("%s line %ld: links: %s", file, csv.record_line, cr_db_errmsg(db));
    }
    bool changed =
        out->res.new_allegations > 0 || out->res.updated_subjects > 0 || out->res.new_links > 0;
    bool commit = st == CR_OK && !out->conflict && changed;
    /* The import's own event, as core writes it before the end: the server takes no write without.
     */
    if (commit && cr_audit_append(db, 0, "import", NULL, NULL, "{}") != CR_OK)
        fail_msg("%s: the import's event: %s", file, cr_db_errmsg(db));
    out->st = st_import_end(db, &out->res, commit);
    if (out->st != CR_OK)
        fail_msg("%s: end: %s", file, cr_db_errmsg(db));
    cr_csv_free(&csv);
    fclose(in);
}

static void
compare_runs(const char *file, const struct run *a, const struct run *b)
{
    if (a->n != b->n)
        fail_msg("%s: sqlite answered %zu rows, postgresql %zu", file, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const struct answer *x = &a->rows[i], *y = &b->rows[i];
        if (x->outcome != y->outcome || x->cf.column != y->cf.column ||
            x->cf.other_line != y->cf.other_line || x->cf.other_case != y->cf.other_case ||
            x->added.id != y->added.id || x->added.state != y->added.state ||
            x->updated != y->updated || x->upd_case != y->upd_case || x->upd_state != y->upd_state)
            fail_msg("%s row %zu: sqlite outcome %d col %d line %ld case %lld added %lld/%d "
                     "upd %d %lld/%d; postgresql %d col %d line %ld case %lld added %lld/%d "
                     "upd %d %lld/%d",
                     file, i + 1, x->outcome, x->cf.column, x->cf.other_line,
                     (long long)x->cf.other_case, (long long)x->added.id, x->added.state,
                     x->updated, (long long)x->upd_case, x->upd_state, y->outcome, y->cf.column,
                     y->cf.other_line, (long long)y->cf.other_case, (long long)y->added.id,
                     y->added.state, y->updated, (long long)y->upd_case, y->upd_state);
        for (int k = 0; k < CR_SUBJECT_DETAILS; k++)
            assert_string_equal(x->before[k], y->before[k]);
    }
    const int64_t *p = (const int64_t *)&a->res, *q = (const int64_t *)&b->res;
    for (size_t i = 0; i < sizeof a->res / sizeof(int64_t); i++)
        if (p[i] != q[i])
            fail_msg("%s: result field %zu: sqlite %lld, postgresql %lld", file, i, (long long)p[i],
                     (long long)q[i]);
}

/* The tables the import writes, as text, one line a row. */
static const char *const dumps[] = {
    "SELECT id, at, label, rows, new_allegations, new_cases FROM imports ORDER BY id",
    "SELECT id, ref, surname, forenames, employment, rank, unit, duty_status, vetting_status, "
    "import_id, import_line FROM subjects ORDER BY id",
    "SELECT id, subject_id, previous_case_id, state, state_since, created_at, n_allegations, "
    "n_sexual, latest_allegation, priority, categories, sortkey, version FROM cases ORDER BY id",
    "SELECT id, ref, case_id, category, date, source, original_outcome, summary, import_id, "
    "import_line FROM allegations ORDER BY id",
    "SELECT id, case_id, kind, ref, status, import_id, import_line, added_by, added_at, "
    "removed_by FROM case_links ORDER BY id",
    "SELECT state, outcome, categories, n FROM case_counts WHERE n <> 0 "
    "ORDER BY state, outcome, categories",
    "SELECT state, outcome, vetting_review, n FROM outcome_counts WHERE n <> 0 "
    "ORDER BY state, outcome, vetting_review",
    "SELECT name, n FROM counters WHERE n <> 0 ORDER BY name",
};

static void
dump_sqlite(const char *sql, struct cr_buf *b)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open_v2(sqlite_path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("sqlite: %s: %s", sql, sqlite3_errmsg(s));
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            cr_buf_addf(b, "%s%s", i ? "|" : "", v ? v : "NULL");
        }
        cr_buf_addc(b, '\n');
    }
    sqlite3_finalize(st);
    sqlite3_close(s);
}

static void
dump_pg(const char *sql, struct cr_buf *b)
{
    PGresult *r = PQexec(admin, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("postgresql: %s: %s", sql, PQerrorMessage(admin));
    for (int i = 0; i < PQntuples(r); i++) {
        for (int j = 0; j < PQnfields(r); j++)
            cr_buf_addf(b, "%s%s", j ? "|" : "",
                        PQgetisnull(r, i, j) ? "NULL" : PQgetvalue(r, i, j));
        cr_buf_addc(b, '\n');
    }
    PQclear(r);
}

/* Every table alike on both engines; each case's search document as its text makes it. */
static void
compare_tables(const char *when)
{
    for (size_t i = 0; i < CR_ARRAY_LEN(dumps); i++) {
        struct cr_buf a = {0}, b = {0};
        dump_sqlite(dumps[i], &a);
        dump_pg(dumps[i], &b);
        if (strcmp(a.p ? a.p : "", b.p ? b.p : "") != 0) {
            FILE *f = fopen("/tmp/test_pg_import.diff", "w");
            if (f) {
                fprintf(f, "== sqlite\n%s== postgresql\n%s", a.p ? a.p : "", b.p ? b.p : "");
                fclose(f);
            }
            fail_msg("%s: %s differs (see /tmp/test_pg_import.diff)", when, dumps[i]);
        }
        cr_buf_free(&a);
        cr_buf_free(&b);
    }
    struct cr_buf d = {0};
    dump_pg("SELECT c.id FROM cases c LEFT JOIN case_search s ON s.case_id = c.id "
            "JOIN case_documents d ON d.id = c.id "
            "WHERE s.doc IS DISTINCT FROM search_vector(d.subject || ' ' || d.allegations) "
            "ORDER BY c.id",
            &d);
    if (d.len)
        fail_msg("%s: search documents not up to date for cases %s", when, d.p);
    cr_buf_free(&d);
}

/* Import file into both, compare; *keep (if not NULL) gets PostgreSQL's run. */
static void
both_keep(const char *file, struct run *keep)
{
    struct run a, b;
    import_file(lite, file, &a);
    import_file(pgdb, file, &b);
    compare_runs(file, &a, &b);
    compare_tables(file);
    free(a.rows);
    if (keep)
        *keep = b;
    else
        free(b.rows);
}

static void
both(const char *file)
{
    both_keep(file, NULL);
}

static void
admin_exec(const char *sql)
{
    PGresult *r = PQexec(admin, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("postgresql: %s: %s", sql, PQerrorMessage(admin));
    PQclear(r);
}

static void
sqlite_exec(const char *sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(sqlite_path, &s), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(s, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("sqlite: %s: %s", sql, err);
    sqlite3_close(s);
}

static const char *
fixture(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/tests/fixtures/import/%s", SOURCE_ROOT, name);
    return p;
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
test_fixtures(void **state)
{
    (void)state;
    both(fixture("good.csv"));
    both(fixture("good.csv")); /* all known: nothing written */
    both(fixture("updated_subject.csv"));
    both(fixture("changed.csv")); /* a conflict with an earlier import: nothing written */
    both(fixture("subject_conflict.csv"));
    both(fixture("duplicate_ref.csv"));

    /* Case 1 awaiting approval, subject S2's case closed: new allegations to both. */
    const char *set = "UPDATE cases SET state = 'awaiting_approval' WHERE id = 1; "
                      "UPDATE cases SET state = 'closed', outcome = 'nfa' WHERE id = 2;";
    sqlite_exec(set);
    admin_exec(set);
    compare_tables("states set");
    char more[160];
    snprintf(more, sizeof more, "%s/more.csv", dir);
    write_file(more,
               "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,"
               "category,allegation_date,source,original_outcome,summary,linked_refs\n"
               "S1,Quillfeather,Zoë,officer,Police Constable,\"Response Team 4, North Area\","
               "restricted,A9,sexual_offence,2024-05-01,pnd,Pending,\"Tab\there, back\\slash\","
               "crime:CR-1/open\n"
               "S2,Okafor,Ada,staff,Analyst,HQ,full,A10,domestic_violence,2025-01-02,hotline,"
               "NFA,Second case,crime:CR-2/open;iopc:IO-9/referred\n"
               "S2,Okafor,Ada,staff,Analyst,HQ,full,A11,domestic_violence,2025-02-02,hotline,"
               "NFA,Third,crime:CR-2/open\n"
               "N1,New,Person,officer,PC,West,full,A12,sexual_offence,2025-03-01,other,None,"
               "New one,misconduct:M-1/open\n"
               "N1,New,Person,officer,PC,West,full,A13,domestic_violence,2025-03-02,other,None,"
               "New two,misconduct:M-1/open;crime:CR-7/x\n");
    struct run r;
    both_keep(more, &r);
    /* S1's allegation went to case 1 as it was, awaiting approval (the workflow returns it). */
    assert_int_equal(r.rows[0].outcome, CR_ROW_ADDED);
    assert_int_equal(r.rows[0].added.id, 1);
    assert_int_equal(r.rows[0].added.state, CR_STATE_AWAITING_APPROVAL);
    assert_true(r.rows[0].updated); /* its duty status changed */
    /* S2's case was closed: a new case follows it, and takes the next row too. */
    assert_int_equal(r.rows[1].added.state, CR_STATE_FLAGGED);
    assert_true(r.rows[1].added.id > 2);
    assert_int_equal(r.rows[2].added.id, r.rows[1].added.id);
    assert_int_equal(r.res.reopened_cases, 1);
    assert_int_equal(r.res.new_subjects, 1);
    assert_int_equal(r.res.new_links, 5);
    free(r.rows);
    both_keep(more, &r); /* again: all known, the links too */
    assert_int_equal(r.res.known_allegations, 5);
    assert_int_equal(r.res.new_links, 0);
    free(r.rows);
}

/* Print the rows per second of what took t seconds. */
static void
rate(const char *what, long rows, double t)
{
    fprintf(stderr, "# %-34s %7ld rows %8.3f s %10.0f rows/s\n", what, rows, t, rows / t);
}

static void
test_generated(void **state)
{
    (void)state;
    const char *cases = getenv("CASES") ? getenv("CASES") : "20000";
    char gen[512], cmd[1024];
    snprintf(gen, sizeof gen, "%s/generated.csv", dir);
    snprintf(cmd, sizeof cmd, "%s generate --cases %s > %s", CASEREVIEW_EXE, cases, gen);
    if (system(cmd) != 0)
        fail_msg("%s failed", cmd);

    /* A new pair of databases: the generated subjects' refs would meet the fixtures'. */
    admin_exec("TRUNCATE imports, subjects, cases, allegations, case_links, case_search, "
               "case_counts, outcome_counts, counters CASCADE");
    cr_db_close(lite);
    snprintf(sqlite_path, sizeof sqlite_path, "%s/generated.db", dir);
    assert_int_equal(cr_db_open(sqlite_path, CR_OPEN_CREATE, test_clock, NULL, &lite), CR_OK);

    struct run a, b;
    double t0 = seconds();
    import_file(lite, gen, &a);
    double t1 = seconds();
    import_file(pgdb, gen, &b);
    double t2 = seconds();
    long lines = (long)a.res.rows;
    compare_runs(gen, &a, &b);
    compare_tables("generated");
    free(a.rows);
    free(b.rows);

    /* psql's \copy of the same file into a plain table of as many text columns. */
    FILE *g = fopen(gen, "r");
    char head[2048];
    assert_non_null(fgets(head, sizeof head, g));
    fclose(g);
    int ncol = 1;
    for (char *c = head; *c; c++)
        ncol += *c == ',';
    struct cr_buf typed = {0};
    for (int i = 0; i < ncol; i++)
        cr_buf_addf(&typed, "%sc%d text", i ? ", " : "", i);
    snprintf(cmd, sizeof cmd, "psql -X -q -d '%s' -c 'CREATE TABLE public.plain (%s)'", url,
             typed.p);
    if (system(cmd) != 0)
        fail_msg("%s failed", cmd);
    snprintf(cmd, sizeof cmd, "psql -X -q -d '%s' -c \"\\copy public.plain FROM '%s' CSV HEADER\"",
             url, gen);
    double t3 = seconds();
    if (system(cmd) != 0)
        fail_msg("%s failed", cmd);
    double t4 = seconds();
    rate("sqlite engine import", lines, t1 - t0);
    rate("postgresql engine import (COPY)", lines, t2 - t1);
    rate("psql \\copy into a plain table", lines, t4 - t3);
    fprintf(stderr, "# postgresql import / \\copy: %.1f times the time\n", (t2 - t1) / (t4 - t3));
    cr_buf_free(&typed);

    /* The same file again: every row known, answered by the server row by row. */
    t0 = seconds();
    import_file(lite, gen, &a);
    t1 = seconds();
    import_file(pgdb, gen, &b);
    t2 = seconds();
    compare_runs(gen, &a, &b);
    compare_tables("generated again");
    assert_int_equal(b.res.known_allegations, b.res.rows);
    rate("sqlite re-import (known)", lines, t1 - t0);
    rate("postgresql re-import (known)", lines, t2 - t1);
    free(a.rows);
    free(b.rows);
}

/* A person who is not an admin may not import; nothing is written. */
static void
test_refused(void **state)
{
    (void)state;
    char conn[512];
    snprintf(conn, sizeof conn, "%s", url);
    char *u = strstr(conn, "user=casereview");
    assert_non_null(u);
    snprintf(u, sizeof conn - (size_t)(u - conn), "user=postgres");
    PGconn *c = PQconnectdb(conn);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "CREATE ROLE rev1 LOGIN"));
    PQfinish(c);
    admin_exec("GRANT CONNECT ON DATABASE cr TO rev1");
    admin_exec("INSERT INTO people(login, roles) VALUES ('rev1', 1) "
               "ON CONFLICT (login) DO UPDATE SET roles = 1");
    snprintf(u, sizeof conn - (size_t)(u - conn), "user=rev1");
    c = PQconnectdb(conn);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, "SELECT * FROM casereview.cr_import_begin('x.csv', 32)");
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "CR403");
    assert_non_null(strstr(PQresultErrorMessage(r), "import needs the admin role"));
    PQclear(r);
    /* Not a table of the engine's, not even the stage's contents. */
    r = PQexec(c, "SELECT count(*) FROM casereview.subjects");
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    PQclear(r);
    PQfinish(c);
}

/* A URL for role instead of the service role. */
static void
url_as(char *out, size_t n, const char *role)
{
    snprintf(out, n, "%s", url);
    char *u = strstr(out, "user=casereview");
    assert_non_null(u);
    snprintf(u, n - (size_t)(u - out), "user=%s", role);
}

/*
 * An admin of the roster, connected as their own role (no table, no
 * temporary table of their own), imports through the engine: the COPY
 * goes into the stage the server made for the session; the rows are the
 * same as the service role's import gives (the fixtures' tables compared).
 */
static void
test_admin_person(void **state)
{
    (void)state;
    char conn[512];
    url_as(conn, sizeof conn, "postgres");
    PGconn *c = PQconnectdb(conn);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "CREATE ROLE adm1 LOGIN"));
    PQfinish(c);
    admin_exec("GRANT CONNECT ON DATABASE cr TO adm1");
    admin_exec("INSERT INTO people(login, roles) VALUES ('adm1', 4) "
               "ON CONFLICT (login) DO UPDATE SET roles = 4");
    url_as(conn, sizeof conn, "adm1");
    cr_db *person = NULL;
    if (cr_db_open(conn, 0, test_clock, NULL, &person) != CR_OK)
        fail_msg("open as adm1: %s", cr_db_errmsg(person));
    /* The import's event names its actor: the person, as core names the user. */
    static const struct cr_person adm1 = {
        .login = "adm1", .name = "adm1", .roles = 1u << CR_ROLE_ADMIN, .kind = -1};
    cr_db_set_user(person, NULL, &adm1);
    cr_db *service = pgdb;
    pgdb = person;
    char f[160];
    snprintf(f, sizeof f, "%s/person.csv", dir);
    write_file(f, "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,"
                  "category,allegation_date,source,original_outcome,summary,linked_refs\n"
                  "P1,Person,One,officer,PC,North,full,PA1,sexual_offence,2024-05-01,pnd,None,"
                  "\"Tab\there\nnewline \\N back\\slash\",crime:PC-1/open\n"
                  "P1,Person,One,officer,PC,North,full,PA2,domestic_violence,2024-06-01,pnd,"
                  "None,Second,crime:PC-1/open;iopc:PI-2/x\n"
                  "S1,Quillfeather,Zoë,officer,Police Constable,\"Response Team 4, North Area\","
                  "full,PA3,domestic_violence,2024-07-01,hotline,None,Third,\n"
                  /* P1's case again, after the server's row wrote it: figures at the end. */
                  "P1,Person,One,officer,PC,North,full,PA4,sexual_offence,2025-09-01,pnd,None,"
                  "Fourth,iopc:PI-3/x\n");
    both(f);
    pgdb = service;
    cr_db_close(person);
    /*
     * In psql, the person may fill the stage but may only stage what an
     * import makes: an allegation put into a case from before is refused,
     * and the stage and the import's state are not theirs to read.
     */
    c = PQconnectdb(conn);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "BEGIN"));
    PGresult *b = PQexec(c, "SELECT * FROM casereview.cr_import_begin('evil.csv', 32)");
    assert_int_equal(PQresultStatus(b), PGRES_TUPLES_OK);
    PQclear(b);
    b = PQexec(c, "COPY pg_temp.cr_import_stage FROM STDIN");
    assert_int_equal(PQresultStatus(b), PGRES_COPY_IN);
    PQclear(b);
    const char *evil = "a\t999999\t1\tEVIL-1\t\\N\t1\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N"
                       "\t\\N\tsexual_offence\t2024-01-01\tpnd\tx\ty\t\\N\t\\N\t\\N\t\\N\t\\N\n";
    assert_int_equal(PQputCopyData(c, evil, (int)strlen(evil)), 1);
    assert_int_equal(PQputCopyEnd(c, NULL), 1);
    while ((b = PQgetResult(c))) {
        assert_int_equal(PQresultStatus(b), PGRES_COMMAND_OK);
        PQclear(b);
    }
    b = PQexec(c, "SELECT casereview.cr_import_flush()");
    assert_int_equal(PQresultStatus(b), PGRES_FATAL_ERROR);
    assert_string_equal(PQresultErrorField(b, PG_DIAG_SQLSTATE), "CR003");
    PQclear(b);
    PQclear(PQexec(c, "ROLLBACK"));
    PQclear(PQexec(c, "BEGIN"));
    PQclear(PQexec(c, "SELECT * FROM casereview.cr_import_begin('evil.csv', 32)"));
    b = PQexec(c, "SELECT * FROM pg_temp.cr_import_stage");
    assert_int_equal(PQresultStatus(b), PGRES_FATAL_ERROR);
    PQclear(b);
    PQclear(PQexec(c, "ROLLBACK"));
    PQfinish(c);
    struct cr_buf none = {0};
    dump_pg("SELECT ref FROM allegations WHERE ref = 'EVIL-1' OR case_id = 1 AND import_line = 1 "
            "AND summary = 'y'",
            &none);
    assert_null(none.p);

    /* Nor may the person make a table of their own, temporary or not. */
    c = PQconnectdb(conn);
    PGresult *r;
    r = PQexec(c, "CREATE TEMP TABLE x (a int)");
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    PQclear(r);
    PQfinish(c);
}

int
main(void)
{
    url = getenv("CASEREVIEW_TEST_PG_URL");
    if (!url || !*url) {
        printf("CASEREVIEW_TEST_PG_URL unset: skipped\n");
        return 77;
    }
    pg_allow_incomplete = true;
    snprintf(dir, sizeof dir, "/tmp/test_pg_import.XXXXXX");
    if (!mkdtemp(dir))
        return 99;
    snprintf(sqlite_path, sizeof sqlite_path, "%s/cr.db", dir);
    if (cr_db_open(sqlite_path, CR_OPEN_CREATE, test_clock, NULL, &lite) != CR_OK ||
        cr_db_open(url, CR_OPEN_CREATE, test_clock, NULL, &pgdb) != CR_OK) {
        fprintf(stderr, "open: %s / %s\n", cr_db_errmsg(lite), pgdb ? cr_db_errmsg(pgdb) : "");
        return 99;
    }
    admin = PQconnectdb(url);
    if (PQstatus(admin) != CONNECTION_OK)
        return 99;
    PQclear(PQexec(admin, "SET search_path = casereview"));
    admin_exec("INSERT INTO settings(key, value) VALUES ('test_clock', 'on') "
               "ON CONFLICT (key) DO UPDATE SET value = 'on'");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_admin_person),
        cmocka_unit_test(test_generated),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    PQfinish(admin);
    cr_db_close(lite);
    cr_db_close(pgdb);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    return rc;
}
