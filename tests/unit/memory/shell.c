/*
 * A very small sqlite3 shell over the in-memory engine's tables (see
 * sqlite3.h beside it): the statements test_workflow.c runs from outside,
 * read and written in the engine's rows as the SQLite engine's schema
 * names them (core/sqlite/schema.c).
 *
 *   SELECT count(*) | sum(COL) | COL FROM TABLE [WHERE COND [AND COND]...]
 *   UPDATE cases SET COL = VALUE WHERE COND [AND COND]...
 *
 * COND is COL = VALUE, COL IS NULL or COL IS NOT NULL; VALUE a 'quoted'
 * text ('' for a quote) or an integer.  A COL alone gives the first row's
 * value, in id order.  Anything else is an error that names it, so that a
 * test asking more of it fails rather than passes by accident.
 */
#include "memory/engine.h"
#include "sqlite3.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sqlite3 {
    cr_db *db;
    char err[512];
};

struct sqlite3_stmt {
    int64_t value;
    int rows; /* 1: one row to step to; 0: none */
};

/* Column types: how a column's value is read and compared. */
enum col_type { T_INT64, T_INT, T_TEXT, T_STATE, T_OUTCOME, T_VOTE, T_KIND, T_CATEGORY, T_ACTION };

struct column {
    enum mem_table_id table;
    const char *table_name;
    const char *name;
    enum col_type type;
    size_t off;
};

#define C(tbl, tname, type, field, ctype)                       \
    {                                                           \
        tbl, tname, #field, ctype, offsetof(struct type, field) \
    }
static const struct column columns[] = {
    C(MEM_CASES, "cases", mem_case, id, T_INT64),
    C(MEM_CASES, "cases", mem_case, state, T_STATE),
    C(MEM_CASES, "cases", mem_case, assignee, T_TEXT),
    C(MEM_CASES, "cases", mem_case, outcome, T_OUTCOME),
    C(MEM_CASES, "cases", mem_case, vetting_review, T_INT),
    C(MEM_CASES, "cases", mem_case, decided_by, T_TEXT),
    C(MEM_CASES, "cases", mem_case, round, T_INT),
    C(MEM_CASES, "cases", mem_case, version, T_INT64),
    C(MEM_CASES, "cases", mem_case, quorum_blocked, T_INT),
    C(MEM_CASES, "cases", mem_case, panel_round, T_INT),
    C(MEM_DECISIONS, "decisions", mem_decision, case_id, T_INT64),
    C(MEM_DECISIONS, "decisions", mem_decision, round, T_INT),
    C(MEM_DECISIONS, "decisions", mem_decision, reviewer, T_TEXT),
    C(MEM_DECISIONS, "decisions", mem_decision, outcome, T_OUTCOME),
    C(MEM_APPROVALS, "approvals", mem_approval, case_id, T_INT64),
    C(MEM_APPROVALS, "approvals", mem_approval, round, T_INT),
    C(MEM_APPROVALS, "approvals", mem_approval, supervisor, T_TEXT),
    C(MEM_NOTES, "notes", mem_note, case_id, T_INT64),
    C(MEM_NOTES, "notes", mem_note, author, T_TEXT),
    C(MEM_NOTES, "notes", mem_note, kind, T_TEXT),
    C(MEM_NOTES, "notes", mem_note, body, T_TEXT),
    C(MEM_VOTES, "votes", mem_vote, case_id, T_INT64),
    C(MEM_VOTES, "votes", mem_vote, round, T_INT),
    C(MEM_VOTES, "votes", mem_vote, member, T_TEXT),
    C(MEM_VOTES, "votes", mem_vote, member_kind, T_KIND),
    C(MEM_VOTES, "votes", mem_vote, vote, T_VOTE),
    C(MEM_AUDIT_EVENTS, "audit_events", mem_event, id, T_INT64),
    C(MEM_AUDIT_EVENTS, "audit_events", mem_event, case_id, T_INT64),
    C(MEM_AUDIT_EVENTS, "audit_events", mem_event, actor, T_TEXT),
    C(MEM_AUDIT_EVENTS, "audit_events", mem_event, action, T_TEXT),
    C(MEM_AUDIT_EVENTS, "audit_events", mem_event, state_before, T_TEXT),
    C(MEM_AUDIT_EVENTS, "audit_events", mem_event, state_after, T_TEXT),
    C(MEM_ALLEGATIONS, "allegations", mem_allegation, case_id, T_INT64),
    C(MEM_ALLEGATIONS, "allegations", mem_allegation, ref, T_TEXT),
    C(MEM_ALLEGATIONS, "allegations", mem_allegation, category, T_CATEGORY),
    C(MEM_DRAFTS, "drafts", mem_draft, case_id, T_INT64),
    C(MEM_DRAFTS, "drafts", mem_draft, login, T_TEXT),
    C(MEM_DRAFTS, "drafts", mem_draft, action, T_ACTION),
};
#undef C

