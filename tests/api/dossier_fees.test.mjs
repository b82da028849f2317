/*
 * dossier_fees.test.mjs - status 6 (financial obligation) wired to the payment module: an
 * officer requests the procedure's fee (4 → 6, payment created, timeline + audit), the
 * applicant pays on the test gateway's page, the peer's signed callback moves the dossier back
 * to 4; a forged callback and a replayed one change nothing; fees due at acceptance
 * (collect_fees); a procedure without a fee is 422; wrong status 409; another agency 404/403.
 * Runs on PostgreSQL when EGOV_TEST_PG is set.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startServer, egovCli, request, tokenFor } from './lib/server.mjs';

const SECRET = 'fees-secret-0123456789abcdef0123456789abcdef';
const PROC = '2.000488.000.00.00.H61'; /* fee 200.000 đồng, Sở Tư pháp */
const FREE = '2.001481.000.00.00.H61'; /* no fee, same agency */
let srv;

const token = (user) => tokenFor(srv, user, { env: pgUrl ? { EGOV_DB_URL: pgUrl } : {} });

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

async function upload(t) {
    const fd = new FormData();
    fd.append('file', new Blob([PDF], { type: 'application/pdf' }), 'a.pdf');
    const r = await request(`${srv.url}/api/v1/files`, { method: 'POST', body: fd, token: t });
    assert.equal(r.status, 201, r.text);
    return r.json.id;
}

async function submitOnline(proc = PROC, comp = 'TK-LLTP') {
    const t = token('congdan1');
    const r = await request(`${srv.url}/api/v1/dossiers`, {
        token: t,
        body: {
            procedure_code: proc,
            channel: 2,
            applicant: { phone: '0912345678' },
            components: [{ code: comp, file_ids: [await upload(t)] }],
        },
    });
    assert.equal(r.status, 201, r.text);
    return r.json;
}

async function act(user, code, action, body = {}) {
    return request(`${srv.url}/api/v1/dossiers/${code}/actions/${action}`, {
        method: 'POST',
        token: token(user),
        body,
    });
}

async function get(code, user = 'congdan1') {
    const r = await request(`${srv.url}/api/v1/dossiers/${code}`, { token: token(user) });
    assert.equal(r.status, 200, r.text);
    return r.json;
}

function signed(params, secret = SECRET) {
    const canon = Object.keys(params)
        .sort()
        .map((k) => `${k}=${params[k]}`)
        .join('&');
    const sig = crypto.createHmac('sha256', secret).update(canon).digest('hex');
    return new URLSearchParams({ ...params, signature: sig }).toString();
}

