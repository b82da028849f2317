/*
 * tests/e2e/lib/browser.mjs - Debian's Chromium driven by playwright-core. Never downloads a
 * browser: the executable is /usr/bin/chromium (or $CHROMIUM). The flags keep Chromium off
 * the (closed) network: no background networking, component updates, sync or QUIC.
 *
 *   const browser = await launchBrowser();
 *   const { page, problems } = await newPage(browser, { width: 375, height: 800 });
 *   ...; assert.deepEqual(problems(), []);
 *   await browser.close();
 */
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
];

export async function launchBrowser() {
    return chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: CHROMIUM_ARGS,
        timeout: 30000,
    });
}

/*
 * A new page in its own context (fresh cookies and localStorage) that records everything a
 * user's console would show as a problem: console errors and warnings about CSP, uncaught
 * exceptions, failed requests, and Content-Security-Policy violations (caught in the page
 * by a securitypolicyviolation listener installed before any page script runs).
 * problems() returns the list of strings so far.
 */
export async function newPage(browser, viewport = { width: 1280, height: 900 }, contextOpts = {}) {
    const context = await browser.newContext({ viewport, locale: 'vi-VN', ...contextOpts });
    const page = await context.newPage();
    const found = [];
    page.on('console', (msg) => {
        const text = msg.text();
        if (msg.type() === 'error') found.push(`console.error: ${text}`);
        else if (msg.type() === 'warning' && /Content Security Policy|Refused to/i.test(text)) {
            found.push(`console.warning: ${text}`);
        }
    });
    page.on('pageerror', (err) => found.push(`pageerror: ${err.message}`));
    page.on('requestfailed', (req) => {
        const f = req.failure();
        /* navigations cancelled by a following navigation are not failures of the page */
        if (f && f.errorText !== 'net::ERR_ABORTED') found.push(`requestfailed: ${req.url()} ${f.errorText}`);
    });
    await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
            console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
        });
    });
    return { context, page, problems: () => found.slice() };
}
