/* Unit tests for src/sign: the seed creates an ECDSA P-256 key and a self-issued certificate
 * named after the site (idempotently); a signed document verifies and names its signer; one
 * changed character, a signature by an untrusted key, a removed signature, a signature over
 * a fragment and an XXE attempt are all refused (the XXE without leaking /etc/passwd); a peer
 * certificate placed in trusted/ is accepted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "sign/sign.h"
#include "sign/internal.h"
#include <libxml/parser.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/templates.h>
#include <xmlsec/crypto.h>

/* The module list the CLI code in libegov.a refers to (src/main.c is not linked in). */
const struct eg_module *const eg_modules[] = {&eg_sign_module, NULL};

struct fixture {
    char dir[64];
    eg_app app;
};

static const char *doc_vi =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<KetQua xmlns=\"urn:egov:ketqua\"><MaHoSo>000.00.07.H62-261128-0001</MaHoSo>"
    "<NguoiNop>Nguyễn Thị Hoà</NguoiNop><DiaChi>Đường 30/4, phường An Hội</DiaChi>"
    "<NoiDung>Giấy chứng nhận đăng ký hộ kinh doanh</NoiDung></KetQua>\n";

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-sign-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char err[256];
    if (eg_config_load(NULL, &f->app.cfg, err, sizeof(err)) != EG_OK)
        return -1;
    eg_config_set(f->app.cfg, "site.name", "Cổng dịch vụ công tỉnh Vĩnh Long");
    eg_config_set(f->app.cfg, "site.province", "Tỉnh Vĩnh Long");
    f->app.data_dir = f->dir;
    eg_log_set_level(EG_LOG_ERROR);
    if (eg_sign_module.init(&f->app) != EG_OK || eg_sign_module.seed(&f->app, 0) != EG_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    eg_sign_module.shutdown(&f->app);
    eg_config_free(f->app.cfg);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static int verify(struct fixture *f, const char *xml, char *subject, char *err)
{
    return eg_sign_verify_xml(&f->app, xml, strlen(xml), subject, 256, err, 256);
}

static void test_seed_idempotent_certificate(void **state)
{
    struct fixture *f = *state;
    eg_buf a = EG_BUF_INIT, b = EG_BUF_INIT;
    assert_int_equal(eg_sign_certificate_pem(&f->app, &a), EG_OK);
    assert_non_null(strstr(a.data, "-----BEGIN CERTIFICATE-----"));
    assert_int_equal(eg_sign_module.seed(&f->app, 0), EG_OK);
    assert_int_equal(eg_sign_certificate_pem(&f->app, &b), EG_OK);
    assert_string_equal(a.data, b.data); /* not regenerated */
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "openssl x509 -in %s/keys/sign/platform.crt -noout -text", f->dir);
    FILE *p = popen(cmd, "r");
    char line[512];
    int ec = 0;
    while (fgets(line, sizeof(line), p))
        if (strstr(line, "prime256v1") || strstr(line, "P-256"))
            ec = 1;
    pclose(p);
    assert_true(ec);
    eg_buf_free(&a);
    eg_buf_free(&b);
}

static void test_sign_verify_ok(void **state)
{
    struct fixture *f = *state;
    eg_buf out = EG_BUF_INIT;
    char err[256] = "", subject[256];
    assert_int_equal(eg_sign_xml(&f->app, doc_vi, strlen(doc_vi), &out, err, sizeof(err)), EG_OK);
    assert_non_null(strstr(out.data, "ecdsa-sha256"));
    assert_non_null(strstr(out.data, "X509Certificate>MII"));
    assert_non_null(strstr(out.data, "Nguyễn Thị Hoà"));
    assert_int_equal(verify(f, out.data, subject, err), EG_OK);
    assert_non_null(strstr(subject, "CN=Cổng dịch vụ công tỉnh Vĩnh Long"));
    assert_non_null(strstr(subject, "O=Tỉnh Vĩnh Long"));
    eg_buf_free(&out);
}

