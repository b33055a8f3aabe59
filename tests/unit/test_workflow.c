/*
 * The workflow table, walked whole: every (state, action, role) with the
 * outcome expected -- done, or the exact refusal -- and proof that a
 * refusal writes nothing.  Then the rules that need more than one actor:
 * separation of duties, same-unit conflicts, blind voting, stale votes,
 * quorum with require_kinds, per-outcome overrides, versions.
 */
#include "internal.h"
#include "outside.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return 1767225600;
}

static struct cr_config *cfg;
static char dir[64], template_path[160], work_path[160];

static cr_db *
open_as(const char *path, const char *login)
{
    cr_db *db;
    assert_int_equal(
        cr_db_open(outside_locator(path, cfg, login), CR_OPEN_CREATE, fixed_clock, NULL, &db),
        CR_OK);
    const struct cr_person *p = cr_config_person(cfg, login);
    assert_non_null(p);
    cr_db_set_user(db, cfg, p);
    return db;
}

/* A database with one flagged case (subject unit Central West BCU), and a second in East Area BCU.
 */
static void
make_template(const char *path)
{
    outside_remove(path);
    cr_db *db = open_as(path, "cadmin");
    static const char csv[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "S1,Ashgrove,Tom,officer,PC,Central West BCU,full,A1,domestic_violence,2019-01-01,"
        "complaint,NFA,one\n"
        "S2,Brackenridge,Ann,officer,PC,East Area BCU,full,A2,sexual_offence,2020-01-01,"
        "hotline,NFA,two\n";
    FILE *in = fmemopen((void *)csv, sizeof csv - 1, "rb");
    struct cr_import_result r;
    cr_diags *d = NULL;
    assert_int_equal(cr_import_csv(db, in, "t.csv", 0, &r, &d), CR_OK);
    cr_diags_free(d);
    fclose(in);
    cr_db_close(db);
}

/* Act as login; returns the status, the message in msg. */
static enum cr_status
act(const char *path, const char *login, const char *key, struct cr_request req, char *msg,
    size_t n)
{
    cr_db *db = open_as(path, login);
    struct cr_act_result res;
    enum cr_status st = cr_act(db, key, &req, &res);
    snprintf(msg, n, "%s", st == CR_OK ? "ok" : cr_db_errmsg(db));
    cr_db_close(db);
    return st;
}

static void
act_ok(const char *path, const char *login, const char *key, struct cr_request req)
{
    char msg[2048];
    if (act(path, login, key, req, msg, sizeof msg) != CR_OK)
        fail_msg("%s %s as %s: %s", cr_action_name(req.action), key, login, msg);
}

static void
act_refused(const char *path, const char *login, const char *key, struct cr_request req,
            const char *want)
{
    char msg[2048];
    int64_t events = outside_int(path, "SELECT count(*) FROM audit_events");
    int64_t version = outside_int(path, "SELECT sum(version) FROM cases");
    enum cr_status st = act(path, login, key, req, msg, sizeof msg);
    if (st != CR_REFUSED)
        fail_msg("%s %s as %s: status %d (%s), want refused: %s", cr_action_name(req.action), key,
                 login, (int)st, msg, want);
    assert_string_equal(msg, want);
    assert_int_equal(outside_int(path, "SELECT count(*) FROM audit_events"), events);
    assert_int_equal(outside_int(path, "SELECT sum(version) FROM cases"), version);
}

/* A request with every field an action may need, all valid. */
static struct cr_request
valid_request(int action)
{
    return (struct cr_request){
        .action = action,
        .target = "ejones",
        .outcome = CR_OUTCOME_REFER,
        .vetting_review = 1,
        .rationale = "Information considered: the reports. Reasons: risk remains.",
        .vote = CR_VOTE_CONCUR,
        .reason = "A reason.",
        .text = "A note.",
    };
}

#define RATIONALE(act)                                                             \
    (struct cr_request)                                                            \
    {                                                                              \
        .action = act, .outcome = CR_OUTCOME_REFER,                                \
        .rationale = "Information considered: the reports. Reasons: risk remains." \
    }

/* Bring case 1 of the file at path into a state, through the workflow itself. */
static void
reach(const char *path, int state)
{
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_request decide = RATIONALE(CR_ACTION_DECIDE);
    struct cr_request approve = {.action = CR_ACTION_APPROVE};
    struct cr_request ret = {.action = CR_ACTION_RETURN, .reason = "Look again."};
    struct cr_request concur = {.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR};
    if (state == CR_STATE_FLAGGED)
        return;
    act_ok(path, "asmith", "1", claim);
    if (state == CR_STATE_IN_REVIEW)
        return;
    act_ok(path, "asmith", "1", decide);
    if (state == CR_STATE_AWAITING_APPROVAL)
        return;
    if (state == CR_STATE_RETURNED) {
        act_ok(path, "bjones", "1", ret);
        return;
    }
    act_ok(path, "bjones", "1", approve);
    if (state == CR_STATE_PANEL_REVIEW)
        return;
    act_ok(path, "mkhan", "1", concur); /* independent */
    act_ok(path, "lpark", "1", concur); /* refer needs 2, one independent */
    assert_int_equal(
        outside_int(path, "SELECT count(*) FROM cases WHERE id = 1 AND state = 'closed'"), 1);
}

/* The roles as actors: each holds exactly one role. */
static const struct {
    const char *login;
    const char *role;
} actors[] = {
    {"asmith", "reviewer"}, /* the case's reviewer once claimed */
    {"bjones", "supervisor"},
    {"cadmin", "admin"},
    {"mkhan", "panel"},
};

/*
 * What each (state, action, actor) must give: 'o' done, 'r' refused for the
 * role, 's' refused for the state, 'c' refused: closed, 'b' refused: the
 * case can still reach quorum, 'n' refused by need-to-know (a panel member
 * and a case never before the panel: the returned state here is a
 * supervisor's return).  Actors in the order above; actions in enum order:
 * claim release assign decide approve return vote note reconvene recall.
 */
static const char *const expect[CR_STATE_COUNT][CR_ACTION_COUNT] = {
    /*                   claim   release assign  decide  approve return  vote    note
                         reconvene recall */
    [CR_STATE_FLAGGED] = {"orrn", "ssrn", "rorn", "srrn", "rsrn", "rsrn", "rrrn", "ooon", "rrsn",
                          "rssn"},
    [CR_STATE_IN_REVIEW] = {"srrn", "oorn", "rorn", "orrn", "rsrn", "rsrn", "rrrn", "ooon", "rrsn",
                            "rssn"},
    [CR_STATE_AWAITING_APPROVAL] = {"srrn", "ssrn", "rsrn", "srrn", "rorn", "rorn", "rrrn", "ooon",
                                    "rrsn", "rssn"},
    [CR_STATE_PANEL_REVIEW] = {"srrr", "ssrr", "rsrr", "srrr", "rsrr", "rsrr", "rrro", "oooo",
                               "rrbr", "rbbr"},
    [CR_STATE_RETURNED] = {"srrn", "ssrn", "rorn", "orrn", "rsrn", "rsrn", "rrrn", "ooon", "rrsn",
                           "rssn"},
    [CR_STATE_CLOSED] = {"cccc", "cccc", "cccc", "cccc", "cccc", "cccc", "cccc", "cccc", "cccc",
                         "cccc"},
};

/* The actions each actor may take in each state, for the "You may:" part. */
static const char *const may[CR_STATE_COUNT][4] = {
    [CR_STATE_FLAGGED] = {"claim, note", "assign, note", "note", ""},
    [CR_STATE_IN_REVIEW] = {"release, decide, note", "release, assign, note", "note", ""},
    [CR_STATE_AWAITING_APPROVAL] = {"note", "approve, return, note", "note", ""},
    [CR_STATE_PANEL_REVIEW] = {"note", "note", "note", "vote, note"},
    [CR_STATE_RETURNED] = {"decide, note", "assign, note", "note", ""},
    [CR_STATE_CLOSED] = {"", "", "", ""},
};

/* Who may take each action, and from which states, as the messages name them. */
static const char *const need_role[CR_ACTION_COUNT] = {
    "reviewer",   "reviewer or supervisor",
    "supervisor", "reviewer",
    "supervisor", "supervisor",
    "panel",      NULL,
    "admin",      "supervisor or admin",
};
static const char *const need_state[CR_ACTION_COUNT] = {
    "flagged",
    "in_review",
    "flagged, in_review, or returned",
    "in_review or returned",
    "awaiting_approval",
    "awaiting_approval",
    "panel_review",
    NULL,
    "panel_review",
    "panel_review",
};

static void
test_every_state_action_role(void **state)
{
    (void)state;
    for (int s = 0; s < CR_STATE_COUNT; s++) {
        make_template(template_path);
        reach(template_path, s);
        for (int a = 0; a < CR_ACTION_COUNT; a++) {
            for (size_t who = 0; who < 4; who++) {
                outside_copy(template_path, work_path);
                char want[1024];
                char code = expect[s][a][who];
                const char *login = actors[who].login;
                if (code == 'r')
                    snprintf(want, sizeof want,
                             "%s needs the %s role; you (%s) are %s. You may: %s",
                             cr_action_name(a), need_role[a], login, actors[who].role, may[s][who]);
                else if (code == 's')
                    snprintf(want, sizeof want,
                             "%s needs a case that is %s; case 1 is %s. You may: %s",
                             cr_action_name(a), need_state[a], cr_state_name(s), may[s][who]);
                else if (code == 'c')
                    snprintf(want, sizeof want,
                             "case 1 is closed, and nothing changes a closed case. There is "
                             "nothing you may do on case 1 now");
                else if (code == 'b')
                    snprintf(want, sizeof want,
                             "%s is only for a case that cannot reach quorum; the panel can "
                             "still reach it on case 1, so it goes on voting. You may: %s",
                             cr_action_name(a), may[s][who]);
                else if (code == 'n')
                    snprintf(want, sizeof want,
                             "case 1 has not been before the panel, and a panel member sees "
                             "only the cases that have (need-to-know). There is nothing you "
                             "may do on case 1 now");
                if (code == 'o')
                    act_ok(work_path, login, "1", valid_request(a));
                else
                    act_refused(work_path, login, "1", valid_request(a), want);
            }
        }
    }
}

/* Each allowed action moves the case where the table says and audits it. */
static void
test_transitions(void **state)
{
    (void)state;
    make_template(work_path);
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    act_ok(work_path, "asmith", "1", claim);
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM cases WHERE id = 1 AND state = "
                                            "'in_review' AND assignee = 'asmith' AND version = 2"),
                     1);
    struct cr_request release = {.action = CR_ACTION_RELEASE};
    act_ok(work_path, "asmith", "1", release);
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM cases WHERE id = 1 AND state = "
                                            "'flagged' AND assignee IS NULL"),
                     1);
    struct cr_request assign = {.action = CR_ACTION_ASSIGN, .target = "ejones"};
    act_ok(work_path, "bjones", "1", assign);
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM cases WHERE id = 1 AND state = "
                                            "'in_review' AND assignee = 'ejones'"),
                     1);
    /* Only the assigned reviewer decides. */
    act_refused(work_path, "asmith", "1", RATIONALE(CR_ACTION_DECIDE),
                "decide is for the case's assigned reviewer (ejones). You may: note");
    /* The checks on what a decision needs. */
    struct cr_request d = {
        .action = CR_ACTION_DECIDE, .outcome = CR_OUTCOME_NFA, .rationale = " \n"};
    act_refused(work_path, "ejones", "1", d,
                "decide needs a rationale: the information considered, the assessment of threat "
                "and risk, the powers and policy, the options considered and the reasons for the "
                "option chosen. You may: release, decide, note");
    d.rationale = "Because.";
    d.vetting_review = 1;
    act_refused(work_path, "ejones", "1", d,
                "a vetting review goes only with the outcome refer, not nfa. You may: release, "
                "decide, note");
    d.vetting_review = 0;
    act_ok(work_path, "ejones", "1", d);
    assert_int_equal(outside_int(work_path,
                                 "SELECT count(*) FROM decisions WHERE case_id = 1 AND "
                                 "round = 1 AND outcome = 'nfa' AND reviewer = 'ejones'"),
                     1);
    /* A return needs a reason, and sends the case back with it as a note. */
    struct cr_request ret = {.action = CR_ACTION_RETURN, .reason = ""};
    act_refused(work_path, "bjones", "1", ret,
                "return needs a reason for the reviewer. You may: approve, return, note");
    ret.reason = "Say more about the 2019 report.";
    act_ok(work_path, "bjones", "1", ret);
    assert_int_equal(outside_int(work_path,
                                 "SELECT count(*) FROM notes WHERE case_id = 1 AND kind = "
                                 "'return' AND body = 'Say more about the 2019 report.'"),
                     1);
    /* Notes: text needed; they do not change the version. */
    int64_t v = outside_int(work_path, "SELECT version FROM cases WHERE id = 1");
    struct cr_request note = {.action = CR_ACTION_NOTE, .text = "  "};
    act_refused(work_path, "cadmin", "1", note, "a note needs text. You may: note");
    note.text = "Checked with vetting.";
    act_ok(work_path, "cadmin", "1", note);
    assert_int_equal(outside_int(work_path, "SELECT version FROM cases WHERE id = 1"), v);
    /* Every change is an audit event. */
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM audit_events WHERE case_id = 1"),
                     6);
}

