// The gateway's in-memory caches (tokens, services, grants) must not outlive what they cache:
// a grant created or a service retired takes effect on the next call, and a revoked access
// token stops working within lgsp.token_cache_ms.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request } from './lib/server.mjs';
import { startUpstream } from './peers/upstream.mjs';
import { adminToken, consumerToken } from './peers/lgsp-auth.mjs';

const AGENCY = '000.00.07.H07';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('gateway caches follow registry changes and token revocation', async (t) => {
    const up = await startUpstream();
    const srv = await startServer({ env: { EGOV_LGSP_UPSTREAM_ALLOW: '127.0.0.1/32', EGOV_LGSP_TOKEN_CACHE_MS: '500' } });
    t.after(async () => {
        await srv.stop();
        await up.close();
    });
    const admin = await adminToken(srv);
    const api = (p, body, method) => request(`${srv.url}/api/v1/lgsp${p}`, { token: admin, body, method });
    assert.equal((await api('/services', { code: 'c1', version: 'v1', name: 'Cache', owner_agency: AGENCY, upstream_url: `${up.url}/c`, status: 'published' })).status, 201);
    assert.equal((await api('/consumers', { client_id: 'cache-sys', name: 'C', agency_code: AGENCY })).status, 201);
    const tok = await consumerToken(srv, 'cache-sys');
    const call = () => request(`${srv.url}/gw/c1/v1/x`, { token: tok });

    // No grant (answer cached), then a grant: the very next call passes.
    assert.equal((await call()).status, 403);
    assert.equal((await call()).status, 403);
    assert.equal((await api('/services/c1/grants', { client_id: 'cache-sys' })).status, 201);
    assert.equal((await call()).status, 200);

    // Service changed (retired): the next call no longer reaches it.
    const svc = await api('/services/c1');
    const put = await request(`${srv.url}/api/v1/lgsp/services/c1`, { token: admin, method: 'PATCH', body: { status: 'deprecated' }, headers: { 'If-Match': svc.headers.get('etag') } });
    assert.equal(put.status, 200, put.text);
    assert.equal((await call()).status, 200, 'deprecated services still answer');
    const s2 = await api('/services/c1');
    const r = await request(`${srv.url}/api/v1/lgsp/services/c1`, { token: admin, method: 'PATCH', body: { status: 'retired' }, headers: { 'If-Match': s2.headers.get('etag') } });
    assert.equal(r.status, 200, r.text);
    assert.equal((await call()).status, 404);

    // Revocation of the access token: refused within token_cache_ms.
    assert.equal((await api('/services', { code: 'c2', version: 'v1', name: 'Cache 2', owner_agency: AGENCY, upstream_url: `${up.url}/c`, status: 'published' })).status, 201);
    assert.equal((await api('/services/c2/grants', { client_id: 'cache-sys' })).status, 201);
    const call2 = () => request(`${srv.url}/gw/c2/v1/x`, { token: tok });
    assert.equal((await call2()).status, 200);
    const basic = Buffer.from(`cache-sys:${srv.clients['cache-sys']}`).toString('base64');
    const rv = await request(`${srv.url}/oauth2/revoke`, { method: 'POST', body: `token=${encodeURIComponent(tok)}`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${basic}` } });
    assert.equal(rv.status, 200, rv.text);
    await sleep(700);
    const after = await call2();
    assert.equal(after.status, 401, after.text);
    assert.equal(after.json.type, 'https://egov.local/problems/lgsp/unauthenticated');
});
