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
    decide: 'flops', // deterministic layer choices; --decide measured has its own test below
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
  // 256 samples / 32 = 8 steps per epoch; the first progress message of epoch 2 (step 1, never
  // throttled) asks for the stop, so it lands before step 2, after the decomposition
  let stop = false;
  const stopped = await startRun(config(runsDir), {
    shouldStop: () => stop,
    onMessage: (m) => {
      if (m.type === 'progress' && m.epoch === 2) stop = true;
    },
  });
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
  assert.match(dec.layers.find((l) => l.name === 'conv1')!.skipped!, /no structure above noise/);
  await assert.rejects(
    startRun(config(tempDir(), { model, dataset: 'synthetic:8x8x3' })),
    /its input is 28×28×1 but dataset 'synthetic:8x8x3' gives 8×8×3 images/,
  );
});

test('--decompose-at auto decides inside its bounds, records the rank history and the chosen epoch; resume continues the rule', async () => {
  const runsDir = tempDir();
  const cfg = config(runsDir, {
    epochs: '5',
    'decompose-at': 'auto',
    'auto-min-epoch': '2',
    'auto-max-epoch': '3',
    'reconstruct-at': 'none',
    'rank-policy': 'ratio:0.5',
  });
  assert.equal(cfg.decomposeAt, 'auto');
  assert.deepEqual([cfg.autoMinEpoch, cfg.autoMaxEpoch, cfg.keepFirstConv], [2, 3, true]);
  // Stop before the third step of epoch 2 (as in the stop test above), then resume.
  let polls = 0;
  const stopped = await startRun(cfg, { shouldStop: () => ++polls >= 12 });
  assert.equal(stopped.status, 'stopped');
  const early = readJsonl<RunEvent>(join(stopped.runDir, 'events.jsonl')).filter((e) => e.type === 'ranks');
  assert.deepEqual(
    early.map((e) => e.epoch),
    [1],
  );
  const resumed = await resumeRun(stopped.runDir);
  assert.equal(resumed.status, 'completed');

  const events = readJsonl<RunEvent>(join(stopped.runDir, 'events.jsonl'));
  const ranks = events.filter((e): e is Extract<RunEvent, { type: 'ranks' }> => e.type === 'ranks');
  const dec = events.filter((e): e is Extract<RunEvent, { type: 'decompose' }> => e.type === 'decompose');
  assert.equal(dec.length, 1);
  const d = dec[0].epoch;
  assert.ok(d >= 2 && d <= 3, `decomposed after ${d}`);
  // One ranks event per epoch of the original network, up to the decision, which says why.
  assert.deepEqual(
    ranks.map((e) => e.epoch),
    Array.from({ length: d }, (_, i) => i + 1),
  );
  assert.ok(ranks.slice(0, -1).every((e) => !e.decision.decompose));
  assert.equal(ranks[d - 1].decision.decompose, true);
  assert.match(ranks[d - 1].decision.reason, d === 3 ? /ranks settled|maximum epoch 3/ : /ranks settled/);
  for (const e of ranks) {
    // small-cnn: five 3×3 convs, the first kept full-rank (--keep-first-conv), so four watched
    assert.deepEqual(
      e.layers.map((l) => l.name),
      ['conv2d_2', 'conv2d_3', 'conv2d_4', 'conv2d_5'],
    );
    for (const l of e.layers) assert.ok(l.k1 >= 0 && l.k2 >= 0 && l.stableK1 >= 1 && l.stableK2 >= 1, JSON.stringify(l));
    // The rule watches the run's policy: ratio:0.5 ranks are half the channels, every epoch.
    assert.equal(e.rankPolicy, 'ratio:0.5');
    for (const l of e.layers) assert.deepEqual([l.k1, l.k2], [l.kernel[2] / 2, l.kernel[3] / 2], l.name);
  }
  // Constant ranks settle as soon as the patience allows: two unchanged steps after epochs 1–3.
  assert.equal(d, 3);
  assert.match(ranks[2].decision.reason, /ranks settled/);
  const run = JSON.parse(readFileSync(join(stopped.runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(run.decomposedAt, d);
  assert.equal(run.config.decomposeAt, 'auto');
  const metrics = readJsonl<EpochMetrics>(join(stopped.runDir, 'metrics.jsonl'));
  assert.deepEqual(
    metrics.map((m) => m.phase),
    [1, 2, 3, 4, 5].map((e) => (e <= d ? 'original' : 'decomposed')),
  );
  assert.equal(dec[0].layers.find((l) => l.name === 'conv2d_1')!.rule, 'kept');
  const { compareRuns } = await import('../../src/runs/compare');
  assert.equal(compareRuns([{ info: run, metrics, events }]).rows[0].scenario, `decomposed automatically after epoch ${d} (ratio:0.5)`);
});

test('--switch-lr restart:2 raises the rate after the switch back to --lr and anneals it; keep follows the schedule', async () => {
  const lrs: Record<string, number[]> = {};
  for (const mode of ['keep', 'restart:2']) {
    const out = await startRun(
      config(tempDir(), { epochs: '4', 'decompose-at': '1', 'reconstruct-at': 'none', 'lr-milestones': '1', 'switch-lr': mode }),
    );
    assert.equal(out.status, 'completed');
    lrs[mode] = readJsonl<EpochMetrics>(join(out.runDir, 'metrics.jsonl')).map((m) => m.lr);
  }
  // lr 0.02, ×0.1 after epoch 1: keep runs 0.002 after the switch.
  assert.deepEqual(
    lrs.keep.map((x) => +x.toFixed(6)),
    [0.02, 0.002, 0.002, 0.002],
  );
  // restart:2: epochs 2–3 anneal step by step from 0.02 to 0.002 (recorded: each epoch's starting rate), then the schedule.
  assert.deepEqual(
    lrs['restart:2'].map((x) => +x.toFixed(6)),
    [0.02, 0.02, 0.011, 0.002],
  );
});

test('--decide measured (the default): every decomposable layer is timed on the backend and its choice recorded', async () => {
  const cfg = config(tempDir(), { decide: 'measured', 'decompose-pointwise': true, 'decompose-dense': true });
  assert.equal(resolveConfig({ 'runs-dir': tempDir() }).decide, 'measured');
  const out = await startRun({ ...cfg, epochs: 2, reconstructAt: null });
  assert.equal(out.status, 'completed');
  const dec = readJsonl<RunEvent>(join(out.runDir, 'events.jsonl')).find((e) => e.type === 'decompose');
  assert.ok(dec && dec.type === 'decompose');
  assert.ok(
    dec.layers.some((l) => l.type === 'Dense'),
    'the dense layer is listed with --decompose-dense',
  );
  const timed = dec.layers.filter((l) => l.measured);
  assert.ok(timed.length > 0);
  for (const l of timed) {
    const m = l.measured!;
    assert.equal(m.batch, 32);
    assert.ok(m.originalMs > 0 && m.candidates.length >= 1 && m.candidates.every((c) => c.ms > 0));
    if (m.chosen === null) assert.ok(l.skipped!.startsWith('kept dense') && l.rule === 'measured', JSON.stringify(l));
    else assert.deepEqual(l.k1 !== null ? [l.k1, l.k2] : [l.rank], m.candidates[m.chosen].ranks);
  }
  const run = JSON.parse(readFileSync(join(out.runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.deepEqual([run.config.decide, run.config.decomposePointwise, run.config.decomposeDense], ['measured', true, true]);
});
