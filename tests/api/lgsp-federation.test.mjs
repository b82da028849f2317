// LGSP federation (issue 7): a consumer in province A calls a service of province B through
// both gateways over mutual TLS with signed requests and responses; each side logs its half;
// a tampered signature and a missing client certificate are refused. Certificates are made
// with openssl in the test.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { startServer, egovCli, request } from './lib/server.mjs';
import { startUpstream } from './peers/upstream.mjs';
import { adminToken, consumerToken } from './peers/lgsp-auth.mjs';

const AGENCY = '000.00.07.H07';

function openssl(args, cwd) {
    execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

function makePki(dir) {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=egov test CA'], dir);
    for (const n of ['a', 'b']) {
        openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
            '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/CN=province-${n}`], dir);
        fs.writeFileSync(path.join(dir, `${n}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
        openssl(['x509', '-req', '-in', `${n}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key',
            '-CAcreateserial', '-out', `${n}.pem`, '-days', '2', '-extfile', `${n}.ext`], dir);
    }
}

async function freePort() {
    const s = net.createServer();
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address();
    await new Promise((r) => s.close(r));
    return port;
}

function mtls(port, { method = 'POST', pathName, headers = {}, body = '', cert, key, ca }) {
    return new Promise((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, method, path: pathName, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) }, cert, key, ca, servername: 'localhost' }, (res) => {
            let t = '';
            res.on('data', (d) => (t += d));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: t }));
        });
        req.on('error', reject);
        req.end(body);
    });
}

