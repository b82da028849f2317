/*
 * identity-account.js - "my account" (web/portal/account.html): GET /api/v1/me, TOTP
 * enrolment (POST /api/v1/me/totp, POST /api/v1/me/totp/confirm) and logout (POST /logout
 * sent with fetch so the X-CSRF-Token header accompanies it).
 */
import { api, renderProblem, boot } from '/lib/egov.js';

const $ = (sel) => document.querySelector(sel);
let enrolment = null;

function showProblem(err) {
    const el = $('#problem');
    el.hidden = false;
    renderProblem(el, err);
}

const KIND = { staff: 'Cán bộ, công chức', citizen: 'Công dân', business: 'Doanh nghiệp', system: 'Hệ thống' };

async function load() {
    try {
        const me = await api('/api/v1/me');
        $('#p-name').textContent = me.name ?? '—';
        $('#p-username').textContent = me.username ?? '—';
        $('#p-kind').textContent = KIND[me.kind] ?? me.kind;
        $('#p-agency').textContent = me.agency_code ?? '—';
        $('#p-cid').textContent = me.citizen_id ?? '—';
        $('#p-tax').textContent = me.tax_code ?? '—';
        $('#p-roles').textContent = me.grants.map((g) => (g.agency_code ? `${g.role} (${g.agency_code})` : g.role)).join(', ') || '—';
        $('#p-totp').textContent = me.totp_enrolled ? 'Đã bật' : 'Chưa bật';
    } catch (err) {
        if (err.status === 401) location.href = `/login?return=${encodeURIComponent(location.pathname)}`;
        else showProblem(err);
    }
}

boot();
$('#totp-start').addEventListener('click', async () => {
    try {
        enrolment = await api('/api/v1/me/totp', { method: 'POST', body: {} });
        $('#totp-secret').textContent = enrolment.secret;
        $('#totp-uri').href = enrolment.otpauth_uri;
        $('#totp-confirm').hidden = false;
        $('#totp-code').focus();
    } catch (err) {
        showProblem(err);
    }
});
$('#totp-confirm').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
        await api('/api/v1/me/totp/confirm', { body: { enrolment_id: enrolment.enrolment_id, code: $('#totp-code').value.trim() } });
        $('#totp-result').textContent = 'Đã bật xác thực hai lớp.';
        $('#totp-confirm').hidden = true;
        await load();
    } catch (err) {
        showProblem(err);
    }
});
$('#logout').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
        await api('/logout', { method: 'POST' });
    } catch {
        /* the redirect answer is fine; the session is gone either way */
    }
    location.href = '/';
});
load();
