import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tucker2, tucker2Merge, tucker2Kernels } from './tucker2';
import { convModeGrams, gramRows } from './modeGrams';
import { chooseConvRanks } from './rankPolicy';
import { trainedLikeKernel } from './syntheticKernel';
import { unfold } from './tensor';
import { gram } from './linalg';
import { createRng } from './random';
import type { ConvKernel } from './types';

function randomKernel(shape: [number, number, number, number], seed: number, sd = 1): ConvKernel & { data: Float64Array } {
  const rng = createRng(seed);
  const data = new Float64Array(shape[0] * shape[1] * shape[2] * shape[3]);
  for (let i = 0; i < data.length; i++) data[i] = sd * rng.normal();
  return { shape, data };
}

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / n);
}

test('kernel-layout Grams equal the Grams of the C-order unfoldings (modes 2 and 3)', () => {
  const k = randomKernel([3, 3, 5, 7], 1);
  const g = convModeGrams(k);
  const t = { shape: [...k.shape], data: k.data };
  assert.ok(relDiff(g.in.data, gram(unfold(t, 2)).data) < 1e-13);
  assert.ok(relDiff(g.out.data, gram(unfold(t, 3)).data) < 1e-13);
  // odd sizes exercise every tail of the blocked kernel
  const x = createRng(2);
  const m = { rows: 37, cols: 1029, data: Float64Array.from({ length: 37 * 1029 }, () => x.normal()) };
  assert.ok(relDiff(gramRows(m.data, 37, 1029).data, gram(m).data) < 1e-13);
});

test('full-rank Tucker-2 reproduces the kernel to ~1e-12', () => {
  const k = randomKernel([3, 3, 6, 10], 3);
  const t = tucker2(k, 6, 10);
  const merged = tucker2Merge(t);
  assert.deepEqual(merged.shape, [3, 3, 6, 10]);
  assert.ok(relDiff(merged.data, k.data) < 1e-12, `diff ${relDiff(merged.data, k.data)}`);
  assert.ok(t.relError < 1e-12, `reported ${t.relError}`);
});

test('reported relError equals the explicit reconstruction error; factors are orthonormal', () => {
  const k = randomKernel([3, 3, 16, 24], 4);
  const t = tucker2(k, 5, 7);
  const explicit = relDiff(tucker2Merge(t).data, k.data);
  assert.ok(Math.abs(explicit - t.relError) < 1e-10, `${explicit} vs ${t.relError}`);
  for (const u of [t.uIn, t.uOut]) {
    for (let a = 0; a < u.cols; a++)
      for (let b = 0; b < u.cols; b++) {
        let d = 0;
        for (let i = 0; i < u.rows; i++) d += u.data[i * u.cols + a] * u.data[i * u.cols + b];
        assert.ok(Math.abs(d - (a === b ? 1 : 0)) < 1e-10);
      }
  }
  assert.deepEqual(t.core.shape, [3, 3, 5, 7]);
});

test('HOOI error history is non-increasing and improves on the HOSVD for a random kernel at low ranks', () => {
  const k = randomKernel([3, 3, 32, 48], 5);
  const hosvd = tucker2(k, 4, 6, { maxIterations: 0 });
  assert.equal(hosvd.iterations, 0);
  assert.equal(hosvd.errorHistory.length, 1);
  assert.ok(Math.abs(relDiff(tucker2Merge(hosvd).data, k.data) - hosvd.relError) < 1e-10);
  const seen: number[] = [];
  const t = tucker2(k, 4, 6, {
    tolerance: 1e-9,
    onIteration: (_i, e) => {
      seen.push(e);
    },
  });
  assert.equal(t.errorHistory[0], hosvd.errorHistory[0]);
  for (let i = 1; i < t.errorHistory.length; i++) assert.ok(t.errorHistory[i] <= t.errorHistory[i - 1] + 1e-12, `step ${i}`);
  assert.ok(t.relError < hosvd.relError - 1e-4, `HOOI ${t.relError} vs HOSVD ${hosvd.relError}`);
  assert.ok(t.iterations > 1);
  assert.equal(seen.length, t.iterations);
  // onIteration returning false stops
  const stopped = tucker2(k, 4, 6, { tolerance: 0, onIteration: (i) => i < 2 });
  assert.equal(stopped.iterations, 2);
});

test('init factors are used (and orthonormalised); bad ranks are rejected', () => {
  const k = randomKernel([3, 3, 8, 8], 6);
  const best = tucker2(k, 3, 3, { tolerance: 1e-12 });
  const again = tucker2(k, 3, 3, { init: { uIn: best.uIn, uOut: best.uOut }, maxIterations: 1 });
  assert.ok(Math.abs(again.relError - best.relError) < 1e-8);
  assert.throws(() => tucker2(k, 0, 3), /K1 = 0/);
  assert.throws(() => tucker2(k, 3, 9), /K2 = 9/);
});

test('a low-rank kernel plus small noise: EVBMF ranks equal the core sizes on both modes', () => {
  const rng = createRng(7);
  const k = trainedLikeKernel(rng, 48, 64, 10, 14, 0.01);
  const c = chooseConvRanks(k, { policy: { kind: 'vbmf' } });
  assert.equal(c.k1, 10);
  assert.equal(c.k2, 14);
  assert.equal(c.skipped, null);
  const t = tucker2(k, c.k1, c.k2, { analysis: c.analysis });
  assert.ok(t.relError < 0.02, `relError ${t.relError}`);
  assert.ok(t.iterations <= 2);
});

