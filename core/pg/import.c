/*
 * The import on PostgreSQL (store.h: import_begin, import_row, import_end,
 * link_import), through the server's functions of sql/040-import.sql.
 *
 * import_begin takes the write lock, has the server open the import
 * (cr_import_begin: who may import, the imports row, the session's staging
 * table) and reads every reference the database holds (cr_import_refs,
 * with digests of the details: a row found alike in both its subject and
 * its allegation is known here, without a call).  A row whose subject and allegation references are
 * in none of them, nor met by a row answered the other way, is answered here: a new subject with
 * its new case, or one more allegation of a subject this import made (the
 * same details), numbered on from the highest ids as SQLite numbers them.
 * Such rows are kept as COPY text and sent to the staging table by COPY a
 * batch at a time (the connection is never left in COPY between calls, so
 * that the other methods core calls meanwhile, audit_append among them,
 * find it free); the server writes them set-wise (cr_import_flush).  Any
 * other row (an earlier import's subject or allegation, a repeated
 * allegation, a subject's details that differ: a conflict) is answered by
 * the server, row by row (cr_import_row), after what is staged is written.
 * import_end has the server settle the touched cases' figures
 * (cr_import_figures), computes their priorities by core's rule
 * (cr_priority), and has the server take those that changed, fill the
 * search documents once and move the identities on (cr_import_end), then
 * commits.  Memory: the references the database held, and a key per
 * subject this import made.
 */
#include "pg.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Byte strings -> int64, open addressing; keys copied. */
struct smap {
    char **keys;
    size_t *lens;
    int64_t *vals;
    size_t cap, n;
};

static uint64_t
smap_hash(const char *k, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 0x100000001b3u;
    return h ^ (h >> 31);
}

static size_t
smap_slot(const struct smap *m, const char *k, size_t n)
{
    size_t i = (size_t)smap_hash(k, n) & (m->cap - 1);
    while (m->keys[i] && !(m->lens[i] == n && memcmp(m->keys[i], k, n) == 0))
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* The value of key, or false. */
static bool
smap_get(const struct smap *m, const char *k, size_t n, int64_t *v)
{
    if (!m->cap)
        return false;
    size_t i = smap_slot(m, k, n);
    if (!m->keys[i])
        return false;
    if (v)
        *v = m->vals[i];
    return true;
}

/* Set key to v; false when out of memory. */
static bool
smap_put(struct smap *m, const char *k, size_t n, int64_t v)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1024;
        struct smap more = {calloc(cap, sizeof(char *)), malloc(cap * sizeof(size_t)),
                            malloc(cap * sizeof(int64_t)), cap, 0};
        if (!more.keys || !more.lens || !more.vals) {
            free(more.keys);
            free(more.lens);
            free(more.vals);
            return false;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = smap_slot(&more, m->keys[i], m->lens[i]);
                more.keys[j] = m->keys[i];
                more.lens[j] = m->lens[i];
                more.vals[j] = m->vals[i];
                more.n++;
            }
        free(m->keys);
        free(m->lens);
        free(m->vals);
        *m = more;
    }
    size_t i = smap_slot(m, k, n);
    if (!m->keys[i]) {
        if (!(m->keys[i] = malloc(n ? n : 1)))
            return false;
        memcpy(m->keys[i], k, n);
        m->lens[i] = n;
        m->n++;
    }
    m->vals[i] = v;
    return true;
}

static void
smap_free(struct smap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->lens);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* Send the COPY text held once it is this big. */
enum { COPY_BATCH = 4 << 20 };

