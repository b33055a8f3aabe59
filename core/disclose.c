/*
 * Disclosures (see casereview.h): the two audit events that bracket every
 * byte of personal data, or of figures drawn from it, that leaves the
 * program.  The writing itself belongs to the caller; what is recorded, and
 * who may disclose, belongs here.
 */
#include "internal.h"

#include <string.h>

enum cr_status
cr_audit_record(cr_db *db, const char *action, const char *details, int64_t *id)
{
    if (!details)
        return cr_fail(db, CR_NOMEM, "out of memory");
    enum cr_status st = st_begin(db);
    if (st != CR_OK)
        return st;
    if ((st = cr_audit_append(db, 0, action, NULL, NULL, details)) == CR_OK && id)
        st = st_audit_last(db, id);
    if (st == CR_OK)
        return st_commit(db);
    st_rollback(db);
    return st;
}

enum cr_status
cr_disclosure_begin(cr_db *db, const struct cr_disclosure *d, int64_t *id)
{
    *id = 0;
    const char *kind = d->kind ? d->kind : "export";
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, kind);
    if (st != CR_OK)
        return st;
    if (cr_blank(d->reason) || cr_blank(d->recipient))
        return cr_fail(db, CR_REFUSED, "%s is a disclosure and needs a reason and a recipient",
                       kind);
    struct cr_buf b = {0};
    cr_buf_addf(&b, "{\"stage\": \"begin\", \"kind\": ");
    cr_buf_add_json(&b, kind);
    cr_buf_addf(&b, ", \"reason\": ");
    cr_buf_add_json(&b, d->reason);
    cr_buf_addf(&b, ", \"recipient\": ");
    cr_buf_add_json(&b, d->recipient);
    cr_buf_addf(&b, ", \"format\": ");
    cr_buf_add_json(&b, d->format ? d->format : "");
    cr_buf_addf(&b, ", \"destination\": ");
    cr_buf_add_json(&b, d->destination ? d->destination : "standard output");
    cr_buf_addc(&b, '}');
    st = cr_audit_record(db, "disclosure", b.p, id);
    cr_buf_free(&b);
    return st;
}

enum cr_status
cr_disclosure_end(cr_db *db, int64_t begin_id, const struct cr_disclosure_end *e)
{
    if (begin_id <= 0)
        return cr_fail(db, CR_USAGE, "a disclosure ends only after it began");
    if (!st_user(db))
        return cr_fail(db, CR_REFUSED, "nobody is signed in on this handle");
    char hex[65];
    for (int i = 0; i < 32; i++) {
        static const char digits[] = "0123456789abcdef";
        hex[2 * i] = digits[e->digest[i] >> 4];
        hex[2 * i + 1] = digits[e->digest[i] & 15];
    }
    hex[64] = '\0';
    struct cr_buf b = {0};
    cr_buf_addf(&b, "{\"stage\": \"end\", \"begin\": %lld, \"complete\": %s", (long long)begin_id,
                e->complete ? "true" : "false");
    if (!e->complete) {
        cr_buf_addf(&b, ", \"error\": ");
        cr_buf_add_json(&b, e->error ? e->error : "unknown");
    }
    cr_buf_addf(&b, ", \"rows\": %lld, \"bytes\": %lld, \"digest\": \"%s\"", (long long)e->rows,
                (long long)e->bytes, hex);
    if (e->cases) {
        cr_buf_addf(&b, ", \"cases\": ");
        cr_buf_add_json(&b, e->cases);
    }
    cr_buf_addc(&b, '}');
    enum cr_status st = cr_audit_record(db, "disclosure", b.p, NULL);
    cr_buf_free(&b);
    return st;
}
