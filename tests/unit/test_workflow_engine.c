/* Unit tests for the workflow engine through its C API (what the dossier module uses): deploy
 * and versioning, start inside the caller's transaction (rollback leaves nothing), branching,
 * parallel and inclusive gateways, intermediate and boundary timers fired by tick exactly once,
 * service handlers with retries becoming incidents, end hooks, return to the previous step,
 * and invalid models with element id and line. SQLite, and PostgreSQL when EGOV_TEST_PG. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "pg_schema.h"
#include "workflow/internal.h"
#include "workflow/workflow.h"

static const char *const modules[] = {"audit", "workflow", NULL};

#define HEAD                                                                                       \
    "<?xml version=\"1.0\"?>\n<bpmn:definitions "                                                  \
    "xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" "                                  \
    "xmlns:camunda=\"http://camunda.org/schema/1.0/bpmn\" "                                        \
    "xmlns:egov=\"http://egov.local/schema/bpmn\">\n"
#define TAIL "</bpmn:process>\n</bpmn:definitions>\n"

/* start -> A(officer) -> xor(ok? B : C) ; B(leader) -> end ; C -> end */
static const char *XOR_MODEL =
    HEAD "<bpmn:process id=\"p-xor\" isExecutable=\"true\">\n"
         "<bpmn:startEvent id=\"s\"/>\n"
         "<bpmn:userTask id=\"A\" camunda:candidateGroups=\"officer\" egov:workingDays=\"2\"/>\n"
         "<bpmn:exclusiveGateway id=\"g\" default=\"f4\"/>\n"
         "<bpmn:userTask id=\"B\" camunda:candidateGroups=\"leader\"/>\n"
         "<bpmn:endEvent id=\"e1\"/><bpmn:endEvent id=\"e2\"/>\n"
         "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"A\"/>\n"
         "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"A\" targetRef=\"g\"/>\n"
         "<bpmn:sequenceFlow id=\"f3\" sourceRef=\"g\" targetRef=\"B\">"
         "<bpmn:conditionExpression>${ok == true}</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
         "<bpmn:sequenceFlow id=\"f4\" sourceRef=\"g\" targetRef=\"e2\"/>\n"
         "<bpmn:sequenceFlow id=\"f5\" sourceRef=\"B\" targetRef=\"e1\"/>\n" TAIL;

/* parallel split into a service task and a user task, join, intermediate timer, end */
static const char *PAR_MODEL =
    HEAD "<bpmn:process id=\"p-par\" isExecutable=\"true\">\n"
         "<bpmn:startEvent id=\"s\"/>\n"
         "<bpmn:parallelGateway id=\"fork\"/>\n"
         "<bpmn:serviceTask id=\"svc\" egov:handler=\"test:count\"/>\n"
         "<bpmn:userTask id=\"U\" camunda:assignee=\"${who}\"/>\n"
         "<bpmn:parallelGateway id=\"join\"/>\n"
         "<bpmn:intermediateCatchEvent id=\"wait\"><bpmn:timerEventDefinition>"
         "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
         "</bpmn:intermediateCatchEvent>\n"
         "<bpmn:endEvent id=\"e\"/>\n"
         "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"fork\"/>\n"
         "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"fork\" targetRef=\"svc\"/>\n"
         "<bpmn:sequenceFlow id=\"f3\" sourceRef=\"fork\" targetRef=\"U\"/>\n"
         "<bpmn:sequenceFlow id=\"f4\" sourceRef=\"svc\" targetRef=\"join\"/>\n"
         "<bpmn:sequenceFlow id=\"f5\" sourceRef=\"U\" targetRef=\"join\"/>\n"
         "<bpmn:sequenceFlow id=\"f6\" sourceRef=\"join\" targetRef=\"wait\"/>\n"
         "<bpmn:sequenceFlow id=\"f7\" sourceRef=\"wait\" targetRef=\"e\"/>\n" TAIL;

