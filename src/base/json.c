/*
 * json.c - JSON on jansson with the limits an Internet-facing server needs.
 *
 * jansson already rejects invalid UTF-8 and NUL escapes by default; we add a nesting-depth
 * limit (checked by a cheap pre-scan before parsing, so deep input costs nothing), refuse
 * duplicate keys, and give short getters that treat "missing" and "wrong type" alike.
 */
#include <stdio.h>
#include <string.h>
#include "base/base.h"

/* Maximum nesting of s[0..n), skipping string contents; -1 if it exceeds limit. */
static int nesting_exceeds(const char *s, size_t n, int limit, size_t *where)
{
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > limit) {
                *where = i;
                return 1;
            }
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

json_t *eg_json_parse(const char *buf, size_t len, int max_depth, char *err, size_t errlen)
{
    size_t where = 0;
    if (max_depth <= 0)
        max_depth = 32;
    if (nesting_exceeds(buf, len, max_depth, &where)) {
        snprintf(err, errlen, "JSON lồng quá %d cấp (vị trí %zu)", max_depth, where);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        snprintf(err, errlen, "JSON không hợp lệ ở dòng %d, cột %d: %s", je.line, je.column,
                 je.text);
        return NULL;
    }
    return j;
}

const char *eg_json_str(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

long long eg_json_int(const json_t *obj, const char *key, long long def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? json_integer_value(v) : def;
}

int eg_json_bool(const json_t *obj, const char *key, int def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    eg_buf_append(data, buf, size);
    return 0;
}

void eg_json_dump_buf(eg_buf *b, const json_t *j)
{
    json_dump_callback(j, dump_cb, b, JSON_COMPACT | JSON_ENCODE_ANY);
}

char *eg_json_dump_arena(eg_arena *a, const json_t *j)
{
    eg_buf b = EG_BUF_INIT;
    eg_json_dump_buf(&b, j);
    char *s = eg_arena_strndup(a, eg_buf_cstr(&b), b.len);
    eg_buf_free(&b);
    return s;
}

json_t *eg_json_strn(const char *s)
{
    return s ? json_string(s) : json_null();
}
