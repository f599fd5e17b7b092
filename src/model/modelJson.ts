// Reads a TensorFlow.js Layers model (model.json + weight files) without TensorFlow.js: plain
// JSON and fs, so the VS Code extension can use it cheaply (code lenses). Also infers every
// layer's input/output shape from the model's input shape.
//
// Shapes here never include the batch dimension: [H, W, C] for images, [N] for vectors.
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve, basename } from 'node:path';
import { UserError } from '../core/userError';
import { findJsonError } from './source/jsonError';

/** A layer's output shape without the batch dimension; null entries are unknown sizes. */
export type Shape = (number | null)[];

export type Padding = 'same' | 'valid';

/** One entry of `weightsManifest[].weights`, with where its bytes live. */
export interface WeightEntry {
  name: string;
  shape: number[];
  /** dtype of the decoded values ('float32' or 'int32'). */
  dtype: string;
  /** Storage when quantized ('uint8' | 'uint16' | 'float16'), else undefined. */
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
  /** Index into ModelFile.groups. */
  group: number;
  /** Byte offset inside the group's concatenated shards. */
  offset: number;
  byteLength: number;
  /** Name of the layer the weight belongs to, or null when no layer matched. */
  layer: string | null;
}

/** One `weightsManifest` group: its shard files are concatenated in order. */
export interface WeightGroup {
  /** Paths as written in the manifest (relative to model.json). */
  paths: string[];
  /** Absolute paths. */
  files: string[];
  /** Bytes the manifest says the group needs. */
  byteLength: number;
}

export interface ModelLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** Names of the layers feeding this one (previous layer for Sequential). */
  inbound: string[];
}

