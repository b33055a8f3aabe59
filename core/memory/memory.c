/*
 * The in-memory engine's table of methods (store.h): the one symbol the
 * engine exports.  Built instead of core/sqlite/ with meson's
 * -Dengine=memory, and always linked into the workflow's unit test run
 * against it ('workflow memory').
 */
#include "engine.h"

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
    .import_update = mem_import_update,
    .stats = mem_stats,
    .report = mem_report,
    .dashboard = mem_dashboard,
    .audit_append = mem_audit_append,
    .audit_head = mem_audit_head,
    .audit_last = mem_audit_last,
    .audit_last_digest = mem_audit_last_digest,
    .audit_scan = mem_audit_scan,
    .audit_verify = mem_audit_verify,
    .draft_put = mem_draft_put,
    .draft_get = mem_draft_get,
    .draft_delete = mem_draft_delete,
    .config_get = mem_config_get,
    .config_put = mem_config_put,
    .config_in_force = mem_config_in_force,
};
