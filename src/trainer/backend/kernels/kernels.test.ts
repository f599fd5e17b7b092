// Every training kernel against a direct float64 computation, on both wasm and cpu, plus a full
// training step of a small net on wasm (our kernels) versus cpu (its stock kernels).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { conv2dFilterGrad, conv2dInputGrad } from './conv2dBackprop';
import { registerTrainingKernels, restoreStockKernels } from './index';
import { setupBackend } from '../setup';
import { rand } from '../../../../test/support/testData';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  d: number;
  pad: Pad;
}

/** Padding and output size exactly as TensorFlow defines them. */
function geom(c: Case): { oh: number; ow: number; pt: number; pl: number } {
  const eff = (c.k - 1) * c.d + 1;
  if (c.pad === 'valid') return { oh: Math.ceil((c.h - eff + 1) / c.s), ow: Math.ceil((c.w - eff + 1) / c.s), pt: 0, pl: 0 };
  if (c.pad === 'same') {
    const oh = Math.ceil(c.h / c.s),
      ow = Math.ceil(c.w / c.s);
    const ph = Math.max(0, (oh - 1) * c.s + eff - c.h),
      pw = Math.max(0, (ow - 1) * c.s + eff - c.w);
    return { oh, ow, pt: Math.floor(ph / 2), pl: Math.floor(pw / 2) };
  }
  const [, [t, b], [l, r]] = c.pad;
  return { oh: Math.floor((c.h + t + b - eff) / c.s) + 1, ow: Math.floor((c.w + l + r - eff) / c.s) + 1, pt: t, pl: l };
}

/** float64 reference: forward y, and given dy, dx and dW. */
function reference(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const { oh, ow, pt, pl } = geom(c);
  const dx = new Float64Array(c.n * c.h * c.w * c.ci);
  const dw = new Float64Array(c.k * c.k * c.ci * c.co);
  for (let n = 0; n < c.n; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let o = 0; o < c.co; o++) {
          const g = dy[((n * oh + oy) * ow + ox) * c.co + o];
          for (let i = 0; i < c.k; i++)
            for (let j = 0; j < c.k; j++) {
              const yy = oy * c.s + i * c.d - pt,
                xx = ox * c.s + j * c.d - pl;
              if (yy < 0 || yy >= c.h || xx < 0 || xx >= c.w) continue;
              for (let ci = 0; ci < c.ci; ci++) {
                const xi = ((n * c.h + yy) * c.w + xx) * c.ci + ci;
                const wi = ((i * c.k + j) * c.ci + ci) * c.co + o;
                dx[xi] += g * w[wi];
                dw[wi] += g * x[xi];
              }
            }
        }
  return { oh, ow, dx, dw };
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let num = 0,
    den = 0;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(got[i] - want[i]));
    den = Math.max(den, Math.abs(want[i]));
  }
  return den === 0 ? num : num / den;
}

const cases: Case[] = [];
for (const n of [1, 3]) {
  for (const [k, s, d] of [
    [1, 1, 1],
    [1, 2, 1],
    [3, 1, 1],
    [3, 2, 1],
    [3, 1, 2],
    [5, 1, 1],
    [5, 2, 1],
    [2, 2, 1],
  ] as const) {
    for (const pad of [
      'same',
      'valid',
      [
        [0, 0],
        [2, 1],
        [0, 2],
        [0, 0],
      ],
    ] as Pad[]) {
      const [h, w] = n === 1 ? [7, 9] : [8, 5];
      if (pad === 'valid' && (k - 1) * d + 1 > Math.min(h, w)) continue;
      cases.push({ n, h, w, ci: n === 1 ? 3 : 4, co: n === 1 ? 5 : 2, k, s, d, pad });
    }
  }
}
const label = (c: Case) =>
  `n${c.n} ${c.h}x${c.w}x${c.ci}->${c.co} k${c.k} s${c.s} d${c.d} ${typeof c.pad === 'string' ? c.pad : 'explicit'}`;

before(async () => {
  await setupBackend('wasm'); // initialises wasm and registers our kernels there
});

