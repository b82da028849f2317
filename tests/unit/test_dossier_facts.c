/* Unit tests for src/dossier/facts.c (the statistics fact table behind src/reports):
 *  - eg_dossier_stats equals a naive count over the fact rows for many ranges (whole months
 *    from the rollup, partial months at the edges from the facts, single days, unbounded),
 *    every grouping, with and without an agency / channel filter;
 *  - eg__ds_facts_sync keeps the monthly rollup equal to a GROUP BY of the facts through a
 *    dossier's life (submission, acceptance, resolution late, rating, transfer, withdrawal);
 *  - bad ranges are EG_EINVAL.
 * Runs on SQLite and, when EGOV_TEST_PG is set, on PostgreSQL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "pg_schema.h"
#include "dossier/internal.h"

const struct eg_module *const eg_modules[] = {NULL};
static const char *const modules[] = {"catalog", "dossier", NULL};

struct fixture {
    char dir[64];
    eg_db *db;
};

static int setup_backend(void **state, const char *pg)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-facts-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char url[512], err[256];
    if (pg) {
        if (pg_private_url(pg, "dossier_facts", url, sizeof(url)))
            return -1;
    } else
        snprintf(url, sizeof(url), "sqlite:%s/egov.db", f->dir);
    if (eg_db_open(url, &f->db, err, sizeof(err)) != EG_OK)
        return -1;
    int applied = 0;
    if (eg_migrate(f->db, modules, &applied, err, sizeof(err)) != EG_OK) {
        fprintf(stderr, "migrate: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup_backend(state, NULL);
}

static int setup_pg(void **state)
{
    return setup_backend(state, getenv("EGOV_TEST_PG"));
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    eg_db_close(f->db);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd)) {
    }
    free(f);
    return 0;
}

static void assert_rollup_consistent(eg_conn *c);

/* ---- naive reference: every fact row in memory */

typedef struct {
    char agency[16], procedure[32], field[16];
    int channel, day, state, rating;
    int64_t due;
} nfact;

static nfact *all_facts(eg_conn *c, int *n)
{
    eg_stmt *st;
    assert_int_equal(eg_query(c, &st,
                              "SELECT agency_code, channel, received_day, state, rating, due_at, "
                              "procedure_code, field FROM dossier_facts",
                              ""),
                     0);
    int cap = 1024, k = 0;
    nfact *v = malloc((size_t)cap * sizeof *v);
    while (eg_step(st) == EG_ROW) {
        if (k == cap)
            v = realloc(v, (size_t)(cap *= 2) * sizeof *v);
        snprintf(v[k].agency, sizeof v[k].agency, "%s", eg_col_text(st, 0));
        v[k].channel = (int)eg_col_int64(st, 1);
        v[k].day = (int)eg_col_int64(st, 2);
        v[k].state = (int)eg_col_int64(st, 3);
        v[k].rating = eg_col_is_null(st, 4) ? 0 : (int)eg_col_int64(st, 4);
        v[k].due = eg_col_is_null(st, 5) ? 0 : eg_col_int64(st, 5);
        snprintf(v[k].procedure, sizeof v[k].procedure, "%s", eg_col_text(st, 6));
        snprintf(v[k].field, sizeof v[k].field, "%s", eg_col_text(st, 7));
        k++;
    }
    eg_stmt_done(st);
    *n = k;
    return v;
}

static void key_of(int group, const nfact *x, char *out, size_t n)
{
    int d = x->day;
    switch (group) {
    case EG_DS_BY_AGENCY:
        snprintf(out, n, "%s", x->agency);
        break;
    case EG_DS_BY_CHANNEL:
        snprintf(out, n, "%d", x->channel);
        break;
    case EG_DS_BY_PROCEDURE:
        snprintf(out, n, "%s", x->procedure);
        break;
    case EG_DS_BY_FIELD:
        snprintf(out, n, "%s", x->field);
        break;
    case EG_DS_BY_MONTH:
        snprintf(out, n, "%04d-%02d", d / 10000, d / 100 % 100);
        break;
    case EG_DS_BY_QUARTER:
        snprintf(out, n, "%04d-Q%d", d / 10000, (d / 100 % 100 + 2) / 3);
        break;
    case EG_DS_BY_YEAR:
        snprintf(out, n, "%04d", d / 10000);
        break;
    case EG_DS_BY_DAY:
        snprintf(out, n, "%04d-%02d-%02d", d / 10000, d / 100 % 100, d % 100);
        break;
    default:
        snprintf(out, n, "%s", "");
    }
}

