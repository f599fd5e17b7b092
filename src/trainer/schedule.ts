// The paper's schedules as a pure function of the config: which phase each epoch belongs to and
// what happens after it (decompose, reconstruct).
import type { Phase, RunConfig } from '../runs/types';

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

/** A short name of the scenario, as in the paper's tables. */
export function scenarioOf(c: Pick<RunConfig, 'epochs' | 'decomposeAt' | 'reconstructAt' | 'finetuneAfterTraining'>): string {
  if (c.finetuneAfterTraining !== null) return `original ${c.epochs} → decomposed fine-tune ${c.finetuneAfterTraining}`;
  if (c.decomposeAt === null) return 'baseline (no decomposition)';
  if (c.reconstructAt === null) return `decompose at ${c.decomposeAt}`;
  return `decompose at ${c.decomposeAt}, reconstruct at ${c.reconstructAt}`;
}
