// `tf.sequential()` models in TypeScript/JavaScript source, read statically for the code lenses:
// models built from `tf.layers.xxx({...})` calls (`model.add(...)` chains or
// `tf.sequential({layers: [...]})`), over the tokens of jsTokenizer.ts. Literal options (and
// `const` literals) are followed; anything else stops the chain at that layer, with the reason.
// Pure: no vscode, no tfjs. Offsets are UTF-16 indices into the text (what vscode's positionAt takes).
import type { ModelFile, ModelLayer } from '../modelJson';
import { tokenize, type Tok } from './jsTokenizer';

/** A literal option value; DYNAMIC stands for anything that is not a literal. */
export type Literal = number | string | boolean | null | Literal[] | { [k: string]: Literal };

export interface SourceLayer {
  /** The factory called: `conv2d` in `tf.layers.conv2d({...})`; null when the argument of `add` is not such a call. */
  fn: string | null;
  /** Keras/tfjs class name (`Conv2D`), or null when not a known layer factory. */
  className: string | null;
  /** Range of the whole call expression (`tf.layers.conv2d({...})`) or of the unknown expression. */
  start: number;
  end: number;
  /** Literal options. */
  config: Record<string, Literal>;
  /** Options whose values are not literals ('...' for a spread). */
  dynamic: string[];
}

export interface SourceModel {
  /** Range of the `tf.sequential(...)` call. */
  start: number;
  end: number;
  /** The variable it is assigned to ("model", "this.net"), if any. */
  binding: string | null;
  layers: SourceLayer[];
}

/** tf.layers factory -> class name (the layers that shape inference understands). */
const LAYER_CLASSES: Record<string, string> = {
  conv2d: 'Conv2D',
  dense: 'Dense',
  depthwiseConv2d: 'DepthwiseConv2D',
  separableConv2d: 'SeparableConv2D',
  conv2dTranspose: 'Conv2DTranspose',
  maxPooling2d: 'MaxPooling2D',
  maxPool2d: 'MaxPooling2D',
  averagePooling2d: 'AveragePooling2D',
  avgPool2d: 'AveragePooling2D',
  avgPooling2d: 'AveragePooling2D',
  globalAveragePooling2d: 'GlobalAveragePooling2D',
  globalMaxPooling2d: 'GlobalMaxPooling2D',
  globalAvgPool2d: 'GlobalAveragePooling2D',
  globalMaxPool2d: 'GlobalMaxPooling2D',
  flatten: 'Flatten',
  reshape: 'Reshape',
  dropout: 'Dropout',
  spatialDropout2d: 'SpatialDropout2D',
  batchNormalization: 'BatchNormalization',
  layerNormalization: 'LayerNormalization',
  activation: 'Activation',
  reLU: 'ReLU',
  leakyReLU: 'LeakyReLU',
  elu: 'ELU',
  prelu: 'PReLU',
  softmax: 'Softmax',
  thresholdedReLU: 'ThresholdedReLU',
  zeroPadding2d: 'ZeroPadding2D',
  cropping2D: 'Cropping2D',
  cropping2d: 'Cropping2D',
  upSampling2d: 'UpSampling2D',
  gaussianNoise: 'GaussianNoise',
  gaussianDropout: 'GaussianDropout',
  alphaDropout: 'AlphaDropout',
  inputLayer: 'InputLayer',
};

/** Options that change a layer's output shape or kernel: a non-literal one stops the chain. */
const SHAPE_KEYS = new Set([
  'filters',
  'units',
  'kernelSize',
  'strides',
  'padding',
  'dilationRate',
  'inputShape',
  'batchInputShape',
  'poolSize',
  'targetShape',
  'cropping',
  'size',
  'depthMultiplier',
  'dataFormat',
  'groups',
  'kernel_size',
  'input_shape',
  'batch_input_shape',
  '...',
]);

class Parser {
  private consts = new Map<string, Literal>();
  constructor(private readonly t: Tok[]) {}

  at(i: number, text: string): boolean {
    return this.t[i]?.text === text && this.t[i].kind !== 'str';
  }

  /** Index after the bracket matching the one at i ('(' '[' '{'). */
  matching(i: number): number {
    let depth = 0;
    for (let k = i; k < this.t.length; k++) {
      const x = this.t[k];
      if (x.kind !== 'punct') continue;
      if (x.text === '(' || x.text === '[' || x.text === '{') depth++;
      else if (x.text === ')' || x.text === ']' || x.text === '}') {
        depth--;
        if (depth === 0) return k + 1;
      }
    }
    return this.t.length;
  }

