/*
 * The in-memory engine's handle: databases kept by path, opening and
 * closing, and transactions.
 *
 * A database lives in this process's memory, and is kept by its path for
 * the life of the process, so that a handle opened again on the same path
 * finds what an earlier one committed (the unit tests open, act, close and
 * open again, as the program's commands do).  So that a path behaves as a
 * database file does for whoever works with files beside the engine, each
 * database also has a small file at its path naming it and the last change
 * committed: a removed file removes the database, and a copy of the file
 * opens as a copy of the database as it was when the file was copied (the
 * copy is taken when it is first opened; if the original changed
 * meanwhile, opening the copy says so rather than guess).  Its audit key is
 * written beside it (PATH.key, in the SQLite engine's format) so that the
 * pair of files travels as the SQLite engine's does, but the engine keeps
 * the key with the database and never reads the file back.  Nothing of the
 * data is ever written to a file: when the process ends, the databases go.
 * ":memory:" is a new, private database at every open, as with SQLite.
 *
 * Transactions: begin keeps an undo record (tables.c); rollback goes back
 * with it, commit drops it.  One handle writes at a time; the others read
 * the database as last committed meanwhile (a copy made when one first
 * reads during the transaction).
 */
/* realpath(), for the name a database is kept by. */
#define _XOPEN_SOURCE 700

#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The schema of core/sqlite/schema.c whose data this engine holds. */
#define MEM_SCHEMA_VERSION 6

/* The first line of a database's file: what it is, its serial and its last change. */
#define MEM_MAGIC "casereview-memory-database 1"

struct mem_file {
    struct mem_file *next;
    char *path;            /* NULL: private (":memory:"), or no longer at its path */
    uint64_t serial;       /* names it in its file: random, so no other process's is the same */
    struct mem_data *data; /* as the writer changes it */
    struct mem_undo *undo; /* during a write transaction: how to go back */
    struct mem_data *view; /* during one: the data as last committed, for other handles */
    struct mem_conn *writer;
    int64_t commits;
    int refs;
    unsigned char key[CR_AUDIT_KEY_BYTES];
};

static struct mem_file *files;

struct mem_conn *
mem_conn(const cr_db *db)
{
    return cr_store_ctx(db);
}

struct mem_data *
mem_data(const cr_db *db)
{
    struct mem_conn *c = mem_conn(db);
    struct mem_file *f = c->file;
    /* Another handle's transaction is not seen until it commits. */
    if (!f->writer || f->writer == c)
        return f->data;
    if (!f->view)
        f->view = mem_undo_view(f->data, f->undo);
    /* Out of memory for the copy: the data as it is (nothing else can be read). */
    return f->view ? f->view : f->data;
}

const unsigned char *
mem_key(const cr_db *db)
{
    return mem_conn(db)->file->key;
}

const char *
mem_path(const cr_db *db)
{
    return mem_conn(db)->path;
}

static void
file_unref(struct mem_file *f)
{
    if (!f || --f->refs > 0)
        return;
    if (f->path)
        return; /* kept by path for the life of the process */
    mem_data_free(f->data);
    mem_undo_free(f->undo);
    mem_data_free(f->view);
    sodium_memzero(f->key, sizeof f->key);
    free(f);
}

/* Take a database off its path (its file was removed, or discarded). */
static void
file_forget(struct mem_file *f)
{
    for (struct mem_file **p = &files; *p; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next;
            break;
        }
    }
    free(f->path);
    f->path = NULL;
    f->refs++;
    file_unref(f);
}

static struct mem_file *
file_of_serial(uint64_t serial)
{
    for (struct mem_file *f = files; f; f = f->next)
        if (f->serial == serial)
            return f;
    return NULL;
}

static struct mem_file *
file_new(const char *path, struct mem_data *data)
{
    struct mem_file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->data = data;
    if (sodium_init() < 0) {
        free(f);
        return NULL;
    }
    do
        f->serial = (uint64_t)randombytes_random() << 32 | randombytes_random();
    while (f->serial == 0 || file_of_serial(f->serial));
    if (path) {
        if (!(f->path = strdup(path))) {
            free(f);
            return NULL;
        }
        f->next = files;
        files = f;
    }
    return f;
}

