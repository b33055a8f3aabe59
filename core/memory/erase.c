/*
 * Erasure and correction in memory (store.h; core/erase.c decides): the
 * closed cases a purge looks at, an event's details replaced, a case's
 * personal text overwritten, an allegation's field set.  The search reads
 * the rows themselves (search.c), so it follows with nothing to do, and
 * nothing of the data is ever in a file: erase_finish has nothing to do.
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

enum cr_status
mem_closed_cases(cr_db *db, int64_t before, cr_store_closed_fn each, void *ctx)
{
    const struct mem_data *d = mem_data(db);
    const struct mem_case *c = MEM_ROWS(d, MEM_CASES, struct mem_case);
    enum cr_status st = CR_OK;
    for (size_t i = 0; i < MEM_N(d, MEM_CASES) && st == CR_OK; i++) {
        if (c[i].state != CR_STATE_CLOSED || c[i].state_since >= before)
            continue;
        struct cr_closed_case x = {.id = c[i].id,
                                   .outcome = c[i].outcome,
                                   .closed_at = c[i].state_since,
                                   .erased = c[i].erased_event};
        st = each(ctx, &x);
    }
    return st;
}

enum cr_status
mem_audit_redact(cr_db *db, int64_t event, const char *details)
{
    enum cr_status st = mem_in_transaction(db, "erase audit event");
    if (st != CR_OK)
        return st;
    struct mem_event *e = mem_find(mem_data(db), MEM_AUDIT_EVENTS, event);
    if (e && !mem_set(&e->details, details))
        return cr_fail(db, CR_NOMEM, "out of memory");
    return CR_OK;
}

/* s set to text when it holds any; *n counts it. */
static bool
overwrite(char **s, const char *text, int64_t *n)
{
    if (!*s)
        return true;
    if (n)
        (*n)++;
    return mem_set(s, text);
}

