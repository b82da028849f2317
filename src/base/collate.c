/*
 * collate.c - Vietnamese alphabetical order for sorted lists of names and places.
 *
 * Byte order on UTF-8 puts "Đức" after "Zung" and "Ân" after "Bình"; Vietnamese order is
 * a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y (domain-vn.md section 7).
 * The comparison has three levels, as in a dictionary:
 *   1. letters, case-insensitive, with ă â đ ê ô ơ ư as letters of their own;
 *   2. tones, first difference from the left, in the traditional order
 *      none < huyền < hỏi < ngã < sắc < nặng;
 *   3. the bytes (strcmp), so that the order is total and only equal strings compare equal.
 * NFC and NFD input give the same levels 1 and 2. Letters outside Vietnamese keep their code
 * point order (f, j, w, z fall between their ASCII neighbours); marks other than the
 * Vietnamese ones are ignored until level 3. Invalid UTF-8 bytes sort after every character.
 * Comparison walks both strings in step and allocates nothing, so sorting stays cheap.
 */
#include <string.h>

#include "base/text_internal.h"

/* One letter (or other character) with its marks folded in. */
typedef struct {
    uint32_t primary; /* 4 * base code point + shape (ă = a + 1, â = a + 2, đ = d + 1, ...) */
    int tone;         /* 0 none, 1 huyền, 2 hỏi, 3 ngã, 4 sắc, 5 nặng */
} coll_elem;

static int tone_rank(uint32_t mark)
{
    switch (mark) {
    case 0x0300:
        return 1;
    case 0x0309:
        return 2;
    case 0x0303:
        return 3;
    case 0x0301:
        return 4;
    case 0x0323:
        return 5;
    default:
        return 0;
    }
}

/* Folds one combining mark into e: a tone, or the shape that makes ă â ê ô ơ ư. */
static void apply_mark(coll_elem *e, uint32_t mark)
{
    int tone = tone_rank(mark);
    if (tone != 0) {
        if (e->tone == 0) {
            e->tone = tone;
        }
        return;
    }
    uint32_t base = e->primary / 4;
    if (e->primary % 4 != 0) {
        return; /* already shaped */
    }
    if ((base == 'a' && mark == 0x0306) || (base == 'e' && mark == 0x0302) ||
        (base == 'o' && mark == 0x0302) || (base == 'u' && mark == 0x031B)) {
        e->primary += 1;
    } else if ((base == 'a' && mark == 0x0302) || (base == 'o' && mark == 0x031B)) {
        e->primary += 2;
    }
}

/* Reads the next element of the NUL-terminated string at *p into e and advances *p past it
 * and its combining marks. Returns 0 at the end of the string. */
static int next_elem(const char **p, coll_elem *e)
{
    const char *s = *p;
    if (*s == '\0') {
        return 0;
    }
    uint32_t cp;
    size_t used = eg_utf8_decode(s, strnlen(s, 4), &cp);
    if (used == 0) {
        e->primary = (0x110000u + (unsigned char)*s) * 4;
        e->tone = 0;
        *p = s + 1;
        return 1;
    }
    s += used;
    uint32_t d[EG__NFD_MAX];
    size_t k = eg__nfd_cp(cp, d);
    uint32_t base = d[0];
    e->tone = 0;
    if (base == 0x0110 || base == 0x0111 || base == 0x00D0 || base == 0x00F0) {
        e->primary = 'd' * 4 + 1; /* đ, and the look-alike eth */
    } else {
        e->primary = eg__fold_cp(base) * 4;
    }
    for (size_t i = 1; i < k; i++) {
        apply_mark(e, d[i]);
    }
    for (;;) {
        used = eg_utf8_decode(s, strnlen(s, 4), &cp);
        if (used == 0 || !eg__is_mark(cp)) {
            break;
        }
        s += used;
        k = eg__nfd_cp(cp, d); /* U+0340, U+0341 and U+0344 stand for other marks */
        for (size_t i = 0; i < k; i++) {
            apply_mark(e, d[i]);
        }
    }
    *p = s;
    return 1;
}

/* Compares the NUL-terminated strings a and b in Vietnamese order (see the top of this file)
 * and returns a negative number, 0 or a positive number as strcmp does; 0 only when the
 * strings are byte-identical. NULL is treated as the empty string. */
int eg_vi_collate(const char *a, const char *b)
{
    const char *pa = a ? a : "";
    const char *pb = b ? b : "";
    int tone_order = 0;
    for (;;) {
        coll_elem ea;
        coll_elem eb;
        int more_a = next_elem(&pa, &ea);
        int more_b = next_elem(&pb, &eb);
        if (!more_a || !more_b) {
            if (more_a != more_b) {
                return more_a ? 1 : -1;
            }
            break;
        }
        if (ea.primary != eb.primary) {
            return ea.primary < eb.primary ? -1 : 1;
        }
        if (tone_order == 0 && ea.tone != eb.tone) {
            tone_order = ea.tone < eb.tone ? -1 : 1;
        }
    }
    if (tone_order != 0) {
        return tone_order;
    }
    int c = strcmp(a ? a : "", b ? b : "");
    return (c > 0) - (c < 0);
}
