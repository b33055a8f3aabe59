/*
 * `qa list`, `qa show CASE`, `qa CASE --agree|--disagree --reason TEXT` and
 * `report --qa`: quality assurance (README "Quality assurance").  Every
 * rule is core's (core/qa.c); this parses, calls it and prints.
 */
#include "commands.h"
#include "disclose.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QA_OPTIONS(_)                                                                    \
    _(QA_AGREE, "agree", NULL, "the decision stands: you would have decided as it did")  \
    _(QA_DISAGREE, "disagree", NULL, "you would not have decided as it did")             \
    _(QA_REASON, "reason", "TEXT", "your reasons (required with --agree or --disagree)") \
    CLI_OPT_FORMAT(_, QA)
CLI_OPTIONS(qa_options, QA_OPTIONS);

static void
json_text(FILE *f, const char *key, const char *v, bool comma)
{
    fprintf(f, "%s\"%s\": ", comma ? ", " : "", key);
    if (v)
        out_json_string(f, v);
    else
        fputs("null", f);
}

static int
qa_list(struct cli *cli, enum format fmt)
{
    cr_db *db;
    int rc = cli_session(cli, 0, &db);
    if (rc != EXIT_DONE)
        return rc;
    struct cr_qa_list l;
    enum cr_status st = cr_qa_waiting(db, &l);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cr_qa_list_free(&l);
        cli_end(cli, db);
        return rc;
    }
    if (fmt == FORMAT_JSON)
        fputc('[', stdout);
    else if (l.n == 0)
        printf("no decision waits for your quality review\n");
    else
        printf("case  decision  selected              why\n");
    for (size_t i = 0; i < l.n; i++) {
        const struct cr_qa_row *q = &l.rows[i];
        char when[21];
        cr_time_format(q->selected_at, when);
        if (fmt == FORMAT_JSON) {
            printf("%s{\"case\": %lld, \"round\": %d, \"selected_at\": \"%s\"", i ? ", " : "",
                   (long long)q->case_id, q->round, when);
            json_text(stdout, "selected", q->reason, true);
            fputc('}', stdout);
        } else {
            printf("%4lld  %8d  %s  %s\n", (long long)q->case_id, q->round, when, q->reason);
        }
    }
    if (fmt == FORMAT_JSON)
        printf("]\n");
    cr_qa_list_free(&l);
    cli_end(cli, db);
    return cli_flush("qa");
}

static int
qa_show(struct cli *cli, const char *key, enum format fmt)
{
    cr_db *db;
    int rc = cli_session(cli, 0, &db);
    if (rc != EXIT_DONE)
        return rc;
    struct cr_case c;
    struct cr_qa_list row;
    enum cr_status st = cr_qa_view(db, key, &c, &row);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cr_qa_list_free(&row);
        cli_end(cli, db);
        return rc;
    }
    const struct cr_qa_row *q = &row.rows[0];
    if (fmt == FORMAT_JSON) {
        printf("{\"case\": %lld, \"round\": %d", (long long)c.row.id, q->round);
        json_text(stdout, "subject_ref", c.row.subject_ref, true);
        json_text(stdout, "surname", c.row.surname, true);
        json_text(stdout, "forenames", c.row.forenames, true);
        json_text(stdout, "rank", c.row.rank, true);
        printf(", \"decision\": \"withheld\", \"allegations\": [");
        for (size_t i = 0; i < c.n_allegations; i++) {
            const struct cr_allegation *a = &c.allegations[i];
            printf("%s{", i ? ", " : "");
            json_text(stdout, "ref", a->ref, false);
            json_text(stdout, "category", cr_category_name(a->category), true);
            json_text(stdout, "date", a->date, true);
            json_text(stdout, "summary", a->summary, true);
            fputc('}', stdout);
        }
        printf("]}\n");
    } else {
        printf("case %lld: decision %d waits for your quality review\n", (long long)c.row.id,
               q->round);
        printf("subject: %s %s, %s (%s)\n", c.row.forenames ? c.row.forenames : "",
               c.row.surname ? c.row.surname : "", c.row.rank ? c.row.rank : "",
               c.row.subject_ref ? c.row.subject_ref : "");
        printf("decision: withheld until you record your verdict (qa %lld --agree|--disagree "
               "--reason TEXT)\n",
               (long long)c.row.id);
        printf("allegations:\n");
        for (size_t i = 0; i < c.n_allegations; i++) {
            const struct cr_allegation *a = &c.allegations[i];
            printf("  %s  %s  %s  %s\n", a->ref, cr_category_name(a->category),
                   a->date ? a->date : "", a->summary ? a->summary : "");
        }
    }
    cr_case_free(&c);
    cr_qa_list_free(&row);
    cli_end(cli, db);
    return cli_flush("qa");
}

