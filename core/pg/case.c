/*
 * One case on PostgreSQL: the case a key names, a case loaded for a view
 * with its votes and notes, the workflow's view of a case, its history,
 * what the quorum flags are recomputed from, and drafts; each a call or two
 * of the server's functions (sql/020-case.sql), which read only what the
 * session's person may see (need-to-know) and give the rows the SQLite
 * engine's case.c gives, in its order.
 */
#include "pg.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Grow an array of items by one; NULL when out of memory. */
static void *
grow(void **items, size_t *n, size_t size)
{
    if ((*n & (*n - 1)) == 0) {
        size_t cap = *n ? *n * 2 : 4;
        void *p = realloc(*items, cap * size);
        if (!p)
            return NULL;
        *items = p;
    }
    return (char *)*items + (*n)++ * size;
}

/* A text field kept in l (NULL for NULL). */
static const char *
keep(struct cr_strings *l, const PGresult *r, int row, int col)
{
    return cr_strings_keep(l, pg_text(r, row, col));
}

/* The number of bytes a bytea field holds (its hex text is "\x" and two digits a byte). */
static size_t
bytea_len(const PGresult *r, int row, int col)
{
    int n = PQgetlength(r, row, col);
    return n >= 2 ? (size_t)(n - 2) / 2 : 0;
}

/* One case */

enum cr_status
pg_find_case(cr_db *db, int64_t n, const char *ref, int64_t *id, int64_t *id_of_ref)
{
    *id = *id_of_ref = 0;
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, n > 0 ? n : 0);
    pg_arg_text(&a, ref && *ref ? ref : NULL);
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "find the case",
                           "SELECT id, id_of_ref FROM casereview.cr_find_case($1, $2)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    if (PQntuples(r) == 1) {
        *id = pg_int(r, 0, 0);
        *id_of_ref = pg_int(r, 0, 1);
    }
    PQclear(r);
    return CR_OK;
}

/* The case row's columns 0-23 (the SQLite engine's CASE_ROW_COLUMNS) into *row. */
static void
read_case_row(const PGresult *r, struct cr_case_row *row, struct cr_strings *l)
{
    memset(row, 0, sizeof *row);
    row->id = pg_int(r, 0, 0);
    row->sortkey = pg_int(r, 0, 1);
    row->priority = pg_int(r, 0, 2);
    row->created_at = pg_int(r, 0, 3);
    row->state_since = pg_int(r, 0, 4);
    row->state = cr_state_parse(pg_text(r, 0, 5));
    row->outcome = cr_outcome_parse(pg_text(r, 0, 6));
    row->categories = (unsigned)pg_int(r, 0, 7);
    row->n_allegations = (int)pg_int(r, 0, 8);
    row->duty = cr_duty_parse(pg_text(r, 0, 9));
    const char **dst[] = {&row->subject_ref, &row->surname,  &row->forenames,  &row->rank,
                          &row->unit,        &row->assignee, &row->decided_by, &row->approver};
    for (int i = 0; i < (int)CR_ARRAY_LEN(dst); i++)
        *dst[i] = keep(l, r, 0, 10 + i);
    row->decided_at = pg_int(r, 0, 18);
    row->vetting_review = (int)pg_int(r, 0, 19);
    row->quorum_blocked = (int)pg_int(r, 0, 20);
    row->version = pg_int(r, 0, 21);
    row->clock_shift = pg_int(r, 0, 22);
    row->paused_until = pg_int(r, 0, 23);
    row->panel_my_vote = -1;
}

/* A query with the case id as its one argument. */
static PGresult *
query_case(cr_db *db, const char *what, const char *sql, int64_t id, enum cr_status *st)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, id);
    PGresult *r = pg_query(db, what, sql, &a, st);
    pg_args_free(&a);
    return r;
}

