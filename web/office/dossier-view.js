// Shared dossier rendering for the citizen portal and the office pages: status badge,
// timeline (every transition, as the applicant sees it), components and small DOM helpers.
import { formatDateTime } from '/lib/egov.js';

export const STATUS = {
    1: 'Mới đăng ký', 2: 'Được tiếp nhận', 3: 'Không được tiếp nhận', 4: 'Đang xử lý',
    5: 'Yêu cầu bổ sung giấy tờ', 6: 'Yêu cầu thực hiện nghĩa vụ tài chính',
    7: 'Công dân yêu cầu rút hồ sơ', 8: 'Dừng xử lý', 9: 'Đã xử lý xong', 10: 'Đã trả kết quả',
};
export const CHANNEL = { 1: 'Trực tiếp', 2: 'Trực tuyến', 3: 'Bưu chính công ích' };

export function el(tag, attrs = {}, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'text') n.textContent = v;
        else if (k === 'class') n.className = v;
        else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
        else n.setAttribute(k, v === true ? '' : v);
    }
    for (const c of kids) if (c !== null && c !== undefined) n.append(c);
    return n;
}

export function fmt(v) {
    return v ? formatDateTime(v) : '—';
}

/* A definition list with the dossier's main facts. */
export function facts(d) {
    const dl = el('dl', { class: 'dossier-facts' });
    const add = (k, v) => dl.append(el('dt', { text: k }), el('dd', { text: v ?? '—' }));
    add('Mã hồ sơ', d.code);
    add('Thủ tục', d.procedure_name);
    add('Trạng thái', `${d.status}. ${STATUS[d.status] || ''}`);
    add('Kênh nộp', CHANNEL[d.channel]);
    add('Cơ quan tiếp nhận', d.agency_code);
    add('Cơ quan giải quyết', d.handling_agency_code);
    add('Ngày nộp', fmt(d.submitted_at));
    add('Ngày tiếp nhận', fmt(d.received_at));
    add('Ngày hẹn trả', fmt(d.new_due_at || d.due_at));
    if (d.applicant) add('Người nộp', d.applicant.name);
    if (d.reason) add('Lý do / ghi chú', d.reason);
    return dl;
}

export function timeline(items) {
    const ol = el('ol', { class: 'timeline', 'aria-label': 'Tiến trình xử lý' });
    for (const e of items || []) {
        ol.append(el('li', { 'data-status': String(e.status) },
            el('time', { datetime: e.at, text: fmt(e.at) }), ' — ',
            el('strong', { text: e.status_name }),
            e.note ? el('span', { text: ` (${e.note})` }) : null));
    }
    return ol;
}

export function components(list) {
    const ul = el('ul', { class: 'components' });
    for (const c of list || []) {
        const li = el('li', { text: `${c.code} — ${c.name}: ` });
        for (const id of c.file_ids || []) li.append(el('a', { href: `/api/v1/files/${id}`, text: 'tệp' }), ' ');
        if (c.form) li.append(el('span', { text: '(tờ khai điện tử)' }));
        ul.append(li);
    }
    return ul;
}
