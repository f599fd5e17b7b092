// A WebAssembly SIMD (f64x2) Gram kernel, assembled from bytes here: no toolchain, no binary files.
// Used by linalg.gram() when the host validates SIMD (and can compile WebAssembly at all: a webview
// whose CSP lacks 'wasm-unsafe-eval' cannot); callers fall back to the JavaScript kernel otherwise.
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

// ---- a minimal assembler --------------------------------------------------------------------

function uleb(n: number): number[] {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
}

function sleb(n: number): number[] {
  const o: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      o.push(b);
      return o;
    }
    o.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;
const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  ltU: [0x49],
  eqz: [0x45],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  f64Load: (off: number) => [0x2b, 3, ...uleb(off)],
  f64Store: (off: number) => [0x39, 3, ...uleb(off)],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  and: [0x71],
  geU: [0x4f],
  br: (d: number) => [0x0c, ...uleb(d)],
  if: [0x04, 0x40],
  simd: (code: number) => [0xfd, ...uleb(code)],
};
const v128Load = (off: number) => [...op.simd(0x00), 4, ...uleb(off)];
const v128Zero = [...op.simd(0x0c), ...new Array<number>(16).fill(0)];
const f64x2Add = op.simd(0xf0);
const f64x2Mul = op.simd(0xf2);
const f64x2Sub = op.simd(0xf1);
const f64x2Splat = op.simd(0x14);
const v128Store = (off: number) => [...op.simd(0x0b), 4, ...uleb(off)];
const f64x2Lane = (lane: number) => [...op.simd(0x21), lane];
const f64x2Madd = op.simd(0x107); // relaxed: a·b + c

interface FuncDef {
  params: number[];
  results: number[];
  locals: [number, number][];
  body: number[];
}

function moduleBytes(funcs: FuncDef[], exportNames: string[]): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const codes = funcs.map((f) => {
    const body = [...vec(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body, ...op.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec(types)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, 1]])), // one memory, 1 page initially, grown from JS
    ...section(7, vec([[...str('mem'), 0x02, 0], ...exportNames.map((name, i) => [...str(name), 0x00, ...uleb(i)])])),
    ...section(10, vec(codes)),
  ]);
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
  const b: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) b.push(...p);
  };
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
  return { params: new Array<number>(7).fill(I32), results: [], locals: [[4, I32], [R * C + C + 1, V128]] as [number, number][], body: b };
}

/**
 * The module bytes for a kernel shape (exported for tests and the benchmark); yr = rows of the
 * packed y panels (default C; see kernelFunction).
 */
export function gramModuleBytes(o: GramKernelOptions, yr: number = o.c): Uint8Array<ArrayBuffer> {
  return moduleBytes([kernelFunction(o, yr)], ['kern']);
}

// ---- feature detection -----------------------------------------------------------------------

