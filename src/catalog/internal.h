/*
 * internal.h - shared between the files of the catalog module only (never included from
 * another module): the CSV reader, the in-memory agency index, module state and the route
 * registration functions of each file.
 */
#ifndef EG_CATALOG_INTERNAL_H
#define EG_CATALOG_INTERNAL_H

#include <pthread.h>
#include "egov.h"

#include "catalog/catalog.h"

/* ------------------------------------------------------------------ agencies (agency.c) */

/* One version of an agency, as held in memory for hierarchy and successor resolution. */
typedef struct {
    char code[14];
    char valid_from[11];
    char valid_to[11]; /* "" = open */
    char parent[14];
    char successor[14];
    char *name;
} eg__agency;

typedef struct {
    pthread_rwlock_t lock;
    eg__agency *v;
    int n;
} eg__agency_index;

/* Module state (app->mod[slot]). */
typedef struct {
    eg_app *app;
    eg__agency_index agencies;
} eg__catalog;

eg__catalog *eg__catalog_state(eg_app *app);

/* Reloads the in-memory index from catalog_agencies. */
int eg__agency_reload(eg__catalog *st, eg_conn *c);
void eg__agency_free(eg__catalog *st);
/* 1 when the agency version "code@valid_from" is valid at date (search ranking). */
int eg__agency_version_active(eg__catalog *st, const char *ref, const char *date);
/* What a search result says about one agency version "code@valid_from" at date. */
typedef struct {
    int active; /* valid at date */
    char valid_from[11];
    char valid_to[11];   /* "" = open */
    char successor[14];  /* retired: the code its successor chain resolves to at date, or "" */
    char succ_name[400]; /* and that agency's name at date */
} eg__agency_info;
/* Fills info for the version ref ("code@valid_from"); EG_ENOTFOUND when no such version. */
int eg__agency_version_info(eg__catalog *st, const char *ref, const char *date,
                            eg__agency_info *info);
/* The search body of an agency version: code, short name and, for a retired version, the
 * date it ended and its successor, so "Sở Tư pháp Bến Tre" finds the old department with
 * its successor. Arena-allocated. */
char *eg__agency_search_body(eg_arena *a, const char *code, const char *short_name,
                             const char *valid_to, const char *successor,
                             const char *successor_name);
/* Today's VN date as "YYYY-MM-DD". */
void eg__cat_today(char out[11]);
/* Loads data/agencies/agencies.csv (idempotent). */
int eg__agency_seed(eg_app *app, eg_conn *c, int demo);
int eg__procedure_seed(eg_app *app, eg_conn *c, int demo);
int eg__catalogs_seed(eg_app *app, eg_conn *c);

void eg__agency_routes(eg_app *app, eg_http *h);
void eg__procedure_routes(eg_app *app, eg_http *h);
void eg__catalog_routes(eg_app *app, eg_http *h);
void eg__calendar_routes(eg_app *app, eg_http *h);
void eg__search_routes(eg_app *app, eg_http *h);

/* ------------------------------------------------------------------ search (search.c) */

/* Adds or replaces a search document (kind, ref) with its display text; body may be "". */
int eg__search_put(eg_conn *c, const char *kind, const char *ref, const char *title,
                   const char *body);
int eg__search_delete(eg_conn *c, const char *kind, const char *ref);
/* Creates the full-text index (idempotent), at init. */
int eg__search_init(eg_conn *c);

/* Highlights the words of a folded query inside text: returns HTML-escaped text with
 * <mark>…</mark> around matches, cut to about max_chars characters around the first match.
 * Arena-allocated. Exposed for unit tests. */
char *eg__highlight(eg_arena *a, const char *text, const char *folded_query, int max_chars);

/* ------------------------------------------------------------------ helpers (module.c) */

/* Reads share_dir/rel into out (max 64 MiB). */
int eg__cat_read_data(eg_app *app, const char *rel, eg_buf *out);
/* Audit helper inside the caller's transaction. */
int eg__cat_audit(eg_conn *c, eg_req *r, const char *actor, const char *action, const char *type,
                  const char *id, const char *agency, json_t *detail);
/* NFC copy of s into the arena (NULL on invalid UTF-8). */
char *eg__cat_nfc(eg_arena *a, const char *s);
/* 1 when s is "YYYY-MM-DD" and a real date. */
int eg__cat_valid_date(const char *s);

#endif