/* The file at the database's path: what it is and its last change; 0600 or 0660 when made. */
static enum cr_status
write_marker(cr_db *db, struct mem_file *f, bool create, bool group)
{
    if (!f->path)
        return CR_OK;
    mode_t mode = group ? 0660 : 0600;
    int fd = open(f->path,
                  O_WRONLY | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : O_TRUNC), mode);
    if (fd < 0)
        return cr_fail(db, CR_DB, "%s: cannot create: %s", mem_path(db), strerror(errno));
    char text[128];
    int n = snprintf(text, sizeof text, MEM_MAGIC " %llu %lld\n", (unsigned long long)f->serial,
                     (long long)f->commits);
    bool ok = (!create || fchmod(fd, mode) == 0) && write(fd, text, (size_t)n) == n;
    int err = errno;
    if (close(fd) != 0 || !ok)
        return cr_fail(db, CR_DB, "%s: cannot write: %s", mem_path(db), strerror(ok ? errno : err));
    return CR_OK;
}

/* The audit key beside the database (PATH.key), in the SQLite engine's format. */
static enum cr_status
write_key(cr_db *db, struct mem_file *f, bool group)
{
    static const unsigned char zero[32];
    if (sodium_init() < 0)
        return cr_fail(db, CR_DB, "%s.key: cannot make an audit key: no random numbers",
                       mem_path(db));
    randombytes_buf(f->key, sizeof f->key);
    if (!f->path)
        return CR_OK;
    struct cr_buf path = {0}, text = {0};
    char key[2 * CR_AUDIT_KEY_BYTES + 1], anchor[65];
    sodium_bin2hex(key, sizeof key, f->key, sizeof f->key);
    sodium_bin2hex(anchor, sizeof anchor, zero, sizeof zero);
    cr_buf_addf(&path, "%s.key", f->path);
    cr_buf_addf(&text, "casereview-audit-key 1\nkeyed-from 1\nanchor %s\nkey %s\n", anchor, key);
    sodium_memzero(key, sizeof key);
    enum cr_status st = CR_OK;
    if (!path.p || !text.p) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
    } else {
        mode_t mode = group ? 0660 : 0600;
        int fd = open(path.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0 && errno == EEXIST) {
            st = cr_fail(db, CR_DB,
                         "%s.key: an audit key is there already, but %s has no keyed trail yet, "
                         "so the key belongs to another database; move it away and try again",
                         mem_path(db), mem_path(db));
        } else {
            bool ok = fd >= 0 && fchmod(fd, mode) == 0 &&
                      write(fd, text.p, text.len) == (ssize_t)text.len;
            int err = errno;
            if ((fd >= 0 && close(fd) != 0) || !ok)
                st = cr_fail(db, CR_DB, "%s.key: cannot write the audit key: %s", mem_path(db),
                             strerror(ok ? errno : err));
        }
    }
    if (text.p)
        sodium_memzero(text.p, text.len);
    cr_buf_free(&text);
    cr_buf_free(&path);
    return st;
}

/* Remove the database's file and its key. */
static void
remove_side_files(const char *path)
{
    struct cr_buf b = {0};
    if (cr_buf_addf(&b, "%s.key", path) == 0)
        unlink(b.p);
    cr_buf_free(&b);
    unlink(path);
}

static struct mem_file *
file_at(const char *path)
{
    for (struct mem_file *f = files; f; f = f->next)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}

/*
 * The name a database is kept by: its directory's real path and its file
 * name, so that "a.db", "./a.db" and a path through a symbolic link to the
 * directory name one database, as they name one file.  The path as given
 * when the directory cannot be resolved (opening then says why).
 */
static char *
canonical(const char *path)
{
    char *copy = strdup(path), *copy2 = strdup(path);
    char *dir = copy ? realpath(dirname(copy), NULL) : NULL;
    struct cr_buf b = {0};
    if (dir && copy2)
        cr_buf_addf(&b, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, basename(copy2));
    free(dir);
    free(copy);
    free(copy2);
    return b.p ? b.p : strdup(path);
}

