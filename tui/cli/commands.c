/*
 * The commands of SPEC section 7 and their table.  Each command parses its
 * own values, calls core/, and prints core's result or message; no rule is
 * decided here.
 */
#include "cli.h"

#include "demo.h"
#include "disclose.h"
#include "generate.h"
#include "report.h"
#include "text.h"
#include "tui.h"

#include <errno.h>
#include <signal.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Print what loading a configuration found, and check its keys and theme as well. */
static int
config_checked(struct cli *cli, const char *path, enum cr_status st, cr_diags *diags,
               struct cr_config **cfg)
{
    for (size_t i = 0; i < cr_diags_count(diags); i++) {
        out_safe(stderr, cr_diags_get(diags, i));
        fputc('\n', stderr);
    }
    cr_diags_free(diags);
    if (st == CR_INVALID)
        return cli_error(EXIT_INPUT, "%s: the configuration has problems; nothing was done",
                         path);
    if (st != CR_OK)
        return cli_error(cr_status_exit(st), "%s: %s", path, cr_status_text(st));
    /* keys: names the workstation's actions; they are checked with the rest. */
    char *msg = NULL;
    if (!tui_keys_load(&cli->keys, *cfg, &msg) || !tui_theme_check(*cfg, &msg)) {
        /* One problem a line. */
        for (char *line = msg, *end; line; line = end ? end + 1 : NULL) {
            end = strchr(line, '\n');
            if (end)
                *end = '\0';
            out_line(stderr, "%s", line);
        }
        if (!msg)
            out_line(stderr, "out of memory");
        free(msg);
        cr_config_free(*cfg);
        *cfg = NULL;
        return cli_error(EXIT_INPUT, "%s: the configuration has problems; nothing was done",
                         path);
    }
    return EXIT_DONE;
}

int
cli_config(struct cli *cli, const char *path, struct cr_config **cfg)
{
    cr_diags *diags = NULL;
    enum cr_status st = cr_config_load(path, cfg, &diags);
    return config_checked(cli, path, st, diags, cfg);
}

/*
 * The kernel's name for the person running the program: the real uid's
 * login, never $USER or $LOGNAME (anyone can set those), and not the
 * effective uid, which a setgid or setuid install may change.
 */
static const char *
os_login(void)
{
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : NULL;
}

/* Who acts under cfg: the Unix login, or --as where cfg allows it. */
static int
identify(struct cli *cli, const struct cr_config *cfg, const char *login,
         const struct cr_person **who)
{
    /* The message names the file and the logins: its buffer is sized by them. */
    size_t n = 512 + strlen(cfg->path ? cfg->path : "") + strlen(login ? login : "") +
               strlen(cli->as_login ? cli->as_login : "");
    char *msg = malloc(n);
    enum cr_status st =
        msg ? cr_config_identify(cfg, login, cli->as_login, who, msg, n) : CR_NOMEM;
    int rc = st == CR_OK ? EXIT_DONE
                         : cli_error(cr_status_exit(st), "%s", msg ? msg : "out of memory");
    free(msg);
    return rc;
}

/*
 * The session: the configuration given (or, for pinned, the one pinned in
 * the database), compared with the pinned one, the person identified under
 * it, the database opened and that person signed in.
 */
static int
session(struct cli *cli, unsigned open_flags, bool pinned, cr_db **db)
{
    *db = NULL;
    const char *login = os_login();
    if (!login)
        return cli_error(EXIT_REFUSED,
                         "cannot tell who you are: your user id %ld has no login name",
                         (long)getuid());
    cli_service_raise(cli); /* setgid: the fixed configuration and database only, then dropped */
    int rc;
    if (!pinned && (rc = cli_config(cli, cli->config_path, &cli->cfg)) != EXIT_DONE) {
        cli_service_drop();
        return rc;
    }
    /*
     * Someone off the roster is refused before anything is opened or made: a
     * database created for them could not be removed once the service group
     * is given up.  (After opening, the same check runs under the pinned rules.)
     */
    const struct cr_person *early;
    if (!pinned && (rc = identify(cli, cli->cfg, login, &early)) != EXIT_DONE) {
        cli_service_drop();
        cr_config_free(cli->cfg);
        cli->cfg = NULL;
        return rc;
    }
    enum cr_status st =
        cr_db_open(cli->db_path, cli_service_flags(pinned ? 0 : open_flags), cli_clock, NULL, db);
    if (st != CR_OK) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(*db));
        cr_db_discard(*db); /* with the group still held, so that what it made can go */
        *db = NULL;
        cli_service_drop();
        cr_config_free(cli->cfg);
        cli->cfg = NULL;
        return rc;
    }
    /* The database is open (its files too): the service group is given up for good. */
    cli_service_drop();
    if (pinned) {
        /* The rules as the database keeps them: no file can stand in for them. */
        struct cr_config_version v;
        if ((st = cr_config_version_get(*db, NULL, &v)) != CR_OK) {
            rc = st == CR_NOT_FOUND
                     ? cli_error(EXIT_INPUT,
                                 "%s has no pinned configuration yet; any command pins the "
                                 "one it is given (--config)",
                                 cli->db_path)
                     : cli_error(cr_status_exit(st), "%s", cr_db_errmsg(*db));
            goto fail;
        }
        char *label = tui_printf("%s (pinned, digest %.16s)", cli->db_path, v.digest);
        cr_diags *diags = NULL;
        st = label ? cr_config_from_text(label, v.text, v.len, &cli->cfg, &diags) : CR_NOMEM;
        rc = config_checked(cli, label ? label : cli->db_path, st, diags, &cli->cfg);
        free(label);
        cr_config_version_free(&v);
        if (rc != EXIT_DONE)
            goto fail;
    }
    st = cr_config_pin_check(*db, cli->cfg);
    bool pin = st == CR_NOT_FOUND;
    if (st != CR_OK && !pin) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(*db));
        goto fail;
    }
    const struct cr_person *who;
    if ((rc = identify(cli, cli->cfg, login, &who)) != EXIT_DONE)
        goto fail;
    cr_db_set_user(*db, cli->cfg, who);
    cli->who = who;
    if ((st = cr_db_set_os_login(*db, login)) != CR_OK ||
        (pin && (st = cr_config_pin(*db)) != CR_OK) ||
        (cli->purpose && (st = cr_db_set_purpose(*db, cli->purpose)) != CR_OK)) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(*db));
        goto fail;
    }
    /*
     * The quorum flags need no recomputing here: the rules change only when a
     * configuration is pinned or adopted, and those recompute them in their
     * own transaction (reading every case with the panel at each command's
     * start would cost seconds at a million cases).
     */
    return EXIT_DONE;
fail:
    /* A database this command made, refused, is not left behind. */
    cr_db_discard(*db);
    *db = NULL;
    cr_config_free(cli->cfg);
    cli->cfg = NULL;
    return rc;
}

int
cli_session(struct cli *cli, unsigned open_flags, cr_db **db)
{
    return session(cli, open_flags, false, db);
}

int
cli_interface(struct cli *cli)
{
    cr_db *db;
    int rc = cli_session(cli, 0, &db);
    if (rc != EXIT_DONE)
        return rc;
    rc = tui_run(db, cli->cfg, cli->who, &cli->keys, cli->db_path, cli->theme, cli->script,
                 cli->size);
    cli_end(cli, db);
    return rc;
}

void
cli_end(struct cli *cli, cr_db *db)
{
    /* A read-only copy cannot record what was read in it: say so, once. */
    if (cr_db_unrecorded(db) > 0)
        cli_note("%s is a read-only copy: this consultation is not recorded in its audit trail",
                 cli->db_path);
    cr_db_close(db);
    cr_config_free(cli->cfg);
    cli->cfg = NULL;
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

int
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
    char *list = NULL;
    for (int i = 0; name(i); i++) {
        char *longer = tui_printf("%s%s%s", list ? list : "", i ? ", " : "", name(i));
        free(list);
        if (!(list = longer))
            break;
    }
    int rc = cli_error(EXIT_USAGE, "%s: --%s must be one of %s%s%s, not '%s'", cmd, opt,
                       list ? list : "?", extra ? ", " : "", extra ? extra : "", s);
    free(list);
    return rc;
}

