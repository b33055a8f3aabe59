/*
 * Quality assurance (casereview/qa.h; README "Quality assurance"): the
 * selection of decisions at approval (cr_qa_on_approve, called by the
 * workflow's approve), the blind second review and its verdict, the queue
 * and the figures.  Every rule of it is here, once; the engines keep the
 * qa table (store.h: qa_put, qa_rows, approved_decisions).
 */
#include "internal.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE (st_store(db))

int
cr_qa_draw(const char *seed, int64_t case_id, int round)
{
    char msg[320];
    int n = snprintf(msg, sizeof msg, "%s\n%lld\n%d", seed ? seed : "", (long long)case_id, round);
    if (n < 0 || (size_t)n >= sizeof msg)
        n = (int)strlen(msg);
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)msg, (size_t)n, NULL, 0);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | h[i];
    return (int)(v % 10000);
}

/* Rows read into a list: each row's strings copied into the list's cr_strings. */
static enum cr_status
keep_row(void *ctx, const struct cr_qa_row *q)
{
    struct cr_qa_list *l = ctx;
    struct cr_strings *s = l->priv;
    struct cr_qa_row *rows = realloc(l->rows, (l->n + 1) * sizeof *rows);
    if (!rows)
        return CR_NOMEM;
    l->rows = rows;
    struct cr_qa_row *r = &rows[l->n++];
    *r = *q;
    r->decider = cr_strings_keep(s, q->decider);
    r->approver = cr_strings_keep(s, q->approver);
    r->reason = cr_strings_keep(s, q->reason);
    r->config_digest = cr_strings_keep(s, q->config_digest);
    r->qa_by = cr_strings_keep(s, q->qa_by);
    r->verdict = cr_strings_keep(s, q->verdict);
    r->qa_reason = cr_strings_keep(s, q->qa_reason);
    return s->nomem ? CR_NOMEM : CR_OK;
}

static enum cr_status
read_rows(cr_db *db, int64_t case_id, bool pending, struct cr_qa_list *out)
{
    memset(out, 0, sizeof *out);
    if (!(out->priv = cr_strings_new()))
        return cr_fail(db, CR_NOMEM, "out of memory");
    enum cr_status st = ENGINE->qa_rows(db, case_id, pending, keep_row, out);
    if (st == CR_NOMEM)
        cr_fail(db, CR_NOMEM, "out of memory");
    return st;
}

void
cr_qa_list_free(struct cr_qa_list *l)
{
    if (!l)
        return;
    free(l->rows);
    cr_strings_free(l->priv);
    memset(l, 0, sizeof *l);
}

/* Selection at approval */

struct count_ctx {
    const char *decider, *digest;
    int64_t n;
};

static enum cr_status
count_selected(void *ctx, const struct cr_qa_row *q)
{
    struct count_ctx *c = ctx;
    if (q->decider && strcmp(q->decider, c->decider) == 0 && q->config_digest &&
        strcmp(q->config_digest, c->digest) == 0)
        c->n++;
    return CR_OK;
}

/*
 * Called by the workflow's approve (workflow.c), in its write transaction,
 * after the approval is applied: select the decision of round `round` on
 * case_id (by decider, outcome, approved by approver) for quality review
 * when the configuration's qa: says so, writing the qa row and a
 * "qa_selected" event with the seed, the draw and why.  CR_OK when nothing
 * is selected.
 */
