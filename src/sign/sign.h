/*
 * sign.h - digital signatures: enveloped XML-DSig (xmlsec1 with OpenSSL) with the platform's
 * signing key and certificate, and verification of signed XML documents (e-results, edXML).
 *
 * The platform key (<data_dir>/keys/sign/platform.key, ECDSA P-256 or RSA-2048) and its
 * self-issued certificate are created at `egov init`. Verification reads the result from the
 * xmlsec context status, never only the return code.
 */
#ifndef EG_SIGN_H
#define EG_SIGN_H

#include "egov.h"

/* Signs xml with an enveloped signature (appended to the root element) carrying the
 * certificate. out gets the signed document. EG_EINVAL on unparsable XML (err says why). */
int eg_sign_xml(eg_app *app, const char *xml, size_t len, eg_buf *out, char *err, size_t errlen);

/* Verifies an enveloped XML-DSig signature. 0 when valid and signed by a key the platform
 * trusts (its own certificate, or one in <data_dir>/keys/sign/trusted/); subject gets the
 * signer's certificate subject. EG_EUNPROCESSABLE when the signature is missing, invalid or
 * untrusted (err says which). */
int eg_sign_verify_xml(eg_app *app, const char *xml, size_t len, char *subject, size_t sublen,
                       char *err, size_t errlen);

/* The platform certificate in PEM (for publication and for peers' trust stores). */
int eg_sign_certificate_pem(eg_app *app, eg_buf *out);

struct eg_module;
extern const struct eg_module eg_sign_module;

#endif
