/*
 * main.c - the egov binary: the list of modules, in layering order, and the CLI entry.
 * Adding a module is one #include and one line in eg_modules.
 */
#include "egov.h"
#include "cli/cli.h"
#include "audit/audit.h"
#include "identity/identity.h"
#include "sign/sign.h"
#include "catalog/catalog.h"
#include "eams/eams.h"
#include "workflow/workflow.h"
#include "lgsp/lgsp.h"
#include "notify/notify.h"
#include "payment/payment.h"
#include "dvcqg/dvcqg.h"
#include "dossier/dossier.h"
#include "feedback/feedback.h"
#include "reports/reports.h"
#include "portal/portal.h"

/* clang-format off: one module per line keeps merges of new modules trivial */
// clang-format off
const struct eg_module *const eg_modules[] = {
    &eg_audit_module,
    &eg_identity_module,
    &eg_sign_module,
    &eg_catalog_module,
    &eg_eams_module,
    &eg_workflow_module,
    &eg_lgsp_module,
    &eg_notify_module,
    &eg_payment_module,
    &eg_dvcqg_module,
    &eg_dossier_module,
    &eg_feedback_module,
    &eg_reports_module,
    &eg_portal_module,
    NULL,
};
// clang-format on

int main(int argc, char **argv)
{
    return eg_cli_main(argc, argv);
}