/*
 * The Unix login that ran an event's command when it is not the login the
 * event names (--as), or NULL: both are shown, so that acting as someone
 * else is never hidden.
 */
static const char *
acted_as(const struct cr_event *e)
{
    return e->os_login && e->actor && strcmp(e->os_login, e->actor) != 0 ? e->os_login : NULL;
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
    int rc = cli_session(cli, CR_OPEN_CREATE | (a->values[0] ? CR_OPEN_GROUP : 0), &db);
    if (rc != EXIT_DONE)
        return rc;
    if (cr_db_created(db))
        out_line(stdout, "created %s (schema version %d)", cli->db_path, cr_db_schema_version(db));
    else
        out_line(stdout, "%s already exists (schema version %d); nothing to do", cli->db_path,
                 cr_db_schema_version(db));
    cli_end(cli, db);
    return EXIT_DONE;
}

/* import */

static const struct cli_option import_options[] = {
    {"dry-run", NULL, "check the file and report what would change; write nothing"},
    {NULL, NULL, NULL},
};

static const char *
plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

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
    int rc = cli_session(cli, CR_OPEN_CREATE, &db);
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
        rc = fail(db, st);
        cr_diags_free(diags);
        if (cr_db_created(db) || dry) {
            cr_db_discard(db);
            db = NULL;
        }
        cli_end(cli, db);
        return rc;
    }
    cr_diags_free(diags);
    if (dry) {
        out_line(stdout,
                 "%s: ok (dry run, nothing written): %lld %s; would add %lld %s and %lld %s; "
                 "%lld already imported",
                 label, (long long)r.rows, plural(r.rows, "row", "rows"), (long long)r.new_cases,
                 plural(r.new_cases, "case", "cases"), (long long)r.new_allegations,
                 plural(r.new_allegations, "allegation", "allegations"),
                 (long long)r.known_allegations);
        if (r.updated_subjects) {
            char *which = import_updates(db, r.updated_subjects);
            out_line(stdout, "  would update %lld %s details: %s", (long long)r.updated_subjects,
                     plural(r.updated_subjects, "subject's", "subjects'"), which ? which : "");
            free(which);
        }
        cr_db_discard(db);
        cli_end(cli, NULL);
        return EXIT_DONE;
    }
    if (r.new_allegations == 0 && r.updated_subjects == 0) {
        out_line(stdout, "%s: nothing to import: all %lld allegations are already in the database",
                 label, (long long)r.known_allegations);
    } else {
        out_line(stdout, "%s: imported %lld %s: %lld new %s", label, (long long)r.new_allegations,
                 plural(r.new_allegations, "allegation", "allegations"), (long long)r.new_cases,
                 plural(r.new_cases, "case", "cases"));
        if (r.added_to_open)
            printf("  %lld %s added to cases already open\n", (long long)r.added_to_open,
                   plural(r.added_to_open, "allegation", "allegations"));
        if (r.known_allegations)
            printf("  %lld %s already imported\n", (long long)r.known_allegations,
                   plural(r.known_allegations, "allegation was", "allegations were"));
        if (r.updated_subjects) {
            char *which = import_updates(db, r.updated_subjects);
            out_line(stdout, "  %lld %s details updated: %s", (long long)r.updated_subjects,
                     plural(r.updated_subjects, "subject's", "subjects'"), which ? which : "");
            free(which);
        }
        if (r.reopened_cases)
            printf("  %lld new %s a closed case of the same subject\n",
                   (long long)r.reopened_cases, plural(r.reopened_cases, "case follows",
                                                       "cases follow"));
        if (r.returned_cases)
            printf("  %lld %s returned for a new decision\n", (long long)r.returned_cases,
                   plural(r.returned_cases, "case", "cases"));
    }
    cli_end(cli, db);
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
    (void)cli;
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
            const char *name = short_form ? (c == CR_CATEGORY_DOMESTIC_VIOLENCE ? "DV" : "SO")
                                          : cr_category_name(c);
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

static void
print_row_table(const struct cr_case_row *r, int64_t now)
{
    char age[32]; /* a number of days: at most 20 digits and the 'd' */
    char *name = tui_printf("%s, %s", r->surname, r->forenames);
    char *cats = categories_text(r->categories, true);
    snprintf(age, sizeof age, "%lldd", (long long)((now - r->created_at) / 86400));
    printf("%6lld  ", (long long)r->id);
    out_cell(stdout, cr_state_name(r->state), 17);
    printf(" %5s  ", age);
    out_cell(stdout, r->subject_ref, 10);
    putchar(' ');
    out_cell(stdout, name, 24);
    free(name);
    putchar(' ');
    out_cell(stdout, r->rank, 18);
    putchar(' ');
    out_cell(stdout, r->unit, 22);
    printf(" %-5s %3d  ", cats ? cats : "?", r->n_allegations);
    free(cats);
    out_safe(stdout, r->assignee ? r->assignee : "-");
    if (r->quorum_blocked)
        fputs("  [cannot reach quorum]", stdout);
    putchar('\n');
}

/* The columns of CSV and JSON rows: one table, so both formats stay in step. */
enum col_type { COL_INT, COL_TEXT, COL_BOOL, COL_LIST };

struct row_col {
    const char *name;
    enum col_type type;
};

static const struct row_col list_cols[] = {
    {"case", COL_INT},        {"state", COL_TEXT},        {"outcome", COL_TEXT},
    {"priority", COL_INT},    {"created_at", COL_TEXT},   {"subject_ref", COL_TEXT},
    {"surname", COL_TEXT},    {"forenames", COL_TEXT},    {"rank", COL_TEXT},
    {"unit", COL_TEXT},       {"duty_status", COL_TEXT},  {"categories", COL_LIST},
    {"allegations", COL_INT}, {"assignee", COL_TEXT},     {"vetting_review", COL_BOOL},
    {"decided_by", COL_TEXT}, {"decided_at", COL_TEXT},   {"quorum_blocked", COL_BOOL},
};
#define N_LIST_COLS (sizeof list_cols / sizeof list_cols[0])

/*
 * The values of a row as text (v[i] NULL: none), in list_cols order.  Only
 * numbers and times go in fixed arrays (their length is bounded by their
 * type); text whose length depends on names is allocated.
 */
struct row_text {
    char id[24], priority[24], allegations[24]; /* a 64-bit number: at most 20 characters */
    char created_at[21], decided_at[21];        /* YYYY-MM-DDTHH:MM:SSZ */
    char *categories;
    const char *v[N_LIST_COLS];
};

/* Fill t from r; -1 when out of memory (then nothing is to be freed). */
static int
row_text(const struct cr_case_row *r, struct row_text *t)
{
    snprintf(t->id, sizeof t->id, "%lld", (long long)r->id);
    snprintf(t->priority, sizeof t->priority, "%lld", (long long)r->priority);
    snprintf(t->allegations, sizeof t->allegations, "%d", r->n_allegations);
    cr_time_format(r->created_at, t->created_at);
    if (r->decided_at)
        cr_time_format(r->decided_at, t->decided_at);
    if (!(t->categories = categories_text(r->categories, false)))
        return -1;
    const char *vals[N_LIST_COLS] = {
        t->id, cr_state_name(r->state), r->outcome >= 0 ? cr_outcome_name(r->outcome) : NULL,
        t->priority, t->created_at, r->subject_ref, r->surname, r->forenames, r->rank, r->unit,
        cr_duty_name(r->duty), t->categories, t->allegations, r->assignee,
        r->outcome == CR_OUTCOME_REFER ? (r->vetting_review ? "true" : "false") : NULL,
        r->decided_by, r->decided_at ? t->decided_at : NULL, r->quorum_blocked ? "true" : "false",
    };
    memcpy(t->v, vals, sizeof vals);
    return 0;
}

