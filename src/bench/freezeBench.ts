// Training-step time of a decomposed model with each factor group trainable in turn (sequential
// freezing, src/trainer/freezing.ts) against all trainable: what `bench step` and `bench speedup`
// print with --freeze sequential. Timed alternately, one step at a time, so load hits all alike.
import type * as tf from '@tensorflow/tfjs';
import { FACTOR_GROUPS, freezeFactors, type FactorGroup } from '../trainer/freezing';
import { summarizeTimings, timeTrainSteps, type StepTiming } from './stepBench';

export interface FreezeRow {
  /** 'all': nothing frozen; else the only trainable factor group. */
  trainable: 'all' | FactorGroup;
  timing: StepTiming;
  /** Throughput relative to 'all' (1.3 = 30 % more images per second). */
  throughputGain: number;
}

export interface FreezeBench {
  rows: FreezeRow[];
  /** Throughput gain of a frozen epoch averaged over one rotation (mean ms over the three groups). */
  rotationGain: number;
}

export async function benchFreezing(model: tf.LayersModel, opts: { batch: number; steps: number; warmup: number }): Promise<FreezeBench> {
  const kinds: ('all' | FactorGroup)[] = ['all', ...FACTOR_GROUPS];
  const once = async (k: 'all' | FactorGroup, steps: number, warmup: number): Promise<StepTiming> => {
    const f = freezeFactors(model, k === 'all' ? null : k);
    try {
      return await timeTrainSteps(model, { batch: opts.batch, steps, warmup, frozen: f.frozen });
    } finally {
      f.restore();
    }
  };
  if (opts.warmup > 0) for (const k of kinds) await once(k, 1, opts.warmup - 1);
  const times = new Map(kinds.map((k) => [k, [] as StepTiming[]]));
  for (let i = 0; i < opts.steps; i++) for (const k of kinds) times.get(k)!.push(await once(k, 1, 0));
  const timing = new Map(kinds.map((k) => [k, summarizeTimings(times.get(k)!, opts.batch)]));
  const all = timing.get('all')!.msPerStep;
  const r2 = (v: number) => Math.round(v * 100) / 100;
  const rows = kinds.map((k) => ({ trainable: k, timing: timing.get(k)!, throughputGain: r2(all / timing.get(k)!.msPerStep) }));
  const rotationMs = FACTOR_GROUPS.reduce((n, g) => n + timing.get(g)!.msPerStep, 0) / FACTOR_GROUPS.length;
  return { rows, rotationGain: r2(all / rotationMs) };
}

/** The table both bench commands print. */
export function formatFreezeBench(b: FreezeBench): string {
  const head = ['trainable factors', 'ms/step (median)', 'min', 'images/s', 'throughput vs all'];
  const body = b.rows.map((r) => [
    r.trainable === 'all' ? 'all (no freezing)' : `${r.trainable} only`,
    String(r.timing.msPerStep),
    String(r.timing.msMin),
    String(r.timing.imagesPerSecond),
    `${r.throughputGain}×`,
  ]);
  body.push(['rotation mean', '', '', '', `${b.rotationGain}×`]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i])))
      .join('  ')
      .trimEnd();
  const gain = Math.round((b.rotationGain - 1) * 100);
  const verdict = `sequential freezing: ${gain >= 0 ? `${gain} % more` : `${-gain} % less`} throughput in frozen epochs (mean step time over one rotation)`;
  return [line(head), ...body.map(line), verdict].join('\n');
}
