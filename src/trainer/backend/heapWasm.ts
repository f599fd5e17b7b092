// Plumbing for our own WebAssembly kernels that work in place in tfjs' wasm heap: each module
// imports the backend's memory (compiled once per memory, so the pool's workers get their own),
// and reads and writes tensors by their heap offsets. Used by channelSweeps.ts and the 1×1
// filter gradient (kernels/pointwiseFilterGrad.ts).
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { moduleBytes, type FuncDef } from '../../core/wasm/assembler';
import { wasmApi, wasmSimdSupport } from '../../core/wasm/support';

export interface WasmHeapBackend {
  wasm: { asm?: { memory?: WebAssembly.Memory }; _malloc(n: number): number; _free(p: number): void };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  getMemoryOffset(dataId: object): number;
}

/** The active backend when it is wasm with an exported memory we can import. */
export function wasmHeapBackend(): WasmHeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const be = tf.backend() as unknown as WasmHeapBackend;
  if (typeof be.getMemoryOffset !== 'function' || typeof be.wasm?._malloc !== 'function' || !be.wasm.asm?.memory) return null;
  return be;
}

/**
 * A compiler of one SIMD module (functions exported under `names`) against a backend's memory:
 * returns its exports, or null without SIMD or where the memory cannot be imported (then the
 * callers keep their JS or stock paths).
 */
export function heapModule<T>(funcs: () => FuncDef[], names: string[]): (be: WasmHeapBackend) => T | null {
  const compiled = new WeakMap<WebAssembly.Memory, T | null>();
  return (be) => {
    const memory = be.wasm.asm!.memory!;
    if (compiled.has(memory)) return compiled.get(memory)!;
    let k: T | null = null;
    const w = wasmApi();
    try {
      if (w && wasmSimdSupport().simd) {
        const bytes = moduleBytes(funcs(), names, { importMemory: true });
        k = new w.Instance(new w.Module(bytes), { env: { memory } }).exports as unknown as T;
      }
    } catch {
      k = null; // e.g. a shared memory
    }
    compiled.set(memory, k);
    return k;
  };
}

/** Heap scratch of `bytes`, freed after `use`. */
export function withScratch<T>(be: WasmHeapBackend, bytes: number, use: (ptr: number) => T): T {
  const p = be.wasm._malloc(bytes) >>> 0;
  try {
    return use(p);
  } finally {
    be.wasm._free(p);
  }
}

/** The heap's current buffer (views of it are invalid after any allocation that grew it). */
export const heapBuffer = (be: WasmHeapBackend): ArrayBuffer => be.wasm.asm!.memory!.buffer;
export const heapOffset = (be: WasmHeapBackend, t: TensorInfo): number => be.getMemoryOffset(t.dataId) >>> 0;
export const sizeOf = (shape: number[]): number => shape.reduce((x, y) => x * y, 1);
