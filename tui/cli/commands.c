/*
 * The command table: each command's name, operands, summary, options and
 * run function.  The commands are in cases.c, show.c, actions.c, report.c,
 * audit.c, config.c and demo.c; each parses its own values, calls core/,
 * and hands core's result to the emitter (emit.h) or prints core's message;
 * no rule is decided here.
 */
#include "commands.h"

/* migrate.c */
CLI_COMMAND(migrate)

const struct cli_command cli_commands[] = {
    {"demo", "", "make a demo (fictional cases and people) and start the interface in it", 0, 0,
     demo_options, cmd_demo},
    {"init", "", "create an empty database, owner-only", 0, 0, init_options, cmd_init},
    {"import", "FILE.csv|-", "import flagged allegations (admin; see README, 'Import format')", 1,
     1, import_options, cmd_import},
    {"generate", "", "write synthetic subjects' allegations as import CSV to stdout", 0, 0,
     generate_options, cmd_generate},
    {"list", "", "list cases, riskiest first", 0, 0, list_options, cmd_list},
    {"show", "CASE", "show a case: subject, allegations, decision, votes, notes (audited)", 1, 1,
     show_options, cmd_show},
    {"claim", "CASE | --next",
     "take a flagged case for review; --next: the riskiest one the rules let you take "
     "(reviewer)",
     0, 1, claim_options, cmd_claim},
    {"release", "CASE", "give a case back to the queue (its reviewer or a supervisor)", 1, 1,
     plain_action_options, cmd_release},
    {"assign", "CASE LOGIN | --from LOGIN --to LOGIN",
     "assign a case to a reviewer; with --from and --to, all of one reviewer's cases "
     "(supervisor)",
     0, 2, assign_options, cmd_assign},
    {"decide", "CASE", "record an outcome and its rationale (the assigned reviewer)", 1, 1,
     decide_options, cmd_decide},
    {"approve", "CASE", "approve a decision (a supervisor who did not make it)", 1, 1,
     plain_action_options, cmd_approve},
    {"return", "CASE", "return a decision to its reviewer with a reason (supervisor)", 1, 1,
     return_options, cmd_return},
    {"vote", "CASE", "the panel's vote on an approved decision (panel member)", 1, 1, vote_options,
     cmd_vote},
    {"note", "CASE TEXT", "add a note to an open case", 2, 2, plain_action_options, cmd_note},
    {"reconvene", "CASE", "a new panel sitting on a case that cannot reach quorum (admin)", 1, 1,
     reconvene_options, cmd_reconvene},
    {"recall", "CASE", "a case that cannot reach quorum back to its reviewer (supervisor, admin)",
     1, 1, recall_options, cmd_recall},
    {"pause", "CASE", "stop a case's SLA clock until a date, with a reason (supervisor, admin)", 1,
     1, pause_options, cmd_pause},
    {"resume", "CASE", "restart a paused case's SLA clock now (supervisor, admin)", 1, 1,
     resume_options, cmd_resume},
    {"route", "CASE --to LOGIN",
     "route a decision awaiting approval to a named supervisor (supervisor, not its decider)", 1, 1,
     route_options, cmd_route},
    {"imports", "", "the last imports: when, by whom, which file, what each brought (admin)", 0, 0,
     imports_options, cmd_imports},
    {"history", "CASE", "the audit trail of a case (audited)", 1, 1, history_options, cmd_history},
    {"stats", "", "counts by state, outcome and category", 0, 0, stats_options, cmd_stats},
    {"workload", "", "open cases per reviewer, by state and by days in it (supervisor, admin)", 0,
     0, workload_options, cmd_workload},
    {"report", "",
     "the published figures: confirmed outcomes and the rest, as a disclosure (admin)", 0, 0,
     report_options, cmd_report},
    {"export", "", "export cases and outcomes, recording the disclosure (admin)", 0, 0,
     export_options, cmd_export},
    {"audit", "verify|head|log",
     "check the trail and the data against it; print its head; read it (admin)", 1, 1,
     audit_options, cmd_audit},
    {"check-config", "[FILE]", "check a configuration file and print ok or its problems", 0, 1,
     check_config_options, cmd_check_config},
    {"config", "show|adopt FILE",
     "print the configuration pinned in the database; adopt a new one (admin)", 1, 2,
     config_options, cmd_config},
    {"link", "CASE REF --kind K --reason R",
     "link a reference in another system (crime, misconduct, iopc, other) to a case, or change "
     "its status (its reviewer, supervisor, admin)",
     2, 2, link_options, cmd_link},
    {"unlink", "CASE REF --reason R",
     "remove a linked reference from a case (its reviewer, supervisor, admin)", 2, 2,
     unlink_options, cmd_unlink},
    {"follow-up", "CASE",
     "record what happened after an approved decision: --stage, --result, --date (supervisor, "
     "admin)",
     1, 1, followup_options, cmd_followup},
    {"reopen", "CASE --reason R",
     "a closed case back to flagged for a new round, history kept (supervisor, admin; not its "
     "decider or approver)",
     1, 1, reopen_options, cmd_reopen},
    {"pack", "CASE... | --state S",
     "the panel's bundle: a document and JSON per case and a MANIFEST of SHA-256 sums, as one "
     "disclosure (admin)",
     0, CLI_MAX_OPERANDS, pack_options, cmd_pack},
    {"purge", "",
     "erase the personal content of closed cases past retention, keeping a tombstone (admin)", 0, 0,
     purge_options, cmd_purge},
    {"correct", "ALLEGATION",
     "correct a wrongly keyed allegation field, old and new values audited (admin)", 1, 1,
     correct_options, cmd_correct},
    {"qa", "list | show CASE | CASE --agree|--disagree --reason TEXT",
     "quality review of sampled decisions, blind (a reviewer or supervisor who did not decide, "
     "approve or see it)",
     1, 2, qa_options, cmd_qa},
    {"migrate", "--from DB --to DB",
     "copy a database to a new one, SQLite or PostgreSQL either way, chain re-sealed and verified "
     "(admin)",
     0, 0, migrate_options, cmd_migrate},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};

const struct emit_template *const cli_templates[] = {
    cases_templates,     show_templates,
    actions_templates,   report_templates,
    audit_templates,     config_templates,
    supervise_templates, sla_templates,
    route_templates,     imports_templates,
    link_templates,      followup_templates,
    erase_templates,     NULL,
};
