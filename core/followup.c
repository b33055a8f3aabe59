/*
 * What happened after the decision (followup.h): follow-ups, which record a
 * result without touching the decision, and reopening a closed case for a
 * new round.  The rules are here, once; the command line and the screen
 * call these functions and show their messages.
 *
 * Neither is a row of the workflow's rules table (workflow.c): a follow-up
 * changes no state, and a reopen is the one way out of closed, which the
 * table's every row refuses.  What they ask first is what every action asks
 * (may_act there): the user may see the case (need-to-know, conflicts) and
 * has the role.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#define ENGINE (st_store(db))
#define AFTER_ROLES ((1u << CR_ROLE_SUPERVISOR) | (1u << CR_ROLE_ADMIN))

/* Names */

static const struct {
    const char *name, *label;
    const char *results[CR_FOLLOWUP_RESULT_MAX + 1];
    const char *text;
} stages[CR_FOLLOWUP_STAGE_COUNT] = {
    [CR_FOLLOWUP_RISK_MANAGEMENT] = {"risk_management",
                                     "Risk management",
                                     {"started", "ended", NULL},
                                     "started or ended"},
    [CR_FOLLOWUP_REASSESSMENT] = {"reassessment",
                                  "Reassessment",
                                  {"completed", "pending", NULL},
                                  "completed or pending"},
    [CR_FOLLOWUP_VETTING] = {"vetting",
                             "Vetting",
                             {"withdrawn", "maintained", "pending", NULL},
                             "withdrawn, maintained or pending"},
    [CR_FOLLOWUP_APPEAL] = {"appeal",
                            "Appeal",
                            {"upheld", "dismissed", "pending", NULL},
                            "upheld, dismissed or pending"},
    [CR_FOLLOWUP_LEFT] = {"left",
                          "Left the force",
                          {"before_decision", "after_decision", NULL},
                          "before_decision or after_decision"},
};

static bool
stage_ok(int stage)
{
    return stage >= 0 && stage < CR_FOLLOWUP_STAGE_COUNT;
}

const char *
cr_followup_stage_name(int stage)
{
    return stage_ok(stage) ? stages[stage].name : NULL;
}

const char *
cr_followup_stage_label(int stage)
{
    return stage_ok(stage) ? stages[stage].label : NULL;
}

int
cr_followup_stage_parse(const char *s)
{
    for (int i = 0; s && i < CR_FOLLOWUP_STAGE_COUNT; i++)
        if (strcmp(s, stages[i].name) == 0)
            return i;
    return -1;
}

size_t
cr_followup_result_count(int stage)
{
    size_t n = 0;
    while (stage_ok(stage) && stages[stage].results[n])
        n++;
    return n;
}

const char *
cr_followup_result_name(int stage, size_t i)
{
    return i < cr_followup_result_count(stage) ? stages[stage].results[i] : NULL;
}

int
cr_followup_result_parse(int stage, const char *s)
{
    for (size_t i = 0; s && i < cr_followup_result_count(stage); i++)
        if (strcmp(s, stages[stage].results[i]) == 0)
            return (int)i;
    return -1;
}

const char *
cr_followup_results_text(int stage)
{
    return stage_ok(stage) ? stages[stage].text : "";
}

/* The rules */

/* Whether the user may see the case (need-to-know, conflicts); why not, in why. */
static bool
may_see(const struct cr_config *cfg, const struct cr_person *me, const struct cr_case_state *cs,
        struct cr_buf *why)
{
    cr_buf_reset(why);
    if (cr_policy_panel_only(me) && cs->panel_round == 0) {
        cr_buf_addf(why, CR_NEED_TO_KNOW_TEXT, (long long)cs->id);
        return false;
    }
    if (cr_policy_conflicted(cfg, me, cs->subject_unit, cs->subject_ref)) {
        cr_policy_conflict_text(cfg, me, cs->subject_unit, cs->subject_ref, true, "acts on", why);
        return false;
    }
    return true;
}

