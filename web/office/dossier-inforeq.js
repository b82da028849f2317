// "Yêu cầu thông tin liên thông" on the staff dossier page (?code=): choose another agency's
// information service, enter its parameters, send the request through the LGSP
// (POST /api/v1/dossiers/{code}/info-requests) and see the answers attached to the dossier.
// Hidden for anyone the API refuses (the section is staff-of-the-dossier's-agency only).
import { api, renderProblem, boot } from '/lib/egov.js';
import { el, fmt } from '/office/dossier-view.js';

const $ = (id) => document.getElementById(id);
const code = new URLSearchParams(location.search).get('code') || '';
const LABELS = { personal_id: 'Số định danh cá nhân', tax_code: 'Mã số thuế', number: 'Số giấy tờ / mã hồ sơ', event: 'Loại sự kiện' };
let services = [];

function renderParams() {
    const s = services.find((x) => x.service === $('ir-service').value);
    $('ir-params').replaceChildren(...(s ? s.params : []).map((p) =>
        el('div', { class: 'form-row' },
            el('label', { for: `ir-p-${p}`, text: LABELS[p] || p }),
            el('input', { type: 'text', id: `ir-p-${p}`, 'data-param': p, maxlength: '200', autocomplete: 'off' }))));
}

function answerView(r) {
    const a = r.answer;
    if (r.state !== 'answered') return el('p', { text: `Không có câu trả lời (HTTP ${r.http_status ?? '—'}${r.problem ? `, ${r.problem}` : ''})` });
    if (!a || typeof a !== 'object') return el('pre', { text: JSON.stringify(a) });
    if (Array.isArray(a.items)) {
        if (!a.items.length) return el('p', { text: 'Không tìm thấy thông tin.' });
        return el('ul', {}, ...a.items.map((i) =>
            el('li', { text: `${i.document || i.kind} · số ${i.number || '—'} · ${i.issued_by || ''} · ${fmt(i.issued_at)}` })));
    }
    return el('pre', { text: JSON.stringify(a, null, 2) });
}

async function loadList() {
    const l = await api(`/api/v1/dossiers/${encodeURIComponent(code)}/info-requests`);
    const rows = l.items.map((r) => el('article', { class: 'ir-item' },
        el('h3', { text: `${r.service} · ${fmt(r.requested_at)}` }),
        el('p', { class: 'hint', text: `${Object.entries(r.params).map(([k, v]) => `${LABELS[k] || k}: ${v}`).join('; ')} · ${r.requested_by} · mã giao dịch LGSP ${r.xroad_id || '—'}` }),
        answerView(r)));
    $('ir-list').replaceChildren(...(rows.length ? rows : [el('p', { text: 'Chưa có yêu cầu nào.' })]));
}

async function send(ev) {
    ev.preventDefault();
    const params = {};
    for (const i of $('ir-params').querySelectorAll('input[data-param]')) if (i.value.trim()) params[i.dataset.param] = i.value.trim();
    const body = { service: $('ir-service').value, params };
    const purpose = $('ir-purpose').value.trim();
    if (purpose) body.purpose = purpose;
    $('ir-send').disabled = true;
    try {
        await api(`/api/v1/dossiers/${encodeURIComponent(code)}/info-requests`, { body });
        $('ir-problem').hidden = true;
        await loadList();
    } catch (e) {
        renderProblem($('ir-problem'), e);
    } finally {
        $('ir-send').disabled = false;
    }
}

async function init() {
    if (!code) return;
    try {
        services = (await api('/api/v1/info-services')).items;
        await loadList();
    } catch {
        return; /* not staff of this dossier's agency: the section stays hidden */
    }
    $('ir-service').replaceChildren(...services.map((s) => el('option', { value: s.service, text: `${s.name} (${s.owner_agency})` })));
    $('ir-service').addEventListener('change', renderParams);
    $('inforeq-form').addEventListener('submit', send);
    renderParams();
    $('inforeq').hidden = false;
}

boot().then(init);
