// Sequential freezing (Hajimolahoseini et al., "Training Acceleration of Low-Rank Decomposed
// Networks using Sequential Freezing and Rank Quantization"; docs/design.md §4.5): after the
// decomposition, in each block of K epochs only one factor group of every Tucker block is
// trainable — first 1×1, core, last 1×1 — rotating in that order. Layers that were not decomposed
// stay trainable. Frozen weights are left out of the gradient tape's sources, so tfjs never calls
// their filter-gradient kernels, and the optimizer holds no state for them.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/userError';
import { SVD_IN, SVD_OUT } from './splitSurgery';
import { TUCKER_CORE, TUCKER_IN, TUCKER_OUT } from './surgery';

export type FactorGroup = 'first' | 'core' | 'last';
/** The rotation order. */
export const FACTOR_GROUPS: readonly FactorGroup[] = ['first', 'core', 'last'];

export type FreezeSpec = { kind: 'none' } | { kind: 'sequential'; every: number };

export function parseFreeze(text: unknown, flag = '--freeze'): FreezeSpec {
  const t = String(text ?? '')
    .trim()
    .toLowerCase();
  if (t === 'none' || t === 'off') return { kind: 'none' };
  if (t === 'sequential') return { kind: 'sequential', every: 1 };
  const m = /^sequential:(\d+)$/.exec(t);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= 1000) return { kind: 'sequential', every: Number(m[1]) };
  throw new UserError(`${flag}: '${String(text)}' must be 'none', 'sequential' or 'sequential:K' with K from 1 to 1000 epochs per group`);
}

export function formatFreeze(s: FreezeSpec): string {
  if (s.kind === 'none') return 'none';
  return s.every === 1 ? 'sequential' : `sequential:${s.every}`;
}

/**
 * The trainable group in `epoch` (1-based over the run) of a network decomposed after epoch
 * `decomposedAfter`: a pure function of the two, so a resume continues the rotation where the
 * checkpoint left it. Null: no freezing in this epoch (off, or not after a decomposition).
 */
export function trainableGroupAt(spec: FreezeSpec, epoch: number, decomposedAfter: number | null): FactorGroup | null {
  if (spec.kind === 'none' || decomposedAfter === null || epoch <= decomposedAfter) return null;
  const block = Math.floor((epoch - decomposedAfter - 1) / spec.every);
  return FACTOR_GROUPS[block % FACTOR_GROUPS.length];
}

const SUFFIXES: [string, FactorGroup][] = [
  [TUCKER_IN, 'first'],
  [TUCKER_CORE, 'core'],
  [TUCKER_OUT, 'last'],
  // The SVD split of a 1×1 conv or a Dense layer has no core: its halves rotate with the 1×1 factors.
  [SVD_IN, 'first'],
  [SVD_OUT, 'last'],
];

/** The factor group a layer belongs to, by the names surgery gives the three convolutions; null: not a factor. */
export function factorGroupOfLayer(name: string): FactorGroup | null {
  for (const [suffix, group] of SUFFIXES) if (name.endsWith(suffix)) return group;
  return null;
}

/** The variables to freeze while `trainable` is the trainable group: every weight (kernel and bias) of the other groups' layers. */
export function frozenVariables(model: tf.LayersModel, trainable: FactorGroup | null): Set<tf.Variable> {
  const frozen = new Set<tf.Variable>();
  if (trainable === null) return frozen;
  for (const layer of model.layers) {
    const g = factorGroupOfLayer(layer.name);
    if (g === null || g === trainable) continue;
    for (const w of layer.trainableWeights) frozen.add(w.read() as tf.Variable);
  }
  return frozen;
}

interface ConvInternals {
  getClassName(): string;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: unknown): tf.Tensor | tf.Tensor[];
  kernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  strides: number[];
  padding: 'same' | 'valid';
  dataFormat: string;
  dilationRate: number[];
  activation?: { apply(t: tf.Tensor): tf.Tensor; getClassName(): string } | null;
}

/**
 * Freezes every factor group but `trainable` for training steps: returns the frozen variables
 * (leave them out of variableGrads and the optimizer) and a function that undoes the freeze.
 * A Conv2D layer normally runs tfjs's fused conv, whose gradient computes the filter's gradient
 * whatever is asked; a frozen one runs the plain conv + bias + activation instead, whose filter
 * gradient the tape never calls when the filter is not a source. Same function, rounding aside.
 */
export function freezeFactors(model: tf.LayersModel, trainable: FactorGroup | null): { frozen: Set<tf.Variable>; restore: () => void } {
  const frozen = frozenVariables(model, trainable);
  const undo: (() => void)[] = [];
  if (trainable !== null)
    for (const layer of model.layers) {
      const g = factorGroupOfLayer(layer.name);
      const conv = layer as unknown as ConvInternals;
      if (g === null || g === trainable || conv.getClassName() !== 'Conv2D' || conv.dataFormat !== 'channelsLast' || !conv.kernel) continue;
      const own = Object.prototype.hasOwnProperty.call(conv, 'call') ? conv.call : null;
      conv.call = (inputs) =>
        tf.tidy(() => {
          const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
          let y: tf.Tensor = tf.conv2d(
            x,
            conv.kernel!.read() as tf.Tensor4D,
            conv.strides as [number, number],
            conv.padding,
            'NHWC',
            conv.dilationRate as [number, number],
          );
          if (conv.bias) y = tf.add(y, conv.bias.read());
          if (conv.activation && conv.activation.getClassName() !== 'linear') y = conv.activation.apply(y);
          return y;
        });
      undo.push(() => {
        if (own) conv.call = own;
        else delete (conv as Partial<ConvInternals>).call;
      });
    }
  return { frozen, restore: () => undo.forEach((u) => u()) };
}
