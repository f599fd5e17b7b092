// The measured per-layer decision (`--decide measured`, docs/design.md §5.7): which decomposed
// forms of a layer to time, and, given their forward + backward times, which form to keep. Pure:
// the timings come from the caller (the trainer times them on its backend; tests inject them).
import { quantizeRank } from './rankPolicy';

/**
 * A decomposed form must be at least this much faster than the original layer to replace it.
 * Why 5 %: the decomposition costs accuracy (approximation error, fewer parameters), so it must
 * buy time that shows; and a median of a handful of alternating repetitions still varies by a few
 * per cent between calls on a CPU, so a smaller gain may be noise that turns into a loss.
 */
export const MEASURED_MARGIN = 0.05;

/** The multiple ranks are rounded up to as the second candidate (GPU tiles, SIMD widths). */
export const MEASURED_QUANTUM = 8;

export interface RankCandidate {
  /** [k1, k2] for a Tucker-2 block, [rank] for an SVD split. */
  ranks: number[];
  /** What produced these ranks: 'policy', or 'quantize:N'. */
  label: string;
}

/**
 * The decomposed forms to time: the ranks as chosen, and the same ranks rounded up to a multiple
 * of `quantum` (capped at the full ranks), when that differs and `accept` (the skip rule) allows it.
 */
export function rankCandidates(
  ranks: readonly number[],
  full: readonly number[],
  quantum: number,
  accept: (ranks: number[]) => boolean = () => true,
): RankCandidate[] {
  const out: RankCandidate[] = [{ ranks: [...ranks], label: 'policy' }];
  if (quantum > 1) {
    const q = ranks.map((r, i) => quantizeRank(r, quantum, full[i]));
    if (q.some((r, i) => r !== ranks[i]) && accept(q)) out.push({ ranks: q, label: `quantize:${quantum}` });
  }
  return out;
}

export interface MeasuredDecision {
  /** Index of the kept candidate, or null: the layer stays as it is (dense). */
  chosen: number | null;
  /** One sentence, e.g. "kept dense: decomposed 1.30× slower here (…)". */
  reason: string;
}

const ms = (x: number): string => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ranksText = (r: readonly number[]): string => r.join('/');

/**
 * Keeps the fastest decomposed candidate when it beats the original by `margin` (a fraction of
 * the original's time), else the original. Times are medians in ms, one per candidate.
 */
export function decideMeasured(
  originalMs: number,
  candidates: readonly { ranks: readonly number[]; ms: number }[],
  margin = MEASURED_MARGIN,
): MeasuredDecision {
  if (!candidates.length) return { chosen: null, reason: 'kept dense: no decomposed form to time' };
  let best = 0;
  for (let i = 1; i < candidates.length; i++) if (candidates[i].ms < candidates[best].ms) best = i;
  const b = candidates[best];
  const at = `(${ms(originalMs)} ms original vs ${ms(b.ms)} ms at ranks ${ranksText(b.ranks)}, forward + backward)`;
  if (!(b.ms > 0) || !(originalMs > 0)) return { chosen: null, reason: `kept dense: the timing failed ${at}` };
  if (b.ms <= originalMs * (1 - margin)) {
    return { chosen: best, reason: `decomposed: ${(originalMs / b.ms).toFixed(2)}× faster here ${at}` };
  }
  if (b.ms >= originalMs) return { chosen: null, reason: `kept dense: decomposed ${(b.ms / originalMs).toFixed(2)}× slower here ${at}` };
  const gain = Math.round((1 - b.ms / originalMs) * 100);
  return {
    chosen: null,
    reason: `kept dense: decomposed only ${gain} % faster here, under the ${Math.round(margin * 100)} % margin ${at}`,
  };
}
