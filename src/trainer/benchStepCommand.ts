// `tucker-train bench step`: median milliseconds per training step (forward, backward, SGD
// update) of a small CNN on a chosen backend, after warm-up.
import { parseCommandArgs } from './args';
import { UserError } from '../userError';
import { BACKEND_REQUESTS, setupBackend, type BackendRequest } from './backend/setup';
import { restoreStockKernels } from './backend/kernels';
import { disableWasmPool } from './backend/wasmPool';
import { BENCH_MODELS, benchTrainStep, type BenchModelName, type StepTiming } from './backend/stepBench';
import type { StepProfile } from './backend/kernelProfile';

export const BENCH_STEP_USAGE = `Usage: tucker-train bench step [options]

Times training steps (forward, backward, SGD update) of a small CNN on synthetic data and prints
the median milliseconds per step after warm-up.

Models:
  toy   conv 3→32 3×3 same + ReLU, conv 32→64 3×3 same + ReLU, max-pool 2, flatten, dense 10;
        input 32×32×3

Options:
  --model M       ${BENCH_MODELS.join(', ')} (default toy; zoo models at
                  their paper input size: small-cnn 28×28×1, the others 32×32×3)
  --backend B     ${BACKEND_REQUESTS.join(', ')} (default auto)
  --batch N       batch size (default 64)
  --steps N       timed steps (default 10)
  --warmup N      untimed steps first (default 2)
  --threads N     wasm: threads for convolutions (main + N-1 workers splitting the batch;
                  default 1)
  --stock         use the backend's own kernels instead of tucker-train's (for comparison;
                  the stock cpu backend needs minutes per toy step)
  --json          print one JSON object ({msPerStep, steps, backend, ...}) and nothing else
  -h, --help      this help`;

function positiveInt(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new UserError(`bench step: --${name} '${v}' must be an integer ≥ ${min}.`);
  return n;
}

