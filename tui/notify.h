/*
 * The `notify:` command (README, "Notifications"): run after an action
 * committed, with what core's notice of it says (the event's kind, the
 * case number, the recipients' logins) and nothing else, killed at its
 * timeout, never blocking or failing the action.  Shared by the command
 * line and the workstation.
 */
#ifndef CASEREVIEW_TUI_NOTIFY_H
#define CASEREVIEW_TUI_NOTIFY_H

#include "casereview/casereview.h"

#include <stddef.h>

/*
 * Run cfg's notify command, if any, for db's last action (cr_last_notice):
 * argv is the command, the kind, the case number and each recipient's
 * login.  It runs in a process group of its own with the user's own group
 * (a setgid program's service group is dropped), no open file but
 * /dev/null on 0, 1 and 2, and is killed (its whole group) after
 * cfg->notify_timeout seconds.  Returns 0 when there was nothing to run or
 * it ran and exited 0; otherwise 1 with what went wrong in why (n bytes:
 * "exited with status 3", "timed out after 5 s and was killed", "could not
 * be run: No such file or directory"), which has also been recorded in the
 * audit trail (cr_notice_failed) when it could be.
 */
int tui_notify(cr_db *db, const struct cr_config *cfg, char *why, size_t n);

#endif
