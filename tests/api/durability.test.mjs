// Durability (issue 2 §10): a loop of acknowledged writes, kill -9 at a random moment,
// restart: every write acknowledged before the kill is present, and the audit chain holds.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, egovCli, request } from './lib/server.mjs';

test('kill -9 during a write storm loses no acknowledged write', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-dur-'));
    try {
        assert.equal(egovCli(['init', '--data-dir', dir]).status, 0);
        for (let round = 0; round < 2; round++) {
            const srv = await startServer({ dataDir: dir });
            const acked = [];
            let stop = false;
            const worker = async (w) => {
                for (let i = 0; !stop && i < 5000; i++) {
                    const msg = `r${round}-w${w}-${i}`;
                    try {
                        const r = await request(`${srv.url}/api/v1/site/feedback`, { body: { message: msg }, timeoutMs: 5000 });
                        if (r.status === 201) acked.push(msg);
                    } catch {
                        return; // connection died with the server
                    }
                }
            };
            const workers = [0, 1, 2, 3, 4, 5, 6, 7].map(worker);
            // Let the storm get going (bounded wait), then kill at a random moment.
            for (let waited = 0; acked.length < 30 && waited < 20000; waited += 50) {
                await new Promise((r) => setTimeout(r, 50));
            }
            await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 500)));
            process.kill(srv.pid, 'SIGKILL');
            stop = true;
            await Promise.all(workers);
            await srv.exited;
            assert.ok(acked.length > 20, `only ${acked.length} writes acknowledged`);

            const again = await startServer({ dataDir: dir });
            await again.stop();
            const q = spawnSync('sqlite3', [path.join(dir, 'egov.db'),
                `SELECT message FROM portal_feedback WHERE message LIKE 'r${round}-%'`], { encoding: 'utf8' });
            const present = new Set(q.stdout.split('\n').filter(Boolean));
            const lost = acked.filter((m) => !present.has(m));
            assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged writes lost`);
        }
        const v = egovCli(['audit', 'verify', '--data-dir', dir]);
        assert.equal(v.status, 0, v.stderr);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
