/*
 * text_internal.h - helpers shared by the Vietnamese text files of src/base (utf8.c, nfc.c,
 * fold.c, collate.c). Not part of the public API; nothing outside src/base includes it.
 *
 * The tables behind these helpers (nfc_table.h) cover U+00C0-U+024F, U+0300-U+036F and
 * U+1E00-U+1EFF; every other code point is reported as "no decomposition, class 0, folds to
 * itself", which is what makes text in other scripts pass through unchanged.
 */
#ifndef EG_TEXT_INTERNAL_H
#define EG_TEXT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* Largest number of code points a covered character decomposes into. */
#define EG__NFD_MAX 4

/* Writes the full canonical decomposition of cp into out and returns its length (1 with
 * out[0] = cp when cp has none or is outside the tables). */
size_t eg__nfd_cp(uint32_t cp, uint32_t out[EG__NFD_MAX]);
/* Canonical combining class of cp (0 outside U+0300-U+036F). */
int eg__ccc(uint32_t cp);
/* The primary composite of first + second, or 0 when there is none. */
uint32_t eg__compose(uint32_t first, uint32_t second);
/* Search folding of one code point: lowercase, diacritics removed, d-like letters to 'd'.
 * Returns cp itself when nothing applies. Combining marks are not handled here. */
uint32_t eg__fold_cp(uint32_t cp);
/* Appends the UTF-8 encoding of cp to out (nothing for surrogates or > U+10FFFF). */
void eg__buf_put_cp(eg_buf *out, uint32_t cp);
/* 1 when cp is one of the combining marks U+0300-U+036F. */
static inline int eg__is_mark(uint32_t cp)
{
    return cp >= 0x0300 && cp <= 0x036F;
}

#endif
