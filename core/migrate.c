/*
 * Moving a database between engines (`casereview migrate`; README, "When
 * one machine is not enough: PostgreSQL", "Moving between engines").  Core
 * decides what is copied and in which order, and re-seals the trail; the
 * engines only read and write rows (store.h, migrate_*).  Every table has
 * the same name and columns on every engine (core/sqlite/schema.c,
 * core/pg/sql/001-tables.sql): the list below names them once.
 *
 * The source's chain is verified first; the destination must hold no case
 * and no event.  Then, in one write transaction on the destination: every
 * table in dependency order with its ids, the counters replaced by the
 * source's (the triggers counted the inserted rows as they stand, not the
 * history the counters keep), the configuration in force published again
 * (the roster and the rules of an engine that keeps them), every event
 * re-sealed in order with the destination's key, one `migrated` event, the
 * search index rebuilt; committed, then the destination verified.
 */
#include "internal.h"
#include "store.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* A column list and its length. */
#define COLS(...)                       \
    (const char *const[]){__VA_ARGS__}, \
        sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

/* One table: name, columns, their types ('i', 't', 'b': store.h), the order read. */
struct mig_table {
    const char *name;
    const char *const *cols;
    size_t n;
    const char *types;
    const char *order;
};

/* The tables, in the order they are written (what a row refers to first). */
static const struct mig_table rows_tables[] = {
    {"config_versions", COLS("id", "digest", "text", "adopted_at", "adopted_by", "in_force"),
     "itbiti", "id"},
    {"imports", COLS("id", "at", "label", "rows", "new_allegations", "new_cases"), "iitiii", "id"},
    {"subjects",
     COLS("id", "ref", "surname", "forenames", "employment", "rank", "unit", "duty_status",
          "vetting_status", "import_id", "import_line"),
     "ittttttttii", "id"},
    {"cases",
     COLS("id", "subject_id", "previous_case_id", "state", "state_since", "created_at", "assignee",
          "outcome", "vetting_review", "rationale", "decided_by", "decided_at", "round", "version",
          "updated_by", "updated_at", "n_allegations", "n_sexual", "latest_allegation", "priority",
          "quorum_blocked", "panel_round", "clock_shift", "paused_until", "paused_at", "paused_by",
          "pause_reason", "approver"),
     "iiitiittittiiitiiitiiiiiittt", "id"},
    {"allegations",
     COLS("id", "ref", "case_id", "category", "date", "source", "original_outcome", "summary",
          "import_id", "import_line"),
     "ititttttii", "id"},
    {"notes", COLS("id", "case_id", "author", "created_at", "kind", "body"), "iititt", "id"},
    {"votes",
     COLS("id", "case_id", "round", "member", "member_kind", "vote", "reason", "created_at"),
     "iiitttti", "id"},
    {"decisions",
     COLS("id", "case_id", "round", "reviewer", "outcome", "vetting_review", "rationale",
          "decided_at"),
     "iiittiti", "id"},
    {"approvals", COLS("id", "case_id", "round", "supervisor", "approved_at"), "iiiti", "id"},
    {"drafts",
     COLS("case_id", "login", "action", "outcome", "vetting_review", "vote", "target", "text",
          "case_version", "saved_at"),
     "itttittbii", "case_id, login, action"},
    {"superseded_votes",
     COLS("id", "vote_id", "case_id", "round", "member", "member_kind", "vote", "reason",
          "created_at", "superseded_at", "superseded_by"),
     "iiiittttiit", "id"},
    {"case_links",
     COLS("id", "case_id", "kind", "ref", "status", "import_id", "import_line", "added_by",
          "added_at", "removed_by", "removed_at", "removed_reason"),
     "iitttiititit", "id"},
    {"follow_ups",
     COLS("id", "case_id", "stage", "result", "date", "detail", "recorded_by", "recorded_at"),
     "iittttti", "id"},
    {"qa",
     COLS("case_id", "round", "decider", "approver", "outcome", "reason", "draw", "config_digest",
          "selected_at", "qa_by", "verdict", "qa_reason", "qa_at"),
     "iittttitittti", "case_id, round"},
    {"erasures", COLS("case_id", "event"), "ii", "case_id"},
};

