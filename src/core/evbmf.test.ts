import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evbmf, evbmfFromSpectrum, evbmfObjective } from './evbmf';
import { matmul, transpose, singularValues } from './linalg';
import { createRng } from './random';
import type { Matrix } from './types';

function gaussian(rows: number, cols: number, seed: number, std = 1): Matrix {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
  return { rows, cols, data };
}

/** Matrix with orthonormal columns (Gram–Schmidt of a Gaussian). */
function orthonormalColumns(rows: number, cols: number, seed: number): Matrix {
  const g = gaussian(rows, cols, seed);
  const q = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const v = new Float64Array(rows);
    for (let i = 0; i < rows; i++) v[i] = g.data[i * cols + j];
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let d = 0;
        for (let i = 0; i < rows; i++) d += q[i * cols + p] * v[i];
        for (let i = 0; i < rows; i++) v[i] -= d * q[i * cols + p];
      }
    }
    const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    for (let i = 0; i < rows; i++) q[i * cols + j] = v[i] / n;
  }
  return { rows, cols, data: q };
}

/** U·diag(s)·Vᵀ + noise. */
function lowRankPlusNoise(rows: number, cols: number, s: number[], noise: number, seed: number): Matrix {
  const r = s.length;
  const u = orthonormalColumns(rows, r, seed);
  const v = orthonormalColumns(cols, r, seed + 1);
  for (let i = 0; i < rows; i++) for (let j = 0; j < r; j++) u.data[i * r + j] *= s[j];
  const y = matmul(u, transpose(v));
  const rng = createRng(seed + 2);
  for (let i = 0; i < y.data.length; i++) y.data[i] += noise * rng.normal();
  return y;
}

function sumSquares(m: Matrix): number {
  return m.data.reduce((p, x) => p + x * x, 0);
}

test('a known-rank matrix plus small Gaussian noise gives that rank (wide and tall)', () => {
  for (const [rows, cols, r, seed] of [
    [40, 300, 6, 1],
    [300, 40, 6, 2],
    [64, 576, 10, 3],
    [100, 100, 3, 4],
  ]) {
    const big = Array.from({ length: r }, (_, i) => 60 - 4 * i);
    const y = lowRankPlusNoise(rows, cols, big, 0.1, seed);
    const res = evbmf(y);
    assert.equal(res.rank, r, `${rows}×${cols}: rank ${res.rank}, σ² ${res.sigma2}`);
    assert.equal(res.transposed, rows > cols);
    assert.equal(res.L, Math.min(rows, cols));
    assert.equal(res.M, Math.max(rows, cols));
    // σ² estimates the noise variance (0.01) reasonably.
    assert.ok(res.sigma2 > 0.005 && res.sigma2 < 0.02, `σ² ${res.sigma2}`);
    assert.ok(res.lower <= res.sigma2 && res.sigma2 <= res.upper);
  }
});

test('a Kaiming-scale random Gaussian (untrained) kernel unfolding gives rank 0', () => {
  for (const [rows, cols, seed] of [
    [64, 576, 5],
    [128, 1152, 6],
    [27, 64, 7],
    [256, 1152, 8],
  ]) {
    const fanIn = Math.min(rows, cols);
    const y = gaussian(rows, cols, seed, Math.sqrt(2 / fanIn));
    assert.equal(evbmf(y).rank, 0, `${rows}×${cols}`);
  }
});

test('a 1×M (or M×1) matrix gives rank 0 without NaN', () => {
  for (const y of [gaussian(1, 50, 9), gaussian(50, 1, 10), { rows: 1, cols: 3, data: Float64Array.from([100, 0, 0]) }]) {
    const res = evbmf(y);
    assert.equal(res.rank, 0);
    assert.ok(Number.isFinite(res.sigma2) && Number.isFinite(res.threshold));
  }
});

