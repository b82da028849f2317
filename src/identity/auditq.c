/*
 * auditq.c - group commit for high-rate audit records (client_credentials issuance).
 *
 * Each caller enqueues its record and waits until a transaction containing it has
 * committed; the first waiter that finds no flush in progress becomes the leader and
 * appends everything queued so far in ONE transaction (one fsync for many records). A
 * token is only handed out after its audit record is durable, exactly as with a private
 * transaction, but the chain's write lock and fsync are shared by concurrent requests.
 */
#include <string.h>
#include "audit/audit.h"
#include "identity/internal.h"

struct qev {
    char *actor, *action, *otype, *oid, *agency, *reqid, *addr;
    json_t *detail;
    int *rc;
    int *done;
    struct qev *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct qev *head, *tail;
static int flushing;

static void flush(eg_app *app, struct qev *list)
{
    eg_conn *c = eg_db_conn(app->db);
    int rc = eg_tx_begin(c);
    for (struct qev *e = list; !rc && e; e = e->next) {
        eg_audit_event ev = {.actor = e->actor,
                             .action = e->action,
                             .object_type = e->otype,
                             .object_id = e->oid,
                             .agency = e->agency,
                             .request_id = e->reqid,
                             .client_addr = e->addr,
                             .detail = e->detail};
        rc = eg_audit_append(c, &ev);
    }
    if (rc)
        eg_tx_rollback(c);
    else
        rc = eg_tx_commit(c);
    pthread_mutex_lock(&mu);
    for (struct qev *e = list; e; e = e->next) {
        *e->rc = rc;
        *e->done = 1;
    }
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    while (list) {
        struct qev *n = list->next;
        free(list->actor);
        free(list->action);
        free(list->otype);
        free(list->oid);
        free(list->agency);
        free(list->reqid);
        free(list->addr);
        json_decref(list->detail);
        free(list);
        list = n;
    }
}

int eg__audit_grouped(eg_req *r, const char *actor, const char *action, const char *otype,
                      const char *oid, const char *agency, json_t *detail)
{
    eg_app *app = eg_req_app(r);
    int rc = EG_OK, done = 0;
    struct qev *e = eg_calloc(1, sizeof(*e));
    e->actor = eg_strdup(actor);
    e->action = eg_strdup(action);
    e->otype = otype ? eg_strdup(otype) : NULL;
    e->oid = oid ? eg_strdup(oid) : NULL;
    e->agency = agency ? eg_strdup(agency) : NULL;
    e->reqid = eg_strdup(eg_req_id(r));
    e->addr = eg_strdup(eg_req_client_ip(r));
    e->detail = detail; /* stolen */
    e->rc = &rc;
    e->done = &done;
    pthread_mutex_lock(&mu);
    if (tail)
        tail->next = e;
    else
        head = e;
    tail = e;
    while (!done) {
        if (!flushing && head) {
            struct qev *list = head;
            head = tail = NULL;
            flushing = 1;
            pthread_mutex_unlock(&mu);
            flush(app, list);
            pthread_mutex_lock(&mu);
            flushing = 0;
            pthread_cond_broadcast(&cv);
        } else {
            pthread_cond_wait(&cv, &mu);
        }
    }
    pthread_mutex_unlock(&mu);
    return rc;
}
