import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  equation10,
  equation11,
  tuckerConvEstimate,
  convCost,
  svdSplitEstimate,
  conv1x1SplitEstimate,
  unchangedEstimate,
  totals,
} from './estimates';

test('eq. 10 and 11 for a strided layer where E ≠ M (hand arithmetic)', () => {
  // 3×3, Cin 64 → Cout 128, K1 16, K2 32, stride 2: input 32×32 (HW 1024), output 16×16 (H'W' 256).
  // before: params 9·64·128 = 73728; MACs 73728·256 = 18874368
  // after: params 64·16 + 9·16·32 + 128·32 = 1024 + 4608 + 4096 = 9728
  //        MACs 64·16·1024 + 9·16·32·256 + 128·32·256 = 1048576 + 1179648 + 1048576 = 3276800
  // M = 73728 / 9728 = 7.578947…; E = 18874368 / 3276800 = 5.76
  const g = { kh: 3, kw: 3, cin: 64, cout: 128, inH: 32, inW: 32, outH: 16, outW: 16 };
  const e = tuckerConvEstimate(g, 16, 32);
  assert.equal(e.paramsBefore, 73728);
  assert.equal(e.paramsAfter, 9728);
  assert.equal(e.macsBefore, 18874368);
  assert.equal(e.macsAfter, 3276800);
  assert.ok(Math.abs(e.compression - 73728 / 9728) < 1e-12);
  assert.ok(Math.abs(e.speedup - 5.76) < 1e-12);
  assert.ok(Math.abs(equation10(9, 64, 128, 16, 32) - e.compression) < 1e-12);
  assert.ok(Math.abs(equation11(9, 64, 128, 16, 32, 1024, 256) - 5.76) < 1e-12);
  assert.notEqual(e.compression, e.speedup);
  // stride 1 ('same'): E = M
  const s1 = tuckerConvEstimate({ ...g, outH: 32, outW: 32 }, 16, 32);
  assert.ok(Math.abs(s1.speedup - s1.compression) < 1e-12);
  assert.deepEqual(convCost(g), { params: 73728, macs: 18874368 });
});

test('SVD split estimates for dense and strided 1×1 convs', () => {
  const d = svdSplitEstimate(512, 10, 4, 1, 10);
  assert.equal(d.paramsBefore, 5120);
  assert.equal(d.paramsAfter, 4 * 522);
  assert.equal(d.macsAfter, 2088);
  assert.equal(d.biasParams, 10);
  const c = conv1x1SplitEstimate({ kh: 1, kw: 1, cin: 256, cout: 512, inH: 8, inW: 8, outH: 4, outW: 4 }, 64);
  assert.equal(c.paramsAfter, 64 * 768);
  assert.equal(c.macsBefore, 256 * 512 * 16);
  assert.equal(c.macsAfter, 64 * 768 * 16);
});

test('totals are ratios of sums (not means of ratios); skipped layers count the same before and after', () => {
  // layer A: 100 → 10 (ratio 10); layer B: 1000 → 500 (ratio 2); mean of ratios 6, ratio of sums 1100/510
  const a = { paramsBefore: 100, paramsAfter: 10, macsBefore: 1000, macsAfter: 100, biasParams: 5 };
  const b = { paramsBefore: 1000, paramsAfter: 500, macsBefore: 4000, macsAfter: 1000, biasParams: 7 };
  const skipped = unchangedEstimate(90, 900, 3);
  const t = totals([a, b, skipped]);
  assert.equal(t.paramsBefore, 1190);
  assert.equal(t.paramsAfter, 600);
  assert.ok(Math.abs(t.compression - 1190 / 600) < 1e-12);
  assert.ok(Math.abs(t.speedup - 5900 / 2000) < 1e-12);
  assert.notEqual(t.compression, (10 + 2 + 1) / 3);
  assert.equal(t.paramsBeforeWithBias, 1205);
  assert.equal(t.paramsAfterWithBias, 615);
  assert.equal(t.layers, 3);
  const empty = totals([]);
  assert.equal(empty.compression, 1);
  assert.equal(empty.speedup, 1);
});
