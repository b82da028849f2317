/* Unit tests for src/base core: errors, arenas, buffers, encodings, JSON limits, log
 * masking, configuration and atomic files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include "base/base.h"

static void test_error_table(void **state)
{
    (void)state;
    assert_int_equal(eg_err_status(EG_EINVAL), 400);
    assert_int_equal(eg_err_status(EG_ENOTFOUND), 404);
    assert_int_equal(eg_err_status(EG_ECONFLICT), 409);
    assert_int_equal(eg_err_status(EG_EPRECOND), 412);
    assert_int_equal(eg_err_status(EG_ETOOBIG), 413);
    assert_int_equal(eg_err_status(EG_EUNPROCESSABLE), 422);
    assert_int_equal(eg_err_status(EG_ERATE), 429);
    assert_int_equal(eg_err_status(-999), 500);
    assert_string_equal(eg_errname(EG_EFORBIDDEN), "EG_EFORBIDDEN");
    assert_string_equal(eg_err_slug(EG_ETOOBIG), "payload-too-large");
    /* Every code has a Vietnamese title. */
    for (int rc = 0; rc >= EG_ERRNO_MIN; rc--)
        assert_true(strlen(eg_err_title_vi(rc)) > 3);
}

static int cleaned;
static void on_free(void *arg)
{
    cleaned += *(int *)arg;
}

static void test_arena(void **state)
{
    (void)state;
    eg_arena *a = eg_arena_new(256);
    char *s = eg_arena_strdup(a, "Bến Tre");
    assert_string_equal(s, "Bến Tre");
    char *p = eg_arena_printf(a, "%s-%04d", "H07", 7);
    assert_string_equal(p, "H07-0007");
    /* Large allocations and many small ones stay valid and aligned. */
    void *big = eg_arena_alloc(a, 100000);
    memset(big, 0xab, 100000);
    for (int i = 0; i < 1000; i++) {
        void *q = eg_arena_alloc(a, 24);
        assert_int_equal((uintptr_t)q % 16, 0);
    }
    assert_string_equal(s, "Bến Tre");
    assert_true(eg_arena_used(a) >= 100000);
    static int one = 1, two = 2;
    cleaned = 0;
    eg_arena_on_free(a, on_free, &one);
    eg_arena_on_free(a, on_free, &two);
    eg_arena_free(a);
    assert_int_equal(cleaned, 3);
}

