/*
 * Replay of the audit trail (`audit verify`): what every case should hold,
 * worked out from the events alone, so that the tables can be checked
 * against the trail and not only the trail against itself.
 *
 * One table, keyed by action name, says what each action's event changed.
 * An action missing from the table fails the check by name: an event whose
 * effect is not known cannot vouch for the data.
 *
 * Two modes share the table.  The fast mode keeps, per case, the fields of
 * its row and a running digest of each of its lists (decisions, approvals,
 * votes, notes): memory per case, whatever the number of events.  The
 * detail mode keeps the items themselves, with the event that made each,
 * for the one case that differs, so that the message can say what differs.
 */
#include "internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/*
 * The details of an event: a flat JSON object as our writer makes it, read
 * once per event into spans (a string's span is between its quotes, still
 * escaped) and unescaped only when a handler asks for that key.
 */
enum jtype { J_NONE, J_STRING, J_NUMBER, J_TRUE, J_FALSE, J_NULL, J_LIST };

#define MAX_FIELDS 24

struct jfield {
    const char *key;
    size_t key_len;
    enum jtype type;
    const char *value; /* strings: after the opening quote */
    size_t len;
};

struct jobject {
    size_t n;
    struct jfield f[MAX_FIELDS];
};

static const char *
skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

/* The end of the string whose opening quote is at p (its closing quote), or NULL. */
static const char *
string_end(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && !*++p)
            return NULL;
    return *p == '"' ? p : NULL;
}

static void
parse_object(const char *json, struct jobject *o)
{
    o->n = 0;
    const char *p = skip_ws(json ? json : "");
    if (*p++ != '{')
        return;
    while (o->n < MAX_FIELDS) {
        p = skip_ws(p);
        const char *end = *p == '"' ? string_end(p) : NULL;
        if (!end)
            return;
        struct jfield *f = &o->f[o->n];
        f->key = p + 1;
        f->key_len = (size_t)(end - p - 1);
        p = skip_ws(end + 1);
        if (*p++ != ':')
            return;
        p = skip_ws(p);
        if (*p == '"') {
            if (!(end = string_end(p)))
                return;
            f->type = J_STRING;
            f->value = p + 1;
            f->len = (size_t)(end - p - 1);
            p = end + 1;
        } else if (strncmp(p, "true", 4) == 0) {
            f->type = J_TRUE;
            p += 4;
        } else if (strncmp(p, "false", 5) == 0) {
            f->type = J_FALSE;
            p += 5;
        } else if (strncmp(p, "null", 4) == 0) {
            f->type = J_NULL;
            p += 4;
        } else if (*p == '[') {
            /* A list (a reconvene's vote events): skipped whole, strings and all. */
            int depth = 0;
            do {
                if (*p == '"') {
                    if (!(end = string_end(p)))
                        return;
                    p = end;
                } else if (*p == '[') {
                    depth++;
                } else if (*p == ']') {
                    depth--;
                } else if (!*p) {
                    return;
                }
                p++;
            } while (depth > 0);
            f->type = J_LIST;
        } else {
            char *num_end;
            (void)strtoll(p, &num_end, 10);
            if (num_end == p)
                return;
            f->type = J_NUMBER;
            f->value = p;
            f->len = (size_t)(num_end - p);
            p = num_end;
        }
        o->n++;
        p = skip_ws(p);
        if (*p++ != ',')
            return;
    }
}

static const struct jfield *
field(const struct jobject *o, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < o->n; i++)
        if (o->f[i].key_len == n && memcmp(o->f[i].key, key, n) == 0)
            return &o->f[i];
    return NULL;
}

/* A string value, unescaped into out (reset first); whether the key holds a string. */
static bool
get_string(const struct jobject *o, const char *key, struct cr_buf *out)
{
    cr_buf_reset(out);
    cr_buf_add(out, "", 0);
    const struct jfield *f = field(o, key);
    if (!f || f->type != J_STRING)
        return false;
    const char *p = f->value, *end = f->value + f->len;
    while (p < end) {
        const char *run = p;
        while (p < end && *p != '\\')
            p++;
        cr_buf_add(out, run, (size_t)(p - run));
        if (p == end)
            break;
        p++;
        char c = *p++;
        switch (c) {
        case 'n':
            c = '\n';
            break;
        case 'r':
            c = '\r';
            break;
        case 't':
            c = '\t';
            break;
        case 'b':
            c = '\b';
            break;
        case 'f':
            c = '\f';
            break;
        case 'u': {
            unsigned v = 0;
            for (int i = 0; i < 4 && p < end; i++, p++)
                v = v * 16 + (unsigned)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
            c = (char)v; /* our writer escapes only control characters this way */
            break;
        }
        default:
            break;
        }
        cr_buf_addc(out, c);
    }
    return true;
}

