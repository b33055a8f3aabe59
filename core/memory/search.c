/*
 * Search in memory, as the SQLite engine's full-text index answers it
 * (case_search: one document per case, FTS5 with tokenize 'unicode61
 * remove_diacritics 2' and detail=none; core/sqlite/page.c splits the
 * words typed with the same tokenizer).
 *
 * Text is cut into tokens: runs of letters and digits, everything else
 * separating them.  Tokens are folded to lower case and, for the Latin
 * letters of Latin-1 and Latin Extended-A, stripped of their diacritics
 * (é, Å, ç, ő: e, a, c, o; ø, ł, ß, æ have none to strip and stay);
 * Greek and Cyrillic letters are folded to lower case (their accents
 * stay, as the index keeps them).  General Punctuation, Latin-1's symbols,
 * Greek and Cyrillic signs and CJK punctuation separate; any other
 * character is a letter kept as it is (the SQLite index knows more of
 * Unicode: Latin Extended-B and beyond, other scripts).
 *
 * A case matches when every token of every word typed is somewhere in its
 * document: its subject's reference, surname and forenames, and each of
 * its allegations' reference and summary.  A word ending in `*` makes its
 * last token the start of a token; nothing else is a prefix.  A word of
 * several tokens ("Smith-Jones") is a phrase: its tokens stand next to each
 * other in one field (the subject's reference, surname or forenames, an
 * allegation's reference or summary), as core/sqlite/phrase.c asks.
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

/* Latin-1 letters U+00C0..U+00FF, folded: lower case, without diacritics. */
static const unsigned short latin1[64] = {
    'a',    'a', 'a', 'a', 'a', 'a', 0x00e6, 'c',    /* C0 */
    'e',    'e', 'e', 'e', 'i', 'i', 'i',    'i',    /* C8 */
    0x00f0, 'n', 'o', 'o', 'o', 'o', 'o',    0,      /* D0; D7 x */
    0x00f8, 'u', 'u', 'u', 'u', 'y', 0x00fe, 0x00df, /* D8 */
    'a',    'a', 'a', 'a', 'a', 'a', 0x00e6, 'c',    /* E0 */
    'e',    'e', 'e', 'e', 'i', 'i', 'i',    'i',    /* E8 */
    0x00f0, 'n', 'o', 'o', 'o', 'o', 'o',    0,      /* F0; F7 / */
    0x00f8, 'u', 'u', 'u', 'u', 'y', 0x00fe, 'y',    /* F8 */
};

/* Latin Extended-A U+0100..U+017F, folded: the letter, or its lower case when it has no base. */
static const unsigned short latin_a[128] = {
    'a',    'a',    'a',    'a',    'a', 'a', 'c',    'c',    /* 100 */
    'c',    'c',    'c',    'c',    'c', 'c', 'd',    'd',    /* 108 */
    0x0111, 0x0111, 'e',    'e',    'e', 'e', 'e',    'e',    /* 110 */
    'e',    'e',    'e',    'e',    'g', 'g', 'g',    'g',    /* 118 */
    'g',    'g',    'g',    'g',    'h', 'h', 0x0127, 0x0127, /* 120 */
    'i',    'i',    'i',    'i',    'i', 'i', 'i',    'i',    /* 128 */
    'i',    0x0131, 0x0133, 0x0133, 'j', 'j', 'k',    'k',    /* 130 */
    0x0138, 'l',    'l',    'l',    'l', 'l', 'l',    0x0140, /* 138 */
    0x0140, 0x0142, 0x0142, 'n',    'n', 'n', 'n',    'n',    /* 140 */
    'n',    0x0149, 0x014b, 0x014b, 'o', 'o', 'o',    'o',    /* 148 */
    'o',    'o',    0x0153, 0x0153, 'r', 'r', 'r',    'r',    /* 150 */
    'r',    'r',    's',    's',    's', 's', 's',    's',    /* 158 */
    's',    's',    't',    't',    't', 't', 0x0167, 0x0167, /* 160 */
    'u',    'u',    'u',    'u',    'u', 'u', 'u',    'u',    /* 168 */
    'u',    'u',    'u',    'u',    'w', 'w', 'y',    'y',    /* 170 */
    'y',    'z',    'z',    'z',    'z', 'z', 'z',    's',    /* 178 */
};

/* Whether a character other than an ASCII letter or digit separates tokens. */
static bool
separator(unsigned cp)
{
    if (cp < 0x80)
        return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
    /* Latin-1's spaces and symbols, but for its letters and numbers (ª ² ³ µ ¹ º ¼ ½ ¾). */
    if (cp < 0xc0)
        return !(cp == 0xaa || cp == 0xb2 || cp == 0xb3 || cp == 0xb5 || cp == 0xb9 || cp == 0xba ||
                 (cp >= 0xbc && cp <= 0xbe));
    /* Greek and Cyrillic signs and combining marks. */
    if (cp == 0x375 || cp == 0x37e || cp == 0x384 || cp == 0x385 || cp == 0x387 || cp == 0x3f6 ||
        (cp >= 0x482 && cp <= 0x489))
        return true;
    return cp == 0xd7 || cp == 0xf7 || (cp >= 0x2000 && cp <= 0x206f) ||
           (cp >= 0x2e00 && cp <= 0x2e7f) || (cp >= 0x3000 && cp <= 0x303f) || cp == 0xfeff;
}

