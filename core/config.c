/*
 * The configuration loader (SPEC section 6).
 *
 * Two steps.  First libyaml's event API builds a small tree of the document,
 * with the line and column of every node; aliases are refused outright (no
 * document can blow up in memory), and size, depth and node count are
 * capped.  Then one table of keys -- each declared once with its type, its
 * range and the function that stores it -- is walked over the tree, and
 * every problem is reported as FILE:LINE:COLUMN: with what is wrong.
 * Consistency checks that need the whole file (quorum against the panel,
 * a supervisor on the roster) run last.
 */
#include "internal.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define CR_CONFIG_MAX_BYTES (1u << 20)
#define CR_CONFIG_MAX_NODES 20000
#define CR_CONFIG_MAX_DEPTH 32
#define CR_CONFIG_MAX_ERRORS 100

/* The document tree */

enum ynode_kind { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
    enum ynode_kind kind;
    int line, col; /* 1-based */
    char *value;   /* scalars */
    bool plain;    /* an unquoted scalar */
    size_t n;      /* sequences: items; mappings: keys and values alternate */
    struct ynode **items;
};

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
    const char *path;
    cr_diags *diags;
    struct cr_config *cfg;
    size_t nodes;
    bool nomem;
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
    } *names;
    size_t n_names;
};

static void problem(struct loader *L, int line, int col, const char *fmt, ...) CR_PRINTF(4, 5);

static void
problem(struct loader *L, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = cr_vformat(fmt, ap);
    va_end(ap);
    if (!msg || cr_diags_addf(L->diags, "%s:%d:%d: %s", L->path, line, col, msg) < 0)
        L->nomem = true;
    free(msg);
}

static void
ynode_free(struct ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        ynode_free(n->items[i]);
    free(n->items);
    free(n->value);
    free(n);
}

static struct ynode *
ynode_new(struct loader *L, enum ynode_kind kind, yaml_mark_t mark)
{
    if (++L->nodes > CR_CONFIG_MAX_NODES)
        return NULL;
    struct ynode *n = calloc(1, sizeof *n);
    if (!n) {
        L->nomem = true;
        return NULL;
    }
    n->kind = kind;
    n->line = (int)mark.line + 1;
    n->col = (int)mark.column + 1;
    return n;
}

static int
ynode_add(struct ynode *parent, struct ynode *child)
{
    if ((parent->n & (parent->n - 1)) == 0) {
        size_t cap = parent->n ? parent->n * 2 : 4;
        struct ynode **items = realloc(parent->items, cap * sizeof *items);
        if (!items)
            return -1;
        parent->items = items;
    }
    parent->items[parent->n++] = child;
    return 0;
}

