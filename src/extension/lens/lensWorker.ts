// The lens worker thread (bundled as dist/lensWorker.js): runs analyzeModel's computation — the
// same library call as `tucker-train ranks` — off the extension host's main thread, so reading
// 80 MB of weights and the EVBMF eigen-solves never freeze the editor.
import { stat } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { parseRankPolicy } from '../../core/rankPolicy';
import { analyzeParsedModel } from '../../model/analyze';
import { parseModelJson } from '../../model/modelJson';
import { isUserError } from '../../core/userError';
import { configureKernels, kernelOptionsFromEnv } from '../../core/linalg';
import type { AnalyzeRequest, AnalyzeResponse, FileStamp } from './workerProtocol';

export async function stampFile(file: string): Promise<FileStamp> {
  try {
    const s = await stat(file);
    return { file, stamp: `${s.size}:${s.mtimeMs}` };
  } catch {
    return { file, stamp: 'missing' };
  }
}

export async function handle(req: AnalyzeRequest): Promise<AnalyzeResponse> {
  const t0 = performance.now();
  let weightFiles: FileStamp[] = [];
  try {
    // Our reader refuses weight paths outside the model's folder before any of them is touched.
    const model = parseModelJson(req.text, req.path);
    const read = req.readWeights !== false;
    if (read) weightFiles = await Promise.all(model.groups.flatMap((g) => g.files).map(stampFile));
    const report = await analyzeParsedModel(model, {
      policy: parseRankPolicy(req.policy),
      quantize: req.quantize,
      inputSize: req.inputSize,
      weights: read,
    });
    return { type: 'result', id: req.id, ok: true, report, weightFiles, ms: performance.now() - t0 };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      type: 'result',
      id: req.id,
      ok: false,
      message: isUserError(e) ? message : `internal error: ${message}`,
      userError: isUserError(e),
      weightFiles,
      ms: performance.now() - t0,
    };
  }
}

if (parentPort) {
  configureKernels(kernelOptionsFromEnv(process.env)); // TUCKER_TRAIN_NO_WASM=1: JavaScript kernels only
  const port = parentPort;
  port.on('message', (m: AnalyzeRequest) => {
    if (m?.type !== 'analyze') return;
    void handle(m).then((r) => port.postMessage(r));
  });
}
