import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decomposeEvent, sampleMetrics } from '../test/support/runFixtures';
import { toMetricColumns } from '../src/protocol';
import { MetricsColumns, estimateEta, formatSeconds, freezeSegments, markersFrom, rankHistoryFrom, rankTableFrom } from './series';
import type { EpochMetrics } from '../src/runs/types';

test('MetricsColumns appends incrementally and replaces a repeated epoch', () => {
  const c = new MetricsColumns();
  const ms = sampleMetrics(4);
  c.append(ms.slice(0, 2));
  c.append(ms.slice(2));
  assert.deepEqual(c.epoch, [1, 2, 3, 4]);
  assert.deepEqual(c.seconds, [10, 20, 26, 32]);
  c.append([{ ...ms[3], trainAccuracy: 0.5, valAccuracy: null }]);
  assert.equal(c.length, 4);
  assert.equal(c.trainAcc[3], 0.5);
  assert.equal(c.valAcc[3], null);
  c.append([{ ...ms[0], epoch: 2 }]);
  assert.deepEqual(c.epoch, [1, 2]);
  c.clear();
  assert.equal(c.length, 0);
  assert.equal(c.last, null);
});

test('markers and rank table come from the events; ETA from recent epochs', () => {
  const events = [
    decomposeEvent(2, 20.5),
    {
      type: 'reconstruct' as const,
      time: '',
      epoch: 5,
      seconds: 40,
      durationSeconds: 0.1,
      paramsBefore: 40000,
      paramsAfter: 100000,
      maxOutputDifference: 1e-6,
    },
  ];
  const m = markersFrom(events);
  assert.deepEqual(
    m.map((x) => [x.kind, x.epoch, x.seconds]),
    [
      ['decompose', 2, 20.5],
      ['reconstruct', 5, 40],
    ],
  );
  assert.match(m[0].label, /100\.0 k → 40\.0 k/);
  assert.equal(rankTableFrom(events)?.layers.length, 2);
  assert.equal(rankTableFrom([]), null);
  const c = new MetricsColumns();
  c.append(sampleMetrics(4));
  assert.equal(estimateEta(c, 6, null), 2 * (22 / 3));
  assert.equal(estimateEta(c, 6, 12), 12);
  assert.equal(formatSeconds(3725), '1:02:05');
});

test('a columnar snapshot loads into the same columns as the records, with NaN as missing', () => {
  const ms = sampleMetrics(5);
  ms[2] = { ...ms[2], valAccuracy: null, valLoss: null };
  const a = new MetricsColumns();
  a.append(ms);
  const b = new MetricsColumns();
  b.load(toMetricColumns(ms));
  assert.deepEqual(b.epoch, a.epoch);
  assert.deepEqual(b.valAcc, a.valAcc);
  assert.deepEqual(b.trainLoss, a.trainLoss);
  assert.equal(b.valAcc[2], null);
  assert.deepEqual(b.last, a.last);
  assert.deepEqual(b.first, a.first);
  b.load(toMetricColumns([]));
  assert.equal(b.length, 0);
});

test("an 'auto' run's rank history: K1/K2 per layer against epoch, the last event of an epoch wins, the verdict says why", () => {
  const ranks = (epoch: number, k: number, decompose = false) => ({
    type: 'ranks' as const,
    time: '',
    epoch,
    seconds: epoch * 10,
    durationSeconds: 0.01,
    layers: [
      { name: 'a', kernel: [3, 3, 8, 8], k1: k, k2: k + 1, stableK1: 2, stableK2: 2 },
      ...(epoch > 1 ? [{ name: 'b', kernel: [3, 3, 8, 8], k1: 2 * k, k2: 2 * k, stableK1: 1.5, stableK2: 1.5 }] : []),
    ],
    decision: { decompose, reason: decompose ? 'ranks settled' : 'ranks still moving', settledEpochs: 0 },
  });
  const events = [ranks(1, 3), ranks(2, 9), ranks(2, 4), ranks(3, 4, true), decomposeEvent(3, 30)];
  const r = rankHistoryFrom(events)!;
  assert.deepEqual(r.epochs, [1, 2, 3]);
  assert.deepEqual(r.layers, [
    { name: 'a', k1: [3, 4, 4], k2: [4, 5, 5] },
    { name: 'b', k1: [null, 8, 8], k2: [null, 8, 8] },
  ]);
  assert.deepEqual(r.decision, { epoch: 3, decompose: true, reason: 'ranks settled' });
  assert.equal(r.label, 'EVBMF', 'older runs (no rankPolicy) and vbmf watch EVBMF ranks');
  assert.equal(rankHistoryFrom([{ ...ranks(1, 3), rankPolicy: 'stable:2' }])!.label, 'stable:2');
  assert.equal(rankHistoryFrom([decomposeEvent(2, 20)]), null);
  assert.match(markersFrom(events)[0].label, /Decomposed after epoch 3 .*, chosen automatically: ranks settled$/);
});

test('freezeSegments: one band per run of epochs with the same trainable group, on the run clock', () => {
  const c = new MetricsColumns();
  const rec = (epoch: number, seconds: number, trainableGroup?: 'first' | 'core' | 'last'): EpochMetrics => ({
    epoch,
    step: epoch * 10,
    phase: epoch === 1 ? 'original' : 'decomposed',
    trainLoss: 1,
    trainAccuracy: 0.5,
    valLoss: 1,
    valAccuracy: 0.5,
    lr: 0.1,
    seconds,
    epochSeconds: 10,
    imagesPerSecond: 100,
    params: 1000,
    ...(trainableGroup ? { trainableGroup } : {}),
  });
  c.append([rec(1, 10), rec(2, 25, 'first'), rec(3, 33, 'first'), rec(4, 40, 'core'), rec(5, 48, 'last')]);
  assert.deepEqual(freezeSegments(c), [
    { group: 'first', firstEpoch: 2, lastEpoch: 3, fromSeconds: 10, toSeconds: 33 },
    { group: 'core', firstEpoch: 4, lastEpoch: 4, fromSeconds: 33, toSeconds: 40 },
    { group: 'last', firstEpoch: 5, lastEpoch: 5, fromSeconds: 40, toSeconds: 48 },
  ]);
  // a resumed run repeats epoch 5: the tail is replaced, the column stays aligned
  c.append([rec(5, 50, 'last')]);
  assert.equal(freezeSegments(c).at(-1)?.toSeconds, 50);
  // the same through the host's columnar snapshot
  const d = new MetricsColumns();
  d.load(toMetricColumns([rec(1, 10), rec(2, 25, 'core')]));
  assert.deepEqual(freezeSegments(d), [{ group: 'core', firstEpoch: 2, lastEpoch: 2, fromSeconds: 10, toSeconds: 25 }]);
  assert.deepEqual(freezeSegments(new MetricsColumns()), []);
});