static void
row_text_free(struct row_text *t)
{
    free(t->categories);
}

static void
print_header_csv(FILE *out)
{
    for (size_t i = 0; i < N_LIST_COLS; i++)
        fprintf(out, "%s%s", i ? "," : "", list_cols[i].name);
    putc('\n', out);
}

/*
 * Whether a spreadsheet would read a cell starting like s as a formula (or
 * strip what leads it): the OWASP list, =, +, -, @, tab and carriage return.
 */
static bool
formula_lead(const char *s)
{
    return *s && strchr("=+-@\t\r", *s) != NULL;
}

/*
 * CSV is a data format: the export is the disclosure document and a list
 * can be imported again, so into a file or a pipe the fields go as stored,
 * except that a text cell a spreadsheet would run as a formula gets a single
 * quote in front (the OWASP rule), unless raw asks for the stored bytes
 * exactly.  To a terminal (marked), where a person reads it and the terminal
 * would obey what it holds, each field is marked as a table is, then quoted.
 * -1 on a write error or when out of memory.
 */
static int
print_row_csv(FILE *out, const struct cr_case_row *r, bool marked, bool raw)
{
    struct row_text t;
    if (row_text(r, &t) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < N_LIST_COLS && rc == 0; i++) {
        if (i && putc(',', out) == EOF)
            rc = -1;
        const char *text = t.v[i] ? t.v[i] : "";
        bool text_cell = list_cols[i].type == COL_TEXT || list_cols[i].type == COL_LIST;
        char *quoted = !raw && text_cell && formula_lead(text) ? tui_printf("'%s", text) : NULL;
        if (quoted)
            text = quoted;
        else if (!raw && text_cell && formula_lead(text))
            rc = -1;
        char *shown = marked && rc == 0 ? out_marked(text) : NULL;
        if (marked && !shown)
            rc = -1;
        if (rc == 0 && cr_csv_write_field(out, marked ? shown : text) < 0)
            rc = -1;
        free(shown);
        free(quoted);
    }
    row_text_free(&t);
    if (rc == 0 && putc('\n', out) == EOF)
        rc = -1;
    return rc;
}

/* -1 on a write error or when out of memory. */
static int
print_row_json(FILE *out, const struct cr_case_row *r)
{
    struct row_text t;
    if (row_text(r, &t) < 0)
        return -1;
    putc('{', out);
    for (size_t i = 0; i < N_LIST_COLS; i++) {
        fprintf(out, "%s\"%s\": ", i ? ", " : "", list_cols[i].name);
        if (!t.v[i]) {
            fputs("null", out);
        } else if (list_cols[i].type == COL_INT || list_cols[i].type == COL_BOOL) {
            fputs(t.v[i], out);
        } else if (list_cols[i].type == COL_LIST) {
            putc('[', out);
            bool first = true;
            for (int c = 0; c < CR_CATEGORY_COUNT; c++) {
                if (r->categories & (1u << c)) {
                    fprintf(out, "%s\"%s\"", first ? "" : ", ", cr_category_name(c));
                    first = false;
                }
            }
            putc(']', out);
        } else {
            out_json_string(out, t.v[i]);
        }
    }
    row_text_free(&t);
    return putc('}', out) == EOF ? -1 : 0;
}

/* Rows in one format, to out (NULL: stdout); shared by list and export. */
struct row_printer {
    enum format fmt;
    int64_t now;
    long long shown;
    bool begun;  /* the header is out */
    bool marked; /* stdout is a terminal: CSV fields are marked too */
    bool raw;    /* --raw-cells: CSV cells exactly as stored, formulas included */
    FILE *out;
};

static void
rows_begin(struct row_printer *p)
{
    if (p->begun)
        return;
    p->begun = true;
    if (!p->out)
        p->out = stdout;
    if (p->fmt == FORMAT_TABLE)
        fprintf(p->out, "%6s  %-17s %6s  %-10s %-24s %-18s %-22s %-5s %3s  %s\n", "CASE", "STATE",
                "AGE", "SUBJECT", "NAME", "RANK", "UNIT", "CAT", "N", "ASSIGNEE");
    else if (p->fmt == FORMAT_CSV)
        print_header_csv(p->out);
    else
        putc('[', p->out);
}

static int
rows_one(void *ctx, const struct cr_case_row *r)
{
    struct row_printer *p = ctx;
    rows_begin(p);
    int rc = 0;
    if (p->fmt == FORMAT_TABLE) {
        print_row_table(r, p->now); /* list only, to stdout */
    } else if (p->fmt == FORMAT_CSV) {
        rc = print_row_csv(p->out, r, p->marked, p->raw);
    } else {
        fputs(p->shown ? ",\n " : "\n ", p->out);
        rc = print_row_json(p->out, r);
    }
    p->shown++;
    return rc < 0 || ferror(p->out) ? -1 : 0;
}

static void
rows_end(struct row_printer *p)
{
    rows_begin(p);
    if (p->fmt == FORMAT_JSON)
        fprintf(p->out, "%s]\n", p->shown ? "\n" : "");
}

/* list */

static const struct cli_option list_options[] = {
    {"state", "S",
     "only cases in state S (flagged, in_review, awaiting_approval, panel_review, returned, "
     "closed)"},
    {"outcome", "O", "only cases with outcome O (nfa, reassess, refer, or none)"},
    {"mine", NULL, "only what waits for me in my roles"},
    {"format", "F", "table (default), csv or json"},
    {"limit", "N", "at most N cases"},
    {"category", "C", "only cases with an allegation of C (domestic_violence, sexual_offence)"},
    {"sort", "S", "priority (default: riskiest first) or age (oldest first)"},
    {"search", "TEXT", "only cases whose subject, references or summaries hold every word"},
    {"raw-cells", NULL,
     "CSV cells exactly as stored (by default a cell starting =, +, -, @, tab or CR gets a ' "
     "in front, so that a spreadsheet does not run it as a formula)"},
    {NULL, NULL, NULL},
};

