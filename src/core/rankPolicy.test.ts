import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseRankPolicy,
  formatRankPolicy,
  quantizeRank,
  chooseConvRanks,
  chooseConvRanksFromShape,
  chooseDenseRank,
  energyRank,
  parseDenseFallback,
  stableRank,
  stableRankPolicyRank,
} from './rankPolicy';
import { trainedLikeKernel } from './syntheticKernel';
import { createRng } from './random';
import { isUserError } from './userError';
import type { ConvKernel } from './types';

test('parseRankPolicy accepts vbmf, ratio:F, energy:F and round-trips through formatRankPolicy', () => {
  assert.deepEqual(parseRankPolicy('vbmf'), { kind: 'vbmf' });
  assert.deepEqual(parseRankPolicy('ratio:0.25'), { kind: 'ratio', fraction: 0.25 });
  assert.deepEqual(parseRankPolicy('energy:0.9'), { kind: 'energy', fraction: 0.9 });
  assert.deepEqual(parseRankPolicy('ratio:1'), { kind: 'ratio', fraction: 1 });
  for (const s of ['vbmf', 'ratio:0.25', 'energy:0.9']) assert.equal(formatRankPolicy(parseRankPolicy(s)), s);
});

test('parseRankPolicy rejects ratio:0, ratio:1.5, energy:x, foo with a UserError naming the value and the forms', () => {
  for (const bad of ['ratio:0', 'ratio:1.5', 'energy:x', 'foo', 'ratio:', 'energy:-0.5', 'ratio:0x1']) {
    assert.throws(
      () => parseRankPolicy(bad),
      (e: unknown) => {
        assert.ok(isUserError(e), bad);
        const msg = (e as Error).message;
        assert.ok(msg.includes(`'${bad}'`), msg);
        assert.match(msg, /vbmf.*ratio:F.*energy:F/);
        assert.ok(!msg.includes('\n'));
        return true;
      },
    );
  }
});

test('quantizeRank rounds up to a multiple, caps at full, keeps 0', () => {
  assert.equal(quantizeRank(13, 8, 512), 16);
  assert.equal(quantizeRank(16, 8, 512), 16);
  assert.equal(quantizeRank(1, 16, 512), 16);
  assert.equal(quantizeRank(500, 16, 512), 512);
  assert.equal(quantizeRank(509, 16, 510), 510);
  assert.equal(quantizeRank(0, 8, 64), 0);
  assert.equal(quantizeRank(13, undefined, 64), 13);
  assert.equal(quantizeRank(13, 1, 64), 13);
});

test('energyRank is the smallest r reaching the share', () => {
  const ev = Float64Array.from([50, 30, 15, 5]);
  assert.equal(energyRank(ev, 0.5), 1);
  assert.equal(energyRank(ev, 0.8), 2);
  assert.equal(energyRank(ev, 0.81), 3);
  assert.equal(energyRank(ev, 1), 4);
});

test('ratio and energy policies on a conv, with minimum rank and quantization', () => {
  const k = trainedLikeKernel(createRng(1), 32, 64, 8, 16, 0.01);
  const r = chooseConvRanks(k, { policy: { kind: 'ratio', fraction: 0.25 } });
  assert.deepEqual([r.k1, r.k2], [8, 16]);
  assert.equal(r.sigma2.in, null);
  const q = chooseConvRanks(k, { policy: { kind: 'ratio', fraction: 0.1 }, quantize: 8, minRank: 4 });
  assert.deepEqual(q.raw, { k1: 3, k2: 6 });
  assert.deepEqual([q.k1, q.k2], [8, 8]);
  const e = chooseConvRanks(k, { policy: { kind: 'energy', fraction: 0.999 } });
  assert.ok(e.k1 >= 8 && e.k1 < 32 && e.k2 >= 16 && e.k2 < 64, `${e.k1} ${e.k2}`);
  assert.ok(e.analysis && e.analysis.in.eigenvalues.length === 32);
  const v = chooseConvRanks(k, { policy: { kind: 'vbmf' } });
  assert.deepEqual([v.k1, v.k2], [8, 16]);
  assert.ok(v.sigma2.in! > 0 && v.sigma2.out! > 0);
});

