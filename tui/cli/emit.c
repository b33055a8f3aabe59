/*
 * The emitter's three back ends (emit.h): a table from a template, CSV and
 * JSON from the field list.
 */
#include "emit.h"

#include "cli.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const format_names[] = {"table", "csv", "json"};

void
emit_init(struct emit *e, enum format fmt, FILE *out, const struct emit_record *rec,
          const void *ctx)
{
    memset(e, 0, sizeof *e);
    e->fmt = fmt;
    e->out = out ? out : stdout;
    e->rec = rec;
    e->ctx = ctx;
    e->eol = "\n";
}

void
emit_printf(struct emit_value *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v->buf, sizeof v->buf, fmt, ap);
    va_end(ap);
    v->s = v->buf;
    if (n >= 0 && (size_t)n >= sizeof v->buf) {
        va_start(ap, fmt);
        v->owned = tui_vprintf(fmt, ap);
        va_end(ap);
        v->s = v->owned ? v->owned : "?";
    }
}

static void
get(const struct emit *e, const struct emit_field *f, const void *rec, struct emit_value *v)
{
    memset(v, 0, sizeof *v);
    v->kind = f->kind;
    v->arg = f->arg;
    if (f->get) {
        f->get(rec, e->ctx, v);
    } else if (f->kind == EMIT_INT) {
        memcpy(&v->i, (const char *)rec + f->offset, sizeof v->i);
    } else if (f->kind == EMIT_BOOL) {
        bool b;
        memcpy(&b, (const char *)rec + f->offset, sizeof b);
        v->i = b;
    } else { /* the text kinds: EMIT_AT checked the member's type */
        memcpy(&v->s, (const char *)rec + f->offset, sizeof v->s);
        v->absent = !v->s;
    }
}

static void
drop(struct emit_value *v)
{
    free(v->owned);
    v->owned = NULL;
}

/* The value as text (absent: NULL). */
static const char *
text_of(struct emit_value *v, char tmp[32])
{
    if (v->absent)
        return NULL;
    switch (v->kind) {
    case EMIT_INT:
        snprintf(tmp, 32, "%lld", (long long)v->i);
        return tmp;
    case EMIT_BOOL:
        return v->i ? "true" : "false";
    default:
        return v->s;
    }
}

/* Whether a template's group may show a value: there, and not zero or false. */
static bool
present(const struct emit_value *v)
{
    if (v->absent)
        return false;
    if (v->kind == EMIT_INT || v->kind == EMIT_BOOL)
        return v->i != 0;
    return v->s != NULL;
}

/* The values of one record, each fetched once, on demand. */
struct values {
    const struct emit *e;
    const struct emit_record *rec;
    const void *r;
    struct emit_value v[EMIT_MAX_FIELDS];
    bool got[EMIT_MAX_FIELDS];
};

/* A template or a record the program should not have: no line is printed without its field. */
static _Noreturn void
broken(const char *what, const char *name, size_t len)
{
    fprintf(stderr, "casereview: internal error: %s '%.*s'\n", what, (int)len, name);
    abort();
}

static struct emit_value *
value(struct values *vs, const char *name, size_t len)
{
    if (vs->rec->n > EMIT_MAX_FIELDS)
        broken("a record with more fields than EMIT_MAX_FIELDS, named", vs->rec->fields[0].name,
               strlen(vs->rec->fields[0].name));
    for (size_t i = 0; i < vs->rec->n; i++) {
        if (strlen(vs->rec->fields[i].name) == len &&
            strncmp(vs->rec->fields[i].name, name, len) == 0) {
            if (!vs->got[i]) {
                get(vs->e, &vs->rec->fields[i], vs->r, &vs->v[i]);
                vs->got[i] = true;
            }
            return &vs->v[i];
        }
    }
    broken("a template names a field its record does not have:", name, len);
}

static void
values_free(struct values *vs)
{
    for (size_t i = 0; i < vs->rec->n; i++)
        if (vs->got[i])
            drop(&vs->v[i]);
}

