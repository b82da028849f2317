/*
 * facts.c - the dossier module's fact table for statistics (read by src/reports through
 * dossier.h, never by SQL): one row per dossier in dossier_facts and three rollups of it:
 * dossier_fact_months_agency (month, agency, field, channel), dossier_fact_months and
 * dossier_fact_years (procedure first, then month/year, agency, field, channel).
 *
 * eg__ds_facts_sync(c, id) is the one hook: the transition recorder calls it after every
 * transition (and the rating handler after a rating), inside the caller's transaction. It
 * re-reads the dossier row, derives the fact, and moves the dossier's contribution in every
 * rollup from the old bucket/state to the new one, so each rollup always equals a GROUP BY of
 * the facts (the unit test checks exactly that).
 *
 * Queries: whole years (procedure rollup only) and whole months inside the range come from a
 * rollup; the partial months at the edges from the facts (covering indexes by day and by
 * agency); "overdue" depends on the clock so it is always counted from the facts through a
 * partial index on the dossiers in progress. Each branch is aggregated before the union.
 */
#include <stdlib.h>
#include "dossier/internal.h"

/* One fact as stored. */
typedef struct {
    char agency[64], procedure[64], field[64];
    int channel, status, state, rating;
    int32_t day; /* yyyymmdd */
    int64_t due_at, resolved_at;
} fact;

enum { ST_OPEN = 1, ST_ON_TIME = 2, ST_LATE = 3, ST_CLOSED = 4 };

static int32_t ymd_of_ms(int64_t ms)
{
    eg_tm t;
    eg_time_vn(ms, &t);
    return t.year * 10000 + t.month * 100 + t.day;
}

static void copy(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s ? s : "");
}

static int load_fact(eg_conn *c, int64_t id, fact *f)
{
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT agency_code, procedure_code, field, channel, received_day, status, "
                      "state, COALESCE(due_at, 0), COALESCE(resolved_at, 0), COALESCE(rating, 0) "
                      "FROM dossier_facts WHERE dossier_id = ?",
                      "l", id);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        copy(f->agency, sizeof f->agency, eg_col_text(st, 0));
        copy(f->procedure, sizeof f->procedure, eg_col_text(st, 1));
        copy(f->field, sizeof f->field, eg_col_text(st, 2));
        f->channel = (int)eg_col_int64(st, 3);
        f->day = (int32_t)eg_col_int64(st, 4);
        f->status = (int)eg_col_int64(st, 5);
        f->state = (int)eg_col_int64(st, 6);
        f->due_at = eg_col_int64(st, 7);
        f->resolved_at = eg_col_int64(st, 8);
        f->rating = (int)eg_col_int64(st, 9);
        rc = 0;
    } else if (rc == EG_DONE) {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(st);
    return rc;
}

/* "col = T.col + excluded.col" for every count column of rollup table T (a literal). */
#define ROLLUP_SET(T)                                                                              \
    "received = " T ".received + excluded.received, open_n = " T ".open_n + excluded.open_n, "     \
    "on_time = " T ".on_time + excluded.on_time, late = " T ".late + excluded.late, closed = " T   \
    ".closed + excluded.closed, rated = " T ".rated + excluded.rated, rating_sum = " T             \
    ".rating_sum + excluded.rating_sum, r1 = " T ".r1 + excluded.r1, r2 = " T                      \
    ".r2 + excluded.r2, r3 = " T ".r3 + excluded.r3, r4 = " T ".r4 + excluded.r4, r5 = " T         \
    ".r5 + excluded.r5"

