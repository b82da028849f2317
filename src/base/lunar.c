/*
 * lunar.c - the Vietnamese lunisolar calendar (âm lịch), UTC+7.
 *
 * Why this file exists: three statutory holidays (Tết Nguyên đán and Giỗ Tổ Hùng Vương) are
 * lunar dates, so the working calendar needs lunar <-> solar conversion it can trust. The
 * rules (domain-vn.md §2, after Hồ Ngọc Đức's published description and Meeus):
 *   - a month starts on the UTC+7 civil day containing the astronomical new moon;
 *   - month 11 is the month containing the winter solstice (sun longitude 270°);
 *   - when two consecutive month-11s are 13 months apart, the first month after month 11
 *     without a major solar term (no crossing of a multiple of 30°) is the leap month and
 *     repeats the number of the month before it.
 * New moons use Meeus' series from "Astronomical Formulae for Calculators" (mean lunation
 * plus the main periodic terms and ΔT); the sun's longitude uses the low-precision solar
 * formula. Full double precision matters: Tết 2030 hangs on a new moon 52 minutes before
 * local midnight (2030-02-02 23:08 UTC+7; the Chinese UTC+8 date is the 3rd).
 *
 * Design: instead of recomputing astronomy per call, the month starts of every "solstice
 * year" 1800-2200 are computed once (pthread_once, about 6,000 new moons, a few ms) into a
 * static table; conversions are then lookups, which keeps a round-trip over every day of two
 * centuries well under a second and makes the functions safe for concurrent callers.
 * Vietnam used UTC+8 before 1968; like the published algorithm, this code applies UTC+7 to
 * all years, so pre-1968 lunar dates may differ from the calendar printed at the time.
 *
 * Written from the algorithm description; no code of the non-commercial reference
 * implementation was used.
 */
#include "base/base.h"

#include <math.h>
#include <pthread.h>

#define LUNAR_FIRST_YEAR 1800 /* first solar year accepted */
#define LUNAR_LAST_YEAR  2199 /* last solar year accepted */
#define NPERIODS         (LUNAR_LAST_YEAR - LUNAR_FIRST_YEAR + 2)
#define TZ_HOURS         7.0
#define JD_UNIX_EPOCH    2440588 /* Julian day number of 1970-01-01 */

/* The months between the month-11 of solar year y-1 (inclusive) and that of year y
 * (exclusive). start[i] is the day number of month offset i; start[n] is the next month 11. */
struct period {
    int32_t start[14];
    int n;    /* 12 or 13 months */
    int leap; /* offset of the leap month, 0 when none */
};

static struct period periods[NPERIODS]; /* periods[p] ends in solar year LUNAR_FIRST_YEAR+p */
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static double rad(double deg)
{
    return deg * (M_PI / 180.0);
}

/* Julian day (UT) of the k-th new moon after the one of 1900-01-01 (Meeus). */
static double new_moon_jd(int k)
{
    double t = k / 1236.85;
    double t2 = t * t;
    double t3 = t2 * t;
    double jd = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
    jd += 0.00033 * sin(rad(166.56 + 132.87 * t - 0.009173 * t2));
    double m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;   /* sun */
    double mp = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3; /* moon */
    double f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;   /* latitude */
    double c = (0.1734 - 0.000393 * t) * sin(rad(m)) + 0.0021 * sin(rad(2 * m)) -
               0.4068 * sin(rad(mp)) + 0.0161 * sin(rad(2 * mp)) - 0.0004 * sin(rad(3 * mp)) +
               0.0104 * sin(rad(2 * f)) - 0.0051 * sin(rad(m + mp)) - 0.0074 * sin(rad(m - mp)) +
               0.0004 * sin(rad(2 * f + m)) - 0.0004 * sin(rad(2 * f - m)) -
               0.0006 * sin(rad(2 * f + mp)) + 0.0010 * sin(rad(2 * f - mp)) +
               0.0005 * sin(rad(2 * mp + m));
    double delta_t;
    if (t < -11)
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3;
    else
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2;
    return jd + c - delta_t;
}

/* Day number (days since 1970-01-01) of the UTC+7 civil day containing new moon k. */
static int32_t new_moon_day(int k)
{
    return (int32_t)(floor(new_moon_jd(k) + 0.5 + TZ_HOURS / 24.0) - JD_UNIX_EPOCH);
}

