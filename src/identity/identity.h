/*
 * identity.h - accounts, sessions and tokens, the OpenID Connect provider, and the one
 * authorisation check every route uses.
 *
 * Other modules only need three things from here:
 *   1. who is calling:      eg_principal_of(req) / eg_require_principal(req, &p)
 *   2. may they do it:      eg_authorize(req, action, &(eg_object){type, agency, owner})
 *   3. the audit actor:     eg_actor(req)
 * Authorisation is deny-by-default: permission = action × resource type, granted by roles
 * (data, seeded from every module's eg_permission table); every role assignment is scoped to an
 * agency and optionally its sub-units.
 */
#ifndef EG_IDENTITY_H
#define EG_IDENTITY_H

#include <stdint.h>
#include "egov.h"

/* One role assignment of a principal. agency_code NULL = not agency-bound (citizen, admin). */
typedef struct {
    const char *role;
    const char *agency_code;
    int include_subunits;
} eg_role_grant;

/* The authenticated caller of a request (arena-allocated, read-only for modules). */
typedef struct {
    const char *subject;     /* stable id: account id for people, client id for systems */
    const char *username;    /* NULL for systems */
    const char *name;        /* display name */
    const char *kind;        /* "staff" | "citizen" | "business" | "system" */
    const char *agency_code; /* staff: home agency; NULL otherwise */
    const char *citizen_id;  /* citizen: 12-digit personal ID; NULL otherwise */
    const char *tax_code;    /* business: MST; NULL otherwise */
    const char *client_id;   /* OAuth client the token was issued to (NULL for sessions) */
    const char *scope;       /* granted scope, space-separated */
    const eg_role_grant *roles;
    int nroles;
    int via_session; /* 1 = browser session cookie (CSRF applies), 0 = bearer token */
} eg_principal;

/* The object an action is about: its type, owning agency, and owner subject (may be NULL). */
typedef struct {
    const char *type;
    const char *agency_code;
    const char *owner;
} eg_object;

/* The caller, or NULL for anonymous requests (bad or expired credentials are anonymous). */
const eg_principal *eg_principal_of(eg_req *r);
/* Like eg_principal_of, but records a 401 problem and returns EG_EAUTH when anonymous. */
int eg_require_principal(eg_req *r, const eg_principal **out);
/* 0 when p may do action on obj; EG_EFORBIDDEN otherwise. p NULL -> EG_EAUTH. */
int eg_authz(const eg_principal *p, const char *action, const eg_object *obj);
/* The usual route check: 401 when anonymous, 403 when denied (with a Vietnamese detail
 * recorded on the request), 0 when allowed. */
int eg_authorize(eg_req *r, const char *action, const eg_object *obj);
/* 1 when p holds role (in agency_code, or anywhere when agency_code is NULL). */
int eg_has_role(const eg_principal *p, const char *role, const char *agency_code);
/* Audit actor string for the request: username, "client:<id>", or "anonymous". */
const char *eg_actor(eg_req *r);

/* Agency hierarchy used for "and its sub-units" and for successor resolution after
 * reorganisations. The catalog module installs it; the default knows only equality.
 * Returns 1 when agency lies within (or is) ancestor at the current date. */
typedef int (*eg_agency_within_fn)(void *ctx, const char *agency, const char *ancestor);
void eg_identity_set_agency_resolver(eg_agency_within_fn fn, void *ctx);
/* Names of agencies for the staff directory (written into out, at most n bytes; non-zero when
 * unknown). Installed by the catalog module; without it the directory shows codes only. */
typedef int (*eg_agency_name_fn)(const char *code, char *out, size_t n);
void eg_identity_set_agency_namer(eg_agency_name_fn fn);

/* Issues a signed access token for an existing account, exactly as /oauth2/token would
 * (used by `egov token` and tests). Token is arena-allocated. */
int eg_identity_issue_token(eg_app *app, eg_arena *a, const char *username, const char *scope,
                            int ttl_seconds, char **token);

struct eg_module;
extern const struct eg_module eg_identity_module;

#endif
