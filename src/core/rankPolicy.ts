// Rank policies (EVBMF, fixed ratio, energy, stable rank), rank post-processing (minimum, quantization, cap)
// and the per-layer rank choice for convs (Tucker-2: K1, K2) and dense / 1x1 layers (SVD split).
//
// The mode Grams and their eigendecompositions computed here are returned in `analysis` so that
// tucker2() / svdSplit() can start from them: nothing is computed twice.
import { UserError } from './userError';
import type { ConvKernel, Matrix } from './types';
import { symmetricEigenLazy } from './linalg';
import { evbmfFromSpectrum, type EvbmfResult } from './evbmf';
import { convModeGrams, denseGram, kernelNormSq, type ConvAnalysis, type DenseAnalysis, type ModeAnalysis } from './modeGrams';

export type RankPolicy =
  | { kind: 'vbmf' }
  | { kind: 'ratio'; fraction: number }
  | { kind: 'energy'; fraction: number }
  /** Cuttlefish-style: rank = ⌈F × stable rank⌉, stable rank = ‖W‖_F² / σ_max² of the unfolding. */
  | { kind: 'stable'; fraction: number };

/** The largest F of stable:F: stable ranks are small (often 1–10), so F > 1 is the usual case. */
export const MAX_STABLE_FACTOR = 64;

const POLICY_FORMS = `'vbmf', 'ratio:F' or 'energy:F' with F a number in (0, 1] (e.g. ratio:0.25, energy:0.9), or 'stable:F' with F in (0, ${MAX_STABLE_FACTOR}] (e.g. stable:2)`;

