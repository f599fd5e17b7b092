// The webgpu backend for real, on whatever adapter Dawn finds here: in CI Mesa 25's lavapipe (a
// software Vulkan, installed by .ci/run), on a developer machine without Vulkan these tests skip
// and say why (docs/design.md §6.1, §7.2). A training step against cpu, a whole decompose-then-
// reconstruct run, a GPU lost mid-run, an uncaptured GPU error, and the refusal without Vulkan.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../../src/cli/config';
import { lastCheckpoint } from '../../src/runs/checkpoints';
import type { EpochMetrics, RunEvent, RunInfo } from '../../src/runs/types';
import type { TrainerMessage } from '../../src/protocol';
import { releaseNativeResources } from '../../src/trainer/backend/release';
import { setupBackend } from '../../src/trainer/backend/setup';
import { detectWebGpu, GpuFaultError, gpuErrorMessage, webgpuDevice, webgpuFault } from '../../src/trainer/backend/webgpu';
import { resumeRun, startRun } from '../../src/trainer/engine';
import { buildZooModel } from '../../src/trainer/zoo';
import { relDiff, tempDir } from '../support/backend';

after(releaseNativeResources); // let go of Dawn's device as the CLI does

// What `doctor` says about webgpu here: null when an adapter exists, else the reason to skip.
const noAdapter = detectWebGpu().then((d) => (d.ok ? null : d.why));

async function needsAdapter(t: TestContext): Promise<boolean> {
  const why = await noAdapter;
  // CI installs Mesa 25 and sets this, so that a broken install fails instead of skipping.
  if (why && process.env.TUCKER_TRAIN_REQUIRE_WEBGPU === '1')
    assert.fail(`no WebGPU adapter although TUCKER_TRAIN_REQUIRE_WEBGPU=1: ${why}`);
  if (why) t.skip(`SKIPPED: no WebGPU adapter here (doctor: ${why}); install Mesa 25 lavapipe to run it (see .ci/run)`);
  return why === null;
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

function config(runsDir: string, extra: Record<string, string> = {}) {
  return resolveConfig({
    model: 'small-cnn',
    dataset: 'synthetic:8x8x1',
    epochs: '2',
    'decompose-at': '0',
    'reconstruct-at': '1',
    'rank-policy': 'ratio:0.5',
    'batch-size': '64',
    lr: '0.02',
    backend: 'webgpu',
    'runs-dir': runsDir,
    decide: 'flops', // asserts a decomposition; timing on a software adapter would also compile shaders per form
    ...extra,
  });
}

/** Loss and gradients of one training step of `model` on the active backend. */
async function lossAndGrads(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<{ loss: number; grads: Float32Array[] }> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(y, model.apply(x, { training: true }) as tf.Tensor),
    vars,
  );
  const loss = (await value.data())[0];
  const g = await Promise.all(vars.map(async (v) => ((await grads[v.name].data()) as Float32Array).slice()));
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: g };
}

test('webgpu has every kernel our networks train with (conv and its gradients, max-pool gradient, batch norm, dense)', async (t) => {
  if (!(await needsAdapter(t))) return;
  await setupBackend('webgpu');
  const kernels = new Set(tf.getKernelsForBackend('webgpu').map((k) => k.kernelName));
  for (const k of [
    'Conv2D',
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
    'MaxPool',
    'MaxPoolGrad',
    'FusedBatchNorm',
    'BatchMatMul',
    'Relu',
  ])
    assert.ok(kernels.has(k), `webgpu lacks ${k}`);
});

