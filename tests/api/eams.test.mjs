// Black-box tests of the architecture register (issue 4 §7): the seed's BRM/ARM/applications/
// relations are served, the source's inconsistencies are reported, links are validated.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, egovCli, request } from './lib/server.mjs';

test('eams: register, matrix, issues, links', async (t) => {
    const srv = await startServer();
    t.after(() => srv.stop());
    const api = (p, o = {}) => request(`${srv.url}${p}`, o);
    const tok = (u) => egovCli(['token', '--data-dir', srv.dataDir, '--user', u]).stdout.trim();

    await t.test('serves the 188 BRM rows and the 24 applications', async () => {
        const brm = await api('/api/v1/eams/brm');
        assert.equal(brm.status, 200);
        assert.equal(brm.json.items.length, 188);
        assert.equal(brm.json.items[0].type_code, 'BRM001.001.001');
        const apps = await api('/api/v1/eams/applications');
        assert.equal(apps.json.items.length, 24);
        assert.ok(apps.json.items.every((a) => a.stt));
        const arm = await api('/api/v1/eams/arm');
        assert.ok(arm.json.items.length > 100);
        const rel = await api('/api/v1/eams/relations');
        assert.ok(rel.json.items.length > 40);
        const page = await api('/api/v1/eams/brm?limit=100');
        assert.equal(page.json.items.length, 100);
        const rest = await api(`/api/v1/eams/brm?limit=100&cursor=${page.json.next_cursor}`);
        assert.equal(rest.json.items.length, 88);
        assert.equal((await api('/api/v1/eams/brm?limit=0')).status, 400);
    });

    await t.test('matrix and the source inconsistencies', async () => {
        const m = await api('/api/v1/eams/matrix');
        assert.equal(m.json.cells.length, m.json.apps.length);
        const filled = m.json.cells.flat().filter((x) => x !== null).length;
        assert.ok(filled > 30);
        const iss = await api('/api/v1/eams/issues');
        assert.ok(iss.json.items.some((x) => x.kind === 'applications' && x.name === 'Quản lý tài chính'));
        assert.ok(iss.json.items.some((x) => /also used in row/.test(x.note)));
        assert.ok(iss.json.duplicate_codes.some((d) => d.code === 'BRM003.001.001' && d.count === 2));
    });

    await t.test('procedures link to BRM/ARM codes', async () => {
        const l = await api('/api/v1/eams/links?subject_ref=1.001193.000.00.00.H61');
        assert.ok(l.json.items.some((x) => x.code === 'BRM003.011.006' && x.code_name === 'Quản lý hộ tịch'));
        const admin = tok('admin');
        const body = { subject_type: 'procedure', subject_ref: '2.001610.000.00.00.H61', code: 'ARM001.001' };
        assert.equal((await api('/api/v1/eams/links', { body })).status, 401);
        assert.equal((await api('/api/v1/eams/links', { body, token: tok('tp.chuyenvien') })).status, 403);
        const ok = await api('/api/v1/eams/links', { body, token: admin });
        assert.equal(ok.status, 201, ok.text);
        assert.equal((await api('/api/v1/eams/links', { body, token: admin })).status, 409);
        const bad = await api('/api/v1/eams/links', { token: admin, body: { ...body, code: 'BRM999.999.999' } });
        assert.equal(bad.status, 422);
        assert.equal(bad.json.errors[0].field, 'code');
        const badp = await api('/api/v1/eams/links', { token: admin, body: { ...body, subject_ref: '9.999999.000.00.00.H61' } });
        assert.equal(badp.status, 422);
        const svc = await api('/api/v1/eams/links', { token: admin,
            body: { subject_type: 'lgsp_service', subject_ref: 'dancu.tracuu', code: 'ARM003.001' } });
        assert.equal(svc.status, 201, svc.text);
    });
});
