/*
 * The in-memory engine's tables: rows of plain structs, each described by
 * its size and the offsets of its strings, so that one copy and one free
 * serve every table; and a transaction's undo record (mem_undo_begin).
 */
#include "memory.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STRINGS 9

static const struct {
    size_t size;
    size_t n_str;
    size_t str[MAX_STRINGS];
} table_defs[MEM_TABLE_COUNT] = {
#define S(type, field) offsetof(struct type, field)
    [MEM_SUBJECTS] = {sizeof(struct mem_subject),
                      5,
                      {S(mem_subject, ref), S(mem_subject, surname), S(mem_subject, forenames),
                       S(mem_subject, rank), S(mem_subject, unit)}},
    [MEM_CASES] = {sizeof(struct mem_case),
                   8,
                   {S(mem_case, assignee), S(mem_case, rationale), S(mem_case, decided_by),
                    S(mem_case, updated_by), S(mem_case, latest_allegation), S(mem_case, paused_by),
                    S(mem_case, pause_reason), S(mem_case, approver)}},
    [MEM_ALLEGATIONS] = {sizeof(struct mem_allegation),
                         4,
                         {S(mem_allegation, ref), S(mem_allegation, date),
                          S(mem_allegation, original_outcome), S(mem_allegation, summary)}},
    [MEM_NOTES] = {sizeof(struct mem_note),
                   3,
                   {S(mem_note, author), S(mem_note, kind), S(mem_note, body)}},
    [MEM_VOTES] = {sizeof(struct mem_vote),
                   3,
                   {S(mem_vote, member), S(mem_vote, reason), S(mem_vote, superseded_by)}},
    [MEM_SUPERSEDED_VOTES] = {sizeof(struct mem_vote),
                              3,
                              {S(mem_vote, member), S(mem_vote, reason),
                               S(mem_vote, superseded_by)}},
    [MEM_DECISIONS] = {sizeof(struct mem_decision),
                       2,
                       {S(mem_decision, reviewer), S(mem_decision, rationale)}},
    [MEM_APPROVALS] = {sizeof(struct mem_approval), 1, {S(mem_approval, supervisor)}},
    [MEM_AUDIT_EVENTS] = {sizeof(struct mem_event),
                          9,
                          {S(mem_event, actor), S(mem_event, action), S(mem_event, state_before),
                           S(mem_event, state_after), S(mem_event, details),
                           S(mem_event, config_digest), S(mem_event, purpose),
                           S(mem_event, os_login), S(mem_event, details_digest)}},
    [MEM_IMPORTS] = {sizeof(struct mem_import), 1, {S(mem_import, label)}},
    [MEM_DRAFTS] = {sizeof(struct mem_draft),
                    3,
                    {S(mem_draft, login), S(mem_draft, target), S(mem_draft, text)}},
    /* The text is counted (len), not a C string: copied apart below. */
    [MEM_CONFIG_VERSIONS] = {sizeof(struct mem_config_version),
                             2,
                             {S(mem_config_version, digest), S(mem_config_version, adopted_by)}},
    [MEM_LINKS] = {sizeof(struct mem_link),
                   5,
                   {S(mem_link, ref), S(mem_link, status), S(mem_link, added_by),
                    S(mem_link, removed_by), S(mem_link, removed_reason)}},
    [MEM_FOLLOWUPS] = {sizeof(struct mem_followup),
                       4,
                       {S(mem_followup, result), S(mem_followup, date), S(mem_followup, detail),
                        S(mem_followup, recorded_by)}},
    [MEM_QA] = {sizeof(struct mem_qa),
                7,
                {S(mem_qa, decider), S(mem_qa, approver), S(mem_qa, reason),
                 S(mem_qa, config_digest), S(mem_qa, qa_by), S(mem_qa, verdict),
                 S(mem_qa, qa_reason)}},
#undef S
};

static char **
str_at(void *row, size_t off)
{
    return (char **)((char *)row + off);
}

static void *
row_at(const struct mem_table *t, enum mem_table_id id, size_t i)
{
    return (char *)t->rows + i * table_defs[id].size;
}

static void
row_free(enum mem_table_id id, void *row)
{
    for (size_t s = 0; s < table_defs[id].n_str; s++)
        free(*str_at(row, table_defs[id].str[s]));
    if (id == MEM_CONFIG_VERSIONS)
        free(((struct mem_config_version *)row)->text);
}

struct mem_data *
mem_data_new(void)
{
    struct mem_data *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    for (int i = 0; i < MEM_TABLE_COUNT; i++)
        d->next_id[i] = 1;
    return d;
}

static void
table_free(enum mem_table_id id, struct mem_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        row_free(id, row_at(t, id, i));
    free(t->rows);
    memset(t, 0, sizeof *t);
}

void
mem_data_free(struct mem_data *d)
{
    if (!d)
        return;
    for (int id = 0; id < MEM_TABLE_COUNT; id++)
        table_free(id, &d->t[id]);
    free(d);
}

/* Deep copy of table id (from) into to, empty before; false when out of memory (to empty). */
static bool
table_copy(enum mem_table_id id, const struct mem_table *from, struct mem_table *to)
{
    memset(to, 0, sizeof *to);
    if (!from->n)
        return true;
    if (!(to->rows = malloc(from->n * table_defs[id].size)))
        return false;
    memcpy(to->rows, from->rows, from->n * table_defs[id].size);
    to->cap = from->n;
    /* Strings are copied a row at a time; n counts the rows that own theirs. */
    for (size_t i = 0; i < from->n; i++) {
        void *row = row_at(to, id, i);
        size_t s = 0;
        for (; s < table_defs[id].n_str; s++) {
            char **p = str_at(row, table_defs[id].str[s]);
            if (*p && !(*p = strdup(*p)))
                break;
        }
        if (id == MEM_CONFIG_VERSIONS && s == table_defs[id].n_str) {
            struct mem_config_version *v = row;
            char *text = malloc(v->len + 1);
            if (text) {
                memcpy(text, v->text, v->len + 1);
                v->text = text;
            } else {
                s--;
                free(v->adopted_by);
                v->adopted_by = NULL;
            }
        }
        if (s < table_defs[id].n_str) {
            /* The strings before s are copies; those from s on still point into from. */
            for (size_t k = 0; k < s; k++)
                free(*str_at(row, table_defs[id].str[k]));
            break;
        }
        to->n++;
    }
    if (to->n == from->n)
        return true;
    table_free(id, to);
    return false;
}

