// The worker pool must compute exactly what the single-threaded kernels compute, leak nothing,
// and give the single-threaded kernels back when disabled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { setupBackend, findWasmDir } from './setup';
import { enableWasmPool, disableWasmPool, wasmPoolSize } from './wasmPool';
import { buildToy } from '../../bench/stepBench';
import { rand } from '../../../test/support/testData';

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den ? num / den : num;
}

type Case = { n: number; h: number; ci: number; co: number; k: number; s: number; d: number; pad: 'same' | 'valid' };
const cases: Case[] = [
  { n: 3, h: 9, ci: 3, co: 5, k: 3, s: 1, d: 1, pad: 'same' },
  { n: 5, h: 8, ci: 4, co: 6, k: 3, s: 2, d: 1, pad: 'valid' },
  { n: 4, h: 7, ci: 6, co: 2, k: 1, s: 1, d: 1, pad: 'valid' },
  { n: 2, h: 9, ci: 2, co: 3, k: 3, s: 1, d: 2, pad: 'same' },
  { n: 7, h: 6, ci: 3, co: 4, k: 1, s: 2, d: 1, pad: 'same' },
];

/** Forward, filter and input gradient of each case through the registered kernels. */
function runAll(): Float32Array[] {
  const out: Float32Array[] = [];
  for (const c of cases) {
    const x = tf.tensor4d(rand(c.n * c.h * c.h * c.ci, c.k + c.s), [c.n, c.h, c.h, c.ci]);
    const w = tf.tensor4d(rand(c.k * c.k * c.ci * c.co, 9), [c.k, c.k, c.ci, c.co]);
    const y = tf.conv2d(x, w, c.s, c.pad, 'NHWC', c.d);
    const dy = tf.tensor4d(rand(y.size, 3), y.shape);
    const strides = c.s;
    const fg = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides, pad: c.pad, dataFormat: 'NHWC', filterShape: w.shape, dilations: c.d },
      ) as tf.Tensor;
    const ig = tf
      .engine()
      .runKernel(
        'Conv2DBackpropInput',
        { dy, filter: w },
        { strides, pad: c.pad, dataFormat: 'NHWC', inputShape: x.shape, dilations: c.d },
      ) as tf.Tensor;
    // the layers' conv: bias + linear or ReLU fused (dilation 1 only, as tfjs's fused conv)
    const bias = tf.tensor1d(rand(c.co, 5));
    const fused = [null, 'linear', 'relu'].map((activation) => {
      if (c.d !== 1) return new Float32Array(0);
      const t = tf.fused.conv2d({
        x,
        filter: w,
        strides: c.s,
        pad: c.pad,
        bias: activation ? bias : undefined,
        activation: (activation ?? 'linear') as 'linear' | 'relu',
      });
      const v = t.dataSync() as Float32Array;
      t.dispose();
      return v;
    });
    out.push(y.dataSync() as Float32Array, fg.dataSync() as Float32Array, ig.dataSync() as Float32Array, ...fused);
    tf.dispose([x, w, y, dy, fg, ig, bias]);
  }
  return out;
}

before(async () => {
  await setupBackend('wasm', { wasmThreads: 1 }); // the tests start their own pools
});
after(async () => {
  await disableWasmPool();
});

test('conv kernels split across a worker give the single-threaded results', async () => {
  const single = runAll();
  await enableWasmPool(1, findWasmDir()!, { minMacs: 0 });
  assert.equal(wasmPoolSize(), 1);
  const n0 = tf.memory().numTensors;
  const pooled = runAll();
  assert.equal(tf.memory().numTensors, n0, 'tensors leaked');
  for (let i = 0; i < single.length; i++) assert.ok(maxRel(pooled[i], single[i]) <= 1e-5, `output ${i}: ${maxRel(pooled[i], single[i])}`);
  await disableWasmPool();
  assert.equal(wasmPoolSize(), 0);
  const again = runAll();
  for (let i = 0; i < single.length; i++) assert.ok(maxRel(again[i], single[i]) <= 1e-6, `after disable, output ${i}`);
});

test('three workers (uneven shares, batch 7 split 4 ways) give the single-threaded results', async () => {
  const single = runAll();
  await enableWasmPool(3, findWasmDir()!, { minMacs: 0 });
  assert.equal(wasmPoolSize(), 3);
  const pooled = runAll();
  await disableWasmPool();
  for (let i = 0; i < single.length; i++) assert.ok(maxRel(pooled[i], single[i]) <= 1e-5, `output ${i}`);
});

test('a toy training step with the pool gives the single-threaded gradients', async () => {
  const grads = () => {
    const model = buildToy(5);
    const x = tf.tensor4d(rand(4 * 32 * 32 * 3, 77), [4, 32, 32, 3]);
    const y = tf.oneHot(tf.tensor1d([1, 2, 3, 4], 'int32'), 10).toFloat();
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads: g } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      vars,
    );
    const out = [value.dataSync() as Float32Array, ...vars.map((v) => g[v.name].dataSync() as Float32Array)];
    tf.dispose([value, x, y, ...Object.values(g)]);
    model.dispose();
    return out;
  };
  const single = grads();
  await enableWasmPool(1, findWasmDir()!, { minMacs: 0 });
  const pooled = grads();
  await disableWasmPool();
  for (let i = 0; i < single.length; i++) assert.ok(maxRel(pooled[i], single[i]) <= 1e-5, `gradient ${i}`);
});