for (const backend of ['wasm', 'cpu']) {
  test(`conv2d filter and input gradients match float64 on ${backend} (${cases.length} shapes)`, async () => {
    await tf.setBackend(backend);
    let worst = 0;
    for (const c of cases) {
      const x = rand(c.n * c.h * c.w * c.ci, 1 + c.k * 7 + c.s);
      const wv = rand(c.k * c.k * c.ci * c.co, 2 + c.d);
      const { oh, ow } = geom(c);
      const dyv = rand(c.n * oh * ow * c.co, 3 + c.n);
      const ref = reference(c, x, wv, dyv);
      const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.ci]);
      const wt = tf.tensor4d(wv, [c.k, c.k, c.ci, c.co]);
      const dyt = tf.tensor4d(dyv, [c.n, oh, ow, c.co]);
      const fg = conv2dFilterGrad(xt, dyt, [c.k, c.k, c.ci, c.co], c.s, c.pad, c.d);
      const ig = conv2dInputGrad([c.n, c.h, c.w, c.ci], dyt, wt, c.s, c.pad, c.d);
      // The forward conv agrees on the output shape.
      const y = tf.conv2d(xt, wt, c.s, c.pad, 'NHWC', c.d);
      assert.deepEqual(y.shape, [c.n, oh, ow, c.co], label(c));
      const e = [relErr(fg.dataSync(), ref.dw), relErr(ig.dataSync(), ref.dx)];
      for (const v of e) assert.ok(v <= 1e-5, `${label(c)}: relative errors ${e.join(', ')}`);
      worst = Math.max(worst, ...e);
      tf.dispose([xt, wt, dyt, fg, ig, y]);
    }
    assert.ok(worst <= 1e-5);
  });

  test(`registered Conv2D backprop kernels via tf.grad match float64 on ${backend}`, async () => {
    await tf.setBackend(backend);
    registerTrainingKernels(backend);
    // Dilated cases too: the patched Conv2D gradient passes dilations to our kernels.
    for (const c of cases) {
      const x = rand(c.n * c.h * c.w * c.ci, 11);
      const wv = rand(c.k * c.k * c.ci * c.co, 12);
      const { oh, ow } = geom(c);
      const dyv = rand(c.n * oh * ow * c.co, 13);
      const ref = reference(c, x, wv, dyv);
      const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.ci]);
      const wt = tf.tensor4d(wv, [c.k, c.k, c.ci, c.co]);
      const dyt = tf.tensor4d(dyv, [c.n, oh, ow, c.co]);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d))(
        [xt, wt],
        dyt,
      );
      assert.ok(relErr(gx.dataSync(), ref.dx) <= 1e-5, `dx ${label(c)}`);
      assert.ok(relErr(gw.dataSync(), ref.dw) <= 1e-5, `dW ${label(c)}`);
      tf.dispose([xt, wt, dyt, gx, gw]);
    }
  });

  test(`MaxPoolGrad routes to the first maximum, ties included, on ${backend}`, async () => {
    await tf.setBackend(backend);
    registerTrainingKernels(backend);
    for (const [n, h, w, c, f, s, pad] of [
      [2, 8, 8, 3, 2, 2, 'valid'],
      [2, 7, 9, 3, 2, 2, 'valid'],
      [1, 6, 6, 2, 2, 2, 'same'],
      [1, 7, 9, 4, 3, 2, 'same'],
      [3, 5, 6, 2, 2, 1, 'valid'],
      [1, 6, 6, 5, 3, 3, 'same'],
      // 2×2 / 2 with channels a multiple of 4: wasm's SIMD kernel (odd sizes: edges outside every window)
      [2, 8, 8, 8, 2, 2, 'valid'],
      [2, 7, 9, 4, 2, 2, 'valid'],
      [1, 6, 6, 12, 2, 2, 'same'],
    ] as const) {
      // Quantised values so windows contain ties; many zeros as after ReLU.
      const xv = rand(n * h * w * c, 21 + f).map((v) => Math.max(0, Math.round(v * 3)));
      const x = tf.tensor4d(xv, [n, h, w, c]);
      const y = tf.maxPool(x, f, s, pad);
      const [, oh, ow] = y.shape;
      const dyv = rand(n * oh * ow * c, 5);
      // float64 reference, tfjs' padding for 'same'.
      const pt = pad === 'same' ? Math.floor(Math.max(0, (oh - 1) * s + f - h) / 2) : 0;
      const pl = pad === 'same' ? Math.floor(Math.max(0, (ow - 1) * s + f - w) / 2) : 0;
      const want = new Float64Array(xv.length);
      for (let b = 0; b < n; b++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++)
            for (let ch = 0; ch < c; ch++) {
              let best = -Infinity,
                at = -1;
              for (let i = 0; i < f; i++)
                for (let j = 0; j < f; j++) {
                  const yy = oy * s - pt + i,
                    xx = ox * s - pl + j;
                  if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                  const idx = ((b * h + yy) * w + xx) * c + ch;
                  if (xv[idx] > best) {
                    best = xv[idx];
                    at = idx;
                  }
                }
              want[at] += dyv[((b * oh + oy) * ow + ox) * c + ch];
            }
      const dy = tf.tensor4d(dyv, y.shape);
      const got = tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, f, s, pad))(x, dy);
      assert.ok(relErr(got.dataSync(), want) <= 1e-6, `maxPoolGrad ${n}x${h}x${w}x${c} f${f} s${s} ${pad}`);
      tf.dispose([x, y, dy, got]);
    }
  });
}

