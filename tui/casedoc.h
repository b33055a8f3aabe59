/*
 * The case document: a case as both faces of the program show it, built
 * once from what core read (cr_case_view, and the history for the screen).
 * Sections of named fields and texts: the case and its subject, the
 * decision, the panel's votes, the notes, the allegations, the history.
 * Each field carries the stored name (for JSON) and, where people read
 * something else, its label; times are already formatted.
 *
 * `show` writes it as a table or as JSON (tui/cli/show.c, through the
 * emitter's field tables over these structures); the case screen lays it
 * out in lines (tui/case.c, build).  Nothing here decides what a person may
 * see: core already left out what they may not (blind votes, need-to-know).
 */
#ifndef CASEREVIEW_TUI_CASEDOC_H
#define CASEREVIEW_TUI_CASEDOC_H

#include "casereview/casereview.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* YYYY-MM-DDTHH:MM:SSZ and its NUL. */
#define CASE_DOC_TIME 21

struct case_doc_vote {
    const char *member, *kind, *vote;
    const char *reason; /* NULL for a concurrence */
    const char *at;
};

struct case_doc_note {
    const char *author, *kind, *body, *at;
};

struct case_doc_allegation {
    int64_t n; /* its place in the case's list, from 1 */
    const char *ref, *date, *original_outcome, *summary;
    const char *category, *category_label, *source, *source_label;
};

struct case_doc_event {
    const char *at; /* NULL: a vote withheld by blind voting (no time either) */
    const char *actor, *action;
    const char *from, *to; /* the states, only when the event changed the state */
};

struct case_doc {
    /* The case. */
    int64_t id, version, priority, previous_case; /* previous_case: 0 for none */
    const char *state, *state_label;
    const char *flagged_at, *state_since;
    bool quorum_blocked;
    /* Its subject. */
    const char *surname, *forenames, *name; /* name: "Surname, Forenames" */
    const char *subject_ref, *rank, *unit, *assignee;
    const char *employment, *employment_label, *duty, *duty_label;
    const char *vetting, *vetting_label; /* NULL: not recorded */
    /* The decision: outcome NULL while undecided. */
    const char *outcome, *outcome_label;
    int vetting_review; /* 1 or 0 with refer, -1 otherwise */
    const char *decided_by, *decided_at, *approved_by, *approved_at, *rationale;
    int64_t decision; /* decisions taken so far */
    /* The panel's votes on the current decision this reader may see, and those withheld. */
    size_t n_votes;
    int64_t votes_withheld;
    struct case_doc_vote *votes;
    size_t n_notes;
    struct case_doc_note *notes;
    size_t n_allegations;
    struct case_doc_allegation *allegations;
    size_t n_events; /* the history, when one was given */
    struct case_doc_event *events;
    void *priv; /* the texts the document made */
};

/*
 * Build the document of c (and of h, when not NULL).  It borrows c's and
 * h's strings: free it before them, with case_doc_free.  0, or -1 when out
 * of memory (then there is nothing to free).
 */
int case_doc_build(struct case_doc *d, const struct cr_case *c, const struct cr_history *h);
void case_doc_free(struct case_doc *d);

#endif
