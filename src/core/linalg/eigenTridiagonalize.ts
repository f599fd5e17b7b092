// Householder reduction of a symmetric matrix to tridiagonal form, by rows, with the hot fused
// row loop optionally in the WebAssembly kernel (src/core/wasm/tridiag.ts; bit-identical).
import type { TridiagWorkspace, WasmTridiag } from '../wasm';

/**
 * Householder reduction of the symmetric matrix a (lower triangle read, row-major, n×n) to
 * tridiagonal form T = Qᵀ·A·Q. On return d = diag(T), e[i] = T[i][i−1] (e[0] = 0), and row i of
 * a holds the Householder vector v_i in columns 0..i−1 with hs[i] = vᵀv/2 (0 = no reflection);
 * P_i = I − v vᵀ/hs[i] and Q = P_{n−1}⋯P_1. Works on rows only (cache friendly).
 */
export function tridiagonalize(
  a: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  hs: Float64Array,
  tri: WasmTridiag | null,
  ws: TridiagWorkspace | null,
): void {
  // With the WebAssembly kernel, a, p and p2 live in its memory (ws) and the hot fused row loop
  // runs there (f64x2); everything else is the same JS.
  let p = ws ? ws.p : new Float64Array(n);
  let p2 = ws ? ws.p2 : new Float64Array(n);
  let pAt = ws ? ws.pAt : 0;
  let p2At = ws ? ws.p2At : 0;
  const aAt = ws ? ws.aAt : 0;
  // The update of step i is fused with the symmetric matrix–vector product of step i−1: one pass
  // over the lower triangle per step instead of two.
  let houseDone = false;
  for (let i = n - 1; i >= 1; i--) {
    const l = i - 1;
    const ri = i * n;
    d[i] = a[ri + i];
    if (!houseDone) {
      hs[i] = householderRow(a, n, i, e);
      if (hs[i] === 0) continue;
      // p = B·v (B = leading (l+1)×(l+1) block, lower triangle, read by rows).
      for (let j = 0; j <= l; j++) p[j] = 0;
      for (let j = 0; j <= l; j++) {
        const rj = j * n;
        const vj = a[ri + j];
        let acc = a[rj + j] * vj;
        for (let c = 0; c < j; c++) {
          const bjc = a[rj + c];
          acc += bjc * a[ri + c];
          p[c] += bjc * vj;
        }
        p[j] += acc;
      }
    }
    houseDone = false;
    const h = hs[i];
    if (h === 0) continue;
    const invH = 1 / h;
    let vp = 0;
    for (let j = 0; j <= l; j++) {
      p[j] *= invH;
      vp += a[ri + j] * p[j];
    }
    const kk = vp * 0.5 * invH;
    for (let j = 0; j <= l; j++) p[j] -= kk * a[ri + j];
    // B -= v qᵀ + q vᵀ (lower triangle), row l first so the next reflector is known.
    {
      const rl = l * n;
      const vl = a[ri + l];
      const ql = p[l];
      for (let c = 0; c <= l; c++) a[rl + c] -= vl * p[c] + ql * a[ri + c];
    }
    if (l >= 1) {
      hs[l] = householderRow(a, n, l, e);
      houseDone = true;
    }
    if (l >= 1 && hs[l] !== 0) {
      const rl = l * n; // next reflector v' lives in row l, columns 0..l−1
      for (let j = 0; j < l; j++) p2[j] = 0;
      if (tri) {
        // The whole loop below in one WebAssembly call (bit-identical; one call per step instead of per row).
        tri.fusedRows(aAt, aAt + ri * 8, pAt, aAt + rl * 8, p2At, l, n * 8);
      } else
        for (let j = 0; j < l; j++) {
          const rj = j * n;
          const vj = a[ri + j];
          const qj = p[j];
          const wj = a[rl + j];
          let acc = 0;
          for (let c = 0; c < j; c++) {
            const t = a[rj + c] - (vj * p[c] + qj * a[ri + c]);
            a[rj + c] = t;
            acc += t * a[rl + c];
            p2[c] += t * wj;
          }
          const tjj = a[rj + j] - (vj * p[j] + qj * a[ri + j]);
          a[rj + j] = tjj;
          p2[j] += acc + tjj * wj;
        }
      const t = p;
      p = p2;
      p2 = t;
      const tAt = pAt;
      pAt = p2At;
      p2At = tAt;
    } else {
      for (let j = 0; j < l; j++) {
        const rj = j * n;
        const vj = a[ri + j];
        const qj = p[j];
        for (let c = 0; c <= j; c++) a[rj + c] -= vj * p[c] + qj * a[ri + c];
      }
    }
  }
  d[0] = a[0];
  e[0] = 0;
}

/**
 * Householder reflector for row i of the lower triangle (columns 0..i−1): stores v in place,
 * sets e[i] = T[i][i−1] and returns h = vᵀv/2 (0 when no reflection is needed).
 */
function householderRow(a: Float64Array, n: number, i: number, e: Float64Array): number {
  const l = i - 1;
  const ri = i * n;
  if (l === 0) {
    e[i] = a[ri];
    return 0;
  }
  let scale = 0;
  for (let c = 0; c <= l; c++) scale += Math.abs(a[ri + c]);
  if (scale === 0) {
    e[i] = 0;
    return 0;
  }
  const inv = 1 / scale;
  let ss = 0;
  for (let c = 0; c <= l; c++) {
    const t = a[ri + c] * inv;
    ss += t * t;
  }
  const sigma = scale * Math.sqrt(ss);
  const xl = a[ri + l];
  const alpha = xl >= 0 ? -sigma : sigma;
  a[ri + l] = xl - alpha;
  e[i] = alpha;
  return sigma * sigma - alpha * xl;
}
