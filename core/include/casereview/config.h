/*
 * casereview: the configuration (SPEC section 6).
 *
 * The file's types, its loader and the roster; then the configuration pinned
 * in the database, which changes only by cr_config_adopt.
 */
#ifndef CASEREVIEW_INCLUDE_CONFIG_H
#define CASEREVIEW_INCLUDE_CONFIG_H

#include <casereview/db.h>
#include <casereview/names.h>
#include <casereview/status.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Configuration (SPEC section 6): the roster, the panel's sign-off rules,
 * service levels and the interface's preferences, read from a YAML file.
 */

/* A person on the roster: a user, a panel member, or both. */
struct cr_person {
    const char *login;
    const char *name; /* the login when the file gives none */
    const char *unit; /* NULL when none */
    unsigned roles;   /* bits (1u << enum cr_role) */
    int kind;         /* enum cr_kind for a panel member, else -1 */
};

/* What the panel needs to close a case with a given outcome. */
struct cr_signoff {
    int panel;                        /* 0: approval closes the case, no panel review */
    int concur;                       /* concurring votes that close the case */
    int dissent;                      /* dissenting votes that return it */
    int require_kinds[CR_KIND_COUNT]; /* of the concurring votes, at least this many of a kind */
    int blind;                        /* a member sees others' votes only after casting their own */
};

/* A key binding from the `keys:` map, kept for the interface to check and apply. */
struct cr_key_binding {
    const char *action;
    const char *key;
    int line, column;               /* where the key was written, for messages */
    int action_line, action_column; /* where the action's name was written */
};

/*
 * A declared conflict of interest (conflicts.declared): the login neither
 * sees nor acts on any case of the subject, for the reason given.
 */
struct cr_declared_conflict {
    const char *login;
    const char *subject_ref;
    const char *reason;
    int line, column; /* where the entry was written, for messages */
};

struct cr_config {
    const char *path;
    const char *theme;            /* NULL: the default */
    int theme_line, theme_column; /* where theme: was written, for messages */
    int allow_impersonation;
    int same_unit; /* conflicts.same_unit */
    size_t n_declared;
    struct cr_declared_conflict *declared; /* conflicts.declared */
    int sla_days[CR_SLA_COUNT];
    size_t n_people;
    struct cr_person *people;
    struct cr_signoff signoff[CR_OUTCOME_COUNT]; /* resolved per outcome */
    size_t n_keys;
    struct cr_key_binding *keys;
    char digest[65]; /* BLAKE2b-256 of the file's bytes, hex */
    void *priv;
    int audit_require_purpose; /* audit.require_purpose */
    size_t n_purposes;         /* audit.purposes: the purposes allowed, or none: any */
    const char **purposes;
    int escalate_after_days; /* overdue by more days than this: escalated; -1: never (no key) */
    const char *notify;      /* a command run for each action (an absolute path), or NULL */
    int notify_timeout;      /* seconds the notify command may run before it is killed */
    int after_action_stay;   /* after_action: stay (1), or next (0, the default) */
    /*
     * retention: how long a closed case is kept before `purge` may erase
     * it, per outcome (index CR_OUTCOME_COUNT: closed_years/closed_days,
     * for every outcome without its own), in years or in days; 0 and 0:
     * none given.
     */
    int retention_years[CR_OUTCOME_COUNT + 1], retention_days[CR_OUTCOME_COUNT + 1];
    /* qa: quality assurance (core/qa.c); qa_on 0: no section, nothing is selected */
    int qa_on;
    int qa_sample_percent;   /* qa.sample_percent, 0-100 */
    int qa_min_per_reviewer; /* qa.min_per_reviewer */
    unsigned qa_outcomes;    /* qa.outcomes: bits (1u << enum cr_outcome); default all */
    const char *qa_seed;     /* qa.seed, as written */
    size_t n_qa_reviewers;   /* qa.reviewers: who may QA (none: any reviewer or supervisor) */
    const char **qa_reviewers;
    int *qa_reviewer_line, *qa_reviewer_column; /* where each was written, for messages */
};

