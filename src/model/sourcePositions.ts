// Where a model's layers are written in its source text, for the code lenses:
//  - in a TensorFlow.js Layers model.json: the text range of each layer object (a small JSON
//    scanner that keeps offsets; JSON.parse keeps none);
//  - in TypeScript/JavaScript: `tf.sequential()` models built from `tf.layers.xxx({...})` calls
//    (`model.add(...)` chains or `tf.sequential({layers: [...]})`), read statically with a small
//    tokenizer. Literal options (and `const` literals) are followed; anything else stops the
//    chain at that layer, with the reason.
// Pure: no vscode, no tfjs. Offsets are UTF-16 indices into the text (what vscode's positionAt takes).
import type { ModelFile, ModelLayer } from './modelJson';

// ---------------------------------------------------------------------------------------------
// JSON

interface JsonNode {
  kind: 'object' | 'array' | 'string' | 'number' | 'literal';
  start: number;
  end: number;
  props?: { key: string; keyStart: number; value: JsonNode }[];
  items?: JsonNode[];
  value?: string | number | boolean | null;
}

export class JsonScanError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** Parses JSON into a tree with offsets. Throws JsonScanError at the first syntax error. */
export function scanJson(text: string): JsonNode {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  const fail = (what: string): never => {
    throw new JsonScanError(i >= n ? `unexpected end of the file (${what})` : `unexpected '${text[i]}' (${what})`, Math.min(i, n));
  };
  const str = (): string => {
    const start = ++i;
    let out = '';
    let from = start;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(from, i);
        i++;
        return out;
      }
      if (c === 92) {
        out += text.slice(from, i);
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) { i++; fail('bad \\u escape'); }
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else {
          const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
          if (e === undefined || !(e in map)) { i++; fail('bad escape in a string'); }
          out += map[e!];
          i += 2;
        }
        from = i;
        continue;
      }
      if (c < 32) fail('control character in a string');
      i++;
    }
    return fail('unterminated string');
  };
  const value = (depth: number): JsonNode => {
    if (depth > 512) fail('nested too deeply');
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const props: NonNullable<JsonNode['props']> = [];
      ws();
      if (text[i] === '}') { i++; return { kind: 'object', start, end: i, props }; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a property name in double quotes');
        const keyStart = i;
        const key = str();
        ws();
        if (text[i] !== ':') fail("expected ':' after a property name");
        i++;
        const v = value(depth + 1);
        props.push({ key, keyStart, value: v });
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return { kind: 'object', start, end: i, props }; }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') { i++; return { kind: 'array', start, end: i, items }; }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return { kind: 'array', start, end: i, items }; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') {
      const s = str();
      return { kind: 'string', start, end: i, value: s };
    }
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = i;
    const num = m.exec(text);
    if (num) {
      i += num[0].length;
      return { kind: 'number', start, end: i, value: Number(num[0]) };
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { kind: 'literal', start, end: i, value: v };
      }
    }
    return fail('expected a value');
  };
  const root = value(0);
  ws();
  if (i < n) fail('text after the end of the JSON value');
  return root;
}

const prop = (o: JsonNode | undefined, key: string): JsonNode | undefined =>
  o?.kind === 'object' ? o.props!.find((p) => p.key === key)?.value : undefined;

/** Where one layer of a model.json is written. */
export interface JsonLayerPosition {
  name: string;
  className: string;
  /** The layer object `{ ... }`. */
  start: number;
  end: number;
}

export interface JsonModelPositions {
  /** Offset of the `modelTopology` property (where the file-level lens goes); 0 when not found. */
  topologyOffset: number;
  layers: JsonLayerPosition[];
}

/** Line (0-based) and column (0-based) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) { line++; lineStart = k + 1; }
  }
  return { line, column: offset - lineStart };
}

/** Quick test: could this JSON text be a TensorFlow.js Layers model file? */
export function looksLikeModelJson(text: string): boolean {
  return text.includes('"modelTopology"');
}

/**
 * Positions of the layers of a model.json text, named exactly as modelJson.parseModelJson names
 * them. Throws JsonScanError for malformed JSON; returns no layers when the text is JSON but not
 * a Layers model.
 */
