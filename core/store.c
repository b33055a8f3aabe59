/*
 * The st_* functions of internal.h: the rest of core/ calls these, and
 * they call the engine's table (store.h).  What is a rule rather than
 * storage is decided here, once for every engine: which key names which
 * case, when a consultation needs its purpose, what a read-only copy
 * records, which reads are audited.  Also the results' *_free functions,
 * whose memory an engine fills by store.h's conventions.
 */
#include "store.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE (st_store(db))

/* Transactions */

enum cr_status
st_begin(cr_db *db)
{
    enum cr_status st = ENGINE->begin(db);
    if (st == CR_OK)
        st_tx_clock(db, true);
    return st;
}

enum cr_status
st_commit(cr_db *db)
{
    enum cr_status st = ENGINE->commit(db);
    if (st == CR_OK)
        st_tx_clock(db, false);
    return st;
}

void
st_rollback(cr_db *db)
{
    ENGINE->rollback(db);
    st_tx_clock(db, false);
}

enum cr_status
st_writable(cr_db *db)
{
    return ENGINE->writable(db);
}

/* Cases */

static bool
all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* The case a key names: `#N`, `ref:X`, a number, or a subject_ref. */
enum cr_status
st_resolve_case(cr_db *db, const char *key, int64_t *id)
{
    int64_t n = 0, by_number = 0, by_ref = 0;
    const char *number = NULL, *ref = NULL;
    if (key[0] == '#')
        number = key + 1;
    else if (strncmp(key, "ref:", 4) == 0)
        ref = key + 4;
    else
        number = ref = key;
    if (number && all_digits(number) && strlen(number) < 19)
        n = strtoll(number, NULL, 10);
    enum cr_status st = ENGINE->find_case(db, n, ref, &by_number, &by_ref);
    if (st != CR_OK)
        return st;
    if (by_number && by_ref && by_number != by_ref)
        return cr_fail(db, CR_USAGE,
                       "'%s' is both case %s and the subject_ref of case %lld; write '#%s' for "
                       "the case number or 'ref:%s' for the subject",
                       key, key, (long long)by_ref, key, key);
    *id = by_number ? by_number : by_ref;
    if (!*id)
        return cr_fail(db, CR_NOT_FOUND, "no case '%s' (give a case number or a subject_ref)", key);
    return CR_OK;
}

enum cr_status
st_case_ref(cr_db *db, const struct cr_case_ref *ref, int64_t *id)
{
    if (ref->key)
        return st_resolve_case(db, ref->key, id);
    int64_t found = 0, none = 0;
    enum cr_status st = ref->id > 0 ? ENGINE->find_case(db, ref->id, NULL, &found, &none) : CR_OK;
    if (st != CR_OK)
        return st;
    /* Said as for the key "#N", which the program used to pass. */
    if (!found)
        return cr_fail(db, CR_NOT_FOUND, "no case '#%lld' (give a case number or a subject_ref)",
                       (long long)ref->id);
    *id = found;
    return CR_OK;
}

enum cr_status
st_case_state(cr_db *db, int64_t id, struct cr_case_state *cs)
{
    return ENGINE->case_state(db, id, cs);
}

enum cr_status
st_apply(cr_db *db, const struct cr_case_state *cs, const struct cr_change *ch)
{
    assert(db && cs && ch && st_user(db));
    return ENGINE->apply(db, cs, ch, st_user(db)->login);
}

enum cr_status
st_case_get(cr_db *db, const char *key, struct cr_case *out)
{
    memset(out, 0, sizeof *out);
    int64_t id;
    enum cr_status st = st_resolve_case(db, key, &id);
    if (st == CR_OK)
        st = ENGINE->case_load(db, id, false, false, out);
    if (st != CR_OK)
        cr_case_free(out);
    return st;
}

enum cr_status
st_history(cr_db *db, int64_t id, struct cr_history *out)
{
    memset(out, 0, sizeof *out);
    return ENGINE->history(db, id, out);
}

/* Quorum flags */

