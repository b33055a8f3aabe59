/*
 * The review workflow (SPEC sections 3 and 4): one table of rules, one
 * check, one place that turns an allowed action into a change and an audit
 * event.  The command line and the terminal interface both come here, so
 * both get the same refusal with the same words.
 */
#include "internal.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define ROLE(r) (1u << CR_ROLE_##r)
#define STATE(s) (1u << CR_STATE_##s)
#define ANY_ROLE (ROLE(REVIEWER) | ROLE(SUPERVISOR) | ROLE(ADMIN) | ROLE(PANEL))
#define OPEN_STATES                                                                       \
    (STATE(FLAGGED) | STATE(IN_REVIEW) | STATE(AWAITING_APPROVAL) | STATE(PANEL_REVIEW) | \
     STATE(RETURNED))

/* One check in progress: who, on what, asking for what. */
struct wf {
    const struct cr_config *cfg;
    const struct cr_person *me;
    const struct cr_case_state *cs;
    const struct cr_request *req; /* NULL: only "could this user do it now?" */
    struct cr_buf *why;
};

typedef bool guard_fn(const struct wf *w);

static guard_fn guard_claim, guard_release, guard_assign, guard_decide, guard_approve, guard_return,
    guard_vote, guard_note, guard_reconvene, guard_recall;

/*
 * The workflow: for each action, the states it starts from, who may take
 * it, where it goes, and whether what a person types for it is kept as a
 * draft until they submit it.
 */
static const struct rule {
    unsigned from;
    unsigned roles;
    int to; /* -1: the action decides (approve, vote) or the state stays (note) */
    guard_fn *guard;
    bool draft;
} rules[CR_ACTION_COUNT] = {
    [CR_ACTION_CLAIM] = {STATE(FLAGGED), ROLE(REVIEWER), CR_STATE_IN_REVIEW, guard_claim, false},
    [CR_ACTION_RELEASE] = {STATE(IN_REVIEW), ROLE(REVIEWER) | ROLE(SUPERVISOR), CR_STATE_FLAGGED,
                           guard_release, false},
    [CR_ACTION_ASSIGN] = {STATE(FLAGGED) | STATE(IN_REVIEW) | STATE(RETURNED), ROLE(SUPERVISOR),
                          CR_STATE_IN_REVIEW, guard_assign, true},
    [CR_ACTION_DECIDE] = {STATE(IN_REVIEW) | STATE(RETURNED), ROLE(REVIEWER),
                          CR_STATE_AWAITING_APPROVAL, guard_decide, true},
    [CR_ACTION_APPROVE] = {STATE(AWAITING_APPROVAL), ROLE(SUPERVISOR), -1, guard_approve, false},
    [CR_ACTION_RETURN] = {STATE(AWAITING_APPROVAL), ROLE(SUPERVISOR), CR_STATE_RETURNED,
                          guard_return, true},
    [CR_ACTION_VOTE] = {STATE(PANEL_REVIEW), ROLE(PANEL), -1, guard_vote, true},
    [CR_ACTION_NOTE] = {OPEN_STATES, ANY_ROLE, -1, guard_note, true},
    /* A case that cannot reach quorum: a new sitting of the panel, or back to the reviewer. */
    [CR_ACTION_RECONVENE] = {STATE(PANEL_REVIEW), ROLE(ADMIN), CR_STATE_PANEL_REVIEW,
                             guard_reconvene, false},
    [CR_ACTION_RECALL] = {STATE(PANEL_REVIEW), ROLE(SUPERVISOR) | ROLE(ADMIN), CR_STATE_RETURNED,
                          guard_recall, false},
};

/*
 * What the system does by itself, in the same terms: the states a system
 * action starts from and where it takes the case (internal.h).
 */
static const struct system_rule {
    unsigned from;
    int to;
} system_rules[CR_SYSTEM_COUNT] = {
    /* A new allegation of a decided case: the decision was taken without it. */
    [CR_SYSTEM_IMPORT_RETURN] = {STATE(AWAITING_APPROVAL) | STATE(PANEL_REVIEW), CR_STATE_RETURNED},
};

static bool refuse(const struct wf *w, const char *fmt, ...) CR_PRINTF(2, 3);

static bool
refuse(const struct wf *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* Whole, however long the names in it: a unit is imported text of any length. */
    char *msg = cr_vformat(fmt, ap);
    va_end(ap);
    cr_buf_reset(w->why);
    if (msg)
        cr_buf_add(w->why, msg, strlen(msg));
    free(msg);
    return false;
}

static bool
same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Whether a conflict of interest (same unit, or declared) keeps the person from the case
 * (policy.c). */
static bool
conflicted(const struct cr_config *cfg, const struct cr_person *p, const struct cr_case_state *cs)
{
    return cr_policy_conflicted(cfg, p, cs->subject_unit, cs->subject_ref);
}

/* The refusal for a conflict of interest, naming it (policy.c). */
static void
conflict_text(const struct cr_config *cfg, const struct cr_person *p,
              const struct cr_case_state *cs, bool self, const char *doing, struct cr_buf *out)
{
    cr_policy_conflict_text(cfg, p, cs->subject_unit, cs->subject_ref, self, doing, out);
}

/* Need-to-know (policy.c): a panel member alone sees only cases that went before the panel. */
static bool
kept_from_panel(const struct cr_person *p, const struct cr_case_state *cs)
{
    return cr_policy_panel_only(p) && cs->panel_round == 0;
}

static void
roles_text(unsigned roles, char *out, size_t n)
{
    cr_names_text(roles, CR_ROLE_COUNT, cr_role_name, out, n);
}

static void
states_text(unsigned states, char *out, size_t n)
{
    cr_names_text(states, CR_STATE_COUNT, cr_state_name, out, n);
}

/*
 * Separation of duties, per case and across rounds: whoever decides a case
 * neither approves, returns nor votes on it; whoever approves or returns it
 * neither decides nor votes on it; whoever votes (or recuses) neither
 * decides, approves nor returns it.  For each action, the earlier acts that
 * bar a person from it.
 */
#define ACT(a) (1u << CR_ACTION_##a)
static unsigned
barred_by(int action)
{
    switch (action) {
    case CR_ACTION_CLAIM:
    case CR_ACTION_ASSIGN:
    case CR_ACTION_DECIDE:
        return ACT(APPROVE) | ACT(RETURN) | ACT(VOTE);
    case CR_ACTION_APPROVE:
    case CR_ACTION_RETURN:
        return ACT(DECIDE) | ACT(VOTE);
    case CR_ACTION_VOTE:
        return ACT(DECIDE) | ACT(APPROVE) | ACT(RETURN);
    case CR_ACTION_RECONVENE: /* sets dissents aside: for the decision and its approval */
        return ACT(DECIDE) | ACT(APPROVE) | ACT(VOTE);
    case CR_ACTION_RECALL:
        return ACT(DECIDE) | ACT(VOTE);
    default:
        return 0;
    }
}

/* The first act of login on the case that bars them from action, or NULL. */
static const struct cr_case_act *
barring_act(const struct cr_case_state *cs, const char *login, int action)
{
    unsigned barred = barred_by(action);
    for (size_t i = 0; i < cs->n_acts; i++)
        if (cs->acts[i].action >= 0 && (barred & (1u << cs->acts[i].action)) &&
            same(cs->acts[i].login, login))
            return &cs->acts[i];
    return NULL;
}

/* "voted on decision 1 of case 7", for a refusal. */
static void
act_text(const struct cr_case_state *cs, const struct cr_case_act *a, char *out, size_t n)
{
    if (a->action == CR_ACTION_DECIDE) {
        snprintf(out, n, "decided case %lld (decision %d)", (long long)cs->id, a->round);
        return;
    }
    const char *verb = a->action == CR_ACTION_APPROVE  ? "approved"
                       : a->action == CR_ACTION_RETURN ? "returned"
                       : a->vote == CR_VOTE_RECUSE     ? "recused from"
                                                       : "voted on";
    snprintf(out, n, "%s decision %d of case %lld", verb, a->round, (long long)cs->id);
}

/*
 * Refuse when login did something on the case that bars them from action;
 * what names the action for the message ("approve", "review").
 */
static bool
separated(const struct wf *w, const char *login, int action, const char *what)
{
    const struct cr_case_act *a = barring_act(w->cs, login, action);
    if (!a)
        return true;
    char did[96];
    act_text(w->cs, a, did, sizeof did);
    if (same(login, w->me->login))
        return refuse(w, "you (%s) %s, so you cannot %s it (separation of duties, across rounds)",
                      login, did, what);
    return refuse(w, "%s %s, so they cannot %s it (separation of duties, across rounds)", login,
                  did, what);
}

/*
 * What every action on a case asks first, in this order: the case is open,
 * the user may see it (need-to-know, conflicts) and has one of roles.
 * name is the action's, for the refusal.
 */
static bool
may_act(const struct wf *w, const char *name, unsigned roles)
{
    const struct cr_case_state *cs = w->cs;
    if (cs->state == CR_STATE_CLOSED)
        return refuse(w, "case %lld is closed, and nothing changes a closed case",
                      (long long)cs->id);
    if (kept_from_panel(w->me, cs))
        return refuse(w, CR_NEED_TO_KNOW_TEXT, (long long)cs->id);
    if (conflicted(w->cfg, w->me, cs)) {
        conflict_text(w->cfg, w->me, cs, true, "acts on", w->why);
        return false;
    }
    if (!(w->me->roles & roles)) {
        char need[128], have[128];
        roles_text(roles, need, sizeof need);
        roles_text(w->me->roles, have, sizeof have);
        return refuse(w, "%s needs the %s role; you (%s) are %s", name, need, w->me->login,
                      *have ? have : "on the roster without a role");
    }
    return true;
}

/* The one check: state, conflicts, role, the action's own guard. */
static bool
check(const struct wf *w, int action)
{
    const struct rule *r = &rules[action];
    const struct cr_case_state *cs = w->cs;
    const char *name = cr_action_name(action);
    if (!may_act(w, name, r->roles))
        return false;
    if (!((1u << cs->state) & r->from)) {
        char need[160];
        states_text(r->from, need, sizeof need);
        return refuse(w, "%s needs a case that is %s; case %lld is %s", name, need,
                      (long long)cs->id, cr_state_name(cs->state));
    }
    return r->guard ? r->guard(w) : true;
}

/* A reviewer claims only a case they could then decide. */
static bool
guard_claim(const struct wf *w)
{
    return separated(w, w->me->login, CR_ACTION_DECIDE, "review");
}

static bool
guard_release(const struct wf *w)
{
    if (cr_person_has(w->me, CR_ROLE_SUPERVISOR) || same(w->cs->assignee, w->me->login))
        return true;
    return refuse(w, "release is for the case's reviewer (%s) or a supervisor",
                  w->cs->assignee ? w->cs->assignee : "nobody");
}

/* Whom assign may give a case to, whatever the case: a reviewer on the roster (NULL: refused). */
static const struct cr_person *
assignable(const struct wf *w, const char *target)
{
    if (cr_blank(target)) {
        refuse(w, "assign needs the login of a reviewer");
        return NULL;
    }
    const struct cr_person *p = cr_config_person(w->cfg, target);
    if (!p) {
        refuse(w, "'%s' is not on the roster", target);
        return NULL;
    }
    if (!cr_person_has(p, CR_ROLE_REVIEWER)) {
        refuse(w, "%s is not a reviewer, so cannot be assigned a case", target);
        return NULL;
    }
    return p;
}

static bool
guard_assign(const struct wf *w)
{
    if (!w->req)
        return true;
    const char *target = w->req->target;
    const struct cr_person *p = assignable(w, target);
    if (!p)
        return false;
    if (conflicted(w->cfg, p, w->cs)) {
        conflict_text(w->cfg, p, w->cs, false, NULL, w->why);
        return false;
    }
    if (w->cs->state == CR_STATE_IN_REVIEW && same(w->cs->assignee, target))
        return refuse(w, "case %lld is already assigned to %s", (long long)w->cs->id, target);
    return separated(w, target, CR_ACTION_DECIDE, "review");
}

static bool
guard_decide(const struct wf *w)
{
    const struct cr_case_state *cs = w->cs;
    if (!cs->assignee)
        return refuse(w, "nobody is assigned case %lld; claim it first", (long long)cs->id);
    if (!same(cs->assignee, w->me->login))
        return refuse(w, "decide is for the case's assigned reviewer (%s)", cs->assignee);
    if (!separated(w, w->me->login, CR_ACTION_DECIDE, "decide"))
        return false;
    if (!w->req)
        return true;
    if (w->req->outcome < 0 || w->req->outcome >= CR_OUTCOME_COUNT)
        return refuse(w, "decide needs an outcome: nfa, reassess or refer");
    if (cr_blank(w->req->rationale))
        return refuse(w, "decide needs a rationale: the information considered, the assessment "
                         "of threat and risk, the powers and policy, the options considered and "
                         "the reasons for the option chosen");
    if (w->req->vetting_review && w->req->outcome != CR_OUTCOME_REFER)
        return refuse(w, "a vetting review goes only with the outcome refer, not %s",
                      cr_outcome_name(w->req->outcome));
    return true;
}

static bool
guard_approve(const struct wf *w)
{
    return separated(w, w->me->login, CR_ACTION_APPROVE, "approve");
}

static bool
guard_return(const struct wf *w)
{
    if (!separated(w, w->me->login, CR_ACTION_RETURN, "return"))
        return false;
    if (w->req && cr_blank(w->req->reason))
        return refuse(w, "return needs a reason for the reviewer");
    return true;
}

static bool
guard_vote(const struct wf *w)
{
    const struct cr_case_state *cs = w->cs;
    const char *me = w->me->login;
    if (!separated(w, me, CR_ACTION_VOTE, "vote on"))
        return false;
    for (size_t i = 0; i < cs->n_votes; i++)
        if (same(cs->votes[i].member, me))
            return refuse(w,
                          "you (%s) have already voted on this decision (%s); one vote per "
                          "member per decision",
                          me, cr_vote_name(cs->votes[i].vote));
    if (!w->req)
        return true;
    int v = w->req->vote;
    if (v < 0 || v >= CR_VOTE_COUNT)
        return refuse(w, "vote needs concur, dissent or recuse");
    if (v == CR_VOTE_DISSENT && cr_blank(w->req->reason))
        return refuse(w, "a dissent needs your reasons");
    if (v == CR_VOTE_RECUSE && cr_blank(w->req->reason))
        return refuse(w, "a recusal needs a reason (the conflict of interest)");
    return true;
}

static bool
guard_note(const struct wf *w)
{
    if (w->req && cr_blank(w->req->text))
        return refuse(w, "a note needs text");
    return true;
}