export function jsonLayerPositions(text: string): JsonModelPositions {
  const root = scanJson(text);
  const topoProp = root.kind === 'object' ? root.props!.find((p) => p.key === 'modelTopology') : undefined;
  let topo = topoProp?.value;
  const nested = prop(topo, 'model_config');
  if (nested?.kind === 'object') topo = nested;
  const config = prop(topo, 'config');
  const list = config?.kind === 'array' ? config : prop(config, 'layers');
  const layers: JsonLayerPosition[] = [];
  if (list?.kind === 'array') {
    list.items!.forEach((l, index) => {
      const cls = prop(l, 'class_name');
      if (cls?.kind !== 'string') return;
      const direct = prop(l, 'name');
      const inConfig = prop(prop(l, 'config'), 'name');
      const name = direct?.kind === 'string' ? String(direct.value)
        : inConfig?.kind === 'string' ? String(inConfig.value)
          : `${String(cls.value).toLowerCase()}_${index}`;
      layers.push({ name, className: String(cls.value), start: l.start, end: l.end });
    });
  }
  return { topologyOffset: topoProp?.keyStart ?? 0, layers };
}

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript: tokenizer

type TokKind = 'ident' | 'num' | 'str' | 'template' | 'regex' | 'punct';
interface Tok {
  kind: TokKind;
  text: string;
  start: number;
  end: number;
}

const PUNCT = ['>>>=', '...', '===', '!==', '**=', '<<=', '>>=', '>>>', '&&=', '||=', '??=', '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '**', '<<', '>>'];
const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/** Splits JS/TS source into tokens, skipping whitespace and comments. Never throws: unterminated tokens run to the end. */
export function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  const n = text.length;
  let i = 0;
  const isIdStart = (c: string) => /[A-Za-z_$\u00c0-\uffff]/.test(c);
  const isId = (c: string) => /[A-Za-z0-9_$\u00c0-\uffff]/.test(c);
  const skipString = (q: string): void => {
    i++;
    while (i < n && text[i] !== q) {
      if (text[i] === '\\') i++;
      else if (text[i] === '\n') return; // unterminated
      i++;
    }
    i++;
  };
  const skipTemplate = (): void => {
    i++; // `
    while (i < n && text[i] !== '`') {
      if (text[i] === '\\') { i += 2; continue; }
      if (text[i] === '$' && text[i + 1] === '{') {
        i += 2;
        let depth = 1;
        while (i < n && depth > 0) {
          const c = text[i]!;
          if (c === '{') depth++;
          else if (c === '}') depth--;
          else if (c === '"' || c === "'") { skipString(c); continue; }
          else if (c === '`') { skipTemplate(); continue; }
          else if (c === '/' && text[i + 1] === '/') { while (i < n && text[i] !== '\n') i++; continue; }
          else if (c === '/' && text[i + 1] === '*') { const e = text.indexOf('*/', i + 2); i = e < 0 ? n : e + 2; continue; }
          i++;
        }
        continue;
      }
      i++;
    }
    i++;
  };
  const regexAllowed = (): boolean => {
    const p = out[out.length - 1];
    if (!p) return true;
    if (p.kind === 'ident') return REGEX_AFTER_WORD.has(p.text);
    if (p.kind === 'punct') return !(p.text === ')' || p.text === ']' || p.text === '}' || p.text === '++' || p.text === '--');
    return false;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\ufeff') { i++; continue; }
    if (c === '/' && text[i + 1] === '/') { while (i < n && text[i] !== '\n') i++; continue; }
    if (c === '/' && text[i + 1] === '*') { const e = text.indexOf('*/', i + 2); i = e < 0 ? n : e + 2; continue; }
    const start = i;
    if (c === '"' || c === "'") { skipString(c); out.push({ kind: 'str', text: text.slice(start, Math.min(i, n)), start, end: Math.min(i, n) }); continue; }
    if (c === '`') { skipTemplate(); out.push({ kind: 'template', text: text.slice(start, Math.min(i, n)), start, end: Math.min(i, n) }); continue; }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /0[xX][0-9a-fA-F_]+n?|0[oO][0-7_]+n?|0[bB][01_]+n?|(?:\d[\d_]*)?\.?[\d_]*(?:[eE][+-]?\d+)?n?/y;
      m.lastIndex = i;
      const r = m.exec(text);
      i += Math.max(1, r ? r[0].length : 1);
      out.push({ kind: 'num', text: text.slice(start, i), start, end: i });
      continue;
    }
    if (isIdStart(c) || c === '#' || c === '@') {
      i++;
      while (i < n && isId(text[i]!)) i++;
      out.push({ kind: 'ident', text: text.slice(start, i), start, end: i });
      continue;
    }
    if (c === '/' && regexAllowed()) {
      i++;
      let inClass = false;
      while (i < n && text[i] !== '\n') {
        const d = text[i]!;
        if (d === '\\') { i += 2; continue; }
        if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < n && /[a-z]/.test(text[i]!)) i++;
      out.push({ kind: 'regex', text: text.slice(start, i), start, end: i });
      continue;
    }
    const op = PUNCT.find((p) => text.startsWith(p, i)) ?? c;
    i += op.length;
    out.push({ kind: 'punct', text: op, start, end: i });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript: tf.sequential models

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
  conv2d: 'Conv2D', dense: 'Dense', depthwiseConv2d: 'DepthwiseConv2D', separableConv2d: 'SeparableConv2D',
  conv2dTranspose: 'Conv2DTranspose', maxPooling2d: 'MaxPooling2D', maxPool2d: 'MaxPooling2D',
  averagePooling2d: 'AveragePooling2D', avgPool2d: 'AveragePooling2D', avgPooling2d: 'AveragePooling2D',
  globalAveragePooling2d: 'GlobalAveragePooling2D', globalMaxPooling2d: 'GlobalMaxPooling2D',
  globalAvgPool2d: 'GlobalAveragePooling2D', globalMaxPool2d: 'GlobalMaxPooling2D',
  flatten: 'Flatten', reshape: 'Reshape', dropout: 'Dropout', spatialDropout2d: 'SpatialDropout2D',
  batchNormalization: 'BatchNormalization', layerNormalization: 'LayerNormalization', activation: 'Activation',
  reLU: 'ReLU', leakyReLU: 'LeakyReLU', elu: 'ELU', prelu: 'PReLU', softmax: 'Softmax',
  thresholdedReLU: 'ThresholdedReLU', zeroPadding2d: 'ZeroPadding2D', cropping2D: 'Cropping2D',
  cropping2d: 'Cropping2D', upSampling2d: 'UpSampling2D', gaussianNoise: 'GaussianNoise',
  gaussianDropout: 'GaussianDropout', alphaDropout: 'AlphaDropout', inputLayer: 'InputLayer',
};

