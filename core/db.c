/*
 * The handle, whatever the engine: its message, clock, who acts under which
 * configuration, the Unix login and the purpose.  The engine's own state
 * hangs from it (cr_store_ctx), behind the table of store.h.
 */
#include "store.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct cr_db {
    const struct cr_store *store; /* the engine, and its state for this handle */
    void *ctx;
    cr_clock_fn clock;
    void *clock_ctx;
    struct cr_buf err;
    const struct cr_config *cfg; /* the rules in force, and who acts */
    const struct cr_person *user;
    char *purpose;      /* the session's purpose for consultations (DPA 2018 s.62) */
    char *os_login;     /* the Unix login running the program (cr_db_set_os_login) */
    int64_t unrecorded; /* consultations a read-only copy could not record */
    bool in_tx;         /* a write transaction (or an import) is open: */
    int64_t tx_now;     /* the time it began, the time of every write in it */
    /* The first subjects whose details the last import changed, for its report. */
    char *import_shown[CR_IMPORT_SHOWN_UPDATES];
    struct cr_import_shown *import_detail[CR_IMPORT_SHOWN_UPDATES];
    struct cr_notice_store *notice; /* the last action's (cr_last_notice) */
    char *path;                     /* as given to open (cr_db_label) */
};

struct cr_notice_store **
st_notice(cr_db *db)
{
    return &db->notice;
}

const struct cr_notice_store *
st_notice_of(const cr_db *db)
{
    return db ? db->notice : NULL;
}

/* Errors */

enum cr_status
cr_fail(cr_db *db, enum cr_status status, const char *fmt, ...)
{
    cr_buf_reset(&db->err);
    va_list ap;
    va_start(ap, fmt);
    char *msg = cr_vformat(fmt, ap);
    va_end(ap);
    if (msg)
        cr_buf_add(&db->err, msg, strlen(msg));
    free(msg);
    return status;
}

const char *
cr_db_errmsg(const cr_db *db)
{
    if (!db)
        return "out of memory";
    return db->err.p ? db->err.p : "no error";
}

/* Opening and closing */

void
cr_open_options_default(struct cr_open_options *o)
{
    memset(o, 0, sizeof *o);
}

/* The table of a handle that never opened: nothing to close or discard. */
static void
no_close(cr_db *db)
{
    (void)db;
}

static const struct cr_store no_engine = {
    .version = CR_STORE_VERSION,
    .name = "none",
    .close = no_close,
    .discard = no_close,
};

const char *
cr_db_label(const cr_db *db)
{
    if (!db)
        return "";
    const char *label = db->store->label && db->ctx ? db->store->label(db) : NULL;
    return label ? label : db->path ? db->path : "";
}

bool
cr_db_names_server(const char *path)
{
    static const char *const prefixes[] = {"postgresql://", "postgres://", "postgres:"};
    /* libpq's keywords that may begin a key=value connection string. */
    static const char *const keywords[] = {
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "password",
        "passfile",
        "service",
        "connect_timeout",
        "options",
        "sslmode",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "application_name",
        "target_session_attrs",
    };
    if (!path)
        return false;
    for (size_t i = 0; i < CR_ARRAY_LEN(prefixes); i++)
        if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    for (size_t i = 0; i < CR_ARRAY_LEN(keywords); i++) {
        size_t n = strlen(keywords[i]);
        const char *p = path + n;
        if (strncmp(path, keywords[i], n) != 0)
            continue;
        while (*p == ' ')
            p++;
        if (*p == '=')
            return true;
    }
    return false;
}

/* The engine that opens path when the caller names none. */
static const struct cr_store *
engine_for(cr_db *db, const char *path)
{
    if (!cr_db_names_server(path))
        return &cr_store_engine;
#ifdef CR_HAVE_POSTGRESQL
    return &cr_store_pg;
#else
    cr_fail(db, CR_DB,
            "--db names a PostgreSQL database, and this casereview was built without "
            "PostgreSQL (meson option postgresql, which needs libpq-dev)");
    return NULL;
#endif
}

