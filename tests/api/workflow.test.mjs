// Workflow engine (issue 5): a modeler-exported BPMN with an exclusive gateway and a boundary
// timer deploys, runs, branches on completion variables, times out by the timer's path; tasks
// stay invisible to another agency; invalid models are refused with 422 naming the element;
// XXE is refused without leaking; kill -9 with active timers/tasks loses nothing and fires no
// timer twice.
//
// Accounts: real ones through `egov user add` + `egov token` once identity is merged. Until
// then the suite is skipped, unless EGOV_TEST_STUB_AUTH=1 (a developer's local identity stub
// that accepts "Bearer stub:USER:AGENCY:ROLES"; never committed).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, egovCli, request } from './lib/server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BPMN = fs.readFileSync(path.join(HERE, 'fixtures', 'workflow-review.bpmn'), 'utf8');
const AG1 = '000.00.07.H61';
const AG2 = '000.00.08.H61';

const hasIdentity = () => /\buser\b/.test(egovCli(['help']).stdout + egovCli(['help']).stderr);
const STUB = process.env.EGOV_TEST_STUB_AUTH === '1';
const SKIP = !STUB && !hasIdentity() ? 'identity module not merged yet (egov user/token)' : false;

function account(srv, username, agency, roles) {
    if (STUB) return `stub:${username}:${agency}:${roles.join(',')}`;
    const add = egovCli(
        ['user', 'add', '--data-dir', srv.dataDir, '--username', username, '--name', username,
            '--agency', agency, '--role', ...roles, '--password-stdin'],
        { input: 'Mật-khẩu-thử-1234\n' },
    );
    assert.equal(add.status, 0, add.stderr);
    return tokenOf(srv, username, agency, roles);
}

function tokenOf(srv, username, agency, roles) {
    if (STUB) return `stub:${username}:${agency}:${roles.join(',')}`;
    const tok = egovCli(['token', '--data-dir', srv.dataDir, '--user', username]);
    assert.equal(tok.status, 0, tok.stderr);
    return tok.stdout.trim().split('\n').pop();
}

async function deploy(url, token, xml) {
    return request(`${url}/api/v1/workflow/definitions`, {
        method: 'POST', body: xml, token, headers: { 'Content-Type': 'application/xml' },
    });
}

async function start(url, token, bk, variables, agency = AG1) {
    return request(`${url}/api/v1/workflow/instances`, {
        token, body: { definition_key: 'test-review', business_key: bk, agency_code: agency, variables },
    });
}

async function tasks(url, token, scope) {
    const r = await request(`${url}/api/v1/tasks${scope ? `?scope=${scope}` : ''}`, { token });
    assert.equal(r.status, 200, r.text);
    return r.json.items;
}

async function waitFor(fn, ms = 8000) {
    const end = Date.now() + ms;
    for (;;) {
        const v = await fn();
        if (v) return v;
        if (Date.now() > end) return v;
        await new Promise((r) => setTimeout(r, 150));
    }
}

