// Checkpoint lookup in a run folder (docs/design.md §3): checkpoints/<label>/model.json in the
// TF.js Layers format, with what the schedule needs to continue in userDefinedMetadata.tuckerTrain.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINTS_DIR, type Phase } from './types';

/** What a checkpoint records about the run at the moment it was written. */
export interface CheckpointMeta {
  label: string;
  epochsCompleted: number;   // the schedule continues at epochsCompleted + 1
  step: number;
  seconds: number;
  phase: Phase;
  /** Records in events.jsonl before this checkpoint's own `checkpoint` event (absent in older runs). */
  events?: number;
  /** The transition after `epochsCompleted` that had not happened yet (a stop inside it); absent: none. */
  pendingTransition?: 'decompose' | 'reconstruct' | null;
}

function isCheckpointMeta(v: unknown): v is CheckpointMeta {
  const m = v as CheckpointMeta | null;
  return typeof m === 'object' && m !== null && typeof m.label === 'string' && typeof m.epochsCompleted === 'number'
    && typeof m.step === 'number' && typeof m.seconds === 'number' && typeof m.phase === 'string';
}

/** Newer first: more epochs completed, then more steps, then more events (after a transition). */
function newer(a: CheckpointMeta, b: CheckpointMeta): number {
  return b.epochsCompleted - a.epochsCompleted || b.step - a.step || (b.events ?? 0) - (a.events ?? 0);
}

/**
 * Every checkpoint of a run folder that carries our metadata, newest first (by epochs completed,
 * then step). Temp folders of an interrupted write (`<label>.tmp-<pid>`) and foreign folders are
 * skipped; whether the weights load is for the caller to find out.
 */
export function listCheckpoints(runDir: string): { dir: string; meta: CheckpointMeta }[] {
  const root = join(runDir, CHECKPOINTS_DIR);
  if (!existsSync(root)) return [];
  const out: { dir: string; meta: CheckpointMeta }[] = [];
  for (const label of readdirSync(root)) {
    if (/\.(tmp|old)-\d+$|\.unusable$/.test(label)) continue;
    const file = join(root, label, 'model.json');
    if (!existsSync(file)) continue;
    try {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { userDefinedMetadata?: { tuckerTrain?: unknown } };
      const meta = json.userDefinedMetadata?.tuckerTrain;
      if (isCheckpointMeta(meta)) out.push({ dir: join(root, label), meta });
    } catch {
      /* damaged or foreign: not a checkpoint we can continue from */
    }
  }
  return out.sort((a, b) => newer(a.meta, b.meta));
}

/** The last complete checkpoint of a run folder (by epochs completed, then step), or null. */
export function lastCheckpoint(runDir: string): { dir: string; meta: CheckpointMeta } | null {
  return listCheckpoints(runDir)[0] ?? null;
}

/** Periodic checkpoints (`epoch-N`) kept besides the milestones (decomposed, reconstructed, stopped-N, final). */
export const KEEP_PERIODIC = 2;

/** Default minutes between periodic checkpoints (the setting tuckerTrain.checkpointMinutes and --checkpoint-minutes). */
export const DEFAULT_CHECKPOINT_MINUTES = 10;

/**
 * Whether a periodic checkpoint is due after an epoch (never after the last one, which gets
 * `final`): every `checkpointEvery` epochs, or once `checkpointMinutes` have passed since the last
 * checkpoint of this session.
 */
export function periodicCheckpointDue(
  c: { checkpointEvery: number | null; checkpointMinutes?: number | null },
  epoch: number,
  total: number,
  minutesSinceLast: number,
): boolean {
  if (epoch >= total) return false;
  if (c.checkpointEvery && epoch % c.checkpointEvery === 0) return true;
  return !!c.checkpointMinutes && minutesSinceLast >= c.checkpointMinutes;
}

/**
 * Removes all but the newest `keep` periodic checkpoints (`epoch-N`, by N); milestones stay. Each
 * is renamed away before it is removed, so a kill halfway never leaves a half-deleted checkpoint
 * that the lookup would take for whole. Returns the labels removed.
 */
export function prunePeriodicCheckpoints(runDir: string, keep = KEEP_PERIODIC): string[] {
  const root = join(runDir, CHECKPOINTS_DIR);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const periodic = names
    .map((n) => ({ n, epoch: Number(/^epoch-(\d+)$/.exec(n)?.[1] ?? NaN) }))
    .filter((x) => Number.isInteger(x.epoch))
    .sort((a, b) => b.epoch - a.epoch);
  const removed: string[] = [];
  for (const { n } of periodic.slice(keep)) {
    const aside = join(root, `${n}.old-${process.pid}`);
    try {
      renameSync(join(root, n), aside);
      rmSync(aside, { recursive: true, force: true });
      removed.push(n);
    } catch {
      /* gone meanwhile */
    }
  }
  return removed;
}
