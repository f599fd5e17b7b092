// Uses more than one core with the wasm backend, which is single-threaded in Node (its threaded
// build cannot start there: docs/design.md §7.1). Worker threads (wasmWorker.ts) each run their own wasm
// backend; the heavy convolution kernels (Conv2D forward, filter and input gradients) split the
// batch between the main thread and the workers. Kernels are synchronous, so the main thread
// hands inputs over in a SharedArrayBuffer, computes its own share, then blocks on Atomics.wait.
import { workerScript } from '../workerScript';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { conv2dFilterGrad, conv2dInputGrad } from './kernels';
import { channelAffine } from './channelSweeps';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export interface JobAttrs {
  strides: number | [number, number];
  pad: Pad;
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape?: [number, number, number, number];
  inputShape?: [number, number, number, number];
}

export interface PoolJob {
  op: 'conv2d' | 'filterGrad' | 'inputGrad';
  sab: SharedArrayBuffer;
  inputs: { offset: number; shape: number[] }[];
  outOffset: number;
  outShape: number[];
  attrs: JobAttrs;
}

interface Slot {
  worker: Worker;
  sab: SharedArrayBuffer | null;
}

const HEADER = 16; // bytes: ctrl[0] = done flag, ctrl[1] = error flag
const WAIT_MS = 120_000;

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

export class WasmPool {
  private constructor(private readonly slots: Slot[]) {}

  get size(): number {
    return this.slots.length;
  }

  /** Starts `n` workers and waits until each has its wasm backend running. */
  static async start(n: number, wasmDir: string): Promise<WasmPool> {
    const script = workerScript(__dirname, 'wasmWorker');
    if (!script) throw new Error('wasm worker script not found next to the program');
    const slots = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<Slot>((resolve, reject) => {
            const worker = new Worker(script.file, { workerData: { wasmDir }, eval: script.eval });
            worker.unref();
            const onMsg = (m: { ready?: boolean; fatal?: string }) => {
              if (m.ready) {
                worker.off('message', onMsg);
                resolve({ worker, sab: null });
              } else if (m.fatal) reject(new Error(`wasm worker failed to start: ${m.fatal}`));
            };
            worker.on('message', onMsg);
            worker.once('error', reject);
          }),
      ),
    );
    return new WasmPool(slots);
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /**
   * Copies `inputs` into worker `i`'s shared buffer and starts `op` there. Returns a function that
   * blocks until the result is ready and returns a view of it (valid until the next dispatch).
   */
  dispatch(
    i: number,
    op: PoolJob['op'],
    inputs: { data: Float32Array; shape: number[] }[],
    outShape: number[],
    attrs: JobAttrs,
  ): () => Float32Array {
    const slot = this.slots[i];
    let bytes = HEADER;
    const placed = inputs.map((inp) => {
      const offset = bytes;
      bytes += inp.data.length * 4;
      return { offset, shape: inp.shape };
    });
    const outOffset = bytes;
    bytes += size(outShape) * 4;
    if (!slot.sab || slot.sab.byteLength < bytes) slot.sab = new SharedArrayBuffer(Math.ceil((bytes * 1.25) / 16) * 16);
    const sab = slot.sab;
    inputs.forEach((inp, k) => new Float32Array(sab, placed[k].offset, inp.data.length).set(inp.data));
    const ctrl = new Int32Array(sab, 0, 2);
    Atomics.store(ctrl, 0, 0);
    Atomics.store(ctrl, 1, 0);
    slot.worker.postMessage({ op, sab, inputs: placed, outOffset, outShape, attrs } satisfies PoolJob);
    return () => {
      while (Atomics.load(ctrl, 0) === 0) {
        if (Atomics.wait(ctrl, 0, 0, WAIT_MS) === 'timed-out')
          throw new Error(`wasm worker ${i} did not answer within ${WAIT_MS / 1000} s`);
      }
      if (Atomics.load(ctrl, 1) !== 0) throw new Error(`wasm worker ${i} failed on ${op}`);
      return new Float32Array(sab, outOffset, size(outShape));
    };
  }
}

// ---- parallel kernels --------------------------------------------------------------------

interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

let pool: WasmPool | null = null;
let nested = 0; // > 0 while the main thread computes its own share (no re-splitting)
/** Below this many multiply-adds a conv is not worth splitting. */
let minMacs = 8e6;

/** Batch bounds for `parts` shares. */
function shares(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p < parts; p++) {
    const a = Math.floor((p * n) / parts),
      b = Math.floor(((p + 1) * n) / parts);
    if (b > a) out.push([a, b]);
  }
  return out;
}

