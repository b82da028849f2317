/*
 * cache.c - what the gateway would otherwise look up on every call, kept in memory:
 *
 *   - verified access tokens: SHA-256 of the bearer token -> a copy of the principal identity
 *     resolved (signature, expiry, issuer, audience, revocation, all checked by identity). An
 *     entry lives until the token's exp, and at most lgsp.token_cache_ms (1000 ms) after it
 *     was verified, so a revoked token stops working at the gateway within that bound
 *     (0 disables the cache). Only system principals (client_credentials) are cached.
 *   - services by code and grants by (service, client), including negative answers.
 *     Every committed registry change bumps a generation number that empties both; entries
 *     also expire after 10 s so changes made by another process are picked up.
 *
 * Each table is a small hash of chained entries under one mutex; when a table reaches its
 * bound it is emptied (a cache, not a store). Hits are copied into the request arena, so an
 * entry can be dropped while a request still uses what it returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lgsp/internal.h"

#define NBUCKET     1024
#define MAX_ENTRIES 8192
#define REG_TTL_MS  10000

typedef struct tok_entry {
    char key[65];
    int64_t until_ms;
    eg_principal p; /* strings and roles malloc'd */
    struct tok_entry *next;
} tok_entry;

typedef struct reg_entry {
    char *key; /* "s\n<code>" or "g\n<service>\n<client>" */
    int64_t gen, until_ms;
    int found;
    lgsp_service sv; /* strings malloc'd */
    lgsp_grant g;
    struct reg_entry *next;
} reg_entry;

struct lgsp_cache {
    pthread_mutex_t mu;
    int64_t ttl_ms;
    tok_entry *tok[NBUCKET];
    int ntok;
    reg_entry *reg[NBUCKET];
    int nreg;
    int64_t gen;
    int64_t tok_hits, tok_misses, reg_hits, reg_misses;
};

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 16777619u;
    }
    return h % NBUCKET;
}

static char *dup_or_null(const char *s)
{
    return s ? eg_strdup(s) : NULL;
}

static const char *arena_dup(eg_arena *a, const char *s)
{
    return s ? eg_arena_strdup(a, s) : NULL;
}

static void tok_free(tok_entry *e)
{
    free((char *)e->p.subject);
    free((char *)e->p.username);
    free((char *)e->p.name);
    free((char *)e->p.kind);
    free((char *)e->p.agency_code);
    free((char *)e->p.citizen_id);
    free((char *)e->p.tax_code);
    free((char *)e->p.client_id);
    free((char *)e->p.scope);
    for (int i = 0; i < e->p.nroles; i++) {
        free((char *)e->p.roles[i].role);
        free((char *)e->p.roles[i].agency_code);
    }
    free((void *)e->p.roles);
    free(e);
}

static void reg_free(reg_entry *e)
{
    free(e->key);
    free((char *)e->sv.code);
    free((char *)e->sv.version);
    free((char *)e->sv.name);
    free((char *)e->sv.owner_agency);
    free((char *)e->sv.kind);
    free((char *)e->sv.upstream_url);
    free((char *)e->sv.status);
    free((char *)e->sv.transform);
    free((char *)e->g.methods);
    free((char *)e->g.path_prefix);
    free((char *)e->g.cert_sha256);
    free(e);
}

static void clear_tok(struct lgsp_cache *k)
{
    for (int i = 0; i < NBUCKET; i++) {
        while (k->tok[i]) {
            tok_entry *nx = k->tok[i]->next;
            tok_free(k->tok[i]);
            k->tok[i] = nx;
        }
    }
    k->ntok = 0;
}

static void clear_reg(struct lgsp_cache *k)
{
    for (int i = 0; i < NBUCKET; i++) {
        while (k->reg[i]) {
            reg_entry *nx = k->reg[i]->next;
            reg_free(k->reg[i]);
            k->reg[i] = nx;
        }
    }
    k->nreg = 0;
}

static struct lgsp_cache *g_cache; /* the process's cache, for changes made without an app */

struct lgsp_cache *eg__lgsp_cache_new(int64_t token_ttl_ms)
{
    struct lgsp_cache *k = eg_calloc(1, sizeof(*k));
    pthread_mutex_init(&k->mu, NULL);
    k->ttl_ms = token_ttl_ms;
    g_cache = k;
    return k;
}

void eg__lgsp_cache_free(struct lgsp_cache *k)
{
    if (!k)
        return;
    if (g_cache == k)
        g_cache = NULL;
    clear_tok(k);
    clear_reg(k);
    pthread_mutex_destroy(&k->mu);
    free(k);
}

void eg__lgsp_cache_invalidate(lgsp_state *s)
{
    struct lgsp_cache *k = s ? s->cache : g_cache;
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->gen++;
    clear_reg(k);
    pthread_mutex_unlock(&k->mu);
}

void eg__lgsp_cache_counts(lgsp_state *s, int64_t out[4])
{
    struct lgsp_cache *k = s->cache;
    memset(out, 0, 4 * sizeof(int64_t));
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    out[0] = k->tok_hits;
    out[1] = k->tok_misses;
    out[2] = k->reg_hits;
    out[3] = k->reg_misses;
    pthread_mutex_unlock(&k->mu);
}

