// Writes one run folder (DESIGN §3). run.json is replaced atomically; the .jsonl files are
// appended one whole line per write, so a reader sees at worst a torn last line after a crash.
import { appendFileSync, mkdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHECKPOINTS_DIR, EVENTS_FILE, METRICS_FILE, RUN_FILE,
  type EpochMetrics, type RunEvent, type RunInfo,
} from './types';

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
