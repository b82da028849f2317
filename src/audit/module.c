/*
 * module.c - the audit module's entry in the module table. Its tables come from
 * db/migrations/audit; its HTTP read API (/api/v1/audit/...) is served by identity, which
 * knows the auditor role (src/identity/auditapi.c).
 */
#include "egov.h"
#include "audit/audit.h"

const struct eg_module eg_audit_module = {
    .name = "audit",
};
