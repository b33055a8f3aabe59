/*
 * The figures through the public API: dissent per round (and nothing of a
 * round still open under blind voting), a read that fails is an error and
 * never a partial result, and the counters of schema version 5 filled in
 * when an older database migrates.
 */
#include "internal.h"
#include "sqlite/schema.h"

#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
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

/* good.yaml, but two dissents return a case: a single dissent leaves the round open. */
static const char config_text[] =
    "allow_impersonation: true\n"
    "conflicts: { same_unit: true }\n"
    "sla_days: { review: 10, approval: 3, panel: 14 }\n"
    "users:\n"
    "  - { login: asmith, roles: [reviewer], unit: East }\n"
    "  - { login: ejones, roles: [reviewer], unit: PSD }\n"
    "  - { login: bjones, roles: [supervisor], unit: PSD }\n"
    "  - { login: cadmin, roles: [admin] }\n"
    "panel:\n"
    "  members:\n"
    "    - { login: mkhan, kind: independent }\n"
    "    - { login: lpark, kind: legal }\n"
    "    - { login: rdoe, kind: police }\n"
    "    - { login: tnash, kind: independent }\n"
    "  sign_off: { concur: 2, dissent: 2, require_kinds: { independent: 1 }, blind: true }\n";

struct fixture {
    char dir[64];
    char path[128];
    cr_db *db;
    struct cr_config *cfg;
};

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
    strcpy(f->dir, "/tmp/cr-report-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char cfg_path[128];
    snprintf(cfg_path, sizeof cfg_path, "%s/c.yaml", f->dir);
    FILE *c = fopen(cfg_path, "w");
    fputs(config_text, c);
    fclose(c);
    cr_diags *d = NULL;
    if (cr_config_load(cfg_path, &f->cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    if (cr_db_open(f->path, CR_OPEN_CREATE, fixed_clock, NULL, &f->db) != CR_OK)
        return -1;
    sign_in(f, "cadmin");
    FILE *in = tmpfile();
    fputs("subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,"
          "category,allegation_date,source,original_outcome,summary\n",
          in);
    for (int i = 1; i <= 6; i++)
        fprintf(in,
                "S%d,A,B,officer,PC,North,full,A%d,domestic_violence,2020-01-0%d,complaint,"
                "x,y\n",
                i, i, i);
    rewind(in);
    struct cr_import_result r;
    if (cr_import_csv(f->db, in, "t.csv", 0, &r, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    fclose(in);
    *state = f;
    return 0;
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

static void
act(struct fixture *f, const char *login, const char *key, int action, int outcome, int vote)
{
    sign_in(f, login);
    struct cr_request req = {.action = action,
                             .outcome = outcome,
                             .vote = vote,
                             .rationale = "Considered.",
                             .reason = "Not so."};
    struct cr_act_result res;
    enum cr_status st = cr_act(f->db, key, &req, &res);
    if (st != CR_OK)
        fail_msg("%s %s as %s: %s", cr_action_name(action), key, login, cr_db_errmsg(f->db));
}

/* Decided by asmith, approved by bjones: with the panel. */
static void
to_panel(struct fixture *f, const char *key, int outcome)
{
    act(f, "asmith", key, CR_ACTION_CLAIM, 0, 0);
    act(f, "asmith", key, CR_ACTION_DECIDE, outcome, 0);
    act(f, "bjones", key, CR_ACTION_APPROVE, 0, 0);
}

static struct cr_reviewer_mix
mix_of(struct fixture *f, const char *viewer, const char *login, struct cr_dashboard *d)
{
    sign_in(f, viewer);
    enum cr_status st = cr_dashboard_get(f->db, d);
    if (st != CR_OK)
        fail_msg("dashboard: %s", cr_db_errmsg(f->db));
    struct cr_reviewer_mix m = {0};
    for (size_t i = 0; i < d->n_reviewers; i++)
        if (strcmp(d->reviewers[i].login, login) == 0)
            m = d->reviewers[i];
    cr_dashboard_free(d);
    return m;
}

/*
 * Item 9: a dissent on a round still open under blind voting showed in the
 * dashboard's per-reviewer figure (a vote `show` withholds).  Dissent is
 * counted per round the panel finished: returned of finished.
 */
static void
test_dissent_per_round(void **state)
{
    struct fixture *f = *state;
    struct cr_dashboard d;
    to_panel(f, "S1", CR_OUTCOME_REFER);
    act(f, "tnash", "S1", CR_ACTION_VOTE, 0, CR_VOTE_DISSENT);
    struct cr_reviewer_mix m = mix_of(f, "bjones", "asmith", &d);
    assert_int_equal(m.decided, 1);
    assert_int_equal(m.panel_rounds, 0); /* the round is open: nothing of its votes */
    assert_int_equal(m.panel_returned, 0);

    act(f, "lpark", "S1", CR_ACTION_VOTE, 0, CR_VOTE_DISSENT); /* two dissents: returned */
    m = mix_of(f, "bjones", "asmith", &d);
    assert_int_equal(m.panel_rounds, 1);
    assert_int_equal(m.panel_returned, 1);

    /* A round closed by three votes is one round, not three votes. */
    to_panel(f, "S2", CR_OUTCOME_REFER);
    act(f, "mkhan", "S2", CR_ACTION_VOTE, 0, CR_VOTE_CONCUR);
    act(f, "rdoe", "S2", CR_ACTION_VOTE, 0, CR_VOTE_DISSENT);
    act(f, "lpark", "S2", CR_ACTION_VOTE, 0, CR_VOTE_CONCUR);
    m = mix_of(f, "bjones", "asmith", &d);
    assert_int_equal(m.panel_rounds, 2);
    assert_int_equal(m.panel_returned, 1);

    /* The second round of S1, decided again and returned again. */
    act(f, "asmith", "S1", CR_ACTION_DECIDE, CR_OUTCOME_REFER, 0);
    act(f, "bjones", "S1", CR_ACTION_APPROVE, 0, 0);
    act(f, "mkhan", "S1", CR_ACTION_VOTE, 0, CR_VOTE_DISSENT);
    act(f, "rdoe", "S1", CR_ACTION_VOTE, 0, CR_VOTE_DISSENT);
    sign_in(f, "bjones");
    assert_int_equal(cr_dashboard_get(f->db, &d), CR_OK);
    assert_int_equal(d.panel_rounds, 3);
    assert_int_equal(d.panel_returned, 2);
    assert_true(d.reviewers_shown);
    cr_dashboard_free(&d);

    /* A panel member sees the overall figure, nobody's own. */
    sign_in(f, "mkhan");
    assert_int_equal(cr_dashboard_get(f->db, &d), CR_OK);
    assert_false(d.reviewers_shown);
    assert_int_equal(d.n_reviewers, 0);
    assert_int_equal(d.panel_rounds, 3);
    cr_dashboard_free(&d);
}

/* D5: the latest proposed outcome in every state was counted as if final. */
static void
test_confirmed_apart_from_proposed(void **state)
{
    struct fixture *f = *state;
    to_panel(f, "S1", CR_OUTCOME_NFA);
    act(f, "mkhan", "S1", CR_ACTION_VOTE, 0, CR_VOTE_CONCUR);
    act(f, "lpark", "S1", CR_ACTION_VOTE, 0, CR_VOTE_CONCUR); /* closed */
    to_panel(f, "S2", CR_OUTCOME_NFA);                        /* with the panel */
    act(f, "asmith", "S3", CR_ACTION_CLAIM, 0, 0);
    act(f, "asmith", "S3", CR_ACTION_DECIDE, CR_OUTCOME_NFA, 0); /* proposed */
    struct cr_stats s;
    sign_in(f, "bjones");
    assert_int_equal(cr_stats_get(f->db, &s), CR_OK);
    const struct cr_figures *nfa = &s.by_outcome[CR_OUTCOME_NFA];
    assert_int_equal(nfa->cases[CR_STAGE_CONFIRMED], 1);
    assert_int_equal(nfa->cases[CR_STAGE_WITH_PANEL], 1);
    assert_int_equal(nfa->cases[CR_STAGE_PROPOSED], 1);
    assert_int_equal(nfa->total_cases, 3);
    assert_int_equal(s.figures.cases[CR_STAGE_UNDECIDED], 3);

    /* The same figures read from every case, as at today. */
    struct cr_report_query q = {1, {CR_DIMENSION_OUTCOME}, "2026-01-01"};
    struct cr_report r;
    assert_int_equal(cr_report_get(f->db, &q, &r), CR_OK);
    assert_true(r.scanned);
    assert_int_equal(r.n_rows, 2);
    assert_string_equal(r.rows[0].key[0], "nfa");
    assert_memory_equal(&r.rows[0].f, nfa, sizeof *nfa);
    assert_memory_equal(&r.total, &s.figures, sizeof s.figures);
    cr_report_free(&r);

    struct cr_report_query twice = {2, {CR_DIMENSION_UNIT, CR_DIMENSION_UNIT}, NULL};
    assert_int_equal(cr_report_get(f->db, &twice, &r), CR_USAGE);
    assert_string_equal(cr_db_errmsg(f->db), "a report is broken down by unit only once");
    cr_report_free(&r);
}

/*
 * Item 10: the dashboard query ignored step errors and reported a partial
 * result as success.  A statement that fails as it steps (an integer
 * overflow in a column the overdue count reads) must fail the dashboard.
 * (A busy read cannot be made real here: under WAL a reader is never
 * blocked by a writer, and no connection can take the exclusive lock that
 * would block it while this handle has the database open.)
 */
static void
test_dashboard_step_error(void **state)
{
    struct fixture *f = *state;
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    char *err = NULL;
    int rc =
        sqlite3_exec(s,
                     "PRAGMA legacy_alter_table = ON;"
                     "ALTER TABLE cases RENAME TO cases_kept;"
                     "CREATE VIEW cases AS SELECT id, subject_id, previous_case_id, state, "
                     "  CASE WHEN state = 'flagged' THEN abs(-9223372036854775807 - 1) "
                     "  ELSE state_since END AS state_since, created_at, assignee, outcome, "
                     "  vetting_review, rationale, decided_by, decided_at, round, version, "
                     "  categories, quorum_blocked, clock_shift, paused_until FROM cases_kept;",
                     NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("%s", err);
    sqlite3_close(s);
    cr_db_close(f->db);
    assert_int_equal(cr_db_open(f->path, 0, fixed_clock, NULL, &f->db), CR_OK);
    sign_in(f, "bjones");
    struct cr_dashboard d;
    assert_int_equal(cr_dashboard_get(f->db, &d), CR_DB);
    assert_non_null(strstr(cr_db_errmsg(f->db), "integer overflow"));
    assert_int_equal(d.n_reviewers, 0);
    assert_int_equal(d.stats.cases, 0); /* nothing half-read is left behind */
    cr_dashboard_free(&d);
}

/* A database of version 4 migrates with its counters filled from what happened. */
static void
test_migration_fills_counters(void **state)
{
    struct fixture *f = *state;
    to_panel(f, "S1", CR_OUTCOME_REFER);
    act(f, "tnash", "S1", CR_ACTION_VOTE, 0, CR_VOTE_DISSENT);
    act(f, "lpark", "S1", CR_ACTION_VOTE, 0, CR_VOTE_DISSENT);
    to_panel(f, "S2", CR_OUTCOME_NFA);
    act(f, "mkhan", "S2", CR_ACTION_VOTE, 0, CR_VOTE_CONCUR);
    act(f, "lpark", "S2", CR_ACTION_VOTE, 0, CR_VOTE_CONCUR);
    sign_in(f, "bjones");
    struct cr_dashboard before, after;
    assert_int_equal(cr_dashboard_get(f->db, &before), CR_OK);
    cr_db_close(f->db);

    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            s,
            "DROP TABLE case_search; DROP VIEW case_documents; DROP TABLE case_links; "
            "DROP TRIGGER cases_outcome_count_insert; DROP TRIGGER cases_outcome_count_update; "
            "DROP TRIGGER cases_outcome_count_delete; DROP TABLE outcome_counts; "
            "DROP TRIGGER cases_panel_round_finished; DROP TABLE panel_rounds; "
            "DROP INDEX cases_followed; "
            "DROP TABLE superseded_votes; DROP TRIGGER cases_reviewer_outcome; "
            "DROP TRIGGER cases_reviewer_outcome_delete; DROP TABLE reviewer_outcomes; "
            "DROP TRIGGER cases_panel_round; DROP INDEX cases_panel_queue; "
            "DROP INDEX cases_panel_state_queue; DROP INDEX cases_panel_outcome_queue; "
            "ALTER TABLE cases DROP COLUMN panel_round; "
            "DROP INDEX audit_actor; DROP INDEX audit_action; "
            "ALTER TABLE audit_events DROP COLUMN purpose; "
            "DROP INDEX config_in_force; DROP TABLE config_versions; "
            "ALTER TABLE audit_events DROP COLUMN os_login; "
            "ALTER TABLE cases DROP COLUMN clock_shift; ALTER TABLE cases DROP COLUMN "
            "paused_until; ALTER TABLE cases DROP COLUMN paused_at; ALTER TABLE cases DROP "
            "COLUMN paused_by; ALTER TABLE cases DROP COLUMN pause_reason; "
            "ALTER TABLE cases DROP COLUMN approver; DROP TABLE follow_ups; DROP TABLE qa; "
            "PRAGMA user_version = 4;",
            NULL, NULL, NULL),
        SQLITE_OK);
    /* Version 6's search indexes, which version 7 replaces. */
    for (size_t i = 0; i < cr_schema_count; i++)
        if (cr_schema[i].version == 3 && strstr(cr_schema[i].sql, "_search"))
            assert_int_equal(sqlite3_exec(s, cr_schema[i].sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    /* Version 4 had no audit key: the migration makes one (the trail is not checked here). */
    char key[4096];
    snprintf(key, sizeof key, "%s.key", f->path);
    assert_int_equal(unlink(key), 0);
    assert_int_equal(cr_db_open(f->path, 0, fixed_clock, NULL, &f->db), CR_OK);
    assert_int_equal(cr_db_schema_version(f->db), cr_schema[cr_schema_count - 1].version);
    sign_in(f, "bjones");
    assert_int_equal(cr_dashboard_get(f->db, &after), CR_OK);
    assert_memory_equal(&after.stats, &before.stats, sizeof before.stats);
    assert_int_equal(after.panel_rounds, 2);
    assert_int_equal(after.panel_returned, 1);
    assert_int_equal(after.n_reviewers, 1);
    assert_int_equal(after.reviewers[0].panel_rounds, before.reviewers[0].panel_rounds);
    assert_int_equal(after.reviewers[0].panel_returned, 1);
    assert_string_equal(after.reviewers[0].login, "asmith");
    assert_memory_equal(after.reviewers[0].by_outcome, before.reviewers[0].by_outcome,
                        sizeof before.reviewers[0].by_outcome);
    assert_int_equal(after.reviewers[0].decided, 2);
    cr_dashboard_free(&before);
    cr_dashboard_free(&after);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dissent_per_round, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confirmed_apart_from_proposed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dashboard_step_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_fills_counters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
