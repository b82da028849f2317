/*
 * dossier_overdue.test.mjs - deadlines after acceptance: a dossier accepted today is flagged
 * overdue by the scheduler once the clock (EGOV_FAKE_NOW) is past its due date; it shows in
 * its agency's overdue list and not in another agency's; the apology slip (Mẫu 04) sets a new
 * date, is on the timeline and renders as PDF.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, egovCli, request } from './lib/server.mjs';

const PROC = '2.000488.000.00.00.H61';

test('overdue detection, per-agency overdue list, apology slip with a new date', async (t) => {
    /* our own data dir: it must outlive the first server */
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ds-overdue-'));
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const init = egovCli(['init', '--data-dir', dataDir, '--demo']);
    assert.equal(init.status, 0, init.stderr);
    let srv = await startServer({ dataDir });
    const tk = (u, env = {}) =>
        egovCli(['token', '--data-dir', dataDir, '--user', u, '--ttl', '3600'], { env }).stdout.trim().split(/\s+/).pop();
    if ((await request(`${srv.url}/api/v1/procedures/${PROC}`)).status !== 200) {
        await srv.stop();
        t.skip('catalog module not in this build');
        return;
    }
    const cit = tk('congdan1');
    const fd = new FormData();
    fd.append('file', new Blob([Buffer.from('%PDF-1.4\n%%EOF\n')]), 'a.pdf');
    const f = await request(`${srv.url}/api/v1/files`, { method: 'POST', body: fd, token: cit });
    const d = await request(`${srv.url}/api/v1/dossiers`, {
        token: cit,
        body: { procedure_code: PROC, channel: 2, components: [{ code: 'TK-LLTP', file_ids: [f.json.id] }] },
    });
    const code = d.json.code;
    const acc = await request(`${srv.url}/api/v1/dossiers/${code}/actions/accept`, { token: tk('tp.tiepnhan'), body: {} });
    assert.equal(acc.json.status, 4, acc.text);
    const due = new Date(acc.json.due_at);
    await srv.stop();

    /* forty days later */
    const later = new Date(due.getTime() + 40 * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
    const env = { EGOV_FAKE_NOW: later };
    srv = await startServer({ dataDir, env });
    try {
        const staff = tk('tp.chuyenvien', env);
        let list;
        for (let i = 0; i < 50; i++) {
            list = await request(`${srv.url}/api/v1/dossiers?overdue=1`, { token: staff });
            if (list.json?.items?.some((x) => x.code === code)) break;
            await new Promise((r) => setTimeout(r, 200));
        }
        const item = list.json.items.find((x) => x.code === code);
        assert.ok(item, `overdue list: ${list.text}`);
        assert.equal(item.overdue, true);
        const other = await request(`${srv.url}/api/v1/dossiers?overdue=1`, { token: tk('xd.chuyenvien', env) });
        assert.equal(other.status, 200);
        assert.ok(!other.json.items.some((x) => x.code === code));

        const newDue = new Date(Date.parse(later) + 5 * 86400000).toISOString().slice(0, 10);
        const bad = await request(`${srv.url}/api/v1/dossiers/${code}/actions/apology`, {
            token: staff,
            body: { reason: 'Chờ xác minh', new_due: '2000-01-01' },
        });
        assert.equal(bad.status, 422);
        const ap = await request(`${srv.url}/api/v1/dossiers/${code}/actions/apology`, {
            token: staff,
            body: { reason: 'Chờ kết quả xác minh của cơ quan công an', new_due: newDue },
        });
        assert.equal(ap.status, 200, ap.text);
        assert.ok(ap.json.new_due_at.startsWith(newDue), ap.json.new_due_at);
        assert.match(ap.json.timeline.at(-1).note, /Phiếu xin lỗi/);
        const pdf = await fetch(`${srv.url}/api/v1/dossiers/${code}/forms/apology.pdf`, {
            headers: { Authorization: `Bearer ${staff}` },
        });
        if (pdf.status !== 503) {
            assert.equal(pdf.status, 200);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ds-ap-'));
            fs.writeFileSync(path.join(dir, 'a.pdf'), Buffer.from(await pdf.arrayBuffer()));
            const text = execFileSync('pdftotext', [path.join(dir, 'a.pdf'), '-']).toString();
            assert.match(text, /PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ/);
            assert.ok(text.includes(code));
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const v = egovCli(['audit', 'verify', '--data-dir', dataDir]);
        assert.equal(v.status, 0, v.stderr);
    } finally {
        await srv.stop();
    }
});
