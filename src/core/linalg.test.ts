import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmul, transpose, gram, symmetricEigen, symmetricEigenLazy, singularValues, leftSingularVectors } from './linalg';
import { createRng } from './random';
import type { Matrix } from './types';

function randomMatrix(rows: number, cols: number, seed: number, scale = 1): Matrix {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * scale;
  return { rows, cols, data };
}

function randomSymmetric(n: number, seed: number): Matrix {
  const a = randomMatrix(n, n, seed);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = a.data[i * n + j] + a.data[j * n + i];
  return { rows: n, cols: n, data: s };
}

/** Independent check: one-sided Jacobi SVD on the matrix itself (columns orthogonalised). */
function jacobiSingularValues(m: Matrix): number[] {
  // Work on the wide orientation's transpose so columns are the longer vectors: A is r×c, r ≥ c.
  const a = m.rows >= m.cols ? m : transpose(m);
  const r = a.rows;
  const c = a.cols;
  const cols: Float64Array[] = [];
  for (let j = 0; j < c; j++) {
    const v = new Float64Array(r);
    for (let i = 0; i < r; i++) v[i] = a.data[i * c + j];
    cols.push(v);
  }
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < c - 1; p++) {
      for (let q = p + 1; q < c; q++) {
        const x = cols[p];
        const y = cols[q];
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < r; i++) {
          alpha += x[i] * x[i];
          beta += y[i] * y[i];
          gamma += x[i] * y[i];
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t);
        const sn = cs * t;
        for (let i = 0; i < r; i++) {
          const xi = x[i];
          const yi = y[i];
          x[i] = cs * xi - sn * yi;
          y[i] = sn * xi + cs * yi;
        }
      }
    }
    if (!rotated) break;
  }
  return cols.map((v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0))).sort((p, q) => q - p);
}

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

/** max |VᵀV − I| for an n×k matrix. */
function orthonormalityError(v: Matrix): number {
  const vtv = matmul(transpose(v), v);
  let m = 0;
  for (let i = 0; i < v.cols; i++) for (let j = 0; j < v.cols; j++) m = Math.max(m, Math.abs(vtv.data[i * v.cols + j] - (i === j ? 1 : 0)));
  return m;
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
  for (const [r, c] of [[1, 1], [1, 7], [2, 3], [5, 3], [8, 17], [13, 40], [33, 300]]) {
    const a = randomMatrix(r, c, r * 100 + c);
    const g = gram(a);
    const ref = naiveMatmul(a, transpose(a));
    assert.equal(g.rows, r);
    assert.ok(maxAbsDiff(g.data, ref) < 1e-12 * c, `${r}×${c}`);
    for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) assert.equal(g.data[i * r + j], g.data[j * r + i]);
  }
});

test('singularValues agree with a one-sided Jacobi SVD to 1e-9 relative (wide, tall, square)', () => {
  for (const [r, c, seed] of [[6, 40, 1], [40, 6, 2], [30, 30, 3], [64, 200, 4], [150, 45, 5], [1, 9, 6], [9, 1, 7]]) {
    const a = randomMatrix(r, c, seed);
    const s = singularValues(a);
    const ref = jacobiSingularValues(a);
    assert.equal(s.length, Math.min(r, c));
    for (let i = 0; i < s.length; i++) {
      assert.ok(Math.abs(s[i] - ref[i]) <= 1e-9 * ref[0], `${r}×${c} value ${i}: ${s[i]} vs ${ref[i]}`);
      if (i > 0) assert.ok(s[i] <= s[i - 1]);
    }
  }
});

test('singularValues of rank-deficient and zero matrices are >= 0 and catch the rank', () => {
  const u = randomMatrix(20, 3, 8);
  const v = randomMatrix(3, 50, 9);
  const s = singularValues(matmul(u, v));
  const ref = jacobiSingularValues(matmul(u, v));
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(s[i] - ref[i]) < 1e-9 * ref[0]);
  for (let i = 3; i < 20; i++) {
    assert.ok(s[i] >= 0);
    assert.ok(s[i] < 1e-6 * s[0]);
  }
  const z = singularValues({ rows: 4, cols: 6, data: new Float64Array(24) });
  assert.deepEqual(Array.from(z), [0, 0, 0, 0]);
});

