/*
 * The commands of SPEC section 7 and their table.  Each command parses its
 * own values, calls core/, and prints core's result or message; no rule is
 * decided here.
 */
#include "cli.h"

#include "generate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Open the database; on failure print core's message and return the exit status. */
static int
open_db(const struct cli *cli, unsigned flags, cr_db **db)
{
    enum cr_status st = cr_db_open(cli->db_path, flags, cli_clock, NULL, db);
    if (st == CR_OK)
        return EXIT_DONE;
    int rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(*db));
    cr_db_discard(*db);
    *db = NULL;
    return rc;
}

static int
fail(cr_db *db, enum cr_status st)
{
    return cli_error(cr_status_exit(st), "%s", cr_db_errmsg(db));
}

/* A whole number in [min, max] from an option value. */
static int
parse_number(const char *cmd, const char *opt, const char *s, long long min, long long max,
             long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < min || v > max)
        return cli_error(EXIT_USAGE, "%s: --%s must be a whole number from %lld to %lld, not '%s'",
                         cmd, opt, min, max, s);
    *out = v;
    return EXIT_DONE;
}

enum format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON };

static int
parse_format(const char *cmd, const char *s, bool csv_allowed, enum format *out)
{
    if (!s || strcmp(s, "table") == 0)
        *out = FORMAT_TABLE;
    else if (csv_allowed && strcmp(s, "csv") == 0)
        *out = FORMAT_CSV;
    else if (strcmp(s, "json") == 0)
        *out = FORMAT_JSON;
    else
        return cli_error(EXIT_USAGE, "%s: --format must be one of table, %sjson, not '%s'", cmd,
                         csv_allowed ? "csv, " : "", s);
    return EXIT_DONE;
}

/* An enumeration value from an option, or a usage error listing the choices. */
static int
parse_enum(const char *cmd, const char *opt, const char *s, int (*parse)(const char *),
           const char *(*name)(int), const char *extra, int *out)
{
    *out = parse(s);
    if (*out >= 0)
        return EXIT_DONE;
    char list[256] = "";
    size_t n = 0;
    for (int i = 0; name(i) && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", name(i));
    return cli_error(EXIT_USAGE, "%s: --%s must be one of %s%s%s, not '%s'", cmd, opt, list,
                     extra ? ", " : "", extra ? extra : "", s);
}

/* init */

static const struct cli_option init_options[] = {
    {"group", NULL, "let the file's group read and write it too (default: owner only)"},
    {NULL, NULL, NULL},
};

static int
cmd_init(struct cli *cli, const struct cli_args *a)
{
    cr_db *db;
    int rc = open_db(cli, CR_OPEN_CREATE | (a->values[0] ? CR_OPEN_GROUP : 0), &db);
    if (rc != EXIT_DONE)
        return rc;
    if (cr_db_created(db))
        printf("created %s (schema version %d)\n", cli->db_path, cr_db_schema_version(db));
    else
        printf("%s already exists (schema version %d); nothing to do\n", cli->db_path,
               cr_db_schema_version(db));
    cr_db_close(db);
    return EXIT_DONE;
}

/* import */

static const struct cli_option import_options[] = {
    {"dry-run", NULL, "check the file and report what would change; write nothing"},
    {NULL, NULL, NULL},
};

static int
cmd_import(struct cli *cli, const struct cli_args *a)
{
    const char *path = a->operands[0];
    bool dry = a->values[0] != NULL;
    bool is_stdin = strcmp(path, "-") == 0;
    const char *label = is_stdin ? "<stdin>" : path;
    FILE *in = is_stdin ? stdin : fopen(path, "rb");
    if (!in)
        return cli_error(EXIT_INPUT, "import: %s: %s", path, strerror(errno));

    cr_db *db;
    int rc = open_db(cli, CR_OPEN_CREATE, &db);
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
            cli_error(EXIT_INPUT, "%s: stopped reading after the first %d problems",
                      label, CR_IMPORT_MAX_ERRORS);
        rc = fail(db, st);
        cr_diags_free(diags);
        if (cr_db_created(db) || dry)
            cr_db_discard(db);
        else
            cr_db_close(db);
        return rc;
    }
    cr_diags_free(diags);
    if (dry) {
        printf("%s: ok (dry run, nothing written): %lld rows; would add %lld cases and %lld "
               "allegations; %lld allegations already imported\n",
               label, (long long)r.rows, (long long)r.new_cases, (long long)r.new_allegations,
               (long long)r.known_allegations);
        cr_db_discard(db);
        return EXIT_DONE;
    }
    if (r.new_allegations == 0 && r.updated_subjects == 0) {
        printf("%s: nothing to import: all %lld allegations are already in the database\n",
               label, (long long)r.known_allegations);
    } else {
        printf("%s: imported %lld allegation%s: %lld new case%s\n", label,
               (long long)r.new_allegations, r.new_allegations == 1 ? "" : "s",
               (long long)r.new_cases, r.new_cases == 1 ? "" : "s");
        if (r.added_to_open)
            printf("  %lld allegation%s added to cases already open\n",
                   (long long)r.added_to_open, r.added_to_open == 1 ? "" : "s");
        if (r.known_allegations)
            printf("  %lld allegations were already imported\n", (long long)r.known_allegations);
        if (r.updated_subjects)
            printf("  %lld subject%s details updated\n", (long long)r.updated_subjects,
                   r.updated_subjects == 1 ? "'s" : "s'");
        if (r.reopened_cases)
            printf("  %lld new cases follow a closed case of the same subject\n",
                   (long long)r.reopened_cases);
        if (r.returned_cases)
            printf("  %lld cases returned for a new decision\n", (long long)r.returned_cases);
    }
    cr_db_close(db);
    return EXIT_DONE;
}

