/*
 * encode.c - hex, base64 (standard and URL-safe), SHA-256, randomness and identifiers.
 *
 * Small, exact helpers that every layer needs; SHA-256 and randomness come from OpenSSL so
 * there is one audited implementation in the process.
 */
#include <string.h>
#include <sys/random.h>
#include <openssl/sha.h>
#include "base/base.h"

void eg_hex(const void *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = in;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static size_t b64_encode(const void *in, size_t n, char *out, const char *alpha, int pad)
{
    const unsigned char *p = in;
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        out[o++] = alpha[v >> 6 & 63];
        out[o++] = alpha[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        if (i + 1 < n)
            out[o++] = alpha[v >> 6 & 63];
        else if (pad)
            out[o++] = '=';
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int b64_value(char c, int url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

static int b64_decode(const char *in, size_t n, eg_buf *out, int url)
{
    while (n > 0 && in[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return EG_EINVAL;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(in[i], url);
        if (v < 0)
            return EG_EINVAL;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            eg_buf_putc(out, (char)(acc >> bits & 0xff));
        }
    }
    return EG_OK;
}

size_t eg_b64url_encode(const void *in, size_t n, char *out)
{
    return b64_encode(in, n, out,
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 0);
}

int eg_b64url_decode(const char *in, size_t n, eg_buf *out)
{
    return b64_decode(in, n, out, 1);
}

size_t eg_b64_encode(const void *in, size_t n, char *out)
{
    return b64_encode(in, n, out,
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 1);
}

int eg_b64_decode(const char *in, size_t n, eg_buf *out)
{
    /* Standard base64 as found in XML documents may carry line breaks. */
    eg_buf clean = EG_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (in[i] != '\n' && in[i] != '\r' && in[i] != ' ' && in[i] != '\t')
            eg_buf_putc(&clean, in[i]);
    }
    int rc = b64_decode(eg_buf_cstr(&clean), clean.len, out, 0);
    eg_buf_free(&clean);
    return rc;
}

void eg_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data, n, md);
    eg_hex(md, sizeof(md), out);
}

void eg_random(void *out, size_t n)
{
    unsigned char *p = out;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0)
            eg_panic("getrandom failed");
        p += got;
        n -= (size_t)got;
    }
}

char *eg_random_token(eg_arena *a, size_t nbytes)
{
    unsigned char raw[128];
    EG_ASSERT(nbytes <= sizeof(raw));
    eg_random(raw, nbytes);
    char *out = eg_arena_alloc(a, nbytes * 4 / 3 + 4);
    eg_b64url_encode(raw, nbytes, out);
    return out;
}

/* ULID layout: 48-bit millisecond time then 80 random bits, Crockford base32, so ids sort
 * by creation time. */
void eg_new_id(char out[27])
{
    static const char alpha[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char raw[16];
    uint64_t ms = (uint64_t)eg_now_ms();
    for (int i = 5; i >= 0; i--) {
        raw[i] = (unsigned char)(ms & 0xff);
        ms >>= 8;
    }
    eg_random(raw + 6, 10);
    /* 128 bits -> 26 chars of 5 bits (first char carries 3 bits). */
    int bit = -2; /* 130 bits of output, two leading zero bits */
    for (int i = 0; i < 26; i++) {
        unsigned v = 0;
        for (int k = 0; k < 5; k++, bit++) {
            v <<= 1;
            if (bit >= 0)
                v |= (raw[bit / 8] >> (7 - bit % 8)) & 1u;
        }
        out[i] = alpha[v];
    }
    out[26] = '\0';
}
