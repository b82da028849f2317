/*
 * dvcqg-peer.mjs - a local stand-in for the National Public Service Portal's sync interface
 * (references.md §B.4, six steps), used by tests/api/dvcqg.test.mjs. It records every accepted
 * call, answers a repeated X-Idempotency-Key from memory (not recorded twice), and can be "down"
 * (answers 503) for a while.
 *
 *   const peer = await startDvcqgPeer();   // {url, calls(), setDown(bool), close()}
 *
 * Runnable alone too: node tests/api/peers/dvcqg-peer.mjs [port]
 */
import http from 'node:http';
import crypto from 'node:crypto';

export async function startDvcqgPeer({ clientId = 'egov', clientSecret = 'peer-secret' } = {}) {
    const accepted = [];
    const byKey = new Map();
    const tokens = new Set();
    let down = false;
    let seq = 0;
    const server = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d) => (body += d));
        req.on('end', () => {
            const send = (status, obj) => {
                res.writeHead(status, { 'Content-Type': 'application/json' });
                res.end(JSON.stringify(obj));
            };
            if (down) return send(503, { error_code: 503, message: 'bảo trì' });
            const op = req.url.replace(/^\/+/, '').split('?')[0];
            let json;
            try {
                json = body ? JSON.parse(body) : {};
            } catch {
                return send(400, { error_code: 400, message: 'JSON không hợp lệ' });
            }
            if (op === 'token') {
                if (json.client_id !== clientId || json.client_secret !== clientSecret)
                    return send(401, { error_code: 401, message: 'sai client' });
                const t = crypto.randomBytes(16).toString('hex');
                tokens.add(t);
                return send(200, { access_token: t, expires_in: 3600 });
            }
            const auth = (req.headers.authorization || '').replace(/^Bearer /, '');
            if (!tokens.has(auth)) return send(401, { error_code: 401, message: 'token' });
            const key = req.headers['x-idempotency-key'];
            if (!key) return send(400, { error_code: 400, message: 'thiếu X-Idempotency-Key' });
            if (byKey.has(key)) return send(200, byKey.get(key));
            let answer;
            switch (op) {
                case 'GetNextValue': {
                    seq += 1;
                    const d = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10).replace(/-/g, '');
                    answer = { value: `${json.code}-${d}-${String(seq).padStart(7, '0')}` };
                    break;
                }
                case 'UploadFile':
                    answer = { IdTepTin: `F${accepted.length + 1}`, HashTepTin: json.HashTepTin || null };
                    break;
                case 'NoiHoSo':
                    if (!json.MaHoSo || !json.MaTTHC) return send(200, { error_code: 1, message: 'thiếu trường' });
                    answer = { error_code: 0, IdHoSo: `HS-${json.MaHoSo}` };
                    break;
                case 'CapNhatTienTrinh':
                case 'CapNhatTrangThai':
                    if (!Array.isArray(json)) return send(200, { error_code: 1, message: 'cần mảng' });
                    answer = { error_code: 0 };
                    break;
                default:
                    return send(404, { error_code: 404, message: 'không có' });
            }
            byKey.set(key, answer);
            accepted.push({ op, key, body: json });
            return send(200, answer);
        });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    return {
        url: `http://127.0.0.1:${port}`,
        calls: () => accepted.slice(),
        setDown: (v) => {
            down = v;
        },
        close: () => new Promise((resolve) => server.close(resolve)),
    };
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const p = await startDvcqgPeer();
    console.log(`dvcqg peer on ${p.url}`);
}
