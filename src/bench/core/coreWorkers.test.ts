// The worker pool must compute exactly what src/core computes in this thread: same ranks, same
// errors (the same code on the same WebAssembly kernels), results in input order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { analyzeConvKernel } from '../../core/analyzeConv';
import { UserError } from '../../core/userError';
import { benchCore, benchKernels } from './coreBench';
import { analyzeConvKernelsParallel, benchCoreParallel, CoreWorkerPool, defaultCoreWorkers } from './coreWorkers';

test('benchCoreParallel (2 workers) gives the same ranks and errors as the serial benchCore', async () => {
  for (const policy of [{ kind: 'vbmf' as const }, { kind: 'ratio' as const, fraction: 0.25 }]) {
    const serial = benchCore({ seed: 3, layers: 6, policy });
    const par = await benchCoreParallel({ seed: 3, layers: 6, policy, workers: 2 });
    assert.equal(par.workers, 2);
    assert.equal(serial.workers, 1);
    assert.equal(par.layers.length, 6);
    par.layers.forEach((l, i) => {
      const s = serial.layers[i];
      assert.equal(l.name, s.name);
      assert.deepEqual([l.k1, l.k2, l.skipped, l.iterations], [s.k1, s.k2, s.skipped, s.iterations], l.name);
      assert.equal(l.relError, s.relError, `${l.name}: identical error`);
      assert.ok(l.seconds > 0);
    });
    assert.ok(par.totalSeconds > 0 && Number.isFinite(par.totalSeconds));
  }
});

test("analyzeConvKernelsParallel: input order, factors equal to this thread's, kernels intact without transfer", async () => {
  const kernels = benchKernels({ seed: 5, layers: 5 })
    .map((l) => l.kernel)
    .reverse(); // largest first in input
  const copies = kernels.map((k) => Float64Array.from(k.data));
  const opts = { policy: { kind: 'vbmf' as const }, factors: true };
  const here = kernels.map((k) => analyzeConvKernel(k, opts));
  const pool = await CoreWorkerPool.start(2);
  try {
    const seen: number[] = [];
    const par = await analyzeConvKernelsParallel(kernels, { ...opts, pool, onResult: (i) => seen.push(i) });
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
    par.forEach((r, i) => {
      const h = here[i];
      assert.deepEqual([r.k1, r.k2, r.relError, r.skipped], [h.k1, h.k2, h.relError, h.skipped], `kernel ${i}`);
      if (h.factors) {
        assert.deepEqual(r.factors!.uIn.data, h.factors.uIn.data);
        assert.deepEqual(r.factors!.core.data, h.factors.core.data);
      } else assert.equal(r.factors, undefined);
    });
    kernels.forEach((k, i) => assert.deepEqual(k.data, copies[i]));
    // The pool is reusable; workers: 0 runs in this thread.
    const again = await pool.analyze(kernels.slice(0, 2), { policy: { kind: 'ratio', fraction: 0.5 }, decompose: false });
    assert.deepEqual(
      again.map((r) => [r.k1, r.relError]),
      [
        [kernels[0].shape[2] / 2, null],
        [kernels[1].shape[2] / 2, null],
      ],
    );
    const inThread = await analyzeConvKernelsParallel(kernels.slice(0, 2), { policy: { kind: 'vbmf' }, workers: 0 });
    assert.deepEqual(
      inThread.map((r) => r.relError),
      here.slice(0, 2).map((r) => r.relError),
    );
  } finally {
    await pool.close();
  }
  assert.ok(defaultCoreWorkers() >= 1);
});

test('a user error in a worker comes back as a UserError; a closed pool refuses work', async () => {
  const [layer] = benchKernels({ seed: 1, layers: 2 }).slice(1);
  const pool = await CoreWorkerPool.start(1);
  await assert.rejects(
    analyzeConvKernelsParallel([layer.kernel], { policy: { kind: 'vbmf' }, override: { k1: 999, k2: 1 }, pool }),
    (e: unknown) => e instanceof UserError && /k1=999/.test(e.message),
  );
  await pool.close();
  await assert.rejects(pool.analyze([layer.kernel], { policy: { kind: 'vbmf' } }), /closed/);
});

test(
  '`bench core --workers 2 --json` reports workers and the serial ranks (needs dist/ from npm run build)',
  { skip: !existsSync('dist/coreWorker.js') },
  () => {
    const run = (workers: string) => {
      const r = spawnSync(process.execPath, ['dist/cli.js', 'bench', 'core', '--json', '--layers', '4', '--workers', workers], {
        encoding: 'utf8',
        timeout: 300_000,
      });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { workers: number; layers: { k1: number; k2: number; relError: number }[] };
    };
    const two = run('2');
    const one = run('1');
    assert.equal(two.workers, 2);
    assert.equal(one.workers, 1);
    assert.deepEqual(
      two.layers.map((l) => [l.k1, l.k2, l.relError]),
      one.layers.map((l) => [l.k1, l.k2, l.relError]),
    );
    const table = spawnSync(process.execPath, ['dist/cli.js', 'bench', 'core', '--layers', '3', '--workers', '2'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.match(table.stdout, /\| \*\*total\*\* \|/);
    assert.match(table.stdout, /Workers: 2 threads/);
    const bad = spawnSync(process.execPath, ['dist/cli.js', 'bench', 'core', '--workers', '0'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--workers '0'/);
  },
);
