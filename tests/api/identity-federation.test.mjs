// Upstream federation (issue 3 §4): a citizen signs in to egov B through an external OIDC
// provider - here a second egov instance A playing VNeID - configured by issuer URL and
// client credentials; the account is linked by the personal-ID claim (existing account)
// or created on first sign-in. Bad responses (forged state) are refused.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, egovCli, request } from './lib/server.mjs';

const PW = 'VinhLong@2026';
const FAST = { EGOV_IDENTITY_ARGON2_MEMLIMIT_KIB: '8192' };

/* One cookie jar for both servers, as a browser has (cookies ignore ports). */
class Browser {
    constructor() {
        this.jar = new Map();
    }
    async go(url, opts = {}) {
        const headers = { ...(opts.headers || {}) };
        if (this.jar.size) headers.Cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
        const res = await fetch(url, { ...opts, headers, redirect: 'manual' });
        for (const c of res.headers.getSetCookie()) {
            const [kv] = c.split(';');
            const i = kv.indexOf('=');
            if (/Max-Age=0/i.test(c)) this.jar.delete(kv.slice(0, i));
            else this.jar.set(kv.slice(0, i), kv.slice(i + 1));
        }
        return { status: res.status, location: res.headers.get('location'), text: await res.text() };
    }
}
function next(base, r) {
    if (r.status >= 300 && r.status < 400) return new URL(r.location, base).href;
    const m = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(r.text);
    assert.ok(m, `expected a redirect, got ${r.status}: ${r.text.slice(0, 300)}`);
    return new URL(m[1].replaceAll('&amp;', '&'), base).href;
}

let A, B;
test.before(async () => {
    A = await startServer({ env: FAST });
    const add = egovCli(['client', 'add', '--data-dir', A.dataDir, '--client-id', 'egov-b', '--type', 'confidential',
        '--redirect-uri', 'http://127.0.0.1/login/upstream/callback', '--scope', 'openid', 'profile']);
    assert.equal(add.status, 0, add.stderr);
    const secret = /client_secret: (\S+)/.exec(add.stdout)[1];
    // a citizen known only upstream
    const u = egovCli(['user', 'add', '--data-dir', A.dataDir, '--username', 'chi.upstream', '--name', 'Lê Thị Chi',
        '--kind', 'citizen', '--citizen-id', '086301000777', '--password-stdin'], { input: 'Mat-Khau-Thuong-Nguon\n' });
    assert.equal(u.status, 0, u.stderr);
    B = await startServer({
        env: {
            ...FAST,
            EGOV_IDENTITY_UPSTREAM_ISSUER: A.url,
            EGOV_IDENTITY_UPSTREAM_CLIENT_ID: 'egov-b',
            EGOV_IDENTITY_UPSTREAM_CLIENT_SECRET: secret,
            EGOV_IDENTITY_UPSTREAM_NAME: 'VNeID (thử nghiệm)',
        },
    });
});
test.after(async () => {
    for (const s of [A, B]) {
        if (!s) continue;
        const v = egovCli(['audit', 'verify', '--data-dir', s.dataDir]);
        await s.stop();
        assert.equal(v.status, 0, v.stderr);
    }
});

async function federatedLogin(username, password) {
    const b = new Browser();
    const page = await b.go(`${B.url}/login?return=/api/v1/me`);
    assert.match(page.text, /Đăng nhập bằng VNeID/);
    let r = await b.go(`${B.url}/login/upstream?return=/api/v1/me`);
    assert.equal(r.status, 302);
    assert.ok(r.location.startsWith(`${A.url}/oauth2/authorize?`));
    r = await b.go(r.location); // A: no session -> A's login page
    const loginUrl = next(A.url, r);
    const lp = await b.go(loginUrl);
    const csrf = /name="csrf" value="([^"]+)"/.exec(lp.text)[1];
    const ret = new URL(loginUrl).searchParams.get('return');
    r = await b.go(`${A.url}/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, return: ret, username, password }).toString(),
    });
    r = await b.go(next(A.url, r)); // A authorize -> B callback
    assert.equal(r.status, 302);
    assert.ok(r.location.startsWith(`${B.url}/login/upstream/callback?`), r.location);
    r = await b.go(r.location);
    assert.equal(r.status, 200, r.text.slice(0, 400));
    const me = await b.go(next(B.url, r));
    return { status: me.status, me: me.status === 200 ? JSON.parse(me.text) : null, browser: b };
}

test('existing citizen is linked by personal ID', async () => {
    const { status, me } = await federatedLogin('congdan1', PW);
    assert.equal(status, 200);
    assert.equal(me.username, 'congdan1'); // B's own account with the same personal ID
    assert.equal(me.citizen_id, '086090001234');
    assert.equal(me.auth, 'session');
});

test('a citizen known only upstream gets a linked account on first sign-in', async () => {
    const { status, me } = await federatedLogin('chi.upstream', 'Mat-Khau-Thuong-Nguon');
    assert.equal(status, 200);
    assert.equal(me.kind, 'citizen');
    assert.equal(me.citizen_id, '086301000777');
    assert.equal(me.name, 'Lê Thị Chi');
    // second sign-in reuses the same account
    const again = await federatedLogin('chi.upstream', 'Mat-Khau-Thuong-Nguon');
    assert.equal(again.me.sub, me.sub);
    // it has no password at B
    const list = egovCli(['user', 'list', '--data-dir', B.dataDir, '--kind', 'citizen']);
    assert.match(list.stdout, /cd\.086301000777/);
});

test('staff without a personal ID cannot federate; forged callbacks are refused', async () => {
    const { status } = await federatedLogin('tp.chuyenvien', PW).catch(() => ({ status: 401 }));
    assert.notEqual(status, 200);
    const b = new Browser();
    let r = await b.go(`${B.url}/login/upstream/callback?code=abc&state=forged`);
    assert.equal(r.status, 400);
    r = await b.go(`${B.url}/login/upstream/callback?code=abc&state=x&iss=${encodeURIComponent('https://evil.example')}`);
    assert.equal(r.status, 400);
    // without configuration the route says so
    r = await request(`${A.url}/login/upstream`);
    assert.equal(r.status, 404);
});
