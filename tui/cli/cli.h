/*
 * The command line: option parsing, the command table and the commands.
 */
#ifndef CASEREVIEW_CLI_H
#define CASEREVIEW_CLI_H

#include "casereview/casereview.h"
#include "emit.h"
#include "tui.h"

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses of SPEC section 7. */
enum { EXIT_DONE = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_DB = 4 };

/* What every command gets: the global options and its own arguments. */
struct cli {
    const char *db_path;
    const char *config_path; /* --config, $CASEREVIEW_CONFIG, or ./casereview.yaml */
    const char *as_login;    /* --as */
    const char *theme;       /* --theme */
    const char *script;      /* --script: keys from a file (tests) */
    const char *size;        /* --size COLSxROWS with --script */
    const char *purpose;     /* --purpose: why this session consults the data (DPA s.62) */
    const char *command;
    struct cr_config *cfg;       /* loaded by cli_session */
    const struct cr_person *who; /* who acts, found by cli_session */
    struct keymap keys;          /* the workstation's keys, checked with the configuration */
};

/*
 * What every command that touches the database does first: load and check
 * the configuration, work out who is acting, open the database and sign
 * that person in.  Prints the problem and returns its exit status, or
 * EXIT_DONE with *db open.
 */
int cli_session(struct cli *cli, unsigned open_flags, cr_db **db);
/*
 * A program installed setgid to its service group (tui/cli/service.c).
 * cli_service_begin, first thing in main: whether the program runs setgid
 * (cli_service_on), and if so, work as the user's own group and keep only
 * a terminal session's environment.  cli_service_paths: the database and
 * configuration the system configuration fixes (the build's defaults when
 * it names none).  cli_service_fix: --db and --config may only name those.
 * Each returns EXIT_DONE or the problem printed and its exit status.
 */
int cli_service_begin(void);
bool cli_service_on(void);
int cli_service_paths(const char **db, const char **config);
int cli_service_fix(const char **db, const char **config, const char *db_fixed,
                    const char *config_fixed);
/*
 * Then take the
 * group to open the database, then give it up for good (saved group too),
 * so that nothing after (files the user names, $EDITOR) runs with it; and
 * the open flags for the service.  All three do nothing otherwise, and
 * the group is taken only for the installed paths.
 */
void cli_service_raise(const struct cli *cli); /* NULL: the system configuration */
void cli_service_drop(void);
unsigned cli_service_flags(unsigned flags);
/* Close what cli_session opened. */
void cli_end(struct cli *cli, cr_db *db);
/* The terminal interface: the session, then tui_run. */
int cli_interface(struct cli *cli);
/*
 * Parse --format for cmd: table (also when s is NULL), csv where allowed,
 * or json.  EXIT_DONE, or the usage error printed and its exit status.
 */
int parse_format(const char *cmd, const char *s, bool csv_allowed, enum format *out);

/*
 * The end of a command that printed data: everything it wrote is out, or
 * "CMD: write failed: REASON" and EXIT_INPUT (as list says it), so that a
 * full disk or a closed file never passes for a whole output.
 */
int cli_flush(const char *cmd);

/* A session on the configuration pinned in the database (config show, config adopt). */
int cli_session_pinned(struct cli *cli, cr_db **db);
/* Core's message on db, printed; its exit status. */
int cli_fail(cr_db *db, enum cr_status st);
/* A whole number in [min, max] from an option value, or the usage error printed. */
int parse_number(const char *cmd, const char *opt, const char *s, long long min, long long max,
                 long long *out);
/* An enumeration value from an option, or a usage error listing the choices. */
int parse_enum(const char *cmd, const char *opt, const char *s, int (*parse)(const char *),
               const char *(*name)(int), const char *extra, int *out);
/* The Unix login of the person running the program (the real uid's), or NULL. */
const char *cli_os_login(void);

/*
 * The Unix login that ran an event's command when it is not the login the
 * event names (--as), or NULL: both are shown, so that acting as someone
 * else is never hidden.
 */
const char *cli_acted_as(const struct cr_event *e);

/* Load and check the configuration only (printing every problem). */
int cli_config(struct cli *cli, const char *path, struct cr_config **cfg);

