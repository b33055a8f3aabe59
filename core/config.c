/*
 * The configuration loader (SPEC section 6).
 *
 * Two steps (yaml.c): libyaml builds a tree of the document with the line
 * and column of every node, then one table of keys -- each declared once
 * with its type, its range and the function that stores it -- is walked
 * over the tree, and every problem is reported as FILE:LINE:COLUMN: with
 * what is wrong.
 * Consistency checks that need the whole file (quorum against the panel,
 * a supervisor on the roster) run last.
 */
#include "yaml_tree.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A person being read: an index into cfg->people. */
struct person_ctx {
    size_t index;
};

/* What the configuration owns besides its arrays: the strings it kept. */
struct config_priv {
    char **strings;
    size_t n;
    char *text; /* the file's bytes, as the digest covers them (pinned in the database) */
    size_t len;
};

struct loader {
    struct yload y; /* first: the walker hands store and enter functions this */
    struct cr_config *cfg;
    struct config_priv *priv;
    /* The walk's context: the person, the sign-off block being read. */
    struct person_ctx person;
    int outcome; /* CR_OUTCOME_COUNT: the default rules */
    struct cr_signoff signoff_default;
    /* Where keys were given, for the checks that come after the walk. */
    int mark_users[2], mark_members[2], mark_signoff[CR_OUTCOME_COUNT + 1][2];
    int mark_kind[CR_OUTCOME_COUNT + 1][CR_KIND_COUNT][2];
    bool signoff_given[CR_OUTCOME_COUNT][5];
    /* Panel members and users are merged by login; remember where each was first named. */
    int *person_line, *person_col;
    bool *person_in_users, *person_in_panel;
    /* Where each name: was written (a person's last one counts), for duplicate names. */
    struct name_mark {
        size_t person;
        int line, col;
    } * names;
    size_t n_names;
};

/* The configuration's loader, from the walker's part of it. */
static struct loader *
loader_of(struct yload *Y)
{
    return (struct loader *)Y;
}

static void problem(struct loader *L, int line, int col, const char *fmt, ...) CR_PRINTF(4, 5);

static void
problem(struct loader *L, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    yvproblem(&L->y, line, col, fmt, ap);
    va_end(ap);
}

/* Storing */

static const char *
keep(struct loader *L, const char *s)
{
    struct config_priv *cp = L->priv;
    char *copy = strdup(s);
    char **strings = copy ? realloc(cp->strings, (cp->n + 1) * sizeof *strings) : NULL;
    if (!strings) {
        free(copy);
        L->y.nomem = true;
        return "";
    }
    cp->strings = strings;
    cp->strings[cp->n++] = copy;
    return copy;
}

static void
store_theme(struct yload *Y, const struct ynode *key, const struct ynode *node,
            const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    if (!*v->s || strchr(v->s, '/') || v->s[0] == '.') {
        problem(L, node->line, node->col,
                "theme: '%s' is not a theme name (a file name in "
                "themes/ without .yaml)",
                v->s);
        return;
    }
    L->cfg->theme = keep(L, v->s);
    L->cfg->theme_line = node->line;
    L->cfg->theme_column = node->col;
}

/* after_action: where the workstation goes after a decision, an approval or a vote. */
static void
store_after_action(struct yload *Y, const struct ynode *key, const struct ynode *node,
                   const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    if (strcmp(v->s, "next") != 0 && strcmp(v->s, "stay") != 0) {
        problem(L, node->line, node->col,
                "after_action: '%s' is not next or stay (next: on to the next case of the "
                "view after a decision, an approval or a vote; stay: on the case)",
                v->s);
        return;
    }
    L->cfg->after_action_stay = v->s[0] == 's';
}

static void
store_impersonation(struct yload *Y, const struct ynode *key, const struct ynode *node,
                    const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    L->cfg->allow_impersonation = v->b;
}

static void
store_same_unit(struct yload *Y, const struct ynode *key, const struct ynode *node,
                const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    L->cfg->same_unit = v->b;
}

/* conflicts.declared: one entry per item, checked against the roster once the file is read. */
static void *
enter_declared(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    struct cr_config *cfg = L->cfg;
    struct cr_declared_conflict *d = realloc(cfg->declared, (cfg->n_declared + 1) * sizeof *d);
    if (!d) {
        L->y.nomem = true;
        return NULL;
    }
    cfg->declared = d;
    d = &cfg->declared[cfg->n_declared++];
    *d = (struct cr_declared_conflict){.line = node->line, .column = node->col};
    return d;
}

static void
store_declared_login(struct yload *Y, const struct ynode *key, const struct ynode *node,
                     const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    struct cr_declared_conflict *d = target;
    d->login = keep(L, v->s);
    d->line = node->line;
    d->column = node->col;
}

static void
store_declared_ref(struct yload *Y, const struct ynode *key, const struct ynode *node,
                   const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    if (!*v->s) {
        problem(L, node->line, node->col, "conflicts.declared: subject_ref is empty");
        return;
    }
    ((struct cr_declared_conflict *)target)->subject_ref = keep(L, v->s);
}

static void
store_declared_reason(struct yload *Y, const struct ynode *key, const struct ynode *node,
                      const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    if (strspn(v->s, " \t\r\n") == strlen(v->s)) {
        problem(L, node->line, node->col,
                "conflicts.declared: a declared conflict needs a reason (why this person is "
                "kept from the subject's cases)");
        return;
    }
    ((struct cr_declared_conflict *)target)->reason = keep(L, v->s);
}

static void
store_require_purpose(struct yload *Y, const struct ynode *key, const struct ynode *node,
                      const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    L->cfg->audit_require_purpose = v->b;
}

