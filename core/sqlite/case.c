/*
 * One case: the case a key names, a case loaded for a view with its votes,
 * notes and history, the workflow's view of a case and the writes of an
 * action (sq_apply), and drafts.
 */
#include "sqlite.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* One case */

enum cr_status
sq_find_case(cr_db *db, int64_t n, const char *ref, int64_t *id, int64_t *id_of_ref)
{
    enum cr_status st = CR_OK;
    *id = *id_of_ref = 0;
    if (n > 0) {
        sqlite3_stmt *s = sql_prepare(db, "SELECT id FROM cases WHERE id = ?1", &st);
        if (!s)
            return st;
        sqlite3_bind_int64(s, 1, n);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            *id = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return cr_fail_sql(db, rc, "find the case");
    }
    if (ref && *ref) {
        sqlite3_stmt *s = sql_prepare(db,
                                      "SELECT c.id FROM cases c JOIN subjects s ON s.id = "
                                      "c.subject_id WHERE s.ref = ?1 ORDER BY c.id DESC LIMIT 1",
                                      &st);
        if (!s)
            return st;
        sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            *id_of_ref = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return cr_fail_sql(db, rc, "find the case");
    }
    return CR_OK;
}

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

/* Read a case row's columns (CASE_ROW_COLUMNS) into r, strings kept in l. */
static void
read_case_row_kept(sqlite3_stmt *s, struct cr_case_row *r, struct cr_strings *l)
{
    read_case_numbers(s, r);
    const char **dst[CASE_ROW_STRINGS] = {&r->subject_ref, &r->surname, &r->forenames,
                                          &r->rank,        &r->unit,    &r->assignee,
                                          &r->decided_by,  &r->approver};
    for (int i = 0; i < CASE_ROW_STRINGS; i++)
        *dst[i] = keep_text(l, sqlite3_column_text(s, 10 + i));
}

/* Load a case's row, subject, allegations and current decision. */
static enum cr_status
load_case(cr_db *db, int64_t id, struct cr_case *out)
{
    memset(out, 0, sizeof *out);
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = l;
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db,
                                  "SELECT " CASE_ROW_COLUMNS ", c.previous_case_id, s.employment, "
                                  "s.vetting_status, c.rationale, c.version, c.round, "
                                  "a.supervisor, a.approved_at, c.paused_by, c.pause_reason, "
                                  "c.paused_at "
                                  "FROM cases c JOIN subjects s ON s.id = c.subject_id "
                                  "LEFT JOIN approvals a ON a.case_id = c.id AND a.round = c.round "
                                  "WHERE c.id = ?1",
                                  &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int c = CASE_ROW_NCOLS;
        read_case_row_kept(s, &out->row, l);
        out->previous_case = sqlite3_column_int64(s, c);
        out->employment = cr_employment_parse((const char *)sqlite3_column_text(s, c + 1));
        out->vetting = cr_vetting_parse((const char *)sqlite3_column_text(s, c + 2));
        out->rationale = keep_text(l, sqlite3_column_text(s, c + 3));
        out->version = sqlite3_column_int64(s, c + 4);
        out->round = sqlite3_column_int(s, c + 5);
        out->approved_by = keep_text(l, sqlite3_column_text(s, c + 6));
        out->approved_at = sqlite3_column_int64(s, c + 7);
        out->paused_by = keep_text(l, sqlite3_column_text(s, c + 8));
        out->pause_reason = keep_text(l, sqlite3_column_text(s, c + 9));
        out->paused_at = sqlite3_column_int64(s, c + 10);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? cr_fail(db, CR_NOT_FOUND, "no case %lld", (long long)id)
                                 : cr_fail_sql(db, rc, "show");

    s = sql_prepare(db,
                    "SELECT ref, category, date, source, original_outcome, summary "
                    "FROM allegations WHERE case_id = ?1 ORDER BY date, id",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_allegation *a = grow((void **)&out->allegations, &out->n_allegations, sizeof *a);
        if (!a) {
            l->nomem = true;
            break;
        }
        a->ref = keep_text(l, sqlite3_column_text(s, 0));
        a->category = cr_category_parse((const char *)sqlite3_column_text(s, 1));
        a->date = keep_text(l, sqlite3_column_text(s, 2));
        a->source = cr_source_parse((const char *)sqlite3_column_text(s, 3));
        a->original_outcome = keep_text(l, sqlite3_column_text(s, 4));
        a->summary = keep_text(l, sqlite3_column_text(s, 5));
    }
    sqlite3_reset(s);
    if (l->nomem)
        return cr_fail(db, CR_NOMEM, "out of memory");
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "show");
}

