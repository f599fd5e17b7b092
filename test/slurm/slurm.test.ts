// Runs and studies as Slurm jobs on a real one-node cluster (issue 16, docs/design.md §11):
// test/slurm/cluster.sh starts munged, slurmctld and slurmd on localhost with a generated
// slurm.conf; the built CLI (dist/cli.js) submits a two-scenario study, a run queued behind the
// others that is stopped with `tucker-train stop`, a run killed by its 1-minute time limit and
// resumed by a new job, and a job refused by sbatch. The cluster is stopped at the end, also on
// failure. Skips where Slurm is not installed or we are not root, unless
// TUCKER_TRAIN_REQUIRE_SLURM=1 (.ci/run), where that fails instead.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/backend';
import type { RunInfo } from '../../src/runs/types';
import type { StudyRecord } from '../../src/study/types';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const CLUSTER = join(__dirname, 'cluster.sh');
const required = process.env.TUCKER_TRAIN_REQUIRE_SLURM === '1';

function missing(): string | null {
  for (const b of ['sbatch', 'squeue', 'scancel', 'sacct'])
    if (spawnSync('which', [b]).status !== 0) return `'${b}' not found (apt-get install slurm-wlm munge)`;
  for (const b of ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/munged'])
    if (!existsSync(b)) return `${b} not found (apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'not root (slurmd must run as root)';
  if (!existsSync(CLI)) return 'dist/cli.js not built (npm run build)';
  return null;
}

const why = missing();
if (why && required) throw new Error(`TUCKER_TRAIN_REQUIRE_SLURM=1 but Slurm cannot run here: ${why}`);
const skip = why ? `Slurm integration skipped: ${why}` : false;

let clusterDir = '';
let runsDir = '';
const env: NodeJS.ProcessEnv = { ...process.env };
const seen: string[] = []; // states observed, printed at the end (the report's "what the test showed")
const t0 = Date.now();
const at = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;

before(() => {
  if (skip) return;
  clusterDir = tempDir('tucker-slurm-');
  runsDir = join(clusterDir, 'runs');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const r = spawnSync('bash', [CLUSTER, 'start', clusterDir, '4'], {
    encoding: 'utf8',
    env: { ...process.env, SLURMCTLD_PORT: String(port), SLURMD_PORT: String(port + 1) },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `cluster.sh start: ${r.stderr}${r.stdout}`);
  env.SLURM_CONF = join(clusterDir, 'slurm.conf');
  seen.push(`${at()} cluster up`);
});

after(() => {
  if (skip || !clusterDir) return;
  spawnSync('bash', [CLUSTER, 'stop', clusterDir], { timeout: 60_000 });
  console.log(`slurm test, states seen:\n  ${seen.join('\n  ')}`);
  rmSync(clusterDir, { recursive: true, force: true });
});

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: 120_000 });
}

function runJson(dir: string): RunInfo {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo;
}

interface Line {
  dir: string;
  status: string;
  executor: string;
  jobId: string | null;
  slurm: string | null;
  error: string | null;
  epochsDone: number;
}
function listRuns(): Line[] {
  const r = cli(['runs', '--runs-dir', runsDir, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Line[];
}

async function waitFor<T>(what: string, probe: () => T | null | undefined | false, seconds: number): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${seconds} s waiting for ${what}; runs: ${JSON.stringify(listRuns(), null, 1)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const small = ['--dataset', 'synthetic:8x8x1', '--train-subset', '256', '--batch-size', '32', '--backend', 'wasm'];

test(
  'runs and a study as Slurm jobs: queued, running, completed, stopped by scancel, time limit then resume',
  { skip, timeout: 330_000 },
  async () => {
    // 1. A study of two scenarios (original, decomposed after 1): one job each, and the report job after both.
    const study = cli([
      'study',
      '--executor',
      'slurm',
      '--preset',
      'smoke',
      '--decompose-at',
      '1',
      '--reconstruct-at',
      'none',
      '--finetune-after-training',
      'none',
      '--epochs',
      '2',
      '--backend',
      'wasm',
      '--runs-dir',
      runsDir,
      '--name',
      'sl',
    ]);
    assert.equal(study.status, 0, study.stderr);
    const studyDir = /study folder: (.*)/.exec(study.stdout)?.[1] ?? '';
    assert.match(study.stdout, /submitted Slurm job \d+: original/);
    assert.match(study.stdout, /submitted Slurm job \d+: the report, after the scenarios \(afterany\)/);
    seen.push(`${at()} study submitted: ${study.stdout.split('\n').filter((l) => l.startsWith('submitted')).length} jobs`);

    // 2. A run with a 1-minute time limit that would run longer (paused by the test after its first epoch).
    const long = cli([
      'train',
      '--executor',
      'slurm',
      '--slurm-time',
      '1',
      '--epochs',
      '10',
      '--decompose-at',
      '2',
      '--reconstruct-at',
      'none',
      '--checkpoint-every',
      '1',
      '--name',
      'limited',
      '--runs-dir',
      runsDir,
      ...small,
    ]);
    assert.equal(long.status, 0, long.stderr);
    const longDir = /: (\/.*) \(queued\)/.exec(long.stdout)?.[1] ?? '';
    assert.equal(runJson(longDir).status, 'queued', 'the folder exists at once, queued');

    // 3. A run asking for all 4 CPUs: it waits behind the others; `tucker-train stop` cancels it.
    const third = cli([
      'train',
      '--executor',
      'slurm',
      '--slurm-cpus',
      '4',
      '--epochs',
      '2',
      '--baseline',
      '--name',
      'behind',
      '--runs-dir',
      runsDir,
      ...small,
    ]);
    assert.equal(third.status, 0, third.stderr);
    const thirdDir = /: (\/.*) \(queued\)/.exec(third.stdout)?.[1] ?? '';
    const queued = listRuns().find((l) => l.dir === thirdDir)!;
    assert.equal(queued.status, 'queued');
    assert.equal(queued.executor, 'slurm');
    assert.match(queued.jobId ?? '', /^\d+$/);
    seen.push(`${at()} third job ${queued.jobId}: ${queued.status} (${queued.slurm})`);
    const stop = cli(['stop', thirdDir]);
    assert.equal(stop.status, 0, stop.stderr);
    assert.match(stop.stdout, /cancelled before it started \(scancel\)/);
    const stopped = runJson(thirdDir);
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.executor?.slurm?.state, 'CANCELLED');
    const sq = spawnSync('squeue', ['-h', '-t', 'all', '-j', queued.jobId!, '-o', '%T'], { encoding: 'utf8', env });
    assert.equal(sq.stdout.trim(), 'CANCELLED', 'scancel reached Slurm');
    assert.match(readFileSync(join(thirdDir, 'events.jsonl'), 'utf8'), /"type":"stopped"/);
    seen.push(`${at()} third job after tucker-train stop: folder ${stopped.status}, squeue ${sq.stdout.trim()}`);

    // The time-limited run trains: pause its trainer once an epoch is done, so the limit surely strikes.
    const pid = await waitFor(
      'the limited run to finish an epoch',
      () => {
        const i = runJson(longDir);
        const metrics = existsSync(join(longDir, 'metrics.jsonl')) ? readFileSync(join(longDir, 'metrics.jsonl'), 'utf8').trim() : '';
        return i.status === 'running' && metrics !== '' && i.pid;
      },
      90,
    );
    const longInfo = runJson(longDir);
    assert.match(longInfo.executor?.slurm?.jobId ?? '', /^\d+$/);
    assert.match(longInfo.executor?.slurm?.script ?? '', /#SBATCH --time=1\n/);
    assert.ok(existsSync(join(longDir, 'slurm-job.sh')));
    seen.push(`${at()} limited run ${longInfo.executor?.slurm?.jobId}: running (epoch 1 done), trainer paused`);
    process.kill(pid, 'SIGSTOP');

    // 4. The study: both scenario runs completed by their jobs, then the report job wrote the report.
    const record = await waitFor(
      'the study report',
      () => {
        const s = JSON.parse(readFileSync(join(studyDir, 'study.json'), 'utf8')) as StudyRecord;
        return s.status !== 'running' && s;
      },
      150,
    );
    assert.equal(record.status, 'completed', record.error ?? '');
    assert.deepEqual(
      record.scenarios.map((s) => [s.key, s.status]),
      [
        ['original', 'completed'],
        ['decompose-1', 'completed'],
      ],
    );
    for (const f of ['report.md', 'results.csv', 'accuracy-vs-epoch.svg']) assert.ok(existsSync(join(studyDir, f)), f);
    assert.match(readFileSync(join(studyDir, 'report.md'), 'utf8'), /sl-decompose-1/);
    for (const s of record.scenarios) {
      const i = runJson(join(runsDir, s.runId!));
      assert.equal(i.status, 'completed');
      assert.match(i.executor?.slurm?.jobId ?? '', /^\d+$/);
      assert.equal(
        readFileSync(join(runsDir, s.runId!, 'metrics.jsonl'), 'utf8')
          .trim()
          .split('\n').length,
        2,
      );
    }
    seen.push(
      `${at()} study ${record.status}: ${record.scenarios.map((s) => `${s.key} ${s.status}`).join(', ')}; report job ${record.executor?.reportJobId}`,
    );

    // 5. Slurm kills the paused run at its time limit: failed, with that reason.
    const limited = await waitFor(
      'the time limit',
      () => {
        const l = listRuns().find((x) => x.dir === longDir)!;
        return l.status === 'failed' && l;
      },
      150,
    );
    assert.match(limited.error ?? '', /time limit/);
    assert.equal(runJson(longDir).executor?.slurm?.state, 'TIMEOUT');
    const epochsBefore = limited.epochsDone;
    seen.push(`${at()} limited run: ${limited.status}, "${limited.error}"`);

    // 6. resume submits a new job that continues from the last checkpoint and finishes.
    const resume = cli(['resume', longDir, '--slurm-time', '10']);
    assert.equal(resume.status, 0, resume.stderr);
    assert.match(resume.stdout, /submitted Slurm job \d+: .* continues from its last checkpoint/);
    const done = await waitFor(
      'the resumed run',
      () => {
        const l = listRuns().find((x) => x.dir === longDir)!;
        return (l.status === 'completed' || l.status === 'failed') && l;
      },
      120,
    );
    const final = runJson(longDir);
    assert.equal(done.status, 'completed', done.error ?? '');
    assert.deepEqual(final.executor?.slurm?.previousJobs, [longInfo.executor!.slurm!.jobId]);
    assert.notEqual(final.resumedFrom ?? 'start', 'start', 'continued from a checkpoint');
    const epochs = readFileSync(join(longDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { epoch: number }).epoch);
    assert.deepEqual(epochs, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'every epoch once');
    seen.push(
      `${at()} limited run resumed as job ${final.executor?.slurm?.jobId} from '${final.resumedFrom}' (${epochsBefore} epochs before): ${final.status}`,
    );
  },
);

test('sbatch refusing a job (bad partition): its own words, exit 2, the run folder failed', { skip, timeout: 60_000 }, () => {
  const r = cli([
    'train',
    '--executor',
    'slurm',
    '--slurm-partition',
    'nope',
    '--epochs',
    '1',
    '--baseline',
    '--name',
    'refused',
    '--runs-dir',
    runsDir,
    ...small,
  ]);
  assert.equal(r.status, 2, r.stdout);
  assert.match(r.stderr, /^tucker-train: sbatch refused the job: sbatch: error: invalid partition specified: nope/);
  const dir = readdirSync(runsDir).find((n) => n.includes('refused'))!;
  const info = runJson(join(runsDir, dir));
  assert.equal(info.status, 'failed');
  assert.match(info.error ?? '', /invalid partition/);
  seen.push(`${at()} bad partition: exit ${r.status}, folder ${info.status}`);
});
