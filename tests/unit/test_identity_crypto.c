/*
 * test_identity_crypto.c - JWS sign/verify (ES256, EdDSA; tampered payload and signature,
 * alg none, HS256, wrong key, expired, not yet valid, malformed), TOTP with the RFC 6238
 * appendix B vectors, PKCE S256 with the RFC 7636 appendix B example, base32, passwords
 * (argon2id, policy) and throttling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "identity/internal.h"

const struct eg_module *const eg_modules[] = {&eg_identity_module, NULL};

static char *b64json(eg_arena *a, const char *json)
{
    char *out = eg_arena_alloc(a, strlen(json) * 2 + 4);
    eg_b64url_encode(json, strlen(json), out);
    return out;
}

static json_t *claims_at(int64_t exp_s)
{
    return json_pack("{s:s, s:s, s:I, s:I}", "iss", "http://x", "sub", "u1", "exp",
                     (json_int_t)exp_s, "iat", (json_int_t)(exp_s - 100));
}

static void test_sign_verify(void **state)
{
    (void)state;
    eg_arena *a = eg_arena_new(0);
    id_keyring *kr = eg__keys_ephemeral();
    assert_non_null(kr);
    int64_t now = eg_now_ms();
    json_t *c = claims_at(now / 1000 + 60);
    for (int alg = ID_ALG_ES256; alg <= ID_ALG_EDDSA; alg++) {
        char *t = eg__jws_sign(a, kr, alg, "at+jwt", c);
        assert_non_null(t);
        json_t *out = NULL;
        assert_int_equal(eg__jws_verify(kr, t, now, 0, &out), 0);
        assert_string_equal(eg_json_str(out, "sub"), "u1");
        json_decref(out);
        id_jws j;
        assert_int_equal(eg__jws_parse(t, strlen(t), &j), 0);
        assert_string_equal(j.alg, alg == ID_ALG_ES256 ? "ES256" : "EdDSA");
        assert_string_equal(j.typ, "at+jwt");
        eg__jws_clear(&j);

        /* tampered payload, same signature */
        char *d1 = strchr(t, '.'), *d2 = strrchr(t, '.');
        char *forged = eg_arena_printf(a, "%.*s.%s%s", (int)(d1 - t), t,
                                       b64json(a, "{\"sub\":\"admin\",\"exp\":9999999999}"), d2);
        assert_int_equal(eg__jws_verify(kr, forged, now, 0, &out), EG_EAUTH);
        /* flipped signature bit */
        char *flip = eg_arena_strdup(a, t);
        size_t n = strlen(flip);
        flip[n - 5] = flip[n - 5] == 'A' ? 'B' : 'A';
        assert_int_equal(eg__jws_verify(kr, flip, now, 0, &out), EG_EAUTH);
        /* truncated signature */
        char *trunc = eg_arena_strndup(a, t, n - 4);
        assert_int_equal(eg__jws_verify(kr, trunc, now, 0, &out), EG_EAUTH);
        /* alg none with an empty signature; alg HS256 with some MAC */
        char *none = eg_arena_printf(a, "%s.%.*s.", b64json(a, "{\"alg\":\"none\"}"),
                                     (int)(d2 - d1 - 1), d1 + 1);
        assert_int_equal(eg__jws_verify(kr, none, now, 0, &out), EG_EAUTH);
        char *hs = eg_arena_printf(a, "%s.%.*s%s", b64json(a, "{\"alg\":\"HS256\"}"),
                                   (int)(d2 - d1 - 1), d1 + 1, d2);
        assert_int_equal(eg__jws_verify(kr, hs, now, 0, &out), EG_EAUTH);
        /* expired, and wrong key (another keyring) */
        assert_int_equal(eg__jws_verify(kr, t, now + 61000, 0, &out), EG_EAUTH);
        id_keyring *other = eg__keys_ephemeral();
        assert_int_equal(eg__jws_verify(other, t, now, 0, &out), EG_EAUTH);
        eg__keys_free(other);
        /* alg switched to the other algorithm with the same kid */
        char *sw = eg_arena_printf(
            a, "%s%.*s",
            b64json(a, alg == ID_ALG_ES256 ? "{\"alg\":\"EdDSA\"}" : "{\"alg\":\"ES256\"}"),
            (int)(n - (size_t)(d1 - t)), d1);
        assert_int_equal(eg__jws_verify(kr, sw, now, 0, &out), EG_EAUTH);
    }
    json_decref(c);
    /* not yet valid */
    json_t *nb = json_pack("{s:s, s:I, s:I}", "sub", "u", "exp", (json_int_t)(now / 1000 + 999),
                           "nbf", (json_int_t)(now / 1000 + 500));
    char *t = eg__jws_sign(a, kr, ID_ALG_ES256, "JWT", nb);
    json_t *out = NULL;
    assert_int_equal(eg__jws_verify(kr, t, now, 0, &out), EG_EAUTH);
    json_decref(nb);
    /* no exp at all */
    json_t *ne = json_pack("{s:s}", "sub", "u");
    t = eg__jws_sign(a, kr, ID_ALG_ES256, "JWT", ne);
    assert_int_equal(eg__jws_verify(kr, t, now, 0, &out), EG_EAUTH);
    json_decref(ne);
    /* malformed inputs */
    static const char *const bad[] = {"",
                                      "a",
                                      "a.b",
                                      "a.b.c.d",
                                      "..",
                                      "e30.e30.",
                                      "e30.e30.AAAA",
                                      "!!!.e30.AAAA",
                                      "W10.e30.AAAA"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(eg__jws_verify(kr, bad[i], now, 0, &out), EG_EAUTH);
    eg__keys_free(kr);
    eg_arena_free(a);
}

