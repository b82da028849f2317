/*
 * procedures.js - the procedure catalogue page: filters by agency and field, and with a
 * query (?q=, also what the home page's search box submits) the ranked, highlighted
 * results of GET /api/v1/search (diacritic- and case-insensitive).
 */
import { api, boot, renderProblem, formatDate } from '/lib/egov.js';
import { el, appendMarked, onlineLabel, daysLabel } from '/portal/catalog-ui.js';

const params = new URLSearchParams(location.search);
const q = (params.get('q') || '').trim().slice(0, 200);
const agency = params.get('agency') || '';
const field = params.get('field') || '';
const errBox = document.getElementById('proc-error');

async function loadFilters() {
    const [agencies, fields] = await Promise.all([
        api('/api/v1/agencies?limit=500'),
        api('/api/v1/catalogs/linhvuc/items?limit=500'),
    ]);
    const sa = document.getElementById('agency');
    for (const a of agencies.items) {
        if (a.kind === 'province') continue;
        sa.append(el('option', { value: a.code, text: a.name }));
    }
    sa.value = agency;
    const sf = document.getElementById('field');
    for (const f of fields.items) sf.append(el('option', { value: f.code, text: f.name }));
    sf.value = field;
    return { fields: new Map(fields.items.map((f) => [f.code, f.name])) };
}

function card(p, fieldNames, titleHtml, snippet) {
    const link = el('a', { href: `/portal/procedure.html?code=${encodeURIComponent(p.code)}` });
    if (titleHtml) appendMarked(link, titleHtml);
    else link.textContent = p.name;
    const art = el('article', { class: 'card' },
        el('span', { class: 'tag', text: fieldNames.get(p.field) || p.field }),
        el('h3', {}, link),
        el('p', { text: `${p.agency_name || p.agency_code} · ${daysLabel(p)} · ${onlineLabel(p.online)}` }));
    if (snippet) art.append(appendMarked(el('p', { class: 'snippet' }), snippet));
    return el('li', {}, art);
}

async function main() {
    await boot();
    let names = { fields: new Map() };
    try {
        names = await loadFilters();
    } catch (e) {
        renderProblem(errBox, e);
    }
    const list = document.getElementById('proc-results');
    const count = document.getElementById('proc-count');
    try {
        const qs = new URLSearchParams({ limit: '500' });
        if (agency) qs.set('agency', agency);
        if (field) qs.set('field', field);
        const all = await api(`/api/v1/procedures?${qs}`);
        const byCode = new Map(all.items.map((p) => [p.code, p]));
        let cards;
        if (q) {
            const s = await api(`/api/v1/search?${new URLSearchParams({ q, limit: '100' })}`);
            cards = s.items.filter((h) => h.kind === 'procedure' && byCode.has(h.code))
                .map((h) => card(byCode.get(h.code), names.fields, h.title_html, h.snippet));
            const ags = s.items.filter((h) => h.kind === 'agency').slice(0, 5);
            if (ags.length) {
                document.getElementById('agency-section').hidden = false;
                document.getElementById('agency-results').replaceChildren(
                    ...ags.map((h) => el('li', {}, appendMarked(el('span'), h.title_html),
                        document.createTextNode(` (${h.code})`),
                        ...(h.status === 'retired' ? [el('span', {
                            class: 'tag',
                            text: ` – hiệu lực đến ${formatDate(h.valid_to)}` +
                                (h.successor ? `; nay là ${h.successor.name} (${h.successor.code})` : ''),
                        })] : []))));
            }
        } else {
            cards = all.items.map((p) => card(p, names.fields));
        }
        list.replaceChildren(...cards);
        count.textContent = `(${cards.length} thủ tục)`;
        if (!cards.length) list.append(el('li', { text: 'Không tìm thấy thủ tục phù hợp.' }));
    } catch (e) {
        renderProblem(errBox, e);
    }
}

main();
