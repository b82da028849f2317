/*
 * test_text.c - the Vietnamese text layer as a user of search and sorted lists sees it:
 * strict UTF-8, NFC of every Vietnamese letter, accent-insensitive search keys, one tone
 * placement for exact search, and Vietnamese alphabetical order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"

typedef int (*text_fn)(const char *, size_t, eg_buf *);

/* Runs f on s and returns the result as a malloc'd string; fails the test on error. */
static char *run(text_fn f, const char *s)
{
    eg_buf b = EG_BUF_INIT;
    assert_int_equal(f(s, strlen(s), &b), EG_OK);
    char *r = strdup(eg_buf_cstr(&b));
    eg_buf_free(&b);
    return r;
}

static void assert_text(text_fn f, const char *in, const char *want)
{
    char *got = run(f, in);
    assert_string_equal(got, want);
    free(got);
}

/* ------------------------------------------------------------------ UTF-8 */

static void test_utf8_roundtrip_boundaries(void **state)
{
    static const struct {
        uint32_t cp;
        size_t len;
    } cases[] = {{0x0, 1},    {0x7F, 1},   {0x80, 2},   {0x7FF, 2},   {0x800, 3},    {0xD7FF, 3},
                 {0xE000, 3}, {0xFFFD, 3}, {0xFFFF, 3}, {0x10000, 4}, {0x10FFFF, 4}, {0x1EBF, 3}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char bytes[4];
        size_t n = eg_utf8_encode(cases[i].cp, bytes);
        assert_int_equal(n, cases[i].len);
        assert_true(eg_utf8_valid(bytes, n));
        uint32_t back = 0xFFFFFFFF;
        assert_int_equal(eg_utf8_decode(bytes, n, &back), n);
        assert_int_equal(back, cases[i].cp);
        /* one byte short is a truncated sequence */
        if (n > 1) {
            assert_int_equal(eg_utf8_decode(bytes, n - 1, &back), 0);
        }
    }
    char bytes[4];
    assert_int_equal(eg_utf8_encode(0xD800, bytes), 0);
    assert_int_equal(eg_utf8_encode(0xDFFF, bytes), 0);
    assert_int_equal(eg_utf8_encode(0x110000, bytes), 0);
    char e[4];
    assert_int_equal(eg_utf8_encode(0x1EBF, e), 3);
    assert_memory_equal(e, "ế", 3);
}

static void test_utf8_invalid_rejected(void **state)
{
    static const char *bad[] = {
        "\xC0\xAF",         /* overlong '/' */
        "\xC1\xBF",         /* overlong */
        "\xE0\x80\xAF",     /* overlong 3-byte */
        "\xF0\x80\x80\xAF", /* overlong 4-byte */
        "\xED\xA0\x80",     /* surrogate U+D800 */
        "\xED\xBF\xBF",     /* surrogate U+DFFF */
        "\xF4\x90\x80\x80", /* U+110000 */
        "\xF5\x80\x80\x80", /* lead byte beyond U+10FFFF */
        "\xE1\xBA",         /* truncated "ạ" */
        "\x80",             /* lone continuation */
        "Vi\xE1\xBB\x87t\xFF",
        "\xC3(", /* lead byte, no continuation */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = strlen(bad[i]);
        assert_false(eg_utf8_valid(bad[i], n));
        eg_buf b = EG_BUF_INIT;
        assert_int_equal(eg_nfc(bad[i], n, &b), EG_EINVAL);
        assert_int_equal(eg_fold(bad[i], n, &b), EG_EINVAL);
        assert_int_equal(eg_tone_normalize(bad[i], n, &b), EG_EINVAL);
        assert_int_equal(b.len, 0); /* nothing appended */
        eg_buf_free(&b);
    }
    eg_arena *a = eg_arena_new(0);
    assert_null(eg_fold_arena(a, "\xED\xA0\x80"));
    eg_arena_free(a);
    assert_true(eg_utf8_valid("", 0));
    assert_true(eg_utf8_valid("Việt Nam 中文 😀", strlen("Việt Nam 中文 😀")));
    assert_true(eg_utf8_valid("a\0b", 3));
}

/* ------------------------------------------------------------------ NFC */

