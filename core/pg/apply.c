/*
 * Changes to a case on PostgreSQL (store.h: apply, set_quorum_blocked,
 * rules_put): each one call of a server function (sql/025-apply.sql) that
 * checks the change against the workflow's rules, as published when a
 * configuration is pinned, and writes what the SQLite engine writes
 * (core/sqlite/case.c, sq_apply), by the session's own login at the
 * server's time.
 */
#include "pg.h"

#include <stdlib.h>

static const char apply_sql[] =
    "SELECT casereview.cr_apply($1::bigint, $2::bigint, $3::integer, $4, $5::integer, "
    "$6::boolean, $7, $8::boolean, $9, $10::integer, $11, $12::boolean, $13::boolean, $14, $15, "
    "$16, $17, $18, $19, $20::integer, $21::boolean, $22::boolean, $23::integer, $24::boolean, "
    "$25::bigint, $26::boolean, $27::boolean, $28::bigint, $29, $30::boolean, $31, $32::boolean)";

/* An integer, or SQL NULL when it is negative (the change's "leave it"). */
static void
arg_or_null(struct pg_args *a, int64_t v)
{
    if (v < 0)
        pg_arg_text(a, NULL);
    else
        pg_arg_int(a, v);
}

enum cr_status
pg_apply(cr_db *db, const struct cr_case_state *cs, const struct cr_change *ch, const char *actor)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, cs->id);
    pg_arg_int(&a, cs->version);
    pg_arg_int(&a, ch->action);
    pg_arg_text(&a, actor);
    pg_arg_int(&a, ch->state >= 0 ? ch->state : -1);
    pg_arg_int(&a, ch->set_assignee);
    pg_arg_text(&a, ch->set_assignee ? ch->assignee : NULL);
    pg_arg_int(&a, ch->decide);
    pg_arg_text(&a, ch->decide ? cr_outcome_name(ch->outcome) : NULL);
    pg_arg_int(&a, ch->decide ? ch->vetting_review : 0);
    pg_arg_text(&a, ch->decide ? ch->rationale : NULL);
    pg_arg_int(&a, ch->approve);
    pg_arg_int(&a, ch->vote);
    pg_arg_text(&a, ch->vote ? cr_vote_name(ch->vote_value) : NULL);
    pg_arg_text(&a, ch->vote ? cr_kind_name(ch->member_kind) : NULL);
    pg_arg_text(&a, ch->vote ? ch->reason : NULL);
    pg_arg_text(&a, ch->note_body ? (ch->note_kind ? ch->note_kind : "note") : NULL);
    pg_arg_text(&a, ch->note_body);
    pg_arg_text(&a, ch->note_body ? ch->note_author : NULL);
    arg_or_null(&a, ch->quorum_blocked);
    pg_arg_int(&a, ch->supersede_votes);
    pg_arg_int(&a, ch->bump_version);
    arg_or_null(&a, ch->panel_round);
    pg_arg_int(&a, ch->set_clock);
    pg_arg_int(&a, ch->set_clock ? ch->clock_shift : 0);
    pg_arg_int(&a, ch->pause);
    pg_arg_int(&a, ch->resume);
    pg_arg_int(&a, ch->pause ? ch->paused_until : 0);
    pg_arg_text(&a, ch->pause ? ch->pause_reason : NULL);
    pg_arg_int(&a, ch->set_approver);
    pg_arg_text(&a, ch->set_approver ? ch->approver : NULL);
    /* A vote whose result blind voting keeps from the member: the server's to work out. */
    pg_arg_int(&a, ch->vote && cs->votes_withheld);
    enum cr_status st = pg_exec(db, "update case", apply_sql, &a);
    pg_args_free(&a);
    return st;
}

enum cr_status
pg_set_quorum_blocked(cr_db *db, int64_t case_id, int blocked)
{
    struct pg_args a;
    pg_args_init(&a);
    pg_arg_int(&a, case_id);
    pg_arg_int(&a, blocked ? 1 : 0);
    enum cr_status st =
        pg_exec(db, "set quorum flag",
                "SELECT casereview.cr_set_quorum_blocked($1::bigint, $2::integer)", &a);
    pg_args_free(&a);
    return st;
}

enum cr_status
pg_rules_put(cr_db *db, const struct cr_rule_row *rows, size_t n)
{
    int64_t *v = malloc((n ? n : 1) * 5 * sizeof *v);
    if (!v)
        return cr_fail(db, CR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        v[i] = rows[i].action;
        v[n + i] = rows[i].from_states;
        v[2 * n + i] = rows[i].roles;
        v[3 * n + i] = rows[i].to_state;
        v[4 * n + i] = rows[i].barred_by;
    }
    struct pg_args a;
    pg_args_init(&a);
    for (int k = 0; k < 5; k++)
        pg_arg_ints(&a, v + (size_t)k * n, n);
    free(v);
    enum cr_status st = pg_exec(db, "publish the rules",
                                "SELECT casereview.cr_rules_put($1::integer[], $2::integer[], "
                                "$3::integer[], $4::integer[], $5::integer[])",
                                &a);
    pg_args_free(&a);
    return st;
}
