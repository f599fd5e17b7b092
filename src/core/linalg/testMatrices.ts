// Test-only helpers shared by the linalg tests (no test file runs them by itself).
import { createRng } from '../random';
import type { Matrix } from '../types';
import { matmul, transpose } from './products';

export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): Matrix {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * scale;
  return { rows, cols, data };
}

/** max |VᵀV − I| for an n×k matrix. */
export function orthonormalityError(v: Matrix): number {
  const vtv = matmul(transpose(v), v);
  let m = 0;
  for (let i = 0; i < v.cols; i++) for (let j = 0; j < v.cols; j++) m = Math.max(m, Math.abs(vtv.data[i * v.cols + j] - (i === j ? 1 : 0)));
  return m;
}
