/*
 * jws.c - the platform's token signing keys and compact JWS (RFC 7515) signing and
 * verification with OpenSSL 3 EVP: ES256 (default) and EdDSA (Ed25519). No other
 * algorithm is ever accepted, so "alg":"none" and HMAC-with-the-public-key confusion are
 * refused by construction; the key is chosen by kid AND must be of the header's alg.
 *
 * Keys live in <data_dir>/keys/identity/<kid>.pem (PKCS#8, mode 0600) with ring.json
 * listing them: {"keys":[{"kid","alg","created_ms","retired_ms"}]}. Rotation marks the
 * current keys retired and adds new ones; a retired public key stays in the JWKS (and
 * verifies) until every token it signed has expired.
 */
#include <string.h>
#include <sys/stat.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include "identity/internal.h"

#define MAX_TOKEN 16384

static const char *alg_name(int alg)
{
    return alg == ID_ALG_EDDSA ? "EdDSA" : "ES256";
}

static EVP_PKEY *keygen(int alg)
{
    if (alg == ID_ALG_EDDSA)
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static void new_kid(int alg, char out[48])
{
    unsigned char r[9];
    char b[16];
    eg_random(r, sizeof(r));
    eg_b64url_encode(r, sizeof(r), b);
    snprintf(out, 48, "%s-%s", alg == ID_ALG_EDDSA ? "ed" : "es", b);
}

static void ring_path(const char *data_dir, const char *file, char *out, size_t n)
{
    snprintf(out, n, "%s/keys/identity/%s", data_dir, file);
}

static int write_key(const char *data_dir, const id_key *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(bio);
        return EG_EINTERNAL;
    }
    char *mem = NULL;
    long len = BIO_get_mem_data(bio, &mem);
    char path[4096], name[64];
    snprintf(name, sizeof(name), "%s.pem", k->kid);
    ring_path(data_dir, name, path, sizeof(path));
    int rc = eg_write_file_atomic(path, mem, (size_t)len, 0600);
    BIO_free(bio);
    return rc;
}

static int write_ring(const char *data_dir, const id_keyring *kr)
{
    json_t *arr = json_array();
    for (int i = 0; i < kr->n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I}", "kid", kr->keys[i].kid, "alg",
                                             alg_name(kr->keys[i].alg), "created_ms",
                                             (json_int_t)kr->keys[i].created_ms, "retired_ms",
                                             (json_int_t)kr->keys[i].retired_ms));
    json_t *j = json_pack("{s:o}", "keys", arr);
    char *s = json_dumps(j, JSON_INDENT(2));
    char path[4096];
    ring_path(data_dir, "ring.json", path, sizeof(path));
    int rc = eg_write_file_atomic(path, s, strlen(s), 0600);
    free(s);
    json_decref(j);
    return rc;
}

static int add_key(id_keyring *kr, int alg)
{
    if (kr->n >= (int)(sizeof(kr->keys) / sizeof(kr->keys[0])))
        return EG_ECONFLICT;
    id_key *k = &kr->keys[kr->n];
    memset(k, 0, sizeof(*k));
    k->alg = alg;
    k->pkey = keygen(alg);
    if (!k->pkey)
        return EG_EINTERNAL;
    new_kid(alg, k->kid);
    k->created_ms = eg_now_ms();
    kr->n++;
    return EG_OK;
}

id_keyring *eg__keys_ephemeral(void)
{
    id_keyring *kr = eg_calloc(1, sizeof(*kr));
    if (add_key(kr, ID_ALG_ES256) || add_key(kr, ID_ALG_EDDSA)) {
        eg__keys_free(kr);
        return NULL;
    }
    return kr;
}

void eg__keys_free(id_keyring *kr)
{
    if (!kr)
        return;
    for (int i = 0; i < kr->n; i++)
        EVP_PKEY_free(kr->keys[i].pkey);
    free(kr);
}

