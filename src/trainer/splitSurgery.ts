// The SVD split of a 1×1 convolution or a Dense layer X (docs/design.md §5.2): X_svd_in (in→r,
// no bias, linear; a 1×1 conv keeps its stride and padding here) then X_svd_out (r→out, the
// original bias and activation); and the merge of such a pair back into X (first·second).
import * as tf from '@tensorflow/tfjs';
import type { Matrix } from '../core/types';
import { inboundChain, kernelData, layerEntry, layerJsonName, layerList, type LayerJson, type TopologyJson } from './topology';

export const SVD_IN = '_svd_in';
export const SVD_OUT = '_svd_out';

/** Names of the layers currently split in two. */
export function splitLayerNames(model: tf.LayersModel): string[] {
  const names = new Set(model.layers.map((l) => l.name));
  return model.layers
    .filter((l) => l.name.endsWith(SVD_IN) && names.has(l.name.slice(0, -SVD_IN.length) + SVD_OUT))
    .map((l) => l.name.slice(0, -SVD_IN.length));
}

function float32(m: Matrix): Float32Array {
  return Float32Array.from(m.data);
}

/** The two entries and their weights for `layer` split into first (in × r) · second (r × out). */
export function splitEntries(
  topo: TopologyJson,
  lj: LayerJson,
  layer: tf.layers.Layer,
  first: Matrix,
  second: Matrix,
  kind: 'conv' | 'dense',
): { entries: LayerJson[]; weights: Map<string, tf.Tensor[]>; created: tf.Tensor[] } {
  const name = layer.name;
  const r = first.cols;
  const cfg = lj.config;
  const common = { ...cfg, kernel_regularizer: cfg.kernel_regularizer ?? null, activity_regularizer: null };
  const inName = name + SVD_IN,
    outName = name + SVD_OUT;
  const size = kind === 'conv' ? 'filters' : 'units';
  const className = kind === 'conv' ? 'Conv2D' : 'Dense';
  const a = layerEntry(
    topo,
    className,
    inName,
    { ...common, name: inName, [size]: r, use_bias: false, activation: 'linear' },
    lj.inbound_nodes,
  );
  const second2 = { ...common, name: outName, [size]: second.cols };
  if (kind === 'conv') Object.assign(second2, { strides: [1, 1], padding: 'valid' });
  const b = layerEntry(topo, className, outName, second2, inboundChain(lj, inName));
  delete b.config.batch_input_shape;
  const [w1, w2] =
    kind === 'conv'
      ? [tf.tensor4d(float32(first), [1, 1, first.rows, r]), tf.tensor4d(float32(second), [1, 1, r, second.cols])]
      : [tf.tensor2d(float32(first), [first.rows, r]), tf.tensor2d(float32(second), [r, second.cols])];
  const bias = layer.getWeights()[1];
  return {
    entries: [a, b],
    weights: new Map([
      [inName, [w1]],
      [outName, bias ? [w2, bias] : [w2]],
    ]),
    created: [w1, w2],
  };
}

/** first · second in float64, rounded once to float32: the merge is exact up to that rounding. */
export function mergeSplitKernels(first: Float32Array, second: Float32Array, inDim: number, r: number, outDim: number): Float32Array {
  const out = new Float32Array(inDim * outDim);
  const row = new Float64Array(outDim);
  for (let i = 0; i < inDim; i++) {
    row.fill(0);
    for (let q = 0; q < r; q++) {
      const a = first[i * r + q];
      if (a === 0) continue;
      for (let o = 0; o < outDim; o++) row[o] += a * second[q * outDim + o];
    }
    out.set(row, i * outDim);
  }
  return out;
}

/** The one layer that replaces the pair `base`_svd_in → `base`_svd_out (lj: the first's entry). */
export async function mergeSplitPair(
  topo: TopologyJson,
  lj: LayerJson,
  model: tf.LayersModel,
  base: string,
): Promise<{ entry: LayerJson; weights: tf.Tensor[] }> {
  const inL = model.getLayer(base + SVD_IN),
    outL = model.getLayer(base + SVD_OUT);
  const a = await kernelData(inL),
    b = await kernelData(outL);
  const inDim = a.shape[a.shape.length - 2],
    r = a.shape[a.shape.length - 1],
    outDim = b.shape[b.shape.length - 1];
  const merged = mergeSplitKernels(a.data, b.data, inDim, r, outDim);
  const outJson = layerList(topo).find((l) => layerJsonName(l) === base + SVD_OUT)!;
  const conv = lj.class_name === 'Conv2D';
  const size = conv ? 'filters' : 'units';
  const cfg = { ...lj.config, name: base, [size]: outDim, use_bias: outJson.config.use_bias, activation: outJson.config.activation };
  const kernel = conv ? tf.tensor4d(merged, [1, 1, inDim, outDim]) : tf.tensor2d(merged, [inDim, outDim]);
  const bias = outL.getWeights()[1];
  return { entry: layerEntry(topo, lj.class_name, base, cfg, lj.inbound_nodes), weights: bias ? [kernel, bias] : [kernel] };
}
