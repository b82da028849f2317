/*
 * web/portal/developers.js - the developer portal: published LGSP services from the public
 * catalogue (/api/v1/lgsp/catalog) with their OpenAPI/WSDL documents (downloadable, shown
 * as text, never executed).
 */
import { api, renderProblem } from '/lib/egov.js';

const list = document.getElementById('dev-list');
const filter = document.getElementById('dev-filter');
let items = [];

function el(tag, text, cls) {
    const n = document.createElement(tag);
    if (text !== undefined) n.textContent = text;
    if (cls) n.className = cls;
    return n;
}

function render() {
    const q = filter.value.trim().toLowerCase();
    list.replaceChildren();
    const shown = items.filter((s) => !q || s.code.toLowerCase().includes(q) || s.name.toLowerCase().includes(q));
    if (!shown.length) {
        list.appendChild(el('p', 'Chưa có dịch vụ nào phù hợp.'));
        return;
    }
    for (const s of shown) {
        const card = el('article', undefined, 'card');
        const h = el('h3', `${s.name}`);
        card.appendChild(h);
        const meta = el('p', `Mã: ${s.code} · Phiên bản: ${s.version} · ${s.kind.toUpperCase()} · Cơ quan: ${s.owner_agency}` + (s.status === 'deprecated' ? ' · Ngừng khuyến nghị' : ''));
        card.appendChild(meta);
        if (s.description) card.appendChild(el('p', s.description));
        const ep = el('p');
        ep.appendChild(el('code', `/gw/${s.code}/${s.version}/…`));
        card.appendChild(ep);
        for (const [label, ref] of [['BRM', s.brm_ref], ['ARM', s.arm_ref]]) {
            if (ref) card.appendChild(el('p', `${label}: ${ref}`));
        }
        if (s.spec) {
            const type = s.spec_type === 'wsdl' ? 'application/xml' : 'application/json';
            const a = el('a', `Tải tài liệu ${s.spec_type === 'wsdl' ? 'WSDL' : 'OpenAPI'}`);
            a.href = URL.createObjectURL(new Blob([s.spec], { type }));
            a.download = `${s.code}-${s.version}.${s.spec_type === 'wsdl' ? 'wsdl' : 'json'}`;
            card.appendChild(a);
            const d = el('details');
            d.appendChild(el('summary', 'Xem tài liệu'));
            d.appendChild(el('pre', s.spec, 'lgsp-spec'));
            card.appendChild(d);
        }
        list.appendChild(card);
    }
}

filter.addEventListener('input', render);
api('/api/v1/lgsp/catalog')
    .then((data) => {
        items = data.items;
        render();
    })
    .catch((e) => renderProblem(document.getElementById('dev-error'), e));