export interface ModelFile {
  /** The path as given. */
  path: string;
  format: string | null;
  topology: 'Sequential' | 'Functional';
  /** Layers in definition order (topological for files written by tfjs/Keras). */
  layers: ModelLayer[];
  inputLayers: string[];
  outputLayers: string[];
  groups: WeightGroup[];
  weights: WeightEntry[];
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Bytes per stored element. */
const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

// ---------------------------------------------------------------------------------------------
// model.json

/** Reads and validates model.json (not the weight files). */
export async function readModelJson(path: string): Promise<ModelFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: file not found; give the path to a TensorFlow.js Layers model.json.`);
    if (code === 'EISDIR') throw new UserError(`${path}: is a directory; give the path to the model.json inside it.`);
    throw new UserError(`${path}: cannot read (${code ?? (e as Error).message}); check the path and its permissions.`);
  }
  return parseModelJson(text, path);
}

/** Parses model.json text; `path` is used in messages and to resolve weight files. */
export function parseModelJson(text: string, path: string): ModelFile {
  let doc: unknown;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // editors on Windows may add a BOM
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const pos = findJsonError(text);
    const where = pos ? `line ${pos.line}, column ${pos.column} (position ${pos.offset}): ${pos.what}` : (e as Error).message;
    throw new UserError(`${path}: not valid JSON at ${where}; fix the file or re-save the model.`);
  }
  if (!isObj(doc))
    throw new UserError(`${path}: expected a JSON object with 'modelTopology'; this is not a TensorFlow.js Layers model.json.`);
  const format = typeof doc.format === 'string' ? doc.format : null;
  if (format === 'graph-model') {
    throw new UserError(
      `${path}: is a TensorFlow.js graph model (format 'graph-model'); only Layers models (format 'layers-model') can be analysed. Convert with --output_format=tfjs_layers_model.`,
    );
  }
  let topo = doc.modelTopology;
  if (!isObj(topo)) throw new UserError(`${path}: no 'modelTopology' object; this is not a TensorFlow.js Layers model.json.`);
  // Keras-exported files nest the model under modelTopology.model_config.
  if (isObj(topo.model_config)) topo = topo.model_config;
  const cls = (topo as Json).class_name;
  const config = (topo as Json).config;
  let topology: ModelFile['topology'];
  let layers: ModelLayer[];
  let inputLayers: string[];
  let outputLayers: string[];
  if (cls === 'Sequential') {
    topology = 'Sequential';
    // Old Keras wrote the layer list directly as config.
    const list = Array.isArray(config) ? config : isObj(config) ? config.layers : undefined;
    if (!Array.isArray(list)) throw new UserError(`${path}: Sequential model has no 'config.layers' list; re-save the model.`);
    layers = [];
    list.forEach((l, i) => {
      const layer = parseLayer(l, path, i);
      layer.inbound = i > 0 ? [layers[i - 1].name] : [];
      layers.push(layer);
    });
    inputLayers = layers.length ? [layers[0].name] : [];
    outputLayers = layers.length ? [layers[layers.length - 1].name] : [];
  } else if (cls === 'Model' || cls === 'Functional') {
    topology = 'Functional';
    if (!isObj(config) || !Array.isArray(config.layers))
      throw new UserError(`${path}: ${cls} model has no 'config.layers' list; re-save the model.`);
    layers = config.layers.map((l, i) => {
      const layer = parseLayer(l, path, i);
      layer.inbound = parseInbound((l as Json).inbound_nodes, path, layer.name);
      return layer;
    });
    inputLayers = refNames(config.input_layers);
    outputLayers = refNames(config.output_layers);
  } else {
    throw new UserError(
      `${path}: unsupported model class '${String(cls)}' in modelTopology (expected Sequential, Model or Functional); re-save it as a Keras/TensorFlow.js Layers model.`,
    );
  }
  const seen = new Set<string>();
  for (const l of layers) {
    if (seen.has(l.name)) throw new UserError(`${path}: two layers are named '${l.name}'; layer names must be unique.`);
    seen.add(l.name);
  }
  const { groups, weights } = parseManifest(doc.weightsManifest, path, layers);
  return { path, format, topology, layers, inputLayers, outputLayers, groups, weights };
}

function parseLayer(l: unknown, path: string, index: number): ModelLayer {
  if (!isObj(l) || typeof l.class_name !== 'string')
    throw new UserError(`${path}: layer #${index} has no 'class_name'; the model topology is malformed, re-save the model.`);
  const config = isObj(l.config) ? l.config : {};
  const name =
    typeof l.name === 'string' ? l.name : typeof config.name === 'string' ? config.name : `${l.class_name.toLowerCase()}_${index}`;
  return { name, className: l.class_name, config, inbound: [] };
}

/** Names of the layers feeding a functional layer (first call of the layer only). */
function parseInbound(nodes: unknown, path: string, layer: string): string[] {
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  const node = nodes[0];
  const out: string[] = [];
  // Keras 2 / tfjs: node = [[name, nodeIndex, tensorIndex, kwargs], ...]
  if (Array.isArray(node)) {
    for (const ref of node) {
      if (Array.isArray(ref) && typeof ref[0] === 'string') out.push(ref[0]);
      else throw new UserError(`${path}: layer '${layer}' has a malformed inbound_nodes entry; re-save the model.`);
    }
    return out;
  }
  // Keras 3: node = { args: [...keras tensors...], kwargs }
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      if (v.class_name === '__keras_tensor__' && isObj(v.config) && Array.isArray(v.config.keras_history)) {
        const h = v.config.keras_history[0];
        if (typeof h === 'string') out.push(h);
      } else Object.values(v).forEach(walk);
    }
  };
  if (isObj(node)) walk(node.args);
  return out;
}

function refNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  // [[name, 0, 0], ...] or a single [name, 0, 0]
  if (typeof v[0] === 'string') return [v[0]];
  return v.filter((r) => Array.isArray(r) && typeof r[0] === 'string').map((r) => (r as string[])[0]);
}

