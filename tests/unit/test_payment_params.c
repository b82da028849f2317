/* Unit tests for src/payment/params.c: the callback parameter parser accepts exactly the
 * documented shape, the canonical string sorts and drops "signature", and the HMAC-SHA256
 * signature matches an independently computed vector (Python hmac). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "payment/payment.h"

static void parse_ok_and_canonical(void **state)
{
    eg_arena *a = eg_arena_new(0);
    const char *body = "status=paid&order_id=EG01&ts=1795000000&amount=200000&"
                       "merchant_id=EGOV-VINHLONG&nonce=abcdef0123456789&signature=ff";
    eg_pay_params p;
    assert_int_equal(eg_pay_params_parse(a, body, strlen(body), &p), 0);
    assert_int_equal(p.n, 7);
    assert_string_equal(eg_pay_param(&p, "order_id"), "EG01");
    assert_null(eg_pay_param(&p, "missing"));
    eg_buf c = EG_BUF_INIT;
    eg_pay_canonical(&p, &c);
    assert_string_equal(c.data, "amount=200000&merchant_id=EGOV-VINHLONG&nonce=abcdef0123456789&"
                                "order_id=EG01&status=paid&ts=1795000000");
    eg_buf_free(&c);
    char sig[65];
    eg_pay_sign("secret-key", &p, sig);
    assert_string_equal(sig, "0099fa76f39375573b45f089c71e7db70b98bc24381272bd090e726e36f98b57");
    eg_arena_free(a);
}

static void percent_decoding(void **state)
{
    eg_arena *a = eg_arena_new(0);
    const char *body = "note=L%E1%BB%87+ph%C3%AD";
    eg_pay_params p;
    assert_int_equal(eg_pay_params_parse(a, body, strlen(body), &p), 0);
    assert_string_equal(eg_pay_param(&p, "note"), "Lệ phí");
    eg_arena_free(a);
}

static void rejects(void **state)
{
    static const char *const bad[] = {
        "",                                    /* empty */
        "a=1&a=2",                             /* duplicate */
        "A=1",                                 /* upper-case key */
        "a1=1",                                /* digit in key */
        "=1",                                  /* empty key */
        "a",                                   /* no '=' */
        "a=1&",                                /* trailing '&' */
        "a=%zz",                               /* bad escape */
        "a=%00",                               /* NUL */
        "a=%ff%fe",                            /* invalid UTF-8 */
        "abcdefghijklmnopqrstuvwxyzabcdefg=1", /* key > 32 */
    };
    eg_arena *a = eg_arena_new(0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        eg_pay_params p;
        assert_int_equal(eg_pay_params_parse(a, bad[i], strlen(bad[i]), &p), EG_EINVAL);
    }
    char many[400] = "";
    for (int i = 0; i < EG_PAY_MAX_PARAMS + 1; i++) {
        char kv[16];
        snprintf(kv, sizeof(kv), "%sk%c=1", i ? "&" : "", 'a' + i);
        strcat(many, kv);
    }
    eg_pay_params p;
    assert_int_equal(eg_pay_params_parse(a, many, strlen(many), &p), EG_EINVAL);
    char big[600] = "a=";
    memset(big + 2, 'x', 513);
    big[515] = 0;
    assert_int_equal(eg_pay_params_parse(a, big, strlen(big), &p), EG_EINVAL);
    eg_arena_free(a);
}

static void signature_changes_with_any_value(void **state)
{
    eg_arena *a = eg_arena_new(0);
    eg_pay_params p1, p2;
    const char *b1 = "amount=100&order_id=X", *b2 = "amount=101&order_id=X";
    assert_int_equal(eg_pay_params_parse(a, b1, strlen(b1), &p1), 0);
    assert_int_equal(eg_pay_params_parse(a, b2, strlen(b2), &p2), 0);
    char s1[65], s2[65], s3[65];
    eg_pay_sign("k", &p1, s1);
    eg_pay_sign("k", &p2, s2);
    eg_pay_sign("k2", &p1, s3);
    assert_string_not_equal(s1, s2);
    assert_string_not_equal(s1, s3);
    eg_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_ok_and_canonical),
        cmocka_unit_test(percent_decoding),
        cmocka_unit_test(rejects),
        cmocka_unit_test(signature_changes_with_any_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