typedef struct {
    char key[32];
    int64_t v[8]; /* received, open, overdue, on_time, late, closed, rated, rating_sum */
} agg;

typedef struct {
    agg rows[4096];
    int n;
} aggs;

static agg *find(aggs *a, const char *key)
{
    for (int i = 0; i < a->n; i++)
        if (!strcmp(a->rows[i].key, key))
            return &a->rows[i];
    assert_true(a->n < 4096);
    agg *r = &a->rows[a->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->key, sizeof r->key, "%s", key);
    return r;
}

static int collect(void *ctx, const eg_dossier_stats_row *x)
{
    agg *r = find(ctx, x->key);
    int64_t v[8] = {x->received, x->in_progress, x->overdue, x->on_time,
                    x->late,     x->closed,      x->rated,   x->rating_sum};
    memcpy(r->v, v, sizeof v);
    return 0;
}

static void check_query(eg_conn *c, const nfact *facts, int nf, int group, int from, int to,
                        const char *agency, int channel, const char *procedure, int64_t now)
{
    aggs *want = calloc(1, sizeof *want), *got = calloc(1, sizeof *got);
    for (int i = 0; i < nf; i++) {
        const nfact *x = &facts[i];
        if ((from && x->day < from) || (to && x->day > to))
            continue;
        if ((agency && strcmp(agency, x->agency)) || (channel && channel != x->channel) ||
            (procedure && strcmp(procedure, x->procedure)))
            continue;
        char k[32];
        key_of(group, x, k, sizeof k);
        agg *r = find(want, k);
        r->v[0]++;
        r->v[1] += x->state == 1;
        r->v[2] += x->state == 1 && x->due > 0 && x->due < now;
        r->v[3] += x->state == 2;
        r->v[4] += x->state == 3;
        r->v[5] += x->state == 4;
        r->v[6] += x->rating > 0;
        r->v[7] += x->rating;
    }
    const char *one[1] = {agency};
    eg_dossier_stats_query q = {.group = group,
                                .from_day = from,
                                .to_day = to,
                                .agencies = agency ? one : NULL,
                                .nagencies = agency ? 1 : 0,
                                .channel = channel,
                                .procedure_code = procedure,
                                .now_ms = now};
    assert_int_equal(eg_dossier_stats(c, &q, collect, got), 0);
    if (want->n != got->n)
        fprintf(stderr, "group %d range %d..%d agency %s: %d groups, want %d\n", group, from, to,
                agency ? agency : "-", got->n, want->n);
    assert_int_equal(got->n, want->n);
    for (int i = 0; i < want->n; i++) {
        agg *g = find(got, want->rows[i].key);
        for (int j = 0; j < 8; j++) {
            if (g->v[j] != want->rows[i].v[j])
                fprintf(stderr, "group %d range %d..%d key %s col %d: %lld, want %lld\n", group,
                        from, to, want->rows[i].key, j, (long long)g->v[j],
                        (long long)want->rows[i].v[j]);
            assert_int_equal(g->v[j], want->rows[i].v[j]);
        }
    }
    free(want);
    free(got);
}

