import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsSummaryCache, runRowDescription, summarizeMetrics } from './runRow';
import { appendLine, sampleMetrics, sampleRunInfo, writeRunFolder } from '../../test/support/runFixtures';

const facts = {
  status: 'completed',
  liveEpoch: null,
  totalEpochs: 10,
  model: 'small-cnn',
  dataset: 'mnist',
  baseline: false,
  tags: [] as string[],
};

test('a row shows best accuracy, phase and epoch', () => {
  const s = summarizeMetrics(sampleMetrics(7, 3));
  assert.equal(s.lastEpoch, 7);
  assert.equal(s.phase, 'decomposed');
  assert.equal(
    runRowDescription({ ...facts, status: 'running', summary: s }),
    `${(s.bestAccuracy! * 100).toFixed(1)} % · decomposed · epoch 7/10`,
  );
  assert.match(runRowDescription({ ...facts, status: 'running', summary: s, liveEpoch: 8 }), /epoch 8\/10$/, 'the live epoch wins');
  assert.match(runRowDescription({ ...facts, status: 'stopped', summary: s, tags: ['lr-sweep'] }), /^stopped · .* · #lr-sweep$/);
  assert.match(
    runRowDescription({ ...facts, summary: summarizeMetrics(sampleMetrics(3, null)), baseline: true }),
    /· baseline · epoch 3\/10$/,
  );
});

test('a run without epochs yet shows its model and dataset', () => {
  assert.equal(runRowDescription({ ...facts, status: 'running', summary: null, dataset: 'cifar10:/d' }), 'running · small-cnn · cifar10');
  assert.equal(runRowDescription({ ...facts, status: 'failed', summary: summarizeMetrics([]) }), 'failed · small-cnn · mnist');
});

test('the summary cache reads metrics.jsonl again only when it changed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'rowsum-'));
  try {
    const dir = writeRunFolder(root, sampleRunInfo('r'), sampleMetrics(2, null));
    const cache = new MetricsSummaryCache();
    assert.equal((await cache.get(dir))!.lastEpoch, 2);
    appendLine(dir, 'metrics.jsonl', JSON.stringify(sampleMetrics(1, null, 3)[0]) + '\n');
    assert.equal((await cache.get(dir))!.lastEpoch, 3, 'an appended epoch is seen');
    assert.equal(await cache.get(join(root, 'missing')), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