static void test_nfc_composes_and_reorders(void **state)
{
    assert_text(eg_nfc, "e\u0302\u0301", "\u1EBF"); /* ế */
    assert_text(eg_nfc, "a\u0301", "á");
    assert_text(eg_nfc, "A\u0301", "Á");
    /* dot below (class 220) sorts before circumflex (230), whatever the input order */
    assert_text(eg_nfc, "a\u0302\u0323", "\u1EAD"); /* ậ */
    assert_text(eg_nfc, "a\u0323\u0302", "\u1EAD");
    assert_text(eg_nfc, "A\u0323\u0302", "\u1EAC"); /* Ậ */
    assert_text(eg_nfc, "u\u031B\u0323", "ự");
    assert_text(eg_nfc, "u\u0323\u031B", "ự");
    /* a precomposed letter followed by a mark recomposes further */
    assert_text(eg_nfc, "\u00EA\u0301", "ế");
    /* the same mark twice: the second is blocked and stays */
    assert_text(eg_nfc, "a\u0301\u0301", "á\u0301");
    /* singleton decomposition: U+0340 is U+0300 */
    assert_text(eg_nfc, "a\u0340", "à");
    /* decomposing a precomposed letter with a misordered mark reorders the marks */
    assert_text(eg_nfc, "\u1EA1\u0302", "ậ"); /* ạ + circumflex */
    const char *nfc = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM - Độc lập - Tự do - Hạnh phúc";
    assert_text(eg_nfc, nfc, nfc);
    assert_text(eg_nfc, "Ελληνικά 中文 Русский 😀", "Ελληνικά 中文 Русский 😀");
    assert_text(eg_nfc, "", "");
    assert_text(eg_nfc, "\u0301a", "\u0301a"); /* a leading mark has nothing to join */
}

/* The 12 Vietnamese vowels: ASCII base and the shaping mark (0 for none). */
static const struct {
    char base;
    const char *shape; /* NFD mark(s) */
} vowels[12] = {{'a', ""}, {'a', "\u0306"}, {'a', "\u0302"}, {'e', ""}, {'e', "\u0302"}, {'i', ""},
                {'o', ""}, {'o', "\u0302"}, {'o', "\u031B"}, {'u', ""}, {'u', "\u031B"}, {'y', ""}};
