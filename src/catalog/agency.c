/*
 * agency.c - agencies (cơ quan, đơn vị) with QCVN 102 identifier codes, kept as versions
 * with validity dates: a rename or merger closes one version and opens the next, a retired
 * code points at its successor. Records elsewhere keep the code they were written with;
 * eg_catalog_agency_resolve() says what that code means today.
 *
 * An in-memory index of every version (a few hundred rows) answers hierarchy and successor
 * questions for identity's authorisation checks without touching the database; it is
 * reloaded after each organisation change.
 */
#include <string.h>
#include <stdlib.h>
#include "catalog/catalog.h"
#include "catalog/internal.h"
#include "identity/identity.h"

eg_app *eg__catalog_app(void);

/* ------------------------------------------------------------------ in-memory index */

void eg__agency_free(eg__catalog *st)
{
    for (int i = 0; i < st->agencies.n; i++)
        free(st->agencies.v[i].name);
    free(st->agencies.v);
    st->agencies.v = NULL;
    st->agencies.n = 0;
}

static void copy13(char *dst, const char *s, size_t cap)
{
    snprintf(dst, cap, "%s", s ? s : "");
}

int eg__agency_reload(eg__catalog *st, eg_conn *c)
{
    eg_stmt *q;
    int rc = eg_query(c, &q,
                      "SELECT code, valid_from, valid_to, parent_code, successor_code, name "
                      "FROM catalog_agencies ORDER BY code, valid_from",
                      "");
    if (rc)
        return rc;
    eg__agency *v = NULL;
    int n = 0, cap = 0;
    while ((rc = eg_step(q)) == EG_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            v = eg_realloc(v, sizeof(*v) * (size_t)cap);
        }
        eg__agency *a = &v[n++];
        copy13(a->code, eg_col_text(q, 0), sizeof(a->code));
        copy13(a->valid_from, eg_col_text(q, 1), sizeof(a->valid_from));
        copy13(a->valid_to, eg_col_text(q, 2), sizeof(a->valid_to));
        copy13(a->parent, eg_col_text(q, 3), sizeof(a->parent));
        copy13(a->successor, eg_col_text(q, 4), sizeof(a->successor));
        a->name = eg_strdup(eg_col_text(q, 5) ? eg_col_text(q, 5) : "");
    }
    eg_stmt_done(q);
    if (rc < 0) {
        for (int i = 0; i < n; i++)
            free(v[i].name);
        free(v);
        return rc;
    }
    pthread_rwlock_wrlock(&st->agencies.lock);
    eg__agency_free(st);
    st->agencies.v = v;
    st->agencies.n = n;
    pthread_rwlock_unlock(&st->agencies.lock);
    return EG_OK;
}

static int valid_at(const eg__agency *a, const char *date)
{
    return strcmp(a->valid_from, date) <= 0 && (!a->valid_to[0] || strcmp(date, a->valid_to) <= 0);
}

/* The version of code valid at date, or the latest version when none (*open = 0). Caller
 * holds the read lock. */
static const eg__agency *find_version(const eg__agency_index *ix, const char *code,
                                      const char *date, int *open)
{
    const eg__agency *last = NULL;
    *open = 0;
    for (int i = 0; i < ix->n; i++) {
        if (strcmp(ix->v[i].code, code) != 0)
            continue;
        if (valid_at(&ix->v[i], date)) {
            *open = 1;
            return &ix->v[i];
        }
        last = &ix->v[i]; /* sorted by valid_from: the last seen is the latest */
    }
    return last;
}

static int resolve_locked(const eg__agency_index *ix, const char *code, const char *date,
                          char out[14])
{
    char cur[14];
    copy13(cur, code, sizeof(cur));
    for (int hop = 0; hop < 16; hop++) {
        int open;
        const eg__agency *a = find_version(ix, cur, date, &open);
        if (!a)
            return hop ? EG_EGONE : EG_ENOTFOUND;
        if (open) {
            memcpy(out, cur, 14);
            return EG_OK;
        }
        if (!a->successor[0] || strcmp(a->successor, cur) == 0)
            return EG_EGONE;
        copy13(cur, a->successor, sizeof(cur));
    }
    return EG_EGONE;
}