/* failing service task with a non-interrupting boundary timer; inclusive gateway */
static const char *INC_MODEL =
    HEAD "<bpmn:process id=\"p-inc\" isExecutable=\"true\">\n"
         "<bpmn:startEvent id=\"s\"/>\n"
         "<bpmn:inclusiveGateway id=\"split\" default=\"fd\"/>\n"
         "<bpmn:userTask id=\"X\" camunda:candidateGroups=\"officer\"/>\n"
         "<bpmn:userTask id=\"Y\" camunda:candidateGroups=\"officer\"/>\n"
         "<bpmn:inclusiveGateway id=\"merge\"/>\n"
         "<bpmn:serviceTask id=\"bad\" camunda:delegateExpression=\"${fail}\"/>\n"
         "<bpmn:boundaryEvent id=\"remind\" attachedToRef=\"bad\" cancelActivity=\"false\">"
         "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration>"
         "</bpmn:timerEventDefinition></bpmn:boundaryEvent>\n"
         "<bpmn:endEvent id=\"e\"/><bpmn:endEvent id=\"r\"/>\n"
         "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"split\"/>\n"
         "<bpmn:sequenceFlow id=\"fx\" sourceRef=\"split\" targetRef=\"X\">"
         "<bpmn:conditionExpression>${x}</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
         "<bpmn:sequenceFlow id=\"fy\" sourceRef=\"split\" targetRef=\"Y\">"
         "<bpmn:conditionExpression>${y}</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
         "<bpmn:sequenceFlow id=\"fd\" sourceRef=\"split\" targetRef=\"merge\"/>\n"
         "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"X\" targetRef=\"merge\"/>\n"
         "<bpmn:sequenceFlow id=\"f3\" sourceRef=\"Y\" targetRef=\"merge\"/>\n"
         "<bpmn:sequenceFlow id=\"f4\" sourceRef=\"merge\" targetRef=\"bad\"/>\n"
         "<bpmn:sequenceFlow id=\"f5\" sourceRef=\"bad\" targetRef=\"e\"/>\n"
         "<bpmn:sequenceFlow id=\"f6\" sourceRef=\"remind\" targetRef=\"r\"/>\n" TAIL;

/* an intermediate timer whose path cannot run: the gateway after it compares a string with a
 * number when the timer fires */
static const char *TIMER_FAIL_MODEL =
    HEAD "<bpmn:process id=\"p-tfail\" isExecutable=\"true\">\n"
         "<bpmn:startEvent id=\"s\"/>\n"
         "<bpmn:intermediateCatchEvent id=\"wait\"><bpmn:timerEventDefinition>"
         "<bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>"
         "</bpmn:intermediateCatchEvent>\n"
         "<bpmn:exclusiveGateway id=\"g\" default=\"fd\"/>\n"
         "<bpmn:endEvent id=\"big\"/><bpmn:endEvent id=\"small\"/>\n"
         "<bpmn:sequenceFlow id=\"f1\" sourceRef=\"s\" targetRef=\"wait\"/>\n"
         "<bpmn:sequenceFlow id=\"f2\" sourceRef=\"wait\" targetRef=\"g\"/>\n"
         "<bpmn:sequenceFlow id=\"fb\" sourceRef=\"g\" targetRef=\"big\">"
         "<bpmn:conditionExpression>${n > 5}</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
         "<bpmn:sequenceFlow id=\"fd\" sourceRef=\"g\" targetRef=\"small\"/>\n" TAIL;

struct fixture {
    char dir[64];
    eg_app app;
};

static int ended, counted, overdue_calls;
static char ended_state[32];

static void on_end(eg_conn *c, int64_t id, const char *key, const char *bk, const char *state,
                   const json_t *vars, void *ctx)
{
    ended++;
    snprintf(ended_state, sizeof(ended_state), "%s", state);
}

static void on_overdue(eg_conn *c, int64_t task, int64_t inst, const char *el, const char *ag,
                       void *ctx)
{
    overdue_calls++;
}

static int count_handler(eg_conn *c, const eg_wf_call *call, void *ctx, char *err, size_t n)
{
    counted++;
    json_object_set_new(call->vars, "counted", json_integer(counted));
    return EG_OK;
}