  /** Skips one expression (up to ',' or a closing bracket at depth 0); returns the index of that token. */
  skipExpr(i: number): number {
    let k = i;
    while (k < this.t.length) {
      const x = this.t[k];
      if (x.kind === 'punct') {
        if (x.text === ',' || x.text === ')' || x.text === ']' || x.text === '}' || x.text === ';') return k;
        if (x.text === '(' || x.text === '[' || x.text === '{') {
          k = this.matching(k);
          continue;
        }
      }
      k++;
    }
    return k;
  }

  /** A literal at i (numbers, strings, booleans, null, arrays and objects of them, `const` names). */
  literal(i: number): { value: Literal; next: number } | null {
    const x = this.t[i];
    if (!x) return null;
    let r: { value: Literal; next: number } | null = null;
    if (x.kind === 'num') r = { value: Number(x.text.replace(/_/g, '').replace(/n$/, '')), next: i + 1 };
    else if (x.kind === 'punct' && x.text === '-' && this.t[i + 1]?.kind === 'num')
      r = { value: -Number(this.t[i + 1].text.replace(/_/g, '')), next: i + 2 };
    else if (x.kind === 'str') r = { value: unquote(x.text), next: i + 1 };
    else if (x.kind === 'template' && !x.text.includes('${')) r = { value: x.text.slice(1, -1), next: i + 1 };
    else if (x.kind === 'ident' && (x.text === 'true' || x.text === 'false')) r = { value: x.text === 'true', next: i + 1 };
    else if (x.kind === 'ident' && (x.text === 'null' || x.text === 'undefined')) r = { value: null, next: i + 1 };
    else if (x.kind === 'ident' && this.consts.has(x.text) && !this.at(i + 1, '.') && !this.at(i + 1, '(') && !this.at(i + 1, '['))
      r = { value: this.consts.get(x.text)!, next: i + 1 };
    else if (x.kind === 'punct' && x.text === '[') {
      const items: Literal[] = [];
      let k = i + 1;
      while (!this.at(k, ']')) {
        const v = this.literal(k);
        if (!v) return null;
        items.push(v.value);
        k = v.next;
        if (this.at(k, ',')) k++;
        else if (!this.at(k, ']')) return null;
      }
      r = { value: items, next: k + 1 };
    } else if (x.kind === 'punct' && x.text === '{') {
      const o = this.object(i);
      if (o.dynamic.length) return null;
      r = { value: o.config, next: o.next };
    }
    if (!r) return null;
    // `32 as const`, `[3, 3] as [number, number]`
    if (this.at(r.next, 'as') || this.at(r.next, 'satisfies')) {
      const end = this.skipExpr(r.next + 1);
      r = { value: r.value, next: end };
    }
    return r;
  }

  /** An object literal at i ('{'): literal options and the names of the others. */
  object(i: number): { config: Record<string, Literal>; dynamic: string[]; next: number } {
    const config: Record<string, Literal> = {};
    const dynamic: string[] = [];
    let k = i + 1;
    while (k < this.t.length && !this.at(k, '}')) {
      if (this.at(k, '...')) {
        dynamic.push('...');
        k = this.skipExpr(k + 1);
      } else {
        const key = this.t[k];
        let name: string;
        if (key.kind === 'ident' || key.kind === 'num') name = key.text;
        else if (key.kind === 'str') name = unquote(key.text);
        else if (key.kind === 'punct' && key.text === '[') {
          // computed key
          k = this.matching(k);
          dynamic.push('[computed]');
          if (this.at(k, ':')) k = this.skipExpr(k + 1);
          if (this.at(k, ',')) k++;
          continue;
        } else {
          k = this.skipExpr(k + 1);
          if (this.at(k, ',')) k++;
          continue;
        }
        k++;
        if (this.at(k, ':')) {
          const v = this.literal(k + 1);
          const end = this.skipExpr(k + 1);
          if (v && v.next === end) config[name] = v.value;
          else dynamic.push(name);
          k = end;
        } else if (this.at(k, '(')) {
          // method
          dynamic.push(name);
          k = this.skipExpr(k);
        } else {
          // shorthand `{ filters }`
          const c = this.consts.get(name);
          if (c !== undefined) config[name] = c;
          else dynamic.push(name);
        }
      }
      if (this.at(k, ',')) k++;
      else if (!this.at(k, '}')) k = this.skipExpr(k);
    }
    return { config, dynamic, next: Math.min(k + 1, this.t.length) };
  }

