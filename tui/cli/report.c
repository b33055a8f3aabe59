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
figures_json(FILE *f, const struct cr_figures *g)
{
    fputc('{', f);
    for (int s = 0; s < CR_STAGE_COUNT; s++) {
        fprintf(f, "\"%s\": {\"cases\": %lld, \"persons\": %lld", cr_stage_name(s),
                (long long)g->cases[s], (long long)g->persons[s]);
        if (decided(s))
            fprintf(f, ", \"vetting_review\": {\"cases\": %lld, \"persons\": %lld}",
                    (long long)g->vetting_cases[s], (long long)g->vetting_persons[s]);
        fputs("}, ", f);
    }
    fprintf(f, "\"total\": {\"cases\": %lld, \"persons\": %lld}}", (long long)g->total_cases,
            (long long)g->total_persons);
}

/* stats */

#define STATS_OPTIONS(_) CLI_OPT_FORMAT(_, STATS)
CLI_OPTIONS(stats_options, STATS_OPTIONS);

static void
dissent_json(FILE *f, int64_t rounds, int64_t returned)
{
    fprintf(f, "{\"rounds_finished\": %lld, \"rounds_returned\": %lld, \"dissent_per_round\": ",
            (long long)rounds, (long long)returned);
    if (rounds)
        fprintf(f, "%.4f}", (double)returned / (double)rounds);
    else
        fputs("null}", f);
}

static void
stats_json(const struct cr_dashboard *d)
{
    const struct cr_stats *s = &d->stats;
    char day[11];
    printf("{\"cases\": %lld, \"subjects\": %lld,\n \"by_state\": {", (long long)s->cases,
           (long long)s->subjects);
    for (int i = 0; i < CR_STATE_COUNT; i++)
        printf("%s\"%s\": %lld", i ? ", " : "", cr_state_name(i), (long long)s->by_state[i]);
    printf("},\n \"by_outcome\": {");
    for (int i = 0; i <= CR_OUTCOME_COUNT; i++) {
        printf("%s\n  \"%s\": ", i ? "," : "", i < CR_OUTCOME_COUNT ? cr_outcome_name(i) : "none");
        figures_json(stdout, &s->by_outcome[i]);
    }
    printf(",\n  \"all\": ");
    figures_json(stdout, &s->figures);
    printf("},\n \"by_category\": {");
    for (int i = 0; i < CR_CATEGORY_COUNT; i++)
        printf("\"%s\": %lld, ", cr_category_name(i), (long long)s->by_category[i]);
    printf("\"both\": %lld},\n \"allegations\": {\"total\": %lld", (long long)s->both_categories,
           (long long)s->allegations);
    for (int i = 0; i < CR_CATEGORY_COUNT; i++)
        printf(", \"%s\": %lld", cr_category_name(i), (long long)s->allegations_by_category[i]);
    printf("},\n \"overdue\": {");
    for (int i = 0, n = 0; i < CR_STATE_COUNT; i++)
        if (cr_state_sla(i) >= 0)
            printf("%s\"%s\": %lld", n++ ? ", " : "", cr_state_name(i), (long long)d->overdue[i]);
    printf("},\n \"decisions_per_week\": {\"first_week\": \"%s\", \"counts\": [",
           date_of(d->week_start, day));
    for (int w = 0; w < CR_DASHBOARD_WEEKS; w++)
        printf("%s%lld", w ? ", " : "", (long long)d->decisions_per_week[w]);
    printf("]},\n \"weekly_rate\": %.2f, \"undecided\": %lld, \"backlog_clears\": ", d->rate,
           (long long)d->undecided);
    if (d->backlog_clears)
        printf("\"%s\"", date_of(d->backlog_clears, day));
    else
        printf("null");
    printf(",\n \"panel\": ");
    dissent_json(stdout, d->panel_rounds, d->panel_returned);
    printf(",\n \"reviewers\": ");
    if (!d->reviewers_shown) {
        printf("null}\n");
        return;
    }
    printf("[");
    for (size_t i = 0; i < d->n_reviewers; i++) {
        const struct cr_reviewer_mix *m = &d->reviewers[i];
        printf("%s\n  {\"login\": ", i ? "," : "");
        out_json_string(stdout, m->login);
        for (int o = 0; o < CR_OUTCOME_COUNT; o++)
            printf(", \"%s\": %lld", cr_outcome_name(o), (long long)m->by_outcome[o]);
        printf(", \"decided\": %lld, \"panel\": ", (long long)m->decided);
        dissent_json(stdout, m->panel_rounds, m->panel_returned);
        printf("}");
    }
    printf("]}\n");
}

