/*
 * The panel's bundle (`pack`, issue 13 item 5; see report.h): for each case
 * a readable document (case-N.txt) and the same as JSON (case-N.json), and
 * a MANIFEST of their SHA-256 sums in the format `sha256sum -c` reads, in a
 * new or empty directory, recorded as ONE disclosure event naming the cases
 * and the manifest's digest.
 *
 * Everything is checked and every document built in memory first (the
 * role, the reason and recipient, each case under the rules of a view, the
 * directory); only then are the files written, each created 0600 with
 * O_EXCL|O_NOFOLLOW under the directory's own descriptor, synced, and the
 * event committed.  A failure on the way removes what was written (and the
 * directory when pack made it) and records nothing: no event means no file.
 *
 * Each section of a document is one function that writes both faces (the
 * text and the JSON), so that a section is added in one place.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reading the details of an audit event (a flat JSON object our writer made) */

/* The end of the JSON string whose opening quote is at p (its closing quote), or NULL. */
static const char *
jstring_end(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && !*++p)
            return NULL;
    return *p == '"' ? p : NULL;
}

/* Past the value at p (a string, a number, a literal, a list or object), or NULL. */
static const char *
jskip(const char *p)
{
    int depth = 0;
    do {
        if (*p == '"') {
            if (!(p = jstring_end(p)))
                return NULL;
        } else if (*p == '[' || *p == '{') {
            depth++;
        } else if (*p == ']' || *p == '}') {
            depth--;
        } else if (!*p) {
            return NULL;
        } else if (depth == 0 && (*p == ',' || *p == ' ')) {
            return p;
        }
        p++;
    } while (depth > 0 || (*p && *p != ',' && *p != '}' && *p != ' '));
    return p;
}

/* The value of key at the top level of the object json (its first byte), or NULL. */
static const char *
jfind(const char *json, const char *key)
{
    size_t n = strlen(key);
    const char *p = json ? strchr(json, '{') : NULL;
    if (!p)
        return NULL;
    for (p++;;) {
        while (*p == ' ' || *p == ',' || *p == '\n')
            p++;
        if (*p != '"')
            return NULL;
        const char *end = jstring_end(p);
        if (!end)
            return NULL;
        bool match = (size_t)(end - p - 1) == n && memcmp(p + 1, key, n) == 0;
        p = end + 1;
        while (*p == ' ' || *p == ':')
            p++;
        if (match)
            return p;
        if (!(p = jskip(p)))
            return NULL;
    }
}

/* A string member, unescaped into out (reset first); false when absent or not a string. */
static bool
jstr(const char *json, const char *key, struct cr_buf *out)
{
    cr_buf_reset(out);
    cr_buf_add(out, "", 0);
    const char *p = jfind(json, key), *end = p && *p == '"' ? jstring_end(p) : NULL;
    if (!end)
        return false;
    for (p++; p < end; p++) {
        char c = *p;
        if (c == '\\') {
            c = *++p;
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
            else if (c == 'r')
                c = '\r';
            else if (c == 'u') {
                unsigned v = 0;
                for (int i = 0; i < 4 && p[1] && p + 1 < end; i++, p++)
                    v = v * 16 + (unsigned)(p[1] <= '9' ? p[1] - '0' : (p[1] | 0x20) - 'a' + 10);
                c = (char)v; /* our writer escapes only control characters so */
            }
        }
        cr_buf_addc(out, c);
    }
    return true;
}

static int64_t
jint(const char *json, const char *key)
{
    const char *p = jfind(json, key);
    return p ? strtoll(p, NULL, 10) : 0;
}

static bool
jtrue(const char *json, const char *key)
{
    const char *p = jfind(json, key);
    return p && strncmp(p, "true", 4) == 0;
}

/* The documents */

/* One case's two documents, as they are built. */
struct doc {
    cr_db *db;
    const struct cr_pack_request *q;
    const struct cr_case *c;
    const struct cr_history *h;
    const struct cr_timeline *tl;      /* the subject's cases, allegations and links */
    const struct cr_followup_list *fu; /* what happened after the decision */
    struct cr_buf txt, json;
    struct cr_buf tmp;
    bool sep; /* a member was written at this level of the JSON */
};

static void
txt(struct doc *d, const char *s)
{
    cr_buf_addf(&d->txt, "%s", s ? s : "");
}

/* A text, every line of it after indent spaces, ending with a line break. */
static void
txt_block(struct doc *d, int indent, const char *s)
{
    const char *p = s && *s ? s : "-";
    while (*p) {
        size_t n = strcspn(p, "\n");
        cr_buf_addf(&d->txt, "%*s", indent, "");
        cr_buf_add(&d->txt, p, n);
        cr_buf_addc(&d->txt, '\n');
        p += n;
        if (*p == '\n')
            p++;
    }
}

