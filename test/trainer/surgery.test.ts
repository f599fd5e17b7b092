// Graph surgery on real zoo models: decomposition changes the network only by the Tucker
// approximation, reconstruction is lossless, and wiring (residual Add, dense Concatenate) survives.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decomposeModel, reconstructModel, decomposedLayerNames } from '../../src/trainer/surgery';
import { buildZooModel } from '../../src/trainer/zoo';
import { KEEP_FIRST_CONV_REASON, keptLayers, measureLayerRanks } from '../../src/trainer/layerRanks';
import { predictBatch } from '../../src/trainer/loop';
import { relDiff, randomInput, useWasm } from '../support/backend';

before(useWasm);
const shape: [number, number, number] = [8, 8, 3];

test('a decomposed block at full ranks gives the original layer outputs', async () => {
  const m = buildZooModel('small-cnn', { inputShape: shape, numClasses: 10, seed: 5 });
  const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D');
  const overrides: Record<string, { k1: number; k2: number }> = {};
  for (const l of convs) {
    const [, , cin, cout] = l.getWeights()[0].shape;
    overrides[l.name] = { k1: cin, k2: cout };
  }
  const x = randomInput(4, shape);
  const d = await decomposeModel(m, { policy: { kind: 'vbmf' }, overrides });
  assert.equal(d.layers.filter((l) => !l.skipped).length, convs.length);
  assert.ok(relDiff(await predictBatch(m, x, 4, shape), await predictBatch(d.model, x, 4, shape)) < 1e-4);
  for (const l of d.layers) assert.ok(l.approximationError! < 1e-5, `${l.name}: ${l.approximationError}`);
  d.model.dispose();
  m.dispose();
});

for (const name of ['resnet56', 'resnet56-pad', 'densenet40', 'vgg19'] as const) {
  test(`${name}: decompose then reconstruct restores the architecture, parameter count and outputs`, async () => {
    const m = buildZooModel(name, { inputShape: shape, numClasses: 10, seed: 2, width: 0.25 });
    const d = await decomposeModel(m, { policy: { kind: 'ratio', fraction: 0.5 } });
    const decomposed = d.layers.filter((l) => !l.skipped);
    assert.ok(decomposed.length > 0);
    assert.equal(decomposedLayerNames(d.model).length, decomposed.length);
    if (name === 'resnet56') {
      // 1×1 projection shortcuts are left alone, with the reason (the paper does not decompose them)
      const oneByOne = d.layers.filter((l) => l.kernel[0] === 1);
      assert.equal(oneByOne.length, 2);
      for (const l of oneByOne) assert.match(l.skipped!, /1×1/);
    }
    // every layer either saves parameters or was skipped
    for (const l of decomposed) assert.ok(l.paramsAfter < l.paramsBefore, `${l.name} ${l.paramsBefore} -> ${l.paramsAfter}`);
    assert.ok(d.paramsAfter < d.paramsBefore);
    const x = randomInput(2, shape);
    const yDec = await predictBatch(d.model, x, 2, shape);
    const r = await reconstructModel(d.model);
    assert.equal(r.countParams(), m.countParams());
    assert.deepEqual(r.layers.map((l) => l.name).sort(), m.layers.map((l) => l.name).sort());
    assert.ok(relDiff(yDec, await predictBatch(r, x, 2, shape)) < 1e-4);
    m.dispose();
    d.model.dispose();
    r.dispose();
  });
}

test('--keep-first-conv: the first convolution keeps its kernel shape and weights; the others are decomposed', async () => {
  const m = buildZooModel('vgg19', { inputShape: shape, numClasses: 10, seed: 3, width: 0.25 });
  const first = m.layers.find((l) => l.getClassName() === 'Conv2D')!;
  const w0 = first.getWeights()[0];
  const keep = keptLayers(m, true);
  assert.deepEqual(Object.keys(keep), [first.name]);
  const d = await decomposeModel(m, { policy: { kind: 'ratio', fraction: 0.5 }, keep });
  const row = d.layers.find((l) => l.name === first.name)!;
  assert.equal(row.skipped, KEEP_FIRST_CONV_REASON);
  assert.equal(row.rule, 'kept');
  assert.equal(row.paramsAfter, row.paramsBefore);
  const kept = d.model.getLayer(first.name).getWeights()[0];
  assert.deepEqual(kept.shape, w0.shape);
  assert.deepEqual(Array.from(kept.dataSync()), Array.from(w0.dataSync()));
  assert.ok(!decomposedLayerNames(d.model).includes(first.name));
  // Without it, the same policy decomposes that layer too.
  const all = await decomposeModel(m, { policy: { kind: 'ratio', fraction: 0.5 } });
  assert.ok(decomposedLayerNames(all.model).includes(first.name));
  assert.equal(all.layers.find((l) => l.name === first.name)!.rule, 'ratio:0.5');
  // The auto rule's measurement leaves the kept layer out as well.
  assert.ok(!(await measureLayerRanks(m, keep)).some((l) => l.name === first.name));
  assert.equal((await measureLayerRanks(m)).length, 16);
  // It watches the run's policy: stable:2 gives ⌈2 × stable rank⌉ (capped at the channels), ratio a constant.
  for (const l of await measureLayerRanks(m, keep, { kind: 'stable', fraction: 2 })) {
    const [, , cin, cout] = l.kernel;
    assert.equal(l.k1, Math.min(cin, Math.ceil(2 * l.stableK1 - 1e-9)), `${l.name} K1`);
    assert.equal(l.k2, Math.min(cout, Math.ceil(2 * l.stableK2 - 1e-9)), `${l.name} K2`);
  }
  for (const l of await measureLayerRanks(m, keep, { kind: 'ratio', fraction: 0.5 }))
    assert.deepEqual([l.k1, l.k2], [l.kernel[2] / 2, l.kernel[3] / 2]);
  m.dispose();
  d.model.dispose();
  all.model.dispose();
});
