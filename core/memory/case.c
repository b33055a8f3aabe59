/*
 * One case, in memory: the case a key names, a case loaded for a view with
 * its votes and notes, the workflow's view of a case and the writes of an
 * action, the cases the quorum rules look at, drafts and a case's history.
 * Each does what the SQLite engine's core/sqlite/case.c does, with the
 * same messages.
 */
#include "engine.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *
mem_grow(void **items, size_t *n, size_t size)
{
    if ((*n & (*n - 1)) == 0) {
        size_t cap = *n ? *n * 2 : 4;
        void *p = realloc(*items, cap * size);
        if (!p)
            return NULL;
        *items = p;
    }
    return (char *)*items + (*n)++ * size;
}

const struct mem_subject *
mem_subject_of(const struct mem_data *d, const struct mem_case *c)
{
    return mem_find(d, MEM_SUBJECTS, c->subject_id);
}

/* The case numbered n, and the latest case of the subject ref (0: none). */
enum cr_status
mem_find_case(cr_db *db, int64_t n, const char *ref, int64_t *id, int64_t *id_of_ref)
{
    const struct mem_data *d = mem_data(db);
    *id = 0;
    if (id_of_ref)
        *id_of_ref = 0;
    if (n > 0 && mem_find(d, MEM_CASES, n))
        *id = n;
    if (ref && id_of_ref) {
        const struct mem_case *cases = MEM_ROWS(d, MEM_CASES, struct mem_case);
        for (size_t i = MEM_N(d, MEM_CASES); i-- > 0;) {
            const struct mem_subject *s = mem_subject_of(d, &cases[i]);
            if (s && strcmp(s->ref, ref) == 0) {
                *id_of_ref = cases[i].id;
                break;
            }
        }
    }
    return CR_OK;
}

const struct mem_approval *
mem_approval_of(const struct mem_data *d, int64_t case_id, int round)
{
    const struct mem_approval *a = MEM_ROWS(d, MEM_APPROVALS, struct mem_approval);
    for (size_t i = 0; i < MEM_N(d, MEM_APPROVALS); i++)
        if (a[i].case_id == case_id && a[i].round == round)
            return &a[i];
    return NULL;
}

/* The categories of a case (CR_CATMASK_*), as schema.c's generated column computes them. */
unsigned
mem_categories(const struct mem_case *c)
{
    return (c->n_allegations > c->n_sexual ? CR_CATMASK_DV : 0u) |
           (c->n_sexual > 0 ? CR_CATMASK_SO : 0u);
}

/* The queue's order: highest priority first, ties to the oldest case (schema.c's sortkey). */
int64_t
mem_sortkey(const struct mem_case *c)
{
    return (1048576 - c->priority) * 4294967296LL + c->id;
}

/* A case row's fields; its strings point into the tables until kept. */
void
mem_case_row(const struct mem_data *d, const struct mem_case *c, struct cr_case_row *r)
{
    const struct mem_subject *s = mem_subject_of(d, c);
    memset(r, 0, sizeof *r);
    r->id = c->id;
    r->sortkey = mem_sortkey(c);
    r->priority = c->priority;
    r->created_at = c->created_at;
    r->state_since = c->state_since;
    r->state = c->state;
    r->outcome = c->outcome;
    r->categories = mem_categories(c);
    r->n_allegations = c->n_allegations;
    r->duty = s ? s->duty : -1;
    r->subject_ref = s ? s->ref : NULL;
    r->surname = s ? s->surname : NULL;
    r->forenames = s ? s->forenames : NULL;
    r->rank = s ? s->rank : NULL;
    r->unit = s ? s->unit : NULL;
    r->assignee = c->assignee;
    r->decided_by = c->decided_by;
    r->decided_at = c->decided_at;
    r->vetting_review = c->vetting_review;
    r->quorum_blocked = c->quorum_blocked;
    r->version = c->version;
    r->clock_shift = c->clock_shift;
    r->paused_until = c->paused_until;
    r->approver = c->approver;
    r->panel_my_vote = -1;
}

