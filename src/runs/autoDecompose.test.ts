import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoBounds, decideAutoDecompose, rankHistory, rankSettled, type RankSnapshot } from './autoDecompose';
import { awaitingAutoDecision, describeScenario, phaseOf, scheduleProblem, transitionAfter } from './schedule';

const snap = (epoch: number, ...ranks: [number, number][]): RankSnapshot => ({
  epoch,
  layers: ranks.map(([k1, k2], i) => ({ name: `conv${i + 1}`, k1, k2 })),
});

test('rankSettled: equal, or within max(1, 10 %); 0 ↔ non-zero always moves', () => {
  assert.ok(rankSettled(5, 5));
  assert.ok(rankSettled(5, 6)); // slack 1
  assert.ok(!rankSettled(5, 7));
  assert.ok(rankSettled(40, 44) && !rankSettled(40, 45)); // 10 %
  assert.ok(!rankSettled(0, 1) && !rankSettled(1, 0));
  assert.ok(rankSettled(0, 0));
  assert.ok(!rankSettled(5, 6, 0.1, 0)); // without slack small ranks must not move
});

test('the auto rule decides once every rank settled for 2 epochs, never before the minimum, always at the maximum', () => {
  const bounds = { min: 2, max: 6 };
  const h = [snap(1, [3, 2], [10, 12]), snap(2, [6, 4], [14, 16])];
  let d = decideAutoDecompose(h, bounds);
  assert.equal(d.decompose, false);
  assert.match(d.reason, /^ranks still moving: conv1 K1 3 → 6, conv1 K2 2 → 4, conv2 K1 10 → 14 and 1 more$/);
  h.push(snap(3, [6, 5], [14, 16]));
  d = decideAutoDecompose(h, bounds);
  assert.deepEqual([d.decompose, d.settledEpochs], [false, 1]);
  assert.match(d.reason, /for 1 of 2 epochs/);
  h.push(snap(4, [7, 5], [15, 16]));
  d = decideAutoDecompose(h, bounds);
  assert.deepEqual([d.decompose, d.settledEpochs], [true, 2]);
  assert.match(d.reason, /^ranks settled: every layer's K1 and K2 within 10 % \(or 1\) of the previous epoch's for 2 epochs$/);
  // Settled from the start, but before the minimum epoch: wait.
  const early = [snap(1, [4, 4]), snap(2, [4, 4]), snap(3, [4, 4])];
  assert.equal(decideAutoDecompose(early, { min: 4, max: 6 }).decompose, false);
  assert.match(decideAutoDecompose(early, { min: 4, max: 6 }).reason, /^before the minimum epoch 4/);
  assert.equal(decideAutoDecompose([...early, snap(4, [4, 4])], { min: 4, max: 6 }).decompose, true);
  // Never settling: the maximum epoch decides, and says why.
  const moving = [1, 2, 3, 4, 5, 6].map((e) => snap(e, [2 * e, 3 * e]));
  assert.equal(decideAutoDecompose(moving.slice(0, 5), bounds).decompose, false);
  d = decideAutoDecompose(moving, bounds);
  assert.equal(d.decompose, true);
  assert.match(d.reason, /^the maximum epoch 6 was reached \(ranks still moving: conv1 K1 10 → 12, conv1 K2 15 → 18\)$/);
  // A gap in the history (an epoch not measured) restarts the count.
  assert.equal(decideAutoDecompose([snap(1, [4, 4]), snap(3, [4, 4]), snap(4, [4, 4])], bounds).settledEpochs, 1);
});

test('autoBounds: given, or half the epochs, before the reconstruction; the schedule checks them', () => {
  assert.deepEqual(autoBounds({ epochs: 8, reconstructAt: 7 }), { min: 2, max: 4 });
  assert.deepEqual(autoBounds({ epochs: 200, reconstructAt: 190 }), { min: 2, max: 100 });
  assert.deepEqual(autoBounds({ epochs: 8, reconstructAt: 4 }), { min: 2, max: 3 });
  assert.deepEqual(autoBounds({ epochs: 8, reconstructAt: null, autoMinEpoch: 3, autoMaxEpoch: 5 }), { min: 3, max: 5 });
  assert.equal(scheduleProblem({ epochs: 8, decomposeAt: 'auto', reconstructAt: 7 }), null);
  assert.match(
    scheduleProblem({ epochs: 8, decomposeAt: 'auto', reconstructAt: 5, autoMaxEpoch: 5 })!.message,
    /^--reconstruct-at: 5 must be after --auto-max-epoch \(5\)/,
  );
  assert.match(scheduleProblem({ epochs: 8, decomposeAt: 'auto', reconstructAt: null, autoMaxEpoch: 8 })!.message, /^--auto-max-epoch: 8 must be between/);
  assert.match(
    scheduleProblem({ epochs: 8, decomposeAt: 'auto', reconstructAt: null, autoMinEpoch: 5, autoMaxEpoch: 4 })!.message,
    /^--auto-max-epoch: 4 must be between --auto-min-epoch \(5\)/,
  );
  assert.match(scheduleProblem({ epochs: 1, decomposeAt: 'auto', reconstructAt: null })!.message, /needs at least 2 epochs/);
});

test("phases and transitions of an 'auto' run follow the chosen epoch once known", () => {
  const c = { epochs: 8, decomposeAt: 'auto' as const, reconstructAt: 7, finetuneAfterTraining: null, autoMaxEpoch: 4 };
  // Undecided: original, nothing happens by itself (the engine asks the rule), not even the reconstruction.
  assert.deepEqual([1, 2, 3, 4].map((e) => phaseOf(c, e)), ['original', 'original', 'original', 'original']);
  assert.equal(transitionAfter(c, 3), null);
  assert.equal(transitionAfter(c, 7), null);
  assert.ok(awaitingAutoDecision(c, 4, null) && !awaitingAutoDecision(c, 5, null) && !awaitingAutoDecision(c, 3, 3));
  // Decided after 3.
  assert.deepEqual(
    [1, 2, 3, 4, 7, 8].map((e) => phaseOf(c, e, 3)),
    ['original', 'original', 'original', 'decomposed', 'decomposed', 'reconstructed'],
  );
  assert.deepEqual([transitionAfter(c, 3, 3), transitionAfter(c, 7, 3)], ['decompose', 'reconstruct']);
  assert.equal(describeScenario({ ...c, rankPolicy: 'vbmf' }, 3), 'decomposed automatically after epoch 3 (vbmf), reconstructed after 7');
  assert.match(describeScenario({ ...c, rankPolicy: 'vbmf' }), /epoch not chosen yet/);
  // A fixed schedule ignores decidedAt.
  assert.equal(phaseOf({ ...c, decomposeAt: 2 }, 3, 5), 'decomposed');
});

test('rankHistory keeps the last ranks event of each epoch up to an epoch, in order', () => {
  const ev = (epoch: number, k: number) => ({
    type: 'ranks',
    epoch,
    layers: [{ name: 'c', kernel: [3, 3, 4, 4], k1: k, k2: k, stableK1: 1, stableK2: 1 }],
    decision: { decompose: false, reason: '', settledEpochs: 0 },
  });
  const h = rankHistory([ev(2, 5), { type: 'checkpoint', epoch: 2 }, ev(1, 4), ev(2, 6), ev(3, 7)], 2);
  assert.deepEqual(
    h.map((s) => [s.epoch, s.layers[0].k1]),
    [
      [1, 4],
      [2, 6],
    ],
  );
});
