/*
 * eams.h - the architecture register (hệ thống quản lý kiến trúc): the province's
 * e-government architecture as data — business catalogue (BRM, Table 11), application
 * services (ARM, Table 18), applications (Tables 20-21) and their relations (Table 19) —
 * loaded from data/eams/ and linked to what is deployed (procedures, LGSP services).
 * The source's own inconsistencies are reported (GET /api/v1/eams/issues), never hidden.
 */
#ifndef EG_EAMS_H
#define EG_EAMS_H

#include "egov.h"

/* 1 when code is a BRM type/group/domain code or an ARM service/group/domain code of the
 * register. */
int eg_eams_code_exists(eg_conn *c, const char *code);

extern const struct eg_module eg_eams_module;

#endif
