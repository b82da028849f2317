/*
 * main.c - the egov binary: the list of modules, in layering order, and the CLI entry.
 * Adding a module is one #include and one line in eg_modules.
 */
#include "egov.h"
#include "cli/cli.h"
#include "audit/audit.h"
#include "identity/identity.h"
#include "lgsp/lgsp.h"
#include "portal/portal.h"

const struct eg_module *const eg_modules[] = {
    &eg_audit_module,
    &eg_identity_module,
    &eg_lgsp_module,
    &eg_portal_module,
    NULL,
};

int main(int argc, char **argv)
{
    return eg_cli_main(argc, argv);
}
