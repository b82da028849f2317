/*
 * module.c - the audit module's entry in the module table. Its tables come from
 * db/migrations/audit; its HTTP read API arrives with identity (auditor role).
 */
#include "egov.h"
#include "audit/audit.h"

const struct eg_module eg_audit_module = {
    .name = "audit",
};
