/*
 * engine.c - the catalogue engine: a catalogue is metadata (code, name, properties with
 * code/name/type, owner agency, version) plus rows with validity dates and a change history.
 * This file holds the storage side: validating rows (from CSV or JSON) against the
 * properties, applying a batch of rows all-or-nothing, and loading the built-in catalogues
 * of data/catalogs/ at init. The HTTP side is engine_api.c.
 */
#include <string.h>
#include <stdlib.h>
#include "catalog/catalog.h"
#include "catalog/engine.h"

int eg__catalog_load_meta(eg_conn *c, eg_arena *a, const char *code, eg__catmeta *m)
{
    eg_stmt *q;
    int rc = eg_query(c, &q,
                      "SELECT code, name, description, owner_agency, properties, source, version "
                      "FROM catalog_catalogs WHERE code = ?",
                      "t", code);
    if (rc)
        return rc;
    rc = eg_step(q);
    if (rc != EG_ROW) {
        eg_stmt_done(q);
        return rc < 0 ? rc : EG_ENOTFOUND;
    }
    memset(m, 0, sizeof(*m));
    m->code = eg_arena_strdup(a, eg_col_text(q, 0));
    m->name = eg_arena_strdup(a, eg_col_text(q, 1));
    m->description = eg_arena_strdup(a, eg_col_text(q, 2));
    m->owner_agency = eg_arena_strdup(a, eg_col_text(q, 3));
    m->source = eg_arena_strdup(a, eg_col_text(q, 5));
    m->version = eg_col_int64(q, 6);
    const char *props = eg_col_text(q, 4);
    json_t *p = eg_json_parse(props, strlen(props), 8, NULL, 0);
    eg_stmt_done(q);
    if (!json_is_array(p) || json_array_size(p) < 2 || json_array_size(p) > EG__MAX_PROPS) {
        json_decref(p);
        return EG_EINTERNAL;
    }
    m->nprops = (int)json_array_size(p);
    for (int i = 0; i < m->nprops; i++) {
        json_t *x = json_array_get(p, (size_t)i);
        m->props[i].code = eg_arena_strdup(a, eg_json_str(x, "code"));
        m->props[i].name = eg_arena_strdup(a, eg_json_str(x, "name"));
        m->props[i].type =
            eg_arena_strdup(a, eg_json_str(x, "type") ? eg_json_str(x, "type") : "string");
    }
    json_decref(p);
    return EG_OK;
}

json_t *eg__catalog_props_json(const eg__catmeta *m)
{
    json_t *a = json_array();
    for (int i = 0; i < m->nprops; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "code", m->props[i].code, "name",
                                           m->props[i].name, "type", m->props[i].type));
    return a;
}

int eg__valid_prop_type(const char *t)
{
    return t && (!strcmp(t, "string") || !strcmp(t, "integer") || !strcmp(t, "date") ||
                 !strcmp(t, "boolean"));
}

static int has_ctl(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 && *p != '\t')
            return 1;
    return 0;
}

/* Converts one textual value to the property's JSON type; NULL when it does not fit. */
static json_t *typed(const char *type, const char *v)
{
    if (!*v)
        return json_string("");
    if (!strcmp(type, "integer")) {
        char *end;
        long long x = strtoll(v, &end, 10);
        if (*end || strlen(v) > 18)
            return NULL;
        return json_integer(x);
    }
    if (!strcmp(type, "boolean")) {
        if (!strcmp(v, "true") || !strcmp(v, "1"))
            return json_true();
        if (!strcmp(v, "false") || !strcmp(v, "0"))
            return json_false();
        return NULL;
    }
    if (!strcmp(type, "date") && !eg__cat_valid_date(v))
        return NULL;
    return json_string(v);
}

