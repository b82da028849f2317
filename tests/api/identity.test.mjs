// Black-box tests of the identity module (issue 3): tokens from `egov token`, JWKS
// verification, the OIDC provider endpoints driven over HTTP (client_credentials,
// authorization code + PKCE through the real login form, refresh rotation and reuse,
// code replay, introspection, revocation, userinfo, logout), TOTP login step, CSRF,
// throttling (429 + Retry-After), cross-agency denial, key rotation, and the audit chain.
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, egovCli, request } from './lib/server.mjs';

const PW = 'VinhLong@2026';
const ENV = { EGOV_IDENTITY_ARGON2_MEMLIMIT_KIB: '8192' };

function b64url(buf) {
    return Buffer.from(buf).toString('base64url');
}
function decodeJwt(t) {
    const [h, p] = t.split('.');
    return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
}
async function verifyWithJwks(url, token) {
    const jwks = (await request(`${url}/oauth2/jwks`)).json;
    const { header } = decodeJwt(token);
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    if (!jwk) return false;
    const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
    const [h, p, s] = token.split('.');
    const data = Buffer.from(`${h}.${p}`);
    const sig = Buffer.from(s, 'base64url');
    if (header.alg === 'ES256') return crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    if (header.alg === 'EdDSA') return crypto.verify(null, data, key, sig);
    return false;
}
export function totp(secretB32, t = Date.now()) {
    const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let bits = '';
    for (const c of secretB32.replace(/=+$/, '')) bits += alpha.indexOf(c).toString(2).padStart(5, '0');
    const bytes = [];
    for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(Math.floor(t / 1000 / 30)));
    const mac = crypto.createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
    const off = mac[mac.length - 1] & 15;
    const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
    return String(bin % 1e6).padStart(6, '0');
}

/* A tiny cookie jar over fetch (redirects handled by hand). */
class Browser {
    constructor(base) {
        this.base = base;
        this.jar = new Map();
    }
    cookieHeader() {
        return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    async go(url, opts = {}) {
        const headers = { ...(opts.headers || {}) };
        if (this.jar.size) headers.Cookie = this.cookieHeader();
        const res = await fetch(new URL(url, this.base), { ...opts, headers, redirect: 'manual' });
        for (const c of res.headers.getSetCookie()) {
            const [kv] = c.split(';');
            const i = kv.indexOf('=');
            const k = kv.slice(0, i), v = kv.slice(i + 1);
            if (/Max-Age=0/i.test(c) || v === '') this.jar.delete(k);
            else this.jar.set(k, v);
        }
        const text = await res.text();
        return { status: res.status, location: res.headers.get('location'), text, headers: res.headers };
    }
    async login(username, password, ret = '/', totpSecret = null) {
        const page = await this.go(`/login?return=${encodeURIComponent(ret)}`);
        const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)[1];
        let r = await this.go('/login', {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ csrf, return: ret, username, password }).toString(),
        });
        if (r.status === 200 && /name="totp"/.test(r.text) && totpSecret) {
            r = await this.go('/login', {
                method: 'POST',
                headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
                body: new URLSearchParams({ csrf, return: ret, totp: totp(totpSecret) }).toString(),
            });
        }
        return r;
    }
}

/* Where the login page sends the browser next: a 303, or (back to an OAuth client) a page
 * with a meta refresh, since CSP form-action forbids redirecting a form post off-origin. */
function continueUrl(r) {
    if (r.status === 303) return r.location;
    assert.equal(r.status, 200, r.text.slice(0, 300));
    const m = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(r.text);
    assert.ok(m, 'meta refresh');
    return m[1].replaceAll('&amp;', '&');
}

function pkce() {
    const verifier = b64url(crypto.randomBytes(32));
    const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());
    return { verifier, challenge };
}

async function form(url, body, headers = {}) {
    return request(url, {
        method: 'POST',
        body: new URLSearchParams(body).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    });
}

