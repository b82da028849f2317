/*
 * fuzz_sign_verify.c - libFuzzer target for XML-DSig verification (src/sign/sign.c) on arbitrary
 * bytes. Beyond "no crash": arbitrary input is never reported valid (nothing here is signed by
 * a trusted key), and the answer is always one of ok / unparsable / invalid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sign/sign.h"

/* The module list the CLI code in libegov.a refers to (src/main.c is not linked in). */
const struct eg_module *const eg_modules[] = {&eg_sign_module, NULL};

static eg_app app;

static void setup_once(void)
{
    static char dir[64];
    char err[256];
    snprintf(dir, sizeof(dir), "/tmp/egov-fuzz-sign-XXXXXX");
    if (!mkdtemp(dir) || eg_config_load(NULL, &app.cfg, err, sizeof(err)) != EG_OK)
        abort();
    app.data_dir = dir;
    eg_log_set_level(EG_LOG_ERROR);
    if (eg_sign_module.init(&app) != EG_OK || eg_sign_module.seed(&app, 0) != EG_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!app.data_dir)
        setup_once();
    char subject[256], err[256];
    int rc = eg_sign_verify_xml(&app, (const char *)data, size, subject, sizeof(subject), err,
                                sizeof(err));
    if (rc == EG_OK || (rc != EG_EINVAL && rc != EG_EUNPROCESSABLE && rc != EG_EINTERNAL))
        abort();
    if (strlen(err) >= sizeof(err))
        abort();
    return 0;
}
