/*
 * cli.c - `egov reports bench-seed` and `egov reports bench-query`: BENCHMARK ONLY.
 *
 * bench-seed bulk-inserts synthetic dossier facts (negative ids, no dossier rows, no audit)
 * straight into the dossier module's fact table through eg_dossier_facts_bench_seed, so that
 * a million-dossier statistics database is built in seconds instead of replaying a million
 * submissions. Never run it on a production data directory.
 *
 * bench-query times eg_dossier_stats for every grouping over three ranges (everything, a
 * range with partial months at both edges, one agency) and prints a Markdown table of the
 * median and p95 in milliseconds.
 */
#include <stdlib.h>
#include "reports/internal.h"

static int cmd_seed(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--config", "--dossiers",
                                       "--seed",     "--end",    NULL};
    static const char *const flags[] = {"--clear", NULL};
    if (eg_arg_check(argc, argv, "reports bench-seed", opts, flags))
        return 2;
    const char *ns = eg_arg(argc, argv, "--dossiers"), *end_s = eg_arg(argc, argv, "--end");
    const char *seed_s = eg_arg(argc, argv, "--seed");
    long long n = ns ? atoll(ns) : 0;
    if (n <= 0 || n > 50000000)
        return eg_cli_fail("reports bench-seed: --dossiers N (1..50000000) is required");
    int32_t end = 0;
    if (end_s && eg__rp_day(end_s, &end))
        return eg_cli_fail("reports bench-seed: --end must be YYYY-MM-DD");
    eg_app app = {0};
    if (eg_cli_open(&app, argc, argv, "reports bench-seed", 0))
        return 1;
    if (!end) {
        eg_tm t;
        eg_time_vn(eg_now_ms(), &t);
        end = t.year * 10000 + t.month * 100 + t.day;
    }
    int64_t t0 = eg_mono_ms();
    int rc = eg_dossier_facts_bench_seed(eg_db_conn(app.db), n,
                                         seed_s ? strtoull(seed_s, NULL, 10) : 20260101ULL, end,
                                         eg_arg_flag(argc, argv, "--clear"));
    int64_t ms = eg_mono_ms() - t0;
    eg_app_close(&app);
    if (rc)
        return eg_cli_fail("reports bench-seed: %s", eg_strerror(rc));
    printf("seeded %lld synthetic dossier facts in %.1f s (end day %d)\n", n, (double)ms / 1000.0,
           (int)end);
    return 0;
}

static int count_row(void *ctx, const eg_dossier_stats_row *x)
{
    (void)x;
    (*(int *)ctx)++;
    return 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ms_between(struct timespec a, struct timespec b)
{
    return (double)(b.tv_sec - a.tv_sec) * 1000.0 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

/* Runs q repeat times; prints one table row: groups, median and p95 wall time, median CPU
 * time of this thread (the part the machine's load does not inflate). */
static int time_query(eg_conn *c, const eg_dossier_stats_query *q, int repeat, const char *group,
                      const char *label)
{
    double *w = calloc((size_t)repeat, sizeof *w), *u = calloc((size_t)repeat, sizeof *u);
    int ngroups = 0, rc = 0;
    for (int i = 0; !rc && i < repeat; i++) {
        ngroups = 0;
        struct timespec a, b, ca, cb;
        clock_gettime(CLOCK_MONOTONIC, &a);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ca);
        rc = eg_dossier_stats(c, q, count_row, &ngroups);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cb);
        clock_gettime(CLOCK_MONOTONIC, &b);
        w[i] = ms_between(a, b);
        u[i] = ms_between(ca, cb);
    }
    qsort(w, (size_t)repeat, sizeof *w, cmp_d);
    qsort(u, (size_t)repeat, sizeof *u, cmp_d);
    int p95 = (int)((double)repeat * 0.95 + 0.999) - 1;
    if (!rc)
        printf("| %s | %s | %d | %.1f | %.1f | %.1f |\n", group, label, ngroups, w[repeat / 2],
               w[p95 < 0 ? 0 : p95], u[repeat / 2]);
    fflush(stdout);
    free(w);
    free(u);
    return rc;
}

static int cmd_query(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--config", "--repeat", "--from",
                                       "--to",       "--agency", NULL};
    if (eg_arg_check(argc, argv, "reports bench-query", opts, NULL))
        return 2;
    int repeat = eg_arg(argc, argv, "--repeat") ? atoi(eg_arg(argc, argv, "--repeat")) : 9;
    if (repeat < 1 || repeat > 1000)
        return eg_cli_fail("reports bench-query: --repeat 1..1000");
    int32_t from = 20250115, to = 20251220;
    if (eg_arg(argc, argv, "--from") && eg__rp_day(eg_arg(argc, argv, "--from"), &from))
        return eg_cli_fail("reports bench-query: --from YYYY-MM-DD");
    if (eg_arg(argc, argv, "--to") && eg__rp_day(eg_arg(argc, argv, "--to"), &to))
        return eg_cli_fail("reports bench-query: --to YYYY-MM-DD");
    const char *agency = eg_arg(argc, argv, "--agency");
    agency = agency ? agency : "000.00.24.H61";
    eg_app app = {0};
    if (eg_cli_open(&app, argc, argv, "reports bench-query", 0))
        return 1;
    eg_conn *c = eg_db_conn(app.db);
    static const char *const groups[] = {"agency", "procedure", "field", "channel",
                                         "month",  "quarter",   "year",  NULL};
    printf("| group_by | range | groups | median ms | p95 ms | median CPU ms |\n"
           "|---|---|---|---|---|---|\n");
    int rc = 0;
    for (int g = 0; !rc && groups[g]; g++) {
        for (int range = 0; !rc && range < 3; range++) {
            eg_dossier_stats_query q = {.group = eg_reports_group(groups[g]),
                                        .now_ms = eg_now_ms()};
            const char *label = "all (3 years)";
            const char *one[1] = {agency};
            if (range == 1) {
                q.from_day = from;
                q.to_day = to;
                label = "from..to (partial months)";
            } else if (range == 2) {
                q.from_day = from;
                q.to_day = to;
                q.agencies = one;
                q.nagencies = 1;
                label = "from..to, one agency";
            }
            rc = time_query(c, &q, repeat, groups[g], label);
        }
    }
    /* per-day series over one month (facts only) */
    if (!rc) {
        eg_dossier_stats_query q = {.group = EG_DS_BY_DAY,
                                    .now_ms = eg_now_ms(),
                                    .from_day = to / 100 * 100 + 1,
                                    .to_day = to};
        rc = time_query(c, &q, repeat, "day", "one month (facts only)");
    }
    eg_app_close(&app);
    if (rc)
        return eg_cli_fail("reports bench-query: %s", eg_strerror(rc));
    return 0;
}

static int cmd_reports(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "bench-seed"))
        return cmd_seed(argc - 1, argv + 1);
    if (argc >= 1 && !strcmp(argv[0], "bench-query"))
        return cmd_query(argc - 1, argv + 1);
    return eg_cli_fail("reports: expected bench-seed or bench-query (see: egov help reports)");
}

const struct eg_command eg__rp_commands[] = {
    {"reports",
     "reports bench-seed --data-dir DIR --dossiers N [--seed S] [--end YYYY-MM-DD] [--clear]\n"
     "       egov reports bench-query --data-dir DIR [--repeat 9] [--from D] [--to D] "
     "[--agency CODE]",
     "BENCHMARK ONLY: bulk synthetic dossier facts / time the statistics queries", cmd_reports},
    {NULL, NULL, NULL, NULL},
};