/* ------------------------------------------------------------------ tokens */

/* The exp claim (seconds) of a JWS identity has already verified; 0 when unreadable. */
static int64_t token_exp(const char *tok)
{
    const char *d1 = strchr(tok, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d2)
        return 0;
    eg_buf raw = EG_BUF_INIT;
    int64_t exp = 0;
    if (eg_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &raw) == 0) {
        json_t *j = json_loadb(raw.data ? raw.data : "", raw.len, 0, NULL);
        json_t *e = json_object_get(j, "exp");
        if (json_is_integer(e))
            exp = json_integer_value(e);
        json_decref(j);
    }
    eg_buf_free(&raw);
    return exp;
}

static eg_principal *copy_to_arena(eg_arena *a, const eg_principal *src)
{
    eg_principal *p = eg_arena_zalloc(a, sizeof(*p));
    p->subject = arena_dup(a, src->subject);
    p->username = arena_dup(a, src->username);
    p->name = arena_dup(a, src->name);
    p->kind = arena_dup(a, src->kind);
    p->agency_code = arena_dup(a, src->agency_code);
    p->citizen_id = arena_dup(a, src->citizen_id);
    p->tax_code = arena_dup(a, src->tax_code);
    p->client_id = arena_dup(a, src->client_id);
    p->scope = arena_dup(a, src->scope);
    eg_role_grant *g = eg_arena_zalloc(a, sizeof(*g) * (size_t)(src->nroles + 1));
    for (int i = 0; i < src->nroles; i++) {
        g[i].role = arena_dup(a, src->roles[i].role);
        g[i].agency_code = arena_dup(a, src->roles[i].agency_code);
        g[i].include_subunits = src->roles[i].include_subunits;
    }
    p->roles = g;
    p->nroles = src->nroles;
    return p;
}

