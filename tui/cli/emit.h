/*
 * The command line's one emitter: everything a command prints as data goes
 * through it, in a table (for a person), CSV or JSON (for programs).
 *
 * A kind of record is described once, as data: its fields (name, type, and
 * where the value is: an offset into the record, or a getter) and how a
 * table shows it (a heading line and a line template).  The three back ends
 * read the same description, so that the formats cannot drift apart:
 *
 *   table  the template, with {field} replaced by the field's text, marked
 *          (out_safe); CSV  a heading of the field names, then one line a
 *          record; JSON  an object a record, an array of them for a list,
 *          written record by record (memory stays flat however long).
 *
 * Template syntax (table only):
 *   {name}        the value (an absent value: nothing)
 *   {name:N}      in exactly N display columns: cut with an ellipsis, or padded
 *   {name:<N}     padded on the right to N bytes, never cut
 *   {name:>N}     padded on the left to N bytes, never cut
 *   {name:~N}     wrapped at 72 columns, each line indented N and ended
 *   {name=TEXT}   TEXT when the value is absent (with or without a width)
 *   {?name}       nothing: names the field for its group's condition
 *   {name|one|many}  the word for the number name holds: one when it is 1
 *   [ ... ]       shown only when every field it names is there: not
 *                 absent, not zero, not false
 *   \[ \] \{ \} \\  the character itself (a bracket or a brace as text)
 * A template that names a field its record does not have, or is not well
 * formed, is a program error: emit_check says so (tests/unit/test_emit.c
 * checks every template the program has), and the emitter stops the program
 * rather than print a line without it.
 * Fields flagged EMIT_TABLE_ONLY feed templates only (a column made for the
 * eye, such as "DV+SO"); CSV and JSON never carry them.
 */
#ifndef CASEREVIEW_CLI_EMIT_H
#define CASEREVIEW_CLI_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What a command prints in (--format). */
enum format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON };

/* The names of the formats, indexed by enum format. */
extern const char *const format_names[];

enum emit_kind {
    EMIT_TEXT, /* const char *; NULL is absent */
    EMIT_INT,  /* int64_t */
    EMIT_BOOL, /* bool */
    EMIT_LIST, /* names separated by ';': a JSON array of strings */
    EMIT_JSON, /* JSON text from core (an event's details), re-escaped as every string
                  is (out_json_string); absent: {} */
};

/* One value, as a getter hands it over. */
struct emit_value {
    enum emit_kind kind;
    bool absent;
    int64_t i; /* EMIT_INT, EMIT_BOOL */
    int arg;   /* the field's arg, for a getter that serves several fields */
    const char *s;
    char *owned;  /* s, when the getter allocated it: the emitter frees it */
    char buf[64]; /* room for a getter's short text (digits, a time) */
};

/* Which back ends read a field (none of these: all three). */
#define EMIT_TABLE_ONLY 1u
#define EMIT_CSV_ONLY 2u /* a column whose place or name in CSV differs from JSON's */
#define EMIT_JSON_ONLY 4u

struct emit_field {
    const char *name; /* the JSON key and the CSV heading; the name templates use */
    enum emit_kind kind;
    size_t offset; /* with get NULL: an int64_t (EMIT_INT), a bool (EMIT_BOOL) or a
                      const char * (the text kinds) here */
    void (*get)(const void *rec, const void *ctx, struct emit_value *v);
    unsigned flags;
    int arg; /* handed to the getter in v->arg */
};

/*
 * Field rows: a member read at its offset, or a getter.  The member's type
 * must be the one the kind reads (int64_t, bool, a string), or the build
 * fails: the emitter copies it by its offset and cannot tell.
 */
#define EMIT_MEMBER_FITS(kind, type, member) \
    _Generic(((type *)0)->member,                                                                  \
        int64_t: (kind) == EMIT_INT,                                                               \
        bool: (kind) == EMIT_BOOL,                                                                 \
        const char *: (kind) == EMIT_TEXT || (kind) == EMIT_LIST || (kind) == EMIT_JSON,           \
        char *: (kind) == EMIT_TEXT || (kind) == EMIT_LIST || (kind) == EMIT_JSON,                 \
        default: 0)
#define EMIT_AT_AS(name, kind, type, member, flags)                                             \
    {                                                                                           \
        name, kind,                                                                             \
            offsetof(type, member) + 0 * sizeof(struct {                                        \
                                         _Static_assert(EMIT_MEMBER_FITS(kind, type, member),   \
                                                        #type "." #member                       \
                                                              ": not the type its kind reads"); \
                                         char c;                                                \
                                     }),                                                        \
            NULL, flags, 0                                                                      \
    }
#define EMIT_AT(name, kind, type, member) EMIT_AT_AS(name, kind, type, member, 0)
#define EMIT_GET(name, kind, fn) \
    {                            \
        name, kind, 0, fn, 0, 0  \
    }