test('workflow: deploy, branch, boundary timer, agency isolation, bad models', { skip: SKIP }, async () => {
    const srv = await startServer();
    try {
        const admin = account(srv, 'wfadmin', AG1, ['admin']);
        const off1 = account(srv, 'wfoff1', AG1, ['officer', 'leader']);
        const off2 = account(srv, 'wfoff2', AG2, ['officer', 'leader']);

        let r = await deploy(srv.url, admin, BPMN);
        assert.equal(r.status, 201, r.text);
        assert.deepEqual(r.json, { key: 'test-review', version: 1 });
        r = await deploy(srv.url, off1, BPMN);
        assert.equal(r.status, 403, 'an officer may not deploy');

        // Branch on completion variables: approved path.
        r = await start(srv.url, admin, 'HS-001', { timeout: 'PT1H' });
        assert.equal(r.status, 201, r.text);
        const i1 = r.json.id;
        assert.deepEqual(r.json.active_elements, ['Task_Review']);
        let cand = await tasks(srv.url, off1, 'candidate');
        const t1 = cand.find((t) => t.instance_id === i1);
        assert.ok(t1, 'candidate officer of the agency sees the task');
        assert.equal(t1.business_key, 'HS-001');
        assert.equal(t1.agency_code, AG1);
        assert.ok(t1.due_at, 'camunda:dueDate gives a due date');

        // Another agency: never sees or completes it.
        assert.equal((await tasks(srv.url, off2)).some((t) => t.instance_id === i1), false);
        r = await request(`${srv.url}/api/v1/tasks/${t1.id}`, { token: off2 });
        assert.equal(r.status, 404);
        r = await request(`${srv.url}/api/v1/tasks/${t1.id}/claim`, { method: 'POST', token: off2 });
        assert.equal(r.status, 404);
        r = await request(`${srv.url}/api/v1/tasks/${t1.id}/complete`, { token: off2, body: { variables: { approved: true } } });
        assert.equal(r.status, 404);
        r = await request(`${srv.url}/api/v1/workflow/instances/${i1}`, { token: off2 });
        assert.ok([403, 404].includes(r.status), `other agency reads instance: ${r.status}`);

        r = await request(`${srv.url}/api/v1/tasks/${t1.id}/claim`, { method: 'POST', token: off1 });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.assignee, 'wfoff1');
        assert.equal((await tasks(srv.url, off1, 'mine')).some((t) => t.id === t1.id), true);
        r = await request(`${srv.url}/api/v1/tasks/${t1.id}/complete`, { token: off1, body: { variables: { approved: true, amount: 5000 } } });
        assert.equal(r.status, 200, r.text);
        r = await request(`${srv.url}/api/v1/tasks/${t1.id}/complete`, { token: off1, body: { variables: { approved: true, amount: 5000 } } });
        assert.equal(r.status, 409, 'completing twice is a conflict');
        r = await request(`${srv.url}/api/v1/workflow/instances/${i1}`, { token: off1 });
        assert.equal(r.status, 200);
        assert.equal(r.json.state, 'active');
        assert.deepEqual(r.json.active_elements, ['Task_Sign']);
        assert.ok(r.json.history.some((h) => h.element_id === 'Task_Review' && h.by === 'wfoff1' && h.ended_at));

        // Rejected path (amount too small): ends at EndEvent_Rejected.
        r = await start(srv.url, admin, 'HS-002', { timeout: 'PT1H' });
        const i2 = r.json.id;
        const t2 = (await tasks(srv.url, off1)).find((t) => t.instance_id === i2);
        r = await request(`${srv.url}/api/v1/tasks/${t2.id}/complete`, { token: off1, body: { variables: { approved: true, amount: 10 } } });
        assert.equal(r.status, 200, r.text);
        r = await request(`${srv.url}/api/v1/workflow/instances/${i2}`, { token: off1 });
        assert.equal(r.json.state, 'completed');
        assert.ok(r.json.history.some((h) => h.element_id === 'EndEvent_Rejected'));

        // Boundary timer: the instance leaves by the timer's path, the task leaves the inbox.
        r = await start(srv.url, admin, 'HS-003', { timeout: 'PT1S' });
        const i3 = r.json.id;
        assert.ok((await tasks(srv.url, off1)).some((t) => t.instance_id === i3));
        const done = await waitFor(async () => {
            const x = await request(`${srv.url}/api/v1/workflow/instances/${i3}`, { token: off1 });
            return x.json.state === 'completed' ? x.json : null;
        });
        assert.ok(done, 'timer fired and ended the instance');
        const ids = done.history.map((h) => h.element_id);
        assert.ok(ids.includes('Timer_Review') && ids.includes('EndEvent_Timeout'), ids.join(','));
        assert.equal(ids.includes('Gateway_Decision'), false);
        assert.equal((await tasks(srv.url, off1)).some((t) => t.instance_id === i3), false);

        // Bad models: dangling flow, XXE, broken XML, bad expression, gateway without default.
        r = await deploy(srv.url, admin, BPMN.replace('targetRef="EndEvent_Approved"', 'targetRef="Nowhere"'));
        assert.equal(r.status, 422);
        assert.match(r.json.detail, /Flow_0c3/);
        assert.match(r.json.detail, /dòng \d+/);
        const xxe = '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' +
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">' +
            '<bpmn:process id="x"><bpmn:startEvent id="s" name="&x;"/></bpmn:process></bpmn:definitions>';
        r = await deploy(srv.url, admin, xxe);
        assert.equal(r.status, 422);
        assert.equal(/root:|nologin|bin\/bash/.test(r.text), false, 'nothing from /etc/passwd leaks');
        r = await deploy(srv.url, admin, '<bpmn:definitions');
        assert.equal(r.status, 422);
        r = await deploy(srv.url, admin, BPMN.replace('${approved == true &amp;&amp; amount &gt; 1000}', '${approved == }'));
        assert.equal(r.status, 422);
        assert.match(r.json.detail, /Flow_Approved/);
        r = await deploy(srv.url, admin, BPMN.replace(' default="Flow_Rejected"', ''));
        assert.equal(r.status, 422);
        assert.match(r.json.detail, /Flow_Rejected/);
        r = await deploy(srv.url, admin, BPMN.replace('<bpmn:endEvent id="EndEvent_Timeout" name="Hết hạn">', '<bpmn:scriptTask id="EndEvent_Timeout">').replace('</bpmn:endEvent>\n  </bpmn:process>', '</bpmn:scriptTask>\n  </bpmn:process>'));
        assert.equal(r.status, 422);
        r = await request(`${srv.url}/api/v1/workflow/definitions`, { token: admin });
        assert.equal(r.json.items.find((d) => d.key === 'test-review').version, 1, 'nothing changed');

        // Seeded processes (egov init) are deployed.
        for (const k of ['tthc-generic', 'emulation-rewards', 'incoming-document', 'outgoing-document', 'asset-increase', 'asset-liquidation'])
            assert.ok(r.json.items.some((d) => d.key === k), k);

        // Metrics
        r = await request(`${srv.url}/metrics`);
        assert.match(r.text, /egov_workflow_timers_fired_total [1-9]/);
    } finally {
        await srv.stop();
    }
});

