/*
 * tests/api/lib/server.mjs - helpers for the black-box API tests: the shared server starter
 * (tests/lib/server.mjs) and request(), a small layer on fetch.
 *
 *   const srv = await startServer();
 *   const r = await request(`${srv.url}/healthz`);
 *   assert.equal(r.status, 200); assert.equal(r.json.status, 'ok');
 */
export { startServer, egovCli, egovBin, REPO_ROOT, LOG_DIR } from '../../lib/server.mjs';
import { egovCli } from '../../lib/server.mjs';

/*
 * request(url, opts) -> {status, headers, json, text}
 *   opts.method   default GET (POST when a body is given)
 *   opts.body     plain object/array -> JSON (Content-Type set); string/Buffer/FormData as is
 *   opts.headers  extra headers (object)
 *   opts.token    bearer token -> Authorization header
 *   opts.timeoutMs  default 15000
 * json is the parsed body when the reply is JSON (including problem+json), else null.
 * Never throws for HTTP error statuses; throws on network errors and timeouts.
 */
export async function request(url, opts = {}) {
    const { body, headers: extra = {}, token, timeoutMs = 15000, method, ...rest } = opts;
    const headers = { ...extra };
    let payload = body;
    const raw =
        body === undefined ||
        body === null ||
        typeof body === 'string' ||
        body instanceof Uint8Array ||
        body instanceof ArrayBuffer ||
        (typeof FormData !== 'undefined' && body instanceof FormData) ||
        (typeof Blob !== 'undefined' && body instanceof Blob) ||
        body instanceof URLSearchParams;
    if (!raw) {
        payload = JSON.stringify(body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
            headers['Content-Type'] = 'application/json; charset=utf-8';
        }
    }
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(url, {
        ...rest,
        method: method || (body !== undefined ? 'POST' : 'GET'),
        headers,
        body: payload,
        redirect: rest.redirect || 'manual',
        signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const ct = (res.headers.get('content-type') || '').toLowerCase();
    let json = null;
    if (ct.includes('json')) {
        try {
            json = JSON.parse(text);
        } catch {
            json = null;
        }
    }
    return { status: res.status, headers: res.headers, json, text };
}

/*
 * tokenFor(srv, user, {env}) -> a bearer token for an existing account, issued by
 * `egov token` on the server's data directory (cached per server and user; 1 h lifetime).
 * apiAs(srv) -> (path, user, opts) => request(`${srv.url}/api/v1${path}`) as that user
 * (user null/undefined: anonymous).
 */
const tokens = new WeakMap();
export function tokenFor(srv, user, { env = {} } = {}) {
    if (!tokens.has(srv)) tokens.set(srv, new Map());
    const cache = tokens.get(srv);
    if (!cache.has(user)) {
        const r = egovCli(['token', '--data-dir', srv.dataDir, '--user', user, '--ttl', '3600'], { env });
        if (r.status !== 0) throw new Error(`egov token --user ${user}: ${r.stderr}`);
        cache.set(user, r.stdout.trim().split(/\s+/).pop());
    }
    return cache.get(user);
}

export function apiAs(srv, opts0 = {}) {
    return (path, user, opts = {}) =>
        request(`${srv.url}/api/v1${path}`, { ...opts, token: user ? tokenFor(srv, user, opts0) : undefined });
}