/* Authorization code + PKCE through the real login form; returns {code, redirect}. */
async function authCode(srv, { client = 'egov-portal', redirect, user = 'congdan1', scope = 'openid profile offline_access', p = pkce(), nonce = 'n-123' } = {}) {
    const b = new Browser(srv.url);
    const q = new URLSearchParams({
        response_type: 'code', client_id: client, redirect_uri: redirect, scope, state: 'st-1', nonce,
        code_challenge: p.challenge, code_challenge_method: 'S256',
    });
    let r = await b.go(`/oauth2/authorize?${q}`);
    assert.equal(r.status, 302);
    assert.match(r.location, /^\/login\?return=/);
    const ret = new URL(r.location, srv.url).searchParams.get('return');
    r = await b.login(user, PW, ret);
    r = await b.go(continueUrl(r));
    assert.equal(r.status, 302);
    const loc = new URL(r.location);
    assert.equal(loc.searchParams.get('state'), 'st-1');
    assert.equal(loc.searchParams.get('iss'), srv.url);
    return { code: loc.searchParams.get('code'), verifier: p.verifier, browser: b, location: loc };
}

let srv;
let secret;
test.before(async () => {
    srv = await startServer({ env: ENV });
    const add = egovCli(['client', 'add', '--data-dir', srv.dataDir, '--client-id', 'svc-a', '--type', 'confidential',
        '--scope', 'api', '--agency', '000.00.04.H61']);
    assert.equal(add.status, 0, add.stderr);
    secret = /client_secret: (\S+)/.exec(add.stdout)[1];
    const web = egovCli(['client', 'add', '--data-dir', srv.dataDir, '--client-id', 'webapp', '--type', 'confidential',
        '--redirect-uri', 'https://rp.example/cb', '--post-logout-uri', 'https://rp.example/bye']);
    assert.equal(web.status, 0, web.stderr);
    srv.webSecret = /client_secret: (\S+)/.exec(web.stdout)[1];
});
test.after(async () => {
    const v = egovCli(['audit', 'verify', '--data-dir', srv.dataDir]);
    await srv?.stop();
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /audit chain ok/);
});

