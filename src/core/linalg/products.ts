// Dense float64 products: a·b, aᵀ, strided A·Bᵀ and the Gram a·aᵀ. The last two run on the
// WebAssembly SIMD kernels when dispatch.ts hands one out, else on the JavaScript loops here.
import type { Matrix } from '../types';
import { checkMatrix } from './checkMatrix';
import { wasmAbtFor, wasmGram } from './dispatch';

/** a·b (a: n×k, b: k×m). */
export function matmul(a: Matrix, b: Matrix): Matrix {
  checkMatrix(a, 'matmul');
  checkMatrix(b, 'matmul');
  if (a.cols !== b.rows) {
    throw new Error(`matmul: inner dimensions differ, received ${a.rows}×${a.cols} · ${b.rows}×${b.cols}`);
  }
  const n = a.rows;
  const kk = a.cols;
  const m = b.cols;
  const ad = a.data;
  const bd = b.data;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const oi = i * m;
    const ai = i * kk;
    for (let p = 0; p < kk; p++) {
      const c = ad[ai + p];
      if (c === 0) continue;
      const bp = p * m;
      for (let j = 0; j < m; j++) out[oi + j] += c * bd[bp + j];
    }
  }
  return { rows: n, cols: m, data: out };
}

/** aᵀ. */
export function transpose(a: Matrix): Matrix {
  checkMatrix(a, 'transpose');
  const r = a.rows;
  const c = a.cols;
  const src = a.data;
  const out = new Float64Array(r * c);
  const B = 32;
  for (let i0 = 0; i0 < r; i0 += B) {
    const i1 = Math.min(r, i0 + B);
    for (let j0 = 0; j0 < c; j0 += B) {
      const j1 = Math.min(c, j0 + B);
      for (let i = i0; i < i1; i++) {
        const si = i * c;
        for (let j = j0; j < j1; j++) out[j * r + i] = src[si + j];
      }
    }
  }
  return { rows: c, cols: r, data: out };
}

/**
 * c[cOff + i·cStride + j] (=|+=) Σ_k a[aOff + i·aStride + k] · b[bOff + j·bStride + k]
 * for i < n, j < m, k < p: C = A·Bᵀ with A (n×p) and B (m×p) given by rows. WebAssembly SIMD
 * (the Gram kernel on packed panels) for all but small products, else {@link abtJs}.
 */
export function abtInto(
  a: ArrayLike<number>,
  aOff: number,
  aStride: number,
  n: number,
  b: ArrayLike<number>,
  bOff: number,
  bStride: number,
  m: number,
  p: number,
  c: Float64Array,
  cOff: number,
  cStride: number,
  accumulate = false,
): void {
  const k = wasmAbtFor(n, m, p);
  if (k && k.abtInto(a, aOff, aStride, n, b, bOff, bStride, m, p, c, cOff, cStride, accumulate)) return;
  abtJs(a, aOff, aStride, n, b, bOff, bStride, m, p, c, cOff, cStride, accumulate);
}

/** The JavaScript A·Bᵀ kernel of {@link abtInto} (2×4 register blocks of row dot products). */
export function abtJs(
  a: ArrayLike<number>,
  aOff: number,
  aStride: number,
  n: number,
  b: ArrayLike<number>,
  bOff: number,
  bStride: number,
  m: number,
  p: number,
  c: Float64Array,
  cOff: number,
  cStride: number,
  accumulate = false,
): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const a0 = aOff + i * aStride;
    const a1 = a0 + aStride;
    const c0 = cOff + i * cStride;
    const c1 = c0 + cStride;
    let j = 0;
    for (; j + 3 < m; j += 4) {
      const b0 = bOff + j * bStride;
      const b1 = b0 + bStride;
      const b2 = b1 + bStride;
      const b3 = b2 + bStride;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      for (let k = 0; k < p; k++) {
        const x0 = a[a0 + k],
          x1 = a[a1 + k];
        const y0 = b[b0 + k],
          y1 = b[b1 + k],
          y2 = b[b2 + k],
          y3 = b[b3 + k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      if (accumulate) {
        c[c0 + j] += s00;
        c[c0 + j + 1] += s01;
        c[c0 + j + 2] += s02;
        c[c0 + j + 3] += s03;
        c[c1 + j] += s10;
        c[c1 + j + 1] += s11;
        c[c1 + j + 2] += s12;
        c[c1 + j + 3] += s13;
      } else {
        c[c0 + j] = s00;
        c[c0 + j + 1] = s01;
        c[c0 + j + 2] = s02;
        c[c0 + j + 3] = s03;
        c[c1 + j] = s10;
        c[c1 + j + 1] = s11;
        c[c1 + j + 2] = s12;
        c[c1 + j + 3] = s13;
      }
    }
    for (; j < m; j++) {
      const b0 = bOff + j * bStride;
      let s0 = 0,
        s1 = 0;
      for (let k = 0; k < p; k++) {
        const y = b[b0 + k];
        s0 += a[a0 + k] * y;
        s1 += a[a1 + k] * y;
      }
      if (accumulate) {
        c[c0 + j] += s0;
        c[c1 + j] += s1;
      } else {
        c[c0 + j] = s0;
        c[c1 + j] = s1;
      }
    }
  }
  if (i < n) {
    const a0 = aOff + i * aStride;
    const c0 = cOff + i * cStride;
    for (let j = 0; j < m; j++) {
      const b0 = bOff + j * bStride;
      let s = 0;
      for (let k = 0; k < p; k++) s += a[a0 + k] * b[b0 + k];
      if (accumulate) c[c0 + j] += s;
      else c[c0 + j] = s;
    }
  }
}

