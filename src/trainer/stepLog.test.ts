import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StepLog, type StepSample } from './stepLog';

function sample(step: number, seconds: number, loss: number, correct: number, images = 10): StepSample {
  return {
    epoch: 1,
    epochStep: step,
    stepsPerEpoch: 100,
    step,
    phase: 'original',
    batchLoss: loss,
    batchCorrect: correct,
    batchImages: images,
    lr: 0.05,
    seconds,
  };
}

test('a record every N steps, with the image-weighted means of the window', () => {
  const log = new StepLog(3, 0, 1000);
  assert.equal(log.add(sample(1, 1, 2, 1)), null);
  assert.equal(log.add(sample(2, 2, 1, 5, 30)), null);
  const r = log.add(sample(3, 4, 4, 4));
  assert.ok(r);
  assert.equal(r.step, 3);
  assert.equal(r.steps, 3);
  assert.equal(r.trainLoss, (2 * 10 + 1 * 30 + 4 * 10) / 50);
  assert.equal(r.trainAccuracy, 10 / 50);
  assert.equal(r.imagesPerSecond, 50 / 4);
  assert.equal(r.seconds, 4);
  // The next window starts empty.
  assert.equal(log.add(sample(4, 5, 1, 10)), null);
});

test('a slow model gets a record after maxSeconds even before N steps', () => {
  const log = new StepLog(50, 100, 5);
  assert.equal(log.add(sample(1, 103, 2, 1)), null);
  const r = log.add(sample(2, 106, 2, 3));
  assert.ok(r);
  assert.equal(r.steps, 2);
  assert.equal(r.imagesPerSecond, 20 / 6);
});

test('restart drops a partial window (validation or a decomposition do not count as training time)', () => {
  const log = new StepLog(2, 0, 1000);
  log.add(sample(1, 1, 9, 0));
  log.restart(50);
  assert.equal(log.add(sample(2, 51, 1, 10)), null);
  const r = log.add(sample(3, 52, 1, 10))!;
  assert.equal(r.trainLoss, 1);
  assert.equal(r.imagesPerSecond, 10);
});

test('logEverySteps 0 writes nothing', () => {
  const log = new StepLog(0, 0, 0);
  for (let i = 1; i < 10; i++) assert.equal(log.add(sample(i, i * 100, 1, 1)), null);
});