static void stats_match_naive_counts(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->db);
    assert_int_equal(eg_dossier_facts_bench_seed(c, 4000, 7, 20261127, 1), 0);
    assert_rollup_consistent(c);
    int nf = 0;
    nfact *facts = all_facts(c, &nf);
    assert_int_equal(nf, 4000);
    int64_t now = (int64_t)eg_days_from_civil(2026, 11, 20) * 86400000LL;
    static const int ranges[][2] = {
        {0, 0},
        {20250101, 20251231},
        {20250115, 20251220},
        {20250201, 20250228},
        {20250210, 20250211},
        {20241231, 20250101},
        {20250131, 20250301},
        {20251215, 20260114},
        {20240301, 20240331},
        {20260501, 0},
        {0, 20240615},
        {20261127, 20261127},
        {20240101, 20251231},
        {20231215, 20260110},
        {20240201, 20260331},
    };
    static const int groups[] = {EG_DS_BY_NONE,      EG_DS_BY_AGENCY,  EG_DS_BY_CHANNEL,
                                 EG_DS_BY_MONTH,     EG_DS_BY_QUARTER, EG_DS_BY_YEAR,
                                 EG_DS_BY_PROCEDURE, EG_DS_BY_FIELD};
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
        for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
            int from = ranges[r][0], to = ranges[r][1], gr = groups[g];
            check_query(c, facts, nf, gr, from, to, NULL, 0, NULL, now);
            check_query(c, facts, nf, gr, from, to, "000.00.24.H61", 0, NULL, now);
            check_query(c, facts, nf, gr, from, to, NULL, 2, NULL, now);
            check_query(c, facts, nf, gr, from, to, NULL, 0, "9.000004.000.00.00.H61", now);
        }
    check_query(c, facts, nf, EG_DS_BY_DAY, 20250110, 20250305, NULL, 0, NULL, now);
    free(facts);

    eg_dossier_stats_query bad = {.group = EG_DS_BY_AGENCY, .from_day = 20250230};
    assert_int_equal(eg_dossier_stats(c, &bad, collect, NULL), EG_EINVAL);
    bad.from_day = 20250301;
    bad.to_day = 20250201;
    assert_int_equal(eg_dossier_stats(c, &bad, collect, NULL), EG_EINVAL);
    bad.to_day = 0;
    bad.group = 99;
    assert_int_equal(eg_dossier_stats(c, &bad, collect, NULL), EG_EINVAL);
}

/* Each rollup equals a GROUP BY of the facts (rows with all-zero counts ignored). */
static void assert_rollup_consistent(eg_conn *c)
{
    static const char *const keys[] = {"agency_code, procedure_code, field, channel",
                                       "agency_code, field, channel",
                                       "agency_code, procedure_code, field, channel"};
    static const char *const tables[] = {"dossier_fact_months", "dossier_fact_months_agency",
                                         "dossier_fact_years"};
    static const char *const periods[] = {"month", "month", "year"};
    static const char *const divs[] = {"100", "100", "10000"};
    static const char *const joins[] = {
        "g.agency_code = m.agency_code AND g.procedure_code = m.procedure_code AND g.field = "
        "m.field AND g.channel = m.channel",
        "g.agency_code = m.agency_code AND g.field = m.field AND g.channel = m.channel",
        "g.agency_code = m.agency_code AND g.procedure_code = m.procedure_code AND g.field = "
        "m.field AND g.channel = m.channel"};
    for (int i = 0; i < 3; i++) {
        char sql[3000];
        snprintf(sql, sizeof sql,
                 "SELECT COUNT(*) FROM (SELECT received_day / %s AS p, %s, COUNT(*) AS "
                 "received, SUM(CASE WHEN state = 1 THEN 1 ELSE 0 END) AS open_n, SUM(CASE WHEN "
                 "state = 2 THEN 1 ELSE 0 END) AS on_time, SUM(CASE WHEN state = 3 THEN 1 ELSE 0 "
                 "END) AS late, SUM(CASE WHEN state = 4 THEN 1 ELSE 0 END) AS closed, "
                 "SUM(COALESCE(rating, 0)) AS rating_sum FROM dossier_facts GROUP BY "
                 "received_day / %s, %s) g FULL OUTER JOIN (SELECT * FROM %s WHERE received <> 0 "
                 "OR open_n <> 0 OR on_time <> 0 OR late <> 0 OR closed <> 0 OR rating_sum <> 0) "
                 "m ON g.p = m.%s AND %s WHERE g.p IS NULL OR m.%s IS NULL OR "
                 "g.received <> m.received OR g.open_n <> m.open_n OR g.on_time <> m.on_time OR "
                 "g.late <> m.late OR g.closed <> m.closed OR g.rating_sum <> m.rating_sum",
                 divs[i], keys[i], divs[i], keys[i], tables[i], periods[i], joins[i], periods[i]);
        int64_t diff = -1;
        assert_int_equal(eg_query_int64(c, &diff, sql, ""), 0);
        assert_int_equal(diff, 0);
    }
}

static void set_status(eg_conn *c, int64_t id, const char *sets)
{
    char sql[512];
    snprintf(sql, sizeof sql, "UPDATE dossiers SET %s WHERE id = ?", sets);
    assert_int_equal(eg_exec(c, NULL, sql, "l", id), 0);
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg__ds_facts_sync(c, id), 0);
    assert_int_equal(eg_tx_commit(c), 0);
    assert_rollup_consistent(c);
}

