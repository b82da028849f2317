/*
 * test_validate.c - agency and procedure codes, personal IDs, tax codes, phones, e-mails
 * (domain-vn.md §3.4, §4, §5 worked examples).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"

static void check_all(int (*fn)(const char *), const char *const *list, size_t n, int want,
                      const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (fn(list[i]) != want)
            fail_msg("%s(\"%s\") should be %s", what, list[i], want ? "valid" : "invalid");
    assert_int_equal(fn(NULL), 0);
}

#define CHECK(fn, list, want) check_all(fn, list, sizeof list / sizeof list[0], want, #fn)

static void test_agency_code(void **state)
{
    (void)state;
    static const char *const good[] = {"000.00.07.H07", "000.00.04.G14", "000.00.00.H61",
                                       "123.45.67.K99"};
    static const char *const bad[] = {"",
                                      "000.00.07.H7",
                                      "000.00.07.H077",
                                      "000.00.07.h07",
                                      "00.000.07.H07",
                                      "000.00.07-H07",
                                      "000.00.07.107",
                                      "000.00.0A.H07",
                                      "000.00.07.H07 ",
                                      "H07.00.07.000"};
    CHECK(eg_valid_agency_code, good, 1);
    CHECK(eg_valid_agency_code, bad, 0);
}

static void test_procedure_code(void **state)
{
    (void)state;
    static const char *const good[] = {"1.011442.000.00.00.H38", "2.000815.000.00.00.H55.02",
                                       "3.000181.000.00.00.H22", "1.001234.000.00.04.G14"};
    static const char *const bad[] = {"",
                                      "1.011442",
                                      "1.01144.000.00.00.H38",
                                      "11.011442.000.00.00.H38",
                                      "1.011442.000.00.00.H38.2",
                                      "1.011442.000.00.00.H38.021",
                                      "1.011442.000.00.00.H38.",
                                      "1.011442.000.00.00.h38",
                                      "1-011442.000.00.00.H38",
                                      "1.011442.000.00.00.H38x"};
    CHECK(eg_valid_procedure_code, good, 1);
    CHECK(eg_valid_procedure_code, bad, 0);
}

static void test_personal_id(void **state)
{
    (void)state;
    static const char *const good[] = {"083085012345", "001099000001", "079203123456",
                                       "084190000000", "086300000000", "087000000000",
                                       "096999999999", "002912345678"};
    static const char *const bad[] = {"",
                                      "08308501234",
                                      "0830850123456",
                                      "003085012345", /* 003 is not a province code */
                                      "085085012345",
                                      "097085012345",
                                      "000085012345",
                                      "999085012345",
                                      "08308501234a",
                                      "083 085012345"};
    CHECK(eg_valid_personal_id, good, 1);
    CHECK(eg_valid_personal_id, bad, 0);
    /* Exactly the 63 legacy codes are accepted. */
    int count = 0;
    char id[13];
    for (int p = 0; p < 1000; p++) {
        snprintf(id, sizeof id, "%03d085012345", p);
        count += eg_valid_personal_id(id);
    }
    assert_int_equal(count, 63);
}

static void test_tax_code(void **state)
{
    (void)state;
    static const char *const good[] = {"0100233488",    "0314409058-002", "0100112437",
                                       "0314409058002", "0100233488-999", "083085012345",
                                       "0100233488-001"};
    static const char *const bad[] = {"",
                                      "0100233480", /* check digit should be 8 */
                                      "0100233487",
                                      "010023348",
                                      "01002334888",
                                      "0314409058-000",
                                      "0314409058000",
                                      "0314409050-002", /* invalid parent */
                                      "0314409058-02",
                                      "0314409058-0002",
                                      "0314409058 002",
                                      "0314409058-00a",
                                      "003085012345", /* 12 digits: not a known province */
                                      "0100000000",   /* sequence 0000000 */
                                      "01002334a8"};
    CHECK(eg_valid_tax_code, good, 1);
    CHECK(eg_valid_tax_code, bad, 0);
    /* When S mod 11 == 0 the check would be 10: no last digit makes such a number valid. */
    char mst[11];
    int found = 0;
    for (int seq = 1; seq < 10000 && !found; seq++) {
        snprintf(mst, sizeof mst, "01%07d", seq);
        static const int w[9] = {31, 29, 23, 19, 17, 13, 7, 5, 3};
        int s = 0;
        for (int i = 0; i < 9; i++)
            s += (mst[i] - '0') * w[i];
        if (s % 11 != 0)
            continue;
        found = 1;
        for (char d = '0'; d <= '9'; d++) {
            mst[9] = d;
            mst[10] = '\0';
            assert_int_equal(eg_valid_tax_code(mst), 0);
        }
    }
    assert_true(found);
}

