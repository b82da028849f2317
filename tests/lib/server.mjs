/*
 * tests/lib/server.mjs - starts a throwaway egov server for black-box tests (API and browser).
 *
 *   const srv = await startServer();          // init --demo + serve on 127.0.0.1:0
 *   await fetch(srv.url + '/healthz');
 *   await srv.stop();                          // SIGTERM, then SIGKILL after 10 s; removes the dir
 *
 * The binary is $EGOV_BIN, or <repo>/build/egov. It runs with the repository root as its
 * working directory (so it finds data/ and web/), on a fresh temporary data directory:
 *   egov init  --data-dir <tmp> --demo
 *   egov serve --data-dir <tmp> --listen 127.0.0.1:0
 * The first stdout line must be "listening on http://HOST:PORT" (api.md §1). Server stderr
 * (JSON-lines log) is kept in memory and written to build/test-logs/server-<pid>.log on stop,
 * so a failing test can be diagnosed. Every server still running when node exits is killed.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');

const running = new Set();

function killAllSync() {
    for (const child of running) {
        try {
            child.kill('SIGKILL');
        } catch {
            /* already gone */
        }
    }
    running.clear();
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
        killAllSync();
        process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    });
}

export function egovBin() {
    const bin = process.env.EGOV_BIN || path.join(REPO_ROOT, 'build', 'egov');
    return path.resolve(REPO_ROOT, bin);
}

/* Runs an egov CLI command synchronously; returns {status, stdout, stderr}. */
export function egovCli(args, { env = {}, input, timeoutMs = 60000 } = {}) {
    const r = spawnSync(egovBin(), args, {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        input,
        encoding: 'utf8',
        timeout: timeoutMs,
    });
    if (r.error) throw new Error(`egov ${args[0]}: ${r.error.message}`);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/*
 * startServer(opts) -> {url, pid, dataDir, stop(), stderr()}
 *   opts.demo       load demo data at init (default true)
 *   opts.env        extra environment (EGOV_* overrides)
 *   opts.args       extra arguments for `serve`
 *   opts.dataDir    use this (already initialised) directory instead of a new temp one
 *   opts.timeoutMs  how long to wait for the "listening on" line (default 15000)
 */
export async function startServer(opts = {}) {
    const { demo = true, env = {}, args = [], timeoutMs = 15000 } = opts;
    const bin = egovBin();
    if (!fs.existsSync(bin)) {
        throw new Error(`egov binary not found at ${bin} (build it with make, or set EGOV_BIN)`);
    }
    const ownDir = !opts.dataDir;
    const dataDir = opts.dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'egov-test-'));
    const cleanupDir = () => {
        if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    };

    if (ownDir) {
        const init = egovCli(['init', '--data-dir', dataDir, ...(demo ? ['--demo'] : [])], { env });
        if (init.status !== 0) {
            cleanupDir();
            throw new Error(`egov init failed (exit ${init.status}): ${init.stderr.trim()}`);
        }
    }

    const child = spawn(bin, ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);

    let errBuf = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
        errBuf += d;
        if (errBuf.length > 1 << 20) errBuf = errBuf.slice(-(1 << 19)); /* keep the tail */
    });
    const exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
            running.delete(child);
            resolve({ code, signal });
        });
    });

    let url;
    try {
        url = await new Promise((resolve, reject) => {
            let out = '';
            const timer = setTimeout(
                () => reject(new Error(`no "listening on" line within ${timeoutMs} ms`)),
                timeoutMs,
            );
            child.stdout.setEncoding('utf8');
            const onData = (d) => {
                out += d;
                const nl = out.indexOf('\n');
                if (nl < 0) return;
                clearTimeout(timer);
                child.stdout.off('data', onData);
                child.stdout.resume(); /* drain the rest so the pipe never fills */
                const m = /^listening on (http:\/\/\S+?)\/?\s*$/.exec(out.slice(0, nl));
                if (m) resolve(m[1]);
                else reject(new Error(`unexpected first stdout line: ${JSON.stringify(out.slice(0, nl))}`));
            };
            child.stdout.on('data', onData);
            child.once('exit', (code, signal) => {
                clearTimeout(timer);
                reject(new Error(`egov serve exited early (code ${code}, signal ${signal})`));
            });
        });
    } catch (e) {
        child.kill('SIGKILL');
        await exited;
        cleanupDir();
        throw new Error(`${e.message}\n--- egov stderr ---\n${errBuf.slice(-4000)}`);
    }

    let stopped = null;
    async function stop() {
        if (stopped) return stopped;
        stopped = (async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
            const result = await exited;
            clearTimeout(killer);
            try {
                fs.mkdirSync(LOG_DIR, { recursive: true });
                fs.writeFileSync(path.join(LOG_DIR, `server-${child.pid}.log`), errBuf);
            } catch {
                /* logs are a convenience */
            }
            cleanupDir();
            return result;
        })();
        return stopped;
    }

    return { url, pid: child.pid, dataDir, stop, stderr: () => errBuf, exited };
}
