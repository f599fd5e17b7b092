// The WebAssembly SIMD (f64x2) Gram G = X·Xᵀ, used by linalg's gram() where the host validates
// SIMD; linalg falls back to its JavaScript kernel otherwise (and when this returns false).
//
// Scheme for G = X·Xᵀ (X n×m row-major, float64):
//  - X is copied once into a single growable WebAssembly.Memory, packed in panels of R rows with
//    the pairs (x[r][k], x[r][k+1]) of the panel's rows interleaved, so the inner loop reads every
//    operand at a constant offset from one moving pointer per operand (no per-row address maths).
//    n is padded to a multiple of R (and C) with zero rows, m to a multiple of 2U with zero columns.
//  - The kernel computes an R×C block with R·C f64x2 accumulators (even / odd k in the two lanes),
//    unrolled U times along k, for one x panel against a run of y panels, adding into G. When R is
//    a multiple of C (4×2, 3×3) the y operand is read from the same R-row panels as C-row halves,
//    so X is packed once, not twice.
//  - JS drives the k-blocks (KB columns at a time, so the y panels' k-slices stay in L2) and the
//    x panels (upper triangle only), then copies the upper triangle out and mirrors it, so the
//    result is exactly symmetric.
// The module is a few hundred bytes, so synchronous compilation is allowed on any thread.
import { resolveGramOptions, gramModuleBytes, type GramKernelOptions } from './gramKernel';
import { ensureMemory } from './memory';
import { packPanels } from './packing';
import { wasmApi, wasmSimdSupport } from './support';

export interface WasmGram {
  readonly options: GramKernelOptions;
  /**
   * Fills g (n×n) with x·xᵀ for row-major x (n×m). Returns false (g untouched) when the memory
   * needed cannot be had (over ~2 GiB of packed input, or grow refused): use another kernel.
   */
  gramInto(x: ArrayLike<number>, n: number, m: number, g: Float64Array): boolean;
  /** Current size of the module's memory in bytes. */
  memoryBytes(): number;
}

/**
 * Compiles a Gram kernel for the given shape; null when WebAssembly SIMD is unavailable or
 * compilation is refused. opts.fma is dropped when relaxed SIMD does not validate.
 */
export function createWasmGram(options: Partial<GramKernelOptions> = {}): WasmGram | null {
  const w = wasmApi();
  if (!w) return null;
  const support = wasmSimdSupport();
  if (!support.simd) return null;
  const o = resolveGramOptions(options, support.relaxed);
  let kern: (xp: number, yp: number, ystride: number, nj: number, xlen: number, gp: number, gstride: number) => void;
  let memory: WebAssembly.Memory;
  const { r: R, c: C } = o;
  // One packing serves both operands when the x panels (R rows) split into whole y panels (C rows).
  const YR = R % C === 0 ? R : C;
  try {
    const inst = new w.Instance(new w.Module(gramModuleBytes(o, YR)), {});
    memory = inst.exports.mem as WebAssembly.Memory;
    kern = inst.exports.kern as typeof kern;
  } catch {
    return null;
  }
  const lcm = (a: number, b: number): number => {
    let x = a,
      y = b;
    while (y) [x, y] = [y, x % y];
    return (a / x) * b;
  };
  const L = lcm(R, C);

  const gramInto = (x: ArrayLike<number>, n: number, m: number, g: Float64Array): boolean => {
    if (n === 0) return true;
    if (m === 0) {
      g.fill(0, 0, n * n);
      return true;
    }
    const step = 2 * o.u;
    const np = Math.ceil(n / L) * L;
    const mp = Math.ceil(m / step) * step;
    const panelBytes = np * mp * 8;
    const xOff = 0;
    const yOff = YR === R ? 0 : panelBytes;
    const gOff = yOff + panelBytes;
    const total = gOff + np * np * 8;
    if (!ensureMemory(memory, total)) return false;
    const buf = memory.buffer;
    const xs = new Float64Array(buf, xOff, np * mp);
    packPanels(x, 0, m, n, m, np, mp, R, xs, 0);
    if (YR !== R) {
      const ys = new Float64Array(buf, yOff, np * mp);
      packPanels(x, 0, m, n, m, np, mp, YR, ys, 0);
    }
    const gs = new Float64Array(buf, gOff, np * np);
    gs.fill(0);
    const gstride = np * 8;
    const kb = Math.min(o.kb, mp);
    const xPanelBytes = R * mp * 8;
    const yPanelBytes = YR * mp * 8;
    const njAll = np / YR;
    for (let k0 = 0; k0 < mp; k0 += kb) {
      const kl = Math.min(kb, mp - k0);
      for (let i0 = 0; i0 < np; i0 += R) {
        // First y panel: the one holding column i0 (upper triangle; with YR = R it starts there).
        const j0 = Math.floor(i0 / YR);
        kern(
          xOff + (i0 / R) * xPanelBytes + k0 * R * 8,
          yOff + j0 * yPanelBytes + k0 * YR * 8,
          yPanelBytes,
          njAll - j0,
          kl * R * 8,
          gOff + i0 * gstride + j0 * YR * 8,
          gstride,
        );
      }
    }
    for (let i = 0; i < n; i++) {
      const si = i * np;
      const di = i * n;
      for (let j = i; j < n; j++) g[di + j] = gs[si + j]!;
      for (let j = 0; j < i; j++) g[di + j] = g[j * n + i]!;
    }
    return true;
  };

  return { options: o, gramInto, memoryBytes: () => memory.buffer.byteLength };
}
