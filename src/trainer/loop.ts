// One epoch of training and one pass of evaluation, on batches cut from in-memory data.
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Split } from './data';
import { augmentBatch } from './data/augment';
import { shuffledIndices } from './data/split';
import type { Sgd } from './sgd';
import { StopRequested } from './stopRequested';

interface Rng {
  uniform(): number;
}

export interface StepProgress {
  step: number; // within the epoch, 1-based
  steps: number;
  loss: number; // running mean over the epoch so far
  accuracy: number;
  imagesPerSecond: number;
  /** This step alone (steps.jsonl averages them over its window). */
  batchLoss: number;
  batchCorrect: number;
  batchImages: number;
}

export interface EpochResult {
  loss: number;
  accuracy: number;
  images: number;
  seconds: number;
  steps: number;
  stopped: boolean; // ended early because shouldStop() said so
}

/** Whether the model ends in a softmax (user models) or gives logits (our zoo). */
export function outputsProbabilities(model: tf.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  const cfg = last.getConfig() as { activation?: string };
  return cfg.activation === 'softmax';
}

function lossOf(out: tf.Tensor, labels: tf.Tensor, probs: boolean): tf.Scalar {
  return probs
    ? (tf.metrics.categoricalCrossentropy(labels, out).mean() as tf.Scalar)
    : (tf.losses.softmaxCrossEntropy(labels, out) as tf.Scalar);
}

function gatherBatch(split: Split, idx: Uint32Array, from: number, n: number, size: number): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = idx[from + i];
    x.set(split.x.subarray(k * size, (k + 1) * size), i * size);
    y[i] = split.y[k];
  }
  return { x, y };
}

/** Lets signals and IPC messages (stop) in between two steps: the steps themselves are synchronous. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainEpoch(
  model: tf.LayersModel,
  data: Dataset,
  opt: Sgd,
  batchSize: number,
  rng: Rng,
  hooks: {
    onStep?: (p: StepProgress) => void;
    shouldStop?: () => boolean;
    /** Sequential freezing (freezing.ts): weights that get neither a gradient nor an update this epoch. */
    frozen?: ReadonlySet<tf.Variable>;
  } = {},
): Promise<EpochResult> {
  const [h, w, c] = data.inputShape;
  const size = h * w * c;
  const order = shuffledIndices(data.train.n, rng);
  const steps = Math.ceil(data.train.n / batchSize);
  const probs = outputsProbabilities(model);
  // Frozen weights are no gradient sources: the tape prunes their filter-gradient branches.
  const vars = model.trainableWeights.map((lw) => lw.read() as tf.Variable).filter((v) => !hooks.frozen?.has(v));
  let lossSum = 0,
    correct = 0,
    seen = 0;
  const t0 = performance.now();
  let step = 0;
  for (; step < steps; step++) {
    await yieldToEventLoop();
    if (hooks.shouldStop?.()) break;
    const n = Math.min(batchSize, data.train.n - step * batchSize);
    const batch = gatherBatch(data.train, order, step * batchSize, n, size);
    if (data.augment) augmentBatch(batch.x, n, h, w, c, rng, data.augment.pad, data.augment.flip);
    const [lossT, correctT] = tf.tidy(() => {
      const xs = tf.tensor4d(batch.x, [n, h, w, c]);
      const ys = tf.oneHot(tf.tensor1d(batch.y, 'int32'), data.numClasses);
      let out: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        out = tf.keep(model.apply(xs, { training: true }) as tf.Tensor); // variableGrads disposes the rest
        return lossOf(out, ys, probs);
      }, vars);
      const byVar = new Map<tf.Variable, tf.Tensor>();
      for (const v of vars) byVar.set(v, grads[v.name]);
      opt.apply(byVar);
      const hits = tf.equal(tf.argMax(out!, -1), tf.tensor1d(batch.y, 'int32')).sum();
      out!.dispose();
      return [tf.keep(value), tf.keep(hits)];
    });
    // Asynchronous reads: WebGPU in Node has no synchronous read-back (docs/design.md §7.2).
    const loss = (await lossT.data())[0];
    const hits = (await correctT.data())[0];
    tf.dispose([lossT, correctT]);
    lossSum += loss * n;
    correct += hits;
    seen += n;
    if (!Number.isFinite(loss)) {
      throw new NonFiniteLossError(
        `the training loss became ${loss} at step ${step + 1} of the epoch; lower --lr (now ${opt.lr}) or check the data`,
      );
    }
    hooks.onStep?.({
      step: step + 1,
      steps,
      loss: lossSum / seen,
      accuracy: correct / seen,
      imagesPerSecond: seen / ((performance.now() - t0) / 1000),
      batchLoss: loss,
      batchCorrect: hits,
      batchImages: n,
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    loss: seen ? lossSum / seen : NaN,
    accuracy: seen ? correct / seen : NaN,
    images: seen,
    seconds,
    steps: step,
    stopped: step < steps,
  };
}

export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';
}

/** Summed loss and correct predictions of `n` samples starting at `from`. */
async function evaluateBatch(
  model: tf.LayersModel,
  split: Split,
  from: number,
  n: number,
  inputShape: [number, number, number],
  numClasses: number,
  probs: boolean,
): Promise<{ lossSum: number; correct: number }> {
  const [h, w, c] = inputShape;
  const size = h * w * c;
  const [l, k] = tf.tidy(() => {
    const xs = tf.tensor4d(split.x.subarray(from * size, (from + n) * size), [n, h, w, c]);
    const labels = tf.tensor1d(split.y.subarray(from, from + n), 'int32');
    const out = model.apply(xs, { training: false }) as tf.Tensor;
    const loss = lossOf(out, tf.oneHot(labels, numClasses), probs).mul(n);
    return [loss, tf.equal(tf.argMax(out, -1), labels).sum()];
  });
  const r = { lossSum: (await l.data())[0], correct: (await k.data())[0] };
  tf.dispose([l, k]);
  return r;
}

/**
 * Loss and accuracy of `model` on `split`, in batches, giving the event loop a turn between them
 * so a stop request gets in: throws StopRequested when `shouldStop` says so (a stop during
 * validation, docs/design.md §4.3).
 */
export async function evaluateStoppable(
  model: tf.LayersModel,
  split: Split,
  inputShape: [number, number, number],
  numClasses: number,
  shouldStop: (() => boolean) | undefined,
  batchSize = 256,
): Promise<{ loss: number; accuracy: number }> {
  const probs = outputsProbabilities(model);
  let lossSum = 0,
    correct = 0;
  for (let from = 0; from < split.n; from += batchSize) {
    await yieldToEventLoop();
    if (shouldStop?.()) throw new StopRequested('stopped during validation');
    const r = await evaluateBatch(model, split, from, Math.min(batchSize, split.n - from), inputShape, numClasses, probs);
    lossSum += r.lossSum;
    correct += r.correct;
  }
  return { loss: lossSum / split.n, accuracy: correct / split.n };
}

/** Forward pass on a fixed batch, for checking that surgery preserves the network's function. */
export async function predictBatch(
  model: tf.LayersModel,
  x: Float32Array,
  n: number,
  inputShape: [number, number, number],
): Promise<Float32Array> {
  const out = tf.tidy(() => model.apply(tf.tensor4d(x, [n, ...inputShape]), { training: false }) as tf.Tensor);
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}
