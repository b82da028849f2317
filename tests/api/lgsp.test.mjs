// LGSP black-box tests (issue 7): registry, gateway, message log, stats, bad input.
// A local node upstream records exactly what reaches it.
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import http from 'node:http';
import { startServer, egovCli, request } from './lib/server.mjs';
import { startUpstream } from './peers/upstream.mjs';
import { adminToken, consumerToken, agencyAdminToken } from './peers/lgsp-auth.mjs';

const AGENCY = '000.00.07.H07';
const OTHER_AGENCY = '000.00.08.H07';
const ENV = {
    EGOV_LGSP_UPSTREAM_ALLOW: '127.0.0.1/32',
    EGOV_LGSP_MAX_BODY: '65536',
    EGOV_LGSP_CHECKPOINT_SECONDS: '1',
    EGOV_DOSSIER_DEMO_INFO_SERVICES: '0', /* an empty registry: counts below are exact */
};

function assertLgspProblem(r, status, slug) {
    assert.equal(r.status, status, r.text);
    assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
    assert.equal(r.json.type, `https://egov.local/problems/lgsp/${slug}`);
    assert.equal(r.json.status, status);
    assert.ok(r.json.title && /[^\x00-\x7f]/.test(r.json.title), 'Vietnamese title');
}

function rawRequest(url, text) {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        const sock = net.connect(Number(u.port), u.hostname, () => sock.write(text));
        let out = '';
        sock.setEncoding('latin1');
        sock.on('data', (d) => (out += d));
        sock.on('end', () => resolve(out));
        sock.on('error', reject);
        sock.setTimeout(10000, () => {
            sock.destroy();
            reject(new Error('timeout'));
        });
    });
}

// node:http request (fetch refuses hop-by-hop headers such as Connection).
function httpReq(url, { method = 'GET', headers = {}, body } = {}) {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host: u.hostname, port: u.port, path: url.slice(url.indexOf('/', 8)), method, headers },
            (res) => {
                const chunks = [];
                res.on('data', (c) => chunks.push(c));
                res.on('end', () => {
                    const text = Buffer.concat(chunks).toString('utf8');
                    let json = null;
                    try { json = JSON.parse(text); } catch { /* not JSON */ }
                    resolve({ status: res.statusCode, headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])), text, json });
                });
            },
        );
        req.on('error', reject);
        if (body) req.write(body);
        req.end();
    });
}

async function closedPort() {
    const s = net.createServer();
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address();
    await new Promise((r) => s.close(r));
    return port;
}

