/*
 * bpmn.c - BPMN 2.0 XML as bpmn-js and Camunda/Flowable Modeler export it, parsed with libxml2
 * into an immutable wf_model, and validated so that a deployed model can always run.
 *
 * Safety: libxml2 runs with XML_PARSE_NONET, without XML_PARSE_NOENT (no entity substitution)
 * or XML_PARSE_DTDLOAD; any document type declaration is refused outright, so an external-
 * entity (XXE) or billion-laughs document is rejected before anything is expanded, and the
 * error message never quotes entity content.
 *
 * Supported: one executable process with none start events, (terminate) end events, user tasks
 * (camunda:candidateGroups = role names, candidateUsers, assignee, dueDate, egov:workingDays),
 * service tasks (egov:handler, camunda:delegateExpression/class/expression/topic), task/
 * manualTask/sendTask (pass-through), exclusive/parallel/inclusive gateways with default flows,
 * sequence-flow conditions (expr.c), timer intermediate catch events and timer boundary events
 * (interrupting or not) with timeDuration/timeDate/timeCycle or egov:workingDays. bpmndi,
 * lanes, annotations, data objects and documentation are accepted and ignored. Anything else
 * is refused with the element id and its line.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "workflow/internal.h"

#define BPMN_NS "http://www.omg.org/spec/BPMN/20100524/MODEL"
#define MAX_XML (4 * 1024 * 1024)

typedef struct {
    wf_model *m;
    char *err;
    size_t errlen;
    const char **fsrc, **fdst; /* flow endpoints by id, resolved after the first pass */
} B;