static int
cmd_list(struct cli *cli, const struct cli_args *a)
{
    struct cr_filter filter = CR_FILTER_ALL;
    struct row_printer p = {.marked = isatty(STDOUT_FILENO), .raw = a->values[8] != NULL};
    long long limit = INT64_MAX;
    bool mine = a->values[2] != NULL;
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
    if (a->values[5] && (rc = parse_enum("list", "category", a->values[5], cr_category_parse,
                                         cr_category_name, NULL, &filter.category)) != EXIT_DONE)
        return rc;
    if (a->values[6] && strcmp(a->values[6], "age") == 0)
        filter.sort = CR_SORT_AGE;
    else if (a->values[6] && strcmp(a->values[6], "priority") != 0)
        return cli_error(EXIT_USAGE, "list: --sort must be one of priority, age, not '%s'",
                         a->values[6]);
    filter.search = a->values[7];
    if (mine && (a->values[0] || a->values[1] || a->values[5] || a->values[6] || a->values[7]))
        return cli_error(EXIT_USAGE, "list: --mine goes alone, without other filters");
    if ((rc = parse_format("list", a->values[3], true, &p.fmt)) != EXIT_DONE)
        return rc;
    if (a->values[4] &&
        (rc = parse_number("list", "limit", a->values[4], 1, INT64_MAX, &limit)) != EXIT_DONE)
        return rc;

    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    p.now = cr_db_now(db);
    /*
     * A list is a consultation: its begin event (the filters) commits before
     * any row leaves; its end event (the count, a digest of the case numbers
     * handed out) after the last.  Between them the rows stream a keyset page
     * at a time.
     */
    static const char *const format_names[] = {"table", "csv", "json"};
    struct cr_list_log *log;
    enum cr_status st = cr_list_begin(db, mine ? NULL : &filter, mine, format_names[p.fmt],
                                      a->values[4] ? limit : 0, &log);
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
            rows_one(&p, &page.rows[i]);
            if (fflush(stdout) == EOF || ferror(stdout))
                err = errno ? errno : EIO;
            else
                cr_list_log_case(log, page.rows[i].id);
        }
        got += (long long)page.n;
        if (!page.more || !page.n)
            break;
        after = mine ? page.rows[page.n - 1].sortkey
                     : cr_row_cursor(&filter, &page.rows[page.n - 1]);
    }
    cr_page_free(&page);
    if (log) {
        if (st == CR_OK && !err) {
            rows_end(&p);
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
    rc = st == CR_OK ? EXIT_DONE : fail(db, st);
    cli_end(cli, db);
    if (rc == EXIT_DONE && fflush(stdout) == EOF)
        return cli_error(EXIT_INPUT, "list: write failed: %s", strerror(errno));
    return rc;
}

/* show */

static void
show_line(const char *label, const char *value)
{
    printf("%-14s ", label);
    out_safe(stdout, value ? value : "-");
    putchar('\n');
}

static int
cmd_show(struct cli *cli, const struct cli_args *a)
{
    cr_db *db;
    int rc = cli_session(cli, 0, &db);
    if (rc != EXIT_DONE)
        return rc;
    struct cr_case c;
    enum cr_status st = cr_case_view(db, a->operands[0], &c);
    if (st != CR_OK) {
        rc = fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    const struct cr_case_row *r = &c.row;
    char *buf, when[21];
    cr_time_format(r->created_at, when);
    printf("Case %lld: %s (version %lld, priority %lld, flagged %s)\n", (long long)r->id,
           cr_state_label(r->state), (long long)c.version, (long long)r->priority, when);
    if (c.previous_case)
        printf("%-14s follows closed case %lld\n", "", (long long)c.previous_case);
    if (r->quorum_blocked)
        printf("%-14s cannot reach quorum: too few panel members are left to vote\n", "");
    buf = tui_printf("%s, %s", r->surname, r->forenames);
    show_line("Subject", buf ? buf : "");
    free(buf);
    show_line("Reference", r->subject_ref);
    buf = tui_printf("%s, %s", cr_employment_label(c.employment), r->rank);
    show_line("Employment", buf ? buf : "");
    free(buf);
    show_line("Unit", r->unit);
    show_line("Duty", cr_duty_label(r->duty));
    show_line("Vetting", c.vetting >= 0 ? cr_vetting_label(c.vetting) : "not recorded");
    show_line("Assigned to", r->assignee);

    printf("\nDecision\n");
    if (r->outcome < 0) {
        printf("  not decided\n");
    } else {
        cr_time_format(r->decided_at, when);
        printf("  %s%s, by ", cr_outcome_label(r->outcome),
               r->outcome == CR_OUTCOME_REFER && r->vetting_review ? ", with a vetting review"
                                                                   : "");
        out_safe(stdout, r->decided_by ? r->decided_by : "-");
        printf(" at %s (decision %d)\n", when, c.round);
        if (c.approved_by) {
            cr_time_format(c.approved_at, when);
            printf("  approved by ");
            out_safe(stdout, c.approved_by);
            printf(" at %s\n", when);
        }
        printf("  Rationale:\n");
        out_wrapped(stdout, c.rationale ? c.rationale : "", 4, 72);
    }
    if (c.n_votes || c.votes_hidden) {
        printf("\nPanel votes on decision %d\n", c.round);
        for (size_t i = 0; i < c.n_votes; i++) {
            const struct cr_vote_row *v = &c.votes[i];
            cr_time_format(v->at, when);
            printf("  %-8s ", cr_vote_name(v->vote));
            out_safe(stdout, v->member);
            printf(" (%s) at %s\n", cr_kind_name(v->kind), when);
            if (v->reason)
                out_wrapped(stdout, v->reason, 4, 72);
        }
        if (c.votes_hidden)
            printf("  %zu %s withheld until you cast yours (blind voting)\n", c.votes_hidden,
                   c.votes_hidden == 1 ? "vote" : "votes");
    }
    if (c.n_notes) {
        printf("\nNotes\n");
        for (size_t i = 0; i < c.n_notes; i++) {
            cr_time_format(c.notes[i].at, when);
            printf("  %s  ", when);
            out_safe(stdout, c.notes[i].author);
            out_line(stdout, " (%s)", c.notes[i].kind);
            out_wrapped(stdout, c.notes[i].body, 4, 72);
        }
    }
    printf("\nAllegations (%zu)\n", c.n_allegations);
    for (size_t i = 0; i < c.n_allegations; i++) {
        const struct cr_allegation *al = &c.allegations[i];
        printf("\n%3zu. ", i + 1);
        out_safe(stdout, al->date);
        fputs("  ", stdout);
        out_safe(stdout, al->ref);
        printf("  %s, reported by %s\n", cr_category_label(al->category),
               cr_source_label(al->source));
        printf("     Original outcome: ");
        out_safe(stdout, al->original_outcome);
        putchar('\n');
        out_wrapped(stdout, al->summary, 5, 72);
    }
    cr_case_free(&c);
    cli_end(cli, db);
    return EXIT_DONE;
}

/* The workflow's actions */

/* Carry out one action and report it; every rule is core's. */
static int
act(struct cli *cli, const char *key, const char *expect, struct cr_request *req)
{
    long long version = 0;
    int rc;
    const char *name = cr_action_name(req->action);
    if (expect && (rc = parse_number(name, "expect-version", expect, 1, INT64_MAX, &version)) !=
                      EXIT_DONE)
        return rc;
    req->expect_version = version;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_act_result res;
    enum cr_status st = cr_act(db, key, req, &res);
    if (st != CR_OK) {
        rc = fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    if (res.state_before != res.state_after)
        printf("case %lld: %s: %s -> %s (version %lld)\n", (long long)res.case_id, name,
               cr_state_name(res.state_before), cr_state_name(res.state_after),
               (long long)res.version);
    else
        printf("case %lld: %s: still %s (version %lld)\n", (long long)res.case_id, name,
               cr_state_name(res.state_after), (long long)res.version);
    cli_end(cli, db);
    return EXIT_DONE;
}

#define EXPECT_OPTION                                                          \
    {"expect-version", "N", "refuse unless the case is still at version N (as last seen)"}

static const struct cli_option plain_action_options[] = {EXPECT_OPTION, {NULL, NULL, NULL}};

static int
cmd_claim(struct cli *cli, const struct cli_args *a)
{
    struct cr_request req = {.action = CR_ACTION_CLAIM};
    return act(cli, a->operands[0], a->values[0], &req);
}

static int
cmd_release(struct cli *cli, const struct cli_args *a)
{
    struct cr_request req = {.action = CR_ACTION_RELEASE};
    return act(cli, a->operands[0], a->values[0], &req);
}

static int
cmd_assign(struct cli *cli, const struct cli_args *a)
{
    struct cr_request req = {.action = CR_ACTION_ASSIGN, .target = a->operands[1]};
    return act(cli, a->operands[0], a->values[0], &req);
}

static int
cmd_approve(struct cli *cli, const struct cli_args *a)
{
    struct cr_request req = {.action = CR_ACTION_APPROVE};
    return act(cli, a->operands[0], a->values[0], &req);
}

static const struct cli_option decide_options[] = {
    {"outcome", "O", "nfa, reassess or refer (required)"},
    {"vetting-review", NULL, "also review the subject's vetting (only with refer)"},
    {"rationale", "TEXT", "the rationale (this or --rationale-file is required)"},
    {"rationale-file", "F", "read the rationale from file F (- for stdin)"},
    EXPECT_OPTION,
    {NULL, NULL, NULL},
};

/* Read a whole text file (or stdin) for a rationale. */
static char *
read_text(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = read_whole(f, 1u << 24, NULL);
    if (f != stdin)
        fclose(f);
    return text;
}

static int
cmd_decide(struct cli *cli, const struct cli_args *a)
{
    struct cr_request req = {.action = CR_ACTION_DECIDE, .vetting_review = a->values[1] != NULL};
    int rc;
    if (!a->values[0])
        return cli_error(EXIT_USAGE, "decide: --outcome is required (nfa, reassess or refer)");
    if ((rc = parse_enum("decide", "outcome", a->values[0], cr_outcome_parse, cr_outcome_name,
                         NULL, &req.outcome)) != EXIT_DONE)
        return rc;
    if (!a->values[2] == !a->values[3])
        return cli_error(EXIT_USAGE, "decide: give the rationale with --rationale TEXT or "
                                     "--rationale-file F (one of them)");
    char *text = NULL;
    if (a->values[3]) {
        text = read_text(a->values[3]);
        if (!text)
            return cli_error(EXIT_INPUT, "decide: %s: %s", a->values[3], strerror(errno));
    }
    req.rationale = text ? text : a->values[2];
    rc = act(cli, a->operands[0], a->values[4], &req);
    free(text);
    return rc;
}

static const struct cli_option return_options[] = {
    {"reason", "TEXT", "why the decision goes back to the reviewer (required)"},
    EXPECT_OPTION,
    {NULL, NULL, NULL},
};

static int
cmd_return(struct cli *cli, const struct cli_args *a)
{
    if (!a->values[0])
        return cli_error(EXIT_USAGE, "return: --reason TEXT is required");
    struct cr_request req = {.action = CR_ACTION_RETURN, .reason = a->values[0]};
    return act(cli, a->operands[0], a->values[1], &req);
}

static const struct cli_option vote_options[] = {
    {"concur", NULL, "agree with the approved decision"},
    {"dissent", NULL, "disagree (needs --reason)"},
    {"recuse", NULL, "stand aside for a conflict of interest (needs --reason)"},
    {"reason", "TEXT", "the reasons for a dissent or a recusal"},
    EXPECT_OPTION,
    {NULL, NULL, NULL},
};

static int
cmd_vote(struct cli *cli, const struct cli_args *a)
{
    int given = !!a->values[0] + !!a->values[1] + !!a->values[2];
    if (given != 1)
        return cli_error(EXIT_USAGE, "vote: give exactly one of --concur, --dissent or --recuse");
    struct cr_request req = {.action = CR_ACTION_VOTE, .reason = a->values[3]};
    req.vote = a->values[0] ? CR_VOTE_CONCUR : a->values[1] ? CR_VOTE_DISSENT : CR_VOTE_RECUSE;
    if (req.vote != CR_VOTE_CONCUR && !a->values[3])
        return cli_error(EXIT_USAGE, "vote: --%s needs --reason TEXT", cr_vote_name(req.vote));
    if (req.vote == CR_VOTE_CONCUR && a->values[3])
        return cli_error(EXIT_USAGE, "vote: --reason goes with --dissent or --recuse");
    return act(cli, a->operands[0], a->values[4], &req);
}

static int
cmd_note(struct cli *cli, const struct cli_args *a)
{
    struct cr_request req = {.action = CR_ACTION_NOTE, .text = a->operands[1]};
    return act(cli, a->operands[0], a->values[0], &req);
}

static const struct cli_option reconvene_options[] = {
    {"reason", "TEXT", "why the panel sits again (required; a note on the case)"},
    EXPECT_OPTION,
    {NULL, NULL, NULL},
};

static int
cmd_reconvene(struct cli *cli, const struct cli_args *a)
{
    if (!a->values[0])
        return cli_error(EXIT_USAGE, "reconvene: --reason TEXT is required");
    struct cr_request req = {.action = CR_ACTION_RECONVENE, .reason = a->values[0]};
    return act(cli, a->operands[0], a->values[1], &req);
}

static const struct cli_option recall_options[] = {
    {"reason", "TEXT", "why the decision goes back to the reviewer (required; a note)"},
    EXPECT_OPTION,
    {NULL, NULL, NULL},
};

static int
cmd_recall(struct cli *cli, const struct cli_args *a)
{
    if (!a->values[0])
        return cli_error(EXIT_USAGE, "recall: --reason TEXT is required");
    struct cr_request req = {.action = CR_ACTION_RECALL, .reason = a->values[0]};
    return act(cli, a->operands[0], a->values[1], &req);
}

/* history */

/* Text from the database, marked, then spaces to width columns (never cut). */
static void
put_padded(const char *s, int width)
{
    char *shown = out_marked(s);
    printf("%-*s", width, shown ? shown : "");
    free(shown);
}

static int
cmd_history(struct cli *cli, const struct cli_args *a)
{
    cr_db *db;
    int rc = cli_session(cli, 0, &db);
    if (rc != EXIT_DONE)
        return rc;
    struct cr_history h;
    enum cr_status st = cr_history_get(db, a->operands[0], &h);
    if (st != CR_OK) {
        rc = fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    for (size_t i = 0; i < h.n; i++) {
        const struct cr_event *e = &h.events[i];
        char when[21];
        cr_time_format(e->at, when);
        if (!e->at) /* a vote withheld by blind voting: no time, no number */
            printf("%-20s  %-7s ", "(time withheld)", "#-");
        else
            printf("%s  #%-6lld ", when, (long long)e->id);
        out_cell(stdout, e->actor, 10);
        putchar(' ');
        put_padded(e->action, 8);
        putchar(' ');
        const char *unix_login = acted_as(e);
        if (e->state_before && e->state_after && strcmp(e->state_before, e->state_after) != 0)
            out_line(stdout, "%s -> %s  %s%s%s", e->state_before, e->state_after,
                     e->details ? e->details : "", unix_login ? "  unix login: " : "",
                     unix_login ? unix_login : "");
        else
            out_line(stdout, "%s%s%s", e->details ? e->details : "",
                     unix_login ? "  unix login: " : "", unix_login ? unix_login : "");
    }
    cr_history_free(&h);
    cli_end(cli, db);
    return EXIT_DONE;
}

/* export */

static const struct cli_option export_options[] = {
    {"reason", "TEXT", "why the data is disclosed (required; recorded in the audit trail)"},
    {"recipient", "TEXT", "who receives it (required; recorded in the audit trail)"},
    {"format", "F", "csv (default) or json"},
    {"output", "FILE",
     "write to FILE (created 0600, put in place only once the disclosure is recorded) instead "
     "of standard output"},
    {"force", NULL, "with --output: replace FILE if it exists"},
    {"raw-cells", NULL,
     "CSV cells exactly as stored (by default a cell starting =, +, -, @, tab or CR gets a ' "
     "in front, so that a spreadsheet does not run it as a formula)"},
    {NULL, NULL, NULL},
};

struct export_writer {
    struct row_printer rows;
    struct dout *out;
};

static int
export_row(void *ctx, const struct cr_case_row *r)
{
    struct export_writer *x = ctx;
    int rc = rows_one(&x->rows, r);
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
        rows_end(&x->rows);
    dout_finish(x->out, e);
}

static int
cmd_export(struct cli *cli, const struct cli_args *a)
{
    if (!a->values[0] || !a->values[1])
        return cli_error(EXIT_USAGE, "export: --reason TEXT and --recipient TEXT are required");
    const char *output = a->values[3];
    bool force = a->values[4] != NULL;
    if (force && !output)
        return cli_error(EXIT_USAGE, "export: --force goes with --output FILE");
    struct export_writer x = {
        .rows = {.fmt = FORMAT_CSV,
                 .marked = !output && isatty(STDOUT_FILENO),
                 .raw = a->values[5] != NULL},
    };
    if (a->values[2] && strcmp(a->values[2], "json") == 0)
        x.rows.fmt = FORMAT_JSON;
    else if (a->values[2] && strcmp(a->values[2], "csv") != 0)
        return cli_error(EXIT_USAGE, "export: --format must be one of csv, json, not '%s'",
                         a->values[2]);
    cr_db *db;
    int rc = cli_session(cli, 0, &db);
    if (rc != EXIT_DONE)
        return rc;
    char *msg = NULL;
    if (!(x.out = dout_open(output, force, &msg))) {
        rc = cli_error(EXIT_INPUT, "export: %s; nothing was written", msg ? msg : "?");
        free(msg);
        cli_end(cli, db);
        return rc;
    }
    x.rows.out = dout_stream(x.out);
    const struct cr_disclosure d = {
        .kind = "export",
        .reason = a->values[0],
        .recipient = a->values[1],
        .format = x.rows.fmt == FORMAT_JSON ? "json" : "csv",
        .destination = dout_destination(x.out),
    };
    const struct cr_export_sink sink = {export_row, export_written, export_finish, &x};
    int64_t rows = 0;
    enum cr_status st = cr_export(db, &d, &sink, &rows);
    if (st != CR_OK) {
        dout_discard(x.out);
        rc = fail(db, st);
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
             plural(rows, "case", "cases"), a->values[1], output ? " to " : "",
             output ? output : "");
    return EXIT_DONE;
}

/* audit */

static const struct cli_option audit_options[] = {
    {"head", "HEAD", "verify: a head kept from 'audit head' (ID:HEX, or HASH[:COUNT]) must "
                     "still be in the chain (repeatable)"},
    {"heads", "FILE", "verify: every head in FILE (one ID:HEX a line) must still be in the chain"},
    {"format", "F", "head: table (default) or json; log: table, csv or json"},
    {"case", "N", "log: only events of case N"},
    {"actor", "LOGIN", "log: only events by LOGIN"},
    {"action", "A", "log: only events of action A (view, claim, decide, export, ...)"},
    {"since", "DATE", "log: only events on or after DATE (YYYY-MM-DD, UTC)"},
    {"until", "DATE", "log: only events on or before DATE (YYYY-MM-DD, UTC)"},
    {NULL, NULL, NULL},
};
enum { AO_HEAD, AO_HEADS, AO_FORMAT, AO_CASE, AO_ACTOR, AO_ACTION, AO_SINCE, AO_UNTIL, AO_COUNT };

/* The options a subcommand takes, as bits of the enum above. */
static int
audit_only(const struct cli_args *a, const char *sub, unsigned allowed)
{
    for (int i = 0; i < AO_COUNT; i++)
        if (a->values[i] && !(allowed & (1u << i)))
            return cli_error(EXIT_USAGE, "audit %s: --%s is not an option of audit %s", sub,
                             audit_options[i].name, sub);
    return EXIT_DONE;
}

/* Seconds since the epoch at the start of a YYYY-MM-DD day (UTC). */
static int
parse_day(const char *opt, const char *s, int64_t *out)
{
    int y, m, d;
    char tail;
    if (strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 &&
        m <= 12 && d >= 1 && d <= 31) {
        /* Days from the civil date (proleptic Gregorian), checked by formatting back. */
        int yy = y - (m <= 2);
        int era = (yy >= 0 ? yy : yy - 399) / 400;
        int yoe = yy - era * 400;
        int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        int64_t days = (int64_t)era * 146097 + doe - 719468;
        char back[11];
        cr_date_format(days, back);
        if (strcmp(back, s) == 0) {
            *out = days * 86400;
            return EXIT_DONE;
        }
    }
    return cli_error(EXIT_USAGE, "audit log: --%s must be a date YYYY-MM-DD, not '%s'", opt, s);
}

struct log_printer {
    enum format fmt;
    int64_t n;
};

static int
log_one(void *ctx, const struct cr_event *e)
{
    struct log_printer *p = ctx;
    char when[21];
    cr_time_format(e->at, when);
    char id[24], case_id[24];
    snprintf(id, sizeof id, "%lld", (long long)e->id);
    snprintf(case_id, sizeof case_id, "%lld", (long long)e->case_id);
    const char *cid = e->case_id ? case_id : "";
    if (p->fmt == FORMAT_CSV) {
        if (p->n++ == 0)
            printf("id,at,actor,case,action,state_before,state_after,purpose,details,"
                   "os_login\n");
        const char *cells[] = {id, when, e->actor, cid, e->action, e->state_before,
                               e->state_after, e->purpose, e->details, e->os_login};
        for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
            if (i)
                putchar(',');
            cr_csv_write_field(stdout, cells[i] ? cells[i] : "");
        }
        putchar('\n');
    } else if (p->fmt == FORMAT_JSON) {
        printf("%s{\"id\": %s, \"at\": \"%s\", \"actor\": ", p->n++ ? ",\n " : "[", id, when);
        out_json_string(stdout, e->actor);
        printf(", \"case\": %s, \"action\": ", e->case_id ? case_id : "null");
        out_json_string(stdout, e->action);
        const char *strs[] = {"state_before", e->state_before, "state_after", e->state_after,
                              "purpose",      e->purpose,      "os_login",    e->os_login};
        for (size_t i = 0; i < 8; i += 2) {
            printf(", \"%s\": ", strs[i]);
            if (strs[i + 1])
                out_json_string(stdout, strs[i + 1]);
            else
                printf("null");
        }
        /* details is the event's own JSON object, as recorded. */
        printf(", \"details\": %s}", e->details ? e->details : "{}");
    } else {
        p->n++;
        printf("%s  #%-6s ", when, id);
        out_cell(stdout, e->actor, 10);
        printf(" %-6s ", cid);
        put_padded(e->action, 8);
        putchar(' ');
        if (e->state_before && e->state_after && strcmp(e->state_before, e->state_after) != 0)
            out_line(stdout, "%s -> %s  %s%s%s%s%s", e->state_before, e->state_after,
                     e->details ? e->details : "", e->purpose ? "  purpose: " : "",
                     e->purpose ? e->purpose : "", acted_as(e) ? "  unix login: " : "",
                     acted_as(e) ? acted_as(e) : "");
        else
            out_line(stdout, "%s%s%s%s%s", e->details ? e->details : "",
                     e->purpose ? "  purpose: " : "", e->purpose ? e->purpose : "",
                     acted_as(e) ? "  unix login: " : "", acted_as(e) ? acted_as(e) : "");
    }
    return ferror(stdout) ? -1 : 0;
}

static int
audit_log(struct cli *cli, const struct cli_args *a)
{
    int rc = audit_only(a, "log", (1u << AO_FORMAT) | (1u << AO_CASE) | (1u << AO_ACTOR) |
                                      (1u << AO_ACTION) | (1u << AO_SINCE) | (1u << AO_UNTIL));
    struct log_printer p = {0};
    if (rc != EXIT_DONE || (rc = parse_format("audit log", a->values[AO_FORMAT], true,
                                              &p.fmt)) != EXIT_DONE)
        return rc;
    struct cr_audit_filter f = {.actor = a->values[AO_ACTOR], .action = a->values[AO_ACTION]};
    long long n;
    if (a->values[AO_CASE] &&
        (rc = parse_number("audit log", "case", a->values[AO_CASE], 1, INT64_MAX, &n)) !=
            EXIT_DONE)
        return rc;
    f.case_id = a->values[AO_CASE] ? n : 0;
    if (a->values[AO_SINCE] &&
        (rc = parse_day("since", a->values[AO_SINCE], &f.since)) != EXIT_DONE)
        return rc;
    if (a->values[AO_UNTIL]) {
        if ((rc = parse_day("until", a->values[AO_UNTIL], &f.until)) != EXIT_DONE)
            return rc;
        f.until += 86400; /* the whole of that day */
    }
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    int64_t events;
    enum cr_status st = cr_audit_log(db, &f, log_one, &p, &events);
    if (st == CR_OK && p.fmt == FORMAT_JSON)
        printf(p.n ? "]\n" : "[]\n");
    if (st != CR_OK)
        rc = fail(db, st);
    cli_end(cli, db);
    if (rc == EXIT_DONE && fflush(stdout) == EOF)
        return cli_error(EXIT_INPUT, "audit log: write failed: %s", strerror(errno));
    return rc;
}

static int
audit_head_cmd(struct cli *cli, const struct cli_args *a)
{
    enum format fmt;
    int rc = audit_only(a, "head", 1u << AO_FORMAT);
    if (rc != EXIT_DONE || (rc = parse_format("audit head", a->values[AO_FORMAT], false,
                                              &fmt)) != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_audit_head h;
    enum cr_status st = cr_audit_head(db, &h);
    if (st != CR_OK)
        rc = fail(db, st);
    else if (fmt == FORMAT_JSON)
        printf("{\"event\": %lld, \"hash\": \"%s\"}\n", (long long)h.event, h.hash);
    else
        printf("%lld:%s\n", (long long)h.event, h.hash);
    cli_end(cli, db);
    return rc;
}

/* Kept heads from --head and --heads FILE. */
static int
read_heads(const struct cli_args *a, struct cr_audit_head **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = (size_t)a->ngiven + 16;
    struct cr_audit_head *h = malloc(cap * sizeof *h);
    if (!h)
        return cli_error(EXIT_DB, "out of memory");
    for (int i = 0; i < a->ngiven; i++) {
        if (a->given_option[i] != AO_HEAD)
            continue;
        if (cr_audit_head_parse(a->given[i], &h[*n]) < 0) {
            free(h);
            return cli_error(EXIT_USAGE,
                             "audit verify: --head must be ID:HEX as 'audit head' prints it (an "
                             "event number, a colon, 64 hex digits) or HASH[:COUNT] (64 hex "
                             "digits, then a colon and the number of events), not '%s'",
                             a->given[i]);
        }
        (*n)++;
    }
    const char *path = a->values[AO_HEADS];
    if (path) {
        FILE *f = fopen(path, "r");
        if (!f) {
            free(h);
            return cli_error(EXIT_INPUT, "audit verify: %s: %s", path, strerror(errno));
        }
        char line[256];
        long lineno = 0;
        while (fgets(line, sizeof line, f)) {
            lineno++;
            line[strcspn(line, "\r\n")] = '\0';
            const char *p = line + strspn(line, " \t");
            if (!*p || *p == '#')
                continue;
            if (*n == cap) {
                struct cr_audit_head *more = realloc(h, 2 * cap * sizeof *h);
                if (!more) {
                    fclose(f);
                    free(h);
                    return cli_error(EXIT_DB, "out of memory");
                }
                h = more;
                cap *= 2;
            }
            if (cr_audit_head_parse(p, &h[*n]) < 0) {
                fclose(f);
                free(h);
                return cli_error(EXIT_INPUT,
                                 "%s:%ld: not a kept head (ID:HEX as 'audit head' prints it)",
                                 path, lineno);
            }
            (*n)++;
        }
        fclose(f);
    }
    *out = h;
    return EXIT_DONE;
}

static int
cmd_audit(struct cli *cli, const struct cli_args *a)
{
    const char *sub = a->operands[0];
    if (strcmp(sub, "log") == 0)
        return audit_log(cli, a);
    if (strcmp(sub, "head") == 0)
        return audit_head_cmd(cli, a);
    if (strcmp(sub, "verify") != 0)
        return cli_error(EXIT_USAGE,
                         "audit: unknown subcommand '%s' (the ones there are: verify, head, log)",
                         sub);
    int rc = audit_only(a, "verify", (1u << AO_HEAD) | (1u << AO_HEADS));
    if (rc != EXIT_DONE)
        return rc;
    struct cr_audit_head *heads;
    size_t n_heads;
    if ((rc = read_heads(a, &heads, &n_heads)) != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE) {
        free(heads);
        return rc;
    }
    int64_t events;
    enum cr_status st = cr_audit_verify_heads(db, heads, n_heads, &events);
    if (st == CR_OK)
        printf("ok: %lld events\n", (long long)events);
    else
        rc = fail(db, st);
    free(heads);
    cli_end(cli, db);
    return rc;
}

/* check-config */

static const struct cli_option check_config_options[] = {
    {"explain", NULL, "print every key instead: path, type, default, description"},
    {NULL, NULL, NULL},
};

/* One line of the reference; the columns line up for paths up to 46 characters. */
static void
explain_key(void *ctx, const char *path, const char *type, const char *def, const char *doc)
{
    printf("%-46s %-16s %-9s %s\n", path, type, def ? def : "-", doc ? doc : "");
}

static int
cmd_check_config(struct cli *cli, const struct cli_args *a)
{
    if (a->values[0]) {
        if (a->noperands)
            return cli_error(EXIT_USAGE, "check-config: --explain reads no FILE");
        if (cr_config_keys(explain_key, NULL) != CR_OK || fflush(stdout) != 0)
            return cli_error(EXIT_DB, "check-config: writing the reference failed");
        return EXIT_DONE;
    }
    const char *path = a->noperands ? a->operands[0] : cli->config_path;
    struct cr_config *cfg;
    int rc = cli_config(cli, path, &cfg);
    if (rc != EXIT_DONE)
        return rc;
    cr_config_free(cfg);
    printf("ok\n");
    return EXIT_DONE;
}

/* config */

static const struct cli_option config_options[] = {
    {"digest", "D", "show: the configuration whose digest begins D (one in force before)"},
    {NULL, NULL, NULL},
};

/* config show [--digest D]: the text in force, or an earlier one. */
static int
config_show(struct cli *cli, const struct cli_args *a)
{
    cr_db *db;
    int rc = session(cli, 0, true, &db);
    if (rc != EXIT_DONE)
        return rc;
    struct cr_config_version v;
    enum cr_status st = cr_config_version_get(db, a->values[0], &v);
    if (st != CR_OK) {
        rc = fail(db, st);
    } else {
        /* The bytes as adopted: the digest is of exactly these. */
        if (fwrite(v.text, 1, v.len, stdout) != v.len || fflush(stdout) != 0)
            rc = cli_error(EXIT_DB, "config show: writing the text failed");
        cr_config_version_free(&v);
    }
    cli_end(cli, db);
    return rc;
}

/* config adopt FILE: the only way the rules change (admin, under the rules in force). */
static int
config_adopt(struct cli *cli, const char *path)
{
    struct cr_config *next;
    /* Every check of check-config, before anything is opened. */
    struct keymap keys = cli->keys;
    int rc = cli_config(cli, path, &next);
    cli->keys = keys;
    if (rc != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = session(cli, 0, true, &db)) != EXIT_DONE) {
        cr_config_free(next);
        return rc;
    }
    char old[65];
    snprintf(old, sizeof old, "%s", cli->cfg->digest);
    enum cr_status st = cr_config_adopt(db, next);
    if (st != CR_OK)
        rc = fail(db, st);
    else
        out_line(stdout, "adopted %s: digest %s (was %s); the old text stays in the database",
                 path, next->digest, old);
    cli_end(cli, db);
    cr_config_free(next);
    return rc;
}

static int
cmd_config(struct cli *cli, const struct cli_args *a)
{
    const char *what = a->operands[0];
    if (strcmp(what, "show") == 0 && a->noperands == 1)
        return config_show(cli, a);
    if (strcmp(what, "adopt") == 0 && a->noperands == 2) {
        if (a->values[0])
            return cli_error(EXIT_USAGE, "config adopt: --digest is for config show");
        return config_adopt(cli, a->operands[1]);
    }
    return cli_error(EXIT_USAGE,
                     "config: expected 'show [--digest D]' or 'adopt FILE', not '%s%s%s'", what,
                     a->noperands > 1 ? " " : "", a->noperands > 1 ? a->operands[1] : "");
}

/* demo */

static const struct cli_option demo_options[] = {
    {"dir", "DIR", "where the demo lives (default ./demo); run again to reuse it"},
    {"cases", "N", "synthetic cases in a new demo (default 1131)"},
    {NULL, NULL, NULL},
};

static int64_t
demo_clock(void *ctx)
{
    return *(int64_t *)ctx;
}

/* Make DIR: its configuration, its database of synthetic cases in a realistic mix. */
static int
demo_create(struct cli *cli, const char *dir, long long cases)
{
    const char *login = cli->as_login ? cli->as_login : os_login();
    if (!login)
        return cli_error(EXIT_REFUSED, "demo: cannot tell who you are (no login name)");
    FILE *f = fopen(cli->config_path, "w");
    if (!f || crgen_demo_config(f, login) < 0 || fclose(f) != 0)
        return cli_error(EXIT_INPUT, "demo: %s: %s", cli->config_path, strerror(errno));
    struct cr_config *cfg;
    int rc = cli_config(cli, cli->config_path, &cfg);
    if (rc != EXIT_DONE)
        return rc;
    /* The cases were flagged thirteen weeks ago; the work on them fills the last twelve. */
    int64_t end = cli_clock(NULL), now = end - 13 * 7 * 86400;
    cr_db *db;
    enum cr_status st = cr_db_open(cli->db_path, CR_OPEN_CREATE, demo_clock, &now, &db);
    if (st != CR_OK) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(db));
        cr_db_discard(db);
        cr_config_free(cfg);
        return rc;
    }
    /* The synthetic cases go through an anonymous temporary file, gone when closed. */
    FILE *csv = tmpfile();
    struct cr_import_result r;
    cr_diags *diags = NULL;
    const struct cr_person *admin = cr_config_person(cfg, "cadmin");
    cr_db_set_user(db, cfg, admin);
    /* The demo's rules are pinned in its database like any other's. */
    if ((st = cr_db_set_os_login(db, os_login())) != CR_OK || (st = cr_config_pin(db)) != CR_OK) {
        rc = cli_error(cr_status_exit(st), "demo: %s", cr_db_errmsg(db));
        cr_db_discard(db);
        cr_config_free(cfg);
        return rc;
    }
    cli_note("demo: making %lld synthetic cases in %s ...", cases, dir);
    if (!csv || crgen_write(csv, (long)cases, 7) < 0 || fseek(csv, 0, SEEK_SET) != 0)
        st = CR_DB;
    else
        st = cr_import_csv(db, csv, "demo", 0, &r, &diags);
    if (csv)
        fclose(csv);
    cr_diags_free(diags);
    char msg[256] = "";
    if (st != CR_OK || crgen_demo_states(db, cfg, &now, end, 7, msg, sizeof msg) < 0) {
        /* The handle's own message, whole (msg holds a copy cut to its size). */
        rc = cli_error(EXIT_DB, "demo: %s", cr_db_errmsg(db));
        cr_db_discard(db);
        cr_config_free(cfg);
        return rc;
    }
    cli_note("demo: %s", msg);
    cr_db_close(db);
    cr_config_free(cfg);
    return EXIT_DONE;
}

static int
cmd_demo(struct cli *cli, const struct cli_args *a)
{
    const char *dir = a->values[0] ? a->values[0] : "demo";
    long long cases = 1131;
    int rc;
    if (a->values[1] &&
        (rc = parse_number("demo", "cases", a->values[1], 1, 1000000, &cases)) != EXIT_DONE)
        return rc;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return cli_error(EXIT_DB, "demo: %s: %s", dir, strerror(errno));
    /* Paths as long as DIR makes them: a path cut short would name another file. */
    char *db_path = tui_printf("%s/casereview.db", dir);
    char *config_path = tui_printf("%s/casereview.yaml", dir);
    if (!db_path || !config_path) {
        free(db_path);
        free(config_path);
        return cli_error(EXIT_DB, "demo: out of memory");
    }
    cli->db_path = db_path;
    cli->config_path = config_path;
    rc = EXIT_DONE;
    if (access(db_path, F_OK) != 0)
        rc = demo_create(cli, dir, cases);
    else
        cli_note("demo: using %s (remove it for a new demo)", dir);
    if (rc == EXIT_DONE)
        rc = cli_interface(cli);
    cli->db_path = cli->config_path = NULL;
    free(db_path);
    free(config_path);
    return rc;
}

const struct cli_command cli_commands[] = {
    {"demo", "", "make a demo (fictional cases and people) and start the interface in it", 0,
     0, demo_options, cmd_demo},
    {"init", "", "create an empty database, owner-only", 0, 0, init_options, cmd_init},
    {"import", "FILE.csv|-", "import flagged allegations (admin; see README, 'Import format')",
     1, 1, import_options, cmd_import},
    {"generate", "", "write synthetic subjects' allegations as import CSV to stdout", 0, 0,
     generate_options, cmd_generate},
    {"list", "", "list cases, riskiest first", 0, 0, list_options, cmd_list},
    {"show", "CASE", "show a case: subject, allegations, decision, votes, notes (audited)", 1, 1,
     NULL, cmd_show},
    {"claim", "CASE", "take a flagged case for review (reviewer)", 1, 1, plain_action_options,
     cmd_claim},
    {"release", "CASE", "give a case back to the queue (its reviewer or a supervisor)", 1, 1,
     plain_action_options, cmd_release},
    {"assign", "CASE LOGIN", "assign a case to a reviewer (supervisor)", 2, 2,
     plain_action_options, cmd_assign},
    {"decide", "CASE", "record an outcome and its rationale (the assigned reviewer)", 1, 1,
     decide_options, cmd_decide},
    {"approve", "CASE", "approve a decision (a supervisor who did not make it)", 1, 1,
     plain_action_options, cmd_approve},
    {"return", "CASE", "return a decision to its reviewer with a reason (supervisor)", 1, 1,
     return_options, cmd_return},
    {"vote", "CASE", "the panel's vote on an approved decision (panel member)", 1, 1,
     vote_options, cmd_vote},
    {"note", "CASE TEXT", "add a note to an open case", 2, 2, plain_action_options, cmd_note},
    {"reconvene", "CASE", "a new panel sitting on a case that cannot reach quorum (admin)", 1,
     1, reconvene_options, cmd_reconvene},
    {"recall", "CASE", "a case that cannot reach quorum back to its reviewer (supervisor, admin)",
     1, 1, recall_options, cmd_recall},
    {"history", "CASE", "the audit trail of a case (audited)", 1, 1, NULL, cmd_history},
    {"stats", "", "counts by state, outcome and category", 0, 0, stats_options, cmd_stats},
    {"report", "", "the published figures: confirmed outcomes and the rest, as a disclosure (admin)",
     0, 0, report_options, cmd_report},
    {"export", "", "export cases and outcomes, recording the disclosure (admin)", 0, 0,
     export_options, cmd_export},
    {"audit", "verify|head|log",
     "check the trail and the data against it; print its head; read it (admin)", 1, 1,
     audit_options, cmd_audit},
    {"check-config", "[FILE]", "check a configuration file and print ok or its problems", 0, 1,
     check_config_options, cmd_check_config},
    {"config", "show|adopt FILE",
     "print the configuration pinned in the database; adopt a new one (admin)", 1, 2,
     config_options, cmd_config},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