/* A value: NULL, an integer or a text. */
struct value {
    int kind; /* 0 NULL, 1 integer, 2 text */
    int64_t i;
    const char *s;
};

static struct value
read_column(const struct column *c, const void *row)
{
    const char *p = (const char *)row + c->off;
    struct value v = {0, 0, NULL};
    int e = 0;
    const char *name = NULL;
    switch (c->type) {
    case T_INT64:
        v.kind = 1;
        memcpy(&v.i, p, sizeof v.i);
        return v;
    case T_INT:
        v.kind = 1;
        memcpy(&e, p, sizeof e);
        v.i = e;
        return v;
    case T_TEXT:
        memcpy(&v.s, p, sizeof v.s);
        v.kind = v.s ? 2 : 0;
        return v;
    default:
        break;
    }
    /* Enumerations are stored as their names in the SQLite schema. */
    memcpy(&e, p, sizeof e);
    switch (c->type) {
    case T_STATE:
        name = e >= 0 ? cr_state_name(e) : NULL;
        break;
    case T_OUTCOME:
        name = e >= 0 ? cr_outcome_name(e) : NULL;
        break;
    case T_VOTE:
        name = e >= 0 ? cr_vote_name(e) : NULL;
        break;
    case T_KIND:
        name = e >= 0 ? cr_kind_name(e) : NULL;
        break;
    case T_CATEGORY:
        name = e >= 0 ? cr_category_name(e) : NULL;
        break;
    default:
        name = e >= 0 ? cr_action_name(e) : NULL;
        break;
    }
    v.s = name;
    v.kind = name ? 2 : 0;
    return v;
}

/* The statement's words. */
struct lexer {
    const char *p;
    char word[256];
    struct cr_buf text; /* a quoted value, unquoted */
    bool quoted;
};

static bool
next_word(struct lexer *l)
{
    while (isspace((unsigned char)*l->p))
        l->p++;
    l->quoted = false;
    if (!*l->p)
        return false;
    if (*l->p == '\'') {
        cr_buf_reset(&l->text);
        cr_buf_add(&l->text, "", 0);
        for (l->p++; *l->p; l->p++) {
            if (*l->p == '\'' && l->p[1] == '\'') {
                cr_buf_addc(&l->text, '\'');
                l->p++;
            } else if (*l->p == '\'') {
                l->p++;
                l->quoted = true;
                return true;
            } else {
                cr_buf_addc(&l->text, *l->p);
            }
        }
        return false; /* unterminated */
    }
    size_t n = 0;
    if (strchr("=(),*", *l->p)) {
        l->word[n++] = *l->p++;
    } else {
        while (*l->p && (isalnum((unsigned char)*l->p) || *l->p == '_') && n + 1 < sizeof l->word)
            l->word[n++] = *l->p++;
        if (!n)
            return false;
    }
    l->word[n] = '\0';
    return true;
}

static bool
is(struct lexer *l, const char *w)
{
    return !l->quoted && strcasecmp(l->word, w) == 0;
}

static bool
expect(struct lexer *l, const char *w)
{
    return next_word(l) && is(l, w);
}

static const struct column *
column_named(const char *table, const char *name)
{
    for (size_t i = 0; i < CR_ARRAY_LEN(columns); i++)
        if (strcmp(columns[i].table_name, table) == 0 && strcmp(columns[i].name, name) == 0)
            return &columns[i];
    return NULL;
}

struct cond {
    const struct column *col;
    int op; /* 0: = value, 1: IS NULL, 2: IS NOT NULL */
    struct value v;
    char *text;
};

#define MAX_CONDS 8

struct query {
    int what; /* 0 count(*), 1 sum(col), 2 col; for UPDATE: the column set */
    const struct column *col;
    enum mem_table_id table;
    const char *table_name;
    size_t n_conds;
    struct cond conds[MAX_CONDS];
    struct value set; /* UPDATE's value */
    char *set_text;
};

/* A value: a quoted text or an integer, into v (the text copied into *keep). */
static bool
read_value(struct lexer *l, struct value *v, char **keep)
{
    if (!next_word(l))
        return false;
    if (l->quoted) {
        *keep = strdup(l->text.p ? l->text.p : "");
        v->kind = 2;
        v->s = *keep;
        return *keep != NULL;
    }
    char *end;
    v->i = strtoll(l->word, &end, 10);
    v->kind = 1;
    return *end == '\0' && end != l->word;
}

