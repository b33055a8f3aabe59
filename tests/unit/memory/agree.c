/*
 * The two engines agree: build the figures fixture (tests/figures_fixture.c,
 * through the real actions), then print what each read of the core API
 * gives, for users of each role: pages of the queue under each filter and
 * search, what waits for each, the stats, reports and dashboard, a case and
 * its history, drafts, the pinned configuration, the export's rows, the
 * audit head, log and verification.  Built once with each engine
 * (tests/meson.build); agree.sh runs both and compares their output line
 * for line.
 *
 * Usage: agree DB CONFIG
 */
#define main figures_fixture_main
int main(int argc, char **argv);
#include "../../figures_fixture.c"
#undef main

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return 1767225600; /* 2026-01-01 */
}

static void
print_figures(const char *tag, const struct cr_figures *f)
{
    printf("%s:", tag);
    for (int s = 0; s < CR_STAGE_COUNT; s++)
        printf(" [%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "]", f->cases[s], f->persons[s],
               f->vetting_cases[s], f->vetting_persons[s]);
    printf(" total %" PRId64 " %" PRId64 "\n", f->total_cases, f->total_persons);
}

static void
print_row(const char *tag, const struct cr_case_row *r)
{
    printf("  %s %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64
           " %d %d %u %d %d %s %s %s %s %s %s %s %" PRId64 " %d %d %" PRId64 "\n",
           tag, r->id, r->sortkey, r->priority, r->created_at, r->state_since, r->state, r->outcome,
           r->categories, r->n_allegations, r->duty, r->subject_ref, r->surname, r->forenames,
           r->rank, r->unit, r->assignee ? r->assignee : "-", r->decided_by ? r->decided_by : "-",
           r->decided_at, r->vetting_review, r->quorum_blocked, r->version);
}

/* Every page of a list, forwards, then the last page read backwards. */
static void
print_pages(cr_db *h, const char *tag, const struct cr_filter *f, bool mine)
{
    struct cr_page p = {0};
    int64_t after = 0;
    size_t n = 0;
    for (;;) {
        enum cr_status st =
            mine ? cr_list_mine_page(h, after, 97, &p) : cr_list_page(h, f, after, 97, &p);
        if (st != CR_OK) {
            printf("%s: %d %s\n", tag, st, cr_db_errmsg(h));
            break;
        }
        for (size_t i = 0; i < p.n; i++, n++)
            if (n % 25 == 0)
                print_row(tag, &p.rows[i]);
        if (!p.more || !p.n)
            break;
        after = cr_row_cursor(mine ? NULL : f, &p.rows[p.n - 1]);
    }
    printf("%s: %zu rows\n", tag, n);
    enum cr_status st = mine ? cr_list_mine_page_before(h, INT64_MAX, 5, &p)
                             : cr_list_page_before(h, f, INT64_MAX, 5, &p);
    printf("%s before the end: %d", tag, st);
    for (size_t i = 0; st == CR_OK && i < p.n; i++)
        printf(" %" PRId64, p.rows[i].id);
    printf(" more %d\n", st == CR_OK ? p.more : 0);
    cr_page_free(&p);
}

static int
print_event(void *ctx, const struct cr_event *e)
{
    int *n = ctx;
    if ((*n)++ % 97 == 0)
        printf("  event %" PRId64 " %" PRId64 " %s %" PRId64 " %s %s %s %s %s %s\n", e->id, e->at,
               e->actor, e->case_id, e->action, e->state_before ? e->state_before : "-",
               e->state_after ? e->state_after : "-", e->details, e->purpose ? e->purpose : "-",
               e->os_login ? e->os_login : "-");
    return 0;
}

static int
export_row(void *ctx, const struct cr_case_row *r)
{
    int *n = ctx;
    if ((*n)++ % 101 == 0)
        print_row("export", r);
    return 0;
}

/* The export's end, as a writer that kept every row would say it. */
static void
export_finish(void *ctx, struct cr_disclosure_end *e)
{
    e->complete = 1;
    e->rows = *(int *)ctx;
}

