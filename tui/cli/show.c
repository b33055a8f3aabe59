/*
 * `show`: the case document.  A case is described once, as the emitter's
 * records (the case, its votes, notes and allegations, below), and written
 * as a table for a person or as one JSON object.
 */
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#define CASE(rec) ((const struct cr_case *)(rec))

static void
time_of(int64_t t, struct emit_value *v)
{
    v->absent = !t;
    cr_time_format(t, v->buf);
    v->s = v->buf;
}

static void
c_case(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = CASE(rec)->row.id;
}

static void
c_state(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_state_name(CASE(rec)->row.state);
}

static void
c_state_label(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_state_label(CASE(rec)->row.state);
}

static void
c_priority(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = CASE(rec)->row.priority;
}

static void
c_flagged(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    time_of(CASE(rec)->row.created_at, v);
}

static void
c_previous(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = CASE(rec)->previous_case;
    v->absent = !v->i;
}

static void
c_quorum(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = CASE(rec)->row.quorum_blocked != 0;
}

#define ROW_TEXT(fn, member)                                                                       \
    static void fn(const void *rec, const void *ctx, struct emit_value *v)                        \
    {                                                                                              \
        (void)ctx;                                                                                 \
        v->s = CASE(rec)->row.member;                                                              \
        v->absent = !v->s;                                                                         \
    }
ROW_TEXT(c_surname, surname)
ROW_TEXT(c_forenames, forenames)
ROW_TEXT(c_subject_ref, subject_ref)
ROW_TEXT(c_rank, rank)
ROW_TEXT(c_unit, unit)
ROW_TEXT(c_assignee, assignee)
ROW_TEXT(c_decided_by, decided_by)

static void
c_subject(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    emit_printf(v, "%s, %s", CASE(rec)->row.surname, CASE(rec)->row.forenames);
}

static void
c_employment(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_employment_name(CASE(rec)->employment);
}

static void
c_employment_shown(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    emit_printf(v, "%s, %s", cr_employment_label(CASE(rec)->employment), CASE(rec)->row.rank);
}

static void
c_duty(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_duty_name(CASE(rec)->row.duty);
}

static void
c_duty_label(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_duty_label(CASE(rec)->row.duty);
}

static void
c_vetting(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->absent = CASE(rec)->vetting < 0;
    v->s = v->absent ? NULL : cr_vetting_name(CASE(rec)->vetting);
}

static void
c_vetting_label(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->absent = CASE(rec)->vetting < 0;
    v->s = v->absent ? NULL : cr_vetting_label(CASE(rec)->vetting);
}

static void
c_outcome(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->absent = CASE(rec)->row.outcome < 0;
    v->s = v->absent ? NULL : cr_outcome_name(CASE(rec)->row.outcome);
}

static void
c_outcome_label(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->absent = CASE(rec)->row.outcome < 0;
    v->s = v->absent ? NULL : cr_outcome_label(CASE(rec)->row.outcome);
}

static void
c_vetting_review(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->absent = CASE(rec)->row.outcome != CR_OUTCOME_REFER;
    v->i = CASE(rec)->row.vetting_review != 0;
}

static void
c_decided_at(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    time_of(CASE(rec)->row.decided_at, v);
}

static void
c_round(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = CASE(rec)->round;
}

static void
c_approved_at(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    time_of(CASE(rec)->approved_at, v);
}

static void
c_votes_withheld(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = (int64_t)CASE(rec)->votes_hidden;
}

static void
c_allegations(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = (int64_t)CASE(rec)->n_allegations;
}

