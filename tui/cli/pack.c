/*
 * `pack CASE... | --state S --reason R --recipient W [--redact names|summaries]
 * --out DIR`: the panel's bundle.  Every rule, document and file is core's
 * (cr_pack, core/pack.c); this parses the arguments, calls it and prints
 * its one line.
 */
#include "commands.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define PACK_OPTIONS(_)                                                                   \
    _(PACK_REASON, "reason", "TEXT", "why the cases are disclosed (required; audited)")   \
    _(PACK_RECIPIENT, "recipient", "TEXT", "who receives the bundle (required; audited)") \
    _(PACK_STATE, "state", "S", "instead of CASE...: every case in state S you may see")  \
    _(PACK_REDACT, "redact", "WHAT",                                                      \
      "names (the subject's name becomes its reference), summaries, or names,summaries")  \
    _(PACK_OUT, "out", "DIR", "a new or empty directory (made 0700); the files are made 0600")
CLI_OPTIONS(pack_options, PACK_OPTIONS);

/* --redact: names, summaries, or both, comma-separated; -1 for anything else. */
static int
parse_redact(const char *s)
{
    if (!s)
        return 0;
    unsigned bits = 0;
    const char *p = s;
    for (;;) {
        size_t n = strcspn(p, ",");
        if (n == 5 && strncmp(p, "names", 5) == 0)
            bits |= CR_PACK_REDACT_NAMES;
        else if (n == 9 && strncmp(p, "summaries", 9) == 0)
            bits |= CR_PACK_REDACT_SUMMARIES;
        else
            return -1;
        if (!p[n])
            return (int)bits;
        p += n + 1;
    }
}

int
cmd_pack(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    if (!o[OPT_PACK_REASON] || !o[OPT_PACK_RECIPIENT])
        return cli_error(EXIT_USAGE, "pack: --reason TEXT and --recipient TEXT are required");
    if (!o[OPT_PACK_OUT])
        return cli_error(EXIT_USAGE, "pack: --out DIR is required");
    if (a->noperands && o[OPT_PACK_STATE])
        return cli_error(EXIT_USAGE, "pack: give the cases or --state S, not both");
    if (!a->noperands && !o[OPT_PACK_STATE])
        return cli_error(EXIT_USAGE, "pack: give the cases (CASE...) or --state S");
    int state = -1, rc;
    if (o[OPT_PACK_STATE] && (rc = parse_enum("pack", "state", o[OPT_PACK_STATE], cr_state_parse,
                                              cr_state_name, NULL, &state)) != EXIT_DONE)
        return rc;
    int redact = parse_redact(o[OPT_PACK_REDACT]);
    if (redact < 0)
        return cli_error(EXIT_USAGE,
                         "pack: --redact must be names, summaries or names,summaries, not '%s'",
                         o[OPT_PACK_REDACT]);
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    const struct cr_pack_request q = {
        .keys = a->noperands ? a->operands : NULL,
        .n_keys = (size_t)a->noperands,
        .state = state,
        .reason = o[OPT_PACK_REASON],
        .recipient = o[OPT_PACK_RECIPIENT],
        .redact = (unsigned)redact,
        .dir = o[OPT_PACK_OUT],
    };
    /* A file past the size limit is a write error that pack undoes, not a death. */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGXFSZ, &ign, &old);
    struct cr_pack_result r;
    enum cr_status st = cr_pack(db, &q, &r);
    sigaction(SIGXFSZ, &old, NULL);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
    } else {
        char *line = cr_pack_describe(&q, &r);
        cli_note("%s", line ? line : "packed; recorded in the audit trail");
        free(line);
        rc = EXIT_DONE;
    }
    cr_pack_result_free(&r);
    cli_end(cli, db);
    return rc;
}