/* Every action the user could take now, as bits. */
static unsigned
allowed(const struct wf *w0)
{
    struct cr_buf scratch = {0};
    struct wf w = *w0;
    w.req = NULL;
    w.why = &scratch;
    unsigned mask = 0;
    for (int a = 0; a < CR_ACTION_COUNT; a++)
        if (check(&w, a))
            mask |= 1u << a;
    cr_buf_free(&scratch);
    return mask;
}

/* Append " You may: a, b." (or that nothing may be done) to the refusal. */
static void
add_alternatives(const struct wf *w)
{
    unsigned mask = allowed(w);
    if (!mask) {
        cr_buf_addf(w->why, ". There is nothing you may do on case %lld now", (long long)w->cs->id);
        return;
    }
    cr_buf_addf(w->why, ". You may: ");
    bool first = true;
    for (int a = 0; a < CR_ACTION_COUNT; a++) {
        if (mask & (1u << a)) {
            cr_buf_addf(w->why, "%s%s", first ? "" : ", ", cr_action_name(a));
            first = false;
        }
    }
}

/* The one verdict: CR_OK, or CR_REFUSED with the rule's words and what the user may do. */
static enum cr_status
judge(cr_db *db, const struct wf *w, int action)
{
    if (check(w, action))
        return CR_OK;
    add_alternatives(w);
    return cr_fail(db, CR_REFUSED, "%s", w->why->p ? w->why->p : "refused");
}

/* The panel */

struct tally {
    int concur, dissent, concur_kind[CR_KIND_COUNT];
};

/*
 * Whether the quorum can still be reached: the concurrences so far plus
 * every member who could still vote (not the case's reviewer or approver,
 * not conflicted, not yet voted) against what the sign-off needs.
 */
static bool
quorum_reachable(const struct wf *w, const struct cr_signoff *so, const struct tally *t,
                 const char *approver, const char *new_voter)
{
    const struct cr_case_state *cs = w->cs;
    int remaining = 0, remaining_kind[CR_KIND_COUNT] = {0};
    for (size_t i = 0; i < w->cfg->n_people; i++) {
        const struct cr_person *p = &w->cfg->people[i];
        if (!cr_person_has(p, CR_ROLE_PANEL) || barring_act(cs, p->login, CR_ACTION_VOTE) ||
            same(p->login, approver) || same(p->login, new_voter) || conflicted(w->cfg, p, cs))
            continue;
        bool voted = false;
        for (size_t v = 0; v < cs->n_votes; v++)
            voted |= same(cs->votes[v].member, p->login);
        if (voted)
            continue;
        remaining++;
        if (p->kind >= 0)
            remaining_kind[p->kind]++;
    }
    if (t->concur + remaining < so->concur)
        return false;
    for (int k = 0; k < CR_KIND_COUNT; k++)
        if (t->concur_kind[k] + remaining_kind[k] < so->require_kinds[k])
            return false;
    return true;
}

static void
count_vote(struct tally *t, int vote, int kind)
{
    if (vote == CR_VOTE_CONCUR) {
        t->concur++;
        if (kind >= 0)
            t->concur_kind[kind]++;
    } else if (vote == CR_VOTE_DISSENT) {
        t->dissent++;
    }
}

/*
 * Reconvene and recall resolve a case the panel cannot close.  Whoever took
 * part in a decision of the case or in a sitting on it, in any round, does
 * not resolve it: not a reviewer who decided it (either action would let
 * them escape or redo the panel's scrutiny of their own decision), and not
 * a member who voted or recused (they would be overriding their own panel).  A
 * reconvene also sets aside every vote, dissents included, which favours the
 * decision: so its approving supervisor may not reconvene either.  Recall
 * sends the decision back for a new one, against the approval, so the
 * approver may recall.
 */
static bool
resolves_blocked(const struct wf *w, int action, const char *what)
{
    const struct cr_case_state *cs = w->cs;
    const char *me = w->me->login;
    if (!cs->quorum_blocked)
        return refuse(w,
                      "%s is only for a case that cannot reach quorum; the panel can still "
                      "reach it on case %lld, so it goes on voting",
                      what, (long long)cs->id);
    /* The reviewer, the approver (for reconvene) and the sitting's voters: barred_by. */
    return separated(w, me, action, what);
}

static bool
guard_reconvene(const struct wf *w)
{
    const struct cr_case_state *cs = w->cs;
    if (!resolves_blocked(w, CR_ACTION_RECONVENE, "reconvene"))
        return false;
    /* A new sitting: nobody has voted yet.  Pointless unless the panel could then close it. */
    struct cr_case_state fresh = *cs;
    fresh.n_votes = 0;
    struct wf w2 = *w;
    w2.cs = &fresh;
    struct tally none = {0};
    if (cs->outcome >= 0 &&
        !quorum_reachable(&w2, &w->cfg->signoff[cs->outcome], &none, cs->approved_by, NULL))
        return refuse(w,
                      "even a new sitting could not reach quorum on case %lld: too few panel "
                      "members may vote on it (not its reviewer or approver, not in the "
                      "subject's unit); add members to panel.members, or recall it to its "
                      "reviewer",
                      (long long)cs->id);
    if (w->req && cr_blank(w->req->reason))
        return refuse(w, "reconvene needs a reason (why the panel sits again)");
    return true;
}

static bool
guard_recall(const struct wf *w)
{
    if (!resolves_blocked(w, CR_ACTION_RECALL, "recall"))
        return false;
    if (w->req && cr_blank(w->req->reason))
        return refuse(w, "recall needs a reason for the reviewer");
    return true;
}

/*
 * What every change to a case carries with it, whoever makes it (a person's
 * action or the system's): a new decision has not been before the panel,
 * so it is not held as unable to reach quorum; and a case that is before
 * the panel holds the decision it went there with (need-to-know: a panel
 * member sees the cases with a panel_round).  The engine writes them as
 * given, with the rest of the case's row (only when the version moves).
 */
static void
settle(const struct cr_case_state *cs, struct cr_change *ch)
{
    if (ch->decide && ch->quorum_blocked < 0)
        ch->quorum_blocked = 0;
    int round = cs->round + (ch->decide ? 1 : 0);
    int state = ch->state >= 0 ? ch->state : cs->state;
    /* A routing (cr_case_route) is for the approval it waits for: any change of state ends it. */
    if (ch->bump_version && state != cs->state && cs->approver) {
        ch->set_approver = true;
        ch->approver = NULL;
    }
    ch->panel_round =
        ch->bump_version && state == CR_STATE_PANEL_REVIEW && cs->panel_round != round ? round : -1;
}

/*
 * What begins a sitting of the panel on a case, by its audit event: a
 * decision (a new round goes before the panel afresh) or a reconvene (the
 * votes before it were set aside).
 */
static const char *const sitting_starts[] = {"decide", "reconvene", NULL};

/* Turn an allowed request into a change and the details of its audit event. */
static enum cr_status
plan(cr_db *db, const struct wf *w, int action, struct cr_change *ch, struct cr_buf *d,
     struct cr_buf *note)
{
    const struct cr_case_state *cs = w->cs;
    const struct cr_request *req = w->req;
    const char *me = w->me->login;
    memset(ch, 0, sizeof *ch);
    ch->action = action;
    ch->state = rules[action].to;
    ch->quorum_blocked = -1;
    ch->panel_round = -1;
    ch->bump_version = true;
    cr_buf_addc(d, '{');
    switch (action) {
    case CR_ACTION_CLAIM:
        ch->set_assignee = true;
        ch->assignee = me;
        break;
    case CR_ACTION_RELEASE:
        ch->set_assignee = true;
        ch->assignee = NULL;
        cr_buf_addf(d, "\"assignee\": ");
        cr_buf_add_json(d, cs->assignee ? cs->assignee : "");
        break;
    case CR_ACTION_ASSIGN:
        ch->set_assignee = true;
        ch->assignee = req->target;
        cr_buf_addf(d, "\"assignee\": ");
        cr_buf_add_json(d, req->target);
        if (cs->assignee) {
            cr_buf_addf(d, ", \"previous\": ");
            cr_buf_add_json(d, cs->assignee);
        }
        break;
    case CR_ACTION_DECIDE:
        ch->decide = true;
        ch->outcome = req->outcome;
        ch->vetting_review = req->vetting_review ? 1 : 0;
        ch->rationale = req->rationale;
        cr_buf_addf(
            d, "\"round\": %d, \"outcome\": \"%s\", \"vetting_review\": %s, \"rationale\": ",
            cs->round + 1, cr_outcome_name(req->outcome), req->vetting_review ? "true" : "false");
        cr_buf_add_json(d, req->rationale);
        break;
    case CR_ACTION_APPROVE: {
        const struct cr_signoff *so = &w->cfg->signoff[cs->outcome >= 0 ? cs->outcome : 0];
        ch->approve = true;
        ch->state = so->panel ? CR_STATE_PANEL_REVIEW : CR_STATE_CLOSED;
        struct tally t = {0};
        ch->quorum_blocked = so->panel && !quorum_reachable(w, so, &t, me, NULL);
        cr_buf_addf(d, "\"round\": %d, \"outcome\": \"%s\", \"panel\": %s", cs->round,
                    cr_outcome_name(cs->outcome), so->panel ? "true" : "false");
        break;
    }
    case CR_ACTION_RETURN:
        ch->note_kind = "return";
        ch->note_body = req->reason;
        cr_buf_addf(d, "\"round\": %d, \"reason\": ", cs->round);
        cr_buf_add_json(d, req->reason);
        break;
    case CR_ACTION_VOTE: {
        const struct cr_signoff *so = &w->cfg->signoff[cs->outcome >= 0 ? cs->outcome : 0];
        ch->vote = true;
        ch->vote_value = req->vote;
        ch->member_kind = w->me->kind;
        ch->reason = req->vote == CR_VOTE_CONCUR || cr_blank(req->reason) ? NULL : req->reason;
        if (cs->votes_withheld) {
            /*
             * The engine kept the round's votes from the member (blind voting, the
             * server the boundary): what the vote does is its to work out, and act()
             * reads the result back.
             */
            cr_buf_addf(d, "\"round\": %d, \"vote\": \"%s\", \"kind\": \"%s\"", cs->round,
                        cr_vote_name(req->vote), cr_kind_name(w->me->kind));
            if (ch->reason) {
                cr_buf_addf(d, ", \"reason\": ");
                cr_buf_add_json(d, ch->reason);
            }
            break;
        }
        struct tally t = {0};
        for (size_t i = 0; i < cs->n_votes; i++)
            count_vote(&t, cs->votes[i].vote, cs->votes[i].kind);
        count_vote(&t, req->vote, w->me->kind);
        bool kinds = true;
        for (int k = 0; k < CR_KIND_COUNT; k++)
            kinds &= t.concur_kind[k] >= so->require_kinds[k];
        const char *result = "open";
        if (t.dissent >= so->dissent) {
            /* Back to the reviewer, with every dissent's reasons. */
            ch->state = CR_STATE_RETURNED;
            ch->quorum_blocked = 0;
            cr_buf_addf(note, "The panel returned decision %d:", cs->round);
            for (size_t i = 0; i < cs->n_votes; i++)
                if (cs->votes[i].vote == CR_VOTE_DISSENT)
                    cr_buf_addf(note, "\n- %s (%s): %s", cs->votes[i].member,
                                cr_kind_name(cs->votes[i].kind), cs->votes[i].reason);
            cr_buf_addf(note, "\n- %s (%s): %s", me, cr_kind_name(w->me->kind), req->reason);
            ch->note_kind = "dissent";
            ch->note_author = "panel";
            ch->note_body = note->p;
            result = "returned";
        } else if (t.concur >= so->concur && kinds) {
            ch->state = CR_STATE_CLOSED;
            ch->quorum_blocked = 0;
            result = "closed";
        } else {
            ch->quorum_blocked = !quorum_reachable(w, so, &t, cs->approved_by, me);
            if (ch->quorum_blocked)
                result = "cannot reach quorum";
        }
        cr_buf_addf(d, "\"round\": %d, \"vote\": \"%s\", \"kind\": \"%s\"", cs->round,
                    cr_vote_name(req->vote), cr_kind_name(w->me->kind));
        if (ch->reason) {
            cr_buf_addf(d, ", \"reason\": ");
            cr_buf_add_json(d, ch->reason);
        }
        cr_buf_addf(d, ", \"result\": \"%s\"", result);
        break;
    }
    case CR_ACTION_NOTE:
        ch->bump_version = false;
        ch->note_body = req->text;
        cr_buf_addf(d, "\"note\": ");
        cr_buf_add_json(d, req->text);
        break;
    case CR_ACTION_RECONVENE: {
        /*
         * The sitting's votes are set aside: named by their audit events (a
         * blind member reading the history learns no more than those events
         * show them).  Every member may vote again.
         */
        int64_t *events = NULL;
        size_t n = 0;
        enum cr_status st = st_sitting_vote_events(db, cs->id, sitting_starts, &events, &n);
        if (st != CR_OK)
            return st;
        ch->supersede_votes = true;
        ch->quorum_blocked = 0;
        cr_buf_addf(d, "\"round\": %d, \"reason\": ", cs->round);
        cr_buf_add_json(d, req->reason);
        cr_buf_addf(d, ", \"votes_set_aside\": %zu, \"vote_events\": [", cs->n_votes);
        for (size_t i = 0; i < n; i++)
            cr_buf_addf(d, "%s%lld", i ? ", " : "", (long long)events[i]);
        free(events);
        cr_buf_addf(note,
                    "The panel sits again on decision %d: %s\nThe %zu %s cast before "
                    "(recusals included) no longer count; every member may vote.",
                    cs->round, req->reason, cs->n_votes, cs->n_votes == 1 ? "vote" : "votes");
        ch->note_kind = "system";
        ch->note_body = note->p;
        /* The note's words too, so that a replay of the trail can check the notes. */
        cr_buf_addf(d, "], \"quorum_blocked\": false, \"note\": ");
        cr_buf_add_json(d, note->p ? note->p : "");
        break;
    }
    case CR_ACTION_RECALL:
        /* As a return: the reason is a note for the reviewer; a new decision starts a round. */
        ch->quorum_blocked = 0;
        ch->note_kind = "return";
        ch->note_body = req->reason;
        cr_buf_addf(d, "\"round\": %d, \"reason\": ", cs->round);
        cr_buf_add_json(d, req->reason);
        cr_buf_addf(d, ", \"votes\": %zu, \"quorum_blocked\": false", cs->n_votes);
        break;
    }
    cr_buf_addc(d, '}');
    if (!d->p || (ch->note_kind && !ch->note_body))
        return cr_fail(db, CR_NOMEM, "out of memory");
    return CR_OK;
}