/* The fields of a database that are not tables. */
static void
copy_scalars(struct mem_data *to, const struct mem_data *from)
{
    memcpy(to->next_id, from->next_id, sizeof to->next_id);
    to->group_access = from->group_access;
    to->head_id = from->head_id;
    memcpy(to->head_hash, from->head_hash, sizeof to->head_hash);
    to->data_version = from->data_version;
}

struct mem_data *
mem_data_clone(const struct mem_data *from)
{
    struct mem_data *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    copy_scalars(d, from);
    for (int id = 0; id < MEM_TABLE_COUNT; id++) {
        if (!table_copy(id, &from->t[id], &d->t[id])) {
            mem_data_free(d);
            return NULL;
        }
    }
    return d;
}

/*
 * A transaction's undo record.  Most tables only grow (the trail, notes,
 * decisions, approvals, votes set aside, allegations, imports: a row is
 * changed only in the transaction that added it), so their row counts are
 * enough to undo a transaction; the others (cases, subjects, votes, drafts,
 * configurations) are copied whole when it begins.  Copying only those
 * keeps a transaction's cost to the size of the cases, not of the trail.
 */
struct mem_undo {
    struct mem_data scalars;                 /* its tables unused */
    size_t n[MEM_TABLE_COUNT];               /* rows when the transaction began */
    struct mem_table saved[MEM_TABLE_COUNT]; /* the tables that change in place */
};

static bool
changes_in_place(enum mem_table_id id)
{
    switch (id) {
    case MEM_SUBJECTS:
    case MEM_CASES:
    case MEM_VOTES:
    case MEM_DRAFTS:
    case MEM_CONFIG_VERSIONS:
    case MEM_LINKS:
        return true;
    default:
        return false;
    }
}

struct mem_undo *
mem_undo_begin(const struct mem_data *d)
{
    struct mem_undo *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    copy_scalars(&u->scalars, d);
    for (int id = 0; id < MEM_TABLE_COUNT; id++) {
        u->n[id] = d->t[id].n;
        if (changes_in_place(id) && !table_copy(id, &d->t[id], &u->saved[id])) {
            mem_undo_free(u);
            return NULL;
        }
    }
    return u;
}

void
mem_undo_free(struct mem_undo *u)
{
    if (!u)
        return;
    for (int id = 0; id < MEM_TABLE_COUNT; id++)
        table_free(id, &u->saved[id]);
    free(u);
}

/* Put back into d what the record says (its saved tables move into d); the record goes. */
void
mem_undo_rollback(struct mem_data *d, struct mem_undo *u)
{
    copy_scalars(d, &u->scalars);
    for (int id = 0; id < MEM_TABLE_COUNT; id++) {
        struct mem_table *t = &d->t[id];
        if (changes_in_place(id)) {
            table_free(id, t);
            *t = u->saved[id];
            memset(&u->saved[id], 0, sizeof u->saved[id]);
            continue;
        }
        while (t->n > u->n[id])
            row_free(id, row_at(t, id, --t->n));
    }
    mem_undo_free(u);
}

struct mem_data *
mem_undo_view(const struct mem_data *d, const struct mem_undo *u)
{
    struct mem_data *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    copy_scalars(v, &u->scalars);
    for (int id = 0; id < MEM_TABLE_COUNT; id++) {
        struct mem_table from = changes_in_place(id) ? u->saved[id] : d->t[id];
        if (!changes_in_place(id))
            from.n = u->n[id];
        if (!table_copy(id, &from, &v->t[id])) {
            mem_data_free(v);
            return NULL;
        }
    }
    return v;
}

void *
mem_add(struct mem_data *d, enum mem_table_id id)
{
    struct mem_table *t = &d->t[id];
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        void *rows = realloc(t->rows, cap * table_defs[id].size);
        if (!rows)
            return NULL;
        t->rows = rows;
        t->cap = cap;
    }
    void *row = row_at(t, id, t->n++);
    memset(row, 0, table_defs[id].size);
    /* Every row struct begins with its id. */
    *(int64_t *)row = d->next_id[id]++;
    return row;
}

void *
mem_find(const struct mem_data *d, enum mem_table_id id, int64_t key)
{
    const struct mem_table *t = &d->t[id];
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        void *row = row_at(t, id, mid);
        int64_t rid = *(int64_t *)row;
        if (rid == key)
            return row;
        if (rid < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void
mem_remove(struct mem_data *d, enum mem_table_id id, size_t i)
{
    struct mem_table *t = &d->t[id];
    size_t size = table_defs[id].size;
    /* A table that only grows is undone by its row count (mem_undo_begin). */
    assert(changes_in_place(id));
    row_free(id, row_at(t, id, i));
    memmove(row_at(t, id, i), row_at(t, id, i + 1), (t->n - i - 1) * size);
    t->n--;
}

bool
mem_set(char **field, const char *s)
{
    char *copy = NULL;
    if (s && !(copy = strdup(s)))
        return false;
    free(*field);
    *field = copy;
    return true;
}

bool
mem_same(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}
