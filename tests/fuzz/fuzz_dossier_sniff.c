/* libFuzzer target: eg_dossier_sniff() over arbitrary bytes (never reads past n, and returns
 * only one of the accepted content types or NULL). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dossier/dossier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exact-size heap copy so ASan catches any read past the end */
    uint8_t *copy = malloc(size ? size : 1);
    if (size)
        memcpy(copy, data, size);
    const char *t = eg_dossier_sniff(copy, size);
    if (t && strncmp(t, "application/", 12) && strncmp(t, "image/", 6))
        abort();
    free(copy);
    return 0;
}
