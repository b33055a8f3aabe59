/*
 * casereview: the database handle.
 *
 * Opening and closing a database, the injected clock, and what a handle
 * holds for its session: who acts (under which configuration), the Unix
 * login, the purpose, and whether the copy is read-only.
 */
#ifndef CASEREVIEW_INCLUDE_DB_H
#define CASEREVIEW_INCLUDE_DB_H

#include <casereview/status.h>

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* In config.h, which includes this header for the configuration pinned in a database. */
struct cr_config;
struct cr_person;

/*
 * The clock: seconds since the Unix epoch, UTC.  Core never reads the
 * system clock; the program passes one in and tests pass a fixed one.
 */
typedef int64_t (*cr_clock_fn)(void *ctx);

/* An open database.  Opaque. */
typedef struct cr_db cr_db;

enum cr_open_flags {
    CR_OPEN_CREATE = 1 << 0, /* create the file when it does not exist */
    CR_OPEN_GROUP = 1 << 1,  /* when creating: group may read and write */
    /*
     * The program runs setgid to a service group (README, "Deploying on a
     * shared server"): files of that group (the effective one) may have group
     * modes; a new database is made 0660 and its audit key 0640, in a
     * directory of that group closed to others.
     */
    CR_OPEN_SERVICE = 1 << 2,
};

/* A storage engine (core/store.h): which one holds the database. */
struct cr_store;

/*
 * How to open a database: fill one with cr_open_options_default, then set
 * what differs, so that options added later take their default in every
 * caller (as dav1d's Dav1dSettings).
 */
struct cr_open_options {
    unsigned flags;    /* enum cr_open_flags; default 0 */
    cr_clock_fn clock; /* required: core never reads the system clock */
    void *clock_ctx;
    /* The engine (core/store.h), NULL for the one built in (meson option `engine`). */
    const struct cr_store *store;
    /* The engine's own name for the database (a connection string), NULL to use the path. */
    const char *connection;
    unsigned char reserved[32]; /* zero: room for options to come */
};

/* Fill *o with the defaults: no flags, no clock (set one), the built-in engine. */
void cr_open_options_default(struct cr_open_options *o);

/*
 * Open the database at path as o says (see cr_db_open, which is this with
 * the defaults, flags and a clock).  Returns as cr_db_open does, and
 * CR_USAGE (with the handle's message) when path, o or the clock is
 * missing.
 */
enum cr_status cr_db_open_with(const char *path, const struct cr_open_options *o, cr_db **out);

/* The name of the storage engine that holds the handle's database ("sqlite", "memory",
 * "postgresql"). */
const char *cr_db_engine(const cr_db *db);

/*
 * Whether path names a database on a PostgreSQL server rather than a file:
 * a URL (postgresql://, postgres://), a connection string after
 * `postgres:`, or libpq's key=value form beginning with one of its
 * keywords (host=, dbname=, service=, ...).  cr_db_open opens such a one
 * with the PostgreSQL engine, when this casereview was built with it.
 */
bool cr_db_names_server(const char *path);

/*
 * The database as a message names it: a file's path as given, or for a
 * server "postgresql database NAME on HOST" (never a password a connection
 * string may hold).  Owned by the handle.
 */
const char *cr_db_label(const cr_db *db);

/*
 * Open (and, with CR_OPEN_CREATE, create) the database at path, check that
 * it is a casereview database that only its owner (or, when it was created
 * for a group, its group) can read, and bring its schema up to date.
 * *out always receives a handle, even on failure, so that the caller can
 * read cr_db_errmsg(); the caller closes it with cr_db_close().
 * Returns CR_OK, CR_DB (not found, not ours, unsafe permissions, newer
 * schema), CR_BUSY or CR_NOMEM (then *out may be NULL).
 */
enum cr_status cr_db_open(const char *path, unsigned flags, cr_clock_fn clock, void *clock_ctx,
                          cr_db **out);

/* Close the handle.  NULL is allowed. */
void cr_db_close(cr_db *db);

/*
 * Close the handle and, if this handle created the database file, remove
 * the file again (an empty file it made a database of is left empty
 * again): used when the first thing done to a new database failed.
 */
void cr_db_discard(cr_db *db);

