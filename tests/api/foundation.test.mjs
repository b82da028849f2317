// Black-box tests of the platform foundation (issue 2): operations endpoints, HTTP
// conventions (problem+json, request ids, security headers, static files, traversal), the
// CLI contracts of api.md §1 (init idempotent, audit verify, backup/restore, misuse) and
// graceful shutdown. Every test talks to the real binary.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, egovCli, request } from './lib/server.mjs';

// Sends bytes exactly as given (fetch would normalise "/../" away) and returns the raw reply.
function rawRequest(url, text) {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        const sock = net.connect(Number(u.port), u.hostname, () => sock.write(text));
        let out = '';
        sock.setEncoding('latin1');
        sock.on('data', (d) => (out += d));
        sock.on('end', () => resolve(out));
        sock.on('error', reject);
        sock.setTimeout(10000, () => {
            sock.destroy();
            reject(new Error('timeout'));
        });
    });
}

function statusOf(raw) {
    return Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1]);
}

function assertProblem(r, status, slug) {
    assert.equal(r.status, status);
    assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
    assert.equal(r.json.status, status);
    assert.equal(r.json.type, `https://egov.local/problems/${slug}`);
    assert.ok(r.json.title && /[^\x00-\x7f]/.test(r.json.title), 'Vietnamese title');
    assert.equal(r.json.instance, r.headers.get('x-request-id'));
}

test('operations endpoints', async (t) => {
    const srv = await startServer();
    t.after(() => srv.stop());

    await t.test('healthz and readyz', async () => {
        const h = await request(`${srv.url}/healthz`);
        assert.equal(h.status, 200);
        assert.deepEqual(h.json, { status: 'ok' });
        const r = await request(`${srv.url}/readyz`);
        assert.equal(r.status, 200);
    });

    await t.test('version', async () => {
        const r = await request(`${srv.url}/api/v1/version`);
        assert.equal(r.status, 200);
        assert.equal(r.json.db, 'sqlite');
        assert.match(r.json.version, /^\d+\.\d+\.\d+/);
        assert.ok(typeof r.json.commit === 'string' && r.json.commit.length > 0);
        assert.ok(Number.isInteger(r.json.schema) && r.json.schema > 0);
    });

    await t.test('request ids: echoed when valid, generated otherwise', async () => {
        const a = await request(`${srv.url}/healthz`, { headers: { 'X-Request-Id': 'abc-123' } });
        assert.equal(a.headers.get('x-request-id'), 'abc-123');
        const b = await request(`${srv.url}/healthz`, { headers: { 'X-Request-Id': 'bad id;<x>' } });
        assert.notEqual(b.headers.get('x-request-id'), 'bad id;<x>');
        assert.match(b.headers.get('x-request-id'), /^[A-Za-z0-9-]{1,64}$/);
        const c = await request(`${srv.url}/healthz`, { headers: { 'X-Request-Id': 'x'.repeat(65) } });
        assert.notEqual(c.headers.get('x-request-id'), 'x'.repeat(65));
    });

    await t.test('metrics', async () => {
        await request(`${srv.url}/api/v1/site`);
        const r = await request(`${srv.url}/metrics`);
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type'), /^text\/plain/);
        assert.match(r.text, /^egov_build_info\{.*version=".+".*\} 1$/m);
        assert.match(r.text, /^egov_http_requests_total\{.*route="\/api\/v1\/site".*method="GET".*status="200".*\} \d+/m);
        assert.match(r.text, /^egov_http_request_duration_seconds_bucket\{.*le="\+Inf".*\} \d+/m);
        assert.match(r.text, /^egov_db_transactions_total \d+/m);
    });

    await t.test('openapi lists every /api/v1 route', async () => {
        const r = await request(`${srv.url}/api/v1/openapi.json`);
        assert.equal(r.status, 200);
        assert.match(r.json.openapi, /^3\.1/);
        for (const p of ['/api/v1/version', '/api/v1/site', '/api/v1/site/feedback', '/api/v1/openapi.json']) {
            assert.ok(r.json.paths[p], `missing ${p}`);
        }
        assert.ok(r.json.paths['/api/v1/site/feedback'].post);
    });
});

