/*
 * The configuration pinned in a PostgreSQL database: every version kept,
 * by digest, as the SQLite engine keeps them (core/sqlite/config.c); and,
 * when one is pinned, the roster the server's checks read (who may connect,
 * each person's roles, unit, declared conflicts and kind; conflicts.same_unit;
 * each outcome's sign-off; qa:),
 * published by the same server function in the same transaction
 * (sql/020-case.sql, cr_config_put).
 */
#include "pg.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
version_free(struct cr_config_version *v)
{
    free(v->text);
    free(v->adopted_by);
    memset(v, 0, sizeof *v);
}

/* A bytea field as a malloc'd NUL-terminated copy (*len its bytes), or NULL. */
static char *
bytes_copy(const PGresult *r, int row, int col, size_t *len)
{
    int n = PQgetlength(r, row, col);
    size_t cap = n >= 2 ? (size_t)(n - 2) / 2 : 0;
    char *p = malloc(cap + 1);
    if (!p)
        return NULL;
    *len = pg_bytes(r, row, col, (unsigned char *)p, cap);
    if (*len == (size_t)-1) {
        free(p);
        return NULL;
    }
    p[*len] = '\0';
    return p;
}

enum cr_status
pg_config_get(cr_db *db, const char *prefix, struct cr_config_version *out)
{
    memset(out, 0, sizeof *out);
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_text(&a, prefix);
    enum cr_status st = CR_OK;
    PGresult *r =
        pg_query(db, "pinned configuration", "SELECT * FROM casereview.cr_config_get($1)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    if (PQntuples(r) == 0) {
        st = prefix ? cr_fail(db, CR_NOT_FOUND,
                              "no configuration with a digest beginning %s was ever in force "
                              "here; 'casereview audit log --action config_adopt' lists them",
                              prefix)
                    : cr_fail(db, CR_NOT_FOUND, "no configuration is pinned in the database");
        PQclear(r);
        return st;
    }
    out->id = pg_int(r, 0, 0);
    const char *d = pg_text(r, 0, 1);
    snprintf(out->digest, sizeof out->digest, "%s", d ? d : "");
    out->text = bytes_copy(r, 0, 2, &out->len);
    const char *by = pg_text(r, 0, 4);
    out->adopted_by = strdup(by ? by : "");
    if (!out->text || !out->adopted_by) {
        st = cr_fail(db, CR_NOMEM, "out of memory");
    } else {
        out->adopted_at = pg_int(r, 0, 3);
        out->in_force = (int)pg_int(r, 0, 5);
        if (prefix && PQntuples(r) > 1)
            st = cr_fail(db, CR_USAGE,
                         "more than one configuration's digest begins %s; give more of it", prefix);
    }
    PQclear(r);
    if (st != CR_OK)
        version_free(out);
    return st;
}

/*
 * The roster of cfg as the server keeps it: a JSON array of {login, roles,
 * unit, conflicts: the subject_refs of the person's declared conflicts}.
 */
static bool
roster_json(const struct cr_config *cfg, struct cr_buf *b)
{
    int bad = cr_buf_addc(b, '[');
    for (size_t i = 0; i < cfg->n_people; i++) {
        const struct cr_person *p = &cfg->people[i];
        bad |= cr_buf_addf(b, "%s{\"login\": ", i ? ", " : "");
        bad |= cr_buf_add_json(b, p->login);
        bad |= cr_buf_addf(b, ", \"roles\": %u, \"unit\": ", p->roles);
        if (p->unit)
            bad |= cr_buf_add_json(b, p->unit);
        else
            bad |= cr_buf_addf(b, "null");
        bad |= cr_buf_addf(b, ", \"conflicts\": [");
        size_t k = 0;
        for (size_t j = 0; j < cfg->n_declared; j++) {
            const struct cr_declared_conflict *c = &cfg->declared[j];
            if (!c->login || strcmp(c->login, p->login) != 0)
                continue;
            bad |= cr_buf_addf(b, "%s", k++ ? ", " : "");
            bad |= cr_buf_add_json(b, c->subject_ref);
        }
        bad |= cr_buf_addf(b, "], \"kind\": ");
        if (p->kind >= 0 && cr_kind_name(p->kind))
            bad |= cr_buf_add_json(b, cr_kind_name(p->kind));
        else
            bad |= cr_buf_addf(b, "null");
        bad |= cr_buf_addc(b, '}');
    }
    bad |= cr_buf_addc(b, ']');
    return bad >= 0 && b->p;
}

/*
 * Each outcome's sign-off as the server keeps it (table signoffs): a JSON
 * array of {outcome, panel, concur, dissent, require_kinds: [n by enum
 * cr_kind], blind}, which cr_apply reads to work out what an approval and
 * a vote do (workflow.c's plan).
 */
