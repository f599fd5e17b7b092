// Graph surgery on TensorFlow.js Layers models, done on the model's JSON topology (topology.ts) so
// that any wiring survives:
//  - decompose: each eligible Conv2D X becomes X_tucker_in (1×1, Cin→K1) → X_tucker_core
//    (kh×kw, K1→K2, original stride/padding/dilation) → X_tucker_out (1×1, K2→Cout, original
//    bias and activation), with the Tucker-2 factors as weights (docs/design.md §5); with
//    `pointwise` / `dense`, 1×1 convs and Dense layers are split in two by SVD (splitSurgery.ts);
//    with `decide`, a layer keeps the form that is fastest on the backend (§5.7);
//  - reconstruct: each such block is merged back into one layer named X (lossless).
import * as tf from '@tensorflow/tfjs';
import type { ConvKernel, Matrix } from '../core/types';
import { chooseConvRanks, chooseDenseRank, convSkipReason, denseSkipReason, ONE_BY_ONE, type RankOptions } from '../core/rankPolicy';
import { svdSplit } from '../core/svdSplit';
import { tucker2, tucker2Kernels, tucker2Merge } from '../core/tucker2';
import { conv1x1SplitEstimate, svdSplitEstimate, tuckerConvEstimate } from '../core/estimates';
import type { LayerDecomposition, MeasuredLayer } from '../runs/types';
import { StopRequested } from './stopRequested';
import {
  inboundChain,
  kernelData,
  layerEntry,
  layerJsonName,
  layerList,
  rebuild,
  renameReferences,
  setLayerList,
  shapeOf,
  tryWeights,
  type LayerJson,
  type TopologyJson,
} from './topology';
import {
  convForm,
  convShapeOf,
  denseForm,
  denseSplitForm,
  measureLayer,
  pointwiseSplitForm,
  tuckerForm,
  type DecideOptions,
} from './layerDecision';
import { mergeSplitPair, splitEntries, splitLayerNames, SVD_IN, SVD_OUT } from './splitSurgery';

export const TUCKER_IN = '_tucker_in';
export const TUCKER_CORE = '_tucker_core';
export const TUCKER_OUT = '_tucker_out';
export { SVD_IN, SVD_OUT, splitLayerNames };

export interface DecomposeResult {
  model: tf.LayersModel;
  layers: LayerDecomposition[];
  paramsBefore: number;
  paramsAfter: number;
  /** Multiply-accumulates per example of all Conv2D layers (and split Dense layers) before and after (eq. 11 totals). */
  convMacsBefore: number;
  convMacsAfter: number;
}

export type DecomposeOptions = RankOptions & {
  overrides?: Record<string, { k1: number; k2: number } | { rank: number }>;
  /** Layers left full-rank whatever their ranks (e.g. the first conv), each with the reason. */
  keep?: Readonly<Record<string, string>>;
  /** Polled between layers (the event loop gets a turn first): true abandons the decomposition with StopRequested. */
  shouldStop?: () => boolean;
  /** Split 1×1 convolutions by SVD (--decompose-pointwise). */
  pointwise?: boolean;
  /** Split Dense layers by SVD (--decompose-dense). */
  dense?: boolean;
  /** Time each layer's forms on the backend and keep the fastest (--decide measured); absent: by FLOPs. */
  decide?: DecideOptions | null;
};

/** What one layer became: its report row, and its new entries and weights when it changed. */
interface LayerOutcome {
  row: LayerDecomposition;
  entries: LayerJson[] | null;
  weights: Map<string, tf.Tensor[]>;
  /** The name later layers now read from (the last of the new entries). */
  outName: string | null;
  /** Tensors made here (the caller disposes them once the new model holds copies). */
  created: tf.Tensor[];
  macsBefore: number;
  macsAfter: number;
}

function unchanged(row: LayerDecomposition, macs: number): LayerOutcome {
  return { row, entries: null, weights: new Map(), outName: null, created: [], macsBefore: macs, macsAfter: macs };
}