test('matMul gradients (transposeA/transposeB) on wasm match cpu', async () => {
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    const av = rand(6 * 5, 31),
      bv = rand(5 * 4, 32);
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const a = ta ? tf.tensor2d(av, [5, 6]) : tf.tensor2d(av, [6, 5]);
      const b = tb ? tf.tensor2d(bv, [4, 5]) : tf.tensor2d(bv, [5, 4]);
      const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf
          .matMul(p as tf.Tensor2D, q as tf.Tensor2D, ta, tb)
          .square()
          .sum(),
      )([a, b]);
      const y = tf.matMul(a, b, ta, tb);
      const out = [y.dataSync(), ga.dataSync(), gb.dataSync()].map((t) => Array.from(t));
      tf.dispose([a, b, ga, gb, y]);
      return out;
    };
    const w = await run('wasm');
    const c = await run('cpu');
    for (let i = 0; i < 3; i++) assert.ok(relErr(w[i], c[i]) <= 1e-5, `matMul ${ta} ${tb} part ${i}`);
  }
});

/** A small conv net covering the Tucker block shapes: 1×1, k×k strided, 1×1 with bias, pooling, dense. */
function smallNet(seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed * 10 + s });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [12, 12, 3],
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.conv2d({ filters: 4, kernelSize: 1, useBias: false, kernelInitializer: init(2) }),
      tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, kernelInitializer: init(3) }),
      tf.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu', kernelInitializer: init(4) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 6, kernelInitializer: init(5) }),
    ],
  });
}

