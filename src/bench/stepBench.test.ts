import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBenchStep } from '../cli/commands/benchStep';
import { runBenchSpeedup } from '../cli/commands/benchSpeedup';
import { isUserError } from '../core/userError';
import { chooseWasmThreads, THREADS_ENV } from '../trainer/backend/threads';

async function capture(f: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => {
    lines.push(a.join(' '));
  };
  try {
    const code = await f();
    return { code, out: lines.join('\n') };
  } finally {
    console.log = orig;
  }
}

test('bench step --json prints one object with msPerStep', async () => {
  const { code, out } = await capture(() => runBenchStep(['--backend', 'wasm', '--batch', '2', '--steps', '2', '--warmup', '1', '--json']));
  assert.equal(code, 0);
  const r = JSON.parse(out);
  assert.equal(r.model, 'toy');
  assert.equal(r.backend, 'wasm');
  assert.equal(r.steps, 2);
  assert.equal(r.batch, 2);
  assert.ok(r.msPerStep > 0);
  assert.equal(r.tensorLeakPerStep, 0);
  // the default thread count: the environment variable, else the cores available (threads.ts)
  assert.equal(r.threads, chooseWasmThreads({ env: process.env[THREADS_ENV] }).threads);
  assert.match(r.threadsReason, /^(automatic: \d+ cores? available|TUCKER_TRAIN_WASM_THREADS=)/);
});

test('bench step prints a table by default, with --threads 2 on wasm', async () => {
  const { code, out } = await capture(() =>
    runBenchStep(['--backend', 'wasm', '--batch', '4', '--steps', '1', '--warmup', '0', '--threads', '2']),
  );
  assert.equal(code, 0);
  assert.match(out, /ms\/step \(median\)/);
  assert.match(out, /2 threads/);
});

test('bench step rejects bad options with a UserError', async () => {
  for (const argv of [['--model', 'vgg'], ['--batch', '0'], ['--backend', 'metal'], ['--frobnicate'], ['--stock', '--threads', '2']]) {
    await assert.rejects(runBenchStep(argv), (e: unknown) => isUserError(e), argv.join(' '));
  }
});

test('bench speedup times a small zoo model before and after decomposition', async () => {
  const { code, out } = await capture(() =>
    runBenchSpeedup([
      '--model',
      'small-cnn',
      '--backend',
      'wasm',
      '--batch',
      '2',
      '--steps',
      '1',
      '--warmup',
      '0',
      '--rank-policy',
      'ratio:0.5',
      '--decide', // eq. 11 by hand below: every layer the ranks allow, not a timing-based choice
      'flops',
      '--json',
    ]),
  );
  assert.equal(code, 0);
  const r = JSON.parse(out);
  assert.equal(r.model, 'small-cnn');
  assert.ok(r.original.msPerStep > 0 && r.decomposed.msPerStep > 0 && r.measuredSpeedup > 0);
  // eq. 11 by hand for small-cnn on 32×32×3 at ratio:0.5 (stride 1, 'same'; pools halve 32→16→8):
  // before Σ 9·Cin·Cout·HW = 442,368 + 1,179,648 + 2,359,296 + 1,179,648 + 2,359,296 = 7,520,256
  // after Σ HW·(Cin·K1 + 9·K1·K2 + Cout·K2) with (K1,K2) = (2,8),(8,16),(16,16),(16,32),(32,32):
  //   1024·278 + 256·1792 + 256·3328 + 64·7168 + 64·13312 = 2,906,112
  assert.equal(r.convMacsBefore, 7520256);
  assert.equal(r.convMacsAfter, 2906112);
  assert.equal(r.predictedSpeedup, 2.59);
  assert.ok(r.paramsAfter <= r.paramsBefore);
  await assert.rejects(runBenchSpeedup(['--model', 'alexnet']), (e: unknown) => isUserError(e));
});

test('bench speedup --profile attributes conv kernels to layers and prints the per-layer table', async () => {
  const args = [
    '--model',
    'vgg19',
    '--width',
    '0.125',
    '--backend',
    'wasm',
    '--batch',
    '2',
    '--steps',
    '1',
    '--warmup',
    '0',
    '--decide',
    'flops',
  ];
  const { code, out } = await capture(() => runBenchSpeedup([...args, '--profile', '--json']));
  assert.equal(code, 0);
  const r = JSON.parse(out);
  for (const which of ['original', 'decomposed'] as const) {
    const p = r.profile[which];
    assert.ok(p.totalMs > 0 && p.kernelMs > 0 && p.kernelMs <= p.totalMs * 1.05, which);
    // every conv layer's forward and filter gradient was timed and attributed
    for (const row of p.layers) assert.ok(row.fwdMs > 0 && row.bfMs > 0 && row.fwdFlops > 0, `${which} ${row.shape}`);
  }
  assert.ok(r.profile.decomposed.layers.some((l: { kind: string }) => l.kind === 'pointwise'));
  assert.ok(r.profile.decomposed.layers.some((l: { kind: string }) => l.kind === 'core'));
  const text = await capture(() => runBenchSpeedup([...args, '--profile']));
  assert.match(text.out, /GFLOP\/s/);
  assert.match(text.out, /decomposed, profiled step/);
});

test('bench step --freeze sequential times each trainable factor group against all trainable', async () => {
  const argv = ['--model', 'small-cnn', '--backend', 'wasm', '--batch', '2', '--steps', '1', '--warmup', '0', '--freeze', 'sequential'];
  const { code, out } = await capture(() => runBenchStep([...argv, '--json']));
  assert.equal(code, 0);
  const r = JSON.parse(out);
  assert.ok(r.decomposedLayers > 0);
  assert.deepEqual(
    r.freeze.rows.map((x: { trainable: string }) => x.trainable),
    ['all', 'first', 'core', 'last'],
  );
  for (const row of r.freeze.rows) assert.ok(row.timing.msPerStep > 0 && row.throughputGain > 0);
  await assert.rejects(runBenchStep(['--freeze', 'rotate']), (e: unknown) => isUserError(e) && /--freeze: 'rotate'/.test(String(e)));
});

test('bench speedup --decide measured --decompose-pointwise: every layer timed, the decisions printed per layer', async () => {
  const args = ['--model', 'resnet56', '--width', '0.25', '--backend', 'wasm', '--batch', '2', '--steps', '1', '--warmup', '0'];
  const { code, out } = await capture(() => runBenchSpeedup([...args, '--decompose-pointwise', '--json']));
  assert.equal(code, 0);
  const r = JSON.parse(out) as {
    decide: string;
    layers: { kernel: number[]; skipped: string | null; measured: { chosen: number | null } | null }[];
  };
  assert.equal(r.decide, 'measured');
  // The two 1×1 projection shortcuts are candidates now: timed like the 3×3 convs (unless kept as the first conv).
  assert.equal(r.layers.filter((l) => l.kernel[0] === 1 && l.measured).length, 2);
  for (const l of r.layers.filter((x) => x.measured)) assert.equal(l.skipped !== null, l.measured!.chosen === null);
  const text = await capture(() => runBenchSpeedup([...args, '--decompose-pointwise']));
  assert.match(text.out, /per layer \(forward \+ backward at batch 2, median\):\nlayer +kernel +ranks +original ms +decomposed ms +choice/);
  await assert.rejects(
    runBenchSpeedup([...args, '--quantize', 'auto', '--decide', 'flops']),
    /bench speedup: --quantize: 'auto' is the measured choice/,
  );
});
