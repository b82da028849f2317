/*
 * catalog.h - shared electronic catalogues (danh mục điện tử dùng chung): agencies with
 * identifier codes (QCVN 102, CCC.BB.AA.LNN), their hierarchy and organisation changes
 * (merge, split, rename, re-code with effective dates); administrative units; the
 * procedure catalogue (TTHC); generic code lists with DMDC-compatible endpoints; the HTTP
 * API of the working calendar; Vietnamese full-text search.
 *
 * Other modules keep agency codes exactly as they were written (a dossier received by
 * 000.00.00.H07 in 2024 keeps that code) and ask this header what the code means today.
 */
#ifndef EG_CATALOG_H
#define EG_CATALOG_H

#include "egov.h"

/* Resolves an agency code to the code that stands for it today: the code itself when it
 * has a version valid today, otherwise its successor (followed transitively). Writes the
 * 13-character code into out. EG_ENOTFOUND for an unknown code, EG_EGONE for a code
 * retired without a successor. Thread-safe. */
int eg_catalog_agency_resolve(const char *code, char out[14]);

/* 1 when agency (after resolution) is ancestor or lies below it in today's hierarchy. */
int eg_catalog_agency_within(const char *agency, const char *ancestor);

/* Name of the agency version valid today (after resolution), copied into out; EG_ENOTFOUND. */
int eg_catalog_agency_name(const char *code, char *out, size_t n);

/* The procedure (TTHC) as JSON (the detail shape of GET /api/v1/procedures/{code});
 * caller decrefs. EG_ENOTFOUND. */
int eg_catalog_procedure(eg_conn *c, const char *code, json_t **out);

/* Every procedure as a JSON array of {code, name, agency_code, eams: [BRM/ARM codes]}
 * (the links the procedure documents declare); caller decrefs. */
int eg_catalog_procedure_links(eg_conn *c, json_t **out);

/* 1 when catalogue `catalog` has a row `code` valid today. */
int eg_catalog_row_exists(eg_conn *c, const char *catalog, const char *code);

/* The rows of catalogue `catalog` valid on `at` (YYYY-MM-DD, NULL = today), optionally only
 * those whose code or name contains q (accent- and case-insensitive), at most limit rows
 * after the cursor `after` (0 = from the start), as
 * {"catalog": {code, name, version, ...metadata}, "at", "items": [{code, name, properties,
 * valid_from, valid_to, version}], "next_cursor": "…"|null} (the shape of GET
 * /api/v1/catalogs/{code}/items plus the metadata). Read-only; caller decrefs.
 * EG_ENOTFOUND for an unknown catalogue, EG_EINVAL for a bad date or q. */
int eg_catalog_rows_json(eg_conn *c, const char *catalog, const char *at, const char *q, int limit,
                         int64_t after, json_t **out);

/* ------------------------------------------------------------------ CSV (csv.c)
 * The strict reader used for every data import (catalogues, agencies, the EAMS seed). */

/* One parsed CSV record: its fields and the 1-based line where it starts. */
typedef struct {
    char **f;
    int n;
    int line;
} eg_csv_row;

typedef struct {
    eg_csv_row *rows;
    int nrows;
} eg_csv;

/* Parses RFC 4180 CSV (comma, double quotes, CRLF or LF, optional UTF-8 BOM) into arena
 * memory. Rejects invalid UTF-8, unterminated quotes, stray quotes inside unquoted fields,
 * NUL bytes, more than max_rows rows or 256 fields. Blank lines are skipped.
 * EG_EINVAL with "dòng N: …" in err. */
int eg_csv_parse(eg_arena *a, const char *s, size_t n, int max_rows, eg_csv *out, char *err,
                 size_t errlen);
/* Appends one field, quoted when needed (comma, quote, CR/LF, leading/trailing space). */
void eg_csv_put(eg_buf *b, const char *field);
/* Index of the header column named name in row 0, or -1. */
int eg_csv_col(const eg_csv *c, const char *name);
/* Field i of a row, "" when the row is short. */
const char *eg_csv_get(const eg_csv_row *r, int i);

extern const struct eg_module eg_catalog_module;

#endif