static void
print_reads(cr_db *h, const struct cr_person *me)
{
    const char *login = me->login;
    printf("== %s\n", login);
    struct cr_filter all = CR_FILTER_ALL;
    print_pages(h, "all", &all, false);
    struct cr_filter age = CR_FILTER_ALL;
    age.sort = CR_SORT_AGE;
    print_pages(h, "by age", &age, false);
    for (int s = 0; s < CR_STATE_COUNT; s++) {
        struct cr_filter f = CR_FILTER_ALL;
        f.state = s;
        print_pages(h, cr_state_name(s), &f, false);
    }
    for (int o = 0; o <= CR_OUTCOME_COUNT; o++) {
        struct cr_filter f = CR_FILTER_ALL;
        f.outcome = o;
        print_pages(h, o < CR_OUTCOME_COUNT ? cr_outcome_name(o) : "no outcome", &f, false);
    }
    /* A state and an outcome together, for everyone (need-to-know's parameters come after). */
    for (int o = 0; o < CR_OUTCOME_COUNT; o++) {
        struct cr_filter f = CR_FILTER_ALL;
        f.state = CR_STATE_CLOSED;
        f.outcome = o;
        print_pages(h, cr_outcome_name(o), &f, false);
    }
    for (int c = 0; c < CR_CATEGORY_COUNT; c++) {
        struct cr_filter f = CR_FILTER_ALL;
        f.category = c;
        print_pages(h, cr_category_name(c), &f, false);
    }
    static const char *const searches[] = {
        "S0001", "s11", "surname12", "Surname", "A1", "a00", "no-such", "Surname4 S0004", "  ",
        /* The names imported below: folding as the full-text index folds. */
        "brønnerud", "bronnerud", "BRØN", "orsted", "Ørsted", "angstrom", "Ångström", "ångs",
        "fontaine-crisp", "Fontaine Crisp", "crisp-fontaine", "o’brien", "brien", "muller",
        "MÜLLER", "elodie", "strasse", "straße", "łukasz", "ŁUKASZ", "lukasz", "celik", "naive",
        "zoë", "zoe", "istanbul", "ωmega", "ΩMEGA", "дмитрий", "ДМИТ", "x—y", "x y", "n°5", "½",
        "a·b", "ab", "café au", "E2",
        /* A prefix only with `*`, and words found across the name and the allegations. */
        "s11*", "surname1*", "a00*", "BRØN*", "ångs*", "ДМИТ*", "fontaine-cr*", "*", "—",
        "lars ørsted", "Brønnerud met", "zoë lait", "elodie łukasz e3a", "lars lait",
        /*
         * Words of several tokens are phrases: together, in one field (a
         * subject's reference, surname or forenames, an allegation's
         * reference or summary); across two fields they find nothing.
         */
        "la-fontaine-crisp", "e2-de-la", "fontaine-jamal", "jamal-e2a", "lait-e1a", "met-e2a",
        "summary-a0002", "summary-a*", "a0001-summary", "said-x", "x—y-o", "ångström-met",
        "ØRSTED-AND-ÅNG*", "au-lait*", "au-lai", "e3a-straße", "celik-was", "n°5-a·b", "s0001-sur*",
        "lait-e4b", "lait-e4*", "e4b-second", "e4b-sec*", "lait e4b", "one-one-two",
        "one-one-one-t*", "one-one-one-one"};
    for (size_t i = 0; i < LEN(searches); i++) {
        struct cr_filter f = CR_FILTER_ALL;
        f.search = searches[i];
        char tag[64];
        snprintf(tag, sizeof tag, "search '%s'", searches[i]);
        print_pages(h, tag, &f, false);
        /* Sorted by age: the oldest case first. */
        f.sort = CR_SORT_AGE;
        snprintf(tag, sizeof tag, "search '%s' by age", searches[i]);
        print_pages(h, tag, &f, false);
    }
    print_pages(h, "mine", NULL, true);

    struct cr_stats s;
    enum cr_status st = cr_stats_get(h, &s);
    printf("stats %d: %" PRId64 " cases, %" PRId64 " subjects, %" PRId64 " allegations, %" PRId64
           " both\n",
           st, s.cases, s.subjects, s.allegations, s.both_categories);
    print_figures("stats", &s.figures);
    for (int o = 0; o <= CR_OUTCOME_COUNT; o++)
        print_figures("stats by outcome", &s.by_outcome[o]);

    struct cr_dashboard d;
    st = cr_dashboard_get(h, &d);
    printf("dashboard %d: undecided %" PRId64 ", panel %" PRId64 "/%" PRId64
           ", rate %.3f, clears %" PRId64 ", reviewers shown %d\n",
           st, d.undecided, d.panel_returned, d.panel_rounds, d.rate, d.backlog_clears,
           d.reviewers_shown);
    for (int i = 0; i < CR_STATE_COUNT; i++)
        printf(" overdue %" PRId64, d.overdue[i]);
    for (int w = 0; w < CR_DASHBOARD_WEEKS; w++)
        printf(" week %" PRId64, d.decisions_per_week[w]);
    printf("\n");
    for (size_t i = 0; i < d.n_reviewers; i++)
        printf("  reviewer %s %" PRId64 " %" PRId64 " %" PRId64 " decided %" PRId64
               " panel %" PRId64 "/%" PRId64 "\n",
               d.reviewers[i].login, d.reviewers[i].by_outcome[0], d.reviewers[i].by_outcome[1],
               d.reviewers[i].by_outcome[2], d.reviewers[i].decided, d.reviewers[i].panel_returned,
               d.reviewers[i].panel_rounds);
    cr_dashboard_free(&d);

    /* The workload (issue 12): refused but to supervisors and the admin; no event (reload). */
    struct cr_workload wl;
    st = cr_workload_reload(h, &wl);
    printf("workload %d: %zu rows\n", st, wl.n_rows);
    for (size_t i = 0; i <= wl.n_rows && st == CR_OK; i++) {
        const struct cr_workload_row *r = i < wl.n_rows ? &wl.rows[i] : &wl.total;
        printf("  %s %d", r->login, r->reviewer);
        for (int k = 0; k < CR_STATE_COUNT; k++)
            printf(" %" PRId64, r->by_state[k]);
        for (int k = 0; k < CR_WORKLOAD_BANDS; k++)
            printf(" %" PRId64, r->by_band[k]);
        printf(" open %" PRId64 " oldest %" PRId64 "\n", r->open, r->oldest);
    }
    cr_workload_free(&wl);

    static const int by[][3] = {{0},
                                {1, CR_DIMENSION_OUTCOME},
                                {1, CR_DIMENSION_CATEGORY},
                                {2, CR_DIMENSION_UNIT, CR_DIMENSION_OUTCOME},
                                {2, CR_DIMENSION_EMPLOYMENT, CR_DIMENSION_RANK}};
    static const char *const as_at[] = {NULL, "2025-10-01", "2025-09-30"};
    for (size_t k = 0; k < LEN(by); k++) {
        for (size_t a = 0; a < LEN(as_at); a++) {
            struct cr_report_query q = {.n_by = (size_t)by[k][0], .as_at = as_at[a]};
            for (size_t j = 0; j < q.n_by; j++)
                q.by[j] = by[k][j + 1];
            struct cr_report r;
            st = cr_report_get(h, &q, &r);
            printf("report %zu as at %s: %d scanned %d, %zu rows\n", k, as_at[a] ? as_at[a] : "now",
                   st, r.scanned, r.n_rows);
            print_figures(" total", &r.total);
            for (size_t i = 0; i < r.n_rows; i++) {
                printf("  %s / %s", r.rows[i].key[0], q.n_by > 1 ? r.rows[i].key[1] : "");
                print_figures("", &r.rows[i].f);
            }
            cr_report_free(&r);
        }
    }

    static const char *const keys[] = {"1", "1140", "1142", "S0002", "#1152", "9999"};
    for (size_t i = 0; i < LEN(keys); i++) {
        struct cr_case c;
        st = cr_case_view(h, keys[i], &c);
        if (st != CR_OK) {
            printf("view %s: %d %s\n", keys[i], st, cr_db_errmsg(h));
        } else {
            printf("view %s: case %" PRId64 ", %zu allegations, %zu votes (%zu hidden), %zu "
                   "notes, round %d, version %" PRId64 ", approved by %s, previous %" PRId64 "\n",
                   keys[i], c.row.id, c.n_allegations, c.n_votes, c.votes_hidden, c.n_notes,
                   c.round, c.version, c.approved_by ? c.approved_by : "-", c.previous_case);
            for (size_t k = 0; k < c.n_notes; k++)
                printf("  note %s %s %s\n", c.notes[k].author, c.notes[k].kind, c.notes[k].body);
        }
        cr_case_free(&c);
        struct cr_history hist;
        st = cr_history_get(h, keys[i], &hist);
        printf("history %s: %d %zu events\n", keys[i], st, st == CR_OK ? hist.n : 0);
        if (st == CR_OK)
            cr_history_free(&hist);
    }

    struct cr_draft draft = {
        .action = CR_ACTION_NOTE, .outcome = -1, .vote = -1, .text = "half a thought\n\tkept"};
    st = cr_draft_save(h, "1145", &draft);
    printf("draft save: %d %s\n", st, st ? cr_db_errmsg(h) : "");
    struct cr_draft got;
    st = cr_draft_get(h, "1145", CR_ACTION_NOTE, &got);
    printf("draft get: %d %s\n", st, st ? cr_db_errmsg(h) : got.text);
    cr_draft_free(&got);
    st = cr_draft_discard(h, "1145", CR_ACTION_NOTE);
    printf("draft discard: %d %s\n", st, st ? cr_db_errmsg(h) : "");
    st = cr_draft_get(h, "1145", CR_ACTION_NOTE, &got);
    printf("draft get: %d %s\n", st, st ? cr_db_errmsg(h) : got.text);
    cr_draft_free(&got);

    struct cr_config_version v;
    st = cr_config_version_get(h, NULL, &v);
    printf("configuration in force: %d %s %zu bytes by %s\n", st, st ? cr_db_errmsg(h) : v.digest,
           v.len, v.adopted_by ? v.adopted_by : "-");
    cr_config_version_free(&v);

    int rows = 0;
    struct cr_disclosure disc = {"export", "the agreement test", "nobody", "csv", NULL};
    struct cr_export_sink sink = {export_row, NULL, export_finish, &rows};
    int64_t exported = 0;
    st = cr_export(h, &disc, &sink, &exported);
    printf("export: %d %" PRId64 " rows %s\n", st, exported, st ? cr_db_errmsg(h) : "");

    int64_t events;
    st = cr_audit_verify(h, &events);
    printf("verify: %d %" PRId64 " %s\n", st, events, st ? cr_db_errmsg(h) : "");
    struct cr_audit_head head;
    st = cr_audit_head(h, &head);
    printf("head: %d %" PRId64 " %s\n", st, st == CR_OK ? head.event : 0,
           st ? cr_db_errmsg(h) : "");
    struct cr_audit_filter filters[] = {
        {0}, {.actor = "bjones", .action = "approve"}, {.case_id = 1142}, {.since = 1759280000}};
    for (size_t i = 0; i < LEN(filters); i++) {
        int n = 0;
        int64_t count = 0;
        st = cr_audit_log(h, &filters[i], print_event, &n, &count);
        printf("log %zu: %d %" PRId64 " %s\n", i, st, count, st ? cr_db_errmsg(h) : "");
    }
}

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: agree DB CONFIG\n");
        return 2;
    }
    int rc = figures_fixture_main(argc, argv);
    if (rc != 0)
        return rc;
    struct cr_config *config;
    cr_diags *diags = NULL;
    if (cr_config_load(argv[2], &config, &diags) != CR_OK)
        return 1;
    cr_diags_free(diags);
    /* Names and summaries beyond ASCII, for search. */
    static const char names[] =
        "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,"
        "allegation_date,source,original_outcome,summary\n"
        "E1,Brønnerud,Lars,officer,PC,North,full,E1A,domestic_violence,2024-01-01,complaint,NFA,"
        "Ørsted and Ångström met\n"
        "E2,de la Fontaine-Crisp,Jamal,officer,PC,North,full,E2A,sexual_offence,2024-01-02,"
        "hotline,NFA,O’Brien said x—y\n"
        "E3,Müller,ÉLODIE,staff,Clerk,West,full,E3A,domestic_violence,2024-01-03,other,NFA,"
        "Straße and Łukasz; Çelik was naïve\n"
        "E4,Zoë,İstanbul,special,SC,West,full,E4A,domestic_violence,2024-01-04,pnd,NFA,"
        "Ωmega and Дмитрий: n°5 a·b ½ café au lait\n"
        "E4,Zoë,İstanbul,special,SC,West,full,E4B,domestic_violence,2024-01-05,pnd,NFA,"
        "second one one one two\n";
    cr_db *importer;
    struct cr_import_result res;
    FILE *in = fmemopen((void *)names, sizeof names - 1, "rb");
    if (!in || cr_db_open(argv[1], 0, fixed_clock, NULL, &importer) != CR_OK)
        return 1;
    cr_db_set_user(importer, config, cr_config_person(config, "cadmin"));
    rc = cr_import_csv(importer, in, "names.csv", 0, &res, &diags);
    printf("import of names: %d %s\n", rc, rc ? cr_db_errmsg(importer) : "");
    cr_diags_free(diags);
    fclose(in);
    cr_db_close(importer);
    static const char *const logins[] = {"cadmin", "bjones", "asmith", "mkhan", "tnash"};
    for (size_t i = 0; i < LEN(logins); i++) {
        cr_db *handle;
        if (cr_db_open(argv[1], 0, fixed_clock, NULL, &handle) != CR_OK) {
            printf("open: %s\n", cr_db_errmsg(handle));
            cr_db_close(handle);
            return 1;
        }
        const struct cr_person *who = cr_config_person(config, logins[i]);
        if (!who) {
            printf("%s is not on the roster\n", logins[i]);
        } else {
            cr_db_set_user(handle, config, who);
            print_reads(handle, who);
        }
        cr_db_close(handle);
    }
    cr_config_free(config);
    return 0;
}
