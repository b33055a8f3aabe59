/*
 * casereview: what leaves casereview and the figures.
 *
 * Disclosures (an export, a report) bracketed by audit events; the export;
 * the figures that the report, `stats` and the dashboard share.
 */
#ifndef CASEREVIEW_INCLUDE_REPORT_H
#define CASEREVIEW_INCLUDE_REPORT_H

#include <casereview/cases.h>
#include <casereview/db.h>
#include <casereview/names.h>
#include <casereview/status.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Disclosures: personal data, or figures drawn from it, leaving casereview
 * (an export, a report).  Two audit events bracket the bytes, so that
 * nothing leaves unrecorded: cr_disclosure_begin commits a "disclosure"
 * event (stage "begin": kind, reason, recipient, format, destination)
 * before the first byte is written, and cr_disclosure_end commits the
 * matching event (stage "end") saying whether every byte went, how many
 * rows and bytes, their BLAKE2b-256 digest and which cases.  A writer that
 * fails or is cut off still ends the disclosure, with complete = false and
 * the reason; one killed outright leaves the begin event alone, which says
 * that the disclosure started and never finished.  A file destination is
 * written under a temporary name and renamed into place only after the end
 * event commits, so the file exists only when its disclosure is recorded.
 */
struct cr_disclosure {
    const char *kind;        /* "export" or "report" */
    const char *reason;      /* why the data is disclosed (required) */
    const char *recipient;   /* who receives it (required) */
    const char *format;      /* csv, json or table */
    const char *destination; /* the file written, or NULL for standard output */
};

/*
 * Record the start of a disclosure (admin only; a reason and a recipient
 * are required), in its own transaction.  *id receives the begin event's
 * id, for cr_disclosure_end.  Returns CR_OK, CR_REFUSED (with the rule),
 * CR_BUSY, CR_DB or CR_NOMEM; on failure nothing may be written out.
 */
enum cr_status cr_disclosure_begin(cr_db *db, const struct cr_disclosure *d, int64_t *id);

struct cr_disclosure_end {
    int complete;             /* nonzero: every byte was written (and, for a file, synced) */
    const char *error;        /* when not complete: what went wrong, for the record */
    int64_t rows;             /* rows (cases, or report lines) written */
    int64_t bytes;            /* bytes written */
    unsigned char digest[32]; /* BLAKE2b-256 of the bytes written */
    const char *cases;        /* the case numbers disclosed, as ranges ("1-40,42"), or NULL */
};

/*
 * Record the end of the disclosure begun as event begin_id, in its own
 * transaction; the event names begin_id.  Returns CR_OK, CR_USAGE (no begin
 * id), CR_REFUSED (nobody signed in), CR_BUSY, CR_DB or CR_NOMEM.
 */
enum cr_status cr_disclosure_end(cr_db *db, int64_t begin_id, const struct cr_disclosure_end *e);

/*
 * Where an export's bytes go: row() writes one case (0 to go on, nonzero
 * when it could not); written(), when not NULL, says how many rows have left
 * whole so far (buffered rows have not), so that only their cases are
 * recorded; finish(), after the last row, flushes and, for a file, syncs,
 * then fills complete, error, rows, bytes and digest of *e with what was
 * actually written (rows: those whose every byte was written).
 */
struct cr_export_sink {
    int (*row)(void *ctx, const struct cr_case_row *r);
    int64_t (*written)(void *ctx);
    void (*finish)(void *ctx, struct cr_disclosure_end *e);
    void *ctx;
};

/*
 * Export every case and its outcome, riskiest first: a disclosure (admin
 * only; see cr_disclosure_begin), d->kind "export".  The begin event commits
 * before the first row; the rows are read from one read snapshot (no write
 * lock is held while they are written, however slowly); the end event
 * records whether every byte went, the rows, the bytes, their digest and the
 * case numbers as ranges (those of the rows that left whole; without a
 * written() callback, every row handed to the writer).  *rows is the count
 * written.  Returns CR_OK when
 * the export is complete and recorded; CR_INVALID when the writer failed
 * (the end event says so, complete false, with the reason); else the
 * failure of the database (CR_REFUSED, CR_BUSY, CR_DB, CR_NOMEM).
 */