const NUMBER = /^[+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Parses `vbmf`, `ratio:0.25`, `energy:0.9`, `stable:2`; anything else is a UserError naming the value. */
export function parseRankPolicy(text: string): RankPolicy {
  const t = String(text).trim();
  if (t.toLowerCase() === 'vbmf' || t.toLowerCase() === 'evbmf') return { kind: 'vbmf' };
  const m = /^(ratio|energy|stable):(.*)$/i.exec(t);
  if (m) {
    const kind = m[1].toLowerCase() as 'ratio' | 'energy' | 'stable';
    const num = m[2].trim();
    const fraction = NUMBER.test(num) ? Number(num) : NaN;
    const max = kind === 'stable' ? MAX_STABLE_FACTOR : 1;
    if (Number.isFinite(fraction) && fraction > 0 && fraction <= max) return { kind, fraction };
    throw new UserError(
      `rank policy '${text}': the ${kind === 'stable' ? 'factor' : 'fraction'} '${num}' must be a number in (0, ${max}]; allowed forms: ${POLICY_FORMS}.`,
    );
  }
  throw new UserError(`rank policy '${text}' is not recognised; allowed forms: ${POLICY_FORMS}.`);
}

/** The dense-layer fallback of the reference code: where EVBMF gives a rank below 2, use energy:F. */
export type DenseFallback = { kind: 'energy'; fraction: number };

/** Parses `energy:0.85` (or `none` → null) for --dense-fallback. */
export function parseDenseFallback(text: string): DenseFallback | null {
  const t = String(text).trim().toLowerCase();
  if (t === 'none' || t === 'off') return null;
  const m = /^energy:(.*)$/.exec(t);
  const fraction = m && NUMBER.test(m[1].trim()) ? Number(m[1].trim()) : NaN;
  if (Number.isFinite(fraction) && fraction > 0 && fraction <= 1) return { kind: 'energy', fraction };
  throw new UserError(`dense fallback '${text}': expected 'energy:F' with F in (0, 1] (e.g. energy:0.85) or 'none'.`);
}

export function formatRankPolicy(p: RankPolicy): string {
  return p.kind === 'vbmf' ? 'vbmf' : `${p.kind}:${p.fraction}`;
}

/** Rounds a rank UP to a multiple of `multiple` (<= 1 means none), caps it at `full`; 0 stays 0. */
export function quantizeRank(rank: number, multiple: number | undefined, full: number): number {
  if (rank <= 0) return 0;
  let r = Math.ceil(rank);
  if (multiple && multiple > 1) r = Math.ceil(r / multiple) * multiple;
  return Math.min(r, full);
}

export interface RankOptions {
  policy: RankPolicy;
  /** Round ranks up to a multiple of this (8 or 16 suit GPUs). */
  quantize?: number;
  /** Lower bound for a non-zero rank (a 0 rank still means "skip": no structure above noise). */
  minRank?: number;
  /** Fixed ranks for this layer instead of the policy: {k1, k2} for a conv, {rank} for dense. */
  override?: { k1: number; k2: number } | { rank: number };
  /** Dense / 1×1 layers only, vbmf only: where EVBMF's rank is < 2, use this instead (reference code). */
  denseFallback?: DenseFallback | null;
}

export interface ConvRankChoice {
  k1: number;
  k2: number;
  /** Full ranks (Cin, Cout). */
  cin: number;
  cout: number;
  /** The ranks the policy gave before minimum / quantization / cap. */
  raw: { k1: number; k2: number };
  /** EVBMF noise variances (null when the policy is not vbmf). */
  sigma2: { in: number | null; out: number | null };
  /** Why the layer is not decomposed (one sentence), or null. */
  skipped: string | null;
  /** Human-readable remarks (fallbacks, overrides). */
  notes: string[];
  policy: string;
  /** Which rule chose the ranks: the policy ('vbmf', 'stable:2', …), or 'override'. */
  rule: string;
  /** Stable ranks ‖W‖²/σ_max² of the two unfoldings (null when no spectrum was computed). */
  stableRank: { in: number | null; out: number | null };
  /** Grams and eigendecompositions, reusable by tucker2 (null when none were computed). */
  analysis: ConvAnalysis | null;
}

export interface DenseRankChoice {
  rank: number;
  full: number;
  inDim: number;
  outDim: number;
  raw: number;
  sigma2: number | null;
  skipped: string | null;
  notes: string[];
  policy: string;
  /** Which rule chose the rank: the policy, 'override', or e.g. 'energy:0.85 (dense fallback: EVBMF rank 1 < 2)'. */
  rule: string;
  analysis: DenseAnalysis | null;
}

/** Builds the ModeAnalysis of a Gram: eigendecomposition (all vectors when `vectors`), EVBMF if asked. */
export function analyseGram(gram: Matrix, rows: number, cols: number, withEvbmf: boolean, vectors = 0): ModeAnalysis {
  const n = gram.rows;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += gram.data[i * n + i];
  // Lazy: the tridiagonal form is kept, so tucker2 gets its k vectors without reducing again.
  const eig = symmetricEigenLazy(gram);
  const values = new Float64Array(eig.values.length);
  for (let i = 0; i < values.length; i++) values[i] = Math.max(0, eig.values[i]);
  let evbmf: EvbmfResult | null = null;
  if (withEvbmf) {
    const h = Math.min(rows, cols, values.length);
    const s = new Float64Array(h);
    for (let i = 0; i < h; i++) s[i] = Math.sqrt(values[i]);
    evbmf = evbmfFromSpectrum(s, rows, cols, trace);
  }
  return {
    rows,
    cols,
    gram,
    eigenvalues: values,
    eigenvectors: vectors > 0 ? eig.vectors(Math.min(vectors, n)) : null,
    frobeniusSq: trace,
    evbmf,
    eigen: eig,
  };
}

/** Smallest r whose top-r squared singular values reach `fraction` of the total. */
export function energyRank(eigenvalues: Float64Array, fraction: number): number {
  let total = 0;
  for (const v of eigenvalues) total += Math.max(0, v);
  if (total <= 0) return 0;
  const target = fraction * total * (1 - 1e-12);
  let acc = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    acc += Math.max(0, eigenvalues[i]);
    if (acc >= target) return i + 1;
  }
  return eigenvalues.length;
}

/** Stable rank Σλ / λ_max of a Gram's eigenvalues (= ‖W‖_F² / σ_max²); 0 for a zero matrix. */
export function stableRank(eigenvalues: Float64Array): number {
  let total = 0,
    max = 0;
  for (const v of eigenvalues) {
    const x = Math.max(0, v);
    total += x;
    if (x > max) max = x;
  }
  return max > 0 ? total / max : 0;
}

/** stable:F -> ⌈F × stable rank⌉ (the tiny slack keeps an exact product from rounding up), capped at full. */
export function stableRankPolicyRank(eigenvalues: Float64Array, factor: number, full: number): number {
  const sr = stableRank(eigenvalues);
  return sr > 0 ? Math.min(full, Math.max(1, Math.ceil(factor * sr * (1 - 1e-12)))) : 0;
}

