// Sequential freezing (issue 13, docs/design.md §4.5): the rotation, frozen weights bit-identical
// over an epoch while the trainable group's change, no filter gradients and no optimizer state for
// frozen weights, and a stopped + resumed run continuing the rotation exactly.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../../src/cli/config';
import { resumeRun, startRun } from '../../src/trainer/engine';
import { decomposeModel } from '../../src/trainer/surgery';
import { buildZooModel } from '../../src/trainer/zoo';
import { loadDataset } from '../../src/trainer/data';
import { trainEpoch } from '../../src/trainer/loop';
import { Sgd } from '../../src/trainer/sgd';
import { createRng } from '../../src/core/random';
import { factorGroupOfLayer, freezeFactors, parseFreeze, trainableGroupAt, type FactorGroup } from '../../src/trainer/freezing';
import type { EpochMetrics } from '../../src/runs/types';
import { tempDir, useWasm } from '../support/backend';

before(useWasm);

test('the trainable group rotates first → core → last, K epochs each, only after the decomposition', () => {
  const seq = (spec: string, d: number | null, n: number) =>
    Array.from({ length: n }, (_, i) => trainableGroupAt(parseFreeze(spec), i + 1, d));
  assert.deepEqual(seq('sequential', 2, 7), [null, null, 'first', 'core', 'last', 'first', 'core']);
  assert.deepEqual(seq('sequential:2', 1, 8), [null, 'first', 'first', 'core', 'core', 'last', 'last', 'first']);
  assert.deepEqual(seq('sequential', 0, 3), ['first', 'core', 'last']);
  assert.deepEqual(seq('none', 1, 3), [null, null, null]);
  assert.deepEqual(seq('sequential', null, 3), [null, null, null]);
  assert.deepEqual(parseFreeze('SEQUENTIAL:3'), { kind: 'sequential', every: 3 });
  assert.throws(() => parseFreeze('sequential:0'), /--freeze: 'sequential:0' must be/);
  assert.throws(() => parseFreeze('rotate'), /--freeze: 'rotate' must be/);
});

test('factor groups by layer name: Tucker factors, and the SVD split halves of 1×1 convs and Dense layers', () => {
  assert.equal(factorGroupOfLayer('conv2d_2_tucker_in'), 'first');
  assert.equal(factorGroupOfLayer('conv2d_2_tucker_core'), 'core');
  assert.equal(factorGroupOfLayer('conv2d_2_tucker_out'), 'last');
  assert.equal(factorGroupOfLayer('dense_1_svd_in'), 'first');
  assert.equal(factorGroupOfLayer('shortcut_svd_out'), 'last');
  assert.equal(factorGroupOfLayer('conv2d_1'), null);
});

async function decomposedSmallCnn(): Promise<tf.LayersModel> {
  const m = buildZooModel('small-cnn', { inputShape: [8, 8, 3], numClasses: 10, seed: 1 });
  const d = await decomposeModel(m, { policy: { kind: 'ratio', fraction: 0.5 } });
  m.dispose();
  return d.model;
}

const snapshot = (vars: tf.Variable[]) => new Map(vars.map((v) => [v, v.dataSync().slice() as Float32Array]));
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