/* generate */

static const struct cli_option generate_options[] = {
    {"cases", "N", "number of subjects, each a case (default 1131)"},
    {"seed", "S", "random seed; the same seed gives the same bytes (default 1)"},
    {NULL, NULL, NULL},
};

static int
cmd_generate(struct cli *cli, const struct cli_args *a)
{
    long long n = 1131, seed = 1;
    int rc;
    if (a->values[0] &&
        (rc = parse_number("generate", "cases", a->values[0], 1, 10000000, &n)) != EXIT_DONE)
        return rc;
    if (a->values[1] &&
        (rc = parse_number("generate", "seed", a->values[1], 0, INT64_MAX, &seed)) != EXIT_DONE)
        return rc;
    if (crgen_write(stdout, (long)n, (uint64_t)seed) < 0)
        return cli_error(EXIT_INPUT, "generate: write failed: %s", strerror(errno));
    return EXIT_DONE;
}

/* list */

static const struct cli_option list_options[] = {
    {"state", "S",
     "only cases in state S (flagged, in_review, awaiting_approval, panel_review, returned, "
     "closed)"},
    {"outcome", "O", "only cases with outcome O (nfa, reassess, refer, or none)"},
    {"format", "F", "table (default), csv or json"},
    {"limit", "N", "at most N cases"},
    {NULL, NULL, NULL},
};

static void
format_categories(unsigned cats, char *out, size_t n, bool short_form)
{
    out[0] = '\0';
    size_t used = 0;
    for (int c = 0; c < CR_CATEGORY_COUNT; c++) {
        if (!(cats & (1u << c)))
            continue;
        const char *name = short_form ? (c == CR_CATEGORY_DOMESTIC_VIOLENCE ? "DV" : "SO")
                                      : cr_category_name(c);
        used += (size_t)snprintf(out + used, n - used, "%s%s", used ? (short_form ? "+" : ";")
                                                                    : "",
                                 name);
    }
}

