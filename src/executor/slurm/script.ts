// The job script of a run or a study report: `#SBATCH` directives from the Slurm settings, then
// the command, through a template the user may replace (`--slurm-template`, docs/design.md §11).
import type { SlurmOptions } from '../../runs/types';
import { readTemplate } from './options';

export const DEFAULT_TEMPLATE = `#!/bin/bash
{{directives}}
# Written by tucker-train for {{runDir}}
# Add what your cluster needs before the command (module load nodejs, a conda env, …):
# copy this file, edit it and pass it with --slurm-template (VS Code: tuckerTrain.slurm.template).
set -e
cd {{workDir}}
exec {{command}}
`;

export interface JobScriptInput {
  jobName: string;
  /** The run folder (or study folder): the job's output goes there as slurm-<jobid>.out. */
  dir: string;
  workDir: string;
  /** argv of the command the job runs: node, the CLI, its arguments. */
  command: string[];
  options: SlurmOptions;
}

/** POSIX shell quoting: safe for any path (spaces, quotes, non-ASCII). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A job name sbatch takes without quoting (letters, digits, . _ -), at most 64 characters. */
export function jobNameOf(name: string): string {
  return (name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'tucker-train').slice(0, 64);
}

/** The `#SBATCH` lines. A path with a space cannot be written in a directive, so --output/--chdir go on sbatch's command line instead. */
export function directivesOf(i: JobScriptInput): string[] {
  const o = i.options;
  const lines = [`#SBATCH --job-name=${jobNameOf(i.jobName)}`];
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.account) lines.push(`#SBATCH --account=${o.account}`);
  if (o.gres) lines.push(`#SBATCH --gres=${o.gres}`);
  if (o.cpus) lines.push(`#SBATCH --cpus-per-task=${o.cpus}`);
  if (o.mem) lines.push(`#SBATCH --mem=${o.mem}`);
  if (o.time) lines.push(`#SBATCH --time=${o.time}`);
  return lines;
}

/** Fills a template's {{variables}}; the template was checked when the settings were resolved. */
export function renderJobScript(
  i: JobScriptInput,
  template = i.options.template ? readTemplate(i.options.template, '--slurm-template') : DEFAULT_TEMPLATE,
): string {
  const values: Record<string, string> = {
    directives: directivesOf(i).join('\n'),
    command: i.command.map(shellQuote).join(' '),
    runDir: i.dir,
    jobName: jobNameOf(i.jobName),
    workDir: shellQuote(i.workDir),
  };
  return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, name: string) => values[name] ?? '');
}
