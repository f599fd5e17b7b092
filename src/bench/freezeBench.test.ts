import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFreezeBench, type FreezeBench } from './freezeBench';

const timing = (ms: number) => ({ msPerStep: ms, msMin: ms, msMax: ms, imagesPerSecond: (64 * 1000) / ms, tensorLeakPerStep: 0 });

test('the freezing table: one row per trainable group, gains against all trainable, the rotation verdict', () => {
  const b: FreezeBench = {
    rows: [
      { trainable: 'all', timing: timing(100), throughputGain: 1 },
      { trainable: 'first', timing: timing(80), throughputGain: 1.25 },
      { trainable: 'core', timing: timing(50), throughputGain: 2 },
      { trainable: 'last', timing: timing(80), throughputGain: 1.25 },
    ],
    rotationGain: 1.43,
  };
  const lines = formatFreezeBench(b).split('\n');
  assert.equal(lines.length, 7);
  assert.match(lines[0], /^trainable factors +ms\/step \(median\)/);
  assert.match(lines[3], /^core only +50 +50 +1280 +2×$/);
  assert.match(lines[5], /^rotation mean +1\.43×$/);
  assert.equal(lines[6], 'sequential freezing: 43 % more throughput in frozen epochs (mean step time over one rotation)');
});
