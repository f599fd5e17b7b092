// A seeded trained-like conv kernel (a low-rank Tucker kernel plus Gaussian noise): the input of
// `bench core`, of the core worker's warm-up and of the rank / Tucker-2 tests, whose ranks are known.
import type { ConvKernel, Matrix } from './types';
import type { Rng } from './random';
import { orthonormalColumns, tucker2Merge } from './tucker2';

function orthonormalRandom(rng: Rng, n: number, k: number): Matrix {
  const g = new Float64Array(n * k);
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  return orthonormalColumns({ rows: n, cols: k, data: g }, 'random factor');
}

/**
 * A trained-like 3×3 kernel: G ×_in A ×_out B with random orthonormal A (Cin×r1), B (Cout×r2)
 * and a Gaussian core whose scale decays along both rank modes (factor 10 from first to last), plus
 * Gaussian noise of `noise` × the signal norm.
 */
export function trainedLikeKernel(
  rng: Rng,
  cin: number,
  cout: number,
  r1: number,
  r2: number,
  noise = 0.05,
  kh = 3,
  kw = 3,
): ConvKernel & { data: Float64Array } {
  const hw = kh * kw;
  const core = new Float64Array(hw * r1 * r2);
  for (let p = 0; p < hw; p++) {
    for (let a = 0; a < r1; a++) {
      const da = Math.pow(10, -a / Math.max(1, r1 - 1) / 2);
      for (let b = 0; b < r2; b++) {
        const db = Math.pow(10, -b / Math.max(1, r2 - 1) / 2);
        core[(p * r1 + a) * r2 + b] = rng.normal() * da * db;
      }
    }
  }
  const w = tucker2Merge({
    uIn: orthonormalRandom(rng, cin, r1),
    uOut: orthonormalRandom(rng, cout, r2),
    core: { shape: [kh, kw, r1, r2], data: core },
  });
  let signalSq = 0;
  for (let i = 0; i < w.data.length; i++) signalSq += w.data[i] * w.data[i];
  const sd = noise * Math.sqrt(signalSq / w.data.length);
  // Scale to a Kaiming-like magnitude (std ≈ sqrt(2 / fan_in)): only cosmetic, ranks are scale-free.
  const scale = Math.sqrt(2 / (hw * cin)) / Math.sqrt(signalSq / w.data.length);
  for (let i = 0; i < w.data.length; i++) w.data[i] = (w.data[i] + sd * rng.normal()) * scale;
  return w;
}