/* audit.purposes: one line of plain text each, none twice. */
static void
store_purpose(struct yload *Y, const struct ynode *key, const struct ynode *node,
              const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    struct cr_config *cfg = L->cfg;
    bool blank = true, control = false;
    for (const unsigned char *p = (const unsigned char *)v->s; *p; p++) {
        blank &= *p == ' ' || *p == '\t';
        control |= *p < 0x20 || *p == 0x7f;
    }
    if (blank || control || strlen(v->s) > 200) {
        problem(L, node->line, node->col,
                "audit.purposes: a purpose is one line of text (1 to 200 bytes, no control "
                "characters)");
        return;
    }
    for (size_t i = 0; i < cfg->n_purposes; i++) {
        if (strcmp(cfg->purposes[i], v->s) == 0) {
            problem(L, node->line, node->col, "audit.purposes: '%s' is listed twice", v->s);
            return;
        }
    }
    const char **list = realloc(cfg->purposes, (cfg->n_purposes + 1) * sizeof *list);
    if (!list) {
        L->y.nomem = true;
        return;
    }
    cfg->purposes = list;
    list[cfg->n_purposes++] = keep(L, v->s);
}

static void *
enter_purposes(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    if (node->n == 0) {
        problem(L, node->line, node->col,
                "audit.purposes: an empty list would allow no purpose; list at least one, or "
                "leave the key out to allow any");
        return NULL;
    }
    return target;
}

static void
store_sla(struct yload *Y, const struct ynode *key, const struct ynode *node, const struct yval *v,
          void *target)
{
    struct loader *L = loader_of(Y);
    L->cfg->sla_days[cr_sla_parse(key->value)] = (int)v->i;
}

/* retention.closed_years, closed_days, nfa, nfa_days, ...: one of years or days per outcome. */
static void
store_retention(struct yload *Y, const struct ynode *key, const struct ynode *node,
                const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    const char *k = key->value;
    size_t n = strcspn(k, "_");
    bool days = strstr(k, "_days") != NULL;
    int o = CR_OUTCOME_COUNT;
    for (int i = 0; i < CR_OUTCOME_COUNT; i++)
        if (strlen(cr_outcome_name(i)) == n && strncmp(k, cr_outcome_name(i), n) == 0)
            o = i;
    int *mine = days ? L->cfg->retention_days : L->cfg->retention_years;
    int *other = days ? L->cfg->retention_years : L->cfg->retention_days;
    if (other[o]) {
        problem(L, key->line, key->col,
                "retention.%s: %s is already kept in %s; give years or days, not both", k,
                o == CR_OUTCOME_COUNT ? "every closed case" : cr_outcome_name(o),
                days ? "years" : "days");
        return;
    }
    mine[o] = (int)v->i;
}

static void
store_escalate(struct yload *Y, const struct ynode *key, const struct ynode *node,
               const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    L->cfg->escalate_after_days = (int)v->i;
}

/* notify: a command run without a shell, so an absolute path to one file and nothing more. */
static void
store_notify(struct yload *Y, const struct ynode *key, const struct ynode *node,
             const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    if (v->s[0] != '/') {
        problem(L, node->line, node->col,
                "notify: '%s' is not an absolute path; give the full path of the command "
                "(it is run without a shell, with the event's kind, the case number and the "
                "recipients' logins as its arguments)",
                v->s);
        return;
    }
    for (const char *p = v->s; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            problem(L, node->line, node->col, "notify: the path holds a control character");
            return;
        }
    }
    L->cfg->notify = keep(L, v->s);
}

static void
store_notify_timeout(struct yload *Y, const struct ynode *key, const struct ynode *node,
                     const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    L->cfg->notify_timeout = (int)v->i;
}

static void *
enter_key(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    return L->cfg;
}

static void
store_key(struct yload *Y, const struct ynode *key, const struct ynode *node, const struct yval *v,
          void *target)
{
    struct loader *L = loader_of(Y);
    struct cr_config *cfg = L->cfg;
    struct cr_key_binding *kb = realloc(cfg->keys, (cfg->n_keys + 1) * sizeof *kb);
    if (!kb) {
        L->y.nomem = true;
        return;
    }
    cfg->keys = kb;
    kb[cfg->n_keys++] = (struct cr_key_binding){keep(L, key->value), keep(L, v->s), node->line,
                                                node->col,           key->line,     key->col};
}

/*
 * A user or panel member: the login decides which person this is (one may
 * be both), so it is found before the other keys are read.
 */
