// Failures around a run other than SIGKILL (issue 15): a resume that cannot load its data or any
// checkpoint leaves the folder byte-identical; a damaged newest checkpoint falls back to an older
// one; torn last lines are repaired; a full disk and an uncaught error end the run `failed` with
// a message that names the file or the error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../../src/core/random';
import type { EpochMetrics, RunEvent } from '../../src/runs/types';
import { tempDir } from '../support/backend';
import { TRAIN_ARGS, assertSameTrajectory, onlyRun, runCli, runInfo, snapshot, strictJsonl } from './support';

/** A tiny CIFAR-10 binary folder: `records` random images per file. */
function tinyCifar(dir: string, records = 4): void {
  mkdirSync(dir, { recursive: true });
  const rng = createRng(3);
  for (const f of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) {
    const b = Buffer.alloc(records * 3073);
    for (let i = 0; i < b.length; i++) b[i] = i % 3073 === 0 ? Math.floor(rng.uniform() * 10) : Math.floor(rng.uniform() * 256);
    writeFileSync(join(dir, f), b);
  }
}

const CIFAR_ARGS = [
  '--model',
  'small-cnn',
  '--epochs',
  '2',
  '--baseline',
  '--batch-size',
  '8',
  '--backend',
  'wasm',
  '--checkpoint-every',
  '1',
  '--quiet',
];

test('a relative dataset path is stored absolute: resume works from another directory; without the data it leaves the folder byte-identical', async () => {
  const work = tempDir('tucker-cwd-');
  tinyCifar(join(work, 'data'));
  const runsDir = join(work, 'runs');
  const first = await runCli(['train', ...CIFAR_ARGS, '--dataset', 'cifar10:data', '--runs-dir', 'runs'], {
    cwd: work,
    env: { TUCKER_TRAIN_FAULT: 'kill:metrics@2' },
  });
  assert.equal(first.signal, 'SIGKILL', first.stderr);
  const dir = onlyRun(runsDir);
  assert.equal(runInfo(dir).config.dataset, `cifar10:${join(work, 'data')}`);

  renameSync(join(work, 'data'), join(work, 'moved'));
  const before = snapshot(dir);
  const failed = await runCli(['resume', dir, '--quiet'], { cwd: '/' });
  assert.equal(failed.code, 2, failed.stderr);
  assert.equal(failed.stderr.trim().split('\n').length, 1, failed.stderr);
  assert.match(failed.stderr, /cifar10:.*data.*folder not found/);
  assert.deepEqual(snapshot(dir), before, 'a failed resume changes nothing in the run folder');

  renameSync(join(work, 'moved'), join(work, 'data'));
  const resumed = await runCli(['resume', dir, '--quiet'], { cwd: '/' });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(runInfo(dir).status, 'completed');
  assert.deepEqual(
    strictJsonl<EpochMetrics>(join(dir, 'metrics.jsonl')).map((m) => m.epoch),
    [1, 2],
  );
});

async function reference(): Promise<string> {
  const runsDir = tempDir('tucker-ref-');
  const r = await runCli(['train', ...TRAIN_ARGS, '--quiet', '--runs-dir', runsDir]);
  assert.equal(r.code, 0, r.stderr);
  return onlyRun(runsDir);
}

