/*
 * What every command starts with: the configuration checked, the person
 * identified, the database opened and that person signed in; and the
 * parsing of option values the commands share.
 */
#include "cli.h"
#include "notify.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
cli_problem(struct cli_problems *p, const char *s)
{
    if (!p)
        return;
    char **more = realloc(p->line, (p->n + 1) * sizeof *more);
    if (!more)
        return;
    p->line = more;
    if ((p->line[p->n] = strdup(s)) != NULL)
        p->n++;
}

void
cli_problems_free(struct cli_problems *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->line[i]);
    free(p->line);
    p->line = NULL;
    p->n = 0;
}

void
emit_problems(struct emit *e, const struct cli_problems *p)
{
    emit_open(e, "problems", '[');
    for (size_t i = 0; i < p->n; i++)
        emit_text(e, NULL, p->line[i]);
    emit_close(e);
}

/*
 * Print what loading a configuration found, and check its keys and theme
 * as well; each problem printed is also kept in problems (when not NULL).
 */
static int
config_checked(struct cli *cli, const char *path, enum cr_status st, cr_diags *diags,
               struct cr_config **cfg, struct cli_problems *problems)
{
    for (size_t i = 0; i < cr_diags_count(diags); i++) {
        out_safe(stderr, cr_diags_get(diags, i));
        fputc('\n', stderr);
        cli_problem(problems, cr_diags_get(diags, i));
    }
    cr_diags_free(diags);
    if (st == CR_INVALID)
        return cli_error(EXIT_INPUT, "%s: the configuration has problems; nothing was done", path);
    if (st != CR_OK) {
        char *msg = tui_printf("%s: %s", path, cr_status_text(st));
        cli_problem(problems, msg ? msg : "out of memory");
        free(msg);
        return cli_error(cr_status_exit(st), "%s: %s", path, cr_status_text(st));
    }
    /* keys: names the workstation's actions; they are checked with the rest. */
    char *msg = NULL;
    if (!tui_keys_load(&cli->keys, *cfg, &msg) || !tui_theme_check(*cfg, &msg)) {
        /* One problem a line. */
        for (char *line = msg, *end; line; line = end ? end + 1 : NULL) {
            end = strchr(line, '\n');
            if (end)
                *end = '\0';
            out_line(stderr, "%s", line);
            cli_problem(problems, line);
        }
        if (!msg) {
            out_line(stderr, "out of memory");
            cli_problem(problems, "out of memory");
        }
        free(msg);
        cr_config_free(*cfg);
        *cfg = NULL;
        return cli_error(EXIT_INPUT, "%s: the configuration has problems; nothing was done", path);
    }
    return EXIT_DONE;
}

int
cli_config(struct cli *cli, const char *path, struct cr_config **cfg)
{
    cr_diags *diags = NULL;
    enum cr_status st = cr_config_load(path, cfg, &diags);
    return config_checked(cli, path, st, diags, cfg, NULL);
}

int
cli_config_problems(struct cli *cli, const char *path, struct cr_config **cfg,
                    struct cli_problems *p)
{
    cr_diags *diags = NULL;
    enum cr_status st = cr_config_load(path, cfg, &diags);
    return config_checked(cli, path, st, diags, cfg, p);
}

/*
 * The kernel's name for the person running the program: the real uid's
 * login, never $USER or $LOGNAME (anyone can set those), and not the
 * effective uid, which a setgid or setuid install may change.
 */
const char *
cli_os_login(void)
{
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : NULL;
}

/* Who acts under cfg: the Unix login, or --as where cfg allows it. */
static int
identify(struct cli *cli, const struct cr_config *cfg, const char *login,
         const struct cr_person **who)
{
    /* The message names the file and the logins: its buffer is sized by them. */
    size_t n = 512 + strlen(cfg->path ? cfg->path : "") + strlen(login ? login : "") +
               strlen(cli->as_login ? cli->as_login : "");
    char *msg = malloc(n);
    enum cr_status st = msg ? cr_config_identify(cfg, login, cli->as_login, who, msg, n) : CR_NOMEM;
    int rc =
        st == CR_OK ? EXIT_DONE : cli_error(cr_status_exit(st), "%s", msg ? msg : "out of memory");
    free(msg);
    return rc;
}