static void
print_row_table(const struct cr_case_row *r, int64_t now)
{
    char name[600], cats[64], age[32];
    snprintf(name, sizeof name, "%s, %s", r->surname, r->forenames);
    format_categories(r->categories, cats, sizeof cats, true);
    snprintf(age, sizeof age, "%lldd", (long long)((now - r->created_at) / 86400));
    printf("%6lld  ", (long long)r->id);
    out_cell(stdout, cr_state_name(r->state), 17);
    printf(" %5s  ", age);
    out_cell(stdout, r->subject_ref, 10);
    putchar(' ');
    out_cell(stdout, name, 24);
    putchar(' ');
    out_cell(stdout, r->rank, 18);
    putchar(' ');
    out_cell(stdout, r->unit, 22);
    printf(" %-5s %3d  ", cats, r->n_allegations);
    out_safe(stdout, r->assignee ? r->assignee : "-");
    putchar('\n');
}

static void
print_row_csv(const struct cr_case_row *r)
{
    char created[21], cats[64], num[32];
    const char *outcome = r->outcome >= 0 ? cr_outcome_name(r->outcome) : "";
    cr_time_format(r->created_at, created);
    format_categories(r->categories, cats, sizeof cats, false);
    snprintf(num, sizeof num, "%lld", (long long)r->id);
    const char *f[] = {num, cr_state_name(r->state), outcome, NULL, created, r->subject_ref,
                       r->surname, r->forenames, r->rank, r->unit, cr_duty_name(r->duty), cats,
                       NULL, r->assignee ? r->assignee : ""};
    char pri[32], n[16];
    snprintf(pri, sizeof pri, "%lld", (long long)r->priority);
    snprintf(n, sizeof n, "%d", r->n_allegations);
    f[3] = pri;
    f[12] = n;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (i)
            putchar(',');
        cr_csv_write_field(stdout, f[i]);
    }
    putchar('\n');
}

static void
json_field(const char *key, const char *value, bool last)
{
    printf("\"%s\": ", key);
    if (value)
        cr_json_write_string(stdout, value);
    else
        fputs("null", stdout);
    fputs(last ? "" : ", ", stdout);
}

static void
print_row_json(const struct cr_case_row *r)
{
    char created[21];
    cr_time_format(r->created_at, created);
    printf("{\"case\": %lld, ", (long long)r->id);
    json_field("state", cr_state_name(r->state), false);
    json_field("outcome", r->outcome >= 0 ? cr_outcome_name(r->outcome) : NULL, false);
    printf("\"priority\": %lld, ", (long long)r->priority);
    json_field("created_at", created, false);
    json_field("subject_ref", r->subject_ref, false);
    json_field("surname", r->surname, false);
    json_field("forenames", r->forenames, false);
    json_field("rank", r->rank, false);
    json_field("unit", r->unit, false);
    json_field("duty_status", cr_duty_name(r->duty), false);
    fputs("\"categories\": [", stdout);
    bool first = true;
    for (int c = 0; c < CR_CATEGORY_COUNT; c++) {
        if (r->categories & (1u << c)) {
            printf("%s\"%s\"", first ? "" : ", ", cr_category_name(c));
            first = false;
        }
    }
    printf("], \"allegations\": %d, ", r->n_allegations);
    json_field("assignee", r->assignee, true);
    putchar('}');
}

