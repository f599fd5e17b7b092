import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toMetricColumns, toStepColumns } from '../../src/protocol';
import type { StepMetrics } from '../../src/runs/types';
import { sampleMetrics } from '../../test/support/runFixtures';
import { MetricsColumns } from '../series';
import { StepColumns, alignSeries, runChartData } from './runSeries';

const step = (s: number, per = 4): StepMetrics => ({
  epoch: Math.ceil(s / per),
  step: s,
  epochStep: s - (Math.ceil(s / per) - 1) * per,
  stepsPerEpoch: per,
  phase: 'original',
  trainLoss: 1 / s,
  trainAccuracy: 0.5 + s / 100,
  steps: 2,
  lr: 0.05,
  seconds: s,
  imagesPerSecond: 100 + s,
});

test('alignSeries merges x columns and leaves gaps where a source has no point', () => {
  const a = alignSeries([
    { x: [0.5, 1], ys: [[10, 20]] },
    {
      x: [1, 2],
      ys: [
        [1, 2],
        [3, null],
      ],
    },
  ]);
  assert.deepEqual(a.x, [0.5, 1, 2]);
  assert.deepEqual(a.ys, [
    [10, 20, null],
    [null, 1, 2],
    [null, 3, null],
  ]);
});

test('step columns: fractional epochs, and a resumed step replaces the tail', () => {
  const s = new StepColumns();
  s.load(toStepColumns([step(2), step(4), step(6)]));
  assert.deepEqual(s.epoch, [0.5, 1, 1.5]);
  s.append([step(4), step(5)]);
  assert.deepEqual(s.step, [2, 4, 5]);
  assert.equal(s.last?.step, 5);
});

test('run charts: per-step train curve (raw under smoothed), epoch means and validation, on each x axis', () => {
  const cols = new MetricsColumns();
  cols.load(toMetricColumns(sampleMetrics(2, null)));
  const steps = new StepColumns();
  steps.load(toStepColumns([2, 4, 6, 8].map((s) => step(s))));
  const acc = runChartData('accuracy', cols, steps, 'epoch', 0.6);
  assert.deepEqual(
    acc.series.map((s) => s.label),
    ['train (raw)', 'train (per step, smoothed)', 'train (epoch mean)', 'validation'],
  );
  assert.deepEqual(acc.x, [0.5, 1, 1.5, 2]);
  // Validation values at epochs 1 and 2 only, equal to the records.
  assert.deepEqual(acc.ys[3], [null, cols.valAcc[0], null, cols.valAcc[1]]);
  assert.deepEqual(acc.ys[0], [0.52, 0.54, 0.56, 0.58]);
  const bySteps = runChartData('loss', cols, steps, 'step', 0);
  assert.deepEqual(
    bySteps.series.map((s) => s.label),
    ['train (per step)', 'train (epoch mean)', 'validation'],
  );
  assert.ok(bySteps.x.includes(8));
  const lr = runChartData('lr', cols, steps, 'time', 0.9);
  assert.deepEqual(
    lr.series.map((s) => s.label),
    ['learning rate'],
  ); // a schedule: never smoothed
  // Without step records (older runs): the epoch records alone.
  const old = runChartData('throughput', cols, new StepColumns(), 'epoch', 0.6);
  assert.deepEqual(
    old.series.map((s) => s.label),
    ['images/s'],
  );
  assert.deepEqual(old.x, [1, 2]);
});