test('an all-zero matrix gives rank 0 and σ² = 0 without NaN', () => {
  for (const [rows, cols] of [
    [10, 20],
    [20, 10],
    [1, 5],
    [3, 3],
  ]) {
    const res = evbmf({ rows, cols, data: new Float64Array(rows * cols) });
    assert.equal(res.rank, 0);
    assert.equal(res.sigma2, 0);
    assert.equal(res.threshold, 0);
    assert.ok(!Number.isNaN(res.lower) && !Number.isNaN(res.upper));
  }
  assert.equal(evbmf({ rows: 0, cols: 4, data: new Float64Array(0) }).rank, 0);
});

test('an exactly rank-deficient matrix (zero singular values) does not crash or NaN', () => {
  const y = lowRankPlusNoise(30, 80, [10, 8, 6], 0, 11);
  const res = evbmf(y);
  assert.ok(Number.isFinite(res.sigma2));
  assert.ok(res.rank >= 0 && res.rank <= 3, `rank ${res.rank}`);
  const spectrum = new Float64Array(30);
  spectrum.set([10, 8, 6]);
  const r2 = evbmfFromSpectrum(spectrum, 30, 80, 200);
  assert.ok(Number.isFinite(r2.sigma2) && r2.rank === 3, `rank ${r2.rank}`);
});

test('rank(Y) equals rank(Yᵀ)', () => {
  for (let seed = 20; seed < 26; seed++) {
    const y = lowRankPlusNoise(48, 200, [9, 7, 5, 3.5, 2.6], 0.12, seed);
    const a = evbmf(y);
    const b = evbmf(transpose(y));
    assert.equal(a.rank, b.rank);
    // The minimum of a smooth objective is only determined to ~√ε relative.
    assert.ok(Math.abs(a.sigma2 - b.sigma2) <= 1e-6 * a.sigma2);
    assert.ok(b.transposed && !a.transposed);
  }
});

test('evbmf and evbmfFromSpectrum agree (also with the spectrum unsorted)', () => {
  const y = lowRankPlusNoise(50, 120, [20, 15, 10], 0.3, 30);
  const a = evbmf(y);
  const s = singularValues(y);
  const b = evbmfFromSpectrum(s, 50, 120, sumSquares(y));
  assert.equal(a.rank, b.rank);
  assert.ok(Math.abs(a.sigma2 - b.sigma2) <= 1e-12 * a.sigma2);
  const shuffled = Float64Array.from(s).reverse();
  const c = evbmfFromSpectrum(shuffled, 120, 50, sumSquares(y));
  assert.equal(c.rank, a.rank);
  assert.ok(c.transposed);
  assert.ok(Math.abs(a.sigma2 - c.sigma2) <= 1e-12 * a.sigma2);
});

test('a truncated spectrum (fewer than L values) uses the residual and stays finite', () => {
  const y = lowRankPlusNoise(60, 150, [30, 20, 12, 8], 0.2, 31);
  const s = singularValues(y);
  const full = evbmfFromSpectrum(s, 60, 150, sumSquares(y));
  for (const h of [40, 20, 8, 1]) {
    const part = evbmfFromSpectrum(s.slice(0, h), 60, 150, sumSquares(y));
    assert.ok(Number.isFinite(part.sigma2) && part.sigma2 > 0);
    if (h >= 8) assert.equal(part.rank, full.rank, `H = ${h}`);
  }
});

