/*
 * The synthetic data: `generate` (import CSV of fictional subjects) and
 * `demo` (a database of them, and the interface started in it).
 */
#include "demo.h"

#include "commands.h"
#include "generate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* generate */

#define GENERATE_OPTIONS(_)                                                           \
    _(GENERATE_CASES, "cases", "N", "number of subjects, each a case (default 1131)") \
    _(GENERATE_SEED, "seed", "S", "random seed; the same seed gives the same bytes (default 1)")
CLI_OPTIONS(generate_options, GENERATE_OPTIONS);

int
cmd_generate(struct cli *cli, const struct cli_args *a)
{
    long long n = 1131, seed = 1;
    int rc;
    (void)cli;
    if (a->opt[OPT_GENERATE_CASES] &&
        (rc = parse_number("generate", "cases", a->opt[OPT_GENERATE_CASES], 1, 10000000, &n)) !=
            EXIT_DONE)
        return rc;
    if (a->opt[OPT_GENERATE_SEED] &&
        (rc = parse_number("generate", "seed", a->opt[OPT_GENERATE_SEED], 0, INT64_MAX, &seed)) !=
            EXIT_DONE)
        return rc;
    if (crgen_write(stdout, (long)n, (uint64_t)seed) < 0)
        return cli_error(EXIT_INPUT, "generate: write failed: %s", strerror(errno));
    return EXIT_DONE;
}

/* demo */

#define DEMO_OPTIONS(_)                                                                       \
    _(DEMO_DIR, "dir", "DIR", "where the demo lives (default ./demo); run again to reuse it") \
    _(DEMO_CASES, "cases", "N", "synthetic cases in a new demo (default 1131)")
CLI_OPTIONS(demo_options, DEMO_OPTIONS);

static int64_t
demo_clock(void *ctx)
{
    return *(int64_t *)ctx;
}

/*
 * Progress while the cases go through the workflow (the long part): a
 * counter line on stderr, rewritten in place, when stderr is a terminal;
 * nothing otherwise, so that a script's output stays as it was.
 */
struct demo_progress {
    bool on;
    int shown; /* the percentage last shown, or -1 */
};

static void
demo_progress(void *ctx, int64_t done, int64_t total)
{
    struct demo_progress *p = ctx;
    if (!p->on || total <= 0)
        return;
    int percent = (int)(done * 100 / total);
    if (percent == p->shown && done < total)
        return;
    p->shown = percent;
    if (done < total)
        fprintf(stderr,
                "\rcasereview: demo: taking the cases through the workflow: %lld of %lld "
                "(%d%%)",
                (long long)done, (long long)total, percent);
    else
        fputs("\r\033[K", stderr); /* the line goes: the summary follows */
    fflush(stderr);
}

/* Make DIR: its configuration, its database of synthetic cases in a realistic mix. */
static int
demo_create(struct cli *cli, const char *dir, long long cases)
{
    const char *login = cli->as_login ? cli->as_login : cli_os_login();
    if (!login)
        return cli_error(EXIT_REFUSED, "demo: cannot tell who you are (no login name)");
    FILE *f = fopen(cli->config_path, "w");
    if (!f || crgen_demo_config(f, login) < 0 || fclose(f) != 0)
        return cli_error(EXIT_INPUT, "demo: %s: %s", cli->config_path, strerror(errno));
    struct cr_config *cfg;
    int rc = cli_config(cli, cli->config_path, &cfg);
    if (rc != EXIT_DONE)
        return rc;
    /* The cases were flagged thirteen weeks ago; the work on them fills the last twelve. */
    int64_t end = cli_clock(NULL), now = end - 13 * 7 * 86400;
    cr_db *db;
    enum cr_status st = cr_db_open(cli->db_path, CR_OPEN_CREATE, demo_clock, &now, &db);
    if (st != CR_OK) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(db));
        cr_db_discard(db);
        cr_config_free(cfg);
        return rc;
    }
    /* The synthetic cases go through an anonymous temporary file, gone when closed. */
    FILE *csv = tmpfile();
    struct cr_import_result r;
    cr_diags *diags = NULL;
    const struct cr_person *admin = cr_config_person(cfg, "cadmin");
    cr_db_set_user(db, cfg, admin);
    /* The demo's rules are pinned in its database like any other's. */
    if ((st = cr_db_set_os_login(db, cli_os_login())) != CR_OK ||
        (st = cr_config_pin(db)) != CR_OK) {
        rc = cli_error(cr_status_exit(st), "demo: %s", cr_db_errmsg(db));
        cr_db_discard(db);
        cr_config_free(cfg);
        return rc;
    }
    cli_note("demo: making %lld synthetic cases in %s ...", cases, dir);
    if (!csv || crgen_write(csv, (long)cases, 7) < 0 || fseek(csv, 0, SEEK_SET) != 0)
        st = CR_DB;
    else
        st = cr_import_csv(db, csv, "demo", 0, &r, &diags);
    if (csv)
        fclose(csv);
    cr_diags_free(diags);
    char msg[256] = "";
    struct demo_progress progress = {isatty(STDERR_FILENO) == 1, -1};
    if (st != CR_OK ||
        crgen_demo_states(db, cfg, &now, end, 7, msg, sizeof msg, demo_progress, &progress) < 0) {
        /* The handle's own message, whole (msg holds a copy cut to its size). */
        rc = cli_error(EXIT_DB, "demo: %s", cr_db_errmsg(db));
        cr_db_discard(db);
        cr_config_free(cfg);
        return rc;
    }
    cli_note("demo: %s", msg);
    cr_db_close(db);
    cr_config_free(cfg);
    return EXIT_DONE;
}

int
cmd_demo(struct cli *cli, const struct cli_args *a)
{
    const char *dir = a->opt[OPT_DEMO_DIR] ? a->opt[OPT_DEMO_DIR] : "demo";
    long long cases = 1131;
    int rc;
    if (a->opt[OPT_DEMO_CASES] && (rc = parse_number("demo", "cases", a->opt[OPT_DEMO_CASES], 1,
                                                     1000000, &cases)) != EXIT_DONE)
        return rc;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return cli_error(EXIT_DB, "demo: %s: %s", dir, strerror(errno));
    /* Paths as long as DIR makes them: a path cut short would name another file. */
    char *db_path = tui_printf("%s/casereview.db", dir);
    char *config_path = tui_printf("%s/casereview.yaml", dir);
    if (!db_path || !config_path) {
        free(db_path);
        free(config_path);
        return cli_error(EXIT_DB, "demo: out of memory");
    }
    cli->db_path = db_path;
    cli->config_path = config_path;
    rc = EXIT_DONE;
    if (access(db_path, F_OK) != 0)
        rc = demo_create(cli, dir, cases);
    else
        cli_note("demo: using %s (remove it for a new demo)", dir);
    /* The first screen says what is there and who you are. */
    tui_summary_on_start();
    if (rc == EXIT_DONE)
        rc = cli_interface(cli);
    cli->db_path = cli->config_path = NULL;
    free(db_path);
    free(config_path);
    return rc;
}