test('a damaged newest checkpoint: resume falls back to the newest one that loads, sets the damaged one aside, and continues the same run', async () => {
  const ref = await reference();
  const runsDir = tempDir('tucker-fault-');
  const first = await runCli(['train', ...TRAIN_ARGS, '--quiet', '--runs-dir', runsDir], { env: { TUCKER_TRAIN_FAULT: 'kill:metrics@3' } });
  assert.equal(first.signal, 'SIGKILL');
  const dir = onlyRun(runsDir);
  // epoch-2 is the newest; a truncated weights.bin makes TF.js refuse it
  truncateSync(join(dir, 'checkpoints', 'epoch-2', 'weights.bin'), 100);
  // torn last lines, as a crash in the middle of an append leaves them
  appendFileSync(join(dir, 'metrics.jsonl'), '{"epoch":3,"step":6,"pha');
  appendFileSync(join(dir, 'events.jsonl'), '{"type":"checkp');
  const r = await runCli(['resume', dir], { cwd: '/' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /checkpoint 'epoch-2' does not load .*trying an older one/);
  assert.match(r.stdout, /resuming .* from checkpoint 'epoch-1'/);
  assert.ok(readdirSync(join(dir, 'checkpoints')).includes('epoch-2.unusable'));
  assertSameTrajectory(ref, dir, 'fallback');
});

test('every checkpoint damaged: resume refuses, naming them, and the folder stays byte-identical', async () => {
  const runsDir = tempDir('tucker-fault-');
  const first = await runCli(['train', ...TRAIN_ARGS, '--quiet', '--runs-dir', runsDir], { env: { TUCKER_TRAIN_FAULT: 'kill:metrics@2' } });
  assert.equal(first.signal, 'SIGKILL');
  const dir = onlyRun(runsDir);
  for (const label of ['decomposed', 'epoch-1']) writeFileSync(join(dir, 'checkpoints', label, 'weights.bin'), 'x');
  appendFileSync(join(dir, 'metrics.jsonl'), '{"torn');
  const before = snapshot(dir);
  const r = await runCli(['resume', dir, '--quiet']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no checkpoint loads \('epoch-1': .*; 'decomposed': .*\); the run folder was left as it was/);
  assert.deepEqual(snapshot(dir), before);
});

for (const [point, file] of [
  ['checkpoint-weights@2', /checkpoints\/epoch-1\.tmp-\d+\/weights\.bin/],
  ['metrics@2', /metrics\.jsonl/],
  ['event@3', /events\.jsonl/],
] as const) {
  test(`a full disk (injected ENOSPC at ${point}) ends the run failed, naming the file; resume continues`, async () => {
    const runsDir = tempDir('tucker-fault-');
    const r = await runCli(['train', ...TRAIN_ARGS, '--quiet', '--runs-dir', runsDir], { env: { TUCKER_TRAIN_FAULT: `enospc:${point}` } });
    assert.equal(r.code, 1, r.stderr);
    const dir = onlyRun(runsDir);
    const info = runInfo(dir);
    assert.equal(info.status, 'failed');
    assert.equal(info.pid, null);
    assert.match(info.error!, /no space left on device \(ENOSPC\)/);
    assert.match(info.error!, file);
    assert.match(r.stderr, /no space left on device/);
    assert.deepEqual(
      readdirSync(join(dir, 'checkpoints')).filter((n) => n.includes('.tmp-')),
      [],
      'the half-written checkpoint is removed (its space is needed)',
    );
    const events = strictJsonl<RunEvent>(join(dir, 'events.jsonl'));
    assert.equal(events[events.length - 1].type, 'error');
    const resumed = await runCli(['resume', dir, '--quiet']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(runInfo(dir).status, 'completed');
  });
}

test('an uncaught error in the trainer is recorded: status failed with the message, not running forever', async () => {
  const runsDir = tempDir('tucker-fault-');
  const r = await runCli(['train', ...TRAIN_ARGS, '--quiet', '--runs-dir', runsDir], { env: { TUCKER_TRAIN_FAULT: 'uncaught:metrics@2' } });
  assert.equal(r.code, 1, r.stderr);
  const info = runInfo(onlyRun(runsDir));
  assert.equal(info.status, 'failed');
  assert.match(info.error!, /internal error: injected fault at metrics/);
});

test('after a SIGKILL, `tucker-train runs` shows the run crashed (run.json still says running) and resume is offered', async () => {
  const runsDir = tempDir('tucker-fault-');
  const first = await runCli(['train', ...TRAIN_ARGS, '--quiet', '--runs-dir', runsDir], { env: { TUCKER_TRAIN_FAULT: 'kill:metrics@1' } });
  assert.equal(first.signal, 'SIGKILL');
  const dir = onlyRun(runsDir);
  assert.equal(runInfo(dir).status, 'running');
  assert.ok(runInfo(dir).pidStart, 'the start time of the trainer was recorded with its pid');
  const list = await runCli(['runs', '--runs-dir', runsDir, '--json']);
  assert.equal(list.code, 0, list.stderr);
  const [line] = JSON.parse(list.stdout) as { status: string; epochsDone: number; error: string }[];
  assert.equal(line.status, 'crashed');
  assert.equal(line.epochsDone, 1);
  assert.match(line.error, /crashed or was killed; continue it with 'tucker-train resume'/);
  const text = await runCli(['runs', '--runs-dir', runsDir]);
  assert.match(text.stdout, /^crashed +local +1\/4 epochs/m);
});
