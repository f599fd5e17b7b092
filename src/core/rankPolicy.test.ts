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
  assert.match(n.skipped ?? '', /no signal above noise/);
  const full = chooseDenseRank({ rows: inDim, cols: outDim, data: w }, { policy: { kind: 'ratio', fraction: 1 } });
  assert.match(full.skipped ?? '', /^no saving/);
  assert.equal(chooseDenseRank({ rows: inDim, cols: outDim, data: w }, { policy: { kind: 'vbmf' }, override: { rank: 3 } }).rank, 3);
});