/* The workflow's view of a case */

enum cr_status
sq_case_state(cr_db *db, int64_t id, struct cr_case_state *cs)
{
    memset(cs, 0, sizeof *cs);
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    cs->priv = l;
    enum cr_status st = CR_OK;
    sqlite3_stmt *s =
        sql_prepare(db,
                    "SELECT c.id, c.version, c.updated_at, c.state, c.outcome, c.round, "
                    "c.vetting_review, c.assignee, c.decided_by, c.updated_by, "
                    "a.supervisor, s.unit, s.ref, c.quorum_blocked, c.panel_round, "
                    "c.state_since, c.clock_shift, coalesce(c.paused_until, 0), c.approver, "
                    "(SELECT event FROM erasures WHERE case_id = c.id) "
                    "FROM cases c JOIN subjects s ON s.id = c.subject_id "
                    "LEFT JOIN approvals a ON a.case_id = c.id AND a.round = c.round "
                    "WHERE c.id = ?1",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        cs->id = sqlite3_column_int64(s, 0);
        cs->version = sqlite3_column_int64(s, 1);
        cs->updated_at = sqlite3_column_int64(s, 2);
        cs->state = cr_state_parse((const char *)sqlite3_column_text(s, 3));
        cs->outcome = cr_outcome_parse((const char *)sqlite3_column_text(s, 4));
        cs->round = sqlite3_column_int(s, 5);
        cs->vetting_review = sqlite3_column_int(s, 6);
        cs->assignee = keep_text(l, sqlite3_column_text(s, 7));
        cs->decided_by = keep_text(l, sqlite3_column_text(s, 8));
        cs->updated_by = keep_text(l, sqlite3_column_text(s, 9));
        cs->approved_by = keep_text(l, sqlite3_column_text(s, 10));
        cs->subject_unit = keep_text(l, sqlite3_column_text(s, 11));
        cs->subject_ref = keep_text(l, sqlite3_column_text(s, 12));
        cs->quorum_blocked = sqlite3_column_int(s, 13);
        cs->panel_round = sqlite3_column_int(s, 14);
        cs->state_since = sqlite3_column_int64(s, 15);
        cs->clock_shift = sqlite3_column_int64(s, 16);
        cs->paused_until = sqlite3_column_int64(s, 17);
        cs->approver = keep_text(l, sqlite3_column_text(s, 18));
        cs->erased = sqlite3_column_int64(s, 19);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? cr_fail(db, CR_NOT_FOUND, "no case %lld", (long long)id)
                                 : cr_fail_sql(db, rc, "read case");
    s = sql_prepare(db,
                    "SELECT member, member_kind, vote, reason, created_at FROM votes "
                    "WHERE case_id = ?1 AND round = ?2 ORDER BY id",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, cs->round);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_vote_row *v = grow((void **)&cs->votes, &cs->n_votes, sizeof *v);
        if (!v) {
            l->nomem = true;
            break;
        }
        v->member = keep_text(l, sqlite3_column_text(s, 0));
        v->kind = cr_kind_parse((const char *)sqlite3_column_text(s, 1));
        v->vote = cr_vote_parse((const char *)sqlite3_column_text(s, 2));
        v->reason = keep_text(l, sqlite3_column_text(s, 3));
        v->at = sqlite3_column_int64(s, 4);
    }
    sqlite3_reset(s);
    if (l->nomem)
        return cr_fail(db, CR_NOMEM, "out of memory");
    if (rc != SQLITE_DONE)
        return cr_fail_sql(db, rc, "read votes");
    /*
     * Who did what in every round, for separation of duties across rounds:
     * one query, each part a lookup on an index that starts with the case
     * (decisions, approvals and votes are UNIQUE on (case_id, round, ...);
     * a vote set aside by a reconvene still counts as having voted; a return,
     * or a recall, which is a return, is read from its audit event, which
     * names its round).
     */
    s = sql_prepare(db,
                    "SELECT reviewer, 'decide', NULL, round FROM decisions WHERE case_id = ?1 "
                    "UNION ALL SELECT supervisor, 'approve', NULL, round FROM approvals "
                    "WHERE case_id = ?1 "
                    "UNION ALL SELECT member, 'vote', vote, round FROM votes WHERE case_id = ?1 "
                    "UNION ALL SELECT member, 'vote', vote, round FROM superseded_votes "
                    "WHERE case_id = ?1 "
                    "UNION ALL SELECT actor, 'return', NULL, "
                    "coalesce(json_extract(details, '$.round'), 0) FROM audit_events "
                    "WHERE case_id = ?1 AND action IN ('return', 'recall') "
                    "ORDER BY 4",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_case_act *a = grow((void **)&cs->acts, &cs->n_acts, sizeof *a);
        if (!a) {
            l->nomem = true;
            break;
        }
        a->login = keep_text(l, sqlite3_column_text(s, 0));
        a->action = cr_action_parse((const char *)sqlite3_column_text(s, 1));
        a->vote = sqlite3_column_type(s, 2) == SQLITE_NULL
                      ? -1
                      : cr_vote_parse((const char *)sqlite3_column_text(s, 2));
        a->round = sqlite3_column_int(s, 3);
    }
    sqlite3_reset(s);
    if (l->nomem)
        return cr_fail(db, CR_NOMEM, "out of memory");
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "read who acted on the case");
}

