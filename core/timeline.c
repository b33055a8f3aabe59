/*
 * The subject's timeline and linked references (casereview/timeline.h).
 *
 * The timeline is a read of every case of the subject of the case on view,
 * under the rules of that view.  A linked reference is a row of its own
 * (case_links in the SQLite engine): an import adds those of its rows'
 * `linked_refs` column; `link` adds one or changes one's kind or status
 * (the row in force is marked removed and a new one added), and `unlink`
 * marks one removed.  Rows are never deleted, so the trail's "link" and
 * "unlink" events account for every row a person made (replay.c), as the
 * import's rows account for the allegations.  Who may link is decided here,
 * once (link_rule).
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

/* Why a reference is not one (a message), or NULL when it is. */
static const char *
ref_problem(const char *s, size_t n)
{
    if (n == 0)
        return "the reference is empty";
    if (n > CR_LINK_REF_MAX)
        return "the reference is longer than 64 bytes";
    if (s[0] == ' ' || s[n - 1] == ' ')
        return "the reference has leading or trailing spaces";
    size_t bad;
    if (!cr_utf8_valid(s, n, &bad))
        return "the reference is not valid UTF-8";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return "the reference contains a control character";
        if (c == ';' || c == '=')
            return "the reference contains ';' or '='";
    }
    return NULL;
}

/* Why a status is not one, or NULL: a word of a-z, 0-9, '_' and '-'. */
static const char *
status_problem(const char *s, size_t n)
{
    if (n == 0)
        return "the status is empty";
    if (n > CR_LINK_STATUS_MAX)
        return "the status is longer than 32 bytes";
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return "the status is not a word of a-z, 0-9, '_' and '-'";
    return NULL;
}

static void
kinds_text(char *out, size_t n)
{
    snprintf(out, n, "%s, %s, %s, %s", cr_link_kind_name(0), cr_link_kind_name(1),
             cr_link_kind_name(2), cr_link_kind_name(3));
}

int
cr_linked_refs_parse(const char *text, size_t len,
                     int (*each)(void *ctx, int kind, const char *ref, const char *status),
                     void *ctx, char *why, size_t n)
{
    char kinds[64];
    kinds_text(kinds, sizeof kinds);
    /* The references seen so far, to refuse one given twice. */
    struct cr_buf seen = {0};
    int rc = 0;
    size_t at = 0;
    for (int entry = 1; rc == 0 && at <= len; entry++) {
        const char *e = text + at;
        const char *semi = memchr(e, ';', len - at);
        size_t elen = semi ? (size_t)(semi - e) : len - at;
        at += elen + 1;
        /* Spaces around an entry are not part of it. */
        while (elen && (*e == ' ' || *e == '\t'))
            e++, elen--;
        while (elen && (e[elen - 1] == ' ' || e[elen - 1] == '\t'))
            elen--;
        if (elen == 0) {
            if (!semi && entry > 1)
                break; /* a trailing ';' */
            snprintf(why, n, "entry %d is empty (expected KIND:REFERENCE=STATUS)", entry);
            rc = -1;
            break;
        }
        const char *colon = memchr(e, ':', elen);
        if (!colon) {
            snprintf(why, n, "entry %d '%.*s' has no kind (expected KIND:REFERENCE=STATUS)", entry,
                     (int)(elen > 40 ? 40 : elen), e);
            rc = -1;
            break;
        }
        char kind_name[16];
        size_t klen = (size_t)(colon - e);
        int kind = -1;
        if (klen < sizeof kind_name) {
            memcpy(kind_name, e, klen);
            kind_name[klen] = '\0';
            kind = cr_link_kind_parse(kind_name);
        }
        if (kind < 0) {
            snprintf(why, n, "entry %d: '%.*s' is not a kind of reference (%s)", entry,
                     (int)(klen > 40 ? 40 : klen), e, kinds);
            rc = -1;
            break;
        }
        const char *r = colon + 1;
        size_t rest = elen - klen - 1;
        const char *eq = memchr(r, '=', rest);
        size_t rlen = eq ? (size_t)(eq - r) : rest;
        const char *st = eq ? eq + 1 : "open";
        size_t slen = eq ? rest - rlen - 1 : 4;
        const char *bad = ref_problem(r, rlen);
        if (!bad)
            bad = status_problem(st, slen);
        if (bad) {
            snprintf(why, n, "entry %d '%.*s': %s", entry, (int)(elen > 60 ? 60 : elen), e, bad);
            rc = -1;
            break;
        }
        /* Each reference once: "\n" + ref + "\n" in seen. */
        struct cr_buf key = {0};
        cr_buf_addf(&key, "\n%.*s\n", (int)rlen, r);
        if (!key.p) {
            snprintf(why, n, "out of memory");
            rc = -1;
            break;
        }
        bool twice = seen.p && strstr(seen.p, key.p);
        cr_buf_addf(&seen, "%s", key.p);
        cr_buf_free(&key);
        if (twice) {
            snprintf(why, n, "entry %d: the reference '%.*s' is given twice", entry, (int)rlen, r);
            rc = -1;
            break;
        }
        if (each) {
            char *ref = strndup(r, rlen), *status = strndup(st, slen);
            if (!ref || !status) {
                snprintf(why, n, "out of memory");
                rc = -1;
            } else if (each(ctx, kind, ref, status) != 0) {
                snprintf(why, n, "entry %d could not be stored", entry);
                rc = -1;
            }
            free(ref);
            free(status);
        }
        if (!semi)
            break;
    }
    cr_buf_free(&seen);
    return rc;
}

