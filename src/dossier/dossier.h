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

extern const struct eg_module eg_dossier_module;

#endif
