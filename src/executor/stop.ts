// Stopping a run wherever it trains (docs/design.md §11): a Slurm run by `scancel` of its job (a
// queued job is closed as stopped here; a running trainer gets Slurm's SIGTERM, checkpoints and
// records `stopped` itself), a local run by SIGTERM to its trainer (same pid and start time).
import { appendFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/userError';
import { readRunInfo } from '../runs/reader';
import { EVENTS_FILE, type RunEvent, type RunInfo } from '../runs/types';
import { rewriteRunInfo } from '../runs/writer';
import { signalPid } from './local';
import { systemSlurm, type SlurmCommands } from './slurm/commands';
import { scancel } from './slurm/sbatch';

export interface StopResult {
  /** One line for the terminal or a notification. */
  message: string;
  info: RunInfo;
}

export async function stopRun(runDir: string, cmds: SlurmCommands = systemSlurm): Promise<StopResult> {
  const info = await readRunInfo(runDir);
  if (!info) throw new UserError(`${runDir}: no valid run.json here; give a run folder (runs/<id>)`);
  if (info.status !== 'queued' && info.status !== 'running')
    throw new UserError(`${runDir}: the run is ${info.status}; there is nothing to stop`);
  const slurm = info.executor?.kind === 'slurm' ? info.executor.slurm : undefined;
  if (slurm) {
    if (!slurm.jobId) throw new UserError(`${runDir}: its job was not submitted (no job id in run.json); nothing to cancel`);
    const r = await scancel(cmds, slurm.jobId);
    if (!r.ok) throw new UserError(`scancel ${slurm.jobId} failed: ${r.words}`);
    if (info.status === 'queued') {
      const reason = `Slurm job ${slurm.jobId} cancelled before it started (scancel)`;
      const next = rewriteRunInfo(runDir, (i) =>
        i.status !== 'queued'
          ? i // the job started meanwhile: its trainer records the stop
          : {
              ...i,
              status: 'stopped',
              endedAt: new Date().toISOString(),
              executor: { ...i.executor!, slurm: { ...i.executor!.slurm!, state: 'CANCELLED', reason: 'cancelled (scancel)' } },
            },
      );
      if (next.status === 'stopped') {
        const event: RunEvent = { type: 'stopped', time: new Date().toISOString(), epoch: 0, reason };
        appendFileSync(join(runDir, EVENTS_FILE), JSON.stringify(event) + '\n');
        return { message: `${reason}; run stopped: ${runDir}`, info: next };
      }
    }
    return {
      message: `scancel ${slurm.jobId}: Slurm sends the trainer SIGTERM; it checkpoints and records 'stopped' (resume with 'tucker-train resume ${runDir}')`,
      info,
    };
  }
  if (info.pid === null || info.host?.hostname !== hostname())
    throw new UserError(`${runDir}: the run trains on ${info.host?.hostname ?? 'another machine'}; stop it there`);
  if (!signalPid(info.pid, 'SIGTERM', info.pidStart ?? null))
    throw new UserError(`${runDir}: its trainer (process ${info.pid}) is gone; 'tucker-train runs' shows it as crashed`);
  return { message: `sent SIGTERM to the trainer (process ${info.pid}); it checkpoints and records 'stopped'`, info };
}
