import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTO_CAP, cgroupCpuQuota, chooseWasmThreads } from './threads';

const files = (m: Record<string, string>) => (p: string) => m[p] ?? null;

test('the cgroup CPU quota: v2 cpu.max, v1 cfs files, none', () => {
  assert.equal(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' })), 1.5);
  assert.equal(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' })), null);
  assert.equal(
    cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '300000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' })),
    3,
  );
  assert.equal(
    cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' })),
    null,
  );
  assert.equal(cgroupCpuQuota(files({})), null);
});

test('threads: the flag, else the environment variable, else the cores the quota allows', () => {
  assert.deepEqual(chooseWasmThreads({ requested: { threads: 3, from: '--threads' }, env: '1', cores: 2, quota: null }), {
    threads: 3,
    reason: '--threads',
  });
  assert.equal(chooseWasmThreads({ env: '1', cores: 16, quota: null }).threads, 1);
  assert.match(chooseWasmThreads({ env: '1', cores: 16, quota: null }).reason, /^TUCKER_TRAIN_WASM_THREADS=1$/);
  const two = chooseWasmThreads({ cores: 2, quota: null });
  assert.equal(two.threads, 2);
  assert.match(two.reason, /^automatic: 2 cores available;/);
  assert.equal(chooseWasmThreads({ cores: 16, quota: 2.5 }).threads, 2);
  assert.match(chooseWasmThreads({ cores: 16, quota: 2.5 }).reason, /cgroup CPU quota 2\.5/);
  assert.equal(chooseWasmThreads({ cores: 16, quota: 0.5 }).threads, 1);
  assert.equal(chooseWasmThreads({ cores: 1, quota: null }).threads, 1);
  assert.equal(chooseWasmThreads({ cores: 64, quota: null }).threads, AUTO_CAP);
  assert.match(chooseWasmThreads({ cores: 64, quota: null }).reason, /capped at 8/);
  assert.equal(chooseWasmThreads({ env: '', cores: 2, quota: null }).threads, 2, 'an empty variable counts as unset');
});

test('bad thread counts name where they came from', () => {
  assert.throws(
    () => chooseWasmThreads({ env: 'two', cores: 2, quota: null }),
    /^UserError: TUCKER_TRAIN_WASM_THREADS=two: .*fix or unset it$/,
  );
  assert.throws(() => chooseWasmThreads({ env: '0', cores: 2, quota: null }), /TUCKER_TRAIN_WASM_THREADS=0/);
  assert.throws(() => chooseWasmThreads({ requested: { threads: 0, from: '--threads' } }), /^UserError: --threads: .*got 0/);
});
