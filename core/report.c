/*
 * The figures' rules, above the engine: which report may be asked for, each
 * state's service level (when a case is overdue), the dashboard's weekly
 * rate, and whose per-reviewer figures a user may see.  The engine counts
 * (st_store(db)->stats, report, dashboard); nothing here reads storage.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

enum cr_status
cr_report_get(cr_db *db, const struct cr_report_query *q, struct cr_report *out)
{
    memset(out, 0, sizeof *out);
    if (q->n_by > CR_DIMENSION_COUNT)
        return cr_fail(db, CR_USAGE, "a report is broken down by at most %d things",
                       CR_DIMENSION_COUNT);
    unsigned seen = 0;
    for (size_t k = 0; k < q->n_by; k++) {
        if (q->by[k] < 0 || q->by[k] >= CR_DIMENSION_COUNT)
            return cr_fail(db, CR_USAGE, "no such breakdown");
        if (seen & (1u << q->by[k]))
            return cr_fail(db, CR_USAGE, "a report is broken down by %s only once",
                           cr_dimension_name(q->by[k]));
        seen |= 1u << q->by[k];
        out->by[k] = q->by[k];
    }
    out->n_by = q->n_by;
    if (q->as_at) {
        int64_t days;
        if (cr_date_parse(q->as_at, strlen(q->as_at), &days) < 0)
            return cr_fail(db, CR_USAGE, "the date '%s' is not a real date in the form YYYY-MM-DD",
                           q->as_at);
        int64_t now = cr_db_now(db);
        if (days * 86400 > now)
            return cr_fail(db, CR_USAGE,
                           "the date %s is after today: the figures can be counted as they "
                           "stood, not as they will stand",
                           q->as_at);
        out->as_at = (days + 1) * 86400;
    }
    enum cr_status st = st_store(db)->report(db, q, out->as_at, out);
    if (st != CR_OK)
        cr_report_free(out);
    return st;
}

enum cr_status
cr_stats_get(cr_db *db, struct cr_stats *out)
{
    memset(out, 0, sizeof *out);
    return st_store(db)->stats(db, out);
}

/*
 * Whose per-reviewer figures this user may see: a reviewer's outcome mix
 * and the panel's returns of their decisions are about that person.
 * Supervisors and the admin see everyone's; a reviewer their own; others
 * (the panel, who judge those decisions) nobody's.
 */
static bool
reviewers_visible(cr_db *db, const char **only)
{
    const struct cr_person *me = st_user(db);
    *only = NULL;
    if (!me)
        return false;
    if (cr_person_has(me, CR_ROLE_SUPERVISOR) || cr_person_has(me, CR_ROLE_ADMIN))
        return true;
    if (cr_person_has(me, CR_ROLE_REVIEWER)) {
        *only = me->login;
        return true;
    }
    return false;
}

enum cr_status
cr_dashboard_get(cr_db *db, struct cr_dashboard *out)
{
    memset(out, 0, sizeof *out);
    const struct cr_config *cfg = st_config(db);
    int64_t now = cr_db_now(db);
    /* Overdue: in a state longer than its service level allows. */
    int64_t overdue_before[CR_STATE_COUNT];
    for (int state = 0; state < CR_STATE_COUNT; state++) {
        int sla = cr_state_sla(state);
        int days = sla < 0 ? 0 : cfg ? cfg->sla_days[sla] : 10;
        overdue_before[state] = sla < 0 ? INT64_MIN : now - (int64_t)days * 86400;
    }
    /* First decisions a week, the current week last. */
    int64_t week = 7 * 86400;
    out->week_start = now - (now % week) - (CR_DASHBOARD_WEEKS - 1) * week;
    const char *only;
    bool reviewers = reviewers_visible(db, &only);
    enum cr_status st =
        st_store(db)->dashboard(db, now, overdue_before, reviewers, only, out);
    if (st != CR_OK) {
        /* Never a partial result: whatever was read goes. */
        cr_dashboard_free(out);
        return st;
    }
    int64_t recent = 0;
    for (int w = CR_DASHBOARD_WEEKS - 4; w < CR_DASHBOARD_WEEKS; w++)
        recent += out->decisions_per_week[w];
    out->rate = recent / 4.0;
    if (out->rate > 0)
        out->backlog_clears = now + (int64_t)((double)out->undecided / out->rate * (double)week);
    return CR_OK;
}