/*
 * What people write for an action (a rationale, a reason, a note) is kept
 * in the case, its notes and the audit trail, and shown whole: at most
 * CR_TEXT_MAX_BYTES, and well-formed UTF-8 (what is not cannot be shown
 * or exported faithfully).
 */
enum cr_status
cr_text_fits(cr_db *db, const char *what, const char *text)
{
    if (!text)
        return CR_OK;
    size_t n = strlen(text), bad;
    if (n > CR_TEXT_MAX_BYTES)
        return cr_fail(db, CR_REFUSED,
                       "%s is %zu bytes, more than the limit of %d bytes (64 KiB); shorten it, "
                       "and keep longer material in the case file, referred to by name",
                       what, n, CR_TEXT_MAX_BYTES);
    if (!cr_utf8_valid(text, n, &bad))
        return cr_fail(db, CR_REFUSED,
                       "%s is not valid UTF-8 (at byte %zu); save it as UTF-8 and try again", what,
                       bad + 1);
    return CR_OK;
}

static enum cr_status
texts_fit(cr_db *db, const struct cr_request *req)
{
    enum cr_status st = CR_OK;
    switch (req->action) {
    case CR_ACTION_DECIDE:
        st = cr_text_fits(db, "the rationale", req->rationale);
        break;
    case CR_ACTION_NOTE:
        st = cr_text_fits(db, "the note", req->text);
        break;
    case CR_ACTION_RETURN:
    case CR_ACTION_VOTE:
    case CR_ACTION_RECONVENE:
    case CR_ACTION_RECALL:
        st = cr_text_fits(db, "the reason", req->reason);
        break;
    }
    return st;
}

/*
 * Whom an action concerns, for its notice (cr_last_notice): logins off the
 * roster and the case, never the actor, each once, in the roster's order
 * where it gives one.  action is an enum cr_action, or -1 for a pause or a
 * resume; cs is the case before the action, req what was asked (NULL for
 * a pause or resume), after the state it left the case in.
 */
struct recipients {
    const char *login[64];
    size_t n;
};

/*
 * Add login, unless it is the actor's, or someone who may not see the case
 * now: off the roster, or kept from it by a conflict of interest (declared
 * or of their unit, perhaps since the case came to them: SPEC section 4,
 * need-to-know holds for a notice as for a list).
 */
static void
recipient_add(struct recipients *r, const struct wf *w, const char *login)
{
    const char *me = w->me->login;
    if (!login || same(login, me) || r->n == CR_ARRAY_LEN(r->login))
        return;
    const struct cr_person *p = cr_config_person(w->cfg, login);
    if (!p || conflicted(w->cfg, p, w->cs))
        return;
    for (size_t i = 0; i < r->n; i++)
        if (same(r->login[i], login))
            return;
    r->login[r->n++] = login;
}

/* Everyone with the role who may act on the case and is not barred from action. */
static void
recipients_with(struct recipients *r, const struct wf *w, int role, int action)
{
    for (size_t i = 0; i < w->cfg->n_people; i++) {
        const struct cr_person *p = &w->cfg->people[i];
        if (cr_person_has(p, role) && !conflicted(w->cfg, p, w->cs) &&
            (action < 0 || !barring_act(w->cs, p->login, action)))
            recipient_add(r, w, p->login);
    }
}

static void
notice_for(cr_db *db, const struct wf *w, int action, const char *kind, int after, bool add)
{
    const struct cr_case_state *cs = w->cs;
    const char *reviewer = cs->assignee ? cs->assignee : cs->decided_by;
    struct recipients r = {.n = 0};
    switch (action) {
    case CR_ACTION_CLAIM:
    case CR_ACTION_RELEASE:
    case CR_ACTION_RETURN:
    case CR_ACTION_NOTE:
    case CR_ACTION_RECALL:
        recipient_add(&r, w, reviewer);
        break;
    case CR_ACTION_ASSIGN:
        recipient_add(&r, w, w->req ? w->req->target : NULL);
        recipient_add(&r, w, cs->assignee);
        break;
    case CR_ACTION_DECIDE:
        recipients_with(&r, w, CR_ROLE_SUPERVISOR, CR_ACTION_APPROVE);
        break;
    case CR_ACTION_APPROVE:
    case CR_ACTION_RECONVENE:
    case CR_ACTION_VOTE:
        if (after == CR_STATE_PANEL_REVIEW && action != CR_ACTION_VOTE)
            recipients_with(&r, w, CR_ROLE_PANEL, CR_ACTION_VOTE);
        else if (after == CR_STATE_CLOSED || after == CR_STATE_RETURNED)
            recipient_add(&r, w, reviewer);
        break;
    default: /* a pause or a resume */
        recipient_add(&r, w, cs->assignee);
        recipients_with(&r, w, CR_ROLE_SUPERVISOR, -1);
        break;
    }
    if (add)
        cr_notice_add(db, kind, cs->id, r.login, r.n);
    else
        cr_notice_set(db, kind, cs->id, r.login, r.n);
}

/* The notice of one action on one case, in place of the last action's. */
static void
notice_of(cr_db *db, const struct wf *w, int action, const char *kind, int after)
{
    notice_for(db, w, action, kind, after, false);
}

/* Concurrent edits: the version the user acted on (0: the current) must be the case's. */
static enum cr_status
version_seen(cr_db *db, const struct cr_case_state *cs, int64_t expect)
{
    if (expect > cs->version)
        /* Nobody changed it: the version given is one the case has never had. */
        return cr_fail(db, CR_REFUSED,
                       "case %lld is at version %lld; version %lld, which you gave, it has never "
                       "had; look at it again (show %lld) and give the version shown",
                       (long long)cs->id, (long long)cs->version, (long long)expect,
                       (long long)cs->id);
    if (expect && expect != cs->version) {
        char when[21];
        cr_time_format(cs->updated_at, when);
        return cr_fail(db, CR_REFUSED,
                       "case %lld was changed by %s at %s (it is now version %lld; you saw "
                       "version %lld); look at it again before you act",
                       (long long)cs->id, cs->updated_by ? cs->updated_by : "someone", when,
                       (long long)cs->version, (long long)expect);
    }
    return CR_OK;
}

/*
 * A change of state starts the new state's SLA clock afresh (the engine
 * sets state_since): it has stood still for nothing yet, unless the case
 * is paused, and then for the rest of the pause.
 */
static void
clock_on_change(cr_db *db, const struct cr_case_state *cs, struct cr_change *ch)
{
    if (ch->state < 0 || ch->state == cs->state || !ch->bump_version)
        return;
    int64_t now = cr_db_tx_now(db);
    ch->set_clock = true;
    ch->clock_shift = cs->paused_until > now ? cs->paused_until - now : 0;
}

/*
 * A vote the engine worked out (cs->votes_withheld: blind voting kept the
 * round's votes from the member): the state it left the case in, read
 * back in the same transaction, as *after, and the event's result, as
 * plan() gives it, closing details.
 */
static enum cr_status
vote_result(cr_db *db, const struct cr_case_state *cs, int *after, struct cr_buf *details)
{
    struct cr_case_state now;
    memset(&now, 0, sizeof now);
    enum cr_status st = st_case_state(db, cs->id, &now);
    if (st == CR_OK) {
        *after = now.state;
        const char *result = now.state == CR_STATE_RETURNED ? "returned"
                             : now.state == CR_STATE_CLOSED ? "closed"
                             : now.quorum_blocked           ? "cannot reach quorum"
                                                            : "open";
        if (details->len && details->p[details->len - 1] == '}')
            details->p[--details->len] = '\0';
        cr_buf_addf(details, ", \"result\": \"%s\"}", result);
        if (!details->p)
            st = cr_fail(db, CR_NOMEM, "out of memory");
    }
    cr_case_state_free(&now);
    return st;
}

static enum cr_status
act(cr_db *db, const struct cr_case_ref *ref, const struct cr_request *req,
    struct cr_act_result *res)
{
    memset(res, 0, sizeof *res);
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    if (req->action < 0 || req->action >= CR_ACTION_COUNT)
        return cr_fail(db, CR_USAGE, "no such action");
    if ((st = st_writable(db)) != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    int64_t id;
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    struct cr_buf why = {0}, details = {0}, note = {0};
    if ((st = st_case_ref(db, ref, &id)) != CR_OK || (st = st_case_state(db, id, &cs)) != CR_OK)
        goto out;

    if ((st = version_seen(db, &cs, req->expect_version)) != CR_OK)
        goto out;
    struct wf w = {st_config(db), st_user(db), &cs, req, &why};
    if ((st = judge(db, &w, req->action)) != CR_OK || (st = texts_fit(db, req)) != CR_OK)
        goto out;
    struct cr_change ch;
    if ((st = plan(db, &w, req->action, &ch, &details, &note)) != CR_OK)
        goto out;
    int after = ch.state >= 0 ? ch.state : cs.state;
    settle(&cs, &ch);
    clock_on_change(db, &cs, &ch);
    if ((st = st_apply(db, &cs, &ch)) != CR_OK ||
        (ch.vote && cs.votes_withheld && (st = vote_result(db, &cs, &after, &details)) != CR_OK))
        goto out;
    /* What the user was writing for this action is submitted now: the draft goes. */
    if (rules[req->action].draft && (st = st_draft_delete(db, cs.id, req->action)) != CR_OK)
        goto out;
    st = cr_audit_append(db, cs.id, cr_action_name(req->action), cr_state_name(cs.state),
                         cr_state_name(after), details.p);
    if (st == CR_OK && req->action == CR_ACTION_APPROVE) /* quality assurance (qa.c) */
        st = cr_qa_on_approve(db, cs.id, cs.round, cs.decided_by, cs.outcome, w.me->login);
    if (st == CR_OK)
        st = st_commit(db);
    if (st == CR_OK) {
        res->case_id = cs.id;
        res->state_before = cs.state;
        res->state_after = after;
        res->version = cs.version + (ch.bump_version ? 1 : 0);
        notice_of(db, &w, req->action, cr_action_name(req->action), after);
    }
out:
    if (st != CR_OK)
        st_rollback(db);
    cr_case_state_free(&cs);
    cr_buf_free(&why);
    cr_buf_free(&details);
    cr_buf_free(&note);
    return st;
}

enum cr_status
cr_act(cr_db *db, const char *key, const struct cr_request *req, struct cr_act_result *res)
{
    const struct cr_case_ref ref = {key, 0};
    return act(db, &ref, req, res);
}

enum cr_status
cr_act_id(cr_db *db, int64_t case_id, const struct cr_request *req, struct cr_act_result *res)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return act(db, &ref, req, res);
}

/* Bulk reassignment (cases.h): one transaction, and for each case the check and event of assign. */

static enum cr_status
bulk_refused(cr_db *db, struct cr_bulk_result *out, int64_t id, const char *why)
{
    struct cr_bulk_refusal *v = realloc(out->refused, (out->n_refused + 1) * sizeof *v);
    if (!v)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->refused = v;
    char *copy = strdup(why ? why : "refused");
    if (!copy)
        return cr_fail(db, CR_NOMEM, "out of memory");
    v[out->n_refused++] = (struct cr_bulk_refusal){id, copy};
    return CR_OK;
}

/* Add case id to those the move takes in, once; 0, or -1 when out of memory. */
static int
bulk_take(struct cr_bulk_result *out, size_t *cap, int64_t id)
{
    for (size_t i = 0; i < out->n_cases; i++)
        if (out->cases[i] == id)
            return 0;
    if (out->n_cases == *cap) {
        size_t more = *cap ? 2 * *cap : 64;
        int64_t *v = realloc(out->cases, more * sizeof *v);
        if (!v)
            return -1;
        out->cases = v;
        *cap = more;
    }
    out->cases[out->n_cases++] = id;
    return 0;
}

/*
 * The cases from holds in states, riskiest first, at most limit (0: all),
 * of those the user may see.  A case they may not see (their own unit, a
 * declared conflict: SPEC section 4, nobody lists it) is neither taken in
 * nor named: it is only counted (out->n_unseen), so that the user learns
 * that some of from's cases stay with them, not which.
 */
static enum cr_status
bulk_cases_of(cr_db *db, const char *from, unsigned states, int64_t limit,
              struct cr_bulk_result *out)
{
    struct cr_scope everything = {0}, mine;
    enum cr_status st = cr_policy_scope(db, &mine);
    if (st != CR_OK)
        return st;
    struct cr_queue queue = {.login = from, .n = 1};
    queue.clauses[0] = (struct cr_queue_clause){.states = states, .assigned = true};
    struct cr_page page = {0};
    size_t cap = 0;
    int64_t after = 0;
    for (;;) {
        if ((st = st_list_mine(db, &everything, &queue, after, 500, &page, false)) != CR_OK)
            break;
        for (size_t i = 0; i < page.n && st == CR_OK; i++) {
            const struct cr_case_row *c = &page.rows[i];
            if (!cr_scope_admits(&mine, c->unit, c->subject_ref, 0))
                out->n_unseen++;
            else if ((!limit || (int64_t)out->n_cases < limit) && bulk_take(out, &cap, c->id) < 0)
                st = cr_fail(db, CR_NOMEM, "out of memory");
        }
        if (st != CR_OK || !page.more || !page.n)
            break;
        after = page.rows[page.n - 1].sortkey;
    }
    cr_page_free(&page);
    cr_scope_free(&mine);
    return st;
}

/* Assign one case to req->target as act() would, in the caller's transaction (n: the move's size).
 */
static enum cr_status
bulk_move(cr_db *db, struct wf *w, size_t n)
{
    const struct cr_case_state *cs = w->cs;
    struct cr_change ch;
    struct cr_buf details = {0}, note = {0};
    enum cr_status st = plan(db, w, CR_ACTION_ASSIGN, &ch, &details, &note);
    if (st == CR_OK) {
        /* The single assign's details, and how many cases moved with it. */
        details.p[--details.len] = '\0';
        cr_buf_addf(&details, ", \"bulk\": %zu}", n);
        if (!details.p)
            st = cr_fail(db, CR_NOMEM, "out of memory");
    }
    int after = ch.state >= 0 ? ch.state : cs->state;
    if (st == CR_OK) {
        settle(cs, &ch);
        st = st_apply(db, cs, &ch);
    }
    if (st == CR_OK)
        st = st_draft_delete(db, cs->id, CR_ACTION_ASSIGN);
    if (st == CR_OK)
        st = cr_audit_append(db, cs->id, cr_action_name(CR_ACTION_ASSIGN), cr_state_name(cs->state),
                             cr_state_name(after), details.p);
    cr_buf_free(&details);
    cr_buf_free(&note);
    return st;
}

