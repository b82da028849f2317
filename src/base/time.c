/*
 * time.c - instants, civil dates and ISO 8601 text.
 *
 * Why this file exists: every deadline, receipt and audit record is an int64 count of
 * milliseconds (UTC), while every business rule speaks in Vietnamese civil dates. This is the
 * one place that converts between the two. Vietnam has used UTC+7 without daylight saving
 * since 1975, so no tz database is needed: the conversions are plain arithmetic on
 * proleptic-Gregorian day numbers (Howard Hinnant's days_from_civil / civil_from_days).
 *
 * The parser is strict on purpose: dates arrive from forms and APIs, and "2026-02-30" must be
 * an error, never a silent roll-over into March.
 */
#include "base/base.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DAY_MS 86400000LL

/* Instants printed by eg_time_iso are clamped to years 0000-9999 so the text keeps its width. */
#define ISO_MIN_MS (-62167219200000LL) /* 0000-01-01T00:00:00Z */
#define ISO_MAX_MS (253402300799999LL) /* 9999-12-31T23:59:59.999Z */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t days_from_civil64(int64_t y, int64_t m, int64_t d)
{
    /* Normalise the month first so callers may pass 13 for January of the next year. */
    y += floor_div(m - 1, 12);
    m = m - 1 - floor_div(m - 1, 12) * 12 + 1;
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days64(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (mm <= 2);
    *m = (int)mm;
    *d = (int)dd;
}

/* Day number of a civil date; months outside 1-12 and days past the month's end roll over. */
int32_t eg_days_from_civil(int y, int m, int d)
{
    return (int32_t)days_from_civil64(y, m, d);
}

/* Civil date of a day number (days since 1970-01-01, proleptic Gregorian). */
void eg_civil_from_days(int32_t days, int *y, int *m, int *d)
{
    int64_t yy;
    civil_from_days64(days, &yy, m, d);
    *y = (int)yy;
}

/* Weekday of a day number: 0 = Sunday ... 6 = Saturday. 1970-01-01 was a Thursday. */
int eg_weekday(int32_t days)
{
    return (int)(((int64_t)days + 4) - floor_div((int64_t)days + 4, 7) * 7);
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* 1 when y-m-d is a real date with year 0-9999, else 0. */
int eg_date_valid(int y, int m, int d)
{
    if (y < 0 || y > 9999 || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= days_in_month(y, m);
}

static void split(int64_t ms, eg_tm *out)
{
    int64_t days = floor_div(ms, DAY_MS);
    int64_t rem = ms - days * DAY_MS;
    int64_t y;
    civil_from_days64(days, &y, &out->month, &out->day);
    out->year = (int)y;
    out->hour = (int)(rem / 3600000);
    out->min = (int)(rem / 60000 % 60);
    out->sec = (int)(rem / 1000 % 60);
    out->ms = (int)(rem % 1000);
    out->wday = (int)((days + 4) - floor_div(days + 4, 7) * 7);
}

static int64_t join(const eg_tm *t)
{
    return days_from_civil64(t->year, t->month, t->day) * DAY_MS + (int64_t)t->hour * 3600000 +
           (int64_t)t->min * 60000 + (int64_t)t->sec * 1000 + t->ms;
}

/* Broken-down UTC time of instant ms. */
void eg_time_utc(int64_t ms, eg_tm *out)
{
    split(ms, out);
}

/* Broken-down Asia/Ho_Chi_Minh time of instant ms. */
void eg_time_vn(int64_t ms, eg_tm *out)
{
    split(ms + EG_VN_OFFSET_MS, out);
}

/* Instant of a UTC broken-down time (wday ignored; out-of-range fields roll over). */
int64_t eg_time_from_utc(const eg_tm *t)
{
    return join(t);
}

/* Instant of an Asia/Ho_Chi_Minh broken-down time (wday ignored). */
int64_t eg_time_from_vn(const eg_tm *t)
{
    return join(t) - EG_VN_OFFSET_MS;
}

/* The VN-local day number containing instant ms. */
int32_t eg_vn_day(int64_t ms)
{
    return (int32_t)floor_div(ms + EG_VN_OFFSET_MS, DAY_MS);
}

static char *put_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

static char *iso_base(int64_t ms, char *p, eg_tm *t)
{
    if (ms < ISO_MIN_MS)
        ms = ISO_MIN_MS;
    if (ms > ISO_MAX_MS)
        ms = ISO_MAX_MS;
    split(ms, t);
    p = put_digits(p, t->year, 4);
    *p++ = '-';
    p = put_digits(p, t->month, 2);
    *p++ = '-';
    p = put_digits(p, t->day, 2);
    *p++ = 'T';
    p = put_digits(p, t->hour, 2);
    *p++ = ':';
    p = put_digits(p, t->min, 2);
    *p++ = ':';
    return put_digits(p, t->sec, 2);
}

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (UTC, seconds truncated) into out[21]. Years are clamped to
 * 0000-9999. */
void eg_time_iso(int64_t ms, char out[21])
{
    eg_tm t;
    char *p = iso_base(ms, out, &t);
    *p++ = 'Z';
    *p = '\0';
}

/* Like eg_time_iso with milliseconds: "YYYY-MM-DDTHH:MM:SS.mmmZ" into out[25]. */
void eg_time_iso_ms(int64_t ms, char out[25])
{
    eg_tm t;
    char *p = iso_base(ms, out, &t);
    *p++ = '.';
    p = put_digits(p, t.ms, 3);
    *p++ = 'Z';
    *p = '\0';
}

/* Reads exactly n ASCII digits at *s; advances *s. -1 when any is not a digit. */
static int digits(const char **s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*s)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *s += n;
    return v;
}

static int expect(const char **s, char c)
{
    if (**s != c)
        return 0;
    (*s)++;
    return 1;
}

/* Parses the time-of-day and zone after 'T'; *local_ms gets the time of day, *offset_ms the
 * zone offset (VN when absent). */
static int parse_clock(const char *s, int64_t *local_ms, int64_t *offset_ms)
{
    int hh = digits(&s, 2);
    if (hh < 0 || hh > 23 || !expect(&s, ':'))
        return EG_EINVAL;
    int mi = digits(&s, 2);
    if (mi < 0 || mi > 59)
        return EG_EINVAL;
    int ss = 0;
    int frac = 0;
    if (expect(&s, ':')) {
        ss = digits(&s, 2);
        if (ss < 0 || ss > 59)
            return EG_EINVAL;
        if (expect(&s, '.')) {
            int n = 0;
            while (*s >= '0' && *s <= '9' && n < 9) {
                if (n < 3)
                    frac = frac * 10 + (*s - '0');
                s++;
                n++;
            }
            if (n == 0 || (*s >= '0' && *s <= '9'))
                return EG_EINVAL;
            for (; n < 3; n++)
                frac *= 10;
        }
    }
    *local_ms = ((int64_t)hh * 3600 + mi * 60 + ss) * 1000 + frac;
    *offset_ms = EG_VN_OFFSET_MS;
    if (*s == '\0')
        return EG_OK;
    if (expect(&s, 'Z')) {
        *offset_ms = 0;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1;
        s++;
        int oh = digits(&s, 2);
        if (oh < 0 || oh > 23 || !expect(&s, ':'))
            return EG_EINVAL;
        int om = digits(&s, 2);
        if (om < 0 || om > 59)
            return EG_EINVAL;
        *offset_ms = sign * ((int64_t)oh * 3600 + om * 60) * 1000;
    } else {
        return EG_EINVAL;
    }
    return *s == '\0' ? EG_OK : EG_EINVAL;
}

/* Parses "YYYY-MM-DD" (VN midnight) or "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by nothing
 * (Asia/Ho_Chi_Minh), "Z" or "+hh:mm"/"-hh:mm". Up to 9 fraction digits are read, the first 3
 * kept. Returns EG_OK and sets *ms, or EG_EINVAL (impossible date, bad hour, trailing junk);
 * *ms is untouched on failure. */
int eg_time_parse(const char *s, int64_t *ms)
{
    if (!s || !ms)
        return EG_EINVAL;
    int y = digits(&s, 4);
    if (y < 0 || !expect(&s, '-'))
        return EG_EINVAL;
    int m = digits(&s, 2);
    if (m < 0 || !expect(&s, '-'))
        return EG_EINVAL;
    int d = digits(&s, 2);
    if (d < 0 || !eg_date_valid(y, m, d))
        return EG_EINVAL;
    int64_t day_ms = days_from_civil64(y, m, d) * DAY_MS;
    if (*s == '\0') {
        *ms = day_ms - EG_VN_OFFSET_MS;
        return EG_OK;
    }
    if (!expect(&s, 'T'))
        return EG_EINVAL;
    int64_t local = 0;
    int64_t offset = 0;
    int rc = parse_clock(s, &local, &offset);
    if (rc)
        return rc;
    *ms = day_ms + local - offset;
    return EG_OK;
}

static pthread_once_t fake_once = PTHREAD_ONCE_INIT;
static int fake_set;
static int64_t fake_ms;

static void fake_init(void)
{
    const char *s = getenv("EGOV_FAKE_NOW");
    if (!s || !*s)
        return;
    if (eg_time_parse(s, &fake_ms) == EG_OK)
        fake_set = 1;
    else
        fprintf(stderr, "egov: EGOV_FAKE_NOW=\"%s\" is not an ISO 8601 time; ignored\n", s);
}

/* Wall-clock time in ms since the epoch. When EGOV_FAKE_NOW holds an ISO time (read once, at
 * the first call) that fixed instant is returned instead, so tests are reproducible. */
int64_t eg_now_ms(void)
{
    pthread_once(&fake_once, fake_init);
    if (fake_set)
        return fake_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic milliseconds (arbitrary origin), for measuring durations. */
int64_t eg_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
