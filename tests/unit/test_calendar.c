/*
 * test_calendar.c - the Vietnamese lunar calendar and the working calendar (holidays, nghỉ
 * bù, overrides, CSV data, deadlines). Vectors: domain-vn.md §1.4, §2.4 and §3.2.
 * Run from the repository root (the data test reads data/calendar/overrides.csv).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "base/base.h"

static int32_t D(int y, int m, int d)
{
    return eg_days_from_civil(y, m, d);
}

static void expect_day(int32_t got, int y, int m, int d)
{
    int gy, gm, gd;
    eg_civil_from_days(got, &gy, &gm, &gd);
    if (gy != y || gm != m || gd != d)
        fail_msg("got %04d-%02d-%02d, expected %04d-%02d-%02d", gy, gm, gd, y, m, d);
}

static int32_t solar_of(int ly, int lm, int ld, int leap)
{
    eg_lunar l = {ly, lm, ld, leap};
    int32_t day = 0;
    assert_int_equal(eg_solar_from_lunar(&l, &day), EG_OK);
    return day;
}

static void test_tet_dates(void **state)
{
    (void)state;
    static const int v[][4] = {
        {1985, 1985, 1, 21}, {2007, 2007, 2, 17}, {2020, 2020, 1, 25}, {2021, 2021, 2, 12},
        {2022, 2022, 2, 1},  {2023, 2023, 1, 22}, {2024, 2024, 2, 10}, {2025, 2025, 1, 29},
        {2026, 2026, 2, 17}, {2027, 2027, 2, 6},  {2028, 2028, 1, 26}, {2029, 2029, 2, 13},
        {2030, 2030, 2, 2},  {2031, 2031, 1, 23},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        expect_day(solar_of(v[i][0], 1, 1, 0), v[i][1], v[i][2], v[i][3]);
        eg_lunar l;
        assert_int_equal(eg_lunar_from_solar(v[i][1], v[i][2], v[i][3], &l), EG_OK);
        assert_true(l.year == v[i][0] && l.month == 1 && l.day == 1 && l.leap == 0);
    }
}

static void test_tet_2030_is_not_the_chinese_date(void **state)
{
    (void)state;
    eg_lunar l;
    assert_int_equal(eg_lunar_from_solar(2030, 2, 3, &l), EG_OK);
    assert_true(l.year == 2030 && l.month == 1 && l.day == 2);
    assert_int_equal(eg_lunar_from_solar(2030, 2, 1, &l), EG_OK);
    /* Month 12 of Kỷ Dậu has 29 days in Vietnam (30 in China, where Tết is a day later). */
    assert_true(l.year == 2029 && l.month == 12 && l.day == 29);
}