int eg__catalog_check_row(eg_arena *a, const eg__catmeta *m, const char *const *vals,
                          const char *vf, const char *vt, eg__catrow *out, char *field,
                          size_t fieldlen, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->data = json_object();
    for (int i = 0; i < m->nprops; i++) {
        const char *v = vals[i] ? vals[i] : "";
        snprintf(field, fieldlen, "%s", m->props[i].code);
        char *n = eg__cat_nfc(a, v);
        if (!n || has_ctl(n) || strlen(n) > 2000) {
            snprintf(err, errlen,
                     "giá trị không hợp lệ (UTF-8, không ký tự điều khiển, tối đa "
                     "2000 byte)");
            return EG_EUNPROCESSABLE;
        }
        if (i < 2 && !*n) {
            snprintf(err, errlen, "bắt buộc");
            return EG_EUNPROCESSABLE;
        }
        if (i == 0 && strlen(n) > 64) {
            snprintf(err, errlen, "mã dài quá 64 byte");
            return EG_EUNPROCESSABLE;
        }
        json_t *tv = typed(m->props[i].type, n);
        if (!tv) {
            snprintf(err, errlen, "không đúng kiểu %s", m->props[i].type);
            return EG_EUNPROCESSABLE;
        }
        json_object_set_new(out->data, m->props[i].code, tv);
        if (i == 0)
            out->code = n;
        else if (i == 1)
            out->name = n;
    }
    snprintf(field, fieldlen, "valid_from");
    if (vf && *vf && !eg__cat_valid_date(vf)) {
        snprintf(err, errlen, "ngày không hợp lệ (YYYY-MM-DD)");
        return EG_EUNPROCESSABLE;
    }
    snprintf(field, fieldlen, "valid_to");
    if (vt && *vt && (!eg__cat_valid_date(vt) || (vf && *vf && strcmp(vt, vf) < 0))) {
        snprintf(err, errlen, "ngày không hợp lệ hoặc trước valid_from");
        return EG_EUNPROCESSABLE;
    }
    out->valid_from = vf && *vf ? eg_arena_strdup(a, vf) : NULL;
    out->valid_to = vt && *vt ? eg_arena_strdup(a, vt) : NULL;
    field[0] = 0;
    return EG_OK;
}

void eg__catalog_rows_free(eg__catrow *rows, int n)
{
    for (int i = 0; i < n; i++)
        json_decref(rows[i].data);
}

