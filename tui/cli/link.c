/*
 * The subject's timeline as `show` prints it, and `link CASE REF --kind K
 * [--status S] --reason R` / `unlink CASE REF --reason R`.  Every rule is
 * core's (timeline.c: cr_case_timeline_id, cr_case_link, cr_case_unlink);
 * this parses, calls it and reports, as route does.
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>

/* One case of the subject, as a line of the timeline. */
struct tl_case {
    int64_t id, allegations;
    bool this_case;
    const char *state, *outcome;
    char flagged_buf[21], decided_at[21], closed_at[21];
    const char *flagged_at; /* flagged_buf */
    bool decided, closed;
};

static void
tl_decided(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    const struct tl_case *c = rec;
    v->absent = !c->decided;
    v->s = c->decided ? c->decided_at : NULL;
}

static void
tl_closed(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    const struct tl_case *c = rec;
    v->absent = !c->closed;
    v->s = c->closed ? c->closed_at : NULL;
}

static void
tl_mark(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = ((const struct tl_case *)rec)->this_case ? "*" : " ";
}

static const struct emit_field tl_case_fields[] = {
    EMIT_AT("case", EMIT_INT, struct tl_case, id),
    EMIT_AT("state", EMIT_TEXT, struct tl_case, state),
    EMIT_AT("outcome", EMIT_TEXT, struct tl_case, outcome),
    EMIT_AT("flagged_at", EMIT_TEXT, struct tl_case, flagged_at),
    EMIT_GET("decided_at", EMIT_TEXT, tl_decided),
    EMIT_GET("closed_at", EMIT_TEXT, tl_closed),
    EMIT_AT("allegations", EMIT_INT, struct tl_case, allegations),
    EMIT_AT("this_case", EMIT_BOOL, struct tl_case, this_case),
    EMIT_SHOWN("mark", tl_mark),
};
static const struct emit_record tl_case_rec = {
    EMIT_FIELDS(tl_case_fields), NULL,
    "{mark} case {case:<4} {state:<17} {outcome:<8=-} flagged {flagged_at}"
    "[, decided {decided_at}][, closed {closed_at}]\n"};

/* One allegation of the subject, marked with its case. */
struct tl_allegation {
    int64_t case_id;
    const char *ref, *date, *category, *source, *category_label, *source_label;
};

static const struct emit_field tl_allegation_fields[] = {
    EMIT_AT("date", EMIT_TEXT, struct tl_allegation, date),
    EMIT_AT("case", EMIT_INT, struct tl_allegation, case_id),
    EMIT_AT("ref", EMIT_TEXT, struct tl_allegation, ref),
    EMIT_AT("category", EMIT_TEXT, struct tl_allegation, category),
    EMIT_AT("source", EMIT_TEXT, struct tl_allegation, source),
    EMIT_AT_AS("category_label", EMIT_TEXT, struct tl_allegation, category_label, EMIT_TABLE_ONLY),
    EMIT_AT_AS("source_label", EMIT_TEXT, struct tl_allegation, source_label, EMIT_TABLE_ONLY),
};
static const struct emit_record tl_allegation_rec = {
    EMIT_FIELDS(tl_allegation_fields), NULL,
    "  {date}  case {case:<4} {ref}  {category_label}, reported by {source_label}\n"};

/* One linked reference in force. */
struct tl_link {
    int64_t case_id, import_line;
    const char *kind, *ref, *status, *added_by, *added_at;
    char added_buf[21];
};

static void
tl_added_by(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    const struct tl_link *k = rec;
    v->s = k->added_by;
    v->absent = !k->added_by;
}

static void
tl_import_line(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    const struct tl_link *k = rec;
    v->i = k->import_line;
    v->absent = k->added_by != NULL;
}

static const struct emit_field tl_link_fields[] = {
    EMIT_AT("case", EMIT_INT, struct tl_link, case_id),
    EMIT_AT("kind", EMIT_TEXT, struct tl_link, kind),
    EMIT_AT("ref", EMIT_TEXT, struct tl_link, ref),
    EMIT_AT("status", EMIT_TEXT, struct tl_link, status),
    EMIT_GET("added_by", EMIT_TEXT, tl_added_by),
    EMIT_AT("added_at", EMIT_TEXT, struct tl_link, added_at),
    EMIT_GET("import_line", EMIT_INT, tl_import_line),
};
static const struct emit_record tl_link_rec = {
    EMIT_FIELDS(tl_link_fields), NULL,
    "  {kind:<11} {ref}  {status}  ([{added_by}, ]{added_at}[, import line {import_line}])\n"};