static void
when(int64_t t, char out[21])
{
    if (t > 0)
        cr_time_format(t, out);
    else
        strcpy(out, "-");
}

/* JSON: a member's key (after a comma when one came before). */
static void
jkey(struct doc *d, const char *key)
{
    if (d->sep)
        cr_buf_addf(&d->json, ", ");
    d->sep = true;
    if (key) {
        cr_buf_add_json(&d->json, key);
        cr_buf_addf(&d->json, ": ");
    }
}

static void
jtext(struct doc *d, const char *key, const char *s)
{
    jkey(d, key);
    if (s)
        cr_buf_add_json(&d->json, s);
    else
        cr_buf_addf(&d->json, "null");
}

static void
jnum(struct doc *d, const char *key, int64_t v)
{
    jkey(d, key);
    cr_buf_addf(&d->json, "%lld", (long long)v);
}

static void
jbool(struct doc *d, const char *key, bool v)
{
    jkey(d, key);
    cr_buf_addf(&d->json, "%s", v ? "true" : "false");
}

static void
jtime(struct doc *d, const char *key, int64_t t)
{
    char at[21];
    when(t, at);
    jtext(d, key, t > 0 ? at : NULL);
}

static void
jopen(struct doc *d, const char *key, char bracket)
{
    jkey(d, key);
    cr_buf_addc(&d->json, bracket);
    d->sep = false;
}

static void
jclose(struct doc *d, char bracket)
{
    cr_buf_addc(&d->json, bracket);
    d->sep = true;
}

static bool
redact(const struct doc *d, unsigned what)
{
    return (d->q->redact & what) != 0;
}

/* The subject's name as the bundle gives it: the reference when names are redacted. */
static const char *
surname_of(const struct doc *d)
{
    return redact(d, CR_PACK_REDACT_NAMES) ? d->c->row.subject_ref : d->c->row.surname;
}

static const char *
forenames_of(const struct doc *d)
{
    return redact(d, CR_PACK_REDACT_NAMES) ? d->c->row.subject_ref : d->c->row.forenames;
}

/* The case, and the disclosure it is part of. */
static void
section_head(struct doc *d)
{
    const struct cr_case *c = d->c;
    const struct cr_person *me = st_user(d->db);
    char flagged[21], now[21];
    when(c->row.created_at, flagged);
    when(cr_db_now(d->db), now);
    const char *redacted = d->q->redact == (CR_PACK_REDACT_NAMES | CR_PACK_REDACT_SUMMARIES)
                               ? "names and summaries"
                           : d->q->redact == CR_PACK_REDACT_NAMES     ? "names"
                           : d->q->redact == CR_PACK_REDACT_SUMMARIES ? "summaries"
                                                                      : "none";
    cr_buf_addf(&d->txt, "Case %lld: %s (priority %lld, flagged %s)\n", (long long)c->row.id,
                cr_state_label(c->row.state), (long long)c->row.priority, flagged);
    if (c->previous_case)
        cr_buf_addf(&d->txt, "Follows closed case %lld\n", (long long)c->previous_case);
    cr_buf_addf(&d->txt, "Disclosed to %s by %s at %s\nReason: %s\nRedacted: %s\n", d->q->recipient,
                me->login, now, d->q->reason, redacted);
    jnum(d, "case", c->row.id);
    jtext(d, "state", cr_state_name(c->row.state));
    jnum(d, "priority", c->row.priority);
    jtime(d, "flagged_at", c->row.created_at);
    jkey(d, "previous_case");
    if (c->previous_case)
        cr_buf_addf(&d->json, "%lld", (long long)c->previous_case);
    else
        cr_buf_addf(&d->json, "null");
    jopen(d, "disclosure", '{');
    jtext(d, "recipient", d->q->recipient);
    jtext(d, "reason", d->q->reason);
    jtext(d, "by", me->login);
    jtext(d, "at", now);
    jopen(d, "redacted", '[');
    if (redact(d, CR_PACK_REDACT_NAMES))
        jtext(d, NULL, "names");
    if (redact(d, CR_PACK_REDACT_SUMMARIES))
        jtext(d, NULL, "summaries");
    jclose(d, ']');
    jclose(d, '}');
}

static void
section_subject(struct doc *d)
{
    const struct cr_case_row *r = &d->c->row;
    const char *vetting = d->c->vetting >= 0 ? cr_vetting_label(d->c->vetting) : "not recorded";
    cr_buf_addf(&d->txt,
                "\nSubject\n  Name         %s, %s\n  Reference    %s\n  Employment   %s, %s\n"
                "  Unit         %s\n  Duty         %s\n  Vetting      %s\n",
                surname_of(d), forenames_of(d), r->subject_ref,
                cr_employment_label(d->c->employment), r->rank ? r->rank : "-",
                r->unit ? r->unit : "-", cr_duty_label(r->duty), vetting);
    jopen(d, "subject", '{');
    jtext(d, "subject_ref", r->subject_ref);
    jtext(d, "surname", surname_of(d));
    jtext(d, "forenames", forenames_of(d));
    jtext(d, "employment", cr_employment_name(d->c->employment));
    jtext(d, "rank", r->rank);
    jtext(d, "unit", r->unit);
    jtext(d, "duty_status", cr_duty_name(r->duty));
    jtext(d, "vetting", d->c->vetting >= 0 ? cr_vetting_name(d->c->vetting) : NULL);
    jclose(d, '}');
}