/*
 * Whether this handle created the database it opened: made the file, or
 * made a database of an empty file (only with CR_OPEN_CREATE; without it,
 * an empty file is refused with CR_DB).
 */
int cr_db_created(const cr_db *db);

/* The message of the last failure on this handle; owned by the handle. */
const char *cr_db_errmsg(const cr_db *db);

/* The schema version of the open database. */
int cr_db_schema_version(const cr_db *db);

/* The time the injected clock gives now. */
int64_t cr_db_now(const cr_db *db);

/*
 * A number that changes whenever another connection commits to the
 * database: poll it to refresh what is on screen.
 */
enum cr_status cr_db_data_version(cr_db *db, int64_t *version);

/*
 * Acting on cases.  A handle acts for one person under one configuration;
 * both must outlive the handle's use.  Every rule of SPEC sections 3 and 4
 * is checked here, for the command line and the terminal interface alike.
 */
void cr_db_set_user(cr_db *db, const struct cr_config *cfg, const struct cr_person *who);

/*
 * The Unix login running the program (the real uid's, found by the caller:
 * core reads nothing of the process), recorded in every audit event beside
 * the roster login acted as.  NULL records none.
 */
enum cr_status cr_db_set_os_login(cr_db *db, const char *login);

/*
 * The session's purpose (DPA 2018 s.62), recorded with every audit event the
 * handle writes from now on.  Call after cr_db_set_user.  With
 * audit.purposes in the configuration it must be one of them (CR_USAGE
 * with the list otherwise); a blank purpose clears it.  With
 * audit.require_purpose, a consultation (a view of a case, of its history,
 * of the audit log) without one is refused.
 */
enum cr_status cr_db_set_purpose(cr_db *db, const char *purpose);
const char *cr_db_purpose(const cr_db *db);

/*
 * Whether the handle opened a read-only copy (a file nobody may write, or
 * one this user or its directory cannot write): it is read as it is, never
 * migrated; every change is refused (CR_DB, saying so), and consultations
 * go unrecorded: cr_db_unrecorded counts the events that could not be
 * written, so that the caller can say so.
 */
int cr_db_read_only(const cr_db *db);
int64_t cr_db_unrecorded(const cr_db *db);

/* What cr_migrate copied: rows per table (the trail last), and how it ended. */
#define CR_MIGRATE_TABLES 21
struct cr_migrate_result {
    size_t n;
    struct {
        const char *table; /* static */
        int64_t rows;
    } tables[CR_MIGRATE_TABLES];
    int64_t events;   /* the source's events, re-sealed */
    char head[65];    /* the source's last hash, hex */
    bool committed;   /* the copy was committed in the destination */
    int64_t verified; /* the destination's events verified on arrival (events + 1) */
};

/*
 * Copy the database `from` (opened, its user set as an admin of its pinned
 * configuration) into `to` (opened, new or holding no case and no event),
 * whatever the engines (README, "Moving between engines"): the source's
 * chain verified first; every table with its ids, the counters, the
 * configuration in force, in one transaction on `to`, every event re-sealed
 * with to's own key, then a `migrated` event naming the source; committed,
 * then to's chain verified.  Returns CR_OK, or the failure with its message
 * on `to` (cr_db_errmsg(to)): nothing written unless out->committed, when
 * the copy is there but did not verify (the caller should remove it).
 */
enum cr_status cr_migrate(cr_db *from, cr_db *to, struct cr_migrate_result *out);

/*
 * Live updates (README, "When one machine is not enough"): a descriptor
 * that becomes readable when another connection may have committed, to
 * wait on with poll() beside the terminal; then cr_db_data_version says
 * whether anything changed.  Ask cr_db_data_version before each wait as
 * well (PostgreSQL: a notification that came in with an earlier reply is
 * no longer on the socket).  Returns the descriptor, which stays the
 * handle's (never close it) and may differ after any call on the handle,
 * so ask again before each wait; or -1 when there is none (SQLite and
 * memory: poll cr_db_data_version on a timer instead; PostgreSQL once the
 * connection is lost; no handle or none open).
 */
int cr_db_change_fd(cr_db *db);

#ifdef __cplusplus
}
#endif

#endif
