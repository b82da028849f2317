/*
 * fuzz_bpmn.c - libFuzzer target for the BPMN parser/validator (libxml2 with no network, no
 * DTD, no entity substitution). Invariants: the parser returns 0 or EG_EUNPROCESSABLE, never
 * crashes or leaks; a refusal always names an element and a line ("phần tử '...' (dòng N)")
 * or the XML error line; an accepted model yields a process key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "workflow/workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char key[128] = "", err[512] = "";
    int rc = eg_wf_validate((const char *)data, size, key, sizeof(key), err, sizeof(err));
    if (rc != EG_OK && rc != EG_EUNPROCESSABLE)
        abort();
    if (rc == EG_OK && key[0] == 0)
        abort();
    if (rc != EG_OK && size > 0 && size <= 4 * 1024 * 1024 && !strstr(err, "dòng"))
        abort();
    return 0;
}
