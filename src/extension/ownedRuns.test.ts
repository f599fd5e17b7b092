import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATE_OWNED_RUNS } from './constants';
import { OwnedRuns, parseOwnedRuns, type StateStore } from './ownedRuns';

class MemoryState implements StateStore {
  readonly values = new Map<string, unknown>();
  get<T>(key: string, defaultValue: T): T {
    return this.values.has(key) ? (this.values.get(key) as T) : defaultValue;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
}

const run = (dir: string | null, pid: number | null) => ({ dir, pid, logFile: `/logs/${dir}.log`, name: `n-${dir}`, totalEpochs: 4 });

test('owned runs: remembered once their folder and pid are known, one record per folder, forgotten by folder', async () => {
  const state = new MemoryState();
  const owned = new OwnedRuns(state);
  assert.deepEqual(owned.list(), []);
  await owned.remember(run(null, 7));
  await owned.remember(run('/runs/a', null));
  assert.deepEqual(owned.list(), [], 'not started yet: nothing to find after a reload');
  await owned.remember(run('/runs/a', 7));
  await owned.remember(run('/runs/b', 8));
  await owned.remember(run('/runs/a', 9));
  assert.deepEqual(
    owned.list().map((r) => [r.dir, r.pid]),
    [
      ['/runs/b', 8],
      ['/runs/a', 9],
    ],
  );
  assert.deepEqual(owned.list()[0], { dir: '/runs/b', pid: 8, logFile: '/logs//runs/b.log', name: 'n-/runs/b', totalEpochs: 4 });
  await owned.forget(run('/runs/b', null));
  assert.deepEqual(
    owned.list().map((r) => r.dir),
    ['/runs/a'],
  );
  await owned.replaceAll([]);
  assert.deepEqual(state.values.get(STATE_OWNED_RUNS), []);
});

test('parseOwnedRuns drops what an older or hand-edited workspaceState may hold', () => {
  assert.deepEqual(parseOwnedRuns(undefined), []);
  assert.deepEqual(parseOwnedRuns({ dir: '/a', pid: 1 }), []);
  const ok = { dir: '/a', pid: 1, logFile: null, name: 'a', totalEpochs: 2 };
  assert.deepEqual(parseOwnedRuns([ok, null, 'x', { dir: '/b' }, { dir: 3, pid: 1 }, { dir: '/c', pid: '4' }]), [ok]);
});
