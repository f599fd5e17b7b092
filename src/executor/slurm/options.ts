// Slurm settings of `train`/`study`/`resume` (`--slurm-*` flags) and of VS Code
// (`tuckerTrain.slurm.*`), checked before anything is written or submitted: every value goes into
// a `#SBATCH` line or onto sbatch's command line, so each must be one word.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../core/userError';
import type { SlurmOptions } from '../../runs/types';

export type ExecutorKind = 'local' | 'slurm';
export const EXECUTORS: readonly ExecutorKind[] = ['local', 'slurm'];

/** The flags, for each command's parseArgs table. */
export const SLURM_CLI_OPTIONS = {
  executor: { type: 'string' },
  'slurm-partition': { type: 'string' },
  'slurm-gres': { type: 'string' },
  'slurm-cpus': { type: 'string' },
  'slurm-mem': { type: 'string' },
  'slurm-time': { type: 'string' },
  'slurm-account': { type: 'string' },
  'sbatch-args': { type: 'string' },
  'slurm-template': { type: 'string' },
} as const;

export const SLURM_HELP = `  --executor local|slurm        train here (default) or as a Slurm job per run (sbatch; the run folder is
                                written at once with status 'queued'; --runs-dir must be shared with the nodes)
  --slurm-partition P  --slurm-account A  --slurm-gres gpu:1  --slurm-cpus N  --slurm-mem 16G
  --slurm-time T                time limit (minutes, H:MM:SS or D-HH:MM:SS); a run stopped by it resumes
                                with 'tucker-train resume <runDir>' (a new job)
  --sbatch-args "A B"           more sbatch arguments, space-separated (e.g. "--qos=high --constraint=a100")
  --slurm-template FILE         your job script: {{directives}} {{command}} {{runDir}} {{jobName}} are filled in`;

export const NO_SLURM_OPTIONS: SlurmOptions = {
  partition: null,
  gres: null,
  cpus: null,
  mem: null,
  time: null,
  account: null,
  extraArgs: [],
  template: null,
};

const WORD = /^[A-Za-z0-9_.,:=+@%/-]+$/;
const TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}(:\d{1,2}(:\d{1,2})?)?|UNLIMITED|INFINITE)$/i;
const MEM = /^\d+[KMGT]?$/i;

type Values = Record<string, unknown>;

/** The executor a command was asked for (`--executor`, else `dflt`). */
export function executorOf(values: Values, dflt: ExecutorKind = 'local'): ExecutorKind {
  const v = values.executor;
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !EXECUTORS.includes(v as ExecutorKind))
    throw new UserError(`--executor: '${String(v)}' is not one of ${EXECUTORS.join(', ')}`);
  return v as ExecutorKind;
}

function word(flag: string, v: unknown, pattern = WORD, what = 'one word without spaces or quotes'): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || !pattern.test(v)) throw new UserError(`${flag}: '${String(v)}' must be ${what}`);
  return v;
}

/** "--qos=high --constraint=a100" → ['--qos=high', '--constraint=a100']; each must be an option. */
export function splitSbatchArgs(flag: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const parts = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.trim().split(/\s+/).filter(Boolean) : null;
  if (!parts) throw new UserError(`${flag}: expected sbatch arguments such as "--qos=high --constraint=a100"`);
  for (const p of parts) {
    if (/["'\\`$;|&<>]/.test(p))
      throw new UserError(`${flag}: '${p}': no quotes or shell characters; give each argument as one word (--name=value)`);
    if (!p.startsWith('-')) throw new UserError(`${flag}: '${p}' is not an sbatch option; write --name=value`);
    if (/^--(output|error|parsable|wrap)\b/.test(p)) throw new UserError(`${flag}: '${p}' is set by tucker-train itself; leave it out`);
  }
  return parts;
}

/**
 * Slurm settings from flags (`--slurm-*`), over `base` (the run's recorded settings on a resume,
 * or VS Code's). Values are checked for shape only; the cluster judges the rest (sbatch's words
 * are shown when it refuses).
 */
export function resolveSlurmOptions(values: Values, base: SlurmOptions = NO_SLURM_OPTIONS): SlurmOptions {
  const pick = <K extends keyof SlurmOptions>(flag: string, key: K, parse: (f: string, v: unknown) => SlurmOptions[K]): SlurmOptions[K] =>
    values[flag] === undefined ? base[key] : parse(`--${flag}`, values[flag]);
  const cpus = pick('slurm-cpus', 'cpus', (f, v) => {
    const n = Number(v);
    if (typeof v !== 'string' || !/^\d+$/.test(v) || n < 1 || n > 4096)
      throw new UserError(`${f}: '${String(v)}' must be a whole number of CPUs (1 to 4096)`);
    return n;
  });
  const template = pick('slurm-template', 'template', (f, v) => {
    if (typeof v !== 'string' || v === '') throw new UserError(`${f}: give the path of a job-script template`);
    const p = resolve(v);
    if (!existsSync(p)) throw new UserError(`${f} ${v}: file not found`);
    return p;
  });
  const options: SlurmOptions = {
    partition: pick('slurm-partition', 'partition', (f, v) => word(f, v)),
    gres: pick('slurm-gres', 'gres', (f, v) => word(f, v, WORD, "a generic resource such as 'gpu:1' or 'gpu:a100:2'")),
    cpus,
    mem: pick('slurm-mem', 'mem', (f, v) => word(f, v, MEM, "a size such as '16G' or '4000M'")),
    time: pick('slurm-time', 'time', (f, v) => word(f, v, TIME, "a time limit: minutes, 'H:MM:SS' or 'D-HH:MM:SS'")),
    account: pick('slurm-account', 'account', (f, v) => word(f, v)),
    extraArgs: values['sbatch-args'] === undefined ? base.extraArgs : splitSbatchArgs('--sbatch-args', values['sbatch-args']),
    template,
  };
  if (options.template) readTemplate(options.template, '--slurm-template'); // refuses a bad template before anything is written
  return options;
}

/** True when any `--slurm-*` flag was given (refused with `--executor local`). */
export function slurmFlagGiven(values: Values): string | null {
  const f = Object.keys(SLURM_CLI_OPTIONS).find((k) => k !== 'executor' && values[k] !== undefined);
  return f ? `--${f}` : null;
}

/** A template's text, checked by the renderer's rules (script.ts). */
export function readTemplate(path: string, label: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`${label} ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!text.includes('{{command}}')) throw new UserError(`${label} ${path}: the template must contain {{command}} (the line that trains)`);
  const unknown = [...text.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]).find((n) => !TEMPLATE_VARIABLES.includes(n));
  if (unknown !== undefined)
    throw new UserError(`${label} ${path}: unknown variable {{${unknown}}}; known: ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(' ')}`);
  return text;
}

export const TEMPLATE_VARIABLES = ['directives', 'command', 'runDir', 'jobName', 'workDir'];
