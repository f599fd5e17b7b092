// Singular values and leading left singular vectors, from the eigendecomposition of a Gram
// (the smaller side's for the values).
import type { Matrix } from '../types';
import { checkMatrix } from './checkMatrix';
import { gram, transpose } from './products';
import { symmetricEigen } from './eigen';

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
