import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandResult, SlurmCommands } from './commands';
import { parseJobId } from './sbatch';
import { parseSacct, parseSqueue, queryJobs, stateWords } from './state';

test('sbatch --parsable: the job id, with or without a cluster name, after warnings', () => {
  assert.equal(parseJobId('42\n'), '42');
  assert.equal(parseJobId('1234;cluster-a\n'), '1234');
  assert.equal(parseJobId('sbatch: warning: memory limit not set\n77\n'), '77');
  assert.equal(parseJobId('Submitted batch job 99\n'), '99');
  assert.equal(parseJobId(''), null);
  assert.equal(parseJobId('sbatch: error: something\n'), null);
});

// Recorded on slurm-wlm 22.05 (test/slurm/cluster.sh): `squeue -h -t all -o %i|%T|%r`.
const SQUEUE = `4|CANCELLED|Resources
1|COMPLETED|None
5|PENDING|Priority
6|PENDING|Dependency
2|TIMEOUT|TimeLimit
7|RUNNING|None
`;
// `sacct -n -P -X -o JobID,State,ExitCode` (with slurmdbd) and `sacct -c …` (job completion log).
const SACCT = `10|CANCELLED by 1000|0:15
11|OUT_OF_MEMORY|0:125
12|NODE_FAIL|1:0
13|FAILED|2:0
13.batch|FAILED|2:0
14|TIMEOUT|0:0
`;

test('squeue and sacct lines: states without decorations, pending reasons, exit codes', () => {
  const q = parseSqueue(SQUEUE);
  assert.deepEqual(
    q.find((j) => j.jobId === '6'),
    { jobId: '6', state: 'PENDING', reason: 'Dependency', exitCode: null },
  );
  assert.deepEqual(
    q.find((j) => j.jobId === '1'),
    { jobId: '1', state: 'COMPLETED', reason: null, exitCode: null },
  );
  const a = parseSacct(SACCT);
  assert.deepEqual(
    a.map((j) => j.jobId),
    ['10', '11', '12', '13', '14'],
    'job steps skipped',
  );
  assert.equal(a[0].state, 'CANCELLED');
});

test("Slurm's states and reasons in words", () => {
  const words = (state: string, reason: string | null = null, exitCode: string | null = null) => stateWords({ state, reason, exitCode });
  assert.equal(words('TIMEOUT'), 'time limit');
  assert.equal(words('OUT_OF_MEMORY'), 'out of memory');
  assert.equal(words('NODE_FAIL'), 'node failure');
  assert.equal(words('CANCELLED'), 'cancelled');
  assert.equal(words('FAILED', null, '2:0'), 'failed (exit code 2:0)');
  assert.equal(words('PENDING', 'Resources'), 'waiting for resources');
  assert.equal(words('PENDING', 'Dependency'), 'waiting for the jobs it depends on');
  assert.equal(words('PENDING', 'QOSGrpCpuLimit'), 'QOSGrpCpuLimit', 'an unknown reason as Slurm says it');
  assert.equal(words('RUNNING'), 'running');
  assert.equal(words('BOOT_FAIL'), 'node boot failure');
});

/** Answers each command from a table, recording the calls. */
function fake(answers: Record<string, CommandResult>, calls: string[] = []): SlurmCommands {
  return {
    run: (cmd, args) => {
      const key = `${cmd} ${args.includes('-c') ? '-c' : ''}`.trim();
      calls.push(`${cmd} ${args.join(' ')}`);
      return Promise.resolve(answers[key] ?? { code: 1, stdout: '', stderr: `${cmd}: no answer recorded` });
    },
  };
}

test('queryJobs: squeue first, then accounting (the completion log without slurmdbd); unknown to both = gone; no answer = nothing decided', async () => {
  const calls: string[] = [];
  const cmds = fake(
    {
      squeue: { code: 0, stdout: '7|RUNNING|None\n', stderr: '' },
      sacct: { code: 1, stdout: '', stderr: 'Slurm accounting storage is disabled' },
      'sacct -c': { code: 0, stdout: '14|TIMEOUT|0:0\n', stderr: '' },
    },
    calls,
  );
  const r = await queryJobs(cmds, ['7', '14', '15']);
  assert.equal(r.states.get('7')?.state, 'RUNNING');
  assert.equal(r.states.get('14')?.state, 'TIMEOUT');
  assert.deepEqual([...r.gone], ['15']);
  assert.deepEqual(calls, [
    'squeue -h -t all -j 7,14,15 -o %i|%T|%r',
    'sacct -n -P -X -j 14,15 -o JobID,State,ExitCode',
    'sacct -c -n -P -j 14,15 -o JobID,State,ExitCode',
  ]);
  // A single purged id: squeue fails with "Invalid job id specified" — an answer, not an outage.
  const one = await queryJobs(
    fake({
      squeue: { code: 1, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified' },
      sacct: { code: 0, stdout: '', stderr: '' },
    }),
    ['3'],
  );
  assert.deepEqual([...one.gone], ['3']);
  // The controller cannot be reached: nothing is known, nothing is gone.
  const down = await queryJobs(
    fake({ squeue: { code: 1, stdout: '', stderr: 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' } }),
    ['3'],
  );
  assert.equal(down.states.size + down.gone.size, 0);
});
