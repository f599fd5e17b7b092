// Axis ticks and tooltip values for the charts, pure (no DOM): labels that tell neighbouring ticks
// apart (97.5 % vs 98 %, not "98%" twice), never clipped (the axis is as wide as its widest label).

export type ValueKind = 'accuracy' | 'loss' | 'throughput' | 'lr' | 'rank' | 'count';

/** Decimals needed so that ticks `step` apart print differently, for a value shown ×`scale`. */
function decimalsFor(step: number, scale = 1): number {
  const s = Math.abs(step * scale);
  if (!(s > 0) || !Number.isFinite(s)) return 0;
  // Enough to write the step itself (0.025 needs 3, not 2), at most 6.
  for (let d = Math.max(0, Math.ceil(-Math.log10(s) - 1e-9)); d < 6; d++) {
    const k = s * 10 ** d;
    if (Math.abs(k - Math.round(k)) < 1e-6 * Math.max(1, k)) return d;
  }
  return 6;
}

function stepOf(splits: readonly number[]): number {
  let step = Infinity;
  for (let i = 1; i < splits.length; i++) {
    const d = Math.abs(splits[i] - splits[i - 1]);
    if (d > 0) step = Math.min(step, d);
  }
  return Number.isFinite(step) ? step : Math.abs(splits[0] ?? 1) || 1;
}

/** A number in few characters: 1.2k, 3.4M, 0.0012 → 1.2e-3; `decimals` for plain ones. */
export function compactNumber(v: number, decimals = 2): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6) return `${trimZeros((v / 1e6).toFixed(2))}M`;
  if (a >= 1e4) return `${trimZeros((v / 1e3).toFixed(1))}k`;
  if (a < 1e-3) return v.toExponential(1).replace('e-', 'e-').replace(/\.0e/, 'e');
  return trimZeros(v.toFixed(decimals));
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Tick labels for a value axis. */
export function formatTicks(kind: ValueKind, splits: readonly number[]): string[] {
  const step = stepOf(splits);
  switch (kind) {
    case 'accuracy': {
      const d = decimalsFor(step, 100);
      return splits.map((s) => `${(s * 100).toFixed(d)}%`);
    }
    case 'rank':
    case 'count':
      return splits.map((s) => (Number.isInteger(s) ? String(s) : ''));
    case 'lr': {
      // One notation for the whole axis: exponents when every rate is below 0.01, decimals otherwise.
      const top = Math.max(...splits.map(Math.abs));
      if (top >= 1e-2) return splits.map((s) => compactNumber(s, decimalsFor(step)));
      return splits.map((s) => (s === 0 ? '0' : s.toExponential(Math.min(2, decimalsFor(step / top))).replace(/\.?0+e/, 'e')));
    }
    default: {
      const d = decimalsFor(step);
      return splits.map((s) => compactNumber(s, d));
    }
  }
}

/** Epoch-axis tick labels: whole epochs, and fractions when zoomed in below one epoch per tick. */
export function formatEpochTicks(splits: readonly number[]): string[] {
  const d = Math.min(2, decimalsFor(stepOf(splits)));
  return splits.map((s) => trimZeros(s.toFixed(d)));
}

/** One value as the tooltip shows it. */
export function formatValue(kind: ValueKind, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (kind) {
    case 'accuracy':
      return `${(v * 100).toFixed(2)} %`;
    case 'loss':
      return Math.abs(v) >= 1e-3 ? v.toPrecision(4) : v.toExponential(3);
    case 'throughput':
      return `${Math.round(v).toLocaleString('en-US')} img/s`;
    case 'lr':
      return v === 0 ? '0' : Math.abs(v) < 1e-2 ? v.toExponential(2) : String(+v.toPrecision(4));
    case 'rank':
    case 'count':
      return String(Math.round(v));
  }
}

/** Pixels a y axis needs: its widest label, the tick and a gap (uPlot clips what does not fit). */
export function axisWidth(labelWidths: readonly number[], tickSize = 6, gap = 8): number {
  const widest = labelWidths.reduce((a, b) => Math.max(a, b), 0);
  return Math.ceil(widest + tickSize + gap);
}

/** Draw points on a series when its points would be few or far apart (one epoch: a single dot). */
export function showPoints(points: number, plotWidthPx: number): boolean {
  return points > 0 && (points <= 1 || plotWidthPx / points >= 12);
}
