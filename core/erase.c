/*
 * Retention, erasure and correction (issue 13, item 6; README,
 * "Retention, erasure and correction" and "Design: erasure and the chain").
 *
 * purge: the closed cases past their retention lose their personal text,
 * in the tables (the engine's erase_case) and in the details of their audit
 * events (each replaced by its redacted form, cr_replay_redact, which keeps
 * every number and workflow word the replay needs).  Chain v3 hashes an
 * event over the keyed digest of its details, so an erased v3 event still
 * verifies in full; an event written before v3 keeps its stored hash, and
 * the case's `erased` event records a keyed running sum over every erased
 * event as it is left (cr_audit_erased_step), which audit verify checks,
 * so that no erased event can be altered unseen.
 *
 * correct: one allegation field, validated as the import validates that
 * column, old and new values in the audit event; a decided case goes back
 * for a new decision as an imported allegation sends it back.
 */
#include "internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void
cr_purge_result_free(struct cr_purge_result *r)
{
    free(r->erased);
    free(r->kept);
    memset(r, 0, sizeof *r);
}

void
cr_correct_result_free(struct cr_correct_result *r)
{
    free(r->old_value);
    free(r->new_value);
    memset(r, 0, sizeof *r);
}

/* t plus n years, on the same day of the year (29 February: 1 March in a common year). */
static int64_t
add_years(int64_t t, int years)
{
    char day[21];
    cr_time_format(t, day);
    int64_t secs = ((t % 86400) + 86400) % 86400;
    int y = atoi(day) + years;
    char moved[32];
    snprintf(moved, sizeof moved, "%04d%s", y, day + 4);
    moved[10] = '\0';
    int64_t at;
    if (cr_time_parse(moved, &at) < 0) {
        moved[8] = '2', moved[9] = '8';
        if (cr_time_parse(moved, &at) < 0)
            return INT64_MAX;
        at += 86400;
    }
    return at + secs;
}

int64_t
cr_retention_due(const struct cr_config *cfg, int outcome, int64_t closed_at)
{
    int o = outcome >= 0 && outcome < CR_OUTCOME_COUNT &&
                    (cfg->retention_years[outcome] || cfg->retention_days[outcome])
                ? outcome
                : CR_OUTCOME_COUNT;
    if (cfg->retention_years[o])
        return add_years(closed_at, cfg->retention_years[o]);
    if (cfg->retention_days[o])
        return closed_at + (int64_t)cfg->retention_days[o] * 86400;
    return 0;
}

static bool
any_retention(const struct cr_config *cfg)
{
    for (int o = 0; o <= CR_OUTCOME_COUNT; o++)
        if (cfg->retention_years[o] || cfg->retention_days[o])
            return true;
    return false;
}

static bool
push(int64_t **v, size_t *n, int64_t x)
{
    int64_t *p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p)
        return false;
    p[(*n)++] = x;
    *v = p;
    return true;
}

/* The closed cases before the date: which to erase, which retention keeps. */
struct pick {
    const struct cr_config *cfg;
    int64_t now;
    struct cr_purge_result *out;
};

static enum cr_status
pick_case(void *ctx, const struct cr_closed_case *c)
{
    struct pick *p = ctx;
    if (c->erased) {
        p->out->already++;
        return CR_OK;
    }
    int64_t due = cr_retention_due(p->cfg, c->outcome, c->closed_at);
    bool ok = due && due <= p->now ? push(&p->out->erased, &p->out->n_erased, c->id)
                                   : push(&p->out->kept, &p->out->n_kept, c->id);
    return ok ? CR_OK : CR_NOMEM;
}

/* One case's events, redacted as they will be left, and the sums its erasure records. */
struct erasing {
    const unsigned char *key;
    int64_t by;
    unsigned char digest[32];   /* over the keyed digests of the details erased */
    unsigned char redacted[32]; /* cr_audit_erased_step over the events as left */
    size_t n;
    int64_t *ids;
    char **details;
    struct cr_buf b;
    bool nomem;
};

