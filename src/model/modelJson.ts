// Reads a TensorFlow.js Layers model.json without TensorFlow.js: plain JSON and fs, so the VS Code
// extension can use it cheaply (code lenses). Parses the topology (Sequential and functional,
// Keras-nested under model_config, Keras 2 and 3 inbound_nodes); the weights manifest is read by
// weights.ts, the weight files too; shapes.ts infers every layer's input/output shape.
import { readFile } from 'node:fs/promises';
import { UserError } from '../core/userError';
import { findJsonError } from './source/jsonError';
import { parseManifest, type WeightEntry, type WeightGroup } from './weights';

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
