/*
 * feedback.test.mjs - phản ánh, kiến nghị: a citizen files feedback routed to an agency; only
 * that agency's staff and the author see it; assign -> resolve -> reopen -> resolve -> close
 * with a rating; bad ratings and wrong actors change nothing; the public list shows published
 * answers without personal data.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, egovCli, request, apiAs } from './lib/server.mjs';

const AGENCY = '000.00.04.H61';
let srv;
const api = (path, user, opts = {}) => apiAs(srv)(path, user, opts);
const act = (id, action, user, body = {}) =>
    api(`/feedback/${id}/actions/${action}`, user, { method: 'POST', body });

before(async () => {
    srv = await startServer();
});
after(async () => {
    if (srv) await srv.stop();
});

async function file(user = 'congdan1', extra = {}) {
    const r = await api('/feedback', user, {
        body: {
            object_type: 'procedure',
            object_code: '2.000488.000.00.00.H61',
            agency_code: AGENCY,
            title: 'Thời gian cấp phiếu lý lịch tư pháp quá lâu',
            content: 'Tôi nộp hồ sơ đã 15 ngày nhưng chưa nhận được kết quả.',
            allow_publish: true,
            ...extra,
        },
    });
    assert.equal(r.status, 201, r.text);
    return r.json;
}

test('file, route, visibility (author and the agency only)', async () => {
    const f = await file();
    assert.equal(f.state, 'pending_assignment');
    assert.equal(f.agency_code, AGENCY);
    assert.ok(f.due_at > f.created_at);
    // routed from the catalogue: the procedure's agency wins over what the citizen typed
    const routed = await file('congdan1', { agency_code: '000.00.05.H61' });
    assert.equal(routed.agency_code, AGENCY);
    assert.equal((await api(`/feedback/${f.id}`, 'congdan1')).status, 200);
    assert.equal((await api(`/feedback/${f.id}`, 'tp.chuyenvien')).status, 200);
    assert.equal((await api(`/feedback/${f.id}`, 'congdan2')).status, 404);
    assert.equal((await api(`/feedback/${f.id}`, 'xd.chuyenvien')).status, 404);
    assert.equal((await api(`/feedback/${f.id}`)).status, 401);
    const mine = await api('/feedback', 'congdan1');
    assert.ok(mine.json.items.some((x) => x.id === f.id));
    const other = await api('/feedback', 'congdan2');
    assert.ok(!other.json.items.some((x) => x.id === f.id));
    const agencyList = await api('/feedback', 'tp.tiepnhan');
    assert.ok(agencyList.json.items.some((x) => x.id === f.id));
    const xd = await api('/feedback', 'xd.tiepnhan');
    assert.ok(!xd.json.items.some((x) => x.id === f.id));
    const xdAsk = await api(`/feedback?agency_code=${AGENCY}`, 'xd.tiepnhan');
    assert.equal(xdAsk.status, 403);
    // staff of another agency cannot act on it either
    assert.equal((await act(f.id, 'assign', 'xd.truongphong', { assignee: 'x' })).status, 404);
    assert.equal((await api(`/feedback/${f.id}`, 'congdan1')).json.state, 'pending_assignment');
});

test('bad input is refused with problem+json and nothing is stored', async () => {
    const before = (await api('/feedback', 'congdan1')).json.items.length;
    const bad = [
        { object_type: 'thing' },
        { object_code: 'not-a-code' },
        { object_code: '9.999999.000.00.00.H61' },
        { agency_code: '12' },
        { title: '' },
        { allow_publish: 'yes' },
        { object_type: 'dossier', object_code: 'X', agency_code: undefined },
    ];
    for (const b of bad) {
        const r = await api('/feedback', 'congdan1', {
            body: {
                object_type: 'procedure',
                object_code: '2.000488.000.00.00.H61',
                agency_code: AGENCY,
                title: 't',
                content: 'c',
                ...b,
            },
        });
        assert.equal(r.status, 422, JSON.stringify(b) + r.text);
        assert.match(r.headers.get('content-type'), /problem\+json/);
    }
    const staff = await api('/feedback', 'tp.chuyenvien', {
        body: { object_type: 'procedure', object_code: '2.000488.000.00.00.H61', title: 't', content: 'c', agency_code: AGENCY },
    });
    assert.equal(staff.status, 403);
    assert.equal((await api('/feedback', 'congdan1')).json.items.length, before);
});

test('grievance flow: assign, resolve, reopen, resolve, close with rating; public list', async () => {
    const f = await file();
    assert.equal((await act(f.id, 'resolve', 'tp.chuyenvien', { answer: 'x' })).status, 409);
    assert.equal((await act(f.id, 'assign', 'congdan1', { assignee: 'x' })).status, 403);
    let r = await act(f.id, 'assign', 'tp.truongphong', { assignee: 'tp.chuyenvien' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'assigned');
    // a stale If-Match is refused
    const stale = await api(`/feedback/${f.id}/actions/resolve`, 'tp.chuyenvien', {
        method: 'POST',
        body: { answer: 'a' },
        headers: { 'If-Match': '"v1"' },
    });
    assert.equal(stale.status, 412);
    r = await act(f.id, 'resolve', 'tp.chuyenvien', {
        answer: 'Hồ sơ của ông/bà đã được xử lý, kết quả trả ngày 30/11.',
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'resolved');
    // only the author may reopen/close; ratings out of range are refused
    assert.equal((await act(f.id, 'close', 'tp.chuyenvien', { rating: 5 })).status, 403);
    for (const rating of [0, 6, 2.5, '5', null]) {
        const b = await act(f.id, 'close', 'congdan1', { rating });
        assert.equal(b.status, 422, String(rating));
        assert.equal(b.json.errors[0].field, 'rating');
    }
    assert.equal((await api(`/feedback/${f.id}`, 'congdan1')).json.state, 'resolved');
    r = await act(f.id, 'reopen', 'congdan1', { reason: 'Chưa nhận được kết quả.' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'assigned');
    assert.equal(r.json.reopen_count, 1);
    r = await act(f.id, 'resolve', 'tp.chuyenvien', { answer: 'Đã trả kết quả qua bưu điện.' });
    assert.equal(r.status, 200);
    r = await act(f.id, 'close', 'congdan1', { rating: 4, comment: 'Cảm ơn' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'closed');
    assert.equal(r.json.rating, 4);
    assert.equal((await act(f.id, 'reopen', 'congdan1', { reason: 'x' })).status, 409);
    const g = await api(`/feedback/${f.id}`, 'congdan1');
    assert.deepEqual(
        g.json.timeline.map((e) => e.action),
        ['create', 'assign', 'resolve', 'reopen', 'resolve', 'close'],
    );
    // public: published, without personal data; unpublished one absent
    const hidden = await file('congdan2', { allow_publish: false });
    await act(hidden.id, 'assign', 'tp.truongphong', {});
    await act(hidden.id, 'resolve', 'tp.chuyenvien', { answer: 'ok' });
    const pub = await request(`${srv.url}/api/v1/public/feedback`);
    assert.equal(pub.status, 200);
    const item = pub.json.items.find((x) => x.id === f.id);
    assert.ok(item);
    assert.equal(item.answer, 'Đã trả kết quả qua bưu điện.');
    assert.equal(item.author_subject, undefined);
    assert.equal(item.author_name, undefined);
    assert.ok(!pub.text.includes('Nguyễn Văn An'));
    assert.ok(!pub.json.items.some((x) => x.id === hidden.id));
});

test('reject from pending assignment', async () => {
    const f = await file();
    const r = await act(f.id, 'reject', 'tp.truongphong', { reason: 'Không thuộc thẩm quyền' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'rejected');
    assert.equal(r.json.reject_reason, 'Không thuộc thẩm quyền');
});

test('reopen is refused after the window (feedback.reopen_days = 0)', async () => {
    const other = await startServer({ env: { EGOV_FEEDBACK_REOPEN_DAYS: '0' } });
    try {
        const t = (u) => egovCli(['token', '--data-dir', other.dataDir, '--user', u]).stdout.trim();
        const f = await request(`${other.url}/api/v1/feedback`, {
            token: t('congdan1'),
            body: { object_type: 'procedure', object_code: '2.000488.000.00.00.H61', agency_code: AGENCY, title: 't', content: 'c' },
        });
        assert.equal(f.status, 201);
        const rj = await request(`${other.url}/api/v1/feedback/${f.json.id}/actions/reject`, {
            token: t('tp.truongphong'),
            body: { reason: 'r' },
        });
        assert.equal(rj.status, 200);
        await new Promise((res) => setTimeout(res, 20));
        const ro = await request(`${other.url}/api/v1/feedback/${f.json.id}/actions/reopen`, {
            token: t('congdan1'),
            body: { reason: 'x' },
        });
        assert.equal(ro.status, 409);
        const g = await request(`${other.url}/api/v1/feedback/${f.json.id}`, { token: t('congdan1') });
        assert.equal(g.json.state, 'rejected');
    } finally {
        await other.stop();
    }
});
