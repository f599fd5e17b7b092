// Products and Grams against naive loops, with and without the WebAssembly kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abtBackend, gramBackend, setUseWasm } from './dispatch';
import { abtInto, abtJs, gram, matmul, transpose } from './products';
import { randomMatrix } from './testMatrices';
import { createRng } from '../random';
import type { Matrix } from '../types';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function naiveMatmul(a: Matrix, b: Matrix): Float64Array {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let p = 0; p < a.cols; p++) s += a.data[i * a.cols + p] * b.data[p * b.cols + j];
      out[i * b.cols + j] = s;
    }
  return out;
}

function naiveGramOf(a: Matrix): Float64Array {
  const n = a.rows,
    m = a.cols;
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += a.data[i * m + k] * a.data[j * m + k];
      g[i * n + j] = s;
    }
  return g;
}

function scaledGramError(g: Float64Array, ref: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const scale = Math.sqrt(ref[i * n + i] * ref[j * n + j]) || 1;
      worst = Math.max(worst, Math.abs(g[i * n + j] - ref[i * n + j]) / scale);
    }
  return worst;
}

test('matmul and transpose agree with naive loops', () => {
  const a = randomMatrix(7, 5, 1);
  const b = randomMatrix(5, 9, 2);
  assert.ok(maxAbsDiff(matmul(a, b).data, naiveMatmul(a, b)) < 1e-13);
  const t = transpose(randomMatrix(37, 45, 3));
  const src = randomMatrix(37, 45, 3);
  assert.equal(t.rows, 45);
  for (let i = 0; i < 37; i++) for (let j = 0; j < 45; j++) assert.equal(t.data[j * 37 + i], src.data[i * 45 + j]);
  assert.throws(() => matmul(a, a), /inner dimensions differ, received 7×5 · 7×5/);
});

test('gram equals a·aᵀ and is exactly symmetric, for odd and even sizes', () => {
  for (const [r, c] of [
    [1, 1],
    [1, 7],
    [2, 3],
    [5, 3],
    [8, 17],
    [13, 40],
    [33, 300],
  ]) {
    const a = randomMatrix(r, c, r * 100 + c);
    const g = gram(a);
    const ref = naiveMatmul(a, transpose(a));
    assert.equal(g.rows, r);
    assert.ok(maxAbsDiff(g.data, ref) < 1e-12 * c, `${r}×${c}`);
    for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) assert.equal(g.data[i * r + j], g.data[j * r + i]);
  }
});

test('gram: the JS fallback (setUseWasm(false)) and the default kernel both equal a naive triple loop, exactly symmetric', () => {
  try {
    for (const [n, m] of [
      [1, 1],
      [3, 7],
      [5, 1000],
      [67, 130],
      [130, 67],
    ] as const) {
      const a = randomMatrix(n, m, n * 1000 + m);
      const ref = naiveGramOf(a);
      setUseWasm(false);
      assert.equal(gramBackend(), 'js');
      const js = gram(a).data;
      setUseWasm(true);
      const fast = gram(a).data;
      assert.ok(scaledGramError(js, ref, n) < 1e-13, `js ${n}×${m}`);
      assert.ok(scaledGramError(fast, ref, n) < 1e-13, `${gramBackend()} ${n}×${m}`);
      assert.ok(scaledGramError(fast, js, n) < 1e-13, `${gramBackend()} vs js ${n}×${m}`);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < i; j++) {
          assert.equal(js[i * n + j], js[j * n + i]);
          assert.equal(fast[i * n + j], fast[j * n + i]);
        }
    }
  } finally {
    setUseWasm(true);
  }
});

test('abtInto (WebAssembly where available) and abtJs both equal a naive A·Bᵀ on odd sizes, strided, accumulating', () => {
  const rng = createRng(21);
  for (const [n, m, p] of [
    [1, 1, 1],
    [3, 5, 7],
    [37, 41, 43],
    [64, 9, 130],
    [129, 65, 31],
  ] as const) {
    const aStride = p + 3,
      bStride = p + 1,
      cStride = m + 2;
    const a = new Float64Array(2 + n * aStride).map(() => rng.normal());
    const b = new Float64Array(1 + m * bStride).map(() => rng.normal());
    const c0 = new Float64Array(4 + n * cStride).map(() => rng.normal());
    for (const accumulate of [false, true]) {
      const want = Float64Array.from(c0);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let k = 0; k < p; k++) s += a[2 + i * aStride + k] * b[1 + j * bStride + k];
          want[4 + i * cStride + j] = (accumulate ? want[4 + i * cStride + j] : 0) + s;
        }
      for (const f of [abtInto, abtJs]) {
        const got = Float64Array.from(c0);
        f(a, 2, aStride, n, b, 1, bStride, m, p, got, 4, cStride, accumulate);
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i] - want[i]) <= 1e-12 * (1 + Math.abs(want[i])), `${f.name} ${n}×${m}×${p} acc=${accumulate} at ${i}`);
        }
      }
    }
  }
  assert.ok(['wasm-simd-fma', 'wasm-simd', 'js'].includes(abtBackend()));
});
