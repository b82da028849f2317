/*
 * reports.test.mjs - the statistics pages in a real browser. Two online dossiers of Sở Tư
 * pháp are submitted (one accepted) through the API; the staff dashboard (office/reports.html)
 * of a Sở Tư pháp officer shows them in the table, the summary cards and the chart, and its CSV
 * link downloads the same figures; another agency's officer sees no Sở Tư pháp row; the public
 * summary (portal/thong-ke.html, linked from the portal navigation) shows the totals without
 * personal data. No console error, CSP violation or failed request on either page.
 */
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { egovCli } from '../lib/server.mjs';
import { launchBrowser, newPage } from './lib/browser.mjs';

const P_TP = '2.000488.000.00.00.H61';
let srv;
let browser;
const token = (u) => egovCli(['token', '--data-dir', srv.dataDir, '--user', u]).stdout.trim().split('\n').pop();

async function apiCall(path, tok, init = {}) {
    const headers = { Authorization: `Bearer ${tok}`, ...(init.headers || {}) };
    let body = init.body;
    if (body && !(body instanceof FormData)) {
        body = JSON.stringify(body);
        headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(`${srv.url}${path}`, { method: init.method || (body ? 'POST' : 'GET'), headers, body });
    return { status: r.status, json: await r.json().catch(() => null) };
}

before(async () => {
    srv = await startServer();
    browser = await launchBrowser();
    const cit = token('congdan1');
    for (let i = 0; i < 2; i++) {
        const fd = new FormData();
        fd.append('file', new Blob([Buffer.from('%PDF-1.4\n%%EOF\n')], { type: 'application/pdf' }), 'a.pdf');
        const f = await apiCall('/api/v1/files', cit, { method: 'POST', body: fd });
        assert.equal(f.status, 201);
        const d = await apiCall('/api/v1/dossiers', cit, {
            body: { procedure_code: P_TP, channel: 2, components: [{ code: 'TK-LLTP', file_ids: [f.json.id] }] },
        });
        assert.equal(d.status, 201, JSON.stringify(d.json));
        if (i === 0) {
            const a = await apiCall(`/api/v1/dossiers/${d.json.code}/actions/accept`, token('tp.tiepnhan'), { body: {} });
            assert.equal(a.status, 200);
        }
    }
});
after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
});

async function pageAs(user) {
    const r = await newPage(browser, undefined, { extraHTTPHeaders: { Authorization: `Bearer ${token(user)}` } });
    const host = new URL(srv.url).hostname;
    await r.context.addCookies([{ name: 'egov_csrf', value: 'e2e', domain: host, path: '/' }]);
    return r;
}

test('staff dashboard: table, cards, chart and CSV within the agency scope', async () => {
    const s = await pageAs('tp.chuyenvien');
    await s.page.goto(`${srv.url}/office/reports.html`, { waitUntil: 'load' });
    const row = s.page.locator('#rows tr', { hasText: '000.00.04.H61' });
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[2], '2'); /* received */
    assert.equal(cells[3], '0'); /* resolved */
    assert.equal(cells[7], '2'); /* in progress: one new, one accepted */
    await s.page.locator('#cards').getByText('Hồ sơ tiếp nhận').waitFor();
    await s.page.locator('#online').getByText(/Tỷ lệ hồ sơ trực tuyến: 100%/).waitFor();
    /* the chart was drawn */
    const drawn = await s.page.evaluate(() => {
        const c = document.getElementById('chart');
        return Boolean(globalThis.Chart && globalThis.Chart.getChart(c));
    });
    assert.ok(drawn, 'chart.js chart on #chart');
    /* group by channel through the form */
    await s.page.getByLabel('Thống kê theo').selectOption('channel');
    await s.page.getByRole('button', { name: 'Xem thống kê' }).click();
    await s.page.locator('#rows tr', { hasText: 'Trực tuyến' }).waitFor();
    const href = await s.page.locator('#csv').getAttribute('href');
    assert.match(href, /group_by=channel/);
    assert.match(href, /format=csv/);
    const csv = await s.page.evaluate(async (h) => {
        const r = await fetch(h);
        return { type: r.headers.get('content-type'), text: await r.text() };
    }, href);
    assert.match(csv.type, /^text\/csv/);
    assert.match(csv.text, /^key,name,received/);
    assert.match(csv.text, /\r\n2,Trực tuyến,2,/);
    /* an agency code outside the scope is refused with a visible problem */
    await s.page.getByLabel('Mã cơ quan (tùy chọn)').fill('000.00.05.H61');
    await s.page.getByRole('button', { name: 'Xem thống kê' }).click();
    await s.page.locator('#problem').getByText(/không có quyền/).waitFor();
    assert.deepEqual(s.problems().filter((p) => !/403/.test(p)), []);
    await s.context.close();

    const x = await pageAs('xd.chuyenvien');
    await x.page.goto(`${srv.url}/office/reports.html`, { waitUntil: 'load' });
    await x.page.locator('#count').getByText(/0 nhóm/).waitFor();
    assert.equal(await x.page.locator('#rows tr', { hasText: '000.00.04.H61' }).count(), 0);
    await x.context.close();
});

test('public summary page is linked from the portal navigation and shows totals', async () => {
    const { page, context, problems } = await newPage(browser);
    await page.goto(`${srv.url}/portal/procedures.html`, { waitUntil: 'load' });
    await page.getByRole('navigation', { name: 'Điều hướng chính' }).getByRole('link', { name: 'Thống kê' }).click();
    await page.waitForURL(/thong-ke\.html$/);
    await page.locator('#cards').getByText('Hồ sơ tiếp nhận').waitFor();
    const first = await page.locator('#cards li').first().textContent();
    assert.match(first, /^2\s*Hồ sơ tiếp nhận/);
    await page.locator('#cards').getByText('100%').first().waitFor();
    await page.locator('#fields tr', { hasText: 'Lý lịch tư pháp' }).waitFor();
    const drawn = await page.evaluate(() => Boolean(globalThis.Chart && globalThis.Chart.getChart(document.getElementById('chart'))));
    assert.ok(drawn);
    const text = await page.locator('main').textContent();
    assert.ok(!text.includes('086090001234') && !text.includes('Nguyễn Văn An'));
    assert.deepEqual(problems(), []);
    await context.close();
});
