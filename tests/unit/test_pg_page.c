/*
 * The PostgreSQL engine's pages (core/pg/page.c, sql/030-page.sql) against
 * the SQLite engine's: the same rows written into a SQLite file and the
 * PostgreSQL database (the service role's SQL, the same statements on
 * both), then page, count, list_mine, count_mine and export_scan over many
 * filters (states, outcomes, categories, sorts, words with accents,
 * hyphens, apostrophes, numbers, prefixes and quotes, assignee, unit,
 * overdue), scopes, queues, cursors both ways and limits: the same rows in
 * the same order, the same `more`, the same counts under caps.  Then the
 * server's own need-to-know: a panel-only role and a role with a unit and
 * a declared conflict calling with an empty scope get only what their
 * scope gives on SQLite.  Needs CASEREVIEW_TEST_PG_URL (tests/pg/with-cluster.sh).
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
#include <unistd.h>

#include <cmocka.h>

#define T0 1767225600
#define DAY 86400

static int64_t
clock_fn(void *ctx)
{
    (void)ctx;
    return T0 + 40 * DAY;
}

static char sq_path[64] = "/tmp/test_pg_page_XXXXXX";
static const char *url;
static cr_db *sq, *pgdb;
static PGconn *svc;

static void
pg_run(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

static void
both(sqlite3 *s, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(s, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("sqlite: %s: %s", sql, err);
    pg_run(svc, sql);
}

static const char *const surnames[] = {
    "Quillfeather", "Smith-Jones", "O'Brien", "Ångström", "Niño",   "Çelik",
    "Café",         "Zoë",         "Jones",   "Smith",    "Dupré",  "O’Neill",
    "Brien",        "Jones Smith", "Ash",     "Ashgrove", "Müller", "Sørensen"};
static const char *const forenames[] = {"Tom", "Ann", "Zoë", "Jean-Luc", "Max", "Élodie", "D'Arcy"};
static const char *const units[] = {"Unit A", "Unit B", "Central West BCU", "unit a"};
static const char *const summaries[] = {"assault at 12 High-Street, twice",
                                        "Café incident: shouting at the barista",
                                        "Threats by text 2024 and e-mail ann@example.org",
                                        "Smith-Jones reported; no further action",
                                        "rück-sack stolen; Niño's phone",
                                        "ALG-2024-001 refers: pattern of coercive control",
                                        "jones smith argued on 3.14 Street",
                                        "Ångström road, house 7/11"};
static const char *const states[] = {"flagged",      "in_review", "awaiting_approval",
                                     "panel_review", "returned",  "closed"};
static const char *const outcomes[] = {"nfa", "reassess", "refer"};
static const char *const logins[] = {"rev1", "rev2", "sup1", "pan1", "pan2", "pan3"};

/* The same rows into both databases. */
static void
fill(sqlite3 *s)
{
    char sql[2048];
    both(s, "BEGIN");
    both(s, "INSERT INTO imports(id, at, label) VALUES (1, 1767225600, 'fixture')");
    int aid = 1;
    for (int i = 1; i <= 90; i++) {
        const char *sur = surnames[(i * 7) % CR_ARRAY_LEN(surnames)];
        const char *fore = forenames[(i * 3) % CR_ARRAY_LEN(forenames)];
        const char *unit = units[i % CR_ARRAY_LEN(units)];
        char *q1 = sqlite3_mprintf("%Q", sur), *q2 = sqlite3_mprintf("%Q", fore),
             *q3 = sqlite3_mprintf("%Q", unit);
        snprintf(sql, sizeof sql,
                 "INSERT INTO subjects(id, ref, surname, forenames, employment, rank, unit, "
                 "duty_status, import_id, import_line) VALUES (%d, 'S%d', %s, %s, 'officer', "
                 "'PC', %s, '%s', 1, %d)",
                 i, i, q1, q2, q3, i % 5 == 0 ? "restricted" : "full", i);
        sqlite3_free(q1), sqlite3_free(q2), sqlite3_free(q3);
        both(s, sql);
        const char *state = states[(i * 5) % 6];
        bool decided = strcmp(state, "awaiting_approval") == 0 ||
                       strcmp(state, "panel_review") == 0 || strcmp(state, "closed") == 0;
        int nall = 1 + i % 3, nsex = (i % 4 == 0) ? nall : (i % 4 == 1 ? 0 : 1);
        if (nsex > nall)
            nsex = nall;
        char outcome[32] = "NULL", assignee[32] = "NULL", approver[32] = "NULL",
             paused[32] = "NULL";
        if (decided)
            snprintf(outcome, sizeof outcome, "'%s'", outcomes[i % 3]);
        if (i % 3 != 0)
            snprintf(assignee, sizeof assignee, "'%s'", logins[i % 3]);
        if (i % 7 == 0)
            snprintf(approver, sizeof approver, "'%s'", i % 2 ? "sup1" : "sup2");
        if (i % 11 == 0)
            snprintf(paused, sizeof paused, "%d", T0 + (i % 2 ? 10 : 90) * DAY);
        snprintf(sql, sizeof sql,
                 "INSERT INTO cases(id, subject_id, state, state_since, created_at, assignee, "
                 "outcome, decided_by, decided_at, round, version, n_allegations, n_sexual, "
                 "priority, quorum_blocked, panel_round, clock_shift, paused_until, approver) "
                 "VALUES (%d, %d, '%s', %d, %d, %s, %s, %s, %s, %d, %d, %d, %d, %d, %d, %d, %d, "
                 "%s, %s)",
                 i, i, state, T0 + (i % 30) * DAY, T0, assignee, outcome,
                 decided ? "'rev1'" : "NULL", decided ? "1767300000" : "NULL", i % 2, 1 + i % 4,
                 nall, nsex, (i * 37) % 5 - 1, i % 13 == 0, (i % 4 == 3 || i % 6 == 3) ? 1 : 0,
                 (i % 5) * 3600, paused, approver);
        both(s, sql);
        for (int k = 0; k < nall; k++, aid++) {
            char *sum = sqlite3_mprintf("%Q", summaries[(i + k * 3) % CR_ARRAY_LEN(summaries)]);
            snprintf(sql, sizeof sql,
                     "INSERT INTO allegations(id, ref, case_id, category, date, source, "
                     "original_outcome, summary, import_id, import_line) VALUES (%d, "
                     "'AL20%02d-%04d', %d, '%s', '2020-01-01', 'complaint', 'NFA', %s, 1, %d)",
                     aid, 19 + k, aid, i, k < nsex ? "sexual_offence" : "domestic_violence", sum,
                     i);
            sqlite3_free(sum);
            both(s, sql);
        }
        if (i % 9 == 0) {
            snprintf(sql, sizeof sql,
                     "INSERT INTO case_links(id, case_id, kind, ref, status, added_by, added_at) "
                     "VALUES (%d, %d, 'crime', 'CRIME/%d-77', 'open', 'rev1', %d)",
                     i, i, i, T0);
            both(s, sql);
        }
        if (strcmp(state, "panel_review") == 0 || i % 8 == 0) {
            static const char *const kinds[] = {"independent", "legal", "police", "other"};
            static const char *const votes[] = {"concur", "dissent", "recuse"};
            for (int v = 0; v < 1 + i % 3; v++) {
                snprintf(sql, sizeof sql,
                         "INSERT INTO votes(case_id, round, member, member_kind, vote, "
                         "created_at) VALUES (%d, %d, 'pan%d', '%s', '%s', %d)",
                         i, (i % 2) - (v == 2 ? 1 : 0) + (v == 2 ? 2 : 0), v + 1,
                         kinds[(i + v) % 4], votes[(i + v) % 3], T0);
                both(s, sql);
            }
        }
        if (i % 4 == 1) {
            snprintf(sql, sizeof sql,
                     "INSERT INTO decisions(case_id, round, reviewer, outcome, vetting_review, "
                     "rationale, decided_at) VALUES (%d, %d, '%s', 'nfa', 0, 'r', %d)",
                     i, i % 2 ? 0 : 1, logins[i % 2], T0);
            both(s, sql);
        }
        if (i % 6 == 2) {
            snprintf(sql, sizeof sql,
                     "INSERT INTO approvals(case_id, round, supervisor, approved_at) "
                     "VALUES (%d, %d, 'sup1', %d)",
                     i, i % 2, T0);
            both(s, sql);
        }
    }
    both(s, "COMMIT");
    /* Returns are audit events; the hashes differ in syntax only. */
    for (int i = 3; i <= 90; i += 10) {
        char *err = NULL;
        snprintf(sql, sizeof sql,
                 "INSERT INTO audit_events(at, actor, case_id, action, details, config_digest, "
                 "prev_hash, hash) VALUES (%d, 'sup1', %d, 'return', '{}', 'x', %s, %s)",
                 T0, i, "x'00'", "x'00'");
        if (sqlite3_exec(s, sql, NULL, NULL, &err) != SQLITE_OK)
            fail_msg("sqlite: %s", err);
        snprintf(sql, sizeof sql,
                 "INSERT INTO audit_events(at, actor, case_id, action, details, config_digest, "
                 "prev_hash, hash) VALUES (%d, 'sup1', %d, 'return', '{}', 'x', '\\x00', "
                 "'\\x00')",
                 T0, i);
        pg_run(svc, sql);
    }
    char *err = NULL;
    if (sqlite3_exec(s,
                     "INSERT INTO case_search(rowid, subject, allegations) "
                     "SELECT id, subject, allegations FROM case_documents ORDER BY id",
                     NULL, NULL, &err) != SQLITE_OK)
        fail_msg("sqlite: %s", err);
    pg_run(svc, "INSERT INTO case_search SELECT id, search_vector(subject || ' ' || allegations) "
                "FROM case_documents");
}