static const struct emit_field case_fields[] = {
    EMIT_GET("case", EMIT_INT, c_case),
    EMIT_GET("state", EMIT_TEXT, c_state),
    EMIT_AT("version", EMIT_INT, struct cr_case, version),
    EMIT_GET("priority", EMIT_INT, c_priority),
    EMIT_GET("flagged_at", EMIT_TEXT, c_flagged),
    EMIT_GET("previous_case", EMIT_INT, c_previous),
    EMIT_GET("quorum_blocked", EMIT_BOOL, c_quorum),
    EMIT_GET("surname", EMIT_TEXT, c_surname),
    EMIT_GET("forenames", EMIT_TEXT, c_forenames),
    EMIT_GET("subject_ref", EMIT_TEXT, c_subject_ref),
    EMIT_GET("employment", EMIT_TEXT, c_employment),
    EMIT_GET("rank", EMIT_TEXT, c_rank),
    EMIT_GET("unit", EMIT_TEXT, c_unit),
    EMIT_GET("duty_status", EMIT_TEXT, c_duty),
    EMIT_GET("vetting", EMIT_TEXT, c_vetting),
    EMIT_GET("assignee", EMIT_TEXT, c_assignee),
    EMIT_GET("outcome", EMIT_TEXT, c_outcome),
    EMIT_GET("vetting_review", EMIT_BOOL, c_vetting_review),
    EMIT_GET("decided_by", EMIT_TEXT, c_decided_by),
    EMIT_GET("decided_at", EMIT_TEXT, c_decided_at),
    EMIT_GET("decision", EMIT_INT, c_round),
    EMIT_AT("approved_by", EMIT_TEXT, struct cr_case, approved_by),
    EMIT_GET("approved_at", EMIT_TEXT, c_approved_at),
    EMIT_AT("rationale", EMIT_TEXT, struct cr_case, rationale),
    EMIT_GET("votes_withheld", EMIT_INT, c_votes_withheld),
    EMIT_SHOWN("state_label", c_state_label),
    EMIT_SHOWN("subject", c_subject),
    EMIT_SHOWN("employment_shown", c_employment_shown),
    EMIT_SHOWN("duty_label", c_duty_label),
    EMIT_SHOWN("vetting_label", c_vetting_label),
    EMIT_SHOWN("outcome_label", c_outcome_label),
    {"allegation_count", EMIT_INT, 0, c_allegations, EMIT_TABLE_ONLY, 0},
};

/* The table's parts of a case, in the order they are shown. */
static const struct emit_record case_rec = {EMIT_FIELDS(case_fields), NULL, NULL};
static const char case_head[] =
    "Case {case}: {state_label} (version {version}, priority {priority}, flagged {flagged_at})\n"
    "[               follows closed case {previous_case}\n]"
    "[{?quorum_blocked}               cannot reach quorum: too few panel members are left to "
    "vote\n]"
    "Subject        {subject}\n"
    "Reference      {subject_ref=-}\n"
    "Employment     {employment_shown}\n"
    "Unit           {unit=-}\n"
    "Duty           {duty_label}\n"
    "Vetting        {vetting_label=not recorded}\n"
    "Assigned to    {assignee=-}\n"
    "\nDecision\n";
static const char case_undecided[] = "  not decided\n";
static const char case_decided[] =
    "  {outcome_label}[{?vetting_review}, with a vetting review], by {decided_by=-} at "
    "{decided_at} (decision {decision})\n"
    "[  approved by {approved_by} at {approved_at}\n]"
    "  Rationale:\n{rationale:~4}";
static const char case_votes[] = "\nPanel votes on decision {decision}\n";
static const char case_withheld[] =
    "  {votes_withheld} {votes_withheld|vote|votes} withheld until you cast yours (blind voting)\n";
static const char case_notes[] = "\nNotes\n";
static const char case_allegations[] = "\nAllegations ({allegation_count})\n";

#define VOTE(rec) ((const struct cr_vote_row *)(rec))

static void
v_vote(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_vote_name(VOTE(rec)->vote);
}

static void
v_kind(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_kind_name(VOTE(rec)->kind);
}

static void
v_at(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    time_of(VOTE(rec)->at, v);
    v->absent = false;
}

static const struct emit_field vote_fields[] = {
    EMIT_AT("member", EMIT_TEXT, struct cr_vote_row, member),
    EMIT_GET("kind", EMIT_TEXT, v_kind),
    EMIT_GET("vote", EMIT_TEXT, v_vote),
    EMIT_AT("reason", EMIT_TEXT, struct cr_vote_row, reason),
    EMIT_GET("at", EMIT_TEXT, v_at),
};
static const struct emit_record vote_rec = {
    EMIT_FIELDS(vote_fields), NULL, "  {vote:<8} {member} ({kind}) at {at}\n{reason:~4}"};

static void
n_at(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    time_of(((const struct cr_note *)rec)->at, v);
    v->absent = false;
}

static const struct emit_field note_fields[] = {
    EMIT_AT("author", EMIT_TEXT, struct cr_note, author),
    EMIT_AT("kind", EMIT_TEXT, struct cr_note, kind),
    EMIT_GET("at", EMIT_TEXT, n_at),
    EMIT_AT("body", EMIT_TEXT, struct cr_note, body),
};
static const struct emit_record note_rec = {EMIT_FIELDS(note_fields), NULL,
                                            "  {at}  {author} ({kind})\n{body:~4}"};

/* An allegation with its place in the case's list. */
struct numbered {
    int64_t n;
    const struct cr_allegation *a;
};

#define AL(rec) (((const struct numbered *)(rec))->a)

static void
a_ref(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = AL(rec)->ref;
}

static void
a_date(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = AL(rec)->date;
}

static void
a_category(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_category_name(AL(rec)->category);
}

