/*
 * casereview: entry point.  Global options, then the command table.
 */
#include "cli.h"
#include "install_paths.h"

#include <locale.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static void
usage(FILE *f)
{
    fprintf(f, "usage: casereview [--db PATH] [--config PATH] [--as LOGIN] [--purpose TEXT]\n"
               "                  [COMMAND [ARGS...]]\n"
               "\n"
               "A workstation for re-examining professional-standards cases. With no\n"
               "command, the terminal interface starts.\n"
               "\n"
               "Global options:\n"
               "  --db PATH      the database (default $CASEREVIEW_DB, else ./casereview.db)\n"
               "  --config PATH  the configuration (default $CASEREVIEW_CONFIG, else\n"
               "                 ./casereview.yaml); it must be the one pinned in the\n"
               "                 database ('config show'; 'config adopt' changes it)\n"
               "  --as LOGIN     act as LOGIN (only when the pinned configuration has\n"
               "                 allow_impersonation: true; both logins are recorded)\n"
               "  --purpose TEXT why you consult the data this session, recorded with\n"
               "                 every view (DPA 2018 s.62; README, 'The audit trail')\n"
               "  --theme NAME   the terminal interface's colours (themes/NAME.yaml)\n"
#ifdef CR_TEST_HOOKS
               "  --script FILE  run the interface on keys from FILE, without a terminal\n"
               "                 (for tests; see README), at --size COLSxROWS (80x24)\n"
#endif
               "  --help         this help; 'casereview COMMAND --help' for a command\n"
               "  --version      print the version\n"
               "\n"
               "Commands:\n");
    for (const struct cli_command *c = cli_commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\n"
               "Exit status: 0 done; 1 the workflow refused; 2 usage error; 3 bad input\n"
               "data or configuration; 4 the database could not be opened or is busy.\n");
}

static void
command_help(FILE *f, const struct cli_command *c)
{
    fprintf(f, "usage: casereview %s%s%s%s\n\n%s\n", c->name, c->options ? " [OPTIONS]" : "",
            *c->operands ? " " : "", c->operands, c->summary);
    if (c->options) {
        fprintf(f, "\nOptions:\n");
        for (const struct cli_option *o = c->options; o->name; o++) {
            char left[64];
            snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
            fprintf(f, "  %-22s %s\n", left, o->help);
        }
    }
    fprintf(f, "  %-22s %s\n", "--help", "this help");
}

/* Parse a command's own options and operands. */
static int
parse_args(const struct cli_command *c, int argc, char **argv, struct cli_args *a)
{
    memset(a, 0, sizeof *a);
    bool only_operands = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!only_operands && strcmp(arg, "--") == 0) {
            only_operands = true;
            continue;
        }
        if (only_operands || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (a->noperands == CLI_MAX_OPERANDS || a->noperands == c->max_operands)
                return cli_error(EXIT_USAGE,
                                 "%s: unexpected argument '%s' (see 'casereview "
                                 "%s --help')",
                                 c->name, arg, c->name);
            a->operands[a->noperands++] = arg;
            continue;
        }
        const char *name = arg + (arg[1] == '-' ? 2 : 1);
        size_t len = strcspn(name, "=");
        const struct cli_option *o = NULL;
        int k = 0;
        for (const struct cli_option *p = c->options; p && p->name; p++, k++) {
            if (strlen(p->name) == len && strncmp(p->name, name, len) == 0) {
                o = p;
                break;
            }
        }
        if (!o || arg[1] != '-')
            return cli_error(EXIT_USAGE, "%s: unknown option '%s' (see 'casereview %s --help')",
                             c->name, arg, c->name);
        if (!o->arg) {
            if (name[len] == '=')
                return cli_error(EXIT_USAGE, "%s: option '--%s' takes no value", c->name, o->name);
            a->opt[k] = "1";
        } else if (name[len] == '=') {
            a->opt[k] = name + len + 1;
        } else if (i + 1 < argc) {
            a->opt[k] = argv[++i];
        } else {
            return cli_error(EXIT_USAGE, "%s: option '--%s' needs a value (%s)", c->name, o->name,
                             o->arg);
        }
        if (o->arg) {
            if (a->ngiven == CLI_MAX_REPEATED)
                return cli_error(EXIT_USAGE, "%s: more than %d option values", c->name,
                                 CLI_MAX_REPEATED);
            a->given_option[a->ngiven] = k;
            a->given[a->ngiven++] = a->opt[k];
        }
    }
    if (a->noperands < c->min_operands)
        return cli_error(EXIT_USAGE, "%s: missing %s (see 'casereview %s --help')", c->name,
                         c->operands, c->name);
    return EXIT_DONE;
}