/* One {...} of a template, parsed. */
struct slot {
    const char *name;
    size_t len;
    char align;  /* 0: display cells (cut), '<' or '>': bytes (never cut), '~': wrapped,
                    ' ': as it is */
    bool hidden; /* {?name}: names the field for its group, writes nothing */
    int width;
    const char *def, *one, *many; /* with their lengths */
    size_t def_len, one_len, many_len;
    const char *end; /* after the '}' */
};

static void
parse_slot(const char *p, struct slot *s)
{
    memset(s, 0, sizeof *s);
    s->align = ' ';
    if (*p == '?') {
        s->hidden = true;
        p++;
    }
    s->name = p;
    s->len = strcspn(p, ":=|}");
    p += s->len;
    if (*p == ':') {
        p++;
        s->align = *p == '<' || *p == '>' || *p == '~' ? *p++ : 0;
        s->width = (int)strtol(p, (char **)&p, 10);
    }
    if (*p == '=') {
        s->def = ++p;
        s->def_len = strcspn(p, "}");
        p += s->def_len;
    } else if (*p == '|') {
        s->one = ++p;
        s->one_len = strcspn(p, "|}");
        p += s->one_len;
        if (*p == '|') {
            s->many = ++p;
            s->many_len = strcspn(p, "}");
            p += s->many_len;
        }
    }
    s->end = *p == '}' ? p + 1 : p;
}

static void
put_slot(FILE *f, struct values *vs, const struct slot *s)
{
    struct emit_value *v = value(vs, s->name, s->len);
    if (!v || s->hidden)
        return;
    if (s->one) {
        if (v->i == 1)
            fwrite(s->one, 1, s->one_len, f);
        else
            fwrite(s->many, 1, s->many_len, f);
        return;
    }
    char tmp[32];
    const char *text = text_of(v, tmp);
    char *def = NULL;
    if (!text && s->def)
        text = def = tui_printf("%.*s", (int)s->def_len, s->def);
    if (!text)
        text = "";
    if (s->align == ' ') {
        out_safe(f, text);
    } else if (s->align == '~') {
        out_wrapped(f, text, s->width, 72);
    } else if (s->align == 0) {
        out_cell(f, text, s->width);
    } else {
        char *shown = out_marked(text);
        fprintf(f, s->align == '<' ? "%-*s" : "%*s", s->width, shown ? shown : "");
        free(shown);
    }
    free(def);
}

/* Whether every field a group [...] names is there; *end: after its ']'. */
static bool
group_shown(struct values *vs, const char *p, const char **end)
{
    bool shown = true;
    while (*p && *p != ']') {
        if (*p == '\\' && p[1]) {
            p += 2; /* an escaped character is text */
        } else if (*p == '{') {
            struct slot s;
            parse_slot(p + 1, &s);
            struct emit_value *v = value(vs, s.name, s.len);
            if (!v || !present(v))
                shown = false;
            p = s.end;
        } else {
            p++;
        }
    }
    *end = *p ? p + 1 : p;
    return shown;
}

static void
render(FILE *f, struct values *vs, const char *t)
{
    while (*t) {
        size_t lit = strcspn(t, "{[]\\");
        fwrite(t, 1, lit, f);
        t += lit;
        if (*t == '\\') {
            if (t[1])
                putc(t[1], f);
            t += t[1] ? 2 : 1;
        } else if (*t == '{') {
            struct slot s;
            parse_slot(t + 1, &s);
            put_slot(f, vs, &s);
            t = s.end;
        } else if (*t == '[') {
            const char *end;
            if (group_shown(vs, t + 1, &end))
                t++; /* its text is written as it comes; the ']' is skipped below */
            else
                t = end;
        } else if (*t == ']') {
            t++;
        }
    }
}