static void test_jwks(void **state)
{
    (void)state;
    id_keyring *kr = eg__keys_ephemeral();
    json_t *j = eg__jwks(kr, eg_now_ms(), 1000);
    json_t *keys = json_object_get(j, "keys");
    assert_int_equal(json_array_size(keys), 2);
    json_t *ec = json_array_get(keys, 0), *ed = json_array_get(keys, 1);
    assert_string_equal(eg_json_str(ec, "kty"), "EC");
    assert_int_equal(strlen(eg_json_str(ec, "x")), 43);
    assert_int_equal(strlen(eg_json_str(ec, "y")), 43);
    assert_null(json_object_get(ec, "d"));
    assert_string_equal(eg_json_str(ed, "crv"), "Ed25519");
    json_decref(j);
    /* a retired key leaves the JWKS once keep_ms has passed */
    kr->keys[0].retired_ms = eg_now_ms() - 5000;
    j = eg__jwks(kr, eg_now_ms(), 1000);
    assert_int_equal(json_array_size(json_object_get(j, "keys")), 1);
    json_decref(j);
    eg__keys_free(kr);
}

static void test_totp_rfc6238(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        int sha1, sha256, sha512;
    } v[] = {
        {59, 94287082, 46119246, 90693936},         {1111111109, 7081804, 68084774, 25091201},
        {1111111111, 14050471, 67062674, 99943326}, {1234567890, 89005924, 91819424, 93441116},
        {2000000000, 69279037, 90698825, 38618901}, {20000000000LL, 65353130, 77737706, 47863826},
    };
    const unsigned char *k1 = (const unsigned char *)"12345678901234567890";
    const unsigned char *k256 = (const unsigned char *)"12345678901234567890123456789012";
    const unsigned char *k512 =
        (const unsigned char *)"1234567890123456789012345678901234567890123456789012345678901234";
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        assert_int_equal(eg__totp_code(k1, 20, v[i].t, 8, "SHA1"), v[i].sha1);
        assert_int_equal(eg__totp_code(k256, 32, v[i].t, 8, "SHA256"), v[i].sha256);
        assert_int_equal(eg__totp_code(k512, 64, v[i].t, 8, "SHA512"), v[i].sha512);
    }
    /* base32 of "12345678901234567890" and the 6-digit check with skew and no replay */
    const char *b32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    unsigned char out[64];
    size_t n = 0;
    assert_int_equal(eg__base32_decode(b32, out, sizeof(out), &n), 0);
    assert_int_equal(n, 20);
    assert_memory_equal(out, k1, 20);
    char code[8];
    snprintf(code, sizeof(code), "%06d", eg__totp_code(k1, 20, 1111111109, 6, "SHA1"));
    assert_string_equal(code, "081804");
    int64_t step = eg__totp_check(b32, code, 1111111109, 0);
    assert_int_equal(step, 1111111109 / 30);
    assert_int_equal(eg__totp_check(b32, code, 1111111109 + 30, 0), step); /* one step late */
    assert_int_equal(eg__totp_check(b32, code, 1111111109 + 90, 0), -1);   /* too late */
    assert_int_equal(eg__totp_check(b32, code, 1111111109, step), -1);     /* replay */
    assert_int_equal(eg__totp_check(b32, "08180", 1111111109, 0), -1);
    assert_int_equal(eg__totp_check(b32, "08180x", 1111111109, 0), -1);
    char secret[33];
    eg__totp_new_secret(secret);
    assert_int_equal(strlen(secret), 32);
    assert_int_equal(eg__base32_decode(secret, out, sizeof(out), &n), 0);
    assert_int_equal(n, 20);
    assert_int_equal(eg__base32_decode("ABC1", out, sizeof(out), &n), EG_EINVAL);
}

