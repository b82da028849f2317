/* Unit tests for the LGSP message log and upstream address rules: the chain detects edits,
 * deletions and forged checkpoints; archiving moves the chain base and verification still
 * passes; the group-commit writer keeps one unbroken chain under concurrent submitters;
 * SSRF rules refuse private/loopback/metadata addresses unless allow-listed. Runs on SQLite
 * and, when EGOV_TEST_PG is set, on PostgreSQL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "pg_schema.h"
#include "lgsp/internal.h"

struct fixture {
    char dir[64];
    eg_app app;
    lgsp_state st;
};

static const char *const modules[] = {"lgsp", NULL};

/* The module table the library expects from main.c (none needed here). */
const struct eg_module *const eg_modules[] = {&eg_lgsp_module, NULL};

static int setup_backend(void **state, const char *pg)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-lgsp-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char url[512], err[256];
    if (pg) {
        if (pg_private_url(pg, "lgsp_log", url, sizeof(url)))
            return -1;
    } else
        snprintf(url, sizeof(url), "sqlite:%s/egov.db", f->dir);
    if (eg_db_open(url, &f->app.db, err, sizeof(err)) != EG_OK) {
        fprintf(stderr, "open %s: %s\n", url, err);
        return -1;
    }
    int applied = 0;
    if (eg_migrate(f->app.db, modules, &applied, err, sizeof(err)) != EG_OK) {
        fprintf(stderr, "migrate: %s\n", err);
        return -1;
    }
    f->app.data_dir = f->dir;
    f->st.app = &f->app;
    f->st.log_sync = 1;
    f->st.queue_max = 100000;
    pthread_mutex_init(&f->st.mu, NULL);
    pthread_cond_init(&f->st.cv_work, NULL);
    pthread_cond_init(&f->st.cv_done, NULL);
    *state = f;
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup_backend(state, NULL);
}

static int setup_pg(void **state)
{
    const char *pg = getenv("EGOV_TEST_PG");
    if (!pg) {
        if (getenv("EGOV_REQUIRE_PG") && strcmp(getenv("EGOV_REQUIRE_PG"), "1") == 0)
            return -1;
        return setup_backend(state, NULL);
    }
    return setup_backend(state, pg);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    eg__lgsp_log_stop(&f->st);
    eg_db_close(f->app.db);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static lgsp_record *make_record(int i, int64_t when)
{
    lgsp_record *r = eg__lgsp_record_new();
    snprintf(r->xroad_id, sizeof(r->xroad_id), "id-%d", i);
    snprintf(r->side, sizeof(r->side), "client");
    r->client_id = eg_strdup("c1");
    r->service_code = eg_strdup("svc");
    r->service_version = eg_strdup("v1");
    r->method = eg_strdup("POST");
    r->path = eg_asprintf("/p/%d?q=1", i);
    r->status = 200;
    r->request_in_ms = r->request_out_ms = r->response_in_ms = r->response_out_ms = when;
    char body[32];
    int n = snprintf(body, sizeof(body), "body %d", i);
    r->request_body = eg_strdup(body);
    r->request_body_len = (size_t)n;
    r->request_size = n;
    eg_sha256_hex(body, (size_t)n, r->request_sha256);
    eg_sha256_hex("", 0, r->response_sha256);
    return r;
}

static void add_n(struct fixture *f, int n, int64_t when)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(eg__lgsp_log_submit(&f->st, make_record(i, when)), EG_OK);
}

static void verify_expect(struct fixture *f, int ok, int64_t count, const char *needle)
{
    int64_t n = -1;
    char msg[256] = "";
    int rc = eg_lgsp_verify_log(f->app.db, f->dir, &n, msg, sizeof(msg));
    if (ok) {
        if (rc)
            fprintf(stderr, "verify: %s\n", msg);
        assert_int_equal(rc, EG_OK);
        assert_int_equal(n, count);
    } else {
        assert_int_equal(rc, EG_ECONFLICT);
        if (needle && !strstr(msg, needle))
            fail_msg("message '%s' lacks '%s'", msg, needle);
    }
}

