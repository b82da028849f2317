// Black-box tests of the catalogue engine's writes and organisation changes (issue 4):
// DMDC shapes, import all-or-nothing naming the bad row and field, ETag/If-Match, history,
// agency-scoped admins (cross-agency denial) and the 2025-style merger as data.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, egovCli, request } from './lib/server.mjs';

function token(dataDir, user) {
    const r = egovCli(['token', '--data-dir', dataDir, '--user', user]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
}

function addUser(dataDir, username, agency, role) {
    const r = egovCli(['user', 'add', '--data-dir', dataDir, '--username', username, '--name', username,
        '--agency', agency, '--role', role, '--password-stdin'], { input: 'Mat-khau-123456\n' });
    assert.equal(r.status, 0, r.stderr);
}

function assertProblem(r, status) {
    assert.equal(r.status, status, r.text);
    assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
}

test('catalog admin: engine, DMDC, imports, org changes', async (t) => {
    const srv = await startServer();
    t.after(() => srv.stop());
    const admin = token(srv.dataDir, 'admin');
    addUser(srv.dataDir, 'tp.qtdm', '000.00.04.H61', 'agency_admin');
    addUser(srv.dataDir, 'xd.qtdm', '000.00.05.H61', 'agency_admin');
    const tpAdmin = token(srv.dataDir, 'tp.qtdm');
    const xdAdmin = token(srv.dataDir, 'xd.qtdm');
    const officer = token(srv.dataDir, 'tp.chuyenvien');
    const api = (p, o = {}) => request(`${srv.url}${p}`, o);

    await t.test('DMDC shapes: dantoc has the 54 groups', async () => {
        const meta = await api('/dmdc/Metadata/dantoc');
        assert.equal(meta.status, 200);
        assert.deepEqual(Object.keys(meta.json[0]).sort(), ['PropertyCode', 'PropertyName', 'PropertyType']);
        assert.equal(meta.json[0].PropertyCode, 'MaDanToc');
        const cat = await api('/dmdc/Category/dantoc');
        assert.equal(cat.status, 200);
        assert.equal(cat.json.length, 54);
        assert.deepEqual(cat.json[0], { MaDanToc: '01', TenDanToc: 'Kinh', TenGoiKhac: '' });
        for (const row of cat.json) for (const p of meta.json) assert.ok(p.PropertyCode in row);
        assert.equal((await api('/dmdc/Category/khongco')).status, 404);
        assert.equal((await api('/dmdc/Metadata/khongco')).status, 404);
    });

    await t.test('built-in catalogues and CSV', async () => {
        const list = await api('/api/v1/catalogs');
        const codes = list.json.items.map((c) => c.code);
        for (const c of ['dantoc', 'tongiao', 'gioitinh', 'quocgia', 'tinhtranghonnhan', 'loaivanban',
            'dokhan', 'linhvuc', 'tinh', 'tinh_truoc_2025', 'tinh_sapxep_2025', 'xa', 'xa_truoc_2025', 'xa_sapxep_2025'])
            assert.ok(codes.includes(c), c);
        const tinh = await api('/api/v1/catalogs/tinh/items?limit=500');
        assert.equal(tinh.json.items.length, 34);
        const old = await api('/api/v1/catalogs/tinh_truoc_2025/items?limit=500&at=2025-06-01');
        assert.equal(old.json.items.length, 63);
        assert.equal((await api('/api/v1/catalogs/tinh_truoc_2025/items?limit=500')).json.items.length, 0);
        const map = await api('/api/v1/catalogs/tinh_sapxep_2025/items?limit=500');
        for (const c of ['83', '84', '86']) {
            const row = map.json.items.find((x) => x.code === c);
            assert.equal(row.properties.MaTinhMoi, '86');
        }
        // the 34 province codes of the Statistics Office's list (915/CTK-CSCL)
        assert.deepEqual(tinh.json.items.map((x) => x.code).sort(), ['01', '04', '08', '11', '12',
            '14', '15', '19', '20', '22', '24', '25', '31', '33', '37', '38', '40', '42', '44', '46',
            '48', '51', '52', '56', '66', '68', '75', '79', '80', '82', '86', '91', '92', '96']);
        assert.equal(tinh.json.items.find((x) => x.code === '86').name, 'Tỉnh Vĩnh Long');
        const csv = await api('/api/v1/catalogs/dantoc/items', { headers: { Accept: 'text/csv' } });
        assert.match(csv.headers.get('content-type'), /^text\/csv/);
        const lines = csv.text.trim().split(/\r?\n/);
        assert.equal(lines[0], 'MaDanToc,TenDanToc,TenGoiKhac,valid_from,valid_to');
        assert.equal(lines.length, 55);
        const meta = await api('/api/v1/catalogs/quocgia');
        assert.ok(meta.json.row_count >= 249);
        assert.ok(meta.headers.get('etag'));
        assertProblem(await api('/api/v1/catalogs/khongco/items'), 404);
        assertProblem(await api('/api/v1/catalogs/dantoc/items?at=2025-13-01'), 400);
    });

    await t.test('writes need a role; agency admins only for their agency', async () => {
        const body = { code: 'tp_loaiviec', name: 'Loại việc công chứng', owner_agency: '000.00.04.H61',
            properties: [{ code: 'Ma', name: 'Mã', type: 'string' }, { code: 'Ten', name: 'Tên', type: 'string' },
                { code: 'SoNgay', name: 'Số ngày', type: 'integer' }] };
        assertProblem(await api('/api/v1/catalogs', { body }), 401);
        assertProblem(await api('/api/v1/catalogs', { body, token: officer }), 403);
        assertProblem(await api('/api/v1/catalogs', { body, token: xdAdmin }), 403);
        const ok = await api('/api/v1/catalogs', { body, token: tpAdmin });
        assert.equal(ok.status, 201, ok.text);
        assertProblem(await api('/api/v1/catalogs', { body, token: tpAdmin }), 409);
        // the other agency's admin may not import into it
        const imp = await api('/api/v1/catalogs/tp_loaiviec/import', { token: xdAdmin,
            body: 'Ma,Ten,SoNgay\nA,Việc A,3\n', headers: { 'Content-Type': 'text/csv' } });
        assertProblem(imp, 403);
        // nor may anyone edit a built-in catalogue except the platform admin
        assertProblem(await api('/api/v1/catalogs/dantoc/items/55', { method: 'PUT', token: tpAdmin,
            body: { name: 'Thử' } }), 403);
    });

    await t.test('import is all-or-nothing and names the bad row and field', async () => {
        const put = (body, extra = {}) => api('/api/v1/catalogs/tp_loaiviec/import', { token: tpAdmin,
            body, headers: { 'Content-Type': 'text/csv', ...extra } });
        const good = await put('Ma,Ten,SoNgay\nA,Việc A,3\nB,"Việc B, có dấu phẩy",5\n');
        assert.equal(good.status, 200, good.text);
        assert.equal(good.json.created, 2);
        const v = good.headers.get('etag');
        const bad = await put('Ma,Ten,SoNgay\nC,Việc C,1\nD,,2\n');
        assertProblem(bad, 422);
        assert.match(bad.json.detail, /dòng 3, trường Ten/);
        const badType = await put('Ma,Ten,SoNgay\nE,Việc E,nhiều\n');
        assertProblem(badType, 422);
        assert.match(badType.json.detail, /dòng 2, trường SoNgay/);
        const broken = await put('Ma,Ten,SoNgay\nF,"Việc F,1\n');
        assertProblem(broken, 400);
        assert.match(broken.json.detail, /dòng 2/);
        const unknownCol = await put('Ma,Ten,Khac\nG,Việc G,1\n');
        assertProblem(unknownCol, 422);
        assert.match(unknownCol.json.detail, /Khac/);
        const dup = await put('Ma,Ten,SoNgay\nH,Việc H,1\nH,Việc H2,1\n');
        assertProblem(dup, 422);
        const json = await api('/api/v1/catalogs/tp_loaiviec/import', { token: tpAdmin,
            body: { items: [{ Ma: 'I', Ten: 'Việc I', SoNgay: 1 }, { Ma: 'J', SoNgay: 2 }] } });
        assertProblem(json, 422);
        assert.match(json.json.detail, /Record 2, trường Ten/);
        // nothing of the failed imports landed
        const items = await api('/api/v1/catalogs/tp_loaiviec/items');
        assert.deepEqual(items.json.items.map((x) => x.code), ['A', 'B']);
        assert.equal(items.json.items[1].properties.SoNgay, 5);
        const meta = await api('/api/v1/catalogs/tp_loaiviec');
        assert.equal(meta.headers.get('etag'), v);
        // stale If-Match is refused
        const stale = await put('Ma,Ten,SoNgay\nK,Việc K,1\n', { 'If-Match': '"v1"' });
        assertProblem(stale, 412);
        const fresh = await put('Ma,Ten,SoNgay\nK,Việc K,1\n', { 'If-Match': v });
        assert.equal(fresh.status, 200, fresh.text);
    });

    await t.test('row edits with If-Match keep a history', async () => {
        const r1 = await api('/api/v1/catalogs/tp_loaiviec/items/A', { method: 'PUT', token: tpAdmin,
            body: { name: 'Việc A (sửa)', properties: { SoNgay: 4 } } });
        assert.equal(r1.status, 200, r1.text);
        assert.equal(r1.json.name, 'Việc A (sửa)');
        const etag = r1.headers.get('etag');
        const stale = await api('/api/v1/catalogs/tp_loaiviec/items/A', { method: 'PUT', token: tpAdmin,
            headers: { 'If-Match': '"v1"' }, body: { name: 'Không được' } });
        assertProblem(stale, 412);
        const ok = await api('/api/v1/catalogs/tp_loaiviec/items/A', { method: 'PUT', token: tpAdmin,
            headers: { 'If-Match': etag }, body: { name: 'Việc A lần 3', valid_to: '2030-12-31' } });
        assert.equal(ok.status, 200, ok.text);
        const badDate = await api('/api/v1/catalogs/tp_loaiviec/items/A', { method: 'PUT', token: tpAdmin,
            body: { name: 'X', valid_from: '2026-02-30' } });
        assertProblem(badDate, 422);
        const h = await api('/api/v1/catalogs/tp_loaiviec/items/A/history');
        assert.deepEqual(h.json.items.map((x) => x.version), [1, 2, 3]);
        assert.equal(h.json.items[2].actor, 'tp.qtdm');
        const now = await api('/api/v1/catalogs/tp_loaiviec/items?q=viec%20a');
        assert.equal(now.json.items[0].name, 'Việc A lần 3');
        // rows are searchable
        const s = await api(`/api/v1/search?q=${encodeURIComponent('viec a lan 3')}`);
        assert.ok(s.json.items.some((x) => x.kind === 'row' && x.catalog === 'tp_loaiviec' && x.code === 'A'));
    });

    await t.test('administrative units of Bến Tre, Trà Vinh and Vĩnh Long through NQ 1687', async () => {
        const all = async (cat, extra = '') => {
            const out = [];
            let cur = null;
            do {
                const r = await api(`/api/v1/catalogs/${cat}/items?limit=500${extra}${cur ? `&cursor=${cur}` : ''}`);
                assert.equal(r.status, 200, r.text);
                out.push(...r.json.items);
                cur = r.json.next_cursor;
            } while (cur);
            return out;
        };
        // 124 communes of the new Vĩnh Long (105 xã, 19 phường), each with a 5-digit code
        const xa = await all('xa');
        const vl = xa.filter((x) => x.properties.MaTinh === '86');
        assert.equal(vl.length, 124);
        assert.equal(vl.filter((x) => x.name.startsWith('Phường ')).length, 19);
        assert.ok(vl.every((x) => /^\d{5}$/.test(x.code)));
        // the old communes are valid until 30/6/2025, in all three old provinces
        assert.equal((await all('xa_truoc_2025')).length, 0, 'none valid today');
        const old = await all('xa_truoc_2025', '&at=2025-06-30');
        for (const p of ['83', '84', '86']) assert.ok(old.filter((x) => x.properties.MaTinh === p).length > 90, p);
        assert.equal(old.find((x) => x.code === '28759').name, 'Phường 8');
        // merged on 1/1/2025 (NQ 1277/NQ-UBTVQH15): not valid in June 2025, valid in 2024
        assert.ok(!old.some((x) => x.code === '29245'));
        assert.ok((await all('xa_truoc_2025', '&at=2024-12-31')).some((x) => x.code === '29245'));
        // an old commune code resolves to its new commune through the mapping catalogue
        const map = await all('xa_sapxep_2025');
        const to = (oldCode) => map.filter((m) => m.properties.MaXaCu === oldCode);
        const newOf = (oldCode) => to(oldCode).map((m) => [m.properties.MaXaMoi, m.properties.TenXaMoi]);
        assert.deepEqual(newOf('28756'), [['28756', 'Phường Phú Khương']]); // Phú Khương, Bến Tre
        assert.deepEqual(newOf('28759'), [['28756', 'Phường Phú Khương']]); // Phường 8, TP Bến Tre
        assert.deepEqual(newOf('29257'), [['29254', 'Phường Nguyệt Hóa']]); // Phường 8, TP Trà Vinh
        assert.deepEqual(newOf('29560'), [['29593', 'Phường Tân Hạnh']]); // Phường 8, TP Vĩnh Long
        assert.deepEqual(newOf('29245'), [['29242', 'Phường Trà Vinh']]); // via Phường 3, 2025
        assert.equal(to('28759')[0].properties.MaTinhMoi, '86');
        assert.match(to('28759')[0].properties.CanCu, /1687\/NQ-UBTVQH15.*khoản 117/);
        // a split commune has one row per new commune, each marked partial
        const ngaiTu = to('29764');
        assert.deepEqual(ngaiTu.map((m) => m.properties.TenXaMoi).sort(), ['Phường Cái Vồn', 'Xã Ngãi Tứ']);
        assert.ok(ngaiTu.every((m) => m.properties.PhamVi === 'một phần'));
        // every new code is a known commune of the new province
        const codes = new Set(vl.map((x) => x.code));
        assert.ok(map.every((m) => codes.has(m.properties.MaXaMoi)));
        // the code of a mapping row is old-new and the items filter finds it by the old code
        const q = await api('/api/v1/catalogs/xa_sapxep_2025/items?q=28759-');
        assert.deepEqual(q.json.items.map((x) => x.code), ['28759-28756']);
        // DMDC shape of the mapping
        const meta = await api('/dmdc/Metadata/xa_sapxep_2025');
        assert.deepEqual(meta.json.map((p) => p.PropertyCode).slice(0, 3), ['MaChuyenDoi', 'TenXaCu', 'MaXaCu']);
    });

    await t.test('DMDC insert answers the duplicate-record shape', async () => {
        const one = await api('/dmdc/Category/tp_loaiviec', { token: tpAdmin, body: [{ Ma: 'L', Ten: 'Việc L', SoNgay: 2 }] });
        assert.equal(one.status, 200, one.text);
        assert.deepEqual(one.json, { MSG: 'Done', Count: 1 });
        const dup = await api('/dmdc/Category/tp_loaiviec', { token: tpAdmin,
            body: [{ Ma: 'M', Ten: 'Việc M', SoNgay: 1 }, { Ma: 'L', Ten: 'Việc L', SoNgay: 2 }] });
        // references.md §B.3: the duplicate answer is an ordinary answer of the endpoint (the
        // outcome is in MSG/Count), not an HTTP error or a problem document
        assert.equal(dup.status, 200, dup.text);
        assert.match(dup.headers.get('content-type'), /^application\/json/);
        assert.deepEqual(dup.json, { MSG: 'Data not insert: Record 2: L is duplicate', Count: 0 });
        const items = await api('/api/v1/catalogs/tp_loaiviec/items');
        assert.ok(!items.json.items.some((x) => x.code === 'M'), 'nothing inserted');
        assertProblem(await api('/dmdc/Category/tp_loaiviec', { body: [{ Ma: 'N', Ten: 'N' }] }), 401);
    });

    await t.test('procedure edits: agency admins for their own procedures, If-Match', async () => {
        const path = '/api/v1/procedures/2.000488.000.00.00.H61';
        const cur = await api(path);
        const doc = { ...cur.json, processing_days: 7 };
        delete doc.agency_name;
        assertProblem(await api(path, { method: 'PUT', body: doc, token: xdAdmin }), 403);
        assertProblem(await api(path, { method: 'PUT', body: doc, token: officer }), 403);
        assertProblem(await api(path, { method: 'PUT', body: { ...doc, agency_code: '000.00.05.H61' }, token: tpAdmin }), 403);
        const neg = await api(path, { method: 'PUT', body: { ...doc, processing_days: -1 }, token: tpAdmin });
        assertProblem(neg, 422);
        assert.equal(neg.json.errors[0].field, 'processing_days');
        assertProblem(await api(path, { method: 'PUT', body: doc, token: tpAdmin, headers: { 'If-Match': '"v999"' } }), 412);
        assert.equal((await api(path)).json.processing_days, 10, 'failed edits change nothing');
        const ok = await api(path, { method: 'PUT', body: doc, token: tpAdmin, headers: { 'If-Match': cur.headers.get('etag') } });
        assert.equal(ok.status, 200, ok.text);
        assert.equal(ok.json.processing_days, 7);
        assert.notEqual(ok.headers.get('etag'), cur.headers.get('etag'));
        // a new procedure by the platform admin is searchable at once
        const nu = { ...doc, code: undefined, national_code: '1.999001', name: 'Thủ tục thử nghiệm tìm kiếm mới' };
        const created = await api('/api/v1/procedures/1.999001.000.00.00.H61', { method: 'PUT', body: nu, token: admin });
        assert.equal(created.status, 201, created.text);
        const s = await api(`/api/v1/search?q=${encodeURIComponent('thu tuc thu nghiem tim kiem moi')}`);
        assert.equal(s.json.items[0].code, '1.999001.000.00.00.H61');
    });

    await t.test('organisation changes as data: a merger of two wards', async () => {
        const body = { kind: 'merge', effective_date: '2026-01-01', note: 'Thử nghiệm hợp nhất',
            sources: ['000.00.34.H61', '000.00.35.H61'],
            targets: [{ code: '000.00.41.H61', name: 'Ủy ban nhân dân phường Sơn Phú Tân' }] };
        assertProblem(await api('/api/v1/agencies/changes', { body, token: tpAdmin }), 403);
        const bad = await api('/api/v1/agencies/changes', { token: admin, body: { ...body, sources: ['000.00.34.H61', 'X'] } });
        assertProblem(bad, 422);
        assert.equal(bad.json.errors[0].field, 'sources[1]');
        const badDate = await api('/api/v1/agencies/changes', { token: admin, body: { ...body, effective_date: '2026-02-30' } });
        assertProblem(badDate, 422);
        assert.equal((await api('/api/v1/agencies/000.00.34.H61')).json.code, '000.00.34.H61', 'unchanged after refusals');
        const findAgency = async (q, code) => {
            const s = await api(`/api/v1/search?kind=agency&q=${encodeURIComponent(q)}`);
            assert.equal(s.status, 200, s.text);
            return s.json.items.filter((x) => x.code === code);
        };
        const before = await findAgency('phuong son dong', '000.00.34.H61');
        assert.equal(before.length, 1);
        assert.equal(before[0].status, 'active');
        assert.equal(before[0].successor, undefined);
        const ok = await api('/api/v1/agencies/changes', { token: admin, body });
        assert.equal(ok.status, 201, ok.text);
        // the closed version's search entry is refreshed: retired, with validity and successor
        const after = await findAgency('phuong son dong', '000.00.34.H61');
        assert.equal(after.length, 1);
        assert.equal(after[0].status, 'retired');
        assert.equal(after[0].valid_to, '2025-12-31');
        assert.deepEqual(after[0].successor, { code: '000.00.41.H61', name: 'Ủy ban nhân dân phường Sơn Phú Tân' });
        assert.match(after[0].snippet, /hết hiệu lực sau ngày 2025-12-31.*kế thừa.*000\.00\.41\.H61/);
        const merged = await findAgency('son phu tan', '000.00.41.H61');
        assert.equal(merged[0]?.status, 'active');
        const r = await api('/api/v1/agencies/000.00.34.H61');
        assert.equal(r.json.code, '000.00.41.H61');
        assert.equal(r.json.resolved_from.code, '000.00.34.H61');
        assert.equal(r.json.resolved_from.valid_to, '2025-12-31');
        const hist = await api('/api/v1/agencies/000.00.34.H61?at=2025-10-01');
        assert.equal(hist.json.code, '000.00.34.H61');
        const list = await api('/api/v1/agencies/changes');
        assert.equal(list.json.items[0].kind, 'merge');
        assert.deepEqual(list.json.items[0].sources, body.sources);
        // a second change cutting into the closed period is refused, nothing changes
        const again = await api('/api/v1/agencies/changes', { token: admin, body });
        assertProblem(again, 422);
        // rename keeps the code and opens a new version
        const ren = await api('/api/v1/agencies/changes', { token: admin, body: { kind: 'rename',
            effective_date: '2026-03-01', sources: ['000.00.41.H61'], targets: [{ code: '000.00.41.H61', name: 'UBND phường Sơn Tân' }] } });
        assert.equal(ren.status, 201, ren.text);
        const cur = await api('/api/v1/agencies/000.00.34.H61');
        assert.equal(cur.json.name, 'UBND phường Sơn Tân');
    });
    await t.test('organisation changes as data: a split and a re-code', async () => {
        const split = { kind: 'split', effective_date: '2026-04-01', note: 'Thử nghiệm chia tách',
            sources: ['000.00.36.H61'],
            targets: [{ code: '000.00.42.H61', name: 'Ủy ban nhân dân phường Trà Vinh Bắc' },
                { code: '000.00.43.H61', name: 'Ủy ban nhân dân phường Trà Vinh Nam' }] };
        // a split needs one source and at least two targets; refused requests change nothing
        const bad = await api('/api/v1/agencies/changes', { token: admin, body: { ...split, targets: split.targets.slice(0, 1) } });
        assertProblem(bad, 422);
        assert.equal((await api('/api/v1/agencies/000.00.36.H61')).json.code, '000.00.36.H61');
        const ok = await api('/api/v1/agencies/changes', { token: admin, body: split });
        assert.equal(ok.status, 201, ok.text);
        for (const c of ['000.00.42.H61', '000.00.43.H61']) {
            const r = await api(`/api/v1/agencies/${c}`);
            assert.equal(r.status, 200, c);
            assert.equal(r.json.code, c);
        }
        // the old code keeps its history and resolves to a successor today
        const old = await api('/api/v1/agencies/000.00.36.H61');
        assert.ok(['000.00.42.H61', '000.00.43.H61'].includes(old.json.code), old.text);
        assert.equal(old.json.resolved_from.code, '000.00.36.H61');
        assert.equal(old.json.resolved_from.valid_to, '2026-03-31');
        assert.equal((await api('/api/v1/agencies/000.00.36.H61?at=2026-03-01')).json.code, '000.00.36.H61');

        const recode = { kind: 'recode', effective_date: '2026-05-01', sources: ['000.00.37.H61'],
            targets: [{ code: '000.00.44.H61', name: 'Ủy ban nhân dân phường Nguyệt Hóa' }] };
        const same = await api('/api/v1/agencies/changes', { token: admin,
            body: { ...recode, targets: [{ ...recode.targets[0], code: '000.00.37.H61' }] } });
        assertProblem(same, 422);
        const rc = await api('/api/v1/agencies/changes', { token: admin, body: recode });
        assert.equal(rc.status, 201, rc.text);
        const now = await api('/api/v1/agencies/000.00.37.H61');
        assert.equal(now.json.code, '000.00.44.H61');
        assert.equal(now.json.name, 'Ủy ban nhân dân phường Nguyệt Hóa');
        assert.equal(now.json.resolved_from.code, '000.00.37.H61');
    });
});