enum cr_status
sq_apply(cr_db *db, const struct cr_case_state *cs, const struct cr_change *ch, const char *actor)
{
    assert(db && cs && ch && actor);
    enum cr_status st = CR_OK;
    int64_t now = cr_db_tx_now(db);
    sqlite3_stmt *s;
    int round = cs->round + (ch->decide ? 1 : 0);

    if (ch->decide) {
        s = sql_prepare(db,
                        "INSERT INTO decisions(case_id, round, reviewer, outcome, vetting_review, "
                        "rationale, decided_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        &st);
        if (!s)
            return st;
        sqlite3_bind_int64(s, 1, cs->id);
        sqlite3_bind_int(s, 2, round);
        sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, cr_outcome_name(ch->outcome), -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 5, ch->vetting_review);
        sqlite3_bind_text(s, 6, ch->rationale, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 7, now);
        if ((st = step_done(db, s, "record decision")) != CR_OK)
            return st;
    }
    if (ch->approve) {
        s = sql_prepare(db,
                        "INSERT INTO approvals(case_id, round, supervisor, approved_at) "
                        "VALUES (?1, ?2, ?3, ?4)",
                        &st);
        if (!s)
            return st;
        sqlite3_bind_int64(s, 1, cs->id);
        sqlite3_bind_int(s, 2, round);
        sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, now);
        if ((st = step_done(db, s, "record approval")) != CR_OK)
            return st;
    }
    if (ch->vote) {
        s = sql_prepare(db,
                        "INSERT INTO votes(case_id, round, member, member_kind, vote, reason, "
                        "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        &st);
        if (!s)
            return st;
        sqlite3_bind_int64(s, 1, cs->id);
        sqlite3_bind_int(s, 2, round);
        sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, cr_kind_name(ch->member_kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, cr_vote_name(ch->vote_value), -1, SQLITE_STATIC);
        if (ch->reason)
            sqlite3_bind_text(s, 6, ch->reason, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, 6);
        sqlite3_bind_int64(s, 7, now);
        if ((st = step_done(db, s, "record vote")) != CR_OK)
            return st;
    }
    if (ch->supersede_votes) {
        /* Kept, with who set them aside and when, but no longer counted. */
        s = sql_prepare(
            db,
            "INSERT INTO superseded_votes(vote_id, case_id, round, member, member_kind, "
            "vote, reason, created_at, superseded_at, superseded_by) "
            "SELECT id, case_id, round, member, member_kind, vote, reason, created_at, "
            "?3, ?4 FROM votes WHERE case_id = ?1 AND round = ?2 ORDER BY id",
            &st);
        if (!s)
            return st;
        sqlite3_bind_int64(s, 1, cs->id);
        sqlite3_bind_int(s, 2, round);
        sqlite3_bind_int64(s, 3, now);
        sqlite3_bind_text(s, 4, actor, -1, SQLITE_STATIC);
        if ((st = step_done(db, s, "set votes aside")) != CR_OK)
            return st;
        s = sql_prepare(db, "DELETE FROM votes WHERE case_id = ?1 AND round = ?2", &st);
        if (!s)
            return st;
        sqlite3_bind_int64(s, 1, cs->id);
        sqlite3_bind_int(s, 2, round);
        if ((st = step_done(db, s, "set votes aside")) != CR_OK)
            return st;
    }
    if (ch->note_body) {
        s = sql_prepare(db,
                        "INSERT INTO notes(case_id, author, created_at, kind, body) "
                        "VALUES (?1, ?2, ?3, ?4, ?5)",
                        &st);
        if (!s)
            return st;
        sqlite3_bind_int64(s, 1, cs->id);
        sqlite3_bind_text(s, 2, ch->note_author ? ch->note_author : actor, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, now);
        sqlite3_bind_text(s, 4, ch->note_kind ? ch->note_kind : "note", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, ch->note_body, -1, SQLITE_STATIC);
        if ((st = step_done(db, s, "record note")) != CR_OK)
            return st;
    }
    if (!ch->bump_version)
        return CR_OK;
    s = sql_prepare(db,
                    "UPDATE cases SET version = version + 1, updated_by = ?2, updated_at = ?3, "
                    "state = coalesce(?4, state), "
                    "state_since = CASE WHEN ?4 IS NOT NULL AND ?4 <> state THEN ?3 "
                    "  ELSE state_since END, "
                    "assignee = CASE WHEN ?5 THEN ?6 ELSE assignee END, "
                    "round = ?7, "
                    "outcome = CASE WHEN ?8 THEN ?9 ELSE outcome END, "
                    "vetting_review = CASE WHEN ?8 THEN ?10 ELSE vetting_review END, "
                    "rationale = CASE WHEN ?8 THEN ?11 ELSE rationale END, "
                    "decided_by = CASE WHEN ?8 THEN ?2 ELSE decided_by END, "
                    "decided_at = CASE WHEN ?8 THEN ?3 ELSE decided_at END, "
                    "quorum_blocked = coalesce(?12, quorum_blocked), "
                    "panel_round = coalesce(?13, panel_round), "
                    "clock_shift = coalesce(?14, clock_shift), "
                    "paused_until = CASE WHEN ?15 THEN ?16 WHEN ?17 THEN NULL "
                    "  ELSE paused_until END, "
                    "paused_at = CASE WHEN ?15 THEN ?3 WHEN ?17 THEN NULL ELSE paused_at END, "
                    "paused_by = CASE WHEN ?15 THEN ?2 WHEN ?17 THEN NULL ELSE paused_by END, "
                    "pause_reason = CASE WHEN ?15 THEN ?18 WHEN ?17 THEN NULL "
                    "  ELSE pause_reason END, "
                    "approver = CASE WHEN ?19 THEN ?20 ELSE approver END "
                    "WHERE id = ?1",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, cs->id);
    sqlite3_bind_text(s, 2, actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    if (ch->state >= 0)
        sqlite3_bind_text(s, 4, cr_state_name(ch->state), -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 4);
    sqlite3_bind_int(s, 5, ch->set_assignee);
    if (ch->assignee)
        sqlite3_bind_text(s, 6, ch->assignee, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 6);
    sqlite3_bind_int(s, 7, round);
    sqlite3_bind_int(s, 8, ch->decide);
    if (ch->decide) {
        sqlite3_bind_text(s, 9, cr_outcome_name(ch->outcome), -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 10, ch->vetting_review);
        sqlite3_bind_text(s, 11, ch->rationale, -1, SQLITE_STATIC);
    }
    if (ch->quorum_blocked >= 0)
        sqlite3_bind_int(s, 12, ch->quorum_blocked);
    else
        sqlite3_bind_null(s, 12);
    if (ch->panel_round >= 0)
        sqlite3_bind_int(s, 13, ch->panel_round);
    else
        sqlite3_bind_null(s, 13);
    if (ch->set_clock)
        sqlite3_bind_int64(s, 14, ch->clock_shift);
    else
        sqlite3_bind_null(s, 14);
    sqlite3_bind_int(s, 15, ch->pause);
    sqlite3_bind_int64(s, 16, ch->paused_until);
    sqlite3_bind_int(s, 17, ch->resume);
    if (ch->pause_reason)
        sqlite3_bind_text(s, 18, ch->pause_reason, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 18);
    sqlite3_bind_int(s, 19, ch->set_approver);
    if (ch->approver)
        sqlite3_bind_text(s, 20, ch->approver, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 20);
    return step_done(db, s, "update case");
}

/*
 * Ids from a one-column query with ?1 bound to case_id (0: none bound) and
 * ?2... to texts (NULL-terminated; NULL: none).
 */
static enum cr_status
query_ids(cr_db *db, const char *sql, int64_t case_id, const char *const *texts, int64_t **ids,
          size_t *n)
{
    *ids = NULL;
    *n = 0;
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, sql, &st);
    if (!s)
        return st;
    if (case_id)
        sqlite3_bind_int64(s, 1, case_id);
    for (int i = 0; texts && texts[i]; i++)
        sqlite3_bind_text(s, 2 + i, texts[i], -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t *id = grow((void **)ids, n, sizeof *id);
        if (!id) {
            sqlite3_reset(s);
            return cr_fail(db, CR_NOMEM, "out of memory");
        }
        *id = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "read cases");
}