int
main(int argc, char **argv)
{
    /*
     * Setgid: work as the user from here on; nothing from the environment
     * names a file the service group may reach.
     */
    int rc = cli_service_begin();
    if (rc != EXIT_DONE)
        return rc;

    /* Display widths of names need a UTF-8 locale; fall back to C.UTF-8. */
    if (!setlocale(LC_ALL, "") || !strstr(setlocale(LC_CTYPE, NULL), "UTF-8"))
        setlocale(LC_CTYPE, "C.UTF-8");

    struct cli cli = {0};
    if (cli_service_on()) {
        if ((rc = cli_service_paths(&cli.db_path, &cli.config_path)) != EXIT_DONE)
            return rc;
    } else {
        cli.db_path = getenv("CASEREVIEW_DB");
        if (!cli.db_path || !*cli.db_path)
            cli.db_path = "casereview.db";
        cli.config_path = getenv("CASEREVIEW_CONFIG");
        if (!cli.config_path || !*cli.config_path)
            cli.config_path = "casereview.yaml";
    }
    const char *db_fixed = cli.db_path, *config_fixed = cli.config_path;

    /* Global options come before the command; the rest is the command's. */
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return EXIT_DONE;
        }
        if (strcmp(arg, "--version") == 0) {
            printf("casereview %s\n", CR_VERSION);
            return EXIT_DONE;
        }
        static const struct {
            const char *name, *arg;
            size_t offset;
        } globals[] = {
            {"db", "PATH", offsetof(struct cli, db_path)},
            {"config", "PATH", offsetof(struct cli, config_path)},
            {"as", "LOGIN", offsetof(struct cli, as_login)},
            {"theme", "NAME", offsetof(struct cli, theme)},
#ifdef CR_TEST_HOOKS
            /* The scripted mode is a test harness (it runs commands of the script's
               choosing): only casereview-test has it (README, "Run every test"). */
            {"script", "FILE", offsetof(struct cli, script)},
            {"size", "COLSxROWS", offsetof(struct cli, size)},
#endif
            {"purpose", "TEXT", offsetof(struct cli, purpose)},
        };
        size_t g = 0;
        const char *value = NULL;
        for (; g < sizeof globals / sizeof globals[0]; g++) {
            size_t n = strlen(globals[g].name);
            if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, globals[g].name, n) != 0)
                continue;
            if (arg[2 + n] == '=') {
                value = arg + 3 + n;
                break;
            }
            if (arg[2 + n] == '\0') {
                if (i + 1 == argc)
                    return cli_error(EXIT_USAGE, "option '--%s' needs a value (%s)",
                                     globals[g].name, globals[g].arg);
                value = argv[++i];
                break;
            }
        }
        if (g == sizeof globals / sizeof globals[0])
            return cli_error(EXIT_USAGE, "unknown option '%s' (see 'casereview --help')", arg);
        if (!*value)
            return cli_error(EXIT_USAGE, "option '--%s' needs a non-empty %s", globals[g].name,
                             globals[g].arg);
        *(const char **)((char *)&cli + globals[g].offset) = value;
    }
    if (cli_service_on() &&
        (rc = cli_service_fix(&cli.db_path, &cli.config_path, db_fixed, config_fixed)) != EXIT_DONE)
        return rc;
    if (i == argc)
        return cli_interface(&cli);
    cli.command = argv[i];
    const struct cli_command *c = cli_commands;
    while (c->name && strcmp(c->name, cli.command) != 0)
        c++;
    if (!c->name)
        return cli_error(EXIT_USAGE, "unknown command '%s' (see 'casereview --help')", cli.command);
    if (cli_service_on() && strcmp(c->name, "demo") == 0)
        return cli_error(EXIT_USAGE,
                         "demo: refused: this casereview is installed setgid to its service "
                         "group and works only on its own database; build casereview yourself "
                         "to try the demo (README, 'Try it')");
    for (int k = i + 1; k < argc && strcmp(argv[k], "--") != 0; k++) {
        if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
            command_help(stdout, c);
            return EXIT_DONE;
        }
    }
    struct cli_args args;
    rc = parse_args(c, argc - i - 1, argv + i + 1, &args);
    if (rc != EXIT_DONE)
        return rc;
    return c->run(&cli, &args);
}
