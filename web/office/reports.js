// Staff statistics dashboard: GET /api/v1/reports/dossiers (group_by, from, to, agency) as cards,
// a stacked bar chart (chart.js from /vendor) and a table; the online rate against the
// province's targets (GET /api/v1/reports/online-rate); satisfaction per procedure
// (GET /api/v1/reports/satisfaction); a CSV link carrying the same filters. The server applies
// the caller's agency scope; a 403/400/422 problem is shown in the alert box.
import { api, renderProblem } from '/lib/egov.js';

const $ = (id) => document.getElementById(id);
const nf = new Intl.NumberFormat('vi-VN');
const num = (v) => (v === null || v === undefined ? '–' : nf.format(v));
const pctText = (v) => (v === null || v === undefined ? '–' : `${nf.format(v)}%`);
let chart = null;

function vnToday() {
    const d = new Date(Date.now() + 7 * 3600 * 1000);
    return d.toISOString().slice(0, 10);
}

function params() {
    const p = new URLSearchParams();
    for (const k of ['group_by', 'from', 'to', 'agency']) {
        const v = $(k).value.trim();
        if (v) p.set(k, v);
    }
    return p;
}

function cell(tr, text) {
    const c = document.createElement('td');
    c.textContent = text;
    tr.append(c);
}

function card(label, value, cls) {
    const li = document.createElement('li');
    const n = document.createElement('span');
    n.className = `rp-num${cls ? ` ${cls}` : ''}`;
    n.textContent = value;
    li.append(n, document.createTextNode(label));
    return li;
}

function renderCounts(r) {
    const t = r.total;
    $('cards').replaceChildren(
        card('Hồ sơ tiếp nhận', num(t.received)),
        card('Đã giải quyết', num(t.resolved)),
        card('Đúng hạn', `${num(t.on_time)} (${pctText(t.on_time_percent)})`, 'rp-ok'),
        card('Trễ hạn', num(t.late), t.late ? 'rp-bad' : ''),
        card('Đang xử lý', num(t.in_progress)),
        card('Quá hạn đang xử lý', num(t.overdue), t.overdue ? 'rp-bad' : ''),
        card('Rút / từ chối', num(t.withdrawn_refused)),
    );
    const rows = r.items.map((x) => {
        const tr = document.createElement('tr');
        cell(tr, x.key);
        cell(tr, x.name || '');
        for (const k of ['received', 'resolved', 'on_time', 'late']) cell(tr, num(x[k]));
        cell(tr, pctText(x.on_time_percent));
        for (const k of ['in_progress', 'overdue', 'withdrawn_refused']) cell(tr, num(x[k]));
        return tr;
    });
    $('rows').replaceChildren(...rows);
    $('count').textContent = `${r.items.length} nhóm, ${num(t.received)} hồ sơ`;
    const Chart = globalThis.Chart;
    if (!Chart) return;
    const labels = r.items.map((x) => x.name || x.key);
    const datasets = [
        { label: 'Đúng hạn', data: r.items.map((x) => x.on_time), backgroundColor: '#1d6f42' },
        { label: 'Trễ hạn', data: r.items.map((x) => x.late), backgroundColor: '#a4141b' },
        { label: 'Đang xử lý', data: r.items.map((x) => x.in_progress), backgroundColor: '#0b3d91' },
        { label: 'Rút / từ chối', data: r.items.map((x) => x.withdrawn_refused), backgroundColor: '#6b6f76' },
    ];
    if (chart) {
        chart.data.labels = labels;
        chart.data.datasets = datasets;
        chart.update();
    } else {
        chart = new Chart($('chart'), {
            type: 'bar',
            data: { labels, datasets },
            options: {
                responsive: true,
                maintainAspectRatio: false,
                scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
            },
        });
    }
}

function renderOnline(o) {
    const t = o.total;
    const prov = (o.targets || []).filter((x) => x.level === 'province');
    const goals = prov
        .map((x) => `${x.target_percent}% (năm ${x.deadline_year}): ${x.met ? 'đạt' : 'chưa đạt'}`)
        .join('; ');
    $('online').textContent =
        `Tỷ lệ hồ sơ trực tuyến: ${pctText(t.online_percent)} (${num(t.online)}/${num(t.received)} hồ sơ)` +
        (goals ? `. Chỉ tiêu cấp tỉnh: ${goals}.` : '.');
}

function renderSatisfaction(s) {
    const rows = s.items.map((x) => {
        const tr = document.createElement('tr');
        cell(tr, x.key);
        cell(tr, x.name || '');
        cell(tr, num(x.count));
        cell(tr, x.average === null ? '–' : nf.format(x.average));
        for (const k of ['1', '2', '3', '4', '5']) cell(tr, num(x.distribution[k]));
        return tr;
    });
    $('sat-rows').replaceChildren(...rows);
    $('sat-count').textContent = `${s.items.length} thủ tục có đánh giá`;
}

async function load() {
    $('problem').replaceChildren();
    const p = params();
    const csv = new URLSearchParams(p);
    csv.set('format', 'csv');
    $('csv').href = `/api/v1/reports/dossiers?${csv}`;
    const scope = new URLSearchParams(p);
    scope.delete('group_by');
    try {
        const [counts, online, sat] = await Promise.all([
            api(`/api/v1/reports/dossiers?${p}`),
            api(`/api/v1/reports/online-rate?${scope}`),
            api(`/api/v1/reports/satisfaction?group_by=procedure&${scope}`),
        ]);
        renderCounts(counts);
        renderOnline(online);
        renderSatisfaction(sat);
    } catch (err) {
        renderProblem($('problem'), err);
        $('count').textContent = '';
        $('sat-count').textContent = '';
    }
}

$('from').value = `${vnToday().slice(0, 4)}-01-01`;
$('to').value = vnToday();
$('filter').addEventListener('submit', (ev) => {
    ev.preventDefault();
    load();
});
load();
