/*
 * The notice of a handle's last action (cr_last_notice): what a `notify:`
 * command is run with.  Core decides who it concerns (workflow.c) and keeps
 * it here; the program runs the command, after the action committed, and
 * reports a failure back (cr_notice_failed).  Nothing here runs anything.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct cr_notice_store {
    struct cr_notice pub;
    char *kind;
    char **logins;
    struct cr_notice_store *next; /* the action's next notice (a bulk assign's next case) */
};

void
cr_notice_store_free(struct cr_notice_store *n)
{
    while (n) {
        struct cr_notice_store *next = n->next;
        for (size_t i = 0; i < n->pub.n_recipients; i++)
            free(n->logins[i]);
        free(n->logins);
        free(n->kind);
        free(n);
        n = next;
    }
}

void
cr_notice_clear(cr_db *db)
{
    struct cr_notice_store **slot = st_notice(db);
    cr_notice_store_free(*slot);
    *slot = NULL;
}

void
cr_notice_set(cr_db *db, const char *kind, int64_t case_id, const char *const *logins, size_t n)
{
    cr_notice_clear(db);
    cr_notice_add(db, kind, case_id, logins, n);
}

void
cr_notice_add(cr_db *db, const char *kind, int64_t case_id, const char *const *logins, size_t n)
{
    struct cr_notice_store **slot = st_notice(db);
    while (*slot)
        slot = &(*slot)->next;
    struct cr_notice_store *x = calloc(1, sizeof *x);
    if (!x)
        return;
    x->kind = strdup(kind);
    x->logins = calloc(n ? n : 1, sizeof *x->logins);
    bool ok = x->kind && x->logins;
    for (size_t i = 0; ok && i < n; i++) {
        ok = (x->logins[i] = strdup(logins[i])) != NULL;
        x->pub.n_recipients = ok ? i + 1 : i;
    }
    if (!ok) {
        cr_notice_store_free(x);
        return;
    }
    x->pub.kind = x->kind;
    x->pub.case_id = case_id;
    x->pub.recipients = (const char *const *)x->logins;
    *slot = x;
}

const struct cr_notice *
cr_last_notice(const cr_db *db)
{
    return cr_last_notice_at(db, 0);
}

const struct cr_notice *
cr_last_notice_at(const cr_db *db, size_t i)
{
    const struct cr_notice_store *x = st_notice_of(db);
    for (; x && i; i--)
        x = x->next;
    return x ? &x->pub : NULL;
}

enum cr_status
cr_notice_failed(cr_db *db, const struct cr_notice *n, const char *what)
{
    if (!db)
        return CR_USAGE;
    if (!n || !what)
        return cr_fail(db, CR_USAGE, "a failed notice needs the notice and what went wrong");
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK || (st = st_writable(db)) != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    /* The kind and the failure, never the recipients' names or anything of the case. */
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"event\": ");
    cr_buf_add_json(&d, n->kind);
    cr_buf_addf(&d, ", \"recipients\": %zu, \"failed\": ", n->n_recipients);
    cr_buf_add_json(&d, what);
    cr_buf_addc(&d, '}');
    if (!d.p)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    else
        st = cr_audit_append(db, n->case_id, "notify", NULL, NULL, d.p);
    if (st == CR_OK)
        st = st_commit(db);
    else
        st_rollback(db);
    cr_buf_free(&d);
    return st;
}
