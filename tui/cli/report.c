/*
 * `stats` and `report`: both print core's figures (cr_report_get, through
 * cr_dashboard_get for stats), so that they and the dashboard cannot
 * disagree.  A report is a disclosure: its bytes are written through the
 * disclosure writer (disclose.h, shared with export) between the two audit
 * events of cr_disclosure_begin and cr_disclosure_end, and a file is put in
 * place only once the end is recorded.
 */
#include "commands.h"
#include "disclose.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

static const char *
date_of(int64_t t, char out[11])
{
    char full[21];
    cr_time_format(t, full);
    memcpy(out, full, 10);
    out[10] = '\0';
    return out;
}

/* The decided stages, whose outcomes can carry a vetting review. */
static bool
decided(int stage)
{
    return stage != CR_STAGE_UNDECIDED;
}

/* {"confirmed": {"cases": N, "persons": N, "vetting_review": {...}}, ..., "total": {...}} */
static void
figures_json(struct emit *e, const char *key, const struct cr_figures *g)
{
    emit_open(e, key, '{');
    for (int s = 0; s < CR_STAGE_COUNT; s++) {
        emit_open(e, cr_stage_name(s), '{');
        emit_int(e, "cases", g->cases[s]);
        emit_int(e, "persons", g->persons[s]);
        if (decided(s)) {
            emit_open(e, "vetting_review", '{');
            emit_int(e, "cases", g->vetting_cases[s]);
            emit_int(e, "persons", g->vetting_persons[s]);
            emit_close(e);
        }
        emit_close(e);
    }
    emit_open(e, "total", '{');
    emit_int(e, "cases", g->total_cases);
    emit_int(e, "persons", g->total_persons);
    emit_close(e);
    emit_close(e);
}

/* stats */

#define STATS_OPTIONS(_)                \
    CLI_OPT_FORMAT(_, STATS)            \
    _(STATS_WORKLOAD, "workload", NULL, \
      "with --format json, the dashboard's workload too (supervisor, admin; recorded)")
CLI_OPTIONS(stats_options, STATS_OPTIONS);

static void
dissent_json(struct emit *e, const char *key, int64_t rounds, int64_t returned)
{
    emit_open(e, key, '{');
    emit_int(e, "rounds_finished", rounds);
    emit_int(e, "rounds_returned", returned);
    if (rounds)
        emit_real(e, "dissent_per_round", (double)returned / (double)rounds, 4);
    else
        emit_text(e, "dissent_per_round", NULL);
    emit_close(e);
}

/*
 * The dashboard's figures, each of them: the counts, what is overdue (by
 * state and in all), first decisions in each week with the date it
 * commences, the rate and the backlog, the panel's dissent, the workload
 * (null unless core shows it to this user) and the reviewers' mix.
 */