function wasmApi(): typeof WebAssembly | null {
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

// ---- packing ----------------------------------------------------------------------------------

/**
 * Packs rows (n of them, p used columns, padded to np rows and pp columns with zeros, every
 * padding element written) into panels of `rows` rows with the (k, k+1) pairs of the panel's rows
 * interleaved: element (i, k) at at + ((⌊i/rows⌋·pp/2 + ⌊k/2⌋)·rows + i mod rows)·2 + k mod 2.
 * packF64 (Float64Array input) and packAny (anything else) are separate, so that each one's element
 * access stays monomorphic.
 */
function packF64(
  x: Float64Array, off: number, stride: number, n: number, p: number,
  np: number, pp: number, rows: number, dst: Float64Array, at: number,
): void {
  // Full panels of 2, 3 or 4 rows: written in order (one write stream, `rows` read streams),
  // measured ~1.6× faster than row by row (strided writes); the rest as packAny.
  const full = rows >= 2 && rows <= 4 ? Math.floor(n / rows) * rows : 0;
  const pEven = p & ~1;
  const panel = pp * rows;
  for (let i0 = 0; i0 < full; i0 += rows) {
    let d = at + (i0 / rows) * panel;
    const s0 = off + i0 * stride, s1 = s0 + stride, s2 = s1 + stride, s3 = s2 + stride;
    let k = 0;
    if (rows === 4) {
      for (; k < pEven; k += 2, d += 8) {
        dst[d] = x[s0 + k]!; dst[d + 1] = x[s0 + k + 1]!;
        dst[d + 2] = x[s1 + k]!; dst[d + 3] = x[s1 + k + 1]!;
        dst[d + 4] = x[s2 + k]!; dst[d + 5] = x[s2 + k + 1]!;
        dst[d + 6] = x[s3 + k]!; dst[d + 7] = x[s3 + k + 1]!;
      }
    } else if (rows === 3) {
      for (; k < pEven; k += 2, d += 6) {
        dst[d] = x[s0 + k]!; dst[d + 1] = x[s0 + k + 1]!;
        dst[d + 2] = x[s1 + k]!; dst[d + 3] = x[s1 + k + 1]!;
        dst[d + 4] = x[s2 + k]!; dst[d + 5] = x[s2 + k + 1]!;
      }
    } else {
      for (; k < pEven; k += 2, d += 4) {
        dst[d] = x[s0 + k]!; dst[d + 1] = x[s0 + k + 1]!;
        dst[d + 2] = x[s1 + k]!; dst[d + 3] = x[s1 + k + 1]!;
      }
    }
    if (k < p) {
      for (let r = 0; r < rows; r++) {
        dst[d + 2 * r] = x[s0 + r * stride + k]!;
        dst[d + 2 * r + 1] = 0;
      }
      k += 2;
      d += 2 * rows;
    }
    dst.fill(0, d, at + (i0 / rows + 1) * panel);
  }
  if (full < np) packRows(x, off, stride, n, p, np, pp, rows, dst, at, full);
}
/** Rows from..np−1 of packF64 / packAny, one row at a time (strided writes). */
function packRows(
  x: Float64Array, off: number, stride: number, n: number, p: number,
  np: number, pp: number, rows: number, dst: Float64Array, at: number, from: number,
): void {
  const half = pp / 2;
  const pEven = p & ~1;
  const step2 = rows * 2;
  for (let i = from; i < np; i++) {
    let d = at + ((i / rows) | 0) * half * step2 + (i % rows) * 2;
    let k = 0;
    if (i < n) {
      const src = off + i * stride;
      for (; k < pEven; k += 2, d += step2) {
        dst[d] = x[src + k]!;
        dst[d + 1] = x[src + k + 1]!;
      }
      if (k < p) {
        dst[d] = x[src + k]!;
        dst[d + 1] = 0;
        k += 2;
        d += step2;
      }
    }
    for (; k < pp; k += 2, d += step2) {
      dst[d] = 0;
      dst[d + 1] = 0;
    }
  }
}
function packAny(
  x: ArrayLike<number>, off: number, stride: number, n: number, p: number,
  np: number, pp: number, rows: number, dst: Float64Array, at: number,
): void {
  const half = pp / 2;
  const pEven = p & ~1;
  const step2 = rows * 2;
  for (let i = 0; i < np; i++) {
    let d = at + ((i / rows) | 0) * half * step2 + (i % rows) * 2;
    let k = 0;
    if (i < n) {
      const src = off + i * stride;
      for (; k < pEven; k += 2, d += step2) {
        dst[d] = x[src + k]!;
        dst[d + 1] = x[src + k + 1]!;
      }
      if (k < p) {
        dst[d] = x[src + k]!;
        dst[d + 1] = 0;
        k += 2;
        d += step2;
      }
    }
    for (; k < pp; k += 2, d += step2) {
      dst[d] = 0;
      dst[d + 1] = 0;
    }
  }
}

/** Packs rows of x into kernel panels (see packF64). */
export function packPanels(
  x: ArrayLike<number>, off: number, stride: number, n: number, p: number,
  np: number, pp: number, rows: number, dst: Float64Array, at: number,
): void {
  if (x instanceof Float64Array) packF64(x, off, stride, n, p, np, pp, rows, dst, at);
  else packAny(x, off, stride, n, p, np, pp, rows, dst, at);
};


// ---- the kernel instance and its driver ------------------------------------------------------

const PAGE = 65536;
/** Kernel byte offsets are i32: keep every address below 2 GiB. */
const MAX_BYTES = 2 ** 31 - PAGE;

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
  const fma = (options.fma ?? true) && support.relaxed;
  const o: GramKernelOptions = { ...defaultGramOptions(fma), ...options, fma };
  const step = 2 * o.u;
  o.kb = Math.max(step, Math.round(o.kb / step) * step);
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
    let x = a, y = b;
    while (y) [x, y] = [y, x % y];
    return (a / x) * b;
  };
  const L = lcm(R, C);

  const ensure = (bytes: number): boolean => {
    if (!(bytes <= MAX_BYTES)) return false;
    const have = memory.buffer.byteLength;
    if (bytes <= have) return true;
    try {
      memory.grow(Math.ceil((bytes - have) / PAGE));
      return true;
    } catch {
      return false;
    }
  };

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
    if (!ensure(total)) return false;
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

