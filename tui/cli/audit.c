/*
 * `audit`: verify the trail (and kept heads), print its head, read it.
 */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_OPTIONS(_)                                                                      \
    _(AUDIT_HEAD, "head", "HEAD",                                                             \
      "verify: a head kept from 'audit head' (ID:HEX, or HASH[:COUNT]) must still be in the " \
      "chain (repeatable)")                                                                   \
    _(AUDIT_HEADS, "heads", "FILE",                                                           \
      "verify: every head in FILE (one ID:HEX a line) must still be in the chain")            \
    _(AUDIT_FORMAT, "format", "F",                                                            \
      "verify, head: table (default) or json; log: table, csv or json")                       \
    _(AUDIT_CASE, "case", "N", "log: only events of case N")                                  \
    _(AUDIT_ACTOR, "actor", "LOGIN", "log: only events by LOGIN")                             \
    _(AUDIT_ACTION, "action", "A",                                                            \
      "log: only events of action A (view, claim, decide, export, ...)")                      \
    _(AUDIT_SINCE, "since", "DATE", "log: only events on or after DATE (YYYY-MM-DD, UTC)")    \
    _(AUDIT_UNTIL, "until", "DATE", "log: only events on or before DATE (YYYY-MM-DD, UTC)")
CLI_OPTIONS(audit_options, AUDIT_OPTIONS);
#define AUDIT_OPTION_COUNT (OPT_AUDIT_UNTIL + 1)

