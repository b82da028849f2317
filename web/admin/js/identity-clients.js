/*
 * identity-clients.js - admin page for OAuth/OIDC clients (web/admin/clients.html):
 * GET/POST /api/v1/clients, DELETE /api/v1/clients/{id}. A confidential client's secret is
 * shown once, right after registration.
 */
import { api, renderProblem, boot } from '/lib/egov.js';

const $ = (sel) => document.querySelector(sel);
const words = (s) => s.split(/\s+/).filter(Boolean);

function showProblem(err) {
    const el = $('#problem');
    el.hidden = false;
    renderProblem(el, err);
}

async function load() {
    try {
        const res = await api('/api/v1/clients');
        const body = $('#clients tbody');
        body.replaceChildren();
        for (const c of res.items) {
            const tr = document.createElement('tr');
            for (const v of [c.client_id, c.type, c.grants, c.redirect_uris]) {
                const td = document.createElement('td');
                td.textContent = v || '—';
                tr.append(td);
            }
            const td = document.createElement('td');
            const btn = document.createElement('button');
            btn.type = 'button';
            btn.textContent = 'Xoá';
            btn.setAttribute('aria-label', `Xoá ứng dụng ${c.client_id}`);
            btn.addEventListener('click', async () => {
                if (!confirm(`Xoá ứng dụng ${c.client_id}? Mọi mã làm mới của ứng dụng sẽ bị thu hồi.`)) return;
                try {
                    await api(`/api/v1/clients/${encodeURIComponent(c.client_id)}`, { method: 'DELETE' });
                    await load();
                } catch (err) {
                    showProblem(err);
                }
            });
            td.append(btn);
            tr.append(td);
            body.append(tr);
        }
    } catch (err) {
        if (err.status === 401) location.href = `/login?return=${encodeURIComponent(location.pathname)}`;
        else showProblem(err);
    }
}

boot();
$('#new-client').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('#problem').hidden = true;
    const body = {
        client_id: $('#c-id').value.trim(),
        type: $('#c-type').value,
        redirect_uris: words($('#c-uris').value),
        grants: words($('#c-grants').value),
        agency_code: $('#c-agency').value.trim() || null,
    };
    if (!body.grants.length) delete body.grants;
    try {
        const res = await api('/api/v1/clients', { body });
        if (res.client_secret) {
            $('#secret-value').textContent = res.client_secret;
            $('#secret').hidden = false;
        }
        e.target.reset();
        await load();
    } catch (err) {
        showProblem(err);
    }
});
load();