static void *
enter_person(struct loader *L, const struct ynode *node, bool panel)
{
    const struct ynode *login = NULL;
    for (size_t i = 0; i + 1 < node->n; i += 2)
        if (node->items[i]->kind == Y_SCALAR && strcmp(node->items[i]->value, "login") == 0)
            login = node->items[i + 1];
    if (!login)
        return NULL; /* reported as a missing required key */
    if (login->kind != Y_SCALAR) {
        problem(L, login->line, login->col, "login: expected a string, not %s",
                ynode_kind_name[login->kind]);
        return NULL;
    }
    if (!*login->value ||
        strspn(login->value, "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(login->value)) {
        problem(L, login->line, login->col,
                "login '%s' is not a login name (letters, digits, '.', '_' and '-')", login->value);
        return NULL;
    }
    struct cr_config *cfg = L->cfg;
    for (size_t i = 0; i < cfg->n_people; i++) {
        if (strcmp(cfg->people[i].login, login->value) != 0)
            continue;
        if ((panel && L->person_in_panel[i]) || (!panel && L->person_in_users[i])) {
            problem(L, login->line, login->col, "login '%s' appears twice in %s (first at line %d)",
                    login->value, panel ? "panel.members" : "users", L->person_line[i]);
            return NULL;
        }
        (panel ? L->person_in_panel : L->person_in_users)[i] = true;
        L->person.index = i;
        return &L->person;
    }
    size_t n = cfg->n_people + 1;
    struct cr_person *people = realloc(cfg->people, n * sizeof *people);
    if (people)
        cfg->people = people;
    int *pl = people ? realloc(L->person_line, n * sizeof *pl) : NULL;
    if (pl)
        L->person_line = pl;
    int *pc = pl ? realloc(L->person_col, n * sizeof *pc) : NULL;
    if (pc)
        L->person_col = pc;
    bool *pu = pc ? realloc(L->person_in_users, n * sizeof *pu) : NULL;
    if (pu)
        L->person_in_users = pu;
    bool *pp = pu ? realloc(L->person_in_panel, n * sizeof *pp) : NULL;
    if (!pp) {
        L->y.nomem = true;
        return NULL;
    }
    L->person_in_panel = pp;
    size_t i = cfg->n_people++;
    cfg->people[i] = (struct cr_person){.login = keep(L, login->value), .kind = -1};
    L->person_line[i] = login->line;
    L->person_col[i] = login->col;
    L->person_in_users[i] = !panel;
    L->person_in_panel[i] = panel;
    L->person.index = i;
    return &L->person;
}

static void *
enter_user(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    return enter_person(L, node, false);
}

static void *
enter_member(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    return enter_person(L, node, true);
}

static struct cr_person *
person_of(struct loader *L, void *target)
{
    return &L->cfg->people[((struct person_ctx *)target)->index];
}

static void
store_login(struct yload *Y, const struct ynode *key, const struct ynode *node,
            const struct yval *v, void *target)
{
    /* Taken by enter_person. */
}

static void
store_name(struct yload *Y, const struct ynode *key, const struct ynode *node, const struct yval *v,
           void *target)
{
    struct loader *L = loader_of(Y);
    person_of(L, target)->name = keep(L, v->s);
    struct name_mark *m = realloc(L->names, (L->n_names + 1) * sizeof *m);
    if (!m) {
        L->y.nomem = true;
        return;
    }
    L->names = m;
    m[L->n_names++] =
        (struct name_mark){((struct person_ctx *)target)->index, node->line, node->col};
}

static void
store_unit(struct yload *Y, const struct ynode *key, const struct ynode *node, const struct yval *v,
           void *target)
{
    struct loader *L = loader_of(Y);
    person_of(L, target)->unit = *v->s ? keep(L, v->s) : NULL;
}

static void
store_role(struct yload *Y, const struct ynode *key, const struct ynode *node, const struct yval *v,
           void *target)
{
    struct loader *L = loader_of(Y);
    int role = cr_role_parse(v->s);
    if (role < 0 || role == CR_ROLE_PANEL) {
        problem(L, node->line, node->col,
                "'%s' is not a role (roles: reviewer, supervisor, admin; panel members are "
                "listed under panel.members)",
                v->s);
        return;
    }
    person_of(L, target)->roles |= 1u << role;
}

static void
store_kind(struct yload *Y, const struct ynode *key, const struct ynode *node, const struct yval *v,
           void *target)
{
    struct loader *L = loader_of(Y);
    int kind = cr_kind_parse(v->s);
    if (kind < 0) {
        problem(L, node->line, node->col,
                "'%s' is not a panel kind (kinds: independent, legal, "
                "police)",
                v->s);
        return;
    }
    struct cr_person *p = person_of(L, target);
    p->kind = kind;
    p->roles |= 1u << CR_ROLE_PANEL;
}

static void *
enter_members(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    L->mark_members[0] = key->line;
    L->mark_members[1] = key->col;
    return target;
}

/* Sign-off rules: the default (CR_OUTCOME_COUNT) or one outcome's override. */
static void *
enter_signoff(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    L->outcome = CR_OUTCOME_COUNT;
    L->mark_signoff[CR_OUTCOME_COUNT][0] = key->line;
    L->mark_signoff[CR_OUTCOME_COUNT][1] = key->col;
    return &L->outcome;
}

static void *
enter_outcome(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    int o = cr_outcome_parse(key->value);
    if (o < 0) {
        problem(L, key->line, key->col, "'%s' is not an outcome (outcomes: nfa, reassess, refer)",
                key->value);
        return NULL;
    }
    L->outcome = o;
    L->mark_signoff[o][0] = key->line;
    L->mark_signoff[o][1] = key->col;
    return &L->outcome;
}

/* Fields of a sign-off block, in the order of signoff_given[]. */
enum { SO_PANEL, SO_CONCUR, SO_DISSENT, SO_BLIND, SO_KINDS };

/* The default rules sit in L->signoff_default until the overrides are resolved. */
static struct cr_signoff *
signoff_of(struct loader *L, void *target, int field)
{
    int o = *(int *)target;
    if (o == CR_OUTCOME_COUNT)
        return &L->signoff_default;
    L->signoff_given[o][field] = true;
    return &L->cfg->signoff[o];
}

static void
store_panel_flag(struct yload *Y, const struct ynode *key, const struct ynode *node,
                 const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    signoff_of(L, target, SO_PANEL)->panel = v->b;
}

static void
store_concur(struct yload *Y, const struct ynode *key, const struct ynode *node,
             const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    signoff_of(L, target, SO_CONCUR)->concur = (int)v->i;
}

static void
store_dissent(struct yload *Y, const struct ynode *key, const struct ynode *node,
              const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    signoff_of(L, target, SO_DISSENT)->dissent = (int)v->i;
}

static void
store_blind(struct yload *Y, const struct ynode *key, const struct ynode *node,
            const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    signoff_of(L, target, SO_BLIND)->blind = v->b;
}

static void *
enter_kind_count(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    if (cr_kind_parse(key->value) < 0) {
        problem(L, key->line, key->col,
                "'%s' is not a panel kind (kinds: independent, legal, "
                "police)",
                key->value);
        return NULL;
    }
    return target;
}

static void
store_kind_count(struct yload *Y, const struct ynode *key, const struct ynode *node,
                 const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    int kind = cr_kind_parse(key->value);
    int o = *(int *)target;
    signoff_of(L, target, SO_KINDS)->require_kinds[kind] = (int)v->i;
    L->mark_kind[o][kind][0] = key->line;
    L->mark_kind[o][kind][1] = key->col;
}

static void *
enter_users(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    L->mark_users[0] = key->line;
    L->mark_users[1] = key->col;
    return target;
}

static const struct ykey role_item[] = {
    STR_KEY("role", false, store_role, "reviewer, supervisor or admin"), END_KEYS};

static const struct ykey user_fields[] = {
    STR_KEY("login", true, store_login, "the Unix login (letters, digits, '.', '_', '-')"),
    STR_KEY("name", false, store_name, "the name shown to people (none: the login)"),
    {"roles", YT_SEQ, true, 0, 0, role_item, NULL, NULL, NULL, "the person's roles"},
    STR_KEY("unit", false, store_unit, "the unit, for conflicts.same_unit"),
    END_KEYS,
};

static const struct ykey member_fields[] = {
    STR_KEY("login", true, store_login, "the Unix login; also a user when on users"),
    STR_KEY("name", false, store_name, "the name shown to people (none: the login)"),
    STR_KEY("kind", true, store_kind, "independent, legal or police"),
    END_KEYS,
};

static const struct ykey user_item[] = {
    {"user", YT_MAP, false, 0, 0, user_fields, NULL, enter_user, NULL, NULL}, END_KEYS};
static const struct ykey member_item[] = {
    {"member", YT_MAP, false, 0, 0, member_fields, NULL, enter_member, NULL, NULL}, END_KEYS};

static const struct ykey kind_count_item[] = {
    {"kind", YT_INT, false, 0, 1000, NULL, store_kind_count, enter_kind_count, NULL,
     "of the concurring votes, at least this many by members of the kind"},
    END_KEYS};

/* The sign-off rules: the defaults (sign_off), and each outcome's, which start from them. */
#define SIGNOFF_FIELDS(concur, dissent, kinds, blind)              \
    INT_KEY("concur", false, 1, 1000, store_concur, concur,        \
            "concurring votes that close the case"),               \
        INT_KEY("dissent", false, 1, 1000, store_dissent, dissent, \
                "dissenting votes that return the case"),          \
        {"require_kinds",                                          \
         YT_DICT,                                                  \
         false,                                                    \
         0,                                                        \
         0,                                                        \
         kind_count_item,                                          \
         NULL,                                                     \
         NULL,                                                     \
         kinds,                                                    \
         "members of a kind the concurring votes must include"},   \
        BOOL_KEY("blind", false, store_blind, blind,               \
                 "a member sees others' votes only after casting their own")

static const struct ykey signoff_fields[] = {SIGNOFF_FIELDS("2", "1", NULL, "true"), END_KEYS};
static const struct ykey outcome_fields[] = {
    BOOL_KEY("panel", false, store_panel_flag, "true",
             "false: approval closes the case, without the panel"),
    SIGNOFF_FIELDS("sign_off", "sign_off", "sign_off", "sign_off"), END_KEYS};
static const struct ykey outcome_item[] = {
    {"outcome", YT_MAP, false, 0, 0, outcome_fields, NULL, enter_outcome, NULL, NULL}, END_KEYS};

static const struct ykey panel_fields[] = {
    {"members", YT_SEQ, false, 0, 0, member_item, NULL, enter_members, NULL, "the panel's members"},
    {"sign_off", YT_MAP, false, 0, 0, signoff_fields, NULL, enter_signoff, NULL,
     "what the panel needs to close a case, for every outcome"},
    {"outcomes", YT_DICT, false, 0, 0, outcome_item, NULL, NULL, NULL,
     "an outcome's own rules (nfa, reassess, refer), over sign_off"},
    END_KEYS,
};

static const struct ykey sla_fields[] = {
    INT_KEY("review", false, 1, 3650, store_sla, "10", "days a case may wait for a decision"),
    INT_KEY("approval", false, 1, 3650, store_sla, "3", "days a decision may wait for approval"),
    INT_KEY("panel", false, 1, 3650, store_sla, "14", "days a case may stay with the panel"),
    END_KEYS,
};

static const struct ykey retention_fields[] = {
    INT_KEY("closed_years", false, 1, 100, store_retention, NULL,
            "years a closed case is kept before purge may erase it (every outcome)"),
    INT_KEY("closed_days", false, 1, 36500, store_retention, NULL,
            "the same in days, instead of closed_years"),
    INT_KEY("nfa", false, 1, 100, store_retention, NULL, "years, for cases closed as nfa"),
    INT_KEY("nfa_days", false, 1, 36500, store_retention, NULL, "days, instead of nfa"),
    INT_KEY("reassess", false, 1, 100, store_retention, NULL, "years, for reassess"),
    INT_KEY("reassess_days", false, 1, 36500, store_retention, NULL, "days, for reassess"),
    INT_KEY("refer", false, 1, 100, store_retention, NULL, "years, for refer"),
    INT_KEY("refer_days", false, 1, 36500, store_retention, NULL, "days, for refer"),
    END_KEYS,
};

static const struct ykey declared_fields[] = {
    STR_KEY("login", true, store_declared_login, "a login on the roster"),
    STR_KEY("subject_ref", true, store_declared_ref, "the subject whose cases they may not see"),
    STR_KEY("reason", true, store_declared_reason, "why, for the refusal and the record"),
    END_KEYS,
};

static const struct ykey declared_item[] = {
    {"conflict", YT_MAP, false, 0, 0, declared_fields, NULL, enter_declared, NULL, NULL}, END_KEYS};

static const struct ykey conflict_fields[] = {
    BOOL_KEY("same_unit", false, store_same_unit, "true",
             "nobody sees or acts on a case of a subject in their own unit"),
    {"declared", YT_SEQ, false, 0, 0, declared_item, NULL, NULL, NULL,
     "declared conflicts of interest"},
    END_KEYS,
};

static const struct ykey purpose_item[] = {
    STR_KEY("purpose", false, store_purpose, "a purpose a session may give"), END_KEYS};

static const struct ykey audit_fields[] = {
    BOOL_KEY("require_purpose", false, store_require_purpose, "false",
             "true: every consultation needs the session's purpose (--purpose)"),
    {"purposes", YT_SEQ, false, 0, 0, purpose_item, NULL, enter_purposes, NULL,
     "the only purposes allowed (none: any)"},
    END_KEYS,
};

/* qa: quality assurance (core/qa.c) */

static void *
enter_qa(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    L->cfg->qa_on = 1;
    return target;
}

static void
store_qa_int(struct yload *Y, const struct ynode *key, const struct ynode *node,
             const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    if (strcmp(key->value, "sample_percent") == 0)
        L->cfg->qa_sample_percent = (int)v->i;
    else
        L->cfg->qa_min_per_reviewer = (int)v->i;
}

static void *
enter_qa_outcomes(struct yload *Y, const struct ynode *key, const struct ynode *node, void *target)
{
    struct loader *L = loader_of(Y);
    if (node->n == 0) {
        problem(L, node->line, node->col,
                "qa.outcomes: an empty list would select nothing; list at least one outcome "
                "(nfa, reassess, refer), or leave the key out for all");
        return NULL;
    }
    L->cfg->qa_outcomes = 0;
    return target;
}

static void
store_qa_outcome(struct yload *Y, const struct ynode *key, const struct ynode *node,
                 const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    int o = cr_outcome_parse(v->s);
    if (o < 0) {
        problem(L, node->line, node->col,
                "qa.outcomes: '%s' is not an outcome (outcomes: nfa, reassess, refer)", v->s);
        return;
    }
    if (L->cfg->qa_outcomes & (1u << o)) {
        problem(L, node->line, node->col, "qa.outcomes: '%s' is listed twice", v->s);
        return;
    }
    L->cfg->qa_outcomes |= 1u << o;
}

static void
store_qa_seed(struct yload *Y, const struct ynode *key, const struct ynode *node,
              const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    bool control = false;
    for (const unsigned char *p = (const unsigned char *)v->s; *p; p++)
        control |= *p < 0x20 || *p == 0x7f;
    if (!*v->s || control || strlen(v->s) > 200) {
        problem(L, node->line, node->col,
                "qa.seed: a seed is a whole number or one line of text (1 to 200 bytes, no "
                "control characters)");
        return;
    }
    L->cfg->qa_seed = keep(L, v->s);
}

static void
store_qa_reviewer(struct yload *Y, const struct ynode *key, const struct ynode *node,
                  const struct yval *v, void *target)
{
    struct loader *L = loader_of(Y);
    struct cr_config *cfg = L->cfg;
    for (size_t i = 0; i < cfg->n_qa_reviewers; i++) {
        if (strcmp(cfg->qa_reviewers[i], v->s) == 0) {
            problem(L, node->line, node->col, "qa.reviewers: '%s' is listed twice", v->s);
            return;
        }
    }
    size_t n = cfg->n_qa_reviewers + 1;
    const char **list = realloc(cfg->qa_reviewers, n * sizeof *list);
    if (list)
        cfg->qa_reviewers = list;
    int *lines = list ? realloc(cfg->qa_reviewer_line, n * sizeof *lines) : NULL;
    if (lines)
        cfg->qa_reviewer_line = lines;
    int *cols = lines ? realloc(cfg->qa_reviewer_column, n * sizeof *cols) : NULL;
    if (!cols) {
        L->y.nomem = true;
        return;
    }
    cfg->qa_reviewer_column = cols;
    list[cfg->n_qa_reviewers] = keep(L, v->s);
    lines[cfg->n_qa_reviewers] = node->line;
    cols[cfg->n_qa_reviewers] = node->col;
    cfg->n_qa_reviewers = n;
}

/* qa.reviewers: each on the roster, and one who reviews or supervises. */
static void
check_qa(struct loader *L)
{
    const struct cr_config *cfg = L->cfg;
    for (size_t i = 0; i < cfg->n_qa_reviewers; i++) {
        const struct cr_person *p = cr_config_person(cfg, cfg->qa_reviewers[i]);
        if (!p)
            problem(L, cfg->qa_reviewer_line[i], cfg->qa_reviewer_column[i],
                    "qa.reviewers: '%s' is not on the roster (users)", cfg->qa_reviewers[i]);
        else if (!cr_person_has(p, CR_ROLE_REVIEWER) && !cr_person_has(p, CR_ROLE_SUPERVISOR))
            problem(L, cfg->qa_reviewer_line[i], cfg->qa_reviewer_column[i],
                    "qa.reviewers: '%s' neither reviews nor supervises, so cannot review a "
                    "decision for quality",
                    cfg->qa_reviewers[i]);
    }
}

static const struct ykey qa_outcome_item[] = {
    STR_KEY("outcome", false, store_qa_outcome, "nfa, reassess or refer"), END_KEYS};
static const struct ykey qa_reviewer_item[] = {
    STR_KEY("login", false, store_qa_reviewer, "a reviewer or supervisor on the roster"), END_KEYS};

static const struct ykey qa_fields[] = {
    INT_KEY("sample_percent", false, 0, 100, store_qa_int, "0",
            "per cent of approved decisions selected for quality review (by their draw)"),
    INT_KEY("min_per_reviewer", false, 0, 1000, store_qa_int, "0",
            "each reviewer's first decisions selected, under each configuration, up to this "
            "many"),
    {"outcomes", YT_SEQ, false, 0, 0, qa_outcome_item, NULL, enter_qa_outcomes, NULL,
     "the outcomes whose decisions may be selected (none: all)"},
    {"seed", YT_STR, true, 0, 0, NULL, store_qa_seed, NULL, NULL,
     "a whole number or text keying the selection (written in each selection's audit event)"},
    {"reviewers", YT_SEQ, false, 0, 0, qa_reviewer_item, NULL, NULL, NULL,
     "who may review for quality (none: any reviewer or supervisor but the decider and "
     "approver)"},
    END_KEYS,
};

static const struct ykey key_item[] = {{"action", YT_STR, false, 0, 0, NULL, store_key, enter_key,
                                        NULL, "the key for a workstation action"},
                                       END_KEYS};

static const struct ykey top_fields[] = {
    STR_KEY("theme", false, store_theme, "a theme in the themes folders (none: the default)"),
    {"keys", YT_DICT, false, 0, 0, key_item, NULL, NULL, NULL,
     "key overrides for the workstation, by action name"},
    {"after_action", YT_STR, false, 0, 0, NULL, store_after_action, NULL, "next",
     "after a decision, approval or vote on the case screen: next (the next case of the "
     "view) or stay"},
    BOOL_KEY("allow_impersonation", false, store_impersonation, "false",
             "true only for demos and tests: enables --as LOGIN"),
    {"conflicts", YT_MAP, false, 0, 0, conflict_fields, NULL, NULL, NULL, "conflicts of interest"},
    {"sla_days", YT_MAP, false, 0, 0, sla_fields, NULL, NULL, NULL, "service levels, in days"},
    INT_KEY("escalate_after_days", false, 0, 3650, store_escalate, NULL,
            "days past due after which a case waits for every supervisor and admin (none: "
            "never)"),
    STR_KEY("notify", false, store_notify,
            "a command (absolute path) run after each action with its kind, the case number "
            "and the recipients' logins"),
    INT_KEY("notify_timeout", false, 1, 600, store_notify_timeout, "5",
            "seconds the notify command may run before it is killed"),
    {"users", YT_SEQ, true, 0, 0, user_item, NULL, enter_users, NULL,
     "the roster: who may use casereview"},
    {"panel", YT_MAP, false, 0, 0, panel_fields, NULL, NULL, NULL, "the panel"},
    {"audit", YT_MAP, false, 0, 0, audit_fields, NULL, NULL, NULL, "consultations (DPA 2018 s.62)"},
    {"retention", YT_MAP, false, 0, 0, retention_fields, NULL, NULL, NULL,
     "how long closed cases are kept before purge may erase them (MoPI)"},
    {"qa", YT_MAP, false, 0, 0, qa_fields, NULL, enter_qa, NULL,
     "quality assurance: decisions sampled at approval for a second, blind review"},
    END_KEYS,
};

/*
 * A key's default in the table, as a number (true: 1, false: 0): the table
 * is the one place a default is written, for the loader and the reference.
 */
static int
key_default(const struct ykey *fields, const char *name)
{
    for (const struct ykey *k = fields; k->name; k++) {
        long long v;
        if (strcmp(k->name, name) != 0 || !k->def)
            continue;
        if (strcmp(k->def, "true") == 0 || strcmp(k->def, "false") == 0)
            return k->def[0] == 't';
        if (yparse_int(k->def, &v))
            return (int)v;
    }
    assert(!"the table gives no default for the key");
    return 0;
}

/* Checks across the file */

/*
 * How many panel members could vote on any one case, at worst: a member who
 * also reviews may be the case's reviewer, and one who also supervises its
 * approving supervisor, and neither may vote on it.
 */
static int
worst_case_voters(const struct cr_config *cfg, int kind, int *excluded)
{
    int members = 0, reviewers = 0, supervisors = 0, both = 0;
    for (size_t i = 0; i < cfg->n_people; i++) {
        const struct cr_person *p = &cfg->people[i];
        if (!(p->roles & (1u << CR_ROLE_PANEL)) || (kind >= 0 && p->kind != kind))
            continue;
        members++;
        bool r = p->roles & (1u << CR_ROLE_REVIEWER), s = p->roles & (1u << CR_ROLE_SUPERVISOR);
        reviewers += r;
        supervisors += s;
        both += r && s;
    }
    /* Two different people at most: the case's reviewer and its approving supervisor. */
    int out = 0;
    if (reviewers && supervisors && (reviewers + supervisors - both) >= 2)
        out = 2;
    else if (reviewers || supervisors)
        out = 1;
    *excluded = out;
    return members - out;
}

/*
 * Check one set of sign-off rules against the panel: the default rules
 * (o == CR_OUTCOME_COUNT) in full, an outcome's override only in what it
 * changes, so that each problem is reported once, where it was written.
 */
static void
check_signoff(struct loader *L, int o)
{
    const struct cr_config *cfg = L->cfg;
    bool is_default = o == CR_OUTCOME_COUNT;
    const struct cr_signoff *so = is_default ? &L->signoff_default : &cfg->signoff[o];
    const bool *given = is_default ? NULL : L->signoff_given[o];
    if (!so->panel)
        return;
    bool concur = is_default || given[SO_CONCUR], dissent = is_default || given[SO_DISSENT];
    bool kinds = is_default || given[SO_KINDS];
    if (!concur && !dissent && !kinds)
        return;
    int line = L->mark_signoff[o][0], col = L->mark_signoff[o][1];
    if (!line) {
        line = L->mark_members[0] ? L->mark_members[0] : 1;
        col = L->mark_members[0] ? L->mark_members[1] : 1;
    }
    char path[64];
    snprintf(path, sizeof path, is_default ? "panel.sign_off" : "panel.outcomes.%s",
             cr_outcome_name(o));
    int excluded;
    int voters = worst_case_voters(cfg, -1, &excluded);
    if (concur && so->concur > voters) {
        if (excluded)
            problem(L, line, col,
                    "%s: %d concurring votes are needed but at most %d panel member%s could "
                    "vote on a case (%d of the members also review or supervise, and may be the "
                    "case's own reviewer or approver)",
                    path, so->concur, voters, voters == 1 ? "" : "s", excluded);
        else
            problem(L, line, col,
                    "%s: %d concurring votes are needed but the panel has only %d member%s", path,
                    so->concur, voters, voters == 1 ? "" : "s");
    }
    if (dissent && so->dissent > voters)
        problem(L, line, col,
                "%s: %d dissenting votes return a case but at most %d panel member%s could vote",
                path, so->dissent, voters, voters == 1 ? "" : "s");
    int sum = 0;
    for (int k = 0; k < CR_KIND_COUNT; k++) {
        int need = so->require_kinds[k];
        sum += need;
        if (!need || !kinds)
            continue;
        int kl = L->mark_kind[o][k][0] ? L->mark_kind[o][k][0] : line;
        int kc = L->mark_kind[o][k][0] ? L->mark_kind[o][k][1] : col;
        int ex, of_kind = worst_case_voters(cfg, k, &ex);
        if (need > of_kind)
            problem(L, kl, kc,
                    "%s: require_kinds asks for %d concurring %s member%s but at most %d of "
                    "that kind could vote",
                    path, need, cr_kind_name(k), need == 1 ? "" : "s", of_kind);
    }
    if ((concur || kinds) && sum > so->concur)
        problem(L, line, col,
                "%s: require_kinds asks for %d votes of given kinds, more than the %d concurring "
                "votes needed",
                path, sum, so->concur);
}

/* Where a person's name was written: their last name:, or their login when they have none. */
static void
name_position(const struct loader *L, size_t person, int *line, int *col)
{
    *line = L->person_line[person];
    *col = L->person_col[person];
    for (size_t i = 0; i < L->n_names; i++) {
        if (L->names[i].person == person) {
            *line = L->names[i].line;
            *col = L->names[i].col;
        }
    }
}

/*
 * Two logins under one display name: separation of duties keys on the
 * login, so one person with two logins could approve their own decision.
 * Names are compared ignoring ASCII case; reported where the second is.
 */
static void
check_names(struct loader *L)
{
    const struct cr_config *cfg = L->cfg;
    for (size_t i = 0; i < cfg->n_people; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcasecmp(cfg->people[i].name, cfg->people[j].name) != 0)
                continue;
            int li, ci, lj, cj;
            name_position(L, i, &li, &ci);
            name_position(L, j, &lj, &cj);
            bool later = li > lj || (li == lj && ci > cj);
            problem(L, later ? li : lj, later ? ci : cj,
                    "name '%s' is given to both '%s' and '%s' (first at line %d); one person has "
                    "one login, so that separation of duties holds: give each person their own "
                    "name",
                    cfg->people[i].name, cfg->people[later ? j : i].login,
                    cfg->people[later ? i : j].login, later ? lj : li);
            break;
        }
    }
}

