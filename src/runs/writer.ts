// Writes one run folder (docs/design.md §3). run.json is replaced atomically; the .jsonl files are
// appended one whole line per write, so a reader sees at worst a torn last line after a crash.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHECKPOINTS_DIR, EVENTS_FILE, METRICS_FILE, RUN_FILE,
  type EpochMetrics, type RunEvent, type RunInfo,
} from './types';
import { parseJsonlChunk } from './jsonl';
import { isEpochMetrics } from './reader';

/** A new run's folder name: UTC time stamp, the name as a slug, and a short random suffix. */
export function newRunId(name: string | null, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const slug = (name ?? 'run').replace(/[^\w.-]+/g, '-').slice(0, 40);
  return `${stamp}-${slug}-${Math.random().toString(36).slice(2, 6)}`;
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

export class RunWriter {
  constructor(readonly dir: string, private info: RunInfo) {}

  /** Creates the folder (refusing to reuse a non-empty one) and writes the first run.json. */
  static create(dir: string, info: RunInfo): RunWriter {
    if (existsSync(join(dir, RUN_FILE))) throw new Error(`run folder ${dir} already holds a run`);
    mkdirSync(join(dir, CHECKPOINTS_DIR), { recursive: true });
    const w = new RunWriter(dir, info);
    w.update({});
    return w;
  }

  /** Continues writing an existing run folder (resume). */
  static reopen(dir: string, info: RunInfo): RunWriter {
    return new RunWriter(dir, info);
  }

  get run(): RunInfo {
    return this.info;
  }

  update(patch: Partial<RunInfo>): void {
    this.info = { ...this.info, ...patch };
    writeJsonAtomic(join(this.dir, RUN_FILE), this.info);
  }

  appendMetrics(record: EpochMetrics): void {
    appendFileSync(join(this.dir, METRICS_FILE), JSON.stringify(record) + '\n');
  }

  appendEvent(event: RunEvent): void {
    appendFileSync(join(this.dir, EVENTS_FILE), JSON.stringify(event) + '\n');
  }

  checkpointDir(label: string): string {
    return join(this.dir, CHECKPOINTS_DIR, label);
  }
}

/** Drops metric records past `epoch`, the checkpoint a resumed run continues from (atomic rewrite). */
export function keepMetricsUpTo(runDir: string, epoch: number): void {
  const file = join(runDir, METRICS_FILE);
  if (!existsSync(file)) return;
  const { records } = parseJsonlChunk('', readFileSync(file, 'utf8'), 1, isEpochMetrics);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, records.filter((m) => m.epoch <= epoch).map((m) => JSON.stringify(m) + '\n').join(''));
  renameSync(tmp, file);
}
