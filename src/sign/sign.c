/*
 * sign.c - enveloped XML-DSig with xmlsec1 (OpenSSL backend): signing with the platform key,
 * verification against the platform certificate and <data_dir>/keys/sign/trusted/, the module
 * entry and its two public routes.
 *
 * Design: xmlsec is initialised once per process at module init (reference-counted, shut down
 * with the last module shutdown). XML is parsed with XML_PARSE_NONET and without entity
 * substitution or DTD loading, and any document carrying a DTD is refused outright, so no
 * external entity (XXE) is ever resolved. Verification builds a fresh key manager holding only
 * trusted certificates (so a newly trusted peer needs no restart), accepts keys only from
 * X509Data (a raw KeyValue would let anyone sign), allows only same-document references, and
 * reads the outcome from dsigCtx->status; it also requires the Signature to be a child of the
 * root and every Reference to be URI="" (the whole document), so a signature over a fragment
 * cannot vouch for the rest (signature wrapping).
 */
#include "sign/internal.h"

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/templates.h>
#include <xmlsec/errors.h>
#include <xmlsec/crypto.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int init_refs;

static void quiet_errors(const char *file, int line, const char *func, const char *obj,
                         const char *subj, int reason, const char *msg)
{
    (void)file, (void)line, (void)func, (void)obj, (void)subj, (void)reason, (void)msg;
}

static int sign_init(eg_app *app)
{
    (void)app;
    int rc = EG_OK;
    pthread_mutex_lock(&init_lock);
    if (init_refs == 0) {
        xmlInitParser();
        if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(NULL) < 0 ||
            xmlSecCryptoInit() < 0)
            rc = EG_EINTERNAL;
        xmlSecErrorsSetCallback(quiet_errors);
    }
    if (rc == EG_OK)
        init_refs++;
    pthread_mutex_unlock(&init_lock);
    if (rc)
        eg_log(EG_LOG_ERROR, "sign", NULL, "xmlsec initialisation failed", NULL);
    return rc;
}

static void sign_shutdown(eg_app *app)
{
    (void)app;
    pthread_mutex_lock(&init_lock);
    if (init_refs > 0 && --init_refs == 0) {
        xmlSecCryptoShutdown();
        xmlSecCryptoAppShutdown();
        xmlSecShutdown();
    }
    pthread_mutex_unlock(&init_lock);
}

static void silent(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
}

/* Parses untrusted XML: no network, no entity substitution, no DTD at all. libxml2's generic
 * error channel (encoding errors bypass XML_PARSE_NOERROR) is silenced during the parse so
 * hostile input cannot flood stderr, which carries the JSON log; the caller's handler is
 * restored afterwards. */