static void
stats_json(struct emit *e, const struct cr_dashboard *d, const struct cr_workload *w)
{
    const struct cr_stats *s = &d->stats;
    char day[11];
    emit_open(e, NULL, '{');
    emit_int(e, "cases", s->cases);
    emit_int(e, "subjects", s->subjects);
    emit_break(e);
    emit_open(e, "by_state", '{');
    for (int i = 0; i < CR_STATE_COUNT; i++)
        emit_int(e, cr_state_name(i), s->by_state[i]);
    emit_close(e);
    emit_break(e);
    emit_open_as(e, "by_outcome", '{', EMIT_LINES_TIGHT);
    for (int i = 0; i <= CR_OUTCOME_COUNT; i++)
        figures_json(e, i < CR_OUTCOME_COUNT ? cr_outcome_name(i) : "none", &s->by_outcome[i]);
    figures_json(e, "all", &s->figures);
    emit_close(e);
    emit_break(e);
    emit_open(e, "by_category", '{');
    for (int i = 0; i < CR_CATEGORY_COUNT; i++)
        emit_int(e, cr_category_name(i), s->by_category[i]);
    emit_int(e, "both", s->both_categories);
    emit_close(e);
    emit_break(e);
    emit_open(e, "allegations", '{');
    emit_int(e, "total", s->allegations);
    for (int i = 0; i < CR_CATEGORY_COUNT; i++)
        emit_int(e, cr_category_name(i), s->allegations_by_category[i]);
    emit_close(e);
    emit_break(e);
    emit_open(e, "overdue", '{');
    int64_t late = 0;
    for (int i = 0; i < CR_STATE_COUNT; i++) {
        late += d->overdue[i];
        if (cr_state_sla(i) >= 0)
            emit_int(e, cr_state_name(i), d->overdue[i]);
    }
    emit_int(e, "all", late);
    emit_close(e);
    emit_break(e);
    emit_open(e, "decisions_per_week", '{');
    emit_text(e, "first_week", date_of(d->week_start, day));
    emit_open_as(e, "counts", '[', EMIT_INLINE);
    for (int i = 0; i < CR_DASHBOARD_WEEKS; i++)
        emit_int(e, NULL, d->decisions_per_week[i]);
    emit_close(e);
    /* The date each week commences (a Monday, UTC): the dashboard's labels. */
    emit_open_as(e, "weeks", '[', EMIT_INLINE);
    for (int i = 0; i < CR_DASHBOARD_WEEKS; i++)
        emit_text(e, NULL, date_of(d->week_start + (int64_t)i * 7 * 86400, day));
    emit_close(e);
    emit_close(e);
    emit_break(e);
    emit_real(e, "weekly_rate", d->rate, 2);
    emit_int(e, "undecided", d->undecided);
    emit_text(e, "backlog_clears", d->backlog_clears ? date_of(d->backlog_clears, day) : NULL);
    emit_break(e);
    dissent_json(e, "panel", d->panel_rounds, d->panel_returned);
    emit_break(e);
    if (w)
        cli_workload_json(e, "workload", w);
    else
        emit_text(e, "workload", NULL);
    emit_break(e);
    if (!d->reviewers_shown) {
        emit_text(e, "reviewers", NULL);
    } else {
        emit_open_as(e, "reviewers", '[', EMIT_LINES_TIGHT);
        for (size_t i = 0; i < d->n_reviewers; i++) {
            const struct cr_reviewer_mix *m = &d->reviewers[i];
            emit_open(e, NULL, '{');
            emit_text(e, "login", m->login);
            for (int o = 0; o < CR_OUTCOME_COUNT; o++)
                emit_int(e, cr_outcome_name(o), m->by_outcome[o]);
            emit_int(e, "decided", m->decided);
            dissent_json(e, "panel", m->panel_rounds, m->panel_returned);
            emit_close(e);
        }
        emit_close(e);
    }
    emit_close(e);
}

/* A line of the stats table: a label and up to four numbers. */
struct stats_line {
    const char *label;
    int64_t n[4];
};

static void
stats_n(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = ((const struct stats_line *)rec)->n[v->arg];
}

static const struct emit_field stats_fields[] = {
    EMIT_AT("label", EMIT_TEXT, struct stats_line, label),
    {"n", EMIT_INT, 0, stats_n, 0, 0},
    {"proposed", EMIT_INT, 0, stats_n, 0, 1},
    {"with_panel", EMIT_INT, 0, stats_n, 0, 2},
    {"returned", EMIT_INT, 0, stats_n, 0, 3},
};
static const struct emit_record stats_rec = {EMIT_FIELDS(stats_fields), NULL, NULL};
static const char stats_total[] = "{label:<24} {n:>9}";
static const char stats_count[] = "  {label:<22} {n:>9}";
static const char stats_stages[] =
    "  {label:<22} {n:>9} {proposed:>9} {with_panel:>10} {returned:>9}";

static void
stats_put(struct emit *e, const char *tmpl, const char *label, int64_t a, int64_t b, int64_t c,
          int64_t d)
{
    struct stats_line l = {label, {a, b, c, d}};
    emit_line(e, &stats_rec, tmpl, &l);
}

