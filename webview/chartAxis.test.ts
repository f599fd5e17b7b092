import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axisWidth, compactNumber, formatEpochTicks, formatTicks, formatValue, showPoints } from './chartAxis';

test('accuracy ticks: 100% is written whole, and close ticks get the decimals to differ', () => {
  assert.deepEqual(formatTicks('accuracy', [0.8, 0.9, 1]), ['80%', '90%', '100%']);
  assert.deepEqual(formatTicks('accuracy', [0.975, 0.98, 0.985]), ['97.5%', '98.0%', '98.5%']);
  const labels = formatTicks('accuracy', [0.991, 0.992, 0.993, 0.994]);
  assert.equal(new Set(labels).size, labels.length);
});

test('loss and throughput ticks are distinct and short', () => {
  const loss = formatTicks('loss', [0.05, 0.1, 0.15, 0.2]);
  assert.deepEqual(loss, ['0.05', '0.1', '0.15', '0.2']);
  assert.deepEqual(formatTicks('throughput', [0, 5000, 10000, 15000]), ['0', '5000', '10k', '15k']);
  assert.equal(compactNumber(2_500_000), '2.5M');
  assert.equal(compactNumber(0.0005), '5e-4');
});

test('learning-rate ticks use exponents for small rates', () => {
  assert.deepEqual(formatTicks('lr', [0, 0.025, 0.05]), ['0', '0.025', '0.05']);
  assert.deepEqual(formatTicks('lr', [0.001, 0.002, 0.003]), ['1e-3', '2e-3', '3e-3']);
  // One notation per axis: 0.01 at the top makes every tick a decimal (not "8e-3" under "0.01").
  assert.deepEqual(formatTicks('lr', [0.002, 0.004, 0.006, 0.008, 0.01]), ['0.002', '0.004', '0.006', '0.008', '0.01']);
});

test('epoch ticks: whole epochs, fractions when zoomed in', () => {
  assert.deepEqual(formatEpochTicks([1, 2, 3]), ['1', '2', '3']);
  assert.deepEqual(formatEpochTicks([1, 1.25, 1.5]), ['1', '1.25', '1.5']);
});

test('tooltip values', () => {
  assert.equal(formatValue('accuracy', 0.98765), '98.77 %');
  assert.equal(formatValue('accuracy', 1), '100.00 %');
  assert.equal(formatValue('loss', 0.123456), '0.1235');
  assert.equal(formatValue('throughput', 1234.4), '1,234 img/s');
  assert.equal(formatValue('lr', 0.005), '5.00e-3');
  assert.equal(formatValue('lr', 0.05), '0.05');
  assert.equal(formatValue('loss', null), '–');
});

test('the axis is as wide as its widest label, and points show when data are few', () => {
  assert.equal(axisWidth([20, 31.2, 12]), 46);
  assert.ok(showPoints(1, 300));
  assert.ok(showPoints(8, 600));
  assert.ok(!showPoints(500, 600));
  assert.ok(!showPoints(0, 600));
});
