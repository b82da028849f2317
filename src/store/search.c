/*
 * search.c - full-text search over a column of eg_fold keys, the one place where the two
 * backends differ for search (architecture.md §5):
 *   SQLite      an FTS5 table "<table>_fts" (unicode61 tokenizer) whose rowid is the id of
 *               the indexed row; eg_fts_put/eg_fts_delete keep it in step.
 *   PostgreSQL  a GIN index on to_tsvector('simple', folded) of the table itself;
 *               put/delete have nothing to do.
 * Both match every query word as a prefix (AND) and rank the hits (bm25 / ts_rank).
 * Callers pass folded text, so case, diacritics, NFC/NFD and tone placement are already gone.
 */
#include <string.h>
#include "store/store.h"

static void check_ident(const char *t)
{
    EG_ASSERT(t && *t && strlen(t) < 48);
    for (const char *p = t; *p; p++)
        EG_ASSERT((*p >= 'a' && *p <= 'z') || *p == '_' || (*p >= '0' && *p <= '9'));
}

int eg_fts_ensure(eg_conn *c, const char *table)
{
    check_ident(table);
    char sql[256];
    if (eg_db_backend(eg_conn_db(c)) == EG_DB_POSTGRES)
        snprintf(sql, sizeof(sql),
                 "CREATE INDEX IF NOT EXISTS %s_fts ON %s USING GIN "
                 "(to_tsvector('simple', folded))",
                 table, table);
    else
        snprintf(sql, sizeof(sql),
                 "CREATE VIRTUAL TABLE IF NOT EXISTS %s_fts USING fts5(folded, "
                 "tokenize = 'unicode61 remove_diacritics 0')",
                 table);
    return eg_exec_script(c, sql);
}

int eg_fts_put(eg_conn *c, const char *table, int64_t id, const char *folded)
{
    check_ident(table);
    if (eg_db_backend(eg_conn_db(c)) == EG_DB_POSTGRES)
        return EG_OK;
    char sql[160];
    snprintf(sql, sizeof(sql), "DELETE FROM %s_fts WHERE rowid = ?", table);
    int rc = eg_exec(c, NULL, sql, "l", id);
    if (rc)
        return rc;
    snprintf(sql, sizeof(sql), "INSERT INTO %s_fts (rowid, folded) VALUES (?, ?)", table);
    return eg_exec(c, NULL, sql, "lt", id, folded);
}

int eg_fts_delete(eg_conn *c, const char *table, int64_t id)
{
    check_ident(table);
    if (eg_db_backend(eg_conn_db(c)) == EG_DB_POSTGRES)
        return EG_OK;
    char sql[160];
    snprintf(sql, sizeof(sql), "DELETE FROM %s_fts WHERE rowid = ?", table);
    return eg_exec(c, NULL, sql, "l", id);
}

/* Splits folded text into words (runs of ASCII letters/digits and non-ASCII bytes) and
 * writes the backend's query syntax; returns the number of words (at most 16). */
static int build_query(const char *q, int pg, eg_buf *out)
{
    int n = 0;
    const unsigned char *p = (const unsigned char *)q;
    while (*p && n < 16) {
        while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p >= 0x80))
            p++;
        if (!*p)
            break;
        const unsigned char *s = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p >= 0x80)
            p++;
        if (n)
            eg_buf_puts(out, pg ? " & " : " AND ");
        if (!pg)
            eg_buf_putc(out, '"');
        eg_buf_append(out, s, (size_t)(p - s));
        eg_buf_puts(out, pg ? ":*" : "\"*");
        n++;
    }
    return n;
}

int eg_fts_search(eg_conn *c, const char *table, const char *folded_query, int limit, eg_stmt **out)
{
    check_ident(table);
    int pg = eg_db_backend(eg_conn_db(c)) == EG_DB_POSTGRES;
    eg_buf q = EG_BUF_INIT;
    if (build_query(folded_query, pg, &q) == 0) {
        eg_buf_free(&q);
        return EG_EINVAL;
    }
    char sql[400];
    if (pg)
        snprintf(sql, sizeof(sql),
                 "SELECT id, CAST(ts_rank(to_tsvector('simple', folded), "
                 "to_tsquery('simple', ?)) AS DOUBLE PRECISION) FROM %s WHERE "
                 "to_tsvector('simple', folded) @@ to_tsquery('simple', ?) ORDER BY 2 DESC "
                 "LIMIT ?",
                 table);
    else
        snprintf(sql, sizeof(sql),
                 "SELECT rowid, -bm25(%s_fts) FROM %s_fts WHERE %s_fts MATCH ? "
                 "ORDER BY bm25(%s_fts) LIMIT ?",
                 table, table, table, table);
    int rc = pg ? eg_query(c, out, sql, "tti", eg_buf_cstr(&q), eg_buf_cstr(&q), limit)
                : eg_query(c, out, sql, "ti", eg_buf_cstr(&q), limit);
    eg_buf_free(&q);
    return rc;
}
