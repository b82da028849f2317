/*
 * test_identity_authz.c - the authorisation matrix (deny by default, agency scope with and
 * without sub-units through the resolver, own scope, platform scope, cross-agency denial),
 * eg_has_role, and accounts in the database (kind-specific validation, roles, permissions
 * as data, tokens) on SQLite and, when EGOV_TEST_PG is set, on PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "identity/internal.h"

static const struct eg_permission test_perms[] = {
    {"officer", "process", "dossier", EG_SCOPE_AGENCY},
    {"citizen", "read", "dossier", EG_SCOPE_OWN},
    {"leader", "*", "dossier", EG_SCOPE_AGENCY},
    {NULL, NULL, NULL, 0},
};
static const struct eg_module test_module = {.name = "testmod", .permissions = test_perms};
const struct eg_module *const eg_modules[] = {&eg_audit_module, &eg_identity_module, &test_module,
                                              NULL};

#define A     "000.00.04.H61"
#define B     "000.00.05.H61"
#define A_SUB "001.04.04.H61" /* a unit under A in this test's hierarchy */

static int within(void *ctx, const char *agency, const char *ancestor)
{
    (void)ctx;
    return strcmp(agency, A_SUB) == 0 && strcmp(ancestor, A) == 0;
}

static eg_principal person(const char *sub, eg_role_grant *g, int n)
{
    return (eg_principal){
        .subject = sub, .username = sub, .kind = "staff", .roles = g, .nroles = n};
}

static void test_matrix(void **state)
{
    (void)state;
    eg_identity_set_agency_resolver(within, NULL);
    eg_role_grant off_a[] = {{"officer", A, 0}};
    eg_role_grant off_a_sub[] = {{"officer", A, 1}};
    eg_role_grant lead_b[] = {{"leader", B, 0}};
    eg_role_grant cit[] = {{"citizen", NULL, 0}};
    eg_role_grant adm[] = {{"admin", NULL, 0}};
    eg_role_grant aud[] = {{"auditor", NULL, 0}};
    eg_role_grant aa[] = {{"agency_admin", A, 0}};
    eg_principal po = person("o1", off_a, 1), ps = person("o2", off_a_sub, 1),
                 pl = person("l1", lead_b, 1), pc = person("c1", cit, 1),
                 pa = person("root", adm, 1), pu = person("au", aud, 1), paa = person("aa", aa, 1);
    eg_object dA = {"dossier", A, "c1"}, dB = {"dossier", B, "c2"}, dSub = {"dossier", A_SUB, NULL};
    /* anonymous */
    assert_int_equal(eg_authz(NULL, "read", &dA), EG_EAUTH);
    /* officer of A: processes A's dossiers, not B's; sub-units only with include_subunits */
    assert_int_equal(eg_authz(&po, "process", &dA), 0);
    assert_int_equal(eg_authz(&po, "process", &dB), EG_EFORBIDDEN);
    assert_int_equal(eg_authz(&po, "approve", &dA), EG_EFORBIDDEN);
    assert_int_equal(eg_authz(&po, "process", &dSub), EG_EFORBIDDEN);
    assert_int_equal(eg_authz(&ps, "process", &dSub), 0);
    assert_int_equal(eg_authz(&ps, "process", &dB), EG_EFORBIDDEN);
    /* no agency on the object: agency-scoped permissions never match */
    assert_int_equal(eg_authz(&po, "process", &(eg_object){"dossier", NULL, NULL}), EG_EFORBIDDEN);
    /* leader of B: every action in B, nothing in A */
    assert_int_equal(eg_authz(&pl, "approve", &dB), 0);
    assert_int_equal(eg_authz(&pl, "approve", &dA), EG_EFORBIDDEN);
    /* citizen: own dossiers only */
    assert_int_equal(eg_authz(&pc, "read", &dA), 0);
    assert_int_equal(eg_authz(&pc, "read", &dB), EG_EFORBIDDEN);
    assert_int_equal(eg_authz(&pc, "process", &dA), EG_EFORBIDDEN);
    /* platform admin, auditor */
    assert_int_equal(eg_authz(&pa, "delete", &dB), 0);
    assert_int_equal(eg_authz(&pu, "read", &dB), 0);
    assert_int_equal(eg_authz(&pu, "update", &dB), EG_EFORBIDDEN);
    /* agency admin: users of A only, no dossiers */
    assert_int_equal(eg_authz(&paa, "update", &(eg_object){"user", A, NULL}), 0);
    assert_int_equal(eg_authz(&paa, "update", &(eg_object){"user", B, NULL}), EG_EFORBIDDEN);
    assert_int_equal(eg_authz(&paa, "read", &dA), EG_EFORBIDDEN);
    /* unknown type / role: denied */
    assert_int_equal(eg_authz(&po, "process", &(eg_object){"spaceship", A, NULL}), EG_EFORBIDDEN);
    eg_role_grant weird[] = {{"no_such_role", A, 1}};
    eg_principal pw = person("w", weird, 1);
    assert_int_equal(eg_authz(&pw, "read", &dA), EG_EFORBIDDEN);
    /* eg_has_role */
    assert_true(eg_has_role(&po, "officer", NULL));
    assert_true(eg_has_role(&po, "officer", A));
    assert_false(eg_has_role(&po, "officer", B));
    assert_false(eg_has_role(&po, "officer", A_SUB));
    assert_true(eg_has_role(&ps, "officer", A_SUB));
    assert_false(eg_has_role(&po, "leader", NULL));
    assert_false(eg_has_role(NULL, "officer", NULL));
    eg_identity_set_agency_resolver(NULL, NULL);
}

