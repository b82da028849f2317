/*
 * eams.js - admin page of the architecture register: BRM, ARM and applications as tables,
 * the application × application matrix, and the source's inconsistencies.
 */
import { api, boot, renderProblem } from '/lib/egov.js';
import { el, fillTable } from '/portal/catalog-ui.js';

function count(kind, n) {
    const s = document.querySelector(`[data-count="${kind}"]`);
    if (s) s.textContent = `(${n})`;
}

async function main() {
    await boot();
    try {
        const [brm, arm, apps, matrix, issues] = await Promise.all([
            api('/api/v1/eams/brm'), api('/api/v1/eams/arm'), api('/api/v1/eams/applications'),
            api('/api/v1/eams/matrix'), api('/api/v1/eams/issues'),
        ]);
        fillTable(document.getElementById('brm-table'), [
            { label: 'STT', value: 'stt' }, { label: 'Lĩnh vực', value: 'domain_name_vi' },
            { label: 'Nhóm', value: (r) => `${r.group_code} ${r.group_name_vi}` },
            { label: 'Mã', value: 'type_code' }, { label: 'Loại nghiệp vụ', value: 'type_name_vi' },
            { label: 'Đơn vị', value: 'unit_vi' }, { label: 'Ghi chú', value: 'note' }], brm.items);
        count('brm', brm.items.length);
        fillTable(document.getElementById('arm-table'), [
            { label: 'Nhóm', value: (r) => `${r.group_code} ${r.group_name_vi}` },
            { label: 'Mã', value: 'service_code' }, { label: 'Dịch vụ', value: 'service_name_vi' },
            { label: 'Ghi chú', value: 'note' }], arm.items);
        count('arm', arm.items.length);
        fillTable(document.getElementById('apps-table'), [
            { label: 'STT', value: 'stt' }, { label: 'Ứng dụng', value: 'name_vi' },
            { label: 'Nhóm ARM', value: 'arm_groups' }], apps.items);
        count('applications', apps.items.length);
        const mt = document.getElementById('matrix-table');
        mt.querySelector('thead').replaceChildren(el('tr', {}, el('td'),
            ...matrix.apps.map((a) => el('th', { scope: 'col', text: a }))));
        mt.querySelector('tbody').replaceChildren(...matrix.apps.map((a, i) => el('tr', {},
            el('th', { scope: 'row', text: a }),
            ...matrix.cells[i].map((c) => el('td', { title: c || '', text: c ? '●' : '' })))));
        fillTable(document.getElementById('issues-table'), [
            { label: 'Bảng', value: 'kind' }, { label: 'Dòng', value: 'row' }, { label: 'Mã', value: 'code' },
            { label: 'Tên', value: 'name' }, { label: 'Ghi chú', value: 'note' }], issues.items);
        count('issues', issues.items.length);
    } catch (e) {
        renderProblem(document.getElementById('eams-error'), e);
    }
}

main();