enum cr_status
cr_qa_on_approve(cr_db *db, int64_t case_id, int round, const char *decider, int outcome,
                 const char *approver)
{
    const struct cr_config *cfg = st_config(db);
    if (!cfg || !cfg->qa_on || outcome < 0 || !decider || !(cfg->qa_outcomes & (1u << outcome)))
        return CR_OK;
    int draw = cr_qa_draw(cfg->qa_seed, case_id, round);
    const char *reason = NULL;
    if (draw < cfg->qa_sample_percent * 100) {
        reason = "sample";
    } else if (cfg->qa_min_per_reviewer > 0) {
        struct count_ctx c = {decider, cfg->digest, 0};
        enum cr_status st = ENGINE->qa_rows(db, 0, false, count_selected, &c);
        if (st != CR_OK)
            return st;
        if (c.n < cfg->qa_min_per_reviewer)
            reason = "minimum";
    }
    if (!reason)
        return CR_OK;
    struct cr_qa_row q = {.case_id = case_id,
                          .round = round,
                          .decider = decider,
                          .approver = approver,
                          .outcome = outcome,
                          .reason = reason,
                          .draw = draw,
                          .config_digest = cfg->digest,
                          .selected_at = cr_db_tx_now(db)};
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"round\": %d, \"decider\": ", round);
    cr_buf_add_json(&d, decider);
    cr_buf_addf(&d,
                ", \"outcome\": \"%s\", \"selected\": \"%s\", \"seed\": ", cr_outcome_name(outcome),
                reason);
    cr_buf_add_json(&d, cfg->qa_seed);
    cr_buf_addf(&d, ", \"draw\": %d, \"sample_percent\": %d, \"min_per_reviewer\": %d}", draw,
                cfg->qa_sample_percent, cfg->qa_min_per_reviewer);
    enum cr_status st = d.p ? ENGINE->qa_put(db, &q) : cr_fail(db, CR_NOMEM, "out of memory");
    if (st == CR_OK)
        st = cr_audit_append(db, case_id, "qa_selected", NULL, NULL, d.p);
    cr_buf_free(&d);
    return st;
}

/* Who may review for quality */

/* Whether the user may review for quality at all; why says why not. */
static bool
may_qa(const struct cr_config *cfg, const struct cr_person *me, struct cr_buf *why)
{
    if (!cfg->qa_on) {
        cr_buf_addf(why, "quality assurance is not configured (no qa: in the configuration)");
        return false;
    }
    if (cfg->n_qa_reviewers) {
        for (size_t i = 0; i < cfg->n_qa_reviewers; i++)
            if (strcmp(cfg->qa_reviewers[i], me->login) == 0)
                return true;
        cr_buf_addf(why,
                    "you (%s) are not on qa.reviewers, so may not review decisions for quality",
                    me->login);
        return false;
    }
    if (cr_person_has(me, CR_ROLE_REVIEWER) || cr_person_has(me, CR_ROLE_SUPERVISOR))
        return true;
    cr_buf_addf(
        why, "only a reviewer or supervisor may review decisions for quality; you (%s) are neither",
        me->login);
    return false;
}

/* Whether a view event is a QA view (cr_qa_view: {"view": "qa"}), which shows no decision. */
static bool
qa_view_event(const struct cr_event *e)
{
    return e->details && strstr(e->details, "\"view\": \"qa\"");
}

/*
 * Whether the user may review row q of case cs now: not its decider, its
 * approver, a panel member who voted on it, nor anyone who has acted on or
 * looked at the case since it was decided (their events in the history
 * after the round's decide event, the QA view aside).  why says why not.
 */
static enum cr_status
may_review(cr_db *db, const struct cr_case_state *cs, const struct cr_qa_row *q, struct cr_buf *why,
           bool *ok)
{
    const char *me = st_user(db)->login;
    long long id = (long long)cs->id;
    *ok = false;
    if (strcmp(q->decider, me) == 0) {
        cr_buf_addf(why, "you (%s) took decision %d on case %lld, so may not review it for quality",
                    me, q->round, id);
        return CR_OK;
    }
    if (strcmp(q->approver, me) == 0) {
        cr_buf_addf(why,
                    "you (%s) approved decision %d on case %lld, so may not review it for quality",
                    me, q->round, id);
        return CR_OK;
    }
    for (size_t i = 0; i < cs->n_acts; i++) {
        const struct cr_case_act *a = &cs->acts[i];
        if (a->round == q->round && a->action == CR_ACTION_VOTE && a->login &&
            strcmp(a->login, me) == 0) {
            cr_buf_addf(why,
                        "you (%s) voted on decision %d of case %lld as a panel member, so may not "
                        "review it for quality",
                        me, q->round, id);
            return CR_OK;
        }
    }
    struct cr_history h = {0};
    enum cr_status st = ENGINE->history(db, cs->id, &h);
    if (st != CR_OK) {
        cr_history_free(&h);
        return st;
    }
    int64_t decided = 0;
    char round_key[32];
    snprintf(round_key, sizeof round_key, "\"round\": %d,", q->round);
    for (size_t i = 0; i < h.n; i++) {
        const struct cr_event *e = &h.events[i];
        if (!decided && e->action && strcmp(e->action, "decide") == 0 && e->details &&
            strstr(e->details, round_key))
            decided = e->id;
        if (!decided || !e->actor || strcmp(e->actor, me) != 0)
            continue;
        if (strcmp(e->action, "view") == 0 && qa_view_event(e))
            continue;
        cr_buf_addf(why,
                    "you (%s) have seen decision %d of case %lld (event %lld, %s); a quality "
                    "review is blind, so another reviewer must give it",
                    me, q->round, id, (long long)e->id, e->action);
        cr_history_free(&h);
        return CR_OK;
    }
    cr_history_free(&h);
    *ok = true;
    return CR_OK;
}

