// BatchMatMul on wasm with transposeA/B done as explicit transposes before the original kernel.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { asTensor } from './common';

/**
 * BatchMatMul with transposeA/transposeB: wasm takes a slow path for those (16× measured), and
 * tfjs' matMul gradients always ask for one. Transpose explicitly, then call the original kernel.
 */
export function explicitTransposeMatMul(original: KernelConfig): KernelFunc {
  return (args) => {
    const attrs = args.attrs as NamedAttrMap & { transposeA?: boolean; transposeB?: boolean };
    if (!attrs?.transposeA && !attrs?.transposeB) return original.kernelFunc(args);
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const swapLast = (t: tf.Tensor): tf.Tensor => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return tf.transpose(t, perm);
    };
    const aT = attrs.transposeA ? swapLast(asTensor(a)) : null;
    const bT = attrs.transposeB ? swapLast(asTensor(b)) : null;
    try {
      return original.kernelFunc({
        ...args,
        inputs: { a: aT ?? a, b: bT ?? b },
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      aT?.dispose();
      bT?.dispose();
    }
  };
}
