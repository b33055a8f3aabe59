/*
 * The workflow's actions (claim, release, assign, decide, approve, return,
 * vote, note, reconvene, recall): each builds a request, core carries it
 * out under its rules, and the result is emitted.
 */
#include "commands.h"
#include "text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What an action did: the request's name, core's result and core's words for it. */
struct act_report {
    const char *action;
    const struct cr_act_result *r;
    const char *summary;
};

#define REPORT(rec) ((const struct act_report *)(rec))

static void
r_case(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = REPORT(rec)->r->case_id;
}

static void
r_before(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_state_name(REPORT(rec)->r->state_before);
}

static void
r_after(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_state_name(REPORT(rec)->r->state_after);
}

static void
r_version(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = REPORT(rec)->r->version;
}

/* "flagged -> in_review", or "still panel_review" when the state stayed. */
static void
r_change(const void *rec, const void *ctx, struct emit_value *v)
{
    const struct cr_act_result *r = REPORT(rec)->r;
    (void)ctx;
    if (r->state_before != r->state_after)
        emit_printf(v, "%s -> %s", cr_state_name(r->state_before), cr_state_name(r->state_after));
    else
        emit_printf(v, "still %s", cr_state_name(r->state_after));
}

static const struct emit_field act_fields[] = {
    EMIT_GET("case", EMIT_INT, r_case),
    EMIT_AT("action", EMIT_TEXT, struct act_report, action),
    EMIT_GET("state_before", EMIT_TEXT, r_before),
    EMIT_GET("state_after", EMIT_TEXT, r_after),
    EMIT_GET("version", EMIT_INT, r_version),
    EMIT_SHOWN("change", r_change),
    EMIT_AT("summary", EMIT_TEXT, struct act_report, summary),
};
static const struct emit_record act_rec = {
    EMIT_FIELDS(act_fields), NULL,
    "case {case}: {action}: {change} (version {version}); {summary}"};

/* Print what core did (its words for it: cr_act_describe), as a line or as JSON. */
static int
report_act(struct cli *cli, cr_db *db, const char *name, enum format fmt,
           const struct cr_request *req, const struct cr_act_result *res)
{
    char *summary = cr_act_describe(db, req, res);
    struct act_report report = {name, res, summary ? summary : "done"};
    struct emit e;
    emit_init(&e, fmt, stdout, &act_rec, NULL);
    emit_one(&e, &report);
    free(summary);
    cli_notify(cli, db);
    cli_end(cli, db);
    return cli_flush(name);
}

/* Carry out one action and report it; every rule is core's. */
static int
act(struct cli *cli, const char *key, const char *expect, const char *format,
    struct cr_request *req)
{
    long long version = 0;
    int rc;
    const char *name = cr_action_name(req->action);
    enum format fmt;
    if ((rc = parse_format(name, format, false, &fmt)) != EXIT_DONE)
        return rc;
    if (expect &&
        (rc = parse_number(name, "expect-version", expect, 1, INT64_MAX, &version)) != EXIT_DONE)
        return rc;
    req->expect_version = version;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_act_result res;
    enum cr_status st = cr_act(db, key, req, &res);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    return report_act(cli, db, name, fmt, req, &res);
}

#define ACTION_OPTIONS(_) CLI_OPT_EXPECT(_, ACTION) CLI_OPT_FORMAT(_, ACTION)
CLI_OPTIONS(plain_action_options, ACTION_OPTIONS);

/* The actions with nothing to say but the case (and, for assign and note, one operand). */
static int
plain(struct cli *cli, const struct cli_args *a, struct cr_request req)
{
    return act(cli, a->operands[0], a->opt[OPT_ACTION_EXPECT], a->opt[OPT_ACTION_FORMAT], &req);
}

/*
 * claim CASE, or claim --next: the riskiest flagged case the rules let this
 * reviewer take (core's cr_take_next: conflicts, need-to-know and
 * separation of duties as for claim CASE; two at once never get the same).
 */
#define CLAIM_OPTIONS(_)                                                                   \
    _(CLAIM_NEXT, "next", NULL, "instead of CASE: the riskiest flagged case you may take") \
    CLI_OPT_EXPECT(_, CLAIM) CLI_OPT_FORMAT(_, CLAIM)