/* The subject's other cases (the timeline's: core/timeline.c), by number. */
static void
section_other_cases(struct doc *d)
{
    txt(d, "\nOther cases of this subject\n");
    jopen(d, "other_cases", '[');
    size_t shown = 0;
    for (size_t i = 0; d->tl && i < d->tl->n_cases; i++) {
        const struct cr_timeline_case *o = &d->tl->cases[i];
        if (o->id == d->c->row.id)
            continue;
        char flagged[21], decided[21], closed[21];
        when(o->flagged_at, flagged);
        when(o->decided_at, decided);
        when(o->closed_at, closed);
        cr_buf_addf(&d->txt, "  Case %lld: %s, %s, flagged %s, decided %s, closed %s\n",
                    (long long)o->id, cr_state_label(o->state),
                    o->outcome >= 0 ? cr_outcome_label(o->outcome) : "not decided", flagged,
                    decided, closed);
        jopen(d, NULL, '{');
        jnum(d, "case", o->id);
        jtext(d, "state", cr_state_name(o->state));
        jtext(d, "outcome", o->outcome >= 0 ? cr_outcome_name(o->outcome) : NULL);
        jtime(d, "flagged_at", o->flagged_at);
        jtime(d, "decided_at", o->decided_at);
        jtime(d, "closed_at", o->closed_at);
        jclose(d, '}');
        shown++;
    }
    jclose(d, ']');
    if (!shown)
        txt(d, "  none\n");
}

/* Every allegation of the subject, of every case, in one timeline by date (Casey: together). */
static void
section_timeline(struct doc *d)
{
    size_t n = d->tl ? d->tl->n_allegations : 0;
    cr_buf_addf(&d->txt, "\nTimeline of the subject's allegations (%zu)\n", n);
    jopen(d, "timeline", '[');
    for (size_t i = 0; i < n; i++) {
        const struct cr_timeline_allegation *a = &d->tl->allegations[i];
        const char *summary = redact(d, CR_PACK_REDACT_SUMMARIES) ? "[redacted]" : a->summary;
        cr_buf_addf(&d->txt, "  %s  case %lld%s  %s  %s\n", a->date, (long long)a->case_id,
                    a->case_id == d->c->row.id ? " (this case)" : "", a->ref,
                    cr_category_label(a->category));
        txt_block(d, 4, summary);
        jopen(d, NULL, '{');
        jnum(d, "case", a->case_id);
        jtext(d, "date", a->date);
        jtext(d, "ref", a->ref);
        jtext(d, "category", cr_category_name(a->category));
        jtext(d, "source", cr_source_name(a->source));
        jtext(d, "summary", summary);
        jclose(d, '}');
    }
    jclose(d, ']');
}

/* The case's references in other systems in force (crime, misconduct, IOPC). */
static void
section_links(struct doc *d)
{
    txt(d, "\nLinked references\n");
    jopen(d, "linked_refs", '[');
    size_t shown = 0;
    for (size_t i = 0; d->tl && i < d->tl->n_links; i++) {
        const struct cr_link *k = &d->tl->links[i];
        if (k->case_id != d->c->row.id)
            continue;
        cr_buf_addf(&d->txt, "  %s %s (%s), %s\n", cr_link_kind_name(k->kind), k->ref, k->status,
                    k->added_by ? k->added_by : "imported");
        jopen(d, NULL, '{');
        jtext(d, "kind", cr_link_kind_name(k->kind));
        jtext(d, "ref", k->ref);
        jtext(d, "status", k->status);
        jtext(d, "added_by", k->added_by);
        jclose(d, '}');
        shown++;
    }
    jclose(d, ']');
    if (!shown)
        txt(d, "  none\n");
}

/* What happened after the decision (core/followup.c), in the order recorded. */
static void
section_followups(struct doc *d)
{
    txt(d, "\nWhat happened next\n");
    jopen(d, "follow_ups", '[');
    for (size_t i = 0; d->fu && i < d->fu->n; i++) {
        const struct cr_followup *f = &d->fu->v[i];
        char at[21];
        when(f->recorded_at, at);
        cr_buf_addf(&d->txt, "  %s  %s: %s (recorded by %s at %s)\n", f->date,
                    cr_followup_stage_label(f->stage), f->result, f->recorded_by, at);
        if (f->detail)
            txt_block(d, 4, f->detail);
        jopen(d, NULL, '{');
        jtext(d, "stage", cr_followup_stage_name(f->stage));
        jtext(d, "result", f->result);
        jtext(d, "date", f->date);
        jtext(d, "detail", f->detail);
        jtext(d, "recorded_by", f->recorded_by);
        jtext(d, "recorded_at", at);
        jclose(d, '}');
    }
    jclose(d, ']');
    if (!d->fu || !d->fu->n)
        txt(d, "  none\n");
}