test('symmetricEigen: values descending, S·v = λ·v and orthonormal vectors (general symmetric)', () => {
  for (const [n, k] of [[1, 1], [2, 2], [3, 1], [10, 10], [57, 20], [120, 120]]) {
    const s = randomSymmetric(n, n);
    const { values, vectors } = symmetricEigen(s, { vectors: k });
    assert.equal(values.length, n);
    for (let i = 1; i < n; i++) assert.ok(values[i] <= values[i - 1]);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += s.data[i * n + i];
    const sum = values.reduce((p, q) => p + q, 0);
    assert.ok(Math.abs(trace - sum) < 1e-10 * n * Math.max(1, Math.abs(values[0])));
    assert.ok(vectors !== null);
    assert.equal(vectors.rows, n);
    assert.equal(vectors.cols, k);
    const sv = matmul(s, vectors);
    const scale = Math.max(Math.abs(values[0]), Math.abs(values[n - 1]));
    for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(sv.data[i * k + j] - values[j] * vectors.data[i * k + j]) < 1e-11 * scale, `n=${n} vector ${j}`);
    }
    assert.ok(orthonormalityError(vectors) < 1e-10, `n=${n}: ${orthonormalityError(vectors)}`);
  }
});

test('symmetricEigen handles repeated eigenvalues (orthonormal vectors for a cluster)', () => {
  // Gram of a 30×5 matrix: 25 zero eigenvalues; also the identity and a block-diagonal matrix.
  const a = randomMatrix(30, 5, 11);
  const g = gram(a);
  const { values, vectors } = symmetricEigen(g, { vectors: 30 });
  assert.ok(vectors);
  assert.ok(orthonormalityError(vectors) < 1e-10);
  const gv = matmul(g, vectors);
  for (let j = 0; j < 30; j++) for (let i = 0; i < 30; i++) assert.ok(Math.abs(gv.data[i * 30 + j] - values[j] * vectors.data[i * 30 + j]) < 1e-10 * values[0]);
  const id = { rows: 6, cols: 6, data: new Float64Array(36) };
  for (let i = 0; i < 6; i++) id.data[i * 7] = 2;
  const r = symmetricEigen(id, { vectors: 6 });
  assert.deepEqual(Array.from(r.values), [2, 2, 2, 2, 2, 2]);
  assert.ok(orthonormalityError(r.vectors!) < 1e-12);
  const zero = symmetricEigen({ rows: 4, cols: 4, data: new Float64Array(16) }, { vectors: 2 });
  assert.deepEqual(Array.from(zero.values), [0, 0, 0, 0]);
  assert.ok(orthonormalityError(zero.vectors!) < 1e-12);
});

test('symmetricEigen with no vectors returns null and rejects bad input with what it received', () => {
  const s = randomSymmetric(5, 3);
  assert.equal(symmetricEigen(s).vectors, null);
  assert.throws(() => symmetricEigen({ rows: 2, cols: 3, data: new Float64Array(6) }), /square, received 2×3/);
  assert.throws(() => symmetricEigen(s, { vectors: 6 }), /\[0, 5\], received 6/);
  const bad = Float64Array.from(s.data);
  bad[3] = NaN;
  assert.throws(() => symmetricEigen({ rows: 5, cols: 5, data: bad }), /finite, received NaN/);
});