test('LGSP registry, gateway, message log and stats', async (t) => {
    const up = await startUpstream();
    const srv = await startServer({ env: ENV });
    t.after(async () => {
        await srv.stop();
        await up.close();
    });
    const admin = await adminToken(srv);
    const api = (p, opts = {}) => request(`${srv.url}/api/v1/lgsp${p}`, { token: admin, ...opts });
    const consumer = 'he-thong-mot-cua';
    const stranger = 'he-thong-khac';
    const tok = await consumerToken(srv, consumer);
    const strangerTok = await consumerToken(srv, stranger);
    const base = {
        code: 'dkkd',
        version: 'v1',
        name: 'Tra cứu đăng ký kinh doanh',
        owner_agency: AGENCY,
        kind: 'rest',
        upstream_url: `${up.url}/base`,
        timeout_ms: 800,
        description: 'Dịch vụ thử',
        spec: '{"openapi":"3.1.0"}',
        spec_type: 'openapi',
        brm_ref: 'BRM-01',
        arm_ref: 'ARM-01',
    };

    await t.test('malformed registrations are refused and change nothing', async () => {
        const bad = [
            [{ ...base, code: '' }, 'code'],
            [{ ...base, code: 'a/b' }, 'code'],
            [{ ...base, owner_agency: 'H07' }, 'owner_agency'],
            [{ ...base, upstream_url: 'ftp://127.0.0.1/x' }, 'upstream_url'],
            [{ ...base, upstream_url: 'not a url' }, 'upstream_url'],
            [{ ...base, timeout_ms: -1 }, 'timeout_ms'],
            [{ ...base, kind: 'grpc' }, 'kind'],
            [{ ...base, extra: 1 }, 'extra'],
        ];
        for (const [body, field] of bad) {
            const r = await api('/services', { body });
            assert.equal(r.status, 422, `${field}: ${r.text}`);
            assert.match(r.headers.get('content-type'), /problem\+json/);
            assert.ok(r.json.errors.some((e) => e.field === field), r.text);
        }
        const nonJson = await api('/services', { body: '{"code":', headers: { 'Content-Type': 'application/json' } });
        assert.equal(nonJson.status, 400);
        const list = await api('/services');
        assert.equal(list.status, 200);
        assert.equal(list.json.items.length, 0);
    });

    await t.test('SSRF: forbidden upstream addresses are refused', async () => {
        for (const u of [
            'http://10.1.2.3/x',
            'http://169.254.169.254/latest/meta-data/',
            'http://192.168.1.1/',
            'http://[::1]:8080/',
            'http://0.0.0.0:80/',
            'http://user:pw@127.0.0.1/',
            'http://127.0.0.2/',
        ]) {
            const r = await api('/services', { body: { ...base, code: 'ssrf', upstream_url: u } });
            assert.equal(r.status, 422, `${u}: ${r.text}`);
            assert.ok(r.json.errors.some((e) => e.field === 'upstream_url'));
        }
        const got = await api('/services/ssrf');
        assert.equal(got.status, 404);
    });

    await t.test('register, lifecycle with ETag/If-Match, cross-agency denial', async () => {
        const r = await api('/services', { body: base });
        assert.equal(r.status, 201, r.text);
        assert.equal(r.json.status, 'draft');
        assert.equal(r.headers.get('etag'), '"v1"');
        const dup = await api('/services', { body: base });
        assert.equal(dup.status, 409);
        const other = await agencyAdminToken(srv, OTHER_AGENCY);
        const denied = await request(`${srv.url}/api/v1/lgsp/services/dkkd`, {
            method: 'PATCH', token: other, body: { status: 'published' },
        });
        assert.equal(denied.status, 403);
        const stale = await api('/services/dkkd', {
            method: 'PATCH', body: { status: 'published' }, headers: { 'If-Match': '"v7"' },
        });
        assert.equal(stale.status, 412);
        const ok = await api('/services/dkkd', {
            method: 'PATCH', body: { status: 'published' }, headers: { 'If-Match': '"v1"' },
        });
        assert.equal(ok.status, 200, ok.text);
        assert.equal(ok.json.status, 'published');
        assert.equal(ok.headers.get('etag'), '"v2"');
        const back = await api('/services/dkkd', { method: 'PATCH', body: { status: 'draft' } });
        assert.equal(back.status, 409);
        const own = await agencyAdminToken(srv, AGENCY);
        const g = await request(`${srv.url}/api/v1/lgsp/services/dkkd`, { token: own });
        assert.equal(g.status, 200);
        const cat = await request(`${srv.url}/api/v1/lgsp/catalog`);
        assert.equal(cat.status, 200);
        assert.equal(cat.json.items[0].code, 'dkkd');
        assert.equal(cat.json.items[0].upstream_url, undefined, 'catalogue hides upstreams');
    });

    await t.test('grants: unknown clients and bad fields refused', async () => {
        let r = await api('/services/dkkd/grants', { body: { client_id: consumer } });
        assert.equal(r.status, 422, 'client not registered as a consumer yet');
        r = await api('/consumers', { body: { client_id: consumer, name: 'Hệ thống một cửa', agency_code: AGENCY } });
        assert.equal(r.status, 201, r.text);
        r = await api('/consumers', { body: { client_id: stranger, name: 'Hệ thống khác', agency_code: OTHER_AGENCY } });
        assert.equal(r.status, 201, r.text);
        for (const body of [
            { client_id: consumer, methods: ['FETCH'] },
            { client_id: consumer, path_prefix: 'no-slash' },
            { client_id: consumer, quota: 0 },
            { client_id: consumer, bogus: true },
        ]) {
            const b = await api('/services/dkkd/grants', { body });
            assert.equal(b.status, 422, JSON.stringify(body));
        }
        r = await api('/services/nope/grants', { body: { client_id: consumer } });
        assert.equal(r.status, 404);
        r = await api('/services/dkkd/grants', { body: { client_id: consumer, methods: ['GET', 'POST'], path_prefix: '/a' } });
        assert.equal(r.status, 201, r.text);
        const list = await api('/services/dkkd/grants');
        assert.equal(list.json.items.length, 1);
    });

    let xroadId;
    const body = Buffer.concat([Buffer.from('{"q":"Nguyễn Văn A","bin":"'), crypto.randomBytes(700), Buffer.from('"}')]);
    await t.test('call: path, query and body byte-identical; token never forwarded; X-Road headers', async () => {
        const before = up.seen.length;
        const raw = `/gw/dkkd/v1/a/b%20c/%C4%91?x=1&y=%2F%3D&z&x=2&e=`;
        const r = await httpReq(`${srv.url}${raw}`, {
            method: 'POST',
            body,
            headers: {
                Authorization: `Bearer ${tok}`,
                'Content-Type': 'application/octet-stream',
                'X-Road-UserId': 'VN001099012345',
                'X-Road-Issue': 'HS-2026-0001',
                'X-Custom': 'kept',
                Cookie: 'egov_session=secret',
                Connection: 'X-Drop-Me',
                'X-Drop-Me': 'hop',
            },
        });
        assert.equal(r.status, 200, r.text);
        assert.equal(up.seen.length, before + 1);
        const got = up.seen.at(-1);
        assert.equal(got.url, `/base/a/b%20c/%C4%91?x=1&y=%2F%3D&z&x=2&e=`);
        assert.ok(got.body.equals(body), 'body byte-identical');
        assert.equal(got.headers.authorization, undefined, 'bearer token stripped');
        assert.ok(!JSON.stringify(got.headers).includes(tok), 'token nowhere in headers');
        assert.equal(got.headers.cookie, undefined);
        assert.equal(got.headers['x-drop-me'], undefined, 'hop-by-hop named in Connection');
        assert.equal(got.headers['x-custom'], 'kept');
        assert.equal(got.headers['x-road-client'], consumer);
        assert.equal(got.headers['x-road-userid'], 'VN001099012345');
        assert.equal(got.headers['x-road-issue'], 'HS-2026-0001');
        xroadId = r.headers.get('x-road-id');
        assert.match(xroadId, /^[0-9a-f-]{36}$/);
        assert.equal(got.headers['x-road-id'], xroadId);
        assert.equal(r.headers.get('x-upstream'), 'yes');
        assert.equal(r.headers.get('x-secret-hop'), null, 'response hop-by-hop stripped');
        // A caller-supplied X-Road-Id is kept.
        const r2 = await request(`${srv.url}/gw/dkkd/v1/a/x`, { token: tok, headers: { 'X-Road-Id': 'my-id-123' } });
        assert.equal(r2.status, 200);
        assert.equal(r2.headers.get('x-road-id'), 'my-id-123');
        assert.equal(up.seen.at(-1).headers['x-road-id'], 'my-id-123');
    });

    await t.test('X-Road-Id is found in the message log with body hashes', async () => {
        const one = await api(`/messages/${xroadId}`);
        assert.equal(one.status, 200, one.text);
        assert.equal(one.json.xroad_id, xroadId);
        assert.equal(one.json.client_id, consumer);
        assert.equal(one.json.user_id, 'VN001099012345');
        assert.equal(one.json.issue, 'HS-2026-0001');
        assert.equal(one.json.status, 200);
        assert.equal(one.json.request_sha256, crypto.createHash('sha256').update(body).digest('hex'));
        assert.ok(Buffer.from(one.json.request_body_base64, 'base64').equals(body));
        const list = await api(`/messages?service=dkkd&client=${consumer}`);
        assert.equal(list.status, 200);
        assert.ok(list.json.items.some((m) => m.xroad_id === xroadId));
        const none = await api(`/messages?service=dkkd&client=nobody`);
        assert.equal(none.json.items.length, 0);
        const anon = await request(`${srv.url}/api/v1/lgsp/messages`);
        assert.equal(anon.status, 401);
    });

    await t.test('401, 403, 404 with documented types; nothing forwarded', async () => {
        const before = up.seen.length;
        assertLgspProblem(await request(`${srv.url}/gw/dkkd/v1/a`), 401, 'unauthenticated');
        assertLgspProblem(await request(`${srv.url}/gw/dkkd/v1/a`, { token: 'garbage' }), 401, 'unauthenticated');
        assertLgspProblem(await request(`${srv.url}/gw/dkkd/v1/a`, { token: strangerTok }), 403, 'access-denied');
        assertLgspProblem(await request(`${srv.url}/gw/dkkd/v1/a`, { token: admin }), 403, 'access-denied');
        assertLgspProblem(await request(`${srv.url}/gw/dkkd/v1/other`, { token: tok }), 403, 'access-denied');
        assertLgspProblem(await request(`${srv.url}/gw/dkkd/v1/a`, { token: tok, method: 'DELETE' }), 403, 'access-denied');
        assertLgspProblem(await request(`${srv.url}/gw/khong-co/v1/a`, { token: tok }), 404, 'unknown-service');
        assertLgspProblem(await request(`${srv.url}/gw/dkkd/v9/a`, { token: tok }), 404, 'unknown-service');
        assert.equal(up.seen.length, before, 'nothing reached the upstream');
    });

    await t.test('bad input at the gateway: oversize, encoded separators, smuggling', async () => {
        const before = up.seen.length;
        const big = await request(`${srv.url}/gw/dkkd/v1/a`, { token: tok, body: Buffer.alloc(70000, 65), method: 'POST' });
        assertLgspProblem(big, 413, 'payload-too-large');
        const enc = await rawRequest(srv.url, `GET /gw/dkkd%2Fv1/v1/a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tok}\r\nConnection: close\r\n\r\n`);
        assert.match(enc, /^HTTP\/1\.1 400/);
        const enc2 = await rawRequest(srv.url, `GET /gw/dkkd/v1/a%2F..%2F..%2Fadmin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tok}\r\nConnection: close\r\n\r\n`);
        assert.match(enc2, /^HTTP\/1\.1 400/);
        const te = await rawRequest(srv.url, `POST /gw/dkkd/v1/a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tok}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`);
        assert.match(te, /^HTTP\/1\.1 (400|200)/);
        const after = up.seen.slice(before);
        for (const s of after) {
            assert.equal(s.headers['transfer-encoding'], undefined);
            assert.ok(!s.url.includes('admin'));
        }
        assert.ok(after.length <= 1);
    });

    await t.test('upstream redirects are not followed', async () => {
        const r = await request(`${srv.url}/gw/dkkd/v1/a/redirect`, { token: tok });
        assertLgspProblem(r, 502, 'upstream-unreachable');
        assert.equal(r.headers.get('location'), null);
    });

    await t.test('dead upstream 502, slow upstream 504 at the configured timeout', async () => {
        const port = await closedPort();
        let r = await api('/services', { body: { ...base, code: 'dead', upstream_url: `http://127.0.0.1:${port}/`, status: 'published' } });
        assert.equal(r.status, 201, r.text);
        r = await api('/services/dead/grants', { body: { client_id: consumer } });
        assert.equal(r.status, 201);
        assertLgspProblem(await request(`${srv.url}/gw/dead/v1/x`, { token: tok }), 502, 'upstream-unreachable');
        const t0 = Date.now();
        r = await request(`${srv.url}/gw/dkkd/v1/a/slow`, { token: tok });
        const ms = Date.now() - t0;
        assertLgspProblem(r, 504, 'upstream-timeout');
        assert.ok(ms >= 700 && ms < 2900, `timed out after ${ms} ms (timeout 800)`);
    });

    await t.test('rate limit: 429 quota-exceeded with Retry-After', async () => {
        let r = await api('/services', { body: { ...base, code: 'rl', status: 'published' } });
        assert.equal(r.status, 201);
        r = await api('/services/rl/grants', { body: { client_id: consumer, rate_limit: 1 } });
        assert.equal(r.status, 201);
        const a = await request(`${srv.url}/gw/rl/v1/x`, { token: tok });
        assert.equal(a.status, 200);
        const b = await request(`${srv.url}/gw/rl/v1/x`, { token: tok });
        assertLgspProblem(b, 429, 'quota-exceeded');
        assert.ok(Number(b.headers.get('retry-after')) >= 1);
        r = await api('/services', { body: { ...base, code: 'quota', status: 'published' } });
        r = await api('/services/quota/grants', { body: { client_id: consumer, quota: 2 } });
        assert.equal((await request(`${srv.url}/gw/quota/v1/x`, { token: tok })).status, 200);
        assert.equal((await request(`${srv.url}/gw/quota/v1/x`, { token: tok })).status, 200);
        const q = await request(`${srv.url}/gw/quota/v1/x`, { token: tok });
        assertLgspProblem(q, 429, 'quota-exceeded');
        assert.ok(Number(q.headers.get('retry-after')) > 1);
    });

    await t.test('SOAP pass-through keeps SOAPAction; SOAP callers get SOAP faults', async () => {
        let r = await api('/services', { body: { ...base, code: 'hotich', kind: 'soap', status: 'published', spec_type: 'wsdl', spec: '<definitions/>' } });
        assert.equal(r.status, 201, r.text);
        r = await api('/services/hotich/grants', { body: { client_id: consumer } });
        const env = '<?xml version="1.0"?><Envelope><Body><get/></Body></Envelope>';
        r = await request(`${srv.url}/gw/hotich/v1/soap`, {
            method: 'POST', token: tok, body: env,
            headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '"urn:getBirth"' },
        });
        assert.equal(r.status, 200);
        assert.match(r.text, /action="&quot;urn:getBirth&quot;"|action=""urn:getBirth""/);
        assert.equal(up.seen.at(-1).headers.soapaction, '"urn:getBirth"');
        const f = await request(`${srv.url}/gw/hotich/v1/soap`, {
            method: 'POST', token: strangerTok, body: env, headers: { 'Content-Type': 'text/xml', SOAPAction: '"x"' },
        });
        assert.equal(f.status, 403);
        assert.match(f.headers.get('content-type'), /^text\/xml/);
        assert.match(f.text, /<SOAP-ENV:Fault>/);
        assert.match(f.text, /problems\/lgsp\/access-denied/);
    });

    await t.test('read-only data service: the shared service catalogue through the gateway', async () => {
        let r = await api('/services', { body: { ...base, code: 'bad-data', upstream_url: 'data:nope' } });
        assert.equal(r.status, 422);
        r = await api('/services', { body: { ...base, code: 'danhmuc', upstream_url: 'data:lgsp.catalog', status: 'published' } });
        assert.equal(r.status, 201, r.text);
        assertLgspProblem(await request(`${srv.url}/gw/danhmuc/v1/services`, { token: tok }), 403, 'access-denied');
        r = await api('/services/danhmuc/grants', { body: { client_id: consumer } });
        assert.equal(r.status, 201);
        r = await request(`${srv.url}/gw/danhmuc/v1/services?agency=${AGENCY}`, { token: tok, headers: { 'X-Road-Id': 'catalog-call-1' } });
        assert.equal(r.status, 200, r.text);
        assert.ok(r.json.items.some((x) => x.code === 'dkkd'));
        assert.ok(r.json.items.every((x) => x.upstream_url === undefined), 'no upstream addresses');
        const none = await request(`${srv.url}/gw/danhmuc/v1/services?agency=000.00.99.H99`, { token: tok });
        assert.equal(none.json.items.length, 0);
        const post = await request(`${srv.url}/gw/danhmuc/v1/services`, { token: tok, method: 'POST', body: '{}' });
        assertLgspProblem(post, 405, 'access-denied');
        const logged = await api('/messages/catalog-call-1');
        assert.equal(logged.status, 200);
        assert.equal(logged.json.response_sha256, crypto.createHash('sha256').update(r.text).digest('hex'));
    });

    await t.test('transformation: JSON to XML request, XML to JSON response, header mapping', async () => {
        let r = await api('/services', { body: { ...base, code: 'xf-bad', transform: { request: 'yaml' } } });
        assert.equal(r.status, 422);
        r = await api('/services', { body: { ...base, code: 'xf', status: 'published',
            transform: { request: 'json-to-xml', response: 'xml-to-json', headers: { 'X-Ma-Ho-So': 'X-Case-Id' } } } });
        assert.equal(r.status, 201, r.text);
        await api('/services/xf/grants', { body: { client_id: consumer } });
        r = await request(`${srv.url}/gw/xf/v1/soap`, {
            method: 'POST', token: tok, headers: { 'X-Ma-Ho-So': 'HS-1' },
            body: { hoSo: { '@id': '7', ten: 'Nguyễn <A>', tep: ['a', 'b'] } },
        });
        assert.equal(r.status, 200, r.text);
        const got = up.seen.at(-1);
        assert.equal(got.body.toString(), '<?xml version="1.0" encoding="UTF-8"?><hoSo id="7"><ten>Nguyễn &lt;A&gt;</ten><tep>a</tep><tep>b</tep></hoSo>');
        assert.match(got.headers['content-type'], /^application\/xml/);
        assert.equal(got.headers['x-case-id'], 'HS-1');
        assert.equal(got.headers['x-ma-ho-so'], undefined);
        assert.match(r.headers.get('content-type'), /^application\/json/);
        assert.deepEqual(r.json, { Envelope: { Body: { ok: { '@action': '' } } } });
        const bad = await request(`${srv.url}/gw/xf/v1/soap`, { method: 'POST', token: tok, body: '{"a":', headers: { 'Content-Type': 'application/json' } });
        assertLgspProblem(bad, 400, 'bad-request');
    });

    await t.test('stats count the calls; metrics and opmon records', async () => {
        const s = await api('/stats');
        assert.equal(s.status, 200, s.text);
        const d = s.json.services.find((x) => x.service === 'dkkd');
        assert.ok(d, s.text);
        assert.ok(d.calls >= 8, `calls ${d.calls}`);
        assert.ok(d.errors >= 5);
        assert.ok(d.p50_ms !== null && d.p99_ms >= d.p50_ms);
        const c = d.consumers.find((x) => x.client_id === consumer);
        assert.ok(c.calls >= 2);
        const dead = s.json.services.find((x) => x.service === 'dead');
        assert.equal(dead.upstream.status, 'down');
        assert.equal(d.upstream.status === 'up' || d.upstream.status === 'down', true);
        const m = await request(`${srv.url}/metrics`);
        assert.match(m.text, /egov_lgsp_calls_total\{service="dkkd",client="he-thong-mot-cua",outcome="ok"\} \d+/);
        const op = await api('/opmon?limit=500');
        assert.equal(op.status, 200);
        const rec = op.json.items.find((x) => x.messageId === xroadId);
        assert.ok(rec, 'opmon record for the call');
        assert.equal(rec.securityServerType, 'Client');
        assert.equal(rec.succeeded, true);
        assert.ok(rec.requestInTs <= rec.requestOutTs && rec.responseInTs <= rec.responseOutTs);
        const denied = await request(`${srv.url}/api/v1/lgsp/stats`, { token: tok });
        assert.equal(denied.status, 403);
        const od = await request(`${srv.url}/api/v1/lgsp/opendata?day=2000-01-01`);
        assert.equal(od.status, 200);
        const tooNew = await request(`${srv.url}/api/v1/lgsp/opendata?day=${new Date().toISOString().slice(0, 10)}`);
        assert.equal(tooNew.status, 422, 'open data is delayed');
    });

    await t.test('admin page and developer portal are served', async () => {
        for (const p of ['/admin/lgsp.html', '/admin/lgsp.js', '/portal/developers.html', '/portal/developers.js']) {
            const r = await request(`${srv.url}${p}`);
            assert.equal(r.status, 200, p);
        }
        const html = (await request(`${srv.url}/admin/lgsp.html`)).text;
        assert.ok(!/<script>|style=/.test(html), 'no inline scripts or styles (CSP)');
    });
});

