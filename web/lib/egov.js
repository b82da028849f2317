/*
 * egov.js - the shared browser module of the egov web shell (portal, office, admin).
 *
 * No framework and no build step: pages load it with <script type="module" src="/lib/egov.js">
 * (or import it from their own module). On load it boots the page once:
 *   - i18n: Vietnamese is the default and is already in the HTML; the chosen language
 *     (localStorage "egov_lang") is loaded from /lib/i18n/<lang>.json and applied to every
 *     element with data-i18n="key" (text) or data-i18n-attr="attr:key;attr2:key2".
 *   - the language switch button ([data-lang-switch]) toggles vi <-> en.
 *   - the site name and province ([data-site-name], [data-province]) come from
 *     GET /api/v1/site; when that fails the Vietnamese fallback in the HTML stays.
 *   - query parameters echo: inputs with data-fill-param="q" get the value of ?q=, elements
 *     with data-param-value="q" show it and their [data-param-echo="q"] container is shown.
 * It also exports helpers for module pages: api(), ApiError, renderProblem(), t(),
 * formatDate(), formatDateTime().
 *
 * The CSP forbids inline script and style: never set element.style here; toggle classes
 * or the hidden attribute instead.
 */

export const LANGS = ['vi', 'en'];
const LANG_KEY = 'egov_lang';
const TZ = 'Asia/Ho_Chi_Minh';

/* Strings needed before (or without) a dictionary: errors must be readable even when the
 * translation file itself could not be fetched. */
const BUILTIN = {
    'site.fallback': 'Cổng dịch vụ công tỉnh Vĩnh Long',
    'site.province.fallback': 'Vĩnh Long',
    'error.title': 'Đã xảy ra lỗi',
    'error.network': 'Không kết nối được tới máy chủ. Vui lòng kiểm tra kết nối mạng và thử lại.',
    'error.http': 'Máy chủ trả về lỗi (mã {status}). Vui lòng thử lại sau.',
    'error.request_id': 'Mã yêu cầu',
};

let lang = 'vi';
let dict = {};
let site = null; /* {site_name, province} once loaded */

/* ------------------------------------------------------------------ i18n */

/* Translates key in the current language; {name} placeholders are filled from vars.
 * Unknown keys fall back to the built-in Vietnamese table, then to the key itself. */
export function t(key, vars) {
    let s = dict[key] ?? BUILTIN[key] ?? key;
    if (vars) {
        s = s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
    }
    return s;
}

export function currentLang() {
    return lang;
}

function storedLang() {
    try {
        const v = globalThis.localStorage?.getItem(LANG_KEY);
        return LANGS.includes(v) ? v : 'vi';
    } catch {
        return 'vi'; /* storage disabled (privacy mode) */
    }
}

function storeLang(v) {
    try {
        globalThis.localStorage?.setItem(LANG_KEY, v);
    } catch {
        /* not persisted; the switch still works for this page */
    }
}

async function loadDict(l) {
    const res = await fetch(`/lib/i18n/${l}.json`, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`i18n ${l}: HTTP ${res.status}`);
    return res.json();
}

/* Applies the dictionary to root: text of [data-i18n], attributes of [data-i18n-attr]. */
export function applyI18n(root = document) {
    for (const el of root.querySelectorAll('[data-i18n]')) {
        const key = el.getAttribute('data-i18n');
        if (key in dict) el.textContent = dict[key];
    }
    for (const el of root.querySelectorAll('[data-i18n-attr]')) {
        for (const pair of el.getAttribute('data-i18n-attr').split(';')) {
            const [attr, key] = pair.split(':').map((x) => x.trim());
            if (attr && key && key in dict) el.setAttribute(attr, dict[key]);
        }
    }
    const page = document.body?.getAttribute('data-page-title');
    if (page) document.title = `${t(page)} – ${siteName()}`;
    for (const btn of root.querySelectorAll('[data-lang-switch]')) {
        const other = lang === 'vi' ? 'en' : 'vi';
        btn.setAttribute('lang', other);
        btn.textContent = other === 'en' ? 'English' : 'Tiếng Việt';
    }
    applySite(root);
}