/*
 * The session: the configuration given (or, for pinned, the one pinned in
 * the database), compared with the pinned one, the person identified under
 * it, the database opened and that person signed in.
 */
static int
session(struct cli *cli, unsigned open_flags, bool pinned, cr_db **db)
{
    *db = NULL;
    const char *login = cli_os_login();
    if (!login)
        return cli_error(EXIT_REFUSED,
                         "cannot tell who you are: your user id %ld has no login name",
                         (long)getuid());
    cli_service_raise(cli); /* setgid: the fixed configuration and database only, then dropped */
    int rc;
    if (!pinned && (rc = cli_config(cli, cli->config_path, &cli->cfg)) != EXIT_DONE) {
        cli_service_drop();
        return rc;
    }
    /*
     * Someone off the roster is refused before anything is opened or made: a
     * database created for them could not be removed once the service group
     * is given up.  (After opening, the same check runs under the pinned rules.)
     */
    const struct cr_person *early;
    if (!pinned && (rc = identify(cli, cli->cfg, login, &early)) != EXIT_DONE) {
        cli_service_drop();
        cr_config_free(cli->cfg);
        cli->cfg = NULL;
        return rc;
    }
    /*
     * The notify command's runner, forked now: before the database is open
     * (it inherits no handle) and while a setgid program holds its group (it
     * opens the database itself to record a failure; tui/notify.c).
     */
    if (!pinned)
        tui_notify_begin(&(struct tui_notify_setup){cli->cfg, early, login, cli->purpose,
                                                    cli->db_path, cli_service_flags(0), cli_clock});
    enum cr_status st =
        cr_db_open(cli->db_path, cli_service_flags(pinned ? 0 : open_flags), cli_clock, NULL, db);
    if (st != CR_OK) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(*db));
        cr_db_discard(*db); /* with the group still held, so that what it made can go */
        *db = NULL;
        cli_service_drop();
        cr_config_free(cli->cfg);
        cli->cfg = NULL;
        return rc;
    }
    /* The database is open (its files too): the service group is given up for good. */
    cli_service_drop();
    if (pinned) {
        /* The rules as the database keeps them: no file can stand in for them. */
        struct cr_config_version v;
        if ((st = cr_config_version_get(*db, NULL, &v)) != CR_OK) {
            rc = st == CR_NOT_FOUND
                     ? cli_error(EXIT_INPUT,
                                 "%s has no pinned configuration yet; any command pins the "
                                 "one it is given (--config)",
                                 cr_db_label(*db))
                     : cli_error(cr_status_exit(st), "%s", cr_db_errmsg(*db));
            goto fail;
        }
        char *label = tui_printf("%s (pinned, digest %.16s)", cr_db_label(*db), v.digest);
        cr_diags *diags = NULL;
        st = label ? cr_config_from_text(label, v.text, v.len, &cli->cfg, &diags) : CR_NOMEM;
        rc = config_checked(cli, label ? label : cli->db_path, st, diags, &cli->cfg, NULL);
        free(label);
        cr_config_version_free(&v);
        if (rc != EXIT_DONE)
            goto fail;
    }
    st = cr_config_pin_check(*db, cli->cfg);
    bool pin = st == CR_NOT_FOUND;
    if (st != CR_OK && !pin) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(*db));
        goto fail;
    }
    const struct cr_person *who;
    if ((rc = identify(cli, cli->cfg, login, &who)) != EXIT_DONE)
        goto fail;
    cr_db_set_user(*db, cli->cfg, who);
    cli->who = who;
    if ((st = cr_db_set_os_login(*db, login)) != CR_OK ||
        (pin && (st = cr_config_pin(*db)) != CR_OK) ||
        (cli->purpose && (st = cr_db_set_purpose(*db, cli->purpose)) != CR_OK)) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(*db));
        goto fail;
    }
    /*
     * The quorum flags need no recomputing here: the rules change only when a
     * configuration is pinned or adopted, and those recompute them in their
     * own transaction (reading every case with the panel at each command's
     * start would cost seconds at a million cases).
     */
    return EXIT_DONE;
