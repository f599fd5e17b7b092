// analyzeModel(): per-layer Tucker-2 / SVD ranks and eq. 10/11 estimates of a TensorFlow.js
// Layers model file. The library call behind `tucker-train ranks` and the code lenses.
// No tfjs: model.json is read as JSON, the numerics come from src/core.
import { UserError } from '../core/userError';
import type { Matrix } from '../core/types';
import {
  chooseConvRanks,
  chooseConvRanksFromShape,
  chooseDenseRank,
  formatRankPolicy,
  type RankPolicy,
  type DenseFallback,
  type ConvRankChoice,
  chooseDenseRankFromShape,
  ONE_BY_ONE,
} from '../core/rankPolicy';
import {
  convCost,
  conv1x1SplitEstimate,
  svdSplitEstimate,
  totals as sumTotals,
  tuckerConvEstimate,
  unchangedEstimate,
  type LayerRatios,
} from '../core/estimates';
import { readModelJson, type ModelFile, type ModelLayer } from './modelJson';
import { inferShapes, type LayerShape, type Shape } from './shapes';
import { layerWeights, readWeights, weightRole } from './weights';

export interface BeforeAfter {
  before: number;
  after: number;
}

/** Layer kinds listed in a report. Only Conv2D and Dense are ever decomposed. */
export type ReportLayerType = 'Conv2D' | 'Dense' | 'DepthwiseConv2D' | 'SeparableConv2D' | 'Conv2DTranspose';

export interface LayerReport {
  name: string;
  type: ReportLayerType;
  /** [kh, kw, Cin, Cout] for convs, [in, out] for Dense. */
  kernel: number[];
  cin: number;
  cout: number;
  /** Spatial size [H, W] of the input / output; null for Dense on a vector. */
  inputSize: [number, number] | null;
  outputSize: [number, number] | null;
  /** Conv: input-channel rank K1 and output-channel rank K2 (null for Dense). */
  k1: number | null;
  k2: number | null;
  /** Dense: SVD-split rank (null for convs). */
  rank: number | null;
  /** EVBMF noise variance: {in, out} for a conv, a number for Dense; null for estimates / non-vbmf. */
  sigma2: { in: number | null; out: number | null } | number | null;
  /** Why the layer is not decomposed (one sentence), or null when it is. */
  skipped: string | null;
  /** True when the ranks come from the shape alone (no weights read). */
  estimate: boolean;
  /** Kernel weights (biases excluded: they are unchanged by the decomposition). */
  params: BeforeAfter;
  /** Multiply-accumulates of one forward pass at batch 1 (the core's MAC count). */
  flops: BeforeAfter;
  /** params.before / params.after (eq. 10's M for a decomposed conv; 1 when skipped). */
  compression: number;
  /** flops.before / flops.after (eq. 11's E for a decomposed conv; 1 when skipped). */
  speedup: number;
  /** Set when a rule other than the policy chose the rank (e.g. the dense fallback). */
  rule?: string;
}

export interface RanksReport {
  model: string;
  weightsRead: boolean;
  /** The policy the ranks were computed with ('ratio:0.25' for estimates under vbmf/energy). */
  policy: string;
  layers: LayerReport[];
  totals: {
    params: BeforeAfter;
    flops: BeforeAfter;
    compression: number;
    speedup: number;
    decomposed: number;
    skipped: number;
  };
}

export interface AnalyzeOptions {
  policy: RankPolicy;
  /** Round ranks up to a multiple of this. */
  quantize?: number;
  /** Overrides the model input's [H, W]. */
  inputSize?: [number, number];
  /** Read weight files when the manifest lists them (default true). false: estimates from shapes. */
  weights?: boolean;
  /** Dense layers under vbmf: where EVBMF's rank is < 2, use this energy share (--dense-fallback). */
  denseFallback?: DenseFallback | null;
  /** Split 1×1 convs by SVD (--decompose-pointwise); without it their split rank is given as a hint. */
  pointwise?: boolean;
}

const UNSUPPORTED: Record<string, string> = {
  DepthwiseConv2D: 'DepthwiseConv2D is not decomposed (each channel has its own filter: there is no channel mode to reduce)',
  SeparableConv2D: 'SeparableConv2D is not decomposed (it is already factorised into depthwise and pointwise parts)',
  Conv2DTranspose: 'Conv2DTranspose is not decomposed (transposed convolutions are not supported yet)',
};

/** Reads a model file and reports ranks and estimates for each Conv2D / Dense layer. */
export async function analyzeModel(modelJsonPath: string, opts: AnalyzeOptions): Promise<RanksReport> {
  const model = await readModelJson(modelJsonPath);
  return analyzeParsedModel(model, opts);
}