struct pg_import {
    int64_t import_id;
    unsigned states;
    int64_t next_subject, next_case, next_allegation, next_link;
    /* "s" or "a" + ref: held by the database, or answered by the server in this import */
    struct smap server;
    /* subject ref -> index in subj (a subject this import made here) */
    struct smap subjects;
    struct smap allegations; /* allegation refs made here */
    struct smap links;       /* case id + ref of links made here */
    struct smap cases;       /* case ids made here */
    struct local_subject {
        int64_t id, case_id;
        char *key; /* its details as subject_key makes them */
        size_t key_len;
        int duty; /* its case's tally, for its row (stage_cases) */
        int n, n_sexual;
        char latest[16];
    } * subj;
    size_t n_subj, cap_subj;
    size_t *unstaged; /* the subjects whose case's row is not staged yet */
    size_t n_unstaged;
    struct cr_buf copy; /* COPY text not yet sent */
    bool staged;        /* rows sent, not yet written (cr_import_flush) */
    struct cr_buf key;  /* scratch */
    /*
     * What the database held before: subject ref -> index in held_s,
     * allegation ref -> index in held_a, with the digests of their details
     * (cr_import_digest).  A row found alike in both is known, here.
     */
    struct smap held_subjects, held_allegations;
    struct held_subject {
        int64_t id;
        unsigned char digest[32];
        char *vetting;
        bool changed; /* answered by the server in this import: it may differ now */
    } * held_s;
    struct held_allegation {
        int64_t case_id, subject_id;
        unsigned char digest[32];
        bool usable; /* not an erased case's */
    } * held_a;
    size_t n_held_s, n_held_a;
    char *before[CR_SUBJECT_DETAILS]; /* the last update's details as they were */
};

static void
import_free(struct pg_import *q)
{
    if (!q)
        return;
    smap_free(&q->server);
    smap_free(&q->subjects);
    smap_free(&q->allegations);
    smap_free(&q->links);
    smap_free(&q->cases);
    smap_free(&q->held_subjects);
    smap_free(&q->held_allegations);
    for (size_t i = 0; i < q->n_held_s; i++)
        free(q->held_s[i].vetting);
    free(q->held_s);
    free(q->held_a);
    for (size_t i = 0; i < q->n_subj; i++)
        free(q->subj[i].key);
    free(q->subj);
    free(q->unstaged);
    cr_buf_free(&q->copy);
    cr_buf_free(&q->key);
    for (size_t i = 0; i < CR_SUBJECT_DETAILS; i++)
        free(q->before[i]);
    free(q);
}

/* A key of a kind letter and a string. */
static const char *
kind_key(struct cr_buf *b, char kind, const char *s, size_t *n)
{
    cr_buf_reset(b);
    cr_buf_addc(b, kind);
    cr_buf_add(b, s, strlen(s));
    *n = b->len;
    return b->p;
}

/* A string, or its absence, as a part of a key. */
static void
key_add(struct cr_buf *b, const char *v)
{
    size_t n = v ? strlen(v) : SIZE_MAX;
    cr_buf_add(b, (const char *)&n, sizeof n);
    if (v)
        cr_buf_add(b, v, n);
}

/* A row's subject details as bytes (what the import compares). */
static void
subject_key(struct cr_buf *b, const struct cr_import_row *r)
{
    cr_buf_reset(b);
    const char *v[] = {r->surname,
                       r->forenames,
                       r->rank,
                       r->unit,
                       cr_employment_name(r->employment),
                       cr_duty_name(r->duty),
                       r->has_vetting ? cr_vetting_name(r->vetting) : "-"};
    for (size_t i = 0; i < CR_ARRAY_LEN(v); i++)
        key_add(b, v[i]);
}

/* SHA-256 of texts as cr_import_digest (sql/040-import.sql) makes it. */
static bool
digest(struct cr_buf *b, const char *const *v, size_t n, unsigned char out[32])
{
    cr_buf_reset(b);
    for (size_t i = 0; i < n; i++)
        cr_buf_addf(b, "%zu:%s;", strlen(v[i]), v[i]);
    if (!b->p)
        return false;
    crypto_hash_sha256(out, (const unsigned char *)b->p, b->len);
    return true;
}

/*
 * Whether the row is one the database held before, alike (its subject's
 * details, its allegation's, and the allegation the subject's): known,
 * its case in *case_id.  Not for a subject the server answered in this
 * import, nor an erased case's allegation.
 */