/** The final ranks of a measured layer, or null when it stays dense; the row records the choice. */
function applyMeasured(m: MeasuredLayer): number[] | null {
  return m.chosen === null ? null : m.candidates[m.chosen].ranks;
}

/**
 * Decomposes every Conv2D with a kernel larger than 1×1 (and, when asked, every 1×1 conv and Dense
 * layer) whose ranks the policy accepts; the others are listed with the reason they were skipped.
 * The input model is left untouched (caller disposes).
 */
export async function decomposeModel(model: tf.LayersModel, opts: DecomposeOptions): Promise<DecomposeResult> {
  const topo = model.toJSON(null, false) as unknown as TopologyJson;
  const newWeights = new Map<string, tf.Tensor[]>();
  const report: LayerDecomposition[] = [];
  let macsBefore = 0,
    macsAfter = 0;
  const out: LayerJson[] = [];
  const created: tf.Tensor[] = [];
  const dispose = () => tf.dispose(created);
  for (const lj of layerList(topo)) {
    const name = layerJsonName(lj);
    const isConv = lj.class_name === 'Conv2D';
    if (!isConv && !(lj.class_name === 'Dense' && opts.dense)) {
      out.push(lj);
      continue;
    }
    if (opts.shouldStop) {
      await new Promise<void>((r) => setImmediate(r));
      if (opts.shouldStop()) {
        dispose();
        throw new StopRequested('stopped during the decomposition');
      }
    }
    const layer = model.getLayer(name);
    const kshape = layer.getWeights()[0].shape;
    const o = isConv
      ? (kshape[0] ?? 1) * (kshape[1] ?? 1) > 1
        ? await tuckerLayer(topo, lj, layer, opts)
        : await splitLayer(topo, lj, layer, opts, 'conv')
      : await splitLayer(topo, lj, layer, opts, 'dense');
    report.push(o.row);
    macsBefore += o.macsBefore;
    macsAfter += o.macsAfter;
    if (!o.entries) {
      out.push(lj);
      continue;
    }
    out.push(...o.entries);
    created.push(...o.created);
    for (const [k, v] of o.weights) newWeights.set(k, v);
    renameReferences(topo, name, o.outName!);
  }
  setLayerList(topo, out);
  const decomposed = await rebuild(topo, (n) => newWeights.get(n) ?? tryWeights(model, n));
  dispose(); // setWeights copied them
  return {
    model: decomposed,
    layers: report,
    paramsBefore: model.countParams(),
    paramsAfter: decomposed.countParams(),
    convMacsBefore: macsBefore,
    convMacsAfter: macsAfter,
  };
}

function policyRanks(raw: number[], final: number[]): { policyRanks?: number[] } {
  return raw.some((r, i) => r !== final[i]) ? { policyRanks: raw } : {};
}

