/*
 * The `notify:` command (README, "Notifications"): run after an action
 * committed, with what core's notice of it says (the event's kind, the
 * case number, the recipients' logins) and nothing else, killed at its
 * timeout, never blocking or failing the action.  Shared by the command
 * line and the workstation.
 *
 * A session with a notify command forks a runner first, before its
 * database is open (tui_notify_begin): a process of its own session, with
 * no terminal, that holds no database handle.  Each action hands its
 * notice to the runner (tui_notify) and returns at once; the runner forks
 * a watchdog per notice, which runs the command, kills its whole group at
 * the timeout, and records a failure in the audit trail through a
 * database handle of its own.  Neither waits for the program that started
 * them, so a casereview killed meanwhile still has its command killed at
 * the timeout.
 */
#ifndef CASEREVIEW_TUI_NOTIFY_H
#define CASEREVIEW_TUI_NOTIFY_H

#include "casereview/casereview.h"

#include <stdbool.h>
#include <stddef.h>

/* What the runner needs to record a failure as the session would: copied by the fork. */
struct tui_notify_setup {
    const struct cr_config *cfg; /* its notify and notify_timeout; who belongs to it */
    const struct cr_person *who; /* the person signed in, the failure's actor */
    const char *os_login;        /* the Unix login (cr_db_set_os_login) */
    const char *purpose; /* --purpose, or NULL: unused, each notice carries the purpose then */
    const char *db_path;
    unsigned open_flags; /* CR_OPEN_SERVICE while a setgid program holds its group, else 0 */
    cr_clock_fn clock;
};

/*
 * Fork the runner for s, when s->cfg has a notify command (nothing
 * otherwise).  Call it before any database is open in the process (the
 * runner must inherit no SQLite handle) and, in a setgid program, while
 * the service group is held: the runner keeps it to write the audit
 * event, and gives it up (real, effective and saved) in the command's own
 * process.  The runner ends once this process has closed its end (it
 * exits) and nothing is left to hand over; the watchdogs it started each
 * end at their command's timeout at the latest.  A runner that could not
 * be started makes each later tui_notify a failure ("could not be run").
 */
void tui_notify_begin(const struct tui_notify_setup *s);

/*
 * Hand db's last action's notice (cr_last_notice), if there is one and cfg
 * has a notify command, to the runner, which runs the command with the
 * kind, the case number and each recipient's login, without waiting for
 * it.  Returns 0 when there was nothing to run or it was handed over;
 * otherwise 1 with why (n bytes: "could not be run: ..."), which has also
 * been recorded in the audit trail (cr_notice_failed) when it could be.
 * What the command itself does (its exit status, its timeout) is
 * recorded by its watchdog and reported later (tui_notify_report).
 */
int tui_notify(cr_db *db, const struct cr_config *cfg, char *why, size_t n);

/*
 * A watchdog's report of a command that failed, if one came since the last
 * call (never waiting): true with its text in text (n bytes), "notify:
 * decide on case 12 failed: exited with status 3", to show; the failure
 * is in the audit trail already (or the text says it could not be
 * recorded).
 */
bool tui_notify_report(char *text, size_t n);

#endif
