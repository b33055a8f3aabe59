/*
 * casereview: the audit trail: its verification, its heads and its log.
 */
#ifndef CASEREVIEW_INCLUDE_AUDIT_H
#define CASEREVIEW_INCLUDE_AUDIT_H

#include <casereview/cases.h>
#include <casereview/db.h>
#include <casereview/status.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Check the audit trail (admin only): recompute its hash chain (keyed with
 * the audit key beside the database), then replay its events and compare
 * every case's row, decisions, approvals, votes and notes with what the
 * trail says.  CR_OK with *events the number checked, or CR_INVALID with
 * cr_db_errmsg() naming the first event that does not match, or the first
 * case whose rows differ and what differs ("audit: case 12: the cases table
 * says outcome nfa, the trail says refer (event 345)"); CR_DB when the
 * audit key is missing.
 */
enum cr_status cr_audit_verify(cr_db *db, int64_t *events);

/* A head of the chain: an event and its hash (64 hex digits), for keeping elsewhere. */
struct cr_audit_head {
    int64_t event; /* also the number of events up to it; 0: kept without it (any event) */
    char hash[65];
};

/*
 * The same, also checking that each kept head is still in the chain: its
 * event there, with that hash.  A cut or re-written trail fails naming the
 * head.
 */
enum cr_status cr_audit_verify_heads(cr_db *db, const struct cr_audit_head *kept, size_t n_kept,
                                     int64_t *events);

/* The chain's head now (admin only); event 0 when the trail is empty. */
enum cr_status cr_audit_head(cr_db *db, struct cr_audit_head *out);

/*
 * Parse "ID:HEX" (as `audit head` prints it), or "HEX:COUNT" or "HEX" (the
 * hash first, then the number of events, which is the head's event; without
 * it the hash may be any event's).  0, or -1 when it is not one.
 */
int cr_audit_head_parse(const char *s, struct cr_audit_head *out);

/* Which events `audit log` gives: each field unset (0 or NULL) matches all. */
struct cr_audit_filter {
    int64_t case_id;
    const char *actor;
    const char *action;
    int64_t since, until; /* at >= since, at < until; seconds since the epoch */
};

/*
 * The audit trail's events matching f, oldest first, for the admin only,
 * read in keyset pages; the reading is itself recorded first, as a "view"
 * event (a consultation) with the filter in its details.  each() returns 0
 * to go on.  *n is the number of events given.
 */
enum cr_status cr_audit_log(cr_db *db, const struct cr_audit_filter *f,
                            int (*each)(void *ctx, const struct cr_event *e), void *ctx,
                            int64_t *n);

#ifdef __cplusplus
}
#endif

#endif
