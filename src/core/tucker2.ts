// Tucker-2 of a conv kernel [kh, kw, Cin, Cout] (TensorFlow.js layout): W ≈ G ×_in U_in ×_out U_out,
// HOSVD initialisation (leading eigenvectors of the mode Grams) then HOOI sweeps.
//
// Everything works on the two mode unfoldings, materialised once in kernel-specific layouts:
//   xIn  = Cin  × (hw·Cout), xIn[i, p·Cout + o]  = W[p, i, o]   (p = spatial position kh·kw)
//   xOut = Cout × (hw·Cin),  xOut[o, p·Cin + i]  = W[p, i, o]
// (the C-order mode unfoldings of §4: other modes in increasing order). Products are computed as
// "A·Bᵀ" dot products of contiguous rows (abt), the fastest form in plain JS.
import { UserError } from '../userError';
import type { ConvKernel, Matrix, Tensor } from './types';
import { abtInto, gram, symmetricEigen } from './linalg';
import type { ConvAnalysis } from './rankPolicy';

export interface Tucker2Options {
  /** Maximum HOOI sweeps after the HOSVD (default 100; 0 returns the HOSVD). */
  maxIterations?: number;
  /** Stop when the relative error changes by less than this between sweeps (default 1e-4). */
  tolerance?: number;
  /** Initial factors (orthonormalised here) instead of the HOSVD. */
  init?: { uIn: Matrix; uOut: Matrix };
  /** Grams / eigendecompositions from chooseConvRanks, so they are not computed again. */
  analysis?: ConvAnalysis | null;
  /** Called after each sweep; return false to stop. */
  onIteration?: (iteration: number, relError: number) => boolean | void;
}

export interface Tucker2Result {
  /** Cin × K1, orthonormal columns. */
  uIn: Matrix;
  /** Cout × K2, orthonormal columns. */
  uOut: Matrix;
  /** [kh, kw, K1, K2]. */
  core: Tensor;
  /** ‖W − Ŵ‖ / ‖W‖. */
  relError: number;
  /** errorHistory[0] is the initial (HOSVD) error, then one entry per sweep. */
  errorHistory: number[];
  /** HOOI sweeps done. */
  iterations: number;
}

// ---------------------------------------------------------------------------------------------
// Kernels

/**
 * c[cOff + i·cStride + j] (=|+=) Σ_k a[aOff + i·aStride + k] · b[bOff + j·bStride + k]
 * for i < n, j < m, k < p: C = A·Bᵀ with A (n×p) and B (m×p) given by rows (linalg's abtInto:
 * WebAssembly SIMD where available).
 */
export function abt(
  a: ArrayLike<number>, aOff: number, aStride: number, n: number,
  b: ArrayLike<number>, bOff: number, bStride: number, m: number,
  p: number, c: Float64Array, cOff: number, cStride: number, accumulate = false,
): void {
  abtInto(a, aOff, aStride, n, b, bOff, bStride, m, p, c, cOff, cStride, accumulate);
}

/** x·xᵀ for row-major x (n×m), through linalg's Gram (WebAssembly SIMD where available). */
export function gramRows(x: ArrayLike<number>, n: number, m: number): Matrix {
  const data = x instanceof Float64Array ? x : Float64Array.from(x as ArrayLike<number>);
  return gram({ rows: n, cols: m, data: data.length === n * m ? data : data.subarray(0, n * m) });
}

/** Row-major transpose of an n×m block (given by offset/stride) into a fresh m×n array. */
function transposeBlock(a: ArrayLike<number>, off: number, stride: number, n: number, m: number): Float64Array {
  const t = new Float64Array(n * m);
  const B = 32; // tiles, so the strided writes stay in cache
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = 0; j0 < m; j0 += B) {
      const j1 = Math.min(m, j0 + B);
      for (let i = i0; i < i1; i++) {
        const r = off + i * stride;
        for (let j = j0; j < j1; j++) t[j * n + i] = a[r + j]!;
      }
    }
  }
  return t;
}

function checkKernel(kernel: ConvKernel, where: string): void {
  const s = kernel.shape;
  if (!Array.isArray(s) || s.length !== 4 || s.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new UserError(`${where}: kernel shape must be [kh, kw, Cin, Cout] of positive integers, received [${String(s)}]`);
  }
  const size = s[0] * s[1] * s[2] * s[3];
  if (kernel.data.length !== size) {
    throw new UserError(`${where}: kernel [${s.join(', ')}] needs ${size} values, received ${kernel.data.length}`);
  }
}