test('HTTP conventions and bad input', async (t) => {
    const srv = await startServer();
    t.after(() => srv.stop());

    await t.test('unknown route: 404 problem+json', async () => {
        const r = await request(`${srv.url}/api/v1/no-such-thing`);
        assertProblem(r, 404, 'not-found');
    });

    await t.test('wrong method: 405 with Allow', async () => {
        const r = await request(`${srv.url}/api/v1/site`, { method: 'DELETE' });
        assertProblem(r, 405, 'method-not-allowed');
        assert.match(r.headers.get('allow'), /GET/);
    });

    await t.test('malformed JSON: 400 naming the position; nothing stored', async () => {
        const r = await request(`${srv.url}/api/v1/site/feedback`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '{"message": "xin chào",',
        });
        assertProblem(r, 400, 'bad-request');
        assert.match(r.json.detail, /dòng|line/);
    });

    await t.test('wrong media type: 415', async () => {
        const r = await request(`${srv.url}/api/v1/site/feedback`, {
            method: 'POST',
            headers: { 'Content-Type': 'text/plain' },
            body: 'hello',
        });
        assertProblem(r, 415, 'unsupported-media-type');
    });

    await t.test('invalid content: 422 naming the field', async () => {
        const r = await request(`${srv.url}/api/v1/site/feedback`, {
            body: { message: 'Trang chủ rất rõ ràng', email: 'not-an-email' },
        });
        assertProblem(r, 422, 'validation-failed');
        assert.equal(r.json.errors[0].field, 'email');
    });

    await t.test('oversized body: 413', async () => {
        const r = await request(`${srv.url}/api/v1/site/feedback`, {
            body: { message: 'x'.repeat(64 * 1024) },
        });
        assertProblem(r, 413, 'payload-too-large');
    });

    await t.test('deeply nested JSON: 400', async () => {
        const r = await request(`${srv.url}/api/v1/site/feedback`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '{"message":' + '['.repeat(200) + ']'.repeat(200) + '}',
        });
        assertProblem(r, 400, 'bad-request');
    });

    await t.test('a valid write is acknowledged with 201', async () => {
        const r = await request(`${srv.url}/api/v1/site/feedback`, {
            body: { message: 'Cổng dễ dùng, cảm ơn!', email: 'dan@example.vn' },
        });
        assert.equal(r.status, 201);
        assert.ok(Number.isInteger(r.json.id));
    });

    await t.test('path traversal never escapes web/', async () => {
        for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
            '/lib/..%2f..%2f..%2fetc%2fpasswd', '/lib/%2e%2e/%2e%2e/Makefile', '/..%5c..%5cMakefile']) {
            const raw = await rawRequest(srv.url, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
            const st = statusOf(raw);
            assert.ok(st === 400 || st === 404, `${p} gave ${st}`);
            assert.ok(!raw.includes('root:x:0:0') && !raw.includes('PKG_CFLAGS'), `${p} leaked a file`);
        }
    });

    await t.test('home page: Vietnamese HTML with security headers', async () => {
        const r = await request(`${srv.url}/`);
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type'), /^text\/html/);
        assert.match(r.text, /<html[^>]*lang="vi"/);
        const csp = r.headers.get('content-security-policy');
        assert.ok(csp && csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'));
        assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(r.headers.get('referrer-policy'), 'same-origin');
        assert.equal(r.headers.get('x-frame-options'), 'DENY');
        assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(r.text), 'no inline script');
        // shared partials are assembled on the server: landmarks present, no directive left
        assert.ok(!r.text.includes('<!--#include'));
        assert.match(r.text, /<header class="site-header">/);
        assert.match(r.text, /<footer class="site-footer">/);
        assert.ok(r.headers.get('etag'));
    });

    await t.test('static files: MIME type, ETag and 304', async () => {
        const r = await request(`${srv.url}/lib/egov.css`);
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type'), /^text\/css/);
        const etag = r.headers.get('etag');
        assert.ok(etag);
        const again = await request(`${srv.url}/lib/egov.css`, { headers: { 'If-None-Match': etag } });
        assert.equal(again.status, 304);
        const js = await request(`${srv.url}/lib/egov.js`);
        assert.match(js.headers.get('content-type'), /javascript/);
    });

    await t.test('bad header values do not hurt the server', async () => {
        const raw = await rawRequest(srv.url,
            'POST /api/v1/site/feedback HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n');
        assert.ok(statusOf(raw) >= 400 && statusOf(raw) < 500);
        const h = await request(`${srv.url}/healthz`);
        assert.equal(h.status, 200);
    });
});