/* Adds sign × the fact's contribution to its buckets in both rollups. */
static int bump(eg_conn *c, const fact *f, int sign)
{
    int64_t r[5] = {0};
    if (f->rating >= 1 && f->rating <= 5)
        r[f->rating - 1] = sign;
    int64_t v[7] = {sign,
                    f->state == ST_OPEN ? sign : 0,
                    f->state == ST_ON_TIME ? sign : 0,
                    f->state == ST_LATE ? sign : 0,
                    f->state == ST_CLOSED ? sign : 0,
                    f->rating ? sign : 0,
                    (int64_t)sign * f->rating};
    static const char *sql_a =
        "INSERT INTO dossier_fact_months_agency (month, agency_code, field, channel, received, "
        "open_n, on_time, late, closed, rated, rating_sum, r1, r2, r3, r4, r5) VALUES "
        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (month, agency_code, field, channel) DO "
        "UPDATE SET " ROLLUP_SET("dossier_fact_months_agency");
    static const char *sql_p =
        "INSERT INTO dossier_fact_months (month, agency_code, procedure_code, field, channel, "
        "received, open_n, on_time, late, closed, rated, rating_sum, r1, r2, r3, r4, r5) VALUES "
        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (procedure_code, month, agency_code, "
        "field, channel) DO UPDATE SET " ROLLUP_SET("dossier_fact_months");
    static const char *sql_y =
        "INSERT INTO dossier_fact_years (year, agency_code, procedure_code, field, channel, "
        "received, open_n, on_time, late, closed, rated, rating_sum, r1, r2, r3, r4, r5) VALUES "
        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (procedure_code, year, agency_code, "
        "field, channel) DO UPDATE SET " ROLLUP_SET("dossier_fact_years");
    int month = (int)(f->day / 100);
    int rc =
        eg_exec(c, NULL, sql_p, "itttillllllllllll", month, f->agency, f->procedure, f->field,
                f->channel, v[0], v[1], v[2], v[3], v[4], v[5], v[6], r[0], r[1], r[2], r[3], r[4]);
    if (!rc)
        rc = eg_exec(c, NULL, sql_a, "ittillllllllllll", month, f->agency, f->field, f->channel,
                     v[0], v[1], v[2], v[3], v[4], v[5], v[6], r[0], r[1], r[2], r[3], r[4]);
    if (!rc)
        rc = eg_exec(c, NULL, sql_y, "itttillllllllllll", month / 100, f->agency, f->procedure,
                     f->field, f->channel, v[0], v[1], v[2], v[3], v[4], v[5], v[6], r[0], r[1],
                     r[2], r[3], r[4]);
    return rc;
}

static void lookup_field(eg_conn *c, const char *procedure, char *out, size_t n)
{
    out[0] = 0;
#if DS_HAVE_CATALOG
    json_t *p = NULL;
    if (eg_catalog_procedure(c, procedure, &p) == 0 && p) {
        copy(out, n, eg_json_str(p, "field"));
        json_decref(p);
    }
#else
    (void)c, (void)procedure, (void)n;
#endif
}

int eg__ds_facts_sync(eg_conn *c, int64_t id)
{
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT handling_agency, procedure_code, channel, status, submitted_at, "
                      "COALESCE(due_at, 0), COALESCE(finished_at, 0), COALESCE(returned_at, 0), "
                      "overdue, COALESCE(rating, 0) FROM dossiers WHERE id = ?",
                      "l", id);
    if (rc)
        return rc;
    if (eg_step(st) != EG_ROW) {
        eg_stmt_done(st);
        return EG_ENOTFOUND;
    }
    fact nf, of;
    memset(&nf, 0, sizeof nf);
    copy(nf.agency, sizeof nf.agency, eg_col_text(st, 0));
    copy(nf.procedure, sizeof nf.procedure, eg_col_text(st, 1));
    nf.channel = (int)eg_col_int64(st, 2);
    nf.status = (int)eg_col_int64(st, 3);
    nf.day = ymd_of_ms(eg_col_int64(st, 4));
    nf.due_at = eg_col_int64(st, 5);
    int64_t finished = eg_col_int64(st, 6), returned = eg_col_int64(st, 7);
    int overdue = (int)eg_col_int64(st, 8);
    nf.rating = (int)eg_col_int64(st, 9);
    eg_stmt_done(st);

    int have = load_fact(c, id, &of);
    if (have && have != EG_ENOTFOUND)
        return have;
    have = have == 0;
    if (have)
        memcpy(nf.field, of.field, sizeof nf.field);
    else
        lookup_field(c, nf.procedure, nf.field, sizeof nf.field);

    switch (nf.status) {
    case EG_DS_REFUSED:
    case EG_DS_WITHDRAWN:
    case EG_DS_STOPPED:
        nf.state = ST_CLOSED;
        break;
    case EG_DS_DONE:
    case EG_DS_RETURNED:
        nf.state = ST_ON_TIME;
        break;
    default:
        nf.state = ST_OPEN;
    }
    if (nf.state != ST_OPEN) {
        if (have && of.state == nf.state && of.resolved_at)
            nf.resolved_at = of.resolved_at;
        else if (have && nf.state == ST_ON_TIME && (of.state == ST_ON_TIME || of.state == ST_LATE))
            nf.resolved_at = of.resolved_at;
        else
            nf.resolved_at = finished ? finished : returned ? returned : eg_now_ms();
    }
    if (nf.state == ST_ON_TIME && (overdue || (nf.due_at && nf.resolved_at > nf.due_at)))
        nf.state = ST_LATE;

    if (have && !strcmp(of.agency, nf.agency) && !strcmp(of.procedure, nf.procedure) &&
        of.channel == nf.channel && of.day == nf.day && of.status == nf.status &&
        of.state == nf.state && of.due_at == nf.due_at && of.resolved_at == nf.resolved_at &&
        of.rating == nf.rating)
        return 0;
    if (have)
        rc = bump(c, &of, -1);
    if (!rc)
        rc = bump(c, &nf, 1);
    if (!rc)
        rc = eg_exec(c, NULL,
                     "INSERT INTO dossier_facts (dossier_id, agency_code, procedure_code, field, "
                     "channel, received_day, status, state, due_at, resolved_at, rating) VALUES "
                     "(?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (dossier_id) DO UPDATE SET "
                     "agency_code = excluded.agency_code, procedure_code = "
                     "excluded.procedure_code, channel = excluded.channel, received_day = "
                     "excluded.received_day, status = excluded.status, state = excluded.state, "
                     "due_at = excluded.due_at, resolved_at = excluded.resolved_at, rating = "
                     "excluded.rating",
                     "ltttiiiilll", id, nf.agency, nf.procedure, nf.field, nf.channel, (int)nf.day,
                     nf.status, nf.state, nf.due_at ? nf.due_at : 0, nf.resolved_at,
                     (int64_t)nf.rating);
    return rc;
}

int eg_dossier_facts_backfill(eg_conn *c)
{
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT d.id FROM dossiers d WHERE NOT EXISTS (SELECT 1 FROM dossier_facts "
                      "f WHERE f.dossier_id = d.id) ORDER BY d.id",
                      "");
    if (rc)
        return rc;
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    while (eg_step(st) == EG_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            ids = realloc(ids, cap * sizeof *ids);
        }
        ids[n++] = eg_col_int64(st, 0);
    }
    eg_stmt_done(st);
    if (!n)
        return 0;
    rc = eg_tx_begin(c);
    for (size_t i = 0; !rc && i < n; i++)
        rc = eg__ds_facts_sync(c, ids[i]);
    free(ids);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    return rc ? rc : (int)n;
}

