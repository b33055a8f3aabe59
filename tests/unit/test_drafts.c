/*
 * Drafts: unsent form text kept for its writer alone, byte for byte, with
 * audit events that record its length and digest but never the text; a
 * submitted action takes its draft away; a refusal writes nothing.
 */
#include "internal.h"

#include <setjmp.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static const int64_t now_value = 1767225600; /* 2026-01-01T00:00:00Z */

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return now_value;
}

struct fixture {
    char dir[64];
    char path[128];
    struct cr_config *cfg;
};

/* Run SQL on the file from outside, as the sqlite3 shell would. */
static int64_t
sql_int(const struct fixture *f, const char *sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(s));
    int rc = sqlite3_step(st);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

/* The text of the first column of the first row, or "" when none; the caller frees it. */
static char *
sql_text(const struct fixture *f, const char *sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(s));
    const unsigned char *t = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    char *copy = strdup(t ? (const char *)t : "");
    sqlite3_finalize(st);
    sqlite3_close(s);
    return copy;
}

static cr_db *
open_as(const struct fixture *f, const char *login)
{
    cr_db *db;
    assert_int_equal(cr_db_open(f->path, CR_OPEN_CREATE, fixed_clock, NULL, &db), CR_OK);
    const struct cr_person *p = cr_config_person(f->cfg, login);
    assert_non_null(p);
    cr_db_set_user(db, f->cfg, p);
    return db;
}

/*
 * Two flagged cases: case 1's subject is in Central West BCU, case 2's in
 * East Area BCU (asmith's unit: with conflicts.same_unit she may not see it).
 */