/* The engine's methods (store.h) */

static enum cr_status
st_timeline(cr_db *db, int64_t case_id, struct cr_timeline *out)
{
    return st_store(db)->timeline(db, case_id, out);
}

enum cr_status
cr_subject_prior_figures(cr_db *db, int64_t case_id, int *n, int *n_sexual)
{
    *n = *n_sexual = 0;
    struct cr_timeline t;
    enum cr_status st = st_timeline(db, case_id, &t);
    for (size_t i = 0; st == CR_OK && i < t.n_allegations; i++)
        if (t.allegations[i].case_id < case_id) {
            (*n)++;
            *n_sexual += t.allegations[i].category == CR_CATEGORY_SEXUAL_OFFENCE;
        }
    cr_timeline_free(&t);
    return st;
}

enum cr_status
st_link_import(cr_db *db, int64_t case_id, long line, int kind, const char *ref, const char *status,
               bool *added)
{
    return st_store(db)->link_import(db, case_id, line, kind, ref, status, added);
}

void
cr_timeline_free(struct cr_timeline *t)
{
    if (!t)
        return;
    if (t->priv)
        ((struct cr_store_owned *)t->priv)->release(t->priv);
    free(t->cases);
    free(t->allegations);
    free(t->links);
    memset(t, 0, sizeof *t);
}

enum cr_status
cr_case_timeline_id(cr_db *db, int64_t case_id, struct cr_timeline *out)
{
    if (!db)
        return CR_USAGE;
    if (!out)
        return cr_fail(db, CR_USAGE, "a timeline needs a timeline to fill");
    memset(out, 0, sizeof *out);
    /* The view's rules, asked as a reload asks them (no new event: the view was recorded). */
    struct cr_case c;
    enum cr_status st = cr_case_reload_id(db, case_id, &c);
    cr_case_free(&c);
    if (st == CR_OK)
        st = st_timeline(db, case_id, out);
    return st;
}

/* The import's hook */

struct import_links {
    cr_db *db;
    int64_t case_id;
    long line;
    int64_t *added;
    enum cr_status st;
};

static int
import_one(void *ctx, int kind, const char *ref, const char *status)
{
    struct import_links *l = ctx;
    bool added = false;
    l->st = st_link_import(l->db, l->case_id, l->line, kind, ref, status, &added);
    if (added)
        (*l->added)++;
    return l->st != CR_OK;
}

enum cr_status
cr_import_links(cr_db *db, int64_t case_id, long line, const char *value, int64_t *added)
{
    struct import_links l = {db, case_id, line, added, CR_OK};
    char why[256];
    if (cr_linked_refs_parse(value, strlen(value), import_one, &l, why, sizeof why) < 0 &&
        l.st == CR_OK)
        l.st = cr_fail(db, CR_INVALID, "linked_refs: %s", why);
    return l.st;
}

/* Link and unlink */

/*
 * Who may link or unlink on a case (the one rule): someone who may see it
 * (conflicts, need-to-know) and is a supervisor, an admin, or the reviewer
 * who holds it.  A link changes no decision, so a closed case takes one.
 */