enum cr_status cr_export(cr_db *db, const struct cr_disclosure *d,
                         const struct cr_export_sink *sink, int64_t *rows);

/*
 * The figures: cases and people (distinct subjects: a subject can have
 * several cases) in each stage of enum cr_stage, and of those the outcome
 * refer with a vetting review.  The one count that `report`, `stats` and the
 * dashboard all show, so that they cannot disagree.
 */
struct cr_figures {
    int64_t cases[CR_STAGE_COUNT];
    int64_t persons[CR_STAGE_COUNT];
    int64_t vetting_cases[CR_STAGE_COUNT]; /* refer with vetting_review */
    int64_t vetting_persons[CR_STAGE_COUNT];
    int64_t total_cases;
    int64_t total_persons; /* distinct subjects: not the sum of the stages */
};

/* What a report counts. */
struct cr_report_query {
    size_t n_by;                /* 0: one row, the totals */
    int by[CR_DIMENSION_COUNT]; /* enum cr_dimension, each at most once, in order */
    const char *as_at; /* YYYY-MM-DD: as things stood at the end of that day (UTC); NULL: now */
};

/*
 * One group of a report: the value of each `by` dimension, in the query's
 * order (outcome: an outcome's name, or "none" when not decided; category:
 * domestic_violence, sexual_offence or both).
 */
struct cr_report_row {
    const char *key[CR_DIMENSION_COUNT];
    struct cr_figures f;
};

struct cr_report {
    size_t n_by;
    int by[CR_DIMENSION_COUNT];
    int64_t as_at; /* the first second after the day asked for, or 0 for now */
    int scanned;   /* 1: counted by reading every case; 0: from maintained counters */
    struct cr_figures total;
    size_t n_rows; /* groups with at least one case, in order of their keys */
    struct cr_report_row *rows;
    void *priv;
};

/*
 * Count the figures.  With no breakdown, or one by outcome alone, and no
 * as_at, they come from maintained counters; a breakdown by anything else,
 * or as_at, reads every case (and as_at replays the audit trail).  Reads
 * one snapshot.  Returns CR_OK, CR_USAGE (a bad date or dimension, with a
 * message), CR_DB, CR_BUSY or CR_NOMEM.  Free with cr_report_free; on
 * failure *out is empty and may still be freed.
 */
enum cr_status cr_report_get(cr_db *db, const struct cr_report_query *q, struct cr_report *out);
void cr_report_free(struct cr_report *r);

/* Counts for the dashboard and `stats`, from maintained counters. */
struct cr_stats {
    int64_t cases;
    int64_t by_state[CR_STATE_COUNT];
    /* Figures by the current decision's outcome; last: not decided yet. */
    struct cr_figures by_outcome[CR_OUTCOME_COUNT + 1];
    struct cr_figures figures;              /* all outcomes */
    int64_t by_category[CR_CATEGORY_COUNT]; /* cases with an allegation of it */
    int64_t both_categories;                /* cases with both */
    int64_t allegations;
    int64_t allegations_by_category[CR_CATEGORY_COUNT];
    int64_t subjects;
};

/* Fill *out, from one snapshot.  Returns CR_OK, CR_DB, CR_BUSY or CR_NOMEM. */
enum cr_status cr_stats_get(cr_db *db, struct cr_stats *out);

/* The dashboard: what a supervisor asks at a glance (SPEC section 9). */
#define CR_DASHBOARD_WEEKS 12

struct cr_reviewer_mix {
    const char *login;
    int64_t by_outcome[CR_OUTCOME_COUNT]; /* current decisions of their cases */
    int64_t decided;
    int64_t panel_rounds;   /* rounds on their decisions that the panel finished */
    int64_t panel_returned; /* of which the panel returned: dissent per round */
};

