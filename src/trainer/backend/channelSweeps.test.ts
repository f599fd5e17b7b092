// The wasm batch-norm sweeps against plain float64 loops over the same numbers, and the shapes
// they decline (channels not a multiple of 4, other backends) so the JS sweeps take over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from './setup';
import { channelAffine, channelAffineTensor, channelSums } from './channelSweeps';

test('wasm channel sums and affine sweeps match float64 loops; odd channel counts and the cpu backend decline', async () => {
  await setupBackend('wasm', { wasmThreads: 1 });
  const [n, c] = [7 * 5 * 3, 24];
  const u = tf.add(tf.randomNormal([7, 5, 3, c], 0, 2, 'float32', 1), 3);
  const v = tf.randomNormal([7, 5, 3, c], 0, 1, 'float32', 2);
  const ua = u.dataSync(),
    va = v.dataSync();
  const sums = channelSums(u, v);
  assert.ok(sums, 'the wasm sweep runs for 24 channels');
  const p = Float32Array.from({ length: c }, (_, k) => 0.5 + k / 10),
    q = Float32Array.from({ length: c }, (_, k) => -1 + k / 20),
    s = Float32Array.from({ length: c }, (_, k) => k - 12);
  const out = channelAffineTensor(u, v, p, q, s)!.dataSync();
  const single = channelAffineTensor(u, null, p, null, s)!.dataSync();
  // In place with a ReLU floor, as the pool's bias + ReLU epilogue runs it.
  const inPlace = tf.add(u, 0); // a fresh buffer (clone may share u's)
  channelAffine(inPlace, null, new Float32Array(c).fill(1), null, s, { floor: 0, into: inPlace });
  const relu = inPlace.dataSync();
  for (let k = 0; k < c; k++) {
    let su = 0,
      suv = 0;
    for (let i = 0; i < n; i++) {
      su += ua[i * c + k];
      suv += ua[i * c + k] * va[i * c + k];
    }
    assert.ok(Math.abs(sums[0][k] - su) < 1e-9 * Math.max(1, Math.abs(su)), `Σu channel ${k}: ${sums[0][k]} vs ${su}`);
    assert.ok(Math.abs(sums[1][k] - suv) < 1e-9 * Math.max(1, Math.abs(suv)), `Σu·v channel ${k}`);
    for (let i = 0; i < n; i++) {
      const at = i * c + k;
      assert.ok(Math.abs(out[at] - (ua[at] * p[k] + va[at] * q[k] + s[k])) < 1e-5, `affine at ${at}`);
      assert.ok(Math.abs(single[at] - (ua[at] * p[k] + s[k])) < 1e-5, `single affine at ${at}`);
      assert.ok(Math.abs(relu[at] - Math.max(0, ua[at] + s[k])) < 1e-5, `bias + ReLU at ${at}`);
    }
  }
  const odd = tf.ones([4, 6]);
  assert.equal(channelSums(odd, odd), null, '6 channels: JS sweeps');
  await setupBackend('cpu', {});
  assert.equal(channelSums(tf.ones([4, 8]), tf.ones([4, 8])), null, 'cpu backend: JS sweeps');
});
