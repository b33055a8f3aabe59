/*
 * Retention, erasure and correction (issue 13, item 6; README, "Retention,
 * erasure and correction"): `purge` erases the personal content of closed
 * cases past the configuration's retention and keeps a tombstone; `correct`
 * fixes a wrongly keyed allegation field.  Both are the admin's, both are
 * audited, and `audit verify` passes after either.
 */
#ifndef CASEREVIEW_ERASE_H
#define CASEREVIEW_ERASE_H

#include <casereview/cases.h>
#include <casereview/db.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a purge did (or, dry, would do). */
struct cr_purge_result {
    size_t n_erased;
    int64_t *erased; /* the case numbers erased (or that would be), malloc'd */
    size_t n_kept;
    int64_t *kept;            /* closed before the date but still within retention, malloc'd */
    size_t already;           /* closed before the date and erased by an earlier purge */
    int64_t events;           /* audit events whose details were erased */
    int64_t allegations;      /* allegation summaries overwritten */
    int64_t texts;            /* decisions' rationales, vote reasons and notes overwritten */
    int64_t subjects;         /* subjects whose names and reference went */
    char finish_problem[256]; /* "" or what the engine could not tidy after the commit */
};

/*
 * Erase the personal content of every closed case that entered closed
 * before closed_before (seconds since the epoch, UTC) and whose retention
 * (the configuration's retention:) has run out by now: its allegations'
 * summaries, its decisions' rationales, vote reasons and notes, the
 * details of its audit events (each keeps its keyed digest, so that the
 * chain still verifies), its drafts, and its subject's names and reference
 * once no case of the subject keeps its content.  The case stays as a
 * tombstone: its number, states, dates, outcome, counts and an `erased`
 * audit event saying who erased it, when, why, how much and the digests of
 * what went.  The trail is verified first: a trail that does not verify is
 * not erased from.  dry: nothing is written, *out says what would be.  The
 * admin's only.  CR_REFUSED when the configuration gives no retention or
 * the user is not an admin; CR_INVALID for an empty reason or a trail
 * that does not verify.  Free *out with cr_purge_result_free.
 */
enum cr_status cr_purge(cr_db *db, int64_t closed_before, const char *reason, bool dry,
                        struct cr_purge_result *out);
void cr_purge_result_free(struct cr_purge_result *r);

/* What a correction did. */
struct cr_correct_result {
    int64_t case_id;
    char field[32];
    char *old_value, *new_value; /* malloc'd */
    bool returned;               /* the decided case went back for a new decision */
    int state_after;             /* enum cr_state */
};

/*
 * Correct one field of the allegation whose reference is ref (summary,
 * date, source or original_outcome; category is not correctable: it moves
 * a case between the counted categories, and a new allegation is the
 * record's way to say that), checked as the import checks that column,
 * with the reason and the old and new values in a `correct` audit event.
 * A case that is decided (awaiting approval or before the panel) goes back
 * to its reviewer as a new allegation sends it back on import, with the
 * system's note; a closed case is corrected and stays closed.  The
 * admin's only.  CR_NOT_FOUND for no such allegation, CR_INVALID for a
 * bad value or field, CR_REFUSED for a non-admin or an erased case.
 * Free *out with cr_correct_result_free.
 */
enum cr_status cr_correct(cr_db *db, const char *ref, const char *field, const char *value,
                          const char *reason, struct cr_correct_result *out);
void cr_correct_result_free(struct cr_correct_result *r);

/*
 * When the retention of a case closed at closed_at with outcome (enum
 * cr_outcome, -1: none) runs out under cfg (seconds since the epoch);
 * 0 when the configuration gives it no retention.
 */
struct cr_config;
int64_t cr_retention_due(const struct cr_config *cfg, int outcome, int64_t closed_at);

/*
 * For the case screen, from a case's history (cr_history_get): "Erased on
 * YYYY-MM-DD by LOGIN: REASON" when the case was erased, and the nth
 * correction of allegation ref, "Corrected on YYYY-MM-DD by LOGIN: FIELD
 * 'OLD' -> 'NEW' (REASON)"; dates UTC.  A new string the caller frees, or
 * NULL when there is none (or out of memory).
 */
char *cr_case_erasure_text(const struct cr_history *h);
char *cr_allegation_correction_text(const struct cr_history *h, const char *ref, size_t nth);

#ifdef __cplusplus
}
#endif

#endif
