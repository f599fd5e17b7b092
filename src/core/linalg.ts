// Dense float64 linear algebra for the numeric core: products, Gram matrices, symmetric
// eigendecomposition (Householder tridiagonalisation + implicit QL for the values, inverse
// iteration + back-transformation for only the eigenvectors asked for) and SVD pieces built on it.
import type { Matrix } from './types';
import { createRng } from './random';
import { createWasmAbt, createWasmGram, createWasmTridiag, type TridiagWorkspace, type WasmAbt, type WasmGram, type WasmTridiag } from './wasmSimd';

const EPS = 2.220446049250313e-16;

function checkMatrix(a: Matrix, where: string): void {
  if (!Number.isInteger(a.rows) || !Number.isInteger(a.cols) || a.rows < 0 || a.cols < 0) {
    throw new Error(`${where}: matrix dimensions must be non-negative integers, received ${a.rows}×${a.cols}`);
  }
  if (a.data.length !== a.rows * a.cols) {
    throw new Error(`${where}: data length ${a.data.length} does not match ${a.rows}×${a.cols}`);
  }
}

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
  a: ArrayLike<number>, aOff: number, aStride: number, n: number,
  b: ArrayLike<number>, bOff: number, bStride: number, m: number,
  p: number, c: Float64Array, cOff: number, cStride: number, accumulate = false,
): void {
  if (p >= WASM_ABT_MIN_P && n * m * p >= WASM_ABT_MIN_WORK) {
    const k = wasmAbt();
    if (k && k.abtInto(a, aOff, aStride, n, b, bOff, bStride, m, p, c, cOff, cStride, accumulate)) return;
  }
  abtJs(a, aOff, aStride, n, b, bOff, bStride, m, p, c, cOff, cStride, accumulate);
}

