/*
 * An RFC 4180 reader: quoted fields may hold commas, doubled quotes and
 * line breaks; records end in LF or CRLF; a UTF-8 byte-order mark at the
 * start is skipped; wholly empty lines are skipped.  A line break inside a
 * quoted field is stored as LF whatever the file used, so that the same
 * data imports the same way from either kind of file.
 *
 * It reads in blocks and keeps one record in memory, so memory stays flat
 * whatever the size of the input (reading ahead, below, keeps a few
 * batches of records: a few MiB).
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void
cr_csv_init(struct cr_csv *r, FILE *in)
{
    memset(r, 0, sizeof *r);
    r->in = in;
    r->line = 1;
}

void
cr_csv_free(struct cr_csv *r)
{
    cr_buf_free(&r->rec);
    free(r->fields);
    r->fields = NULL;
}

/* The next byte, or EOF; -2 on a read error. */
static int
peek(struct cr_csv *r)
{
    if (r->ipos == r->ilen) {
        if (r->eof)
            return EOF;
        r->ilen = fread(r->ibuf, 1, sizeof r->ibuf, r->in);
        r->ipos = 0;
        if (r->ilen == 0) {
            r->eof = true;
            return ferror(r->in) ? -2 : EOF;
        }
    }
    return (unsigned char)r->ibuf[r->ipos];
}

static int
get(struct cr_csv *r)
{
    int c = peek(r);
    if (c >= 0) {
        r->ipos++;
        if (c == '\n')
            r->line++;
    }
    return c;
}

static enum cr_csv_next
fail(struct cr_csv *r, const char *reason)
{
    r->err_line = r->line;
    r->err_field = r->nfields ? r->nfields - 1 : 0;
    r->err_reason = reason;
    /* Resynchronise at the start of the next physical line. */
    for (;;) {
        int c = get(r);
        if (c == '\n' || c == EOF)
            return CR_CSV_ERROR;
        if (c == -2)
            return CR_CSV_FATAL;
    }
}

/*
 * Add the run of plain bytes at the read position to the field in one go:
 * up to a quote or a line break, or a comma outside quotes, or the end of
 * the block.  The byte-at-a-time loops below then see only the others.
 */
static int
add_run(struct cr_csv *r, bool quoted)
{
    size_t i = r->ipos;
    while (i < r->ilen) {
        char c = r->ibuf[i];
        if (c == '"' || c == '\n' || c == '\r' || (c == ',' && !quoted))
            break;
        i++;
    }
    int rc = cr_buf_add(&r->rec, r->ibuf + r->ipos, i - r->ipos);
    r->ipos = i;
    return rc;
}

static int
start_field(struct cr_csv *r)
{
    if (r->nfields == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct cr_csv_field *f = realloc(r->fields, cap * sizeof *f);
        if (!f)
            return -1;
        r->fields = f;
        r->cap = cap;
    }
    r->fields[r->nfields++] = (struct cr_csv_field){.off = r->rec.len, .line = r->line};
    return 0;
}

static int
end_field(struct cr_csv *r)
{
    struct cr_csv_field *f = &r->fields[r->nfields - 1];
    f->len = r->rec.len - f->off;
    return cr_buf_addc(&r->rec, '\0');
}