static void
stats_table(struct emit *e, const struct cr_dashboard *d)
{
    const struct cr_stats *s = &d->stats;
    stats_put(e, stats_total, "cases", s->cases, 0, 0, 0);
    emit_line(e, &stats_rec, "\nby state", NULL);
    for (int i = 0; i < CR_STATE_COUNT; i++)
        stats_put(e, stats_count, cr_state_name(i), s->by_state[i], 0, 0, 0);
    emit_line(e, &stats_rec, "\nby outcome (cases)       confirmed  proposed with_panel  returned",
              NULL);
    for (int i = 0; i < CR_OUTCOME_COUNT; i++) {
        const struct cr_figures *g = &s->by_outcome[i];
        stats_put(e, stats_stages, cr_outcome_name(i), g->cases[CR_STAGE_CONFIRMED],
                  g->cases[CR_STAGE_PROPOSED], g->cases[CR_STAGE_WITH_PANEL],
                  g->cases[CR_STAGE_RETURNED]);
    }
    const struct cr_figures *r = &s->by_outcome[CR_OUTCOME_REFER];
    stats_put(e, stats_stages, "of which vetting review", r->vetting_cases[CR_STAGE_CONFIRMED],
              r->vetting_cases[CR_STAGE_PROPOSED], r->vetting_cases[CR_STAGE_WITH_PANEL],
              r->vetting_cases[CR_STAGE_RETURNED]);
    stats_put(e, stats_count, "not decided", s->figures.cases[CR_STAGE_UNDECIDED], 0, 0, 0);
    emit_line(e, &stats_rec, "\nby category (cases)", NULL);
    for (int i = 0; i < CR_CATEGORY_COUNT; i++)
        stats_put(e, stats_count, cr_category_name(i), s->by_category[i], 0, 0, 0);
    stats_put(e, stats_count, "both", s->both_categories, 0, 0, 0);
    emit_line(e, &stats_rec, "", NULL);
    stats_put(e, stats_total, "allegations", s->allegations, 0, 0, 0);
    for (int i = 0; i < CR_CATEGORY_COUNT; i++)
        stats_put(e, stats_count, cr_category_name(i), s->allegations_by_category[i], 0, 0, 0);
    emit_line(e, &stats_rec, "", NULL);
    stats_put(e, stats_total, "subjects", s->subjects, 0, 0, 0);
}

int
cmd_stats(struct cli *cli, const struct cli_args *a)
{
    enum format fmt;
    int rc = parse_format("stats", a->opt[OPT_STATS_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (a->opt[OPT_STATS_WORKLOAD] && fmt != FORMAT_JSON)
        return cli_error(EXIT_USAGE, "stats: --workload goes with --format json");
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_dashboard d;
    enum cr_status st = cr_dashboard_get(db, &d);
    if (st != CR_OK) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(db));
        cr_dashboard_free(&d);
        cli_end(cli, db);
        return rc;
    }
    /*
     * The dashboard's workload panel, asked for: a consultation of people's
     * work, for those core shows it to, recorded (a "workload" event) before
     * anything is written.  Without it stats only reads, and goes on while
     * another process writes.
     */
    struct cr_workload w = {0};
    bool workload = a->opt[OPT_STATS_WORKLOAD] != NULL;
    if (workload && (st = cr_workload_get(db, "stats", &w)) != CR_OK) {
        rc = cli_fail(db, st);
        cr_workload_free(&w);
        cr_dashboard_free(&d);
        cli_end(cli, db);
        return rc;
    }
    struct emit e;
    emit_init(&e, fmt, stdout, &stats_rec, NULL);
    if (fmt == FORMAT_JSON)
        stats_json(&e, &d, workload ? &w : NULL);
    else
        stats_table(&e, &d);
    cr_workload_free(&w);
    cr_dashboard_free(&d);
    cli_end(cli, db);
    return cli_flush("stats");
}

/* report: rendering */

/* The end of a report line: the writer counts the lines that left whole. */
static void
mark(struct dout *w)
{
    if (w)
        dout_mark(w);
}

/*
 * A line of the report: the keys of its group (or "all"), and its figures.
 * CSV's columns are made when the report is: one a key, then the figures of
 * each stage (arg: stage * 4 + measure), then the totals.
 */
struct report_line {
    const char *const *keys;
    const struct cr_figures *f;
};

#define LINE(rec) ((const struct report_line *)(rec))

static void
line_key(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = LINE(rec)->keys[v->arg];
}

static void
line_figure(const void *rec, const void *ctx, struct emit_value *v)
{
    const struct cr_figures *g = LINE(rec)->f;
    int s = v->arg / 4;
    (void)ctx;
    switch (v->arg % 4) {
    case 0:
        v->i = g->cases[s];
        break;
    case 1:
        v->i = g->persons[s];
        break;
    case 2:
        v->i = g->vetting_cases[s];
        break;
    default:
        v->i = g->vetting_persons[s];
        break;
    }
}

