/*
 * The in-memory engine's tables: rows of plain structs, each described by
 * its size and the offsets of its strings, so that one copy and one free
 * serve every table (a transaction is a copy of the database, a rollback
 * goes back to it).
 */
#include "memory.h"

#include <stdlib.h>
#include <string.h>

#define MAX_STRINGS 8

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
                   5,
                   {S(mem_case, assignee), S(mem_case, rationale), S(mem_case, decided_by),
                    S(mem_case, updated_by), S(mem_case, latest_allegation)}},
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
                          8,
                          {S(mem_event, actor), S(mem_event, action), S(mem_event, state_before),
                           S(mem_event, state_after), S(mem_event, details),
                           S(mem_event, config_digest), S(mem_event, purpose),
                           S(mem_event, os_login)}},
    [MEM_IMPORTS] = {sizeof(struct mem_import), 1, {S(mem_import, label)}},
    [MEM_DRAFTS] = {sizeof(struct mem_draft),
                    3,
                    {S(mem_draft, login), S(mem_draft, target), S(mem_draft, text)}},
    /* The text is counted (len), not a C string: copied apart below. */
    [MEM_CONFIG_VERSIONS] = {sizeof(struct mem_config_version),
                             2,
                             {S(mem_config_version, digest), S(mem_config_version, adopted_by)}},
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

void
mem_data_free(struct mem_data *d)
{
    if (!d)
        return;
    for (int id = 0; id < MEM_TABLE_COUNT; id++) {
        struct mem_table *t = &d->t[id];
        for (size_t i = 0; i < t->n; i++)
            row_free(id, row_at(t, id, i));
        free(t->rows);
    }
    free(d);
}

struct mem_data *
mem_data_clone(const struct mem_data *from)
{
    struct mem_data *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    memcpy(d->next_id, from->next_id, sizeof d->next_id);
    d->group_access = from->group_access;
    d->head_id = from->head_id;
    memcpy(d->head_hash, from->head_hash, sizeof d->head_hash);
    d->data_version = from->data_version;
    bool ok = true;
    for (int id = 0; id < MEM_TABLE_COUNT && ok; id++) {
        const struct mem_table *ft = &from->t[id];
        struct mem_table *t = &d->t[id];
        if (!ft->n)
            continue;
        t->rows = malloc(ft->n * table_defs[id].size);
        if (!t->rows) {
            ok = false;
            break;
        }
        memcpy(t->rows, ft->rows, ft->n * table_defs[id].size);
        t->cap = ft->n;
        /* Strings are copied a row at a time; n counts the rows that own theirs. */
        for (size_t i = 0; i < ft->n && ok; i++) {
            void *row = row_at(t, id, i);
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
                ok = false;
                break;
            }
            t->n++;
        }
    }
    if (!ok) {
        mem_data_free(d);
        return NULL;
    }
    return d;
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