static void
stats_table(const struct cr_dashboard *d)
{
    const struct cr_stats *s = &d->stats;
    printf("%-24s %9lld\n", "cases", (long long)s->cases);
    printf("\nby state\n");
    for (int i = 0; i < CR_STATE_COUNT; i++)
        printf("  %-22s %9lld\n", cr_state_name(i), (long long)s->by_state[i]);
    printf("\nby outcome (cases)       confirmed  proposed with_panel  returned\n");
    for (int i = 0; i < CR_OUTCOME_COUNT; i++) {
        const struct cr_figures *g = &s->by_outcome[i];
        printf("  %-22s %9lld %9lld %10lld %9lld\n", cr_outcome_name(i),
               (long long)g->cases[CR_STAGE_CONFIRMED], (long long)g->cases[CR_STAGE_PROPOSED],
               (long long)g->cases[CR_STAGE_WITH_PANEL], (long long)g->cases[CR_STAGE_RETURNED]);
    }
    const struct cr_figures *r = &s->by_outcome[CR_OUTCOME_REFER];
    printf("  %-22s %9lld %9lld %10lld %9lld\n", "of which vetting review",
           (long long)r->vetting_cases[CR_STAGE_CONFIRMED],
           (long long)r->vetting_cases[CR_STAGE_PROPOSED],
           (long long)r->vetting_cases[CR_STAGE_WITH_PANEL],
           (long long)r->vetting_cases[CR_STAGE_RETURNED]);
    printf("  %-22s %9lld\n", "not decided", (long long)s->figures.cases[CR_STAGE_UNDECIDED]);
    printf("\nby category (cases)\n");
    for (int i = 0; i < CR_CATEGORY_COUNT; i++)
        printf("  %-22s %9lld\n", cr_category_name(i), (long long)s->by_category[i]);
    printf("  %-22s %9lld\n", "both", (long long)s->both_categories);
    printf("\n%-24s %9lld\n", "allegations", (long long)s->allegations);
    for (int i = 0; i < CR_CATEGORY_COUNT; i++)
        printf("  %-22s %9lld\n", cr_category_name(i), (long long)s->allegations_by_category[i]);
    printf("\n%-24s %9lld\n", "subjects", (long long)s->subjects);
}

