// Mode unfoldings and Grams of conv kernels [kh, kw, Cin, Cout] (TensorFlow.js layout) and dense
// matrices, and the analysis shapes built on them: what the rank choice (rankPolicy.ts) computes
// and Tucker-2 / the SVD split (tucker2.ts, svdSplit.ts) reuse, so nothing is computed twice.
//
// A kernel's two mode unfoldings are materialised once in kernel-specific layouts:
//   xIn  = Cin  × (hw·Cout), xIn[i, p·Cout + o]  = W[p, i, o]   (p = spatial position kh·kw)
//   xOut = Cout × (hw·Cin),  xOut[o, p·Cin + i]  = W[p, i, o]
// (the C-order mode unfoldings of §4: other modes in increasing order). Products are computed as
// "A·Bᵀ" dot products of contiguous rows (linalg's abtInto), the fastest form in plain JS.
import { UserError } from './userError';
import type { ConvKernel, Matrix } from './types';
import { gram, type LazySymmetricEigen } from './linalg';
import type { EvbmfResult } from './evbmf';

/** One mode (matrix side) of the analysis: its Gram Y*Y^T and the Gram's eigendecomposition. */
export interface ModeAnalysis {
  /** Unfolding size: rows (the channel count of this side) x cols. */
  rows: number;
  cols: number;
  gram: Matrix;
  /** Eigenvalues of the Gram, descending, clamped at >= 0 (= squared singular values). */
  eigenvalues: Float64Array;
  /** Leading eigenvectors (columns) when they were computed; null otherwise. */
  eigenvectors: Matrix | null;
  /** Trace of the Gram = squared Frobenius norm of the unfolding. */
  frobeniusSq: number;
  evbmf: EvbmfResult | null;
  /** The decomposition itself: leading eigenvectors on demand, without a second reduction. */
  eigen?: LazySymmetricEigen;
}

export interface ConvAnalysis {
  normSq: number;
  in: ModeAnalysis;
  out: ModeAnalysis;
}

export interface DenseAnalysis {
  /** The Gram is of the smaller side: 'rows' = W*W^T (in x in), 'cols' = W^T*W (out x out). */
  side: 'rows' | 'cols';
  normSq: number;
  mode: ModeAnalysis;
}

/** x·xᵀ for row-major x (n×m), through linalg's Gram (WebAssembly SIMD where available). */
export function gramRows(x: ArrayLike<number>, n: number, m: number): Matrix {
  const data = x instanceof Float64Array ? x : Float64Array.from(x);
  return gram({ rows: n, cols: m, data: data.length === n * m ? data : data.subarray(0, n * m) });
}

/** Row-major transpose of an n×m block (given by offset/stride) into a fresh m×n array. */
export function transposeBlock(a: ArrayLike<number>, off: number, stride: number, n: number, m: number): Float64Array {
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

/** Throws a UserError naming `where` unless the kernel is [kh, kw, Cin, Cout] with matching data. */
export function checkKernel(kernel: ConvKernel, where: string): void {
  const s = kernel.shape;
  if (!Array.isArray(s) || s.length !== 4 || s.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new UserError(`${where}: kernel shape must be [kh, kw, Cin, Cout] of positive integers, received [${String(s)}]`);
  }
  const size = s[0] * s[1] * s[2] * s[3];
  if (kernel.data.length !== size) {
    throw new UserError(`${where}: kernel [${s.join(', ')}] needs ${size} values, received ${kernel.data.length}`);
  }
}

/** Both mode unfoldings of a kernel in the layouts described at the top of this file (xIn, xOut). */
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
      const d0 = o * outStride + dp,
        d1 = d0 + outStride,
        d2 = d1 + outStride,
        d3 = d2 + outStride;
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

/**
 * The unfoldings of kernel for tucker2: those kept for inGram by convModeGrams when they still
 * match the kernel (the entry is removed either way), else freshly computed.
 */
export function takeUnfoldings(inGram: Matrix | undefined, kernel: ConvKernel): { xIn: Float64Array; xOut: Float64Array } {
  const kept = inGram ? keptUnfoldings.get(inGram) : undefined;
  if (inGram && kept) keptUnfoldings.delete(inGram);
  return kept && unfoldingMatches(kept, kernel) ? kept : convUnfoldings(kernel);
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

/** Squared Frobenius norm of a kernel's (or any array's) values. */
export function kernelNormSq(kernel: { data: ArrayLike<number> }): number {
  const d = kernel.data;
  const n = d.length;
  // Four partial sums: independent add chains (and a little more accuracy).
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a = d[i],
      b = d[i + 1],
      c = d[i + 2],
      e = d[i + 3];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += e * e;
  }
  for (; i < n; i++) s0 += d[i] * d[i];
  return s0 + s1 + (s2 + s3);
}
