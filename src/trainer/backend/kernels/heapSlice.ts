// Slice on wasm copying only the slice: the stock kernel first reads the whole input out of the
// heap (readSync copies it), then copies the slice: ~40 ms of a decomposed VGG19 step at batch 32
// went to the pool's batch shares and the conv gradients' crops (profile).
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

interface HeapTypedBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Copies x[begin : begin + size] (row-major) from `xv` into `ov`: the trailing dims taken whole
 * merge with the last partial one into runs, one `set` per run.
 */
export function copySlice(
  xv: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  shape: number[],
  begin: number[],
  size: number[],
  ov: { set(a: ArrayLike<number>, at: number): void },
): void {
  const rank = shape.length;
  let inner = 1,
    d = rank - 1;
  while (d >= 0 && size[d] === shape[d]) inner *= shape[d--];
  if (d < 0) {
    ov.set(xv.subarray(0, inner), 0);
    return;
  }
  const strides = new Array<number>(rank);
  for (let j = rank - 1, s = 1; j >= 0; j--) {
    strides[j] = s;
    s *= shape[j];
  }
  const run = size[d] * inner;
  const idx = new Array<number>(d).fill(0);
  for (let out = 0; ; out += run) {
    let at = begin[d] * strides[d];
    for (let j = 0; j < d; j++) at += (begin[j] + idx[j]) * strides[j];
    ov.set(xv.subarray(at, at + run), out);
    let j = d - 1;
    while (j >= 0 && ++idx[j] === size[j]) idx[j--] = 0;
    if (j < 0) return;
  }
}

export function heapSlice(original: KernelConfig): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const a = args.attrs as NamedAttrMap & { begin: number | number[]; size: number | number[] };
    if (x.dtype === 'string') return original.kernelFunc(args);
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, a.begin, a.size);
    const be = args.backend as unknown as HeapTypedBackend;
    const out = be.makeOutput(size, x.dtype);
    if (size.some((s) => s === 0)) return out;
    // Views after the allocation: it may have grown (detached) the heap.
    copySlice(be.typedArrayFromHeap(x), x.shape, begin, size, be.typedArrayFromHeap(out));
    return out;
  };
}
