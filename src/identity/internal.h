/*
 * internal.h - shared between the files of the identity module (not a public header).
 *
 * Layout: jws.c (signing keys, JWS sign/verify, JWKS), password.c (argon2id, policy,
 * throttling), totp.c (RFC 6238), accounts.c (accounts, roles, clients in SQL), authz.c
 * (principal, permission check, authenticator, CSRF), oidc.c (the OAuth/OIDC endpoints),
 * login.c (browser sessions and the login page), api.c (/api/v1/me, directory, users,
 * clients), cli.c (commands), module.c (module table entry, init, seed).
 */
#ifndef EG_IDENTITY_INTERNAL_H
#define EG_IDENTITY_INTERNAL_H

#include <pthread.h>
#include <semaphore.h>
#include <openssl/evp.h>
#include "identity/identity.h"

enum { ID_ALG_ES256 = 1, ID_ALG_EDDSA = 2 };

typedef struct {
    char kid[48];
    int alg;
    EVP_PKEY *pkey;
    int64_t created_ms;
    int64_t retired_ms; /* 0 = current */
} id_key;

typedef struct {
    id_key keys[32];
    int n;
} id_keyring;

/* ---- jws.c */
/* Creates an ES256 and an EdDSA key under <data_dir>/keys/identity/ when none exist. */
int eg__keys_ensure(const char *data_dir);
/* Retires the current keys and creates new ones. */
int eg__keys_rotate(const char *data_dir);
int eg__keys_load(const char *data_dir, id_keyring **out);
void eg__keys_free(id_keyring *kr);
/* In-memory keyring with one fresh key of each algorithm (unit tests, fuzzing). */
id_keyring *eg__keys_ephemeral(void);
/* Public keys still needed for verification (current, or retired less than keep_ms ago). */
json_t *eg__jwks(const id_keyring *kr, int64_t now_ms, int64_t keep_ms);
/* Signs claims (not stolen) with the current key of alg; typ goes in the header. */
char *eg__jws_sign(eg_arena *a, const id_keyring *kr, int alg, const char *typ,
                   const json_t *claims);

/* A parsed, not yet verified compact JWS. */
typedef struct {
    json_t *header;
    json_t *payload;
    const char *alg, *kid, *typ; /* from header (borrowed) */
    size_t signing_len;          /* bytes of "header.payload" */
    eg_buf sig;
} id_jws;
/* Parses "h.p.s" (bounded sizes, JSON objects, base64url). EG_EINVAL on anything odd. */
int eg__jws_parse(const char *tok, size_t n, id_jws *out);
void eg__jws_clear(id_jws *j);
/* Parses and verifies signature (ES256/EdDSA only, kid known, not retired beyond keep),
 * exp/nbf against now. On success *claims gets the payload (caller decrefs). EG_EAUTH. */
int eg__jws_verify(const id_keyring *kr, const char *tok, int64_t now_ms, int64_t keep_ms,
                   json_t **claims);

/* ---- password.c */
void eg__pw_init(int max_concurrent, unsigned long long opslimit, size_t memlimit);
/* argon2id hash (bounded concurrency). out must hold crypto_pwhash_STRBYTES. */
int eg__pw_hash(const char *pw, char *out);
/* 1 when pw matches hash. Also bounded. */
int eg__pw_verify(const char *hash, const char *pw);
/* Policy: NULL when acceptable, else a Vietnamese reason. */
const char *eg__pw_policy(const char *share_dir, const char *username, const char *pw);
/* Throttling: key "acct:<u>" or "ip:<addr>". eg__throttle_check returns seconds to wait
 * (0 = allowed); eg__throttle_fail records a failure; eg__throttle_reset clears a key. */
int eg__throttle_check(const char *key, int64_t now_ms);
void eg__throttle_fail(const char *key, int64_t now_ms);
void eg__throttle_reset(const char *key);
void eg__throttle_config(int max_failures, int window_s);

/* ---- totp.c */
/* RFC 6238 code (digits 6-8) for key at time t (seconds), step 30 s, HMAC-SHA1/256/512. */
int eg__totp_code(const unsigned char *key, size_t keylen, int64_t t, int digits, const char *hash);
/* Checks a 6-digit code with +-1 step skew; returns the matched step, or -1. Steps at or
 * before last_step are refused (no replay). */
int64_t eg__totp_check(const char *secret_b32, const char *code, int64_t now_s, int64_t last_step);
/* New random secret as base32 (32 chars) into out[33]. */
void eg__totp_new_secret(char out[33]);
int eg__base32_decode(const char *in, unsigned char *out, size_t max, size_t *n);

/* ---- module state */
typedef struct {
    const char *role, *action, *type;
    int scope;
} id_perm;

typedef struct {
    eg_app *app;
    pthread_rwlock_t lock;
    id_keyring *kr;
    int64_t ring_mtime;
    int alg;             /* signing algorithm for tokens */
    int64_t access_ttl;  /* seconds */
    int64_t refresh_ttl; /* seconds */
    int64_t session_ttl; /* seconds */
    int require_totp_admin;
    const char *audience;
} id_state;