static void
a_category_label(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_category_label(AL(rec)->category);
}

static void
a_source(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_source_name(AL(rec)->source);
}

static void
a_source_label(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = cr_source_label(AL(rec)->source);
}

static void
a_original(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = AL(rec)->original_outcome;
}

static void
a_summary(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = AL(rec)->summary;
}

static const struct emit_field allegation_fields[] = {
    EMIT_GET("ref", EMIT_TEXT, a_ref),
    EMIT_GET("date", EMIT_TEXT, a_date),
    EMIT_GET("category", EMIT_TEXT, a_category),
    EMIT_GET("source", EMIT_TEXT, a_source),
    EMIT_GET("original_outcome", EMIT_TEXT, a_original),
    EMIT_GET("summary", EMIT_TEXT, a_summary),
    EMIT_AT("n", EMIT_INT, struct numbered, n),
    EMIT_GET("category_label", EMIT_TEXT, a_category_label),
    EMIT_GET("source_label", EMIT_TEXT, a_source_label),
};
static const struct emit_record allegation_rec = {
    EMIT_FIELDS(allegation_fields), NULL,
    "\n{n:>3}. {date}  {ref}  {category_label}, reported by {source_label}\n"
    "     Original outcome: {original_outcome}\n{summary:~5}"};

/* The case as one JSON object: its fields, then its votes, notes and allegations. */
static void
case_json(struct emit *e, const struct cr_case *c)
{
    emit_open(e, NULL, '{');
    for (size_t i = 0; i < case_rec.n; i++) {
        if (case_fields[i].flags & EMIT_TABLE_ONLY)
            continue;
        struct emit_value v = {.kind = case_fields[i].kind};
        if (case_fields[i].get) {
            case_fields[i].get(c, NULL, &v);
        } else if (v.kind == EMIT_INT) {
            memcpy(&v.i, (const char *)c + case_fields[i].offset, sizeof v.i);
        } else {
            memcpy(&v.s, (const char *)c + case_fields[i].offset, sizeof v.s);
            v.absent = !v.s;
        }
        emit_value(e, case_fields[i].name, &v);
        free(v.owned);
    }
    emit_open(e, "votes", '[');
    for (size_t i = 0; i < c->n_votes; i++)
        emit_object(e, NULL, &vote_rec, &c->votes[i]);
    emit_close(e);
    emit_open(e, "notes", '[');
    for (size_t i = 0; i < c->n_notes; i++)
        emit_object(e, NULL, &note_rec, &c->notes[i]);
    emit_close(e);
    emit_open(e, "allegations", '[');
    for (size_t i = 0; i < c->n_allegations; i++) {
        struct numbered al = {(int64_t)i + 1, &c->allegations[i]};
        emit_object(e, NULL, &allegation_rec, &al);
    }
    emit_close(e);
    emit_close(e);
}

static void
case_table(struct emit *e, const struct cr_case *c)
{
    emit_block(e, &case_rec, case_head, c);
    emit_block(e, &case_rec, c->row.outcome < 0 ? case_undecided : case_decided, c);
    if (c->n_votes || c->votes_hidden) {
        emit_block(e, &case_rec, case_votes, c);
        for (size_t i = 0; i < c->n_votes; i++)
            emit_block(e, &vote_rec, vote_rec.line, &c->votes[i]);
        if (c->votes_hidden)
            emit_block(e, &case_rec, case_withheld, c);
    }
    if (c->n_notes) {
        emit_block(e, &case_rec, case_notes, c);
        for (size_t i = 0; i < c->n_notes; i++)
            emit_block(e, &note_rec, note_rec.line, &c->notes[i]);
    }
    emit_block(e, &case_rec, case_allegations, c);
    for (size_t i = 0; i < c->n_allegations; i++) {
        struct numbered al = {(int64_t)i + 1, &c->allegations[i]};
        emit_block(e, &allegation_rec, allegation_rec.line, &al);
    }
}

#define SHOW_OPTIONS(_) CLI_OPT_FORMAT(_, SHOW)
CLI_OPTIONS(show_options, SHOW_OPTIONS);

int
cmd_show(struct cli *cli, const struct cli_args *a)
{
    enum format fmt;
    int rc = parse_format("show", a->opt[OPT_SHOW_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_case c;
    enum cr_status st = cr_case_view(db, a->operands[0], &c);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    struct emit e;
    emit_init(&e, fmt, stdout, &case_rec, NULL);
    if (fmt == FORMAT_JSON)
        case_json(&e, &c);
    else
        case_table(&e, &c);
    cr_case_free(&c);
    cli_end(cli, db);
    return EXIT_DONE;
}