/** `argv` is what follows `bench step`. Returns the exit code. */
export async function runBenchStep(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('bench step', argv, {
    model: { type: 'string' },
    backend: { type: 'string' },
    batch: { type: 'string' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string' },
    stock: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, false);
  const { values } = parsed;
  if (values.help) {
    console.log(BENCH_STEP_USAGE);
    return 0;
  }
  const model = (values.model ?? 'toy') as BenchModelName;
  if (!BENCH_MODELS.includes(model)) throw new UserError(`bench step: unknown --model '${values.model}'; use one of ${BENCH_MODELS.join(', ')}.`);
  const requested = (values.backend ?? 'auto') as BackendRequest;
  if (!BACKEND_REQUESTS.includes(requested)) throw new UserError(`bench step: unknown --backend '${values.backend}'; use one of ${BACKEND_REQUESTS.join(', ')}.`);
  const batch = positiveInt('batch', values.batch, 64);
  const steps = positiveInt('steps', values.steps, 10);
  const warmup = positiveInt('warmup', values.warmup, 2, 0);

  const threads = values.threads === undefined ? undefined : positiveInt('threads', values.threads, 1);
  if (values.stock && threads !== undefined && threads > 1) throw new UserError('bench step: --stock measures the backend as shipped; leave out --threads.');
  const setup = await setupBackend(requested, { wasmThreads: threads });
  if (values.stock) restoreStockKernels(setup.backend);
  let r;
  try {
    r = await benchTrainStep({ model, batch, steps, warmup });
  } finally {
    await disableWasmPool();
  }
  const result = {
    ...r,
    device: setup.device,
    threads: setup.threads,
    kernels: values.stock ? 'stock' : setup.kernels.length ? `tucker-train (${setup.kernels.join(', ')})` : 'stock',
    fallbacks: setup.fallbacks,
  };
  if (values.json) {
    console.log(JSON.stringify(result));
    return 0;
  }
  const rows: [string, string][] = [
    ['model', `${model} (batch ${batch})`],
    ['backend', `${result.backend} on ${result.device}`],
    ['kernels', result.kernels],
    ['steps', `${steps} timed after ${warmup} warm-up`],
    ['ms/step (median)', `${result.msPerStep} (min ${result.msMin}, max ${result.msMax})`],
    ['images/s', String(result.imagesPerSecond)],
  ];
  for (const f of setup.fallbacks) rows.push(['fallback', f]);
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  return 0;
}

// ---- bench speedup ---------------------------------------------------------------------------

export const BENCH_SPEEDUP_USAGE = `Usage: tucker-train bench speedup [options]

Measures what Tucker-2 decomposition buys in training speed on this machine: median ms per
training step of a zoo model and of the same model with every eligible conv decomposed, timed
alternately (original, decomposed, original, …) in one process so that load affects both alike;
and the speedup eq. 11 predicts for the ranks used (conv multiply-accumulates before / after).
Ranks come from the policy: randomly initialised weights have VBMF rank 0, so the default is a
fixed ratio; with --checkpoint, a trained model.json, the default is vbmf.

Options:
  --model M         small-cnn, vgg19, resnet56, densenet40 (default vgg19)
  --checkpoint F    a TensorFlow.js model.json with trained weights instead of a zoo model
  --width F         channel multiplier (growth rate for densenet40) (default 1)
  --rank-policy P   ratio:F, energy:F or vbmf (default ratio:0.25, vbmf with --checkpoint)
  --quantize N      round ranks up to a multiple of N
  --backend B       ${BACKEND_REQUESTS.join(', ')} (default auto)
  --threads N       wasm: threads for convolutions (default 1)
  --batch N         batch size (default 32)
  --steps N         timed steps per model, alternating (default 7)
  --warmup N        untimed steps first (default 1)
  --profile         after timing, profile one step of each model kernel by kernel and print a
                    per-layer table (ms, GFLOP/s of forward, filter and input gradients) and
                    the time per kernel kind (with --json: under "profile")
  --json            print one JSON object and nothing else
  -h, --help        this help`;

/** `argv` is what follows `bench speedup`. Returns the exit code. */
export async function runBenchSpeedup(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('bench speedup', argv, {
    model: { type: 'string' },
    width: { type: 'string' },
    'rank-policy': { type: 'string' },
    quantize: { type: 'string' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    batch: { type: 'string' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    json: { type: 'boolean' },
    profile: { type: 'boolean' },
    checkpoint: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, false);
  const { values } = parsed;
  if (values.help) {
    console.log(BENCH_SPEEDUP_USAGE);
    return 0;
  }
  const [{ buildZooModel, isZooName, ZOO_NAMES }, { decomposeModel }, { parseRankPolicy }, { timeTrainSteps }] = await Promise.all([
    import('./zoo/index'), import('../model/surgery'), import('../core/rankPolicy'), import('./backend/stepBench'),
  ]);
  const checkpoint = values.checkpoint;
  const modelName = checkpoint ?? values.model ?? 'vgg19';
  if (!checkpoint && !isZooName(modelName)) throw new UserError(`bench speedup: unknown --model '${modelName}'; use one of ${ZOO_NAMES.join(', ')}, or --checkpoint model.json.`);
  const width = values.width === undefined ? 1 : Number(values.width);
  if (!(width > 0) || !Number.isFinite(width)) throw new UserError(`bench speedup: --width '${values.width}' must be a positive number.`);
  const policyText = values['rank-policy'] ?? (checkpoint ? 'vbmf' : 'ratio:0.25');
  const policy = parseRankPolicy(policyText);
  const quantize = values.quantize === undefined ? undefined : positiveInt('quantize', values.quantize, 1);
  const requested = (values.backend ?? 'auto') as BackendRequest;
  if (!BACKEND_REQUESTS.includes(requested)) throw new UserError(`bench speedup: unknown --backend '${values.backend}'; use one of ${BACKEND_REQUESTS.join(', ')}.`);
  const threads = values.threads === undefined ? undefined : positiveInt('threads', values.threads, 1);
  const batch = positiveInt('batch', values.batch, 32);
  const steps = positiveInt('steps', values.steps, 7);
  const warmup = positiveInt('warmup', values.warmup, 1, 0);

  const setup = await setupBackend(requested, { wasmThreads: threads });
  try {
    const original = checkpoint
      ? await (await import('./modelIO')).loadModel(checkpoint)
      : buildZooModel(modelName, { inputShape: [32, 32, 3], numClasses: 10, seed: 1, width });
    const t0 = performance.now();
    const dec = await decomposeModel(original, { policy, quantize });
    const decomposeSeconds = (performance.now() - t0) / 1000;
    // Alternate single timed steps so that a change in machine load hits both models alike.
    if (warmup > 0) {
      await timeTrainSteps(original, { batch, steps: 1, warmup: warmup - 1 });
      await timeTrainSteps(dec.model, { batch, steps: 1, warmup: warmup - 1 });
    }
    const times: { o: StepTiming[]; d: StepTiming[] } = { o: [], d: [] };
    for (let i = 0; i < steps; i++) {
      times.o.push(await timeTrainSteps(original, { batch, steps: 1, warmup: 0 }));
      times.d.push(await timeTrainSteps(dec.model, { batch, steps: 1, warmup: 0 }));
    }
    const before = summarizeTimings(times.o, batch);
    const after = summarizeTimings(times.d, batch);
    let profile: { original: StepProfile; decomposed: StepProfile } | undefined;
    if (values.profile) {
      // After the timing: the per-kernel wrappers add a little time to every kernel call.
      const { profileTrainSteps, uninstallKernelProfiler } = await import('./backend/kernelProfile');
      try {
        profile = { original: await profileTrainSteps(original, { batch, steps: 1 }), decomposed: await profileTrainSteps(dec.model, { batch, steps: 1 }) };
      } finally {
        uninstallKernelProfiler(setup.backend);
      }
    }
    original.dispose();
    dec.model.dispose();
    const result = {
      model: modelName, width, batch, steps, warmup,
      backend: setup.backend, device: setup.device, threads: setup.threads,
      rankPolicy: policyText, quantize: quantize ?? null, checkpoint: checkpoint ?? null,
      decomposedLayers: dec.layers.filter((l) => !(l as { skipped?: unknown }).skipped).length,
      paramsBefore: dec.paramsBefore, paramsAfter: dec.paramsAfter,
      decomposeSeconds: Math.round(decomposeSeconds * 100) / 100,
      original: before, decomposed: after,
      measuredSpeedup: Math.round((before.msPerStep / after.msPerStep) * 100) / 100,
      predictedSpeedup: Math.round((dec.convMacsBefore / dec.convMacsAfter) * 100) / 100,
      convMacsBefore: dec.convMacsBefore, convMacsAfter: dec.convMacsAfter,
      ...(profile ? { profile } : {}),
    };
    if (values.json) {
      console.log(JSON.stringify(result));
      return 0;
    }
    const rows: [string, string][] = [
      ['model', checkpoint ? `${checkpoint} (batch ${batch})` : `${modelName} (width ${width}, batch ${batch}, input 32×32×3)`],
      ['backend', `${result.backend} on ${result.device}`],
      ['rank policy', `${result.rankPolicy}${quantize ? `, quantize ${quantize}` : ''}: ${result.decomposedLayers} layers decomposed in ${result.decomposeSeconds} s`],
      ['params', `${result.paramsBefore} → ${result.paramsAfter}`],
      ['ms/step original', `${before.msPerStep} (min ${before.msMin})`],
      ['ms/step decomposed', `${after.msPerStep} (min ${after.msMin})`],
      ['speedup measured', `${result.measuredSpeedup}×`],
      ['speedup eq. 11', `${result.predictedSpeedup}× (conv multiply-accumulates ${(dec.convMacsBefore / 1e6).toFixed(0)} M → ${(dec.convMacsAfter / 1e6).toFixed(0)} M per image); measured is ${Math.round((100 * result.measuredSpeedup) / result.predictedSpeedup)} % of it`],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
    if (profile) {
      const { formatProfile } = await import('./backend/kernelProfile');
      console.log('');
      console.log(formatProfile(`${modelName} original, profiled step`, profile.original));
      console.log('');
      console.log(formatProfile(`${modelName} decomposed, profiled step`, profile.decomposed));
    }
    return 0;
  } finally {
    await disableWasmPool();
  }
}

/** Median and range of single-step timings taken one at a time. */
function summarizeTimings(ts: StepTiming[], batch: number): StepTiming {
  const ms = ts.map((t) => t.msPerStep);
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const med = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const r = (v: number) => Math.round(v * 10) / 10;
  return {
    msPerStep: r(med), msMin: r(sorted[0]), msMax: r(sorted[sorted.length - 1]),
    imagesPerSecond: r((batch * 1000) / med),
    tensorLeakPerStep: ts.reduce((n, t) => n + t.tensorLeakPerStep, 0) / ts.length,
  };
}