static void
check_whole(struct loader *L)
{
    struct cr_config *cfg = L->cfg;
    /* Resolve each outcome's rules: the default, then what the override gives. */
    for (int o = 0; o < CR_OUTCOME_COUNT; o++) {
        struct cr_signoff *so = &cfg->signoff[o];
        struct cr_signoff over = *so;
        *so = L->signoff_default;
        so->panel =
            L->signoff_given[o][SO_PANEL] ? over.panel : key_default(outcome_fields, "panel");
        if (L->signoff_given[o][SO_CONCUR])
            so->concur = over.concur;
        if (L->signoff_given[o][SO_DISSENT])
            so->dissent = over.dissent;
        if (L->signoff_given[o][SO_BLIND])
            so->blind = over.blind;
        if (L->signoff_given[o][SO_KINDS])
            memcpy(so->require_kinds, over.require_kinds, sizeof so->require_kinds);
    }
    int line = L->mark_users[0] ? L->mark_users[0] : 1,
        col = L->mark_users[0] ? L->mark_users[1] : 1;
    bool supervisor = false, reviewer = false;
    for (size_t i = 0; i < cfg->n_people; i++) {
        supervisor |= cr_person_has(&cfg->people[i], CR_ROLE_SUPERVISOR);
        reviewer |= cr_person_has(&cfg->people[i], CR_ROLE_REVIEWER);
        if (!cfg->people[i].name)
            cfg->people[i].name = cfg->people[i].login;
    }
    if (!supervisor)
        problem(L, line, col,
                "users: nobody has the supervisor role, so no decision could be "
                "approved");
    if (!reviewer)
        problem(L, line, col, "users: nobody has the reviewer role, so no case could be decided");
    check_names(L);
    check_qa(L);
    check_signoff(L, CR_OUTCOME_COUNT);
    for (int o = 0; o < CR_OUTCOME_COUNT; o++)
        check_signoff(L, o);
    for (size_t i = 0; i < cfg->n_declared; i++) {
        const struct cr_declared_conflict *d = &cfg->declared[i];
        if (d->login && !cr_config_person(cfg, d->login))
            problem(L, d->line, d->column,
                    "conflicts.declared: '%s' is not on the roster (users or panel.members)",
                    d->login);
    }
}