static bool
held_alike(struct pg_import *q, const struct cr_import_row *row, int64_t *case_id)
{
    int64_t si, ai;
    if (!smap_get(&q->held_subjects, row->subject_ref, strlen(row->subject_ref), &si) ||
        !smap_get(&q->held_allegations, row->allegation_ref, strlen(row->allegation_ref), &ai))
        return false;
    const struct held_subject *s = &q->held_s[si];
    const struct held_allegation *a = &q->held_a[ai];
    if (s->changed || !a->usable || a->subject_id != s->id)
        return false;
    if (row->has_vetting) {
        const char *v = cr_vetting_name(row->vetting);
        if ((v && *v) ? !s->vetting || strcmp(s->vetting, v) != 0 : s->vetting != NULL)
            return false;
    }
    unsigned char d[32];
    const char *sv[] = {row->surname, row->forenames, cr_employment_name(row->employment),
                        row->rank,    row->unit,      cr_duty_name(row->duty)};
    if (!digest(&q->key, sv, CR_ARRAY_LEN(sv), d) || memcmp(d, s->digest, sizeof d) != 0)
        return false;
    const char *av[] = {cr_category_name(row->category), row->date, cr_source_name(row->source),
                        row->original_outcome, row->summary};
    if (!digest(&q->key, av, CR_ARRAY_LEN(av), d) || memcmp(d, a->digest, sizeof d) != 0)
        return false;
    *case_id = a->case_id;
    return true;
}

/* One COPY text field: NULL as \N, the text escaped. */
static void
copy_field(struct cr_buf *b, const char *v, bool last)
{
    if (!v) {
        cr_buf_add(b, "\\N", 2);
    } else {
        const char *run = v;
        for (const char *c = v;; c++) {
            char e = *c == '\\' ? '\\' : *c == '\t' ? 't' : *c == '\n' ? 'n' : *c == '\r' ? 'r' : 0;
            if (!e && *c)
                continue;
            cr_buf_add(b, run, (size_t)(c - run));
            if (!*c)
                break;
            cr_buf_addc(b, '\\');
            cr_buf_addc(b, e);
            run = c + 1;
        }
    }
    cr_buf_addc(b, last ? '\n' : '\t');
}

static void
copy_int(struct cr_buf *b, int64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)v);
    copy_field(b, t, false);
}

/*
 * A staged row: kind, id, line, ref, subject_id, case_id, then the
 * stage's text columns (NULL past those given), then a case's figures
 * (fig: n, n_sexual, priority; NULL: none).
 */
static void
stage(struct pg_import *q, const char *kind, int64_t id, long line, const char *ref,
      int64_t subject_id, int64_t case_id, const char *const *text, size_t ntext,
      const int64_t *fig)
{
    struct cr_buf *b = &q->copy;
    copy_field(b, kind, false);
    copy_int(b, id);
    copy_int(b, line);
    copy_field(b, ref, false);
    if (subject_id)
        copy_int(b, subject_id);
    else
        copy_field(b, NULL, false);
    if (case_id)
        copy_int(b, case_id);
    else
        copy_field(b, NULL, false);
    enum { NTEXT = 14 };
    for (size_t i = 0; i < NTEXT; i++)
        copy_field(b, i < ntext ? text[i] : NULL, false);
    /* A case's figures: n, n_sexual, priority. */
    for (size_t i = 0; i < 3; i++)
        if (fig)
            copy_int(b, fig[i]);
        else
            copy_field(b, NULL, false);
    b->p[b->len - 1] = '\n';
}