static int
allegation_order(const void *a, const void *b)
{
    const struct mem_allegation *x = *(const struct mem_allegation *const *)a;
    const struct mem_allegation *y = *(const struct mem_allegation *const *)b;
    int c = strcmp(x->date, y->date);
    if (c)
        return c;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Load a case's row, subject, allegations and current decision. */
static enum cr_status
load_case(cr_db *db, int64_t id, struct cr_case *out)
{
    memset(out, 0, sizeof *out);
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = l;
    const struct mem_data *d = mem_data(db);
    const struct mem_case *c = mem_find(d, MEM_CASES, id);
    if (!c)
        return cr_fail(db, CR_NOT_FOUND, "no case %lld", (long long)id);
    const struct mem_subject *s = mem_subject_of(d, c);
    struct cr_case_row *r = &out->row;
    mem_case_row(d, c, r);
    const char **str[] = {&r->subject_ref, &r->surname,  &r->forenames,  &r->rank,
                          &r->unit,        &r->assignee, &r->decided_by, &r->approver};
    for (size_t i = 0; i < CR_ARRAY_LEN(str); i++)
        *str[i] = cr_strings_keep(l, *str[i]);
    out->previous_case = c->previous_case_id;
    out->employment = s ? s->employment : -1;
    out->vetting = s ? s->vetting : -1;
    out->rationale = cr_strings_keep(l, c->rationale);
    out->version = c->version;
    out->round = c->round;
    const struct mem_approval *a = mem_approval_of(d, c->id, c->round);
    out->approved_by = a ? cr_strings_keep(l, a->supervisor) : NULL;
    out->approved_at = a ? a->approved_at : 0;
    out->paused_by = cr_strings_keep(l, c->paused_by);
    out->pause_reason = cr_strings_keep(l, c->pause_reason);
    out->paused_at = c->paused_at;

    /* Allegations in date order, ties in the order they came. */
    const struct mem_allegation *all = MEM_ROWS(d, MEM_ALLEGATIONS, struct mem_allegation);
    const struct mem_allegation **mine = NULL;
    size_t n = 0;
    for (size_t i = 0; i < MEM_N(d, MEM_ALLEGATIONS); i++) {
        if (all[i].case_id != id)
            continue;
        const struct mem_allegation **p = mem_grow((void **)&mine, &n, sizeof *p);
        if (!p) {
            free(mine);
            return cr_fail(db, CR_NOMEM, "out of memory");
        }
        *p = &all[i];
    }
    if (n)
        qsort(mine, n, sizeof *mine, allegation_order);
    out->allegations = n ? calloc(n, sizeof *out->allegations) : NULL;
    if (n && !out->allegations) {
        free(mine);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        struct cr_allegation *x = &out->allegations[i];
        x->ref = cr_strings_keep(l, mine[i]->ref);
        x->category = mine[i]->category;
        x->date = cr_strings_keep(l, mine[i]->date);
        x->source = mine[i]->source;
        x->original_outcome = cr_strings_keep(l, mine[i]->original_outcome);
        x->summary = cr_strings_keep(l, mine[i]->summary);
    }
    out->n_allegations = n;
    free(mine);
    if (l->nomem)
        return cr_fail(db, CR_NOMEM, "out of memory");
    return CR_OK;
}

/* The workflow's view of a case */

/* A number that follows "key": in a JSON object of details, or 0 (json_extract's NULL). */
int64_t
mem_json_int(const char *json, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = json ? strchr(json, '"') : NULL; p; p = strchr(p + 1, '"')) {
        /* A key is a quote not escaped, the name, a quote, then a colon. */
        if (p > json && p[-1] == '\\')
            continue;
        if (strncmp(p + 1, key, klen) != 0 || p[1 + klen] != '"')
            continue;
        const char *v = p + 2 + klen;
        while (*v == ' ')
            v++;
        if (*v != ':')
            continue;
        v++;
        while (*v == ' ')
            v++;
        return strtoll(v, NULL, 10);
    }
    return 0;
}

static int
act_order(const void *a, const void *b)
{
    const struct cr_case_act *x = a, *y = b;
    return (x->round > y->round) - (x->round < y->round);
}

/* The sort must keep the order of the parts for acts of the same round: a stable insertion sort. */
static void
sort_acts(struct cr_case_act *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct cr_case_act t = a[i];
        size_t j = i;
        while (j > 0 && act_order(&a[j - 1], &t) > 0) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = t;
    }
}