int
cmd_stats(struct cli *cli, const struct cli_args *a)
{
    enum format fmt;
    int rc = parse_format("stats", a->opt[OPT_STATS_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
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
    if (fmt == FORMAT_JSON)
        stats_json(&d);
    else
        stats_table(&d);
    cr_dashboard_free(&d);
    cli_end(cli, db);
    return EXIT_DONE;
}

/* report: rendering */

/* A CSV cell; one a spreadsheet would run as a formula is written after a quote mark. */
static void
csv_cell(FILE *f, const char *s)
{
    if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r')) {
        char *quoted = malloc(strlen(s) + 2);
        if (quoted) {
            quoted[0] = '\'';
            strcpy(quoted + 1, s);
            cr_csv_write_field(f, quoted);
            free(quoted);
            return;
        }
    }
    cr_csv_write_field(f, s ? s : "");
}

static void
csv_figures_header(FILE *f)
{
    for (int s = 0; s < CR_STAGE_COUNT; s++) {
        fprintf(f, "%s_cases,%s_persons,", cr_stage_name(s), cr_stage_name(s));
        if (decided(s))
            fprintf(f, "%s_vetting_review_cases,%s_vetting_review_persons,", cr_stage_name(s),
                    cr_stage_name(s));
    }
    fputs("total_cases,total_persons\r\n", f);
}

static void
csv_figures(FILE *f, const struct cr_figures *g)
{
    for (int s = 0; s < CR_STAGE_COUNT; s++) {
        fprintf(f, "%lld,%lld,", (long long)g->cases[s], (long long)g->persons[s]);
        if (decided(s))
            fprintf(f, "%lld,%lld,", (long long)g->vetting_cases[s],
                    (long long)g->vetting_persons[s]);
    }
    fprintf(f, "%lld,%lld\r\n", (long long)g->total_cases, (long long)g->total_persons);
}

/* The end of a report line: the writer counts the lines that left whole. */
static void
mark(struct dout *w)
{
    if (w)
        dout_mark(w);
}

/* One line per group, then the totals ("all" in every key column); returns the lines written. */
static int64_t
report_csv(FILE *f, const struct cr_report *r, struct dout *w)
{
    for (size_t k = 0; k < r->n_by; k++)
        fprintf(f, "%s,", cr_dimension_name(r->by[k]));
    csv_figures_header(f);
    for (size_t i = 0; i < r->n_rows; i++) {
        for (size_t k = 0; k < r->n_by; k++) {
            csv_cell(f, r->rows[i].key[k]);
            fputc(',', f);
        }
        csv_figures(f, &r->rows[i].f);
        mark(w);
    }
    for (size_t k = 0; k < r->n_by; k++)
        fputs("all,", f);
    csv_figures(f, &r->total);
    mark(w);
    return (int64_t)r->n_rows + 1;
}

static int64_t
report_json(FILE *f, const struct cr_report *r, int64_t now, struct dout *w)
{
    char day[11];
    fputs("{\"as_at\": ", f);
    fprintf(f, "\"%s\"", date_of(r->as_at ? r->as_at - 1 : now, day));
    fprintf(f, ", \"counted\": \"%s\", \"by\": [", r->scanned ? "every case" : "counters");
    for (size_t k = 0; k < r->n_by; k++)
        fprintf(f, "%s\"%s\"", k ? ", " : "", cr_dimension_name(r->by[k]));
    fputs("],\n \"rows\": [", f);
    for (size_t i = 0; i < r->n_rows; i++) {
        fprintf(f, "%s\n  {", i ? "," : "");
        for (size_t k = 0; k < r->n_by; k++) {
            fprintf(f, "\"%s\": ", cr_dimension_name(r->by[k]));
            out_json_string(f, r->rows[i].key[k]);
            fputs(", ", f);
        }
        fputs("\"figures\": ", f);
        figures_json(f, &r->rows[i].f);
        fputc('}', f);
        mark(w);
    }
    fputs("],\n \"total\": ", f);
    figures_json(f, &r->total);
    fputs("}\n", f);
    mark(w);
    return (int64_t)r->n_rows + 1;
}

/* The table's columns: each stage, and the vetting reviews of the confirmed and proposed. */
#define TABLE_COLUMNS 8
static const char *const table_heads[TABLE_COLUMNS] = {"confirmed",   "+vetting",   "proposed",
                                                       "+vetting",    "with panel", "returned",
                                                       "not decided", "total"};

static void
table_numbers(FILE *f, const int64_t v[TABLE_COLUMNS])
{
    for (int c = 0; c < TABLE_COLUMNS; c++)
        fprintf(f, " %*lld", c == 6 ? 11 : 10, (long long)v[c]);
    fputc('\n', f);
}

static void
table_values(const struct cr_figures *g, bool persons, int64_t v[TABLE_COLUMNS])
{
    const int64_t *n = persons ? g->persons : g->cases;
    const int64_t *vet = persons ? g->vetting_persons : g->vetting_cases;
    v[0] = n[CR_STAGE_CONFIRMED];
    v[1] = vet[CR_STAGE_CONFIRMED];
    v[2] = n[CR_STAGE_PROPOSED];
    v[3] = vet[CR_STAGE_PROPOSED];
    v[4] = n[CR_STAGE_WITH_PANEL];
    v[5] = n[CR_STAGE_RETURNED];
    v[6] = n[CR_STAGE_UNDECIDED];
    v[7] = persons ? g->total_persons : g->total_cases;
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
report_table(FILE *f, const struct cr_report *r, int64_t now, struct dout *w)
{
    char day[11];
    int64_t lines = 0;
    if (r->as_at)
        fprintf(f, "Figures as they stood at the end of %s (UTC)", date_of(r->as_at - 1, day));
    else
        fprintf(f, "Figures on %s", date_of(now, day));
    fprintf(f, ", counted %s\n",
            r->scanned ? "by reading every case" : "from the maintained counters");
    int width[CR_DIMENSION_COUNT];
    for (size_t k = 0; k < r->n_by; k++) {
        width[k] = (int)strlen(cr_dimension_name(r->by[k]));
        if (width[k] < 3)
            width[k] = 3;
        for (size_t i = 0; i < r->n_rows; i++) {
            int cw = cells(r->rows[i].key[k]);
            if (cw > width[k])
                width[k] = cw > 30 ? 30 : cw;
        }
    }
    for (int persons = 0; persons < 2; persons++) {
        fprintf(f, "\n%s\n", persons ? "People (distinct subjects)" : "Cases");
        for (size_t k = 0; k < r->n_by; k++) {
            out_cell(f, cr_dimension_name(r->by[k]), width[k]);
            fputc(' ', f);
        }
        if (!r->n_by)
            out_cell(f, "", 3);
        for (int c = 0; c < TABLE_COLUMNS; c++)
            fprintf(f, " %*s", c == 6 ? 11 : 10, table_heads[c]);
        fputc('\n', f);
        int64_t v[TABLE_COLUMNS];
        for (size_t i = 0; i < r->n_rows; i++) {
            for (size_t k = 0; k < r->n_by; k++) {
                out_cell(f, r->rows[i].key[k], width[k]);
                fputc(' ', f);
            }
            table_values(&r->rows[i].f, persons, v);
            table_numbers(f, v);
            mark(w);
            lines++;
        }
        for (size_t k = 0; k < r->n_by; k++) {
            out_cell(f, k == 0 ? "all" : "", width[k]);
            fputc(' ', f);
        }
        if (!r->n_by)
            out_cell(f, "all", 3);
        table_values(&r->total, persons, v);
        table_numbers(f, v);
        mark(w);
        lines++;
    }
    fputs("\nconfirmed: closed (the panel confirmed it, or approved where the outcome needs no "
          "panel);\n+vetting: of those, refer with a vetting review. People are counted once in "
          "each\ncolumn they have a case in, so people's columns need not add up to their "
          "total.\n",
          f);
    return lines;
}

/* report: writing, as a disclosure */

#define REPORT_OPTIONS(_)                                                                          \
    _(REPORT_REASON, "reason", "TEXT",                                                             \
      "why the figures are disclosed (required; recorded in the audit trail)")                     \
    _(REPORT_RECIPIENT, "recipient", "TEXT",                                                       \
      "who receives them (required; recorded in the audit trail)")                                 \
    _(REPORT_BY, "by", "LIST",                                                                     \
      "break down by outcome, category, unit, rank, employment (comma-separated)")                 \
    _(REPORT_AS_AT, "as-at", "DATE",                                                               \
      "the figures as they stood at the end of DATE (YYYY-MM-DD, UTC)")                            \
    _(REPORT_FORMAT, "format", "F", "table (default), csv or json")                                \
    _(REPORT_OUTPUT, "output", "FILE",                                                             \
      "write to FILE (created 0600, put in place only once the disclosure is recorded) instead "   \
      "of standard output")                                                                        \
    _(REPORT_FORCE, "force", NULL, "with --output: replace FILE if it exists")
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
    if (!reason || !recipient)
        return cli_error(EXIT_USAGE, "report: --reason TEXT and --recipient TEXT are required");
    if (force && !output)
        return cli_error(EXIT_USAGE, "report: --force goes with --output FILE");
    enum format fmt;
    int rc = parse_format("report", format, true, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    struct cr_report_query q = {1, {CR_DIMENSION_OUTCOME}, as_at};
    if (by && (rc = parse_by(by, &q)) != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    /* Counted first: a disclosure begins only when there is something to write. */
    struct cr_report r;
    enum cr_status st = cr_report_get(db, &q, &r);
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
                    : fmt == FORMAT_JSON ? report_json(f, &r, now, w)
                                      : report_table(f, &r, now, w);
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
