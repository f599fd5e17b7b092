// --decide measured in the surgery, with injected timings (no timing in unit tests): a layer whose
// decomposed forms are slower stays dense, a faster rounded-up form is taken, and the event row
// records the timings, the choice and the policy's ranks before quantization.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { decomposeModel, decomposedLayerNames, splitLayerNames } from '../../src/trainer/surgery';
import { decomposeOptionsFor } from '../../src/trainer/decomposeOptions';
import type { LayerForm, LayerTimer } from '../../src/trainer/layerTiming';
import { backendLayerTimer } from '../../src/trainer/layerTiming';
import { layerLine } from '../../src/runs/layerText';
import { useWasm } from '../support/backend';

before(useWasm);
const shape: [number, number, number] = [8, 8, 3];

function net(): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: shape, filters: 16, kernelSize: 3, padding: 'same', kernelInitializer: init(1), name: 'a' }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', kernelInitializer: init(2), name: 'b' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 40, kernelInitializer: init(3), name: 'fc' }),
    ],
  });
}

/** Times from the forms' shapes: the original takes `original` ms, a decomposed form `at(ranks)`. */
function fakeTimer(original: number, at: (ranks: number[]) => number, seen: LayerForm[][] = []): LayerTimer {
  return {
    async time(forms) {
      seen.push([...forms]);
      return forms.map((f, i) => (i === 0 ? original : at(f.stages.map((s) => (s.kind === 'conv' ? s.filters : s.units)).slice(0, -1))));
    },
  };
}

test('a layer whose decomposed forms are slower stays dense, with the timings and the reason in its row', async () => {
  const m = net();
  const seen: LayerForm[][] = [];
  const opts = decomposeOptionsFor(
    { rankPolicy: 'ratio:0.3', quantize: null, batchSize: 16, decide: 'measured' },
    fakeTimer(10, () => 13, seen),
  );
  const d = await decomposeModel(m, opts);
  for (const name of ['a', 'b']) {
    const row = d.layers.find((l) => l.name === name)!;
    assert.equal(row.rule, 'measured');
    assert.match(row.skipped!, /^kept dense: decomposed 1\.30× slower here/);
    assert.equal(row.measured!.chosen, null);
    assert.equal(row.measured!.batch, 16);
    assert.equal(row.measured!.originalMs, 10);
    assert.equal(row.paramsAfter, row.paramsBefore);
  }
  assert.deepEqual(decomposedLayerNames(d.model), []);
  // Layer b (16→32): ratio 0.3 gives 5/10, and rounded up to 8: 8/16; both timed after the original.
  const b = d.layers.find((l) => l.name === 'b')!;
  assert.deepEqual(
    b.measured!.candidates.map((c) => [c.label, c.ranks]),
    [
      ['policy', [5, 10]],
      ['quantize:8', [8, 16]],
    ],
  );
  assert.deepEqual(
    seen[1][0].stages.map((s) => s.kind === 'conv' && [s.kh, s.filters]),
    [[3, 32]],
  );
  assert.deepEqual(
    seen[1][2].stages.map((s) => s.kind === 'conv' && [s.kh, s.filters]),
    [
      [1, 8],
      [3, 16],
      [1, 32],
    ],
  );
  assert.match(layerLine(b), /skipped: kept dense/);
  m.dispose();
  d.model.dispose();
});

test('the fastest form wins: ranks rounded up to 8 when they time faster; the policy ranks are recorded', async () => {
  const m = net();
  // Faster with more rank here (a kernel that likes multiples of 8): 8/16 at 4 ms, 5/10 at 6 ms, original 10 ms.
  const timer = fakeTimer(10, (r) => (r.every((x) => x % 8 === 0) ? 4 : 6));
  const d = await decomposeModel(
    m,
    decomposeOptionsFor({ rankPolicy: 'ratio:0.3', quantize: 'auto', batchSize: 16, decide: 'measured', decomposeDense: true }, timer),
  );
  const b = d.layers.find((l) => l.name === 'b')!;
  assert.deepEqual([b.k1, b.k2, b.skipped], [8, 16, null]);
  assert.deepEqual(b.policyRanks, [5, 10]);
  assert.equal(b.measured!.chosen, 1);
  assert.deepEqual(d.model.getLayer('b_tucker_core').getWeights()[0].shape, [3, 3, 8, 16]);
  // The dense layer 512→40: ratio 0.3 → 12, rounded to 16; split as well.
  const fc = d.layers.find((l) => l.name === 'fc')!;
  assert.deepEqual([fc.rank, fc.policyRanks], [16, [12]]);
  assert.deepEqual(splitLayerNames(d.model), ['fc']);
  assert.match(layerLine(fc), /rank=16 \(SVD split\) \(policy 12\).*measured 10\.0 → 4\.00 ms \(2\.50×, quantize:8\) at batch 16/);
  m.dispose();
  d.model.dispose();
});

test('--quantize N under measured: only the N-rounded ranks are timed; --decide flops times nothing', async () => {
  const m = net();
  const seen: LayerForm[][] = [];
  const d = await decomposeModel(
    m,
    decomposeOptionsFor(
      { rankPolicy: 'ratio:0.3', quantize: 16, batchSize: 8, decide: 'measured' },
      fakeTimer(10, () => 5, seen),
    ),
  );
  assert.ok(seen.every((forms) => forms.length === 2));
  assert.deepEqual([d.layers[1].k1, d.layers[1].k2, d.layers[1].policyRanks], [16, 16, [5, 10]]);
  const never: LayerTimer = {
    time: () => {
      throw new Error('flops must not time');
    },
  };
  const f = await decomposeModel(m, decomposeOptionsFor({ rankPolicy: 'ratio:0.3', quantize: null, batchSize: 8, decide: 'flops' }, never));
  assert.deepEqual([f.layers[1].k1, f.layers[1].k2, f.layers[1].measured], [5, 10, undefined]);
  for (const x of [m, d.model, f.model]) x.dispose();
});

test('the backend timer returns one positive median per form (shapes only; no assertion on speed)', async () => {
  const t = backendLayerTimer({ batch: 2, warmup: 0, reps: 1 });
  const conv = {
    kind: 'conv' as const,
    kh: 3,
    kw: 3,
    filters: 4,
    strides: [1, 1] as [number, number],
    padding: 'same' as const,
    dilation: [1, 1] as [number, number],
    bias: true,
  };
  const ms = await t.time([
    { input: [6, 6, 3], stages: [conv] },
    { input: [6, 6, 3], stages: [{ ...conv, kh: 1, kw: 1, filters: 2, bias: false }, conv] },
    {
      input: [5],
      stages: [
        { kind: 'dense', units: 2, bias: false },
        { kind: 'dense', units: 3, bias: true },
      ],
    },
  ]);
  assert.equal(ms.length, 3);
  for (const x of ms) assert.ok(x > 0 && Number.isFinite(x));
});

test('the backend timer times a repeated set of forms once (layers of the same shape share one decision)', async () => {
  const t = backendLayerTimer({ batch: 2, warmup: 0, reps: 1 });
  const form: LayerForm = { input: [4], stages: [{ kind: 'dense', units: 3, bias: true }] };
  const first = await t.time([form, form]);
  const again = await t.time([form, form]);
  assert.deepEqual(again, first); // the same medians, not a second (differently noisy) measurement
});
