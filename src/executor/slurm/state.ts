// What Slurm says about a job, from squeue (pending, running and recently ended jobs), sacct
// (accounting; without slurmdbd the job completion log, `sacct --completion`), and in words.
import { commandWords, type SlurmCommands } from './commands';

export interface JobState {
  jobId: string;
  /** Slurm's state name without decorations: PENDING, RUNNING, TIMEOUT, CANCELLED, … */
  state: string;
  /** squeue's reason (pending jobs: Resources, Priority, Dependency, …), or null. */
  reason: string | null;
  /** "1:0" (exit code:signal), when known. */
  exitCode: string | null;
}

/** States in which the job may still run (or be requeued). */
const ACTIVE = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'STOPPED',
  'RESV_DEL_HOLD',
]);

export function isActive(state: string): boolean {
  return ACTIVE.has(state);
}

export function isPending(state: string): boolean {
  return (
    state === 'PENDING' ||
    state === 'CONFIGURING' ||
    state === 'REQUEUED' ||
    state === 'REQUEUE_HOLD' ||
    state === 'REQUEUE_FED' ||
    state === 'RESV_DEL_HOLD'
  );
}

/** "CANCELLED by 1000" → CANCELLED; "RUNNING+" stays RUNNING. */
export function normalizeState(s: string): string {
  return s.trim().split(/\s+/)[0].replace(/\+$/, '').toUpperCase();
}

const ENDED_WORDS: Record<string, string> = {
  TIMEOUT: 'time limit',
  OUT_OF_MEMORY: 'out of memory',
  NODE_FAIL: 'node failure',
  CANCELLED: 'cancelled',
  BOOT_FAIL: 'node boot failure',
  DEADLINE: 'deadline reached',
  PREEMPTED: 'preempted',
  REVOKED: 'revoked (started on another cluster)',
  SPECIAL_EXIT: 'special exit',
  COMPLETED: 'job ended',
};

const PENDING_WORDS: Record<string, string> = {
  Resources: 'waiting for resources',
  Priority: 'waiting behind higher-priority jobs',
  Dependency: 'waiting for the jobs it depends on',
  DependencyNeverSatisfied: 'its dependency can never be satisfied',
  BeginTime: 'waiting for its start time',
  JobHeldUser: 'held by its user',
  JobHeldAdmin: 'held by an administrator',
  ReqNodeNotAvail: 'a requested node is not available',
  PartitionTimeLimit: "its time limit exceeds the partition's",
  PartitionDown: 'the partition is down',
  PartitionInactive: 'the partition is inactive',
  AssocGrpGRES: "the account's GPU limit is reached",
  QOSMaxJobsPerUserLimit: 'the QOS limit of jobs per user is reached',
  launch_failed_requeued_held: 'launch failed; requeued and held',
};

/** Slurm's state and reason in words, for run.json's error and the listings. */
export function stateWords(j: Pick<JobState, 'state' | 'reason' | 'exitCode'>): string {
  if (isPending(j.state)) return j.reason && j.reason !== 'None' ? (PENDING_WORDS[j.reason] ?? j.reason) : 'waiting in the queue';
  if (j.state === 'RUNNING' || j.state === 'COMPLETING') return 'running';
  if (j.state === 'FAILED') return `failed${j.exitCode && j.exitCode !== '0:0' ? ` (exit code ${j.exitCode})` : ''}`;
  return ENDED_WORDS[j.state] ?? j.state.toLowerCase().replace(/_/g, ' ');
}

/** `squeue -h -t all -o %i|%T|%r` lines. */
export function parseSqueue(stdout: string): JobState[] {
  const out: JobState[] = [];
  for (const line of stdout.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (!id || !state || !/^\d+$/.test(id)) continue;
    out.push({ jobId: id, state: normalizeState(state), reason: reason && reason !== 'None' ? reason : null, exitCode: null });
  }
  return out;
}

/** `sacct -n -P -o JobID,State,ExitCode` lines (job steps such as 12.batch skipped). */
export function parseSacct(stdout: string): JobState[] {
  const out: JobState[] = [];
  for (const line of stdout.split('\n')) {
    const [id, state, exitCode] = line.trim().split('|');
    if (!id || !state || !/^\d+$/.test(id)) continue;
    out.push({ jobId: id, state: normalizeState(state), reason: null, exitCode: exitCode || null });
  }
  return out;
}

/**
 * What Slurm knows about these jobs. A job in the map: its state. `gone`: squeue answered and
 * does not know it, and accounting has no record (purged, or no accounting at all). Missing from
 * both: Slurm could not be asked (controller down, no sbatch on PATH): decide nothing.
 */
export async function queryJobs(
  cmds: SlurmCommands,
  jobIds: readonly string[],
): Promise<{ states: Map<string, JobState>; gone: Set<string> }> {
  const states = new Map<string, JobState>();
  const gone = new Set<string>();
  const ids = [...new Set(jobIds)];
  if (!ids.length) return { states, gone };
  const q = await cmds.run('squeue', ['-h', '-t', 'all', '-j', ids.join(','), '-o', '%i|%T|%r']);
  // One unknown id alone makes squeue fail with "Invalid job id specified"; several are just left out.
  const squeueAnswered = q.code === 0 || /invalid job id/i.test(q.stderr);
  if (!squeueAnswered) return { states, gone };
  for (const j of parseSqueue(q.stdout)) states.set(j.jobId, j);
  const rest = ids.filter((id) => !states.has(id));
  if (!rest.length) return { states, gone };
  let a = await cmds.run('sacct', ['-n', '-P', '-X', '-j', rest.join(','), '-o', 'JobID,State,ExitCode']);
  // Without slurmdbd: the job completion log (JobCompType=jobcomp/filetxt), if the cluster keeps one.
  if (a.code !== 0 && /accounting storage is disabled/i.test(commandWords(a)))
    a = await cmds.run('sacct', ['-c', '-n', '-P', '-j', rest.join(','), '-o', 'JobID,State,ExitCode']);
  // A requeued job has a line per attempt: the last one is the job's state now.
  if (a.code === 0) for (const j of parseSacct(a.stdout)) if (rest.includes(j.jobId)) states.set(j.jobId, j);
  for (const id of rest) if (!states.has(id)) gone.add(id);
  return { states, gone };
}
