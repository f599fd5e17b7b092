// Eigenvectors of a symmetric tridiagonal matrix for chosen eigenvalues, by inverse iteration
// (seeded start vectors, so results are reproducible).
import { createRng } from '../random';

/** float64 machine epsilon. */
const EPS = 2.220446049250313e-16;

/**
 * Eigenvectors of the tridiagonal T (d, e as from tridiagonalize) for the eigenvalues
 * values[0..k−1] (descending), by inverse iteration with re-orthogonalisation inside clusters of
 * close eigenvalues. Returns Zᵀ, k×n row-major (row j = vector j).
 */
export function tridiagonalEigenvectors(d: Float64Array, e: Float64Array, n: number, values: Float64Array, k: number): Float64Array {
  const z = new Float64Array(n * k);
  if (n === 1) {
    z[0] = 1;
    return z;
  }
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const t = Math.abs(d[i]) + (i > 0 ? Math.abs(e[i]) : 0) + (i + 1 < n ? Math.abs(e[i + 1]) : 0);
    if (t > norm) norm = t;
  }
  if (norm === 0) {
    for (let j = 0; j < k; j++) z[j * n + j] = 1;
    return z;
  }
  const tiny = EPS * norm;
  const ortol = 1e-5 * norm;
  const pertol = 10 * EPS * norm;
  const u0 = new Float64Array(n);
  const u1 = new Float64Array(n);
  const u2 = new Float64Array(n);
  const lm = new Float64Array(n);
  const piv = new Uint8Array(n);
  const y = new Float64Array(n);
  const cols: Float64Array[] = [];
  const rng = createRng(0x5eed);
  let clusterStart = 0;
  let prevLam = 0;
  for (let j = 0; j < k; j++) {
    let lam = values[j];
    if (j > 0 && values[j - 1] - values[j] <= ortol) {
      if (lam > prevLam - pertol) lam = prevLam - pertol;
    } else {
      clusterStart = j;
    }
    prevLam = lam;
    // LU with partial pivoting of T − λI.
    for (let i = 0; i < n; i++) {
      u0[i] = d[i] - lam;
      u1[i] = i + 1 < n ? e[i + 1] : 0;
      u2[i] = 0;
    }
    for (let i = 0; i < n - 1; i++) {
      const ci = e[i + 1];
      if (Math.abs(u0[i]) >= Math.abs(ci)) {
        piv[i] = 0;
        if (Math.abs(u0[i]) < tiny) u0[i] = u0[i] >= 0 ? tiny : -tiny;
        const mult = ci / u0[i];
        lm[i] = mult;
        u0[i + 1] -= mult * u1[i];
      } else {
        piv[i] = 1;
        const mult = u0[i] / ci;
        lm[i] = mult;
        const old = u0[i + 1];
        u0[i] = ci;
        const t = u1[i];
        u1[i] = old;
        u0[i + 1] = t - mult * old;
        if (i < n - 2) {
          u2[i] = u1[i + 1];
          u1[i + 1] = -mult * u1[i + 1];
        }
      }
    }
    if (Math.abs(u0[n - 1]) < tiny) u0[n - 1] = u0[n - 1] >= 0 ? tiny : -tiny;
    for (let i = 0; i < n; i++) y[i] = rng.uniform() - 0.5;
    for (let it = 0; it < 3; it++) {
      // Solve (T − λI)·x = y in place.
      for (let i = 0; i < n - 1; i++) {
        if (piv[i]) {
          const t = y[i];
          y[i] = y[i + 1];
          y[i + 1] = t - lm[i] * y[i];
        } else {
          y[i + 1] -= lm[i] * y[i];
        }
      }
      y[n - 1] /= u0[n - 1];
      y[n - 2] = (y[n - 2] - u1[n - 2] * y[n - 1]) / u0[n - 2];
      for (let i = n - 3; i >= 0; i--) y[i] = (y[i] - u1[i] * y[i + 1] - u2[i] * y[i + 2]) / u0[i];
      // Re-orthogonalise against the cluster, then normalise.
      for (let pass = 0; pass < 2; pass++) {
        for (let q = clusterStart; q < j; q++) {
          const c = cols[q];
          let dot = 0;
          for (let i = 0; i < n; i++) dot += c[i] * y[i];
          for (let i = 0; i < n; i++) y[i] -= dot * c[i];
        }
        if (j === clusterStart) break;
      }
      let nrm = 0;
      for (let i = 0; i < n; i++) nrm += y[i] * y[i];
      nrm = Math.sqrt(nrm);
      if (!(nrm > 0) || !Number.isFinite(nrm)) {
        for (let i = 0; i < n; i++) y[i] = rng.uniform() - 0.5;
        continue;
      }
      const inv = 1 / nrm;
      for (let i = 0; i < n; i++) y[i] *= inv;
    }
    const col = z.subarray(j * n, (j + 1) * n);
    col.set(y);
    cols.push(col);
  }
  return z;
}