static int
setup(void **state)
{
    (void)state;
    url = getenv("CASEREVIEW_TEST_PG_URL");
    if (!url || !*url) {
        print_message("CASEREVIEW_TEST_PG_URL is not set: skipped\n");
        exit(77);
    }
    pg_allow_incomplete = true;
    int fd = mkstemp(sq_path);
    assert_true(fd >= 0);
    close(fd);
    unlink(sq_path);
    assert_int_equal(cr_db_open(sq_path, CR_OPEN_CREATE, clock_fn, NULL, &sq), CR_OK);
    cr_db_close(sq);
    if (cr_db_open(url, CR_OPEN_CREATE, clock_fn, NULL, &pgdb) != CR_OK)
        fail_msg("open %s: %s", url, cr_db_errmsg(pgdb));
    svc = PQconnectdb(url);
    assert_int_equal(PQstatus(svc), CONNECTION_OK);
    pg_run(svc, "SET search_path = casereview");
    sqlite3 *s;
    assert_int_equal(sqlite3_open(sq_path, &s), SQLITE_OK);
    fill(s);
    sqlite3_close(s);
    assert_int_equal(cr_db_open(sq_path, 0, clock_fn, NULL, &sq), CR_OK);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    cr_db_close(sq);
    cr_db_close(pgdb);
    PQfinish(svc);
    static const char *const suffix[] = {"", "-wal", "-shm", ".key"};
    for (size_t i = 0; i < 4; i++) {
        char p[200];
        snprintf(p, sizeof p, "%s%s", sq_path, suffix[i]);
        unlink(p);
    }
    return 0;
}

