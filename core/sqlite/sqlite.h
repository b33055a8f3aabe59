/*
 * What the files of the SQLite engine share: the handle, which only the
 * engine sees (the rest of core/ holds an opaque cr_db and goes through
 * internal.h's st_* functions), and the helpers the sections use in common.
 * Private to core/sqlite/.
 */
#ifndef CASEREVIEW_SQLITE_H
#define CASEREVIEW_SQLITE_H

#include "../internal.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_db {
    sqlite3 *sql;
    char *path;
    bool created;
    bool filled; /* an empty file that was there became a database (init, import) */
    int version;
    cr_clock_fn clock;
    void *clock_ctx;
    struct cr_buf err;
    struct cr_import_stmts *imp; /* while an import runs */
    const struct cr_config *cfg;   /* the rules in force, and who acts */
    const struct cr_person *user;
    char *import_label; /* the file of the running import, for its audit event */
    /* The first subjects whose details the last import changed, for its report. */
    char *import_updates[CR_IMPORT_SHOWN_UPDATES];
    struct {
        char *sql;
        sqlite3_stmt *stmt;
    } cache[16];
    size_t cache_next;
    /* An auditor's read-only copy: opened read-only, nothing written, not migrated. */
    bool read_only;
    int64_t unrecorded; /* events a read-only copy could not record */
    /* The audit key (a file beside the database), or why there is none. */
    bool have_key, created_key;
    bool service; /* CR_OPEN_SERVICE: the effective group is the service's */
    unsigned char key[CR_AUDIT_KEY_BYTES];
    int64_t keyed_from; /* the first event hashed with the key */
    unsigned char anchor[32]; /* the hash of event keyed_from - 1 (zeros when none) */
    char *key_path;
    char *key_problem;
    char *purpose; /* the session's purpose for consultations (DPA 2018 s.62) */
    char *os_login; /* the Unix login running the program (cr_db_set_os_login) */
};

#endif
