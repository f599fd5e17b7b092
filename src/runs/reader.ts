// Reading run folders (docs/design.md §3) for the extension, the dashboard and the CLI. Everything here
// tolerates a run that is being written, has crashed, or is deleted while we read it: missing
// files read as empty, torn lines are skipped, and problems are returned as text, never thrown.
import { readFile, readdir, stat } from 'node:fs/promises';
import { readFileSync, type Dirent } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseJsonlChunk } from './jsonl';
import { isSameProcess, pidExists } from './processIdentity';
import {
  EVENTS_FILE, METRICS_FILE, RUN_FILE, STEPS_FILE, STUDIES_DIR,
  type EpochMetrics, type RunEvent, type RunInfo, type RunStatus, type StepMetrics,
} from './types';

const STATUSES: readonly RunStatus[] = ['queued', 'running', 'completed', 'failed', 'stopped'];

export function isRunInfo(v: unknown): v is RunInfo {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<RunInfo>;
  return typeof r.id === 'string' && typeof r.name === 'string' && typeof r.createdAt === 'string'
    && typeof r.status === 'string' && STATUSES.includes(r.status)
    && typeof r.config === 'object' && r.config !== null;
}

export function isEpochMetrics(v: unknown): v is EpochMetrics {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Partial<EpochMetrics>;
  return typeof m.epoch === 'number' && typeof m.seconds === 'number' && typeof m.phase === 'string'
    && typeof m.trainLoss === 'number' && typeof m.trainAccuracy === 'number';
}

export function isStepMetrics(v: unknown): v is StepMetrics {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Partial<StepMetrics>;
  return typeof m.epoch === 'number' && typeof m.step === 'number' && typeof m.epochStep === 'number'
    && typeof m.stepsPerEpoch === 'number' && typeof m.seconds === 'number' && typeof m.phase === 'string'
    && typeof m.trainLoss === 'number' && typeof m.trainAccuracy === 'number' && typeof m.lr === 'number'
    && typeof m.imagesPerSecond === 'number';
}

const EVENT_TYPES = new Set(['decompose', 'reconstruct', 'checkpoint', 'stopped', 'error', 'ranks']);
export function isRunEvent(v: unknown): v is RunEvent {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as { type?: unknown; layers?: unknown; decision?: unknown; epoch?: unknown };
  if (typeof e.type !== 'string' || !EVENT_TYPES.has(e.type)) return false;
  if (e.type === 'ranks') return Array.isArray(e.layers) && typeof e.epoch === 'number' && typeof e.decision === 'object' && e.decision !== null;
  return e.type !== 'decompose' || Array.isArray(e.layers);
}

/** A status as shown: run.json's, or `crashed` for a `running` run whose trainer is gone. */
export type ShownStatus = RunStatus | 'crashed';

/** What the UI should show for a run: run.json's status, corrected for a dead owner process. */
export interface RunState {
  status: ShownStatus;
  /** run.json says running but its process is gone: the trainer crashed or was killed. */
  orphaned: boolean;
  error: string | null;
}

/** True when a process with this id exists (pid only; see isRunOwnerAlive for a run's trainer). */
export function isProcessAlive(pid: number): boolean {
  return pidExists(pid);
}

/** Whether a run's recorded owner (pid and start time, runs/processIdentity.ts) still runs. */
export type OwnerProbe = (pid: number, pidStart: string | null) => boolean;

export const isRunOwnerAlive: OwnerProbe = (pid, pidStart) => isSameProcess(pid, pidStart);

/**
 * The status to display. A run recorded as running whose process is gone on this host — no such
 * pid, or a pid that now belongs to a process started at another time — is shown as `crashed`.
 * Runs owned by another host are trusted as written.
 */
export function effectiveState(info: RunInfo, alive: OwnerProbe = isRunOwnerAlive, thisHost = hostname()): RunState {
  if (info.status === 'running' && info.pid !== null && info.host?.hostname === thisHost && !alive(info.pid, info.pidStart ?? null)) {
    return {
      status: 'crashed',
      orphaned: true,
      error:
        info.error ??
        `the trainer (process ${info.pid}) ended without finishing the run: it crashed or was killed; continue it with 'tucker-train resume'`,
    };
  }
  return { status: info.status, orphaned: false, error: info.error };
}

