// Worker thread of the core pool (coreWorkers.ts): runs src/core's per-layer analysis
// (analyzeConvKernel: mode Grams, EVBMF ranks, Tucker-2) on kernels posted by the main thread and
// posts each result back, its factor buffers transferred. Started from dist/coreWorker.js (or the
// .ts source under tsx).
import { parentPort } from 'node:worker_threads';
import { analyzeConvKernel } from '../../core/analyzeConv';
import { trainedLikeKernel } from '../../core/syntheticKernel';
import { createRng } from '../../core/random';
import { configureKernels, kernelOptionsFromEnv, setUseWasm } from '../../core/linalg';
import { isUserError } from '../../core/userError';
import type { CoreJob, CoreReply } from './coreWorkers';

// Each job carries the main thread's kernel setting, but the warm-up below runs before any job:
// start from TUCKER_TRAIN_NO_WASM as the main thread does, so it warms the kernels jobs will use.
configureKernels(kernelOptionsFromEnv(process.env));

const port = parentPort!;
port.on('message', (job: CoreJob) => {
  let reply: CoreReply;
  const transfer: ArrayBuffer[] = [];
  try {
    setUseWasm(job.useWasm);
    const result = analyzeConvKernel(job.kernel, job.opts);
    if (result.factors) {
      for (const m of [result.factors.uIn.data, result.factors.uOut.data, result.factors.core.data]) {
        if (m.buffer instanceof ArrayBuffer && !transfer.includes(m.buffer)) transfer.push(m.buffer);
      }
    }
    reply = { id: job.id, result };
  } catch (e) {
    reply = { id: job.id, error: e instanceof Error ? e.message : String(e), userError: isUserError(e) };
  }
  port.postMessage(reply, transfer);
});

/**
 * Runs the whole per-layer path a few times on a small kernel before the first real job: a fresh
 * thread starts its JavaScript in the interpreter and its WebAssembly in the baseline compiler, and
 * the pool hands out the largest layers first, which would otherwise run on cold code (measured
 * ~3× slower for the first 512→512 layer). The optimised code is ready when the real jobs come.
 */
function warmUp(): void {
  const rng = createRng(12345);
  const kernel = trainedLikeKernel(rng, 96, 64, 24, 16); // low rank + noise: EVBMF keeps a rank, Tucker-2 runs
  for (let r = 0; r < 3; r++) {
    analyzeConvKernel(kernel, { policy: { kind: 'vbmf' }, maxIterations: 2, tolerance: 0 });
    analyzeConvKernel(kernel, { policy: { kind: 'ratio', fraction: 0.25 }, maxIterations: 1 });
  }
}

try {
  warmUp();
} catch {
  // only a warm-up: real jobs report their own errors
}
port.postMessage({ ready: true });