/* Parse the document into a tree; NULL (with a problem reported) on failure. */
static struct ynode *
parse_document(struct loader *L, const unsigned char *text, size_t len)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        L->nomem = true;
        return NULL;
    }
    yaml_parser_set_input_string(&parser, text, len);
    struct ynode *stack[CR_CONFIG_MAX_DEPTH + 1];
    int depth = 0;
    struct ynode *root = NULL;
    bool done = false, failed = false;
    while (!done && !failed) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            yaml_mark_t m = parser.problem_mark;
            problem(L, (int)m.line + 1, (int)m.column + 1, "YAML syntax error: %s%s%s",
                    parser.problem ? parser.problem : "unknown problem",
                    parser.context ? " " : "", parser.context ? parser.context : "");
            failed = true;
            break;
        }
        struct ynode *n = NULL;
        switch (ev.type) {
        case YAML_ALIAS_EVENT:
            problem(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                    "aliases (*%s) are not allowed in a casereview configuration",
                    (const char *)ev.data.alias.anchor);
            failed = true;
            break;
        case YAML_SCALAR_EVENT:
            n = ynode_new(L, Y_SCALAR, ev.start_mark);
            if (n) {
                n->value = strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
                n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                if (!n->value)
                    L->nomem = true;
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            n = ynode_new(L, ev.type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP, ev.start_mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (root) {
                problem(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                        "only one YAML document is allowed");
                failed = true;
            }
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        bool opens = ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT;
        bool is_node = opens || ev.type == YAML_SCALAR_EVENT;
        if (is_node && !n && !failed) {
            if (!L->nomem)
                problem(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                        "the document has more than %d nodes", CR_CONFIG_MAX_NODES);
            failed = true;
        }
        if (n && !failed) {
            if (depth == 0) {
                if (root)
                    ynode_free(root);
                root = n;
            } else if (ynode_add(stack[depth - 1], n) < 0) {
                ynode_free(n);
                L->nomem = failed = true;
            }
            if (opens && !failed) {
                if (depth == CR_CONFIG_MAX_DEPTH) {
                    problem(L, n->line, n->col, "nested deeper than %d levels",
                            CR_CONFIG_MAX_DEPTH);
                    failed = true;
                } else {
                    stack[depth++] = n;
                }
            }
        } else if (n) {
            ynode_free(n);
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (failed) {
        ynode_free(root);
        return NULL;
    }
    return root;
}

/* The table of keys */

enum ytype { YT_STR, YT_INT, YT_BOOL, YT_MAP, YT_SEQ, YT_DICT };

static const char *const ytype_name[] = {
    [YT_STR] = "a string",      [YT_INT] = "a whole number", [YT_BOOL] = "true or false",
    [YT_MAP] = "a mapping",     [YT_SEQ] = "a sequence",     [YT_DICT] = "a mapping",
};

struct ykey;

/* A scalar as the table asked for it. */
struct yval {
    const char *s;
    long long i;
    bool b;
};

/*
 * What the walker calls: for a scalar, store(L, key, node, value, target);
 * for a mapping or sequence item, enter() returns the target its own keys
 * store into (NULL: skip it, a problem has been reported).
 */
typedef void ystore_fn(struct loader *L, const struct ynode *key, const struct ynode *node,
                       const struct yval *v, void *target);
typedef void *yenter_fn(struct loader *L, const struct ynode *key, const struct ynode *node,
                        void *target);

struct ykey {
    const char *name;
    enum ytype type;
    bool required;
    long long min, max;        /* YT_INT */
    const struct ykey *fields; /* YT_MAP; YT_SEQ and YT_DICT: the one entry for items */
    ystore_fn *store;
    yenter_fn *enter;
};

static const char *const node_kind_name[] = {
    [Y_SCALAR] = "a scalar", [Y_SEQ] = "a sequence", [Y_MAP] = "a mapping"};

static void walk(struct loader *L, const struct ykey *k, const struct ynode *key,
                 const struct ynode *node, const char *path, void *target);

static bool
parse_int(const char *s, long long *out)
{
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (!*p)
        return false;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    errno = 0;
    char *end;
    *out = strtoll(s, &end, 10);
    return errno == 0 && *end == '\0';
}

static void
walk_scalar(struct loader *L, const struct ykey *k, const struct ynode *key,
            const struct ynode *node, const char *path, void *target)
{
    struct yval v = {.s = node->value};
    switch (k->type) {
    case YT_STR:
        break;
    case YT_INT:
        if (!node->plain || !parse_int(node->value, &v.i)) {
            problem(L, node->line, node->col, "%s: expected a whole number, not '%s'", path,
                    node->value);
            return;
        }
        if (v.i < k->min || v.i > k->max) {
            problem(L, node->line, node->col, "%s: %lld is out of range (%lld to %lld)", path,
                    v.i, k->min, k->max);
            return;
        }
        break;
    case YT_BOOL:
        if (node->plain && strcmp(node->value, "true") == 0) {
            v.b = true;
        } else if (node->plain && strcmp(node->value, "false") == 0) {
            v.b = false;
        } else {
            problem(L, node->line, node->col, "%s: expected true or false, not '%s'", path,
                    node->value);
            return;
        }
        break;
    default:
        return;
    }
    if (k->store)
        k->store(L, key, node, &v, target);
}

static void
walk_map(struct loader *L, const struct ykey *fields, const struct ynode *node, const char *path,
         void *target)
{
    bool seen[32] = {false};
    for (size_t i = 0; i + 1 < node->n; i += 2) {
        const struct ynode *key = node->items[i], *val = node->items[i + 1];
        if (key->kind != Y_SCALAR) {
            problem(L, key->line, key->col, "%s: a key must be a plain name", path);
            continue;
        }
        size_t f = 0;
        while (fields[f].name && strcmp(fields[f].name, key->value) != 0)
            f++;
        if (!fields[f].name) {
            struct cr_buf allowed = {0};
            for (size_t a = 0; fields[a].name; a++)
                cr_buf_addf(&allowed, "%s%s", a ? ", " : "", fields[a].name);
            problem(L, key->line, key->col, "unknown key '%s' in %s (allowed: %s)", key->value,
                    path, allowed.p ? allowed.p : "none");
            cr_buf_free(&allowed);
            continue;
        }
        if (seen[f]) {
            problem(L, key->line, key->col, "%s: key '%s' appears twice", path, key->value);
            continue;
        }
        seen[f] = true;
        struct cr_buf sub = {0};
        cr_buf_addf(&sub, "%s%s%s", strcmp(path, "the file") == 0 ? "" : path,
                    strcmp(path, "the file") == 0 ? "" : ".", key->value);
        walk(L, &fields[f], key, val, sub.p ? sub.p : key->value, target);
        cr_buf_free(&sub);
    }
}

static void
walk(struct loader *L, const struct ykey *k, const struct ynode *key, const struct ynode *node,
     const char *path, void *target)
{
    enum ynode_kind want = k->type == YT_MAP || k->type == YT_DICT ? Y_MAP
                           : k->type == YT_SEQ                     ? Y_SEQ
                                                                   : Y_SCALAR;
    if (node->kind != want) {
        problem(L, node->line, node->col, "%s: expected %s, not %s", path, ytype_name[k->type],
                node_kind_name[node->kind]);
        return;
    }
    if (k->type == YT_MAP) {
        /* Missing keys first: the entry's enter may need one of them (a login). */
        for (size_t f = 0; k->fields[f].name; f++) {
            bool present = false;
            for (size_t i = 0; i + 1 < node->n; i += 2)
                present |= node->items[i]->kind == Y_SCALAR &&
                           strcmp(node->items[i]->value, k->fields[f].name) == 0;
            if (k->fields[f].required && !present)
                problem(L, node->line, node->col, "%s: missing required key '%s'", path,
                        k->fields[f].name);
        }
        void *t = k->enter ? k->enter(L, key, node, target) : target;
        if (t)
            walk_map(L, k->fields, node, path, t);
        return;
    }
    if (k->type == YT_SEQ) {
        if (k->enter && !(target = k->enter(L, key, node, target)))
            return;
        for (size_t i = 0; i < node->n; i++) {
            struct cr_buf sub = {0};
            cr_buf_addf(&sub, "%s[%zu]", path, i + 1);
            walk(L, k->fields, NULL, node->items[i], sub.p ? sub.p : path, target);
            cr_buf_free(&sub);
        }
        return;
    }
    if (k->type == YT_DICT) {
        /* Any keys, each value of the one item type; the entry's enter checks the key. */
        for (size_t i = 0; i + 1 < node->n; i += 2) {
            const struct ynode *dk = node->items[i], *dv = node->items[i + 1];
            if (dk->kind != Y_SCALAR) {
                problem(L, dk->line, dk->col, "%s: a key must be a plain name", path);
                continue;
            }
            for (size_t j = 0; j < i; j += 2) {
                if (node->items[j]->kind == Y_SCALAR &&
                    strcmp(node->items[j]->value, dk->value) == 0) {
                    problem(L, dk->line, dk->col, "%s: key '%s' appears twice", path, dk->value);
                    goto next;
                }
            }
            {
                struct cr_buf sub = {0};
                cr_buf_addf(&sub, "%s.%s", path, dk->value);
                const struct ykey *item = k->fields;
                void *t = target;
                if (item->enter && item->type != YT_MAP)
                    t = item->enter(L, dk, dv, target);
                if (t)
                    walk(L, item, dk, dv, sub.p ? sub.p : path, t);
                cr_buf_free(&sub);
            }
        next:;
        }
        return;
    }
    walk_scalar(L, k, key, node, path, target);
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
        L->nomem = true;
        return "";
    }
    cp->strings = strings;
    cp->strings[cp->n++] = copy;
    return copy;
}

static void
store_theme(struct loader *L, const struct ynode *key, const struct ynode *node,
            const struct yval *v, void *target)
{
    if (!*v->s || strchr(v->s, '/') || v->s[0] == '.') {
        problem(L, node->line, node->col, "theme: '%s' is not a theme name (a file name in "
                                          "themes/ without .yaml)",
                v->s);
        return;
    }
    L->cfg->theme = keep(L, v->s);
    L->cfg->theme_line = node->line;
    L->cfg->theme_column = node->col;
}

static void
store_impersonation(struct loader *L, const struct ynode *key, const struct ynode *node,
                    const struct yval *v, void *target)
{
    L->cfg->allow_impersonation = v->b;
}

static void
store_same_unit(struct loader *L, const struct ynode *key, const struct ynode *node,
                const struct yval *v, void *target)
{
    L->cfg->same_unit = v->b;
}

/* conflicts.declared: one entry per item, checked against the roster once the file is read. */
static void *
enter_declared(struct loader *L, const struct ynode *key, const struct ynode *node, void *target)
{
    struct cr_config *cfg = L->cfg;
    struct cr_declared_conflict *d =
        realloc(cfg->declared, (cfg->n_declared + 1) * sizeof *d);
    if (!d) {
        L->nomem = true;
        return NULL;
    }
    cfg->declared = d;
    d = &cfg->declared[cfg->n_declared++];
    *d = (struct cr_declared_conflict){.line = node->line, .column = node->col};
    return d;
}

static void
store_declared_login(struct loader *L, const struct ynode *key, const struct ynode *node,
                     const struct yval *v, void *target)
{
    struct cr_declared_conflict *d = target;
    d->login = keep(L, v->s);
    d->line = node->line;
    d->column = node->col;
}

static void
store_declared_ref(struct loader *L, const struct ynode *key, const struct ynode *node,
                   const struct yval *v, void *target)
{
    if (!*v->s) {
        problem(L, node->line, node->col, "conflicts.declared: subject_ref is empty");
        return;
    }
    ((struct cr_declared_conflict *)target)->subject_ref = keep(L, v->s);
}

static void
store_declared_reason(struct loader *L, const struct ynode *key, const struct ynode *node,
                      const struct yval *v, void *target)
{
    if (strspn(v->s, " \t\r\n") == strlen(v->s)) {
        problem(L, node->line, node->col,
                "conflicts.declared: a declared conflict needs a reason (why this person is "
                "kept from the subject's cases)");
        return;
    }
    ((struct cr_declared_conflict *)target)->reason = keep(L, v->s);
}

static void
store_require_purpose(struct loader *L, const struct ynode *key, const struct ynode *node,
                      const struct yval *v, void *target)
{
    L->cfg->audit_require_purpose = v->b;
}

/* audit.purposes: one line of plain text each, none twice. */
static void
store_purpose(struct loader *L, const struct ynode *key, const struct ynode *node,
              const struct yval *v, void *target)
{
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
        L->nomem = true;
        return;
    }
    cfg->purposes = list;
    list[cfg->n_purposes++] = keep(L, v->s);
}

static void *
enter_purposes(struct loader *L, const struct ynode *key, const struct ynode *node, void *target)
{
    if (node->n == 0) {
        problem(L, node->line, node->col,
                "audit.purposes: an empty list would allow no purpose; list at least one, or "
                "leave the key out to allow any");
        return NULL;
    }
    return target;
}

static void
store_sla(struct loader *L, const struct ynode *key, const struct ynode *node,
          const struct yval *v, void *target)
{
    L->cfg->sla_days[cr_sla_parse(key->value)] = (int)v->i;
}

static void *
enter_key(struct loader *L, const struct ynode *key, const struct ynode *node, void *target)
{
    return L->cfg;
}

static void
store_key(struct loader *L, const struct ynode *key, const struct ynode *node,
          const struct yval *v, void *target)
{
    struct cr_config *cfg = L->cfg;
    struct cr_key_binding *kb = realloc(cfg->keys, (cfg->n_keys + 1) * sizeof *kb);
    if (!kb) {
        L->nomem = true;
        return;
    }
    cfg->keys = kb;
    kb[cfg->n_keys++] = (struct cr_key_binding){keep(L, key->value), keep(L, v->s), node->line,
                                                node->col, key->line, key->col};
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
                node_kind_name[login->kind]);
        return NULL;
    }
    if (!*login->value || strspn(login->value, "abcdefghijklmnopqrstuvwxyz"
                                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
                              strlen(login->value)) {
        problem(L, login->line, login->col,
                "login '%s' is not a login name (letters, digits, '.', '_' and '-')",
                login->value);
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
        L->nomem = true;
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
enter_user(struct loader *L, const struct ynode *key, const struct ynode *node, void *target)
{
    return enter_person(L, node, false);
}

static void *
enter_member(struct loader *L, const struct ynode *key, const struct ynode *node, void *target)
{
    return enter_person(L, node, true);
}

static struct cr_person *
person_of(struct loader *L, void *target)
{
    return &L->cfg->people[((struct person_ctx *)target)->index];
}

static void
store_login(struct loader *L, const struct ynode *key, const struct ynode *node,
            const struct yval *v, void *target)
{
    /* Taken by enter_person. */
}

static void
store_name(struct loader *L, const struct ynode *key, const struct ynode *node,
           const struct yval *v, void *target)
{
    person_of(L, target)->name = keep(L, v->s);
    struct name_mark *m = realloc(L->names, (L->n_names + 1) * sizeof *m);
    if (!m) {
        L->nomem = true;
        return;
    }
    L->names = m;
    m[L->n_names++] = (struct name_mark){((struct person_ctx *)target)->index, node->line,
                                         node->col};
}

static void
store_unit(struct loader *L, const struct ynode *key, const struct ynode *node,
           const struct yval *v, void *target)
{
    person_of(L, target)->unit = *v->s ? keep(L, v->s) : NULL;
}

static void
store_role(struct loader *L, const struct ynode *key, const struct ynode *node,
           const struct yval *v, void *target)
{
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
store_kind(struct loader *L, const struct ynode *key, const struct ynode *node,
           const struct yval *v, void *target)
{
    int kind = cr_kind_parse(v->s);
    if (kind < 0) {
        problem(L, node->line, node->col, "'%s' is not a panel kind (kinds: independent, legal, "
                                          "police)",
                v->s);
        return;
    }
    struct cr_person *p = person_of(L, target);
    p->kind = kind;
    p->roles |= 1u << CR_ROLE_PANEL;
}

static void *
enter_members(struct loader *L, const struct ynode *key, const struct ynode *node, void *target)
{
    L->mark_members[0] = key->line;
    L->mark_members[1] = key->col;
    return target;
}

/* Sign-off rules: the default (CR_OUTCOME_COUNT) or one outcome's override. */
static void *
enter_signoff(struct loader *L, const struct ynode *key, const struct ynode *node, void *target)
{
    L->outcome = CR_OUTCOME_COUNT;
    L->mark_signoff[CR_OUTCOME_COUNT][0] = key->line;
    L->mark_signoff[CR_OUTCOME_COUNT][1] = key->col;
    return &L->outcome;
}

static void *
enter_outcome(struct loader *L, const struct ynode *key, const struct ynode *node, void *target)
{
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
store_panel_flag(struct loader *L, const struct ynode *key, const struct ynode *node,
                 const struct yval *v, void *target)
{
    signoff_of(L, target, SO_PANEL)->panel = v->b;
}

static void
store_concur(struct loader *L, const struct ynode *key, const struct ynode *node,
             const struct yval *v, void *target)
{
    signoff_of(L, target, SO_CONCUR)->concur = (int)v->i;
}

static void
store_dissent(struct loader *L, const struct ynode *key, const struct ynode *node,
              const struct yval *v, void *target)
{
    signoff_of(L, target, SO_DISSENT)->dissent = (int)v->i;
}

static void
store_blind(struct loader *L, const struct ynode *key, const struct ynode *node,
            const struct yval *v, void *target)
{
    signoff_of(L, target, SO_BLIND)->blind = v->b;
}

static void *
enter_kind_count(struct loader *L, const struct ynode *key, const struct ynode *node,
                 void *target)
{
    if (cr_kind_parse(key->value) < 0) {
        problem(L, key->line, key->col, "'%s' is not a panel kind (kinds: independent, legal, "
                                        "police)",
                key->value);
        return NULL;
    }
    return target;
}

static void
store_kind_count(struct loader *L, const struct ynode *key, const struct ynode *node,
                 const struct yval *v, void *target)
{
    int kind = cr_kind_parse(key->value);
    int o = *(int *)target;
    signoff_of(L, target, SO_KINDS)->require_kinds[kind] = (int)v->i;
    L->mark_kind[o][kind][0] = key->line;
    L->mark_kind[o][kind][1] = key->col;
}

static void *
enter_users(struct loader *L, const struct ynode *key, const struct ynode *node, void *target)
{
    L->mark_users[0] = key->line;
    L->mark_users[1] = key->col;
    return target;
}

#define INT_KEY(n, req, lo, hi, fn) {n, YT_INT, req, lo, hi, NULL, fn, NULL}
#define STR_KEY(n, req, fn) {n, YT_STR, req, 0, 0, NULL, fn, NULL}
#define BOOL_KEY(n, req, fn) {n, YT_BOOL, req, 0, 0, NULL, fn, NULL}
#define END_KEYS {NULL, YT_STR, false, 0, 0, NULL, NULL, NULL}

static const struct ykey role_item[] = {STR_KEY("role", false, store_role), END_KEYS};

static const struct ykey user_fields[] = {
    STR_KEY("login", true, store_login),
    STR_KEY("name", false, store_name),
    {"roles", YT_SEQ, true, 0, 0, role_item, NULL, NULL},
    STR_KEY("unit", false, store_unit),
    END_KEYS,
};

static const struct ykey member_fields[] = {
    STR_KEY("login", true, store_login),
    STR_KEY("name", false, store_name),
    STR_KEY("kind", true, store_kind),
    END_KEYS,
};

static const struct ykey user_item[] = {
    {"user", YT_MAP, false, 0, 0, user_fields, NULL, enter_user}, END_KEYS};
static const struct ykey member_item[] = {
    {"member", YT_MAP, false, 0, 0, member_fields, NULL, enter_member}, END_KEYS};

static const struct ykey kind_count_item[] = {
    {"count", YT_INT, false, 0, 1000, NULL, store_kind_count, enter_kind_count}, END_KEYS};

#define SIGNOFF_FIELDS                                                         \
    INT_KEY("concur", false, 1, 1000, store_concur),                           \
        INT_KEY("dissent", false, 1, 1000, store_dissent),                     \
        {"require_kinds", YT_DICT, false, 0, 0, kind_count_item, NULL, NULL},  \
        BOOL_KEY("blind", false, store_blind)

static const struct ykey signoff_fields[] = {SIGNOFF_FIELDS, END_KEYS};
static const struct ykey outcome_fields[] = {
    BOOL_KEY("panel", false, store_panel_flag), SIGNOFF_FIELDS, END_KEYS};
static const struct ykey outcome_item[] = {
    {"outcome", YT_MAP, false, 0, 0, outcome_fields, NULL, enter_outcome}, END_KEYS};

static const struct ykey panel_fields[] = {
    {"members", YT_SEQ, false, 0, 0, member_item, NULL, enter_members},
    {"sign_off", YT_MAP, false, 0, 0, signoff_fields, NULL, enter_signoff},
    {"outcomes", YT_DICT, false, 0, 0, outcome_item, NULL, NULL},
    END_KEYS,
};

static const struct ykey sla_fields[] = {
    INT_KEY("review", false, 1, 3650, store_sla),
    INT_KEY("approval", false, 1, 3650, store_sla),
    INT_KEY("panel", false, 1, 3650, store_sla),
    END_KEYS,
};

static const struct ykey declared_fields[] = {
    STR_KEY("login", true, store_declared_login),
    STR_KEY("subject_ref", true, store_declared_ref),
    STR_KEY("reason", true, store_declared_reason),
    END_KEYS,
};

static const struct ykey declared_item[] = {
    {"conflict", YT_MAP, false, 0, 0, declared_fields, NULL, enter_declared}, END_KEYS};

static const struct ykey conflict_fields[] = {
    BOOL_KEY("same_unit", false, store_same_unit),
    {"declared", YT_SEQ, false, 0, 0, declared_item, NULL, NULL},
    END_KEYS,
};

static const struct ykey purpose_item[] = {STR_KEY("purpose", false, store_purpose), END_KEYS};

static const struct ykey audit_fields[] = {
    BOOL_KEY("require_purpose", false, store_require_purpose),
    {"purposes", YT_SEQ, false, 0, 0, purpose_item, NULL, enter_purposes},
    END_KEYS,
};

static const struct ykey key_item[] = {
    {"key", YT_STR, false, 0, 0, NULL, store_key, enter_key}, END_KEYS};

static const struct ykey top_fields[] = {
    STR_KEY("theme", false, store_theme),
    {"keys", YT_DICT, false, 0, 0, key_item, NULL, NULL},
    BOOL_KEY("allow_impersonation", false, store_impersonation),
    {"conflicts", YT_MAP, false, 0, 0, conflict_fields, NULL, NULL},
    {"sla_days", YT_MAP, false, 0, 0, sla_fields, NULL, NULL},
    {"users", YT_SEQ, true, 0, 0, user_item, NULL, enter_users},
    {"panel", YT_MAP, false, 0, 0, panel_fields, NULL, NULL},
    {"audit", YT_MAP, false, 0, 0, audit_fields, NULL, NULL},
    END_KEYS,
};

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
                    "%s: %d concurring votes are needed but the panel has only %d member%s",
                    path, so->concur, voters, voters == 1 ? "" : "s");
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
        so->panel = L->signoff_given[o][SO_PANEL] ? over.panel : 1;
        if (L->signoff_given[o][SO_CONCUR])
            so->concur = over.concur;
        if (L->signoff_given[o][SO_DISSENT])
            so->dissent = over.dissent;
        if (L->signoff_given[o][SO_BLIND])
            so->blind = over.blind;
        if (L->signoff_given[o][SO_KINDS])
            memcpy(so->require_kinds, over.require_kinds, sizeof so->require_kinds);
    }
    int line = L->mark_users[0] ? L->mark_users[0] : 1, col = L->mark_users[0] ? L->mark_users[1] : 1;
    bool supervisor = false, reviewer = false;
    for (size_t i = 0; i < cfg->n_people; i++) {
        supervisor |= cr_person_has(&cfg->people[i], CR_ROLE_SUPERVISOR);
        reviewer |= cr_person_has(&cfg->people[i], CR_ROLE_REVIEWER);
        if (!cfg->people[i].name)
            cfg->people[i].name = cfg->people[i].login;
    }
    if (!supervisor)
        problem(L, line, col, "users: nobody has the supervisor role, so no decision could be "
                              "approved");
    if (!reviewer)
        problem(L, line, col, "users: nobody has the reviewer role, so no case could be decided");
    check_names(L);
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

/* Read the file into memory, at most CR_CONFIG_MAX_BYTES; NULL with a problem reported. */
static unsigned char *
read_file(struct loader *L, size_t *len)
{
    FILE *f = fopen(L->path, "rb");
    if (!f) {
        cr_diags_addf(L->diags, "%s: cannot read the configuration: %s", L->path,
                      strerror(errno));
        return NULL;
    }
    unsigned char *text = malloc(CR_CONFIG_MAX_BYTES + 1);
    *len = text ? fread(text, 1, CR_CONFIG_MAX_BYTES + 1, f) : 0;
    bool failed = ferror(f);
    fclose(f);
    if (!text) {
        L->nomem = true;
    } else if (failed) {
        cr_diags_addf(L->diags, "%s: cannot read the configuration", L->path);
    } else if (*len > CR_CONFIG_MAX_BYTES) {
        problem(L, 1, 1, "the file is larger than %u bytes", CR_CONFIG_MAX_BYTES);
    } else {
        return text;
    }
    free(text);
    return NULL;
}

static const struct cr_signoff spec_default = {
    .panel = 1, .concur = 2, .dissent = 1, .require_kinds = {0}, .blind = 1};

enum cr_status
cr_config_parse(const char *path, const unsigned char *text, size_t len, struct cr_config **out,
                cr_diags **diags)
{
    *out = NULL;
    struct loader L = {.path = path, .signoff_default = spec_default};
    L.diags = *diags = cr_diags_new(CR_CONFIG_MAX_ERRORS);
    struct cr_config *cfg = L.cfg = calloc(1, sizeof *L.cfg);
    L.priv = calloc(1, sizeof *L.priv);
    if (!L.diags || !cfg || !L.priv) {
        free(cfg);
        free(L.priv);
        return CR_NOMEM;
    }
    cfg->priv = L.priv;
    cfg->path = keep(&L, path);
    cfg->same_unit = 1;
    cfg->sla_days[CR_SLA_REVIEW] = 10;
    cfg->sla_days[CR_SLA_APPROVAL] = 3;
    cfg->sla_days[CR_SLA_PANEL] = 14;
    for (int o = 0; o < CR_OUTCOME_COUNT; o++)
        cfg->signoff[o] = spec_default;

    if (len > CR_CONFIG_MAX_BYTES) {
        problem(&L, 1, 1, "the file is larger than %u bytes", CR_CONFIG_MAX_BYTES);
    } else {
        unsigned char hash[32];
        if ((L.priv->text = malloc(len + 1)) != NULL) {
            memcpy(L.priv->text, text, len);
            L.priv->text[len] = '\0';
            L.priv->len = len;
        } else {
            L.nomem = true;
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
            struct ynode *root = parse_document(&L, text, len);
            if (root) {
                const struct ykey top = {"the file", YT_MAP, true, 0, 0, top_fields, NULL, NULL};
                walk(&L, &top, NULL, root, "the file", cfg);
                ynode_free(root);
                if (cr_diags_total(L.diags) == 0 && !L.nomem)
                    check_whole(&L);
            } else if (cr_diags_total(L.diags) == 0 && !L.nomem) {
                problem(&L, 1, 1, "the file is empty (it needs at least 'users:')");
            }
        }
    }
    free(L.person_line);
    free(L.person_col);
    free(L.person_in_users);
    free(L.person_in_panel);
    free(L.names);
    enum cr_status st = L.nomem                         ? CR_NOMEM
                        : cr_diags_total(L.diags) > 0 ? CR_INVALID
                                                      : CR_OK;
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
    struct loader R = {.path = path, .diags = read_problems};
    size_t len = 0;
    unsigned char *text = read_file(&R, &len);
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

/* Themes */

#define CR_X(id, name) name,
static const char *const slot_names[CR_SLOT_COUNT] = {CR_SLOT_LIST(CR_X)};
#undef CR_X

const char *
cr_slot_name(int slot)
{
    return slot >= 0 && slot < CR_SLOT_COUNT ? slot_names[slot] : NULL;
}

static const char *const colour_names[] = {"black", "red",     "green", "yellow",
                                           "blue",  "magenta", "cyan",  "white"};

static void
store_colour(struct loader *L, const struct ynode *key, const struct ynode *node,
             const struct yval *v, void *target)
{
    struct cr_color *c = target;
    int *field = strcmp(key->value, "fg") == 0 ? &c->fg : &c->bg;
    const char *s = v->s;
    long long n;
    if (strcmp(s, "default") == 0) {
        *field = -1;
        return;
    }
    bool bright = strncmp(s, "bright-", 7) == 0;
    for (int i = 0; i < 8; i++) {
        if (strcmp(s + (bright ? 7 : 0), colour_names[i]) == 0) {
            *field = i + (bright ? 8 : 0);
            return;
        }
    }
    if (node->plain && parse_int(s, &n) && n >= 0 && n <= 255) {
        *field = (int)n;
        return;
    }
    problem(L, node->line, node->col,
            "%s: '%s' is not a colour (default, black, red, green, yellow, blue, magenta, "
            "cyan, white, bright-black ... bright-white, or 0 to 255)",
            key->value, s);
}

static void
store_attr(struct loader *L, const struct ynode *key, const struct ynode *node,
           const struct yval *v, void *target)
{
    static const struct {
        const char *name;
        unsigned bit;
    } attrs[] = {{"bold", CR_ATTR_BOLD},
                 {"dim", CR_ATTR_DIM},
                 {"reverse", CR_ATTR_REVERSE},
                 {"underline", CR_ATTR_UNDERLINE}};
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
        if (strcmp(v->s, attrs[i].name) == 0) {
            ((struct cr_color *)target)->attrs |= attrs[i].bit;
            return;
        }
    }
    problem(L, node->line, node->col,
            "'%s' is not an attribute (bold, dim, reverse, underline)", v->s);
}

static void *
enter_slot(struct loader *L, const struct ynode *key, const struct ynode *node, void *target)
{
    for (int i = 0; i < CR_SLOT_COUNT; i++)
        if (strcmp(slot_names[i], key->value) == 0)
            return &((struct cr_theme *)target)->slots[i];
    struct cr_buf allowed = {0};
    for (int i = 0; i < CR_SLOT_COUNT; i++)
        cr_buf_addf(&allowed, "%s%s", i ? ", " : "", slot_names[i]);
    problem(L, key->line, key->col, "unknown colour slot '%s' (slots: %s)", key->value,
            allowed.p ? allowed.p : "");
    cr_buf_free(&allowed);
    return NULL;
}

static const struct ykey attr_item[] = {STR_KEY("attr", false, store_attr), END_KEYS};
static const struct ykey slot_fields[] = {
    STR_KEY("fg", false, store_colour),
    STR_KEY("bg", false, store_colour),
    {"attrs", YT_SEQ, false, 0, 0, attr_item, NULL, NULL},
    END_KEYS,
};
static const struct ykey slot_item[] = {
    {"slot", YT_MAP, false, 0, 0, slot_fields, NULL, enter_slot}, END_KEYS};
static const struct ykey theme_fields[] = {
    {"colors", YT_DICT, true, 0, 0, slot_item, NULL, NULL},
    END_KEYS,
};

enum cr_status
cr_theme_load(const char *path, struct cr_theme *out, cr_diags **diags)
{
    for (int i = 0; i < CR_SLOT_COUNT; i++)
        out->slots[i] = (struct cr_color){-1, -1, 0};
    struct loader L = {.path = path};
    L.diags = *diags = cr_diags_new(CR_CONFIG_MAX_ERRORS);
    if (!L.diags)
        return CR_NOMEM;
    size_t len = 0;
    unsigned char *text = read_file(&L, &len);
    if (text) {
        struct ynode *root = parse_document(&L, text, len);
        if (root) {
            const struct ykey top = {"the theme", YT_MAP, true, 0, 0, theme_fields, NULL, NULL};
            walk(&L, &top, NULL, root, "the file", out);
            ynode_free(root);
        } else if (cr_diags_total(L.diags) == 0 && !L.nomem) {
            problem(&L, 1, 1, "the theme is empty (it needs 'colors:')");
        }
        free(text);
    }
    if (L.nomem)
        return CR_NOMEM;
    return cr_diags_total(L.diags) ? CR_INVALID : CR_OK;
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