static bool
same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/*
 * Whether the pages read are a panel member's: the server withholds the
 * tally of a case with the panel on a blind outcome (every one, here) from a
 * member who has not voted on it (SPEC section 4; core's cr_panel_progress
 * shows no count to them), where the SQLite engine gives it for core to hide.
 */
static bool blind_viewer;

static void
same_rows(const struct cr_page *a, const struct cr_page *b, const char *what)
{
    if (a->n != b->n || a->more != b->more)
        fail_msg("%s: sqlite %zu rows (more %d), postgresql %zu (more %d)", what, a->n, a->more,
                 b->n, b->more);
    for (size_t i = 0; i < a->n; i++) {
        const struct cr_case_row *x = &a->rows[i], *y = &b->rows[i];
        bool ok = x->id == y->id && x->sortkey == y->sortkey && x->priority == y->priority &&
                  x->created_at == y->created_at && x->state_since == y->state_since &&
                  x->state == y->state && x->outcome == y->outcome &&
                  x->categories == y->categories && x->n_allegations == y->n_allegations &&
                  x->duty == y->duty && x->decided_at == y->decided_at &&
                  x->vetting_review == y->vetting_review &&
                  x->quorum_blocked == y->quorum_blocked && x->version == y->version &&
                  x->clock_shift == y->clock_shift && x->paused_until == y->paused_until &&
                  same_str(x->subject_ref, y->subject_ref) && same_str(x->surname, y->surname) &&
                  same_str(x->forenames, y->forenames) && same_str(x->rank, y->rank) &&
                  same_str(x->unit, y->unit) && same_str(x->assignee, y->assignee) &&
                  same_str(x->decided_by, y->decided_by) && same_str(x->approver, y->approver) &&
                  x->panel_my_vote == y->panel_my_vote;
        static const int none[CR_KIND_COUNT];
        if (blind_viewer && x->state == CR_STATE_PANEL_REVIEW && x->panel_my_vote < 0)
            ok = ok && y->panel_concur == 0 && y->panel_dissent == 0 &&
                 memcmp(y->panel_concur_kind, none, sizeof none) == 0;
        else
            ok = ok && x->panel_concur == y->panel_concur && x->panel_dissent == y->panel_dissent &&
                 memcmp(x->panel_concur_kind, y->panel_concur_kind, sizeof x->panel_concur_kind) ==
                     0;
        if (!ok)
            fail_msg("%s: row %zu: sqlite case %lld, postgresql case %lld (or a field differs)",
                     what, i, (long long)x->id, (long long)y->id);
    }
}