/* ------------------------------------------------------------------ queries */

/* Key expressions per group over the rollup (m) and the facts (f). */
static int key_sql(int group, const char **m, const char **f)
{
    switch (group) {
    case EG_DS_BY_NONE:
        *m = *f = "''";
        return 0;
    case EG_DS_BY_AGENCY:
        *m = *f = "agency_code";
        return 0;
    case EG_DS_BY_PROCEDURE:
        *m = *f = "procedure_code";
        return 0;
    case EG_DS_BY_FIELD:
        *m = *f = "field";
        return 0;
    case EG_DS_BY_CHANNEL:
        *m = *f = "CAST(channel AS TEXT)";
        return 0;
    case EG_DS_BY_DAY:
        *m = NULL;
        *f = "CAST(received_day AS TEXT)";
        return 0;
    case EG_DS_BY_MONTH:
        *m = "CAST(month AS TEXT)";
        *f = "CAST(received_day / 100 AS TEXT)";
        return 0;
    case EG_DS_BY_QUARTER:
        *m = "CAST((month / 100) * 10 + ((month % 100) + 2) / 3 AS TEXT)";
        *f = "CAST((received_day / 10000) * 10 + ((received_day / 100 % 100) + 2) / 3 AS TEXT)";
        return 0;
    case EG_DS_BY_YEAR:
        *m = "CAST(month / 100 AS TEXT)";
        *f = "CAST(received_day / 10000 AS TEXT)";
        return 0;
    }
    return EG_EINVAL;
}

