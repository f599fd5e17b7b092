// Frobenius decay on each Tucker block's product (Khodak et al., ICLR 2021), used instead of plain
// weight decay on its three factors: the penalty X·‖W‖² with W = G ×₁ U_in ×₂ U_out, the kernel
// the block computes. Per-factor decay pulls the orthonormal U's towards zero and shrinks the
// product about three times as fast; this decays the function the block computes, as weight
// decay did before decomposition (X = wd/2 matches PyTorch-style weight decay wd on W).
//
// The gradient goes straight into the SGD step (sgd.ts), from small Grams, never forming W:
// with U = U_in (Cin×K1), V = U_out (K2×Cout), G_ab the K1×K2 core slice at tap (a, b),
// A = UᵀU, B = VVᵀ:  ‖W‖² = Σ_ab tr(G_abᵀ A G_ab B),
//   ∂/∂G_ab = 2·A·G_ab·B,  ∂/∂U = 2·U·Σ_ab G_ab B G_abᵀ,  ∂/∂V = 2·(Σ_ab G_abᵀ A G_ab)·V.
import * as tf from '@tensorflow/tfjs';
import { decomposedLayerNames, TUCKER_CORE, TUCKER_IN, TUCKER_OUT } from './surgery';

export interface TuckerBlockVars {
  name: string;
  /** Kernels of the three convolutions: [1,1,Cin,K1], [kh,kw,K1,K2], [1,1,K2,Cout]. */
  uIn: tf.Variable;
  core: tf.Variable;
  uOut: tf.Variable;
}

function kernelVar(model: tf.LayersModel, name: string): tf.Variable {
  return model.getLayer(name).trainableWeights[0].read() as tf.Variable;
}

/** The kernel variables of every Tucker block of a decomposed model. */
export function tuckerBlocks(model: tf.LayersModel): TuckerBlockVars[] {
  return decomposedLayerNames(model).map((name) => ({
    name,
    uIn: kernelVar(model, name + TUCKER_IN),
    core: kernelVar(model, name + TUCKER_CORE),
    uOut: kernelVar(model, name + TUCKER_OUT),
  }));
}

interface Parts {
  hw: number;
  k1: number;
  k2: number;
  u: tf.Tensor2D;
  v: tf.Tensor2D;
  gFlat: tf.Tensor2D; // (hw·K1) × K2
  agFlat: tf.Tensor2D; // A·G_ab stacked: (hw·K1) × K2
  gbFlat: tf.Tensor2D; // G_ab·B stacked: (hw·K1) × K2
  b: tf.Tensor2D;
}

/** The pieces both the penalty and its gradient need (call inside tf.tidy). */
function parts(blk: Pick<TuckerBlockVars, 'uIn' | 'core' | 'uOut'>): Parts {
  const [kh, kw, k1, k2] = blk.core.shape as [number, number, number, number];
  const hw = kh * kw;
  const cin = blk.uIn.shape[2] as number;
  const cout = blk.uOut.shape[3] as number;
  const u = blk.uIn.reshape<tf.Tensor2D>([cin, k1]);
  const v = blk.uOut.reshape<tf.Tensor2D>([k2, cout]);
  const a = tf.matMul(u.transpose(), u);
  const b: tf.Tensor2D = tf.matMul(v, v.transpose());
  const gFlat = blk.core.reshape<tf.Tensor2D>([hw * k1, k2]);
  // A acts on the K1 index of every slice: bring K1 to the front, multiply, put it back.
  const gK1 = blk.core
    .reshape([hw, k1, k2])
    .transpose([1, 0, 2])
    .reshape<tf.Tensor2D>([k1, hw * k2]);
  const agFlat = tf
    .matMul(a, gK1)
    .reshape([k1, hw, k2])
    .transpose([1, 0, 2])
    .reshape<tf.Tensor2D>([hw * k1, k2]);
  const gbFlat: tf.Tensor2D = tf.matMul(gFlat, b);
  return { hw, k1, k2, u, v, gFlat, agFlat, gbFlat, b };
}

/** X·‖G ×₁ U_in ×₂ U_out‖_F² (for tests and logs; training uses the gradient only). */
export function factorDecayPenalty(blk: Pick<TuckerBlockVars, 'uIn' | 'core' | 'uOut'>, x: number): number {
  const t = tf.tidy(() => {
    const p = parts(blk);
    return tf.matMul(p.agFlat, p.b).mul(p.gFlat).sum().mul(x);
  });
  const value = t.dataSync()[0];
  t.dispose();
  return value;
}

/** ∂(X·‖W‖²)/∂ of the three kernels, shaped like them (call inside tf.tidy or dispose them). */
export function factorDecayGradients(blk: Pick<TuckerBlockVars, 'uIn' | 'core' | 'uOut'>, x: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const { hw, k1, k2, u, v, gFlat, agFlat, gbFlat, b } = parts(blk);
    const dCore = tf
      .matMul(agFlat, b)
      .mul(2 * x)
      .reshape(blk.core.shape);
    // Σ_ab G_ab B G_abᵀ: both as K1 × (hw·K2), then one product.
    const toK1 = (t: tf.Tensor) =>
      t
        .reshape([hw, k1, k2])
        .transpose([1, 0, 2])
        .reshape<tf.Tensor2D>([k1, hw * k2]);
    const s1 = tf.matMul(toK1(gbFlat), toK1(gFlat).transpose());
    const dIn = tf
      .matMul(u, s1)
      .mul(2 * x)
      .reshape(blk.uIn.shape);
    // Σ_ab G_abᵀ A G_ab = G_flatᵀ · (A·G)_flat.
    const s2 = tf.matMul(gFlat.transpose(), agFlat);
    const dOut = tf
      .matMul(s2, v)
      .mul(2 * x)
      .reshape(blk.uOut.shape);
    return [dIn, dCore, dOut];
  });
}
