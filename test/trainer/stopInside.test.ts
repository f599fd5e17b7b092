// Stop is honoured inside the decomposition (between layers) and inside validation (between
// batches), and a stop at an epoch boundary loses nothing: with momentum and the data order
// saved in the checkpoint, stop + resume gives the uninterrupted run's numbers.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../src/cli/config';
import { resumeRun, startRun } from '../../src/trainer/engine';
import { lastCheckpoint } from '../../src/runs/checkpoints';
import type { EpochMetrics, RunEvent } from '../../src/runs/types';
import { readTrainingState } from '../../src/trainer/trainingState';
import { tempDir, useWasm } from '../support/backend';

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

function config(runsDir: string) {
  return resolveConfig({
    model: 'small-cnn',
    dataset: 'synthetic:8x8x3',
    epochs: '3',
    'decompose-at': '1',
    'reconstruct-at': '2',
    'rank-policy': 'ratio:0.5',
    'batch-size': '32',
    'train-subset': '64',
    lr: '0.02',
    backend: 'wasm',
    'runs-dir': runsDir,
    decide: 'flops', // compared with an uninterrupted run: a timing-based choice could differ between the two
  });
}

const numbers = (m: EpochMetrics[]) => m.map((r) => [r.epoch, r.step, r.phase, r.trainLoss, r.valLoss, r.valAccuracy, r.params]);

let reference: EpochMetrics[] = [];
before(async () => {
  await useWasm();
  const out = await startRun(config(tempDir()));
  assert.equal(out.status, 'completed');
  reference = readJsonl<EpochMetrics>(join(out.runDir, 'metrics.jsonl'));
});

test('a stop during the decomposition ends between layers; the resume decomposes and continues exactly', async () => {
  let polls = 0;
  let afterEpoch1 = false;
  const out = await startRun(config(tempDir()), {
    // after epoch 1's metrics the next polls are the decomposition's, one before each conv; stop at the third
    shouldStop: () => afterEpoch1 && ++polls >= 3,
    onMessage: (m) => {
      if (m.type === 'metrics' && m.record.epoch === 1) afterEpoch1 = true;
    },
  });
  assert.equal(out.status, 'stopped');
  const events = readJsonl<RunEvent>(join(out.runDir, 'events.jsonl'));
  assert.ok(!events.some((e) => e.type === 'decompose'), 'the decomposition was abandoned');
  const ck = lastCheckpoint(out.runDir)!;
  assert.equal(ck.meta.label, 'stopped-1');
  assert.equal(ck.meta.epochsCompleted, 1);
  assert.equal(ck.meta.pendingTransition, 'decompose');
  assert.doesNotMatch(
    readFileSync(join(ck.dir, 'model.json'), 'utf8'),
    /_tucker_core/,
    'the checkpoint holds the network before the decomposition',
  );
  assert.ok(
    readTrainingState(ck.dir)!.momentum.every((b) => b !== null),
    'momentum saved for every weight',
  );

  const resumed = await resumeRun(out.runDir);
  assert.equal(resumed.status, 'completed');
  const metrics = readJsonl<EpochMetrics>(join(out.runDir, 'metrics.jsonl'));
  assert.deepEqual(numbers(metrics), numbers(reference), 'stop + resume = the uninterrupted run');
  const after = readJsonl<RunEvent>(join(out.runDir, 'events.jsonl'));
  assert.equal(after.filter((e) => e.type === 'decompose').length, 1);
  assert.equal(after.filter((e) => e.type === 'stopped').length, 0, "the abandoned attempt's events are gone");
});

test('a stop during validation discards the unfinished epoch and saves the data order from its start', async () => {
  let lastStepDone = false;
  const out = await startRun(config(tempDir()), {
    shouldStop: () => lastStepDone,
    onMessage: (m) => {
      // the last step's progress is never throttled; the next poll is validation's first batch
      if (m.type === 'progress' && m.epoch === 2 && m.step === m.stepsPerEpoch) lastStepDone = true;
    },
  });
  assert.equal(out.status, 'stopped');
  assert.deepEqual(
    readJsonl<EpochMetrics>(join(out.runDir, 'metrics.jsonl')).map((m) => m.epoch),
    [1],
  );
  const ck = lastCheckpoint(out.runDir)!;
  assert.equal(ck.meta.label, 'stopped-2');
  assert.equal(ck.meta.epochsCompleted, 1);
  const resumed = await resumeRun(out.runDir);
  assert.equal(resumed.status, 'completed');
  assert.deepEqual(
    readJsonl<EpochMetrics>(join(out.runDir, 'metrics.jsonl')).map((m) => [m.epoch, m.phase]),
    [
      [1, 'original'],
      [2, 'decomposed'],
      [3, 'reconstructed'],
    ],
  );
});
