/*
 * tests/e2e/lib/server.mjs - the server the browser tests drive.
 *
 * By default the real binary (tests/lib/server.mjs: $EGOV_BIN or build/egov, init --demo,
 * serve on 127.0.0.1:0). With EGOV_E2E_STATIC=1 a small Node stand-in serves web/ with the
 * same static-file mapping and security headers as the HTTP core (lib/static-server.mjs);
 * it exists so the UI can be worked on before or without a C build, and is never what
 * `make test` uses.
 */
import { startServer as startEgov, REPO_ROOT, LOG_DIR } from '../../lib/server.mjs';
import { startStaticServer } from './static-server.mjs';

export { REPO_ROOT, LOG_DIR };

export async function startServer(opts = {}) {
    if (process.env.EGOV_E2E_STATIC === '1') return startStaticServer(opts);
    return startEgov(opts);
}
