// `tucker-train bench step`: median milliseconds per training step (forward, backward, SGD
// update) of a small CNN on a chosen backend, after warm-up.
import { parseCommandArgs, positiveInt } from '../args';
import { UserError } from '../../core/userError';
import { BACKEND_REQUESTS, setupBackend, type BackendRequest } from '../../trainer/backend/setup';
import { restoreStockKernels } from '../../trainer/backend/kernels';
import { disableWasmPool } from '../../trainer/backend/wasmPool';
import { BENCH_MODELS, benchTrainStep, buildBenchModel, type BenchModelName } from '../../bench/stepBench';
import { benchFreezing, formatFreezeBench } from '../../bench/freezeBench';
import { parseFreeze } from '../../trainer/freezing';
import { parseRankPolicy, type RankPolicy } from '../../core/rankPolicy';
import { decomposeModel } from '../../trainer/surgery';
import type { BackendSetup } from '../../trainer/backend/setup';

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
                  default: the cores available, or TUCKER_TRAIN_WASM_THREADS)
  --freeze sequential  decompose the model (--rank-policy, default ratio:0.25) and time steps
                  with only one factor group trainable (first 1×1, core, last 1×1) against
                  all trainable: the throughput of sequential freezing's frozen epochs
  --rank-policy P with --freeze: the ranks (default ratio:0.25)
  --stock         use the backend's own kernels instead of tucker-train's (for comparison;
                  the stock cpu backend needs minutes per toy step)
  --json          print one JSON object ({msPerStep, steps, backend, ...}) and nothing else
  -h, --help      this help`;

/** `argv` is what follows `bench step`. Returns the exit code. */
export async function runBenchStep(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'bench step',
    argv,
    {
      model: { type: 'string' },
      backend: { type: 'string' },
      batch: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      threads: { type: 'string' },
      stock: { type: 'boolean' },
      freeze: { type: 'string' },
      'rank-policy': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  const { values } = parsed;
  if (values.help) {
    console.log(BENCH_STEP_USAGE);
    return 0;
  }
  const model = (values.model ?? 'toy') as BenchModelName;
  if (!BENCH_MODELS.includes(model))
    throw new UserError(`bench step: unknown --model '${values.model}'; use one of ${BENCH_MODELS.join(', ')}.`);
  const requested = (values.backend ?? 'auto') as BackendRequest;
  if (!BACKEND_REQUESTS.includes(requested))
    throw new UserError(`bench step: unknown --backend '${values.backend}'; use one of ${BACKEND_REQUESTS.join(', ')}.`);
  const batch = positiveInt('bench step', 'batch', values.batch, 64);
  const steps = positiveInt('bench step', 'steps', values.steps, 10);
  const warmup = positiveInt('bench step', 'warmup', values.warmup, 2, 0);

  const threads = values.threads === undefined ? undefined : positiveInt('bench step', 'threads', values.threads, 1);
  if (values.stock && threads !== undefined && threads > 1)
    throw new UserError('bench step: --stock measures the backend as shipped; leave out --threads.');
  const freezeSpec = parseFreeze(values.freeze ?? 'none', 'bench step: --freeze');
  const policyText = values['rank-policy'] ?? 'ratio:0.25';
  const policy = parseRankPolicy(policyText);
  const setup = await setupBackend(requested, { wasmThreads: threads });
  if (values.stock) restoreStockKernels(setup.backend);
  if (freezeSpec.kind === 'sequential') {
    try {
      return await benchStepFrozen({ model, batch, steps, warmup, policyText, policy, json: values.json === true, setup });
    } finally {
      await disableWasmPool();
    }
  }
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
    threadsReason: setup.threadsReason,
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
    ...(setup.threadsReason ? [['threads', `${setup.threads} (${setup.threadsReason})`] as [string, string]] : []),
    ['steps', `${steps} timed after ${warmup} warm-up`],
    ['ms/step (median)', `${result.msPerStep} (min ${result.msMin}, max ${result.msMax})`],
    ['images/s', String(result.imagesPerSecond)],
  ];
  for (const f of setup.fallbacks) rows.push(['fallback', f]);
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  return 0;
}

/** --freeze sequential: the bench model decomposed, timed with each factor group trainable in turn. */
async function benchStepFrozen(o: {
  model: BenchModelName;
  batch: number;
  steps: number;
  warmup: number;
  policyText: string;
  policy: RankPolicy;
  json: boolean;
  setup: BackendSetup;
}): Promise<number> {
  const original = buildBenchModel(o.model);
  const dec = await decomposeModel(original, { policy: o.policy });
  original.dispose();
  const decomposed = dec.layers.filter((l) => !l.skipped).length;
  try {
    if (!decomposed)
      throw new UserError(`bench step: --freeze: ${o.policyText} decomposes no layer of ${o.model}; try another --model or --rank-policy`);
    const b = await benchFreezing(dec.model, o);
    const result = {
      model: o.model,
      batch: o.batch,
      steps: o.steps,
      warmup: o.warmup,
      rankPolicy: o.policyText,
      decomposedLayers: decomposed,
      backend: o.setup.backend,
      device: o.setup.device,
      threads: o.setup.threads,
      threadsReason: o.setup.threadsReason,
      freeze: b,
    };
    if (o.json) {
      console.log(JSON.stringify(result));
      return 0;
    }
    console.log(`model    ${o.model} (batch ${o.batch}), ${o.policyText}: ${decomposed} layers decomposed`);
    console.log(
      `backend  ${o.setup.backend} on ${o.setup.device}${o.setup.threadsReason ? `; threads: ${o.setup.threads} (${o.setup.threadsReason})` : ''}`,
    );
    console.log(`steps    ${o.steps} timed per row, alternating, after ${o.warmup} warm-up\n`);
    console.log(formatFreezeBench(b));
    return 0;
  } finally {
    dec.model.dispose();
  }
}