static bool
get_int(const struct jobject *o, const char *key, int64_t *v)
{
    const struct jfield *f = field(o, key);
    if (!f || f->type != J_NUMBER)
        return false;
    *v = strtoll(f->value, NULL, 10);
    return true;
}

static bool
get_true(const struct jobject *o, const char *key)
{
    const struct jfield *f = field(o, key);
    return f && f->type == J_TRUE;
}

/* s as a JSON string, quoted, as cr_buf_add_json writes it, a run of plain bytes at a time. */
static void
add_quoted(struct cr_buf *b, const char *s)
{
    cr_buf_addc(b, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p;
        while (*p && *p != '"' && *p != '\\' && *p >= 0x20 && *p != 0x7f)
            p++;
        cr_buf_add(b, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        switch (*p) {
        case '"':
            cr_buf_add(b, "\\\"", 2);
            break;
        case '\\':
            cr_buf_add(b, "\\\\", 2);
            break;
        case '\n':
            cr_buf_add(b, "\\n", 2);
            break;
        case '\r':
            cr_buf_add(b, "\\r", 2);
            break;
        case '\t':
            cr_buf_add(b, "\\t", 2);
            break;
        default:
            cr_buf_addf(b, "\\u%04x", *p);
        }
        p++;
    }
    cr_buf_addc(b, '"');
}

static void
add_text(struct cr_buf *b, const char *s)
{
    if (s)
        cr_buf_add(b, s, strlen(s));
}

/* Digests */

uint64_t
cr_replay_text_digest(const char *s)
{
    if (!s)
        return 0;
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)s, strlen(s), NULL, 0);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v | 1; /* never 0, which stands for nobody */
}

void
cr_replay_digest_add(uint64_t *d, const char *item)
{
    unsigned char h[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)d, sizeof *d);
    crypto_generichash_update(&st, (const unsigned char *)item, strlen(item) + 1);
    crypto_generichash_final(&st, h, sizeof h);
    memcpy(d, h, sizeof *d);
}

/* A 64-bit digest of one item, for the lists kept as sums. */
static uint64_t
item_digest(const char *item)
{
    unsigned char h[8];
    crypto_generichash(h, sizeof h, (const unsigned char *)item, strlen(item), NULL, 0);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v;
}

void
cr_replay_digest_put(int list, uint64_t *d, const char *item)
{
    if (list == CR_REPLAY_VOTES || list == CR_REPLAY_SET_ASIDE || list == CR_REPLAY_LINKS ||
        list == CR_REPLAY_QA)
        *d += item_digest(item);
    else
        cr_replay_digest_add(d, item);
}

/* Items: the text of a row as both sides write it */

void
cr_replay_decision_text(struct cr_buf *b, int round, const char *reviewer, const char *outcome,
                        int vetting_review, const char *rationale)
{
    cr_buf_reset(b);
    cr_buf_addf(b, "round %d: ", round);
    add_text(b, reviewer);
    cr_buf_add(b, " decided ", 9);
    add_text(b, outcome);
    if (vetting_review)
        add_text(b, " with a vetting review");
    cr_buf_add(b, ": ", 2);
    add_quoted(b, rationale ? rationale : "");
}

void
cr_replay_approval_text(struct cr_buf *b, int round, const char *supervisor)
{
    cr_buf_reset(b);
    cr_buf_addf(b, "round %d: approved by ", round);
    add_text(b, supervisor);
}

void
cr_replay_vote_text(struct cr_buf *b, int round, const char *member, const char *kind,
                    const char *vote, const char *reason)
{
    cr_buf_reset(b);
    cr_buf_addf(b, "round %d: ", round);
    add_text(b, member);
    cr_buf_add(b, " (", 2);
    add_text(b, kind);
    cr_buf_add(b, ") ", 2);
    add_text(b, vote);
    if (reason) {
        cr_buf_add(b, ": ", 2);
        add_quoted(b, reason);
    }
}

void
cr_replay_note_text(struct cr_buf *b, const char *kind, const char *author, const char *body)
{
    cr_buf_reset(b);
    add_text(b, kind);
    cr_buf_add(b, " by ", 4);
    add_text(b, author);
    cr_buf_add(b, ": ", 2);
    add_quoted(b, body ? body : "");
}

