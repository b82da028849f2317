// Staff feedback page: the agency's feedback (GET /api/v1/feedback, state filter, cursor paging),
// the detail with its timeline, and assign / resolve / reject with If-Match on the version shown.
import { api, renderProblem, formatDateTime } from '/lib/egov.js';

const $ = (id) => document.getElementById(id);
const STATES = {
    pending_assignment: 'Chờ phân công',
    assigned: 'Đang xử lý',
    resolved: 'Đã trả lời',
    rejected: 'Từ chối',
    closed: 'Đã đóng',
};
let cursor = null;
let current = null;

function td(tr, content) {
    const c = document.createElement('td');
    if (content instanceof Node) c.append(content);
    else c.textContent = content ?? '';
    tr.append(c);
}

async function load(append) {
    const p = new URLSearchParams();
    if ($('state').value) p.set('state', $('state').value);
    if (append && cursor) p.set('cursor', cursor);
    try {
        const r = await api(`/api/v1/feedback?${p}`);
        const rows = r.items.map((f) => {
            const tr = document.createElement('tr');
            td(tr, String(f.id));
            td(tr, f.title);
            td(tr, `${f.object_type === 'dossier' ? 'Hồ sơ' : 'Thủ tục'} ${f.object_code}`);
            td(tr, `${STATES[f.state] || f.state}${f.overdue ? ' (quá hạn)' : ''}`);
            td(tr, formatDateTime(f.due_at));
            const b = document.createElement('button');
            b.type = 'button';
            b.textContent = 'Xem';
            b.addEventListener('click', () => show(f.id));
            td(tr, b);
            return tr;
        });
        if (append) $('rows').append(...rows);
        else $('rows').replaceChildren(...rows);
        cursor = r.next_cursor;
        $('more').hidden = !cursor;
        $('count').textContent = `${$('rows').children.length} phản ánh`;
    } catch (err) {
        renderProblem($('problem'), err);
        $('count').textContent = '';
    }
}

async function show(id) {
    try {
        current = await api(`/api/v1/feedback/${id}`);
        const body = $('detail-body');
        body.replaceChildren();
        const add = (label, value) => {
            if (!value) return;
            const p = document.createElement('p');
            p.textContent = `${label}: ${value}`;
            body.append(p);
        };
        add('Tiêu đề', current.title);
        add('Nội dung', current.content);
        add('Người gửi', current.author_name);
        add('Trạng thái', STATES[current.state] || current.state);
        add('Người xử lý', current.assignee);
        add('Trả lời', current.answer);
        add('Lý do từ chối', current.reject_reason);
        add('Đánh giá', current.rating ? `${current.rating}/5 ${current.rating_comment || ''}` : null);
        const ol = document.createElement('ol');
        for (const e of current.timeline) {
            const li = document.createElement('li');
            li.textContent = `${formatDateTime(e.at)} · ${e.actor} · ${e.action}${e.note ? ` · ${e.note}` : ''}`;
            ol.append(li);
        }
        body.append(ol);
        $('detail').hidden = false;
        $('detail-h').focus?.();
    } catch (err) {
        renderProblem($('problem'), err);
    }
}

function bind(form, action, field) {
    $(form).addEventListener('submit', async (e) => {
        e.preventDefault();
        if (!current) return;
        try {
            await api(`/api/v1/feedback/${current.id}/actions/${action}`, {
                body: { [field]: $(form).elements[field].value },
                headers: { 'If-Match': `"v${current.version}"` },
            });
            $(form).reset();
            $('detail-problem').replaceChildren();
            await show(current.id);
            await load(false);
        } catch (err) {
            renderProblem($('detail-problem'), err);
        }
    });
}

bind('assign', 'assign', 'assignee');
bind('resolve', 'resolve', 'answer');
bind('reject', 'reject', 'reason');
$('filter').addEventListener('submit', (e) => {
    e.preventDefault();
    load(false);
});
$('more').addEventListener('click', () => load(true));
load(false);
