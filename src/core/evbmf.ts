// Analytic empirical variational Bayesian matrix factorisation (Nakajima et al. 2013), used only
// to choose a rank: the noise variance σ² is estimated by minimising the EVB free energy over
// [lower, upper], and the rank is the number of singular values above √(M·σ²·x̄).
import type { Matrix } from './types';
import { singularValues } from './linalg';

export interface EvbmfResult {
  /** Number of singular values above the threshold. */
  rank: number;
  /** Estimated noise variance. */
  sigma2: number;
  /** √(M·σ²·x̄): singular values above it are kept. */
  threshold: number;
  /** The singular values used (descending). */
  singularValues: Float64Array;
  /** Bounds of the σ² search. */
  lower: number;
  upper: number;
  /** Problem size after the transpose that makes L ≤ M. */
  L: number;
  M: number;
  /** True when the input had rows > cols and was transposed. */
  transposed: boolean;
}

/** Intervals of the log-σ² scan whose local minima are all refined (cheap: O(H) per point). */
const GRID_INTERVALS = 256;

/** τ̄ of the analytic solution (Nakajima et al. 2013). */
const TAU_COEF = 2.5129;

/** x̄ = (1+τ̄)(1+α/τ̄) with τ̄ = 2.5129·√α. */
export function evbmfXbar(alpha: number): number {
  const tauBar = TAU_COEF * Math.sqrt(alpha);
  return (1 + tauBar) * (1 + alpha / tauBar);
}

function tauOf(x: number, alpha: number): number {
  const b = x - (1 + alpha);
  return 0.5 * (b + Math.sqrt(Math.max(0, b * b - 4 * alpha)));
}

/**
 * The EVB objective of σ² (unscaled, exactly as docs/design.md §5), for an L×M problem (L ≤ M) with the
 * H = s.length leading singular values s and the residual energy ‖Y‖² − Σ s². A zero singular
 * value contributes ln(M·σ²) (its −ln s² constant is dropped), so the objective stays finite.
 */
export function evbmfObjective(sigma2: number, s: ArrayLike<number>, L: number, M: number, residual: number): number {
  const alpha = L / M;
  const xbar = evbmfXbar(alpha);
  const H = s.length;
  let obj = 0;
  for (let i = 0; i < H; i++) {
    const s2 = s[i] * s[i];
    if (s2 === 0) {
      obj += Math.log(M * sigma2);
      continue;
    }
    const x = s2 / (M * sigma2);
    if (x <= xbar) {
      obj += x - Math.log(x);
    } else {
      const tau = tauOf(x, alpha);
      obj += x - tau + Math.log((tau + 1) / x) + alpha * Math.log(tau / alpha + 1);
    }
  }
  return obj + residual / (M * sigma2) + (L - H) * Math.log(sigma2);
}

/** EVBMF rank of a matrix (transposed first when rows > cols). */
export function evbmf(y: Matrix): EvbmfResult {
  if (!Number.isInteger(y.rows) || !Number.isInteger(y.cols) || y.rows < 0 || y.cols < 0 || y.data.length !== y.rows * y.cols) {
    throw new Error(`evbmf: expected a ${y.rows}×${y.cols} matrix with ${y.rows * y.cols} entries, received ${y.data.length}`);
  }
  const d = y.data;
  let frob = 0;
  for (let i = 0; i < d.length; i++) frob += d[i] * d[i];
  if (!Number.isFinite(frob)) {
    throw new Error(`evbmf: matrix entries must be finite, received a sum of squares of ${frob}`);
  }
  return evbmfFromSpectrum(singularValues(y), y.rows, y.cols, frob);
}

/**
 * EVBMF from the singular values s (descending, length min(rows, cols) or fewer) of a rows×cols
 * matrix Y with ‖Y‖² = frobeniusSq. When fewer than min(rows, cols) values are given, the missing
 * ones are represented by the residual energy ‖Y‖² − Σ s² (also in the lower bound's mean).
 */