void
cr_replay_link_text(struct cr_buf *b, const char *kind, const char *ref, const char *status,
                    const char *added_by, const char *removed_by, const char *removed_reason)
{
    cr_buf_reset(b);
    cr_buf_addf(b, "link %s ", kind ? kind : "");
    add_quoted(b, ref ? ref : "");
    cr_buf_addc(b, ' ');
    add_text(b, status);
    cr_buf_add(b, " by ", 4);
    add_text(b, added_by ? added_by : "(import)");
    if (removed_by) {
        cr_buf_add(b, ", removed by ", 13);
        add_text(b, removed_by);
        cr_buf_add(b, ": ", 2);
        add_quoted(b, removed_reason ? removed_reason : "");
    }
}

void
cr_replay_followup_text(struct cr_buf *b, const char *stage, const char *result, const char *date,
                        const char *by, const char *detail)
{
    cr_buf_reset(b);
    add_text(b, stage);
    cr_buf_addc(b, ' ');
    add_text(b, result);
    cr_buf_add(b, " on ", 4);
    add_text(b, date);
    cr_buf_add(b, " by ", 4);
    add_text(b, by);
    if (detail) {
        cr_buf_add(b, ": ", 2);
        add_quoted(b, detail);
    }
}

void
cr_replay_qa_text(struct cr_buf *b, int round, const char *decider, const char *reason, int draw,
                  const char *qa_by, const char *verdict, const char *qa_reason)
{
    cr_buf_reset(b);
    cr_buf_addf(b, "round %d: decided by ", round);
    add_text(b, decider);
    cr_buf_add(b, ", selected for QA (", 19);
    add_text(b, reason);
    cr_buf_addf(b, ", draw %d)", draw);
    if (qa_by) {
        cr_buf_add(b, "; QA by ", 8);
        add_text(b, qa_by);
        cr_buf_add(b, ": ", 2);
        add_text(b, verdict);
        cr_buf_add(b, ": ", 2);
        add_quoted(b, qa_reason ? qa_reason : "");
    }
}

/* The replay */

struct cr_replay {
    bool detail;
    int64_t only_case; /* detail: the one case replayed */
    size_t n, cap;     /* cases, indexed by id */
    struct cr_replay_case *cases;
    struct cr_buf item, s1, s2, s3;
    struct jobject d; /* the details of the event being replayed */
    bool erased;      /* its details were erased (cr_audit_erased_by): notes read "[erased]" */
};

struct cr_replay *
cr_replay_new(int64_t detail_case)
{
    struct cr_replay *r = calloc(1, sizeof *r);
    if (r) {
        r->detail = detail_case > 0;
        r->only_case = detail_case;
    }
    return r;
}

static void
list_free(struct cr_replay_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].text);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void
cr_replay_free(struct cr_replay *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        struct cr_replay_case *c = &r->cases[i];
        free(c->dissents);
        if (c->detail) {
            free(c->detail->assignee);
            free(c->detail->decided_by);
            free(c->detail->rationale);
            for (int k = 0; k < CR_REPLAY_LISTS; k++)
                list_free(&c->detail->lists[k]);
            free(c->detail);
        }
    }
    free(r->cases);
    cr_buf_free(&r->item);
    cr_buf_free(&r->s1);
    cr_buf_free(&r->s2);
    cr_buf_free(&r->s3);
    free(r);
}

void
cr_replay_case_init(struct cr_replay_case *c)
{
    memset(c, 0, sizeof *c);
    c->state = CR_STATE_FLAGGED;
    c->outcome = -1;
}

/* The case's slot, grown as ids come; NULL when out of memory. */
static struct cr_replay_case *
slot(struct cr_replay *r, int64_t id)
{
    if (id <= 0)
        return NULL;
    size_t i = (size_t)id - 1;
    if (i >= r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap <= i)
            cap *= 2;
        struct cr_replay_case *p = realloc(r->cases, cap * sizeof *p);
        if (!p)
            return NULL;
        r->cases = p;
        r->cap = cap;
    }
    while (r->n <= i)
        cr_replay_case_init(&r->cases[r->n++]);
    return &r->cases[i];
}

const struct cr_replay_case *
cr_replay_case(const struct cr_replay *r, int64_t id)
{
    if (id <= 0 || (size_t)id > r->n)
        return NULL;
    return &r->cases[id - 1];
}

int64_t
cr_replay_max_case(const struct cr_replay *r)
{
    return (int64_t)r->n;
}

