// What the automatic decomposition epoch watches (docs/design.md §4.4): after an epoch of the
// original network, each eligible convolution's ranks under the run's policy (K1, K2: EVBMF for
// vbmf, ⌈F × stable rank⌉ for stable:F, …) and its stable ranks, from the same numeric core the
// decomposition uses. Small: VGG19's 16 layers take about 2 s.
import type * as tf from '@tensorflow/tfjs';
import { chooseConvRanks, policyConvRanks, type RankPolicy } from '../core/rankPolicy';
import type { ConvKernel } from '../core/types';
import type { LayerRanks } from '../runs/types';

/** Why a layer is left full-rank though the policy would decompose it (layer name → one sentence). */
export type KeptLayers = Readonly<Record<string, string>>;

export const KEEP_FIRST_CONV_REASON = "kept full-rank: the network's first convolution (--keep-first-conv, Pufferfish's hybrid)";

/** The first Conv2D in the model's layer order (its input side), or null. */
export function firstConvName(model: tf.LayersModel): string | null {
  return model.layers.find((l) => l.getClassName() === 'Conv2D')?.name ?? null;
}

/** The layers `keepFirstConv` leaves as they are. */
export function keptLayers(model: tf.LayersModel, keepFirstConv: boolean): KeptLayers {
  const first = keepFirstConv ? firstConvName(model) : null;
  return first ? { [first]: KEEP_FIRST_CONV_REASON } : {};
}

/** Conv2D layers with a kernel larger than 1×1 that are not kept: the ones a decomposition may replace. */
export function eligibleConvs(model: tf.LayersModel, kept: KeptLayers = {}): tf.layers.Layer[] {
  return model.layers.filter((l) => {
    if (l.getClassName() !== 'Conv2D' || l.name in kept) return false;
    const shape = l.getWeights()[0]?.shape ?? [];
    return shape.length === 4 && shape[0] * shape[1] > 1;
  });
}

/**
 * The policy's ranks (before any minimum or quantization; default EVBMF) and the stable ranks of
 * every eligible layer: the ranks a decomposition now would start from, so 'auto' watches those
 * (with stable:F that is Cuttlefish's rule: stable ranks that stopped moving).
 */
export async function measureLayerRanks(
  model: tf.LayersModel,
  kept: KeptLayers = {},
  policy: RankPolicy = { kind: 'vbmf' },
): Promise<LayerRanks[]> {
  const layers = eligibleConvs(model, kept);
  // Read asynchronously: WebGPU in Node has no synchronous read-back (docs/design.md §7.2).
  const data = await Promise.all(layers.map((l) => l.getWeights()[0].data() as Promise<Float32Array>));
  return layers.map((layer, i) => {
    const w = layer.getWeights()[0];
    const kernel: ConvKernel = { shape: w.shape as [number, number, number, number], data: data[i] };
    // vbmf's analysis holds every spectrum (stable ranks too); other policies read it.
    const c = chooseConvRanks(kernel, { policy: { kind: 'vbmf' } });
    const raw = policy.kind === 'vbmf' || !c.analysis ? c.raw : policyConvRanks(c.analysis, policy, c.cin, c.cout);
    return {
      name: layer.name,
      kernel: [...kernel.shape],
      k1: raw.k1,
      k2: raw.k2,
      stableK1: c.stableRank.in ?? 0,
      stableK2: c.stableRank.out ?? 0,
    };
  });
}