struct waiting_ctx {
    cr_db *db;
    struct cr_qa_list *out;
    int64_t cap, n;
    enum cr_status st;
};

/* The case's pending row, if any (*found false: none). */
static enum cr_status
pending_row(cr_db *db, int64_t id, struct cr_qa_list *row, bool *found)
{
    enum cr_status st = read_rows(db, id, true, row);
    *found = st == CR_OK && row->n > 0;
    return st;
}

/* Whether the user may review the pending row q (conflicts, need-to-know and may_review). */
static enum cr_status
reviewable(cr_db *db, const struct cr_qa_row *q, struct cr_buf *why, bool *ok)
{
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    *ok = false;
    enum cr_status st = st_case_state(db, q->case_id, &cs);
    if (st == CR_OK) {
        const char *rule;
        enum cr_status seen = cr_policy_may_see(db, &cs, "sees", &rule);
        if (seen == CR_OK && cs.erased)
            cr_buf_addf(why, CR_ERASED_REFUSAL, (long long)cs.id, "a quality review");
        else if (seen == CR_OK)
            st = may_review(db, &cs, q, why, ok);
        else if (seen == CR_REFUSED)
            cr_buf_addf(why, "%s", cr_db_errmsg(db));
        else
            st = seen;
    }
    cr_case_state_free(&cs);
    return st;
}

static enum cr_status
waiting(cr_db *db, struct cr_qa_list *out, int64_t cap, int64_t *count)
{
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    struct cr_buf why = {0};
    bool allowed = may_qa(st_config(db), st_user(db), &why);
    if (!allowed) {
        st = out ? cr_fail(db, CR_REFUSED, "qa: %s", why.p ? why.p : "refused") : CR_OK;
        cr_buf_free(&why);
        if (count)
            *count = 0;
        return st;
    }
    struct cr_qa_list all;
    if ((st = read_rows(db, 0, true, &all)) != CR_OK) {
        cr_qa_list_free(&all);
        cr_buf_free(&why);
        return st;
    }
    if (out && !(out->priv = cr_strings_new()))
        st = cr_fail(db, CR_NOMEM, "out of memory");
    int64_t n = 0;
    for (size_t i = 0; st == CR_OK && i < all.n && (!cap || n < cap); i++) {
        bool ok;
        cr_buf_reset(&why);
        if ((st = reviewable(db, &all.rows[i], &why, &ok)) != CR_OK || !ok)
            continue;
        n++;
        if (out && (st = keep_row(out, &all.rows[i])) == CR_NOMEM)
            cr_fail(db, CR_NOMEM, "out of memory");
    }
    if (count)
        *count = n;
    cr_qa_list_free(&all);
    cr_buf_free(&why);
    return st;
}

enum cr_status
cr_qa_waiting(cr_db *db, struct cr_qa_list *out)
{
    memset(out, 0, sizeof *out);
    return waiting(db, out, 0, NULL);
}

enum cr_status
cr_qa_waiting_count(cr_db *db, int64_t cap, int64_t *n)
{
    *n = 0;
    return waiting(db, NULL, cap > 0 ? cap : 1, n);
}

/* The case ref names, its pending row, and whether the user may review it (a refusal when not). */
static enum cr_status
find_reviewable(cr_db *db, const struct cr_case_ref *ref, struct cr_qa_list *row)
{
    memset(row, 0, sizeof *row);
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    struct cr_buf why = {0};
    if (!may_qa(st_config(db), st_user(db), &why)) {
        st = cr_fail(db, CR_REFUSED, "qa: %s", why.p ? why.p : "refused");
        cr_buf_free(&why);
        return st;
    }
    int64_t id;
    bool found = false, ok = false;
    if ((st = st_case_ref(db, ref, &id)) == CR_OK &&
        (st = pending_row(db, id, row, &found)) == CR_OK) {
        if (!found)
            st = cr_fail(db, CR_NOT_FOUND,
                         "qa: case %lld has no decision waiting for quality review", (long long)id);
        else if ((st = reviewable(db, &row->rows[0], &why, &ok)) == CR_OK && !ok)
            st = cr_fail(db, CR_REFUSED, "qa: %s", why.p ? why.p : "refused");
    }
    cr_buf_free(&why);
    return st;
}