static int
add_item(struct cr_replay *r, struct cr_replay_case *c, int list, int64_t event)
{
    const char *text = r->item.p ? r->item.p : "";
    cr_replay_digest_put(list, &c->digests[list], text);
    if (!c->detail)
        return 0;
    struct cr_replay_list *l = &c->detail->lists[list];
    struct cr_replay_item *it = realloc(l->items, (l->n + 1) * sizeof *it);
    if (!it)
        return -1;
    l->items = it;
    it[l->n].event = event;
    it[l->n].text = strdup(text);
    if (!it[l->n].text)
        return -1;
    l->n++;
    return 0;
}

static int
set_text(char **dst, const char *s)
{
    free(*dst);
    *dst = s ? strdup(s) : NULL;
    return s && !*dst ? -1 : 0;
}

static int
set_assignee(struct cr_replay *r, struct cr_replay_case *c, const char *login, int64_t event)
{
    (void)r;
    c->assignee = cr_replay_text_digest(login);
    if (!c->detail)
        return 0;
    c->detail->ev[CR_REPLAY_ASSIGNEE] = event;
    return set_text(&c->detail->assignee, login);
}

/* A buffer's text, "" when it holds none. */
static const char *
str(const struct cr_buf *b)
{
    return b->p ? b->p : "";
}

/* Each action's effect: reads the event, changes the case.  0, or -1 out of memory. */
typedef int replay_fn(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e);

static int
rp_claim(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    return set_assignee(r, c, e->actor, e->id);
}

static int
rp_release(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    return set_assignee(r, c, NULL, e->id);
}

static int
rp_assign(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    get_string(&r->d, "assignee", &r->s1);
    return set_assignee(r, c, str(&r->s1), e->id);
}

static int
rp_decide(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    int64_t round = c->round + 1;
    get_int(&r->d, "round", &round);
    get_string(&r->d, "outcome", &r->s1);
    get_string(&r->d, "rationale", &r->s2);
    int vr = get_true(&r->d, "vetting_review");
    c->round = (int)round;
    c->outcome = (signed char)cr_outcome_parse(str(&r->s1));
    c->vetting_review = (signed char)vr;
    c->decided_by = cr_replay_text_digest(e->actor);
    c->rationale = cr_replay_text_digest(str(&r->s2));
    c->sitting = 0; /* a new decision: the panel, if it sits, sits afresh */
    c->sitting_from = e->id;
    free(c->dissents);
    c->dissents = NULL;
    if (c->detail) {
        for (int f = CR_REPLAY_OUTCOME; f <= CR_REPLAY_RATIONALE; f++)
            c->detail->ev[f] = e->id;
        if (set_text(&c->detail->rationale, str(&r->s2)) < 0 ||
            set_text(&c->detail->decided_by, e->actor) < 0)
            return -1;
    }
    cr_replay_decision_text(&r->item, c->round, e->actor, str(&r->s1), vr, str(&r->s2));
    return add_item(r, c, CR_REPLAY_DECISIONS, e->id);
}

static int
rp_approve(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    int64_t round = c->round;
    get_int(&r->d, "round", &round);
    cr_replay_approval_text(&r->item, (int)round, e->actor);
    return add_item(r, c, CR_REPLAY_APPROVALS, e->id);
}

static int
rp_return(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    get_string(&r->d, "reason", &r->s1);
    cr_replay_note_text(&r->item, "return", e->actor, str(&r->s1));
    return add_item(r, c, CR_REPLAY_NOTES, e->id);
}

static int
rp_vote(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    int64_t round = c->round;
    get_int(&r->d, "round", &round);
    get_string(&r->d, "vote", &r->s1);
    get_string(&r->d, "kind", &r->s2);
    bool has_reason = get_string(&r->d, "reason", &r->s3);
    const char *vote = str(&r->s1), *kind = str(&r->s2);
    const char *reason = has_reason ? str(&r->s3) : NULL;
    cr_replay_vote_text(&r->item, (int)round, e->actor, kind, vote, reason);
    if (add_item(r, c, CR_REPLAY_VOTES, e->id) < 0)
        return -1;
    c->sitting += item_digest(r->item.p ? r->item.p : "");
    if (strcmp(vote, "dissent") == 0) {
        /* The round's dissents, for the note a return by the panel leaves. */
        struct cr_buf d = {0};
        if (c->dissents)
            cr_buf_add(&d, c->dissents, strlen(c->dissents));
        cr_buf_addf(&d, "\n- %s (%s): %s", e->actor, kind, reason ? reason : "");
        if (!d.p)
            return -1;
        free(c->dissents);
        c->dissents = d.p;
    }
    get_string(&r->d, "result", &r->s1);
    if (strcmp(str(&r->s1), "returned") == 0) {
        struct cr_buf body = {0};
        cr_buf_addf(&body, "The panel returned decision %d:%s", (int)round,
                    c->dissents ? c->dissents : "");
        if (r->erased)
            cr_buf_reset(&body), cr_buf_addf(&body, CR_ERASED_TEXT);
        if (!body.p)
            return -1;
        cr_replay_note_text(&r->item, "dissent", "panel", body.p);
        cr_buf_free(&body);
        free(c->dissents);
        c->dissents = NULL;
        return add_item(r, c, CR_REPLAY_NOTES, e->id);
    }
    return 0;
}