/* Greek letters outside the run of capitals, folded as the index folds them (no accent removed). */
static unsigned
fold_greek(unsigned cp)
{
    static const struct {
        unsigned short from, to;
    } pairs[] = {
        {0x370, 0x371}, {0x372, 0x373}, {0x376, 0x377}, {0x386, 0x3ac}, {0x388, 0x3ad},
        {0x389, 0x3ae}, {0x38a, 0x3af}, {0x38c, 0x3cc}, {0x38e, 0x3cd}, {0x38f, 0x3ce},
        {0x3aa, 0x3ca}, {0x3ab, 0x3cb}, {0x3c2, 0x3c3}, {0x3cf, 0x3d7}, {0x3d0, 0x3b2},
        {0x3d1, 0x3b8}, {0x3d5, 0x3c6}, {0x3d6, 0x3c0}, {0x3f0, 0x3ba}, {0x3f1, 0x3c1},
        {0x3f4, 0x3b8}, {0x3f5, 0x3b5}, {0x3f7, 0x3f8}, {0x3f9, 0x3f2}, {0x3fa, 0x3fb},
        {0x3fd, 0x37b}, {0x3fe, 0x37c}, {0x3ff, 0x37d},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i].from == cp)
            return pairs[i].to;
    if (cp >= 0x3d8 && cp <= 0x3ef && cp % 2 == 0)
        return cp + 1;
    return cp;
}

static unsigned
fold(unsigned cp)
{
    if (cp >= 'A' && cp <= 'Z')
        return cp - 'A' + 'a';
    if (cp == 0xb5)
        return 0x3bc; /* micro sign: mu */
    if (cp >= 0xc0 && cp <= 0xff && latin1[cp - 0xc0])
        return latin1[cp - 0xc0];
    if (cp >= 0x100 && cp <= 0x17f)
        return latin_a[cp - 0x100];
    if ((cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2) || (cp >= 0x410 && cp <= 0x42f))
        return cp + 0x20;
    if (cp >= 0x370 && cp <= 0x3ff)
        return fold_greek(cp);
    if (cp >= 0x400 && cp <= 0x40f)
        return cp + 0x50;
    /* Cyrillic beyond Russian: capitals and small letters in pairs. */
    if (cp == 0x4c0)
        return 0x4cf;
    if (((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48a && cp <= 0x4bf) ||
         (cp >= 0x4d0 && cp <= 0x4ff)) &&
        cp % 2 == 0)
        return cp + 1;
    if (cp >= 0x4c1 && cp <= 0x4ce && cp % 2 == 1)
        return cp + 1;
    return cp;
}

/* The code point at s (its length in *n); a byte that begins no character is one of its own. */
static unsigned
decode(const unsigned char *s, size_t *n)
{
    unsigned c = s[0];
    size_t len = c < 0x80             ? 1
                 : (c & 0xe0) == 0xc0 ? 2
                 : (c & 0xf0) == 0xe0 ? 3
                 : (c & 0xf8) == 0xf0 ? 4
                                      : 0;
    if (len <= 1) {
        *n = 1;
        return c;
    }
    unsigned cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *n = 1;
            return c;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    *n = len;
    return cp;
}

/* Tokens of a text, folded, each a run of code points in one array. */
struct tokens {
    unsigned *cp;
    size_t n_cp;
    size_t *start; /* token i is cp[start[i] .. start[i + 1]) */
    size_t n;
    bool nomem;
};

static void
push(void **v, size_t *n, size_t size, const void *x, bool *nomem)
{
    void *slot = mem_grow(v, n, size);
    if (!slot) {
        *nomem = true;
        return;
    }
    memcpy(slot, x, size);
}

static void
tokenize(const char *text, struct tokens *t)
{
    memset(t, 0, sizeof *t);
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    bool in = false;
    while (*p && !t->nomem) {
        size_t len;
        unsigned cp = decode(p, &len);
        p += len;
        if (separator(cp)) {
            in = false;
            continue;
        }
        if (!in) {
            push((void **)&t->start, &t->n, sizeof *t->start, &t->n_cp, &t->nomem);
            in = true;
        }
        unsigned f = fold(cp);
        push((void **)&t->cp, &t->n_cp, sizeof *t->cp, &f, &t->nomem);
    }
    push((void **)&t->start, &t->n, sizeof *t->start, &t->n_cp, &t->nomem);
    t->n--; /* the last start is the end of the last token */
}

