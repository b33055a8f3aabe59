/*
 * The audit trail's hash chain (SPEC section 5).
 *
 * Each event is hashed with the hash of the one before it, so that editing,
 * removing or reordering any event breaks the chain from there on.  The
 * canonical form is every field in a fixed order, each written as its
 * length, a colon and its bytes (a NULL as a lone '~'), so that no two
 * different events can have the same bytes.  The hash is BLAKE2b-256
 * (libsodium's crypto_generichash), keyed with the database's audit key
 * (kept in a file beside it, never in it) from the first event written
 * after keying; events written before keying keep their unkeyed form
 * ("v1"), and the key file names where keying began (README, "Audit").
 * An engine that holds the key itself, where core cannot read it
 * (PostgreSQL: store.h, seals), seals each event over the same canonical
 * fields (chain "v3-hmac") and checks the stored hashes and erasure sums
 * with it (audit_check, audit_erasure); core's walk is the same, in the
 * same order and with the same messages, taking the engine's verdict where
 * it would have hashed.
 */
#include "internal.h"

#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof((struct cr_audit_key *)0)->key == CR_AUDIT_KEY_BYTES,
               "the audit key as the engine hands it is the key the chain uses");

static void
put_text(crypto_generichash_state *h, const char *s)
{
    char len[32];
    if (!s) {
        crypto_generichash_update(h, (const unsigned char *)"~,", 2);
        return;
    }
    size_t n = strlen(s);
    int k = snprintf(len, sizeof len, "%zu:", n);
    crypto_generichash_update(h, (const unsigned char *)len, (size_t)k);
    crypto_generichash_update(h, (const unsigned char *)s, n);
    crypto_generichash_update(h, (const unsigned char *)",", 1);
}

static void
put_int(crypto_generichash_state *h, int64_t v)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)v);
    put_text(h, num);
}

void
cr_audit_details_digest(const unsigned char *key, const char *details, char hex[65])
{
    unsigned char d[32];
    crypto_generichash_state h;
    crypto_generichash_init(&h, key, CR_AUDIT_KEY_BYTES, 32);
    crypto_generichash_update(&h, (const unsigned char *)"casereview-details-v3,", 22);
    put_text(&h, details);
    crypto_generichash_final(&h, d, 32);
    cr_hex_of(d, 32, hex);
}

void
cr_audit_hash(const unsigned char *key, const unsigned char prev[32], const struct cr_event *e,
              unsigned char out[32])
{
    crypto_generichash_state h;
    if (key && e->details_digest) {
        /* v3 (schema 14): the details by their keyed digest, so that they can be erased. */
        crypto_generichash_init(&h, key, CR_AUDIT_KEY_BYTES, 32);
        crypto_generichash_update(&h, (const unsigned char *)"casereview-audit-v3,", 20);
    } else if (key) {
        /* Keyed: nobody without the key can compute a hash the chain accepts. */
        crypto_generichash_init(&h, key, CR_AUDIT_KEY_BYTES, 32);
        crypto_generichash_update(&h, (const unsigned char *)"casereview-audit-v2,", 20);
    } else {
        crypto_generichash_init(&h, NULL, 0, 32);
        crypto_generichash_update(&h, (const unsigned char *)"casereview-audit-v1,", 20);
    }
    crypto_generichash_update(&h, prev, 32);
    put_int(&h, e->id);
    put_int(&h, e->at);
    put_text(&h, e->actor);
    put_int(&h, e->case_id);
    put_text(&h, e->action);
    put_text(&h, e->state_before);
    put_text(&h, e->state_after);
    put_text(&h, key && e->details_digest ? e->details_digest : e->details);
    put_text(&h, e->config_digest);
    if (key)
        put_text(&h, e->purpose);
    /*
     * The Unix login (schema 6) follows when there is one: events written
     * before it keep their bytes, and adding or removing it breaks the hash.
     */
    if (key && e->os_login)
        put_text(&h, e->os_login);
    crypto_generichash_final(&h, out, 32);
}

/* Erasure (README, "Design: erasure and the chain") */

int64_t
cr_audit_erased_by(const char *details)
{
    static const char mark[] = "{\"erased\": ";
    if (!details || strncmp(details, mark, sizeof mark - 1) != 0)
        return 0;
    const char *p = details + sizeof mark - 1;
    int64_t n = 0;
    for (; *p >= '0' && *p <= '9' && n < INT64_MAX / 10; p++)
        n = n * 10 + (*p - '0');
    return *p == ',' || *p == '}' ? n : 0;
}

void
cr_audit_erased_step(const unsigned char *key, unsigned char sum[32], const struct cr_audit_link *l)
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, key, CR_AUDIT_KEY_BYTES, 32);
    crypto_generichash_update(&h, (const unsigned char *)"casereview-erased-v3,", 21);
    crypto_generichash_update(&h, sum, 32);
    const struct cr_event *e = &l->e;
    put_int(&h, e->id);
    put_int(&h, e->at);
    put_text(&h, e->actor);
    put_int(&h, e->case_id);
    put_text(&h, e->action);
    put_text(&h, e->state_before);
    put_text(&h, e->state_after);
    put_text(&h, e->details);
    put_text(&h, e->details_digest);
    put_text(&h, e->config_digest);
    put_text(&h, e->purpose);
    put_text(&h, e->os_login);
    crypto_generichash_update(&h, l->hash, l->hash_len);
    crypto_generichash_final(&h, sum, 32);
}

