// tfjs's FusedBatchNorm gradient tiles 1/sqrt(var) to the full activation shape before
// multiplying (a [N,H,W,C] copy per BN layer per step: the largest single cost of a conv-BN
// training step on wasm, measured 389 ms of 1.3 s for small-cnn at batch 64). Broadcasting
// gives the same numbers without the copy. Gradients are global, so this is done once.
import * as tf from '@tensorflow/tfjs';
import type { GradConfig } from '@tensorflow/tfjs-core';

let patched = false;

export function patchBatchNormGradient(): boolean {
  if (patched) return true;
  const stock = tf.getGradient('FusedBatchNorm');
  if (!stock) return false;
  patched = true;
  const config: GradConfig = {
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved;
      const grads = stock.gradFunc(dy, saved, attrs);
      if (mean.rank !== 1) return grads;
      const eps = (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
      return {
        ...grads,
        // dx (with mean and variance as separate inputs): dy · scale / sqrt(var + eps), broadcast over C
        x: () =>
          tf
            .mul(dy as tf.Tensor, scale == null ? tf.rsqrt(tf.add(variance, eps)) : tf.mul(tf.rsqrt(tf.add(variance, eps)), scale))
            .reshape(x.shape),
      };
    },
  };
  tf.registerGradient(config);
  return true;
}
