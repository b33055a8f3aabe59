/*
 * Words of several tokens as phrases.  case_search is detail=column: it
 * knows which column holds a token, not where, so it cannot answer a
 * phrase.  A word the tokenizer splits ("Smith-Jones", "AL2021-0003") is
 * asked of the index as each of its tokens (page.c), and the rows it gives
 * are then kept only when each such word's tokens stand next to each other
 * in one field of the case: its subject, or one of its allegations.  The
 * SQL aggregate cr_phrases(words, text) does that over the case's fields,
 * one row each, tokenized by the index's own tokenizer; it is only in the
 * queries the program runs, registered on its connection (db.c).
 */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

static const char *const search_tokenizer_args[] = {"remove_diacritics", "2"};

int
sq_search_tokenizer(sqlite3 *sql, fts5_tokenizer *tk, Fts5Tokenizer **tok)
{
    fts5_api *api = NULL;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(sql, "SELECT fts5(?1)", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(s);
    }
    sqlite3_finalize(s);
    void *user = NULL;
    if (rc == SQLITE_OK && !api)
        rc = SQLITE_ERROR;
    if (rc == SQLITE_OK)
        rc = api->xFindTokenizer(api, SQ_SEARCH_TOKENIZER, &user, tk);
    if (rc == SQLITE_OK)
        rc = tk->xCreate(user, (const char **)search_tokenizer_args,
                         (int)CR_ARRAY_LEN(search_tokenizer_args), tok);
    return rc;
}

/* Tokens of a text: token i is text[off[i] .. off[i] + len[i]) of the pool. */
struct token_list {
    struct cr_buf pool;
    size_t *off, *len;
    size_t n, cap;
};

static int
add_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    (void)start, (void)end;
    struct token_list *t = ctx;
    if (flags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK; /* a synonym at the same place: unicode61 makes none */
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        size_t *off = realloc(t->off, cap * sizeof *off);
        if (off)
            t->off = off;
        size_t *len = off ? realloc(t->len, cap * sizeof *len) : NULL;
        if (!len)
            return SQLITE_NOMEM;
        t->len = len;
        t->cap = cap;
    }
    t->off[t->n] = t->pool.len;
    t->len[t->n] = (size_t)n;
    if (n && cr_buf_add(&t->pool, token, (size_t)n) < 0)
        return SQLITE_NOMEM;
    t->n++;
    return SQLITE_OK;
}

static void
tokens_clear(struct token_list *t)
{
    t->n = 0;
    cr_buf_reset(&t->pool);
}

static void
tokens_free(struct token_list *t)
{
    cr_buf_free(&t->pool);
    free(t->off);
    free(t->len);
}

static const char *
token_at(const struct token_list *t, size_t i)
{
    return t->pool.p + t->off[i];
}

/* The function's own: the tokenizer, made at its first use and kept with the connection. */
struct phrase_fn {
    fts5_tokenizer tk;
    Fts5Tokenizer *tok;
};

/* A word of two or more tokens: tokens [first, first + n) of the words' list. */
struct phrase {
    size_t first, n;
    bool prefix; /* the word ended in `*`: its last token begins a token */
    bool found;
};

/* One aggregate's state: the words typed, parsed at its first row. */
struct phrases {
    bool parsed;
    struct token_list words;
    struct phrase *p;
    size_t n;
    struct token_list field;
};

static bool
blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The words typed, split as page.c's search_query splits them; keeps those of several tokens. */
static int
parse(struct phrase_fn *fn, const char *text, struct phrases *ph)
{
    const char *p = text;
    int rc = SQLITE_OK;
    while (*p && rc == SQLITE_OK) {
        while (blank(*p))
            p++;
        const char *start = p;
        while (*p && !blank(*p))
            p++;
        size_t before = ph->words.n;
        rc = fn->tk.xTokenize(fn->tok, &ph->words, FTS5_TOKENIZE_QUERY, start, (int)(p - start),
                              add_token);
        if (rc != SQLITE_OK || ph->words.n - before < 2)
            continue;
        struct phrase *more = realloc(ph->p, (ph->n + 1) * sizeof *more);
        if (!more)
            return SQLITE_NOMEM;
        ph->p = more;
        ph->p[ph->n++] = (struct phrase){before, ph->words.n - before, p[-1] == '*', false};
    }
    return rc;
}

/* Whether the field's tokens from i on are the phrase's. */
static bool
phrase_at(const struct phrases *ph, const struct phrase *w, size_t i)
{
    for (size_t j = 0; j < w->n; j++) {
        size_t k = w->first + j, n = ph->words.len[k];
        bool prefix = w->prefix && j == w->n - 1;
        size_t m = ph->field.len[i + j];
        if ((prefix ? m < n : m != n) ||
            memcmp(token_at(&ph->field, i + j), token_at(&ph->words, k), n))
            return false;
    }
    return true;
}

static void
phrases_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct phrase_fn *fn = sqlite3_user_data(ctx);
    struct phrases *ph = sqlite3_aggregate_context(ctx, sizeof *ph);
    if (!ph) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (!fn->tok) {
        int rc = sq_search_tokenizer(sqlite3_context_db_handle(ctx), &fn->tk, &fn->tok);
        if (rc != SQLITE_OK) {
            fn->tok = NULL;
            sqlite3_result_error(ctx, "cr_phrases: the full-text tokenizer is missing", -1);
            return;
        }
    }
    int rc = SQLITE_OK;
    if (!ph->parsed) {
        const char *words = (const char *)sqlite3_value_text(argv[0]);
        ph->parsed = true;
        rc = parse(fn, words ? words : "", ph);
    }
    const char *text = (const char *)sqlite3_value_text(argv[1]);
    if (rc == SQLITE_OK && text) {
        tokens_clear(&ph->field);
        rc = fn->tk.xTokenize(fn->tok, &ph->field, FTS5_TOKENIZE_DOCUMENT, text,
                              sqlite3_value_bytes(argv[1]), add_token);
    }
    if (rc != SQLITE_OK) {
        if (rc == SQLITE_NOMEM)
            sqlite3_result_error_nomem(ctx);
        else
            sqlite3_result_error_code(ctx, rc);
        return;
    }
    for (size_t w = 0; text && w < ph->n; w++)
        for (size_t i = 0; !ph->p[w].found && i + ph->p[w].n <= ph->field.n; i++)
            ph->p[w].found = phrase_at(ph, &ph->p[w], i);
}

/* 1 when every word of several tokens stood whole in one field; 0 otherwise, or with no field. */
static void
phrases_final(sqlite3_context *ctx)
{
    struct phrases *ph = sqlite3_aggregate_context(ctx, 0);
    bool all = ph && ph->parsed;
    for (size_t w = 0; all && w < ph->n; w++)
        all = ph->p[w].found;
    sqlite3_result_int(ctx, all);
    if (ph) {
        tokens_free(&ph->words);
        tokens_free(&ph->field);
        free(ph->p);
    }
}

static void
phrases_destroy(void *p)
{
    struct phrase_fn *fn = p;
    if (fn->tok)
        fn->tk.xDelete(fn->tok);
    free(fn);
}

int
sq_phrases_register(sqlite3 *sql)
{
    struct phrase_fn *fn = calloc(1, sizeof *fn);
    if (!fn)
        return SQLITE_NOMEM;
    /* On failure SQLite calls phrases_destroy itself. */
    return sqlite3_create_function_v2(sql, "cr_phrases", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, fn,
                                      NULL, phrases_step, phrases_final, phrases_destroy);
}