static void
line_total(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = v->arg ? LINE(rec)->f->total_persons : LINE(rec)->f->total_cases;
}

#define REPORT_MAX_FIELDS (CR_DIMENSION_COUNT + 4 * CR_STAGE_COUNT + 2)
_Static_assert(REPORT_MAX_FIELDS <= EMIT_MAX_FIELDS,
               "the report's CSV record has more fields than the emitter holds");

/* The CSV columns of r, into fields; the names it makes go in made[] (free each). */
static size_t
csv_fields(const struct cr_report *r, struct emit_field fields[REPORT_MAX_FIELDS],
           char *made[REPORT_MAX_FIELDS])
{
    size_t n = 0;
    for (size_t k = 0; k < r->n_by; k++)
        fields[n++] =
            (struct emit_field){cr_dimension_name(r->by[k]), EMIT_TEXT, 0, line_key, 0, (int)k};
    static const char *const measures[] = {"cases", "persons", "vetting_review_cases",
                                           "vetting_review_persons"};
    for (int s = 0; s < CR_STAGE_COUNT; s++) {
        for (int m = 0; m < (decided(s) ? 4 : 2); m++) {
            made[n] = tui_printf("%s_%s", cr_stage_name(s), measures[m]);
            fields[n] = (struct emit_field){
                made[n] ? made[n] : "?", EMIT_INT, 0, line_figure, 0, s * 4 + m};
            n++;
        }
    }
    fields[n++] = (struct emit_field){"total_cases", EMIT_INT, 0, line_total, 0, 0};
    fields[n++] = (struct emit_field){"total_persons", EMIT_INT, 0, line_total, 0, 1};
    return n;
}

/* One line per group, then the totals ("all" in every key column); returns the lines written. */
static int64_t
report_csv(FILE *f, const struct cr_report *r, struct dout *w)
{
    struct emit_field fields[REPORT_MAX_FIELDS];
    char *made[REPORT_MAX_FIELDS] = {NULL};
    size_t n = csv_fields(r, fields, made);
    const struct emit_record rec = {fields, n, NULL, NULL};
    struct emit e;
    emit_init(&e, FORMAT_CSV, f, &rec, NULL);
    e.eol = "\r\n";
    for (size_t i = 0; i < r->n_rows; i++) {
        struct report_line l = {r->rows[i].key, &r->rows[i].f};
        emit_row(&e, &l);
        mark(w);
    }
    static const char *const all[CR_DIMENSION_COUNT] = {"all", "all", "all", "all", "all"};
    struct report_line total = {all, &r->total};
    emit_row(&e, &total);
    mark(w);
    for (size_t i = 0; i < n; i++)
        free(made[i]);
    return (int64_t)r->n_rows + 1;
}

static int64_t
report_json(FILE *f, const struct cr_report *r, int64_t now, struct dout *w,
            const struct cr_followup_counts *fc)
{
    char day[11];
    struct emit e;
    emit_init(&e, FORMAT_JSON, f, NULL, NULL);
    emit_open(&e, NULL, '{');
    emit_text(&e, "as_at", date_of(r->as_at ? r->as_at - 1 : now, day));
    emit_text(&e, "counted", r->scanned ? "every case" : "counters");
    emit_open_as(&e, "by", '[', EMIT_INLINE);
    for (size_t k = 0; k < r->n_by; k++)
        emit_text(&e, NULL, cr_dimension_name(r->by[k]));
    emit_close(&e);
    emit_break(&e);
    emit_open_as(&e, "rows", '[', EMIT_LINES_TIGHT);
    for (size_t i = 0; i < r->n_rows; i++) {
        emit_open(&e, NULL, '{');
        for (size_t k = 0; k < r->n_by; k++)
            emit_text(&e, cr_dimension_name(r->by[k]), r->rows[i].key[k]);
        figures_json(&e, "figures", &r->rows[i].f);
        emit_close(&e);
        mark(w);
    }
    emit_close(&e);
    emit_break(&e);
    figures_json(&e, "total", &r->total);
    emit_break(&e);
    followup_report_json(&e, fc);
    emit_close(&e);
    mark(w);
    return (int64_t)r->n_rows + 1;
}