/** ratio:f -> round(f * full), at least 1. */
export function ratioRank(full: number, fraction: number): number {
  return Math.min(full, Math.max(1, Math.round(fraction * full)));
}

function postProcess(raw: number, full: number, opts: RankOptions): number {
  if (raw <= 0) return 0;
  let r = raw;
  if (opts.minRank && opts.minRank > 0) r = Math.max(r, Math.ceil(opts.minRank));
  return quantizeRank(r, opts.quantize, full);
}

function checkOverride(name: string, value: number, full: number, what: string): number {
  if (!Number.isInteger(value) || value < 1 || value > full) {
    throw new UserError(`rank override ${name}=${value}: must be an integer from 1 to ${full} (${what}).`);
  }
  return value;
}

function modeRank(mode: ModeAnalysis, policy: RankPolicy, full: number): number {
  switch (policy.kind) {
    case 'vbmf':
      return mode.evbmf ? mode.evbmf.rank : 0;
    case 'ratio':
      return ratioRank(full, policy.fraction);
    case 'energy':
      return energyRank(mode.eigenvalues, policy.fraction);
    case 'stable':
      return stableRankPolicyRank(mode.eigenvalues, policy.fraction, full);
  }
}

/** A policy's raw ranks (before minimum / quantization) from an analysis made for another policy (e.g. vbmf's, which has every spectrum). */
export function policyConvRanks(analysis: ConvAnalysis, policy: RankPolicy, cin: number, cout: number): { k1: number; k2: number } {
  return { k1: modeRank(analysis.in, policy, cin), k2: modeRank(analysis.out, policy, cout) };
}

/** Why a Tucker-2 block at (K1, K2) is not worth it (§5.3's skip rules 2–4), or null. */
export function convSkipReason(k1: number, k2: number, cin: number, cout: number, policy: RankPolicy, hw: number): string | null {
  if (k1 === 0 || k2 === 0) {
    const sides = [k1 === 0 ? 'input-channel side (K1 = 0)' : null, k2 === 0 ? 'output-channel side (K2 = 0)' : null]
      .filter(Boolean)
      .join(' and the ');
    return policy.kind === 'vbmf'
      ? `EVBMF found no structure above noise on the ${sides}: nothing to decompose (early in training, a few more epochs may change that)`
      : `the ${formatRankPolicy(policy)} policy gave rank 0 on the ${sides}: the weights are all zero`;
  }
  if (k1 * k2 >= cin * cout) {
    return `no saving: K1·K2 = ${k1}·${k2} = ${k1 * k2} ≥ Cin·Cout = ${cin}·${cout} = ${cin * cout}, so the Tucker-2 core alone is as large as the layer`;
  }
  // Eq. 10's M ≤ 1: e.g. a wide-input, narrow-output DenseNet conv, where the 1×1 halves cost more than they save.
  const after = cin * k1 + hw * k1 * k2 + cout * k2;
  if (after >= hw * cin * cout) {
    return `no saving: the three convolutions would hold Cin·K1 + hw·K1·K2 + Cout·K2 = ${after} weights, the layer holds hw·Cin·Cout = ${hw * cin * cout}`;
  }
  return null;
}

/** A 1×1 conv's Tucker-2 is just an SVD split of its Cin×Cout matrix; the paper leaves them as they are. */
export const ONE_BY_ONE = 'a 1×1 convolution: Tucker-2 does not apply (the paper leaves 1×1 convs as they are)';

/**
 * Chooses (K1, K2) for a conv kernel [kh, kw, Cin, Cout]. Never throws for what the weights look
 * like: a 0 rank, no saving, or a 1x1 kernel give `skipped` with a reason. Throws UserError only
 * for an invalid override.
 */