CLI_OPTIONS(claim_options, CLAIM_OPTIONS);

static int
claim_next(struct cli *cli, const char *format)
{
    enum format fmt;
    int rc = parse_format("claim", format, false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_act_result res;
    enum cr_status st = cr_take_next(db, &res);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    const struct cr_request req = {.action = CR_ACTION_CLAIM};
    return report_act(cli, db, "claim", fmt, &req, &res);
}

int
cmd_claim(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    if (o[OPT_CLAIM_NEXT]) {
        if (a->noperands)
            return cli_error(EXIT_USAGE, "claim: give CASE or --next, not both");
        if (o[OPT_CLAIM_EXPECT])
            return cli_error(EXIT_USAGE, "claim: --expect-version goes with CASE, not with --next");
        return claim_next(cli, o[OPT_CLAIM_FORMAT]);
    }
    if (!a->noperands)
        return cli_error(EXIT_USAGE,
                         "claim: missing CASE, or --next (see 'casereview claim --help')");
    struct cr_request req = {.action = CR_ACTION_CLAIM};
    return act(cli, a->operands[0], o[OPT_CLAIM_EXPECT], o[OPT_CLAIM_FORMAT], &req);
}

int
cmd_release(struct cli *cli, const struct cli_args *a)
{
    return plain(cli, a, (struct cr_request){.action = CR_ACTION_RELEASE});
}

/*
 * assign CASE LOGIN, one case; or assign --from LOGIN --to LOGIN, the
 * cases one reviewer holds, all at once (supervise.c).
 */
#define ASSIGN_OPTIONS(_)                                                                         \
    CLI_OPT_EXPECT(_, ASSIGN)                                                                     \
    CLI_OPT_FORMAT(_, ASSIGN)                                                                     \
    _(ASSIGN_FROM, "from", "LOGIN", "instead of CASE LOGIN: move the cases LOGIN holds (--to)")   \
    _(ASSIGN_TO, "to", "LOGIN", "with --from: the reviewer they go to")                           \
    _(ASSIGN_STATE, "state", "S", "with --from: only its cases in state S (in_review, returned)") \
    _(ASSIGN_LIMIT, "limit", "N", "with --from: at most N cases, riskiest first")
CLI_OPTIONS(assign_options, ASSIGN_OPTIONS);

int
cmd_assign(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    if (o[OPT_ASSIGN_FROM] || o[OPT_ASSIGN_TO] || o[OPT_ASSIGN_STATE] || o[OPT_ASSIGN_LIMIT]) {
        if (a->noperands)
            return cli_error(EXIT_USAGE,
                             "assign: give CASE LOGIN, or --from LOGIN --to LOGIN, not both");
        if (o[OPT_ASSIGN_EXPECT])
            return cli_error(EXIT_USAGE,
                             "assign: --expect-version goes with CASE LOGIN, not with --from");
        const struct cli_bulk_assign b = {o[OPT_ASSIGN_FROM], o[OPT_ASSIGN_TO], o[OPT_ASSIGN_STATE],
                                          o[OPT_ASSIGN_LIMIT], o[OPT_ASSIGN_FORMAT]};
        return cli_assign_bulk(cli, &b);
    }
    if (a->noperands < 2)
        return cli_error(EXIT_USAGE, "assign: missing CASE LOGIN (see 'casereview assign --help')");
    struct cr_request req = {.action = CR_ACTION_ASSIGN, .target = a->operands[1]};
    return act(cli, a->operands[0], o[OPT_ASSIGN_EXPECT], o[OPT_ASSIGN_FORMAT], &req);
}

int
cmd_approve(struct cli *cli, const struct cli_args *a)
{
    return plain(cli, a, (struct cr_request){.action = CR_ACTION_APPROVE});
}

int
cmd_note(struct cli *cli, const struct cli_args *a)
{
    return plain(cli, a, (struct cr_request){.action = CR_ACTION_NOTE, .text = a->operands[1]});
}

#define DECIDE_OPTIONS(_)                                                  \
    _(DECIDE_OUTCOME, "outcome", "O", "nfa, reassess or refer (required)") \
    _(DECIDE_VETTING, "vetting-review", NULL,                              \
      "also review the subject's vetting (only with refer)")               \
    _(DECIDE_RATIONALE, "rationale", "TEXT",                               \
      "the rationale (this or --rationale-file is required)")              \
    _(DECIDE_RATIONALE_FILE, "rationale-file", "F",                        \
      "read the rationale from file F (- for stdin)")                      \
    CLI_OPT_EXPECT(_, DECIDE) CLI_OPT_FORMAT(_, DECIDE)
CLI_OPTIONS(decide_options, DECIDE_OPTIONS);

/*
 * Read a whole text file (or stdin) for a rationale: the text, or NULL with
 * the problem printed (EXIT_INPUT).  A NUL byte would end the text there
 * and the rest would be lost without a word, so a file holding one is
 * refused.
 */
static char *
read_text(const char *cmd, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        cli_error(EXIT_INPUT, "%s: %s: %s", cmd, path, strerror(errno));
        return NULL;
    }
    size_t len = 0;
    errno = 0;
    char *text = read_whole(f, 1u << 24, &len);
    int err = errno;
    if (f != stdin)
        fclose(f);
    if (!text) {
        cli_error(EXIT_INPUT, "%s: %s: %s", cmd, path, strerror(err ? err : EIO));
        return NULL;
    }
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        cli_error(EXIT_INPUT,
                  "%s: %s holds a NUL byte at offset %zu; a rationale is text; nothing was done",
                  cmd, path, (size_t)(nul - text));
        free(text);
        return NULL;
    }
    return text;
}