/* Key expression over the yearly rollup; NULL for groups finer than a year. */
static const char *year_key(int group)
{
    switch (group) {
    case EG_DS_BY_NONE:
        return "''";
    case EG_DS_BY_AGENCY:
        return "agency_code";
    case EG_DS_BY_PROCEDURE:
        return "procedure_code";
    case EG_DS_BY_FIELD:
        return "field";
    case EG_DS_BY_CHANNEL:
        return "CAST(channel AS TEXT)";
    case EG_DS_BY_YEAR:
        return "CAST(year AS TEXT)";
    }
    return NULL;
}

/* Filter clause shared by all branches; binds are appended by bind_filters in this order. */
static void filters_sql(eg_buf *b, const eg_dossier_stats_query *q)
{
    if (q->agencies) {
        eg_buf_puts(b, " AND agency_code IN (");
        for (int i = 0; i < q->nagencies; i++)
            eg_buf_puts(b, i ? ",?" : "?");
        if (!q->nagencies)
            eg_buf_puts(b, "NULL");
        eg_buf_puts(b, ")");
    }
    if (q->procedure_code)
        eg_buf_puts(b, " AND procedure_code = ?");
    if (q->field)
        eg_buf_puts(b, " AND field = ?");
    if (q->channel)
        eg_buf_puts(b, " AND channel = ?");
}

static int bind_filters(eg_stmt *st, int *idx, const eg_dossier_stats_query *q)
{
    int rc = 0;
    if (q->agencies)
        for (int i = 0; !rc && i < q->nagencies; i++)
            rc = eg_bind_text(st, (*idx)++, q->agencies[i], -1);
    if (!rc && q->procedure_code)
        rc = eg_bind_text(st, (*idx)++, q->procedure_code, -1);
    if (!rc && q->field)
        rc = eg_bind_text(st, (*idx)++, q->field, -1);
    if (!rc && q->channel)
        rc = eg_bind_int64(st, (*idx)++, q->channel);
    return rc;
}

static int32_t last_of_month(int32_t ym)
{
    int y = ym / 100, m = ym % 100;
    int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
    int yy, mm, dd;
    eg_civil_from_days(eg_days_from_civil(ny, nm, 1) - 1, &yy, &mm, &dd);
    return yy * 10000 + mm * 100 + dd;
}

static int ymd_ok(int32_t v)
{
    return eg_date_valid(v / 10000, v / 100 % 100, v % 100);
}

/* Each branch is aggregated by key before the union (far fewer rows to merge). */
static const char *FACT_SUMS =
    "COUNT(*) AS a, SUM(CASE WHEN state = 1 THEN 1 ELSE 0 END) AS b, "
    "SUM(CASE WHEN state = 2 THEN 1 ELSE 0 END) AS c, "
    "SUM(CASE WHEN state = 3 THEN 1 ELSE 0 END) AS d, "
    "SUM(CASE WHEN state = 4 THEN 1 ELSE 0 END) AS e, "
    "SUM(CASE WHEN rating > 0 THEN 1 ELSE 0 END) AS f, SUM(COALESCE(rating, 0)) AS g, "
    "SUM(CASE WHEN rating = 1 THEN 1 ELSE 0 END) AS h1, "
    "SUM(CASE WHEN rating = 2 THEN 1 ELSE 0 END) AS h2, "
    "SUM(CASE WHEN rating = 3 THEN 1 ELSE 0 END) AS h3, "
    "SUM(CASE WHEN rating = 4 THEN 1 ELSE 0 END) AS h4, "
    "SUM(CASE WHEN rating = 5 THEN 1 ELSE 0 END) AS h5, 0 AS o";

