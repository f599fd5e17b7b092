// What the UI shows for a run read from disk (status, error) and whether it may offer Stop. Kept
// apart from the live-run bookkeeping and free of `vscode`, so it is unit-tested.
import { hostname } from 'node:os';
import type { RunStateView } from '../protocol';
import { effectiveState, isRunOwnerAlive, type OwnerProbe } from '../runs/reader';
import type { RunInfo } from '../runs/types';

/**
 * run.json says running, on this machine, and its process — the same pid started at the same
 * moment, not a later process that got the pid — is alive: a signal can stop it.
 */
export function runsOnThisMachine(
  info: RunInfo,
  alive: OwnerProbe = isRunOwnerAlive,
  thisHost = hostname(),
): info is RunInfo & { pid: number } {
  return info.status === 'running' && info.pid !== null && info.host?.hostname === thisHost && alive(info.pid, info.pidStart ?? null);
}

/**
 * `live` is this window's live run with that id, if any. This window knows its live runs are
 * running: for them run.json's `running` is taken without the pid check (and Stop offered), and a
 * missing or invalid run.json shows as running, not failed.
 */
export function runStateView(
  info: RunInfo | null,
  live: { stopping: boolean } | undefined,
  alive: OwnerProbe = isRunOwnerAlive,
  thisHost = hostname(),
): RunStateView {
  if (!info) {
    return {
      status: live ? 'running' : 'failed',
      error: live ? null : 'run.json is missing or not valid',
      canStop: !!live,
      stopping: live?.stopping ?? false,
    };
  }
  const s = live && info.status === 'running' ? { status: info.status, error: info.error } : effectiveState(info, alive, thisHost);
  // A Slurm run is stopped with scancel from wherever its folder is read (src/executor/stop.ts).
  const slurmJob = info.executor?.kind === 'slurm' && !!info.executor.slurm?.jobId;
  const canStop =
    (s.status === 'running' && (!!live || runsOnThisMachine(info, alive, thisHost))) ||
    ((s.status === 'queued' || s.status === 'running') && slurmJob);
  return { status: s.status, error: s.error, canStop, stopping: live?.stopping ?? false };
}
