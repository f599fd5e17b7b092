// The automatic decomposition epoch (`decomposeAt: 'auto'`, docs/design.md §4.4), as a pure rule:
// after every epoch of the original network the engine measures each eligible layer's EVBMF ranks
// and asks `decideAutoDecompose` whether they have settled. Cuttlefish switches to low rank when
// stable ranks stop changing; we watch the ranks we will actually decompose with.
import type { AutoDecision, LayerRanks, RunConfig } from './types';

/** A layer's K1 or K2 counts as unchanged when it moved by at most this share of its previous value. */
export const AUTO_TOLERANCE = 0.1;
/** …and by at most this many ranks: small layers' EVBMF ranks (2–10) wobble by one between epochs. */
export const AUTO_SLACK = 1;
/** Consecutive epoch-to-epoch steps with every rank unchanged before deciding. */
export const AUTO_PATIENCE = 2;
/** Default first epoch after which a decomposition may happen. */
export const AUTO_MIN_EPOCH = 2;

export type AutoScheduleFields = Pick<RunConfig, 'epochs' | 'reconstructAt'> & Partial<Pick<RunConfig, 'autoMinEpoch' | 'autoMaxEpoch'>>;

/**
 * The epochs between which an 'auto' run decomposes: [min, max]. Default max: half the epochs
 * (the paper's VGG19 choices, 10 and 40 of 200, and the quick demo's 3 of 8 lie below it), and
 * always before the reconstruction and the last epoch.
 */
export function autoBounds(c: AutoScheduleFields): { min: number; max: number } {
  const min = c.autoMinEpoch ?? AUTO_MIN_EPOCH;
  if (c.autoMaxEpoch !== undefined && c.autoMaxEpoch !== null) return { min, max: c.autoMaxEpoch };
  const limit = (c.reconstructAt ?? c.epochs) - 1;
  return { min, max: Math.max(min, Math.min(Math.floor(c.epochs / 2), limit)) };
}

export interface AutoRuleOptions {
  tolerance?: number;
  slack?: number;
  patience?: number;
}

/** One epoch's measured ranks (the `ranks` events of a run, oldest first). */
export interface RankSnapshot {
  epoch: number;
  layers: readonly Pick<LayerRanks, 'name' | 'k1' | 'k2'>[];
}

/**
 * Whether a rank stayed put: equal, or both non-zero and within max(slack, tolerance × previous).
 * 0 ↔ non-zero is always a change: rank 0 means EVBMF saw no structure yet.
 */
export function rankSettled(previous: number, current: number, tolerance = AUTO_TOLERANCE, slack = AUTO_SLACK): boolean {
  if (previous === current) return true;
  if (previous === 0 || current === 0) return false;
  return Math.abs(current - previous) <= Math.max(slack, tolerance * previous);
}

interface Change {
  layer: string;
  side: 'K1' | 'K2';
  from: number;
  to: number;
}

/** The ranks that moved beyond the tolerance from `a` to `b` (a layer new in `b` counts as moved). */
function changes(a: RankSnapshot, b: RankSnapshot, tolerance: number, slack: number): Change[] {
  const before = new Map(a.layers.map((l) => [l.name, l]));
  const out: Change[] = [];
  for (const l of b.layers) {
    const p = before.get(l.name);
    if (!p) {
      out.push({ layer: l.name, side: 'K1', from: NaN, to: l.k1 });
      continue;
    }
    if (!rankSettled(p.k1, l.k1, tolerance, slack)) out.push({ layer: l.name, side: 'K1', from: p.k1, to: l.k1 });
    if (!rankSettled(p.k2, l.k2, tolerance, slack)) out.push({ layer: l.name, side: 'K2', from: p.k2, to: l.k2 });
  }
  return out;
}

function describe(c: Change[]): string {
  const shown = c.slice(0, 3).map((x) => `${x.layer} ${x.side} ${Number.isNaN(x.from) ? 'new' : x.from} → ${x.to}`);
  return shown.join(', ') + (c.length > 3 ? ` and ${c.length - 3} more` : '');
}

/**
 * The verdict after the last epoch of `history`: decompose when, at or after the minimum epoch,
 * every layer's K1 and K2 stayed within the tolerance for `patience` consecutive epochs; at the
 * maximum epoch decompose in any case. The reason names the ranks that still moved.
 */
export function decideAutoDecompose(
  history: readonly RankSnapshot[],
  bounds: { min: number; max: number },
  opts: AutoRuleOptions = {},
): AutoDecision {
  const tolerance = opts.tolerance ?? AUTO_TOLERANCE;
  const slack = opts.slack ?? AUTO_SLACK;
  const patience = opts.patience ?? AUTO_PATIENCE;
  if (!history.length) throw new Error('decideAutoDecompose: no epoch measured yet');
  const epoch = history[history.length - 1].epoch;
  let settled = 0;
  let lastChanges: Change[] | null = null;
  for (let j = history.length - 1; j >= 1; j--) {
    const a = history[j - 1],
      b = history[j];
    const moved = b.epoch === a.epoch + 1 ? changes(a, b, tolerance, slack) : null;
    if (j === history.length - 1) lastChanges = moved;
    if (!moved || moved.length) break;
    settled++;
  }
  const rule = `every layer's K1 and K2 within ${Math.round(tolerance * 100)} % (or ${slack}) of the previous epoch's`;
  const status =
    lastChanges === null
      ? 'no earlier epoch to compare with'
      : lastChanges.length
        ? `ranks still moving: ${describe(lastChanges)}`
        : `${rule} for ${settled} of ${patience} epochs`;
  if (epoch < bounds.min) return { decompose: false, settledEpochs: settled, reason: `before the minimum epoch ${bounds.min}; ${status}` };
  if (settled >= patience) return { decompose: true, settledEpochs: settled, reason: `ranks settled: ${rule} for ${patience} epochs` };
  if (epoch >= bounds.max)
    return { decompose: true, settledEpochs: settled, reason: `the maximum epoch ${bounds.max} was reached (${status})` };
  return { decompose: false, settledEpochs: settled, reason: status };
}

/** The rank history recorded in a run's events up to an epoch: the last `ranks` event of each epoch. */
export function rankHistory(
  events: readonly { type: string; epoch: number | null }[],
  upToEpoch = Infinity,
): (RankSnapshot & { decision: AutoDecision })[] {
  const byEpoch = new Map<number, RankSnapshot & { decision: AutoDecision }>();
  for (const e of events) {
    if (e.type !== 'ranks' || e.epoch === null || e.epoch > upToEpoch) continue;
    const r = e as unknown as { epoch: number; layers: LayerRanks[]; decision: AutoDecision };
    byEpoch.set(r.epoch, { epoch: r.epoch, layers: r.layers, decision: r.decision });
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}
