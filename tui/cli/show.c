/*
 * `show`: the case document (casedoc.h) written through the emitter, as a
 * table for a person or as one JSON object.  The field tables below say
 * once which of the document's fields each format carries; the templates
 * say how the table lays them out.
 */
#include "casedoc.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#define DOC(rec) ((const struct case_doc *)(rec))

static void
doc_previous(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = DOC(rec)->previous_case;
    v->absent = !v->i;
}

static void
doc_vetting_review(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = DOC(rec)->vetting_review > 0;
    v->absent = DOC(rec)->vetting_review < 0;
}

static void
doc_employment_shown(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    emit_printf(v, "%s, %s", DOC(rec)->employment_label, DOC(rec)->rank);
}

static void
doc_allegation_count(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = (int64_t)DOC(rec)->n_allegations;
}

#define AT(name, kind, member) EMIT_AT(name, kind, struct case_doc, member)
#define SHOWN_AT(name, member) EMIT_AT_AS(name, EMIT_TEXT, struct case_doc, member, EMIT_TABLE_ONLY)

static const struct emit_field case_fields[] = {
    AT("case", EMIT_INT, id),
    AT("state", EMIT_TEXT, state),
    AT("version", EMIT_INT, version),
    AT("priority", EMIT_INT, priority),
    AT("flagged_at", EMIT_TEXT, flagged_at),
    EMIT_GET("previous_case", EMIT_INT, doc_previous),
    AT("quorum_blocked", EMIT_BOOL, quorum_blocked),
    AT("surname", EMIT_TEXT, surname),
    AT("forenames", EMIT_TEXT, forenames),
    AT("subject_ref", EMIT_TEXT, subject_ref),
    AT("employment", EMIT_TEXT, employment),
    AT("rank", EMIT_TEXT, rank),
    AT("unit", EMIT_TEXT, unit),
    AT("duty_status", EMIT_TEXT, duty),
    AT("vetting", EMIT_TEXT, vetting),
    AT("assignee", EMIT_TEXT, assignee),
    AT("outcome", EMIT_TEXT, outcome),
    EMIT_GET("vetting_review", EMIT_BOOL, doc_vetting_review),
    AT("decided_by", EMIT_TEXT, decided_by),
    AT("decided_at", EMIT_TEXT, decided_at),
    AT("decision", EMIT_INT, decision),
    AT("approved_by", EMIT_TEXT, approved_by),
    AT("approved_at", EMIT_TEXT, approved_at),
    AT("rationale", EMIT_TEXT, rationale),
    AT("votes_withheld", EMIT_INT, votes_withheld),
    SHOWN_AT("state_label", state_label),
    SHOWN_AT("subject", name),
    EMIT_SHOWN("employment_shown", doc_employment_shown),
    SHOWN_AT("duty_label", duty_label),
    SHOWN_AT("vetting_label", vetting_label),
    SHOWN_AT("outcome_label", outcome_label),
    {"allegation_count", EMIT_INT, 0, doc_allegation_count, EMIT_TABLE_ONLY, 0},
};
static const struct emit_record case_rec = {EMIT_FIELDS(case_fields), NULL, NULL};

/* The table's parts of a case, in the order they are shown. */
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
    "Assigned to    {assignee=-}\n";
static const char case_decision[] = "\nDecision\n";
static const char case_undecided[] = "  not decided\n";

/*
 * The service level of the case (core's cr_case_due, cr_case_paused,
 * cr_case_overdue, cr_case_escalated at the clock): due, and the pause.
 */
struct sla_doc {
    char due[21], paused_until[21], paused_at[21];
    bool has_due, overdue, escalated, paused;
    const char *paused_by, *pause_reason;
};

#define SLA(rec) ((const struct sla_doc *)(rec))

static void
time_or_absent(const char *t, bool there, struct emit_value *v)
{
    v->absent = !there;
    v->s = there ? t : NULL;
}

static void
sla_due(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    time_or_absent(SLA(rec)->due, SLA(rec)->has_due, v);
}

static void
sla_paused_until(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    time_or_absent(SLA(rec)->paused_until, SLA(rec)->paused, v);
}

static void
sla_paused_at(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    time_or_absent(SLA(rec)->paused_at, SLA(rec)->paused, v);
}

static const struct emit_field sla_fields[] = {
    EMIT_GET("due", EMIT_TEXT, sla_due),
    EMIT_AT("overdue", EMIT_BOOL, struct sla_doc, overdue),
    EMIT_AT("escalated", EMIT_BOOL, struct sla_doc, escalated),
    EMIT_GET("paused_until", EMIT_TEXT, sla_paused_until),
    EMIT_AT("paused_by", EMIT_TEXT, struct sla_doc, paused_by),
    EMIT_GET("paused_at", EMIT_TEXT, sla_paused_at),
    EMIT_AT("pause_reason", EMIT_TEXT, struct sla_doc, pause_reason),
};
static const struct emit_record sla_rec = {EMIT_FIELDS(sla_fields), NULL, NULL};
static const char case_sla[] =
    "[Due            {due}][{?overdue}, overdue][{?escalated}, escalated][{?due}\n]"
    "[Paused         until {paused_until}, by {paused_by} at {paused_at}\n"
    "               reason: {pause_reason}\n]";

