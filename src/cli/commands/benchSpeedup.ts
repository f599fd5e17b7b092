// `tucker-train bench speedup`: original vs Tucker-decomposed training-step time of a zoo model
// (or a trained checkpoint), timed alternately in one process, against eq. 11's prediction.
import { parseCommandArgs, positiveInt } from '../args';
import { UserError } from '../../core/userError';
import { BACKEND_REQUESTS, setupBackend, type BackendRequest } from '../../trainer/backend/setup';
import { disableWasmPool } from '../../trainer/backend/wasmPool';
import { summarizeTimings, type StepTiming } from '../../bench/stepBench';
import type { StepProfile } from '../../bench/kernelProfile';
import { benchFreezing, formatFreezeBench } from '../../bench/freezeBench';
import { parseFreeze } from '../../trainer/freezing';
import { checkQuantizeWithDecide, parseDecide, parseQuantize } from '../../trainer/decideSettings';
import { decomposeOptionsFor } from '../../trainer/decomposeOptions';
import { layerDecisionTable } from '../../runs/layerText';

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
  --quantize N|auto round ranks up to a multiple of N (capped at full rank); auto: what --decide
                    measured does without it (the policy's ranks and ranks rounded up to 8, timed)
  --decide measured|flops   measured (default): time each layer's forward + backward as it is and
                    decomposed at this batch size, keep the fastest (dense unless ≥ 5 % faster);
                    flops: decompose wherever the ranks save. Prints the per-layer decisions
  --decompose-pointwise     also split 1×1 convolutions by SVD
  --decompose-dense         also split Dense layers by SVD
  --backend B       ${BACKEND_REQUESTS.join(', ')} (default auto)
  --threads N       wasm: threads for convolutions (default: the cores available, or
                    TUCKER_TRAIN_WASM_THREADS)
  --freeze sequential  also time the decomposed model with only one factor group trainable
                    (first 1×1, core, last 1×1) and print the throughput of frozen epochs
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
  const parsed = parseCommandArgs(
    'bench speedup',
    argv,
    {
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
      freeze: { type: 'string' },
      decide: { type: 'string' },
      'decompose-pointwise': { type: 'boolean' },
      'decompose-dense': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  const { values } = parsed;
  if (values.help) {
    console.log(BENCH_SPEEDUP_USAGE);
    return 0;
  }
  const [{ buildZooModel, isZooName, ZOO_NAMES }, { decomposeModel }, { parseRankPolicy }, { timeTrainSteps }] = await Promise.all([
    import('../../trainer/zoo/index'),
    import('../../trainer/surgery'),
    import('../../core/rankPolicy'),
    import('../../bench/stepBench'),
  ]);
  const checkpoint = values.checkpoint;
  const modelName = checkpoint ?? values.model ?? 'vgg19';
  if (!checkpoint && !isZooName(modelName))
    throw new UserError(`bench speedup: unknown --model '${modelName}'; use one of ${ZOO_NAMES.join(', ')}, or --checkpoint model.json.`);
  const width = values.width === undefined ? 1 : Number(values.width);
  if (!(width > 0) || !Number.isFinite(width)) throw new UserError(`bench speedup: --width '${values.width}' must be a positive number.`);
  const policyText = values['rank-policy'] ?? (checkpoint ? 'vbmf' : 'ratio:0.25');
  parseRankPolicy(policyText); // refuses a bad --rank-policy before the backend starts
  const quantize = parseQuantize(values.quantize, 'bench speedup: --quantize');
  const decide = parseDecide(values.decide ?? 'measured', 'bench speedup: --decide');
  checkQuantizeWithDecide(quantize, decide, 'bench speedup: --quantize');
  const requested = (values.backend ?? 'auto') as BackendRequest;
  if (!BACKEND_REQUESTS.includes(requested))
    throw new UserError(`bench speedup: unknown --backend '${values.backend}'; use one of ${BACKEND_REQUESTS.join(', ')}.`);
  const threads = values.threads === undefined ? undefined : positiveInt('bench speedup', 'threads', values.threads, 1);
  const batch = positiveInt('bench speedup', 'batch', values.batch, 32);
  const steps = positiveInt('bench speedup', 'steps', values.steps, 7);
  const warmup = positiveInt('bench speedup', 'warmup', values.warmup, 1, 0);

  const freezeSpec = parseFreeze(values.freeze ?? 'none', 'bench speedup: --freeze');
  const setup = await setupBackend(requested, { wasmThreads: threads });
  if (values.profile && setup.used === 'webgpu')
    throw new UserError(
      'bench speedup: --profile times kernels on the CPU thread, but webgpu runs them asynchronously on the GPU; leave out --profile.',
    );
  try {
    const original = checkpoint
      ? await (await import('../../trainer/modelIO')).loadModel(checkpoint)
      : buildZooModel(modelName, { inputShape: [32, 32, 3], numClasses: 10, seed: 1, width });
    const t0 = performance.now();
    const dec = await decomposeModel(
      original,
      decomposeOptionsFor({
        rankPolicy: policyText,
        quantize,
        batchSize: batch,
        decide,
        decomposePointwise: values['decompose-pointwise'] === true,
        decomposeDense: values['decompose-dense'] === true,
      }),
    );
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
    const freeze = freezeSpec.kind === 'sequential' ? await benchFreezing(dec.model, { batch, steps, warmup }) : undefined;
    let profile: { original: StepProfile; decomposed: StepProfile } | undefined;
    if (values.profile) {
      // After the timing: the per-kernel wrappers add a little time to every kernel call.
      const { profileTrainSteps, uninstallKernelProfiler } = await import('../../bench/kernelProfile');
      try {
        profile = {
          original: await profileTrainSteps(original, { batch, steps: 1 }),
          decomposed: await profileTrainSteps(dec.model, { batch, steps: 1 }),
        };
      } finally {
        uninstallKernelProfiler(setup.backend);
      }
    }
    original.dispose();
    dec.model.dispose();
    const result = {
      model: modelName,
      width,
      batch,
      steps,
      warmup,
      backend: setup.backend,
      device: setup.device,
      threads: setup.threads,
      rankPolicy: policyText,
      quantize,
      decide,
      decomposePointwise: values['decompose-pointwise'] === true,
      decomposeDense: values['decompose-dense'] === true,
      layers: dec.layers.map((l) => ({
        name: l.name,
        kernel: l.kernel,
        k1: l.k1,
        k2: l.k2,
        rank: l.rank,
        skipped: l.skipped,
        measured: l.measured ?? null,
      })),
      checkpoint: checkpoint ?? null,
      decomposedLayers: dec.layers.filter((l) => !(l as { skipped?: unknown }).skipped).length,
      paramsBefore: dec.paramsBefore,
      paramsAfter: dec.paramsAfter,
      decomposeSeconds: Math.round(decomposeSeconds * 100) / 100,
      original: before,
      decomposed: after,
      measuredSpeedup: Math.round((before.msPerStep / after.msPerStep) * 100) / 100,
      predictedSpeedup: Math.round((dec.convMacsBefore / dec.convMacsAfter) * 100) / 100,
      convMacsBefore: dec.convMacsBefore,
      convMacsAfter: dec.convMacsAfter,
      ...(profile ? { profile } : {}),
      threadsReason: setup.threadsReason,
      ...(freeze ? { freeze } : {}),
    };
    if (values.json) {
      console.log(JSON.stringify(result));
      return 0;
    }
    const rows: [string, string][] = [
      ['model', checkpoint ? `${checkpoint} (batch ${batch})` : `${modelName} (width ${width}, batch ${batch}, input 32×32×3)`],
      ['backend', `${result.backend} on ${result.device}`],
      [
        'rank policy',
        `${result.rankPolicy}${quantize ? `, quantize ${quantize}` : ''}: ${result.decomposedLayers} layers decomposed in ${result.decomposeSeconds} s`,
      ],
      ['params', `${result.paramsBefore} → ${result.paramsAfter}`],
      ['ms/step original', `${before.msPerStep} (min ${before.msMin})`],
      ['ms/step decomposed', `${after.msPerStep} (min ${after.msMin})`],
      ['speedup measured', `${result.measuredSpeedup}×`],
      [
        'speedup eq. 11',
        `${result.predictedSpeedup}× (conv multiply-accumulates ${(dec.convMacsBefore / 1e6).toFixed(0)} M → ${(dec.convMacsAfter / 1e6).toFixed(0)} M per image); measured is ${Math.round((100 * result.measuredSpeedup) / result.predictedSpeedup)} % of it`,
      ],
    ];
    if (setup.threadsReason) rows.splice(2, 0, ['threads', `${setup.threads} (${setup.threadsReason})`]);
    const w = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
    console.log(
      `\nper layer (${decide === 'measured' ? `forward + backward at batch ${batch}, median` : 'decided by FLOPs'}):\n${layerDecisionTable(dec.layers)}`,
    );
    if (freeze) console.log(`\nsequential freezing, decomposed ${modelName}:\n${formatFreezeBench(freeze)}`);
    if (profile) {
      const { formatProfile } = await import('../../bench/kernelProfile');
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