function parseManifest(m: unknown, path: string, layers: ModelLayer[]): { groups: WeightGroup[]; weights: WeightEntry[] } {
  const groups: WeightGroup[] = [];
  const weights: WeightEntry[] = [];
  if (m === undefined || m === null) return { groups, weights };
  if (!Array.isArray(m)) throw new UserError(`${path}: 'weightsManifest' is not a list; re-save the model.`);
  const dir = dirname(resolve(path));
  const layerNames = new Set(layers.map((l) => l.name));
  m.forEach((g, gi) => {
    if (!isObj(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw new UserError(`${path}: weightsManifest[${gi}] needs 'paths' and 'weights' lists; re-save the model.`);
    }
    const paths = g.paths.map(String);
    let offset = 0;
    for (const w of g.weights) {
      if (!isObj(w) || typeof w.name !== 'string' || !Array.isArray(w.shape)) {
        throw new UserError(`${path}: weightsManifest[${gi}] has a weight without 'name' and 'shape'; re-save the model.`);
      }
      const dtype = typeof w.dtype === 'string' ? w.dtype : 'float32';
      const shape = w.shape.map(Number);
      const size = shape.reduce((a, b) => a * b, 1);
      let quantization: WeightEntry['quantization'];
      let stored = dtype;
      if (isObj(w.quantization)) {
        const q = w.quantization;
        const qd = String(q.dtype);
        if (qd !== 'uint8' && qd !== 'uint16' && qd !== 'float16') {
          throw new UserError(
            `${path}: weight '${w.name}' is quantized as '${qd}', which is not supported (uint8, uint16, float16 are); re-export without that quantization.`,
          );
        }
        quantization = {
          dtype: qd,
          scale: typeof q.scale === 'number' ? q.scale : undefined,
          min: typeof q.min === 'number' ? q.min : undefined,
        };
        if (qd !== 'float16' && (quantization.scale === undefined || quantization.min === undefined)) {
          throw new UserError(`${path}: weight '${w.name}' is quantized as ${qd} without 'scale' and 'min'; re-export the model.`);
        }
        stored = qd;
      }
      const bytes = STORED_BYTES[stored];
      if (bytes === undefined || (dtype !== 'float32' && dtype !== 'int32')) {
        throw new UserError(
          `${path}: weight '${w.name}' has dtype '${dtype}', which is not supported (float32, int32, or uint8/uint16/float16-quantized float32); re-save the model with float32 weights.`,
        );
      }
      const byteLength = size * bytes;
      weights.push({ name: w.name, shape, dtype, quantization, group: gi, offset, byteLength, layer: layerOfWeight(w.name, layerNames) });
      offset += byteLength;
    }
    groups.push({ paths, files: paths.map((p) => resolve(dir, p)), byteLength: offset });
  });
  return { groups, weights };
}

/**
 * The layer a weight belongs to: the name before the last '/' ("conv2d_1/kernel"), or, for
 * names with a scope in front ("model/block1/conv2d_1/kernel"), the longest '/'-suffix of that
 * prefix that is a layer name.
 */
export function layerOfWeight(weightName: string, layerNames: Set<string>): string | null {
  const cut = weightName.lastIndexOf('/');
  if (cut < 0) return null;
  const prefix = weightName.slice(0, cut);
  if (layerNames.has(prefix)) return prefix;
  let i = prefix.indexOf('/');
  while (i >= 0) {
    const tail = prefix.slice(i + 1);
    if (layerNames.has(tail)) return tail;
    i = prefix.indexOf('/', i + 1);
  }
  return null;
}

/** The short role of a weight within its layer: "kernel", "bias", "gamma", ... (strips tfjs "_1" suffixes). */
export function weightRole(weightName: string): string {
  const last = weightName.slice(weightName.lastIndexOf('/') + 1).replace(/:\d+$/, '');
  return last.replace(/_\d+$/, '');
}

/** The manifest entries of one layer. */
export function layerWeights(model: ModelFile, layer: string): WeightEntry[] {
  return model.weights.filter((w) => w.layer === layer);
}

// ---------------------------------------------------------------------------------------------
// Weight files

/**
 * Checks that every weight file exists and is at least as long as the manifest says. Throws a
 * UserError naming the first file that is missing or short.
 */
export async function checkWeightFiles(model: ModelFile): Promise<void> {
  for (const g of model.groups) await groupSizes(model, g);
}

async function groupSizes(model: ModelFile, g: WeightGroup): Promise<number[]> {
  const sizes: number[] = [];
  for (let i = 0; i < g.files.length; i++) {
    try {
      const s = await stat(g.files[i]);
      if (!s.isFile())
        throw new UserError(`${g.files[i]}: weight file listed in ${model.path} is not a file; restore it next to model.json.`);
      sizes.push(s.size);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(
        `${g.files[i]}: weight file listed in ${model.path} not found; copy '${g.paths[i]}' next to model.json, or run with the model.json alone for estimates.`,
      );
    }
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total < g.byteLength) {
    const which = g.files.length === 1 ? g.files[0] : `${g.files.join(' + ')}`;
    throw new UserError(
      `${which}: weight file is shorter than ${basename(model.path)} says (expected ${g.byteLength} bytes, found ${total}); the file is truncated or belongs to another model, re-save the model.`,
    );
  }
  return sizes;
}

/**
 * Reads and decodes weights (all of them, or only those named) as Float32Array, dequantizing
 * uint8/uint16/float16. Weight files are checked for presence and length first.
 */
export async function readWeights(
  model: ModelFile,
  names?: Iterable<string>,
): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const wanted = names ? new Set(names) : null;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const byGroup = new Map<number, WeightEntry[]>();
  for (const w of model.weights) {
    if (wanted && !wanted.has(w.name)) continue;
    const list = byGroup.get(w.group) ?? [];
    list.push(w);
    byGroup.set(w.group, list);
  }
  await checkWeightFiles(model);
  for (const [gi, list] of byGroup) {
    const g = model.groups[gi];
    const parts = (await Promise.all(g.files.map((f) => readFile(f)))).map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    const buf = parts.length === 1 ? parts[0] : concatBytes(parts);
    for (const w of list) out.set(w.name, { shape: w.shape, data: decode(buf, w) });
  }
  return out;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function decode(buf: Uint8Array, w: WeightEntry): Float32Array {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const dv = new DataView(buf.buffer, buf.byteOffset + w.offset, w.byteLength);
  const q = w.quantization;
  if (!q) {
    if (w.dtype === 'int32') for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
    else for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
  } else if (q.dtype === 'float16') {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
  } else {
    const scale = q.scale!;
    const min = q.min!;
    if (q.dtype === 'uint8') for (let i = 0; i < n; i++) out[i] = dv.getUint8(i) * scale + min;
    else for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, true) * scale + min;
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

// ---------------------------------------------------------------------------------------------
// Shape inference

export interface LayerShape {
  name: string;
  className: string;
  /** Shapes of the inputs, in inbound order (for the first layer / InputLayer: the model input). */
  inputShapes: (Shape | null)[];
  /** Null when it cannot be inferred (unsupported layer here or upstream). */
  outputShape: Shape | null;
  /** Why outputShape is null: the first unsupported layer upstream, as a sentence. */
  unknownBecause: string | null;
}

export interface ShapeOptions {
  /** Overrides the model input's height and width. */
  inputSize?: [number, number];
}

/** Layers that pass their single input's shape through unchanged. */
const IDENTITY = new Set([
  'BatchNormalization',
  'LayerNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'PReLU',
  'ELU',
  'ThresholdedReLU',
  'Softmax',
  'Dropout',
  'SpatialDropout2D',
  'AlphaDropout',
  'GaussianDropout',
  'GaussianNoise',
  'ActivityRegularization',
  'Masking',
  'Rescaling',
  'Normalization',
  'Identity',
  'Layer',
]);
const MERGE_SAME = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum']);

/**
 * Infers every layer's input and output shape from the model's input shape. Unsupported
 * layers get a null output shape (and so does everything downstream of them); a layer that
 * needs its input shape (Conv2D, Dense) decides what to do with that — see `analyzeModel`.
 */
export function inferShapes(model: ModelFile, opts: ShapeOptions = {}): Map<string, LayerShape> {
  const out = new Map<string, LayerShape>();
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const file = model.path;

  const modelInput = (l: ModelLayer): Shape => {
    const c = l.config;
    const raw = c.batch_input_shape ?? c.batchInputShape ?? c.batch_shape;
    let shape: Shape | null = null;
    if (Array.isArray(raw)) shape = raw.slice(1).map((v) => (typeof v === 'number' ? v : null));
    else {
      const is = c.input_shape ?? c.inputShape;
      if (Array.isArray(is)) shape = is.map((v) => (typeof v === 'number' ? v : null));
    }
    if (!shape) {
      throw new UserError(
        `${file}: the model has no input shape (layer '${l.name}' has no batch_input_shape and there is no InputLayer); re-save the model with an input shape (e.g. inputShape: [28, 28, 1] on the first layer).`,
      );
    }
    if (opts.inputSize && shape.length === 3) shape = [opts.inputSize[0], opts.inputSize[1], shape[2]!];
    return shape;
  };

  const visit = (l: ModelLayer, stack: Set<string>): LayerShape => {
    const done = out.get(l.name);
    if (done) return done;
    if (stack.has(l.name))
      throw new UserError(`${file}: layer '${l.name}' is part of a cycle in inbound_nodes; the topology is malformed, re-save the model.`);
    stack.add(l.name);
    let inputShapes: (Shape | null)[];
    let because: string | null = null;
    if (l.className === 'InputLayer' || l.inbound.length === 0) {
      inputShapes = [modelInput(l)];
    } else {
      inputShapes = l.inbound.map((n) => {
        const src = byName.get(n);
        if (!src)
          throw new UserError(
            `${file}: layer '${l.name}' takes its input from '${n}', which is not a layer of the model; re-save the model.`,
          );
        const s = visit(src, stack);
        if (!s.outputShape && !because) because = s.unknownBecause;
        return s.outputShape;
      });
    }
    let outputShape: Shape | null = null;
    if (l.className === 'InputLayer') outputShape = inputShapes[0]!;
    else if (inputShapes.every((s) => s !== null)) {
      const r = layerOutput(l, inputShapes, file);
      if (typeof r === 'string') because = r;
      else outputShape = r;
    }
    const res: LayerShape = {
      name: l.name,
      className: l.className,
      inputShapes,
      outputShape,
      unknownBecause: outputShape ? null : because,
    };
    out.set(l.name, res);
    stack.delete(l.name);
    return res;
  };

  for (const l of model.layers) visit(l, new Set());
  return out;
}

const num = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);
const pair = (v: unknown, d: number): [number, number] => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length >= 2) return [num(v[0], d), num(v[1], d)];
  if (Array.isArray(v) && v.length === 1) return [num(v[0], d), num(v[0], d)];
  return [d, d];
};