const eg_principal *eg__lgsp_principal(lgsp_state *s, eg_req *r)
{
    struct lgsp_cache *k = s->cache;
    const char *auth = eg_req_header(r, "Authorization");
    if (!k || k->ttl_ms <= 0 || !auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return eg_principal_of(r);
    const char *tok = auth + 7;
    char key[65];
    eg_sha256_hex(tok, strlen(tok), key);
    int64_t now = eg_now_ms();
    uint32_t b = hash_str(key);
    pthread_mutex_lock(&k->mu);
    for (tok_entry *e = k->tok[b]; e; e = e->next) {
        if (strcmp(e->key, key) == 0 && e->until_ms > now) {
            eg_principal *p = copy_to_arena(eg_req_arena(r), &e->p);
            k->tok_hits++;
            pthread_mutex_unlock(&k->mu);
            eg_req_set_principal(r, p);
            return p;
        }
    }
    k->tok_misses++;
    pthread_mutex_unlock(&k->mu);

    const eg_principal *p = eg_principal_of(r);
    if (!p || p->via_session || !p->client_id || !p->kind || strcmp(p->kind, "system") != 0)
        return p;
    int64_t exp = token_exp(tok);
    if (exp <= 0)
        return p;
    int64_t until = now + k->ttl_ms;
    if (exp * 1000 < until)
        until = exp * 1000;
    if (until <= now)
        return p;
    tok_entry *e = eg_calloc(1, sizeof(*e));
    memcpy(e->key, key, sizeof(e->key));
    e->until_ms = until;
    e->p.subject = dup_or_null(p->subject);
    e->p.username = dup_or_null(p->username);
    e->p.name = dup_or_null(p->name);
    e->p.kind = dup_or_null(p->kind);
    e->p.agency_code = dup_or_null(p->agency_code);
    e->p.citizen_id = dup_or_null(p->citizen_id);
    e->p.tax_code = dup_or_null(p->tax_code);
    e->p.client_id = dup_or_null(p->client_id);
    e->p.scope = dup_or_null(p->scope);
    eg_role_grant *g = eg_calloc((size_t)p->nroles + 1, sizeof(*g));
    for (int i = 0; i < p->nroles; i++) {
        g[i].role = dup_or_null(p->roles[i].role);
        g[i].agency_code = dup_or_null(p->roles[i].agency_code);
        g[i].include_subunits = p->roles[i].include_subunits;
    }
    e->p.roles = g;
    e->p.nroles = p->nroles;
    pthread_mutex_lock(&k->mu);
    if (k->ntok >= MAX_ENTRIES)
        clear_tok(k);
    /* Drop expired neighbours and an older copy of the same key. */
    for (tok_entry **pp = &k->tok[b]; *pp;) {
        tok_entry *x = *pp;
        if (x->until_ms <= now || strcmp(x->key, key) == 0) {
            *pp = x->next;
            tok_free(x);
            k->ntok--;
        } else {
            pp = &x->next;
        }
    }
    e->next = k->tok[b];
    k->tok[b] = e;
    k->ntok++;
    pthread_mutex_unlock(&k->mu);
    return p;
}

/* ------------------------------------------------------------------ registry */

/* The live entry for key, or NULL. Called with mu held. */
static reg_entry *reg_find(struct lgsp_cache *k, const char *key, uint32_t b, int64_t now)
{
    for (reg_entry *e = k->reg[b]; e; e = e->next)
        if (e->gen == k->gen && e->until_ms > now && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static void reg_put(struct lgsp_cache *k, reg_entry *e, uint32_t b, int64_t gen, int64_t now)
{
    pthread_mutex_lock(&k->mu);
    if (gen != k->gen) { /* the registry changed while we read it */
        pthread_mutex_unlock(&k->mu);
        reg_free(e);
        return;
    }
    if (k->nreg >= MAX_ENTRIES)
        clear_reg(k);
    for (reg_entry **pp = &k->reg[b]; *pp;) {
        reg_entry *x = *pp;
        if (x->until_ms <= now || x->gen != k->gen || strcmp(x->key, e->key) == 0) {
            *pp = x->next;
            reg_free(x);
            k->nreg--;
        } else {
            pp = &x->next;
        }
    }
    e->gen = gen;
    e->until_ms = now + REG_TTL_MS;
    e->next = k->reg[b];
    k->reg[b] = e;
    k->nreg++;
    pthread_mutex_unlock(&k->mu);
}

int eg__lgsp_service_cached(lgsp_state *s, eg_conn *c, eg_arena *a, const char *code,
                            lgsp_service *out)
{
    struct lgsp_cache *k = s->cache;
    if (!k)
        return eg__lgsp_service_get(c, a, code, out);
    char *key = eg_asprintf("s\n%s", code);
    uint32_t b = hash_str(key);
    int64_t now = eg_mono_ms();
    pthread_mutex_lock(&k->mu);
    reg_entry *e = reg_find(k, key, b, now);
    if (e) {
        int found = e->found;
        if (found) {
            out->code = arena_dup(a, e->sv.code);
            out->version = arena_dup(a, e->sv.version);
            out->name = arena_dup(a, e->sv.name);
            out->owner_agency = arena_dup(a, e->sv.owner_agency);
            out->kind = arena_dup(a, e->sv.kind);
            out->upstream_url = arena_dup(a, e->sv.upstream_url);
            out->status = arena_dup(a, e->sv.status);
            out->transform = arena_dup(a, e->sv.transform);
            out->timeout_ms = e->sv.timeout_ms;
        }
        k->reg_hits++;
        pthread_mutex_unlock(&k->mu);
        free(key);
        return found ? EG_OK : EG_ENOTFOUND;
    }
    int64_t gen = k->gen;
    k->reg_misses++;
    pthread_mutex_unlock(&k->mu);
    int rc = eg__lgsp_service_get(c, a, code, out);
    if (rc && rc != EG_ENOTFOUND) {
        free(key);
        return rc;
    }
    e = eg_calloc(1, sizeof(*e));
    e->key = key;
    e->found = rc == EG_OK;
    if (e->found) {
        e->sv.code = dup_or_null(out->code);
        e->sv.version = dup_or_null(out->version);
        e->sv.name = dup_or_null(out->name);
        e->sv.owner_agency = dup_or_null(out->owner_agency);
        e->sv.kind = dup_or_null(out->kind);
        e->sv.upstream_url = dup_or_null(out->upstream_url);
        e->sv.status = dup_or_null(out->status);
        e->sv.transform = dup_or_null(out->transform);
        e->sv.timeout_ms = out->timeout_ms;
    }
    reg_put(k, e, b, gen, now);
    return rc;
}

int eg__lgsp_grant_cached(lgsp_state *s, eg_conn *c, eg_arena *a, const char *service,
                          const char *client, lgsp_grant *out)
{
    struct lgsp_cache *k = s->cache;
    if (!k)
        return eg__lgsp_grant_get(c, a, service, client, out);
    char *key = eg_asprintf("g\n%s\n%s", service, client);
    uint32_t b = hash_str(key);
    int64_t now = eg_mono_ms();
    pthread_mutex_lock(&k->mu);
    reg_entry *e = reg_find(k, key, b, now);
    if (e) {
        int found = e->found;
        if (found) {
            *out = e->g;
            out->methods = arena_dup(a, e->g.methods);
            out->path_prefix = arena_dup(a, e->g.path_prefix);
            out->cert_sha256 = arena_dup(a, e->g.cert_sha256);
        }
        k->reg_hits++;
        pthread_mutex_unlock(&k->mu);
        free(key);
        return found ? EG_OK : EG_ENOTFOUND;
    }
    int64_t gen = k->gen;
    k->reg_misses++;
    pthread_mutex_unlock(&k->mu);
    int rc = eg__lgsp_grant_get(c, a, service, client, out);
    if (rc && rc != EG_ENOTFOUND) {
        free(key);
        return rc;
    }
    e = eg_calloc(1, sizeof(*e));
    e->key = key;
    e->found = rc == EG_OK;
    if (e->found) {
        e->g = *out;
        e->g.methods = dup_or_null(out->methods);
        e->g.path_prefix = dup_or_null(out->path_prefix);
        e->g.cert_sha256 = dup_or_null(out->cert_sha256);
    }
    reg_put(k, e, b, gen, now);
    return rc;
}
