// One conv kernel's whole analysis: ranks by the policy, then Tucker-2 at those ranks from the
// same Grams, each part timed.
import type { ConvKernel, Matrix, Tensor } from './types';
import { chooseConvRanks, type RankOptions } from './rankPolicy';
import { tucker2 } from './tucker2';

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

/** One conv kernel's ranks (+ Tucker-2), with the time each part took; no Node APIs. */
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
 * timed. The per-layer step of `bench core`, in this thread or in its worker pool (src/bench/core).
 */
export function analyzeConvKernel(kernel: ConvKernel, opts: ConvKernelAnalysisOptions): ConvKernelAnalysis {
  const t0 = now();
  const choice = chooseConvRanks(kernel, opts);
  const t1 = now();
  let relError: number | null = null;
  let iterations = 0;
  let factors: ConvKernelAnalysis['factors'];
  if (!choice.skipped && opts.decompose !== false) {
    const t = tucker2(kernel, choice.k1, choice.k2, {
      analysis: choice.analysis,
      maxIterations: opts.maxIterations,
      tolerance: opts.tolerance,
    });
    relError = t.relError;
    iterations = t.iterations;
    if (opts.factors) factors = { uIn: t.uIn, uOut: t.uOut, core: t.core };
  }
  const t2 = now();
  const out: ConvKernelAnalysis = {
    k1: choice.k1,
    k2: choice.k2,
    raw: choice.raw,
    sigma2: choice.sigma2,
    skipped: choice.skipped,
    notes: choice.notes,
    evbmfSeconds: t1 - t0,
    tuckerSeconds: t2 - t1,
    relError,
    iterations,
  };
  if (factors) out.factors = factors;
  return out;
}
