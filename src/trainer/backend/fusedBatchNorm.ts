// Batch normalisation in training, fused for the CPU backends (wasm, cpu): tfjs's layer computes
// the batch moments and the normalisation as ~10 separate ops forward and ~25 backward, each a
// full pass over the activation (profile of small-cnn at batch 64 on wasm: elementwise +
// reductions ≈ a third of the step). Here the forward is one kernel — a sweep for per-channel
// sum and sum of squares (float64), a sweep writing y = x·a + b — and the backward one kernel —
// a sweep for Σdy and Σdy·x̂, a sweep writing dx = γ·rstd·(dy − Σdy/M − x̂·Σdy·x̂/M). Same maths
// as tfjs (biased batch variance; the moving averages are updated as the layer does), rounding
// aside. The layer's `call` is patched while tucker-train's kernels are registered for the active
// backend; inference, other axes and layers without centre/scale take the stock path.
import * as tf from '@tensorflow/tfjs';
import { isHeapBackend } from './kernels/common';
import { channelAffineTensor, channelSums, channelSweepsApply } from './channelSweeps';

const values = (t: tf.Tensor): Float32Array => t.dataSync() as Float32Array;

/** Views of `inputs` and fresh outputs, run `fill`, return the outputs as tensors (wasm: in its heap, no copies). */
function compute(inputs: tf.Tensor[], outShapes: number[][], fill: (outs: Float32Array[], ins: Float32Array[]) => void): tf.Tensor[] {
  const be = tf.backend();
  if (tf.getBackend() === 'wasm' && isHeapBackend(be)) {
    const outs = outShapes.map((s) => be.makeOutput(s, 'float32'));
    // Views after every allocation: a later one could grow (detach) the heap.
    fill(
      outs.map((o) => be.typedArrayFromHeap(o)),
      inputs.map((t) => be.typedArrayFromHeap(t)),
    );
    return outs.map((o) => tf.engine().makeTensorFromTensorInfo(o));
  }
  const outs = outShapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
  fill(
    outs,
    inputs.map((t) => t.dataSync() as Float32Array),
  );
  return outs.map((o, i) => tf.tensor(o, outShapes[i], 'float32'));
}

/** Per-channel batch mean and (biased, as tf.moments) variance over every axis but the last: one sweep, float64 sums. */
export function batchMoments(x: tf.Tensor): [tf.Tensor1D, tf.Tensor1D] {
  const c = x.shape[x.rank - 1];
  const m = x.size / c;
  const sums = channelSums(x, x);
  if (sums) {
    const [s, s2] = sums;
    const mo = new Float32Array(c),
      vo = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      const mu = s[k] / m;
      mo[k] = mu;
      vo[k] = Math.max(0, s2[k] / m - mu * mu);
    }
    return [tf.tensor1d(mo), tf.tensor1d(vo)];
  }
  const [mean, variance] = compute([x], [[c], [c]], ([mo, vo], [xi]) => {
    const s = new Float64Array(c),
      s2 = new Float64Array(c);
    for (let i = 0, at = 0; i < m; i++, at += c)
      for (let k = 0; k < c; k++) {
        const v = xi[at + k];
        s[k] += v;
        s2[k] += v * v;
      }
    for (let k = 0; k < c; k++) {
      const mu = s[k] / m;
      mo[k] = mu;
      vo[k] = Math.max(0, s2[k] / m - mu * mu);
    }
  });
  return [mean as tf.Tensor1D, variance as tf.Tensor1D];
}

/** y = (x − μ)·γ/√(σ² + ε) + β in one sweep (as y = x·a + b per channel). */
export function batchNormApply(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  eps: number,
): tf.Tensor {
  const c = x.shape[x.rank - 1];
  const m = x.size / c;
  if (channelSweepsApply(c)) {
    const [g, b, mu, va] = [gamma, beta, mean, variance].map(values);
    const a = new Float32Array(c),
      sh = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      a[k] = g[k] / Math.sqrt(va[k] + eps);
      sh[k] = b[k] - mu[k] * a[k];
    }
    const y = channelAffineTensor(x, null, a, null, sh);
    if (y) return y;
  }
  return compute([x, gamma, beta, mean, variance], [x.shape], ([yo], [xi, g, b, mu, va]) => {
    const a = new Float32Array(c),
      sh = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      a[k] = g[k] / Math.sqrt(va[k] + eps);
      sh[k] = b[k] - mu[k] * a[k];
    }
    for (let i = 0, at = 0; i < m; i++, at += c) for (let k = 0; k < c; k++) yo[at + k] = xi[at + k] * a[k] + sh[k];
  })[0];
}