test('egov token: works on /api/v1/me, verifies against the JWKS; tampered token is 401', async () => {
    const t = egovCli(['token', '--data-dir', srv.dataDir, '--user', 'tp.chuyenvien', '--scope', 'openid', 'api', '--ttl', '600']);
    assert.equal(t.status, 0, t.stderr);
    const token = t.stdout.trim();
    const { header, payload } = decodeJwt(token);
    assert.equal(header.alg, 'ES256');
    for (const k of ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'preferred_username', 'name', 'agency_code', 'roles', 'scope'])
        assert.ok(k in payload, `claim ${k}`);
    assert.equal(payload.scope, 'openid api');
    assert.ok(payload.exp - payload.iat <= 600);
    assert.ok(await verifyWithJwks(srv.url, token));
    const me = await request(`${srv.url}/api/v1/me`, { token });
    assert.equal(me.status, 200);
    assert.equal(me.json.username, 'tp.chuyenvien');
    assert.equal(me.json.agency_code, '000.00.04.H61');
    assert.deepEqual(me.json.roles, ['officer']);
    // tamper with the payload (another agency) and keep the signature
    const parts = token.split('.');
    const evil = { ...payload, agency_code: '000.00.05.H61' };
    const forged = `${parts[0]}.${b64url(JSON.stringify(evil))}.${parts[2]}`;
    assert.equal((await request(`${srv.url}/api/v1/me`, { token: forged })).status, 401);
    // flipped signature byte
    const sig = Buffer.from(parts[2], 'base64url');
    sig[5] ^= 1;
    assert.equal((await request(`${srv.url}/api/v1/me`, { token: `${parts[0]}.${parts[1]}.${b64url(sig)}` })).status, 401);
    // alg none
    const none = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${parts[1]}.`;
    assert.equal((await request(`${srv.url}/api/v1/me`, { token: none })).status, 401);
    assert.equal((await request(`${srv.url}/api/v1/me`)).status, 401);
    // unknown user, bad ttl
    assert.notEqual(egovCli(['token', '--data-dir', srv.dataDir, '--user', 'nobody']).status, 0);
    assert.notEqual(egovCli(['token', '--data-dir', srv.dataDir, '--user', 'admin', '--ttl', '0']).status, 0);
});

test('discovery and JWKS', async () => {
    const d = (await request(`${srv.url}/.well-known/openid-configuration`)).json;
    assert.equal(d.issuer, srv.url);
    assert.equal(d.token_endpoint, `${srv.url}/oauth2/token`);
    assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
    assert.ok(d.grant_types_supported.includes('client_credentials'));
    const j = (await request(`${srv.url}/oauth2/jwks`)).json;
    assert.ok(j.keys.some((k) => k.alg === 'ES256' && k.crv === 'P-256'));
    assert.ok(j.keys.some((k) => k.alg === 'EdDSA' && k.crv === 'Ed25519'));
    assert.ok(j.keys.every((k) => !('d' in k)), 'no private key material');
});

test('client_credentials: basic and post auth, errors are standard OAuth errors', async () => {
    const basic = 'Basic ' + Buffer.from(`svc-a:${secret}`).toString('base64');
    let r = await form(`${srv.url}/oauth2/token`, { grant_type: 'client_credentials' }, { Authorization: basic });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.token_type, 'Bearer');
    assert.ok(await verifyWithJwks(srv.url, r.json.access_token));
    const me = await request(`${srv.url}/api/v1/me`, { token: r.json.access_token });
    assert.equal(me.status, 200);
    assert.equal(me.json.kind, 'system');
    assert.equal(me.json.client_id, 'svc-a');
    r = await form(`${srv.url}/oauth2/token`, { grant_type: 'client_credentials', client_id: 'svc-a', client_secret: secret, scope: 'api' });
    assert.equal(r.status, 200);
    r = await form(`${srv.url}/oauth2/token`, { grant_type: 'client_credentials', client_id: 'svc-a', client_secret: 'wrong' });
    assert.equal(r.status, 401);
    assert.equal(r.json.error, 'invalid_client');
    r = await form(`${srv.url}/oauth2/token`, { grant_type: 'client_credentials', client_id: 'nope', client_secret: 'x' });
    assert.equal(r.json.error, 'invalid_client');
    r = await form(`${srv.url}/oauth2/token`, { grant_type: 'client_credentials', client_id: 'svc-a', client_secret: secret, scope: 'openid admin' });
    assert.equal(r.json.error, 'invalid_scope');
    r = await form(`${srv.url}/oauth2/token`, { grant_type: 'password', client_id: 'svc-a', client_secret: secret });
    assert.equal(r.json.error, 'unsupported_grant_type');
    r = await form(`${srv.url}/oauth2/token`, { grant_type: 'client_credentials', client_id: 'egov-portal' });
    assert.equal(r.json.error, 'unauthorized_client');
});

test('authorization code + PKCE over HTTP; replayed code revokes its tokens', async () => {
    const redirect = 'http://127.0.0.1:49152/callback'; // registered without port: any port
    const { code, verifier } = await authCode(srv, { redirect });
    let r = await form(`${srv.url}/oauth2/token`, { grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: 'egov-portal', code_verifier: verifier });
    assert.equal(r.status, 200, r.text);
    const tokens = r.json;
    assert.ok(tokens.id_token && tokens.refresh_token && tokens.access_token);
    const idt = decodeJwt(tokens.id_token).payload;
    assert.equal(idt.aud, 'egov-portal');
    assert.equal(idt.nonce, 'n-123');
    assert.equal(idt.iss, srv.url);
    // at_hash binds the ID token to this access token (OIDC Core 3.1.3.6; ES256 -> SHA-256)
    const half = crypto.createHash('sha256').update(tokens.access_token).digest().subarray(0, 16);
    assert.equal(idt.at_hash, half.toString('base64url'));
    assert.ok(await verifyWithJwks(srv.url, tokens.id_token));
    // the ID token is not an access token for the API (wrong audience)
    assert.equal((await request(`${srv.url}/api/v1/me`, { token: tokens.id_token })).status, 401);
    const ui = await request(`${srv.url}/oauth2/userinfo`, { token: tokens.access_token });
    assert.equal(ui.status, 200);
    assert.equal(ui.json.preferred_username, 'congdan1');
    assert.equal(ui.json.citizen_id, '086090001234');
    // replay
    r = await form(`${srv.url}/oauth2/token`, { grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: 'egov-portal', code_verifier: verifier });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_grant');
    assert.equal((await request(`${srv.url}/api/v1/me`, { token: tokens.access_token })).status, 401);
    r = await form(`${srv.url}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'egov-portal' });
    assert.equal(r.json.error, 'invalid_grant');
});

