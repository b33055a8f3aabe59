/*
 * Import of flagged allegations (SPEC section 8).
 *
 * One pass over the file inside one transaction: every row is checked, and
 * every valid row is written, so that conflicts with what is already stored
 * (or with earlier rows of the same file) are found in the same pass.  If
 * anything at all is wrong, the transaction is rolled back and nothing is
 * imported.
 */
#include "internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Column kinds, and the longest value each accepts. */
enum col_kind { COL_REF, COL_TEXT, COL_FREE, COL_ENUM, COL_DATE, COL_LINKS };

static const struct column_rule {
    enum col_kind kind;
    bool optional;
    size_t max;
    int (*parse)(const char *);
    const char *(*name)(int);
} rules[CR_COL_COUNT] = {
    [CR_COL_SUBJECT_REF] = {COL_REF, false, 64, NULL, NULL},
    [CR_COL_SURNAME] = {COL_TEXT, false, 256, NULL, NULL},
    [CR_COL_FORENAMES] = {COL_TEXT, false, 256, NULL, NULL},
    [CR_COL_EMPLOYMENT] = {COL_ENUM, false, 0, cr_employment_parse, cr_employment_name},
    [CR_COL_RANK] = {COL_TEXT, false, 256, NULL, NULL},
    [CR_COL_UNIT] = {COL_TEXT, false, 256, NULL, NULL},
    [CR_COL_DUTY_STATUS] = {COL_ENUM, false, 0, cr_duty_parse, cr_duty_name},
    [CR_COL_VETTING_STATUS] = {COL_ENUM, true, 0, cr_vetting_parse, cr_vetting_name},
    [CR_COL_ALLEGATION_REF] = {COL_REF, false, 64, NULL, NULL},
    [CR_COL_CATEGORY] = {COL_ENUM, false, 0, cr_category_parse, cr_category_name},
    [CR_COL_ALLEGATION_DATE] = {COL_DATE, false, 10, NULL, NULL},
    [CR_COL_SOURCE] = {COL_ENUM, false, 0, cr_source_parse, cr_source_name},
    [CR_COL_ORIGINAL_OUTCOME] = {COL_TEXT, false, 1024, NULL, NULL},
    [CR_COL_SUMMARY] = {COL_FREE, false, CR_CSV_MAX_FIELD, NULL, NULL},
    [CR_COL_LINKED_REFS] = {COL_LINKS, true, 4096, NULL, NULL},
};

/* Earliest allegation date accepted. */
#define CR_MIN_YEAR "1900-01-01"

struct importer {
    cr_db *db;
    const char *label;
    cr_diags *diags;
    struct cr_csv csv;
    int col_of[CR_COL_COUNT]; /* field index of each column, or -1 */
    size_t ncols;             /* fields in the header */
    int64_t today;            /* days since the epoch */
    int64_t import_id;        /* the engine's number for this import, in its events */
    bool nomem;
};

static void problem(struct importer *im, long line, const char *column, const char *fmt, ...)
    CR_PRINTF(4, 5);

static void
problem(struct importer *im, long line, const char *column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *reason = cr_vformat(fmt, ap);
    va_end(ap);
    if (!reason || cr_diags_addf(im->diags, "%s:%ld: %s: %s", im->label, line, column, reason) < 0)
        im->nomem = true;
    free(reason);
}

/*
 * A value as it may appear in a message: quoted, at most 40 characters,
 * with control characters and bad bytes shown as escapes.
 */
static void
show_value(struct cr_buf *b, const char *s, size_t n)
{
    cr_buf_addc(b, '\'');
    size_t shown = 0;
    for (size_t i = 0; i < n; i++, shown++) {
        unsigned char c = (unsigned char)s[i];
        if (shown == 40) {
            cr_buf_add(b, "...", 3);
            break;
        }
        if (c < 0x20 || c == 0x7f)
            cr_buf_addf(b, "\\x%02x", c);
        else
            cr_buf_addc(b, (char)c);
    }
    cr_buf_addc(b, '\'');
}

static void
list_names(struct cr_buf *b, const char *(*name)(int))
{
    for (int i = 0; name(i); i++)
        cr_buf_addf(b, "%s%s", i ? ", " : "", name(i));
}

static bool
has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return true;
    return false;
}

/* The value as show_value shows it, made when a message first needs it. */
static const char *
shown(struct cr_buf *v, const char *s, size_t n)
{
    if (!v->p)
        show_value(v, s, n);
    return v->p;
}