int eg_dossier_stats(eg_conn *c, const eg_dossier_stats_query *q, eg_dossier_stats_fn fn, void *ctx)
{
    const char *km, *kf;
    if (key_sql(q->group, &km, &kf))
        return EG_EINVAL;
    int32_t from = q->from_day ? q->from_day : 10000101, to = q->to_day ? q->to_day : 99991231;
    if (!ymd_ok(from) || !ymd_ok(to) || from > to)
        return EG_EINVAL;
    /* months wholly inside [from, to] come from the rollup (not for per-day groups) */
    int32_t fm = from / 100, tm = to / 100;
    int32_t m1 = from % 100 == 1 ? fm : (fm % 100 == 12 ? (fm / 100 + 1) * 100 + 1 : fm + 1);
    int32_t m2 =
        to == last_of_month(tm) ? tm : (tm % 100 == 1 ? (tm / 100 - 1) * 100 + 12 : tm - 1);
    int use_months = km && m1 <= m2;
    /* fact ranges: [from, to] without months; else the partial months at both edges */
    int32_t rg[2][2] = {{from, to}, {1, 0}};
    if (use_months) {
        rg[0][0] = from;
        rg[0][1] = m1 == fm ? 0 : last_of_month(fm);
        rg[1][0] = tm * 100 + 1;
        rg[1][1] = m2 == tm ? 0 : to;
    }

    /* the small rollup (no procedure) serves everything but procedure groups and filters;
     * the procedure rollup has a yearly level for the whole years inside the months */
    int by_proc = q->group == EG_DS_BY_PROCEDURE || q->procedure_code != NULL;
    const char *rollup = by_proc ? "dossier_fact_months" : "dossier_fact_months_agency";
    const char *ky = year_key(q->group);
    int32_t mr[2][2] = {{m1, m2}, {1, 0}}, yr[2] = {1, 0};
    if (use_months && by_proc && ky) {
        int32_t y1 = m1 % 100 == 1 ? m1 / 100 : m1 / 100 + 1;
        int32_t y2 = m2 % 100 == 12 ? m2 / 100 : m2 / 100 - 1;
        if (y1 <= y2) {
            yr[0] = y1;
            yr[1] = y2;
            mr[0][1] = (y1 - 1) * 100 + 12;
            mr[1][0] = (y2 + 1) * 100 + 1;
            mr[1][1] = m2;
        }
    }

    eg_buf sql = EG_BUF_INIT;
    eg_buf_puts(&sql, "SELECT k, SUM(a), SUM(b), SUM(c), SUM(d), SUM(e), SUM(f), SUM(g), SUM(h1), "
                      "SUM(h2), SUM(h3), SUM(h4), SUM(h5), SUM(o) FROM (");
    for (int i = 0; use_months && i < 3; i++) {
        if (i < 2 ? mr[i][0] > mr[i][1] : yr[0] > yr[1])
            continue;
        eg_buf_printf(&sql,
                      "SELECT %s AS k, SUM(received) AS a, SUM(open_n) AS b, SUM(on_time) AS c, "
                      "SUM(late) AS d, SUM(closed) AS e, SUM(rated) AS f, SUM(rating_sum) AS g, "
                      "SUM(r1) AS h1, SUM(r2) AS h2, SUM(r3) AS h3, SUM(r4) AS h4, SUM(r5) AS h5, "
                      "0 AS o FROM %s WHERE %s >= ? AND %s <= ?",
                      i < 2 ? km : ky, i < 2 ? rollup : "dossier_fact_years",
                      i < 2 ? "month" : "year", i < 2 ? "month" : "year");
        filters_sql(&sql, q);
        eg_buf_puts(&sql, " GROUP BY 1 UNION ALL ");
    }
    for (int i = 0; i < 2; i++) {
        if (rg[i][0] > rg[i][1])
            continue;
        eg_buf_printf(&sql,
                      "SELECT %s AS k, %s FROM dossier_facts WHERE received_day >= ? AND "
                      "received_day <= ?",
                      kf, FACT_SUMS);
        filters_sql(&sql, q);
        eg_buf_puts(&sql, " GROUP BY 1 UNION ALL ");
    }
    eg_buf_printf(&sql,
                  "SELECT %s AS k, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*) FROM "
                  "dossier_facts WHERE state = 1 AND due_at > 0 AND due_at < ? AND "
                  "received_day >= ? AND received_day <= ?",
                  kf);
    filters_sql(&sql, q);
    eg_buf_puts(&sql, " GROUP BY 1) t GROUP BY k ORDER BY k");

    eg_stmt *st;
    int rc = eg_prepare(c, eg_buf_cstr(&sql), &st);
    eg_buf_free(&sql);
    if (rc)
        return rc;
    int idx = 1;
    for (int i = 0; !rc && use_months && i < 3; i++) {
        if (i < 2 ? mr[i][0] > mr[i][1] : yr[0] > yr[1])
            continue;
        rc = eg_bind_int64(st, idx++, i < 2 ? mr[i][0] : yr[0]);
        if (!rc)
            rc = eg_bind_int64(st, idx++, i < 2 ? mr[i][1] : yr[1]);
        if (!rc)
            rc = bind_filters(st, &idx, q);
    }
    for (int i = 0; !rc && i < 2; i++) {
        if (rg[i][0] > rg[i][1])
            continue;
        rc = eg_bind_int64(st, idx++, rg[i][0]);
        if (!rc)
            rc = eg_bind_int64(st, idx++, rg[i][1]);
        if (!rc)
            rc = bind_filters(st, &idx, q);
    }
    if (!rc)
        rc = eg_bind_int64(st, idx++, q->now_ms);
    if (!rc)
        rc = eg_bind_int64(st, idx++, from);
    if (!rc)
        rc = eg_bind_int64(st, idx++, to);
    if (!rc)
        rc = bind_filters(st, &idx, q);
    if (rc) {
        eg_stmt_done(st);
        return rc;
    }
    char key[80];
    while ((rc = eg_step(st)) == EG_ROW) {
        eg_dossier_stats_row row;
        memset(&row, 0, sizeof row);
        const char *k = eg_col_text(st, 0);
        k = k ? k : "";
        if (q->group == EG_DS_BY_DAY && strlen(k) == 8)
            snprintf(key, sizeof key, "%.4s-%.2s-%.2s", k, k + 4, k + 6);
        else if (q->group == EG_DS_BY_MONTH && strlen(k) == 6)
            snprintf(key, sizeof key, "%.4s-%.2s", k, k + 4);
        else if (q->group == EG_DS_BY_QUARTER && strlen(k) == 5)
            snprintf(key, sizeof key, "%.4s-Q%.1s", k, k + 4);
        else
            copy(key, sizeof key, k);
        row.key = key;
        row.received = eg_col_int64(st, 1);
        row.in_progress = eg_col_int64(st, 2);
        row.on_time = eg_col_int64(st, 3);
        row.late = eg_col_int64(st, 4);
        row.closed = eg_col_int64(st, 5);
        row.rated = eg_col_int64(st, 6);
        row.rating_sum = eg_col_int64(st, 7);
        for (int i = 0; i < 5; i++)
            row.ratings[i] = eg_col_int64(st, 8 + i);
        row.overdue = eg_col_int64(st, 13);
        if (!row.received && !row.overdue)
            continue; /* a rollup bucket emptied by transfers */
        int stop = fn(ctx, &row);
        if (stop) {
            eg_stmt_done(st);
            return stop;
        }
    }
    eg_stmt_done(st);
    return rc == EG_DONE ? 0 : rc;
}

