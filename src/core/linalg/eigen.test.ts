// Symmetric eigendecomposition: values, vectors, clusters, lazy vectors, bad input, WebAssembly vs JS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigenBackend, setUseWasm } from './dispatch';
import { symmetricEigen, symmetricEigenLazy } from './eigen';
import { gram, matmul } from './products';
import { orthonormalityError, randomMatrix } from './testMatrices';
import { createRng } from '../random';
import type { Matrix } from '../types';

function randomSymmetric(n: number, seed: number): Matrix {
  const a = randomMatrix(n, n, seed);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = a.data[i * n + j] + a.data[j * n + i];
  return { rows: n, cols: n, data: s };
}

test('symmetricEigen: values descending, S·v = λ·v and orthonormal vectors (general symmetric)', () => {
  for (const [n, k] of [
    [1, 1],
    [2, 2],
    [3, 1],
    [10, 10],
    [57, 20],
    [120, 120],
  ]) {
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
    for (let j = 0; j < k; j++)
      for (let i = 0; i < n; i++) {
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
  for (let j = 0; j < 30; j++)
    for (let i = 0; i < 30; i++) assert.ok(Math.abs(gv.data[i * 30 + j] - values[j] * vectors.data[i * 30 + j]) < 1e-10 * values[0]);
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

test('eigenvectors through the blocked back-transformation: S·v = λ·v, orthonormal, same with and without WebAssembly', () => {
  // n spans several blocks of reflectors (and a partial last one); k odd.
  const rng = createRng(8);
  const n = 150,
    k = 37;
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
      let res = 0,
        nrm = 0;
      for (let i = 0; i < n; i++) {
        let sv = 0;
        for (let q = 0; q < n; q++) sv += s.data[i * n + q] * v.data[q * k + j];
        res = Math.max(res, Math.abs(sv - r.values[j] * v.data[i * k + j]));
        nrm += v.data[i * k + j] ** 2;
      }
      assert.ok(res < 1e-9 * r.values[0], `residual ${res} for vector ${j}`);
      assert.ok(Math.abs(nrm - 1) < 1e-12);
      for (let q = 0; q < j; q++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += v.data[i * k + j] * v.data[i * k + q];
        assert.ok(Math.abs(dot) < 1e-12, `vectors ${q}, ${j}: ${dot}`);
      }
    }
  }
  // Same vectors up to sign from both backends.
  for (let j = 0; j < k; j++) {
    let dot = 0;
    for (let i = 0; i < n; i++) dot += results[0].vectors!.data[i * k + j] * results[1].vectors!.data[i * k + j];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-10, `vector ${j}: |dot| = ${Math.abs(dot)}`);
  }
});