test('in a frozen epoch only the trainable group and the undecomposed layers change; frozen weights hold no momentum', async () => {
  const model = await decomposedSmallCnn();
  const data = loadDataset('synthetic:8x8x3');
  const opt = new Sgd(0.02, 0.9, 5e-3);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const groupOf = new Map<tf.Variable, FactorGroup | null>();
  for (const l of model.layers) for (const w of l.trainableWeights) groupOf.set(w.read() as tf.Variable, factorGroupOfLayer(l.name));
  assert.ok([...groupOf.values()].filter((g) => g === 'core').length >= 2, 'small-cnn has Tucker blocks');
  assert.ok(
    [...groupOf.values()].some((g) => g === null),
    'and layers that are no factors',
  );
  const rng = createRng(5);
  await trainEpoch(model, data, opt, 64, rng); // every weight gets momentum first
  assert.equal(opt.stateCount, vars.length);

  for (const trainable of ['core', 'last'] as const) {
    const { frozen, restore } = freezeFactors(model, trainable);
    opt.freeze(frozen);
    const expected = vars.filter((v) => groupOf.get(v) !== null && groupOf.get(v) !== trainable);
    assert.deepEqual(new Set(expected), frozen);
    for (const v of frozen) assert.equal(opt.hasState(v), false, `${v.name}: its momentum was dropped`);
    const before = snapshot(vars);
    await trainEpoch(model, data, opt, 64, rng, { frozen });
    restore();
    for (const v of vars) {
      const unchanged = same(before.get(v)!, v.dataSync() as Float32Array);
      assert.equal(unchanged, frozen.has(v), `${v.name} (${groupOf.get(v) ?? 'not a factor'}) while '${trainable}' trains`);
      assert.equal(opt.hasState(v), !frozen.has(v), `${v.name}: no optimizer state while frozen`);
    }
    assert.equal(opt.stateCount, vars.length - frozen.size);
  }
  opt.dispose();
  model.dispose();
});

test('frozen factors get no filter-gradient kernel at all (not computed then dropped)', async () => {
  const model = await decomposedSmallCnn();
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const blocks = model.layers.filter((l) => factorGroupOfLayer(l.name) === 'core').length;
  const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 3);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
  const filterGrads = async (frozen: Set<tf.Variable>) => {
    const info = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(y, model.apply(x, { training: true }) as tf.Tensor),
        vars.filter((v) => !frozen.has(v)),
      );
      tf.dispose([value, ...Object.values(grads)]);
    });
    return info.kernels.filter((k) => k.name === 'Conv2DBackpropFilter').length;
  };
  const all = await filterGrads(new Set());
  const { frozen, restore } = freezeFactors(model, 'first');
  const some = await filterGrads(frozen);
  restore();
  assert.equal(some, all - 2 * blocks, `${all} filter gradients unfrozen, ${some} with core and last frozen (${blocks} blocks)`);
  assert.equal(await filterGrads(new Set()), all, 'restore() brings the fused convolutions back');
  tf.dispose([x, y]);
  model.dispose();
});

function config(runsDir: string) {
  return resolveConfig({
    model: 'small-cnn',
    dataset: 'synthetic:8x8x3',
    epochs: '5',
    'decompose-at': '1',
    'reconstruct-at': 'none',
    'rank-policy': 'ratio:0.5',
    'batch-size': '32',
    lr: '0.02',
    backend: 'wasm',
    freeze: 'sequential',
    'runs-dir': runsDir,
    decide: 'flops', // two runs compared bit for bit: a timing-based layer choice could differ between them
  });
}

const metricsOf = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EpochMetrics);

test('metrics record the trainable group per epoch, and a stopped + resumed run continues the rotation bit for bit', async () => {
  const whole = await startRun(config(tempDir()));
  assert.equal(whole.status, 'completed');
  const m = metricsOf(whole.runDir);
  assert.deepEqual(
    m.map((r) => r.trainableGroup ?? null),
    [null, 'first', 'core', 'last', 'first'],
  );

  let stop = false;
  const stopped = await startRun(config(tempDir()), {
    shouldStop: () => stop,
    onMessage: (msg) => {
      if (msg.type === 'metrics' && msg.record.epoch === 3) stop = true; // at the end of the 'core' epoch: an exact checkpoint
    },
  });
  assert.equal(stopped.status, 'stopped');
  assert.equal(metricsOf(stopped.runDir).length, 3);
  const resumed = await resumeRun(stopped.runDir);
  assert.equal(resumed.status, 'completed');
  const r = metricsOf(resumed.runDir);
  assert.deepEqual(
    r.map((x) => x.trainableGroup ?? null),
    [null, 'first', 'core', 'last', 'first'],
  );
  assert.deepEqual(
    r.map((x) => [x.trainLoss, x.valLoss]),
    m.map((x) => [x.trainLoss, x.valLoss]),
    'the resumed run follows the uninterrupted one exactly',
  );
});