static int
erase_event(void *ctx, const struct cr_audit_link *l)
{
    struct erasing *x = ctx;
    char digest[65];
    if (!x->key) {
        /* The engine holds the key: it sums the events once redacted (erase_one). */
        cr_replay_redact(l->e.details, x->by, &x->b);
    } else if (l->e.details_digest)
        snprintf(digest, sizeof digest, "%s", l->e.details_digest);
    else
        cr_audit_details_digest(x->key, l->e.details, digest);
    if (x->key) {
        crypto_generichash_state h;
        crypto_generichash_init(&h, x->key, CR_AUDIT_KEY_BYTES, 32);
        crypto_generichash_update(&h, x->digest, 32);
        crypto_generichash_update(&h, (const unsigned char *)digest, 64);
        crypto_generichash_final(&h, x->digest, 32);
        cr_replay_redact(l->e.details, x->by, &x->b);
        struct cr_audit_link left = *l;
        left.e.details = x->b.p ? x->b.p : "";
        cr_audit_erased_step(x->key, x->redacted, &left);
    }
    char *copy = x->b.p ? strdup(x->b.p) : NULL;
    int64_t *ids = realloc(x->ids, (x->n + 1) * sizeof *ids);
    char **details = ids ? realloc(x->details, (x->n + 1) * sizeof *details) : NULL;
    if (ids)
        x->ids = ids;
    if (details)
        x->details = details;
    if (!copy || !ids || !details) {
        free(copy);
        x->nomem = true;
        return 1;
    }
    x->ids[x->n] = l->e.id;
    x->details[x->n++] = copy;
    return 0;
}

/*
 * Erase case id, in the caller's write transaction; its `erased` event
 * records it.  key NULL: the engine holds it and sums the events (store.h,
 * audit_erasure).
 */
static enum cr_status
erase_one(cr_db *db, const unsigned char *key, int64_t id, const char *reason,
          struct cr_purge_result *out)
{
    int64_t head;
    unsigned char hash[32];
    enum cr_status st = st_audit_head(db, &head, hash);
    if (st != CR_OK)
        return st;
    struct erasing x = {.key = key, .by = head + 1};
    st = st_audit_chain(db, id, 0, erase_event, &x);
    if (st == CR_OK && x.nomem)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    for (size_t i = 0; st == CR_OK && i < x.n; i++)
        st = st_audit_redact(db, x.ids[i], x.details[i]);
    int64_t summed = (int64_t)x.n;
    if (st == CR_OK && !key)
        st = st_audit_erasure(db, id, x.by, x.digest, x.redacted, &summed);
    if (st == CR_OK && summed != (int64_t)x.n)
        st = cr_fail(db, CR_DB, "purge: case %lld: %lld events summed for its erasure, not %zu",
                     (long long)id, (long long)summed, x.n);
    struct cr_erase_counts n;
    if (st == CR_OK)
        st = st_erase_case(db, id, x.by, CR_ERASED_TEXT, &n);
    if (st == CR_OK) {
        /* The counts and the sums first: verify reads them before the free text of the reason. */
        char dhex[65], rhex[65];
        cr_hex_of(x.digest, 32, dhex);
        cr_hex_of(x.redacted, 32, rhex);
        struct cr_buf d = {0};
        cr_buf_addf(&d,
                    "{\"events\": %zu, \"redacted\": \"%s\", \"digest\": \"%s\", "
                    "\"allegations\": %lld, \"decisions\": %lld, \"votes\": %lld, \"notes\": "
                    "%lld, \"drafts\": %lld, \"subject\": %s, \"reason\": ",
                    x.n, rhex, dhex, (long long)n.allegations, (long long)n.decisions,
                    (long long)n.votes, (long long)n.notes, (long long)n.drafts,
                    n.subjects ? "true" : "false");
        cr_buf_add_json(&d, reason);
        cr_buf_addc(&d, '}');
        st = d.p ? cr_audit_append(db, id, "erased", "closed", "closed", d.p)
                 : cr_fail(db, CR_NOMEM, "out of memory");
        cr_buf_free(&d);
        out->events += (int64_t)x.n;
        out->allegations += n.allegations;
        out->texts += n.decisions + n.votes + n.notes;
        out->subjects += n.subjects;
    }
    int64_t last = 0;
    if (st == CR_OK && (st = st_audit_last(db, &last)) == CR_OK && last != x.by)
        st =
            cr_fail(db, CR_DB, "purge: case %lld: its erasure was recorded as event %lld, not %lld",
                    (long long)id, (long long)last, (long long)x.by);
    for (size_t i = 0; i < x.n; i++)
        free(x.details[i]);
    free(x.details);
    free(x.ids);
    cr_buf_free(&x.b);
    return st;
}