enum cr_status
sq_sitting_vote_events(cr_db *db, int64_t case_id, const char *const *starts, int64_t **ids,
                       size_t *n)
{
    assert(db && starts);
    *ids = NULL;
    *n = 0;
    struct cr_buf sql = {0};
    cr_buf_addf(&sql, "SELECT id FROM audit_events WHERE case_id = ?1 AND action = 'vote'");
    /* After the sitting's start: the last event of one of starts, bound from ?2 on. */
    const char *before =
        " AND id > coalesce((SELECT max(id) FROM audit_events WHERE case_id = ?1 AND action IN (";
    for (int i = 0; starts[i]; i++) {
        cr_buf_addf(&sql, "%s?%d", before, 2 + i);
        before = ", ";
    }
    if (starts[0])
        cr_buf_addf(&sql, ")), 0)");
    cr_buf_addf(&sql, " ORDER BY id");
    enum cr_status st = sql.p ? query_ids(db, sql.p, case_id, starts, ids, n)
                              : cr_fail(db, CR_NOMEM, "out of memory");
    cr_buf_free(&sql);
    return st;
}

enum cr_status
sq_quorum_cases(cr_db *db, int64_t **ids, size_t *n)
{
    return query_ids(db,
                     "SELECT id FROM cases WHERE state = 'panel_review' "
                     "UNION SELECT id FROM cases WHERE quorum_blocked = 1 ORDER BY 1",
                     0, NULL, ids, n);
}