/* Loading */

/* SPEC's sign-off rules, for every outcome the file says nothing of. */
static struct cr_signoff
spec_default(void)
{
    return (struct cr_signoff){.panel = key_default(outcome_fields, "panel"),
                               .concur = key_default(signoff_fields, "concur"),
                               .dissent = key_default(signoff_fields, "dissent"),
                               .blind = key_default(signoff_fields, "blind")};
}

enum cr_status
cr_config_keys(void (*each)(void *ctx, const char *path, const char *type, const char *def,
                            const char *doc),
               void *ctx)
{
    return yexplain(top_fields, NULL, each, ctx) < 0 ? CR_NOMEM : CR_OK;
}

enum cr_status
cr_config_parse(const char *path, const unsigned char *text, size_t len, struct cr_config **out,
                cr_diags **diags)
{
    *out = NULL;
    struct loader L = {.y.path = path, .signoff_default = spec_default()};
    L.y.diags = *diags = cr_diags_new(CR_CONFIG_MAX_ERRORS);
    struct cr_config *cfg = L.cfg = calloc(1, sizeof *L.cfg);
    L.priv = calloc(1, sizeof *L.priv);
    if (!L.y.diags || !cfg || !L.priv) {
        free(cfg);
        free(L.priv);
        return CR_NOMEM;
    }
    cfg->priv = L.priv;
    cfg->path = keep(&L, path);
    cfg->allow_impersonation = key_default(top_fields, "allow_impersonation");
    cfg->same_unit = key_default(conflict_fields, "same_unit");
    cfg->audit_require_purpose = key_default(audit_fields, "require_purpose");
    for (int s = 0; s < CR_SLA_COUNT; s++)
        cfg->sla_days[s] = key_default(sla_fields, cr_sla_name(s));
    cfg->escalate_after_days = -1;
    cfg->notify_timeout = key_default(top_fields, "notify_timeout");
    cfg->qa_outcomes = (1u << CR_OUTCOME_COUNT) - 1;
    for (int o = 0; o < CR_OUTCOME_COUNT; o++)
        cfg->signoff[o] = L.signoff_default;

    if (len > CR_CONFIG_MAX_BYTES) {
        problem(&L, 1, 1, "the file is larger than %u bytes", CR_CONFIG_MAX_BYTES);
    } else {
        unsigned char hash[32];
        if ((L.priv->text = malloc(len + 1)) != NULL) {
            memcpy(L.priv->text, text, len);
            L.priv->text[len] = '\0';
            L.priv->len = len;
        } else {
            L.y.nomem = true;
        }
        crypto_generichash(hash, sizeof hash, text, len, NULL, 0);
        sodium_bin2hex(cfg->digest, sizeof cfg->digest, hash, sizeof hash);
        size_t bad;
        if (!cr_utf8_valid((const char *)text, len, &bad)) {
            int line = 1, col = 1;
            for (size_t i = 0; i < bad; i++, col++)
                if (text[i] == '\n')
                    line++, col = 0;
            problem(&L, line, col, "the file is not valid UTF-8");
        } else if (memchr(text, '\0', len)) {
            problem(&L, 1, 1, "the file contains a NUL byte");
        } else {
            struct ynode *root = yparse(&L.y, text, len);
            if (root) {
                const struct ykey top = {
                    .name = "the file", .type = YT_MAP, .required = true, .fields = top_fields};
                ywalk(&L.y, &top, NULL, root, "the file", cfg);
                ynode_free(root);
                if (cr_diags_total(L.y.diags) == 0 && !L.y.nomem)
                    check_whole(&L);
            } else if (cr_diags_total(L.y.diags) == 0 && !L.y.nomem) {
                problem(&L, 1, 1, "the file is empty (it needs at least 'users:')");
            }
        }
    }
    free(L.person_line);
    free(L.person_col);
    free(L.person_in_users);
    free(L.person_in_panel);
    free(L.names);
    enum cr_status st = L.y.nomem ? CR_NOMEM : cr_diags_total(L.y.diags) > 0 ? CR_INVALID : CR_OK;
    if (st != CR_OK) {
        cr_config_free(cfg);
        return st;
    }
    *out = cfg;
    return CR_OK;
}

