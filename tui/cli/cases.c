/*
 * The commands that read cases and write them out: init, import, list,
 * show, history, export.  Each calls core/ and hands core's records to the
 * emitter (emit.h) in the format asked for; no rule is decided here.
 */
#include "commands.h"
#include "disclose.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *
plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* init */

struct init_result {
    const char *database;
    int64_t created, schema_version;
};

static void
init_created(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = ((const struct init_result *)rec)->created;
}

static const struct emit_field init_fields[] = {
    EMIT_AT("database", EMIT_TEXT, struct init_result, database),
    EMIT_GET("created", EMIT_BOOL, init_created),
    EMIT_AT("schema_version", EMIT_INT, struct init_result, schema_version),
};
static const struct emit_record init_created_rec = {
    EMIT_FIELDS(init_fields), NULL, "created {database} (schema version {schema_version})"};
static const struct emit_record init_existing_rec = {
    EMIT_FIELDS(init_fields), NULL,
    "{database} already exists (schema version {schema_version}); nothing to do"};

#define INIT_OPTIONS(_)                                                   \
    _(INIT_GROUP, "group", NULL,                                          \
      "let the file's group read and write it too (default: owner only)") \
    CLI_OPT_FORMAT(_, INIT)
CLI_OPTIONS(init_options, INIT_OPTIONS);

