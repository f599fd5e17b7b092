// The paper's schedules as a pure function of the config: which phase each epoch belongs to and
// what happens after it (decompose, reconstruct). With `decomposeAt: 'auto'` the decomposition
// epoch is chosen while the run trains (src/runs/autoDecompose.ts): callers pass it as `decidedAt`
// once known (run.json's `decomposedAt`); until then every epoch is 'original' and nothing happens.
import type { Phase, RunConfig } from './types';
import { autoBounds } from './autoDecompose';

export type Transition = 'decompose' | 'reconstruct' | null;

export function totalEpochs(c: Pick<RunConfig, 'epochs' | 'finetuneAfterTraining'>): number {
  return c.epochs + (c.finetuneAfterTraining ?? 0);
}

type ScheduleFields = Pick<RunConfig, 'epochs' | 'decomposeAt' | 'reconstructAt' | 'finetuneAfterTraining'>;

/** The epoch after which the network is (or was) decomposed: the fixed one, or for 'auto' the chosen one (null: not yet). */
export function decompositionEpoch(c: Pick<RunConfig, 'decomposeAt'>, decidedAt: number | null = null): number | null {
  return c.decomposeAt === 'auto' ? decidedAt : c.decomposeAt;
}

/** Phase of a 1-based epoch. */
export function phaseOf(c: ScheduleFields, epoch: number, decidedAt: number | null = null): Phase {
  if (c.finetuneAfterTraining !== null) return epoch <= c.epochs ? 'original' : 'finetune';
  const d = decompositionEpoch(c, decidedAt);
  if (d === null || epoch <= d) return 'original';
  if (c.reconstructAt === null || epoch <= c.reconstructAt) return 'decomposed';
  return 'reconstructed';
}

/** What to do after a 1-based epoch has finished (epoch 0: before training starts). An undecided 'auto' run: nothing (the engine asks the auto rule). */
export function transitionAfter(c: ScheduleFields, epoch: number, decidedAt: number | null = null): Transition {
  if (c.finetuneAfterTraining !== null) return epoch === c.epochs ? 'decompose' : null;
  const d = decompositionEpoch(c, decidedAt);
  if (d === null) return null;
  if (epoch === d) return 'decompose';
  if (c.reconstructAt !== null && epoch === c.reconstructAt) return 'reconstruct';
  return null;
}

/** Whether the engine must ask the auto rule after this epoch: an 'auto' run, not decided yet, within its bounds. */
export function awaitingAutoDecision(c: ScheduleFields & Parameters<typeof autoBounds>[0], epoch: number, decidedAt: number | null): boolean {
  return c.decomposeAt === 'auto' && c.finetuneAfterTraining === null && decidedAt === null && epoch >= 1 && epoch <= autoBounds(c).max;
}

/**
 * The scenario in one line, as in the paper's tables, e.g. "decomposed after epoch 10 (vbmf), reconstructed after 190";
 * for 'auto', "decomposed automatically after epoch 4 (vbmf)" once `decidedAt` is known.
 */
export function describeScenario(
  c: Pick<RunConfig, 'epochs' | 'decomposeAt' | 'reconstructAt' | 'finetuneAfterTraining' | 'rankPolicy'>,
  decidedAt: number | null = null,
): string {
  if (c.finetuneAfterTraining !== null && c.finetuneAfterTraining !== undefined) {
    return `original ${c.epochs} epochs, then decomposed (${c.rankPolicy}) and fine-tuned ${c.finetuneAfterTraining}`;
  }
  if (c.decomposeAt === null || c.decomposeAt === undefined) return 'original (no decomposition)';
  const parts = [
    c.decomposeAt === 'auto'
      ? decidedAt === null
        ? `decomposed automatically (${c.rankPolicy}; epoch not chosen yet)`
        : `decomposed automatically after epoch ${decidedAt} (${c.rankPolicy})`
      : `decomposed after epoch ${c.decomposeAt} (${c.rankPolicy})`,
  ];
  if (c.reconstructAt !== null && c.reconstructAt !== undefined) parts.push(`reconstructed after ${c.reconstructAt}`);
  return parts.join(', ');
}

