// The SVD split of 1×1 convolutions and Dense layers in training (--decompose-pointwise,
// --decompose-dense): exact at full rank, merged back exactly, ranks by the policy, the skip rule.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { decomposeModel, reconstructModel, splitLayerNames } from '../../src/trainer/surgery';
import { mergeSplitKernels } from '../../src/trainer/splitSurgery';
import { ratioRank } from '../../src/core/rankPolicy';
import { buildZooModel } from '../../src/trainer/zoo';
import { predictBatch } from '../../src/trainer/loop';
import { relDiff, randomInput, useWasm } from '../support/backend';

before(useWasm);
const shape: [number, number, number] = [8, 8, 3];

/** conv 3×3 → 1×1 conv (stride 2, bias, relu) → flatten → dense 256→24 (relu) → dense 24→10; functional or Sequential. */
function net(sequential: boolean): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
  const layers = [
    tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'c3' }),
    tf.layers.conv2d({
      filters: 16,
      kernelSize: 1,
      strides: 2,
      activation: 'relu',
      kernelInitializer: init(2),
      biasInitializer: 'randomNormal',
      name: 'pw',
    }),
    tf.layers.flatten({ name: 'flat' }),
    tf.layers.dense({ units: 24, activation: 'relu', kernelInitializer: init(3), biasInitializer: 'randomNormal', name: 'fc1' }),
    tf.layers.dense({ units: 10, kernelInitializer: init(4), name: 'fc2' }),
  ];
  if (sequential) return tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: shape }), ...layers] });
  const input = tf.input({ shape });
  let x: tf.SymbolicTensor = input;
  for (const l of layers) x = l.apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

for (const sequential of [false, true]) {
  test(`${sequential ? 'Sequential' : 'functional'}: 1×1 conv and dense splits at full rank reproduce the outputs; the merge restores the layers`, async () => {
    const m = net(sequential);
    const x = randomInput(4, shape);
    const y0 = await predictBatch(m, x, 4, shape);
    const overrides = { pw: { rank: 8 }, fc1: { rank: 24 }, fc2: { rank: 10 } };
    const d = await decomposeModel(m, { policy: { kind: 'vbmf' }, overrides, pointwise: true, dense: true });
    assert.deepEqual(splitLayerNames(d.model).sort(), ['fc1', 'fc2', 'pw']);
    // The stride stays on the first half of the 1×1 split; the bias and activation go to the second.
    const first = d.model.getLayer('pw_svd_in').getConfig();
    const second = d.model.getLayer('pw_svd_out').getConfig();
    assert.deepEqual([first.strides, first.useBias, first.activation], [[2, 2], false, 'linear']);
    assert.deepEqual([second.strides, second.useBias, second.activation], [[1, 1], true, 'relu']);
    for (const l of d.layers.filter((r) => r.rank !== null)) assert.ok(l.approximationError! < 1e-6, `${l.name}: ${l.approximationError}`);
    const yDec = await predictBatch(d.model, x, 4, shape);
    assert.ok(relDiff(y0, yDec) < 1e-4, `split differs by ${relDiff(y0, yDec)}`);
    const r = await reconstructModel(d.model);
    assert.deepEqual(
      r.layers.map((l) => l.name),
      m.layers.map((l) => l.name),
    );
    assert.equal(r.countParams(), m.countParams());
    // Merged kernels are first·second, so the merged network computes what the split one did.
    assert.ok(relDiff(yDec, await predictBatch(r, x, 4, shape)) < 1e-5);
    assert.ok(
      relDiff(Array.from(r.getLayer('fc1').getWeights()[0].dataSync()), Array.from(m.getLayer('fc1').getWeights()[0].dataSync())) < 1e-5,
    );
    for (const x of [m, d.model, r]) x.dispose();
  });
}

test('mergeSplitKernels is the exact product first·second (rounded once to float32)', () => {
  const first = Float32Array.from([1, 2, 0, -1, 0.5, 3]); // 3 × 2
  const second = Float32Array.from([2, 0, 1, -1, 4, 0.25]); // 2 × 3
  assert.deepEqual(Array.from(mergeSplitKernels(first, second, 3, 2, 3)), [0, 8, 1.5, 1, -4, -0.25, -2, 12, 1.25]);
});

test('split ranks follow the policy; a split that saves nothing is skipped with the rule; without the flags nothing is split', async () => {
  const m = net(false);
  const d = await decomposeModel(m, { policy: { kind: 'ratio', fraction: 0.25 }, pointwise: true, dense: true });
  const row = (n: string) => d.layers.find((l) => l.name === n)!;
  assert.equal(row('pw').rank, ratioRank(8, 0.25)); // min(Cin, Cout) = 8 → 2
  assert.equal(row('fc1').rank, ratioRank(24, 0.25)); // 6
  assert.deepEqual(d.model.getLayer('fc1_svd_in').getWeights()[0].shape, [256, 6]);
  assert.deepEqual(d.model.getLayer('fc1_svd_out').getWeights()[0].shape, [6, 24]);
  assert.equal(row('pw').paramsAfter, 2 * (8 + 16) + 16);
  // fc2: 24→10 at ratio 0.25 = rank 3 saves (3·34 = 102 < 240); at ratio 1, rank 10: 10·34 = 340 ≥ 240.
  const full = await decomposeModel(m, { policy: { kind: 'ratio', fraction: 1 }, dense: true });
  assert.match(full.layers.find((l) => l.name === 'fc2')!.skipped!, /^no saving: r·\(in\+out\) = 10·\(24\+10\) = 340 ≥ in·out = 240/);
  assert.ok(!full.layers.some((l) => l.name === 'pw' && !l.skipped));
  // Without the flags: Dense layers are not listed, 1×1 convs are listed as skipped.
  const none = await decomposeModel(m, { policy: { kind: 'ratio', fraction: 0.25 } });
  assert.ok(!none.layers.some((l) => l.type === 'Dense'));
  assert.match(none.layers.find((l) => l.name === 'pw')!.skipped!, /1×1.*--decompose-pointwise/);
  assert.deepEqual(splitLayerNames(none.model), []);
  for (const x of [m, d.model, full.model, none.model]) x.dispose();
});

test('resnet56: its 1×1 projection shortcuts are split inside the residual wiring and merged back', async () => {
  const m = buildZooModel('resnet56', { inputShape: shape, numClasses: 10, seed: 2, width: 0.25 });
  const d = await decomposeModel(m, { policy: { kind: 'ratio', fraction: 0.5 }, pointwise: true });
  const pointwise = d.layers.filter((l) => l.kernel[0] === 1 && l.kernel.length === 4);
  assert.equal(pointwise.length, 2);
  for (const l of pointwise) assert.equal(l.skipped, null);
  assert.equal(splitLayerNames(d.model).length, 2);
  const x = randomInput(2, shape);
  const yDec = await predictBatch(d.model, x, 2, shape);
  const r = await reconstructModel(d.model);
  assert.equal(r.countParams(), m.countParams());
  assert.ok(relDiff(yDec, await predictBatch(r, x, 2, shape)) < 1e-4);
  for (const x of [m, d.model, r]) x.dispose();
});