int
cmd_init(struct cli *cli, const struct cli_args *a)
{
    enum format fmt;
    int rc = parse_format("init", a->opt[OPT_INIT_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    cr_db *db;
    rc = cli_session(cli, CR_OPEN_CREATE | (a->opt[OPT_INIT_GROUP] ? CR_OPEN_GROUP : 0), &db);
    if (rc != EXIT_DONE)
        return rc;
    struct init_result r = {cr_db_label(db), cr_db_created(db), cr_db_schema_version(db)};
    struct emit e;
    emit_init(&e, fmt, stdout, r.created ? &init_created_rec : &init_existing_rec, NULL);
    emit_one(&e, &r);
    cli_end(cli, db);
    return cli_flush("init");
}

/* import */

/* What an import did, with the file's name and the first subjects it updated. */
struct import_report {
    const char *file;
    bool dry_run;
    const struct cr_import_result *r;
    const char *updates; /* "S1 rank 'PC' -> 'DS'; ..." or NULL: the table's */
};

/* One field of a subject an import changed: JSON's "updates" has one a field. */
struct import_change {
    const char *subject_ref, *field, *from, *to; /* from, to: NULL when not recorded */
};

static const struct emit_field change_fields[] = {
    EMIT_AT("subject_ref", EMIT_TEXT, struct import_change, subject_ref),
    EMIT_AT("field", EMIT_TEXT, struct import_change, field),
    EMIT_AT("from", EMIT_TEXT, struct import_change, from),
    EMIT_AT("to", EMIT_TEXT, struct import_change, to),
};
static const struct emit_record change_rec = {EMIT_FIELDS(change_fields), NULL, NULL};

#define IMPORT_COUNT(member)                                                            \
    static void import_##member(const void *rec, const void *ctx, struct emit_value *v) \
    {                                                                                   \
        (void)ctx;                                                                      \
        v->i = ((const struct import_report *)rec)->r->member;                          \
    }
IMPORT_COUNT(rows)
IMPORT_COUNT(new_allegations)
IMPORT_COUNT(known_allegations)
IMPORT_COUNT(new_cases)
IMPORT_COUNT(added_to_open)
IMPORT_COUNT(reopened_cases)
IMPORT_COUNT(returned_cases)
IMPORT_COUNT(new_subjects)
IMPORT_COUNT(updated_subjects)
IMPORT_COUNT(new_links)
IMPORT_COUNT(erased_allegations)

static void
import_dry(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = ((const struct import_report *)rec)->dry_run;
}

static const struct emit_field import_fields[] = {
    EMIT_AT("file", EMIT_TEXT, struct import_report, file),
    EMIT_GET("dry_run", EMIT_BOOL, import_dry),
    EMIT_GET("rows", EMIT_INT, import_rows),
    EMIT_GET("new_allegations", EMIT_INT, import_new_allegations),
    EMIT_GET("known_allegations", EMIT_INT, import_known_allegations),
    EMIT_GET("new_cases", EMIT_INT, import_new_cases),
    EMIT_GET("added_to_open", EMIT_INT, import_added_to_open),
    EMIT_GET("reopened_cases", EMIT_INT, import_reopened_cases),
    EMIT_GET("returned_cases", EMIT_INT, import_returned_cases),
    EMIT_GET("new_subjects", EMIT_INT, import_new_subjects),
    EMIT_GET("updated_subjects", EMIT_INT, import_updated_subjects),
    EMIT_GET("new_links", EMIT_INT, import_new_links),                   /* linked_refs (link.c) */
    EMIT_GET("erased_allegations", EMIT_INT, import_erased_allegations), /* purge (erase.c) */
    EMIT_AT_AS("updates", EMIT_TEXT, struct import_report, updates, EMIT_TABLE_ONLY),
};
static const struct emit_record import_dry_rec = {
    EMIT_FIELDS(import_fields), NULL,
    "{file}: ok (dry run, nothing written): {rows} {rows|row|rows}; would add {new_cases} "
    "{new_cases|case|cases} and {new_allegations} {new_allegations|allegation|allegations}; "
    "{known_allegations} already imported"
    "[\n  would update {updated_subjects} {updated_subjects|subject's|subjects'} details: "
    "{updates}]"};
static const struct emit_record import_nothing_rec = {
    EMIT_FIELDS(import_fields), NULL,
    "{file}: nothing to import: all {known_allegations} allegations are already in the database"
    "[\n  {erased_allegations} {erased_allegations|row is|rows are} of erased cases (purge): "
    "skipped, nothing of them kept]"};
static const struct emit_record import_done_rec = {
    EMIT_FIELDS(import_fields), NULL,
    "{file}: imported {new_allegations} {new_allegations|allegation|allegations}: {new_cases} "
    "new {new_cases|case|cases}"
    "[\n  {added_to_open} {added_to_open|allegation|allegations} added to cases already open]"
    "[\n  {known_allegations} {known_allegations|allegation was|allegations were} already "
    "imported]"
    "[\n  {updated_subjects} {updated_subjects|subject's|subjects'} details updated: {updates}]"
    "[\n  {reopened_cases} new {reopened_cases|case follows|cases follow} a closed case of the "
    "same subject]"
    "[\n  {returned_cases} {returned_cases|case|cases} returned for a new decision]"
    "[\n  {new_links} linked {new_links|reference|references} added]"
    "[\n  {erased_allegations} {erased_allegations|row is|rows are} of erased cases (purge): "
    "skipped, nothing of them kept]"};

/* The first subjects an import updated, and how many more: "S1 rank 'PC' -> 'DS'; ...". */
static char *
import_updates(cr_db *db, int64_t updated)
{
    char *text = NULL;
    size_t i = 0;
    for (const char *u; (u = cr_import_update(db, i)) != NULL; i++) {
        char *next = tui_printf("%s%s%s", text ? text : "", text ? "; " : "", u);
        free(text);
        if (!(text = next))
            return NULL;
    }
    if ((int64_t)i < updated) {
        char *next = tui_printf("%s; and %lld more (each in the audit trail)", text ? text : "",
                                (long long)(updated - (int64_t)i));
        free(text);
        text = next;
    }
    return text;
}

/* The import's "updates" as JSON: one object a changed field of the first subjects updated. */
static void
import_changes_json(struct emit *e, cr_db *db)
{
    emit_open(e, "updates", '[');
    const char *ref;
    const struct cr_subject_change *c;
    size_t n;
    for (size_t i = 0; cr_import_update_detail(db, i, &ref, &c, &n); i++) {
        for (size_t k = 0; k < n; k++) {
            struct import_change ch = {ref, c[k].field, c[k].before, c[k].after};
            emit_object(e, NULL, &change_rec, &ch);
        }
    }
    emit_close(e);
}

#define IMPORT_OPTIONS(_)                                           \
    _(IMPORT_DRY_RUN, "dry-run", NULL,                              \
      "check the file and report what would change; write nothing") \
    CLI_OPT_FORMAT(_, IMPORT)
CLI_OPTIONS(import_options, IMPORT_OPTIONS);

int
cmd_import(struct cli *cli, const struct cli_args *a)
{
    const char *path = a->operands[0];
    bool dry = a->opt[OPT_IMPORT_DRY_RUN] != NULL;
    enum format fmt;
    int rc = parse_format("import", a->opt[OPT_IMPORT_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    bool is_stdin = strcmp(path, "-") == 0;
    const char *label = is_stdin ? "<stdin>" : path;
    FILE *in = is_stdin ? stdin : fopen(path, "rb");
    if (!in)
        return cli_error(EXIT_INPUT, "import: %s: %s", path, strerror(errno));

    cr_db *db;
    rc = cli_session(cli, CR_OPEN_CREATE, &db);
    if (rc != EXIT_DONE) {
        if (!is_stdin)
            fclose(in);
        return rc;
    }
    struct cr_import_result r;
    cr_diags *diags = NULL;
    enum cr_status st = cr_import_csv(db, in, label, dry ? CR_IMPORT_DRY_RUN : 0, &r, &diags);
    if (!is_stdin)
        fclose(in);
    for (size_t i = 0; i < cr_diags_count(diags); i++) {
        out_safe(stderr, cr_diags_get(diags, i));
        fputc('\n', stderr);
    }
    if (st != CR_OK) {
        if (cr_diags_count(diags) >= CR_IMPORT_MAX_ERRORS)
            cli_error(EXIT_INPUT, "%s: stopped reading after the first %d problems", label,
                      CR_IMPORT_MAX_ERRORS);
        rc = cli_fail(db, st);
        cr_diags_free(diags);
        if (cr_db_created(db) || dry) {
            cr_db_discard(db);
            db = NULL;
        }
        cli_end(cli, db);
        return rc;
    }
    cr_diags_free(diags);
    char *updates = r.updated_subjects ? import_updates(db, r.updated_subjects) : NULL;
    struct import_report rep = {label, dry, &r,
                                r.updated_subjects ? (updates ? updates : "") : NULL};
    const struct emit_record *how =
        dry ? &import_dry_rec
        : r.new_allegations == 0 && r.updated_subjects == 0 && r.new_links == 0
            ? &import_nothing_rec
            : &import_done_rec;
    struct emit e;
    emit_init(&e, fmt, stdout, how, NULL);
    if (fmt == FORMAT_JSON) {
        emit_open(&e, NULL, '{');
        emit_members(&e, how, &rep);
        import_changes_json(&e, db);
        emit_close(&e);
    } else {
        emit_one(&e, &rep);
    }
    free(updates);
    if (dry) {
        cr_db_discard(db);
        db = NULL;
    }
    cli_end(cli, db);
    return cli_flush("import");
}

/* list and export rows */

/*
 * The categories as text, in a new string as long as the names make it (the
 * caller frees it; NULL when out of memory): "domestic_violence;sexual_offence",
 * or the short form "DV+SO" of the table.
 */
static char *
categories_text(unsigned cats, bool short_form)
{
    size_t size = 1;
    for (int pass = 0; pass < 2; pass++) {
        char *out = pass ? malloc(size) : NULL;
        if (pass && !out)
            return NULL;
        size_t used = 0;
        for (int c = 0; c < CR_CATEGORY_COUNT; c++) {
            if (!(cats & (1u << c)))
                continue;
            const char *name = short_form ? cr_category_short(c) : cr_category_name(c);
            const char *sep = used ? (short_form ? "+" : ";") : "";
            if (pass) {
                memcpy(out + used, sep, strlen(sep));
                memcpy(out + used + strlen(sep), name, strlen(name));
            }
            used += strlen(sep) + strlen(name);
        }
        if (pass) {
            out[used] = '\0';
            return out;
        }
        size = used + 1;
    }
    return NULL;
}

#define ROW(rec) ((const struct cr_case_row *)(rec))

static void
row_state(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_state_name(ROW(rec)->state);
}

static void
row_outcome(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->absent = ROW(rec)->outcome < 0;
    v->s = v->absent ? NULL : cr_outcome_name(ROW(rec)->outcome);
}

static void
time_value(int64_t t, struct emit_value *v)
{
    v->absent = !t;
    cr_time_format(t, v->buf);
    v->s = v->buf;
}

static void
row_created(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    time_value(ROW(rec)->created_at, v);
    v->absent = false;
}

static void
row_duty(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_duty_name(ROW(rec)->duty);
}

static void
row_categories(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = v->owned = categories_text(ROW(rec)->categories, false);
    if (!v->s)
        v->s = "";
}

static void
row_allegations(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = ROW(rec)->n_allegations;
}

static void
row_vetting(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->absent = ROW(rec)->outcome != CR_OUTCOME_REFER;
    v->i = ROW(rec)->vetting_review != 0;
}

static void
row_decided_at(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    time_value(ROW(rec)->decided_at, v);
}

static void
row_quorum(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = ROW(rec)->quorum_blocked != 0;
}

/* What a row's columns are worked out against: the clock and the rules in force. */
struct row_ctx {
    int64_t now;
    const struct cr_config *cfg;
    cr_db *db; /* the viewer, for panel progress (list only; NULL: none) */
};

/* When the case is due under sla_days (core's cr_case_due), UTC; none for a closed case. */
static void
row_due(const void *rec, const void *ctx, struct emit_value *v)
{
    const struct row_ctx *c = ctx;
    time_value(c ? cr_case_due(c->cfg, ROW(rec)) : 0, v);
}

/* The end of the case's pause, UTC; none when it is not paused now. */
static void
row_paused_until(const void *rec, const void *ctx, struct emit_value *v)
{
    const struct row_ctx *c = ctx;
    time_value(c && cr_case_paused(ROW(rec), c->now) ? ROW(rec)->paused_until : 0, v);
}

/* The table's own columns. */
static void
row_age(const void *rec, const void *ctx, struct emit_value *v)
{
    int64_t now = ctx ? ((const struct row_ctx *)ctx)->now : 0;
    emit_printf(v, "%lldd", (long long)((now - ROW(rec)->created_at) / 86400));
}

static void
row_name(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    emit_printf(v, "%s, %s", ROW(rec)->surname, ROW(rec)->forenames);
}

static void
row_cats(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = v->owned = categories_text(ROW(rec)->categories, true);
    if (!v->s)
        v->s = "?";
}

/* The panel progress of a row as the viewer may see it (core's cr_panel_progress). */
static void
row_progress(const void *rec, const void *ctx, struct emit_value *v, struct cr_panel_progress *p)
{
    const struct row_ctx *c = ctx;
    if (c && c->db)
        cr_panel_progress(c->db, ROW(rec), p);
    else
        memset(p, 0, sizeof *p);
    v->absent = !p->shown;
}

/* panel_progress: "1/2 +ind", "?/2" (blind voting), none when not with the panel. */
static void
row_panel_text(const void *rec, const void *ctx, struct emit_value *v)
{
    struct cr_panel_progress p;
    row_progress(rec, ctx, v, &p);
    v->s = cr_panel_progress_text(&p, v->buf, sizeof v->buf);
}

/* The counts (arg: which); none when not with the panel, or hidden by blind voting. */
enum { PANEL_CONCUR, PANEL_CONCUR_NEEDED, PANEL_DISSENT, PANEL_DISSENT_LIMIT };
static void
row_panel_count(const void *rec, const void *ctx, struct emit_value *v)
{
    struct cr_panel_progress p;
    row_progress(rec, ctx, v, &p);
    const int n[] = {p.concur, p.concur_needed, p.dissent, p.dissent_needed};
    v->i = n[v->arg];
    if (p.hidden && (v->arg == PANEL_CONCUR || v->arg == PANEL_DISSENT))
        v->absent = true;
}

/* The kinds whose concurrence is still missing, as a list; none when hidden. */
static void
row_panel_missing(const void *rec, const void *ctx, struct emit_value *v)
{
    struct cr_panel_progress p;
    row_progress(rec, ctx, v, &p);
    v->absent = !p.shown || p.hidden;
    size_t len = 0;
    v->buf[0] = '\0';
    for (int k = 0; k < CR_KIND_COUNT && !v->absent; k++)
        if (p.kinds_missing & (1u << k))
            len += (size_t)snprintf(v->buf + len, sizeof v->buf - len, "%s%s", len ? ";" : "",
                                    cr_kind_name(k));
    v->s = v->buf;
}

static void
row_panel_hidden(const void *rec, const void *ctx, struct emit_value *v)
{
    struct cr_panel_progress p;
    row_progress(rec, ctx, v, &p);
    v->i = p.hidden != 0;
}

#define ROW_DATA_FIELDS                                                                         \
    EMIT_AT("case", EMIT_INT, struct cr_case_row, id), EMIT_GET("state", EMIT_TEXT, row_state), \
        EMIT_GET("outcome", EMIT_TEXT, row_outcome),                                            \
        EMIT_AT("priority", EMIT_INT, struct cr_case_row, priority),                            \
        EMIT_GET("created_at", EMIT_TEXT, row_created),                                         \
        EMIT_AT("subject_ref", EMIT_TEXT, struct cr_case_row, subject_ref),                     \
        EMIT_AT("surname", EMIT_TEXT, struct cr_case_row, surname),                             \
        EMIT_AT("forenames", EMIT_TEXT, struct cr_case_row, forenames),                         \
        EMIT_AT("rank", EMIT_TEXT, struct cr_case_row, rank),                                   \
        EMIT_AT("unit", EMIT_TEXT, struct cr_case_row, unit),                                   \
        EMIT_GET("duty_status", EMIT_TEXT, row_duty),                                           \
        EMIT_GET("categories", EMIT_LIST, row_categories),                                      \
        EMIT_GET("allegations", EMIT_INT, row_allegations),                                     \
        EMIT_AT("assignee", EMIT_TEXT, struct cr_case_row, assignee),                           \
        EMIT_GET("vetting_review", EMIT_BOOL, row_vetting),                                     \
        EMIT_AT("decided_by", EMIT_TEXT, struct cr_case_row, decided_by),                       \
        EMIT_GET("decided_at", EMIT_TEXT, row_decided_at),                                      \
        EMIT_GET("quorum_blocked", EMIT_BOOL, row_quorum), EMIT_GET("due", EMIT_TEXT, row_due), \
        EMIT_GET("paused_until", EMIT_TEXT, row_paused_until),

static const struct emit_field row_fields[] = {
    ROW_DATA_FIELDS EMIT_SHOWN("age", row_age),
    EMIT_SHOWN("name", row_name),
    EMIT_SHOWN("cats", row_cats),
};

/*
 * A row of `list`: the export's fields, then what a list reads for its
 * viewer (the routing, and the panel's progress as cr_panel_progress gives
 * it to them, blind voting kept).
 */
static const struct emit_field list_row_fields[] = {
    ROW_DATA_FIELDS EMIT_AT("approver", EMIT_TEXT, struct cr_case_row, approver),
    EMIT_GET("panel_progress", EMIT_TEXT, row_panel_text),
    {"panel_concur", EMIT_INT, 0, row_panel_count, 0, PANEL_CONCUR},
    {"panel_concur_needed", EMIT_INT, 0, row_panel_count, 0, PANEL_CONCUR_NEEDED},
    {"panel_dissent", EMIT_INT, 0, row_panel_count, 0, PANEL_DISSENT},
    {"panel_dissent_limit", EMIT_INT, 0, row_panel_count, 0, PANEL_DISSENT_LIMIT},
    EMIT_GET("panel_missing", EMIT_LIST, row_panel_missing),
    EMIT_GET("panel_hidden", EMIT_BOOL, row_panel_hidden),
    EMIT_SHOWN("age", row_age),
    EMIT_SHOWN("name", row_name),
    EMIT_SHOWN("cats", row_cats),
};

/* A row of the queue; the table's AGE heading is one column wider than its values. */
static const struct emit_record case_row_rec = {
    EMIT_FIELDS(row_fields),
    "  CASE  STATE                AGE  SUBJECT    NAME                     RANK               "
    "UNIT                   CAT     N  ASSIGNEE",
    "{case:>6}  {state:17} {age:>5}  {subject_ref:10} {name:24} {rank:18} {unit:22} {cats:<5} "
    "{allegations:>3}  {assignee=-}[{?quorum_blocked}  \\[cannot reach quorum\\]]"
    "[  \\[paused until {paused_until}\\]]",
};

/* A row of `list`: as the export's, with the panel's progress and the routing after it. */
static const struct emit_record list_row_rec = {
    EMIT_FIELDS(list_row_fields),
    "  CASE  STATE                AGE  SUBJECT    NAME                     RANK               "
    "UNIT                   CAT     N  ASSIGNEE",
    "{case:>6}  {state:17} {age:>5}  {subject_ref:10} {name:24} {rank:18} {unit:22} {cats:<5} "
    "{allegations:>3}  {assignee=-}[  \\[panel {panel_progress}\\]]"
    "[{?quorum_blocked}  \\[cannot reach quorum\\]][  \\[paused until {paused_until}\\]]"
    "[  \\[routed to {approver}\\]]",
};

/* list */

#define RAW_CELLS_HELP                                                                        \
    "CSV cells exactly as stored (by default a cell starting =, +, -, @, tab or CR gets a ' " \
    "in front, so that a spreadsheet does not run it as a formula)"

#define LIST_OPTIONS(_)                                                                            \
    _(LIST_STATE, "state", "S",                                                                    \
      "only cases in state S (flagged, in_review, awaiting_approval, panel_review, returned, "     \
      "closed)")                                                                                   \
    _(LIST_OUTCOME, "outcome", "O", "only cases with outcome O (nfa, reassess, refer, or none)")   \
    _(LIST_MINE, "mine", NULL, "only what waits for me in my roles")                               \
    _(LIST_OVERDUE, "overdue", NULL, "only cases past due (sla_days; paused cases are not)")       \
    _(LIST_FORMAT, "format", "F", "table (default), csv or json")                                  \
    _(LIST_LIMIT, "limit", "N", "at most N cases")                                                 \
    _(LIST_CATEGORY, "category", "C",                                                              \
      "only cases with an allegation of C (domestic_violence, sexual_offence)")                    \
    _(LIST_SORT, "sort", "S", "priority (default: riskiest first) or age (oldest first)")          \
    _(LIST_SEARCH, "search", "TEXT",                                                               \
      "only cases whose subject and allegations hold every word, newest first, oldest with "       \
      "--sort age (WORD* a prefix)")                                                               \
    _(LIST_UNIT, "unit", "UNIT", "only cases whose subject is of unit UNIT (exactly as imported)") \
    _(LIST_RAW_CELLS, "raw-cells", NULL, RAW_CELLS_HELP)
CLI_OPTIONS(list_options, LIST_OPTIONS);

int
cmd_list(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    struct cr_filter filter = CR_FILTER_ALL;
    enum format fmt;
    long long limit = INT64_MAX;
    bool mine = o[OPT_LIST_MINE] != NULL;
    int rc;
    if (o[OPT_LIST_STATE] && (rc = parse_enum("list", "state", o[OPT_LIST_STATE], cr_state_parse,
                                              cr_state_name, NULL, &filter.state)) != EXIT_DONE)
        return rc;
    if (o[OPT_LIST_OUTCOME]) {
        if (strcmp(o[OPT_LIST_OUTCOME], "none") == 0)
            filter.outcome = CR_OUTCOME_COUNT;
        else if ((rc = parse_enum("list", "outcome", o[OPT_LIST_OUTCOME], cr_outcome_parse,
                                  cr_outcome_name, "none", &filter.outcome)) != EXIT_DONE)
            return rc;
    }
    if (o[OPT_LIST_CATEGORY] &&
        (rc = parse_enum("list", "category", o[OPT_LIST_CATEGORY], cr_category_parse,
                         cr_category_name, NULL, &filter.category)) != EXIT_DONE)
        return rc;
    if (o[OPT_LIST_SORT] && strcmp(o[OPT_LIST_SORT], "age") == 0)
        filter.sort = CR_SORT_AGE;
    else if (o[OPT_LIST_SORT] && strcmp(o[OPT_LIST_SORT], "priority") != 0)
        return cli_error(EXIT_USAGE, "list: --sort must be one of priority, age, not '%s'",
                         o[OPT_LIST_SORT]);
    filter.search = o[OPT_LIST_SEARCH];
    filter.overdue = o[OPT_LIST_OVERDUE] != NULL;
    filter.unit = o[OPT_LIST_UNIT];
    if (filter.unit && !*filter.unit)
        return cli_error(EXIT_USAGE, "list: --unit needs a unit's name, not an empty one");
    if (mine && (o[OPT_LIST_STATE] || o[OPT_LIST_OUTCOME] || o[OPT_LIST_CATEGORY] ||
                 o[OPT_LIST_SORT] || o[OPT_LIST_SEARCH] || o[OPT_LIST_OVERDUE] || filter.unit))
        return cli_error(EXIT_USAGE, "list: --mine goes alone, without other filters");
    if ((rc = parse_format("list", o[OPT_LIST_FORMAT], true, &fmt)) != EXIT_DONE)
        return rc;
    if (o[OPT_LIST_LIMIT] &&
        (rc = parse_number("list", "limit", o[OPT_LIST_LIMIT], 1, INT64_MAX, &limit)) != EXIT_DONE)
        return rc;

    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    const struct row_ctx now = {cr_db_now(db), cli->cfg, db};
    struct emit p;
    emit_init(&p, fmt, stdout, &list_row_rec, &now);
    p.marked = isatty(STDOUT_FILENO);
    p.raw = o[OPT_LIST_RAW_CELLS] != NULL;
    /*
     * A list is a consultation: its begin event (the filters) commits before
     * any row leaves; its end event (the count, a digest of the case numbers
     * handed out) after the last.  Between them the rows stream a keyset page
     * at a time.
     */
    struct cr_list_log *log;
    enum cr_status st = cr_list_begin(db, mine ? NULL : &filter, mine, format_names[fmt],
                                      o[OPT_LIST_LIMIT] ? limit : 0, &log);
    /*
     * Each row is flushed before its case is counted as listed, so that the
     * end event names exactly the cases whose rows left; a reader that goes
     * away (`| head`) is a write error (EPIPE) here, recorded, and only then
     * does the program end as a pipe's writer does.
     */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old_pipe);
    struct cr_page page = {0};
    int64_t after = 0;
    long long got = 0;
    int err = 0;
    while (st == CR_OK && !err && got < limit) {
        size_t want = limit - got < 500 ? (size_t)(limit - got) : 500;
        st = mine ? cr_list_mine_page(db, after, want, &page)
                  : cr_list_page(db, &filter, after, want, &page);
        if (st != CR_OK)
            break;
        for (size_t i = 0; i < page.n && !err; i++) {
            emit_row(&p, &page.rows[i]);
            if (fflush(stdout) == EOF || ferror(stdout))
                err = errno ? errno : EIO;
            else
                cr_list_log_case(log, page.rows[i].id);
        }
        got += (long long)page.n;
        if (!page.more || !page.n)
            break;
        after =
            mine ? page.rows[page.n - 1].sortkey : cr_row_cursor(&filter, &page.rows[page.n - 1]);
    }
    cr_page_free(&page);
    if (log) {
        if (st == CR_OK && !err) {
            emit_end(&p);
            if (fflush(stdout) == EOF || ferror(stdout))
                err = errno ? errno : EIO;
        }
        char *why = st != CR_OK ? tui_printf("%s", cr_db_errmsg(db))
                    : err       ? tui_printf("write: %s", strerror(err))
                                : NULL;
        int64_t listed = cr_list_log_rows(log);
        enum cr_status end =
            cr_list_end(db, log, st != CR_OK || err ? (why ? why : "out of memory") : NULL);
        free(why);
        if (st == CR_OK && err) {
            cli_end(cli, db);
            if (err == EPIPE) {
                /* Recorded: now end as any writer to a closed pipe does. */
                sigaction(SIGPIPE, &old_pipe, NULL);
                raise(SIGPIPE);
            }
            return cli_error(EXIT_INPUT, "list: write failed after %lld cases: %s",
                             (long long)listed, strerror(err));
        }
        if (st == CR_OK)
            st = end;
    }
    sigaction(SIGPIPE, &old_pipe, NULL);
    rc = st == CR_OK ? EXIT_DONE : cli_fail(db, st);
    cli_end(cli, db);
    if (rc == EXIT_DONE && fflush(stdout) == EOF)
        return cli_error(EXIT_INPUT, "list: write failed: %s", strerror(errno));
    return rc;
}

/* history */

#define EVENT(rec) ((const struct cr_event *)(rec))

static void
event_id(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = EVENT(rec)->id;
    v->absent = !EVENT(rec)->at; /* a vote withheld by blind voting: no time, no number */
}

static void
event_at(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    time_value(EVENT(rec)->at, v);
}

static void
event_case(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = EVENT(rec)->case_id;
    v->absent = !v->i;
}

static void
event_details(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = EVENT(rec)->details;
    v->absent = !v->s;
}

static void
event_os_login(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = EVENT(rec)->os_login;
    v->absent = !v->s;
}

static void
event_unix_login(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cli_acted_as(EVENT(rec));
    v->absent = !v->s;
}

/* The table shows a change of state only when there is one. */
static void
event_from(const void *rec, const void *ctx, struct emit_value *v)
{
    const struct cr_event *e = rec;
    (void)ctx;
    bool moved = e->state_before && e->state_after && strcmp(e->state_before, e->state_after) != 0;
    v->s = moved ? e->state_before : NULL;
}

static void
event_to(const void *rec, const void *ctx, struct emit_value *v)
{
    const struct cr_event *e = rec;
    event_from(rec, ctx, v);
    v->s = v->s ? e->state_after : NULL;
}

static const struct emit_field history_fields[] = {
    EMIT_GET("id", EMIT_INT, event_id),
    EMIT_GET("at", EMIT_TEXT, event_at),
    EMIT_AT("actor", EMIT_TEXT, struct cr_event, actor),
    EMIT_AT("action", EMIT_TEXT, struct cr_event, action),
    EMIT_AT("state_before", EMIT_TEXT, struct cr_event, state_before),
    EMIT_AT("state_after", EMIT_TEXT, struct cr_event, state_after),
    EMIT_GET("details", EMIT_JSON, event_details),
    /* CSV's column names the login only when it differs (--as); JSON always has os_login */
    {"unix_login", EMIT_TEXT, 0, event_unix_login, EMIT_CSV_ONLY, 0},
    {"os_login", EMIT_TEXT, 0, event_os_login, EMIT_JSON_ONLY, 0},
    EMIT_SHOWN("from", event_from),
    EMIT_SHOWN("to", event_to),
};
static const struct emit_record history_rec = {
    EMIT_FIELDS(history_fields),
    NULL,
    "{at:<20=(time withheld)}  #{id:<6=-} {actor:10} {action:<8} [{from} -> {to}  ]{details}"
    "[  unix login: {unix_login}]",
};

#define HISTORY_OPTIONS(_) CLI_OPT_FORMAT(_, HISTORY)
CLI_OPTIONS(history_options, HISTORY_OPTIONS);

int
cmd_history(struct cli *cli, const struct cli_args *a)
{
    enum format fmt;
    int rc = parse_format("history", a->opt[OPT_HISTORY_FORMAT], true, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_history h;
    enum cr_status st = cr_history_get(db, a->operands[0], &h);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    struct emit e;
    emit_init(&e, fmt, stdout, &history_rec, NULL);
    e.marked = isatty(STDOUT_FILENO);
    for (size_t i = 0; i < h.n; i++)
        emit_row(&e, &h.events[i]);
    emit_end(&e);
    cr_history_free(&h);
    cli_end(cli, db);
    return cli_flush("history");
}

/*
 * The events of the audit log: the history's, with the case and the
 * purpose.  CSV has os_login after details, JSON before: each as it has
 * been since it was first written.
 */
static const struct emit_field log_fields[] = {
    EMIT_AT("id", EMIT_INT, struct cr_event, id),
    EMIT_GET("at", EMIT_TEXT, event_at),
    EMIT_AT("actor", EMIT_TEXT, struct cr_event, actor),
    EMIT_GET("case", EMIT_INT, event_case),
    EMIT_AT("action", EMIT_TEXT, struct cr_event, action),
    EMIT_AT("state_before", EMIT_TEXT, struct cr_event, state_before),
    EMIT_AT("state_after", EMIT_TEXT, struct cr_event, state_after),
    EMIT_AT("purpose", EMIT_TEXT, struct cr_event, purpose),
    EMIT_AT_AS("os_login", EMIT_TEXT, struct cr_event, os_login, EMIT_JSON_ONLY),
    EMIT_GET("details", EMIT_JSON, event_details),
    EMIT_AT_AS("os_login", EMIT_TEXT, struct cr_event, os_login, EMIT_CSV_ONLY),
    EMIT_SHOWN("from", event_from),
    EMIT_SHOWN("to", event_to),
    EMIT_SHOWN("unix_login", event_unix_login),
};
const struct emit_record cli_event_rec = {
    EMIT_FIELDS(log_fields),
    NULL,
    "{at}  #{id:<6} {actor:10} {case:<6} {action:<8} [{from} -> {to}  ]{details}"
    "[  purpose: {purpose}][  unix login: {unix_login}]",
};

/* export */

#define EXPORT_OPTIONS(_)                                                                        \
    _(EXPORT_REASON, "reason", "TEXT",                                                           \
      "why the data is disclosed (required; recorded in the audit trail)")                       \
    _(EXPORT_RECIPIENT, "recipient", "TEXT",                                                     \
      "who receives it (required; recorded in the audit trail)")                                 \
    _(EXPORT_FORMAT, "format", "F", "csv (default) or json")                                     \
    _(EXPORT_OUTPUT, "output", "FILE",                                                           \
      "write to FILE (created 0600, put in place only once the disclosure is recorded) instead " \
      "of standard output")                                                                      \
    _(EXPORT_FORCE, "force", NULL, "with --output: replace FILE if it exists")                   \
    _(EXPORT_RAW_CELLS, "raw-cells", NULL, RAW_CELLS_HELP)
CLI_OPTIONS(export_options, EXPORT_OPTIONS);

struct export_writer {
    struct emit rows;
    struct dout *out;
};

static int
export_row(void *ctx, const struct cr_case_row *r)
{
    struct export_writer *x = ctx;
    int rc = emit_row(&x->rows, r);
    dout_mark(x->out);
    return rc;
}

static int64_t
export_written(void *ctx)
{
    struct export_writer *x = ctx;
    return dout_rows(x->out);
}

static void
export_finish(void *ctx, struct cr_disclosure_end *e)
{
    struct export_writer *x = ctx;
    if (!ferror(x->rows.out))
        emit_end(&x->rows);
    dout_finish(x->out, e);
}

int
cmd_export(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    enum format fmt = FORMAT_CSV;
    if (o[OPT_EXPORT_FORMAT] && strcmp(o[OPT_EXPORT_FORMAT], "json") == 0)
        fmt = FORMAT_JSON;
    else if (o[OPT_EXPORT_FORMAT] && strcmp(o[OPT_EXPORT_FORMAT], "csv") != 0)
        return cli_error(EXIT_USAGE, "export: --format must be one of csv, json, not '%s'",
                         o[OPT_EXPORT_FORMAT]);
    if (!o[OPT_EXPORT_REASON] || !o[OPT_EXPORT_RECIPIENT])
        return cli_error(EXIT_USAGE, "export: --reason TEXT and --recipient TEXT are required");
    const char *output = o[OPT_EXPORT_OUTPUT];
    bool force = o[OPT_EXPORT_FORCE] != NULL;
    if (force && !output)
        return cli_error(EXIT_USAGE, "export: --force goes with --output FILE");
    cr_db *db;
    int rc = cli_session(cli, 0, &db);
    if (rc != EXIT_DONE)
        return rc;
    struct export_writer x;
    char *msg = NULL;
    if (!(x.out = dout_open(output, force, &msg))) {
        rc = cli_error(EXIT_INPUT, "export: %s; nothing was written", msg ? msg : "?");
        free(msg);
        cli_end(cli, db);
        return rc;
    }
    const struct row_ctx now = {cr_db_now(db), cli->cfg, NULL};
    emit_init(&x.rows, fmt, dout_stream(x.out), &case_row_rec, &now);
    x.rows.marked = !output && isatty(STDOUT_FILENO);
    x.rows.raw = o[OPT_EXPORT_RAW_CELLS] != NULL;
    const struct cr_disclosure d = {
        .kind = "export",
        .reason = o[OPT_EXPORT_REASON],
        .recipient = o[OPT_EXPORT_RECIPIENT],
        .format = format_names[fmt],
        .destination = dout_destination(x.out),
    };
    const struct cr_export_sink sink = {export_row, export_written, export_finish, &x};
    int64_t rows = 0;
    enum cr_status st = cr_export(db, &d, &sink, &rows);
    if (st != CR_OK) {
        dout_discard(x.out);
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    /* The end event is committed: now, and only now, the file takes its name. */
    if (dout_publish(x.out, &msg) < 0) {
        rc = cli_error(EXIT_INPUT,
                       "export: %s; the disclosure is recorded but the file was not put in place",
                       msg ? msg : "?");
        free(msg);
        cli_end(cli, db);
        return rc;
    }
    cli_end(cli, db);
    cli_note("exported %lld %s for %s%s%s; recorded in the audit trail", (long long)rows,
             plural(rows, "case", "cases"), o[OPT_EXPORT_RECIPIENT], output ? " to " : "",
             output ? output : "");
    return EXIT_DONE;
}

/* Every template above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template cases_templates[] = {
    {"init, created", &init_created_rec, NULL},
    {"init, existing", &init_existing_rec, NULL},
    {"import, dry run", &import_dry_rec, NULL},
    {"import, nothing", &import_nothing_rec, NULL},
    {"import, done", &import_done_rec, NULL},
    {"import, a change", &change_rec, NULL},
    {"list, a row", &list_row_rec, NULL},
    {"export, a row", &case_row_rec, NULL},
    {"history, an event", &history_rec, NULL},
    {"audit log, an event", &cli_event_rec, NULL},
    {NULL, NULL, NULL},
};