test('workflow: kill -9 with active timers and tasks; restart continues, no timer fires twice', { skip: SKIP }, async () => {
    const keep = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-wfkill-'));
    assert.equal(egovCli(['init', '--data-dir', keep, '--demo']).status, 0);
    let srv = await startServer({ dataDir: keep });
    try {
        const admin = account(srv, 'wfadmin', AG1, ['admin']);
        let off1 = account(srv, 'wfoff1', AG1, ['officer', 'leader']);
        assert.equal((await deploy(srv.url, admin, BPMN)).status, 201);
        const short = [], long = [];
        for (let i = 0; i < 10; i++) {
            const r = await start(srv.url, admin, `HS-K${i}`, { timeout: i % 2 ? 'PT3S' : 'PT1H' });
            assert.equal(r.status, 201, r.text);
            (i % 2 ? short : long).push(r.json.id);
        }
        process.kill(srv.pid, 'SIGKILL');
        await srv.exited;
        srv = await startServer({ dataDir: keep });
        off1 = tokenOf(srv, 'wfoff1', AG1, ['officer', 'leader']);
        for (const id of short) {
            const st = await waitFor(async () => {
                const x = await request(`${srv.url}/api/v1/workflow/instances/${id}`, { token: off1 });
                return x.json.state === 'completed' ? x.json : null;
            }, 10000);
            assert.ok(st, `instance ${id} timed out after the restart`);
            assert.equal(st.history.filter((h) => h.element_id === 'Timer_Review').length, 1);
        }
        const inbox = await tasks(srv.url, off1);
        for (const id of long) {
            const t = inbox.find((x) => x.instance_id === id);
            assert.ok(t, `task of instance ${id} survived`);
            const r = await request(`${srv.url}/api/v1/tasks/${t.id}/complete`, { token: off1, body: { variables: { approved: false } } });
            assert.equal(r.status, 200, r.text);
        }
        await srv.stop();
        const q = spawnSync('sqlite3', [path.join(keep, 'egov.db'),
            "SELECT COUNT(*) FROM wf_timer WHERE state = 'fired'; SELECT COUNT(*) FROM wf_history WHERE element_id = 'Timer_Review'; SELECT COUNT(*) FROM wf_instance WHERE state <> 'completed'"], { encoding: 'utf8' });
        const [fired, boundaryRuns, notDone] = q.stdout.trim().split('\n').map(Number);
        assert.equal(fired, short.length);
        assert.equal(boundaryRuns, short.length, 'each timer fired exactly once');
        assert.equal(notDone, 0);
    } finally {
        await srv.stop();
        fs.rmSync(keep, { recursive: true, force: true });
    }
});