int eg__agency_version_active(eg__catalog *st, const char *ref, const char *date)
{
    const char *at = strchr(ref, '@');
    if (!at)
        return 0;
    int active = 0;
    pthread_rwlock_rdlock(&st->agencies.lock);
    for (int i = 0; i < st->agencies.n && !active; i++) {
        const eg__agency *a = &st->agencies.v[i];
        active = strlen(a->code) == (size_t)(at - ref) &&
                 !strncmp(a->code, ref, (size_t)(at - ref)) && !strcmp(a->valid_from, at + 1) &&
                 valid_at(a, date);
    }
    pthread_rwlock_unlock(&st->agencies.lock);
    return active;
}

int eg__agency_version_info(eg__catalog *st, const char *ref, const char *date,
                            eg__agency_info *info)
{
    const char *at = strchr(ref, '@');
    memset(info, 0, sizeof(*info));
    if (!at)
        return EG_ENOTFOUND;
    size_t cl = (size_t)(at - ref);
    int rc = EG_ENOTFOUND;
    pthread_rwlock_rdlock(&st->agencies.lock);
    for (int i = 0; i < st->agencies.n; i++) {
        const eg__agency *a = &st->agencies.v[i];
        if (strlen(a->code) != cl || strncmp(a->code, ref, cl) || strcmp(a->valid_from, at + 1))
            continue;
        rc = EG_OK;
        info->active = valid_at(a, date);
        copy13(info->valid_from, a->valid_from, sizeof(info->valid_from));
        copy13(info->valid_to, a->valid_to, sizeof(info->valid_to));
        char cur[14];
        if (!info->active && a->valid_to[0] && strcmp(a->valid_to, date) < 0 && a->successor[0] &&
            resolve_locked(&st->agencies, a->successor, date, cur) == 0) {
            int open;
            const eg__agency *s = find_version(&st->agencies, cur, date, &open);
            copy13(info->successor, cur, sizeof(info->successor));
            snprintf(info->succ_name, sizeof(info->succ_name), "%s", s ? s->name : "");
        }
        break;
    }
    pthread_rwlock_unlock(&st->agencies.lock);
    return rc;
}

char *eg__agency_search_body(eg_arena *a, const char *code, const char *short_name,
                             const char *valid_to, const char *successor,
                             const char *successor_name)
{
    const char *sn = short_name ? short_name : "";
    if (!valid_to || !*valid_to)
        return eg_arena_printf(a, "%s %s", code, sn);
    return eg_arena_printf(a, "%s %s (hết hiệu lực sau ngày %s%s%s%s%s)", code, sn, valid_to,
                           successor && *successor ? "; cơ quan kế thừa: " : "",
                           successor && *successor ? successor : "",
                           successor_name && *successor_name ? " " : "",
                           successor_name ? successor_name : "");
}

int eg_catalog_agency_resolve(const char *code, char out[14])
{
    eg_app *app = eg__catalog_app();
    if (!app || !code)
        return EG_ENOTFOUND;
    eg__catalog *st = eg__catalog_state(app);
    char today[11];
    eg__cat_today(today);
    pthread_rwlock_rdlock(&st->agencies.lock);
    int rc = resolve_locked(&st->agencies, code, today, out);
    pthread_rwlock_unlock(&st->agencies.lock);
    return rc;
}

int eg_catalog_agency_within(const char *agency, const char *ancestor)
{
    eg_app *app = eg__catalog_app();
    if (!agency || !ancestor)
        return 0;
    if (strcmp(agency, ancestor) == 0)
        return 1;
    if (!app)
        return 0;
    eg__catalog *st = eg__catalog_state(app);
    char today[11], a[14], anc[14];
    eg__cat_today(today);
    int within = 0;
    pthread_rwlock_rdlock(&st->agencies.lock);
    if (resolve_locked(&st->agencies, agency, today, a) == 0 &&
        resolve_locked(&st->agencies, ancestor, today, anc) == 0) {
        for (int depth = 0; depth < 16 && !within; depth++) {
            if (strcmp(a, anc) == 0) {
                within = 1;
                break;
            }
            int open;
            const eg__agency *v = find_version(&st->agencies, a, today, &open);
            if (!v || !v->parent[0] || resolve_locked(&st->agencies, v->parent, today, a))
                break;
        }
    }
    pthread_rwlock_unlock(&st->agencies.lock);
    return within;
}

