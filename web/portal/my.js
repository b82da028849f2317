// The citizen's dossiers (?code= opens one: facts, timeline, pay the fee in 6, withdraw, rating
// after 10) and
// the electronic data store (results and reusable papers) with download links.
import { api, renderProblem, boot } from '/lib/egov.js';
import { el, facts, timeline, fmt, STATUS } from '/office/dossier-view.js';

const $ = (id) => document.getElementById(id);
const code = new URLSearchParams(location.search).get('code');

async function one() {
    if (!code) return;
    $('one').hidden = false;
    $('code').textContent = code;
    try {
        const d = await api(`/api/v1/dossiers/${encodeURIComponent(code)}`);
        const kids = [facts(d), el('h3', { text: 'Tiến trình' }), timeline(d.timeline)];
        if (d.result_file_id) kids.push(el('p', {}, el('a', { id: 'result-link', href: `/api/v1/files/${d.result_file_id}`, text: 'Tải kết quả điện tử (XML có chữ ký số)' })));
        $('detail').replaceChildren(...kids);
        const acts = [];
        if (d.status === 6) acts.push(payButton(d));
        if ([1, 2, 4, 5, 6].includes(d.status))
            acts.push(el('button', { type: 'button', class: 'btn btn-secondary', text: 'Rút hồ sơ', onclick: async () => {
                try {
                    await api(`/api/v1/dossiers/${encodeURIComponent(code)}/actions/withdraw`, { body: { reason: 'Công dân rút hồ sơ' } });
                    await one();
                } catch (e) { renderProblem($('problem'), e); }
            } }));
        $('owner-actions').replaceChildren(...acts);
        $('rate').hidden = !(d.status === 10 && !d.rating);
        if (d.rating) $('rated').textContent = `Bạn đã đánh giá ${d.rating}/5.`;
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

// Status 6 (financial obligation): "Nộp phí" goes to the payment gateway's page; when the
// last payment failed or was cancelled, it first asks for a new payment.
function payButton(d) {
    const p = d.payment;
    const amount = p ? ` (${Number(p.amount_vnd).toLocaleString('vi-VN')} đồng)` : '';
    if (p && p.pay_url)
        return el('a', { id: 'pay-fee', class: 'btn', href: p.pay_url, text: `Nộp phí${amount}` });
    return el('button', { id: 'pay-fee', type: 'button', class: 'btn', text: `Nộp phí${amount}`, onclick: async () => {
        try {
            const r = await api(`/api/v1/dossiers/${encodeURIComponent(code)}/actions/pay`, { body: {} });
            if (r.payment && r.payment.pay_url) location.assign(r.payment.pay_url);
            else await one();
        } catch (e) { renderProblem($('problem'), e); }
    } });
}

async function rate(ev) {
    ev.preventDefault();
    try {
        await api(`/api/v1/dossiers/${encodeURIComponent(code)}/rating`, {
            body: { score: Number($('score').value), comment: $('comment').value.trim() || undefined },
        });
        $('rate').hidden = true;
        $('rated').textContent = 'Cảm ơn bạn đã đánh giá.';
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

async function lists() {
    try {
        const l = await api('/api/v1/dossiers');
        $('list').replaceChildren(...l.items.map((d) => el('tr', {},
            el('td', {}, el('a', { href: `/portal/my.html?code=${encodeURIComponent(d.code)}`, text: d.code })),
            el('td', { text: d.procedure_name }), el('td', { text: STATUS[d.status] }), el('td', { text: fmt(d.due_at) }))));
        const s = await api('/api/v1/me/datastore');
        $('store').replaceChildren(...s.items.map((x) => el('li', { 'data-kind': x.kind },
            el('a', { href: `/api/v1/files/${x.file_id}`, text: x.name }),
            el('span', { class: 'hint', text: ` — ${x.kind === 'result' ? 'kết quả' : 'giấy tờ'}, hồ sơ ${x.dossier_code}` }))));
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

$('rate').addEventListener('submit', rate);
boot().then(() => Promise.all([one(), lists()]));
