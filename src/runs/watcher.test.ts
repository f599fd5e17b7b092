import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendLine, sampleMetrics, sampleRunInfo, writeRunFolder } from '../../test/support/runFixtures';
import { RunsWatcher, classifyPath, type RunsChange } from './watcher';
import { METRICS_FILE } from './types';

test('classifyPath maps watcher paths to run changes and ignores temp files and checkpoints', () => {
  const root = join(tmpdir(), 'runs');
  assert.deepEqual(classifyPath(root, join(root, 'a'), 'addDir'), { kind: 'added', runId: 'a' });
  assert.deepEqual(classifyPath(root, join(root, 'a'), 'unlinkDir'), { kind: 'removed', runId: 'a' });
  assert.deepEqual(classifyPath(root, join(root, 'a', 'metrics.jsonl'), 'change'), { kind: 'changed', runId: 'a', file: 'metrics.jsonl' });
  assert.equal(classifyPath(root, join(root, 'a', 'run.json.123.tmp'), 'add'), null);
  assert.equal(classifyPath(root, join(root, 'a', 'checkpoints', 'x', 'model.json'), 'add'), null);
  assert.equal(classifyPath(root, join(root, '.logs'), 'addDir'), null);
  assert.equal(classifyPath(root, root, 'addDir'), null);
  assert.equal(classifyPath(root, join(tmpdir(), 'elsewhere'), 'addDir'), null);
});

test('RunsWatcher reports a new run folder, its appends and its removal', { timeout: 20_000 }, async () => {
  const runs = mkdtempSync(join(tmpdir(), 'watcher-'));
  const w = new RunsWatcher(runs);
  try {
    const seen: RunsChange[] = [];
    w.onChange((c) => seen.push(c));
    await w.start();
    const until = async (pred: () => boolean, what: string) => {
      const t0 = Date.now();
      while (!pred()) {
        if (Date.now() - t0 > 8000) assert.fail(`timed out waiting for ${what}; saw ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const dir = writeRunFolder(runs, sampleRunInfo('cli-run', { status: 'running' }), sampleMetrics(1));
    await until(() => seen.some((c) => c.kind === 'added' && c.runId === 'cli-run'), 'added');
    await until(() => seen.some((c) => c.kind === 'changed' && c.file === 'run.json'), 'run.json');
    seen.length = 0;
    appendLine(dir, METRICS_FILE, JSON.stringify(sampleMetrics(1, 2, 2)[0]) + '\n');
    await until(() => seen.some((c) => c.kind === 'changed' && c.file === 'metrics.jsonl'), 'metrics change');
    rmSync(dir, { recursive: true, force: true });
    await until(() => seen.some((c) => c.kind === 'removed' && c.runId === 'cli-run'), 'removed');
  } finally {
    await w.dispose();
    rmSync(runs, { recursive: true, force: true });
  }
});