/** Both mode unfoldings of a kernel in the layouts described at the top of this file. */
export function convUnfoldings(kernel: ConvKernel): { xIn: Float64Array; xOut: Float64Array } {
  const [kh, kw, cin, cout] = kernel.shape;
  const hw = kh * kw;
  const w = kernel.data;
  const xIn = new Float64Array(w.length);
  const xOut = new Float64Array(w.length);
  const inStride = hw * cout;
  const outStride = hw * cin;
  // xIn: rows of W[p, i, :] are contiguous in both (a typed-array copy converts Float32 too).
  const typed = ArrayBuffer.isView(w);
  for (let p = 0; p < hw; p++) {
    for (let i = 0; i < cin; i++) {
      const src = (p * cin + i) * cout;
      const dIn = i * inStride + p * cout;
      if (typed) xIn.set((w as Float64Array).subarray(src, src + cout), dIn);
      else for (let o = 0; o < cout; o++) xIn[dIn + o] = w[src + o]!;
    }
  }
  // xOut: for each p the Cin×Cout block W[p] transposed, four output rows at a time (four
  // contiguous write streams and a contiguous read of four; measured 3× faster than 32×32 tiles,
  // whose row strides, multiples of 4 KiB, collide in the L1 sets).
  const o4 = cout - (cout % 4);
  for (let p = 0; p < hw; p++) {
    const sp = p * cout;
    const dp = p * cin;
    for (let o = 0; o < o4; o += 4) {
      const d0 = o * outStride + dp, d1 = d0 + outStride, d2 = d1 + outStride, d3 = d2 + outStride;
      for (let i = 0; i < cin; i++) {
        const s = i * inStride + sp + o;
        xOut[d0 + i] = xIn[s]!;
        xOut[d1 + i] = xIn[s + 1]!;
        xOut[d2 + i] = xIn[s + 2]!;
        xOut[d3 + i] = xIn[s + 3]!;
      }
    }
    for (let o = o4; o < cout; o++) {
      const d0 = o * outStride + dp;
      for (let i = 0; i < cin; i++) xOut[d0 + i] = xIn[i * inStride + sp + o]!;
    }
  }
  return { xIn, xOut };
}

interface KeptUnfoldings {
  data: ArrayLike<number>;
  shape: readonly number[];
  xIn: Float64Array;
  xOut: Float64Array;
}

/**
 * The unfoldings behind each input-side Gram that convModeGrams returned, keyed by that Gram
 * (which chooseConvRanks keeps in its analysis): tucker2 given the analysis takes them from here
 * instead of unfolding (and allocating 2 × the kernel in float64) again. Weak, so they live no
 * longer than the analysis; tucker2 removes the entry when it takes it.
 */
const keptUnfoldings = new WeakMap<Matrix, KeptUnfoldings>();

/** Whether xIn is still the in-unfolding of kernel (same shape, every value equal). */
function unfoldingMatches(kept: KeptUnfoldings, kernel: ConvKernel): boolean {
  const [kh, kw, cin, cout] = kernel.shape;
  const s = kept.shape;
  if (kept.data !== kernel.data || s[0] !== kh || s[1] !== kw || s[2] !== cin || s[3] !== cout) return false;
  const w = kernel.data;
  const xIn = kept.xIn;
  const hw = kh * kw;
  const inStride = hw * cout;
  for (let p = 0; p < hw; p++) {
    for (let i = 0; i < cin; i++) {
      const src = (p * cin + i) * cout;
      const d = i * inStride + p * cout;
      for (let o = 0; o < cout; o++) if (xIn[d + o] !== w[src + o]) return false;
    }
  }
  return true;
}

/** The input-side (Cin×Cin, Σ over kh,kw,Cout) and output-side (Cout×Cout) Grams of a kernel. */
export function convModeGrams(kernel: ConvKernel): { in: Matrix; out: Matrix } {
  checkKernel(kernel, 'convModeGrams');
  const [kh, kw, cin, cout] = kernel.shape;
  const { xIn, xOut } = convUnfoldings(kernel);
  const grams = { in: gramRows(xIn, cin, kh * kw * cout), out: gramRows(xOut, cout, kh * kw * cin) };
  keptUnfoldings.set(grams.in, { data: kernel.data, shape: [kh, kw, cin, cout], xIn, xOut });
  return grams;
}