enum cr_csv_next
cr_csv_next(struct cr_csv *r)
{
    cr_buf_reset(&r->rec);
    r->nfields = 0;

    if (!r->started) {
        r->started = true;
        static const char bom[] = "\xEF\xBB\xBF";
        if (peek(r) == 0xEF) {
            /* The buffer holds at least the first block; a BOM fits in it. */
            if (r->ilen - r->ipos >= 3 && memcmp(r->ibuf + r->ipos, bom, 3) == 0)
                r->ipos += 3;
        }
    }

    /* Skip empty lines. */
    for (;;) {
        int c = peek(r);
        if (c == EOF)
            return CR_CSV_EOF;
        if (c == -2)
            goto read_error;
        if (c == '\n') {
            get(r);
            continue;
        }
        if (c == '\r') {
            get(r);
            if (peek(r) == '\n') {
                get(r);
                continue;
            }
            r->record_line = r->line;
            if (start_field(r) < 0)
                return CR_CSV_NOMEM;
            return fail(r, "carriage return outside quotes");
        }
        break;
    }
    r->record_line = r->line;

    for (;;) {
        if (start_field(r) < 0)
            return CR_CSV_NOMEM;
        int c = peek(r);
        if (c == '"') {
            get(r);
            for (;;) {
                if (add_run(r, true) < 0)
                    return CR_CSV_NOMEM;
                if (r->rec.len - r->fields[r->nfields - 1].off > CR_CSV_MAX_FIELD)
                    return fail(r, "field is longer than 1 MiB");
                c = get(r);
                if (c == EOF) {
                    r->err_line = r->fields[r->nfields - 1].line;
                    r->err_field = r->nfields - 1;
                    r->err_reason = "quoted field is never closed";
                    return CR_CSV_FATAL;
                }
                if (c == -2)
                    goto read_error;
                if (c == '"') {
                    if (peek(r) != '"')
                        break;
                    get(r);
                } else if (c == '\r' && peek(r) == '\n') {
                    continue; /* the LF follows */
                }
                if (cr_buf_addc(&r->rec, (char)c) < 0)
                    return CR_CSV_NOMEM;
                if (r->rec.len - r->fields[r->nfields - 1].off > CR_CSV_MAX_FIELD)
                    return fail(r, "field is longer than 1 MiB");
            }
            c = get(r);
            if (c == '\r' && peek(r) == '\n')
                c = get(r);
            if (c == ',') {
                if (end_field(r) < 0)
                    return CR_CSV_NOMEM;
                continue;
            }
            if (c == '\n' || c == EOF)
                break;
            if (c == -2)
                goto read_error;
            return fail(r, "unexpected character after a closing quote (a quote inside a "
                           "quoted field must be doubled)");
        }
        for (;;) {
            if (add_run(r, false) < 0)
                return CR_CSV_NOMEM;
            if (r->rec.len - r->fields[r->nfields - 1].off > CR_CSV_MAX_FIELD)
                return fail(r, "field is longer than 1 MiB");
            c = get(r);
            if (c == ',' || c == '\n' || c == EOF)
                break;
            if (c == -2)
                goto read_error;
            if (c == '\r') {
                if (peek(r) == '\n')
                    continue;
                return fail(r, "carriage return outside quotes");
            }
            if (c == '"')
                return fail(r, "quote inside an unquoted field (quote the whole field and "
                               "double the quote)");
            if (cr_buf_addc(&r->rec, (char)c) < 0)
                return CR_CSV_NOMEM;
            if (r->rec.len - r->fields[r->nfields - 1].off > CR_CSV_MAX_FIELD)
                return fail(r, "field is longer than 1 MiB");
        }
        if (end_field(r) < 0)
            return CR_CSV_NOMEM;
        if (c != ',')
            return CR_CSV_RECORD;
    }
    if (end_field(r) < 0)
        return CR_CSV_NOMEM;
    return CR_CSV_RECORD;

read_error:
    r->err_line = r->line;
    r->err_field = r->nfields ? r->nfields - 1 : 0;
    r->err_reason = "read error";
    return CR_CSV_FATAL;
}

/*
 * Reading ahead: a thread of its own parses the file's records into
 * batches while the caller stores the ones before (the two cores of a
 * small server both at work: parsing was a fifth of a re-import's time).
 * The ring holds AHEAD_SLOTS batches of up to AHEAD_RECORDS records, each
 * ending once past AHEAD_BYTES, so its memory stays flat whatever the
 * size of the input (about 4 x 5 MiB at most).  Should the
 * thread not start, the caller fills each batch itself, as it needs it.
 */
enum { AHEAD_SLOTS = 4, AHEAD_RECORDS = 1024, AHEAD_BYTES = 4 << 20 };

/* One record as cr_csv_next left it. */
struct ahead_record {
    enum cr_csv_next rc;
    long record_line, err_line;
    size_t err_field;
    const char *err_reason;
    size_t off, nfields, first_field; /* into the batch's bytes and fields */
};

struct ahead_batch {
    struct cr_buf bytes;
    struct cr_csv_field *fields;
    size_t n_fields, cap_fields;
    struct ahead_record rec[AHEAD_RECORDS];
    size_t n;  /* records in it */
    bool last; /* the reading ends with its last record */
};