/** How a caller names the schedule's fields in messages: flags for the CLI, words in VS Code. */
export interface ScheduleFieldNames {
  epochs: string;
  decomposeAt: string;
  reconstructAt: string;
  autoMinEpoch?: string;
  autoMaxEpoch?: string;
}

export const SCHEDULE_FLAGS: ScheduleFieldNames = {
  epochs: '--epochs',
  decomposeAt: '--decompose-at',
  reconstructAt: '--reconstruct-at',
  autoMinEpoch: '--auto-min-epoch',
  autoMaxEpoch: '--auto-max-epoch',
};

/**
 * The one schedule rule, asked by the CLI's flag resolution and the extension's start flow:
 * 0 ≤ decomposeAt < epochs, decomposeAt < reconstructAt ≤ epochs; for 'auto',
 * 1 ≤ autoMinEpoch ≤ autoMaxEpoch < epochs and autoMaxEpoch < reconstructAt. Returns what is
 * wrong (the field and a message that starts with its name) or null.
 */
export function scheduleProblem(
  c: Pick<RunConfig, 'epochs' | 'decomposeAt' | 'reconstructAt'> & Partial<Pick<RunConfig, 'autoMinEpoch' | 'autoMaxEpoch'>>,
  names: ScheduleFieldNames = SCHEDULE_FLAGS,
): { field: keyof ScheduleFieldNames; message: string } | null {
  const { epochs, decomposeAt, reconstructAt: r } = c;
  if (!Number.isInteger(epochs) || epochs < 1) return { field: 'epochs', message: `${names.epochs}: must be a whole number ≥ 1 (got ${epochs})` };
  if (decomposeAt === 'auto') return autoProblem(c, names);
  const d = decomposeAt;
  if (d !== null && (!Number.isInteger(d) || d < 0 || d >= epochs)) {
    return { field: 'decomposeAt', message: `${names.decomposeAt}: ${d} must be below ${names.epochs} (${epochs}), between 0 and ${epochs - 1}; the network is decomposed after that epoch and trained on` };
  }
  if (r !== null) {
    if (d === null) return { field: 'reconstructAt', message: `${names.reconstructAt}: reconstruction needs a decomposition; give ${names.decomposeAt} too` };
    if (!Number.isInteger(r) || r <= d) return { field: 'reconstructAt', message: `${names.reconstructAt}: ${r} must be after ${names.decomposeAt} (${d}), between ${d + 1} and ${epochs}` };
    if (r > epochs) return { field: 'reconstructAt', message: `${names.reconstructAt}: ${r} must be at most ${names.epochs} (${epochs}), between ${d + 1} and ${epochs}` };
  }
  return null;
}

function autoProblem(
  c: Pick<RunConfig, 'epochs' | 'reconstructAt'> & Partial<Pick<RunConfig, 'autoMinEpoch' | 'autoMaxEpoch'>>,
  names: ScheduleFieldNames,
): { field: keyof ScheduleFieldNames; message: string } | null {
  const minName = names.autoMinEpoch ?? SCHEDULE_FLAGS.autoMinEpoch!;
  const maxName = names.autoMaxEpoch ?? SCHEDULE_FLAGS.autoMaxEpoch!;
  const { min, max } = autoBounds(c);
  const { epochs, reconstructAt: r } = c;
  if (epochs < 2) return { field: 'epochs', message: `${names.epochs}: ${names.decomposeAt} auto needs at least 2 epochs (got ${epochs})` };
  if (!Number.isInteger(min) || min < 1 || min >= epochs)
    return { field: 'autoMinEpoch', message: `${minName}: ${min} must be between 1 and ${epochs - 1} (below ${names.epochs})` };
  if (!Number.isInteger(max) || max < min || max >= epochs)
    return { field: 'autoMaxEpoch', message: `${maxName}: ${max} must be between ${minName} (${min}) and ${epochs - 1} (below ${names.epochs})` };
  if (r !== null) {
    if (!Number.isInteger(r) || r <= max)
      return { field: 'reconstructAt', message: `${names.reconstructAt}: ${r} must be after ${maxName} (${max}), the latest automatic decomposition, between ${max + 1} and ${epochs}` };
    if (r > epochs) return { field: 'reconstructAt', message: `${names.reconstructAt}: ${r} must be at most ${names.epochs} (${epochs})` };
  }
  return null;
}
