// Tucker-2 of a conv kernel [kh, kw, Cin, Cout] (TensorFlow.js layout): W ≈ G ×_in U_in ×_out U_out,
// HOSVD initialisation (leading eigenvectors of the mode Grams) then HOOI sweeps.
// Everything works on the two mode unfoldings xIn, xOut (layouts in modeGrams.ts), with products
// as "A·Bᵀ" dot products of contiguous rows (linalg's abtInto).
import { UserError } from './userError';
import type { ConvKernel, Matrix, Tensor } from './types';
import { abtInto, symmetricEigen } from './linalg';
import { checkKernel, gramRows, kernelNormSq, takeUnfoldings, transposeBlock, type ConvAnalysis } from './modeGrams';

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

/** Modified Gram–Schmidt (two passes) on the columns of a (n×k); throws if they are dependent. */
export function orthonormalColumns(a: Matrix, name: string): Matrix {
  const n = a.rows,
    k = a.cols;
  const t = transposeBlock(a.data, 0, k, n, k); // k×n: columns as rows
  for (let c = 0; c < k; c++) {
    const rc = c * n;
    for (let pass = 0; pass < 2; pass++) {
      for (let d = 0; d < c; d++) {
        const rd = d * n;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += t[rc + i] * t[rd + i];
        for (let i = 0; i < n; i++) t[rc + i] -= dot * t[rd + i];
      }
    }
    let nrm = 0;
    for (let i = 0; i < n; i++) nrm += t[rc + i] * t[rc + i];
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
  for (let i = 0; i < k; i++) topSum += Math.max(0, e.values[i]);
  return { vectors: e.vectors!, topSum };
}

/** Σ_j (uᵀ S u)_jj = trace(uᵀ·S·u) for S n×n symmetric and u n×k. */
function traceQuadratic(s: Matrix, u: Matrix): number {
  const n = s.rows,
    k = u.cols;
  const ut = transposeBlock(u.data, 0, k, n, k); // k×n
  const su = new Float64Array(k * n); // (S·u)ᵀ = uᵀ·S (S symmetric): row j = S·u_j
  abtInto(ut, 0, n, k, s.data, 0, n, n, n, su, 0, n);
  let t = 0;
  for (let i = 0; i < k * n; i++) t += su[i] * ut[i];
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
  abtInto(xOut, 0, cin, cout * hw, uInT, 0, cin, k1, cin, z, 0, k1);
  return z;
}

/** In-mode unfolding of W ×_out U_outᵀ: Cin × (hw·K2), y[i, p·K2 + k] = Σ_o W[p,i,o]·U_out[o,k]. */
function projectOut(ctx: Ctx, uOutT: Float64Array, k2: number): Float64Array {
  const { hw, cin, cout, xIn } = ctx;
  const y = new Float64Array(cin * hw * k2);
  abtInto(xIn, 0, cout, cin * hw, uOutT, 0, cout, k2, cout, y, 0, k2);
  return y;
}

/** Core [kh,kw,K1,K2] from z (= out-unfolding of W ×_in U_inᵀ) and U_out: g = zᵀ·U_out. */
function coreFromZ(ctx: Ctx, z: Float64Array, k1: number, uOutT: Float64Array, k2: number): Float64Array {
  const { hw, cout } = ctx;
  const g = new Float64Array(hw * k1 * k2);
  const zt = transposeBlock(z, 0, hw * k1, cout, hw * k1); // (hw·K1) × Cout
  abtInto(zt, 0, cout, hw * k1, uOutT, 0, cout, k2, cout, g, 0, k2);
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
  const a = kernel.data,
    b = rec.data;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
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
  const { xIn, xOut } = takeUnfoldings(opts.analysis?.in.gram, kernel);
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
    uIn =
      vin && vin.cols >= k1
        ? firstColumns(vin, k1)
        : an?.in.eigen
          ? an.in.eigen.vectors(k1)
          : topEigenvectors(an?.in.gram ?? gramRows(xIn, cin, hw * cout), k1).vectors;
    uOut =
      vout && vout.cols >= k2
        ? firstColumns(vout, k2)
        : an?.out.eigen
          ? an.out.eigen.vectors(k2)
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
    if (Math.abs(history[history.length - 2] - err) < tolerance) break;
  }

  const uOutT = transposeBlock(uOut.data, 0, k2, cout, k2);
  const core: Tensor = { shape: [kh, kw, k1, k2], data: coreFromZ(ctx, z, k1, uOutT, k2) };
  const result: Tucker2Result = { uIn, uOut, core, relError: history[history.length - 1], errorHistory: history, iterations };
  // ‖G‖² = ‖W‖² − ‖W − Ŵ‖² loses digits when the error is tiny: measure it directly then.
  let coreSq = 0;
  for (let i = 0; i < core.data.length; i++) coreSq += core.data[i] * core.data[i];
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
  const cin = t.uIn.rows,
    cout = t.uOut.rows;
  if (t.uIn.cols !== k1 || t.uOut.cols !== k2) {
    throw new UserError(
      `tucker2Merge: factors ${cin}×${t.uIn.cols} and ${cout}×${t.uOut.cols} do not match the core [${t.core.shape.join(', ')}]`,
    );
  }
  const hw = kh * kw;
  const w = new Float64Array(hw * cin * cout);
  const tmp = new Float64Array(cin * k2);
  for (let p = 0; p < hw; p++) {
    const gT = transposeBlock(t.core.data, p * k1 * k2, k2, k1, k2); // K2 × K1
    abtInto(t.uIn.data, 0, k1, cin, gT, 0, k1, k2, k1, tmp, 0, k2); // U_in·G_p: Cin × K2
    abtInto(tmp, 0, k2, cin, t.uOut.data, 0, k2, cout, k2, w, p * cin * cout, cout); // ·U_outᵀ
  }
  return { shape: [kh, kw, cin, cout], data: w };
}

/**
 * The three convolutions of the Tucker block (docs/design.md §5), float32: first [1,1,Cin,K1] = U_in,
 * core [kh,kw,K1,K2] = G (original stride/padding/dilation), last [1,1,K2,Cout] = U_outᵀ (carries
 * the original bias; that is the model layer's job).
 */
export function tucker2Kernels(t: Tucker2Parts): { first: ConvKernel; core: ConvKernel; last: ConvKernel } {
  const [kh, kw, k1, k2] = t.core.shape as [number, number, number, number];
  const cin = t.uIn.rows,
    cout = t.uOut.rows;
  return {
    first: { shape: [1, 1, cin, k1], data: Float32Array.from(t.uIn.data) },
    core: { shape: [kh, kw, k1, k2], data: Float32Array.from(t.core.data) },
    last: { shape: [1, 1, k2, cout], data: Float32Array.from(transposeBlock(t.uOut.data, 0, k2, cout, k2)) },
  };
}
