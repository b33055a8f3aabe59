/*
 * The audit trail in memory: the events as core built and chained them
 * (core/audit.c hashes and verifies), the chain's head, the key, the scan of
 * the audit log, and the reads audit verify makes.
 */
#include "engine.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

enum cr_status
mem_audit_put(cr_db *db, const struct cr_event *e, const unsigned char prev[32],
              const unsigned char hash[32])
{
    assert(e->id > 0 && e->actor && e->action && e->details && e->config_digest);
    enum cr_status st = mem_in_transaction(db, "append audit event");
    if (st != CR_OK)
        return st;
    struct mem_data *d = mem_data(db);
    struct mem_event *x = mem_add(d, MEM_AUDIT_EVENTS);
    if (!x)
        return cr_fail(db, CR_NOMEM, "out of memory");
    if (x->id != e->id)
        return cr_fail(db, CR_INVALID, "%s: the audit trail's head record is missing or damaged",
                       mem_path(db));
    x->at = e->at;
    x->case_id = e->case_id;
    memcpy(x->prev_hash, prev, 32);
    memcpy(x->hash, hash, 32);
    if (!mem_set(&x->actor, e->actor) || !mem_set(&x->action, e->action) ||
        !mem_set(&x->state_before, e->state_before) || !mem_set(&x->state_after, e->state_after) ||
        !mem_set(&x->details, e->details) || !mem_set(&x->config_digest, e->config_digest) ||
        !mem_set(&x->purpose, e->purpose) || !mem_set(&x->os_login, e->os_login) ||
        !mem_set(&x->details_digest, e->details_digest))
        return cr_fail(db, CR_NOMEM, "out of memory");
    d->head_id = e->id;
    memcpy(d->head_hash, hash, 32);
    return CR_OK;
}

enum cr_status
mem_audit_head(cr_db *db, int64_t *event, unsigned char hash[32])
{
    const struct mem_data *d = mem_data(db);
    *event = d->head_id;
    memcpy(hash, d->head_hash, 32);
    return CR_OK;
}

enum cr_status
mem_audit_key(cr_db *db, struct cr_audit_key *out)
{
    /* Every event of an in-memory database is keyed: keying began with event 1. */
    out->have = true;
    out->problem = NULL;
    memcpy(out->key, mem_key(db), sizeof out->key);
    out->keyed_from = 1;
    memset(out->anchor, 0, sizeof out->anchor);
    out->where = mem_path(db);
    return CR_OK;
}

/* One snapshot is all a process's memory holds: another handle's writes show when committed. */
enum cr_status
mem_read_begin(cr_db *db)
{
    (void)db;
    return CR_OK;
}

void
mem_read_end(cr_db *db)
{
    (void)db;
}

enum cr_status
mem_audit_last(cr_db *db, int64_t *id)
{
    const struct mem_data *d = mem_data(db);
    size_t n = MEM_N(d, MEM_AUDIT_EVENTS);
    *id = n ? MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event)[n - 1].id : 0;
    return CR_OK;
}

enum cr_status
mem_audit_last_digest(cr_db *db, char out[65], bool *any)
{
    const struct mem_data *d = mem_data(db);
    size_t n = MEM_N(d, MEM_AUDIT_EVENTS);
    out[0] = '\0';
    *any = n > 0;
    if (n)
        snprintf(out, 65, "%s",
                 MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event)[n - 1].config_digest);
    return CR_OK;
}

enum cr_status
mem_audit_scan(cr_db *db, const struct cr_audit_filter *f, int64_t after, int64_t upto,
               cr_store_event_fn each, void *ctx, int64_t *n)
{
    *n = 0;
    const struct mem_data *d = mem_data(db);
    const struct mem_event *x = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    for (size_t i = 0; i < MEM_N(d, MEM_AUDIT_EVENTS); i++) {
        if (x[i].id <= after || x[i].id > upto)
            continue;
        if ((f->case_id && x[i].case_id != f->case_id) ||
            (f->actor && strcmp(x[i].actor, f->actor) != 0) ||
            (f->action && strcmp(x[i].action, f->action) != 0) ||
            (f->since && x[i].at < f->since) || (f->until && x[i].at >= f->until))
            continue;
        struct cr_event e;
        mem_event_out(&x[i], &e, NULL);
        (*n)++;
        if (each(ctx, &e) != 0)
            return cr_fail(db, CR_DB, "audit log: writing the events failed");
    }
    return CR_OK;
}

/* The reads of audit verify */

enum cr_status
mem_audit_chain(cr_db *db, int64_t case_id, int64_t from, cr_audit_link_fn each, void *ctx)
{
    assert(case_id >= 0 && each);
    const struct mem_data *d = mem_data(db);
    const struct mem_event *x = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    for (size_t i = 0; i < MEM_N(d, MEM_AUDIT_EVENTS); i++) {
        if (x[i].id < from || (case_id && x[i].case_id != case_id))
            continue;
        struct cr_audit_link l = {
            .prev_hash = x[i].prev_hash,
            .hash = x[i].hash,
            .prev_len = 32,
            .hash_len = 32,
        };
        mem_event_out(&x[i], &l.e, NULL);
        l.e.details_digest = x[i].details_digest;
        if (each(ctx, &l) != 0)
            break;
    }
    return CR_OK;
}

