/*
 * Words of several tokens as phrases.  case_search is detail=none: it
 * knows which cases hold a token, not where, so it cannot answer a
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

/* The query's tokens: token i is pool[off[i] .. off[i] + len[i]). */
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

/* A word of two or more tokens: tokens [first, first + n) of the words' list. */
struct phrase {
    size_t first, n;
    bool prefix; /* the word ended in `*`: its last token begins a token */
};

/*
 * The words typed, parsed once for all the rows of a statement: the
 * function's own, kept with the connection, with the tokenizer made at its
 * first use.
 */
struct phrase_fn {
    fts5_tokenizer tk;
    Fts5Tokenizer *tok;
    char *text; /* the words these are of */
    struct token_list words;
    struct phrase *p;
    size_t n, n_tokens;
};

static bool
blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t
sq_search_word(const char **p, const char **start)
{
    const char *s = *p;
    while (blank(*s))
        s++;
    *start = s;
    while (*s && !blank(*s))
        s++;
    *p = s;
    return (size_t)(s - *start);
}

static void
words_clear(struct phrase_fn *fn)
{
    free(fn->text);
    fn->text = NULL;
    cr_buf_free(&fn->words.pool);
    free(fn->words.off);
    free(fn->words.len);
    memset(&fn->words, 0, sizeof fn->words);
    free(fn->p);
    fn->p = NULL;
    fn->n = fn->n_tokens = 0;
}

/* The words typed (sq_search_word); keeps those of several tokens. */
static int
parse(struct phrase_fn *fn, const char *text)
{
    if (fn->text && strcmp(fn->text, text) == 0)
        return SQLITE_OK;
    words_clear(fn);
    if (!(fn->text = strdup(text)))
        return SQLITE_NOMEM;
    const char *p = text, *start;
    int rc = SQLITE_OK;
    for (size_t len; rc == SQLITE_OK && (len = sq_search_word(&p, &start)) > 0;) {
        size_t before = fn->words.n;
        rc = fn->tk.xTokenize(fn->tok, &fn->words, FTS5_TOKENIZE_QUERY, start, (int)len, add_token);
        if (rc != SQLITE_OK || fn->words.n - before < 2) {
            fn->words.n = before; /* only the words of several tokens are kept */
            continue;
        }
        struct phrase *more = realloc(fn->p, (fn->n + 1) * sizeof *more);
        if (!more) {
            rc = SQLITE_NOMEM;
            break;
        }
        fn->p = more;
        fn->p[fn->n++] = (struct phrase){before, fn->words.n - before, start[len - 1] == '*'};
    }
    fn->n_tokens = fn->words.n;
    if (rc != SQLITE_OK)
        words_clear(fn);
    return rc;
}

/*
 * One row's state: which words stood whole in a field so far, and, along
 * the field being read, which tokens of each word the last tokens read
 * end: at[k] for the word's token k (the tokens as fn->words numbers them).
 */
struct phrases {
    struct phrase_fn *fn;
    bool *found; /* per word */
    bool *at;    /* per token */
    size_t left; /* words not yet found */
};

static bool
token_is(const struct phrase_fn *fn, size_t k, bool prefix, const char *token, size_t n)
{
    size_t want = fn->words.len[k];
    return (prefix ? n >= want : n == want) &&
           memcmp(token, fn->words.pool.p + fn->words.off[k], want) == 0;
}

/* Each token of a field, read in order: the words it ends are found. */
static int
field_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    (void)start, (void)end;
    struct phrases *ph = ctx;
    const struct phrase_fn *fn = ph->fn;
    if (flags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK;
    for (size_t w = 0; w < fn->n; w++) {
        const struct phrase *p = &fn->p[w];
        bool *at = ph->at + p->first;
        if (ph->found[w])
            continue;
        for (size_t j = p->n - 1; j > 0; j--)
            at[j] = at[j - 1] &&
                    token_is(fn, p->first + j, p->prefix && j == p->n - 1, token, (size_t)n);
        at[0] = token_is(fn, p->first, false, token, (size_t)n);
        if (at[p->n - 1]) {
            ph->found[w] = true;
            ph->left--;
        }
    }
    /* Every word found: the rest of the field need not be read. */
    return ph->left ? SQLITE_OK : SQLITE_DONE;
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
    int rc = SQLITE_OK;
    if (!ph->fn) {
        if (!fn->tok && (rc = sq_search_tokenizer(sqlite3_context_db_handle(ctx), &fn->tk,
                                                  &fn->tok)) != SQLITE_OK) {
            fn->tok = NULL;
            sqlite3_result_error(ctx, "cr_phrases: the full-text tokenizer is missing", -1);
            return;
        }
        const char *words = (const char *)sqlite3_value_text(argv[0]);
        if ((rc = parse(fn, words ? words : "")) != SQLITE_OK) {
            sqlite3_result_error_code(ctx, rc);
            return;
        }
        ph->found = calloc(fn->n + fn->n_tokens + 1, sizeof *ph->found);
        if (!ph->found) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        ph->at = ph->found + fn->n;
        ph->left = fn->n;
        ph->fn = fn;
    }
    const char *text = (const char *)sqlite3_value_text(argv[1]);
    if (!text || !ph->left)
        return;
    memset(ph->at, 0, fn->n_tokens * sizeof *ph->at);
    rc = fn->tk.xTokenize(fn->tok, ph, FTS5_TOKENIZE_DOCUMENT, text, sqlite3_value_bytes(argv[1]),
                          field_token);
    if (rc != SQLITE_OK && rc != SQLITE_DONE)
        sqlite3_result_error_code(ctx, rc);
}

/* 1 when every word of several tokens stood whole in one field; 0 otherwise, or with no field. */
static void
phrases_final(sqlite3_context *ctx)
{
    struct phrases *ph = sqlite3_aggregate_context(ctx, 0);
    sqlite3_result_int(ctx, ph && ph->fn && !ph->left);
    if (ph)
        free(ph->found);
}

static void
phrases_destroy(void *p)
{
    struct phrase_fn *fn = p;
    if (fn->tok)
        fn->tk.xDelete(fn->tok);
    words_clear(fn);
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
