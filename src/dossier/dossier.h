/*
 * dossier.h - administrative-procedure dossiers (hồ sơ thủ tục hành chính): attachments,
 * submission through the three channels (1 in person, 2 online, 3 by post), dossier codes
 * {receiving agency}-{yymmdd}-{4-digit daily sequence}, the status machine 1-10 of the
 * National Public Service Portal, processing through the workflow engine, results signed
 * into the applicant's electronic data store, overdue handling, forms Mẫu 01-06 and the
 * public lookup. HTTP contracts: api.md §7.
 */
#ifndef EG_DOSSIER_H
#define EG_DOSSIER_H

#include "egov.h"

/* Dossier statuses (TrangThaiHoSo). */
enum {
    EG_DS_NEW = 1,
    EG_DS_ACCEPTED = 2,
    EG_DS_REFUSED = 3,
    EG_DS_PROCESSING = 4,
    EG_DS_SUPPLEMENT = 5,
    EG_DS_FEES = 6,
    EG_DS_WITHDRAWN = 7,
    EG_DS_STOPPED = 8,
    EG_DS_DONE = 9,
    EG_DS_RETURNED = 10
};

/* 1 when the move from -> to is allowed by domain-vn.md (1→2|3; 2→4; 4→5|6|8|9; 5→4;
 * 6→4|9; 9→10; any non-final → 7). */
int eg_dossier_transition_ok(int from, int to);

/* Vietnamese name of a status ("Đang xử lý"); "?" for an unknown number. */
const char *eg_dossier_status_name(int status);

/* Sniffs the content type of an upload from its bytes: "application/pdf", "image/png",
 * "image/jpeg", "application/msword", "application/vnd.ms-excel",
 * "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
 * "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"; NULL when the
 * content is none of the accepted types. */
const char *eg_dossier_sniff(const void *data, size_t n);

/* ------------------------------------------------------------------ statistics (facts.c)
 * The dossier module keeps one compact fact row per dossier (handling agency, procedure,
 * field, channel, VN-local submission day, status, outcome, due date, rating) updated by the
 * transition recorder, and a monthly rollup of it. Statistics are by cohort: the dossiers
 * submitted in the period, and where each of them stands now. */

/* Grouping of eg_dossier_stats. */
enum {
    EG_DS_BY_NONE = 0,
    EG_DS_BY_AGENCY,
    EG_DS_BY_PROCEDURE,
    EG_DS_BY_FIELD,
    EG_DS_BY_CHANNEL,
    EG_DS_BY_DAY,
    EG_DS_BY_MONTH,
    EG_DS_BY_QUARTER,
    EG_DS_BY_YEAR
};

typedef struct {
    int group;                   /* EG_DS_BY_* */
    int32_t from_day, to_day;    /* VN-local days as yyyymmdd, inclusive; 0 = unbounded */
    const char *const *agencies; /* handling agencies to count; NULL = every agency */
    int nagencies;               /* entries in agencies (0 with non-NULL = nothing) */
    const char *procedure_code;  /* optional filters (NULL / 0 = any) */
    const char *field;
    int channel;
    int64_t now_ms; /* "overdue" = in progress with due date before this */
} eg_dossier_stats_query;

typedef struct {
    const char *key;     /* agency/procedure/field code, channel "1".."3", "2026-03-02", "2026-03",
                            "2026-Q1", "2026"; "" for EG_DS_BY_NONE */
    int64_t received;    /* submitted in the period */
    int64_t in_progress; /* not finished (statuses 1, 2, 4, 5, 6) */
    int64_t overdue;     /* in progress and past the due date */
    int64_t on_time;     /* resolved (9, 10) by the due date */
    int64_t late;        /* resolved after the due date (or late at an inter-agency step) */
    int64_t closed;      /* refused (3), withdrawn (7) or stopped (8) */
    int64_t rated, rating_sum, ratings[5]; /* satisfaction 1-5: count, sum, distribution */
} eg_dossier_stats_row;

typedef int (*eg_dossier_stats_fn)(void *ctx, const eg_dossier_stats_row *row);

/* Runs one statistics query; calls fn once per group, ordered by key (fn returning non-zero
 * stops and is returned). Full months in the range are read from the monthly rollup, the
 * partial months at its edges from the fact rows. EG_EINVAL for a bad group or range. */
int eg_dossier_stats(eg_conn *c, const eg_dossier_stats_query *q, eg_dossier_stats_fn fn,
                     void *ctx);

/* Distinct handling agencies that have facts (for scoping), arena strings. */
int eg_dossier_stats_agencies(eg_conn *c, eg_arena *a, const char ***out, int *n);

/* Creates the fact rows missing for existing dossiers (after the facts migration). Returns
 * the number created or a negative EG_E*. */
int eg_dossier_facts_backfill(eg_conn *c);

/* BENCH ONLY: bulk-inserts n synthetic facts (negative dossier ids, deterministic from seed)
 * spread over the three years before end_day (yyyymmdd) and rebuilds the rollup. clear=1
 * first removes earlier synthetic rows. Never call on a production database. */
int eg_dossier_facts_bench_seed(eg_conn *c, int64_t n, uint64_t seed, int32_t end_day, int clear);

extern const struct eg_module eg_dossier_module;

#endif
