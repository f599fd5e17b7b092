// Symmetric eigendecomposition: all eigenvalues, and the eigenvectors of only the k largest,
// now or later. Householder tridiagonalisation (eigenTridiagonalize.ts), implicit QL for the
// values (eigenValuesQL.ts), inverse iteration for the tridiagonal's vectors
// (eigenVectorsInverseIteration.ts), then the blocked back-transformation (eigenBackTransform.ts).
import type { Matrix } from '../types';
import { checkMatrix } from './checkMatrix';
import { wasmTridiagFor } from './dispatch';
import { tridiagonalize } from './eigenTridiagonalize';
import { tridiagonalQL } from './eigenValuesQL';
import { tridiagonalEigenvectors } from './eigenVectorsInverseIteration';
import { backTransformRows } from './eigenBackTransform';

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
  const tri = wasmTridiagFor(n);
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

/** Row-major transpose of a rows×cols array. */
function transposeRows(x: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const si = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = x[si + j];
  }
  return out;
}
