/*
 * totp.c - time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), base32 secrets
 * (RFC 4648, as authenticator apps expect in otpauth:// URIs).
 */
#include <string.h>
#include <openssl/hmac.h>
#include "identity/internal.h"

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int eg__base32_decode(const char *in, unsigned char *out, size_t max, size_t *n)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (; *in; in++) {
        char c = *in;
        if (c == '=' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        const char *p = strchr(B32, c);
        if (!p || !c)
            return EG_EINVAL;
        acc = (acc << 5) | (uint32_t)(p - B32);
        bits += 5;
        if (bits >= 8) {
            if (o >= max)
                return EG_ETOOBIG;
            out[o++] = (unsigned char)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    *n = o;
    return EG_OK;
}

void eg__totp_new_secret(char out[33])
{
    unsigned char r[20];
    eg_random(r, sizeof(r));
    /* 160 bits -> exactly 32 base32 characters */
    int bits = 0, o = 0;
    uint32_t acc = 0;
    for (int i = 0; i < 20; i++) {
        acc = (acc << 8) | r[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = B32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    out[o] = 0;
}

int eg__totp_code(const unsigned char *key, size_t keylen, int64_t t, int digits, const char *hash)
{
    uint64_t counter = (uint64_t)(t / 30);
    unsigned char msg[8];
    for (int i = 7; i >= 0; i--) {
        msg[i] = (unsigned char)(counter & 0xff);
        counter >>= 8;
    }
    const EVP_MD *md = !hash || strcmp(hash, "SHA1") == 0 ? EVP_sha1()
                       : strcmp(hash, "SHA256") == 0      ? EVP_sha256()
                                                          : EVP_sha512();
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    HMAC(md, key, (int)keylen, msg, sizeof(msg), mac, &maclen);
    int off = mac[maclen - 1] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
    uint32_t mod = 1;
    for (int i = 0; i < digits; i++)
        mod *= 10;
    return (int)(bin % mod);
}

int64_t eg__totp_check(const char *secret_b32, const char *code, int64_t now_s, int64_t last_step)
{
    unsigned char key[64];
    size_t n = 0;
    if (!secret_b32 || !code || strlen(code) != 6 ||
        eg__base32_decode(secret_b32, key, sizeof(key), &n) || n == 0)
        return -1;
    int want = 0;
    for (int i = 0; i < 6; i++) {
        if (code[i] < '0' || code[i] > '9')
            return -1;
        want = want * 10 + (code[i] - '0');
    }
    for (int d = -1; d <= 1; d++) {
        int64_t t = now_s + d * 30;
        int64_t step = t / 30;
        if (step <= last_step)
            continue;
        if (eg__totp_code(key, n, t, 6, "SHA1") == want)
            return step;
    }
    return -1;
}
