// Per-channel sweeps over NHWC activations as WebAssembly SIMD, in place in tfjs' wasm heap (our
// module imports the backend's memory): the batch-norm sums and affine maps of fusedBatchNorm.ts
// and the pool's bias + ReLU epilogue. The same sweeps in JS cost ~8 ns per element here, ~400 ms
// of a 1.5 s decomposed VGG19 step at batch 32 (profile); these run at memory speed. Channel
// counts that are not a multiple of 4, and other backends, keep the JS sweeps (null here).
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import {
  F32,
  addTo,
  emitter,
  I32,
  V128,
  f32x4Add,
  f32x4Max,
  f32x4Mul,
  f32x4Splat,
  f64x2Add,
  f64x2Mul,
  f64x2PromoteLow,
  op,
  v128Load,
  v128Load64Zero,
  v128Store,
  type FuncDef,
} from '../../core/wasm/assembler';
import { heapBuffer, heapModule, heapOffset, sizeOf, wasmHeapBackend, withScratch, type WasmHeapBackend } from './heapWasm';

/**
 * A sweep over m rows of cb bytes: `rowStart` resets the per-channel pointers, `step` handles 16
 * bytes (4 channels) and advances every pointer; the row loop ends when pointer `main` reaches
 * main + m·cb. Param `M` holds m, `CB` cb.
 */
function rowSweep(main: number, M: number, CB: number, END: number, ROWEND: number, rowStart: number[], step: number[]): number[] {
  const { b, emit } = emitter();
  emit(op.block, op.get(M), op.eqz, op.brIf(0));
  emit(op.get(main), op.get(M), op.get(CB), op.mul, op.add, op.set(END));
  emit(op.loop, op.get(main), op.get(CB), op.add, op.set(ROWEND), rowStart);
  emit(op.loop, step, op.get(main), op.get(ROWEND), op.ltU, op.brIf(0), op.end);
  emit(op.get(main), op.get(END), op.ltU, op.brIf(0), op.end, op.end);
  return b;
}

/** sums(u, v, m, cb, s, q): s[k] += u[i,k], q[k] += u[i,k]·v[i,k] over the rows i; s, q float64. */
function sumsFunction(): FuncDef {
  const [U, Vp, M, CB, S, Q] = [0, 1, 2, 3, 4, 5];
  const [END, ROWEND, PS, PQ] = [6, 7, 8, 9];
  const [LO, HI, VLO, VHI] = [10, 11, 12, 13];
  const { b: step, emit } = emitter();
  emit(op.get(U), v128Load64Zero(0), f64x2PromoteLow, op.set(LO));
  emit(op.get(U), v128Load64Zero(8), f64x2PromoteLow, op.set(HI));
  emit(op.get(Vp), v128Load64Zero(0), f64x2PromoteLow, op.set(VLO));
  emit(op.get(Vp), v128Load64Zero(8), f64x2PromoteLow, op.set(VHI));
  emit(op.get(PS), op.get(PS), v128Load(0), op.get(LO), f64x2Add, v128Store(0));
  emit(op.get(PS), op.get(PS), v128Load(16), op.get(HI), f64x2Add, v128Store(16));
  emit(op.get(PQ), op.get(PQ), v128Load(0), op.get(LO), op.get(VLO), f64x2Mul, f64x2Add, v128Store(0));
  emit(op.get(PQ), op.get(PQ), v128Load(16), op.get(HI), op.get(VHI), f64x2Mul, f64x2Add, v128Store(16));
  emit(addTo(U, 16), addTo(Vp, 16), addTo(PS, 32), addTo(PQ, 32));
  const rowStart = [...op.get(S), ...op.set(PS), ...op.get(Q), ...op.set(PQ)];
  return {
    params: new Array<number>(6).fill(I32),
    results: [],
    locals: [
      [4, I32],
      [4, V128],
    ],
    body: rowSweep(U, M, CB, END, ROWEND, rowStart, step),
  };
}

/**
 * affine(u, v, out, m, cb, p, q, s, floor): out[i,k] = max(u[i,k]·p[k] + v[i,k]·q[k] + s[k], floor)
 * (float32; floor −∞ for none, 0 for a ReLU). out may be u.
 */
