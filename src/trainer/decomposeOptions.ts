// From a run's configuration to the surgery's options (docs/design.md §5.7): the rank policy,
// --quantize N|auto, --decide measured|flops (the timer at the run's batch size on the active
// backend), --decompose-pointwise, --decompose-dense. One place, for the engine and `bench speedup`.
import { parseRankPolicy } from '../core/rankPolicy';
import { MEASURED_QUANTUM } from '../core/measuredChoice';
import type { RunConfig } from '../runs/types';
import { backendLayerTimer, type LayerTimer } from './layerTiming';
import type { DecomposeOptions } from './surgery';
export { DECIDE_MODES, checkQuantizeWithDecide, parseDecide, parseQuantize, type DecideMode } from './decideSettings';

type Settings = Pick<RunConfig, 'rankPolicy' | 'quantize' | 'batchSize' | 'decide' | 'decomposePointwise' | 'decomposeDense'>;

/**
 * The surgery's options. Under 'measured', quantize null or 'auto' times the policy's ranks and
 * those rounded up to a multiple of 8; a fixed --quantize N times only the N-rounded ranks (against
 * the original). `timer`: injected by tests; by default the backend's, at the run's batch size.
 */
export function decomposeOptionsFor(c: Settings, timer?: LayerTimer): DecomposeOptions {
  const fixed = typeof c.quantize === 'number' ? c.quantize : undefined;
  const measured = (c.decide ?? 'flops') === 'measured';
  return {
    policy: parseRankPolicy(c.rankPolicy),
    quantize: fixed,
    pointwise: c.decomposePointwise ?? false,
    dense: c.decomposeDense ?? false,
    decide: measured
      ? { timer: timer ?? backendLayerTimer({ batch: c.batchSize }), batch: c.batchSize, quantum: fixed ? 1 : MEASURED_QUANTUM }
      : null,
  };
}

/** How the run decides, for its log line: "vbmf, measured (ranks ×8 tried), pointwise split". */
export function describeDecomposition(c: Settings): string {
  const parts = [c.rankPolicy];
  if (typeof c.quantize === 'number') parts.push(`quantize ${c.quantize}`);
  parts.push((c.decide ?? 'flops') === 'measured' ? `decide measured at batch ${c.batchSize}` : 'decide by FLOPs');
  if (c.decomposePointwise) parts.push('1×1 convs split');
  if (c.decomposeDense) parts.push('dense layers split');
  return parts.join(', ');
}