static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/cr-drafts-XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &f->cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    cr_db *db = open_as(f, "cadmin");
    static const char csv[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "S1,Ashgrove,Tom,officer,PC,Central West BCU,full,A1,domestic_violence,2019-01-01,"
        "complaint,NFA,one\n"
        "S2,Brackenridge,Ann,officer,PC,East Area BCU,full,A2,sexual_offence,2020-01-01,"
        "hotline,NFA,two\n";
    FILE *in = fmemopen((void *)csv, sizeof csv - 1, "rb");
    struct cr_import_result r;
    enum cr_status st = cr_import_csv(db, in, "t.csv", 0, &r, &d);
    cr_diags_free(d);
    fclose(in);
    cr_db_close(db);
    *state = f;
    return st == CR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    cr_config_free(f->cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* An empty draft of an action: nothing chosen. */
static struct cr_draft
draft(int action, const char *text)
{
    return (struct cr_draft){.action = action, .outcome = -1, .vote = -1, .text = text};
}

static void
save_ok(cr_db *db, const char *key, const struct cr_draft *d)
{
    enum cr_status st = cr_draft_save(db, key, d);
    if (st != CR_OK)
        fail_msg("draft_save %s: %s", key, cr_db_errmsg(db));
}

/* The audit details a draft's text must give: action, length, BLAKE2b-256 in hex. */
static void
expected_details(int action, const char *text, char *out, size_t n)
{
    unsigned char hash[32];
    char hex[65];
    crypto_generichash(hash, sizeof hash, (const unsigned char *)text, strlen(text), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    snprintf(out, n, "{\"action\": \"%s\", \"bytes\": %zu, \"digest\": \"%s\"}",
             cr_action_name(action), strlen(text), hex);
}

/* Texts that break naive handling: every one must come back byte for byte. */
static const char *const hostile[] = {
    "",
    "審査の結論：リスクは残る。再評価を推奨します。",
    /* combining marks */
    "e\xcc\x81 a\xcc\x88 Z\xcd\x91\xcd\x92\xcd\x93 n\xcc\x83",
    /* emoji ZWJ sequences: a family, a rainbow flag */
    "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 "
    "\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88",
    /* U+202E RIGHT-TO-LEFT OVERRIDE up to U+202C, then Hebrew */
    "risk \xe2\x80\xae"
    "detaluclac"
    "\xe2\x80\xac ok \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
    "\tcol 1\tcol 2\t\n\ttabbed\n",
    "\n\n  leading blank lines\n\n\n\ntrailing blank lines and spaces  \n\n",
    "a\r\nb\rc\x01\x07\x1b[31mred\x1b[0m\x7f \"quoted\" \\ back",
};

/* Save and read back each hostile text, and a 50 KB one, as a decision draft. */
static void
test_round_trip_byte_for_byte(void **state)
{
    struct fixture *f = *state;
    cr_db *db = open_as(f, "asmith");
    /* A 50 KB text of mixed widths: ASCII, Cyrillic, CJK, emoji, tabs and line breaks. */
    static const char *const pieces[] = {
        "Line of reasons ", "доказательства ", "証拠 ", "\xf0\x9f\x93\x8e ", "\t", "\n"};
    struct cr_buf big = {0};
    for (size_t i = 0; big.len < 50 * 1024; i++)
        cr_buf_add(&big, pieces[i % 6], strlen(pieces[i % 6]));
    size_t n_texts = CR_ARRAY_LEN(hostile) + 1;
    for (size_t i = 0; i < n_texts; i++) {
        const char *text = i < CR_ARRAY_LEN(hostile) ? hostile[i] : big.p;
        struct cr_draft d = draft(CR_ACTION_DECIDE, text);
        d.outcome = (int)(i % CR_OUTCOME_COUNT);
        d.vetting_review = d.outcome == CR_OUTCOME_REFER;
        d.case_version = 1;
        save_ok(db, "1", &d);
        struct cr_draft got;
        assert_int_equal(cr_draft_get(db, "1", CR_ACTION_DECIDE, &got), CR_OK);
        assert_non_null(got.text);
        assert_int_equal(strlen(got.text), strlen(text));
        assert_memory_equal(got.text, text, strlen(text) + 1);
        assert_int_equal(got.action, CR_ACTION_DECIDE);
        assert_int_equal(got.outcome, d.outcome);
        assert_int_equal(got.vetting_review, d.vetting_review);
        assert_int_equal(got.vote, -1);
        assert_null(got.target);
        assert_int_equal(got.case_version, 1);
        assert_int_equal(got.saved_at, now_value);
        cr_draft_free(&got);
        /* Stored as given: the database holds exactly these bytes. */
        assert_int_equal(sql_int(f, "SELECT length(text) FROM drafts WHERE case_id = 1"),
                         (int64_t)strlen(text));
    }
    assert_true(big.len >= 50 * 1024);
    cr_buf_free(&big);
    cr_db_close(db);
}

/* Each action keeps the fields of its own form; a second save replaces the first. */
static void
test_fields_and_replace(void **state)
{
    struct fixture *f = *state;
    cr_db *db = open_as(f, "bjones");
    struct cr_draft d = draft(CR_ACTION_ASSIGN, "Give it to someone outside East Area.");
    d.target = "ejones";
    d.outcome = CR_OUTCOME_NFA; /* not assign's: not kept */
    save_ok(db, "1", &d);
    struct cr_draft got;
    assert_int_equal(cr_draft_get(db, "1", CR_ACTION_ASSIGN, &got), CR_OK);
    assert_string_equal(got.target, "ejones");
    assert_int_equal(got.outcome, -1);
    assert_string_equal(got.text, "Give it to someone outside East Area.");
    assert_int_equal(got.case_version, 1); /* 0 on save: the case's version then */
    cr_draft_free(&got);

    struct cr_draft v = draft(CR_ACTION_VOTE, "I would dissent because");
    v.vote = CR_VOTE_DISSENT;
    save_ok(db, "1", &v);
    v.vote = -1;
    v.text = "Not sure yet.";
    v.case_version = 7;
    save_ok(db, "1", &v);
    assert_int_equal(cr_draft_get(db, "1", CR_ACTION_VOTE, &got), CR_OK);
    assert_int_equal(got.vote, -1);
    assert_string_equal(got.text, "Not sure yet.");
    assert_int_equal(got.case_version, 7);
    cr_draft_free(&got);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM drafts WHERE case_id = 1 AND login = "
                                "'bjones' AND action = 'vote'"),
                     1);
    /* The other draft, of another action, is untouched. */
    assert_int_equal(cr_draft_get(db, "1", CR_ACTION_ASSIGN, &got), CR_OK);
    assert_string_equal(got.target, "ejones");
    cr_draft_free(&got);
    /* NULL text is kept as "". */
    struct cr_draft r = draft(CR_ACTION_RETURN, NULL);
    save_ok(db, "1", &r);
    assert_int_equal(cr_draft_get(db, "1", CR_ACTION_RETURN, &got), CR_OK);
    assert_string_equal(got.text, "");
    cr_draft_free(&got);
    cr_draft_free(NULL);
    /* Saving never changes the case. */
    assert_int_equal(sql_int(f, "SELECT version FROM cases WHERE id = 1"), 1);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM cases WHERE id = 1 AND state = 'flagged' "
                                "AND updated_by IS NULL"),
                     1);
    cr_db_close(db);
}

