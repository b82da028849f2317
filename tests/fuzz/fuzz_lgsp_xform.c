/*
 * fuzz_lgsp_xform.c - libFuzzer target for the LGSP document transformations (xform.c), which
 * run on bodies sent by consumers and upstreams. Beyond "does not crash":
 *   - xml_to_json output is always valid JSON; when json_to_xml accepts it (its names are
 *     plain XML names) the XML it writes parses again;
 *   - json_to_xml output, when produced, is well-formed XML that xml_to_json reads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lgsp/internal.h"

const struct eg_module *const eg_modules[] = {NULL};

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    eg_buf a = EG_BUF_INIT, b = EG_BUF_INIT, c = EG_BUF_INIT;
    if (eg__lgsp_xml_to_json((const char *)data, size, &a) == 0) {
        char err[128];
        json_t *j = eg_json_parse(a.data, a.len, 200, err, sizeof(err));
        CHECK(j != NULL);
        json_decref(j);
        if (eg__lgsp_json_to_xml(a.data, a.len, &b) == 0)
            CHECK(eg__lgsp_xml_to_json(b.data, b.len, &c) == 0);
    }
    eg_buf_reset(&b);
    eg_buf_reset(&c);
    if (eg__lgsp_json_to_xml((const char *)data, size, &b) == 0)
        CHECK(eg__lgsp_xml_to_json(b.data, b.len, &c) == 0);
    eg_buf_free(&a);
    eg_buf_free(&b);
    eg_buf_free(&c);
    return 0;
}