static bool
read_where(struct lexer *l, struct query *q)
{
    if (!next_word(l))
        return true; /* no WHERE */
    if (!is(l, "WHERE"))
        return false;
    for (;;) {
        if (q->n_conds == MAX_CONDS || !next_word(l))
            return false;
        struct cond *c = &q->conds[q->n_conds++];
        if (!(c->col = column_named(q->table_name, l->word)) || !next_word(l))
            return false;
        if (is(l, "=")) {
            if (!read_value(l, &c->v, &c->text))
                return false;
        } else if (is(l, "IS")) {
            if (!next_word(l))
                return false;
            c->op = 1;
            if (is(l, "NOT")) {
                c->op = 2;
                if (!next_word(l))
                    return false;
            }
            if (!is(l, "NULL"))
                return false;
        } else {
            return false;
        }
        if (!next_word(l))
            return true;
        if (!is(l, "AND"))
            return false;
    }
}

/* The table's name as the column list spells it, or NULL. */
static const char *
table_named(const char *name, enum mem_table_id *id)
{
    for (size_t i = 0; i < CR_ARRAY_LEN(columns); i++) {
        if (strcmp(columns[i].table_name, name) == 0) {
            *id = columns[i].table;
            return columns[i].table_name;
        }
    }
    return NULL;
}

static bool
parse(const char *sql, struct query *q, bool *update)
{
    struct lexer l = {.p = sql};
    memset(q, 0, sizeof *q);
    bool ok = false;
    if (!next_word(&l))
        goto out;
    if (is(&l, "SELECT")) {
        *update = false;
        if (!next_word(&l))
            goto out;
        char col[256] = "";
        if (is(&l, "count")) {
            if (!expect(&l, "(") || !expect(&l, "*") || !expect(&l, ")"))
                goto out;
            q->what = 0;
        } else if (is(&l, "sum")) {
            if (!expect(&l, "(") || !next_word(&l))
                goto out;
            snprintf(col, sizeof col, "%s", l.word);
            if (!expect(&l, ")"))
                goto out;
            q->what = 1;
        } else {
            snprintf(col, sizeof col, "%s", l.word);
            q->what = 2;
        }
        if (!expect(&l, "FROM") || !next_word(&l) ||
            !(q->table_name = table_named(l.word, &q->table)))
            goto out;
        if (q->what && !(q->col = column_named(q->table_name, col)))
            goto out;
        ok = read_where(&l, q);
    } else if (is(&l, "UPDATE")) {
        *update = true;
        if (!next_word(&l) || !(q->table_name = table_named(l.word, &q->table)))
            goto out;
        if (!expect(&l, "SET") || !next_word(&l) || q->table != MEM_CASES ||
            !(q->col = column_named(q->table_name, l.word)) || q->col->type != T_TEXT ||
            !expect(&l, "=") || !read_value(&l, &q->set, &q->set_text) || q->set.kind != 2)
            goto out;
        ok = read_where(&l, q) && q->n_conds > 0;
    }
out:
    cr_buf_free(&l.text);
    return ok;
}

static void
query_free(struct query *q)
{
    for (size_t i = 0; i < q->n_conds; i++)
        free(q->conds[i].text);
    free(q->set_text);
}

static bool
equal(struct value a, struct value b)
{
    if (a.kind != b.kind || a.kind == 0)
        return false;
    return a.kind == 1 ? a.i == b.i : strcmp(a.s, b.s) == 0;
}

static bool
row_matches(const struct query *q, const void *row)
{
    for (size_t i = 0; i < q->n_conds; i++) {
        const struct cond *c = &q->conds[i];
        struct value v = read_column(c->col, row);
        if ((c->op == 0 && !equal(v, c->v)) || (c->op == 1 && v.kind != 0) ||
            (c->op == 2 && v.kind == 0))
            return false;
    }
    return true;
}

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return 0;
}

int
sqlite3_open(const char *path, sqlite3 **out)
{
    sqlite3 *s = calloc(1, sizeof *s);
    *out = s;
    if (!s)
        return SQLITE_CANTOPEN;
    if (cr_db_open(path, 0, fixed_clock, NULL, &s->db) != CR_OK) {
        snprintf(s->err, sizeof s->err, "%s", cr_db_errmsg(s->db));
        return SQLITE_CANTOPEN;
    }
    return SQLITE_OK;
}