static void
page_free(struct cr_page *p)
{
    if (p->priv)
        ((struct cr_store_owned *)p->priv)->release(p->priv);
    free(p->rows);
    memset(p, 0, sizeof *p);
}

static int64_t total_rows;

/* Walk every page forwards then backwards on both engines, comparing. */
static void
walk(const struct cr_filter *f, const struct cr_scope *scope, const struct cr_late *late,
     size_t limit, const char *what)
{
    struct cr_page a = {0}, b = {0};
    int64_t cursor = 0, last = 0;
    for (int guard = 0; guard < 200; guard++) {
        assert_int_equal(cr_store_engine.page(sq, f, cursor, false, limit, scope, late, &a), CR_OK);
        if (cr_store_pg.page(pgdb, f, cursor, false, limit, scope, late, &b) != CR_OK)
            fail_msg("%s: %s", what, cr_db_errmsg(pgdb));
        same_rows(&a, &b, what);
        total_rows += (int64_t)a.n;
        if (!a.n)
            break;
        last = cr_row_cursor(f, &a.rows[a.n - 1]);
        cursor = last;
        if (!a.more)
            break;
    }
    /* Backwards from past the last row: the pages before it. */
    cursor = last;
    for (int guard = 0; guard < 200 && cursor; guard++) {
        assert_int_equal(cr_store_engine.page(sq, f, cursor, true, limit, scope, late, &a), CR_OK);
        if (cr_store_pg.page(pgdb, f, cursor, true, limit, scope, late, &b) != CR_OK)
            fail_msg("%s (back): %s", what, cr_db_errmsg(pgdb));
        same_rows(&a, &b, what);
        if (!a.n || !a.more)
            break;
        cursor = cr_row_cursor(f, &a.rows[0]);
    }
    for (int64_t cap = 1; cap <= 200; cap *= 7) {
        int64_t n1 = -1, n2 = -2;
        assert_int_equal(cr_store_engine.count(sq, f, scope, late, cap, &n1), CR_OK);
        if (cr_store_pg.count(pgdb, f, scope, late, cap, &n2) != CR_OK)
            fail_msg("%s (count): %s", what, cr_db_errmsg(pgdb));
        if (n1 != n2)
            fail_msg("%s: count under %lld: sqlite %lld, postgresql %lld", what, (long long)cap,
                     (long long)n1, (long long)n2);
    }
    page_free(&a);
    page_free(&b);
}

/*
 * Words typed.  Not "sorensen": unaccent folds ø to o, which SQLite keeps
 * (sql/001-tables.sql lists the differences: coarser, never finer).
 */
static const char *const words[] = {NULL,
                                    "",
                                    "   ",
                                    "zoe",
                                    "Zoë",
                                    "ZOË",
                                    "smith",
                                    "smith-jones",
                                    "jones-smith",
                                    "jones smith",
                                    "\"smith jones\"",
                                    "o'brien",
                                    "brien",
                                    "O’Neill",
                                    "cafe",
                                    "café",
                                    "CAFÉ*",
                                    "ca*",
                                    "al2019*",
                                    "AL2019-00*",
                                    "al2019-0001",
                                    "al2020-0002",
                                    "2024",
                                    "alg-2024-001",
                                    "high-street",
                                    "street high",
                                    "12 high",
                                    "3.14",
                                    "3",
                                    "14 street",
                                    "angstrom",
                                    "ångström",
                                    "nino",
                                    "niño's",
                                    "rück-sack",
                                    "ruck",
                                    "!!!",
                                    "*",
                                    "s1",
                                    "s1*",
                                    "crime/9-77",
                                    "crime/18*",
                                    "ann@example.org",
                                    "elodie",
                                    "jean-luc",
                                    "jean luc",
                                    "d'arcy",
                                    "darcy",
                                    "7/11",
                                    "mü*",
                                    "sørensen",
                                    "tom ann",
                                    "x*",
                                    "zz"};