/*
 * --format is checked first, with the other option values, before what the
 * command requires: "decide --format xml" says what is wrong with --format.
 */
static int
format_first(const char *cmd, const char *s)
{
    enum format fmt;
    return parse_format(cmd, s, false, &fmt);
}

int
cmd_decide(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    struct cr_request req = {.action = CR_ACTION_DECIDE,
                             .vetting_review = o[OPT_DECIDE_VETTING] != NULL};
    int rc = format_first("decide", o[OPT_DECIDE_FORMAT]);
    if (rc != EXIT_DONE)
        return rc;
    if (!o[OPT_DECIDE_OUTCOME])
        return cli_error(EXIT_USAGE, "decide: --outcome is required (nfa, reassess or refer)");
    if ((rc = parse_enum("decide", "outcome", o[OPT_DECIDE_OUTCOME], cr_outcome_parse,
                         cr_outcome_name, NULL, &req.outcome)) != EXIT_DONE)
        return rc;
    if (!o[OPT_DECIDE_RATIONALE] == !o[OPT_DECIDE_RATIONALE_FILE])
        return cli_error(EXIT_USAGE, "decide: give the rationale with --rationale TEXT or "
                                     "--rationale-file F (one of them)");
    char *text = NULL;
    if (o[OPT_DECIDE_RATIONALE_FILE] && !(text = read_text("decide", o[OPT_DECIDE_RATIONALE_FILE])))
        return EXIT_INPUT;
    req.rationale = text ? text : o[OPT_DECIDE_RATIONALE];
    rc = act(cli, a->operands[0], o[OPT_DECIDE_EXPECT], o[OPT_DECIDE_FORMAT], &req);
    free(text);
    return rc;
}

#define RETURN_OPTIONS(_)                                                                       \
    _(RETURN_REASON, "reason", "TEXT", "why the decision goes back to the reviewer (required)") \
    CLI_OPT_EXPECT(_, RETURN) CLI_OPT_FORMAT(_, RETURN)
CLI_OPTIONS(return_options, RETURN_OPTIONS);

int
cmd_return(struct cli *cli, const struct cli_args *a)
{
    int rc = format_first("return", a->opt[OPT_RETURN_FORMAT]);
    if (rc != EXIT_DONE)
        return rc;
    if (!a->opt[OPT_RETURN_REASON])
        return cli_error(EXIT_USAGE, "return: --reason TEXT is required");
    struct cr_request req = {.action = CR_ACTION_RETURN, .reason = a->opt[OPT_RETURN_REASON]};
    return act(cli, a->operands[0], a->opt[OPT_RETURN_EXPECT], a->opt[OPT_RETURN_FORMAT], &req);
}

