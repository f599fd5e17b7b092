// Sum / Mean over leading axes on wasm as direct row sums (wasm transposes the reduced axes
// innermost first); anything else goes to the backend's own kernel.
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { withArrays } from './common';

/**
 * Σ over the rows of xv viewed as [rows, cols] into acc (float64). Four rows per pass: a quarter
 * of the accumulator loads/stores of the plain loop, ~3× faster in V8 (measured 3.8 vs 11 ms for
 * 32768×64). (A matMul with a ones row is no faster on wasm: XNNPACK packs B, the activation,
 * for every fresh tensor, ~65 ms for 32768×64.)
 */
function sumRows(xv: Float32Array, rows: number, cols: number, acc: Float64Array): void {
  const c2 = 2 * cols,
    c3 = 3 * cols;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b = r * cols;
    for (let c = 0; c < cols; c++) {
      const i = b + c;
      acc[c] += xv[i] + xv[i + cols] + (xv[i + c2] + xv[i + c3]);
    }
  }
  for (; r < rows; r++) {
    const b = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += xv[b + c];
  }
}

/**
 * Sum / Mean over leading axes (bias gradients: dy [N,H,W,C] summed over N,H,W; batch-norm
 * moments). wasm's reductions first transpose the reduced axes innermost (a full copy); this sums
 * rows in place, accumulating in float64.
 */
export function leadingReduce(original: KernelConfig, mean: boolean): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const a = args.attrs as NamedAttrMap & { axis: number | number[]; keepDims?: boolean };
    const rank = x.shape.length;
    const axes = (Array.isArray(a.axis) ? a.axis : [a.axis]).map((v) => (v < 0 ? v + rank : v)).sort((p, q) => p - q);
    const prefix = axes.length > 0 && axes.length < rank && axes.every((v, i) => v === i);
    if (!prefix || x.dtype !== 'float32') return original.kernelFunc(args);
    const rows = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1);
    const cols = x.shape.slice(axes.length).reduce((p, q) => p * q, 1);
    if (rows < 2 || cols === 0) return original.kernelFunc(args);
    const outShape = a.keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    const scale = mean ? 1 / rows : 1;
    return withArrays(args.backend, outShape, [x], (o, [xv]) => {
      const acc = new Float64Array(cols);
      sumRows(xv, rows, cols, acc);
      for (let c = 0; c < cols; c++) o[c] = acc[c] * scale;
    });
  };
}
