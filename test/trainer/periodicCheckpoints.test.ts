// Periodic checkpoints by default: by time (--checkpoint-minutes, here tiny so every epoch end
// qualifies), the last two kept besides the milestones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../src/cli/config';
import { DEFAULT_CONFIG } from '../../src/cli/config';
import { startRun } from '../../src/trainer/engine';
import type { RunEvent } from '../../src/runs/types';
import { tempDir, useWasm } from '../support/backend';

test('checkpoints by time are on by default and pruned to the last two plus decomposed, reconstructed and final', async () => {
  assert.equal(DEFAULT_CONFIG.checkpointMinutes, 10);
  await useWasm();
  const c = resolveConfig({
    model: 'small-cnn',
    dataset: 'synthetic:8x8x3',
    epochs: '5',
    'decompose-at': '1',
    'reconstruct-at': '3',
    'rank-policy': 'ratio:0.5',
    'batch-size': '32',
    'train-subset': '64',
    backend: 'wasm',
    'checkpoint-minutes': '0.000001',
    'runs-dir': tempDir(),
  });
  const out = await startRun(c);
  assert.equal(out.status, 'completed');
  const events = readFileSync(join(out.runDir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunEvent);
  assert.deepEqual(
    events.filter((e) => e.type === 'checkpoint').map((e) => (e as { label: string }).label),
    ['decomposed', 'epoch-1', 'epoch-2', 'reconstructed', 'epoch-3', 'epoch-4', 'final'],
  );
  assert.deepEqual(readdirSync(join(out.runDir, 'checkpoints')).sort(), ['decomposed', 'epoch-3', 'epoch-4', 'final', 'reconstructed']);
  assert.equal(resolveConfig({ 'checkpoint-minutes': 'none', 'runs-dir': tempDir() }).checkpointMinutes, null);
  assert.throws(
    () => resolveConfig({ 'checkpoint-minutes': '-5', 'runs-dir': tempDir() }),
    /--checkpoint-minutes: -5 must be greater than 0/,
  );
});