int eg_dossier_stats_agencies(eg_conn *c, eg_arena *a, const char ***out, int *n)
{
    eg_stmt *st;
    int rc =
        eg_query(c, &st,
                 "SELECT DISTINCT agency_code FROM dossier_fact_months_agency WHERE received > 0 "
                 "ORDER BY agency_code",
                 "");
    if (rc)
        return rc;
    int cap = 16, k = 0;
    const char **v = eg_arena_alloc(a, (size_t)cap * sizeof *v);
    while (eg_step(st) == EG_ROW) {
        if (k == cap) {
            const char **nv = eg_arena_alloc(a, (size_t)cap * 2 * sizeof *v);
            memcpy(nv, v, (size_t)cap * sizeof *v);
            v = nv;
            cap *= 2;
        }
        v[k++] = eg_arena_strdup(a, eg_col_text(st, 0));
    }
    eg_stmt_done(st);
    *out = v;
    *n = k;
    return 0;
}

#define SUMS_SQL                                                                                   \
    "COUNT(*), SUM(CASE WHEN state = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN state = 2 THEN 1 ELSE 0 " \
    "END), SUM(CASE WHEN state = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN state = 4 THEN 1 ELSE 0 "     \
    "END), SUM(CASE WHEN rating > 0 THEN 1 ELSE 0 END), SUM(COALESCE(rating, 0)), SUM(CASE WHEN "  \
    "rating = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN rating = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN "   \
    "rating = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN rating = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN "   \
    "rating = 5 THEN 1 ELSE 0 END)"