static void
test_pages(void **state)
{
    (void)state;
    struct cr_scope scopes[4] = {{0}};
    const char *refs[] = {"S3", "S17", "S40"};
    scopes[1].panel_only = true;
    scopes[2].unit = "Unit B";
    scopes[3].unit = "Unit A";
    scopes[3].refs = refs;
    scopes[3].n_refs = 3;
    scopes[3].viewer = "pan2";
    struct cr_late late = {.now = T0 + 40 * DAY};
    for (int st = 0; st < CR_STATE_COUNT; st++)
        late.before[st] = st % 2 ? INT64_MIN : T0 + (st + 10) * DAY;
    char what[256];
    int n = 0;
    for (size_t w = 0; w < CR_ARRAY_LEN(words); w++) {
        for (int sort = 0; sort < 2; sort++) {
            struct cr_filter f = CR_FILTER_ALL;
            f.search = words[w];
            f.sort = sort ? CR_SORT_AGE : CR_SORT_PRIORITY;
            snprintf(what, sizeof what, "words '%s' sort %d", words[w] ? words[w] : "NULL", sort);
            walk(&f, &scopes[n % 4], NULL, (size_t)(1 + n % 7), what);
            n++;
        }
    }
    for (int state_i = -1; state_i < CR_STATE_COUNT; state_i++)
        for (int outcome = -1; outcome <= CR_OUTCOME_COUNT; outcome++)
            for (int cat = -1; cat < CR_CATEGORY_COUNT; cat++) {
                struct cr_filter f = CR_FILTER_ALL;
                f.state = state_i;
                f.outcome = outcome;
                f.category = cat;
                f.open = (n % 3) == 0;
                f.sort = n % 2 ? CR_SORT_AGE : CR_SORT_PRIORITY;
                f.search = n % 5 == 0 ? "smith" : n % 5 == 1 ? "al20*" : NULL;
                f.assignee = n % 4 == 0 ? "rev2" : NULL;
                f.unit = n % 6 == 1 ? "Unit A" : NULL;
                snprintf(what, sizeof what, "state %d outcome %d cat %d open %d sort %d words %s",
                         state_i, outcome, cat, f.open, f.sort, f.search ? f.search : "-");
                walk(&f, &scopes[n % 4], n % 3 == 1 ? &late : NULL, (size_t)(1 + n % 9), what);
                n++;
            }
    struct cr_filter f = CR_FILTER_ALL;
    walk(&f, &scopes[0], &late, 50, "overdue");
    walk(&f, &scopes[0], NULL, 1000, "all");
    assert_true(total_rows > 1000); /* the walks saw cases, not only empty pages */
}

