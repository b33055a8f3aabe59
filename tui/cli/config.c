/*
 * `check-config` (a file, or the reference of every key) and `config`
 * (show the configuration pinned in the database; adopt a new one).
 */
#include "commands.h"

#include <stdlib.h>
#include <string.h>

/* check-config */

/* A key of the configuration, as cr_config_keys describes it. */
struct config_key {
    const char *path, *type, *def, *doc;
};

static const struct emit_field key_fields[] = {
    EMIT_AT("path", EMIT_TEXT, struct config_key, path),
    EMIT_AT("type", EMIT_TEXT, struct config_key, type),
    EMIT_AT("default", EMIT_TEXT, struct config_key, def),
    EMIT_AT("description", EMIT_TEXT, struct config_key, doc),
};
/* The columns line up for paths up to 46 characters. */
static const struct emit_record key_rec = {EMIT_FIELDS(key_fields), NULL,
                                           "{path:<46} {type:<16} {default:<9=-} {description}"};

static void
explain_key(void *ctx, const char *path, const char *type, const char *def, const char *doc)
{
    struct config_key k = {path, type, def, doc};
    emit_row(ctx, &k);
}

/* A file checked. */
struct checked {
    const char *file;
    bool ok;
};

static const struct emit_field checked_fields[] = {
    EMIT_AT("file", EMIT_TEXT, struct checked, file),
    EMIT_AT("ok", EMIT_BOOL, struct checked, ok),
};
static const struct emit_record checked_rec = {EMIT_FIELDS(checked_fields), NULL, "ok"};

#define CHECK_CONFIG_OPTIONS(_)                                                                    \
    _(CHECK_EXPLAIN, "explain", NULL, "print every key instead: path, type, default, description") \
    _(CHECK_FORMAT, "format", "F", "table (default) or json; with --explain, csv too")
CLI_OPTIONS(check_config_options, CHECK_CONFIG_OPTIONS);

int
cmd_check_config(struct cli *cli, const struct cli_args *a)
{
    bool explain = a->opt[OPT_CHECK_EXPLAIN] != NULL;
    enum format fmt;
    int rc = parse_format("check-config", a->opt[OPT_CHECK_FORMAT], explain, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    struct emit e;
    if (explain) {
        if (a->noperands)
            return cli_error(EXIT_USAGE, "check-config: --explain reads no FILE");
        emit_init(&e, fmt, stdout, &key_rec, NULL);
        if (cr_config_keys(explain_key, &e) != CR_OK || emit_end(&e) < 0 || fflush(stdout) != 0)
            return cli_error(EXIT_DB, "check-config: writing the reference failed");
        return EXIT_DONE;
    }
    const char *path = a->noperands ? a->operands[0] : cli->config_path;
    struct cr_config *cfg;
    struct cli_problems problems = {0};
    rc = cli_config_problems(cli, path, &cfg, &problems);
    struct checked c = {path, rc == EXIT_DONE};
    emit_init(&e, fmt, stdout, &checked_rec, NULL);
    if (rc == EXIT_DONE) {
        cr_config_free(cfg);
        emit_one(&e, &c);
    } else if (fmt == FORMAT_JSON) {
        /* A program reading the JSON learns of the problems from stdout too. */
        emit_open(&e, NULL, '{');
        emit_members(&e, &checked_rec, &c);
        emit_problems(&e, &problems);
        emit_close(&e);
    }
    cli_problems_free(&problems);
    int flushed = cli_flush("check-config");
    return rc == EXIT_DONE ? flushed : rc;
}

/* config */

static void
version_at(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    int64_t t = ((const struct cr_config_version *)rec)->adopted_at;
    v->absent = !t;
    cr_time_format(t, v->buf);
    v->s = v->buf;
}

static void
version_digest(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->s = ((const struct cr_config_version *)rec)->digest;
}

static void
version_in_force(const void *rec, const void *ctx, struct emit_value *v)
{
    (void)ctx;
    v->i = ((const struct cr_config_version *)rec)->in_force != 0;
}

/* The text goes to a table as its bytes (below); JSON carries it as a string. */
static const struct emit_field version_fields[] = {
    EMIT_GET("digest", EMIT_TEXT, version_digest),
    EMIT_GET("adopted_at", EMIT_TEXT, version_at),
    EMIT_AT("adopted_by", EMIT_TEXT, struct cr_config_version, adopted_by),
    EMIT_GET("in_force", EMIT_BOOL, version_in_force),
    EMIT_AT("text", EMIT_TEXT, struct cr_config_version, text),
};
static const struct emit_record version_rec = {EMIT_FIELDS(version_fields), NULL, NULL};

#define CONFIG_OPTIONS(_)                                                    \
    _(CONFIG_DIGEST, "digest", "D",                                          \
      "show: the configuration whose digest begins D (one in force before)") \
    _(CONFIG_FORMAT, "format", "F", "table (default: show prints the text itself) or json")
CLI_OPTIONS(config_options, CONFIG_OPTIONS);

/* config show [--digest D]: the text in force, or an earlier one. */
static int
config_show(struct cli *cli, const struct cli_args *a, enum format fmt)
{
    cr_db *db;
    int rc = cli_session_pinned(cli, &db);
    if (rc != EXIT_DONE)
        return rc;
    struct cr_config_version v;
    enum cr_status st = cr_config_version_get(db, a->opt[OPT_CONFIG_DIGEST], &v);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
    } else {
        struct emit e;
        emit_init(&e, fmt, stdout, &version_rec, NULL);
        /* The bytes as adopted: the digest is of exactly these. */
        if (fmt == FORMAT_JSON ? emit_one(&e, &v) < 0 || fflush(stdout) != 0
                               : fwrite(v.text, 1, v.len, stdout) != v.len || fflush(stdout) != 0)
            rc = cli_error(EXIT_DB, "config show: writing the text failed");
        cr_config_version_free(&v);
    }
    cli_end(cli, db);
    return rc;
}