/* Switches the page to language l ('vi' or 'en') and remembers the choice. */
export async function setLanguage(l) {
    if (!LANGS.includes(l)) l = 'vi';
    try {
        dict = await loadDict(l);
        lang = l;
    } catch {
        /* keep the current texts rather than half-translating the page */
        return false;
    }
    storeLang(l);
    document.documentElement.setAttribute('lang', l);
    applyI18n(document);
    return true;
}

/* ------------------------------------------------------------------ site name */

function siteName() {
    return site?.site_name || t('site.fallback');
}

function applySite(root = document) {
    for (const el of root.querySelectorAll('[data-site-name]')) el.textContent = siteName();
    for (const el of root.querySelectorAll('[data-province]')) {
        el.textContent = site?.province || t('site.province.fallback');
    }
}

/* Loads {site_name, province} from the server; keeps the fallback on any failure. */
export async function loadSite() {
    try {
        const s = await api('/api/v1/site', { timeoutMs: 5000 });
        if (s && typeof s === 'object' && typeof s.site_name === 'string' && s.site_name.trim()) {
            site = { site_name: s.site_name.trim(), province: String(s.province || '').trim() };
        }
    } catch {
        site = null;
    }
    applyI18n(document);
    return site;
}

/* ------------------------------------------------------------------ API helper */

/* An RFC 9457 problem from the server (or a network failure, status 0). */
export class ApiError extends Error {
    constructor(problem, status) {
        const title = problem?.title || t('error.title');
        const detail = problem?.detail || '';
        super(detail ? `${title}: ${detail}` : title);
        this.name = 'ApiError';
        this.status = status;
        this.type = problem?.type || 'about:blank';
        this.title = title;
        this.detail = detail;
        this.instance = problem?.instance || '';
        this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
    }
}

export function getCookie(name) {
    if (typeof document === 'undefined' || !document.cookie) return '';
    for (const part of document.cookie.split(';')) {
        const i = part.indexOf('=');
        if (i < 0) continue;
        if (part.slice(0, i).trim() === name) {
            try {
                return decodeURIComponent(part.slice(i + 1).trim());
            } catch {
                return part.slice(i + 1).trim();
            }
        }
    }
    return '';
}

function isRawBody(b) {
    return (
        typeof b === 'string' ||
        (typeof FormData !== 'undefined' && b instanceof FormData) ||
        (typeof Blob !== 'undefined' && b instanceof Blob) ||
        (typeof URLSearchParams !== 'undefined' && b instanceof URLSearchParams) ||
        b instanceof ArrayBuffer
    );
}

/*
 * api(path, opts): fetch for the egov JSON API.
 *   opts.method   default GET, or POST when a body is given
 *   opts.body     a plain object/array is sent as JSON; FormData, Blob, string as they are
 *   opts.headers  extra headers
 *   opts.timeoutMs  abort after this many milliseconds (default 30000)
 * Sends X-CSRF-Token from the egov_csrf cookie when present. Resolves to the parsed JSON
 * (or text for non-JSON replies, null for 204). Throws ApiError with the server's Vietnamese
 * title/detail for problem+json replies, a generic one for other errors, status 0 when the
 * server could not be reached.
 */
export async function api(path, opts = {}) {
    const { body, timeoutMs = 30000, headers: extra, method: m, ...rest } = opts;
    const headers = new Headers(extra || {});
    if (!headers.has('Accept')) headers.set('Accept', 'application/json, application/problem+json');
    let payload = body;
    if (body !== undefined && body !== null && !isRawBody(body)) {
        payload = JSON.stringify(body);
        headers.set('Content-Type', 'application/json; charset=utf-8');
    }
    const method = (m || (body !== undefined ? 'POST' : 'GET')).toUpperCase();
    const csrf = getCookie('egov_csrf');
    if (csrf) headers.set('X-CSRF-Token', csrf);
    headers.set('Accept-Language', lang);

    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    let res;
    try {
        res = await fetch(path, {
            credentials: 'same-origin',
            ...rest,
            method,
            headers,
            body: payload,
            signal: ctl.signal,
        });
    } catch {
        throw new ApiError({ title: t('error.title'), detail: t('error.network') }, 0);
    } finally {
        clearTimeout(timer);
    }
    const ct = (res.headers.get('Content-Type') || '').toLowerCase();
    const isJson = ct.includes('application/json') || ct.includes('+json');
    if (!res.ok) {
        let problem = null;
        if (isJson) {
            try {
                problem = await res.json();
            } catch {
                problem = null;
            }
        }
        if (!problem || typeof problem !== 'object') {
            problem = { title: t('error.title'), detail: t('error.http', { status: res.status }) };
        }
        throw new ApiError(problem, res.status);
    }
    if (res.status === 204 || method === 'HEAD') return null;
    if (isJson) return res.json();
    return res.text();
}