enum cr_status
sq_set_quorum_blocked(cr_db *db, int64_t case_id, int blocked)
{
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db, "UPDATE cases SET quorum_blocked = ?2 WHERE id = ?1", &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_int(s, 2, blocked ? 1 : 0);
    return step_done(db, s, "set quorum flag");
}

/* Drafts: always the handle's user's own, by (case, login, action). */

enum cr_status
sq_draft_put(cr_db *db, const char *login, int64_t case_id, const struct cr_draft *d)
{
    assert(db && login && d);
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db,
                                  "INSERT OR REPLACE INTO drafts(case_id, login, action, outcome, "
                                  "vetting_review, vote, target, text, case_version, saved_at) "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                                  &st);
    if (!s)
        return st;
    const char *text = d->text ? d->text : "";
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_text(s, 2, login, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, cr_action_name(d->action), -1, SQLITE_STATIC);
    if (d->outcome >= 0)
        sqlite3_bind_text(s, 4, cr_outcome_name(d->outcome), -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 4);
    sqlite3_bind_int(s, 5, d->vetting_review ? 1 : 0);
    if (d->vote >= 0)
        sqlite3_bind_text(s, 6, cr_vote_name(d->vote), -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 6);
    bind_text_or_null(s, 7, d->target);
    /* A zero-length blob, not NULL, for "": the pointer is never NULL. */
    sqlite3_bind_blob64(s, 8, text, strlen(text), SQLITE_STATIC);
    sqlite3_bind_int64(s, 9, d->case_version);
    sqlite3_bind_int64(s, 10, cr_db_tx_now(db));
    return step_done(db, s, "save draft");
}

