// Instance page: state, history and the BPMN diagram rendered by bpmn-js (vendored viewer,
// window.BpmnJS) with active elements and completed elements highlighted.
import { api, renderProblem, formatDateTime, boot } from '/lib/egov.js';
import { renderDiagram } from '/office/instance-diagram.js';

const $ = (id) => document.getElementById(id);
const STATES = { active: 'Đang xử lý', completed: 'Hoàn thành', terminated: 'Đã chấm dứt' };

function meta(dl, label, value) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value ?? '—';
    dl.append(dt, dd);
}

async function main() {
    await boot();
    const id = new URLSearchParams(location.search).get('id');
    if (!id) {
        renderProblem($('problem'), new Error('Thiếu mã hồ sơ quy trình (?id=)'));
        return;
    }
    try {
        const inst = await api(`/api/v1/workflow/instances/${encodeURIComponent(id)}`);
        $('title').textContent = inst.business_key || `#${inst.id}`;
        const dl = $('meta');
        meta(dl, 'Quy trình', `${inst.definition_key} (phiên bản ${inst.version})`);
        meta(dl, 'Cơ quan', inst.agency_code);
        meta(dl, 'Trạng thái', STATES[inst.state] || inst.state);
        meta(dl, 'Bắt đầu', formatDateTime(inst.started_at));
        meta(dl, 'Hạn', inst.due_at ? formatDateTime(inst.due_at) + (inst.overdue ? ' (quá hạn)' : '') : '—');
        meta(dl, 'Kết thúc', inst.ended_at ? formatDateTime(inst.ended_at) : '—');
        for (const h of inst.history) {
            const tr = document.createElement('tr');
            for (const v of [h.element_id, h.type, formatDateTime(h.started_at),
                h.ended_at ? formatDateTime(h.ended_at) : 'đang xử lý', h.by || '', h.detail || '']) {
                const td = document.createElement('td');
                td.textContent = v;
                tr.append(td);
            }
            $('history').append(tr);
        }
        const done = inst.history.filter((h) => h.ended_at).map((h) => h.element_id);
        const def = await api(`/api/v1/workflow/definitions/${encodeURIComponent(inst.definition_key)}?version=${inst.version}`);
        await renderDiagram($('diagram'), def.xml, inst.active_elements, done);
        document.body.dataset.diagram = 'ready';
    } catch (e) {
        renderProblem($('problem'), e);
    }
}

main();