/* Appending */

enum cr_status
cr_audit_chain(cr_db *db, int64_t case_id, const char *action, const char *before,
               const char *after, const char *details)
{
    assert(action && case_id >= 0);
    if (st_audit_seals(db)) {
        /* The engine numbers, stamps and hashes it with the key it holds (store.h, seals). */
        const struct cr_event e = {
            .at = cr_db_tx_now(db),
            .actor = st_user(db) ? st_user(db)->login : "system",
            .case_id = case_id,
            .action = action,
            .state_before = before,
            .state_after = after,
            .details = details ? details : "{}",
            .config_digest = st_config(db) ? st_config(db)->digest : "",
            .purpose = cr_db_purpose(db),
            .os_login = st_os_login(db),
        };
        return st_audit_put(db, &e, NULL, NULL);
    }
    struct cr_audit_key key;
    enum cr_status st = st_audit_key(db, &key);
    if (st != CR_OK)
        return st;
    if (!key.have) {
        st = cr_fail(db, CR_DB, "%s", key.problem ? key.problem : "no audit key");
        goto done;
    }
    int64_t head_id;
    unsigned char prev[32], hash[32];
    if ((st = st_audit_head(db, &head_id, prev)) != CR_OK)
        goto done;
    const struct cr_event e = {
        .id = head_id + 1,
        .at = cr_db_tx_now(db),
        .actor = st_user(db) ? st_user(db)->login : "system",
        .case_id = case_id,
        .action = action,
        .state_before = before,
        .state_after = after,
        .details = details ? details : "{}",
        .config_digest = st_config(db) ? st_config(db)->digest : "",
        .purpose = cr_db_purpose(db),
        .os_login = st_os_login(db),
    };
    if (e.id < key.keyed_from) {
        st = cr_fail(db, CR_INVALID,
                     "%s: the audit key says keying began at event %lld, but the trail ends "
                     "at event %lld: the trail was cut short",
                     key.where, (long long)key.keyed_from, (long long)head_id);
        goto done;
    }
    char digest[65];
    struct cr_event v3 = e;
    cr_audit_details_digest(key.key, e.details, digest);
    v3.details_digest = digest;
    cr_audit_hash(key.key, prev, &v3, hash);
    st = st_audit_put(db, &v3, prev, hash);
done:
    sodium_memzero(key.key, sizeof key.key);
    return st;
}

/*
 * The trail's public reads: the admin's alone (SPEC section 1), checked
 * here, above the engine, which only reads what it is asked to.
 */

/* The stored hash of the event the head names, which must be the head's. */
struct head_event {
    int64_t id;
    const unsigned char *hash;
    bool same;
};

static int
head_event(void *ctx, const struct cr_audit_link *l)
{
    struct head_event *h = ctx;
    h->same = l->e.id == h->id && l->hash_len == 32 && memcmp(l->hash, h->hash, 32) == 0;
    return 1; /* the first event from the head's on is the head's, or there is none */
}

enum cr_status
cr_audit_head(cr_db *db, struct cr_audit_head *out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, "audit head");
    if (st != CR_OK || (st = st_read_begin(db)) != CR_OK)
        return st;
    unsigned char head[32];
    int64_t id = 0;
    st = st_audit_head(db, &id, head);
    if (st == CR_OK && id > 0) {
        /* The head names a real event with that hash, or it is no head to keep. */
        struct head_event h = {id, head, false};
        st = st_audit_chain(db, 0, id, head_event, &h);
        if (st == CR_OK && !h.same)
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: it does not match the chain's head; run "
                         "'casereview audit verify'",
                         (long long)id);
    }
    st_read_end(db);
    if (st == CR_OK) {
        out->event = id;
        cr_hex_of(head, 32, out->hash);
    }
    return st;
}

/* Verification: the chain, the kept heads, the clock, the rules, then the data */