// ---- the tridiagonalisation's fused rank-2 update + symmetric matrix–vector row ---------------
// fused() does one row (kept for tests and as the reference); fusedRows() does all rows of a step
// in one call (~130K JS→WebAssembly calls per 512×512 reduction before, 511 now).

/**
 * fused(rj, vi, pq, wl, p2, len, vj, qj, wj) → f64: for c < len (float64 elements at byte
 * addresses rj, vi, pq, wl, p2): t = B[c] − (vj·q[c] + qj·v[c]); B[c] = t; p2[c] += t·wj;
 * returns Σ t·w[c]. One row of linalg's tridiagonalize (B −= v qᵀ + q vᵀ fused with p2 = B·w).
 */
function fusedRowFunction(): FuncDef {
  const [RJ, VI, PQ, WL, P2, LEN, VJ, QJ, WJ] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [C, END] = [9, 10]; // i32
  const [SUM, T] = [11, 12]; // f64
  const [ACC, VJV, QJV, WJV, TV] = [13, 14, 15, 16, 17]; // v128
  const b: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) b.push(...p);
  };
  emit(op.get(VJ), f64x2Splat, op.set(VJV), op.get(QJ), f64x2Splat, op.set(QJV), op.get(WJ), f64x2Splat, op.set(WJV));
  emit(op.get(LEN), op.i32(-2), op.and, op.i32(3), [0x74] /* i32.shl */, op.set(END));
  emit(op.block, op.loop, op.get(C), op.get(END), op.geU, op.brIf(1));
  // t = B − (vj·q + qj·v)
  emit(op.get(RJ), op.get(C), op.add, v128Load(0));
  emit(op.get(VJV), op.get(PQ), op.get(C), op.add, v128Load(0), f64x2Mul);
  emit(op.get(QJV), op.get(VI), op.get(C), op.add, v128Load(0), f64x2Mul, f64x2Add, f64x2Sub, op.set(TV));
  emit(op.get(RJ), op.get(C), op.add, op.get(TV), v128Store(0));
  emit(op.get(ACC), op.get(TV), op.get(WL), op.get(C), op.add, v128Load(0), f64x2Mul, f64x2Add, op.set(ACC));
  emit(op.get(P2), op.get(C), op.add, op.get(P2), op.get(C), op.add, v128Load(0), op.get(TV), op.get(WJV), f64x2Mul, f64x2Add, v128Store(0));
  emit(op.get(C), op.i32(16), op.add, op.set(C), op.br(0), op.end, op.end);
  emit(op.get(ACC), f64x2Lane(0), op.get(ACC), f64x2Lane(1), op.f64Add, op.set(SUM));
  // odd tail
  emit(op.get(LEN), op.i32(1), op.and, op.if);
  emit(op.get(RJ), op.get(C), op.add, op.f64Load(0));
  emit(op.get(VJ), op.get(PQ), op.get(C), op.add, op.f64Load(0), op.f64Mul);
  emit(op.get(QJ), op.get(VI), op.get(C), op.add, op.f64Load(0), op.f64Mul, op.f64Add, op.f64Sub, op.set(T));
  emit(op.get(RJ), op.get(C), op.add, op.get(T), op.f64Store(0));
  emit(op.get(SUM), op.get(T), op.get(WL), op.get(C), op.add, op.f64Load(0), op.f64Mul, op.f64Add, op.set(SUM));
  emit(op.get(P2), op.get(C), op.add, op.get(P2), op.get(C), op.add, op.f64Load(0), op.get(T), op.get(WJ), op.f64Mul, op.f64Add, op.f64Store(0));
  emit(op.end, op.get(SUM));
  return {
    params: [I32, I32, I32, I32, I32, I32, F64, F64, F64],
    results: [F64],
    locals: [[2, I32], [2, F64], [5, V128]],
    body: b,
  };
}

