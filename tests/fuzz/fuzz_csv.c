/*
 * fuzz_csv.c - libFuzzer target for the strict CSV reader of catalogue imports
 * (catalog/csv.c): any input either parses into rows whose fields re-encode and re-parse
 * to the same values, or is rejected with a message; never a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "catalog/internal.h"

const struct eg_module *const eg_modules[] = {NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    eg_arena *a = eg_arena_new(0);
    eg_csv c;
    char err[256];
    if (eg_csv_parse(a, (const char *)data, size, 5000, &c, err, sizeof(err)) == 0) {
        /* write back and parse again: same rows, same fields */
        eg_buf b = EG_BUF_INIT;
        eg_buf_puts(&b, "\xEF\xBB\xBF"); /* the reader drops exactly one BOM */
        for (int i = 0; i < c.nrows; i++) {
            int all_empty = 1;
            for (int k = 0; k < c.rows[i].n; k++) {
                if (k)
                    eg_buf_putc(&b, ',');
                eg_csv_put(&b, c.rows[i].f[k]);
                all_empty &= c.rows[i].f[k][0] == '\0';
            }
            if (c.rows[i].n == 1 && all_empty)
                eg_buf_puts(&b, "\"\""); /* a lone empty field would read as a blank line */
            eg_buf_puts(&b, "\r\n");
        }
        eg_csv c2;
        int rc = eg_csv_parse(a, b.data ? b.data : "", b.len, 5000, &c2, err, sizeof(err));
        EG_ASSERT(rc == 0);
        EG_ASSERT(c2.nrows == c.nrows);
        for (int i = 0; i < c.nrows; i++) {
            EG_ASSERT(c2.rows[i].n == c.rows[i].n);
            for (int k = 0; k < c.rows[i].n; k++)
                EG_ASSERT(strcmp(c2.rows[i].f[k], c.rows[i].f[k]) == 0);
        }
        eg_buf_free(&b);
    }
    eg_arena_free(a);
    return 0;
}
