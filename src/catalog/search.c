/*
 * search.c - Vietnamese full-text search over procedures, agencies and catalogue rows.
 * Every document is indexed by its eg_fold key (no case, no diacritics, đ -> d, NFC/NFD
 * and tone placement irrelevant); the backend's full-text index (store: eg_fts_*) finds
 * candidates, which are re-ranked here (whole phrase in the title, title prefix, kind,
 * current vs retired agency) and given highlighted snippets.
 *   GET /api/v1/search?q=&kind=&limit=
 */
#include <string.h>
#include <stdlib.h>
#include "catalog/internal.h"

#define DOCS       "catalog_search_docs"
#define CANDIDATES 200 /* best full-text hits re-ranked here */

int eg__search_init(eg_conn *c)
{
    return eg_fts_ensure(c, DOCS);
}

int eg__search_put(eg_conn *c, const char *kind, const char *ref, const char *title,
                   const char *body)
{
    eg_buf f = EG_BUF_INIT;
    int rc = eg_fold(title, strlen(title), &f);
    if (!rc) {
        eg_buf_putc(&f, ' ');
        rc = eg_fold(body ? body : "", body ? strlen(body) : 0, &f);
    }
    int64_t id = 0;
    if (!rc)
        rc = eg_query_int64(c, &id,
                            "INSERT INTO " DOCS " (kind, ref, title, body, folded) VALUES "
                            "(?,?,?,?,?) ON CONFLICT (kind, ref) DO UPDATE SET title = "
                            "excluded.title, body = excluded.body, folded = excluded.folded "
                            "RETURNING id",
                            "ttttt", kind, ref, title, body ? body : "", eg_buf_cstr(&f));
    if (!rc)
        rc = eg_fts_put(c, DOCS, id, eg_buf_cstr(&f));
    eg_buf_free(&f);
    return rc;
}

int eg__search_delete(eg_conn *c, const char *kind, const char *ref)
{
    int64_t id = 0;
    int rc = eg_query_int64(c, &id, "SELECT id FROM " DOCS " WHERE kind = ? AND ref = ?", "tt",
                            kind, ref);
    if (rc == EG_ENOTFOUND)
        return EG_OK;
    if (!rc)
        rc = eg_fts_delete(c, DOCS, id);
    if (!rc)
        rc = eg_exec(c, NULL, "DELETE FROM " DOCS " WHERE id = ?", "l", id);
    return rc;
}

/* ------------------------------------------------------------------ highlighting */

static int is_word(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch >= 0x80;
}