/* The headings, with a count each. */
struct tl_counts {
    int64_t cases, allegations, links;
};
static const struct emit_field tl_count_fields[] = {
    EMIT_AT("cases", EMIT_INT, struct tl_counts, cases),
    EMIT_AT("allegations", EMIT_INT, struct tl_counts, allegations),
    EMIT_AT("links", EMIT_INT, struct tl_counts, links),
};
static const struct emit_record tl_count_rec = {EMIT_FIELDS(tl_count_fields), NULL, NULL};
static const char tl_cases_head[] = "\nThe subject's cases ({cases})\n";
static const char tl_allegations_head[] =
    "\nTimeline: the subject's {allegations} {allegations|allegation|allegations}, by date\n";
static const char tl_links_head[] = "\nLinked references ({links})\n";

static void
tl_case_of(struct tl_case *o, const struct cr_timeline_case *c, int64_t this_case)
{
    memset(o, 0, sizeof *o);
    o->id = c->id;
    o->allegations = c->n_allegations;
    o->this_case = c->id == this_case;
    o->state = cr_state_name(c->state);
    o->outcome = c->outcome >= 0 ? cr_outcome_name(c->outcome) : NULL;
    cr_time_format(c->flagged_at, o->flagged_buf);
    o->flagged_at = o->flagged_buf;
    o->decided = c->decided_at != 0;
    cr_time_format(c->decided_at, o->decided_at);
    o->closed = c->closed_at != 0;
    cr_time_format(c->closed_at, o->closed_at);
}

static void
tl_allegation_of(struct tl_allegation *o, const struct cr_timeline_allegation *a)
{
    o->case_id = a->case_id;
    o->ref = a->ref;
    o->date = a->date;
    o->category = cr_category_name(a->category);
    o->source = cr_source_name(a->source);
    o->category_label = cr_category_label(a->category);
    o->source_label = cr_source_label(a->source);
}

static void
tl_link_of(struct tl_link *o, const struct cr_link *k)
{
    o->case_id = k->case_id;
    o->import_line = k->import_line;
    o->kind = cr_link_kind_name(k->kind);
    o->ref = k->ref;
    o->status = k->status;
    o->added_by = k->added_by;
    cr_time_format(k->added_at, o->added_buf);
    o->added_at = o->added_buf;
}

void
cli_timeline_table(struct emit *e, const struct cr_timeline *t, int64_t case_id)
{
    struct tl_counts n = {(int64_t)t->n_cases, (int64_t)t->n_allegations, 0};
    for (size_t i = 0; i < t->n_links; i++)
        n.links += t->links[i].case_id == case_id;
    /* One case and its own allegations: the case's sections say it all. */
    if (t->n_cases > 1) {
        emit_block(e, &tl_count_rec, tl_cases_head, &n);
        for (size_t i = 0; i < t->n_cases; i++) {
            struct tl_case c;
            tl_case_of(&c, &t->cases[i], case_id);
            emit_block(e, &tl_case_rec, tl_case_rec.line, &c);
        }
        emit_block(e, &tl_count_rec, tl_allegations_head, &n);
        for (size_t i = 0; i < t->n_allegations; i++) {
            struct tl_allegation a;
            tl_allegation_of(&a, &t->allegations[i]);
            emit_block(e, &tl_allegation_rec, tl_allegation_rec.line, &a);
        }
    }
    if (n.links) {
        emit_block(e, &tl_count_rec, tl_links_head, &n);
        for (size_t i = 0; i < t->n_links; i++) {
            if (t->links[i].case_id != case_id)
                continue;
            struct tl_link k;
            tl_link_of(&k, &t->links[i]);
            emit_block(e, &tl_link_rec, tl_link_rec.line, &k);
        }
    }
}

void
cli_timeline_json(struct emit *e, const struct cr_timeline *t, int64_t case_id)
{
    emit_open(e, "linked_refs", '[');
    for (size_t i = 0; i < t->n_links; i++) {
        if (t->links[i].case_id != case_id)
            continue;
        struct tl_link k;
        tl_link_of(&k, &t->links[i]);
        emit_object(e, NULL, &tl_link_rec, &k);
    }
    emit_close(e);
    emit_open(e, "timeline", '{');
    emit_open(e, "cases", '[');
    for (size_t i = 0; i < t->n_cases; i++) {
        struct tl_case c;
        tl_case_of(&c, &t->cases[i], case_id);
        emit_object(e, NULL, &tl_case_rec, &c);
    }
    emit_close(e);
    emit_open(e, "allegations", '[');
    for (size_t i = 0; i < t->n_allegations; i++) {
        struct tl_allegation a;
        tl_allegation_of(&a, &t->allegations[i]);
        emit_object(e, NULL, &tl_allegation_rec, &a);
    }
    emit_close(e);
    emit_open(e, "linked_refs", '[');
    for (size_t i = 0; i < t->n_links; i++) {
        struct tl_link k;
        tl_link_of(&k, &t->links[i]);
        emit_object(e, NULL, &tl_link_rec, &k);
    }
    emit_close(e);
    emit_close(e);
}

/* link and unlink */

struct link_report {
    int64_t case_id, version;
    const char *action, *state, *kind, *ref, *status;
};