test('the σ² found is a true minimum of the objective (±1e-3 relative is not lower)', () => {
  const cases: Matrix[] = [
    lowRankPlusNoise(40, 300, [12, 9, 7, 5, 4], 0.2, 40),
    lowRankPlusNoise(64, 576, [3, 2.5, 2, 1.6, 1.3, 1.1], 0.05, 41),
    gaussian(64, 576, 42, 0.05),
    lowRankPlusNoise(100, 120, [5, 4, 3], 0.15, 43),
  ];
  for (const y of cases) {
    const res = evbmf(y);
    const f = (s2: number) => evbmfObjective(s2, res.singularValues, res.L, res.M, 0);
    const f0 = f(res.sigma2);
    assert.ok(Number.isFinite(f0));
    const tol = 1e-9 * Math.abs(f0);
    for (const k of [1 - 1e-3, 1 + 1e-3, 1 - 1e-6, 1 + 1e-6]) {
      const s2 = res.sigma2 * k;
      if (s2 < res.lower || s2 > res.upper) continue;
      assert.ok(f(s2) >= f0 - tol, `σ²·${k}: ${f(s2)} < ${f0}`);
    }
    // And no grid point in [lower, upper] is lower either (global, not a local minimum).
    for (let i = 0; i <= 400; i++) {
      const s2 = res.lower * Math.pow(res.upper / res.lower, i / 400);
      assert.ok(f(s2) >= f0 - tol, `grid ${i}`);
    }
    // The threshold and the rank are consistent.
    assert.ok(
      Math.abs(
        res.threshold -
          Math.sqrt(
            res.M * res.sigma2 * (1 + 2.5129 * Math.sqrt(res.L / res.M)) * (1 + res.L / res.M / (2.5129 * Math.sqrt(res.L / res.M))),
          ),
      ) <
        1e-12 * res.threshold,
    );
    assert.equal(res.rank, Array.from(res.singularValues).filter((x) => x > res.threshold).length);
  }
});

test('bad spectra are rejected with what was received', () => {
  assert.throws(
    () => evbmfFromSpectrum(new Float64Array(5), 3, 10, 1),
    /at most min\(rows, cols\) = 3 singular values allowed, received 5/,
  );
  assert.throws(() => evbmfFromSpectrum(Float64Array.from([1, NaN]), 3, 10, 1), /finite and >= 0, received NaN/);
  assert.throws(() => evbmfFromSpectrum(Float64Array.from([1]), 3, 10, -1), /frobeniusSq must be a finite number >= 0, received -1/);
});

test('property: on spectra through the detection threshold the σ² found is the global minimum of a dense scan', () => {
  // Trained-like spectra: a power law s_i = A·(i+1)^−p that crosses EVBMF's threshold √(M·x̄)
  // (unit noise), blurred by the singular values of Gaussian noise. There the objective often has
  // two local minima of nearly equal depth; refining only the best grid point picked the worse
  // one in 3–4 of 300 such spectra (ranks off by 1 to 14), which this test catches.
  const rng = createRng(1234);
  let twoMinima = 0;
  for (let trial = 0; trial < 300; trial++) {
    const L = 8 + Math.floor(rng.uniform() * 48);
    const M = Math.floor(L * (1 + rng.uniform() * 9));
    const noise = singularValues(gaussian(L, M, 9000 + trial));
    const alpha = L / M;
    const tauBar = 2.5129 * Math.sqrt(alpha);
    const threshold = Math.sqrt(M * (1 + tauBar) * (1 + alpha / tauBar));
    const p = 0.3 + 1.5 * rng.uniform();
    const a = threshold * (1 + 3 * rng.uniform());
    const s = Float64Array.from({ length: L }, (_, i) => Math.hypot(a * Math.pow(i + 1, -p), noise[i] * rng.uniform()));
    const frob = s.reduce((acc, v) => acc + v * v, 0);
    const res = evbmfFromSpectrum(s, L, M, frob);
    const f = (s2: number) => evbmfObjective(s2, res.singularValues, L, M, 0);
    const found = f(res.sigma2);
    const n = 3000;
    const scan = Array.from({ length: n + 1 }, (_, i) => f(res.lower * Math.pow(res.upper / res.lower, i / n)));
    const best = Math.min(...scan);
    assert.ok(
      found <= best + 1e-9 * Math.abs(best),
      `trial ${trial} (${L}×${M}, p = ${p.toFixed(2)}): objective ${found} at σ² ${res.sigma2} (rank ${res.rank}), ${best} on the scan`,
    );
    let minima = 0;
    for (let i = 1; i < n; i++) if (scan[i] < scan[i - 1] && scan[i] <= scan[i + 1]) minima++;
    if (minima >= 2) twoMinima++;
  }
  // The hard case is exercised, not just the easy one.
  assert.ok(twoMinima >= 10, `only ${twoMinima} spectra had two local minima`);
});
