/*
 * The workload (report.h): open cases per person who holds them, by state
 * and by days in the current state, for a supervisor sharing out the work.
 * Who may see it and what the numbers mean are decided here; the engine
 * only reads the open cases someone holds (store.h, assigned_cases).
 *
 * Every reviewer on the roster has a row, with zeros when they hold
 * nothing, so that the idle are seen as well as the busy; a person who
 * holds cases but is no longer a reviewer on the roster has a row too (the
 * cases a supervisor must move first).  Seeing it is a consultation of
 * people's work, recorded as a "workload" event like a list's.
 */
#include "store.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Who may see the workload: the people who share out the work. */
#define WORKLOAD_ROLES ((1u << CR_ROLE_SUPERVISOR) | (1u << CR_ROLE_ADMIN))

static const int band_from[CR_WORKLOAD_BANDS] = {0, 7, 14, 28};

int
cr_workload_band_from(int band)
{
    return band >= 0 && band < CR_WORKLOAD_BANDS ? band_from[band] : -1;
}

/* The band of an age in whole days. */
static int
band_of(int64_t days)
{
    int b = 0;
    while (b + 1 < CR_WORKLOAD_BANDS && days >= band_from[b + 1])
        b++;
    return b;
}

/* The workload being read: its rows, and the strings they point to. */
struct tally {
    cr_db *db;
    struct cr_workload *w;
    struct cr_strings *strings;
    size_t cap;
};

static void
row_init(struct cr_workload_row *r, const char *login)
{
    memset(r, 0, sizeof *r);
    r->login = login;
    r->oldest = -1;
}

/* The row of login, added when it has none; NULL: out of memory. */
static struct cr_workload_row *
row_of(struct tally *t, const char *login)
{
    struct cr_workload *w = t->w;
    for (size_t i = 0; i < w->n_rows; i++)
        if (strcmp(w->rows[i].login, login) == 0)
            return &w->rows[i];
    if (w->n_rows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        struct cr_workload_row *v = realloc(w->rows, cap * sizeof *v);
        if (!v)
            return NULL;
        w->rows = v;
        t->cap = cap;
    }
    const char *kept = cr_strings_keep(t->strings, login);
    if (t->strings->nomem)
        return NULL;
    struct cr_workload_row *r = &w->rows[w->n_rows++];
    row_init(r, kept);
    const struct cr_person *p = cr_config_person(st_config(t->db), login);
    if (p) {
        r->name = cr_strings_keep(t->strings, p->name);
        r->reviewer = cr_person_has(p, CR_ROLE_REVIEWER);
        if (t->strings->nomem)
            return NULL;
    }
    return r;
}

/* Count cases into a row: by state, by band, and its oldest. */
static void
count_into(struct cr_workload_row *r, int state, int64_t days, int64_t n)
{
    if (state >= 0 && state < CR_STATE_COUNT)
        r->by_state[state] += n;
    r->by_band[band_of(days)] += n;
    r->open += n;
    if (days > r->oldest)
        r->oldest = days;
}

static enum cr_status
assigned_add(void *ctx, const struct cr_assigned_count *a)
{
    struct tally *t = ctx;
    if (a->state == CR_STATE_CLOSED || a->n <= 0)
        return CR_OK;
    struct cr_workload_row *r = row_of(t, a->login);
    if (!r)
        return cr_fail(t->db, CR_NOMEM, "out of memory");
    int64_t days = t->w->now > a->state_since ? (t->w->now - a->state_since) / 86400 : 0;
    count_into(r, a->state, days, a->n);
    count_into(&t->w->total, a->state, days, a->n);
    return CR_OK;
}

static int
by_login(const void *a, const void *b)
{
    return strcmp(((const struct cr_workload_row *)a)->login,
                  ((const struct cr_workload_row *)b)->login);
}

/* The roster's reviewers, then the cases from one snapshot; sorted by login. */
static enum cr_status
workload_read(cr_db *db, struct cr_workload *out)
{
    memset(out, 0, sizeof *out);
    enum cr_status st = cr_need_user(db);
    if (st != CR_OK)
        return st;
    const struct cr_person *me = st_user(db);
    if (!(me->roles & WORKLOAD_ROLES)) {
        char need[64], have[128];
        cr_names_text(WORKLOAD_ROLES, CR_ROLE_COUNT, cr_role_name, need, sizeof need);
        cr_names_text(me->roles, CR_ROLE_COUNT, cr_role_name, have, sizeof have);
        return cr_fail(db, CR_REFUSED,
                       "workload needs the %s role; you (%s) are %s: it shows every reviewer's "
                       "cases",
                       need, me->login, *have ? have : "on the roster without a role");
    }
    struct cr_strings *strings = cr_strings_new();
    if (!strings)
        return cr_fail(db, CR_NOMEM, "out of memory");
    out->priv = strings;
    out->now = cr_db_now(db);
    row_init(&out->total, "total");
    struct tally t = {db, out, strings, 0};
    const struct cr_config *cfg = st_config(db);
    for (size_t i = 0; cfg && i < cfg->n_people; i++)
        if (cr_person_has(&cfg->people[i], CR_ROLE_REVIEWER) && !row_of(&t, cfg->people[i].login))
            return cr_fail(db, CR_NOMEM, "out of memory");
    const struct cr_store *e = st_store(db);
    bool began;
    if ((st = e->snapshot_begin(db, &began)) != CR_OK)
        return st;
    st = e->assigned_cases(db, assigned_add, &t);
    enum cr_status end = e->snapshot_end(db, began, st == CR_OK);
    if (st == CR_OK)
        st = end;
    if (st == CR_OK && out->n_rows > 1)
        qsort(out->rows, out->n_rows, sizeof *out->rows, by_login);
    return st;
}

int
cr_workload_visible(cr_db *db)
{
    const struct cr_person *me = db ? st_user(db) : NULL;
    return me && (me->roles & WORKLOAD_ROLES) != 0;
}

enum cr_status
cr_workload_reload(cr_db *db, struct cr_workload *out)
{
    assert(db && out);
    enum cr_status st = workload_read(db, out);
    if (st != CR_OK) {
        cr_workload_free(out);
        memset(out, 0, sizeof *out);
    }
    return st;
}

enum cr_status
cr_workload_get(cr_db *db, const char *format, struct cr_workload *out)
{
    enum cr_status st = cr_workload_reload(db, out);
    if (st != CR_OK)
        return st;
    struct cr_buf d = {0};
    cr_buf_addf(&d, "{\"view\": \"workload\", \"format\": ");
    cr_buf_add_json(&d, format ? format : "table");
    cr_buf_addf(&d, ", \"rows\": %zu, \"open\": %lld}", out->n_rows, (long long)out->total.open);
    st = cr_audit_record(db, "workload", d.p, NULL);
    cr_buf_free(&d);
    if (st != CR_OK) {
        /* Not recorded: not shown. */
        cr_workload_free(out);
        memset(out, 0, sizeof *out);
    }
    return st;
}

void
cr_workload_free(struct cr_workload *w)
{
    if (!w)
        return;
    free(w->rows);
    w->rows = NULL;
    w->n_rows = 0;
    if (w->priv)
        cr_strings_free(w->priv);
    w->priv = NULL;
}
