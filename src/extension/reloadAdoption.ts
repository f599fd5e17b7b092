// After a window reload the trainers keep running (they are detached), but the new window has no
// handle on them. Adoption finds them again through run.json's pid, so Stop and the live status
// keep working. No `vscode` import at run time, so it is unit-tested.
import { hostname } from 'node:os';
import * as path from 'node:path';
import type { LogOutputChannel } from 'vscode';
import { JsonlTail } from '../runs/jsonl';
import { isEpochMetrics, isRunOwnerAlive, readRunInfo, type OwnerProbe, type RunEntry } from '../runs/reader';
import { finalizeAbandonedRun } from '../runs/recovery';
import { METRICS_FILE, type RunInfo } from '../runs/types';
import { totalEpochs } from '../runs/schedule';
import type { LiveRun, LiveRuns } from './liveRuns';
import { PID_UNKNOWN, type OwnedRuns, type OwnedRunRecord } from './ownedRuns';
import { TextTail } from './textTail';

/** How many of the newest run folders are checked for live runs at activation. */
export const ADOPT_SCAN_LIMIT = 50;

/**
 * The runs to check: those this workspace started (workspaceState, which may miss the last moments
 * before the reload), then the newest run folders not among them (a bounded number, so thousands
 * of runs do not slow activation). One record per folder.
 */
export function adoptionCandidates(
  owned: readonly OwnedRunRecord[],
  newestFirst: readonly RunEntry[],
  limit = ADOPT_SCAN_LIMIT,
): OwnedRunRecord[] {
  const records = new Map(owned.map((r) => [r.dir, r] as const));
  for (const e of newestFirst.slice(0, limit)) {
    if (!records.has(e.dir)) records.set(e.dir, { dir: e.dir, pid: PID_UNKNOWN, logFile: null, name: e.id, totalEpochs: 0 });
  }
  return [...records.values()];
}

export type AdoptionDecision =
  /** Not running on this machine (finished, other host, no run.json): nothing to follow. */
  | { action: 'skip' }
  /** Ours, but its trainer died during the reload: close the run as failed. */
  | { action: 'finalize'; pid: number }
  /** Still training on this machine: follow it. */
  | { action: 'adopt'; pid: number };

/**
 * What to do with one candidate. Only runs this workspace started are closed when their process is
 * gone: a scanned folder's dead run is left as it is (the Runs tree shows it as failed anyway).
 */
export function adoptionDecision(
  rec: OwnedRunRecord,
  info: RunInfo | null,
  alive: OwnerProbe = isRunOwnerAlive,
  thisHost = hostname(),
): AdoptionDecision {
  if (!info || info.status !== 'running' || info.host?.hostname !== thisHost) return { action: 'skip' };
  const pid = info.pid ?? rec.pid;
  if (!alive(pid, info.pid !== null ? (info.pidStart ?? null) : null))
    return rec.pid !== PID_UNKNOWN ? { action: 'finalize', pid } : { action: 'skip' };
  return { action: 'adopt', pid };
}

export interface AdoptionDeps {
  owned: OwnedRuns;
  listRuns(): Promise<RunEntry[]>;
  live: Pick<LiveRuns, 'all' | 'adopt' | 'ensurePolling'>;
  output: Pick<LogOutputChannel, 'info'>;
}

/**
 * Follows again the runs still training on this machine (progress from their files, Stop by
 * signal), closes the ones of this workspace whose trainer died meanwhile, and keeps in
 * workspaceState only the adopted runs this workspace started.
 */
export async function adoptRunsAfterReload(d: AdoptionDeps): Promise<void> {
  const candidates = adoptionCandidates(d.owned.list(), await d.listRuns());
  const keep: OwnedRunRecord[] = [];
  for (const rec of candidates) {
    if (d.live.all().some((r) => r.dir === rec.dir)) continue;
    const info = await readRunInfo(rec.dir);
    const decision = adoptionDecision(rec, info);
    if (!info || decision.action === 'skip') continue;
    const pid = decision.pid;
    if (decision.action === 'finalize') {
      await finalizeAbandonedRun(
        rec.dir,
        'failed',
        `the trainer (process ${pid}) ended without finishing the run while the window was reloading: it crashed or was killed`,
      );
      continue;
    }
    const fromState = rec.pid !== PID_UNKNOWN;
    const run: LiveRun = {
      runId: path.basename(rec.dir),
      dir: rec.dir,
      name: info.name,
      totalEpochs: totalEpochs(info.config),
      pid,
      pidStart: info.pidStart ?? null,
      process: null,
      logFile: rec.logFile,
      progress: null,
      lastMetrics: null,
      stopping: false,
      ended: false,
    };
    if (fromState) keep.push({ ...rec, pid });
    d.output.info(
      `following run ${run.runId} (process ${pid}), started ${fromState ? 'by this workspace before the window reloaded' : 'outside this window'}`,
    );
    // No IPC with an adopted trainer: follow its metrics file for the status bar instead.
    d.live.adopt(run, {
      logTail: rec.logFile ? new TextTail(rec.logFile, true) : null,
      metricsTail: new JsonlTail(path.join(rec.dir, METRICS_FILE), isEpochMetrics),
    });
  }
  await d.owned.replaceAll(keep);
  d.live.ensurePolling();
}