/*
 * Read and check the configuration file at path.  On success *out is the
 * configuration (free it with cr_config_free).  On any problem every one
 * found is in *diags as `FILE:LINE:COLUMN: what is wrong` and CR_INVALID is
 * returned; *diags is allocated either way (free it with cr_diags_free).
 */
enum cr_status cr_config_load(const char *path, struct cr_config **out, cr_diags **diags);
void cr_config_free(struct cr_config *cfg);

/* The person with this login, or NULL. */
const struct cr_person *cr_config_person(const struct cr_config *cfg, const char *login);

/* Whether the person holds the role. */
int cr_person_has(const struct cr_person *p, int role);

/*
 * The configuration's keys, for `check-config --explain` and README's
 * reference: each key in the order of the loader's table (the one place
 * their defaults are written), as each(ctx, path, type, default, doc).  A
 * list's items are "path[]", a mapping's free keys "path.<name>"; default
 * is NULL when the key has none, and "sign_off" for an outcome's rule that
 * starts from panel.sign_off's.  Returns CR_OK or CR_NOMEM.
 */
enum cr_status cr_config_keys(void (*each)(void *ctx, const char *path, const char *type,
                                           const char *def, const char *doc),
                              void *ctx);

/*
 * Who is acting: the operating-system login, or as_login (--as) when the
 * configuration allows impersonation.  On success *who is that person on
 * the roster.  Otherwise msg (of size n) says why: CR_USAGE when --as is
 * not allowed, CR_REFUSED when the login is not on the roster.
 */
enum cr_status cr_config_identify(const struct cr_config *cfg, const char *os_login,
                                  const char *as_login, const struct cr_person **who, char *msg,
                                  size_t n);

/*
 * The configuration pinned in the database (schema 6).  The rules change
 * only by cr_config_adopt; every command compares the file it is given with
 * the one in force.
 */
struct cr_config_version {
    int64_t id;
    char digest[65];
    char *text; /* the file's bytes, NUL-terminated */
    size_t len;
    int64_t adopted_at;
    char *adopted_by; /* the login that adopted it (and the Unix login, when different) */
    int in_force;
};
/* The file's bytes the digest covers. */
const char *cr_config_text(const struct cr_config *cfg, size_t *len);
/* Check a configuration held as text (a pinned one); label names it in messages. */
enum cr_status cr_config_from_text(const char *label, const char *text, size_t len,
                                   struct cr_config **out, cr_diags **diags);
/*
 * The version in force (digest NULL), or the one whose digest begins with
 * digest (at least 8 hex digits).  CR_NOT_FOUND when there is none (with a
 * message); free *out with cr_config_version_free.
 */
enum cr_status cr_config_version_get(cr_db *db, const char *digest, struct cr_config_version *out);
void cr_config_version_free(struct cr_config_version *v);
/*
 * Compare cfg with the configuration pinned in the database: CR_OK when it
 * is the one in force, CR_NOT_FOUND when none is pinned yet, CR_INVALID
 * (naming both digests and `casereview config adopt`) when it differs.
 */
enum cr_status cr_config_pin_check(cr_db *db, const struct cr_config *cfg);
/*
 * Pin the handle's configuration (cr_db_set_user) in a database that has
 * none: a new one, or one made before schema 6.  A database whose trail was
 * written under another configuration takes only that one (the digest of
 * its last event): CR_INVALID otherwise.  Audited as config_pin; the quorum
 * flags are recomputed under it in the same transaction.  A read-only copy
 * pins nothing.
 */
enum cr_status cr_config_pin(cr_db *db);
/*
 * Adopt next as the rules in force: an admin of the configuration in force
 * (the handle's), next passing every check.  One transaction: the new text
 * (the old stays in the table), an audit event config_adopt with the old
 * and new digests, and the quorum flags recomputed under next.  The
 * handle's configuration is next afterwards (it must outlive the handle).
 */
enum cr_status cr_config_adopt(cr_db *db, const struct cr_config *next);

#ifdef __cplusplus
}
#endif

#endif