static void test_hung_kings_days(void **state)
{
    (void)state;
    static const int v[][4] = {
        {2023, 2023, 4, 29}, {2024, 2024, 4, 18}, {2025, 2025, 4, 7},
        {2026, 2026, 4, 26}, {2027, 2027, 4, 16}, {2030, 2030, 4, 12},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        expect_day(solar_of(v[i][0], 3, 10, 0), v[i][1], v[i][2], v[i][3]);
}

/* The leap month of lunar year y, 0 when none. */
static int leap_month_of(int y)
{
    int found = 0;
    for (int m = 1; m <= 12; m++) {
        eg_lunar l = {y, m, 1, 1};
        int32_t day;
        if (eg_solar_from_lunar(&l, &day) == EG_OK) {
            assert_int_equal(found, 0); /* at most one */
            found = m;
        }
    }
    return found;
}

static void test_leap_months(void **state)
{
    (void)state;
    assert_int_equal(leap_month_of(2020), 4);
    assert_int_equal(leap_month_of(2023), 2);
    assert_int_equal(leap_month_of(2025), 6);
    assert_int_equal(leap_month_of(2028), 5);
    assert_int_equal(leap_month_of(2031), 3);
    assert_int_equal(leap_month_of(2024), 0);
    assert_int_equal(leap_month_of(2026), 0);
    expect_day(solar_of(2025, 6, 1, 1), 2025, 7, 25);
    eg_lunar l;
    assert_int_equal(eg_lunar_from_solar(2025, 8, 19, &l), EG_OK);
    assert_true(l.year == 2025 && l.month == 6 && l.day == 26 && l.leap == 1);
    assert_int_equal(eg_lunar_from_solar(2025, 7, 24, &l), EG_OK);
    assert_true(l.month == 6 && l.leap == 0);
}

static void test_lunar_rejects(void **state)
{
    (void)state;
    int32_t day;
    eg_lunar l;
    /* Month 12 of Ất Tỵ has 29 days: 16/2/2026 is 29 Chạp, the last day of the year. */
    expect_day(solar_of(2025, 12, 29, 0), 2026, 2, 16);
    assert_int_equal(eg_solar_from_lunar(&(eg_lunar){2025, 12, 30, 0}, &day), EG_EINVAL);
    assert_int_equal(eg_solar_from_lunar(&(eg_lunar){2026, 4, 1, 1}, &day), EG_EINVAL);
    assert_int_equal(eg_solar_from_lunar(&(eg_lunar){2026, 13, 1, 0}, &day), EG_EINVAL);
    assert_int_equal(eg_solar_from_lunar(&(eg_lunar){2026, 1, 0, 0}, &day), EG_EINVAL);
    assert_int_equal(eg_solar_from_lunar(&(eg_lunar){2026, 1, 1, 2}, &day), EG_EINVAL);
    assert_int_equal(eg_solar_from_lunar(&(eg_lunar){3000, 1, 1, 0}, &day), EG_EINVAL);
    assert_int_equal(eg_solar_from_lunar(NULL, &day), EG_EINVAL);
    assert_int_equal(eg_solar_from_lunar(&(eg_lunar){2147483647, 11, 1, 0}, &day), EG_EINVAL);
    assert_int_equal(eg_lunar_from_solar(2026, 2, 30, &l), EG_EINVAL);
    assert_int_equal(eg_lunar_from_solar(1700, 1, 1, &l), EG_EINVAL);
    assert_int_equal(eg_lunar_from_solar(2026, 1, 1, NULL), EG_EINVAL);
}

/* Every day 1900-2100 converts to a lunar date and back; lunar days advance by one or
 * restart at 1 after a 29- or 30-day month; the lunar year changes only on 1/1. */
static void test_lunar_round_trip(void **state)
{
    (void)state;
    clock_t t0 = clock();
    eg_lunar prev = {0, 0, 0, 0};
    int32_t first = D(1900, 1, 1);
    int32_t last = D(2100, 12, 31);
    for (int32_t day = first; day <= last; day++) {
        int y, m, d;
        eg_civil_from_days(day, &y, &m, &d);
        eg_lunar l;
        assert_int_equal(eg_lunar_from_solar(y, m, d, &l), EG_OK);
        int32_t back = 0;
        assert_int_equal(eg_solar_from_lunar(&l, &back), EG_OK);
        assert_int_equal(back, day);
        if (day > first) {
            if (l.day == 1) {
                assert_true(prev.day == 29 || prev.day == 30);
                if (l.year != prev.year)
                    assert_true(l.month == 1 && !l.leap && prev.month == 12 &&
                                l.year == prev.year + 1);
                else if (l.leap)
                    assert_int_equal(l.month, prev.month);
                else
                    assert_int_equal(l.month, prev.month + 1);
            } else {
                assert_true(l.day == prev.day + 1 && l.month == prev.month && l.leap == prev.leap &&
                            l.year == prev.year);
            }
        }
        prev = l;
    }
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    if (secs >= 1.0)
        fail_msg("round trip took %.2f s", secs);
}

static int find_holiday(const eg_holiday *h, int n, int32_t day)
{
    for (int i = 0; i < n; i++)
        if (h[i].day == day)
            return i;
    return -1;
}

static void test_holidays_2026(void **state)
{
    (void)state;
    eg_calendar *c = eg_calendar_new();
    eg_holiday h[40];
    int n = eg_calendar_holidays(c, 2026, h, 40);
    assert_int_equal(n, 12);
    for (int i = 1; i < n; i++)
        assert_true(h[i - 1].day < h[i].day);
    static const struct {
        int m, d, kind;
        const char *name;
    } want[] = {
        {1, 1, EG_DAY_HOLIDAY, "Tết Dương lịch"},
        {2, 16, EG_DAY_HOLIDAY, "Tết Nguyên đán"},
        {2, 20, EG_DAY_HOLIDAY, "Tết Nguyên đán"},
        {4, 26, EG_DAY_HOLIDAY, "Giỗ Tổ Hùng Vương"},
        {4, 27, EG_DAY_COMPENSATORY_OFF, "Nghỉ bù"},
        {4, 30, EG_DAY_HOLIDAY, "Ngày Chiến thắng"},
        {5, 1, EG_DAY_HOLIDAY, "Ngày Quốc tế Lao động"},
        {9, 2, EG_DAY_HOLIDAY, "Quốc khánh"},
        {9, 3, EG_DAY_HOLIDAY, "Quốc khánh (ngày liền kề)"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int k = find_holiday(h, n, D(2026, want[i].m, want[i].d));
        if (k < 0)
            fail_msg("no holiday on 2026-%02d-%02d", want[i].m, want[i].d);
        assert_int_equal(h[k].kind, want[i].kind);
        assert_string_equal(h[k].name, want[i].name);
        assert_int_equal(h[k].generated, 1);
    }
    /* Tết 2026 is Mon 16/2 - Fri 20/2; the weekends around it are ordinary rest days. */
    for (int d = 16; d <= 20; d++)
        assert_false(eg_calendar_is_working(c, D(2026, 2, d)));
    assert_true(eg_calendar_is_working(c, D(2026, 2, 13)));
    assert_true(eg_calendar_is_working(c, D(2026, 2, 23)));
    assert_false(eg_calendar_is_working(c, D(2026, 4, 27)));
    assert_true(eg_calendar_is_working(c, D(2026, 4, 28)));
    assert_int_equal(eg_calendar_holidays(c, 0, h, 40), 0);
    assert_int_equal(eg_calendar_holidays(c, 2147483647, h, 40), 0);
    /* Truncation to max. */
    assert_int_equal(eg_calendar_holidays(c, 2026, h, 3), 3);
    expect_day(h[2].day, 2026, 2, 17);
    eg_calendar_free(c);
}

static void test_compensatory_rules(void **state)
{
    (void)state;
    eg_calendar *c = eg_calendar_new();
    /* 2023: Hùng Kings on Sat 29/4 and 30/4 on Sunday; Mon 1/5 is itself a holiday, so the
     * two nghỉ bù days are Tue 2/5 and Wed 3/5 (official: 29/4-3/5). */
    assert_false(eg_calendar_is_working(c, D(2023, 5, 2)));
    assert_false(eg_calendar_is_working(c, D(2023, 5, 3)));
    assert_true(eg_calendar_is_working(c, D(2023, 5, 4)));
    /* 2/9 adjacent day by weekday: 2021 Thu -> Fri 3/9, 2022 Fri -> Thu 1/9, 2023 Sat ->
     * Fri 1/9 plus nghỉ bù Mon 4/9, 2024 Mon -> Tue 3/9, 2025 Tue -> Mon 1/9. */
    assert_false(eg_calendar_is_working(c, D(2021, 9, 3)));
    assert_false(eg_calendar_is_working(c, D(2022, 9, 1)));
    assert_false(eg_calendar_is_working(c, D(2023, 9, 1)));
    assert_false(eg_calendar_is_working(c, D(2023, 9, 4)));
    assert_true(eg_calendar_is_working(c, D(2023, 9, 5)));
    assert_false(eg_calendar_is_working(c, D(2024, 9, 3)));
    assert_true(eg_calendar_is_working(c, D(2024, 9, 4)));
    assert_false(eg_calendar_is_working(c, D(2025, 9, 1)));
    assert_true(eg_calendar_is_working(c, D(2025, 9, 3)));
    /* 1/1/2028 is a Saturday: Mon 3/1 is nghỉ bù. */
    assert_false(eg_calendar_is_working(c, D(2028, 1, 3)));
    /* Outside the cached years the rules still apply (1/1/2101 is a Saturday). */
    assert_false(eg_calendar_is_working(c, D(2101, 1, 3)));
    assert_true(eg_calendar_is_working(c, D(2101, 1, 4)));
    eg_calendar_free(c);
}

static void test_overrides(void **state)
{
    (void)state;
    eg_calendar *c = eg_calendar_new();
    /* A Saturday made a working day, and a weekday holiday. */
    assert_false(eg_calendar_is_working(c, D(2026, 3, 7)));
    assert_int_equal(eg_calendar_override(c, D(2026, 3, 7), EG_DAY_SWAPPED_WORKDAY, NULL), 0);
    assert_true(eg_calendar_is_working(c, D(2026, 3, 7)));
    assert_int_equal(eg_calendar_override(c, D(2026, 3, 9), EG_DAY_HOLIDAY, "Nghỉ hoán đổi"), 0);
    assert_false(eg_calendar_is_working(c, D(2026, 3, 9)));
    /* Replacing an override. */
    assert_int_equal(eg_calendar_override(c, D(2026, 3, 9), EG_DAY_NORMAL, NULL), 0);
    assert_true(eg_calendar_is_working(c, D(2026, 3, 9)));
    /* `normal` on the Sunday Hùng Kings day cancels it and therefore its nghỉ bù. */
    assert_int_equal(eg_calendar_override(c, D(2026, 4, 26), EG_DAY_NORMAL, NULL), 0);
    assert_true(eg_calendar_is_working(c, D(2026, 4, 27)));
    /* `normal` on a weekday holiday makes it a working day. */
    assert_int_equal(eg_calendar_override(c, D(2026, 9, 3), EG_DAY_NORMAL, NULL), 0);
    assert_true(eg_calendar_is_working(c, D(2026, 9, 3)));
    /* Choosing 1/9 as the adjacent day drops the default 3/9. */
    eg_calendar *c2 = eg_calendar_new();
    assert_int_equal(eg_calendar_override(c2, D(2026, 9, 1), EG_DAY_HOLIDAY, NULL), 0);
    assert_false(eg_calendar_is_working(c2, D(2026, 9, 1)));
    assert_true(eg_calendar_is_working(c2, D(2026, 9, 3)));
    eg_calendar_free(c2);
    /* Listing: overrides replace generated entries, `normal` is not listed. */
    eg_holiday h[40];
    int n = eg_calendar_holidays(c, 2026, h, 40);
    int k = find_holiday(h, n, D(2026, 3, 7));
    assert_true(k >= 0);
    assert_int_equal(h[k].kind, EG_DAY_SWAPPED_WORKDAY);
    assert_string_equal(h[k].name, "Làm bù");
    assert_int_equal(h[k].generated, 0);
    assert_int_equal(find_holiday(h, n, D(2026, 3, 9)), -1);
    assert_int_equal(find_holiday(h, n, D(2026, 4, 26)), -1);
    assert_int_equal(find_holiday(h, n, D(2026, 4, 27)), -1);
    /* Bad input. */
    assert_int_equal(eg_calendar_override(c, D(2026, 3, 9), 0, NULL), EG_EINVAL);
    assert_int_equal(eg_calendar_override(c, D(2026, 3, 9), 5, NULL), EG_EINVAL);
    assert_int_equal(eg_calendar_override(c, D(2026, 3, 9), EG_DAY_HOLIDAY, "bad\nname"),
                     EG_EINVAL);
    assert_int_equal(eg_calendar_override(c, D(2026, 3, 9), EG_DAY_HOLIDAY, "\xC3("), EG_EINVAL);
    assert_int_equal(eg_calendar_override(NULL, D(2026, 3, 9), EG_DAY_HOLIDAY, NULL), EG_EINVAL);
    assert_true(eg_calendar_is_working(c, D(2026, 3, 9)));
    eg_calendar_free(c);
}

static void test_working_day_arithmetic(void **state)
{
    (void)state;
    eg_calendar *c = eg_calendar_new();
    expect_day(eg_calendar_add_working_days(c, D(2026, 4, 23), 5), 2026, 5, 5);
    expect_day(eg_calendar_add_working_days(c, D(2026, 4, 23), 0), 2026, 4, 23);
    expect_day(eg_calendar_add_working_days(c, D(2026, 4, 25), 0), 2026, 4, 28);
    expect_day(eg_calendar_add_working_days(c, D(2026, 5, 4), -1), 2026, 4, 29);
    assert_int_equal(eg_calendar_working_days_between(c, D(2026, 4, 23), D(2026, 5, 5)), 5);
    assert_int_equal(eg_calendar_working_days_between(c, D(2026, 5, 5), D(2026, 4, 23)), -5);
    assert_int_equal(eg_calendar_working_days_between(c, D(2026, 4, 23), D(2026, 4, 23)), 0);
    /* 2026 has 261 weekdays; 11 days off fall on them (1/1, 5 Tết, 27/4, 30/4, 1/5, 2/9, 3/9). */
    assert_int_equal(eg_calendar_working_days_between(c, D(2025, 12, 31), D(2026, 12, 31)), 250);
    eg_calendar_free(c);
}

static int64_t vn(int y, int mo, int d, int h, int mi)
{
    eg_tm t = {y, mo, d, h, mi, 0, 0, 0};
    return eg_time_from_vn(&t);
}

static void expect_due(const eg_calendar *c, int64_t received, int n, int y, int m, int d)
{
    int64_t due = 0;
    assert_int_equal(eg_calendar_deadline(c, received, n, &due), EG_OK);
    assert_true(due == vn(y, m, d, 17, 0));
}

static void test_deadlines(void **state)
{
    (void)state;
    eg_calendar *c = eg_calendar_new();
    /* domain-vn.md §3.2 worked example. */
    expect_due(c, vn(2026, 4, 23, 10, 0), 5, 2026, 5, 5);
    expect_due(c, vn(2026, 4, 23, 16, 0), 5, 2026, 5, 6);
    char iso[21];
    int64_t due;
    assert_int_equal(eg_calendar_deadline(c, vn(2026, 4, 23, 10, 0), 5, &due), 0);
    eg_time_iso(due, iso);
    assert_string_equal(iso, "2026-05-05T10:00:00Z");
    /* Across Tết 2026. */
    expect_due(c, vn(2026, 2, 13, 10, 0), 1, 2026, 2, 23);
    /* The cut-off: 15:00 sharp is on time, a minute later is not. */
    expect_due(c, vn(2026, 4, 28, 15, 0), 1, 2026, 4, 29);
    expect_due(c, vn(2026, 4, 28, 15, 1), 1, 2026, 5, 4);
    /* Received on Saturday 9/5/2026: treated as Monday 11/5, so day 1 is Tuesday 12/5. */
    expect_due(c, vn(2026, 5, 9, 9, 0), 1, 2026, 5, 12);
    /* Received on the Tết holiday: treated as received Mon 23/2. */
    expect_due(c, vn(2026, 2, 18, 9, 0), 2, 2026, 2, 25);
    /* Zero days: the (effective) receipt day. */
    expect_due(c, vn(2026, 4, 23, 10, 0), 0, 2026, 4, 23);
    expect_due(c, vn(2026, 4, 23, 16, 0), 0, 2026, 4, 24);
    /* Cut-off moved or disabled. */
    eg_calendar_set_cutoff(c, 16 * 60 + 30);
    expect_due(c, vn(2026, 4, 23, 16, 0), 5, 2026, 5, 5);
    eg_calendar_set_cutoff(c, -1);
    expect_due(c, vn(2026, 4, 23, 23, 59), 5, 2026, 5, 5);
    /* Bad input. */
    assert_int_equal(eg_calendar_deadline(c, vn(2026, 4, 23, 10, 0), -1, &due), EG_EINVAL);
    assert_int_equal(eg_calendar_deadline(c, vn(2026, 4, 23, 10, 0), 1, NULL), EG_EINVAL);
    assert_int_equal(eg_calendar_deadline(NULL, vn(2026, 4, 23, 10, 0), 1, &due), EG_EINVAL);
    assert_int_equal(eg_calendar_deadline(c, INT64_MAX, 1, &due), EG_EINVAL);
    assert_int_equal(eg_calendar_deadline(c, INT64_MIN, 1, &due), EG_EINVAL);
    eg_calendar_free(c);
}

static int load(eg_calendar *c, const char *csv, char *err, size_t errlen)
{
    return eg_calendar_load_csv(c, csv, strlen(csv), err, errlen);
}

static void test_csv_loader(void **state)
{
    (void)state;
    eg_calendar *c = eg_calendar_new();
    char err[128];
    const char *ok = "\xEF\xBB\xBF"
                     "date,kind,name\r\n"
                     "# comment\r\n"
                     "\r\n"
                     "2026-03-07,swapped_workday,Làm bù\r\n"
                     " 2026-03-09 , holiday , \"Nghỉ \"\"hoán đổi\"\", ngày 9/3\"\r\n"
                     "2026-03-10,compensatory_off\n"
                     "2026-03-11,holiday,";
    assert_int_equal(load(c, ok, err, sizeof err), EG_OK);
    assert_string_equal(err, "");
    assert_true(eg_calendar_is_working(c, D(2026, 3, 7)));
    assert_false(eg_calendar_is_working(c, D(2026, 3, 9)));
    assert_false(eg_calendar_is_working(c, D(2026, 3, 10)));
    assert_false(eg_calendar_is_working(c, D(2026, 3, 11)));
    eg_holiday h[40];
    int n = eg_calendar_holidays(c, 2026, h, 40);
    int k = find_holiday(h, n, D(2026, 3, 9));
    assert_true(k >= 0);
    assert_string_equal(h[k].name, "Nghỉ \"hoán đổi\", ngày 9/3");
    k = find_holiday(h, n, D(2026, 3, 10));
    assert_string_equal(h[k].name, "Nghỉ bù");
    assert_int_equal(h[k].kind, EG_DAY_COMPENSATORY_OFF);

    static const struct {
        const char *csv;
        const char *err;
    } bad[] = {
        {"date,kind,name\n2026-02-30,holiday,x\n", "line 2: date must be YYYY-MM-DD"},
        {"2026-03-12,holiday,x\n2026-03-13,holyday,x\n", "line 2: kind must be"},
        {"2026-03-12\n", "line 1: expected date,kind,name"},
        {"2026-3-12,holiday,x\n", "line 1: date must be"},
        {"2026-03-12,holiday,\"x\n", "line 1: unterminated quoted name"},
        {"2026-03-12,holiday,\"x\"y\n", "line 1: text after quoted name"},
        {"2026-03-12,holiday,a\"b\n", "line 1: stray quote"},
        {"2026-03-12,holiday,\xff\n", "line 1: name must be UTF-8"},
        {"0000-03-12,holiday\n", "line 1: date out of range"},
        {"\n\n2026-03-12,holiday,"
         "0123456789012345678901234567890123456789012345678901234567890123456789"
         "0123456789012345678901234567890123456789\n",
         "line 3: name longer than 95 bytes"},
        {"2026-03-12,holiday,x\ndate,kind,name\n", "line 2: date must be"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 'X';
        assert_int_equal(load(c, bad[i].csv, err, sizeof err), EG_EINVAL);
        if (strncmp(err, bad[i].err, strlen(bad[i].err)) != 0)
            fail_msg("case %zu: err \"%s\", expected \"%s...\"", i, err, bad[i].err);
    }
    /* All or nothing: the good first row of a failing file was not applied. */
    assert_true(eg_calendar_is_working(c, D(2026, 3, 12)));
    /* A NUL byte inside the text is an error, not an early end. */
    assert_int_equal(eg_calendar_load_csv(c, "2026-03-12,holiday,a\0b\n", 23, err, sizeof err),
                     EG_EINVAL);
    assert_string_equal(err, "line 1: NUL byte");
    /* Empty input is fine; err may be NULL. */
    assert_int_equal(eg_calendar_load_csv(c, "", 0, NULL, 0), EG_OK);
    assert_int_equal(eg_calendar_load_csv(c, "x", 1, NULL, 0), EG_EINVAL);
    eg_calendar_free(c);
}

static void test_official_data_file(void **state)
{
    (void)state;
    FILE *f = fopen("data/calendar/overrides.csv", "rb");
    if (!f)
        fail_msg("cannot open data/calendar/overrides.csv (run from the repository root)");
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    eg_calendar *c = eg_calendar_new();
    char err[128];
    if (eg_calendar_load_csv(c, buf, n, err, sizeof err) != EG_OK)
        fail_msg("overrides.csv: %s", err);
    /* 2025: Fri 2/5 off, swapped with Sat 26/4 (a working day); 30/8-2/9 with Mon 1/9. */
    assert_false(eg_calendar_is_working(c, D(2025, 5, 2)));
    assert_true(eg_calendar_is_working(c, D(2025, 4, 26)));
    assert_false(eg_calendar_is_working(c, D(2025, 9, 1)));
    assert_false(eg_calendar_is_working(c, D(2025, 9, 2)));
    assert_true(eg_calendar_is_working(c, D(2025, 9, 3)));
    /* A 4-day dossier received Fri 25/4/2025 morning: Sat 26/4 is day 1, Mon 28/4 day 2, Tue
     * 29/4 day 3; 30/4-4/5 are off (2/5 by the swap), so day 4 is Mon 5/5. */
    expect_due(c, vn(2025, 4, 25, 9, 0), 4, 2025, 5, 5);
    expect_due(c, vn(2025, 4, 25, 9, 0), 1, 2025, 4, 26);
    /* 2026 still matches the worked examples. */
    expect_due(c, vn(2026, 4, 23, 10, 0), 5, 2026, 5, 5);
    expect_due(c, vn(2026, 2, 13, 10, 0), 1, 2026, 2, 23);
    eg_holiday h[40];
    int cnt = eg_calendar_holidays(c, 2025, h, 40);
    int k = find_holiday(h, cnt, D(2025, 4, 26));
    assert_true(k >= 0);
    assert_int_equal(h[k].kind, EG_DAY_SWAPPED_WORKDAY);
    assert_int_equal(h[k].generated, 0);
    eg_calendar_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tet_dates),
        cmocka_unit_test(test_tet_2030_is_not_the_chinese_date),
        cmocka_unit_test(test_hung_kings_days),
        cmocka_unit_test(test_leap_months),
        cmocka_unit_test(test_lunar_rejects),
        cmocka_unit_test(test_lunar_round_trip),
        cmocka_unit_test(test_holidays_2026),
        cmocka_unit_test(test_compensatory_rules),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_working_day_arithmetic),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_csv_loader),
        cmocka_unit_test(test_official_data_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