/* The table's columns: each stage, and the vetting reviews of the confirmed and proposed. */
#define TABLE_COLUMNS 8
static const char *const table_heads[TABLE_COLUMNS] = {"confirmed",   "+vetting",   "proposed",
                                                       "+vetting",    "with panel", "returned",
                                                       "not decided", "total"};

/* A line of the table: its key cells, then its eight columns, as text. */
struct table_line {
    const char *key[CR_DIMENSION_COUNT];
    const char *cell[TABLE_COLUMNS];
    char buf[TABLE_COLUMNS][24];
};

static void
table_key(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = ((const struct table_line *)rec)->key[v->arg];
}

static void
table_cell(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = ((const struct table_line *)rec)->cell[v->arg];
}

#define TABLE_KEY(k)                          \
    {                                         \
        "k" #k, EMIT_TEXT, 0, table_key, 0, k \
    }
#define TABLE_CELL(c)                          \
    {                                          \
        "c" #c, EMIT_TEXT, 0, table_cell, 0, c \
    }
static const struct emit_field table_fields[] = {
    TABLE_KEY(0),  TABLE_KEY(1),  TABLE_KEY(2),  TABLE_KEY(3),  TABLE_KEY(4),
    TABLE_CELL(0), TABLE_CELL(1), TABLE_CELL(2), TABLE_CELL(3), TABLE_CELL(4),
    TABLE_CELL(5), TABLE_CELL(6), TABLE_CELL(7),
};
static const struct emit_record table_rec = {EMIT_FIELDS(table_fields), NULL, NULL};
#define TABLE_COLUMNS_TEMPLATE \
    " {c0:>10} {c1:>10} {c2:>10} {c3:>10} {c4:>10} {c5:>10} {c6:>11} {c7:>10}"
static const char table_columns[] = TABLE_COLUMNS_TEMPLATE;

static void
table_values(struct table_line *l, const struct cr_figures *g, bool persons)
{
    const int64_t *n = persons ? g->persons : g->cases;
    const int64_t *vet = persons ? g->vetting_persons : g->vetting_cases;
    const int64_t v[TABLE_COLUMNS] = {
        n[CR_STAGE_CONFIRMED],  vet[CR_STAGE_CONFIRMED],
        n[CR_STAGE_PROPOSED],   vet[CR_STAGE_PROPOSED],
        n[CR_STAGE_WITH_PANEL], n[CR_STAGE_RETURNED],
        n[CR_STAGE_UNDECIDED],  persons ? g->total_persons : g->total_cases,
    };
    for (int c = 0; c < TABLE_COLUMNS; c++) {
        snprintf(l->buf[c], sizeof l->buf[c], "%lld", (long long)v[c]);
        l->cell[c] = l->buf[c];
    }
}

/* Display cells of s, as out_cell counts them. */
static int
cells(const char *s)
{
    int w = 0;
    for (size_t i = 0, n = strlen(s); i < n;) {
        struct glyph g = glyph_at(s + i, n - i);
        w += g.width;
        i += g.len;
    }
    return w;
}