/* Whether the user may act on the case after its decision at all (what names it). */
static bool
may_act_after(const struct cr_config *cfg, const struct cr_person *me,
              const struct cr_case_state *cs, const char *what, struct cr_buf *why)
{
    if (!may_see(cfg, me, cs, why))
        return false;
    if (cs->erased) {
        cr_buf_addf(why, CR_ERASED_REFUSAL, (long long)cs->id, what);
        return false;
    }
    if (me->roles & AFTER_ROLES)
        return true;
    char have[128];
    cr_names_text(me->roles, CR_ROLE_COUNT, cr_role_name, have, sizeof have);
    cr_buf_addf(why, "%s needs the supervisor or admin role; you (%s) are %s", what, me->login,
                *have ? have : "on the roster without a role");
    return false;
}

/*
 * Rule of follow-up: a case whose decision was approved (with the panel,
 * or closed).  One function for the command, the screen and the allowed
 * actions.
 */
static bool
followup_may(const struct cr_config *cfg, const struct cr_person *me,
             const struct cr_case_state *cs, struct cr_buf *why)
{
    if (!may_act_after(cfg, me, cs, "follow-up", why))
        return false;
    if (cs->state == CR_STATE_PANEL_REVIEW || cs->state == CR_STATE_CLOSED)
        return true;
    cr_buf_addf(why,
                "follow-up needs a case whose decision was approved (panel_review or closed); "
                "case %lld is %s",
                (long long)cs->id, cr_state_name(cs->state));
    return false;
}

/*
 * Rule of reopen: a closed case, reopened by a supervisor or admin who
 * neither decided nor approved any of its decisions (separation of duties,
 * across rounds, as for every action: whoever took the decision that is
 * challenged does not decide that it is taken again).
 */
static bool
reopen_may(const struct cr_config *cfg, const struct cr_person *me, const struct cr_case_state *cs,
           struct cr_buf *why)
{
    if (!may_act_after(cfg, me, cs, "reopen", why))
        return false;
    if (cs->state != CR_STATE_CLOSED) {
        cr_buf_addf(why, "reopen needs a case that is closed; case %lld is %s", (long long)cs->id,
                    cr_state_name(cs->state));
        return false;
    }
    for (size_t i = 0; i < cs->n_acts; i++) {
        const struct cr_case_act *a = &cs->acts[i];
        if ((a->action != CR_ACTION_DECIDE && a->action != CR_ACTION_APPROVE) || !a->login ||
            strcmp(a->login, me->login) != 0)
            continue;
        if (a->action == CR_ACTION_DECIDE)
            cr_buf_addf(why, "you (%s) decided case %lld (decision %d)", me->login,
                        (long long)cs->id, a->round);
        else
            cr_buf_addf(why, "you (%s) approved decision %d of case %lld", me->login, a->round,
                        (long long)cs->id);
        cr_buf_addf(why, ", so you cannot reopen it (separation of duties, across rounds)");
        return false;
    }
    return true;
}

/* The request's own words: stage, result, date (against today and the case's flagging). */
static enum cr_status
request_ok(cr_db *db, const struct cr_followup_request *req)
{
    if (!stage_ok(req->stage))
        return cr_fail(db, CR_USAGE,
                       "a follow-up's stage is risk_management, reassessment, vetting, appeal "
                       "or left");
    if (cr_followup_result_parse(req->stage, req->result) < 0)
        return cr_fail(db, CR_USAGE, "the result of a %s follow-up is %s, not '%s'",
                       stages[req->stage].name, stages[req->stage].text,
                       req->result ? req->result : "");
    int64_t days;
    if (!req->date || cr_date_parse(req->date, strlen(req->date), &days) < 0)
        return cr_fail(db, CR_USAGE,
                       "a follow-up's date is the day it happened, a real date in the form "
                       "YYYY-MM-DD, not '%s'",
                       req->date ? req->date : "");
    return cr_text_fits(db, "the detail", req->detail);
}