function batchSlice(t: tf.Tensor4D, a: number, b: number): tf.Tensor4D {
  return a === 0 && b === t.shape[0] ? t : tf.slice(t, [a, 0, 0, 0], [b - a, -1, -1, -1]);
}

type ConvAttrs = NamedAttrMap & JobAttrs & { dataFormat?: string };

function splittable(a: ConvAttrs, batch: number, macs: number): boolean {
  return (
    pool !== null &&
    nested === 0 &&
    batch >= 2 &&
    macs >= minMacs &&
    (a.dataFormat === undefined || a.dataFormat === 'NHWC' || a.dataFormat === 'channelsLast')
  );
}

function runSplit(
  backend: HeapBackend,
  batch: number,
  outShape: number[],
  sum: boolean,
  workerInputs: (a: number, b: number) => { inputs: { data: Float32Array; shape: number[] }[]; outShape: number[] },
  op: PoolJob['op'],
  attrs: JobAttrs,
  mine: (a: number, b: number) => tf.Tensor,
): TensorInfo {
  const parts = shares(batch, pool!.size + 1);
  const waits = parts.slice(1).map(([a, b], i) => {
    const w = workerInputs(a, b);
    return { a, b, wait: pool!.dispatch(i, op, w.inputs, w.outShape, attrs) };
  });
  nested++;
  let own: tf.Tensor;
  try {
    own = tf.tidy(() => mine(parts[0][0], parts[0][1]));
  } finally {
    nested--;
  }
  const results = waits.map((w) => ({ ...w, data: w.wait() }));
  const out = backend.makeOutput(outShape, 'float32');
  const o = backend.typedArrayFromHeap(out);
  const ownNow = backend.typedArrayFromHeap(own); // after makeOutput: the heap may have grown
  if (sum) {
    o.set(ownNow);
    for (const r of results) for (let k = 0; k < o.length; k++) o[k] += r.data[k];
  } else {
    const per = o.length / batch;
    o.set(ownNow, 0);
    for (const r of results) o.set(r.data, r.a * per);
  }
  own.dispose();
  return out;
}

function heapOf(backend: HeapBackend, t: TensorInfo, a: number, b: number): Float32Array {
  const per = size(t.shape.slice(1));
  return backend.typedArrayFromHeap(t).subarray(a * per, b * per);
}

function attrsOf(a: ConvAttrs): JobAttrs {
  return {
    strides: a.strides,
    pad: a.pad,
    dilations: a.dilations ?? 1,
    dimRoundingMode: a.dimRoundingMode,
    filterShape: a.filterShape,
    inputShape: a.inputShape,
  };
}

/** A forward conv split across the pool, or null when not worth splitting. */
function splitConv2D(backend: unknown, x: TensorInfo, filter: TensorInfo, a: ConvAttrs): TensorInfo | null {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
  );
  const macs = size(info.outShape) * info.filterHeight * info.filterWidth * info.inChannels;
  if (!splittable(a, info.batchSize, macs)) return null;
  const be = backend as HeapBackend;
  const per = info.outShape.slice(1);
  return runSplit(
    be,
    info.batchSize,
    info.outShape,
    false,
    (s, e) => ({
      inputs: [
        { data: heapOf(be, x, s, e), shape: [e - s, ...x.shape.slice(1)] },
        { data: be.typedArrayFromHeap(filter), shape: filter.shape },
      ],
      outShape: [e - s, ...per],
    }),
    'conv2d',
    attrsOf(a),
    (s, e) =>
      tf.conv2d(batchSlice(x as tf.Tensor4D, s, e), filter as tf.Tensor4D, a.strides, a.pad, 'NHWC', a.dilations ?? 1, a.dimRoundingMode),
  );
}

function parallelConv2D(original: KernelConfig): KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    return splitConv2D(args.backend, x, filter, args.attrs as ConvAttrs) ?? original.kernelFunc(args);
  };
}

/**
 * The layers' conv (tfjs-layers runs every Conv2D with a bias or no activation as FusedConv2D):
 * the conv split as above, then bias and linear/ReLU activation in one sweep over the output.
 * Other activations and PReLU weights take the single-threaded kernel.
 */