/* A new database at path (or private), with its file and key. */
static enum cr_status
create_database(cr_db *db, struct mem_conn *c, const char *path, bool group, bool file_made)
{
    struct mem_data *d = mem_data_new();
    struct mem_file *f = d ? file_new(path, d) : NULL;
    if (!f) {
        mem_data_free(d);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    f->refs = 1;
    c->file = f;
    d->group_access = group;
    enum cr_status st = write_key(db, f, group);
    if (st == CR_OK && path)
        st = write_marker(db, f, !file_made, group);
    if (st == CR_OK) {
        c->created = true;
        c->filled = file_made;
    }
    return st;
}

/* Open the database whose file says it is serial at change commits; a copy is copied now. */
static enum cr_status
open_existing(cr_db *db, struct mem_conn *c, const char *path, uint64_t serial, int64_t commits)
{
    struct mem_file *f = file_at(path);
    if (f && f->serial == serial) {
        f->refs++;
        c->file = f;
        return CR_OK;
    }
    /* Another file at the path now: the old database went with the old file. */
    if (f)
        file_forget(f);
    struct mem_file *from = file_of_serial(serial);
    if (!from)
        return cr_fail(db, CR_DB,
                       "%s: an in-memory database of another process, gone with it; "
                       "nothing of it is left to open",
                       mem_path(db));
    if (from->commits != commits)
        return cr_fail(db, CR_DB,
                       "%s: a copy of %s as it was at its change %lld, but it has changed "
                       "since (change %lld); an in-memory database is copied when the copy is "
                       "first opened: copy it again",
                       mem_path(db), from->path ? from->path : "a database", (long long)commits,
                       (long long)from->commits);
    struct mem_data *d =
        from->writer ? mem_undo_view(from->data, from->undo) : mem_data_clone(from->data);
    struct mem_file *copy = d ? file_new(path, d) : NULL;
    if (!copy) {
        mem_data_free(d);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    copy->refs = 1;
    memcpy(copy->key, from->key, sizeof copy->key);
    c->file = copy;
    return write_marker(db, copy, false, false);
}

enum cr_status
mem_open(cr_db *db, const char *path, unsigned flags, const char *connection, void **ctx)
{
    struct mem_conn *c = calloc(1, sizeof *c);
    *ctx = c;
    if (!c || !(c->path = strdup(path)))
        return cr_fail(db, CR_NOMEM, "out of memory");
    if (connection)
        return cr_fail(db, CR_USAGE,
                       "the memory engine names a database by its path and takes no connection "
                       "string ('%s')",
                       connection);
    bool group = flags & (CR_OPEN_GROUP | CR_OPEN_SERVICE);
    if (strcmp(path, ":memory:") == 0)
        return create_database(db, c, NULL, false, false);
    if (!(c->key = canonical(path)))
        return cr_fail(db, CR_NOMEM, "out of memory");
    struct stat sb;
    if (lstat(path, &sb) < 0) {
        if (errno != ENOENT)
            return cr_fail(db, CR_DB, "%s: %s", path, strerror(errno));
        /* The file was removed: so was its database. */
        struct mem_file *gone = file_at(c->key);
        if (gone)
            file_forget(gone);
        if (!(flags & CR_OPEN_CREATE))
            return cr_fail(db, CR_DB,
                           "%s: no such database; create it with 'casereview init' or "
                           "'casereview import'",
                           path);
        return create_database(db, c, c->key, group, false);
    }
    if (!S_ISREG(sb.st_mode))
        return cr_fail(db, CR_DB, "%s: not a regular file", path);
    if (sb.st_mode & 0007)
        return cr_fail(db, CR_DB,
                       "%s: other users can read or write this database, which holds "
                       "special-category personal data; run 'chmod o-rwx %s' and try again",
                       path, path);
    /*
     * A file nobody may write is an auditor's read-only copy to the SQLite
     * engine, which reads it as it is.  Nothing here is a copy of a file:
     * the memory engine has no read-only databases, and says so.
     */
    if (!(sb.st_mode & 0222) || faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0)
        return cr_fail(db, CR_DB,
                       "%s: a file that cannot be written, which the SQLite engine would read "
                       "as a read-only copy; the memory engine keeps no read-only copies: "
                       "open it with the SQLite engine, or make it writable",
                       path);
    if (sb.st_size == 0) {
        struct mem_file *gone = file_at(c->key);
        if (gone)
            file_forget(gone);
        if (!(flags & CR_OPEN_CREATE))
            return cr_fail(db, CR_DB,
                           "%s: the file is empty, not a casereview database; 'casereview init' "
                           "makes an empty database in it, 'casereview import FILE' one with "
                           "cases",
                           path);
        return create_database(db, c, c->key, group || (sb.st_mode & 0070), true);
    }
    char text[128] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n < 0)
        return cr_fail(db, CR_DB, "%s: %s", path, strerror(errno));
    unsigned long long serial;
    long long commits;
    if (strncmp(text, MEM_MAGIC " ", sizeof MEM_MAGIC) != 0 ||
        sscanf(text + sizeof MEM_MAGIC, "%llu %lld", &serial, &commits) != 2)
        return cr_fail(db, CR_DB, "%s: not a casereview database", path);
    enum cr_status st = open_existing(db, c, c->key, serial, commits);
    if (st != CR_OK)
        return st;
    if ((sb.st_mode & 0070) && !mem_data(db)->group_access)
        return cr_fail(db, CR_DB,
                       "%s: its group can read or write this database, but it was not "
                       "created for group use (casereview init --group); run "
                       "'chmod 600 %s' and try again",
                       path, path);
    return CR_OK;
}

void
mem_close(cr_db *db)
{
    struct mem_conn *c = mem_conn(db);
    if (!c)
        return;
    if (c->file && c->file->writer == c)
        mem_rollback(db);
    file_unref(c->file);
    free(c->import_cases);
    for (size_t i = 0; i < CR_SUBJECT_DETAILS; i++)
        free(c->import_old[i]);
    free(c->path);
    free(c->key);
    free(c);
}

void
mem_discard(cr_db *db)
{
    struct mem_conn *c = mem_conn(db);
    if (!c || !c->created || !c->file || !c->file->path)
        return;
    if (c->file->writer == c)
        mem_rollback(db);
    if (c->filled) {
        /* It was an empty file: it is one again; the key made for it goes. */
        struct cr_buf key = {0};
        if (truncate(c->file->path, 0) == 0 && cr_buf_addf(&key, "%s.key", c->file->path) == 0)
            unlink(key.p);
        cr_buf_free(&key);
    } else {
        remove_side_files(c->file->path);
    }
    file_forget(c->file);
}

int
mem_created(const cr_db *db)
{
    struct mem_conn *c = mem_conn(db);
    return c && c->created;
}

int
mem_schema_version(const cr_db *db)
{
    (void)db;
    return MEM_SCHEMA_VERSION;
}

/* Nothing in memory is a read-only copy: every database here can be written. */
int
mem_read_only(const cr_db *db)
{
    (void)db;
    return 0;
}

enum cr_status
mem_writable(cr_db *db)
{
    (void)db;
    return CR_OK;
}

/* Changes committed by other handles, as SQLite's data_version counts them. */
enum cr_status
mem_data_version(cr_db *db, int64_t *version)
{
    struct mem_conn *c = mem_conn(db);
    *version = c->file->commits - c->own_commits;
    return CR_OK;
}

enum cr_status
mem_begin(cr_db *db)
{
    struct mem_conn *c = mem_conn(db);
    struct mem_file *f = c->file;
    if (f->writer == c)
        return cr_fail(db, CR_DB, "%s: begin: cannot start a transaction within a transaction",
                       c->path);
    if (f->writer)
        return cr_fail(db, CR_BUSY, "%s: the database is busy (another user holds it); try again",
                       c->path);
    f->undo = mem_undo_begin(f->data);
    if (!f->undo)
        return cr_fail(db, CR_NOMEM, "out of memory");
    f->writer = c;
    return CR_OK;
}

enum cr_status
mem_commit(cr_db *db)
{
    struct mem_conn *c = mem_conn(db);
    struct mem_file *f = c->file;
    if (f->writer != c)
        return cr_fail(db, CR_DB, "%s: commit: cannot commit - no transaction is active", c->path);
    /* The file names the change committed, for a copy made of it: written first. */
    f->commits++;
    enum cr_status st = write_marker(db, f, false, false);
    if (st != CR_OK) {
        f->commits--;
        mem_rollback(db);
        return st;
    }
    mem_undo_free(f->undo);
    mem_data_free(f->view);
    f->undo = NULL;
    f->view = NULL;
    f->writer = NULL;
    c->own_commits++;
    f->data->data_version = f->commits;
    return CR_OK;
}

void
mem_rollback(cr_db *db)
{
    struct mem_conn *c = mem_conn(db);
    struct mem_file *f = c->file;
    if (f->writer != c)
        return;
    mem_undo_rollback(f->data, f->undo);
    mem_data_free(f->view);
    f->undo = NULL;
    f->view = NULL;
    f->writer = NULL;
}

enum cr_status
mem_in_transaction(cr_db *db, const char *what)
{
    struct mem_conn *c = mem_conn(db);
    if (c->file->writer == c)
        return CR_OK;
    return cr_fail(db, CR_DB, "%s: %s: no write transaction is open", c->path, what);
}

enum cr_status
mem_constraint(cr_db *db, const char *what, const char *columns)
{
    return cr_fail(db, CR_DB, "%s: %s: UNIQUE constraint failed: %s", mem_path(db), what, columns);
}