static enum cr_status
link_rule(cr_db *db, const struct cr_case_state *cs, const char *what)
{
    const struct cr_person *me = st_user(db);
    const char *rule;
    enum cr_status st = cr_policy_may_see(db, cs, "acts on", &rule);
    if (st != CR_OK)
        return st;
    if (cs->erased)
        return cr_fail(db, CR_REFUSED, CR_ERASED_REFUSAL, (long long)cs->id, what);
    if (cr_person_has(me, CR_ROLE_SUPERVISOR) || cr_person_has(me, CR_ROLE_ADMIN))
        return CR_OK;
    if (cr_person_has(me, CR_ROLE_REVIEWER) && cs->assignee && strcmp(cs->assignee, me->login) == 0)
        return CR_OK;
    if (cr_person_has(me, CR_ROLE_REVIEWER))
        return cr_fail(db, CR_REFUSED,
                       "%s needs the reviewer who holds case %lld, a supervisor or an admin; "
                       "you (%s) do not hold it (%s)",
                       what, (long long)cs->id, me->login,
                       cs->assignee ? cs->assignee : "nobody does");
    return cr_fail(db, CR_REFUSED,
                   "%s needs the reviewer who holds case %lld, a supervisor or an admin; you "
                   "(%s) are none of these",
                   what, (long long)cs->id, me->login);
}

/* The version the user saw, as every action checks it. */
static enum cr_status
version_seen(cr_db *db, const struct cr_case_state *cs, int64_t expect)
{
    if (expect && expect != cs->version)
        return cr_fail(db, CR_REFUSED,
                       "case %lld is at version %lld, not version %lld, which you gave; look at "
                       "it again (show %lld) before you act",
                       (long long)cs->id, (long long)cs->version, (long long)expect,
                       (long long)cs->id);
    return CR_OK;
}

enum cr_status
cr_may_link_id(cr_db *db, int64_t case_id)
{
    if (!db)
        return CR_USAGE;
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    if ((st = st_case_state(db, case_id, &cs)) == CR_OK)
        st = link_rule(db, &cs, "link");
    cr_case_state_free(&cs);
    return st;
}

/* The link in force of ref on the case, from the timeline t, or NULL. */
static const struct cr_link *
link_in_force(const struct cr_timeline *t, int64_t case_id, const char *ref)
{
    for (size_t i = 0; i < t->n_links; i++)
        if (t->links[i].case_id == case_id && strcmp(t->links[i].ref, ref) == 0)
            return &t->links[i];
    return NULL;
}