/* Only the writer reads a draft. */
static void
test_owner_only(void **state)
{
    struct fixture *f = *state;
    cr_db *a = open_as(f, "asmith"), *e = open_as(f, "ejones");
    struct cr_draft d = draft(CR_ACTION_NOTE, "asmith's private thoughts");
    save_ok(a, "1", &d);
    struct cr_draft got;
    assert_int_equal(cr_draft_get(e, "1", CR_ACTION_NOTE, &got), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(e), "you (ejones) have no saved draft of note on case 1");
    assert_string_equal(got.text, "");
    assert_null(got.priv);
    cr_draft_free(&got);
    /* ejones's own draft of the same note does not touch asmith's. */
    d.text = "ejones's note";
    save_ok(e, "1", &d);
    assert_int_equal(cr_draft_get(a, "1", CR_ACTION_NOTE, &got), CR_OK);
    assert_string_equal(got.text, "asmith's private thoughts");
    cr_draft_free(&got);
    assert_int_equal(cr_draft_get(e, "1", CR_ACTION_NOTE, &got), CR_OK);
    assert_string_equal(got.text, "ejones's note");
    cr_draft_free(&got);
    /* Discarding one's own leaves the other's. */
    assert_int_equal(cr_draft_discard(e, "1", CR_ACTION_NOTE), CR_OK);
    assert_int_equal(cr_draft_get(a, "1", CR_ACTION_NOTE, &got), CR_OK);
    cr_draft_free(&got);
    /* A draft belongs to its case too. */
    assert_int_equal(cr_draft_get(a, "S1", CR_ACTION_NOTE, &got), CR_OK);
    cr_draft_free(&got);
    cr_db *b = open_as(f, "bjones");
    assert_int_equal(cr_draft_get(b, "2", CR_ACTION_NOTE, &got), CR_NOT_FOUND);
    cr_draft_free(&got);
    cr_db_close(b);
    cr_db_close(a);
    cr_db_close(e);
}