static enum cr_status
add_act(struct cr_case_state *cs, struct cr_strings *l, const char *login, int action, int vote,
        int round)
{
    struct cr_case_act *a = mem_grow((void **)&cs->acts, &cs->n_acts, sizeof *a);
    if (!a) {
        l->nomem = true;
        return CR_NOMEM;
    }
    a->login = cr_strings_keep(l, login);
    a->action = action;
    a->vote = vote;
    a->round = round;
    return CR_OK;
}

enum cr_status
mem_case_state(cr_db *db, int64_t id, struct cr_case_state *cs)
{
    memset(cs, 0, sizeof *cs);
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    cs->priv = l;
    const struct mem_data *d = mem_data(db);
    const struct mem_case *c = mem_find(d, MEM_CASES, id);
    if (!c)
        return cr_fail(db, CR_NOT_FOUND, "no case %lld", (long long)id);
    const struct mem_subject *s = mem_subject_of(d, c);
    const struct mem_approval *ap = mem_approval_of(d, c->id, c->round);
    cs->id = c->id;
    cs->version = c->version;
    cs->updated_at = c->updated_at;
    cs->state = c->state;
    cs->outcome = c->outcome;
    cs->round = c->round;
    cs->vetting_review = c->vetting_review;
    cs->assignee = cr_strings_keep(l, c->assignee);
    cs->decided_by = cr_strings_keep(l, c->decided_by);
    cs->updated_by = cr_strings_keep(l, c->updated_by);
    cs->approved_by = ap ? cr_strings_keep(l, ap->supervisor) : NULL;
    cs->subject_unit = s ? cr_strings_keep(l, s->unit) : NULL;
    cs->subject_ref = s ? cr_strings_keep(l, s->ref) : NULL;
    cs->quorum_blocked = c->quorum_blocked;
    cs->panel_round = c->panel_round;
    cs->state_since = c->state_since;
    cs->clock_shift = c->clock_shift;
    cs->paused_until = c->paused_until;
    cs->approver = cr_strings_keep(l, c->approver);
    cs->erased = c->erased_event;

    const struct mem_vote *v = MEM_ROWS(d, MEM_VOTES, struct mem_vote);
    for (size_t i = 0; i < MEM_N(d, MEM_VOTES); i++) {
        if (v[i].case_id != id || v[i].round != c->round)
            continue;
        struct cr_vote_row *r = mem_grow((void **)&cs->votes, &cs->n_votes, sizeof *r);
        if (!r)
            return cr_fail(db, CR_NOMEM, "out of memory");
        r->member = cr_strings_keep(l, v[i].member);
        r->kind = v[i].member_kind;
        r->vote = v[i].vote;
        r->reason = cr_strings_keep(l, v[i].reason);
        r->at = v[i].created_at;
    }
    /*
     * Who did what in every round, for separation of duties across rounds:
     * decisions, approvals, votes (those set aside by a reconvene too), and
     * returns and recalls, read from their audit events, which name their
     * round.  In round order; within a round, in that order.
     */
    enum cr_status st = CR_OK;
    const struct mem_decision *dec = MEM_ROWS(d, MEM_DECISIONS, struct mem_decision);
    for (size_t i = 0; st == CR_OK && i < MEM_N(d, MEM_DECISIONS); i++)
        if (dec[i].case_id == id)
            st = add_act(cs, l, dec[i].reviewer, CR_ACTION_DECIDE, -1, dec[i].round);
    const struct mem_approval *apr = MEM_ROWS(d, MEM_APPROVALS, struct mem_approval);
    for (size_t i = 0; st == CR_OK && i < MEM_N(d, MEM_APPROVALS); i++)
        if (apr[i].case_id == id)
            st = add_act(cs, l, apr[i].supervisor, CR_ACTION_APPROVE, -1, apr[i].round);
    for (size_t i = 0; st == CR_OK && i < MEM_N(d, MEM_VOTES); i++)
        if (v[i].case_id == id)
            st = add_act(cs, l, v[i].member, CR_ACTION_VOTE, v[i].vote, v[i].round);
    const struct mem_vote *sv = MEM_ROWS(d, MEM_SUPERSEDED_VOTES, struct mem_vote);
    for (size_t i = 0; st == CR_OK && i < MEM_N(d, MEM_SUPERSEDED_VOTES); i++)
        if (sv[i].case_id == id)
            st = add_act(cs, l, sv[i].member, CR_ACTION_VOTE, sv[i].vote, sv[i].round);
    const struct mem_event *e = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    for (size_t i = 0; st == CR_OK && i < MEM_N(d, MEM_AUDIT_EVENTS); i++)
        if (e[i].case_id == id &&
            (strcmp(e[i].action, "return") == 0 || strcmp(e[i].action, "recall") == 0))
            st = add_act(cs, l, e[i].actor, CR_ACTION_RETURN, -1,
                         (int)mem_json_int(e[i].details, "round"));
    if (st != CR_OK || l->nomem)
        return cr_fail(db, CR_NOMEM, "out of memory");
    sort_acts(cs->acts, cs->n_acts);
    return CR_OK;
}

