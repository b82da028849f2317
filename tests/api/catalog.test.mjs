// Black-box tests of the catalog module (issue 4): agencies through the 2025 merger,
// procedures, the working-calendar API and Vietnamese search, against the real binary.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request } from './lib/server.mjs';

function assertProblem(r, status, field) {
    assert.equal(r.status, status, r.text);
    assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
    assert.equal(r.json.status, status);
    if (field) assert.ok(r.json.errors?.some((e) => e.field === field), JSON.stringify(r.json));
}

test('catalog: agencies, procedures, calendar, search', async (t) => {
    const srv = await startServer();
    t.after(() => srv.stop());
    const api = (p) => request(`${srv.url}${p}`);

    await t.test('the demo province and its departments', async () => {
        const r = await api('/api/v1/agencies/000.00.00.H61');
        assert.equal(r.status, 200);
        assert.equal(r.json.name, 'Ủy ban nhân dân tỉnh Vĩnh Long');
        assert.equal(r.json.status, 'active');
        const codes = r.json.children.map((c) => c.code);
        for (let i = 1; i <= 11; i++) assert.ok(codes.includes(`000.00.${String(i).padStart(2, '0')}.H61`));
        const tp = await api('/api/v1/agencies/000.00.04.H61');
        assert.equal(tp.json.name, 'Sở Tư pháp tỉnh Vĩnh Long');
        assert.equal(tp.json.parent_code, '000.00.00.H61');
        const kids = await api('/api/v1/agencies?parent=000.00.00.H61&limit=500');
        assert.ok(kids.json.items.length >= 11);
    });

    await t.test('pre-merger codes resolve to the new Vĩnh Long', async () => {
        for (const old of ['000.00.00.H07', '000.00.00.H59']) {
            const r = await api(`/api/v1/agencies/${old}`);
            assert.equal(r.status, 200);
            assert.equal(r.json.code, '000.00.00.H61');
            assert.equal(r.json.resolved_from.code, old);
            assert.equal(r.json.resolved_from.valid_to, '2025-06-30');
        }
        // a department of Bến Tre resolves to the new department
        const d = await api('/api/v1/agencies/000.00.04.H07');
        assert.equal(d.json.code, '000.00.04.H61');
        // before the merger, the old code is itself
        const h = await api('/api/v1/agencies/000.00.00.H07?at=2025-06-01');
        assert.equal(h.json.code, '000.00.00.H07');
        assert.equal(h.json.name, 'Ủy ban nhân dân tỉnh Bến Tre');
        assert.equal(h.json.resolved_from, undefined);
        const v = await api('/api/v1/agencies/000.00.00.H61?at=2025-06-01');
        assert.match(v.json.name, /trước sắp xếp/);
        // retired codes are not listed as current, but are with include_retired
        const cur = await api('/api/v1/agencies?limit=500');
        assert.ok(!cur.json.items.some((a) => a.code === '000.00.00.H07'));
        const all = await api('/api/v1/agencies?limit=500&include_retired=1');
        assert.ok(all.json.items.some((a) => a.code === '000.00.00.H07' && a.status === 'retired'));
    });

    await t.test('agency search and bad codes', async () => {
        const r = await api(`/api/v1/agencies?q=${encodeURIComponent('so tu phap')}`);
        assert.equal(r.status, 200);
        assert.ok(r.json.items.some((a) => a.code === '000.00.04.H61'));
        assertProblem(await api('/api/v1/agencies/000.00.4.H61'), 400, 'code');
        assertProblem(await api('/api/v1/agencies/ABC'), 400, 'code');
        assertProblem(await api('/api/v1/agencies/000.00.00.H61?at=2025-02-30'), 400, 'at');
        assert.equal((await api('/api/v1/agencies/000.00.99.H61')).status, 404);
    });

    await t.test('organisation changes need an admin', async () => {
        const r = await request(`${srv.url}/api/v1/agencies/changes`, {
            body: { kind: 'rename', effective_date: '2026-01-01', sources: ['000.00.31.H61'],
                    targets: [{ code: '000.00.31.H61', name: 'X' }] },
        });
        assert.ok(r.status === 401 || r.status === 403, r.text);
        const before = await api('/api/v1/agencies/000.00.31.H61');
        assert.equal(before.json.name, 'Ủy ban nhân dân phường An Hội');
        const list = await api('/api/v1/agencies/changes');
        assert.equal(list.status, 200);
    });

    await t.test('procedure catalogue', async () => {
        const all = await api('/api/v1/procedures?limit=500');
        assert.equal(all.status, 200);
        assert.ok(all.json.items.length >= 40);
        assert.ok(new Set(all.json.items.map((p) => p.agency_code)).size >= 8);
        for (const p of all.json.items) {
            for (const k of ['code', 'name', 'agency_code', 'field', 'processing_days', 'online'])
                assert.ok(k in p, `${p.code} lacks ${k}`);
        }
        const page = await api('/api/v1/procedures?limit=10');
        assert.equal(page.json.items.length, 10);
        assert.ok(page.json.next_cursor);
        const next = await api(`/api/v1/procedures?limit=10&cursor=${encodeURIComponent(page.json.next_cursor)}`);
        assert.notEqual(next.json.items[0].code, page.json.items[0].code);
        const tp = await api('/api/v1/procedures?agency=000.00.04.H61');
        assert.ok(tp.json.items.length >= 3);
        assert.ok(tp.json.items.every((p) => p.agency_code === '000.00.04.H61'));
        // a pre-merger agency code filters by its successor
        const old = await api('/api/v1/procedures?agency=000.00.04.H07');
        assert.equal(old.json.items.length, tp.json.items.length);
        const ht = await api('/api/v1/procedures?field=hotich');
        assert.ok(ht.json.items.some((p) => p.name === 'Đăng ký khai sinh'));
        assert.ok(ht.json.items.every((p) => p.field === 'hotich'));
        const d = await api('/api/v1/procedures/1.001193.000.00.00.H61');
        assert.equal(d.status, 200);
        assert.equal(d.json.name, 'Đăng ký khai sinh');
        assert.ok(d.headers.get('etag'));
        assert.ok(Array.isArray(d.json.fees));
        assert.equal(d.json.process_key, 'tthc-generic');
        const c0 = d.json.components[0];
        assert.ok(c0.code && c0.name && typeof c0.required === 'boolean');
        assert.equal(c0.form.type, 'object');
        assert.ok(Object.values(c0.form.properties).every((p) => p.title));
        assertProblem(await api('/api/v1/procedures/khai-sinh'), 400, 'code');
        assertProblem(await api('/api/v1/procedures?agency=H61'), 400, 'agency');
        assert.equal((await api('/api/v1/procedures/9.999999.000.00.00.H61')).status, 404);
    });

    await t.test('working calendar over HTTP (domain-vn.md §3.2)', async () => {
        const due = async (start, n) => {
            const r = await api(`/api/v1/calendar/deadline?start=${encodeURIComponent(start)}&working_days=${n}`);
            assert.equal(r.status, 200, r.text);
            return r.json.due;
        };
        assert.equal(await due('2026-04-23T10:00', 5), '2026-05-05');
        assert.equal(await due('2026-04-23T16:00', 5), '2026-05-06');
        assert.equal(await due('2026-02-13T10:00', 1), '2026-02-23');
        assert.equal(await due('2026-04-23T10:00+07:00', 5), '2026-05-05');
        assertProblem(await api('/api/v1/calendar/deadline?start=2026-02-30T10:00&working_days=1'), 400, 'start');
        assertProblem(await api('/api/v1/calendar/deadline?start=2026-04-23&working_days=-1'), 422, 'working_days');
        assertProblem(await api('/api/v1/calendar/deadline?start=2026-04-23&working_days=abc'), 400, 'working_days');
        assertProblem(await api('/api/v1/calendar/deadline?working_days=1'), 400, 'start');
        const h = await api('/api/v1/calendar/holidays?year=2027');
        assert.equal(h.status, 200);
        assert.ok(h.json.items.some((x) => x.date === '2027-04-16'), 'Hùng Kings 2027 is 16/4');
        const h30 = await api('/api/v1/calendar/holidays?year=2030');
        assert.ok(h30.json.items.some((x) => x.date === '2030-02-02'), 'Tết 2030 is 2/2');
        assert.ok(!h30.json.items.some((x) => x.date === '2030-02-01' && /Mùng 1|mồng 1/i.test(x.name)));
        assertProblem(await api('/api/v1/calendar/holidays?year=20x6'), 400, 'year');
        assertProblem(await api('/api/v1/calendar/holidays?year=-5'), 422, 'year');
    });

    await t.test('Vietnamese search is case-, diacritic-, NFD- and tone-insensitive', async () => {
        const find = async (q) => {
            const r = await api(`/api/v1/search?q=${encodeURIComponent(q)}`);
            assert.equal(r.status, 200, r.text);
            return r.json.items;
        };
        const nfd = 'Đăng ký khai sinh'.normalize('NFD');
        assert.notEqual(nfd, 'Đăng ký khai sinh');
        for (const q of ['dang ky khai sinh', 'ĐĂNG KÝ KHAI SINH', nfd, 'Đăng ký khai sinh']) {
            const items = await find(q);
            assert.equal(items[0]?.title, 'Đăng ký khai sinh', `query ${q}`);
            assert.match(items[0].title_html, /<mark>/);
        }
        // tone placement: hòa (old style) and hoà (new style) find the same rows
        const a = await find('Nguyệt Hóa');
        const b = await find('Nguyệt Hoá');
        assert.ok(a.length > 0);
        assert.deepEqual(a.map((x) => x.ref), b.map((x) => x.ref));
        for (const q of ['khai sinh cộng hòa', 'khai sinh cộng hoà', 'KHAI SINH CỘNG HOÀ'.normalize('NFD')]) {
            const items = await find(q);
            assert.equal(items[0]?.title, 'Đăng ký khai sinh', `query ${q}`);
        }
        const tp = await find('so tu phap');
        assert.equal(tp[0].kind, 'agency');
        assert.equal(tp[0].title, 'Sở Tư pháp tỉnh Vĩnh Long');
        assert.equal(tp[0].status, 'active');
        // an old name still finds the old agency, marked retired with its successor
        for (const q of ['Sở Tư pháp Bến Tre', 'so tu phap tinh ben tre']) {
            const old = (await find(q)).find((x) => x.code === '000.00.04.H07');
            assert.ok(old, q);
            assert.equal(old.title, 'Sở Tư pháp tỉnh Bến Tre');
            assert.equal(old.status, 'retired');
            assert.equal(old.valid_to, '2025-06-30');
            assert.deepEqual(old.successor, { code: '000.00.04.H61', name: 'Sở Tư pháp tỉnh Vĩnh Long' });
        }
        // retired versions never rank above the current agency
        const cur = await find('so tu phap');
        const iCur = cur.findIndex((x) => x.code === '000.00.04.H61');
        const iOld = cur.findIndex((x) => x.code === '000.00.04.H07');
        assert.ok(iCur >= 0 && (iOld < 0 || iCur < iOld));
        // snippets escape HTML
        const esc = await find('<script>');
        assert.ok(Array.isArray(esc));
        assertProblem(await api('/api/v1/search'), 400, 'q');
        assertProblem(await api('/api/v1/search?q=x&kind=secret'), 400, 'kind');
    });
});
