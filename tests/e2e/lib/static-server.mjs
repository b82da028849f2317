/*
 * tests/e2e/lib/static-server.mjs - a stand-in for `egov serve` that serves only web/, for UI
 * work without the C build (EGOV_E2E_STATIC=1). It copies the HTTP core's contract:
 *   /            -> web/portal/index.html
 *   /dir/        -> web/dir/index.html
 *   /path        -> web/path (no "..", no dotfiles)
 *   HTML replies carry the CSP and security headers of api.md §2.
 *   /healthz, /readyz, /api/v1/site answer like the real server; other /api/ paths are
 *   problem+json 404.
 * Same return shape as tests/lib/server.mjs: {url, stop(), stderr()}.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../lib/server.mjs';

export const CSP =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

/* The site name the stand-in reports, distinct from the page's built-in fallback so a test
 * can tell the name was really loaded at run time. */
export const STATIC_SITE = {
    site_name: 'Cổng dịch vụ công tỉnh Vĩnh Long (máy chủ thử)',
    province: 'Vĩnh Long',
};

const TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.json': 'application/json; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.ico': 'image/x-icon',
    '.woff2': 'font/woff2',
};

function send(res, status, type, body, extra = {}) {
    res.writeHead(status, {
        'Content-Type': type,
        'Content-Length': Buffer.byteLength(body),
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'same-origin',
        ...extra,
    });
    res.end(body);
}

function problem(res, status, title, detail) {
    send(res, status, 'application/problem+json', JSON.stringify({
        type: 'https://egov.local/problems/not-found', title, status, detail, instance: 'static',
    }));
}

export async function startStaticServer({ webRoot = path.join(REPO_ROOT, 'web'), site = STATIC_SITE } = {}) {
    const log = [];
    const server = http.createServer((req, res) => {
        const u = new URL(req.url, 'http://x');
        let p;
        try {
            p = decodeURIComponent(u.pathname);
        } catch {
            return problem(res, 400, 'Yêu cầu không hợp lệ', 'Đường dẫn không hợp lệ.');
        }
        log.push(`${req.method} ${req.url}`);
        if (p === '/healthz' || p === '/readyz') return send(res, 200, 'application/json', '{"status":"ok"}');
        if (p === '/api/v1/site') return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(site));
        if (p.startsWith('/api/')) return problem(res, 404, 'Không tìm thấy', `Không có tài nguyên ${p}.`);
        if (p === '/') p = '/portal/index.html';
        else if (p.endsWith('/')) p += 'index.html';
        if (p.split('/').some((seg) => seg.startsWith('.')) || p.includes('\0')) {
            return problem(res, 404, 'Không tìm thấy', 'Không có trang này.');
        }
        const file = path.join(webRoot, p);
        let body;
        try {
            body = fs.readFileSync(file);
            if (file.endsWith('.html')) {
                /* the HTTP core's server-side includes */
                body = body.toString('utf8').replace(/<!--#include virtual="([^"]+)" -->/g,
                    (_, v) => fs.readFileSync(path.join(webRoot, v), 'utf8'));
            }
        } catch {
            return problem(res, 404, 'Không tìm thấy', 'Không có trang này.');
        }
        const type = TYPES[path.extname(file)] || 'application/octet-stream';
        const extra = type.startsWith('text/html')
            ? { 'Content-Security-Policy': CSP, 'X-Frame-Options': 'DENY' }
            : {};
        return send(res, 200, type, body, extra);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    return {
        url: `http://127.0.0.1:${port}`,
        pid: process.pid,
        stderr: () => log.join('\n'),
        stop: () => new Promise((resolve) => {
            server.closeAllConnections?.();
            server.close(() => resolve({ code: 0, signal: null }));
        }),
    };
}
