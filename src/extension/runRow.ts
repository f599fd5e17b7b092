// What a run's row in the Runs tree says: best accuracy, phase and epoch ("98.1 % · decomposed ·
// epoch 7/10"), its status where the icon alone is easy to miss, and its tags. Free of `vscode`
// (tested); the metrics summary is cached by metrics.jsonl's size and time, so a refresh re-reads
// only the runs that changed.
import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJsonlChunk } from '../runs/jsonl';
import { isEpochMetrics } from '../runs/reader';
import { METRICS_FILE, type EpochMetrics, type Phase } from '../runs/types';

export interface MetricsSummary {
  bestAccuracy: number | null;
  lastEpoch: number;
  phase: Phase | null;
}

export function summarizeMetrics(ms: readonly EpochMetrics[]): MetricsSummary {
  let best: number | null = null;
  for (const m of ms) {
    const a = m.valAccuracy ?? m.trainAccuracy;
    if (Number.isFinite(a) && (best === null || a > best)) best = a;
  }
  const last = ms.length ? ms[ms.length - 1] : null;
  return { bestAccuracy: best, lastEpoch: last?.epoch ?? 0, phase: last?.phase ?? null };
}

export interface RunRowFacts {
  status: string;
  summary: MetricsSummary | null;
  /** The live epoch (progress of a run this window follows), else the last recorded one. */
  liveEpoch: number | null;
  totalEpochs: number;
  model: string;
  dataset: string;
  baseline: boolean;
  tags: readonly string[];
}

export function runRowDescription(f: RunRowFacts): string {
  const parts: string[] = [];
  if (f.status !== 'completed' && f.status !== 'running') parts.push(f.status);
  const s = f.summary;
  const epoch = f.liveEpoch ?? (s?.lastEpoch || null);
  if (s?.bestAccuracy != null) parts.push(`${(s.bestAccuracy * 100).toFixed(1)} %`);
  if (s?.phase) parts.push(f.baseline && s.phase === 'original' ? 'baseline' : s.phase);
  else {
    parts.push(`${f.model} · ${f.dataset.split(':')[0]}`);
    if (f.baseline) parts.push('baseline');
  }
  if (epoch !== null) parts.push(`epoch ${epoch}/${f.totalEpochs}`);
  if (f.status === 'running' && !s?.phase && epoch === null) parts.unshift('running');
  for (const t of f.tags) parts.push(`#${t}`);
  return parts.join(' · ');
}

/** metrics.jsonl summaries by run folder, re-read when the file's size or time changed. */
export class MetricsSummaryCache {
  private readonly cache = new Map<string, { key: string; summary: MetricsSummary }>();

  async get(dir: string): Promise<MetricsSummary | null> {
    const file = join(dir, METRICS_FILE);
    let key: string;
    try {
      const st = await stat(file);
      key = `${st.size}:${st.mtimeMs}`;
    } catch {
      this.cache.delete(dir);
      return null;
    }
    const hit = this.cache.get(dir);
    if (hit?.key === key) return hit.summary;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return null;
    }
    const { records } = parseJsonlChunk('', text, 1, isEpochMetrics);
    const summary = summarizeMetrics(records);
    this.cache.set(dir, { key, summary });
    return summary;
  }
}