enum cr_status
cr_config_load(const char *path, struct cr_config **out, cr_diags **diags)
{
    cr_diags *read_problems = cr_diags_new(1);
    if (!read_problems)
        return CR_NOMEM;
    struct yload R = {.path = path, .diags = read_problems};
    size_t len = 0;
    unsigned char *text = yread_file(&R, &len);
    enum cr_status st;
    if (!text) {
        /* Unreadable or too large: report that alone. */
        *out = NULL;
        *diags = read_problems;
        return R.nomem ? CR_NOMEM : CR_INVALID;
    }
    cr_diags_free(read_problems);
    st = cr_config_parse(path, text, len, out, diags);
    free(text);
    return st;
}

void
cr_config_free(struct cr_config *cfg)
{
    if (!cfg)
        return;
    struct config_priv *cp = cfg->priv;
    if (cp) {
        for (size_t i = 0; i < cp->n; i++)
            free(cp->strings[i]);
        free(cp->strings);
        free(cp->text);
        free(cp);
    }
    free(cfg->people);
    free(cfg->keys);
    free(cfg->declared);
    free(cfg->purposes);
    free(cfg->qa_reviewers);
    free(cfg->qa_reviewer_line);
    free(cfg->qa_reviewer_column);
    free(cfg);
}

const struct cr_person *
cr_config_person(const struct cr_config *cfg, const char *login)
{
    for (size_t i = 0; cfg && login && i < cfg->n_people; i++)
        if (strcmp(cfg->people[i].login, login) == 0)
            return &cfg->people[i];
    return NULL;
}