/** Gram of the smaller side of a dense matrix: W·Wᵀ when rows ≤ cols, else Wᵀ·W. */
export function denseGram(w: Matrix): { side: 'rows' | 'cols'; gram: Matrix } {
  if (w.rows <= w.cols) return { side: 'rows', gram: gramRows(w.data, w.rows, w.cols) };
  return { side: 'cols', gram: gramRows(transposeBlock(w.data, 0, w.cols, w.rows, w.cols), w.cols, w.rows) };
}

export function kernelNormSq(kernel: { data: ArrayLike<number> }): number {
  const d = kernel.data;
  const n = d.length;
  // Four partial sums: independent add chains (and a little more accuracy).
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a = d[i]!, b = d[i + 1]!, c = d[i + 2]!, e = d[i + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += e * e;
  }
  for (; i < n; i++) s0 += d[i]! * d[i]!;
  return (s0 + s1) + (s2 + s3);
}

/** Modified Gram–Schmidt (two passes) on the columns of a (n×k); throws if they are dependent. */
export function orthonormalColumns(a: Matrix, name: string): Matrix {
  const n = a.rows, k = a.cols;
  const t = transposeBlock(a.data, 0, k, n, k); // k×n: columns as rows
  for (let c = 0; c < k; c++) {
    const rc = c * n;
    for (let pass = 0; pass < 2; pass++) {
      for (let d = 0; d < c; d++) {
        const rd = d * n;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += t[rc + i]! * t[rd + i]!;
        for (let i = 0; i < n; i++) t[rc + i] -= dot * t[rd + i]!;
      }
    }
    let nrm = 0;
    for (let i = 0; i < n; i++) nrm += t[rc + i]! * t[rc + i]!;
    nrm = Math.sqrt(nrm);
    if (!(nrm > 1e-12)) throw new UserError(`tucker2: init.${name} must have ${k} linearly independent columns`);
    for (let i = 0; i < n; i++) t[rc + i] /= nrm;
  }
  return { rows: n, cols: k, data: transposeBlock(t, 0, n, k, n) };
}

/**
 * Leading k eigenvectors of a symmetric PSD Gram and the sum of their eigenvalues. (A Rayleigh–Ritz
 * subspace iteration was measured here and was not faster than symmetricEigen with k vectors for
 * 512×512, k = 128, so the exact routine is used.)
 */
export function topEigenvectors(gram: Matrix, k: number): { vectors: Matrix; topSum: number } {
  const e = symmetricEigen(gram, { vectors: k });
  let topSum = 0;
  for (let i = 0; i < k; i++) topSum += Math.max(0, e.values[i]!);
  return { vectors: e.vectors!, topSum };
}

/** Σ_j (uᵀ S u)_jj = trace(uᵀ·S·u) for S n×n symmetric and u n×k. */
function traceQuadratic(s: Matrix, u: Matrix): number {
  const n = s.rows, k = u.cols;
  const ut = transposeBlock(u.data, 0, k, n, k); // k×n
  const su = new Float64Array(k * n); // (S·u)ᵀ = uᵀ·S (S symmetric): row j = S·u_j
  abt(ut, 0, n, k, s.data, 0, n, n, n, su, 0, n);
  let t = 0;
  for (let i = 0; i < k * n; i++) t += su[i]! * ut[i]!;
  return t;
}

// ---------------------------------------------------------------------------------------------
// Tucker-2

interface Ctx {
  hw: number;
  cin: number;
  cout: number;
  xIn: Float64Array;
  xOut: Float64Array;
}

/**
 * Out-mode unfolding of W ×_in U_inᵀ: Cout × (hw·K1), z[o, p·K1 + k] = Σ_i W[p,i,o]·U_in[i,k].
 * xOut read as (Cout·hw) rows of Cin (row o·hw + p = W[p,:,o]) makes this one product whose
 * (Cout·hw) × K1 result is z itself.
 */
function projectIn(ctx: Ctx, uInT: Float64Array, k1: number): Float64Array {
  const { hw, cin, cout, xOut } = ctx;
  const z = new Float64Array(cout * hw * k1);
  abt(xOut, 0, cin, cout * hw, uInT, 0, cin, k1, cin, z, 0, k1);
  return z;
}