static const struct emit_field link_fields[] = {
    EMIT_AT("case", EMIT_INT, struct link_report, case_id),
    EMIT_AT("action", EMIT_TEXT, struct link_report, action),
    EMIT_AT("state", EMIT_TEXT, struct link_report, state),
    EMIT_AT("kind", EMIT_TEXT, struct link_report, kind),
    EMIT_AT("ref", EMIT_TEXT, struct link_report, ref),
    EMIT_AT("status", EMIT_TEXT, struct link_report, status),
    EMIT_AT("version", EMIT_INT, struct link_report, version),
};
static const struct emit_record link_rec = {
    EMIT_FIELDS(link_fields), NULL,
    "case {case}: {action}: [{kind} ]{ref}[ ({status})] (version {version})"};

#define LINK_OPTIONS(_)                                                                       \
    _(LINK_KIND, "kind", "K", "crime, misconduct, iopc or other (required)")                  \
    _(LINK_STATUS, "status", "S", "its status, a word such as open or closed (default open)") \
    _(LINK_REASON, "reason", "TEXT", "why (required; in the audit trail)")                    \
    CLI_OPT_EXPECT(_, LINK) CLI_OPT_FORMAT(_, LINK)
CLI_OPTIONS(link_options, LINK_OPTIONS);

#define UNLINK_OPTIONS(_)                                                    \
    _(UNLINK_REASON, "reason", "TEXT", "why (required; in the audit trail)") \
    CLI_OPT_EXPECT(_, UNLINK) CLI_OPT_FORMAT(_, UNLINK)
CLI_OPTIONS(unlink_options, UNLINK_OPTIONS);

static int
link_report(cr_db *db, enum format fmt, const char *action, const struct cr_act_result *res,
            const char *kind, const char *ref, const char *status)
{
    struct link_report r = {.case_id = res->case_id,
                            .version = res->version,
                            .action = action,
                            .state = cr_state_name(res->state_after),
                            .kind = kind,
                            .ref = ref,
                            .status = status};
    struct emit e;
    emit_init(&e, fmt, stdout, &link_rec, NULL);
    emit_one(&e, &r);
    (void)db;
    return EXIT_DONE;
}

int
cmd_link(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    enum format fmt;
    int rc = parse_format("link", o[OPT_LINK_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (!o[OPT_LINK_KIND])
        return cli_error(EXIT_USAGE, "link: --kind K is required (crime, misconduct, iopc, other)");
    int kind = cr_link_kind_parse(o[OPT_LINK_KIND]);
    if (kind < 0)
        return cli_error(EXIT_USAGE,
                         "link: --kind '%s' is not one of crime, misconduct, iopc, other",
                         o[OPT_LINK_KIND]);
    if (!o[OPT_LINK_REASON])
        return cli_error(EXIT_USAGE, "link: --reason TEXT is required");
    long long version = 0;
    if (o[OPT_LINK_EXPECT] && (rc = parse_number("link", "expect-version", o[OPT_LINK_EXPECT], 1,
                                                 INT64_MAX, &version)) != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_act_result res;
    const char *status = o[OPT_LINK_STATUS] ? o[OPT_LINK_STATUS] : "open";
    enum cr_status st = cr_case_link(db, a->operands[0], kind, a->operands[1], status,
                                     o[OPT_LINK_REASON], version, &res);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    link_report(db, fmt, "link", &res, cr_link_kind_name(kind), a->operands[1], status);
    cli_end(cli, db);
    return cli_flush("link");
}

int
cmd_unlink(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    enum format fmt;
    int rc = parse_format("unlink", o[OPT_UNLINK_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (!o[OPT_UNLINK_REASON])
        return cli_error(EXIT_USAGE, "unlink: --reason TEXT is required");
    long long version = 0;
    if (o[OPT_UNLINK_EXPECT] && (rc = parse_number("unlink", "expect-version", o[OPT_UNLINK_EXPECT],
                                                   1, INT64_MAX, &version)) != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_act_result res;
    enum cr_status st =
        cr_case_unlink(db, a->operands[0], a->operands[1], o[OPT_UNLINK_REASON], version, &res);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    link_report(db, fmt, "unlink", &res, NULL, a->operands[1], NULL);
    cli_end(cli, db);
    return cli_flush("unlink");
}

/* The templates above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template link_templates[] = {
    {"show, a case of the subject", &tl_case_rec, NULL},
    {"show, an allegation of the subject", &tl_allegation_rec, NULL},
    {"show, a linked reference", &tl_link_rec, NULL},
    {"show, the subject's cases", &tl_count_rec, tl_cases_head},
    {"show, the timeline", &tl_count_rec, tl_allegations_head},
    {"show, linked references", &tl_count_rec, tl_links_head},
    {"link", &link_rec, NULL},
    {NULL, NULL, NULL},
};