#define NOMEM_IF(x)                                        \
    do {                                                   \
        if (!(x))                                          \
            return cr_fail(db, CR_NOMEM, "out of memory"); \
    } while (0)

enum cr_status
mem_apply(cr_db *db, const struct cr_case_state *cs, const struct cr_change *ch, const char *actor)
{
    assert(db && cs && ch && actor);
    enum cr_status st = mem_in_transaction(db, "write");
    if (st != CR_OK)
        return st;
    struct mem_data *d = mem_data(db);
    int64_t now = cr_db_tx_now(db);
    int round = cs->round + (ch->decide ? 1 : 0);
    struct mem_case *c = mem_find(d, MEM_CASES, cs->id);
    if (!c)
        return cr_fail(db, CR_NOT_FOUND, "no case %lld", (long long)cs->id);
    /* The caller read the case in this transaction (store.h, apply): it cannot have moved. */
    assert(c->version == cs->version);

    if (ch->decide) {
        const struct mem_decision *dec = MEM_ROWS(d, MEM_DECISIONS, struct mem_decision);
        for (size_t i = 0; i < MEM_N(d, MEM_DECISIONS); i++)
            if (dec[i].case_id == cs->id && dec[i].round == round)
                return mem_constraint(db, "record decision", "decisions.case_id, decisions.round");
        struct mem_decision *x = mem_add(d, MEM_DECISIONS);
        NOMEM_IF(x);
        x->case_id = cs->id;
        x->round = round;
        x->outcome = ch->outcome;
        x->vetting_review = ch->vetting_review;
        x->decided_at = now;
        NOMEM_IF(mem_set(&x->reviewer, actor) && mem_set(&x->rationale, ch->rationale));
    }
    if (ch->approve) {
        if (mem_approval_of(d, cs->id, round))
            return mem_constraint(db, "record approval", "approvals.case_id, approvals.round");
        struct mem_approval *x = mem_add(d, MEM_APPROVALS);
        NOMEM_IF(x);
        x->case_id = cs->id;
        x->round = round;
        x->approved_at = now;
        NOMEM_IF(mem_set(&x->supervisor, actor));
    }
    if (ch->vote) {
        const struct mem_vote *v = MEM_ROWS(d, MEM_VOTES, struct mem_vote);
        for (size_t i = 0; i < MEM_N(d, MEM_VOTES); i++)
            if (v[i].case_id == cs->id && v[i].round == round && strcmp(v[i].member, actor) == 0)
                return mem_constraint(db, "record vote",
                                      "votes.case_id, votes.round, votes.member");
        struct mem_vote *x = mem_add(d, MEM_VOTES);
        NOMEM_IF(x);
        x->case_id = cs->id;
        x->round = round;
        x->member_kind = ch->member_kind;
        x->vote = ch->vote_value;
        x->created_at = now;
        NOMEM_IF(mem_set(&x->member, actor) && mem_set(&x->reason, ch->reason));
    }
    if (ch->supersede_votes) {
        /* Kept, with who set them aside and when, but no longer counted. */
        for (size_t i = 0; i < MEM_N(d, MEM_VOTES);) {
            struct mem_vote *v = &MEM_ROWS(d, MEM_VOTES, struct mem_vote)[i];
            if (v->case_id != cs->id || v->round != round) {
                i++;
                continue;
            }
            struct mem_vote *x = mem_add(d, MEM_SUPERSEDED_VOTES);
            NOMEM_IF(x);
            v = &MEM_ROWS(d, MEM_VOTES, struct mem_vote)[i];
            int64_t set_aside_id = x->id;
            *x = *v;
            x->id = set_aside_id;
            x->vote_id = v->id;
            x->superseded_at = now;
            x->member = x->reason = x->superseded_by = NULL;
            NOMEM_IF(mem_set(&x->member, v->member) && mem_set(&x->reason, v->reason) &&
                     mem_set(&x->superseded_by, actor));
            mem_remove(d, MEM_VOTES, i);
        }
    }
    if (ch->note_body) {
        struct mem_note *x = mem_add(d, MEM_NOTES);
        NOMEM_IF(x);
        x->case_id = cs->id;
        x->created_at = now;
        NOMEM_IF(mem_set(&x->author, ch->note_author ? ch->note_author : actor) &&
                 mem_set(&x->kind, ch->note_kind ? ch->note_kind : "note") &&
                 mem_set(&x->body, ch->note_body));
    }
    if (!ch->bump_version)
        return CR_OK;
    c = mem_find(d, MEM_CASES, cs->id);
    c->version++;
    NOMEM_IF(mem_set(&c->updated_by, actor));
    c->updated_at = now;
    if (ch->state >= 0) {
        if (ch->state != c->state)
            c->state_since = now;
        c->state = ch->state;
    }
    if (ch->set_assignee)
        NOMEM_IF(mem_set(&c->assignee, ch->assignee));
    c->round = round;
    if (ch->decide) {
        c->outcome = ch->outcome;
        c->vetting_review = ch->vetting_review;
        NOMEM_IF(mem_set(&c->rationale, ch->rationale) && mem_set(&c->decided_by, actor));
        c->decided_at = now;
    }
    if (ch->quorum_blocked >= 0)
        c->quorum_blocked = ch->quorum_blocked;
    if (ch->panel_round >= 0)
        c->panel_round = ch->panel_round;
    if (ch->set_clock)
        c->clock_shift = ch->clock_shift;
    if (ch->pause) {
        c->paused_until = ch->paused_until;
        c->paused_at = now;
        NOMEM_IF(mem_set(&c->paused_by, actor) && mem_set(&c->pause_reason, ch->pause_reason));
    } else if (ch->resume) {
        c->paused_until = c->paused_at = 0;
        NOMEM_IF(mem_set(&c->paused_by, NULL) && mem_set(&c->pause_reason, NULL));
    }
    if (ch->set_approver)
        NOMEM_IF(mem_set(&c->approver, ch->approver));
    return CR_OK;
}