/* The maintained counters: replaced by the source's once the rows are in. */
static const struct mig_table counter_tables[] = {
    {"case_counts", COLS("state", "outcome", "categories", "n"), "ttii",
     "state, outcome, categories"},
    {"counters", COLS("name", "n"), "ti", "name"},
    {"outcome_counts", COLS("state", "outcome", "vetting_review", "n"), "ttii",
     "state, outcome, vetting_review"},
    {"panel_rounds", COLS("reviewer", "finished", "returned"), "tii", "reviewer"},
    {"reviewer_outcomes", COLS("reviewer", "outcome", "n"), "tti", "reviewer, outcome"},
};

_Static_assert(CR_ARRAY_LEN(rows_tables) + CR_ARRAY_LEN(counter_tables) + 1 <= CR_MIGRATE_TABLES,
               "struct cr_migrate_result has a count for every table and the events");

static struct cr_mig_table
as_store(const struct mig_table *t)
{
    return (struct cr_mig_table){t->name, t->cols, t->types, t->n, t->order};
}

/* The engine's method, or a refusal naming the engine that has none. */
static enum cr_status
engine_check(cr_db *db, cr_db *msg, bool to)
{
    const struct cr_store *s = st_store(db);
    enum cr_status st;
    if (!s->migrate_check || !s->migrate_read || !s->migrate_write || !s->migrate_clear ||
        !s->migrate_finish || (s->seals && !s->migrate_event))
        st = cr_fail(db, CR_REFUSED, "migrate: the %s engine cannot take part in a migration",
                     s->name);
    else
        st = s->migrate_check(db, to);
    if (st != CR_OK && msg != db)
        cr_fail(msg, st, "%s", cr_db_errmsg(db));
    return st;
}

/* Copying one table: each row the source gives is written to the destination. */
struct copy {
    cr_db *dst;
    const struct cr_mig_table *t;
    int64_t rows;
    bool write_failed;
};

static int
copy_row(void *ctx, const struct cr_mig_cell *cells)
{
    struct copy *c = ctx;
    enum cr_status st = st_store(c->dst)->migrate_write(c->dst, c->t, cells);
    c->write_failed = st != CR_OK;
    c->rows += st == CR_OK;
    return (int)st;
}

/* The source's rows of t into the destination; a failure's message on dst. */
static enum cr_status
copy_table(cr_db *src, cr_db *dst, const struct mig_table *mt, int64_t *rows)
{
    struct cr_mig_table t = as_store(mt);
    if (strlen(t.types) != t.n)
        return cr_fail(dst, CR_DB, "migrate: %s: %zu types for %zu columns", t.name,
                       strlen(t.types), t.n);
    struct copy c = {dst, &t, 0, false};
    enum cr_status st = st_store(src)->migrate_read(src, &t, copy_row, &c);
    /* A failure of the source's reading is said on the source's handle. */
    if (st != CR_OK && !c.write_failed)
        cr_fail(dst, st, "%s", cr_db_errmsg(src));
    *rows = c.rows;
    return st;
}

/* Counting rows (the destination's emptiness). */
static int
count_row(void *ctx, const struct cr_mig_cell *cells)
{
    (void)cells;
    ++*(int64_t *)ctx;
    return 0;
}

/* An erasure's sums, as the destination's key makes them. */
struct sums {
    int64_t by;
    unsigned char digest[32], redacted[32];
};

