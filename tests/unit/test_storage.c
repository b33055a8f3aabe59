/* Storage and import through the public API, on real database files. */
#include "internal.h"
#include "sqlite/schema.h"

#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static int64_t now_value = 1767225600; /* 2026-01-01T00:00:00Z */

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return now_value;
}

struct fixture {
    char dir[64];
    char path[128];
    cr_db *db;
    struct cr_config *cfg;
};

/* Sign the handle in as a person of tests/fixtures/config/good.yaml. */
static void
sign_in(struct fixture *f, const char *login)
{
    const struct cr_person *p = cr_config_person(f->cfg, login);
    assert_non_null(p);
    cr_db_set_user(f->db, f->cfg, p);
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/cr-storage-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    if (cr_db_open(f->path, CR_OPEN_CREATE, fixed_clock, NULL, &f->db) != CR_OK)
        return -1;
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &f->cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    sign_in(f, "cadmin");
    *state = f;
    return 0;
}

/* Close and open the database again, signed in as the admin. */
static void
reopen(struct fixture *f)
{
    cr_db_close(f->db);
    assert_int_equal(cr_db_open(f->path, 0, fixed_clock, NULL, &f->db), CR_OK);
    sign_in(f, "cadmin");
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    cr_db_close(f->db);
    cr_config_free(f->cfg);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* The schema version this casereview brings every database up to. */
#define LATEST (cr_schema[cr_schema_count - 1].version)

#define HEADER                                                                                \
    "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category," \
    "allegation_date,source,original_outcome,summary\n"

static enum cr_status
import_text(cr_db *db, const char *text, unsigned flags, struct cr_import_result *res,
            cr_diags **diags)
{
    FILE *in = fmemopen((void *)text, strlen(text), "rb");
    enum cr_status st = cr_import_csv(db, in, "t.csv", flags, res, diags);
    fclose(in);
    return st;
}

static void
import_ok(cr_db *db, const char *text, struct cr_import_result *res)
{
    cr_diags *d = NULL;
    enum cr_status st = import_text(db, text, 0, res, &d);
    if (st != CR_OK && cr_diags_count(d))
        fail_msg("%s", cr_diags_get(d, 0));
    assert_int_equal(st, CR_OK);
    cr_diags_free(d);
}

/* Import a temporary file written by the test, then close it. */
static void
import_stream(cr_db *db, FILE *gen)
{
    rewind(gen);
    struct cr_import_result r;
    cr_diags *d = NULL;
    assert_int_equal(cr_import_csv(db, gen, "gen", 0, &r, &d), CR_OK);
    cr_diags_free(d);
    fclose(gen);
}

/* Run SQL on the file from outside, as another program would. */
static int64_t
outside(const struct fixture *f, const char *sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

/* A text value from the file, as another program would read it (static: one at a time). */
static const char *
outside_text(const struct fixture *f, const char *sql)
{
    static char out[256];
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(s);
    return out;
}

/*
 * What version 11 added (linked references, and their place in the search
 * documents), dropped again: version 7's view of the documents back.
 */
#define V11_DROP                                                                            \
    "DROP TABLE case_links; DROP VIEW case_documents; "                                     \
    "CREATE VIEW case_documents(id, subject, allegations) AS"                               \
    "  SELECT c.id, s.ref || ' ' || s.surname || ' ' || s.forenames,"                       \
    "    coalesce((SELECT group_concat(a.ref || ' ' || a.summary, ' ') FROM"                \
    "      (SELECT ref, summary FROM allegations WHERE case_id = c.id ORDER BY id) a), '')" \
    "  FROM cases c JOIN subjects s ON s.id = c.subject_id; "

/* What versions 10 and 11 added (the routing of an approval), dropped again. */
/* What version 12 added (follow-ups), dropped again. */
#define V12_DROP "DROP TABLE follow_ups; "

/* What version 13 added (quality assurance's qa table), dropped again. */
#define V13_DROP "DROP TABLE qa; "

/* What versions 10 to 13 added, dropped again. */
#define V10_DROP V13_DROP V12_DROP V11_DROP "ALTER TABLE cases DROP COLUMN approver; "

/* What versions 9 and 10 added (the service level's clock and the pause), dropped again. */
#define V9_DROP                                                                      \
    V10_DROP                                                                         \
    "ALTER TABLE cases DROP COLUMN clock_shift; ALTER TABLE cases DROP COLUMN "      \
    "paused_until; ALTER TABLE cases DROP COLUMN paused_at; ALTER TABLE cases DROP " \
    "COLUMN paused_by; ALTER TABLE cases DROP COLUMN pause_reason; "

/* The search index agrees with the documents it was built from (FTS5's integrity-check). */
static void
search_index_checks_out(const struct fixture *f)
{
    sqlite3 *o;
    assert_int_equal(sqlite3_open(f->path, &o), SQLITE_OK);
    assert_int_equal(sqlite3_exec(o,
                                  "INSERT INTO case_search(case_search) VALUES "
                                  "('integrity-check')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(o);
}

/*
 * What version 7 changed (one search row per case) undone: version 6's two
 * search indexes and their triggers, as version 3 made them, filled again.
 * (And version 9's columns, which a database before version 7 lacks.)
 */
static void
undo_version_7(sqlite3 *s)
{
    assert_int_equal(sqlite3_exec(s, V9_DROP, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(s, "DROP TABLE case_search; DROP VIEW case_documents;", NULL, NULL, NULL),
        SQLITE_OK);
    for (size_t i = 0; i < cr_schema_count; i++)
        if (cr_schema[i].version == 3 && strstr(cr_schema[i].sql, "_search"))
            assert_int_equal(sqlite3_exec(s, cr_schema[i].sql, NULL, NULL, NULL), SQLITE_OK);
    /* The two indexes version 7 dropped (no query used them). */
    assert_int_equal(sqlite3_exec(s,
                                  "CREATE INDEX cases_assignee ON cases(assignee, state) "
                                  "WHERE assignee IS NOT NULL;"
                                  "CREATE INDEX cases_decided_by ON cases(decided_by, outcome) "
                                  "WHERE decided_by IS NOT NULL;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
}

/* The fixture's database closed and opened raw, as version 6 left it but for its user_version. */
static sqlite3 *
closed_before_version_7(struct fixture *f)
{
    cr_db_close(f->db);
    f->db = NULL;
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    undo_version_7(s);
    return s;
}

/* What version 6 added (the pinned configuration), dropped again. */
#define V6_DROP                                                \
    "DROP INDEX config_in_force; DROP TABLE config_versions; " \
    "ALTER TABLE audit_events DROP COLUMN os_login; "

/* What versions 5 and 6 added, dropped again: a database as version 4 left it. */
#define V5_DROP                                                                          \
    V6_DROP                                                                              \
    "DROP TRIGGER cases_outcome_count_insert; DROP TRIGGER cases_outcome_count_update; " \
    "DROP TRIGGER cases_outcome_count_delete; DROP TABLE outcome_counts; "               \
    "DROP TRIGGER cases_panel_round_finished; DROP TABLE panel_rounds; "                 \
    "DROP INDEX cases_followed; "                                                        \
    "DROP TABLE superseded_votes; DROP TRIGGER cases_reviewer_outcome; "                 \
    "DROP TRIGGER cases_reviewer_outcome_delete; DROP TABLE reviewer_outcomes; "         \
    "DROP TRIGGER cases_panel_round; DROP INDEX cases_panel_queue; "                     \
    "DROP INDEX cases_panel_state_queue; DROP INDEX cases_panel_outcome_queue; "         \
    "ALTER TABLE cases DROP COLUMN panel_round; "                                        \
    "DROP INDEX audit_actor; DROP INDEX audit_action; "                                  \
    "ALTER TABLE audit_events DROP COLUMN purpose; "

static void
test_open_and_schema(void **state)
{
    struct fixture *f = *state;
    assert_true(cr_db_created(f->db));
    assert_int_equal(cr_db_schema_version(f->db), LATEST);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* The audit key beside it, under the same rule. */
    char key[200];
    snprintf(key, sizeof key, "%s.key", f->path);
    assert_int_equal(stat(key, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    reopen(f);
    assert_false(cr_db_created(f->db));
    assert_int_equal(
        outside(f, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
}

static void
test_refuses_open_permissions(void **state)
{
    struct fixture *f = *state;
    chmod(f->path, 0604);
    cr_db *db;
    assert_int_equal(cr_db_open(f->path, 0, fixed_clock, NULL, &db), CR_DB);
    assert_non_null(strstr(cr_db_errmsg(db), "other users can read or write this database"));
    cr_db_close(db);
    chmod(f->path, 0600);
}

static void
test_missing_without_create(void **state)
{
    struct fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/none.db", f->dir);
    cr_db *db;
    assert_int_equal(cr_db_open(path, 0, fixed_clock, NULL, &db), CR_DB);
    assert_int_equal(access(path, F_OK), -1);
    cr_db_close(db);
}

static void
test_import_groups_rows(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,one\n"
                     "S2,C,D,staff,Band C,U2,suspended,A2,sexual_offence,2020-01-01,pnd,x,two\n"
                     "S1,A,B,officer,PC,U1,full,A3,sexual_offence,2021-06-01,hotline,x,three\n",
              &r);
    assert_int_equal(r.rows, 3);
    assert_int_equal(r.new_cases, 2);
    assert_int_equal(r.new_subjects, 2);
    assert_int_equal(r.new_allegations, 3);
    assert_int_equal(outside(f, "SELECT n_allegations FROM cases WHERE id = 1"), 2);
    assert_int_equal(outside(f, "SELECT categories FROM cases WHERE id = 1"), 3);
    assert_int_equal(outside(f, "SELECT created_at FROM cases WHERE id = 2"), now_value);
    assert_int_equal(outside(f, "SELECT priority FROM cases WHERE id = 1"),
                     cr_priority(CR_DUTY_FULL, 2, 1, "2021-06-01"));

    /* The same rows again: nothing new. */
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,one\n",
              &r);
    assert_int_equal(r.known_allegations, 1);
    assert_int_equal(r.new_allegations, 0);
}

static void
test_import_refused_writes_nothing(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    cr_diags *d = NULL;
    /* Valid rows first, then a bad one: the valid ones must not stay either. */
    enum cr_status st = import_text(
        f->db,
        HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,one\n"
               "S2,C,D,staff,Band C,U2,full,A2,other,2020-01-01,pnd,x,two\n",
        0, &r, &d);
    assert_int_equal(st, CR_INVALID);
    assert_int_equal(cr_diags_count(d), 1);
    assert_string_equal(cr_diags_get(d, 0),
                        "t.csv:3: category: 'other' is not one of domestic_violence, "
                        "sexual_offence");
    assert_string_equal(cr_db_errmsg(f->db), "t.csv: 1 problem; nothing imported");
    cr_diags_free(d);
    assert_int_equal(outside(f, "SELECT count(*) FROM subjects"), 0);
    assert_int_equal(outside(f, "SELECT count(*) FROM cases"), 0);
    assert_int_equal(outside(f, "SELECT count(*) FROM case_counts WHERE n <> 0"), 0);
}

static void
test_dry_run(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    cr_diags *d = NULL;
    assert_int_equal(
        import_text(f->db,
                    HEADER
                    "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,1\n",
                    CR_IMPORT_DRY_RUN, &r, &d),
        CR_OK);
    cr_diags_free(d);
    assert_int_equal(r.new_cases, 1);
    assert_int_equal(outside(f, "SELECT count(*) FROM allegations"), 0);
}

static void
test_new_allegation_after_decision_and_close(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,1\n"
                     "S2,C,D,officer,PC,U1,full,A2,domestic_violence,2019-01-01,complaint,x,2\n",
              &r);
    outside(f, "UPDATE cases SET state = 'awaiting_approval', outcome = 'nfa' WHERE id = 1");
    outside(f, "UPDATE cases SET state = 'closed', outcome = 'refer' WHERE id = 2");
    reopen(f);
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A3,sexual_offence,2020-01-01,complaint,x,3\n"
                     "S2,C,D,officer,PC,U1,full,A4,sexual_offence,2020-01-01,complaint,x,4\n",
              &r);
    assert_int_equal(r.returned_cases, 1);
    assert_int_equal(r.reopened_cases, 1);
    assert_int_equal(r.new_cases, 1);
    assert_int_equal(outside(f, "SELECT count(*) FROM cases WHERE id = 1 AND state = 'returned'"),
                     1);
    assert_int_equal(outside(f, "SELECT count(*) FROM notes WHERE case_id = 1 AND kind = 'system' "
                                "AND body LIKE 'New allegation A3 imported%'"),
                     1);
    assert_int_equal(outside(f, "SELECT previous_case_id FROM cases WHERE id = 3"), 2);
    assert_int_equal(outside(f, "SELECT case_id FROM allegations WHERE ref = 'A4'"), 3);
    struct cr_case c;
    assert_int_equal(st_case_get(f->db, "S2", &c), CR_OK);
    assert_int_equal(c.row.id, 3);
    assert_int_equal(c.previous_case, 2);
    cr_case_free(&c);
}

/* The counters kept by triggers agree with counting the rows. */
static void
test_counters(void **state)
{
    struct fixture *f = *state;
    FILE *gen = tmpfile();
    fputs(HEADER, gen);
    for (int i = 0; i < 300; i++)
        fprintf(gen, "S%d,A,B,officer,PC,U,%s,A%d,%s,2019-01-%02d,complaint,x,y\n", i % 120, "full",
                i, i % 3 ? "domestic_violence" : "sexual_offence", 1 + i % 28);
    import_stream(f->db, gen);
    outside(f, "UPDATE cases SET state = 'in_review' WHERE id % 5 = 0");
    outside(f, "UPDATE cases SET state = 'closed', outcome = 'reassess' WHERE id % 7 = 0");
    reopen(f);
    struct cr_stats s;
    assert_int_equal(cr_stats_get(f->db, &s), CR_OK);
    assert_int_equal(s.cases, 120);
    assert_int_equal(s.subjects, 120);
    assert_int_equal(s.allegations, 300);
    assert_int_equal(s.by_state[CR_STATE_IN_REVIEW],
                     outside(f, "SELECT count(*) FROM cases WHERE state = 'in_review'"));
    assert_int_equal(s.by_state[CR_STATE_CLOSED],
                     outside(f, "SELECT count(*) FROM cases WHERE state = 'closed'"));
    assert_int_equal(s.by_outcome[CR_OUTCOME_REASSESS].cases[CR_STAGE_CONFIRMED],
                     outside(f, "SELECT count(*) FROM cases WHERE outcome = 'reassess'"));
    assert_int_equal(s.by_outcome[CR_OUTCOME_COUNT].cases[CR_STAGE_UNDECIDED],
                     outside(f, "SELECT count(*) FROM cases WHERE outcome IS NULL"));
    assert_int_equal(s.by_category[CR_CATEGORY_SEXUAL_OFFENCE],
                     outside(f, "SELECT count(*) FROM cases WHERE n_sexual > 0"));
    assert_int_equal(s.allegations_by_category[CR_CATEGORY_SEXUAL_OFFENCE], 100);
}

/* Pages joined end to end are the whole queue in order, with no repeats. */
static void
test_paging(void **state)
{
    struct fixture *f = *state;
    FILE *gen = tmpfile();
    fputs(HEADER, gen);
    static const char *const duty[] = {"full", "restricted", "suspended"};
    for (int i = 0; i < 200; i++)
        fprintf(gen, "S%d,A,B,officer,PC,U,%s,A%d,domestic_violence,20%02d-01-01,complaint,x,y\n",
                i, duty[i % 3], i, 15 + i % 3);
    import_stream(f->db, gen);

    struct cr_filter all = CR_FILTER_ALL;
    struct cr_page page = {0};
    int64_t after = 0, prev_pri = INT64_MAX, prev_id = 0;
    size_t seen = 0, pages = 0;
    do {
        assert_int_equal(cr_list_page(f->db, &all, after, 7, &page), CR_OK);
        for (size_t i = 0; i < page.n; i++) {
            const struct cr_case_row *row = &page.rows[i];
            assert_true(row->priority < prev_pri ||
                        (row->priority == prev_pri && row->id > prev_id));
            prev_pri = row->priority;
            prev_id = row->id;
            assert_non_null(row->subject_ref);
            assert_null(row->assignee);
        }
        seen += page.n;
        pages++;
        if (page.n)
            after = page.rows[page.n - 1].sortkey;
    } while (page.more);
    assert_int_equal(seen, 200);
    assert_int_equal(pages, 29);

    struct cr_filter flagged = {.state = CR_STATE_FLAGGED,
                                .outcome = CR_OUTCOME_COUNT,
                                .category = -1,
                                .sort = CR_SORT_PRIORITY};
    assert_int_equal(cr_list_page(f->db, &flagged, 0, 500, &page), CR_OK);
    assert_int_equal(page.n, 200);
    assert_false(page.more);
    struct cr_filter closed = {
        .state = CR_STATE_CLOSED, .outcome = -1, .category = -1, .sort = CR_SORT_PRIORITY};
    assert_int_equal(cr_list_page(f->db, &closed, 0, 500, &page), CR_OK);
    assert_int_equal(page.n, 0);
    cr_page_free(&page);
}

static void
test_case_keys(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "2,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,1\n"
                     "X9,C,D,officer,PC,U1,full,A2,domestic_violence,2019-01-01,complaint,x,2\n",
              &r);
    struct cr_case c;
    assert_int_equal(st_case_get(f->db, "2", &c), CR_USAGE);
    assert_int_equal(st_case_get(f->db, "#2", &c), CR_OK);
    assert_string_equal(c.row.subject_ref, "X9");
    assert_int_equal(c.n_allegations, 1);
    assert_string_equal(c.allegations[0].summary, "2");
    cr_case_free(&c);
    assert_int_equal(st_case_get(f->db, "ref:2", &c), CR_OK);
    assert_int_equal(c.row.id, 1);
    cr_case_free(&c);
    assert_int_equal(st_case_get(f->db, "1", &c), CR_OK);
    cr_case_free(&c);
    assert_int_equal(st_case_get(f->db, "#X9", &c), CR_NOT_FOUND);
    assert_int_equal(st_case_get(f->db, "nobody", &c), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(f->db),
                        "no case 'nobody' (give a case number or a subject_ref)");
}

/* A database made by schema version 1 is brought up to date with its data. */
static void
test_migration_keeps_data(void **state)
{
    struct fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/v1.db", f->dir);
    sqlite3 *s;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "PRAGMA application_id = 1129469489", NULL, NULL, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < cr_schema_count; i++)
        if (cr_schema[i].version == 1)
            assert_int_equal(sqlite3_exec(s, cr_schema[i].sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s,
                                  "PRAGMA user_version = 1;"
                                  "INSERT INTO imports(id, at, label) VALUES (1, 0, 'old.csv');"
                                  "INSERT INTO subjects VALUES (1, 'S1', 'A', 'B', 'officer', "
                                  "'PC', 'U', 'full', NULL, 1, 2);"
                                  "INSERT INTO cases(id, subject_id, state_since, created_at, "
                                  "n_allegations) VALUES (1, 1, 0, 0, 1);"
                                  "INSERT INTO allegations VALUES (1, 'A1', 1, "
                                  "'domestic_violence', '2019-01-01', 'pnd', 'x', 'kept', 1, 2);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(s);
    chmod(path, 0600);
    cr_db *db;
    assert_int_equal(cr_db_open(path, 0, fixed_clock, NULL, &db), CR_OK);
    assert_int_equal(cr_db_schema_version(db), LATEST);
    struct cr_case c;
    assert_int_equal(st_case_get(db, "S1", &c), CR_OK);
    assert_int_equal(c.n_allegations, 1);
    assert_string_equal(c.allegations[0].summary, "kept");
    assert_int_equal(c.row.quorum_blocked, 0);
    cr_case_free(&c);
    cr_db_close(db);
}

/*
 * A database of schema version 3 gains the drafts table (version 4) and
 * keeps its cases and its audit trail, which still verifies; drafts can be
 * kept on its cases at once.
 */
static void
test_migration_from_3_adds_drafts(void **state)
{
    struct fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/v3.db", f->dir);
    sqlite3 *s;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "PRAGMA application_id = 1129469489", NULL, NULL, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < cr_schema_count; i++)
        if (cr_schema[i].version <= 3)
            assert_int_equal(sqlite3_exec(s, cr_schema[i].sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "PRAGMA user_version = 3", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    chmod(path, 0600);
    cr_db *db;
    assert_int_equal(cr_db_open(path, 0, fixed_clock, NULL, &db), CR_OK);
    cr_db_set_user(db, f->cfg, cr_config_person(f->cfg, "cadmin"));
    struct cr_import_result r;
    import_ok(db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,kept\n",
              &r);
    cr_db_close(db);

    /*
     * Back to version 3, as an older casereview left it, with its case and
     * its event hashed the unkeyed way, and no audit key.
     */
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    undo_version_7(s);
    assert_int_equal(
        sqlite3_exec(s, "DROP TABLE drafts; " V5_DROP "PRAGMA user_version = 3", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(s,
                                        "SELECT id, at, actor, case_id, action, state_before, "
                                        "state_after, details, config_digest FROM audit_events",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    struct cr_event e = {
        .id = sqlite3_column_int64(q, 0),
        .at = sqlite3_column_int64(q, 1),
        .actor = (const char *)sqlite3_column_text(q, 2),
        .case_id = sqlite3_column_int64(q, 3),
        .action = (const char *)sqlite3_column_text(q, 4),
        .state_before = (const char *)sqlite3_column_text(q, 5),
        .state_after = (const char *)sqlite3_column_text(q, 6),
        .details = (const char *)sqlite3_column_text(q, 7),
        .config_digest = (const char *)sqlite3_column_text(q, 8),
    };
    static const unsigned char zero[32];
    unsigned char h[32];
    cr_audit_hash(NULL, zero, &e, h);
    sqlite3_finalize(q);
    char sql[256], hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    snprintf(sql, sizeof sql,
             "UPDATE audit_events SET hash = x'%s' WHERE id = 1; "
             "UPDATE settings SET value = '1:%s' WHERE key = 'audit_head'",
             hex, hex);
    assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    char key[200];
    snprintf(key, sizeof key, "%s.key", path);
    assert_int_equal(unlink(key), 0);
    assert_int_equal(cr_db_open(path, 0, fixed_clock, NULL, &db), CR_OK);
    assert_int_equal(cr_db_schema_version(db), LATEST);
    cr_db_set_user(db, f->cfg, cr_config_person(f->cfg, "cadmin"));
    struct cr_case c;
    assert_int_equal(st_case_get(db, "S1", &c), CR_OK);
    assert_string_equal(c.allegations[0].summary, "kept");
    cr_case_free(&c);
    struct cr_draft d = {.action = CR_ACTION_NOTE, .outcome = -1, .vote = -1, .text = "kept"};
    assert_int_equal(cr_draft_save(db, "S1", &d), CR_OK);
    int64_t events;
    assert_int_equal(cr_audit_verify(db, &events), CR_OK);
    assert_int_equal(events, 2); /* the import (unkeyed), the draft (keyed) */
    cr_db_close(db);
    /* Keying began after event 1: re-chaining event 1 now is caught. */
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(s, "UPDATE audit_events SET actor = 'bjones' WHERE id = 1", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(s);
    assert_int_equal(cr_db_open(path, 0, fixed_clock, NULL, &db), CR_OK);
    cr_db_set_user(db, f->cfg, cr_config_person(f->cfg, "cadmin"));
    assert_int_equal(cr_audit_verify(db, &events), CR_INVALID);
    assert_string_equal(cr_db_errmsg(db),
                        "audit event 1: its contents do not match its hash; it was altered");
    cr_db_close(db);
}

/* Re-chain every event with the unkeyed (public) hash, as a writer without the key could. */
static void
rechain_unkeyed(const char *path)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    sqlite3_stmt *q, *u;
    assert_int_equal(sqlite3_prepare_v2(s,
                                        "SELECT id, at, actor, case_id, action, state_before, "
                                        "state_after, details, config_digest, purpose "
                                        "FROM audit_events ORDER BY id",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(s,
                                        "UPDATE audit_events SET prev_hash = ?2, hash = ?3 "
                                        "WHERE id = ?1",
                                        -1, &u, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    unsigned char prev[32] = {0}, h[32];
    int64_t last = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        struct cr_event e = {
            .id = sqlite3_column_int64(q, 0),
            .at = sqlite3_column_int64(q, 1),
            .actor = (const char *)sqlite3_column_text(q, 2),
            .case_id = sqlite3_column_int64(q, 3),
            .action = (const char *)sqlite3_column_text(q, 4),
            .state_before = (const char *)sqlite3_column_text(q, 5),
            .state_after = (const char *)sqlite3_column_text(q, 6),
            .details = (const char *)sqlite3_column_text(q, 7),
            .config_digest = (const char *)sqlite3_column_text(q, 8),
        };
        cr_audit_hash(NULL, prev, &e, h);
        sqlite3_bind_int64(u, 1, e.id);
        sqlite3_bind_blob(u, 2, prev, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(u, 3, h, 32, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(u), SQLITE_DONE);
        sqlite3_reset(u);
        memcpy(prev, h, 32);
        last = e.id;
    }
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    char sql[256], hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    snprintf(sql, sizeof sql,
             "UPDATE settings SET value = '%lld:%s' WHERE key = 'audit_head'; "
             "COMMIT",
             (long long)last, hex);
    assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
}

/*
 * The chain is keyed: an edit with the whole trail re-chained by the public
 * unkeyed hash does not verify, where before keying it would have.
 */
static void
test_rechain_without_key(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db, HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,pnd,x,y\n",
              &r);
    sign_in(f, "asmith");
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_act_result res;
    assert_int_equal(cr_act(f->db, "1", &claim, &res), CR_OK);
    sign_in(f, "cadmin");
    int64_t events;
    assert_int_equal(cr_audit_verify(f->db, &events), CR_OK);
    assert_int_equal(events, 2);
    cr_db_close(f->db);
    f->db = NULL;
    /* Someone with the file but not the key moves the case to another reviewer. */
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s,
                                  "UPDATE cases SET assignee = 'ejones'; UPDATE audit_events "
                                  "SET actor = 'ejones' WHERE action = 'claim'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(s);
    rechain_unkeyed(f->path);
    reopen(f);
    assert_int_equal(cr_audit_verify(f->db, &events), CR_INVALID);
    assert_string_equal(cr_db_errmsg(f->db),
                        "audit event 1: its contents do not match its hash; it was altered");
}

/* An event whose action replay does not know fails verify, named: it cannot vouch for the data. */
static void
test_unknown_action_named(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db, HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,pnd,x,y\n",
              &r);
    assert_int_equal(st_begin(f->db), CR_OK);
    assert_int_equal(cr_audit_append(f->db, 1, "teleport", "flagged", "in_review", "{}"), CR_OK);
    assert_int_equal(st_commit(f->db), CR_OK);
    int64_t events;
    assert_int_equal(cr_audit_verify(f->db, &events), CR_INVALID);
    assert_string_equal(cr_db_errmsg(f->db),
                        "audit: event 2: this casereview does not know what a 'teleport' event "
                        "changes, so it cannot check the data against the trail; use the "
                        "casereview that wrote it");
}

/*
 * A version 6 database loses the two indexes no query uses (version 7):
 * nothing else of it changes, and the queue reads as before.
 */
static void
test_migration_from_6_drops_unused_indexes(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,kept\n",
              &r);
    sqlite3 *s = closed_before_version_7(f);
    assert_int_equal(sqlite3_exec(s, "PRAGMA user_version = 6", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    /* Those of later versions' new tables (follow_ups, 12) aside: the migration makes them. */
    const char *indexes = "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
                          "AND tbl_name NOT IN ('follow_ups', 'qa')";
    int64_t before = outside(f, indexes);
    reopen(f);
    assert_int_equal(cr_db_schema_version(f->db), LATEST);
    assert_int_equal(outside(f, "SELECT count(*) FROM sqlite_schema WHERE name IN "
                                "('cases_assignee', 'cases_decided_by')"),
                     0);
    assert_int_equal(outside(f, indexes), before - 2 + 1); /* + version 11's case_links_case */
    struct cr_case c;
    assert_int_equal(st_case_get(f->db, "S1", &c), CR_OK);
    assert_string_equal(c.allegations[0].summary, "kept");
    cr_case_free(&c);
}

/*
 * A database made before pinning (schema 5) takes as its first pinned
 * configuration only the one its trail was last written under, recorded
 * in the trail; after that every other file is refused until adopted.
 */
static void
test_pin_before_version_6(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,kept\n",
              &r);
    sqlite3 *s = closed_before_version_7(f);
    assert_int_equal(sqlite3_exec(s, V6_DROP "PRAGMA user_version = 5", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(s);
    reopen(f);
    assert_int_equal(cr_db_schema_version(f->db), LATEST);

    /* Another file: the fixture's text and a comment. */
    size_t len;
    const char *text = cr_config_text(f->cfg, &len);
    char *edited = malloc(len + 16);
    assert_non_null(edited);
    memcpy(edited, text, len);
    memcpy(edited + len, "\n# edited\n", 11);
    struct cr_config *other;
    cr_diags *d = NULL;
    assert_int_equal(cr_config_from_text("other.yaml", edited, len + 10, &other, &d), CR_OK);
    cr_diags_free(d);
    free(edited);

    assert_int_equal(cr_config_pin_check(f->db, other), CR_NOT_FOUND);
    cr_db_set_user(f->db, other, cr_config_person(other, "cadmin"));
    assert_int_equal(cr_config_pin(f->db), CR_INVALID);
    assert_non_null(strstr(cr_db_errmsg(f->db), f->cfg->digest));
    assert_non_null(strstr(cr_db_errmsg(f->db), other->digest));
    assert_int_equal(outside(f, "SELECT count(*) FROM config_versions"), 0);

    sign_in(f, "cadmin");
    assert_int_equal(cr_db_set_os_login(f->db, "root"), CR_OK);
    assert_int_equal(cr_config_pin(f->db), CR_OK);
    assert_int_equal(cr_config_pin_check(f->db, f->cfg), CR_OK);
    assert_int_equal(cr_config_pin_check(f->db, other), CR_INVALID);
    assert_int_equal(outside(f,
                             "SELECT count(*) FROM audit_events WHERE action = 'config_pin' "
                             "AND os_login = 'root' AND id = (SELECT max(id) FROM audit_events)"),
                     1);

    /* Adoption: the admin's, under the rules in force. */
    cr_db *before;
    assert_int_equal(cr_db_open(f->path, 0, fixed_clock, NULL, &before), CR_OK);
    cr_db_set_user(before, f->cfg, cr_config_person(f->cfg, "cadmin"));
    sign_in(f, "bjones");
    assert_int_equal(cr_config_adopt(f->db, other), CR_REFUSED);
    sign_in(f, "cadmin");
    assert_int_equal(cr_config_adopt(f->db, other), CR_OK);
    assert_int_equal(cr_config_pin_check(f->db, other), CR_OK);
    /* A session begun under the old rules acts under them no more. */
    struct cr_draft draft = {.action = CR_ACTION_NOTE, .outcome = -1, .vote = -1, .text = "x"};
    assert_int_equal(cr_draft_save(before, "S1", &draft), CR_INVALID);
    assert_non_null(strstr(cr_db_errmsg(before), "an admin adopted another configuration"));
    cr_db_close(before);
    struct cr_config_version v;
    assert_int_equal(cr_config_version_get(f->db, NULL, &v), CR_OK);
    assert_string_equal(v.digest, other->digest);
    cr_config_version_free(&v);
    char prefix[13];
    snprintf(prefix, sizeof prefix, "%.12s", f->cfg->digest);
    assert_int_equal(cr_config_version_get(f->db, prefix, &v), CR_OK);
    assert_int_equal(v.in_force, 0);
    assert_memory_equal(v.text, text, len);
    cr_config_version_free(&v);
    int64_t events;
    assert_int_equal(cr_audit_verify(f->db, &events), CR_OK);
    cr_db_close(f->db);
    f->db = NULL;
    cr_config_free(other);
}

/*
 * audit verify flags an event whose time goes back more than 300 s before
 * the latest time of the events before it.  The events are real ones, keyed
 * and chained by the library, written while the injected clock went back:
 * the time check is tested on a chain that is otherwise valid.
 */
static void
test_time_going_back_flagged(void **state)
{
    struct fixture *f = *state;
    const int64_t start = now_value;
    struct cr_import_result r;
    import_ok(f->db, HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,pnd,x,y\n",
              &r);
    sign_in(f, "asmith");
    struct cr_request note = {.action = CR_ACTION_NOTE, .text = "n"};
    struct cr_act_result res;
    /* An hour on (event 2), then back by exactly the 300 s a clock may be set back (event 3). */
    now_value = start + 3600;
    assert_int_equal(cr_act(f->db, "1", &note, &res), CR_OK);
    now_value = start + 3600 - 300;
    assert_int_equal(cr_act(f->db, "1", &note, &res), CR_OK);
    sign_in(f, "cadmin");
    int64_t events;
    assert_int_equal(cr_audit_verify(f->db, &events), CR_OK);
    assert_int_equal(events, 3);
    /* Back by a little more, against the latest time (event 2's), not the previous event's. */
    sign_in(f, "asmith");
    now_value = start + 3600 - 301;
    assert_int_equal(cr_act(f->db, "1", &note, &res), CR_OK);
    sign_in(f, "cadmin");
    now_value = start;
    assert_int_equal(cr_audit_verify(f->db, &events), CR_INVALID);
    assert_int_equal(events, 0);
    assert_string_equal(cr_db_errmsg(f->db),
                        "audit event 4: its time 2026-01-01T00:54:59Z is before event 2's "
                        "2026-01-01T01:00:00Z by 301 s, more than the 300 s a clock may be set "
                        "back; the clock was set back or the time was altered");
}

/* A kept head is hex digits only: a sign or a space is not read as a digit. */
static void
test_head_hex_strict(void **state)
{
    (void)state;
    struct cr_audit_head h;
    char s[80];
    char good[65], signed_[65];
    for (int i = 0; i < 32; i++) {
        memcpy(good + 2 * i, "0b", 2);
        memcpy(signed_ + 2 * i, "+b", 2);
    }
    good[64] = signed_[64] = '\0';
    snprintf(s, sizeof s, "1:%s", good);
    assert_int_equal(cr_audit_head_parse(s, &h), 0);
    snprintf(s, sizeof s, "1:%s", signed_);
    assert_int_equal(cr_audit_head_parse(s, &h), -1);
    good[0] = ' ';
    snprintf(s, sizeof s, "1:%s", good);
    assert_int_equal(cr_audit_head_parse(s, &h), -1);
}

/* The case numbers a search lists, in its order: "3 1". */
static void
searched(cr_db *db, const char *words, char *out, size_t n)
{
    struct cr_filter f = CR_FILTER_ALL;
    f.search = words;
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(db, &f, 0, 50, &page), CR_OK);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < page.n; i++)
        used += (size_t)snprintf(out + used, n - used, "%s%lld", i ? " " : "",
                                 (long long)page.rows[i].id);
    cr_page_free(&page);
}

/*
 * A database of version 6 (a search row per allegation and per subject,
 * kept by triggers) migrates to one row per case, filled from its cases:
 * words are found across a case's subject and allegations, newest first,
 * and the index, and the audit trail, check out.
 */
static void
test_migration_from_6_search(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,Ashgrove,Tom,officer,PC,U1,full,A1,domestic_violence,2019-01-01,pnd,x,"
                     "pushed a colleague\n"
                     "S1,Ashgrove,Tom,officer,PC,U1,full,A2,sexual_offence,2019-02-01,pnd,x,"
                     "a second report\n"
                     "S2,Brønnerud,Ann,officer,PC,U1,full,A3,domestic_violence,2020-01-01,pnd,x,"
                     "report of a threat\n",
              &r);
    sqlite3 *s = closed_before_version_7(f);
    assert_int_equal(sqlite3_exec(s, "PRAGMA user_version = 6", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    assert_int_equal(outside(f, "SELECT count(*) FROM allegation_search WHERE allegation_search "
                                "MATCH 'report'"),
                     2);
    reopen(f);
    assert_int_equal(cr_db_schema_version(f->db), LATEST);
    assert_int_equal(outside(f, "SELECT count(*) FROM sqlite_schema WHERE name IN "
                                "('allegation_search', 'subject_search')"),
                     0);
    char got[64];
    searched(f->db, "report", got, sizeof got);
    assert_string_equal(got, "2 1");
    searched(f->db, "tom pushed second", got, sizeof got);
    assert_string_equal(got, "1");
    searched(f->db, "BRØNNERUD threat", got, sizeof got);
    assert_string_equal(got, "2");
    searched(f->db, "ann pushed", got, sizeof got);
    assert_string_equal(got, "");
    assert_int_equal(
        outside(f, "SELECT count(*) FROM case_search WHERE case_search MATCH 'report'"), 2);
    int64_t events;
    assert_int_equal(cr_audit_verify(f->db, &events), CR_OK);
    search_index_checks_out(f);
}

/*
 * A version 7 database's search index (detail=column) is rebuilt as
 * version 8's (detail=none) from the same documents: the same words find
 * the same cases, a phrase is still a phrase, and the index checks out.
 */
static void
test_migration_from_7_search_detail(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,Ashgrove,Tom,officer,PC,U1,full,A1,domestic_violence,2019-01-01,pnd,x,"
                     "pushed a colleague\n"
                     "S2,Smith-Jones,Ann,officer,PC,U1,full,A2,domestic_violence,2020-01-01,pnd,x,"
                     "report of a threat by smith and by jones\n",
              &r);
    cr_db_close(f->db);
    f->db = NULL;
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(s,
                     V9_DROP "DROP TABLE case_search;"
                             "CREATE VIRTUAL TABLE case_search USING fts5(subject, allegations, "
                             "content='', columnsize=0, detail=column, "
                             "tokenize='unicode61 remove_diacritics 2');"
                             "INSERT INTO case_search(rowid, subject, allegations)"
                             "  SELECT id, subject, allegations FROM case_documents;"
                             "PRAGMA user_version = 7",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(s);
    reopen(f);
    assert_int_equal(cr_db_schema_version(f->db), LATEST);
    assert_int_equal(outside(f, "SELECT count(*) FROM sqlite_schema WHERE name = 'case_search' "
                                "AND sql LIKE '%detail=none%'"),
                     1);
    char got[64];
    searched(f->db, "ashgrove pushed", got, sizeof got);
    assert_string_equal(got, "1");
    searched(f->db, "smith-jones", got, sizeof got);
    assert_string_equal(got, "2");
    searched(f->db, "jones-smith", got, sizeof got);
    assert_string_equal(got, "");
    searched(f->db, "thr*", got, sizeof got);
    assert_string_equal(got, "2");
    search_index_checks_out(f);
}

/*
 * The import checks its rows' references once, at its end (foreign keys
 * are off while it runs): an allegation whose case is gone by then (here a
 * trigger takes the case away, as a defect of the import would) fails the
 * import with a message naming it, and nothing of it is kept.
 */
static void
test_import_references_checked(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,kept\n",
              &r);
    int64_t events = outside(f, "SELECT count(*) FROM audit_events");
    sqlite3 *o;
    assert_int_equal(sqlite3_open(f->path, &o), SQLITE_OK);
    assert_int_equal(sqlite3_exec(o,
                                  "CREATE TRIGGER lose_case AFTER INSERT ON allegations "
                                  "WHEN new.ref = 'A2' BEGIN DELETE FROM cases "
                                  "WHERE id = new.case_id; END;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(o);
    cr_diags *d = NULL;
    assert_int_equal(
        import_text(f->db,
                    HEADER "S1,A,B,officer,PC,U1,full,A2,domestic_violence,2019-02-01,complaint,x,"
                           "second\n",
                    0, &r, &d),
        CR_DB);
    cr_diags_free(d);
    assert_string_equal(cr_db_errmsg(f->db),
                        "import: allegation A2 names case 1, which is not there");
    assert_int_equal(outside(f, "SELECT count(*) FROM allegations"), 1);
    assert_int_equal(outside(f, "SELECT count(*) FROM cases"), 1);
    assert_int_equal(outside(f, "SELECT count(*) FROM audit_events"), events);
    struct cr_case c;
    assert_int_equal(st_case_get(f->db, "S1", &c), CR_OK);
    cr_case_free(&c);
}

/*
 * A version 8 database gains the service level's clock (version 9): every
 * case's clock unshifted and none paused, so each is due when it was, and
 * the overdue filter and a pause work on it at once.
 */
static void
test_migration_from_8_sla(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,kept\n",
              &r);
    cr_db_close(f->db);
    f->db = NULL;
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, V9_DROP "PRAGMA user_version = 8", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(s);
    reopen(f);
    assert_int_equal(cr_db_schema_version(f->db), LATEST);
    assert_int_equal(outside(f, "SELECT count(*) FROM cases WHERE clock_shift = 0 AND "
                                "paused_until IS NULL AND paused_at IS NULL AND paused_by IS NULL "
                                "AND pause_reason IS NULL"),
                     1);
    sign_in(f, "bjones");
    struct cr_case c;
    assert_int_equal(cr_case_view(f->db, "S1", &c), CR_OK);
    int64_t since = c.row.state_since;
    assert_int_equal(cr_case_due(f->cfg, &c.row), since + 10 * 86400);
    assert_int_equal(c.row.paused_until, 0);
    cr_case_free(&c);
    struct cr_filter overdue = CR_FILTER_ALL;
    overdue.overdue = 1;
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(f->db, &overdue, 0, 10, &page), CR_OK);
    assert_int_equal(page.n, 0); /* the fixed clock is the import's: nothing is due yet */
    cr_page_free(&page);
    struct cr_act_result res;
    assert_int_equal(cr_case_pause(f->db, "S1", "Investigation", since + 86400, 0, &res), CR_OK);
    assert_int_equal(outside(f, "SELECT paused_until - paused_at FROM cases"), 86400);
}

/* The number of cases waiting for the handle's user (cr_list_mine_page, one page). */
static size_t
mine_count(cr_db *db)
{
    struct cr_page page = {0};
    assert_int_equal(cr_list_mine_page(db, 0, 50, &page), CR_OK);
    size_t n = page.n;
    cr_page_free(&page);
    return n;
}

/*
 * A version 9 database gains the routing of an approval (version 10): every
 * case routed to nobody, so a decision awaiting approval waits for every
 * supervisor as it did, and may be routed at once.
 */
static void
test_migration_from_9_routing(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,kept\n",
              &r);
    sign_in(f, "asmith");
    struct cr_act_result res;
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_request decide = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REFER, .rationale = "Refer."};
    assert_int_equal(cr_act(f->db, "S1", &claim, &res), CR_OK);
    assert_int_equal(cr_act(f->db, "S1", &decide, &res), CR_OK);
    cr_db_close(f->db);
    f->db = NULL;
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, V10_DROP "PRAGMA user_version = 9", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(s);
    assert_int_equal(outside(f, "SELECT count(*) FROM pragma_table_info('cases') "
                                "WHERE name = 'approver'"),
                     0);
    reopen(f);
    assert_int_equal(cr_db_schema_version(f->db), LATEST);
    assert_int_equal(outside(f, "SELECT count(*) FROM cases WHERE approver IS NULL"), 1);
    sign_in(f, "bjones");
    assert_int_equal(mine_count(f->db), 1);
    assert_int_equal(cr_case_route(f->db, "S1", "fkaur", NULL, 0, &res), CR_OK);
    assert_string_equal(outside_text(f, "SELECT approver FROM cases"), "fkaur");
    assert_int_equal(mine_count(f->db), 0); /* routed to fkaur: no longer bjones's */
    sign_in(f, "fkaur");
    assert_int_equal(mine_count(f->db), 1);
}

/*
 * A version 10 database gains follow-ups (version 12): the table, empty;
 * a closed case takes a follow-up and is reopened, and the trail verifies.
 */
static void
test_migration_from_10_followups(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,kept\n",
              &r);
    struct cr_act_result res;
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_request decide = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REASSESS, .rationale = "Reassess."};
    struct cr_request approve = {.action = CR_ACTION_APPROVE};
    sign_in(f, "asmith");
    assert_int_equal(cr_act(f->db, "S1", &claim, &res), CR_OK);
    assert_int_equal(cr_act(f->db, "S1", &decide, &res), CR_OK);
    sign_in(f, "bjones");
    assert_int_equal(cr_act(f->db, "S1", &approve, &res), CR_OK);
    assert_int_equal(res.state_after, CR_STATE_CLOSED);
    cr_db_close(f->db);
    f->db = NULL;
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(s, V13_DROP V12_DROP V11_DROP "PRAGMA user_version = 10", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(s);
    assert_int_equal(outside(f, "SELECT count(*) FROM sqlite_master WHERE name = 'follow_ups'"), 0);
    reopen(f);
    assert_int_equal(cr_db_schema_version(f->db), LATEST);
    assert_int_equal(outside(f, "SELECT count(*) FROM follow_ups"), 0);
    sign_in(f, "fkaur");
    char today[11];
    cr_date_format(now_value / 86400, today);
    const struct cr_followup_request fu = {CR_FOLLOWUP_VETTING, "maintained", today, "Kept."};
    assert_int_equal(cr_followup_add(f->db, "S1", &fu, &res), CR_OK);
    assert_int_equal(outside(f, "SELECT count(*) FROM follow_ups WHERE result = 'maintained'"), 1);
    assert_int_equal(cr_case_reopen(f->db, "S1", "Appeal upheld.", 0, &res), CR_OK);
    assert_string_equal(outside_text(f, "SELECT state FROM cases"), "flagged");
    sign_in(f, "cadmin");
    int64_t events = 0;
    assert_int_equal(cr_audit_verify(f->db, &events), CR_OK);
}

/*
 * Version 11 (linked references): a database of version 10 gains the
 * links table; its search index, untouched, still agrees with the
 * documents (a case without links keeps its document), and a link made
 * afterwards is found by search and checked by audit verify.
 */
static void
test_migration_from_10_links(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,kept\n",
              &r);
    cr_db_close(f->db);
    f->db = NULL;
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(s, V13_DROP V12_DROP V11_DROP "PRAGMA user_version = 10", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(s);
    assert_int_equal(outside(f, "SELECT count(*) FROM sqlite_schema WHERE name = 'case_links'"), 0);
    reopen(f);
    assert_int_equal(cr_db_schema_version(f->db), LATEST);
    assert_int_equal(outside(f, "SELECT count(*) FROM case_links"), 0);
    search_index_checks_out(f);
    struct cr_act_result res;
    assert_int_equal(cr_case_link(f->db, "S1", CR_LINK_CRIME, "CR/77/19", "open", "found", 0, &res),
                     CR_OK);
    assert_string_equal(outside_text(f, "SELECT ref || ' ' || status || ' ' || added_by FROM "
                                        "case_links"),
                        "CR/77/19 open cadmin");
    struct cr_filter filter = CR_FILTER_ALL;
    filter.search = "CR/77/19";
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(f->db, &filter, 0, 10, &page), CR_OK);
    assert_int_equal(page.n, 1);
    cr_page_free(&page);
    int64_t events = 0;
    assert_int_equal(cr_audit_verify(f->db, &events), CR_OK);
}

/*
 * Version 14, chain v3 (issue 13): a database as version 10 left it, its
 * events chained v2 (the hash over the details themselves), opens at the
 * latest version with those events as they were; events after it carry
 * their keyed digest; audit verify passes; a purge then erases a case whose
 * events are all v2 (their hashes kept, vouched for by the erasure's sum),
 * verify passes, and an erased v2 event's actor altered is caught.
 */
static void
test_migration_from_10_chain_v3(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER
              "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,Goneword\n"
              "S2,C,D,officer,PC,U2,full,A2,domestic_violence,2019-01-02,complaint,x,kept\n",
              &r);
    sign_in(f, "asmith");
    struct cr_act_result res;
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_request decide = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REASSESS, .rationale = "Rationale v2"};
    struct cr_request approve = {.action = CR_ACTION_APPROVE};
    assert_int_equal(cr_act(f->db, "S1", &claim, &res), CR_OK);
    assert_int_equal(cr_act(f->db, "S1", &decide, &res), CR_OK);
    sign_in(f, "bjones");
    assert_int_equal(cr_act(f->db, "S1", &approve, &res), CR_OK);
    struct cr_audit_key key;
    assert_int_equal(st_audit_key(f->db, &key), CR_OK);
    assert_true(key.have);
    cr_db_close(f->db);
    f->db = NULL;
    /* Back to version 10: no digests, every event re-chained as version 10 chained it (v2). */
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(s,
                     "DROP TABLE audit_digests; DROP TABLE erasures; " V13_DROP V12_DROP V11_DROP
                     "PRAGMA user_version = 10",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(s,
                                        "SELECT id, at, actor, case_id, action, state_before, "
                                        "state_after, details, config_digest, purpose, os_login "
                                        "FROM audit_events ORDER BY id",
                                        -1, &q, NULL),
                     SQLITE_OK);
    unsigned char prev[32] = {0}, h[32];
    int64_t last = 0;
    char sql[512], hex[65], phex[65];
    while (sqlite3_step(q) == SQLITE_ROW) {
        struct cr_event e = {
            .id = sqlite3_column_int64(q, 0),
            .at = sqlite3_column_int64(q, 1),
            .actor = (const char *)sqlite3_column_text(q, 2),
            .case_id = sqlite3_column_int64(q, 3),
            .action = (const char *)sqlite3_column_text(q, 4),
            .state_before = (const char *)sqlite3_column_text(q, 5),
            .state_after = (const char *)sqlite3_column_text(q, 6),
            .details = (const char *)sqlite3_column_text(q, 7),
            .config_digest = (const char *)sqlite3_column_text(q, 8),
            .purpose = (const char *)sqlite3_column_text(q, 9),
            .os_login = (const char *)sqlite3_column_text(q, 10),
        };
        cr_audit_hash(key.key, prev, &e, h);
        cr_hex_of(h, 32, hex);
        cr_hex_of(prev, 32, phex);
        snprintf(sql, sizeof sql,
                 "UPDATE audit_events SET prev_hash = x'%s', hash = x'%s' WHERE id = %lld", phex,
                 hex, (long long)e.id);
        assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
        memcpy(prev, h, 32);
        last = e.id;
    }
    sqlite3_finalize(q);
    snprintf(sql, sizeof sql, "UPDATE settings SET value = '%lld:%s' WHERE key = 'audit_head'",
             (long long)last, hex);
    assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    reopen(f);
    assert_int_equal(cr_db_schema_version(f->db), LATEST);
    assert_int_equal(outside(f, "SELECT count(*) FROM audit_digests"), 0);
    int64_t events;
    assert_int_equal(cr_audit_verify(f->db, &events), CR_OK);
    assert_int_equal(events, last);
    /* A year on, a purge erases case 1, whose events are all v2. */
    now_value += 400 * 86400;
    f->cfg->retention_days[CR_OUTCOME_COUNT] = 365;
    struct cr_purge_result p;
    assert_int_equal(cr_purge(f->db, now_value, "MoPI", false, &p), CR_OK);
    assert_int_equal(p.n_erased, 1);
    assert_int_equal(p.events, outside(f, "SELECT count(*) FROM audit_events WHERE case_id = 1 "
                                          "AND details LIKE '{\"erased\": %'"));
    cr_purge_result_free(&p);
    assert_int_equal(outside(f, "SELECT count(*) FROM allegations WHERE summary = 'Goneword'"), 0);
    /* Events after the migration carry their digest; those before do not. */
    assert_int_equal(outside(f, "SELECT min(event) FROM audit_digests"), last + 1);
    assert_int_equal(cr_audit_verify(f->db, &events), CR_OK);
    cr_db_close(f->db);
    f->db = NULL;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(s, "UPDATE audit_events SET actor = 'fkaur' WHERE id = 2", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(s);
    reopen(f);
    assert_int_equal(cr_audit_verify(f->db, &events), CR_INVALID);
    char want[128];
    snprintf(want, sizeof want, "audit event %lld: the ", (long long)last + 1);
    if (strncmp(cr_db_errmsg(f->db), want, strlen(want)) != 0)
        fail_msg("verify said: %s", cr_db_errmsg(f->db));
    now_value -= 400 * 86400;
}

/*
 * A version 10 database gains quality assurance's qa table (version 13):
 * empty, with its columns' checks, and the data kept.
 */
static void
test_migration_from_10_qa(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,domestic_violence,2019-01-01,complaint,x,kept\n",
              &r);
    cr_db_close(f->db);
    f->db = NULL;
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(s, V13_DROP V12_DROP V11_DROP "PRAGMA user_version = 10", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(s);
    assert_int_equal(outside(f, "SELECT count(*) FROM sqlite_schema WHERE name = 'qa'"), 0);
    reopen(f);
    assert_int_equal(cr_db_schema_version(f->db), LATEST);
    assert_int_equal(outside(f, "SELECT count(*) FROM sqlite_schema WHERE name IN ('qa', "
                                "'qa_pending')"),
                     2);
    assert_int_equal(outside(f, "SELECT count(*) FROM qa"), 0);
    assert_int_equal(outside(f, "SELECT count(*) FROM cases"), 1);
    /* The checks hold: a verdict is agree or disagree. */
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(s,
                                      "INSERT INTO qa VALUES (1, 1, 'a', 'b', 'nfa', 'sample', 5, "
                                      "'d', 0, 'c', 'perhaps', 'r', 0)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(s);
}

/*
 * Version 11 ranks a case that follows closed ones by the subject's whole
 * history: a database of version 10, whose following case was ranked on
 * its own allegations alone, has it ranked again when it opens.
 */
static void
test_migration_from_10_ranks_followers(void **state)
{
    struct fixture *f = *state;
    struct cr_import_result r;
    import_ok(f->db,
              HEADER "S1,A,B,officer,PC,U1,full,A1,sexual_offence,2019-01-01,complaint,x,first\n",
              &r);
    struct cr_act_result res;
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_request decide = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_REASSESS, .rationale = "Reassess."};
    struct cr_request approve = {.action = CR_ACTION_APPROVE};
    sign_in(f, "asmith");
    assert_int_equal(cr_act(f->db, "S1", &claim, &res), CR_OK);
    assert_int_equal(cr_act(f->db, "S1", &decide, &res), CR_OK);
    sign_in(f, "bjones");
    assert_int_equal(cr_act(f->db, "S1", &approve, &res), CR_OK);
    assert_int_equal(res.state_after, CR_STATE_CLOSED);
    sign_in(f, "cadmin");
    import_ok(
        f->db,
        HEADER "S1,A,B,officer,PC,U1,full,A2,domestic_violence,2020-06-01,complaint,x,later\n", &r);
    int64_t whole = cr_priority(CR_DUTY_FULL, 2, 1, "2020-06-01");
    int64_t own = cr_priority(CR_DUTY_FULL, 1, 0, "2020-06-01");
    assert_int_equal(outside(f, "SELECT priority FROM cases WHERE id = 2"), whole);
    cr_db_close(f->db);
    f->db = NULL;
    /* Back to version 10, where case 2 ranked on its own allegation. */
    sqlite3 *s;
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE cases SET priority = %lld WHERE id = 2", (long long)own);
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(s, V13_DROP V12_DROP V11_DROP "PRAGMA user_version = 10", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(s);
    assert_int_equal(outside(f, "SELECT priority FROM cases WHERE id = 2"), own);
    reopen(f);
    assert_int_equal(cr_db_schema_version(f->db), LATEST);
    assert_int_equal(outside(f, "SELECT priority FROM cases WHERE id = 2"), whole);
    assert_int_equal(outside(f, "SELECT priority FROM cases WHERE id = 1"),
                     cr_priority(CR_DUTY_FULL, 1, 1, "2019-01-01"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_hex_strict),
        cmocka_unit_test_setup_teardown(test_open_and_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rechain_without_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_action_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_going_back_flagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_open_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_without_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_groups_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_refused_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_allegation_after_decision_and_close, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_keeps_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_3_adds_drafts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_before_version_6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_6_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_6_drops_unused_indexes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_7_search_detail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_references_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_8_sla, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_9_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_10_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_10_followups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_10_chain_v3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_10_qa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_10_ranks_followers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
