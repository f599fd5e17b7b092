// Forward + backward time of one layer in its possible forms (as it is, Tucker-2 block, SVD split)
// on the active backend at the run's batch size: what `--decide measured` compares
// (docs/design.md §5.7). Random weights: the time depends on the shapes, not the values.
import * as tf from '@tensorflow/tfjs';
import { median } from '../bench/stepBench';

/** One layer of a form, applied in order (channels-last). */
export type LayerStage =
  | {
      kind: 'conv';
      kh: number;
      kw: number;
      filters: number;
      strides: [number, number];
      padding: 'same' | 'valid';
      dilation: [number, number];
      bias: boolean;
    }
  | { kind: 'dense'; units: number; bias: boolean };

export interface LayerForm {
  /** The input of one example: [H, W, C] for a conv, [..., in] for a dense layer. */
  input: number[];
  stages: LayerStage[];
}

/** Times forms of one layer; injectable, so the decision is tested with given timings. */
export interface LayerTimer {
  /** Median ms of forward + backward (input and weight gradients) per form, in the order given. */
  time(forms: readonly LayerForm[]): Promise<number[]>;
}

export interface TimerOptions {
  batch: number;
  /** Untimed repetitions of each form first (kernel set-up, shader compilation). */
  warmup?: number;
  /** Timed repetitions per form at most, alternating between the forms. */
  reps?: number;
  /** Stop repeating (after at least 3) once this many ms went into the timed repetitions of a layer. */
  budgetMs?: number;
}

interface Built {
  run: () => Promise<void>;
  dispose: () => void;
}

function build(form: LayerForm, batch: number, seed: number): Built {
  const x = tf.randomUniform([batch, ...form.input], -1, 1, 'float32', seed);
  const weights: tf.Tensor[] = [];
  let channels = form.input[form.input.length - 1];
  for (const [i, s] of form.stages.entries()) {
    const shape = s.kind === 'conv' ? [s.kh, s.kw, channels, s.filters] : [channels, s.units];
    const out = s.kind === 'conv' ? s.filters : s.units;
    weights.push(tf.randomUniform(shape, -0.1, 0.1, 'float32', seed + 2 * i + 1));
    weights.push(s.bias ? tf.zeros([out]) : tf.scalar(0)); // a placeholder keeps the indices fixed
    channels = out;
  }
  const forward = (input: tf.Tensor, ...ws: tf.Tensor[]): tf.Tensor => {
    let y = input;
    form.stages.forEach((s, i) => {
      const w = ws[2 * i],
        b = ws[2 * i + 1];
      if (s.kind === 'conv') y = tf.conv2d(y as tf.Tensor4D, w as tf.Tensor4D, s.strides, s.padding, 'NHWC', s.dilation);
      else y = tf.matMul(y.reshape([-1, y.shape[y.shape.length - 1]]), w as tf.Tensor2D).reshape([...y.shape.slice(0, -1), s.units]);
      if (s.bias) y = tf.add(y, b);
    });
    return tf.sum(y);
  };
  // Gradients for the input and every kernel (biases are cheap and the same in every form).
  const kernels = weights.filter((_w, i) => i % 2 === 0);
  const grads = tf.grads((input: tf.Tensor, ...ks: tf.Tensor[]) => forward(input, ...ks.flatMap((k, i) => [k, weights[2 * i + 1]])));
  return {
    run: async () => {
      const gs = tf.tidy(() => grads([x, ...kernels]));
      // Reading every gradient waits for the GPU queue too (webgpu); on the CPU they are done already.
      await Promise.all(gs.map((g) => g.data()));
      tf.dispose(gs);
    },
    dispose: () => tf.dispose([x, ...weights]),
  };
}

/** The tfjs timer: alternating repetitions of every form, so a change of machine load hits all alike. */
export function backendLayerTimer(opts: TimerOptions): LayerTimer {
  const warmup = opts.warmup ?? 1;
  const reps = opts.reps ?? 5;
  const budget = opts.budgetMs ?? 2000;
  // Layers of the same shape (most of VGG19's and ResNet56's) are timed once: the same decision for
  // all of them, and a decomposition that does not time 27 identical layers one by one.
  const seen = new Map<string, number[]>();
  return {
    async time(forms) {
      const key = JSON.stringify(forms);
      const known = seen.get(key);
      if (known) return [...known];
      const result = await timeForms(forms);
      seen.set(key, result);
      return [...result];
    },
  };

  async function timeForms(forms: readonly LayerForm[]): Promise<number[]> {
    const built = forms.map((f, i) => build(f, opts.batch, 17 + 31 * i));
    try {
      for (let w = 0; w < warmup; w++) for (const b of built) await b.run();
      const times: number[][] = forms.map(() => []);
      let spent = 0;
      for (let r = 0; r < reps && (r < 3 || spent < budget); r++) {
        for (const [i, b] of built.entries()) {
          const t0 = performance.now();
          await b.run();
          const dt = performance.now() - t0;
          times[i].push(dt);
          spent += dt;
        }
      }
      return times.map((t) => median(t));
    } finally {
      for (const b of built) b.dispose();
    }
  }
}