test('workflow: seeded tthc-generic walk-through with roles; unclaim, delegate, return, idempotent start', { skip: SKIP }, async () => {
    const srv = await startServer();
    try {
        const u = {};
        for (const [name, roles] of [['wfrecv', ['receiver']], ['wfoff', ['officer']], ['wfoff9', ['officer']],
            ['wfunit', ['unit_leader']], ['wflead', ['leader']]]) u[name] = account(srv, name, AG1, roles);
        const start = (key) => request(`${srv.url}/api/v1/workflow/instances`, {
            token: u.wfrecv, headers: { 'Idempotency-Key': key },
            body: { definition_key: 'tthc-generic', business_key: '000.00.07.H61-260423-0001', agency_code: AG1, variables: {} },
        });
        let r = await start('k-1');
        assert.equal(r.status, 201, r.text);
        const id = r.json.id;
        r = await start('k-1');
        assert.equal(r.status, 201);
        assert.equal(r.json.id, id, 'same Idempotency-Key: same instance');

        const mineOf = async (tok, el) => (await tasks(srv.url, tok)).find((t) => t.instance_id === id && t.element_id === el);
        const complete = async (tok, el, variables = {}) => {
            const t = await mineOf(tok, el);
            assert.ok(t, `${el} visible`);
            const x = await request(`${srv.url}/api/v1/tasks/${t.id}/complete`, { token: tok, body: { variables } });
            assert.equal(x.status, 200, x.text);
        };
        assert.equal(await mineOf(u.wfoff, 'Task_Receive'), undefined, 'officer does not see desk tasks');
        await complete(u.wfrecv, 'Task_Receive');

        // claim, unclaim, claim, delegate to a colleague
        let t = await mineOf(u.wfoff, 'Task_Appraise');
        r = await request(`${srv.url}/api/v1/tasks/${t.id}/claim`, { method: 'POST', token: u.wfoff });
        assert.equal(r.status, 200);
        r = await request(`${srv.url}/api/v1/tasks/${t.id}/claim`, { method: 'POST', token: u.wfoff9 });
        assert.equal(r.status, 409, 'claimed by someone else');
        r = await request(`${srv.url}/api/v1/tasks/${t.id}/complete`, { token: u.wfoff9, body: {} });
        assert.equal(r.status, 403, 'only the assignee completes');
        r = await request(`${srv.url}/api/v1/tasks/${t.id}/unclaim`, { method: 'POST', token: u.wfoff });
        assert.equal(r.status, 200);
        assert.equal(r.json.assignee, null);
        await request(`${srv.url}/api/v1/tasks/${t.id}/claim`, { method: 'POST', token: u.wfoff });
        r = await request(`${srv.url}/api/v1/tasks/${t.id}/delegate`, { token: u.wfoff, body: { assignee: 'wfoff9' } });
        assert.equal(r.status, 200, r.text);
        assert.ok((await tasks(srv.url, u.wfoff9, 'mine')).some((x) => x.id === t.id));
        await complete(u.wfoff9, 'Task_Appraise');

        // unit leader returns it to the previous step with a reason: back to the appraiser
        t = await mineOf(u.wfunit, 'Task_Review');
        r = await request(`${srv.url}/api/v1/tasks/${t.id}/return`, { token: u.wfunit, body: {} });
        assert.equal(r.status, 422, 'a reason is required');
        r = await request(`${srv.url}/api/v1/tasks/${t.id}/return`, { token: u.wfunit, body: { reason: 'Thiếu bản sao giấy tờ' } });
        assert.equal(r.status, 200, r.text);
        t = (await tasks(srv.url, u.wfoff9, 'mine')).find((x) => x.instance_id === id);
        assert.equal(t?.element_id, 'Task_Appraise', 'returned to the one who did the previous step');
        await complete(u.wfoff9, 'Task_Appraise');
        await complete(u.wfunit, 'Task_Review');
        await complete(u.wflead, 'Task_Approve', { approved: false });
        assert.ok(await mineOf(u.wfoff, 'Task_Appraise'), 'not approved: back to appraisal');
        await complete(u.wfoff, 'Task_Appraise');
        await complete(u.wfunit, 'Task_Review');
        await complete(u.wflead, 'Task_Approve', { approved: true });
        await complete(u.wfrecv, 'Task_ReturnResult');
        r = await request(`${srv.url}/api/v1/workflow/instances/${id}`, { token: u.wfrecv });
        assert.equal(r.json.state, 'completed');
        assert.ok(r.json.history.some((h) => h.detail === 'Thiếu bản sao giấy tờ'));

        r = await request(`${srv.url}/api/v1/workflow/stats`, { token: u.wflead });
        assert.equal(r.status, 200);
        assert.ok(r.json.processes.some((p) => p.definition_key === 'tthc-generic' && p.state === 'completed'));
    } finally {
        await srv.stop();
    }
});