/* The same person never decides and approves, nor decides, approves and votes. */
static void
test_separation_of_duties(void **state)
{
    (void)state;
    make_template(work_path);
    /* fkaur holds reviewer and supervisor. */
    act_ok(work_path, "fkaur", "1", (struct cr_request){.action = CR_ACTION_CLAIM});
    act_ok(work_path, "fkaur", "1", RATIONALE(CR_ACTION_DECIDE));
    act_refused(work_path, "fkaur", "1", (struct cr_request){.action = CR_ACTION_APPROVE},
                "you (fkaur) decided case 1 (decision 1), so you cannot approve it (separation of "
                "duties, across rounds). You may: note");
    act_refused(work_path, "fkaur", "1",
                (struct cr_request){.action = CR_ACTION_RETURN, .reason = "x"},
                "you (fkaur) decided case 1 (decision 1), so you cannot return it (separation of "
                "duties, across rounds). You may: note");
    act_ok(work_path, "bjones", "1", (struct cr_request){.action = CR_ACTION_APPROVE});
    /* One vote per member per decision. */
    struct cr_request concur = {.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR};
    act_ok(work_path, "rdoe", "1", concur);
    act_refused(work_path, "rdoe", "1", concur,
                "you (rdoe) have already voted on this decision (concur); one vote per member "
                "per decision. You may: note");
}

