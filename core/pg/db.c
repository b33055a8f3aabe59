/*
 * The PostgreSQL engine's handle: the connection, errors, calls with
 * arguments, transactions and the notifications that stand for other
 * people's commits.  The schema and its migrations are schema.c's; every
 * table is read and written by the server's functions (sql/), never here.
 */
#include "pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a writer waits for the chain's lock before the database is busy (as SQLite's). */
#define PG_LOCK_TIMEOUT "5s"
/* A serialization failure or deadlock is retried this many times before it is busy. */
#define PG_RETRIES 3

/* Arguments */

void
pg_args_init(struct pg_args *a)
{
    memset(a, 0, sizeof *a);
}

void
pg_args_free(struct pg_args *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->own[i]);
    pg_args_init(a);
}

static void
put(struct pg_args *a, const char *v, char *own)
{
    if (a->n == PG_MAX_ARGS) {
        free(own);
        a->nomem = true;
        return;
    }
    a->v[a->n] = v;
    a->own[a->n] = own;
    a->n++;
}

void
pg_arg_text(struct pg_args *a, const char *s)
{
    put(a, s, NULL);
}

void
pg_arg_int(struct pg_args *a, int64_t v)
{
    char *s = malloc(24);
    if (!s) {
        a->nomem = true;
        return;
    }
    snprintf(s, 24, "%" PRId64, v);
    put(a, s, s);
}

void
pg_arg_bytes(struct pg_args *a, const unsigned char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *s = malloc(2 * n + 3);
    if (!s) {
        a->nomem = true;
        return;
    }
    s[0] = '\\';
    s[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        s[2 + 2 * i] = hex[p[i] >> 4];
        s[3 + 2 * i] = hex[p[i] & 15];
    }
    s[2 + 2 * n] = '\0';
    put(a, s, s);
}

void
pg_arg_ints(struct pg_args *a, const int64_t *v, size_t n)
{
    struct cr_buf b = {0};
    int bad = cr_buf_add(&b, "{", 1);
    for (size_t i = 0; i < n; i++)
        bad |= cr_buf_addf(&b, "%s%" PRId64, i ? "," : "", v[i]);
    bad |= cr_buf_add(&b, "}", 1);
    if (bad < 0 || !b.p) {
        cr_buf_free(&b);
        a->nomem = true;
        return;
    }
    put(a, b.p, b.p);
}

/* Errors */

/* The first line of a message from libpq, without its "ERROR:  " and trailing newline. */
static void
first_line(const char *msg, struct cr_buf *out)
{
    if (!msg)
        msg = "";
    if (strncmp(msg, "ERROR:  ", 8) == 0)
        msg += 8;
    size_t n = strcspn(msg, "\n");
    cr_buf_add(out, msg, n);
}

enum cr_status
pg_fail(cr_db *db, const PGresult *r, const char *what)
{
    struct pg_db *p = pg(db);
    const char *label = p && p->label ? p->label : "PostgreSQL";
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!state)
        state = "";
    if (strcmp(state, "CR001") == 0 || strcmp(state, "CR403") == 0)
        return cr_fail(db, CR_REFUSED, "%s", primary ? primary : "refused by the server");
    if (strcmp(state, "CR002") == 0)
        return cr_fail(db, CR_NOT_FOUND, "%s", primary ? primary : "not found");
    if (strcmp(state, "CR003") == 0)
        return cr_fail(db, CR_INVALID, "%s", primary ? primary : "invalid");
    if (strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        return cr_fail(db, CR_BUSY, "%s: the database is busy (another user holds it); try again",
                       label);
    if (strcmp(state, "53200") == 0)
        return cr_fail(db, CR_NOMEM, "%s: %s: the server is out of memory", label, what);
    if (strncmp(state, "28", 2) == 0 || strcmp(state, "42501") == 0)
        return cr_fail(db, CR_REFUSED, "%s: %s: %s", label, what,
                       primary ? primary : "permission denied");
    struct cr_buf b = {0};
    first_line(primary ? primary : p && p->conn ? PQerrorMessage(p->conn) : "no connection", &b);
    enum cr_status st = cr_fail(db, CR_DB, "%s: %s: %s", label, what, b.p ? b.p : "");
    cr_buf_free(&b);
    return st;
}

/* Whether a failed result is worth another try: a serialization failure or a deadlock. */
static bool
retryable(const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
}

