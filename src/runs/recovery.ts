// Closing a run whose trainer died without saying so (crash, kill -9, out of memory), so the
// folder tells the truth afterwards: status failed (or stopped, when a stop was asked for), with
// a message, and an error event. Metrics are never touched.
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRunInfo } from './reader';
import { writeJsonAtomic } from './writer';
import { EVENTS_FILE, RUN_FILE, type RunEvent, type RunInfo, type RunStatus } from './types';

/**
 * If run.json still says `running`, rewrites it with `status` and `error`. Returns the new info, or
 * null when there was nothing to do (the trainer had already finished the run, or the folder is gone).
 */
export async function finalizeAbandonedRun(dir: string, status: Exclude<RunStatus, 'running' | 'completed'>, error: string, now = new Date()): Promise<RunInfo | null> {
  const info = await readRunInfo(dir);
  if (!info || info.status !== 'running') return null;
  const next: RunInfo = { ...info, status, endedAt: now.toISOString(), error: status === 'failed' ? error : info.error };
  try {
    writeJsonAtomic(join(dir, RUN_FILE), next);
    const event: RunEvent = status === 'failed'
      ? { type: 'error', time: now.toISOString(), epoch: null, message: error }
      : { type: 'stopped', time: now.toISOString(), epoch: 0, reason: error };
    await appendFile(join(dir, EVENTS_FILE), JSON.stringify(event) + '\n');
  } catch {
    return null;   // deleted meanwhile: nothing to record
  }
  return next;
}
