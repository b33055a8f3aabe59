/*
 * The configurations pinned in the database, in memory: every one ever in
 * force, by digest, the one in force marked (as core/sqlite/config.c keeps
 * them in config_versions).
 */
#include "engine.h"

#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Whether digest begins with prefix, in any case (the digests are lower-case hex). */
static bool
begins(const char *digest, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strlen(digest) < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (digest[i] != tolower((unsigned char)prefix[i]))
            return false;
    return true;
}

enum cr_status
mem_config_get(cr_db *db, const char *prefix, struct cr_config_version *out)
{
    memset(out, 0, sizeof *out);
    const struct mem_data *d = mem_data(db);
    const struct mem_config_version *v =
        MEM_ROWS(d, MEM_CONFIG_VERSIONS, struct mem_config_version);
    const struct mem_config_version *found = NULL;
    for (size_t i = 0; i < MEM_N(d, MEM_CONFIG_VERSIONS); i++) {
        if (prefix ? !begins(v[i].digest, prefix) : !v[i].in_force)
            continue;
        if (found)
            return cr_fail(db, CR_USAGE,
                           "more than one configuration's digest begins %s; give more of it",
                           prefix);
        found = &v[i];
    }
    if (!found)
        return prefix ? cr_fail(db, CR_NOT_FOUND,
                                "no configuration with a digest beginning %s was ever in force "
                                "here; 'casereview audit log --action config_adopt' lists them",
                                prefix)
                      : cr_fail(db, CR_NOT_FOUND, "no configuration is pinned in the database");
    out->id = found->id;
    snprintf(out->digest, sizeof out->digest, "%s", found->digest);
    out->text = malloc(found->len + 1);
    out->adopted_by = strdup(found->adopted_by ? found->adopted_by : "");
    if (!out->text || !out->adopted_by)
        return cr_fail(db, CR_NOMEM, "out of memory");
    memcpy(out->text, found->text, found->len + 1);
    out->len = found->len;
    out->adopted_at = found->adopted_at;
    out->in_force = found->in_force;
    return CR_OK;
}

enum cr_status
mem_config_put(cr_db *db, const struct cr_config *cfg, const char *by)
{
    assert(db && cfg && by);
    enum cr_status st = mem_in_transaction(db, "pin the configuration");
    if (st != CR_OK)
        return st;
    struct mem_data *d = mem_data(db);
    /* Read whether or not a row is added, as the SQLite engine reads it (a stepping clock). */
    int64_t now = cr_db_tx_now(db);
    size_t len;
    const char *text = cr_config_text(cfg, &len);
    if (!text)
        return cr_fail(db, CR_NOMEM, "out of memory");
    struct mem_config_version *v = MEM_ROWS(d, MEM_CONFIG_VERSIONS, struct mem_config_version);
    struct mem_config_version *same = NULL;
    for (size_t i = 0; i < MEM_N(d, MEM_CONFIG_VERSIONS); i++) {
        v[i].in_force = 0;
        if (strcmp(v[i].digest, cfg->digest) == 0)
            same = &v[i];
    }
    /* A configuration adopted again is the same text: its row is marked, not copied. */
    if (same) {
        same->in_force = 1;
        return CR_OK;
    }
    struct mem_config_version *x = mem_add(d, MEM_CONFIG_VERSIONS);
    if (!x || !mem_set(&x->digest, cfg->digest) || !mem_set(&x->adopted_by, by) ||
        !(x->text = malloc(len + 1)))
        return cr_fail(db, CR_NOMEM, "out of memory");
    memcpy(x->text, text, len);
    x->text[len] = '\0';
    x->len = len;
    x->adopted_at = now;
    x->in_force = 1;
    return CR_OK;
}

enum cr_status
mem_config_in_force(cr_db *db, char digest[65], bool *any)
{
    const struct mem_data *d = mem_data(db);
    const struct mem_config_version *v =
        MEM_ROWS(d, MEM_CONFIG_VERSIONS, struct mem_config_version);
    digest[0] = '\0';
    *any = false;
    for (size_t i = 0; i < MEM_N(d, MEM_CONFIG_VERSIONS) && !*any; i++) {
        if (v[i].in_force) {
            snprintf(digest, 65, "%s", v[i].digest);
            *any = true;
        }
    }
    return CR_OK;
}