/* The date against today and the day the case was flagged (created_at). */
static enum cr_status
date_ok(cr_db *db, const char *date, int64_t case_id, int64_t flagged_at)
{
    int64_t days, now = cr_db_tx_now(db);
    cr_date_parse(date, strlen(date), &days);
    int64_t today = now >= 0 ? now / 86400 : (now - 86399) / 86400;
    int64_t flagged = flagged_at >= 0 ? flagged_at / 86400 : (flagged_at - 86399) / 86400;
    char day[11];
    if (days > today) {
        cr_date_format(today, day);
        return cr_fail(db, CR_USAGE,
                       "the date %s is after today (%s): a follow-up records what has "
                       "happened, not what will",
                       date, day);
    }
    if (days < flagged) {
        cr_date_format(flagged, day);
        return cr_fail(db, CR_USAGE,
                       "the date %s is before case %lld was flagged (%s): a follow-up records "
                       "what happened after it",
                       date, (long long)case_id, day);
    }
    return CR_OK;
}

/* The day the case was flagged: its row's created_at. */
static enum cr_status
flagged_at(cr_db *db, int64_t id, int64_t *at)
{
    struct cr_case c;
    memset(&c, 0, sizeof c);
    enum cr_status st = ENGINE->case_load(db, id, false, false, &c);
    *at = c.row.created_at;
    cr_case_free(&c);
    return st;
}

/* Concurrent edits, as workflow.c's version_seen: the version acted on (0: any). */
static enum cr_status
version_seen(cr_db *db, const struct cr_case_state *cs, int64_t expect)
{
    if (!expect || expect == cs->version)
        return CR_OK;
    char when[21];
    cr_time_format(cs->updated_at, when);
    return cr_fail(db, CR_REFUSED,
                   "case %lld was changed by %s at %s (it is now version %lld; you saw "
                   "version %lld); look at it again before you act",
                   (long long)cs->id, cs->updated_by ? cs->updated_by : "someone", when,
                   (long long)cs->version, (long long)expect);
}

/* Follow-ups */

static enum cr_status
followup_add(cr_db *db, const struct cr_case_ref *ref, const struct cr_followup_request *req,
             struct cr_act_result *res)
{
    if (!db)
        return CR_USAGE;
    if (!req || !res)
        return cr_fail(db, CR_USAGE, "follow-up needs a request and a result to fill");
    memset(res, 0, sizeof *res);
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK || (st = request_ok(db, req)) != CR_OK)
        return st;
    if ((st = st_writable(db)) != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    int64_t id, at = 0;
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    struct cr_buf why = {0}, d = {0};
    if ((st = st_case_ref(db, ref, &id)) != CR_OK || (st = st_case_state(db, id, &cs)) != CR_OK)
        goto out;
    if (!followup_may(st_config(db), st_user(db), &cs, &why)) {
        st = cr_fail(db, CR_REFUSED, "%s", why.p ? why.p : "refused");
        goto out;
    }
    if ((st = flagged_at(db, cs.id, &at)) != CR_OK ||
        (st = date_ok(db, req->date, cs.id, at)) != CR_OK)
        goto out;
    const struct cr_followup f = {
        .stage = req->stage,
        .result = stages[req->stage].results[cr_followup_result_parse(req->stage, req->result)],
        .date = req->date,
        .detail = cr_blank(req->detail) ? NULL : req->detail};
    cr_buf_addf(&d, "{\"stage\": \"%s\", \"result\": \"%s\", \"date\": ", stages[f.stage].name,
                f.result);
    cr_buf_add_json(&d, f.date);
    if (f.detail) {
        cr_buf_addf(&d, ", \"detail\": ");
        cr_buf_add_json(&d, f.detail);
    }
    cr_buf_addc(&d, '}');
    if (!d.p) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
        goto out;
    }
    const char *state = cr_state_name(cs.state);
    if ((st = ENGINE->followup_add(db, cs.id, &f, st_user(db)->login)) != CR_OK ||
        (st = cr_audit_append(db, cs.id, "follow_up", state, state, d.p)) != CR_OK)
        goto out;
    if ((st = st_commit(db)) == CR_OK) {
        res->case_id = cs.id;
        res->state_before = res->state_after = cs.state;
        res->version = cs.version;
    }
