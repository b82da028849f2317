/*
 * feedback.test.mjs - the feedback pages in a real browser: a citizen files feedback with the
 * portal form and sees it under "Phản ánh của tôi"; agency staff answer it on the office page;
 * the citizen closes it with a rating. Authentication: bearer tokens from `egov token` as an extra
 * header; the citizen page lists "mine" only when a session cookie exists, so a dummy egov_csrf
 * cookie stands for the session (the server ignores CSRF for bearer requests).
 */
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { egovCli } from '../lib/server.mjs';
import { launchBrowser, newPage } from './lib/browser.mjs';

let srv;
let browser;
const token = (u) => egovCli(['token', '--data-dir', srv.dataDir, '--user', u]).stdout.trim().split('\n').pop();

before(async () => {
    srv = await startServer();
    browser = await launchBrowser();
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

test('citizen files feedback, staff answers, citizen rates', async () => {
    const c = await pageAs('congdan1');
    await c.page.goto(`${srv.url}/portal/feedback.html`, { waitUntil: 'load' });
    await c.page.getByLabel('Mã thủ tục hoặc mã hồ sơ').fill('2.000488.000.00.00.H61');
    await c.page.getByLabel('Tiêu đề').fill('Chờ kết quả quá lâu');
    await c.page.getByLabel('Nội dung', { exact: true }).fill('Đã 20 ngày chưa có kết quả.');
    await c.page.getByRole('button', { name: 'Gửi phản ánh' }).click();
    await c.page.getByText(/Đã gửi phản ánh số \d+/).waitFor();
    await c.page.locator('#mine').getByText('Chờ kết quả quá lâu').waitFor();

    const s = await pageAs('tp.truongphong');
    await s.page.goto(`${srv.url}/office/feedback.html`, { waitUntil: 'load' });
    await s.page.locator('#rows').getByText('Chờ kết quả quá lâu').waitFor();
    await s.page.locator('#rows tr', { hasText: 'Chờ kết quả quá lâu' }).getByRole('button', { name: 'Xem' }).click();
    await s.page.getByLabel('Phân công cho (tên đăng nhập)').fill('tp.chuyenvien');
    await s.page.getByRole('button', { name: 'Phân công' }).click();
    await s.page.locator('#detail-body').getByText('Người xử lý: tp.chuyenvien').waitFor();
    await s.page.getByLabel('Nội dung trả lời').fill('Kết quả sẽ trả ngày 02/12.');
    await s.page.getByRole('button', { name: 'Trả lời' }).click();
    await s.page.locator('#detail-body').getByText('Trả lời: Kết quả sẽ trả ngày 02/12.').waitFor();

    await c.page.reload({ waitUntil: 'load' });
    await c.page.locator('#mine').getByText('Trả lời: Kết quả sẽ trả ngày 02/12.').waitFor();
    await c.page.locator('#mine').getByRole('button', { name: 'Đóng và đánh giá' }).click();
    await c.page.locator('#mine').getByText('Đánh giá: 5/5').waitFor();
    assert.deepEqual(c.problems(), []);
    assert.deepEqual(s.problems(), []);
    await c.context.close();
    await s.context.close();
});

test('another agency sees nothing of it', async () => {
    const x = await pageAs('xd.truongphong');
    await x.page.goto(`${srv.url}/office/feedback.html`, { waitUntil: 'load' });
    await x.page.locator('#count').getByText('0 phản ánh').waitFor();
    await x.context.close();
});