test('skips: no saving, 1×1 kernels, overrides', () => {
  const k = trainedLikeKernel(createRng(2), 8, 8, 8, 8, 0.01);
  const full = chooseConvRanks(k, { policy: { kind: 'ratio', fraction: 1 } });
  assert.match(full.skipped ?? '', /^no saving: K1·K2 = 8·8 = 64 ≥ Cin·Cout = 8·8 = 64/);
  const one: ConvKernel = { shape: [1, 1, 16, 32], data: new Float32Array(16 * 32).fill(1) };
  assert.match(chooseConvRanks(one, { policy: { kind: 'vbmf' } }).skipped ?? '', /1×1 convolution: Tucker-2 does not apply/);
  // K1·K2 < Cin·Cout yet more weights: a wide-input, narrow-output conv (DenseNet) at ratio 0.5.
  // after = 100·50 + 9·50·3 + 6·3 = 6368 ≥ 9·100·6 = 5400
  const wide = chooseConvRanksFromShape([3, 3, 100, 6], { policy: { kind: 'ratio', fraction: 0.5 } });
  assert.deepEqual([wide.k1, wide.k2], [50, 3]);
  assert.equal(
    wide.skipped,
    'no saving: the three convolutions would hold Cin·K1 + hw·K1·K2 + Cout·K2 = 6368 weights, the layer holds hw·Cin·Cout = 5400',
  );
  const o = chooseConvRanks(k, { policy: { kind: 'vbmf' }, override: { k1: 2, k2: 3 } });
  assert.deepEqual([o.k1, o.k2, o.skipped], [2, 3, null]);
  assert.throws(() => chooseConvRanks(k, { policy: { kind: 'vbmf' }, override: { k1: 9, k2: 3 } }), /k1=9.*1 to 8/);
  const zero: ConvKernel = { shape: [3, 3, 4, 4], data: new Float64Array(144) };
  assert.ok(chooseConvRanks(zero, { policy: { kind: 'vbmf' } }).skipped);
  assert.ok(chooseConvRanks(zero, { policy: { kind: 'ratio', fraction: 0.5 } }).skipped);
});

test('chooseConvRanksFromShape: ratio only; vbmf falls back to ratio:0.25 and says so', () => {
  const r = chooseConvRanksFromShape([3, 3, 64, 128], { policy: { kind: 'ratio', fraction: 0.5 }, quantize: 16 });
  assert.deepEqual([r.k1, r.k2, r.skipped], [32, 64, null]);
  const v = chooseConvRanksFromShape([3, 3, 64, 128], { policy: { kind: 'vbmf' } });
  assert.deepEqual([v.k1, v.k2], [16, 32]);
  assert.equal(v.policy, 'ratio:0.25');
  assert.match(v.notes.join(' '), /needs weights.*ratio:0\.25/);
  assert.ok(chooseConvRanksFromShape([1, 1, 64, 128], { policy: { kind: 'vbmf' } }).skipped);
  const tiny = chooseConvRanksFromShape([3, 3, 3, 4], { policy: { kind: 'ratio', fraction: 0.1 } });
  assert.deepEqual([tiny.k1, tiny.k2], [1, 1]);
});

test('chooseDenseRank: vbmf finds the rank of low-rank + noise, rank 0 on pure noise, no-saving skip', () => {
  const rng = createRng(3);
  const inDim = 120,
    outDim = 40,
    r = 6;
  const a = Array.from({ length: inDim * r }, () => rng.normal());
  const b = Array.from({ length: r * outDim }, () => rng.normal());
  const w = new Float64Array(inDim * outDim);
  for (let i = 0; i < inDim; i++)
    for (let j = 0; j < outDim; j++) {
      let s = 0;
      for (let q = 0; q < r; q++) s += a[i * r + q] * b[q * outDim + j] * (1 + q);
      w[i * outDim + j] = s + 0.05 * rng.normal();
    }
  const c = chooseDenseRank({ rows: inDim, cols: outDim, data: w }, { policy: { kind: 'vbmf' } });
  assert.equal(c.rank, r);
  assert.equal(c.skipped, null);
  assert.equal(c.analysis?.side, 'cols');
  const noise = Float64Array.from({ length: inDim * outDim }, () => rng.normal() * 0.05);
  const n = chooseDenseRank({ rows: inDim, cols: outDim, data: noise }, { policy: { kind: 'vbmf' } });
  assert.equal(n.rank, 0);
  assert.match(n.skipped ?? '', /no structure above noise/);
  const full = chooseDenseRank({ rows: inDim, cols: outDim, data: w }, { policy: { kind: 'ratio', fraction: 1 } });
  assert.match(full.skipped ?? '', /^no saving/);
  assert.equal(chooseDenseRank({ rows: inDim, cols: outDim, data: w }, { policy: { kind: 'vbmf' }, override: { rank: 3 } }).rank, 3);
});

test('stable:F parses (F may exceed 1), round-trips, and is refused outside (0, 64]', () => {
  assert.deepEqual(parseRankPolicy('stable:2'), { kind: 'stable', fraction: 2 });
  assert.deepEqual(parseRankPolicy('stable:0.5'), { kind: 'stable', fraction: 0.5 });
  assert.equal(formatRankPolicy(parseRankPolicy('stable:1.5')), 'stable:1.5');
  for (const bad of ['stable:0', 'stable:65', 'stable:x']) {
    assert.throws(
      () => parseRankPolicy(bad),
      (e: unknown) => isUserError(e) && /stable:F/.test((e as Error).message),
    );
  }
});