#define COUNT_COLS "received, open_n, on_time, late, closed, rated, rating_sum, r1, r2, r3, r4, r5"

int eg__ds_facts_rebuild(eg_conn *c)
{
    int rc = eg_exec(c, NULL, "DELETE FROM dossier_fact_months", "");
    if (!rc)
        rc = eg_exec(c, NULL, "DELETE FROM dossier_fact_months_agency", "");
    if (!rc)
        rc = eg_exec(c, NULL, "DELETE FROM dossier_fact_years", "");
    if (!rc)
        rc = eg_exec(c, NULL,
                     "INSERT INTO dossier_fact_months (month, agency_code, procedure_code, field, "
                     "channel, " COUNT_COLS ") SELECT received_day / 100, agency_code, "
                     "procedure_code, field, channel, " SUMS_SQL " FROM dossier_facts GROUP BY "
                     "received_day / 100, agency_code, procedure_code, field, channel",
                     "");
    if (!rc)
        rc = eg_exec(c, NULL,
                     "INSERT INTO dossier_fact_months_agency (month, agency_code, field, "
                     "channel, " COUNT_COLS
                     ") SELECT month, agency_code, field, channel, SUM(received), "
                     "SUM(open_n), SUM(on_time), SUM(late), SUM(closed), SUM(rated), "
                     "SUM(rating_sum), SUM(r1), SUM(r2), SUM(r3), SUM(r4), SUM(r5) FROM "
                     "dossier_fact_months GROUP BY month, agency_code, field, channel",
                     "");
    if (!rc)
        rc = eg_exec(c, NULL,
                     "INSERT INTO dossier_fact_years (year, agency_code, procedure_code, field, "
                     "channel, " COUNT_COLS ") SELECT month / 100, agency_code, procedure_code, "
                     "field, channel, SUM(received), SUM(open_n), SUM(on_time), SUM(late), "
                     "SUM(closed), SUM(rated), SUM(rating_sum), SUM(r1), SUM(r2), SUM(r3), "
                     "SUM(r4), SUM(r5) FROM dossier_fact_months GROUP BY month / 100, "
                     "agency_code, procedure_code, field, channel",
                     "");
    return rc;
}

/* ------------------------------------------------------------------ bench seed */

