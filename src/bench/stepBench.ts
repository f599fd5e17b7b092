// Timing of one training step (forward, backward, SGD update) of a small CNN on the active
// backend: the measurement behind `tucker-train bench step`.
import * as tf from '@tensorflow/tfjs';

import { buildZooModel, ZOO_NAMES, type ZooName } from '../trainer/zoo';

export type BenchModelName = 'toy' | ZooName;
export const BENCH_MODELS: readonly BenchModelName[] = ['toy', ...ZOO_NAMES];

/**
 * `toy`: conv 3→32 3×3 same + ReLU, conv 32→64 3×3 same + ReLU, max-pool 2, flatten, dense 10,
 * input 32×32×3.
 */
export function buildToy(seed = 1): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed * 100 + s });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [32, 32, 3],
        filters: 32,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: init(3) }),
    ],
  });
}

/** `toy`, or a zoo model at its paper size: small-cnn on 28×28×1 digits, the rest on 32×32×3. */
export function buildBenchModel(name: BenchModelName, seed = 1): tf.LayersModel {
  if (name === 'toy') return buildToy(seed);
  return buildZooModel(name, { inputShape: name === 'small-cnn' ? [28, 28, 1] : [32, 32, 3], numClasses: 10, seed });
}

/** One SGD training step (of `varList` only, when given); returns the loss as a tensor the caller disposes. */
export function trainStep(model: tf.LayersModel, opt: tf.Optimizer, x: tf.Tensor, y: tf.Tensor, varList?: tf.Variable[]): tf.Scalar {
  return opt.minimize(
    () => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    },
    true,
    varList,
  ) as tf.Scalar;
}

export interface StepTiming {
  /** Median over the timed steps. */
  msPerStep: number;
  msMin: number;
  msMax: number;
  imagesPerSecond: number;
  /** Tensors alive after the last step minus before the first timed step, per step (0 = no leak). */
  tensorLeakPerStep: number;
}

export interface StepBenchResult extends StepTiming {
  model: string;
  backend: string;
  batch: number;
  warmup: number;
  steps: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times SGD training steps of `model` (softmax cross-entropy on synthetic data) on the active
 * backend. The model is trained in place and not disposed.
 */
export async function timeTrainSteps(
  model: tf.LayersModel,
  opts: { batch: number; steps: number; warmup: number; frozen?: ReadonlySet<tf.Variable> },
): Promise<StepTiming> {
  const frozen = opts.frozen;
  const varList = frozen ? model.trainableWeights.map((w) => w.read() as tf.Variable).filter((v) => !frozen.has(v)) : undefined;
  const opt = tf.train.sgd(0.01);
  const inShape = model.inputs[0].shape.slice(1) as number[];
  const classes = (model.outputs[0].shape[1] as number) ?? 10;
  const x = tf.randomUniform([opts.batch, ...inShape], 0, 1, 'float32', 7);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([opts.batch], 0, classes, 'int32', 8) as tf.Tensor1D, classes).toFloat());
  const run = async (): Promise<number> => {
    const t0 = performance.now();
    const loss = trainStep(model, opt, x, y, varList);
    await loss.data(); // waits for the whole step (wasm/cpu are synchronous anyway)
    loss.dispose();
    return performance.now() - t0;
  };
  try {
    for (let i = 0; i < opts.warmup; i++) await run();
    const before = tf.memory().numTensors;
    const times: number[] = [];
    for (let i = 0; i < opts.steps; i++) times.push(await run());
    const after = tf.memory().numTensors;
    const ms = median(times);
    return {
      msPerStep: round(ms),
      msMin: round(Math.min(...times)),
      msMax: round(Math.max(...times)),
      imagesPerSecond: round((opts.batch * 1000) / ms),
      tensorLeakPerStep: opts.steps ? (after - before) / opts.steps : 0,
    };
  } finally {
    x.dispose();
    y.dispose();
    opt.dispose();
  }
}

/** Times `steps` training steps after `warmup` of a bench model on the active backend (set it up first). */
export async function benchTrainStep(opts: {
  model: BenchModelName;
  batch: number;
  steps: number;
  warmup: number;
  seed?: number;
}): Promise<StepBenchResult> {
  const model = buildBenchModel(opts.model, opts.seed ?? 1);
  try {
    const t = await timeTrainSteps(model, opts);
    return { model: opts.model, backend: tf.getBackend(), batch: opts.batch, warmup: opts.warmup, steps: opts.steps, ...t };
  } finally {
    model.dispose();
  }
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Median and range of single-step timings taken one at a time. */
export function summarizeTimings(ts: StepTiming[], batch: number): StepTiming {
  const ms = ts.map((t) => t.msPerStep);
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const med = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const r = (v: number) => Math.round(v * 10) / 10;
  return {
    msPerStep: r(med),
    msMin: r(sorted[0]),
    msMax: r(sorted[sorted.length - 1]),
    imagesPerSecond: r((batch * 1000) / med),
    tensorLeakPerStep: ts.reduce((n, t) => n + t.tensorLeakPerStep, 0) / ts.length,
  };
}