static int setup_backend(void **state, const char *pg)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-wf-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char url[512], err[256];
    if (pg) {
        if (pg_private_url(pg, "workflow_engine", url, sizeof(url)))
            return -1;
    } else
        snprintf(url, sizeof(url), "sqlite:%s/egov.db", f->dir);
    if (eg_db_open(url, &f->app.db, err, sizeof(err)) != EG_OK)
        return -1;
    int applied = 0;
    if (eg_migrate(f->app.db, modules, &applied, err, sizeof(err)) != EG_OK) {
        fprintf(stderr, "migrate: %s\n", err);
        return -1;
    }
    f->app.calendar = eg_calendar_new();
    static int once;
    if (!once) {
        once = 1;
        eg_wf_on_end(on_end, NULL);
        eg_wf_on_overdue(on_overdue, NULL);
        eg_wf_register_handler("test:count", count_handler, NULL);
    }
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
        if (getenv("EGOV_REQUIRE_PG") && !strcmp(getenv("EGOV_REQUIRE_PG"), "1"))
            return -1;
        return setup_backend(state, NULL);
    }
    return setup_backend(state, pg);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    eg_calendar_free(f->app.calendar);
    eg_db_close(f->app.db);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void deploy_ok(eg_conn *c, const char *xml, int expect_version)
{
    char key[128], err[400];
    int v = 0;
    int rc = eg_wf_deploy(c, xml, strlen(xml), "test", key, &v, err, sizeof(err));
    if (rc)
        fprintf(stderr, "deploy: %s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(v, expect_version);
}

static int64_t q64(eg_conn *c, const char *sql, int64_t id)
{
    int64_t n = -1;
    eg_query_int64(c, &n, sql, "l", id);
    return n;
}

static const char *state_of(eg_conn *c, int64_t id, char *buf)
{
    json_t *j = NULL;
    assert_int_equal(eg_wf_instance_json(c, id, &j), 0);
    snprintf(buf, 32, "%s", eg_json_str(j, "state"));
    json_decref(j);
    return buf;
}

static void test_xor_and_versions(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    deploy_ok(c, XOR_MODEL, 1);
    deploy_ok(c, XOR_MODEL, 1); /* same XML: same version */
    char err[400], buf[32];
    int64_t id = 0;
    json_t *vars = json_pack("{s:s}", "k", "v");
    /* start inside the caller's transaction, then roll back: nothing remains */
    assert_int_equal(eg_tx_begin(c), 0);
    eg_wf_start_opts o = {.definition_key = "p-xor",
                          .business_key = "HS-1",
                          .agency_code = "000.00.07.H61",
                          .variables = vars,
                          .by = "t"};
    assert_int_equal(eg_wf_start(&f->app, c, &o, &id, err, sizeof(err)), 0);
    assert_int_equal(eg_tx_rollback(c), 0);
    assert_int_equal(q64(c, "SELECT COUNT(*) FROM wf_instance WHERE id >= ?", 0), 0);
    assert_int_equal(eg_wf_start(&f->app, c, &o, &id, err, sizeof(err)), 0);
    assert_int_equal(q64(c,
                         "SELECT COUNT(*) FROM wf_task WHERE instance_id = ? AND due_at IS NOT "
                         "NULL AND state = 'open'",
                         id),
                     1);
    /* overdue in working time: flagged once by the scheduler (escalation) */
    assert_int_equal(eg_wf_tick(&f->app, eg_now_ms()), 0);
    int before_overdue = overdue_calls;
    assert_int_equal(eg_wf_tick(&f->app, eg_now_ms() + 30LL * 86400000), 1);
    assert_int_equal(overdue_calls, before_overdue + 1);
    assert_int_equal(eg_wf_tick(&f->app, eg_now_ms() + 30LL * 86400000), 0);
    assert_int_equal(q64(c, "SELECT escalated FROM wf_task WHERE instance_id = ?", id), 1);
    /* a new version does not move the running instance */
    char *v2 = strdup(XOR_MODEL);
    memcpy(strstr(v2, "id=\"B\""), "id=\"B\"", 6);
    char *p = strstr(v2, "<bpmn:endEvent id=\"e1\"/>");
    memcpy(p, "<bpmn:endEvent id=\"e1\"/>", 24);
    char *v2b = malloc(strlen(v2) + 40);
    snprintf(v2b, strlen(v2) + 40, "%s<!-- v2 -->", v2);
    deploy_ok(c, v2b, 2);
    free(v2);
    free(v2b);
    int64_t found = 0;
    assert_int_equal(eg_wf_find_by_business_key(c, "HS-1", &found), 0);
    assert_int_equal(found, id);
    assert_int_equal(q64(c, "SELECT version FROM wf_instance WHERE id = ?", id), 1);
    /* wrong element: not found; complete with ok=true goes to B */
    assert_int_equal(eg_wf_signal(&f->app, c, id, "B", "t", NULL, err, sizeof(err)), EG_ENOTFOUND);
    json_t *ok = json_pack("{s:b}", "ok", 1);
    assert_int_equal(eg_wf_signal(&f->app, c, id, "A", "t", ok, err, sizeof(err)), 0);
    assert_string_equal(state_of(c, id, buf), "active");
    int before = ended;
    assert_int_equal(eg_wf_signal(&f->app, c, id, "B", "t", NULL, err, sizeof(err)), 0);
    assert_string_equal(state_of(c, id, buf), "completed");
    assert_int_equal(ended, before + 1);
    assert_string_equal(ended_state, "completed");
    /* default path */
    int64_t id2;
    assert_int_equal(eg_wf_start(&f->app, c, &o, &id2, err, sizeof(err)), 0);
    assert_int_equal(eg_wf_signal(&f->app, c, id2, "A", "t", NULL, err, sizeof(err)), 0);
    assert_string_equal(state_of(c, id2, buf), "completed");
    /* terminate */
    int64_t id3;
    assert_int_equal(eg_wf_start(&f->app, c, &o, &id3, err, sizeof(err)), 0);
    assert_int_equal(eg_wf_terminate(&f->app, c, id3, "t", "test"), 0);
    assert_string_equal(state_of(c, id3, buf), "terminated");
    assert_int_equal(
        q64(c, "SELECT COUNT(*) FROM wf_task WHERE instance_id = ? AND state = 'open'", id3), 0);
    assert_int_equal(eg_wf_terminate(&f->app, c, id3, "t", "again"), EG_ECONFLICT);
    json_decref(vars);
    json_decref(ok);
}

static void test_parallel_timer(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    deploy_ok(c, PAR_MODEL, 1);
    char err[400], buf[32];
    int64_t id;
    json_t *vars = json_pack("{s:s}", "who", "alice");
    eg_wf_start_opts o = {
        .definition_key = "p-par", .agency_code = "000.00.07.H61", .variables = vars};
    counted = 0;
    assert_int_equal(eg_wf_start(&f->app, c, &o, &id, err, sizeof(err)), 0);
    assert_int_equal(counted, 1);
    assert_int_equal(q64(c,
                         "SELECT COUNT(*) FROM wf_task WHERE instance_id = ? AND assignee = "
                         "'alice'",
                         id),
                     1);
    assert_int_equal(eg_wf_signal(&f->app, c, id, "U", "alice", NULL, err, sizeof(err)), 0);
    /* joined, now waiting on the intermediate timer */
    assert_int_equal(q64(c,
                         "SELECT COUNT(*) FROM wf_timer WHERE instance_id = ? AND state = "
                         "'pending'",
                         id),
                     1);
    assert_int_equal(eg_wf_tick(&f->app, eg_now_ms()), 0); /* not due yet */
    assert_string_equal(state_of(c, id, buf), "active");
    int64_t later = eg_now_ms() + 2 * 3600 * 1000;
    assert_true(eg_wf_tick(&f->app, later) >= 1);
    assert_string_equal(state_of(c, id, buf), "completed");
    assert_int_equal(eg_wf_tick(&f->app, later), 0); /* never twice */
    assert_int_equal(q64(c,
                         "SELECT COUNT(*) FROM wf_history WHERE instance_id = ? AND element_id "
                         "= 'wait'",
                         id),
                     1);
    json_t *j;
    assert_int_equal(eg_wf_instance_json(c, id, &j), 0);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "variables"), "counted")), 1);
    json_decref(j);
    json_decref(vars);
}