function parallelFusedConv2D(original: KernelConfig): KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const a = args.attrs as ConvAttrs & { activation?: string };
    const act = a.activation ?? 'linear';
    const outC = filter!.shape[3];
    if (preluActivationWeights || (act !== 'linear' && act !== 'relu') || (bias && size(bias.shape) !== outC))
      return original.kernelFunc(args);
    const out = splitConv2D(args.backend, x!, filter!, a);
    if (!out) return original.kernelFunc(args);
    if (!bias && act === 'linear') return out;
    const be = args.backend as unknown as HeapBackend;
    const bv = bias ? be.typedArrayFromHeap(bias).slice() : new Float32Array(outC); // a copy: the sweep's scratch may grow the heap
    const floor = act === 'relu' ? 0 : -Infinity;
    if (channelAffine(out, null, new Float32Array(outC).fill(1), null, bv, { floor, into: out })) return out;
    const o = be.typedArrayFromHeap(out);
    if (bias || act === 'relu')
      for (let i = 0; i < o.length; i += outC)
        for (let k = 0; k < outC; k++) {
          const v = o[i + k] + bv[k];
          o[i + k] = act === 'relu' && v < 0 ? 0 : v;
        }
    return out;
  };
}

function parallelFilterGrad(original: KernelConfig): KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const a = args.attrs as ConvAttrs;
    const fs = a.filterShape!;
    const macs = size(dy.shape) * fs[0] * fs[1] * fs[2];
    if (!splittable(a, x.shape[0], macs)) return original.kernelFunc(args);
    const be = args.backend as unknown as HeapBackend;
    return runSplit(
      be,
      x.shape[0],
      fs,
      true,
      (s, e) => ({
        inputs: [
          { data: heapOf(be, x, s, e), shape: [e - s, ...x.shape.slice(1)] },
          { data: heapOf(be, dy, s, e), shape: [e - s, ...dy.shape.slice(1)] },
        ],
        outShape: fs,
      }),
      'filterGrad',
      attrsOf(a),
      (s, e) =>
        conv2dFilterGrad(
          batchSlice(x as tf.Tensor4D, s, e),
          batchSlice(dy as tf.Tensor4D, s, e),
          fs,
          a.strides,
          a.pad,
          a.dilations ?? 1,
          a.dimRoundingMode,
        ),
    );
  };
}

function parallelInputGrad(original: KernelConfig): KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = args.attrs as ConvAttrs;
    const xs = a.inputShape!;
    const macs = size(dy.shape) * filter.shape[0] * filter.shape[1] * filter.shape[2];
    if (!splittable(a, xs[0], macs)) return original.kernelFunc(args);
    const be = args.backend as unknown as HeapBackend;
    return runSplit(
      be,
      xs[0],
      xs,
      false,
      (s, e) => ({
        inputs: [
          { data: heapOf(be, dy, s, e), shape: [e - s, ...dy.shape.slice(1)] },
          { data: be.typedArrayFromHeap(filter), shape: filter.shape },
        ],
        outShape: [e - s, ...xs.slice(1)],
      }),
      'inputGrad',
      { ...attrsOf(a), inputShape: undefined },
      (s, e) =>
        conv2dInputGrad(
          [e - s, xs[1], xs[2], xs[3]],
          batchSlice(dy as tf.Tensor4D, s, e),
          filter as tf.Tensor4D,
          a.strides,
          a.pad,
          a.dilations ?? 1,
          a.dimRoundingMode,
        ),
    );
  };
}

const wrapped = new Map<string, KernelConfig>();

/**
 * Starts `workers` worker threads and makes the wasm backend's Conv2D and conv backprop kernels
 * split batches across them. Call after registerTrainingKernels('wasm'). Returns the pool.
 */
export async function enableWasmPool(workers: number, wasmDir: string, opts: { minMacs?: number } = {}): Promise<WasmPool> {
  if (pool) return pool;
  pool = await WasmPool.start(workers, wasmDir);
  if (opts.minMacs !== undefined) minMacs = opts.minMacs;
  const wrap = (name: string, make: (o: KernelConfig) => KernelFunc) => {
    const orig = tf.getKernel(name, 'wasm');
    if (!orig) return;
    wrapped.set(name, orig);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...orig, kernelFunc: make(orig) });
  };
  wrap('Conv2D', parallelConv2D);
  wrap('FusedConv2D', parallelFusedConv2D);
  wrap('Conv2DBackpropFilter', parallelFilterGrad);
  wrap('Conv2DBackpropInput', parallelInputGrad);
  return pool;
}

/** Stops the workers and puts the single-threaded kernels back. */
export async function disableWasmPool(): Promise<void> {
  if (!pool) return;
  for (const [name, orig] of wrapped) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(orig);
  }
  wrapped.clear();
  const p = pool;
  pool = null;
  await p.close();
}

export function wasmPoolSize(): number {
  return pool?.size ?? 0;
}
