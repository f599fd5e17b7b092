// Writes one run folder (docs/design.md §3). run.json is replaced atomically; the .jsonl files are
// appended one whole line per write, so a reader sees at worst a torn last line after a crash.
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { faultPoint } from './faults';
import { RunWriteError, writing } from './fsErrors';
import {
  CHECKPOINTS_DIR, EVENTS_FILE, METRICS_FILE, RUN_FILE, STEPS_FILE,
  type EpochMetrics, type RunEvent, type RunInfo, type StepMetrics,
} from './types';
import { parseJsonlChunk } from './jsonl';
import { isEpochMetrics, isRunInfo, isStepMetrics, readRunInfoSync } from './reader';
import { keepUserAnnotations } from './annotations';
import { UserError } from '../core/userError';

/** A new run's folder name: UTC time stamp, the name as a slug, and a short random suffix. */
export function newRunId(name: string | null, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  // Letters of any script stay (été, 実験); anything else that could upset a shell or a file system goes.
  const slug = [...(name ?? 'run').normalize('NFC').replace(/[^\p{L}\p{N}_.-]+/gu, '-')].slice(0, 40).join('');
  return `${stamp}-${slug}-${Math.random().toString(36).slice(2, 6)}`;
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writing(path, () => {
    writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
    renameSync(tmp, path);
  });
}

/** Reads run.json of `dir`, applies `edit` (e.g. runs/annotations.ts), writes it back atomically; returns the new info. */
export function rewriteRunInfo(dir: string, edit: (info: RunInfo) => RunInfo): RunInfo {
  const file = join(dir, RUN_FILE);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRunInfo(v)) throw new UserError(`${file} is not a run's run.json`);
  const next = edit(v);
  writeJsonAtomic(file, next);
  return next;
}

export class RunWriter {
  /** Records in events.jsonl, counted since creation or since the truncation of a resume. */
  private events: number;

  constructor(readonly dir: string, private info: RunInfo, eventCount = 0) {
    this.events = eventCount;
  }

  /** Creates the folder (refusing to reuse a non-empty one) and writes the first run.json. */
  static create(dir: string, info: RunInfo): RunWriter {
    if (existsSync(join(dir, RUN_FILE))) throw new Error(`run folder ${dir} already holds a run`);
    mkdirSync(join(dir, CHECKPOINTS_DIR), { recursive: true });
    const w = new RunWriter(dir, info);
    w.update({});
    return w;
  }

  /** Continues writing an existing run folder (resume), after truncateForResume kept `eventCount` events. */
  static reopen(dir: string, info: RunInfo, eventCount = 0): RunWriter {
    return new RunWriter(dir, info, eventCount);
  }

  /** How many event records the file holds (what a checkpoint written now records). */
  get eventCount(): number {
    return this.events;
  }

  get run(): RunInfo {
    return this.info;
  }

  update(patch: Partial<RunInfo>): void {
    const file = join(this.dir, RUN_FILE);
    // The user may have renamed, tagged or starred the run in VS Code since the last write: keep that.
    const onDisk = existsSync(file) ? readRunInfoSync(this.dir) : null;
    this.info = keepUserAnnotations({ ...this.info, ...patch }, onDisk ?? this.info);
    try {
      writeJsonAtomic(file, this.info);
    } catch (e) {
      // A full disk has no room for the temp copy: rewrite in place (run.json barely changes size).
      if (!(e instanceof RunWriteError && (e.code === 'ENOSPC' || e.code === 'EDQUOT'))) throw e;
      rmSync(`${file}.${process.pid}.tmp`, { force: true });
      writing(file, () => writeFileSync(file, JSON.stringify(this.info, null, 2) + '\n'));
    }
  }

  appendMetrics(record: EpochMetrics): void {
    const file = join(this.dir, METRICS_FILE);
    writing(file, () => {
      appendFileSync(file, JSON.stringify(record) + '\n');
      faultPoint('metrics', file);
    });
  }

  appendStep(record: StepMetrics): void {
    const file = join(this.dir, STEPS_FILE);
    writing(file, () => {
      appendFileSync(file, JSON.stringify(record) + '\n');
      faultPoint('step', file);
    });
  }

