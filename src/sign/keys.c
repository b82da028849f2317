/*
 * keys.c - the platform signing key and its self-issued certificate (OpenSSL 3 EVP/X509).
 *
 * `egov init` (the module's seed) creates <data_dir>/keys/sign/platform.key (ECDSA P-256,
 * PKCS#8 PEM, mode 0600) and platform.crt (X.509 v3, subject = issuer = CN <site.name>,
 * O <site.province>, C VN, valid 10 years, digitalSignature + nonRepudiation + keyCertSign so
 * OpenSSL accepts it as its own trust anchor) and the trusted/ directory for peers'
 * certificates. Existing files are kept: seeding is idempotent.
 */
#include "sign/internal.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

void eg__sign_paths(const eg_app *app, eg__sign_path *p)
{
    snprintf(p->dir, sizeof(p->dir), "%s/keys/sign", app->data_dir);
    snprintf(p->key, sizeof(p->key), "%s/platform.key", p->dir);
    snprintf(p->cert, sizeof(p->cert), "%s/platform.crt", p->dir);
    snprintf(p->trusted, sizeof(p->trusted), "%s/trusted", p->dir);
}

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return EG_EINTERNAL;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? EG_OK : EG_EINTERNAL;
}

static int bio_to_file(BIO *b, const char *path, int mode)
{
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    if (n <= 0)
        return EG_EINTERNAL;
    return eg_write_file_atomic(path, data, (size_t)n, mode);
}

int eg__sign_keygen(const char *key_path, const char *cert_path, const char *cn, const char *org,
                    int days)
{
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    if (!pkey)
        return EG_EINTERNAL;
    X509 *x = X509_new();
    int rc = EG_EINTERNAL;
    unsigned char serial[16];
    eg_random(serial, sizeof(serial));
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
    X509_NAME *name = X509_NAME_new();
    BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
    if (!x || !bn || !name || !kb || !cb)
        goto out;
    if (!X509_set_version(x, X509_VERSION_3) || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) || !X509_set_pubkey(x, pkey))
        goto out;
    if (!X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8, (const unsigned char *)"VN", -1, -1,
                                    0) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1,
                                    0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0) ||
        !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name))
        goto out;
    if (add_ext(x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        add_ext(x, NID_key_usage, "critical,digitalSignature,nonRepudiation,keyCertSign") ||
        add_ext(x, NID_subject_key_identifier, "hash"))
        goto out;
    if (!X509_sign(x, pkey, EVP_sha256()))
        goto out;
    if (!PEM_write_bio_PrivateKey(kb, pkey, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_X509(cb, x))
        goto out;
    rc = bio_to_file(kb, key_path, 0600);
    if (!rc)
        rc = bio_to_file(cb, cert_path, 0644);
out:
    BIO_free(kb);
    BIO_free(cb);
    X509_NAME_free(name);
    BN_free(bn);
    X509_free(x);
    EVP_PKEY_free(pkey);
    return rc;
}

int eg__sign_seed(eg_app *app, int demo)
{
    (void)demo;
    eg__sign_path p;
    eg__sign_paths(app, &p);
    int rc = eg_mkdir_p(p.trusted, 0700);
    if (rc)
        return rc;
    if (eg_path_exists(p.key) && eg_path_exists(p.cert))
        return EG_OK;
    const char *cn = eg_config_get(app->cfg, "site.name", "Cổng dịch vụ công tỉnh Vĩnh Long");
    const char *org = eg_config_get(app->cfg, "site.province", "Tỉnh Vĩnh Long");
    rc = eg__sign_keygen(p.key, p.cert, cn, org, 3650);
    if (rc == EG_OK)
        eg_log(EG_LOG_INFO, "sign", NULL, "platform signing key created", "cert", p.cert, NULL);
    return rc;
}