/* Each kept head, checked when the chain reaches its event (one kept with no count: any event). */
static enum cr_status
check_heads(cr_db *db, const struct cr_audit_head *kept, size_t n_kept, bool *found, int64_t id,
            const unsigned char hash[32])
{
    char hex[65];
    cr_hex_of(hash, 32, hex);
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

/*
 * Events are appended in time order, so an event's time is never much
 * before the latest time of the events before it: by more than
 * CR_AUDIT_CLOCK_SLACK (a clock corrected by NTP, two hosts a little apart),
 * the clock was set back or the time was written by hand.  Against the
 * latest so far, not the one before, so that a trail backdated a little at
 * a time is caught too.
 */
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

/* An erasure event's account, summed from the events that name it (cr_audit_erased_step). */
struct erasure_sum {
    int64_t by, first; /* the erasure event; the first event that names it */
    int64_t n;
    unsigned char sum[32];
    bool checked;
};

/* The walk along the chain: what each event is checked against, and what it leaves. */
struct walk {
    struct erasure_sum *erasures;
    size_t n_erasures;
    cr_db *db;
    const struct cr_audit_key *key;
    const struct cr_audit_head *kept;
    size_t n_kept;
    bool *found; /* of each kept head without a count: met */
    struct cr_replay *replay;
    /* The engine seals the events: its check's first bad event (event 0: none) stands in
     * for the hashes and sums core would compute with the key. */
    bool sealed;
    struct cr_audit_bad bad;
    struct cr_buf why;
    unsigned char prev[32]; /* the hash of the event before */
    int64_t expect_id;
    int64_t latest_at, latest_id; /* the latest time so far, and its event */
    int64_t events;
    enum cr_status st;
};

/*
 * An event whose details were erased: it counts towards the sum its
 * erasure event recorded (checked there), which covers every field it
 * keeps and its stored hash, so that an erased event written before v3,
 * whose hash cannot be recomputed without the erased bytes, is still
 * vouched for by a later, fully checked event.
 */
static enum cr_status
erased_event(struct walk *w, const struct cr_audit_link *l, int64_t by)
{
    if (by <= l->e.id || (!w->key->have && !w->sealed))
        return cr_fail(w->db, CR_INVALID,
                       "audit event %lld: it says event %lld erased it, which is not after it; "
                       "it was altered",
                       (long long)l->e.id, (long long)by);
    struct erasure_sum *x = NULL;
    for (size_t i = 0; i < w->n_erasures && !x; i++)
        if (w->erasures[i].by == by)
            x = &w->erasures[i];
    if (!x) {
        x = realloc(w->erasures, (w->n_erasures + 1) * sizeof *x);
        if (!x)
            return cr_fail(w->db, CR_NOMEM, "out of memory");
        w->erasures = x;
        x = &w->erasures[w->n_erasures++];
        memset(x, 0, sizeof *x);
        x->by = by;
        x->first = l->e.id;
    }
    if (!w->sealed)
        cr_audit_erased_step(w->key->key, x->sum, l);
    x->n++;
    return CR_OK;
}

/* The value of "key": in an erasure event's details, as written by core/erase.c. */
static const char *
erasure_field(const char *details, const char *key)
{
    const char *p = details ? strstr(details, key) : NULL;
    return p ? p + strlen(key) : "";
}

/* An erasure event: the events that name it must be the ones it counted and summed. */
static enum cr_status
erasure_event(struct walk *w, const struct cr_event *e)
{
    struct erasure_sum none = {0}, *x = &none;
    for (size_t i = 0; i < w->n_erasures; i++)
        if (w->erasures[i].by == e->id)
            x = &w->erasures[i];
    x->checked = true;
    char hex[65];
    cr_hex_of(x->sum, 32, hex);
    const char *n = erasure_field(e->details, "\"events\": ");
    const char *sum = erasure_field(e->details, "\"redacted\": \"");
    bool sum_ok = w->sealed ? !(w->bad.event == e->id && w->bad.what == CR_AUDIT_BAD_ERASURE)
                            : strncmp(sum, hex, 64) == 0;
    if (strtoll(n, NULL, 10) == x->n && sum_ok)
        return CR_OK;
    return cr_fail(w->db, CR_INVALID,
                   "audit event %lld: the %lld events marked as erased by it do not match what "
                   "it recorded (%lld events, digest %.16s...); an erased event was altered, or "
                   "an event was marked erased by hand",
                   (long long)e->id, (long long)x->n, strtoll(n, NULL, 10), sum);
}

static int
walk_event(void *ctx, const struct cr_audit_link *l)
{
    struct walk *w = ctx;
    cr_db *db = w->db;
    const struct cr_event *e = &l->e;
    assert(w->st == CR_OK);
    bool keyed = e->id >= w->key->keyed_from;
    unsigned char hash[32];
    if (keyed && !w->key->have && !w->sealed) {
        w->st = cr_fail(db, CR_DB, "%s", w->key->problem ? w->key->problem : "no audit key");
        return 1;
    }
    int64_t erased_by = cr_audit_erased_by(e->details);
    char digest[65] = "";
    if (keyed && e->details_digest && !erased_by && !w->sealed)
        cr_audit_details_digest(w->key->key, e->details, digest);
    if (w->sealed) {
        /* What the engine's check found right up to its bad event is the hash as stored. */
        memset(hash, 0, sizeof hash);
        if (l->hash_len == 32)
            memcpy(hash, l->hash, 32);
    } else if (erased_by && !e->details_digest && l->hash_len == 32)
        memcpy(hash, l->hash, 32); /* before v3 the hash covered the erased bytes: see below */
    else
        cr_audit_hash(keyed ? w->key->key : NULL, w->prev, e, hash);
    enum cr_status st;
    if (e->id != w->expect_id)
        st = cr_fail(db, CR_INVALID,
                     "audit event %lld: expected event %lld here; an event was removed or "
                     "renumbered",
                     (long long)e->id, (long long)w->expect_id);
    else if (l->prev_len != 32 || memcmp(l->prev_hash, w->prev, 32) != 0)
        st = cr_fail(db, CR_INVALID,
                     "audit event %lld: it does not follow event %lld (its previous-hash "
                     "differs); events were removed, inserted or reordered",
                     (long long)e->id, (long long)e->id - 1);
    else if (l->hash_len != 32 || memcmp(l->hash, hash, 32) != 0 ||
             (!keyed && (e->purpose || e->os_login)) ||
             (digest[0] && strcmp(digest, e->details_digest) != 0) ||
             (w->sealed && w->bad.event == e->id && w->bad.what == CR_AUDIT_BAD_CONTENTS))
        st = cr_fail(db, CR_INVALID,
                     "audit event %lld: its contents do not match its hash; it was altered",
                     (long long)e->id);
    else if (e->id == w->key->keyed_from - 1 && memcmp(hash, w->key->anchor, 32) != 0)
        st = cr_fail(db, CR_INVALID,
                     "audit event %lld: it is not the event the audit key was made after "
                     "(%s); the events before keying were re-chained",
                     (long long)e->id, w->key->where);
    else if (erased_by)
        st = erased_event(w, l, erased_by);
    else if (e->action && strcmp(e->action, "erased") == 0)
        st = erasure_event(w, e);
    else
        st = CR_OK;
    if (st == CR_OK)
        st = check_heads(db, w->kept, w->n_kept, w->found, e->id, hash);
    if (st == CR_OK)
        st = check_time(db, e, &w->latest_at, &w->latest_id);
    if (st == CR_OK && (st = cr_replay_event(w->replay, e, &w->why)) != CR_OK)
        st = st == CR_NOMEM ? cr_fail(db, CR_NOMEM, "out of memory")
                            : cr_fail(db, st, "%s", w->why.p);
    memcpy(w->prev, hash, 32);
    w->expect_id++;
    w->events++;
    w->st = st;
    return st != CR_OK;
}

/* The chain's end: the head kept beside it, the key's keying point, the kept heads. */
static enum cr_status
check_end(cr_db *db, const struct walk *w)
{
    int64_t head_id;
    unsigned char head[32];
    enum cr_status st = st_audit_head(db, &head_id, head);
    if (st == CR_OK && head_id != w->events)
        st = cr_fail(db, CR_INVALID,
                     "audit event %lld: missing; the chain's head names event %lld but the "
                     "trail ends at event %lld",
                     (long long)(w->events + 1), (long long)head_id, (long long)w->events);
    else if (st == CR_OK && memcmp(head, w->prev, 32) != 0)
        st = cr_fail(db, CR_INVALID,
                     "audit event %lld: it does not match the chain's head; the last event "
                     "was altered or replaced",
                     (long long)w->events);
    else if (st == CR_OK && w->events < w->key->keyed_from - 1)
        st = cr_fail(db, CR_INVALID,
                     "audit event %lld: missing; the audit key was made after event %lld, "
                     "but the trail ends at event %lld: it was cut short",
                     (long long)(w->events + 1), (long long)w->key->keyed_from - 1,
                     (long long)w->events);
    for (size_t k = 0; st == CR_OK && k < w->n_kept; k++)
        if (w->kept[k].event > w->events)
            st = cr_fail(db, CR_INVALID,
                         "audit: kept head %lld:%.16s... is not in the trail: it ends at event "
                         "%lld; the trail was cut short or rewritten",
                         (long long)w->kept[k].event, w->kept[k].hash, (long long)w->events);
    for (size_t i = 0; st == CR_OK && i < w->n_erasures; i++)
        if (!w->erasures[i].checked)
            st = cr_fail(db, CR_INVALID,
                         "audit event %lld: it says event %lld erased it, but that is no "
                         "erasure; it was altered",
                         (long long)w->erasures[i].first, (long long)w->erasures[i].by);
    for (size_t k = 0; st == CR_OK && k < w->n_kept; k++)
        if (w->kept[k].event == 0 && !w->found[k])
            st = cr_fail(db, CR_INVALID,
                         "audit: kept head %.16s... is not in the trail: no event of its %lld "
                         "hashes to it; the trail was replaced or rewritten",
                         w->kept[k].hash, (long long)w->events);
    return st;
}

/*
 * Each configuration the database keeps must be the text its digest names:
 * the events carry digests, and the rules in force at any event are read
 * back from these texts.
 */
struct config_check {
    cr_db *db;
    enum cr_status st;
};

static int
config_text_matches(void *ctx, const struct cr_config_text *t)
{
    struct config_check *c = ctx;
    unsigned char hash[32];
    char hex[65];
    crypto_generichash(hash, sizeof hash, t->text, t->len, NULL, 0);
    cr_hex_of(hash, sizeof hash, hex);
    if (t->digest && strcmp(t->digest, hex) == 0)
        return 0;
    c->st = cr_fail(c->db, CR_INVALID,
                    "audit: configuration %lld: its text does not match its digest %.16s...; "
                    "the rules kept in the database were altered",
                    (long long)t->id, t->digest ? t->digest : "");
    return 1;
}

/* The comparison of the tables with the replayed trail. */

/* The text of a list's row, as the replay writes it. */
static void
row_text(int list, const struct cr_case_list_row *r, struct cr_buf *b)
{
    assert(list >= 0 && list < CR_REPLAY_LISTS);
    switch (list) {
    case CR_REPLAY_DECISIONS:
        cr_replay_decision_text(b, r->round, r->who, r->what, r->vetting_review, r->text);
        break;
    case CR_REPLAY_APPROVALS:
        cr_replay_approval_text(b, r->round, r->who);
        break;
    case CR_REPLAY_VOTES:
    case CR_REPLAY_SET_ASIDE:
        cr_replay_vote_text(b, r->round, r->who, r->kind, r->what, r->text);
        break;
    case CR_REPLAY_LINKS:
        cr_replay_link_text(b, r->kind, r->what, r->text, r->who, r->removed_by, r->removed_reason);
        break;
    case CR_REPLAY_FOLLOWUPS:
        cr_replay_followup_text(b, r->kind, r->what, r->date, r->who, r->text);
        break;
    case CR_REPLAY_QA:
        cr_replay_qa_text(b, r->round, r->who, r->kind, r->draw, r->qa_by, r->what, r->text);
        break;
    default:
        cr_replay_note_text(b, r->kind, r->who, r->text);
        break;
    }
}

/* The lists' names, as the tables are named in messages. */
static const char *const list_table[CR_REPLAY_LISTS] = {
    [CR_REPLAY_DECISIONS] = "decisions",
    [CR_REPLAY_APPROVALS] = "approvals",
    [CR_REPLAY_VOTES] = "votes",
    [CR_REPLAY_NOTES] = "notes",
    [CR_REPLAY_SET_ASIDE] = "superseded_votes",
    [CR_REPLAY_LINKS] = "case_links",
    [CR_REPLAY_FOLLOWUPS] = "follow_ups",
    [CR_REPLAY_QA] = "qa",
};

/* The replayed case, or a blank one for a case the trail never named. */
static const struct cr_replay_case *
replayed(const struct cr_replay *r, int64_t id, struct cr_replay_case *blank)
{
    const struct cr_replay_case *c = cr_replay_case(r, id);
    if (c)
        return c;
    cr_replay_case_init(blank);
    return blank;
}

/* Whether a case's row holds what the replay says. */
static bool
case_row_matches(const struct cr_case_rows *t, const struct cr_replay_case *c)
{
    return cr_state_parse(t->state ? t->state : "") == c->state &&
           (!t->outcome ? c->outcome < 0 : cr_outcome_parse(t->outcome) == c->outcome) &&
           t->vetting_review == c->vetting_review &&
           cr_replay_text_digest(t->assignee) == c->assignee && t->round == c->round &&
           cr_replay_text_digest(t->decided_by) == c->decided_by &&
           cr_replay_text_digest(t->rationale) == c->rationale && t->panel_round == c->panel_round;
}

/*
 * Walking the cases in id order beside the replay: the first case that
 * differs is the lowest, and the one explained.
 */
struct compare {
    const struct cr_replay *r;
    struct cr_buf text;
    int64_t next;  /* the lowest id not yet compared */
    int64_t first; /* the case found to differ, or 0 */
};

/* Cases the tables do not hold at all must be unknown to the trail too. */
static bool
absent_differs(struct compare *m, int64_t upto)
{
    for (; m->next < upto; m->next++) {
        const struct cr_replay_case *c = cr_replay_case(m->r, m->next);
        if (c && c->first_event) {
            m->first = m->next;
            return true;
        }
    }
    return false;
}

static int
compare_case(void *ctx, const struct cr_case_rows *t)
{
    struct compare *m = ctx;
    assert(t->id >= m->next);
    if (absent_differs(m, t->id))
        return 1;
    struct cr_replay_case blank;
    const struct cr_replay_case *c = replayed(m->r, t->id, &blank);
    bool same = t->in_cases ? case_row_matches(t, c) : !c->first_event;
    for (int list = 0; same && list < CR_REPLAY_LISTS; list++) {
        uint64_t digest = 0;
        for (size_t i = 0; i < t->n[list]; i++) {
            row_text(list, &t->rows[list][i], &m->text);
            cr_replay_digest_put(list, &digest, m->text.p ? m->text.p : "");
        }
        same = digest == c->digests[list];
    }
    m->next = t->id + 1;
    if (!same)
        m->first = t->id;
    return !same;
}

/* Text cut for a message: at most 80 bytes, at a character boundary. */
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

/* The one case explained: its events replayed in detail, then its rows set beside them. */
struct explain {
    cr_db *db;
    struct cr_replay *r;
    struct cr_buf scratch, text;
    struct cr_buf *why;
    size_t start; /* where the message's account of the difference begins */
    bool seen;    /* the tables hold rows of the case */
    enum cr_status st;
};

static int
explain_event(void *ctx, const struct cr_audit_link *l)
{
    struct explain *x = ctx;
    x->st = cr_replay_event(x->r, &l->e, &x->scratch);
    return x->st != CR_OK;
}

/* Where the case's rows of one list first part from the trail's, said in why. */
static enum cr_status
explain_list(struct explain *x, int list, const struct cr_case_rows *t,
             const struct cr_replay_list *l)
{
    struct cr_buf *why = x->why;
    /* The case's rows of this table (a handful), to set beside the trail's. */
    size_t n = t->n[list];
    char **row = calloc(n + 1, sizeof *row);
    if (!row)
        return cr_fail(x->db, CR_NOMEM, "out of memory");
    enum cr_status st = CR_OK;
    for (size_t i = 0; i < n && st == CR_OK; i++) {
        row_text(list, &t->rows[list][i], &x->text);
        if (!(row[i] = strdup(x->text.p ? x->text.p : "")))
            st = cr_fail(x->db, CR_NOMEM, "out of memory");
    }
    size_t i = 0;
    while (st == CR_OK && i < n && i < l->n && strcmp(row[i], l->items[i].text) == 0)
        i++;
    const char *table = list_table[list];
    if (st != CR_OK || (i == n && i == l->n)) {
        /* the same */
    } else if (i < l->n &&
               (i == n || (i + 1 < l->n && strcmp(row[i], l->items[i + 1].text) == 0))) {
        cr_buf_addf(why, "the %s table lacks ", table);
        add_cut(why, l->items[i].text);
        cr_buf_addf(why, ", which the trail records");
        add_event_ref(why, l->items[i].event, t->id);
    } else if (i == l->n || (i + 1 < n && strcmp(row[i + 1], l->items[i].text) == 0)) {
        cr_buf_addf(why, "the %s table has ", table);
        add_cut(why, row[i]);
        cr_buf_addf(why, ", which the trail does not record");
    } else {
        cr_buf_addf(why, "the %s table says ", table);
        add_cut(why, row[i]);
        cr_buf_addf(why, ", the trail says ");
        add_cut(why, l->items[i].text);
        add_event_ref(why, l->items[i].event, t->id);
    }
    for (size_t k = 0; k < n; k++)
        free(row[k]);
    free(row);
    return st;
}

static int
explain_rows(void *ctx, const struct cr_case_rows *t)
{
    struct explain *x = ctx;
    struct cr_buf *why = x->why;
    int64_t id = t->id;
    x->seen = true;
    struct cr_replay_case blank;
    cr_replay_case_init(&blank);
    struct cr_replay_detail none = {0};
    const struct cr_replay_case *c = cr_replay_case(x->r, id);
    if (!c || !c->detail)
        c = &blank;
    const struct cr_replay_detail *d = c->detail ? c->detail : &none;
    if (!t->in_cases) {
        cr_buf_addf(why, "the cases table has no such case, but the trail records it");
        add_event_ref(why, c->first_event, id);
        return 1;
    }
    const char *outcome = c->outcome >= 0 ? cr_outcome_name(c->outcome) : NULL;
    struct {
        const char *name;
        const char *table, *trail;
        int field;
    } fields[] = {
        {"state", t->state, cr_state_name(c->state), CR_REPLAY_STATE},
        {"outcome", t->outcome ? t->outcome : "none", outcome ? outcome : "none",
         CR_REPLAY_OUTCOME},
        {"vetting_review", t->vetting_review ? "yes" : "no", c->vetting_review ? "yes" : "no",
         CR_REPLAY_VETTING_REVIEW},
        {"assignee", t->assignee ? t->assignee : "nobody", d->assignee ? d->assignee : "nobody",
         CR_REPLAY_ASSIGNEE},
        {"decided_by", t->decided_by ? t->decided_by : "nobody",
         d->decided_by ? d->decided_by : "nobody", CR_REPLAY_DECIDED_BY},
        {"rationale", t->rationale ? t->rationale : "none", d->rationale ? d->rationale : "none",
         CR_REPLAY_RATIONALE},
    };
    for (size_t i = 0; i < CR_ARRAY_LEN(fields) && why->len == x->start; i++) {
        if (strcmp(fields[i].table ? fields[i].table : "", fields[i].trail) == 0)
            continue;
        cr_buf_addf(why, "the cases table says %s ", fields[i].name);
        add_cut(why, fields[i].table ? fields[i].table : "");
        cr_buf_addf(why, ", the trail says ");
        add_cut(why, fields[i].trail);
        add_event_ref(why, d->ev[fields[i].field], id);
    }
    if (why->len == x->start && t->round != c->round) {
        cr_buf_addf(why, "the cases table says round %d, the trail says %d", t->round, c->round);
        add_event_ref(why, d->ev[CR_REPLAY_ROUND], id);
    }
    if (why->len == x->start && t->panel_round != c->panel_round) {
        cr_buf_addf(why,
                    "the cases table says it was before the panel at decision %d, the "
                    "trail says %d (which cases a panel member may see)",
                    t->panel_round, c->panel_round);
        add_event_ref(why, d->ev[CR_REPLAY_PANEL_ROUND], id);
    }
    for (int list = 0; x->st == CR_OK && list < CR_REPLAY_LISTS && why->len == x->start; list++)
        x->st = explain_list(x, list, t, &d->lists[list]);
    return 1;
}

/* Say what differs between case id's rows and its replay, in why. */
static enum cr_status
explain_case(cr_db *db, int64_t id, struct cr_buf *why)
{
    assert(id > 0);
    struct explain x = {.db = db, .r = cr_replay_new(id), .why = why};
    if (!x.r)
        return cr_fail(db, CR_NOMEM, "out of memory");
    enum cr_status st = st_audit_chain(db, id, 0, explain_event, &x);
    if (st == CR_OK && x.st != CR_OK)
        st = x.st == CR_NOMEM ? cr_fail(db, CR_NOMEM, "out of memory")
                              : cr_fail(db, x.st, "%s", x.scratch.p);
    cr_buf_reset(why);
    cr_buf_addf(why, "audit: case %lld: ", (long long)id);
    x.start = why->len;
    if (st == CR_OK)
        st = st_case_rows(db, id, explain_rows, &x);
    if (st == CR_OK && !x.seen) {
        struct cr_replay_case blank;
        cr_replay_case_init(&blank);
        const struct cr_replay_case *c = cr_replay_case(x.r, id);
        cr_buf_addf(why, "the cases table has no such case, but the trail records it");
        add_event_ref(why, (c ? c : &blank)->first_event, id);
    }
    if (st == CR_OK)
        st = x.st;
    if (st == CR_OK && why->len == x.start)
        cr_buf_addf(why, "its rows differ from what the trail says");
    cr_replay_free(x.r);
    cr_buf_free(&x.text);
    cr_buf_free(&x.scratch);
    return st;
}

/* Every case as the trail says it is: the lowest that differs, explained, fails. */
static enum cr_status
check_cases(cr_db *db, const struct cr_replay *replay, struct cr_buf *why)
{
    struct compare m = {.r = replay, .next = 1};
    enum cr_status st = st_case_rows(db, 0, compare_case, &m);
    cr_buf_free(&m.text);
    if (st == CR_OK && !m.first)
        absent_differs(&m, cr_replay_max_case(replay) + 1);
    if (st != CR_OK || !m.first)
        return st;
    st = explain_case(db, m.first, why);
    return st == CR_OK ? cr_fail(db, CR_INVALID, "%s", why->p) : st;
}

/* The sealing engine's first bad event, kept for the walk. */
static int
first_bad(void *ctx, const struct cr_audit_bad *b)
{
    struct cr_audit_bad *bad = ctx;
    *bad = *b;
    return 1;
}

static enum cr_status
verify(cr_db *db, const struct cr_audit_head *kept, size_t n_kept, int64_t *events)
{
    struct cr_audit_key key;
    enum cr_status st = st_audit_key(db, &key);
    if (st != CR_OK)
        return st;
    struct walk w = {
        .db = db,
        .key = &key,
        .kept = kept,
        .n_kept = n_kept,
        .found = calloc(n_kept + 1, sizeof *w.found),
        .replay = cr_replay_new(0),
        .expect_id = 1,
        .sealed = st_audit_seals(db),
    };
    if (!w.found || !w.replay)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    /* An engine that holds the key checks the hashes first; the walk says where, in order. */
    if (st == CR_OK && w.sealed)
        st = st_audit_check(db, 1, first_bad, &w.bad);
    /* The chain first, each event replayed as it is checked. */
    if (st == CR_OK && (st = st_audit_chain(db, 0, 0, walk_event, &w)) == CR_OK)
        st = w.st;
    if (st == CR_OK)
        st = check_end(db, &w);
    sodium_memzero(key.key, sizeof key.key);
    /* The rules, then the data: every case as the trail says it is. */
    struct config_check cc = {db, CR_OK};
    if (st == CR_OK && (st = st_config_texts(db, config_text_matches, &cc)) == CR_OK)
        st = cc.st;
    if (st == CR_OK)
        st = check_cases(db, w.replay, &w.why);
    *events = w.events;
    free(w.erasures);
    free(w.found);
    cr_replay_free(w.replay);
    cr_buf_free(&w.why);
    return st;
}

enum cr_status
cr_audit_verify_heads(cr_db *db, const struct cr_audit_head *kept, size_t n_kept, int64_t *events)
{
    *events = 0;
    assert(kept || n_kept == 0);
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, "audit verify");
    if (st != CR_OK || (st = st_read_begin(db)) != CR_OK)
        return st;
    st = verify(db, kept, n_kept, events);
    st_read_end(db);
    if (st != CR_OK)
        *events = 0;
    return st;
}

