import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparabilityWarnings, comparableRun, trainingInterval } from './comparability';
import { compareRuns } from './compare';
import { sampleConfig, sampleMetrics, sampleRunInfo } from '../../test/support/runFixtures';

const at = (iso: string) => Date.parse(iso);

/** A completed run that trained from `start` for `seconds`. */
function run(id: string, start: string, seconds: number, config = sampleConfig(), host = 'h1') {
  const end = new Date(at(start) + seconds * 1000).toISOString();
  const info = sampleRunInfo(id, { startedAt: start, endedAt: end, config, host: { hostname: host, platform: 'linux', arch: 'x64', cpus: 2, node: 'v20' } });
  return comparableRun(info, 'completed', [], 0);
}

test('runs like the baseline and trained one after another have no warning', () => {
  const w = comparabilityWarnings([run('a', '2025-01-01T00:00:00Z', 60), run('b', '2025-01-01T00:01:00Z', 60)], 'a');
  assert.equal(w.size, 0);
});

test('another model, dataset, subset or epoch count than the baseline is named, with both values', () => {
  const runs = [
    run('base', '2025-01-01T00:00:00Z', 10),
    run('m', '2025-01-01T01:00:00Z', 10, sampleConfig({ model: '/home/u/models/wide/model.json' })),
    run('d', '2025-01-01T02:00:00Z', 10, sampleConfig({ dataset: 'cifar10:/data/cifar-10-batches-bin', epochs: 3 })),
    run('s', '2025-01-01T03:00:00Z', 10, sampleConfig({ trainSubset: 5000 })),
    run('f', '2025-01-01T04:00:00Z', 10, sampleConfig({ finetuneAfterTraining: 2, decomposeAt: null })),
  ];
  const w = comparabilityWarnings(runs, 'base');
  assert.equal(w.get('base'), undefined);
  assert.deepEqual(w.get('m'), ['different model than the baseline (…/wide/model.json vs small-cnn)']);
  assert.deepEqual(w.get('d'), [
    'different dataset than the baseline (…/data/cifar-10-batches-bin vs mnist)',
    'different number of epochs than the baseline (3 vs 6)',
  ]);
  assert.deepEqual(w.get('s'), ['different training subset than the baseline (5000 vs all images)']);
  assert.deepEqual(w.get('f'), ['different number of epochs than the baseline (8 vs 6)'], 'fine-tune epochs count');
  assert.equal(comparabilityWarnings(runs, null).size, 0, 'no baseline: nothing to differ from');
});

test('runs overlapping in time on the same machine are flagged on both sides, other hosts are not', () => {
  const a = run('a', '2025-01-01T00:00:00Z', 120);
  const b = run('b', '2025-01-01T00:01:00Z', 120);
  const c = run('c', '2025-01-01T00:01:30Z', 10, sampleConfig(), 'other-host');
  const touching = run('t', '2025-01-01T00:03:00Z', 10); // starts when b ends
  const w = comparabilityWarnings([a, b, c, touching], 'a');
  assert.match(w.get('a')![0], /^trained at the same time as 'b' on the same machine: .*speedup are not meaningful/);
  assert.match(w.get('b')![0], /same time as 'a'/);
  assert.equal(w.get('c')?.some((x) => x.includes('same time')), undefined);
  assert.equal(w.get('t'), undefined);
});

test('a running run lasts until now; a crashed one until its last epoch record', () => {
  const info = { createdAt: '2025-01-01T00:00:00Z', startedAt: '2025-01-01T00:00:10Z', endedAt: null };
  assert.deepEqual(trainingInterval(info, 'running', null, at('2025-01-01T00:05:00Z')), { start: at('2025-01-01T00:00:10Z'), end: at('2025-01-01T00:05:00Z') });
  assert.deepEqual(trainingInterval(info, 'crashed', { seconds: 30 }, 0), { start: at('2025-01-01T00:00:10Z'), end: at('2025-01-01T00:00:40Z') });
  assert.equal(trainingInterval({ ...info, startedAt: 'garbage', createdAt: 'garbage' }, 'failed', null, 0), null);
});

test('compareRuns puts the warnings and the setup columns on its rows', () => {
  const base = { info: sampleRunInfo('base', { config: sampleConfig({ decomposeAt: null }), startedAt: '2025-01-01T00:00:00Z', endedAt: '2025-01-01T00:02:00Z' }), metrics: sampleMetrics(6, null) };
  const cifar = { info: sampleRunInfo('cifar', { displayName: 'CIFAR try', config: sampleConfig({ dataset: 'cifar10:/d/c', epochs: 3, lr: 0.1, batchSize: 128 }), startedAt: '2025-01-01T01:00:00Z', endedAt: '2025-01-01T01:01:00Z' }), metrics: sampleMetrics(3) };
  const c = compareRuns([base, cifar], 'base');
  const row = c.rows[1];
  assert.equal(row.name, 'CIFAR try', 'the display name is shown');
  assert.deepEqual([row.model, row.dataset, row.plannedEpochs, row.lr, row.batchSize, row.backend], ['small-cnn', 'cifar10:/d/c', 3, 0.1, 128, 'wasm']);
  assert.equal(row.warnings.length, 2);
  assert.deepEqual(c.rows[0].warnings, []);
});