enum cr_status
mem_erase_case(cr_db *db, int64_t case_id, int64_t event, const char *text,
               struct cr_erase_counts *n)
{
    enum cr_status st = mem_in_transaction(db, "erase");
    if (st != CR_OK)
        return st;
    struct mem_data *d = mem_data(db);
    struct mem_case *c = mem_find(d, MEM_CASES, case_id);
    if (!c)
        return CR_OK;
    bool ok = overwrite(&c->rationale, text, NULL) && overwrite(&c->pause_reason, text, NULL);
    c->erased_event = event;
    struct mem_allegation *a = MEM_ROWS(d, MEM_ALLEGATIONS, struct mem_allegation);
    for (size_t i = 0; ok && i < MEM_N(d, MEM_ALLEGATIONS); i++)
        if (a[i].case_id == case_id)
            ok = overwrite(&a[i].summary, text, &n->allegations);
    struct mem_decision *x = MEM_ROWS(d, MEM_DECISIONS, struct mem_decision);
    for (size_t i = 0; ok && i < MEM_N(d, MEM_DECISIONS); i++)
        if (x[i].case_id == case_id)
            ok = overwrite(&x[i].rationale, text, &n->decisions);
    static const enum mem_table_id votes[] = {MEM_VOTES, MEM_SUPERSEDED_VOTES};
    for (size_t t = 0; t < CR_ARRAY_LEN(votes); t++) {
        struct mem_vote *v = MEM_ROWS(d, votes[t], struct mem_vote);
        for (size_t i = 0; ok && i < MEM_N(d, votes[t]); i++)
            if (v[i].case_id == case_id)
                ok = overwrite(&v[i].reason, text, &n->votes);
    }
    struct mem_note *o = MEM_ROWS(d, MEM_NOTES, struct mem_note);
    for (size_t i = 0; ok && i < MEM_N(d, MEM_NOTES); i++)
        if (o[i].case_id == case_id)
            ok = overwrite(&o[i].body, text, &n->notes);
    /* What issue 13 added: linked references, their removal's reasons, follow-ups' details, QA
     * reasons. */
    struct mem_link *k = MEM_ROWS(d, MEM_LINKS, struct mem_link);
    for (size_t i = 0; ok && i < MEM_N(d, MEM_LINKS); i++)
        if (k[i].case_id == case_id)
            ok = overwrite(&k[i].ref, text, &n->notes) &&
                 overwrite(&k[i].removed_reason, text, NULL);
    struct mem_followup *u = MEM_ROWS(d, MEM_FOLLOWUPS, struct mem_followup);
    for (size_t i = 0; ok && i < MEM_N(d, MEM_FOLLOWUPS); i++)
        if (u[i].case_id == case_id)
            ok = overwrite(&u[i].detail, text, &n->notes);
    struct mem_qa *q = MEM_ROWS(d, MEM_QA, struct mem_qa);
    for (size_t i = 0; ok && i < MEM_N(d, MEM_QA); i++)
        if (q[i].case_id == case_id)
            ok = overwrite(&q[i].qa_reason, text, &n->notes);
    for (size_t i = MEM_N(d, MEM_DRAFTS); i-- > 0;)
        if (MEM_ROWS(d, MEM_DRAFTS, struct mem_draft)[i].case_id == case_id) {
            mem_remove(d, MEM_DRAFTS, i);
            n->drafts++;
        }
    /* The subject's names and reference go with the last of its cases that kept its content. */
    int64_t subject = c->subject_id;
    const struct mem_case *all = MEM_ROWS(d, MEM_CASES, struct mem_case);
    bool kept = false;
    for (size_t i = 0; i < MEM_N(d, MEM_CASES); i++)
        kept = kept || (all[i].subject_id == subject && !all[i].erased_event);
    struct mem_subject *s = mem_find(d, MEM_SUBJECTS, subject);
    if (ok && s && !kept) {
        char ref[40];
        snprintf(ref, sizeof ref, "erased-%lld", (long long)s->id);
        ok = mem_set(&s->surname, text) && mem_set(&s->forenames, text) && mem_set(&s->ref, ref);
        n->subjects++;
    }
    return ok ? CR_OK : cr_fail(db, CR_NOMEM, "out of memory");
}

enum cr_status
mem_erase_finish(cr_db *db)
{
    (void)db;
    return CR_OK;
}

enum cr_status
mem_find_allegation(cr_db *db, const char *ref, int64_t *id, int64_t *case_id)
{
    const struct mem_data *d = mem_data(db);
    const struct mem_allegation *a = MEM_ROWS(d, MEM_ALLEGATIONS, struct mem_allegation);
    for (size_t i = 0; i < MEM_N(d, MEM_ALLEGATIONS); i++)
        if (strcmp(a[i].ref, ref) == 0) {
            *id = a[i].id;
            *case_id = a[i].case_id;
        }
    return CR_OK;
}

enum cr_status
mem_allegation_set(cr_db *db, int64_t id, const char *field, const char *value, const char *latest,
                   int64_t priority)
{
    enum cr_status st = mem_in_transaction(db, "correct");
    if (st != CR_OK)
        return st;
    struct mem_allegation *a = mem_find(mem_data(db), MEM_ALLEGATIONS, id);
    if (!a)
        return CR_OK;
    bool ok = true;
    if (strcmp(field, "summary") == 0)
        ok = mem_set(&a->summary, value);
    else if (strcmp(field, "date") == 0)
        ok = mem_set(&a->date, value);
    else if (strcmp(field, "original_outcome") == 0)
        ok = mem_set(&a->original_outcome, value);
    else if (strcmp(field, "source") == 0)
        a->source = cr_source_parse(value);
    else
        return cr_fail(db, CR_DB, "correct: no such field %s", field);
    struct mem_case *c = mem_find(mem_data(db), MEM_CASES, a->case_id);
    if (c) {
        ok = ok && mem_set(&c->latest_allegation, latest);
        c->priority = priority;
    }
    return ok ? CR_OK : cr_fail(db, CR_NOMEM, "out of memory");
}
