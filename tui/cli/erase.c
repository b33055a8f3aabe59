/*
 * `purge --closed-before DATE --reason R [--dry-run]` and `correct
 * ALLEGATION --field F --value V --reason R` (issue 13, item 6): the
 * admin's retention and correction.  Every rule is core's (cr_purge,
 * cr_correct, core/erase.c); this parses, calls and reports.
 */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>

/* What purge did, as printed. */
struct purge_report {
    bool dry_run;
    const char *erased, *kept; /* case numbers separated by ';' */
    int64_t n_erased, n_kept, already, events, allegations, texts, subjects;
    const char *summary;
};

static const struct emit_field purge_fields[] = {
    EMIT_AT("dry_run", EMIT_BOOL, struct purge_report, dry_run),
    EMIT_AT("erased", EMIT_INT, struct purge_report, n_erased),
    EMIT_AT("erased_cases", EMIT_LIST, struct purge_report, erased),
    EMIT_AT("kept_within_retention", EMIT_INT, struct purge_report, n_kept),
    EMIT_AT("kept_cases", EMIT_LIST, struct purge_report, kept),
    EMIT_AT("already_erased", EMIT_INT, struct purge_report, already),
    EMIT_AT("audit_events", EMIT_INT, struct purge_report, events),
    EMIT_AT("allegations", EMIT_INT, struct purge_report, allegations),
    EMIT_AT("texts", EMIT_INT, struct purge_report, texts),
    EMIT_AT("subjects", EMIT_INT, struct purge_report, subjects),
    EMIT_AT_AS("summary", EMIT_TEXT, struct purge_report, summary, EMIT_TABLE_ONLY),
};
static const struct emit_record purge_rec = {EMIT_FIELDS(purge_fields), NULL, "{summary}"};

/* A line of case numbers: "1, 3 and 7" (words) or "1;3;7" (for EMIT_LIST). */
struct cr_buf_cli {
    char text[4096];
    size_t len;
};

static void
numbers(struct cr_buf_cli *b, const int64_t *v, size_t n, bool words)
{
    b->len = 0;
    b->text[0] = '\0';
    for (size_t i = 0; i < n && b->len + 40 < sizeof b->text; i++) {
        const char *sep = !i ? "" : !words ? ";" : i + 1 == n ? " and " : ", ";
        int k = snprintf(b->text + b->len, sizeof b->text - b->len, "%s%lld", sep, (long long)v[i]);
        if (k > 0)
            b->len += (size_t)k;
    }
}

#define PURGE_OPTIONS(_)                                                                         \
    _(PURGE_CLOSED_BEFORE, "closed-before", "DATE",                                              \
      "the cases closed before this date, YYYY-MM-DD (UTC), whose retention has run out "        \
      "(required)")                                                                              \
    _(PURGE_REASON, "reason", "TEXT", "why they are erased (required; in the audit trail)")      \
    _(PURGE_DRY_RUN, "dry-run", NULL, "say which cases would be erased and kept; write nothing") \
    CLI_OPT_FORMAT(_, PURGE)
CLI_OPTIONS(purge_options, PURGE_OPTIONS);