/* A panel member who also reviews or supervises may not vote on a case they decided or approved. */
static void
test_panel_member_who_decided(void **state)
{
    (void)state;
    /* A roster where a panel member is also reviewer and supervisor. */
    char path[200];
    snprintf(path, sizeof path, "%s/dual.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("users:\n"
          "  - { login: rev, roles: [reviewer] }\n"
          "  - { login: sup, roles: [supervisor] }\n"
          "  - { login: dual, roles: [reviewer, supervisor] }\n"
          "  - { login: cadmin, roles: [admin] }\n"
          "panel:\n"
          "  members:\n"
          "    - { login: dual, kind: police }\n"
          "    - { login: ind1, kind: independent }\n"
          "    - { login: ind2, kind: independent }\n"
          "    - { login: leg, kind: legal }\n"
          "  sign_off: { concur: 2, dissent: 1, blind: true }\n",
          f);
    fclose(f);
    struct cr_config *saved = cfg;
    cr_diags *d = NULL;
    assert_int_equal(cr_config_load(path, &cfg, &d), CR_OK);
    cr_diags_free(d);
    make_template(work_path);
    act_ok(work_path, "dual", "1", (struct cr_request){.action = CR_ACTION_CLAIM});
    act_ok(work_path, "dual", "1", RATIONALE(CR_ACTION_DECIDE));
    act_ok(work_path, "sup", "1", (struct cr_request){.action = CR_ACTION_APPROVE});
    act_refused(work_path, "dual", "1",
                (struct cr_request){.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR},
                "you (dual) decided case 1 (decision 1), so you cannot vote on it (separation "
                "of duties, across rounds). You may: note");
    /* And the approver, on another case. */
    act_ok(work_path, "rev", "2", (struct cr_request){.action = CR_ACTION_CLAIM});
    act_ok(work_path, "rev", "2", RATIONALE(CR_ACTION_DECIDE));
    act_ok(work_path, "dual", "2", (struct cr_request){.action = CR_ACTION_APPROVE});
    act_refused(work_path, "dual", "2",
                (struct cr_request){.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR},
                "you (dual) approved decision 1 of case 2, so you cannot vote on it "
                "(separation of duties, across rounds). You may: note");
    cr_config_free(cfg);
    cfg = saved;
}

