// Inside a Slurm job (`tucker-train resume --executor local <runDir>` from the job script): the
// job takes over the folder the submitting CLI wrote — it records its node and its own job id
// (SLURM_JOB_ID, in case sbatch's answer had not been written yet) — and, if the trainer refuses
// before it starts (the data set is not on the node, the folder is not writable), closes the run
// as failed with the message, so it does not stay `queued`.
import { hostInfo } from '../../runs/hostInfo';
import { readRunInfoSync } from '../../runs/reader';
import type { RunInfo } from '../../runs/types';
import { rewriteRunInfo } from '../../runs/writer';

/** The job id when this process runs inside a Slurm job for this Slurm run, else null. */
export function jobOfThisProcess(info: RunInfo | null, env: NodeJS.ProcessEnv = process.env): string | null {
  const id = env.SLURM_JOB_ID;
  return id && /^\d+$/.test(id) && info?.executor?.kind === 'slurm' ? id : null;
}

export function adoptRunInJob(runDir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const jobId = jobOfThisProcess(readRunInfoSync(runDir), env);
  if (!jobId) return null;
  rewriteRunInfo(runDir, (i) => {
    const s = i.executor?.slurm;
    if (!s) return i;
    const previousJobs = s.jobId && s.jobId !== jobId ? [...(s.previousJobs ?? []), s.jobId] : s.previousJobs;
    return {
      ...i,
      host: hostInfo(),
      executor: { kind: 'slurm', slurm: { ...s, jobId, previousJobs, state: 'RUNNING', reason: 'running' } },
    };
  });
  return jobId;
}

/** The trainer refused before training: a run still queued is closed as failed with the message. */
export function failQueuedRun(runDir: string, message: string): void {
  try {
    rewriteRunInfo(runDir, (i) =>
      i.status === 'queued' ? { ...i, status: 'failed', error: message, endedAt: new Date().toISOString() } : i,
    );
  } catch {
    /* not writable from this node: Slurm's state tells the rest (reconcile.ts) */
  }
}
