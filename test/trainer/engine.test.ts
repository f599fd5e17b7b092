// The engine end to end on tiny synthetic data (wasm backend with our kernels): the run folder a
// schedule must produce, stop + resume, and failure on a diverging loss.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../src/cli/config';
import { resumeRun, startRun } from '../../src/trainer/engine';
import { lastCheckpoint } from '../../src/runs/checkpoints';
import type { EpochMetrics, RunEvent, RunInfo } from '../../src/runs/types';
import type { TrainerMessage } from '../../src/protocol';
import { tempDir, useWasm } from '../support/backend';

before(useWasm);

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

function config(runsDir: string, extra: Record<string, string | boolean> = {}) {
  return resolveConfig({
    model: 'small-cnn',
    dataset: 'synthetic:8x8x3',
    epochs: '4',
    'decompose-at': '1',
    'reconstruct-at': '3',
    'rank-policy': 'ratio:0.5',
    'batch-size': '32',
    lr: '0.02',
    backend: 'wasm',
    'runs-dir': runsDir,
    ...extra,
  });
}

test('decompose + reconstruct run writes a complete run folder with all three phases', async () => {
  const runsDir = tempDir();
  const messages: TrainerMessage[] = [];
  const out = await startRun(config(runsDir), { onMessage: (m) => messages.push(m) });
  assert.equal(out.status, 'completed');
  const run = JSON.parse(readFileSync(join(out.runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(run.status, 'completed');
  assert.equal(run.backend?.used, 'wasm');
  assert.equal(run.config.decomposeAt, 1);
  assert.ok(run.endedAt && run.startedAt);

  const metrics = readJsonl<EpochMetrics>(join(out.runDir, 'metrics.jsonl'));
  assert.deepEqual(
    metrics.map((m) => m.epoch),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    metrics.map((m) => m.phase),
    ['original', 'decomposed', 'decomposed', 'reconstructed'],
  );
  for (const m of metrics) {
    for (const k of ['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy', 'lr', 'seconds', 'epochSeconds', 'imagesPerSecond'] as const) {
      assert.ok(Number.isFinite(m[k]), `${k} = ${m[k]}`);
    }
  }
  const [p1, p2, , p4] = metrics.map((m) => m.params);
  assert.ok(p2 < p1, `decomposed ${p2} < original ${p1}`);
  assert.equal(p4, p1, 'reconstruction restores exactly the original parameter count');
  assert.ok(metrics[1].seconds > metrics[0].seconds);

  const events = readJsonl<RunEvent>(join(out.runDir, 'events.jsonl'));
  const dec = events.find((e) => e.type === 'decompose');
  assert.ok(dec && dec.type === 'decompose');
  assert.equal(dec.epoch, 1);
  assert.equal(dec.layers.length, 5);
  for (const l of dec.layers.filter((x) => !x.skipped)) {
    assert.ok(l.k1! >= 1 && l.k2! >= 1 && l.compression! > 1 && l.approximationError! > 0);
  }
  assert.equal(dec.paramsAfter, p2);
  const rec = events.find((e) => e.type === 'reconstruct');
  assert.ok(rec && rec.type === 'reconstruct');
  assert.ok(rec.maxOutputDifference! < 1e-4, `outputs before/after reconstruction differ by ${rec.maxOutputDifference}`);
  const labels = events.filter((e) => e.type === 'checkpoint').map((e) => (e as { label: string }).label);
  assert.deepEqual(labels, ['decomposed', 'reconstructed', 'final']);
  for (const l of labels) assert.ok(existsSync(join(out.runDir, 'checkpoints', l, 'weights.bin')));

  // the same records went out as messages, in order
  assert.equal(messages[0].type, 'started');
  assert.equal(messages.filter((m) => m.type === 'metrics').length, 4);
  assert.deepEqual(messages[messages.length - 1], { type: 'finished', status: 'completed', runDir: out.runDir });
});

test('stop finishes the step, checkpoints, and resume continues at the right epoch', async () => {
  const runsDir = tempDir();
  // 256 samples / 32 = 8 steps per epoch; shouldStop is polled before each step and after each
  // epoch, so its 12th call comes before the third step of epoch 2
  let polls = 0;
  const stopped = await startRun(config(runsDir), { shouldStop: () => ++polls >= 12 });
  assert.equal(stopped.status, 'stopped');
  const run = JSON.parse(readFileSync(join(stopped.runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(run.status, 'stopped');
  assert.deepEqual(
    readJsonl<EpochMetrics>(join(stopped.runDir, 'metrics.jsonl')).map((m) => m.epoch),
    [1],
  );
  const ck = lastCheckpoint(stopped.runDir);
  assert.ok(ck);
  assert.equal(ck.meta.epochsCompleted, 1);
  assert.ok(ck.meta.label.startsWith('stopped'));
  // the checkpoint holds the decomposed network (decomposition happened after epoch 1)
  const saved = JSON.parse(readFileSync(join(ck.dir, 'model.json'), 'utf8'));
  assert.match(JSON.stringify(saved.modelTopology), /_tucker_core/);

  const resumed = await resumeRun(stopped.runDir);
  assert.equal(resumed.status, 'completed');
  const metrics = readJsonl<EpochMetrics>(join(stopped.runDir, 'metrics.jsonl'));
  assert.deepEqual(
    metrics.map((m) => m.epoch),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    metrics.map((m) => m.phase),
    ['original', 'decomposed', 'decomposed', 'reconstructed'],
  );
  const after = JSON.parse(readFileSync(join(stopped.runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(after.resumedFrom, ck.meta.label);
  assert.equal(metrics[3].params, metrics[0].params);
  assert.ok(
    metrics.every((m, i) => i === 0 || m.seconds > metrics[i - 1].seconds),
    'time keeps counting across the resume',
  );
});

test('a diverging loss ends the run as failed with a message, metrics kept', async () => {
  const runsDir = tempDir();
  const out = await startRun(config(runsDir, { lr: '1e12', 'decompose-at': 'none', 'reconstruct-at': 'none' }));
  assert.equal(out.status, 'failed');
  const run = JSON.parse(readFileSync(join(out.runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(run.status, 'failed');
  assert.match(run.error!, /loss became (NaN|Infinity|-Infinity)/);
  assert.match(run.error!, /--lr/);
  const events = readJsonl<RunEvent>(join(out.runDir, 'events.jsonl'));
  assert.ok(events.some((e) => e.type === 'error'));
  assert.equal(readdirSync(runsDir).length, 1);
});

test("a user's Sequential model.json trains from its saved weights through decomposition and reconstruction", async () => {
  const runsDir = tempDir();
  const model = join(__dirname, '..', '..', 'fixtures', 'models', 'small-cnn', 'model.json');
  const out = await startRun(
    config(runsDir, {
      model,
      dataset: 'synthetic:28x28x1',
      epochs: '3',
      'decompose-at': '1',
      'reconstruct-at': '2',
      'rank-policy': 'vbmf',
    }),
  );
  assert.equal(out.status, 'completed');
  const metrics = readJsonl<EpochMetrics>(join(out.runDir, 'metrics.jsonl'));
  assert.deepEqual(
    metrics.map((m) => m.phase),
    ['original', 'decomposed', 'reconstructed'],
  );
  assert.equal(metrics[0].params, 23114, 'the fixture as saved');
  assert.ok(metrics[1].params < metrics[0].params);
  assert.equal(metrics[2].params, metrics[0].params);
  const dec = readJsonl<RunEvent>(join(out.runDir, 'events.jsonl')).find((e) => e.type === 'decompose');
  assert.ok(dec && dec.type === 'decompose');
  // the fixture's conv1 was left as random noise: EVBMF skips it and says why
  assert.match(dec.layers.find((l) => l.name === 'conv1')!.skipped!, /no signal above noise/);
  await assert.rejects(
    startRun(config(tempDir(), { model, dataset: 'synthetic:8x8x3' })),
    /its input is 28×28×1 but dataset 'synthetic:8x8x3' gives 8×8×3 images/,
  );
});
