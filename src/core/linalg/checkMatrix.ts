// Shape check shared by the linalg entry points: a wrong size is a bug in the caller, reported
// with what was received.
import type { Matrix } from '../types';

export function checkMatrix(a: Matrix, where: string): void {
  if (!Number.isInteger(a.rows) || !Number.isInteger(a.cols) || a.rows < 0 || a.cols < 0) {
    throw new Error(`${where}: matrix dimensions must be non-negative integers, received ${a.rows}×${a.cols}`);
  }
  if (a.data.length !== a.rows * a.cols) {
    throw new Error(`${where}: data length ${a.data.length} does not match ${a.rows}×${a.cols}`);
  }
}