test('PKCE and redirect errors', async () => {
    const redirect = 'http://127.0.0.1:50000/callback';
    const a = await authCode(srv, { redirect });
    let r = await form(`${srv.url}/oauth2/token`, { grant_type: 'authorization_code', code: a.code, redirect_uri: redirect, client_id: 'egov-portal', code_verifier: pkce().verifier });
    assert.equal(r.json.error, 'invalid_grant');
    const b = await authCode(srv, { redirect });
    r = await form(`${srv.url}/oauth2/token`, { grant_type: 'authorization_code', code: b.code, redirect_uri: redirect, client_id: 'egov-portal' });
    assert.equal(r.json.error, 'invalid_grant');
    const c = await authCode(srv, { redirect });
    r = await form(`${srv.url}/oauth2/token`, { grant_type: 'authorization_code', code: c.code, redirect_uri: 'http://127.0.0.1:50001/other', client_id: 'egov-portal', code_verifier: c.verifier });
    assert.equal(r.json.error, 'invalid_grant');
    // wrong redirect URI or unknown client: an error page, never a redirect
    let q = new URLSearchParams({ response_type: 'code', client_id: 'egov-portal', redirect_uri: 'https://evil.example/cb', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    r = await request(`${srv.url}/oauth2/authorize?${q}`);
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('location'), null);
    q = new URLSearchParams({ response_type: 'code', client_id: 'nope', redirect_uri: redirect });
    assert.equal((await request(`${srv.url}/oauth2/authorize?${q}`)).status, 400);
    // public client without PKCE: error redirect
    q = new URLSearchParams({ response_type: 'code', client_id: 'egov-portal', redirect_uri: redirect, state: 's' });
    r = await request(`${srv.url}/oauth2/authorize?${q}`);
    assert.equal(r.status, 302);
    assert.equal(new URL(r.headers.get('location')).searchParams.get('error'), 'invalid_request');
    q = new URLSearchParams({ response_type: 'code', client_id: 'egov-portal', redirect_uri: redirect, code_challenge: pkce().challenge, code_challenge_method: 'plain' });
    r = await request(`${srv.url}/oauth2/authorize?${q}`);
    assert.equal(new URL(r.headers.get('location')).searchParams.get('error'), 'invalid_request');
});

test('refresh rotation; reuse of a spent refresh token revokes the family', async () => {
    const redirect = 'http://127.0.0.1:50100/callback';
    const { code, verifier } = await authCode(srv, { redirect, user: 'congdan2' });
    const t1 = (await form(`${srv.url}/oauth2/token`, { grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: 'egov-portal', code_verifier: verifier })).json;
    const r2 = await form(`${srv.url}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: t1.refresh_token, client_id: 'egov-portal' });
    assert.equal(r2.status, 200, r2.text);
    const t2 = r2.json;
    assert.notEqual(t2.refresh_token, t1.refresh_token);
    assert.equal((await request(`${srv.url}/api/v1/me`, { token: t2.access_token })).status, 200);
    // reuse the spent one
    const r3 = await form(`${srv.url}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: t1.refresh_token, client_id: 'egov-portal' });
    assert.equal(r3.status, 400);
    assert.equal(r3.json.error, 'invalid_grant');
    // the whole family is gone, including the newer refresh token and its access token
    const r4 = await form(`${srv.url}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: t2.refresh_token, client_id: 'egov-portal' });
    assert.equal(r4.json.error, 'invalid_grant');
    assert.equal((await request(`${srv.url}/api/v1/me`, { token: t2.access_token })).status, 401);
});

test('introspection (RFC 7662) and revocation (RFC 7009)', async () => {
    const basic = { Authorization: 'Basic ' + Buffer.from(`svc-a:${secret}`).toString('base64') };
    const at = (await form(`${srv.url}/oauth2/token`, { grant_type: 'client_credentials' }, basic)).json.access_token;
    let r = await form(`${srv.url}/oauth2/introspect`, { token: at }, basic);
    assert.equal(r.status, 200);
    assert.equal(r.json.active, true);
    assert.equal(r.json.client_id, 'svc-a');
    r = await form(`${srv.url}/oauth2/introspect`, { token: 'garbage' }, basic);
    assert.deepEqual(r.json, { active: false });
    r = await form(`${srv.url}/oauth2/introspect`, { token: at });
    assert.equal(r.status, 401);
    r = await form(`${srv.url}/oauth2/revoke`, { token: at }, basic);
    assert.equal(r.status, 200);
    r = await form(`${srv.url}/oauth2/introspect`, { token: at }, basic);
    assert.equal(r.json.active, false);
    assert.equal((await request(`${srv.url}/api/v1/me`, { token: at })).status, 401);
    // unknown tokens: 200 as well (RFC 7009 §2.2)
    assert.equal((await form(`${srv.url}/oauth2/revoke`, { token: 'nothing' }, basic)).status, 200);
    // refresh token revocation by a public client
    const redirect = 'http://127.0.0.1:50200/callback';
    const { code, verifier } = await authCode(srv, { redirect });
    const t = (await form(`${srv.url}/oauth2/token`, { grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: 'egov-portal', code_verifier: verifier })).json;
    r = await form(`${srv.url}/oauth2/introspect`, { token: t.refresh_token }, basic);
    assert.equal(r.json.active, true);
    assert.equal(r.json.token_type, 'refresh_token');
    assert.equal((await form(`${srv.url}/oauth2/revoke`, { token: t.refresh_token, client_id: 'egov-portal' })).status, 200);
    r = await form(`${srv.url}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: 'egov-portal' });
    assert.equal(r.json.error, 'invalid_grant');
});