/* 30° sector (0-11) of the sun's apparent longitude at the local midnight starting day. */
static int sun_sector(int32_t day)
{
    double jdn = (double)day + JD_UNIX_EPOCH;
    double t = (jdn - 0.5 - TZ_HOURS / 24.0 - 2451545.0) / 36525.0;
    double t2 = t * t;
    double m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    double l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    double dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * sin(rad(m)) +
                (0.019993 - 0.000101 * t) * sin(rad(2 * m)) + 0.000290 * sin(rad(3 * m));
    double l = fmod(l0 + dl, 360.0);
    if (l < 0)
        l += 360.0;
    int s = (int)floor(l / 30.0);
    return s > 11 ? 11 : s;
}

/* Index k of the new moon that starts month 11 (the month of the December solstice) of
 * solar year y. */
static int month11_k(int y)
{
    double jdn = (double)eg_days_from_civil(y, 12, 31) + JD_UNIX_EPOCH;
    int k = (int)floor((jdn - 2415021.0) / 29.530588853);
    if (sun_sector(new_moon_day(k)) >= 9)
        k--; /* that new moon is after the solstice: month 11 began one lunation earlier */
    return k;
}

static void build_table(void)
{
    int kprev = month11_k(LUNAR_FIRST_YEAR - 1);
    for (int p = 0; p < NPERIODS; p++) {
        struct period *pd = &periods[p];
        int k = month11_k(LUNAR_FIRST_YEAR + p);
        pd->n = k - kprev;
        for (int i = 0; i <= pd->n; i++)
            pd->start[i] = new_moon_day(kprev + i);
        pd->leap = 0;
        if (pd->n == 13) {
            /* The leap month is the first one whose start and end lie in the same sector. */
            for (int i = 1; i < 13 && !pd->leap; i++)
                if (sun_sector(pd->start[i]) == sun_sector(pd->start[i + 1]))
                    pd->leap = i;
            if (!pd->leap)
                pd->leap = 12; /* cannot happen for real astronomy; keeps numbering sane */
        }
        kprev = k;
    }
}

static void lunar_init(void)
{
    pthread_once(&table_once, build_table);
}

/* Month number and leap flag of month offset i of a period (offset 0 is month 11). */
static void month_at(const struct period *pd, int i, int *month, int *leap)
{
    int idx = i;
    *leap = 0;
    if (pd->leap && i >= pd->leap) {
        idx = i - 1;
        *leap = i == pd->leap;
    }
    *month = (idx + 10) % 12 + 1;
}

/* Lunar date of the solar date y-m-d (valid, years 1800-2199). EG_OK, or EG_EINVAL for an
 * invalid or out-of-range date. */
int eg_lunar_from_solar(int y, int m, int d, eg_lunar *out)
{
    if (!out || !eg_date_valid(y, m, d) || y < LUNAR_FIRST_YEAR || y > LUNAR_LAST_YEAR)
        return EG_EINVAL;
    lunar_init();
    int32_t day = eg_days_from_civil(y, m, d);
    int p = y - LUNAR_FIRST_YEAR;
    if (day >= periods[p].start[periods[p].n])
        p++; /* after this year's month-11 start: the period ending next year */
    const struct period *pd = &periods[p];
    int i = pd->n - 1;
    while (i > 0 && pd->start[i] > day)
        i--;
    int month;
    int leap;
    month_at(pd, i, &month, &leap);
    int solar_year = LUNAR_FIRST_YEAR + p;
    out->year = month >= 11 ? solar_year - 1 : solar_year;
    out->month = month;
    out->day = (int)(day - pd->start[i]) + 1;
    out->leap = leap;
    return EG_OK;
}

/* Solar day number of lunar date l (leap must be 0 or 1). EG_EINVAL when that lunar date does
 * not exist (no such leap month, day 30 of a 29-day month) or is outside the table. */
int eg_solar_from_lunar(const eg_lunar *l, int32_t *days)
{
    if (!l || !days || l->month < 1 || l->month > 12 || l->day < 1 || l->day > 30 ||
        (l->leap != 0 && l->leap != 1) || l->year < LUNAR_FIRST_YEAR - 1 ||
        l->year > LUNAR_LAST_YEAR)
        return EG_EINVAL;
    /* Months 11 and 12 open the period that ends in the next solar year. */
    int solar_year = l->month >= 11 ? l->year + 1 : l->year;
    if (solar_year < LUNAR_FIRST_YEAR || solar_year > LUNAR_LAST_YEAR + 1)
        return EG_EINVAL;
    lunar_init();
    const struct period *pd = &periods[solar_year - LUNAR_FIRST_YEAR];
    for (int i = 0; i < pd->n; i++) {
        int month;
        int leap;
        month_at(pd, i, &month, &leap);
        if (month != l->month || leap != l->leap)
            continue;
        if (l->day > pd->start[i + 1] - pd->start[i])
            return EG_EINVAL;
        *days = pd->start[i] + l->day - 1;
        return EG_OK;
    }
    return EG_EINVAL;
}