static void
sla_build(struct sla_doc *s, const struct cr_config *cfg, const struct cr_case *c, int64_t now)
{
    memset(s, 0, sizeof *s);
    int64_t due = cr_case_due(cfg, &c->row);
    s->has_due = due != 0;
    cr_time_format(due, s->due);
    s->overdue = cr_case_overdue(cfg, &c->row, now);
    s->escalated = cr_case_escalated(cfg, &c->row, now);
    s->paused = cr_case_paused(&c->row, now);
    cr_time_format(c->row.paused_until, s->paused_until);
    cr_time_format(c->paused_at, s->paused_at);
    s->paused_by = s->paused ? c->paused_by : NULL;
    s->pause_reason = s->paused ? c->pause_reason : NULL;
}
/*
 * The panel's progress as the viewer may see it (core's cr_panel_progress:
 * blind voting kept) and the supervisor the approval is routed to.
 */
struct panel_doc {
    char progress[64];
    bool shown;
    const char *approver;
};

static void
panel_progress_get(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    const struct panel_doc *p = rec;
    v->s = p->progress;
    v->absent = !p->shown;
}

static const struct emit_field panel_fields[] = {
    EMIT_GET("panel_progress", EMIT_TEXT, panel_progress_get),
    EMIT_AT("approver", EMIT_TEXT, struct panel_doc, approver),
};
static const struct emit_record panel_rec = {EMIT_FIELDS(panel_fields), NULL, NULL};
static const char case_panel[] = "[Panel          {panel_progress}\n][Routed to      {approver}\n]";

static void
panel_build(struct panel_doc *p, cr_db *db, const struct cr_case *c)
{
    memset(p, 0, sizeof *p);
    struct cr_panel_progress pp;
    cr_panel_progress(db, &c->row, &pp);
    p->shown = pp.shown != 0;
    cr_panel_progress_text(&pp, p->progress, sizeof p->progress);
    p->approver = c->row.approver;
}

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

static const struct emit_field vote_fields[] = {
    EMIT_AT("member", EMIT_TEXT, struct case_doc_vote, member),
    EMIT_AT("kind", EMIT_TEXT, struct case_doc_vote, kind),
    EMIT_AT("vote", EMIT_TEXT, struct case_doc_vote, vote),
    EMIT_AT("reason", EMIT_TEXT, struct case_doc_vote, reason),
    EMIT_AT("at", EMIT_TEXT, struct case_doc_vote, at),
};
static const struct emit_record vote_rec = {EMIT_FIELDS(vote_fields), NULL,
                                            "  {vote:<8} {member} ({kind}) at {at}\n{reason:~4}"};

static const struct emit_field note_fields[] = {
    EMIT_AT("author", EMIT_TEXT, struct case_doc_note, author),
    EMIT_AT("kind", EMIT_TEXT, struct case_doc_note, kind),
    EMIT_AT("at", EMIT_TEXT, struct case_doc_note, at),
    EMIT_AT("body", EMIT_TEXT, struct case_doc_note, body),
};
static const struct emit_record note_rec = {EMIT_FIELDS(note_fields), NULL,
                                            "  {at}  {author} ({kind})\n{body:~4}"};

#define AL_AT(name, member) EMIT_AT(name, EMIT_TEXT, struct case_doc_allegation, member)
static const struct emit_field allegation_fields[] = {
    AL_AT("ref", ref),
    AL_AT("date", date),
    AL_AT("category", category),
    AL_AT("source", source),
    AL_AT("original_outcome", original_outcome),
    AL_AT("summary", summary),
    EMIT_AT_AS("n", EMIT_INT, struct case_doc_allegation, n, EMIT_TABLE_ONLY),
    EMIT_AT_AS("category_label", EMIT_TEXT, struct case_doc_allegation, category_label,
               EMIT_TABLE_ONLY),
    EMIT_AT_AS("source_label", EMIT_TEXT, struct case_doc_allegation, source_label,
               EMIT_TABLE_ONLY),
};
static const struct emit_record allegation_rec = {
    EMIT_FIELDS(allegation_fields), NULL,
    "\n{n:>3}. {date}  {ref}  {category_label}, reported by {source_label}\n"
    "     Original outcome: {original_outcome}\n{summary:~5}"};