static void test_inclusive_incident(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    deploy_ok(c, INC_MODEL, 1);
    char err[400];
    int64_t id;
    json_t *vars = json_pack("{s:b, s:b}", "x", 1, "y", 1);
    eg_wf_start_opts o = {
        .definition_key = "p-inc", .agency_code = "000.00.07.H61", .variables = vars};
    assert_int_equal(eg_wf_start(&f->app, c, &o, &id, err, sizeof(err)), 0);
    assert_int_equal(
        q64(c, "SELECT COUNT(*) FROM wf_task WHERE instance_id = ? AND state = 'open'", id), 2);
    assert_int_equal(eg_wf_signal(&f->app, c, id, "X", "t", NULL, err, sizeof(err)), 0);
    assert_int_equal(q64(c, "SELECT COUNT(*) FROM wf_job WHERE instance_id = ?", id), 0);
    assert_int_equal(eg_wf_signal(&f->app, c, id, "Y", "t", NULL, err, sizeof(err)), 0);
    /* merged; the "fail" handler failed once inline and is now a pending job */
    assert_int_equal(q64(c,
                         "SELECT COUNT(*) FROM wf_job WHERE instance_id = ? AND state = "
                         "'pending'",
                         id),
                     1);
    int64_t t = eg_now_ms();
    for (int i = 1; i <= 4; i++)
        eg_wf_tick(&f->app, t + (int64_t)i * 600 * 1000);
    assert_int_equal(q64(c,
                         "SELECT COUNT(*) FROM wf_job WHERE instance_id = ? AND state = "
                         "'incident' AND attempts = 3",
                         id),
                     1);
    /* the non-interrupting reminder fired once and ended its own branch */
    assert_int_equal(q64(c,
                         "SELECT COUNT(*) FROM wf_history WHERE instance_id = ? AND element_id "
                         "= 'r'",
                         id),
                     1);
    char buf[32];
    assert_string_equal(state_of(c, id, buf), "active");
    json_decref(vars);
}