static void test_pkce(void **state)
{
    (void)state;
    char out[64];
    eg__pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out);
    assert_string_equal(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void test_password(void **state)
{
    (void)state;
    eg__pw_init(2, 1, 8 * 1024 * 1024);
    assert_null(eg__pw_policy(".", "tp.chuyenvien", "VinhLong@2026"));
    assert_non_null(eg__pw_policy(".", "u", "short1!"));
    assert_non_null(eg__pw_policy(".", "u", "đường đi")); /* 8 characters, 12 bytes */
    assert_non_null(eg__pw_policy(".", "nguyenvanan1", "NguyenVanAn1"));
    assert_non_null(eg__pw_policy(".", "u", "password1234"));
    assert_non_null(eg__pw_policy(".", "u", "QWERTYUIOP123"));
    assert_non_null(eg__pw_policy(".", "u", "matkhau@123"));
    assert_null(eg__pw_policy(".", "u", "mật khẩu dài"));
    char hash[256];
    assert_int_equal(eg__pw_hash("VinhLong@2026", hash), 0);
    assert_true(strncmp(hash, "$argon2id$", 10) == 0);
    assert_true(eg__pw_verify(hash, "VinhLong@2026"));
    assert_false(eg__pw_verify(hash, "VinhLong@2027"));
    assert_false(eg__pw_verify("garbage", "x"));
}

static void test_throttle(void **state)
{
    (void)state;
    eg__throttle_config(10, 900);
    int64_t t0 = 1000000000000LL;
    for (int i = 0; i < 9; i++)
        eg__throttle_fail("acct:test", t0 + i * 1000);
    assert_int_equal(eg__throttle_check("acct:test", t0 + 10000), 0);
    eg__throttle_fail("acct:test", t0 + 10000);
    int wait = eg__throttle_check("acct:test", t0 + 11000);
    assert_true(wait > 0 && wait <= 900);
    assert_int_equal(eg__throttle_check("acct:other", t0 + 11000), 0);
    /* the oldest failure leaves the window */
    assert_int_equal(eg__throttle_check("acct:test", t0 + 900 * 1000 + 1), 0);
    eg__throttle_fail("ip:1.2.3.4", t0);
    eg__throttle_reset("ip:1.2.3.4");
    assert_int_equal(eg__throttle_check("ip:1.2.3.4", t0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_verify),  cmocka_unit_test(test_jwks),
        cmocka_unit_test(test_totp_rfc6238), cmocka_unit_test(test_pkce),
        cmocka_unit_test(test_password),     cmocka_unit_test(test_throttle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