/* Check one field; on success store its value in *row.  Returns false on a problem. */
static bool
check_field(struct importer *im, int col, const char *s, size_t n, long line,
            struct cr_import_row *row)
{
    const struct column_rule *rule = &rules[col];
    const char *cname = cr_column_names[col];
    size_t bad;

    if (memchr(s, '\0', n)) {
        problem(im, line, cname, "contains a NUL byte");
        return false;
    }
    if (!cr_utf8_valid(s, n, &bad)) {
        problem(im, line, cname, "invalid UTF-8 at byte %zu of the value", bad + 1);
        return false;
    }
    if (n == 0) {
        if (rule->optional) {
            if (col == CR_COL_VETTING_STATUS)
                row->vetting = -1;
            return true;
        }
        problem(im, line, cname, "required value is empty");
        return false;
    }
    if (n > rule->max && rule->kind != COL_ENUM && rule->kind != COL_DATE) {
        problem(im, line, cname, "value is longer than %zu bytes", rule->max);
        return false;
    }

    struct cr_buf v = {0};
    bool ok = true;
    switch (rule->kind) {
    case COL_REF:
        if (has_control(s, n)) {
            problem(im, line, cname, "%s contains a control character", shown(&v, s, n));
            ok = false;
        } else if (s[0] == ' ' || s[n - 1] == ' ') {
            problem(im, line, cname, "%s has leading or trailing spaces", shown(&v, s, n));
            ok = false;
        }
        break;
    case COL_TEXT:
    case COL_FREE:
        break;
    case COL_LINKS: {
        /* Each entry checked by the one parser (timeline.c), the first bad one named. */
        char why[256];
        if (cr_linked_refs_parse(s, n, NULL, NULL, why, sizeof why) < 0) {
            problem(im, line, cname, "%s", why);
            ok = false;
        }
        break;
    }
    case COL_ENUM: {
        int e = rule->parse(s);
        if (e < 0) {
            struct cr_buf names = {0};
            list_names(&names, rule->name);
            problem(im, line, cname, "%s is not one of %s", shown(&v, s, n), names.p);
            cr_buf_free(&names);
            ok = false;
        } else if (col == CR_COL_EMPLOYMENT) {
            row->employment = e;
        } else if (col == CR_COL_DUTY_STATUS) {
            row->duty = e;
        } else if (col == CR_COL_VETTING_STATUS) {
            row->vetting = e;
        } else if (col == CR_COL_CATEGORY) {
            row->category = e;
        } else if (col == CR_COL_SOURCE) {
            row->source = e;
        }
        break;
    }
    case COL_DATE: {
        int64_t days, min;
        cr_date_parse(CR_MIN_YEAR, 10, &min);
        if (cr_date_parse(s, n, &days) < 0) {
            problem(im, line, cname, "%s is not a date (expected YYYY-MM-DD)", shown(&v, s, n));
            ok = false;
        } else if (days > im->today) {
            problem(im, line, cname, "%s is in the future", shown(&v, s, n));
            ok = false;
        } else if (days < min) {
            problem(im, line, cname, "%s is before %s", shown(&v, s, n), CR_MIN_YEAR);
            ok = false;
        }
        break;
    }
    }
    cr_buf_free(&v);
    return ok;
}

/* Map the header's names to columns. */
static bool
read_header(struct importer *im)
{
    struct cr_csv *r = &im->csv;
    enum cr_csv_next rc = cr_csv_next(r);
    if (rc == CR_CSV_EOF) {
        problem(im, 1, "header", "the file is empty (expected a header row)");
        return false;
    }
    if (rc == CR_CSV_NOMEM) {
        im->nomem = true;
        return false;
    }
    if (rc != CR_CSV_RECORD) {
        problem(im, r->err_line, "header", "%s", r->err_reason);
        return false;
    }
    for (int c = 0; c < CR_COL_COUNT; c++)
        im->col_of[c] = -1;
    im->ncols = r->nfields;
    bool ok = true;
    for (size_t i = 0; i < r->nfields; i++) {
        const char *name = cr_csv_field(r, i);
        size_t n = r->fields[i].len;
        while (n && (*name == ' ' || *name == '\t'))
            name++, n--;
        while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
            n--;
        int col = -1;
        for (int c = 0; c < CR_COL_COUNT; c++)
            if (strlen(cr_column_names[c]) == n && strncasecmp(cr_column_names[c], name, n) == 0)
                col = c;
        struct cr_buf v = {0};
        show_value(&v, name, n);
        if (col < 0) {
            struct cr_buf names = {0};
            for (int c = 0; c < CR_COL_COUNT; c++)
                cr_buf_addf(&names, "%s%s", c ? ", " : "", cr_column_names[c]);
            problem(im, r->fields[i].line, v.p, "unknown column (the columns are %s)", names.p);
            cr_buf_free(&names);
            ok = false;
        } else if (im->col_of[col] >= 0) {
            problem(im, r->fields[i].line, cr_column_names[col], "column appears twice");
            ok = false;
        } else {
            im->col_of[col] = (int)i;
        }
        cr_buf_free(&v);
    }
    for (int c = 0; c < CR_COL_COUNT; c++) {
        if (im->col_of[c] < 0 && !rules[c].optional) {
            problem(im, r->record_line, cr_column_names[c], "required column is missing");
            ok = false;
        }
    }
    return ok;
}