/* A timer whose firing fails becomes an incident: parked (never fires again by itself), listed
 * with the service-task incidents with its error, audited; the instance stays where it was. */
static void test_timer_incident(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    deploy_ok(c, TIMER_FAIL_MODEL, 1);
    char err[400];
    int64_t id;
    json_t *vars = json_pack("{s:s}", "n", "abc");
    eg_wf_start_opts o = {
        .definition_key = "p-tfail", .agency_code = "000.00.07.H61", .variables = vars};
    assert_int_equal(eg_wf_start(&f->app, c, &o, &id, err, sizeof(err)), 0);
    json_t *list = NULL;
    assert_int_equal(eg__wf_incident_list(c, &list), 0);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    int64_t later = eg_now_ms() + 5 * 60 * 1000;
    assert_int_equal(eg_wf_tick(&f->app, later), 0); /* failed: nothing fired */
    assert_int_equal(q64(c,
                         "SELECT COUNT(*) FROM wf_timer WHERE instance_id = ? AND state = "
                         "'incident' AND attempts = 1 AND failed_at IS NOT NULL",
                         id),
                     1);
    assert_int_equal(eg_wf_tick(&f->app, later + 60 * 1000), 0); /* parked, not retried */
    assert_int_equal(
        q64(c, "SELECT COUNT(*) FROM wf_timer WHERE instance_id = ? AND state = 'pending'", id), 0);
    char buf[32];
    assert_string_equal(state_of(c, id, buf), "active");
    assert_int_equal(q64(c,
                         "SELECT COUNT(*) FROM wf_token WHERE instance_id = ? AND element_id = "
                         "'wait'",
                         id),
                     1);
    assert_int_equal(
        q64(c, "SELECT COUNT(*) FROM audit_log WHERE action = 'workflow.incident.open' AND ? > 0",
            id),
        1);
    assert_int_equal(eg__wf_incident_list(c, &list), 0);
    assert_int_equal(json_array_size(list), 1);
    json_t *it = json_array_get(list, 0);
    assert_string_equal(eg_json_str(it, "kind"), "timer");
    assert_string_equal(eg_json_str(it, "state"), "incident");
    assert_string_equal(eg_json_str(it, "element_id"), "wait");
    assert_string_equal(eg_json_str(it, "agency_code"), "000.00.07.H61");
    assert_int_equal(eg_json_int(it, "instance_id", 0), id);
    assert_non_null(strstr(eg_json_str(it, "id"), "timer-"));
    assert_non_null(strstr(eg_json_str(it, "last_error"), "so sánh"));
    json_decref(list);
    json_decref(vars);
}