test('a training step on webgpu gives the loss and gradients of cpu within 1e-4 relative', async (t) => {
  if (!(await needsAdapter(t))) return;
  await setupBackend('cpu');
  // small-cnn: conv-BN-ReLU blocks, max-pooling, dense: the kernels of every zoo network.
  const model = buildZooModel('small-cnn', { inputShape: [8, 8, 3], numClasses: 10, seed: 3 });
  const x = tf.randomUniform([8, 8, 8, 3], -1, 1, 'float32', 5);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
  const onCpu = await lossAndGrads(model, x, y);
  const s = await setupBackend('webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
  assert.equal(s.used, 'webgpu');
  const onGpu = await lossAndGrads(model, x, y);
  assert.ok(Number.isFinite(onCpu.loss) && onCpu.loss > 0);
  assert.ok(Math.abs(onGpu.loss - onCpu.loss) <= 1e-4 * Math.abs(onCpu.loss), `loss ${onGpu.loss} vs ${onCpu.loss}`);
  assert.equal(onGpu.grads.length, onCpu.grads.length);
  onCpu.grads.forEach((g, i) => {
    const d = relDiff(g, onGpu.grads[i]);
    assert.ok(d <= 1e-4, `${model.trainableWeights[i].name}: relative difference ${d}`);
  });
  tf.dispose([x, y]);
  model.dispose();
});

test('a whole decompose-then-reconstruct run on webgpu: run.json says webgpu and its adapter', async (t) => {
  if (!(await needsAdapter(t))) return;
  const d = await detectWebGpu();
  assert.ok(d.ok);
  const out = await startRun(config(tempDir()));
  assert.equal(out.status, 'completed');
  const run = JSON.parse(readFileSync(join(out.runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(run.backend?.requested, 'webgpu');
  assert.equal(run.backend?.used, 'webgpu');
  assert.deepEqual(run.backend?.adapter, d.adapter);
  assert.match(run.backend?.device ?? '', d.adapter.software ? /^CPU \(software WebGPU adapter on / : /^GPU \(WebGPU on /);
  const metrics = readJsonl<EpochMetrics>(join(out.runDir, 'metrics.jsonl'));
  assert.deepEqual(
    metrics.map((m) => m.phase),
    ['decomposed', 'reconstructed'],
  );
  for (const m of metrics) assert.ok(Number.isFinite(m.trainLoss) && Number.isFinite(m.valLoss!), JSON.stringify(m));
  const events = readJsonl<RunEvent>(join(out.runDir, 'events.jsonl'));
  const dec = events.find((e) => e.type === 'decompose');
  const rec = events.find((e) => e.type === 'reconstruct');
  assert.ok(dec && dec.type === 'decompose' && dec.paramsAfter < dec.paramsBefore);
  assert.ok(rec && rec.type === 'reconstruct' && rec.paramsAfter === dec.paramsBefore);
  assert.ok(rec.maxOutputDifference! < 1e-3, `merge changed the outputs by ${rec.maxOutputDifference}`);
  assert.ok(existsSync(join(out.runDir, 'checkpoints', 'final', 'model.json')));
});

test('a GPU lost mid-run ends the run as failed with its message, metrics and checkpoint intact; resume continues on wasm', async (t) => {
  if (!(await needsAdapter(t))) return;
  const messages: TrainerMessage[] = [];
  const onMessage = (m: TrainerMessage) => {
    messages.push(m);
    // Right after the 'reconstructed' checkpoint (epoch 1 done): the GPU goes away.
    if (m.type === 'event' && m.event.type === 'checkpoint' && m.event.label === 'reconstructed') webgpuDevice()!.destroy();
  };
  await assert.rejects(startRun(config(tempDir()), { onMessage }), (e: unknown) => e instanceof GpuFaultError);
  const started = messages.find((m) => m.type === 'started');
  assert.ok(started && started.type === 'started');
  const runDir = started.runDir;
  const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(run.status, 'failed');
  assert.match(run.error!, /^the GPU device was lost \(destroyed\)/);
  const failed = messages.find((m) => m.type === 'failed');
  assert.ok(failed && failed.type === 'failed' && failed.error === run.error);
  assert.ok(readJsonl<RunEvent>(join(runDir, 'events.jsonl')).some((e) => e.type === 'error' && e.message === run.error));
  assert.deepEqual(
    readJsonl<EpochMetrics>(join(runDir, 'metrics.jsonl')).map((m) => m.epoch),
    [1],
  );
  assert.equal(lastCheckpoint(runDir)?.meta.label, 'reconstructed');

  const resumed = await resumeRun(runDir, {}, { backend: 'wasm' });
  assert.equal(resumed.status, 'completed');
  const after = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(after.backend?.used, 'wasm');
  assert.equal(after.backend?.adapter, undefined);
  assert.deepEqual(
    readJsonl<EpochMetrics>(join(runDir, 'metrics.jsonl')).map((m) => [m.epoch, m.phase]),
    [
      [1, 'decomposed'],
      [2, 'reconstructed'],
    ],
  );
});

test('an uncaptured GPU error (here an invalid buffer) fails the run with its message and drops the device', async (t) => {
  if (!(await needsAdapter(t))) return;
  const s = await setupBackend('webgpu');
  assert.ok(s.fault);
  const dev = webgpuDevice()!;
  dev.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
  await assert.rejects(
    webgpuFault()!,
    (e: unknown) => e instanceof GpuFaultError && /^a WebGPU operation was invalid: Buffer usages/.test((e as Error).message),
  );
  await assert.rejects(dev.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }).mapAsync(GPUMapMode.READ));
});

test('an out-of-memory error is named as such', () => {
  class GPUOutOfMemoryError {
    constructor(readonly message: string) {}
  }
  assert.equal(gpuErrorMessage(new GPUOutOfMemoryError('Allocation failed\ndetails')), 'the GPU ran out of memory: Allocation failed');
  assert.equal(gpuErrorMessage(null), 'a WebGPU error occurred: no details');
});

test(
  '--backend webgpu without a Vulkan driver is refused with exit 2 and the reason, before any run folder exists',
  { skip: process.platform === 'linux' ? false : 'SKIPPED: Linux only (Dawn uses Vulkan there; elsewhere Metal or D3D12)' },
  () => {
    const runsDir = tempDir();
    const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
    const r = spawnSync(
      process.execPath,
      [cli, 'train', '--backend', 'webgpu', '--dataset', 'synthetic:8x8x1', '--epochs', '1', '--baseline', '--runs-dir', runsDir],
      { encoding: 'utf8', env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '' } },
    );
    assert.equal(r.status, 2, r.stderr);
    const line = r.stderr.split('\n').find((l) => l.startsWith('tucker-train:'));
    // No Vulkan loader at all reads differently, but is refused the same way.
    assert.match(
      line ?? '',
      /^tucker-train: backend 'webgpu' is not available: (VK_ICD_FILENAMES names no existing Vulkan driver file|no Vulkan loader)/,
    );
    assert.deepEqual(readdirSync(runsDir), []);
  },
);
