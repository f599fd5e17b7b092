// SGD with momentum and weight decay, PyTorch semantics (the paper's optimizer):
//   g ← g + wd·w;  v ← m·v + g;  w ← w − lr·v
// State is keyed by variable, so after decomposition it is simply rebuilt for the new weights.
// With factor decay (factorDecay.ts) a Tucker block's three kernels get the gradient of
// X·‖G ×₁ U_in ×₂ U_out‖² instead of wd·w.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/userError';
import { factorDecayGradients, type TuckerBlockVars } from './factorDecay';

export class Sgd {
  private velocity = new Map<tf.Variable, tf.Variable>();
  private blocks: TuckerBlockVars[] = [];
  private factorDecay = 0;
  private inBlock = new Set<tf.Variable>();
  private frozen: ReadonlySet<tf.Variable> = new Set();
  constructor(
    public lr: number,
    readonly momentum: number,
    readonly weightDecay: number,
  ) {}

  /** Frobenius decay X on these blocks' products instead of weight decay on their factors (X = 0 or no blocks: off). */
  setFactorDecay(blocks: TuckerBlockVars[], x: number): void {
    this.blocks = x > 0 ? blocks : [];
    this.factorDecay = x;
    this.inBlock = new Set(this.blocks.flatMap((b) => [b.uIn, b.core, b.uOut]));
  }

  /**
   * Sequential freezing (freezing.ts): these weights get no update and no state; their momentum
   * buffers are dropped now (a group that becomes trainable again starts from zero momentum).
   */
  freeze(frozen: ReadonlySet<tf.Variable>): void {
    for (const w of frozen) {
      this.velocity.get(w)?.dispose();
      this.velocity.delete(w);
    }
    this.frozen = frozen;
  }

  /** How many weights hold a momentum buffer (tests, and the state a checkpoint saves). */
  get stateCount(): number {
    return this.velocity.size;
  }

  hasState(w: tf.Variable): boolean {
    return this.velocity.has(w);
  }

  apply(grads: Map<tf.Variable, tf.Tensor>): void {
    tf.tidy(() => {
      const extra = new Map<tf.Variable, tf.Tensor>();
      for (const b of this.blocks) {
        if (this.frozen.has(b.uIn) && this.frozen.has(b.core) && this.frozen.has(b.uOut)) continue;
        const [gIn, gCore, gOut] = factorDecayGradients(b, this.factorDecay);
        extra.set(b.uIn, gIn);
        extra.set(b.core, gCore);
        extra.set(b.uOut, gOut);
      }
      for (const [w, g0] of grads) {
        if (this.frozen.has(w)) continue;
        const fd = extra.get(w);
        let g = fd ? g0.add(fd) : this.weightDecay && !this.inBlock.has(w) ? g0.add(w.mul(this.weightDecay)) : g0;
        if (this.momentum) {
          let v = this.velocity.get(w);
          if (!v) {
            v = tf.variable(tf.zerosLike(w), false);
            this.velocity.set(w, v);
          }
          v.assign(v.mul(this.momentum).add(g));
          g = v;
        }
        w.assign(w.sub(g.mul(this.lr)));
      }
    });
  }

  /**
   * The momentum buffers of `vars` (the model's trainable weights, in order), for a checkpoint:
   * null where a weight has none yet (no step since the start or the last reset).
   */
  async exportMomentum(vars: readonly tf.Variable[]): Promise<(Float32Array | null)[]> {
    // Read asynchronously: WebGPU in Node has no synchronous read-back (docs/design.md §7.2).
    return Promise.all(
      vars.map(async (w) => {
        const v = this.velocity.get(w);
        return v ? ((await v.data()) as Float32Array).slice() : null;
      }),
    );
  }

  /** Restores buffers saved by exportMomentum for the same weights, in the same order. */
  importMomentum(vars: readonly tf.Variable[], buffers: readonly (Float32Array | null)[]): void {
    if (buffers.length !== vars.length) throw new Error(`momentum for ${buffers.length} weights, the model has ${vars.length}`);
    this.reset();
    vars.forEach((w, i) => {
      const b = buffers[i];
      if (!b) return;
      if (b.length !== w.size) throw new Error(`momentum of ${w.name} has ${b.length} values, the weight ${w.size}`);
      const t = tf.tensor(b, w.shape, 'float32');
      this.velocity.set(w, tf.variable(t, false));
      t.dispose();
    });
  }

  /** Drops the momentum buffers (after the network's weights were replaced). */
  reset(): void {
    for (const v of this.velocity.values()) v.dispose();
    this.velocity.clear();
    this.frozen = new Set();
  }

  dispose(): void {
    this.reset();
    this.setFactorDecay([], 0);
  }
}

/** Learning rate at a 1-based epoch: lr·gamma^(number of milestones already passed). */
export function learningRateAt(epoch: number, lr: number, milestones: number[], gamma: number): number {
  const passed = milestones.filter((m) => epoch > m).length;
  return lr * Math.pow(gamma, passed);
}

/** The learning rate after decomposing (`--switch-lr`): the schedule as it is, or a short warm restart. */
export type SwitchLr = { kind: 'keep' } | { kind: 'restart'; epochs: number };

export function parseSwitchLr(text: string, flag = '--switch-lr'): SwitchLr {
  const t = String(text).trim().toLowerCase();
  if (t === 'keep') return { kind: 'keep' };
  const m = /^restart:(\d+)$/.exec(t);
  if (m && Number(m[1]) >= 1) return { kind: 'restart', epochs: Number(m[1]) };
  throw new UserError(`${flag}: '${text}' must be 'keep' or 'restart:N' with N ≥ 1 epochs (e.g. restart:2)`);
}

export function formatSwitchLr(s: SwitchLr): string {
  return s.kind === 'keep' ? 'keep' : `restart:${s.epochs}`;
}

/**
 * The learning rate during training, `position` epochs into the run (epoch e, step k of n:
 * e − 1 + k/n). `restart:N` after a decomposition after epoch D: SGDR's warm restart — the rate
 * jumps back to the base lr and follows a half cosine over the N epochs D+1..D+N down to the rate
 * the schedule gives at epoch D+N+1, where the milestone schedule takes over again.
 */
export function learningRateAtPosition(
  position: number,
  c: { lr: number; lrMilestones: number[]; lrGamma: number },
  switchLr: SwitchLr,
  decomposedAfter: number | null,
): number {
  const epoch = Math.floor(position) + 1;
  const scheduled = learningRateAt(epoch, c.lr, c.lrMilestones, c.lrGamma);
  if (switchLr.kind === 'keep' || decomposedAfter === null) return scheduled;
  const t = (position - decomposedAfter) / switchLr.epochs;
  if (t < 0 || t >= 1) return scheduled;
  const floor = learningRateAt(decomposedAfter + switchLr.epochs + 1, c.lr, c.lrMilestones, c.lrGamma);
  return floor + 0.5 * (c.lr - floor) * (1 + Math.cos(Math.PI * t));
}