async function tuckerLayer(topo: TopologyJson, lj: LayerJson, layer: tf.layers.Layer, opts: DecomposeOptions): Promise<LayerOutcome> {
  const t0 = performance.now();
  const name = layer.name;
  const k = await kernelData(layer);
  const kernel: ConvKernel = { shape: k.shape as [number, number, number, number], data: k.data };
  const [kh, kw, cin, cout] = kernel.shape;
  const inShape = shapeOf(layer.getInputAt(0));
  const outShape = shapeOf(layer.getOutputAt(0));
  const [inH, inW] = [inShape[1] ?? 1, inShape[2] ?? 1];
  const [outH, outW] = [outShape[1] ?? 1, outShape[2] ?? 1];
  const biasParams = lj.config.use_bias ? cout : 0;
  const base = { name, type: 'Conv2D' as const, kernel: [kh, kw, cin, cout], rank: null, paramsBefore: kh * kw * cin * cout + biasParams };
  // An explicit per-layer override is the user's decision: honoured even where it saves nothing, never timed.
  const override = opts.overrides?.[name];
  const kept = opts.keep?.[name];
  const choice = chooseConvRanks(kernel, { ...opts, override: override ?? opts.override });
  if (override && kh * kw > 1) choice.skipped = null;
  // A kept layer the policy would have skipped anyway keeps the policy's (more telling) reason.
  if (kept && !choice.skipped && !override) Object.assign(choice, { skipped: kept, rule: 'kept' });
  const denseMacs = kh * kw * cin * cout * outH * outW;
  let measured: MeasuredLayer | undefined;
  let ranks = [choice.k1, choice.k2];
  if (!choice.skipped && !override && opts.decide) {
    const c = convShapeOf(lj.config, [inH, inW, cin], kernel.shape);
    measured = await measureLayer(
      opts.decide,
      convForm(c),
      ranks,
      [cin, cout],
      (r) => tuckerForm(c, r[0], r[1]),
      (r) => !convSkipReason(r[0], r[1], cin, cout, opts.policy, kh * kw),
    );
    const chosen = applyMeasured(measured);
    if (chosen) ranks = chosen;
    else Object.assign(choice, { skipped: measured.reason, rule: 'measured' });
  }
  const extra = { ...(measured ? { measured } : {}) };
  if (choice.skipped) {
    return unchanged(
      {
        ...base,
        k1: null,
        k2: null,
        skipped: choice.skipped,
        paramsAfter: base.paramsBefore,
        compression: null,
        speedup: null,
        approximationError: null,
        seconds: (performance.now() - t0) / 1000,
        rule: choice.rule,
        ...extra,
      },
      denseMacs,
    );
  }
  const [k1, k2] = ranks;
  // The Grams of the analysis serve any ranks: a quantized candidate needs no second reduction.
  const t = tucker2(kernel, k1, k2, { analysis: choice.analysis ?? undefined });
  const ks = tucker2Kernels(t);
  const est = tuckerConvEstimate({ kh, kw, cin, cout, inH, inW, outH, outW }, k1, k2, biasParams);
  const cfg = lj.config;
  const common = { ...cfg, kernel_regularizer: cfg.kernel_regularizer ?? null, activity_regularizer: null };
  const inName = name + TUCKER_IN,
    coreName = name + TUCKER_CORE,
    outName = name + TUCKER_OUT;
  const pointwiseCfg = { kernel_size: [1, 1], strides: [1, 1], padding: 'valid', dilation_rate: [1, 1] };
  const first = layerEntry(
    topo,
    'Conv2D',
    inName,
    { ...common, ...pointwiseCfg, name: inName, filters: k1, use_bias: false, activation: 'linear' },
    lj.inbound_nodes,
  );
  const core = layerEntry(
    topo,
    'Conv2D',
    coreName,
    { ...common, name: coreName, filters: k2, use_bias: false, activation: 'linear' },
    inboundChain(lj, inName),
  );
  delete core.config.batch_input_shape;
  const last = layerEntry(
    topo,
    'Conv2D',
    outName,
    { ...common, ...pointwiseCfg, name: outName, filters: cout },
    inboundChain(lj, coreName),
  );
  delete last.config.batch_input_shape;
  const bias = layer.getWeights()[1];
  const [wIn, wCore, wOut] = [ks.first, ks.core, ks.last].map((kk) => tf.tensor4d(kk.data as Float32Array, kk.shape));
  const weights = new Map<string, tf.Tensor[]>([
    [inName, [wIn]],
    [coreName, [wCore]],
    [outName, bias ? [wOut, bias] : [wOut]],
  ]);
  return {
    row: {
      ...base,
      k1,
      k2,
      skipped: null,
      paramsAfter: est.paramsAfter + biasParams,
      compression: est.compression,
      speedup: est.speedup,
      approximationError: t.relError,
      seconds: (performance.now() - t0) / 1000,
      rule: choice.rule,
      ...policyRanks([choice.raw.k1, choice.raw.k2], [k1, k2]),
      ...extra,
    },
    entries: [first, core, last],
    weights,
    created: [wIn, wCore, wOut],
    outName,
    macsBefore: est.macsBefore,
    macsAfter: est.macsAfter,
  };
}