/* The purge's own event: what was erased and kept, and why. */
static enum cr_status
record_purge(cr_db *db, int64_t before, const char *reason, const struct cr_purge_result *r)
{
    char date[21];
    cr_time_format(before, date);
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"closed_before\": \"%s\", \"erased\": %zu, \"kept\": %zu, \"cases\": [",
                date, r->n_erased, r->n_kept);
    for (size_t i = 0; i < r->n_erased; i++)
        cr_buf_addf(&d, "%s%lld", i ? ", " : "", (long long)r->erased[i]);
    cr_buf_addf(&d, "], \"events\": %lld, \"reason\": ", (long long)r->events);
    cr_buf_add_json(&d, reason);
    cr_buf_addc(&d, '}');
    enum cr_status st = d.p ? cr_audit_append(db, 0, "purge", NULL, NULL, d.p)
                            : cr_fail(db, CR_NOMEM, "out of memory");
    cr_buf_free(&d);
    return st;
}

enum cr_status
cr_purge(cr_db *db, int64_t closed_before, const char *reason, bool dry,
         struct cr_purge_result *out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, "purge");
    if (st != CR_OK)
        return st;
    const struct cr_config *cfg = st_config(db);
    if (!reason || cr_blank(reason))
        return cr_fail(db, CR_INVALID, "purge: the reason is empty; say why these cases go");
    if (!cfg || !any_retention(cfg))
        return cr_fail(db, CR_REFUSED,
                       "purge: the configuration gives no retention (retention: closed_years, "
                       "or per outcome nfa, reassess, refer); nothing is erased before its "
                       "retention runs out");
    /* A trail that does not verify is evidence: nothing is erased from it. */
    int64_t events;
    if (!dry && (st = cr_audit_verify(db, &events)) != CR_OK) {
        char *why = strdup(cr_db_errmsg(db));
        st = cr_fail(db, CR_INVALID, "purge: the trail does not verify, so nothing is erased: %s",
                     why ? why : "");
        free(why);
        return st;
    }
    struct cr_audit_key key;
    if ((st = st_audit_key(db, &key)) != CR_OK)
        return st;
    bool sealed = st_audit_seals(db);
    if (!key.have && !sealed) {
        st = cr_fail(db, CR_DB, "%s", key.problem ? key.problem : "no audit key");
        goto done;
    }
    if ((st = dry ? st_read_begin(db) : st_begin(db)) != CR_OK)
        goto done;
    struct pick p = {cfg, dry ? cr_db_now(db) : cr_db_tx_now(db), out};
    st = st_closed_cases(db, closed_before, pick_case, &p);
    if (st == CR_NOMEM)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    if (dry) {
        st_read_end(db);
        goto done;
    }
    for (size_t i = 0; st == CR_OK && i < out->n_erased; i++)
        st = erase_one(db, sealed ? NULL : key.key, out->erased[i], reason, out);
    if (st == CR_OK && out->n_erased)
        st = record_purge(db, closed_before, reason, out);
    if (st == CR_OK)
        st = st_commit(db);
    else
        st_rollback(db);
    if (st == CR_OK && out->n_erased && st_erase_finish(db) != CR_OK)
        snprintf(out->finish_problem, sizeof out->finish_problem, "%s", cr_db_errmsg(db));
done:
    sodium_memzero(key.key, sizeof key.key);
    return st;
}

/* Correction */

static const char *const correctable[] = {"summary", "date", "source", "original_outcome"};