out:
    if (st != CR_OK)
        st_rollback(db);
    cr_case_state_free(&cs);
    cr_buf_free(&why);
    cr_buf_free(&d);
    return st;
}

enum cr_status
cr_followup_add(cr_db *db, const char *key, const struct cr_followup_request *req,
                struct cr_act_result *res)
{
    const struct cr_case_ref ref = {key, 0};
    return followup_add(db, &ref, req, res);
}

enum cr_status
cr_followup_add_id(cr_db *db, int64_t case_id, const struct cr_followup_request *req,
                   struct cr_act_result *res)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return followup_add(db, &ref, req, res);
}

/* A list being read: the rows, and copies of their strings. */
struct gather {
    cr_db *db;
    struct cr_followup_list *out;
    struct cr_strings *keep;
    size_t cap;
    bool nomem;
};

static int
gather_one(void *ctx, const struct cr_followup *f)
{
    struct gather *g = ctx;
    struct cr_followup_list *l = g->out;
    if (l->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 4;
        struct cr_followup *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            g->nomem = true;
            return 1;
        }
        l->v = v;
        g->cap = cap;
    }
    struct cr_followup *x = &l->v[l->n++];
    *x = *f;
    x->result = cr_strings_keep(g->keep, f->result);
    x->date = cr_strings_keep(g->keep, f->date);
    x->detail = cr_strings_keep(g->keep, f->detail);
    x->recorded_by = cr_strings_keep(g->keep, f->recorded_by);
    if (g->keep->nomem) {
        g->nomem = true;
        return 1;
    }
    return 0;
}

void
cr_followup_list_free(struct cr_followup_list *l)
{
    if (!l)
        return;
    free(l->v);
    cr_strings_free(l->priv);
    memset(l, 0, sizeof *l);
}

enum cr_status
cr_followups_get_id(cr_db *db, int64_t case_id, struct cr_followup_list *out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    int64_t id;
    const struct cr_case_ref ref = {NULL, case_id};
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    if ((st = st_case_ref(db, &ref, &id)) != CR_OK || (st = st_case_state(db, id, &cs)) != CR_OK) {
        cr_case_state_free(&cs);
        return st;
    }
    struct cr_buf why = {0};
    if (!may_see(st_config(db), st_user(db), &cs, &why))
        st = cr_fail(db, CR_REFUSED, "%s", why.p ? why.p : "refused");
    cr_buf_free(&why);
    cr_case_state_free(&cs);
    if (st != CR_OK)
        return st;
    struct gather g = {db, out, cr_strings_new(), 0, false};
    if (!g.keep)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = g.keep;
    st = ENGINE->followup_scan(db, id, gather_one, &g);
    if (st == CR_OK && g.nomem)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    return st;
}

/* The figures: each case once per stage, by its latest result. */

struct latest {
    int64_t case_id;
    int stage, result;
    int64_t day, id;
};

struct tally {
    cr_db *db;
    int64_t before;
    struct latest *v;
    size_t n, cap;
    bool nomem;
};