test('session cookie: HttpOnly SameSite=Strict, CSRF enforced on unsafe requests, logout', async () => {
    const b = new Browser(srv.url);
    const page = await b.go('/login');
    assert.equal(page.status, 200);
    assert.match(page.text, /Đăng nhập/);
    assert.match(page.headers.get('content-security-policy') || '', /script-src/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)[1];
    // a forged form post without the cookie's token is refused
    let r = await b.go('/login', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: 'x'.repeat(32), username: 'xd.chuyenvien', password: PW }).toString() });
    assert.equal(r.status, 403);
    r = await b.go('/login', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, username: 'xd.chuyenvien', password: PW, return: '//evil.example/' }).toString() });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/');
    const sc = r.headers.getSetCookie().find((c) => c.startsWith('egov_session='));
    assert.match(sc, /HttpOnly/);
    assert.match(sc, /SameSite=Strict/);
    const me = await b.go('/api/v1/me');
    assert.equal(me.status, 200);
    assert.equal(JSON.parse(me.text).username, 'xd.chuyenvien');
    // unsafe request with the session cookie but no X-CSRF-Token
    r = await b.go('/logout', { method: 'POST' });
    assert.equal(r.status, 403);
    r = await b.go('/logout', { method: 'POST', headers: { 'X-CSRF-Token': b.jar.get('egov_csrf') } });
    assert.equal(r.status, 303);
    assert.equal((await b.go('/api/v1/me')).status, 401);
});

test('TOTP step for the admin (required for admin roles)', async () => {
    const b = new Browser(srv.url);
    const page = await b.go('/login');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)[1];
    let r = await b.go('/login', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, username: 'admin', password: PW }).toString() });
    assert.equal(r.status, 200);
    assert.match(r.text, /name="totp"/);
    assert.equal((await b.go('/api/v1/me')).status, 401, 'no session before the code');
    r = await b.go('/login', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, totp: '000000' }).toString() });
    assert.equal(r.status, 401);
    r = await b.go('/login', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, totp: totp('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP') }).toString() });
    assert.equal(r.status, 303, r.text.slice(0, 400));
    const me = JSON.parse((await b.go('/api/v1/me')).text);
    assert.equal(me.username, 'admin');
    assert.equal(me.totp_enrolled, true);
    // an admin without TOTP must enrol before the session starts
    const b2 = new Browser(srv.url);
    const p2 = await b2.go('/login');
    const c2 = /name="csrf" value="([^"]+)"/.exec(p2.text)[1];
    r = await b2.go('/login', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: c2, username: 'tp.quantri', password: PW }).toString() });
    const secret2 = /id="totp-secret">([A-Z2-7]+)</.exec(r.text)[1];
    r = await b2.go('/login', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: c2, totp: totp(secret2) }).toString() });
    assert.equal(r.status, 303);
});