static int bad(B *b, const char *id, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "<service>[:<version>]" after "lgsp:": each part 1..64 of [A-Za-z0-9._-]. */
static int lgsp_handler_ok(const char *s)
{
    int part = 0, parts = 1;
    for (; *s; s++) {
        if (*s == ':' && parts == 1 && part > 0) {
            parts = 2;
            part = 0;
            continue;
        }
        int ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                 *s == '.' || *s == '_' || *s == '-';
        if (!ok || ++part > 64)
            return 0;
    }
    return part > 0;
}

static int bad(B *b, const char *id, int line, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* An id can be as long as the document: at most 100 bytes of it (cut on a UTF-8 character
     * boundary) so the line number always fits in the message. */
    const char *shown = id ? id : "?";
    int n = (int)strlen(shown);
    if (n > 100) {
        n = 100;
        while (n > 0 && ((unsigned char)shown[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(b->err, b->errlen, "phần tử '%.*s%s' (dòng %d): %s", n, shown, shown[n] ? "…" : "",
             line, msg);
    return EG_EUNPROCESSABLE;
}

static int is_bpmn(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, BPMN_NS) == 0 &&
           (!name || strcmp((const char *)n->name, name) == 0);
}

/* Unqualified attribute, copied into the arena (NULL when absent or empty). */
static const char *attr(B *b, xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    const char *s = v[0] ? eg_arena_strdup(b->m->arena, (const char *)v) : NULL;
    xmlFree(v);
    return s;
}

/* Extension attribute: camunda/flowable/activiti (ext = 1) or egov (ext = 2) namespace. */
static const char *xattr(B *b, xmlNode *n, const char *name, int ext)
{
    for (xmlAttr *a = n->properties; a; a = a->next) {
        if (!a->ns || strcmp((const char *)a->name, name) != 0)
            continue;
        const char *href = (const char *)a->ns->href, *pfx = (const char *)a->ns->prefix;
        int ok = ext == 2 ? (strcmp(href, EG_WF_EGOV_NS) == 0 || (pfx && !strcmp(pfx, "egov")))
                          : (strstr(href, "camunda.org") || strstr(href, "flowable.org") ||
                             strstr(href, "activiti.org"));
        if (!ok)
            continue;
        xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
        const char *s = v && v[0] ? eg_arena_strdup(b->m->arena, (const char *)v) : NULL;
        xmlFree(v);
        return s;
    }
    return NULL;
}

static xmlNode *child(xmlNode *n, const char *name)
{
    for (xmlNode *c = n->children; c; c = c->next)
        if (is_bpmn(c, name))
            return c;
    return NULL;
}

static const char *text(B *b, xmlNode *n)
{
    if (!n)
        return NULL;
    xmlChar *v = xmlNodeGetContent(n);
    if (!v)
        return NULL;
    const char *s = (const char *)v, *e = s + strlen(s);
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    const char *r = e > s ? eg_arena_strndup(b->m->arena, s, (size_t)(e - s)) : NULL;
    xmlFree(v);
    return r;
}

int eg_wf_parse_duration(const char *s, int64_t *ms)
{
    if (!s || *s != 'P')
        return EG_EINVAL;
    s++;
    int in_time = 0, any = 0;
    double total = 0;
    while (*s) {
        if (*s == 'T') {
            if (in_time)
                return EG_EINVAL;
            in_time = 1;
            s++;
            continue;
        }
        char *end;
        if (*s < '0' || *s > '9')
            return EG_EINVAL;
        double v = strtod(s, &end);
        if (end == s || v < 0 || v > 1e7)
            return EG_EINVAL;
        s = end;
        double unit;
        switch (*s) {
        case 'Y':
            unit = in_time ? -1 : 365.0 * 86400;
            break;
        case 'M':
            unit = in_time ? 60 : 30.0 * 86400;
            break;
        case 'W':
            unit = in_time ? -1 : 7.0 * 86400;
            break;
        case 'D':
            unit = in_time ? -1 : 86400;
            break;
        case 'H':
            unit = in_time ? 3600 : -1;
            break;
        case 'S':
            unit = in_time ? 1 : -1;
            break;
        default:
            return EG_EINVAL;
        }
        if (unit < 0)
            return EG_EINVAL;
        total += v * unit;
        any = 1;
        s++;
    }
    if (!any || total > 1e11)
        return EG_EINVAL;
    *ms = (int64_t)(total * 1000.0);
    return EG_OK;
}

/* "R3/PT10M" or "R/PT1H": the first interval only (a repeating timer fires once here). */
static const char *cycle_interval(const char *s)
{
    if (s && s[0] == 'R') {
        const char *slash = strrchr(s, '/');
        return slash ? slash + 1 : NULL;
    }
    return s;
}

/* A literal timer/due value: duration or date. Expressions are checked for syntax only. */
static int check_time(B *b, const char *v, int dur_first, const char **why)
{
    int64_t x;
    if (v[0] == '$' || v[0] == '#') {
        char e[200];
        eg_arena *a = eg_arena_new(0);
        int ok = eg__wf_expr_parse(a, v, e, sizeof(e)) != NULL;
        eg_arena_free(a);
        *why = "biểu thức thời gian không hợp lệ";
        return ok ? 0 : -1;
    }
    (void)b;
    (void)dur_first;
    if (eg_wf_parse_duration(v, &x) == 0 || eg_time_parse(v, &x) == 0)
        return 0;
    *why = "thời hạn không đúng ISO 8601 (ví dụ PT2S, P3D, 2026-05-01T08:00:00Z)";
    return -1;
}

static int parse_timer(B *b, wf_el *el, xmlNode *n)
{
    xmlNode *td = child(n, "timerEventDefinition");
    if (!td)
        return bad(b, el->id, el->line, "chỉ hỗ trợ sự kiện hẹn giờ (timerEventDefinition)");
    el->has_timer = 1;
    const char *wd = xattr(b, td, "workingDays", 2);
    if (!wd)
        wd = xattr(b, n, "workingDays", 2);
    if (wd) {
        char *end;
        long v = strtol(wd, &end, 10);
        if (*end || v < 0 || v > 3650)
            return bad(b, el->id, el->line, "egov:workingDays phải là số ngày (0-3650)");
        el->timer.working_days = (int)v;
    }
    el->timer.duration = text(b, child(td, "timeDuration"));
    el->timer.date = text(b, child(td, "timeDate"));
    const char *cyc = text(b, child(td, "timeCycle"));
    if (!el->timer.duration && cyc) {
        el->timer.duration = cycle_interval(cyc);
        if (!el->timer.duration)
            return bad(b, el->id, el->line, "timeCycle không hợp lệ");
    }
    const char *why = NULL;
    if (el->timer.duration && check_time(b, el->timer.duration, 1, &why))
        return bad(b, el->id, el->line, "%s", why);
    if (el->timer.date && check_time(b, el->timer.date, 0, &why))
        return bad(b, el->id, el->line, "%s", why);
    if (!el->timer.duration && !el->timer.date && !wd)
        return bad(b, el->id, el->line,
                   "hẹn giờ thiếu timeDuration, timeDate, timeCycle hoặc egov:workingDays");
    return 0;
}

static int type_of(const char *name)
{
    static const struct {
        const char *n;
        int t;
    } map[] = {{"startEvent", WF_START},
               {"endEvent", WF_END},
               {"userTask", WF_USER_TASK},
               {"serviceTask", WF_SERVICE_TASK},
               {"task", WF_TASK},
               {"manualTask", WF_TASK},
               {"sendTask", WF_TASK},
               {"exclusiveGateway", WF_XOR},
               {"parallelGateway", WF_AND},
               {"inclusiveGateway", WF_OR},
               {"intermediateCatchEvent", WF_TIMER_CATCH},
               {"intermediateThrowEvent", WF_THROW},
               {"boundaryEvent", WF_BOUNDARY}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(map[i].n, name))
            return map[i].t;
    return 0;
}

static int ignored(const char *name)
{
    static const char *const ok[] = {"documentation",
                                     "extensionElements",
                                     "laneSet",
                                     "textAnnotation",
                                     "association",
                                     "dataObject",
                                     "dataObjectReference",
                                     "dataStoreReference",
                                     "property",
                                     "ioSpecification",
                                     "group",
                                     "category",
                                     NULL};
    for (int i = 0; ok[i]; i++)
        if (!strcmp(ok[i], name))
            return 1;
    return 0;
}

static const char *strip_expr(B *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > 3 && (s[0] == '$' || s[0] == '#') && s[1] == '{' && s[n - 1] == '}')
        return eg_arena_strndup(b->m->arena, s + 2, n - 3);
    return s;
}

static int parse_element(B *b, xmlNode *n, int t, wf_el *el)
{
    memset(el, 0, sizeof(*el));
    el->type = t;
    el->line = (int)xmlGetLineNo(n);
    el->id = attr(b, n, "id");
    el->name = attr(b, n, "name");
    el->default_flow = -1;
    el->attached_to = -1;
    if (!el->id)
        return bad(b, (const char *)n->name, el->line, "thiếu thuộc tính id");
    switch (t) {
    case WF_START:
        if (n->children) {
            for (xmlNode *c = n->children; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && strstr((const char *)c->name, "Definition"))
                    return bad(b, el->id, el->line,
                               "chỉ hỗ trợ sự kiện bắt đầu không điều kiện (none start)");
        }
        break;
    case WF_END:
        el->terminate = child(n, "terminateEventDefinition") != NULL;
        for (xmlNode *c = n->children; c; c = c->next)
            if (is_bpmn(c, NULL) && strstr((const char *)c->name, "Definition") &&
                strcmp((const char *)c->name, "terminateEventDefinition") != 0)
                return bad(b, el->id, el->line, "loại sự kiện kết thúc không được hỗ trợ: %s",
                           (const char *)c->name);
        break;
    case WF_USER_TASK: {
        el->candidate_groups = xattr(b, n, "candidateGroups", 1);
        el->candidate_users = xattr(b, n, "candidateUsers", 1);
        el->assignee = xattr(b, n, "assignee", 1);
        el->due_date = xattr(b, n, "dueDate", 1);
        const char *wd = xattr(b, n, "workingDays", 2);
        if (wd) {
            char *end;
            long v = strtol(wd, &end, 10);
            if (*end || v < 0 || v > 3650)
                return bad(b, el->id, el->line, "egov:workingDays phải là số ngày (0-3650)");
            el->due_working_days = (int)v;
        }
        const char *why = NULL;
        if (el->due_date && check_time(b, el->due_date, 0, &why))
            return bad(b, el->id, el->line, "camunda:dueDate: %s", why);
        if (el->assignee && (el->assignee[0] == '$' || el->assignee[0] == '#')) {
            char e[200];
            if (!eg__wf_expr_parse(b->m->arena, el->assignee, e, sizeof(e)))
                return bad(b, el->id, el->line, "assignee: %s", e);
        }
        if (!el->candidate_groups && !el->candidate_users && !el->assignee)
            return bad(b, el->id, el->line,
                       "userTask cần camunda:candidateGroups, candidateUsers hoặc assignee");
        break;
    }
    case WF_SERVICE_TASK: {
        const char *h = xattr(b, n, "handler", 2);
        if (!h)
            h = strip_expr(b, xattr(b, n, "delegateExpression", 1));
        if (!h)
            h = xattr(b, n, "class", 1);
        if (!h)
            h = strip_expr(b, xattr(b, n, "expression", 1));
        if (!h)
            h = xattr(b, n, "topic", 1);
        if (!h)
            return bad(b, el->id, el->line,
                       "serviceTask cần egov:handler (hoặc camunda:delegateExpression/topic)");
        if (strncmp(h, "lgsp:", 5) == 0 && !lgsp_handler_ok(h + 5))
            return bad(b, el->id, el->line,
                       "bộ xử lý lgsp: cần dạng lgsp:<mã dịch vụ>[:<phiên bản>] (chữ, số, . _ -, "
                       "tối đa 64 ký tự mỗi phần)");
        el->handler = h;
        break;
    }
    case WF_XOR:
    case WF_OR:
        break;
    case WF_TIMER_CATCH:
        return parse_timer(b, el, n);
    case WF_THROW:
        for (xmlNode *c = n->children; c; c = c->next)
            if (is_bpmn(c, NULL) && strstr((const char *)c->name, "Definition"))
                return bad(b, el->id, el->line, "sự kiện ném trung gian không được hỗ trợ: %s",
                           (const char *)c->name);
        break;
    case WF_BOUNDARY: {
        const char *ca = attr(b, n, "cancelActivity");
        el->cancel_activity = !(ca && !strcmp(ca, "false"));
        return parse_timer(b, el, n);
    }
    default:
        break;
    }
    return 0;
}

static int resolve(B *b)
{
    wf_model *m = b->m;
    for (int i = 0; i < m->nel; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(m->els[i].id, m->els[j].id))
                return bad(b, m->els[i].id, m->els[i].line, "id bị trùng");
    for (int f = 0; f < m->nflow; f++) {
        wf_flow *fl = &m->flows[f];
        for (int i = 0; i < m->nel; i++)
            if (!strcmp(m->els[i].id, fl->id))
                return bad(b, fl->id, fl->line, "id bị trùng");
        if (!b->fsrc[f] || !b->fdst[f])
            return bad(b, fl->id, fl->line, "sequenceFlow thiếu sourceRef hoặc targetRef");
        fl->src = eg__wf_el_index(m, b->fsrc[f]);
        fl->dst = eg__wf_el_index(m, b->fdst[f]);
        if (fl->src < 0)
            return bad(b, fl->id, fl->line, "sourceRef trỏ tới phần tử không tồn tại '%s'",
                       b->fsrc[f]);
        if (fl->dst < 0)
            return bad(b, fl->id, fl->line, "targetRef trỏ tới phần tử không tồn tại '%s'",
                       b->fdst[f]);
        if (m->els[fl->dst].type == WF_START || m->els[fl->dst].type == WF_BOUNDARY)
            return bad(b, fl->id, fl->line, "không thể đi vào sự kiện bắt đầu/biên '%s'",
                       b->fdst[f]);
        m->els[fl->src].nout++;
        m->els[fl->dst].nin++;
        if (fl->cond_src) {
            char e[200];
            fl->cond = eg__wf_expr_parse(m->arena, fl->cond_src, e, sizeof(e));
            if (!fl->cond)
                return bad(b, fl->id, fl->line, "%s", e);
        }
    }
    for (int i = 0; i < m->nel; i++) {
        wf_el *el = &m->els[i];
        el->out = eg_arena_zalloc(m->arena, sizeof(int) * (size_t)(el->nout + 1));
        el->in = eg_arena_zalloc(m->arena, sizeof(int) * (size_t)(el->nin + 1));
        el->bounds = eg_arena_zalloc(m->arena, sizeof(int) * (size_t)(m->nel + 1));
        el->nout = el->nin = 0;
    }
    for (int f = 0; f < m->nflow; f++) {
        wf_el *s = &m->els[m->flows[f].src], *d = &m->els[m->flows[f].dst];
        s->out[s->nout++] = f;
        d->in[d->nin++] = f;
    }
    int starts = 0;
    for (int i = 0; i < m->nel; i++) {
        wf_el *el = &m->els[i];
        if (el->type == WF_START) {
            starts++;
            m->start = i;
        }
        if (el->type == WF_BOUNDARY) {
            const char *att = b->fsrc[m->nflow + i];
            int t = att ? eg__wf_el_index(m, att) : -1;
            if (t < 0)
                return bad(b, el->id, el->line, "attachedToRef trỏ tới phần tử không tồn tại '%s'",
                           att);
            int tt = m->els[t].type;
            if (tt != WF_USER_TASK && tt != WF_SERVICE_TASK)
                return bad(b, el->id, el->line,
                           "sự kiện biên chỉ gắn được vào userTask hoặc serviceTask");
            el->attached_to = t;
            m->els[t].bounds[m->els[t].nbounds++] = i;
        }
        if (el->type != WF_END && el->nout == 0)
            return bad(b, el->id, el->line, "phần tử không có luồng đi ra");
        if (el->type != WF_START && el->type != WF_BOUNDARY && el->nin == 0)
            return bad(b, el->id, el->line, "phần tử không có luồng đi vào");
        if (el->type == WF_START && el->nin > 0)
            return bad(b, el->id, el->line, "sự kiện bắt đầu không được có luồng đi vào");
        const char *def = b->fdst[m->nflow + i];
        if (def) {
            int f = -1;
            for (int k = 0; k < el->nout; k++)
                if (!strcmp(m->flows[el->out[k]].id, def))
                    f = el->out[k];
            if (f < 0)
                return bad(b, el->id, el->line, "luồng mặc định '%s' không phải luồng đi ra", def);
            el->default_flow = f;
        }
        if ((el->type == WF_XOR || el->type == WF_OR) && el->nout > 1) {
            for (int k = 0; k < el->nout; k++) {
                wf_flow *fl = &m->flows[el->out[k]];
                if (!fl->cond && el->out[k] != el->default_flow)
                    return bad(b, fl->id, fl->line,
                               "luồng ra của cổng rẽ nhánh cần điều kiện hoặc là luồng mặc định");
            }
        }
    }
    if (starts != 1)
        return bad(b, m->key, 0, "quy trình cần đúng một sự kiện bắt đầu (có %s)",
                   starts ? "nhiều hơn một" : "0");
    return 0;
}

static int parse_process(B *b, xmlNode *proc)
{
    wf_model *m = b->m;
    int max = 0;
    for (xmlNode *c = proc->children; c; c = c->next)
        max++;
    m->els = eg_arena_zalloc(m->arena, sizeof(wf_el) * (size_t)(max + 1));
    m->flows = eg_arena_zalloc(m->arena, sizeof(wf_flow) * (size_t)(max + 1));
    /* fsrc/fdst: flows first, then per element (attachedToRef, default) at nflow + i */
    b->fsrc = eg_arena_zalloc(m->arena, sizeof(char *) * (size_t)(2 * max + 2));
    b->fdst = eg_arena_zalloc(m->arena, sizeof(char *) * (size_t)(2 * max + 2));
    const char **att = eg_arena_zalloc(m->arena, sizeof(char *) * (size_t)(max + 1));
    const char **defs = eg_arena_zalloc(m->arena, sizeof(char *) * (size_t)(max + 1));
    for (xmlNode *c = proc->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int line = (int)xmlGetLineNo(c);
        const char *name = (const char *)c->name;
        if (!is_bpmn(c, NULL)) /* foreign extension element: ignore */
            continue;
        if (ignored(name))
            continue;
        if (!strcmp(name, "sequenceFlow")) {
            wf_flow *fl = &m->flows[m->nflow];
            fl->id = attr(b, c, "id");
            fl->line = line;
            if (!fl->id)
                return bad(b, "sequenceFlow", line, "thiếu thuộc tính id");
            b->fsrc[m->nflow] = attr(b, c, "sourceRef");
            b->fdst[m->nflow] = attr(b, c, "targetRef");
            fl->cond_src = text(b, child(c, "conditionExpression"));
            m->nflow++;
            continue;
        }
        int t = type_of(name);
        if (!t) {
            const char *id = attr(b, c, "id");
            return bad(b, id ? id : name, line, "loại phần tử không được hỗ trợ: %s", name);
        }
        wf_el *el = &m->els[m->nel];
        int rc = parse_element(b, c, t, el);
        if (rc)
            return rc;
        att[m->nel] = t == WF_BOUNDARY ? attr(b, c, "attachedToRef") : NULL;
        defs[m->nel] = attr(b, c, "default");
        m->nel++;
    }
    for (int i = 0; i < m->nel; i++) {
        b->fsrc[m->nflow + i] = att[i];
        b->fdst[m->nflow + i] = defs[i];
    }
    return resolve(b);
}

int eg__wf_el_index(const wf_model *m, const char *id)
{
    for (int i = 0; i < m->nel; i++)
        if (!strcmp(m->els[i].id, id))
            return i;
    return -1;
}

static void quiet(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

wf_model *eg__wf_model_parse(const char *xml, size_t len, char *err, size_t errlen)
{
    if (len == 0 || len > MAX_XML) {
        snprintf(err, errlen, "tài liệu BPMN rỗng hoặc lớn hơn 4 MiB");
        return NULL;
    }
    xmlSetStructuredErrorFunc(NULL, quiet);
    xmlParserCtxtPtr ctx = xmlNewParserCtxt();
    if (!ctx) {
        snprintf(err, errlen, "không tạo được bộ phân tích XML");
        return NULL;
    }
    xmlDocPtr doc = xmlCtxtReadMemory(ctx, xml, (int)len, "bpmn.xml", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
    if (!doc) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctx);
        snprintf(err, errlen, "XML không hợp lệ (dòng %d)", e ? e->line : 0);
        xmlFreeParserCtxt(ctx);
        return NULL;
    }
    xmlFreeParserCtxt(ctx);
    wf_model *m = calloc(1, sizeof(*m));
    m->arena = eg_arena_new(0);
    B b = {.m = m, .err = err, .errlen = errlen};
    int rc = 0;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (doc->intSubset || doc->extSubset) {
        /* the DTD node has no line number: count lines up to the declaration */
        const char *dt = memmem(xml, len, "<!DOCTYPE", 9);
        int line = 1;
        for (const char *p = xml; dt && p < dt; p++)
            line += *p == '\n';
        rc = bad(&b, "DOCTYPE", line, "không cho phép khai báo DOCTYPE/ENTITY trong tài liệu BPMN");
    } else if (!root || !is_bpmn(root, "definitions")) {
        rc = bad(&b, root ? (const char *)root->name : "?", root ? (int)xmlGetLineNo(root) : 0,
                 "phần tử gốc phải là bpmn:definitions (namespace %s)", BPMN_NS);
    } else {
        xmlNode *proc = NULL;
        int nproc = 0;
        for (xmlNode *c = root->children; c; c = c->next) {
            if (!is_bpmn(c, "process"))
                continue;
            xmlChar *ex = xmlGetNoNsProp(c, (const xmlChar *)"isExecutable");
            int exe = !ex || strcmp((const char *)ex, "false") != 0;
            xmlFree(ex);
            if (exe) {
                nproc++;
                proc = c;
            }
        }
        if (nproc != 1) {
            rc = bad(&b, "definitions", (int)xmlGetLineNo(root),
                     "cần đúng một bpmn:process thực thi được (có %s)",
                     nproc ? "nhiều hơn một" : "0");
        } else {
            m->key = attr(&b, proc, "id");
            m->name = attr(&b, proc, "name");
            const char *wd = xattr(&b, proc, "workingDays", 2);
            if (wd)
                m->working_days = atoi(wd);
            if (!m->key || strlen(m->key) > 100)
                rc = bad(&b, "process", (int)xmlGetLineNo(proc), "process cần id (tối đa 100)");
            else
                rc = parse_process(&b, proc);
        }
    }
    xmlFreeDoc(doc);
    if (rc) {
        eg__wf_model_free(m);
        return NULL;
    }
    return m;
}

void eg__wf_model_free(wf_model *m)
{
    if (!m)
        return;
    eg_arena_free(m->arena);
    free(m);
}

int eg_wf_validate(const char *xml, size_t len, char *key, size_t keylen, char *err, size_t errlen)
{
    wf_model *m = eg__wf_model_parse(xml, len, err, errlen);
    if (!m)
        return EG_EUNPROCESSABLE;
    if (key)
        snprintf(key, keylen, "%s", m->key);
    eg__wf_model_free(m);
    return EG_OK;
}

static int time_value(const char *v, const json_t *vars, int64_t now, int64_t *due, char *err,
                      size_t errlen)
{
    int64_t x;
    const char *s = v;
    json_t *val = NULL;
    if (v[0] == '$' || v[0] == '#') {
        eg_arena *a = eg_arena_new(0);
        wf_expr *e = eg__wf_expr_parse(a, v, err, errlen);
        int rc = e ? eg__wf_expr_value(e, vars, &val, err, errlen) : EG_EUNPROCESSABLE;
        eg_arena_free(a);
        if (rc)
            return rc;
        if (!json_is_string(val)) {
            json_decref(val);
            snprintf(err, errlen, "biểu thức thời gian phải cho một chuỗi ISO 8601");
            return EG_EUNPROCESSABLE;
        }
        s = json_string_value(val);
    }
    int rc = EG_OK;
    if (eg_wf_parse_duration(s, &x) == 0)
        *due = now + x;
    else if (eg_time_parse(s, &x) == 0)
        *due = x;
    else {
        snprintf(err, errlen, "thời hạn không đúng ISO 8601");
        rc = EG_EUNPROCESSABLE;
    }
    json_decref(val);
    return rc;
}

int eg__wf_timer_due(const wf_timer_def *t, const json_t *vars, const eg_calendar *cal, int64_t now,
                     int64_t *due, char *err, size_t errlen)
{
    if (t->duration)
        return time_value(t->duration, vars, now, due, err, errlen);
    if (t->date)
        return time_value(t->date, vars, now, due, err, errlen);
    if (cal)
        return eg_calendar_deadline(cal, now, t->working_days, due);
    *due = now + (int64_t)t->working_days * 86400000;
    return EG_OK;
}

int eg__wf_due_value(const char *v, const json_t *vars, int64_t now, int64_t *due, char *err,
                     size_t errlen)
{
    return time_value(v, vars, now, due, err, errlen);
}