/** dx, dγ, dβ of batchNormApply's y with the batch's own moments, for an upstream gradient dy: two sweeps. */
export function batchNormBackward(
  dy: tf.Tensor,
  x: tf.Tensor,
  gamma: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  eps: number,
): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  const c = x.shape[x.rank - 1];
  const m = x.size / c;
  const sums = channelSums(dy, x);
  if (sums) {
    // Σdy and Σdy·x in one sweep; Σdy·x̂ = (Σdy·x − μ·Σdy)·rstd. Then
    // dx = γ·rstd·(dy − Σdy/M − x̂·Σdy·x̂/M) = dy·p + x·q + s per channel.
    const [sd, sdxRaw] = sums;
    const [g, mu, va] = [gamma, mean, variance].map(values);
    const p = new Float32Array(c),
      q = new Float32Array(c),
      s = new Float32Array(c),
      dgo = new Float32Array(c),
      dbo = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      const rstd = 1 / Math.sqrt(va[k] + eps);
      const sdx = (sdxRaw[k] - mu[k] * sd[k]) * rstd;
      const a = g[k] * rstd,
        r = (rstd * sdx) / m;
      dgo[k] = sdx;
      dbo[k] = sd[k];
      p[k] = a;
      q[k] = -a * r;
      s[k] = a * (mu[k] * r - sd[k] / m);
    }
    const dx = channelAffineTensor(dy, x, p, q, s);
    if (dx) return [dx, tf.tensor1d(dgo), tf.tensor1d(dbo)];
  }
  const [dx, dg, db] = compute([dy, x, gamma, mean, variance], [x.shape, [c], [c]], ([dxo, dgo, dbo], [d, xi, g, mu, va]) => {
    const rstd = new Float64Array(c);
    for (let k = 0; k < c; k++) rstd[k] = 1 / Math.sqrt(va[k] + eps);
    const sd = new Float64Array(c),
      sdx = new Float64Array(c);
    for (let i = 0, at = 0; i < m; i++, at += c)
      for (let k = 0; k < c; k++) {
        const dv = d[at + k];
        sd[k] += dv;
        sdx[k] += dv * (xi[at + k] - mu[k]) * rstd[k];
      }
    const a = new Float32Array(c),
      b = new Float32Array(c),
      mu32 = new Float32Array(c),
      r32 = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      dgo[k] = sdx[k];
      dbo[k] = sd[k];
      a[k] = g[k] * rstd[k];
      b[k] = sd[k] / m;
      mu32[k] = mu[k];
      r32[k] = (rstd[k] * sdx[k]) / m;
    }
    // dx = γ·rstd·(dy − Σdy/M − x̂·Σdy·x̂/M), x̂ = (x − μ)·rstd
    for (let i = 0, at = 0; i < m; i++, at += c)
      for (let k = 0; k < c; k++) dxo[at + k] = a[k] * (d[at + k] - b[k] - (xi[at + k] - mu32[k]) * r32[k]);
  });
  return [dx, dg as tf.Tensor1D, db as tf.Tensor1D];
}

/**
 * y = BN(x) in training with its fused gradient, and the batch mean and variance (for the moving
 * averages). The moments are computed outside the gradient function (tensors made inside it are
 * disposed with it) and saved for the backward sweep.
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  const [mean, variance] = batchMoments(x);
  const f = tf.customGrad((xi, g, b, save) => {
    (save as tf.GradSaveFunc)([xi as tf.Tensor, g as tf.Tensor, mean, variance]);
    return {
      value: batchNormApply(xi as tf.Tensor, g as tf.Tensor, b as tf.Tensor, mean, variance, eps),
      gradFunc: (dy, saved) => {
        const [sx, sg, sm, sv] = saved;
        return batchNormBackward(dy as tf.Tensor, sx, sg, sm, sv, eps);
      },
    };
  });
  return [f(x, gamma, beta), mean, variance];
}

interface BatchNormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): tf.Tensor } | null;
  beta: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor; write(t: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(t: tf.Tensor): void };
}

type Call = (this: unknown, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];
let stockCall: Call | null = null;

/**
 * Makes BatchNormalization layers use the fused kernels in training while `active(backend)` says
 * so (tucker-train's kernels registered there). Idempotent; returns whether it is patched.
 */
export function patchBatchNormLayer(active: (backendName: string) => boolean): boolean {
  if (stockCall) return true;
  const proto = Object.getPrototypeOf(tf.layers.batchNormalization({})) as { call: Call };
  const stock = proto.call;
  stockCall = stock;
  proto.call = function (this: unknown, inputs, kwargs) {
    const layer = this as BatchNormInternals;
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
    const last = layer.axis === -1 || layer.axis === x.rank - 1;
    if (!kwargs?.training || !last || !layer.center || !layer.scale || !layer.gamma || !layer.beta || !active(tf.getBackend()))
      return stock.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, variance] = batchNormTraining(x, layer.gamma!.read(), layer.beta!.read(), layer.epsilon);
      // As the stock layer: moving ← moving − (moving − batch)·(1 − momentum).
      for (const [v, batch] of [
        [layer.movingMean, mean],
        [layer.movingVariance, variance],
      ] as const)
        tf.tidy(() => {
          const old = v.read();
          v.write(tf.sub(old, tf.mul(tf.sub(old, batch), 1 - layer.momentum)));
        });
      return y;
    });
  };
  return true;
}
