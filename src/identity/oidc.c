/*
 * oidc.c - the OpenID Connect provider endpoints (api.md §4).
 */
#include "identity/internal.h"

void eg__oidc_routes(eg_app *app, eg_http *h)
{
}
