// Shared catalogues offered to other systems through the gateway (issue 7 item 8): the demo
// data publishes service "dmdc" v1 (provider catalog.dmdc over catalog.h). A granted consumer
// reads the rows of a catalogue (search, effective date, paging); without a grant it is 403
// and nothing is answered; bad parameters are problems; every call is in the message log.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, egovCli, request } from './lib/server.mjs';
import { adminToken, consumerToken } from './peers/lgsp-auth.mjs';

const AGENCY = '000.00.07.H07';
const P = 'https://egov.local/problems/lgsp/';

test('dmdc: shared catalogues as a published LGSP service', async (t) => {
    const srv = await startServer();
    t.after(() => srv.stop());
    const admin = await adminToken(srv);
    const api = (p, body) => request(`${srv.url}/api/v1/lgsp${p}`, { token: admin, body });
    const svc = await api('/services/dmdc');
    assert.equal(svc.status, 200, svc.text);
    assert.equal(svc.json.status, 'published');
    assert.equal(svc.json.upstream_url, 'data:catalog.dmdc');
    // It is in the public catalogue of published services.
    assert.equal((await api('/consumers', { client_id: 'hotich-sys', name: 'Hộ tịch', agency_code: AGENCY })).status, 201);
    assert.equal((await api('/consumers', { client_id: 'nogrant-sys', name: 'Không quyền', agency_code: AGENCY })).status, 201);
    assert.equal((await api('/services/dmdc/grants', { client_id: 'hotich-sys', methods: ['GET'] })).status, 201);
    const tok = await consumerToken(srv, 'hotich-sys');
    const other = await consumerToken(srv, 'nogrant-sys');

    await t.test('granted consumer reads a catalogue, filtered and paged', async () => {
        let r = await request(`${srv.url}/gw/dmdc/v1/dantoc`, { token: tok });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.catalog.code, 'dantoc');
        assert.ok(r.json.items.length > 10);
        assert.ok(r.json.items.some((i) => i.code === '01' && i.name === 'Kinh'));
        assert.ok(r.headers.get('x-road-id'));
        r = await request(`${srv.url}/gw/dmdc/v1/dantoc?q=${encodeURIComponent('tày')}`, { token: tok });
        assert.equal(r.status, 200);
        assert.deepEqual(r.json.items.map((i) => i.name), ['Tày']);
        r = await request(`${srv.url}/gw/dmdc/v1/dantoc?q=tay`, { token: tok });
        assert.ok(r.json.items.some((i) => i.name === 'Tày'), 'accent-insensitive');
        r = await request(`${srv.url}/gw/dmdc/v1/dantoc?limit=5`, { token: tok });
        assert.equal(r.json.items.length, 5);
        assert.ok(r.json.next_cursor);
        const r2 = await request(`${srv.url}/gw/dmdc/v1/dantoc?limit=5&cursor=${r.json.next_cursor}`, { token: tok });
        assert.equal(r2.json.items.length, 5);
        assert.notEqual(r2.json.items[0].code, r.json.items[0].code);
    });

    await t.test('effective date: provinces before and after the 2025 merger', async () => {
        const now = await request(`${srv.url}/gw/dmdc/v1/tinh`, { token: tok });
        assert.equal(now.status, 200, now.text);
        const old = await request(`${srv.url}/gw/dmdc/v1/tinh_truoc_2025?at=2024-01-01`, { token: tok });
        assert.equal(old.status, 200, old.text);
        assert.equal(old.json.at, '2024-01-01');
        assert.ok(old.json.items.length >= now.json.items.length);
    });

    await t.test('without a grant: 403, no data', async () => {
        const r = await request(`${srv.url}/gw/dmdc/v1/dantoc`, { token: other });
        assert.equal(r.status, 403);
        assert.equal(r.json.type, `${P}access-denied`);
        assert.equal(r.json.items, undefined);
        const anon = await request(`${srv.url}/gw/dmdc/v1/dantoc`);
        assert.equal(anon.status, 401);
    });

    await t.test('bad input: unknown catalogue 404, bad date / limit 400, write 405', async () => {
        let r = await request(`${srv.url}/gw/dmdc/v1/khongco`, { token: tok });
        assert.equal(r.status, 404);
        assert.equal(r.json.type, `${P}unknown-service`);
        r = await request(`${srv.url}/gw/dmdc/v1/dantoc?at=2024-13-45`, { token: tok });
        assert.equal(r.status, 400);
        r = await request(`${srv.url}/gw/dmdc/v1/dantoc?limit=0`, { token: tok });
        assert.equal(r.status, 400);
        r = await request(`${srv.url}/gw/dmdc/v1/dantoc/01/x`, { token: tok });
        assert.equal(r.status, 404);
        r = await request(`${srv.url}/gw/dmdc/v1/dantoc`, { token: tok, method: 'POST', body: '{}' });
        assert.ok(r.status === 403 || r.status === 405, `write refused (${r.status})`);
    });

    await t.test('calls are in the message log; seeding again keeps one registration', async () => {
        const log = await api('/messages?service=dmdc');
        assert.equal(log.status, 200);
        assert.ok(log.json.items.some((m) => m.client_id === 'hotich-sys' && m.status === 200));
        assert.ok(log.json.items.some((m) => m.client_id === 'nogrant-sys' && m.status === 403));
        await srv.stop();
        const again = egovCli(['init', '--data-dir', srv.dataDir, '--demo']);
        assert.equal(again.status, 0, again.stderr);
        assert.equal(egovCli(['lgsp', 'verify-log', '--data-dir', srv.dataDir]).status, 0);
    });
});