static void test_tampered_invalid(void **state)
{
    struct fixture *f = *state;
    eg_buf out = EG_BUF_INIT;
    char err[256], subject[256];
    assert_int_equal(eg_sign_xml(&f->app, doc_vi, strlen(doc_vi), &out, err, sizeof(err)), EG_OK);
    char *q = strstr(out.data, "0001</MaHoSo>");
    assert_non_null(q);
    q[3] = '2'; /* one character of the signed content */
    assert_int_equal(verify(f, out.data, subject, err), EG_EUNPROCESSABLE);
    assert_string_equal(subject, "");
    assert_non_null(strstr(err, "thay đổi"));
    /* signature removed */
    char *s = strstr(out.data, "<Signature");
    assert_non_null(s);
    strcpy(s, "</KetQua>");
    assert_int_equal(verify(f, out.data, subject, err), EG_EUNPROCESSABLE);
    eg_buf_free(&out);
}

static void test_untrusted_then_trusted(void **state)
{
    struct fixture *f = *state;
    char key[128], crt[128], err[256], subject[256];
    snprintf(key, sizeof(key), "%s/other.key", f->dir);
    snprintf(crt, sizeof(crt), "%s/other.crt", f->dir);
    assert_int_equal(eg__sign_keygen(key, crt, "Kẻ giả mạo", "Không rõ", 30), EG_OK);
    eg_buf out = EG_BUF_INIT;
    err[0] = '\0';
    assert_int_equal(eg__sign_xml_with(key, crt, doc_vi, strlen(doc_vi), &out, err, sizeof(err)),
                     EG_OK);
    assert_int_equal(verify(f, out.data, subject, err), EG_EUNPROCESSABLE);
    assert_non_null(strstr(err, "tin cậy"));
    /* the same document once its certificate is trusted (a peer province) */
    char dst[160], cmd[400];
    snprintf(dst, sizeof(dst), "%s/keys/sign/trusted/peer.pem", f->dir);
    snprintf(cmd, sizeof(cmd), "cp %s %s", crt, dst);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(verify(f, out.data, subject, err), EG_OK);
    assert_non_null(strstr(subject, "CN=Kẻ giả mạo"));
    eg_buf_free(&out);
}

/* Signs doc_vi directly with xmlsec: key (PEM), cert (NULL = KeyInfo/KeyValue instead of
 * X509Data), algorithm, and an XPath filter instead of the enveloped transform when xpath. */
static char *xmlsec_sign(const char *key, const char *cert, xmlSecTransformId alg, int xpath)
{
    xmlDocPtr doc = xmlReadMemory(doc_vi, (int)strlen(doc_vi), "d.xml", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNodePtr sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId, alg, NULL);
    xmlAddChild(xmlDocGetRootElement(doc), sig);
    xmlNodePtr ref =
        xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, BAD_CAST "", NULL);
    if (xpath) {
        static const xmlChar *ns[] = {BAD_CAST "dsig",
                                      BAD_CAST "http://www.w3.org/2000/09/xmldsig#", NULL};
        xmlNodePtr t = xmlSecTmplReferenceAddTransform(ref, xmlSecTransformXPathId);
        assert_int_equal(
            xmlSecTmplTransformAddXPath(t, BAD_CAST "not(ancestor-or-self::dsig:Signature)", ns),
            0);
    } else {
        xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId);
    }
    xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    if (cert)
        xmlSecTmplX509DataAddCertificate(xmlSecTmplKeyInfoAddX509Data(ki));
    else
        xmlSecTmplKeyInfoAddKeyValue(ki);
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    ctx->signKey = xmlSecCryptoAppKeyLoad(key, xmlSecKeyDataFormatPem, NULL, NULL, NULL);
    assert_non_null(ctx->signKey);
    if (cert)
        assert_int_equal(xmlSecCryptoAppKeyCertLoad(ctx->signKey, cert, xmlSecKeyDataFormatPem), 0);
    assert_int_equal(xmlSecDSigCtxSign(ctx, sig), 0);
    xmlChar *mem = NULL;
    int n = 0;
    xmlDocDumpMemory(doc, &mem, &n);
    char *r = strdup((char *)mem);
    xmlFree(mem);
    xmlSecDSigCtxDestroy(ctx);
    xmlFreeDoc(doc);
    return r;
}

