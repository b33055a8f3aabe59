/*
 * The PostgreSQL engine as the rest of core/ sees it: its one exported
 * symbol, the table of store.h, naming the methods of the sections (db.c,
 * ...).  db.c opens a database named by a connection string with it.
 */
#include "pg.h"

#include <stddef.h>

const struct cr_store cr_store_pg = {
    .version = CR_STORE_VERSION,
    .name = "postgresql",
    .app_data = NULL,
    .open = pg_open,
    .close = pg_close,
    .discard = pg_discard,
    .created = pg_created,
    .schema_version = pg_schema_version,
    .read_only = pg_read_only,
    .data_version = pg_data_version,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .writable = pg_writable,
    /* .find_case: not yet */
    /* .case_load: not yet */
    /* .case_state: not yet */
    .apply = pg_apply,
    /* .history: not yet */
    /* .sitting_vote_events: not yet */
    /* .quorum_cases: not yet */
    .set_quorum_blocked = pg_set_quorum_blocked,
    /* .page: not yet */
    /* .list_mine: not yet */
    /* .export_scan: not yet */
    /* .import_begin: not yet */
    /* .import_row: not yet */
    /* .import_end: not yet */
    .snapshot_begin = pg_snapshot_begin,
    .snapshot_end = pg_snapshot_end,
    /* .case_counts: not yet */
    /* .outcome_counts: not yet */
    /* .record_counts: not yet */
    /* .case_facts: not yet */
    /* .cases_waiting: not yet */
    /* .first_decisions: not yet */
    /* .reviewer_outcomes: not yet */
    /* .panel_rounds: not yet */
    /* .audit_append: not yet */
    /* .audit_head: not yet */
    /* .audit_last: not yet */
    /* .audit_last_digest: not yet */
    /* .audit_scan: not yet */
    /* .audit_key: not yet */
    /* .audit_chain: not yet */
    /* .config_texts: not yet */
    /* .case_rows: not yet */
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    /* .draft_put: not yet */
    /* .draft_get: not yet */
    /* .draft_delete: not yet */
    /* .config_get: not yet */
    /* .config_put: not yet */
    /* .config_in_force: not yet */
    /* .assigned_cases: not yet */
    /* .count: not yet */
    /* .count_mine: not yet */
    /* .timeline: not yet */
    /* .link_import: not yet */
    /* .link_put: not yet */
    /* .link_remove: not yet */
    /* .followup_add: not yet */
    /* .followup_scan: not yet */
    /* .closed_cases: not yet */
    /* .audit_redact: not yet */
    /* .erase_case: not yet */
    /* .erase_finish: not yet */
    /* .find_allegation: not yet */
    /* .allegation_set: not yet */
    /* .qa_put: not yet */
    /* .qa_rows: not yet */
    /* .approved_decisions: not yet */
    .rules_put = pg_rules_put,
};

const char *
pg_missing(void)
{
    const struct {
        const char *name;
        bool missing;
    } ops[] = {
        {"open", !cr_store_pg.open},
        {"close", !cr_store_pg.close},
        {"discard", !cr_store_pg.discard},
        {"created", !cr_store_pg.created},
        {"schema_version", !cr_store_pg.schema_version},
        {"read_only", !cr_store_pg.read_only},
        {"data_version", !cr_store_pg.data_version},
        {"begin", !cr_store_pg.begin},
        {"commit", !cr_store_pg.commit},
        {"rollback", !cr_store_pg.rollback},
        {"writable", !cr_store_pg.writable},
        {"find_case", !cr_store_pg.find_case},
        {"case_load", !cr_store_pg.case_load},
        {"case_state", !cr_store_pg.case_state},
        {"apply", !cr_store_pg.apply},
        {"history", !cr_store_pg.history},
        {"sitting_vote_events", !cr_store_pg.sitting_vote_events},
        {"quorum_cases", !cr_store_pg.quorum_cases},
        {"set_quorum_blocked", !cr_store_pg.set_quorum_blocked},
        {"page", !cr_store_pg.page},
        {"list_mine", !cr_store_pg.list_mine},
        {"export_scan", !cr_store_pg.export_scan},
        {"import_begin", !cr_store_pg.import_begin},
        {"import_row", !cr_store_pg.import_row},
        {"import_end", !cr_store_pg.import_end},
        {"snapshot_begin", !cr_store_pg.snapshot_begin},
        {"snapshot_end", !cr_store_pg.snapshot_end},
        {"case_counts", !cr_store_pg.case_counts},
        {"outcome_counts", !cr_store_pg.outcome_counts},
        {"record_counts", !cr_store_pg.record_counts},
        {"case_facts", !cr_store_pg.case_facts},
        {"cases_waiting", !cr_store_pg.cases_waiting},
        {"first_decisions", !cr_store_pg.first_decisions},
        {"reviewer_outcomes", !cr_store_pg.reviewer_outcomes},
        {"panel_rounds", !cr_store_pg.panel_rounds},
        {"audit_append", !cr_store_pg.audit_append},
        {"audit_head", !cr_store_pg.audit_head},
        {"audit_last", !cr_store_pg.audit_last},
        {"audit_last_digest", !cr_store_pg.audit_last_digest},
        {"audit_scan", !cr_store_pg.audit_scan},
        {"audit_key", !cr_store_pg.audit_key},
        {"audit_chain", !cr_store_pg.audit_chain},
        {"config_texts", !cr_store_pg.config_texts},
        {"case_rows", !cr_store_pg.case_rows},
        {"read_begin", !cr_store_pg.read_begin},
        {"read_end", !cr_store_pg.read_end},
        {"draft_put", !cr_store_pg.draft_put},
        {"draft_get", !cr_store_pg.draft_get},
        {"draft_delete", !cr_store_pg.draft_delete},
        {"config_get", !cr_store_pg.config_get},
        {"config_put", !cr_store_pg.config_put},
        {"config_in_force", !cr_store_pg.config_in_force},
        {"assigned_cases", !cr_store_pg.assigned_cases},
        {"count", !cr_store_pg.count},
        {"count_mine", !cr_store_pg.count_mine},
        {"timeline", !cr_store_pg.timeline},
        {"link_import", !cr_store_pg.link_import},
        {"link_put", !cr_store_pg.link_put},
        {"link_remove", !cr_store_pg.link_remove},
        {"followup_add", !cr_store_pg.followup_add},
        {"followup_scan", !cr_store_pg.followup_scan},
        {"closed_cases", !cr_store_pg.closed_cases},
        {"audit_redact", !cr_store_pg.audit_redact},
        {"erase_case", !cr_store_pg.erase_case},
        {"erase_finish", !cr_store_pg.erase_finish},
        {"find_allegation", !cr_store_pg.find_allegation},
        {"allegation_set", !cr_store_pg.allegation_set},
        {"qa_put", !cr_store_pg.qa_put},
        {"qa_rows", !cr_store_pg.qa_rows},
        {"approved_decisions", !cr_store_pg.approved_decisions},
        {"rules_put", !cr_store_pg.rules_put},
    };
    for (size_t i = 0; i < CR_ARRAY_LEN(ops); i++)
        if (ops[i].missing)
            return ops[i].name;
    return NULL;
}
