// The settings behind --decide and --quantize (docs/design.md §5.7), parsed in one place for the
// CLI, config files and studies. No tfjs here: the config resolution imports it.
import { MEASURED_QUANTUM } from '../core/measuredChoice';
import { UserError } from '../core/userError';

export type DecideMode = 'measured' | 'flops';
export const DECIDE_MODES: readonly DecideMode[] = ['measured', 'flops'];

export function parseDecide(v: unknown, flag = '--decide'): DecideMode {
  if (v === 'measured' || v === 'flops') return v;
  throw new UserError(
    `${flag}: '${String(v)}' is not one of measured (time each layer's forms on this backend and keep the fastest), flops (decompose wherever the FLOP count says it saves)`,
  );
}

/** --quantize: a positive integer, 'auto' (the measured choice; needs --decide measured) or none. */
export function parseQuantize(v: unknown, flag = '--quantize'): number | 'auto' | null {
  if (v === null || v === undefined || v === 'none') return null;
  if (v === 'auto') return 'auto';
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new UserError(`${flag}: '${String(v)}' is not an integer; give N ≥ 1 (e.g. 8 or 16), 'auto' or 'none'`);
  if (n < 1) throw new UserError(`${flag}: ${n} must be at least 1`);
  return n;
}

/** 'auto' times the ranks rounded to 8 against the policy's: without timing it has no meaning. */
export function checkQuantizeWithDecide(quantize: number | 'auto' | null, decide: DecideMode, flag = '--quantize'): void {
  if (quantize === 'auto' && decide !== 'measured')
    throw new UserError(
      `${flag}: 'auto' is the measured choice between the policy's ranks and ranks rounded up to ${MEASURED_QUANTUM}; it needs --decide measured (or give a number)`,
    );
}