/* The value checked as the import checks its column; NULL, or the problem. */
static const char *
check_value(const char *field, const char *v, int64_t today, char *why, size_t n)
{
    size_t len = strlen(v), bad;
    if (!cr_utf8_valid(v, len, &bad)) {
        snprintf(why, n, "invalid UTF-8 at byte %zu of the value", bad + 1);
        return why;
    }
    if (cr_blank(v)) {
        snprintf(why, n, "required value is empty");
        return why;
    }
    if (strcmp(field, "date") == 0) {
        int64_t days, min;
        cr_date_parse("1900-01-01", 10, &min);
        if (cr_date_parse(v, len, &days) < 0)
            snprintf(why, n, "'%s' is not a date (expected YYYY-MM-DD)", v);
        else if (days > today)
            snprintf(why, n, "'%s' is in the future", v);
        else if (days < min)
            snprintf(why, n, "'%s' is before 1900-01-01", v);
        else
            return NULL;
        return why;
    }
    if (strcmp(field, "source") == 0) {
        if (cr_source_parse(v) >= 0)
            return NULL;
        struct cr_buf names = {0};
        for (int i = 0; i < CR_SOURCE_COUNT; i++)
            cr_buf_addf(&names, "%s%s", i ? ", " : "", cr_source_name(i));
        snprintf(why, n, "'%s' is not one of %s", v, names.p ? names.p : "");
        cr_buf_free(&names);
        return why;
    }
    size_t max = strcmp(field, "summary") == 0 ? CR_CSV_MAX_FIELD : 1024;
    if (len > max) {
        snprintf(why, n, "value is longer than %zu bytes", max);
        return why;
    }
    return NULL;
}

/* The allegation's current value of field, as text. */
static const char *
value_of(const struct cr_allegation *a, const char *field)
{
    if (strcmp(field, "summary") == 0)
        return a->summary;
    if (strcmp(field, "date") == 0)
        return a->date;
    if (strcmp(field, "source") == 0)
        return cr_source_name(a->source);
    return a->original_outcome;
}

enum cr_status
cr_correct(cr_db *db, const char *ref, const char *field, const char *value, const char *reason,
           struct cr_correct_result *out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, "correct");
    if (st != CR_OK)
        return st;
    bool known = false;
    for (size_t i = 0; i < CR_ARRAY_LEN(correctable); i++)
        known = known || strcmp(correctable[i], field) == 0;
    if (!known)
        return cr_fail(db, CR_INVALID,
                       "correct: '%s' is not a field that can be corrected (summary, date, "
                       "source, original_outcome; a category is a new allegation's to change)",
                       field);
    if (!reason || cr_blank(reason))
        return cr_fail(db, CR_INVALID, "correct: the reason is empty; say why the value was wrong");
    char why[256];
    int64_t now = cr_db_now(db);
    if (check_value(field, value, now >= 0 ? now / 86400 : (now - 86399) / 86400, why, sizeof why))
        return cr_fail(db, CR_INVALID, "correct: %s %s: %s", ref, field, why);
    if ((st = st_begin(db)) != CR_OK)
        return st;
    int64_t aid, case_id;
    struct cr_case c;
    memset(&c, 0, sizeof c);
    if ((st = st_find_allegation(db, ref, &aid, &case_id)) != CR_OK)
        goto fail;
    if (!aid) {
        st = cr_fail(db, CR_NOT_FOUND, "correct: no allegation %s", ref);
        goto fail;
    }
    if ((st = st_case_load(db, case_id, false, false, &c)) != CR_OK)
        goto fail;
    const struct cr_allegation *a = NULL;
    for (size_t i = 0; i < c.n_allegations; i++)
        if (strcmp(c.allegations[i].ref, ref) == 0)
            a = &c.allegations[i];
    const char *old = a ? value_of(a, field) : NULL;
    if (!a || !old) {
        st = cr_fail(db, CR_NOT_FOUND, "correct: no allegation %s", ref);
        goto fail;
    }
    struct cr_case_state cs;
    if ((st = st_case_state(db, case_id, &cs)) != CR_OK) {
        cr_case_state_free(&cs);
        goto fail;
    }
    int64_t erased = cs.erased;
    cr_case_state_free(&cs);
    if (erased) {
        st = cr_fail(db, CR_REFUSED, "correct: case %lld was erased; nothing of it is corrected",
                     (long long)case_id);
        goto fail;
    }
    if (strcmp(old, value) == 0) {
        st = cr_fail(db, CR_INVALID, "correct: %s %s is already '%s'", ref, field, value);
        goto fail;
    }
    out->case_id = case_id;
    snprintf(out->field, sizeof out->field, "%s", field);
    out->old_value = strdup(old);
    out->new_value = strdup(value);
    if (!out->old_value || !out->new_value) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
        goto fail;
    }
    /* The case's latest allegation and priority, with the corrected date. */
    const char *latest = NULL;
    for (size_t i = 0; i < c.n_allegations; i++) {
        const char *d =
            &c.allegations[i] == a && strcmp(field, "date") == 0 ? value : c.allegations[i].date;
        if (!latest || strcmp(d, latest) > 0)
            latest = d;
    }
    /* The subject's earlier cases count with its own (the timeline's rule, as the import's). */
    int n_sexual = 0, prior = 0, prior_sexual = 0;
    for (size_t i = 0; i < c.n_allegations; i++)
        n_sexual += c.allegations[i].category == CR_CATEGORY_SEXUAL_OFFENCE;
    if ((st = cr_subject_prior_figures(db, case_id, &prior, &prior_sexual)) != CR_OK)
        goto fail;
    int64_t priority =
        cr_priority(c.row.duty, (int)c.n_allegations + prior, n_sexual + prior_sexual, latest);
    if ((st = st_allegation_set(db, aid, field, value, latest, priority)) != CR_OK)
        goto fail;
    struct cr_buf d = {0}, note = {0};
    bool returned = cr_system_to(CR_SYSTEM_IMPORT_RETURN, c.row.state) >= 0;
    cr_buf_addf(&d, "{\"allegation\": ");
    cr_buf_add_json(&d, ref);
    cr_buf_addf(&d, ", \"field\": \"%s\", \"old\": ", field);
    cr_buf_add_json(&d, old);
    cr_buf_addf(&d, ", \"new\": ");
    cr_buf_add_json(&d, value);
    cr_buf_addf(&d, ", \"returned\": %s, \"reason\": ", returned ? "true" : "false");
    cr_buf_add_json(&d, reason);
    cr_buf_addc(&d, '}');
    cr_buf_addf(&note, "Allegation %s corrected (%s); the decision must be taken again.", ref,
                field);
    bool applied = false;
    if (!d.p || !note.p)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    else if (returned)
        st = cr_system_act(db, CR_SYSTEM_IMPORT_RETURN, case_id, note.p, "correct", d.p, &applied);
    else
        st = cr_audit_append(db, case_id, "correct", NULL, NULL, d.p);
    cr_buf_free(&d);
    cr_buf_free(&note);
    if (st != CR_OK)
        goto fail;
    out->returned = applied;
    out->state_after = applied ? cr_system_to(CR_SYSTEM_IMPORT_RETURN, c.row.state) : c.row.state;
    cr_case_free(&c);
    return st_commit(db);