test('leftSingularVectors are orthonormal and span the leading left singular subspace', () => {
  for (const [r, c, k] of [[20, 90, 5], [40, 12, 6], [40, 12, 12], [30, 30, 30], [64, 27, 64]]) {
    const a = randomMatrix(r, c, r + c + k);
    const u = leftSingularVectors(a, k);
    assert.equal(u.rows, r);
    assert.equal(u.cols, k);
    assert.ok(orthonormalityError(u) < 1e-10, `${r}×${c} k=${k}: ${orthonormalityError(u)}`);
    // ‖Uᵀa‖² equals the sum of the k largest squared singular values (the subspace is right).
    const s = singularValues(a);
    let want = 0;
    for (let i = 0; i < Math.min(k, s.length); i++) want += s[i] * s[i];
    const uta = matmul(transpose(u), a);
    const got = uta.data.reduce((p, x) => p + x * x, 0);
    assert.ok(Math.abs(got - want) < 1e-10 * want, `${r}×${c} k=${k}: ${got} vs ${want}`);
    // Each column is a left singular vector: ‖aᵀu_j‖ = s_j.
    for (let j = 0; j < Math.min(k, s.length); j++) {
      let nrm = 0;
      for (let q = 0; q < c; q++) nrm += uta.data[j * c + q] ** 2;
      assert.ok(Math.abs(Math.sqrt(nrm) - s[j]) < 1e-9 * s[0]);
    }
  }
});

test('symmetricEigenLazy gives the same values and, on demand, the same vectors as symmetricEigen', () => {
  const g = gram(randomMatrix(40, 90, 21));
  const full = symmetricEigen(g, { vectors: 12 });
  const lazy = symmetricEigenLazy(g);
  assert.deepEqual(Array.from(lazy.values), Array.from(full.values));
  for (const k of [0, 3, 12]) {
    const v = lazy.vectors(k);
    assert.equal(v.rows, 40);
    assert.equal(v.cols, k);
    for (let j = 0; j < k; j++) {
      // Same vector up to sign.
      let dot = 0;
      for (let i = 0; i < 40; i++) dot += v.data[i * k + j] * full.vectors!.data[i * 12 + j];
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-10);
    }
  }
  assert.throws(() => lazy.vectors(41), /\[0, 40\], received 41/);
});

// ---- WebAssembly SIMD kernels vs the JavaScript fallback -------------------------------------

import { setUseWasm, gramBackend, eigenBackend } from './linalg';

function naiveGramOf(a: Matrix): Float64Array {
  const n = a.rows, m = a.cols;
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += a.data[i * m + k] * a.data[j * m + k];
    g[i * n + j] = s;
  }
  return g;
}

function scaledGramError(g: Float64Array, ref: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const scale = Math.sqrt(ref[i * n + i] * ref[j * n + j]) || 1;
    worst = Math.max(worst, Math.abs(g[i * n + j] - ref[i * n + j]) / scale);
  }
  return worst;
}

test('gram: the JS fallback (setUseWasm(false)) and the default kernel both equal a naive triple loop, exactly symmetric', () => {
  try {
    for (const [n, m] of [[1, 1], [3, 7], [5, 1000], [67, 130], [130, 67]] as const) {
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
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) {
        assert.equal(js[i * n + j], js[j * n + i]);
        assert.equal(fast[i * n + j], fast[j * n + i]);
      }
    }
  } finally {
    setUseWasm(true);
  }
});

test('symmetricEigen: WebAssembly and JS tridiagonalisations agree on values and vectors', () => {
  try {
    for (const n of [33, 64, 101]) {
      const s = gram(randomMatrix(n, 2 * n + 3, 77 + n));
      setUseWasm(false);
      assert.equal(eigenBackend(), 'js');
      const js = symmetricEigen(s, { vectors: 5 });
      setUseWasm(true);
      const fast = symmetricEigen(s, { vectors: 5 });
      const top = js.values[0];
      for (let i = 0; i < n; i++) assert.ok(Math.abs(js.values[i] - fast.values[i]) <= 1e-12 * top, `value ${i} of ${n}`);
      for (let c = 0; c < 5; c++) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += js.vectors!.data[r * 5 + c] * fast.vectors!.data[r * 5 + c];
        assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `vector ${c} of ${n}: |dot| = ${Math.abs(dot)}`);
      }
      // A lazy decomposition keeps its own copy of the reduction: a later one must not disturb it.
      const lazy = symmetricEigenLazy(s);
      symmetricEigenLazy(gram(randomMatrix(n + 7, n, 5)));
      const v = lazy.vectors(1).data;
      let dot = 0;
      for (let r = 0; r < n; r++) dot += v[r] * js.vectors!.data[r * 5];
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9);
    }
  } finally {
    setUseWasm(true);
  }
});

