// The R×C register-block kernel shared by the Gram (gram.ts) and A·Bᵀ (abt.ts) drivers: its
// shape options and its module bytes. See gram.ts for the packing scheme it reads.
import { I32, V128, emitter, f64x2Add, f64x2Lane, f64x2Madd, f64x2Mul, moduleBytes, op, v128Load, v128Zero } from './assembler';

export interface GramKernelOptions {
  /** Rows of the x panel (register block height). */
  r: number;
  /** Rows of the y panel (register block width). */
  c: number;
  /** Unroll of the inner loop, in steps of two k. */
  u: number;
  /** Columns per k-block (rounded to a multiple of 2u). */
  kb: number;
  /** Use f64x2.relaxed_madd (fused on FMA hardware) when the host validates relaxed SIMD. */
  fma: boolean;
}

/**
 * Measured on x64 (V8 11, Node 20; 512×4608): TurboFan hoists every load of an iteration, so the
 * block must satisfy acc + R + C (+1 temp without a fused madd) ≤ 15 xmm registers or an
 * accumulator is spilled (a store→load chain per step, ~40% slower). Without relaxed SIMD 4×2 is
 * best (75–90 ms vs 125 ms for 3×3 and 270–330 ms for the JS kernel); with it 3×3 (55–70 ms).
 * Unrolling (u = 2) spills and loses; k-blocks of 256–512 columns beat none by ~30%.
 */
export function defaultGramOptions(fma: boolean): GramKernelOptions {
  return fma ? { r: 3, c: 3, u: 1, kb: 512, fma: true } : { r: 4, c: 2, u: 1, kb: 512, fma: false };
}

/**
 * The options a driver compiles: defaults for the host, then `options`; fma only where relaxed
 * SIMD validates, kb rounded to a multiple of the unrolled step (2u columns).
 */
export function resolveGramOptions(options: Partial<GramKernelOptions>, relaxed: boolean): GramKernelOptions {
  const fma = (options.fma ?? true) && relaxed;
  const o: GramKernelOptions = { ...defaultGramOptions(fma), ...options, fma };
  const step = 2 * o.u;
  o.kb = Math.max(step, Math.round(o.kb / step) * step);
  return o;
}

/**
 * kern(xp, yp, ystride, nj, xlen, gp, gstride): for the packed x panel slice at xp (xlen bytes) and
 * nj packed y panel slices at yp, yp + ystride, …, adds the R×C block products into G at
 * gp, gp + C·8, … (row stride gstride bytes).
 *
 * With yr > C (a multiple of C) the y panels are packed in panels of yr rows (so a Gram packs its
 * input once, in R-row panels, for both operands when R = yr): each packed y panel holds yr/C
 * C-row sub-panels, done one after the other (same accumulators, same k order: the same sums as
 * separate C-row panels), and nj counts packed panels of yr rows, gp advancing by yr·8 per panel.
 */
function kernelFunction(o: GramKernelOptions, yr: number = o.c) {
  const { r: R, c: C, u: U } = o;
  if (yr % C !== 0 || yr < C) throw new Error(`gram kernel: y panel rows ${yr} must be a multiple of C = ${C}`);
  const S = yr / C;
  const [XP, YP, YSTRIDE, NJ, XLEN, GP, GSTRIDE, P, Q, PEND, GROW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const ACC = 11;
  const Y = ACC + R * C;
  const X = Y + C;
  const acc = (r: number, c: number) => ACC + r * C + c;
  const { b, emit } = emitter();
  emit(op.block, op.get(NJ), op.eqz, op.brIf(0), op.loop);
  for (let s = 0; s < S; s++) {
    for (let k = 0; k < R * C; k++) emit(v128Zero, op.set(ACC + k));
    emit(op.get(XP), op.set(P), op.get(YP), op.set(Q), op.get(XP), op.get(XLEN), op.add, op.set(PEND));
    emit(op.loop);
    for (let u = 0; u < U; u++) {
      for (let c = 0; c < C; c++) emit(op.get(Q), v128Load((u * yr + s * C + c) * 16), op.set(Y + c));
      for (let r = 0; r < R; r++) {
        emit(op.get(P), v128Load((u * R + r) * 16), op.set(X));
        for (let c = 0; c < C; c++) {
          if (o.fma) emit(op.get(X), op.get(Y + c), op.get(acc(r, c)), f64x2Madd, op.set(acc(r, c)));
          else emit(op.get(acc(r, c)), op.get(X), op.get(Y + c), f64x2Mul, f64x2Add, op.set(acc(r, c)));
        }
      }
    }
    emit(op.get(Q), op.i32(U * yr * 16), op.add, op.set(Q));
    emit(op.get(P), op.i32(U * R * 16), op.add, op.tee(P), op.get(PEND), op.ltU, op.brIf(0), op.end);
    for (let r = 0; r < R; r++) {
      emit(op.get(GP), op.get(GSTRIDE), op.i32(r), op.mul, op.add, op.set(GROW));
      for (let c = 0; c < C; c++) {
        const off = (s * C + c) * 8;
        emit(op.get(GROW), op.get(GROW), op.f64Load(off));
        emit(op.get(acc(r, c)), f64x2Lane(0), op.f64Add, op.get(acc(r, c)), f64x2Lane(1), op.f64Add, op.f64Store(off));
      }
    }
  }
  emit(op.get(GP), op.i32(yr * 8), op.add, op.set(GP));
  emit(op.get(YP), op.get(YSTRIDE), op.add, op.set(YP));
  emit(op.get(NJ), op.i32(1), op.sub, op.tee(NJ), op.brIf(0), op.end, op.end);
  return {
    params: new Array<number>(7).fill(I32),
    results: [],
    locals: [
      [4, I32],
      [R * C + C + 1, V128],
    ] as [number, number][],
    body: b,
  };
}

/**
 * The module bytes for a kernel shape (exported for tests and the benchmark); yr = rows of the
 * packed y panels (default C; see kernelFunction).
 */
export function gramModuleBytes(o: GramKernelOptions, yr: number = o.c): Uint8Array<ArrayBuffer> {
  return moduleBytes([kernelFunction(o, yr)], ['kern']);
}