test('federation over mutual TLS with signed messages', async (t) => {
    const pki = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-pki-'));
    makePki(pki);
    const up = await startUpstream();
    const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-a-'));
    const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-b-'));
    for (const d of [dirA, dirB]) assert.equal(egovCli(['init', '--data-dir', d, '--demo']).status, 0);
    const pubA = egovCli(['lgsp', 'pubkey', '--data-dir', dirA]).stdout.trim();
    const pubB = egovCli(['lgsp', 'pubkey', '--data-dir', dirB]).stdout.trim();
    assert.match(pubA, /^[0-9a-f]{64}$/);
    const portB = await freePort();
    const common = { EGOV_LGSP_UPSTREAM_ALLOW: '127.0.0.1/32', EGOV_LGSP_FEDERATION_CA: `${pki}/ca.pem` };
    const b = await startServer({ dataDir: dirB, env: { ...common,
        EGOV_LGSP_FEDERATION_LISTEN: `127.0.0.1:${portB}`, EGOV_LGSP_FEDERATION_CERT: `${pki}/b.pem`,
        EGOV_LGSP_FEDERATION_KEY: `${pki}/b.key`, EGOV_LGSP_FEDERATION_PEER_KEYS: pubA,
        EGOV_LGSP_FEDERATION_NAME: 'province-b' } });
    const a = await startServer({ dataDir: dirA, env: { ...common,
        EGOV_LGSP_FEDERATION_PEERS: `https://127.0.0.1:${portB}/`, EGOV_LGSP_FEDERATION_CERT: `${pki}/a.pem`,
        EGOV_LGSP_FEDERATION_KEY: `${pki}/a.key`, EGOV_LGSP_FEDERATION_PEER_KEYS: pubB,
        EGOV_LGSP_FEDERATION_NAME: 'province-a' } });
    t.after(async () => {
        await a.stop();
        await b.stop();
        await up.close();
        for (const d of [pki, dirA, dirB]) fs.rmSync(d, { recursive: true, force: true });
    });
    const apiB = async (p, body) => request(`${b.url}/api/v1/lgsp${p}`, { token: await adminToken(b), body });
    const apiA = async (p, body) => request(`${a.url}/api/v1/lgsp${p}`, { token: await adminToken(a), body });
    let r = await apiB('/services', { code: 'hotich', version: 'v1', name: 'Hộ tịch tỉnh B', owner_agency: AGENCY, upstream_url: `${up.url}/base`, status: 'published' });
    assert.equal(r.status, 201, r.text);
    assert.equal((await apiB('/consumers', { client_id: 'province-a', name: 'LGSP tỉnh A', agency_code: AGENCY })).status, 201);
    assert.equal((await apiB('/services/hotich/grants', { client_id: 'province-a' })).status, 201);
    r = await apiA('/services', { code: 'hotich-b', version: 'v1', name: 'Hộ tịch tỉnh B (liên thông)', owner_agency: AGENCY, upstream_url: `https://127.0.0.1:${portB}/fed/hotich/v1`, status: 'published' });
    assert.equal(r.status, 201, r.text);
    assert.equal((await apiA('/consumers', { client_id: 'motcua-a', name: 'Một cửa tỉnh A', agency_code: AGENCY })).status, 201);
    assert.equal((await apiA('/services/hotich-b/grants', { client_id: 'motcua-a' })).status, 201);
    const tok = await consumerToken(a, 'motcua-a');

    await t.test('A consumer calls B service through both gateways', async () => {
        const before = up.seen.length;
        const res = await request(`${a.url}/gw/hotich-b/v1/khai-sinh/123?ma=VN%20A&x=1`, {
            method: 'POST', token: tok, body: '{"so":"123"}',
            headers: { 'Content-Type': 'application/json', 'X-Road-UserId': 'VN012345678901' },
        });
        assert.equal(res.status, 200, res.text);
        assert.equal(up.seen.length, before + 1);
        const got = up.seen.at(-1);
        assert.equal(got.url, '/base/khai-sinh/123?ma=VN%20A&x=1');
        assert.equal(got.body.toString(), '{"so":"123"}');
        assert.equal(got.headers['x-road-client'], 'province-a/motcua-a');
        assert.equal(got.headers['x-road-userid'], 'VN012345678901');
        assert.equal(got.headers.authorization, undefined);
        const xid = res.headers.get('x-road-id');
        assert.equal(got.headers['x-road-id'], xid);
        const la = await request(`${a.url}/api/v1/lgsp/messages/${xid}`, { token: await adminToken(a) });
        assert.equal(la.status, 200);
        assert.equal(la.json.side, 'client');
        const lb = await request(`${b.url}/api/v1/lgsp/messages/${xid}`, { token: await adminToken(b) });
        assert.equal(lb.status, 200, lb.text);
        assert.equal(lb.json.side, 'producer');
        assert.equal(lb.json.client_id, 'province-a/motcua-a');
        assert.equal(lb.json.request_sha256, la.json.request_sha256);
    });

    await t.test('tampered signature refused, nothing forwarded', async () => {
        const before = up.seen.length;
        const cert = fs.readFileSync(`${pki}/a.pem`), key = fs.readFileSync(`${pki}/a.key`), ca = fs.readFileSync(`${pki}/ca.pem`);
        const r2 = await mtls(portB, {
            pathName: '/fed/hotich/v1/x', body: 'hello', cert, key, ca,
            headers: { 'X-Road-Id': 'evil-1', 'X-Road-Client': 'x', 'X-Lgsp-Origin': 'province-a',
                'X-Lgsp-Timestamp': String(Date.now()), 'X-Lgsp-Signature': Buffer.alloc(64, 1).toString('base64') },
        });
        assert.equal(r2.status, 403);
        assert.equal(JSON.parse(r2.text).type, 'https://egov.local/problems/lgsp/access-denied');
        assert.equal(up.seen.length, before);
        await assert.rejects(mtls(portB, { pathName: '/fed/hotich/v1/x', body: 'x', ca }), 'no client certificate -> handshake refused');
        assert.equal(up.seen.length, before);
    });

    await t.test('both message logs verify', async () => {
        await a.stop();
        await b.stop();
        // stop() removes only directories startServer created; ours stay for verification
        for (const d of [dirA, dirB]) {
            const v = egovCli(['lgsp', 'verify-log', '--data-dir', d]);
            assert.equal(v.status, 0, v.stderr);
        }
    });
});
