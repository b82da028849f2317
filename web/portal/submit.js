// Citizen online submission: find a procedure, fill the e-form (applicant pre-filled from the
// signed-in profile), attach each paper by uploading it or choosing it from the electronic
// data store (no second upload), submit on channel 2 with an Idempotency-Key (a double click
// or a retry never creates two dossiers), then show the code and links.
import { api, renderProblem, boot } from '/lib/egov.js';
import { el } from '/office/dossier-view.js';

const $ = (id) => document.getElementById(id);
const idem = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
let proc = null;
let store = [];
let profile = {};
/* e-form keys pre-filled from the signed-in profile */
const PREFILL = {
    ho_ten: 'name', ho_ten_nguoi_yeu_cau: 'name', nguoi_yeu_cau: 'name', so_dinh_danh: 'citizen_id',
    so_cccd: 'citizen_id', ma_so_thue: 'tax_code', email: 'email', dien_thoai: 'phone', so_dien_thoai: 'phone',
};

async function search(ev) {
    ev?.preventDefault();
    try {
        const r = await api(`/api/v1/procedures?q=${encodeURIComponent($('q').value.trim())}&limit=20`);
        $('results').replaceChildren(...r.items.filter((p) => p.online !== 'none').map((p) =>
            el('li', {}, el('a', { href: `/portal/submit.html?procedure=${encodeURIComponent(p.code)}`, text: p.name }),
                el('span', { class: 'hint', text: ` (${p.code})` }))));
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

function formFields(c) {
    const box = el('div', { class: 'eform', 'data-form': c.code });
    const props = c.form?.properties || {};
    const req = new Set(c.form?.required || []);
    for (const [k, s] of Object.entries(props)) {
        const id = `f-${c.code}-${k}`;
        let input;
        if (s.enum) input = el('select', { id, 'data-key': k }, el('option', { value: '', text: '—' }), ...s.enum.map((v) => el('option', { value: v, text: v })));
        else input = el('input', { id, 'data-key': k, type: s.format === 'date' ? 'date' : 'text', maxlength: s.maxLength || 300 });
        if (PREFILL[k] && profile[PREFILL[k]]) input.value = profile[PREFILL[k]];
        box.append(el('div', { class: 'form-row' }, el('label', { for: id, text: `${s.title || k}${req.has(k) ? ' *' : ''}` }), input));
    }
    return box;
}

async function open(code) {
    try {
        proc = await api(`/api/v1/procedures/${encodeURIComponent(code)}`);
    } catch (e) {
        renderProblem($('problem'), e);
        return;
    }
    $('find').hidden = true;
    $('dossier').hidden = false;
    $('proc-name').textContent = proc.name;
    $('proc-info').textContent = `${proc.code} · thời hạn ${proc.processing_days ?? '?'} ngày làm việc`;
    try {
        const me = await api('/api/v1/me');
        profile = me;
        $('name').value = me.name || '';
        $('pid').value = me.citizen_id || me.tax_code || '';
        if (me.email) $('email').value = me.email;
        if (me.phone) $('phone').value = me.phone;
    } catch { /* not signed in: the submit will say so */ }
    try {
        store = (await api('/api/v1/me/datastore')).items.filter((x) => x.kind === 'paper' || x.kind === 'result');
    } catch { store = []; }
    const box = $('components');
    box.replaceChildren();
    for (const c of proc.components || []) {
        const fid = `file-${c.code}`;
        const sid = `store-${c.code}`;
        const row = el('div', { class: 'form-row component', 'data-component': c.code },
            el('label', { for: fid, text: `${c.name}${c.required ? ' (bắt buộc)' : ''}` }),
            el('input', { type: 'file', id: fid, accept: '.pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png' }));
        const mine = store.filter((x) => x.component === c.code).concat(store.filter((x) => x.component !== c.code));
        if (mine.length) {
            row.append(el('label', { for: sid, text: 'hoặc chọn từ Kho dữ liệu điện tử' }),
                el('select', { id: sid }, el('option', { value: '', text: '— không dùng —' }),
                    ...mine.map((x) => el('option', { value: x.file_id, selected: x.component === c.code && mine[0] === x, text: `${x.name} (${x.dossier_code})` }))));
        }
        if (c.form) row.append(formFields(c));
        box.append(row);
    }
}

async function submit(ev) {
    ev.preventDefault();
    $('problem').hidden = true;
    $('send').disabled = true;
    try {
        const components = [];
        for (const row of $('components').querySelectorAll('.component')) {
            const code = row.dataset.component;
            const file = row.querySelector('input[type=file]');
            const pick = row.querySelector('select[id^=store-]');
            const ids = [];
            if (file.files.length) {
                const fd = new FormData();
                fd.append('file', file.files[0]);
                ids.push((await api('/api/v1/files', { body: fd })).id);
            } else if (pick && pick.value) {
                ids.push(pick.value);
            }
            const entry = { code, file_ids: ids };
            const form = row.querySelector('.eform');
            if (form) {
                const data = {};
                for (const i of form.querySelectorAll('[data-key]')) if (i.value) data[i.dataset.key] = i.value;
                if (Object.keys(data).length) entry.form = data;
            }
            if (ids.length || entry.form) components.push(entry);
        }
        const applicant = {};
        for (const k of ['phone', 'email', 'address']) if ($(k).value.trim()) applicant[k] = $(k).value.trim();
        const d = await api('/api/v1/dossiers', {
            headers: { 'Idempotency-Key': idem },
            body: { procedure_code: proc.code, channel: 2, applicant, components },
        });
        $('dossier').hidden = true;
        $('done').hidden = false;
        $('done').replaceChildren(el('p', {}, 'Đã nộp hồ sơ. Mã hồ sơ: ', el('strong', { id: 'dossier-code', text: d.code })),
            el('p', {}, el('a', { href: `/portal/my.html?code=${encodeURIComponent(d.code)}`, text: 'Theo dõi hồ sơ' }), ' · ',
                el('a', { href: `/api/v1/dossiers/${encodeURIComponent(d.code)}/forms/receipt.pdf`, text: 'Giấy tiếp nhận (PDF)' })));
    } catch (e) {
        renderProblem($('problem'), e);
    } finally {
        $('send').disabled = false;
    }
}

$('search').addEventListener('submit', search);
$('dossier').addEventListener('submit', submit);
boot().then(() => {
    const p = new URLSearchParams(location.search).get('procedure');
    if (p) open(p);
});