enum cr_status
cr_assign_bulk(cr_db *db, const struct cr_bulk_assign *q, struct cr_bulk_result *out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    const struct rule *r = &rules[CR_ACTION_ASSIGN];
    const struct cr_person *me = st_user(db);
    bool listed = q->n_cases > 0;
    if (!listed) {
        if (cr_blank(q->from))
            return cr_fail(db, CR_USAGE, "a bulk assign needs the login whose cases move");
        if (same(q->from, q->to))
            return cr_fail(db, CR_USAGE, "the cases of %s would move to %s: name another reviewer",
                           q->from, q->to);
        if (q->limit < 0)
            return cr_fail(db, CR_USAGE, "a bulk assign's limit is a number of cases, not %lld",
                           (long long)q->limit);
        if (q->state >= CR_STATE_COUNT)
            return cr_fail(db, CR_USAGE, "no such state");
    }
    if (!(me->roles & r->roles)) {
        char need[128], have[128];
        roles_text(r->roles, need, sizeof need);
        roles_text(me->roles, have, sizeof have);
        return cr_fail(db, CR_REFUSED, "assign needs the %s role; you (%s) are %s", need, me->login,
                       *have ? have : "on the roster without a role");
    }
    struct cr_buf why = {0};
    struct wf w = {st_config(db), me, NULL, NULL, &why};
    unsigned states = r->from;
    char from_states[160];
    states_text(r->from, from_states, sizeof from_states);
    if (!assignable(&w, q->to)) {
        st = cr_fail(db, CR_REFUSED, "%s", why.p ? why.p : "refused");
        cr_buf_free(&why);
        return st;
    }
    if (!listed && q->state >= 0) {
        if (!(states & (1u << q->state))) {
            cr_buf_free(&why);
            return cr_fail(db, CR_REFUSED, "assign takes only cases that are %s, not %s",
                           from_states, cr_state_name(q->state));
        }
        states = 1u << q->state;
    }
    out->states = states;
    bool began = false, committed = false;
    cr_notice_clear(db);
    if ((st = st_writable(db)) != CR_OK || (st = st_begin(db)) != CR_OK)
        goto out;
    began = true;
    if (listed) {
        size_t cap = 0;
        for (size_t i = 0; i < q->n_cases && st == CR_OK; i++)
            if (bulk_take(out, &cap, q->cases[i]) < 0)
                st = cr_fail(db, CR_NOMEM, "out of memory");
    } else {
        st = bulk_cases_of(db, q->from, states, q->limit, out);
    }
    if (st != CR_OK)
        goto out;
    if (!out->n_cases) {
        /* Nothing to move: nothing is written.  Someone never on the roster is a typing slip. */
        if (!listed && !out->n_unseen && !cr_config_person(w.cfg, q->from)) {
            char held[160];
            states_text(states, held, sizeof held);
            st = cr_fail(db, CR_REFUSED, "'%s' is not on the roster and holds no case that is %s",
                         q->from, held);
        }
        goto out;
    }
    const struct cr_request req = {.action = CR_ACTION_ASSIGN, .target = q->to};
    w.req = &req;
    for (size_t i = 0; i < out->n_cases && st == CR_OK; i++) {
        struct cr_case_state cs;
        memset(&cs, 0, sizeof cs);
        st = st_case_state(db, out->cases[i], &cs);
        if (st == CR_NOT_FOUND)
            st = cr_fail(db, CR_NOT_FOUND, "no case '#%lld'", (long long)out->cases[i]);
        w.cs = &cs;
        if (st == CR_OK && !check(&w, CR_ACTION_ASSIGN))
            st = bulk_refused(db, out, cs.id, why.p);
        else if (st == CR_OK && !out->n_refused)
            st = bulk_move(db, &w, out->n_cases);
        /* A notice for each case moved (given only if all of them are: see out). */
        if (st == CR_OK && !out->n_refused)
            notice_for(db, &w, CR_ACTION_ASSIGN, cr_action_name(CR_ACTION_ASSIGN), cs.state, true);
        /* Once a case is refused nothing will be written: the rest are only checked. */
        cr_case_state_free(&cs);
        w.cs = NULL;
    }
    if (st == CR_OK && out->n_refused) {
        st = cr_fail(db, CR_REFUSED,
                     "nothing was moved: %zu of the %zu %s%s%s cannot go to %s, and a bulk "
                     "assign is all or nothing",
                     out->n_refused, out->n_cases, out->n_cases == 1 ? "case" : "cases",
                     listed ? "" : " of ", listed ? "" : q->from, q->to);
        goto out;
    }
    if (st == CR_OK && (st = st_commit(db)) == CR_OK) {
        committed = true;
        out->moved = 1;
    }
out:
    if (began && !committed) {
        st_rollback(db);
        cr_notice_clear(db);
    }
    cr_buf_free(&why);
    return st;
}

char *
cr_bulk_describe(const struct cr_bulk_assign *q, const struct cr_bulk_result *r)
{
    struct cr_buf b = {0};
    const char *from = q->n_cases ? NULL : q->from;
    if (!r->n_cases && from && !r->n_unseen) {
        /* Nothing moved: from holds no case in the states asked for ("flagged, in_review or
         * returned"). */
        int n = 0;
        for (int s = 0; s < CR_STATE_COUNT; s++)
            n += (r->states >> s) & 1u;
        cr_buf_addf(&b, "moved no cases from %s to %s: %s holds no case that is ", from, q->to,
                    from);
        for (int s = 0, k = 0; s < CR_STATE_COUNT; s++)
            if (r->states & (1u << s)) {
                k++;
                cr_buf_addf(&b, "%s%s", k == 1 ? "" : k == n ? " or " : ", ", cr_state_name(s));
            }
        return b.p ? b.p : strdup("");
    }
    if (!r->n_cases)
        cr_buf_addf(&b, "moved no cases");
    else
        cr_buf_addf(&b, "moved %zu %s", r->n_cases, r->n_cases == 1 ? "case" : "cases");
    if (from)
        cr_buf_addf(&b, " from %s", from);
    cr_buf_addf(&b, " to %s", q->to);
    for (size_t i = 0; i < r->n_cases; i++)
        cr_buf_addf(&b, "%s%lld",
                    i == 0                ? r->n_cases == 1 ? ": case " : ": cases "
                    : i + 1 == r->n_cases ? " and "
                                          : ", ",
                    (long long)r->cases[i]);
    /* From's cases that the user may not see stay with them, unnamed. */
    if (from && r->n_unseen)
        cr_buf_addf(&b,
                    "; %zu %s of %s's that you may not see (your unit or a conflict) %s with them",
                    r->n_unseen, r->n_unseen == 1 ? "case" : "cases", from,
                    r->n_unseen == 1 ? "stays" : "stay");
    return b.p;
}

void
cr_bulk_result_free(struct cr_bulk_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_refused; i++)
        free((char *)r->refused[i].why);
    free(r->refused);
    free(r->cases);
    memset(r, 0, sizeof *r);
}

/* Whether a case with the panel cannot reach quorum now, under the handle's configuration. */
static bool
blocked_now(const struct wf *w)
{
    const struct cr_case_state *cs = w->cs;
    if (cs->state != CR_STATE_PANEL_REVIEW || cs->outcome < 0)
        return false;
    const struct cr_signoff *so = &w->cfg->signoff[cs->outcome];
    if (!so->panel)
        return false;
    if (cs->votes_withheld) /* blind voting keeps the votes from this admin: the flag stays */
        return cs->quorum_blocked;
    struct tally t = {0};
    for (size_t i = 0; i < cs->n_votes; i++)
        count_vote(&t, cs->votes[i].vote, cs->votes[i].kind);
    bool kinds = true;
    for (int k = 0; k < CR_KIND_COUNT; k++)
        kinds &= t.concur_kind[k] >= so->require_kinds[k];
    if (t.dissent >= so->dissent || (t.concur >= so->concur && kinds))
        return false; /* the votes already decide it under these rules: not stuck */
    return !quorum_reachable(w, so, &t, cs->approved_by, NULL);
}

/* The cases whose flag differs from what the configuration gives now; *n of them. */
static enum cr_status
flags_to_change(cr_db *db, const int64_t *ids, size_t count, int64_t *out, int *to, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < count; i++) {
        struct cr_case_state cs;
        enum cr_status st = st_case_state(db, ids[i], &cs);
        if (st != CR_OK) {
            cr_case_state_free(&cs);
            return st;
        }
        struct cr_buf why = {0};
        struct wf w = {st_config(db), st_user(db), &cs, NULL, &why};
        int want = blocked_now(&w) ? 1 : 0;
        if (want != cs.quorum_blocked) {
            out[*n] = cs.id;
            to[(*n)++] = want;
        }
        cr_buf_free(&why);
        cr_case_state_free(&cs);
    }
    return CR_OK;
}

/*
 * Recompute the quorum flags inside the caller's write transaction (and
 * audit what changed): at sign-in, and when a configuration is pinned or
 * adopted (a new panel may make or break a quorum).
 */
enum cr_status
cr_quorum_refresh_in(cr_db *db, int64_t *changed)
{
    *changed = 0;
    int64_t *ids = NULL, *which = NULL;
    int *to = NULL;
    size_t count = 0, n = 0;
    enum cr_status st = st_quorum_cases(db, &ids, &count);
    if (st == CR_OK && count) {
        which = malloc(count * sizeof *which);
        to = malloc(count * sizeof *to);
        st = which && to ? flags_to_change(db, ids, count, which, to, &n)
                         : cr_fail(db, CR_NOMEM, "out of memory");
    }
    struct cr_buf d = {0};
    if (st == CR_OK && n) {
        for (size_t i = 0; i < n && st == CR_OK; i++)
            st = st_set_quorum_blocked(db, which[i], to[i]);
        cr_buf_addf(&d, "{\"blocked\": [");
        for (size_t i = 0, k = 0; i < n; i++)
            if (to[i])
                cr_buf_addf(&d, "%s%lld", k++ ? ", " : "", (long long)which[i]);
        cr_buf_addf(&d, "], \"unblocked\": [");
        for (size_t i = 0, k = 0; i < n; i++)
            if (!to[i])
                cr_buf_addf(&d, "%s%lld", k++ ? ", " : "", (long long)which[i]);
        cr_buf_addf(&d, "]}");
        if (st == CR_OK)
            st = d.p ? cr_audit_append(db, 0, "quorum_recompute", NULL, NULL, d.p)
                     : cr_fail(db, CR_NOMEM, "out of memory");
    }
    cr_buf_free(&d);
    if (st == CR_OK)
        *changed = (int64_t)n;
    free(ids);
    free(which);
    free(to);
    return st;
}

enum cr_status
cr_quorum_refresh(cr_db *db, int64_t *changed)
{
    *changed = 0;
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    int64_t *ids = NULL, *which = NULL;
    int *to = NULL;
    size_t count = 0, n = 0;
    /* Read first: the usual answer is that nothing changed, and then nothing is written. */
    if ((st = st_quorum_cases(db, &ids, &count)) != CR_OK || count == 0)
        goto out;
    which = malloc(count * sizeof *which);
    to = malloc(count * sizeof *to);
    if (!which || !to) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
        goto out;
    }
    if ((st = flags_to_change(db, ids, count, which, to, &n)) != CR_OK || n == 0)
        goto out;
    /* A read-only copy keeps the flags it was copied with: it is evidence, read as it is. */
    if (cr_db_read_only(db))
        goto out;
    /* Again inside the transaction: another user may have acted meanwhile. */
    if ((st = st_begin(db)) != CR_OK)
        goto out;
    if ((st = cr_quorum_refresh_in(db, changed)) == CR_OK)
        st = st_commit(db);
    if (st != CR_OK) {
        st_rollback(db);
        *changed = 0;
    }
out:
    free(ids);
    free(which);
    free(to);
    return st;
}

static enum cr_status
allowed_actions(cr_db *db, const struct cr_case_ref *ref, unsigned *actions)
{
    *actions = 0;
    enum cr_status st = cr_need_user(db);
    int64_t id;
    if (st != CR_OK || (st = st_case_ref(db, ref, &id)) != CR_OK)
        return st;
    struct cr_case_state cs;
    if ((st = st_case_state(db, id, &cs)) == CR_OK) {
        struct cr_buf why = {0};
        struct wf w = {st_config(db), st_user(db), &cs, NULL, &why};
        *actions = allowed(&w);
        cr_buf_free(&why);
    }
    cr_case_state_free(&cs);
    return st;
}

int
cr_system_to(int action, int state)
{
    if (action < 0 || action >= CR_SYSTEM_COUNT || state < 0 || state >= CR_STATE_COUNT)
        return -1;
    return system_rules[action].from & (1u << state) ? system_rules[action].to : -1;
}

/* Nothing changes a closed case: a new allegation of its subject starts a case of its own. */
unsigned
cr_import_new_case_states(void)
{
    return STATE(CLOSED);
}

enum cr_status
cr_system_act(cr_db *db, int action, int64_t id, const char *note, const char *event,
              const char *details, bool *applied)
{
    *applied = false;
    struct cr_case_state cs;
    enum cr_status st = st_case_state(db, id, &cs);
    int to = st == CR_OK ? cr_system_to(action, cs.state) : -1;
    if (to >= 0) {
        struct cr_change ch = {.state = to,
                               .note_kind = "system",
                               .note_body = note,
                               .note_author = "system",
                               .quorum_blocked = 0,
                               .bump_version = true,
                               .panel_round = -1,
                               .action = -1};
        settle(&cs, &ch);
        clock_on_change(db, &cs, &ch);
        if ((st = st_apply(db, &cs, &ch)) == CR_OK &&
            (st = cr_audit_append(db, id, event, cr_state_name(cs.state), cr_state_name(to),
                                  details)) == CR_OK)
            *applied = true;
    }
    cr_case_state_free(&cs);
    return st;
}

enum cr_status
cr_allowed_actions(cr_db *db, const char *key, unsigned *actions)
{
    const struct cr_case_ref ref = {key, 0};
    return allowed_actions(db, &ref, actions);
}

enum cr_status
cr_allowed_actions_id(cr_db *db, int64_t case_id, unsigned *actions)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return allowed_actions(db, &ref, actions);
}