/* Each save and discard is audited with the text's digest and length, never the text. */
static void
test_discard_and_audit(void **state)
{
    struct fixture *f = *state;
    cr_db *db = open_as(f, "asmith");
    const char *text = "The secret phrase: \xe5\xaf\xa9\xe6\x9f\xbb\n\twith a tab";
    struct cr_draft d = draft(CR_ACTION_DECIDE, text);
    save_ok(db, "1", &d);
    assert_int_equal(cr_draft_discard(db, "1", CR_ACTION_DECIDE), CR_OK);
    struct cr_draft got;
    assert_int_equal(cr_draft_get(db, "1", CR_ACTION_DECIDE, &got), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(db), "you (asmith) have no saved draft of decide on case 1");
    cr_draft_free(&got);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM drafts"), 0);

    char want[256];
    expected_details(CR_ACTION_DECIDE, text, want, sizeof want);
    char *got_save = sql_text(f, "SELECT details FROM audit_events WHERE action = 'draft_save'");
    char *got_discard =
        sql_text(f, "SELECT details FROM audit_events WHERE action = 'draft_discard'");
    assert_string_equal(got_save, want);
    assert_string_equal(got_discard, want);
    free(got_save);
    free(got_discard);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM audit_events WHERE action LIKE 'draft_%' "
                                "AND case_id = 1 AND actor = 'asmith' AND state_before = "
                                "'flagged' AND state_after = 'flagged'"),
                     2);
    /* The text is nowhere in the trail. */
    assert_int_equal(sql_int(f, "SELECT count(*) FROM audit_events WHERE instr(details, "
                                "'secret phrase') OR instr(details, 'with a tab')"),
                     0);

    /* Discarding when there is none: CR_OK, nothing written. */
    int64_t events = sql_int(f, "SELECT count(*) FROM audit_events");
    assert_int_equal(cr_draft_discard(db, "1", CR_ACTION_DECIDE), CR_OK);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM audit_events"), events);

    /* An empty text's digest is BLAKE2b-256 of nothing. */
    struct cr_draft empty = draft(CR_ACTION_NOTE, "");
    save_ok(db, "1", &empty);
    expected_details(CR_ACTION_NOTE, "", want, sizeof want);
    char *got_empty = sql_text(f, "SELECT details FROM audit_events ORDER BY id DESC LIMIT 1");
    assert_string_equal(got_empty, want);
    free(got_empty);
    cr_db_close(db);

    /* The chain still holds. */
    db = open_as(f, "cadmin");
    int64_t n;
    assert_int_equal(cr_audit_verify(db, &n), CR_OK);
    assert_int_equal(n, events + 1);
    cr_db_close(db);
}

/* Submitting the action takes its draft away, in the same transaction; a refusal keeps it. */
static void
test_act_removes_draft(void **state)
{
    struct fixture *f = *state;
    cr_db *db = open_as(f, "asmith");
    struct cr_act_result res;
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    assert_int_equal(cr_act(db, "1", &claim, &res), CR_OK);
    struct cr_draft d = draft(CR_ACTION_DECIDE, "Half a rationale");
    d.outcome = CR_OUTCOME_NFA;
    d.case_version = res.version;
    save_ok(db, "1", &d);
    struct cr_draft n = draft(CR_ACTION_NOTE, "A note not sent yet");
    save_ok(db, "1", &n);
    cr_db *e = open_as(f, "ejones");
    save_ok(e, "1", &d); /* ejones's own decision draft: not hers to submit, but hers */

    /* A refused decision keeps the draft. */
    struct cr_request decide = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_NFA, .rationale = "  "};
    assert_int_equal(cr_act(db, "1", &decide, &res), CR_REFUSED);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM drafts WHERE login = 'asmith' AND action "
                                "= 'decide'"),
                     1);
    int64_t events = sql_int(f, "SELECT count(*) FROM audit_events");
    decide.rationale = "Information considered: the report. Reasons: no further risk.";
    assert_int_equal(cr_act(db, "1", &decide, &res), CR_OK);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM audit_events"), events + 1);
    struct cr_draft got;
    assert_int_equal(cr_draft_get(db, "1", CR_ACTION_DECIDE, &got), CR_NOT_FOUND);
    cr_draft_free(&got);
    /* Only that user's draft of that action went. */
    assert_int_equal(cr_draft_get(db, "1", CR_ACTION_NOTE, &got), CR_OK);
    assert_string_equal(got.text, "A note not sent yet");
    cr_draft_free(&got);
    assert_int_equal(cr_draft_get(e, "1", CR_ACTION_DECIDE, &got), CR_OK);
    cr_draft_free(&got);
    /* A note sent takes the note's draft. */
    struct cr_request note = {.action = CR_ACTION_NOTE, .text = "A note not sent yet"};
    assert_int_equal(cr_act(db, "1", &note, &res), CR_OK);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM drafts WHERE login = 'asmith'"), 0);
    cr_db_close(e);
    cr_db_close(db);
    db = open_as(f, "cadmin");
    int64_t checked;
    assert_int_equal(cr_audit_verify(db, &checked), CR_OK);
    cr_db_close(db);
}

