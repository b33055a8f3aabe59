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

/* A flat JSON object's value by key: a string (unescaped into out), a number or a boolean. */
static const char *
skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

/* Read a JSON string at p (at its opening quote) into out (when not NULL); the end, or NULL. */
static const char *
read_string(const char *p, struct cr_buf *out)
{
    if (*p != '"')
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
            p++;
            switch (*p) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v = 0;
                for (int i = 1; i <= 4; i++) {
                    char h = p[i];
                    if (!h)
                        return NULL;
                    v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                }
                p += 4;
                /* Our writer escapes only control characters this way. */
                if (out && v < 0x80)
                    cr_buf_addc(out, (char)v);
                continue;
            }
            case '\0': return NULL;
            default: c = *p;
            }
        }
        if (out)
            cr_buf_addc(out, c);
    }
    return *p == '"' ? p + 1 : NULL;
}

enum jtype { J_NONE, J_STRING, J_NUMBER, J_TRUE, J_FALSE, J_NULL };

static enum jtype
json_get(const char *json, const char *key, struct cr_buf *str, int64_t *num)
{
    struct cr_buf k = {0};
    const char *p = skip_ws(json ? json : "");
    if (*p++ != '{')
        return J_NONE;
    enum jtype found = J_NONE;
    for (;;) {
        p = skip_ws(p);
        if (*p != '"')
            break;
        cr_buf_reset(&k);
        cr_buf_addc(&k, '\0');
        k.len = 0;
        if (!(p = read_string(p, &k)))
            break;
        bool match = k.p && strcmp(k.p, key) == 0;
        p = skip_ws(p);
        if (*p++ != ':')
            break;
        p = skip_ws(p);
        enum jtype t = J_NONE;
        if (*p == '"') {
            if (match && str) {
                cr_buf_reset(str);
                cr_buf_addc(str, '\0');
                str->len = 0;
            }
            p = read_string(p, match ? str : NULL);
            t = J_STRING;
        } else if (strncmp(p, "true", 4) == 0) {
            p += 4;
            t = J_TRUE;
        } else if (strncmp(p, "false", 5) == 0) {
            p += 5;
            t = J_FALSE;
        } else if (strncmp(p, "null", 4) == 0) {
            p += 4;
            t = J_NULL;
        } else {
            char *end;
            long long v = strtoll(p, &end, 10);
            if (end == p)
                break;
            if (match && num)
                *num = v;
            p = end;
            t = J_NUMBER;
        }
        if (!p)
            break;
        if (match)
            found = t;
        p = skip_ws(p);
        if (*p != ',')
            break;
        p++;
    }
    cr_buf_free(&k);
    return found;
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

/* Items: the text of a row as both sides write it */

void
cr_replay_decision_text(struct cr_buf *b, int round, const char *reviewer, const char *outcome,
                        int vetting_review, const char *rationale)
{
    cr_buf_reset(b);
    cr_buf_addf(b, "round %d: %s decided %s%s: ", round, reviewer ? reviewer : "",
                outcome ? outcome : "", vetting_review ? " with a vetting review" : "");
    cr_buf_add_json(b, rationale ? rationale : "");
}

void
cr_replay_approval_text(struct cr_buf *b, int round, const char *supervisor)
{
    cr_buf_reset(b);
    cr_buf_addf(b, "round %d: approved by %s", round, supervisor ? supervisor : "");
}

void
cr_replay_vote_text(struct cr_buf *b, int round, const char *member, const char *kind,
                    const char *vote, const char *reason)
{
    cr_buf_reset(b);
    cr_buf_addf(b, "round %d: %s (%s) %s", round, member ? member : "", kind ? kind : "",
                vote ? vote : "");
    if (reason) {
        cr_buf_addf(b, ": ");
        cr_buf_add_json(b, reason);
    }
}

void
cr_replay_note_text(struct cr_buf *b, const char *kind, const char *author, const char *body)
{
    cr_buf_reset(b);
    cr_buf_addf(b, "%s by %s: ", kind ? kind : "", author ? author : "");
    cr_buf_add_json(b, body ? body : "");
}

/* The replay */

struct cr_replay {
    bool detail;
    int64_t only_case; /* detail: the one case replayed */
    size_t n, cap;     /* cases, indexed by id */
    struct cr_replay_case *cases;
    struct cr_buf item, s1, s2, s3;
    int64_t unknown_event; /* an action the table does not know */
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
    cr_replay_digest_add(&c->digests[list], text);
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
    cr_buf_reset(&r->s1);
    json_get(e->details, "assignee", &r->s1, NULL);
    return set_assignee(r, c, r->s1.p ? r->s1.p : "", e->id);
}

static int
rp_decide(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    int64_t round = c->round + 1;
    json_get(e->details, "round", NULL, &round);
    cr_buf_reset(&r->s1);
    json_get(e->details, "outcome", &r->s1, NULL);
    cr_buf_reset(&r->s2);
    json_get(e->details, "rationale", &r->s2, NULL);
    int vr = json_get(e->details, "vetting_review", NULL, NULL) == J_TRUE;
    c->round = (int)round;
    c->outcome = (signed char)cr_outcome_parse(r->s1.p ? r->s1.p : "");
    c->vetting_review = (signed char)vr;
    c->decided_by = cr_replay_text_digest(e->actor);
    c->rationale = cr_replay_text_digest(r->s2.p ? r->s2.p : "");
    free(c->dissents);
    c->dissents = NULL;
    if (c->detail) {
        for (int f = CR_REPLAY_OUTCOME; f <= CR_REPLAY_RATIONALE; f++)
            c->detail->ev[f] = e->id;
        if (set_text(&c->detail->rationale, r->s2.p ? r->s2.p : "") < 0 ||
            set_text(&c->detail->decided_by, e->actor) < 0)
            return -1;
    }
    cr_replay_decision_text(&r->item, c->round, e->actor, r->s1.p, vr, r->s2.p);
    return add_item(r, c, CR_REPLAY_DECISIONS, e->id);
}

static int
rp_approve(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    int64_t round = c->round;
    json_get(e->details, "round", NULL, &round);
    cr_replay_approval_text(&r->item, (int)round, e->actor);
    return add_item(r, c, CR_REPLAY_APPROVALS, e->id);
}

static int
rp_return(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    cr_buf_reset(&r->s1);
    json_get(e->details, "reason", &r->s1, NULL);
    cr_replay_note_text(&r->item, "return", e->actor, r->s1.p ? r->s1.p : "");
    return add_item(r, c, CR_REPLAY_NOTES, e->id);
}

static int
rp_vote(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    int64_t round = c->round;
    json_get(e->details, "round", NULL, &round);
    cr_buf_reset(&r->s1);
    json_get(e->details, "vote", &r->s1, NULL);
    cr_buf_reset(&r->s2);
    json_get(e->details, "kind", &r->s2, NULL);
    cr_buf_reset(&r->s3);
    bool has_reason = json_get(e->details, "reason", &r->s3, NULL) == J_STRING;
    const char *vote = r->s1.p ? r->s1.p : "", *kind = r->s2.p ? r->s2.p : "";
    const char *reason = has_reason ? (r->s3.p ? r->s3.p : "") : NULL;
    cr_replay_vote_text(&r->item, (int)round, e->actor, kind, vote, reason);
    if (add_item(r, c, CR_REPLAY_VOTES, e->id) < 0)
        return -1;
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
    cr_buf_reset(&r->s1);
    json_get(e->details, "result", &r->s1, NULL);
    if (r->s1.p && strcmp(r->s1.p, "returned") == 0) {
        struct cr_buf body = {0};
        cr_buf_addf(&body, "The panel returned decision %d:%s", (int)round,
                    c->dissents ? c->dissents : "");
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
    cr_buf_reset(&r->s1);
    json_get(e->details, "note", &r->s1, NULL);
    cr_replay_note_text(&r->item, "note", e->actor, r->s1.p ? r->s1.p : "");
    return add_item(r, c, CR_REPLAY_NOTES, e->id);
}

/* A new allegation sent a decided case back: the system's note says so. */
static int
rp_import(struct cr_replay *r, struct cr_replay_case *c, const struct cr_event *e)
{
    cr_buf_reset(&r->s1);
    json_get(e->details, "new_allegation", &r->s1, NULL);
    struct cr_buf body = {0};
    cr_buf_addf(&body, "New allegation %s imported; the decision must be taken again.",
                r->s1.p ? r->s1.p : "");
    if (!body.p)
        return -1;
    cr_replay_note_text(&r->item, "system", "system", body.p);
    cr_buf_free(&body);
    return add_item(r, c, CR_REPLAY_NOTES, e->id);
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
    {"draft_save", NULL, false},
    {"draft_discard", NULL, false},
    {"export", NULL, false},
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
    if (a->apply && a->apply(r, c, e) < 0)
        return CR_NOMEM;
    return CR_OK;
}