/** run.json of a folder, checked; null when missing or not a run (sync: for the trainer's resume). */
export function readRunInfoSync(dir: string): RunInfo | null {
  try {
    const v: unknown = JSON.parse(readFileSync(join(dir, RUN_FILE), 'utf8'));
    return isRunInfo(v) ? v : null;
  } catch {
    return null;
  }
}

export async function readRunInfo(dir: string): Promise<RunInfo | null> {
  let text: string;
  try {
    text = await readFile(join(dir, RUN_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    const v: unknown = JSON.parse(text);
    return isRunInfo(v) ? v : null;
  } catch {
    return null;
  }
}

export interface RunSnapshot {
  dir: string;
  info: RunInfo | null;
  metrics: EpochMetrics[];
  /** steps.jsonl (empty for runs from before it, or with logEverySteps 0). */
  steps: StepMetrics[];
  events: RunEvent[];
  /** Human-readable notes: torn or invalid lines, missing files. Never thrown. */
  problems: string[];
}

async function readJsonlFile<T>(path: string, accept: (v: unknown) => v is T, label: string, problems: string[]): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const parsed = parseJsonlChunk<T>('', text, 1, accept);
  if (parsed.badLines.length) problems.push(`${label}: skipped invalid line(s) ${parsed.badLines.slice(0, 5).join(', ')}${parsed.badLines.length > 5 ? ', …' : ''}`);
  if (parsed.pending) problems.push(`${label}: ignored an incomplete last line (${parsed.pending.length} characters)`);
  return parsed.records;
}

/** Reads the whole run folder once. */
export async function readRun(dir: string): Promise<RunSnapshot> {
  const problems: string[] = [];
  const info = await readRunInfo(dir);
  if (!info) problems.push(`${RUN_FILE} is missing or not valid`);
  const [metrics, steps, events] = await Promise.all([
    readJsonlFile(join(dir, METRICS_FILE), isEpochMetrics, METRICS_FILE, problems),
    readJsonlFile(join(dir, STEPS_FILE), isStepMetrics, STEPS_FILE, problems),
    readJsonlFile(join(dir, EVENTS_FILE), isRunEvent, EVENTS_FILE, problems),
  ]);
  return { dir, info, metrics, steps, events, problems };
}

export interface RunEntry {
  id: string;
  dir: string;
  /** Modification time of the folder, used to list newest first without reading run.json. */
  mtimeMs: number;
}

/**
 * The run folders under `runsDir`, newest first, without opening any of them: cheap for thousands
 * of runs. Hidden folders and the studies folder (src/study) are skipped. A missing runs directory lists as empty.
 */
export async function listRunEntries(runsDir: string): Promise<RunEntry[]> {
  let names: Dirent[];
  try {
    names = await readdir(runsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const dirs = names.filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== STUDIES_DIR);
  const out: RunEntry[] = [];
  const BATCH = 256;
  for (let i = 0; i < dirs.length; i += BATCH) {
    const part = await Promise.all(dirs.slice(i, i + BATCH).map(async (d) => {
      const dir = join(runsDir, d.name);
      try {
        const st = await stat(dir);
        return { id: d.name, dir, mtimeMs: st.mtimeMs };
      } catch {
        return null;
      }
    }));
    for (const e of part) if (e) out.push(e);
  }
  out.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.id < b.id ? 1 : -1));
  return out;
}

/** run.json summaries cached by file modification time, so a refresh re-reads only what changed. */
export class RunInfoCache {
  private readonly cache = new Map<string, { mtimeMs: number; info: RunInfo | null }>();

  async get(dir: string): Promise<RunInfo | null> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(join(dir, RUN_FILE))).mtimeMs;
    } catch {
      this.cache.delete(dir);
      return null;
    }
    const hit = this.cache.get(dir);
    if (hit && hit.mtimeMs === mtimeMs) return hit.info;
    const info = await readRunInfo(dir);
    this.cache.set(dir, { mtimeMs, info });
    return info;
  }

  forget(dir: string): void {
    this.cache.delete(dir);
  }

  get size(): number {
    return this.cache.size;
  }
}