int
sqlite3_close(sqlite3 *s)
{
    if (s) {
        cr_db_close(s->db);
        free(s);
    }
    return SQLITE_OK;
}

const char *
sqlite3_errmsg(sqlite3 *s)
{
    return s ? s->err : "out of memory";
}

static size_t
row_size(enum mem_table_id t)
{
    switch (t) {
    case MEM_CASES:
        return sizeof(struct mem_case);
    case MEM_DECISIONS:
        return sizeof(struct mem_decision);
    case MEM_APPROVALS:
        return sizeof(struct mem_approval);
    case MEM_NOTES:
        return sizeof(struct mem_note);
    case MEM_VOTES:
        return sizeof(struct mem_vote);
    case MEM_AUDIT_EVENTS:
        return sizeof(struct mem_event);
    case MEM_ALLEGATIONS:
        return sizeof(struct mem_allegation);
    default:
        return sizeof(struct mem_draft);
    }
}

int
sqlite3_prepare_v2(sqlite3 *s, const char *sql, int n, sqlite3_stmt **out, const char **tail)
{
    (void)n;
    (void)tail;
    *out = NULL;
    struct query q;
    bool update;
    if (!s->db || !parse(sql, &q, &update) || update) {
        snprintf(s->err, sizeof s->err, "the memory engine's shell cannot read: %s", sql);
        if (s->db)
            query_free(&q);
        return SQLITE_ERROR;
    }
    const struct mem_data *d = mem_data(s->db);
    const struct mem_table *t = &d->t[q.table];
    size_t size = row_size(q.table);
    sqlite3_stmt *st = calloc(1, sizeof *st);
    if (!st) {
        query_free(&q);
        return SQLITE_ERROR;
    }
    int64_t count = 0, sum = 0;
    bool any = false;
    for (size_t i = 0; i < t->n; i++) {
        const void *row = (const char *)t->rows + i * size;
        if (!row_matches(&q, row))
            continue;
        count++;
        struct value v = q.col ? read_column(q.col, row) : (struct value){0, 0, NULL};
        if (q.what == 1 && v.kind == 1)
            sum += v.i, any = true;
        if (q.what == 2) {
            st->value = v.kind == 1 ? v.i : 0;
            st->rows = 1;
            break;
        }
    }
    if (q.what == 0) {
        st->value = count;
        st->rows = 1;
    } else if (q.what == 1) {
        st->value = any ? sum : 0; /* NULL when nothing was summed: read as 0 */
        st->rows = 1;
    }
    query_free(&q);
    *out = st;
    return SQLITE_OK;
}

int
sqlite3_step(sqlite3_stmt *st)
{
    if (st->rows > 0) {
        st->rows = -1;
        return SQLITE_ROW;
    }
    return SQLITE_DONE;
}

int64_t
sqlite3_column_int64(sqlite3_stmt *st, int col)
{
    (void)col;
    return st->value;
}

int
sqlite3_finalize(sqlite3_stmt *st)
{
    free(st);
    return SQLITE_OK;
}

/* UPDATE only: the rows matching, in one transaction of the engine. */
int
sqlite3_exec(sqlite3 *s, const char *sql, int (*cb)(void *, int, char **, char **), void *ctx,
             char **err)
{
    (void)cb;
    (void)ctx;
    if (err)
        *err = NULL;
    struct query q;
    bool update = false;
    if (!s->db || !parse(sql, &q, &update) || !update) {
        snprintf(s->err, sizeof s->err, "the memory engine's shell cannot run: %s", sql);
        if (s->db)
            query_free(&q);
        return SQLITE_ERROR;
    }
    int rc = SQLITE_OK;
    if (mem_begin(s->db) != CR_OK) {
        snprintf(s->err, sizeof s->err, "%s", cr_db_errmsg(s->db));
        query_free(&q);
        return SQLITE_ERROR;
    }
    struct mem_data *d = mem_data(s->db);
    struct mem_table *t = &d->t[q.table];
    size_t size = row_size(q.table);
    for (size_t i = 0; i < t->n && rc == SQLITE_OK; i++) {
        void *row = (char *)t->rows + i * size;
        if (row_matches(&q, row) && !mem_set((char **)((char *)row + q.col->off), q.set.s))
            rc = SQLITE_ERROR;
    }
    if (rc == SQLITE_OK && mem_commit(s->db) != CR_OK)
        rc = SQLITE_ERROR;
    if (rc != SQLITE_OK) {
        mem_rollback(s->db);
        snprintf(s->err, sizeof s->err, "%s", cr_db_errmsg(s->db));
    }
    query_free(&q);
    return rc;
}