/* no tone, huyền, sắc, hỏi, ngã, nặng */
static const char *tones[6] = {"", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"};
/* The same 72 lowercase letters in NFC, vowel by vowel, tones in the order above. */
static const char *nfc_lower[12][6] = {
    {"a", "à", "á", "ả", "ã", "ạ"}, {"ă", "ằ", "ắ", "ẳ", "ẵ", "ặ"}, {"â", "ầ", "ấ", "ẩ", "ẫ", "ậ"},
    {"e", "è", "é", "ẻ", "ẽ", "ẹ"}, {"ê", "ề", "ế", "ể", "ễ", "ệ"}, {"i", "ì", "í", "ỉ", "ĩ", "ị"},
    {"o", "ò", "ó", "ỏ", "õ", "ọ"}, {"ô", "ồ", "ố", "ổ", "ỗ", "ộ"}, {"ơ", "ờ", "ớ", "ở", "ỡ", "ợ"},
    {"u", "ù", "ú", "ủ", "ũ", "ụ"}, {"ư", "ừ", "ứ", "ử", "ữ", "ự"}, {"y", "ỳ", "ý", "ỷ", "ỹ", "ỵ"},
};
static const char *nfc_upper[12][6] = {
    {"A", "À", "Á", "Ả", "Ã", "Ạ"}, {"Ă", "Ằ", "Ắ", "Ẳ", "Ẵ", "Ặ"}, {"Â", "Ầ", "Ấ", "Ẩ", "Ẫ", "Ậ"},
    {"E", "È", "É", "Ẻ", "Ẽ", "Ẹ"}, {"Ê", "Ề", "Ế", "Ể", "Ễ", "Ệ"}, {"I", "Ì", "Í", "Ỉ", "Ĩ", "Ị"},
    {"O", "Ò", "Ó", "Ỏ", "Õ", "Ọ"}, {"Ô", "Ồ", "Ố", "Ổ", "Ỗ", "Ộ"}, {"Ơ", "Ờ", "Ớ", "Ở", "Ỡ", "Ợ"},
    {"U", "Ù", "Ú", "Ủ", "Ũ", "Ụ"}, {"Ư", "Ừ", "Ứ", "Ử", "Ữ", "Ự"}, {"Y", "Ỳ", "Ý", "Ỷ", "Ỹ", "Ỵ"},
};

/* Checks one letter: NFD and NFC forms normalise to the NFC literal and fold to the plain
 * ASCII vowel. Returns 1 when the letter is non-ASCII (one of the 134). */
static int check_letter(const char *nfd, const char *nfc, const char *key)
{
    assert_text(eg_nfc, nfd, nfc);
    assert_text(eg_nfc, nfc, nfc);
    assert_text(eg_fold, nfd, key);
    assert_text(eg_fold, nfc, key);
    /* within a word, too */
    char w_nfd[32];
    char w_nfc[32];
    char w_key[32];
    snprintf(w_nfd, sizeof(w_nfd), "Th%sng", nfd);
    snprintf(w_nfc, sizeof(w_nfc), "Th%sng", nfc);
    snprintf(w_key, sizeof(w_key), "th%sng", key);
    assert_text(eg_nfc, w_nfd, w_nfc);
    assert_text(eg_fold, w_nfd, w_key);
    assert_text(eg_fold, w_nfc, w_key);
    return (unsigned char)nfc[0] >= 0x80;
}

static void test_all_134_vietnamese_letters(void **state)
{
    int non_ascii = 0;
    for (int v = 0; v < 12; v++) {
        for (int t = 0; t < 6; t++) {
            char key[2] = {vowels[v].base, '\0'};
            char nfd[16];
            snprintf(nfd, sizeof(nfd), "%c%s%s", vowels[v].base, vowels[v].shape, tones[t]);
            non_ascii += check_letter(nfd, nfc_lower[v][t], key);
            nfd[0] = (char)(vowels[v].base - 'a' + 'A');
            non_ascii += check_letter(nfd, nfc_upper[v][t], key);
        }
    }
    non_ascii += check_letter("đ", "đ", "d");
    non_ascii += check_letter("Đ", "Đ", "d");
    assert_int_equal(non_ascii, 134);
}

/* ------------------------------------------------------------------ fold */

static void test_fold_examples(void **state)
{
    assert_text(eg_fold, "ĐĂNG KÝ KHAI SINH", "dang ky khai sinh");
    assert_text(eg_fold, "D\u0306ng", "dng");
    assert_text(eg_fold, "hòa", "hoa");
    assert_text(eg_fold, "hoà", "hoa");
    assert_text(eg_fold, "Sở Tư pháp", "so tu phap");
    assert_text(eg_fold, "\u00D0à Nẵng", "da nang"); /* Ð look-alike */
    assert_text(eg_fold, "\u00F0\u1EA1i", "dai");    /* ð look-alike */
    assert_text(eg_fold, "  Bến   Tre\t", "ben tre");
    assert_text(eg_fold, "\n\u00A0Cà\u00A0\u00A0Mau \r\n", "ca mau");
    assert_text(eg_fold, "Số 12/2024/NĐ-CP", "so 12/2024/nd-cp");
    assert_text(eg_fold, "Tiếng Việt 中文 Ελληνικά", "tieng viet 中文 Ελληνικά");
    assert_text(eg_fold, "ƯƠ ăâêô", "uo aaeo");
    assert_text(eg_fold, "", "");
    assert_text(eg_fold, " \t ", "");
    /* NFD and NFC of the same phrase give one key */
    char *a = run(eg_fold, "\u0110a\u0306ng ky\u0301 ta\u0323m tru\u0301");
    char *b = run(eg_fold, "Đăng ký tạm trú");
    assert_string_equal(a, b);
    assert_string_equal(a, "dang ky tam tru");
    free(a);
    free(b);
}

static void test_fold_appends_and_arena(void **state)
{
    eg_buf b = EG_BUF_INIT;
    eg_buf_puts(&b, "key:");
    assert_int_equal(eg_fold("Huế", strlen("Huế"), &b), EG_OK);
    assert_string_equal(eg_buf_cstr(&b), "key:hue");
    eg_buf_free(&b);

    eg_arena *a = eg_arena_new(0);
    const char *k = eg_fold_arena(a, "  Thừa Thiên   Huế ");
    assert_non_null(k);
    assert_string_equal(k, "thua thien hue");
    assert_null(eg_fold_arena(a, NULL));
    eg_arena_free(a);
}

/* ------------------------------------------------------------------ tones */

static void test_tone_normalize(void **state)
{
    static const char *pairs[][2] = {
        {"hòa", "hoà"},           {"hoà", "hoà"},         {"khỏe", "khoẻ"},
        {"thủy", "thuỷ"},         {"Thúy", "Thuý"},       {"HÒA", "HOÀ"},
        {"KHỎE", "KHOẺ"},         {"THỦY", "THUỶ"},       {"CỘNG HÒA XÃ HỘI", "CỘNG HOÀ XÃ HỘI"},
        {"ủy ban", "uỷ ban"},     {"lũy tre", "luỹ tre"}, {"quý", "quý"},
        {"qúy", "quý"},           {"Quỳnh", "Quỳnh"},     {"già", "già"},
        {"giữa", "giữa"},         {"hoàng", "hoàng"},     {"ngoài", "ngoài"},
        {"khuya", "khuya"},       {"thuế", "thuế"},       {"hoặc", "hoặc"},
        {"ho\u0300a", "hoà"}, /* NFD in, NFC out */
        {"hòa-bình", "hoà-bình"},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        assert_text(eg_tone_normalize, pairs[i][0], pairs[i][1]);
    }
    /* old and new style meet: equal keys for exact search */
    char *old_style = run(eg_tone_normalize, "Phạm Thị Thủy, phường Hòa Khánh");
    char *new_style = run(eg_tone_normalize, "Phạm Thị Thuỷ, phường Hoà Khánh");
    assert_string_equal(old_style, new_style);
    free(old_style);
    free(new_style);
}

/* ------------------------------------------------------------------ collation */

static int cmp_vi(const void *a, const void *b)
{
    return eg_vi_collate(*(const char *const *)a, *(const char *const *)b);
}

static void test_collate_alphabet(void **state)
{
    static const char *order[] = {"An", "Ăn",   "Ân",    "Bình", "Chi", "Dũng", "Đức",
                                  "Em", "Êm",   "Giang", "Hà",   "Lan", "Oanh", "Ôn",
                                  "Ơn", "Phúc", "Út",    "Ưng",  "Vy",  "Xuân", "Yến"};
    size_t n = sizeof(order) / sizeof(order[0]);
    for (size_t i = 0; i + 1 < n; i++) {
        assert_true(eg_vi_collate(order[i], order[i + 1]) < 0);
        assert_true(eg_vi_collate(order[i + 1], order[i]) > 0);
    }
    /* sorting a shuffled copy gives the alphabetical order */
    const char *shuffled[sizeof(order) / sizeof(order[0])];
    for (size_t i = 0; i < n; i++) {
        shuffled[i] = order[(i * 8 + 5) % n];
    }
    qsort(shuffled, n, sizeof(shuffled[0]), cmp_vi);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(shuffled[i], order[i]);
    }
    /* Đ comes after every D word and before E, unlike byte order */
    assert_true(eg_vi_collate("Dzung", "Đa") < 0);
    assert_true(eg_vi_collate("Đức", "Em") < 0);
    assert_true(eg_vi_collate("Ðức", "Dzung") > 0); /* look-alike eth sorts as Đ */
}

