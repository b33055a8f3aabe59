/*
 * The configuration pinned in the database (schema 6, see config.h): the
 * rules come from the text kept there, not from whichever file a caller
 * names, so that nobody chooses their own roster.  Pinning, checking and
 * adopting are decided here, above the engine, which keeps the versions
 * (st_config_get, st_config_put); a new pin or an adoption recomputes the
 * quorum flags (workflow.c) in the same transaction.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void
cr_config_version_free(struct cr_config_version *v)
{
    free(v->text);
    free(v->adopted_by);
    memset(v, 0, sizeof *v);
}

enum cr_status
cr_config_version_get(cr_db *db, const char *digest, struct cr_config_version *out)
{
    if (digest) {
        size_t n = strlen(digest);
        bool hex = n >= 8 && n <= 64;
        for (size_t i = 0; hex && i < n; i++)
            hex = strchr("0123456789abcdefABCDEF", digest[i]) != NULL;
        if (!hex) {
            memset(out, 0, sizeof *out);
            return cr_fail(db, CR_USAGE,
                           "--digest must be 8 to 64 hexadecimal digits of a configuration's "
                           "digest, not '%s'",
                           digest);
        }
    }
    return st_config_get(db, digest, out);
}

enum cr_status
cr_config_pin_check(cr_db *db, const struct cr_config *cfg)
{
    struct cr_config_version v;
    enum cr_status st = st_config_get(db, NULL, &v);
    if (st != CR_OK)
        return st;
    if (strcmp(v.digest, cfg->digest) != 0)
        st = cr_fail(db, CR_INVALID,
                     "%s (digest %s) is not the configuration pinned in the database (digest "
                     "%s); the rules change only when an admin runs 'casereview config adopt "
                     "%s'",
                     cfg->path ? cfg->path : "the configuration", cfg->digest, v.digest,
                     cfg->path ? cfg->path : "FILE");
    cr_config_version_free(&v);
    return st;
}

enum cr_status
cr_config_pin(cr_db *db)
{
    const struct cr_config *cfg = st_config(db);
    if (!cfg || !st_user(db))
        return cr_fail(db, CR_USAGE, "no user: call cr_db_set_user first");
    /* A copy is evidence, read as it is. */
    if (cr_db_read_only(db))
        return CR_OK;
    enum cr_status st = st_begin(db);
    if (st != CR_OK)
        return st;
    /* Another process may have pinned one meanwhile. */
    st = cr_config_pin_check(db, cfg);
    if (st != CR_NOT_FOUND) {
        st_rollback(db);
        return st;
    }
    char last[65];
    bool any;
    if ((st = st_audit_last_digest(db, last, &any)) != CR_OK)
        goto fail;
    /*
     * A database made before pinning takes the rules its trail was last
     * written under, not whatever file its first caller names.
     */
    if (*last && strcmp(last, cfg->digest) != 0) {
        st = cr_fail(db, CR_INVALID,
                     "the database has no pinned configuration yet, and its audit trail was "
                     "last written under digest %s, not that of %s (digest %s); run once with "
                     "that configuration to pin it, then 'casereview config adopt %s'",
                     last, cfg->path ? cfg->path : "the configuration", cfg->digest,
                     cfg->path ? cfg->path : "FILE");
        goto fail;
    }
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"digest\": \"%s\"}", cfg->digest);
    int64_t changed;
    /*
     * A new database's rules are part of making it (the row says who and
     * when); one with a trail records the pinning in it.
     */
    if ((st = st_config_put(db, cfg)) != CR_OK || (st = st_rules_put(db)) != CR_OK ||
        (any && (st = d.p ? cr_audit_append(db, 0, "config_pin", NULL, NULL, d.p)
                          : cr_fail(db, CR_NOMEM, "out of memory")) != CR_OK) ||
        (st = cr_quorum_refresh_in(db, &changed)) != CR_OK) {
        cr_buf_free(&d);
        goto fail;
    }
    cr_buf_free(&d);
    return st_commit(db);
fail:
    st_rollback(db);
    return st;
}

enum cr_status
st_config_adopt(cr_db *db, const struct cr_config *next)
{
    const struct cr_config *old = st_config(db);
    enum cr_status st;
    if (!old)
        return cr_fail(db, CR_USAGE, "no configuration: call cr_db_set_user first");
    if ((st = st_writable(db)) != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    /* The admin's authority comes from the rules in force, read again under the lock. */
    if ((st = cr_config_pin_check(db, old)) != CR_OK) {
        if (st == CR_INVALID)
            st = cr_fail(db, CR_REFUSED,
                         "config adopt: another configuration was adopted meanwhile; nothing "
                         "was changed: run the command again");
        st_rollback(db);
        return st;
    }
    if (strcmp(old->digest, next->digest) == 0) {
        st_rollback(db);
        return cr_fail(db, CR_INVALID,
                       "config adopt: %s is the configuration in force already (digest %s); "
                       "nothing was changed",
                       next->path ? next->path : "the file", next->digest);
    }
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"old_digest\": \"%s\", \"new_digest\": \"%s\", \"file\": ", old->digest,
                next->digest);
    cr_buf_add_json(&d, next->path ? next->path : "");
    cr_buf_addc(&d, '}');
    /* The event is written under the rules that allowed it: the old digest. */
    if ((st = d.p ? cr_audit_append(db, 0, "config_adopt", NULL, NULL, d.p)
                  : cr_fail(db, CR_NOMEM, "out of memory")) != CR_OK ||
        (st = st_config_put(db, next)) != CR_OK || (st = st_rules_put(db)) != CR_OK) {
        cr_buf_free(&d);
        st_rollback(db);
        return st;
    }
    cr_buf_free(&d);
    /* The new panel may make or break a quorum: recomputed under the new rules. */
    const struct cr_person *me = st_user(db);
    const struct cr_person *me_next = cr_config_person(next, me->login);
    int64_t changed;
    cr_db_set_user(db, next, me_next ? me_next : me);
    if ((st = cr_quorum_refresh_in(db, &changed)) == CR_OK)
        st = st_commit(db);
    if (st != CR_OK) {
        st_rollback(db);
        cr_db_set_user(db, old, me);
    }
    return st;
}

/* New rules: the admin's to adopt, under the rules in force (the engine writes them). */
enum cr_status
cr_config_adopt(cr_db *db, const struct cr_config *next)
{
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, "config adopt");
    return st == CR_OK ? st_config_adopt(db, next) : st;
}