  /** `[X.]layers.fn(` starting at i: the index of fn, or -1. */
  layerCallAt(i: number): number {
    let k = i;
    if (this.t[k]?.kind === 'ident' && this.at(k + 1, '.') && this.t[k + 2]?.text === 'layers') k += 2;
    if (this.t[k]?.text === 'layers' && this.at(k + 1, '.') && this.t[k + 2]?.kind === 'ident' && this.at(k + 3, '(')) return k + 2;
    return -1;
  }

  /** One layer expression at i (an `add` argument or an element of `layers: [...]`). */
  layer(i: number): { layer: SourceLayer; next: number } {
    const fnAt = this.layerCallAt(i);
    const end = this.skipExpr(i);
    const x = this.t[i];
    const last = this.t[Math.max(i, end - 1)];
    const start = x?.start ?? 0;
    const stop = last?.end ?? start;
    if (fnAt < 0 || this.matching(fnAt + 1) !== end) {
      return { layer: { fn: null, className: null, start, end: stop, config: {}, dynamic: [] }, next: end };
    }
    const fn = this.t[fnAt].text;
    let config: Record<string, Literal> = {};
    let dynamic: string[] = [];
    const argAt = fnAt + 2;
    if (this.at(argAt, '{')) {
      const o = this.object(argAt);
      config = o.config;
      dynamic = o.dynamic;
      if (!this.at(o.next, ')') && !this.at(o.next, ',')) dynamic.push('(arguments)');
    } else if (!this.at(argAt, ')')) {
      const v = this.literal(argAt);
      if (v?.value && typeof v.value === 'object' && !Array.isArray(v.value)) config = v.value;
      else dynamic.push('(arguments)');
    }
    return { layer: { fn, className: LAYER_CLASSES[fn] ?? null, start, end: stop, config, dynamic }, next: end };
  }

  collectConsts(): void {
    const t = this.t;
    for (let k = 0; k + 3 < t.length; k++) {
      if (!(t[k].kind === 'ident' && (t[k].text === 'const' || t[k].text === 'let' || t[k].text === 'var'))) continue;
      const id = t[k + 1];
      if (id.kind !== 'ident') continue;
      let eq = k + 2;
      if (this.at(eq, ':')) {
        // `const f: number = 32`
        while (eq < t.length && !this.at(eq, '=') && !this.at(eq, ';')) eq++;
      }
      if (!this.at(eq, '=')) continue;
      const v = this.literal(eq + 1);
      if (!v) continue;
      const after = t[v.next];
      if (
        after === undefined ||
        this.at(v.next, ';') ||
        this.at(v.next, ',') ||
        (after.kind === 'ident' && after.start > t[v.next - 1].end)
      ) {
        if (t[k].text === 'const') this.consts.set(id.text, v.value);
      }
    }
  }

  /** The variable `tf.sequential(...)` at index `callStart` is assigned to. */
  binding(callStart: number): string | null {
    let k = callStart - 1;
    if (!this.at(k, '=')) return null;
    k--;
    // `const model: tf.Sequential = ...`: walk back over the type to the declared name.
    let typed = -1;
    for (let j = k; j >= 0 && j > k - 12; j--) {
      if (this.at(j, ';') || this.at(j, '{') || this.at(j, '}')) break;
      if (this.at(j, ':') && this.t[j - 1]?.kind === 'ident' && ['const', 'let', 'var'].includes(this.t[j - 2]?.text ?? '')) {
        typed = j - 1;
        break;
      }
    }
    if (typed >= 0) return this.t[typed].text;
    const parts: string[] = [];
    while (k >= 0 && this.t[k].kind === 'ident') {
      parts.unshift(this.t[k].text);
      if (this.at(k - 1, '.')) k -= 2;
      else break;
    }
    return parts.length ? parts.join('.') : null;
  }

  models(): SourceModel[] {
    this.collectConsts();
    const t = this.t;
    const out: SourceModel[] = [];
    for (let k = 0; k < t.length; k++) {
      if (t[k].text !== 'sequential' || t[k].kind !== 'ident' || !this.at(k + 1, '(')) continue;
      let callStart = k;
      if (this.at(k - 1, '.')) {
        if (t[k - 2]?.kind !== 'ident') continue;
        callStart = k - 2;
      } else if (t[k - 1]?.text === 'function' || this.at(k - 1, '.')) continue;
      const callEnd = this.matching(k + 1);
      const model: SourceModel = { start: t[callStart].start, end: t[callEnd - 1].end, binding: this.binding(callStart), layers: [] };
      if (this.at(k + 2, '{')) {
        const objEnd = this.matching(k + 2);
        for (let j = k + 3; j < objEnd; j++) {
          if (t[j].text === 'layers' && this.at(j + 1, ':') && this.at(j + 2, '[')) {
            const arrEnd = this.matching(j + 2) - 1;
            let e = j + 3;
            while (e < arrEnd) {
              const l = this.layer(e);
              model.layers.push(l.layer);
              e = l.next;
              if (this.at(e, ',')) e++;
              else break;
            }
            break;
          }
          if (this.at(j, '{') || this.at(j, '[') || this.at(j, '(')) j = this.matching(j) - 1;
        }
      }
      if (model.binding) this.adds(model, callEnd);
      out.push(model);
      k = callEnd - 1;
    }
    return out;
  }