struct cr_dashboard {
    struct cr_stats stats;
    int64_t overdue[CR_STATE_COUNT]; /* past sla_days in that state (none for closed) */
    int64_t decisions_per_week[CR_DASHBOARD_WEEKS]; /* first decisions, oldest week first */
    int64_t week_start; /* start of the oldest week shown: a Monday, 00:00 UTC; week w + 7w days */
    int64_t undecided;  /* cases with no decision yet */
    double rate;        /* first decisions a week over the last four weeks */
    int64_t backlog_clears; /* when the undecided cases are done at that rate, or 0 */
    int64_t panel_rounds;   /* every round the panel finished */
    int64_t panel_returned; /* of which it returned */
    int reviewers_shown;    /* 0: the per-reviewer figures are not for this user */
    size_t n_reviewers;     /* supervisors and the admin see every reviewer, a reviewer themself */
    struct cr_reviewer_mix *reviewers;
    void *priv;
};

/*
 * Fill *out for the handle's configuration (sla_days), user and now, from
 * one snapshot: any failure to read is an error, never a partial result.
 * Free with cr_dashboard_free (also after a failure).
 */
enum cr_status cr_dashboard_get(cr_db *db, struct cr_dashboard *out);
void cr_dashboard_free(struct cr_dashboard *d);

/*
 * The workload: open cases per person who holds them (the assignee), by
 * state and by how long they have been in it, for a supervisor sharing out
 * the work (`workload`, and the dashboard's panel).  A case counts for its
 * assignee whatever its state short of closed: in review and returned (the
 * reviewer's to decide), awaiting approval and with the panel (decided,
 * the reviewer's name still on it).  The age is whole days in the current
 * state (the service level's clock), counted in bands that start at
 * cr_workload_band_from(b) days: 0-6, 7-13, 14-27, 28 and more.
 */
#define CR_WORKLOAD_BANDS 4

/* The first day of age band b (0 <= b < CR_WORKLOAD_BANDS): 0, 7, 14, 28; -1 out of range. */
int cr_workload_band_from(int band);

struct cr_workload_row {
    const char *login;
    const char *name;                   /* the roster's name, or NULL when not on the roster */
    int reviewer;                       /* 1: a reviewer on the roster; 0: holds cases, is not */
    int64_t by_state[CR_STATE_COUNT];   /* the cases they hold, by state (closed: always 0) */
    int64_t by_band[CR_WORKLOAD_BANDS]; /* the same cases, by days in their state */
    int64_t open;                       /* all of them */
    int64_t oldest; /* days the longest-waiting has been in its state; -1 none */
};

struct cr_workload {
    int64_t now;                  /* the time the ages are counted at */
    size_t n_rows;                /* every reviewer on the roster, and anyone else holding cases */
    struct cr_workload_row *rows; /* by login */
    struct cr_workload_row total; /* the sums (login "total"; oldest: of everyone) */
    void *priv;
};

/*
 * Fill *out with the workload now, from one snapshot, for a supervisor or
 * the admin, and record the consultation: a "workload" audit event, for no
 * case, committed before the figures are handed back (details: format,
 * what the caller shows them in, e.g. "table" or "screen"; the number of
 * rows and of open cases counted).  Every reviewer on the roster has a row,
 * with zeros when they hold nothing; someone holding cases who is not a
 * reviewer on the roster (they left it) has one too.  Returns CR_OK;
 * CR_REFUSED when nobody is signed in, the user is neither supervisor nor
 * admin (the message names the roles), or the event cannot be recorded;
 * CR_DB, CR_BUSY or CR_NOMEM.  Free with cr_workload_free (also after a
 * failure: *out is then empty).
 */
enum cr_status cr_workload_get(cr_db *db, const char *format, struct cr_workload *out);