static int
cmd_list(struct cli *cli, const struct cli_args *a)
{
    struct cr_filter filter = {-1, -1};
    enum format fmt;
    long long limit = INT64_MAX;
    int rc;
    if (a->values[0] && (rc = parse_enum("list", "state", a->values[0], cr_state_parse,
                                         cr_state_name, NULL, &filter.state)) != EXIT_DONE)
        return rc;
    if (a->values[1]) {
        if (strcmp(a->values[1], "none") == 0)
            filter.outcome = CR_OUTCOME_COUNT;
        else if ((rc = parse_enum("list", "outcome", a->values[1], cr_outcome_parse,
                                  cr_outcome_name, "none", &filter.outcome)) != EXIT_DONE)
            return rc;
    }
    if ((rc = parse_format("list", a->values[2], true, &fmt)) != EXIT_DONE)
        return rc;
    if (a->values[3] &&
        (rc = parse_number("list", "limit", a->values[3], 1, INT64_MAX, &limit)) != EXIT_DONE)
        return rc;

    cr_db *db;
    if ((rc = open_db(cli, 0, &db)) != EXIT_DONE)
        return rc;
    int64_t now = cr_db_now(db);
    if (fmt == FORMAT_TABLE)
        printf("%6s  %-17s %6s  %-10s %-24s %-18s %-22s %-5s %3s  %s\n", "CASE", "STATE", "AGE",
               "SUBJECT", "NAME", "RANK", "UNIT", "CAT", "N", "ASSIGNEE");
    else if (fmt == FORMAT_CSV)
        printf("case,state,outcome,priority,created_at,subject_ref,surname,forenames,rank,unit,"
               "duty_status,categories,allegations,assignee\n");
    else
        printf("[");

    struct cr_page page = {0};
    int64_t after = 0;
    long long shown = 0;
    enum cr_status st = CR_OK;
    do {
        size_t want = limit - shown < 500 ? (size_t)(limit - shown) : 500;
        if ((st = cr_list_page(db, &filter, after, want, &page)) != CR_OK)
            break;
        for (size_t i = 0; i < page.n; i++, shown++) {
            const struct cr_case_row *r = &page.rows[i];
            if (fmt == FORMAT_TABLE) {
                print_row_table(r, now);
            } else if (fmt == FORMAT_CSV) {
                print_row_csv(r);
            } else {
                fputs(shown ? ",\n " : "\n ", stdout);
                print_row_json(r);
            }
        }
        if (page.n)
            after = page.rows[page.n - 1].sortkey;
    } while (page.more && shown < limit);
    cr_page_free(&page);
    if (fmt == FORMAT_JSON)
        printf("%s]\n", shown ? "\n" : "");
    if (st != CR_OK) {
        rc = fail(db, st);
        cr_db_close(db);
        return rc;
    }
    cr_db_close(db);
    if (fflush(stdout) == EOF)
        return cli_error(EXIT_INPUT, "list: write failed: %s", strerror(errno));
    return EXIT_DONE;
}

/* show */

static void
show_line(const char *label, const char *value)
{
    printf("%-12s ", label);
    out_safe(stdout, value ? value : "-");
    putchar('\n');
}

static int
cmd_show(struct cli *cli, const struct cli_args *a)
{
    cr_db *db;
    int rc = open_db(cli, 0, &db);
    if (rc != EXIT_DONE)
        return rc;
    struct cr_case c;
    enum cr_status st = cr_case_get(db, a->operands[0], &c);
    if (st != CR_OK) {
        rc = fail(db, st);
        cr_db_close(db);
        return rc;
    }
    const struct cr_case_row *r = &c.row;
    char buf[700], created[21];
    cr_time_format(r->created_at, created);
    printf("Case %lld: %s (priority %lld, flagged %s)\n", (long long)r->id,
           cr_state_label(r->state), (long long)r->priority, created);
    if (c.previous_case)
        printf("%-12s follows closed case %lld\n", "", (long long)c.previous_case);
    snprintf(buf, sizeof buf, "%s, %s", r->surname, r->forenames);
    show_line("Subject", buf);
    show_line("Reference", r->subject_ref);
    snprintf(buf, sizeof buf, "%s, %s", cr_employment_label(c.employment), r->rank);
    show_line("Employment", buf);
    show_line("Unit", r->unit);
    show_line("Duty", cr_duty_label(r->duty));
    show_line("Vetting", c.vetting >= 0 ? cr_vetting_label(c.vetting) : "not recorded");
    show_line("Assigned to", r->assignee);
    show_line("Outcome", r->outcome >= 0 ? cr_outcome_label(r->outcome) : "not decided");
    if (r->outcome == CR_OUTCOME_REFER)
        show_line("Vetting review", c.vetting_review ? "yes" : "no");
    if (c.rationale) {
        printf("Rationale\n");
        out_wrapped(stdout, c.rationale, 4, 72);
    }
    printf("\nAllegations (%zu)\n", c.n_allegations);
    for (size_t i = 0; i < c.n_allegations; i++) {
        const struct cr_allegation *al = &c.allegations[i];
        printf("\n%3zu. %s  ", i + 1, al->date);
        out_safe(stdout, al->ref);
        printf("  %s, reported by %s\n", cr_category_label(al->category),
               cr_source_label(al->source));
        printf("     Original outcome: ");
        out_safe(stdout, al->original_outcome);
        putchar('\n');
        out_wrapped(stdout, al->summary, 5, 72);
    }
    cr_case_free(&c);
    cr_db_close(db);
    return EXIT_DONE;
}

