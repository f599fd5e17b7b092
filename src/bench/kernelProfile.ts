// Per-kernel, per-layer profile of training steps on a synchronous backend (wasm, cpu): every
// kernel registered for the backend is wrapped so each invocation is timed (inclusive, and
// exclusive of kernels it runs itself, e.g. the transposes and convs inside our backprop
// kernels). Convolution calls are attributed to the model's Conv2D layers by shape; the rest is
// grouped by kernel kind. Used by `bench speedup --profile` and scripts/profile-step.ts.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

export interface KernelCall {
  name: string;
  depth: number;
  /** Name of the kernel this one ran inside (depth > 0). */
  parent?: string;
  inclusiveMs: number;
  exclusiveMs: number;
  inputShapes: number[][];
  attrs?: NamedAttrMap;
}

interface Frame {
  name: string;
  t0: number;
  child: number;
}

let calls: KernelCall[] | null = null;
const stack: Frame[] = [];
const wrapped = new Map<string, KernelConfig>();
const unwrapped = new Map<string, KernelConfig>();

function wrap(cfg: KernelConfig): KernelFunc {
  const inner = cfg.kernelFunc;
  return (args) => {
    if (!calls) return inner(args);
    const f: Frame = { name: cfg.kernelName, t0: performance.now(), child: 0 };
    const parent = stack[stack.length - 1];
    stack.push(f);
    try {
      return inner(args);
    } finally {
      stack.pop();
      const incl = performance.now() - f.t0;
      if (parent) parent.child += incl;
      calls?.push({
        name: cfg.kernelName,
        depth: stack.length,
        parent: parent?.name,
        inclusiveMs: incl,
        exclusiveMs: incl - f.child,
        inputShapes: Object.values(args.inputs as Record<string, TensorInfo>)
          .filter(Boolean)
          .map((t) => [...t.shape]),
        attrs: args.attrs,
      });
    }
  };
}

/** Wraps every kernel of `backendName` (once); recording starts with startRecording. */
export function installKernelProfiler(backendName: string): void {
  for (const cfg of tf.getKernelsForBackend(backendName)) {
    const cur = tf.getKernel(cfg.kernelName, backendName);
    if (wrapped.get(cfg.kernelName) === cur) continue;
    const w: KernelConfig = { ...cur, kernelFunc: wrap(cur) };
    tf.unregisterKernel(cfg.kernelName, backendName);
    tf.registerKernel(w);
    wrapped.set(cfg.kernelName, w);
    unwrapped.set(cfg.kernelName, cur);
  }
}

/** Puts the unwrapped kernels back. */
export function uninstallKernelProfiler(backendName: string): void {
  for (const [name, w] of wrapped) {
    if (tf.getKernel(name, backendName) !== w) continue;
    tf.unregisterKernel(name, backendName);
    tf.registerKernel(unwrapped.get(name)!);
  }
}

export function startRecording(): void {
  calls = [];
}
export function stopRecording(): KernelCall[] {
  const c = calls ?? [];
  calls = null;
  return c;
}

// ---- attribution ------------------------------------------------------------------------------

export interface ConvLayerInfo {
  name: string;
  inShape: [number, number, number, number];
  kernel: [number, number, number, number];
  strides: [number, number];
  outHW: [number, number];
  /** 'pointwise' 1×1, 'core' (3×3 of a decomposed layer), 'full' (any other k×k). */
  kind: 'pointwise' | 'core' | 'full';
}

/** The Conv2D layers of a model with the shapes their kernels see at `batch`. */
export function convLayers(model: tf.LayersModel, batch: number): ConvLayerInfo[] {
  const out: ConvLayerInfo[] = [];
  for (const l of model.layers) {
    if (l.getClassName() !== 'Conv2D') continue;
    const inS = (l.input as tf.SymbolicTensor).shape;
    const outS = (l.output as tf.SymbolicTensor).shape;
    const k = l.getWeights()[0].shape as [number, number, number, number];
    const cfg = l.getConfig() as { strides: [number, number] };
    const kind = k[0] === 1 && k[1] === 1 ? 'pointwise' : /_core$|core/.test(l.name) ? 'core' : 'full';
    out.push({
      name: l.name,
      inShape: [batch, inS[1] as number, inS[2] as number, inS[3] as number],
      kernel: k,
      strides: cfg.strides,
      outHW: [outS[1] as number, outS[2] as number],
      kind,
    });
  }
  return out;
}

