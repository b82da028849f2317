/*
 * fold.c - search keys and tone placement for Vietnamese text.
 *
 * Users type "ben tre" for "Bến Tre" and "hoa" for "Hòa"/"hoà"; text arrives in NFC or NFD,
 * with Đ sometimes typed as the look-alike Ð (U+00D0). eg_fold makes one key out of all of
 * these (domain-vn.md section 7): marks U+0300-U+036F removed (tones and also breve,
 * circumflex and horn), đ/Đ/ð/Ð mapped to d, lowercase, whitespace collapsed.
 *
 * eg_tone_normalize serves tone-sensitive exact matching instead: "hòa" (old style) and
 * "hoà" (new style) are different NFC strings, so it moves the tone of the nuclei oa, oe and
 * uy onto their second vowel before indexing. It never rewrites stored originals.
 */
#include <stdlib.h>
#include <string.h>

#include "base/text_internal.h"

/* Whitespace collapsed by eg_fold: ASCII space and controls \t \n \v \f \r, NBSP and the
 * other Unicode space separators (U+1680, U+2000-U+200A, U+2028/9, U+202F, U+205F,
 * U+3000). Zero-width characters are not whitespace and are kept. */
static int is_space(uint32_t cp)
{
    if (cp == ' ' || (cp >= '\t' && cp <= '\r')) {
        return 1;
    }
    if (cp < 0xA0) {
        return 0;
    }
    return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Appends the search key of s[0..n) to out (see the top of this file and base.h) and
 * returns EG_OK. The key never contains U+0300-U+036F, never starts or ends with a space
 * and folding it again changes nothing. Returns EG_EINVAL when s is not well-formed UTF-8;
 * out is then left unchanged. */
int eg_fold(const char *s, size_t n, eg_buf *out)
{
    if (!eg_utf8_valid(s, n)) {
        return EG_EINVAL;
    }
    eg_buf_reserve(out, n); /* a key is never longer than its text */
    int emitted = 0;
    int pending_space = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t used = eg_utf8_decode(s + i, n - i, &cp);
        EG_ASSERT(used > 0); /* validated above */
        i += used;
        if (eg__is_mark(cp)) {
            continue;
        }
        if (is_space(cp)) {
            pending_space = emitted;
            continue;
        }
        if (pending_space) {
            eg_buf_putc(out, ' ');
            pending_space = 0;
        }
        eg__buf_put_cp(out, eg__fold_cp(cp));
        emitted = 1;
    }
    if (!emitted) {
        eg_buf_append(out, "", 0); /* keeps the "always NUL-terminated" promise */
    }
    return EG_OK;
}

/* Returns the search key of the NUL-terminated string s, allocated from a. Returns NULL when
 * s is NULL or not well-formed UTF-8. */
char *eg_fold_arena(eg_arena *a, const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    eg_buf key = EG_BUF_INIT;
    int rc = eg_fold(s, strlen(s), &key);
    char *r = NULL;
    if (rc == EG_OK) {
        r = eg_arena_strndup(a, eg_buf_cstr(&key), key.len);
    }
    eg_buf_free(&key);
    return r;
}

/* The tone marks of Vietnamese: huyền, sắc, ngã, hỏi, nặng. */
static int is_tone_mark(uint32_t cp)
{
    return cp == 0x0300 || cp == 0x0301 || cp == 0x0303 || cp == 0x0309 || cp == 0x0323;
}

/* A vowel split into its parts: the ASCII letter, whether it carries a breve, circumflex or
 * horn (ă â ê ô ơ ư), and its tone mark (0 for none). */
typedef struct {
    uint32_t letter;
    int shaped;
    uint32_t tone;
} vowel;

/* Fills *v and returns 1 when cp is a Vietnamese vowel letter (a e i o u y in either case,
 * with at most one tone and only Vietnamese marks); returns 0 otherwise. */
static int split_vowel(uint32_t cp, vowel *v)
{
    uint32_t d[EG__NFD_MAX];
    size_t k = eg__nfd_cp(cp, d);
    if (d[0] == 0 || d[0] >= 0x80 || strchr("aeiouyAEIOUY", (int)d[0]) == NULL) {
        return 0;
    }
    v->letter = d[0];
    v->shaped = 0;
    v->tone = 0;
    for (size_t i = 1; i < k; i++) {
        if (is_tone_mark(d[i]) && v->tone == 0) {
            v->tone = d[i];
        } else if (d[i] == 0x0302 || d[i] == 0x0306 || d[i] == 0x031B) {
            v->shaped = 1;
        } else {
            return 0;
        }
    }
    return 1;
}

/* 1 when the two plain vowels a, b form one of the nuclei oa, oe, uy (any case). */
static int is_moving_nucleus(uint32_t a, uint32_t b)
{
    a |= 0x20;
    b |= 0x20;
    return (a == 'o' && (b == 'a' || b == 'e')) || (a == 'u' && b == 'y');
}

/* Moves old-style tones (hòa, khỏe, thủy) in cps[0..n) to the new style (hoà, khoẻ, thuỷ).
 * Only a run of exactly two vowels is touched, so longer nuclei (ngoài, khuya) and words
 * whose first "vowel" belongs to the consonant (quý, già) keep their placement. */
static void move_tones(uint32_t *cps, size_t n)
{
    size_t i = 0;
    while (i < n) {
        vowel first;
        if (!split_vowel(cps[i], &first)) {
            i++;
            continue;
        }
        size_t end = i + 1;
        vowel second = {0, 0, 0};
        vowel tmp;
        while (end < n && split_vowel(cps[end], &tmp)) {
            if (end == i + 1) {
                second = tmp;
            }
            end++;
        }
        if (end == i + 2 && !first.shaped && !second.shaped && first.tone != 0 &&
            second.tone == 0 && is_moving_nucleus(first.letter, second.letter)) {
            uint32_t toned = eg__compose(second.letter, first.tone);
            EG_ASSERT(toned != 0); /* every plain vowel takes every tone */
            cps[i] = first.letter;
            cps[i + 1] = toned;
        }
        i = end;
    }
}

/* Appends s[0..n) in NFC with the tone of the nuclei oa, oe and uy on their second vowel
 * (hòa -> hoà, KHỎE -> KHOẺ, thủy -> thuỷ; quý, già, hoàng unchanged) and returns EG_OK.
 * Returns EG_EINVAL when s is not well-formed UTF-8; out is then left unchanged. */
int eg_tone_normalize(const char *s, size_t n, eg_buf *out)
{
    eg_buf nfc = EG_BUF_INIT;
    int rc = eg_nfc(s, n, &nfc);
    if (rc != EG_OK) {
        eg_buf_free(&nfc);
        return rc;
    }
    uint32_t *cps = eg_malloc((nfc.len + 1) * sizeof(uint32_t));
    size_t count = 0;
    size_t i = 0;
    while (i < nfc.len) {
        size_t used = eg_utf8_decode(nfc.data + i, nfc.len - i, &cps[count]);
        EG_ASSERT(used > 0); /* eg_nfc only writes valid UTF-8 */
        i += used;
        count++;
    }
    move_tones(cps, count);
    eg_buf_reserve(out, nfc.len);
    for (size_t j = 0; j < count; j++) {
        eg__buf_put_cp(out, cps[j]);
    }
    if (count == 0) {
        eg_buf_append(out, "", 0);
    }
    free(cps);
    eg_buf_free(&nfc);
    return EG_OK;
}