static void test_chain_intact(void **state)
{
    struct fixture *f = *state;
    add_n(f, 10, 1000);
    assert_int_equal(eg_lgsp_log_checkpoint(f->app.db, f->dir), EG_OK);
    add_n(f, 3, 1000);
    verify_expect(f, 1, 13, NULL);
}

static void test_edit_detected(void **state)
{
    struct fixture *f = *state;
    add_n(f, 5, 1000);
    assert_int_equal(eg_exec(eg_db_conn(f->app.db), NULL,
                             "UPDATE lgsp_message SET path = '/evil' WHERE id = 3", ""),
                     EG_OK);
    verify_expect(f, 0, 0, "record 3");
}

static void test_body_edit_detected(void **state)
{
    struct fixture *f = *state;
    add_n(f, 5, 1000);
    assert_int_equal(eg_exec(eg_db_conn(f->app.db), NULL,
                             "UPDATE lgsp_message SET request_body = ? WHERE id = 2", "b", "x",
                             (size_t)1),
                     EG_OK);
    verify_expect(f, 0, 0, "body");
}

static void test_deletion_detected(void **state)
{
    struct fixture *f = *state;
    add_n(f, 5, 1000);
    assert_int_equal(
        eg_exec(eg_db_conn(f->app.db), NULL, "DELETE FROM lgsp_message WHERE id = 2", ""), EG_OK);
    verify_expect(f, 0, 0, "missing");
}

static void test_forged_checkpoint_detected(void **state)
{
    struct fixture *f = *state;
    add_n(f, 4, 1000);
    assert_int_equal(eg_lgsp_log_checkpoint(f->app.db, f->dir), EG_OK);
    assert_int_equal(
        eg_exec(eg_db_conn(f->app.db), NULL,
                "UPDATE lgsp_log_checkpoint SET signature = "
                "'00000000000000000000000000000000000000000000000000000000000000000000000000000000"
                "000000000000000000000000000000000000000000000000'",
                ""),
        EG_OK);
    verify_expect(f, 0, 0, "signature");
}

static void test_archive_moves_base(void **state)
{
    struct fixture *f = *state;
    add_n(f, 6, 1000); /* old */
    assert_int_equal(eg_lgsp_log_checkpoint(f->app.db, f->dir), EG_OK);
    add_n(f, 4, 999999999); /* recent */
    int64_t n = 0;
    assert_int_equal(eg__lgsp_archive(&f->st, 5000, &n), EG_OK);
    assert_int_equal(n, 6);
    char path[256];
    snprintf(path, sizeof(path), "%s/lgsp-archive/000000000001-000000000006.jsonl", f->dir);
    assert_true(eg_path_exists(path));
    verify_expect(f, 1, 4, NULL);
    add_n(f, 2, 999999999);
    verify_expect(f, 1, 6, NULL);
}

struct submitter {
    struct fixture *f;
    int base;
};

static void *submit_many(void *arg)
{
    struct submitter *s = arg;
    for (int i = 0; i < 100; i++)
        eg__lgsp_log_submit(&s->f->st, make_record(s->base + i, 1000));
    return NULL;
}