static bool
signoff_json(const struct cr_config *cfg, struct cr_buf *b)
{
    int bad = cr_buf_addc(b, '[');
    for (int o = 0; o < CR_OUTCOME_COUNT; o++) {
        const struct cr_signoff *so = &cfg->signoff[o];
        bad |= cr_buf_addf(b,
                           "%s{\"outcome\": \"%s\", \"panel\": %d, \"concur\": %d, "
                           "\"dissent\": %d, \"blind\": %d, \"require_kinds\": [",
                           o ? ", " : "", cr_outcome_name(o), so->panel ? 1 : 0, so->concur,
                           so->dissent, so->blind ? 1 : 0);
        for (int k = 0; k < CR_KIND_COUNT; k++)
            bad |= cr_buf_addf(b, "%s%d", k ? ", " : "", so->require_kinds[k]);
        bad |= cr_buf_addf(b, "]}");
    }
    bad |= cr_buf_addc(b, ']');
    return bad >= 0 && b->p;
}

/*
 * The configuration's qa: as the server keeps it (settings qa): {on,
 * outcomes: bits of enum cr_outcome, seed, sample_percent,
 * min_per_reviewer, reviewers: [login...]}, which cr_qa_put reads to refuse
 * a verdict and a selection as core/qa.c would (who may review; the draw).
 */
static bool
qa_json(const struct cr_config *cfg, struct cr_buf *b)
{
    int bad = cr_buf_addf(b, "{\"on\": %d, \"outcomes\": %u, \"seed\": ", cfg->qa_on ? 1 : 0,
                          cfg->qa_outcomes);
    bad |= cr_buf_add_json(b, cfg->qa_seed ? cfg->qa_seed : "");
    bad |= cr_buf_addf(b, ", \"sample_percent\": %d, \"min_per_reviewer\": %d, \"reviewers\": [",
                       cfg->qa_sample_percent, cfg->qa_min_per_reviewer);
    for (size_t i = 0; i < cfg->n_qa_reviewers; i++) {
        bad |= cr_buf_addf(b, "%s", i ? ", " : "");
        bad |= cr_buf_add_json(b, cfg->qa_reviewers[i]);
    }
    bad |= cr_buf_addf(b, "]}");
    return bad >= 0 && b->p;
}

enum cr_status
pg_config_put(cr_db *db, const struct cr_config *cfg, const char *by)
{
    assert(db && cfg && by);
    size_t len;
    const char *text = cr_config_text(cfg, &len);
    struct cr_buf roster = {0}, signoff = {0}, qa = {0};
    if (!text || !roster_json(cfg, &roster) || !signoff_json(cfg, &signoff) || !qa_json(cfg, &qa)) {
        cr_buf_free(&roster);
        cr_buf_free(&signoff);
        cr_buf_free(&qa);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_text(&a, cfg->digest);
    pg_arg_bytes(&a, (const unsigned char *)text, len);
    pg_arg_text(&a, by);
    pg_arg_text(&a, cfg->same_unit ? "true" : "false");
    pg_arg_text(&a, roster.p);
    pg_arg_text(&a, signoff.p);
    pg_arg_text(&a, qa.p);
    enum cr_status st = pg_exec(db, "pin the configuration",
                                "SELECT casereview.cr_config_put($1, $2, $3, $4, $5, $6, $7)", &a);
    pg_args_free(&a);
    cr_buf_free(&roster);
    cr_buf_free(&signoff);
    cr_buf_free(&qa);
    return st;
}

enum cr_status
pg_config_in_force(cr_db *db, char digest[65], bool *any)
{
    digest[0] = '\0';
    *any = false;
    enum cr_status st = CR_OK;
    PGresult *r =
        pg_query(db, "pinned configuration", "SELECT casereview.cr_config_in_force()", NULL, &st);
    if (!r)
        return st;
    if (PQntuples(r) == 1 && !pg_null(r, 0, 0)) {
        snprintf(digest, 65, "%s", pg_text(r, 0, 0));
        *any = true;
    }
    PQclear(r);
    return CR_OK;
}

enum cr_status
pg_config_texts(cr_db *db, int (*each)(void *ctx, const struct cr_config_text *t), void *ctx)
{
    assert(each);
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "verify", "SELECT * FROM casereview.cr_config_texts()", NULL, &st);
    if (!r)
        return st;
    for (int i = 0; i < PQntuples(r); i++) {
        size_t len = 0;
        char *text = bytes_copy(r, i, 2, &len);
        if (!text) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
            break;
        }
        const struct cr_config_text t = {
            .id = pg_int(r, i, 0),
            .digest = pg_text(r, i, 1),
            .text = (const unsigned char *)text,
            .len = len,
        };
        int stop = each(ctx, &t);
        free(text);
        if (stop)
            break;
    }
    PQclear(r);
    return st;
}
