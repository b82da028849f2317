/*
 * cli.c - `egov sign`: signs the XML document on standard input with the platform key and
 * writes the signed document to standard output (operators, fixtures, peer exchange tests).
 */
#include <stdio.h>
#include "sign/internal.h"

static int cmd_sign(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--config", NULL};
    if (eg_arg_check(argc, argv, "sign", opts, NULL))
        return 1;
    eg_app app = {0};
    if (eg_cli_open(&app, argc, argv, "sign", 0))
        return 1;
    char err[512] = "";
    int rc;
    eg_buf in = EG_BUF_INIT, out = EG_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        eg_buf_append(&in, chunk, n);
    rc = eg_sign_module.init(&app);
    if (!rc)
        rc = eg_sign_xml(&app, in.data ? in.data : "", in.len, &out, err, sizeof(err));
    if (!rc)
        fwrite(out.data, 1, out.len, stdout);
    eg_sign_module.shutdown(&app);
    eg_buf_free(&in);
    eg_buf_free(&out);
    eg_app_close(&app);
    return rc ? eg_cli_fail("sign: %s", err[0] ? err : eg_strerror(rc)) : 0;
}

const struct eg_command eg__sign_commands[] = {
    {"sign", "sign --data-dir DIR [--config FILE] < document.xml > signed.xml",
     "sign an XML document (enveloped XML-DSig) with the platform key", cmd_sign},
    {NULL, NULL, NULL, NULL},
};
