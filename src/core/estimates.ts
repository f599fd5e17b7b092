// Equations 10 and 11 of the paper (parameter compression M and speed-up E of one Tucker-2
// conv), the same accounting for SVD splits of Dense / 1x1 layers, and whole-model totals.
//
// Counting rules (stated once, used everywhere):
// - `params*` count WEIGHTS only (the kernel entries). Biases are not in M or E: the Tucker block
//   carries the original bias unchanged on its last 1x1 conv, so a bias is the same before and
//   after. A layer may report `biasParams`; `totals()` sums them into `paramsBeforeWithBias` /
//   `paramsAfterWithBias` (the same number added to both sides) for "model size" displays.
// - `macs*` count multiply-accumulates of the forward pass for ONE example (batch 1): a conv with
//   kernel kh x kw x Cin x Cout producing H' x W' outputs costs kh*kw*Cin*Cout*H'*W'.
// - In the Tucker block the first 1x1 conv (Cin -> K1) runs on the INPUT spatial size H x W (the
//   stride is applied by the core kh x kw conv), the core and the last 1x1 run on H' x W'. That is
//   why E differs from M for strided layers.
// - An SVD split of a 1x1 conv puts the original stride on its first 1x1 conv, so both halves
//   run on H' x W'.
// - Totals are ratios of sums (sum before / sum after), never averages of per-layer ratios. A
//   skipped layer counts the same before and after.

export interface ConvGeometry {
  kh: number;
  kw: number;
  cin: number;
  cout: number;
  /** Input spatial size H x W. */
  inH: number;
  inW: number;
  /** Output spatial size H' x W'. */
  outH: number;
  outW: number;
}

export interface LayerEstimate {
  paramsBefore: number;
  paramsAfter: number;
  macsBefore: number;
  macsAfter: number;
  /** Bias entries of the layer (same before and after); not part of params*. */
  biasParams?: number;
}

export interface LayerRatios extends LayerEstimate {
  /** paramsBefore / paramsAfter (eq. 10 for a Tucker-2 conv). */
  compression: number;
  /** macsBefore / macsAfter (eq. 11 for a Tucker-2 conv). */
  speedup: number;
}

export interface Totals extends LayerRatios {
  paramsBeforeWithBias: number;
  paramsAfterWithBias: number;
  layers: number;
}

function ratio(before: number, after: number): number {
  if (after > 0) return before / after;
  return before > 0 ? Infinity : 1;
}

function withRatios(e: LayerEstimate): LayerRatios {
  return {
    ...e,
    compression: ratio(e.paramsBefore, e.paramsAfter),
    speedup: ratio(e.macsBefore, e.macsAfter),
  };
}

/** Equation 10: M = hw*Cin*Cout / (Cin*K1 + hw*K1*K2 + Cout*K2). */
export function equation10(hw: number, cin: number, cout: number, k1: number, k2: number): number {
  return (hw * cin * cout) / (cin * k1 + hw * k1 * k2 + cout * k2);
}

/**
 * Equation 11: E = hw*Cin*Cout*H'W' / (Cin*K1*HW + hw*K1*K2*H'W' + Cout*K2*H'W'),
 * with HW the input and H'W' the output spatial size (pixels).
 */
export function equation11(hw: number, cin: number, cout: number, k1: number, k2: number, inHW: number, outHW: number): number {
  return (hw * cin * cout * outHW) / (cin * k1 * inHW + hw * k1 * k2 * outHW + cout * k2 * outHW);
}

/** Weights and MACs of the original conv. */
export function convCost(g: ConvGeometry): { params: number; macs: number } {
  const params = g.kh * g.kw * g.cin * g.cout;
  return { params, macs: params * g.outH * g.outW };
}

/** Weights and MACs of the three-conv Tucker-2 block at ranks (K1, K2). */
export function tuckerConvCost(g: ConvGeometry, k1: number, k2: number): { params: number; macs: number } {
  const hw = g.kh * g.kw;
  const inHW = g.inH * g.inW;
  const outHW = g.outH * g.outW;
  return {
    params: g.cin * k1 + hw * k1 * k2 + g.cout * k2,
    macs: g.cin * k1 * inHW + hw * k1 * k2 * outHW + g.cout * k2 * outHW,
  };
}

/** Before/after of one conv replaced by its Tucker-2 block; compression = eq. 10, speedup = eq. 11. */
export function tuckerConvEstimate(g: ConvGeometry, k1: number, k2: number, biasParams = 0): LayerRatios {
  const before = convCost(g);
  const after = tuckerConvCost(g, k1, k2);
  return withRatios({ paramsBefore: before.params, paramsAfter: after.params, macsBefore: before.macs, macsAfter: after.macs, biasParams });
}

/**
 * Before/after of a Dense layer (in x out) split into in x r and r x out. `positions` is how many
 * times the layer is applied per example (1 for Dense; H'*W' for a 1x1 conv).
 */
export function svdSplitEstimate(inDim: number, outDim: number, rank: number, positions = 1, biasParams = 0): LayerRatios {
  const paramsBefore = inDim * outDim;
  const paramsAfter = rank * (inDim + outDim);
  return withRatios({ paramsBefore, paramsAfter, macsBefore: paramsBefore * positions, macsAfter: paramsAfter * positions, biasParams });
}

/** Before/after of a 1x1 conv (stride on the first half) split at rank r. */
export function conv1x1SplitEstimate(g: ConvGeometry, rank: number, biasParams = 0): LayerRatios {
  return svdSplitEstimate(g.cin, g.cout, rank, g.outH * g.outW, biasParams);
}

/** A layer left as it is (skipped, or not decomposable): the same before and after. */
export function unchangedEstimate(params: number, macs: number, biasParams = 0): LayerRatios {
  return withRatios({ paramsBefore: params, paramsAfter: params, macsBefore: macs, macsAfter: macs, biasParams });
}

/** Sums over all layers; compression and speedup are ratios of the sums. */
export function totals(layers: readonly LayerEstimate[]): Totals {
  let pb = 0,
    pa = 0,
    mb = 0,
    ma = 0,
    b = 0;
  for (const l of layers) {
    pb += l.paramsBefore;
    pa += l.paramsAfter;
    mb += l.macsBefore;
    ma += l.macsAfter;
    b += l.biasParams ?? 0;
  }
  const r = withRatios({ paramsBefore: pb, paramsAfter: pa, macsBefore: mb, macsAfter: ma, biasParams: b });
  return { ...r, paramsBeforeWithBias: pb + b, paramsAfterWithBias: pa + b, layers: layers.length };
}