struct cr_csv_ahead {
    struct cr_csv csv; /* the reader's, owned by the thread while it runs */
    struct ahead_batch slot[AHEAD_SLOTS];
    size_t head, tail, count; /* filled at head, taken at tail */
    size_t at;                /* the next record of slot[tail] */
    bool spent;               /* slot[tail]'s last record was given out: free it at the next */
    bool stop, done, threaded;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* Parse the next records into b; out of memory, its last record says so. */
static void
ahead_fill(struct cr_csv *r, struct ahead_batch *b)
{
    cr_buf_reset(&b->bytes);
    b->n = b->n_fields = 0;
    b->last = false;
    /* A batch ends at AHEAD_RECORDS records or past AHEAD_BYTES (fields of up to 1 MiB each). */
    while (b->n < AHEAD_RECORDS && b->bytes.len < AHEAD_BYTES && !b->last) {
        struct ahead_record *a = &b->rec[b->n++];
        a->rc = cr_csv_next(r);
        a->record_line = r->record_line;
        a->err_line = r->err_line;
        a->err_field = r->err_field;
        a->err_reason = r->err_reason;
        a->off = b->bytes.len;
        a->first_field = b->n_fields;
        a->nfields = 0;
        if (a->rc == CR_CSV_RECORD) {
            if (b->n_fields + r->nfields > b->cap_fields) {
                size_t cap = b->cap_fields ? b->cap_fields : 16 * AHEAD_RECORDS;
                while (cap < b->n_fields + r->nfields)
                    cap *= 2;
                struct cr_csv_field *f = realloc(b->fields, cap * sizeof *f);
                if (!f) {
                    a->rc = CR_CSV_NOMEM;
                    b->last = true;
                    break;
                }
                b->fields = f;
                b->cap_fields = cap;
            }
            if (cr_buf_add(&b->bytes, r->rec.p ? r->rec.p : "", r->rec.len) < 0) {
                a->rc = CR_CSV_NOMEM;
                b->last = true;
                break;
            }
            memcpy(b->fields + b->n_fields, r->fields, r->nfields * sizeof *r->fields);
            a->nfields = r->nfields;
            b->n_fields += r->nfields;
        }
        if (a->rc == CR_CSV_EOF || a->rc == CR_CSV_FATAL || a->rc == CR_CSV_NOMEM)
            b->last = true;
    }
}

static void *
ahead_run(void *arg)
{
    struct cr_csv_ahead *ra = arg;
    for (;;) {
        pthread_mutex_lock(&ra->mu);
        while (ra->count == AHEAD_SLOTS && !ra->stop)
            pthread_cond_wait(&ra->cv, &ra->mu);
        bool stop = ra->stop;
        size_t head = ra->head;
        pthread_mutex_unlock(&ra->mu);
        if (stop)
            return NULL;
        /* slot[head] is the thread's until it is counted. */
        ahead_fill(&ra->csv, &ra->slot[head]);
        bool last = ra->slot[head].last;
        pthread_mutex_lock(&ra->mu);
        ra->head = (ra->head + 1) % AHEAD_SLOTS;
        ra->count++;
        pthread_cond_broadcast(&ra->cv);
        pthread_mutex_unlock(&ra->mu);
        if (last)
            return NULL;
    }
}

struct cr_csv_ahead *
cr_csv_ahead_start(struct cr_csv *r)
{
    struct cr_csv_ahead *ra = calloc(1, sizeof *ra);
    if (!ra)
        return NULL;
    ra->csv = *r;
    memset(r, 0, sizeof *r);
    if (pthread_mutex_init(&ra->mu, NULL) == 0) {
        if (pthread_cond_init(&ra->cv, NULL) == 0) {
            ra->threaded = pthread_create(&ra->thread, NULL, ahead_run, ra) == 0;
            if (!ra->threaded)
                pthread_cond_destroy(&ra->cv);
        }
        if (!ra->threaded)
            pthread_mutex_destroy(&ra->mu);
    }
    return ra;
}

enum cr_csv_next
cr_csv_ahead_next(struct cr_csv_ahead *ra, struct cr_csv *view)
{
    if (ra->spent) {
        /* The caller is done with the last record of the batch: the thread may fill it again. */
        ra->spent = false;
        ra->at = 0;
        if (ra->threaded) {
            pthread_mutex_lock(&ra->mu);
            ra->tail = (ra->tail + 1) % AHEAD_SLOTS;
            ra->count--;
            pthread_cond_broadcast(&ra->cv);
            pthread_mutex_unlock(&ra->mu);
        }
    }
    if (ra->done)
        return CR_CSV_EOF;
    if (ra->at == 0) {
        if (ra->threaded) {
            pthread_mutex_lock(&ra->mu);
            while (ra->count == 0)
                pthread_cond_wait(&ra->cv, &ra->mu);
            pthread_mutex_unlock(&ra->mu);
        } else {
            ahead_fill(&ra->csv, &ra->slot[ra->tail]);
        }
    }
    struct ahead_batch *b = &ra->slot[ra->tail];
    const struct ahead_record *a = &b->rec[ra->at++];
    view->rec.p = b->bytes.p ? b->bytes.p + a->off : NULL;
    view->fields = b->fields ? b->fields + a->first_field : NULL; /* none yet: errors only */
    view->nfields = a->nfields;
    view->record_line = a->record_line;
    view->err_line = a->err_line;
    view->err_field = a->err_field;
    view->err_reason = a->err_reason;
    if (ra->at == b->n) {
        ra->spent = true;
        ra->done = b->last;
    }
    return a->rc;
}

void
cr_csv_ahead_stop(struct cr_csv_ahead *ra, struct cr_csv *r)
{
    if (!ra)
        return;
    if (ra->threaded) {
        pthread_mutex_lock(&ra->mu);
        ra->stop = true;
        pthread_cond_broadcast(&ra->cv);
        pthread_mutex_unlock(&ra->mu);
        pthread_join(ra->thread, NULL);
        pthread_cond_destroy(&ra->cv);
        pthread_mutex_destroy(&ra->mu);
    }
    for (size_t i = 0; i < AHEAD_SLOTS; i++) {
        cr_buf_free(&ra->slot[i].bytes);
        free(ra->slot[i].fields);
    }
    *r = ra->csv;
    free(ra);
}
