// Public lookup by dossier code: status and timeline from GET /api/v1/public/dossiers/{code}
// (the API returns no personal data).
import { api, renderProblem, boot } from '/lib/egov.js';
import { el, facts, timeline } from '/office/dossier-view.js';

boot().then(async () => {
    const code = (new URLSearchParams(location.search).get('code') || '').trim();
    if (!code) return;
    const out = document.getElementById('result');
    try {
        const r = await api(`/api/v1/public/dossiers?code=${encodeURIComponent(code)}`);
        const d = r.items[0];
        if (!d) {
            out.replaceChildren(el('p', { class: 'notice', role: 'status', text: `Không tìm thấy hồ sơ có mã ${code}.` }));
            return;
        }
        out.replaceChildren(facts(d), el('h2', { text: 'Tiến trình' }), timeline(d.timeline));
    } catch (e) {
        renderProblem(document.getElementById('problem'), e);
    }
});