static void test_group_commit_writer(void **state)
{
    struct fixture *f = *state;
    eg__lgsp_log_start(&f->st);
    pthread_t t[4];
    struct submitter s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (struct submitter){f, i * 1000};
        pthread_create(&t[i], NULL, submit_many, &s[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    /* log_sync: every submit returned after its record committed. */
    int64_t rows = 0;
    assert_int_equal(
        eg_query_int64(eg_db_conn(f->app.db), &rows, "SELECT COUNT(*) FROM lgsp_message", ""),
        EG_OK);
    assert_int_equal(rows, 400);
    eg__lgsp_log_stop(&f->st);
    f->st.writer_started = 0;
    verify_expect(f, 1, 400, NULL);
}

static void test_ssrf_rules(void **state)
{
    (void)state;
    char why[256];
    assert_int_equal(eg__lgsp_check_url("http://127.0.0.1:8080/x", "", why, sizeof(why)),
                     EG_EUNPROCESSABLE);
    assert_int_equal(
        eg__lgsp_check_url("http://127.0.0.1:8080/x", "127.0.0.1/32", why, sizeof(why)), EG_OK);
    assert_int_equal(eg__lgsp_check_url("http://127.0.0.2/", "127.0.0.1/32", why, sizeof(why)),
                     EG_EUNPROCESSABLE);
    const char *bad[] = {"http://10.0.0.1/",
                         "http://169.254.169.254/latest",
                         "http://[::1]/",
                         "http://[::ffff:10.0.0.1]/",
                         "http://[fd00::1]/",
                         "http://0.0.0.0/",
                         "http://100.64.1.1/",
                         "http://172.16.0.1/",
                         "ftp://8.8.8.8/",
                         "http://u:p@8.8.8.8/",
                         "file:///etc/passwd",
                         "gopher://8.8.8.8/",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        if (eg__lgsp_check_url(bad[i], "127.0.0.1/32", why, sizeof(why)) != EG_EUNPROCESSABLE)
            fail_msg("%s was accepted", bad[i]);
    }
    /* IPv4-mapped loopback is loopback. */
    assert_int_equal(eg__lgsp_check_url("http://[::ffff:127.0.0.1]/", "", why, sizeof(why)),
                     EG_EUNPROCESSABLE);
    assert_int_equal(eg__lgsp_check_url("https://8.8.8.8/api", "", why, sizeof(why)), EG_OK);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "192.168.1.5", &a.sin_addr);
    assert_false(eg__lgsp_addr_allowed(&a, ""));
    assert_true(eg__lgsp_addr_allowed(&a, "10.0.0.0/8, 192.168.1.0/24"));
}

static void test_xform(void **state)
{
    (void)state;
    eg_buf out = EG_BUF_INIT;
    const char *j = "{\"a\":{\"@x\":\"1\",\"b\":[\"p\",\"q\"],\"c\":null,\"n\":2}}";
    assert_int_equal(eg__lgsp_json_to_xml(j, strlen(j), &out), EG_OK);
    assert_string_equal(eg_buf_cstr(&out), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                                           "<a x=\"1\"><b>p</b><b>q</b><c/><n>2</n></a>");
    eg_buf_reset(&out);
    const char *x = "<a x=\"1\"><b>p</b><b>q</b><c>t</c></a>";
    assert_int_equal(eg__lgsp_xml_to_json(x, strlen(x), &out), EG_OK);
    assert_string_equal(eg_buf_cstr(&out),
                        "{\"a\":{\"@x\":\"1\",\"b\":[\"p\",\"q\"],\"c\":\"t\"}}");
    eg_buf_reset(&out);
    const char *xxe =
        "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
        "<a>&e;</a>";
    assert_int_equal(eg__lgsp_xml_to_json(xxe, strlen(xxe), &out), EG_EINVAL);
    assert_int_equal(eg__lgsp_json_to_xml("{\"1bad\":1}", 10, &out), EG_EINVAL);
    assert_int_equal(eg__lgsp_json_to_xml("{", 1, &out), EG_EINVAL);
    assert_int_equal(eg__lgsp_xml_to_json("<a><b></a>", 10, &out), EG_EINVAL);
    eg_buf_free(&out);
}

#define BOTH(fn)                                                                                   \
    cmocka_unit_test_setup_teardown(fn, setup_sqlite, teardown),                                   \
        cmocka_unit_test_setup_teardown(fn, setup_pg, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_chain_intact),
        BOTH(test_edit_detected),
        BOTH(test_body_edit_detected),
        BOTH(test_deletion_detected),
        BOTH(test_forged_checkpoint_detected),
        BOTH(test_archive_moves_base),
        BOTH(test_group_commit_writer),
        cmocka_unit_test(test_ssrf_rules),
        cmocka_unit_test(test_xform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