/* conflicts.same_unit: asmith is in East Area BCU, as is the subject of case 2. */
static void
test_same_unit_conflict(void **state)
{
    (void)state;
    make_template(work_path);
    act_refused(work_path, "asmith", "2", (struct cr_request){.action = CR_ACTION_CLAIM},
                "you (asmith) are in the subject's unit (East Area BCU), and with "
                "conflicts.same_unit nobody acts on a case from their own unit. There is "
                "nothing you may do on case 2 now");
    act_refused(work_path, "bjones", "2",
                (struct cr_request){.action = CR_ACTION_ASSIGN, .target = "asmith"},
                "asmith is in the subject's unit (East Area BCU), and with conflicts.same_unit "
                "they cannot review this case. You may: assign, note");
    cr_db *db = open_as(work_path, "asmith");
    struct cr_case c;
    assert_int_equal(cr_case_view(db, "2", &c), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db),
                        "you (asmith) are in the subject's unit (East Area BCU), and with "
                        "conflicts.same_unit nobody sees a case from their own unit");
    cr_db_close(db);
    /* The refused actions wrote nothing; the refused view, one denied event and no change. */
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM audit_events WHERE case_id = 2"),
                     1);
    assert_int_equal(outside_int(work_path,
                                 "SELECT count(*) FROM audit_events WHERE case_id = 2 AND "
                                 "action = 'denied' AND actor = 'asmith' AND "
                                 "state_before IS NULL AND state_after IS NULL"),
                     1);
}

/* Blind voting: no vote of the current decision is visible to a member who may still vote. */
static void
test_blind_voting(void **state)
{
    (void)state;
    make_template(work_path);
    reach(work_path, CR_STATE_PANEL_REVIEW);
    act_ok(work_path, "rdoe", "1",
           (struct cr_request){.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR});
    cr_db *db = open_as(work_path, "mkhan");
    struct cr_case c;
    assert_int_equal(cr_case_view(db, "1", &c), CR_OK);
    assert_int_equal(c.n_votes, 0);
    assert_int_equal(c.votes_hidden, 1);
    cr_case_free(&c);
    struct cr_history h;
    assert_int_equal(cr_history_get(db, "1", &h), CR_OK);
    bool saw_vote = false;
    for (size_t i = 0; i < h.n; i++) {
        if (strcmp(h.events[i].action, "vote") == 0) {
            saw_vote = true;
            assert_string_equal(h.events[i].details, "{\"vote\": \"hidden\"}");
            assert_string_equal(h.events[i].actor, "(a panel member)");
        }
    }
    assert_true(saw_vote);
    cr_history_free(&h);
    cr_db_close(db);
    /* The supervisor sees the vote; so does the member once they have voted. */
    db = open_as(work_path, "bjones");
    assert_int_equal(cr_case_view(db, "1", &c), CR_OK);
    assert_int_equal(c.n_votes, 1);
    assert_string_equal(c.votes[0].member, "rdoe");
    cr_case_free(&c);
    cr_db_close(db);
    act_ok(work_path, "tnash", "1",
           (struct cr_request){
               .action = CR_ACTION_VOTE, .vote = CR_VOTE_RECUSE, .reason = "Knows him."});
    db = open_as(work_path, "tnash");
    assert_int_equal(cr_case_view(db, "1", &c), CR_OK);
    assert_int_equal(c.n_votes, 2);
    assert_int_equal(c.votes_hidden, 0);
    cr_case_free(&c);
    cr_db_close(db);
}

/* Quorum with require_kinds: two concurrences without an independent member do not close. */
static void
test_quorum_and_kinds(void **state)
{
    (void)state;
    make_template(work_path);
    reach(work_path, CR_STATE_PANEL_REVIEW);
    struct cr_request concur = {.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR};
    act_ok(work_path, "lpark", "1", concur); /* legal */
    act_ok(work_path, "rdoe", "1", concur);  /* police: 2 concur, no independent */
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM cases WHERE id = 1 AND state = "
                                            "'panel_review'"),
                     1);
    act_ok(work_path, "mkhan", "1", concur); /* independent */
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM cases WHERE id = 1 AND state = "
                                            "'closed'"),
                     1);
}

/* Recusals that leave the quorum out of reach mark the case, rather than leave it waiting. */
static void
test_quorum_unreachable(void **state)
{
    (void)state;
    make_template(work_path);
    reach(work_path, CR_STATE_PANEL_REVIEW);
    struct cr_request recuse = {
        .action = CR_ACTION_VOTE, .vote = CR_VOTE_RECUSE, .reason = "Conflict."};
    act_ok(work_path, "mkhan", "1", recuse);
    assert_int_equal(outside_int(work_path, "SELECT quorum_blocked FROM cases WHERE id = 1"), 0);
    act_ok(work_path, "tnash", "1", recuse); /* no independent member left */
    assert_int_equal(outside_int(work_path, "SELECT quorum_blocked FROM cases WHERE id = 1"), 1);
    /* It waits for supervisors and the admin. */
    cr_db *db = open_as(work_path, "cadmin");
    struct cr_page page = {0};
    assert_int_equal(cr_list_mine_page(db, 0, 10, &page), CR_OK);
    assert_int_equal(page.n, 1);
    assert_int_equal(page.rows[0].id, 1);
    assert_int_equal(page.rows[0].quorum_blocked, 1);
    cr_page_free(&page);
    cr_db_close(db);
}