enum cr_status
pg_case_load(cr_db *db, int64_t id, bool votes_notes, bool hide_votes, struct cr_case *out)
{
    memset(out, 0, sizeof *out);
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = l;
    enum cr_status st = CR_OK;
    PGresult *r = query_case(db, "show", "SELECT * FROM casereview.cr_case_load($1)", id, &st);
    if (!r)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return cr_fail(db, CR_NOT_FOUND, "no case %lld", (long long)id);
    }
    read_case_row(r, &out->row, l);
    int c = 24;
    out->previous_case = pg_int(r, 0, c);
    out->employment = cr_employment_parse(pg_text(r, 0, c + 1));
    out->vetting = cr_vetting_parse(pg_text(r, 0, c + 2));
    out->rationale = keep(l, r, 0, c + 3);
    out->version = out->row.version;
    out->round = (int)pg_int(r, 0, c + 4);
    out->approved_by = keep(l, r, 0, c + 5);
    out->approved_at = pg_int(r, 0, c + 6);
    out->paused_by = keep(l, r, 0, c + 7);
    out->pause_reason = keep(l, r, 0, c + 8);
    out->paused_at = pg_int(r, 0, c + 9);
    PQclear(r);

    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, id);
    pg_arg_text(&a, votes_notes ? "true" : "false");
    pg_arg_text(&a, hide_votes ? "true" : "false");
    r = pg_query(db, "show", "SELECT * FROM casereview.cr_case_lists($1, $2, $3)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    for (int i = 0; i < PQntuples(r) && !l->nomem; i++) {
        const char *kind = pg_text(r, i, 0);
        if (strcmp(kind, "allegation") == 0) {
            struct cr_allegation *al =
                grow((void **)&out->allegations, &out->n_allegations, sizeof *al);
            if (!al) {
                l->nomem = true;
                break;
            }
            al->ref = keep(l, r, i, 1);
            al->category = cr_category_parse(pg_text(r, i, 2));
            al->date = keep(l, r, i, 3);
            al->source = cr_source_parse(pg_text(r, i, 4));
            al->original_outcome = keep(l, r, i, 5);
            al->summary = keep(l, r, i, 6);
        } else if (strcmp(kind, "hidden") == 0) {
            out->votes_hidden++;
        } else if (strcmp(kind, "vote") == 0) {
            struct cr_vote_row *v = grow((void **)&out->votes, &out->n_votes, sizeof *v);
            if (!v) {
                l->nomem = true;
                break;
            }
            v->member = keep(l, r, i, 1);
            v->kind = cr_kind_parse(pg_text(r, i, 2));
            v->vote = cr_vote_parse(pg_text(r, i, 3));
            v->reason = keep(l, r, i, 4);
            v->at = pg_int(r, i, 7);
        } else {
            struct cr_note *n = grow((void **)&out->notes, &out->n_notes, sizeof *n);
            if (!n) {
                l->nomem = true;
                break;
            }
            n->author = keep(l, r, i, 1);
            n->kind = keep(l, r, i, 2);
            n->body = keep(l, r, i, 3);
            n->at = pg_int(r, i, 7);
        }
    }
    PQclear(r);
    return l->nomem ? cr_fail(db, CR_NOMEM, "out of memory") : CR_OK;
}

/* The workflow's view of a case */

enum cr_status
pg_case_state(cr_db *db, int64_t id, struct cr_case_state *cs)
{
    memset(cs, 0, sizeof *cs);
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    cs->priv = l;
    enum cr_status st = CR_OK;
    PGresult *r =
        query_case(db, "read case", "SELECT * FROM casereview.cr_case_state($1)", id, &st);
    if (!r)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return cr_fail(db, CR_NOT_FOUND, "no case %lld", (long long)id);
    }
    cs->id = pg_int(r, 0, 0);
    cs->version = pg_int(r, 0, 1);
    cs->updated_at = pg_int(r, 0, 2);
    cs->state = cr_state_parse(pg_text(r, 0, 3));
    cs->outcome = cr_outcome_parse(pg_text(r, 0, 4));
    cs->round = (int)pg_int(r, 0, 5);
    cs->vetting_review = (int)pg_int(r, 0, 6);
    cs->assignee = keep(l, r, 0, 7);
    cs->decided_by = keep(l, r, 0, 8);
    cs->updated_by = keep(l, r, 0, 9);
    cs->approved_by = keep(l, r, 0, 10);
    cs->subject_unit = keep(l, r, 0, 11);
    cs->subject_ref = keep(l, r, 0, 12);
    cs->quorum_blocked = (int)pg_int(r, 0, 13);
    cs->panel_round = (int)pg_int(r, 0, 14);
    cs->state_since = pg_int(r, 0, 15);
    cs->clock_shift = pg_int(r, 0, 16);
    cs->paused_until = pg_int(r, 0, 17);
    cs->approver = keep(l, r, 0, 18);
    cs->erased = pg_int(r, 0, 19);
    PQclear(r);

    r = query_case(db, "read who acted on the case",
                   "SELECT * FROM casereview.cr_case_state_lists($1)", id, &st);
    if (!r)
        return st;
    for (int i = 0; i < PQntuples(r); i++) {
        if (strcmp(pg_text(r, i, 0), "vote") == 0) {
            struct cr_vote_row *v = grow((void **)&cs->votes, &cs->n_votes, sizeof *v);
            if (!v) {
                l->nomem = true;
                break;
            }
            v->member = keep(l, r, i, 1);
            v->kind = cr_kind_parse(pg_text(r, i, 2));
            v->vote = cr_vote_parse(pg_text(r, i, 3));
            v->reason = keep(l, r, i, 4);
            v->at = pg_int(r, i, 5);
        } else if (strcmp(pg_text(r, i, 0), "hidden") == 0) {
            /* A vote blind voting keeps from the reader: nothing of it (cr_votes_hidden). */
            struct cr_vote_row *v = grow((void **)&cs->votes, &cs->n_votes, sizeof *v);
            if (!v) {
                l->nomem = true;
                break;
            }
            memset(v, 0, sizeof *v);
            v->kind = -1;
            v->vote = -1;
            cs->votes_withheld = true;
        } else {
            struct cr_case_act *act = grow((void **)&cs->acts, &cs->n_acts, sizeof *act);
            if (!act) {
                l->nomem = true;
                break;
            }
            act->login = keep(l, r, i, 1);
            act->action = cr_action_parse(pg_text(r, i, 2));
            act->vote = pg_null(r, i, 3) ? -1 : cr_vote_parse(pg_text(r, i, 3));
            act->round = (int)pg_int(r, i, 5);
        }
    }
    PQclear(r);
    return l->nomem ? cr_fail(db, CR_NOMEM, "out of memory") : CR_OK;
}