int eg__keys_load(const char *data_dir, id_keyring **out)
{
    char path[4096];
    ring_path(data_dir, "ring.json", path, sizeof(path));
    eg_buf b = EG_BUF_INIT;
    int rc = eg_read_file(path, 1 << 20, &b);
    if (rc) {
        eg_buf_free(&b);
        return rc;
    }
    char err[128];
    json_t *j = eg_json_parse(b.data, b.len, 8, err, sizeof(err));
    eg_buf_free(&b);
    if (!j)
        return EG_EINVAL;
    id_keyring *kr = eg_calloc(1, sizeof(*kr));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(j, "keys"), i, v)
    {
        if (kr->n >= 32)
            break;
        const char *kid = eg_json_str(v, "kid"), *alg = eg_json_str(v, "alg");
        if (!kid || !alg || strlen(kid) >= 48 || strchr(kid, '/'))
            continue;
        char name[64], kp[4096];
        snprintf(name, sizeof(name), "%s.pem", kid);
        ring_path(data_dir, name, kp, sizeof(kp));
        FILE *f = fopen(kp, "r");
        if (!f)
            continue;
        EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        if (!pk)
            continue;
        id_key *k = &kr->keys[kr->n++];
        snprintf(k->kid, sizeof(k->kid), "%s", kid);
        k->alg = strcmp(alg, "EdDSA") == 0 ? ID_ALG_EDDSA : ID_ALG_ES256;
        k->pkey = pk;
        k->created_ms = eg_json_int(v, "created_ms", 0);
        k->retired_ms = eg_json_int(v, "retired_ms", 0);
    }
    json_decref(j);
    if (kr->n == 0) {
        eg__keys_free(kr);
        return EG_ENOTFOUND;
    }
    *out = kr;
    return EG_OK;
}

int eg__keys_ensure(const char *data_dir)
{
    char dir[4096], path[4096];
    snprintf(dir, sizeof(dir), "%s/keys/identity", data_dir);
    ring_path(data_dir, "ring.json", path, sizeof(path));
    if (eg_path_exists(path))
        return EG_OK;
    if (eg_mkdir_p(dir, 0700))
        return EG_EIO;
    id_keyring *kr = eg__keys_ephemeral();
    if (!kr)
        return EG_EINTERNAL;
    int rc = write_key(data_dir, &kr->keys[0]);
    if (!rc)
        rc = write_key(data_dir, &kr->keys[1]);
    if (!rc)
        rc = write_ring(data_dir, kr);
    eg__keys_free(kr);
    return rc;
}

int eg__keys_rotate(const char *data_dir)
{
    id_keyring *kr = NULL;
    int rc = eg__keys_load(data_dir, &kr);
    if (rc)
        return rc;
    int64_t now = eg_now_ms();
    /* Drop keys retired long ago (files stay, harmless) to keep the ring bounded. */
    int w = 0;
    for (int i = 0; i < kr->n; i++) {
        if (kr->keys[i].retired_ms && now - kr->keys[i].retired_ms > 30LL * 86400 * 1000) {
            EVP_PKEY_free(kr->keys[i].pkey);
            continue;
        }
        kr->keys[w++] = kr->keys[i];
    }
    kr->n = w;
    while (kr->n > 28) { /* oldest first */
        EVP_PKEY_free(kr->keys[0].pkey);
        memmove(&kr->keys[0], &kr->keys[1], sizeof(id_key) * (size_t)(kr->n - 1));
        kr->n--;
    }
    for (int i = 0; i < kr->n; i++) {
        if (!kr->keys[i].retired_ms)
            kr->keys[i].retired_ms = now;
    }
    int first = kr->n;
    rc = add_key(kr, ID_ALG_ES256);
    if (!rc)
        rc = add_key(kr, ID_ALG_EDDSA);
    for (int i = first; !rc && i < kr->n; i++)
        rc = write_key(data_dir, &kr->keys[i]);
    if (!rc)
        rc = write_ring(data_dir, kr);
    eg__keys_free(kr);
    return rc;
}

