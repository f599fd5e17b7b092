// Every bad input is refused before training starts: one line naming the option or file, exit 2,
// no stack, and no run folder created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/backend';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

function train(args: string[]) {
  const runsDir = tempDir();
  const r = spawnSync(process.execPath, [cli, 'train', '--runs-dir', runsDir, ...args], { encoding: 'utf8' });
  return { ...r, runsDir };
}

function assertRefused(args: string[], pattern: RegExp) {
  const r = train(args);
  assert.equal(r.status, 2, `exit code for ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^tucker-train: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.deepEqual(readdirSync(r.runsDir), [], 'no run folder is created');
}

test('unknown model', () =>
  assertRefused(['--model', 'alexnet'], /--model.*unknown model 'alexnet'.*small-cnn, vgg19, resnet56, resnet56-pad, densenet40/));
test('unknown dataset', () => assertRefused(['--dataset', 'imagenet'], /--dataset.*unknown dataset/));
test('decompose epoch not below the epochs', () =>
  assertRefused(['--epochs', '3', '--decompose-at', '3'], /--decompose-at: 3 must be below --epochs \(3\)/));
test('reconstruct epoch not after the decompose epoch', () =>
  assertRefused(
    ['--epochs', '5', '--decompose-at', '2', '--reconstruct-at', '2'],
    /--reconstruct-at: 2 must be after --decompose-at \(2\)/,
  ));
test('not a number', () => assertRefused(['--epochs', 'ten'], /--epochs: 'ten' is not an integer/));
test('bad rank policy', () => assertRefused(['--rank-policy', 'ratio:2'], /--rank-policy/));
test('unknown flag', () => assertRefused(['--epoch', '3'], /epoch/));
test('bad backend', () =>
  assertRefused(['--backend', 'tpu'], /--backend: 'tpu' is not one of auto, tensorflow-gpu, webgpu, tensorflow, wasm, cpu/));

test('malformed config file', () => {
  const dir = tempDir();
  const file = join(dir, 'run.tucker.json');
  writeFileSync(file, '{ "epochs": 3, }');
  assertRefused(['--config', file], new RegExp(`--config ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
  writeFileSync(file, '{ "epocs": 3 }');
  assertRefused(['--config', file], /unknown field 'epocs'/);
  writeFileSync(file, '{ "epochs": 3, "decomposeAt": 5 }');
  assertRefused(['--config', file], /'decomposeAt'.*5 must be below --epochs \(3\)/);
});

test('truncated CIFAR-10 file', () => {
  const dir = tempDir();
  const record = 3073;
  for (const f of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) {
    writeFileSync(join(dir, f), Buffer.alloc(record * 2));
  }
  writeFileSync(join(dir, 'data_batch_3.bin'), Buffer.alloc(record * 2 - 100));
  assertRefused(['--dataset', `cifar10:${dir}`], /data_batch_3\.bin is 6046 bytes, not a whole number of 3073-byte records/);
  assertRefused(['--dataset', `cifar10:${join(dir, 'nope')}`], /folder not found/);
});

test('unwritable runs directory', () => {
  // a folder below a regular file can be created by nobody, root included (ENOTDIR)
  const file = join(tempDir(), 'plain-file');
  writeFileSync(file, 'x');
  const r = spawnSync(process.execPath, [cli, 'train', '--runs-dir', join(file, 'runs')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    /^tucker-train: --runs-dir .*not writable \(ENOTDIR: a part of the path is a file, not a folder\); checked .*; choose another folder with --runs-dir/,
  );
});

test('runs directory that is a file', () => {
  const dir = tempDir();
  const file = join(dir, 'file');
  writeFileSync(file, 'x');
  const r = spawnSync(process.execPath, [cli, 'train', '--runs-dir', file], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^tucker-train: --runs-dir .*file: exists and is not a folder/);
});