int
emit_block(struct emit *e, const struct emit_record *rec, const char *tmpl, const void *r)
{
    struct values vs = {.e = e, .rec = rec, .r = r};
    render(e->out, &vs, tmpl);
    values_free(&vs);
    return ferror(e->out) ? -1 : 0;
}

int
emit_line(struct emit *e, const struct emit_record *rec, const char *tmpl, const void *r)
{
    int rc = emit_block(e, rec, tmpl, r);
    return putc('\n', e->out) == EOF ? -1 : rc;
}

/*
 * Whether a spreadsheet would read a cell starting like s as a formula (or
 * strip what leads it): the OWASP list, =, +, -, @, tab and carriage return.
 */
static bool
formula_lead(const char *s)
{
    return *s && strchr("=+-@\t\r", *s) != NULL;
}

static int
csv_heading(struct emit *e)
{
    bool first = true;
    for (size_t i = 0; i < e->rec->n; i++) {
        if (e->rec->fields[i].flags & (EMIT_TABLE_ONLY | EMIT_JSON_ONLY))
            continue;
        fprintf(e->out, "%s%s", first ? "" : ",", e->rec->fields[i].name);
        first = false;
    }
    fputs(e->eol, e->out);
    return ferror(e->out) ? -1 : 0;
}

/*
 * CSV is a data format: an export is a disclosure document and a list can
 * be imported again, so into a file or a pipe the fields go as stored,
 * except that a text cell a spreadsheet would run as a formula gets a single
 * quote in front (the OWASP rule), unless raw asks for the stored bytes
 * exactly.  To a terminal (marked), where a person reads it and the terminal
 * would obey what it holds, each field is marked as a table is, then quoted.
 * -1 on a write error or when out of memory.
 */
static int
csv_row(struct emit *e, const void *r)
{
    int rc = 0;
    bool first = true;
    for (size_t i = 0; i < e->rec->n && rc == 0; i++) {
        const struct emit_field *f = &e->rec->fields[i];
        if (f->flags & (EMIT_TABLE_ONLY | EMIT_JSON_ONLY))
            continue;
        if (!first && putc(',', e->out) == EOF)
            rc = -1;
        first = false;
        struct emit_value v;
        get(e, f, r, &v);
        char tmp[32];
        const char *text = text_of(&v, tmp);
        if (!text)
            text = "";
        bool text_cell = f->kind == EMIT_TEXT || f->kind == EMIT_LIST || f->kind == EMIT_JSON;
        char *quoted = NULL;
        if (!e->raw && text_cell && formula_lead(text)) {
            if (!(quoted = tui_printf("'%s", text)))
                rc = -1;
            text = quoted;
        }
        char *shown = e->marked && rc == 0 ? out_marked(text) : NULL;
        if (e->marked && !shown)
            rc = -1;
        if (rc == 0 && cr_csv_write_field(e->out, e->marked ? shown : text) < 0)
            rc = -1;
        free(shown);
        free(quoted);
        drop(&v);
    }
    if (rc == 0 && fputs(e->eol, e->out) == EOF)
        rc = -1;
    return rc;
}

/* Before a member of what is open: the comma, and a line of its own in an array. */
static void
member(struct emit *e, const char *key)
{
    if (e->depth > 0) {
        struct emit_level *top = &e->stack[e->depth - 1];
        if (top->any)
            putc(',', e->out);
        bool line =
            top->brk || (top->layout == EMIT_FIRST_INLINE ? top->any : top->layout != EMIT_INLINE);
        if (line)
            fprintf(e->out, "\n%*s", e->depth, "");
        else if (top->any)
            putc(' ', e->out);
        top->any = true;
        top->brk = false;
    }
    if (key) {
        out_json_string(e->out, key);
        fputs(": ", e->out);
    }
}

void
emit_open_as(struct emit *e, const char *key, char open, enum emit_layout layout)
{
    assert(e->depth < EMIT_DEPTH);
    member(e, key);
    putc(open, e->out);
    e->stack[e->depth].close = open == '{' ? '}' : ']';
    e->stack[e->depth].any = false;
    e->stack[e->depth].layout = layout;
    e->stack[e->depth].brk = false;
    e->depth++;
}

