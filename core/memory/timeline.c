/*
 * The subject's timeline and linked references in memory, as
 * core/sqlite/timeline.c keeps them: the cases of the subject by number,
 * their allegations by date then reference, the links in force by case
 * then id; links are never removed, only marked.
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

void
mem_prior_figures(const struct mem_data *d, const struct mem_case *c, int *n, int *n_sexual)
{
    *n = *n_sexual = 0;
    const struct mem_case *k = c;
    while (k && k->previous_case_id) {
        k = mem_find(d, MEM_CASES, k->previous_case_id);
        if (k) {
            *n += k->n_allegations;
            *n_sexual += k->n_sexual;
        }
    }
}

static int
by_date_then_ref(const void *a, const void *b)
{
    const struct cr_timeline_allegation *x = a, *y = b;
    int c = strcmp(x->date, y->date);
    return c ? c : strcmp(x->ref, y->ref);
}

enum cr_status
mem_timeline(cr_db *db, int64_t case_id, struct cr_timeline *out)
{
    memset(out, 0, sizeof *out);
    const struct mem_data *d = mem_data(db);
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = l;
    const struct mem_case *me = mem_find(d, MEM_CASES, case_id);
    if (!me)
        return cr_fail(db, CR_NOT_FOUND, "no case %lld", (long long)case_id);
    const struct mem_case *cases = MEM_ROWS(d, MEM_CASES, struct mem_case);
    size_t n_cases = MEM_N(d, MEM_CASES);
    for (size_t i = 0; i < n_cases; i++) {
        const struct mem_case *k = &cases[i];
        if (k->subject_id != me->subject_id)
            continue;
        struct cr_timeline_case *c = mem_grow((void **)&out->cases, &out->n_cases, sizeof *c);
        if (!c)
            return cr_fail(db, CR_NOMEM, "out of memory");
        c->id = k->id;
        c->state = k->state;
        c->outcome = k->outcome;
        c->flagged_at = k->created_at;
        c->decided_at = k->decided_at;
        c->closed_at = k->state == CR_STATE_CLOSED ? k->state_since : 0;
        c->n_allegations = k->n_allegations;
    }
    const struct mem_allegation *a = MEM_ROWS(d, MEM_ALLEGATIONS, struct mem_allegation);
    for (size_t i = 0; i < MEM_N(d, MEM_ALLEGATIONS); i++) {
        const struct mem_case *k = mem_find(d, MEM_CASES, a[i].case_id);
        if (!k || k->subject_id != me->subject_id)
            continue;
        struct cr_timeline_allegation *t =
            mem_grow((void **)&out->allegations, &out->n_allegations, sizeof *t);
        if (!t)
            return cr_fail(db, CR_NOMEM, "out of memory");
        t->case_id = a[i].case_id;
        t->ref = cr_strings_keep(l, a[i].ref);
        t->category = a[i].category;
        t->date = cr_strings_keep(l, a[i].date);
        t->source = a[i].source;
        t->summary = cr_strings_keep(l, a[i].summary);
    }
    if (out->n_allegations)
        qsort(out->allegations, out->n_allegations, sizeof *out->allegations, by_date_then_ref);
    /* The links in force, by case then id: the cases are in id order already. */
    for (size_t ci = 0; ci < out->n_cases; ci++) {
        const struct mem_link *k = MEM_ROWS(d, MEM_LINKS, struct mem_link);
        for (size_t i = 0; i < MEM_N(d, MEM_LINKS); i++) {
            if (k[i].case_id != out->cases[ci].id || k[i].removed_by)
                continue;
            struct cr_link *t = mem_grow((void **)&out->links, &out->n_links, sizeof *t);
            if (!t)
                return cr_fail(db, CR_NOMEM, "out of memory");
            t->case_id = k[i].case_id;
            t->kind = k[i].kind;
            t->ref = cr_strings_keep(l, k[i].ref);
            t->status = cr_strings_keep(l, k[i].status);
            t->added_by = cr_strings_keep(l, k[i].added_by);
            t->added_at = k[i].added_at;
            t->import_line = k[i].import_line;
        }
    }
    return l->nomem ? cr_fail(db, CR_NOMEM, "out of memory") : CR_OK;
}

/* The link of ref on the case: in force (in_force), or any ever; NULL when none. */
static struct mem_link *
find_link(struct mem_data *d, int64_t case_id, const char *ref, bool in_force)
{
    struct mem_link *k = MEM_ROWS(d, MEM_LINKS, struct mem_link);
    for (size_t i = 0; i < MEM_N(d, MEM_LINKS); i++)
        if (k[i].case_id == case_id && strcmp(k[i].ref, ref) == 0 &&
            (!in_force || !k[i].removed_by))
            return &k[i];
    return NULL;
}

static enum cr_status
add_link(cr_db *db, int64_t case_id, int kind, const char *ref, const char *status,
         const char *actor, int64_t import_id, long line)
{
    struct mem_link *k = mem_add(mem_data(db), MEM_LINKS);
    if (!k || !mem_set(&k->ref, ref) || !mem_set(&k->status, status) ||
        !mem_set(&k->added_by, actor))
        return cr_fail(db, CR_NOMEM, "out of memory");
    k->case_id = case_id;
    k->kind = kind;
    k->import_id = import_id;
    k->import_line = line;
    k->added_at = cr_db_tx_now(db);
    return CR_OK;
}

enum cr_status
mem_link_import(cr_db *db, int64_t case_id, long line, int kind, const char *ref,
                const char *status, bool *added)
{
    *added = false;
    if (find_link(mem_data(db), case_id, ref, false))
        return CR_OK;
    enum cr_status st =
        add_link(db, case_id, kind, ref, status, NULL, mem_conn(db)->import_id, line);
    *added = st == CR_OK;
    return st;
}

/* Mark the link in force removed; CR_NOT_FOUND (with a message) when there is none. */
static enum cr_status
mark_removed(cr_db *db, int64_t case_id, const char *ref, const char *actor, const char *reason)
{
    struct mem_link *k = find_link(mem_data(db), case_id, ref, true);
    if (!k)
        return cr_fail(db, CR_NOT_FOUND, "case %lld has no linked reference %s in force",
                       (long long)case_id, ref);
    if (!mem_set(&k->removed_by, actor) || !mem_set(&k->removed_reason, reason))
        return cr_fail(db, CR_NOMEM, "out of memory");
    k->removed_at = cr_db_tx_now(db);
    return CR_OK;
}

enum cr_status
mem_link_put(cr_db *db, int64_t case_id, int kind, const char *ref, const char *status,
             const char *actor, const char *reason)
{
    enum cr_status st = mem_in_transaction(db, "link");
    if (st != CR_OK)
        return st;
    if (find_link(mem_data(db), case_id, ref, true) &&
        (st = mark_removed(db, case_id, ref, actor, reason)) != CR_OK)
        return st;
    return add_link(db, case_id, kind, ref, status, actor, 0, 0);
}

enum cr_status
mem_link_remove(cr_db *db, int64_t case_id, const char *ref, const char *actor, const char *reason)
{
    enum cr_status st = mem_in_transaction(db, "unlink");
    if (st != CR_OK)
        return st;
    return mark_removed(db, case_id, ref, actor, reason);
}