/* The audit events of the votes cast on the case since its current panel sitting began. */
enum cr_status
mem_sitting_vote_events(cr_db *db, int64_t case_id, const char *const *starts, int64_t **ids,
                        size_t *n)
{
    *ids = NULL;
    *n = 0;
    const struct mem_data *d = mem_data(db);
    const struct mem_event *e = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    size_t count = MEM_N(d, MEM_AUDIT_EVENTS), from = 0;
    for (size_t i = 0; i < count; i++)
        for (int k = 0; e[i].case_id == case_id && starts[k]; k++)
            if (strcmp(e[i].action, starts[k]) == 0)
                from = i + 1;
    for (size_t i = from; i < count; i++) {
        if (e[i].case_id != case_id || strcmp(e[i].action, "vote") != 0)
            continue;
        int64_t *id = mem_grow((void **)ids, n, sizeof *id);
        if (!id)
            return cr_fail(db, CR_NOMEM, "out of memory");
        *id = e[i].id;
    }
    return CR_OK;
}

/* The cases whose quorum flag may need recomputing: with the panel, or flagged. */
enum cr_status
mem_quorum_cases(cr_db *db, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    const struct mem_data *d = mem_data(db);
    const struct mem_case *c = MEM_ROWS(d, MEM_CASES, struct mem_case);
    for (size_t i = 0; i < MEM_N(d, MEM_CASES); i++) {
        if (c[i].state != CR_STATE_PANEL_REVIEW && !c[i].quorum_blocked)
            continue;
        int64_t *id = mem_grow((void **)ids, n, sizeof *id);
        if (!id)
            return cr_fail(db, CR_NOMEM, "out of memory");
        *id = c[i].id;
    }
    return CR_OK;
}

