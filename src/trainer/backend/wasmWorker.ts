// Worker thread of the wasm pool (wasmPool.ts): its own TensorFlow.js wasm backend (the wasm
// backend is single-threaded in Node), computing a slice of a batch for the main thread's heavy
// convolution kernels. Jobs arrive by postMessage with a SharedArrayBuffer holding the inputs;
// the result is written back into the same buffer and signalled with Atomics.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { conv2dFilterGrad, conv2dInputGrad, registerTrainingKernels } from './kernels';
import type { PoolJob } from './wasmPool';

async function main(): Promise<void> {
  const { wasmDir } = workerData as { wasmDir: string };
  setWasmPaths(wasmDir.endsWith('/') ? wasmDir : `${wasmDir}/`);
  registerTrainingKernels('wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise in the worker');
  parentPort!.on('message', (job: PoolJob) => {
    const ctrl = new Int32Array(job.sab, 0, 2);
    try {
      const view = (off: number, shape: number[]) =>
        new Float32Array(
          job.sab,
          off,
          shape.reduce((a, b) => a * b, 1),
        );
      const t = (i: number) =>
        tf.tensor4d(view(job.inputs[i].offset, job.inputs[i].shape), job.inputs[i].shape as [number, number, number, number]);
      const out = tf.tidy(() => {
        const a = job.attrs;
        switch (job.op) {
          case 'conv2d':
            return tf.conv2d(t(0), t(1), a.strides, a.pad, 'NHWC', a.dilations, a.dimRoundingMode);
          case 'filterGrad':
            return conv2dFilterGrad(t(0), t(1), a.filterShape!, a.strides, a.pad, a.dilations, a.dimRoundingMode);
          case 'inputGrad':
            return conv2dInputGrad(
              job.outShape as unknown as [number, number, number, number],
              t(0),
              t(1),
              a.strides,
              a.pad,
              a.dilations,
              a.dimRoundingMode,
            );
        }
      });
      // Straight from the wasm heap into the shared buffer (dataSync would copy once more).
      const heap = tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array };
      view(job.outOffset, out.shape).set(heap.typedArrayFromHeap(out));
      out.dispose();
      Atomics.store(ctrl, 1, 0);
    } catch (e) {
      Atomics.store(ctrl, 1, 1);
      parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
    }
    Atomics.store(ctrl, 0, 1);
    Atomics.notify(ctrl, 0);
  });
  parentPort!.postMessage({ ready: true });
}

main().catch((e: unknown) => parentPort!.postMessage({ fatal: e instanceof Error ? e.message : String(e) }));
