// Core benchmark: EVBMF ranks + Tucker-2 on the 16 conv kernels of VGG19 for CIFAR, with
// trained-like weights (a low-rank Tucker kernel plus Gaussian noise), seeded.
import type { ConvKernel, Matrix } from './types';
import { createRng, type Rng } from './random';
import { chooseConvRanks, formatRankPolicy, type RankPolicy } from './rankPolicy';
import { tucker2, tucker2Merge } from './tucker2';

/** VGG19-CIFAR conv layers (all 3×3): [Cin, Cout]. */
export const VGG19_CONVS: ReadonlyArray<readonly [number, number]> = [
  [3, 64], [64, 64],
  [64, 128], [128, 128],
  [128, 256], [256, 256], [256, 256], [256, 256],
  [256, 512], [512, 512], [512, 512], [512, 512],
  [512, 512], [512, 512], [512, 512], [512, 512],
];

export interface BenchLayer {
  name: string;
  cin: number;
  cout: number;
  /** Ranks of the synthetic signal (what EVBMF should find, give or take). */
  trueK1: number;
  trueK2: number;
  k1: number;
  k2: number;
  skipped: string | null;
  /** Mode Grams + eigenvalues + EVBMF (both sides). */
  evbmfSeconds: number;
  /** HOSVD + HOOI at the chosen ranks. */
  tuckerSeconds: number;
  seconds: number;
  relError: number | null;
  iterations: number;
}

export interface BenchResult {
  policy: string;
  seed: number;
  totalSeconds: number;
  evbmfSeconds: number;
  tuckerSeconds: number;
  layers: BenchLayer[];
}

function orthonormalRandom(rng: Rng, n: number, k: number): Matrix {
  // Gaussian columns, modified Gram–Schmidt (columns stored as rows, then transposed).
  const t = new Float64Array(k * n);
  for (let i = 0; i < t.length; i++) t[i] = rng.normal();
  for (let c = 0; c < k; c++) {
    const rc = c * n;
    for (let d = 0; d < c; d++) {
      const rd = d * n;
      let dot = 0;
      for (let i = 0; i < n; i++) dot += t[rc + i]! * t[rd + i]!;
      for (let i = 0; i < n; i++) t[rc + i] -= dot * t[rd + i]!;
    }
    let nrm = 0;
    for (let i = 0; i < n; i++) nrm += t[rc + i]! * t[rc + i]!;
    nrm = Math.sqrt(nrm);
    for (let i = 0; i < n; i++) t[rc + i] /= nrm;
  }
  const data = new Float64Array(n * k);
  for (let c = 0; c < k; c++) for (let i = 0; i < n; i++) data[i * k + c] = t[c * n + i]!;
  return { rows: n, cols: k, data };
}

/** Signal rank used for a channel count: all channels up to 4, else about a quarter. */
export function benchSignalRank(c: number): number {
  return c <= 4 ? c : Math.round(c / 4);
}

/**
 * A trained-like 3×3 kernel: G ×_in A ×_out B with random orthonormal A (Cin×r1), B (Cout×r2)
 * and a Gaussian core whose scale decays along both rank modes (factor 10 from first to last), plus
 * Gaussian noise of `noise` × the signal norm.
 */
export function trainedLikeKernel(rng: Rng, cin: number, cout: number, r1: number, r2: number, noise = 0.05, kh = 3, kw = 3): ConvKernel & { data: Float64Array } {
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
  const w = tucker2Merge({ uIn: orthonormalRandom(rng, cin, r1), uOut: orthonormalRandom(rng, cout, r2), core: { shape: [kh, kw, r1, r2], data: core } });
  let signalSq = 0;
  for (let i = 0; i < w.data.length; i++) signalSq += w.data[i]! * w.data[i]!;
  const sd = noise * Math.sqrt(signalSq / w.data.length);
  // Scale to a Kaiming-like magnitude (std ≈ sqrt(2 / fan_in)): only cosmetic, ranks are scale-free.
  const scale = Math.sqrt(2 / (hw * cin)) / Math.sqrt(signalSq / w.data.length);
  for (let i = 0; i < w.data.length; i++) w.data[i] = (w.data[i]! + sd * rng.normal()) * scale;
  return w;
}

const now = (): number => performance.now() / 1000;

export function benchCore(opts: { seed?: number; policy?: RankPolicy; noise?: number; layers?: number } = {}): BenchResult {
  const seed = opts.seed ?? 1;
  const policy = opts.policy ?? { kind: 'vbmf' };
  const rng = createRng(seed);
  const convs = VGG19_CONVS.slice(0, opts.layers ?? VGG19_CONVS.length);
  const layers: BenchLayer[] = [];
  for (let l = 0; l < convs.length; l++) {
    const [cin, cout] = convs[l]!;
    const trueK1 = benchSignalRank(cin);
    const trueK2 = benchSignalRank(cout);
    const kernel = trainedLikeKernel(rng, cin, cout, trueK1, trueK2, opts.noise ?? 0.05);
    const t0 = now();
    const choice = chooseConvRanks(kernel, { policy });
    const t1 = now();
    let relError: number | null = null;
    let iterations = 0;
    if (!choice.skipped) {
      const t = tucker2(kernel, choice.k1, choice.k2, { analysis: choice.analysis });
      relError = t.relError;
      iterations = t.iterations;
    }
    const t2 = now();
    layers.push({
      name: `conv${l + 1}`, cin, cout, trueK1, trueK2, k1: choice.k1, k2: choice.k2, skipped: choice.skipped,
      evbmfSeconds: t1 - t0, tuckerSeconds: t2 - t1, seconds: t2 - t0, relError, iterations,
    });
  }
  const sum = (f: (x: BenchLayer) => number): number => layers.reduce((s, x) => s + f(x), 0);
  return {
    policy: formatRankPolicy(policy), seed,
    totalSeconds: sum((x) => x.seconds), evbmfSeconds: sum((x) => x.evbmfSeconds), tuckerSeconds: sum((x) => x.tuckerSeconds),
    layers,
  };
}

/** The Markdown table printed by `tucker-train bench core`. */
export function formatBenchTable(r: BenchResult): string {
  const f = (x: number): string => x.toFixed(3);
  const lines = [
    `Core benchmark: VGG19-CIFAR conv kernels (3×3), trained-like weights (seed ${r.seed}), policy ${r.policy}`,
    '',
    '| layer | Cin→Cout | K1 | K2 | EVBMF s | Tucker s | total s | rel. error |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const l of r.layers) {
    lines.push(`| ${l.name} | ${l.cin}→${l.cout} | ${l.k1} | ${l.k2} | ${f(l.evbmfSeconds)} | ${f(l.tuckerSeconds)} | ${f(l.seconds)} | ${l.relError === null ? `skipped: ${l.skipped}` : l.relError.toFixed(4)} |`);
  }
  lines.push(`| **total** | | | | ${f(r.evbmfSeconds)} | ${f(r.tuckerSeconds)} | **${f(r.totalSeconds)}** | |`);
  lines.push('', `Total: ${r.totalSeconds.toFixed(2)} s (EVBMF ${r.evbmfSeconds.toFixed(2)} s, Tucker-2 ${r.tuckerSeconds.toFixed(2)} s)`);
  return lines.join('\n');
}