function affineFunction(): FuncDef {
  const [U, Vp, OUT, M, CB, P, Q, S, FLOOR] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [END, ROWEND, PP, PQ, PS] = [9, 10, 11, 12, 13];
  const FL = 14;
  const { b: step, emit } = emitter();
  emit(op.get(OUT), op.get(U), v128Load(0), op.get(PP), v128Load(0), f32x4Mul);
  emit(op.get(Vp), v128Load(0), op.get(PQ), v128Load(0), f32x4Mul, f32x4Add);
  emit(op.get(PS), v128Load(0), f32x4Add, op.get(FL), f32x4Max, v128Store(0));
  emit(addTo(U, 16), addTo(Vp, 16), addTo(OUT, 16), addTo(PP, 16), addTo(PQ, 16), addTo(PS, 16));
  const rowStart = [...op.get(P), ...op.set(PP), ...op.get(Q), ...op.set(PQ), ...op.get(S), ...op.set(PS)];
  return {
    params: [...new Array<number>(8).fill(I32), F32],
    results: [],
    locals: [
      [5, I32],
      [1, V128],
    ],
    body: [...op.get(FLOOR), ...f32x4Splat, ...op.set(FL), ...rowSweep(U, M, CB, END, ROWEND, rowStart, step)],
  };
}

interface Kernels {
  sums(u: number, v: number, m: number, cb: number, s: number, q: number): void;
  affine(u: number, v: number, out: number, m: number, cb: number, p: number, q: number, s: number, floor: number): void;
}

const kernelsFor = heapModule<Kernels>(() => [sumsFunction(), affineFunction()], ['sums', 'affine']);

/** The wasm backend and its kernels when the active backend is wasm and c is a multiple of 4. */
function active(c: number): { be: WasmHeapBackend; k: Kernels } | null {
  const be = c % 4 === 0 ? wasmHeapBackend() : null;
  const k = be ? kernelsFor(be) : null;
  return be && k ? { be, k } : null;
}

const ptr = heapOffset;

/** Whether the sweeps below run for c channels on the active backend (else they return null). */
export function channelSweepsApply(c: number): boolean {
  return active(c) !== null;
}

/**
 * Per-channel Σu and Σu·v (float64) over every axis but the last of u and v (same shape), or
 * null where the wasm sweep does not apply.
 */
export function channelSums(u: TensorInfo, v: TensorInfo): [Float64Array, Float64Array] | null {
  const c = u.shape[u.shape.length - 1];
  const a = active(c);
  if (!a) return null;
  const { be, k } = a;
  return withScratch(be, 16 * c, (scratch) => {
    new Uint8Array(heapBuffer(be), scratch, 16 * c).fill(0);
    k.sums(ptr(be, u), ptr(be, v), sizeOf(u.shape) / c, 4 * c, scratch, scratch + 8 * c);
    const f = new Float64Array(heapBuffer(be), scratch, 2 * c);
    return [f.slice(0, c), f.slice(c)];
  });
}

/**
 * out = max(u·p + v·q + s, floor) per channel (float32 coefficients of length c; v and q optional;
 * floor −∞ by default, 0 for a ReLU), into a new tensor or in place into `into` (which may be u).
 * Null where the wasm sweep does not apply.
 */
export function channelAffine(
  u: TensorInfo,
  v: TensorInfo | null,
  p: ArrayLike<number>,
  q: ArrayLike<number> | null,
  s: ArrayLike<number>,
  opts: { floor?: number; into?: TensorInfo } = {},
): TensorInfo | null {
  const c = u.shape[u.shape.length - 1];
  const a = active(c);
  if (!a) return null;
  const { be, k } = a;
  const out = opts.into ?? be.makeOutput(u.shape, 'float32'); // allocated first: the scratch views come after
  withScratch(be, 12 * c, (scratch) => {
    const f = new Float32Array(heapBuffer(be), scratch, 3 * c);
    f.set(p, 0);
    if (q) f.set(q, c);
    else f.fill(0, c, 2 * c);
    f.set(s, 2 * c);
    const up = ptr(be, u);
    const m = sizeOf(u.shape) / c;
    k.affine(up, v ? ptr(be, v) : up, ptr(be, out), m, 4 * c, scratch, scratch + 4 * c, scratch + 8 * c, opts.floor ?? -Infinity);
  });
  return out;
}

/** channelAffine as a tensor (on the active backend), for ops outside kernels. */
export function channelAffineTensor(
  u: tf.Tensor,
  v: tf.Tensor | null,
  p: ArrayLike<number>,
  q: ArrayLike<number> | null,
  s: ArrayLike<number>,
): tf.Tensor | null {
  const out = channelAffine(u, v, p, q, s);
  return out ? tf.engine().makeTensorFromTensorInfo(out) : null;
}