/* Re-sealing the trail event by event. */
struct reseal {
    cr_db *src, *dst;
    bool seals;
    struct cr_audit_key key;
    unsigned char prev[32];
    unsigned char last[32]; /* the source's last hash */
    int64_t events;
    struct sums *sums;
    size_t n_sums;
    struct cr_buf details;
    enum cr_status st;
};

static struct sums *
sums_of(struct reseal *r, int64_t by)
{
    for (size_t i = 0; i < r->n_sums; i++)
        if (r->sums[i].by == by)
            return &r->sums[i];
    struct sums *more = realloc(r->sums, (r->n_sums + 1) * sizeof *more);
    if (!more)
        return NULL;
    r->sums = more;
    memset(&more[r->n_sums], 0, sizeof *more);
    more[r->n_sums].by = by;
    return &more[r->n_sums++];
}

/* In details (copied into b), the 64 hex digits after the first `field` set to sum's. */
static void
put_sum(struct cr_buf *b, const char *field, const unsigned char sum[32])
{
    char *p = b->p ? strstr(b->p, field) : NULL;
    if (!p || strlen(p + strlen(field)) < 64)
        return;
    char hex[65];
    cr_hex_of(sum, 32, hex);
    memcpy(p + strlen(field), hex, 64);
}

static int
reseal_event(void *ctx, const struct cr_audit_link *l)
{
    struct reseal *r = ctx;
    cr_db *dst = r->dst;
    struct cr_event e = l->e;
    int64_t by = cr_audit_erased_by(e.details);
    /* An erased event keeps the digest of the details it had; before v3, its hash too. */
    const char *keep_digest = by ? e.details_digest : NULL;
    const unsigned char *keep_hash = by && !e.details_digest && l->hash_len == 32 ? l->hash : NULL;
    enum cr_status st = CR_OK;
    if (!by && e.action && strcmp(e.action, "erased") == 0) {
        /* Its sums are keyed: made again over the events as re-sealed here. */
        unsigned char digest[32] = {0}, redacted[32] = {0};
        int64_t n = 0;
        if (r->seals) {
            st = st_audit_erasure(dst, e.case_id, e.id, digest, redacted, &n);
        } else {
            struct sums *s = sums_of(r, e.id);
            if (!s) {
                st = cr_fail(dst, CR_NOMEM, "out of memory");
            } else {
                memcpy(digest, s->digest, 32);
                memcpy(redacted, s->redacted, 32);
            }
        }
        r->details.len = 0;
        if (st == CR_OK && cr_buf_addf(&r->details, "%s", e.details) < 0)
            st = cr_fail(dst, CR_NOMEM, "out of memory");
        if (st == CR_OK) {
            put_sum(&r->details, "\"redacted\": \"", redacted);
            put_sum(&r->details, "\"digest\": \"", digest);
            e.details = r->details.p;
        }
    }
    unsigned char hash[32];
    char digest[65];
    if (st == CR_OK && r->seals) {
        e.details_digest = NULL;
        st = st_store(dst)->migrate_event(dst, &e, keep_digest, keep_hash, hash);
    } else if (st == CR_OK) {
        if (by) {
            e.details_digest = keep_digest;
        } else {
            cr_audit_details_digest(r->key.key, e.details, digest);
            e.details_digest = digest;
        }
        if (keep_hash)
            memcpy(hash, keep_hash, 32);
        else
            cr_audit_hash(r->key.key, r->prev, &e, hash);
        st = st_audit_put(dst, &e, r->prev, hash);
        struct sums *s = st == CR_OK && by ? sums_of(r, by) : NULL;
        if (st == CR_OK && by && !s)
            st = cr_fail(dst, CR_NOMEM, "out of memory");
        if (s) {
            /* As core/erase.c sums them: the digests, and each event as left. */
            char d[65];
            if (e.details_digest)
                snprintf(d, sizeof d, "%s", e.details_digest);
            else
                cr_audit_details_digest(r->key.key, e.details, d);
            crypto_generichash_state h;
            crypto_generichash_init(&h, r->key.key, CR_AUDIT_KEY_BYTES, 32);
            crypto_generichash_update(&h, s->digest, 32);
            crypto_generichash_update(&h, (const unsigned char *)d, 64);
            crypto_generichash_final(&h, s->digest, 32);
            struct cr_audit_link left = {e, r->prev, hash, 32, 32};
            cr_audit_erased_step(r->key.key, s->redacted, &left);
        }
    }
    if (st == CR_OK) {
        memcpy(r->prev, hash, 32);
        if (l->hash_len == 32)
            memcpy(r->last, l->hash, 32);
        r->events++;
    }
    r->st = st;
    return st != CR_OK;
}

