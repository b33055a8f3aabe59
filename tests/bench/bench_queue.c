/*
 * Benchmark: the queue and case reads on an existing database.
 * usage: bench_queue DB CONFIG LOGIN (the queue as that user may see it)
 * Prints the time to open, to read stats, to fetch a 50-row page at
 * several depths of the queue (keyset paging), and to open a case.
 * A benchmark, not a test: it asserts nothing about time.
 */
#include "casereview/casereview.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int64_t
wall_clock(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

int
main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_queue DB CONFIG LOGIN\n");
        return 2;
    }
    struct cr_config *cfg;
    cr_diags *diags = NULL;
    if (cr_config_load(argv[2], &cfg, &diags) != CR_OK) {
        fprintf(stderr, "bench_queue: %s\n",
                cr_diags_count(diags) ? cr_diags_get(diags, 0) : "cannot load the configuration");
        return 3;
    }
    cr_diags_free(diags);
    const struct cr_person *who = cr_config_person(cfg, argv[3]);
    if (!who) {
        fprintf(stderr, "bench_queue: %s is not on the roster\n", argv[3]);
        return 3;
    }
    double t0 = now_ms();
    cr_db *db;
    if (cr_db_open(argv[1], 0, wall_clock, NULL, &db) != CR_OK) {
        fprintf(stderr, "bench_queue: %s\n", cr_db_errmsg(db));
        return 4;
    }
    printf("open:                     %8.3f ms\n", now_ms() - t0);
    cr_db_set_user(db, cfg, who);

    struct cr_stats s;
    t0 = now_ms();
    cr_stats_get(db, &s);
    printf("stats (%lld cases):   %8.3f ms\n", (long long)s.cases, now_ms() - t0);

    /* Walk the whole queue a page at a time, timing pages at chosen depths. */
    struct cr_filter all = CR_FILTER_ALL;
    struct cr_page page = {0};
    int64_t after = 0, seen = 0, mark = 0;
    const int64_t marks[] = {0, 1000, 100000, 500000, 900000, -1};
    double walk = now_ms(), worst = 0;
    for (;;) {
        t0 = now_ms();
        if (cr_list_page(db, &all, after, 50, &page) != CR_OK) {
            fprintf(stderr, "bench_queue: %s\n", cr_db_errmsg(db));
            return 4;
        }
        double dt = now_ms() - t0;
        if (dt > worst)
            worst = dt;
        if (marks[mark] >= 0 && seen >= marks[mark]) {
            printf("page of 50 at row %-7lld %8.3f ms\n", (long long)seen, dt);
            mark++;
        }
        seen += (int64_t)page.n;
        if (!page.more)
            break;
        after = page.rows[page.n - 1].sortkey;
    }
    printf("whole queue (%lld rows):  %8.0f ms, slowest page %.3f ms\n", (long long)seen,
           now_ms() - walk, worst);

    struct cr_filter flagged = {
        .state = CR_STATE_FLAGGED, .outcome = -1, .category = -1, .sort = CR_SORT_PRIORITY};
    t0 = now_ms();
    cr_list_page(db, &flagged, 0, 50, &page);
    printf("first flagged page:       %8.3f ms\n", now_ms() - t0);
    cr_page_free(&page);

    const char *keys[] = {"1", "500000", "999999"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        struct cr_case c;
        t0 = now_ms();
        if (cr_case_reload(db, keys[i], &c) == CR_OK) {
            printf("open case %-7s (%zu allegations) %8.3f ms\n", keys[i], c.n_allegations,
                   now_ms() - t0);
            cr_case_free(&c);
        }
    }
    cr_db_close(db);
    cr_config_free(cfg);
    return 0;
}
