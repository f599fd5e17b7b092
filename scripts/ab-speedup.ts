// Speedup of a zoo model under load: original and decomposed training steps interleaved in one
// process (o, d, o, d, …), wall and CPU time per step (CPU time of this process: other
// processes on the machine inflate wall time but hardly this). Prints medians and the median of
// the per-pair ratios. node --import tsx scripts/ab-speedup.ts [--model vgg19] [--batch 32] [--pairs 5] [--threads N]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../src/trainer/backend/setup';
import { disableWasmPool } from '../src/trainer/backend/wasmPool';
import { buildZooModel } from '../src/trainer/zoo';
import { decomposeModel } from '../src/trainer/surgery';
import { parseRankPolicy } from '../src/core/rankPolicy';
import { trainStep, median } from '../src/bench/stepBench';

const { values } = parseArgs({
  options: { model: { type: 'string' }, batch: { type: 'string' }, pairs: { type: 'string' }, threads: { type: 'string' } },
});
const batch = Number(values.batch ?? 32),
  pairs = Number(values.pairs ?? 5);
(async () => {
  const setup = await setupBackend('wasm', { wasmThreads: values.threads ? Number(values.threads) : undefined });
  const original = buildZooModel(values.model ?? 'vgg19', { inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
  const dec = (await decomposeModel(original, { policy: parseRankPolicy('ratio:0.25') })).model;
  const x = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 7);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 8) as tf.Tensor1D, 10).toFloat());
  const opts = [tf.train.sgd(0.01), tf.train.sgd(0.01)];
  const step = async (m: tf.LayersModel, o: tf.Optimizer): Promise<[number, number]> => {
    const c0 = process.cpuUsage(),
      t0 = performance.now();
    const l = trainStep(m, o, x, y);
    await l.data();
    l.dispose();
    const c = process.cpuUsage(c0);
    return [performance.now() - t0, (c.user + c.system) / 1000];
  };
  await step(original, opts[0]);
  await step(dec, opts[1]);
  const ow: number[] = [],
    oc: number[] = [],
    dw: number[] = [],
    dc: number[] = [],
    rw: number[] = [],
    rc: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const [a, b] = await step(original, opts[0]);
    const [c, d] = await step(dec, opts[1]);
    ow.push(a);
    oc.push(b);
    dw.push(c);
    dc.push(d);
    rw.push(a / c);
    rc.push(b / d);
  }
  const r = (v: number) => Math.round(v * 10) / 10;
  console.log(
    JSON.stringify({
      threads: setup.threads,
      load: (await import('node:os')).loadavg().map(r),
      origWall: r(median(ow)),
      decWall: r(median(dw)),
      ratioWall: Math.round(median(rw) * 100) / 100,
      origCpu: r(median(oc)),
      decCpu: r(median(dc)),
      ratioCpu: Math.round(median(rc) * 100) / 100,
    }),
  );
  await disableWasmPool();
  process.exit(0);
})().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