static uint64_t rnd(uint64_t *s)
{
    /* splitmix64: deterministic, good enough for synthetic data */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int eg_dossier_facts_bench_seed(eg_conn *c, int64_t n, uint64_t seed, int32_t end_day, int clear)
{
    if (n < 0 || !ymd_ok(end_day))
        return EG_EINVAL;
    int rc = eg_tx_begin(c);
    if (rc)
        return rc;
    if (clear)
        rc = eg_exec(c, NULL, "DELETE FROM dossier_facts WHERE dossier_id < 0", "");
    int64_t base = 0;
    if (!rc)
        rc = eg_query_int64(c, &base, "SELECT COALESCE(MIN(dossier_id), 0) FROM dossier_facts", "");
    if (base > 0)
        base = 0;
    int32_t end = eg_days_from_civil(end_day / 10000, end_day / 100 % 100, end_day % 100);
    const int ndays = 3 * 365, nagency = 60, nproc = 600, nfield = 40;
    static const char *INS =
        "INSERT INTO dossier_facts (dossier_id, agency_code, procedure_code, field, channel, "
        "received_day, status, state, due_at, resolved_at, rating) VALUES "
        "(?,?,?,?,?,?,?,?,?,?,?)";
    for (int64_t i = 0; !rc && i < n; i++) {
        uint64_t r = rnd(&seed);
        int proc = (int)(r % nproc);
        int agency = proc % nagency;
        int field = proc % nfield;
        int ch = (int)((r >> 10) % 100);
        int channel = ch < 62 ? 2 : ch < 95 ? 1 : 3;
        int32_t day = end - (int32_t)((r >> 20) % ndays);
        int y, m, d;
        eg_civil_from_days(day, &y, &m, &d);
        int64_t recv = (int64_t)day * 86400000LL + 2 * 3600000LL;
        int64_t due = recv + (int64_t)(5 + proc % 25) * 86400000LL;
        int roll = (int)((r >> 32) % 1000);
        int age = end - day;
        int status, state, rating = 0;
        int64_t resolved = 0;
        if (age < 30 ? roll < 500 : roll < 15) {
            status = roll % 3 == 0 ? EG_DS_SUPPLEMENT : EG_DS_PROCESSING;
            state = ST_OPEN;
        } else if (roll >= 960) {
            status = roll % 3 == 0   ? EG_DS_REFUSED
                     : roll % 3 == 1 ? EG_DS_WITHDRAWN
                                     : EG_DS_STOPPED;
            state = ST_CLOSED;
            resolved = recv + 86400000LL;
        } else {
            status = roll % 4 ? EG_DS_RETURNED : EG_DS_DONE;
            int late = roll >= 860;
            state = late ? ST_LATE : ST_ON_TIME;
            resolved = late ? due + 3 * 86400000LL : due - 2 * 86400000LL;
            int rr = (int)((r >> 44) % 100);
            if (status == EG_DS_RETURNED && rr < 45)
                rating = rr < 3 ? 1 : rr < 6 ? 2 : rr < 12 ? 3 : rr < 27 ? 4 : 5;
        }
        char ag[16], pc[32], fd[16];
        snprintf(ag, sizeof ag, "000.00.%02d.H61", 20 + agency);
        snprintf(pc, sizeof pc, "9.%06d.000.00.00.H61", proc);
        snprintf(fd, sizeof fd, "linhvuc%02d", field);
        eg_stmt *st;
        rc = eg_prepare(c, INS, &st);
        if (rc)
            break;
        rc = eg_bind_int64(st, 1, base - 1 - i);
        rc = rc ? rc : eg_bind_text(st, 2, ag, -1);
        rc = rc ? rc : eg_bind_text(st, 3, pc, -1);
        rc = rc ? rc : eg_bind_text(st, 4, fd, -1);
        rc = rc ? rc : eg_bind_int64(st, 5, channel);
        rc = rc ? rc : eg_bind_int64(st, 6, y * 10000 + m * 100 + d);
        rc = rc ? rc : eg_bind_int64(st, 7, status);
        rc = rc ? rc : eg_bind_int64(st, 8, state);
        rc = rc ? rc : eg_bind_int64(st, 9, due);
        rc = rc ? rc : (resolved ? eg_bind_int64(st, 10, resolved) : eg_bind_null(st, 10));
        rc = rc ? rc : (rating ? eg_bind_int64(st, 11, rating) : eg_bind_null(st, 11));
        if (!rc) {
            int s = eg_step(st);
            rc = s == EG_DONE ? 0 : s;
        }
        eg_stmt_done(st);
    }
    /* the rollups are rebuilt from all facts (real and synthetic) */
    if (!rc)
        rc = eg__ds_facts_rebuild(c);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    return eg_tx_commit(c);
}
