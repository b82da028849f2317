/*
 * test_catalog_search.c - Vietnamese full-text search on both backends (store/search.c:
 * SQLite FTS5 and the PostgreSQL GIN equivalent) over eg_fold keys, and the highlighted
 * snippets of catalog/search.c. PostgreSQL runs when EGOV_TEST_PG is set (fails instead of
 * skipping with EGOV_REQUIRE_PG=1).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "catalog/internal.h"

/* The module list lives in src/main.c, which unit tests do not link. */
const struct eg_module *const eg_modules[] = {NULL};

typedef struct {
    eg_db *db;
    char dir[256], schema[64];
} fixture;

static const char *docs[] = {
    "Đăng ký khai sinh",         "Đăng ký kết hôn",
    "Sở Tư pháp tỉnh Vĩnh Long", "Ủy ban nhân dân phường Nguyệt Hóa",
    "Cấp Phiếu lý lịch tư pháp", "Số hóa hồ sơ",
};

static int admin(const char *url, const char *sql)
{
    eg_db *db;
    char err[256];
    if (eg_db_open(url, &db, err, sizeof(err)))
        return -1;
    int rc = eg_exec_script(eg_db_conn(db), sql);
    eg_db_close(db);
    return rc;
}

static int load(fixture *f, int pg)
{
    eg_conn *c = eg_db_conn(f->db);
    const char *ddl = pg ? "CREATE TABLE docs (id BIGINT PRIMARY KEY, folded TEXT NOT NULL)"
                         : "CREATE TABLE docs (id INTEGER PRIMARY KEY, folded TEXT NOT NULL)";
    if (eg_exec_script(c, ddl) || eg_fts_ensure(c, "docs") || eg_fts_ensure(c, "docs"))
        return -1;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        eg_buf b = EG_BUF_INIT;
        eg_fold(docs[i], strlen(docs[i]), &b);
        int rc = eg_exec(c, NULL, "INSERT INTO docs (id, folded) VALUES (?, ?)", "lt",
                         (int64_t)(i + 1), eg_buf_cstr(&b));
        if (!rc)
            rc = eg_fts_put(c, "docs", (int64_t)(i + 1), eg_buf_cstr(&b));
        eg_buf_free(&b);
        if (rc)
            return -1;
    }
    return 0;
}

static int setup_sqlite(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-test-search-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char url[300], err[256];
    snprintf(url, sizeof(url), "sqlite:%s/t.db", f->dir);
    if (eg_db_open(url, &f->db, err, sizeof(err)) || load(f, 0))
        return -1;
    *state = f;
    return 0;
}

static int setup_pg(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    *state = f;
    const char *url = getenv("EGOV_TEST_PG");
    if (!url || !*url)
        return 0;
    snprintf(f->schema, sizeof(f->schema), "egov_search_%d", (int)getpid());
    char sql[200], u[1200], err[256];
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", f->schema,
             f->schema);
    if (admin(url, sql))
        return 0;
    snprintf(u, sizeof(u), "%s%coptions=-csearch_path%%3D%s", url, strchr(url, '?') ? '&' : '?',
             f->schema);
    if (eg_db_open(u, &f->db, err, sizeof(err)) || load(f, 1)) {
        eg_db_close(f->db);
        f->db = NULL;
    }
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->db)
        eg_db_close(f->db);
    if (f->dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        if (system(cmd)) {
        }
    }
    if (f->schema[0]) {
        char sql[200];
        snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", f->schema);
        admin(getenv("EGOV_TEST_PG"), sql);
    }
    free(f);
    return 0;
}

/* Ids found for a raw query, best first (as a string "1,3"). */
static void find(fixture *f, const char *q, char *out, size_t n)
{
    eg_buf fq = EG_BUF_INIT;
    assert_int_equal(eg_fold(q, strlen(q), &fq), 0);
    eg_stmt *st;
    out[0] = 0;
    int rc = eg_fts_search(eg_db_conn(f->db), "docs", NULL, eg_buf_cstr(&fq), 10, &st);
    eg_buf_free(&fq);
    if (rc == EG_EINVAL)
        return;
    assert_int_equal(rc, 0);
    while (eg_step(st) == EG_ROW) {
        size_t l = strlen(out);
        snprintf(out + l, n - l, "%s%lld", l ? "," : "", (long long)eg_col_int64(st, 0));
    }
    eg_stmt_done(st);
}

