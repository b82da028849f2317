/* Unit tests for the dossier module's pure rules: the status machine of domain-vn.md (every
 * allowed move and a sample of forbidden ones, including from final statuses), status names,
 * and content sniffing of uploads (accepted types by their bytes, whatever the name says;
 * executables, plain ZIP, HTML and truncated headers rejected). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "dossier/dossier.h"

static void test_transitions(void **state)
{
    (void)state;
    static const int allowed[][2] = {{1, 2}, {1, 3}, {2, 4}, {4, 5}, {4, 6},  {4, 8},
                                     {4, 9}, {5, 4}, {6, 4}, {6, 9}, {9, 10}, {1, 7},
                                     {2, 7}, {4, 7}, {5, 7}, {6, 7}};
    int ok[11][11] = {{0}};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        ok[allowed[i][0]][allowed[i][1]] = 1;
    for (int from = 1; from <= 10; from++)
        for (int to = 1; to <= 10; to++)
            assert_int_equal(eg_dossier_transition_ok(from, to), ok[from][to]);
    /* final statuses never move, not even to "withdrawn" */
    for (int to = 1; to <= 10; to++) {
        assert_false(eg_dossier_transition_ok(3, to));
        assert_false(eg_dossier_transition_ok(7, to));
        assert_false(eg_dossier_transition_ok(8, to));
        assert_false(eg_dossier_transition_ok(10, to));
    }
    assert_false(eg_dossier_transition_ok(0, 1));
    assert_false(eg_dossier_transition_ok(11, 7));
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(eg_dossier_status_name(4), "Đang xử lý");
    assert_string_equal(eg_dossier_status_name(10), "Đã trả kết quả");
    assert_string_equal(eg_dossier_status_name(0), "?");
    assert_string_equal(eg_dossier_status_name(11), "?");
}

static void test_sniff(void **state)
{
    (void)state;
    assert_string_equal(eg_dossier_sniff("%PDF-1.7\n", 9), "application/pdf");
    assert_string_equal(eg_dossier_sniff("\x89PNG\r\n\x1a\n....", 12), "image/png");
    assert_string_equal(eg_dossier_sniff("\xFF\xD8\xFF\xE0..JFIF", 10), "image/jpeg");
    static const char docx[] = "PK\x03\x04....[Content_Types].xml....word/document.xml";
    assert_string_equal(eg_dossier_sniff(docx, sizeof docx - 1),
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    static const char xlsx[] = "PK\x03\x04....[Content_Types].xml....xl/workbook.xml";
    assert_string_equal(eg_dossier_sniff(xlsx, sizeof xlsx - 1),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    static const char doc[] =
        "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1....W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t\0";
    assert_string_equal(eg_dossier_sniff(doc, sizeof doc - 1), "application/msword");
    static const char xls[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1....W\0o\0r\0k\0b\0o\0o\0k\0";
    assert_string_equal(eg_dossier_sniff(xls, sizeof xls - 1), "application/vnd.ms-excel");
    /* rejected */
    assert_null(eg_dossier_sniff("MZ\x90\x00", 4));                       /* PE executable */
    assert_null(eg_dossier_sniff("PK\x03\x04 plain.zip", 15));            /* a bare ZIP */
    assert_null(eg_dossier_sniff("<html><script>", 14));                  /* HTML */
    assert_null(eg_dossier_sniff("%PD", 3));                              /* truncated */
    assert_null(eg_dossier_sniff("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)); /* OLE, no stream */
    assert_null(eg_dossier_sniff("", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