char *eg__highlight(eg_arena *a, const char *text, const char *folded_query, int max_chars)
{
    eg_buf nfc = EG_BUF_INIT;
    if (eg_nfc(text, strlen(text), &nfc)) {
        eg_buf_free(&nfc);
        return eg_arena_strdup(a, "");
    }
    const char *s = eg_buf_cstr(&nfc);
    size_t n = nfc.len;
    /* folded text with, per folded byte, the source code point's [start, end) */
    eg_buf f = EG_BUF_INIT;
    size_t *from = eg_arena_alloc(a, sizeof(size_t) * (4 * n + 8));
    size_t *to = eg_arena_alloc(a, sizeof(size_t) * (4 * n + 8));
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = eg_utf8_decode(s + i, n - i, &cp);
        if (!k)
            k = 1;
        size_t before = f.len;
        if (cp < 0x80) {
            char ch = (char)cp;
            if (ch >= 'A' && ch <= 'Z')
                ch = (char)(ch - 'A' + 'a');
            eg_buf_putc(&f, ch);
        } else {
            eg_fold(s + i, k, &f);
        }
        for (size_t j = before; j < f.len && j < 4 * n + 8; j++) {
            from[j] = i;
            to[j] = i + k;
        }
        i += k;
    }
    char *mark = eg_arena_zalloc(a, n + 1); /* 1 = byte inside a match */
    size_t first = n;
    const char *q = folded_query;
    while (*q) {
        while (*q && !is_word((unsigned char)*q))
            q++;
        const char *w = q;
        while (*q && is_word((unsigned char)*q))
            q++;
        size_t wl = (size_t)(q - w);
        if (!wl)
            break;
        char *tok = eg_arena_strndup(a, w, wl);
        const char *fs = eg_buf_cstr(&f);
        for (const char *m = strstr(fs, tok); m; m = strstr(m + 1, tok)) {
            if (m != fs && is_word((unsigned char)m[-1]))
                continue;
            size_t b = (size_t)(m - fs), e = b + wl - 1;
            for (size_t x = from[b]; x < to[e]; x++)
                mark[x] = 1;
            if (from[b] < first)
                first = from[b];
        }
    }
    /* window of about max_chars bytes*2 around the first match, on code point boundaries */
    size_t lo = 0, hi = n, span = (size_t)max_chars * 2;
    if (n > span) {
        if (first != n && first > span / 4)
            lo = first - span / 4;
        while (lo > 0 && ((unsigned char)s[lo] & 0xC0) == 0x80)
            lo--;
        hi = lo + span < n ? lo + span : n;
        while (hi < n && ((unsigned char)s[hi] & 0xC0) == 0x80)
            hi++;
    }
    eg_buf out = EG_BUF_INIT;
    if (lo)
        eg_buf_puts(&out, "…");
    int in = 0;
    for (size_t i = lo; i < hi;) {
        if (mark[i] && !in) {
            eg_buf_puts(&out, "<mark>");
            in = 1;
        } else if (!mark[i] && in) {
            eg_buf_puts(&out, "</mark>");
            in = 0;
        }
        size_t j = i + 1;
        while (j < hi && ((unsigned char)s[j] & 0xC0) == 0x80)
            j++;
        char tmp[8];
        size_t len = j - i < sizeof(tmp) - 1 ? j - i : sizeof(tmp) - 1;
        memcpy(tmp, s + i, len);
        tmp[len] = 0;
        eg_buf_html(&out, tmp);
        i = j;
    }
    if (in)
        eg_buf_puts(&out, "</mark>");
    if (hi < n)
        eg_buf_puts(&out, "…");
    char *res = eg_arena_strdup(a, eg_buf_cstr(&out));
    eg_buf_free(&out);
    eg_buf_free(&f);
    eg_buf_free(&nfc);
    return res;
}

/* ------------------------------------------------------------------ the endpoint */

typedef struct {
    int64_t id;
    double score;
    const char *kind, *ref, *title, *body;
} hit;

static int by_score(const void *x, const void *y)
{
    const hit *a = x, *b = y;
    return a->score < b->score ? 1 : a->score > b->score ? -1 : 0;
}

static double kind_weight(const char *k)
{
    return !strcmp(k, "procedure") ? 3.0 : !strcmp(k, "agency") ? 2.0 : 1.0;
}

/* An agency hit says whether that version is current; a retired one is shown with its
 * validity and the agency that took over (never as if it were current). */
static void agency_status(json_t *it, eg__catalog *cs, const char *ref, const char *today)
{
    eg__agency_info in;
    if (eg__agency_version_info(cs, ref, today, &in))
        return;
    const char *status = in.active                          ? "active"
                         : strcmp(in.valid_from, today) > 0 ? "planned"
                                                            : "retired";
    json_object_set_new(it, "status", json_string(status));
    json_object_set_new(it, "valid_from", json_string(in.valid_from));
    json_object_set_new(it, "valid_to", in.valid_to[0] ? json_string(in.valid_to) : json_null());
    if (!strcmp(status, "retired"))
        json_object_set_new(
            it, "successor",
            in.successor[0] ? json_pack("{s:s, s:s}", "code", in.successor, "name", in.succ_name)
                            : json_null());
}

