/*
 * catalogs.js - admin page of the shared catalogues: the list, the rows of one catalogue
 * (filter, CSV export) and the all-or-nothing CSV import (needs an admin session).
 */
import { api, boot, renderProblem } from '/lib/egov.js';
import { el, fillTable } from '/portal/catalog-ui.js';

const errBox = document.getElementById('cat-error');
let current = null;

async function showRows(code, q = '') {
    current = code;
    const meta = await api(`/api/v1/catalogs/${encodeURIComponent(code)}`);
    const qs = new URLSearchParams({ limit: '500' });
    if (q) qs.set('q', q);
    const rows = await api(`/api/v1/catalogs/${encodeURIComponent(code)}/items?${qs}`);
    document.getElementById('cat-rows-section').hidden = false;
    document.getElementById('cat-rows-h').textContent = `${meta.name} (${meta.code})`;
    document.getElementById('rows-caption').textContent =
        `${rows.items.length} dòng đang hiệu lực${rows.next_cursor ? ' (500 dòng đầu)' : ''}; phiên bản ${meta.version}`;
    document.getElementById('cat-export').href = `/api/v1/catalogs/${encodeURIComponent(code)}/export?format=csv`;
    const cols = meta.properties.map((p) => ({ label: p.name, value: (r) => r.properties[p.code] }));
    cols.push({ label: 'Hiệu lực từ', value: 'valid_from' }, { label: 'Đến', value: 'valid_to' });
    fillTable(document.getElementById('rows-table'), cols, rows.items);
}

async function main() {
    await boot();
    try {
        const list = await api('/api/v1/catalogs');
        fillTable(document.getElementById('cat-table'), [
            { label: 'Mã', value: (c) => {
                const a = el('a', { href: `#${c.code}`, text: c.code });
                a.addEventListener('click', (ev) => {
                    ev.preventDefault();
                    showRows(c.code).catch((e) => renderProblem(errBox, e));
                });
                return a;
            } },
            { label: 'Tên danh mục', value: 'name' },
            { label: 'Số dòng', value: 'row_count' },
            { label: 'Phiên bản', value: 'version' },
        ], list.items);
        const hash = location.hash.slice(1);
        if (hash) await showRows(hash);
    } catch (e) {
        renderProblem(errBox, e);
    }
    document.getElementById('rows-form').addEventListener('submit', (ev) => {
        ev.preventDefault();
        if (current) showRows(current, document.getElementById('rows-q').value).catch((e) => renderProblem(errBox, e));
    });
    document.getElementById('import-form').addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const out = document.getElementById('import-result');
        out.textContent = '';
        errBox.replaceChildren();
        const file = document.getElementById('import-file').files[0];
        if (!current || !file) return;
        try {
            const r = await api(`/api/v1/catalogs/${encodeURIComponent(current)}/import`, {
                method: 'POST', body: await file.text(), headers: { 'Content-Type': 'text/csv' } });
            out.textContent = `Đã nhập ${r.rows} dòng (${r.created} mới, ${r.updated} cập nhật); phiên bản ${r.version}.`;
            await showRows(current);
        } catch (e) {
            renderProblem(errBox, e);
        }
    });
}

main();
