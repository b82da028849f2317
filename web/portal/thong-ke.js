// Public statistics summary: GET /api/v1/public/stats (anonymous, aggregated, cached by the
// server): this year's totals, online rate against the province's targets, satisfaction,
// the last twelve months as a chart (chart.js from /vendor) and a table per field.
import { api, renderProblem } from '/lib/egov.js';

const $ = (id) => document.getElementById(id);
const nf = new Intl.NumberFormat('vi-VN');
const num = (v) => (v === null || v === undefined ? '–' : nf.format(v));
const pct = (v) => (v === null || v === undefined ? '–' : `${nf.format(v)}%`);
const vnDate = (s) => (s ? `${s.slice(8, 10)}/${s.slice(5, 7)}/${s.slice(0, 4)}` : '');

function card(label, value) {
    const li = document.createElement('li');
    const n = document.createElement('span');
    n.className = 'tk-num';
    n.textContent = value;
    li.append(n, document.createTextNode(label));
    return li;
}

function render(s) {
    $('period').textContent = `Hồ sơ tiếp nhận từ ${vnDate(s.from)} đến ${vnDate(s.to)}.`;
    const t = s.totals;
    $('cards').replaceChildren(
        card('Hồ sơ tiếp nhận', num(t.received)),
        card('Đã giải quyết', num(t.resolved)),
        card('Giải quyết đúng hạn', pct(t.on_time_percent)),
        card('Đang xử lý', num(t.in_progress)),
        card('Hồ sơ trực tuyến', pct(s.online.online_percent)),
        card('Mức độ hài lòng (1-5)', s.satisfaction.average === null ? '–' : `${nf.format(s.satisfaction.average)} (${num(s.satisfaction.count)} đánh giá)`),
    );
    const prov = (s.targets || []).filter((x) => x.level === 'province');
    $('targets').textContent = prov.length
        ? `Chỉ tiêu hồ sơ trực tuyến cấp tỉnh: ${prov.map((x) => `${x.target_percent}% đến năm ${x.deadline_year}`).join(', ')}.`
        : '';
    const rows = s.by_field.map((x) => {
        const tr = document.createElement('tr');
        for (const v of [x.name || x.key || 'Chưa phân loại', num(x.received), num(x.resolved), pct(x.on_time_percent), num(x.in_progress)]) {
            const c = document.createElement('td');
            c.textContent = v;
            tr.append(c);
        }
        return tr;
    });
    $('fields').replaceChildren(...rows);
    $('fields-count').textContent = `${s.by_field.length} lĩnh vực`;
    const Chart = globalThis.Chart;
    if (!Chart) return;
    new Chart($('chart'), {
        type: 'bar',
        data: {
            labels: s.by_month.map((x) => `${x.key.slice(5, 7)}/${x.key.slice(0, 4)}`),
            datasets: [
                { label: 'Tiếp nhận', data: s.by_month.map((x) => x.received), backgroundColor: '#0b3d91' },
                { label: 'Đúng hạn', data: s.by_month.map((x) => x.on_time), backgroundColor: '#1d6f42' },
                { label: 'Trễ hạn', data: s.by_month.map((x) => x.late), backgroundColor: '#a4141b' },
            ],
        },
        options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
    });
}

try {
    render(await api('/api/v1/public/stats'));
} catch (err) {
    renderProblem($('problem'), err);
    $('period').textContent = '';
}