/* The copy itself, in the destination's write transaction (begun by the caller). */
static enum cr_status
copy_all(cr_db *src, cr_db *dst, int64_t verified, struct cr_migrate_result *out)
{
    enum cr_status st = CR_OK;
    /* What an empty database may hold (a pinned configuration), gone first. */
    for (size_t i = CR_ARRAY_LEN(counter_tables); st == CR_OK && i-- > 0;)
        st = st_store(dst)->migrate_clear(dst, counter_tables[i].name);
    for (size_t i = CR_ARRAY_LEN(rows_tables); st == CR_OK && i-- > 0;)
        st = st_store(dst)->migrate_clear(dst, rows_tables[i].name);
    for (size_t i = 0; st == CR_OK && i < CR_ARRAY_LEN(rows_tables); i++) {
        out->tables[out->n].table = rows_tables[i].name;
        st = copy_table(src, dst, &rows_tables[i], &out->tables[out->n++].rows);
    }
    /* The roster and the rules, for an engine that keeps them (PostgreSQL's people, rules). */
    if (st == CR_OK && (st = st_config_put(dst, st_config(src))) == CR_OK)
        st = st_rules_put(dst);
    for (size_t i = CR_ARRAY_LEN(counter_tables); st == CR_OK && i-- > 0;)
        st = st_store(dst)->migrate_clear(dst, counter_tables[i].name);
    for (size_t i = 0; st == CR_OK && i < CR_ARRAY_LEN(counter_tables); i++) {
        out->tables[out->n].table = counter_tables[i].name;
        st = copy_table(src, dst, &counter_tables[i], &out->tables[out->n++].rows);
    }
    if (st != CR_OK)
        return st;

    /* The trail, re-sealed with the destination's key. */
    struct reseal r = {.src = src, .dst = dst, .seals = st_audit_seals(dst)};
    if (!r.seals) {
        if ((st = st_audit_key(dst, &r.key)) != CR_OK)
            return st;
        if (!r.key.have || r.key.keyed_from != 1)
            st = cr_fail(dst, CR_DB, "migrate: %s: %s", cr_db_label(dst),
                         !r.key.have ? (r.key.problem ? r.key.problem : "no audit key")
                                     : "its audit key was made after events it no longer has");
    }
    if (st == CR_OK && (st = st_audit_chain(src, 0, 1, reseal_event, &r)) == CR_OK)
        st = r.st;
    if (st != CR_OK && r.st == CR_OK && *cr_db_errmsg(src))
        cr_fail(dst, st, "%s", cr_db_errmsg(src));
    sodium_memzero(r.key.key, sizeof r.key.key);
    free(r.sums);
    cr_buf_free(&r.details);
    if (st != CR_OK)
        return st;
    if (r.events != verified)
        return cr_fail(dst, CR_BUSY,
                       "migrate: %s changed while it was copied (%lld events verified, %lld "
                       "copied); nothing was written: run migrate again when no one writes to it",
                       cr_db_label(src), (long long)verified, (long long)r.events);
    out->events = r.events;
    out->tables[out->n].table = "audit_events";
    out->tables[out->n++].rows = r.events;
    cr_hex_of(r.last, 32, out->head);
    if (!r.events)
        memset(out->head, '0', 64);

    /* Where it came from, in its trail: never a password (cr_db_label has none). */
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"from\": ");
    cr_buf_add_json(&d, cr_db_label(src));
    cr_buf_addf(&d, ", \"engine\": ");
    cr_buf_add_json(&d, cr_db_engine(src));
    cr_buf_addf(&d, ", \"events\": %lld, \"head\": \"%s\"}", (long long)r.events, out->head);
    st = d.p ? cr_audit_append(dst, 0, "migrated", NULL, NULL, d.p)
             : cr_fail(dst, CR_NOMEM, "out of memory");
    cr_buf_free(&d);
    if (st == CR_OK)
        st = st_store(dst)->migrate_finish(dst);
    return st;
}