/** Same as analyzeModel on an already parsed model.json. */
export async function analyzeParsedModel(model: ModelFile, opts: AnalyzeOptions): Promise<RanksReport> {
  const file = model.path;
  if (opts.inputSize) {
    const [h, w] = opts.inputSize;
    if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) {
      throw new UserError(`input size ${h}x${w}: height and width must be positive integers (e.g. 32x32).`);
    }
  }
  const shapes = inferShapes(model, { inputSize: opts.inputSize });
  const listed = model.layers.filter((l) => l.className === 'Conv2D' || l.className === 'Dense' || l.className in UNSUPPORTED);

  const useWeights = opts.weights !== false && model.weights.length > 0;
  let values: Map<string, { shape: number[]; data: Float32Array }> | null = null;
  if (useWeights) {
    const names = listed.flatMap((l) =>
      layerWeights(model, l.name)
        .filter((w) => weightRole(w.name) === 'kernel')
        .map((w) => w.name),
    );
    values = await readWeights(model, names);
  }
  const estimate = values === null;
  const policy = estimate && opts.policy.kind !== 'ratio' ? { kind: 'ratio' as const, fraction: 0.25 } : opts.policy;

  const layers: LayerReport[] = [];
  const estimates: LayerRatios[] = [];
  for (const l of listed) {
    const s = shapes.get(l.name)!;
    const geo = geometry(model, l, s);
    const kernelEntry = layerWeights(model, l.name).find((w) => weightRole(w.name) === 'kernel');
    const biasParams = layerBiasCount(model, l);
    let r: { row: LayerReport; est: LayerRatios };
    if (l.className in UNSUPPORTED) r = unsupportedLayer(l, geo, estimate);
    else if (l.className === 'Conv2D')
      r = convLayer(l, geo, kernelEntry ? (values?.get(kernelEntry.name) ?? null) : null, policy, opts, estimate, biasParams, file);
    else r = denseLayer(l, geo, kernelEntry ? (values?.get(kernelEntry.name) ?? null) : null, policy, opts, estimate, biasParams, file);
    layers.push(r.row);
    estimates.push(r.est);
  }
  const t = sumTotals(estimates);
  const decomposed = layers.filter((l) => l.skipped === null).length;
  return {
    model: file,
    weightsRead: !estimate,
    policy: formatRankPolicy(policy),
    layers,
    totals: {
      params: { before: t.paramsBefore, after: t.paramsAfter },
      flops: { before: t.macsBefore, after: t.macsAfter },
      compression: t.compression,
      speedup: t.speedup,
      decomposed,
      skipped: layers.length - decomposed,
    },
  };
}

interface Geometry {
  kernel: number[];
  cin: number;
  cout: number;
  inputSize: [number, number] | null;
  outputSize: [number, number] | null;
  /** How many times a Dense kernel is applied per example (H*W for a Dense on an image). */
  positions: number;
}

function spatial(s: Shape | null): [number, number] | null {
  if (!s || s.length !== 3 || s[0] === null || s[1] === null) return null;
  return [s[0], s[1]];
}

function geometry(model: ModelFile, l: ModelLayer, s: LayerShape): Geometry {
  const file = model.path;
  const input = s.inputShapes[0] ?? null;
  if (!input || !s.outputShape) {
    const why = s.unknownBecause ?? `layer '${l.name}' has an input of unknown shape`;
    throw new UserError(
      `${file}: cannot infer the input shape of layer '${l.name}' (${l.className}): ${why}; remove or replace that layer, or open an issue with the model.`,
    );
  }
  const c = l.config;
  const kernelEntry = layerWeights(model, l.name).find((w) => weightRole(w.name) === 'kernel' || weightRole(w.name) === 'depthwise_kernel');
  if (l.className === 'Dense') {
    const inDim = input[input.length - 1];
    const units = s.outputShape[s.outputShape.length - 1];
    if (inDim === null || inDim === undefined || units === null || units === undefined) {
      throw new UserError(`${file}: layer '${l.name}' (Dense) has an input of unknown size [${input.join(', ')}]; pass --input-size HxW.`);
    }
    const kernel = [inDim, units];
    checkKernel(file, l, kernelEntry?.shape, kernel);
    const lead = input.slice(0, -1);
    if (lead.some((v) => v === null)) {
      throw new UserError(`${file}: layer '${l.name}' (Dense) gets an input of unknown size [${input.join(', ')}]; pass --input-size HxW.`);
    }
    const positions = (lead as number[]).reduce((a, b) => a * b, 1);
    return { kernel, cin: inDim, cout: units, inputSize: spatial(input), outputSize: spatial(s.outputShape), positions };
  }
  const inSize = spatial(input);
  const outSize = spatial(s.outputShape);
  if (!inSize || !outSize) {
    throw new UserError(
      `${file}: the height and width of the input of layer '${l.name}' (${l.className}) are unknown (the model input is [${(s.inputShapes[0] ?? []).map((v) => v ?? '?').join(', ')}]); pass --input-size HxW.`,
    );
  }
  const ks = c.kernel_size ?? c.kernelSize;
  const [kh, kw] = typeof ks === 'number' ? [ks, ks] : Array.isArray(ks) ? [Number(ks[0]), Number(ks[1] ?? ks[0])] : [1, 1];
  const cin = input[2]!;
  const cout = s.outputShape[2]!;
  if (cin === null || cout === null)
    throw new UserError(
      `${file}: layer '${l.name}' (${l.className}) has an unknown channel count; re-save the model with a full input shape.`,
    );
  let kernel: number[];
  if (l.className === 'Conv2DTranspose') kernel = [kh, kw, cout, cin];
  else if (l.className === 'DepthwiseConv2D') kernel = [kh, kw, cin, cout / cin];
  else if (l.className === 'SeparableConv2D') kernel = [kh, kw, cin, Number(c.depth_multiplier ?? 1)];
  else kernel = [kh, kw, cin, cout];
  checkKernel(file, l, kernelEntry?.shape, kernel);
  return { kernel, cin, cout, inputSize: inSize, outputSize: outSize, positions: 1 };
}

