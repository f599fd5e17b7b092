// Graph surgery on TensorFlow.js Layers models, done on the model's JSON topology so that any
// wiring (Sequential, residual Add, dense Concatenate, shared layers) survives:
//  - decompose: each eligible Conv2D X becomes X_tucker_in (1×1, Cin→K1) → X_tucker_core
//    (kh×kw, K1→K2, original stride/padding/dilation) → X_tucker_out (1×1, K2→Cout, original
//    bias and activation), with the Tucker-2 factors as weights (docs/design.md §5);
//  - reconstruct: each such triple is merged back into one Conv2D named X (lossless).
import * as tf from '@tensorflow/tfjs';
import type { ConvKernel, Matrix } from '../core/types';
import { chooseConvRanks, type RankOptions } from '../core/rankPolicy';
import { tucker2, tucker2Kernels, tucker2Merge } from '../core/tucker2';
import { tuckerConvEstimate } from '../core/estimates';
import type { LayerDecomposition } from '../runs/types';
import { StopRequested } from './stopRequested';

export const TUCKER_IN = '_tucker_in';
export const TUCKER_CORE = '_tucker_core';
export const TUCKER_OUT = '_tucker_out';

/* eslint-disable @typescript-eslint/no-explicit-any */
type LayerJson = { name?: string; class_name: string; config: any; inbound_nodes?: any[] };
type TopologyJson = { class_name: string; config: any; keras_version?: string; backend?: string };

function layerList(topo: TopologyJson): LayerJson[] {
  return topo.class_name === 'Sequential' ? (Array.isArray(topo.config) ? topo.config : topo.config.layers) : topo.config.layers;
}

function setLayerList(topo: TopologyJson, layers: LayerJson[]): void {
  if (topo.class_name === 'Sequential' && Array.isArray(topo.config)) topo.config = layers;
  else topo.config.layers = layers;
}

/** Rewrites every reference to layer `from` (inbound nodes, model outputs) to `to`. */
function renameReferences(topo: TopologyJson, from: string, to: string): void {
  if (topo.class_name === 'Sequential') return; // wiring is implicit in the order
  for (const l of layerList(topo)) {
    for (const node of l.inbound_nodes ?? []) for (const ref of node) if (ref[0] === from) ref[0] = to;
  }
  for (const ref of topo.config.output_layers ?? []) if (ref[0] === from) ref[0] = to;
}

/** A layer entry in the topology's own style: Sequential entries carry no name/inbound_nodes. */
function layerEntry(topo: TopologyJson, name: string, config: any, inbound: any[] | undefined): LayerJson {
  return topo.class_name === 'Sequential'
    ? { class_name: 'Conv2D', config }
    : { class_name: 'Conv2D', name, config, inbound_nodes: inbound ?? [] };
}

function inboundChain(layer: LayerJson, prev: string): any[] {
  // One node per node of the original layer, so a shared conv stays shared.
  return (layer.inbound_nodes ?? []).map((_n: any, i: number) => [[prev, i, 0, {}]]);
}

async function rebuild(topo: TopologyJson, weightsFor: (name: string) => tf.Tensor[] | undefined): Promise<tf.LayersModel> {
  const model = await tf.models.modelFromJSON({ modelTopology: topo });
  for (const layer of model.layers) {
    const w = weightsFor(layer.name);
    if (w && w.length) layer.setWeights(w);
  }
  return model;
}

/** Read asynchronously: WebGPU in Node has no synchronous read-back (docs/design.md §7.2). */
async function kernelOf(layer: tf.layers.Layer): Promise<ConvKernel> {
  const k = layer.getWeights()[0];
  return { shape: k.shape as [number, number, number, number], data: (await k.data()) as Float32Array };
}

/** [H, W] of a layer's first input or output (channels-last, batch first). */
function spatial(t: tf.SymbolicTensor | tf.SymbolicTensor[]): [number, number] {
  const shape = (Array.isArray(t) ? t[0] : t).shape;
  return [shape[1] ?? 1, shape[2] ?? 1];
}