export function evbmfFromSpectrum(s: Float64Array, rows: number, cols: number, frobeniusSq: number): EvbmfResult {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new Error(`evbmfFromSpectrum: rows and cols must be non-negative integers, received ${rows}×${cols}`);
  }
  const L = Math.min(rows, cols);
  const M = Math.max(rows, cols);
  const transposed = rows > cols;
  if (s.length > L) {
    throw new Error(`evbmfFromSpectrum: at most min(rows, cols) = ${L} singular values allowed, received ${s.length}`);
  }
  if (!(frobeniusSq >= 0) || !Number.isFinite(frobeniusSq)) {
    throw new Error(`evbmfFromSpectrum: frobeniusSq must be a finite number >= 0, received ${frobeniusSq}`);
  }
  const sv = Float64Array.from(s);
  let sorted = true;
  for (let i = 0; i < sv.length; i++) {
    if (!Number.isFinite(sv[i]) || sv[i] < 0) {
      throw new Error(`evbmfFromSpectrum: singular values must be finite and >= 0, received ${sv[i]} at index ${i}`);
    }
    if (i > 0 && sv[i] > sv[i - 1]) sorted = false;
  }
  if (!sorted) {
    sv.sort();
    sv.reverse();
  }
  const H = sv.length;
  const base = { singularValues: sv, L, M, transposed };
  if (L === 0) return { rank: 0, sigma2: 0, threshold: 0, lower: 0, upper: 0, ...base };

  const alpha = L / M;
  const xbar = evbmfXbar(alpha);
  let sumS2 = 0;
  for (let i = 0; i < H; i++) sumS2 += sv[i] * sv[i];
  const residual = H < L ? Math.max(0, frobeniusSq - sumS2) : 0;
  const upper = frobeniusSq / (L * M);
  const finish = (sigma2: number, lower: number): EvbmfResult => {
    const threshold = Math.sqrt(M * sigma2 * xbar);
    let rank = 0;
    while (rank < H && sv[rank] > threshold) rank++;
    return { rank, sigma2, threshold, lower, upper, ...base };
  };
  if (upper === 0 || H === 0) return finish(upper, upper);

  // e = min(⌈L/(1+α)⌉ − 1, H) − 1 (0-based); lower uses s[e+1:].
  const idx = Math.max(0, Math.min(Math.ceil(L / (1 + alpha)) - 1, H) - 1 + 1);
  let tail = residual;
  for (let i = idx; i < H; i++) tail += sv[i] * sv[i];
  let lower = tail / (L - idx) / M;
  if (idx < H) lower = Math.max(lower, (sv[idx] * sv[idx]) / (M * xbar));
  const reportedLower = lower;
  if (!(lower > 0)) lower = upper * 1e-12; // the tail is exactly zero: search down to a tiny σ².
  if (lower >= upper) return finish(upper, reportedLower);

  // Rescaled problem: σ² = lower·t, t = e^u, u ∈ [0, U]. Objective up to an additive constant.
  const c = new Float64Array(H);
  let zeros = 0;
  for (let i = 0; i < H; i++) {
    c[i] = (sv[i] * sv[i]) / (M * lower);
    if (c[i] === 0) zeros++;
  }
  const rScaled = residual / (M * lower);
  const U = Math.log(upper / lower);
  const f = (u: number): number => {
    const t = Math.exp(u);
    const invT = 1 / t;
    let obj = (L - H + zeros) * u + rScaled * invT;
    for (let i = 0; i < H; i++) {
      const ci = c[i];
      if (ci === 0) continue;
      const x = ci * invT;
      if (x <= xbar) {
        obj += x - Math.log(x);
      } else {
        const b = x - (1 + alpha);
        const tau = 0.5 * (b + Math.sqrt(Math.max(0, b * b - 4 * alpha)));
        obj += x - tau + Math.log((tau + 1) / x) + alpha * Math.log(tau / alpha + 1);
      }
    }
    return obj;
  };
  // The objective can have several local minima of nearly equal depth (docs/design.md §5.4):
  // scan a log grid, refine every local minimum of the scan with Brent, keep the lowest.
  const N = GRID_INTERVALS;
  const grid = new Float64Array(N + 1);
  for (let i = 0; i <= N; i++) grid[i] = f((U * i) / N);
  let u = 0;
  let bestF = Infinity;
  for (let i = 0; i <= N; i++) {
    const left = i === 0 ? Infinity : grid[i - 1];
    const right = i === N ? Infinity : grid[i + 1];
    // A local minimum of the scan (a flat stretch counts once, at its first point).
    if (!(grid[i] < left && grid[i] <= right)) continue;
    const lo = (U * Math.max(0, i - 1)) / N;
    const hi = (U * Math.min(N, i + 1)) / N;
    const m = brentMin(f, lo, hi, 1e-12);
    const [x, fx] = m.fx <= grid[i] ? [m.x, m.fx] : [(U * i) / N, grid[i]];
    if (fx < bestF) {
      bestF = fx;
      u = x;
    }
  }
  const sigma2 = Math.min(upper, Math.max(lower, lower * Math.exp(u)));
  return finish(sigma2, reportedLower);
}

/** Brent's bounded minimisation (golden section + parabolic steps) of f on [a, b]. */
export function brentMin(f: (x: number) => number, a: number, b: number, tol: number): { x: number; fx: number } {
  const gold = 0.3819660112501051;
  const eps = 1e-15;
  let x = a + gold * (b - a);
  let w = x;
  let v = x;
  let fx = f(x);
  let fw = fx;
  let fv = fx;
  let d = 0;
  let e = 0;
  for (let iter = 0; iter < 200; iter++) {
    const xm = 0.5 * (a + b);
    const tol1 = eps * Math.abs(x) + tol / 3;
    const tol2 = 2 * tol1;
    if (Math.abs(x - xm) <= tol2 - 0.5 * (b - a)) break;
    let useGolden = true;
    if (Math.abs(e) > tol1) {
      let r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      else q = -q;
      r = e;
      e = d;
      if (Math.abs(p) < Math.abs(0.5 * q * r) && p > q * (a - x) && p < q * (b - x)) {
        d = p / q;
        const uu = x + d;
        if (uu - a < tol2 || b - uu < tol2) d = xm >= x ? tol1 : -tol1;
        useGolden = false;
      }
    }
    if (useGolden) {
      e = x >= xm ? a - x : b - x;
      d = gold * e;
    }
    const u = Math.abs(d) >= tol1 ? x + d : x + (d > 0 ? tol1 : -tol1);
    const fu = f(u);
    if (fu <= fx) {
      if (u >= x) a = x;
      else b = x;
      v = w;
      fv = fw;
      w = x;
      fw = fx;
      x = u;
      fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w;
        fv = fw;
        w = u;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
  }
  return { x, fx };
}