static const id_key *current_key(const id_keyring *kr, int alg)
{
    for (int i = kr->n - 1; i >= 0; i--) {
        if (kr->keys[i].alg == alg && !kr->keys[i].retired_ms)
            return &kr->keys[i];
    }
    return NULL;
}

static void put_b64(json_t *o, const char *k, const unsigned char *p, size_t n)
{
    char buf[200];
    eg_b64url_encode(p, n, buf);
    json_object_set_new(o, k, json_string(buf));
}

json_t *eg__jwks(const id_keyring *kr, int64_t now_ms, int64_t keep_ms)
{
    json_t *keys = json_array();
    for (int i = 0; i < kr->n; i++) {
        const id_key *k = &kr->keys[i];
        if (k->retired_ms && now_ms - k->retired_ms > keep_ms)
            continue;
        json_t *o =
            json_pack("{s:s, s:s, s:s}", "kid", k->kid, "use", "sig", "alg", alg_name(k->alg));
        if (k->alg == ID_ALG_EDDSA) {
            unsigned char pub[32];
            size_t n = sizeof(pub);
            EVP_PKEY_get_raw_public_key(k->pkey, pub, &n);
            json_object_set_new(o, "kty", json_string("OKP"));
            json_object_set_new(o, "crv", json_string("Ed25519"));
            put_b64(o, "x", pub, n);
        } else {
            BIGNUM *x = NULL, *y = NULL;
            unsigned char bx[32], by[32];
            EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x);
            EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
            BN_bn2binpad(x, bx, 32);
            BN_bn2binpad(y, by, 32);
            BN_free(x);
            BN_free(y);
            json_object_set_new(o, "kty", json_string("EC"));
            json_object_set_new(o, "crv", json_string("P-256"));
            put_b64(o, "x", bx, 32);
            put_b64(o, "y", by, 32);
        }
        json_array_append_new(keys, o);
    }
    return json_pack("{s:o}", "keys", keys);
}

static char *b64_json(eg_arena *a, const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    size_t n = strlen(s);
    char *out = eg_arena_alloc(a, n * 4 / 3 + 4);
    eg_b64url_encode(s, n, out);
    free(s);
    return out;
}

char *eg__jws_sign(eg_arena *a, const id_keyring *kr, int alg, const char *typ,
                   const json_t *claims)
{
    const id_key *k = current_key(kr, alg);
    if (!k)
        return NULL;
    json_t *hdr = json_pack("{s:s, s:s, s:s}", "alg", alg_name(alg), "typ", typ, "kid", k->kid);
    char *h = b64_json(a, hdr);
    json_decref(hdr);
    char *p = b64_json(a, claims);
    char *input = eg_arena_printf(a, "%s.%s", h, p);
    size_t inlen = strlen(input);
    unsigned char der[160], raw[64];
    size_t derlen = sizeof(der);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = EVP_DigestSignInit(ctx, NULL, alg == ID_ALG_EDDSA ? NULL : EVP_sha256(), NULL,
                                k->pkey) == 1 &&
             EVP_DigestSign(ctx, der, &derlen, (const unsigned char *)input, inlen) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return NULL;
    const unsigned char *sig = der;
    size_t siglen = derlen;
    if (alg == ID_ALG_ES256) {
        const unsigned char *pp = der;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &pp, (long)derlen);
        if (!es)
            return NULL;
        BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
        ECDSA_SIG_free(es);
        sig = raw;
        siglen = 64;
    }
    char s64[128];
    eg_b64url_encode(sig, siglen, s64);
    return eg_arena_printf(a, "%s.%s", input, s64);
}

void eg__jws_clear(id_jws *j)
{
    json_decref(j->header);
    json_decref(j->payload);
    eg_buf_free(&j->sig);
    memset(j, 0, sizeof(*j));
}

static json_t *decode_part(const char *p, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return NULL;
    eg_buf b = EG_BUF_INIT;
    json_t *j = NULL;
    if (eg_b64url_decode(p, n, &b) == 0 && b.len > 0) {
        char err[64];
        j = eg_json_parse(b.data, b.len, 8, err, sizeof(err));
        if (j && !json_is_object(j)) {
            json_decref(j);
            j = NULL;
        }
    }
    eg_buf_free(&b);
    return j;
}

