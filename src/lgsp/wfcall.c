/*
 * wfcall.c - BPMN service tasks that call a provider through the LGSP: a service task whose
 * handler is "lgsp:<service>" or "lgsp:<service>:<version>" (version default v1) becomes one
 * in-process gateway exchange (eg_lgsp_call: grant, rate limit, message log exactly as /gw).
 *
 * The workflow engine makes the call outside the step's transaction (workflow.h,
 * eg_wf_set_lgsp_caller). The consumer system is the instance agency's one-stop system,
 * `lgsp.workflow_consumer` with %s replaced by the agency code (default "motcua-%s", the
 * convention of the dossier module's information requests); X-Road-Issue is the business key
 * and X-Road-UserId "workflow". The request comes from the instance variables named after the
 * task's element id E:
 *   E_path    path and query after /gw/{service}/{version} ("" when absent; must start with
 *             '/' or '?')
 *   E_body    JSON value sent as the body (POST unless E_method says otherwise)
 *   E_method  GET (default without a body), POST, PUT, PATCH, DELETE
 * and the answer goes to E_status (the provider's HTTP status) and E_response (the parsed
 * JSON, or the text). A refusal by the gateway or a provider status >= 400 fails the task:
 * it is retried with backoff and becomes an incident after the last attempt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lgsp/internal.h"
#include "workflow/workflow.h"

#define NAME_MAX_LEN 64

static const char *var_str(json_t *vars, const char *el, const char *suffix, char *key,
                           size_t keylen)
{
    snprintf(key, keylen, "%s_%s", el, suffix);
    return json_string_value(json_object_get(vars, key));
}

/* The consumer id: the configured pattern with its first "%s" replaced by the agency code. */
static void consumer_of(const char *pattern, const char *agency, char *out, size_t n)
{
    const char *p = strstr(pattern, "%s");
    if (!p) {
        snprintf(out, n, "%s", pattern);
        return;
    }
    snprintf(out, n, "%.*s%s%s", (int)(p - pattern), pattern, agency, p + 2);
}

static int call_service(eg_app *app, const eg_wf_call *call, void *ctx, char *err, size_t errlen)
{
    (void)ctx;
    char service[NAME_MAX_LEN + 1] = "", version[NAME_MAX_LEN + 1] = "v1", key[160];
    const char *spec = call->handler + 5; /* after "lgsp:" */
    const char *colon = strchr(spec, ':');
    size_t sl = colon ? (size_t)(colon - spec) : strlen(spec);
    if (sl == 0 || sl > NAME_MAX_LEN ||
        (colon && (strlen(colon + 1) == 0 || strlen(colon + 1) > NAME_MAX_LEN))) {
        snprintf(err, errlen, "tên dịch vụ LGSP không hợp lệ trong '%s'", call->handler);
        return EG_EINVAL;
    }
    memcpy(service, spec, sl);
    if (colon)
        snprintf(version, sizeof(version), "%s", colon + 1);
    const char *path = var_str(call->vars, call->element_id, "path", key, sizeof(key));
    if (!path)
        path = "";
    if (*path && *path != '/' && *path != '?') {
        snprintf(err, errlen, "biến %s phải bắt đầu bằng '/' hoặc '?'", key);
        return EG_EINVAL;
    }
    snprintf(key, sizeof(key), "%s_body", call->element_id);
    json_t *bodyv = json_object_get(call->vars, key);
    char *body = bodyv ? json_dumps(bodyv, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    const char *method = var_str(call->vars, call->element_id, "method", key, sizeof(key));
    if (!method)
        method = body ? "POST" : "GET";
    char client[128];
    consumer_of(eg_config_get(app->cfg, "lgsp.workflow_consumer", "motcua-%s"),
                call->agency_code ? call->agency_code : "", client, sizeof(client));
    const char *headers[] = {"Content-Type: application/json", NULL};
    eg_lgsp_call_in in = {.client_id = client,
                          .service = service,
                          .version = version,
                          .method = method,
                          .path = path,
                          .user_id = "workflow",
                          .issue = call->business_key,
                          .headers = body ? headers : NULL,
                          .body = body,
                          .body_len = body ? strlen(body) : 0};
    eg_lgsp_call_out out;
    int rc = eg_lgsp_call(app, &in, &out);
    free(body);
    if (rc) {
        snprintf(err, errlen, "LGSP %s/%s: %s %s", service, version, out.problem, out.detail);
        eg_lgsp_call_out_free(&out);
        return rc;
    }
    snprintf(key, sizeof(key), "%s_status", call->element_id);
    json_object_set_new(call->vars, key, json_integer(out.status));
    json_t *resp = out.body ? json_loadb(out.body, out.body_len, JSON_DECODE_ANY, NULL) : NULL;
    if (!resp)
        resp = out.body ? json_stringn(out.body, out.body_len) : json_null();
    snprintf(key, sizeof(key), "%s_response", call->element_id);
    json_object_set_new(call->vars, key, resp ? resp : json_null());
    if (out.status >= 400) {
        snprintf(err, errlen, "LGSP %s/%s trả về HTTP %d", service, version, out.status);
        eg_lgsp_call_out_free(&out);
        return EG_EUPSTREAM;
    }
    eg_lgsp_call_out_free(&out);
    return EG_OK;
}

void eg__lgsp_wf_install(void)
{
    eg_wf_set_lgsp_caller(call_service, NULL);
}
