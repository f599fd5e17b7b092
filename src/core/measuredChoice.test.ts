import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideMeasured, MEASURED_MARGIN, rankCandidates } from './measuredChoice';

test('decideMeasured keeps the layer dense when every decomposed form is slower', () => {
  const d = decideMeasured(10, [
    { ranks: [6, 7], ms: 13 },
    { ranks: [8, 8], ms: 12 },
  ]);
  assert.equal(d.chosen, null);
  // The closer of the two is named: 12 / 10 = 1.20× slower.
  assert.match(d.reason, /^kept dense: decomposed 1\.20× slower here \(10\.0 ms original vs 12\.0 ms at ranks 8\/8/);
});

test('decideMeasured keeps the fastest decomposed form when it beats the original by the margin', () => {
  const d = decideMeasured(10, [
    { ranks: [6, 7], ms: 6 },
    { ranks: [8, 8], ms: 4 },
  ]);
  assert.equal(d.chosen, 1);
  assert.match(d.reason, /^decomposed: 2\.50× faster here/);
  // Exactly at the margin counts as faster; just under it does not.
  assert.equal(decideMeasured(10, [{ ranks: [4], ms: 10 * (1 - MEASURED_MARGIN) }]).chosen, 0);
  const under = decideMeasured(10, [{ ranks: [4], ms: 9.7 }]);
  assert.equal(under.chosen, null);
  assert.match(under.reason, /only 3 % faster here, under the 5 % margin/);
});

test('decideMeasured refuses failed timings and an empty candidate list', () => {
  assert.equal(decideMeasured(10, []).chosen, null);
  assert.equal(decideMeasured(0, [{ ranks: [2], ms: 1 }]).chosen, null);
  assert.equal(decideMeasured(10, [{ ranks: [2], ms: NaN }]).chosen, null);
});

test('rankCandidates: the chosen ranks, then rounded up to the quantum (capped at full), unless equal or refused', () => {
  assert.deepEqual(rankCandidates([6, 13], [16, 64], 8), [
    { ranks: [6, 13], label: 'policy' },
    { ranks: [8, 16], label: 'quantize:8' },
  ]);
  assert.deepEqual(rankCandidates([13, 3], [14, 64], 8)[1].ranks, [14, 8]); // capped at Cin = 14
  assert.equal(rankCandidates([8, 16], [64, 64], 8).length, 1); // already multiples
  assert.equal(rankCandidates([6, 13], [64, 64], 1).length, 1); // quantum 1: a fixed --quantize
  assert.equal(rankCandidates([6, 13], [64, 64], 8, () => false).length, 1); // the skip rule refuses it
});
