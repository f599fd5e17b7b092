// Frobenius decay on a Tucker block's product: the penalty against an explicit float64 merge, its
// gradient against central finite differences, and the SGD step using it instead of weight decay.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { factorDecayGradients, factorDecayPenalty } from './factorDecay';
import { Sgd, learningRateAtPosition, parseSwitchLr } from './sgd';
import { createRng } from '../core/random';
import { useWasm } from '../../test/support/backend';

before(useWasm);

const [KH, KW, CIN, K1, K2, COUT] = [3, 3, 6, 4, 3, 5];

function random(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => rng.normal() * 0.5);
}

/** X·‖W‖², W[a,b,i,o] = Σ_pq U_in[i,p]·G[a,b,p,q]·U_out[q,o], all in float64. */
function penalty64(uIn: Float64Array, core: Float64Array, uOut: Float64Array, x: number): number {
  let sum = 0;
  for (let ab = 0; ab < KH * KW; ab++)
    for (let i = 0; i < CIN; i++)
      for (let o = 0; o < COUT; o++) {
        let w = 0;
        for (let p = 0; p < K1; p++) for (let q = 0; q < K2; q++) w += uIn[i * K1 + p] * core[(ab * K1 + p) * K2 + q] * uOut[q * COUT + o];
        sum += w * w;
      }
  return x * sum;
}

test('factor decay: the penalty is X·‖G ×₁ U_in ×₂ U_out‖² and its gradient matches finite differences', () => {
  const x = 0.37;
  const data = [random(CIN * K1, 1), random(KH * KW * K1 * K2, 2), random(K2 * COUT, 3)];
  const blk = {
    uIn: tf.variable(tf.tensor4d(Float32Array.from(data[0]), [1, 1, CIN, K1])),
    core: tf.variable(tf.tensor4d(Float32Array.from(data[1]), [KH, KW, K1, K2])),
    uOut: tf.variable(tf.tensor4d(Float32Array.from(data[2]), [1, 1, K2, COUT])),
  };
  // Float32 inputs: compare against float64 on the same (rounded) values.
  const exact = data.map((d) => Float64Array.from(Float32Array.from(d)));
  const p64 = penalty64(exact[0], exact[1], exact[2], x);
  assert.ok(Math.abs(factorDecayPenalty(blk, x) - p64) <= 1e-5 * p64, `${factorDecayPenalty(blk, x)} vs ${p64}`);

  const grads = factorDecayGradients(blk, x).map((g) => Float64Array.from(g.dataSync()));
  const h = 1e-5;
  for (let t = 0; t < 3; t++) {
    const g = grads[t];
    const scale = Math.max(...g.map(Math.abs));
    for (let idx = 0; idx < exact[t].length; idx++) {
      const plus = exact.map((d) => Float64Array.from(d));
      const minus = exact.map((d) => Float64Array.from(d));
      plus[t][idx] += h;
      minus[t][idx] -= h;
      const fd = (penalty64(plus[0], plus[1], plus[2], x) - penalty64(minus[0], minus[1], minus[2], x)) / (2 * h);
      assert.ok(Math.abs(g[idx] - fd) <= 2e-4 * scale, `factor ${t}, entry ${idx}: ${g[idx]} vs finite difference ${fd}`);
    }
  }
  tf.dispose(Object.values(blk));
});

test('SGD with factor decay: block kernels get its gradient instead of weight decay; other weights keep weight decay', () => {
  const blk = {
    name: 'conv',
    uIn: tf.variable(tf.tensor4d(Float32Array.from(random(CIN * K1, 4)), [1, 1, CIN, K1])),
    core: tf.variable(tf.tensor4d(Float32Array.from(random(KH * KW * K1 * K2, 5)), [KH, KW, K1, K2])),
    uOut: tf.variable(tf.tensor4d(Float32Array.from(random(K2 * COUT, 6)), [1, 1, K2, COUT])),
  };
  const other = tf.variable(tf.tensor1d([1, -2, 3]));
  const [lr, wd, x] = [0.1, 0.01, 0.05];
  const before = [blk.uIn, blk.core, blk.uOut, other].map((v) => Float64Array.from(v.dataSync()));
  const fd = factorDecayGradients(blk, x).map((g) => Float64Array.from(g.dataSync()));
  const opt = new Sgd(lr, 0, wd);
  opt.setFactorDecay([blk], x);
  const zeroGrads = new Map<tf.Variable, tf.Tensor>([blk.uIn, blk.core, blk.uOut, other].map((v) => [v, tf.zerosLike(v)]));
  opt.apply(zeroGrads);
  [blk.uIn, blk.core, blk.uOut].forEach((v, t) => {
    const after = v.dataSync();
    for (let i = 0; i < after.length; i++) assert.ok(Math.abs(after[i] - (before[t][i] - lr * fd[t][i])) < 1e-6, `factor ${t}[${i}]`);
  });
  assert.deepEqual(
    Array.from(other.dataSync()).map((v) => +v.toFixed(6)),
    Array.from(before[3]).map((v) => +(v - lr * wd * v).toFixed(6)),
  );
  // Off again: plain weight decay on the factors.
  opt.setFactorDecay([blk], 0);
  const w0 = Float64Array.from(blk.core.dataSync());
  opt.apply(zeroGrads);
  const w1 = blk.core.dataSync();
  for (let i = 0; i < w1.length; i++) assert.ok(Math.abs(w1[i] - w0[i] * (1 - lr * wd)) < 1e-6);
  opt.dispose();
  tf.dispose([...zeroGrads.values(), blk.uIn, blk.core, blk.uOut, other]);
});

test('--switch-lr restart:N restarts at the base rate after the switch and anneals to the schedule by a half cosine', () => {
  const c = { lr: 0.05, lrMilestones: [4, 7], lrGamma: 0.1 };
  const keep = parseSwitchLr('keep');
  const restart = parseSwitchLr('restart:2');
  assert.deepEqual(restart, { kind: 'restart', epochs: 2 });
  // Decomposed after epoch 2: epochs 3 and 4 (positions 2..4) restart; 5 on is the schedule (0.005).
  assert.equal(learningRateAtPosition(2, c, keep, 2), 0.05);
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-15, `${a} vs ${b}`);
  near(learningRateAtPosition(4.5, c, keep, 2), 0.005);
  assert.ok(Math.abs(learningRateAtPosition(2, c, restart, 2) - 0.05) < 1e-15);
  assert.ok(Math.abs(learningRateAtPosition(3, c, restart, 2) - (0.005 + 0.0225)) < 1e-12); // half way: the mean
  assert.ok(learningRateAtPosition(3.99, c, restart, 2) < 0.0051);
  near(learningRateAtPosition(4, c, restart, 2), 0.005);
  assert.equal(learningRateAtPosition(1.5, c, restart, 2), 0.05); // before the switch: the schedule
  assert.equal(learningRateAtPosition(1.5, c, restart, null), 0.05);
  assert.throws(() => parseSwitchLr('restart:0'), /--switch-lr: 'restart:0' must be 'keep' or 'restart:N'/);
});
