import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerDecisionTable, measuredSummary, ranksText } from './layerText';
import type { LayerDecomposition, MeasuredLayer } from './types';

const timed = (chosen: number | null): MeasuredLayer => ({
  batch: 32,
  originalMs: 12,
  candidates: [
    { ranks: [5, 10], label: 'policy', ms: 15.6 },
    { ranks: [8, 16], label: 'quantize:8', ms: 8 },
  ],
  chosen,
  reason: 'r',
});

function layer(over: Partial<LayerDecomposition>): LayerDecomposition {
  return {
    name: 'conv',
    type: 'Conv2D',
    kernel: [3, 3, 16, 32],
    k1: 8,
    k2: 16,
    rank: null,
    skipped: null,
    paramsBefore: 4640,
    paramsAfter: 1696,
    compression: 2.9,
    speedup: 2.9,
    approximationError: 0.5,
    seconds: 0.01,
    ...over,
  };
}

test('measuredSummary: the chosen form against the original, or the best one when the layer stayed dense', () => {
  assert.equal(measuredSummary(timed(1)), '12.0 → 8.00 ms (1.50×, quantize:8)');
  assert.equal(measuredSummary({ ...timed(null), originalMs: 6 }), '6.00 ms kept; decomposed 8.00 ms (0.75×)');
});

test('the decision table names each layer, its ranks (with the policy ranks they were rounded from), times and choice', () => {
  const rows = layerDecisionTable([
    layer({ policyRanks: [5, 10], measured: timed(1) }),
    layer({ name: 'kept', k1: null, k2: null, skipped: 'kept dense: …', rule: 'measured', measured: { ...timed(null), originalMs: 6 } }),
    layer({ name: 'fc', type: 'Dense', kernel: [64, 10], k1: null, k2: null, rank: 4 }),
  ]).split('\n');
  assert.deepEqual(
    rows.map((r) => r.split(/\s{2,}/)),
    [
      ['layer', 'kernel', 'ranks', 'original ms', 'decomposed ms', 'choice'],
      ['conv', '3×3×16×32', '8/16 (policy 5/10)', '12.0', '8.00', 'Tucker-2 (quantize:8)'],
      ['kept', '3×3×16×32', '(8/16)', '6.00', '8.00', 'kept dense'],
      ['fc', '64×10', 'r=4', '–', '–', 'SVD split'],
    ],
  );
  assert.equal(ranksText(layer({ skipped: 'x', policyRanks: [1, 2] })), '8/16');
});
