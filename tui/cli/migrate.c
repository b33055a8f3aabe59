/*
 * `migrate --from SRC --to DST`: copy a database to another, either engine
 * to either (core/migrate.c decides and does it all; README, "Moving
 * between engines").  The source is opened as it is, under the
 * configuration pinned in it, by an admin of its roster; the destination
 * is made when it does not exist (as `init` makes it), and is removed
 * again when this command made it and the copy failed.
 */
#include "commands.h"

CLI_COMMAND(migrate)

#include <stdlib.h>
#include <string.h>

#define MIGRATE_OPTIONS(_)                                                                   \
    _(MIGRATE_FROM, "from", "DB",                                                            \
      "the database to copy: a file, or a PostgreSQL URL or connection string (as the "      \
      "service role)")                                                                       \
    _(MIGRATE_TO, "to", "DB",                                                                \
      "where to copy it: a new or empty database, a file or on a PostgreSQL server (as the " \
      "service role)")                                                                       \
    CLI_OPT_FORMAT(_, MIGRATE)
CLI_OPTIONS(migrate_options, MIGRATE_OPTIONS);

/* What was copied, as a table or one JSON document. */
static void
report(enum format fmt, cr_db *src, cr_db *dst, const struct cr_migrate_result *r)
{
    if (fmt == FORMAT_JSON) {
        struct emit e;
        emit_init(&e, fmt, stdout, NULL, NULL);
        emit_open(&e, NULL, '{');
        emit_text(&e, "from", cr_db_label(src));
        emit_text(&e, "from_engine", cr_db_engine(src));
        emit_text(&e, "to", cr_db_label(dst));
        emit_text(&e, "to_engine", cr_db_engine(dst));
        emit_open(&e, "tables", '{');
        for (size_t i = 0; i < r->n; i++)
            emit_int(&e, r->tables[i].table, r->tables[i].rows);
        emit_close(&e);
        emit_int(&e, "events", r->events);
        emit_text(&e, "head", r->head);
        emit_int(&e, "verified", r->verified);
        emit_value(&e, "ok", &(struct emit_value){.kind = EMIT_BOOL, .i = 1});
        emit_close(&e);
        return;
    }
    out_line(stdout, "copied %s (%s) to %s (%s):", cr_db_label(src), cr_db_engine(src),
             cr_db_label(dst), cr_db_engine(dst));
    for (size_t i = 0; i < r->n; i++)
        out_line(stdout, "  %-18s %lld", r->tables[i].table, (long long)r->tables[i].rows);
    out_line(stdout, "  and one 'migrated' event, after event %lld (%.16s...)",
             (long long)r->events, r->head);
    out_line(stdout, "ok: %lld events", (long long)r->verified);
}

int
cmd_migrate(struct cli *cli, const struct cli_args *a)
{
    enum format fmt;
    int rc = parse_format("migrate", a->opt[OPT_MIGRATE_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    /* Installed setgid, the only database is the service group's (--db elsewhere is refused
       before any command): it is not copied out, and no group is taken back for it. */
    if (cli_service_on())
        return cli_error(EXIT_USAGE,
                         "migrate: refused: this casereview is installed setgid to its service "
                         "group and works only on its own database; run migrate with a "
                         "casereview that is not (README, 'Moving between engines')");
    const char *from = a->opt[OPT_MIGRATE_FROM], *to = a->opt[OPT_MIGRATE_TO];
    if (!from || !to)
        return cli_error(EXIT_USAGE, "migrate: give both --from DB and --to DB");
    if (strcmp(from, to) == 0)
        return cli_error(EXIT_USAGE, "migrate: --from and --to name the same database ('%s')",
                         from);
    /* The source, under the rules pinned in it, never created. */
    cr_db *src;
    cli->db_path = from;
    if ((rc = cli_session_pinned(cli, &src)) != EXIT_DONE)
        return rc;
    cr_db *dst = NULL;
    enum cr_status st = cr_db_open(to, CR_OPEN_CREATE, cli_clock, NULL, &dst);
    if (st != CR_OK) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(dst));
        cr_db_discard(dst);
        cli_end(cli, src);
        return rc;
    }
    struct cr_migrate_result r;
    st = cr_migrate(src, dst, &r);
    if (st != CR_OK) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(dst));
        /* What this command made goes again: a refused copy leaves nothing behind. */
        if (cr_db_created(dst)) {
            cr_db_discard(dst);
            if (r.committed)
                cli_note("migrate: %s was removed again", to);
        } else {
            cr_db_close(dst);
        }
        cli_end(cli, src);
        return rc;
    }
    report(fmt, src, dst, &r);
    cr_db_close(dst);
    cli_end(cli, src);
    return cli_flush("migrate");
}