test('stable rank is ‖W‖²/σ_max² and stable:F gives ⌈F × stable rank⌉ per mode, capped at the channels', () => {
  // Eigenvalues 9, 4, 1, 0 of a Gram: stable rank (9+4+1)/9 = 1.556.
  const ev = Float64Array.from([9, 4, 1, 0]);
  assert.ok(Math.abs(stableRank(ev) - 14 / 9) < 1e-15);
  assert.equal(stableRankPolicyRank(ev, 1, 4), 2);
  assert.equal(stableRankPolicyRank(ev, 2, 4), 4); // ⌈3.11⌉
  assert.equal(stableRankPolicyRank(ev, 9, 4), 4); // capped
  assert.equal(stableRankPolicyRank(Float64Array.from([4, 4]), 1, 2), 2); // exactly 2, not rounded up to 3
  assert.equal(stableRankPolicyRank(new Float64Array(3), 2, 3), 0); // all zero
  // On a conv kernel: the same number from an independent computation of ‖W‖² and σ_max² (power iteration).
  const k = trainedLikeKernel(createRng(5), 16, 24, 4, 6, 0.05);
  const [kh, kw, cin, cout] = k.shape;
  const c = chooseConvRanks(k, { policy: { kind: 'stable', fraction: 2 } });
  // Input-channel unfolding Cin × (kh·kw·Cout): Gram = Σ over the other indices.
  const gram = new Float64Array(cin * cin);
  for (let a = 0; a < kh * kw; a++)
    for (let o = 0; o < cout; o++)
      for (let i = 0; i < cin; i++)
        for (let j = 0; j < cin; j++) gram[i * cin + j] += k.data[(a * cin + i) * cout + o] * k.data[(a * cin + j) * cout + o];
  let v = new Float64Array(cin).fill(1);
  let lambda = 0;
  for (let it = 0; it < 500; it++) {
    const w = new Float64Array(cin);
    for (let i = 0; i < cin; i++) for (let j = 0; j < cin; j++) w[i] += gram[i * cin + j] * v[j];
    lambda = Math.hypot(...w);
    v = w.map((x) => x / lambda);
  }
  let trace = 0;
  for (let i = 0; i < cin; i++) trace += gram[i * cin + i];
  assert.ok(Math.abs(c.stableRank.in! - trace / lambda) < 1e-6 * (trace / lambda), `${c.stableRank.in} vs ${trace / lambda}`);
  assert.equal(c.k1, Math.ceil(2 * c.stableRank.in!));
  assert.equal(c.k2, Math.ceil(2 * c.stableRank.out!));
  assert.equal(c.rule, 'stable:2');
  assert.equal(c.sigma2.in, null);
});

test('the dense fallback energy:F is used only when asked, only under vbmf, only below rank 2, and says so', () => {
  const rng = createRng(9);
  // One strong direction plus noise: EVBMF rank 1.
  const inDim = 80,
    outDim = 30;
  const u = Array.from({ length: inDim }, () => rng.normal());
  const v = Array.from({ length: outDim }, () => rng.normal());
  const w = new Float64Array(inDim * outDim);
  for (let i = 0; i < inDim; i++) for (let j = 0; j < outDim; j++) w[i * outDim + j] = u[i] * v[j] + 0.6 * rng.normal();
  const m = { rows: inDim, cols: outDim, data: w };
  const plain = chooseDenseRank(m, { policy: { kind: 'vbmf' } });
  assert.equal(plain.rank, 1);
  assert.equal(plain.rule, 'vbmf');
  const fb = chooseDenseRank(m, { policy: { kind: 'vbmf' }, denseFallback: { kind: 'energy', fraction: 0.85 } });
  const expected = energyRank(fb.analysis!.mode.eigenvalues, 0.85);
  assert.ok(expected >= 2, `energy:0.85 gives ${expected}`);
  assert.equal(fb.rank, expected);
  assert.match(fb.rule, /^energy:0\.85 \(dense fallback: EVBMF rank 1 < 2\)$/);
  assert.match(fb.notes.join(' '), /EVBMF gave rank 1 < 2/);
  // Not under another policy.
  const ratio = chooseDenseRank(m, { policy: { kind: 'ratio', fraction: 0.1 }, denseFallback: { kind: 'energy', fraction: 0.85 } });
  assert.equal(ratio.rule, 'ratio:0.1');
  assert.equal(parseDenseFallback('energy:0.85')?.fraction, 0.85);
  assert.equal(parseDenseFallback('none'), null);
  assert.throws(
    () => parseDenseFallback('energy:2'),
    (e: unknown) => isUserError(e) && /--?dense|energy:F/.test((e as Error).message),
  );
});
