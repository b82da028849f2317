// LGSP asynchronous delivery through NATS JetStream (issue 7 item 6): lgsp.queue_backend=nats
// with a local `nats-server -js` started here. Store-and-forward with retries, receipts, dead
// letters; kill -9 of egov with messages queued -> after restart each is delivered exactly once.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { startServer, request } from './lib/server.mjs';
import { startUpstream } from './peers/upstream.mjs';
import { adminToken, consumerToken } from './peers/lgsp-auth.mjs';

const AGENCY = '000.00.07.H07';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const NATS = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']
    .find((p) => fs.existsSync(p)) || (spawnSync('sh', ['-c', 'command -v nats-server']).stdout.toString().trim() || null);

async function waitFor(fn, ms = 20000) {
    const end = Date.now() + ms;
    for (;;) {
        const v = await fn();
        if (v) return v;
        if (Date.now() > end) return v;
        await sleep(100);
    }
}

async function freePort() {
    const s = net.createServer();
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address();
    await new Promise((r) => s.close(r));
    return port;
}

async function startNats() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-nats-'));
    const port = await freePort();
    const proc = spawn(NATS, ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    const ok = await waitFor(() => new Promise((res) => {
        const c = net.connect(port, '127.0.0.1', () => { c.end(); res(true); });
        c.on('error', () => res(false));
    }), 10000);
    if (!ok) throw new Error('nats-server did not start');
    return { url: `nats://127.0.0.1:${port}`, stop: async () => {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
        fs.rmSync(dir, { recursive: true, force: true });
    } };
}

const skip = NATS ? false : 'nats-server is not installed (apt-get install nats-server)';

test('nats queue: kill -9 with messages queued, each delivered exactly once', { skip }, async (t) => {
    const nats = await startNats();
    const up = await startUpstream();
    const ENV = { EGOV_LGSP_UPSTREAM_ALLOW: '127.0.0.1/32', EGOV_LGSP_QUEUE_MAX_ATTEMPTS: '3',
        EGOV_LGSP_QUEUE_BACKEND: 'nats', EGOV_LGSP_NATS_URL: nats.url, EGOV_LGSP_NATS_ACK_WAIT_MS: '3000' };
    const srv = await startServer({ env: ENV });
    let srv2;
    t.after(async () => {
        if (srv2) await srv2.stop();
        await srv.stop();
        await up.close();
        await nats.stop();
    });
    const admin = await adminToken(srv);
    const api = (p, opts = {}) => request(`${srv.url}/api/v1/lgsp${p}`, { token: admin, ...opts });
    let r = await api('/services', { body: { code: 'vb', version: 'v1', name: 'Văn bản', owner_agency: AGENCY, upstream_url: `${up.url}/in`, status: 'published', timeout_ms: 2000 } });
    assert.equal(r.status, 201, r.text);
    await api('/consumers', { body: { client_id: 'qc', name: 'Q', agency_code: AGENCY } });
    await api('/services/vb/grants', { body: { client_id: 'qc', methods: ['POST'] } });
    const tok = await consumerToken(srv, 'qc');

    r = await request(`${srv.url}/api/v1/lgsp/queue/vb`, { body: 'x', method: 'POST' });
    assert.equal(r.status, 401);
    r = await request(`${srv.url}/api/v1/lgsp/queue/vb`, { body: 'x', method: 'POST', token: await consumerToken(srv, 'other') });
    assert.equal(r.status, 403);

    up.state.down = true;
    const ids = [];
    for (let i = 0; i < 6; i++) {
        const q = await request(`${srv.url}/api/v1/lgsp/queue/vb?path=/flaky`, {
            method: 'POST', token: tok, body: `message ${i}`, headers: { 'Content-Type': 'text/plain', 'X-Road-Id': `nmsg-${i}` },
        });
        assert.equal(q.status, 202, q.text);
        ids.push(q.json.id);
    }
    const again = await request(`${srv.url}/api/v1/lgsp/queue/vb?path=/flaky`, { method: 'POST', token: tok, body: 'message 0', headers: { 'X-Road-Id': 'nmsg-0' } });
    assert.equal(again.status, 200);
    assert.equal(again.json.duplicate, true);
    await waitFor(() => ids.every((id) => up.seen.some((s) => s.headers['x-road-id'] === id)));
    assert.ok(ids.every((id) => up.seen.some((s) => s.headers['x-road-id'] === id)), 'each tried once via JetStream');
    const rc = await request(`${srv.url}/api/v1/lgsp/queue/messages/nmsg-0`, { token: tok });
    assert.equal(rc.status, 200);
    assert.equal(rc.json.status, 'queued');
    assert.ok(rc.json.attempts >= 1);
    process.kill(srv.pid, 'SIGKILL');
    await srv.exited;

    up.state.down = false;
    srv2 = await startServer({ env: ENV, dataDir: srv.dataDir });
    srv2.clients = srv.clients;
    const tok2 = await consumerToken(srv2, 'qc');
    const delivered = () => up.seen.filter((s) => s.answered === 200);
    await waitFor(() => delivered().length >= ids.length, 30000);
    await sleep(4000); // past the ack wait: anything delivered twice would show up now
    for (const id of ids) {
        const n = delivered().filter((s) => s.headers['x-road-id'] === id).length;
        assert.equal(n, 1, `${id} delivered ${n} times`);
        const rec = await request(`${srv2.url}/api/v1/lgsp/queue/messages/${id}`, { token: tok2 });
        assert.equal(rec.json.status, 'delivered');
        assert.equal(rec.json.response_status, 200);
    }
    const got = delivered().find((s) => s.headers['x-road-id'] === 'nmsg-3');
    assert.equal(got.body.toString(), 'message 3');
    assert.equal(got.headers['x-road-client'], 'qc');
    assert.equal(got.headers['content-type'], 'text/plain');
    assert.equal(got.headers.authorization, undefined);
});