/* Dissent returns the case with the reasons; the next decision starts a new round. */
static void
test_dissent_and_stale_votes(void **state)
{
    (void)state;
    make_template(work_path);
    reach(work_path, CR_STATE_PANEL_REVIEW);
    struct cr_request concur = {.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR};
    act_ok(work_path, "mkhan", "1", concur);
    act_ok(work_path, "lpark", "1",
           (struct cr_request){.action = CR_ACTION_VOTE,
                               .vote = CR_VOTE_DISSENT,
                               .reason = "The 2019 report was not weighed."});
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM cases WHERE id = 1 AND state = "
                                            "'returned'"),
                     1);
    assert_int_equal(
        outside_int(work_path, "SELECT count(*) FROM notes WHERE case_id = 1 AND kind = 'dissent' "
                               "AND body = 'The panel returned decision 1:\n- lpark (legal): The "
                               "2019 report was not weighed.'"),
        1);
    /* A new decision: earlier votes and approvals are stale and count for nothing. */
    act_ok(work_path, "asmith", "1", RATIONALE(CR_ACTION_DECIDE));
    act_ok(work_path, "bjones", "1", (struct cr_request){.action = CR_ACTION_APPROVE});
    /* mkhan concurred on decision 1 and may vote again on decision 2. */
    act_ok(work_path, "mkhan", "1", concur);
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM cases WHERE id = 1 AND state = "
                                            "'panel_review' AND round = 2"),
                     1);
    act_ok(work_path, "rdoe", "1", concur);
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM cases WHERE id = 1 AND state = "
                                            "'closed'"),
                     1);
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM votes WHERE case_id = 1"), 4);
}

/* Per-outcome overrides: nfa needs 3; reassess skips the panel. */
static void
test_outcome_overrides(void **state)
{
    (void)state;
    make_template(work_path);
    act_ok(work_path, "asmith", "1", (struct cr_request){.action = CR_ACTION_CLAIM});
    act_ok(work_path, "asmith", "1",
           (struct cr_request){.action = CR_ACTION_DECIDE,
                               .outcome = CR_OUTCOME_REASSESS,
                               .rationale = "Reassess."});
    act_ok(work_path, "bjones", "1", (struct cr_request){.action = CR_ACTION_APPROVE});
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM cases WHERE id = 1 AND state = "
                                            "'closed'"),
                     1);
    act_ok(work_path, "ejones", "2", (struct cr_request){.action = CR_ACTION_CLAIM});
    act_ok(work_path, "ejones", "2",
           (struct cr_request){.action = CR_ACTION_DECIDE,
                               .outcome = CR_OUTCOME_NFA,
                               .rationale = "No further action."});
    act_ok(work_path, "bjones", "2", (struct cr_request){.action = CR_ACTION_APPROVE});
    struct cr_request concur = {.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR};
    act_ok(work_path, "mkhan", "2", concur);
    act_ok(work_path, "lpark", "2", concur);
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM cases WHERE id = 2 AND state = "
                                            "'panel_review'"),
                     1);
    act_ok(work_path, "rdoe", "2", concur);
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM cases WHERE id = 2 AND state = "
                                            "'closed'"),
                     1);
}

/* A stale version is refused with who changed the case and when. */
static void
test_versions(void **state)
{
    (void)state;
    make_template(work_path);
    act_ok(work_path, "asmith", "1",
           (struct cr_request){.action = CR_ACTION_CLAIM, .expect_version = 1});
    act_refused(
        work_path, "bjones", "1",
        (struct cr_request){.action = CR_ACTION_ASSIGN, .target = "ejones", .expect_version = 1},
        "case 1 was changed by asmith at 2026-01-01T00:00:00Z (it is now version 2; you "
        "saw version 1); look at it again before you act");
}

/* Ask cr_may as login; returns the status, the message in msg ("ok" when allowed). */
static enum cr_status
ask_may(const char *path, const char *login, const char *key, int action, char *msg, size_t n)
{
    cr_db *db = open_as(path, login);
    enum cr_status st = cr_may(db, key, action);
    snprintf(msg, n, "%s", st == CR_OK ? "ok" : cr_db_errmsg(db));
    cr_db_close(db);
    return st;
}

/* The actions login may take on the case, by cr_allowed_actions. */
static unsigned
allowed_bits(const char *path, const char *login, const char *key)
{
    cr_db *db = open_as(path, login);
    unsigned bits;
    assert_int_equal(cr_allowed_actions(db, key, &bits), CR_OK);
    cr_db_close(db);
    return bits;
}

/* That cr_may and cr_act agree: CR_OK or the same refusal, word for word; nothing written. */
static enum cr_status
may_agrees(const char *path, const char *login, const char *key, int action, unsigned bits)
{
    char may_msg[2048], act_msg[2048];
    int64_t events = outside_int(path, "SELECT count(*) FROM audit_events");
    enum cr_status st = ask_may(path, login, key, action, may_msg, sizeof may_msg);
    assert_int_equal(outside_int(path, "SELECT count(*) FROM audit_events"), events);
    if (st != CR_OK && st != CR_REFUSED)
        fail_msg("cr_may %s %s as %s: %s", cr_action_name(action), key, login, may_msg);
    if ((st == CR_OK) != ((bits >> action) & 1u))
        fail_msg("cr_may %s %s as %s: %s, but cr_allowed_actions says %s", cr_action_name(action),
                 key, login, may_msg, (bits >> action) & 1u ? "allowed" : "not allowed");
    if (st == CR_REFUSED) {
        assert_int_equal(act(path, login, key, valid_request(action), act_msg, sizeof act_msg),
                         CR_REFUSED);
        assert_string_equal(may_msg, act_msg);
        assert_int_equal(outside_int(path, "SELECT count(*) FROM audit_events"), events);
    }
    return st;
}

/*
 * cr_may, for every (state, action, actor) of the table: CR_OK exactly where
 * cr_allowed_actions has the bit (and the table says done), otherwise the
 * refusal cr_act gives for a request with every input filled.
 */
static void
test_may_matches_act(void **state)
{
    (void)state;
    for (int s = 0; s < CR_STATE_COUNT; s++) {
        make_template(work_path);
        reach(work_path, s);
        for (size_t who = 0; who < 4; who++) {
            const char *login = actors[who].login;
            unsigned bits = allowed_bits(work_path, login, "1");
            for (int a = 0; a < CR_ACTION_COUNT; a++)
                assert_int_equal(may_agrees(work_path, login, "1", a, bits) == CR_OK,
                                 expect[s][a][who] == 'o');
        }
    }
}