/* The options a subcommand takes, as bits of the enum above. */
static int
audit_only(const struct cli_args *a, const char *sub, unsigned allowed)
{
    for (int i = 0; i < AUDIT_OPTION_COUNT; i++)
        if (a->opt[i] && !(allowed & (1u << i)))
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

static int
log_one(void *ctx, const struct cr_event *e)
{
    return emit_row(ctx, e);
}

static int
audit_log(struct cli *cli, const struct cli_args *a)
{
    int rc = audit_only(a, "log",
                        (1u << OPT_AUDIT_FORMAT) | (1u << OPT_AUDIT_CASE) |
                            (1u << OPT_AUDIT_ACTOR) | (1u << OPT_AUDIT_ACTION) |
                            (1u << OPT_AUDIT_SINCE) | (1u << OPT_AUDIT_UNTIL));
    enum format fmt;
    if (rc != EXIT_DONE ||
        (rc = parse_format("audit log", a->opt[OPT_AUDIT_FORMAT], true, &fmt)) != EXIT_DONE)
        return rc;
    struct cr_audit_filter f = {.actor = a->opt[OPT_AUDIT_ACTOR],
                                .action = a->opt[OPT_AUDIT_ACTION]};
    long long n;
    if (a->opt[OPT_AUDIT_CASE] && (rc = parse_number("audit log", "case", a->opt[OPT_AUDIT_CASE], 1,
                                                     INT64_MAX, &n)) != EXIT_DONE)
        return rc;
    f.case_id = a->opt[OPT_AUDIT_CASE] ? n : 0;
    if (a->opt[OPT_AUDIT_SINCE] &&
        (rc = parse_day("since", a->opt[OPT_AUDIT_SINCE], &f.since)) != EXIT_DONE)
        return rc;
    if (a->opt[OPT_AUDIT_UNTIL]) {
        if ((rc = parse_day("until", a->opt[OPT_AUDIT_UNTIL], &f.until)) != EXIT_DONE)
            return rc;
        f.until += 86400; /* the whole of that day */
    }
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    /* The trail as recorded: CSV cells exactly as stored, never marked. */
    struct emit e;
    emit_init(&e, fmt, stdout, &cli_event_rec, NULL);
    e.raw = true;
    e.compact = true;
    e.lazy = true;
    int64_t events;
    enum cr_status st = cr_audit_log(db, &f, log_one, &e, &events);
    if (st == CR_OK)
        emit_end(&e);
    if (st != CR_OK)
        rc = cli_fail(db, st);
    cli_end(cli, db);
    if (rc == EXIT_DONE && fflush(stdout) == EOF)
        return cli_error(EXIT_INPUT, "audit log: write failed: %s", strerror(errno));
    return rc;
}

static void
head_hash(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = ((const struct cr_audit_head *)rec)->hash;
}

static const struct emit_field head_fields[] = {
    EMIT_AT("event", EMIT_INT, struct cr_audit_head, event),
    EMIT_GET("hash", EMIT_TEXT, head_hash),
};
static const struct emit_record head_rec = {EMIT_FIELDS(head_fields), NULL, "{event}:{hash}"};

/* What a verification found: the events checked, and the kept heads found in the chain. */
struct verified {
    bool ok;
    int64_t events, heads;
};

static const struct emit_field verified_fields[] = {
    EMIT_AT("ok", EMIT_BOOL, struct verified, ok),
    EMIT_AT("events", EMIT_INT, struct verified, events),
    EMIT_AT("heads", EMIT_INT, struct verified, heads),
};
static const struct emit_record verified_rec = {EMIT_FIELDS(verified_fields), NULL,
                                                "ok: {events} events"};
/* A verification that failed: ok alone (false), before its problems. */
static const struct emit_record failed_rec = {verified_fields, 1, NULL, NULL};

static int
audit_head_cmd(struct cli *cli, const struct cli_args *a)
{
    enum format fmt;
    int rc = audit_only(a, "head", 1u << OPT_AUDIT_FORMAT);
    if (rc != EXIT_DONE ||
        (rc = parse_format("audit head", a->opt[OPT_AUDIT_FORMAT], false, &fmt)) != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_audit_head h;
    enum cr_status st = cr_audit_head(db, &h);
    struct emit e;
    emit_init(&e, fmt, stdout, &head_rec, NULL);
    if (st != CR_OK)
        rc = cli_fail(db, st);
    else
        emit_one(&e, &h);
    cli_end(cli, db);
    return rc == EXIT_DONE ? cli_flush("audit head") : rc;
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
        if (a->given_option[i] != OPT_AUDIT_HEAD)
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
    const char *path = a->opt[OPT_AUDIT_HEADS];
    if (path) {
        FILE *f = fopen(path, "r");
        if (!f) {
            free(h);
            return cli_error(EXIT_INPUT, "audit verify: %s: %s", path, strerror(errno));
        }
        char *line = NULL;
        size_t size = 0, offset = 0;
        ssize_t got;
        long lineno = 0;
        /* A NUL byte would cut a line short without a word: the file is refused. */
        while ((got = getline(&line, &size, f)) > 0) {
            lineno++;
            const char *nul = memchr(line, '\0', (size_t)got);
            if (nul) {
                fclose(f);
                free(line);
                free(h);
                return cli_error(EXIT_INPUT,
                                 "audit verify: %s holds a NUL byte at offset %zu (line %ld); "
                                 "a file of heads is text; nothing was checked",
                                 path, offset + (size_t)(nul - line), lineno);
            }
            offset += (size_t)got;
            line[strcspn(line, "\r\n")] = '\0';
            const char *p = line + strspn(line, " \t");
            if (!*p || *p == '#')
                continue;
            if (*n == cap) {
                struct cr_audit_head *more = realloc(h, 2 * cap * sizeof *h);
                if (!more) {
                    fclose(f);
                    free(line);
                    free(h);
                    return cli_error(EXIT_DB, "out of memory");
                }
                h = more;
                cap *= 2;
            }
            if (cr_audit_head_parse(p, &h[*n]) < 0) {
                fclose(f);
                free(line);
                free(h);
                return cli_error(EXIT_INPUT,
                                 "%s:%ld: not a kept head (ID:HEX as 'audit head' prints it)", path,
                                 lineno);
            }
            (*n)++;
        }
        free(line);
        fclose(f);
    }
    *out = h;
    return EXIT_DONE;
}

int
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
    int rc = audit_only(
        a, "verify", (1u << OPT_AUDIT_HEAD) | (1u << OPT_AUDIT_HEADS) | (1u << OPT_AUDIT_FORMAT));
    enum format fmt;
    if (rc != EXIT_DONE ||
        (rc = parse_format("audit verify", a->opt[OPT_AUDIT_FORMAT], false, &fmt)) != EXIT_DONE)
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
    struct verified v = {st == CR_OK, events, (int64_t)n_heads};
    struct emit e;
    emit_init(&e, fmt, stdout, &verified_rec, NULL);
    if (st == CR_OK) {
        emit_one(&e, &v);
    } else if (fmt == FORMAT_JSON) {
        /* A program reading the JSON learns of the failure from stdout too. */
        struct cli_problems problems = {0};
        cli_problem(&problems, cr_db_errmsg(db));
        emit_open(&e, NULL, '{');
        emit_members(&e, &failed_rec, &v);
        emit_problems(&e, &problems);
        emit_close(&e);
        cli_problems_free(&problems);
    }
    if (st != CR_OK)
        rc = cli_fail(db, st);
    free(heads);
    cli_end(cli, db);
    int flushed = cli_flush("audit verify");
    return rc == EXIT_DONE ? flushed : rc;
}

/* Every template above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template audit_templates[] = {
    {"audit head", &head_rec, NULL},
    {"audit verify", &verified_rec, NULL},
    {NULL, NULL, NULL},
};
