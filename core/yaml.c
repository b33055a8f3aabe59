/*
 * The YAML tree and the key-table walker (core/yaml_tree.h): the half of
 * the configuration loader that knows YAML and nothing of casereview's keys,
 * shared by the configuration (config.c) and the themes (theme.c).
 */
#include "yaml_tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

void
yproblem(struct yload *L, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    yvproblem(L, line, col, fmt, ap);
    va_end(ap);
}

void
yvproblem(struct yload *L, int line, int col, const char *fmt, va_list ap)
{
    char *msg = cr_vformat(fmt, ap);
    if (!msg || cr_diags_addf(L->diags, "%s:%d:%d: %s", L->path, line, col, msg) < 0)
        L->nomem = true;
    free(msg);
}

void
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
ynode_new(struct yload *L, enum ynode_kind kind, yaml_mark_t mark)
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

struct ynode *
yparse(struct yload *L, const unsigned char *text, size_t len)
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
            yproblem(L, (int)m.line + 1, (int)m.column + 1, "YAML syntax error: %s%s%s",
                     parser.problem ? parser.problem : "unknown problem", parser.context ? " " : "",
                     parser.context ? parser.context : "");
            failed = true;
            break;
        }
        struct ynode *n = NULL;
        switch (ev.type) {
        case YAML_ALIAS_EVENT:
            yproblem(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
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
                yproblem(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
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
                yproblem(L, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
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
                    yproblem(L, n->line, n->col, "nested deeper than %d levels",
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

static const char *const ytype_name[] = {
    [YT_STR] = "a string",  [YT_INT] = "a whole number", [YT_BOOL] = "true or false",
    [YT_MAP] = "a mapping", [YT_SEQ] = "a sequence",     [YT_DICT] = "a mapping",
};

const char *const ynode_kind_name[] = {
    [Y_SCALAR] = "a scalar", [Y_SEQ] = "a sequence", [Y_MAP] = "a mapping"};

bool
yparse_int(const char *s, long long *out)
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
walk_scalar(struct yload *L, const struct ykey *k, const struct ynode *key,
            const struct ynode *node, const char *path, void *target)
{
    struct yval v = {.s = node->value};
    switch (k->type) {
    case YT_STR:
        break;
    case YT_INT:
        if (!node->plain || !yparse_int(node->value, &v.i)) {
            yproblem(L, node->line, node->col, "%s: expected a whole number, not '%s'", path,
                     node->value);
            return;
        }
        if (v.i < k->min || v.i > k->max) {
            yproblem(L, node->line, node->col, "%s: %lld is out of range (%lld to %lld)", path, v.i,
                     k->min, k->max);
            return;
        }
        break;
    case YT_BOOL:
        if (node->plain && strcmp(node->value, "true") == 0) {
            v.b = true;
        } else if (node->plain && strcmp(node->value, "false") == 0) {
            v.b = false;
        } else {
            yproblem(L, node->line, node->col, "%s: expected true or false, not '%s'", path,
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
walk_map(struct yload *L, const struct ykey *fields, const struct ynode *node, const char *path,
         void *target)
{
    bool seen[32] = {false};
    for (size_t i = 0; i + 1 < node->n; i += 2) {
        const struct ynode *key = node->items[i], *val = node->items[i + 1];
        if (key->kind != Y_SCALAR) {
            yproblem(L, key->line, key->col, "%s: a key must be a plain name", path);
            continue;
        }
        size_t f = 0;
        while (fields[f].name && strcmp(fields[f].name, key->value) != 0)
            f++;
        if (!fields[f].name) {
            struct cr_buf allowed = {0};
            for (size_t a = 0; fields[a].name; a++)
                cr_buf_addf(&allowed, "%s%s", a ? ", " : "", fields[a].name);
            yproblem(L, key->line, key->col, "unknown key '%s' in %s (allowed: %s)", key->value,
                     path, allowed.p ? allowed.p : "none");
            cr_buf_free(&allowed);
            continue;
        }
        if (seen[f]) {
            yproblem(L, key->line, key->col, "%s: key '%s' appears twice", path, key->value);
            continue;
        }
        seen[f] = true;
        struct cr_buf sub = {0};
        cr_buf_addf(&sub, "%s%s%s", strcmp(path, "the file") == 0 ? "" : path,
                    strcmp(path, "the file") == 0 ? "" : ".", key->value);
        ywalk(L, &fields[f], key, val, sub.p ? sub.p : key->value, target);
        cr_buf_free(&sub);
    }
}

void
ywalk(struct yload *L, const struct ykey *k, const struct ynode *key, const struct ynode *node,
      const char *path, void *target)
{
    enum ynode_kind want = k->type == YT_MAP || k->type == YT_DICT ? Y_MAP
                           : k->type == YT_SEQ                     ? Y_SEQ
                                                                   : Y_SCALAR;
    if (node->kind != want) {
        yproblem(L, node->line, node->col, "%s: expected %s, not %s", path, ytype_name[k->type],
                 ynode_kind_name[node->kind]);
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
                yproblem(L, node->line, node->col, "%s: missing required key '%s'", path,
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
            ywalk(L, k->fields, NULL, node->items[i], sub.p ? sub.p : path, target);
            cr_buf_free(&sub);
        }
        return;
    }
    if (k->type == YT_DICT) {
        /* Any keys, each value of the one item type; the entry's enter checks the key. */
        for (size_t i = 0; i + 1 < node->n; i += 2) {
            const struct ynode *dk = node->items[i], *dv = node->items[i + 1];
            if (dk->kind != Y_SCALAR) {
                yproblem(L, dk->line, dk->col, "%s: a key must be a plain name", path);
                continue;
            }
            for (size_t j = 0; j < i; j += 2) {
                if (node->items[j]->kind == Y_SCALAR &&
                    strcmp(node->items[j]->value, dk->value) == 0) {
                    yproblem(L, dk->line, dk->col, "%s: key '%s' appears twice", path, dk->value);
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
                    ywalk(L, item, dk, dv, sub.p ? sub.p : path, t);
                cr_buf_free(&sub);
            }
        next:;
        }
        return;
    }
    walk_scalar(L, k, key, node, path, target);
}

unsigned char *
yread_file(struct yload *L, size_t *len)
{
    FILE *f = fopen(L->path, "rb");
    if (!f) {
        cr_diags_addf(L->diags, "%s: cannot read the configuration: %s", L->path, strerror(errno));
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
        yproblem(L, 1, 1, "the file is larger than %u bytes", CR_CONFIG_MAX_BYTES);
    } else {
        return text;
    }
    free(text);
    return NULL;
}

/* The reference of the keys */

static const char *const ytype_short[] = {
    [YT_STR] = "string",  [YT_INT] = "integer", [YT_BOOL] = "true|false",
    [YT_MAP] = "mapping", [YT_SEQ] = "list",    [YT_DICT] = "mapping",
};

static int explain_key(const struct ykey *k, const char *path, yexplain_fn *each, void *ctx);

/* A sequence's or a free mapping's items: a mapping's keys, or one row for a scalar. */
static int
explain_item(const struct ykey *item, const char *path, yexplain_fn *each, void *ctx)
{
    if (item->type == YT_MAP)
        return yexplain(item->fields, path, each, ctx);
    return explain_key(item, path, each, ctx);
}

static int
explain_key(const struct ykey *k, const char *path, yexplain_fn *each, void *ctx)
{
    char type[64];
    if (k->type == YT_INT)
        snprintf(type, sizeof type, "integer %lld-%lld", k->min, k->max);
    else
        snprintf(type, sizeof type, "%s", ytype_short[k->type]);
    each(ctx, path, type, k->def, k->doc);
    if (k->type == YT_MAP)
        return yexplain(k->fields, path, each, ctx);
    if (k->type != YT_SEQ && k->type != YT_DICT)
        return 0;
    struct cr_buf sub = {0};
    if (k->type == YT_SEQ)
        cr_buf_addf(&sub, "%s[]", path);
    else
        cr_buf_addf(&sub, "%s.<%s>", path, k->fields->name);
    int rc = sub.p ? explain_item(k->fields, sub.p, each, ctx) : -1;
    cr_buf_free(&sub);
    return rc;
}

int
yexplain(const struct ykey *fields, const char *prefix, yexplain_fn *each, void *ctx)
{
    for (const struct ykey *k = fields; k->name; k++) {
        struct cr_buf path = {0};
        cr_buf_addf(&path, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", k->name);
        int rc = path.p ? explain_key(k, path.p, each, ctx) : -1;
        cr_buf_free(&path);
        if (rc < 0)
            return -1;
    }
    return 0;
}