static void test_invalid(void **state)
{
    (void)state;
    char err[400], key[64];
    const char *cases[][2] = {
        {"<bpmn:definitions", "XML"},
        {HEAD "<bpmn:process id=\"p\"><bpmn:startEvent id=\"s\"/><bpmn:endEvent id=\"e\"/>"
              "<bpmn:sequenceFlow id=\"dangling\" sourceRef=\"s\" targetRef=\"nope\"/>" TAIL,
         "'dangling' (dòng 3)"},
        {HEAD "<bpmn:process id=\"p\"><bpmn:startEvent id=\"s\"/>\n<bpmn:scriptTask id=\"sc\"/>"
              "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"sc\"/>" TAIL,
         "'sc' (dòng 4)"},
        {HEAD "<bpmn:process id=\"p\"><bpmn:startEvent id=\"s\"/><bpmn:userTask id=\"u\"/>"
              "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"u\"/>" TAIL,
         "'u'"},
        {HEAD "<bpmn:process id=\"p\"><bpmn:startEvent id=\"s\"/><bpmn:exclusiveGateway id=\"g\"/>"
              "<bpmn:endEvent id=\"a\"/><bpmn:endEvent id=\"b\"/>"
              "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"g\"/>"
              "<bpmn:sequenceFlow id=\"fa\" sourceRef=\"g\" targetRef=\"a\"/>"
              "<bpmn:sequenceFlow id=\"fb\" sourceRef=\"g\" targetRef=\"b\"/>" TAIL,
         "'fa'"},
        {HEAD
         "<bpmn:process id=\"p\"><bpmn:startEvent id=\"s\"/><bpmn:endEvent id=\"e\"/>"
         "<bpmn:sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\"><bpmn:conditionExpression>"
         "${a.b()}</bpmn:conditionExpression></bpmn:sequenceFlow>" TAIL,
         "'f'"},
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
         "<x>&e;</x>",
         "DOCTYPE"},
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
         "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n"
         "<x>&c;&c;&c;</x>",
         "dòng"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc =
            eg_wf_validate(cases[i][0], strlen(cases[i][0]), key, sizeof(key), err, sizeof(err));
        if (!strstr(err, cases[i][1]))
            fprintf(stderr, "case %zu: %s\n", i, err);
        assert_int_equal(rc, EG_EUNPROCESSABLE);
        assert_non_null(strstr(err, cases[i][1]));
        assert_null(strstr(err, "root:"));
    }
    assert_int_equal(
        eg_wf_validate(XOR_MODEL, strlen(XOR_MODEL), key, sizeof(key), err, sizeof(err)), 0);
    assert_string_equal(key, "p-xor");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid),
        cmocka_unit_test_setup_teardown(test_xor_and_versions, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_timer, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_inclusive_incident, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_timer_incident, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_xor_and_versions, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_timer, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_inclusive_incident, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_timer_incident, setup_pg, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
