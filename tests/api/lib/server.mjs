/*
 * tests/api/lib/server.mjs - helpers for the black-box API tests: the shared server starter
 * (tests/lib/server.mjs) and request(), a small layer on fetch.
 *
 *   const srv = await startServer();
 *   const r = await request(`${srv.url}/healthz`);
 *   assert.equal(r.status, 200); assert.equal(r.json.status, 'ok');
 */
export { startServer, egovCli, egovBin, REPO_ROOT, LOG_DIR } from '../../lib/server.mjs';

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
