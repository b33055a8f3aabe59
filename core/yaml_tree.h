/*
 * The YAML tree and the walker under the configuration and theme loaders
 * (core/yaml.c).
 *
 * libyaml's event API builds a small tree of the document, with the line
 * and column of every node; aliases are refused outright (no document can
 * blow up in memory), and size, depth and node count are capped.  Then a
 * table of keys -- each declared once with its type, its range and the
 * function that stores it -- is walked over the tree, and every problem is
 * reported as FILE:LINE:COLUMN: with what is wrong.
 */
#ifndef CASEREVIEW_YAML_TREE_H
#define CASEREVIEW_YAML_TREE_H

#include "internal.h"

#define CR_CONFIG_MAX_BYTES (1u << 20)
#define CR_CONFIG_MAX_NODES 20000
#define CR_CONFIG_MAX_DEPTH 32
#define CR_CONFIG_MAX_ERRORS 100

/*
 * What the walker keeps of one load: the file's name for messages, its
 * problems, the nodes made so far.  A loader with more state (the
 * configuration's) begins with one.
 */
struct yload {
    const char *path;
    cr_diags *diags;
    size_t nodes;
    bool nomem;
};

/* Report a problem at line:col of the file, as FILE:LINE:COLUMN: message. */
void yproblem(struct yload *L, int line, int col, const char *fmt, ...) CR_PRINTF(4, 5);
void yvproblem(struct yload *L, int line, int col, const char *fmt, va_list ap) CR_PRINTF(4, 0);

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

/* "a scalar", "a sequence" or "a mapping", for messages. */
extern const char *const ynode_kind_name[];

void ynode_free(struct ynode *n);

/* Read the file into memory, at most CR_CONFIG_MAX_BYTES; NULL with a problem reported. */
unsigned char *yread_file(struct yload *L, size_t *len);

/* Parse the document into a tree; NULL (with a problem reported) on failure. */
struct ynode *yparse(struct yload *L, const unsigned char *text, size_t len);

/* A whole number written in decimal, with an optional sign. */
bool yparse_int(const char *s, long long *out);

/* The table of keys */

enum ytype { YT_STR, YT_INT, YT_BOOL, YT_MAP, YT_SEQ, YT_DICT };

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
typedef void ystore_fn(struct yload *L, const struct ynode *key, const struct ynode *node,
                       const struct yval *v, void *target);
typedef void *yenter_fn(struct yload *L, const struct ynode *key, const struct ynode *node,
                        void *target);

struct ykey {
    const char *name;
    enum ytype type;
    bool required;
    long long min, max;        /* YT_INT */
    const struct ykey *fields; /* YT_MAP; YT_SEQ and YT_DICT: the one entry for items */
    ystore_fn *store;
    yenter_fn *enter;
    const char *def; /* the default, as the file would write it; NULL: none */
    const char *doc; /* one line, for check-config --explain and README */
};

#define INT_KEY(n, req, lo, hi, fn, def, doc)            \
    {                                                    \
        n, YT_INT, req, lo, hi, NULL, fn, NULL, def, doc \
    }
#define STR_KEY(n, req, fn, doc)                        \
    {                                                   \
        n, YT_STR, req, 0, 0, NULL, fn, NULL, NULL, doc \
    }
#define BOOL_KEY(n, req, fn, def, doc)                  \
    {                                                   \
        n, YT_BOOL, req, 0, 0, NULL, fn, NULL, def, doc \
    }
#define END_KEYS                                                \
    {                                                           \
        NULL, YT_STR, false, 0, 0, NULL, NULL, NULL, NULL, NULL \
    }

/*
 * Walk the table entry k over node (key: the node's key in its mapping, or
 * NULL), path naming it in messages; stores go into target.
 */
void ywalk(struct yload *L, const struct ykey *k, const struct ynode *key, const struct ynode *node,
           const char *path, void *target);

/*
 * Each key of the table fields, depth first, as each(ctx, path, type,
 * default, doc): path under prefix (NULL: the top), a sequence's items as
 * "path[]", a mapping's free keys as "path.<item>" (the item entry's name);
 * default NULL when the key has none.  Returns -1 when out of memory.
 */
typedef void yexplain_fn(void *ctx, const char *path, const char *type, const char *def,
                         const char *doc);
int yexplain(const struct ykey *fields, const char *prefix, yexplain_fn *each, void *ctx);

#endif