static int search(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    const char *q = eg_req_query(r, "q"), *kind = eg_req_query(r, "kind");
    if (!q || !*q)
        return eg_req_fail_field(r, EG_EINVAL, "q", "Thiếu từ khóa tìm kiếm (q)");
    if (strlen(q) > 200)
        return eg_req_fail_field(r, EG_EINVAL, "q", "Từ khóa dài quá 200 byte");
    if (kind && strcmp(kind, "procedure") && strcmp(kind, "agency") && strcmp(kind, "row"))
        return eg_req_fail_field(r, EG_EINVAL, "kind", "kind phải là procedure, agency hoặc row");
    char *fq = eg_fold_arena(a, q);
    if (!fq)
        return eg_req_fail_field(r, EG_EINVAL, "q", "Từ khóa không phải UTF-8 hợp lệ");
    int limit = eg_req_limit(r);
    if (limit > 100)
        limit = 100;
    eg_conn *c = eg_db_conn(app->db);
    eg_stmt *st;
    int rc = eg_fts_search(c, DOCS, "kind, ref, title, body, folded", fq, CANDIDATES, &st);
    if (rc == EG_EINVAL)
        return eg_reply_json(r, 200,
                             json_pack("{s:s, s:[], s:n}", "query", q, "items", "next_cursor"));
    if (rc)
        return rc;
    hit *hits = eg_arena_alloc(a, sizeof(hit) * CANDIDATES);
    char today[11];
    eg__cat_today(today);
    eg__catalog *cs = eg__catalog_state(app);
    size_t fl = strlen(fq);
    int keep = 0;
    while (keep < CANDIDATES && (rc = eg_step(st)) == EG_ROW) {
        if (kind && strcmp(kind, eg_col_text(st, 2)))
            continue;
        hit *h = &hits[keep++];
        h->id = eg_col_int64(st, 0);
        h->kind = eg_arena_strdup(a, eg_col_text(st, 2));
        h->ref = eg_arena_strdup(a, eg_col_text(st, 3));
        h->title = eg_arena_strdup(a, eg_col_text(st, 4));
        h->body = eg_arena_strdup(a, eg_col_text(st, 5));
        const char *folded = eg_col_text(st, 6);
        double s = eg_col_double(st, 1) + kind_weight(h->kind);
        if (strncmp(folded, fq, fl) == 0 && (folded[fl] == ' ' || folded[fl] == 0))
            s += 20;
        else if (strstr(folded, fq))
            s += 10;
        if (!strcmp(h->kind, "agency") && eg__agency_version_active(cs, h->ref, today))
            s += 5;
        h->score = s;
    }
    eg_stmt_done(st);
    if (rc < 0)
        return rc;
    qsort(hits, (size_t)keep, sizeof(hit), by_score);
    json_t *items = json_array();
    for (int i = 0; i < keep && i < limit; i++) {
        hit *h = &hits[i];
        json_t *it = json_pack("{s:s, s:s, s:s, s:s, s:f}", "kind", h->kind, "ref", h->ref, "title",
                               h->title, "title_html", eg__highlight(a, h->title, fq, 200), "score",
                               h->score);
        if (h->body && *h->body)
            json_object_set_new(it, "snippet", json_string(eg__highlight(a, h->body, fq, 80)));
        if (!strcmp(h->kind, "procedure")) {
            json_object_set_new(it, "code", json_string(h->ref));
            json_object_set_new(
                it, "url",
                json_string(eg_arena_printf(a, "/portal/procedure.html?code=%s", h->ref)));
        } else if (!strcmp(h->kind, "agency")) {
            const char *at = strchr(h->ref, '@');
            char *code = eg_arena_strndup(a, h->ref, at ? (size_t)(at - h->ref) : strlen(h->ref));
            json_object_set_new(it, "code", json_string(code));
            json_object_set_new(it, "url",
                                json_string(eg_arena_printf(a, "/api/v1/agencies/%s", code)));
            agency_status(it, cs, h->ref, today);
        } else {
            const char *slash = strchr(h->ref, '/');
            char *cat = eg_arena_strndup(a, h->ref, slash ? (size_t)(slash - h->ref) : 0);
            json_object_set_new(it, "catalog", json_string(cat));
            json_object_set_new(it, "code", json_string(slash ? slash + 1 : h->ref));
        }
        json_array_append_new(items, it);
    }
    return eg_reply_json(r, 200,
                         json_pack("{s:s, s:o, s:n}", "query", q, "items", items, "next_cursor"));
}

void eg__search_routes(eg_app *app, eg_http *h)
{
    (void)app;
    static const eg_route_opts o = {
        .summary = "Tìm kiếm tiếng Việt (không dấu, không phân biệt hoa thường) trên thủ tục, cơ "
                   "quan, danh mục",
        .tag = "catalog"};
    eg_http_route(h, "GET", "/api/v1/search", search, &o);
}
