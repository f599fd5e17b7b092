// The child-process front door the extension uses: forked with an IPC channel, the trainer sends
// typed messages mirroring its run folder and stops cleanly on {type: 'stop'}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainerMessage } from '../../src/protocol';
import type { RunInfo } from '../../src/runs/types';
import { tempDir } from '../support/backend';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

test('forked trainer streams messages and stops on an IPC stop', async () => {
  const runsDir = tempDir();
  const child = fork(
    cli,
    [
      'train',
      '--ipc',
      '--quiet',
      '--model',
      'small-cnn',
      '--dataset',
      'synthetic:8x8x3',
      '--epochs',
      '20',
      '--decompose-at',
      '1',
      '--rank-policy',
      'ratio:0.5',
      '--batch-size',
      '32',
      '--backend',
      'wasm',
      '--runs-dir',
      runsDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  const messages: TrainerMessage[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.on('message', (m) => {
    messages.push(m as TrainerMessage);
    // stop once the decomposition event has arrived and one decomposed epoch is done
    if ((m as TrainerMessage).type === 'metrics' && (m as { record: { epoch: number } }).record.epoch === 2) child.send({ type: 'stop' });
  });
  const code = await exit;
  assert.equal(code, 0, stderr);
  const types = messages.map((m) => m.type);
  assert.equal(types[0], 'started');
  assert.ok(types.includes('progress'));
  const events = messages.filter((m): m is Extract<TrainerMessage, { type: 'event' }> => m.type === 'event').map((m) => m.event.type);
  assert.ok(events.includes('decompose'));
  const last = messages[messages.length - 1];
  assert.equal(last.type, 'finished');
  assert.equal((last as { status: string }).status, 'stopped');
  const runDir = (messages[0] as Extract<TrainerMessage, { type: 'started' }>).runDir;
  const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(run.status, 'stopped');
  assert.equal(run.pid, null);
  const metrics = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.ok(metrics.length >= 2 && metrics.length < 20);
});

test('SIGTERM stops a CLI run with a checkpoint and status stopped', async () => {
  const runsDir = tempDir();
  const child = fork(
    cli,
    [
      'train',
      '--quiet',
      '--dataset',
      'synthetic:8x8x3',
      '--epochs',
      '50',
      '--decompose-at',
      '1',
      '--rank-policy',
      'ratio:0.5',
      '--batch-size',
      '32',
      '--backend',
      'wasm',
      '--runs-dir',
      runsDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // wait for the run folder's first metrics line, then send SIGTERM
  const { readdirSync, existsSync } = await import('node:fs');
  for (let i = 0; i < 600; i++) {
    const dirs = readdirSync(runsDir);
    if (dirs.length && existsSync(join(runsDir, dirs[0], 'metrics.jsonl'))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  assert.equal(await exit, 0);
  const dir = join(runsDir, readdirSync(runsDir)[0]);
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(run.status, 'stopped');
  assert.ok(readdirSync(join(dir, 'checkpoints')).some((l) => l.startsWith('stopped')));
});
