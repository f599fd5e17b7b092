// Infers every layer's input/output shape of a TensorFlow.js Layers model (as read by
// modelJson.ts) from the model's input shape, without TensorFlow.js.
//
// Shapes here never include the batch dimension: [H, W, C] for images, [N] for vectors.
import { UserError } from '../core/userError';
import type { ModelFile, ModelLayer } from './modelJson';

/** A layer's output shape without the batch dimension; null entries are unknown sizes. */
export type Shape = (number | null)[];

export type Padding = 'same' | 'valid';

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