static enum cr_status
may(cr_db *db, const struct cr_case_ref *ref, int action)
{
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    if (action < 0 || action >= CR_ACTION_COUNT)
        return cr_fail(db, CR_USAGE, "no such action");
    int64_t id;
    if ((st = st_case_ref(db, ref, &id)) != CR_OK)
        return st;
    struct cr_case_state cs;
    if ((st = st_case_state(db, id, &cs)) == CR_OK) {
        struct cr_buf why = {0};
        struct wf w = {st_config(db), st_user(db), &cs, NULL, &why};
        st = judge(db, &w, action);
        cr_buf_free(&why);
    }
    cr_case_state_free(&cs);
    return st;
}

enum cr_status
cr_may(cr_db *db, const char *key, int action)
{
    const struct cr_case_ref ref = {key, 0};
    return may(db, &ref, action);
}

enum cr_status
cr_may_id(cr_db *db, int64_t case_id, int action)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return may(db, &ref, action);
}

/* Views */

/*
 * A refused view is recorded: a `denied` event on the case (who by its actor;
 * what was asked, the rule and the refusal's words in its details), in a
 * transaction of its own, so that attempts on a conflicted colleague's case
 * show in the trail.  The refusal stands as it was, its message too.  A
 * read-only copy records nothing; a trail that cannot take the event (busy)
 * is said after the refusal.
 */
static enum cr_status
denied(cr_db *db, const struct cr_case_state *cs, const char *what, const char *rule)
{
    char *reason = strdup(cr_db_errmsg(db));
    if (!reason)
        return cr_fail(db, CR_NOMEM, "out of memory");
    if (cr_db_read_only(db)) {
        free(reason);
        return CR_REFUSED;
    }
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"what\": ");
    cr_buf_add_json(&d, what);
    cr_buf_addf(&d, ", \"rule\": ");
    cr_buf_add_json(&d, rule);
    cr_buf_addf(&d, ", \"reason\": ");
    cr_buf_add_json(&d, reason);
    cr_buf_addc(&d, '}');
    enum cr_status st = d.p ? st_begin(db) : cr_fail(db, CR_NOMEM, "out of memory");
    if (st == CR_OK) {
        st = cr_audit_append(db, cs->id, "denied", NULL, NULL, d.p);
        st = st == CR_OK ? st_commit(db) : (st_rollback(db), st);
    }
    /* The handle's message is rewritten below: keep what failed apart first. */
    char *unrecorded = st == CR_OK ? NULL : strdup(cr_db_errmsg(db));
    if (st == CR_OK)
        cr_fail(db, CR_REFUSED, "%s", reason);
    else
        cr_fail(db, CR_REFUSED, "%s (and the refusal could not be recorded: %s)", reason,
                unrecorded ? unrecorded : cr_status_text(st));
    free(unrecorded);
    cr_buf_free(&d);
    free(reason);
    return CR_REFUSED;
}

/*
 * Refuse the user a case they are conflicted on, or that need-to-know keeps
 * from them; a refused view of `what` (a case, its history, a draft) is
 * recorded, unless what is NULL (a reload of what is already on screen, or a
 * write).
 */
static enum cr_status
may_see(cr_db *db, const struct cr_case_state *cs, const char *what)
{
    assert(db && cs);
    const char *rule;
    enum cr_status st = cr_policy_may_see(db, cs, "sees", &rule);
    return st == CR_REFUSED && rule && what ? denied(db, cs, what, rule) : st;
}

/*
 * May the user see the case at all, and must the current decision's votes
 * be withheld (blind voting: a member who could still vote sees no vote
 * until casting their own)?
 */
static enum cr_status
view_rules(cr_db *db, int64_t id, const char *what, bool *hide)
{
    const struct cr_config *cfg = st_config(db);
    const struct cr_person *me = st_user(db);
    struct cr_case_state cs;
    enum cr_status st = st_case_state(db, id, &cs);
    if (st != CR_OK) {
        cr_case_state_free(&cs);
        return st;
    }
    *hide = false;
    st = may_see(db, &cs, what);
    if (st == CR_OK && cs.state == CR_STATE_PANEL_REVIEW && cr_person_has(me, CR_ROLE_PANEL) &&
        cs.outcome >= 0 && cfg->signoff[cs.outcome].blind) {
        struct cr_buf why = {0};
        struct wf w = {cfg, me, &cs, NULL, &why};
        *hide = guard_vote(&w); /* could still vote: has not voted, not reviewer or approver */
        cr_buf_free(&why);
    }
    cr_case_state_free(&cs);
    return st;
}

/*
 * A view the rules refused inside its transaction (which was rolled back) is
 * recorded as refused, in a transaction of its own, when it was one to audit:
 * the rules are asked again and record the refusal they give.
 */
static enum cr_status
refused_view(cr_db *db, int64_t id, const char *what, enum cr_status st)
{
    if (st != CR_REFUSED || !what)
        return st;
    bool hide;
    enum cr_status again = view_rules(db, id, what, &hide);
    return again != CR_OK ? again : st;
}

/*
 * The panel's progress of a case on view (cr_panel_progress reads the row):
 * counted from the votes the viewer may see.  While blind voting withholds
 * them the viewer has not voted, and the progress shows no count.
 */
static void
view_tally(const struct cr_person *me, struct cr_case *c)
{
    struct cr_case_row *r = &c->row;
    r->panel_concur = r->panel_dissent = 0;
    memset(r->panel_concur_kind, 0, sizeof r->panel_concur_kind);
    r->panel_my_vote = -1;
    for (size_t i = 0; r->state == CR_STATE_PANEL_REVIEW && i < c->n_votes; i++) {
        const struct cr_vote_row *v = &c->votes[i];
        if (v->vote == CR_VOTE_CONCUR) {
            r->panel_concur++;
            if (v->kind >= 0 && v->kind < CR_KIND_COUNT)
                r->panel_concur_kind[v->kind]++;
        } else if (v->vote == CR_VOTE_DISSENT) {
            r->panel_dissent++;
        }
        if (same(v->member, me->login))
            r->panel_my_vote = v->vote;
    }
}

static enum cr_status
view(cr_db *db, const struct cr_case_ref *ref, const char *what, struct cr_case *out)
{
    if (!db)
        return CR_USAGE;
    if (!out)
        return cr_fail(db, CR_USAGE, "a case view needs a case to fill");
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_need_user(db);
    int64_t id;
    bool hide;
    /*
     * The rules first (a refusal is recorded even while another user holds the
     * database), then again with the read in one transaction: what was checked
     * is what is shown.
     */
    if (st == CR_OK && (st = st_case_ref(db, ref, &id)) == CR_OK &&
        (st = view_rules(db, id, what, &hide)) == CR_OK && (st = st_begin(db)) == CR_OK) {
        if ((st = view_rules(db, id, NULL, &hide)) == CR_OK)
            st = cr_case_view_recorded(db, id, hide, what, out);
        if (st == CR_OK)
            view_tally(st_user(db), out);
        if (st == CR_OK)
            st = st_commit(db);
        else
            st_rollback(db);
        st = refused_view(db, id, what, st);
    }
    if (st != CR_OK)
        cr_case_free(out);
    return st;
}

enum cr_status
cr_case_view(cr_db *db, const char *key, struct cr_case *out)
{
    const struct cr_case_ref ref = {key, 0};
    return view(db, &ref, "case", out);
}

enum cr_status
cr_case_reload(cr_db *db, const char *key, struct cr_case *out)
{
    const struct cr_case_ref ref = {key, 0};
    return view(db, &ref, NULL, out);
}

enum cr_status
cr_case_view_id(cr_db *db, int64_t case_id, struct cr_case *out)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return view(db, &ref, "case", out);
}

enum cr_status
cr_case_reload_id(cr_db *db, int64_t case_id, struct cr_case *out)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return view(db, &ref, NULL, out);
}

/* Whether an event is a consultation (or a refused one) or a draft, not an action on the case. */
static bool
not_an_action(const struct cr_event *e)
{
    return strcmp(e->action, "view") == 0 || strcmp(e->action, "denied") == 0 ||
           strncmp(e->action, "draft_", 6) == 0;
}

/*
 * What of a case's history the user may see.  Other people's views, refused
 * views and drafts are the admin's to see (everyone sees their own, and every
 * action).
 * While blind voting withholds the current decision's votes (hide), nothing
 * names a member who has voted: their votes keep neither actor, details,
 * time nor place (listed last, time 0, number 0), and nobody else's view or
 * draft is shown, the admin's included.
 */
static void
history_rules(const struct cr_person *me, bool hide, struct cr_history *h)
{
    bool admin = cr_person_has(me, CR_ROLE_ADMIN);
    size_t from = 0;
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->events[i].action, "decide") == 0)
            from = i;
    size_t kept = 0, withheld = 0;
    struct cr_event *votes = hide ? calloc(h->n ? h->n : 1, sizeof *votes) : NULL;
    for (size_t i = 0; i < h->n; i++) {
        struct cr_event e = h->events[i];
        bool mine = same(e.actor, me->login);
        if (!mine && not_an_action(&e) && (!admin || hide))
            continue;
        if (hide && i > from && strcmp(e.action, "vote") == 0) {
            e.actor = "(a panel member)";
            e.os_login = NULL;
            e.details = "{\"vote\": \"hidden\"}";
            e.at = 0;
            e.id = 0;
            if (votes) {
                votes[withheld++] = e;
                continue;
            }
        }
        h->events[kept++] = e;
    }
    for (size_t i = 0; i < withheld; i++)
        h->events[kept++] = votes[i];
    free(votes);
    h->n = kept;
}

static enum cr_status
history(cr_db *db, const struct cr_case_ref *ref, bool audited, struct cr_history *out)
{
    if (!db)
        return CR_USAGE;
    if (!out)
        return cr_fail(db, CR_USAGE, "a history needs a history to fill");
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_need_user(db);
    int64_t id;
    bool hide;
    if (st != CR_OK || (st = st_case_ref(db, ref, &id)) != CR_OK ||
        (st = view_rules(db, id, audited ? "history" : NULL, &hide)) != CR_OK)
        return st;
    /*
     * Again with the read in one transaction (a snapshot when nothing is
     * recorded): what was checked is what is shown.  Viewing the history is
     * a consultation like any other.
     */
    if ((st = audited ? st_begin(db) : st_read_begin(db)) != CR_OK)
        return st;
    if ((st = view_rules(db, id, NULL, &hide)) == CR_OK && audited)
        st = cr_audit_append(db, id, "view", NULL, NULL, "{\"view\": \"history\"}");
    if (st == CR_OK)
        st = st_history(db, id, out);
    if (!audited)
        st_read_end(db);
    else if (st == CR_OK)
        st = st_commit(db);
    else
        st_rollback(db);
    if (st != CR_OK) {
        cr_history_free(out);
        return refused_view(db, id, audited ? "history" : NULL, st);
    }
    history_rules(st_user(db), hide, out);
    return CR_OK;
}

enum cr_status
cr_history_get(cr_db *db, const char *key, struct cr_history *out)
{
    const struct cr_case_ref ref = {key, 0};
    return history(db, &ref, true, out);
}

enum cr_status
cr_history_of_view(cr_db *db, const char *key, struct cr_history *out)
{
    const struct cr_case_ref ref = {key, 0};
    return history(db, &ref, false, out);
}

enum cr_status
cr_history_get_id(cr_db *db, int64_t case_id, struct cr_history *out)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return history(db, &ref, true, out);
}

enum cr_status
cr_history_of_view_id(cr_db *db, int64_t case_id, struct cr_history *out)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return history(db, &ref, false, out);
}

/*
 * What waits for a person, in each of their roles: the cases on which they
 * could take the action their role's queue is for, by the rules table.  A
 * reviewer's: the cases assigned to them in the states a decision starts
 * from (the assignment held separation of duties already: guard_claim,
 * guard_assign).  A supervisor's: the decisions they could approve, not
 * theirs nor ones they voted on (barred_by) nor routed to another supervisor
 * (cr_case_route), and the cases the panel cannot
 * close (recall).  A panel member's: the cases they could vote on, barred
 * as for a vote, and not yet voted on this decision.  An admin's: the
 * cases the panel cannot close (reconvene).  A supervisor's and an admin's
 * also: every case escalated (overdue by more than escalate_after_days).
 */
static void
queue_of(const struct cr_config *cfg, const struct cr_person *me, int64_t now, struct cr_queue *q)
{
    memset(q, 0, sizeof *q);
    q->login = me->login;
    if (cr_person_has(me, CR_ROLE_REVIEWER))
        q->clauses[q->n++] =
            (struct cr_queue_clause){.states = rules[CR_ACTION_DECIDE].from, .assigned = true};
    if (cr_person_has(me, CR_ROLE_SUPERVISOR)) {
        q->clauses[q->n++] = (struct cr_queue_clause){.states = rules[CR_ACTION_APPROVE].from,
                                                      .not_done = barred_by(CR_ACTION_APPROVE),
                                                      .unrouted = true};
        q->clauses[q->n++] = (struct cr_queue_clause){.states = rules[CR_ACTION_RECALL].from,
                                                      .quorum_blocked = true};
    }
    if (cr_person_has(me, CR_ROLE_PANEL))
        q->clauses[q->n++] = (struct cr_queue_clause){.states = rules[CR_ACTION_VOTE].from,
                                                      .not_done = barred_by(CR_ACTION_VOTE),
                                                      .not_done_this_round = ACT(VOTE)};
    if (cr_person_has(me, CR_ROLE_ADMIN))
        q->clauses[q->n++] = (struct cr_queue_clause){.states = rules[CR_ACTION_RECONVENE].from,
                                                      .quorum_blocked = true};
    /* Escalation: a case overdue by more than escalate_after_days, whatever its state. */
    if (cfg && cfg->escalate_after_days >= 0 &&
        (cr_person_has(me, CR_ROLE_SUPERVISOR) || cr_person_has(me, CR_ROLE_ADMIN))) {
        q->clauses[q->n++] = (struct cr_queue_clause){.states = OPEN_STATES, .late = true};
        cr_late_cut(cfg, now, (int64_t)cfg->escalate_after_days * 86400, &q->late);
    }
    assert(q->n <= CR_QUEUE_CLAUSES);
}

unsigned
cr_role_actions(const cr_db *db)
{
    const struct cr_person *me = db ? st_user(db) : NULL;
    unsigned out = 0;
    for (int a = 0; me && a < CR_ACTION_COUNT; a++)
        if (me->roles & rules[a].roles)
            out |= 1u << a;
    return out;
}

void
cr_queue_of_user(cr_db *db, struct cr_queue *q)
{
    queue_of(st_config(db), st_user(db), cr_db_now(db), q);
}

