import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleRunInfo } from '../../test/support/runFixtures';
import { runsOnThisMachine, runStateView } from './runState';

const HOST = 'this-host';
const alive = (pid: number) => pid === 100;
const here = { hostname: HOST, platform: 'linux', arch: 'x64', cpus: 2, node: 'v20' };

test('a run.json saying running is trusted only while its process lives on this machine, unless this window follows the run', () => {
  const dead = sampleRunInfo('r', { status: 'running', pid: 200, host: here });
  const orphan = runStateView(dead, undefined, alive, HOST);
  assert.equal(orphan.status, 'crashed');
  assert.match(orphan.error!, /process 200\) ended without finishing/);
  assert.equal(orphan.canStop, false);
  assert.deepEqual(runStateView(dead, { stopping: true }, alive, HOST), { status: 'running', error: null, canStop: true, stopping: true });
  assert.deepEqual(runStateView({ ...dead, pid: 100 }, undefined, alive, HOST), {
    status: 'running',
    error: null,
    canStop: true,
    stopping: false,
  });
  const elsewhere = runStateView({ ...dead, host: { ...here, hostname: 'other' } }, undefined, alive, HOST);
  assert.deepEqual(
    elsewhere,
    { status: 'running', error: null, canStop: false, stopping: false },
    'another host: shown as written, not stoppable from here',
  );
});

test('a finished run cannot be stopped even while this window still follows it', () => {
  const done = sampleRunInfo('r', { status: 'completed', pid: 100, host: here });
  assert.deepEqual(runStateView(done, { stopping: false }, alive, HOST), {
    status: 'completed',
    error: null,
    canStop: false,
    stopping: false,
  });
  const failed = sampleRunInfo('r', { status: 'failed', error: 'out of memory', host: here });
  assert.deepEqual(runStateView(failed, undefined, alive, HOST), {
    status: 'failed',
    error: 'out of memory',
    canStop: false,
    stopping: false,
  });
});

test('a missing run.json is a failed run, unless this window follows it', () => {
  assert.deepEqual(runStateView(null, undefined, alive, HOST), {
    status: 'failed',
    error: 'run.json is missing or not valid',
    canStop: false,
    stopping: false,
  });
  assert.deepEqual(runStateView(null, { stopping: false }, alive, HOST), {
    status: 'running',
    error: null,
    canStop: true,
    stopping: false,
  });
});

test('runsOnThisMachine needs status running, a pid, this host and a live process', () => {
  const r = sampleRunInfo('r', { status: 'running', pid: 100, host: here });
  assert.equal(runsOnThisMachine(r, alive, HOST), true);
  assert.equal(runsOnThisMachine({ ...r, pid: null }, alive, HOST), false);
  assert.equal(runsOnThisMachine({ ...r, pid: 200 }, alive, HOST), false);
  assert.equal(runsOnThisMachine({ ...r, status: 'stopped' }, alive, HOST), false);
  assert.equal(runsOnThisMachine(r, alive, 'other'), false);
});

test('a reused pid: the process with that pid started at another time, so the run shows crashed and Stop is not offered', () => {
  // The probe sees pid 100 alive, but started at 'later', not at the 'boot:1' run.json recorded.
  const probe = (pid: number, start: string | null) => pid === 100 && (start === null || start === 'boot:1');
  const reused = sampleRunInfo('r', { status: 'running', pid: 100, pidStart: 'boot:7', host: here });
  const view = runStateView(reused, undefined, probe, HOST);
  assert.equal(view.status, 'crashed');
  assert.equal(view.canStop, false);
  assert.equal(runsOnThisMachine(reused, probe, HOST), false);
  const ours = { ...reused, pidStart: 'boot:1' };
  assert.equal(runStateView(ours, undefined, probe, HOST).canStop, true);
});

test('a Slurm run can be stopped (scancel) from any machine while queued or running, not once it ended', () => {
  const slurm = {
    kind: 'slurm' as const,
    slurm: {
      jobId: '42',
      submittedAt: '2026-01-01T00:00:00.000Z',
      script: '',
      sbatchArgs: [],
      options: { partition: null, gres: null, cpus: null, mem: null, time: null, account: null, extraArgs: [], template: null },
    },
  };
  const other = { ...here, hostname: 'node7' };
  assert.deepEqual(runStateView(sampleRunInfo('q', { status: 'queued', pid: null, host: here, executor: slurm }), undefined, alive, HOST), {
    status: 'queued',
    error: null,
    canStop: true,
    stopping: false,
  });
  assert.equal(
    runStateView(sampleRunInfo('r', { status: 'running', pid: 7, host: other, executor: slurm }), undefined, alive, HOST).canStop,
    true,
  );
  assert.equal(
    runStateView(sampleRunInfo('s', { status: 'failed', pid: null, host: other, executor: slurm }), undefined, alive, HOST).canStop,
    false,
  );
  assert.equal(
    runStateView(sampleRunInfo('l', { status: 'queued', pid: null, host: here }), undefined, alive, HOST).canStop,
    false,
    'not a Slurm job',
  );
});