/* Send the COPY text held, in one COPY. */
static enum cr_status
copy_send(cr_db *db)
{
    struct pg_import *q = pg(db)->imp;
    if (!q->copy.len)
        return CR_OK;
    if (!q->copy.p)
        return cr_fail(db, CR_NOMEM, "out of memory");
    PGconn *c = pg(db)->conn;
    PGresult *r = PQexec(c, "COPY pg_temp.cr_import_stage FROM STDIN");
    if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
        enum cr_status st = pg_fail(db, r, "import rows");
        PQclear(r);
        return st;
    }
    PQclear(r);
    bool ok = PQputCopyData(c, q->copy.p, (int)q->copy.len) == 1;
    ok = PQputCopyEnd(c, ok ? NULL : "the rows could not be sent") == 1 && ok;
    enum cr_status st = CR_OK;
    while ((r = PQgetResult(c))) {
        if (st == CR_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            st = pg_fail(db, r, "import rows");
        PQclear(r);
    }
    if (st == CR_OK && !ok)
        st = pg_fail(db, NULL, "import rows");
    cr_buf_reset(&q->copy);
    q->staged = true;
    return st;
}

/*
 * The rows of the cases made here since the last flush, with their figures
 * as tallied so far and the priority core's rule gives them (cr_priority);
 * a case that takes more allegations after has its figures settled at the
 * end (cr_import_figures).
 */
static void
stage_cases(struct pg_import *q)
{
    for (size_t i = 0; i < q->n_unstaged; i++) {
        const struct local_subject *s = &q->subj[q->unstaged[i]];
        int64_t fig[3] = {s->n, s->n_sexual, cr_priority(s->duty, s->n, s->n_sexual, s->latest)};
        const char *t[] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, s->latest};
        stage(q, "c", s->case_id, 0, NULL, s->id, 0, t, CR_ARRAY_LEN(t), fig);
    }
    q->n_unstaged = 0;
}

/* Everything staged written: before the server answers a row, and at the end. */
static enum cr_status
flush(cr_db *db)
{
    struct pg_import *q = pg(db)->imp;
    stage_cases(q);
    enum cr_status st = copy_send(db);
    if (st != CR_OK || !q->staged)
        return st;
    q->staged = false;
    return pg_exec(db, "import rows", "SELECT casereview.cr_import_flush()", NULL);
}

static enum cr_status
maybe_send(cr_db *db)
{
    return pg(db)->imp->copy.len >= COPY_BATCH ? copy_send(db) : CR_OK;
}

enum cr_status
pg_import_begin(cr_db *db, const char *label, unsigned new_case_states, int64_t *import_id)
{
    assert(db && label && import_id);
    struct pg_db *p = pg(db);
    if (p->imp)
        return cr_fail(db, CR_DB, "%s: import: one is under way", p->label);
    struct pg_import *q = calloc(1, sizeof *q);
    if (!q)
        return cr_fail(db, CR_NOMEM, "out of memory");
    enum cr_status st = pg_begin(db);
    if (st != CR_OK) {
        free(q);
        return st;
    }
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_text(&a, label);
    pg_arg_int(&a, new_case_states);
    PGresult *r = pg_query(db, "begin import",
                           "SELECT * FROM casereview.cr_import_begin($1, $2::integer)", &a, &st);
    pg_args_free(&a);
    if (r && PQntuples(r) == 1) {
        q->import_id = pg_int(r, 0, 0);
        q->next_subject = pg_int(r, 0, 1);
        q->next_case = pg_int(r, 0, 2);
        q->next_allegation = pg_int(r, 0, 3);
        q->next_link = pg_int(r, 0, 4);
    } else if (r) {
        st = cr_fail(db, CR_DB, "%s: begin import: no import", p->label);
    }
    PQclear(r);
    q->states = new_case_states;
    r = st == CR_OK ? pg_query(db, "begin import",
                               "SELECT kind, ref, id, owner, digest, vetting "
                               "FROM casereview.cr_import_refs()",
                               NULL, &st)
                    : NULL;
    int rows = r ? PQntuples(r) : 0;
    if (rows && (!(q->held_s = calloc((size_t)rows, sizeof *q->held_s)) ||
                 !(q->held_a = calloc((size_t)rows, sizeof *q->held_a))))
        st = cr_fail(db, CR_NOMEM, "out of memory");
    for (int i = 0; r && st == CR_OK && i < rows; i++) {
        char kind = PQgetvalue(r, i, 0)[0];
        const char *ref = PQgetvalue(r, i, 1);
        size_t n;
        const char *k = kind_key(&q->key, kind, ref, &n);
        bool ok = k && smap_put(&q->server, k, n, 1);
        const char *digest = pg_text(r, i, 4);
        if (kind == 's') {
            struct held_subject *h = &q->held_s[q->n_held_s];
            h->id = pg_int(r, i, 2);
            ok = ok && cr_unhex(digest ? digest : "", h->digest, sizeof h->digest) &&
                 (pg_null(r, i, 5) || (h->vetting = strdup(pg_text(r, i, 5)))) &&
                 smap_put(&q->held_subjects, ref, strlen(ref), (int64_t)q->n_held_s++);
        } else {
            struct held_allegation *h = &q->held_a[q->n_held_a];
            h->case_id = pg_int(r, i, 2);
            h->subject_id = pg_int(r, i, 3);
            h->usable = digest && cr_unhex(digest, h->digest, sizeof h->digest);
            ok = ok && smap_put(&q->held_allegations, ref, strlen(ref), (int64_t)q->n_held_a++);
        }
        if (!ok)
            st = cr_fail(db, CR_NOMEM, "out of memory");
    }
    PQclear(r);
    if (st != CR_OK) {
        pg_rollback(db);
        import_free(q);
        return st;
    }
    p->imp = q;
    *import_id = q->import_id;
    return CR_OK;
}