/* What waits for the user, of what they may see (policy.c), narrowed by filter (NULL: not). */
static enum cr_status
list_mine(cr_db *db, const struct cr_filter *filter, int64_t cursor, size_t limit,
          struct cr_page *page, bool reverse)
{
    if (!db)
        return CR_USAGE;
    if (!page)
        return cr_fail(db, CR_USAGE, "a list needs a page to fill");
    if (limit > CR_PAGE_MAX)
        return cr_fail(db, CR_USAGE, "a page holds at most %d rows, not %zu", CR_PAGE_MAX, limit);
    cr_page_forget_landing(page);
    struct cr_scope scope;
    enum cr_status st = cr_policy_scope(db, &scope);
    struct cr_queue queue;
    struct cr_late overdue;
    if (st == CR_OK) {
        queue_of(st_config(db), st_user(db), cr_db_now(db), &queue);
        queue.filter = filter;
        if (filter && filter->overdue) {
            cr_late_cut(st_config(db), cr_db_now(db), 0, &overdue);
            queue.overdue_late = &overdue;
        }
        st = st_list_mine(db, &scope, &queue, cursor, limit, page, reverse);
    }
    cr_scope_free(&scope);
    return st;
}

enum cr_status
cr_list_mine_page(cr_db *db, int64_t after, size_t limit, struct cr_page *page)
{
    return list_mine(db, NULL, after, limit, page, false);
}

enum cr_status
cr_list_mine_page_before(cr_db *db, int64_t before, size_t limit, struct cr_page *page)
{
    return list_mine(db, NULL, before, limit, page, true);
}

enum cr_status
cr_list_mine_filter_page(cr_db *db, const struct cr_filter *filter, int64_t after, size_t limit,
                         struct cr_page *page)
{
    return list_mine(db, filter, after, limit, page, false);
}

enum cr_status
cr_list_mine_filter_page_before(cr_db *db, const struct cr_filter *filter, int64_t before,
                                size_t limit, struct cr_page *page)
{
    return list_mine(db, filter, before, limit, page, true);
}

/*
 * The case numbers an export disclosed: a bitmap by case id (an eighth of
 * a byte a case, so a million cases take 125 KiB however the rows come),
 * written out as ranges in id order, "1-40,42".
 */
struct case_set {
    unsigned char *bits;
    size_t size; /* bytes */
};

static int
case_set_add(struct case_set *s, int64_t id)
{
    if (id < 0)
        return -1;
    size_t byte = (size_t)(id / 8);
    if (byte >= s->size) {
        size_t size = s->size ? s->size : 1024;
        while (size <= byte)
            size *= 2;
        unsigned char *bits = realloc(s->bits, size);
        if (!bits)
            return -1;
        memset(bits + s->size, 0, size - s->size);
        s->bits = bits;
        s->size = size;
    }
    s->bits[byte] |= (unsigned char)(1u << (id % 8));
    return 0;
}

static bool
case_set_has(const struct case_set *s, int64_t id)
{
    return (size_t)(id / 8) < s->size && (s->bits[id / 8] & (1u << (id % 8)));
}

static void
case_set_ranges(const struct case_set *s, struct cr_buf *out)
{
    int64_t end = (int64_t)s->size * 8;
    for (int64_t id = 0; id < end; id++) {
        if (!case_set_has(s, id))
            continue;
        int64_t last = id;
        while (last + 1 < end && case_set_has(s, last + 1))
            last++;
        cr_buf_addf(out, out->len ? ",%lld" : "%lld", (long long)id);
        if (last > id)
            cr_buf_addf(out, "-%lld", (long long)last);
        id = last;
    }
    if (!out->p)
        cr_buf_add(out, "", 0);
}

/*
 * A case is recorded as disclosed once the writer says its row left whole.
 * The rows handed to the writer and not yet known to have left wait in a
 * ring, in order; the writer's buffering bounds how many.
 */
struct export_pass {
    const struct cr_export_sink *sink;
    struct case_set cases;
    int64_t *pending;
    size_t head, count, cap;
    int64_t recorded; /* rows whose case is in the set */
    bool nomem;
};

static void
export_confirm(struct export_pass *x, int64_t written)
{
    while (x->recorded < written && x->count) {
        if (case_set_add(&x->cases, x->pending[x->head]) < 0)
            x->nomem = true;
        x->head = (x->head + 1) % x->cap;
        x->count--;
        x->recorded++;
    }
}

static int
export_row(void *ctx, const struct cr_case_row *r)
{
    struct export_pass *x = ctx;
    if (x->count == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 1024;
        int64_t *ring = malloc(cap * sizeof *ring);
        if (!ring) {
            x->nomem = true;
            return -1;
        }
        for (size_t i = 0; i < x->count; i++)
            ring[i] = x->pending[(x->head + i) % x->cap];
        free(x->pending);
        x->pending = ring;
        x->head = 0;
        x->cap = cap;
    }
    x->pending[(x->head + x->count) % x->cap] = r->id;
    x->count++;
    int rc = x->sink->row(x->sink->ctx, r);
    export_confirm(x, x->sink->written ? x->sink->written(x->sink->ctx) : x->recorded + 1);
    return rc != 0 ? -1 : 0;
}

/* A list on the command line, between its two events. */
struct cr_list_log {
    int64_t begin;              /* the begin event */
    int64_t rows;               /* cases whose rows were handed out */
    crypto_generichash_state h; /* over their numbers, each in decimal and a newline */
};

enum cr_status
cr_list_begin(cr_db *db, const struct cr_filter *filter, int mine, const char *format,
              int64_t limit, struct cr_list_log **out)
{
    static const struct cr_filter all = CR_FILTER_ALL;
    *out = NULL;
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    if (!filter)
        filter = &all;
    struct cr_list_log *l = calloc(1, sizeof *l);
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"stage\": \"begin\", \"filters\": {\"state\": ");
    cr_buf_add_json(&d, filter->state >= 0 ? cr_state_name(filter->state) : "");
    cr_buf_addf(&d, ", \"outcome\": ");
    cr_buf_add_json(&d, filter->outcome == CR_OUTCOME_COUNT ? "none"
                        : filter->outcome >= 0              ? cr_outcome_name(filter->outcome)
                                                            : "");
    cr_buf_addf(&d, ", \"category\": ");
    cr_buf_add_json(&d, filter->category >= 0 ? cr_category_name(filter->category) : "");
    cr_buf_addf(
        &d, ", \"sort\": \"%s\", \"search\": ", filter->sort == CR_SORT_AGE ? "age" : "priority");
    cr_buf_add_json(&d, filter->search ? filter->search : "");
    /* The unit filter, when there is one (the events of lists without it are as they were). */
    if (filter->unit) {
        cr_buf_addf(&d, ", \"unit\": ");
        cr_buf_add_json(&d, filter->unit);
    }
    cr_buf_addf(&d,
                ", \"overdue\": %s, \"mine\": %s, \"format\": ", filter->overdue ? "true" : "false",
                mine ? "true" : "false");
    cr_buf_add_json(&d, format ? format : "table");
    cr_buf_addf(&d, ", \"limit\": %lld}}", (long long)limit);
    if (!l || !d.p) {
        free(l);
        cr_buf_free(&d);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    crypto_generichash_init(&l->h, NULL, 0, crypto_generichash_BYTES);
    st = cr_audit_record(db, "list", d.p, &l->begin);
    cr_buf_free(&d);
    if (st != CR_OK) {
        free(l);
        return st;
    }
    *out = l;
    return CR_OK;
}

void
cr_list_log_case(struct cr_list_log *l, int64_t case_id)
{
    char num[24];
    int len = snprintf(num, sizeof num, "%lld\n", (long long)case_id);
    crypto_generichash_update(&l->h, (const unsigned char *)num, (size_t)len);
    l->rows++;
}

int64_t
cr_list_log_rows(const struct cr_list_log *l)
{
    return l ? l->rows : 0;
}

enum cr_status
cr_list_end(cr_db *db, struct cr_list_log *l, const char *error)
{
    if (!l)
        return cr_fail(db, CR_USAGE, "a list ends only after it began");
    unsigned char hash[crypto_generichash_BYTES];
    char hex[2 * crypto_generichash_BYTES + 1];
    crypto_generichash_final(&l->h, hash, sizeof hash);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"stage\": \"end\", \"begin\": %lld, \"complete\": %s", (long long)l->begin,
                error ? "false" : "true");
    if (error) {
        cr_buf_addf(&d, ", \"error\": ");
        cr_buf_add_json(&d, error);
    }
    cr_buf_addf(&d, ", \"rows\": %lld, \"digest\": \"%s\"}", (long long)l->rows, hex);
    free(l);
    enum cr_status st = cr_audit_record(db, "list", d.p, NULL);
    cr_buf_free(&d);
    return st;
}

enum cr_status
cr_export(cr_db *db, const struct cr_disclosure *d, const struct cr_export_sink *sink,
          int64_t *rows)
{
    if (!db)
        return CR_USAGE;
    if (!d || !sink || !sink->row || !sink->finish || !rows)
        return cr_fail(db, CR_USAGE, "an export needs its disclosure, a writer and a count");
    *rows = 0;
    int64_t begin;
    enum cr_status st = cr_disclosure_begin(db, d, &begin);
    if (st != CR_OK)
        return st;
    /* From here every outcome ends the disclosure with an event. */
    struct export_pass x = {.sink = sink};
    bool stopped = false;
    int64_t read_rows = 0;
    /* What a disclosure may carry is policy.c's to say (every case: README). */
    struct cr_scope scope;
    enum cr_status read = cr_policy_disclosure_scope(db, &scope);
    if (read == CR_OK)
        read = st_export(db, &scope, export_row, &x, &read_rows, &stopped);
    cr_scope_free(&scope);
    char *read_error = read != CR_OK ? strdup(cr_db_errmsg(db)) : NULL;
    struct cr_disclosure_end e = {0};
    sink->finish(sink->ctx, &e);
    struct cr_buf why = {0};
    if (read != CR_OK) {
        e.complete = 0;
        cr_buf_addf(&why, "reading the cases failed: %s", read_error ? read_error : "?");
        e.error = why.p ? why.p : "reading the cases failed";
    } else if (stopped && e.complete) {
        e.complete = 0; /* the writer refused a row it did not report */
        e.error = "the rows could not be written";
    }
    *rows = e.rows; /* the rows the writer saw leave whole */
    export_confirm(&x, e.rows);
    struct cr_buf cases = {0};
    case_set_ranges(&x.cases, &cases);
    e.cases = x.nomem ? "unknown: out of memory while noting them" : cases.p;
    st = cr_disclosure_end(db, begin, &e);
    if (read != CR_OK)
        st = cr_fail(db, read, "export: %s; the disclosure is recorded as incomplete",
                     read_error ? read_error : "reading the cases failed");
    else if (st == CR_OK && !e.complete)
        st =
            cr_fail(db, CR_INVALID,
                    "export: writing failed after %lld %s (%s); the disclosure is recorded as "
                    "incomplete",
                    (long long)*rows, *rows == 1 ? "case" : "cases", e.error ? e.error : "unknown");
    else if (st != CR_OK) {
        char *end_error = strdup(cr_db_errmsg(db));
        st = cr_fail(db, st, "export: %s; the rows were written but their end is not recorded",
                     end_error ? end_error : cr_status_text(st));
        free(end_error);
    }
    free(read_error);
    cr_buf_free(&why);
    cr_buf_free(&cases);
    free(x.cases.bits);
    free(x.pending);
    return st;
}

/* Drafts */

/* The signed-in user, and an action whose form keeps a draft. */
static enum cr_status
draft_request(cr_db *db, int action)
{
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    if (action < 0 || action >= CR_ACTION_COUNT)
        return cr_fail(db, CR_USAGE, "no such action");
    if (rules[action].draft)
        return CR_OK;
    unsigned kept = 0;
    for (int a = 0; a < CR_ACTION_COUNT; a++)
        kept |= rules[a].draft ? 1u << a : 0;
    char names[128];
    cr_names_text(kept, CR_ACTION_COUNT, cr_action_name, names, sizeof names);
    return cr_fail(db, CR_USAGE, "no draft is kept for %s, only for %s", cr_action_name(action),
                   names);
}

/* The case named, as the rules see it; cs is freed by the caller either way. */
static enum cr_status
draft_case(cr_db *db, const struct cr_case_ref *ref, struct cr_case_state *cs)
{
    memset(cs, 0, sizeof *cs);
    int64_t id;
    enum cr_status st = st_case_ref(db, ref, &id);
    return st == CR_OK ? st_case_state(db, id, cs) : st;
}

/* The audit details of a draft: its action, its length and digest, never its text. */
static enum cr_status
draft_details(cr_db *db, int action, const char *text, struct cr_buf *d)
{
    size_t n = strlen(text);
    unsigned char hash[crypto_generichash_BYTES];
    char hex[2 * crypto_generichash_BYTES + 1];
    crypto_generichash(hash, sizeof hash, (const unsigned char *)text, n, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    cr_buf_addf(d, "{\"action\": \"%s\", \"bytes\": %zu, \"digest\": \"%s\"}",
                cr_action_name(action), n, hex);
    return d->p ? CR_OK : cr_fail(db, CR_NOMEM, "out of memory");
}

static enum cr_status
draft_save(cr_db *db, const struct cr_case_ref *ref, const struct cr_draft *d)
{
    enum cr_status st = draft_request(db, d->action);
    if (st != CR_OK)
        return st;
    /* Only the fields the action's form has. */
    struct cr_draft keep = {.action = d->action,
                            .outcome = -1,
                            .vote = -1,
                            .text = d->text ? d->text : "",
                            .case_version = d->case_version};
    if (d->action == CR_ACTION_DECIDE) {
        if (d->outcome < -1 || d->outcome >= CR_OUTCOME_COUNT)
            return cr_fail(db, CR_USAGE,
                           "a draft's outcome is nfa, reassess, refer or not "
                           "chosen (-1), not %d",
                           d->outcome);
        keep.outcome = d->outcome;
        keep.vetting_review = d->vetting_review ? 1 : 0;
    } else if (d->action == CR_ACTION_VOTE) {
        if (d->vote < -1 || d->vote >= CR_VOTE_COUNT)
            return cr_fail(db, CR_USAGE,
                           "a draft's vote is concur, dissent, recuse or not "
                           "chosen (-1), not %d",
                           d->vote);
        keep.vote = d->vote;
    } else if (d->action == CR_ACTION_ASSIGN) {
        keep.target = d->target;
    }
    if ((st = st_begin(db)) != CR_OK)
        return st;
    struct cr_case_state cs;
    struct cr_buf details = {0};
    if ((st = draft_case(db, ref, &cs)) == CR_OK && (st = may_see(db, &cs, NULL)) == CR_OK) {
        if (keep.case_version <= 0)
            keep.case_version = cs.version;
        const char *state = cr_state_name(cs.state);
        if ((st = st_draft_put(db, cs.id, &keep)) == CR_OK &&
            (st = draft_details(db, keep.action, keep.text, &details)) == CR_OK &&
            (st = cr_audit_append(db, cs.id, "draft_save", state, state, details.p)) == CR_OK)
            st = st_commit(db);
    }
    if (st != CR_OK)
        st_rollback(db);
    cr_case_state_free(&cs);
    cr_buf_free(&details);
    return st;
}

enum cr_status
cr_draft_save(cr_db *db, const char *key, const struct cr_draft *d)
{
    const struct cr_case_ref ref = {key, 0};
    return draft_save(db, &ref, d);
}

enum cr_status
cr_draft_save_id(cr_db *db, int64_t case_id, const struct cr_draft *d)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return draft_save(db, &ref, d);
}

