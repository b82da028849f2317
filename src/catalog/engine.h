/*
 * engine.h - private to the catalog module: the catalogue engine's types shared by
 * engine.c (storage, validation, import) and engine_api.c (HTTP, DMDC).
 */
#ifndef EG_CATALOG_ENGINE_H
#define EG_CATALOG_ENGINE_H

#include "catalog/internal.h"

#define EG__MAX_PROPS  32
#define EG__MAX_IMPORT 200000

typedef struct {
    const char *code, *name, *type; /* type: string | integer | date | boolean */
} eg__catprop;

/* Catalogue metadata; properties[0] holds the row code, properties[1] the row name. */
typedef struct {
    const char *code, *name, *description, *owner_agency, *source;
    int64_t version;
    eg__catprop props[EG__MAX_PROPS];
    int nprops;
} eg__catmeta;

/* One validated row: code/name (NFC), all properties typed in data (owned reference). */
typedef struct {
    const char *code, *name, *valid_from, *valid_to;
    json_t *data;
    int64_t version;
} eg__catrow;

/* Loads the metadata into arena memory; EG_ENOTFOUND for an unknown catalogue. */
int eg__catalog_load_meta(eg_conn *c, eg_arena *a, const char *code, eg__catmeta *m);
json_t *eg__catalog_props_json(const eg__catmeta *m);
int eg__valid_prop_type(const char *t);

/* Validates one row given its textual values in property order. On failure writes the
 * property (or valid_from/valid_to) into field and a reason into err. */
int eg__catalog_check_row(eg_arena *a, const eg__catmeta *m, const char *const *vals,
                          const char *vf, const char *vt, eg__catrow *out, char *field,
                          size_t fieldlen, char *err, size_t errlen);
/* Parses and validates a whole CSV / JSON array; on failure err names the row and field
 * ("dòng 3, trường TenDanToc: bắt buộc" / "Record 2, trường …") and nothing is kept. */
int eg__catalog_parse_csv(eg_arena *a, const eg__catmeta *m, const char *s, size_t n,
                          eg__catrow **rows, int *nrows, char *err, size_t errlen);
int eg__catalog_parse_json(eg_arena *a, const eg__catmeta *m, const json_t *items,
                           eg__catrow **rows, int *nrows, char *err, size_t errlen);
void eg__catalog_rows_free(eg__catrow *rows, int n);
/* Upserts the rows (history + search index + catalogue version) inside the caller's
 * transaction. */
int eg__catalog_apply(eg_conn *c, const eg__catmeta *m, eg__catrow *rows, int n, const char *actor,
                      int *created, int *updated);

#endif
