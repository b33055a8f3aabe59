/*
 * The configuration pinned in the database (schema 6, see casereview.h).
 * Part of the storage module: the rules come from the text kept here, not
 * from whichever file a caller names, so that nobody chooses their own
 * roster; every configuration ever in force stays, by digest, so that the
 * rules at any event (its config_digest) can be read back.
 */
#include "sqlite.h"

#include <assert.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static void
version_free(struct cr_config_version *v)
{
    free(v->text);
    free(v->adopted_by);
    memset(v, 0, sizeof *v);
}

/* The version in force, or the one whose digest begins with prefix; CR_NOT_FOUND: none. */
enum cr_status
sq_config_get(cr_db *db, const char *prefix, struct cr_config_version *out)
{
    memset(out, 0, sizeof *out);
    sqlite3 *sql = sq_sqlite(db);
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
        version_free(out);
    return st;
}

/* Insert the handle's new version (or mark a known one) as the one in force. */
enum cr_status
sq_config_put(cr_db *db, const struct cr_config *cfg, const char *by)
{
    assert(db && cfg && by);
    sqlite3 *sql = sq_sqlite(db);
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
    sqlite3_bind_int64(s, 3, cr_db_tx_now(db));
    sqlite3_bind_text(s, 4, by, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "pin the configuration");
}

/* The digest the trail's last event was written under (*any: there is one). */
enum cr_status
sq_audit_last_digest(cr_db *db, char out[65], bool *any)
{
    out[0] = '\0';
    *any = false;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(sq_sqlite(db),
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