const TIMER_FAIL = `<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
<bpmn:process id="test-timer-fail" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:exclusiveGateway id="g" default="fd"/>
<bpmn:endEvent id="big"/><bpmn:endEvent id="small"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="Wait"/>
<bpmn:sequenceFlow id="f2" sourceRef="Wait" targetRef="g"/>
<bpmn:sequenceFlow id="fb" sourceRef="g" targetRef="big"><bpmn:conditionExpression>\${n > 5}</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="fd" sourceRef="g" targetRef="small"/>
</bpmn:process>
</bpmn:definitions>`;

test('workflow: a timer whose path fails becomes a visible incident; retry; other agency never sees it', { skip: SKIP }, async () => {
    const srv = await startServer();
    try {
        const admin = account(srv, 'tfadmin', AG1, ['admin']);
        const off2 = account(srv, 'tfoff2', AG2, ['officer', 'leader']);
        let r = await deploy(srv.url, admin, TIMER_FAIL);
        assert.equal(r.status, 201, r.text);
        r = await request(`${srv.url}/api/v1/workflow/instances`, {
            token: admin, body: { definition_key: 'test-timer-fail', business_key: 'TF-1', agency_code: AG1, variables: { n: 'abc' } },
        });
        assert.equal(r.status, 201, r.text);
        const inst = r.json.id;
        const incidentOf = async (token) => {
            const x = await request(`${srv.url}/api/v1/workflow/incidents`, { token });
            assert.equal(x.status, 200, x.text);
            return x.json.items.find((i) => i.kind === 'timer' && i.instance_id === inst);
        };
        const inc = await waitFor(() => incidentOf(admin));
        assert.ok(inc, 'the failed timer is listed as an incident');
        assert.equal(inc.state, 'incident');
        assert.equal(inc.element_id, 'Wait');
        assert.equal(inc.business_key, 'TF-1');
        assert.equal(inc.attempts, 1);
        assert.match(inc.last_error, /fb/);
        assert.match(String(inc.id), /^timer-\d+$/);
        r = await request(`${srv.url}/api/v1/workflow/instances/${inst}`, { token: admin });
        assert.equal(r.json.state, 'active', 'the instance waits at the timer, nothing half-done');
        assert.deepEqual(r.json.active_elements, ['Wait']);

        // Another agency neither sees nor retries it.
        assert.equal(await incidentOf(off2), undefined);
        r = await request(`${srv.url}/api/v1/workflow/incidents/${inc.id}/retry`, { method: 'POST', token: off2, body: {} });
        assert.equal(r.status, 404);
        r = await request(`${srv.url}/api/v1/workflow/incidents/timer-999999/retry`, { method: 'POST', token: admin, body: {} });
        assert.equal(r.status, 404);

        // Retry: due again now; the path still fails, so it comes back with a second attempt.
        r = await request(`${srv.url}/api/v1/workflow/incidents/${inc.id}/retry`, { method: 'POST', token: admin, body: {} });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.json, { id: inc.id, state: 'pending' });
        const again = await waitFor(async () => {
            const i = await incidentOf(admin);
            return i && i.attempts === 2 ? i : null;
        });
        assert.ok(again, 'retried once, failed again, listed again');
        const m = await request(`${srv.url}/metrics`);
        assert.match(m.text, /egov_workflow_incidents [1-9]/);
    } finally {
        await srv.stop();
    }
});