PGresult *
pg_query(cr_db *db, const char *what, const char *sql, const struct pg_args *a, enum cr_status *st)
{
    if (a && a->nomem) {
        *st = cr_fail(db, CR_NOMEM, "out of memory");
        return NULL;
    }
    PGresult *r =
        PQexecParams(pg(db)->conn, sql, a ? a->n : 0, NULL, a ? a->v : NULL, NULL, NULL, 0);
    ExecStatusType es = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (es == PGRES_TUPLES_OK || es == PGRES_COMMAND_OK)
        return r;
    *st = pg_fail(db, r, what);
    PQclear(r);
    return NULL;
}

enum cr_status
pg_exec(cr_db *db, const char *what, const char *sql, const struct pg_args *a)
{
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, what, sql, a, &st);
    PQclear(r);
    return r ? CR_OK : st;
}

/* Fields */

bool
pg_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col);
}

int64_t
pg_int(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

const char *
pg_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t
pg_bytes(const PGresult *r, int row, int col, unsigned char *out, size_t cap)
{
    const char *s = pg_text(r, row, col);
    if (!s || s[0] != '\\' || s[1] != 'x')
        return (size_t)-1;
    s += 2;
    size_t n = 0;
    for (; s[0] && s[1]; s += 2) {
        int hi = hex_digit(s[0]), lo = hex_digit(s[1]);
        if (hi < 0 || lo < 0 || n == cap)
            return (size_t)-1;
        out[n++] = (unsigned char)(hi << 4 | lo);
    }
    return *s ? (size_t)-1 : n;
}

/* The handle */

/* The database as messages name it: user, host and database, never a password. */
static char *
label_of(PGconn *c)
{
    const char *host = PQhost(c), *name = PQdb(c);
    struct cr_buf b = {0};
    if (cr_buf_addf(&b, "postgresql database %s%s%s", name ? name : "?",
                    host && *host ? " on " : "", host && *host ? host : "") < 0) {
        cr_buf_free(&b);
        return NULL;
    }
    return b.p;
}

bool pg_allow_incomplete;

static void
quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

enum cr_status
pg_open(cr_db *db, const char *path, unsigned flags, const char *connection, void **ctx)
{
    struct pg_db *p = calloc(1, sizeof *p);
    if (!p)
        return cr_fail(db, CR_NOMEM, "out of memory");
    *ctx = p;
    const char *missing = pg_missing();
    if (missing && !pg_allow_incomplete)
        return cr_fail(db, CR_DB,
                       "this casereview's PostgreSQL engine is not complete yet (it cannot %s); "
                       "use a database file",
                       missing);
    const char *info = connection ? connection : path;
    if (strncmp(info, "postgres:", 9) == 0 && strncmp(info, "postgres://", 11) != 0)
        info += 9;
    p->conn = PQconnectdb(info);
    if (!p->conn)
        return cr_fail(db, CR_NOMEM, "out of memory");
    if (PQstatus(p->conn) != CONNECTION_OK) {
        struct cr_buf b = {0};
        first_line(PQerrorMessage(p->conn), &b);
        enum cr_status st =
            cr_fail(db, CR_DB, "cannot connect to the PostgreSQL database: %s", b.p ? b.p : "");
        cr_buf_free(&b);
        return st;
    }
    /* The server's notices and warnings are not the user's to read: core never prints. */
    PQsetNoticeProcessor(p->conn, quiet, NULL);
    p->label = label_of(p->conn);
    if (!p->label)
        return cr_fail(db, CR_NOMEM, "out of memory");
    /* Notices ("relation exists, skipping") are the server's business, not the user's. */
    enum cr_status st = pg_exec(db, "connect",
                                "SELECT set_config('client_min_messages', 'warning', false), "
                                "set_config('search_path', 'casereview, pg_catalog', false)",
                                NULL);
    if (st != CR_OK)
        return st;
    if ((st = pg_schema_open(db, flags & CR_OPEN_CREATE)) != CR_OK)
        return st;
    /* Others' commits come as notifications (sql/: each audit event notifies). */
    return pg_exec(db, "listen", "LISTEN casereview_changes", NULL);
}

void
pg_close(cr_db *db)
{
    struct pg_db *p = pg(db);
    if (!p)
        return;
    if (p->conn)
        PQfinish(p->conn);
    free(p->label);
    free(p);
}

void
pg_discard(cr_db *db)
{
    struct pg_db *p = pg(db);
    if (!p || !p->created || !p->conn)
        return;
    PGresult *r = PQexec(p->conn, "ROLLBACK");
    PQclear(r);
    r = PQexec(p->conn, "DROP SCHEMA casereview CASCADE");
    PQclear(r);
}

const char *
pg_label(const cr_db *db)
{
    return pg(db) ? pg(db)->label : NULL;
}

int
pg_created(const cr_db *db)
{
    return pg(db)->created;
}

int
pg_schema_version(const cr_db *db)
{
    return pg(db)->version;
}

int
pg_read_only(const cr_db *db)
{
    (void)db;
    return 0;
}

enum cr_status
pg_writable(cr_db *db)
{
    (void)db;
    return CR_OK;
}

enum cr_status
pg_data_version(cr_db *db, int64_t *version)
{
    struct pg_db *p = pg(db);
    if (!PQconsumeInput(p->conn))
        return pg_fail(db, NULL, "read notifications");
    PGnotify *n;
    while ((n = PQnotifies(p->conn)) != NULL) {
        /* Our own commits notify us too: only others' change what we show. */
        if (n->be_pid != PQbackendPID(p->conn))
            p->seen++;
        PQfreemem(n);
    }
    *version = p->seen;
    return CR_OK;
}

/*
 * The socket the server's notifications come in on (LISTEN casereview_changes,
 * at open): readable when another session committed an audit event, or when
 * the server has something else to say (a notice, the connection's end),
 * which pg_data_version takes in.  None once the connection is lost.
 */
int
pg_change_fd(cr_db *db)
{
    struct pg_db *p = pg(db);
    if (!p || !p->conn || PQstatus(p->conn) != CONNECTION_OK)
        return -1;
    return PQsocket(p->conn);
}

/* Transactions */

enum cr_status
pg_begin(cr_db *db)
{
    struct pg_db *p = pg(db);
    enum cr_status st = CR_OK;
    for (int attempt = 0;; attempt++) {
        if ((st = pg_exec(db, "begin", "BEGIN", NULL)) != CR_OK)
            return st;
        struct pg_args a;
        pg_args_init(&a);
        pg_arg_int(&a, cr_db_now(db));
        PGresult *r = PQexecParams(
            p->conn, "SELECT casereview.cr_begin_write($1::bigint, '" PG_LOCK_TIMEOUT "')", a.n,
            NULL, a.v, NULL, NULL, 0);
        pg_args_free(&a);
        if (r && PQresultStatus(r) == PGRES_TUPLES_OK) {
            PQclear(r);
            p->in_tx = true;
            return CR_OK;
        }
        bool again = retryable(r) && attempt < PG_RETRIES;
        st = pg_fail(db, r, "begin");
        PQclear(r);
        PQclear(PQexec(p->conn, "ROLLBACK"));
        if (!again)
            return st;
    }
}

enum cr_status
pg_commit(cr_db *db)
{
    struct pg_db *p = pg(db);
    if (!p->in_tx)
        return cr_fail(db, CR_DB, "%s: commit: no transaction was begun", p->label);
    p->in_tx = false;
    PGresult *r = PQexec(p->conn, "COMMIT");
    /* A COMMIT of a failed transaction says ROLLBACK: nothing was written. */
    if (r && PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0) {
        PQclear(r);
        return CR_OK;
    }
    enum cr_status st =
        r && PQresultStatus(r) == PGRES_COMMAND_OK
            ? cr_fail(db, CR_DB, "%s: commit: the transaction was rolled back", p->label)
            : pg_fail(db, r, "commit");
    PQclear(r);
    return st;
}

void
pg_rollback(cr_db *db)
{
    struct pg_db *p = pg(db);
    if (!p->in_tx)
        return;
    p->in_tx = false;
    PQclear(PQexec(p->conn, "ROLLBACK"));
}

/* Read snapshots: one REPEATABLE READ transaction that reads only. */

enum cr_status
pg_read_begin(cr_db *db)
{
    enum cr_status st =
        pg_exec(db, "read", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL);
    if (st == CR_OK)
        pg(db)->in_read = true;
    return st;
}

void
pg_read_end(cr_db *db)
{
    struct pg_db *p = pg(db);
    if (!p->in_read)
        return;
    p->in_read = false;
    PQclear(PQexec(p->conn, "COMMIT"));
}

enum cr_status
pg_snapshot_begin(cr_db *db, bool *began)
{
    struct pg_db *p = pg(db);
    *began = false;
    if (p->in_tx || p->in_read)
        return CR_OK;
    enum cr_status st = pg_read_begin(db);
    *began = st == CR_OK;
    return st;
}

enum cr_status
pg_snapshot_end(cr_db *db, bool began, bool ok)
{
    (void)ok;
    if (began)
        pg_read_end(db);
    return CR_OK;
}
