// Identity on wasm sharing the input's data instead of copying it.
import type * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

/**
 * Identity on wasm copies the whole buffer (clone, gradient bookkeeping: ~500 calls per VGG19
 * step); tensors are immutable, so share the data and count a reference, as the cpu backend does.
 */
export function sharedIdentity(original: KernelConfig): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return original.kernelFunc(args);
    (args.backend as tf.KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}
