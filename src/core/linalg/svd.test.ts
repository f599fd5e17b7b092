// Singular values against a one-sided Jacobi SVD, and leading left singular vectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmul, transpose } from './products';
import { leftSingularVectors, singularValues } from './svd';
import { orthonormalityError, randomMatrix } from './testMatrices';
import type { Matrix } from '../types';

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

test('singularValues agree with a one-sided Jacobi SVD to 1e-9 relative (wide, tall, square)', () => {
  for (const [r, c, seed] of [
    [6, 40, 1],
    [40, 6, 2],
    [30, 30, 3],
    [64, 200, 4],
    [150, 45, 5],
    [1, 9, 6],
    [9, 1, 7],
  ]) {
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

test('leftSingularVectors are orthonormal and span the leading left singular subspace', () => {
  for (const [r, c, k] of [
    [20, 90, 5],
    [40, 12, 6],
    [40, 12, 12],
    [30, 30, 30],
    [64, 27, 64],
  ]) {
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