async function stepGradients(backend: string): Promise<{ loss: number; grads: Float32Array[]; leak: number }> {
  await tf.setBackend(backend);
  const model = smallNet(3);
  const x = tf.tensor4d(rand(3 * 12 * 12 * 3, 41), [3, 12, 12, 3]);
  const y = tf.oneHot(tf.tensor1d([1, 4, 2], 'int32'), 6).toFloat();
  const lossFn = () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  const once = () => {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(lossFn, vars);
    const out = { loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  const first = once();
  const n0 = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) once();
  const leak = tf.memory().numTensors - n0;
  tf.dispose([x, y]);
  model.dispose();
  return { ...first, leak };
}

test('a full training step on wasm (our kernels) matches cpu (stock kernels), without leaks', async () => {
  restoreStockKernels('cpu');
  const ref = await stepGradients('cpu');
  const got = await stepGradients('wasm');
  assert.equal(got.leak, 0, 'tensors leaked per step on wasm');
  assert.ok(Math.abs(got.loss - ref.loss) <= 1e-4 * Math.max(1, Math.abs(ref.loss)), `loss ${got.loss} vs ${ref.loss}`);
  assert.equal(got.grads.length, ref.grads.length);
  for (let i = 0; i < ref.grads.length; i++)
    assert.ok(relErr(got.grads[i], ref.grads[i]) <= 1e-4, `gradient ${i}: ${relErr(got.grads[i], ref.grads[i])}`);
  registerTrainingKernels('cpu');
  const cpuOurs = await stepGradients('cpu');
  assert.equal(cpuOurs.leak, 0, 'tensors leaked per step on cpu');
  for (let i = 0; i < ref.grads.length; i++) assert.ok(relErr(cpuOurs.grads[i], ref.grads[i]) <= 1e-4, `cpu gradient ${i}`);
});

test('Sum and Mean over leading axes (bias gradients, batch-norm moments) on wasm match cpu', async () => {
  await tf.setBackend('wasm');
  for (const [shape, axis, keepDims] of [
    [[4, 3, 5, 6], [0, 1, 2], false],
    [[4, 3, 5, 6], [0, 1, 2], true],
    [[7, 9], 0, false],
    [[2, 3, 4], [1, 0], true],
    [[2, 3, 4], [0, 2], false],
    [[5, 4], [-1], false],
    [[5, 7, 3, 6], [0, 1, 2], false],
    [[33, 130], 0, true],
    [[64, 16, 16, 8], [0, 1, 2], false],
  ] as [number[], number | number[], boolean][]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = rand(n, 51);
    for (const op of [tf.sum, tf.mean]) {
      const got = op(tf.tensor(v, shape), axis, keepDims);
      await tf.setBackend('cpu');
      const want = op(tf.tensor(v, shape), axis, keepDims);
      assert.deepEqual(got.shape, want.shape);
      assert.ok(relErr(got.dataSync(), want.dataSync()) <= 1e-5, `${op.name} ${shape} ${axis}`);
      tf.dispose([got, want]);
      await tf.setBackend('wasm');
    }
  }
});

test('Identity on wasm shares the data: values survive disposing either tensor, memory is released', async () => {
  await tf.setBackend('wasm');
  const be = tf.backend() as unknown as { numDataIds(): number };
  const ids0 = be.numDataIds();
  const v = rand(1000, 61);
  const a = tf.tensor(v, [10, 100]);
  const b = tf.clone(a);
  assert.equal(be.numDataIds(), ids0 + 1, 'clone shares the buffer');
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), Array.from(v));
  const c = tf.add(b, 1);
  b.dispose();
  assert.ok(
    relErr(
      c.dataSync(),
      Array.from(v, (q) => q + 1),
    ) <= 1e-6,
  );
  c.dispose();
  assert.equal(be.numDataIds(), ids0, 'no buffer left behind');
});

test('input gradient of a 3×3 conv with many channels on wasm (flipped filter by block copies) matches cpu', async () => {
  const c: Case = { n: 2, h: 6, w: 5, ci: 24, co: 40, k: 3, s: 1, d: 1, pad: 'same' };
  const x = rand(c.n * c.h * c.w * c.ci, 71),
    wv = rand(9 * c.ci * c.co, 72);
  const { oh, ow } = geom(c);
  const dyv = rand(c.n * oh * ow * c.co, 73);
  const ref = reference(c, x, wv, dyv);
  await tf.setBackend('wasm');
  const ig = conv2dInputGrad([c.n, c.h, c.w, c.ci], tf.tensor4d(dyv, [c.n, oh, ow, c.co]), tf.tensor4d(wv, [3, 3, c.ci, c.co]), 1, 'same');
  assert.ok(relErr(ig.dataSync(), ref.dx) <= 1e-5);
  const fg = conv2dFilterGrad(tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), tf.tensor4d(dyv, [c.n, oh, ow, c.co]), [3, 3, c.ci, c.co], 1, 'same');
  assert.ok(relErr(fg.dataSync(), ref.dw) <= 1e-5);
  // 1×1 both ways round (B of the matMul is the side with fewer channels; the heap kernel's
  // columns a multiple of 4 either way, or neither: the matMul route), 60 rows: 8-row blocks + a tail
  for (const [ci, co] of [
    [24, 8],
    [8, 24],
    [12, 5],
    [6, 10],
    [4, 96],
  ]) {
    const p: Case = { n: 3, h: 4, w: 5, ci, co, k: 1, s: 1, d: 1, pad: 'valid' };
    const px = rand(p.n * p.h * p.w * ci, 74),
      pw = rand(ci * co, 75),
      pdy = rand(p.n * p.h * p.w * co, 76);
    const pref = reference(p, px, pw, pdy);
    const g = conv2dFilterGrad(tf.tensor4d(px, [p.n, p.h, p.w, ci]), tf.tensor4d(pdy, [p.n, p.h, p.w, co]), [1, 1, ci, co], 1, 'valid');
    assert.ok(relErr(g.dataSync(), pref.dw) <= 1e-5, `1x1 ${ci}->${co}`);
  }
  tf.disposeVariables();
});