int
cr_person_has(const struct cr_person *p, int role)
{
    return p && role >= 0 && role < CR_ROLE_COUNT && (p->roles & (1u << role)) != 0;
}

enum cr_status
cr_config_identify(const struct cr_config *cfg, const char *os_login, const char *as_login,
                   const struct cr_person **who, char *msg, size_t n)
{
    *who = NULL;
    if (as_login && !cfg->allow_impersonation) {
        snprintf(msg, n,
                 "--as works only with 'allow_impersonation: true' in %s (for demos and tests); "
                 "you are %s",
                 cfg->path, os_login ? os_login : "unknown");
        return CR_USAGE;
    }
    const char *login = as_login ? as_login : os_login;
    if (!login || !*login) {
        snprintf(msg, n, "cannot tell who you are (no login name)");
        return CR_REFUSED;
    }
    *who = cr_config_person(cfg, login);
    if (!*who) {
        snprintf(msg, n,
                 "login '%s' is not on the roster in %s (users or panel.members); ask an admin "
                 "to add it",
                 login, cfg->path);
        return CR_REFUSED;
    }
    return CR_OK;
}
const char *
cr_config_text(const struct cr_config *cfg, size_t *len)
{
    const struct config_priv *cp = cfg->priv;
    *len = cp->len;
    return cp->text;
}

enum cr_status
cr_config_from_text(const char *label, const char *text, size_t len, struct cr_config **out,
                    cr_diags **diags)
{
    return cr_config_parse(label, (const unsigned char *)text, len, out, diags);
}