fail:
    /* A database this command made, refused, is not left behind. */
    cr_db_discard(*db);
    *db = NULL;
    cr_config_free(cli->cfg);
    cli->cfg = NULL;
    return rc;
}

int
cli_session(struct cli *cli, unsigned open_flags, cr_db **db)
{
    return session(cli, open_flags, false, db);
}

int
cli_session_pinned(struct cli *cli, cr_db **db)
{
    return session(cli, 0, true, db);
}

int
cli_interface(struct cli *cli)
{
    cr_db *db;
    int rc = cli_session(cli, 0, &db);
    if (rc != EXIT_DONE)
        return rc;
    rc = tui_run(db, cli->cfg, cli->who, &cli->keys, cli->db_path, cli->theme, cli->script,
                 cli->size);
    cli_end(cli, db);
    return rc;
}

void
cli_end(struct cli *cli, cr_db *db)
{
    /* A read-only copy cannot record what was read in it: say so, once. */
    if (cr_db_unrecorded(db) > 0)
        cli_note("%s is a read-only copy: this consultation is not recorded in its audit trail",
                 cr_db_label(db));
    cr_db_close(db);
    cr_config_free(cli->cfg);
    cli->cfg = NULL;
}

int
cli_flush(const char *cmd)
{
    errno = 0;
    if (fflush(stdout) == EOF || ferror(stdout))
        return cli_error(EXIT_INPUT, "%s: write failed: %s", cmd, strerror(errno ? errno : EIO));
    return EXIT_DONE;
}

int
cli_fail(cr_db *db, enum cr_status st)
{
    return cli_error(cr_status_exit(st), "%s", cr_db_errmsg(db));
}

int
parse_number(const char *cmd, const char *opt, const char *s, long long min, long long max,
             long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < min || v > max)
        return cli_error(EXIT_USAGE, "%s: --%s must be a whole number from %lld to %lld, not '%s'",
                         cmd, opt, min, max, s);
    *out = v;
    return EXIT_DONE;
}

int
parse_format(const char *cmd, const char *s, bool csv_allowed, enum format *out)
{
    if (!s || strcmp(s, "table") == 0)
        *out = FORMAT_TABLE;
    else if (csv_allowed && strcmp(s, "csv") == 0)
        *out = FORMAT_CSV;
    else if (strcmp(s, "json") == 0)
        *out = FORMAT_JSON;
    else
        return cli_error(EXIT_USAGE, "%s: --format must be one of table, %sjson, not '%s'", cmd,
                         csv_allowed ? "csv, " : "", s);
    return EXIT_DONE;
}

int
parse_enum(const char *cmd, const char *opt, const char *s, int (*parse)(const char *),
           const char *(*name)(int), const char *extra, int *out)
{
    *out = parse(s);
    if (*out >= 0)
        return EXIT_DONE;
    char *list = NULL;
    for (int i = 0; name(i); i++) {
        char *longer = tui_printf("%s%s%s", list ? list : "", i ? ", " : "", name(i));
        free(list);
        if (!(list = longer))
            break;
    }
    int rc = cli_error(EXIT_USAGE, "%s: --%s must be one of %s%s%s, not '%s'", cmd, opt,
                       list ? list : "?", extra ? ", " : "", extra ? extra : "", s);
    free(list);
    return rc;
}

/*
 * The Unix login that ran an event's command when it is not the login the
 * event names (--as), or NULL: both are shown, so that acting as someone
 * else is never hidden.
 */
const char *
cli_acted_as(const struct cr_event *e)
{
    return e->os_login && e->actor && strcmp(e->os_login, e->actor) != 0 ? e->os_login : NULL;
}