/**
 * fusedRows(a, ri, pq, rl, p2, l, rowBytes): the whole row loop of one tridiagonalisation step in
 * one call (byte addresses; row j of B at a + j·rowBytes; v = row ri, w = row rl, q at pq): for
 * j < l, with vj = v[j], qj = q[j], wj = w[j],
 *   t = B[j][c] − (vj·q[c] + qj·v[c]); B[j][c] = t; p2[c] += t·wj   (c ≤ j)
 *   p2[j] += Σ_{c<j} t·w[c] + t_jj·wj.
 * Rows are taken in pairs (j even, j + 1) sharing the loads of q, v, w and p2 over their common
 * columns; every sum is formed in the same order as fused() row by row followed by linalg's
 * diagonal step (p2[c] gets row j's term before row j+1's), so the results are bit-identical.
 */
function fusedRowsFunction(): FuncDef {
  const [A, RI, PQ, RL, P2, L, ROWB] = [0, 1, 2, 3, 4, 5, 6]; // i32 params
  const [J, R0, R1, C, END, J8] = [7, 8, 9, 10, 11, 12]; // i32
  const [VJ0, QJ0, WJ0, VJ1, QJ1, WJ1, S, T] = [13, 14, 15, 16, 17, 18, 19, 20]; // f64
  const [VV0, QV0, WV0, VV1, QV1, WV1, ACC0, ACC1, QC, VC, T0, T1] = [21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32]; // v128
  const b: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) b.push(...p);
  };
  const at = (base: number, off: number[] = op.get(J8)) => [...op.get(base), ...off, ...op.add];
  /** t = B[row][col] − (vj·q[col] + qj·v[col]), stored back; leaves nothing, t in T. */
  const scalarT = (row: number, vj: number, qj: number, extra: number) => {
    emit(at(row), op.f64Load(extra));
    emit(op.get(vj), at(PQ), op.f64Load(extra), op.f64Mul);
    emit(op.get(qj), at(RI), op.f64Load(extra), op.f64Mul, op.f64Add, op.f64Sub, op.set(T));
    emit(at(row), op.get(T), op.f64Store(extra));
  };
  /** The SIMD column loop over c < END for one row (pair = false) or two rows. */
  const columnLoop = (pair: boolean) => {
    emit(v128Zero, op.set(ACC0));
    if (pair) emit(v128Zero, op.set(ACC1));
    emit(op.i32(0), op.set(C));
    emit(op.block, op.loop, op.get(C), op.get(END), op.geU, op.brIf(1));
    emit(at(PQ, op.get(C)), v128Load(0), op.set(QC));
    emit(at(RI, op.get(C)), v128Load(0), op.set(VC));
    // t0 = B0 − (vj0·q + qj0·v)
    emit(at(R0, op.get(C)), v128Load(0), op.get(VV0), op.get(QC), f64x2Mul, op.get(QV0), op.get(VC), f64x2Mul, f64x2Add, f64x2Sub, op.set(T0));
    emit(at(R0, op.get(C)), op.get(T0), v128Store(0));
    if (pair) {
      emit(at(R1, op.get(C)), v128Load(0), op.get(VV1), op.get(QC), f64x2Mul, op.get(QV1), op.get(VC), f64x2Mul, f64x2Add, f64x2Sub, op.set(T1));
      emit(at(R1, op.get(C)), op.get(T1), v128Store(0));
    }
    // acc += t·w (w reloaded into QC)
    emit(at(RL, op.get(C)), v128Load(0), op.set(QC));
    emit(op.get(ACC0), op.get(T0), op.get(QC), f64x2Mul, f64x2Add, op.set(ACC0));
    if (pair) emit(op.get(ACC1), op.get(T1), op.get(QC), f64x2Mul, f64x2Add, op.set(ACC1));
    // p2 += t0·wj0 (+ t1·wj1)
    emit(at(P2, op.get(C)), at(P2, op.get(C)), v128Load(0), op.get(T0), op.get(WV0), f64x2Mul, f64x2Add);
    if (pair) emit(op.get(T1), op.get(WV1), f64x2Mul, f64x2Add);
    emit(v128Store(0));
    emit(op.get(C), op.i32(16), op.add, op.set(C), op.br(0), op.end, op.end);
  };
  /** Diagonal of row (R0|R1) at column J8 + extra: p2[col] += S + t·wj. */
  const diagonal = (row: number, vj: number, qj: number, wj: number, extra: number) => {
    scalarT(row, vj, qj, extra);
    emit(at(P2), at(P2), op.f64Load(extra), op.get(S), op.get(T), op.get(wj), op.f64Mul, op.f64Add, op.f64Add, op.f64Store(extra));
  };
  const loadScalars = (vj: number, qj: number, wj: number, extra: number) => {
    emit(at(RI), op.f64Load(extra), op.set(vj));
    emit(at(PQ), op.f64Load(extra), op.set(qj));
    emit(at(RL), op.f64Load(extra), op.set(wj));
  };
  emit(op.get(A), op.set(R0));
  emit(op.block, op.loop);
  emit(op.get(J), op.get(L), op.geU, op.brIf(1));
  emit(op.get(J), op.i32(3), [0x74] /* i32.shl */, op.tee(J8), op.set(END)); // J even: END = 8·J
  loadScalars(VJ0, QJ0, WJ0, 0);
  emit(op.get(VJ0), f64x2Splat, op.set(VV0), op.get(QJ0), f64x2Splat, op.set(QV0), op.get(WJ0), f64x2Splat, op.set(WV0));
  emit(op.get(J), op.i32(1), op.add, op.get(L), op.ltU, op.if);
  {
    // rows J and J + 1
    emit(op.get(R0), op.get(ROWB), op.add, op.set(R1));
    loadScalars(VJ1, QJ1, WJ1, 8);
    emit(op.get(VJ1), f64x2Splat, op.set(VV1), op.get(QJ1), f64x2Splat, op.set(QV1), op.get(WJ1), f64x2Splat, op.set(WV1));
    columnLoop(true);
    emit(op.get(ACC0), f64x2Lane(0), op.get(ACC0), f64x2Lane(1), op.f64Add, op.set(S));
    diagonal(R0, VJ0, QJ0, WJ0, 0);
    // row J + 1: its odd column J, then its diagonal
    emit(op.get(ACC1), f64x2Lane(0), op.get(ACC1), f64x2Lane(1), op.f64Add, op.set(S));
    scalarT(R1, VJ1, QJ1, 0);
    emit(op.get(S), op.get(T), at(RL), op.f64Load(0), op.f64Mul, op.f64Add, op.set(S));
    emit(at(P2), at(P2), op.f64Load(0), op.get(T), op.get(WJ1), op.f64Mul, op.f64Add, op.f64Store(0));
    diagonal(R1, VJ1, QJ1, WJ1, 8);
  }
  emit([0x05] /* else */);
  {
    // the last row alone (J even: no odd column)
    columnLoop(false);
    emit(op.get(ACC0), f64x2Lane(0), op.get(ACC0), f64x2Lane(1), op.f64Add, op.set(S));
    diagonal(R0, VJ0, QJ0, WJ0, 0);
  }
  emit(op.end);
  emit(op.get(R0), op.get(ROWB), op.get(ROWB), op.add, op.add, op.set(R0));
  emit(op.get(J), op.i32(2), op.add, op.set(J), op.br(0), op.end, op.end);
  return {
    params: [I32, I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [[6, I32], [8, F64], [12, V128]],
    body: b,
  };
}

