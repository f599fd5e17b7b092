import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendLine, decomposeEvent, sampleMetrics, sampleRunInfo, writeRunFolder } from '../../test/support/runFixtures';
import { RunInfoCache, effectiveState, listRunEntries, readRun, readRunInfo } from './reader';
import { processStartTime } from './processIdentity';
import { METRICS_FILE, RUN_FILE } from './types';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'runs-reader-'));
}

test('readRun reads a complete run folder', async () => {
  const runs = tmp();
  try {
    const dir = writeRunFolder(runs, sampleRunInfo('a'), sampleMetrics(4), [decomposeEvent(2, 20)]);
    const r = await readRun(dir);
    assert.equal(r.info?.id, 'a');
    assert.equal(r.metrics.length, 4);
    assert.equal(r.events[0]?.type, 'decompose');
    assert.deepEqual(r.problems, []);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});

test('readRun tolerates a torn last line and invalid lines, keeping the metrics before them', async () => {
  const runs = tmp();
  try {
    const dir = writeRunFolder(runs, sampleRunInfo('torn', { status: 'failed', error: 'killed' }), sampleMetrics(3));
    appendLine(dir, METRICS_FILE, 'garbage\n{"epoch":4,"step":400,"pha');
    const r = await readRun(dir);
    assert.equal(r.metrics.length, 3);
    assert.equal(r.info?.error, 'killed');
    assert.equal(r.problems.length, 2);
    assert.match(r.problems.join('\n'), /incomplete last line/);
    assert.match(r.problems.join('\n'), /invalid line\(s\) 4/);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});

test('readRun on missing files and missing folders returns empty data and a problem, never throws', async () => {
  const runs = tmp();
  try {
    mkdirSync(join(runs, 'empty'));
    const r = await readRun(join(runs, 'empty'));
    assert.equal(r.info, null);
    assert.deepEqual(r.metrics, []);
    assert.match(r.problems[0], /run.json is missing/);
    const gone = await readRun(join(runs, 'nope'));
    assert.equal(gone.info, null);
    writeFileSync(join(runs, 'empty', RUN_FILE), '{"half":');
    assert.equal(await readRunInfo(join(runs, 'empty')), null);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});

test('effectiveState marks a running run whose process is gone as crashed, only on this host', () => {
  const info = sampleRunInfo('x', { status: 'running', pid: 4242 });
  assert.deepEqual(effectiveState(info, () => true), { status: 'running', orphaned: false, error: null });
  const dead = effectiveState(info, () => false);
  assert.equal(dead.status, 'crashed');
  assert.equal(dead.orphaned, true);
  assert.match(dead.error!, /process 4242/);
  const elsewhere = sampleRunInfo('y', { status: 'running', pid: 4242, host: { ...info.host, hostname: 'other-machine' } });
  assert.equal(effectiveState(elsewhere, () => false).status, 'running');
  // A real dead pid: our own process is alive; a huge pid is not.
  assert.equal(effectiveState(sampleRunInfo('z', { status: 'running', pid: process.pid })).status, 'running');
});

test('a pid reused by another process is not the trainer: shown crashed (pid and start time, as on Linux)', { skip: process.platform !== 'linux' }, () => {
  // Our own pid stands for the reused one: it exists, but started at another moment than recorded.
  const reused = sampleRunInfo('r', { status: 'running', pid: process.pid, pidStart: 'another-boot:12345' });
  const state = effectiveState(reused);
  assert.equal(state.status, 'crashed');
  assert.match(state.error!, /process \d+\) ended without finishing the run/);
  const same = sampleRunInfo('s', { status: 'running', pid: process.pid, pidStart: processStartTime(process.pid) });
  assert.equal(effectiveState(same).status, 'running');
  // run.json written before start times were recorded: the pid alone decides
  assert.equal(effectiveState(sampleRunInfo('t', { status: 'running', pid: process.pid })).status, 'running');
});

test('listRunEntries lists thousands of runs newest first without reading them, and the cache reads lazily', async () => {
  const runs = tmp();
  try {
    const N = 3000;
    for (let i = 0; i < N; i++) mkdirSync(join(runs, `run-${String(i).padStart(5, '0')}`));
    mkdirSync(join(runs, '.hidden'));
    writeFileSync(join(runs, 'stray.txt'), 'x');
    const newest = join(runs, 'run-00007');
    const future = new Date(Date.now() + 60_000);
    utimesSync(newest, future, future);
    const entries = await listRunEntries(runs);
    assert.equal(entries.length, N);
    assert.equal(entries[0].id, 'run-00007');
    assert.deepEqual(await listRunEntries(join(runs, 'missing')), []);

    const cache = new RunInfoCache();
    writeRunFolder(runs, sampleRunInfo('run-00001', { status: 'running' }));
    assert.equal((await cache.get(join(runs, 'run-00001')))?.status, 'running');
    assert.equal(cache.size, 1);
    const later = new Date(Date.now() + 120_000);
    writeFileSync(join(runs, 'run-00001', RUN_FILE), JSON.stringify(sampleRunInfo('run-00001', { status: 'completed' })));
    utimesSync(join(runs, 'run-00001', RUN_FILE), later, later);
    assert.equal((await cache.get(join(runs, 'run-00001')))?.status, 'completed');
    rmSync(join(runs, 'run-00001'), { recursive: true });
    assert.equal(await cache.get(join(runs, 'run-00001')), null);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});
