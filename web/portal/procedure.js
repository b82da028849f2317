/*
 * procedure.js - one procedure (TTHC) from GET /api/v1/procedures/{code}: facts, dossier
 * components with their form fields, fees, legal basis.
 */
import { api, boot, renderProblem } from '/lib/egov.js';
import { el, onlineLabel, daysLabel } from '/portal/catalog-ui.js';

const code = new URLSearchParams(location.search).get('code') || '';

function fact(dl, term, value) {
    dl.append(el('dt', { text: term }), el('dd', { text: value }));
}

async function main() {
    await boot();
    const errBox = document.getElementById('proc-error');
    try {
        const p = await api(`/api/v1/procedures/${encodeURIComponent(code)}`);
        document.getElementById('proc-name').textContent = p.name;
        document.title = `${p.name} – ${document.title}`;
        const dl = document.getElementById('proc-facts');
        fact(dl, 'Mã thủ tục', p.code);
        fact(dl, 'Cơ quan thực hiện', p.agency_name || p.agency_code);
        fact(dl, 'Lĩnh vực', p.field);
        fact(dl, 'Cấp thực hiện', p.level);
        fact(dl, 'Thời hạn giải quyết', daysLabel(p));
        fact(dl, 'Mức độ trực tuyến', onlineLabel(p.online));
        if (p.result_type) fact(dl, 'Kết quả', p.result_type);
        if (p.description) fact(dl, 'Mô tả', p.description);
        const comps = document.getElementById('proc-components');
        for (const c of p.components || []) {
            const li = el('li', {}, el('strong', { text: c.name }),
                document.createTextNode(` (${c.code}) – ${c.required ? 'bắt buộc' : 'không bắt buộc'}${c.quantity ? `, ${c.quantity}` : ''}`));
            if (c.form && c.form.properties) {
                const fields = Object.entries(c.form.properties).map(([k, f]) =>
                    el('li', { 'data-field': k, text: `${f.title}${(c.form.required || []).includes(k) ? ' *' : ''}` }));
                li.append(el('p', { text: `Mẫu: ${c.form.title || ''}` }), el('ul', {}, ...fields));
            }
            comps.append(li);
        }
        const fees = document.getElementById('proc-fees');
        for (const f of p.fees || []) {
            const amt = f.amount ? `${Number(f.amount).toLocaleString('vi-VN')} đồng` : 'Không thu';
            fees.append(el('li', { text: `${f.name}: ${amt}${f.note ? ` (${f.note})` : ''}` }));
        }
        if (!(p.fees || []).length) fees.append(el('li', { text: 'Không thu phí, lệ phí' }));
        const legal = document.getElementById('proc-legal');
        for (const l of p.legal_basis || []) legal.append(el('li', { text: l }));
    } catch (e) {
        renderProblem(errBox, e);
    }
}

main();
