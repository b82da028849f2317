/*
 * test_time.c - civil dates, VN/UTC conversion, ISO 8601 text and the fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"

static int64_t parse_ok(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(eg_time_parse(s, &ms), EG_OK);
    return ms;
}

static void test_civil_round_trip(void **state)
{
    (void)state;
    assert_int_equal(eg_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(eg_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(eg_days_from_civil(1969, 12, 31), -1);
    /* Every day from 1600 to 2400 maps back to itself, and consecutive days are adjacent. */
    int32_t prev = eg_days_from_civil(1599, 12, 31);
    for (int y = 1600; y <= 2400; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 31; d++) {
                if (!eg_date_valid(y, m, d))
                    continue;
                int32_t n = eg_days_from_civil(y, m, d);
                assert_int_equal(n, prev + 1);
                int yy, mm, dd;
                eg_civil_from_days(n, &yy, &mm, &dd);
                assert_true(yy == y && mm == m && dd == d);
                prev = n;
            }
}

static void test_weekday(void **state)
{
    (void)state;
    assert_int_equal(eg_weekday(0), 4);                               /* Thu 1970-01-01 */
    assert_int_equal(eg_weekday(eg_days_from_civil(2026, 4, 23)), 4); /* Thu */
    assert_int_equal(eg_weekday(eg_days_from_civil(2026, 4, 26)), 0); /* Sun */
    assert_int_equal(eg_weekday(eg_days_from_civil(2030, 2, 2)), 6);  /* Sat */
    assert_int_equal(eg_weekday(eg_days_from_civil(1969, 12, 31)), 3);
    assert_int_equal(eg_weekday(eg_days_from_civil(1900, 1, 1)), 1); /* Mon */
}

static void test_date_valid(void **state)
{
    (void)state;
    assert_true(eg_date_valid(2024, 2, 29));
    assert_true(eg_date_valid(2000, 2, 29));
    assert_false(eg_date_valid(1900, 2, 29));
    assert_false(eg_date_valid(2026, 2, 29));
    assert_false(eg_date_valid(2026, 2, 30));
    assert_false(eg_date_valid(2026, 4, 31));
    assert_false(eg_date_valid(2026, 13, 1));
    assert_false(eg_date_valid(2026, 0, 1));
    assert_false(eg_date_valid(2026, 1, 0));
    assert_true(eg_date_valid(2026, 12, 31));
}

static void test_vn_and_utc(void **state)
{
    (void)state;
    eg_tm t = {2026, 4, 23, 10, 0, 0, 0, 0};
    int64_t ms = eg_time_from_vn(&t);
    char iso[21];
    eg_time_iso(ms, iso);
    assert_string_equal(iso, "2026-04-23T03:00:00Z");
    eg_tm u;
    eg_time_utc(ms, &u);
    assert_int_equal(u.hour, 3);
    assert_int_equal(u.wday, 4);
    eg_time_vn(ms, &u);
    assert_int_equal(u.hour, 10);
    assert_int_equal(u.day, 23);
    assert_int_equal(eg_time_from_utc(&(eg_tm){2026, 4, 23, 3, 0, 0, 0, 0}), ms);
    /* 23:30 VN on the 23rd is 16:30 UTC the same day; 06:30 VN is still the 22nd in UTC. */
    eg_time_vn(eg_time_from_vn(&(eg_tm){2026, 4, 23, 6, 30, 0, 0, 0}), &u);
    assert_int_equal(u.day, 23);
    eg_time_utc(eg_time_from_vn(&(eg_tm){2026, 4, 23, 6, 30, 0, 0, 0}), &u);
    assert_int_equal(u.day, 22);
    /* The VN day of an instant flips at 17:00 UTC. */
    int64_t midnight_vn = parse_ok("2026-04-24");
    assert_int_equal(eg_vn_day(midnight_vn), eg_days_from_civil(2026, 4, 24));
    assert_int_equal(eg_vn_day(midnight_vn - 1), eg_days_from_civil(2026, 4, 23));
    /* Negative instants floor correctly. */
    eg_time_utc(-1, &u);
    assert_true(u.year == 1969 && u.month == 12 && u.day == 31 && u.hour == 23 && u.ms == 999);
    assert_int_equal(u.wday, 3);
}

