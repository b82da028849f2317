// Signature service (src/sign): the platform certificate is public; POST /api/v1/sign/verify
// answers {valid, subject, detail} for a signed e-result, reports a tampered or unsigned
// document as invalid, and answers 422 problem+json for unparsable XML or a DTD (XXE).
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, egovCli, request } from './lib/server.mjs';

const DOC = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<KetQua><MaHoSo>000.00.07.H62-261128-0001</MaHoSo>' +
    '<NguoiNop>Nguyễn Thị Hoà</NguoiNop><DiaChi>Đường 30/4, phường An Hội</DiaChi></KetQua>\n';

function verify(srv, body) {
    return request(`${srv.url}/api/v1/sign/verify`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/xml' },
        body,
    });
}

test('sign routes', async (t) => {
    const srv = await startServer();
    t.after(() => srv.stop());

    await t.test('GET /api/v1/sign/certificate: PEM, no login', async () => {
        const r = await request(`${srv.url}/api/v1/sign/certificate`);
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type'), /pem/);
        assert.match(r.text, /^-----BEGIN CERTIFICATE-----/);
    });

    const signed = egovCli(['sign', '--data-dir', srv.dataDir], { input: DOC });
    assert.equal(signed.status, 0, signed.stderr);
    assert.match(signed.stdout, /SignatureValue/);

    await t.test('a signed document verifies and names the signer', async () => {
        const r = await verify(srv, signed.stdout);
        assert.equal(r.status, 200);
        assert.equal(r.json.valid, true);
        assert.match(r.json.subject, /CN=/);
    });

    await t.test('one changed character: invalid', async () => {
        const r = await verify(srv, signed.stdout.replace('Nguyễn Thị Hoà', 'Nguyễn Thị Hòa'));
        assert.equal(r.status, 200);
        assert.equal(r.json.valid, false);
        assert.equal(r.json.subject, null);
        assert.ok(r.json.detail);
    });

    await t.test('unsigned document: invalid', async () => {
        const r = await verify(srv, DOC);
        assert.equal(r.status, 200);
        assert.equal(r.json.valid, false);
    });

    await t.test('unparsable XML and XXE: 422 problem, no file contents', async () => {
        let r = await verify(srv, '<a><b></a>');
        assert.equal(r.status, 422);
        assert.match(r.headers.get('content-type'), /problem\+json/);
        r = await verify(srv, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>');
        assert.equal(r.status, 422);
        assert.doesNotMatch(r.text, /root:/);
    });
});
