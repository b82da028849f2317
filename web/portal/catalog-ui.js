/*
 * catalog-ui.js - small DOM helpers shared by the catalogue pages (procedures, procedure,
 * admin catalogues and EAMS). Markup is never parsed: highlighted snippets from /api/v1/search
 * (HTML-escaped text with <mark> tags only) are rebuilt as text nodes and <mark> elements.
 */
const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

export function el(tag, attrs = {}, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null) continue;
        if (k === 'text') n.textContent = v;
        else n.setAttribute(k, v);
    }
    for (const c of children) n.append(c);
    return n;
}

/* Appends the server's highlighted text to parent: "<mark>" pieces become <mark> elements. */
export function appendMarked(parent, html) {
    const parts = String(html || '').split(/(<mark>|<\/mark>)/);
    let inMark = false;
    for (const p of parts) {
        if (p === '<mark>') inMark = true;
        else if (p === '</mark>') inMark = false;
        else if (p) {
            const text = p.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m]);
            parent.append(inMark ? el('mark', { text }) : document.createTextNode(text));
        }
    }
    return parent;
}

export function onlineLabel(v) {
    return v === 'full' ? 'Trực tuyến toàn trình' : v === 'partial' ? 'Trực tuyến một phần' : 'Trực tiếp';
}

export function daysLabel(p) {
    if (p.processing_hours) return `${p.processing_hours} giờ làm việc`;
    if (p.processing_days === 0) return 'Trong ngày';
    if (p.processing_days === null || p.processing_days === undefined) return 'Không quy định';
    return `${p.processing_days} ngày làm việc`;
}

export function fillTable(table, columns, rows) {
    const thead = table.querySelector('thead');
    const tbody = table.querySelector('tbody');
    thead.replaceChildren(el('tr', {}, ...columns.map((c) => el('th', { scope: 'col', text: c.label }))));
    tbody.replaceChildren(
        ...rows.map((r) => el('tr', {}, ...columns.map((c) => {
            const v = typeof c.value === 'function' ? c.value(r) : r[c.value];
            return el('td', {}, v instanceof Node ? v : String(v ?? ''));
        }))),
    );
}