async function callback(body) {
    return request(`${srv.url}/api/v1/payment/callback`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
}

async function payment(id) {
    const r = await request(`${srv.url}/api/v1/payment/${id}`, { token: token('tp.tiepnhan') });
    assert.equal(r.status, 200, r.text);
    return r.json;
}

async function waitStatus(code, status) {
    for (let i = 0; i < 80; i++) {
        const d = await get(code);
        if (d.status === status) return d;
        await new Promise((res) => setTimeout(res, 100));
    }
    assert.fail(`dossier ${code} never reached status ${status}`);
}

/* With EGOV_TEST_PG set (make test does), the server runs on a fresh PostgreSQL database
 * made for this file; otherwise on SQLite. */
let pgUrl = null;
function sql(query) {
    const q = pgUrl
        ? spawnSync('psql', [pgUrl, '-At', '-c', query])
        : spawnSync('sqlite3', [path.join(srv.dataDir, 'egov.db'), query]);
    assert.equal(q.status, 0, q.stderr?.toString());
    return q.stdout.toString();
}

before(async () => {
    const env = { EGOV_PAYMENT_SECRET: SECRET };
    if (process.env.EGOV_TEST_PG) {
        const name = `egov_fees_${process.pid}_${Date.now() % 100000}`;
        const c = spawnSync('psql', [process.env.EGOV_TEST_PG, '-c', `CREATE DATABASE ${name}`]);
        assert.equal(c.status, 0, c.stderr?.toString());
        pgUrl = process.env.EGOV_TEST_PG.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
        env.EGOV_DB_URL = pgUrl;
    }
    srv = await startServer({ env });
});
after(async () => {
    if (srv) await srv.stop();
});

test('fee requested by the officer, paid through the test gateway: 4 → 6 → 4', async () => {
    const d = await submitOnline();
    assert.equal((await act('tp.tiepnhan', d.code, 'accept')).status, 200);
    // another agency's officer cannot see it, so cannot ask for a fee
    assert.equal((await act('xd.chuyenvien', d.code, 'request-fee')).status, 404);
    // the applicant cannot ask for a fee
    assert.equal((await act('congdan1', d.code, 'request-fee')).status, 403);
    const rf = await act('tp.chuyenvien', d.code, 'request-fee', { note: 'Nộp trước khi in phiếu' });
    assert.equal(rf.status, 200, rf.text);
    assert.equal(rf.json.status, 6);
    assert.equal(rf.json.payment.state, 'pending');
    assert.equal(rf.json.payment.amount_vnd, 200000);
    assert.match(rf.json.payment.pay_url, /\/api\/v1\/payment\/testgw\/pay\/TG/);
    const ev = rf.json.timeline.at(-1);
    assert.equal(ev.action, 'request-fee');
    assert.equal(ev.status, 6);
    assert.match(ev.note, /200000 đồng/);
    // a second request while one is pending: 409 (status 6 → 6 is not a move)
    assert.equal((await act('tp.chuyenvien', d.code, 'request-fee')).status, 409);
    // the applicant's view carries the pay link; pay again while pending is refused
    const mine = await get(d.code);
    assert.equal(mine.payment.pay_url, rf.json.payment.pay_url);
    assert.equal((await act('congdan1', d.code, 'pay')).status, 409);
    // a forged callback (wrong key) changes nothing
    const p = await payment(rf.json.payment.id);
    const params = {
        merchant_id: 'EGOV-VINHLONG',
        order_id: p.order_id,
        gateway_txn: p.gateway_txn,
        amount: String(p.amount_vnd),
        status: 'paid',
        ts: String(Math.floor(Date.now() / 1000)),
        nonce: crypto.randomBytes(12).toString('hex'),
    };
    assert.equal((await callback(signed(params, 'not-the-secret'))).status, 403);
    assert.equal((await get(d.code)).status, 6);
    // the citizen pays on the gateway's page; the peer's signed callback moves the dossier
    const page = await request(mine.payment.pay_url);
    assert.equal(page.status, 200);
    assert.match(page.text, /200\.000 đồng/);
    const txn = mine.payment.pay_url.split('/').pop();
    const ok = await request(`${srv.url}/api/v1/payment/testgw/pay/${txn}/confirm`, {
        method: 'POST',
    });
    assert.equal(ok.status, 200);
    const back = await waitStatus(d.code, 4);
    assert.equal(back.payment.state, 'paid');
    assert.equal(back.payment.pay_url, null);
    const paidEv = back.timeline.find((e) => e.action === 'paid');
    assert.ok(paidEv, 'timeline shows the payment');
    assert.equal(paidEv.from_status, 6);
    assert.match(paidEv.note, /Đã nộp phí/);
    // a replayed callback (valid signature, already seen nonce... or a fresh nonce for an
    // already paid payment) changes nothing: no second 'paid' event
    const again = signed({ ...params, nonce: crypto.randomBytes(12).toString('hex') });
    const r1 = await callback(again);
    assert.equal(r1.status, 200, r1.text);
    const r2 = await callback(again);
    assert.equal(r2.status, 200);
    assert.deepEqual(r2.json, r1.json);
    const after2 = await get(d.code);
    assert.equal(after2.status, 4);
    assert.equal(after2.version, back.version);
    assert.equal(after2.timeline.filter((e) => e.action === 'paid').length, 1);
    // the audit log has both transitions (the database is read directly, as durability does)
    const actions = sql(
        `SELECT action FROM audit_log WHERE object_type = 'dossier' AND object_id = '${d.code}'`,
    );
    assert.match(actions, /dossier\.request-fee/);
    assert.match(actions, /dossier\.paid/);
    const v = egovCli(['audit', 'verify', '--data-dir', srv.dataDir], {
        env: pgUrl ? { EGOV_DB_URL: pgUrl } : {},
    });
    assert.equal(v.status, 0, v.stderr);
});

test('fees due at acceptance (collect_fees): 1 → 2 → 4 → 6; failed payment → pay again', async () => {
    const d = await submitOnline();
    const r = await act('tp.tiepnhan', d.code, 'accept', { collect_fees: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 6);
    const txn = r.json.payment.pay_url.split('/').pop();
    const cancel = await request(`${srv.url}/api/v1/payment/testgw/pay/${txn}/cancel`, {
        method: 'POST',
    });
    assert.equal(cancel.status, 200);
    let cur;
    for (let i = 0; i < 80; i++) {
        cur = await get(d.code);
        if (cur.payment.state !== 'pending') break;
        await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(cur.payment.state, 'failed');
    assert.equal(cur.status, 6);
    // another citizen cannot act on it; the applicant creates a new payment
    assert.equal((await act('congdan2', d.code, 'pay')).status, 404);
    const again = await act('congdan1', d.code, 'pay');
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.payment.state, 'pending');
    assert.notEqual(again.json.payment.id, r.json.payment.id);
});

test('no fee for the procedure: 422; wrong status: 409; nothing changed', async () => {
    const free = await submitOnline(FREE, 'VB');
    assert.equal((await act('tp.tiepnhan', free.code, 'accept')).status, 200);
    const v = (await get(free.code)).version;
    const r = await act('tp.chuyenvien', free.code, 'request-fee');
    assert.equal(r.status, 422, r.text);
    assert.match(r.json.detail, /không có phí/);
    assert.equal((await get(free.code)).version, v);
    // an explicit amount is accepted for it; a bad amount is 422
    assert.equal(
        (await act('tp.chuyenvien', free.code, 'request-fee', { amount_vnd: -5 })).status,
        422,
    );
    const d = await submitOnline();
    assert.equal((await act('tp.chuyenvien', d.code, 'request-fee')).status, 409); // status 1
    assert.equal((await get(d.code)).status, 1);
});

test('desk submission with collect_fees: status 6 at once; the desk renews a failed payment', async () => {
    const t = token('tp.tiepnhan');
    const r = await request(`${srv.url}/api/v1/dossiers`, {
        token: t,
        body: {
            procedure_code: PROC,
            channel: 1,
            collect_fees: true,
            applicant: { name: 'Lê Văn Cường', personal_id: '086090005678' },
            components: [{ code: 'TK-LLTP', file_ids: [await upload(t)] }],
        },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.status, 6);
    assert.deepEqual(
        r.json.timeline.map((e) => e.status),
        [2, 4, 6],
    );
    assert.equal(r.json.payment.state, 'pending');
    const txn = r.json.payment.pay_url.split('/').pop();
    await request(`${srv.url}/api/v1/payment/testgw/pay/${txn}/cancel`, { method: 'POST' });
    let cur;
    for (let i = 0; i < 80; i++) {
        cur = await get(r.json.code, 'tp.tiepnhan');
        if (cur.payment.state !== 'pending') break;
        await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(cur.payment.state, 'failed');
    assert.equal((await act('congdan1', r.json.code, 'pay')).status, 404);
    assert.equal((await act('xd.tiepnhan', r.json.code, 'pay')).status, 404);
    const again = await act('tp.tiepnhan', r.json.code, 'pay');
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.payment.state, 'pending');
});