int eg_catalog_agency_name(const char *code, char *out, size_t n)
{
    eg_app *app = eg__catalog_app();
    if (!app)
        return EG_ENOTFOUND;
    eg__catalog *st = eg__catalog_state(app);
    char today[11], cur[14];
    eg__cat_today(today);
    pthread_rwlock_rdlock(&st->agencies.lock);
    int rc = resolve_locked(&st->agencies, code, today, cur);
    if (!rc) {
        int open;
        const eg__agency *a = find_version(&st->agencies, cur, today, &open);
        snprintf(out, n, "%s", a ? a->name : "");
    }
    pthread_rwlock_unlock(&st->agencies.lock);
    return rc;
}

/* ------------------------------------------------------------------ seed */

int eg__agency_seed(eg_app *app, eg_conn *c, int demo)
{
    (void)demo;
    eg_buf raw = EG_BUF_INIT;
    int rc = eg__cat_read_data(app, "data/agencies/agencies.csv", &raw);
    if (rc) {
        eg_log(EG_LOG_ERROR, "catalog", NULL, "data/agencies/agencies.csv missing", NULL);
        eg_buf_free(&raw);
        return rc;
    }
    eg_arena *a = eg_arena_new(0);
    eg_csv csv;
    char err[256];
    rc = eg_csv_parse(a, raw.data, raw.len, 100000, &csv, err, sizeof(err));
    if (rc) {
        eg_log(EG_LOG_ERROR, "catalog", NULL, "agencies.csv", "error", err, NULL);
        goto out;
    }
    int ic = eg_csv_col(&csv, "code"), ivf = eg_csv_col(&csv, "valid_from"),
        ivt = eg_csv_col(&csv, "valid_to"), in = eg_csv_col(&csv, "name"),
        isn = eg_csv_col(&csv, "short_name"), ip = eg_csv_col(&csv, "parent_code"),
        ik = eg_csv_col(&csv, "kind"), il = eg_csv_col(&csv, "level"),
        is = eg_csv_col(&csv, "successor_code"), iad = eg_csv_col(&csv, "address");
    if (ic < 0 || ivf < 0 || in < 0 || ik < 0) {
        eg_log(EG_LOG_ERROR, "catalog", NULL, "agencies.csv: missing columns", NULL);
        rc = EG_EINVAL;
        goto out;
    }
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    rc = eg_tx_begin(c);
    for (int i = 1; !rc && i < csv.nrows; i++) {
        const eg_csv_row *r = &csv.rows[i];
        const char *code = eg_csv_get(r, ic), *vt = eg_csv_get(r, ivt), *p = eg_csv_get(r, ip),
                   *succ = eg_csv_get(r, is);
        if (!eg_valid_agency_code(code) || !eg__cat_valid_date(eg_csv_get(r, ivf)) ||
            (*vt && !eg__cat_valid_date(vt)) || (*p && !eg_valid_agency_code(p)) ||
            (*succ && !eg_valid_agency_code(succ))) {
            eg_log(EG_LOG_ERROR, "catalog", NULL, "agencies.csv: bad row", "code", code, NULL);
            rc = EG_EINVAL;
            break;
        }
        int64_t changed = 0;
        rc = eg_exec(c, &changed,
                     "INSERT INTO catalog_agencies (code, valid_from, valid_to, name, short_name, "
                     "parent_code, kind, level, successor_code, address, updated_at) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (code, valid_from) DO NOTHING",
                     "tttttttltt"
                     "t",
                     code, eg_csv_get(r, ivf), *vt ? vt : NULL, eg_csv_get(r, in),
                     *eg_csv_get(r, isn) ? eg_csv_get(r, isn) : NULL, *p ? p : NULL,
                     eg_csv_get(r, ik), (int64_t)atoi(eg_csv_get(r, il)), *succ ? succ : NULL,
                     *eg_csv_get(r, iad) ? eg_csv_get(r, iad) : NULL, now);
        if (!rc && changed) {
            char ref[40];
            snprintf(ref, sizeof(ref), "%s@%s", code, eg_csv_get(r, ivf));
            const char *body = eg__agency_search_body(a, code, eg_csv_get(r, isn), vt, succ, NULL);
            rc = eg__search_put(c, "agency", ref, eg_csv_get(r, in), body);
        }
    }
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
out:
    eg_arena_free(a);
    eg_buf_free(&raw);
    return rc;
}
