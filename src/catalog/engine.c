/* engine.c - placeholder, replaced below */
#include "catalog/internal.h"
int eg__catalogs_seed(eg_app *app, eg_conn *c)
{
    (void)app;
    (void)c;
    return EG_OK;
}
void eg__catalog_routes(eg_app *app, eg_http *h)
{
    (void)app;
    (void)h;
}