static int
tally_one(void *ctx, const struct cr_followup *f)
{
    struct tally *t = ctx;
    if ((t->before && f->recorded_at >= t->before) || !stage_ok(f->stage))
        return 0;
    int result = cr_followup_result_parse(f->stage, f->result);
    int64_t day = 0;
    if (result < 0 || !f->date || cr_date_parse(f->date, strlen(f->date), &day) < 0)
        return 0;
    /* The rows come in id order; a case's row of this stage, if any, is kept in place. */
    for (size_t i = t->n; i-- > 0;) {
        struct latest *x = &t->v[i];
        if (x->case_id != f->case_id || x->stage != f->stage)
            continue;
        if (day >= x->day) {
            x->day = day;
            x->id = f->id;
            x->result = result;
        }
        return 0;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        struct latest *v = realloc(t->v, cap * sizeof *v);
        if (!v) {
            t->nomem = true;
            return 1;
        }
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = (struct latest){f->case_id, f->stage, result, day, f->id};
    return 0;
}

enum cr_status
cr_followup_counts_get(cr_db *db, int64_t before, struct cr_followup_counts *out)
{
    memset(out, 0, sizeof *out);
    struct tally t = {.db = db, .before = before};
    enum cr_status st = ENGINE->followup_scan(db, 0, tally_one, &t);
    if (st == CR_OK && t.nomem)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    for (size_t i = 0; st == CR_OK && i < t.n; i++) {
        out->n[t.v[i].stage][t.v[i].result]++;
        out->cases[t.v[i].stage]++;
    }
    free(t.v);
    return st;
}

/* Reopening */

/* Whom a reopen concerns: the decision's reviewer and approver, and the supervisors. */
static void
reopen_notice(cr_db *db, const struct cr_config *cfg, const struct cr_person *me,
              const struct cr_case_state *cs)
{
    const char *login[64];
    size_t n = 0;
    const char *named[2] = {cs->decided_by, cs->approved_by};
    for (size_t i = 0; i < 2 + cfg->n_people && n < CR_ARRAY_LEN(login); i++) {
        const struct cr_person *p =
            i < 2 ? (named[i] ? cr_config_person(cfg, named[i]) : NULL) : &cfg->people[i - 2];
        if (!p || strcmp(p->login, me->login) == 0 ||
            (i >= 2 && !cr_person_has(p, CR_ROLE_SUPERVISOR)) ||
            cr_policy_conflicted(cfg, p, cs->subject_unit, cs->subject_ref))
            continue;
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen |= strcmp(login[k], p->login) == 0;
        if (!seen)
            login[n++] = p->login;
    }
    cr_notice_set(db, "reopen", cs->id, login, n);
}

static enum cr_status
reopen(cr_db *db, const struct cr_case_ref *ref, const char *reason, int64_t expect_version,
       struct cr_act_result *res)
{
    if (!db)
        return CR_USAGE;
    if (!res)
        return cr_fail(db, CR_USAGE, "reopen needs a result to fill");
    memset(res, 0, sizeof *res);
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK || (st = cr_text_fits(db, "the reason", reason)) != CR_OK)
        return st;
    if ((st = st_writable(db)) != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    int64_t id;
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    struct cr_buf why = {0}, d = {0}, note = {0};
    if ((st = st_case_ref(db, ref, &id)) != CR_OK || (st = st_case_state(db, id, &cs)) != CR_OK ||
        (st = version_seen(db, &cs, expect_version)) != CR_OK)
        goto out;
    const struct cr_config *cfg = st_config(db);
    const struct cr_person *me = st_user(db);
    if (!reopen_may(cfg, me, &cs, &why)) {
        st = cr_fail(db, CR_REFUSED, "%s", why.p ? why.p : "refused");
        goto out;
    }
    if (cr_blank(reason)) {
        st = cr_fail(db, CR_REFUSED,
                     "reopen needs a reason: why case %lld is decided again (an appeal, a court "
                     "ruling, new evidence)",
                     (long long)cs.id);
        goto out;
    }
    /*
     * As a panel's return starts a new round (workflow.c): the decision
     * stays on the record and the next one is round + 1, whose approval and
     * votes are its own; here the case goes back to the queue, unassigned.
     */
    cr_buf_addf(&note, "Reopened for a new round; decision %d no longer stands: %s", cs.round,
                reason);
    struct cr_change ch = {.state = CR_STATE_FLAGGED,
                           .set_assignee = true,
                           .assignee = NULL,
                           .note_kind = "system",
                           .note_body = note.p,
                           .quorum_blocked = 0,
                           .bump_version = true,
                           .panel_round = -1,
                           .set_clock = true,
                           .clock_shift = 0,
                           /* A pause it was closed under is over: the new round's clock runs. */
                           .resume = cs.paused_until != 0,
                           .action = -1};
    cr_buf_addf(&d, "{\"round\": %d, \"reason\": ", cs.round);
    cr_buf_add_json(&d, reason);
    cr_buf_addf(&d, ", \"note\": ");
    cr_buf_add_json(&d, note.p ? note.p : "");
    cr_buf_addc(&d, '}');
    if (!d.p || !note.p) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
        goto out;
    }
    if ((st = st_apply(db, &cs, &ch)) != CR_OK ||
        (st = cr_audit_append(db, cs.id, "reopen", cr_state_name(cs.state),
                              cr_state_name(CR_STATE_FLAGGED), d.p)) != CR_OK)
        goto out;
    if ((st = st_commit(db)) == CR_OK) {
        res->case_id = cs.id;
        res->state_before = cs.state;
        res->state_after = CR_STATE_FLAGGED;
        res->version = cs.version + 1;
        reopen_notice(db, cfg, me, &cs);
    }
out:
    if (st != CR_OK)
        st_rollback(db);
    cr_case_state_free(&cs);
    cr_buf_free(&why);
    cr_buf_free(&d);
    cr_buf_free(&note);
    return st;
}

