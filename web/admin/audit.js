// Audit log page: filtered search over GET /api/v1/audit/events with cursor paging, and the
// chain check GET /api/v1/audit/verify. Agency administrators must fill in their agency code.
import { api, renderProblem, formatDateTime } from '/lib/egov.js';

const $ = (id) => document.getElementById(id);
const FIELDS = ['actor', 'action', 'object_type', 'object_id', 'agency', 'from', 'to'];
let cursor = null;
let shown = 0;

function row(e) {
    const tr = document.createElement('tr');
    const cells = [String(e.id), formatDateTime(e.ts), e.actor, e.action,
        [e.object_type, e.object_id].filter(Boolean).join(' '), e.agency || '',
        e.detail ? JSON.stringify(e.detail) : ''];
    for (const v of cells) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
    }
    tr.lastChild.className = 'detail';
    return tr;
}

async function load(append) {
    const p = new URLSearchParams();
    for (const f of FIELDS) if ($(f).value.trim()) p.set(f, $(f).value.trim());
    if (append && cursor) p.set('cursor', cursor);
    $('problem').textContent = '';
    try {
        const r = await api(`/api/v1/audit/events?${p}`);
        if (!append) {
            $('rows').replaceChildren();
            shown = 0;
        }
        r.items.forEach((e) => $('rows').append(row(e)));
        shown += r.items.length;
        cursor = r.next_cursor;
        $('more').hidden = !cursor;
        $('count').textContent = shown ? `${shown} bản ghi, mới nhất trước` : 'Không có bản ghi nào phù hợp.';
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

$('filter').addEventListener('submit', (ev) => {
    ev.preventDefault();
    load(false);
});
$('more').addEventListener('click', () => load(true));
$('verify').addEventListener('click', async () => {
    $('verify-result').textContent = 'Đang kiểm tra…';
    try {
        const r = await api('/api/v1/audit/verify');
        $('verify-result').textContent = r.ok
            ? `Chuỗi nhật ký toàn vẹn: ${r.records} bản ghi, các điểm kiểm tra có chữ ký hợp lệ.`
            : `CẢNH BÁO: chuỗi nhật ký bị thay đổi – ${r.problem}`;
    } catch (e) {
        $('verify-result').textContent = '';
        renderProblem($('problem'), e);
    }
});
load(false);