static int64_t
report_table(FILE *f, const struct cr_report *r, int64_t now, struct dout *w,
             const struct cr_followup_counts *fc)
{
    char day[11];
    int64_t lines = 0;
    if (r->as_at)
        fprintf(f, "Figures as they stood at the end of %s (UTC)", date_of(r->as_at - 1, day));
    else
        fprintf(f, "Figures on %s", date_of(now, day));
    fprintf(f, ", counted %s\n",
            r->scanned ? "by reading every case" : "from the maintained counters");
    /* The key columns are as wide as their widest key (up to 30): the template is made here. */
    char *tmpl = NULL;
    for (size_t k = 0; k < r->n_by; k++) {
        int width = (int)strlen(cr_dimension_name(r->by[k]));
        if (width < 3)
            width = 3;
        for (size_t i = 0; i < r->n_rows; i++) {
            int cw = cells(r->rows[i].key[k]);
            if (cw > width)
                width = cw > 30 ? 30 : cw;
        }
        char *longer = tui_printf("%s{k%zu:%d} ", tmpl ? tmpl : "", k, width);
        free(tmpl);
        tmpl = longer;
    }
    char *line = tui_printf("%s%s", r->n_by ? (tmpl ? tmpl : "") : "{k0:3}", table_columns);
    free(tmpl);
    struct emit e;
    emit_init(&e, FORMAT_TABLE, f, &table_rec, NULL);
    for (int persons = 0; persons < 2 && line; persons++) {
        fprintf(f, "\n%s\n", persons ? "People (distinct subjects)" : "Cases");
        struct table_line l = {{""}, {NULL}, {{0}}};
        for (size_t k = 0; k < r->n_by; k++)
            l.key[k] = cr_dimension_name(r->by[k]);
        for (int c = 0; c < TABLE_COLUMNS; c++)
            l.cell[c] = table_heads[c];
        emit_line(&e, &table_rec, line, &l);
        for (size_t i = 0; i < r->n_rows; i++) {
            for (size_t k = 0; k < r->n_by; k++)
                l.key[k] = r->rows[i].key[k];
            table_values(&l, &r->rows[i].f, persons);
            emit_line(&e, &table_rec, line, &l);
            mark(w);
            lines++;
        }
        for (size_t k = 0; k < CR_DIMENSION_COUNT; k++)
            l.key[k] = k == 0 ? "all" : "";
        table_values(&l, &r->total, persons);
        emit_line(&e, &table_rec, line, &l);
        mark(w);
        lines++;
    }
    free(line);
    fputs("\nconfirmed: closed (the panel confirmed it, or approved where the outcome needs no "
          "panel);\n+vetting: of those, refer with a vetting review. People are counted once in "
          "each\ncolumn they have a case in, so people's columns need not add up to their "
          "total.\n",
          f);
    followup_report_table(f, fc);
    return lines;
}

/* report: writing, as a disclosure */

#define REPORT_OPTIONS(_)                                                                        \
    _(REPORT_REASON, "reason", "TEXT",                                                           \
      "why the figures are disclosed (required; recorded in the audit trail)")                   \
    _(REPORT_RECIPIENT, "recipient", "TEXT",                                                     \
      "who receives them (required; recorded in the audit trail)")                               \
    _(REPORT_BY, "by", "LIST",                                                                   \
      "break down by outcome, category, unit, rank, employment (comma-separated)")               \
    _(REPORT_AS_AT, "as-at", "DATE",                                                             \
      "the figures as they stood at the end of DATE (YYYY-MM-DD, UTC)")                          \
    _(REPORT_FORMAT, "format", "F", "table (default), csv or json")                              \
    _(REPORT_OUTPUT, "output", "FILE",                                                           \
      "write to FILE (created 0600, put in place only once the disclosure is recorded) instead " \
      "of standard output")                                                                      \
    _(REPORT_FORCE, "force", NULL, "with --output: replace FILE if it exists")                   \
    _(REPORT_QA, "qa", NULL, "the quality figures instead (README, 'Quality assurance')")
CLI_OPTIONS(report_options, REPORT_OPTIONS);

static int
parse_by(const char *s, struct cr_report_query *q)
{
    q->n_by = 0;
    char *copy = strdup(s);
    if (!copy)
        return cli_error(EXIT_DB, "report: out of memory");
    int rc = EXIT_DONE;
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        int d = cr_dimension_parse(w);
        if (d < 0) {
            rc = cli_error(EXIT_USAGE,
                           "report: --by takes outcome, category, unit, rank or employment, "
                           "comma-separated, not '%s'",
                           w);
            break;
        }
        for (size_t k = 0; k < q->n_by; k++)
            if (q->by[k] == d)
                d = -1;
        if (d < 0) {
            rc = cli_error(EXIT_USAGE, "report: --by names %s twice", w);
            break;
        }
        q->by[q->n_by++] = d;
    }
    if (rc == EXIT_DONE && q->n_by == 0)
        rc = cli_error(EXIT_USAGE, "report: --by needs at least one of outcome, category, unit, "
                                   "rank, employment");
    free(copy);
    return rc;
}

