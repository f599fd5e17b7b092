// The weights of a TensorFlow.js Layers model without TensorFlow.js: the model.json's
// weightsManifest (entries, groups of shard files, which layer each weight belongs to), and the
// weight files themselves (presence and length checks; reading, dequantizing uint8/uint16/float16).
import { realpathSync, statSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, resolve, basename, isAbsolute, sep, win32 } from 'node:path';
import { UserError } from '../core/userError';
import type { ModelFile, ModelLayer } from './modelJson';

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

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Bytes per stored element. */
const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

// ---------------------------------------------------------------------------------------------
// weightsManifest

/**
 * Parses model.json's `weightsManifest` (absent: no weights): byte ranges of every weight and the
 * layer it belongs to. `path` is the model.json's (messages, resolving shard files).
 */
export function parseManifest(m: unknown, path: string, layers: ModelLayer[]): { groups: WeightGroup[]; weights: WeightEntry[] } {
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
    for (const p of paths) {
      const why = weightPathProblem(p, dir);
      if (why)
        throw new UserError(
          `${path}: weightsManifest[${gi}] names '${p}', ${why}; weight files must lie in the model's own folder, next to model.json (it was not read).`,
        );
    }
    let offset = 0;
    for (const w of g.weights) {
      if (!isObj(w) || typeof w.name !== 'string' || !Array.isArray(w.shape)) {
        throw new UserError(`${path}: weightsManifest[${gi}] has a weight without 'name' and 'shape'; re-save the model.`);
      }
      const dtype = typeof w.dtype === 'string' ? w.dtype : 'float32';
      const shape = w.shape.map(Number);
      if (shape.some((d) => !Number.isSafeInteger(d) || d < 0))
        throw new UserError(
          `${path}: weight '${w.name}' has the shape [${w.shape.join(', ')}]; dimensions must be whole numbers ≥ 0; re-save the model.`,
        );
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
 * Why a weight path from a manifest must not be read, or null: the file must lie in the model's
 * folder (or below it), named relative to it — never absolute, never through '..', never a
 * Windows network (UNC) path or a URL. A model.json from anywhere cannot make us read (or watch)
 * another file of the machine or open a network connection.
 */
export function weightPathProblem(p: string, modelDir: string): string | null {
  if (p.trim() === '') return 'an empty path';
  if (p.includes('\0')) return 'a path with a NUL character';
  if (/^[\\/]{2}/.test(p)) return 'a network (UNC) path';
  if (isAbsolute(p) || win32.isAbsolute(p) || /^[a-zA-Z]:/.test(p)) return 'an absolute path';
  if (/^[a-zA-Z][\w+.-]*:/.test(p)) return 'a URL';
  if (p.split(/[\\/]/).includes('..')) return "a path that leaves the model's folder ('..')";
  const full = resolve(modelDir, p);
  if (!full.startsWith(modelDir.endsWith(sep) ? modelDir : modelDir + sep)) return "a path outside the model's folder";
  return null;
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

/** The file operations weights are read with (injected by tests to see what is opened). */
export interface WeightIO {
  stat(file: string): Promise<{ size: number; isFile(): boolean }>;
  realpath(file: string): Promise<string>;
  readFile(file: string): Promise<Uint8Array>;
}

export const nodeWeightIO: WeightIO = { stat, realpath, readFile };

/**
 * Checks that every weight file exists, lies in the model's folder after following links, and is
 * exactly as long as the manifest says — so reading never takes more memory than the model
 * declares. Throws a UserError naming the first file that is not; nothing is read.
 */
export async function checkWeightFiles(model: ModelFile, io: WeightIO = nodeWeightIO): Promise<void> {
  for (const g of model.groups) await groupSizes(model, g, io);
}

async function groupSizes(model: ModelFile, g: WeightGroup, io: WeightIO): Promise<number[]> {
  const sizes: number[] = [];
  let dirReal: string | null = null;
  for (let i = 0; i < g.files.length; i++) {
    try {
      const s = await io.stat(g.files[i]);
      if (!s.isFile()) throw notAFile(model, g, i);
      dirReal ??= await io.realpath(dirname(resolve(model.path)));
      const real = await io.realpath(g.files[i]);
      if (!inside(real, dirReal)) throw linkedOutside(model, g, i, real);
      sizes.push(s.size);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw notFound(model, g, i);
    }
  }
  checkGroupSize(model, g, sizes);
  return sizes;
}

/** checkWeightFiles for callers that cannot wait (the CLI's flag checks). */
export function checkWeightFilesSync(model: ModelFile): void {
  const dirReal = realpathSync(dirname(resolve(model.path)));
  for (const g of model.groups) {
    const sizes = g.files.map((f, i) => {
      let st;
      try {
        st = statSync(f);
      } catch {
        throw notFound(model, g, i);
      }
      if (!st.isFile()) throw notAFile(model, g, i);
      const real = realpathSync(f);
      if (!inside(real, dirReal)) throw linkedOutside(model, g, i, real);
      return st.size;
    });
    checkGroupSize(model, g, sizes);
  }
}

const inside = (file: string, dir: string) => file.startsWith(dir.endsWith(sep) ? dir : dir + sep);

const notAFile = (model: ModelFile, g: WeightGroup, i: number) =>
  new UserError(`${g.files[i]}: weight file listed in ${model.path} is not a file; restore it next to model.json.`);

const notFound = (model: ModelFile, g: WeightGroup, i: number) =>
  new UserError(
    `${g.files[i]}: weight file listed in ${model.path} not found; copy '${g.paths[i]}' next to model.json, or run with the model.json alone for estimates.`,
  );

const linkedOutside = (model: ModelFile, g: WeightGroup, i: number, real: string) =>
  new UserError(
    `${g.files[i]}: weight file listed in ${model.path} is a link to ${real}, outside the model's folder; copy the file itself next to model.json (it was not read).`,
  );

/** The files of a group must be exactly as long as the manifest says: no more is ever read. */
function checkGroupSize(model: ModelFile, g: WeightGroup, sizes: number[]): void {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === g.byteLength) return;
  const which = g.files.length === 1 ? g.files[0] : `${g.files.join(' + ')}`;
  throw new UserError(
    total < g.byteLength
      ? `${which}: weight file is shorter than ${basename(model.path)} says (expected ${g.byteLength} bytes, found ${total}); the file is truncated or belongs to another model, re-save the model.`
      : `${which}: weight file is longer than ${basename(model.path)} says (expected ${g.byteLength} bytes, found ${total}); it belongs to another model or the manifest is wrong, re-save the model (it was not read).`,
  );
}

/**
 * Reads and decodes weights (all of them, or only those named) as Float32Array, dequantizing
 * uint8/uint16/float16. Weight files are checked first (checkWeightFiles): only files of the
 * declared sizes inside the model's folder are read.
 */
export async function readWeights(
  model: ModelFile,
  names?: Iterable<string>,
  io: WeightIO = nodeWeightIO,
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
  await checkWeightFiles(model, io);
  for (const [gi, list] of byGroup) {
    const g = model.groups[gi];
    const parts = (await Promise.all(g.files.map((f) => io.readFile(f)))).map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
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
