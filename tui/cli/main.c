/*
 * casereview: entry point.  Global options, then the command table.
 */
#define _GNU_SOURCE /* setresgid */
#include "cli.h"
#include "install_paths.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <locale.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
                return cli_error(EXIT_USAGE, "%s: unexpected argument '%s' (see 'casereview "
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
                return cli_error(EXIT_USAGE, "%s: option '--%s' takes no value", c->name,
                                 o->name);
            a->opt[k] = "1";
        } else if (name[len] == '=') {
            a->opt[k] = name + len + 1;
        } else if (i + 1 < argc) {
            a->opt[k] = argv[++i];
        } else {
            return cli_error(EXIT_USAGE, "%s: option '--%s' needs a value (%s)", c->name,
                             o->name, o->arg);
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

/*
 * Installed setgid to the service group (README, "Deploying on a shared
 * server"), the program is the users' only way to the database: it runs as
 * the user's own group except while it opens the database (cli_session),
 * and gives the service group up for good once the database is open, so
 * that every file a user names, and $EDITOR, get only the user's rights.
 */
static struct {
    bool on;
    gid_t group;             /* the service group */
    gid_t own;               /* the user's own (real) group */
    const char *db, *config; /* the fixed paths: the only ones opened with the group */
    bool raised;
} service;

static bool
running_setgid(void)
{
    if (getegid() != getgid())
        return true;
    /* A member whose own group is the service group still gets the fixed paths. */
    const struct group *g = *CR_SERVICE_GROUP ? getgrnam(CR_SERVICE_GROUP) : NULL;
    return g && g->gr_gid == getegid();
}

void
cli_service_raise(const struct cli *cli)
{
    if (!service.on)
        return;
    /* Only the installed database and configuration: any other stays the user's business. */
    if (cli && (!cli->db_path || !cli->config_path || strcmp(cli->db_path, service.db) != 0 ||
                strcmp(cli->config_path, service.config) != 0))
        return;
    if (setegid(service.group) != 0) {
        cli_error(EXIT_DB, "cannot take the service group back: %s", strerror(errno));
        exit(EXIT_DB);
    }
    service.raised = true;
}

/* Back to the user's own group, for now. */
static void
service_lower(void)
{
    if (service.on && setegid(service.own) != 0) {
        cli_error(EXIT_DB, "cannot work as your own group: %s", strerror(errno));
        exit(EXIT_DB);
    }
    service.raised = false;
}

void
cli_service_drop(void)
{
    if (!service.on)
        return;
    gid_t r, e, s;
    if (setresgid(service.own, service.own, service.own) != 0 || getresgid(&r, &e, &s) != 0 ||
        r != service.own || e != service.own || s != service.own) {
        cli_error(EXIT_DB, "cannot give up the service group: %s", strerror(errno));
        exit(EXIT_DB);
    }
    service.raised = false;
}

unsigned
cli_service_flags(unsigned flags)
{
    return service.raised ? flags | CR_OPEN_SERVICE : flags;
}

/* Keep what a terminal session needs (and the user's editor); drop everything else. */
static void
sanitise_environment(void)
{
    /* Not HOME: after the drop, ncurses would read the user's own ~/.terminfo in a process
       that still holds the database open. */
    static const char *const keep[] = {"TERM",   "COLORTERM", "NO_COLOR", "LANG", "LANGUAGE",
                                       "VISUAL", "EDITOR",    "COLUMNS",  "LINES"};
    size_t n = 0;
    for (char **e = environ; *e; e++)
        n++;
    char **saved = calloc(n + 1, sizeof *saved);
    size_t k = 0;
    for (char **e = environ; saved && *e; e++) {
        size_t len = strcspn(*e, "=");
        bool ok = strncmp(*e, "LC_", 3) == 0;
        for (size_t i = 0; !ok && i < sizeof keep / sizeof keep[0]; i++)
            ok = strlen(keep[i]) == len && strncmp(*e, keep[i], len) == 0;
        /* A terminal type names a terminfo entry, never a path. */
        if (ok && strncmp(*e, "TERM=", 5) == 0)
            ok = (*e)[5] != '.' && !strchr(*e, '/');
        if (ok && !(saved[k++] = strdup(*e)))
            k--;
    }
    clearenv();
    setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
    for (size_t i = 0; saved && i < k; i++)
        putenv(saved[i]); /* the strings become the environment's */
    free(saved);
}

/*
 * The system configuration: "db = PATH" and "config = PATH" lines (and
 * comments), in a file root owns and only root may write; a missing file
 * leaves the build's defaults.  EXIT_DONE or the problem printed.
 */
static int
read_system_conf(const char *path, char **db, char **config)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT)
        return EXIT_DONE;
    if (fd < 0)
        return cli_error(EXIT_INPUT, "%s: %s", path, strerror(errno));
    struct stat sb;
    FILE *f = fstat(fd, &sb) == 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        close(fd);
        return cli_error(EXIT_INPUT, "%s: %s", path, strerror(errno));
    }
    if (!S_ISREG(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & 0022)) {
        fclose(f);
        return cli_error(EXIT_INPUT,
                         "%s: refused: it names the database for every user, so root must own "
                         "it and nobody else write it; as root, run 'chown root:root %s && "
                         "chmod 644 %s'",
                         path, path, path);
    }
    char line[PATH_MAX + 64];
    long lineno = 0;
    int rc = EXIT_DONE;
    while (rc == EXIT_DONE && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *key = line + strspn(line, " \t");
        if (!*key || *key == '#')
            continue;
        char *eq = strchr(key, '=');
        char *end = eq ? eq : key + strlen(key);
        while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        *end = '\0';
        char *value = eq ? eq + 1 + strspn(eq + 1, " \t") : NULL;
        for (char *v = value ? value + strlen(value) : NULL;
             v && v > value && (v[-1] == ' ' || v[-1] == '\t');)
            *--v = '\0';
        char **slot = strcmp(key, "db") == 0 ? db : strcmp(key, "config") == 0 ? config : NULL;
        if (!eq || !slot)
            rc = cli_error(EXIT_INPUT, "%s:%ld: expected 'db = PATH' or 'config = PATH'", path,
                           lineno);
        else if (value[0] != '/')
            rc = cli_error(EXIT_INPUT, "%s:%ld: %s must be an absolute path, not '%s'", path,
                           lineno, key, value);
        else if (*slot)
            rc = cli_error(EXIT_INPUT, "%s:%ld: %s is given twice; give it once", path, lineno,
                           key);
        else if (!(*slot = strdup(value)))
            rc = cli_error(EXIT_DB, "out of memory");
    }
    fclose(f);
    return rc;
}

