/*
 * tests/api/peers/upstream.mjs - a tiny upstream provider for the LGSP tests. Records every
 * request exactly as it arrived on the wire (raw request target, headers, body bytes) and
 * answers according to the path:
 *   /slow            waits 3 s before answering (timeout tests)
 *   /redirect        302 to another place (redirects must not be followed)
 *   /soap            a SOAP 1.1 response echoing the SOAPAction
 *   /status/NNN      answers with that status
 *   /flaky           503 while `up.state.down` is true, else 200
 *   anything else    200 JSON echo {path, n}
 * Also usable as a separate process (kill -9 tests): `node upstream.mjs PORTFILE LOGFILE`
 * writes the port to PORTFILE and appends one JSON line per request to LOGFILE.
 */
import http from 'node:http';
import fs from 'node:fs';

export function startUpstream({ logFile } = {}) {
    const seen = [];
    const state = { down: false };
    const server = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
            const body = Buffer.concat(chunks);
            const rec = { method: req.method, url: req.url, headers: req.headers, body };
            seen.push(rec);
            if (logFile) {
                fs.appendFileSync(
                    logFile,
                    JSON.stringify({ method: req.method, url: req.url, headers: req.headers,
                        body: body.toString('base64') }) + '\n',
                );
            }
            const path = req.url.split('?')[0];
            if (path.endsWith('/flaky')) {
                rec.answered = state.down ? 503 : 200;
                res.writeHead(rec.answered, { 'Content-Type': 'text/plain' });
                res.end(state.down ? 'down' : 'ok');
                return;
            }
            if (path.endsWith('/slow')) {
                setTimeout(() => {
                    res.writeHead(200, { 'Content-Type': 'text/plain' });
                    res.end('late');
                }, 3000);
                return;
            }
            if (path.endsWith('/redirect')) {
                res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' });
                res.end();
                return;
            }
            if (path.endsWith('/soap')) {
                res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
                res.end(`<?xml version="1.0"?><Envelope><Body><ok action="${req.headers.soapaction || ''}"/></Body></Envelope>`);
                return;
            }
            const m = /\/status\/(\d{3})$/.exec(path);
            if (m) {
                res.writeHead(Number(m[1]), { 'Content-Type': 'text/plain' });
                res.end(`status ${m[1]}`);
                return;
            }
            res.writeHead(200, {
                'Content-Type': 'application/json',
                'X-Upstream': 'yes',
                Connection: 'keep-alive, X-Secret-Hop',
                'X-Secret-Hop': 'should-not-pass',
            });
            res.end(JSON.stringify({ path: req.url, n: seen.length }));
        });
    });
    return new Promise((resolve) => {
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            resolve({
                url: `http://127.0.0.1:${port}`,
                port,
                seen,
                state,
                close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
            });
        });
    });
}

if (process.argv[1] && process.argv[1].endsWith('upstream.mjs') && process.argv[2]) {
    const up = await startUpstream({ logFile: process.argv[3] });
    fs.writeFileSync(process.argv[2], String(up.port));
}