static void
section_allegations(struct doc *d)
{
    const struct cr_case *c = d->c;
    cr_buf_addf(&d->txt, "\nAllegations (%zu)\n", c->n_allegations);
    jopen(d, "allegations", '[');
    for (size_t i = 0; i < c->n_allegations; i++) {
        const struct cr_allegation *a = &c->allegations[i];
        const char *summary = redact(d, CR_PACK_REDACT_SUMMARIES) ? "[redacted]" : a->summary;
        cr_buf_addf(&d->txt, "  %zu. %s  %s  %s, reported by %s\n     Original outcome: %s\n",
                    i + 1, a->date, a->ref, cr_category_label(a->category),
                    cr_source_label(a->source),
                    a->original_outcome && *a->original_outcome ? a->original_outcome : "-");
        txt_block(d, 5, summary);
        jopen(d, NULL, '{');
        jtext(d, "ref", a->ref);
        jtext(d, "date", a->date);
        jtext(d, "category", cr_category_name(a->category));
        jtext(d, "source", cr_source_name(a->source));
        jtext(d, "original_outcome", a->original_outcome);
        jtext(d, "summary", summary);
        jclose(d, '}');
    }
    jclose(d, ']');
}

/* Whether an audit event is one of the decision's history. */
static bool
decision_event(const char *action)
{
    static const char *const kinds[] = {"decide", "approve", "return", "recall", "reconvene"};
    for (size_t i = 0; i < CR_ARRAY_LEN(kinds); i++)
        if (strcmp(action, kinds[i]) == 0)
            return true;
    return false;
}

/*
 * Every decision and what became of it, oldest first, from the case's audit
 * trail: each decision with its rationale whole, each approval, return,
 * recall and reconvening with its reason.
 */
static void
section_decisions(struct doc *d)
{
    txt(d, "\nDecision history\n");
    jopen(d, "decisions", '[');
    size_t shown = 0;
    for (size_t i = 0; d->h && i < d->h->n; i++) {
        const struct cr_event *e = &d->h->events[i];
        if (!e->action || !decision_event(e->action))
            continue;
        char at[21];
        when(e->at, at);
        int64_t round = jint(e->details, "round");
        jopen(d, NULL, '{');
        jtext(d, "action", e->action);
        jnum(d, "decision", round);
        jtext(d, "by", e->actor);
        jtext(d, "at", at);
        if (strcmp(e->action, "decide") == 0) {
            jstr(e->details, "outcome", &d->tmp);
            int outcome = cr_outcome_parse(d->tmp.p);
            bool vr = jtrue(e->details, "vetting_review");
            cr_buf_addf(&d->txt, "  Decision %lld: %s%s, by %s at %s\n    Rationale:\n",
                        (long long)round, outcome >= 0 ? cr_outcome_label(outcome) : d->tmp.p,
                        vr ? ", with a vetting review" : "", e->actor, at);
            jtext(d, "outcome", d->tmp.p);
            jbool(d, "vetting_review", vr);
            jstr(e->details, "rationale", &d->tmp);
            txt_block(d, 6, d->tmp.p);
            jtext(d, "rationale", d->tmp.p);
        } else if (strcmp(e->action, "approve") == 0) {
            bool panel = jtrue(e->details, "panel");
            cr_buf_addf(&d->txt, "  Decision %lld approved by %s at %s%s\n", (long long)round,
                        e->actor, at, panel ? ": to the panel" : ": closed");
            jbool(d, "panel", panel);
        } else {
            const char *what = strcmp(e->action, "return") == 0   ? "returned"
                               : strcmp(e->action, "recall") == 0 ? "recalled from the panel"
                                                                  : "put to the panel again";
            cr_buf_addf(&d->txt, "  Decision %lld %s by %s at %s\n    Reason:\n", (long long)round,
                        what, e->actor, at);
            jstr(e->details, "reason", &d->tmp);
            txt_block(d, 6, d->tmp.p);
            jtext(d, "reason", d->tmp.p);
        }
        jclose(d, '}');
        shown++;
    }
    jclose(d, ']');
    if (!shown)
        txt(d, "  not decided\n");
}

