// Submitting a job script with sbatch and reading the job id it answers.
import { UserError } from '../../core/userError';
import { commandWords, type SlurmCommands } from './commands';

/** `sbatch --parsable` prints "<jobid>" or "<jobid>;<cluster>" (after any warnings on other lines). */
export function parseJobId(stdout: string): string | null {
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^(\d+)(?:_\d+)?(?:;\S+)?$/.exec(lines[i]) ?? /^Submitted batch job (\d+)/.exec(lines[i]);
    if (m) return m[1];
  }
  return null;
}

export class SbatchRefused extends UserError {}

/** Submits `scriptFile`; returns the job id, or throws with sbatch's own words. */
export async function sbatch(cmds: SlurmCommands, scriptFile: string, args: string[]): Promise<string> {
  const r = await cmds.run('sbatch', ['--parsable', ...args, scriptFile]);
  if (r.code !== 0) throw new SbatchRefused(`sbatch refused the job: ${commandWords(r)}`);
  const id = parseJobId(r.stdout);
  if (!id) throw new SbatchRefused(`sbatch answered without a job id: ${commandWords(r)}`);
  return id;
}

/** Cancels a job; true when Slurm accepted (a job that already ended is not an error here). */
export async function scancel(cmds: SlurmCommands, jobId: string): Promise<{ ok: boolean; words: string }> {
  const r = await cmds.run('scancel', [jobId]);
  return { ok: r.code === 0, words: commandWords(r) };
}