export function tridiagModuleBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes([fusedRowFunction(), fusedRowsFunction()], ['fused', 'fusedRows']);
}

export interface TridiagWorkspace {
  /** n×n matrix, then the vectors p and p2 (n each), all views on the module's memory. */
  a: Float64Array;
  p: Float64Array;
  p2: Float64Array;
  /** Byte addresses of a, p, p2 in the module's memory. */
  aAt: number;
  pAt: number;
  p2At: number;
}

export interface WasmTridiag {
  /** Views for an n×n problem (valid until the next workspace() call), or null if memory is refused. */
  workspace(n: number): TridiagWorkspace | null;
  fused(rj: number, vi: number, pq: number, wl: number, p2: number, len: number, vj: number, qj: number, wj: number): number;
  /** All rows j < l of one step in one call (see fusedRowsFunction); byte addresses, rowBytes = n·8. */
  fusedRows(a: number, ri: number, pq: number, rl: number, p2: number, l: number, rowBytes: number): void;
}

/** Compiles the tridiagonalisation kernel; null without WebAssembly SIMD. */
export function createWasmTridiag(): WasmTridiag | null {
  const w = wasmApi();
  if (!w || !wasmSimdSupport().simd) return null;
  let memory: WebAssembly.Memory;
  let fused: WasmTridiag['fused'];
  let fusedRows: WasmTridiag['fusedRows'];
  try {
    const inst = new w.Instance(new w.Module(tridiagModuleBytes()), {});
    memory = inst.exports.mem as WebAssembly.Memory;
    fused = inst.exports.fused as WasmTridiag['fused'];
    fusedRows = inst.exports.fusedRows as WasmTridiag['fusedRows'];
  } catch {
    return null;
  }
  const workspace = (n: number): TridiagWorkspace | null => {
    const bytes = (n * n + 2 * n) * 8;
    if (!(bytes <= MAX_BYTES)) return null;
    const have = memory.buffer.byteLength;
    if (bytes > have) {
      try {
        memory.grow(Math.ceil((bytes - have) / PAGE));
      } catch {
        return null;
      }
    }
    const buf = memory.buffer;
    const aAt = 0;
    const pAt = n * n * 8;
    const p2At = pAt + n * 8;
    return {
      a: new Float64Array(buf, aAt, n * n),
      p: new Float64Array(buf, pAt, n),
      p2: new Float64Array(buf, p2At, n),
      aAt,
      pAt,
      p2At,
    };
  };
  return { workspace, fused, fusedRows };
}