/** Output size of a conv/pool along one axis (tfjs/Keras formula). */
export function convOutSize(size: number | null, k: number, s: number, d: number, padding: Padding): number | null {
  if (size === null) return null;
  return padding === 'same' ? Math.ceil(size / s) : Math.ceil((size - (k - 1) * d) / s);
}

function paddingOf(l: ModelLayer, file: string, dflt: Padding): Padding {
  const p = l.config.padding ?? dflt;
  if (p === 'same' || p === 'valid') return p;
  throw new UserError(`${file}: layer '${l.name}' (${l.className}) has padding '${String(p)}'; only 'same' and 'valid' are supported.`);
}

function checkChannelsLast(l: ModelLayer, file: string): void {
  const f = l.config.data_format ?? l.config.dataFormat;
  if (f === 'channels_first') {
    throw new UserError(
      `${file}: layer '${l.name}' (${l.className}) uses data_format 'channels_first'; only channels_last (NHWC) models are supported, re-save the model with channels_last.`,
    );
  }
}

function need3(l: ModelLayer, s: Shape, file: string): [number | null, number | null, number | null] {
  if (s.length !== 3)
    throw new UserError(
      `${file}: layer '${l.name}' (${l.className}) expects an image input [H, W, C] but gets shape [${s.join(', ')}]; check the model's input shape.`,
    );
  return [s[0]!, s[1]!, s[2]!];
}