test('an officer of agency A gets 403 on agency B objects (user routes)', async () => {
    const tok = (u) => egovCli(['token', '--data-dir', srv.dataDir, '--user', u]).stdout.trim();
    const a = tok('tp.chuyenvien');
    const b = tok('xd.chuyenvien');
    const own = await request(`${srv.url}/api/v1/users?agency=000.00.04.H61`, { token: a });
    assert.equal(own.status, 200);
    assert.ok(own.json.items.every((u) => u.agency_code === '000.00.04.H61'));
    assert.equal((await request(`${srv.url}/api/v1/users?agency=000.00.05.H61`, { token: a })).status, 403);
    assert.equal((await request(`${srv.url}/api/v1/users`, { token: a })).status, 403);
    const bId = (await request(`${srv.url}/api/v1/me`, { token: b })).json.sub;
    assert.equal((await request(`${srv.url}/api/v1/users/${bId}`, { token: a })).status, 403);
    assert.equal((await request(`${srv.url}/api/v1/users/${bId}`, { token: b })).status, 200);
    // the agency admin of A can grant roles in A but not in B, nor to B's staff
    const adm = tok('tp.quantri');
    const aId = (await request(`${srv.url}/api/v1/me`, { token: a })).json.sub;
    let r = await request(`${srv.url}/api/v1/users/${aId}/roles`, { token: adm, body: { role: 'clerk', agency_code: '000.00.04.H61' } });
    assert.equal(r.status, 201, r.text);
    r = await request(`${srv.url}/api/v1/users/${aId}/roles`, { token: adm, body: { role: 'leader', agency_code: '000.00.05.H61' } });
    assert.equal(r.status, 403);
    r = await request(`${srv.url}/api/v1/users/${bId}/roles`, { token: adm, body: { role: 'clerk', agency_code: '000.00.04.H61' } });
    assert.equal(r.status, 403);
    r = await request(`${srv.url}/api/v1/users/${aId}/roles`, { token: adm, body: { role: 'admin' } });
    assert.equal(r.status, 403);
    r = await request(`${srv.url}/api/v1/users/${aId}/roles/clerk?agency_code=000.00.04.H61`, { token: adm, method: 'DELETE' });
    assert.equal(r.status, 200);
    // citizens see only themselves
    const c = tok('congdan1');
    assert.equal((await request(`${srv.url}/api/v1/users/${aId}`, { token: c })).status, 403);
    // the directory is diacritic-insensitive and open to signed-in principals
    const d = await request(`${srv.url}/api/v1/directory?q=${encodeURIComponent('dang quoc')}`, { token: a });
    assert.equal(d.status, 200);
    assert.ok(d.json.items.some((u) => u.username === 'tp.giamdoc'));
    const d2 = await request(`${srv.url}/api/v1/directory?q=${encodeURIComponent('ĐẶNG QUỐC')}`, { token: b });
    assert.equal(d2.json.items.length, d.json.items.length);
    assert.equal((await request(`${srv.url}/api/v1/directory?q=x`)).status, 401);
});

test('RP-initiated logout with id_token_hint and post_logout_redirect_uri', async () => {
    const redirect = 'https://rp.example/cb';
    const b = new Browser(srv.url);
    const p = pkce();
    const q = new URLSearchParams({ response_type: 'code', client_id: 'webapp', redirect_uri: redirect, scope: 'openid', state: 'z', code_challenge: p.challenge, code_challenge_method: 'S256' });
    let r = await b.go(`/oauth2/authorize?${q}`);
    const ret = new URL(r.location, srv.url).searchParams.get('return');
    r = await b.login('tp.vanthu', PW, ret);
    r = await b.go(continueUrl(r));
    assert.equal(r.status, 302, r.text.slice(0, 500));
    const code = new URL(r.location).searchParams.get('code');
    const basic = { Authorization: 'Basic ' + Buffer.from(`webapp:${srv.webSecret}`).toString('base64') };
    const t = (await form(`${srv.url}/oauth2/token`, { grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: p.verifier }, basic)).json;
    assert.ok(t.id_token);
    r = await b.go(`/oauth2/logout?${new URLSearchParams({ id_token_hint: t.id_token, post_logout_redirect_uri: 'https://rp.example/bye', state: 'q' })}`);
    assert.equal(r.status, 302);
    assert.equal(r.location, 'https://rp.example/bye?state=q');
    assert.equal((await b.go('/api/v1/me')).status, 401);
    r = await b.go(`/oauth2/logout?${new URLSearchParams({ id_token_hint: t.id_token, post_logout_redirect_uri: 'https://evil.example/' })}`);
    assert.equal(r.status, 200);
});

