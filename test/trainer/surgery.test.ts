// Graph surgery on real zoo models: decomposition changes the network only by the Tucker
// approximation, reconstruction is lossless, and wiring (residual Add, dense Concatenate) survives.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decomposeModel, reconstructModel, decomposedLayerNames } from '../../src/trainer/surgery';
import { buildZooModel } from '../../src/trainer/zoo';
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
  assert.ok(relDiff(predictBatch(m, x, 4, shape), predictBatch(d.model, x, 4, shape)) < 1e-4);
  for (const l of d.layers) assert.ok(l.approximationError! < 1e-5, `${l.name}: ${l.approximationError}`);
  d.model.dispose();
  m.dispose();
});

for (const name of ['resnet56', 'densenet40', 'vgg19'] as const) {
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
    const yDec = predictBatch(d.model, x, 2, shape);
    const r = await reconstructModel(d.model);
    assert.equal(r.countParams(), m.countParams());
    assert.deepEqual(r.layers.map((l) => l.name).sort(), m.layers.map((l) => l.name).sort());
    assert.ok(relDiff(yDec, predictBatch(r, x, 2, shape)) < 1e-4);
    m.dispose();
    d.model.dispose();
    r.dispose();
  });
}
