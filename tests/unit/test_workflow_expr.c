/* Unit tests for the workflow's condition language (JUEL subset) and ISO 8601 durations:
 * literals, variables, comparisons, && || !, parentheses, string equality, type errors, and
 * refusal of method calls and malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "workflow/workflow.h"

static int ev(const char *expr, const char *vars)
{
    json_t *v = json_loads(vars, 0, NULL);
    int out = -1;
    char err[200];
    int rc = eg_wf_eval(expr, v, &out, err, sizeof(err));
    json_decref(v);
    return rc ? -1 : out;
}

static void test_basic(void **state)
{
    (void)state;
    const char *v = "{\"approved\": true, \"amount\": 5000, \"kind\": \"A\", \"n\": null,"
                    "\"o\": {\"x\": 3}}";
    assert_int_equal(ev("${approved == true && amount > 1000}", v), 1);
    assert_int_equal(ev("${approved == true && amount > 10000}", v), 0);
    assert_int_equal(ev("${!approved || amount >= 5000}", v), 1);
    assert_int_equal(ev("${kind == 'A'}", v), 1);
    assert_int_equal(ev("${kind != \"A\"}", v), 0);
    assert_int_equal(ev("${kind eq 'A' and not (amount lt 10)}", v), 1);
    assert_int_equal(ev("${(amount - 1000) * 2 == 8000}", v), 1);
    assert_int_equal(ev("${missing == null}", v), 1);
    assert_int_equal(ev("${missing > 3}", v), 0);
    assert_int_equal(ev("${empty n}", v), 1);
    assert_int_equal(ev("${o.x == 3}", v), 1);
    assert_int_equal(ev("approved", v), 1);
    assert_int_equal(ev("#{amount % 7 == 2}", v), 1);
}

static void test_errors(void **state)
{
    (void)state;
    const char *v = "{\"s\": \"x\", \"a\": 1}";
    assert_int_equal(ev("${}", v), -1);
    assert_int_equal(ev("${a ==}", v), -1);
    assert_int_equal(ev("${a.getClass()}", v), -1);
    assert_int_equal(ev("${Runtime.exec('x')}", v), -1);
    assert_int_equal(ev("${a[0]}", v), -1);
    assert_int_equal(ev("${(a == 1}", v), -1);
    assert_int_equal(ev("${'open}", v), -1);
    assert_int_equal(ev("${s > 1}", v), -1);
    assert_int_equal(ev("${a / 0 > 1}", v), -1);
    char deep[400];
    memset(deep, '(', 300);
    deep[300] = 0;
    assert_int_equal(ev(deep, v), -1);
}

static void test_duration(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(eg_wf_parse_duration("PT2S", &ms), 0);
    assert_int_equal(ms, 2000);
    assert_int_equal(eg_wf_parse_duration("P1DT1H30M", &ms), 0);
    assert_int_equal(ms, (86400 + 5400) * 1000LL);
    assert_int_equal(eg_wf_parse_duration("P2W", &ms), 0);
    assert_int_equal(ms, 14 * 86400 * 1000LL);
    assert_int_equal(eg_wf_parse_duration("PT0.5S", &ms), 0);
    assert_int_equal(ms, 500);
    assert_int_not_equal(eg_wf_parse_duration("P", &ms), 0);
    assert_int_not_equal(eg_wf_parse_duration("PT", &ms), 0);
    assert_int_not_equal(eg_wf_parse_duration("P1H", &ms), 0);
    assert_int_not_equal(eg_wf_parse_duration("PTXS", &ms), 0);
    assert_int_not_equal(eg_wf_parse_duration("3D", &ms), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
