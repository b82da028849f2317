// Identity web pages in Chromium: the Vietnamese login page with the TOTP step (admin), the
// admin pages for users/role assignments and OAuth clients, and "my account" with logout.
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from './lib/server.mjs';
import { launchBrowser, newPage } from './lib/browser.mjs';

const PW = 'VinhLong@2026';
const ADMIN_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function totp(secretB32, t = Date.now()) {
    const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let bits = '';
    for (const c of secretB32) bits += alpha.indexOf(c).toString(2).padStart(5, '0');
    const bytes = [];
    for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(Math.floor(t / 1000 / 30)));
    const mac = crypto.createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
    const off = mac[mac.length - 1] & 15;
    const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
    return String(bin % 1e6).padStart(6, '0');
}

let srv, browser;
test.before(async () => {
    srv = await startServer({ env: { EGOV_IDENTITY_ARGON2_MEMLIMIT_KIB: '8192' } });
    browser = await launchBrowser();
});
test.after(async () => {
    await browser?.close();
    await srv?.stop();
});

test('admin signs in with password and TOTP, manages roles and OAuth clients, then logs out', async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(`${srv.url}/login?return=/admin/users.html`);
    await page.getByLabel('Tên đăng nhập').fill('admin');
    await page.getByLabel('Mật khẩu').fill(PW);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByLabel('Mã xác thực').fill('123456');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await assert.doesNotReject(page.getByText('Mã xác thực không đúng.').waitFor());
    await page.getByLabel('Mã xác thực').fill(totp(ADMIN_TOTP));
    await Promise.all([page.waitForURL(/\/admin\/users\.html$/), page.getByRole('button', { name: 'Đăng nhập' }).click()]);

    await page.getByLabel('Mã cơ quan (CCC.BB.AA.LNN)').fill('000.00.04.H61');
    await page.getByRole('button', { name: 'Xem danh sách' }).click();
    await page.getByRole('cell', { name: 'tp.chuyenvien', exact: true }).waitFor();
    await page.getByLabel('Tài khoản (mã)').selectOption({ label: 'tp.chuyenvien – Nguyễn Văn Bình' });
    await page.getByLabel('Vai trò').selectOption('clerk');
    await page.getByLabel('Cơ quan', { exact: true }).fill('000.00.04.H61');
    await page.getByRole('button', { name: 'Cấp vai trò' }).click();
    await page.getByText('Đã cấp vai trò.').waitFor();
    await page.getByRole('cell', { name: 'officer@000.00.04.H61, clerk@000.00.04.H61' }).waitFor();

    await page.goto(`${srv.url}/admin/clients.html`);
    await page.getByLabel('Mã ứng dụng').fill('ung-dung-thu');
    await page.getByLabel('Địa chỉ chuyển hướng (cách nhau bởi dấu cách)').fill('https://app.example/cb');
    await page.getByRole('button', { name: 'Đăng ký' }).click();
    await page.locator('#secret-value').waitFor();
    assert.ok((await page.locator('#secret-value').textContent()).length >= 40);
    await page.getByRole('cell', { name: 'ung-dung-thu', exact: true }).waitFor();

    // the audit log page finds the client registration just made, and the chain verifies
    await page.goto(`${srv.url}/admin/audit.html`);
    await page.getByLabel('Mã đối tượng').fill('ung-dung-thu');
    await page.getByRole('button', { name: 'Tra cứu', exact: true }).click();
    await page.getByRole('cell', { name: /ung-dung-thu/ }).first().waitFor();
    assert.match(await page.locator('#count').textContent(), /bản ghi/);
    await page.getByRole('button', { name: 'Kiểm tra chuỗi nhật ký' }).click();
    await page.getByText(/Chuỗi nhật ký toàn vẹn: \d+ bản ghi/).waitFor();

    await page.goto(`${srv.url}/portal/account.html`);
    await page.locator('#p-username', { hasText: 'admin' }).waitFor();
    assert.equal(await page.locator('#p-totp').textContent(), 'Đã bật');
    // the identity pages themselves load without console errors or CSP violations
    assert.deepEqual(problems().filter((p) => !/status of 401/.test(p)), []); // 401: the wrong code
    await Promise.all([page.waitForURL(`${srv.url}/`), page.getByRole('button', { name: 'Đăng xuất' }).click()]);
    const me = await page.goto(`${srv.url}/api/v1/me`);
    assert.equal(me.status(), 401);
});

test('a citizen enrols TOTP on "my account"; an officer is refused on the admin pages', async () => {
    const { page } = await newPage(browser);
    await page.goto(`${srv.url}/login?return=/portal/account.html`);
    await page.getByLabel('Tên đăng nhập').fill('congdan2');
    await page.getByLabel('Mật khẩu').fill(PW);
    await Promise.all([page.waitForURL(/account\.html$/), page.getByRole('button', { name: 'Đăng nhập' }).click()]);
    await page.locator('#p-name', { hasText: 'Trần Thị Bích' }).waitFor();
    assert.equal(await page.locator('#p-totp').textContent(), 'Chưa bật');
    await page.getByRole('button', { name: 'Đăng ký ứng dụng xác thực' }).click();
    await page.locator('#totp-confirm').waitFor({ state: 'visible' });
    const secret = (await page.locator('#totp-secret').textContent()).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await page.getByLabel('Mã xác thực').fill(totp(secret));
    await page.getByRole('button', { name: 'Xác nhận' }).click();
    await page.getByText('Đã bật xác thực hai lớp.').waitFor({ timeout: 10000 }).catch(async (e) => {
        throw new Error(`${e.message}; problem: ${await page.locator('#problem').textContent()}; secret ${secret}`);
    });
    await page.locator('#p-totp', { hasText: 'Đã bật' }).waitFor();

    const { page: p2 } = await newPage(browser);
    await p2.goto(`${srv.url}/login?return=/admin/users.html`);
    await p2.getByLabel('Tên đăng nhập').fill('xd.chuyenvien');
    await p2.getByLabel('Mật khẩu').fill(PW);
    await Promise.all([p2.waitForURL(/users\.html$/), p2.getByRole('button', { name: 'Đăng nhập' }).click()]);
    // the page opens on the officer's own agency, which they may read
    await p2.getByRole('cell', { name: 'xd.chuyenvien', exact: true }).waitFor();
    await p2.getByLabel('Mã cơ quan (CCC.BB.AA.LNN)').fill('000.00.04.H61');
    await p2.getByRole('button', { name: 'Xem danh sách' }).click();
    await p2.locator('#problem').waitFor({ state: 'visible' });
    assert.match(await p2.locator('#problem').textContent(), /quyền|403/i);

    // the staff directory: organisation chart with agency names, and search by name
    await p2.goto(`${srv.url}/office/directory.html`);
    await p2.getByText('Sở Tư pháp tỉnh Vĩnh Long (000.00.04.H61)').click();
    await p2.getByText(/^Nguyễn Văn Bình/).first().waitFor();
    await p2.getByLabel('Họ tên hoặc tên đăng nhập').fill('binh');
    await p2.getByRole('button', { name: 'Tìm' }).click();
    await p2.getByRole('cell', { name: 'Sở Tư pháp tỉnh Vĩnh Long' }).first().waitFor();
});
