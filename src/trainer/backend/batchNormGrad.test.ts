import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { patchBatchNormGradient } from './batchNormGrad';

function maxRel(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync(),
    y = b.dataSync();
  let m = 0,
    s = 0;
  for (let i = 0; i < x.length; i++) {
    m = Math.max(m, Math.abs(x[i] - y[i]));
    s = Math.max(s, Math.abs(y[i]));
  }
  return m / Math.max(s, 1e-12);
}

test('patched FusedBatchNorm gradient equals the gradient of the same formula written with plain ops', async () => {
  await tf.setBackend('cpu');
  assert.ok(patchBatchNormGradient());
  const x = tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 1);
  const mean = tf.randomNormal([6], 0, 1, 'float32', 2);
  const variance = tf.randomUniform([6], 0.5, 2, 'float32', 3);
  const scale = tf.randomNormal([6], 1, 0.3, 'float32', 4);
  const offset = tf.randomNormal([6], 0, 1, 'float32', 5);
  const dy = tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 6);
  const eps = 1e-3;
  const fused = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.batchNorm(a, m, v, o, s, eps).mul(dy).sum();
  const plain = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
    a
      .sub(m)
      .mul(tf.rsqrt(v.add(eps)))
      .mul(s)
      .add(o)
      .mul(dy)
      .sum();
  const g1 = tf.grads(fused)([x, mean, variance, scale, offset]);
  const g2 = tf.grads(plain)([x, mean, variance, scale, offset]);
  ['x', 'mean', 'variance', 'scale', 'offset'].forEach((name, i) => {
    assert.ok(maxRel(g1[i], g2[i]) < 1e-5, `d${name}: ${maxRel(g1[i], g2[i])}`);
  });
});
