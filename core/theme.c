/*
 * Colour themes: YAML files mapping named slots to colours and attributes,
 * read with the configuration's tree and walker (yaml.c), so that a theme's
 * problems are reported as the configuration's are, FILE:LINE:COLUMN:.
 */
#include "yaml_tree.h"

#include <stdlib.h>
#include <string.h>

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
store_colour(struct yload *L, const struct ynode *key, const struct ynode *node,
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
    if (node->plain && yparse_int(s, &n) && n >= 0 && n <= 255) {
        *field = (int)n;
        return;
    }
    yproblem(L, node->line, node->col,
             "%s: '%s' is not a colour (default, black, red, green, yellow, blue, magenta, "
             "cyan, white, bright-black ... bright-white, or 0 to 255)",
             key->value, s);
}

static void
store_attr(struct yload *L, const struct ynode *key, const struct ynode *node, const struct yval *v,
           void *target)
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
    yproblem(L, node->line, node->col, "'%s' is not an attribute (bold, dim, reverse, underline)",
             v->s);
}

static void *
enter_slot(struct yload *L, const struct ynode *key, const struct ynode *node, void *target)
{
    for (int i = 0; i < CR_SLOT_COUNT; i++)
        if (strcmp(slot_names[i], key->value) == 0)
            return &((struct cr_theme *)target)->slots[i];
    struct cr_buf allowed = {0};
    for (int i = 0; i < CR_SLOT_COUNT; i++)
        cr_buf_addf(&allowed, "%s%s", i ? ", " : "", slot_names[i]);
    yproblem(L, key->line, key->col, "unknown colour slot '%s' (slots: %s)", key->value,
             allowed.p ? allowed.p : "");
    cr_buf_free(&allowed);
    return NULL;
}

static const struct ykey attr_item[] = {
    STR_KEY("attr", false, store_attr, "bold, dim, reverse or underline"), END_KEYS};
static const struct ykey slot_fields[] = {
    STR_KEY("fg", false, store_colour, "the foreground colour"),
    STR_KEY("bg", false, store_colour, "the background colour"),
    {"attrs", YT_SEQ, false, 0, 0, attr_item, NULL, NULL, NULL, "the attributes"},
    END_KEYS,
};
static const struct ykey slot_item[] = {
    {"slot", YT_MAP, false, 0, 0, slot_fields, NULL, enter_slot, NULL, "a colour slot"}, END_KEYS};
static const struct ykey theme_fields[] = {
    {"colors", YT_DICT, true, 0, 0, slot_item, NULL, NULL, NULL, "the slots' colours"},
    END_KEYS,
};

enum cr_status
cr_theme_load(const char *path, struct cr_theme *out, cr_diags **diags)
{
    for (int i = 0; i < CR_SLOT_COUNT; i++)
        out->slots[i] = (struct cr_color){-1, -1, 0};
    struct yload L = {.path = path};
    L.diags = *diags = cr_diags_new(CR_CONFIG_MAX_ERRORS);
    if (!L.diags)
        return CR_NOMEM;
    size_t len = 0;
    unsigned char *text = yread_file(&L, &len);
    if (text) {
        struct ynode *root = yparse(&L, text, len);
        if (root) {
            const struct ykey top = {
                .name = "the theme", .type = YT_MAP, .required = true, .fields = theme_fields};
            ywalk(&L, &top, NULL, root, "the file", out);
            ynode_free(root);
        } else if (cr_diags_total(L.diags) == 0 && !L.nomem) {
            yproblem(&L, 1, 1, "the theme is empty (it needs 'colors:')");
        }
        free(text);
    }
    if (L.nomem)
        return CR_NOMEM;
    return cr_diags_total(L.diags) ? CR_INVALID : CR_OK;
}