/* Problems a command found, each as its message says it (for a JSON document). */
struct cli_problems {
    char **line;
    size_t n;
};
/* The same as cli_config, keeping each problem it prints in p too. */
int cli_config_problems(struct cli *cli, const char *path, struct cr_config **cfg,
                        struct cli_problems *p);
/* Add a copy of s to p (nothing when out of memory: the message on stderr still says it). */
void cli_problem(struct cli_problems *p, const char *s);
void cli_problems_free(struct cli_problems *p);
/* The "problems" member of a JSON document: an array of p's messages. */
void emit_problems(struct emit *e, const struct cli_problems *p);

/* An option of a command: long name, argument name (NULL for a flag), help. */
struct cli_option {
    const char *name;
    const char *arg;
    const char *help;
};

/*
 * A command's options, named: each command lists them once in an X-macro,
 *   #define LIST_OPTIONS(_) _(LIST_STATE, "state", "S", "only cases in state S") ...
 *   CLI_OPTIONS(list_options, LIST_OPTIONS);
 * which makes the enum OPT_LIST_STATE, ... and the table the parser and
 * the help read; the command reads a->opt[OPT_LIST_STATE].
 */
#define CLI_OPT_ENUM(id, name, arg, help) OPT_##id,
#define CLI_OPT_ROW(id, name, arg, help) {name, arg, help},
#define CLI_OPTIONS(var, LIST)                                             \
    enum { LIST(CLI_OPT_ENUM) };                                           \
    const struct cli_option var[] = {LIST(CLI_OPT_ROW){NULL, NULL, NULL}}; \
    _Static_assert(sizeof var / sizeof var[0] <= CLI_MAX_OPTIONS + 1,      \
                   #var ": more options than struct cli_args holds")

/* Options many commands share. */
#define CLI_OPT_EXPECT(_, P)             \
    _(P##_EXPECT, "expect-version", "N", \
      "refuse unless the case is still at version N (as last seen)")
#define CLI_OPT_FORMAT(_, P) _(P##_FORMAT, "format", "F", "table (default) or json")

#define CLI_MAX_OPTIONS 16
#define CLI_MAX_OPERANDS 64 /* pack CASE... */
#define CLI_MAX_REPEATED 64

/* Parsed options: opt[i] for option i (flags get "1"), and operands. */
struct cli_args {
    const char *opt[CLI_MAX_OPTIONS];
    const char *operands[CLI_MAX_OPERANDS];
    int noperands;
    /* Every option value given, in order (opt[] keeps the last): for options given twice. */
    const char *given[CLI_MAX_REPEATED];
    int given_option[CLI_MAX_REPEATED];
    int ngiven;
};

struct cli_command {
    const char *name;
    const char *operands; /* synopsis of the operands, "" for none */
    const char *summary;
    int min_operands, max_operands;
    const struct cli_option *options; /* NULL-terminated, or NULL */
    int (*run)(struct cli *cli, const struct cli_args *args);
};

extern const struct cli_command cli_commands[];

/*
 * Everything the command line writes for a person goes through the writers
 * below, which show every control character and every invisible character
 * that could reverse or disguise a name as a visible mark (text.h): "^[",
 * "<9b>", "<U+202E>".  A message can carry what a user typed or what a file
 * held, so messages are marked too, whole.
 */

/* Print `casereview: ` and the message, marked, as one line on stderr; returns status. */
int cli_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a message that reports success or progress. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The formatted text, marked, and a newline. */
void out_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write s for a terminal: control and invisible characters become visible marks. */
void out_safe(FILE *f, const char *s);
/* s as out_safe would write it, in a new string (the caller frees it); NULL if out of memory. */
char *out_marked(const char *s);
/* Write s in exactly width display columns, marked: cut with an ellipsis, or padded. */
void out_cell(FILE *f, const char *s, int width);
/* Write s wrapped at width columns, each line after an indent, marked. */
void out_wrapped(FILE *f, const char *s, int indent, int width);
/*
 * Write s as a JSON string: lossless, and with every character a terminal
 * would be shown as a mark written as a \uXXXX escape (so "\u202e", never the
 * raw character); a byte that is not UTF-8 becomes \ufffd.  0 or -1 on a
 * write error.
 */
int out_json_string(FILE *f, const char *s);

/* The clock the program injects into core: the system clock (casereview-test: $CASEREVIEW_NOW). */
int64_t cli_clock(void *ctx);

#endif