enum cr_status
cr_db_open_with(const char *path, const struct cr_open_options *o, cr_db **out)
{
    *out = NULL;
    cr_db *db = calloc(1, sizeof *db);
    if (!db)
        return CR_NOMEM;
    *out = db;
    db->store = o && o->store ? o->store : engine_for(db, path);
    if (!db->store) {
        db->store = &no_engine;
        return CR_DB;
    }
    if (!path || !o || !o->clock) {
        /* No engine state: closing the handle frees the handle alone. */
        db->store = &no_engine;
        return cr_fail(db, CR_USAGE, "cr_db_open_with: %s",
                       !path ? "no path"
                       : !o  ? "no options"
                             : "no clock in the options");
    }
    db->clock = o->clock;
    db->clock_ctx = o->clock_ctx;
    if (!(db->path = strdup(path)))
        return cr_fail(db, CR_NOMEM, "out of memory");
    if (db->store->version < 1)
        return cr_fail(db, CR_DB, "%s: the storage engine '%s' is too old for this casereview",
                       path, db->store->name);
    return db->store->open(db, path, o->flags, o->connection, &db->ctx);
}

enum cr_status
cr_db_open(const char *path, unsigned flags, cr_clock_fn clock, void *clock_ctx, cr_db **out)
{
    struct cr_open_options o;
    cr_open_options_default(&o);
    o.flags = flags;
    o.clock = clock;
    o.clock_ctx = clock_ctx;
    return cr_db_open_with(path, &o, out);
}

static void
free_handle(cr_db *db)
{
    st_import_shown_clear(db);
    cr_notice_store_free(db->notice);
    free(db->purpose);
    free(db->os_login);
    free(db->path);
    cr_buf_free(&db->err);
    free(db);
}

void
cr_db_close(cr_db *db)
{
    if (!db)
        return;
    db->store->close(db);
    free_handle(db);
}

void
cr_db_discard(cr_db *db)
{
    if (!db)
        return;
    db->store->discard(db);
    cr_db_close(db);
}

int
cr_db_created(const cr_db *db)
{
    return db && db->ctx && db->store->created(db);
}

int
cr_db_schema_version(const cr_db *db)
{
    return db && db->ctx ? db->store->schema_version(db) : 0;
}

int
cr_db_read_only(const cr_db *db)
{
    return db && db->ctx && db->store->read_only(db);
}

int64_t
cr_db_unrecorded(const cr_db *db)
{
    return db ? db->unrecorded : 0;
}

void
st_count_unrecorded(cr_db *db)
{
    db->unrecorded++;
}

/* The import's report lines (import.c writes them, cr_import_update reads them) */

static void
shown_detail_free(struct cr_import_shown *d)
{
    if (!d)
        return;
    free(d->subject_ref);
    for (size_t k = 0; k < d->n; k++) {
        free((char *)d->changes[k].before);
        free((char *)d->changes[k].after);
    }
    free(d);
}

void
st_import_shown_clear(cr_db *db)
{
    assert(db);
    for (size_t i = 0; i < CR_IMPORT_SHOWN_UPDATES; i++) {
        free(db->import_shown[i]);
        db->import_shown[i] = NULL;
        shown_detail_free(db->import_detail[i]);
        db->import_detail[i] = NULL;
    }
}

void
st_import_shown_set(cr_db *db, size_t i, char *line, struct cr_import_shown *detail)
{
    assert(db && i < CR_IMPORT_SHOWN_UPDATES);
    free(db->import_shown[i]);
    db->import_shown[i] = line;
    shown_detail_free(db->import_detail[i]);
    db->import_detail[i] = detail;
}

int
cr_import_update_detail(const cr_db *db, size_t i, const char **subject_ref,
                        const struct cr_subject_change **changes, size_t *n)
{
    const struct cr_import_shown *d =
        db && i < CR_IMPORT_SHOWN_UPDATES ? db->import_detail[i] : NULL;
    if (!d)
        return 0;
    *subject_ref = d->subject_ref;
    *changes = d->changes;
    *n = d->n;
    return 1;
}

