/*
 * xform.c - message transformation for simple documents, when a registration asks for it
 * (transform.request / transform.response = "json-to-xml" | "xml-to-json"):
 *
 *   JSON -> XML: an object with one key is the root element (else <root>); object members are
 *   child elements, "@name" members attributes, "#text" the element text; arrays repeat the
 *   element; null is an empty element. Names must be XML names.
 *   XML -> JSON: {root: value}; an element without attributes or child elements is its text;
 *   otherwise an object with "@attr", children (repeated names become arrays) and "#text".
 *
 * XML input is parsed by libxml2 without network access, and any DOCTYPE is refused (no
 * entities, so no XXE or entity-expansion bombs). Limits: depth 64 and the gateway body limit.
 */
#include <ctype.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "lgsp/internal.h"

#define DEPTH_MAX 64

static int xml_name_ok(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

static void scalar(eg_buf *b, json_t *v)
{
    if (json_is_string(v))
        eg_buf_xml(b, json_string_value(v));
    else if (json_is_integer(v))
        eg_buf_printf(b, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        eg_buf_printf(b, "%.17g", json_real_value(v));
    else if (json_is_true(v))
        eg_buf_puts(b, "true");
    else if (json_is_false(v))
        eg_buf_puts(b, "false");
}

static int emit(eg_buf *b, const char *name, json_t *v, int depth)
{
    if (depth > DEPTH_MAX || !xml_name_ok(name))
        return EG_EINVAL;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (json_is_array(x) || emit(b, name, x, depth + 1))
                return EG_EINVAL;
        }
        return EG_OK;
    }
    eg_buf_printf(b, "<%s", name);
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            if (k[0] != '@')
                continue;
            if (!xml_name_ok(k + 1) || json_is_object(x) || json_is_array(x))
                return EG_EINVAL;
            eg_buf_printf(b, " %s=\"", k + 1);
            scalar(b, x);
            eg_buf_putc(b, '"');
        }
        eg_buf_putc(b, '>');
        json_object_foreach(v, k, x)
        {
            if (k[0] == '@')
                continue;
            if (strcmp(k, "#text") == 0) {
                scalar(b, x);
                continue;
            }
            if (emit(b, k, x, depth + 1))
                return EG_EINVAL;
        }
    } else if (json_is_null(v)) {
        eg_buf_puts(b, "/>");
        return EG_OK;
    } else {
        eg_buf_putc(b, '>');
        scalar(b, v);
    }
    eg_buf_printf(b, "</%s>", name);
    return EG_OK;
}

int eg__lgsp_json_to_xml(const char *in, size_t n, eg_buf *out)
{
    char err[128];
    json_t *j = eg_json_parse(in, n, DEPTH_MAX, err, sizeof(err));
    if (!j)
        return EG_EINVAL;
    eg_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    const char *name = "root";
    json_t *top = j;
    if (json_is_object(j) && json_object_size(j) == 1) {
        name = json_object_iter_key(json_object_iter(j));
        top = json_object_get(j, name);
    }
    int rc;
    if (json_is_array(top)) {
        /* An XML document has exactly one root: a top-level array becomes <name><item>... */
        rc = xml_name_ok(name) ? EG_OK : EG_EINVAL;
        if (!rc)
            eg_buf_printf(out, "<%s>", name);
        size_t i;
        json_t *x;
        json_array_foreach(top, i, x)
        {
            if (!rc && (json_is_array(x) || emit(out, "item", x, 1)))
                rc = EG_EINVAL;
        }
        if (!rc)
            eg_buf_printf(out, "</%s>", name);
    } else {
        rc = emit(out, name, top, 0);
    }
    json_decref(j);
    return rc;
}

static json_t *node_json(xmlNode *n, int depth)
{
    if (depth > DEPTH_MAX)
        return NULL;
    int has_children = 0;
    for (xmlNode *c = n->children; c; c = c->next)
        has_children |= c->type == XML_ELEMENT_NODE;
    if (!has_children && !n->properties) {
        xmlChar *t = xmlNodeGetContent(n);
        json_t *s = eg_json_strn(t ? (const char *)t : "");
        xmlFree(t);
        return s;
    }
    json_t *o = json_object();
    for (xmlAttr *a = n->properties; a; a = a->next) {
        xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
        char key[256];
        snprintf(key, sizeof(key), "@%s", (const char *)a->name);
        json_object_set_new(o, key, eg_json_strn(v ? (const char *)v : ""));
        xmlFree(v);
    }
    eg_buf text = EG_BUF_INIT;
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            eg_buf_puts(&text, (const char *)c->content);
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        json_t *v = node_json(c, depth + 1);
        if (!v) {
            json_decref(o);
            eg_buf_free(&text);
            return NULL;
        }
        const char *name = (const char *)c->name;
        json_t *prev = json_object_get(o, name);
        if (!prev) {
            json_object_set_new(o, name, v);
        } else if (json_is_array(prev)) {
            json_array_append_new(prev, v);
        } else {
            json_t *arr = json_array();
            json_array_append(arr, prev);
            json_array_append_new(arr, v);
            json_object_set_new(o, name, arr);
        }
    }
    int blank = 1;
    for (size_t i = 0; i < text.len; i++)
        blank &= isspace((unsigned char)text.data[i]) != 0;
    if (!blank)
        json_object_set_new(o, "#text", eg_json_strn(eg_buf_cstr(&text)));
    eg_buf_free(&text);
    return o;
}

int eg__lgsp_xml_to_json(const char *in, size_t n, eg_buf *out)
{
    if (n > INT32_MAX)
        return EG_ETOOBIG;
    xmlDoc *doc = xmlReadMemory(in, (int)n, "in.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return EG_EINVAL;
    int rc = EG_EINVAL;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (root && !doc->intSubset) {
        json_t *v = node_json(root, 0);
        if (v) {
            json_t *o = json_object();
            json_object_set_new(o, (const char *)root->name, v);
            eg_json_dump_buf(out, o);
            json_decref(o);
            rc = EG_OK;
        }
    }
    xmlFreeDoc(doc);
    return rc;
}