  /** `binding.add(layer)` statements after the model's creation, until the name is assigned again. */
  private adds(model: SourceModel, from: number): void {
    const path = model.binding!.split('.');
    const t = this.t;
    for (let k = from; k < t.length; k++) {
      let m = 0;
      while (m < path.length && t[k + 2 * m]?.text === path[m] && (m === path.length - 1 || this.at(k + 2 * m + 1, '.'))) m++;
      if (m < path.length || this.at(k - 1, '.')) continue;
      const after = k + 2 * path.length - 1;
      if (this.at(after, '=')) return; // reassigned
      if (this.at(after, '.') && t[after + 1]?.text === 'add' && this.at(after + 2, '(')) {
        const l = this.layer(after + 3);
        model.layers.push(l.layer);
        k = l.next;
      }
    }
  }
}

function unquote(s: string): string {
  const body = s.slice(1, s.length - (s.length > 1 && s[s.length - 1] === s[0] ? 1 : 0));
  return body.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
    if (e[0] === 'u') return String.fromCodePoint(parseInt(e.replace(/[u{}]/g, ''), 16));
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}

/** Quick test: could this source define a tf.sequential model? */
export function looksLikeSequentialSource(text: string): boolean {
  return text.includes('sequential') && text.includes('layers');
}

/** Every `tf.sequential(...)` model in a TS/JS source text, with its layer calls. Never throws. */
export function sequentialModels(text: string): SourceModel[] {
  return new Parser(tokenize(text)).models();
}

/** A source model as a model file for analyzeParsedModel, cut at the first layer whose shapes cannot be followed. */
export interface SourceModelFile {
  model: ModelFile;
  /** The model file's layer names, in order, for the layers kept (same indices as SourceModel.layers). */
  names: string[];
  /** Index of the first layer not followed, or null when all are. */
  cutAt: number | null;
  /** Why the chain stops there (one sentence). */
  cutReason: string | null;
}

export function sourceModelToModelFile(sm: SourceModel, path: string): SourceModelFile {
  const layers: ModelLayer[] = [];
  const names: string[] = [];
  const used = new Set<string>();
  const counts = new Map<string, number>();
  let cutAt: number | null = null;
  let cutReason: string | null = null;
  for (let i = 0; i < sm.layers.length; i++) {
    const l = sm.layers[i];
    if (!l.className) {
      cutAt = i;
      cutReason = l.fn ? `layers.${l.fn}() is not followed statically` : 'this layer is not a tf.layers.xxx({...}) call';
      break;
    }
    const bad = l.dynamic.filter((k) => SHAPE_KEYS.has(k) || k === '(arguments)' || k === '[computed]');
    if (bad.length) {
      cutAt = i;
      const what = bad.map((k) => (k === '...' ? 'a spread (...)' : k === '(arguments)' ? 'its argument' : `'${k}'`)).join(', ');
      cutReason = `${what} ${bad.length > 1 ? 'are' : 'is'} not a literal value, so shapes are not followed from here`;
      break;
    }
    const k = (counts.get(l.fn!) ?? 0) + 1;
    counts.set(l.fn!, k);
    const name = typeof l.config.name === 'string' && l.config.name ? l.config.name : `${l.fn}_${k}`;
    const unique = used.has(name) ? `${name}_${i}` : name;
    names.push(unique);
    used.add(unique);
    layers.push({ name: unique, className: l.className, config: { ...l.config, name: unique }, inbound: i > 0 ? [names[i - 1]] : [] });
  }
  const model: ModelFile = {
    path,
    format: 'layers-model',
    topology: 'Sequential',
    layers,
    inputLayers: layers.length ? [layers[0].name] : [],
    outputLayers: layers.length ? [layers[layers.length - 1].name] : [],
    groups: [],
    weights: [],
  };
  return { model, names, cutAt, cutReason };
}
