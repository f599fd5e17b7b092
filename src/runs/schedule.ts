// The paper's schedules as a pure function of the config: which phase each epoch belongs to and
// what happens after it (decompose, reconstruct).
import type { Phase, RunConfig } from './types';

export type Transition = 'decompose' | 'reconstruct' | null;

export function totalEpochs(c: Pick<RunConfig, 'epochs' | 'finetuneAfterTraining'>): number {
  return c.epochs + (c.finetuneAfterTraining ?? 0);
}

/** Phase of a 1-based epoch. */
export function phaseOf(c: Pick<RunConfig, 'epochs' | 'decomposeAt' | 'reconstructAt' | 'finetuneAfterTraining'>, epoch: number): Phase {
  if (c.finetuneAfterTraining !== null) return epoch <= c.epochs ? 'original' : 'finetune';
  if (c.decomposeAt === null || epoch <= c.decomposeAt) return 'original';
  if (c.reconstructAt === null || epoch <= c.reconstructAt) return 'decomposed';
  return 'reconstructed';
}

/** What to do after a 1-based epoch has finished (epoch 0: before training starts). */
export function transitionAfter(c: Pick<RunConfig, 'epochs' | 'decomposeAt' | 'reconstructAt' | 'finetuneAfterTraining'>, epoch: number): Transition {
  if (c.finetuneAfterTraining !== null) return epoch === c.epochs ? 'decompose' : null;
  if (c.decomposeAt !== null && epoch === c.decomposeAt) return 'decompose';
  if (c.reconstructAt !== null && epoch === c.reconstructAt) return 'reconstruct';
  return null;
}

/** The scenario in one line, as in the paper's tables, e.g. "decomposed after epoch 10 (vbmf), reconstructed after 190". */
export function describeScenario(c: Pick<RunConfig, 'epochs' | 'decomposeAt' | 'reconstructAt' | 'finetuneAfterTraining' | 'rankPolicy'>): string {
  if (c.finetuneAfterTraining !== null && c.finetuneAfterTraining !== undefined) {
    return `original ${c.epochs} epochs, then decomposed (${c.rankPolicy}) and fine-tuned ${c.finetuneAfterTraining}`;
  }
  if (c.decomposeAt === null || c.decomposeAt === undefined) return 'original (no decomposition)';
  const parts = [`decomposed after epoch ${c.decomposeAt} (${c.rankPolicy})`];
  if (c.reconstructAt !== null && c.reconstructAt !== undefined) parts.push(`reconstructed after ${c.reconstructAt}`);
  return parts.join(', ');
}

/** How a caller names the schedule's fields in messages: flags for the CLI, words in VS Code. */
export interface ScheduleFieldNames {
  epochs: string;
  decomposeAt: string;
  reconstructAt: string;
}

export const SCHEDULE_FLAGS: ScheduleFieldNames = { epochs: '--epochs', decomposeAt: '--decompose-at', reconstructAt: '--reconstruct-at' };

/**
 * The one schedule rule, asked by the CLI's flag resolution and the extension's start flow:
 * 0 ≤ decomposeAt < epochs, decomposeAt < reconstructAt ≤ epochs. Returns what is wrong (the
 * field and a message that starts with its name) or null.
 */
export function scheduleProblem(
  c: Pick<RunConfig, 'epochs' | 'decomposeAt' | 'reconstructAt'>,
  names: ScheduleFieldNames = SCHEDULE_FLAGS,
): { field: keyof ScheduleFieldNames; message: string } | null {
  const { epochs, decomposeAt: d, reconstructAt: r } = c;
  if (!Number.isInteger(epochs) || epochs < 1) return { field: 'epochs', message: `${names.epochs}: must be a whole number ≥ 1 (got ${epochs})` };
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