export interface DecomposeResult {
  model: tf.LayersModel;
  layers: LayerDecomposition[];
  paramsBefore: number;
  paramsAfter: number;
  /** Multiply-accumulates per example of all Conv2D layers before and after (eq. 11 totals). */
  convMacsBefore: number;
  convMacsAfter: number;
}

/**
 * Decomposes every Conv2D with a kernel larger than 1×1 whose ranks the policy accepts; the others
 * are listed with the reason they were skipped. The input model is left untouched (caller disposes).
 */
export async function decomposeModel(
  model: tf.LayersModel,
  opts: RankOptions & {
    overrides?: Record<string, { k1: number; k2: number }>;
    /** Layers left full-rank whatever their ranks (e.g. the first conv), each with the reason. */
    keep?: Readonly<Record<string, string>>;
    /** Polled between layers (the event loop gets a turn first): true abandons the decomposition with StopRequested. */
    shouldStop?: () => boolean;
  },
): Promise<DecomposeResult> {
  const topo = model.toJSON(null, false) as unknown as TopologyJson;
  const newWeights = new Map<string, tf.Tensor[]>();
  const created: tf.Tensor[] = [];
  const report: LayerDecomposition[] = [];
  let macsBefore = 0,
    macsAfter = 0;
  const out: LayerJson[] = [];
  for (const lj of layerList(topo)) {
    const name: string = lj.config.name ?? lj.name;
    if (lj.class_name !== 'Conv2D') {
      out.push(lj);
      continue;
    }
    if (opts.shouldStop) {
      await new Promise<void>((r) => setImmediate(r));
      if (opts.shouldStop()) {
        tf.dispose(created);
        throw new StopRequested('stopped during the decomposition');
      }
    }
    const t0 = performance.now();
    const layer = model.getLayer(name);
    const kernel = await kernelOf(layer);
    const [kh, kw, cin, cout] = kernel.shape;
    const [inH, inW] = spatial(layer.getInputAt(0));
    const [outH, outW] = spatial(layer.getOutputAt(0));
    const biasParams = lj.config.use_bias ? cout : 0;
    const base: Omit<
      LayerDecomposition,
      'k1' | 'k2' | 'skipped' | 'paramsAfter' | 'compression' | 'speedup' | 'approximationError' | 'seconds'
    > = {
      name,
      type: 'Conv2D',
      kernel: [kh, kw, cin, cout],
      rank: null,
      paramsBefore: kh * kw * cin * cout + biasParams,
    };
    // An explicit per-layer override is the user's decision: honoured even where it saves nothing.
    const override = opts.overrides?.[name];
    const kept = opts.keep?.[name];
    const choice = chooseConvRanks(kernel, { ...opts, override: override ?? opts.override });
    if (override && kh * kw > 1) choice.skipped = null;
    // A kept layer the policy would have skipped anyway keeps the policy's (more telling) reason.
    if (kept && !choice.skipped && !override) Object.assign(choice, { skipped: kept, rule: 'kept' });
    const denseMacs = kh * kw * cin * cout * outH * outW;
    if (choice.skipped) {
      macsBefore += denseMacs;
      macsAfter += denseMacs;
      report.push({
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
      });
      out.push(lj);
      continue;
    }
    const { k1, k2 } = choice;
    const t = tucker2(kernel, k1, k2, { analysis: choice.analysis ?? undefined });
    const ks = tucker2Kernels(t);
    const est = tuckerConvEstimate({ kh, kw, cin, cout, inH, inW, outH, outW }, k1, k2, biasParams);
    macsBefore += est.macsBefore;
    macsAfter += est.macsAfter;
    const cfg = lj.config;
    const common = { ...cfg, kernel_regularizer: cfg.kernel_regularizer ?? null, activity_regularizer: null };
    const inName = name + TUCKER_IN,
      coreName = name + TUCKER_CORE,
      outName = name + TUCKER_OUT;
    const first = layerEntry(
      topo,
      inName,
      {
        ...common,
        name: inName,
        filters: k1,
        kernel_size: [1, 1],
        strides: [1, 1],
        padding: 'valid',
        dilation_rate: [1, 1],
        use_bias: false,
        activation: 'linear',
      },
      lj.inbound_nodes,
    );
    const core = layerEntry(
      topo,
      coreName,
      { ...common, name: coreName, filters: k2, use_bias: false, activation: 'linear' },
      inboundChain(lj, inName),
    );
    delete core.config.batch_input_shape;
    const last = layerEntry(
      topo,
      outName,
      { ...common, name: outName, filters: cout, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', dilation_rate: [1, 1] },
      inboundChain(lj, coreName),
    );
    delete last.config.batch_input_shape;
    out.push(first, core, last);
    const bias = layer.getWeights()[1];
    const [wIn, wCore, wOut] = [ks.first, ks.core, ks.last].map((k) => tf.tensor4d(k.data as Float32Array, k.shape));
    created.push(wIn, wCore, wOut);
    newWeights.set(inName, [wIn]);
    newWeights.set(coreName, [wCore]);
    newWeights.set(outName, bias ? [wOut, bias] : [wOut]);
    renameReferences(topo, name, outName);
    report.push({
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
    });
  }
  setLayerList(topo, out);
  const decomposed = await rebuild(topo, (n) => newWeights.get(n) ?? tryWeights(model, n));
  tf.dispose(created); // setWeights copied them
  return {
    model: decomposed,
    layers: report,
    paramsBefore: model.countParams(),
    paramsAfter: decomposed.countParams(),
    convMacsBefore: macsBefore,
    convMacsAfter: macsAfter,
  };
}

function tryWeights(model: tf.LayersModel, name: string): tf.Tensor[] | undefined {
  try {
    return model.getLayer(name).getWeights();
  } catch {
    return undefined;
  }
}

/** Names of the convolutions currently in decomposed (three-conv) form. */
export function decomposedLayerNames(model: tf.LayersModel): string[] {
  return model.layers.filter((l) => l.name.endsWith(TUCKER_IN)).map((l) => l.name.slice(0, -TUCKER_IN.length));
}

/** Merges every Tucker block back into one Conv2D with the original name and wiring. */
export async function reconstructModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  const topo = model.toJSON(null, false) as unknown as TopologyJson;
  const bases = new Set(decomposedLayerNames(model));
  const newWeights = new Map<string, tf.Tensor[]>();
  const out: LayerJson[] = [];
  for (const lj of layerList(topo)) {
    const name: string = lj.config.name ?? lj.name;
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
    const first = await kernelOf(inL),
      core = await kernelOf(coreL),
      last = await kernelOf(outL);
    const [, , cin, k1] = first.shape;
    const [, , k2, cout] = last.shape;
    const uIn: Matrix = { rows: cin, cols: k1, data: Float64Array.from(first.data) };
    const uOut: Matrix = { rows: cout, cols: k2, data: new Float64Array(cout * k2) };
    for (let q = 0; q < k2; q++) for (let o = 0; o < cout; o++) uOut.data[o * k2 + q] = last.data[q * cout + o];
    const merged = tucker2Merge({ uIn, uOut, core: { shape: [...core.shape], data: Float64Array.from(core.data) } });
    const coreJson = layerList(topo).find((l) => (l.config.name ?? l.name) === base + TUCKER_CORE)!;
    const outJson = layerList(topo).find((l) => (l.config.name ?? l.name) === base + TUCKER_OUT)!;
    const cfg = { ...coreJson.config, name: base, filters: cout, use_bias: outJson.config.use_bias, activation: outJson.config.activation };
    if (lj.config.batch_input_shape) cfg.batch_input_shape = lj.config.batch_input_shape;
    out.push(layerEntry(topo, base, cfg, lj.inbound_nodes));
    const bias = outL.getWeights()[1];
    const k = tf.tensor4d(Float32Array.from(merged.data), merged.shape);
    newWeights.set(base, bias ? [k, bias] : [k]);
    renameReferences(topo, base + TUCKER_OUT, base);
  }
  setLayerList(topo, out);
  const rebuilt = await rebuild(topo, (n) => newWeights.get(n) ?? tryWeights(model, n));
  for (const ws of newWeights.values()) ws[0].dispose();
  return rebuilt;
}