/* The current decision's approval. */
static void
section_approvals(struct doc *d)
{
    const struct cr_case *c = d->c;
    char at[21];
    when(c->approved_at, at);
    txt(d, "\nApproval\n");
    if (c->approved_by)
        cr_buf_addf(&d->txt, "  Decision %d approved by %s at %s\n", c->round, c->approved_by, at);
    else
        txt(d, "  not approved\n");
    jopen(d, "approval", '{');
    jnum(d, "decision", c->round);
    jtext(d, "approved_by", c->approved_by);
    jtime(d, "approved_at", c->approved_by ? c->approved_at : 0);
    jclose(d, '}');
}

/* The panel's votes on the current decision, as the user may see them (blind voting kept). */
static void
section_votes(struct doc *d)
{
    const struct cr_case *c = d->c;
    cr_buf_addf(&d->txt, "\nPanel votes on decision %d\n", c->round);
    jopen(d, "votes", '[');
    for (size_t i = 0; i < c->n_votes; i++) {
        const struct cr_vote_row *v = &c->votes[i];
        char at[21];
        when(v->at, at);
        cr_buf_addf(&d->txt, "  %-8s %s (%s) at %s\n", cr_vote_name(v->vote), v->member,
                    cr_kind_name(v->kind), at);
        if (v->reason)
            txt_block(d, 4, v->reason);
        jopen(d, NULL, '{');
        jtext(d, "member", v->member);
        jtext(d, "kind", cr_kind_name(v->kind));
        jtext(d, "vote", cr_vote_name(v->vote));
        jtext(d, "reason", v->reason);
        jtext(d, "at", at);
        jclose(d, '}');
    }
    jclose(d, ']');
    jnum(d, "votes_withheld", (int64_t)c->votes_hidden);
    if (!c->n_votes && !c->votes_hidden)
        txt(d, "  none\n");
    if (c->votes_hidden)
        cr_buf_addf(&d->txt, "  %zu withheld (blind voting)\n", c->votes_hidden);
}

static void
section_notes(struct doc *d)
{
    const struct cr_case *c = d->c;
    txt(d, "\nNotes\n");
    jopen(d, "notes", '[');
    for (size_t i = 0; i < c->n_notes; i++) {
        const struct cr_note *n = &c->notes[i];
        char at[21];
        when(n->at, at);
        cr_buf_addf(&d->txt, "  %s  %s (%s)\n", at, n->author, n->kind);
        txt_block(d, 4, n->body);
        jopen(d, NULL, '{');
        jtext(d, "author", n->author);
        jtext(d, "kind", n->kind);
        jtext(d, "at", at);
        jtext(d, "body", n->body);
        jclose(d, '}');
    }
    jclose(d, ']');
    if (!c->n_notes)
        txt(d, "  none\n");
}

/* The sections of a document, in order: a new section is one function and one line here. */
static void (*const sections[])(struct doc *) = {
    section_head,  section_subject,     section_other_cases, section_timeline,
    section_links, section_allegations, section_decisions,   section_approvals,
    section_votes, section_notes,       section_followups,
};

/* The files */

struct file {
    char name[64];
    struct cr_buf *body;
    char hex[65];
};

struct pack {
    cr_db *db;
    const struct cr_pack_request *q;
    int dfd;
    bool made_dir;
    struct file *files;
    size_t n_files;
    size_t written; /* files created so far (to remove on failure) */
    struct cr_buf manifest;
    struct doc *docs;
    size_t n_docs;
};

static void
sha256_hex(const struct cr_buf *b, char hex[65])
{
    unsigned char sum[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(sum, (const unsigned char *)(b->p ? b->p : ""), b->len);
    sodium_bin2hex(hex, 65, sum, sizeof sum);
}

/* Undo what was written: the files made, then the directory when pack made it. */
static void
undo(struct pack *p)
{
    if (p->dfd >= 0) {
        for (size_t i = 0; i < p->written && i < p->n_files; i++)
            unlinkat(p->dfd, p->files[i].name, 0);
        if (p->written > p->n_files)
            unlinkat(p->dfd, "MANIFEST", 0);
        close(p->dfd);
        p->dfd = -1;
    }
    if (p->made_dir)
        rmdir(p->q->dir);
    p->written = 0;
}

/*
 * The directory: made 0700 when it is not there; when it is, it must be a
 * directory (not a symbolic link to one) and empty.
 */
static enum cr_status
open_dir(struct pack *p)
{
    const char *dir = p->q->dir;
    if (mkdir(dir, 0700) == 0) {
        p->made_dir = true;
    } else if (errno != EEXIST) {
        return cr_fail(p->db, CR_INVALID, "%s: %s; nothing was written", dir, strerror(errno));
    }
    p->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (p->dfd < 0) {
        int err = errno;
        struct stat sb;
        bool link = lstat(dir, &sb) == 0 && S_ISLNK(sb.st_mode);
        enum cr_status st =
            link ? cr_fail(p->db, CR_INVALID,
                           "%s is a symbolic link, which pack does not follow; nothing was "
                           "written",
                           dir)
            : err == ENOTDIR
                ? cr_fail(p->db, CR_INVALID, "%s is not a directory; nothing was written", dir)
                : cr_fail(p->db, CR_INVALID, "%s: %s; nothing was written", dir, strerror(err));
        undo(p);
        return st;
    }
    if (p->made_dir) {
        if (fchmod(p->dfd, 0700) < 0) {
            enum cr_status st =
                cr_fail(p->db, CR_INVALID, "%s: %s; nothing was written", dir, strerror(errno));
            undo(p);
            return st;
        }
        return CR_OK;
    }
    int fd = dup(p->dfd);
    DIR *ds = fd >= 0 ? fdopendir(fd) : NULL;
    if (!ds) {
        if (fd >= 0)
            close(fd);
        enum cr_status st =
            cr_fail(p->db, CR_INVALID, "%s: %s; nothing was written", dir, strerror(errno));
        undo(p);
        return st;
    }
    const char *found = NULL;
    struct dirent *ent;
    while (!found && (ent = readdir(ds)))
        if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0)
            found = ent->d_name;
    enum cr_status st = CR_OK;
    if (found)
        st = cr_fail(p->db, CR_INVALID,
                     "%s is not empty (it holds %s): pack writes only into a new or empty "
                     "directory; nothing was written",
                     dir, found);
    closedir(ds);
    if (st != CR_OK)
        undo(p);
    return st;
}

