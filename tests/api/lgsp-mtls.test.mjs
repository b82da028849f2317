// LGSP consumer bound to a client certificate (issue 7 item 1): a consumer registered with
// cert_sha256 must call through the gateway's TLS entrance (lgsp.tls_listen) presenting that
// certificate; on the plain listener, with no certificate or with another one it gets
// lgsp/unauthenticated (401) and nothing is forwarded. A client cannot fake the relay headers.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import net from 'node:net';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { startServer, request } from './lib/server.mjs';
import { startUpstream } from './peers/upstream.mjs';
import { adminToken, consumerToken } from './peers/lgsp-auth.mjs';

const AGENCY = '000.00.07.H07';
const UNAUTH = 'https://egov.local/problems/lgsp/unauthenticated';

function openssl(args, cwd) {
    execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

function selfSigned(dir, name, cn) {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`,
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], dir);
}

function sha256Der(pemFile) {
    return new crypto.X509Certificate(fs.readFileSync(pemFile)).fingerprint256.replace(/:/g, '').toLowerCase();
}

async function freePort() {
    const s = net.createServer();
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address();
    await new Promise((r) => s.close(r));
    return port;
}

function tls(port, { method = 'POST', pathName, headers = {}, body = '', cert, key, ca }) {
    return new Promise((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, method, path: pathName, cert, key, ca, servername: 'localhost',
            headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
            let t = '';
            res.on('data', (d) => (t += d));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: t }));
        });
        req.on('error', reject);
        req.end(body);
    });
}

test('consumer bound to a client certificate', async (t) => {
    const pki = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-mtls-'));
    selfSigned(pki, 'server', 'localhost');
    selfSigned(pki, 'good', 'motcua-client');
    selfSigned(pki, 'other', 'someone-else');
    const up = await startUpstream();
    const port = await freePort();
    const srv = await startServer({ env: { EGOV_LGSP_UPSTREAM_ALLOW: '127.0.0.1/32',
        EGOV_LGSP_TLS_LISTEN: `127.0.0.1:${port}`, EGOV_LGSP_TLS_CERT: `${pki}/server.pem`,
        EGOV_LGSP_TLS_KEY: `${pki}/server.key` } });
    t.after(async () => {
        await srv.stop();
        await up.close();
        fs.rmSync(pki, { recursive: true, force: true });
    });
    const admin = await adminToken(srv);
    const api = (p, body) => request(`${srv.url}/api/v1/lgsp${p}`, { token: admin, body });
    assert.equal((await api('/services', { code: 'cert-svc', version: 'v1', name: 'Dịch vụ cần chứng thư',
        owner_agency: AGENCY, upstream_url: `${up.url}/base`, status: 'published' })).status, 201);
    const fp = sha256Der(`${pki}/good.pem`);
    let r = await api('/consumers', { client_id: 'bound-sys', name: 'Hệ thống gắn chứng thư', agency_code: AGENCY, cert_sha256: fp });
    assert.equal(r.status, 201, r.text);
    assert.equal((await api('/services/cert-svc/grants', { client_id: 'bound-sys' })).status, 201);
    assert.equal((await api('/consumers', { client_id: 'plain-sys', name: 'Hệ thống thường', agency_code: AGENCY })).status, 201);
    assert.equal((await api('/services/cert-svc/grants', { client_id: 'plain-sys' })).status, 201);
    const tok = await consumerToken(srv, 'bound-sys');
    const plainTok = await consumerToken(srv, 'plain-sys');
    const ca = fs.readFileSync(`${pki}/server.pem`);
    const good = { cert: fs.readFileSync(`${pki}/good.pem`), key: fs.readFileSync(`${pki}/good.key`), ca };
    const other = { cert: fs.readFileSync(`${pki}/other.pem`), key: fs.readFileSync(`${pki}/other.key`), ca };
    const hdrs = { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' };

    await t.test('plain listener: 401 lgsp/unauthenticated, nothing forwarded', async () => {
        const before = up.seen.length;
        const res = await request(`${srv.url}/gw/cert-svc/v1/x`, { method: 'POST', token: tok, body: '{"a":1}' });
        assert.equal(res.status, 401, res.text);
        assert.equal(res.json.type, UNAUTH);
        assert.equal(up.seen.length, before);
    });

    await t.test('forged relay headers on the plain listener do not count', async () => {
        const before = up.seen.length;
        const res = await request(`${srv.url}/gw/cert-svc/v1/x`, { method: 'POST', token: tok, body: '{}',
            headers: { 'X-Lgsp-Client-Cert': fp, 'X-Lgsp-Relay': 'a'.repeat(64) } });
        assert.equal(res.status, 401);
        assert.equal(up.seen.length, before);
    });

    await t.test('TLS with the registered certificate: forwarded', async () => {
        const before = up.seen.length;
        const res = await tls(port, { pathName: '/gw/cert-svc/v1/hs/1?q=2', headers: hdrs, body: '{"so":"1"}', ...good });
        assert.equal(res.status, 200, res.text);
        assert.ok(res.headers['x-road-id']);
        assert.equal(up.seen.length, before + 1);
        const got = up.seen.at(-1);
        assert.equal(got.url, '/base/hs/1?q=2');
        assert.equal(got.body.toString(), '{"so":"1"}');
        assert.equal(got.headers.authorization, undefined);
        assert.equal(got.headers['x-lgsp-client-cert'], undefined);
        assert.equal(got.headers['x-lgsp-relay'], undefined);
    });

    await t.test('TLS with another certificate or none: 401', async () => {
        const before = up.seen.length;
        let res = await tls(port, { pathName: '/gw/cert-svc/v1/x', headers: hdrs, body: '{}', ...other });
        assert.equal(res.status, 401, res.text);
        assert.equal(JSON.parse(res.text).type, UNAUTH);
        res = await tls(port, { pathName: '/gw/cert-svc/v1/x', headers: hdrs, body: '{}', ca });
        assert.equal(res.status, 401, res.text);
        assert.equal(up.seen.length, before);
    });

    await t.test('a consumer without a bound certificate still uses the plain listener', async () => {
        const res = await request(`${srv.url}/gw/cert-svc/v1/y`, { method: 'POST', token: plainTok, body: '{}' });
        assert.equal(res.status, 200, res.text);
    });

    await t.test('the TLS entrance serves only /gw/', async () => {
        const res = await tls(port, { method: 'GET', pathName: '/api/v1/lgsp/services', headers: { Authorization: `Bearer ${admin}` }, ...good });
        assert.equal(res.status, 404);
    });
});
