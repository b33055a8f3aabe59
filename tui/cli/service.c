/*
 * The setgid deployment (README, "Deploying on a shared server"): the
 * service group, taken only to open the installed database and given up
 * for good after; the environment a setgid program keeps; the system
 * configuration that fixes the database and configuration paths.
 */
#define _GNU_SOURCE /* setresgid, clearenv */
#include "cli.h"
#include "install_paths.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
            rc =
                cli_error(EXIT_INPUT, "%s:%ld: %s is given twice; give it once", path, lineno, key);
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
cli_service_begin(void)
{
    service.on = running_setgid();
    if (service.on) {
        service.group = getegid();
        service.own = getgid();
        if (setegid(service.own) != 0)
            return cli_error(EXIT_DB, "cannot work as your own group: %s", strerror(errno));
        sanitise_environment();
    }
    return EXIT_DONE;
}

bool
cli_service_on(void)
{
    return service.on;
}

int
cli_service_paths(const char **db, const char **config)
{
    char *fixed_db = NULL, *fixed_config = NULL;
    cli_service_raise(NULL);
    int rc = read_system_conf(CR_SYSTEM_CONF, &fixed_db, &fixed_config);
    service_lower();
    if (rc != EXIT_DONE)
        return rc;
    /* Kept for the life of the process, as the paths are. */
    *db = fixed_db ? fixed_db : CR_DEFAULT_DB;
    *config = fixed_config ? fixed_config : CR_DEFAULT_CONFIG;
    return EXIT_DONE;
}

int
cli_service_fix(const char **db, const char **config, const char *db_fixed,
                const char *config_fixed)
{
    int rc = check_fixed("--db", *db, db_fixed);
    if (rc == EXIT_DONE)
        rc = check_fixed("--config", *config, config_fixed);
    if (rc != EXIT_DONE)
        return rc;
    *db = service.db = db_fixed;
    *config = service.config = config_fixed;
    return EXIT_DONE;
}