enum cr_status
cr_case_reopen(cr_db *db, const char *key, const char *reason, int64_t expect_version,
               struct cr_act_result *res)
{
    const struct cr_case_ref ref = {key, 0};
    return reopen(db, &ref, reason, expect_version, res);
}

enum cr_status
cr_case_reopen_id(cr_db *db, int64_t case_id, const char *reason, int64_t expect_version,
                  struct cr_act_result *res)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return reopen(db, &ref, reason, expect_version, res);
}

enum cr_status
cr_after_allowed_id(cr_db *db, int64_t case_id, unsigned *allowed)
{
    *allowed = 0;
    enum cr_status st = cr_need_user(db);
    int64_t id;
    const struct cr_case_ref ref = {NULL, case_id};
    if (st != CR_OK || (st = st_case_ref(db, &ref, &id)) != CR_OK)
        return st;
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    if ((st = st_case_state(db, id, &cs)) == CR_OK) {
        struct cr_buf why = {0};
        if (followup_may(st_config(db), st_user(db), &cs, &why))
            *allowed |= CR_AFTER_FOLLOWUP;
        if (reopen_may(st_config(db), st_user(db), &cs, &why))
            *allowed |= CR_AFTER_REOPEN;
        cr_buf_free(&why);
    }
    cr_case_state_free(&cs);
    return st;
}

enum cr_status
cr_after_check_id(cr_db *db, int64_t case_id, unsigned what)
{
    enum cr_status st = cr_need_user(db);
    int64_t id;
    const struct cr_case_ref ref = {NULL, case_id};
    if (st != CR_OK || (st = st_case_ref(db, &ref, &id)) != CR_OK)
        return st;
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    if ((st = st_case_state(db, id, &cs)) == CR_OK) {
        struct cr_buf why = {0};
        bool may = what == CR_AFTER_REOPEN ? reopen_may(st_config(db), st_user(db), &cs, &why)
                                           : followup_may(st_config(db), st_user(db), &cs, &why);
        if (!may)
            st = cr_fail(db, CR_REFUSED, "%s", why.p ? why.p : "refused");
        cr_buf_free(&why);
    }
    cr_case_state_free(&cs);
    return st;
}
