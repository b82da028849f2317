/*
 * inforeq.test.mjs - the "Yêu cầu thông tin liên thông" section of the staff dossier page in a
 * real browser (Debian Chromium): Sở Tư pháp issues a judicial-record certificate to congdan1
 * (through the API), congdan1's next dossier is accepted, and the officer asks Sở Tư pháp's
 * judicial-record service from the page and sees the answer attached; the applicant never sees
 * the section. Authentication: bearer tokens from `egov token` as an extra header.
 */
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, LOG_DIR } from './lib/server.mjs';
import { egovCli } from '../lib/server.mjs';
import { launchBrowser, newPage } from './lib/browser.mjs';

const PROC = '2.000488.000.00.00.H61';
let srv;
let browser;

const token = (u) => egovCli(['token', '--data-dir', srv.dataDir, '--user', u, '--ttl', '3600']).stdout.trim().split(/\s+/).pop();

async function api(user, p, body) {
    const r = await fetch(`${srv.url}${p}`, {
        method: body ? 'POST' : 'GET',
        headers: { Authorization: `Bearer ${token(user)}`, 'Content-Type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, json: await r.json().catch(() => null) };
}

async function submitAccepted() {
    const fd = new FormData();
    fd.append('file', new Blob([Buffer.from('%PDF-1.4\n%%EOF\n')], { type: 'application/pdf' }), 'a.pdf');
    const f = await fetch(`${srv.url}/api/v1/files`, { method: 'POST', body: fd, headers: { Authorization: `Bearer ${token('congdan1')}` } });
    const file = await f.json();
    const d = await api('congdan1', '/api/v1/dossiers', { procedure_code: PROC, channel: 2, components: [{ code: 'TK-LLTP', file_ids: [file.id] }] });
    assert.equal(d.status, 201, JSON.stringify(d.json));
    assert.equal((await api('tp.tiepnhan', `/api/v1/dossiers/${d.json.code}/actions/accept`, {})).status, 200);
    return d.json.code;
}

async function completeTask(user, code, element, variables = {}) {
    const l = await api(user, '/api/v1/tasks?scope=candidate');
    const t = l.json.items.find((x) => x.business_key === code && x.element_id === element);
    assert.ok(t, `${element} for ${code}`);
    await api(user, `/api/v1/tasks/${t.id}/claim`, {});
    assert.ok((await api(user, `/api/v1/tasks/${t.id}/complete`, { variables })).status < 300);
}

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    srv = await startServer();
    browser = await launchBrowser();
});
after(async () => {
    await browser?.close();
    await srv?.stop();
});

test('officer asks another agency from the dossier page and sees the answer attached', async (t) => {
    if ((await fetch(`${srv.url}/api/v1/procedures/${PROC}`)).status !== 200) return t.skip('catalog not in this build');
    const issued = await submitAccepted();
    await completeTask('tp.chuyenvien', issued, 'Task_Appraise');
    await completeTask('tp.truongphong', issued, 'Task_Review');
    await completeTask('tp.giamdoc', issued, 'Task_Approve', { approved: true });
    /* the dossier module brings the status in line with the process when the dossier is read */
    assert.equal((await api('congdan1', `/api/v1/dossiers/${issued}`)).json.status, 9);
    const code = await submitAccepted();

    const o = await newPage(browser, undefined, { extraHTTPHeaders: { Authorization: `Bearer ${token('tp.chuyenvien')}` } });
    await o.page.goto(`${srv.url}/office/dossier.html?code=${encodeURIComponent(code)}`);
    await o.page.waitForSelector('#inforeq:not([hidden])');
    assert.match(await o.page.locator('#ir-list').textContent(), /Chưa có yêu cầu/);
    await o.page.getByLabel('Dịch vụ').selectOption('ltp-phieu');
    await o.page.getByLabel('Số định danh cá nhân').fill('086090001234');
    await o.page.getByRole('button', { name: 'Gửi yêu cầu' }).click();
    await o.page.waitForSelector('.ir-item');
    const text = await o.page.locator('#ir-list').textContent();
    assert.match(text, new RegExp(issued.replace(/\./g, '\\.')));
    assert.match(text, /ltp-phieu/);
    await o.page.screenshot({ path: path.join(LOG_DIR, 'dossier-inforeq.png'), fullPage: true });

    /* a bad parameter shows the problem, nothing is added */
    await o.page.getByLabel('Số định danh cá nhân').fill('123');
    await o.page.getByRole('button', { name: 'Gửi yêu cầu' }).click();
    await o.page.waitForSelector('#ir-problem:not([hidden])');
    assert.equal(await o.page.locator('.ir-item').count(), 1);

    /* the applicant's view of the page has no such section */
    const c = await newPage(browser, undefined, { extraHTTPHeaders: { Authorization: `Bearer ${token('congdan1')}` } });
    await c.page.goto(`${srv.url}/office/dossier.html?code=${encodeURIComponent(code)}`);
    await c.page.waitForTimeout(500);
    assert.equal(await c.page.locator('#inforeq').isHidden(), true);
});