static enum cr_status
draft_get(cr_db *db, const struct cr_case_ref *ref, int action, struct cr_draft *out)
{
    memset(out, 0, sizeof *out);
    out->action = action;
    out->outcome = out->vote = -1;
    out->text = "";
    enum cr_status st = draft_request(db, action);
    if (st != CR_OK)
        return st;
    struct cr_case_state cs;
    if ((st = draft_case(db, ref, &cs)) == CR_OK && (st = may_see(db, &cs, "draft")) == CR_OK)
        st = st_draft_get(db, cs.id, action, out);
    cr_case_state_free(&cs);
    return st;
}

enum cr_status
cr_draft_get(cr_db *db, const char *key, int action, struct cr_draft *out)
{
    const struct cr_case_ref ref = {key, 0};
    return draft_get(db, &ref, action, out);
}

enum cr_status
cr_draft_get_id(cr_db *db, int64_t case_id, int action, struct cr_draft *out)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return draft_get(db, &ref, action, out);
}

/*
 * Discarding asks no need-to-know, unlike saving and reading: the draft is the
 * user's own text, and a user who has since become conflicted on the case must
 * still be able to throw away what they wrote on it (nothing of the case is
 * shown; the event records only the user's own text).
 */
static enum cr_status
draft_discard(cr_db *db, const struct cr_case_ref *ref, int action)
{
    enum cr_status st = draft_request(db, action);
    if (st != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    struct cr_case_state cs;
    struct cr_draft old = {0};
    struct cr_buf details = {0};
    bool none = false;
    if ((st = draft_case(db, ref, &cs)) == CR_OK) {
        st = st_draft_get(db, cs.id, action, &old);
        none = st == CR_NOT_FOUND;
    }
    if (st == CR_OK) {
        const char *state = cr_state_name(cs.state);
        if ((st = st_draft_delete(db, cs.id, action)) == CR_OK &&
            (st = draft_details(db, action, old.text, &details)) == CR_OK &&
            (st = cr_audit_append(db, cs.id, "draft_discard", state, state, details.p)) == CR_OK)
            st = st_commit(db);
    }
    if (st != CR_OK)
        st_rollback(db);
    cr_case_state_free(&cs);
    cr_draft_free(&old);
    cr_buf_free(&details);
    return none ? CR_OK : st;
}

enum cr_status
cr_draft_discard(cr_db *db, const char *key, int action)
{
    const struct cr_case_ref ref = {key, 0};
    return draft_discard(db, &ref, action);
}

enum cr_status
cr_draft_discard_id(cr_db *db, int64_t case_id, int action)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return draft_discard(db, &ref, action);
}

void
cr_draft_free(struct cr_draft *d)
{
    if (!d)
        return;
    free(d->priv);
    memset(d, 0, sizeof *d);
}

/* Service levels */

int
cr_state_sla(int state)
{
    static const int sla_of[CR_STATE_COUNT] = {
        [CR_STATE_FLAGGED] = CR_SLA_REVIEW,     [CR_STATE_IN_REVIEW] = CR_SLA_REVIEW,
        [CR_STATE_RETURNED] = CR_SLA_REVIEW,    [CR_STATE_AWAITING_APPROVAL] = CR_SLA_APPROVAL,
        [CR_STATE_PANEL_REVIEW] = CR_SLA_PANEL, [CR_STATE_CLOSED] = -1,
    };
    return state >= 0 && state < CR_STATE_COUNT ? sla_of[state] : -1;
}

/*
 * The SLA clock: the time in the current state less the time it stood
 * still.  clock_shift counts a pause whole, to its end, from when it is
 * set (so the due time is known at once and moves by the pause), and a
 * resume gives back what was not used.  A pause that reached its end has
 * ended by itself: nothing is written, the clock simply runs again.
 */
int64_t
cr_case_due(const struct cr_config *cfg, const struct cr_case_row *row)
{
    int sla = cr_state_sla(row->state);
    if (sla < 0 || !cfg)
        return 0;
    return row->state_since + row->clock_shift + (int64_t)cfg->sla_days[sla] * 86400;
}

int
cr_case_paused(const struct cr_case_row *row, int64_t now)
{
    /* A closed case has no clock to stand still: a pause it was closed under is over. */
    return cr_state_sla(row->state) >= 0 && row->paused_until > now;
}

int
cr_case_overdue(const struct cr_config *cfg, const struct cr_case_row *row, int64_t now)
{
    struct cr_late l;
    cr_late_cut(cfg, now, 0, &l);
    return cr_late_admits(&l, row->state, row->state_since + row->clock_shift, row->paused_until);
}

int
cr_case_escalated(const struct cr_config *cfg, const struct cr_case_row *row, int64_t now)
{
    if (!cfg || cfg->escalate_after_days < 0)
        return 0;
    struct cr_late l;
    cr_late_cut(cfg, now, (int64_t)cfg->escalate_after_days * 86400, &l);
    return cr_late_admits(&l, row->state, row->state_since + row->clock_shift, row->paused_until);
}

void
cr_late_cut(const struct cr_config *cfg, int64_t now, int64_t extra, struct cr_late *out)
{
    out->now = now;
    for (int s = 0; s < CR_STATE_COUNT; s++) {
        int sla = cr_state_sla(s);
        out->before[s] =
            sla < 0 || !cfg ? INT64_MIN : now - (int64_t)cfg->sla_days[sla] * 86400 - extra;
    }
}

bool
cr_late_admits(const struct cr_late *l, int state, int64_t clock_from, int64_t paused_until)
{
    if (state < 0 || state >= CR_STATE_COUNT || l->before[state] == INT64_MIN)
        return false;
    return clock_from < l->before[state] && paused_until <= l->now;
}

/* Pausing the clock */

/*
 * Who may pause or resume a case, and on which: the workflow's rules for
 * an action (closed, need-to-know, conflicts, role), for these two, which
 * change no state and so are not rows of the rules table.
 */
#define SLA_ROLES (ROLE(SUPERVISOR) | ROLE(ADMIN))

static bool
sla_check(const struct wf *w, bool pause, const char *reason, int64_t until, int64_t now)
{
    const struct cr_case_state *cs = w->cs;
    if (!may_act(w, pause ? "pause" : "resume", SLA_ROLES))
        return false;
    char end[21];
    cr_time_format(cs->paused_until, end);
    if (pause && cs->paused_until > now)
        return refuse(w, "case %lld is already paused until %s; resume it first to pause it again",
                      (long long)cs->id, end);
    if (!pause && cs->paused_until <= now)
        return refuse(w, "case %lld is not paused, so there is nothing to resume",
                      (long long)cs->id);
    if (!pause)
        return true;
    if (cr_blank(reason))
        return refuse(w, "pause needs a reason: why the service level's clock stops");
    if (until <= now) {
        char at[21];
        cr_time_format(now, at);
        cr_time_format(until, end);
        return refuse(w, "a pause must end after now (%s), not at %s", at, end);
    }
    /* Ten years: past that a date is a slip, and past 9999 no time has the format of the rest. */
    if (until - now > (int64_t)CR_PAUSE_MAX_DAYS * 86400) {
        cr_time_format(until, end);
        return refuse(w, "a pause of more than %d days (to %s) is not a pause: give an earlier end",
                      CR_PAUSE_MAX_DAYS, end);
    }
    return true;
}

static enum cr_status
pause_or_resume(cr_db *db, const struct cr_case_ref *ref, bool pause, const char *reason,
                int64_t until, int64_t expect_version, struct cr_act_result *res)
{
    if (!db)
        return CR_USAGE;
    if (!res)
        return cr_fail(db, CR_USAGE, "%s needs a result to fill", pause ? "pause" : "resume");
    memset(res, 0, sizeof *res);
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    if (pause && reason && (st = cr_text_fits(db, "the reason", reason)) != CR_OK)
        return st;
    if ((st = st_writable(db)) != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    int64_t id, now = cr_db_tx_now(db);
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    struct cr_buf why = {0}, d = {0};
    if ((st = st_case_ref(db, ref, &id)) != CR_OK || (st = st_case_state(db, id, &cs)) != CR_OK ||
        (st = version_seen(db, &cs, expect_version)) != CR_OK)
        goto out;
    struct wf w = {st_config(db), st_user(db), &cs, NULL, &why};
    if (!sla_check(&w, pause, reason, until, now)) {
        st = cr_fail(db, CR_REFUSED, "%s", why.p ? why.p : "refused");
        goto out;
    }
    struct cr_change ch = {.state = -1,
                           .quorum_blocked = -1,
                           .panel_round = -1,
                           .bump_version = true,
                           .set_clock = true,
                           .action = -1};
    char end[21];
    if (pause) {
        /* The whole pause at once: the due time moves to where it will be. */
        ch.pause = true;
        ch.paused_until = until;
        ch.pause_reason = reason;
        ch.clock_shift = cs.clock_shift + (until - now);
        cr_time_format(until, end);
        cr_buf_addf(&d, "{\"until\": \"%s\", \"reason\": ", end);
        cr_buf_add_json(&d, reason);
        cr_buf_addc(&d, '}');
    } else {
        /* What the pause would still have run is given back to the clock. */
        int64_t unused = cs.paused_until - now;
        ch.resume = true;
        ch.clock_shift = cs.clock_shift - unused;
        cr_time_format(cs.paused_until, end);
        cr_buf_addf(&d, "{\"until\": \"%s\", \"seconds_given_back\": %lld}", end,
                    (long long)unused);
    }
    if (!d.p) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
        goto out;
    }
    const char *state = cr_state_name(cs.state);
    if ((st = st_apply(db, &cs, &ch)) != CR_OK ||
        (st = cr_audit_append(db, cs.id, pause ? "pause" : "resume", state, state, d.p)) != CR_OK)
        goto out;
    if ((st = st_commit(db)) == CR_OK) {
        res->case_id = cs.id;
        res->state_before = res->state_after = cs.state;
        res->version = cs.version + 1;
        notice_of(db, &w, -1, pause ? "pause" : "resume", cs.state);
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
cr_case_pause(cr_db *db, const char *key, const char *reason, int64_t until, int64_t expect_version,
              struct cr_act_result *res)
{
    const struct cr_case_ref ref = {key, 0};
    return pause_or_resume(db, &ref, true, reason, until, expect_version, res);
}

enum cr_status
cr_case_resume(cr_db *db, const char *key, int64_t expect_version, struct cr_act_result *res)
{
    const struct cr_case_ref ref = {key, 0};
    return pause_or_resume(db, &ref, false, NULL, 0, expect_version, res);
}

enum cr_status
cr_case_pause_id(cr_db *db, int64_t case_id, const char *reason, int64_t until,
                 int64_t expect_version, struct cr_act_result *res)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return pause_or_resume(db, &ref, true, reason, until, expect_version, res);
}

enum cr_status
cr_case_resume_id(cr_db *db, int64_t case_id, int64_t expect_version, struct cr_act_result *res)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return pause_or_resume(db, &ref, false, NULL, 0, expect_version, res);
}

/* Routing an approval (cases.h, cr_case_route) */

/*
 * Whether the user may route the case at all: the rules every action asks
 * (closed, need-to-know, conflicts, the supervisor's role), a case awaiting
 * approval, and a router who could approve it (separation of duties: not
 * its decider, nor a member who voted on it).  Like pause, route changes no
 * state, so it is not a row of the rules table; its rules are here, once.
 */
static bool
route_may(const struct wf *w)
{
    const struct cr_case_state *cs = w->cs;
    if (!may_act(w, "route", ROLE(SUPERVISOR)))
        return false;
    if (cs->state != CR_STATE_AWAITING_APPROVAL)
        return refuse(w, "route needs a case that is awaiting_approval; case %lld is %s",
                      (long long)cs->id, cr_state_name(cs->state));
    return separated(w, w->me->login, CR_ACTION_APPROVE, "route");
}

/* Whether the case may be routed to `to` (the user may route it: route_may). */
static bool
route_target(const struct wf *w, const char *to)
{
    const struct cr_case_state *cs = w->cs;
    if (cr_blank(to))
        return refuse(w, "route needs the login of a supervisor");
    const struct cr_person *p = cr_config_person(w->cfg, to);
    if (!p)
        return refuse(w, "'%s' is not on the roster", to);
    if (!cr_person_has(p, CR_ROLE_SUPERVISOR))
        return refuse(w, "%s is not a supervisor, so cannot approve case %lld", to,
                      (long long)cs->id);
    if (conflicted(w->cfg, p, cs)) {
        conflict_text(w->cfg, p, cs, same(to, w->me->login), NULL, w->why);
        return false;
    }
    if (!separated(w, to, CR_ACTION_APPROVE, "approve"))
        return false;
    if (same(cs->approver, to))
        return refuse(w, "case %lld is already routed to %s", (long long)cs->id, to);
    return true;
}