fail:
    cr_case_free(&c);
    st_rollback(db);
    return st;
}

/* The case screen's lines */

char *
cr_case_erasure_text(const struct cr_history *h)
{
    struct cr_buf reason = {0}, b = {0};
    for (size_t i = 0; i < h->n; i++) {
        const struct cr_event *e = &h->events[i];
        if (!e->action || strcmp(e->action, "erased") != 0)
            continue;
        char at[21];
        cr_time_format(e->at, at);
        cr_replay_json_text(e->details, "reason", &reason);
        cr_buf_reset(&b);
        cr_buf_addf(&b, "Erased on %.10s by %s: %s", at, e->actor ? e->actor : "",
                    reason.p ? reason.p : "");
    }
    cr_buf_free(&reason);
    return b.p;
}

char *
cr_allegation_correction_text(const struct cr_history *h, const char *ref, size_t nth)
{
    struct cr_buf v = {0}, b = {0};
    for (size_t i = 0; i < h->n && !b.p; i++) {
        const struct cr_event *e = &h->events[i];
        if (!e->action || strcmp(e->action, "correct") != 0 ||
            !cr_replay_json_text(e->details, "allegation", &v) || strcmp(v.p, ref) != 0 ||
            nth-- > 0)
            continue;
        char at[21];
        cr_time_format(e->at, at);
        cr_buf_addf(&b, "Corrected on %.10s by %s: ", at, e->actor ? e->actor : "");
        static const struct {
            const char *key, *after;
        } parts[] = {{"field", " '"}, {"old", "' -> '"}, {"new", "' ("}, {"reason", ")"}};
        for (size_t k = 0; k < CR_ARRAY_LEN(parts); k++) {
            cr_replay_json_text(e->details, parts[k].key, &v);
            cr_buf_addf(&b, "%s%s", v.p ? v.p : "", parts[k].after);
        }
    }
    cr_buf_free(&v);
    return b.p;
}