struct fx {
    char dir[64];
    eg_app app;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-idtest-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    const char *pg = getenv("EGOV_TEST_PG");
    if (pg)
        setenv("EGOV_DB_URL", pg, 1);
    setenv("EGOV_IDENTITY_ARGON2_MEMLIMIT_KIB", "8192", 1);
    char keys[128], err[256];
    snprintf(keys, sizeof(keys), "%s/keys", f->dir);
    eg_mkdir_p(keys, 0700);
    if (eg_audit_keygen(f->dir))
        return -1;
    if (eg_app_open(&f->app, f->dir, NULL, 1, err, sizeof(err))) {
        fprintf(stderr, "app open: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    eg_app_close(&f->app);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void test_accounts_db(void **state)
{
    struct fx *f = *state;
    eg_app *app = &f->app;
    char suffix[8], user[64], id[27], err[256];
    snprintf(suffix, sizeof(suffix), "%04x", (unsigned)(eg_now_ms() & 0xffff));
    snprintf(user, sizeof(user), "off.%s", suffix);
    const char *roles[] = {"officer"};
    id_new_account na = {.username = user,
                         .name = "Nguyễn Văn Thử",
                         .agency_code = A,
                         .password = "Mot-Mat-Khau-Dai",
                         .roles = roles,
                         .nroles = 1};
    assert_int_equal(eg__account_create(app, &na, "test", id, err, sizeof(err)), 0);
    assert_int_equal(eg__account_create(app, &na, "test", id, err, sizeof(err)), EG_ECONFLICT);
    /* validation */
    id_new_account bad = na;
    bad.username = "x1";
    bad.agency_code = "not-a-code";
    assert_int_equal(eg__account_create(app, &bad, "t", id, err, sizeof(err)), EG_EUNPROCESSABLE);
    bad.agency_code = A;
    bad.nroles = 0;
    assert_int_equal(eg__account_create(app, &bad, "t", id, err, sizeof(err)), EG_EUNPROCESSABLE);
    bad = (id_new_account){.username = "x2",
                           .name = "C",
                           .kind = "citizen",
                           .citizen_id = "000000000000",
                           .password = "Mot-Mat-Khau-Dai"};
    assert_int_equal(eg__account_create(app, &bad, "t", id, err, sizeof(err)), EG_EUNPROCESSABLE);
    bad = (id_new_account){.username = "x3",
                           .name = "B",
                           .kind = "business",
                           .tax_code = "0100109107",
                           .password = "Mot-Mat-Khau-Dai"};
    assert_int_equal(eg__account_create(app, &bad, "t", id, err, sizeof(err)), EG_EUNPROCESSABLE);
    bad = na;
    bad.username = "x4";
    bad.password = "x4";
    assert_int_equal(eg__account_create(app, &bad, "t", id, err, sizeof(err)), EG_EUNPROCESSABLE);
    bad.password = "Mot-Mat-Khau-Dai";
    const char *nr[] = {"emperor"};
    bad.roles = nr;
    assert_int_equal(eg__account_create(app, &bad, "t", id, err, sizeof(err)), EG_EUNPROCESSABLE);

    /* the account, its principal, authorisation against A and B */
    eg_arena *a = eg_arena_new(0);
    id_account acc;
    assert_int_equal(eg__account_get(eg_db_conn(app->db), a, "username", user, &acc), 0);
    assert_string_equal(acc.name, "Nguyễn Văn Thử");
    assert_int_equal(acc.nroles, 1);
    assert_string_equal(acc.roles[0].agency_code, A);
    eg_principal *p = eg__principal_from_account(a, &acc);
    assert_int_equal(eg_authz(p, "read", &(eg_object){"user", A, NULL}), 0);
    assert_int_equal(eg_authz(p, "read", &(eg_object){"user", B, NULL}), EG_EFORBIDDEN);
    assert_int_equal(eg_authz(p, "process", &(eg_object){"dossier", A, NULL}), 0);
    /* permissions are data: every module's table was copied */
    int64_t n = 0;
    assert_int_equal(eg_query_int64(eg_db_conn(app->db), &n,
                                    "SELECT COUNT(*) FROM identity_role_permissions WHERE "
                                    "module = 'testmod'",
                                    ""),
                     0);
    assert_int_equal(n, 3);
    /* a token for the account carries the grants and verifies */
    char *tok = NULL;
    assert_int_equal(eg_identity_issue_token(app, a, user, "openid api", 60, &tok), 0);
    json_t *claims = NULL;
    assert_int_equal(eg__jws_verify(eg__id->kr, tok, eg_now_ms(), 0, &claims), 0);
    assert_string_equal(eg_json_str(claims, "agency_code"), A);
    eg_principal *tp = eg__principal_from_claims(a, claims);
    assert_int_equal(eg_authz(tp, "process", &(eg_object){"dossier", A, NULL}), 0);
    assert_int_equal(eg_authz(tp, "process", &(eg_object){"dossier", B, NULL}), EG_EFORBIDDEN);
    json_decref(claims);
    assert_int_equal(eg_identity_issue_token(app, a, "nobody-here", NULL, 0, &tok), EG_ENOTFOUND);
    /* the audit chain holds the creation and the token issuance */
    int64_t count = 0;
    char msg[256];
    assert_int_equal(eg_audit_verify(app->db, f->dir, &count, msg, sizeof(msg)), 0);
    assert_true(count >= 2);
    eg_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),
        cmocka_unit_test_setup_teardown(test_accounts_db, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
