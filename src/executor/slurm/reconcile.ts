// Keeping a Slurm run's folder true to its job (docs/design.md §11): the trainer writes the run
// folder while it lives; when the job ends without the trainer closing the run (killed at the
// time limit, out of memory, node failure, cancelled, failed before it started), the folder is
// closed here from Slurm's state and reason, so nothing looks queued or running forever. A run the
// trainer stopped on Slurm's time-limit signal is marked failed with that reason (resume it).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENTS_FILE, type RunEvent, type RunInfo, type SlurmJobInfo } from '../../runs/types';
import { rewriteRunInfo } from '../../runs/writer';
import { type SlurmCommands } from './commands';
import { isActive, queryJobs, stateWords, type JobState } from './state';

export type JobAnswer = { kind: 'state'; job: JobState } | { kind: 'gone' };

/** What to record in run.json after Slurm answered about the run's job (null: nothing). */
export interface Reconciliation {
  status: RunInfo['status'];
  error: string | null;
  slurm: Pick<SlurmJobInfo, 'state' | 'reason'>;
  /** An `error` event for events.jsonl when the run is closed here. */
  closes: boolean;
}

/** The job of a Slurm run, when it has one and its outcome is not recorded yet. */
export function jobToCheck(info: RunInfo): string | null {
  const s = info.executor?.kind === 'slurm' ? info.executor.slurm : undefined;
  if (!s?.jobId) return null;
  if (info.status === 'queued' || info.status === 'running') return s.jobId;
  return s.state && !isActive(s.state) ? null : s.jobId; // ended: check once, to record how
}

/** The last non-empty lines of the job's output file (what failed before the trainer could say). */
export function outputTail(runDir: string, jobId: string, lines = 3): string | null {
  const file = join(runDir, `slurm-${jobId}.out`);
  if (!existsSync(file)) return null;
  try {
    const text = readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    return text.slice(-lines).join(' | ') || null;
  } catch {
    return null;
  }
}

/** " (1 min)", " (2:00:00)", or nothing when the cluster's default applied. */
function limitOf(s: SlurmJobInfo): string {
  const t = s.options.time;
  return t ? ` (${/^\d+$/.test(t) ? `${t} min` : t})` : '';
}

/** The pure rule: the run as run.json has it, and Slurm's answer about its job. */
export function reconcile(info: RunInfo, answer: JobAnswer, tail: string | null = null): Reconciliation | null {
  const s = info.executor?.slurm;
  if (!s?.jobId) return null;
  const id = s.jobId;
  if (answer.kind === 'state' && isActive(answer.job.state)) return null; // the job still runs or waits: the trainer and Slurm say the rest
  const state = answer.kind === 'gone' ? 'UNKNOWN' : answer.job.state;
  const words = answer.kind === 'gone' ? 'unknown to Slurm (no accounting record left)' : stateWords(answer.job);
  const slurm = { state, reason: words };
  const output = tail ? `; its output ends: ${tail}` : `; no output file slurm-${id}.out (is the runs folder writable from the node?)`;
  if (info.status === 'queued') {
    return {
      status: 'failed',
      error: `Slurm job ${id} ended before the trainer started: ${words}${output}`,
      slurm,
      closes: true,
    };
  }
  if (info.status === 'running') {
    const how = state === 'TIMEOUT' ? `stopped by its time limit${limitOf(s)}` : words;
    return {
      status: 'failed',
      error: `Slurm job ${id}: ${how}; the trainer did not finish the run. Continue it with 'tucker-train resume ${'<runDir>'}'`,
      slurm,
      closes: true,
    };
  }
  if (info.status === 'stopped' && state === 'TIMEOUT') {
    // The trainer checkpointed on Slurm's SIGTERM; it cannot tell a time limit from a stop.
    return {
      status: 'failed',
      error: `Slurm job ${id}: time limit${limitOf(s)} reached; the run stopped at its last checkpoint. Continue it with 'tucker-train resume <runDir>' (a new job)`,
      slurm,
      closes: false,
    };
  }
  return { status: info.status, error: info.error, slurm, closes: false };
}

/** Applies a reconciliation to the folder: run.json (only if the trainer did not write meanwhile) and an error event. */
export function applyReconciliation(runDir: string, seen: RunInfo, r: Reconciliation): RunInfo | null {
  let changed = false;
  const error = r.error?.replace('<runDir>', runDir) ?? null;
  const next = rewriteRunInfo(runDir, (now) => {
    const nowSlurm = now.executor?.slurm;
    if (now.status !== seen.status || !nowSlurm || nowSlurm.jobId !== seen.executor?.slurm?.jobId) return now; // changed under us: next time
    changed = true;
    return {
      ...now,
      status: r.status,
      error: r.status === 'failed' ? error : now.error,
      endedAt: r.closes || r.status !== now.status ? (now.endedAt ?? new Date().toISOString()) : now.endedAt,
      pid: r.closes ? null : now.pid,
      executor: { ...now.executor!, slurm: { ...nowSlurm, ...r.slurm } },
    };
  });
  if (changed && r.closes && error) {
    const event: RunEvent = { type: 'error', time: new Date().toISOString(), epoch: null, message: error };
    try {
      appendFileSync(join(runDir, EVENTS_FILE), JSON.stringify(event) + '\n');
    } catch {
      /* the status in run.json is what matters */
    }
  }
  return changed ? next : null;
}

export interface PendingView {
  /** Slurm's state and reason now, for runs whose job is active (not written anywhere). */
  state: string;
  words: string;
}

/**
 * Asks Slurm about every given Slurm run whose outcome is not recorded, closes the folders of
 * jobs that ended, and returns what the live jobs are doing (pending reasons) by run folder.
 * Never throws for Slurm trouble: an unreachable controller decides nothing.
 */
export async function reconcileRuns(
  cmds: SlurmCommands,
  runs: { dir: string; info: RunInfo }[],
): Promise<{ updated: Map<string, RunInfo>; live: Map<string, PendingView> }> {
  const updated = new Map<string, RunInfo>();
  const live = new Map<string, PendingView>();
  const todo = runs.map((r) => ({ ...r, jobId: jobToCheck(r.info) })).filter((r): r is typeof r & { jobId: string } => r.jobId !== null);
  if (!todo.length) return { updated, live };
  let answer: Awaited<ReturnType<typeof queryJobs>>;
  try {
    answer = await queryJobs(
      cmds,
      todo.map((r) => r.jobId),
    );
  } catch {
    return { updated, live }; // no Slurm commands here (e.g. VS Code on a laptop reading a synced folder)
  }
  for (const r of todo) {
    const job = answer.states.get(r.jobId);
    const a: JobAnswer | null = job ? { kind: 'state', job } : answer.gone.has(r.jobId) ? { kind: 'gone' } : null;
    if (!a) continue;
    if (a.kind === 'state' && isActive(a.job.state)) {
      live.set(r.dir, { state: a.job.state, words: stateWords(a.job) });
      continue;
    }
    const rec = reconcile(r.info, a, outputTail(r.dir, r.jobId));
    if (!rec) continue;
    try {
      const next = applyReconciliation(r.dir, r.info, rec);
      if (next) updated.set(r.dir, next);
    } catch {
      /* folder gone or unreadable meanwhile */
    }
  }
  return { updated, live };
}
