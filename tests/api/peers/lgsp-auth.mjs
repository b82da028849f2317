/*
 * tests/api/peers/lgsp-auth.mjs - credentials for the LGSP tests: an administrator and the
 * bearer token of a consumer system. Kept in one place so the tests do not depend on how
 * identity issues them.
 */
import { request } from '../lib/server.mjs';

/* Bearer token of the platform administrator. */
export async function adminToken(srv) {
    if (srv.adminToken) return srv.adminToken;
    srv.adminToken = process.env.EGOV_LGSP_TEST_ADMIN_TOKEN || 'stub-admin';
    return srv.adminToken;
}

/* Bearer token of the OAuth client clientId (client_credentials). */
export async function consumerToken(srv, clientId) {
    return `stub-sys-${clientId}`;
}

/* Agency administrator of agency. */
export async function agencyAdminToken(srv, agency) {
    return `stub-aa-${agency}`;
}

export { request };
