/*
 * The figures on the command line: `stats` (the dashboard's figures) and
 * `report` (the figures leadership publishes, written as a disclosure).
 */
#ifndef CASEREVIEW_REPORT_H
#define CASEREVIEW_REPORT_H

#include "cli.h"

extern const struct cli_option stats_options[];
extern const struct cli_option report_options[];

int cmd_stats(struct cli *cli, const struct cli_args *a);
int cmd_report(struct cli *cli, const struct cli_args *a);

#endif
