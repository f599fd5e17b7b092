// Step records (docs/design.md §3.6): written whole lines, read and followed like metrics, and cut
// back on a resume to the checkpoint, each step once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleRunInfo, writeRunFolder } from '../../test/support/runFixtures';
import { RunFollower } from './follower';
import { isStepMetrics, readRun } from './reader';
import { STEPS_FILE, type StepMetrics } from './types';
import { RunWriter, keepStepsUpTo } from './writer';

const PER_EPOCH = 10;

function stepRecord(step: number): StepMetrics {
  const epoch = Math.ceil(step / PER_EPOCH);
  return {
    epoch,
    step,
    epochStep: step - (epoch - 1) * PER_EPOCH,
    stepsPerEpoch: PER_EPOCH,
    phase: 'original',
    trainLoss: 2 / step,
    trainAccuracy: 1 - 1 / step,
    steps: 5,
    lr: 0.05,
    seconds: step * 0.5,
    imagesPerSecond: 640,
  };
}

function withRun(fn: (dir: string) => Promise<void>): Promise<void> {
  const runs = mkdtempSync(join(tmpdir(), 'steps-'));
  const dir = writeRunFolder(runs, sampleRunInfo('steps', { status: 'running', pid: process.pid }));
  return fn(dir).finally(() => rmSync(runs, { recursive: true, force: true }));
}

test('step records: the writer appends whole lines that readRun and the follower read back', () =>
  withRun(async (dir) => {
    const w = RunWriter.reopen(dir, sampleRunInfo('steps'));
    const f = new RunFollower(dir);
    assert.deepEqual((await f.poll()).steps, []);
    for (const s of [5, 10, 15]) w.appendStep(stepRecord(s));
    assert.deepEqual((await readRun(dir)).steps, [stepRecord(5), stepRecord(10), stepRecord(15)]);
    assert.deepEqual((await f.poll()).steps.map((s) => s.step), [5, 10, 15]);
    w.appendStep(stepRecord(20));
    const d = await f.poll();
    assert.deepEqual(d.steps, [stepRecord(20)]);
    assert.deepEqual(d.metrics, []);
  }));

test('step records: invalid and torn lines are skipped and reported, never thrown', () =>
  withRun(async (dir) => {
    const file = join(dir, STEPS_FILE);
    appendFileSync(file, JSON.stringify(stepRecord(5)) + '\n{"epoch":1}\n' + JSON.stringify(stepRecord(10)).slice(0, 30));
    const r = await readRun(dir);
    assert.deepEqual(r.steps, [stepRecord(5)]);
    assert.ok(r.problems.some((p) => p.startsWith('steps.jsonl: skipped invalid line(s) 2')));
    assert.ok(r.problems.some((p) => p.startsWith('steps.jsonl: ignored an incomplete last line')));
    assert.equal(isStepMetrics({ ...stepRecord(5), lr: undefined }), false);
  }));

test('keepStepsUpTo keeps the completed epochs up to the checkpoint, each step once, without the torn line', () =>
  withRun(async (dir) => {
    const file = join(dir, STEPS_FILE);
    // Epochs 1 and 2, then a killed attempt at epoch 3, a resume from epoch 2 that wrote epoch 3 again
    // and was killed mid-line: what a second resume from the end of epoch 2 finds.
    const lines = [5, 10, 15, 20, 25, 30, 25].map((s) => JSON.stringify(stepRecord(s)) + '\n');
    appendFileSync(file, lines.join('') + JSON.stringify(stepRecord(30)).slice(0, 25));
    assert.equal(keepStepsUpTo(dir, 2, 20), 4);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.endsWith('\n'));
    assert.deepEqual(
      text.trim().split('\n').map((l) => (JSON.parse(l) as StepMetrics).step),
      [5, 10, 15, 20],
    );
    // A duplicated step (two attempts wrote it) stays once; records beyond the checkpoint's step go.
    appendFileSync(file, JSON.stringify(stepRecord(20)) + '\n' + JSON.stringify(stepRecord(21)) + '\n');
    assert.equal(keepStepsUpTo(dir, 3, 20), 4);
    // No file (a run from before steps.jsonl): nothing to do, nothing created.
    rmSync(file);
    assert.equal(keepStepsUpTo(dir, 2, 20), 0);
    assert.throws(() => readFileSync(file));
  }));