static enum cr_status
qa_view(cr_db *db, const struct cr_case_ref *ref, struct cr_case *out, struct cr_qa_list *row_out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = find_reviewable(db, ref, row_out);
    if (st != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    st = cr_case_view_recorded(db, row_out->rows[0].case_id, true, "qa", out);
    st = st == CR_OK ? st_commit(db) : (st_rollback(db), st);
    if (st != CR_OK)
        return st;
    /* Blind: nothing of the decision under review, nor who took it. */
    out->row.outcome = -1;
    out->row.vetting_review = 0;
    out->row.decided_by = NULL;
    out->row.decided_at = 0;
    out->row.assignee = NULL; /* the decider, most often */
    out->rationale = NULL;
    out->approved_by = NULL;
    out->approved_at = 0;
    out->n_votes = 0;
    out->votes_hidden = 0;
    out->n_notes = 0;
    return CR_OK;
}

enum cr_status
cr_qa_view(cr_db *db, const char *key, struct cr_case *out, struct cr_qa_list *row_out)
{
    const struct cr_case_ref ref = {key, 0};
    return qa_view(db, &ref, out, row_out);
}

enum cr_status
cr_qa_view_id(cr_db *db, int64_t case_id, struct cr_case *out, struct cr_qa_list *row_out)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return qa_view(db, &ref, out, row_out);
}

enum cr_status
cr_qa_may_review_id(cr_db *db, int64_t case_id, bool *yes, int *round)
{
    *yes = false;
    *round = 0;
    const struct cr_config *cfg = st_config(db);
    const struct cr_person *me = st_user(db);
    struct cr_buf why = {0};
    if (!cfg || !me)
        return cr_need_user(db);
    if (!may_qa(cfg, me, &why)) {
        cr_fail(db, CR_REFUSED, "qa: %s", why.p ? why.p : "refused");
        cr_buf_free(&why);
        return CR_OK;
    }
    struct cr_qa_list row;
    bool found;
    enum cr_status st = pending_row(db, case_id, &row, &found);
    if (st == CR_OK && !found)
        cr_fail(db, CR_NOT_FOUND, "qa: case %lld has no decision waiting for quality review",
                (long long)case_id);
    if (st == CR_OK && found) {
        *round = row.rows[0].round;
        st = reviewable(db, &row.rows[0], &why, yes);
        if (st == CR_OK && !*yes)
            cr_fail(db, CR_REFUSED, "qa: %s", why.p ? why.p : "refused");
    }
    cr_buf_free(&why);
    cr_qa_list_free(&row);
    return st;
}

static enum cr_status
qa_record(cr_db *db, const struct cr_case_ref *ref, bool agree, const char *reason,
          struct cr_act_result *res)
{
    memset(res, 0, sizeof *res);
    if (cr_blank(reason))
        return cr_fail(db, CR_USAGE, "qa: a verdict needs its reasons (--reason TEXT)");
    if (strlen(reason) > CR_TEXT_MAX_BYTES || !cr_utf8_valid(reason, strlen(reason), NULL))
        return cr_fail(db, CR_USAGE, "qa: the reason must be valid UTF-8 of at most %d bytes",
                       CR_TEXT_MAX_BYTES);
    enum cr_status st = st_writable(db);
    if (st != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    struct cr_qa_list row;
    struct cr_buf d = {0};
    if ((st = find_reviewable(db, ref, &row)) != CR_OK)
        goto out;
    struct cr_qa_row q = row.rows[0];
    q.qa_by = st_user(db)->login;
    q.verdict = agree ? "agree" : "disagree";
    q.qa_reason = reason;
    q.qa_at = cr_db_tx_now(db);
    cr_buf_addf(&d, "{\"round\": %d, \"decider\": ", q.round);
    cr_buf_add_json(&d, q.decider);
    cr_buf_addf(&d,
                ", \"selected\": \"%s\", \"draw\": %d, \"verdict\": \"%s\", \"reason\": ", q.reason,
                q.draw, q.verdict);
    cr_buf_add_json(&d, reason);
    cr_buf_addc(&d, '}');
    if (!d.p) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
        goto out;
    }
    if ((st = ENGINE->qa_put(db, &q)) != CR_OK ||
        (st = cr_audit_append(db, q.case_id, "qa", NULL, NULL, d.p)) != CR_OK ||
        (st = st_commit(db)) != CR_OK)
        goto out;
    res->case_id = q.case_id;
out:
    if (st != CR_OK)
        st_rollback(db);
    cr_qa_list_free(&row);
    cr_buf_free(&d);
    return st;
}

