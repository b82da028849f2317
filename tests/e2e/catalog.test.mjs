/*
 * catalog.test.mjs - the procedure catalogue in a real browser (issue 4 §6): the home-page
 * search box finds "Đăng ký khai sinh" typed without diacritics, results are highlighted,
 * filters by agency and field work, the detail page shows components and fees, and the
 * admin catalogue and EAMS pages render their tables. No console errors or CSP violations.
 */
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, LOG_DIR } from './lib/server.mjs';
import { launchBrowser, newPage } from './lib/browser.mjs';

let srv;
let browser;

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    srv = await startServer();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await srv?.stop();
});

async function open(page, p) {
    const res = await page.goto(`${srv.url}${p}`, { waitUntil: 'load' });
    await page.waitForSelector('html.egov-ready', { state: 'attached', timeout: 10000 });
    return res;
}

test('home search box finds Đăng ký khai sinh without diacritics, highlighted', async () => {
    const { page, context, problems } = await newPage(browser);
    await open(page, '/');
    await page.getByLabel('Tìm thủ tục hành chính').fill('dang ky khai sinh');
    await Promise.all([page.waitForURL(/\/portal\/procedures\.html\?/), page.keyboard.press('Enter')]);
    const first = page.locator('#proc-results li h3 a').first();
    await first.waitFor({ timeout: 10000 });
    assert.equal((await first.textContent()).trim(), 'Đăng ký khai sinh');
    assert.ok(await first.locator('mark').count() >= 1, 'matched words are highlighted');
    await Promise.all([page.waitForURL(/procedure\.html\?code=/), first.click()]);
    await page.waitForFunction(() => document.getElementById('proc-name').textContent === 'Đăng ký khai sinh');
    assert.match(await page.locator('#proc-facts').textContent(), /1\.001193\.000\.00\.00\.H61/);
    assert.ok(await page.locator('#proc-components > li').count() >= 2);
    assert.ok(await page.locator('#proc-components [data-field="ngay_sinh"]').count() === 1);
    await page.screenshot({ path: `${LOG_DIR}/procedure.png`, fullPage: true });
    assert.deepEqual(problems(), []);
    await context.close();
});

test('upper-case and agency searches from the procedures page', async () => {
    const { page, context, problems } = await newPage(browser);
    await open(page, `/portal/procedures.html?q=${encodeURIComponent('ĐĂNG KÝ KHAI SINH')}`);
    const first = page.locator('#proc-results li h3 a').first();
    await first.waitFor({ timeout: 10000 });
    assert.equal((await first.textContent()).trim(), 'Đăng ký khai sinh');
    await open(page, `/portal/procedures.html?q=${encodeURIComponent('so tu phap')}`);
    await page.locator('#agency-results li').first().waitFor({ timeout: 10000 });
    assert.match(await page.locator('#agency-results').textContent(), /Sở Tư pháp tỉnh Vĩnh Long/);
    // an agency retired by the 2025 merger is shown with its validity and today's successor
    await open(page, `/portal/procedures.html?q=${encodeURIComponent('Sở Tư pháp Bến Tre')}`);
    await page.locator('#agency-results li').first().waitFor({ timeout: 10000 });
    assert.match(await page.locator('#agency-results').textContent(),
        /hiệu lực đến 30\/06\/2025; nay là Sở Tư pháp tỉnh Vĩnh Long \(000\.00\.04\.H61\)/);
    assert.deepEqual(problems(), []);
    await context.close();
});

test('filters by agency and by field', async () => {
    const { page, context, problems } = await newPage(browser);
    await open(page, '/portal/procedures.html');
    await page.locator('#proc-results li').nth(39).waitFor({ timeout: 10000 });
    await page.getByLabel('Cơ quan thực hiện').selectOption('000.00.04.H61');
    await Promise.all([page.waitForURL(/agency=000\.00\.04\.H61/), page.getByRole('button', { name: 'Tìm kiếm' }).click()]);
    await page.locator('#proc-results li h3').first().waitFor({ timeout: 10000 });
    const texts = await page.locator('#proc-results li article > p').allTextContents();
    assert.ok(texts.length >= 3 && texts.every((t) => t.includes('Sở Tư pháp')), texts.join('\n'));
    await page.getByLabel('Cơ quan thực hiện').selectOption('');
    await page.getByLabel('Lĩnh vực').selectOption('hotich');
    await Promise.all([page.waitForURL(/field=hotich/), page.getByRole('button', { name: 'Tìm kiếm' }).click()]);
    await page.locator('#proc-results li h3').first().waitFor({ timeout: 10000 });
    const tags = await page.locator('#proc-results .tag').allTextContents();
    assert.ok(tags.length >= 5 && tags.every((t) => t === 'Hộ tịch'), tags.join(','));
    assert.deepEqual(problems(), []);
    await context.close();
});

test('admin pages: catalogues and the EAMS matrix', async () => {
    const { page, context, problems } = await newPage(browser);
    await open(page, '/admin/catalogs.html#dantoc');
    await page.locator('#rows-table tbody tr').nth(53).waitFor({ timeout: 10000 });
    assert.equal(await page.locator('#rows-table tbody tr').count(), 54);
    await open(page, '/admin/eams.html');
    await page.locator('#brm-table tbody tr').nth(187).waitFor({ timeout: 10000 });
    assert.equal(await page.locator('#apps-table tbody tr').count(), 24);
    assert.ok(await page.locator('#matrix-table tbody td', { hasText: '●' }).count() > 30);
    assert.ok(await page.locator('#issues-table tbody tr').count() > 10);
    assert.deepEqual(problems(), []);
    await context.close();
});
