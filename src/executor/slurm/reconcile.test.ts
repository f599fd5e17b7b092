import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../test/support/backend';
import type { RunInfo, RunStatus } from '../../runs/types';
import { writeJsonAtomic } from '../../runs/writer';
import { NO_SLURM_OPTIONS } from './options';
import { jobToCheck, reconcile, reconcileRuns } from './reconcile';
import type { SlurmCommands } from './commands';
import type { JobState } from './state';

function run(status: RunStatus, state: string | null = null, jobId: string | null = '42'): RunInfo {
  return {
    version: 1,
    id: 'r',
    name: 'r',
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    endedAt: null,
    status,
    pid: status === 'running' ? 123 : null,
    config: {} as RunInfo['config'],
    backend: null,
    host: { hostname: 'node7', platform: 'linux', arch: 'x64', cpus: 2, node: 'v20' },
    error: null,
    executor: {
      kind: 'slurm',
      slurm: {
        jobId,
        submittedAt: '2026-01-01T00:00:00.000Z',
        script: '#!/bin/bash',
        sbatchArgs: [],
        options: { ...NO_SLURM_OPTIONS, time: '60' },
        state,
      },
    },
  };
}
const job = (state: string, exitCode: string | null = null): { kind: 'state'; job: JobState } => ({
  kind: 'state',
  job: { jobId: '42', state, reason: null, exitCode },
});

test('a job that still waits or runs changes nothing; which runs are asked about', () => {
  assert.equal(reconcile(run('queued'), job('PENDING')), null);
  assert.equal(reconcile(run('running'), job('RUNNING')), null);
  assert.equal(jobToCheck(run('queued')), '42');
  assert.equal(jobToCheck(run('completed', 'COMPLETED')), null, 'the outcome is recorded');
  assert.equal(jobToCheck(run('completed', 'RUNNING')), '42', 'ended since: record how');
  assert.equal(jobToCheck(run('queued', null, null)), null, 'not submitted yet');
  assert.equal(jobToCheck({ ...run('running'), executor: undefined }), null, 'local runs');
});

test("ended jobs close what the trainer left open, with Slurm's reason", () => {
  const oom = reconcile(run('running'), job('OUT_OF_MEMORY'))!;
  assert.equal(oom.status, 'failed');
  assert.match(oom.error!, /^Slurm job 42: out of memory; the trainer did not finish the run/);
  assert.equal(oom.closes, true);
  assert.match(reconcile(run('running'), job('NODE_FAIL'))!.error!, /node failure/);
  assert.match(reconcile(run('running'), job('CANCELLED'))!.error!, /: cancelled;/);
  assert.match(reconcile(run('running'), job('TIMEOUT'))!.error!, /stopped by its time limit \(60 min\)/);
  const early = reconcile(run('queued'), job('FAILED', '1:0'), 'node: not found')!;
  assert.equal(early.status, 'failed');
  assert.equal(early.error, 'Slurm job 42 ended before the trainer started: failed (exit code 1:0); its output ends: node: not found');
  assert.match(
    reconcile(run('queued'), job('FAILED', '0:53'))!.error!,
    /no output file slurm-42\.out \(is the runs folder writable from the node\?\)/,
  );
  assert.match(reconcile(run('running'), { kind: 'gone' })!.error!, /unknown to Slurm/);
});

test('a run the trainer stopped at the time limit becomes failed (time limit); other finished runs only record the state', () => {
  const t = reconcile(run('stopped'), job('TIMEOUT'))!;
  assert.equal(t.status, 'failed');
  assert.match(t.error!, /time limit \(60 min\) reached; the run stopped at its last checkpoint\. Continue it with 'tucker-train resume/);
  assert.equal(t.closes, false);
  const s = reconcile(run('stopped'), job('CANCELLED'))!;
  assert.deepEqual([s.status, s.slurm.state, s.closes], ['stopped', 'CANCELLED', false]);
  const c = reconcile(run('completed'), job('COMPLETED'))!;
  assert.deepEqual([c.status, c.slurm.state], ['completed', 'COMPLETED']);
});

test('reconcileRuns writes run.json and an error event for an ended job, and reports live ones', async () => {
  const runsDir = tempDir('tucker-reconcile-');
  const dirs = ['a', 'b'].map((n) => join(runsDir, n));
  for (const d of dirs) mkdirSync(d);
  writeJsonAtomic(join(dirs[0], 'run.json'), run('queued', null, '42'));
  writeJsonAtomic(join(dirs[1], 'run.json'), run('queued', null, '43'));
  writeFileSync(join(dirs[0], 'slurm-42.out'), 'tucker-train: --dataset cifar10:/data: folder not found\n');
  const cmds: SlurmCommands = {
    run: (cmd) =>
      Promise.resolve(
        cmd === 'squeue'
          ? { code: 0, stdout: '42|FAILED|NonZeroExitCode\n43|PENDING|Resources\n', stderr: '' }
          : { code: 1, stdout: '', stderr: '' },
      ),
  };
  const r = await reconcileRuns(
    cmds,
    dirs.map((dir) => ({ dir, info: JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo })),
  );
  const a = JSON.parse(readFileSync(join(dirs[0], 'run.json'), 'utf8')) as RunInfo;
  assert.equal(a.status, 'failed');
  assert.match(a.error!, /before the trainer started: failed; its output ends: tucker-train: --dataset cifar10:\/data: folder not found/);
  assert.equal(a.executor?.slurm?.state, 'FAILED');
  assert.match(readFileSync(join(dirs[0], 'events.jsonl'), 'utf8'), /"type":"error"/);
  assert.deepEqual(r.live.get(dirs[1]), { state: 'PENDING', words: 'waiting for resources' });
  assert.equal((JSON.parse(readFileSync(join(dirs[1], 'run.json'), 'utf8')) as RunInfo).status, 'queued');
  // Without Slurm commands on this machine nothing is decided.
  const none = await reconcileRuns({ run: () => Promise.reject(new Error('ENOENT')) }, [{ dir: dirs[1], info: run('queued', null, '43') }]);
  assert.equal(none.updated.size + none.live.size, 0);
});