#define EMIT_SHOWN(name, fn)                       \
    {                                              \
        name, EMIT_TEXT, 0, fn, EMIT_TABLE_ONLY, 0 \
    }

/* A kind of record: its fields and how a table shows it. */
struct emit_record {
    const struct emit_field *fields;
    size_t n;
    const char *heading; /* a table's heading line, or NULL */
    const char *line;    /* a table's template for one record */
};
#define EMIT_FIELDS(a) (a), sizeof(a) / sizeof((a)[0])

/* More fields than any record has: the values of one record live on the stack. */
#define EMIT_MAX_FIELDS 40

/*
 * Whether tmpl (NULL: rec's own line) is a well-formed template naming only
 * rec's fields, and rec within EMIT_MAX_FIELDS with kinds the field path
 * reads: 0, or -1 with why in err.
 */
int emit_check(const struct emit_record *rec, const char *tmpl, char *err, size_t size);

/* Every template of the program with its record (NULL-terminated lists, commands.c). */
struct emit_template {
    const char *what; /* for the message */
    const struct emit_record *rec;
    const char *tmpl; /* NULL: rec's line */
};

/* The JSON writer's nesting, deep enough for every document the program writes. */
#define EMIT_DEPTH 8

struct emit {
    enum format fmt;
    FILE *out;
    const struct emit_record *rec;
    const void *ctx; /* handed to the getters */
    bool marked;     /* CSV to a terminal: each cell marked as a table's is */
    bool raw;        /* CSV cells as stored: no quote before a formula's lead */
    const char *eol; /* CSV's line end ("\n" unless set) */
    int64_t rows;    /* records written */
    bool begun;      /* a list's heading (or '[') is out */
    bool lazy;       /* CSV: no heading for an empty list (the audit log's, since its start) */
    bool compact;    /* a list's JSON array laid out EMIT_FIRST_INLINE (the audit log's) */
    int depth;
    struct emit_level {
        char close; /* '}' or ']' */
        bool any;   /* a member is out */
        int layout; /* enum emit_layout */
        bool brk;   /* the next member starts a line (emit_break) */
    } stack[EMIT_DEPTH];
};

/* An emitter of rec's records in fmt to out (stdout when NULL). */
void emit_init(struct emit *e, enum format fmt, FILE *out, const struct emit_record *rec,
               const void *ctx);

/*
 * A list of records: emit_row for each (the heading, or '[', comes before
 * the first), then emit_end.  0, or -1 on a write error or out of memory.
 */
int emit_row(struct emit *e, const void *rec);
int emit_end(struct emit *e);
/* One record alone: a table's line, a CSV heading and line, or a JSON object. */
int emit_one(struct emit *e, const void *rec);

/*
 * The JSON writer for documents (stats, report, a case): open an object
 * ('{') or an array ('['), under key inside an object (key NULL inside an
 * array or at the top), write members, close.  Commas, and a line for each
 * element of an array, are the writer's business.  The top closes with a
 * newline.
 */
void emit_open(struct emit *e, const char *key, char open);
/* How the members of what is opened are laid out. */
enum emit_layout {
    EMIT_INLINE,       /* {"a": 1, "b": 2} (an object's, by default) */
    EMIT_LINES,        /* each member on a line, the close on its own (an array's, by default) */
    EMIT_LINES_TIGHT,  /* each member on a line, the close right after the last */
    EMIT_FIRST_INLINE, /* the first right after the open, the others each on a line */
};
void emit_open_as(struct emit *e, const char *key, char open, enum emit_layout layout);
/* The next member of what is open starts a line of its own. */
void emit_break(struct emit *e);
void emit_real(struct emit *e, const char *key, double r, int prec);
void emit_close(struct emit *e);
void emit_value(struct emit *e, const char *key, const struct emit_value *v);
void emit_int(struct emit *e, const char *key, int64_t n);
void emit_text(struct emit *e, const char *key, const char *s); /* NULL: null */
/* rec's fields as an object (under key): what emit_one writes in JSON. */
void emit_object(struct emit *e, const char *key, const struct emit_record *rec, const void *r);

/* The same members, into the object already open (to add more after them). */
void emit_members(struct emit *e, const struct emit_record *rec, const void *r);

/*
 * A template filled from rec's fields, and a newline: what a table shows
 * for one record.  For documents whose lines are not all alike.
 */
int emit_line(struct emit *e, const struct emit_record *rec, const char *tmpl, const void *r);
/* The same without the newline: a template that holds its own line ends. */
int emit_block(struct emit *e, const struct emit_record *rec, const char *tmpl, const void *r);

/* Text a getter made with printf: into v->buf when it fits, else allocated. */
void emit_printf(struct emit_value *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
