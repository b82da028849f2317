/*
 * lgsp.test.mjs - the LGSP pages in a real browser: the developer portal lists published
 * services with their documents (drafts hidden); the admin page (bearer token of the platform
 * administrator) shows services, registers one through the form, and draws the monitoring
 * table; no console errors or CSP violations. Screenshot: build/test-logs/lgsp-admin.png.
 */
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, LOG_DIR } from './lib/server.mjs';
import { egovCli } from '../lib/server.mjs';
import { launchBrowser, newPage } from './lib/browser.mjs';

let srv;
let browser;
let admin;

async function api(p, body) {
    const r = await fetch(`${srv.url}/api/v1/lgsp${p}`, {
        method: body ? 'POST' : 'GET',
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, json: await r.json() };
}

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    srv = await startServer({ env: { EGOV_LGSP_UPSTREAM_ALLOW: '127.0.0.1/32', EGOV_DOSSIER_DEMO_INFO_SERVICES: '0' } });
    browser = await launchBrowser();
    admin = egovCli(['token', '--data-dir', srv.dataDir, '--user', 'admin']).stdout.trim();
    const base = { version: 'v1', owner_agency: '000.00.04.H61', upstream_url: 'http://127.0.0.1:9/' };
    assert.equal((await api('/services', { ...base, code: 'dkkd', name: 'Tra cứu đăng ký kinh doanh', status: 'published', description: 'Thông tin doanh nghiệp', spec_type: 'openapi', spec: '{"openapi":"3.1.0","info":{"title":"DKKD"}}' })).status, 201);
    assert.equal((await api('/services', { ...base, code: 'nhap', name: 'Dịch vụ nháp' })).status, 201);
});

after(async () => {
    await browser?.close();
    await srv?.stop();
});

test('developer portal lists published services with their documents', async () => {
    const { page, context, problems } = await newPage(browser);
    const res = await page.goto(`${srv.url}/portal/developers.html`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    await page.locator('#dev-list .card').first().waitFor();
    const text = await page.locator('#dev-list').textContent();
    assert.match(text, /Tra cứu đăng ký kinh doanh/);
    assert.doesNotMatch(text, /Dịch vụ nháp/, 'drafts are not published');
    assert.equal(await page.getByRole('link', { name: /Tải tài liệu OpenAPI/ }).count(), 1);
    await page.getByLabel('Lọc theo tên hoặc mã').fill('khong-co');
    assert.match(await page.locator('#dev-list').textContent(), /Chưa có dịch vụ/);
    assert.deepEqual(problems(), []);
    await context.close();
});

test('admin page shows services, registers one, and shows monitoring', async () => {
    const { page, context, problems } = await newPage(browser, undefined, {
        extraHTTPHeaders: { Authorization: `Bearer ${admin}` },
    });
    await page.goto(`${srv.url}/admin/lgsp.html`, { waitUntil: 'load' });
    await page.locator('#services-body tr').first().waitFor();
    assert.equal(await page.locator('#services-body tr').count(), 2);
    await page.getByLabel('Mã dịch vụ').fill('moi');
    await page.getByLabel('Tên dịch vụ').fill('Dịch vụ mới');
    await page.getByLabel('Mã cơ quan sở hữu').fill('000.00.04.H61');
    await page.getByLabel('Địa chỉ dịch vụ cung cấp (upstream)').fill('http://10.0.0.1/');
    await page.getByRole('button', { name: 'Đăng ký' }).click();
    await page.locator('#lgsp-error').getByText(/upstream_url|vùng cấm|bị từ chối/).first().waitFor();
    await page.getByLabel('Địa chỉ dịch vụ cung cấp (upstream)').fill('http://127.0.0.1:9/');
    await page.getByRole('button', { name: 'Đăng ký' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#services-body tr').length === 3);
    assert.equal((await api('/services/moi')).json.status, 'draft');
    await page.screenshot({ path: path.join(LOG_DIR, 'lgsp-admin.png'), fullPage: true });
    const unexpected = problems().filter((p) => !/status of 422/.test(p));
    assert.deepEqual(unexpected, []);
    await context.close();
});