int eg__catalog_parse_csv(eg_arena *a, const eg__catmeta *m, const char *s, size_t n,
                          eg__catrow **rows, int *nrows, char *err, size_t errlen)
{
    eg_csv csv;
    char perr[200];
    *rows = NULL;
    *nrows = 0;
    int rc = eg_csv_parse(a, s, n, EG__MAX_IMPORT, &csv, perr, sizeof(perr));
    if (rc) {
        snprintf(err, errlen, "%s", perr);
        return rc == EG_ETOOBIG ? rc : EG_EINVAL;
    }
    if (csv.nrows == 0) {
        snprintf(err, errlen, "dòng 1: thiếu dòng tiêu đề");
        return EG_EINVAL;
    }
    int col[EG__MAX_PROPS], ivf = eg_csv_col(&csv, "valid_from"),
                            ivt = eg_csv_col(&csv, "valid_to");
    for (int i = 0; i < csv.rows[0].n; i++) {
        const char *h = csv.rows[0].f[i];
        int known = !strcmp(h, "valid_from") || !strcmp(h, "valid_to");
        for (int k = 0; k < m->nprops && !known; k++)
            known = !strcmp(h, m->props[k].code);
        if (!known) {
            snprintf(err, errlen, "dòng 1, cột %s: không có trong danh mục %s", h, m->code);
            return EG_EUNPROCESSABLE;
        }
    }
    for (int k = 0; k < m->nprops; k++) {
        col[k] = eg_csv_col(&csv, m->props[k].code);
        if (col[k] < 0 && k < 2) {
            snprintf(err, errlen, "dòng 1, cột %s: thiếu cột bắt buộc", m->props[k].code);
            return EG_EUNPROCESSABLE;
        }
    }
    eg__catrow *out = eg_arena_zalloc(a, sizeof(*out) * (size_t)(csv.nrows + 1));
    for (int i = 1; i < csv.nrows; i++) {
        const eg_csv_row *r = &csv.rows[i];
        if (r->n != csv.rows[0].n) {
            eg__catalog_rows_free(out, *nrows);
            snprintf(err, errlen, "dòng %d: có %d cột, tiêu đề có %d", r->line, r->n,
                     csv.rows[0].n);
            return EG_EUNPROCESSABLE;
        }
        const char *vals[EG__MAX_PROPS];
        for (int k = 0; k < m->nprops; k++)
            vals[k] = col[k] >= 0 ? eg_csv_get(r, col[k]) : "";
        char field[64], why[200];
        rc = eg__catalog_check_row(a, m, vals, ivf >= 0 ? eg_csv_get(r, ivf) : NULL,
                                   ivt >= 0 ? eg_csv_get(r, ivt) : NULL, &out[*nrows], field,
                                   sizeof(field), why, sizeof(why));
        (*nrows)++;
        if (rc) {
            eg__catalog_rows_free(out, *nrows);
            snprintf(err, errlen, "dòng %d, trường %s: %s", r->line, field, why);
            return rc;
        }
        for (int j = 0; j < *nrows - 1; j++)
            if (!strcmp(out[j].code, out[*nrows - 1].code)) {
                eg__catalog_rows_free(out, *nrows);
                snprintf(err, errlen, "dòng %d, trường %s: mã %s bị trùng trong tệp", r->line,
                         m->props[0].code, out[j].code);
                return EG_EUNPROCESSABLE;
            }
    }
    *rows = out;
    return EG_OK;
}

int eg__catalog_parse_json(eg_arena *a, const eg__catmeta *m, const json_t *items,
                           eg__catrow **rows, int *nrows, char *err, size_t errlen)
{
    *rows = NULL;
    *nrows = 0;
    if (!json_is_array(items) || json_array_size(items) > EG__MAX_IMPORT) {
        snprintf(err, errlen, "items: phải là danh sách tối đa %d dòng", EG__MAX_IMPORT);
        return EG_EUNPROCESSABLE;
    }
    size_t n = json_array_size(items);
    eg__catrow *out = eg_arena_zalloc(a, sizeof(*out) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        if (!json_is_object(it)) {
            eg__catalog_rows_free(out, *nrows);
            snprintf(err, errlen, "Record %zu: phải là đối tượng JSON", i + 1);
            return EG_EUNPROCESSABLE;
        }
        /* properties either at top level (DMDC shape) or under "properties" */
        json_t *src = json_is_object(json_object_get(it, "properties"))
                          ? json_object_get(it, "properties")
                          : it;
        const char *vals[EG__MAX_PROPS];
        char field[64] = "", why[200] = "";
        int bad = 0;
        for (int k = 0; k < m->nprops; k++) {
            json_t *v = json_object_get(src, m->props[k].code);
            if (k == 0 && !v)
                v = json_object_get(it, "code");
            if (k == 1 && !v)
                v = json_object_get(it, "name");
            if (!v || json_is_null(v))
                vals[k] = "";
            else if (json_is_string(v))
                vals[k] = json_string_value(v);
            else if (json_is_integer(v))
                vals[k] = eg_arena_printf(a, "%lld", (long long)json_integer_value(v));
            else if (json_is_boolean(v))
                vals[k] = json_is_true(v) ? "true" : "false";
            else {
                snprintf(field, sizeof(field), "%s", m->props[k].code);
                bad = 1;
                break;
            }
        }
        const char *key;
        json_t *v;
        json_object_foreach(src, key, v)
        {
            int known = src == it && (!strcmp(key, "code") || !strcmp(key, "name") ||
                                      !strcmp(key, "valid_from") || !strcmp(key, "valid_to") ||
                                      !strcmp(key, "version"));
            for (int k = 0; k < m->nprops && !known; k++)
                known = !strcmp(key, m->props[k].code);
            if (!known && !bad) {
                snprintf(field, sizeof(field), "%s", key);
                snprintf(why, sizeof(why), "không có trong danh mục %s", m->code);
                bad = 2;
            }
        }
        int rc = EG_EUNPROCESSABLE;
        if (!bad)
            rc = eg__catalog_check_row(a, m, vals, eg_json_str(it, "valid_from"),
                                       eg_json_str(it, "valid_to"), &out[*nrows], field,
                                       sizeof(field), why, sizeof(why));
        (*nrows)++;
        if (bad == 1)
            snprintf(why, sizeof(why), "phải là chuỗi, số hoặc true/false");
        if (rc) {
            eg__catalog_rows_free(out, *nrows);
            snprintf(err, errlen, "Record %zu, trường %s: %s", i + 1, field, why);
            return rc;
        }
        for (int j = 0; j < *nrows - 1; j++)
            if (!strcmp(out[j].code, out[*nrows - 1].code)) {
                eg__catalog_rows_free(out, *nrows);
                snprintf(err, errlen, "Record %zu, trường %s: mã %s bị trùng", i + 1,
                         m->props[0].code, out[j].code);
                return EG_EUNPROCESSABLE;
            }
    }
    *rows = out;
    return EG_OK;
}

