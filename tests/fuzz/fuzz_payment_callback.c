/*
 * fuzz_payment_callback.c - libFuzzer target for the gateway callback parameter parser and the
 * canonical string (src/payment/params.c). Beyond "no crash": an accepted body has 1..16 pairs
 * with keys [a-z_]{1,32}, no duplicates, values of valid UTF-8 without NUL; the canonical
 * string never contains "signature="; signing is deterministic.
 */
#include <stdlib.h>
#include <string.h>
#include "payment/payment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_arena *a = eg_arena_new(0);
    eg_pay_params p;
    if (eg_pay_params_parse(a, (const char *)data, size, &p) == 0) {
        if (p.n < 1 || p.n > EG_PAY_MAX_PARAMS)
            abort();
        for (int i = 0; i < p.n; i++) {
            size_t kl = strlen(p.key[i]);
            if (kl < 1 || kl > 32 || strspn(p.key[i], "abcdefghijklmnopqrstuvwxyz_") != kl)
                abort();
            if (!eg_utf8_valid(p.val[i], strlen(p.val[i])) || strlen(p.val[i]) > 512)
                abort();
            for (int j = 0; j < i; j++)
                if (strcmp(p.key[i], p.key[j]) == 0)
                    abort();
        }
        eg_buf c = EG_BUF_INIT;
        eg_pay_canonical(&p, &c);
        if (strncmp(eg_buf_cstr(&c), "signature=", 10) == 0 ||
            strstr(eg_buf_cstr(&c), "&signature="))
            abort();
        eg_buf_free(&c);
        char s1[65], s2[65];
        eg_pay_sign("k", &p, s1);
        eg_pay_sign("k", &p, s2);
        if (memcmp(s1, s2, 65) != 0)
            abort();
    }
    eg_arena_free(a);
    return 0;
}