// ---- general C (=|+=) A·Bᵀ with the Gram kernel ------------------------------------------------

/**
 * The Gram kernel above computes R×C blocks of (x panel)·(y panels)ᵀ; nothing in it needs x and
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
    a: ArrayLike<number>, aOff: number, aStride: number, n: number,
    b: ArrayLike<number>, bOff: number, bStride: number, m: number,
    p: number, c: Float64Array, cOff: number, cStride: number, accumulate: boolean,
  ): boolean;
  memoryBytes(): number;
}

/** Compiles the A·Bᵀ driver; null without WebAssembly SIMD (see createWasmGram for options). */
export function createWasmAbt(options: Partial<GramKernelOptions> = {}): WasmAbt | null {
  const w = wasmApi();
  if (!w) return null;
  const support = wasmSimdSupport();
  if (!support.simd) return null;
  const fma = (options.fma ?? true) && support.relaxed;
  const o: GramKernelOptions = { ...defaultGramOptions(fma), ...options, fma };
  const step = 2 * o.u;
  o.kb = Math.max(step, Math.round(o.kb / step) * step);
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

  const ensure = (bytes: number): boolean => {
    if (!(bytes <= MAX_BYTES)) return false;
    const have = memory.buffer.byteLength;
    if (bytes <= have) return true;
    try {
      memory.grow(Math.ceil((bytes - have) / PAGE));
      return true;
    } catch {
      return false;
    }
  };

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
    if (!ensure(total)) return false;
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
        for (let j = 0; j < m; j++) c[di + j] += all[si + j]!;
      }
    }
    return true;
  };

  return { options: o, abtInto, memoryBytes: () => memory.buffer.byteLength };
}