/** A 1×1 conv or a Dense layer: kept (1×1 without --decompose-pointwise), skipped by the rule, or split by SVD. */
async function splitLayer(
  topo: TopologyJson,
  lj: LayerJson,
  layer: tf.layers.Layer,
  opts: DecomposeOptions,
  kind: 'conv' | 'dense',
): Promise<LayerOutcome> {
  const t0 = performance.now();
  const name = layer.name;
  const k = await kernelData(layer);
  const inDim = k.shape[k.shape.length - 2],
    outDim = k.shape[k.shape.length - 1];
  const inShape = shapeOf(layer.getInputAt(0));
  const outShape = shapeOf(layer.getOutputAt(0));
  // Positions per example: H'·W' for a 1×1 conv, the leading dimensions for a Dense layer (1 when flat).
  const positions = outShape.slice(1, -1).reduce<number>((a, b) => a * (b ?? 1), 1);
  const biasParams = lj.config.use_bias ? outDim : 0;
  const base = { name, type: kind === 'conv' ? ('Conv2D' as const) : ('Dense' as const), kernel: [...k.shape], k1: null, k2: null };
  const paramsBefore = inDim * outDim + biasParams;
  const denseMacs = inDim * outDim * positions;
  const skippedRow = (skipped: string, rule: string, extra: object = {}): LayerOutcome =>
    unchanged(
      {
        ...base,
        rank: null,
        skipped,
        paramsBefore,
        paramsAfter: paramsBefore,
        compression: null,
        speedup: null,
        approximationError: null,
        seconds: (performance.now() - t0) / 1000,
        rule,
        ...extra,
      },
      denseMacs,
    );
  if (kind === 'conv' && !opts.pointwise) return skippedRow(`${ONE_BY_ONE}; --decompose-pointwise splits it by SVD`, opts.policy.kind);
  const w: Matrix = { rows: inDim, cols: outDim, data: Float64Array.from(k.data) };
  const override = opts.overrides?.[name];
  const choice = chooseDenseRank(w, { ...opts, override: override && 'rank' in override ? override : undefined });
  if (override) choice.skipped = null; // the user's decision, as for Tucker layers
  const kept = opts.keep?.[name];
  if (kept && !choice.skipped && !override) return skippedRow(kept, 'kept');
  if (choice.skipped) return skippedRow(choice.skipped, choice.rule);
  let r = choice.rank;
  let measured: MeasuredLayer | undefined;
  if (!override && opts.decide) {
    const input = inShape.slice(1).map((d) => d ?? 1);
    const bias = lj.config.use_bias !== false;
    const c = kind === 'conv' ? convShapeOf(lj.config, input, [1, 1, inDim, outDim]) : null;
    measured = await measureLayer(
      opts.decide,
      c ? convForm(c) : denseForm(input, outDim, bias),
      [r],
      [Math.min(inDim, outDim)],
      (rr) => (c ? pointwiseSplitForm(c, rr[0]) : denseSplitForm(input, outDim, bias, rr[0])),
      (rr) => !denseSkipReason(rr[0], inDim, outDim, opts.policy),
    );
    const chosen = applyMeasured(measured);
    if (!chosen) return skippedRow(measured.reason, 'measured', { measured });
    r = chosen[0];
  }
  const split = svdSplit(w, r, choice.analysis);
  const est =
    kind === 'conv'
      ? conv1x1SplitEstimate(
          { kh: 1, kw: 1, cin: inDim, cout: outDim, inH: 1, inW: 1, outH: outShape[1] ?? 1, outW: outShape[2] ?? 1 },
          r,
          biasParams,
        )
      : svdSplitEstimate(inDim, outDim, r, positions, biasParams);
  const s = splitEntries(topo, lj, layer, split.first, split.second, kind);
  return {
    row: {
      ...base,
      rank: r,
      skipped: null,
      paramsBefore,
      paramsAfter: est.paramsAfter + biasParams,
      compression: est.compression,
      speedup: est.speedup,
      approximationError: split.relError,
      seconds: (performance.now() - t0) / 1000,
      rule: choice.rule,
      ...policyRanks([choice.raw], [r]),
      ...(measured ? { measured } : {}),
    },
    entries: s.entries,
    weights: s.weights,
    created: s.created,
    outName: name + SVD_OUT,
    macsBefore: est.macsBefore,
    macsAfter: est.macsAfter,
  };
}

