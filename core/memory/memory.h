/*
 * The in-memory engine: the same data as the SQLite engine's schema
 * (core/sqlite/schema.c), held as arrays of plain C rows.  It exists to
 * prove that nothing above the engine interface depends on SQL: the
 * workflow's unit tests run against it as well as against SQLite.
 * Private to core/memory/.
 *
 * Rows of each table sit in id order in a growable array (ids are given
 * in order and never reused, as SQLite's INTEGER PRIMARY KEY does for rows
 * never deleted), so a row is found by id with a binary search.  Enumerated
 * columns hold the enum values; -1 stands for SQL's NULL.  Every string is
 * its own allocation, owned by its row; NULL is NULL.
 */
#ifndef CASEREVIEW_MEMORY_H
#define CASEREVIEW_MEMORY_H

#include "../internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One table: rows of one struct, in id order. */
struct mem_table {
    void *rows;
    size_t n, cap;
};

struct mem_subject {
    int64_t id;
    char *ref, *surname, *forenames, *rank, *unit;
    int employment, duty, vetting; /* vetting -1: not recorded */
    int64_t import_id, import_line;
};

struct mem_case {
    int64_t id, subject_id, previous_case_id; /* previous 0: none */
    int state;
    int64_t state_since, created_at;
    char *assignee;
    int outcome; /* -1: none */
    int vetting_review;
    char *rationale, *decided_by;
    int64_t decided_at;
    int round;
    int64_t version;
    char *updated_by;
    int64_t updated_at;
    int n_allegations, n_sexual;
    char *latest_allegation;
    int64_t priority;
    int quorum_blocked, panel_round;
    /* The service level's clock and the case's pause (schema 9); paused_until 0: none. */
    int64_t clock_shift, paused_until, paused_at;
    char *paused_by, *pause_reason;
    char *approver;       /* routed to (schema 10), or NULL */
    int64_t erased_event; /* the erasure event (schema 14), or 0 */
};

struct mem_allegation {
    int64_t id;
    char *ref;
    int64_t case_id;
    int category;
    char *date;
    int source;
    char *original_outcome, *summary;
    int64_t import_id, import_line;
};

struct mem_note {
    int64_t id, case_id;
    char *author;
    int64_t created_at;
    char *kind, *body;
};

/* A vote; also a vote set aside by a reconvene (superseded_votes), with its extra columns. */
struct mem_vote {
    int64_t id, case_id;
    int round;
    char *member;
    int member_kind, vote;
    char *reason;
    int64_t created_at;
    int64_t vote_id, superseded_at; /* set aside only */
    char *superseded_by;            /* set aside only */
};

struct mem_decision {
    int64_t id, case_id;
    int round;
    char *reviewer;
    int outcome, vetting_review;
    char *rationale;
    int64_t decided_at;
};

struct mem_approval {
    int64_t id, case_id;
    int round;
    char *supervisor;
    int64_t approved_at;
};

struct mem_event {
    int64_t id, at;
    char *actor;
    int64_t case_id; /* 0: none */
    char *action, *state_before, *state_after, *details, *config_digest, *purpose, *os_login;
    unsigned char prev_hash[32], hash[32];
    char *details_digest; /* chain v3 (schema 14) */
};

struct mem_import {
    int64_t id, at;
    char *label;
    int64_t rows, new_allegations, new_cases;
};

struct mem_draft {
    int64_t id; /* order of saving, for the table's order only */
    int64_t case_id;
    char *login;
    int action, outcome, vetting_review, vote;
    char *target, *text;
    int64_t case_version, saved_at;
};

/* A linked reference of a case (schema 11, case_links): never removed, marked removed. */
struct mem_link {
    int64_t id, case_id;
    int kind;
    char *ref, *status;
    int64_t import_id, import_line; /* import_id 0: by `link` */
    char *added_by;                 /* NULL: an import */
    int64_t added_at;
    char *removed_by, *removed_reason; /* NULL while in force */
    int64_t removed_at;
};

struct mem_config_version {
    int64_t id;
    char *digest;
    char *text; /* the file's bytes, NUL-terminated; len of them count */
    size_t len;
    int64_t adopted_at;
    char *adopted_by;
    int in_force;
};

/* A follow-up (schema 12): what happened after the decision. */
struct mem_followup {
    int64_t id, case_id;
    int stage; /* enum cr_followup_stage */
    char *result, *date, *detail, *recorded_by;
    int64_t recorded_at;
};

/* A decision selected for quality review (schema 13's qa); verdict NULL: none yet. */
struct mem_qa {
    int64_t id, case_id;
    int round, outcome, draw;
    char *decider, *approver, *reason, *config_digest, *qa_by, *verdict, *qa_reason;
    int64_t selected_at, qa_at;
};

/* The tables, in the order of mem_table_defs. */
enum mem_table_id {
    MEM_SUBJECTS,
    MEM_CASES,
    MEM_ALLEGATIONS,
    MEM_NOTES,
    MEM_VOTES,
    MEM_SUPERSEDED_VOTES,
    MEM_DECISIONS,
    MEM_APPROVALS,
    MEM_AUDIT_EVENTS,
    MEM_IMPORTS,
    MEM_DRAFTS,
    MEM_CONFIG_VERSIONS,
    MEM_LINKS,
    MEM_FOLLOWUPS,
    MEM_QA,
    MEM_TABLE_COUNT
};

/* One database: every table, and the settings. */
struct mem_data {
    struct mem_table t[MEM_TABLE_COUNT];
    int64_t next_id[MEM_TABLE_COUNT]; /* the id the next row gets */
    bool group_access;
    int64_t head_id; /* the chain's head: the last event's id and hash */
    unsigned char head_hash[32];
    int64_t data_version; /* bumped by every commit that changed something */
};

/* The rows of a table as an array of its struct. */
#define MEM_ROWS(d, id, type) ((type *)(d)->t[id].rows)
#define MEM_N(d, id) ((d)->t[id].n)

struct mem_data *mem_data_new(void);
void mem_data_free(struct mem_data *d);
/* A deep copy, or NULL when out of memory. */
struct mem_data *mem_data_clone(const struct mem_data *d);
/*
 * A transaction's undo record of d (NULL when out of memory): rollback puts
 * d back as it was and frees the record; free drops it (commit); view is a
 * new copy of d as it was (for other handles during the transaction).
 */
struct mem_undo;
struct mem_undo *mem_undo_begin(const struct mem_data *d);
void mem_undo_rollback(struct mem_data *d, struct mem_undo *u);
void mem_undo_free(struct mem_undo *u);
struct mem_data *mem_undo_view(const struct mem_data *d, const struct mem_undo *u);
/* A new row at the end of the table, zeroed, its id given; NULL when out of memory. */
void *mem_add(struct mem_data *d, enum mem_table_id t);
/* The row of that id, or NULL. */
void *mem_find(const struct mem_data *d, enum mem_table_id t, int64_t id);
/* Remove row i of a table that changes in place (freeing its strings), keeping the order. */
void mem_remove(struct mem_data *d, enum mem_table_id t, size_t i);
/* Replace *field with a copy of s (NULL for NULL); false when out of memory. */
bool mem_set(char **field, const char *s);
/* Whether two texts are equal, NULL equal only to NULL. */
bool mem_same(const char *a, const char *b);

#endif