extern id_state *eg__id;

/* Issuer URL of this instance (config identity.issuer, else the base URL). */
const char *eg__issuer(eg_app *app);
/* Current keyring with the read lock held: call eg__keys_unlock() after use. */
const id_keyring *eg__keys_lock(void);
void eg__keys_unlock(void);
/* Reloads the keyring when the files changed (scheduler tick). */
void eg__keys_refresh(eg_app *app);

/* ---- accounts.c */
typedef struct {
    char id[27];
    const char *username, *name, *kind, *agency_code, *position, *citizen_id, *tax_code;
    const char *email, *password_hash, *totp_secret, *status;
    int64_t totp_last_step;
    eg_role_grant *roles;
    int nroles;
} id_account;

/* Loads an account by id, username, or citizen id (arena copies). EG_ENOTFOUND. */
int eg__account_get(eg_conn *c, eg_arena *a, const char *by, const char *value, id_account *out);
/* Creates an account (validates kind-specific fields, policy, roles). Password may be NULL
 * (federated accounts). err gets a Vietnamese/English one-liner. */
typedef struct {
    const char *username, *name, *kind, *agency_code, *position, *citizen_id, *tax_code;
    const char *email, *password;
    const char **roles;
    int nroles;
    int include_subunits;
} id_new_account;
int eg__account_create(eg_app *app, const id_new_account *na, const char *actor, char id_out[27],
                       char *err, size_t errlen);
int eg__role_grant(eg_conn *c, const char *account_id, const char *role, const char *agency,
                   int include_subunits);
int eg__role_exists(eg_conn *c, const char *role, int *agency_bound);
/* 1 when the role is an admin role (TOTP demanded). */
int eg__role_is_admin(const char *role);
/* Builds the principal of an account (roles loaded). */
eg_principal *eg__principal_from_account(eg_arena *a, const id_account *acc);

typedef struct {
    const char *client_id, *type, *secret_hash, *name, *redirect_uris, *post_logout_uris;
    const char *grants, *scopes, *agency_code, *status;
} id_client;
int eg__client_get(eg_conn *c, eg_arena *a, const char *client_id, id_client *out);
/* 1 when word appears in the space-separated list. */
int eg__list_has(const char *list, const char *word);

/* ---- authz.c */
void eg__authz_load(eg_conn *c);
int eg__perms_sync(eg_conn *c);
void *eg__authenticate(eg_req *r);
int eg__csrf_check(eg_req *r);
/* Principal from verified access-token claims. */
eg_principal *eg__principal_from_claims(eg_arena *a, const json_t *claims);

/* ---- oidc.c / tokens */
/* Access token for an account or client; fam may be NULL. */
int eg__issue_access(eg_app *app, eg_arena *a, const id_account *acc, const id_client *cl,
                     const char *scope, int64_t ttl, const char *fam, char **token,
                     json_t **claims_out);
char *eg__issue_id_token(eg_app *app, eg_arena *a, const id_account *acc, const char *client_id,
                         const char *nonce, int64_t auth_time, const char *access_token);
/* RFC 7636 S256: BASE64URL(SHA256(verifier)) into out (44 bytes with NUL). */
void eg__pkce_s256(const char *verifier, char out[64]);
void eg__oidc_routes(eg_app *app, eg_http *h);
void eg__login_routes(eg_app *app, eg_http *h);
void eg__api_routes(eg_app *app, eg_http *h);
/* Session of the request (stage "active"), or NULL. */
int eg__session_account(eg_req *r, eg_arena *a, id_account *acc);
/* Value of a form field of an x-www-form-urlencoded body (arena copy) or NULL. */
const char *eg__form(eg_req *r, const char *name);
void eg__session_end(eg_req *r);
/* Starts an active session for the account and sends the browser to ret (by a plain
 * navigation page, so SameSite=Strict cookies flow even after a cross-site arrival). */
int eg__session_start(eg_req *r, const char *account_id, const char *ret);
void eg__federation_routes(eg_app *app, eg_http *h);
void eg__audit_routes(eg_app *app, eg_http *h); /* auditapi.c */
id_keyring *eg__keyring_from_jwks(const json_t *jwks);
/* Audit with group commit (auditq.c): returns once the record is committed. */
int eg__audit_grouped(eg_req *r, const char *actor, const char *action, const char *otype,
                      const char *oid, const char *agency, json_t *detail);
int eg__audit(eg_req *r, eg_conn *c, const char *actor, const char *action, const char *otype,
              const char *oid, const char *agency, json_t *detail);

extern const struct eg_command eg__identity_commands[];
extern const struct eg_permission eg__identity_permissions[];

/* authz.c: the agency's name through the catalog's namer (EG_ENOTFOUND without one). */
int eg__agency_name(const char *code, char *out, size_t n);

#endif