function checkKernel(file: string, l: ModelLayer, manifest: number[] | undefined, inferred: number[]): void {
  if (!manifest) return;
  if (manifest.length !== inferred.length || manifest.some((v, i) => v !== inferred[i])) {
    throw new UserError(
      `${file}: layer '${l.name}' (${l.className}) has a kernel of shape [${manifest.join(', ')}] in weightsManifest but its inputs imply [${inferred.join(', ')}]; the topology and the weights do not match, re-save the model.`,
    );
  }
}

function layerBiasCount(model: ModelFile, l: ModelLayer): number {
  const b = layerWeights(model, l.name).find((w) => weightRole(w.name) === 'bias');
  if (b) return b.shape.reduce((a, x) => a * x, 1);
  const c = l.config;
  if (c.use_bias === false || c.useBias === false) return 0;
  return Number(c.filters ?? c.units ?? 0) || 0;
}

function unsupportedLayer(l: ModelLayer, g: Geometry, estimate: boolean): { row: LayerReport; est: LayerRatios } {
  const outHW = g.outputSize ? g.outputSize[0] * g.outputSize[1] : 1;
  const inHW = g.inputSize ? g.inputSize[0] * g.inputSize[1] : 1;
  let params: number;
  let macs: number;
  const [kh, kw] = g.kernel as [number, number];
  if (l.className === 'DepthwiseConv2D') {
    params = kh * kw * g.cout;
    macs = params * outHW;
  } else if (l.className === 'SeparableConv2D') {
    const dm = g.kernel[3];
    params = kh * kw * g.cin * dm + g.cin * dm * g.cout;
    macs = (kh * kw * g.cin * dm + g.cin * dm * g.cout) * outHW;
  } else {
    params = kh * kw * g.cin * g.cout;
    macs = params * inHW;
  }
  const est = unchangedEstimate(params, macs);
  return { row: row(l, g, { k1: null, k2: null, rank: null, sigma2: null, skipped: UNSUPPORTED[l.className], estimate }, est), est };
}