static enum cr_status
route(cr_db *db, const struct cr_case_ref *ref, const char *to, const char *reason,
      int64_t expect_version, struct cr_act_result *res)
{
    if (!db)
        return CR_USAGE;
    if (!res)
        return cr_fail(db, CR_USAGE, "route needs a result to fill");
    memset(res, 0, sizeof *res);
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    if (reason && (st = cr_text_fits(db, "the reason", reason)) != CR_OK)
        return st;
    if ((st = st_writable(db)) != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    int64_t id;
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    struct cr_buf why = {0}, d = {0};
    if ((st = st_case_ref(db, ref, &id)) != CR_OK || (st = st_case_state(db, id, &cs)) != CR_OK ||
        (st = version_seen(db, &cs, expect_version)) != CR_OK)
        goto out;
    struct wf w = {st_config(db), st_user(db), &cs, NULL, &why};
    if (!route_may(&w) || !route_target(&w, to)) {
        st = cr_fail(db, CR_REFUSED, "%s", why.p ? why.p : "refused");
        goto out;
    }
    /* The roster's own copy of the login: it outlives the caller's string. */
    const char *login = cr_config_person(w.cfg, to)->login;
    struct cr_change ch = {.state = -1,
                           .quorum_blocked = -1,
                           .panel_round = -1,
                           .bump_version = true,
                           .set_approver = true,
                           .approver = login,
                           .action = -1};
    cr_buf_addf(&d, "{\"to\": ");
    cr_buf_add_json(&d, login);
    if (cs.approver) {
        cr_buf_addf(&d, ", \"previous\": ");
        cr_buf_add_json(&d, cs.approver);
    }
    if (!cr_blank(reason)) {
        cr_buf_addf(&d, ", \"reason\": ");
        cr_buf_add_json(&d, reason);
    }
    cr_buf_addc(&d, '}');
    if (!d.p) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
        goto out;
    }
    const char *state = cr_state_name(cs.state);
    if ((st = st_apply(db, &cs, &ch)) != CR_OK ||
        (st = cr_audit_append(db, cs.id, "route", state, state, d.p)) != CR_OK)
        goto out;
    if ((st = st_commit(db)) == CR_OK) {
        res->case_id = cs.id;
        res->state_before = res->state_after = cs.state;
        res->version = cs.version + 1;
        /* Whom it concerns: the supervisor it now waits for. */
        struct recipients r = {.n = 0};
        recipient_add(&r, &w, login);
        cr_notice_set(db, "route", cs.id, r.login, r.n);
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
cr_case_route(cr_db *db, const char *key, const char *to, const char *reason,
              int64_t expect_version, struct cr_act_result *res)
{
    const struct cr_case_ref ref = {key, 0};
    return route(db, &ref, to, reason, expect_version, res);
}

enum cr_status
cr_case_route_id(cr_db *db, int64_t case_id, const char *to, const char *reason,
                 int64_t expect_version, struct cr_act_result *res)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return route(db, &ref, to, reason, expect_version, res);
}

enum cr_status
cr_route_candidates_id(cr_db *db, int64_t case_id, const char ***logins, size_t *n)
{
    *logins = NULL;
    *n = 0;
    enum cr_status st = cr_need_user(db);
    int64_t id;
    const struct cr_case_ref ref = {NULL, case_id};
    if (st != CR_OK || (st = st_case_ref(db, &ref, &id)) != CR_OK)
        return st;
    struct cr_case_state cs;
    if ((st = st_case_state(db, id, &cs)) != CR_OK) {
        cr_case_state_free(&cs);
        return st;
    }
    struct cr_buf why = {0};
    struct wf w = {st_config(db), st_user(db), &cs, NULL, &why};
    if (!route_may(&w)) {
        st = cr_fail(db, CR_REFUSED, "%s", why.p ? why.p : "refused");
    } else {
        const char **v = calloc(w.cfg->n_people ? w.cfg->n_people : 1, sizeof *v);
        if (!v)
            st = cr_fail(db, CR_NOMEM, "out of memory");
        for (size_t i = 0; v && i < w.cfg->n_people; i++)
            if (cr_person_has(&w.cfg->people[i], CR_ROLE_SUPERVISOR) &&
                route_target(&w, w.cfg->people[i].login))
                v[(*n)++] = w.cfg->people[i].login;
        *logins = v;
    }
    cr_buf_free(&why);
    cr_case_state_free(&cs);
    return st;
}

/* Panel progress (cases.h) */

void
cr_panel_progress(const cr_db *db, const struct cr_case_row *row, struct cr_panel_progress *out)
{
    memset(out, 0, sizeof *out);
    const struct cr_config *cfg = db ? st_config(db) : NULL;
    const struct cr_person *me = db ? st_user(db) : NULL;
    if (!cfg || !me || row->state != CR_STATE_PANEL_REVIEW || row->outcome < 0 ||
        row->outcome >= CR_OUTCOME_COUNT || !cfg->signoff[row->outcome].panel)
        return;
    const struct cr_signoff *so = &cfg->signoff[row->outcome];
    out->shown = 1;
    out->concur_needed = so->concur;
    out->dissent_needed = so->dissent;
    /*
     * Blind voting: a panel member who has not voted on this decision sees
     * no count of anyone's votes (nor which kinds are missing, which would
     * tell whose concurrence has come), only what the sign-off needs.  A
     * member who has voted, and everyone who is not on the panel, sees them.
     */
    if (so->blind && cr_person_has(me, CR_ROLE_PANEL) && row->panel_my_vote < 0) {
        out->hidden = 1;
        return;
    }
    out->concur = row->panel_concur;
    out->dissent = row->panel_dissent;
    for (int k = 0; k < CR_KIND_COUNT; k++)
        if (row->panel_concur_kind[k] < so->require_kinds[k])
            out->kinds_missing |= 1u << k;
}

char *
cr_panel_progress_text(const struct cr_panel_progress *p, char *buf, size_t n)
{
    if (!n)
        return buf;
    buf[0] = '\0';
    if (!p->shown)
        return buf;
    size_t len = 0;
    int w = p->hidden ? snprintf(buf, n, "?/%d", p->concur_needed)
                      : snprintf(buf, n, "%d/%d", p->concur, p->concur_needed);
    len = w < 0 ? 0 : (size_t)w;
    for (int k = 0; k < CR_KIND_COUNT && len < n; k++) {
        if (!(p->kinds_missing & (1u << k)))
            continue;
        w = snprintf(buf + len, n - len, " +%.3s", cr_kind_name(k));
        len += w < 0 ? 0 : (size_t)w;
    }
    return buf;
}

/* Take next (cases.h): the riskiest flagged case the user may claim, claimed. */

/*
 * Carry out an allowed action on w's case in the open transaction, as act()
 * does after its check: the change, its audit event, the commit, the
 * notice.  The caller rolls back on failure.
 */
static enum cr_status
carry_out(cr_db *db, const struct wf *w, int action, struct cr_act_result *res)
{
    const struct cr_case_state *cs = w->cs;
    struct cr_buf details = {0}, note = {0};
    struct cr_change ch;
    enum cr_status st = plan(db, w, action, &ch, &details, &note);
    int after = ch.state >= 0 ? ch.state : cs->state;
    if (st == CR_OK) {
        settle(cs, &ch);
        clock_on_change(db, cs, &ch);
        st = st_apply(db, cs, &ch);
    }
    if (st == CR_OK && rules[action].draft)
        st = st_draft_delete(db, cs->id, action);
    if (st == CR_OK)
        st = cr_audit_append(db, cs->id, cr_action_name(action), cr_state_name(cs->state),
                             cr_state_name(after), details.p);
    if (st == CR_OK)
        st = st_commit(db);
    if (st == CR_OK) {
        res->case_id = cs->id;
        res->state_before = cs->state;
        res->state_after = after;
        res->version = cs->version + (ch.bump_version ? 1 : 0);
        notice_of(db, w, action, cr_action_name(action), after);
    }
    cr_buf_free(&details);
    cr_buf_free(&note);
    return st;
}

/*
 * The first flagged case, riskiest first, of those the user may see
 * (policy.c: need-to-know, conflicts) that the claim's own check allows
 * (check(): separation of duties too), claimed, in the open transaction.
 * *found: whether there was one.
 */
static enum cr_status
take_first(cr_db *db, struct wf *w, struct cr_act_result *res, bool *found)
{
    struct cr_scope mine;
    enum cr_status st = cr_policy_scope(db, &mine);
    if (st != CR_OK)
        return st;
    struct cr_queue queue = {.login = w->me->login, .n = 1};
    queue.clauses[0] = (struct cr_queue_clause){.states = rules[CR_ACTION_CLAIM].from};
    struct cr_page page = {0};
    int64_t after = 0;
    *found = false;
    while (st == CR_OK && !*found) {
        if ((st = st_list_mine(db, &mine, &queue, after, 100, &page, false)) != CR_OK)
            break;
        for (size_t i = 0; i < page.n && st == CR_OK && !*found; i++) {
            struct cr_case_state cs;
            memset(&cs, 0, sizeof cs);
            if ((st = st_case_state(db, page.rows[i].id, &cs)) == CR_OK) {
                w->cs = &cs;
                if (check(w, CR_ACTION_CLAIM)) {
                    *found = true;
                    st = carry_out(db, w, CR_ACTION_CLAIM, res);
                }
                w->cs = NULL;
            }
            cr_case_state_free(&cs);
        }
        if (!page.more || !page.n)
            break;
        after = page.rows[page.n - 1].sortkey;
    }
    cr_page_free(&page);
    cr_scope_free(&mine);
    return st;
}

enum cr_status
cr_take_next(cr_db *db, struct cr_act_result *res)
{
    memset(res, 0, sizeof *res);
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    const struct cr_person *me = st_user(db);
    unsigned roles = rules[CR_ACTION_CLAIM].roles;
    if (!(me->roles & roles)) {
        char need[128], have[128];
        roles_text(roles, need, sizeof need);
        roles_text(me->roles, have, sizeof have);
        return cr_fail(db, CR_REFUSED,
                       "claim --next needs the %s role; you (%s) are %s, so no case is yours to "
                       "take",
                       need, me->login, *have ? have : "on the roster without a role");
    }
    if ((st = st_writable(db)) != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    struct cr_buf why = {0};
    const struct cr_request req = {.action = CR_ACTION_CLAIM};
    struct wf w = {st_config(db), me, NULL, &req, &why};
    bool found = false;
    st = take_first(db, &w, res, &found);
    cr_buf_free(&why);
    if (st == CR_OK && !found) {
        st_rollback(db);
        return cr_fail(db, CR_REFUSED, "no flagged case is left that you may take");
    }
    if (st != CR_OK)
        st_rollback(db);
    return st;
}

/* What an action did, in words (cases.h). */

/* "an independent member", "2 legal members": the kinds of concurrence still needed. */
static void
kinds_needed(const struct cr_signoff *so, const struct tally *t, struct cr_buf *out)
{
    bool first = true;
    for (int k = 0; k < CR_KIND_COUNT; k++) {
        int need = so->require_kinds[k] - t->concur_kind[k];
        if (need <= 0)
            continue;
        const char *kind = cr_kind_name(k);
        if (need == 1)
            cr_buf_addf(out, "%s%s %s member", first ? ", " : " and ",
                        strchr("aeiou", kind[0]) ? "an" : "a", kind);
        else
            cr_buf_addf(out, "%s%d %s members", first ? ", " : " and ", need, kind);
        first = false;
    }
    if (!first)
        cr_buf_addf(out, " still needed");
}

/* The vote's words: what was recorded and where the panel stands now. */
static void
describe_vote(const struct cr_config *cfg, const struct cr_request *req,
              const struct cr_act_result *res, const struct cr_case_state *cs, struct cr_buf *out)
{
    cr_buf_addf(out, "%s recorded",
                req->vote == CR_VOTE_RECUSE ? "recusal" : cr_vote_name(req->vote));
    if (res->state_after == CR_STATE_CLOSED) {
        cr_buf_addf(out, ": sign-off complete; the case is closed");
        return;
    }
    if (res->state_after == CR_STATE_RETURNED) {
        cr_buf_addf(out, ": the decision goes back to its reviewer (%s)",
                    cs->decided_by ? cs->decided_by : "unknown");
        return;
    }
    const struct cr_signoff *so = &cfg->signoff[cs->outcome >= 0 ? cs->outcome : 0];
    struct tally t = {0};
    for (size_t i = 0; i < cs->n_votes; i++)
        count_vote(&t, cs->votes[i].vote, cs->votes[i].kind);
    if (req->vote == CR_VOTE_DISSENT)
        cr_buf_addf(out, ": %d of the %d dissents that return it", t.dissent, so->dissent);
    else
        cr_buf_addf(out, ": %d of %d", t.concur, so->concur);
    kinds_needed(so, &t, out);
    if (cs->quorum_blocked)
        cr_buf_addf(out, "; the panel cannot reach quorum now (reconvene or recall)");
}

char *
cr_act_describe(cr_db *db, const struct cr_request *req, const struct cr_act_result *res)
{
    if (!db || !req || !res || req->action < 0 || req->action >= CR_ACTION_COUNT)
        return NULL;
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    bool known = st_case_state(db, res->case_id, &cs) == CR_OK;
    const struct cr_config *cfg = st_config(db);
    struct cr_buf out = {0};
    switch (req->action) {
    case CR_ACTION_CLAIM:
        cr_buf_addf(&out, "claimed: it is yours to decide");
        break;
    case CR_ACTION_RELEASE:
        cr_buf_addf(&out, "released: it is flagged again, for any reviewer to claim");
        break;
    case CR_ACTION_ASSIGN:
        cr_buf_addf(&out, "assigned to %s", req->target ? req->target : "a reviewer");
        break;
    case CR_ACTION_DECIDE:
        cr_buf_addf(&out, "decision recorded: %s%s; awaiting approval",
                    cr_outcome_name(req->outcome),
                    req->vetting_review ? " with a vetting review" : "");
        break;
    case CR_ACTION_APPROVE:
        if (res->state_after == CR_STATE_PANEL_REVIEW)
            cr_buf_addf(&out, "approved: the case goes to the panel");
        else
            cr_buf_addf(&out, "approved: the case is closed (%s needs no panel)",
                        known && cs.outcome >= 0 ? cr_outcome_name(cs.outcome) : "the outcome");
        break;
    case CR_ACTION_RETURN:
        cr_buf_addf(&out, "returned to its reviewer (%s) with your reason",
                    known && cs.assignee ? cs.assignee : "unassigned");
        break;
    case CR_ACTION_VOTE:
        if (known)
            describe_vote(cfg, req, res, &cs, &out);
        else
            cr_buf_addf(&out, "%s recorded", cr_vote_name(req->vote));
        break;
    case CR_ACTION_NOTE:
        cr_buf_addf(&out, "note added");
        break;
    case CR_ACTION_RECONVENE:
        cr_buf_addf(&out, "the panel sits again: the votes before are set aside, and every "
                          "member may vote");
        break;
    case CR_ACTION_RECALL:
        cr_buf_addf(&out, "recalled: the decision goes back to its reviewer (%s)",
                    known && cs.assignee ? cs.assignee : "unassigned");
        break;
    }
    cr_case_state_free(&cs);
    return out.p; /* NULL when out of memory */
}

void
cr_workflow_rule_rows(struct cr_rule_row out[CR_ACTION_COUNT])
{
    for (int a = 0; a < CR_ACTION_COUNT; a++)
        out[a] = (struct cr_rule_row){.action = a,
                                      .from_states = rules[a].from,
                                      .roles = rules[a].roles,
                                      .to_state = rules[a].to,
                                      .barred_by = barred_by(a)};
}