const LGSP_TASK = `<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:egov="http://egov.gov.vn/bpmn">
<bpmn:process id="test-lgsp-task" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:serviceTask id="AskLtp" egov:handler="lgsp:ltp-phieu"/>
<bpmn:userTask id="Review" camunda:candidateGroups="officer" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"/>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="AskLtp"/>
<bpmn:sequenceFlow id="f2" sourceRef="AskLtp" targetRef="Review"/>
<bpmn:sequenceFlow id="f3" sourceRef="Review" targetRef="e"/>
</bpmn:process>
</bpmn:definitions>`;

test('workflow: a service task "lgsp:<service>" calls the provider through the LGSP, outside the step, logged with the business key', { skip: SKIP }, async () => {
    const srv = await startServer();
    try {
        const XD = '000.00.05.H61'; // its one-stop system may call ltp-phieu (demo grants)
        const YT = '000.00.07.H61'; // its system has no grant for ltp-phieu
        const admin = account(srv, 'lgadmin', XD, ['admin']);
        // a malformed lgsp: handler is refused at deployment, naming the element
        let r = await deploy(srv.url, admin, LGSP_TASK.replace('lgsp:ltp-phieu', 'lgsp:bad service'));
        assert.equal(r.status, 422, r.text);
        assert.match(r.text, /AskLtp/);
        r = await deploy(srv.url, admin, LGSP_TASK);
        assert.equal(r.status, 201, r.text);
        const startIn = (bk, agency) => request(`${srv.url}/api/v1/workflow/instances`, {
            token: admin,
            body: { definition_key: 'test-lgsp-task', business_key: bk, agency_code: agency, variables: { AskLtp_path: '?personal_id=086090001234' } },
        });
        r = await startIn('LG-1', XD);
        assert.equal(r.status, 201, r.text);
        const ok = r.json.id;
        const inst = await waitFor(async () => {
            const x = await request(`${srv.url}/api/v1/workflow/instances/${ok}`, { token: admin });
            return x.json.active_elements?.includes('Review') ? x : null;
        });
        assert.ok(inst, 'the instance moved past the service task');
        assert.equal(inst.json.variables.AskLtp_status, 200);
        assert.equal(typeof inst.json.variables.AskLtp_response.count, 'number');
        const log = await request(`${srv.url}/api/v1/lgsp/messages?limit=50`, { token: admin });
        assert.equal(log.status, 200, log.text);
        const rec = log.json.items.find((m) => m.issue === 'LG-1');
        assert.ok(rec, 'the exchange is in the LGSP message log with the business key as issue');
        assert.equal(rec.client_id, `motcua-${XD}`);
        assert.equal(rec.service_code, 'ltp-phieu');

        // without a grant the task does not pass: it waits for a retry, nothing is forwarded
        r = await startIn('LG-2', YT);
        assert.equal(r.status, 201, r.text);
        await new Promise((res) => setTimeout(res, 1500));
        const x = await request(`${srv.url}/api/v1/workflow/instances/${r.json.id}`, { token: admin });
        assert.deepEqual(x.json.active_elements, ['AskLtp']);
        const log2 = await request(`${srv.url}/api/v1/lgsp/messages?limit=50`, { token: admin });
        assert.ok(!log2.json.items.some((m) => m.issue === 'LG-2' && m.status < 400));
    } finally {
        await srv.stop();
    }
});
