/*
 * The audit trail in memory: appending an event chained to the one before
 * (keyed with the database's audit key from the first event on), the
 * chain's head, the scan of the audit log, and verification: the chain
 * recomputed, the kept heads checked, the trail replayed (replay.c) and
 * compared with the cases, with the SQLite engine's messages.
 */
#include "engine.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char zero_hash[32];

static void
hex_of(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

enum cr_status
mem_audit_append(cr_db *db, int64_t case_id, const char *action, const char *before,
                 const char *after, const char *details)
{
    enum cr_status st = mem_in_transaction(db, "append audit event");
    if (st != CR_OK)
        return st;
    struct mem_data *d = mem_data(db);
    const struct cr_config *cfg = st_config(db);
    const struct cr_person *me = st_user(db);
    const struct cr_event e = {
        .id = d->head_id + 1,
        .at = cr_db_now(db),
        .actor = me ? me->login : "system",
        .case_id = case_id,
        .action = action,
        .state_before = before,
        .state_after = after,
        .details = details ? details : "{}",
        .config_digest = cfg ? cfg->digest : "",
        .purpose = cr_db_purpose(db),
        .os_login = st_os_login(db),
    };
    unsigned char hash[32];
    cr_audit_hash(mem_key(db), d->head_hash, &e, hash);
    struct mem_event *x = mem_add(d, MEM_AUDIT_EVENTS);
    if (!x)
        return cr_fail(db, CR_NOMEM, "out of memory");
    if (x->id != e.id)
        return cr_fail(db, CR_INVALID, "%s: the audit trail's head record is missing or damaged",
                       mem_path(db));
    x->at = e.at;
    x->case_id = case_id;
    memcpy(x->prev_hash, d->head_hash, 32);
    memcpy(x->hash, hash, 32);
    if (!mem_set(&x->actor, e.actor) || !mem_set(&x->action, action) ||
        !mem_set(&x->state_before, before) || !mem_set(&x->state_after, after) ||
        !mem_set(&x->details, e.details) || !mem_set(&x->config_digest, e.config_digest) ||
        !mem_set(&x->purpose, e.purpose) || !mem_set(&x->os_login, e.os_login))
        return cr_fail(db, CR_NOMEM, "out of memory");
    d->head_id = e.id;
    memcpy(d->head_hash, hash, 32);
    return CR_OK;
}

enum cr_status
mem_audit_head(cr_db *db, struct cr_audit_head *out)
{
    memset(out, 0, sizeof *out);
    const struct mem_data *d = mem_data(db);
    if (d->head_id > 0) {
        /* The head names a real event with that hash, or it is no head to keep. */
        const struct mem_event *e = mem_find(d, MEM_AUDIT_EVENTS, d->head_id);
        if (!e || memcmp(e->hash, d->head_hash, 32) != 0)
            return cr_fail(db, CR_INVALID,
                           "audit event %lld: it does not match the chain's head; run "
                           "'casereview audit verify'",
                           (long long)d->head_id);
    }
    out->event = d->head_id;
    hex_of(d->head_hash, 32, out->hash);
    return CR_OK;
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

/* Verification */

/* Each kept head, checked when the chain reaches its event (one kept with no count: any event). */
static enum cr_status
check_heads(cr_db *db, const struct cr_audit_head *kept, size_t n_kept, bool *found, int64_t id,
            const unsigned char hash[32])
{
    char hex[65];
    hex_of(hash, 32, hex);
    for (size_t k = 0; k < n_kept; k++) {
        if (kept[k].event == 0 && strcmp(kept[k].hash, hex) == 0)
            found[k] = true;
        if (kept[k].event != id || strcmp(kept[k].hash, hex) == 0)
            continue;
        return cr_fail(db, CR_INVALID,
                       "audit: kept head %lld:%.16s... is not in the trail: event %lld now "
                       "hashes to %.16s...; the trail was rewritten at or before event %lld",
                       (long long)id, kept[k].hash, (long long)id, hex, (long long)id);
    }
    return CR_OK;
}

/* How far, in seconds, an event's time may be before an earlier event's (README). */
#define CR_AUDIT_CLOCK_SLACK 300

static enum cr_status
check_time(cr_db *db, const struct cr_event *e, int64_t *latest_at, int64_t *latest_id)
{
    if (*latest_id && e->at < *latest_at - CR_AUDIT_CLOCK_SLACK) {
        char at[21], latest[21];
        cr_time_format(e->at, at);
        cr_time_format(*latest_at, latest);
        return cr_fail(db, CR_INVALID,
                       "audit event %lld: its time %s is before event %lld's %s by %lld s, more "
                       "than the %d s a clock may be set back; the clock was set back or the "
                       "time was altered",
                       (long long)e->id, at, (long long)*latest_id, latest,
                       (long long)(*latest_at - e->at), CR_AUDIT_CLOCK_SLACK);
    }
    if (!*latest_id || e->at > *latest_at) {
        *latest_at = e->at;
        *latest_id = e->id;
    }
    return CR_OK;
}

/* Each configuration kept must be the text its digest names. */
static enum cr_status
check_config_texts(cr_db *db)
{
    const struct mem_data *d = mem_data(db);
    const struct mem_config_version *v =
        MEM_ROWS(d, MEM_CONFIG_VERSIONS, struct mem_config_version);
    for (size_t i = 0; i < MEM_N(d, MEM_CONFIG_VERSIONS); i++) {
        unsigned char hash[32];
        char hex[65];
        crypto_generichash(hash, sizeof hash, (const unsigned char *)v[i].text, v[i].len, NULL, 0);
        hex_of(hash, sizeof hash, hex);
        if (strcmp(v[i].digest, hex) != 0)
            return cr_fail(db, CR_INVALID,
                           "audit: configuration %lld: its text does not match its digest "
                           "%.16s...; the rules kept in the database were altered",
                           (long long)v[i].id, v[i].digest);
    }
    return CR_OK;
}

/* The rows of a case in one of replay.c's lists, as the replay writes them, in the trail's order.
 */
static enum cr_status
list_texts(cr_db *db, int64_t case_id, int list, struct mem_keep *out, const char ***rows,
           size_t *n)
{
    const struct mem_data *d = mem_data(db);
    struct cr_buf b = {0};
    *rows = NULL;
    *n = 0;
    size_t count;
    switch (list) {
    case CR_REPLAY_DECISIONS:
        count = MEM_N(d, MEM_DECISIONS);
        break;
    case CR_REPLAY_APPROVALS:
        count = MEM_N(d, MEM_APPROVALS);
        break;
    case CR_REPLAY_VOTES:
        count = MEM_N(d, MEM_VOTES);
        break;
    case CR_REPLAY_SET_ASIDE:
        count = MEM_N(d, MEM_SUPERSEDED_VOTES);
        break;
    default:
        count = MEM_N(d, MEM_NOTES);
        break;
    }
    /* Decisions and approvals by round (UNIQUE per case and round), the others in id order. */
    for (int pass_round = 0, done = 0; !done; pass_round++) {
        done = 1;
        for (size_t i = 0; i < count; i++) {
            cr_buf_reset(&b);
            int64_t cid;
            if (list == CR_REPLAY_DECISIONS) {
                const struct mem_decision *x = &MEM_ROWS(d, MEM_DECISIONS, struct mem_decision)[i];
                cid = x->case_id;
                if (cid != case_id)
                    continue;
                if (x->round > pass_round)
                    done = 0;
                if (x->round != pass_round)
                    continue;
                cr_replay_decision_text(&b, x->round, x->reviewer, cr_outcome_name(x->outcome),
                                        x->vetting_review, x->rationale);
            } else if (list == CR_REPLAY_APPROVALS) {
                const struct mem_approval *x = &MEM_ROWS(d, MEM_APPROVALS, struct mem_approval)[i];
                cid = x->case_id;
                if (cid != case_id)
                    continue;
                if (x->round > pass_round)
                    done = 0;
                if (x->round != pass_round)
                    continue;
                cr_replay_approval_text(&b, x->round, x->supervisor);
            } else if (pass_round > 0) {
                break;
            } else if (list == CR_REPLAY_VOTES || list == CR_REPLAY_SET_ASIDE) {
                const struct mem_vote *x =
                    &MEM_ROWS(d, list == CR_REPLAY_VOTES ? MEM_VOTES : MEM_SUPERSEDED_VOTES,
                              struct mem_vote)[i];
                if (x->case_id != case_id)
                    continue;
                cr_replay_vote_text(&b, x->round, x->member, cr_kind_name(x->member_kind),
                                    cr_vote_name(x->vote), x->reason);
            } else {
                const struct mem_note *x = &MEM_ROWS(d, MEM_NOTES, struct mem_note)[i];
                if (x->case_id != case_id)
                    continue;
                cr_replay_note_text(&b, x->kind, x->author, x->body);
            }
            const char **r = mem_grow((void **)rows, n, sizeof *r);
            if (!r) {
                cr_buf_free(&b);
                return cr_fail(db, CR_NOMEM, "out of memory");
            }
            *r = mem_keep(out, b.p ? b.p : "");
        }
    }
    cr_buf_free(&b);
    return out->nomem ? cr_fail(db, CR_NOMEM, "out of memory") : CR_OK;
}

static bool
case_matches(const struct mem_case *c, const struct cr_replay_case *r)
{
    return c->state == r->state && (c->outcome < 0 ? r->outcome < 0 : c->outcome == r->outcome) &&
           c->vetting_review == r->vetting_review &&
           cr_replay_text_digest(c->assignee) == r->assignee && c->round == r->round &&
           cr_replay_text_digest(c->decided_by) == r->decided_by &&
           cr_replay_text_digest(c->rationale) == r->rationale && c->panel_round == r->panel_round;
}

/* Whether a case's rows of every list have the digests the replay gave them. */
static enum cr_status
lists_match(cr_db *db, int64_t case_id, const struct cr_replay_case *r, bool *same)
{
    *same = true;
    for (int list = 0; list < CR_REPLAY_LISTS && *same; list++) {
        struct mem_keep *k = mem_keep_new();
        if (!k)
            return cr_fail(db, CR_NOMEM, "out of memory");
        const char **rows;
        size_t n;
        enum cr_status st = list_texts(db, case_id, list, k, &rows, &n);
        uint64_t digest = 0;
        for (size_t i = 0; st == CR_OK && i < n; i++)
            cr_replay_digest_put(list, &digest, rows[i]);
        if (digest != r->digests[list])
            *same = false;
        free(rows);
        k->owned.release(&k->owned);
        if (st != CR_OK)
            return st;
    }
    return CR_OK;
}

static void
add_cut(struct cr_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (n <= 80) {
        cr_buf_add(b, s, n);
        return;
    }
    n = 77;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    cr_buf_add(b, s, n);
    cr_buf_addf(b, "...");
}

static void
add_event_ref(struct cr_buf *b, int64_t ev, int64_t case_id)
{
    if (ev)
        cr_buf_addf(b, " (event %lld)", (long long)ev);
    else
        cr_buf_addf(b, " (no event changes it on case %lld)", (long long)case_id);
}

static const char *const list_table[CR_REPLAY_LISTS] = {
    [CR_REPLAY_DECISIONS] = "decisions",
    [CR_REPLAY_APPROVALS] = "approvals",
    [CR_REPLAY_VOTES] = "votes",
    [CR_REPLAY_NOTES] = "notes",
    [CR_REPLAY_SET_ASIDE] = "superseded_votes",
};

/* Say what differs between case id's rows and its replay, in why. */
static enum cr_status
explain_case(cr_db *db, int64_t id, struct cr_buf *why)
{
    const struct mem_data *d = mem_data(db);
    enum cr_status st = CR_OK;
    struct cr_replay *r = cr_replay_new(id);
    struct cr_buf scratch = {0};
    if (!r)
        return cr_fail(db, CR_NOMEM, "out of memory");
    const struct mem_event *x = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    for (size_t i = 0; st == CR_OK && i < MEM_N(d, MEM_AUDIT_EVENTS); i++) {
        if (x[i].case_id != id)
            continue;
        struct cr_event e;
        mem_event_out(&x[i], &e, NULL);
        st = cr_replay_event(r, &e, &scratch);
    }
    struct cr_replay_case blank;
    cr_replay_case_init(&blank);
    struct cr_replay_detail none = {0};
    const struct cr_replay_case *c = cr_replay_case(r, id);
    if (!c || !c->detail)
        c = &blank;
    const struct cr_replay_detail *dt = c->detail ? c->detail : &none;
    cr_buf_reset(why);
    cr_buf_addf(why, "audit: case %lld: ", (long long)id);
    size_t start = why->len;
    const struct mem_case *row = mem_find(d, MEM_CASES, id);
    if (st == CR_OK && !row) {
        cr_buf_addf(why, "the cases table has no such case, but the trail records it");
        add_event_ref(why, c->first_event, id);
    } else if (st == CR_OK) {
        const char *outcome = c->outcome >= 0 ? cr_outcome_name(c->outcome) : NULL;
        struct {
            const char *name;
            const char *table, *trail;
            int field;
        } fields[] = {
            {"state", cr_state_name(row->state), cr_state_name(c->state), CR_REPLAY_STATE},
            {"outcome", row->outcome >= 0 ? cr_outcome_name(row->outcome) : "none",
             outcome ? outcome : "none", CR_REPLAY_OUTCOME},
            {"vetting_review", row->vetting_review ? "yes" : "no", c->vetting_review ? "yes" : "no",
             CR_REPLAY_VETTING_REVIEW},
            {"assignee", row->assignee ? row->assignee : "nobody",
             dt->assignee ? dt->assignee : "nobody", CR_REPLAY_ASSIGNEE},
            {"decided_by", row->decided_by ? row->decided_by : "nobody",
             dt->decided_by ? dt->decided_by : "nobody", CR_REPLAY_DECIDED_BY},
            {"rationale", row->rationale ? row->rationale : "none",
             dt->rationale ? dt->rationale : "none", CR_REPLAY_RATIONALE},
        };
        for (size_t i = 0; i < CR_ARRAY_LEN(fields) && why->len == start; i++) {
            if (strcmp(fields[i].table, fields[i].trail) == 0)
                continue;
            cr_buf_addf(why, "the cases table says %s ", fields[i].name);
            add_cut(why, fields[i].table);
            cr_buf_addf(why, ", the trail says ");
            add_cut(why, fields[i].trail);
            add_event_ref(why, dt->ev[fields[i].field], id);
        }
        if (why->len == start && row->round != c->round) {
            cr_buf_addf(why, "the cases table says round %d, the trail says %d", row->round,
                        c->round);
            add_event_ref(why, dt->ev[CR_REPLAY_ROUND], id);
        }
        if (why->len == start && row->panel_round != c->panel_round) {
            cr_buf_addf(why,
                        "the cases table says it was before the panel at decision %d, the "
                        "trail says %d (which cases a panel member may see)",
                        row->panel_round, c->panel_round);
            add_event_ref(why, dt->ev[CR_REPLAY_PANEL_ROUND], id);
        }
    }
    for (int list = 0; st == CR_OK && list < CR_REPLAY_LISTS && why->len == start; list++) {
        const struct cr_replay_list *l = &dt->lists[list];
        struct mem_keep *k = mem_keep_new();
        if (!k) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
            break;
        }
        const char **rows = NULL;
        size_t n = 0;
        st = list_texts(db, id, list, k, &rows, &n);
        size_t i = 0;
        while (st == CR_OK && i < n && i < l->n && strcmp(rows[i], l->items[i].text) == 0)
            i++;
        const char *table = list_table[list];
        if (st != CR_OK || (i == n && i == l->n)) {
            /* the same */
        } else if (i < l->n &&
                   (i == n || (i + 1 < l->n && strcmp(rows[i], l->items[i + 1].text) == 0))) {
            cr_buf_addf(why, "the %s table lacks ", table);
            add_cut(why, l->items[i].text);
            cr_buf_addf(why, ", which the trail records");
            add_event_ref(why, l->items[i].event, id);
        } else if (i == l->n || (i + 1 < n && strcmp(rows[i + 1], l->items[i].text) == 0)) {
            cr_buf_addf(why, "the %s table has ", table);
            add_cut(why, rows[i]);
            cr_buf_addf(why, ", which the trail does not record");
        } else {
            cr_buf_addf(why, "the %s table says ", table);
            add_cut(why, rows[i]);
            cr_buf_addf(why, ", the trail says ");
            add_cut(why, l->items[i].text);
            add_event_ref(why, l->items[i].event, id);
        }
        free(rows);
        k->owned.release(&k->owned);
    }
    if (st == CR_OK && why->len == start)
        cr_buf_addf(why, "its rows differ from what the trail says");
    cr_replay_free(r);
    cr_buf_free(&scratch);
    return st;
}

enum cr_status
mem_audit_verify(cr_db *db, const struct cr_audit_head *kept, size_t n_kept, int64_t *events)
{
    *events = 0;
    const struct mem_data *d = mem_data(db);
    struct cr_replay *replay = cr_replay_new(0);
    bool *found = calloc(n_kept + 1, sizeof *found);
    struct cr_buf why = {0};
    if (!replay || !found) {
        cr_replay_free(replay);
        free(found);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    enum cr_status st = CR_OK;
    unsigned char prev[32];
    memcpy(prev, zero_hash, 32);
    int64_t expect_id = 1, latest_at = 0, latest_id = 0;
    const struct mem_event *x = MEM_ROWS(d, MEM_AUDIT_EVENTS, struct mem_event);
    for (size_t i = 0; st == CR_OK && i < MEM_N(d, MEM_AUDIT_EVENTS); i++) {
        struct cr_event e;
        mem_event_out(&x[i], &e, NULL);
        unsigned char hash[32];
        /* Every event of an in-memory database is keyed: keying began with event 1. */
        cr_audit_hash(mem_key(db), prev, &e, hash);
        if (e.id != expect_id)
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: expected event %lld here; an event was removed or "
                         "renumbered",
                         (long long)e.id, (long long)expect_id);
        else if (memcmp(x[i].prev_hash, prev, 32) != 0)
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: it does not follow event %lld (its previous-hash "
                         "differs); events were removed, inserted or reordered",
                         (long long)e.id, (long long)e.id - 1);
        else if (memcmp(x[i].hash, hash, 32) != 0)
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: its contents do not match its hash; it was altered",
                         (long long)e.id);
        else
            st = check_heads(db, kept, n_kept, found, e.id, hash);
        if (st == CR_OK)
            st = check_time(db, &e, &latest_at, &latest_id);
        if (st == CR_OK && (st = cr_replay_event(replay, &e, &why)) != CR_OK)
            st = st == CR_NOMEM ? cr_fail(db, CR_NOMEM, "out of memory")
                                : cr_fail(db, st, "%s", why.p);
        memcpy(prev, hash, 32);
        expect_id++;
        (*events)++;
    }
    if (st == CR_OK && d->head_id != *events)
        st = cr_fail(db, CR_INVALID,
                     "audit event %lld: missing; the chain's head names event %lld but the "
                     "trail ends at event %lld",
                     (long long)(*events + 1), (long long)d->head_id, (long long)*events);
    else if (st == CR_OK && memcmp(d->head_hash, prev, 32) != 0)
        st = cr_fail(db, CR_INVALID,
                     "audit event %lld: it does not match the chain's head; the last event "
                     "was altered or replaced",
                     (long long)*events);
    for (size_t k = 0; st == CR_OK && k < n_kept; k++)
        if (kept[k].event > *events)
            st = cr_fail(db, CR_INVALID,
                         "audit: kept head %lld:%.16s... is not in the trail: it ends at event "
                         "%lld; the trail was cut short or rewritten",
                         (long long)kept[k].event, kept[k].hash, (long long)*events);
    for (size_t k = 0; st == CR_OK && k < n_kept; k++)
        if (kept[k].event == 0 && !found[k])
            st = cr_fail(db, CR_INVALID,
                         "audit: kept head %.16s... is not in the trail: no event of its %lld "
                         "hashes to it; the trail was replaced or rewritten",
                         kept[k].hash, (long long)*events);
    free(found);
    /* The rules, then the data: every case as the trail says it is. */
    if (st == CR_OK)
        st = check_config_texts(db);
    int64_t first = 0;
    const struct mem_case *cases = MEM_ROWS(d, MEM_CASES, struct mem_case);
    size_t n_cases = MEM_N(d, MEM_CASES);
    int64_t max_case = n_cases ? cases[n_cases - 1].id : 0;
    if (cr_replay_max_case(replay) > max_case)
        max_case = cr_replay_max_case(replay);
    for (int64_t id = 1; st == CR_OK && id <= max_case && !first; id++) {
        const struct mem_case *c = mem_find(d, MEM_CASES, id);
        const struct cr_replay_case *r = cr_replay_case(replay, id);
        struct cr_replay_case blank;
        if (!c) {
            if (r && r->first_event)
                first = id; /* the trail names a case the table lacks */
            continue;
        }
        if (!r) {
            cr_replay_case_init(&blank);
            r = &blank;
        }
        bool same = case_matches(c, r);
        if (same)
            st = lists_match(db, id, r, &same);
        if (!same)
            first = id;
    }
    if (st == CR_OK && first) {
        cr_replay_free(replay);
        replay = NULL;
        st = explain_case(db, first, &why);
        if (st == CR_OK)
            st = cr_fail(db, CR_INVALID, "%s", why.p);
    }
    cr_replay_free(replay);
    cr_buf_free(&why);
    if (st != CR_OK)
        *events = 0;
    return st;
}
