// Back-transformation of the tridiagonal's eigenvectors to the original matrix's (Q·Z), with the
// Householder reflectors applied in blocks as two A·Bᵀ products each.
import { abtInto } from './products';

/** Reflectors per block of the back-transformation (compact WY). */
const BACK_BLOCK = 32;

/**
 * Zᵀ ← (Q·Z)ᵀ = Zᵀ·Qᵀ with Q = P_{n−1}⋯P_2 from tridiagonalize (P_2 applied first), for Zᵀ k×n
 * row-major (row j = vector j). The reflectors are taken in blocks of b: for a block i0..i1−1,
 * P_{i0}⋯P_{i1−1} = I − V·T·Vᵀ (V = [v_{i0} … v_{i1−1}], T upper triangular, LAPACK's dlarft
 * forward), so the block's product P_{i1−1}⋯P_{i0} = I − V·Tᵀ·Vᵀ and
 *   Zᵀ ← Zᵀ − ((Zᵀ·V)·T)·Vᵀ,
 * two A·Bᵀ products of k·i·b multiply–adds (abtInto: WebAssembly SIMD) instead of 2·i·k scalar
 * multiply–adds per reflector.
 */
export function backTransformRows(a: Float64Array, hs: Float64Array, n: number, zt: Float64Array, k: number): void {
  if (n < 3 || k === 0) return;
  const B = BACK_BLOCK;
  const vRows = new Float64Array(B * n); // b × L, row j = v_{i0+j} (zero beyond its support)
  const vCols = new Float64Array(n * B); // L × b: Vᵀ by rows
  const tau = new Float64Array(B);
  const vtv = new Float64Array(B * B);
  const t = new Float64Array(B * B);
  const w = new Float64Array(k * B);
  const w2 = new Float64Array(k * B);
  for (let i0 = 2; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    const b = i1 - i0;
    const L = i1 - 1; // v_i has entries in columns 0..i−1
    let any = false;
    for (let j = 0; j < b; j++) {
      const i = i0 + j;
      const h = hs[i];
      tau[j] = h === 0 ? 0 : 1 / h;
      if (h !== 0) any = true;
      const ri = i * n;
      const vr = j * L;
      if (h === 0) vRows.fill(0, vr, vr + L);
      else {
        for (let c = 0; c < i; c++) vRows[vr + c] = a[ri + c];
        for (let c = i; c < L; c++) vRows[vr + c] = 0;
      }
    }
    if (!any) continue;
    // T: T[j][j] = τ_j, T[0:j, j] = −τ_j · T[0:j, 0:j] · (Vᵀv_j)[0:j].
    abtInto(vRows, 0, L, b, vRows, 0, L, b, L, vtv, 0, b);
    t.fill(0, 0, b * b);
    for (let j = 0; j < b; j++) {
      t[j * b + j] = tau[j];
      if (tau[j] === 0) continue;
      for (let r = 0; r < j; r++) {
        let s = 0;
        for (let q = r; q < j; q++) s += t[r * b + q] * vtv[q * b + j];
        t[r * b + j] = -tau[j] * s;
      }
    }
    // W = Zᵀ·V (k×b), then W2 = −W·T.
    abtInto(zt, 0, n, k, vRows, 0, L, b, L, w, 0, b);
    for (let r = 0; r < k; r++) {
      const wr = r * b;
      for (let j = 0; j < b; j++) {
        let s = 0;
        for (let q = 0; q <= j; q++) s += w[wr + q] * t[q * b + j];
        w2[wr + j] = -s;
      }
    }
    // Zᵀ[:, 0:L] += W2·Vᵀ.
    for (let j = 0; j < b; j++) {
      const vr = j * L;
      for (let c = 0; c < L; c++) vCols[c * b + j] = vRows[vr + c];
    }
    abtInto(w2, 0, b, k, vCols, 0, b, L, b, zt, 0, n, true);
  }
}
