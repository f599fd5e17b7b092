// Per-layer / per-kernel profile of training steps of a zoo model, original and Tucker-2
// decomposed, on the wasm backend (run: node --import tsx scripts/profile-step.ts [--model vgg19]
// [--batch 32] [--steps 2] [--threads N] [--json out.json]). See src/trainer/backend/kernelProfile.ts.
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../src/trainer/backend/setup';
import { disableWasmPool } from '../src/trainer/backend/wasmPool';
import { buildZooModel } from '../src/trainer/zoo';
import { decomposeModel } from '../src/trainer/surgery';
import { parseRankPolicy } from '../src/core/rankPolicy';
import { trainStep } from '../src/bench/stepBench';
import {
  convLayers,
  formatProfile,
  installKernelProfiler,
  startRecording,
  stopRecording,
  summarise,
  type StepProfile,
} from '../src/bench/kernelProfile';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    batch: { type: 'string' },
    steps: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'string' },
    only: { type: 'string' },
  },
});
const batch = Number(values.batch ?? 32),
  steps = Number(values.steps ?? 2);

async function profile(model: tf.LayersModel): Promise<StepProfile> {
  const opt = tf.train.sgd(0.01);
  const x = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 7);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 8) as tf.Tensor1D, 10).toFloat());
  const step = async () => {
    const l = trainStep(model, opt, x, y);
    await l.data();
    l.dispose();
  };
  await step();
  startRecording();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const total = performance.now() - t0;
  const calls = stopRecording();
  x.dispose();
  y.dispose();
  opt.dispose();
  return summarise(calls, convLayers(model, batch), steps, total);
}

(async () => {
  const setup = await setupBackend('wasm', { wasmThreads: values.threads ? Number(values.threads) : undefined });
  installKernelProfiler('wasm');
  const name = values.model ?? 'vgg19';
  const original = buildZooModel(name, { inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
  const dec = await decomposeModel(original, { policy: parseRankPolicy('ratio:0.25') });
  const out: Record<string, StepProfile> = {};
  if (values.only !== 'decomposed') {
    out.original = await profile(original);
    console.log(formatProfile(`${name} original (${setup.device})`, out.original));
  }
  if (values.only !== 'original') {
    out.decomposed = await profile(dec.model);
    console.log(formatProfile(`${name} decomposed`, out.decomposed));
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(out, null, 1));
  await disableWasmPool();
})().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