/* The case as one JSON object: its fields, then its votes, notes and allegations. */
static void
case_json(struct emit *e, const struct case_doc *d, const struct sla_doc *sla,
          const struct panel_doc *panel, const struct cr_timeline *tl,
          const struct cr_followup_list *fl)
{
    emit_open(e, NULL, '{');
    emit_members(e, &case_rec, d);
    emit_members(e, &sla_rec, sla);
    emit_members(e, &panel_rec, panel);
    emit_open(e, "votes", '[');
    for (size_t i = 0; i < d->n_votes; i++)
        emit_object(e, NULL, &vote_rec, &d->votes[i]);
    emit_close(e);
    emit_open(e, "notes", '[');
    for (size_t i = 0; i < d->n_notes; i++)
        emit_object(e, NULL, &note_rec, &d->notes[i]);
    emit_close(e);
    emit_open(e, "allegations", '[');
    for (size_t i = 0; i < d->n_allegations; i++)
        emit_object(e, NULL, &allegation_rec, &d->allegations[i]);
    emit_close(e);
    cli_timeline_json(e, tl, d->id); /* link.c: the subject's timeline and linked references */
    followup_show(e, fl, true);
    emit_close(e);
}

static void
case_table(struct emit *e, const struct case_doc *d, const struct sla_doc *sla,
           const struct panel_doc *panel, const struct cr_timeline *tl,
           const struct cr_followup_list *fl)
{
    emit_block(e, &case_rec, case_head, d);
    emit_block(e, &sla_rec, case_sla, sla);
    emit_block(e, &panel_rec, case_panel, panel);
    emit_block(e, &case_rec, case_decision, d);
    emit_block(e, &case_rec, d->outcome ? case_decided : case_undecided, d);
    if (d->n_votes || d->votes_withheld) {
        emit_block(e, &case_rec, case_votes, d);
        for (size_t i = 0; i < d->n_votes; i++)
            emit_block(e, &vote_rec, vote_rec.line, &d->votes[i]);
        if (d->votes_withheld)
            emit_block(e, &case_rec, case_withheld, d);
    }
    if (d->n_notes) {
        emit_block(e, &case_rec, case_notes, d);
        for (size_t i = 0; i < d->n_notes; i++)
            emit_block(e, &note_rec, note_rec.line, &d->notes[i]);
    }
    followup_show(e, fl, false);
    emit_block(e, &case_rec, case_allegations, d);
    for (size_t i = 0; i < d->n_allegations; i++)
        emit_block(e, &allegation_rec, allegation_rec.line, &d->allegations[i]);
    cli_timeline_table(e, tl, d->id); /* link.c */
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
    /* What happened after the decision (followup.c), part of the view recorded. */
    struct cr_followup_list fl;
    if ((st = cr_followups_get_id(db, c.row.id, &fl)) != CR_OK) {
        rc = cli_fail(db, st);
        cr_followup_list_free(&fl);
        cr_case_free(&c);
        cli_end(cli, db);
        return rc;
    }
    struct case_doc d;
    struct cr_timeline tl;
    if ((st = cr_case_timeline_id(db, c.row.id, &tl)) != CR_OK) {
        rc = cli_fail(db, st);
        cr_timeline_free(&tl);
        cr_followup_list_free(&fl);
        cr_case_free(&c);
        cli_end(cli, db);
        return rc;
    }
    if (case_doc_build(&d, &c, NULL) < 0) {
        rc = cli_error(EXIT_DB, "show: out of memory");
    } else {
        struct sla_doc sla;
        sla_build(&sla, cli->cfg, &c, cr_db_now(db));
        struct panel_doc panel;
        panel_build(&panel, db, &c);
        struct emit e;
        emit_init(&e, fmt, stdout, &case_rec, NULL);
        if (fmt == FORMAT_JSON)
            case_json(&e, &d, &sla, &panel, &tl, &fl);
        else
            case_table(&e, &d, &sla, &panel, &tl, &fl);
        case_doc_free(&d);
    }
    cr_timeline_free(&tl);
    cr_followup_list_free(&fl);
    cr_case_free(&c);
    cli_end(cli, db);
    return rc == EXIT_DONE ? cli_flush("show") : rc;
}

/* Every template above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template show_templates[] = {
    {"show, head", &case_rec, case_head},
    {"show, service level", &sla_rec, case_sla},
    {"show, panel and routing", &panel_rec, case_panel},
    {"show, decision", &case_rec, case_decision},
    {"show, undecided", &case_rec, case_undecided},
    {"show, decided", &case_rec, case_decided},
    {"show, votes", &case_rec, case_votes},
    {"show, withheld", &case_rec, case_withheld},
    {"show, notes", &case_rec, case_notes},
    {"show, allegations", &case_rec, case_allegations},
    {"show, a vote", &vote_rec, NULL},
    {"show, a note", &note_rec, NULL},
    {"show, an allegation", &allegation_rec, NULL},
    {NULL, NULL, NULL},
};
