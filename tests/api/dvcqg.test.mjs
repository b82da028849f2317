/*
 * dvcqg.test.mjs - sync with the National Public Service Portal against a local peer: events
 * queue while the peer is down and are delivered once, in order, when it comes back; a kill -9
 * with queued events loses nothing and duplicates nothing; status is agency-scoped. Every
 * portal call goes through the LGSP gateway (service "dvcqg", consumer "egov-dvcqg") and is in
 * the LGSP message log with the dossier code as issue; the token step is logged without bodies.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, egovCli, request } from './lib/server.mjs';
import { startDvcqgPeer } from './peers/dvcqg-peer.mjs';

const AGENCY = '000.00.04.H61';
let peer;
const env = () => ({
    EGOV_DVCQG_BASE_URL: peer.url,
    EGOV_DVCQG_CLIENT_ID: 'egov',
    EGOV_DVCQG_CLIENT_SECRET: 'peer-secret',
    EGOV_DVCQG_RETRY_BASE_MS: '100',
    EGOV_DVCQG_RETRY_MAX_MS: '400',
    EGOV_DVCQG_TIMEOUT_MS: '1000',
    EGOV_LGSP_UPSTREAM_ALLOW: '127.0.0.1/32',
});

const token = (srv, user) =>
    egovCli(['token', '--data-dir', srv.dataDir, '--user', user]).stdout.trim();

function dossier(code, status, extra = {}) {
    return {
        code,
        status,
        agency_code: AGENCY,
        procedure_code: '2.000488.000.00.00.H61',
        applicant: { name: 'Nguyễn Văn An', id_number: '086090001234', kind: 'citizen' },
        submitted_at: '2026-11-28T08:00:00Z',
        received_at: '2026-11-28T08:05:00Z',
        components: [{ code: 'TP1', name: 'Tờ khai', files: [{ name: 'tokhai.pdf', sha256: 'ab'.repeat(32) }] }],
        ...extra,
    };
}

async function enqueue(srv, tok, event, d) {
    const r = await request(`${srv.url}/api/v1/dvcqg/events`, { token: tok, body: { event, dossier: d } });
    assert.equal(r.status, 202, r.text);
    return r.json;
}

async function status(srv, tok, code) {
    return request(`${srv.url}/api/v1/dvcqg/status/${encodeURIComponent(code)}`, { token: tok });
}

async function until(fn, ms = 10000) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (await fn()) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('condition not reached in time');
}

function ofDossier(code) {
    return peer
        .calls()
        .filter((c) => (c.body.MaHoSoNguon === code) || (Array.isArray(c.body) && c.key.startsWith(`${code}/`)) || (c.op === 'GetNextValue' && c.key.startsWith(`${code}/`)));
}

before(async () => {
    peer = await startDvcqgPeer();
});
after(async () => {
    await peer.close();
});

test('peer down: queued; back up: delivered exactly once, in order', async () => {
    peer.setDown(true);
    const srv = await startServer({ env: env() });
    try {
        const tok = token(srv, 'tp.giamdoc');
        const code = '000.00.04.H61-261128-0101';
        await enqueue(srv, tok, 'submitted', dossier(code, 1));
        await enqueue(srv, tok, 'status', dossier(code, 2));
        await enqueue(srv, tok, 'progress', { ...dossier(code, 4), actor: 'Nguyễn Văn Bình', unit: 'Phòng HCTP', note: 'Thẩm định', started_at: '2026-11-28T09:00:00Z', due_at: '2026-12-05T10:00:00Z', at: '2026-11-28T09:00:00Z' });
        await enqueue(srv, tok, 'status', dossier(code, 4));
        await until(async () => {
            const s = await status(srv, tok, code);
            return s.json && s.json.state === 'retrying';
        });
        await new Promise((r) => setTimeout(r, 800));
        let st = (await status(srv, tok, code)).json;
        assert.equal(st.delivered, 0);
        assert.equal(st.pending, 4);
        assert.ok(st.last_error);
        assert.equal(peer.calls().length, 0);
        peer.setDown(false);
        await until(async () => (await status(srv, tok, code)).json.state === 'synced');
        st = (await status(srv, tok, code)).json;
        assert.equal(st.delivered, 4);
        assert.match(st.portal_code, /^000\.00\.04\.H61-\d{8}-\d{7}$/);
        const calls = peer.calls().filter((c) => c.key.startsWith(`${code}/`));
        assert.deepEqual(
            calls.map((c) => c.op),
            ['GetNextValue', 'UploadFile', 'NoiHoSo', 'CapNhatTrangThai', 'CapNhatTienTrinh', 'CapNhatTrangThai'],
        );
        const noi = calls[2].body;
        assert.equal(noi.MaHoSo, st.portal_code);
        assert.equal(noi.MaTTHC, '2.000488.000.00.00.H61');
        assert.equal(noi.NgayNop, '2026-11-28 15:00:00');
        assert.equal(noi.ThongTinNguoiNop.ThongTinChiTiet.SoDinhDanh, '086090001234');
        assert.deepEqual(calls[3].body, [{ IdHoSo: `HS-${st.portal_code}`, MaHoSo: st.portal_code, TrangThai: 2 }]);
        assert.equal(calls[4].body[0].NguoiXuLy, 'Nguyễn Văn Bình');
        assert.equal(calls[5].body[0].TrangThai, 4);
        // nothing more arrives later
        await new Promise((r) => setTimeout(r, 600));
        assert.equal(peer.calls().filter((c) => c.key.startsWith(`${code}/`)).length, 6);
        // every call went through the LGSP gateway: in the message log, dossier code as issue
        const admin = token(srv, 'admin');
        const log = await request(`${srv.url}/api/v1/lgsp/messages?service=dvcqg&limit=500`, { token: admin });
        assert.equal(log.status, 200, log.text);
        const mine = log.json.items.filter((m) => m.issue === code).reverse();
        assert.ok(mine.every((m) => m.client_id === 'egov-dvcqg' && m.method === 'POST'));
        assert.deepEqual(
            mine.filter((m) => m.status === 200).map((m) => m.path),
            ['/GetNextValue', '/UploadFile', '/NoiHoSo', '/CapNhatTrangThai', '/CapNhatTienTrinh', '/CapNhatTrangThai'],
        );
        /* the attempts while the portal was down (they fail at step 1, the token) are logged too */
        assert.ok(log.json.items.some((m) => m.path === '/token' && m.status === 503));
        const tokens = log.json.items.filter((m) => m.path === '/token' && m.status === 200);
        assert.ok(tokens.length >= 1);
        const tk = await request(`${srv.url}/api/v1/lgsp/messages/${tokens[0].xroad_id}`, { token: admin });
        assert.equal(tk.status, 200, tk.text);
        assert.equal(tk.json.request_body ?? null, null, 'the client secret is not in the log');
        assert.equal(tk.json.response_body ?? null, null, 'the portal token is not in the log');
        assert.doesNotMatch(tk.text, /peer-secret/);
        // the status is the agency's: others are refused
        assert.equal((await status(srv, token(srv, 'xd.chuyenvien'), code)).status, 403);
        assert.equal((await status(srv, token(srv, 'tp.chuyenvien'), code)).status, 200);
        assert.equal((await status(srv, tok, 'no-such')).status, 404);
        // bad events are refused
        const bad = await request(`${srv.url}/api/v1/dvcqg/events`, { token: tok, body: { event: 'status', dossier: dossier(code, 11) } });
        assert.equal(bad.status, 422);
        const wrong = await request(`${srv.url}/api/v1/dvcqg/events`, { token: token(srv, 'xd.giamdoc'), body: { event: 'status', dossier: dossier(code, 5) } });
        assert.equal(wrong.status, 403);
        assert.equal((await status(srv, tok, code)).json.events.length, 4);
    } finally {
        await srv.stop();
    }
});