const key = (x: number[], f: number[]): string => `${x.join('x')}|${f.join('x')}`;

export interface LayerRow {
  layers: string[];
  kind: string;
  shape: string;
  fwdMs: number;
  bfMs: number;
  biMs: number;
  fwdFlops: number; /** per layer, per pass */
  count: number;
}

export interface StepProfile {
  steps: number;
  totalMs: number;
  /** Sum of top-level kernel inclusive time per step. */
  kernelMs: number;
  layers: LayerRow[];
  byKind: { kind: string; ms: number; flops: number }[];
  /** Top-level kernel name → ms per step (exclusive of nothing: inclusive). */
  byKernel: { name: string; ms: number; calls: number }[];
  /** Kernels nested inside our composite kernels: parent/child → ms per step. */
  nested: { name: string; ms: number; calls: number }[];
}

export function summarise(callsIn: KernelCall[], layers: ConvLayerInfo[], steps: number, totalMs: number): StepProfile {
  const groups = new Map<string, LayerRow>();
  const byShape = new Map<string, LayerRow>();
  for (const l of layers) {
    const k = key(l.inShape, l.kernel);
    let r = byShape.get(k);
    if (!r) {
      const [n, h, w, c] = l.inShape;
      r = {
        layers: [],
        kind: l.kind,
        shape: `${c}→${l.kernel[3]} ${l.kernel[0]}×${l.kernel[1]} @${h}×${w}`,
        fwdMs: 0,
        bfMs: 0,
        biMs: 0,
        fwdFlops: 2 * n * l.outHW[0] * l.outHW[1] * l.kernel[0] * l.kernel[1] * l.kernel[2] * l.kernel[3],
        count: 0,
      };
      byShape.set(k, r);
      groups.set(k, r);
    }
    r.layers.push(l.name);
    r.count++;
  }
  const kinds = new Map<string, { ms: number; flops: number }>();
  const addKind = (k: string, ms: number, flops = 0) => {
    const e = kinds.get(k) ?? { ms: 0, flops: 0 };
    e.ms += ms;
    e.flops += flops;
    kinds.set(k, e);
  };
  const byKernel = new Map<string, { ms: number; calls: number }>();
  const nested = new Map<string, { ms: number; calls: number }>();
  let kernelMs = 0;
  for (const c of callsIn) {
    if (c.depth > 0) {
      // attribute exclusive time to parent/child
      const nk = `${c.parent} › ${c.name}`;
      const e = nested.get(nk) ?? { ms: 0, calls: 0 };
      e.ms += c.exclusiveMs;
      e.calls++;
      nested.set(nk, e);
      continue;
    }
    kernelMs += c.inclusiveMs;
    const e = byKernel.get(c.name) ?? { ms: 0, calls: 0 };
    e.ms += c.inclusiveMs;
    e.calls++;
    byKernel.set(c.name, e);
    let row: LayerRow | undefined;
    let pass: 'fwd' | 'bf' | 'bi' | undefined;
    if (c.name === 'Conv2D' || c.name === 'FusedConv2D') {
      row = byShape.get(key(c.inputShapes[0], c.inputShapes[1]));
      pass = 'fwd';
    } else if (c.name === 'Conv2DBackpropFilter') {
      row = byShape.get(key(c.inputShapes[0], (c.attrs as { filterShape: number[] }).filterShape));
      pass = 'bf';
    } else if (c.name === 'Conv2DBackpropInput') {
      row = byShape.get(key((c.attrs as { inputShape: number[] }).inputShape, c.inputShapes[1]));
      pass = 'bi';
    }
    if (row && pass) {
      if (pass === 'fwd') row.fwdMs += c.inclusiveMs;
      else if (pass === 'bf') row.bfMs += c.inclusiveMs;
      else row.biMs += c.inclusiveMs;
      addKind(`${row.kind} ${pass === 'fwd' ? 'forward' : pass === 'bf' ? 'filter grad' : 'input grad'}`, c.inclusiveMs, row.fwdFlops);
    } else {
      addKind(kernelKind(c.name), c.inclusiveMs);
    }
  }
  const per = (ms: number) => ms / steps;
  const rows = [...groups.values()].map((r) => ({ ...r, fwdMs: per(r.fwdMs), bfMs: per(r.bfMs), biMs: per(r.biMs) }));
  return {
    steps,
    totalMs: totalMs / steps,
    kernelMs: per(kernelMs),
    layers: rows,
    byKind: [...kinds].map(([kind, v]) => ({ kind, ms: per(v.ms), flops: v.flops / steps })).sort((a, b) => b.ms - a.ms),
    byKernel: [...byKernel].map(([name, v]) => ({ name, ms: per(v.ms), calls: v.calls / steps })).sort((a, b) => b.ms - a.ms),
    nested: [...nested].map(([name, v]) => ({ name, ms: per(v.ms), calls: v.calls / steps })).sort((a, b) => b.ms - a.ms),
  };
}

