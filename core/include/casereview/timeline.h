/*
 * casereview: the subject's timeline and linked references (issue 13).
 *
 * A case shows its subject's whole history: every case of the subject (a
 * new case follows a closed one) with its state, outcome and dates, and
 * every allegation of all of them in one list by date, each marked with
 * its case.  A case may also carry linked references: the numbers other
 * systems gave the same matter (a crime reference, a misconduct case, an
 * IOPC reference), each with a status, from the import's `linked_refs`
 * column or added by `link`, removed by `unlink`.
 */
#ifndef CASEREVIEW_INCLUDE_TIMELINE_H
#define CASEREVIEW_INCLUDE_TIMELINE_H

#include <casereview/cases.h>
#include <casereview/db.h>
#include <casereview/status.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds of linked reference. */
enum cr_link_kind { CR_LINK_CRIME, CR_LINK_MISCONDUCT, CR_LINK_IOPC, CR_LINK_OTHER, CR_LINK_COUNT };

/* "crime", "misconduct", "iopc", "other"; NULL out of range. */
const char *cr_link_kind_name(int kind);
/* The kind named, or -1. */
int cr_link_kind_parse(const char *name);

/* The longest reference and status a link accepts, in bytes. */
#define CR_LINK_REF_MAX 64
#define CR_LINK_STATUS_MAX 32

/* One linked reference of a case. */
struct cr_link {
    int64_t case_id;
    int kind;             /* enum cr_link_kind */
    const char *ref;      /* as given: "CR/1234/24" */
    const char *status;   /* a word: open, closed, charged, ... */
    const char *added_by; /* the login that linked it, or NULL: an import (import_line then) */
    int64_t added_at;
    int64_t import_line;
};

/* One case of the subject, as the timeline shows it. */
struct cr_timeline_case {
    int64_t id;
    int state;          /* enum cr_state */
    int outcome;        /* enum cr_outcome of its current decision, or -1 */
    int64_t flagged_at; /* created */
    int64_t decided_at; /* its current decision, or 0 */
    int64_t closed_at;  /* when it entered closed, or 0 (not closed) */
    int n_allegations;
};

/* One allegation of the subject, marked with its case. */
struct cr_timeline_allegation {
    int64_t case_id;
    const char *ref;
    int category; /* enum cr_category */
    const char *date;
    int source; /* enum cr_source */
    const char *summary;
};

/*
 * The subject's timeline: every case (by number), every allegation of all
 * of them (by date, then reference), and the linked references in force
 * of every case (by case, then as linked).  The arrays and strings belong
 * to it until cr_timeline_free.
 */
struct cr_timeline {
    size_t n_cases;
    struct cr_timeline_case *cases;
    size_t n_allegations;
    struct cr_timeline_allegation *allegations;
    size_t n_links;
    struct cr_link *links;
    void *priv;
};

/*
 * Fill *out with the timeline of the subject of case case_id, for a view
 * of that case already open (cr_case_view_id): the same rules apply
 * (conflicts, need-to-know) and no new audit event is written, the view
 * was recorded.  Anyone who may see the case sees its subject's whole
 * timeline.  Returns CR_OK, or as cr_case_reload_id; free *out with
 * cr_timeline_free whatever was returned.
 */
enum cr_status cr_case_timeline_id(cr_db *db, int64_t case_id, struct cr_timeline *out);
void cr_timeline_free(struct cr_timeline *t);

/*
 * Parse a `linked_refs` value (README, "The subject's timeline and linked
 * references"): entries separated by ';', each KIND:REFERENCE=STATUS, the
 * status optional ("open" when absent).  Calls each() for every entry
 * (its strings valid during the call only).  Returns 0, or -1 with a
 * message in why (n bytes) naming the entry and what is wrong with it.
 */
int cr_linked_refs_parse(const char *text, size_t len,
                         int (*each)(void *ctx, int kind, const char *ref, const char *status),
                         void *ctx, char *why, size_t n);

/*
 * Link a reference to the case numbered case_id (`link`), or change the
 * status or kind of one linked already: one transaction with a "link"
 * audit event (kind, ref, status, reason; the link it replaces), which
 * bumps the case's version.  Who may: the reviewer who holds the case, a
 * supervisor, an admin, as long as they may see the case (conflicts,
 * need-to-know); on a case in any state.  Refused (CR_REFUSED, nothing
 * written, the message saying why): anyone else, a blank reason, the same
 * link already in force; CR_USAGE for a bad kind, reference or status.
 * *res as cr_act fills it.
 */
enum cr_status cr_case_link_id(cr_db *db, int64_t case_id, int kind, const char *ref,
                               const char *status, const char *reason, int64_t expect_version,
                               struct cr_act_result *res);
enum cr_status cr_case_link(cr_db *db, const char *key, int kind, const char *ref,
                            const char *status, const char *reason, int64_t expect_version,
                            struct cr_act_result *res);
/*
 * Remove a linked reference from the case (`unlink`): its row is kept,
 * marked removed by whom, when and why, and an "unlink" audit event
 * records it.  The same people as cr_case_link_id; CR_NOT_FOUND when the
 * case has no such reference in force.
 */
enum cr_status cr_case_unlink_id(cr_db *db, int64_t case_id, const char *ref, const char *reason,
                                 int64_t expect_version, struct cr_act_result *res);
enum cr_status cr_case_unlink(cr_db *db, const char *key, const char *ref, const char *reason,
                              int64_t expect_version, struct cr_act_result *res);

/*
 * Whether the handle's user may link or unlink references on the case
 * now (cr_case_link_id's rule, once): CR_OK, or CR_REFUSED with the
 * message.  For menus and hints; the actions ask it again.
 */
enum cr_status cr_may_link_id(cr_db *db, int64_t case_id);

#ifdef __cplusplus
}
#endif

#endif
