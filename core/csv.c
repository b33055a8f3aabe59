/*
 * An RFC 4180 reader: quoted fields may hold commas, doubled quotes and
 * line breaks; records end in LF or CRLF; a UTF-8 byte-order mark at the
 * start is skipped; wholly empty lines are skipped.  A line break inside a
 * quoted field is stored as LF whatever the file used, so that the same
 * data imports the same way from either kind of file.
 *
 * It reads in blocks and keeps one record in memory, so memory stays flat
 * whatever the size of the input.
 */
#include "internal.h"

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