function kernelKind(name: string): string {
  if (/BatchNorm/.test(name)) return 'batch norm (fwd kernel)';
  if (/MaxPool|AvgPool/.test(name)) return 'pooling';
  if (/MatMul/.test(name)) return 'dense (matMul)';
  if (/Transpose|Reshape|Pad|Slice|Concat|Reverse/.test(name)) return 'layout (transpose/pad/slice)';
  if (/^(Sum|Mean|Max|Min|Prod)$/.test(name)) return 'reductions';
  return 'elementwise';
}

const f1 = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** A plain-text table of a StepProfile. */
export function formatProfile(title: string, p: StepProfile): string {
  const lines: string[] = [];
  lines.push(`== ${title}: ${f1(p.totalMs)} ms/step, kernels ${f1(p.kernelMs)} ms (${f1(p.totalMs - p.kernelMs)} ms outside kernels)`);
  lines.push('layer shape (×count)              kind      fwd ms  bf ms  bi ms   GFLOP/layer/pass  fwd/bf/bi GFLOP/s');
  for (const r of p.layers) {
    const g = r.fwdFlops / 1e9; // per layer per pass... fwdFlops holds one layer's FLOPs
    const rate = (ms: number) => (ms > 0 ? f1((g * r.count) / (ms / 1000)) : '-');
    lines.push(
      `${`${r.shape} ×${r.count}`.padEnd(34)} ${r.kind.padEnd(9)} ${f1(r.fwdMs).padStart(6)} ${f1(r.bfMs).padStart(6)} ${f1(r.biMs).padStart(6)}   ${g.toFixed(3).padStart(8)}          ${rate(r.fwdMs)}/${rate(r.bfMs)}/${rate(r.biMs)}`,
    );
  }
  lines.push('by kind:');
  for (const k of p.byKind)
    lines.push(
      `  ${k.kind.padEnd(32)} ${f1(k.ms).padStart(7)} ms${k.flops ? `  ${(k.flops / 1e9).toFixed(2)} GFLOP  ${f1(k.flops / 1e9 / (k.ms / 1000))} GFLOP/s` : ''}`,
    );
  lines.push('top-level kernels:');
  for (const k of p.byKernel.slice(0, 14)) lines.push(`  ${k.name.padEnd(32)} ${f1(k.ms).padStart(7)} ms  ${k.calls} calls`);
  lines.push('inside composite kernels (exclusive):');
  for (const k of p.nested.slice(0, 12)) lines.push(`  ${k.name.padEnd(44)} ${f1(k.ms).padStart(7)} ms  ${k.calls} calls`);
  return lines.join('\n');
}

/**
 * Profiles `steps` SGD training steps of `model` (after one untimed step) on the active backend
 * with synthetic data, like timeTrainSteps; the kernel wrappers stay installed afterwards.
 */
export async function profileTrainSteps(model: tf.LayersModel, opts: { batch: number; steps: number }): Promise<StepProfile> {
  const { trainStep } = await import('./stepBench');
  installKernelProfiler(tf.getBackend());
  const opt = tf.train.sgd(0.01);
  const inShape = model.inputs[0].shape.slice(1) as number[];
  const classes = (model.outputs[0].shape[1] as number) ?? 10;
  const x = tf.randomUniform([opts.batch, ...inShape], 0, 1, 'float32', 7);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([opts.batch], 0, classes, 'int32', 8) as tf.Tensor1D, classes).toFloat());
  const step = async (): Promise<void> => {
    const l = trainStep(model, opt, x, y);
    await l.data();
    l.dispose();
  };
  try {
    await step();
    startRecording();
    const t0 = performance.now();
    for (let i = 0; i < opts.steps; i++) await step();
    const total = performance.now() - t0;
    return summarise(stopRecording(), convLayers(model, opts.batch), opts.steps, total);
  } finally {
    stopRecording();
    tf.dispose([x, y]);
    opt.dispose();
  }
}