static void
tokens_free(struct tokens *t)
{
    free(t->cp);
    free(t->start);
}

static size_t
token_len(const struct tokens *t, size_t i)
{
    return t->start[i + 1] - t->start[i];
}

/*
 * The words typed: their tokens, which of them are prefixes (a word's last,
 * before a `*`), and where each word of several tokens begins (phrase[k]:
 * its number of tokens, 0 for the other tokens).
 */
struct query {
    struct tokens t;
    bool *prefix;
    bool *found;
    size_t *phrase;
    bool *phrase_found;
    bool nomem;
};

static void
query_parse(const char *search, struct query *q)
{
    memset(q, 0, sizeof *q);
    tokenize(search, &q->t);
    q->prefix = calloc(q->t.n ? q->t.n : 1, sizeof *q->prefix);
    q->found = calloc(q->t.n ? q->t.n : 1, sizeof *q->found);
    q->phrase = calloc(q->t.n ? q->t.n : 1, sizeof *q->phrase);
    q->phrase_found = calloc(q->t.n ? q->t.n : 1, sizeof *q->phrase_found);
    q->nomem = q->t.nomem || !q->prefix || !q->found || !q->phrase || !q->phrase_found;
    if (q->nomem)
        return;
    /*
     * Which token each word ending in `*` ends with, and where each word of
     * several tokens begins: the tokens of the text up to there.
     */
    const char *p = search;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        if (p > start) {
            char *upto = strndup(search, (size_t)(p - search));
            struct tokens before;
            char *word = strndup(start, (size_t)(p - start));
            struct tokens own;
            if (!upto || !word) {
                q->nomem = true;
            } else {
                tokenize(upto, &before);
                tokenize(word, &own);
                if (before.nomem || own.nomem)
                    q->nomem = true;
                else if (own.n && p[-1] == '*')
                    q->prefix[before.n - 1] = true;
                if (!q->nomem && own.n >= 2)
                    q->phrase[before.n - own.n] = own.n;
                tokens_free(&before);
                tokens_free(&own);
            }
            free(upto);
            free(word);
        }
    }
}

static void
query_free(struct query *q)
{
    tokens_free(&q->t);
    free(q->prefix);
    free(q->found);
    free(q->phrase);
    free(q->phrase_found);
}

/* Whether token i of t is token k of the query (or begins with it, for a prefix). */
static bool
token_is(const struct query *q, size_t k, const struct tokens *t, size_t i)
{
    size_t ql = token_len(&q->t, k), tl = token_len(t, i);
    return (q->prefix[k] ? tl >= ql : tl == ql) &&
           memcmp(&t->cp[t->start[i]], &q->t.cp[q->t.start[k]], ql * sizeof *q->t.cp) == 0;
}

/* Mark the tokens of the query, and the words of several tokens, that one field holds. */
static void
find_in(struct query *q, const char *text)
{
    struct tokens t;
    tokenize(text, &t);
    if (t.nomem)
        q->nomem = true;
    for (size_t k = 0; k < q->t.n && !t.nomem; k++) {
        for (size_t i = 0; i < t.n && !q->found[k]; i++)
            q->found[k] = token_is(q, k, &t, i);
        size_t n = q->phrase[k];
        for (size_t i = 0; n && i + n <= t.n && !q->phrase_found[k]; i++) {
            size_t j = 0;
            while (j < n && token_is(q, k + j, &t, i + j))
                j++;
            q->phrase_found[k] = j == n;
        }
    }
    tokens_free(&t);
}

bool
mem_search_matches(const struct mem_data *d, const struct mem_case *c, const struct mem_subject *s,
                   const char *search)
{
    struct query q;
    query_parse(search, &q);
    bool all = false;
    if (!q.nomem && q.t.n) {
        /* Each field apart: a phrase never crosses two. */
        if (s) {
            find_in(&q, s->ref);
            find_in(&q, s->surname);
            find_in(&q, s->forenames);
        }
        const struct mem_allegation *a = MEM_ROWS(d, MEM_ALLEGATIONS, struct mem_allegation);
        for (size_t i = 0; i < MEM_N(d, MEM_ALLEGATIONS); i++) {
            if (a[i].case_id != c->id)
                continue;
            find_in(&q, a[i].ref);
            find_in(&q, a[i].summary);
        }
        /* The linked references in force (schema 11), each a field. */
        const struct mem_link *ln = MEM_ROWS(d, MEM_LINKS, struct mem_link);
        for (size_t i = 0; i < MEM_N(d, MEM_LINKS); i++)
            if (ln[i].case_id == c->id && !ln[i].removed_by)
                find_in(&q, ln[i].ref);
        all = !q.nomem;
        for (size_t k = 0; k < q.t.n; k++)
            all = all && q.found[k] && (!q.phrase[k] || q.phrase_found[k]);
    }
    query_free(&q);
    return all;
}