enum cr_status
mem_set_quorum_blocked(cr_db *db, int64_t case_id, int blocked)
{
    enum cr_status st = mem_in_transaction(db, "write");
    if (st != CR_OK)
        return st;
    struct mem_case *c = mem_find(mem_data(db), MEM_CASES, case_id);
    if (c)
        c->quorum_blocked = blocked ? 1 : 0;
    return CR_OK;
}

/* Drafts: always the handle's user's own, by (case, login, action). */

static size_t
draft_index(const struct mem_data *d, int64_t case_id, const char *login, int action)
{
    const struct mem_draft *x = MEM_ROWS(d, MEM_DRAFTS, struct mem_draft);
    for (size_t i = 0; i < MEM_N(d, MEM_DRAFTS); i++)
        if (x[i].case_id == case_id && x[i].action == action && strcmp(x[i].login, login) == 0)
            return i;
    return SIZE_MAX;
}

enum cr_status
mem_draft_put(cr_db *db, const char *login, int64_t case_id, const struct cr_draft *d)
{
    assert(db && login && d);
    enum cr_status st = mem_in_transaction(db, "write");
    if (st != CR_OK)
        return st;
    struct mem_data *m = mem_data(db);
    /* As INSERT OR REPLACE: the old row goes, a new one comes. */
    size_t old = draft_index(m, case_id, login, d->action);
    if (old != SIZE_MAX)
        mem_remove(m, MEM_DRAFTS, old);
    struct mem_draft *x = mem_add(m, MEM_DRAFTS);
    NOMEM_IF(x);
    x->case_id = case_id;
    x->action = d->action;
    x->outcome = d->outcome >= 0 ? d->outcome : -1;
    x->vetting_review = d->vetting_review ? 1 : 0;
    x->vote = d->vote >= 0 ? d->vote : -1;
    x->case_version = d->case_version;
    x->saved_at = cr_db_tx_now(db);
    NOMEM_IF(mem_set(&x->login, login) &&
             mem_set(&x->target, d->target && *d->target ? d->target : NULL) &&
             mem_set(&x->text, d->text ? d->text : ""));
    return CR_OK;
}

enum cr_status
mem_draft_get(cr_db *db, const char *login, int64_t case_id, int action, struct cr_draft *out)
{
    assert(db && login && out);
    memset(out, 0, sizeof *out);
    out->action = action;
    out->outcome = out->vote = -1;
    out->text = "";
    const struct mem_data *m = mem_data(db);
    size_t i = draft_index(m, case_id, login, action);
    if (i == SIZE_MAX)
        return cr_fail(db, CR_NOT_FOUND, "you (%s) have no saved draft of %s on case %lld", login,
                       cr_action_name(action), (long long)case_id);
    const struct mem_draft *x = &MEM_ROWS(m, MEM_DRAFTS, struct mem_draft)[i];
    size_t text_len = strlen(x->text);
    size_t target_len = x->target ? strlen(x->target) + 1 : 0;
    /* One allocation holds the text and the target, as the SQLite engine's. */
    char *mem = malloc(text_len + 1 + target_len);
    NOMEM_IF(mem);
    memcpy(mem, x->text, text_len + 1);
    if (x->target)
        memcpy(mem + text_len + 1, x->target, target_len);
    out->priv = mem;
    out->text = mem;
    out->target = x->target ? mem + text_len + 1 : NULL;
    out->outcome = x->outcome;
    out->vetting_review = x->vetting_review;
    out->vote = x->vote;
    out->case_version = x->case_version;
    out->saved_at = x->saved_at;
    return CR_OK;
}