static int
rp_note(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    get_string(&r->d, "note", &r->s1);
    cr_replay_note_text(&r->item, "note", e->actor, str(&r->s1));
    return add_item(r, c, CR_REPLAY_NOTES, e->id);
}

/* A new allegation sent a decided case back: the system's note says so. */
static int
rp_import(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    get_string(&r->d, "new_allegation", &r->s1);
    struct cr_buf body = {0};
    cr_buf_addf(&body, "New allegation %s imported; the decision must be taken again.",
                str(&r->s1));
    if (r->erased)
        cr_buf_reset(&body), cr_buf_addf(&body, CR_ERASED_TEXT);
    if (!body.p)
        return -1;
    cr_replay_note_text(&r->item, "system", "system", body.p);
    cr_buf_free(&body);
    return add_item(r, c, CR_REPLAY_NOTES, e->id);
}

/* A correction that sent a decided case back: the system's note says so (core/erase.c). */
static int
rp_correct(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    if (!get_true(&r->d, "returned"))
        return 0;
    get_string(&r->d, "allegation", &r->s1);
    get_string(&r->d, "field", &r->s2);
    struct cr_buf body = {0};
    cr_buf_addf(&body, "Allegation %s corrected (%s); the decision must be taken again.",
                str(&r->s1), str(&r->s2));
    if (r->erased)
        cr_buf_reset(&body), cr_buf_addf(&body, CR_ERASED_TEXT);
    if (!body.p)
        return -1;
    cr_replay_note_text(&r->item, "system", "system", body.p);
    cr_buf_free(&body);
    return add_item(r, c, CR_REPLAY_NOTES, e->id);
}

/*
 * A reconvene sets the sitting's votes aside (they move to superseded_votes)
 * and leaves a system note in the actor's name, whose words the event keeps.
 */
static int
rp_reconvene(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    c->digests[CR_REPLAY_VOTES] -= c->sitting;
    c->digests[CR_REPLAY_SET_ASIDE] += c->sitting;
    c->sitting = 0;
    if (c->detail) {
        struct cr_replay_list *from = &c->detail->lists[CR_REPLAY_VOTES];
        struct cr_replay_list *to = &c->detail->lists[CR_REPLAY_SET_ASIDE];
        size_t kept = 0;
        for (size_t i = 0; i < from->n; i++) {
            if (from->items[i].event <= c->sitting_from) {
                from->items[kept++] = from->items[i];
                continue;
            }
            struct cr_replay_item *it = realloc(to->items, (to->n + 1) * sizeof *it);
            if (!it)
                return -1;
            to->items = it;
            to->items[to->n++] = from->items[i];
        }
        from->n = kept;
    }
    c->sitting_from = e->id;
    get_string(&r->d, "note", &r->s1);
    cr_replay_note_text(&r->item, "system", e->actor, str(&r->s1));
    return add_item(r, c, CR_REPLAY_NOTES, e->id);
}

/* A follow-up (issue 13): a row of follow_ups, the case's row untouched. */
static int
rp_followup(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    get_string(&r->d, "stage", &r->s1);
    get_string(&r->d, "result", &r->s2);
    bool has_detail = get_string(&r->d, "detail", &r->s3);
    struct cr_buf date = {0};
    get_string(&r->d, "date", &date);
    cr_replay_followup_text(&r->item, str(&r->s1), str(&r->s2), str(&date), e->actor,
                            has_detail ? str(&r->s3) : NULL);
    cr_buf_free(&date);
    return add_item(r, c, CR_REPLAY_FOLLOWUPS, e->id);
}

