import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendLine, sampleMetrics, sampleRunInfo, writeRunFolder } from '../../test/support/runFixtures';
import { readRun } from './reader';
import { finalizeAbandonedRun } from './recovery';
import { METRICS_FILE } from './types';

test('finalizeAbandonedRun marks a crashed run failed with its message and keeps its metrics', async () => {
  const runs = mkdtempSync(join(tmpdir(), 'recovery-'));
  try {
    const dir = writeRunFolder(runs, sampleRunInfo('crash', { status: 'running', pid: 999999 }), sampleMetrics(3));
    appendLine(dir, METRICS_FILE, '{"epoch":4,"ste');
    const info = await finalizeAbandonedRun(dir, 'failed', 'the trainer exited with code 134 (SIGABRT)');
    assert.equal(info?.status, 'failed');
    const r = await readRun(dir);
    assert.equal(r.info?.status, 'failed');
    assert.equal(r.info?.error, 'the trainer exited with code 134 (SIGABRT)');
    assert.ok(r.info?.endedAt);
    assert.equal(r.metrics.length, 3);
    assert.deepEqual(r.events.map((e) => e.type), ['error']);
    assert.equal(await finalizeAbandonedRun(dir, 'failed', 'again'), null, 'a finished run is left alone');
    assert.equal(await finalizeAbandonedRun(join(runs, 'gone'), 'failed', 'x'), null);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});
