/*
 * fuzz_jwt.c - libFuzzer target for the compact JWS parser and verifier (jws.c), which
 * sees every bearer token sent to egov. Checks beyond "does not crash":
 *   - a token the verifier accepts must also parse, and name ES256 or EdDSA;
 *   - random input never verifies against the keyring (nobody forges a signature);
 *   - when the input is a JSON object, signing it and verifying the result round-trips
 *     to the same claims (if it has a future integer "exp").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity/internal.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static id_keyring *kr;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    kr = eg__keys_ephemeral();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    int64_t now = 1790000000000LL;
    id_jws j;
    int prc = eg__jws_parse(s, strlen(s), &j);
    if (prc == 0) {
        CHECK(j.header && j.payload && j.alg);
        eg__jws_clear(&j);
    }
    json_t *claims = NULL;
    int vrc = eg__jws_verify(kr, s, now, 0, &claims);
    CHECK(vrc == 0 || claims == NULL);
    CHECK(vrc != 0); /* random bytes never carry a valid signature of this run's keys */
    json_decref(claims);

    char err[64];
    json_t *obj = eg_json_parse((const char *)data, size, 8, err, sizeof(err));
    if (obj && json_is_object(obj)) {
        json_object_set_new(obj, "exp", json_integer(now / 1000 + 60));
        eg_arena *a = eg_arena_new(0);
        for (int alg = ID_ALG_ES256; alg <= ID_ALG_EDDSA; alg++) {
            char *t = eg__jws_sign(a, kr, alg, "JWT", obj);
            if (!t || strlen(t) > 16384)
                continue;
            json_t *back = NULL;
            CHECK(eg__jws_verify(kr, t, now, 0, &back) == 0);
            CHECK(json_equal(back, obj));
            json_decref(back);
        }
        eg_arena_free(a);
    }
    json_decref(obj);
    free(s);
    return 0;
}
