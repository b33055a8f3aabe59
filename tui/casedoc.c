/*
 * The case document (casedoc.h), built once from the case.
 */
#include "casedoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the document owns: its times and the subject's name, in one block. */
struct owned {
    char *name;
    char (*times)[CASE_DOC_TIME];
    size_t n_times, used;
};

static const char *
time_text(struct owned *o, int64_t t)
{
    if (o->used == o->n_times)
        return NULL;
    cr_time_format(t, o->times[o->used]);
    return o->times[o->used++];
}

int
case_doc_build(struct case_doc *d, const struct cr_case *c, const struct cr_history *h)
{
    memset(d, 0, sizeof *d);
    const struct cr_case_row *r = &c->row;
    size_t n_events = h ? h->n : 0;
    struct owned *o = calloc(1, sizeof *o);
    size_t name_len = strlen(r->surname) + strlen(r->forenames) + 3;
    if (o) {
        o->n_times = 5 + c->n_votes + c->n_notes + n_events;
        o->times = calloc(o->n_times, sizeof *o->times);
        o->name = malloc(name_len);
    }
    d->votes = calloc(c->n_votes + 1, sizeof *d->votes);
    d->notes = calloc(c->n_notes + 1, sizeof *d->notes);
    d->allegations = calloc(c->n_allegations + 1, sizeof *d->allegations);
    d->events = calloc(n_events + 1, sizeof *d->events);
    d->priv = o;
    if (!o || !o->times || !o->name || !d->votes || !d->notes || !d->allegations || !d->events) {
        case_doc_free(d);
        return -1;
    }
    snprintf(o->name, name_len, "%s, %s", r->surname, r->forenames);

    d->id = r->id;
    d->version = c->version;
    d->priority = r->priority;
    d->previous_case = c->previous_case;
    d->state = cr_state_name(r->state);
    d->state_label = cr_state_label(r->state);
    d->flagged_at = time_text(o, r->created_at);
    d->state_since = time_text(o, r->state_since);
    d->quorum_blocked = r->quorum_blocked != 0;

    d->surname = r->surname;
    d->forenames = r->forenames;
    d->name = o->name;
    d->subject_ref = r->subject_ref;
    d->rank = r->rank;
    d->unit = r->unit;
    d->assignee = r->assignee;
    d->employment = cr_employment_name(c->employment);
    d->employment_label = cr_employment_label(c->employment);
    d->duty = cr_duty_name(r->duty);
    d->duty_label = cr_duty_label(r->duty);
    d->vetting = c->vetting >= 0 ? cr_vetting_name(c->vetting) : NULL;
    d->vetting_label = c->vetting >= 0 ? cr_vetting_label(c->vetting) : NULL;

    d->outcome = r->outcome >= 0 ? cr_outcome_name(r->outcome) : NULL;
    d->outcome_label = r->outcome >= 0 ? cr_outcome_label(r->outcome) : NULL;
    d->vetting_review = r->outcome == CR_OUTCOME_REFER ? r->vetting_review != 0 : -1;
    d->decided_by = r->decided_by;
    d->decided_at = r->decided_at ? time_text(o, r->decided_at) : NULL;
    d->approved_by = c->approved_by;
    d->approved_at = c->approved_by ? time_text(o, c->approved_at) : NULL;
    d->rationale = c->rationale;
    d->decision = c->round;

    d->n_votes = c->n_votes;
    d->votes_withheld = (int64_t)c->votes_hidden;
    for (size_t i = 0; i < c->n_votes; i++) {
        const struct cr_vote_row *v = &c->votes[i];
        d->votes[i] = (struct case_doc_vote){v->member, cr_kind_name(v->kind),
                                             cr_vote_name(v->vote), v->reason, time_text(o, v->at)};
    }
    d->n_notes = c->n_notes;
    for (size_t i = 0; i < c->n_notes; i++) {
        const struct cr_note *n = &c->notes[i];
        d->notes[i] = (struct case_doc_note){n->author, n->kind, n->body, time_text(o, n->at)};
    }
    d->n_allegations = c->n_allegations;
    for (size_t i = 0; i < c->n_allegations; i++) {
        const struct cr_allegation *a = &c->allegations[i];
        d->allegations[i] = (struct case_doc_allegation){
            (int64_t)i + 1,
            a->ref,
            a->date,
            a->original_outcome,
            a->summary,
            cr_category_name(a->category),
            cr_category_label(a->category),
            cr_source_name(a->source),
            cr_source_label(a->source),
        };
    }
    d->n_events = n_events;
    for (size_t i = 0; i < n_events; i++) {
        const struct cr_event *e = &h->events[i];
        bool moved =
            e->state_before && e->state_after && strcmp(e->state_before, e->state_after) != 0;
        d->events[i] =
            (struct case_doc_event){e->at ? time_text(o, e->at) : NULL, e->actor, e->action,
                                    moved ? e->state_before : NULL, moved ? e->state_after : NULL};
    }
    return 0;
}

void
case_doc_free(struct case_doc *d)
{
    struct owned *o = d->priv;
    if (o) {
        free(o->name);
        free(o->times);
        free(o);
    }
    free(d->votes);
    free(d->notes);
    free(d->allegations);
    free(d->events);
    memset(d, 0, sizeof *d);
}
