// Core benchmark: EVBMF ranks + Tucker-2 on the 16 conv kernels of VGG19 for CIFAR, with
// trained-like weights (a low-rank Tucker kernel plus Gaussian noise), seeded.
import type { ConvKernel } from '../../core/types';
import { createRng } from '../../core/random';
import { formatRankPolicy, type RankPolicy } from '../../core/rankPolicy';
import { analyzeConvKernel, type ConvKernelAnalysis } from '../../core/analyzeConv';
import { trainedLikeKernel } from '../../core/syntheticKernel';

/** VGG19-CIFAR conv layers (all 3×3): [Cin, Cout]. */
export const VGG19_CONVS: ReadonlyArray<readonly [number, number]> = [
  [3, 64],
  [64, 64],
  [64, 128],
  [128, 128],
  [128, 256],
  [256, 256],
  [256, 256],
  [256, 256],
  [256, 512],
  [512, 512],
  [512, 512],
  [512, 512],
  [512, 512],
  [512, 512],
  [512, 512],
  [512, 512],
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

/** Signal rank used for a channel count: all channels up to 4, else about a quarter. */
export function benchSignalRank(c: number): number {
  return c <= 4 ? c : Math.round(c / 4);
}

export interface BenchOptions {
  seed?: number;
  policy?: RankPolicy;
  noise?: number;
  layers?: number;
}

/** The bench's synthetic layers (same rng sequence as benchCore, so the same kernels). */
export function benchKernels(
  opts: BenchOptions = {},
): { name: string; cin: number; cout: number; trueK1: number; trueK2: number; kernel: ConvKernel & { data: Float64Array } }[] {
  const rng = createRng(opts.seed ?? 1);
  return VGG19_CONVS.slice(0, opts.layers ?? VGG19_CONVS.length).map(([cin, cout], l) => {
    const trueK1 = benchSignalRank(cin);
    const trueK2 = benchSignalRank(cout);
    return {
      name: `conv${l + 1}`,
      cin,
      cout,
      trueK1,
      trueK2,
      kernel: trainedLikeKernel(rng, cin, cout, trueK1, trueK2, opts.noise ?? 0.05),
    };
  });
}

/** A bench row from a layer's analysis. */
export function benchLayerRow(
  layer: { name: string; cin: number; cout: number; trueK1: number; trueK2: number },
  a: ConvKernelAnalysis,
): BenchLayer {
  const { name, cin, cout, trueK1, trueK2 } = layer;
  return {
    name,
    cin,
    cout,
    trueK1,
    trueK2,
    k1: a.k1,
    k2: a.k2,
    skipped: a.skipped,
    evbmfSeconds: a.evbmfSeconds,
    tuckerSeconds: a.tuckerSeconds,
    seconds: a.evbmfSeconds + a.tuckerSeconds,
    relError: a.relError,
    iterations: a.iterations,
  };
}

/** A BenchResult from its rows; totalSeconds = their sum unless a wall-clock time is given. */
export function benchResult(
  policy: RankPolicy,
  seed: number,
  layers: BenchLayer[],
  wall?: { seconds: number; workers: number },
): BenchResult {
  const sum = (f: (x: BenchLayer) => number): number => layers.reduce((s, x) => s + f(x), 0);
  const r: BenchResult = {
    policy: formatRankPolicy(policy),
    seed,
    totalSeconds: wall ? wall.seconds : sum((x) => x.seconds),
    evbmfSeconds: sum((x) => x.evbmfSeconds),
    tuckerSeconds: sum((x) => x.tuckerSeconds),
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
    const [cin, cout] = convs[l];
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
    lines.push(
      `| ${l.name} | ${l.cin}→${l.cout} | ${l.k1} | ${l.k2} | ${f(l.evbmfSeconds)} | ${f(l.tuckerSeconds)} | ${f(l.seconds)} | ${l.relError === null ? `skipped: ${l.skipped}` : l.relError.toFixed(4)} |`,
    );
  }
  lines.push(`| **total** | | | | ${f(r.evbmfSeconds)} | ${f(r.tuckerSeconds)} | **${f(r.totalSeconds)}** | |`);
  lines.push('', `Total: ${r.totalSeconds.toFixed(2)} s (EVBMF ${r.evbmfSeconds.toFixed(2)} s, Tucker-2 ${r.tuckerSeconds.toFixed(2)} s)`);
  lines.push(
    r.workers > 1
      ? `Workers: ${r.workers} threads; total is wall clock, per-layer times were measured inside the workers (their sum: ${(r.evbmfSeconds + r.tuckerSeconds).toFixed(2)} s)`
      : 'Workers: 1 (this thread, one layer after another)',
  );
  return lines.join('\n');
}