test('verify-log detects tampering; audit verify passes', async (t) => {
    const up = await startUpstream();
    const srv = await startServer({ env: ENV });
    const dataDir = srv.dataDir;
    t.after(async () => {
        await up.close();
    });
    const admin = await adminToken(srv);
    const api = (p, opts = {}) => request(`${srv.url}/api/v1/lgsp${p}`, { token: admin, ...opts });
    await api('/services', { body: { code: 'x', version: 'v1', name: 'X', owner_agency: AGENCY, upstream_url: up.url, status: 'published' } });
    await api('/consumers', { body: { client_id: 'c1', name: 'C1', agency_code: AGENCY } });
    await api('/services/x/grants', { body: { client_id: 'c1' } });
    const tok = await consumerToken(srv, 'c1');
    for (let i = 0; i < 5; i++) {
        const r = await request(`${srv.url}/gw/x/v1/p${i}`, { token: tok, method: 'POST', body: `body ${i}` });
        assert.equal(r.status, 200);
    }
    // Stop without removing the directory: kill with SIGTERM and wait.
    process.kill(srv.pid, 'SIGTERM');
    await srv.exited;
    let v = egovCli(['lgsp', 'verify-log', '--data-dir', dataDir]);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /5 records/);
    const a = egovCli(['audit', 'verify', '--data-dir', dataDir]);
    assert.equal(a.status, 0, a.stderr);
    const { spawnSync } = await import('node:child_process');
    const q = spawnSync('sqlite3', [`${dataDir}/egov.db`, "UPDATE lgsp_message SET status = 201 WHERE id = 3"]);
    assert.equal(q.status, 0, String(q.stderr));
    v = egovCli(['lgsp', 'verify-log', '--data-dir', dataDir]);
    assert.notEqual(v.status, 0);
    assert.match(v.stderr, /record 3/);
    await srv.stop();
});
