import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { processStartTime } from '../runs/processIdentity';
import { signalPid } from './trainerProcess';

function sleeper() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  return { child, exited };
}

test('Stop never signals a pid that now belongs to another process (a reused pid), and does signal the trainer itself', async () => {
  const { child, exited } = sleeper();
  try {
    const pid = child.pid!;
    // run.json recorded this pid with another start time: it is some other process now
    assert.equal(signalPid(pid, 'SIGTERM', 'other-boot:1', { exists: () => true, startTime: () => 'this-boot:2' }), false);
    assert.equal(signalPid(pid, 'SIGTERM', 'not-this-start:1'), process.platform !== 'linux', 'the real /proc on Linux');
    if (process.platform === 'linux') {
      assert.equal(child.exitCode, null);
      assert.equal(child.signalCode, null, 'the unrelated process was left alone');
      assert.equal(signalPid(pid, 'SIGTERM', processStartTime(pid)), true);
      assert.equal(await exited, 'SIGTERM');
    }
  } finally {
    child.kill('SIGKILL');
  }
});