/** In-mode unfolding of W ×_out U_outᵀ: Cin × (hw·K2), y[i, p·K2 + k] = Σ_o W[p,i,o]·U_out[o,k]. */
function projectOut(ctx: Ctx, uOutT: Float64Array, k2: number): Float64Array {
  const { hw, cin, cout, xIn } = ctx;
  const y = new Float64Array(cin * hw * k2);
  abt(xIn, 0, cout, cin * hw, uOutT, 0, cout, k2, cout, y, 0, k2);
  return y;
}

/** Core [kh,kw,K1,K2] from z (= out-unfolding of W ×_in U_inᵀ) and U_out: g = zᵀ·U_out. */
function coreFromZ(ctx: Ctx, z: Float64Array, k1: number, uOutT: Float64Array, k2: number): Float64Array {
  const { hw, cout } = ctx;
  const g = new Float64Array(hw * k1 * k2);
  const zt = transposeBlock(z, 0, hw * k1, cout, hw * k1); // (hw·K1) × Cout
  abt(zt, 0, cout, hw * k1, uOutT, 0, cout, k2, cout, g, 0, k2);
  return g;
}

function relFromNorms(coreSq: number, normSq: number): number {
  if (normSq <= 0) return 0;
  return Math.sqrt(Math.max(0, 1 - coreSq / normSq));
}

/** ‖W − Ŵ‖/‖W‖ by explicit reconstruction (used when the cheap formula loses precision). */
function explicitRelError(kernel: ConvKernel, rec: ConvKernel, normSq: number): number {
  if (normSq <= 0) return 0;
  let s = 0;
  const a = kernel.data, b = rec.data;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s / normSq);
}

export function tucker2(kernel: ConvKernel, k1: number, k2: number, opts: Tucker2Options = {}): Tucker2Result {
  checkKernel(kernel, 'tucker2');
  const [kh, kw, cin, cout] = kernel.shape;
  if (!Number.isInteger(k1) || k1 < 1 || k1 > cin) throw new UserError(`tucker2: K1 = ${k1} must be an integer from 1 to Cin = ${cin}`);
  if (!Number.isInteger(k2) || k2 < 1 || k2 > cout) throw new UserError(`tucker2: K2 = ${k2} must be an integer from 1 to Cout = ${cout}`);
  const maxIterations = opts.maxIterations ?? 100;
  const tolerance = opts.tolerance ?? 1e-4;
  const hw = kh * kw;
  const inGram = opts.analysis?.in.gram;
  const kept = inGram ? keptUnfoldings.get(inGram) : undefined;
  if (inGram && kept) keptUnfoldings.delete(inGram);
  const { xIn, xOut } = kept && unfoldingMatches(kept, kernel) ? kept : convUnfoldings(kernel);
  const ctx: Ctx = { hw, cin, cout, xIn, xOut };
  const normSq = opts.analysis?.normSq ?? kernelNormSq(kernel);

  // Initial factors: given, or the HOSVD from the mode Grams (taken from the analysis if present).
  let uIn: Matrix;
  let uOut: Matrix;
  if (opts.init) {
    const { uIn: a, uOut: b } = opts.init;
    if (a.rows !== cin || a.cols !== k1) throw new UserError(`tucker2: init.uIn must be ${cin}×${k1}, received ${a.rows}×${a.cols}`);
    if (b.rows !== cout || b.cols !== k2) throw new UserError(`tucker2: init.uOut must be ${cout}×${k2}, received ${b.rows}×${b.cols}`);
    uIn = orthonormalColumns(a, 'uIn');
    uOut = orthonormalColumns(b, 'uOut');
  } else {
    const an = opts.analysis;
    const vin = an?.in.eigenvectors;
    const vout = an?.out.eigenvectors;
    uIn = vin && vin.cols >= k1 ? firstColumns(vin, k1)
      : an?.in.eigen ? an.in.eigen.vectors(k1)
      : topEigenvectors(an?.in.gram ?? gramRows(xIn, cin, hw * cout), k1).vectors;
    uOut = vout && vout.cols >= k2 ? firstColumns(vout, k2)
      : an?.out.eigen ? an.out.eigen.vectors(k2)
      : topEigenvectors(an?.out.gram ?? gramRows(xOut, cout, hw * cin), k2).vectors;
  }

  // Iteration 0: error of the initial factors, from the projected out-side Gram.
  let uInT = transposeBlock(uIn.data, 0, k1, cin, k1);
  let z = projectIn(ctx, uInT, k1);
  let sOut = gramRows(z, cout, hw * k1);
  const history = [relFromNorms(traceQuadratic(sOut, uOut), normSq)];
  let iterations = 0;
  while (iterations < maxIterations) {
    if (iterations > 0) {
      // U_in from W projected on U_out, then the out-side Gram for the new U_in.
      const uOutT = transposeBlock(uOut.data, 0, k2, cout, k2);
      const y = projectOut(ctx, uOutT, k2);
      uIn = topEigenvectors(gramRows(y, cin, hw * k2), k1).vectors;
      uInT = transposeBlock(uIn.data, 0, k1, cin, k1);
      z = projectIn(ctx, uInT, k1);
      sOut = gramRows(z, cout, hw * k1);
    }
    const top = topEigenvectors(sOut, k2);
    uOut = top.vectors;
    iterations++;
    const err = relFromNorms(top.topSum, normSq);
    history.push(err);
    if (opts.onIteration && opts.onIteration(iterations, err) === false) break;
    if (Math.abs(history[history.length - 2]! - err) < tolerance) break;
  }

  const uOutT = transposeBlock(uOut.data, 0, k2, cout, k2);
  const core: Tensor = { shape: [kh, kw, k1, k2], data: coreFromZ(ctx, z, k1, uOutT, k2) };
  const result: Tucker2Result = { uIn, uOut, core, relError: history[history.length - 1]!, errorHistory: history, iterations };
  // ‖G‖² = ‖W‖² − ‖W − Ŵ‖² loses digits when the error is tiny: measure it directly then.
  let coreSq = 0;
  for (let i = 0; i < core.data.length; i++) coreSq += core.data[i]! * core.data[i]!;
  result.relError = relFromNorms(coreSq, normSq);
  if (result.relError < 1e-3) {
    result.relError = explicitRelError(kernel, tucker2Merge(result), normSq);
    history[history.length - 1] = result.relError;
  }
  return result;
}