static void
test_mine(void **state)
{
    (void)state;
    struct cr_queue queues[4];
    memset(queues, 0, sizeof queues);
    queues[0].login = "rev1";
    queues[0].n = 2;
    queues[0].clauses[0] = (struct cr_queue_clause){
        .states = 1u << CR_STATE_IN_REVIEW | 1u << CR_STATE_RETURNED, .assigned = true};
    queues[0].clauses[1] = (struct cr_queue_clause){.states = 1u << CR_STATE_FLAGGED,
                                                    .not_done = 1u << CR_ACTION_DECIDE};
    queues[1].login = "sup1";
    queues[1].n = 2;
    queues[1].clauses[0] =
        (struct cr_queue_clause){.states = 1u << CR_STATE_AWAITING_APPROVAL,
                                 .unrouted = true,
                                 .not_done = 1u << CR_ACTION_DECIDE | 1u << CR_ACTION_RETURN,
                                 .not_done_this_round = 1u << CR_ACTION_APPROVE};
    queues[1].clauses[1] =
        (struct cr_queue_clause){.states = 1u << CR_STATE_PANEL_REVIEW, .quorum_blocked = true};
    queues[2].login = "pan1";
    queues[2].n = 1;
    queues[2].clauses[0] = (struct cr_queue_clause){.states = 1u << CR_STATE_PANEL_REVIEW,
                                                    .not_done_this_round = 1u << CR_ACTION_VOTE};
    queues[3].login = "sup2";
    queues[3].n = 2;
    queues[3].clauses[0] = (struct cr_queue_clause){
        .states = (1u << CR_STATE_COUNT) - 1, .late = true, .not_done = 1u << CR_ACTION_VOTE};
    queues[3].clauses[1] = (struct cr_queue_clause){.states = 0};
    struct cr_late late = {.now = T0 + 40 * DAY}, overdue = {.now = T0 + 40 * DAY};
    for (int st = 0; st < CR_STATE_COUNT; st++) {
        late.before[st] = T0 + 20 * DAY;
        overdue.before[st] = st == CR_STATE_FLAGGED ? INT64_MIN : T0 + 25 * DAY;
    }
    for (int i = 0; i < 4; i++)
        queues[i].late = late;
    struct cr_scope scopes[3] = {{0}};
    const char *refs[] = {"S5", "S9"};
    scopes[1].panel_only = true;
    scopes[1].viewer = "pan1";
    scopes[2].unit = "Unit A";
    scopes[2].refs = refs;
    scopes[2].n_refs = 2;
    const char *const mine_words[] = {NULL, "smith", "smith-jones", "al20*", "!!", "zoë"};
    int n = 0;
    struct cr_page a = {0}, b = {0};
    for (int q = 0; q < 4; q++)
        for (size_t w = 0; w < CR_ARRAY_LEN(mine_words); w++)
            for (int v = 0; v < 6; v++, n++) {
                struct cr_filter f = CR_FILTER_ALL;
                f.search = mine_words[w];
                f.state = v == 1 ? CR_STATE_IN_REVIEW : v == 2 ? CR_STATE_PANEL_REVIEW : -1;
                f.outcome = v == 3 ? CR_OUTCOME_COUNT : v == 4 ? 0 : -1;
                f.category = v == 5 ? 1 : -1;
                f.assignee = n % 7 == 3 ? "rev1" : NULL;
                f.unit = n % 5 == 2 ? "Unit B" : NULL;
                queues[q].filter = v || f.search ? &f : NULL;
                queues[q].overdue_late = n % 4 == 1 ? &overdue : NULL;
                const struct cr_scope *sc = &scopes[n % 3];
                size_t limit = (size_t)(1 + n % 5);
                char what[128];
                snprintf(what, sizeof what, "queue %d words %s variant %d", q,
                         f.search ? f.search : "-", v);
                int64_t cursor = 0, last = 0;
                for (int guard = 0; guard < 200; guard++) {
                    assert_int_equal(
                        cr_store_engine.list_mine(sq, &queues[q], sc, cursor, false, limit, &a),
                        CR_OK);
                    if (cr_store_pg.list_mine(pgdb, &queues[q], sc, cursor, false, limit, &b) !=
                        CR_OK)
                        fail_msg("%s: %s", what, cr_db_errmsg(pgdb));
                    same_rows(&a, &b, what);
                    if (!a.n)
                        break;
                    last = cursor = a.rows[a.n - 1].sortkey;
                    if (!a.more)
                        break;
                }
                for (cursor = last; cursor;) {
                    assert_int_equal(
                        cr_store_engine.list_mine(sq, &queues[q], sc, cursor, true, limit, &a),
                        CR_OK);
                    if (cr_store_pg.list_mine(pgdb, &queues[q], sc, cursor, true, limit, &b) !=
                        CR_OK)
                        fail_msg("%s (back): %s", what, cr_db_errmsg(pgdb));
                    same_rows(&a, &b, what);
                    if (!a.n || !a.more)
                        break;
                    cursor = a.rows[0].sortkey;
                }
                for (int64_t cap = 1; cap <= 100; cap *= 9) {
                    int64_t n1 = -1, n2 = -2;
                    assert_int_equal(cr_store_engine.count_mine(sq, &queues[q], sc, cap, &n1),
                                     CR_OK);
                    if (cr_store_pg.count_mine(pgdb, &queues[q], sc, cap, &n2) != CR_OK)
                        fail_msg("%s (count): %s", what, cr_db_errmsg(pgdb));
                    if (n1 != n2)
                        fail_msg("%s: count under %lld: %lld and %lld", what, (long long)cap,
                                 (long long)n1, (long long)n2);
                }
            }
    page_free(&a);
    page_free(&b);
    /* An act no table records: the same refusal. */
    queues[0].clauses[0].not_done_this_round = 1u << CR_ACTION_RETURN;
    queues[0].filter = NULL;
    queues[0].overdue_late = NULL;
    assert_int_equal(cr_store_engine.list_mine(sq, &queues[0], &scopes[0], 0, false, 5, &a),
                     CR_USAGE);
    assert_int_equal(cr_store_pg.list_mine(pgdb, &queues[0], &scopes[0], 0, false, 5, &b),
                     CR_USAGE);
    assert_string_equal(cr_db_errmsg(sq), cr_db_errmsg(pgdb));
    page_free(&a);
    page_free(&b);
}

