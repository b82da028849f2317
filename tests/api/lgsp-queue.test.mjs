// LGSP asynchronous delivery (issue 7): store-and-forward with retries, receipts, dead
// letters, and kill -9 with messages queued -> each delivered exactly once after restart.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, egovCli, request } from './lib/server.mjs';
import { startUpstream } from './peers/upstream.mjs';
import { adminToken, consumerToken } from './peers/lgsp-auth.mjs';

const AGENCY = '000.00.07.H07';
const ENV = { EGOV_LGSP_UPSTREAM_ALLOW: '127.0.0.1/32', EGOV_LGSP_QUEUE_MAX_ATTEMPTS: '3' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, ms = 20000) {
    const end = Date.now() + ms;
    for (;;) {
        const v = await fn();
        if (v) return v;
        if (Date.now() > end) return v;
        await sleep(100);
    }
}

test('queue: kill -9 with messages queued, each delivered exactly once', async (t) => {
    const up = await startUpstream();
    const srv = await startServer({ env: ENV });
    let srv2;
    t.after(async () => {
        if (srv2) await srv2.stop();
        await srv.stop();
        await up.close();
    });
    const admin = await adminToken(srv);
    const api = (p, opts = {}) => request(`${srv.url}/api/v1/lgsp${p}`, { token: admin, ...opts });
    let r = await api('/services', { body: { code: 'vb', version: 'v1', name: 'Văn bản', owner_agency: AGENCY, upstream_url: `${up.url}/in`, status: 'published', timeout_ms: 2000 } });
    assert.equal(r.status, 201, r.text);
    await api('/consumers', { body: { client_id: 'qc', name: 'Q', agency_code: AGENCY } });
    await api('/services/vb/grants', { body: { client_id: 'qc', methods: ['POST'] } });
    const tok = await consumerToken(srv, 'qc');

    // Unauthenticated / ungranted / unknown: refused, nothing stored.
    r = await request(`${srv.url}/api/v1/lgsp/queue/vb`, { body: 'x', method: 'POST' });
    assert.equal(r.status, 401);
    assert.equal(r.json.type, 'https://egov.local/problems/lgsp/unauthenticated');
    r = await request(`${srv.url}/api/v1/lgsp/queue/nope`, { body: 'x', method: 'POST', token: tok });
    assert.equal(r.status, 404);
    r = await request(`${srv.url}/api/v1/lgsp/queue/vb`, { body: 'x', method: 'POST', token: await consumerToken(srv, 'other') });
    assert.equal(r.status, 403);

    up.state.down = true;
    const ids = [];
    for (let i = 0; i < 6; i++) {
        const q = await request(`${srv.url}/api/v1/lgsp/queue/vb?path=/flaky`, {
            method: 'POST', token: tok, body: `message ${i}`, headers: { 'Content-Type': 'text/plain', 'X-Road-Id': `msg-${i}` },
        });
        assert.equal(q.status, 202, q.text);
        assert.equal(q.json.id, `msg-${i}`);
        ids.push(q.json.id);
    }
    // Idempotent re-submission with the same X-Road-Id.
    const again = await request(`${srv.url}/api/v1/lgsp/queue/vb?path=/flaky`, { method: 'POST', token: tok, body: 'message 0', headers: { 'X-Road-Id': 'msg-0' } });
    assert.equal(again.status, 200);
    assert.equal(again.json.duplicate, true);
    // Wait until each has been tried (and refused) at least once, then kill -9.
    await waitFor(() => ids.every((id) => up.seen.some((s) => s.headers['x-road-id'] === id)));
    const rc = await request(`${srv.url}/api/v1/lgsp/queue/messages/msg-0`, { token: tok });
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
    await sleep(1500); // anything delivered twice would show up now
    for (const id of ids) {
        const n = delivered().filter((s) => s.headers['x-road-id'] === id).length;
        assert.equal(n, 1, `${id} delivered ${n} times`);
        const rec = await request(`${srv2.url}/api/v1/lgsp/queue/messages/${id}`, { token: tok2 });
        assert.equal(rec.json.status, 'delivered');
        assert.equal(rec.json.response_status, 200);
        assert.ok(rec.json.delivered_at);
    }
    const got = delivered().find((s) => s.headers['x-road-id'] === 'msg-3');
    assert.equal(got.body.toString(), 'message 3');
    assert.equal(got.headers['x-road-client'], 'qc');
    assert.equal(got.headers.authorization, undefined);
    // Another consumer cannot read the receipt.
    const other = await request(`${srv2.url}/api/v1/lgsp/queue/messages/msg-3`, { token: await consumerToken(srv2, 'other') });
    assert.equal(other.status, 404);
});

test('queue: permanent failures are dead-lettered after the retries', async (t) => {
    const up = await startUpstream();
    const srv = await startServer({ env: ENV });
    t.after(async () => {
        await srv.stop();
        await up.close();
    });
    const admin = await adminToken(srv);
    const api = (p, opts = {}) => request(`${srv.url}/api/v1/lgsp${p}`, { token: admin, ...opts });
    await api('/services', { body: { code: 'vb', version: 'v1', name: 'Văn bản', owner_agency: AGENCY, upstream_url: `${up.url}/in`, status: 'published' } });
    await api('/consumers', { body: { client_id: 'qc', name: 'Q', agency_code: AGENCY } });
    await api('/services/vb/grants', { body: { client_id: 'qc' } });
    const tok = await consumerToken(srv, 'qc');
    let q = await request(`${srv.url}/api/v1/lgsp/queue/vb?path=/status/400`, { method: 'POST', token: tok, body: 'bad' });
    assert.equal(q.status, 202);
    const bad = q.json.id;
    q = await request(`${srv.url}/api/v1/lgsp/queue/vb?path=/status/503`, { method: 'POST', token: tok, body: 'retry' });
    const retry = q.json.id;
    const st = async (id) => (await request(`${srv.url}/api/v1/lgsp/queue/messages/${id}`, { token: tok })).json;
    assert.equal((await waitFor(async () => ((await st(bad)).status === 'dead' ? 'dead' : null))), 'dead');
    const r = await waitFor(async () => { const j = await st(retry); return j.status === 'dead' ? j : null; }, 15000);
    assert.ok(r, 'dead-lettered after retries');
    assert.equal(r.attempts, 3);
    assert.equal(up.seen.filter((s) => s.url === '/in/status/503').length, 3);
    // Each attempt is in the message log.
    const log = await api('/messages?service=vb');
    assert.ok(log.json.items.filter((m) => m.xroad_id === retry).length === 3);
});
