import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunningProbe } from './runningProbe';
import { runStateView } from './runState';
import { sampleRunInfo } from '../../test/support/runFixtures';

test('a CLI run that looked running is re-probed until its process is gone, then the views are told once', async () => {
  let alive = true;
  const info = sampleRunInfo('cli', { status: 'running', pid: 4242, pidStart: 'boot:1' });
  let changes = 0;
  // intervalMs 0: no timer, the test calls tick() itself.
  const probe = new RunningProbe(
    async () => runStateView(info, undefined, () => alive).status,
    () => changes++,
    0,
  );
  probe.observe('cli', runStateView(info, undefined, () => alive).status);
  probe.observe('done', 'completed');
  assert.deepEqual(probe.watching, ['cli']);
  assert.equal(await probe.tick(), false);
  assert.equal(changes, 0);
  alive = false; // the trainer exited without rewriting run.json (killed)
  assert.equal(await probe.tick(), true);
  assert.equal(changes, 1);
  assert.deepEqual(probe.watching, []);
  assert.equal(await probe.tick(), false, 'nothing left to probe');
  probe.dispose();
});

test('a run whose run.json now says completed is dropped too; a failing read counts as changed', async () => {
  const statuses: Record<string, string> = { a: 'running', b: 'running' };
  const probe = new RunningProbe(
    async (id) => {
      if (id === 'b') throw new Error('gone');
      return statuses[id];
    },
    () => undefined,
    0,
  );
  probe.observe('a', 'running');
  probe.observe('b', 'running');
  assert.equal(await probe.tick(), true);
  assert.deepEqual(probe.watching, ['a']);
  statuses.a = 'completed';
  assert.equal(await probe.tick(), true);
  assert.deepEqual(probe.watching, []);
});
