/*
 * web-static.test.mjs - checks of web/ that need no server or browser: the CSP-safe, offline,
 * accessible HTML rules (no inline script or style, no external URLs, labels, alt text,
 * unique ids), translation files in step with each other and with the HTML, and the pure
 * helpers of web/lib/egov.js (dates in Asia/Ho_Chi_Minh, the api() fetch wrapper).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../lib/server.mjs';

const WEB = path.join(REPO_ROOT, 'web');

function walk(dir, out = []) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.name === 'vendor' || e.name.startsWith('.')) continue; /* vendored libraries are not ours */
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p, out);
        else out.push(p);
    }
    return out;
}
const files = walk(WEB);
/* Pages (not the shared partials), read as the server sends them: includes expanded. */
const html = files.filter((f) => f.endsWith('.html') && !f.includes(`${path.sep}partials${path.sep}`));
const INCLUDE = /<!--#include virtual="([^"]+)" -->/g;
function readPage(f) {
    return fs.readFileSync(f, 'utf8').replace(INCLUDE, (_, v) => fs.readFileSync(path.join(WEB, v), 'utf8'));
}
const rel = (f) => path.relative(REPO_ROOT, f);
const vi = JSON.parse(fs.readFileSync(path.join(WEB, 'lib/i18n/vi.json'), 'utf8'));
const en = JSON.parse(fs.readFileSync(path.join(WEB, 'lib/i18n/en.json'), 'utf8'));

const decode = (s) =>
    s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