void
emit_open(struct emit *e, const char *key, char open)
{
    emit_open_as(e, key, open,
                 open == '{'  ? EMIT_INLINE
                 : e->compact ? EMIT_FIRST_INLINE
                              : EMIT_LINES);
}

void
emit_break(struct emit *e)
{
    if (e->depth > 0)
        e->stack[e->depth - 1].brk = true;
}

void
emit_close(struct emit *e)
{
    assert(e->depth > 0);
    e->depth--;
    if (e->stack[e->depth].layout == EMIT_LINES && e->stack[e->depth].any)
        fprintf(e->out, "\n%*s", e->depth, "");
    putc(e->stack[e->depth].close, e->out);
    if (e->depth == 0)
        putc('\n', e->out);
}

/*
 * JSON text from core (an event's details) written again with every string
 * through out_json_string, so that it follows the one rule of every JSON
 * string the program writes (a character a terminal would obey is a \u
 * escape, never the raw byte).  Whitespace, numbers and literals are copied
 * as they are.  out NULL: only check.  0, or -1 when text is not JSON.
 */
#define JSON_DEPTH 64

static void
json_ws(const char **p, FILE *out)
{
    size_t n = strspn(*p, " \t\r\n");
    if (out)
        fwrite(*p, 1, n, out);
    *p += n;
}

static int
hex4(const char *p, unsigned long *c)
{
    *c = 0;
    for (int i = 0; i < 4; i++) {
        int d = p[i] >= '0' && p[i] <= '9'   ? p[i] - '0'
                : p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
                : p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10
                                             : -1;
        if (d < 0)
            return -1;
        *c = *c * 16 + (unsigned long)d;
    }
    return 0;
}

