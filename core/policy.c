/*
 * Who may see what: the one rule (SPEC section 4, conflicts and
 * need-to-know), for every read of cases and every action.
 *
 * Nobody sees (lists, finds by search, opens, acts on) a case
 * whose subject is in their own unit (conflicts.same_unit) or that they
 * declared a conflict with (conflicts.declared); a panel member who holds
 * no other role sees only the cases that went before the panel.  The rule
 * is computed here into a struct cr_scope, plain data that a read of many
 * cases hands the engine, which applies it as it is (in SQL for SQLite);
 * a read of one case asks cr_policy_may_see, which tests the case against
 * the same scope and, when it is kept out, says which rule kept it out.
 */
#include "internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static bool
same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The roles that see every case need-to-know allows: anything but the panel alone. */
static const unsigned staff =
    (1u << CR_ROLE_REVIEWER) | (1u << CR_ROLE_SUPERVISOR) | (1u << CR_ROLE_ADMIN);

/* The declared conflict (conflicts.declared) keeping a person from a subject's cases, or NULL. */
static const struct cr_declared_conflict *
declared_conflict(const struct cr_config *cfg, const char *login, const char *subject_ref)
{
    assert(cfg);
    for (size_t i = 0; i < cfg->n_declared; i++)
        if (same(cfg->declared[i].login, login) && same(cfg->declared[i].subject_ref, subject_ref))
            return &cfg->declared[i];
    return NULL;
}

/* Whether a person is in the subject's unit under conflicts.same_unit. */
static bool
same_unit(const struct cr_config *cfg, const struct cr_person *p, const char *subject_unit)
{
    assert(cfg && p);
    return cfg->same_unit && p->unit && same(p->unit, subject_unit);
}

bool
cr_policy_conflicted(const struct cr_config *cfg, const struct cr_person *p,
                     const char *subject_unit, const char *subject_ref)
{
    assert(cfg && p);
    return same_unit(cfg, p, subject_unit) || declared_conflict(cfg, p->login, subject_ref);
}

bool
cr_policy_panel_only(const struct cr_person *p)
{
    assert(p);
    return !(p->roles & staff);
}

void
cr_policy_conflict_text(const struct cr_config *cfg, const struct cr_person *p,
                        const char *subject_unit, const char *subject_ref, bool self,
                        const char *doing, struct cr_buf *out)
{
    assert(cfg && p && out && (!self || doing));
    const struct cr_declared_conflict *d = declared_conflict(cfg, p->login, subject_ref);
    cr_buf_reset(out);
    if (d && self)
        cr_buf_addf(out,
                    "you (%s) have a declared conflict of interest with subject %s (%s), "
                    "and with conflicts.declared nobody %s a case they are conflicted on",
                    p->login, d->subject_ref, d->reason, doing);
    else if (d)
        cr_buf_addf(out,
                    "%s has a declared conflict of interest with subject %s (%s), so they "
                    "cannot review this case",
                    p->login, d->subject_ref, d->reason);
    else if (self)
        cr_buf_addf(out,
                    "you (%s) are in the subject's unit (%s), and with conflicts.same_unit "
                    "nobody %s a case from their own unit",
                    p->login, subject_unit, doing);
    else
        cr_buf_addf(out,
                    "%s is in the subject's unit (%s), and with conflicts.same_unit they "
                    "cannot review this case",
                    p->login, subject_unit);
}

/* The scope */

enum cr_status
cr_policy_scope_of(const struct cr_config *cfg, const struct cr_person *p, struct cr_scope *out)
{
    assert(cfg && p && out);
    memset(out, 0, sizeof *out);
    out->panel_only = cr_policy_panel_only(p);
    out->unit = cfg->same_unit && p->unit ? p->unit : NULL;
    out->viewer = p->login;
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_declared; i++)
        if (same(cfg->declared[i].login, p->login))
            n++;
    if (!n)
        return CR_OK;
    const char **refs = malloc(n * sizeof *refs);
    if (!refs)
        return CR_NOMEM;
    for (size_t i = 0; i < cfg->n_declared; i++)
        if (same(cfg->declared[i].login, p->login))
            refs[out->n_refs++] = cfg->declared[i].subject_ref;
    out->refs = refs;
    return CR_OK;
}

