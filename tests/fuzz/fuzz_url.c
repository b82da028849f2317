/*
 * fuzz_url.c - libFuzzer target for the request path and query decoders (src/http/url.c).
 * Beyond "no crash", it checks the promises the router and static files rely on: an
 * accepted path starts with '/', holds no NUL and no "." or ".." segment.
 */
#include <stdlib.h>
#include <string.h>
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_buf b = EG_BUF_INIT;
    if (eg_url_decode_path((const char *)data, size, &b) == 0) {
        const char *p = eg_buf_cstr(&b);
        if (p[0] != '/' || strlen(p) != b.len)
            abort();
        if (strstr(p, "/../") || strstr(p, "/./"))
            abort();
        size_t n = b.len;
        if ((n >= 3 && strcmp(p + n - 3, "/..") == 0) || (n >= 2 && strcmp(p + n - 2, "/.") == 0))
            abort();
    }
    eg_buf_reset(&b);
    if (eg_url_decode_query((const char *)data, size, &b) == 0) {
        if (strlen(eg_buf_cstr(&b)) != b.len)
            abort();
    }
    eg_buf_free(&b);
    return 0;
}
