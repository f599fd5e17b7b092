// Which rows of a comparison do not compare like with like (docs/design.md §12): a run of another
// model, dataset, data subset or epoch count than the baseline, and runs trained at the same time on
// the same machine — they share its cores, slow each other down, and their wall-time speedup says
// nothing about the method. Pure: the comparison table (compare.ts) and its tests ask this alone.
import { totalEpochs } from './schedule';
import type { EpochMetrics, RunInfo } from './types';

export interface ComparableRun {
  id: string;
  name: string;
  model: string;
  dataset: string;
  trainSubset: number | null;
  epochs: number; // the schedule's total (fine-tune epochs included)
  host: string;
  /** Wall-clock training interval in ms since 1970; null when the run never started. */
  interval: { start: number; end: number } | null;
}

/**
 * When a run trained: from `startedAt` (else `createdAt`) to `endedAt`; a running run until `now`;
 * a run that ended without `endedAt` (crashed) until its last metrics record.
 */
export function trainingInterval(
  info: Pick<RunInfo, 'startedAt' | 'createdAt' | 'endedAt'>,
  status: string,
  lastMetrics: Pick<EpochMetrics, 'seconds'> | null,
  now: number,
): { start: number; end: number } | null {
  const start = Date.parse(info.startedAt ?? info.createdAt);
  if (!Number.isFinite(start)) return null;
  const ended = info.endedAt ? Date.parse(info.endedAt) : NaN;
  const end = Number.isFinite(ended) ? ended : status === 'running' ? now : start + (lastMetrics?.seconds ?? 0) * 1000;
  return { start, end: Math.max(start, end) };
}

export function comparableRun(
  info: RunInfo,
  status: string,
  metrics: readonly Pick<EpochMetrics, 'seconds'>[],
  now: number,
  name = info.name,
): ComparableRun {
  return {
    id: info.id,
    name,
    model: info.config.model,
    dataset: info.config.dataset,
    trainSubset: info.config.trainSubset ?? null,
    epochs: totalEpochs(info.config),
    host: info.host?.hostname ?? '',
    interval: trainingInterval(info, status, metrics.length ? metrics[metrics.length - 1] : null, now),
  };
}

/** A path-like spec (a model.json, `cifar10:/data/x`) by its last part, so messages stay short. */
function short(spec: string): string {
  const parts = spec.split(/[\\/]/);
  const tail = parts.length > 2 ? `…/${parts.slice(-2).join('/')}` : spec;
  return tail.length > 48 ? `…${tail.slice(-47)}` : tail;
}

function overlaps(a: ComparableRun, b: ComparableRun): boolean {
  if (!a.interval || !b.interval || a.host !== b.host) return false;
  return a.interval.start < b.interval.end && b.interval.start < a.interval.end;
}

/**
 * One sentence per reason a row's speedup or accuracy change is not a fair comparison, by run id;
 * runs without a reason are absent. Differences are against the baseline (none when there is
 * none); an overlap in time is reported for every run of the list it overlaps with.
 */
export function comparabilityWarnings(runs: readonly ComparableRun[], baselineId: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (id: string, w: string) => out.set(id, [...(out.get(id) ?? []), w]);
  const base = runs.find((r) => r.id === baselineId) ?? null;
  for (const r of runs) {
    if (base && r.id !== base.id) {
      if (r.model !== base.model) add(r.id, `different model than the baseline (${short(r.model)} vs ${short(base.model)})`);
      if (r.dataset !== base.dataset) add(r.id, `different dataset than the baseline (${short(r.dataset)} vs ${short(base.dataset)})`);
      else if (r.trainSubset !== base.trainSubset)
        add(r.id, `different training subset than the baseline (${r.trainSubset ?? 'all'} vs ${base.trainSubset ?? 'all'} images)`);
      if (r.epochs !== base.epochs) add(r.id, `different number of epochs than the baseline (${r.epochs} vs ${base.epochs})`);
    }
    const others = runs.filter((o) => o.id !== r.id && overlaps(r, o));
    if (others.length) {
      const names = others.slice(0, 3).map((o) => `'${o.name}'`).join(', ') + (others.length > 3 ? ` and ${others.length - 3} more` : '');
      add(r.id, `trained at the same time as ${names} on the same machine: runs that share a machine slow each other down, so its time and speedup are not meaningful`);
    }
  }
  return out;
}