enum cr_status
cr_audit_verify(cr_db *db, int64_t *events)
{
    return cr_audit_verify_heads(db, NULL, 0, events);
}

static enum cr_status
audit_log_read(cr_db *db, const struct cr_audit_filter *f,
               int (*each)(void *ctx, const struct cr_event *e), void *ctx, int64_t *n)
{
    *n = 0;
    enum cr_status st = CR_OK;
    /* Reading the trail is a consultation like any other, recorded before the rows go out. */
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"view\": \"audit log\"");
    if (f->case_id)
        cr_buf_addf(&d, ", \"case\": %lld", (long long)f->case_id);
    if (f->actor) {
        cr_buf_addf(&d, ", \"actor\": ");
        cr_buf_add_json(&d, f->actor);
    }
    if (f->action) {
        cr_buf_addf(&d, ", \"action\": ");
        cr_buf_add_json(&d, f->action);
    }
    if (f->since)
        cr_buf_addf(&d, ", \"since\": %lld", (long long)f->since);
    if (f->until)
        cr_buf_addf(&d, ", \"until\": %lld", (long long)f->until);
    cr_buf_addc(&d, '}');
    /* The events there when asked: up to the last before the reading's own. */
    int64_t upto = 0;
    if (!d.p)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    else if ((st = st_begin(db)) == CR_OK) {
        if ((st = st_audit_last(db, &upto)) == CR_OK &&
            (st = cr_audit_append(db, 0, "view", NULL, NULL, d.p)) == CR_OK)
            st = st_commit(db);
        else
            st_rollback(db);
    }
    cr_buf_free(&d);
    if (st != CR_OK)
        return st;
    return st_audit_scan(db, f, 0, upto, each, ctx, n);
}

