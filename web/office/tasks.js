// Staff task inbox: GET /api/v1/tasks (scope, process, overdue filters, cursor paging), claim,
// unclaim, complete through a form (approved + optional JSON variables), return to the
// previous step with a reason, delegate. Every error is shown as the server's problem.
import { api, renderProblem, formatDateTime, boot } from '/lib/egov.js';

const $ = (id) => document.getElementById(id);
let cursor = null;
let current = null;

function cell(tr, text, cls) {
    const td = document.createElement('td');
    if (text instanceof Node) td.append(text);
    else td.textContent = text ?? '';
    if (cls) td.className = cls;
    tr.append(td);
    return td;
}

function button(label, fn) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.addEventListener('click', fn);
    return b;
}

function query() {
    const p = new URLSearchParams();
    const scope = $('scope').value;
    if (scope) p.set('scope', scope);
    const key = $('key').value.trim();
    if (key) p.set('definition_key', key);
    if ($('overdue').checked) p.set('overdue', 'true');
    if (cursor) p.set('cursor', cursor);
    return p.toString();
}

async function act(path, body) {
    $('problem').replaceChildren();
    try {
        return await api(path, { method: 'POST', body: body ?? {} });
    } catch (e) {
        renderProblem($('problem'), e);
        return null;
    }
}

function row(t) {
    const tr = document.createElement('tr');
    const link = document.createElement('a');
    link.href = `/office/instance.html?id=${encodeURIComponent(t.instance_id)}`;
    link.textContent = t.business_key || `#${t.instance_id}`;
    cell(tr, link);
    cell(tr, t.name);
    cell(tr, t.definition_key);
    const due = cell(tr, t.due_at ? formatDateTime(t.due_at) : '—', t.overdue ? 'wf-overdue' : '');
    if (t.overdue) {
        const b = document.createElement('span');
        b.className = 'wf-badge';
        b.textContent = 'Quá hạn';
        due.append(' ', b);
    }
    cell(tr, t.assignee || 'Chưa nhận');
    const actions = document.createElement('div');
    actions.className = 'wf-actions';
    if (!t.assignee) actions.append(button('Nhận', async () => (await act(`/api/v1/tasks/${t.id}/claim`)) && reload()));
    else actions.append(button('Trả về nhóm', async () => (await act(`/api/v1/tasks/${t.id}/unclaim`)) && reload()));
    actions.append(button('Xử lý', () => open(t)));
    cell(tr, actions);
    return tr;
}

function open(t) {
    current = t;
    $('work').hidden = false;
    $('work-desc').textContent = `${t.name} — hồ sơ ${t.business_key || t.instance_id}`;
    $('work-h').focus?.();
    $('work').scrollIntoView({ behavior: 'smooth' });
}

async function load(append) {
    $('problem').replaceChildren();
    try {
        const r = await api(`/api/v1/tasks?${query()}`);
        if (!append) $('rows').replaceChildren();
        for (const t of r.items) $('rows').append(row(t));
        cursor = r.next_cursor;
        $('more').hidden = !cursor;
        $('count').textContent = `${$('rows').children.length} công việc`;
    } catch (e) {
        $('count').textContent = '';
        renderProblem($('problem'), e);
    }
}

function reload() {
    cursor = null;
    return load(false);
}

$('filter').addEventListener('submit', (ev) => {
    ev.preventDefault();
    reload();
});
$('more').addEventListener('click', () => load(true));
$('close').addEventListener('click', () => {
    $('work').hidden = true;
    current = null;
});
$('complete').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!current) return;
    let vars = {};
    const raw = $('vars').value.trim();
    if (raw) {
        try {
            vars = JSON.parse(raw);
        } catch {
            renderProblem($('problem'), new Error('Biến quy trình không phải JSON hợp lệ'));
            return;
        }
    }
    vars.approved = new FormData($('complete')).get('approved') === 'true';
    if (await act(`/api/v1/tasks/${current.id}/complete`, { variables: vars })) {
        $('work').hidden = true;
        reload();
    }
});
$('return').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (current && (await act(`/api/v1/tasks/${current.id}/return`, { reason: $('reason').value }))) {
        $('work').hidden = true;
        reload();
    }
});
$('delegate').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (current && (await act(`/api/v1/tasks/${current.id}/delegate`, { assignee: $('assignee').value.trim() }))) {
        $('work').hidden = true;
        reload();
    }
});

boot().then(reload);