const attrs = (tag) => {
    const a = {};
    for (const m of tag.matchAll(/([\w:-]+)(?:="([^"]*)")?/g)) a[m[1].toLowerCase()] = m[2] === undefined ? '' : decode(m[2]);
    return a;
};

test('the shell pages exist', () => {
    for (const p of ['portal/index.html', 'portal/procedures.html', 'portal/lookup.html', 'office/index.html',
        'admin/index.html', 'lib/egov.css', 'lib/egov.js', 'favicon.svg']) {
        assert.ok(fs.existsSync(path.join(WEB, p)), p);
    }
});

test('HTML is CSP-safe: no inline script, style or event handlers, no external URLs', () => {
    for (const f of html) {
        const s = readPage(f);
        assert.match(s, /^<!DOCTYPE html>\n<html lang="vi">/, `${rel(f)}: doctype and lang="vi"`);
        assert.match(s, /<meta charset="utf-8">/, `${rel(f)}: charset`);
        assert.match(s, /<meta name="viewport" content="width=device-width, initial-scale=1">/, `${rel(f)}: viewport`);
        for (const m of s.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
            assert.match(m[1], /\bsrc="\/[^"]+"/, `${rel(f)}: every script has a same-origin src`);
            assert.equal(m[2].trim(), '', `${rel(f)}: no inline script body`);
        }
        assert.doesNotMatch(s, /<style\b/i, `${rel(f)}: no <style> block`);
        assert.doesNotMatch(s, /\sstyle=/i, `${rel(f)}: no style attribute`);
        assert.doesNotMatch(s, /\son[a-z]+=/i, `${rel(f)}: no inline event handler`);
        assert.doesNotMatch(s, /javascript:/i, `${rel(f)}: no javascript: URL`);
        assert.doesNotMatch(s, /(?:src|href|action)="(?:https?:)?\/\//i, `${rel(f)}: no external URL`);
    }
    for (const f of files.filter((x) => /\.(css|js)$/.test(x))) {
        const s = fs.readFileSync(f, 'utf8');
        assert.doesNotMatch(s, /https?:\/\/(?!egov\.local)/, `${rel(f)}: no external URL`);
        assert.doesNotMatch(s, /@import/, `${rel(f)}: no @import`);
        assert.doesNotMatch(s, /\.style\.|setAttribute\(\s*['"]style['"]|innerHTML/, `${rel(f)}: no inline style or innerHTML`);
    }
});

test('HTML is accessible: landmarks, labelled controls, alt text, unique ids', () => {
    for (const f of html) {
        const s = readPage(f);
        const name = rel(f);
        for (const lm of ['<header', '<nav', '<main id="main"', '<footer']) assert.ok(s.includes(lm), `${name}: ${lm}`);
        assert.match(s, /<a class="skip-link" href="#main"/, `${name}: skip link`);
        assert.equal((s.match(/<h1\b/g) || []).length, 1, `${name}: exactly one h1`);
        assert.match(s, /<title>[^<]+<\/title>/, `${name}: title`);
        const ids = [...s.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
        assert.equal(new Set(ids).size, ids.length, `${name}: ids are unique`);
        const labelled = new Set([...s.matchAll(/<label\b[^>]*\bfor="([^"]+)"/g)].map((m) => m[1]));
        for (const m of s.matchAll(/<(input|select|textarea)\b[^>]*>/g)) {
            const a = attrs(m[0]);
            if (['hidden', 'submit', 'button'].includes(a.type)) continue;
            assert.ok(a.id && labelled.has(a.id), `${name}: <${m[1]} name="${a.name}"> has a <label for>`);
        }
        for (const m of s.matchAll(/<img\b[^>]*>/g)) assert.ok('alt' in attrs(m[0]), `${name}: img has alt`);
        for (const m of s.matchAll(/<button\b[^>]*>/g)) assert.ok(attrs(m[0]).type, `${name}: button has a type`);
        for (const m of s.matchAll(/<nav\b[^>]*>/g)) assert.ok(attrs(m[0])['aria-label'], `${name}: nav is named`);
    }
});

test('vi.json and en.json have the same keys, and no empty string', () => {
    assert.deepEqual(Object.keys(en).sort(), Object.keys(vi).sort());
    for (const [k, v] of [...Object.entries(vi), ...Object.entries(en)]) {
        assert.ok(typeof v === 'string' && v.trim() !== '', `key ${k}`);
    }
});

test('every data-i18n key exists, and the HTML text is the Vietnamese one', () => {
    for (const f of html) {
        const s = readPage(f);
        for (const m of s.matchAll(/<(\w+)\b([^>]*)\bdata-i18n="([^"]+)"[^>]*>([^<]*)</g)) {
            const key = m[3];
            assert.ok(key in vi, `${rel(f)}: key ${key} in vi.json`);
            assert.equal(decode(m[4]), vi[key], `${rel(f)}: text of ${key} matches vi.json`);
        }
        for (const m of s.matchAll(/data-i18n-attr="([^"]+)"/g)) {
            for (const pair of m[1].split(';')) {
                const key = pair.split(':')[1]?.trim();
                assert.ok(key in vi, `${rel(f)}: attribute key ${key} in vi.json`);
            }
        }
    }
});

/* egov.js is a browser module; node can import it from a data: URL (it touches the DOM only
 * when a document exists). */
async function loadEgov() {
    const src = fs.readFileSync(path.join(WEB, 'lib/egov.js'), 'utf8');
    return import(`data:text/javascript;base64,${Buffer.from(src).toString('base64')}#${Math.random()}`);
}

test('formatDate and formatDateTime use dd/mm/yyyy in Asia/Ho_Chi_Minh', async () => {
    const m = await loadEgov();
    assert.equal(m.formatDate('2026-04-22T17:30:00Z'), '23/04/2026', 'UTC evening is the next day in Việt Nam');
    assert.equal(m.formatDate('2026-01-05T03:00:00Z'), '05/01/2026');
    assert.equal(m.formatDateTime('2026-12-31T17:05:00Z'), '01/01/2027 00:05');
    assert.equal(m.formatDate(Date.UTC(2025, 6, 1, 0, 0)), '01/07/2025');
    assert.equal(m.formatDate('not a date'), '');
});

test('api() sends JSON and the CSRF cookie, and throws problem+json as ApiError', async (t) => {
    const m = await loadEgov();
    const realFetch = globalThis.fetch;
    const calls = [];
    globalThis.document = { cookie: 'a=1; egov_csrf=tok%2B1; b=2' };
    t.after(() => {
        globalThis.fetch = realFetch;
        delete globalThis.document;
    });
    globalThis.fetch = async (url, init) => {
        calls.push({ url, init });
        if (url === '/bad') {
            return new Response(JSON.stringify({
                type: 'https://egov.local/problems/validation', title: 'Dữ liệu không hợp lệ', status: 422,
                detail: 'Thiếu trường họ tên', instance: 'req-1', errors: [{ field: 'name', message: 'bắt buộc' }],
            }), { status: 422, headers: { 'Content-Type': 'application/problem+json' } });
        }
        if (url === '/html') return new Response('<h1>oops</h1>', { status: 502, headers: { 'Content-Type': 'text/html' } });
        if (url === '/down') throw new TypeError('fetch failed');
        return new Response(JSON.stringify({ ok: true }), { status: 201, headers: { 'Content-Type': 'application/json' } });
    };
    assert.deepEqual(await m.api('/api/v1/x', { body: { a: 1 } }), { ok: true });
    const init = calls[0].init;
    assert.equal(init.method, 'POST');
    assert.equal(init.body, '{"a":1}');
    assert.equal(init.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(init.headers.get('x-csrf-token'), 'tok+1');

    await assert.rejects(m.api('/bad'), (e) => {
        assert.ok(e instanceof m.ApiError);
        assert.equal(e.status, 422);
        assert.equal(e.title, 'Dữ liệu không hợp lệ');
        assert.equal(e.detail, 'Thiếu trường họ tên');
        assert.equal(e.instance, 'req-1');
        assert.deepEqual(e.errors, [{ field: 'name', message: 'bắt buộc' }]);
        return true;
    });
    await assert.rejects(m.api('/html'), (e) => e.status === 502 && /502/.test(e.detail) && e.title === 'Đã xảy ra lỗi');
    await assert.rejects(m.api('/down'), (e) => e.status === 0 && /kết nối/.test(e.detail));
});
