// Admin: deploy BPMN files (POST /api/v1/workflow/definitions, XML body; a 422 names the
// element and line), list deployed definitions with their diagrams, and service-task incidents
// with a retry button.
import { api, renderProblem, formatDateTime, boot } from '/lib/egov.js';
import { renderDiagram } from '/office/instance-diagram.js';

const $ = (id) => document.getElementById(id);
let viewer = null;

function td(tr, v) {
    const c = document.createElement('td');
    if (v instanceof Node) c.append(v);
    else c.textContent = v ?? '';
    tr.append(c);
}

async function show(key) {
    const def = await api(`/api/v1/workflow/definitions/${encodeURIComponent(key)}`);
    $('view').hidden = false;
    $('view-key').textContent = `${def.key} v${def.version}`;
    viewer?.destroy();
    $('diagram').replaceChildren();
    viewer = await renderDiagram($('diagram'), def.xml);
}

async function list() {
    const r = await api('/api/v1/workflow/definitions');
    $('defs').replaceChildren();
    for (const d of r.items) {
        const tr = document.createElement('tr');
        td(tr, d.key);
        td(tr, d.name);
        td(tr, String(d.version));
        td(tr, formatDateTime(d.deployed_at));
        td(tr, String(d.active_instances));
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = 'Xem';
        b.addEventListener('click', () => show(d.key).catch((e) => renderProblem($('problem'), e)));
        td(tr, b);
        $('defs').append(tr);
    }
    const inc = await api('/api/v1/workflow/incidents');
    $('incidents').replaceChildren();
    for (const j of inc.items) {
        const tr = document.createElement('tr');
        td(tr, j.business_key || `#${j.instance_id}`);
        td(tr, j.element_id);
        td(tr, j.handler);
        td(tr, String(j.attempts));
        td(tr, j.last_error);
        if (j.state === 'incident') {
            const b = document.createElement('button');
            b.type = 'button';
            b.textContent = 'Chạy lại';
            b.addEventListener('click', async () => {
                try {
                    await api(`/api/v1/workflow/incidents/${j.id}/retry`, { method: 'POST', body: {} });
                    await list();
                } catch (e) {
                    renderProblem($('problem'), e);
                }
            });
            td(tr, b);
        } else td(tr, 'đang thử lại');
        $('incidents').append(tr);
    }
}

$('deploy').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('problem').replaceChildren();
    $('result').textContent = '';
    const f = $('file').files[0];
    if (!f) return;
    try {
        const r = await api('/api/v1/workflow/definitions', {
            method: 'POST', body: await f.text(), headers: { 'Content-Type': 'application/xml' },
        });
        $('result').textContent = `Đã triển khai ${r.key}, phiên bản ${r.version}.`;
        await list();
    } catch (e) {
        renderProblem($('problem'), e);
    }
});

boot().then(() => list().catch((e) => renderProblem($('problem'), e)));
