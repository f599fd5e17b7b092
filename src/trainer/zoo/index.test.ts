// The zoo's ResNet56 with the paper's parameter-free shortcuts: its parameter count and what the
// zero-padding shortcut computes.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildZooModel, padShortcut } from './index';
import { useWasm } from '../../../test/support/backend';

before(useWasm);

function trainable(m: tf.LayersModel): number {
  return m.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

test("resnet56-pad is the paper's CIFAR ResNet56: 853,018 trainable parameters, only 3×3 convolutions", () => {
  const m = buildZooModel('resnet56-pad', { inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
  // 55 convs (848,304 weights) + 55 BN (2·2,032) + the 64→10 dense layer (650): Idelbayev's 0.85 M.
  assert.equal(trainable(m), 853018);
  const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D');
  assert.equal(convs.length, 55);
  for (const l of convs) assert.deepEqual(l.getWeights()[0].shape.slice(0, 2), [3, 3], l.name);
  assert.deepEqual(m.outputs[0].shape, [null, 10]);
  // The projection variant has the two 1×1 shortcut convs (+ BN) on top.
  const p = buildZooModel('resnet56', { inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
  assert.equal(trainable(p), 853018 + (16 * 32 + 32 * 64) + 2 * (32 + 64));
  m.dispose();
  p.dispose();
});

test('the zero-padding shortcut takes every other pixel and pads the channels with zeros on both sides', () => {
  let k = 0;
  const input = tf.input({ shape: [4, 4, 2] });
  const out = padShortcut((p) => `${p}_${++k}`, input, 6, 2);
  const model = tf.model({ inputs: input, outputs: out });
  const x = tf.tensor4d(
    Float32Array.from({ length: 32 }, (_, i) => i + 1),
    [1, 4, 4, 2],
  );
  const y = model.predict(x);
  assert.ok(!Array.isArray(y));
  assert.deepEqual(y.shape, [1, 2, 2, 6]);
  const xv = x.arraySync();
  const yv = y.arraySync() as number[][][][];
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 2; j++)
      assert.deepEqual(yv[0][i][j], [0, 0, xv[0][2 * i][2 * j][0], xv[0][2 * i][2 * j][1], 0, 0], `pixel ${i},${j}`);
  // Serialisable: the topology round-trips through JSON (checkpoints, surgery).
  assert.doesNotThrow(() => JSON.stringify(model.toJSON(null, false)));
  tf.dispose([x, y]);
  model.dispose();
});
