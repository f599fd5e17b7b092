// Which kernels linalg runs: WebAssembly SIMD (src/core/wasm) where the host validates it, the
// JavaScript loops otherwise. The choice is set by the program (configureKernels / setUseWasm),
// never read from the environment here, so src/core behaves the same wherever it is imported;
// each entry point turns TUCKER_TRAIN_NO_WASM into a setting with kernelOptionsFromEnv.
// The WebAssembly instances are made on first use and kept (their memory is reused by later calls).
import { createWasmAbt, createWasmGram, createWasmTridiag, type WasmAbt, type WasmGram, type WasmTridiag } from '../wasm';

export interface KernelOptions {
  /** Use the WebAssembly SIMD kernels where they validate (default true). */
  wasm: boolean;
}

let useWasm = true;
let gramKernel: WasmGram | null | undefined; // undefined: not tried yet
let abtKernel: WasmAbt | null | undefined;
let tridiagKernel: WasmTridiag | null | undefined;

/** Sets the kernel choice for this thread (worker threads set their own). */
export function configureKernels(options: KernelOptions): void {
  useWasm = options.wasm;
}

/**
 * Turns the WebAssembly SIMD kernels on or off (on by default where they validate). For tests,
 * benchmarks and the core worker; the same as configureKernels({ wasm: on }).
 */
export function setUseWasm(on: boolean): void {
  configureKernels({ wasm: on });
}

/**
 * The kernel options an environment asks for: TUCKER_TRAIN_NO_WASM set to anything but '' or '0'
 * turns the WebAssembly kernels off. For the programs' entry points (pass process.env).
 */
export function kernelOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): KernelOptions {
  const v = env.TUCKER_TRAIN_NO_WASM;
  return { wasm: !(v !== undefined && v !== '' && v !== '0') };
}

/** The Gram kernel gram() should use now, or null for the JS one. */
export function wasmGram(): WasmGram | null {
  if (!useWasm) return null;
  if (gramKernel === undefined) gramKernel = createWasmGram();
  return gramKernel;
}

/** Below these sizes (inner length, multiply–adds) the JS A·Bᵀ is as fast as packing for WASM. */
const WASM_ABT_MIN_P = 8;
const WASM_ABT_MIN_WORK = 32768;

function wasmAbt(): WasmAbt | null {
  if (!useWasm) return null;
  if (abtKernel === undefined) abtKernel = createWasmAbt();
  return abtKernel;
}

/** The A·Bᵀ kernel for an n×p by m×p product, or null for the JS one (small products, or off). */
export function wasmAbtFor(n: number, m: number, p: number): WasmAbt | null {
  return p >= WASM_ABT_MIN_P && n * m * p >= WASM_ABT_MIN_WORK ? wasmAbt() : null;
}

/** Below this order the JS tridiagonalisation is as fast (call overhead vs short rows). */
const WASM_TRIDIAG_MIN = 32;

function wasmTridiag(): WasmTridiag | null {
  if (!useWasm) return null;
  if (tridiagKernel === undefined) tridiagKernel = createWasmTridiag();
  return tridiagKernel;
}

/** The tridiagonalisation kernel for an n×n matrix, or null for the JS one (small n, or off). */
export function wasmTridiagFor(n: number): WasmTridiag | null {
  return n >= WASM_TRIDIAG_MIN ? wasmTridiag() : null;
}

/** Which Gram kernel gram() uses now: 'wasm-simd-fma' (relaxed SIMD), 'wasm-simd' or 'js'. */
export function gramBackend(): 'wasm-simd-fma' | 'wasm-simd' | 'js' {
  const k = wasmGram();
  return k ? (k.options.fma ? 'wasm-simd-fma' : 'wasm-simd') : 'js';
}

/** Which A·Bᵀ kernel abtInto uses now for large products: 'wasm-simd-fma', 'wasm-simd' or 'js'. */
export function abtBackend(): 'wasm-simd-fma' | 'wasm-simd' | 'js' {
  const k = wasmAbt();
  return k ? (k.options.fma ? 'wasm-simd-fma' : 'wasm-simd') : 'js';
}

/** Which tridiagonalisation kernel symmetricEigen uses now (for n ≥ 32): 'wasm-simd' or 'js'. */
export function eigenBackend(): 'wasm-simd' | 'js' {
  return wasmTridiag() ? 'wasm-simd' : 'js';
}