test('egov keys rotate: old tokens keep verifying, new tokens use the new key', async () => {
    const old = egovCli(['token', '--data-dir', srv.dataDir, '--user', 'tp.giamdoc']).stdout.trim();
    const oldKid = decodeJwt(old).header.kid;
    const rot = egovCli(['keys', 'rotate', '--data-dir', srv.dataDir]);
    assert.equal(rot.status, 0, rot.stderr);
    await new Promise((res) => setTimeout(res, 700)); // the server reloads the key ring on its tick
    const jwks = (await request(`${srv.url}/oauth2/jwks`)).json;
    assert.ok(jwks.keys.some((k) => k.kid === oldKid));
    assert.ok(jwks.keys.length >= 4);
    assert.equal((await request(`${srv.url}/api/v1/me`, { token: old })).status, 200);
    const basic = { Authorization: 'Basic ' + Buffer.from(`svc-a:${secret}`).toString('base64') };
    const fresh = (await form(`${srv.url}/oauth2/token`, { grant_type: 'client_credentials' }, basic)).json.access_token;
    assert.notEqual(decodeJwt(fresh).header.kid, oldKid);
    assert.ok(await verifyWithJwks(srv.url, fresh));
    assert.equal((await request(`${srv.url}/api/v1/me`, { token: fresh })).status, 200);
});