/* What an adoption did. */
struct adopted {
    const char *file, *digest, *previous;
};

static const struct emit_field adopted_fields[] = {
    EMIT_AT("file", EMIT_TEXT, struct adopted, file),
    EMIT_AT("digest", EMIT_TEXT, struct adopted, digest),
    EMIT_AT("previous", EMIT_TEXT, struct adopted, previous),
};
static const struct emit_record adopted_rec = {
    EMIT_FIELDS(adopted_fields), NULL,
    "adopted {file}: digest {digest} (was {previous}); the old text stays in the database"};

/* config adopt FILE: the only way the rules change (admin, under the rules in force). */
static int
config_adopt(struct cli *cli, const char *path, enum format fmt)
{
    struct cr_config *next;
    /* Every check of check-config, before anything is opened. */
    struct keymap keys = cli->keys;
    int rc = cli_config(cli, path, &next);
    cli->keys = keys;
    if (rc != EXIT_DONE)
        return rc;
    cr_db *db;
    if ((rc = cli_session_pinned(cli, &db)) != EXIT_DONE) {
        cr_config_free(next);
        return rc;
    }
    char old[65];
    snprintf(old, sizeof old, "%s", cli->cfg->digest);
    enum cr_status st = cr_config_adopt(db, next);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
    } else {
        struct adopted done = {path, next->digest, old};
        struct emit e;
        emit_init(&e, fmt, stdout, &adopted_rec, NULL);
        emit_one(&e, &done);
    }
    cli_end(cli, db);
    cr_config_free(next);
    return rc == EXIT_DONE ? cli_flush("config adopt") : rc;
}

int
cmd_config(struct cli *cli, const struct cli_args *a)
{
    const char *what = a->operands[0];
    enum format fmt;
    int rc = parse_format("config", a->opt[OPT_CONFIG_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    if (strcmp(what, "show") == 0 && a->noperands == 1)
        return config_show(cli, a, fmt);
    if (strcmp(what, "adopt") == 0 && a->noperands == 2) {
        if (a->opt[OPT_CONFIG_DIGEST])
            return cli_error(EXIT_USAGE, "config adopt: --digest is for config show");
        return config_adopt(cli, a->operands[1], fmt);
    }
    return cli_error(EXIT_USAGE,
                     "config: expected 'show [--digest D]' or 'adopt FILE', not '%s%s%s'", what,
                     a->noperands > 1 ? " " : "", a->noperands > 1 ? a->operands[1] : "");
}

/* Every template above, for emit_check (tests/unit/test_emit.c). */
const struct emit_template config_templates[] = {
    {"check-config --explain", &key_rec, NULL},
    {"check-config", &checked_rec, NULL},
    {"config show", &version_rec, NULL},
    {"config adopt", &adopted_rec, NULL},
    {NULL, NULL, NULL},
};
