/*
 * login.c - browser sessions and the login page.
 */
#include "identity/internal.h"

int eg__session_account(eg_req *r, eg_arena *a, id_account *acc)
{
    return EG_ENOTFOUND;
}

void eg__login_routes(eg_app *app, eg_http *h)
{
}