int eg__catalog_apply(eg_conn *c, const eg__catmeta *m, eg__catrow *rows, int n, const char *actor,
                      int *created, int *updated)
{
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    int64_t seq = 0;
    int rc = eg_query_int64(c, &seq,
                            "SELECT COALESCE(MAX(seq), 0) FROM catalog_rows WHERE "
                            "catalog = ?",
                            "t", m->code);
    *created = *updated = 0;
    eg_buf body = EG_BUF_INIT;
    for (int i = 0; !rc && i < n; i++) {
        eg__catrow *r = &rows[i];
        char *data = json_dumps(r->data, JSON_COMPACT | JSON_PRESERVE_ORDER);
        int64_t version = 0;
        int ex = eg_query_int64(c, &version,
                                "SELECT version FROM catalog_rows WHERE catalog = ? AND code = ?",
                                "tt", m->code, r->code);
        if (ex == EG_ENOTFOUND) {
            version = 1;
            rc = eg_exec(c, NULL,
                         "INSERT INTO catalog_rows (catalog, code, name, data, valid_from, "
                         "valid_to, seq, version, updated_at) VALUES (?,?,?,?,?,?,?,1,?)",
                         "ttttttlt", m->code, r->code, r->name, data, r->valid_from, r->valid_to,
                         ++seq, now);
            (*created)++;
        } else if (!ex) {
            version++;
            rc = eg_exec(c, NULL,
                         "UPDATE catalog_rows SET name = ?, data = ?, valid_from = ?, valid_to = "
                         "?, version = ?, updated_at = ? WHERE catalog = ? AND code = ?",
                         "ttttltt"
                         "t",
                         r->name, data, r->valid_from, r->valid_to, version, now, m->code, r->code);
            (*updated)++;
        } else {
            rc = ex;
        }
        if (!rc)
            rc = eg_exec(c, NULL,
                         "INSERT INTO catalog_row_history (catalog, code, version, action, data, "
                         "actor, at) VALUES (?,?,?,?,?,?,?)",
                         "ttlttt"
                         "t",
                         m->code, r->code, version, version == 1 ? "create" : "update", data, actor,
                         now);
        free(data);
        r->version = version;
        if (!rc) {
            eg_buf_reset(&body);
            eg_buf_printf(&body, "%s %s", r->code, m->name);
            char ref[160];
            snprintf(ref, sizeof(ref), "%s/%s", m->code, r->code);
            rc = eg__search_put(c, "row", ref, r->name, eg_buf_cstr(&body));
        }
    }
    eg_buf_free(&body);
    if (!rc && (*created || *updated))
        rc = eg_exec(c, NULL,
                     "UPDATE catalog_catalogs SET version = version + 1, updated_at = ? WHERE "
                     "code = ?",
                     "tt", now, m->code);
    return rc;
}

