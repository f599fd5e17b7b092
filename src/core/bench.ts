// Core benchmark: EVBMF ranks + Tucker-2 on the 16 conv kernels of VGG19 for CIFAR, with
// trained-like weights (a low-rank Tucker kernel plus Gaussian noise), seeded.
import type { ConvKernel, Matrix, Tensor } from './types';
import { createRng, type Rng } from './random';
import { chooseConvRanks, formatRankPolicy, type RankOptions, type RankPolicy } from './rankPolicy';
import { orthonormalColumns, tucker2, tucker2Merge } from './tucker2';

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
  /** Wall-clock seconds of the analysis (with workers: first layer sent to last result back). */
  totalSeconds: number;
  /** Sums over the layers of evbmfSeconds / tuckerSeconds (with workers, measured inside them). */
  evbmfSeconds: number;
  tuckerSeconds: number;
  /** Worker threads the layers were split across (1: this thread, one after another). */
  workers: number;
  layers: BenchLayer[];
}

function orthonormalRandom(rng: Rng, n: number, k: number): Matrix {
  const g = new Float64Array(n * k);
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  return orthonormalColumns({ rows: n, cols: k, data: g }, 'random factor');
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

export interface ConvKernelAnalysisOptions extends RankOptions {
  /** Run Tucker-2 at the chosen ranks (default true); false stops after the ranks. */
  decompose?: boolean;
  /** Keep the Tucker-2 factors and core in the result (default false: the bench needs none). */
  factors?: boolean;
  /** HOOI limits (tucker2's defaults when absent). */
  maxIterations?: number;
  tolerance?: number;
}

/** One conv kernel's ranks (+ Tucker-2): what benchCore times per layer, without Node APIs. */
export interface ConvKernelAnalysis {
  k1: number;
  k2: number;
  raw: { k1: number; k2: number };
  sigma2: { in: number | null; out: number | null };
  skipped: string | null;
  notes: string[];
  /** Mode Grams + eigenvalues + rank policy (both sides). */
  evbmfSeconds: number;
  /** HOSVD + HOOI at the chosen ranks (0 when not decomposed). */
  tuckerSeconds: number;
  relError: number | null;
  iterations: number;
  /** With opts.factors: U_in (Cin×K1), U_out (Cout×K2), core [kh, kw, K1, K2]. */
  factors?: { uIn: Matrix; uOut: Matrix; core: Tensor };
}

/**
 * chooseConvRanks then (unless skipped or opts.decompose === false) tucker2 from its analysis,
 * timed. The per-layer step of benchCore and of the trainer's worker pool (coreWorkers.ts).
 */
export function analyzeConvKernel(kernel: ConvKernel, opts: ConvKernelAnalysisOptions): ConvKernelAnalysis {
  const t0 = now();
  const choice = chooseConvRanks(kernel, opts);
  const t1 = now();
  let relError: number | null = null;
  let iterations = 0;
  let factors: ConvKernelAnalysis['factors'];
  if (!choice.skipped && opts.decompose !== false) {
    const t = tucker2(kernel, choice.k1, choice.k2, { analysis: choice.analysis, maxIterations: opts.maxIterations, tolerance: opts.tolerance });
    relError = t.relError;
    iterations = t.iterations;
    if (opts.factors) factors = { uIn: t.uIn, uOut: t.uOut, core: t.core };
  }
  const t2 = now();
  const out: ConvKernelAnalysis = {
    k1: choice.k1, k2: choice.k2, raw: choice.raw, sigma2: choice.sigma2, skipped: choice.skipped, notes: choice.notes,
    evbmfSeconds: t1 - t0, tuckerSeconds: t2 - t1, relError, iterations,
  };
  if (factors) out.factors = factors;
  return out;
}

export interface BenchOptions {
  seed?: number;
  policy?: RankPolicy;
  noise?: number;
  layers?: number;
}

/** The bench's synthetic layers (same rng sequence as benchCore, so the same kernels). */
export function benchKernels(opts: BenchOptions = {}): { name: string; cin: number; cout: number; trueK1: number; trueK2: number; kernel: ConvKernel & { data: Float64Array } }[] {
  const rng = createRng(opts.seed ?? 1);
  return VGG19_CONVS.slice(0, opts.layers ?? VGG19_CONVS.length).map(([cin, cout], l) => {
    const trueK1 = benchSignalRank(cin);
    const trueK2 = benchSignalRank(cout);
    return { name: `conv${l + 1}`, cin, cout, trueK1, trueK2, kernel: trainedLikeKernel(rng, cin, cout, trueK1, trueK2, opts.noise ?? 0.05) };
  });
}

/** A bench row from a layer's analysis. */
export function benchLayerRow(layer: { name: string; cin: number; cout: number; trueK1: number; trueK2: number }, a: ConvKernelAnalysis): BenchLayer {
  const { name, cin, cout, trueK1, trueK2 } = layer;
  return {
    name, cin, cout, trueK1, trueK2, k1: a.k1, k2: a.k2, skipped: a.skipped,
    evbmfSeconds: a.evbmfSeconds, tuckerSeconds: a.tuckerSeconds, seconds: a.evbmfSeconds + a.tuckerSeconds, relError: a.relError, iterations: a.iterations,
  };
}

/** A BenchResult from its rows; totalSeconds = their sum unless a wall-clock time is given. */
export function benchResult(policy: RankPolicy, seed: number, layers: BenchLayer[], wall?: { seconds: number; workers: number }): BenchResult {
  const sum = (f: (x: BenchLayer) => number): number => layers.reduce((s, x) => s + f(x), 0);
  const r: BenchResult = {
    policy: formatRankPolicy(policy), seed,
    totalSeconds: wall ? wall.seconds : sum((x) => x.seconds), evbmfSeconds: sum((x) => x.evbmfSeconds), tuckerSeconds: sum((x) => x.tuckerSeconds),
    workers: wall ? wall.workers : 1,
    layers,
  };
  return r;
}

export function benchCore(opts: BenchOptions = {}): BenchResult {
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
    layers.push(benchLayerRow({ name: `conv${l + 1}`, cin, cout, trueK1, trueK2 }, analyzeConvKernel(kernel, { policy })));
  }
  return benchResult(policy, seed, layers);
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
  lines.push(r.workers > 1
    ? `Workers: ${r.workers} threads; total is wall clock, per-layer times were measured inside the workers (their sum: ${(r.evbmfSeconds + r.tuckerSeconds).toFixed(2)} s)`
    : 'Workers: 1 (this thread, one layer after another)');
  return lines.join('\n');
}
