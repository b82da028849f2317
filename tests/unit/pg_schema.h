/*
 * pg_schema.h - a private, empty PostgreSQL schema for one unit-test fixture, so tests that
 * share the throwaway cluster's database never see each other's tables (a list of DROP TABLE
 * statements goes stale as soon as a module adds a table).
 *
 * pg_private_url(base, tag, out, n): drops and recreates schema egov_t_<tag>_<pid> on base and
 * writes into out a URL whose connections use it as search_path. 0 on success.
 */
#ifndef EG_TEST_PG_SCHEMA_H
#define EG_TEST_PG_SCHEMA_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "store/store.h"

static inline int pg_private_url(const char *base, const char *tag, char *out, size_t n)
{
    char schema[96], sql[256], err[256];
    eg_db *db = NULL;
    snprintf(schema, sizeof(schema), "egov_t_%s_%d", tag, (int)getpid());
    if (eg_db_open(base, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "open %s: %s\n", base, err);
        return -1;
    }
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema,
             schema);
    int rc = eg_exec_script(eg_db_conn(db), sql);
    eg_db_close(db);
    if (rc)
        return -1;
    snprintf(out, n, "%s%coptions=-csearch_path%%3D%s", base, strchr(base, '?') ? '&' : '?',
             schema);
    return 0;
}

#endif