enum cr_status
mem_draft_delete(cr_db *db, const char *login, int64_t case_id, int action)
{
    assert(db && login);
    enum cr_status st = mem_in_transaction(db, "write");
    if (st != CR_OK)
        return st;
    struct mem_data *m = mem_data(db);
    size_t i = draft_index(m, case_id, login, action);
    if (i != SIZE_MAX)
        mem_remove(m, MEM_DRAFTS, i);
    return CR_OK;
}

/* Votes and notes of a case, for a view. */
static enum cr_status
load_votes_notes(cr_db *db, struct cr_case *c, bool hide_votes)
{
    struct cr_strings *l = c->priv;
    const struct mem_data *d = mem_data(db);
    const struct mem_vote *v = MEM_ROWS(d, MEM_VOTES, struct mem_vote);
    for (size_t i = 0; i < MEM_N(d, MEM_VOTES); i++) {
        if (v[i].case_id != c->row.id || v[i].round != c->round)
            continue;
        if (hide_votes) {
            c->votes_hidden++;
            continue;
        }
        struct cr_vote_row *r = mem_grow((void **)&c->votes, &c->n_votes, sizeof *r);
        NOMEM_IF(r);
        r->member = cr_strings_keep(l, v[i].member);
        r->kind = v[i].member_kind;
        r->vote = v[i].vote;
        r->reason = cr_strings_keep(l, v[i].reason);
        r->at = v[i].created_at;
    }
    const struct mem_note *n = MEM_ROWS(d, MEM_NOTES, struct mem_note);
    for (size_t i = 0; i < MEM_N(d, MEM_NOTES); i++) {
        if (n[i].case_id != c->row.id)
            continue;
        struct cr_note *r = mem_grow((void **)&c->notes, &c->n_notes, sizeof *r);
        NOMEM_IF(r);
        r->author = cr_strings_keep(l, n[i].author);
        r->kind = cr_strings_keep(l, n[i].kind);
        r->body = cr_strings_keep(l, n[i].body);
        r->at = n[i].created_at;
    }
    return l->nomem ? cr_fail(db, CR_NOMEM, "out of memory") : CR_OK;
}

enum cr_status
mem_case_load(cr_db *db, int64_t id, bool votes_notes, bool hide_votes, struct cr_case *out)
{
    enum cr_status st = load_case(db, id, out);
    if (st == CR_OK && votes_notes)
        st = load_votes_notes(db, out, hide_votes);
    return st;
}

/* An event's fields, its strings kept in l (or borrowed from the table when l is NULL). */
void
mem_event_out(const struct mem_event *x, struct cr_event *e, struct cr_strings *l)
{
#define K(s) (l ? cr_strings_keep(l, (s)) : (s))
    e->id = x->id;
    e->at = x->at;
    e->actor = K(x->actor);
    e->case_id = x->case_id;
    e->action = K(x->action);
    e->state_before = K(x->state_before);
    e->state_after = K(x->state_after);
    e->details = K(x->details);
    e->config_digest = K(x->config_digest);
    e->purpose = K(x->purpose);
    e->os_login = K(x->os_login);
    e->details_digest = NULL; /* the chain's own read sets it (mem_audit_chain) */
#undef K
}

enum cr_status
mem_history(cr_db *db, int64_t id, struct cr_history *out)
{
    memset(out, 0, sizeof *out);
    struct cr_strings *l = cr_strings_new();
    NOMEM_IF(l);
    out->priv = l;
    const struct mem_data *d = mem_data(db);
    const struct mem_event *x = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    for (size_t i = 0; i < MEM_N(d, MEM_AUDIT_EVENTS); i++) {
        if (x[i].case_id != id)
            continue;
        struct cr_event *e = mem_grow((void **)&out->events, &out->n, sizeof *e);
        NOMEM_IF(e);
        mem_event_out(&x[i], e, l);
    }
    return l->nomem ? cr_fail(db, CR_NOMEM, "out of memory") : CR_OK;
}

/*
 * The rules as data (store.h, rules_put): the memory engine keeps none.  Its
 * boundary is the program, which checks every rule before it writes
 * (workflow.c).
 */
enum cr_status
mem_rules_put(cr_db *db, const struct cr_rule_row *rows, size_t n)
{
    (void)db;
    (void)rows;
    (void)n;
    return CR_OK;
}