/* A reopen (issue 13): back to flagged, nobody assigned, a system note in the actor's name. */
static int
rp_reopen(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    if (set_assignee(r, c, NULL, e->id) < 0)
        return -1;
    get_string(&r->d, "note", &r->s1);
    cr_replay_note_text(&r->item, "system", e->actor, str(&r->s1));
    return add_item(r, c, CR_REPLAY_NOTES, e->id);
}

/*
 * A link's row (timeline.c): "link" adds one by the actor and, when it
 * replaces one in force (old_kind), marks that one removed by the actor
 * with the same reason; "unlink" only marks it removed.  The links are a
 * list kept as a sum: a row marked removed takes its old item out and
 * puts its new one in.  A row an import made (old_added_by null) was
 * never in the list: the trail accounts for it once a person removes it.
 */
static int
link_remove_item(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    if (!get_string(&r->d, "old_kind", &r->s2))
        return 0;
    get_string(&r->d, "old_status", &r->s3);
    struct cr_buf by = {0}, reason = {0}, ref = {0};
    bool imported = !get_string(&r->d, "old_added_by", &by);
    get_string(&r->d, "reason", &reason);
    get_string(&r->d, "ref", &ref);
    int rc = 0;
    if (!imported) {
        cr_replay_link_text(&r->item, str(&r->s2), str(&ref), str(&r->s3), str(&by), NULL, NULL);
        c->digests[CR_REPLAY_LINKS] -= item_digest(str(&r->item));
        if (c->detail) {
            struct cr_replay_list *l = &c->detail->lists[CR_REPLAY_LINKS];
            for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->items[i].text, str(&r->item)) == 0) {
                    free(l->items[i].text);
                    memmove(&l->items[i], &l->items[i + 1], (l->n - i - 1) * sizeof *l->items);
                    l->n--;
                    break;
                }
        }
    }
    cr_replay_link_text(&r->item, str(&r->s2), str(&ref), str(&r->s3), imported ? NULL : str(&by),
                        e->actor, str(&reason));
    if (!by.p || !reason.p || !ref.p || add_item(r, c, CR_REPLAY_LINKS, e->id) < 0)
        rc = -1;
    cr_buf_free(&by);
    cr_buf_free(&reason);
    cr_buf_free(&ref);
    return rc;
}

static int
rp_link(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    if (link_remove_item(r, c, e) < 0)
        return -1;
    get_string(&r->d, "ref", &r->s1);
    struct cr_buf kind = {0}, status = {0};
    get_string(&r->d, "kind", &kind);
    get_string(&r->d, "status", &status);
    int rc = -1;
    if (kind.p && status.p) {
        cr_replay_link_text(&r->item, kind.p, str(&r->s1), status.p, e->actor, NULL, NULL);
        rc = add_item(r, c, CR_REPLAY_LINKS, e->id);
    }
    cr_buf_free(&kind);
    cr_buf_free(&status);
    return rc;
}

static int
rp_unlink(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    return link_remove_item(r, c, e);
}

/*
 * Quality assurance (core/qa.c).  A selection adds the case's qa row; its
 * draw is worked out again here from the seed the event names, so that a
 * row whose draw was altered differs.  A verdict replaces the row's item
 * (the list is kept as a sum, so the selection's item is taken out again).
 */
static int
qa_selection_text(struct cr_replay *r, const struct cr_event *e, int64_t *round, bool verdict)
{
    int64_t draw = 0;
    *round = 0;
    get_int(&r->d, "round", round);
    get_string(&r->d, "decider", &r->s1);
    get_string(&r->d, "selected", &r->s2);
    if (get_string(&r->d, "seed", &r->s3))
        draw = cr_qa_draw(str(&r->s3), e->case_id, (int)*round);
    else
        get_int(&r->d, "draw", &draw);
    if (!verdict) {
        cr_replay_qa_text(&r->item, (int)*round, str(&r->s1), str(&r->s2), (int)draw, NULL, NULL,
                          NULL);
        return 0;
    }
    struct cr_buf verdict_text = {0}, reason = {0};
    get_string(&r->d, "verdict", &verdict_text);
    get_string(&r->d, "reason", &reason);
    cr_replay_qa_text(&r->item, (int)*round, str(&r->s1), str(&r->s2), (int)draw, e->actor,
                      str(&verdict_text), str(&reason));
    int bad = (verdict_text.len && !verdict_text.p) || (reason.len && !reason.p);
    cr_buf_free(&verdict_text);
    cr_buf_free(&reason);
    return bad ? -1 : 0;
}

static int
rp_qa_selected(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    int64_t round;
    if (qa_selection_text(r, e, &round, false) < 0)
        return -1;
    return add_item(r, c, CR_REPLAY_QA, e->id);
}