int
cmd_qa(struct cli *cli, const struct cli_args *a)
{
    const char *const *o = a->opt;
    enum format fmt;
    int rc = parse_format("qa", o[OPT_QA_FORMAT], false, &fmt);
    if (rc != EXIT_DONE)
        return rc;
    const char *first = a->operands[0];
    bool verdict = o[OPT_QA_AGREE] || o[OPT_QA_DISAGREE];
    if (strcmp(first, "list") == 0 || strcmp(first, "show") == 0) {
        bool list = first[0] == 'l';
        if (verdict || o[OPT_QA_REASON])
            return cli_error(EXIT_USAGE, "qa: %s takes no --agree, --disagree or --reason", first);
        if (list && a->noperands != 1)
            return cli_error(EXIT_USAGE, "qa: list takes no CASE");
        if (!list && a->noperands != 2)
            return cli_error(EXIT_USAGE, "qa: show needs CASE");
        return list ? qa_list(cli, fmt) : qa_show(cli, a->operands[1], fmt);
    }
    if (a->noperands != 1)
        return cli_error(EXIT_USAGE, "qa: give list, show CASE, or CASE --agree|--disagree");
    if (!verdict)
        return cli_error(EXIT_USAGE, "qa: CASE needs --agree or --disagree (and --reason TEXT)");
    if (o[OPT_QA_AGREE] && o[OPT_QA_DISAGREE])
        return cli_error(EXIT_USAGE, "qa: give --agree or --disagree, not both");
    if (!o[OPT_QA_REASON])
        return cli_error(EXIT_USAGE, "qa: a verdict needs its reasons (--reason TEXT)");
    cr_db *db;
    if ((rc = cli_session(cli, 0, &db)) != EXIT_DONE)
        return rc;
    struct cr_act_result res;
    bool agree = o[OPT_QA_AGREE] != NULL;
    enum cr_status st = cr_qa_record(db, first, agree, o[OPT_QA_REASON], &res);
    if (st != CR_OK) {
        rc = cli_fail(db, st);
        cli_end(cli, db);
        return rc;
    }
    if (fmt == FORMAT_JSON)
        printf("{\"case\": %lld, \"action\": \"qa\", \"verdict\": \"%s\"}\n",
               (long long)res.case_id, agree ? "agree" : "disagree");
    else
        printf("case %lld: qa: %s (recorded)\n", (long long)res.case_id,
               agree ? "agree" : "disagree");
    cli_end(cli, db);
    return cli_flush("qa");
}

/* report --qa */

static void
rate_line(FILE *f, const struct cr_qa_rate *r, struct dout *w)
{
    fprintf(f, "  %-24s %8lld %8lld %8.1f%%\n", r->name, (long long)r->reviewed,
            (long long)r->agreed,
            r->reviewed ? 100.0 * (double)r->agreed / (double)r->reviewed : 0.0);
    dout_mark(w);
}