static xmlDocPtr parse(const char *xml, size_t len, char *err, size_t errlen)
{
    if (len == 0 || len > INT_MAX) {
        snprintf(err, errlen, "tài liệu XML rỗng hoặc quá lớn");
        return NULL;
    }
    xmlGenericErrorFunc old = xmlGenericError;
    void *old_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, silent);
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "document.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlSetGenericErrorFunc(old_ctx, old);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        snprintf(err, errlen, "XML không đúng cú pháp (dòng %d): %s", e ? e->line : 0,
                 e && e->message ? e->message : "?");
        size_t n = strlen(err);
        if (n > 0 && err[n - 1] == '\n')
            err[n - 1] = '\0';
        return NULL;
    }
    if (doc->intSubset || doc->extSubset) {
        snprintf(err, errlen, "tài liệu có khai báo DTD (DOCTYPE), không được chấp nhận");
        xmlFreeDoc(doc);
        return NULL;
    }
    if (!xmlDocGetRootElement(doc)) {
        snprintf(err, errlen, "tài liệu XML không có phần tử gốc");
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

int eg__sign_xml_with(const char *key_path, const char *cert_path, const char *xml, size_t len,
                      eg_buf *out, char *err, size_t errlen)
{
    xmlDocPtr doc = parse(xml, len, err, errlen);
    if (!doc)
        return EG_EINVAL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (xmlSecFindNode(root, xmlSecNodeSignature, xmlSecDSigNs)) {
        snprintf(err, errlen, "tài liệu đã có chữ ký số");
        xmlFreeDoc(doc);
        return EG_EINVAL;
    }
    int rc = EG_EINTERNAL;
    xmlSecDSigCtxPtr ctx = NULL;
    xmlNodePtr sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId,
                                               xmlSecTransformEcdsaSha256Id, NULL);
    if (!sig)
        goto out;
    xmlAddChild(root, sig);
    xmlNodePtr ref =
        xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, BAD_CAST "", NULL);
    if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
        !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId))
        goto out;
    xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    xmlNodePtr xd = ki ? xmlSecTmplKeyInfoAddX509Data(ki) : NULL;
    if (!xd || !xmlSecTmplX509DataAddCertificate(xd) || !xmlSecTmplX509DataAddSubjectName(xd))
        goto out;
    ctx = xmlSecDSigCtxCreate(NULL);
    if (!ctx)
        goto out;
    ctx->signKey = xmlSecCryptoAppKeyLoad(key_path, xmlSecKeyDataFormatPem, NULL, NULL, NULL);
    if (!ctx->signKey ||
        xmlSecCryptoAppKeyCertLoad(ctx->signKey, cert_path, xmlSecKeyDataFormatPem) < 0) {
        snprintf(err, errlen, "cannot load the signing key %s", key_path);
        rc = EG_EUNAVAIL;
        goto out;
    }
    if (xmlSecDSigCtxSign(ctx, sig) < 0) {
        snprintf(err, errlen, "xmlsec signing failed");
        goto out;
    }
    xmlChar *mem = NULL;
    int n = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &n, "UTF-8");
    if (mem && n > 0) {
        eg_buf_append(out, mem, (size_t)n);
        rc = EG_OK;
    }
    xmlFree(mem);
out:
    if (ctx)
        xmlSecDSigCtxDestroy(ctx);
    xmlFreeDoc(doc);
    if (rc == EG_EINTERNAL && !err[0])
        snprintf(err, errlen, "xmlsec could not build the signature");
    return rc;
}

int eg_sign_xml(eg_app *app, const char *xml, size_t len, eg_buf *out, char *err, size_t errlen)
{
    eg__sign_path p;
    eg__sign_paths(app, &p);
    if (errlen)
        err[0] = '\0';
    return eg__sign_xml_with(p.key, p.cert, xml, len, out, err, errlen);
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* A key manager trusting the platform certificate and every PEM in trusted/. */
static xmlSecKeysMngrPtr trust_store(const eg_app *app)
{
    eg__sign_path p;
    eg__sign_paths(app, &p);
    xmlSecKeysMngrPtr mngr = xmlSecKeysMngrCreate();
    if (!mngr)
        return NULL;
    if (xmlSecCryptoAppDefaultKeysMngrInit(mngr) < 0) {
        xmlSecKeysMngrDestroy(mngr);
        return NULL;
    }
    if (eg_path_exists(p.cert))
        xmlSecCryptoAppKeysMngrCertLoad(mngr, p.cert, xmlSecKeyDataFormatPem,
                                        xmlSecKeyDataTypeTrusted);
    DIR *d = opendir(p.trusted);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' ||
                !(has_suffix(e->d_name, ".pem") || has_suffix(e->d_name, ".crt")))
                continue;
            char path[1400];
            snprintf(path, sizeof(path), "%s/%s", p.trusted, e->d_name);
            if (xmlSecCryptoAppKeysMngrCertLoad(mngr, path, xmlSecKeyDataFormatPem,
                                                xmlSecKeyDataTypeTrusted) < 0)
                eg_log(EG_LOG_WARN, "sign", NULL, "unreadable trusted certificate", "path", path,
                       NULL);
        }
        closedir(d);
    }
    return mngr;
}

