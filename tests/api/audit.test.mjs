// The audit log's read API (served by identity): auditors search everything, an agency
// administrator only their agency, others nothing; bad filters are 400 naming the field;
// searches are themselves audited; /audit/verify recomputes the chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, egovCli, request } from './lib/server.mjs';

let srv;
const tok = {};
function token(user) {
    if (!tok[user]) {
        const r = egovCli(['token', '--data-dir', srv.dataDir, '--user', user]);
        assert.equal(r.status, 0, r.stderr);
        tok[user] = r.stdout.trim();
    }
    return tok[user];
}
const api = (path, user, opts = {}) =>
    request(`${srv.url}/api/v1${path}`, { ...opts, token: user ? token(user) : undefined });

before(async () => {
    srv = await startServer();
});
after(async () => {
    await srv?.stop();
});

test('an auditor searches the log with filters and pages through it; the search is audited', async () => {
    // an audited change in Sở Tư pháp: the admin grants a role there
    const users = await api('/users?agency=000.00.04.H61', 'admin');
    assert.equal(users.status, 200);
    const acc = users.json.items.find((u) => u.username === 'tp.chuyenvien');
    const g = await api(`/users/${acc.id}/roles`, 'admin', { method: 'POST', body: { role: 'clerk', agency_code: '000.00.04.H61' } });
    assert.ok(g.status === 200 || g.status === 201, g.text);

    let r = await api('/audit/events?agency=000.00.04.H61&limit=500', 'kiemtra');
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length > 0);
    assert.ok(r.json.items.every((e) => e.agency === '000.00.04.H61'));
    const grant = r.json.items.find((e) => e.actor === 'admin' && e.object_id === acc.id);
    assert.ok(grant, 'the role grant is in the log');
    assert.equal(typeof grant.hash, 'string');

    r = await api('/audit/events?limit=1', 'kiemtra');
    assert.equal(r.json.items.length, 1);
    assert.ok(r.json.next_cursor);
    const p2 = await api(`/audit/events?limit=1&cursor=${r.json.next_cursor}`, 'kiemtra');
    assert.ok(p2.json.items[0].id < r.json.items[0].id);

    r = await api('/audit/events?action=audit.search&actor=kiemtra', 'kiemtra');
    assert.ok(r.json.items.length >= 2, 'every search leaves a record');
    assert.ok(r.json.items.every((e) => e.action === 'audit.search' && e.actor === 'kiemtra'));
    assert.equal(r.json.items.at(-1).detail.agency, '000.00.04.H61');

    const future = await api('/audit/events?from=2099-01-01', 'kiemtra');
    assert.deepEqual(future.json.items, []);
});

test('agency administrators see their own agency only; officers and anonymous callers nothing', async () => {
    assert.equal((await api('/audit/events?agency=000.00.04.H61', 'tp.quantri')).status, 200);
    assert.equal((await api('/audit/events?agency=000.00.05.H61', 'tp.quantri')).status, 403);
    assert.equal((await api('/audit/events', 'tp.quantri')).status, 403);
    assert.equal((await api('/audit/events?agency=000.00.04.H61', 'tp.chuyenvien')).status, 403);
    assert.equal((await api('/audit/events', null)).status, 401);
    assert.equal((await api('/audit/verify', 'tp.quantri')).status, 403);
});

test('bad filters are 400 problems naming the field and change nothing', async () => {
    for (const [q, field] of [['from=2026-02-30', 'from'], ['agency=SoTuPhap', 'agency'], ['cursor=-3', 'cursor'], [`actor=${'x'.repeat(300)}`, 'actor']]) {
        const r = await api(`/audit/events?${q}`, 'kiemtra');
        assert.equal(r.status, 400, q);
        assert.match(r.headers.get('content-type'), /problem\+json/);
        assert.ok(JSON.stringify(r.json).includes(field), `${q}: ${r.text}`);
    }
});

test('verify recomputes the chain and agrees with the CLI', async () => {
    const r = await api('/audit/verify', 'kiemtra');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.ok, true);
    assert.ok(r.json.records > 10);
    const cli = egovCli(['audit', 'verify', '--data-dir', srv.dataDir]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /audit chain ok/);
});