static void test_buf(void **state)
{
    (void)state;
    eg_buf b = EG_BUF_INIT;
    assert_string_equal(eg_buf_cstr(&b), "");
    for (int i = 0; i < 1000; i++)
        eg_buf_printf(&b, "%d,", i);
    assert_true(b.len > 3000);
    assert_int_equal(b.data[b.len], '\0');
    eg_buf_reset(&b);
    eg_buf_html(&b, "<a href=\"x\">Tom & Jerry's</a>");
    assert_string_equal(eg_buf_cstr(&b),
                        "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    eg_buf_reset(&b);
    eg_buf_xml(&b, "Phiếu <số 1> & \"bản sao\"");
    assert_string_equal(eg_buf_cstr(&b), "Phiếu &lt;số 1&gt; &amp; &quot;bản sao&quot;");
    eg_buf_reset(&b);
    eg_buf_urlencode(&b, "đăng ký/a b", strlen("đăng ký/a b"));
    assert_string_equal(eg_buf_cstr(&b), "%C4%91%C4%83ng%20k%C3%BD%2Fa%20b");
    eg_buf_free(&b);
    assert_true(eg_ct_equal("abc", 3, "abc", 3));
    assert_false(eg_ct_equal("abc", 3, "abd", 3));
    assert_false(eg_ct_equal("abc", 3, "abcd", 4));
}

static void test_encodings(void **state)
{
    (void)state;
    char out[128];
    eg_b64url_encode("\xfb\xff", 2, out);
    assert_string_equal(out, "-_8");
    eg_b64_encode("hello", 5, out);
    assert_string_equal(out, "aGVsbG8=");
    eg_buf b = EG_BUF_INIT;
    assert_int_equal(eg_b64_decode("aGVs\nbG8=", 9, &b), EG_OK);
    assert_string_equal(eg_buf_cstr(&b), "hello");
    eg_buf_reset(&b);
    assert_int_equal(eg_b64url_decode("-_8", 3, &b), EG_OK);
    assert_memory_equal(b.data, "\xfb\xff", 2);
    eg_buf_reset(&b);
    assert_int_equal(eg_b64url_decode("a*b", 3, &b), EG_EINVAL);
    eg_buf_free(&b);
    char h[65];
    eg_sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char id1[27], id2[27];
    eg_new_id(id1);
    eg_new_id(id2);
    assert_int_equal(strlen(id1), 26);
    assert_string_not_equal(id1, id2);
}

static void test_json_limits(void **state)
{
    (void)state;
    char err[256];
    json_t *j = eg_json_parse("{\"a\":{\"b\":[1,2]}}", 17, 8, err, sizeof(err));
    assert_non_null(j);
    json_decref(j);
    /* depth limit */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    assert_null(eg_json_parse(deep, 200, 32, err, sizeof(err)));
    assert_non_null(strstr(err, "32"));
    /* brackets inside strings do not count */
    const char *s = "{\"x\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}";
    j = eg_json_parse(s, strlen(s), 4, err, sizeof(err));
    assert_non_null(j);
    json_decref(j);
    /* duplicate keys, invalid UTF-8, NUL escapes, trailing junk */
    assert_null(eg_json_parse("{\"a\":1,\"a\":2}", 13, 8, err, sizeof(err)));
    assert_null(eg_json_parse("{\"a\":\"\xc3\x28\"}", 10, 8, err, sizeof(err)));
    assert_null(eg_json_parse("{\"a\":\"\\u0000\"}", 14, 8, err, sizeof(err)));
    assert_null(eg_json_parse("{} x", 4, 8, err, sizeof(err)));
    assert_non_null(strstr(err, "dòng"));
    j = json_pack("{s:s, s:i, s:b}", "s", "v", "n", 5, "t", 1);
    assert_string_equal(eg_json_str(j, "s"), "v");
    assert_null(eg_json_str(j, "n"));
    assert_int_equal(eg_json_int(j, "n", -1), 5);
    assert_int_equal(eg_json_int(j, "s", -1), -1);
    assert_int_equal(eg_json_bool(j, "t", 0), 1);
    json_decref(j);
}

static void test_log_masks_identifiers(void **state)
{
    (void)state;
    char path[] = "/tmp/egov-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    eg_log_set_fd(fd);
    eg_log(EG_LOG_INFO, "test", "req-1", "lookup 083085012345 done", "citizen_id", "083085012345",
           "phone", "0912345678", "agency", "000.00.07.H07", NULL);
    eg_log(EG_LOG_DEBUG, "test", NULL, "hidden below level", NULL);
    eg_log_set_fd(2);
    eg_buf b = EG_BUF_INIT;
    assert_int_equal(eg_read_file(path, 1 << 20, &b), EG_OK);
    close(fd);
    unlink(path);
    const char *line = eg_buf_cstr(&b);
    assert_null(strstr(line, "083085012345"));
    assert_null(strstr(line, "0912345678"));
    assert_non_null(strstr(line, "********2345"));
    assert_non_null(strstr(line, "000.00.07.H07"));
    assert_non_null(strstr(line, "\"request_id\":\"req-1\""));
    assert_null(strstr(line, "hidden below level"));
    json_error_t je;
    json_t *j = json_loads(line, JSON_DISABLE_EOF_CHECK, &je);
    assert_non_null(j);
    assert_string_equal(eg_json_str(j, "level"), "info");
    json_decref(j);
    eg_buf_free(&b);
}

static void test_config(void **state)
{
    (void)state;
    char path[] = "/tmp/egov-conf-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "# comment\n[http]\nlisten = 0.0.0.0:9000\nthreads=4\n[site]\nname = "
                       "Cổng dịch vụ công\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    eg_config *c = NULL;
    char err[256];
    assert_int_equal(eg_config_load(path, &c, err, sizeof(err)), EG_OK);
    assert_string_equal(eg_config_get(c, "http.listen", "x"), "0.0.0.0:9000");
    assert_int_equal(eg_config_int(c, "http.threads", 0), 4);
    assert_string_equal(eg_config_get(c, "site.name", ""), "Cổng dịch vụ công");
    assert_string_equal(eg_config_get(c, "missing.key", "def"), "def");
    setenv("EGOV_HTTP_THREADS", "7", 1);
    assert_int_equal(eg_config_int(c, "http.threads", 0), 7);
    unsetenv("EGOV_HTTP_THREADS");
    eg_config_free(c);
    /* A broken line names the file and line. */
    fd = open(path, O_WRONLY | O_TRUNC);
    const char *bad = "[http]\nlisten 1\n";
    assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
    close(fd);
    assert_int_equal(eg_config_load(path, &c, err, sizeof(err)), EG_EINVAL);
    assert_non_null(strstr(err, ":2:"));
    unlink(path);
}

static void test_atomic_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/egov-file-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[128], path[160];
    snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
    assert_int_equal(eg_mkdir_p(sub, 0700), EG_OK);
    snprintf(path, sizeof(path), "%s/f.txt", sub);
    assert_int_equal(eg_write_file_atomic(path, "one", 3, 0600), EG_OK);
    assert_int_equal(eg_write_file_atomic(path, "two!", 4, 0600), EG_OK);
    eg_buf b = EG_BUF_INIT;
    assert_int_equal(eg_read_file(path, 100, &b), EG_OK);
    assert_string_equal(eg_buf_cstr(&b), "two!");
    eg_buf_reset(&b);
    assert_int_equal(eg_read_file(path, 2, &b), EG_ETOOBIG);
    assert_int_equal(eg_read_file("/nonexistent/x", 2, &b), EG_ENOTFOUND);
    eg_buf_free(&b);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_table), cmocka_unit_test(test_arena),
        cmocka_unit_test(test_buf),         cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_json_limits), cmocka_unit_test(test_log_masks_identifiers),
        cmocka_unit_test(test_config),      cmocka_unit_test(test_atomic_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