static void test_collate_case_tones_forms(void **state)
{
    /* tones are secondary: none < huyền < hỏi < ngã < sắc < nặng */
    static const char *tone_order[] = {"ma", "mà", "mả", "mã", "má", "mạ"};
    for (size_t i = 0; i + 1 < 6; i++) {
        assert_true(eg_vi_collate(tone_order[i], tone_order[i + 1]) < 0);
    }
    /* letters decide before tones anywhere in the string */
    assert_true(eg_vi_collate("mạ", "mb") < 0);
    assert_true(eg_vi_collate("Hà Nội", "Ha Tinh") < 0);
    /* case is not a letter difference */
    assert_true(eg_vi_collate("an", "Ăn") < 0);
    assert_true(eg_vi_collate("AN", "ăn") < 0);
    assert_true(eg_vi_collate("bình", "Chi") < 0);
    /* equal only when byte-identical; NFD sorts with its NFC twin */
    assert_int_equal(eg_vi_collate("Nguyễn", "Nguyễn"), 0);
    assert_int_not_equal(eg_vi_collate("An", "an"), 0);
    const char *nfd = "\u0110u\u031B\u0301c";
    assert_true(eg_vi_collate(nfd, "Dzung") > 0);
    assert_true(eg_vi_collate(nfd, "Em") < 0);
    assert_true(eg_vi_collate(nfd, "Đức") != 0);
    assert_true(eg_vi_collate("An", "An Bình") < 0);
    assert_true(eg_vi_collate("", "a") < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_roundtrip_boundaries),
        cmocka_unit_test(test_utf8_invalid_rejected),
        cmocka_unit_test(test_nfc_composes_and_reorders),
        cmocka_unit_test(test_all_134_vietnamese_letters),
        cmocka_unit_test(test_fold_examples),
        cmocka_unit_test(test_fold_appends_and_arena),
        cmocka_unit_test(test_tone_normalize),
        cmocka_unit_test(test_collate_alphabet),
        cmocka_unit_test(test_collate_case_tones_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