/* One link or unlink (kind -1), in one transaction with its event. */
static enum cr_status
link_change(cr_db *db, const struct cr_case_ref *key, int kind, const char *ref, const char *status,
            const char *reason, int64_t expect_version, struct cr_act_result *res)
{
    if (!db)
        return CR_USAGE;
    if (!res)
        return cr_fail(db, CR_USAGE, "a link needs a result to fill");
    memset(res, 0, sizeof *res);
    bool linking = kind >= 0;
    const char *what = linking ? "link" : "unlink";
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    const char *bad = ref ? ref_problem(ref, strlen(ref)) : "the reference is empty";
    if (!bad && linking && status)
        bad = status_problem(status, strlen(status));
    if (bad)
        return cr_fail(db, CR_USAGE, "%s: %s", what, bad);
    if (linking && kind >= CR_LINK_COUNT)
        return cr_fail(db, CR_USAGE, "link: no such kind of reference");
    if (!status)
        status = "open";
    if (cr_blank(reason))
        return cr_fail(db, CR_REFUSED, "%s needs a reason (--reason TEXT), for the audit trail",
                       what);
    if (strlen(reason) > CR_TEXT_MAX_BYTES || !cr_utf8_valid(reason, strlen(reason), &(size_t){0}))
        return cr_fail(db, CR_USAGE, "%s: the reason must be well-formed UTF-8 of at most %d bytes",
                       what, CR_TEXT_MAX_BYTES);
    if ((st = st_writable(db)) != CR_OK || (st = st_begin(db)) != CR_OK)
        return st;
    int64_t id;
    struct cr_case_state cs;
    memset(&cs, 0, sizeof cs);
    struct cr_timeline t;
    memset(&t, 0, sizeof t);
    struct cr_buf d = {0};
    if ((st = st_case_ref(db, key, &id)) != CR_OK || (st = st_case_state(db, id, &cs)) != CR_OK ||
        (st = link_rule(db, &cs, what)) != CR_OK ||
        (st = version_seen(db, &cs, expect_version)) != CR_OK ||
        (st = st_timeline(db, id, &t)) != CR_OK)
        goto out;
    const struct cr_link *old = link_in_force(&t, id, ref);
    if (linking && old && old->kind == kind && strcmp(old->status, status) == 0) {
        st = cr_fail(db, CR_REFUSED, "case %lld already links %s %s as %s; nothing to change",
                     (long long)id, cr_link_kind_name(kind), ref, status);
        goto out;
    }
    if (!linking && !old) {
        st = cr_fail(db, CR_NOT_FOUND, "case %lld has no linked reference %s in force",
                     (long long)id, ref);
        goto out;
    }
    const char *actor = st_user(db)->login;
    cr_buf_addf(&d, "{\"ref\": ");
    cr_buf_add_json(&d, ref);
    if (linking) {
        cr_buf_addf(&d, ", \"kind\": \"%s\", \"status\": ", cr_link_kind_name(kind));
        cr_buf_add_json(&d, status);
    }
    cr_buf_addf(&d, ", \"reason\": ");
    cr_buf_add_json(&d, reason);
    if (old) {
        /* What the row it ends held, so that the replay can say what it became (flat). */
        cr_buf_addf(&d, ", \"old_kind\": \"%s\", \"old_status\": ", cr_link_kind_name(old->kind));
        cr_buf_add_json(&d, old->status);
        cr_buf_addf(&d, ", \"old_added_by\": ");
        if (old->added_by)
            cr_buf_add_json(&d, old->added_by);
        else
            cr_buf_addf(&d, "null");
    }
    cr_buf_addc(&d, '}');
    if (!d.p) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
        goto out;
    }
    const struct cr_store *s = st_store(db);
    st = linking ? s->link_put(db, id, kind, ref, status, actor, reason)
                 : s->link_remove(db, id, ref, actor, reason);
    if (st != CR_OK)
        goto out;
    struct cr_change ch = {
        .state = -1, .quorum_blocked = -1, .panel_round = -1, .bump_version = true, .action = -1};
    const char *state = cr_state_name(cs.state);
    if ((st = st_apply(db, &cs, &ch)) != CR_OK ||
        (st = cr_audit_append(db, id, what, state, state, d.p)) != CR_OK)
        goto out;
    if ((st = st_commit(db)) == CR_OK) {
        res->case_id = id;
        res->state_before = res->state_after = cs.state;
        res->version = cs.version + 1;
    }
out:
    if (st != CR_OK)
        st_rollback(db);
    cr_timeline_free(&t);
    cr_case_state_free(&cs);
    cr_buf_free(&d);
    return st;
}

enum cr_status
cr_case_link_id(cr_db *db, int64_t case_id, int kind, const char *ref, const char *status,
                const char *reason, int64_t expect_version, struct cr_act_result *res)
{
    const struct cr_case_ref key = {NULL, case_id};
    if (kind < 0)
        return db ? cr_fail(db, CR_USAGE, "link: no such kind of reference") : CR_USAGE;
    return link_change(db, &key, kind, ref, status, reason, expect_version, res);
}

enum cr_status
cr_case_link(cr_db *db, const char *k, int kind, const char *ref, const char *status,
             const char *reason, int64_t expect_version, struct cr_act_result *res)
{
    const struct cr_case_ref key = {k, 0};
    if (kind < 0)
        return db ? cr_fail(db, CR_USAGE, "link: no such kind of reference") : CR_USAGE;
    return link_change(db, &key, kind, ref, status, reason, expect_version, res);
}

enum cr_status
cr_case_unlink_id(cr_db *db, int64_t case_id, const char *ref, const char *reason,
                  int64_t expect_version, struct cr_act_result *res)
{
    const struct cr_case_ref key = {NULL, case_id};
    return link_change(db, &key, -1, ref, NULL, reason, expect_version, res);
}

enum cr_status
cr_case_unlink(cr_db *db, const char *k, const char *ref, const char *reason,
               int64_t expect_version, struct cr_act_result *res)
{
    const struct cr_case_ref key = {k, 0};
    return link_change(db, &key, -1, ref, NULL, reason, expect_version, res);
}
