/*
 * The configuration pinned in the database (schema 6, see casereview.h).
 * Part of the storage module: the rules come from the text kept here, not
 * from whichever file a caller names, so that nobody chooses their own
 * roster; every configuration ever in force stays, by digest, so that the
 * rules at any event (its config_digest) can be read back.
 */
#include "../internal.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

void
cr_config_version_free(struct cr_config_version *v)
{
    free(v->text);
    free(v->adopted_by);
    memset(v, 0, sizeof *v);
}

/* The version in force, or the one whose digest begins with prefix; CR_NOT_FOUND: none. */
static enum cr_status
version_get(cr_db *db, const char *prefix, struct cr_config_version *out)
{
    memset(out, 0, sizeof *out);
    sqlite3 *sql = st_sqlite(db);
    sqlite3_stmt *s = NULL;
    const char *q = prefix ? "SELECT id, digest, text, adopted_at, adopted_by, in_force FROM "
                             "config_versions WHERE substr(digest, 1, length(?1)) = lower(?1) "
                             "ORDER BY id LIMIT 2"
                           : "SELECT id, digest, text, adopted_at, adopted_by, in_force FROM "
                             "config_versions WHERE in_force = 1";
    int rc = sqlite3_prepare_v2(sql, q, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return cr_fail_sql(db, rc, "pinned configuration");
    if (prefix)
        sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    enum cr_status st = CR_OK;
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(s, 0);
        const char *d = (const char *)sqlite3_column_text(s, 1);
        snprintf(out->digest, sizeof out->digest, "%s", d ? d : "");
        int n = sqlite3_column_bytes(s, 2);
        const void *t = sqlite3_column_blob(s, 2);
        out->text = malloc((size_t)n + 1);
        const char *by = (const char *)sqlite3_column_text(s, 4);
        out->adopted_by = strdup(by ? by : "");
        if (!out->text || !out->adopted_by) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
        } else {
            if (n)
                memcpy(out->text, t, (size_t)n);
            out->text[n] = '\0';
            out->len = (size_t)n;
            out->adopted_at = sqlite3_column_int64(s, 3);
            out->in_force = sqlite3_column_int(s, 5);
            if (prefix && sqlite3_step(s) == SQLITE_ROW)
                st = cr_fail(db, CR_USAGE,
                             "more than one configuration's digest begins %s; give more of it",
                             prefix);
        }
    } else if (rc == SQLITE_DONE) {
        st = prefix ? cr_fail(db, CR_NOT_FOUND,
                              "no configuration with a digest beginning %s was ever in force "
                              "here; 'casereview audit log --action config_adopt' lists them",
                              prefix)
                    : cr_fail(db, CR_NOT_FOUND, "no configuration is pinned in the database");
    } else {
        st = cr_fail_sql(db, rc, "pinned configuration");
    }
    sqlite3_finalize(s);
    if (st != CR_OK)
        cr_config_version_free(out);
    return st;
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
    return version_get(db, digest, out);
}

enum cr_status
cr_config_pin_check(cr_db *db, const struct cr_config *cfg)
{
    struct cr_config_version v;
    enum cr_status st = version_get(db, NULL, &v);
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

/* Insert the handle's new version (or mark a known one) as the one in force. */
static enum cr_status
put_in_force(cr_db *db, const struct cr_config *cfg)
{
    sqlite3 *sql = st_sqlite(db);
    const struct cr_person *me = st_user(db);
    size_t len;
    const char *text = cr_config_text(cfg, &len);
    if (!text)
        return cr_fail(db, CR_NOMEM, "out of memory");
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_exec(sql, "UPDATE config_versions SET in_force = 0 WHERE in_force = 1", NULL,
                          NULL, NULL);
    if (rc != SQLITE_OK)
        return cr_fail_sql(db, rc, "pin the configuration");
    /* A configuration adopted again is the same text: its row is marked, not copied. */
    rc = sqlite3_prepare_v2(sql,
                            "INSERT INTO config_versions(digest, text, adopted_at, adopted_by, "
                            "in_force) VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (digest) DO "
                            "UPDATE SET in_force = 1",
                            -1, &s, NULL);
    if (rc != SQLITE_OK)
        return cr_fail_sql(db, rc, "pin the configuration");
    sqlite3_bind_text(s, 1, cfg->digest, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, text, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, cr_db_now(db));
    sqlite3_bind_text(s, 4, me ? me->login : "system", -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "pin the configuration");
}

/* The digest the trail's last event was written under (*any: there is one). */
static enum cr_status
last_event_digest(cr_db *db, char out[65], bool *any)
{
    out[0] = '\0';
    *any = false;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st_sqlite(db),
                                "SELECT config_digest FROM audit_events ORDER BY id DESC LIMIT 1",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return cr_fail_sql(db, rc, "pin the configuration");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(s, 0);
        snprintf(out, 65, "%s", d ? d : "");
        *any = true;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CR_OK
                                                 : cr_fail_sql(db, rc,
                                                               "pin the "
                                                               "configuration");
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
    if ((st = last_event_digest(db, last, &any)) != CR_OK)
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
    if ((st = put_in_force(db, cfg)) != CR_OK ||
        (any && (st = d.p ? st_audit_append(db, 0, "config_pin", NULL, NULL, d.p)
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
    if ((st = d.p ? st_audit_append(db, 0, "config_adopt", NULL, NULL, d.p)
                  : cr_fail(db, CR_NOMEM, "out of memory")) != CR_OK ||
        (st = put_in_force(db, next)) != CR_OK) {
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