enum cr_status
pg_history(cr_db *db, int64_t id, struct cr_history *out)
{
    memset(out, 0, sizeof *out);
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = l;
    enum cr_status st = CR_OK;
    PGresult *r = query_case(db, "history", "SELECT * FROM casereview.cr_history($1)", id, &st);
    if (!r)
        return st;
    for (int i = 0; i < PQntuples(r); i++) {
        struct cr_event *e = grow((void **)&out->events, &out->n, sizeof *e);
        if (!e) {
            l->nomem = true;
            break;
        }
        memset(e, 0, sizeof *e);
        e->id = pg_int(r, i, 0);
        e->at = pg_int(r, i, 1);
        e->actor = keep(l, r, i, 2);
        e->case_id = pg_int(r, i, 3);
        e->action = keep(l, r, i, 4);
        e->state_before = keep(l, r, i, 5);
        e->state_after = keep(l, r, i, 6);
        e->details = keep(l, r, i, 7);
        e->config_digest = keep(l, r, i, 8);
        e->purpose = keep(l, r, i, 9);
        e->os_login = keep(l, r, i, 10);
        e->details_digest = NULL;
    }
    PQclear(r);
    return l->nomem ? cr_fail(db, CR_NOMEM, "out of memory") : CR_OK;
}

/* The quorum flags */

/* The ids of a one-column result, malloc'd. */
static enum cr_status
ids_of(cr_db *db, PGresult *r, int64_t **ids, size_t *n)
{
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t *id = grow((void **)ids, n, sizeof *id);
        if (!id) {
            PQclear(r);
            return cr_fail(db, CR_NOMEM, "out of memory");
        }
        *id = pg_int(r, i, 0);
    }
    PQclear(r);
    return CR_OK;
}

/*
 * texts as a text[] literal, each element quoted with its quotes and
 * backslashes escaped, in *b (the caller frees it); false when out of memory.
 */