enum cr_status
st_sitting_vote_events(cr_db *db, int64_t case_id, const char *const *starts, int64_t **ids,
                       size_t *n)
{
    assert(starts);
    return ENGINE->sitting_vote_events(db, case_id, starts, ids, n);
}

enum cr_status
st_quorum_cases(cr_db *db, int64_t **ids, size_t *n)
{
    return ENGINE->quorum_cases(db, ids, n);
}

enum cr_status
st_set_quorum_blocked(cr_db *db, int64_t case_id, int blocked)
{
    return ENGINE->set_quorum_blocked(db, case_id, blocked);
}

/* The audit trail */

enum cr_status
st_audit_put(cr_db *db, const struct cr_event *e, const unsigned char prev[32],
             const unsigned char hash[32])
{
    assert((ENGINE->seals ? !prev && !hash : e->id > 0) && e->action && e->actor && e->details &&
           e->config_digest);
    return ENGINE->audit_append(db, e, prev, hash);
}

bool
st_audit_seals(const cr_db *db)
{
    return ENGINE->seals;
}

enum cr_status
st_audit_check(cr_db *db, int64_t from, cr_audit_bad_fn bad, void *ctx)
{
    assert(ENGINE->seals && bad);
    return ENGINE->audit_check(db, from, bad, ctx);
}

enum cr_status
st_audit_erasure(cr_db *db, int64_t case_id, int64_t by, unsigned char digest[32],
                 unsigned char redacted[32], int64_t *n)
{
    assert(ENGINE->seals);
    return ENGINE->audit_erasure(db, case_id, by, digest, redacted, n);
}

enum cr_status
st_audit_head(cr_db *db, int64_t *event, unsigned char hash[32])
{
    *event = 0;
    return ENGINE->audit_head(db, event, hash);
}

enum cr_status
st_audit_key(cr_db *db, struct cr_audit_key *out)
{
    memset(out, 0, sizeof *out);
    return ENGINE->audit_key(db, out);
}

enum cr_status
st_audit_chain(cr_db *db, int64_t case_id, int64_t from, cr_audit_link_fn each, void *ctx)
{
    assert(case_id >= 0 && each);
    return ENGINE->audit_chain(db, case_id, from, each, ctx);
}

enum cr_status
st_config_texts(cr_db *db, int (*each)(void *ctx, const struct cr_config_text *t), void *ctx)
{
    assert(each);
    return ENGINE->config_texts(db, each, ctx);
}

enum cr_status
st_case_rows(cr_db *db, int64_t id, cr_case_rows_fn each, void *ctx)
{
    assert(id >= 0 && each);
    return ENGINE->case_rows(db, id, each, ctx);
}

enum cr_status
st_read_begin(cr_db *db)
{
    return ENGINE->read_begin(db);
}

void
st_read_end(cr_db *db)
{
    ENGINE->read_end(db);
}

enum cr_status
st_audit_last(cr_db *db, int64_t *id)
{
    return ENGINE->audit_last(db, id);
}

enum cr_status
st_audit_last_digest(cr_db *db, char out[65], bool *any)
{
    return ENGINE->audit_last_digest(db, out, any);
}

enum cr_status
st_config_in_force(cr_db *db, char digest[65], bool *any)
{
    return ENGINE->config_in_force(db, digest, any);
}

enum cr_status
st_case_load(cr_db *db, int64_t id, bool votes_notes, bool hide_votes, struct cr_case *out)
{
    return ENGINE->case_load(db, id, votes_notes, hide_votes, out);
}

enum cr_status
st_audit_scan(cr_db *db, const struct cr_audit_filter *f, int64_t after, int64_t upto,
              cr_store_event_fn each, void *ctx, int64_t *n)
{
    return ENGINE->audit_scan(db, f, after, upto, each, ctx, n);
}

/* Drafts */

enum cr_status
st_draft_put(cr_db *db, int64_t case_id, const struct cr_draft *d)
{
    assert(db && d && st_user(db));
    return ENGINE->draft_put(db, st_user(db)->login, case_id, d);
}

