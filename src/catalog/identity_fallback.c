/*
 * identity_fallback.c - weak stand-ins for the identity functions the catalog calls, so
 * this branch links before the identity module lands on main. They deny every write
 * (401). The real definitions (strong symbols) replace them; delete this file then.
 */
#include "identity/identity.h"

__attribute__((weak)) const eg_principal *eg_principal_of(eg_req *r)
{
    (void)r;
    return NULL;
}

__attribute__((weak)) int eg_authorize(eg_req *r, const char *action, const eg_object *obj)
{
    (void)action;
    (void)obj;
    return eg_req_fail(r, EG_EAUTH, "Cần đăng nhập");
}

__attribute__((weak)) const char *eg_actor(eg_req *r)
{
    (void)r;
    return "anonymous";
}

__attribute__((weak)) void eg_identity_set_agency_resolver(eg_agency_within_fn fn, void *ctx)
{
    (void)fn;
    (void)ctx;
}