/* cr_may's refusals from the actions' own guards and from conflicts, as cr_act words them. */
static void
test_may_guards_and_keys(void **state)
{
    (void)state;
    make_template(work_path);
    act_ok(work_path, "asmith", "1", (struct cr_request){.action = CR_ACTION_CLAIM});
    /* ejones is a reviewer, but not the case's. */
    char msg[2048];
    assert_int_equal(ask_may(work_path, "ejones", "1", CR_ACTION_DECIDE, msg, sizeof msg),
                     CR_REFUSED);
    assert_string_equal(msg, "decide is for the case's assigned reviewer (asmith). You may: note");
    may_agrees(work_path, "ejones", "1", CR_ACTION_DECIDE, allowed_bits(work_path, "ejones", "1"));
    may_agrees(work_path, "fkaur", "1", CR_ACTION_RELEASE, allowed_bits(work_path, "fkaur", "1"));
    /* Separation of duties: fkaur decides case 2, then may not approve it. */
    act_ok(work_path, "fkaur", "2", (struct cr_request){.action = CR_ACTION_CLAIM});
    act_ok(work_path, "fkaur", "2", RATIONALE(CR_ACTION_DECIDE));
    assert_int_equal(ask_may(work_path, "fkaur", "2", CR_ACTION_APPROVE, msg, sizeof msg),
                     CR_REFUSED);
    assert_string_equal(msg, "you (fkaur) decided case 2 (decision 1), so you cannot approve it "
                             "(separation of duties, across rounds). You may: note");
    may_agrees(work_path, "fkaur", "2", CR_ACTION_APPROVE, allowed_bits(work_path, "fkaur", "2"));
    may_agrees(work_path, "fkaur", "2", CR_ACTION_RETURN, allowed_bits(work_path, "fkaur", "2"));
    assert_int_equal(ask_may(work_path, "bjones", "2", CR_ACTION_APPROVE, msg, sizeof msg), CR_OK);
    /* conflicts.same_unit: asmith and the subject of case 2 are both in East Area BCU. */
    assert_int_equal(ask_may(work_path, "asmith", "2", CR_ACTION_NOTE, msg, sizeof msg),
                     CR_REFUSED);
    assert_string_equal(msg, "you (asmith) are in the subject's unit (East Area BCU), and with "
                             "conflicts.same_unit nobody acts on a case from their own unit. "
                             "There is nothing you may do on case 2 now");
    may_agrees(work_path, "asmith", "2", CR_ACTION_NOTE, allowed_bits(work_path, "asmith", "2"));
    /* A bad key or action: what cr_act says. */
    char act_msg[2048];
    assert_int_equal(ask_may(work_path, "asmith", "nobody", CR_ACTION_NOTE, msg, sizeof msg),
                     CR_NOT_FOUND);
    assert_int_equal(
        act(work_path, "asmith", "nobody", valid_request(CR_ACTION_NOTE), act_msg, sizeof act_msg),
        CR_NOT_FOUND);
    assert_string_equal(msg, act_msg);
    assert_string_equal(msg, "no case 'nobody' (give a case number or a subject_ref)");
    assert_int_equal(ask_may(work_path, "asmith", "1", CR_ACTION_COUNT, msg, sizeof msg), CR_USAGE);
    assert_string_equal(msg, "no such action");
    assert_int_equal(ask_may(work_path, "asmith", "1", -1, msg, sizeof msg), CR_USAGE);
    /* Nobody signed in (on a server, connected as a role of the roster all the same). */
    cr_db *db;
    assert_int_equal(
        cr_db_open(outside_locator(work_path, cfg, "cadmin"), 0, fixed_clock, NULL, &db), CR_OK);
    assert_int_equal(cr_may(db, "1", CR_ACTION_NOTE), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), "nobody is signed in on this handle");
    /* Nor is there a list of cases for nobody: every list applies someone's need-to-know. */
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(db, NULL, 0, 10, &page), CR_REFUSED);
    assert_string_equal(cr_db_errmsg(db), "nobody is signed in on this handle");
    cr_page_free(&page);
    cr_db_close(db);
}

/* Take next: take one, as cr_take_next's result and the words core gives. */
static enum cr_status
take_next(const char *login, struct cr_act_result *res, char *msg, size_t n)
{
    cr_db *db = open_as(work_path, login);
    enum cr_status st = cr_take_next(db, res);
    if (st == CR_OK) {
        const struct cr_request req = {.action = CR_ACTION_CLAIM};
        char *said = cr_act_describe(db, &req, res);
        snprintf(msg, n, "%s", said ? said : "(none)");
        free(said);
    } else {
        snprintf(msg, n, "%s", cr_db_errmsg(db));
    }
    cr_db_close(db);
    return st;
}

/*
 * Take next (cr_take_next), on either engine: the riskiest flagged case the
 * claim allows (asmith's unit keeps case 2 from them), audited as a claim;
 * refused with nothing written when none is left or the user is no reviewer.
 */
