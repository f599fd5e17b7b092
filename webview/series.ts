// The dashboard's data model, pure (no DOM): metrics kept as columns ready for uPlot, markers
// from events, and the header's numbers. Appending is O(new records).
import type { MetricColumnsView } from '../src/protocol';
import type { EpochMetrics, LayerDecomposition, RunEvent } from '../src/runs/types';

export type Column = (number | null)[];

export class MetricsColumns {
  readonly epoch: number[] = [];
  readonly seconds: number[] = [];
  readonly trainAcc: Column = [];
  readonly valAcc: Column = [];
  readonly trainLoss: Column = [];
  readonly valLoss: Column = [];
  /** Sequential freezing: the factor group that trained in each epoch (null: all). */
  readonly groups: (string | null)[] = [];
  /** Optimizer steps, learning rate and images/s of each epoch (the run view's step axis and charts). */
  readonly step: number[] = [];
  readonly lr: Column = [];
  readonly ips: Column = [];
  last: EpochMetrics | null = null;
  first: EpochMetrics | null = null;

  get length(): number {
    return this.epoch.length;
  }

  clear(): void {
    for (const c of this.columns) c.length = 0;
    this.last = this.first = null;
  }

  /** Replaces everything with a columnar snapshot (NaN: missing value). */
  load(c: MetricColumnsView): void {
    this.clear();
    const n = c.epoch.length;
    const opt = (a: Float64Array, i: number) => {
      const v = a[i];
      return Number.isFinite(v) ? v : null;
    };
    for (let i = 0; i < n; i++) {
      this.epoch.push(c.epoch[i]);
      this.seconds.push(c.seconds[i]);
      this.trainAcc.push(opt(c.trainAccuracy, i));
      this.valAcc.push(opt(c.valAccuracy, i));
      this.trainLoss.push(opt(c.trainLoss, i));
      this.valLoss.push(opt(c.valLoss, i));
      this.groups.push(c.trainableGroup?.[i] ?? null);
      this.step.push(c.step?.[i] ?? NaN);
      this.lr.push(c.lr ? opt(c.lr, i) : null);
      this.ips.push(c.imagesPerSecond ? opt(c.imagesPerSecond, i) : null);
    }
    this.first = c.first;
    this.last = c.last;
  }

  /** Appends records; x values must not go backwards (a resumed run may repeat an epoch: it replaces the tail). */
  append(records: readonly EpochMetrics[]): void {
    for (const m of records) {
      while (this.epoch.length && this.epoch[this.epoch.length - 1] >= m.epoch) this.pop();
      this.epoch.push(m.epoch);
      this.seconds.push(m.seconds);
      this.trainAcc.push(finite(m.trainAccuracy));
      this.valAcc.push(finite(m.valAccuracy));
      this.trainLoss.push(finite(m.trainLoss));
      this.valLoss.push(finite(m.valLoss));
      this.groups.push(m.trainableGroup ?? null);
      this.step.push(m.step);
      this.lr.push(finite(m.lr));
      this.ips.push(finite(m.imagesPerSecond));
      this.first ??= m;
      this.last = m;
    }
  }

  private get columns(): unknown[][] {
    return [this.epoch, this.seconds, this.trainAcc, this.valAcc, this.trainLoss, this.valLoss, this.groups, this.step, this.lr, this.ips];
  }

  private pop(): void {
    for (const c of this.columns) c.pop();
  }
}

