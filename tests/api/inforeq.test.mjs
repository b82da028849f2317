/*
 * inforeq.test.mjs - information requests between agencies (issue 8 item 5): an officer of
 * Sở Xây dựng, processing a construction-permit dossier, asks Sở Tư pháp's judicial-record
 * service about the applicant through the LGSP; the answer (from the platform's own issued
 * results) is attached to the dossier and the exchange is in the LGSP message log with the
 * requesting agency's system as client and the dossier code as issue. Also: cross-agency
 * denial, unknown service 404, no grant 403, bad parameters 422, the demo registry.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, egovCli, request } from './lib/server.mjs';

const LLTP = '2.000488.000.00.00.H61'; /* Phiếu lý lịch tư pháp, Sở Tư pháp */
const GPXD = '1.009972.000.00.00.H61'; /* Giấy phép xây dựng, Sở Xây dựng */
const PID = '086090001234'; /* congdan1 */
let srv;
const tok = {};
let ready = false;

function token(user) {
    const r = egovCli(['token', '--data-dir', srv.dataDir, '--user', user, '--ttl', '3600']);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split(/\s+/).pop();
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

async function upload(t) {
    const fd = new FormData();
    fd.append('file', new Blob([PDF], { type: 'application/pdf' }), 'a.pdf');
    const r = await request(`${srv.url}/api/v1/files`, { method: 'POST', body: fd, token: t });
    assert.equal(r.status, 201, r.text);
    return r.json.id;
}

async function submit(t, procedure) {
    const p = await request(`${srv.url}/api/v1/procedures/${procedure}`);
    assert.equal(p.status, 200, p.text);
    const components = [];
    for (const c of p.json.components.filter((x) => x.required))
        components.push({ code: c.code, file_ids: [await upload(t)] });
    const r = await request(`${srv.url}/api/v1/dossiers`, {
        token: t,
        body: { procedure_code: procedure, channel: 2, applicant: { phone: '0912345678' }, components },
    });
    assert.equal(r.status, 201, r.text);
    return r.json.code;
}

async function act(t, code, action, body) {
    return request(`${srv.url}/api/v1/dossiers/${code}/actions/${action}`, { method: 'POST', token: t, body: body || {} });
}

async function completeTask(t, code, element, variables = {}) {
    const l = await request(`${srv.url}/api/v1/tasks?scope=candidate`, { token: t });
    const task = l.json.items.find((x) => x.business_key === code && x.element_id === element);
    assert.ok(task, `task ${element} of ${code}`);
    await request(`${srv.url}/api/v1/tasks/${task.id}/claim`, { method: 'POST', token: t, body: {} });
    const d = await request(`${srv.url}/api/v1/tasks/${task.id}/complete`, { method: 'POST', token: t, body: { variables } });
    assert.ok(d.status < 300, d.text);
}

const ask = (t, code, body, headers = {}) =>
    request(`${srv.url}/api/v1/dossiers/${encodeURIComponent(code)}/info-requests`, { token: t, body, headers });
const list = (t, code) => request(`${srv.url}/api/v1/dossiers/${encodeURIComponent(code)}/info-requests`, { token: t });

function itest(name, fn) {
    test(name, async (t) => {
        if (!ready) return t.skip('catalog/workflow modules not in this build');
        await fn(t);
    });
}

let lltpCode, gpxdCode;

before(async () => {
    srv = await startServer();
    for (const u of ['admin', 'congdan1', 'congdan2', 'tp.tiepnhan', 'tp.chuyenvien', 'tp.truongphong', 'tp.giamdoc',
        'xd.tiepnhan', 'xd.chuyenvien'])
        tok[u] = token(u);
    const p = await request(`${srv.url}/api/v1/procedures/${LLTP}`);
    ready = p.status === 200;
    if (!ready) return;
    /* Sở Tư pháp issues a judicial-record certificate to congdan1. */
    lltpCode = await submit(tok.congdan1, LLTP);
    assert.equal((await act(tok['tp.tiepnhan'], lltpCode, 'accept')).status, 200);
    await completeTask(tok['tp.chuyenvien'], lltpCode, 'Task_Appraise');
    await completeTask(tok['tp.truongphong'], lltpCode, 'Task_Review');
    await completeTask(tok['tp.giamdoc'], lltpCode, 'Task_Approve', { approved: true });
    const done = await request(`${srv.url}/api/v1/dossiers/${lltpCode}`, { token: tok.congdan1 });
    assert.equal(done.json.status, 9, done.text);
    /* congdan1 then applies to Sở Xây dựng for a construction permit. */
    gpxdCode = await submit(tok.congdan1, GPXD);
    const acc = await act(tok['xd.tiepnhan'], gpxdCode, 'accept');
    assert.equal(acc.status, 200, acc.text);
});
after(async () => {
    if (srv) await srv.stop();
});

itest('officer of Sở Xây dựng gets the judicial record from Sở Tư pháp through the LGSP', async () => {
    const r = await ask(tok['xd.chuyenvien'], gpxdCode, { service: 'ltp-phieu', params: { personal_id: PID }, purpose: 'Xác minh nhân thân chủ đầu tư' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.state, 'answered');
    assert.equal(r.json.service, 'ltp-phieu');
    assert.equal(r.json.agency_code, '000.00.05.H61');
    assert.equal(r.json.answer.found, true);
    const item = r.json.answer.items.find((x) => x.number === lltpCode);
    assert.ok(item, JSON.stringify(r.json.answer));
    assert.equal(item.kind, 'phieu_ly_lich_tu_phap');
    assert.equal(item.issued_by, '000.00.04.H61');
    /* minimal personal data: no name, phone or address in the answer */
    assert.doesNotMatch(JSON.stringify(r.json.answer), /Nguyễn Văn An|0912345678/);
    assert.ok(r.json.xroad_id);

    /* attached to the dossier */
    const l = await list(tok['xd.chuyenvien'], gpxdCode);
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.items.length, 1);
    assert.equal(l.json.items[0].answer.items[0].number, lltpCode);
    assert.deepEqual(l.json.items[0].params, { personal_id: PID });

    /* in the LGSP message log, X-Road-Client = Sở Xây dựng's system, issue = dossier code */
    const m = await request(`${srv.url}/api/v1/lgsp/messages?service=ltp-phieu`, { token: tok.admin });
    assert.equal(m.status, 200, m.text);
    const rec = m.json.items.find((x) => x.xroad_id === r.json.xroad_id);
    assert.ok(rec, JSON.stringify(m.json.items));
    assert.equal(rec.client_id, 'motcua-000.00.05.H61');
    assert.equal(rec.issue, gpxdCode);
    assert.equal(rec.user_id, 'xd.chuyenvien');
    assert.equal(rec.status, 200);
    assert.equal(rec.side, 'client');

    /* a person with no issued certificate: found false */
    const none = await ask(tok['xd.chuyenvien'], gpxdCode, { service: 'ltp-phieu', params: { personal_id: '086195004321' } });
    assert.equal(none.status, 201, none.text);
    assert.equal(none.json.answer.found, false);
    assert.equal(none.json.answer.items.length, 0);

    /* Idempotency-Key: the same record, no second exchange */
    const k1 = await ask(tok['xd.chuyenvien'], gpxdCode, { service: 'hotich-sukien', params: { personal_id: PID } }, { 'Idempotency-Key': 'ir-1' });
    const k2 = await ask(tok['xd.chuyenvien'], gpxdCode, { service: 'hotich-sukien', params: { personal_id: PID } }, { 'Idempotency-Key': 'ir-1' });
    assert.equal(k1.status, 201, k1.text);
    assert.equal(k2.status, 200, k2.text);
    assert.equal(k1.json.id, k2.json.id);
    assert.equal((await list(tok['xd.chuyenvien'], gpxdCode)).json.items.length, 3);
});

itest('cross-agency and citizen denial, unknown service 404, no grant 403, bad params 422', async () => {
    const before = (await list(tok['xd.chuyenvien'], gpxdCode)).json.items.length;
    /* staff of another agency: the dossier does not exist for them */
    const x = await ask(tok['tp.chuyenvien'], gpxdCode, { service: 'ltp-phieu', params: { personal_id: PID } });
    assert.equal(x.status, 404, x.text);
    assert.equal((await list(tok['tp.chuyenvien'], gpxdCode)).status, 404);
    /* the applicant cannot ask or read */
    assert.equal((await ask(tok.congdan1, gpxdCode, { service: 'ltp-phieu', params: { personal_id: PID } })).status, 404);
    assert.equal((await list(tok.congdan1, gpxdCode)).status, 404);
    assert.equal((await list(undefined, gpxdCode)).status, 401);
    /* unknown service */
    const u = await ask(tok['xd.chuyenvien'], gpxdCode, { service: 'khong-co-dich-vu', params: { personal_id: PID } });
    assert.equal(u.status, 404, u.text);
    assert.match(u.headers.get('content-type'), /problem\+json/);
    /* Sở Xây dựng has no grant on the food-safety service of Sở Y tế */
    const g = await ask(tok['xd.chuyenvien'], gpxdCode, { service: 'attp-giaychungnhan', params: { tax_code: '0100109106' } });
    assert.equal(g.status, 403, g.text);
    assert.match(g.json.detail, /motcua-000\.00\.05\.H61/);
    /* bad parameters: 422 from our validation and from the provider */
    const b1 = await ask(tok['xd.chuyenvien'], gpxdCode, { service: 'ltp-phieu', params: { personal_id: 12 } });
    assert.equal(b1.status, 422);
    const b2 = await ask(tok['xd.chuyenvien'], gpxdCode, { service: 'ltp-phieu', params: { personal_id: '123' } });
    assert.equal(b2.status, 422, b2.text);
    const b3 = await ask(tok['xd.chuyenvien'], gpxdCode, { service: '../x' });
    assert.equal(b3.status, 422);
    /* nothing was recorded */
    assert.equal((await list(tok['xd.chuyenvien'], gpxdCode)).json.items.length, before);
    /* the refusals are still in the LGSP message log */
    const m = await request(`${srv.url}/api/v1/lgsp/messages?service=attp-giaychungnhan`, { token: tok.admin });
    assert.ok(m.json.items.some((r) => r.status === 403 && r.issue === gpxdCode));
});

itest('demo registry: five published providers owned by the issuing agencies', async () => {
    const s = await request(`${srv.url}/api/v1/info-services`, { token: tok['xd.chuyenvien'] });
    assert.equal(s.status, 200, s.text);
    assert.ok(s.json.items.length >= 5);
    assert.equal((await request(`${srv.url}/api/v1/info-services`, { token: tok.congdan1 })).status, 403);
    const owners = {
        'ltp-phieu': '000.00.04.H61',
        'hotich-sukien': '000.00.04.H61',
        'xd-giayphep': '000.00.05.H61',
        'attp-giaychungnhan': '000.00.07.H61',
        'dkkd-doanhnghiep': '000.00.03.H61',
    };
    for (const [code, owner] of Object.entries(owners)) {
        const r = await request(`${srv.url}/api/v1/lgsp/services/${code}`, { token: tok.admin });
        assert.equal(r.status, 200, `${code}: ${r.text}`);
        assert.equal(r.json.status, 'published');
        assert.equal(r.json.owner_agency, owner);
        assert.equal(r.json.upstream_url.startsWith('data:dossier.'), true);
    }
    /* the construction permit itself is not issued yet: the provider does not show it */
    const p = await ask(tok['xd.chuyenvien'], gpxdCode, { service: 'xd-giayphep', params: { number: gpxdCode } });
    assert.equal(p.status, 201, p.text);
    assert.equal(p.json.answer.found, false);
});

const MODEL = `<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:egov="http://egov.local/schema/bpmn">
<bpmn:process id="inforeq-svc" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:serviceTask id="Task_AskLLTP" egov:handler="dossier.info-request"/>
<bpmn:userTask id="Task_Review" camunda:candidateGroups="officer"/>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="Task_AskLLTP"/>
<bpmn:sequenceFlow id="f2" sourceRef="Task_AskLLTP" targetRef="Task_Review"/>
<bpmn:sequenceFlow id="f3" sourceRef="Task_Review" targetRef="e"/>
</bpmn:process>
</bpmn:definitions>
`;

itest('a BPMN service task asks through the LGSP; the answer arrives on the dossier', async () => {
    const dep = await request(`${srv.url}/api/v1/workflow/definitions`, {
        token: tok.admin, method: 'POST', body: MODEL, headers: { 'Content-Type': 'application/xml' },
    });
    assert.equal(dep.status, 201, dep.text);
    const inst = await request(`${srv.url}/api/v1/workflow/instances`, {
        token: tok.admin,
        body: {
            definition_key: 'inforeq-svc', business_key: gpxdCode, agency_code: '000.00.05.H61',
            variables: { info_request: { service: 'ltp-phieu', params: { personal_id: PID } } },
        },
    });
    assert.equal(inst.status, 201, inst.text);
    const end = Date.now() + 20000;
    let got;
    while (Date.now() < end && !got) {
        const l = await list(tok['xd.chuyenvien'], gpxdCode);
        got = l.json.items.find((x) => x.via === 'workflow' && x.state !== 'pending');
        if (!got) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(got, 'the queued request was answered');
    assert.equal(got.state, 'answered');
    assert.equal(got.requested_by, 'workflow');
    assert.ok(got.answer.items.some((x) => x.number === lltpCode));
    const m = await request(`${srv.url}/api/v1/lgsp/messages?service=ltp-phieu`, { token: tok.admin });
    const rec = m.json.items.find((x) => x.xroad_id === got.xroad_id);
    assert.ok(rec);
    assert.equal(rec.issue, gpxdCode);
    assert.equal(rec.client_id, 'motcua-000.00.05.H61');
});