static int
column_of(const char *name)
{
    for (int c = 0; name && c < CR_COL_COUNT; c++)
        if (strcmp(cr_column_names[c], name) == 0)
            return c;
    return CR_COL_SUBJECT_REF;
}

/* The row answered by the server (cr_import_row). */
static enum cr_status
server_row(cr_db *db, const struct cr_import_row *row, long line, struct cr_import_result *res,
           enum cr_row_outcome *outcome, struct cr_conflict *conflict, struct cr_row_case *added,
           struct cr_subject_update *update)
{
    struct pg_import *q = pg(db)->imp;
    enum cr_status st = flush(db);
    if (st != CR_OK)
        return st;
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, line);
    pg_arg_text(&a, row->subject_ref);
    pg_arg_text(&a, row->surname);
    pg_arg_text(&a, row->forenames);
    pg_arg_text(&a, cr_employment_name(row->employment));
    pg_arg_text(&a, row->rank);
    pg_arg_text(&a, row->unit);
    pg_arg_text(&a, cr_duty_name(row->duty));
    pg_arg_text(&a, cr_vetting_name(row->vetting));
    pg_arg_text(&a, row->has_vetting ? "true" : "false");
    pg_arg_text(&a, row->allegation_ref);
    pg_arg_text(&a, cr_category_name(row->category));
    pg_arg_text(&a, row->date);
    pg_arg_text(&a, cr_source_name(row->source));
    pg_arg_text(&a, row->original_outcome);
    pg_arg_text(&a, row->summary);
    pg_arg_int(&a, q->next_subject);
    pg_arg_int(&a, q->next_case);
    pg_arg_int(&a, q->next_allegation);
    PGresult *r = pg_query(db, "import row",
                           "SELECT * FROM casereview.cr_import_row($1, $2, $3, $4, $5, $6, $7, "
                           "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
                           &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return cr_fail(db, CR_DB, "%s: import row: no answer", pg(db)->label);
    }
    size_t n;
    int64_t held;
    if (smap_get(&q->held_subjects, row->subject_ref, strlen(row->subject_ref), &held))
        q->held_s[held].changed = true;
    const char *k = kind_key(&q->key, 's', row->subject_ref, &n);
    bool nomem = !smap_put(&q->server, k, n, 1);
    k = kind_key(&q->key, 'a', row->allegation_ref, &n);
    nomem |= !smap_put(&q->server, k, n, 1);
    const char *oc = pg_text(r, 0, 0);
    if (PQgetvalue(r, 0, 6)[0] == 't') {
        q->next_subject++;
        res->new_subjects++;
    }
    if (PQgetvalue(r, 0, 7)[0] == 't') {
        q->next_case++;
        res->new_cases++;
    }
    if (PQgetvalue(r, 0, 8)[0] == 't')
        res->reopened_cases++;
    if (PQgetvalue(r, 0, 9)[0] == 't')
        res->added_to_open++;
    if (PQgetvalue(r, 0, 10)[0] == 't') {
        res->updated_subjects++;
        update->updated = true;
        update->case_id = pg_int(r, 0, 11);
        update->state = pg_null(r, 0, 12) ? -1 : cr_state_parse(pg_text(r, 0, 12));
        for (int i = 0; i < CR_SUBJECT_DETAILS; i++) {
            const char *v = pg_text(r, 0, 13 + i);
            if (v && !(q->before[i] = strdup(v)))
                nomem = true;
            update->before[i] = q->before[i];
        }
    }
    if (strcmp(oc, "erased") == 0) {
        *outcome = CR_ROW_KNOWN;
        res->erased_allegations++;
    } else if (strcmp(oc, "known") == 0) {
        *outcome = CR_ROW_KNOWN;
        res->known_allegations++;
        added->id = pg_int(r, 0, 4);
    } else if (strcmp(oc, "conflict") == 0) {
        *outcome = CR_ROW_CONFLICT;
        conflict->column = column_of(pg_text(r, 0, 1));
        conflict->other_line = (long)pg_int(r, 0, 2);
        conflict->other_case = pg_int(r, 0, 3);
    } else {
        *outcome = CR_ROW_ADDED;
        q->next_allegation++;
        res->new_allegations++;
        added->id = pg_int(r, 0, 4);
        added->state = cr_state_parse(pg_text(r, 0, 5));
    }
    PQclear(r);
    return nomem ? cr_fail(db, CR_NOMEM, "out of memory") : CR_OK;
}

