/*
 * payment.test.mjs - fees and e-payment through the built-in test gateway peer: a payment is
 * created by agency staff, the citizen confirms on the peer's page, the peer's signed callback
 * marks it paid; forged, replayed, out-of-order and wrong-amount callbacks change nothing;
 * reconciliation finds a planted mismatch; cross-agency access is refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, request, tokenFor } from './lib/server.mjs';

const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
const AGENCY = '000.00.04.H61';
let srv;

const token = (user) => tokenFor(srv, user);

function signed(params, secret = SECRET) {
    const canon = Object.keys(params)
        .sort()
        .map((k) => `${k}=${params[k]}`)
        .join('&');
    const sig = crypto.createHmac('sha256', secret).update(canon).digest('hex');
    return new URLSearchParams({ ...params, signature: sig }).toString();
}

function cbParams(p, status, extra = {}) {
    return {
        merchant_id: 'EGOV-VINHLONG',
        order_id: p.order_id,
        gateway_txn: p.gateway_txn,
        amount: String(p.amount_vnd),
        status,
        ts: String(Math.floor(Date.now() / 1000)),
        nonce: crypto.randomBytes(12).toString('hex'),
        ...extra,
    };
}

async function callback(body) {
    return request(`${srv.url}/api/v1/payment/callback`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
}

async function me(user) {
    const r = await request(`${srv.url}/api/v1/me`, { token: token(user) });
    assert.equal(r.status, 200);
    return r.json.sub;
}

async function createPayment(refId, amount = 50000, payer = null) {
    const r = await request(`${srv.url}/api/v1/payment`, {
        token: token('tp.tiepnhan'),
        body: {
            ref_type: 'dossier',
            ref_id: refId,
            agency_code: AGENCY,
            amount_vnd: amount,
            description: 'Lệ phí cấp phiếu lý lịch tư pháp',
            payer_subject: payer,
        },
    });
    assert.equal(r.status, 201, r.text);
    return r.json;
}

async function get(id, user = 'tp.tiepnhan') {
    return request(`${srv.url}/api/v1/payment/${id}`, { token: token(user) });
}

async function waitState(id, state) {
    for (let i = 0; i < 60; i++) {
        const r = await get(id);
        if (r.json && r.json.state === state) return r.json;
        await new Promise((res) => setTimeout(res, 100));
    }
    assert.fail(`payment ${id} never reached ${state}`);
}

before(async () => {
    srv = await startServer({
        env: { EGOV_PAYMENT_SECRET: SECRET, EGOV_PAYMENT_TEST_GATEWAY_TAMPER: '1' },
    });
});
after(async () => {
    if (srv) await srv.stop();
});

test('paid through the test gateway page: the peer sends the signed callback', async () => {
    const payer = await me('congdan1');
    const p = await createPayment('000.00.04.H61-261128-0001', 200000, payer);
    assert.equal(p.state, 'pending');
    assert.match(p.redirect_url, /\/api\/v1\/payment\/testgw\/pay\/TG/);
    const page = await request(p.redirect_url);
    assert.equal(page.status, 200);
    assert.match(page.text, /Xác nhận thanh toán/);
    assert.match(page.text, /200\.000 đồng/);
    const txn = p.redirect_url.split('/').pop();
    const ok = await request(`${srv.url}/api/v1/payment/testgw/pay/${txn}/confirm`, {
        method: 'POST',
    });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /Thanh toán thành công/);
    const paid = await waitState(p.id, 'paid');
    assert.ok(paid.paid_at);
    // the payer reads it; another citizen cannot
    assert.equal((await get(p.id, 'congdan1')).status, 200);
    assert.equal((await get(p.id, 'congdan2')).status, 403);
    // the PDF receipt (biên lai): payer and agency staff; not another citizen
    const pdf = await request(`${srv.url}/api/v1/payment/${p.id}/receipt.pdf`, {
        token: token('congdan1'),
    });
    assert.equal(pdf.status, 200, pdf.text.slice(0, 300));
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.ok(pdf.text.startsWith('%PDF-'));
    const pdfOther = await request(`${srv.url}/api/v1/payment/${p.id}/receipt.pdf`, {
        token: token('congdan2'),
    });
    assert.equal(pdfOther.status, 403);
    // the query route asks the gateway
    const q = await request(`${srv.url}/api/v1/payment/${p.id}/query`, {
        token: token('tp.tiepnhan'),
    });
    assert.equal(q.json.gateway_state, 'paid');
    // a second payment for the same object is refused while one is paid
    const dup = await request(`${srv.url}/api/v1/payment`, {
        token: token('tp.tiepnhan'),
        body: {
            ref_type: 'dossier',
            ref_id: '000.00.04.H61-261128-0001',
            agency_code: AGENCY,
            amount_vnd: 1000,
            description: 'x',
        },
    });
    assert.equal(dup.status, 409);
});

test('forged callback: 403, nothing changed', async () => {
    const p = await createPayment('000.00.04.H61-261128-0002');
    const forged = await callback(signed(cbParams(p, 'paid'), 'wrong-secret'));
    assert.equal(forged.status, 403);
    assert.equal(forged.headers.get('content-type').split(';')[0], 'application/problem+json');
    const tampered = signed(cbParams(p, 'paid')).replace(/amount=\d+/, 'amount=1');
    assert.equal((await callback(tampered)).status, 403);
    const unsigned = new URLSearchParams(cbParams(p, 'paid')).toString();
    assert.equal((await callback(unsigned)).status, 403);
    assert.equal((await callback('a=%zz&&')).status, 400);
    const stale = signed(cbParams(p, 'paid', { ts: String(Math.floor(Date.now() / 1000) - 3600) }));
    assert.equal((await callback(stale)).status, 403);
    assert.equal((await get(p.id)).json.state, 'pending');
    const early = await request(`${srv.url}/api/v1/payment/${p.id}/receipt.pdf`, {
        token: token('tp.tiepnhan'),
    });
    assert.equal(early.status, 409);
});

test('amount mismatch: 422, nothing changed', async () => {
    const p = await createPayment('000.00.04.H61-261128-0003', 50000);
    const r = await callback(signed(cbParams(p, 'paid', { amount: '49000' })));
    assert.equal(r.status, 422);
    assert.equal((await get(p.id)).json.state, 'pending');
});

test('replayed callback answers the same and changes nothing; out of order is 409', async () => {
    const p = await createPayment('000.00.04.H61-261128-0004', 75000);
    const txn = p.redirect_url.split('/').pop();
    await request(`${srv.url}/api/v1/payment/testgw/pay/${txn}/confirm`, { method: 'POST' });
    const v1 = await waitState(p.id, 'paid');
    // the same signed callback delivered twice (same nonce): same answer, no change
    const body = signed(cbParams(p, 'paid'));
    const first = await callback(body);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.state, 'paid');
    const again = await callback(body);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, first.json);
    const v2 = (await get(p.id)).json;
    assert.equal(v2.version, v1.version);
    assert.equal(v2.paid_at, v1.paid_at);
    // a 'failed' after 'paid' is out of order
    assert.equal((await callback(signed(cbParams(p, 'failed')))).status, 409);
    // refund by the unit leader, then a late 'paid' is refused
    const cross = await request(`${srv.url}/api/v1/payment/${p.id}/refund`, {
        method: 'POST',
        token: token('xd.truongphong'),
    });
    assert.equal(cross.status, 403);
    const rf = await request(`${srv.url}/api/v1/payment/${p.id}/refund`, {
        method: 'POST',
        token: token('tp.truongphong'),
    });
    assert.equal(rf.status, 200, rf.text);
    assert.equal(rf.json.state, 'refunded');
    const late = await callback(signed(cbParams(p, 'paid')));
    assert.equal(late.status, 409);
    assert.equal((await get(p.id)).json.state, 'refunded');
});

test('cross-agency staff cannot read or create payments of another agency', async () => {
    const p = await createPayment('000.00.04.H61-261128-0005');
    assert.equal((await get(p.id, 'xd.tiepnhan')).status, 403);
    const r = await request(`${srv.url}/api/v1/payment`, {
        token: token('xd.tiepnhan'),
        body: {
            ref_type: 'dossier',
            ref_id: 'x-1',
            agency_code: AGENCY,
            amount_vnd: 1000,
            description: 'x',
        },
    });
    assert.equal(r.status, 403);
    const bad = await request(`${srv.url}/api/v1/payment`, {
        token: token('tp.tiepnhan'),
        body: {
            ref_type: 'dossier',
            ref_id: 'x-2',
            agency_code: AGENCY,
            amount_vnd: -5,
            description: 'x',
        },
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.errors[0].field, 'amount_vnd');
});

test('reconciliation finds a planted mismatch', async () => {
    const p = await createPayment('000.00.04.H61-261128-0006', 120000);
    assert.equal((await callback(signed(cbParams(p, 'paid')))).status, 200);
    // the platform marked it paid from a callback; the peer's books do not know it yet
    const day = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
    const rec = async () =>
        request(`${srv.url}/api/v1/payment/reconciliation?date=${day}`, {
            token: token('kiemtra'),
        });
    let r = await rec();
    assert.equal(r.status, 200, r.text);
    const miss = r.json.mismatches.find((m) => m.order_id === p.order_id);
    assert.equal(miss.kind, 'missing_at_gateway');
    // the first test's payment went through the peer: it matches until we plant a difference
    const first = r.json.mismatches.length;
    const paidViaPeer = await request(`${srv.url}/api/v1/payment/testgw/statement?date=${day}`);
    assert.equal(paidViaPeer.status, 200);
    assert.ok(paidViaPeer.json.items.length >= 1);
    const line = paidViaPeer.json.items[0];
    const adj = await request(`${srv.url}/api/v1/payment/testgw/statement/adjust`, {
        body: { order_id: line.order_id, amount_vnd: line.amount_vnd + 1000 },
    });
    assert.equal(adj.status, 200);
    r = await rec();
    assert.equal(r.json.mismatches.length, first + 1);
    const planted = r.json.mismatches.find((m) => m.order_id === line.order_id);
    assert.equal(planted.kind, 'amount_mismatch');
    assert.equal(planted.gateway_amount_vnd, line.amount_vnd + 1000);
    // agency staff of another agency may not read this agency's report
    const x = await request(
        `${srv.url}/api/v1/payment/reconciliation?date=${day}&agency_code=${AGENCY}`,
        { token: token('xd.giamdoc') },
    );
    assert.equal(x.status, 403);
    const own = await request(
        `${srv.url}/api/v1/payment/reconciliation?date=${day}&agency_code=${AGENCY}`,
        { token: token('tp.giamdoc') },
    );
    assert.equal(own.status, 200);
    assert.equal((await rec()).status, 200);
    const bad = await request(`${srv.url}/api/v1/payment/reconciliation?date=2026-13-01`, {
        token: token('kiemtra'),
    });
    assert.equal(bad.status, 400);
});