static size_t
utf8_put(char *o, unsigned long c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | c >> 6);
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | c >> 12);
        o[1] = (char)(0x80 | (c >> 6 & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | c >> 18);
    o[1] = (char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (char)(0x80 | (c >> 6 & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* A string at *p (its opening quote): decoded, then written through out_json_string. */
static int
json_str(const char **p, FILE *out)
{
    const char *s = *p + 1;
    char *buf = malloc(strlen(s) + 1), *o = buf;
    if (!buf)
        return -1;
    int rc = -1;
    while (*s && *s != '"' && (unsigned char)*s >= 0x20) {
        if (*s != '\\') {
            *o++ = *s++;
            continue;
        }
        const char *simple = strchr("\"\\/bfnrt", s[1]);
        if (s[1] && simple) {
            *o++ = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
            s += 2;
            continue;
        }
        unsigned long c, lo;
        if (s[1] != 'u' || hex4(s + 2, &c) < 0 || c == 0 || (c >= 0xDC00 && c < 0xE000))
            goto done;
        s += 6;
        if (c >= 0xD800 && c < 0xDC00) {
            if (s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &lo) < 0 || lo < 0xDC00 || lo >= 0xE000)
                goto done;
            c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
            s += 6;
        }
        o += utf8_put(o, c);
    }
    if (*s != '"')
        goto done;
    *o = '\0';
    *p = s + 1;
    rc = out ? out_json_string(out, buf) : 0;
done:
    free(buf);
    return rc;
}

static int
json_any(const char **p, FILE *out, int depth)
{
    json_ws(p, out);
    const char *s = *p;
    if (*s == '"')
        return json_str(p, out);
    if (*s == '{' || *s == '[') {
        char close = *s == '{' ? '}' : ']';
        if (depth == JSON_DEPTH)
            return -1;
        if (out)
            putc(*s, out);
        (*p)++;
        json_ws(p, out);
        if (**p == close) {
            if (out)
                putc(close, out);
            (*p)++;
            return 0;
        }
        for (;;) {
            if (close == '}') {
                json_ws(p, out);
                if (**p != '"' || json_str(p, out) < 0)
                    return -1;
                json_ws(p, out);
                if (**p != ':')
                    return -1;
                if (out)
                    putc(':', out);
                (*p)++;
            }
            if (json_any(p, out, depth + 1) < 0)
                return -1;
            json_ws(p, out);
            char c = **p;
            if (c != ',' && c != close)
                return -1;
            if (out)
                putc(c, out);
            (*p)++;
            if (c == close)
                return 0;
        }
    }
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if (strncmp(s, words[i], n) == 0) {
            if (out)
                fputs(words[i], out);
            *p += n;
            return 0;
        }
    }
    if (*s != '-' && !(*s >= '0' && *s <= '9'))
        return -1;
    size_t n = strspn(s, "-+.eE0123456789");
    if (out)
        fwrite(s, 1, n, out);
    *p += n;
    return 0;
}

static void
json_reemit(FILE *out, const char *text)
{
    const char *p = text;
    bool json = json_any(&p, NULL, 0) == 0;
    if (json) {
        json_ws(&p, NULL);
        json = *p == '\0';
    }
    if (!json) {
        out_json_string(out, text); /* not JSON after all: carried as a string */
        return;
    }
    p = text;
    json_any(&p, out, 0);
    json_ws(&p, out);
}

void
emit_value(struct emit *e, const char *key, const struct emit_value *v)
{
    member(e, key);
    if (v->absent) {
        fputs(v->kind == EMIT_JSON ? "{}" : "null", e->out);
        return;
    }
    switch (v->kind) {
    case EMIT_INT:
        fprintf(e->out, "%lld", (long long)v->i);
        break;
    case EMIT_BOOL:
        fputs(v->i ? "true" : "false", e->out);
        break;
    case EMIT_JSON:
        json_reemit(e->out, v->s);
        break;
    case EMIT_LIST:
        putc('[', e->out);
        for (const char *p = v->s; *p;) {
            size_t n = strcspn(p, ";");
            char *one = tui_printf("%.*s", (int)n, p);
            if (p != v->s)
                fputs(", ", e->out);
            out_json_string(e->out, one ? one : "");
            free(one);
            p += n + (p[n] == ';');
        }
        putc(']', e->out);
        break;
    case EMIT_TEXT:
        out_json_string(e->out, v->s);
        break;
    }
}

void
emit_int(struct emit *e, const char *key, int64_t n)
{
    struct emit_value v = {.kind = EMIT_INT, .i = n};
    emit_value(e, key, &v);
}

void
emit_text(struct emit *e, const char *key, const char *s)
{
    struct emit_value v = {.kind = EMIT_TEXT, .s = s, .absent = !s};
    emit_value(e, key, &v);
}

void
emit_real(struct emit *e, const char *key, double r, int prec)
{
    member(e, key);
    fprintf(e->out, "%.*f", prec, r);
}

void
emit_object(struct emit *e, const char *key, const struct emit_record *rec, const void *r)
{
    emit_open(e, key, '{');
    emit_members(e, rec, r);
    emit_close(e);
}

void
emit_members(struct emit *e, const struct emit_record *rec, const void *r)
{
    for (size_t i = 0; i < rec->n; i++) {
        if (rec->fields[i].flags & (EMIT_TABLE_ONLY | EMIT_CSV_ONLY))
            continue;
        struct emit_value v;
        get(e, &rec->fields[i], r, &v);
        emit_value(e, rec->fields[i].name, &v);
        drop(&v);
    }
}

static void
begin(struct emit *e)
{
    if (e->begun)
        return;
    e->begun = true;
    if (e->fmt == FORMAT_TABLE && e->rec->heading)
        fprintf(e->out, "%s\n", e->rec->heading);
    else if (e->fmt == FORMAT_CSV)
        csv_heading(e);
    else if (e->fmt == FORMAT_JSON)
        emit_open(e, NULL, '[');
}

int
emit_row(struct emit *e, const void *r)
{
    begin(e);
    int rc = 0;
    if (e->fmt == FORMAT_TABLE)
        rc = emit_line(e, e->rec, e->rec->line, r);
    else if (e->fmt == FORMAT_CSV)
        rc = csv_row(e, r);
    else
        emit_object(e, NULL, e->rec, r);
    e->rows++;
    return rc < 0 || ferror(e->out) ? -1 : 0;
}

int
emit_end(struct emit *e)
{
    if (!(e->lazy && e->fmt == FORMAT_CSV))
        begin(e);
    if (e->fmt == FORMAT_JSON)
        emit_close(e);
    return ferror(e->out) ? -1 : 0;
}

int
emit_one(struct emit *e, const void *r)
{
    if (e->fmt == FORMAT_TABLE)
        return emit_line(e, e->rec, e->rec->line, r);
    if (e->fmt == FORMAT_CSV) {
        csv_heading(e);
        return csv_row(e, r);
    }
    emit_object(e, NULL, e->rec, r);
    return ferror(e->out) ? -1 : 0;
}

static int
check_fail(char *err, size_t size, const char *why, const char *s, size_t len)
{
    snprintf(err, size, "'%.*s': %s", (int)len, s, why);
    return -1;
}

/* Whether rec has a field of that name. */
static bool
has_field(const struct emit_record *rec, const char *name, size_t len)
{
    for (size_t i = 0; i < rec->n; i++)
        if (strlen(rec->fields[i].name) == len && strncmp(rec->fields[i].name, name, len) == 0)
            return true;
    return false;
}

int
emit_check(const struct emit_record *rec, const char *tmpl, char *err, size_t size)
{
    if (rec->n > EMIT_MAX_FIELDS)
        return check_fail(err, size, "more fields than EMIT_MAX_FIELDS", rec->fields[0].name,
                          strlen(rec->fields[0].name));
    for (size_t i = 0; i < rec->n; i++) {
        const struct emit_field *f = &rec->fields[i];
        if (f->kind != EMIT_TEXT && f->kind != EMIT_INT && f->kind != EMIT_BOOL &&
            f->kind != EMIT_LIST && f->kind != EMIT_JSON)
            return check_fail(err, size, "a kind no field reads", f->name, strlen(f->name));
    }
    const char *t = tmpl ? tmpl : rec->line;
    if (!t)
        return 0;
    bool in_group = false;
    for (const char *p = t; *p;) {
        if (*p == '\\') {
            if (!p[1] || !strchr("[]{}\\", p[1]))
                return check_fail(err, size, "a backslash escapes only [ ] { } or \\", p, 2);
            p += 2;
        } else if (*p == '[') {
            if (in_group)
                return check_fail(err, size, "a group inside a group (\\[ for the text)", p,
                                  strcspn(p, "]") + 1);
            in_group = true;
            p++;
        } else if (*p == ']') {
            if (!in_group)
                return check_fail(err, size, "a ']' that closes no group (\\] for the text)", p, 1);
            in_group = false;
            p++;
        } else if (*p == '}') {
            return check_fail(err, size, "a '}' that closes no field (\\} for the text)", p, 1);
        } else if (*p == '{') {
            struct slot s;
            parse_slot(p + 1, &s);
            size_t whole = (size_t)(s.end - p);
            if (s.end == p + 1 || s.end[-1] != '}')
                return check_fail(err, size, "a field without its '}'", p, whole);
            if (!s.len || !has_field(rec, s.name, s.len))
                return check_fail(err, size, "names a field its record does not have", p, whole);
            if (s.one && !s.many)
                return check_fail(err, size, "{name|one|many} needs both words", p, whole);
            p = s.end;
        } else {
            p++;
        }
    }
    if (in_group)
        return check_fail(err, size, "a group without its ']'", t, strlen(t));
    return 0;
}
