import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debiasedEma } from './smoothing';

test('debiased EMA: the first value is kept, later ones follow the recurrence', () => {
  const s = debiasedEma([1, 3, 5], 0.5);
  assert.equal(s[0], 1); // (0.5·1) / (1 − 0.5)
  // s2 = (0.5·0.5 + 0.5·3)/(1 − 0.25) = 1.75/0.75
  assert.ok(Math.abs(s[1]! - 1.75 / 0.75) < 1e-12);
  // s3 = (0.5·1.75 + 0.5·5)/(1 − 0.125) = 3.375/0.875
  assert.ok(Math.abs(s[2]! - 3.375 / 0.875) < 1e-12);
});

test('debiased EMA: a constant series stays constant (no pull towards 0)', () => {
  for (const w of [0.1, 0.6, 0.9, 0.99]) for (const v of debiasedEma([2, 2, 2, 2, 2], w)) assert.ok(Math.abs(v! - 2) < 1e-12);
});

test('debiased EMA: weight 0 is the identity; gaps stay gaps and do not enter the average', () => {
  assert.deepEqual(debiasedEma([1, null, 3], 0), [1, null, 3]);
  const s = debiasedEma([1, null, NaN, 3], 0.5);
  assert.equal(s[1], null);
  assert.ok(Number.isNaN(s[2]));
  assert.ok(Math.abs(s[3]! - 1.75 / 0.75) < 1e-12); // as if the gaps were not there
});

test('debiased EMA: smoothing shrinks the spread of noisy values', () => {
  const ys = Array.from({ length: 200 }, (_, i) => 1 + (i % 2 ? 0.5 : -0.5));
  const s = debiasedEma(ys, 0.9).slice(50) as number[];
  assert.ok(Math.max(...s) - Math.min(...s) < 0.2);
});