enum cr_status
cr_audit_log(cr_db *db, const struct cr_audit_filter *f,
             int (*each)(void *ctx, const struct cr_event *e), void *ctx, int64_t *n)
{
    *n = 0;
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, "audit log");
    return st == CR_OK ? audit_log_read(db, f, each, ctx, n) : st;
}

int
cr_audit_head_parse(const char *s, struct cr_audit_head *out)
{
    memset(out, 0, sizeof *out);
    unsigned char h[32];
    char *end;
    /* HASH[:COUNT]: events are numbered from 1 without gaps, so the count names the event. */
    size_t hexlen = strspn(s, "0123456789abcdefABCDEF");
    if (hexlen == 64 && (s[64] == '\0' || s[64] == ':')) {
        char hex[65];
        memcpy(hex, s, 64);
        hex[64] = '\0';
        if (!cr_unhex(hex, h, 32))
            return -1;
        if (s[64] == ':') {
            if (!(s[65] >= '0' && s[65] <= '9'))
                return -1;
            errno = 0;
            long long count = strtoll(s + 65, &end, 10);
            if (*end || errno || count < 1)
                return -1;
            out->event = count;
        }
        cr_hex_of(h, 32, out->hash);
        return 0;
    }
    /* ID:HEX, as `audit head` prints it. */
    errno = 0;
    long long id = strtoll(s, &end, 10);
    if (end == s || *end != ':' || errno || id < 1 || strlen(end + 1) != 64)
        return -1;
    if (!cr_unhex(end + 1, h, 32))
        return -1;
    out->event = id;
    cr_hex_of(h, 32, out->hash);
    return 0;
}