/** Options that change a layer's output shape or kernel: a non-literal one stops the chain. */
const SHAPE_KEYS = new Set(['filters', 'units', 'kernelSize', 'strides', 'padding', 'dilationRate', 'inputShape', 'batchInputShape',
  'poolSize', 'targetShape', 'cropping', 'size', 'depthMultiplier', 'dataFormat', 'groups', 'kernel_size', 'input_shape', 'batch_input_shape', '...']);

class Parser {
  private consts = new Map<string, Literal>();
  constructor(private readonly t: Tok[]) {}

  at(i: number, text: string): boolean {
    return this.t[i]?.text === text && this.t[i]!.kind !== 'str';
  }

  /** Index after the bracket matching the one at i ('(' '[' '{'). */
  matching(i: number): number {
    let depth = 0;
    for (let k = i; k < this.t.length; k++) {
      const x = this.t[k]!;
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
      const x = this.t[k]!;
      if (x.kind === 'punct') {
        if (x.text === ',' || x.text === ')' || x.text === ']' || x.text === '}' || x.text === ';') return k;
        if (x.text === '(' || x.text === '[' || x.text === '{') { k = this.matching(k); continue; }
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
    else if (x.kind === 'punct' && x.text === '-' && this.t[i + 1]?.kind === 'num') r = { value: -Number(this.t[i + 1]!.text.replace(/_/g, '')), next: i + 2 };
    else if (x.kind === 'str') r = { value: unquote(x.text), next: i + 1 };
    else if (x.kind === 'template' && !x.text.includes('${')) r = { value: x.text.slice(1, -1), next: i + 1 };
    else if (x.kind === 'ident' && (x.text === 'true' || x.text === 'false')) r = { value: x.text === 'true', next: i + 1 };
    else if (x.kind === 'ident' && (x.text === 'null' || x.text === 'undefined')) r = { value: null, next: i + 1 };
    else if (x.kind === 'ident' && this.consts.has(x.text) && !this.at(i + 1, '.') && !this.at(i + 1, '(') && !this.at(i + 1, '[')) r = { value: this.consts.get(x.text)!, next: i + 1 };
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
        const key = this.t[k]!;
        let name: string;
        if (key.kind === 'ident' || key.kind === 'num') name = key.text;
        else if (key.kind === 'str') name = unquote(key.text);
        else if (key.kind === 'punct' && key.text === '[') { // computed key
          k = this.matching(k);
          dynamic.push('[computed]');
          if (this.at(k, ':')) k = this.skipExpr(k + 1);
          if (this.at(k, ',')) k++;
          continue;
        } else { k = this.skipExpr(k + 1); if (this.at(k, ',')) k++; continue; }
        k++;
        if (this.at(k, ':')) {
          const v = this.literal(k + 1);
          const end = this.skipExpr(k + 1);
          if (v && v.next === end) config[name] = v.value;
          else dynamic.push(name);
          k = end;
        } else if (this.at(k, '(')) { // method
          dynamic.push(name);
          k = this.skipExpr(k);
        } else { // shorthand `{ filters }`
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
    const fn = this.t[fnAt]!.text;
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
      if (!(t[k]!.kind === 'ident' && (t[k]!.text === 'const' || t[k]!.text === 'let' || t[k]!.text === 'var'))) continue;
      const id = t[k + 1]!;
      if (id.kind !== 'ident') continue;
      let eq = k + 2;
      if (this.at(eq, ':')) { // `const f: number = 32`
        while (eq < t.length && !this.at(eq, '=') && !this.at(eq, ';')) eq++;
      }
      if (!this.at(eq, '=')) continue;
      const v = this.literal(eq + 1);
      if (!v) continue;
      const after = t[v.next];
      if (after === undefined || this.at(v.next, ';') || this.at(v.next, ',') || (after.kind === 'ident' && after.start > t[v.next - 1]!.end)) {
        if (t[k]!.text === 'const') this.consts.set(id.text, v.value);
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
      if (this.at(j, ':') && this.t[j - 1]?.kind === 'ident' && ['const', 'let', 'var'].includes(this.t[j - 2]?.text ?? '')) { typed = j - 1; break; }
    }
    if (typed >= 0) return this.t[typed]!.text;
    const parts: string[] = [];
    while (k >= 0 && this.t[k]!.kind === 'ident') {
      parts.unshift(this.t[k]!.text);
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
      if (t[k]!.text !== 'sequential' || t[k]!.kind !== 'ident' || !this.at(k + 1, '(')) continue;
      let callStart = k;
      if (this.at(k - 1, '.')) {
        if (t[k - 2]?.kind !== 'ident') continue;
        callStart = k - 2;
      } else if (t[k - 1]?.text === 'function' || this.at(k - 1, '.')) continue;
      const callEnd = this.matching(k + 1);
      const model: SourceModel = { start: t[callStart]!.start, end: t[callEnd - 1]!.end, binding: this.binding(callStart), layers: [] };
      if (this.at(k + 2, '{')) {
        const objEnd = this.matching(k + 2);
        for (let j = k + 3; j < objEnd; j++) {
          if (t[j]!.text === 'layers' && this.at(j + 1, ':') && this.at(j + 2, '[')) {
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
  const counts = new Map<string, number>();
  let cutAt: number | null = null;
  let cutReason: string | null = null;
  for (let i = 0; i < sm.layers.length; i++) {
    const l = sm.layers[i]!;
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
    const unique = names.includes(name) ? `${name}_${i}` : name;
    names.push(unique);
    layers.push({ name: unique, className: l.className, config: { ...l.config, name: unique }, inbound: i > 0 ? [names[i - 1]!] : [] });
  }
  const model: ModelFile = {
    path, format: 'layers-model', topology: 'Sequential', layers,
    inputLayers: layers.length ? [layers[0]!.name] : [], outputLayers: layers.length ? [layers[layers.length - 1]!.name] : [],
    groups: [], weights: [],
  };
  return { model, names, cutAt, cutReason };
}
