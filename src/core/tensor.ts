// Dense tensor helpers: mode-n unfolding / folding and mode-n products (row-major, C-order).
import type { Matrix, Tensor } from './types';

function checkShape(shape: number[], where: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${where}: shape must hold non-negative integers, received [${shape.join(', ')}]`);
    }
  }
}

function checkMode(mode: number, order: number, where: string): void {
  if (!Number.isInteger(mode) || mode < 0 || mode >= order) {
    throw new Error(`${where}: mode must be an integer in [0, ${order - 1}], received ${mode}`);
  }
}

function product(shape: number[], from: number, to: number): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= shape[i];
  return p;
}

/**
 * Mode-n unfolding: rows = shape[mode]; columns = the other modes in increasing order, C-order
 * (last mode fastest). Element (i0..iN-1) goes to row i_mode, column (b·after + a) where b
 * indexes the modes before `mode` and a the modes after it.
 */
export function unfold(t: Tensor, mode: number): Matrix {
  const shape = t.shape;
  checkShape(shape, 'unfold');
  checkMode(mode, shape.length, 'unfold');
  const total = product(shape, 0, shape.length);
  if (t.data.length !== total) {
    throw new Error(`unfold: data length ${t.data.length} does not match shape [${shape.join(', ')}] (${total})`);
  }
  const dim = shape[mode];
  const before = product(shape, 0, mode);
  const after = product(shape, mode + 1, shape.length);
  const cols = before * after;
  const src = t.data;
  const out = new Float64Array(total);
  if (after === 1) {
    for (let b = 0; b < before; b++) {
      const base = b * dim;
      for (let i = 0; i < dim; i++) out[i * cols + b] = src[base + i];
    }
  } else {
    for (let i = 0; i < dim; i++) {
      const rowBase = i * cols;
      for (let b = 0; b < before; b++) {
        const s0 = (b * dim + i) * after;
        out.set(src.subarray(s0, s0 + after), rowBase + b * after);
      }
    }
  }
  return { rows: dim, cols, data: out };
}

/** Inverse of {@link unfold}: rebuilds the tensor of the given shape from its mode-n unfolding. */
export function fold(m: Matrix, mode: number, shape: number[]): Tensor {
  checkShape(shape, 'fold');
  checkMode(mode, shape.length, 'fold');
  const dim = shape[mode];
  const before = product(shape, 0, mode);
  const after = product(shape, mode + 1, shape.length);
  const cols = before * after;
  if (m.rows !== dim || m.cols !== cols || m.data.length !== dim * cols) {
    throw new Error(
      `fold: matrix ${m.rows}×${m.cols} (data ${m.data.length}) does not unfold shape [${shape.join(', ')}] ` +
        `along mode ${mode} (expected ${dim}×${cols})`,
    );
  }
  const src = m.data;
  const out = new Float64Array(dim * cols);
  if (after === 1) {
    for (let b = 0; b < before; b++) {
      const base = b * dim;
      for (let i = 0; i < dim; i++) out[base + i] = src[i * cols + b];
    }
  } else {
    for (let i = 0; i < dim; i++) {
      const rowBase = i * cols;
      for (let b = 0; b < before; b++) {
        const s0 = rowBase + b * after;
        out.set(src.subarray(s0, s0 + after), (b * dim + i) * after);
      }
    }
  }
  return { shape: shape.slice(), data: out };
}

/** t ×_mode m: m is (newDim × shape[mode]); the result has shape[mode] replaced by newDim. */
export function modeProduct(t: Tensor, m: Matrix, mode: number): Tensor {
  const shape = t.shape;
  checkShape(shape, 'modeProduct');
  checkMode(mode, shape.length, 'modeProduct');
  const dim = shape[mode];
  if (m.cols !== dim || m.data.length !== m.rows * m.cols) {
    throw new Error(`modeProduct: matrix ${m.rows}×${m.cols} cannot multiply mode ${mode} of size ${dim} (need cols = ${dim})`);
  }
  const total = product(shape, 0, shape.length);
  if (t.data.length !== total) {
    throw new Error(`modeProduct: data length ${t.data.length} does not match shape [${shape.join(', ')}] (${total})`);
  }
  const nd = m.rows;
  const before = product(shape, 0, mode);
  const after = product(shape, mode + 1, shape.length);
  const src = t.data;
  const md = m.data;
  const out = new Float64Array(before * nd * after);
  if (after === 1) {
    for (let b = 0; b < before; b++) {
      const sb = b * dim;
      const ob = b * nd;
      for (let r = 0; r < nd; r++) {
        const mr = r * dim;
        let acc = 0;
        for (let i = 0; i < dim; i++) acc += md[mr + i] * src[sb + i];
        out[ob + r] = acc;
      }
    }
  } else {
    for (let b = 0; b < before; b++) {
      for (let r = 0; r < nd; r++) {
        const o0 = (b * nd + r) * after;
        const mr = r * dim;
        for (let i = 0; i < dim; i++) {
          const c = md[mr + i];
          if (c === 0) continue;
          const s0 = (b * dim + i) * after;
          for (let a = 0; a < after; a++) out[o0 + a] += c * src[s0 + a];
        }
      }
    }
  }
  const newShape = shape.slice();
  newShape[mode] = nd;
  return { shape: newShape, data: out };
}

/** √(Σ x²) over the data, computed with scaling so huge or tiny values do not overflow/underflow. */
export function frobeniusNorm(x: { data: ArrayLike<number> }): number {
  const d = x.data;
  const n = d.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = d[i];
    sum += v * v;
  }
  if (sum > 0 && sum < Infinity && sum > 1e-290) return Math.sqrt(sum);
  // Rare path: rescale by the largest magnitude.
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(d[i]);
    if (v > maxAbs) maxAbs = v;
  }
  if (maxAbs === 0 || !Number.isFinite(maxAbs)) return maxAbs;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = d[i] / maxAbs;
    s += v * v;
  }
  return maxAbs * Math.sqrt(s);
}