static int
rp_qa(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    int64_t round = 0, draw = 0;
    /* The selection's item out, as rp_qa_selected put it in; the event names its draw. */
    get_int(&r->d, "round", &round);
    get_string(&r->d, "decider", &r->s1);
    get_string(&r->d, "selected", &r->s2);
    get_int(&r->d, "draw", &draw);
    cr_replay_qa_text(&r->item, (int)round, str(&r->s1), str(&r->s2), (int)draw, NULL, NULL, NULL);
    c->digests[CR_REPLAY_QA] -= item_digest(str(&r->item));
    char *selection = c->detail ? strdup(str(&r->item)) : NULL;
    if (c->detail && !selection)
        return -1;
    if (qa_selection_text(r, e, &round, true) < 0) {
        free(selection);
        return -1;
    }
    c->digests[CR_REPLAY_QA] += item_digest(str(&r->item));
    if (!c->detail)
        return 0;
    /* Detail: the row's item in its place, now with the verdict. */
    struct cr_replay_list *l = &c->detail->lists[CR_REPLAY_QA];
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].text, selection) == 0) {
            free(selection);
            free(l->items[i].text);
            l->items[i].event = e->id;
            return (l->items[i].text = strdup(str(&r->item))) ? 0 : -1;
        }
    }
    free(selection);
    c->digests[CR_REPLAY_QA] -= item_digest(str(&r->item)); /* add_item adds it again */
    return add_item(r, c, CR_REPLAY_QA, e->id);
}

/*
 * Every action the trail may hold.  apply is what its event changed in its
 * case (NULL: nothing but the state it names); a consultation records what
 * someone read (DPA 2018 s.62), which needs a purpose where the
 * configuration asks for one.  A new action is one entry here.
 */
static const struct replay_action {
    const char *name;
    replay_fn *apply;
    bool consultation;
} replay_actions[] = {
    {"claim", rp_claim, false},
    {"release", rp_release, false},
    {"assign", rp_assign, false},
    {"decide", rp_decide, false},
    {"approve", rp_approve, false},
    {"return", rp_return, false},
    {"vote", rp_vote, false},
    {"note", rp_note, false},
    {"import", rp_import, false}, /* per case: a return; without a case: the run's summary */
    {"view", NULL, true},         /* a case, its history, or the audit log */
    {"denied", NULL, false},      /* a view refused: nothing was read, so no purpose is asked */
    {"draft_save", NULL, false},
    {"draft_discard", NULL, false},
    {"export", NULL, false}, /* before disclosures had their begin and end events */
    {"disclosure", NULL, false},
    {"list", NULL, true},
    {"subject_update", NULL, false}, /* a subject's details: not a case's rows */
    {"quorum_recompute", NULL, false},
    {"config_pin", NULL, false},   /* the first configuration pinned in the database */
    {"config_adopt", NULL, false}, /* the rules changed: the old and new digests */
    {"reconvene", rp_reconvene, false},
    {"recall", rp_return, false}, /* as a return: the reason is a return note */
    {"workload", NULL, true},     /* the open cases per reviewer (issue 12) */
    {"pause", NULL, false},       /* the service level's clock: no row replay checks */
    {"resume", NULL, false},
    {"route", NULL, false},   /* a decision awaiting approval routed to a supervisor (schema 10) */
    {"notify", NULL, false},  /* a notify command failed: nothing of the case changed */
    {"link", rp_link, false}, /* a linked reference added or changed (timeline.c) */
    {"unlink", rp_unlink, false},           /* a linked reference removed (its row kept, marked) */
    {"follow_up", rp_followup, false},      /* what happened after the decision (schema 12) */
    {"reopen", rp_reopen, false},           /* a closed case back to flagged for a new round */
    {"erased", NULL, false},                /* a case's personal content erased (core/erase.c) */
    {"purge", NULL, false},                 /* a purge's summary: the cases erased and skipped */
    {"correct", rp_correct, false},         /* an allegation's field corrected (core/erase.c) */
    {"qa_selected", rp_qa_selected, false}, /* a decision sampled for quality review (qa) */
    {"qa", rp_qa, false},                   /* a quality review's verdict */
    {"migrated", NULL, false}, /* copied from another database (core/migrate.c): no row */
};

static const struct replay_action *
find_action(const char *name)
{
    for (size_t i = 0; i < CR_ARRAY_LEN(replay_actions); i++)
        if (strcmp(replay_actions[i].name, name) == 0)
            return &replay_actions[i];
    return NULL;
}

