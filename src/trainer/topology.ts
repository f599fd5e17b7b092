// Editing a TensorFlow.js Layers model's JSON topology (docs/design.md §5.2): the plumbing graph
// surgery shares, so that any wiring (Sequential, residual Add, dense Concatenate, shared layers)
// survives a layer being replaced by two or three.
import * as tf from '@tensorflow/tfjs';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type LayerJson = { name?: string; class_name: string; config: any; inbound_nodes?: any[] };
export type TopologyJson = { class_name: string; config: any; keras_version?: string; backend?: string };

export function layerList(topo: TopologyJson): LayerJson[] {
  return topo.class_name === 'Sequential' ? (Array.isArray(topo.config) ? topo.config : topo.config.layers) : topo.config.layers;
}

export function setLayerList(topo: TopologyJson, layers: LayerJson[]): void {
  if (topo.class_name === 'Sequential' && Array.isArray(topo.config)) topo.config = layers;
  else topo.config.layers = layers;
}

export function layerJsonName(lj: LayerJson): string {
  return lj.config.name ?? lj.name;
}

/** Rewrites every reference to layer `from` (inbound nodes, model outputs) to `to`. */
export function renameReferences(topo: TopologyJson, from: string, to: string): void {
  if (topo.class_name === 'Sequential') return; // wiring is implicit in the order
  for (const l of layerList(topo)) {
    for (const node of l.inbound_nodes ?? []) for (const ref of node) if (ref[0] === from) ref[0] = to;
  }
  for (const ref of topo.config.output_layers ?? []) if (ref[0] === from) ref[0] = to;
}

/** A layer entry in the topology's own style: Sequential entries carry no name/inbound_nodes. */
export function layerEntry(topo: TopologyJson, className: string, name: string, config: any, inbound: any[] | undefined): LayerJson {
  return topo.class_name === 'Sequential'
    ? { class_name: className, config }
    : { class_name: className, name, config, inbound_nodes: inbound ?? [] };
}

/** Inbound nodes of a layer fed by `prev`: one node per node of the original layer, so a shared layer stays shared. */
export function inboundChain(layer: LayerJson, prev: string): any[] {
  return (layer.inbound_nodes ?? []).map((_n: any, i: number) => [[prev, i, 0, {}]]);
}

export async function rebuild(topo: TopologyJson, weightsFor: (name: string) => tf.Tensor[] | undefined): Promise<tf.LayersModel> {
  const model = await tf.models.modelFromJSON({ modelTopology: topo });
  for (const layer of model.layers) {
    const w = weightsFor(layer.name);
    if (w && w.length) layer.setWeights(w);
  }
  return model;
}

export function tryWeights(model: tf.LayersModel, name: string): tf.Tensor[] | undefined {
  try {
    return model.getLayer(name).getWeights();
  } catch {
    return undefined;
  }
}

/** Read asynchronously: WebGPU in Node has no synchronous read-back (docs/design.md §7.2). */
export async function kernelData(layer: tf.layers.Layer): Promise<{ shape: number[]; data: Float32Array }> {
  const k = layer.getWeights()[0];
  return { shape: k.shape, data: (await k.data()) as Float32Array };
}

/** The shape (batch first) of a layer's first input or output. */
export function shapeOf(t: tf.SymbolicTensor | tf.SymbolicTensor[]): (number | null)[] {
  return (Array.isArray(t) ? t[0] : t).shape;
}
