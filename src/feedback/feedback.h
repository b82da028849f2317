/*
 * feedback.h - phản ánh, kiến nghị (PAKN): citizens and businesses file feedback about a
 * procedure (by code) or a dossier (by code); it is routed to the responsible agency and
 * answered within an SLA counted in working days (app->calendar). States, as in a grievance
 * module:
 *   pending_assignment -> assigned -> resolved | rejected
 *   resolved | rejected -> (reopen, by the author, within feedback.reopen_days) -> assigned
 *   resolved | rejected -> (close with rating 1-5, by the author) -> closed
 * Published (public list, no personal data) when the author allowed it and it was resolved.
 */
#ifndef EG_FEEDBACK_H
#define EG_FEEDBACK_H

#include "egov.h"

/* Dossier lookup installed by the dossier module: for a dossier code, the responsible agency
 * (agency[14]) and the owner subject (owner, n bytes). Returns 0, or EG_ENOTFOUND. Until one
 * is installed, feedback on a dossier must name the agency in the request. */
typedef int (*eg_feedback_dossier_fn)(eg_conn *conn, const char *dossier_code, char agency[14],
                                      char *owner, size_t n);
void eg_feedback_set_dossier_resolver(eg_feedback_dossier_fn fn);

struct eg_module;
extern const struct eg_module eg_feedback_module;

#endif
