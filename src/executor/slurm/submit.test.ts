import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../test/support/backend';
import { DEFAULT_CONFIG } from '../../cli/config';
import type { RunInfo } from '../../runs/types';
import { stopRun } from '../stop';
import { systemSlurm, type SlurmCommands } from './commands';
import { NO_SLURM_OPTIONS } from './options';
import { submitRun } from './submit';

const cli = { node: '/usr/bin/node', cli: '/opt/tt/dist/cli.js', workDir: '/home/me' };

function sbatchAnswering(code: number, stdout: string, stderr = '', calls: string[][] = []): SlurmCommands {
  return {
    run: (cmd, args) => {
      calls.push([cmd, ...args]);
      return Promise.resolve(cmd === 'sbatch' ? { code, stdout, stderr } : { code: 0, stdout: '', stderr: '' });
    },
  };
}

test('submitRun: the folder is written queued before sbatch, with the script; the job id recorded after', async () => {
  const runsDir = tempDir('tucker-submit-');
  const calls: string[][] = [];
  const s = await submitRun(
    sbatchAnswering(0, '4711\n', '', calls),
    { ...DEFAULT_CONFIG, runsDir, name: 'x' },
    { ...NO_SLURM_OPTIONS, time: '5', extraArgs: ['--qos=low'] },
    cli,
  );
  const info = JSON.parse(readFileSync(join(s.runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(info.status, 'queued');
  assert.equal(info.pid, null);
  assert.equal(info.executor?.slurm?.jobId, '4711');
  assert.match(
    info.executor.slurm.script,
    /#SBATCH --time=5\n[\s\S]*exec \/usr\/bin\/node \/opt\/tt\/dist\/cli\.js resume --executor local \//,
  );
  assert.equal(readFileSync(join(s.runDir, 'slurm-job.sh'), 'utf8'), info.executor.slurm.script);
  assert.deepEqual(calls[0], [
    'sbatch',
    '--parsable',
    `--output=${join(s.runDir, 'slurm-%j.out')}`,
    '--qos=low',
    join(s.runDir, 'slurm-job.sh'),
  ]);
});

test('sbatch refusing (bad account): its words in the error and in the failed run; sbatch missing: a message saying what to do', async () => {
  const runsDir = tempDir('tucker-submit-');
  const refuse = sbatchAnswering(
    1,
    '',
    'sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified\n',
  );
  await assert.rejects(
    submitRun(refuse, { ...DEFAULT_CONFIG, runsDir }, NO_SLURM_OPTIONS, cli),
    /^UserError: sbatch refused the job: sbatch: error: Batch job submission failed: Invalid account or account\/partition combination specified$/,
  );
  const dir = join(runsDir, readdirSync(runsDir)[0]);
  const info = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(info.status, 'failed');
  assert.match(info.error!, /Invalid account/);
  const path = process.env.PATH;
  process.env.PATH = join(runsDir, 'empty');
  try {
    await assert.rejects(
      systemSlurm.run('sbatch', ['--version']),
      /'sbatch' is not on PATH: Slurm's client commands are needed for --executor slurm \(run on the cluster's login node, or load its Slurm module first\)/,
    );
  } finally {
    process.env.PATH = path;
  }
});

test('stop: a queued Slurm run is cancelled (scancel) and marked stopped; a finished run has nothing to stop', async () => {
  const runsDir = tempDir('tucker-submit-');
  const calls: string[][] = [];
  const cmds = sbatchAnswering(0, '99\n', '', calls);
  const s = await submitRun(cmds, { ...DEFAULT_CONFIG, runsDir }, NO_SLURM_OPTIONS, cli);
  const r = await stopRun(s.runDir, cmds);
  assert.match(r.message, /^Slurm job 99 cancelled before it started \(scancel\); run stopped/);
  assert.deepEqual(calls[1], ['scancel', '99']);
  const info = JSON.parse(readFileSync(join(s.runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.deepEqual([info.status, info.executor?.slurm?.state], ['stopped', 'CANCELLED']);
  assert.ok(existsSync(join(s.runDir, 'events.jsonl')));
  await assert.rejects(stopRun(s.runDir, cmds), /the run is stopped; there is nothing to stop/);
  const refusing: SlurmCommands = {
    run: () => Promise.resolve({ code: 1, stdout: '', stderr: 'scancel: error: Kill job error on job id 98: Access/permission denied' }),
  };
  const t = await submitRun(sbatchAnswering(0, '98\n'), { ...DEFAULT_CONFIG, runsDir }, NO_SLURM_OPTIONS, cli);
  await assert.rejects(
    stopRun(t.runDir, refusing),
    /scancel 98 failed: scancel: error: Kill job error on job id 98: Access\/permission denied/,
  );
});