/** a·aᵀ (rows×rows, symmetric, float64). */
export function gram(a: Matrix): Matrix {
  checkMatrix(a, 'gram');
  const n = a.rows;
  const m = a.cols;
  const out = new Float64Array(n * n);
  const k = wasmGram();
  if (!k || !k.gramInto(a.data, n, m, out)) gramInto(a.data, n, m, out);
  return { rows: n, cols: n, data: out };
}

/**
 * Fills g (n×n) with x·xᵀ for row-major x (n×m). The upper triangle is computed in 3×3 register
 * blocks (nine accumulators and six loads per step fit the 16 x64 vector registers; measured
 * faster here than 2×2, 4×2, 3×4 and 4×4 blocks, with or without cache blocking along m), then
 * mirrored so the result is exactly symmetric.
 */
function gramInto(x: Float64Array, n: number, m: number, g: Float64Array): void {
  const n3 = n - (n % 3);
  for (let i = 0; i < n3; i += 3) {
    const r0 = i * m;
    const r1 = r0 + m;
    const r2 = r1 + m;
    const o0 = i * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    for (let j = i; j < n3; j += 3) {
      const s0 = j * m;
      const s1 = s0 + m;
      const s2 = s1 + m;
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        b0 = 0,
        b1 = 0,
        b2 = 0,
        c0 = 0,
        c1 = 0,
        c2 = 0;
      for (let p = 0; p < m; p++) {
        const y0 = x[s0 + p];
        const y1 = x[s1 + p];
        const y2 = x[s2 + p];
        const x0 = x[r0 + p];
        const x1 = x[r1 + p];
        const x2 = x[r2 + p];
        a0 += x0 * y0;
        a1 += x0 * y1;
        a2 += x0 * y2;
        b0 += x1 * y0;
        b1 += x1 * y1;
        b2 += x1 * y2;
        c0 += x2 * y0;
        c1 += x2 * y1;
        c2 += x2 * y2;
      }
      g[o0 + j] = a0;
      g[o0 + j + 1] = a1;
      g[o0 + j + 2] = a2;
      g[o1 + j] = b0;
      g[o1 + j + 1] = b1;
      g[o1 + j + 2] = b2;
      g[o2 + j] = c0;
      g[o2 + j + 1] = c1;
      g[o2 + j + 2] = c2;
    }
    for (let j = n3; j < n; j++) {
      const s0 = j * m;
      let a0 = 0,
        b0 = 0,
        c0 = 0;
      for (let p = 0; p < m; p++) {
        const y0 = x[s0 + p];
        a0 += x[r0 + p] * y0;
        b0 += x[r1 + p] * y0;
        c0 += x[r2 + p] * y0;
      }
      g[o0 + j] = a0;
      g[o1 + j] = b0;
      g[o2 + j] = c0;
    }
  }
  for (let i = n3; i < n; i++) {
    const r0 = i * m;
    for (let j = i; j < n; j++) {
      const s0 = j * m;
      let acc = 0;
      for (let p = 0; p < m; p++) acc += x[r0 + p] * x[s0 + p];
      g[i * n + j] = acc;
    }
  }
  for (let r = 1; r < n; r++) {
    const rn = r * n;
    for (let c = 0; c < r; c++) g[rn + c] = g[c * n + r];
  }
}
