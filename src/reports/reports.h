/*
 * reports.h - statistics of administrative-procedure dossiers (thống kê hồ sơ TTHC): received,
 * resolved on time / late, in progress and overdue, withdrawn or refused, per agency,
 * procedure, field (lĩnh vực), channel and period; the online-dossier rate against the
 * province's targets (data/reports/online-targets.csv); satisfaction ratings per procedure and
 * agency; a cached public summary without personal data. The numbers come from the dossier
 * module's fact table through dossier.h (eg_dossier_stats); this module owns no table.
 *
 * Routes (api.md style, problem+json on bad parameters naming the field):
 *   GET /api/v1/reports/dossiers?group_by=&from=&to=&agency=&procedure=&field=&channel=
 *       (JSON, or CSV with Accept: text/csv or ?format=csv)
 *   GET /api/v1/reports/online-rate?group_by=none|agency|month|...&from=&to=&agency=
 *   GET /api/v1/reports/satisfaction?group_by=procedure|agency&from=&to=&agency=
 *   GET /api/v1/public/stats            (anonymous, aggregated, cached 60 s)
 * Scope: staff read their agency and its sub-units (permission read/report AGENCY); admin and
 * auditor read everything (ALL); a leader of the province (assignment at the UBND tỉnh with
 * sub-units) therefore sees all. Citizens get 403.
 *
 * Command: `egov reports bench-seed|bench-query` (benchmark only, see README.md).
 */
#ifndef EG_REPORTS_H
#define EG_REPORTS_H

#include "egov.h"

/* Parses a group_by name ("agency", "procedure", "field", "channel", "day", "month",
 * "quarter", "year", "none") into EG_DS_BY_*; -1 when unknown. */
int eg_reports_group(const char *name);

extern const struct eg_module eg_reports_module;

#endif