test('CLI contracts', async (t) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-cli-'));
    t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const dir = path.join(tmp, 'data');

    await t.test('version and help', () => {
        const v = egovCli(['version']);
        assert.equal(v.status, 0);
        assert.match(v.stdout, /^egov \d+\.\d+\.\d+/);
        const h = egovCli(['help']);
        assert.equal(h.status, 0);
        for (const c of ['init', 'serve', 'migrate', 'backup', 'restore', 'audit', 'version']) {
            assert.match(h.stdout, new RegExp(`\\b${c}\\b`));
        }
        const hs = egovCli(['help', 'serve']);
        assert.match(hs.stdout, /--listen/);
    });

    await t.test('misuse: one line on stderr, non-zero exit, nothing created', () => {
        for (const args of [['init'], ['serve', '--bogus'], ['frobnicate'], ['audit', 'verify'],
            ['backup', '--data-dir', dir]]) {
            const r = egovCli(args);
            assert.notEqual(r.status, 0, args.join(' '));
            assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
        }
        assert.ok(!fs.existsSync(dir));
    });

    await t.test('init is idempotent', () => {
        const a = egovCli(['init', '--data-dir', dir, '--demo']);
        assert.equal(a.status, 0, a.stderr);
        const v1 = egovCli(['audit', 'verify', '--data-dir', dir]);
        assert.equal(v1.status, 0, v1.stderr);
        const m1 = /audit chain ok: (\d+) records/.exec(v1.stdout);
        assert.ok(m1, v1.stdout);
        const b = egovCli(['init', '--data-dir', dir, '--demo']);
        assert.equal(b.status, 0, b.stderr);
        const v2 = egovCli(['audit', 'verify', '--data-dir', dir]);
        assert.equal(v2.stdout, v1.stdout, 'second init changed nothing');
        const mig = egovCli(['migrate', '--data-dir', dir]);
        assert.equal(mig.status, 0, mig.stderr);
    });

    await t.test('audit verify detects an edited record', () => {
        const copy = path.join(tmp, 'tampered');
        fs.cpSync(dir, copy, { recursive: true });
        const db = path.join(copy, 'egov.db');
        const s = spawnSync('sqlite3', [db, "UPDATE audit_log SET actor = 'mallory' WHERE id = 1"]);
        assert.equal(s.status, 0, String(s.stderr));
        const v = egovCli(['audit', 'verify', '--data-dir', copy]);
        assert.equal(v.status, 1);
        assert.match(v.stderr, /record 1\b/);
    });

    await t.test('backup while serving, restore into an empty dir', async () => {
        const srv = await startServer({ dataDir: dir });
        try {
            const w = await request(`${srv.url}/api/v1/site/feedback`, { body: { message: 'trước sao lưu' } });
            assert.equal(w.status, 201);
            const out = path.join(tmp, 'backup.tar');
            const b = egovCli(['backup', '--data-dir', dir, '--out', out]);
            assert.equal(b.status, 0, b.stderr);
            assert.ok(fs.statSync(out).size > 1024);
            // tar(1) can read it, and it carries a manifest
            const list = spawnSync('tar', ['-tf', out], { encoding: 'utf8' });
            assert.match(list.stdout, /egov\.db/);
            assert.match(list.stdout, /manifest\.json/);
            assert.match(list.stdout, /keys\/audit\.key/);

            const notEmpty = path.join(tmp, 'notempty');
            fs.mkdirSync(notEmpty);
            fs.writeFileSync(path.join(notEmpty, 'keep.txt'), 'x');
            const refused = egovCli(['restore', '--data-dir', notEmpty, '--in', out]);
            assert.notEqual(refused.status, 0);
            assert.deepEqual(fs.readdirSync(notEmpty), ['keep.txt']);

            const restored = path.join(tmp, 'restored');
            const r = egovCli(['restore', '--data-dir', restored, '--in', out]);
            assert.equal(r.status, 0, r.stderr);
            const v = egovCli(['audit', 'verify', '--data-dir', restored]);
            assert.equal(v.status, 0, v.stderr);
            const q = spawnSync('sqlite3', [path.join(restored, 'egov.db'),
                "SELECT count(*) FROM portal_feedback WHERE message = 'trước sao lưu'"], { encoding: 'utf8' });
            assert.equal(q.stdout.trim(), '1');

            // a corrupted archive is refused and leaves nothing behind
            const bad = path.join(tmp, 'bad.tar');
            const bytes = fs.readFileSync(out);
            bytes[700] ^= 0xff;
            fs.writeFileSync(bad, bytes);
            const target = path.join(tmp, 'from-bad');
            const rb = egovCli(['restore', '--data-dir', target, '--in', bad]);
            assert.notEqual(rb.status, 0);
            assert.ok(!fs.existsSync(target));
        } finally {
            await srv.stop();
        }
    });

    await t.test('SIGTERM: in-flight done, exit 0', async () => {
        const srv = await startServer({ dataDir: dir });
        const h = await request(`${srv.url}/healthz`);
        assert.equal(h.status, 200);
        const res = await srv.stop();
        assert.equal(res.code, 0);
    });
});
