/*
 * inforeq.h - shared by the dossier module's information-request files (providers.c,
 * inforeq.c) and module.c. Not a public header.
 */
#ifndef EG_DOSSIER_INFOREQ_H
#define EG_DOSSIER_INFOREQ_H

#include "dossier/internal.h"

/* providers.c: registers the data providers with the LGSP (module init). */
void eg__ds_providers_register(void);
/* The information services as JSON [{service, name, owner_agency, description, params}]. */
json_t *eg__ds_providers_json(void);
/* The LGSP consumer system of an agency's one-stop desk: "motcua-<agency>". */
void eg__ds_consumer_of(const char *agency, char *out, size_t n);
/* Demo: published services, consumer systems and grants (idempotent; nothing when !demo or
 * dossier.demo_info_services = 0). */
int eg__ds_providers_seed(eg_app *app, int demo);

/* inforeq.c */
void eg__ds_inforeq_init(void);
void eg__ds_inforeq_routes(eg_http *h);
/* Sends the pending requests queued by service tasks (scheduler thread, no open transaction). */
void eg__ds_inforeq_tick(eg_app *app);

#endif
