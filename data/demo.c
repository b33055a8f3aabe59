/*
 * The demo: a configuration with fictional people in every role, and cases
 * taken through the real workflow (every step by core, every step audited)
 * into the mix a review in progress has: some waiting, some in review,
 * some with supervisors or the panel, many closed, with the article's
 * proportions of outcomes (246 no further action, 689 reassess, 196 refer
 * in 1,131) and decisions spread over the last twelve weeks.
 */
#include "demo.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int
crgen_demo_config(FILE *out, const char *login)
{
    fprintf(out,
            "# casereview demo configuration: fictional people, and you (%s) as\n"
            "# reviewer, supervisor and admin.  --as LOGIN plays anyone here.\n"
            "theme: default\n"
            "allow_impersonation: true\n"
            "conflicts:\n"
            "  same_unit: true\n"
            "sla_days: { review: 10, approval: 3, panel: 14 }\n"
            "users:\n"
            "  - { login: asmith, name: \"A. Smith\", roles: [reviewer], unit: \"Professional "
            "Standards\" }\n"
            "  - { login: ejones, name: \"E. Jones\", roles: [reviewer], unit: \"Professional "
            "Standards\" }\n"
            "  - { login: okarim, name: \"O. Karim\", roles: [reviewer], unit: \"Professional "
            "Standards\" }\n"
            "  - { login: bjones, name: \"B. Jones\", roles: [supervisor], unit: \"Professional "
            "Standards\" }\n"
            "  - { login: cadmin, name: \"C. Admin\", roles: [admin] }\n",
            login);
    if (strcmp(login, "asmith") && strcmp(login, "ejones") && strcmp(login, "okarim") &&
        strcmp(login, "bjones") && strcmp(login, "cadmin") && strcmp(login, "mkhan") &&
        strcmp(login, "lpark") && strcmp(login, "rdoe") && strcmp(login, "tnash"))
        fprintf(out, "  - { login: %s, name: \"You\", roles: [reviewer, supervisor, admin] }\n",
                login);
    fprintf(out, "panel:\n"
                 "  members:\n"
                 "    - { login: mkhan, name: \"M. Khan\", kind: independent }\n"
                 "    - { login: tnash, name: \"T. Nash\", kind: independent }\n"
                 "    - { login: lpark, name: \"L. Park\", kind: legal }\n"
                 "    - { login: rdoe,  name: \"R. Doe\",  kind: police }\n"
                 "  sign_off:\n"
                 "    concur: 2\n"
                 "    dissent: 1\n"
                 "    require_kinds: { independent: 1 }\n"
                 "    blind: true\n"
                 "  outcomes:\n"
                 "    nfa: { concur: 3 }\n");
    return ferror(out) ? -1 : 0;
}

/* splitmix64, as the generator. */
static uint64_t
next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

struct driver {
    cr_db *db;
    const struct cr_config *cfg;
    int64_t *now;
    int64_t end; /* the demo's now: no step is later (audit verify flags a clock set back) */
    int acts, refused;
};

/* One step as one person; a refusal (a conflict of interest, say) ends the case's path. */
static bool
step(struct driver *d, const char *login, int64_t id, struct cr_request req)
{
    const struct cr_person *p = cr_config_person(d->cfg, login);
    if (!p)
        return false;
    cr_db_set_user(d->db, d->cfg, p);
    char key[32];
    snprintf(key, sizeof key, "#%lld", (long long)id);
    struct cr_act_result res;
    *d->now += 60 + (int64_t)(id % 7) * 37; /* a minute or so between steps */
    if (*d->now > d->end)
        *d->now = d->end;
    enum cr_status st = cr_act(d->db, key, &req, &res);
    d->acts++;
    if (st != CR_OK)
        d->refused++;
    return st == CR_OK;
}

static const char *const rationales[CR_OUTCOME_COUNT] = {
    [CR_OUTCOME_NFA] = "Information considered: the original file and the allegation record.\n"
                       "Assessment: no continuing risk identified; the matter was dealt with.\n"
                       "Powers and policy: no further action is within policy.\n"
                       "Options: reassessment (rejected: nothing new to assess).\n"
                       "Reasons: the original outcome was proportionate.",
    [CR_OUTCOME_REASSESS] = "Information considered: the file, the PND record and the victim's "
                            "account.\nAssessment: the original decision did not weigh all the "
                            "reports.\nPowers and policy: the case is to be reassessed.\nOptions: "
                            "no further action (rejected), referral (premature).\nReasons: the "
                            "risk cannot be judged on the original file alone.",
    [CR_OUTCOME_REFER] = "Information considered: several reports over the years.\nAssessment: "
                         "a pattern of behaviour and a continuing risk.\nPowers and policy: "
                         "formal risk management.\nOptions: reassessment (rejected: the pattern "
                         "is established).\nReasons: the pattern and its recency.",
};

