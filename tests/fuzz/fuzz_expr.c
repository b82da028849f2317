/*
 * fuzz_expr.c - libFuzzer target for the condition language (JUEL subset). The input is
 * NUL-terminated and evaluated against a fixed variable object. Invariants: the result is
 * 0 or EG_EUNPROCESSABLE; on success the truth value is 0 or 1; on failure a message is set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "workflow/workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *vars;
    if (!vars)
        vars = json_pack("{s:b, s:i, s:s, s:n, s:{s:f}}", "approved", 1, "amount", 1500, "kind",
                         "A", "none", "o", "x", 2.5);
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    int out = -1;
    char err[256] = "";
    int rc = eg_wf_eval(s, vars, &out, err, sizeof(err));
    free(s);
    if (rc != EG_OK && rc != EG_EUNPROCESSABLE)
        abort();
    if (rc == EG_OK && out != 0 && out != 1)
        abort();
    if (rc != EG_OK && err[0] == 0)
        abort();
    return 0;
}
