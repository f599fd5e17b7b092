// Running Slurm's client commands (sbatch, squeue, sacct, scontrol, scancel). Injected as an
// interface so the parsing and decisions are unit-tested on recorded output.
import { execFile } from 'node:child_process';
import { UserError } from '../../core/userError';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SlurmCommands {
  /** Runs `cmd args`; a missing program throws a UserError naming it. */
  run(cmd: string, args: string[]): Promise<CommandResult>;
}

export class SlurmCommandMissing extends UserError {}

export function missingMessage(cmd: string): string {
  return `'${cmd}' is not on PATH: Slurm's client commands are needed for --executor slurm (run on the cluster's login node, or load its Slurm module first)`;
}

export const systemSlurm: SlurmCommands = {
  run: (cmd, args) =>
    new Promise((resolve, reject) => {
      execFile(cmd, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        if (code === 'ENOENT') return reject(new SlurmCommandMissing(missingMessage(cmd)));
        const exit = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code: exit, stdout: String(stdout), stderr: String(stderr) });
      });
    }),
};

/** The command's own words on failure: its stderr (or stdout) trimmed to the informative lines. */
export function commandWords(r: CommandResult): string {
  const text = (r.stderr.trim() || r.stdout.trim())
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return text.length ? text.join(' ') : `exit code ${r.code}`;
}