enum cr_status
pg_import_row(cr_db *db, const struct cr_import_row *row, long line, struct cr_import_result *res,
              enum cr_row_outcome *outcome, struct cr_conflict *conflict, struct cr_row_case *added,
              struct cr_subject_update *update)
{
    assert(db && row && res && outcome && conflict && added && update && pg(db)->imp);
    struct pg_import *q = pg(db)->imp;
    memset(conflict, 0, sizeof *conflict);
    memset(update, 0, sizeof *update);
    update->state = -1;
    added->id = 0;
    added->state = -1;
    for (size_t i = 0; i < CR_SUBJECT_DETAILS; i++) {
        free(q->before[i]);
        q->before[i] = NULL;
    }
    int64_t known_case;
    if (held_alike(q, row, &known_case)) {
        *outcome = CR_ROW_KNOWN;
        res->known_allegations++;
        added->id = known_case;
        return CR_OK;
    }
    size_t n;
    const char *k = kind_key(&q->key, 's', row->subject_ref, &n);
    bool server = smap_get(&q->server, k, n, NULL);
    k = kind_key(&q->key, 'a', row->allegation_ref, &n);
    server = server || smap_get(&q->server, k, n, NULL) ||
             smap_get(&q->allegations, row->allegation_ref, strlen(row->allegation_ref), NULL) ||
             (q->states & (1u << CR_STATE_FLAGGED));
    int64_t at = -1;
    if (!server && smap_get(&q->subjects, row->subject_ref, strlen(row->subject_ref), &at)) {
        /* A subject this import made: the same details, or the server says where they differ. */
        subject_key(&q->key, row);
        server =
            q->key.len != q->subj[at].key_len || memcmp(q->key.p, q->subj[at].key, q->key.len) != 0;
    }
    if (server)
        return server_row(db, row, line, res, outcome, conflict, added, update);

