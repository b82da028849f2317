/*
 * portal.h - the public web portal's server side: site information for the web shell.
 * Pages themselves are static files under web/portal.
 */
#ifndef EG_PORTAL_H
#define EG_PORTAL_H

struct eg_module;
extern const struct eg_module eg_portal_module;

#endif