/* ------------------------------------------------------------------ built-in catalogues */

static int seed_one(eg_app *app, eg_conn *c, json_t *def)
{
    const char *code = eg_json_str(def, "code"), *file = eg_json_str(def, "file");
    if (!code || !file || !eg_json_str(def, "name"))
        return EG_EINVAL;
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    char *props = json_dumps(json_object_get(def, "properties"), JSON_COMPACT);
    int64_t changed = 0;
    int rc = eg_exec(c, &changed,
                     "INSERT INTO catalog_catalogs (code, name, description, owner_agency, "
                     "properties, source, updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (code) "
                     "DO NOTHING",
                     "ttttttt", code, eg_json_str(def, "name"), eg_json_str(def, "description"),
                     eg_json_str(def, "owner_agency"), props, eg_json_str(def, "source"), now);
    free(props);
    if (rc || !changed)
        return rc; /* already there: idempotent */
    eg_arena *a = eg_arena_new(0);
    eg__catmeta m;
    rc = eg__catalog_load_meta(c, a, code, &m);
    eg_buf raw = EG_BUF_INIT;
    char rel[256], err[300];
    snprintf(rel, sizeof(rel), "data/catalogs/%s", file);
    if (!rc)
        rc = eg__cat_read_data(app, rel, &raw);
    eg__catrow *rows = NULL;
    int n = 0, cr, up;
    if (!rc) {
        rc = eg__catalog_parse_csv(a, &m, raw.data, raw.len, &rows, &n, err, sizeof(err));
        if (rc)
            eg_log(EG_LOG_ERROR, "catalog", NULL, "built-in catalogue rejected", "file", rel,
                   "error", err, NULL);
    }
    if (!rc)
        rc = eg__catalog_apply(c, &m, rows, n, "system", &cr, &up);
    if (!rc) /* loading the shipped rows is version 1 */
        rc = eg_exec(c, NULL, "UPDATE catalog_catalogs SET version = 1 WHERE code = ?", "t", code);
    eg__catalog_rows_free(rows, n);
    eg_buf_free(&raw);
    eg_arena_free(a);
    return rc;
}

int eg__catalogs_seed(eg_app *app, eg_conn *c)
{
    eg_buf raw = EG_BUF_INIT;
    int rc = eg__cat_read_data(app, "data/catalogs/index.json", &raw);
    if (rc) {
        eg_buf_free(&raw);
        eg_log(EG_LOG_ERROR, "catalog", NULL, "data/catalogs/index.json missing", NULL);
        return rc;
    }
    char err[200];
    json_t *idx = eg_json_parse(raw.data, raw.len, 16, err, sizeof(err));
    eg_buf_free(&raw);
    if (!json_is_array(idx)) {
        json_decref(idx);
        return EG_EINVAL;
    }
    rc = eg_tx_begin(c);
    size_t i;
    json_t *def;
    json_array_foreach(idx, i, def)
    {
        if (rc)
            break;
        rc = seed_one(app, c, def);
    }
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    json_decref(idx);
    return rc;
}

int eg_catalog_row_exists(eg_conn *c, const char *catalog, const char *code)
{
    char today[11];
    eg__cat_today(today);
    int64_t n = 0;
    if (eg_query_int64(c, &n,
                       "SELECT COUNT(*) FROM catalog_rows WHERE catalog = ? AND code = ? AND "
                       "(valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR "
                       "valid_to >= ?)",
                       "tttt", catalog, code, today, today))
        return 0;
    return n > 0;
}