test('CLI: user add/list/disable/reset-password and client list/remove', () => {
    const d = srv.dataDir;
    let r = egovCli(['user', 'add', '--data-dir', d, '--username', 'nv.moi', '--name', 'Nguyễn Văn Mới', '--agency', '000.00.05.H61', '--role', 'officer', '--password-stdin'], { input: 'Mot-Mat-Khau-Dai\n' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^[0-9A-Z]{26}$/);
    r = egovCli(['user', 'add', '--data-dir', d, '--username', 'weak', '--name', 'Yếu', '--agency', '000.00.05.H61', '--role', 'officer', '--password-stdin'], { input: 'password1234\n' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /phổ biến|password/);
    r = egovCli(['user', 'add', '--data-dir', d, '--username', 'short', '--name', 'Ngắn', '--agency', '000.00.05.H61', '--role', 'officer', '--password-stdin'], { input: 'Ab1!x\n' });
    assert.notEqual(r.status, 0);
    r = egovCli(['user', 'add', '--data-dir', d, '--username', 'cd.sai', '--name', 'Sai', '--kind', 'citizen', '--citizen-id', '123', '--password-stdin'], { input: 'Mot-Mat-Khau-Dai\n' });
    assert.notEqual(r.status, 0);
    r = egovCli(['user', 'add', '--data-dir', d, '--username', 'nv.x', '--name', 'X', '--agency', '000.00.05.H61', '--password-stdin'], { input: 'Mot-Mat-Khau-Dai\n' });
    assert.notEqual(r.status, 0, 'staff without a role');
    r = egovCli(['user', 'list', '--data-dir', d, '--agency', '000.00.05.H61']);
    assert.match(r.stdout, /nv\.moi/);
    r = egovCli(['user', 'disable', '--data-dir', d, '--username', 'nv.moi']);
    assert.equal(r.status, 0, r.stderr);
    assert.notEqual(egovCli(['token', '--data-dir', d, '--user', 'nv.moi']).status, 0);
    r = egovCli(['user', 'reset-password', '--data-dir', d, '--username', 'nv.moi', '--password-stdin'], { input: 'Mat-Khau-Moi-2026\n' });
    assert.equal(r.status, 0, r.stderr);
    r = egovCli(['client', 'add', '--data-dir', d, '--client-id', 'pub1', '--type', 'public', '--redirect-uri', 'http://127.0.0.1/cb']);
    assert.equal(r.status, 0);
    assert.doesNotMatch(r.stdout, /client_secret/);
    assert.match(egovCli(['client', 'list', '--data-dir', d]).stdout, /pub1/);
    assert.equal(egovCli(['client', 'remove', '--data-dir', d, '--client-id', 'pub1']).status, 0);
    assert.notEqual(egovCli(['client', 'remove', '--data-dir', d, '--client-id', 'pub1']).status, 0);
    assert.notEqual(egovCli(['client', 'add', '--data-dir', d, '--client-id', 'svc-a', '--type', 'confidential']).status, 0);
});

test('throttling: 10 wrong passwords then 429 with Retry-After (login and token endpoint)', async () => {
    const s2 = await startServer({ env: ENV });
    try {
        const b = new Browser(s2.url);
        for (let i = 0; i < 10; i++) {
            const r = await b.login('tp.vanthu', 'wrong-password-' + i);
            assert.equal(r.status, 401);
        }
        const r = await b.login('tp.vanthu', PW);
        assert.equal(r.status, 429);
        assert.ok(Number(r.headers.get('retry-after')) > 0);
        let t;
        for (let i = 0; i < 10; i++) t = await form(`${s2.url}/oauth2/token`, { grant_type: 'client_credentials', client_id: 'egov-portal', client_secret: 'x' });
        t = await form(`${s2.url}/oauth2/token`, { grant_type: 'client_credentials', client_id: 'x', client_secret: 'x' });
        assert.equal(t.status, 429);
        assert.ok(Number(t.headers.get('retry-after')) > 0);
        const v = egovCli(['audit', 'verify', '--data-dir', s2.dataDir]);
        assert.equal(v.status, 0, v.stderr);
    } finally {
        await s2.stop();
    }
});

test('OAuth client administration API, organisation tree, admin pages are served', async () => {
    const tok = (u) => egovCli(['token', '--data-dir', srv.dataDir, '--user', u]).stdout.trim();
    const admin = tok('admin');
    const officer = tok('tp.chuyenvien');
    let r = await request(`${srv.url}/api/v1/clients`, { token: admin, body: { client_id: 'app-x', type: 'confidential', redirect_uris: ['https://x.example/cb'] } });
    assert.equal(r.status, 201, r.text);
    assert.ok(r.json.client_secret);
    const sec = r.json.client_secret;
    r = await form(`${srv.url}/oauth2/introspect`, { token: 'x', client_id: 'app-x', client_secret: sec });
    assert.equal(r.status, 200);
    r = await request(`${srv.url}/api/v1/clients`, { token: admin, body: { client_id: 'app-x', type: 'confidential', redirect_uris: ['https://x.example/cb'] } });
    assert.equal(r.status, 409);
    r = await request(`${srv.url}/api/v1/clients`, { token: admin, body: { client_id: 'bad id', type: 'public' } });
    assert.equal(r.status, 422);
    r = await request(`${srv.url}/api/v1/clients`, { token: admin, body: { client_id: 'pub-cc', type: 'public', grants: ['client_credentials'] } });
    assert.equal(r.status, 422);
    r = await request(`${srv.url}/api/v1/clients`, { token: officer, body: { client_id: 'app-y', type: 'public', redirect_uris: ['http://127.0.0.1/cb'] } });
    assert.equal(r.status, 403);
    assert.equal((await request(`${srv.url}/api/v1/clients`, { token: officer })).status, 403);
    r = await request(`${srv.url}/api/v1/clients`, { token: admin });
    assert.ok(r.json.items.some((c) => c.client_id === 'app-x'));
    assert.ok(r.json.items.every((c) => !('secret_hash' in c)));
    assert.equal((await request(`${srv.url}/api/v1/clients/app-x`, { token: officer, method: 'DELETE' })).status, 403);
    assert.equal((await request(`${srv.url}/api/v1/clients/app-x`, { token: admin, method: 'DELETE' })).status, 200);
    r = await form(`${srv.url}/oauth2/introspect`, { token: 'x', client_id: 'app-x', client_secret: sec });
    assert.equal(r.status, 401);

    const tree = await request(`${srv.url}/api/v1/directory/tree`, { token: officer });
    assert.equal(tree.status, 200);
    const root = tree.json.items.find((n) => n.agency_code === '000.00.00.H61');
    assert.ok(root);
    const sotp = root.children.find((n) => n.agency_code === '000.00.04.H61');
    assert.ok(sotp.staff.some((s) => s.username === 'tp.giamdoc'));
    assert.equal(sotp.parent_code, '000.00.00.H61');
    assert.equal(sotp.name, 'Sở Tư pháp tỉnh Vĩnh Long');
    assert.equal(root.name, 'Ủy ban nhân dân tỉnh Vĩnh Long');

    for (const p of ['/admin/users.html', '/admin/clients.html', '/portal/account.html', '/admin/js/identity-users.js', '/portal/login.css']) {
        const s = await request(`${srv.url}${p}`);
        assert.equal(s.status, 200, p);
    }
    const html = await request(`${srv.url}/admin/users.html`);
    assert.doesNotMatch(html.text, /<script>|style=/);
});