int eg__jws_parse(const char *tok, size_t n, id_jws *out)
{
    memset(out, 0, sizeof(*out));
    if (!tok || n == 0 || n > MAX_TOKEN)
        return EG_EINVAL;
    const char *d1 = memchr(tok, '.', n);
    if (!d1)
        return EG_EINVAL;
    const char *d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - tok));
    if (!d2 || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - tok)))
        return EG_EINVAL;
    out->header = decode_part(tok, (size_t)(d1 - tok), 2048);
    if (!out->header)
        goto bad;
    out->payload = decode_part(d1 + 1, (size_t)(d2 - d1 - 1), MAX_TOKEN);
    if (!out->payload)
        goto bad;
    size_t slen = n - (size_t)(d2 + 1 - tok);
    if (slen == 0 || slen > 200 || eg_b64url_decode(d2 + 1, slen, &out->sig))
        goto bad;
    out->alg = eg_json_str(out->header, "alg");
    out->kid = eg_json_str(out->header, "kid");
    out->typ = eg_json_str(out->header, "typ");
    if (!out->alg || json_object_get(out->header, "crit"))
        goto bad;
    out->signing_len = (size_t)(d2 - tok);
    return EG_OK;
bad:
    eg__jws_clear(out);
    return EG_EINVAL;
}

static int verify_sig(const id_key *k, const char *input, size_t n, const eg_buf *sig)
{
    unsigned char der[160];
    const unsigned char *s = (const unsigned char *)sig->data;
    size_t slen = sig->len;
    if (k->alg == ID_ALG_ES256) {
        if (sig->len != 64)
            return 0;
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(s, 32, NULL), *ss = BN_bin2bn(s + 32, 32, NULL);
        ECDSA_SIG_set0(es, r, ss);
        unsigned char *p = der;
        int len = i2d_ECDSA_SIG(es, &p);
        ECDSA_SIG_free(es);
        if (len <= 0)
            return 0;
        s = der;
        slen = (size_t)len;
    } else if (sig->len != 64) {
        return 0;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = EVP_DigestVerifyInit(ctx, NULL, k->alg == ID_ALG_EDDSA ? NULL : EVP_sha256(), NULL,
                                  k->pkey) == 1 &&
             EVP_DigestVerify(ctx, s, slen, (const unsigned char *)input, n) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

int eg__jws_verify(const id_keyring *kr, const char *tok, int64_t now_ms, int64_t keep_ms,
                   json_t **claims)
{
    *claims = NULL;
    id_jws j;
    if (!kr || eg__jws_parse(tok, strlen(tok), &j))
        return EG_EAUTH;
    int alg = strcmp(j.alg, "ES256") == 0   ? ID_ALG_ES256
              : strcmp(j.alg, "EdDSA") == 0 ? ID_ALG_EDDSA
                                            : 0;
    const id_key *k = NULL;
    for (int i = 0; alg && i < kr->n; i++) {
        const id_key *c = &kr->keys[i];
        if (c->alg != alg)
            continue;
        if (j.kid ? strcmp(c->kid, j.kid) == 0 : !c->retired_ms) {
            k = c;
            break;
        }
    }
    int rc = EG_EAUTH;
    if (k && (!k->retired_ms || now_ms - k->retired_ms <= keep_ms) &&
        verify_sig(k, tok, j.signing_len, &j.sig)) {
        json_t *exp = json_object_get(j.payload, "exp");
        json_t *nbf = json_object_get(j.payload, "nbf");
        int64_t now_s = now_ms / 1000;
        if (json_is_integer(exp) && json_integer_value(exp) > now_s &&
            (!nbf || (json_is_integer(nbf) && json_integer_value(nbf) <= now_s + 5))) {
            *claims = json_incref(j.payload);
            rc = EG_OK;
        }
    }
    eg__jws_clear(&j);
    return rc;
}
