// Exponential moving average for noisy training curves, debiased as TensorBoard's scalar
// dashboard does: the first values are not pulled towards 0. Pure (no DOM).

/**
 * Smooths `ys` with weight `w` in [0, 1): s_t = w·s_{t−1} + (1 − w)·y_t, divided by (1 − w^n) after
 * n finite values. Missing or non-finite values stay as they are and do not enter the average.
 * w = 0 returns the values unchanged.
 */
export function debiasedEma(ys: readonly (number | null)[], w: number): (number | null)[] {
  if (!(w > 0)) return ys.slice();
  const weight = Math.min(w, 0.999);
  let last = 0;
  let n = 0;
  return ys.map((y) => {
    if (y === null || !Number.isFinite(y)) return y;
    last = last * weight + (1 - weight) * y;
    n++;
    return last / (1 - Math.pow(weight, n));
  });
}
