/*
 * params.c - the gateway callback's parameter parser (application/x-www-form-urlencoded),
 * the canonical string and the HMAC-SHA256 signature. Strict on purpose: a bounded number of
 * pairs, short lowercase keys, bounded UTF-8 values, no duplicates, so two parties can never
 * disagree on what was signed. Fuzzed by tests/fuzz/fuzz_payment_callback.c.
 */
#include <string.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "payment/payment.h"

static int key_ok(const char *k, size_t n)
{
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || k[i] == '_'))
            return 0;
    return 1;
}

int eg_pay_params_parse(eg_arena *a, const char *body, size_t len, eg_pay_params *out)
{
    memset(out, 0, sizeof(*out));
    size_t i = 0;
    eg_buf dec = EG_BUF_INIT;
    int rc = 0;
    while (i < len && !rc) {
        size_t j = i;
        while (j < len && body[j] != '&')
            j++;
        const char *eq = memchr(body + i, '=', j - i);
        if (!eq || out->n >= EG_PAY_MAX_PARAMS) {
            rc = EG_EINVAL;
            break;
        }
        size_t klen = (size_t)(eq - (body + i));
        if (!key_ok(body + i, klen)) {
            rc = EG_EINVAL;
            break;
        }
        eg_buf_reset(&dec);
        if (eg_url_decode_query(eq + 1, (size_t)(body + j - (eq + 1)), &dec) || dec.len > 512 ||
            memchr(dec.data ? dec.data : "", 0, dec.len) ||
            !eg_utf8_valid(dec.data ? dec.data : "", dec.len)) {
            rc = EG_EINVAL;
            break;
        }
        char *k = eg_arena_strndup(a, body + i, klen);
        for (int m = 0; m < out->n; m++)
            if (strcmp(out->key[m], k) == 0)
                rc = EG_EINVAL;
        if (rc)
            break;
        out->key[out->n] = k;
        out->val[out->n] = eg_arena_strndup(a, dec.data ? dec.data : "", dec.len);
        out->n++;
        i = j + 1;
        if (j + 1 == len) /* trailing '&' */
            rc = EG_EINVAL;
    }
    eg_buf_free(&dec);
    if (!rc && out->n == 0)
        rc = EG_EINVAL;
    return rc;
}

const char *eg_pay_param(const eg_pay_params *p, const char *key)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->key[i], key) == 0)
            return p->val[i];
    return NULL;
}

void eg_pay_canonical(const eg_pay_params *p, eg_buf *out)
{
    int idx[EG_PAY_MAX_PARAMS], n = 0;
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->key[i], "signature") != 0)
            idx[n++] = i;
    for (int i = 1; i < n; i++) /* insertion sort by key */
        for (int j = i; j > 0 && strcmp(p->key[idx[j - 1]], p->key[idx[j]]) > 0; j--) {
            int t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    for (int i = 0; i < n; i++) {
        if (i)
            eg_buf_putc(out, '&');
        eg_buf_printf(out, "%s=%s", p->key[idx[i]], p->val[idx[i]]);
    }
    if (!out->data)
        eg_buf_puts(out, "");
}

void eg_pay_sign(const char *secret, const eg_pay_params *p, char sig[65])
{
    eg_buf c = EG_BUF_INIT;
    eg_pay_canonical(p, &c);
    unsigned char mac[32];
    unsigned int maclen = 0;
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)c.data, c.len, mac,
         &maclen);
    eg_hex(mac, 32, sig);
    eg_buf_free(&c);
}
