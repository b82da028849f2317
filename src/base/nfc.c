/*
 * nfc.c - Unicode NFC normalisation for Latin text, without ICU.
 *
 * The same Vietnamese word arrives composed (web forms, Windows) or decomposed (macOS file
 * names, some IMEs), and the mandated storage form is NFC (domain-vn.md section 7). Rather
 * than link ICU for the whole of Unicode, egov carries the canonical data of the ranges it
 * needs: Latin-1 Supplement, Latin Extended-A/B, Latin Extended Additional and the combining
 * marks U+0300-U+036F (scripts/gen-nfc-table.py writes nfc_table.h). That covers all 134
 * Vietnamese letters in every tone and both cases. Code points outside those ranges are
 * treated as starters with no decomposition, so other scripts pass through unchanged; the
 * one visible gap is that composites outside the ranges (e.g. "=" + U+0338 -> U+2260) are
 * not formed.
 *
 * Algorithm (UAX #15): decompose each code point, cut the stream into segments of one
 * starter followed by non-starters, stably sort the non-starters by combining class, then
 * recompose each non-starter with the starter unless an earlier kept mark of the same or
 * higher class blocks it. Every composition in the table pairs a starter with a mark, so
 * compositions never cross segments.
 */
#include <stdlib.h>
#include <string.h>

#include "base/text_internal.h"
#include "base/nfc_table.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

size_t eg__nfd_cp(uint32_t cp, uint32_t out[EG__NFD_MAX])
{
    size_t lo = 0;
    size_t hi = ARRAY_LEN(decomp_table);
    if (cp >= decomp_table[0].cp && cp <= decomp_table[hi - 1].cp) {
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            const struct decomp_entry *e = &decomp_table[mid];
            if (e->cp == cp) {
                for (size_t i = 0; i < e->len; i++) {
                    out[i] = e->d[i];
                }
                return e->len;
            }
            if (e->cp < cp) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
    }
    out[0] = cp;
    return 1;
}

int eg__ccc(uint32_t cp)
{
    return eg__is_mark(cp) ? ccc_table[cp - 0x0300] : 0;
}

uint32_t eg__compose(uint32_t first, uint32_t second)
{
    if (!eg__is_mark(second) || first > 0xFFFF) {
        return 0;
    }
    size_t lo = 0;
    size_t hi = ARRAY_LEN(comp_table);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct comp_entry *e = &comp_table[mid];
        if (e->first == first && e->second == second) {
            return e->comp;
        }
        if (e->first < first || (e->first == first && e->second < second)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return 0;
}

uint32_t eg__fold_cp(uint32_t cp)
{
    if (cp < 0x80) {
        return (cp >= 'A' && cp <= 'Z') ? cp + ('a' - 'A') : cp;
    }
    size_t lo = 0;
    size_t hi = ARRAY_LEN(fold_table);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fold_table[mid].cp == cp) {
            return fold_table[mid].to;
        }
        if (fold_table[mid].cp < cp) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return cp;
}

/* A growable run of code points: one segment being normalised. Starts on its inline array
 * and moves to the heap only for unusually long runs of combining marks. */
typedef struct {
    uint32_t *v;
    size_t len;
    size_t cap;
    uint32_t inline_v[32];
} segment;

static void segment_init(segment *s)
{
    s->v = s->inline_v;
    s->len = 0;
    s->cap = ARRAY_LEN(s->inline_v);
}

static void segment_free(segment *s)
{
    if (s->v != s->inline_v) {
        free(s->v);
    }
}

static void segment_push(segment *s, uint32_t cp)
{
    if (s->len == s->cap) {
        size_t cap = s->cap * 2;
        if (s->v == s->inline_v) {
            s->v = eg_malloc(cap * sizeof(uint32_t));
            memcpy(s->v, s->inline_v, s->len * sizeof(uint32_t));
        } else {
            s->v = eg_realloc(s->v, cap * sizeof(uint32_t));
        }
        s->cap = cap;
    }
    s->v[s->len++] = cp;
}

/* Stable sort of v[0..n) by combining class. Insertion sort for the usual handful of marks;
 * a counting sort for long runs so that hostile input cannot make this quadratic. */
static void sort_by_ccc(uint32_t *v, size_t n)
{
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            uint32_t x = v[i];
            int cx = eg__ccc(x);
            size_t j = i;
            while (j > 0 && eg__ccc(v[j - 1]) > cx) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = x;
        }
        return;
    }
    size_t start[257] = {0};
    for (size_t i = 0; i < n; i++) {
        start[eg__ccc(v[i]) + 1]++;
    }
    for (size_t c = 1; c < 257; c++) {
        start[c] += start[c - 1];
    }
    uint32_t *tmp = eg_malloc(n * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        tmp[start[eg__ccc(v[i])]++] = v[i];
    }
    memcpy(v, tmp, n * sizeof(uint32_t));
    free(tmp);
}

/* Orders, recomposes and appends one segment to out, then empties it. */
static void segment_flush(segment *s, eg_buf *out)
{
    if (s->len == 0) {
        return;
    }
    uint32_t *v = s->v;
    int has_starter = eg__ccc(v[0]) == 0;
    size_t first_mark = has_starter ? 1 : 0;
    sort_by_ccc(v + first_mark, s->len - first_mark);
    size_t kept = s->len;
    if (has_starter) {
        int last_ccc = 0; /* highest class of the marks kept so far; 0 = none */
        kept = 1;
        for (size_t i = 1; i < s->len; i++) {
            int c = eg__ccc(v[i]);
            uint32_t comp = last_ccc < c ? eg__compose(v[0], v[i]) : 0;
            if (comp != 0) {
                v[0] = comp;
                continue;
            }
            last_ccc = c;
            v[kept++] = v[i];
        }
    }
    for (size_t i = 0; i < kept; i++) {
        eg__buf_put_cp(out, v[i]);
    }
    s->len = 0;
}

/* Appends the NFC form of s[0..n) to out and returns EG_OK. Returns EG_EINVAL when s is not
 * well-formed UTF-8; out is then left unchanged. Coverage: see the comment at the top of
 * this file; code points outside it are copied as they are. */
int eg_nfc(const char *s, size_t n, eg_buf *out)
{
    if (!eg_utf8_valid(s, n)) {
        return EG_EINVAL;
    }
    size_t ascii = 0;
    while (ascii < n && (unsigned char)s[ascii] < 0x80) {
        ascii++;
    }
    if (ascii == n) {
        eg_buf_append(out, n ? s : "", n);
        return EG_OK;
    }
    eg_buf_reserve(out, n);
    segment seg;
    segment_init(&seg);
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t used = eg_utf8_decode(s + i, n - i, &cp);
        EG_ASSERT(used > 0); /* validated above */
        i += used;
        uint32_t d[EG__NFD_MAX];
        size_t k = eg__nfd_cp(cp, d);
        for (size_t j = 0; j < k; j++) {
            if (eg__ccc(d[j]) == 0) {
                segment_flush(&seg, out);
            }
            segment_push(&seg, d[j]);
        }
    }
    segment_flush(&seg, out);
    segment_free(&seg);
    return EG_OK;
}