static int64_t new_dossier(eg_conn *c, const char *code, int64_t submitted, int channel)
{
    int64_t id = 0;
    assert_int_equal(eg_query_int64(c, &id,
                                    "INSERT INTO dossiers (code, agency_code, day, seq, "
                                    "handling_agency, procedure_code, procedure_name, "
                                    "processing_days, channel, status, applicant, components, "
                                    "submitted_at, created_by) VALUES (?, '000.00.11.H61', "
                                    "'260302', ?, '000.00.04.H61', 'P1', 'Thủ tục', 10, ?, 1, "
                                    "'{}', '[]', ?, 'test') RETURNING id",
                                    "tiil", code, (int)code[0], channel, submitted),
                     0);
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg__ds_facts_sync(c, id), 0);
    assert_int_equal(eg_tx_commit(c), 0);
    assert_rollup_consistent(c);
    return id;
}

static void sync_keeps_rollup_in_step(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->db);
    assert_int_equal(eg_exec(c, NULL, "DELETE FROM dossier_facts", ""), 0);
    assert_int_equal(eg_exec(c, NULL, "DELETE FROM dossier_fact_months", ""), 0);
    assert_int_equal(eg_exec(c, NULL, "DELETE FROM dossier_fact_months_agency", ""), 0);
    assert_int_equal(eg_exec(c, NULL, "DELETE FROM dossier_fact_years", ""), 0);
    int64_t t0 = (int64_t)eg_days_from_civil(2026, 3, 2) * 86400000LL + 2 * 3600000LL;
    int64_t a = new_dossier(c, "A", t0, 2);
    int64_t b = new_dossier(c, "B", t0 + 86400000LL * 30, 1);
    char sets[256];
    snprintf(sets, sizeof sets, "status = 4, received_at = %lld, due_at = %lld", (long long)t0,
             (long long)(t0 + 86400000LL));
    set_status(c, a, sets);
    set_status(c, a, "status = 9"); /* resolved "now" (after the due date): late */
    snprintf(sets, sizeof sets, "status = 10, returned_at = %lld", (long long)eg_now_ms());
    set_status(c, a, sets);
    set_status(c, a, "rating = 4");
    set_status(c, a, "handling_agency = '000.00.05.H61'"); /* transfer moves the bucket */
    set_status(c, b, "status = 7");
    eg_dossier_stats_row sum = {0};
    eg_dossier_stats_query q = {.group = EG_DS_BY_AGENCY, .now_ms = eg_now_ms()};
    aggs *got = calloc(1, sizeof *got);
    assert_int_equal(eg_dossier_stats(c, &q, collect, got), 0);
    assert_int_equal(got->n, 2);
    agg *xa = find(got, "000.00.05.H61"), *xb = find(got, "000.00.04.H61");
    /* received, open, overdue, on_time, late, closed, rated, rating_sum */
    int64_t wa[8] = {1, 0, 0, 0, 1, 0, 1, 4}, wb[8] = {1, 0, 0, 0, 0, 1, 0, 0};
    for (int j = 0; j < 8; j++) {
        assert_int_equal(xa->v[j], wa[j]);
        assert_int_equal(xb->v[j], wb[j]);
    }
    (void)sum;
    free(got);
    /* the public agencies list only names agencies with dossiers */
    eg_arena *ar = eg_arena_new(0);
    const char **ag;
    int n;
    assert_int_equal(eg_dossier_stats_agencies(c, ar, &ag, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ag[0], "000.00.04.H61");
    eg_arena_free(ar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(stats_match_naive_counts, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(sync_keeps_rollup_in_step, setup_sqlite, teardown),
    };
    int rc = cmocka_run_group_tests_name("dossier_facts_sqlite", tests, NULL, NULL);
    if (getenv("EGOV_TEST_PG")) {
        const struct CMUnitTest pg[] = {
            cmocka_unit_test_setup_teardown(stats_match_naive_counts, setup_pg, teardown),
            cmocka_unit_test_setup_teardown(sync_keeps_rollup_in_step, setup_pg, teardown),
        };
        rc |= cmocka_run_group_tests_name("dossier_facts_pg", pg, NULL, NULL);
    }
    return rc;
}
