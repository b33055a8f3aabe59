/*
 * `imports`: the last imports written to the database, newest first (core's
 * cr_import_runs; the admin's, as on the admin's landing view).
 */
#include "commands.h"

#include <stdio.h>

#define RUN(rec) ((const struct cr_import_run *)(rec))

static void
run_at(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    cr_time_format(RUN(rec)->at, v->buf);
    v->s = v->buf;
}

static const struct emit_field run_fields[] = {
    EMIT_AT("event", EMIT_INT, struct cr_import_run, event),
    EMIT_GET("at", EMIT_TEXT, run_at),
    EMIT_AT("by", EMIT_TEXT, struct cr_import_run, actor),
    EMIT_AT("file", EMIT_TEXT, struct cr_import_run, file),
    EMIT_AT("rows", EMIT_INT, struct cr_import_run, rows),
    EMIT_AT("new_allegations", EMIT_INT, struct cr_import_run, new_allegations),
    EMIT_AT("new_cases", EMIT_INT, struct cr_import_run, new_cases),
    EMIT_AT("updated_subjects", EMIT_INT, struct cr_import_run, updated_subjects),
    EMIT_AT("returned_cases", EMIT_INT, struct cr_import_run, returned_cases),
};
static const struct emit_record run_rec = {
    EMIT_FIELDS(run_fields),
    "AT                    BY          ROWS  NEW ALLEG  NEW CASES  SUBJECTS  RETURNED  FILE",
    "{at:<20}  {by:<10} {rows:>5} {new_allegations:>10} {new_cases:>10} {updated_subjects:>9} "
    "{returned_cases:>9}  {file}",
};

#define IMPORTS_OPTIONS(_)                                                        \
    _(IMPORTS_LIMIT, "limit", "N", "the newest N imports (default 20; 1-100000)") \
    _(IMPORTS_FORMAT, "format", "F", "table (default), csv or json")
CLI_OPTIONS(imports_options, IMPORTS_OPTIONS);

int
cmd_imports(struct cli *cli, const struct cli_args *a)
{
    enum format fmt;
    int rc = parse_format("imports", a->opt[OPT_IMPORTS_FORMAT], true, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    long long limit = 20;
    if (a->opt[OPT_IMPORTS_LIMIT] &&
        (rc = parse_number("imports", "limit", a->opt[OPT_IMPORTS_LIMIT], 1, 100000, &limit)) !=
            EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_import_runs runs;
    enum cr_status st = cr_import_runs(db, (size_t)limit, &runs);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    struct emit e;
    emit_init(&e, fmt, stdout, &run_rec, NULL);
    if (fmt == FORMAT_TABLE && runs.n == 0) {
        /* A table of none is a sentence; CSV has its heading and JSON its []. */
        printf("no imports yet\n");
    } else {
        for (size_t i = 0; i < runs.n; i++)
            emit_row(&e, &runs.runs[i]);
        emit_end(&e);
    }
    cr_import_runs_free(&runs);
    cli_end(cli, db);
    return cli_flush("imports");
}

/* The template above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template imports_templates[] = {
    {"imports", &run_rec, NULL},
    {NULL, NULL, NULL},
};
