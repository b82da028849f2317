// Staff view of one dossier (?code=): facts, components, timeline, the processing actions the
// API allows (approve, request-supplement, request-fee, stop, apology, transfer, accept, refuse,
// return-result), the fee and its payment state (status 6) and the forms Mẫu 01-05. Reached from the inbox (tasks.html) by business key.
import { api, renderProblem, boot } from '/lib/egov.js';
import { el, facts, timeline, components } from '/office/dossier-view.js';

const $ = (id) => document.getElementById(id);
const code = new URLSearchParams(location.search).get('code') || '';

const ACTIONS = {
    1: [['accept', 'Tiếp nhận'], ['refuse', 'Từ chối tiếp nhận'], ['transfer', 'Chuyển cơ quan có thẩm quyền']],
    2: [['transfer', 'Chuyển cơ quan có thẩm quyền']],
    4: [['approve', 'Phê duyệt'], ['request-supplement', 'Yêu cầu bổ sung'], ['request-fee', 'Yêu cầu nộp phí'], ['stop', 'Dừng xử lý'], ['apology', 'Phiếu xin lỗi, hẹn lại']],
    5: [['apology', 'Phiếu xin lỗi, hẹn lại']],
    6: [['apology', 'Phiếu xin lỗi, hẹn lại']],
    9: [['return-result', 'Trả kết quả']],
};

async function act(name) {
    const body = {};
    const reason = $('reason').value.trim();
    if (reason) body.reason = reason;
    if (name === 'apology') body.new_due = $('new_due').value;
    if (name === 'transfer') body.agency_code = $('agency').value.trim();
    try {
        await api(`/api/v1/dossiers/${encodeURIComponent(code)}/actions/${name}`, { body });
        $('problem').hidden = true;
        await load();
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

async function load() {
    $('code').textContent = code;
    try {
        const d = await api(`/api/v1/dossiers/${encodeURIComponent(code)}`);
        const PAY = { pending: 'đang chờ thanh toán', paid: 'đã thanh toán', failed: 'không thành công', refunded: 'đã hoàn tiền' };
        const fee = d.payment ? el('p', { id: 'fee', text: `Phí, lệ phí: ${Number(d.payment.amount_vnd).toLocaleString('vi-VN')} đồng – ${PAY[d.payment.state] || d.payment.state}` }) : null;
        $('detail').replaceChildren(facts(d), ...(fee ? [fee] : []), el('h2', { text: 'Thành phần hồ sơ' }), components(d.components),
            el('h2', { text: 'Tiến trình' }), timeline(d.timeline));
        const acts = ACTIONS[d.status] || [];
        $('actions').hidden = acts.length === 0;
        $('buttons').replaceChildren(...acts.map(([n, label]) =>
            el('button', { type: 'button', class: 'btn', 'data-action': n, onclick: () => act(n), text: label })));
        const forms = [['receipt', 'Mẫu 01 – Giấy tiếp nhận và hẹn trả kết quả'], ['supplement', 'Mẫu 02 – Phiếu yêu cầu bổ sung'],
            ['refusal', 'Mẫu 03 – Phiếu từ chối'], ['apology', 'Mẫu 04 – Phiếu xin lỗi và hẹn lại'], ['control', 'Mẫu 05 – Phiếu kiểm soát']];
        $('forms').replaceChildren(...forms.map(([f, label]) =>
            el('li', {}, el('a', { href: `/api/v1/dossiers/${encodeURIComponent(code)}/forms/${f}.pdf`, text: label }))));
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

boot().then(load);
