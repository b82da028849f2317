/*
 * internal.h - shared inside src/sign: key paths, key generation, the module's seed.
 */
#ifndef EG_SIGN_INTERNAL_H
#define EG_SIGN_INTERNAL_H

#include "sign/sign.h"

typedef struct {
    char dir[1024];
    char key[1100];
    char cert[1100];
    char trusted[1100];
} eg__sign_path;

void eg__sign_paths(const eg_app *app, eg__sign_path *p);
/* Writes a new ECDSA P-256 key (PEM, 0600) and a self-issued certificate (CN, O, C=VN) valid
 * for days. Used by the seed and by tests (untrusted signers). */
int eg__sign_keygen(const char *key_path, const char *cert_path, const char *cn, const char *org,
                    int days);
int eg__sign_seed(eg_app *app, int demo);
/* Signs with an explicit key and certificate file (eg_sign_xml uses the platform's). */
int eg__sign_xml_with(const char *key_path, const char *cert_path, const char *xml, size_t len,
                      eg_buf *out, char *err, size_t errlen);

/* `egov sign` (cli.c). */
extern const struct eg_command eg__sign_commands[];

#endif
