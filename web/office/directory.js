// Staff directory: search (GET /api/v1/directory?q=) and the organisation tree with agency names
// and staff (GET /api/v1/directory/tree), rendered as nested lists.
import { api, renderProblem } from '/lib/egov.js';

const $ = (id) => document.getElementById(id);
const names = new Map();

function staffItem(s) {
    const li = document.createElement('li');
    li.textContent = s.position ? `${s.name} – ${s.position}` : s.name;
    return li;
}

function agencyItem(n) {
    names.set(n.agency_code, n.name || n.agency_code);
    const li = document.createElement('li');
    const d = document.createElement('details');
    d.open = !n.parent_code;
    const sum = document.createElement('summary');
    sum.textContent = `${n.name || n.agency_code} (${n.agency_code})`;
    d.append(sum);
    if (n.staff.length) {
        const ul = document.createElement('ul');
        ul.className = 'staff';
        n.staff.forEach((s) => ul.append(staffItem(s)));
        d.append(ul);
    }
    if (n.children.length) {
        const ul = document.createElement('ul');
        n.children.forEach((c) => ul.append(agencyItem(c)));
        d.append(ul);
    }
    li.append(d);
    return li;
}

async function loadTree() {
    try {
        const r = await api('/api/v1/directory/tree');
        const ul = document.createElement('ul');
        r.items.forEach((n) => ul.append(agencyItem(n)));
        $('tree').replaceChildren(ul);
    } catch (e) {
        $('tree').textContent = '';
        renderProblem($('problem'), e);
    }
}

async function search(ev) {
    ev.preventDefault();
    const q = $('q').value.trim();
    $('problem').textContent = '';
    try {
        const r = await api(`/api/v1/directory?${new URLSearchParams({ q })}`);
        $('rows').replaceChildren(...r.items.map((s) => {
            const tr = document.createElement('tr');
            for (const v of [s.name, s.position || '', names.get(s.agency_code) || s.agency_code || '']) {
                const td = document.createElement('td');
                td.textContent = v;
                tr.append(td);
            }
            return tr;
        }));
        if (!r.items.length) {
            const tr = document.createElement('tr');
            const td = document.createElement('td');
            td.colSpan = 3;
            td.textContent = 'Không tìm thấy cán bộ nào.';
            tr.append(td);
            $('rows').append(tr);
        }
        $('results').hidden = false;
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

$('search').addEventListener('submit', search);
loadTree();