enum cr_status
cr_policy_scope(cr_db *db, struct cr_scope *out)
{
    assert(db && out);
    memset(out, 0, sizeof *out);
    const struct cr_config *cfg = st_config(db);
    const struct cr_person *me = st_user(db);
    if (!cfg || !me)
        return cr_fail(db, CR_REFUSED, "nobody is signed in on this handle");
    return cr_policy_scope_of(cfg, me, out) == CR_OK ? CR_OK
                                                     : cr_fail(db, CR_NOMEM, "out of memory");
}

enum cr_status
cr_policy_disclosure_scope(cr_db *db, struct cr_scope *out)
{
    assert(db && out);
    memset(out, 0, sizeof *out);
    /*
     * An export is the admin's disclosure of the whole caseload (its role is
     * checked as it begins), recorded with every case number it carried:
     * README's "export stays the admin's and exports every case".
     */
    if (!st_config(db) || !st_user(db))
        return cr_fail(db, CR_REFUSED, "nobody is signed in on this handle");
    return CR_OK;
}

void
cr_scope_free(struct cr_scope *s)
{
    if (!s)
        return;
    free((void *)s->refs);
    memset(s, 0, sizeof *s);
}

bool
cr_scope_admits(const struct cr_scope *s, const char *subject_unit, const char *subject_ref,
                int panel_round)
{
    assert(s);
    if (s->panel_only && panel_round <= 0)
        return false;
    if (s->unit && same(s->unit, subject_unit))
        return false;
    for (size_t i = 0; i < s->n_refs; i++)
        if (same(s->refs[i], subject_ref))
            return false;
    return true;
}

/* One case */

enum cr_status
cr_policy_may_see(cr_db *db, const struct cr_case_state *cs, const char *doing, const char **rule)
{
    assert(db && cs && doing && rule);
    *rule = NULL;
    const struct cr_config *cfg = st_config(db);
    const struct cr_person *me = st_user(db);
    if (!cfg || !me)
        return cr_fail(db, CR_REFUSED, "nobody is signed in on this handle");
    struct cr_scope scope;
    if (cr_policy_scope_of(cfg, me, &scope) != CR_OK)
        return cr_fail(db, CR_NOMEM, "out of memory");
    bool admitted = cr_scope_admits(&scope, cs->subject_unit, cs->subject_ref, cs->panel_round);
    cr_scope_free(&scope);
    if (admitted)
        return CR_OK;
    /* Kept out: say by which rule, need-to-know first, then a declared conflict. */
    if (cr_policy_panel_only(me) && cs->panel_round <= 0) {
        *rule = "need_to_know";
        return cr_fail(db, CR_REFUSED, CR_NEED_TO_KNOW_TEXT, (long long)cs->id);
    }
    *rule = declared_conflict(cfg, me->login, cs->subject_ref) ? "conflicts.declared"
                                                               : "conflicts.same_unit";
    struct cr_buf why = {0};
    cr_policy_conflict_text(cfg, me, cs->subject_unit, cs->subject_ref, true, doing, &why);
    enum cr_status st = cr_fail(db, CR_REFUSED, "%s", why.p ? why.p : "refused");
    cr_buf_free(&why);
    return st;
}

/* Who may do what: the acting user, and the roles an action needs */

/* The acting user, or a refusal when the handle has none. */
enum cr_status
cr_need_user(cr_db *db)
{
    if (!st_config(db) || !st_user(db))
        return cr_fail(db, CR_REFUSED, "nobody is signed in on this handle");
    return CR_OK;
}

enum cr_status
cr_require_role(cr_db *db, int role, const char *what)
{
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    const struct cr_person *me = st_user(db);
    if (cr_person_has(me, role))
        return CR_OK;
    char have[128];
    cr_names_text(me->roles, CR_ROLE_COUNT, cr_role_name, have, sizeof have);
    return cr_fail(db, CR_REFUSED, "%s needs the %s role; you (%s) are %s", what,
                   cr_role_name(role), me->login, *have ? have : "on the roster without a role");
}