import { abtInto, abtJs, abtBackend } from './linalg';

test('abtInto (WebAssembly where available) and abtJs both equal a naive A·Bᵀ on odd sizes, strided, accumulating', () => {
  const rng = createRng(21);
  for (const [n, m, p] of [[1, 1, 1], [3, 5, 7], [37, 41, 43], [64, 9, 130], [129, 65, 31]] as const) {
    const aStride = p + 3, bStride = p + 1, cStride = m + 2;
    const a = new Float64Array(2 + n * aStride).map(() => rng.normal());
    const b = new Float64Array(1 + m * bStride).map(() => rng.normal());
    const c0 = new Float64Array(4 + n * cStride).map(() => rng.normal());
    for (const accumulate of [false, true]) {
      const want = Float64Array.from(c0);
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
        let s = 0;
        for (let k = 0; k < p; k++) s += a[2 + i * aStride + k]! * b[1 + j * bStride + k]!;
        want[4 + i * cStride + j] = (accumulate ? want[4 + i * cStride + j]! : 0) + s;
      }
      for (const f of [abtInto, abtJs]) {
        const got = Float64Array.from(c0);
        f(a, 2, aStride, n, b, 1, bStride, m, p, got, 4, cStride, accumulate);
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-12 * (1 + Math.abs(want[i]!)), `${f.name} ${n}×${m}×${p} acc=${accumulate} at ${i}`);
        }
      }
    }
  }
  assert.ok(['wasm-simd-fma', 'wasm-simd', 'js'].includes(abtBackend()));
});

test('eigenvectors through the blocked back-transformation: S·v = λ·v, orthonormal, same with and without WebAssembly', () => {
  // n spans several blocks of reflectors (and a partial last one); k odd.
  const rng = createRng(8);
  const n = 150, k = 37;
  const x = new Float64Array(n * 200).map(() => rng.normal());
  const s = gram({ rows: n, cols: 200, data: x });
  const results = [true, false].map((on) => {
    setUseWasm(on);
    try {
      return symmetricEigen(s, { vectors: k });
    } finally {
      setUseWasm(true);
    }
  });
  for (const r of results) {
    const v = r.vectors!;
    for (let j = 0; j < k; j++) {
      let res = 0, nrm = 0;
      for (let i = 0; i < n; i++) {
        let sv = 0;
        for (let q = 0; q < n; q++) sv += s.data[i * n + q]! * v.data[q * k + j]!;
        res = Math.max(res, Math.abs(sv - r.values[j]! * v.data[i * k + j]!));
        nrm += v.data[i * k + j]! ** 2;
      }
      assert.ok(res < 1e-9 * r.values[0]!, `residual ${res} for vector ${j}`);
      assert.ok(Math.abs(nrm - 1) < 1e-12);
      for (let q = 0; q < j; q++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += v.data[i * k + j]! * v.data[i * k + q]!;
        assert.ok(Math.abs(dot) < 1e-12, `vectors ${q}, ${j}: ${dot}`);
      }
    }
  }
  // Same vectors up to sign from both backends.
  for (let j = 0; j < k; j++) {
    let dot = 0;
    for (let i = 0; i < n; i++) dot += results[0]!.vectors!.data[i * k + j]! * results[1]!.vectors!.data[i * k + j]!;
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-10, `vector ${j}: |dot| = ${Math.abs(dot)}`);
  }
});
