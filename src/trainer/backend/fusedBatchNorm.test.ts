// The fused batch norm against tfjs's own ops (moments, batchNormalization and their autodiff
// gradients) on random inputs, on wasm and cpu; and the layer in training against the stock layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from './setup';
import { restoreStockKernels, registerTrainingKernels } from './kernels';
import { batchNormTraining } from './fusedBatchNorm';

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-30);
}

/** tfjs's unfused formulation, as the BatchNormalization layer computes it in training. */
function reference(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number, dy: tf.Tensor) {
  const axes = [...Array(x.rank - 1).keys()];
  const f = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => {
    const { mean, variance } = tf.moments(xi, axes);
    return tf.batchNorm(xi, mean, variance, bi, gi, eps);
  };
  const y = f(x, g, b);
  const grads = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => f(xi, gi, bi))([x, g, b], dy);
  const { mean, variance } = tf.moments(x, axes);
  return { y, mean, variance, grads };
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`fused batch norm = moments + batchNorm and their gradients, on random inputs (${backend})`, async () => {
    await setupBackend(backend, { wasmThreads: 1 });
    for (const [shape, seed] of [
      [[8, 5, 5, 16], 1],
      [[3, 7, 7, 3], 2],
      [[32, 10], 3],
      [[16, 9, 9, 64], 4],
    ] as [number[], number][]) {
      tf.tidy(() => {
        const c = shape[shape.length - 1];
        // an offset mean and spread per channel, as activations have
        const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), tf.randomUniform([c], 0.5, 3, 'float32', seed + 10)), 2);
        const g = tf.randomUniform([c], 0.5, 1.5, 'float32', seed + 20);
        const b = tf.randomNormal([c], 0, 1, 'float32', seed + 30);
        const dy = tf.randomNormal(shape, 0, 1, 'float32', seed + 40);
        const ref = reference(x, g, b, 1e-3, dy);
        const grads = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => batchNormTraining(xi, gi, bi, 1e-3)[0])([x, g, b], dy);
        const [y, mean, variance] = batchNormTraining(x, g, b, 1e-3);
        const tag = `${backend} ${shape.join('×')}`;
        assert.ok(maxRel(y.dataSync(), ref.y.dataSync()) < 1e-5, `${tag} y`);
        assert.ok(maxRel(mean.dataSync(), ref.mean.dataSync()) < 1e-6, `${tag} mean`);
        assert.ok(maxRel(variance.dataSync(), ref.variance.dataSync()) < 1e-5, `${tag} variance`);
        for (const [i, name] of ['dx', 'dgamma', 'dbeta'].entries())
          assert.ok(
            maxRel(grads[i].dataSync(), ref.grads[i].dataSync()) < 1e-4,
            `${tag} ${name}: ${maxRel(grads[i].dataSync(), ref.grads[i].dataSync())}`,
          );
      });
    }
  });
}

test('a BatchNormalization layer trains the same with the fused kernels as with the stock ops (wasm)', async () => {
  await setupBackend('wasm', { wasmThreads: 1 });
  const run = () => {
    const layer = tf.layers.batchNormalization({ momentum: 0.9 });
    const x = tf.add(tf.mul(tf.randomNormal([4, 6, 6, 8], 0, 1, 'float32', 7), 3), 1);
    const r = tf.randomUniform([4, 6, 6, 8], 0, 1, 'float32', 8); // weights, so that dβ is far from 0
    tf.dispose(layer.apply(x, { training: false }) as tf.Tensor); // builds it; inference leaves the moving averages alone
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const out = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(tf.square(layer.apply(x, { training: true }) as tf.Tensor), r)) as tf.Scalar,
        vars,
      );
      layer.apply(x, { training: true }); // a second update of the moving averages
      return [value, ...layer.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name]), ...layer.getWeights().slice(2)].map((t) =>
        t.dataSync().slice(),
      );
    });
    tf.dispose([x, r]);
    layer.dispose();
    return out;
  };
  const fused = run();
  restoreStockKernels('wasm');
  let stock: Float32Array[];
  try {
    stock = run() as Float32Array[];
  } finally {
    registerTrainingKernels('wasm');
  }
  // loss, dgamma, dbeta, moving mean, moving variance
  for (const [i, name] of ['loss', 'dgamma', 'dbeta', 'moving mean', 'moving variance'].entries())
    assert.ok(maxRel(fused[i], stock[i]) < 1e-4, `${name}: ${maxRel(fused[i], stock[i])}`);
});

test('in training the layer runs the fused path (no stock batch-norm or moments kernels); in inference the stock one', async () => {
  await setupBackend('wasm', { wasmThreads: 1 });
  const layer = tf.layers.batchNormalization();
  const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 9);
  const kernels = async (training: boolean) =>
    (await tf.profile(() => tf.dispose(layer.apply(x, { training }) as tf.Tensor))).kernels.map((k) => k.name);
  await kernels(false); // build
  const train = await kernels(true);
  assert.ok(!train.includes('FusedBatchNorm') && !train.includes('Mean'), train.join(', '));
  assert.ok((await kernels(false)).includes('FusedBatchNorm'));
  x.dispose();
  layer.dispose();
});
