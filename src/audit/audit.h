/*
 * audit.h - the append-only, hash-chained audit log.
 *
 * Every state change of every module, and every read of personal data, is recorded here,
 * inside the same database transaction as the change itself, so a change and its record
 * commit (or vanish) together. Each record carries the SHA-256 of the previous record;
 * periodic checkpoints sign the chain head with the platform's Ed25519 audit key, so an
 * edit, insertion or deletion anywhere is detected by eg_audit_verify().
 */
#ifndef EG_AUDIT_H
#define EG_AUDIT_H

#include <stdint.h>
#include <jansson.h>
#include "store/store.h"

typedef struct {
    const char *actor;       /* username, client id, or "system" */
    const char *action;      /* "dossier.accept", "user.login.failed", ... */
    const char *object_type; /* "dossier" */
    const char *object_id;   /* "000.00.07.H07-260423-0001" */
    const char *agency;      /* owning agency code, may be NULL */
    const char *request_id;  /* may be NULL (CLI, scheduler) */
    const char *client_addr; /* may be NULL */
    const json_t *detail;    /* small JSON object, may be NULL; never secrets */
} eg_audit_event;

/* Appends one record on connection c. Call it inside the caller's transaction (it opens
 * one itself when none is active). Serialises writers on the chain head. */
int eg_audit_append(eg_conn *c, const eg_audit_event *ev);

/* Signing key for checkpoints: 32-byte Ed25519 seed in <data_dir>/keys/audit.key, created
 * by eg_audit_keygen() at init. */
int eg_audit_keygen(const char *data_dir);
/* Writes a signed checkpoint of the current chain head (scheduler, backup, CLI). */
int eg_audit_checkpoint(eg_db *db, const char *data_dir);

/* Walks the whole chain. Returns 0 with *count records when intact; EG_ECONFLICT when not,
 * naming the first bad record in msg. */
int eg_audit_verify(eg_db *db, const char *data_dir, int64_t *count, char *msg, size_t msglen);

/* The hash chain shared by the audit log and the LGSP message log: record n carries
 * hash_n = SHA-256(hash_{n-1} "\n" canonical_n), the canonical text being the record id
 * followed by each field length-prefixed ("|<len>:<text>", "|-" for NULL) so no field can
 * smuggle a separator. Checkpoints sign "<domain>\n<last_id>\n<last_hash>" with Ed25519. */
/* Appends one canonical field to b. */
void eg_chain_field(eg_buf *b, const char *s);
/* out = hex SHA-256 of prev "\n" canon[0..n). */
void eg_chain_link(const char *prev, const void *canon, size_t n, char out[65]);
/* Signs a chain head with the 64-byte Ed25519 secret key; sighex gets 128 hex digits. */
void eg_chain_sign(const unsigned char *sk, const char *domain, int64_t last_id,
                   const char *last_hash, char sighex[129]);
/* 1 when sighex is a valid signature of that head by the 32-byte public key pk. */
int eg_chain_verify(const unsigned char *pk, const char *domain, int64_t last_id,
                    const char *last_hash, const char *sighex);
/* Signs the head of a chain (head_table: id = 1, count, last_hash) into ckpt_table (ts,
 * last_id, last_hash, public_key, signature), in one transaction on c, unless the newest
 * checkpoint already covers it; an empty chain is signed only when sign_empty. Table names
 * are code constants. pk: 32-byte public key, sk: 64-byte secret key. */
int eg_chain_checkpoint(eg_conn *c, const char *head_table, const char *ckpt_table,
                        const char *domain, const unsigned char *pk, const unsigned char *sk,
                        int sign_empty);

/* The module table entry (src/main.c). */
struct eg_module;
extern const struct eg_module eg_audit_module;

/* Query of the log (GET /api/v1/audit/events, served by identity): every filter may be NULL;
 * action matches as a prefix ("dossier." finds every dossier action); from/to compare with the
 * ISO 8601 UTC timestamps (from inclusive, to exclusive); before_id > 0 pages backwards.
 * Newest first, at most limit (1..500) rows with detail as a JSON object. */
typedef struct {
    const char *object_type, *object_id, *actor, *action, *agency, *from, *to;
    int64_t before_id;
    int limit;
} eg_audit_filter;
int eg_audit_list(eg_conn *c, const eg_audit_filter *f, json_t **items);

#endif