static bool
texts_literal(const char *const *v, struct cr_buf *b)
{
    int bad = cr_buf_addc(b, '{');
    for (int i = 0; v[i]; i++) {
        bad |= cr_buf_add(b, i ? ",\"" : "\"", i ? 2 : 1);
        for (const char *s = v[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                bad |= cr_buf_addc(b, '\\');
            bad |= cr_buf_addc(b, *s);
        }
        bad |= cr_buf_addc(b, '"');
    }
    bad |= cr_buf_addc(b, '}');
    return bad >= 0 && b->p;
}

enum cr_status
pg_sitting_vote_events(cr_db *db, int64_t case_id, const char *const *starts, int64_t **ids,
                       size_t *n)
{
    assert(db && starts);
    *ids = NULL;
    *n = 0;
    struct cr_buf starts_text = {0};
    if (!texts_literal(starts, &starts_text)) {
        cr_buf_free(&starts_text);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, case_id);
    pg_arg_text(&a, starts_text.p);
    enum cr_status st = CR_OK;
    PGresult *r = pg_query(db, "read cases",
                           "SELECT * FROM casereview.cr_sitting_vote_events($1, $2)", &a, &st);
    pg_args_free(&a);
    cr_buf_free(&starts_text);
    return r ? ids_of(db, r, ids, n) : st;
}

enum cr_status
pg_quorum_cases(cr_db *db, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    enum cr_status st = CR_OK;
    PGresult *r =
        pg_query(db, "read cases", "SELECT * FROM casereview.cr_quorum_cases()", NULL, &st);
    return r ? ids_of(db, r, ids, n) : st;
}

/* Drafts: always the session's person's own, by (case, login, action). */

enum cr_status
pg_draft_put(cr_db *db, const char *login, int64_t case_id, const struct cr_draft *d)
{
    assert(db && login && d);
    const char *text = d->text ? d->text : "";
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_text(&a, login);
    pg_arg_int(&a, case_id);
    pg_arg_text(&a, cr_action_name(d->action));
    pg_arg_text(&a, d->outcome >= 0 ? cr_outcome_name(d->outcome) : NULL);
    pg_arg_int(&a, d->vetting_review ? 1 : 0);
    pg_arg_text(&a, d->vote >= 0 ? cr_vote_name(d->vote) : NULL);
    pg_arg_text(&a, d->target);
    pg_arg_bytes(&a, (const unsigned char *)text, strlen(text));
    pg_arg_int(&a, d->case_version);
    enum cr_status st = pg_exec(
        db, "save draft", "SELECT casereview.cr_draft_put($1, $2, $3, $4, $5, $6, $7, $8, $9)", &a);
    pg_args_free(&a);
    return st;
}

enum cr_status
pg_draft_get(cr_db *db, const char *login, int64_t case_id, int action, struct cr_draft *out)
{
    assert(db && login && out);
    memset(out, 0, sizeof *out);
    out->action = action;
    out->outcome = out->vote = -1;
    out->text = "";
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_text(&a, login);
    pg_arg_int(&a, case_id);
    pg_arg_text(&a, cr_action_name(action));
    enum cr_status st = CR_OK;
    PGresult *r =
        pg_query(db, "read draft", "SELECT * FROM casereview.cr_draft_get($1, $2, $3)", &a, &st);
    pg_args_free(&a);
    if (!r)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return cr_fail(db, CR_NOT_FOUND, "you (%s) have no saved draft of %s on case %lld", login,
                       cr_action_name(action), (long long)case_id);
    }
    const char *target = pg_text(r, 0, 3);
    size_t target_len = target ? strlen(target) + 1 : 0;
    size_t text_len = bytea_len(r, 0, 4);
    /* One allocation holds the text and the target. */
    char *mem = malloc(text_len + 1 + target_len);
    if (!mem) {
        PQclear(r);
        return cr_fail(db, CR_NOMEM, "out of memory");
    }
    if (pg_bytes(r, 0, 4, (unsigned char *)mem, text_len) != text_len) {
        free(mem);
        PQclear(r);
        return cr_fail(db, CR_DB, "read draft: the server sent a text that is not bytes");
    }
    mem[text_len] = '\0';
    if (target)
        memcpy(mem + text_len + 1, target, target_len);
    out->priv = mem;
    out->text = mem;
    out->target = target ? mem + text_len + 1 : NULL;
    out->outcome = cr_outcome_parse(pg_text(r, 0, 0));
    out->vetting_review = (int)pg_int(r, 0, 1);
    out->vote = cr_vote_parse(pg_text(r, 0, 2));
    out->case_version = pg_int(r, 0, 5);
    out->saved_at = pg_int(r, 0, 6);
    PQclear(r);
    return CR_OK;
}

enum cr_status
pg_draft_delete(cr_db *db, const char *login, int64_t case_id, int action)
{
    assert(db && login);
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_text(&a, login);
    pg_arg_int(&a, case_id);
    pg_arg_text(&a, cr_action_name(action));
    enum cr_status st =
        pg_exec(db, "delete draft", "SELECT casereview.cr_draft_delete($1, $2, $3)", &a);
    pg_args_free(&a);
    return st;
}