enum cr_status
cr_qa_record(cr_db *db, const char *key, bool agree, const char *reason, struct cr_act_result *res)
{
    const struct cr_case_ref ref = {key, 0};
    return qa_record(db, &ref, agree, reason, res);
}

enum cr_status
cr_qa_record_id(cr_db *db, int64_t case_id, bool agree, const char *reason,
                struct cr_act_result *res)
{
    const struct cr_case_ref ref = {NULL, case_id};
    return qa_record(db, &ref, agree, reason, res);
}

/* The figures (report --qa) */

struct figures {
    cr_db *db;
    struct cr_qa_report *r;
    struct cr_strings *names;
    enum cr_status st;
};

static struct cr_qa_rate *
rate_of(struct figures *f, struct cr_qa_rate **v, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].name, name) == 0)
            return &(*v)[i];
    struct cr_qa_rate *p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p)
        return NULL;
    *v = p;
    p[*n] = (struct cr_qa_rate){.name = cr_strings_keep(f->names, name)};
    return &p[(*n)++];
}

static enum cr_status
figure_row(void *ctx, const struct cr_qa_row *q)
{
    struct figures *f = ctx;
    struct cr_qa_report *r = f->r;
    r->selected++;
    if (!q->verdict)
        return CR_OK;
    bool agreed = strcmp(q->verdict, "agree") == 0;
    r->reviewed++;
    r->agreed += agreed;
    struct cr_qa_rate *x = rate_of(f, &r->reviewers, &r->n_reviewers, q->decider);
    if (!x)
        return CR_NOMEM;
    x->reviewed++;
    x->agreed += agreed;
    for (int c = 0; c < CR_CATEGORY_COUNT; c++) {
        if (!(q->categories & (1u << c)))
            continue;
        if (!(x = rate_of(f, &r->categories, &r->n_categories, cr_category_name(c))))
            return CR_NOMEM;
        x->reviewed++;
        x->agreed += agreed;
    }
    return CR_OK;
}

static struct cr_qa_nfa *
nfa_of(struct figures *f, const char *login)
{
    struct cr_qa_report *r = f->r;
    for (size_t i = 0; i < r->n_nfa; i++)
        if (strcmp(r->nfa[i].login, login) == 0)
            return &r->nfa[i];
    struct cr_qa_nfa *p = realloc(r->nfa, (r->n_nfa + 1) * sizeof *p);
    if (!p)
        return NULL;
    r->nfa = p;
    p[r->n_nfa] = (struct cr_qa_nfa){.login = cr_strings_keep(f->names, login)};
    return &p[r->n_nfa++];
}

static enum cr_status
figure_decision(void *ctx, const struct cr_decision_fact *d)
{
    struct figures *f = ctx;
    if (!(d->categories & CR_CATMASK_SO) || !d->reviewer)
        return CR_OK;
    struct cr_qa_nfa *x = nfa_of(f, d->reviewer);
    if (!x)
        return CR_NOMEM;
    bool nfa = d->outcome == CR_OUTCOME_NFA;
    x->decided++;
    x->nfa += nfa;
    f->r->team.decided++;
    f->r->team.nfa += nfa;
    return CR_OK;
}

static struct cr_qa_round *
round_of(struct cr_qa_report *r, int round)
{
    for (size_t i = 0; i < r->n_rounds; i++)
        if (r->rounds[i].round == round)
            return &r->rounds[i];
    struct cr_qa_round *p = realloc(r->rounds, (r->n_rounds + 1) * sizeof *p);
    if (!p)
        return NULL;
    r->rounds = p;
    p[r->n_rounds] = (struct cr_qa_round){.round = round};
    return &p[r->n_rounds++];
}

