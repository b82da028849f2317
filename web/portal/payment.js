// Where the payment gateway sends the payer back (?id=<payment id>): the payment's state, the
// receipt (biên lai) once paid, and the way back to the dossier it belongs to.
import { api, renderProblem, boot } from '/lib/egov.js';

const $ = (id) => document.getElementById(id);
const STATE = { pending: 'Đang chờ thanh toán', paid: 'Đã thanh toán', failed: 'Không thành công', cancelled: 'Đã huỷ', refunded: 'Đã hoàn tiền' };

function row(term, value) {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    return [dt, dd];
}

function link(href, text) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    return a;
}

async function show() {
    const id = new URLSearchParams(location.search).get('id');
    if (!id) return;
    try {
        const p = await api(`/api/v1/payment/${encodeURIComponent(id)}`);
        $('facts').replaceChildren(
            ...row('Nội dung', p.description),
            ...row('Số tiền', `${Number(p.amount_vnd).toLocaleString('vi-VN')} đồng`),
            ...row('Trạng thái', STATE[p.state] || p.state));
        const links = [];
        if (p.state === 'paid') links.push(link(`/api/v1/payment/${p.id}/receipt.pdf`, 'Tải biên lai (PDF)'), ' · ');
        if (p.ref_type === 'dossier') links.push(link(`/portal/my.html?code=${encodeURIComponent(p.ref_id)}`, `Xem hồ sơ ${p.ref_id}`));
        $('links').replaceChildren(...links);
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

boot().then(show);