static void
test_take_next(void **state)
{
    (void)state;
    make_template(work_path);
    struct cr_act_result res;
    char msg[512];
    assert_int_equal(take_next("asmith", &res, msg, sizeof msg), CR_OK);
    assert_int_equal(res.case_id, 1);
    assert_int_equal(res.state_before, CR_STATE_FLAGGED);
    assert_int_equal(res.state_after, CR_STATE_IN_REVIEW);
    assert_int_equal(res.version, 2);
    assert_string_equal(msg, "claimed: it is yours to decide");
    assert_int_equal(outside_int(work_path,
                                 "SELECT count(*) FROM audit_events WHERE action = 'claim' "
                                 "AND actor = 'asmith'"),
                     1);
    int64_t events = outside_int(work_path, "SELECT count(*) FROM audit_events");
    assert_int_equal(take_next("asmith", &res, msg, sizeof msg), CR_REFUSED);
    assert_string_equal(msg, "no flagged case is left that you may take");
    assert_int_equal(take_next("mkhan", &res, msg, sizeof msg), CR_REFUSED);
    assert_string_equal(msg, "claim --next needs the reviewer role; you (mkhan) are panel, so no "
                             "case is yours to take");
    assert_int_equal(outside_int(work_path, "SELECT count(*) FROM audit_events"), events);
    assert_int_equal(take_next("ejones", &res, msg, sizeof msg), CR_OK);
    assert_int_equal(res.case_id, 2);
    assert_int_equal(take_next("ejones", &res, msg, sizeof msg), CR_REFUSED);
}

static int
setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/cr-workflow-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(template_path, sizeof template_path, "%s/template.db", dir);
    snprintf(work_path, sizeof work_path, "%s/work.db", dir);
    cr_diags *d = NULL;
    if (cr_config_load(FIXTURES "/config/good.yaml", &cfg, &d) != CR_OK)
        return -1;
    cr_diags_free(d);
    return 0;
}

/*
 * Separation of duties across rounds, for every ordered pair of roles, with
 * logins that hold all three (x1, x2): what a person did on decision 1 bars
 * them on decision 2, and the refusal names the earlier act.
 */
static void
refused_for(const char *path, const char *login, struct cr_request req, const char *want)
{
    char msg[2048];
    int64_t events = outside_int(path, "SELECT count(*) FROM audit_events");
    assert_int_equal(act(path, login, "1", req, msg, sizeof msg), CR_REFUSED);
    if (strncmp(msg, want, strlen(want)) != 0)
        fail_msg("%s as %s: got \"%s\", want \"%s...\"", cr_action_name(req.action), login, msg,
                 want);
    assert_int_equal(outside_int(path, "SELECT count(*) FROM audit_events"), events);
}

/* Set the case's assignee from outside, as a database from before this rule could hold. */
static void
force_assignee(const char *path, const char *login)
{
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE cases SET assignee = '%s' WHERE id = 1", login);
    outside_exec(path, sql);
}

static void
test_separation_across_rounds(void **state)
{
    (void)state;
    char path[200];
    snprintf(path, sizeof path, "%s/multi.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("users:\n"
          "  - { login: rev, roles: [reviewer] }\n"
          "  - { login: sup, roles: [supervisor] }\n"
          "  - { login: x1, roles: [reviewer, supervisor] }\n"
          "  - { login: x2, roles: [reviewer, supervisor] }\n"
          "  - { login: cadmin, roles: [admin] }\n"
          "panel:\n"
          "  members:\n"
          "    - { login: x1, kind: police }\n"
          "    - { login: x2, kind: police }\n"
          "    - { login: ind1, kind: independent }\n"
          "    - { login: ind2, kind: independent }\n"
          "    - { login: leg, kind: legal }\n"
          "  sign_off: { concur: 2, dissent: 1, blind: true }\n",
          f);
    fclose(f);
    struct cr_config *saved = cfg;
    cr_diags *d = NULL;
    assert_int_equal(cr_config_load(path, &cfg, &d), CR_OK);
    cr_diags_free(d);
    struct cr_request claim = {.action = CR_ACTION_CLAIM};
    struct cr_request decide = RATIONALE(CR_ACTION_DECIDE);
    struct cr_request approve = {.action = CR_ACTION_APPROVE};
    struct cr_request ret = {.action = CR_ACTION_RETURN, .reason = "Look again."};
    struct cr_request release = {.action = CR_ACTION_RELEASE};
    struct cr_request concur = {.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR};
    struct cr_request dissent = {
        .action = CR_ACTION_VOTE, .vote = CR_VOTE_DISSENT, .reason = "Not weighed."};
    struct cr_request recuse = {
        .action = CR_ACTION_VOTE, .vote = CR_VOTE_RECUSE, .reason = "I know the subject."};
    struct cr_request assign_x1 = {.action = CR_ACTION_ASSIGN, .target = "x1"};
    struct cr_request assign_rev = {.action = CR_ACTION_ASSIGN, .target = "rev"};

    /* Reviewer, then supervisor: x1 decided decision 1; decision 2 is rev's. */
    make_template(work_path);
    act_ok(work_path, "x1", "1", claim);
    act_ok(work_path, "x1", "1", decide);
    act_ok(work_path, "sup", "1", ret);
    act_ok(work_path, "sup", "1", assign_rev);
    act_ok(work_path, "rev", "1", decide);
    refused_for(work_path, "x1", approve,
                "you (x1) decided case 1 (decision 1), so you cannot approve it (separation of "
                "duties, across rounds). You may: note");
    refused_for(work_path, "x1", ret,
                "you (x1) decided case 1 (decision 1), so you cannot return it (separation of "
                "duties, across rounds). You may: note");

    /* Reviewer, then panel: x1 decided decision 1, which the panel returned. */
    make_template(work_path);
    act_ok(work_path, "x1", "1", claim);
    act_ok(work_path, "x1", "1", decide);
    act_ok(work_path, "sup", "1", approve);
    act_ok(work_path, "ind1", "1", dissent);
    act_ok(work_path, "sup", "1", assign_rev);
    act_ok(work_path, "rev", "1", decide);
    act_ok(work_path, "sup", "1", approve);
    refused_for(work_path, "x1", concur,
                "you (x1) decided case 1 (decision 1), so you cannot vote on it (separation of "
                "duties, across rounds). You may: note");

    /* Supervisor, then reviewer: x1 returned decision 1. */
    make_template(work_path);
    act_ok(work_path, "rev", "1", claim);
    act_ok(work_path, "rev", "1", decide);
    act_ok(work_path, "x1", "1", ret);
    refused_for(work_path, "sup", assign_x1,
                "x1 returned decision 1 of case 1, so they cannot review it (separation of "
                "duties, across rounds). You may: assign, note");
    act_ok(work_path, "sup", "1", assign_rev);
    act_ok(work_path, "rev", "1", release);
    refused_for(work_path, "x1", claim,
                "you (x1) returned decision 1 of case 1, so you cannot review it (separation of "
                "duties, across rounds). You may: assign, note");
    act_ok(work_path, "x1", "1", (struct cr_request){.action = CR_ACTION_ASSIGN, .target = "rev"});
    force_assignee(work_path, "x1");
    refused_for(work_path, "x1", decide,
                "you (x1) returned decision 1 of case 1, so you cannot decide it (separation of "
                "duties, across rounds)");

    /* Supervisor, then panel: x1 approved decision 1, which the panel returned. */
    make_template(work_path);
    act_ok(work_path, "rev", "1", claim);
    act_ok(work_path, "rev", "1", decide);
    act_ok(work_path, "x1", "1", approve);
    act_ok(work_path, "ind1", "1", dissent);
    act_ok(work_path, "rev", "1", decide);
    act_ok(work_path, "sup", "1", approve);
    refused_for(work_path, "x1", concur,
                "you (x1) approved decision 1 of case 1, so you cannot vote on it (separation of "
                "duties, across rounds). You may: note");
    /* And the approver of decision 1 cannot take decision 3 either. */
    act_ok(work_path, "ind2", "1", dissent);
    refused_for(work_path, "sup", assign_x1,
                "x1 approved decision 1 of case 1, so they cannot review it (separation of "
                "duties, across rounds)");

    /* Panel, then reviewer: x1 dissented on decision 1. */
    make_template(work_path);
    act_ok(work_path, "rev", "1", claim);
    act_ok(work_path, "rev", "1", decide);
    act_ok(work_path, "sup", "1", approve);
    act_ok(work_path, "x1", "1", dissent);
    refused_for(work_path, "sup", assign_x1,
                "x1 voted on decision 1 of case 1, so they cannot review it (separation of "
                "duties, across rounds)");
    force_assignee(work_path, "x1");
    refused_for(work_path, "x1", decide,
                "you (x1) voted on decision 1 of case 1, so you cannot decide it (separation of "
                "duties, across rounds)");
    force_assignee(work_path, "rev");

    /* Panel, then supervisor: x1 dissented on decision 1, x2 recused from it. */
    make_template(work_path);
    act_ok(work_path, "rev", "1", claim);
    act_ok(work_path, "rev", "1", decide);
    act_ok(work_path, "sup", "1", approve);
    act_ok(work_path, "x2", "1", recuse);
    act_ok(work_path, "x1", "1", dissent);
    act_ok(work_path, "rev", "1", decide);
    refused_for(work_path, "x1", approve,
                "you (x1) voted on decision 1 of case 1, so you cannot approve it (separation of "
                "duties, across rounds). You may: note");
    refused_for(work_path, "x2", ret,
                "you (x2) recused from decision 1 of case 1, so you cannot return it (separation "
                "of duties, across rounds). You may: note");
    /* A panel member who voted on decision 1 may vote on decision 2. */
    act_ok(work_path, "sup", "1", approve);
    act_ok(work_path, "x1", "1", concur);

    cr_config_free(cfg);
    cfg = saved;
}