/** Names of the convolutions currently in decomposed (three-conv) form. */
export function decomposedLayerNames(model: tf.LayersModel): string[] {
  return model.layers.filter((l) => l.name.endsWith(TUCKER_IN)).map((l) => l.name.slice(0, -TUCKER_IN.length));
}

/** Merges every Tucker block and every SVD split back into one layer with the original name and wiring. */
export async function reconstructModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  const topo = model.toJSON(null, false) as unknown as TopologyJson;
  const bases = new Set(decomposedLayerNames(model));
  const splits = new Set(splitLayerNames(model));
  const newWeights = new Map<string, tf.Tensor[]>();
  const created: tf.Tensor[] = [];
  const out: LayerJson[] = [];
  for (const lj of layerList(topo)) {
    const name = layerJsonName(lj);
    const splitBase = [SVD_IN, SVD_OUT]
      .map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : null))
      .find((b) => b !== null && splits.has(b));
    if (splitBase) {
      if (!name.endsWith(SVD_IN)) continue; // the second half is folded into the layer emitted at _in
      const m = await mergeSplitPair(topo, lj, model, splitBase);
      out.push(m.entry);
      newWeights.set(splitBase, m.weights);
      created.push(m.weights[0]);
      renameReferences(topo, splitBase + SVD_OUT, splitBase);
      continue;
    }
    const base = [TUCKER_IN, TUCKER_CORE, TUCKER_OUT]
      .map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : null))
      .find((b) => b !== null && bases.has(b));
    if (!base) {
      out.push(lj);
      continue;
    }
    if (!name.endsWith(TUCKER_IN)) continue; // core and out are folded into the layer emitted at _in
    const inL = model.getLayer(base + TUCKER_IN),
      coreL = model.getLayer(base + TUCKER_CORE),
      outL = model.getLayer(base + TUCKER_OUT);
    const first = await kernelData(inL),
      core = await kernelData(coreL),
      last = await kernelData(outL);
    const [, , cin, k1] = first.shape;
    const [, , k2, cout] = last.shape;
    const uIn: Matrix = { rows: cin, cols: k1, data: Float64Array.from(first.data) };
    const uOut: Matrix = { rows: cout, cols: k2, data: new Float64Array(cout * k2) };
    for (let q = 0; q < k2; q++) for (let o = 0; o < cout; o++) uOut.data[o * k2 + q] = last.data[q * cout + o];
    const merged = tucker2Merge({
      uIn,
      uOut,
      core: { shape: [...core.shape] as [number, number, number, number], data: Float64Array.from(core.data) },
    });
    const coreJson = layerList(topo).find((l) => layerJsonName(l) === base + TUCKER_CORE)!;
    const outJson = layerList(topo).find((l) => layerJsonName(l) === base + TUCKER_OUT)!;
    const cfg = { ...coreJson.config, name: base, filters: cout, use_bias: outJson.config.use_bias, activation: outJson.config.activation };
    if (lj.config.batch_input_shape) cfg.batch_input_shape = lj.config.batch_input_shape;
    out.push(layerEntry(topo, 'Conv2D', base, cfg, lj.inbound_nodes));
    const bias = outL.getWeights()[1];
    const kt = tf.tensor4d(Float32Array.from(merged.data), merged.shape);
    created.push(kt);
    newWeights.set(base, bias ? [kt, bias] : [kt]);
    renameReferences(topo, base + TUCKER_OUT, base);
  }
  setLayerList(topo, out);
  const rebuilt = await rebuild(topo, (n) => newWeights.get(n) ?? tryWeights(model, n));
  tf.dispose(created);
  return rebuilt;
}
