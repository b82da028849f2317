/*
 * calendar_bench.c - working-day computations per second of the base calendar
 * (eg_calendar_deadline: receipt instant + N working days, holidays and overrides), as the
 * catalog's /api/v1/calendar/deadline uses it. Built and run by bench/catalog.sh.
 * Usage: calendar_bench OVERRIDES_CSV ITERATIONS
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "base/base.h"

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    eg_calendar *cal = eg_calendar_new();
    eg_buf csv = EG_BUF_INIT;
    char err[200];
    if (eg_read_file(argv[1], 1 << 20, &csv) == 0)
        eg_calendar_load_csv(cal, csv.data, csv.len, err, sizeof(err));
    long n = atol(argv[2]);
    int64_t start;
    eg_time_parse("2025-01-02T10:00", &start);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t sum = 0;
    for (long i = 0; i < n; i++) {
        int64_t due;
        /* receipts spread over two years at varying hours, 1-30 working days */
        int64_t at = start + (i % 730) * 86400000LL + (i % 9) * 3600000LL;
        eg_calendar_deadline(cal, at, (int)(1 + i % 30), &due);
        sum += due;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%.0f\n", (double)n / s);
    fprintf(stderr, "checksum %lld\n", (long long)sum);
    eg_calendar_free(cal);
    eg_buf_free(&csv);
    return 0;
}