/* --db or --config given to a setgid program: only the installed path itself is accepted. */
static int
check_fixed(const char *option, const char *given, const char *fixed)
{
    if (!given || strcmp(given, fixed) == 0)
        return EXIT_DONE;
    char a[PATH_MAX], b[PATH_MAX];
    if (realpath(given, a) && realpath(fixed, b) && strcmp(a, b) == 0)
        return EXIT_DONE;
    return cli_error(EXIT_USAGE,
                     "%s %s: refused: this casereview is installed setgid to its service group "
                     "and uses only %s (set in %s); run it without %s",
                     option, given, fixed, CR_SYSTEM_CONF, option);
}

int
main(int argc, char **argv)
{
    /*
     * Setgid: work as the user from here on; nothing from the environment
     * names a file the service group may reach.
     */
    service.on = running_setgid();
    if (service.on) {
        service.group = getegid();
        service.own = getgid();
        if (setegid(service.own) != 0)
            return cli_error(EXIT_DB, "cannot work as your own group: %s", strerror(errno));
        sanitise_environment();
    }

    /* Display widths of names need a UTF-8 locale; fall back to C.UTF-8. */
    if (!setlocale(LC_ALL, "") || !strstr(setlocale(LC_CTYPE, NULL), "UTF-8"))
        setlocale(LC_CTYPE, "C.UTF-8");

    struct cli cli = {0};
    char *fixed_db = NULL, *fixed_config = NULL;
    if (service.on) {
        cli_service_raise(NULL);
        int rc = read_system_conf(CR_SYSTEM_CONF, &fixed_db, &fixed_config);
        service_lower();
        if (rc != EXIT_DONE)
            return rc;
        cli.db_path = fixed_db ? fixed_db : CR_DEFAULT_DB;
        cli.config_path = fixed_config ? fixed_config : CR_DEFAULT_CONFIG;
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
    if (service.on) {
        int rc = check_fixed("--db", cli.db_path, db_fixed);
        if (rc == EXIT_DONE)
            rc = check_fixed("--config", cli.config_path, config_fixed);
        if (rc != EXIT_DONE)
            return rc;
        cli.db_path = service.db = db_fixed;
        cli.config_path = service.config = config_fixed;
    }
    if (i == argc)
        return cli_interface(&cli);
    cli.command = argv[i];
    const struct cli_command *c = cli_commands;
    while (c->name && strcmp(c->name, cli.command) != 0)
        c++;
    if (!c->name)
        return cli_error(EXIT_USAGE, "unknown command '%s' (see 'casereview --help')",
                         cli.command);
    if (service.on && strcmp(c->name, "demo") == 0)
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
    int rc = parse_args(c, argc - i - 1, argv + i + 1, &args);
    if (rc != EXIT_DONE)
        return rc;
    return c->run(&cli, &args);
}