    int64_t case_id;
    if (at < 0) {
        /* A new subject and its new case. */
        if (q->n_subj == q->cap_subj) {
            size_t cap = q->cap_subj ? 2 * q->cap_subj : 1024;
            void *more = realloc(q->subj, cap * sizeof *q->subj);
            if (!more)
                return cr_fail(db, CR_NOMEM, "out of memory");
            q->subj = more;
            more = realloc(q->unstaged, cap * sizeof *q->unstaged);
            if (!more)
                return cr_fail(db, CR_NOMEM, "out of memory");
            q->unstaged = more;
            q->cap_subj = cap;
        }
        int64_t subject_id = q->next_subject++;
        case_id = q->next_case++;
        subject_key(&q->key, row);
        q->subj[q->n_subj].id = subject_id;
        q->subj[q->n_subj].case_id = case_id;
        q->subj[q->n_subj].duty = row->duty;
        q->subj[q->n_subj].n = q->subj[q->n_subj].n_sexual = 0;
        q->subj[q->n_subj].latest[0] = '\0';
        q->unstaged[q->n_unstaged++] = q->n_subj;
        q->subj[q->n_subj].key_len = q->key.len;
        if (!(q->subj[q->n_subj].key = malloc(q->key.len ? q->key.len : 1)))
            return cr_fail(db, CR_NOMEM, "out of memory");
        memcpy(q->subj[q->n_subj].key, q->key.p, q->key.len);
        char cid[24];
        snprintf(cid, sizeof cid, "%lld", (long long)case_id);
        if (!smap_put(&q->subjects, row->subject_ref, strlen(row->subject_ref),
                      (int64_t)q->n_subj++) ||
            !smap_put(&q->cases, cid, strlen(cid), 1))
            return cr_fail(db, CR_NOMEM, "out of memory");
        const char *t[] = {
            row->surname, row->forenames,          cr_employment_name(row->employment), row->rank,
            row->unit,    cr_duty_name(row->duty), cr_vetting_name(row->vetting)};
        stage(q, "s", subject_id, line, row->subject_ref, 0, 0, t, CR_ARRAY_LEN(t), NULL);
        at = (int64_t)q->n_subj - 1;
        res->new_subjects++;
        res->new_cases++;
    }
    case_id = q->subj[at].case_id;
    /* Its case's tally (a date is YYYY-MM-DD: the latest is the greatest). */
    q->subj[at].n++;
    q->subj[at].n_sexual += row->category == CR_CATEGORY_SEXUAL_OFFENCE;
    if (strcmp(row->date, q->subj[at].latest) > 0)
        snprintf(q->subj[at].latest, sizeof q->subj[at].latest, "%s", row->date);
    const char *t[] = {NULL,
                       NULL,
                       NULL,
                       NULL,
                       NULL,
                       NULL,
                       NULL,
                       cr_category_name(row->category),
                       row->date,
                       cr_source_name(row->source),
                       row->original_outcome,
                       row->summary};
    stage(q, "a", q->next_allegation++, line, row->allegation_ref, 0, case_id, t, CR_ARRAY_LEN(t),
          NULL);
    if (!smap_put(&q->allegations, row->allegation_ref, strlen(row->allegation_ref), case_id))
        return cr_fail(db, CR_NOMEM, "out of memory");
    res->new_allegations++;
    *outcome = CR_ROW_ADDED;
    added->id = case_id;
    added->state = CR_STATE_FLAGGED;
    return maybe_send(db);
}