/* stats */

static const struct cli_option stats_options[] = {
    {"format", "F", "table (default) or json"},
    {NULL, NULL, NULL},
};

static int
cmd_stats(struct cli *cli, const struct cli_args *a)
{
    enum format fmt;
    int rc = parse_format("stats", a->values[0], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = open_db(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_stats s;
    enum cr_status st = cr_stats_get(db, &s);
    if (st != CR_OK) {
        rc = fail(db, st);
        cr_db_close(db);
        return rc;
    }
    cr_db_close(db);
    if (fmt == FORMAT_JSON) {
        printf("{\"cases\": %lld, \"subjects\": %lld,\n \"by_state\": {", (long long)s.cases,
               (long long)s.subjects);
        for (int i = 0; i < CR_STATE_COUNT; i++)
            printf("%s\"%s\": %lld", i ? ", " : "", cr_state_name(i), (long long)s.by_state[i]);
        printf("},\n \"by_outcome\": {");
        for (int i = 0; i < CR_OUTCOME_COUNT; i++)
            printf("\"%s\": %lld, ", cr_outcome_name(i), (long long)s.by_outcome[i]);
        printf("\"none\": %lld},\n \"by_category\": {", (long long)s.by_outcome[CR_OUTCOME_COUNT]);
        for (int i = 0; i < CR_CATEGORY_COUNT; i++)
            printf("\"%s\": %lld, ", cr_category_name(i), (long long)s.by_category[i]);
        printf("\"both\": %lld},\n \"allegations\": {\"total\": %lld", (long long)s.both_categories,
               (long long)s.allegations);
        for (int i = 0; i < CR_CATEGORY_COUNT; i++)
            printf(", \"%s\": %lld", cr_category_name(i), (long long)s.allegations_by_category[i]);
        printf("}}\n");
        return EXIT_DONE;
    }
    printf("%-24s %9lld\n", "cases", (long long)s.cases);
    printf("\nby state\n");
    for (int i = 0; i < CR_STATE_COUNT; i++)
        printf("  %-22s %9lld\n", cr_state_name(i), (long long)s.by_state[i]);
    printf("\nby outcome\n");
    for (int i = 0; i < CR_OUTCOME_COUNT; i++)
        printf("  %-22s %9lld\n", cr_outcome_name(i), (long long)s.by_outcome[i]);
    printf("  %-22s %9lld\n", "none", (long long)s.by_outcome[CR_OUTCOME_COUNT]);
    printf("\nby category (cases)\n");
    for (int i = 0; i < CR_CATEGORY_COUNT; i++)
        printf("  %-22s %9lld\n", cr_category_name(i), (long long)s.by_category[i]);
    printf("  %-22s %9lld\n", "both", (long long)s.both_categories);
    printf("\n%-24s %9lld\n", "allegations", (long long)s.allegations);
    for (int i = 0; i < CR_CATEGORY_COUNT; i++)
        printf("  %-22s %9lld\n", cr_category_name(i), (long long)s.allegations_by_category[i]);
    printf("\n%-24s %9lld\n", "subjects", (long long)s.subjects);
    return EXIT_DONE;
}

const struct cli_command cli_commands[] = {
    {"init", "", "create an empty database, owner-only", 0, 0, init_options, cmd_init},
    {"import", "FILE.csv|-", "import flagged allegations (see README, 'Import format')", 1, 1,
     import_options, cmd_import},
    {"generate", "", "write synthetic subjects' allegations as import CSV to stdout", 0, 0,
     generate_options, cmd_generate},
    {"list", "", "list cases, riskiest first", 0, 0, list_options, cmd_list},
    {"show", "CASE", "show a case: its subject, every allegation and its state", 1, 1, NULL,
     cmd_show},
    {"stats", "", "counts by state, outcome and category", 0, 0, stats_options, cmd_stats},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
