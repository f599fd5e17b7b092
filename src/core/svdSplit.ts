// SVD split of a Dense kernel (in × out, TensorFlow.js layout) or a 1×1 conv's [Cin × Cout] matrix
// into first (in × r) · second (r × out), the best rank-r approximation (Eckart–Young), from the
// eigendecomposition of the smaller-side Gram.
import { UserError } from './userError';
import type { Matrix } from './types';
import { symmetricEigen } from './linalg';
import { denseGram, type DenseAnalysis } from './modeGrams';
import { abtInto } from './linalg';

export interface SvdSplitResult {
  /** in × r. */
  first: Matrix;
  /** r × out. */
  second: Matrix;
  /** ‖W − first·second‖ / ‖W‖ = sqrt(Σ_{i>r} s_i² / Σ s_i²). */
  relError: number;
}

function transpose(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/**
 * Best rank-r split of w. `analysis` (from chooseDenseRank) reuses its Gram. When in ≤ out,
 * first = U_r (orthonormal) and second = U_rᵀ·W; otherwise first = W·V_r and second = V_rᵀ.
 */
export function svdSplit(w: Matrix, rank: number, analysis?: DenseAnalysis | null): SvdSplitResult {
  const inDim = w.rows,
    outDim = w.cols;
  if (w.data.length !== inDim * outDim)
    throw new UserError(`svdSplit: a ${inDim}×${outDim} matrix needs ${inDim * outDim} values, received ${w.data.length}`);
  const full = Math.min(inDim, outDim);
  if (!Number.isInteger(rank) || rank < 1 || rank > full) {
    throw new UserError(`svdSplit: rank ${rank} must be an integer from 1 to min(in, out) = ${full}`);
  }
  const g = analysis ? { side: analysis.side, gram: analysis.mode.gram } : denseGram(w);
  const e = symmetricEigen(g.gram, { vectors: rank });
  const v = e.vectors!; // n × r, n = the smaller side
  let total = 0,
    tail = 0;
  for (let i = 0; i < e.values.length; i++) {
    const x = Math.max(0, e.values[i]);
    total += x;
    if (i >= rank) tail += x;
  }
  const relError = total > 0 ? Math.sqrt(tail / total) : 0;
  const vT = transpose(v.data, v.rows, rank); // r × n
  if (g.side === 'rows') {
    // first = U_r (in × r); second = U_rᵀ·W (r × out): rows of U_rᵀ against columns of W.
    const wT = transpose(w.data, inDim, outDim); // out × in
    const second = new Float64Array(rank * outDim);
    abtInto(vT, 0, inDim, rank, wT, 0, inDim, outDim, inDim, second, 0, outDim);
    return {
      first: { rows: inDim, cols: rank, data: Float64Array.from(v.data) },
      second: { rows: rank, cols: outDim, data: second },
      relError,
    };
  }
  // first = W·V_r (in × r); second = V_rᵀ (r × out).
  const first = new Float64Array(inDim * rank);
  abtInto(w.data, 0, outDim, inDim, vT, 0, outDim, rank, outDim, first, 0, rank);
  return { first: { rows: inDim, cols: rank, data: first }, second: { rows: rank, cols: outDim, data: vT }, relError };
}
