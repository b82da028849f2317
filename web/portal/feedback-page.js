// Citizen feedback page: file feedback (POST /api/v1/feedback), list my feedback with the
// agency's answer, reopen (within the window) or close with a 1-5 rating, and the public list of
// answered feedback. Every refusal is shown as the server's problem (Vietnamese title/detail).
import { api, renderProblem, formatDateTime, getCookie } from '/lib/egov.js';

const $ = (id) => document.getElementById(id);
const STATES = {
    pending_assignment: 'Chờ phân công',
    assigned: 'Đang xử lý',
    resolved: 'Đã trả lời',
    rejected: 'Từ chối',
    closed: 'Đã đóng',
};

function el(tag, text, cls) {
    const n = document.createElement(tag);
    if (text !== undefined && text !== null) n.textContent = text;
    if (cls) n.className = cls;
    return n;
}

function actionForm(item, action, fields, label) {
    const f = el('form');
    f.setAttribute('aria-label', `${label} phản ánh số ${item.id}`);
    for (const [name, text, type] of fields) {
        const id = `${action}-${name}-${item.id}`;
        const l = el('label', text);
        l.htmlFor = id;
        const input = type === 'rating' ? el('select') : el('input');
        if (type === 'rating') {
            for (let i = 5; i >= 1; i--) {
                const o = el('option', `${i} sao`);
                o.value = String(i);
                input.append(o);
            }
        }
        input.id = id;
        input.name = name;
        f.append(l, input);
    }
    const b = el('button', label);
    b.type = 'submit';
    const msg = el('div');
    msg.setAttribute('role', 'alert');
    f.append(b, msg);
    f.addEventListener('submit', async (e) => {
        e.preventDefault();
        const body = {};
        for (const [name, , type] of fields) {
            const v = f.elements[name].value;
            body[name] = type === 'rating' ? Number(v) : v;
        }
        try {
            await api(`/api/v1/feedback/${item.id}/actions/${action}`, { body });
            await loadMine();
        } catch (err) {
            renderProblem(msg, err);
        }
    });
    return f;
}

function renderItem(item, mine) {
    const li = el('li');
    li.append(el('h3', item.title));
    li.append(el('p', `${item.object_type === 'dossier' ? 'Hồ sơ' : 'Thủ tục'} ${item.object_code} · Cơ quan ${item.agency_code}`));
    if (mine) {
        li.append(el('p', `Trạng thái: ${STATES[item.state] || item.state}${item.overdue ? ' (quá hạn trả lời)' : ''} · Hạn trả lời: ${formatDateTime(item.due_at)}`));
    }
    li.append(el('p', item.content));
    if (item.answer) li.append(el('p', `Trả lời: ${item.answer}`, 'answer'));
    if (item.reject_reason) li.append(el('p', `Lý do từ chối: ${item.reject_reason}`, 'answer'));
    if (item.rating) li.append(el('p', `Đánh giá: ${item.rating}/5`));
    if (mine && (item.state === 'resolved' || item.state === 'rejected')) {
        li.append(actionForm(item, 'close', [['rating', 'Mức hài lòng', 'rating'], ['comment', 'Nhận xét', 'text']], 'Đóng và đánh giá'));
        li.append(actionForm(item, 'reopen', [['reason', 'Lý do mở lại', 'text']], 'Mở lại'));
    }
    return li;
}

function signedOut() {
    $('signin').hidden = false;
    $('fb-form').hidden = true;
}

async function loadMine() {
    // Without a session (no egov_csrf cookie) there is nothing to list: say how to sign in
    // instead of asking the server for a 401.
    if (!getCookie('egov_csrf')) {
        signedOut();
        return;
    }
    try {
        const r = await api('/api/v1/feedback');
        $('mine').replaceChildren(...r.items.map((i) => renderItem(i, true)));
        if (!r.items.length) $('mine').replaceChildren(el('li', 'Bạn chưa gửi phản ánh nào.'));
    } catch (err) {
        if (err.status === 401) {
            signedOut();
        } else {
            renderProblem($('mine-problem'), err);
        }
    }
}

async function loadPublic() {
    try {
        const r = await api('/api/v1/public/feedback?limit=20');
        $('public').replaceChildren(...r.items.map((i) => renderItem(i, false)));
        if (!r.items.length) $('public').replaceChildren(el('li', 'Chưa có phản ánh được công khai.'));
    } catch (err) {
        renderProblem($('public'), err);
    }
}

$('fb-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    const body = {
        object_type: f.object_type.value,
        object_code: f.object_code.value.trim(),
        title: f.title.value,
        content: f.content.value,
        allow_publish: f.allow_publish.checked,
    };
    if (f.agency_code.value.trim()) body.agency_code = f.agency_code.value.trim();
    try {
        const r = await api('/api/v1/feedback', { body });
        $('form-msg').textContent = `Đã gửi phản ánh số ${r.id}. Hạn trả lời: ${formatDateTime(r.due_at)}.`;
        f.reset();
        await loadMine();
    } catch (err) {
        renderProblem($('form-msg'), err);
    }
});

loadMine();
loadPublic();