/*
 * Whether the handle's user may see the workload: 1 for a supervisor or the
 * admin (cr_workload_get does not refuse them for their roles), 0 for anyone
 * else or nobody signed in.  Reads nothing and records nothing: for a
 * screen deciding whether to offer the view at all.
 */
int cr_workload_visible(cr_db *db);

/*
 * The same figures again for a view already recorded by cr_workload_get (a
 * screen refreshing after a change): the same rules, no new audit event.
 */
enum cr_status cr_workload_reload(cr_db *db, struct cr_workload *out);

/* Free what cr_workload_get or cr_workload_reload filled.  NULL is allowed. */
void cr_workload_free(struct cr_workload *w);

/*
 * The panel's bundle (`pack`, issue 13): for each case a readable document
 * (case-N.txt: the case, the disclosure it is part of, the subject, the
 * subject's other cases, the allegations, the decision history with every
 * rationale and reason whole, the approval, the panel's votes as the user
 * may see them, the notes) and the same as JSON (case-N.json), and a
 * MANIFEST of the files' SHA-256 sums in the format `sha256sum -c` reads.
 * The admin's only (as an export), with a reason and a recipient, and only
 * of cases the admin may see (conflicts, as a view: cr_case_view).  The
 * directory must be new (pack makes it 0700) or empty; the files are made
 * 0600 and never through a symbolic link.  Everything is checked and built
 * before the first file is written; ONE "disclosure" audit event (kind
 * "pack": reason, recipient, destination, redaction, the case numbers and
 * the MANIFEST's SHA-256) commits once every file is written and synced.
 * A failure on the way removes what was written: no event, no file.
 */
enum { CR_PACK_REDACT_NAMES = 1, CR_PACK_REDACT_SUMMARIES = 2 };

struct cr_pack_request {
    const char *const *keys; /* the cases, by key (cr_case_view's), or NULL with state */
    size_t n_keys;
    const int64_t *cases; /* or by number (tagged rows), or NULL */
    size_t n_cases;
    int state;             /* with no keys: every case in this state the user may see; else -1 */
    const char *reason;    /* why (required) */
    const char *recipient; /* to whom (required) */
    unsigned redact;       /* CR_PACK_REDACT_* bits: names (the subject's name fields become
                              the subject_ref), summaries (each becomes "[redacted]") */
    const char *dir;       /* where the files go: a new or empty directory */
};

struct cr_pack_result {
    size_t n_cases;
    int64_t *cases;           /* the cases packed, in order */
    size_t n_files;           /* the case files written (MANIFEST besides) */
    int made_dir;             /* pack made the directory */
    char manifest_sha256[65]; /* SHA-256 of the MANIFEST's bytes, in hex */
    int64_t event;            /* the disclosure event */
};

/*
 * Make the bundle of q as the handle's user (see above).  Fills *out (free
 * it with cr_pack_result_free whatever is returned).  Returns CR_OK;
 * CR_REFUSED (nothing written) for a user who is not an admin, a blank
 * reason or recipient, a case the user may not see (the rule named), no
 * case in the state; CR_NOT_FOUND or CR_USAGE for a bad key or request;
 * CR_INVALID for a directory that is not one, not empty, or cannot be
 * written (the files written are removed); CR_BUSY, CR_DB or CR_NOMEM.
 */
enum cr_status cr_pack(cr_db *db, const struct cr_pack_request *q, struct cr_pack_result *out);
void cr_pack_result_free(struct cr_pack_result *r);
/*
 * What a pack did, in one line, for the person who did it: "packed 2 cases
 * (1, 2) for Panel into out: 4 files and MANIFEST (sha256 ...); recorded in
 * the audit trail (event 12)".  A new string the caller frees, or NULL.
 */
char *cr_pack_describe(const struct cr_pack_request *q, const struct cr_pack_result *r);
/* Whether the handle's user may pack at all (an admin): for help and keys. */
int cr_pack_visible(const cr_db *db);

#ifdef __cplusplus
}
#endif

#endif
