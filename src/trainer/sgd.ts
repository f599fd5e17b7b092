// SGD with momentum and weight decay, PyTorch semantics (the paper's optimizer):
//   g ← g + wd·w;  v ← m·v + g;  w ← w − lr·v
// State is keyed by variable, so after decomposition it is simply rebuilt for the new weights.
import * as tf from '@tensorflow/tfjs';

export class Sgd {
  private velocity = new Map<tf.Variable, tf.Variable>();
  constructor(
    public lr: number,
    readonly momentum: number,
    readonly weightDecay: number,
  ) {}

  apply(grads: Map<tf.Variable, tf.Tensor>): void {
    tf.tidy(() => {
      for (const [w, g0] of grads) {
        let g = this.weightDecay ? g0.add(w.mul(this.weightDecay)) : g0;
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

  /** Drops the momentum buffers (after the network's weights were replaced). */
  reset(): void {
    for (const v of this.velocity.values()) v.dispose();
    this.velocity.clear();
  }

  dispose(): void {
    this.reset();
  }
}

/** Learning rate at a 1-based epoch: lr·gamma^(number of milestones already passed). */
export function learningRateAt(epoch: number, lr: number, milestones: number[], gamma: number): number {
  const passed = milestones.filter((m) => epoch > m).length;
  return lr * Math.pow(gamma, passed);
}