/* Write one file whole, 0600, never through a link, and sync it. */
static enum cr_status
write_file(struct pack *p, const char *name, const struct cr_buf *body)
{
    int fd = openat(p->dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return cr_fail(p->db, CR_INVALID, "%s/%s: %s; nothing was disclosed%s", p->q->dir, name,
                       strerror(errno), p->written ? " and the files written were removed" : "");
    p->written++;
    int err = fchmod(fd, 0600) < 0 ? errno : 0;
    for (size_t done = 0; !err && done < body->len;) {
        ssize_t k = write(fd, body->p + done, body->len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            err = k < 0 ? errno : EIO;
        else
            done += (size_t)k;
    }
    if (!err && fsync(fd) < 0)
        err = errno;
    if (close(fd) < 0 && !err)
        err = errno;
    if (err)
        return cr_fail(p->db, CR_INVALID,
                       "writing %s/%s: %s; nothing was disclosed and the files written were "
                       "removed",
                       p->q->dir, name, strerror(err));
    return CR_OK;
}

/* The cases */

static enum cr_status
add_case(cr_db *db, struct cr_pack_result *r, size_t *cap, int64_t id)
{
    for (size_t i = 0; i < r->n_cases; i++)
        if (r->cases[i] == id)
            return CR_OK;
    if (r->n_cases == *cap) {
        size_t n = *cap ? *cap * 2 : 16;
        int64_t *v = realloc(r->cases, n * sizeof *v);
        if (!v)
            return cr_fail(db, CR_NOMEM, "out of memory");
        r->cases = v;
        *cap = n;
    }
    r->cases[r->n_cases++] = id;
    return CR_OK;
}

/* Every case in the state that the user may see, by case number. */
static enum cr_status
cases_in_state(cr_db *db, int state, struct cr_pack_result *r, size_t *cap)
{
    struct cr_filter f = CR_FILTER_ALL;
    f.state = state;
    f.sort = CR_SORT_AGE;
    struct cr_page page = {0};
    int64_t after = 0;
    enum cr_status st;
    do {
        if ((st = cr_list_page(db, &f, after, 500, &page)) != CR_OK)
            break;
        for (size_t i = 0; i < page.n && st == CR_OK; i++)
            st = add_case(db, r, cap, page.rows[i].id);
        if (page.n)
            after = cr_row_cursor(&f, &page.rows[page.n - 1]);
    } while (st == CR_OK && page.more && page.n);
    cr_page_free(&page);
    return st;
}

static void
pack_free(struct pack *p)
{
    for (size_t i = 0; i < p->n_docs; i++) {
        cr_buf_free(&p->docs[i].txt);
        cr_buf_free(&p->docs[i].json);
        cr_buf_free(&p->docs[i].tmp);
    }
    free(p->docs);
    free(p->files);
    cr_buf_free(&p->manifest);
}

/* Build case id's two documents into d. */
static enum cr_status
build(struct pack *p, int64_t id, struct doc *d)
{
    cr_db *db = p->db;
    struct cr_case c;
    enum cr_status st = cr_case_reload_id(db, id, &c);
    if (st == CR_REFUSED) {
        char *why = strdup(cr_db_errmsg(db));
        st = cr_fail(db, CR_REFUSED, "case %lld cannot be packed: %s; nothing was written",
                     (long long)id, why ? why : "refused");
        free(why);
        return st;
    }
    if (st != CR_OK)
        return st;
    struct cr_history h = {0};
    struct cr_timeline tl = {0};
    struct cr_followup_list fu = {0};
    if ((st = cr_history_of_view_id(db, id, &h)) == CR_OK &&
        (st = cr_case_timeline_id(db, id, &tl)) == CR_OK &&
        (st = cr_followups_get_id(db, id, &fu)) == CR_OK) {
        d->db = db;
        d->q = p->q;
        d->c = &c;
        d->h = &h;
        d->tl = &tl;
        d->fu = &fu;
        cr_buf_addc(&d->json, '{');
        d->sep = false;
        for (size_t i = 0; i < CR_ARRAY_LEN(sections); i++)
            sections[i](d);
        cr_buf_addf(&d->json, "}\n");
        if (!d->txt.p || !d->json.p)
            st = cr_fail(db, CR_NOMEM, "out of memory");
        d->c = NULL;
        d->h = NULL;
        d->tl = NULL;
        d->fu = NULL;
    }
    cr_followup_list_free(&fu);
    cr_timeline_free(&tl);
    cr_history_free(&h);
    cr_case_free(&c);
    return st;
}

/* Write every file and the manifest; on failure nothing is left. */
static enum cr_status
write_all(struct pack *p, struct cr_pack_result *r)
{
    enum cr_status st = open_dir(p);
    if (st != CR_OK)
        return st;
    for (size_t i = 0; i < p->n_files && st == CR_OK; i++)
        st = write_file(p, p->files[i].name, p->files[i].body);
    if (st == CR_OK) {
        st = write_file(p, "MANIFEST", &p->manifest);
        if (st == CR_OK && fsync(p->dfd) < 0)
            st = cr_fail(p->db, CR_INVALID,
                         "syncing %s: %s; nothing was disclosed and the files written were "
                         "removed",
                         p->q->dir, strerror(errno));
    }
    if (st != CR_OK) {
        undo(p);
        return st;
    }
    r->n_files = p->n_files;
    r->made_dir = p->made_dir;
    return CR_OK;
}

/* The disclosure event: who, why, to whom, which cases, which redaction, the manifest. */
static enum cr_status
record(struct pack *p, struct cr_pack_result *r)
{
    const struct cr_pack_request *q = p->q;
    char *real = realpath(q->dir, NULL);
    struct cr_buf b = {0};
    cr_buf_addf(&b, "{\"stage\": \"whole\", \"kind\": \"pack\", \"reason\": ");
    cr_buf_add_json(&b, q->reason);
    cr_buf_addf(&b, ", \"recipient\": ");
    cr_buf_add_json(&b, q->recipient);
    cr_buf_addf(&b, ", \"format\": \"txt+json\", \"destination\": ");
    cr_buf_add_json(&b, real ? real : q->dir);
    cr_buf_addf(&b, ", \"redact\": [%s%s%s]", q->redact & CR_PACK_REDACT_NAMES ? "\"names\"" : "",
                q->redact == (CR_PACK_REDACT_NAMES | CR_PACK_REDACT_SUMMARIES) ? ", " : "",
                q->redact & CR_PACK_REDACT_SUMMARIES ? "\"summaries\"" : "");
    cr_buf_addf(&b, ", \"cases\": [");
    for (size_t i = 0; i < r->n_cases; i++)
        cr_buf_addf(&b, "%s%lld", i ? ", " : "", (long long)r->cases[i]);
    cr_buf_addf(&b, "], \"files\": %zu, \"manifest_sha256\": \"%s\"}", p->n_files + 1,
                r->manifest_sha256);
    free(real);
    enum cr_status st = cr_audit_record(p->db, "disclosure", b.p, &r->event);
    cr_buf_free(&b);
    return st;
}

enum cr_status
cr_pack(cr_db *db, const struct cr_pack_request *q, struct cr_pack_result *out)
{
    if (!db)
        return CR_USAGE;
    if (!q || !out)
        return cr_fail(db, CR_USAGE, "a pack needs a request and a result");
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_require_role(db, CR_ROLE_ADMIN, "pack");
    if (st != CR_OK)
        return st;
    if (cr_blank(q->reason) || cr_blank(q->recipient))
        return cr_fail(db, CR_REFUSED, "a pack is a disclosure and needs a reason and a recipient");
    if (cr_blank(q->dir))
        return cr_fail(db, CR_USAGE, "pack needs a directory to write to");
    if (q->redact & ~(unsigned)(CR_PACK_REDACT_NAMES | CR_PACK_REDACT_SUMMARIES))
        return cr_fail(db, CR_USAGE, "pack: no such redaction");
    size_t named = q->n_keys + q->n_cases;
    if (!named && (q->state < 0 || q->state >= CR_STATE_COUNT))
        return cr_fail(db, CR_USAGE, "pack needs cases, or a state to take them from");
    if (named && q->state >= 0)
        return cr_fail(db, CR_USAGE, "pack takes cases or a state, not both");
    if (sodium_init() < 0)
        return cr_fail(db, CR_NOMEM, "out of memory");

    /* The cases: each named one must exist and be one the user may see. */
    size_t cap = 0;
    for (size_t i = 0; i < q->n_keys && st == CR_OK; i++) {
        int64_t id;
        struct cr_case c;
        if ((st = cr_case_reload(db, q->keys[i], &c)) == CR_OK) {
            id = c.row.id;
            cr_case_free(&c);
            st = add_case(db, out, &cap, id);
        } else if (st == CR_REFUSED) {
            char *why = strdup(cr_db_errmsg(db));
            st = cr_fail(db, CR_REFUSED, "case %s cannot be packed: %s; nothing was written",
                         q->keys[i], why ? why : "refused");
            free(why);
        }
    }
    for (size_t i = 0; i < q->n_cases && st == CR_OK; i++) {
        struct cr_case c;
        if ((st = cr_case_reload_id(db, q->cases[i], &c)) == CR_OK) {
            cr_case_free(&c);
            st = add_case(db, out, &cap, q->cases[i]);
        } else if (st == CR_REFUSED) {
            char *why = strdup(cr_db_errmsg(db));
            st = cr_fail(db, CR_REFUSED, "case %lld cannot be packed: %s; nothing was written",
                         (long long)q->cases[i], why ? why : "refused");
            free(why);
        }
    }
    if (st == CR_OK && !named)
        st = cases_in_state(db, q->state, out, &cap);
    if (st == CR_OK && !out->n_cases)
        st = cr_fail(db, CR_REFUSED, "no case in %s that you may see; nothing was written",
                     cr_state_name(q->state));
    if (st != CR_OK) {
        cr_pack_result_free(out);
        return st;
    }

    /* Every document, in memory, before anything is written. */
    struct pack p = {.db = db, .q = q, .dfd = -1};
    p.docs = calloc(out->n_cases, sizeof *p.docs);
    p.files = calloc(2 * out->n_cases, sizeof *p.files);
    if (!p.docs || !p.files)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    for (size_t i = 0; st == CR_OK && i < out->n_cases; i++, p.n_docs++)
        st = build(&p, out->cases[i], &p.docs[i]);
    for (size_t i = 0; st == CR_OK && i < out->n_cases; i++) {
        struct file *json = &p.files[p.n_files++], *text = &p.files[p.n_files++];
        snprintf(json->name, sizeof json->name, "case-%lld.json", (long long)out->cases[i]);
        snprintf(text->name, sizeof text->name, "case-%lld.txt", (long long)out->cases[i]);
        json->body = &p.docs[i].json;
        text->body = &p.docs[i].txt;
        sha256_hex(json->body, json->hex);
        sha256_hex(text->body, text->hex);
        cr_buf_addf(&p.manifest, "%s  %s\n%s  %s\n", json->hex, json->name, text->hex, text->name);
    }
    if (st == CR_OK && !p.manifest.p)
        st = cr_fail(db, CR_NOMEM, "out of memory");
    if (st == CR_OK) {
        sha256_hex(&p.manifest, out->manifest_sha256);
        st = write_all(&p, out);
    }
    /* The event, committed with the files: when it cannot be, the files go. */
    if (st == CR_OK && (st = record(&p, out)) != CR_OK)
        undo(&p);
    if (p.dfd >= 0)
        close(p.dfd);
    pack_free(&p);
    if (st != CR_OK)
        cr_pack_result_free(out);
    return st;
}

int
cr_pack_visible(const cr_db *db)
{
    const struct cr_person *me = db ? st_user(db) : NULL;
    return me && cr_person_has(me, CR_ROLE_ADMIN);
}

void
cr_pack_result_free(struct cr_pack_result *r)
{
    if (!r)
        return;
    free(r->cases);
    memset(r, 0, sizeof *r);
}

char *
cr_pack_describe(const struct cr_pack_request *q, const struct cr_pack_result *r)
{
    struct cr_buf b = {0};
    cr_buf_addf(&b, "packed %zu %s (", r->n_cases, r->n_cases == 1 ? "case" : "cases");
    for (size_t i = 0; i < r->n_cases && i < 10; i++)
        cr_buf_addf(&b, "%s%lld", i ? ", " : "", (long long)r->cases[i]);
    if (r->n_cases > 10)
        cr_buf_addf(&b, " and %zu more", r->n_cases - 10);
    cr_buf_addf(&b,
                ") for %s into %s: %zu files and MANIFEST (sha256 %s)%s; "
                "recorded in the audit trail (event %lld)",
                q->recipient, q->dir, r->n_files, r->manifest_sha256,
                q->redact
                    ? (q->redact == CR_PACK_REDACT_NAMES       ? ", names redacted"
                       : q->redact == CR_PACK_REDACT_SUMMARIES ? ", summaries redacted"
                                                               : ", names and summaries redacted")
                    : "",
                (long long)r->event);
    return b.p;
}
