/*
 * web/admin/lgsp.js - the LGSP admin page: services (list, register, publish/deprecate/retire
 * with If-Match), consumer systems, grants, message-log search and the monitoring dashboard
 * (chart.js from /vendor). Everything goes through api() (JSON + CSRF) and renderProblem().
 */
import { api, renderProblem, formatDateTime } from '/lib/egov.js';

const $ = (id) => document.getElementById(id);
const errBox = $('lgsp-error');
let chart = null;
let logCursor = null;

function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '—' : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
}

function fail(e) {
    renderProblem(errBox, e);
    errBox.scrollIntoView({ block: 'nearest' });
}

function formObject(form) {
    const o = {};
    for (const [k, v] of new FormData(form).entries()) {
        if (v === '') continue;
        o[k] = v;
    }
    return o;
}

const NEXT = { draft: 'published', published: 'deprecated', deprecated: 'retired' };
const NEXT_LABEL = { published: 'Công bố', deprecated: 'Ngừng khuyến nghị', retired: 'Ngừng cung cấp' };

async function loadServices() {
    const body = $('services-body');
    const sel = $('gr-service');
    const data = await api('/api/v1/lgsp/services');
    body.replaceChildren();
    const chosen = sel.value;
    sel.replaceChildren();
    for (const s of data.items) {
        const tr = document.createElement('tr');
        cell(tr, s.code);
        cell(tr, s.version);
        cell(tr, s.name);
        cell(tr, s.owner_agency);
        cell(tr, s.kind.toUpperCase());
        cell(tr, s.status);
        const td = cell(tr, '');
        const next = NEXT[s.status];
        if (next) {
            const b = document.createElement('button');
            b.type = 'button';
            b.className = 'btn btn-secondary';
            b.textContent = NEXT_LABEL[next];
            b.addEventListener('click', async () => {
                try {
                    await api(`/api/v1/lgsp/services/${encodeURIComponent(s.code)}`, {
                        method: 'PATCH',
                        body: { status: next },
                        headers: { 'If-Match': `"v${s.row_version}"` },
                    });
                    await loadServices();
                } catch (e) {
                    fail(e);
                }
            });
            td.replaceChildren(b);
        }
        body.appendChild(tr);
        const opt = document.createElement('option');
        opt.value = s.code;
        opt.textContent = `${s.code} – ${s.name}`;
        sel.appendChild(opt);
    }
    if (chosen) sel.value = chosen;
    await loadGrants();
}

async function loadConsumers() {
    const data = await api('/api/v1/lgsp/consumers');
    const body = $('consumers-body');
    body.replaceChildren();
    for (const c of data.items) {
        const tr = document.createElement('tr');
        cell(tr, c.client_id);
        cell(tr, c.name);
        cell(tr, c.agency_code);
        cell(tr, c.cert_sha256, 'hash');
        cell(tr, c.status);
        body.appendChild(tr);
    }
}

async function loadGrants() {
    const code = $('gr-service').value;
    const body = $('grants-body');
    body.replaceChildren();
    if (!code) return;
    const data = await api(`/api/v1/lgsp/services/${encodeURIComponent(code)}/grants`);
    for (const g of data.items) {
        const tr = document.createElement('tr');
        cell(tr, g.client_id);
        cell(tr, g.methods ? g.methods.split(',').filter(Boolean).join(', ') : 'tất cả');
        cell(tr, g.path_prefix || '/');
        cell(tr, g.quota);
        cell(tr, g.rate_limit);
        body.appendChild(tr);
    }
}

async function searchLog(more) {
    const f = formObject($('log-form'));
    const q = new URLSearchParams();
    if (f.service) q.set('service', f.service);
    if (f.client) q.set('client', f.client);
    if (f.from) q.set('from', `${f.from}:00+07:00`);
    if (f.to) q.set('to', `${f.to}:00+07:00`);
    if (more && logCursor) q.set('cursor', logCursor);
    const data = await api(`/api/v1/lgsp/messages?${q}`);
    const body = $('log-body');
    if (!more) body.replaceChildren();
    for (const m of data.items) {
        const tr = document.createElement('tr');
        cell(tr, m.id);
        cell(tr, m.xroad_id, 'hash');
        cell(tr, formatDateTime(new Date(m.request_in_ms).toISOString()));
        cell(tr, m.client_id);
        cell(tr, `${m.service_code}/${m.service_version || ''}`);
        cell(tr, `${m.method} ${m.path}`);
        cell(tr, m.error_type ? `${m.status} ${m.error_type}` : m.status, m.status < 400 ? 'lgsp-ok' : 'lgsp-bad');
        cell(tr, m.request_sha256, 'hash');
        body.appendChild(tr);
    }
    logCursor = data.next_cursor;
    $('log-more').hidden = !logCursor;
}

async function loadStats() {
    const data = await api('/api/v1/lgsp/stats');
    const body = $('stats-body');
    body.replaceChildren();
    for (const s of data.services) {
        const tr = document.createElement('tr');
        cell(tr, s.service);
        cell(tr, s.calls);
        cell(tr, s.errors);
        cell(tr, s.p50_ms);
        cell(tr, s.p95_ms);
        cell(tr, s.p99_ms);
        const up = s.upstream?.status || 'unknown';
        cell(tr, up === 'up' ? 'hoạt động' : up === 'down' ? 'lỗi kết nối' : 'chưa rõ', up === 'down' ? 'lgsp-bad' : 'lgsp-ok');
        body.appendChild(tr);
    }
    const Chart = globalThis.Chart;
    if (!Chart) return;
    const labels = data.services.map((s) => s.service);
    const datasets = [
        { label: 'Thành công', data: data.services.map((s) => s.calls - s.errors), backgroundColor: '#1d6f42' },
        { label: 'Lỗi', data: data.services.map((s) => s.errors), backgroundColor: '#a4141b' },
    ];
    if (chart) {
        chart.data.labels = labels;
        chart.data.datasets = datasets;
        chart.update();
    } else {
        chart = new Chart($('stats-chart'), {
            type: 'bar',
            data: { labels, datasets },
            options: { responsive: true, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
        });
    }
}

function bind(formId, handler) {
    $(formId).addEventListener('submit', async (ev) => {
        ev.preventDefault();
        errBox.replaceChildren();
        try {
            await handler(ev.target);
        } catch (e) {
            fail(e);
        }
    });
}

bind('service-form', async (form) => {
    const o = formObject(form);
    if (o.timeout_ms) o.timeout_ms = Number(o.timeout_ms);
    await api('/api/v1/lgsp/services', { body: o });
    form.reset();
    await loadServices();
});
bind('consumer-form', async (form) => {
    await api('/api/v1/lgsp/consumers', { body: formObject(form) });
    form.reset();
    await loadConsumers();
});
bind('grant-form', async (form) => {
    const o = formObject(form);
    const code = o.service;
    delete o.service;
    if (o.methods) o.methods = o.methods.split(',').map((m) => m.trim().toUpperCase()).filter(Boolean);
    if (o.quota) o.quota = Number(o.quota);
    if (o.rate_limit) o.rate_limit = Number(o.rate_limit);
    await api(`/api/v1/lgsp/services/${encodeURIComponent(code)}/grants`, { body: o });
    await loadGrants();
});
bind('log-form', async () => searchLog(false));
$('log-more').addEventListener('click', () => searchLog(true).catch(fail));
$('gr-service').addEventListener('change', () => loadGrants().catch(fail));
$('stats-refresh').addEventListener('click', () => loadStats().catch(fail));

Promise.all([loadServices(), loadConsumers(), loadStats()]).catch(fail);
