/*
 * The audit trail's hash chain (SPEC section 5).
 *
 * Each event is hashed with the hash of the one before it, so that editing,
 * removing or reordering any event breaks the chain from there on.  The
 * canonical form is every field in a fixed order, each written as its
 * length, a colon and its bytes (a NULL as a lone '~'), so that no two
 * different events can have the same bytes.  The hash is BLAKE2b-256
 * (libsodium's crypto_generichash), keyed with the database's audit key
 * (kept in a file beside it, never in it) from the first event written
 * after keying; events written before keying keep their unkeyed form
 * ("v1"), and the key file names where keying began (README, "Audit").
 */
#include "internal.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void
put_text(crypto_generichash_state *h, const char *s)
{
    char len[32];
    if (!s) {
        crypto_generichash_update(h, (const unsigned char *)"~,", 2);
        return;
    }
    size_t n = strlen(s);
    int k = snprintf(len, sizeof len, "%zu:", n);
    crypto_generichash_update(h, (const unsigned char *)len, (size_t)k);
    crypto_generichash_update(h, (const unsigned char *)s, n);
    crypto_generichash_update(h, (const unsigned char *)",", 1);
}

static void
put_int(crypto_generichash_state *h, int64_t v)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)v);
    put_text(h, num);
}

void
cr_audit_hash(const unsigned char *key, const unsigned char prev[32], const struct cr_event *e,
              unsigned char out[32])
{
    crypto_generichash_state h;
    if (key) {
        /* Keyed: nobody without the key can compute a hash the chain accepts. */
        crypto_generichash_init(&h, key, CR_AUDIT_KEY_BYTES, 32);
        crypto_generichash_update(&h, (const unsigned char *)"casereview-audit-v2,", 20);
    } else {
        crypto_generichash_init(&h, NULL, 0, 32);
        crypto_generichash_update(&h, (const unsigned char *)"casereview-audit-v1,", 20);
    }
    crypto_generichash_update(&h, prev, 32);
    put_int(&h, e->id);
    put_int(&h, e->at);
    put_text(&h, e->actor);
    put_int(&h, e->case_id);
    put_text(&h, e->action);
    put_text(&h, e->state_before);
    put_text(&h, e->state_after);
    put_text(&h, e->details);
    put_text(&h, e->config_digest);
    if (key)
        put_text(&h, e->purpose);
    /*
     * The Unix login (schema 6) follows when there is one: events written
     * before it keep their bytes, and adding or removing it breaks the hash.
     */
    if (key && e->os_login)
        put_text(&h, e->os_login);
    crypto_generichash_final(&h, out, 32);
}

/*
 * The trail's public reads: the admin's alone (SPEC section 1), checked
 * here, above the engine, which only reads what it is asked to.
 */

enum cr_status
cr_audit_head(cr_db *db, struct cr_audit_head *out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, "audit head");
    return st == CR_OK ? st_audit_head(db, out) : st;
}

enum cr_status
cr_audit_verify_heads(cr_db *db, const struct cr_audit_head *kept, size_t n_kept,
                      int64_t *events)
{
    *events = 0;
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, "audit verify");
    return st == CR_OK ? st_audit_verify(db, kept, n_kept, events) : st;
}

enum cr_status
cr_audit_verify(cr_db *db, int64_t *events)
{
    return cr_audit_verify_heads(db, NULL, 0, events);
}

enum cr_status
cr_audit_log(cr_db *db, const struct cr_audit_filter *f,
             int (*each)(void *ctx, const struct cr_event *e), void *ctx, int64_t *n)
{
    *n = 0;
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, "audit log");
    return st == CR_OK ? st_audit_log(db, f, each, ctx, n) : st;
}

int
cr_audit_head_parse(const char *s, struct cr_audit_head *out)
{
    memset(out, 0, sizeof *out);
    unsigned char h[32];
    char *end;
    /* HASH[:COUNT]: events are numbered from 1 without gaps, so the count names the event. */
    size_t hexlen = strspn(s, "0123456789abcdefABCDEF");
    if (hexlen == 64 && (s[64] == '\0' || s[64] == ':')) {
        char hex[65];
        memcpy(hex, s, 64);
        hex[64] = '\0';
        if (!cr_unhex(hex, h, 32))
            return -1;
        if (s[64] == ':') {
            if (!(s[65] >= '0' && s[65] <= '9'))
                return -1;
            errno = 0;
            long long count = strtoll(s + 65, &end, 10);
            if (*end || errno || count < 1)
                return -1;
            out->event = count;
        }
        cr_hex_of(h, 32, out->hash);
        return 0;
    }
    /* ID:HEX, as `audit head` prints it. */
    errno = 0;
    long long id = strtoll(s, &end, 10);
    if (end == s || *end != ':' || errno || id < 1 || strlen(end + 1) != 64)
        return -1;
    if (!cr_unhex(end + 1, h, 32))
        return -1;
    out->event = id;
    cr_hex_of(h, 32, out->hash);
    return 0;
}