test('kill -9 with queued events: delivered exactly once after restart', async () => {
    peer.setDown(true);
    const srv = await startServer({ env: env() });
    const code = '000.00.04.H61-261128-0202';
    let dataDir = srv.dataDir;
    const tok = token(srv, 'tp.giamdoc');
    await enqueue(srv, tok, 'submitted', dossier(code, 1));
    for (const s of [2, 4, 9, 10]) await enqueue(srv, tok, 'status', dossier(code, s));
    process.kill(srv.pid, 'SIGKILL');
    await srv.exited;
    peer.setDown(false);
    const again = await startServer({ env: env(), dataDir });
    try {
        const tok2 = token(again, 'tp.giamdoc');
        await until(async () => (await status(again, tok2, code)).json.state === 'synced');
        await new Promise((r) => setTimeout(r, 600));
        const calls = peer.calls().filter((c) => c.key.startsWith(`${code}/`));
        assert.equal(calls.filter((c) => c.op === 'NoiHoSo').length, 1);
        assert.deepEqual(
            calls.filter((c) => c.op === 'CapNhatTrangThai').map((c) => c.body[0].TrangThai),
            [2, 4, 9, 10],
        );
        const admin = token(again, 'admin');
        const log = await request(`${again.url}/api/v1/lgsp/messages?service=dvcqg&limit=500`, { token: admin });
        assert.equal(log.json.items.filter((m) => m.issue === code && m.path === '/NoiHoSo' && m.status === 200).length, 1);
    } finally {
        await again.stop();
        const fs = await import('node:fs');
        fs.rmSync(dataDir, { recursive: true, force: true });
    }
});

test('portal on a private address not in lgsp.upstream_allow: nothing is sent, the error says why', async () => {
    peer.setDown(false);
    const { EGOV_LGSP_UPSTREAM_ALLOW, ...rest } = env();
    void EGOV_LGSP_UPSTREAM_ALLOW;
    const srv = await startServer({ env: rest });
    try {
        const tok = token(srv, 'tp.giamdoc');
        const code = '000.00.04.H61-261128-0303';
        await enqueue(srv, tok, 'submitted', dossier(code, 1));
        await until(async () => (await status(srv, tok, code)).json.state === 'retrying');
        const st = (await status(srv, tok, code)).json;
        assert.match(st.last_error, /upstream_allow/);
        assert.equal(peer.calls().filter((c) => c.key.startsWith(`${code}/`)).length, 0);
    } finally {
        await srv.stop();
    }
});