enum cr_status
mem_config_texts(cr_db *db, int (*each)(void *ctx, const struct cr_config_text *t), void *ctx)
{
    const struct mem_data *d = mem_data(db);
    const struct mem_config_version *v =
        MEM_ROWS(d, MEM_CONFIG_VERSIONS, struct mem_config_version);
    for (size_t i = 0; i < MEM_N(d, MEM_CONFIG_VERSIONS); i++) {
        const struct cr_config_text t = {
            .id = v[i].id,
            .digest = v[i].digest,
            .text = (const unsigned char *)v[i].text,
            .len = v[i].len,
        };
        if (each(ctx, &t) != 0)
            break;
    }
    return CR_OK;
}

/* A list's row, found by case and then in the trail's order (round, or id). */
struct list_ref {
    int64_t case_id, order;
    size_t i;
};

static int
by_case_then_order(const void *a, const void *b)
{
    const struct list_ref *x = a, *y = b;
    if (x->case_id != y->case_id)
        return x->case_id < y->case_id ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static enum mem_table_id
list_table_id(int list)
{
    switch (list) {
    case CR_REPLAY_DECISIONS:
        return MEM_DECISIONS;
    case CR_REPLAY_APPROVALS:
        return MEM_APPROVALS;
    case CR_REPLAY_VOTES:
        return MEM_VOTES;
    case CR_REPLAY_SET_ASIDE:
        return MEM_SUPERSEDED_VOTES;
    case CR_REPLAY_LINKS:
        return MEM_LINKS;
    case CR_REPLAY_FOLLOWUPS:
        return MEM_FOLLOWUPS;
    case CR_REPLAY_QA:
        return MEM_QA;
    default:
        return MEM_NOTES;
    }
}

/* Row r of list's table as verify reads it. */
static struct cr_case_list_row
list_row(const struct mem_data *d, int list, size_t r)
{
    struct cr_case_list_row out = {0};
    switch (list) {
    case CR_REPLAY_DECISIONS: {
        const struct mem_decision *x = &MEM_ROWS(d, MEM_DECISIONS, struct mem_decision)[r];
        out.round = x->round;
        out.who = x->reviewer;
        out.what = x->outcome >= 0 ? cr_outcome_name(x->outcome) : NULL;
        out.vetting_review = x->vetting_review;
        out.text = x->rationale;
        break;
    }
    case CR_REPLAY_APPROVALS: {
        const struct mem_approval *x = &MEM_ROWS(d, MEM_APPROVALS, struct mem_approval)[r];
        out.round = x->round;
        out.who = x->supervisor;
        break;
    }
    case CR_REPLAY_VOTES:
    case CR_REPLAY_SET_ASIDE: {
        const struct mem_vote *x = &MEM_ROWS(d, list_table_id(list), struct mem_vote)[r];
        out.round = x->round;
        out.who = x->member;
        out.kind = cr_kind_name(x->member_kind);
        out.what = cr_vote_name(x->vote);
        out.text = x->reason;
        break;
    }
    case CR_REPLAY_LINKS: {
        const struct mem_link *x = &MEM_ROWS(d, MEM_LINKS, struct mem_link)[r];
        out.kind = cr_link_kind_name(x->kind);
        out.what = x->ref;
        out.text = x->status;
        out.who = x->added_by;
        out.removed_by = x->removed_by;
        out.removed_reason = x->removed_reason;
        break;
    }
    case CR_REPLAY_FOLLOWUPS: {
        const struct mem_followup *x = &MEM_ROWS(d, MEM_FOLLOWUPS, struct mem_followup)[r];
        static const char *const stage_names[] = {
#define STAGE_NAME(id, name, label) name,
            CR_FOLLOWUP_STAGE_LIST(STAGE_NAME)
#undef STAGE_NAME
        };
        out.kind = x->stage >= 0 && (size_t)x->stage < CR_ARRAY_LEN(stage_names)
                       ? stage_names[x->stage]
                       : NULL;
        out.what = x->result;
        out.date = x->date;
        out.who = x->recorded_by;
        out.text = x->detail;
        break;
    }
    case CR_REPLAY_QA: {
        const struct mem_qa *x = &MEM_ROWS(d, MEM_QA, struct mem_qa)[r];
        out.round = x->round;
        out.who = x->decider;
        out.kind = x->reason;
        out.what = x->verdict;
        out.text = x->qa_reason;
        out.qa_by = x->qa_by;
        out.draw = x->draw;
        break;
    }
    default: {
        const struct mem_note *x = &MEM_ROWS(d, MEM_NOTES, struct mem_note)[r];
        out.kind = x->kind;
        out.who = x->author;
        out.text = x->body;
        break;
    }
    }
    return out;
}

/* The case of row r of list's table, and where it comes in the case's list. */
static struct list_ref
list_ref_of(const struct mem_data *d, int list, size_t r)
{
    switch (list) {
    case CR_REPLAY_DECISIONS: {
        const struct mem_decision *x = &MEM_ROWS(d, MEM_DECISIONS, struct mem_decision)[r];
        return (struct list_ref){x->case_id, x->round, r};
    }
    case CR_REPLAY_APPROVALS: {
        const struct mem_approval *x = &MEM_ROWS(d, MEM_APPROVALS, struct mem_approval)[r];
        return (struct list_ref){x->case_id, x->round, r};
    }
    case CR_REPLAY_VOTES:
    case CR_REPLAY_SET_ASIDE: {
        const struct mem_vote *x = &MEM_ROWS(d, list_table_id(list), struct mem_vote)[r];
        return (struct list_ref){x->case_id, x->id, r};
    }
    case CR_REPLAY_LINKS: {
        const struct mem_link *x = &MEM_ROWS(d, MEM_LINKS, struct mem_link)[r];
        return (struct list_ref){x->case_id, x->id, r};
    }
    case CR_REPLAY_FOLLOWUPS: {
        const struct mem_followup *x = &MEM_ROWS(d, MEM_FOLLOWUPS, struct mem_followup)[r];
        return (struct list_ref){x->case_id, x->id, r};
    }
    case CR_REPLAY_QA: {
        const struct mem_qa *x = &MEM_ROWS(d, MEM_QA, struct mem_qa)[r];
        return (struct list_ref){x->case_id, x->round, r};
    }
    default: {
        const struct mem_note *x = &MEM_ROWS(d, MEM_NOTES, struct mem_note)[r];
        return (struct list_ref){x->case_id, x->id, r};
    }
    }
}

enum cr_status
mem_case_rows(cr_db *db, int64_t id, cr_case_rows_fn each, void *ctx)
{
    assert(id >= 0);
    const struct mem_data *d = mem_data(db);
    enum cr_status st = CR_OK;
    /* Each list's rows by case, as the SQLite engine's indexes give them. */
    struct list_ref *refs[CR_REPLAY_LISTS] = {0};
    struct cr_case_list_row *rows[CR_REPLAY_LISTS] = {0};
    size_t n[CR_REPLAY_LISTS] = {0}, at[CR_REPLAY_LISTS] = {0};
    for (int k = 0; k < CR_REPLAY_LISTS; k++) {
        size_t count = MEM_N(d, list_table_id(k));
        refs[k] = malloc((count + 1) * sizeof *refs[k]);
        rows[k] = malloc((count + 1) * sizeof *rows[k]);
        if (!refs[k] || !rows[k]) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t r = 0; r < count; r++) {
            struct list_ref ref = list_ref_of(d, k, r);
            /* An import's link in force: the trail does not hold it (case_links, sqlite). */
            const struct mem_link *x = &MEM_ROWS(d, MEM_LINKS, struct mem_link)[r];
            if (k == CR_REPLAY_LINKS && !x->added_by && !x->removed_by)
                continue;
            if (!id || ref.case_id == id)
                refs[k][n[k]++] = ref;
        }
        qsort(refs[k], n[k], sizeof *refs[k], by_case_then_order);
    }
    const struct mem_case *cases = MEM_ROWS(d, MEM_CASES, struct mem_case);
    size_t n_cases = MEM_N(d, MEM_CASES), ci = 0;
    for (;;) {
        while (ci < n_cases && id && cases[ci].id != id)
            ci++;
        int64_t next = ci < n_cases ? cases[ci].id : INT64_MAX;
        for (int k = 0; k < CR_REPLAY_LISTS; k++)
            if (at[k] < n[k] && refs[k][at[k]].case_id < next)
                next = refs[k][at[k]].case_id;
        if (next == INT64_MAX)
            break;
        assert(id || !ci || cases[ci - 1].id < next); /* the cases are kept in id order */
        struct cr_case_rows c = {.id = next};
        if (ci < n_cases && cases[ci].id == next) {
            const struct mem_case *x = &cases[ci];
            c.in_cases = true;
            c.state = cr_state_name(x->state);
            c.outcome = x->outcome >= 0 ? cr_outcome_name(x->outcome) : NULL;
            c.vetting_review = x->vetting_review;
            c.assignee = x->assignee;
            c.round = x->round;
            c.decided_by = x->decided_by;
            c.rationale = x->rationale;
            c.panel_round = x->panel_round;
            ci++;
        }
        for (int k = 0; k < CR_REPLAY_LISTS; k++) {
            size_t first = at[k];
            for (; at[k] < n[k] && refs[k][at[k]].case_id == next; at[k]++)
                rows[k][at[k] - first] = list_row(d, k, refs[k][at[k]].i);
            c.n[k] = at[k] - first;
            c.rows[k] = rows[k];
        }
        if (each(ctx, &c) != 0)
            break;
    }
done:
    for (int k = 0; k < CR_REPLAY_LISTS; k++) {
        free(refs[k]);
        free(rows[k]);
    }
    return st;
}