function finite(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** Sequential freezing on the time axis: runs of epochs in which one factor group trained. */
export interface FreezeSegment {
  group: string;
  firstEpoch: number;
  lastEpoch: number;
  /** Run clock (s) at the start of the first epoch (the previous record's) and the end of the last. */
  fromSeconds: number;
  toSeconds: number;
}

export function freezeSegments(c: Pick<MetricsColumns, 'epoch' | 'seconds' | 'groups'>): FreezeSegment[] {
  const out: FreezeSegment[] = [];
  for (let i = 0; i < c.epoch.length; i++) {
    const g = c.groups[i];
    if (!g) continue;
    const prev = out[out.length - 1];
    if (prev && prev.group === g && prev.lastEpoch === c.epoch[i - 1]) {
      prev.lastEpoch = c.epoch[i];
      prev.toSeconds = c.seconds[i];
    } else
      out.push({ group: g, firstEpoch: c.epoch[i], lastEpoch: c.epoch[i], fromSeconds: i ? c.seconds[i - 1] : 0, toSeconds: c.seconds[i] });
  }
  return out;
}

export interface Marker {
  kind: 'decompose' | 'reconstruct';
  epoch: number; // after this epoch
  seconds: number; // wall-clock seconds since the start
  /** Optimizer steps at the marker (the run view's step axis; from the epoch's metrics record). */
  step?: number;
  label: string;
}

export function markersFrom(events: readonly RunEvent[]): Marker[] {
  const out: Marker[] = [];
  // An 'auto' run's verdict at the decomposition epoch says why that epoch.
  const why = new Map<number, string>();
  for (const e of events) if (e.type === 'ranks' && e.decision.decompose) why.set(e.epoch, e.decision.reason);
  for (const e of events) {
    if (e.type === 'decompose') {
      const auto = why.get(e.epoch);
      out.push({
        kind: 'decompose',
        epoch: e.epoch,
        seconds: e.seconds,
        label: `Decomposed after epoch ${e.epoch} (${formatCount(e.paramsBefore)} → ${formatCount(e.paramsAfter)} params, ${e.durationSeconds.toFixed(1)} s)${auto ? `, chosen automatically: ${auto}` : ''}`,
      });
    } else if (e.type === 'reconstruct') {
      out.push({
        kind: 'reconstruct',
        epoch: e.epoch,
        seconds: e.seconds,
        label: `Reconstructed after epoch ${e.epoch} (${formatCount(e.paramsBefore)} → ${formatCount(e.paramsAfter)} params)`,
      });
    }
  }
  return out;
}

/** The layers of the latest decomposition event, or null when the run was not decomposed (yet). */
export function rankTableFrom(events: readonly RunEvent[]): { layers: LayerDecomposition[]; policy: string; epoch: number } | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type === 'decompose') return { layers: e.layers, policy: e.policy, epoch: e.epoch };
  }
  return null;
}

/** An 'auto' run's ranks against epoch, one K1 and one K2 column per layer (the last event of each epoch). */
export interface RankHistoryView {
  /** Which ranks: 'EVBMF' for vbmf (and older runs), else the policy as given (stable:2, …). */
  label: string;
  epochs: number[];
  layers: { name: string; k1: (number | null)[]; k2: (number | null)[] }[];
  /** The latest verdict of the auto rule. */
  decision: { epoch: number; decompose: boolean; reason: string } | null;
}

export function rankHistoryFrom(events: readonly RunEvent[]): RankHistoryView | null {
  const byEpoch = new Map<number, Extract<RunEvent, { type: 'ranks' }>>();
  for (const e of events) if (e.type === 'ranks') byEpoch.set(e.epoch, e);
  if (!byEpoch.size) return null;
  const ranks = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  const names: string[] = [];
  for (const r of ranks) for (const l of r.layers) if (!names.includes(l.name)) names.push(l.name);
  const layers = names.map((name) => {
    const at = ranks.map((r) => r.layers.find((l) => l.name === name));
    return { name, k1: at.map((l) => l?.k1 ?? null), k2: at.map((l) => l?.k2 ?? null) };
  });
  const last = ranks[ranks.length - 1];
  const policy = last.rankPolicy ?? 'vbmf';
  return {
    label: policy === 'vbmf' ? 'EVBMF' : policy,
    epochs: ranks.map((r) => r.epoch),
    layers,
    decision: { epoch: last.epoch, decompose: last.decision.decompose, reason: last.decision.reason },
  };
}

export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

export function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '–';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const r = t % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** ETA from the trainer's estimate, else from the mean of the last three epochs. */
export function estimateEta(cols: MetricsColumns, totalEpochs: number, trainerEta: number | null): number | null {
  if (trainerEta !== null && Number.isFinite(trainerEta)) return trainerEta;
  const n = cols.length;
  if (!n || !cols.last) return null;
  const k = Math.min(3, n);
  const span = cols.seconds[n - 1] - (n > k ? cols.seconds[n - 1 - k] : 0);
  return Math.max(0, (totalEpochs - cols.last.epoch) * (span / k));
}