/* The panel's sittings from the trail: an approval sent to the panel, a vote that returned. */
static int
figure_event(void *ctx, const struct cr_event *e)
{
    struct figures *f = ctx;
    const char *d = e->details ? e->details : "";
    const char *at = strstr(d, "\"round\": ");
    if (!at)
        return 0;
    int round = atoi(at + 9);
    bool to_panel = strcmp(e->action, "approve") == 0 && strstr(d, "\"panel\": true");
    bool returned = strcmp(e->action, "vote") == 0 && strstr(d, "\"result\": \"returned\"");
    if (!to_panel && !returned)
        return 0;
    struct cr_qa_round *x = round_of(f->r, round);
    if (!x) {
        f->st = CR_NOMEM;
        return 1;
    }
    x->to_panel += to_panel;
    x->returned += returned;
    return 0;
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(((const struct cr_qa_rate *)a)->name, ((const struct cr_qa_rate *)b)->name);
}

static int
by_login(const void *a, const void *b)
{
    return strcmp(((const struct cr_qa_nfa *)a)->login, ((const struct cr_qa_nfa *)b)->login);
}

static int
by_round(const void *a, const void *b)
{
    int x = ((const struct cr_qa_round *)a)->round, y = ((const struct cr_qa_round *)b)->round;
    return (x > y) - (x < y);
}

enum cr_status
cr_qa_report(cr_db *db, struct cr_qa_report *out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    const struct cr_person *me = st_user(db);
    if (!cr_person_has(me, CR_ROLE_SUPERVISOR) && !cr_person_has(me, CR_ROLE_ADMIN))
        return cr_fail(db, CR_REFUSED,
                       "report --qa: only a supervisor or the admin may read the quality figures; "
                       "you (%s) are neither",
                       me->login);
    struct figures f = {db, out, cr_strings_new(), CR_OK};
    out->priv = f.names;
    if (!f.names)
        return cr_fail(db, CR_NOMEM, "out of memory");
    bool began = false;
    if ((st = ENGINE->snapshot_begin(db, &began)) != CR_OK)
        return st;
    st = ENGINE->qa_rows(db, 0, false, figure_row, &f);
    if (st == CR_OK)
        st = ENGINE->approved_decisions(db, figure_decision, &f);
    const char *const actions[] = {"approve", "vote"};
    for (size_t i = 0; st == CR_OK && i < 2; i++) {
        struct cr_audit_filter filter = {.action = actions[i]};
        int64_t n = 0, head = 0;
        if ((st = ENGINE->audit_last(db, &head)) == CR_OK)
            st = ENGINE->audit_scan(db, &filter, 0, head, figure_event, &f, &n);
        if (st == CR_OK)
            st = f.st;
    }
    ENGINE->snapshot_end(db, began, st == CR_OK);
    if (st == CR_NOMEM || f.names->nomem)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    if (st != CR_OK)
        return st;
    if (out->n_reviewers)
        qsort(out->reviewers, out->n_reviewers, sizeof *out->reviewers, by_name);
    if (out->n_categories)
        qsort(out->categories, out->n_categories, sizeof *out->categories, by_name);
    if (out->n_nfa)
        qsort(out->nfa, out->n_nfa, sizeof *out->nfa, by_login);
    if (out->n_rounds)
        qsort(out->rounds, out->n_rounds, sizeof *out->rounds, by_round);
    return CR_OK;
}

void
cr_qa_report_free(struct cr_qa_report *r)
{
    if (!r)
        return;
    free(r->reviewers);
    free(r->categories);
    free(r->rounds);
    free(r->nfa);
    cr_strings_free(r->priv);
    memset(r, 0, sizeof *r);
}

enum cr_status
cr_qa_blind_case(cr_db *db, const char *key, int64_t *case_id)
{
    *case_id = 0;
    const struct cr_case_ref ref = {key, 0};
    int64_t id;
    bool yes = false;
    int round;
    /* A key that names no case is the view's to refuse, in its words. */
    if (st_case_ref(db, &ref, &id) != CR_OK)
        return CR_OK;
    enum cr_status st = cr_qa_may_review_id(db, id, &yes, &round);
    if (st == CR_OK && yes)
        *case_id = id;
    return st;
}