enum cr_status
sq_draft_get(cr_db *db, const char *login, int64_t case_id, int action, struct cr_draft *out)
{
    assert(db && login && out);
    memset(out, 0, sizeof *out);
    out->action = action;
    out->outcome = out->vote = -1;
    out->text = "";
    enum cr_status st = CR_OK;
    sqlite3_stmt *s =
        sql_prepare(db,
                    "SELECT outcome, vetting_review, vote, target, text, case_version, "
                    "saved_at FROM drafts WHERE case_id = ?1 AND login = ?2 AND "
                    "action = ?3",
                    &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_text(s, 2, login, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, cr_action_name(action), -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *target = (const char *)sqlite3_column_text(s, 3);
        size_t target_len = target ? strlen(target) + 1 : 0;
        const void *text = sqlite3_column_blob(s, 4);
        size_t text_len = (size_t)sqlite3_column_bytes(s, 4);
        /* One allocation holds the text and the target. */
        char *mem = malloc(text_len + 1 + target_len);
        if (!mem) {
            st = cr_fail(db, CR_NOMEM, "out of memory");
        } else {
            if (text_len)
                memcpy(mem, text, text_len);
            mem[text_len] = '\0';
            if (target)
                memcpy(mem + text_len + 1, target, target_len);
            out->priv = mem;
            out->text = mem;
            out->target = target ? mem + text_len + 1 : NULL;
            out->outcome = cr_outcome_parse((const char *)sqlite3_column_text(s, 0));
            out->vetting_review = sqlite3_column_int(s, 1);
            out->vote = cr_vote_parse((const char *)sqlite3_column_text(s, 2));
            out->case_version = sqlite3_column_int64(s, 5);
            out->saved_at = sqlite3_column_int64(s, 6);
        }
    } else if (rc == SQLITE_DONE) {
        st = cr_fail(db, CR_NOT_FOUND, "you (%s) have no saved draft of %s on case %lld", login,
                     cr_action_name(action), (long long)case_id);
    } else {
        st = cr_fail_sql(db, rc, "read draft");
    }
    sqlite3_reset(s);
    return st;
}

enum cr_status
sq_draft_delete(cr_db *db, const char *login, int64_t case_id, int action)
{
    assert(db && login);
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db,
                                  "DELETE FROM drafts WHERE case_id = ?1 AND login = ?2 AND "
                                  "action = ?3",
                                  &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_text(s, 2, login, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, cr_action_name(action), -1, SQLITE_STATIC);
    return step_done(db, s, "delete draft");
}

/* Votes and notes of a case, for a view. */
static enum cr_status
load_votes_notes(cr_db *db, struct cr_case *c, bool hide_votes)
{
    struct cr_strings *l = c->priv;
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db,
                                  "SELECT member, member_kind, vote, reason, created_at FROM votes "
                                  "WHERE case_id = ?1 AND round = ?2 ORDER BY id",
                                  &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, c->row.id);
    sqlite3_bind_int(s, 2, c->round);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (hide_votes) {
            c->votes_hidden++;
            continue;
        }
        struct cr_vote_row *v = grow((void **)&c->votes, &c->n_votes, sizeof *v);
        if (!v) {
            l->nomem = true;
            break;
        }
        v->member = keep_text(l, sqlite3_column_text(s, 0));
        v->kind = cr_kind_parse((const char *)sqlite3_column_text(s, 1));
        v->vote = cr_vote_parse((const char *)sqlite3_column_text(s, 2));
        v->reason = keep_text(l, sqlite3_column_text(s, 3));
        v->at = sqlite3_column_int64(s, 4);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return cr_fail_sql(db, rc, "read votes");
    s = sql_prepare(
        db, "SELECT author, kind, body, created_at FROM notes WHERE case_id = ?1 ORDER BY id", &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, c->row.id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_note *n = grow((void **)&c->notes, &c->n_notes, sizeof *n);
        if (!n) {
            l->nomem = true;
            break;
        }
        n->author = keep_text(l, sqlite3_column_text(s, 0));
        n->kind = keep_text(l, sqlite3_column_text(s, 1));
        n->body = keep_text(l, sqlite3_column_text(s, 2));
        n->at = sqlite3_column_int64(s, 3);
    }
    sqlite3_reset(s);
    if (l->nomem)
        return cr_fail(db, CR_NOMEM, "out of memory");
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "read notes");
}