enum cr_status
pg_link_import(cr_db *db, int64_t case_id, long line, int kind, const char *ref, const char *status,
               bool *added)
{
    assert(db && ref && status && added);
    struct pg_import *q = pg(db)->imp;
    *added = false;
    if (!q)
        return cr_fail(db, CR_DB, "%s: import linked reference: no import under way",
                       pg(db)->label);
    char cid[24];
    snprintf(cid, sizeof cid, "%lld", (long long)case_id);
    if (smap_get(&q->cases, cid, strlen(cid), NULL)) {
        /* A case made here: only this import's links are its. */
        cr_buf_reset(&q->key);
        cr_buf_add(&q->key, cid, strlen(cid) + 1);
        cr_buf_add(&q->key, ref, strlen(ref));
        if (!q->key.p)
            return cr_fail(db, CR_NOMEM, "out of memory");
        if (smap_get(&q->links, q->key.p, q->key.len, NULL))
            return CR_OK;
        if (!smap_put(&q->links, q->key.p, q->key.len, 1))
            return cr_fail(db, CR_NOMEM, "out of memory");
        const char *t[] = {NULL,
                           NULL,
                           NULL,
                           NULL,
                           NULL,
                           NULL,
                           NULL,
                           NULL,
                           NULL,
                           NULL,
                           NULL,
                           NULL,
                           cr_link_kind_name(kind),
                           status};
        stage(q, "l", q->next_link++, line, ref, 0, case_id, t, CR_ARRAY_LEN(t), NULL);
        *added = true;
        return maybe_send(db);
    }
    enum cr_status st = flush(db);
    if (st != CR_OK)
        return st;
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, case_id);
    pg_arg_int(&a, line);
    pg_arg_text(&a, cr_link_kind_name(kind));
    pg_arg_text(&a, ref);
    pg_arg_text(&a, status);
    pg_arg_int(&a, q->next_link);
    PGresult *r = pg_query(db, "import linked reference",
                           "SELECT casereview.cr_import_link($1, $2, $3, $4, $5, $6)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    *added = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    if (*added)
        q->next_link++;
    PQclear(r);
    return CR_OK;
}

/*
 * The touched cases' figures settled by the server (cr_import_figures),
 * their priorities by core's rule here, those that changed sent back with
 * the import's counts (cr_import_end).
 */
static enum cr_status
settle(cr_db *db, const struct cr_import_result *res)
{
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "import cases",
                           "SELECT id, duty, n, n_sexual, latest, priority "
                           "FROM casereview.cr_import_figures()",
                           NULL, &st);
    if (!r)
        return st;
    int rows = PQntuples(r);
    int64_t *ids = malloc(((size_t)rows + 1) * sizeof *ids);
    int64_t *prio = malloc(((size_t)rows + 1) * sizeof *prio);
    size_t n = 0;
    for (int i = 0; ids && prio && i < rows; i++) {
        const char *duty = pg_text(r, i, 1);
        int64_t p = cr_priority(duty ? cr_duty_parse(duty) : -1, (int)pg_int(r, i, 2),
                                (int)pg_int(r, i, 3), pg_text(r, i, 4));
        if (p != pg_int(r, i, 5)) {
            ids[n] = pg_int(r, i, 0);
            prio[n++] = p;
        }
    }
    PQclear(r);
    if (!ids || !prio) {
        free(ids);
        free(prio);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, res->rows);
    pg_arg_int(&a, res->new_allegations);
    pg_arg_int(&a, res->new_cases);
    pg_arg_ints(&a, ids, n);
    pg_arg_ints(&a, prio, n);
    st = pg_exec(db, "record import",
                 "SELECT casereview.cr_import_end($1::bigint, $2::bigint, $3::bigint, "
                 "$4::bigint[], $5::bigint[])",
                 &a);
    pg_args_free(&a);
    free(ids);
    free(prio);
    return st;
}

enum cr_status
pg_import_end(cr_db *db, const struct cr_import_result *res, bool commit)
{
    struct pg_db *p = pg(db);
    struct pg_import *q = p->imp;
    enum cr_status st = CR_OK;
    if (commit && q) {
        st = flush(db);
        if (st == CR_OK)
            st = settle(db, res);
        if (st == CR_OK)
            st = pg_commit(db);
    }
    if (!commit || st != CR_OK)
        pg_rollback(db);
    import_free(q);
    p->imp = NULL;
    return st;
}
