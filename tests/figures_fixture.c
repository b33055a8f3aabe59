/*
 * The figures fixture: a database with known answers, built through the
 * real actions of the core API (import, claim, decide, approve, return,
 * vote) under tests/fixtures/config/good.yaml.  tests/cli/report.sh runs
 * `report` over it and compares with hand-computed expected output.
 *
 *   subjects 1-246      nfa, confirmed by the panel (three concurrences)
 *   subjects 247-935    reassess, confirmed by approval (panel: false)
 *   subjects 936-1131   refer, confirmed by the panel; 936-975 with a vetting review
 *     1,131 people: the 246 / 689 / 196 of SPEC section 1.
 *   subjects 1-3        a second case after the first closed, also closed nfa
 *   subjects 247-251    a second case after the first closed, flagged
 *   subjects 1132-1137  proposed: nfa, nfa, reassess, reassess, refer + vetting, refer
 *   subjects 1138-1141  with the panel: nfa (one concurrence), nfa, refer + vetting, refer
 *   subject 1142        refer, returned by the panel (a dissent)
 *   subject 1143        nfa, returned by the supervisor
 *   subject 1144        reassess awaiting approval, returned by a new allegation
 *   subjects 1145-1149  flagged; 1150-1151 in review
 *
 * Usage: figures_fixture DB CONFIG.  Prints nothing on success.
 */
#include "casereview/casereview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t clock_now = 1759276800; /* 2025-10-01T00:00:00Z, a second a step */

static int64_t
step_clock(void *ctx)
{
    (void)ctx;
    return clock_now++;
}

static cr_db *db;
static struct cr_config *cfg;

static void
die(const char *what)
{
    fprintf(stderr, "figures_fixture: %s: %s\n", what, cr_db_errmsg(db));
    exit(1);
}

static void
as(const char *login)
{
    const struct cr_person *p = cr_config_person(cfg, login);
    if (!p) {
        fprintf(stderr, "figures_fixture: %s is not on the roster\n", login);
        exit(1);
    }
    cr_db_set_user(db, cfg, p);
}

static const char *const units[] = {"North", "South", "West"};
static const char *const ranks[] = {"PC", "DS", "Inspector"};
static const char *const employment[] = {"officer", "staff", "special"};

static void
import_rows(int first, int last, const char *tag)
{
    FILE *f = tmpfile();
    fputs("subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,"
          "category,allegation_date,source,original_outcome,summary\n",
          f);
    for (int i = first; i <= last; i++)
        fprintf(f,
                "S%04d,Surname%d,Forename,%s,%s,%s,full,%s%04d,%s,2020-01-%02d,complaint,"
                "none,summary\n",
                i, i, employment[i % 3], ranks[i % 3], units[i % 3], tag, i,
                i % 4 ? "domestic_violence" : "sexual_offence", 1 + i % 28);
    rewind(f);
    as("cadmin");
    struct cr_import_result r;
    cr_diags *d = NULL;
    if (cr_import_csv(db, f, tag, 0, &r, &d) != CR_OK) {
        fprintf(stderr, "figures_fixture: import: %s\n",
                cr_diags_count(d) ? cr_diags_get(d, 0) : cr_db_errmsg(db));
        exit(1);
    }
    cr_diags_free(d);
    fclose(f);
}

static void
act(const char *login, int subject, int action, const struct cr_request *extra)
{
    char key[16];
    snprintf(key, sizeof key, "S%04d", subject);
    struct cr_request req = {0};
    if (extra)
        req = *extra;
    req.action = action;
    struct cr_act_result res;
    as(login);
    if (cr_act(db, key, &req, &res) != CR_OK) {
        char what[64];
        snprintf(what, sizeof what, "%s on %s as %s", cr_action_name(action), key, login);
        die(what);
    }
}

static void
decide(int subject, int outcome, int vetting)
{
    act("asmith", subject, CR_ACTION_CLAIM, NULL);
    struct cr_request d = {.outcome = outcome,
                           .vetting_review = vetting,
                           .rationale = "Considered against the record."};
    act("asmith", subject, CR_ACTION_DECIDE, &d);
}

static void
vote(const char *member, int subject, int v)
{
    struct cr_request r = {.vote = v, .reason = v == CR_VOTE_CONCUR ? NULL : "Risk understated"};
    act(member, subject, CR_ACTION_VOTE, &r);
}

/* Decide, approve and, where the outcome goes to the panel, its concurrences. */
static void
confirm(int subject, int outcome, int vetting)
{
    decide(subject, outcome, vetting);
    act("bjones", subject, CR_ACTION_APPROVE, NULL);
    if (outcome == CR_OUTCOME_REASSESS)
        return;
    vote("mkhan", subject, CR_VOTE_CONCUR);
    vote("lpark", subject, CR_VOTE_CONCUR);
    if (outcome == CR_OUTCOME_NFA)
        vote("rdoe", subject, CR_VOTE_CONCUR);
}

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: figures_fixture DB CONFIG\n");
        return 2;
    }
    cr_diags *d = NULL;
    if (cr_config_load(argv[2], &cfg, &d) != CR_OK) {
        fprintf(stderr, "figures_fixture: %s: bad configuration\n", argv[2]);
        return 1;
    }
    cr_diags_free(d);
    if (cr_db_open(argv[1], CR_OPEN_CREATE, step_clock, NULL, &db) != CR_OK)
        die("open");

    import_rows(1, 1151, "A");
    for (int i = 1; i <= 1131; i++)
        confirm(i,
                i <= 246   ? CR_OUTCOME_NFA
                : i <= 935 ? CR_OUTCOME_REASSESS
                           : CR_OUTCOME_REFER,
                i >= 936 && i <= 975);

    /* Second cases: new allegations after the first case closed. */
    import_rows(1, 3, "B");
    import_rows(247, 251, "B");
    for (int i = 1; i <= 3; i++)
        confirm(i, CR_OUTCOME_NFA, 0);

    static const int proposed[][2] = {{CR_OUTCOME_NFA, 0},      {CR_OUTCOME_NFA, 0},
                                      {CR_OUTCOME_REASSESS, 0}, {CR_OUTCOME_REASSESS, 0},
                                      {CR_OUTCOME_REFER, 1},    {CR_OUTCOME_REFER, 0}};
    for (int i = 0; i < 6; i++)
        decide(1132 + i, proposed[i][0], proposed[i][1]);

    static const int panel[][2] = {
        {CR_OUTCOME_NFA, 0}, {CR_OUTCOME_NFA, 0}, {CR_OUTCOME_REFER, 1}, {CR_OUTCOME_REFER, 0}};
    for (int i = 0; i < 4; i++) {
        decide(1138 + i, panel[i][0], panel[i][1]);
        act("bjones", 1138 + i, CR_ACTION_APPROVE, NULL);
    }
    vote("mkhan", 1138, CR_VOTE_CONCUR);

    decide(1142, CR_OUTCOME_REFER, 0);
    act("bjones", 1142, CR_ACTION_APPROVE, NULL);
    vote("tnash", 1142, CR_VOTE_DISSENT);

    decide(1143, CR_OUTCOME_NFA, 0);
    struct cr_request back = {.reason = "Say more about the 2020 allegation."};
    act("bjones", 1143, CR_ACTION_RETURN, &back);

    decide(1144, CR_OUTCOME_REASSESS, 0);
    import_rows(1144, 1144, "C");

    for (int i = 1150; i <= 1151; i++)
        act("asmith", i, CR_ACTION_CLAIM, NULL);

    cr_db_close(db);
    cr_config_free(cfg);
    return 0;
}
