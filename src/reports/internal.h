/*
 * internal.h - shared by the reports module's files.
 */
#ifndef EG_REPORTS_INTERNAL_H
#define EG_REPORTS_INTERNAL_H

#include <pthread.h>
#include <string.h>
#include <stdio.h>
#include "reports/reports.h"
#include "dossier/dossier.h"
#include "identity/identity.h"
#include "catalog/catalog.h"

typedef struct {
    eg_app *app;
    json_t *targets; /* [{level, target_percent, deadline_year, source}] */
    json_t *fields;  /* {field code: name} from data/catalogs/linhvuc.csv */
    pthread_mutex_t lock;
    char *public_json;  /* cached GET /api/v1/public/stats body */
    int64_t public_at;  /* eg_mono_ms of the cache fill */
    json_t *proc_names; /* {procedure code: name}, refreshed every 5 minutes */
    int64_t proc_names_at;
} rp_state;

rp_state *eg__rp_state(void);
void eg__rp_routes(eg_app *app, eg_http *h);
extern const struct eg_command eg__rp_commands[];

/* Parses "YYYY-MM-DD" into yyyymmdd; 0 on success, EG_EINVAL otherwise. */
int eg__rp_day(const char *s, int32_t *out);

#endif
