/*
 * utf8.c - strict UTF-8 validation, decoding and encoding.
 *
 * Every text routine in egov (normalisation, search keys, collation, JSON) rests on these
 * three functions, so they follow RFC 3629 to the letter: overlong forms, UTF-16 surrogates,
 * code points above U+10FFFF and truncated sequences are all errors. Accepting any of them
 * would let two different byte strings mean "the same" text and slip past filters.
 */
#include "base/text_internal.h"

/* Decodes one code point at s (n bytes available) into *cp. Returns the number of bytes
 * used (1-4), or 0 when n is 0 or the bytes at s are not a well-formed sequence; *cp is then
 * left untouched. */
size_t eg_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n == 0) {
        return 0;
    }
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v;
    uint32_t min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1Fu;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0Fu;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07u;
        min = 0x10000;
    } else {
        return 0; /* continuation byte, C0/C1 (always overlong) or F5-FF */
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0u) != 0x80u) {
            return 0;
        }
        v = (v << 6) | (p[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        return 0;
    }
    *cp = v;
    return len;
}

/* Returns 1 when s[0..n) is well-formed UTF-8, 0 otherwise. An empty string is valid;
 * NUL bytes are valid (U+0000). */
int eg_utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t used = eg_utf8_decode(s + i, n - i, &cp);
        if (used == 0) {
            return 0;
        }
        i += used;
    }
    return 1;
}

/* Encodes cp into out (not NUL-terminated) and returns the number of bytes written (1-4).
 * Returns 0 and writes nothing for surrogates and values above U+10FFFF. */
size_t eg_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        return 0;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF) {
        return 0;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

void eg__buf_put_cp(eg_buf *out, uint32_t cp)
{
    char bytes[4];
    size_t k = eg_utf8_encode(cp, bytes);
    eg_buf_append(out, bytes, k);
}