int
cmd_purge(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    enum format fmt;
    int rc = parse_format("purge", o[OPT_PURGE_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (!o[OPT_PURGE_CLOSED_BEFORE])
        return cli_error(EXIT_USAGE, "purge: --closed-before DATE is required");
    if (!o[OPT_PURGE_REASON])
        return cli_error(EXIT_USAGE, "purge: --reason TEXT is required");
    int64_t before;
    if (cr_time_parse(o[OPT_PURGE_CLOSED_BEFORE], &before) < 0)
        return cli_error(EXIT_USAGE,
                         "purge: --closed-before must be a date YYYY-MM-DD or a time "
                         "YYYY-MM-DDTHH:MM:SSZ (UTC), not '%s'",
                         o[OPT_PURGE_CLOSED_BEFORE]);
    bool dry = o[OPT_PURGE_DRY_RUN] != NULL;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_purge_result r;
    enum cr_status st = cr_purge(db, before, o[OPT_PURGE_REASON], dry, &r);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cr_purge_result_free(&r);
        cli_end(cli, db);
        return rc;
    }
    static struct cr_buf_cli erased, kept, erased_w, kept_w;
    numbers(&erased, r.erased, r.n_erased, false);
    numbers(&kept, r.kept, r.n_kept, false);
    numbers(&erased_w, r.erased, r.n_erased, true);
    numbers(&kept_w, r.kept, r.n_kept, true);
    char summary[8192];
    int k;
    if (!r.n_erased)
        k = snprintf(summary, sizeof summary, "purge%s: no case to erase", dry ? " (dry run)" : "");
    else if (dry)
        k = snprintf(summary, sizeof summary,
                     "purge (dry run, nothing written): would erase %zu %s (%s)", r.n_erased,
                     r.n_erased == 1 ? "case" : "cases", erased_w.text);
    else
        k = snprintf(summary, sizeof summary,
                     "purge: erased %zu %s (%s): %lld audit %s, %lld allegation %s, %lld other "
                     "%s, %lld %s",
                     r.n_erased, r.n_erased == 1 ? "case" : "cases", erased_w.text,
                     (long long)r.events, r.events == 1 ? "event" : "events",
                     (long long)r.allegations, r.allegations == 1 ? "summary" : "summaries",
                     (long long)r.texts, r.texts == 1 ? "text" : "texts", (long long)r.subjects,
                     r.subjects == 1 ? "subject's names" : "subjects' names");
    if (k > 0 && (size_t)k < sizeof summary && r.n_kept)
        k += snprintf(summary + k, sizeof summary - (size_t)k,
                      "; kept %zu %s closed before the date but within retention (%s)", r.n_kept,
                      r.n_kept == 1 ? "case" : "cases", kept_w.text);
    if (k > 0 && (size_t)k < sizeof summary && r.already)
        snprintf(summary + k, sizeof summary - (size_t)k, "; %zu already erased", r.already);
    struct purge_report p = {
        .dry_run = dry,
        .erased = erased.text,
        .kept = kept.text,
        .n_erased = (int64_t)r.n_erased,
        .n_kept = (int64_t)r.n_kept,
        .already = (int64_t)r.already,
        .events = r.events,
        .allegations = r.allegations,
        .texts = r.texts,
        .subjects = r.subjects,
        .summary = summary,
    };
    struct emit e;
    emit_init(&e, fmt, stdout, &purge_rec, NULL);
    emit_one(&e, &p);
    if (r.finish_problem[0])
        fprintf(stderr,
                "casereview: purge: %s; the erasure stands, but run VACUUM to be sure no copy "
                "is left in the file\n",
                r.finish_problem);
    cr_purge_result_free(&r);
    cli_end(cli, db);
    return cli_flush("purge");
}

/* What correct did, as printed. */
struct correct_report {
    int64_t case_id;
    const char *allegation, *field, *old_value, *new_value, *state;
    bool returned;
};

static const struct emit_field correct_fields[] = {
    EMIT_AT("case", EMIT_INT, struct correct_report, case_id),
    EMIT_AT("allegation", EMIT_TEXT, struct correct_report, allegation),
    EMIT_AT("field", EMIT_TEXT, struct correct_report, field),
    EMIT_AT("old", EMIT_TEXT, struct correct_report, old_value),
    EMIT_AT("new", EMIT_TEXT, struct correct_report, new_value),
    EMIT_AT("returned", EMIT_BOOL, struct correct_report, returned),
    EMIT_AT("state", EMIT_TEXT, struct correct_report, state),
};
static const struct emit_record correct_rec = {
    EMIT_FIELDS(correct_fields), NULL,
    "case {case}: correct: {allegation} {field}: '{old}' -> '{new}' ({state})"};
static const struct emit_record correct_returned_rec = {
    EMIT_FIELDS(correct_fields), NULL,
    "case {case}: correct: {allegation} {field}: '{old}' -> '{new}'; the decision must be taken "
    "again ({state})"};

#define CORRECT_OPTIONS(_)                                                                    \
    _(CORRECT_FIELD, "field", "F",                                                            \
      "the field: summary, date, source or original_outcome (required)")                      \
    _(CORRECT_VALUE, "value", "V", "its right value, as the import would take it (required)") \
    _(CORRECT_REASON, "reason", "TEXT", "why it was wrong (required; in the audit trail)")    \
    CLI_OPT_FORMAT(_, CORRECT)
CLI_OPTIONS(correct_options, CORRECT_OPTIONS);

int
cmd_correct(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    enum format fmt;
    int rc = parse_format("correct", o[OPT_CORRECT_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (!o[OPT_CORRECT_FIELD])
        return cli_error(EXIT_USAGE, "correct: --field F is required");
    if (!o[OPT_CORRECT_VALUE])
        return cli_error(EXIT_USAGE, "correct: --value V is required");
    if (!o[OPT_CORRECT_REASON])
        return cli_error(EXIT_USAGE, "correct: --reason TEXT is required");
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_correct_result r;
    enum cr_status st = cr_correct(db, a->operands[0], o[OPT_CORRECT_FIELD], o[OPT_CORRECT_VALUE],
                                   o[OPT_CORRECT_REASON], &r);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cr_correct_result_free(&r);
        cli_end(cli, db);
        return rc;
    }
    struct correct_report p = {
        .case_id = r.case_id,
        .allegation = a->operands[0],
        .field = r.field,
        .old_value = r.old_value,
        .new_value = r.new_value,
        .state = cr_state_name(r.state_after),
        .returned = r.returned,
    };
    struct emit e;
    emit_init(&e, fmt, stdout, r.returned ? &correct_returned_rec : &correct_rec, NULL);
    emit_one(&e, &p);
    cr_correct_result_free(&r);
    cli_notify(cli, db);
    cli_end(cli, db);
    return cli_flush("correct");
}

/* Every template above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template erase_templates[] = {
    {"purge", &purge_rec, NULL},
    {"correct", &correct_rec, NULL},
    {"correct (returned)", &correct_returned_rec, NULL},
    {NULL, NULL, NULL},
};