static void cert_subject(xmlSecKeyPtr key, char *out, size_t n)
{
    if (!n)
        return;
    out[0] = '\0';
    xmlSecKeyDataPtr data = key ? xmlSecKeyGetData(key, xmlSecOpenSSLKeyDataX509Id) : NULL;
    X509 *cert = data ? xmlSecOpenSSLKeyDataX509GetKeyCert(data) : NULL;
    if (!cert)
        return;
    BIO *b = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(b, X509_get_subject_name(cert), 0,
                       XN_FLAG_RFC2253 & ~(unsigned long)ASN1_STRFLGS_ESC_MSB);
    char *s = NULL;
    long len = BIO_get_mem_data(b, &s);
    if (len > 0)
        snprintf(out, n, "%.*s", (int)len, s);
    BIO_free(b);
}

int eg_sign_verify_xml(eg_app *app, const char *xml, size_t len, char *subject, size_t sublen,
                       char *err, size_t errlen)
{
    if (sublen)
        subject[0] = '\0';
    if (errlen)
        err[0] = '\0';
    xmlDocPtr doc = parse(xml, len, err, errlen);
    if (!doc)
        return EG_EINVAL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr node = xmlSecFindNode(root, xmlSecNodeSignature, xmlSecDSigNs);
    int rc = EG_EUNPROCESSABLE;
    xmlSecKeysMngrPtr mngr = NULL;
    xmlSecDSigCtxPtr ctx = NULL;
    if (!node) {
        snprintf(err, errlen, "không tìm thấy chữ ký số (ds:Signature)");
        goto out;
    }
    if (node->parent != root) {
        snprintf(err, errlen, "chữ ký số không nằm trực tiếp trong phần tử gốc");
        goto out;
    }
    mngr = trust_store(app);
    ctx = mngr ? xmlSecDSigCtxCreate(mngr) : NULL;
    if (!ctx) {
        snprintf(err, errlen, "không khởi tạo được bộ kiểm tra chữ ký");
        rc = EG_EINTERNAL;
        goto out;
    }
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument;
    xmlSecPtrListAdd(&ctx->keyInfoReadCtx.enabledKeyData, (xmlSecPtr)xmlSecKeyDataX509Id);
    /* References may only canonicalise, drop the signature and digest: no XSLT (whose
     * document() reads files), no XPath, no base64 tricks, no SHA-1. The context owns the list. */
    ctx->enabledReferenceTransforms = xmlSecPtrListCreate(xmlSecTransformIdListId);
    xmlSecTransformId allowed[] = {xmlSecTransformEnvelopedId,
                                   xmlSecTransformExclC14NId,
                                   xmlSecTransformExclC14NWithCommentsId,
                                   xmlSecTransformInclC14NId,
                                   xmlSecTransformInclC14NWithCommentsId,
                                   xmlSecTransformInclC14N11Id,
                                   xmlSecTransformSha256Id,
                                   xmlSecTransformSha384Id,
                                   xmlSecTransformSha512Id};
    for (size_t i = 0; ctx->enabledReferenceTransforms && i < sizeof(allowed) / sizeof(*allowed);
         i++)
        xmlSecPtrListAdd(ctx->enabledReferenceTransforms, (xmlSecPtr)allowed[i]);
    /* SignedInfo: the same canonicalisations, and SHA-2 RSA or ECDSA signatures only */
    xmlSecTransformId sig_allowed[] = {
        xmlSecTransformExclC14NId,    xmlSecTransformExclC14NWithCommentsId,
        xmlSecTransformInclC14NId,    xmlSecTransformInclC14NWithCommentsId,
        xmlSecTransformInclC14N11Id,  xmlSecTransformRsaSha256Id,
        xmlSecTransformRsaSha384Id,   xmlSecTransformRsaSha512Id,
        xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id,
        xmlSecTransformEcdsaSha512Id};
    for (size_t i = 0; i < sizeof(sig_allowed) / sizeof(*sig_allowed); i++)
        xmlSecPtrListAdd(&ctx->transformCtx.enabledTransforms, (xmlSecPtr)sig_allowed[i]);
    int ret = xmlSecDSigCtxVerify(ctx, node);
    if (ret < 0 || ctx->status != xmlSecDSigStatusSucceeded) {
        if (!ctx->signKey)
            snprintf(err, errlen, "chứng thư số của người ký không được tin cậy hoặc không có");
        else if (ret < 0)
            snprintf(err, errlen, "chữ ký số không đúng cấu trúc");
        else
            snprintf(err, errlen, "chữ ký không khớp: nội dung đã bị thay đổi sau khi ký");
        goto out;
    }
    xmlSecSize nref = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
    if (nref == 0) {
        snprintf(err, errlen, "chữ ký số không có tham chiếu nào");
        goto out;
    }
    for (xmlSecSize i = 0; i < nref; i++) {
        xmlSecDSigReferenceCtxPtr r = xmlSecPtrListGetItem(&ctx->signedInfoReferences, i);
        if (!r || (r->uri && r->uri[0])) {
            snprintf(err, errlen, "chữ ký số chỉ bao phủ một phần tài liệu (URI khác \"\")");
            goto out;
        }
    }
    cert_subject(ctx->signKey, subject, sublen);
    snprintf(err, errlen, "chữ ký số hợp lệ");
    rc = EG_OK;
out:
    if (ctx)
        xmlSecDSigCtxDestroy(ctx);
    if (mngr)
        xmlSecKeysMngrDestroy(mngr);
    xmlFreeDoc(doc);
    return rc;
}