static void
report_conflict(struct importer *im, const struct cr_import_row *row, long line,
                const struct cr_conflict *cf, bool subject)
{
    const char *cname = cr_column_names[cf->column];
    const char *what = subject ? "subject" : "allegation";
    const char *ref = subject ? row->subject_ref : row->allegation_ref;
    if (cf->other_line)
        problem(im, line, cname, "%s '%s' appears at line %ld with a different %s", what, ref,
                cf->other_line, cname);
    else
        problem(im, line, cname,
                "allegation '%s' was imported before (case %lld) with a different %s; an "
                "imported allegation is never overwritten",
                ref, (long long)cf->other_case, cname);
}

/* Free text is quoted in the import's report; enumerations and "not recorded" are not. */
static void
add_shown_value(struct cr_buf *b, int col, const char *v)
{
    if (!v || !*v)
        cr_buf_addf(b, "(not recorded)");
    else if (col == CR_COL_EMPLOYMENT || col == CR_COL_DUTY_STATUS || col == CR_COL_VETTING_STATUS)
        cr_buf_addf(b, "%s", v);
    else
        cr_buf_addf(b, "'%s'", v);
}

/*
 * A later import changed a subject's details: one "subject_update" event on
 * the subject's latest case with the old and new value of each changed
 * field, and, for the first few subjects (nth from 0), a line for the
 * import's report.
 */
static enum cr_status
record_subject_update(struct importer *im, const struct cr_import_row *r, long line,
                      const struct cr_subject_update *u, int64_t nth)
{
    assert(im && r && u && u->updated && nth >= 0);
    static const int cols[CR_SUBJECT_DETAILS] = CR_SUBJECT_DETAIL_COLUMNS;
    const char *want[CR_SUBJECT_DETAILS] = {
        r->surname, r->forenames,          cr_employment_name(r->employment), r->rank,
        r->unit,    cr_duty_name(r->duty), cr_vetting_name(r->vetting)};
    struct cr_buf d = {0}, shown = {0};
    struct cr_import_shown *detail = calloc(1, sizeof *detail);
    bool nomem = !detail || !(detail->subject_ref = strdup(r->subject_ref));
    cr_buf_addf(&d, "{\"subject\": ");
    cr_buf_add_json(&d, r->subject_ref);
    cr_buf_addf(&d, ", \"import\": %lld, \"file\": ", (long long)im->import_id);
    cr_buf_add_json(&d, im->label ? im->label : "");
    cr_buf_addf(&d, ", \"line\": %ld, \"changes\": {", line);
    cr_buf_addf(&shown, "%s", r->subject_ref);
    bool first = true;
    for (size_t i = 0; i < CR_SUBJECT_DETAILS; i++) {
        const char *before = u->before[i] && *u->before[i] ? u->before[i] : NULL;
        const char *after = want[i] && *want[i] ? want[i] : NULL;
        if (cols[i] == CR_COL_VETTING_STATUS && !r->has_vetting)
            continue;
        if ((!before && !after) || (before && after && strcmp(before, after) == 0))
            continue;
        const char *name = cr_column_names[cols[i]];
        cr_buf_addf(&d, "%s\"%s\": {\"before\": ", first ? "" : ", ", name);
        if (before)
            cr_buf_add_json(&d, before);
        else
            cr_buf_addf(&d, "null");
        cr_buf_addf(&d, ", \"after\": ");
        if (after)
            cr_buf_add_json(&d, after);
        else
            cr_buf_addf(&d, "null");
        cr_buf_addc(&d, '}');
        if (detail) {
            struct cr_subject_change *c = &detail->changes[detail->n++];
            c->field = name;
            nomem |=
                (before && !(c->before = strdup(before))) || (after && !(c->after = strdup(after)));
        }
        cr_buf_addf(&shown, "%s %s ", first ? "" : ",", name);
        add_shown_value(&shown, cols[i], before);
        cr_buf_addf(&shown, " -> ");
        add_shown_value(&shown, cols[i], after);
        first = false;
    }
    cr_buf_addf(&d, "}}");
    enum cr_status st = CR_OK;
    if (!d.p || !shown.p || nomem) {
        st = cr_fail(im->db, CR_NOMEM, "out of memory");
    } else {
        const char *sn = u->state >= 0 ? cr_state_name(u->state) : NULL;
        st = cr_audit_append(im->db, u->case_id, "subject_update", sn, sn, d.p);
        if (st == CR_OK && nth < (int64_t)CR_IMPORT_SHOWN_UPDATES) {
            st_import_shown_set(im->db, (size_t)nth, shown.p, detail);
            shown.p = NULL;
            detail = NULL;
        }
    }
    if (detail) {
        free(detail->subject_ref);
        for (size_t k = 0; k < detail->n; k++) {
            free((char *)detail->changes[k].before);
            free((char *)detail->changes[k].after);
        }
        free(detail);
    }
    cr_buf_free(&d);
    cr_buf_free(&shown);
    return st;
}

