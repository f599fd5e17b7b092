import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleConfig, sampleMetrics, sampleRunInfo, writeRunFolder } from '../../test/support/runFixtures';
import { listRunEntries, readRunInfo, type RunEntry } from '../runs/reader';
import { STATE_OWNED_RUNS } from './constants';
import type { LiveRun, LiveRunTails } from './liveRuns';
import { OwnedRuns, PID_UNKNOWN, type OwnedRunRecord, type StateStore } from './ownedRuns';
import { adoptionCandidates, adoptionDecision, adoptRunsAfterReload, ADOPT_SCAN_LIMIT } from './reloadAdoption';

class MemoryState implements StateStore {
  readonly values = new Map<string, unknown>();
  get<T>(key: string, defaultValue: T): T {
    return this.values.has(key) ? (this.values.get(key) as T) : defaultValue;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
}

/** A pid no process has: above Linux's largest pid_max. */
const DEAD_PID = 999_999_999;
const HOST = 'this-host';
const here = { hostname: HOST, platform: 'linux', arch: 'x64', cpus: 2, node: 'v20' };
const rec = (dir: string, pid: number): OwnedRunRecord => ({ dir, pid, logFile: null, name: dir, totalEpochs: 3 });
const entry = (id: string): RunEntry => ({ id, dir: `/runs/${id}`, mtimeMs: 0 });

test('candidates: the runs this workspace started, then the newest folders up to the limit, each folder once', () => {
  const owned = [rec('/runs/old', 42)];
  const c = adoptionCandidates(owned, [entry('new'), entry('old'), entry('older'), entry('oldest')], 3);
  assert.deepEqual(
    c.map((r) => [r.dir, r.pid]),
    [
      ['/runs/old', 42],
      ['/runs/new', PID_UNKNOWN],
      ['/runs/older', PID_UNKNOWN],
    ],
  );
  assert.deepEqual(c[1], { dir: '/runs/new', pid: PID_UNKNOWN, logFile: null, name: 'new', totalEpochs: 0 });
  const many = Array.from({ length: ADOPT_SCAN_LIMIT + 10 }, (_, i) => entry(`r${i}`));
  assert.equal(adoptionCandidates([], many).length, ADOPT_SCAN_LIMIT);
});

test('decision: adopt a running run whose process is alive on this machine; close only our own dead ones', () => {
  const alive = (pid: number) => pid === 100;
  const running = sampleRunInfo('r', { status: 'running', pid: 100, host: here });
  assert.deepEqual(
    adoptionDecision(rec('/runs/r', 7), running, alive, HOST),
    { action: 'adopt', pid: 100 },
    "run.json's pid wins over the remembered one",
  );
  assert.deepEqual(
    adoptionDecision(rec('/runs/r', 100), { ...running, pid: null }, alive, HOST),
    { action: 'adopt', pid: 100 },
    'no pid in run.json yet: the remembered one',
  );
  assert.deepEqual(
    adoptionDecision(rec('/runs/r', PID_UNKNOWN), running, alive, HOST),
    { action: 'adopt', pid: 100 },
    'started outside this window',
  );
  assert.deepEqual(adoptionDecision(rec('/runs/r', 7), { ...running, pid: 200 }, alive, HOST), { action: 'finalize', pid: 200 });
  assert.deepEqual(
    adoptionDecision(rec('/runs/r', PID_UNKNOWN), { ...running, pid: 200 }, alive, HOST),
    { action: 'skip' },
    'not ours: left as it is',
  );
  assert.deepEqual(adoptionDecision(rec('/runs/r', 7), { ...running, status: 'completed' }, alive, HOST), { action: 'skip' });
  assert.deepEqual(adoptionDecision(rec('/runs/r', 7), running, alive, 'another-host'), { action: 'skip' });
  assert.deepEqual(adoptionDecision(rec('/runs/r', 7), null, alive, HOST), { action: 'skip' });
});

test('after a reload: live runs are followed again, our dead ones closed as failed, and only adopted runs of ours stay remembered', async () => {
  const runs = mkdtempSync(join(tmpdir(), 'adopt-'));
  try {
    // sampleRunInfo's host is this machine's hostname.
    const ours = writeRunFolder(
      runs,
      sampleRunInfo('ours', { status: 'running', pid: process.pid, config: sampleConfig({ epochs: 6, finetuneAfterTraining: 2 }) }),
      sampleMetrics(2),
    );
    const crashed = writeRunFolder(runs, sampleRunInfo('crashed', { status: 'running', pid: DEAD_PID }));
    writeRunFolder(runs, sampleRunInfo('foreign', { status: 'running', pid: process.pid }));
    const foreignDead = writeRunFolder(runs, sampleRunInfo('foreign-dead', { status: 'running', pid: DEAD_PID }));
    const finished = writeRunFolder(runs, sampleRunInfo('finished', { status: 'completed', pid: process.pid }));
    const followed = writeRunFolder(runs, sampleRunInfo('followed', { status: 'running', pid: process.pid }));

    const state = new MemoryState();
    const remembered = [
      { dir: ours, pid: 1, logFile: join(runs, 'ours.log'), name: 'ours', totalEpochs: 8 },
      rec(crashed, DEAD_PID),
      rec(finished, process.pid),
      rec(followed, process.pid),
    ];
    state.values.set(STATE_OWNED_RUNS, remembered);
    const adopted: { run: LiveRun; tails: LiveRunTails }[] = [];
    const calls: string[] = [];
    const already = { dir: followed } as LiveRun; // this window follows it already
    await adoptRunsAfterReload({
      owned: new OwnedRuns(state),
      listRuns: () => listRunEntries(runs),
      live: {
        all: () => [already, ...adopted.map((a) => a.run)],
        adopt: (run, tails) => {
          adopted.push({ run, tails });
          calls.push(`adopt ${run.runId}`);
        },
        ensurePolling: () => calls.push('poll'),
      },
      output: { info: () => undefined },
    });

    assert.deepEqual(adopted.map((a) => a.run.runId).sort(), ['foreign', 'ours']);
    assert.equal(calls[calls.length - 1], 'poll', 'polling starts once, after adoption');
    const o = adopted.find((a) => a.run.runId === 'ours')!;
    assert.deepEqual(
      { ...o.run },
      {
        runId: 'ours',
        dir: ours,
        name: 'ours',
        totalEpochs: 8,
        pid: process.pid,
        pidStart: null,
        process: null,
        logFile: join(runs, 'ours.log'),
        progress: null,
        lastMetrics: null,
        stopping: false,
        ended: false,
      },
    );
    assert.ok(o.tails.logTail, 'our log file is followed');
    assert.equal((await o.tails.metricsTail!.read()).records.length, 2, 'progress comes from metrics.jsonl');
    assert.equal(adopted.find((a) => a.run.runId === 'foreign')!.tails.logTail, null, 'no log file known for a run started elsewhere');

    assert.equal((await readRunInfo(crashed))!.status, 'failed');
    assert.match((await readRunInfo(crashed))!.error!, /while the window was reloading/);
    assert.equal((await readRunInfo(foreignDead))!.status, 'running', 'a run not started here is not rewritten');
    assert.equal((await readRunInfo(finished))!.status, 'completed');

    assert.deepEqual(state.values.get(STATE_OWNED_RUNS), [{ ...remembered[0], pid: process.pid }]);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});