function checkPositive(l: ModelLayer, h: number | null, w: number | null, file: string): void {
  if ((h !== null && h <= 0) || (w !== null && w <= 0)) {
    throw new UserError(
      `${file}: layer '${l.name}' (${l.className}) would produce an empty ${h}x${w} output; its input is smaller than its kernel, use a larger input size.`,
    );
  }
}

/** The output shape of one layer, or a sentence saying why it is unknown. */
function layerOutput(l: ModelLayer, ins: Shape[], file: string): Shape | string {
  const c = l.config;
  const cls = l.className;
  const x = ins[0];
  if (ins.length === 0) return `layer '${l.name}' (${cls}) has no inputs`;
  switch (cls) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      checkChannelsLast(l, file);
      const [h, w, ch] = need3(l, x, file);
      const [kh, kw] = pair(c.kernel_size ?? c.kernelSize, 1);
      const [sh, sw] = pair(c.strides, 1);
      const [dh, dw] = pair(c.dilation_rate ?? c.dilationRate, 1);
      const pad = paddingOf(l, file, 'valid');
      const oh = convOutSize(h, kh, sh, dh, pad);
      const ow = convOutSize(w, kw, sw, dw, pad);
      checkPositive(l, oh, ow, file);
      const co = cls === 'DepthwiseConv2D' ? (ch === null ? null : ch * num(c.depth_multiplier, 1)) : num(c.filters, NaN);
      if (Number.isNaN(co)) return `layer '${l.name}' (${cls}) has no 'filters'`;
      return [oh, ow, co];
    }
    case 'Conv2DTranspose': {
      checkChannelsLast(l, file);
      const [h, w] = need3(l, x, file);
      const [kh, kw] = pair(c.kernel_size, 1);
      const [sh, sw] = pair(c.strides, 1);
      const [dh, dw] = pair(c.dilation_rate, 1);
      const pad = paddingOf(l, file, 'valid');
      const up = (n: number | null, k: number, s: number, d: number): number | null =>
        n === null ? null : pad === 'same' ? n * s : (n - 1) * s + (k - 1) * d + 1;
      return [up(h, kh, sh, dh), up(w, kw, sw, dw), num(c.filters, 0)];
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D':
    case 'MaxPool2D':
    case 'AvgPool2D': {
      checkChannelsLast(l, file);
      const [h, w, ch] = need3(l, x, file);
      const [ph, pw] = pair(c.pool_size ?? c.poolSize, 2);
      const st = c.strides ?? null;
      const [sh, sw] = st === null ? [ph, pw] : pair(st, 1);
      const pad = paddingOf(l, file, 'valid');
      const oh = convOutSize(h, ph, sh, 1, pad);
      const ow = convOutSize(w, pw, sw, 1, pad);
      checkPositive(l, oh, ow, file);
      return [oh, ow, ch];
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
    case 'GlobalAvgPool2D':
    case 'GlobalMaxPool2D': {
      checkChannelsLast(l, file);
      const [, , ch] = need3(l, x, file);
      return c.keepdims === true ? [1, 1, ch] : [ch];
    }
    case 'ZeroPadding2D': {
      checkChannelsLast(l, file);
      const [h, w, ch] = need3(l, x, file);
      const p = c.padding ?? 1;
      let t = 1,
        b = 1,
        le = 1,
        r = 1;
      if (typeof p === 'number') t = b = le = r = p;
      else if (Array.isArray(p) && typeof p[0] === 'number') {
        t = b = num(p[0], 0);
        le = r = num(p[1], 0);
      } else if (Array.isArray(p) && Array.isArray(p[0]) && Array.isArray(p[1])) {
        [t, b] = [num(p[0][0], 0), num(p[0][1], 0)];
        [le, r] = [num(p[1][0], 0), num(p[1][1], 0)];
      }
      return [h === null ? null : h + t + b, w === null ? null : w + le + r, ch];
    }
    case 'Cropping2D': {
      checkChannelsLast(l, file);
      const [h, w, ch] = need3(l, x, file);
      const p = c.cropping ?? 0;
      let t = 0,
        b = 0,
        le = 0,
        r = 0;
      if (typeof p === 'number') t = b = le = r = p;
      else if (Array.isArray(p) && typeof p[0] === 'number') {
        t = b = num(p[0], 0);
        le = r = num(p[1], 0);
      } else if (Array.isArray(p) && Array.isArray(p[0]) && Array.isArray(p[1])) {
        [t, b] = [num(p[0][0], 0), num(p[0][1], 0)];
        [le, r] = [num(p[1][0], 0), num(p[1][1], 0)];
      }
      return [h === null ? null : h - t - b, w === null ? null : w - le - r, ch];
    }
    case 'UpSampling2D': {
      checkChannelsLast(l, file);
      const [h, w, ch] = need3(l, x, file);
      const [fh, fw] = pair(c.size, 2);
      return [h === null ? null : h * fh, w === null ? null : w * fw, ch];
    }
    case 'Flatten': {
      if (x.some((v) => v === null))
        return `layer '${l.name}' (Flatten) gets an input of unknown size [${x.join(', ')}]; pass --input-size HxW`;
      return [(x as number[]).reduce((a, b) => a * b, 1)];
    }
    case 'Reshape': {
      const t = c.target_shape ?? c.targetShape;
      if (!Array.isArray(t)) return `layer '${l.name}' (Reshape) has no target_shape`;
      const total = x.every((v) => v !== null) ? x.reduce((a, b) => a * b, 1) : null;
      const known = t.filter((v) => typeof v === 'number' && v > 0).reduce((a: number, b: number) => a * b, 1);
      return t.map((v) => (typeof v === 'number' && v > 0 ? v : total === null ? null : total / known));
    }
    case 'Dense': {
      const units = num(c.units, NaN);
      if (Number.isNaN(units)) return `layer '${l.name}' (Dense) has no 'units'`;
      return [...x.slice(0, -1), units];
    }
    case 'Concatenate': {
      const rank = x.length;
      let axis = num(c.axis, -1);
      if (axis < 0) axis += rank;
      if (axis < 0 || axis >= rank) return `layer '${l.name}' (Concatenate) has axis ${String(c.axis)} outside its inputs' rank ${rank}`;
      const res = x.slice();
      for (const s of ins.slice(1)) {
        if (s.length !== rank)
          throw new UserError(
            `${file}: layer '${l.name}' (Concatenate) joins inputs of different ranks ([${x.join(', ')}] and [${s.join(', ')}]); the model is inconsistent.`,
          );
        for (let d = 0; d < rank; d++) {
          if (d === axis) res[d] = res[d] === null || s[d] === null ? null : res[d]! + s[d]!;
          else if (res[d] !== null && s[d] !== null && res[d] !== s[d]) {
            throw new UserError(
              `${file}: layer '${l.name}' (Concatenate) joins [${x.join(', ')}] with [${s.join(', ')}], which differ off the concatenation axis; the model is inconsistent.`,
            );
          }
        }
      }
      return res;
    }
    default:
      if (IDENTITY.has(cls)) return x.slice();
      if (MERGE_SAME.has(cls)) {
        for (const s of ins.slice(1)) {
          const same = s.length === x.length && s.every((v, i) => v === null || x[i] === null || v === x[i]);
          if (!same)
            throw new UserError(
              `${file}: layer '${l.name}' (${cls}) merges inputs of different shapes ([${x.join(', ')}] and [${s.join(', ')}]); the model is inconsistent.`,
            );
        }
        return x.map((v, i) => v ?? ins.find((s) => s[i] !== null)?.[i] ?? null);
      }
      return `layer '${l.name}' (${cls}) is not supported for shape inference`;
  }
}