/* The import's own event, in its transaction before the commit. */
static enum cr_status
record_import(struct importer *im, const struct cr_import_result *res)
{
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"import\": %lld, \"file\": ", (long long)im->import_id);
    cr_buf_add_json(&d, im->label ? im->label : "");
    cr_buf_addf(&d,
                ", \"rows\": %lld, \"new_allegations\": %lld, \"new_cases\": %lld, "
                "\"updated_subjects\": %lld, \"returned_cases\": %lld}",
                (long long)res->rows, (long long)res->new_allegations, (long long)res->new_cases,
                (long long)res->updated_subjects, (long long)res->returned_cases);
    if (res->new_links > 0 && d.p && d.len) {
        /* Linked references (timeline.c), only when there are some: the rest as before. */
        d.len--;
        cr_buf_addf(&d, ", \"new_links\": %lld}", (long long)res->new_links);
    }
    enum cr_status st = d.p ? cr_audit_append(im->db, 0, "import", NULL, NULL, d.p)
                            : cr_fail(im->db, CR_NOMEM, "out of memory");
    cr_buf_free(&d);
    return st;
}

/* Check and store one data record. */
static enum cr_status
import_record(struct importer *im, struct cr_import_result *res)
{
    struct cr_csv *r = &im->csv;
    long line = r->record_line;
    res->rows++;
    if (r->nfields != im->ncols) {
        problem(im, line, "row", "has %zu fields but the header has %zu", r->nfields, im->ncols);
        return CR_OK;
    }
    /* An optional column the file lacks says nothing: what is stored stays. */
    struct cr_import_row row = {.vetting = -1,
                                .has_vetting = im->col_of[CR_COL_VETTING_STATUS] >= 0};
    const char **text[CR_COL_COUNT] = {
        [CR_COL_SUBJECT_REF] = &row.subject_ref,
        [CR_COL_SURNAME] = &row.surname,
        [CR_COL_FORENAMES] = &row.forenames,
        [CR_COL_RANK] = &row.rank,
        [CR_COL_UNIT] = &row.unit,
        [CR_COL_ALLEGATION_REF] = &row.allegation_ref,
        [CR_COL_ALLEGATION_DATE] = &row.date,
        [CR_COL_ORIGINAL_OUTCOME] = &row.original_outcome,
        [CR_COL_SUMMARY] = &row.summary,
        [CR_COL_LINKED_REFS] = &row.linked_refs,
    };
    bool ok = true;
    for (int c = 0; c < CR_COL_COUNT; c++) {
        int f = im->col_of[c];
        if (f < 0)
            continue;
        const char *s = cr_csv_field(r, (size_t)f);
        if (!check_field(im, c, s, r->fields[f].len, r->fields[f].line, &row))
            ok = false;
        else if (text[c])
            *text[c] = s;
    }
    if (!ok)
        return CR_OK;

    enum cr_row_outcome outcome;
    struct cr_conflict cf;
    struct cr_row_case added;
    struct cr_subject_update update;
    enum cr_status st = st_import_row(im->db, &row, line, res, &outcome, &cf, &added, &update);
    if (st == CR_OK && update.updated)
        st = record_subject_update(im, &row, line, &update, res->updated_subjects - 1);
    if (st == CR_OK && outcome == CR_ROW_ADDED &&
        cr_system_to(CR_SYSTEM_IMPORT_RETURN, added.state) >= 0) {
        /* A decided case's new allegation: the workflow sends it back, with a note. */
        struct cr_buf note = {0}, details = {0};
        cr_buf_addf(&note, "New allegation %s imported; the decision must be taken again.",
                    row.allegation_ref);
        cr_buf_add(&details, "{\"new_allegation\": ", 19);
        cr_buf_add_json(&details, row.allegation_ref);
        cr_buf_addc(&details, '}');
        bool applied = false;
        st = note.p && details.p ? cr_system_act(im->db, CR_SYSTEM_IMPORT_RETURN, added.id, note.p,
                                                 "import", details.p, &applied)
                                 : cr_fail(im->db, CR_NOMEM, "out of memory");
        if (applied)
            res->returned_cases++;
        cr_buf_free(&note);
        cr_buf_free(&details);
    }
    /* The row's linked references go to its allegation's case (timeline.c). */
    if (st == CR_OK && (outcome == CR_ROW_ADDED || outcome == CR_ROW_KNOWN) && row.linked_refs &&
        *row.linked_refs && added.id > 0)
        st = cr_import_links(im->db, added.id, line, row.linked_refs, &res->new_links);
    if (st == CR_OK && outcome == CR_ROW_CONFLICT) {
        bool subject = cf.column != CR_COL_SUBJECT_REF &&
                       (cf.column == CR_COL_SURNAME || cf.column == CR_COL_FORENAMES ||
                        cf.column == CR_COL_EMPLOYMENT || cf.column == CR_COL_RANK ||
                        cf.column == CR_COL_UNIT || cf.column == CR_COL_DUTY_STATUS ||
                        cf.column == CR_COL_VETTING_STATUS);
        report_conflict(im, &row, line, &cf, subject);
    }
    return st;
}