static double
pct(int64_t part, int64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void
qa_table(FILE *f, const struct cr_qa_report *r, struct dout *w)
{
    fprintf(f, "quality assurance: %lld selected, %lld reviewed, %lld agreed (%.1f%%)\n",
            (long long)r->selected, (long long)r->reviewed, (long long)r->agreed,
            pct(r->agreed, r->reviewed));
    dout_mark(w);
    fprintf(f, "\nagreement by reviewer      reviewed   agreed     rate\n");
    dout_mark(w);
    for (size_t i = 0; i < r->n_reviewers; i++)
        rate_line(f, &r->reviewers[i], w);
    fprintf(f, "\nagreement by category      reviewed   agreed     rate\n");
    dout_mark(w);
    for (size_t i = 0; i < r->n_categories; i++)
        rate_line(f, &r->categories[i], w);
    fprintf(f, "\npanel returns by round     to panel returned     rate\n");
    dout_mark(w);
    for (size_t i = 0; i < r->n_rounds; i++) {
        const struct cr_qa_round *x = &r->rounds[i];
        fprintf(f, "  round %-18d %8lld %8lld %8.1f%%\n", x->round, (long long)x->to_panel,
                (long long)x->returned, pct(x->returned, x->to_panel));
        dout_mark(w);
    }
    fprintf(f, "\nNFA on sexual-offence cases decided      nfa     rate\n");
    dout_mark(w);
    for (size_t i = 0; i < r->n_nfa; i++) {
        const struct cr_qa_nfa *x = &r->nfa[i];
        fprintf(f, "  %-24s %8lld %8lld %8.1f%%\n", x->login, (long long)x->decided,
                (long long)x->nfa, pct(x->nfa, x->decided));
        dout_mark(w);
    }
    fprintf(f, "  %-24s %8lld %8lld %8.1f%%\n", "team", (long long)r->team.decided,
            (long long)r->team.nfa, pct(r->team.nfa, r->team.decided));
    dout_mark(w);
}

static void
json_rates(FILE *f, const char *key, const struct cr_qa_rate *v, size_t n)
{
    fprintf(f, ", \"%s\": [", key);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{", i ? ", " : "");
        json_text(f, "name", v[i].name, false);
        fprintf(f, ", \"reviewed\": %lld, \"agreed\": %lld, \"rate\": %.1f}",
                (long long)v[i].reviewed, (long long)v[i].agreed, pct(v[i].agreed, v[i].reviewed));
    }
    fputc(']', f);
}

static void
qa_json(FILE *f, const struct cr_qa_report *r, struct dout *w)
{
    fprintf(f, "{\"selected\": %lld, \"reviewed\": %lld, \"agreed\": %lld", (long long)r->selected,
            (long long)r->reviewed, (long long)r->agreed);
    json_rates(f, "reviewers", r->reviewers, r->n_reviewers);
    json_rates(f, "categories", r->categories, r->n_categories);
    fprintf(f, ", \"rounds\": [");
    for (size_t i = 0; i < r->n_rounds; i++)
        fprintf(f, "%s{\"round\": %d, \"to_panel\": %lld, \"returned\": %lld, \"rate\": %.1f}",
                i ? ", " : "", r->rounds[i].round, (long long)r->rounds[i].to_panel,
                (long long)r->rounds[i].returned,
                pct(r->rounds[i].returned, r->rounds[i].to_panel));
    fprintf(f, "], \"nfa_sexual_offence\": [");
    for (size_t i = 0; i < r->n_nfa; i++) {
        fprintf(f, "%s{", i ? ", " : "");
        json_text(f, "login", r->nfa[i].login, false);
        fprintf(f, ", \"decided\": %lld, \"nfa\": %lld, \"rate\": %.1f}",
                (long long)r->nfa[i].decided, (long long)r->nfa[i].nfa,
                pct(r->nfa[i].nfa, r->nfa[i].decided));
    }
    fprintf(f, "], \"team\": {\"decided\": %lld, \"nfa\": %lld, \"rate\": %.1f}}\n",
            (long long)r->team.decided, (long long)r->team.nfa, pct(r->team.nfa, r->team.decided));
    dout_mark(w);
}

int
cli_report_qa(struct cli *cli, const char *reason, const char *recipient, int fmt,
              const char *output, bool force)
{
    if (fmt == FORMAT_CSV)
        return cli_error(EXIT_USAGE, "report: --qa is written as a table or json, not csv");
    cr_db *db;
    int rc = cli_session(cli, 0, &db);
    if (rc != EXIT_DONE)
        return rc;
    struct cr_qa_report r;
    enum cr_status st = cr_qa_report(db, &r);
    if (st != CR_OK) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(db));
        cr_qa_report_free(&r);
        cli_end(cli, db);
        return rc;
    }
    char *msg = NULL;
    struct dout *w = dout_open(output, force, &msg);
    if (!w) {
        rc = cli_error(EXIT_INPUT, "report: %s; nothing was written", msg ? msg : "?");
        free(msg);
        cr_qa_report_free(&r);
        cli_end(cli, db);
        return rc;
    }
    const struct cr_disclosure d = {"report_qa", reason, recipient,
                                    fmt == FORMAT_JSON ? "json" : "table", dout_destination(w)};
    int64_t begin;
    if ((st = cr_disclosure_begin(db, &d, &begin)) != CR_OK) {
        rc = cli_error(cr_status_exit(st), "%s", cr_db_errmsg(db));
        dout_discard(w);
        cr_qa_report_free(&r);
        cli_end(cli, db);
        return rc;
    }
    if (fmt == FORMAT_JSON)
        qa_json(dout_stream(w), &r, w);
    else
        qa_table(dout_stream(w), &r, w);
    cr_qa_report_free(&r);
    struct cr_disclosure_end e = {0};
    int written = dout_finish(w, &e);
    if ((st = cr_disclosure_end(db, begin, &e)) != CR_OK) {
        rc = cli_error(cr_status_exit(st),
                       "report: %s; the figures were written but their end is not recorded",
                       cr_db_errmsg(db));
        dout_discard(w);
    } else if (written < 0) {
        rc = cli_error(EXIT_INPUT,
                       "report: writing failed (%s); the disclosure is recorded as incomplete",
                       e.error ? e.error : "?");
        dout_discard(w);
    } else if (dout_publish(w, &msg) < 0) {
        rc = cli_error(EXIT_INPUT,
                       "report: %s; the disclosure is recorded but the file was not put in place",
                       msg ? msg : "?");
        free(msg);
    }
    cli_end(cli, db);
    return rc;
}