static void test_iso_output(void **state)
{
    (void)state;
    char iso[21];
    char iso_ms[25];
    eg_time_iso(0, iso);
    assert_string_equal(iso, "1970-01-01T00:00:00Z");
    eg_time_iso_ms(parse_ok("2026-04-23T10:00:00.123"), iso_ms);
    assert_string_equal(iso_ms, "2026-04-23T03:00:00.123Z");
    eg_time_iso_ms(-1, iso_ms);
    assert_string_equal(iso_ms, "1969-12-31T23:59:59.999Z");
    eg_time_iso(INT64_MAX, iso);
    assert_string_equal(iso, "9999-12-31T23:59:59Z");
}

static void test_parse_forms(void **state)
{
    (void)state;
    int64_t base = parse_ok("2026-04-23T03:00:00Z");
    assert_true(parse_ok("2026-04-23T10:00") == base);
    assert_true(parse_ok("2026-04-23T10:00:00") == base);
    assert_true(parse_ok("2026-04-23T10:00:00+07:00") == base);
    assert_true(parse_ok("2026-04-23T05:00:00+02:00") == base);
    assert_true(parse_ok("2026-04-22T22:30:00-04:30") == base);
    assert_true(parse_ok("2026-04-23T03:00:00.5Z") == base + 500);
    assert_true(parse_ok("2026-04-23T03:00:00.123456789Z") == base + 123);
    /* A date alone is midnight in Vietnam, 17:00 UTC the day before. */
    char iso[21];
    eg_time_iso(parse_ok("2026-04-23"), iso);
    assert_string_equal(iso, "2026-04-22T17:00:00Z");
    eg_time_iso(parse_ok("2024-02-29T23:59:59Z"), iso);
    assert_string_equal(iso, "2024-02-29T23:59:59Z");
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "2026",
        "2026-02-30",
        "2026-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-04-00",
        "2026-4-23",
        "26-04-23",
        "2026-04-23 10:00",
        "2026-04-23T24:00",
        "2026-04-23T10:60",
        "2026-04-23T10:00:60",
        "2026-04-23T10",
        "2026-04-23T10:00:00.",
        "2026-04-23T10:00Zjunk",
        "2026-04-23junk",
        "2026-04-23T10:00:00+7:00",
        "2026-04-23T10:00:00+07",
        "2026-04-23T10:00:00+24:00",
        "2026-04-23T10:00:00+07:60",
        "2026-04-23T1000",
        "2026-04-23T10:00:00.1234567890Z",
        "２026-04-23",
        "2026-04-23T10:00:00z ",
        " 2026-04-23",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        if (eg_time_parse(bad[i], &ms) != EG_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_true(ms == 42);
    }
    int64_t ms;
    assert_int_equal(eg_time_parse(NULL, &ms), EG_EINVAL);
    assert_int_equal(eg_time_parse("2026-04-23", NULL), EG_EINVAL);
}

static void test_fake_now(void **state)
{
    (void)state;
    /* main() sets EGOV_FAKE_NOW before the first call. */
    assert_true(eg_now_ms() == parse_ok("2026-04-23T10:00:00+07:00"));
    assert_true(eg_now_ms() == eg_now_ms());
}

static void test_mono(void **state)
{
    (void)state;
    int64_t a = eg_mono_ms();
    int64_t b = eg_mono_ms();
    assert_true(b >= a);
    assert_true(a > 0);
}

int main(void)
{
    setenv("EGOV_FAKE_NOW", "2026-04-23T10:00:00+07:00", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_round_trip),
        cmocka_unit_test(test_weekday),
        cmocka_unit_test(test_date_valid),
        cmocka_unit_test(test_vn_and_utc),
        cmocka_unit_test(test_iso_output),
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_fake_now),
        cmocka_unit_test(test_mono),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