static void test_variants(void **state)
{
    fixture *f = *state;
    if (!f->db) {
        if (getenv("EGOV_REQUIRE_PG") && !strcmp(getenv("EGOV_REQUIRE_PG"), "1"))
            fail_msg("PostgreSQL required but unavailable");
        skip();
    }
    char got[64];
    const char *birth[] = {"dang ky khai sinh", "ĐĂNG KÝ KHAI SINH",
                           "D\xCC\x86" /* not a letter: odd input must not break */, NULL};
    find(f, birth[0], got, sizeof(got));
    assert_string_equal(got, "1");
    find(f, birth[1], got, sizeof(got));
    assert_string_equal(got, "1");
    find(f, birth[2], got, sizeof(got)); /* must not fail */
    /* NFD input: "Đăng ký khai sinh" decomposed */
    find(f, "\xC4\x90\x61\xCC\x86\xCC\x80ng ky\xCC\x81 khai sinh", got, sizeof(got));
    assert_string_equal(got, "1");
    find(f, "so tu phap", got, sizeof(got));
    assert_string_equal(got, "3");
    /* tone placement: hòa (old) and hoà (new) */
    char a[64], b[64];
    find(f, "Nguyệt Hòa", a, sizeof(a));
    find(f, "Nguyệt Hoà", b, sizeof(b));
    assert_string_equal(a, "4");
    assert_string_equal(a, b);
    /* prefix matching of every word, AND */
    find(f, "ly lich", got, sizeof(got));
    assert_string_equal(got, "5");
    find(f, "dang ky", got, sizeof(got));
    assert_true(!strcmp(got, "1,2") || !strcmp(got, "2,1"));
    /* query syntax characters are words' separators, not operators */
    find(f, "\"khai\" & * sinh)(:", got, sizeof(got));
    assert_string_equal(got, "1");
    find(f, "!!!", got, sizeof(got));
    assert_string_equal(got, "");
}

static void test_highlight(void **state)
{
    (void)state;
    eg_arena *a = eg_arena_new(0);
    assert_string_equal(eg__highlight(a, "Đăng ký khai sinh", "dang ky", 200),
                        "<mark>Đăng</mark> <mark>ký</mark> khai sinh");
    /* NFD source text is normalised; HTML is escaped */
    assert_string_equal(eg__highlight(a,
                                      "<b>Ho\xCC\x80"
                                      "a</b> & hòa",
                                      "hoa", 200),
                        "&lt;b&gt;<mark>Hòa</mark>&lt;/b&gt; &amp; <mark>hòa</mark>");
    /* only word starts match */
    assert_string_equal(eg__highlight(a, "Sở Tư pháp", "phap", 200), "Sở Tư <mark>pháp</mark>");
    assert_string_equal(eg__highlight(a, "lập pháp", "ap", 200), "lập pháp");
    /* long text is cut around the first match, on character boundaries */
    eg_buf long_text = EG_BUF_INIT;
    for (int i = 0; i < 60; i++)
        eg_buf_puts(&long_text, "Ủy ban ");
    eg_buf_puts(&long_text, "khai sinh cuối");
    char *h = eg__highlight(a, long_text.data, "khai", 40);
    assert_non_null(strstr(h, "<mark>khai</mark>"));
    assert_true(eg_utf8_valid(h, strlen(h)));
    assert_true(strncmp(h, "…", strlen("…")) == 0);
    eg_buf_free(&long_text);
    eg_arena_free(a);
}

/* The search body of an agency version: a retired one names its end date and successor, so
 * an old name finds it as retired (closing a version rewrites this body). */
static void test_agency_body(void **state)
{
    (void)state;
    eg_arena *a = eg_arena_new(0);
    assert_string_equal(eg__agency_search_body(a, "000.00.04.H61", "Sở Tư pháp", NULL, NULL, NULL),
                        "000.00.04.H61 Sở Tư pháp");
    assert_string_equal(eg__agency_search_body(a, "000.00.04.H61", NULL, "", NULL, NULL),
                        "000.00.04.H61 ");
    assert_string_equal(eg__agency_search_body(a, "000.00.04.H07", "Sở Tư pháp Bến Tre",
                                               "2025-06-30", "000.00.04.H61",
                                               "Sở Tư pháp tỉnh Vĩnh Long"),
                        "000.00.04.H07 Sở Tư pháp Bến Tre (hết hiệu lực sau ngày 2025-06-30; "
                        "cơ quan kế thừa: 000.00.04.H61 Sở Tư pháp tỉnh Vĩnh Long)");
    /* retired without a known successor: validity only */
    assert_string_equal(
        eg__agency_search_body(a, "000.00.20.H07", "UBND TP Bến Tre", "2025-06-30", "", NULL),
        "000.00.20.H07 UBND TP Bến Tre (hết hiệu lực sau ngày 2025-06-30)");
    eg_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_variants, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_variants, setup_pg, teardown),
        cmocka_unit_test(test_highlight),
        cmocka_unit_test(test_agency_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
