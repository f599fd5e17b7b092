// General C (=|+=) A·Bᵀ on the Gram's block kernel, used by linalg's abtInto for large products.
import { resolveGramOptions, gramModuleBytes, type GramKernelOptions } from './gramKernel';
import { ensureMemory } from './memory';
import { packPanels } from './packing';
import { wasmApi, wasmSimdSupport } from './support';

/**
 * The Gram kernel (gramKernel.ts) computes R×C blocks of (x panel)·(y panels)ᵀ; nothing in it needs x and
 * y to be the same matrix. So a general A·Bᵀ (A n×p, B m×p, both given by rows) is the same
 * kernel with A packed in R-row panels and B in C-row panels, every block computed (no symmetry),
 * into a zeroed np×mq buffer that is then copied (or added) out. Its own instance and memory.
 */
export interface WasmAbt {
  readonly options: GramKernelOptions;
  /**
   * c[cOff + i·cStride + j] (=|+=) Σ_k a[aOff + i·aStride + k]·b[bOff + j·bStride + k] for i < n,
   * j < m, k < p. Returns false (c untouched) when the memory needed cannot be had.
   */
  abtInto(
    a: ArrayLike<number>,
    aOff: number,
    aStride: number,
    n: number,
    b: ArrayLike<number>,
    bOff: number,
    bStride: number,
    m: number,
    p: number,
    c: Float64Array,
    cOff: number,
    cStride: number,
    accumulate: boolean,
  ): boolean;
  memoryBytes(): number;
}

/** Compiles the A·Bᵀ driver; null without WebAssembly SIMD (see createWasmGram for options). */
export function createWasmAbt(options: Partial<GramKernelOptions> = {}): WasmAbt | null {
  const w = wasmApi();
  if (!w) return null;
  const support = wasmSimdSupport();
  if (!support.simd) return null;
  const o = resolveGramOptions(options, support.relaxed);
  const step = 2 * o.u;
  let kern: (xp: number, yp: number, ystride: number, nj: number, xlen: number, gp: number, gstride: number) => void;
  let memory: WebAssembly.Memory;
  try {
    const inst = new w.Instance(new w.Module(gramModuleBytes(o)), {});
    memory = inst.exports.mem as WebAssembly.Memory;
    kern = inst.exports.kern as typeof kern;
  } catch {
    return null;
  }
  const { r: R, c: C } = o;

  const abtInto: WasmAbt['abtInto'] = (a, aOff, aStride, n, b, bOff, bStride, m, p, c, cOff, cStride, accumulate) => {
    if (n === 0 || m === 0) return true;
    if (p === 0) {
      if (!accumulate) for (let i = 0; i < n; i++) c.fill(0, cOff + i * cStride, cOff + i * cStride + m);
      return true;
    }
    const np = Math.ceil(n / R) * R;
    const mq = Math.ceil(m / C) * C;
    const pp = Math.ceil(p / step) * step;
    const aAt = 0;
    const bAt = np * pp * 8;
    const cAt = bAt + mq * pp * 8;
    const total = cAt + np * mq * 8;
    if (!ensureMemory(memory, total)) return false;
    const all = new Float64Array(memory.buffer, 0, total / 8);
    packPanels(a, aOff, aStride, n, p, np, pp, R, all, aAt / 8);
    packPanels(b, bOff, bStride, m, p, mq, pp, C, all, bAt / 8);
    all.fill(0, cAt / 8, total / 8);
    const cstride = mq * 8;
    const kb = Math.min(o.kb, pp);
    const aPanelBytes = R * pp * 8;
    const bPanelBytes = C * pp * 8;
    const nj = mq / C;
    for (let k0 = 0; k0 < pp; k0 += kb) {
      const kl = Math.min(kb, pp - k0);
      for (let i0 = 0; i0 < np; i0 += R) {
        kern(aAt + (i0 / R) * aPanelBytes + k0 * R * 8, bAt + k0 * C * 8, bPanelBytes, nj, kl * R * 8, cAt + i0 * cstride, cstride);
      }
    }
    const cs = cAt / 8;
    if (!accumulate && mq === m && cStride === m) c.set(all.subarray(cs, cs + n * m), cOff);
    else if (!accumulate) for (let i = 0; i < n; i++) c.set(all.subarray(cs + i * mq, cs + i * mq + m), cOff + i * cStride);
    else {
      for (let i = 0; i < n; i++) {
        const si = cs + i * mq;
        const di = cOff + i * cStride;
        for (let j = 0; j < m; j++) c[di + j] += all[si + j];
      }
    }
    return true;
  };

  return { options: o, abtInto, memoryBytes: () => memory.buffer.byteLength };
}
