/*
 * What happened after the decision, on the command line: `follow-up CASE
 * --stage S --result R --date DATE [--detail TEXT]` records a result after
 * an approved decision, and `reopen CASE --reason R` starts a new round on
 * a closed case.  Every rule is core's (cr_followup_add, cr_case_reopen);
 * this parses, calls it and reports, as route does.
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>

struct followup_report {
    int64_t case_id, version;
    const char *action, *state, *stage, *result, *date;
};

static const struct emit_field followup_fields[] = {
    EMIT_AT("case", EMIT_INT, struct followup_report, case_id),
    EMIT_AT("action", EMIT_TEXT, struct followup_report, action),
    EMIT_AT("state", EMIT_TEXT, struct followup_report, state),
    EMIT_AT("stage", EMIT_TEXT, struct followup_report, stage),
    EMIT_AT("result", EMIT_TEXT, struct followup_report, result),
    EMIT_AT("date", EMIT_TEXT, struct followup_report, date),
    EMIT_AT("version", EMIT_INT, struct followup_report, version),
};
static const struct emit_record followup_rec = {
    EMIT_FIELDS(followup_fields), NULL,
    "case {case}: follow-up: {stage} {result} on {date}; the decision and state ({state}) "
    "stand"};

#define FOLLOWUP_OPTIONS(_)                                                               \
    _(FOLLOWUP_STAGE, "stage", "S",                                                       \
      "risk_management, reassessment, vetting, appeal or left (required)")                \
    _(FOLLOWUP_RESULT, "result", "R",                                                     \
      "one of the stage's words (required; README, 'What happened next, and reopening')") \
    _(FOLLOWUP_DATE, "date", "DATE",                                                      \
      "the day it happened, YYYY-MM-DD (required; not after "                             \
      "today, not before the case was flagged)")                                          \
    _(FOLLOWUP_DETAIL, "detail", "TEXT", "what else to keep (optional; kept whole)")      \
    CLI_OPT_FORMAT(_, FOLLOWUP)
CLI_OPTIONS(followup_options, FOLLOWUP_OPTIONS);

int
cmd_followup(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    enum format fmt;
    int rc = parse_format("follow-up", o[OPT_FOLLOWUP_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (!o[OPT_FOLLOWUP_STAGE] || !o[OPT_FOLLOWUP_RESULT] || !o[OPT_FOLLOWUP_DATE])
        return cli_error(EXIT_USAGE, "follow-up: --stage S, --result R and --date DATE are "
                                     "required");
    int stage = cr_followup_stage_parse(o[OPT_FOLLOWUP_STAGE]);
    if (stage < 0)
        return cli_error(EXIT_USAGE,
                         "follow-up: --stage takes risk_management, reassessment, vetting, "
                         "appeal or left, not '%s'",
                         o[OPT_FOLLOWUP_STAGE]);
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    const struct cr_followup_request req = {stage, o[OPT_FOLLOWUP_RESULT], o[OPT_FOLLOWUP_DATE],
                                            o[OPT_FOLLOWUP_DETAIL]};
    struct cr_act_result res;
    enum cr_status st = cr_followup_add(db, a->operands[0], &req, &res);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    struct followup_report r = {.case_id = res.case_id,
                                .version = res.version,
                                .action = "follow-up",
                                .state = cr_state_name(res.state_after),
                                .stage = cr_followup_stage_name(stage),
                                .result = req.result,
                                .date = req.date};
    struct emit e;
    emit_init(&e, fmt, stdout, &followup_rec, NULL);
    emit_one(&e, &r);
    cli_end(cli, db);
    return cli_flush("follow-up");
}

struct reopen_report {
    int64_t case_id, version;
    const char *action, *state;
};

static const struct emit_field reopen_fields[] = {
    EMIT_AT("case", EMIT_INT, struct reopen_report, case_id),
    EMIT_AT("action", EMIT_TEXT, struct reopen_report, action),
    EMIT_AT("state", EMIT_TEXT, struct reopen_report, state),
    EMIT_AT("version", EMIT_INT, struct reopen_report, version),
};
static const struct emit_record reopen_rec = {
    EMIT_FIELDS(reopen_fields), NULL,
    "case {case}: reopen: {state} again for a new round, unassigned (version {version})"};

#define REOPEN_OPTIONS(_)                                                                         \
    _(REOPEN_REASON, "reason", "TEXT",                                                            \
      "why it is decided again: an appeal, a court ruling, new evidence (required; in the audit " \
      "trail)")                                                                                   \
    CLI_OPT_EXPECT(_, REOPEN) CLI_OPT_FORMAT(_, REOPEN)
CLI_OPTIONS(reopen_options, REOPEN_OPTIONS);

int
cmd_reopen(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    enum format fmt;
    int rc = parse_format("reopen", o[OPT_REOPEN_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (!o[OPT_REOPEN_REASON])
        return cli_error(EXIT_USAGE, "reopen: --reason TEXT is required");
    long long version = 0;
    if (o[OPT_REOPEN_EXPECT] && (rc = parse_number("reopen", "expect-version", o[OPT_REOPEN_EXPECT],
                                                   1, INT64_MAX, &version)) != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_act_result res;
    enum cr_status st = cr_case_reopen(db, a->operands[0], o[OPT_REOPEN_REASON], version, &res);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    struct reopen_report r = {.case_id = res.case_id,
                              .version = res.version,
                              .action = "reopen",
                              .state = cr_state_name(res.state_after)};
    struct emit e;
    emit_init(&e, fmt, stdout, &reopen_rec, NULL);
    emit_one(&e, &r);
    cli_notify(cli, db);
    cli_end(cli, db);
    return cli_flush("reopen");
}

/* A case's follow-ups in `show` (show.c calls these): the table's section, or a JSON list. */