enum cr_status
st_draft_get(cr_db *db, int64_t case_id, int action, struct cr_draft *out)
{
    assert(db && out && st_user(db));
    return ENGINE->draft_get(db, st_user(db)->login, case_id, action, out);
}

enum cr_status
st_draft_delete(cr_db *db, int64_t case_id, int action)
{
    assert(db && st_user(db));
    return ENGINE->draft_delete(db, st_user(db)->login, case_id, action);
}

/* Pages and the export */

int64_t
cr_row_cursor(const struct cr_filter *filter, const struct cr_case_row *row)
{
    switch (cr_list_order(filter)) {
    case CR_ORDER_NEWEST:
        return INT64_MAX - row->id;
    case CR_ORDER_OLDEST:
        return row->id;
    case CR_ORDER_RISKIEST:
        break;
    }
    return row->sortkey;
}

enum cr_list_order
cr_list_order(const struct cr_filter *filter)
{
    if (!filter)
        return CR_ORDER_RISKIEST;
    bool words = filter->search && *filter->search;
    if (words && !cr_blank(filter->search) && filter->sort != CR_SORT_AGE)
        return CR_ORDER_NEWEST;
    return words || filter->sort == CR_SORT_AGE ? CR_ORDER_OLDEST : CR_ORDER_RISKIEST;
}

/* A page of what the handle's user may see (policy.c): nobody signed in sees nothing. */
static enum cr_status
list_page(cr_db *db, const struct cr_filter *filter, int64_t cursor, bool reverse, size_t limit,
          struct cr_page *page)
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
    /* Overdue now, under the rules in force: plain data for the engine. */
    struct cr_late late;
    if (filter && filter->overdue)
        cr_late_cut(st_config(db), cr_db_now(db), 0, &late);
    if (st == CR_OK)
        st = ENGINE->page(db, filter, cursor, reverse, limit, &scope,
                          filter && filter->overdue ? &late : NULL, page);
    cr_scope_free(&scope);
    return st;
}

enum cr_status
cr_list_page(cr_db *db, const struct cr_filter *filter, int64_t after, size_t limit,
             struct cr_page *page)
{
    return list_page(db, filter, after, false, limit, page);
}

enum cr_status
cr_list_page_before(cr_db *db, const struct cr_filter *filter, int64_t before, size_t limit,
                    struct cr_page *page)
{
    return list_page(db, filter, before, true, limit, page);
}

enum cr_status
st_list_mine(cr_db *db, const struct cr_scope *scope, const struct cr_queue *queue, int64_t after,
             size_t limit, struct cr_page *page, bool reverse)
{
    assert(db && scope && queue && queue->login && queue->n <= CR_QUEUE_CLAUSES && page);
    /* Nothing waits for someone whose roles have no queue: no engine is asked. */
    if (!queue->n) {
        page->n = 0;
        page->more = 0;
        return CR_OK;
    }
    return ENGINE->list_mine(db, queue, scope, after, reverse, limit, page);
}

enum cr_status
st_export(cr_db *db, const struct cr_scope *scope,
          int (*row)(void *ctx, const struct cr_case_row *r), void *ctx, int64_t *rows,
          bool *stopped)
{
    assert(db && scope && row && rows && stopped);
    *rows = 0;
    *stopped = false;
    return ENGINE->export_scan(db, scope, row, ctx, rows, stopped);
}

/* The import */

enum cr_status
st_import_begin(cr_db *db, const char *label, unsigned new_case_states, int64_t *import_id)
{
    assert(db && label && import_id);
    *import_id = 0;
    st_import_shown_clear(db);
    st_tx_clock(db, true); /* the import's time, which its beginning records too */
    enum cr_status st = ENGINE->import_begin(db, label, new_case_states, import_id);
    if (st != CR_OK)
        st_tx_clock(db, false);
    return st;
}

enum cr_status
st_import_row(cr_db *db, const struct cr_import_row *row, long line, struct cr_import_result *res,
              enum cr_row_outcome *outcome, struct cr_conflict *conflict, struct cr_row_case *added,
              struct cr_subject_update *update)
{
    assert(db && row && res && outcome && conflict && added && update);
    added->id = 0;
    added->state = -1;
    memset(update, 0, sizeof *update);
    update->state = -1;
    return ENGINE->import_row(db, row, line, res, outcome, conflict, added, update);
}

