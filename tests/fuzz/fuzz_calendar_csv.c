/*
 * fuzz_calendar_csv.c - libFuzzer target for the calendar override loader and the ISO 8601
 * parser, the two parsers of the calendar that read outside data.
 *
 * The input goes to eg_calendar_load_csv() as is (not NUL-terminated) and, NUL-terminated, to
 * eg_time_parse(). Invariants checked: a successful load leaves a calendar whose listing is
 * sorted and whose names are NUL-terminated; a failed load leaves it untouched and says
 * which line; a parsed time prints and re-parses to the same second.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static void fuzz_csv(const uint8_t *data, size_t size)
{
    eg_calendar *c = eg_calendar_new();
    char err[160];
    int rc = eg_calendar_load_csv(c, (const char *)data, size, err, sizeof err);
    check(rc == EG_OK || rc == EG_EINVAL);
    if (rc == EG_EINVAL)
        check(strncmp(err, "line ", 5) == 0);
    eg_holiday h[64];
    for (int year = 2025; year <= 2026; year++) {
        int n = eg_calendar_holidays(c, year, h, 64);
        for (int i = 0; i < n; i++) {
            check(memchr(h[i].name, '\0', sizeof h[i].name) != NULL);
            check(i == 0 || h[i - 1].day < h[i].day);
            check(h[i].kind >= EG_DAY_HOLIDAY && h[i].kind <= EG_DAY_SWAPPED_WORKDAY);
        }
    }
    int64_t due;
    check(eg_calendar_deadline(c, 1776913200000LL, 5, &due) == EG_OK);
    eg_calendar_free(c);
}

static void fuzz_time(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t ms = 0;
    if (eg_time_parse(s, &ms) == EG_OK) {
        char iso[21];
        eg_time_iso(ms, iso);
        int64_t again = 0;
        check(eg_time_parse(iso, &again) == EG_OK);
        /* eg_time_iso clamps to years 0000-9999 and drops milliseconds. */
        int64_t floor_s = ms - (((ms % 1000) + 1000) % 1000);
        check(again == floor_s || ms < -62167219200000LL || ms > 253402300799999LL);
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    fuzz_csv(data, size);
    fuzz_time(data, size);
    return 0;
}
