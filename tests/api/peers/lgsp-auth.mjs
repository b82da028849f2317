/*
 * tests/api/peers/lgsp-auth.mjs - credentials for the LGSP tests, obtained the way a real
 * deployment does: the administrator's token from `egov token`, agency administrators created
 * with `egov user add`, and consumer systems as confidential OAuth clients
 * (`egov client add --grant client_credentials`) that fetch their bearer token from
 * /oauth2/token with client_secret_basic.
 */
import { egovCli, request } from '../lib/server.mjs';

function cli(args, input) {
    const r = egovCli(args, { input });
    if (r.status !== 0) throw new Error(`egov ${args.slice(0, 2).join(' ')}: ${r.stderr}`);
    return r.stdout;
}

/* Bearer token of the demo platform administrator. */
export async function adminToken(srv) {
    if (!srv.adminToken) srv.adminToken = cli(['token', '--data-dir', srv.dataDir, '--user', 'admin']).trim();
    return srv.adminToken;
}

/* Bearer token of a (new) agency administrator of agency. */
export async function agencyAdminToken(srv, agency) {
    const user = `qt-${agency.replace(/\./g, '-').toLowerCase()}`;
    srv.aa = srv.aa || {};
    if (!srv.aa[user]) {
        cli(['user', 'add', '--data-dir', srv.dataDir, '--username', user, '--name', 'Quản trị cơ quan',
            '--kind', 'staff', '--agency', agency, '--role', 'agency_admin', '--password-stdin'], 'Lgsp@Test#2026x\n');
        srv.aa[user] = cli(['token', '--data-dir', srv.dataDir, '--user', user]).trim();
    }
    return srv.aa[user];
}

/* Bearer token of the OAuth client clientId (created on first use), via client_credentials. */
export async function consumerToken(srv, clientId, agency = '000.00.07.H07') {
    srv.clients = srv.clients || {};
    if (!srv.clients[clientId]) {
        const out = cli(['client', 'add', '--data-dir', srv.dataDir, '--client-id', clientId, '--type',
            'confidential', '--grant', 'client_credentials', '--agency', agency, '--name', clientId]);
        srv.clients[clientId] = /client_secret: (\S+)/.exec(out)[1];
    }
    const basic = Buffer.from(`${clientId}:${srv.clients[clientId]}`).toString('base64');
    const r = await request(`${srv.url}/oauth2/token`, {
        method: 'POST',
        body: 'grant_type=client_credentials',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${basic}` },
    });
    if (r.status !== 200) throw new Error(`client_credentials for ${clientId}: ${r.status} ${r.text}`);
    return r.json.access_token;
}

export { request };