enum cr_status
st_import_end(cr_db *db, const struct cr_import_result *res, bool commit)
{
    enum cr_status st = ENGINE->import_end(db, res, commit);
    st_tx_clock(db, false);
    return st;
}

/* The pinned configuration */

enum cr_status
st_config_get(cr_db *db, const char *prefix, struct cr_config_version *out)
{
    memset(out, 0, sizeof *out);
    return ENGINE->config_get(db, prefix, out);
}

enum cr_status
st_config_put(cr_db *db, const struct cr_config *cfg)
{
    assert(db && cfg);
    return ENGINE->config_put(db, cfg, st_user(db) ? st_user(db)->login : "system");
}

enum cr_status
st_rules_put(cr_db *db)
{
    struct cr_rule_row rows[CR_ACTION_COUNT];
    cr_workflow_rule_rows(rows);
    return ENGINE->rules_put(db, rows, CR_ACTION_COUNT);
}

/* Results, freed by store.h's conventions */

static void
strings_release(struct cr_store_owned *o)
{
    cr_strings_free((struct cr_strings *)o);
}

struct cr_strings *
cr_strings_new(void)
{
    struct cr_strings *l = calloc(1, sizeof *l);
    if (l)
        l->owned.release = strings_release;
    return l;
}

const char *
cr_strings_keep(struct cr_strings *l, const char *s)
{
    assert(l);
    if (!s)
        return NULL;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->nomem = true;
            return "";
        }
        l->v = v;
        l->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy) {
        l->nomem = true;
        return "";
    }
    l->v[l->n++] = copy;
    return copy;
}

void
cr_strings_free(struct cr_strings *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    free(l);
}

static void
release(void *priv)
{
    if (priv)
        ((struct cr_store_owned *)priv)->release(priv);
}

void
cr_page_free(struct cr_page *page)
{
    release(page->priv);
    free(page->rows);
    memset(page, 0, sizeof *page);
}

void
cr_case_free(struct cr_case *c)
{
    release(c->priv);
    free(c->allegations);
    free(c->votes);
    free(c->notes);
    memset(c, 0, sizeof *c);
}

void
cr_case_state_free(struct cr_case_state *cs)
{
    release(cs->priv);
    free(cs->acts);
    free(cs->votes);
    memset(cs, 0, sizeof *cs);
}

void
cr_history_free(struct cr_history *h)
{
    release(h->priv);
    free(h->events);
    memset(h, 0, sizeof *h);
}

void
cr_report_free(struct cr_report *r)
{
    if (!r)
        return;
    release(r->priv);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

void
cr_dashboard_free(struct cr_dashboard *d)
{
    release(d->priv);
    free(d->reviewers);
    memset(d, 0, sizeof *d);
}

/* Erasure and correction (issue 13) */

enum cr_status
st_closed_cases(cr_db *db, int64_t before, cr_store_closed_fn each, void *ctx)
{
    return ENGINE->closed_cases(db, before, each, ctx);
}

enum cr_status
st_audit_redact(cr_db *db, int64_t event, const char *details)
{
    return ENGINE->audit_redact(db, event, details);
}

enum cr_status
st_erase_case(cr_db *db, int64_t case_id, int64_t event, const char *text,
              struct cr_erase_counts *n)
{
    memset(n, 0, sizeof *n);
    return ENGINE->erase_case(db, case_id, event, text, n);
}

enum cr_status
st_erase_finish(cr_db *db)
{
    return ENGINE->erase_finish(db);
}

enum cr_status
st_find_allegation(cr_db *db, const char *ref, int64_t *id, int64_t *case_id)
{
    *id = *case_id = 0;
    return ENGINE->find_allegation(db, ref, id, case_id);
}

enum cr_status
st_allegation_set(cr_db *db, int64_t id, const char *field, const char *value, const char *latest,
                  int64_t priority)
{
    return ENGINE->allegation_set(db, id, field, value, latest, priority);
}