enum cr_status
cr_import_csv(cr_db *db, FILE *in, const char *label, unsigned flags, struct cr_import_result *res,
              cr_diags **diags)
{
    if (!db)
        return CR_USAGE;
    if (!in || !label || !res || !diags)
        return cr_fail(db, CR_USAGE,
                       "an import needs its file, its label, a result and diagnostics");
    memset(res, 0, sizeof *res);
    *diags = NULL;
    enum cr_status allowed = cr_require_role(db, CR_ROLE_ADMIN, "import");
    if (allowed != CR_OK)
        return allowed;
    struct importer im = {.db = db, .label = label};
    im.diags = *diags = cr_diags_new(CR_IMPORT_MAX_ERRORS);
    if (!im.diags)
        return cr_fail(db, CR_NOMEM, "out of memory");
    int64_t now = cr_db_now(db);
    im.today = now >= 0 ? now / 86400 : (now - 86399) / 86400;
    cr_csv_init(&im.csv, in);

    enum cr_status st = CR_OK;
    if (!read_header(&im))
        goto done;
    if ((st = st_import_begin(db, label, cr_import_new_case_states(), &im.import_id)) != CR_OK)
        goto done;
    /* The records are parsed by a thread of their own; im.csv shows each in turn. */
    struct cr_csv_ahead *ahead = cr_csv_ahead_start(&im.csv);
    if (!ahead) {
        im.nomem = true;
        st_import_end(db, res, false);
        goto done;
    }
    while (st == CR_OK && !im.nomem) {
        enum cr_csv_next rc = cr_csv_ahead_next(ahead, &im.csv);
        if (rc == CR_CSV_EOF)
            break;
        if (rc == CR_CSV_NOMEM) {
            im.nomem = true;
            break;
        }
        if (rc == CR_CSV_ERROR || rc == CR_CSV_FATAL) {
            size_t f = im.csv.err_field;
            const char *cname = "row";
            for (int c = 0; c < CR_COL_COUNT; c++)
                if (im.col_of[c] >= 0 && (size_t)im.col_of[c] == f)
                    cname = cr_column_names[c];
            problem(&im, im.csv.err_line, cname, "%s", im.csv.err_reason);
            res->rows++;
            if (rc == CR_CSV_FATAL)
                break;
            continue;
        }
        st = import_record(&im, res);
        if (cr_diags_full(im.diags)) {
            /* Past the cap: stop reading, the rest would not be shown. */
            break;
        }
    }
    cr_csv_ahead_stop(ahead, &im.csv);
    /* A file that brings nothing new leaves the database exactly as it was. */
    bool changed = res->new_allegations > 0 || res->updated_subjects > 0 || res->new_links > 0;
    bool commit = st == CR_OK && !im.nomem && cr_diags_total(im.diags) == 0 &&
                  !(flags & CR_IMPORT_DRY_RUN) && changed;
    if (commit && (st = record_import(&im, res)) != CR_OK)
        commit = false;
    enum cr_status end = st_import_end(db, res, commit);
    if (st == CR_OK)
        st = end;
done:
    cr_csv_free(&im.csv);
    if (st == CR_OK && im.nomem)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    if (st == CR_OK && cr_diags_total(im.diags) > 0)
        st = cr_fail(db, CR_INVALID, "%s: %zu problem%s; nothing imported", label,
                     cr_diags_total(im.diags), cr_diags_total(im.diags) == 1 ? "" : "s");
    return st;
}

