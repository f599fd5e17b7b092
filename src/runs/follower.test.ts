import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendLine, decomposeEvent, sampleMetrics, sampleRunInfo, writeRunFolder } from '../../test/support/runFixtures';
import { RunFollower } from './follower';
import { EVENTS_FILE, METRICS_FILE, RUN_FILE } from './types';

test('RunFollower delivers live appends once, completes torn lines, sees status changes and deletion', async () => {
  const runs = mkdtempSync(join(tmpdir(), 'follower-'));
  try {
    const dir = writeRunFolder(runs, sampleRunInfo('live', { status: 'running', pid: process.pid }), sampleMetrics(2));
    const f = new RunFollower(dir);
    let d = await f.poll();
    assert.equal(d.info?.status, 'running');
    assert.equal(d.metrics.length, 2);
    d = await f.poll();
    assert.equal(d.info, undefined);
    assert.equal(d.metrics.length, 0);

    const [m3] = sampleMetrics(1, 2, 3);
    const line = JSON.stringify(m3) + '\n';
    appendLine(dir, METRICS_FILE, line.slice(0, 20));
    d = await f.poll();
    assert.equal(d.metrics.length, 0);
    assert.equal(f.pendingMetricsText.length, 20);
    appendLine(dir, METRICS_FILE, line.slice(20));
    appendLine(dir, EVENTS_FILE, JSON.stringify(decomposeEvent(2, 20)) + '\n');
    d = await f.poll();
    assert.deepEqual(d.metrics, [m3]);
    assert.equal(d.events.length, 1);

    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(dir, RUN_FILE), JSON.stringify(sampleRunInfo('live', { status: 'completed' })));
    d = await f.poll();
    assert.equal(d.info?.status, 'completed');

    rmSync(dir, { recursive: true, force: true });
    d = await f.poll();
    assert.equal(d.deleted, true);
    assert.equal(d.info, null);
    d = await f.poll();
    assert.equal(d.deleted, true);
    assert.equal(d.info, undefined);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});
