/*
 * fuzz_multipart.c - libFuzzer target for eg_multipart_parse. The first line of the input
 * is the Content-Type header, the rest the body; every part returned must lie inside the
 * body and carry a name.
 */
#include <stdlib.h>
#include <string.h>
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    if (!nl)
        return 0;
    eg_arena *a = eg_arena_new(0);
    char *ct = eg_arena_strndup(a, in, (size_t)(nl - in));
    const char *body = nl + 1;
    size_t len = size - (size_t)(body - in);
    eg_part *parts = NULL;
    int n = 0;
    if (eg_multipart_parse(a, ct, body, len, &parts, &n) == 0) {
        for (int i = 0; i < n; i++) {
            if (!parts[i].name || parts[i].data < body || parts[i].data + parts[i].len > body + len)
                abort();
        }
    }
    eg_arena_free(a);
    return 0;
}
