// One-stop desk: enter an in-person/postal dossier (uploads each paper, submits on channel 1
// or 3, links the receipt Mẫu 01), accept or refuse online dossiers (status 1), return
// results (status 9), and the agency's overdue list.
import { api, renderProblem, boot } from '/lib/egov.js';
import { el, fmt } from '/office/dossier-view.js';

const $ = (id) => document.getElementById(id);
let procedure = null;

async function loadProcedure() {
    const code = $('procedure').value.trim();
    procedure = null;
    $('comps').replaceChildren();
    if (!code) return;
    try {
        procedure = await api(`/api/v1/procedures/${encodeURIComponent(code)}`);
    } catch (e) {
        renderProblem($('problem'), e);
        return;
    }
    for (const c of procedure.components || []) {
        const id = `file-${c.code}`;
        $('comps').append(el('div', { class: 'form-row' },
            el('label', { for: id, text: `${c.name}${c.required ? ' (bắt buộc)' : ''}` }),
            el('input', { type: 'file', id, 'data-component': c.code, accept: '.pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png' })));
    }
}

async function receive(ev) {
    ev.preventDefault();
    $('problem').hidden = true;
    try {
        if (!procedure) await loadProcedure();
        const components = [];
        for (const input of $('comps').querySelectorAll('input[type=file]')) {
            if (!input.files.length) continue;
            const fd = new FormData();
            fd.append('file', input.files[0]);
            const f = await api('/api/v1/files', { body: fd });
            components.push({ code: input.dataset.component, file_ids: [f.id] });
        }
        const applicant = { name: $('name').value.trim() };
        if ($('pid').value.trim()) applicant.personal_id = $('pid').value.trim();
        if ($('phone').value.trim()) applicant.phone = $('phone').value.trim();
        const d = await api('/api/v1/dossiers', {
            body: { procedure_code: $('procedure').value.trim(), channel: Number($('channel').value), applicant, components },
        });
        $('received').replaceChildren('Đã tiếp nhận hồ sơ ', el('strong', { id: 'received-code', text: d.code }), '. ',
            el('a', { href: `/api/v1/dossiers/${encodeURIComponent(d.code)}/forms/receipt.pdf`, text: 'In giấy tiếp nhận (Mẫu 01)' }), ' · ',
            el('a', { href: `/office/dossier.html?code=${encodeURIComponent(d.code)}`, text: 'Xem hồ sơ' }));
        await lists();
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

async function action(code, name, body = {}) {
    try {
        await api(`/api/v1/dossiers/${encodeURIComponent(code)}/actions/${name}`, { body });
        await lists();
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

function row(d, when, buttons) {
    return el('tr', { 'data-code': d.code },
        el('td', {}, el('a', { href: `/office/dossier.html?code=${encodeURIComponent(d.code)}`, text: d.code })),
        el('td', { text: d.procedure_name }), el('td', { text: d.applicant_name || '' }), el('td', { text: fmt(when) }),
        el('td', {}, ...buttons));
}

async function lists() {
    try {
        const [n, r, l] = await Promise.all([
            api('/api/v1/dossiers?status=1'), api('/api/v1/dossiers?status=9'), api('/api/v1/dossiers?overdue=1'),
        ]);
        $('new').replaceChildren(...n.items.map((d) => row(d, d.submitted_at, [
            el('button', { type: 'button', class: 'btn', 'data-action': 'accept', text: 'Tiếp nhận', onclick: () => action(d.code, 'accept') }),
            ' ',
            el('button', { type: 'button', class: 'btn btn-secondary', text: 'Từ chối', onclick: () => {
                const reason = prompt('Lý do từ chối');
                if (reason) action(d.code, 'refuse', { reason });
            } }),
        ])));
        $('ready').replaceChildren(...r.items.map((d) => row(d, d.due_at, [
            el('button', { type: 'button', class: 'btn', 'data-action': 'return-result', text: 'Trả kết quả', onclick: () => action(d.code, 'return-result') }),
        ])));
        $('late').replaceChildren(...l.items.map((d) => row(d, d.due_at, [])));
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

$('procedure').addEventListener('change', loadProcedure);
$('receive').addEventListener('submit', receive);
boot().then(lists);