bool
cr_audit_is_consultation(const char *action)
{
    const struct replay_action *a = find_action(action);
    return a && a->consultation;
}

enum cr_status
cr_replay_event(struct cr_replay *r, const struct cr_event *e, struct cr_buf *why)
{
    const struct replay_action *a = find_action(e->action ? e->action : "");
    if (!a) {
        cr_buf_reset(why);
        cr_buf_addf(why,
                    "audit: event %lld: this casereview does not know what a '%s' event "
                    "changes, so it cannot check the data against the trail; use the "
                    "casereview that wrote it",
                    (long long)e->id, e->action ? e->action : "");
        return CR_INVALID;
    }
    if (e->case_id <= 0 || (r->detail && e->case_id != r->only_case))
        return CR_OK;
    struct cr_replay_case *c = slot(r, e->case_id);
    if (!c)
        return CR_NOMEM;
    if (!c->first_event)
        c->first_event = e->id;
    if (r->detail && !c->detail && !(c->detail = calloc(1, sizeof *c->detail)))
        return CR_NOMEM;
    if (e->state_after) {
        int s = cr_state_parse(e->state_after);
        if (s >= 0 && s != c->state) {
            c->state = (signed char)s;
            if (c->detail)
                c->detail->ev[CR_REPLAY_STATE] = e->id;
        }
    }
    if (a->apply) {
        r->erased = cr_audit_erased_by(e->details) > 0;
        parse_object(e->details, &r->d);
        if (a->apply(r, c, e) < 0)
            return CR_NOMEM;
    }
    /* Before the panel: the latest decision that went there (need-to-know keys on it). */
    if (c->state == CR_STATE_PANEL_REVIEW && c->panel_round != c->round) {
        c->panel_round = c->round;
        if (c->detail)
            c->detail->ev[CR_REPLAY_PANEL_ROUND] = e->id;
    }
    return CR_OK;
}

bool
cr_details_int(const char *details, const char *key, int64_t *v)
{
    struct jobject o;
    parse_object(details, &o);
    return get_int(&o, key, v);
}

/* Erasure: an event's details with the personal text taken out (core/erase.c) */

/* The keys whose string values are the workflow's words, not anyone's text: kept. */
static const char *const kept_keys[] = {
    "outcome",
    "vote",
    "kind",
    "result",
    "assignee",
    "view",
    "action",
    "new_allegation",
    "to",
    "state",
    "stage",
    "what",
    "format",
    "rule",
    "field",
    /* issue 13's: a follow-up's day, a link's status word, a quality review's words and seed */
    "date",
    "status",
    "decider",
    "selected",
    "seed",
    "verdict",
    "old_kind",
    "old_status",
    "old_added_by",
};

static bool
kept_key(const struct jfield *f)
{
    for (size_t i = 0; i < CR_ARRAY_LEN(kept_keys); i++)
        if (strlen(kept_keys[i]) == f->key_len && memcmp(kept_keys[i], f->key, f->key_len) == 0)
            return true;
    return false;
}

void
cr_replay_redact(const char *details, int64_t by, struct cr_buf *out)
{
    struct jobject o;
    parse_object(details, &o);
    cr_buf_reset(out);
    cr_buf_addf(out, "{\"erased\": %lld", (long long)by);
    for (size_t i = 0; i < o.n; i++) {
        const struct jfield *f = &o.f[i];
        cr_buf_add(out, ", \"", 3);
        cr_buf_add(out, f->key, f->key_len);
        cr_buf_add(out, "\": ", 3);
        switch (f->type) {
        case J_STRING:
            if (kept_key(f)) {
                cr_buf_addc(out, '"');
                cr_buf_add(out, f->value, f->len);
                cr_buf_addc(out, '"');
            } else {
                cr_buf_addf(out, "\"%s\"", CR_ERASED_TEXT);
            }
            break;
        case J_NUMBER:
            cr_buf_add(out, f->value, f->len);
            break;
        case J_TRUE:
            cr_buf_addf(out, "true");
            break;
        case J_FALSE:
            cr_buf_addf(out, "false");
            break;
        case J_LIST:
            cr_buf_addf(out, "[]");
            break;
        default:
            cr_buf_addf(out, "null");
            break;
        }
    }
    cr_buf_addc(out, '}');
}

bool
cr_replay_json_text(const char *details, const char *key, struct cr_buf *out)
{
    struct jobject o;
    parse_object(details, &o);
    return get_string(&o, key, out);
}