int
crgen_demo_states(cr_db *db, const struct cr_config *cfg, int64_t *now, int64_t end, uint64_t seed,
                  char *msg, size_t n, void (*progress)(void *ctx, int64_t done, int64_t total),
                  void *ctx)
{
    struct driver d = {db, cfg, now, end, 0, 0};
    const char *reviewers[] = {"asmith", "ejones", "okarim"};
    int64_t start = end;
    struct cr_stats stats;
    if (cr_stats_get(db, &stats) != CR_OK) {
        snprintf(msg, n, "%s", cr_db_errmsg(db));
        return -1;
    }
    int64_t total = stats.cases;
    uint64_t rng = seed;
    for (int64_t id = 1; id <= total; id++) {
        if (progress)
            progress(ctx, id - 1, total);
        /* Where this case will be: of a hundred, 32 flagged, 12 in review, 3 returned,
         * 8 awaiting approval, 10 with the panel, 35 closed. */
        unsigned x = (unsigned)(next(&rng) % 100);
        int target = x < 32   ? CR_STATE_FLAGGED
                     : x < 44 ? CR_STATE_IN_REVIEW
                     : x < 47 ? CR_STATE_RETURNED
                     : x < 55 ? CR_STATE_AWAITING_APPROVAL
                     : x < 65 ? CR_STATE_PANEL_REVIEW
                              : CR_STATE_CLOSED;
        /* The article's mix of outcomes: 246 : 689 : 196. */
        unsigned y = (unsigned)(next(&rng) % 1131);
        int outcome = y < 246 ? CR_OUTCOME_NFA : y < 935 ? CR_OUTCOME_REASSESS : CR_OUTCOME_REFER;
        const char *reviewer = reviewers[next(&rng) % 3];
        /* Spread the work over the twelve weeks; time never goes back (many cases crowd). */
        int64_t t =
            start - 12 * 7 * 86400 + (int64_t)((12 * 7 * 86400) * (double)id / (double)total);
        if (t > *now)
            *now = t;
        if (target == CR_STATE_FLAGGED)
            continue;
        if (!step(&d, reviewer, id, (struct cr_request){.action = CR_ACTION_CLAIM}))
            continue;
        if (target == CR_STATE_IN_REVIEW)
            continue;
        struct cr_request decide = {.action = CR_ACTION_DECIDE,
                                    .outcome = outcome,
                                    .vetting_review = outcome == CR_OUTCOME_REFER && x % 2,
                                    .rationale = rationales[outcome]};
        if (!step(&d, reviewer, id, decide))
            continue;
        if (target == CR_STATE_AWAITING_APPROVAL)
            continue;
        if (target == CR_STATE_RETURNED) {
            step(&d, "bjones", id,
                 (struct cr_request){.action = CR_ACTION_RETURN,
                                     .reason = "Say why the earliest report was set aside."});
            continue;
        }
        if (!step(&d, "bjones", id, (struct cr_request){.action = CR_ACTION_APPROVE}))
            continue;
        if (outcome == CR_OUTCOME_REASSESS && cfg->signoff[outcome].panel == 0)
            continue; /* closed on approval */
        struct cr_request concur = {.action = CR_ACTION_VOTE, .vote = CR_VOTE_CONCUR};
        if (target == CR_STATE_PANEL_REVIEW) {
            step(&d, "lpark", id, concur);
            continue;
        }
        /* Closed: now and then the panel dissents first, and the reviewer decides again. */
        if (x % 9 == 0) {
            step(&d, "rdoe", id,
                 (struct cr_request){.action = CR_ACTION_VOTE,
                                     .vote = CR_VOTE_DISSENT,
                                     .reason = "The rationale does not address the hotline call."});
            step(&d, reviewer, id, decide);
            step(&d, "bjones", id, (struct cr_request){.action = CR_ACTION_APPROVE});
        }
        step(&d, "mkhan", id, concur);
        step(&d, "lpark", id, concur);
        if (outcome == CR_OUTCOME_NFA)
            step(&d, "tnash", id, concur);
    }
    *now = start;
    if (progress)
        progress(ctx, total, total);
    /* A step the rules turn down is the rules at work (a conflict of interest, say), not a fault.
     */
    snprintf(msg, n,
             "%d workflow steps taken by the demo's fictional people; the rules turned down %d "
             "more (a conflict of interest, for instance), as they should",
             d.acts - d.refused, d.refused);
    return 0;
}
