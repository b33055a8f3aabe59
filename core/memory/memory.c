/*
 * The in-memory engine's table of methods (store.h): the one symbol the
 * engine exports.  Built instead of core/sqlite/ with meson's
 * -Dengine=memory, and always linked into the workflow's unit test run
 * against it ('workflow memory').
 */
#include "engine.h"

/* Moving between engines: a database in memory has nothing to move (store.h, migrate_check). */
static enum cr_status
mem_migrate_check(cr_db *db, bool to)
{
    (void)to;
    return cr_fail(db, CR_REFUSED,
                   "migrate: the memory engine keeps its database in this process only; it "
                   "cannot take part in a migration (build casereview with the sqlite engine)");
}

const struct cr_store cr_store_engine = {
    .version = CR_STORE_VERSION,
    .name = "memory",
    .app_data = NULL,
    .open = mem_open,
    .close = mem_close,
    .discard = mem_discard,
    .created = mem_created,
    .schema_version = mem_schema_version,
    .read_only = mem_read_only,
    .data_version = mem_data_version,
    .begin = mem_begin,
    .commit = mem_commit,
    .rollback = mem_rollback,
    .writable = mem_writable,
    .find_case = mem_find_case,
    .case_load = mem_case_load,
    .case_state = mem_case_state,
    .apply = mem_apply,
    .history = mem_history,
    .sitting_vote_events = mem_sitting_vote_events,
    .quorum_cases = mem_quorum_cases,
    .set_quorum_blocked = mem_set_quorum_blocked,
    .page = mem_page,
    .list_mine = mem_list_mine,
    .export_scan = mem_export_scan,
    .import_begin = mem_import_begin,
    .import_row = mem_import_row,
    .import_end = mem_import_end,
    .snapshot_begin = mem_snapshot_begin,
    .snapshot_end = mem_snapshot_end,
    .case_counts = mem_case_counts,
    .outcome_counts = mem_outcome_counts,
    .record_counts = mem_record_counts,
    .case_facts = mem_case_facts,
    .cases_waiting = mem_cases_waiting,
    .first_decisions = mem_first_decisions,
    .reviewer_outcomes = mem_reviewer_outcomes,
    .panel_rounds = mem_panel_rounds,
    .audit_append = mem_audit_put,
    .audit_head = mem_audit_head,
    .audit_last = mem_audit_last,
    .audit_last_digest = mem_audit_last_digest,
    .audit_scan = mem_audit_scan,
    .audit_key = mem_audit_key,
    .audit_chain = mem_audit_chain,
    .config_texts = mem_config_texts,
    .case_rows = mem_case_rows,
    .read_begin = mem_read_begin,
    .read_end = mem_read_end,
    .draft_put = mem_draft_put,
    .draft_get = mem_draft_get,
    .draft_delete = mem_draft_delete,
    .config_get = mem_config_get,
    .config_put = mem_config_put,
    .config_in_force = mem_config_in_force,
    .assigned_cases = mem_assigned_cases,
    .count = mem_count,
    .count_mine = mem_count_mine,
    .timeline = mem_timeline,
    .link_import = mem_link_import,
    .link_put = mem_link_put,
    .link_remove = mem_link_remove,
    .followup_add = mem_followup_add,
    .followup_scan = mem_followup_scan,
    .closed_cases = mem_closed_cases,
    .audit_redact = mem_audit_redact,
    .erase_case = mem_erase_case,
    .erase_finish = mem_erase_finish,
    .find_allegation = mem_find_allegation,
    .allegation_set = mem_allegation_set,
    .qa_put = mem_qa_put,
    .qa_rows = mem_qa_rows,
    .approved_decisions = mem_approved_decisions,
    /* core builds and hashes every event with the key it reads (audit_key) */
    .seals = false,
    .rules_put = mem_rules_put,
    .migrate_check = mem_migrate_check,
    .change_fd = cr_store_no_change_fd,
};