test('a randomly initialised (Kaiming-scale) kernel gets rank 0 and is skipped with a reason', () => {
  const k = randomKernel([3, 3, 64, 64], 8, Math.sqrt(2 / (9 * 64)));
  const c = chooseConvRanks(k, { policy: { kind: 'vbmf' } });
  assert.equal(c.k1, 0);
  assert.equal(c.k2, 0);
  assert.match(c.skipped ?? '', /EVBMF found no structure above noise.*nothing to decompose/);
});

/** Naive float64 NHWC conv, 'same' padding (TF style: pad total = max((out−1)·s + k − in, 0), more at the end). */
function conv2d(
  x: Float64Array,
  h: number,
  w: number,
  cin: number,
  k: ConvKernel,
  stride: number,
): { data: Float64Array; h: number; w: number } {
  const [kh, kw, kc, cout] = k.shape;
  assert.equal(kc, cin);
  const oh = Math.ceil(h / stride),
    ow = Math.ceil(w / stride);
  const padT = Math.floor(Math.max((oh - 1) * stride + kh - h, 0) / 2);
  const padL = Math.floor(Math.max((ow - 1) * stride + kw - w, 0) / 2);
  const out = new Float64Array(oh * ow * cout);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let o = 0; o < cout; o++) {
        let s = 0;
        for (let dy = 0; dy < kh; dy++)
          for (let dx = 0; dx < kw; dx++) {
            const iy = oy * stride + dy - padT,
              ix = ox * stride + dx - padL;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let i = 0; i < cin; i++) s += x[(iy * w + ix) * cin + i] * k.data[((dy * kw + dx) * cin + i) * cout + o];
          }
        out[(oy * ow + ox) * cout + o] = s;
      }
  return { data: out, h: oh, w: ow };
}

test("tucker2Kernels as three convolutions (stride 2, same padding) equal the merged kernel's conv", () => {
  const k = randomKernel([3, 3, 6, 5], 9);
  const t = tucker2(k, 3, 4);
  const parts = tucker2Kernels(t);
  assert.deepEqual(parts.first.shape, [1, 1, 6, 3]);
  assert.deepEqual(parts.core.shape, [3, 3, 3, 4]);
  assert.deepEqual(parts.last.shape, [1, 1, 4, 5]);
  assert.ok(parts.first.data instanceof Float32Array && parts.core.data instanceof Float32Array && parts.last.data instanceof Float32Array);
  const rng = createRng(10);
  const h = 7,
    w = 8;
  const x = Float64Array.from({ length: h * w * 6 }, () => rng.normal());
  const a = conv2d(x, h, w, 6, parts.first, 1);
  const b = conv2d(a.data, a.h, a.w, 3, parts.core, 2);
  const c = conv2d(b.data, b.h, b.w, 4, parts.last, 1);
  const ref = conv2d(x, h, w, 6, tucker2Merge(t), 2);
  assert.equal(c.h, 4);
  assert.equal(c.w, 4);
  assert.ok(relDiff(c.data, ref.data) < 1e-6, `diff ${relDiff(c.data, ref.data)}`); // float32 parts
  // at full ranks the block equals the original layer
  const full = tucker2Kernels(tucker2(k, 6, 5));
  const f1 = conv2d(x, h, w, 6, full.first, 1);
  const f2 = conv2d(f1.data, f1.h, f1.w, 6, full.core, 2);
  const f3 = conv2d(f2.data, f2.h, f2.w, 5, full.last, 1);
  assert.ok(relDiff(f3.data, conv2d(x, h, w, 6, k, 2).data) < 1e-6);
});

test('tucker2 with the analysis (reusing its unfoldings) equals tucker2 without it; a kernel changed in place is unfolded again', () => {
  const rng = createRng(12);
  const k = trainedLikeKernel(rng, 40, 56, 10, 14, 0.05);
  const choice = chooseConvRanks(k, { policy: { kind: 'vbmf' } });
  assert.equal(choice.skipped, null);
  const fresh = tucker2(k, choice.k1, choice.k2);
  const reused = tucker2(k, choice.k1, choice.k2, { analysis: choice.analysis });
  assert.ok(Math.abs(fresh.relError - reused.relError) < 1e-12 * Math.max(1, fresh.relError));
  assert.ok(relDiff(tucker2Merge(reused).data, tucker2Merge(fresh).data) < 1e-10);
  // Same analysis object, same data array, but the values changed after chooseConvRanks: the kept
  // unfoldings must not be used (the result must be that of the new values, at least as good as
  // the HOSVD from the stale factors would allow).
  const choice2 = chooseConvRanks(k, { policy: { kind: 'vbmf' } });
  for (let i = 0; i < k.data.length; i += 7) k.data[i] = -k.data[i];
  const changed = tucker2(k, choice2.k1, choice2.k2, { analysis: choice2.analysis });
  const explicit = relDiff(tucker2Merge(changed).data, k.data);
  assert.ok(Math.abs(explicit - changed.relError) < 1e-10, `${explicit} vs ${changed.relError}`);
});
