/*
 * identity-users.js - admin page for accounts and role assignments (web/admin/users.html):
 * GET /api/v1/users?agency=, GET /api/v1/roles, POST /api/v1/users/{id}/roles,
 * DELETE /api/v1/users/{id}/roles/{role}?agency_code=. The server decides what the signed-in
 * admin may see and change (403 problems are shown as they come).
 */
import { api, renderProblem, boot } from '/lib/egov.js';

const $ = (sel) => document.querySelector(sel);

function showProblem(err) {
    const el = $('#problem');
    el.hidden = false;
    renderProblem(el, err);
}

function cell(tr, text) {
    const td = document.createElement('td');
    td.textContent = text ?? '—';
    tr.append(td);
}

async function loadUsers() {
    $('#problem').hidden = true;
    const agency = $('#agency').value.trim();
    const q = agency ? `?agency=${encodeURIComponent(agency)}` : '';
    try {
        const res = await api(`/api/v1/users${q}`);
        const body = $('#users tbody');
        body.replaceChildren();
        const sel = $('#grant-user');
        sel.replaceChildren();
        for (const u of res.items) {
            const tr = document.createElement('tr');
            cell(tr, u.username);
            cell(tr, u.name);
            cell(tr, u.kind);
            cell(tr, u.agency_code);
            cell(tr, u.roles.map((g) => (g.agency_code ? `${g.role}@${g.agency_code}` : g.role)).join(', '));
            cell(tr, u.status === 'active' ? 'Hoạt động' : 'Đã khoá');
            body.append(tr);
            const opt = document.createElement('option');
            opt.value = u.id;
            opt.textContent = `${u.username} – ${u.name}`;
            sel.append(opt);
        }
    } catch (err) {
        showProblem(err);
    }
}

async function loadRoles() {
    try {
        const res = await api('/api/v1/roles');
        const sel = $('#grant-role');
        for (const r of res.items) {
            const opt = document.createElement('option');
            opt.value = r.name;
            opt.textContent = `${r.title_vi} (${r.name})`;
            sel.append(opt);
        }
    } catch (err) {
        showProblem(err);
    }
}

async function grant(remove) {
    const user = $('#grant-user').value;
    const role = $('#grant-role').value;
    const agency = $('#grant-agency').value.trim() || null;
    const out = $('#grant-result');
    out.textContent = '';
    try {
        if (remove) {
            const q = agency ? `?agency_code=${encodeURIComponent(agency)}` : '';
            await api(`/api/v1/users/${encodeURIComponent(user)}/roles/${encodeURIComponent(role)}${q}`, { method: 'DELETE' });
            out.textContent = 'Đã thu hồi vai trò.';
        } else {
            await api(`/api/v1/users/${encodeURIComponent(user)}/roles`, {
                body: { role, agency_code: agency, include_subunits: $('#grant-sub').checked },
            });
            out.textContent = 'Đã cấp vai trò.';
        }
        await loadUsers();
    } catch (err) {
        showProblem(err);
    }
}

boot();
$('#filter').addEventListener('submit', (e) => {
    e.preventDefault();
    loadUsers();
});
$('#grant').addEventListener('submit', (e) => {
    e.preventDefault();
    grant(false);
});
$('#grant-remove').addEventListener('click', () => grant(true));
api('/api/v1/me')
    .then((me) => {
        if (me.agency_code && !me.roles.includes('admin')) $('#agency').value = me.agency_code;
        return Promise.all([loadRoles(), loadUsers()]);
    })
    .catch((err) => {
        if (err.status === 401) location.href = `/login?return=${encodeURIComponent(location.pathname)}`;
        else showProblem(err);
    });
