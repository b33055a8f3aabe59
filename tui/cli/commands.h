/*
 * The commands of SPEC section 7: each one's options (an X-macro in its
 * file, CLI_OPTIONS) and its run function.  The table is commands.c.
 */
#ifndef CASEREVIEW_CLI_COMMANDS_H
#define CASEREVIEW_CLI_COMMANDS_H

#include "cli.h"

#define CLI_COMMAND(name)                            \
    extern const struct cli_option name##_options[]; \
    int cmd_##name(struct cli *cli, const struct cli_args *a);

/* cases.c */
CLI_COMMAND(init)
CLI_COMMAND(import)
CLI_COMMAND(list)
CLI_COMMAND(history)
CLI_COMMAND(export)
/* show.c */
CLI_COMMAND(show)
/* actions.c: claim, release, approve and note share plain_action_options */
extern const struct cli_option plain_action_options[];
extern const struct cli_option claim_options[];
int cmd_claim(struct cli *cli, const struct cli_args *a);
int cmd_release(struct cli *cli, const struct cli_args *a);
CLI_COMMAND(assign)
int cmd_approve(struct cli *cli, const struct cli_args *a);
int cmd_note(struct cli *cli, const struct cli_args *a);
CLI_COMMAND(decide)
CLI_COMMAND(return )
CLI_COMMAND(vote)
CLI_COMMAND(reconvene)
CLI_COMMAND(recall)
/* sla.c: pause and resume; the notify command after every action */
CLI_COMMAND(pause)
CLI_COMMAND(resume)
/* route.c: a decision awaiting approval routed to a named supervisor */
CLI_COMMAND(route)
/* imports.c: the last imports (admin) */
CLI_COMMAND(imports)
/* followup.c: what happened after the decision (follow-up), and reopening a closed case */
CLI_COMMAND(followup)
CLI_COMMAND(reopen)
/* A case's follow-ups in show: the table's section "What happened next", or JSON's list. */
struct emit;
void followup_show(struct emit *e, const struct cr_followup_list *l, bool json);
/* The follow-ups' figures in report: a JSON member, and the table's section (none when none). */
void followup_report_json(struct emit *e, const struct cr_followup_counts *c);
void followup_report_table(FILE *f, const struct cr_followup_counts *c);
/* qa.c: quality assurance: the queue, the blind view, the verdict; report --qa */
CLI_COMMAND(qa)
int cli_report_qa(struct cli *cli, const char *reason, const char *recipient, int fmt,
                  const char *output, bool force);
/*
 * Start the configuration's notify command for db's last action, without
 * waiting for it (its failure goes to the audit trail); only a notice that
 * could not be handed over is said on stderr.
 */
void cli_notify(struct cli *cli, cr_db *db);
/* report.c */
CLI_COMMAND(stats)
CLI_COMMAND(report)
/* audit.c */
CLI_COMMAND(audit)
/* config.c */
CLI_COMMAND(check_config)
CLI_COMMAND(config)
/* demo.c */
CLI_COMMAND(generate)
CLI_COMMAND(demo)

/* supervise.c: the workload, and assign --from LOGIN --to LOGIN (cmd_assign's options, as given) */
CLI_COMMAND(workload)
/* The workload as `workload --format json` writes it (under key, NULL at the top): stats too. */
void cli_workload_json(struct emit *e, const char *key, const struct cr_workload *w);
struct cli_bulk_assign {
    const char *from, *to, *state, *limit, *format;
};
int cli_assign_bulk(struct cli *cli, const struct cli_bulk_assign *b);

/* pack.c: the panel's bundle */
CLI_COMMAND(pack)

/* An audit event as the audit log shows it (cases.c; audit log reads it). */
extern const struct emit_record cli_event_rec;

/* The templates of each file, and all of them (commands.c), for emit_check. */
extern const struct emit_template cases_templates[], show_templates[], actions_templates[],
    report_templates[], audit_templates[], config_templates[], sla_templates[];
extern const struct emit_template supervise_templates[];
extern const struct emit_template route_templates[];
extern const struct emit_template imports_templates[];
/* link.c: link and unlink; the subject's timeline as show prints it */
CLI_COMMAND(link)
CLI_COMMAND(unlink)
extern const struct emit_template link_templates[];
void cli_timeline_table(struct emit *e, const struct cr_timeline *t, int64_t case_id);
void cli_timeline_json(struct emit *e, const struct cr_timeline *t, int64_t case_id);
extern const struct emit_template followup_templates[];
/* erase.c: retention and correction (issue 13) */
CLI_COMMAND(purge)
CLI_COMMAND(correct)
extern const struct emit_template erase_templates[];
extern const struct emit_template *const cli_templates[];

#endif
