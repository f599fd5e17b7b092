// Feature detection: whether this host can compile WebAssembly at all (a webview whose CSP lacks
// 'wasm-unsafe-eval' cannot) and validates SIMD / relaxed SIMD, probed with a tiny Gram kernel.
import { gramModuleBytes } from './gramKernel';

/** The host's WebAssembly API, or null where there is none usable. */
export function wasmApi(): typeof WebAssembly | null {
  const w = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
  return w && typeof w.validate === 'function' && typeof w.Module === 'function' ? w : null;
}

/** Whether the host validates WebAssembly SIMD (f64x2) and, separately, relaxed SIMD (fused madd). */
export function wasmSimdSupport(): { simd: boolean; relaxed: boolean } {
  const w = wasmApi();
  if (!w) return { simd: false, relaxed: false };
  const probe = (fma: boolean) => {
    try {
      return w.validate(gramModuleBytes({ r: 1, c: 1, u: 1, kb: 2, fma }));
    } catch {
      return false;
    }
  };
  return { simd: probe(false), relaxed: probe(true) };
}