/* Shows err (ApiError or any Error) inside el as an alert box readable by screen readers. */
export function renderProblem(el, err) {
    const doc = el.ownerDocument;
    const mk = (tag, cls, text) => {
        const n = doc.createElement(tag);
        if (cls) n.className = cls;
        if (text !== undefined) n.textContent = text;
        return n;
    };
    el.replaceChildren();
    el.classList.add('problem');
    el.setAttribute('role', 'alert');
    el.hidden = false;
    const isApi = err instanceof ApiError;
    el.append(mk('p', 'problem-title', isApi ? err.title : t('error.title')));
    const detail = isApi ? err.detail : '';
    if (detail) el.append(mk('p', 'problem-detail', detail));
    if (isApi && err.errors.length) {
        const ul = mk('ul');
        for (const e of err.errors) {
            const text = e.field ? `${e.field}: ${e.message || ''}` : String(e.message || '');
            ul.append(mk('li', '', text));
        }
        el.append(ul);
    }
    if (isApi && err.instance) {
        el.append(mk('p', 'problem-id', `${t('error.request_id')}: ${err.instance}`));
    }
}

/* ------------------------------------------------------------------ dates */

const dateParts = new Intl.DateTimeFormat('en-GB', {
    timeZone: TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
});

function parts(value) {
    const d = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(d.getTime())) return null;
    const p = {};
    for (const x of dateParts.formatToParts(d)) p[x.type] = x.value;
    return p;
}

/* "dd/mm/yyyy" in Asia/Ho_Chi_Minh for a Date, ISO string or epoch ms; '' when invalid. */
export function formatDate(value) {
    const p = parts(value);
    return p ? `${p.day}/${p.month}/${p.year}` : '';
}

/* "dd/mm/yyyy HH:MM" in Asia/Ho_Chi_Minh; '' when invalid. */
export function formatDateTime(value) {
    const p = parts(value);
    return p ? `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}` : '';
}

/* ------------------------------------------------------------------ page boot */

/* Copies ?name= values into [data-fill-param] inputs and [data-param-value] elements. */
export function fillParams(root = document, search = globalThis.location?.search || '') {
    const params = new URLSearchParams(search);
    for (const el of root.querySelectorAll('[data-fill-param]')) {
        const v = (params.get(el.getAttribute('data-fill-param')) || '').trim().slice(0, 200);
        if (v) el.value = v;
    }
    for (const el of root.querySelectorAll('[data-param-value]')) {
        const v = (params.get(el.getAttribute('data-param-value')) || '').trim().slice(0, 200);
        el.textContent = v;
    }
    for (const el of root.querySelectorAll('[data-param-echo]')) {
        const v = (params.get(el.getAttribute('data-param-echo')) || '').trim();
        el.hidden = v === '';
    }
}

/* Marks the navigation link of the current page (the shared header partial cannot). */
export function markCurrentNav(root = document, path = globalThis.location?.pathname || '/') {
    const here = path === '/' ? '/' : path.replace(/\/index\.html$/, '/');
    for (const a of root.querySelectorAll('.site-nav a[href]')) {
        const target = new URL(a.href).pathname;
        if (target === here) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
    }
}

let booted = null;

/* Runs once per page; later calls return the same promise. */
export function boot() {
    if (booted) return booted;
    booted = (async () => {
        fillParams(document);
        markCurrentNav(document);
        for (const btn of document.querySelectorAll('[data-lang-switch]')) {
            btn.addEventListener('click', () => {
                setLanguage(lang === 'vi' ? 'en' : 'vi');
            });
        }
        const wanted = storedLang();
        await Promise.all([setLanguage(wanted), loadSite()]);
        document.documentElement.classList.add('egov-ready');
    })();
    return booted;
}

if (typeof document !== 'undefined' && typeof window !== 'undefined') {
    boot();
}
