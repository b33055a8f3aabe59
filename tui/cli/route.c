/*
 * `route CASE --to LOGIN [--reason TEXT]`: a supervisor routes a decision
 * awaiting approval to a named supervisor.  Every rule is core's
 * (cr_case_route); this parses, calls it and reports, as pause does.
 */
#include "commands.h"

#include <stdio.h>

struct route_report {
    int64_t case_id, version;
    const char *action, *state, *to;
};

static const struct emit_field route_fields[] = {
    EMIT_AT("case", EMIT_INT, struct route_report, case_id),
    EMIT_AT("action", EMIT_TEXT, struct route_report, action),
    EMIT_AT("state", EMIT_TEXT, struct route_report, state),
    EMIT_AT("approver", EMIT_TEXT, struct route_report, to),
    EMIT_AT("version", EMIT_INT, struct route_report, version),
};
static const struct emit_record route_rec = {
    EMIT_FIELDS(route_fields), NULL,
    "case {case}: route: awaiting approval by {approver} (version {version})"};

#define ROUTE_OPTIONS(_)                                                                    \
    _(ROUTE_TO, "to", "LOGIN", "the supervisor the approval goes to (required)")            \
    _(ROUTE_REASON, "reason", "TEXT", "why it goes to them (optional; in the audit trail)") \
    CLI_OPT_EXPECT(_, ROUTE) CLI_OPT_FORMAT(_, ROUTE)
CLI_OPTIONS(route_options, ROUTE_OPTIONS);

int
cmd_route(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    enum format fmt;
    int rc = parse_format("route", o[OPT_ROUTE_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (!o[OPT_ROUTE_TO])
        return cli_error(EXIT_USAGE, "route: --to LOGIN is required");
    long long version = 0;
    if (o[OPT_ROUTE_EXPECT] && (rc = parse_number("route", "expect-version", o[OPT_ROUTE_EXPECT], 1,
                                                  INT64_MAX, &version)) != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_act_result res;
    enum cr_status st =
        cr_case_route(db, a->operands[0], o[OPT_ROUTE_TO], o[OPT_ROUTE_REASON], version, &res);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    struct route_report r = {.case_id = res.case_id,
                             .version = res.version,
                             .action = "route",
                             .state = cr_state_name(res.state_after),
                             .to = o[OPT_ROUTE_TO]};
    struct emit e;
    emit_init(&e, fmt, stdout, &route_rec, NULL);
    emit_one(&e, &r);
    cli_notify(cli, db);
    cli_end(cli, db);
    return cli_flush("route");
}

/* The template above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template route_templates[] = {
    {"route", &route_rec, NULL},
    {NULL, NULL, NULL},
};