static int
teardown(void **state)
{
    (void)state;
    cr_config_free(cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Each test starts from a new work file. */
static int
fresh(void **state)
{
    (void)state;
    outside_remove(work_path);
    return 0;
}

/*
 * The system's own rows of the table, walked like the people's: an import's
 * new allegation sends a case back from awaiting approval or the panel, and
 * from no other state.
 */
static void
test_system_rows(void **state)
{
    (void)state;
    for (int s = 0; s < CR_STATE_COUNT; s++) {
        int expected =
            s == CR_STATE_AWAITING_APPROVAL || s == CR_STATE_PANEL_REVIEW ? CR_STATE_RETURNED : -1;
        if (cr_system_to(CR_SYSTEM_IMPORT_RETURN, s) != expected)
            fail_msg("import return from %s: got %d, expected %d", cr_state_name(s),
                     cr_system_to(CR_SYSTEM_IMPORT_RETURN, s), expected);
    }
    assert_int_equal(cr_system_to(CR_SYSTEM_IMPORT_RETURN, -1), -1);
    assert_int_equal(cr_system_to(CR_SYSTEM_IMPORT_RETURN, CR_STATE_COUNT), -1);
    assert_int_equal(cr_system_to(CR_SYSTEM_COUNT, CR_STATE_PANEL_REVIEW), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_every_state_action_role, fresh),
        cmocka_unit_test(test_system_rows),
        cmocka_unit_test_setup(test_transitions, fresh),
        cmocka_unit_test_setup(test_separation_of_duties, fresh),
        cmocka_unit_test_setup(test_panel_member_who_decided, fresh),
        cmocka_unit_test_setup(test_separation_across_rounds, fresh),
        cmocka_unit_test_setup(test_same_unit_conflict, fresh),
        cmocka_unit_test_setup(test_blind_voting, fresh),
        cmocka_unit_test_setup(test_quorum_and_kinds, fresh),
        cmocka_unit_test_setup(test_quorum_unreachable, fresh),
        cmocka_unit_test_setup(test_dissent_and_stale_votes, fresh),
        cmocka_unit_test_setup(test_outcome_overrides, fresh),
        cmocka_unit_test_setup(test_versions, fresh),
        cmocka_unit_test_setup(test_may_matches_act, fresh),
        cmocka_unit_test_setup(test_may_guards_and_keys, fresh),
        cmocka_unit_test_setup(test_take_next, fresh),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