function convLayer(
  l: ModelLayer,
  g: Geometry,
  w: { shape: number[]; data: Float32Array } | null,
  policy: RankPolicy,
  opts: AnalyzeOptions,
  estimate: boolean,
  biasParams: number,
  file: string,
): { row: LayerReport; est: LayerRatios } {
  const [kh, kw, cin, cout] = g.kernel as [number, number, number, number];
  const geo = { kh, kw, cin, cout, inH: g.inputSize![0], inW: g.inputSize![1], outH: g.outputSize![0], outW: g.outputSize![1] };
  const cost = convCost(geo);
  const unchanged = (): LayerRatios => unchangedEstimate(cost.params, cost.macs, biasParams);
  const groups = Number(l.config.groups ?? 1);
  if (groups > 1) {
    const est = unchanged();
    return {
      row: row(
        l,
        g,
        { k1: null, k2: null, rank: null, sigma2: null, skipped: `a grouped convolution (groups = ${groups}) is not decomposed`, estimate },
        est,
      ),
      est,
    };
  }
  if (kh * kw === 1) {
    // The SVD split of its Cin×Cout matrix (the stride on the first half): made with
    // --decompose-pointwise, else shown as a hint beside the reason the paper leaves it.
    const m: Matrix | null = w ? { rows: cin, cols: cout, data: Float64Array.from(w.data) } : null;
    if (!m && !estimate)
      throw new UserError(
        `${file}: layer '${l.name}' (Conv2D) has no '${l.name}/kernel' in weightsManifest; re-save the model with its weights.`,
      );
    const choice = m
      ? chooseDenseRank(m, { policy, quantize: opts.quantize })
      : chooseDenseRankFromShape(cin, cout, { policy, quantize: opts.quantize });
    const sigma2 = estimate ? null : choice.sigma2;
    if (opts.pointwise && !choice.skipped) {
      const est = conv1x1SplitEstimate(geo, choice.rank, biasParams);
      return { row: row(l, g, { k1: null, k2: null, rank: choice.rank, sigma2, skipped: null, estimate }, est), est };
    }
    const skipped = opts.pointwise
      ? choice.skipped
      : choice.skipped
        ? ONE_BY_ONE
        : `${ONE_BY_ONE}; --decompose-pointwise would split it by SVD at rank ${choice.rank}`;
    const est = unchanged();
    return { row: row(l, g, { k1: null, k2: null, rank: choice.skipped ? null : choice.rank, sigma2, skipped, estimate }, est), est };
  }
  let choice: ConvRankChoice;
  if (w) choice = chooseConvRanks({ shape: [kh, kw, cin, cout], data: w.data }, { policy, quantize: opts.quantize });
  else if (estimate) choice = chooseConvRanksFromShape([kh, kw, cin, cout], { policy, quantize: opts.quantize });
  else
    throw new UserError(
      `${file}: layer '${l.name}' (Conv2D) has no '${l.name}/kernel' in weightsManifest; re-save the model with its weights.`,
    );
  const est = choice.skipped ? unchanged() : tuckerConvEstimate(geo, choice.k1, choice.k2, biasParams);
  const sigma2 = estimate || (choice.sigma2.in === null && choice.sigma2.out === null) ? null : choice.sigma2;
  return {
    row: row(l, g, { k1: choice.k1, k2: choice.k2, rank: null, sigma2, skipped: choice.skipped, estimate }, est),
    est,
  };
}

function denseLayer(
  l: ModelLayer,
  g: Geometry,
  w: { shape: number[]; data: Float32Array } | null,
  policy: RankPolicy,
  opts: AnalyzeOptions,
  estimate: boolean,
  biasParams: number,
  file: string,
): { row: LayerReport; est: LayerRatios } {
  const [inDim, outDim] = g.kernel as [number, number];
  let rank: number;
  let sigma2: number | null = null;
  let skipped: string | null;
  let rule: string | undefined;
  if (w) {
    const m: Matrix = { rows: inDim, cols: outDim, data: Float64Array.from(w.data) };
    const choice = chooseDenseRank(m, { policy, quantize: opts.quantize, denseFallback: opts.denseFallback });
    rank = choice.rank;
    sigma2 = choice.sigma2;
    skipped = choice.skipped;
    if (choice.rule !== choice.policy) rule = choice.rule;
  } else {
    if (!estimate)
      throw new UserError(
        `${file}: layer '${l.name}' (Dense) has no '${l.name}/kernel' in weightsManifest; re-save the model with its weights.`,
      );
    const choice = chooseDenseRankFromShape(inDim, outDim, { policy, quantize: opts.quantize });
    rank = choice.rank;
    skipped = choice.skipped;
  }
  const est = skipped
    ? unchangedEstimate(inDim * outDim, inDim * outDim * g.positions, biasParams)
    : svdSplitEstimate(inDim, outDim, rank, g.positions, biasParams);
  const r = row(l, g, { k1: null, k2: null, rank, sigma2: estimate ? null : sigma2, skipped, estimate }, est);
  return { row: rule ? { ...r, rule } : r, est };
}

function row(
  l: ModelLayer,
  g: Geometry,
  r: Pick<LayerReport, 'k1' | 'k2' | 'rank' | 'sigma2' | 'skipped' | 'estimate'>,
  est: LayerRatios,
): LayerReport {
  return {
    name: l.name,
    type: l.className as ReportLayerType,
    kernel: g.kernel,
    cin: g.cin,
    cout: g.cout,
    inputSize: g.inputSize,
    outputSize: g.outputSize,
    k1: r.k1,
    k2: r.k2,
    rank: r.rank,
    sigma2: r.sigma2,
    skipped: r.skipped,
    estimate: r.estimate,
    params: { before: est.paramsBefore, after: est.paramsAfter },
    flops: { before: est.macsBefore, after: est.macsAfter },
    compression: est.compression,
    speedup: est.speedup,
  };
}