enum cr_status
cr_migrate(cr_db *src, cr_db *dst, struct cr_migrate_result *out)
{
    memset(out, 0, sizeof *out);
    const struct cr_config *cfg = st_config(src);
    const struct cr_person *who = st_user(src);
    if (!cfg || !who)
        return cr_fail(dst, CR_USAGE, "no user: call cr_db_set_user on the source first");
    enum cr_status st = cr_require_role(src, CR_ROLE_ADMIN, "migrate");
    if (st != CR_OK)
        return cr_fail(dst, st, "%s", cr_db_errmsg(src));
    cr_db_set_user(dst, cfg, who);
    if ((st = cr_db_set_os_login(dst, st_os_login(src))) != CR_OK ||
        (cr_db_purpose(src) && (st = cr_db_set_purpose(dst, cr_db_purpose(src))) != CR_OK))
        return st;
    if ((st = engine_check(src, dst, false)) != CR_OK ||
        (st = engine_check(dst, dst, true)) != CR_OK)
        return st;

    /* The source's chain first: a trail that does not verify is not carried anywhere. */
    int64_t verified;
    if ((st = cr_audit_verify(src, &verified)) != CR_OK)
        return cr_fail(dst, st == CR_INVALID ? CR_INVALID : st,
                       "migrate: %s does not verify, so it is not copied (nothing was written): %s",
                       cr_db_label(src), cr_db_errmsg(src));

    /* The destination holds nothing yet. */
    int64_t cases = 0, events = 0;
    struct cr_mig_table ids = {"cases", (const char *const[]){"id"}, "i", 1, "id"};
    if ((st = st_store(dst)->migrate_read(dst, &ids, count_row, &cases)) != CR_OK ||
        (st = st_audit_last(dst, &events)) != CR_OK)
        return st;
    if (cases || events)
        return cr_fail(dst, CR_REFUSED,
                       "migrate: %s is not empty (%lld %s, %lld audit %s); migrate copies into "
                       "a new or empty database only; nothing was written",
                       cr_db_label(dst), (long long)cases, cases == 1 ? "case" : "cases",
                       (long long)events, events == 1 ? "event" : "events");

    if ((st = st_begin(dst)) != CR_OK)
        return st;
    if ((st = st_read_begin(src)) != CR_OK) {
        cr_fail(dst, st, "%s", cr_db_errmsg(src));
        st_rollback(dst);
        return st;
    }
    st = copy_all(src, dst, verified, out);
    st_read_end(src);
    if (st != CR_OK) {
        st_rollback(dst);
        return st;
    }
    if ((st = st_commit(dst)) != CR_OK)
        return st;
    out->committed = true;

    /* On arrival: the destination's own chain, with its own key. */
    int64_t arrived;
    if ((st = cr_audit_verify(dst, &arrived)) != CR_OK) {
        char *why = strdup(cr_db_errmsg(dst));
        cr_fail(dst, st,
                "migrate: the copy in %s was written but does not verify: %s; do not use it: "
                "remove it and report this",
                cr_db_label(dst), why ? why : "out of memory");
        free(why);
        return st;
    }
    out->verified = arrived;
    return CR_OK;
}
