import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listCheckpoints, periodicCheckpointDue, prunePeriodicCheckpoints } from './checkpoints';

function runWith(labels: { label: string; epochsCompleted: number; step: number; events?: number }[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tucker-ckpt-'));
  for (const m of labels) {
    mkdirSync(join(dir, 'checkpoints', m.label), { recursive: true });
    writeFileSync(
      join(dir, 'checkpoints', m.label, 'model.json'),
      JSON.stringify({ userDefinedMetadata: { tuckerTrain: { seconds: 1, phase: 'original', ...m } } }),
    );
  }
  return dir;
}

test('periodic checkpoints: every N epochs, or once M minutes have passed; never after the last epoch', () => {
  const c = { checkpointEvery: 3, checkpointMinutes: 10 };
  assert.equal(periodicCheckpointDue(c, 3, 10, 0), true);
  assert.equal(periodicCheckpointDue(c, 4, 10, 9.9), false);
  assert.equal(periodicCheckpointDue(c, 4, 10, 10), true);
  assert.equal(periodicCheckpointDue(c, 9, 9, 100), false, 'the last epoch gets final');
  assert.equal(periodicCheckpointDue({ checkpointEvery: null, checkpointMinutes: null }, 4, 10, 1e9), false);
  assert.equal(periodicCheckpointDue({ checkpointEvery: null }, 4, 10, 1e9), false, 'older run.json without the field');
});

test('pruning keeps the newest periodic checkpoints and every milestone', () => {
  const dir = runWith(
    ['decomposed', 'epoch-2', 'epoch-10', 'epoch-4', 'epoch-9', 'reconstructed', 'stopped-5'].map((label, i) => ({ label, epochsCompleted: i, step: i })),
  );
  assert.deepEqual(prunePeriodicCheckpoints(dir, 2).sort(), ['epoch-2', 'epoch-4']);
  assert.deepEqual(readdirSync(join(dir, 'checkpoints')).sort(), ['decomposed', 'epoch-10', 'epoch-9', 'reconstructed', 'stopped-5']);
});

test('lookup: newest by epochs, steps, then events (a transition after a stop); temp and set-aside folders ignored', () => {
  const dir = runWith([
    { label: 'stopped-3', epochsCompleted: 3, step: 30, events: 4 },
    { label: 'decomposed', epochsCompleted: 3, step: 30, events: 5 },
    { label: 'epoch-2', epochsCompleted: 2, step: 20, events: 3 },
    { label: 'final.tmp-123', epochsCompleted: 9, step: 90 },
    { label: 'epoch-4.old-77', epochsCompleted: 4, step: 40 },
    { label: 'epoch-5.unusable', epochsCompleted: 5, step: 50 },
  ]);
  assert.deepEqual(
    listCheckpoints(dir).map((c) => c.meta.label),
    ['decomposed', 'stopped-3', 'epoch-2'],
  );
});
