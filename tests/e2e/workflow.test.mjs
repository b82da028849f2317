/*
 * workflow.test.mjs - the workflow pages in a real browser: the instance page renders the
 * process with bpmn-js and highlights the active and completed elements; the staff inbox lists
 * the officer's task and completes it through the form; the admin page lists definitions.
 * Authentication: a bearer token from `egov token` sent as an extra header (no login UI needed).
 */
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, LOG_DIR } from './lib/server.mjs';
import { egovCli } from '../lib/server.mjs';
import { launchBrowser, newPage } from './lib/browser.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BPMN = fs.readFileSync(path.join(HERE, '..', 'api', 'fixtures', 'workflow-review.bpmn'), 'utf8');
const AG = '000.00.07.H61';
const VENDORED = fs.existsSync(path.join(HERE, '..', '..', 'web', 'vendor', 'bpmn-js', 'bpmn-viewer.production.min.js'));
let srv;
let browser;

function account(username, roles) {
    const add = egovCli(['user', 'add', '--data-dir', srv.dataDir, '--username', username, '--name', username,
        '--agency', AG, '--role', ...roles, '--password-stdin'], { input: 'Mật-khẩu-thử-1234\n' });
    assert.equal(add.status, 0, add.stderr);
    const tok = egovCli(['token', '--data-dir', srv.dataDir, '--user', username]);
    assert.equal(tok.status, 0, tok.stderr);
    return tok.stdout.trim().split('\n').pop();
}

async function call(token, p, body, type = 'application/json') {
    const r = await fetch(`${srv.url}${p}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': type },
        body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
    });
    return { status: r.status, json: await r.json() };
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

test('instance page highlights active and completed elements; inbox completes a task', { skip: !VENDORED && 'bpmn-js not vendored (scripts/vendor.sh)' }, async () => {
    const admin = account('e2eadmin', ['admin']);
    const officer = account('e2eoff', ['officer', 'leader']);
    assert.equal((await call(admin, '/api/v1/workflow/definitions', BPMN, 'application/xml')).status, 201);
    const a = await call(admin, '/api/v1/workflow/instances', { definition_key: 'test-review', business_key: 'HS-E2E-1', agency_code: AG, variables: { timeout: 'PT1H' } });
    assert.equal(a.status, 201);
    const b = await call(admin, '/api/v1/workflow/instances', { definition_key: 'test-review', business_key: 'HS-E2E-2', agency_code: AG, variables: { timeout: 'PT1H' } });
    const tasks = (await call(officer, '/api/v1/tasks')).json.items;
    const t1 = tasks.find((t) => t.instance_id === a.json.id);
    assert.equal((await call(officer, `/api/v1/tasks/${t1.id}/complete`, { variables: { approved: true, amount: 5000 } })).status, 200);

    const { page, context, problems } = await newPage(browser, undefined, { extraHTTPHeaders: { Authorization: `Bearer ${officer}` } });
    await page.goto(`${srv.url}/office/instance.html?id=${a.json.id}`, { waitUntil: 'load' });
    await page.waitForSelector('body[data-diagram="ready"]', { timeout: 15000 });
    assert.equal(await page.locator('[data-element-id="Task_Sign"].wf-active').count(), 1, 'active task highlighted');
    assert.equal(await page.locator('[data-element-id="Task_Review"].wf-done').count(), 1, 'completed task highlighted');
    assert.equal(await page.locator('#history tr').count() >= 3, true);
    await page.screenshot({ path: path.join(LOG_DIR, 'workflow-instance.png') });

    await page.goto(`${srv.url}/office/tasks.html`, { waitUntil: 'load' });
    const row = page.locator('#rows tr', { hasText: 'HS-E2E-2' });
    await row.waitFor({ timeout: 10000 });
    await row.getByRole('button', { name: 'Nhận' }).click();
    await page.locator('#rows tr', { hasText: 'HS-E2E-2' }).getByRole('button', { name: 'Trả về nhóm' }).waitFor();
    await page.locator('#rows tr', { hasText: 'HS-E2E-2' }).getByRole('button', { name: 'Xử lý' }).click();
    await page.getByLabel('Không đồng ý').check();
    await page.getByRole('button', { name: 'Hoàn thành' }).click();
    await page.locator('#rows tr', { hasText: 'HS-E2E-2' }).waitFor({ state: 'detached', timeout: 10000 });
    const inst = await call(officer, `/api/v1/workflow/instances/${b.json.id}`);
    assert.equal(inst.json.state, 'completed');
    assert.ok(inst.json.history.some((h) => h.element_id === 'EndEvent_Rejected'));
    assert.deepEqual(problems().filter((p) => !/401|403/.test(p)), []);
    await context.close();
});
