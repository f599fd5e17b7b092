// The run view's data model, pure (no DOM): steps.jsonl records as columns, and the series each
// chart draws on the chosen x axis (epoch, step or wall-clock time), epoch and step records merged
// on one x column, the step curves smoothed with the debiased EMA.
import { stepEpochPosition, type StepColumnsView } from '../../src/protocol';
import type { StepMetrics } from '../../src/runs/types';
import type { ChartSeries } from '../charts';
import type { MetricsColumns } from '../series';
import { debiasedEma } from '../smoothing';

export type XAxis = 'epoch' | 'step' | 'time';

export class StepColumns {
  readonly epoch: number[] = [];
  readonly step: number[] = [];
  readonly seconds: number[] = [];
  readonly trainLoss: number[] = [];
  readonly trainAcc: number[] = [];
  readonly lr: number[] = [];
  readonly ips: number[] = [];
  last: StepMetrics | null = null;

  get length(): number {
    return this.step.length;
  }

  private get all(): number[][] {
    return [this.epoch, this.step, this.seconds, this.trainLoss, this.trainAcc, this.lr, this.ips];
  }

  clear(): void {
    for (const c of this.all) c.length = 0;
    this.last = null;
  }

  load(v: StepColumnsView | undefined): void {
    this.clear();
    if (!v) return;
    for (let i = 0; i < v.step.length; i++) {
      this.epoch.push(v.epoch[i]);
      this.step.push(v.step[i]);
      this.seconds.push(v.seconds[i]);
      this.trainLoss.push(v.trainLoss[i]);
      this.trainAcc.push(v.trainAccuracy[i]);
      this.lr.push(v.lr[i]);
      this.ips.push(v.imagesPerSecond[i]);
    }
    this.last = v.last;
  }

  /** Appends records; a step at or before the last one replaces the tail (a resumed run). */
  append(records: readonly StepMetrics[]): void {
    for (const m of records) {
      while (this.step.length && this.step[this.step.length - 1] >= m.step) for (const c of this.all) c.pop();
      this.epoch.push(stepEpochPosition(m));
      this.step.push(m.step);
      this.seconds.push(m.seconds);
      this.trainLoss.push(m.trainLoss);
      this.trainAcc.push(m.trainAccuracy);
      this.lr.push(m.lr);
      this.ips.push(m.imagesPerSecond);
      this.last = m;
    }
  }
}

/** Several (x, ys) sources on one sorted x column; a source's series are null where it has no point. */
export function alignSeries(sources: readonly { x: readonly number[]; ys: readonly (readonly (number | null)[])[] }[]): {
  x: number[];
  ys: (number | null)[][];
} {
  const xs = [...new Set(sources.flatMap((s) => s.x.filter((v) => Number.isFinite(v))))].sort((a, b) => a - b);
  const at = new Map(xs.map((v, i) => [v, i]));
  const ys: (number | null)[][] = [];
  for (const s of sources)
    for (const col of s.ys) {
      const out = new Array<number | null>(xs.length).fill(null);
      s.x.forEach((v, i) => {
        const k = at.get(v);
        if (k !== undefined) out[k] = col[i] ?? null;
      });
      ys.push(out);
    }
  return { x: xs, ys };
}

export type RunChartKind = 'accuracy' | 'loss' | 'throughput' | 'lr';

export interface RunChartData {
  series: ChartSeries[];
  x: number[];
  ys: (number | null)[][];
}

/** The series of one run-view chart (their number and labels depend only on whether there are step records and smoothing). */
export function runChartData(kind: RunChartKind, cols: MetricsColumns, steps: StepColumns, axis: XAxis, smoothing: number): RunChartData {
  const epochX = axis === 'epoch' ? cols.epoch : axis === 'time' ? cols.seconds : cols.step;
  const stepX = axis === 'epoch' ? steps.epoch : axis === 'time' ? steps.seconds : steps.step;
  const hasSteps = steps.length > 0;
  const stepCol = { accuracy: steps.trainAcc, loss: steps.trainLoss, throughput: steps.ips, lr: steps.lr }[kind];
  const epochTrain = { accuracy: cols.trainAcc, loss: cols.trainLoss, throughput: cols.ips, lr: cols.lr }[kind];
  const series: ChartSeries[] = [];
  const stepYs: (number | null)[][] = [];
  const epochYs: (number | null)[][] = [];
  const trainLabel = kind === 'throughput' ? 'images/s' : kind === 'lr' ? 'learning rate' : 'train';
  if (hasSteps) {
    // The learning rate is a schedule, not a noisy measurement: never smoothed.
    const smooth = kind !== 'lr' && smoothing > 0;
    if (smooth) {
      series.push({ label: `${trainLabel} (raw)`, color: 0, faint: true });
      stepYs.push(stepCol);
    }
    series.push({ label: kind === 'lr' ? trainLabel : `${trainLabel} (per ${smooth ? 'step, smoothed' : 'step'})`, color: 0 });
    stepYs.push(smooth ? debiasedEma(stepCol, smoothing) : stepCol);
    if (kind !== 'lr') {
      series.push({ label: `${trainLabel} (epoch mean)`, color: 2, dash: [2, 3] });
      epochYs.push(epochTrain);
    }
  } else {
    series.push({ label: kind === 'lr' || kind === 'throughput' ? trainLabel : `${trainLabel} (epoch mean)`, color: 0 });
    epochYs.push(epochTrain);
  }
  if (kind === 'accuracy' || kind === 'loss') {
    series.push({ label: 'validation', color: 1, dash: [5, 3] });
    epochYs.push(kind === 'accuracy' ? cols.valAcc : cols.valLoss);
  }
  const { x, ys } = alignSeries([
    { x: stepX, ys: stepYs },
    { x: epochX, ys: epochYs },
  ]);
  return { series, x, ys };
}