struct followup_doc {
    const char *stage, *stage_label, *result, *date, *detail, *by, *at;
    char at_text[21];
};

static const struct emit_field followup_doc_fields[] = {
    EMIT_AT("stage", EMIT_TEXT, struct followup_doc, stage),
    EMIT_AT("result", EMIT_TEXT, struct followup_doc, result),
    EMIT_AT("date", EMIT_TEXT, struct followup_doc, date),
    EMIT_AT("detail", EMIT_TEXT, struct followup_doc, detail),
    EMIT_AT("recorded_by", EMIT_TEXT, struct followup_doc, by),
    EMIT_AT("recorded_at", EMIT_TEXT, struct followup_doc, at),
    EMIT_AT_AS("stage_label", EMIT_TEXT, struct followup_doc, stage_label, EMIT_TABLE_ONLY),
};
static const struct emit_record followup_doc_rec = {
    EMIT_FIELDS(followup_doc_fields), NULL,
    "  {date}  {stage_label}: {result}, recorded by {recorded_by} at {recorded_at}\n"
    "{detail:~4}"};
static const char followup_head[] = "\nWhat happened next\n";

static void
followup_doc_of(struct followup_doc *d, const struct cr_followup *f)
{
    d->stage = cr_followup_stage_name(f->stage);
    d->stage_label = cr_followup_stage_label(f->stage);
    d->result = f->result;
    d->date = f->date;
    d->detail = f->detail;
    d->by = f->recorded_by;
    cr_time_format(f->recorded_at, d->at_text);
    d->at = d->at_text;
}

void
followup_show(struct emit *e, const struct cr_followup_list *l, bool json)
{
    struct followup_doc d = {0};
    if (json) {
        emit_open(e, "follow_ups", '[');
        for (size_t i = 0; l && i < l->n; i++) {
            followup_doc_of(&d, &l->v[i]);
            emit_object(e, NULL, &followup_doc_rec, &d);
        }
        emit_close(e);
        return;
    }
    if (!l || !l->n)
        return;
    emit_block(e, &followup_doc_rec, followup_head, &d);
    for (size_t i = 0; i < l->n; i++) {
        followup_doc_of(&d, &l->v[i]);
        emit_block(e, &followup_doc_rec, followup_doc_rec.line, &d);
    }
}

/* The templates above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template followup_templates[] = {
    {"follow-up", &followup_rec, NULL},
    {"reopen", &reopen_rec, NULL},
    {"show, follow-ups", &followup_doc_rec, followup_head},
    {"show, a follow-up", &followup_doc_rec, NULL},
    {NULL, NULL, NULL},
};

/* The follow-ups' figures in `report` (report.c calls these). */

void
followup_report_json(struct emit *e, const struct cr_followup_counts *c)
{
    emit_open(e, "follow_ups", '{');
    for (int s = 0; s < CR_FOLLOWUP_STAGE_COUNT; s++) {
        emit_open_as(e, cr_followup_stage_name(s), '{', EMIT_INLINE);
        emit_int(e, "cases", c->cases[s]);
        for (size_t i = 0; i < cr_followup_result_count(s); i++)
            emit_int(e, cr_followup_result_name(s, i), c->n[s][i]);
        emit_close(e);
    }
    emit_int(e, "left_before_decision",
             c->n[CR_FOLLOWUP_LEFT][cr_followup_result_parse(CR_FOLLOWUP_LEFT, "before_decision")]);
    emit_close(e);
}

void
followup_report_table(FILE *f, const struct cr_followup_counts *c)
{
    int64_t any = 0;
    for (int s = 0; s < CR_FOLLOWUP_STAGE_COUNT; s++)
        any += c->cases[s];
    if (!any)
        return;
    fputs("\nWhat happened next (cases; each counted once a stage, by its latest result)\n", f);
    for (int s = 0; s < CR_FOLLOWUP_STAGE_COUNT; s++) {
        fprintf(f, "  %-16s %6lld ", cr_followup_stage_name(s), (long long)c->cases[s]);
        for (size_t i = 0; i < cr_followup_result_count(s); i++)
            fprintf(f, " %s %lld", cr_followup_result_name(s, i), (long long)c->n[s][i]);
        fputc('\n', f);
    }
    fprintf(
        f, "Left the force before a decision: %lld\n",
        (long long)
            c->n[CR_FOLLOWUP_LEFT][cr_followup_result_parse(CR_FOLLOWUP_LEFT, "before_decision")]);
}
