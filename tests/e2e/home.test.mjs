/*
 * home.test.mjs - the public home page in a real browser (Debian Chromium via playwright-core):
 * Vietnamese, site name loaded at run time, labelled search reachable by keyboard, search and
 * lookup forms navigate, no console errors or CSP violations, usable at 375 px, English switch.
 * Screenshots: build/test-logs/home.png (desktop) and home-375.png (phone).
 */
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, LOG_DIR } from './lib/server.mjs';
import { launchBrowser, newPage } from './lib/browser.mjs';

const FALLBACK_SITE = 'Cổng dịch vụ công tỉnh Vĩnh Long';
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

/* The name the header must show: the server's /api/v1/site, or the fallback if it fails. */
async function expectedSiteName() {
    try {
        const r = await fetch(`${srv.url}/api/v1/site`, { signal: AbortSignal.timeout(5000) });
        if (r.ok) {
            const j = await r.json();
            if (typeof j.site_name === 'string' && j.site_name.trim()) return j.site_name.trim();
        }
    } catch {
        /* fall through */
    }
    return FALLBACK_SITE;
}

/* Opens path and waits until egov.js has finished booting (translations, site name). */
async function open(page, p) {
    const res = await page.goto(`${srv.url}${p}`, { waitUntil: 'load' });
    await page.waitForSelector('html.egov-ready', { state: 'attached', timeout: 10000 });
    return res;
}

test('home page is Vietnamese, served with CSP, and shows the site name', async () => {
    const { page, context, problems } = await newPage(browser);
    const res = await open(page, '/');
    assert.equal(res.status(), 200);
    const csp = res.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/, 'HTML must carry the CSP (api.md §2)');
    assert.equal(await page.getAttribute('html', 'lang'), 'vi');
    const want = await expectedSiteName();
    assert.equal((await page.locator('header [data-site-name]').textContent()).trim(), want);
    assert.ok((await page.title()).includes(want), `title "${await page.title()}" names the site`);
    for (const role of ['banner', 'navigation', 'main', 'contentinfo']) {
        assert.ok((await page.getByRole(role).count()) >= 1, `landmark ${role}`);
    }
    const nav = page.getByRole('navigation', { name: 'Điều hướng chính' });
    for (const name of ['Trang chủ', 'Thủ tục hành chính', 'Tra cứu hồ sơ', 'Phản ánh kiến nghị', 'Đăng nhập']) {
        assert.equal(await nav.getByRole('link', { name, exact: true }).count(), 1, `nav link ${name}`);
    }
    assert.ok((await page.locator('.cards .card').count()) >= 3, 'popular services are shown as cards');
    await page.screenshot({ path: path.join(LOG_DIR, 'home.png'), fullPage: true });
    assert.deepEqual(problems(), []);
    await context.close();
});

test('search box is labelled, reachable with Tab, and submits to the procedures page', async () => {
    const { page, context, problems } = await newPage(browser);
    await open(page, '/');
    const box = page.getByLabel('Tìm thủ tục hành chính');
    assert.equal(await box.count(), 1);
    assert.equal(await box.getAttribute('name'), 'q');
    assert.equal(await box.getAttribute('placeholder'), 'Nhập tên thủ tục, ví dụ: đăng ký khai sinh');
    assert.equal(await page.locator('form[role="search"]').getAttribute('action'), '/portal/procedures.html');

    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link',
        'the first Tab reaches the skip link');
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.getAttribute('name') === 'q');
    }
    assert.ok(reached, 'Tab reaches the search box');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused search box shows a focus outline');

    const query = 'đăng ký khai sinh';
    await page.keyboard.type(query);
    await Promise.all([page.waitForURL(/\/portal\/procedures\.html\?/), page.keyboard.press('Enter')]);
    const u = new URL(page.url());
    assert.equal(u.pathname, '/portal/procedures.html');
    assert.equal(u.searchParams.get('q'), query);
    await page.waitForSelector('html.egov-ready', { state: 'attached' });
    assert.equal(await page.getByLabel('Tìm thủ tục hành chính').inputValue(), query,
        'the procedures page keeps the query in its search box');
    assert.equal((await page.locator('[data-param-value="q"]').textContent()).trim(), query);
    assert.deepEqual(problems(), []);
    await context.close();
});

test('skip link moves focus to the main content', async () => {
    const { page, context, problems } = await newPage(browser);
    await open(page, '/');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    assert.deepEqual(problems(), []);
    await context.close();
});

test('dossier lookup form submits the code to the lookup page', async () => {
    const { page, context, problems } = await newPage(browser);
    await open(page, '/');
    const code = '000.00.07.H07-260423-0001';
    await page.getByLabel('Mã hồ sơ').fill(code);
    await Promise.all([
        page.waitForURL(/\/portal\/lookup\.html\?/),
        page.getByRole('button', { name: 'Tra cứu', exact: true }).click(),
    ]);
    assert.equal(new URL(page.url()).searchParams.get('code'), code);
    await page.waitForSelector('html.egov-ready', { state: 'attached' });
    assert.equal(await page.getByLabel('Mã hồ sơ').inputValue(), code);
    assert.deepEqual(problems(), []);
    await context.close();
});

test('every shell page loads without console errors or CSP violations', async () => {
    const { page, context, problems } = await newPage(browser);
    for (const p of ['/', '/portal/procedures.html?q=h%E1%BB%99%20t%E1%BB%8Bch', '/portal/lookup.html',
        '/portal/feedback.html', '/office/', '/admin/']) {
        const res = await open(page, p);
        assert.equal(res.status(), 200, p);
        assert.equal(await page.getAttribute('html', 'lang'), 'vi', p);
        assert.equal(await page.locator('h1').count(), 1, `${p} has one h1`);
    }
    assert.deepEqual(problems(), []);
    await context.close();
});

test('works on a 375 px wide phone screen without horizontal scrolling', async () => {
    const { page, context, problems } = await newPage(browser, { width: 375, height: 812 },
        { isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    for (const p of ['/', '/portal/procedures.html?q=x', '/office/', '/admin/']) {
        await open(page, p);
        const sw = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(sw <= 375, `${p}: scrollWidth ${sw} > 375`);
        if (p === '/') {
            await page.screenshot({ path: path.join(LOG_DIR, 'home-375.png'), fullPage: true });
        }
    }
    assert.deepEqual(problems(), []);
    await context.close();
});

test('English can be chosen and is remembered; Vietnamese comes back', async () => {
    const { page, context, problems } = await newPage(browser);
    await open(page, '/');
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await page.locator('h1').textContent(), 'Online public services');
    assert.equal(await page.getByLabel('Search administrative procedures').count(), 1);
    await open(page, '/portal/lookup.html');
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice survives navigation');
    await page.getByRole('button', { name: 'Tiếng Việt' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'vi');
    assert.equal(await page.locator('h1').textContent(), 'Tra cứu hồ sơ');
    assert.deepEqual(problems(), []);
    await context.close();
});