enum cr_status
sq_case_load(cr_db *db, int64_t id, bool votes_notes, bool hide_votes, struct cr_case *out)
{
    enum cr_status st = load_case(db, id, out);
    if (st == CR_OK && votes_notes)
        st = load_votes_notes(db, out, hide_votes);
    return st;
}

enum cr_status
sq_history(cr_db *db, int64_t id, struct cr_history *out)
{
    memset(out, 0, sizeof *out);
    struct cr_strings *l = cr_strings_new();
    if (!l)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = l;
    enum cr_status st = CR_OK;
    sqlite3_stmt *s = sql_prepare(db,
                                  "SELECT " EVENT_COLUMNS " FROM audit_events WHERE case_id = ?1 "
                                  "ORDER BY id",
                                  &st);
    if (!s)
        return st;
    sqlite3_bind_int64(s, 1, id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct cr_event *e = grow((void **)&out->events, &out->n, sizeof *e);
        if (!e) {
            l->nomem = true;
            break;
        }
        read_event(s, e, l);
    }
    sqlite3_reset(s);
    if (l->nomem)
        return cr_fail(db, CR_NOMEM, "out of memory");
    return rc == SQLITE_DONE ? CR_OK : cr_fail_sql(db, rc, "history");
}

/*
 * The rules as data (store.h, rules_put): SQLite keeps none.  Its trust
 * boundary is the program (setgid, the file out of the users' reach), which
 * checks every rule before it writes (workflow.c).
 */
enum cr_status
sq_rules_put(cr_db *db, const struct cr_rule_row *rows, size_t n)
{
    (void)db;
    (void)rows;
    (void)n;
    return CR_OK;
}