/* Export rows into a list of ids. */
struct ids {
    int64_t v[200];
    size_t n, stop_at;
};

static int
collect(void *ctx, const struct cr_case_row *r)
{
    struct ids *ids = ctx;
    if (ids->stop_at && ids->n == ids->stop_at)
        return 1;
    if (ids->n < CR_ARRAY_LEN(ids->v))
        ids->v[ids->n++] = r->id;
    return 0;
}

static void
test_export(void **state)
{
    (void)state;
    struct cr_scope scopes[2] = {{0}};
    scopes[1].panel_only = true;
    for (int s = 0; s < 2; s++)
        for (size_t stop = 0; stop < 40; stop += 37) {
            struct ids a = {.stop_at = stop}, b = {.stop_at = stop};
            int64_t ra, rb;
            bool sa, sb;
            assert_int_equal(cr_store_engine.export_scan(sq, &scopes[s], collect, &a, &ra, &sa),
                             CR_OK);
            if (cr_store_pg.export_scan(pgdb, &scopes[s], collect, &b, &rb, &sb) != CR_OK)
                fail_msg("export: %s", cr_db_errmsg(pgdb));
            assert_int_equal(ra, rb);
            assert_int_equal(sa, sb);
            assert_int_equal(a.n, b.n);
            assert_memory_equal(a.v, b.v, a.n * sizeof a.v[0]);
            assert_true(a.n > 0);
        }
}

/* A person's role: the server's need-to-know, whatever scope it is given. */
static void
as_person(const char *login, const struct cr_scope *theirs)
{
    char u[512];
    snprintf(u, sizeof u, "%s%suser=%s", url, strchr(url, '?') ? "&" : "?", login);
    /* The URL names the service role: the last user= wins. */
    cr_db *db = NULL;
    if (cr_db_open(u, 0, clock_fn, NULL, &db) != CR_OK)
        fail_msg("open as %s: %s", login, cr_db_errmsg(db));
    struct cr_scope none = {0};
    const char *const ws[] = {NULL, "smith", "al20*"};
    for (size_t w = 0; w < CR_ARRAY_LEN(ws); w++) {
        struct cr_filter f = CR_FILTER_ALL;
        f.search = ws[w];
        struct cr_page a = {0}, b = {0};
        assert_int_equal(cr_store_engine.page(sq, &f, 0, false, 200, theirs, NULL, &a), CR_OK);
        if (cr_store_pg.page(db, &f, 0, false, 200, &none, NULL, &b) != CR_OK)
            fail_msg("as %s: %s", login, cr_db_errmsg(db));
        assert_true(a.n > 0);
        same_rows(&a, &b, login);
        int64_t n1 = 0, n2 = 0;
        assert_int_equal(cr_store_engine.count(sq, &f, theirs, NULL, 500, &n1), CR_OK);
        assert_int_equal(cr_store_pg.count(db, &f, &none, NULL, 500, &n2), CR_OK);
        assert_int_equal(n1, n2);
        /* The service role, given no scope, sees more. */
        assert_int_equal(cr_store_pg.count(pgdb, &f, &none, NULL, 500, &n2), CR_OK);
        assert_true(n2 > n1);
        page_free(&a);
        page_free(&b);
    }
    cr_db_close(db);
}