/*
 * Every refusal says why and writes nothing, but a refused read (the case,
 * or a form's draft) is recorded as a denied event.
 */
static void
test_refusals_write_nothing(void **state)
{
    struct fixture *f = *state;
    int64_t events = sql_int(f, "SELECT count(*) FROM audit_events");
    cr_db *db = open_as(f, "asmith");
    struct cr_draft d = draft(CR_ACTION_NOTE, "about my own unit");
    struct cr_draft got;

    /* conflicts.same_unit: refused as cr_case_view refuses. */
    assert_int_equal(cr_draft_save(db, "2", &d), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db),
                        "you (asmith) are in the subject's unit (East Area BCU), and with "
                        "conflicts.same_unit nobody sees a case from their own unit");
    struct cr_case c;
    assert_int_equal(cr_case_view(db, "2", &c), CR_REFUSED);
    char *view_msg = strdup(cr_db_errmsg(db));
    assert_int_equal(cr_draft_get(db, "2", CR_ACTION_NOTE, &got), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), view_msg);
    free(view_msg);
    cr_draft_free(&got);
    /* The two reads are recorded, each in its own event; the save is not (it is a write). */
    assert_int_equal(sql_int(f, "SELECT count(*) FROM audit_events"), events + 2);
    char *denied = sql_text(f, "SELECT group_concat(actor || ' ' || case_id || ' ' || action || "
                               "' ' || (state_before IS NULL) || ' ' || details, '|') FROM "
                               "(SELECT * FROM audit_events ORDER BY id DESC LIMIT 2)");
    assert_string_equal(denied,
                        "asmith 2 denied 1 {\"what\": \"draft\", "
                        "\"rule\": \"conflicts.same_unit\", \"reason\": \"you (asmith) are in the "
                        "subject's unit (East Area BCU), and "
                        "with conflicts.same_unit nobody sees a case from their own unit\"}|"
                        "asmith 2 denied 1 {\"what\": \"case\", "
                        "\"rule\": \"conflicts.same_unit\", \"reason\": \"you (asmith) are in the "
                        "subject's unit (East Area BCU), and "
                        "with conflicts.same_unit nobody sees a case from their own unit\"}");
    free(denied);
    events += 2;

    /* Actions that keep no draft, values out of range, no such case. */
    struct cr_draft claim = draft(CR_ACTION_CLAIM, "x");
    assert_int_equal(cr_draft_save(db, "1", &claim), CR_USAGE);
    assert_string_equal(cr_db_errmsg(db), "no draft is kept for claim, only for assign, decide, "
                                          "return, vote, or note");
    assert_int_equal(cr_draft_get(db, "1", CR_ACTION_APPROVE, &got), CR_USAGE);
    cr_draft_free(&got);
    assert_int_equal(cr_draft_discard(db, "1", CR_ACTION_RELEASE), CR_USAGE);
    struct cr_draft bad = draft(CR_ACTION_COUNT, "x");
    assert_int_equal(cr_draft_save(db, "1", &bad), CR_USAGE);
    assert_string_equal(cr_db_errmsg(db), "no such action");
    bad = draft(CR_ACTION_DECIDE, "x");
    bad.outcome = CR_OUTCOME_COUNT;
    assert_int_equal(cr_draft_save(db, "1", &bad), CR_USAGE);
    assert_string_equal(cr_db_errmsg(db),
                        "a draft's outcome is nfa, reassess, refer or not chosen (-1), not 3");
    bad = draft(CR_ACTION_VOTE, "x");
    bad.vote = -2;
    assert_int_equal(cr_draft_save(db, "1", &bad), CR_USAGE);
    assert_string_equal(cr_db_errmsg(db),
                        "a draft's vote is concur, dissent, recuse or not chosen (-1), not -2");
    assert_int_equal(cr_draft_save(db, "nobody", &d), CR_NOT_FOUND);
    assert_string_equal(cr_db_errmsg(db), "no case 'nobody' (give a case number or a subject_ref)");
    assert_int_equal(cr_draft_discard(db, "nobody", CR_ACTION_NOTE), CR_NOT_FOUND);
    cr_db_close(db);

    /* Nobody signed in. */
    assert_int_equal(cr_db_open(f->path, 0, fixed_clock, NULL, &db), CR_OK);
    assert_int_equal(cr_draft_save(db, "1", &d), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), "nobody is signed in on this handle");
    assert_int_equal(cr_draft_get(db, "1", CR_ACTION_NOTE, &got), CR_REFUSED);
    cr_draft_free(&got);
    assert_int_equal(cr_draft_discard(db, "1", CR_ACTION_NOTE), CR_REFUSED);
    cr_db_close(db);

    assert_int_equal(sql_int(f, "SELECT count(*) FROM drafts"), 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM audit_events"), events);
}