int
cmd_report(struct cli *cli, const struct cli_args *a)
{
    const char *reason = a->opt[OPT_REPORT_REASON], *recipient = a->opt[OPT_REPORT_RECIPIENT];
    const char *by = a->opt[OPT_REPORT_BY], *as_at = a->opt[OPT_REPORT_AS_AT];
    const char *format = a->opt[OPT_REPORT_FORMAT], *output = a->opt[OPT_REPORT_OUTPUT];
    bool force = a->opt[OPT_REPORT_FORCE] != NULL;
    enum format fmt;
    int rc = parse_format("report", format, true, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (!reason || !recipient)
        return cli_error(EXIT_USAGE, "report: --reason TEXT and --recipient TEXT are required");
    if (force && !output)
        return cli_error(EXIT_USAGE, "report: --force goes with --output FILE");
    if (a->opt[OPT_REPORT_QA]) /* quality assurance (qa.c) */
        return by || as_at ? cli_error(EXIT_USAGE, "report: --qa takes no --by or --as-at")
                           : cli_report_qa(cli, reason, recipient, fmt, output, force);
    struct cr_report_query q = {1, {CR_DIMENSION_OUTCOME}, as_at};
    if (by && (rc = parse_by(by, &q)) != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    /* Counted first: a disclosure begins only when there is something to write. */
    struct cr_report r;
    struct cr_followup_counts fc;
    enum cr_status st = cr_report_get(db, &q, &r);
    /* What happened next (followup.c), as the figures stood at the same time. */
    if (st == CR_OK)
        st = cr_followup_counts_get(db, r.as_at, &fc);
    if (st != CR_OK) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(db));
        cr_report_free(&r);
        cli_end(cli, db);
        return rc;
    }
    char *msg = NULL;
    struct dout *w = dout_open(output, force, &msg);
    if (!w) {
        rc = cli_error(EXIT_INPUT, "report: %s; nothing was written", msg ? msg : "?");
        free(msg);
        cr_report_free(&r);
        cli_end(cli, db);
        return rc;
    }
    /* Recorded (or refused: the admin's alone) before the first byte. */
    static const char *const names[] = {"table", "csv", "json"};
    const struct cr_disclosure d = {"report", reason, recipient, names[fmt], dout_destination(w)};
    int64_t begin;
    if ((st = cr_disclosure_begin(db, &d, &begin)) != CR_OK) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(db));
        dout_discard(w);
        cr_report_free(&r);
        cli_end(cli, db);
        return rc;
    }
    FILE *f = dout_stream(w);
    int64_t now = cr_db_now(db);
    int64_t lines = fmt == FORMAT_CSV    ? report_csv(f, &r, w)
                    : fmt == FORMAT_JSON ? report_json(f, &r, now, w, &fc)
                                         : report_table(f, &r, now, w, &fc);
    cr_report_free(&r);
    struct cr_disclosure_end e = {0};
    int written = dout_finish(w, &e);
    if ((st = cr_disclosure_end(db, begin, &e)) != CR_OK) {
        rc = cli_error(cr_status_exit(st),
                       "report: %s; the figures were written but their end "
                       "is not recorded",
                       cr_db_errmsg(db));
        dout_discard(w);
    } else if (written < 0) {
        rc = cli_error(EXIT_INPUT,
                       "report: writing failed after %lld %s (%s); the disclosure is recorded as "
                       "incomplete",
                       (long long)e.rows, e.rows == 1 ? "line" : "lines", e.error ? e.error : "?");
        dout_discard(w);
    } else if (dout_publish(w, &msg) < 0) {
        /* The end event is committed: now, and only now, the file takes its name. */
        rc = cli_error(EXIT_INPUT,
                       "report: %s; the disclosure is recorded but the file was not put in place",
                       msg ? msg : "?");
        free(msg);
    }
    cli_end(cli, db);
    if (rc == EXIT_DONE)
        cli_note("report of %lld %s for %s%s%s; recorded in the audit trail", (long long)lines,
                 lines == 1 ? "line" : "lines", recipient, output ? ", written to " : "",
                 output ? output : "");
    return rc;
}

/*
 * Every template above, for emit_check (tests/unit/test_emit.c); the
 * table's key columns are made at run time, as in the last.
 */
const struct emit_template report_templates[] = {
    {"stats, a total", &stats_rec, stats_total},
    {"stats, a count", &stats_rec, stats_count},
    {"stats, the stages", &stats_rec, stats_stages},
    {"stats, a heading", &stats_rec,
     "\nby outcome (cases)       confirmed  proposed with_panel  returned"},
    {"report, a line", &table_rec, "{k0:3} {k1:30} {k2:9} {k3:9} {k4:10} " TABLE_COLUMNS_TEMPLATE},
    {NULL, NULL, NULL},
};