static void
test_server_scope(void **state)
{
    (void)state;
    PGconn *su = PQconnectdb(url);
    assert_int_equal(PQstatus(su), CONNECTION_OK);
    char sql[512];
    snprintf(sql, sizeof sql, "host=%s user=postgres dbname=%s", PQhost(su), PQdb(su));
    PGconn *admin = PQconnectdb(sql);
    assert_int_equal(PQstatus(admin), CONNECTION_OK);
    snprintf(sql, sizeof sql,
             "CREATE ROLE pan1 LOGIN; CREATE ROLE rev9 LOGIN; CREATE ROLE adm1 LOGIN; "
             "GRANT CONNECT ON DATABASE %s TO pan1, rev9, adm1",
             PQdb(su));
    pg_run(admin, sql);
    PQfinish(admin);
    PQfinish(su);
    pg_run(svc, "INSERT INTO people(login, roles, unit, conflicts) VALUES "
                "('pan1', 8, 'Unit A', '{}'), ('rev9', 1, 'Unit B', '{S2,S6}'), "
                "('adm1', 4, 'Unit A', '{S4}')");
    /* Core names the viewer (the session's person); the server takes the session's own. */
    struct cr_scope panel = {.panel_only = true, .viewer = "pan1"};
    blind_viewer = true;
    as_person("pan1", &panel);
    blind_viewer = false;
    const char *refs[] = {"S2", "S6"};
    struct cr_scope rev = {.refs = refs, .n_refs = 2, .viewer = "rev9"};
    as_person("rev9", &rev);
    pg_run(svc, "INSERT INTO settings(key, value) VALUES ('same_unit', 'on')");
    struct cr_scope rev_unit = {.unit = "Unit B", .refs = refs, .n_refs = 2, .viewer = "rev9"};
    as_person("rev9", &rev_unit);
    /*
     * The export is an admin's disclosure of every case (core's
     * cr_policy_disclosure_scope): the admin's unit and declared conflicts
     * do not narrow it; a panel member's export is refused.
     */
    char u[512];
    snprintf(u, sizeof u, "%s%suser=adm1", url, strchr(url, '?') ? "&" : "?");
    cr_db *adm = NULL;
    assert_int_equal(cr_db_open(u, 0, clock_fn, NULL, &adm), CR_OK);
    struct cr_scope none = {0};
    struct ids a = {0}, b = {0};
    int64_t ra, rb;
    bool sa, sb;
    assert_int_equal(cr_store_engine.export_scan(sq, &none, collect, &a, &ra, &sa), CR_OK);
    if (cr_store_pg.export_scan(adm, &none, collect, &b, &rb, &sb) != CR_OK)
        fail_msg("export as adm1: %s", cr_db_errmsg(adm));
    assert_int_equal(ra, 90);
    assert_int_equal(rb, 90);
    assert_memory_equal(a.v, b.v, a.n * sizeof a.v[0]);
    cr_db_close(adm);
    /* A person may not name another as the viewer whose vote shows. */
    snprintf(u, sizeof u, "%s%suser=pan1", url, strchr(url, '?') ? "&" : "?");
    cr_db *db = NULL;
    assert_int_equal(cr_db_open(u, 0, clock_fn, NULL, &db), CR_OK);
    /* Nor read a table or call the helpers that build the statements. */
    PGconn *c = PQconnectdb(u);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    static const char *const denied[] = {
        "SELECT count(*) FROM casereview.cases", "SELECT count(*) FROM casereview.case_search",
        "SELECT casereview.cr_page_sql(false, 'sortkey', false, NULL, false, NULL, false, false, "
        "false, false, false, false, false, false, false, false, false, false, false, NULL)",
        "SELECT count(*) FROM casereview.cr_page_rows(false, NULL, false, NULL, false, NULL, "
        "NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
        "'sortkey', false, 0, 10, NULL, false)",
        "SELECT casereview.cr_case_scope()"};
    for (size_t i = 0; i < CR_ARRAY_LEN(denied); i++) {
        PGresult *r = PQexec(c, denied[i]);
        assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
        PQclear(r);
    }
    /* The function itself, called as psql would, with no scope: the panel's cases only. */
    PGresult *r = PQexec(c, "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') "
                            "FROM casereview.cr_page(false, NULL, false, NULL, false, NULL, NULL, "
                            "NULL, NULL, NULL, NULL, NULL, false, NULL, '{}', 'sortkey', false, "
                            "0, 1000, NULL)");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PGresult *want = PQexec(svc, "SELECT string_agg(id::text, ',' ORDER BY id) FROM cases "
                                 "WHERE panel_round > 0");
    assert_int_equal(PQresultStatus(want), PGRES_TUPLES_OK);
    assert_true(strlen(PQgetvalue(want, 0, 0)) > 0);
    assert_string_equal(PQgetvalue(r, 0, 0), PQgetvalue(want, 0, 0));
    PQclear(want);
    PQclear(r);
    PQfinish(c);
    struct cr_scope other = {.viewer = "pan2"};
    struct cr_page p = {0};
    assert_int_equal(cr_store_pg.page(db, NULL, 0, false, 5, &other, NULL, &p), CR_REFUSED);
    page_free(&p);
    b.n = 0;
    assert_int_equal(cr_store_pg.export_scan(db, &none, collect, &b, &rb, &sb), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), "you (pan1) are not an admin: the export is the admin's");
    assert_int_equal(b.n, 0);
    cr_db_close(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages),
        cmocka_unit_test(test_mine),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_server_scope),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