/* A draft survives the handle: what a killed program saved, the next one reads. */
static void
test_survives_reopen(void **state)
{
    struct fixture *f = *state;
    /* cadmin: a panel member could not keep a draft on a case never before the panel. */
    cr_db *db = open_as(f, "cadmin");
    struct cr_draft d = draft(CR_ACTION_VOTE, "Recusing: I sat on his misconduct hearing.");
    d.vote = CR_VOTE_RECUSE;
    save_ok(db, "1", &d);
    cr_db_close(db);
    db = open_as(f, "cadmin");
    struct cr_draft got;
    assert_int_equal(cr_draft_get(db, "#1", CR_ACTION_VOTE, &got), CR_OK);
    assert_int_equal(got.vote, CR_VOTE_RECUSE);
    assert_string_equal(got.text, "Recusing: I sat on his misconduct hearing.");
    cr_draft_free(&got);
    cr_db_close(db);
}

/* A clock that moves one second at every reading. */
static int64_t
ticking_clock(void *ctx)
{
    return (*(int64_t *)ctx)++;
}

/*
 * Every write of one transaction carries one time, read once when it began:
 * a decision's time is its audit event's, however often the clock is read
 * between them (before, the engine and the trail each read it).
 */
static void
test_one_time_per_transaction(void **state)
{
    struct fixture *f = *state;
    int64_t tick = now_value;
    cr_db *db;
    assert_int_equal(cr_db_open(f->path, CR_OPEN_CREATE, ticking_clock, &tick, &db), CR_OK);
    cr_db_set_user(db, f->cfg, cr_config_person(f->cfg, "asmith"));
    struct cr_act_result res;
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    assert_int_equal(cr_act(db, "1", &claim, &res), CR_OK);
    struct cr_request decide = {.action = CR_ACTION_DECIDE,
                                .outcome = CR_OUTCOME_NFA,
                                .rationale = "Information considered: the report."};
    assert_int_equal(cr_act(db, "1", &decide, &res), CR_OK);
    cr_db_close(db);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM decisions d JOIN audit_events e ON "
                                "e.case_id = d.case_id AND e.action = 'decide' "
                                "WHERE d.decided_at = e.at"),
                     1);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM cases c JOIN audit_events e ON "
                                "e.case_id = c.id AND e.action = 'decide' "
                                "WHERE c.state_since = e.at"),
                     1);
}

int
main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_byte_for_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fields_and_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discard_and_audit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_act_removes_draft, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_write_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_survives_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_time_per_transaction, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
