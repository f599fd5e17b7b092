// Plumbing shared by the training kernels: the padding type, adopting a tensor computed by nested
// ops as a kernel output, and typed-array views of kernel inputs and outputs (the wasm heap, or
// the cpu backend's own arrays).
import type * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';

export type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** Turns a tensor computed by nested ops into a kernel output the engine can adopt. */
export function adopt(backend: unknown, t: tf.Tensor): TensorInfo {
  const b = backend as tf.KernelBackend;
  b.incRef(t.dataId);
  const info = { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
  t.dispose();
  return info;
}

export function asTensor<T extends tf.Tensor>(info: TensorInfo): T {
  // Kernel inputs are Tensors in practice (the engine passes the op's tensors).
  return info as unknown as T;
}

export function nhwc(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel}: only NHWC is supported by tucker-train's kernels (got ${String(dataFormat)})`);
  }
}

/** The wasm backend's heap access (absent on cpu). */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

export function isHeapBackend(b: unknown): b is HeapBackend {
  return typeof (b as HeapBackend).typedArrayFromHeap === 'function' && typeof (b as HeapBackend).makeOutput === 'function';
}

/**
 * Allocates a zeroed float32 output and hands views of it and of the inputs to `fill`. On wasm
 * the views are into the heap (no copies; the output is allocated first so no later allocation
 * can detach them); on cpu they are the backend's own arrays.
 */
export function withArrays(
  backend: unknown,
  outShape: number[],
  inputs: TensorInfo[],
  fill: (out: Float32Array, ins: Float32Array[]) => void,
): TensorInfo {
  if (isHeapBackend(backend)) {
    const out = backend.makeOutput(outShape, 'float32');
    const o = backend.typedArrayFromHeap(out);
    o.fill(0);
    fill(
      o,
      inputs.map((t) => backend.typedArrayFromHeap(t)),
    );
    return out;
  }
  const b = backend as tf.KernelBackend & { makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo };
  const o = new Float32Array(outShape.reduce((a, c) => a * c, 1));
  fill(
    o,
    inputs.map((t) => b.readSync(t.dataId) as Float32Array),
  );
  return b.makeTensorInfo(outShape, 'float32', o);
}
