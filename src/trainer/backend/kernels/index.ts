// Training kernels for the TensorFlow.js `wasm` backend (which has no Conv2DBackpropFilter and a
// naive Conv2DBackpropInput) and replacements for the pure-JS `cpu` backend's pathological ones.
// The convolution gradients are built from ops the backend runs fast (transpose, pad, a forward
// conv2d, matMul), so they run on whichever backend is active; pooling gradients and leading-axis
// reductions are direct typed-array loops. Registered (registerTrainingKernels):
//   both:  Conv2DBackpropFilter (missing on wasm; a naive loop on cpu), Conv2DBackpropInput
//          (naive on both), MaxPoolGrad (slow on both)
//   wasm:  BatchMatMul with transposeA/B (16× slow path: transpose explicitly first), Sum and
//          Mean over leading axes (bias gradients, batch-norm moments: wasm transposes first),
//          Slice (the stock one copies the whole input out of the heap first)
//   and the Conv2D gradient, so dilated convs train on these backends (tfjs refuses dilation > 1)
// This file registers and restores them; each family lives in its own file here (conv2dBackprop,
// dilatedConvGradient, maxPoolGrad, batchMatMul, sharedIdentity, heapSlice, leadingReduce; common: shared
// plumbing). Every kernel is checked against float64 references in kernels.test.ts.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { patchBatchNormGradient } from '../batchNormGrad';
import { patchBatchNormLayer } from '../fusedBatchNorm';
import { explicitTransposeMatMul } from './batchMatMul';
import { conv2DBackpropFilter, conv2DBackpropInput } from './conv2dBackprop';
import { patchConv2DGradient } from './dilatedConvGradient';
import { leadingReduce } from './leadingReduce';
import { maxPoolGrad } from './maxPoolGrad';
import { sharedIdentity } from './sharedIdentity';
import { heapSlice } from './heapSlice';

export { conv2dFilterGrad, conv2dInputGrad } from './conv2dBackprop';

/** What registerTrainingKernels did, for logs and run.json. */
export interface KernelReport {
  backend: string;
  registered: string[];
}

const registeredFor = new Map<string, string[]>();

/** The backend's own kernels we replaced, to restore them (tests, `--stock` comparisons). */
const originals = new Map<string, KernelConfig>();
const key = (kernelName: string, backendName: string): string => `${backendName}/${kernelName}`;

function replace(config: KernelConfig): void {
  const k = key(config.kernelName, config.backendName);
  const existing = tf.getKernel(config.kernelName, config.backendName);
  if (existing) {
    if (!originals.has(k)) originals.set(k, existing);
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

/** Puts back the backend's own kernels (and unregisters ours where it had none). */
export function restoreStockKernels(backendName: string): void {
  const names = registeredFor.get(backendName);
  if (!names) return;
  for (const name of names) {
    const k = key(name, backendName);
    if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
    const orig = originals.get(k);
    if (orig) {
      tf.registerKernel(orig);
      // Its setup may not have run if we replaced it before the backend was initialised.
      const be = tf.engine().registry[backendName];
      if (be && orig.setupFunc) orig.setupFunc(be);
    }
  }
  registeredFor.delete(backendName);
}

/**
 * Registers tucker-train's training kernels on `backendName` ('wasm' or 'cpu'). Idempotent.
 * Call before or after the backend is initialised (these kernels need no setup).
 */
export function registerTrainingKernels(backendName: string): KernelReport {
  const done = registeredFor.get(backendName);
  if (done) return { backend: backendName, registered: done };
  const names: string[] = [];
  const add = (kernelName: string, kernelFunc: KernelFunc): void => {
    replace({ kernelName, backendName, kernelFunc });
    names.push(kernelName);
  };
  add('Conv2DBackpropFilter', conv2DBackpropFilter);
  add('Conv2DBackpropInput', conv2DBackpropInput);
  add('MaxPoolGrad', maxPoolGrad);
  patchConv2DGradient((b) => registeredFor.has(b));
  if (patchBatchNormGradient()) names.push('FusedBatchNorm gradient (broadcast, no tile)');
  if (patchBatchNormLayer((b) => registeredFor.has(b))) names.push('BatchNormalization training (fused forward and backward)');
  if (backendName === 'wasm') {
    const mm = originals.get(key('BatchMatMul', backendName)) ?? tf.getKernel('BatchMatMul', backendName);
    if (mm) {
      replace({ ...mm, kernelFunc: explicitTransposeMatMul(mm) });
      names.push('BatchMatMul');
    }
    const id = originals.get(key('Identity', backendName)) ?? tf.getKernel('Identity', backendName);
    if (id) {
      replace({ ...id, kernelFunc: sharedIdentity(id) });
      names.push('Identity');
    }
    const slice = originals.get(key('Slice', backendName)) ?? tf.getKernel('Slice', backendName);
    if (slice) {
      replace({ ...slice, kernelFunc: heapSlice(slice) });
      names.push('Slice');
    }
    for (const [name, mean] of [
      ['Sum', false],
      ['Mean', true],
    ] as const) {
      const orig = originals.get(key(name, backendName)) ?? tf.getKernel(name, backendName);
      if (orig) {
        replace({ ...orig, kernelFunc: leadingReduce(orig, mean) });
        names.push(name);
      }
    }
  }
  registeredFor.set(backendName, names);
  return { backend: backendName, registered: names };
}