  appendEvent(event: RunEvent): void {
    const file = join(this.dir, EVENTS_FILE);
    writing(file, () => {
      appendFileSync(file, JSON.stringify(event) + '\n');
      this.events++;
      faultPoint('event', file);
    });
  }

  checkpointDir(label: string): string {
    return join(this.dir, CHECKPOINTS_DIR, label);
  }
}

/** Drops metric records past `epoch`, the checkpoint a resumed run continues from (atomic rewrite). */
export function keepMetricsUpTo(runDir: string, epoch: number): number {
  const file = join(runDir, METRICS_FILE);
  if (!existsSync(file)) return 0;
  const { records } = parseJsonlChunk('', readFileSync(file, 'utf8'), 1, isEpochMetrics);
  const seen = new Set<number>();
  const kept = records.filter((m) => m.epoch <= epoch && !seen.has(m.epoch) && seen.add(m.epoch));
  rewriteJsonl(file, kept);
  return kept.length;
}

/**
 * The step-record rule of a resume (docs/design.md §3.6): keeps the records of completed epochs up to
 * the checkpoint's `epoch` and `step`, each step once and in order (a record of the discarded,
 * partial epoch and a torn last line go), as an atomic rewrite. Returns the records kept.
 */
export function keepStepsUpTo(runDir: string, epoch: number, step = Infinity): number {
  const file = join(runDir, STEPS_FILE);
  if (!existsSync(file)) return 0;
  const { records } = parseJsonlChunk('', readFileSync(file, 'utf8'), 1, isStepMetrics);
  let lastStep = -Infinity;
  const kept = records.filter((m) => {
    if (m.epoch > epoch || m.step > step || m.step <= lastStep) return false;
    lastStep = m.step;
    return true;
  });
  rewriteJsonl(file, kept);
  return kept.length;
}

/** Replaces a JSON Lines file by these records, atomically (a torn last line disappears with it). */
function rewriteJsonl(file: string, records: readonly unknown[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writing(file, () => {
    writeFileSync(tmp, records.map((r) => JSON.stringify(r) + '\n').join(''));
    renameSync(tmp, file);
  });
}

/** Which checkpoint a resume continues from, as far as the event log is concerned. */
export interface ResumePoint {
  label: string;
  epochsCompleted: number;
  /** Events before the checkpoint's own event (CheckpointMeta.events); absent for older checkpoints. */
  events?: number;
}

/**
 * Cuts events.jsonl back to what had been written when the checkpoint was taken, so an abandoned
 * attempt leaves no decomposition markers or rank tables behind: the first `events` records, plus
 * the checkpoint's own `checkpoint` event if it follows. Older checkpoints (no count): every event
 * up to that checkpoint's event, or up to its epoch. Every line that is not a JSON object (a torn
 * write) goes. Returns the records kept and whether the checkpoint's own event is among them.
 */
export function keepEventsUpTo(runDir: string, at: ResumePoint): { kept: number; hasCheckpointEvent: boolean } {
  const file = join(runDir, EVENTS_FILE);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  // Any JSON object counts, so event types added later survive a resume by an older reader.
  const { records } = parseJsonlChunk<Record<string, unknown>>('', text, 1);
  const isOwn = (e: Record<string, unknown> | undefined) => e?.type === 'checkpoint' && e.label === at.label;
  let n: number;
  if (at.events !== undefined) {
    n = Math.min(at.events, records.length);
    if (isOwn(records[n])) n++;
  } else {
    let own = -1;
    records.forEach((e, i) => {
      if (isOwn(e)) own = i;
    });
    const later = records.findIndex((e) => typeof e.epoch === 'number' && e.epoch > at.epochsCompleted);
    n = own >= 0 ? own + 1 : later >= 0 ? later : records.length;
  }
  const kept = records.slice(0, n);
  if (existsSync(file) || kept.length) rewriteJsonl(file, kept);
  return { kept: kept.length, hasCheckpointEvent: isOwn(kept[kept.length - 1]) };
}