/* Recording events: the rules every event meets before it is chained */

enum cr_status
cr_audit_append(cr_db *db, int64_t case_id, const char *action, const char *before,
                const char *after, const char *details)
{
    const struct cr_config *cfg = st_config(db);
    if (!cr_db_purpose(db) && cfg && cfg->audit_require_purpose &&
        cr_audit_is_consultation(action)) {
        struct cr_buf b = {0};
        if (cfg->n_purposes) {
            cr_buf_addf(&b, " (one of ");
            cr_purposes_text(cfg, &b);
            cr_buf_addc(&b, ')');
        }
        enum cr_status st = cr_fail(
            db, CR_REFUSED,
            "audit.require_purpose: every consultation needs its purpose (DPA 2018 s.62), and "
            "this session gave none; give --purpose TEXT%s",
            b.p ? b.p : "");
        cr_buf_free(&b);
        return st;
    }
    if (cr_db_read_only(db)) {
        /*
         * The trail cannot be written in a copy.  What was read goes unrecorded (the
         * caller tells the user once); a change or a disclosure does not happen at all.
         */
        if (!cr_audit_is_consultation(action))
            return st_writable(db);
        st_count_unrecorded(db);
        return CR_OK;
    }
    /*
     * Under the write lock, the rules this handle acts under must still be
     * the ones pinned: an adoption by another process since it signed in
     * stops it here rather than letting it act under rules no longer in force.
     */
    if (cfg) {
        char in_force[65];
        bool any;
        enum cr_status st = st_config_in_force(db, in_force, &any);
        if (st != CR_OK)
            return st;
        if (any && strcmp(in_force, cfg->digest) != 0)
            return cr_fail(db, CR_INVALID,
                           "an admin adopted another configuration (digest %s) since this "
                           "session began under digest %s; nothing was done: start again "
                           "with the configuration in force",
                           in_force, cfg->digest);
    }
    return cr_audit_chain(db, case_id, action, before, after, details);
}

enum cr_status
cr_case_view_recorded(cr_db *db, int64_t id, bool hide_votes, const char *what, struct cr_case *out)
{
    assert(db && out);
    memset(out, 0, sizeof *out);
    enum cr_status st = st_case_load(db, id, true, hide_votes, out);
    if (st == CR_OK && what) {
        struct cr_buf d = {0};
        cr_buf_addf(&d, "{\"view\": \"%s\"}", what);
        st = d.p ? cr_audit_append(db, id, "view", NULL, NULL, d.p)
                 : cr_fail(db, CR_NOMEM, "out of memory");
        cr_buf_free(&d);
    }
    return st;
}