test('nats queue: dead letters after the retries; 503 when NATS is down', { skip }, async (t) => {
    const nats = await startNats();
    const up = await startUpstream();
    const ENV = { EGOV_LGSP_UPSTREAM_ALLOW: '127.0.0.1/32', EGOV_LGSP_QUEUE_MAX_ATTEMPTS: '3',
        EGOV_LGSP_QUEUE_BACKEND: 'nats', EGOV_LGSP_NATS_URL: nats.url };
    const srv = await startServer({ env: ENV });
    let natsUp = true;
    t.after(async () => {
        await srv.stop();
        await up.close();
        if (natsUp) await nats.stop();
    });
    const admin = await adminToken(srv);
    const api = (p, opts = {}) => request(`${srv.url}/api/v1/lgsp${p}`, { token: admin, ...opts });
    await api('/services', { body: { code: 'vb', version: 'v1', name: 'Văn bản', owner_agency: AGENCY, upstream_url: `${up.url}/in`, status: 'published' } });
    await api('/consumers', { body: { client_id: 'qc', name: 'Q', agency_code: AGENCY } });
    await api('/services/vb/grants', { body: { client_id: 'qc' } });
    const tok = await consumerToken(srv, 'qc');
    let q = await request(`${srv.url}/api/v1/lgsp/queue/vb?path=/status/400`, { method: 'POST', token: tok, body: 'bad' });
    assert.equal(q.status, 202, q.text);
    const bad = q.json.id;
    q = await request(`${srv.url}/api/v1/lgsp/queue/vb?path=/status/503`, { method: 'POST', token: tok, body: 'retry' });
    const retry = q.json.id;
    const st = async (id) => (await request(`${srv.url}/api/v1/lgsp/queue/messages/${id}`, { token: tok })).json;
    assert.equal(await waitFor(async () => ((await st(bad)).status === 'dead' ? 'dead' : null)), 'dead');
    const r = await waitFor(async () => { const j = await st(retry); return j.status === 'dead' ? j : null; }, 15000);
    assert.ok(r, 'dead-lettered after retries');
    assert.equal(r.attempts, 3);
    assert.equal(up.seen.filter((s) => s.url === '/in/status/503').length, 3);
    const log = await api('/messages?service=vb');
    assert.equal(log.json.items.filter((m) => m.xroad_id === retry).length, 3);

    await nats.stop();
    natsUp = false;
    const before = up.seen.length;
    q = await request(`${srv.url}/api/v1/lgsp/queue/vb?path=/x`, { method: 'POST', token: tok, body: 'lost?', headers: { 'X-Road-Id': 'while-down' } });
    assert.equal(q.status, 503, q.text);
    assert.equal(q.json.type, 'https://egov.local/problems/lgsp/unavailable');
    const rec = await request(`${srv.url}/api/v1/lgsp/queue/messages/while-down`, { token: tok });
    assert.equal(rec.status, 404, 'no receipt for a message that was refused');
    assert.equal(up.seen.length, before);
});