/** The JavaScript A·Bᵀ kernel of {@link abtInto} (2×4 register blocks of row dot products). */
export function abtJs(
  a: ArrayLike<number>, aOff: number, aStride: number, n: number,
  b: ArrayLike<number>, bOff: number, bStride: number, m: number,
  p: number, c: Float64Array, cOff: number, cStride: number, accumulate = false,
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
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let k = 0; k < p; k++) {
        const x0 = a[a0 + k]!, x1 = a[a1 + k]!;
        const y0 = b[b0 + k]!, y1 = b[b1 + k]!, y2 = b[b2 + k]!, y3 = b[b3 + k]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
      }
      if (accumulate) {
        c[c0 + j] += s00; c[c0 + j + 1] += s01; c[c0 + j + 2] += s02; c[c0 + j + 3] += s03;
        c[c1 + j] += s10; c[c1 + j + 1] += s11; c[c1 + j + 2] += s12; c[c1 + j + 3] += s13;
      } else {
        c[c0 + j] = s00; c[c0 + j + 1] = s01; c[c0 + j + 2] = s02; c[c0 + j + 3] = s03;
        c[c1 + j] = s10; c[c1 + j + 1] = s11; c[c1 + j + 2] = s12; c[c1 + j + 3] = s13;
      }
    }
    for (; j < m; j++) {
      const b0 = bOff + j * bStride;
      let s0 = 0, s1 = 0;
      for (let k = 0; k < p; k++) {
        const y = b[b0 + k]!;
        s0 += a[a0 + k]! * y;
        s1 += a[a1 + k]! * y;
      }
      if (accumulate) { c[c0 + j] += s0; c[c1 + j] += s1; } else { c[c0 + j] = s0; c[c1 + j] = s1; }
    }
  }
  if (i < n) {
    const a0 = aOff + i * aStride;
    const c0 = cOff + i * cStride;
    for (let j = 0; j < m; j++) {
      const b0 = bOff + j * bStride;
      let s = 0;
      for (let k = 0; k < p; k++) s += a[a0 + k]! * b[b0 + k]!;
      if (accumulate) c[c0 + j] += s; else c[c0 + j] = s;
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

// ---- kernel selection: WebAssembly SIMD when the host has it, the JS kernel otherwise ---------

function wasmDisabledByEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.TUCKER_TRAIN_NO_WASM;
  return v !== undefined && v !== '' && v !== '0';
}

let useWasm = !wasmDisabledByEnv();
let wasmKernel: WasmGram | null | undefined; // undefined: not tried yet

function wasmGram(): WasmGram | null {
  if (!useWasm) return null;
  if (wasmKernel === undefined) wasmKernel = createWasmGram();
  return wasmKernel;
}

/** Below these sizes (inner length, multiply–adds) the JS A·Bᵀ is as fast as packing for WASM. */
const WASM_ABT_MIN_P = 8;
const WASM_ABT_MIN_WORK = 32768;
let abtKernel: WasmAbt | null | undefined;

function wasmAbt(): WasmAbt | null {
  if (!useWasm) return null;
  if (abtKernel === undefined) abtKernel = createWasmAbt();
  return abtKernel;
}

/** Which A·Bᵀ kernel abtInto uses now for large products: 'wasm-simd-fma', 'wasm-simd' or 'js'. */
export function abtBackend(): 'wasm-simd-fma' | 'wasm-simd' | 'js' {
  const k = wasmAbt();
  return k ? (k.options.fma ? 'wasm-simd-fma' : 'wasm-simd') : 'js';
}

/** Below this order the JS tridiagonalisation is as fast (call overhead vs short rows). */
const WASM_TRIDIAG_MIN = 32;
let tridiagKernel: WasmTridiag | null | undefined;

function wasmTridiag(): WasmTridiag | null {
  if (!useWasm) return null;
  if (tridiagKernel === undefined) tridiagKernel = createWasmTridiag();
  return tridiagKernel;
}

/** Which tridiagonalisation kernel symmetricEigen uses now (for n ≥ 32): 'wasm-simd' or 'js'. */
export function eigenBackend(): 'wasm-simd' | 'js' {
  return wasmTridiag() ? 'wasm-simd' : 'js';
}

/**
 * Turns the WebAssembly SIMD kernels on or off (on by default where they validate; the
 * environment variable TUCKER_TRAIN_NO_WASM=1 starts with them off). For tests and benchmarks.
 */
export function setUseWasm(on: boolean): void {
  useWasm = on;
}

/** Which Gram kernel gram() uses now: 'wasm-simd-fma' (relaxed SIMD), 'wasm-simd' or 'js'. */
export function gramBackend(): 'wasm-simd-fma' | 'wasm-simd' | 'js' {
  const k = wasmGram();
  return k ? (k.options.fma ? 'wasm-simd-fma' : 'wasm-simd') : 'js';
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
      let a0 = 0, a1 = 0, a2 = 0, b0 = 0, b1 = 0, b2 = 0, c0 = 0, c1 = 0, c2 = 0;
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
      let a0 = 0, b0 = 0, c0 = 0;
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

export interface SymmetricEigenResult {
  /** All n eigenvalues, descending. */
  values: Float64Array;
  /** n×k, columns = unit eigenvectors of the k largest eigenvalues; null when k = 0. */
  vectors: Matrix | null;
}

/**
 * Eigen-decomposition of a symmetric matrix (only its lower triangle is read). Returns all
 * eigenvalues, descending, and the eigenvectors of the k = opts.vectors largest (default none).
 */
export function symmetricEigen(s: Matrix, opts?: { vectors?: number }): SymmetricEigenResult {
  const k = opts?.vectors ?? 0;
  if (!Number.isInteger(k) || k < 0 || k > s.rows) {
    throw new Error(`symmetricEigen: vectors must be an integer in [0, ${s.rows}], received ${k}`);
  }
  const lazy = symmetricEigenLazy(s);
  return { values: lazy.values, vectors: k === 0 ? null : lazy.vectors(k) };
}

export interface LazySymmetricEigen {
  /** All n eigenvalues, descending. */
  values: Float64Array;
  /** n×k, columns = unit eigenvectors of the k largest eigenvalues (k may be 0..n; call as often as needed). */
  vectors(k: number): Matrix;
}

/**
 * Like {@link symmetricEigen}, but the eigenvectors are computed later, on demand, from the kept
 * tridiagonal reduction (O(n²·k) each call): get the values, choose a rank from them (EVBMF), then
 * ask for exactly that many vectors without decomposing again.
 */
export function symmetricEigenLazy(s: Matrix): LazySymmetricEigen {
  checkMatrix(s, 'symmetricEigen');
  if (s.rows !== s.cols) throw new Error(`symmetricEigen: matrix must be square, received ${s.rows}×${s.cols}`);
  const n = s.rows;
  const src = s.data;
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(src[i])) {
      throw new Error(`symmetricEigen: matrix entries must be finite, received ${src[i]} at index ${i}`);
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const hs = new Float64Array(n);
  const tri = n >= WASM_TRIDIAG_MIN ? wasmTridiag() : null;
  const ws = tri ? tri.workspace(n) : null;
  let a: Float64Array;
  if (tri && ws) {
    ws.a.set(src);
    tridiagonalize(ws.a, n, d, e, hs, tri, ws);
    a = Float64Array.from(ws.a); // the module's memory is reused by the next call
  } else {
    a = Float64Array.from(src);
    if (n > 0) tridiagonalize(a, n, d, e, hs, null, null);
  }
  const values = Float64Array.from(d);
  const off = Float64Array.from(e);
  if (n > 0) tridiagonalQL(values, off, n);
  values.sort();
  values.reverse();
  const vectors = (k: number): Matrix => {
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new Error(`symmetricEigen: vectors must be an integer in [0, ${n}], received ${k}`);
    }
    if (k === 0) return { rows: n, cols: 0, data: new Float64Array(0) };
    const zt = tridiagonalEigenvectors(d, e, n, values, k);
    backTransformRows(a, hs, n, zt, k);
    return { rows: n, cols: k, data: transposeRows(zt, k, n) };
  };
  return { values, vectors };
}

/**
 * Householder reduction of the symmetric matrix a (lower triangle read, row-major, n×n) to
 * tridiagonal form T = Qᵀ·A·Q. On return d = diag(T), e[i] = T[i][i−1] (e[0] = 0), and row i of
 * a holds the Householder vector v_i in columns 0..i−1 with hs[i] = vᵀv/2 (0 = no reflection);
 * P_i = I − v vᵀ/hs[i] and Q = P_{n−1}⋯P_1. Works on rows only (cache friendly).
 */
function tridiagonalize(
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
      } else for (let j = 0; j < l; j++) {
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

function pythag(x: number, y: number): number {
  const r = Math.sqrt(x * x + y * y);
  if (r === Infinity || (r === 0 && (x !== 0 || y !== 0)) || (r < 1e-150 && r !== 0)) return Math.hypot(x, y);
  return r;
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix (d diagonal, e[i] = T[i][i−1]) by implicit QL;
 * d is overwritten by the (unsorted) eigenvalues, e is destroyed.
 */
function tridiagonalQL(d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= EPS * dd) break;
      }
      if (m !== l) {
        if (iter++ === 100) throw new Error(`symmetricEigen: QL iteration did not converge (eigenvalue ${l} of ${n})`);
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = pythag(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        let underflow = false;
        for (i = m - 1; i >= l; i--) {
          const f = s * e[i];
          const b = c * e[i];
          r = pythag(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1] -= p;
            e[m] = 0;
            underflow = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (underflow) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
}

/**
 * Eigenvectors of the tridiagonal T (d, e as from tridiagonalize) for the eigenvalues
 * values[0..k−1] (descending), by inverse iteration with re-orthogonalisation inside clusters of
 * close eigenvalues. Returns Zᵀ, k×n row-major (row j = vector j).
 */
function tridiagonalEigenvectors(d: Float64Array, e: Float64Array, n: number, values: Float64Array, k: number): Float64Array {
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

/** Row-major transpose of a rows×cols array. */
function transposeRows(x: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const si = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = x[si + j];
  }
  return out;
}

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
function backTransformRows(a: Float64Array, hs: Float64Array, n: number, zt: Float64Array, k: number): void {
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

/** Singular values of a (min(rows, cols) of them, descending, ≥ 0), from the Gram of its smaller side. */
export function singularValues(a: Matrix): Float64Array {
  checkMatrix(a, 'singularValues');
  const small = a.rows <= a.cols ? a : transpose(a);
  const { values } = symmetricEigen(gram(small));
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] > 0 ? Math.sqrt(values[i]) : 0;
  return out;
}

/** rows×k matrix whose orthonormal columns are the k leading left singular vectors of a. */
export function leftSingularVectors(a: Matrix, k: number): Matrix {
  checkMatrix(a, 'leftSingularVectors');
  if (!Number.isInteger(k) || k < 0 || k > a.rows) {
    throw new Error(`leftSingularVectors: k must be an integer in [0, ${a.rows}], received ${k}`);
  }
  if (k === 0) return { rows: a.rows, cols: 0, data: new Float64Array(0) };
  const { vectors } = symmetricEigen(gram(a), { vectors: k });
  return vectors as Matrix;
}