const char *
cr_import_update(const cr_db *db, size_t i)
{
    return db && i < CR_IMPORT_SHOWN_UPDATES ? db->import_shown[i] : NULL;
}

enum cr_status
cr_db_data_version(cr_db *db, int64_t *version)
{
    if (!db)
        return CR_USAGE;
    if (!db->ctx || !version)
        return cr_fail(db, CR_USAGE, "cr_db_data_version: %s",
                       !version ? "nowhere to put the version" : "the database is not open");
    return db->store->data_version(db, version);
}

void
st_tx_clock(cr_db *db, bool open)
{
    assert(db);
    db->in_tx = open;
    db->tx_now = open ? cr_db_now(db) : 0;
}

int64_t
cr_db_tx_now(const cr_db *db)
{
    return db->in_tx ? db->tx_now : cr_db_now(db);
}

int64_t
cr_db_now(const cr_db *db)
{
    return db->clock(db->clock_ctx);
}

const struct cr_store *
st_store(const cr_db *db)
{
    return db->store;
}

void *
cr_store_ctx(const cr_db *db)
{
    return db->ctx;
}

const char *
cr_db_engine(const cr_db *db)
{
    return db ? db->store->name : cr_store_engine.name;
}

/* The acting user */

void
cr_db_set_user(cr_db *db, const struct cr_config *cfg, const struct cr_person *who)
{
    db->cfg = cfg;
    db->user = who;
}

const struct cr_config *
st_config(const cr_db *db)
{
    return db->cfg;
}

const struct cr_person *
st_user(const cr_db *db)
{
    return db->user;
}

enum cr_status
cr_db_set_os_login(cr_db *db, const char *login)
{
    char *copy = login ? strdup(login) : NULL;
    if (login && !copy)
        return cr_fail(db, CR_NOMEM, "out of memory");
    free(db->os_login);
    db->os_login = copy;
    return CR_OK;
}

const char *
st_os_login(const cr_db *db)
{
    return db->os_login;
}

/* The purpose */

const char *
cr_db_purpose(const cr_db *db)
{
    return db->purpose;
}

void
cr_purposes_text(const struct cr_config *cfg, struct cr_buf *b)
{
    for (size_t i = 0; i < cfg->n_purposes; i++) {
        cr_buf_addf(b, "%s'%s'",
                    i == 0                     ? ""
                    : i + 1 == cfg->n_purposes ? ", or "
                                               : ", ",
                    cfg->purposes[i]);
    }
}

enum cr_status
cr_db_set_purpose(cr_db *db, const char *purpose)
{
    const struct cr_config *cfg = db->cfg;
    if (cr_blank(purpose)) {
        free(db->purpose);
        db->purpose = NULL;
        return CR_OK;
    }
    if (cfg && cfg->n_purposes) {
        size_t i = 0;
        while (i < cfg->n_purposes && strcmp(cfg->purposes[i], purpose) != 0)
            i++;
        if (i == cfg->n_purposes) {
            struct cr_buf b = {0};
            cr_purposes_text(cfg, &b);
            enum cr_status st =
                cr_fail(db, CR_USAGE,
                        "'%s' is not a purpose audit.purposes in %s allows; give "
                        "one of %s",
                        purpose, cfg->path ? cfg->path : "the configuration", b.p ? b.p : "");
            cr_buf_free(&b);
            return st;
        }
    }
    /* Kept without the blanks around it, as one would write it. */
    while (*purpose == ' ' || *purpose == '\t')
        purpose++;
    size_t n = strlen(purpose);
    while (n && (purpose[n - 1] == ' ' || purpose[n - 1] == '\t' || purpose[n - 1] == '\n' ||
                 purpose[n - 1] == '\r'))
        n--;
    char *copy = strndup(purpose, n);
    if (!copy)
        return cr_fail(db, CR_NOMEM, "out of memory");
    free(db->purpose);
    db->purpose = copy;
    return CR_OK;
}

int
cr_db_change_fd(cr_db *db)
{
    if (!db || !db->ctx || !db->store->change_fd)
        return -1;
    return db->store->change_fd(db);
}
