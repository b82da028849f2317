/*
 * fuzz_text.c - libFuzzer target for the Vietnamese text layer (utf8.c, nfc.c, fold.c,
 * collate.c). Every search key and sorted list in egov goes through these functions with
 * user-typed text, so beyond "does not crash" it checks the promises callers rely on:
 *   - all of them agree with eg_utf8_valid on what is invalid, and decode/encode round-trip;
 *   - eg_nfc output is valid UTF-8 and a fixed point: nfc(nfc(x)) == nfc(x);
 *   - eg_fold output is valid, trimmed, single-spaced, mark-free and idempotent, and does
 *     not depend on the normalisation form: fold(nfc(x)) == fold(x);
 *   - eg_tone_normalize output is NFC, idempotent and folds like its input;
 *   - eg_vi_collate is antisymmetric and 0 only for identical strings.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef int (*text_fn)(const char *, size_t, eg_buf *);

static int same(const eg_buf *a, const eg_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Applies f to in and checks that the result is valid UTF-8 and that f is idempotent. */
static void check_fixed_point(text_fn f, const eg_buf *in, eg_buf *out)
{
    CHECK(f(in->data ? in->data : "", in->len, out) == EG_OK);
    CHECK(eg_utf8_valid(out->data ? out->data : "", out->len));
    eg_buf again = EG_BUF_INIT;
    CHECK(f(out->data ? out->data : "", out->len, &again) == EG_OK);
    CHECK(same(out, &again));
    eg_buf_free(&again);
}

static void check_roundtrip(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t used = eg_utf8_decode(s + i, n - i, &cp);
        CHECK(used > 0);
        char bytes[4];
        CHECK(eg_utf8_encode(cp, bytes) == used);
        CHECK(memcmp(bytes, s + i, used) == 0);
        i += used;
    }
}

static void check_key_shape(const eg_buf *key)
{
    const char *k = key->data ? key->data : "";
    if (key->len > 0) {
        CHECK(k[0] != ' ' && k[key->len - 1] != ' ');
    }
    CHECK(memmem(k, key->len, "  ", 2) == NULL);
    for (size_t i = 0; i < key->len;) {
        uint32_t cp;
        size_t used = eg_utf8_decode(k + i, key->len - i, &cp);
        CHECK(used > 0);
        CHECK(!(cp >= 0x0300 && cp <= 0x036F));
        CHECK(!(cp >= 'A' && cp <= 'Z'));
        i += used;
    }
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

static void check_collate(const uint8_t *data, size_t size)
{
    size_t half = size / 2;
    char *a = strndup((const char *)data, half);
    char *b = strndup((const char *)data + half, size - half);
    CHECK(a != NULL && b != NULL);
    int ab = eg_vi_collate(a, b);
    CHECK(sign(ab) == -sign(eg_vi_collate(b, a)));
    CHECK((ab == 0) == (strcmp(a, b) == 0));
    CHECK(eg_vi_collate(a, a) == 0);
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int valid = eg_utf8_valid(s, size);
    eg_buf nfc = EG_BUF_INIT;
    eg_buf key = EG_BUF_INIT;
    eg_buf tone = EG_BUF_INIT;
    check_collate(data, size);
    if (!valid) {
        CHECK(eg_nfc(s, size, &nfc) == EG_EINVAL && nfc.len == 0);
        CHECK(eg_fold(s, size, &key) == EG_EINVAL && key.len == 0);
        CHECK(eg_tone_normalize(s, size, &tone) == EG_EINVAL && tone.len == 0);
        return 0;
    }
    check_roundtrip(s, size);
    eg_buf in = EG_BUF_INIT;
    eg_buf_append(&in, size ? s : "", size);

    check_fixed_point(eg_nfc, &in, &nfc);
    check_fixed_point(eg_fold, &in, &key);
    check_key_shape(&key);
    check_fixed_point(eg_tone_normalize, &in, &tone);

    eg_buf other = EG_BUF_INIT; /* fold of the NFC form */
    CHECK(eg_fold(nfc.data, nfc.len, &other) == EG_OK);
    CHECK(same(&key, &other));
    eg_buf_reset(&other); /* the tone form is already NFC */
    CHECK(eg_nfc(tone.data, tone.len, &other) == EG_OK);
    CHECK(same(&tone, &other));
    eg_buf_reset(&other); /* moving a tone does not change the search key */
    CHECK(eg_fold(tone.data, tone.len, &other) == EG_OK);
    CHECK(same(&key, &other));

    eg_buf_free(&other);
    eg_buf_free(&in);
    eg_buf_free(&nfc);
    eg_buf_free(&key);
    eg_buf_free(&tone);
    return 0;
}