export function chooseConvRanks(kernel: ConvKernel, opts: RankOptions): ConvRankChoice {
  const [kh, kw, cin, cout] = kernel.shape;
  const policy = formatRankPolicy(opts.policy);
  const base = {
    cin,
    cout,
    notes: [] as string[],
    policy,
    rule: policy,
    stableRank: { in: null, out: null } as ConvRankChoice['stableRank'],
  };
  if (kh * kw === 1) {
    return { ...base, k1: 0, k2: 0, raw: { k1: 0, k2: 0 }, sigma2: { in: null, out: null }, skipped: ONE_BY_ONE, analysis: null };
  }
  const override = opts.override;
  if (override && 'k1' in override) {
    const k1 = checkOverride('k1', override.k1, cin, 'Cin');
    const k2 = checkOverride('k2', override.k2, cout, 'Cout');
    base.notes.push(`ranks overridden: K1 = ${k1}, K2 = ${k2}`);
    return {
      ...base,
      rule: 'override',
      k1,
      k2,
      raw: { k1, k2 },
      sigma2: { in: null, out: null },
      skipped: convSkipReason(k1, k2, cin, cout, opts.policy, kh * kw),
      analysis: null,
    };
  }
  if (override && 'rank' in override) {
    throw new UserError(`rank override {rank: ${override.rank}} is for dense / 1×1 layers; a ${kh}×${kw} conv needs {k1, k2}.`);
  }
  if (opts.policy.kind === 'ratio') {
    // The ratio policy needs no spectrum: leave the Grams to tucker2 (computed once there).
    const raw = { k1: ratioRank(cin, opts.policy.fraction), k2: ratioRank(cout, opts.policy.fraction) };
    const k1 = postProcess(raw.k1, cin, opts);
    const k2 = postProcess(raw.k2, cout, opts);
    const zero = kernelNormSq(kernel) === 0;
    if (zero) base.notes.push('all weights are zero');
    return {
      ...base,
      k1,
      k2,
      raw,
      sigma2: { in: null, out: null },
      skipped: zero ? 'all weights are zero' : convSkipReason(k1, k2, cin, cout, opts.policy, kh * kw),
      analysis: null,
    };
  }
  const withEvbmf = opts.policy.kind === 'vbmf';
  const grams = convModeGrams(kernel);
  const analysis: ConvAnalysis = {
    normSq: kernelNormSq(kernel),
    in: analyseGram(grams.in, cin, kh * kw * cout, withEvbmf),
    out: analyseGram(grams.out, cout, kh * kw * cin, withEvbmf),
  };
  const raw = policyConvRanks(analysis, opts.policy, cin, cout);
  const k1 = postProcess(raw.k1, cin, opts);
  const k2 = postProcess(raw.k2, cout, opts);
  if (analysis.normSq === 0) base.notes.push('all weights are zero');
  return {
    ...base,
    k1,
    k2,
    raw,
    sigma2: { in: analysis.in.evbmf?.sigma2 ?? null, out: analysis.out.evbmf?.sigma2 ?? null },
    stableRank: { in: stableRank(analysis.in.eigenvalues), out: stableRank(analysis.out.eigenvalues) },
    skipped: analysis.normSq === 0 && k1 * k2 > 0 ? 'all weights are zero' : convSkipReason(k1, k2, cin, cout, opts.policy, kh * kw),
    analysis,
  };
}

/**
 * Ranks from the shape alone (no weights yet, e.g. before training). Only the ratio policy can
 * work without weights; vbmf / energy fall back to ratio:0.25 and say so in `notes`.
 */
export function chooseConvRanksFromShape(shape: readonly [number, number, number, number], opts: RankOptions): ConvRankChoice {
  const [kh, kw, cin, cout] = shape;
  const notes: string[] = [];
  let policy = opts.policy;
  if (policy.kind !== 'ratio') {
    notes.push(`the ${formatRankPolicy(policy)} policy needs weights; none are available, so ratio:0.25 was used`);
    policy = { kind: 'ratio', fraction: 0.25 };
  }
  const base = {
    cin,
    cout,
    notes,
    policy: formatRankPolicy(policy),
    rule: formatRankPolicy(policy),
    sigma2: { in: null, out: null },
    stableRank: { in: null, out: null },
    analysis: null,
  };
  if (kh * kw === 1) return { ...base, k1: 0, k2: 0, raw: { k1: 0, k2: 0 }, skipped: ONE_BY_ONE };
  const override = opts.override;
  if (override && 'k1' in override) {
    const k1 = checkOverride('k1', override.k1, cin, 'Cin');
    const k2 = checkOverride('k2', override.k2, cout, 'Cout');
    notes.push(`ranks overridden: K1 = ${k1}, K2 = ${k2}`);
    return { ...base, rule: 'override', k1, k2, raw: { k1, k2 }, skipped: convSkipReason(k1, k2, cin, cout, policy, kh * kw) };
  }
  const fraction = (policy as { fraction: number }).fraction;
  const raw = { k1: ratioRank(cin, fraction), k2: ratioRank(cout, fraction) };
  const k1 = postProcess(raw.k1, cin, opts);
  const k2 = postProcess(raw.k2, cout, opts);
  return { ...base, k1, k2, raw, skipped: convSkipReason(k1, k2, cin, cout, policy, kh * kw) };
}