/* The newest imports while the trail is read oldest first: a ring of the last limit. */
struct runs_reader {
    cr_db *db;
    struct cr_import_runs *out;
    size_t limit, next; /* next: where the next run goes in the ring */
    struct cr_buf text;
    bool nomem;
};

static void
run_clear(struct cr_import_run *r)
{
    free(r->actor);
    free(r->file);
    memset(r, 0, sizeof *r);
}

static int
runs_take(void *ctx, const struct cr_event *e)
{
    struct runs_reader *rr = ctx;
    /* An import's case events are the cases it sent back; the run's own has no case. */
    if (e->case_id != 0)
        return 0;
    struct cr_import_runs *out = rr->out;
    out->total++;
    struct cr_import_run *r = &out->runs[rr->next];
    if (out->n < rr->limit)
        out->n++;
    else
        run_clear(r);
    rr->next = (rr->next + 1) % rr->limit;
    r->event = e->id;
    r->at = e->at;
    r->actor = strdup(e->actor ? e->actor : "");
    r->file = cr_replay_json_text(e->details, "file", &rr->text)
                  ? strdup(rr->text.p ? rr->text.p : "")
                  : strdup("");
    cr_details_int(e->details, "rows", &r->rows);
    cr_details_int(e->details, "new_allegations", &r->new_allegations);
    cr_details_int(e->details, "new_cases", &r->new_cases);
    cr_details_int(e->details, "updated_subjects", &r->updated_subjects);
    cr_details_int(e->details, "returned_cases", &r->returned_cases);
    if (!r->actor || !r->file) {
        rr->nomem = true;
        return 1;
    }
    return 0;
}

enum cr_status
cr_import_runs(cr_db *db, size_t limit, struct cr_import_runs *out)
{
    if (!db)
        return CR_USAGE;
    if (!out)
        return cr_fail(db, CR_USAGE, "imports: no list to fill");
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, "the list of imports");
    if (st != CR_OK || limit == 0)
        return st;
    if (!(out->runs = calloc(limit, sizeof *out->runs)))
        return cr_fail(db, CR_NOMEM, "out of memory");
    struct runs_reader rr = {.db = db, .out = out, .limit = limit};
    struct cr_audit_filter f = {.action = "import"};
    int64_t upto = 0, n = 0;
    st = st_audit_last(db, &upto);
    if (st == CR_OK)
        st = st_audit_scan(db, &f, 0, upto, runs_take, &rr, &n);
    cr_buf_free(&rr.text);
    if (rr.nomem)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    if (st != CR_OK) {
        cr_import_runs_free(out);
        return st;
    }
    /* The ring, newest first. */
    struct cr_import_run *sorted = calloc(limit, sizeof *sorted);
    if (!sorted) {
        cr_import_runs_free(out);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < out->n; i++)
        sorted[i] = out->runs[(rr.next + limit - 1 - i) % limit];
    free(out->runs);
    out->runs = sorted;
    return CR_OK;
}

void
cr_import_runs_free(struct cr_import_runs *runs)
{
    if (!runs)
        return;
    for (size_t i = 0; runs->runs && i < runs->n; i++)
        run_clear(&runs->runs[i]);
    free(runs->runs);
    memset(runs, 0, sizeof *runs);
}
