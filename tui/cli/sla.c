/*
 * Service levels on the command line: `pause` and `resume` (a supervisor
 * or an admin stops and restarts a case's SLA clock; every rule is core's,
 * cr_case_pause and cr_case_resume), and the `notify:` command run after
 * every action (tui/notify.c).
 */
#include "commands.h"
#include "notify.h"

#include <stdio.h>

void
cli_notify(struct cli *cli, cr_db *db)
{
    /* Only a notice that could not be handed over is said: the command runs after we exit. */
    char why[256];
    if (tui_notify(db, cli->cfg, why, sizeof why) != 0)
        fprintf(stderr, "casereview: notify: %s %s; the action was done all the same\n",
                cli->cfg->notify, why);
}

/* What pause and resume did, as the other actions report it. */
struct sla_report {
    int64_t case_id, version;
    const char *action, *state;
    const char *until; /* pause: the end given; resume: none */
    bool paused;
};

static const struct emit_field sla_fields[] = {
    EMIT_AT("case", EMIT_INT, struct sla_report, case_id),
    EMIT_AT("action", EMIT_TEXT, struct sla_report, action),
    EMIT_AT("state", EMIT_TEXT, struct sla_report, state),
    EMIT_AT("paused", EMIT_BOOL, struct sla_report, paused),
    EMIT_AT("paused_until", EMIT_TEXT, struct sla_report, until),
    EMIT_AT("version", EMIT_INT, struct sla_report, version),
};
static const struct emit_record pause_rec = {
    EMIT_FIELDS(sla_fields), NULL,
    "case {case}: pause: the clock stands still until {paused_until} (version {version})"};
static const struct emit_record resume_rec = {
    EMIT_FIELDS(sla_fields), NULL, "case {case}: resume: the clock runs again (version {version})"};

/* Carry out pause (until given) or resume and report it. */
static int
sla_act(struct cli *cli, const char *name, const char *key, const char *reason, int64_t until,
        const char *expect, const char *format)
{
    enum format fmt;
    long long version = 0;
    int rc = parse_format(name, format, false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (expect &&
        (rc = parse_number(name, "expect-version", expect, 1, INT64_MAX, &version)) != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_act_result res;
    bool pause = reason != NULL;
    enum cr_status st = pause ? cr_case_pause(db, key, reason, until, version, &res)
                              : cr_case_resume(db, key, version, &res);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    struct sla_report r = {.case_id = res.case_id,
                           .version = res.version,
                           .action = name,
                           .state = cr_state_name(res.state_after),
                           .paused = pause};
    char until_text[21];
    if (pause) {
        cr_time_format(until, until_text);
        r.until = until_text;
    }
    struct emit e;
    emit_init(&e, fmt, stdout, pause ? &pause_rec : &resume_rec, NULL);
    emit_one(&e, &r);
    cli_notify(cli, db);
    cli_end(cli, db);
    return cli_flush(name);
}

#define PAUSE_OPTIONS(_)                                                                    \
    _(PAUSE_REASON, "reason", "TEXT", "why the clock stops (required; in the audit trail)") \
    _(PAUSE_UNTIL, "until", "DATE",                                                         \
      "when the clock runs again by itself: YYYY-MM-DD (its start, UTC) or "                \
      "YYYY-MM-DDTHH:MM:SSZ (required)")                                                    \
    CLI_OPT_EXPECT(_, PAUSE) CLI_OPT_FORMAT(_, PAUSE)
CLI_OPTIONS(pause_options, PAUSE_OPTIONS);

int
cmd_pause(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    enum format fmt;
    int rc = parse_format("pause", o[OPT_PAUSE_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (!o[OPT_PAUSE_REASON])
        return cli_error(EXIT_USAGE, "pause: --reason TEXT is required");
    if (!o[OPT_PAUSE_UNTIL])
        return cli_error(EXIT_USAGE, "pause: --until DATE is required");
    int64_t until;
    if (cr_time_parse(o[OPT_PAUSE_UNTIL], &until) < 0)
        return cli_error(EXIT_USAGE,
                         "pause: --until must be a date YYYY-MM-DD or a time "
                         "YYYY-MM-DDTHH:MM:SSZ (UTC), not '%s'",
                         o[OPT_PAUSE_UNTIL]);
    return sla_act(cli, "pause", a->operands[0], o[OPT_PAUSE_REASON], until, o[OPT_PAUSE_EXPECT],
                   o[OPT_PAUSE_FORMAT]);
}

#define RESUME_OPTIONS(_) CLI_OPT_EXPECT(_, RESUME) CLI_OPT_FORMAT(_, RESUME)
CLI_OPTIONS(resume_options, RESUME_OPTIONS);

int
cmd_resume(struct cli *cli, const struct cli_args *a)
{
    return sla_act(cli, "resume", a->operands[0], NULL, 0, a->opt[OPT_RESUME_EXPECT],
                   a->opt[OPT_RESUME_FORMAT]);
}

/* Every template above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template sla_templates[] = {
    {"pause", &pause_rec, NULL},
    {"resume", &resume_rec, NULL},
    {NULL, NULL, NULL},
};