int eg_sign_certificate_pem(eg_app *app, eg_buf *out)
{
    eg__sign_path p;
    eg__sign_paths(app, &p);
    if (!eg_path_exists(p.cert))
        return EG_ENOTFOUND;
    return eg_read_file(p.cert, 1 << 20, out);
}

/* ---------------------------------------------------------------- routes */

/* GET /api/v1/sign/certificate -> the platform certificate (PEM). */
static int route_certificate(eg_req *r)
{
    eg_buf pem = EG_BUF_INIT;
    int rc = eg_sign_certificate_pem(eg_req_app(r), &pem);
    if (rc) {
        eg_buf_free(&pem);
        return rc == EG_ENOTFOUND
                   ? eg_req_fail(r, EG_ENOTFOUND, "Chưa tạo chứng thư số của nền tảng (egov init)")
                   : rc;
    }
    rc = eg_reply(r, 200, "application/x-pem-file", pem.data, pem.len);
    eg_buf_free(&pem);
    return rc;
}

/* POST /api/v1/sign/verify (body: XML) -> {valid, subject, detail}; 422 for unparsable XML. */
static int route_verify(eg_req *r)
{
    size_t len = 0;
    const char *body = eg_req_body(r, &len);
    char subject[512], detail[512];
    int rc = eg_sign_verify_xml(eg_req_app(r), body, len, subject, sizeof(subject), detail,
                                sizeof(detail));
    if (rc == EG_EINVAL)
        return eg_req_fail(r, EG_EUNPROCESSABLE, "Tài liệu XML không hợp lệ: %s", detail);
    if (rc != EG_OK && rc != EG_EUNPROCESSABLE)
        return rc;
    return eg_reply_json(r, 200,
                         json_pack("{s:b, s:o, s:s}", "valid", rc == EG_OK, "subject",
                                   rc == EG_OK ? json_string(subject) : json_null(), "detail",
                                   detail));
}

static void sign_routes(eg_app *app, eg_http *h)
{
    (void)app;
    static const eg_route_opts cert = {.summary = "Chứng thư số (PEM) của nền tảng", .tag = "sign"};
    static const eg_route_opts verify = {
        .summary = "Kiểm tra chữ ký số XML-DSig của một tài liệu (kết quả điện tử)",
        .tag = "sign",
        .max_body = 4 * 1024 * 1024,
        .public_route = 1};
    eg_http_route(h, "GET", "/api/v1/sign/certificate", route_certificate, &cert);
    eg_http_route(h, "POST", "/api/v1/sign/verify", route_verify, &verify);
}

const struct eg_module eg_sign_module = {
    .name = "sign",
    .commands = eg__sign_commands,
    .init = sign_init,
    .routes = sign_routes,
    .seed = eg__sign_seed,
    .shutdown = sign_shutdown,
};