#define VOTE_OPTIONS(_)                                                                       \
    _(VOTE_CONCUR, "concur", NULL, "agree with the approved decision")                        \
    _(VOTE_DISSENT, "dissent", NULL, "disagree (needs --reason)")                             \
    _(VOTE_RECUSE, "recuse", NULL, "stand aside for a conflict of interest (needs --reason)") \
    _(VOTE_REASON, "reason", "TEXT", "the reasons for a dissent or a recusal")                \
    CLI_OPT_EXPECT(_, VOTE) CLI_OPT_FORMAT(_, VOTE)
CLI_OPTIONS(vote_options, VOTE_OPTIONS);

int
cmd_vote(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    int rc = format_first("vote", o[OPT_VOTE_FORMAT]);
    if (rc != EXIT_DONE)
        return rc;
    int given = !!o[OPT_VOTE_CONCUR] + !!o[OPT_VOTE_DISSENT] + !!o[OPT_VOTE_RECUSE];
    if (given != 1)
        return cli_error(EXIT_USAGE, "vote: give exactly one of --concur, --dissent or --recuse");
    struct cr_request req = {.action = CR_ACTION_VOTE, .reason = o[OPT_VOTE_REASON]};
    req.vote = o[OPT_VOTE_CONCUR]    ? CR_VOTE_CONCUR
               : o[OPT_VOTE_DISSENT] ? CR_VOTE_DISSENT
                                     : CR_VOTE_RECUSE;
    if (req.vote != CR_VOTE_CONCUR && !o[OPT_VOTE_REASON])
        return cli_error(EXIT_USAGE, "vote: --%s needs --reason TEXT", cr_vote_name(req.vote));
    if (req.vote == CR_VOTE_CONCUR && o[OPT_VOTE_REASON])
        return cli_error(EXIT_USAGE, "vote: --reason goes with --dissent or --recuse");
    return act(cli, a->operands[0], o[OPT_VOTE_EXPECT], o[OPT_VOTE_FORMAT], &req);
}

#define RECONVENE_OPTIONS(_)                                     \
    _(RECONVENE_REASON, "reason", "TEXT",                        \
      "why the panel sits again (required; a note on the case)") \
    CLI_OPT_EXPECT(_, RECONVENE) CLI_OPT_FORMAT(_, RECONVENE)
CLI_OPTIONS(reconvene_options, RECONVENE_OPTIONS);

int
cmd_reconvene(struct cli *cli, const struct cli_args *a)
{
    int rc = format_first("reconvene", a->opt[OPT_RECONVENE_FORMAT]);
    if (rc != EXIT_DONE)
        return rc;
    if (!a->opt[OPT_RECONVENE_REASON])
        return cli_error(EXIT_USAGE, "reconvene: --reason TEXT is required");
    struct cr_request req = {.action = CR_ACTION_RECONVENE, .reason = a->opt[OPT_RECONVENE_REASON]};
    return act(cli, a->operands[0], a->opt[OPT_RECONVENE_EXPECT], a->opt[OPT_RECONVENE_FORMAT],
               &req);
}

#define RECALL_OPTIONS(_)                                              \
    _(RECALL_REASON, "reason", "TEXT",                                 \
      "why the decision goes back to the reviewer (required; a note)") \
    CLI_OPT_EXPECT(_, RECALL) CLI_OPT_FORMAT(_, RECALL)
CLI_OPTIONS(recall_options, RECALL_OPTIONS);

int
cmd_recall(struct cli *cli, const struct cli_args *a)
{
    int rc = format_first("recall", a->opt[OPT_RECALL_FORMAT]);
    if (rc != EXIT_DONE)
        return rc;
    if (!a->opt[OPT_RECALL_REASON])
        return cli_error(EXIT_USAGE, "recall: --reason TEXT is required");
    struct cr_request req = {.action = CR_ACTION_RECALL, .reason = a->opt[OPT_RECALL_REASON]};
    return act(cli, a->operands[0], a->opt[OPT_RECALL_EXPECT], a->opt[OPT_RECALL_FORMAT], &req);
}

/* Every template above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template actions_templates[] = {
    {"an action", &act_rec, NULL},
    {NULL, NULL, NULL},
};
