// The rules of the custom start flow (startFlow.ts), free of `vscode` so they are unit-tested:
// defaults that follow the earlier answers, and each step's check — the trainer's own rules
// (runs/schedule.ts, core/rankPolicy.ts), so an error shows at the step that caused it.
import * as path from 'node:path';
import { parseRankPolicy } from '../core/rankPolicy';
import type { RunConfig } from '../runs/types';
import { checkSchedule, parseDecomposeAt, parseOptionalEpoch, sanitizeRunName } from './trainRequest';

/** The decomposition epoch offered for `epochs`: the setting's, moved below the last epoch. */
export function defaultDecomposeAt(setting: number | 'auto' | null, epochs: number): string {
  if (setting === null) return 'none';
  if (setting === 'auto') return 'auto';
  return String(Math.max(0, Math.min(setting, epochs - 1)));
}

/**
 * The reconstruction epoch offered: the setting's distance from the end kept for the new epoch
 * count (7 of 8 → 19 of 20), when it still comes after the decomposition; else none.
 */
export function defaultReconstructAt(
  setting: { epochs: number; reconstructAt: number | null },
  epochs: number,
  decomposeAt: number | 'auto' | null,
): string {
  if (setting.reconstructAt === null || decomposeAt === null) return 'none';
  const r = epochs - Math.max(0, setting.epochs - setting.reconstructAt);
  return checkSchedule(epochs, decomposeAt, r) === null ? String(r) : 'none';
}

/** The check of the epochs box: a whole number ≥ 1. */
export function epochsProblem(text: string): string | null {
  const n = parseOptionalEpoch(text);
  return typeof n === 'number' && n >= 1 ? null : 'a whole number of epochs, at least 1';
}

/** The check of the decomposition box, against the epochs already chosen. */
export function decomposeProblem(text: string, epochs: number): string | null {
  const d = parseDecomposeAt(text);
  if (d === undefined) return 'a whole number of epochs, "auto", or "none"';
  return checkSchedule(epochs, d, null);
}

/** The check of the reconstruction box, against the epochs and decomposition already chosen. */
export function reconstructProblem(text: string, epochs: number, decomposeAt: number | 'auto' | null): string | null {
  const r = parseOptionalEpoch(text);
  if (r === undefined) return 'a whole number of epochs, or "none"';
  return checkSchedule(epochs, decomposeAt, r);
}

/** The check of a rank policy typed by the user: the trainer's own parser, its message. */
export function rankPolicyProblem(text: string): string | null {
  try {
    parseRankPolicy(text);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** A positive number (learning rate); empty = the trainer's default. */
export function lrProblem(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) && n > 0 ? null : 'a number above 0 (e.g. 0.05), or empty for the trainer’s default';
}

/** A whole batch size 1..8192 (the trainer's range); empty = the trainer's default. */
export function batchProblem(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isInteger(n) && n >= 1 && n <= 8192 ? null : 'a whole number from 1 to 8192, or empty for the trainer’s default';
}

/** What the trainer accepts as --name: letters of any script, digits, spaces, '.', '_', '-'; 1 to 80. */
export function runNameProblem(text: string): string | null {
  const t = text.trim();
  if (!t) return 'a name, so the run can be told apart (letters, digits, spaces, ".", "_", "-")';
  if (t.length > 80) return `at most 80 characters (this one has ${t.length})`;
  return /^[\p{L}\p{M}\p{N}_.\- ]+$/u.test(t) ? null : 'letters (of any script), digits, spaces, ".", "_" and "-" only';
}

/** The suggested name: the model, what the run does, and the rank policy when it is not the default. */
export function suggestedRunName(model: string, decomposeAt: number | 'auto' | null, rankPolicy: string): string {
  const base = path.basename(model) === 'model.json' ? path.basename(path.dirname(model)) : path.basename(model, '.json');
  const what = decomposeAt === null ? 'baseline' : decomposeAt === 'auto' ? 'tucker-auto' : `tucker-d${decomposeAt}`;
  const policy = decomposeAt === null || rankPolicy === 'vbmf' ? '' : `-${rankPolicy.replace(':', '')}`;
  return sanitizeRunName(`${base}-${what}${policy}`);
}

/** The start flow's answers for "Run again": the run's own configuration. */
export interface StartFlowInitial {
  model: string;
  dataset: string;
  epochs: number;
  decomposeAt: number | 'auto' | null;
  reconstructAt: number | null;
  rankPolicy: string;
  backend: string;
  lr: number;
  batchSize: number;
  lrMilestones: number[];
  weightDecay: number;
  runsDir: string;
  name: string;
}

export function initialFromConfig(c: RunConfig, name: string, runsDir: string): StartFlowInitial {
  return {
    model: c.model,
    dataset: c.dataset,
    epochs: c.epochs,
    decomposeAt: c.decomposeAt,
    reconstructAt: c.reconstructAt,
    rankPolicy: c.rankPolicy,
    backend: c.backend,
    lr: c.lr,
    batchSize: c.batchSize,
    lrMilestones: c.lrMilestones,
    weightDecay: c.weightDecay,
    runsDir,
    name: againName(name),
  };
}

/** "lenet" → "lenet-2", "lenet-2" → "lenet-3". */
export function againName(name: string): string {
  const m = /^(.*?)-(\d+)$/.exec(name);
  return sanitizeRunName(m ? `${m[1]}-${Number(m[2]) + 1}` : `${name}-2`);
}

/** The name a config file gives its runs: its `name` field, else the file's name. */
export function configRunName(text: string, file: string): string {
  try {
    const v: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    const name = typeof v === 'object' && v !== null ? (v as { name?: unknown }).name : undefined;
    if (typeof name === 'string' && name.trim()) return sanitizeRunName(name);
  } catch {
    /* the trainer reports a broken file with its line and column */
  }
  return sanitizeRunName(path.basename(file).replace(/\.tucker\.json$|\.json$/, ''));
}