/** Why an SVD split at rank r is not worth it (rank 0, or no saving), or null. */
export function denseSkipReason(r: number, inDim: number, outDim: number, policy: RankPolicy): string | null {
  if (r === 0) {
    return policy.kind === 'vbmf'
      ? 'EVBMF found no structure above noise (rank 0): nothing to split (early in training, a few more epochs may change that)'
      : `the ${formatRankPolicy(policy)} policy gave rank 0: the weights are all zero`;
  }
  if (r * (inDim + outDim) >= inDim * outDim) {
    return `no saving: r·(in+out) = ${r}·(${inDim}+${outDim}) = ${r * (inDim + outDim)} ≥ in·out = ${inDim * outDim}`;
  }
  return null;
}

/** Chooses the SVD-split rank of a Dense kernel (in x out) or a 1x1 conv's [Cin x Cout] matrix. */
export function chooseDenseRank(w: Matrix, opts: RankOptions): DenseRankChoice {
  const inDim = w.rows,
    outDim = w.cols,
    full = Math.min(inDim, outDim);
  const policy = formatRankPolicy(opts.policy);
  const notes: string[] = [];
  const override = opts.override;
  if (override && 'rank' in override) {
    const r = checkOverride('rank', override.rank, full, 'min(in, out)');
    notes.push(`rank overridden: ${r}`);
    return {
      rule: 'override',
      rank: r,
      full,
      inDim,
      outDim,
      raw: r,
      sigma2: null,
      skipped: denseSkipReason(r, inDim, outDim, opts.policy),
      notes,
      policy,
      analysis: null,
    };
  }
  if (override && 'k1' in override) {
    throw new UserError(`rank override {k1, k2} is for convolutions; a dense / 1×1 layer needs {rank}.`);
  }
  const g = denseGram(w);
  const rows = g.side === 'rows' ? inDim : outDim;
  const cols = g.side === 'rows' ? outDim : inDim;
  const mode = analyseGram(g.gram, rows, cols, opts.policy.kind === 'vbmf');
  const analysis: DenseAnalysis = { side: g.side, normSq: mode.frobeniusSq, mode };
  let raw = modeRank(mode, opts.policy, full);
  let rule = policy;
  const fallback = opts.denseFallback;
  if (fallback && opts.policy.kind === 'vbmf' && raw < 2) {
    // The reference code's rule: a dense layer whose EVBMF rank is below 2 keeps an energy share instead.
    const r = energyRank(mode.eigenvalues, fallback.fraction);
    rule = `energy:${fallback.fraction} (dense fallback: EVBMF rank ${raw} < 2)`;
    notes.push(`EVBMF gave rank ${raw} < 2; the dense fallback energy:${fallback.fraction} gave ${r}`);
    raw = r;
  }
  const rank = postProcess(raw, full, opts);
  return {
    rule,
    rank,
    full,
    inDim,
    outDim,
    raw,
    sigma2: mode.evbmf?.sigma2 ?? null,
    skipped: denseSkipReason(rank, inDim, outDim, opts.policy),
    notes,
    policy,
    analysis,
  };
}

/** Dense rank from the shape alone (no weights): ratio policy; vbmf / energy fall back to ratio:0.25. */
export function chooseDenseRankFromShape(inDim: number, outDim: number, opts: RankOptions): DenseRankChoice {
  const full = Math.min(inDim, outDim);
  const notes: string[] = [];
  let policy = opts.policy;
  if (policy.kind !== 'ratio') {
    notes.push(`the ${formatRankPolicy(policy)} policy needs weights; none are available, so ratio:0.25 was used`);
    policy = { kind: 'ratio', fraction: 0.25 };
  }
  const raw = ratioRank(full, policy.fraction);
  const rank = postProcess(raw, full, opts);
  return {
    rule: formatRankPolicy(policy),
    rank,
    full,
    inDim,
    outDim,
    raw,
    sigma2: null,
    skipped: denseSkipReason(rank, inDim, outDim, policy),
    notes,
    policy: formatRankPolicy(policy),
    analysis: null,
  };
}