/* A signature carrying its own public key (KeyValue, RSA) instead of a certificate: anyone could
 * produce one, so it must not verify. */
static void test_keyvalue_key_refused(void **state)
{
    struct fixture *f = *state;
    char key[128], cmd[256], err[256], subject[256];
    snprintf(key, sizeof(key), "%s/rsa.key", f->dir);
    snprintf(cmd, sizeof(cmd), "openssl genrsa -out %s 2048 2>/dev/null", key);
    assert_int_equal(system(cmd), 0);
    char *xml = xmlsec_sign(key, NULL, xmlSecTransformRsaSha256Id, 0);
    assert_non_null(strstr(xml, "RSAKeyValue"));
    assert_int_equal(verify(f, xml, subject, err), EG_EUNPROCESSABLE);
    free(xml);
}

/* The platform's own key, but the Reference uses an XPath transform (not on the allowed list;
 * XSLT and friends are refused the same way). The control signs with the enveloped transform. */
static void test_reference_transform_restricted(void **state)
{
    struct fixture *f = *state;
    char key[128], crt[128], err[256], subject[256];
    snprintf(key, sizeof(key), "%s/keys/sign/platform.key", f->dir);
    snprintf(crt, sizeof(crt), "%s/keys/sign/platform.crt", f->dir);
    char *ok = xmlsec_sign(key, crt, xmlSecTransformEcdsaSha256Id, 0);
    assert_int_equal(verify(f, ok, subject, err), EG_OK);
    char *xp = xmlsec_sign(key, crt, xmlSecTransformEcdsaSha256Id, 1);
    assert_non_null(strstr(xp, "XPath"));
    assert_int_equal(verify(f, xp, subject, err), EG_EUNPROCESSABLE);
    /* SHA-1 signature method: refused too */
    char *sha1 = xmlsec_sign(key, crt, xmlSecTransformEcdsaSha1Id, 0);
    assert_non_null(strstr(sha1, "ecdsa-sha1"));
    assert_int_equal(verify(f, sha1, subject, err), EG_EUNPROCESSABLE);
    free(ok);
    free(xp);
    free(sha1);
}

static void test_fragment_signature_refused(void **state)
{
    struct fixture *f = *state;
    eg_buf out = EG_BUF_INIT;
    char err[256], subject[256];
    assert_int_equal(eg_sign_xml(&f->app, doc_vi, strlen(doc_vi), &out, err, sizeof(err)), EG_OK);
    /* wrap: move the signed document under a new root with forged content beside it */
    const char *body = strstr(out.data, "<KetQua");
    assert_non_null(body);
    eg_buf w = EG_BUF_INIT;
    eg_buf_printf(&w, "<Wrapper><Forged>Nội dung giả</Forged>%s</Wrapper>", body);
    assert_int_equal(verify(f, w.data, subject, err), EG_EUNPROCESSABLE);
    eg_buf_free(&w);
    eg_buf_free(&out);
}

static void test_xxe_refused(void **state)
{
    struct fixture *f = *state;
    const char *xxe = "<?xml version=\"1.0\"?>\n"
                      "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<x>&e;</x>";
    char err[256], subject[256];
    int rc = verify(f, xxe, subject, err);
    assert_int_equal(rc, EG_EINVAL);
    assert_null(strstr(err, "root:"));
    assert_non_null(strstr(err, "DTD"));
    eg_buf out = EG_BUF_INIT;
    assert_int_equal(eg_sign_xml(&f->app, xxe, strlen(xxe), &out, err, sizeof(err)), EG_EINVAL);
    assert_int_equal(out.len, 0);
    /* not well-formed */
    assert_int_equal(verify(f, "<a><b></a>", subject, err), EG_EINVAL);
    assert_int_equal(verify(f, "", subject, err), EG_EINVAL);
    eg_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seed_idempotent_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_verify_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untrusted_then_trusted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyvalue_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_transform_restricted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragment_signature_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xxe_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
