/*
 * fuzz_json_body.c - libFuzzer target for request bodies as eg_req_json parses them:
 * eg_json_parse with the server's default limits (1 MiB body, nesting depth 32).
 */
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024 * 1024)
        return 0;
    char err[256];
    json_t *j = eg_json_parse((const char *)data, size, 32, err, sizeof(err));
    json_decref(j);
    return 0;
}