function firstColumns(m: Matrix, k: number): Matrix {
  if (m.cols === k) return m;
  const out = new Float64Array(m.rows * k);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < k; j++) out[i * k + j] = m.data[i * m.cols + j]!;
  return { rows: m.rows, cols: k, data: out };
}

type Tucker2Parts = Pick<Tucker2Result, 'uIn' | 'uOut' | 'core'>;

/** The exact reconstruction G ×_in U_in ×_out U_out as a float64 [kh, kw, Cin, Cout] kernel. */
export function tucker2Merge(t: Tucker2Parts): ConvKernel & { data: Float64Array } {
  const [kh, kw, k1, k2] = t.core.shape as [number, number, number, number];
  const cin = t.uIn.rows, cout = t.uOut.rows;
  if (t.uIn.cols !== k1 || t.uOut.cols !== k2) {
    throw new UserError(`tucker2Merge: factors ${cin}×${t.uIn.cols} and ${cout}×${t.uOut.cols} do not match the core [${t.core.shape.join(', ')}]`);
  }
  const hw = kh * kw;
  const w = new Float64Array(hw * cin * cout);
  const tmp = new Float64Array(cin * k2);
  for (let p = 0; p < hw; p++) {
    const gT = transposeBlock(t.core.data, p * k1 * k2, k2, k1, k2); // K2 × K1
    abt(t.uIn.data, 0, k1, cin, gT, 0, k1, k2, k1, tmp, 0, k2); // U_in·G_p: Cin × K2
    abt(tmp, 0, k2, cin, t.uOut.data, 0, k2, cout, k2, w, p * cin * cout, cout); // ·U_outᵀ
  }
  return { shape: [kh, kw, cin, cout], data: w };
}

/**
 * The three convolutions of the Tucker block (DESIGN §4), float32: first [1,1,Cin,K1] = U_in,
 * core [kh,kw,K1,K2] = G (original stride/padding/dilation), last [1,1,K2,Cout] = U_outᵀ (carries
 * the original bias; that is the model layer's job).
 */
export function tucker2Kernels(t: Tucker2Parts): { first: ConvKernel; core: ConvKernel; last: ConvKernel } {
  const [kh, kw, k1, k2] = t.core.shape as [number, number, number, number];
  const cin = t.uIn.rows, cout = t.uOut.rows;
  return {
    first: { shape: [1, 1, cin, k1], data: Float32Array.from(t.uIn.data) },
    core: { shape: [kh, kw, k1, k2], data: Float32Array.from(t.core.data) },
    last: { shape: [1, 1, k2, cout], data: Float32Array.from(transposeBlock(t.uOut.data, 0, k2, cout, k2)) },
  };
}