static void test_phone(void **state)
{
    (void)state;
    static const char *const good[] = {"0912345678",  "0387654321",   "0521234567",
                                       "0701234567",  "0812345678",   "02438257777",
                                       "02753822222", "+84912345678", "+842438257777"};
    static const char *const bad[] = {"",
                                      "912345678",
                                      "091234567",
                                      "09123456789",
                                      "0112345678",
                                      "0412345678",
                                      "0612345678",
                                      "0212345678",
                                      "024382577771",
                                      "+840912345678",
                                      "+8491234567",
                                      "84912345678",
                                      "0912 345 678",
                                      "0912.345.678",
                                      "+84 912345678",
                                      "09123456a8"};
    CHECK(eg_valid_phone, good, 1);
    CHECK(eg_valid_phone, bad, 0);
}

static void test_email(void **state)
{
    (void)state;
    static const char *const good[] = {"a@b.vn",
                                       "nguyen.van.a@bentre.gov.vn",
                                       "first+tag@example.com",
                                       "x_y-z@sub-domain.example.org",
                                       "o'brien@example.ie",
                                       "user@xn--fiqs8s.xn--fiqz9s",
                                       "A1@EXAMPLE.COM"};
    static const char *const bad[] = {
        "",           "plain",         "@b.vn",       "a@",      "a@b",     "a@b.c",
        "a@b.v1",     "a@@b.vn",       "a@b@c.vn",    ".a@b.vn", "a.@b.vn", "a..b@c.vn",
        "a b@c.vn",   "a@-b.vn",       "a@b-.vn",     "a@b..vn", "a@.b.vn", "a@b.vn.",
        "\"a\"@b.vn", "a@[127.0.0.1]", "nguyễn@b.vn", "a@b_c.vn"};
    CHECK(eg_valid_email, good, 1);
    CHECK(eg_valid_email, bad, 0);
    /* Length limits: local part 64, whole address 254, label 63. */
    char buf[400];
    memset(buf, 'a', 64);
    strcpy(buf + 64, "@b.vn");
    assert_int_equal(eg_valid_email(buf), 1);
    memset(buf, 'a', 65);
    strcpy(buf + 65, "@b.vn");
    assert_int_equal(eg_valid_email(buf), 0);
    strcpy(buf, "a@");
    memset(buf + 2, 'b', 63);
    strcpy(buf + 65, ".vn");
    assert_int_equal(eg_valid_email(buf), 1);
    memset(buf + 2, 'b', 64);
    strcpy(buf + 66, ".vn");
    assert_int_equal(eg_valid_email(buf), 0);
    /* 254 bytes total is fine, 255 is not: a@ + labels of 50 + ".vn". */
    size_t pos = 0;
    buf[pos++] = 'a';
    buf[pos++] = '@';
    while (pos < 254 - 3) {
        size_t chunk = 254 - 3 - pos > 50 ? 49 : 254 - 3 - pos;
        memset(buf + pos, 'c', chunk);
        pos += chunk;
        if (pos < 254 - 3)
            buf[pos++] = '.';
    }
    strcpy(buf + pos, ".vn");
    assert_int_equal(strlen(buf), 254);
    assert_int_equal(eg_valid_email(buf), 1);
    buf[2] = 'c';
    memmove(buf + 3, buf + 2, strlen(buf + 2) + 1);
    assert_int_equal(strlen(buf), 255);
    assert_int_equal(eg_valid_email(buf), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agency_code), cmocka_unit_test(test_procedure_code),
        cmocka_unit_test(test_personal_id), cmocka_unit_test(test_tax_code),
        cmocka_unit_test(test_phone),       cmocka_unit_test(test_email),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
