// The tridiagonalisation's fused rank-2 update + symmetric matrix–vector row in WebAssembly SIMD,
// used by linalg's Householder reduction (linalg/eigenTridiagonalize.ts) for n ≥ 32.
// fused() does one row (kept for tests and as the reference); fusedRows() does all rows of a step
// in one call (~130K JS→WebAssembly calls per 512×512 reduction before, 511 now).
import {
  F64,
  I32,
  V128,
  emitter,
  f64x2Add,
  f64x2Lane,
  f64x2Mul,
  f64x2Splat,
  f64x2Sub,
  moduleBytes,
  op,
  v128Load,
  v128Store,
  v128Zero,
  type FuncDef,
} from './assembler';
import { ensureMemory } from './memory';
import { wasmApi, wasmSimdSupport } from './support';

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
  const { b, emit } = emitter();
  emit(op.get(VJ), f64x2Splat, op.set(VJV), op.get(QJ), f64x2Splat, op.set(QJV), op.get(WJ), f64x2Splat, op.set(WJV));
  emit(op.get(LEN), op.i32(-2), op.and, op.i32(3), [0x74] /* i32.shl */, op.set(END));
  emit(op.block, op.loop, op.get(C), op.get(END), op.geU, op.brIf(1));
  // t = B − (vj·q + qj·v)
  emit(op.get(RJ), op.get(C), op.add, v128Load(0));
  emit(op.get(VJV), op.get(PQ), op.get(C), op.add, v128Load(0), f64x2Mul);
  emit(op.get(QJV), op.get(VI), op.get(C), op.add, v128Load(0), f64x2Mul, f64x2Add, f64x2Sub, op.set(TV));
  emit(op.get(RJ), op.get(C), op.add, op.get(TV), v128Store(0));
  emit(op.get(ACC), op.get(TV), op.get(WL), op.get(C), op.add, v128Load(0), f64x2Mul, f64x2Add, op.set(ACC));
  emit(
    op.get(P2),
    op.get(C),
    op.add,
    op.get(P2),
    op.get(C),
    op.add,
    v128Load(0),
    op.get(TV),
    op.get(WJV),
    f64x2Mul,
    f64x2Add,
    v128Store(0),
  );
  emit(op.get(C), op.i32(16), op.add, op.set(C), op.br(0), op.end, op.end);
  emit(op.get(ACC), f64x2Lane(0), op.get(ACC), f64x2Lane(1), op.f64Add, op.set(SUM));
  // odd tail
  emit(op.get(LEN), op.i32(1), op.and, op.if);
  emit(op.get(RJ), op.get(C), op.add, op.f64Load(0));
  emit(op.get(VJ), op.get(PQ), op.get(C), op.add, op.f64Load(0), op.f64Mul);
  emit(op.get(QJ), op.get(VI), op.get(C), op.add, op.f64Load(0), op.f64Mul, op.f64Add, op.f64Sub, op.set(T));
  emit(op.get(RJ), op.get(C), op.add, op.get(T), op.f64Store(0));
  emit(op.get(SUM), op.get(T), op.get(WL), op.get(C), op.add, op.f64Load(0), op.f64Mul, op.f64Add, op.set(SUM));
  emit(
    op.get(P2),
    op.get(C),
    op.add,
    op.get(P2),
    op.get(C),
    op.add,
    op.f64Load(0),
    op.get(T),
    op.get(WJ),
    op.f64Mul,
    op.f64Add,
    op.f64Store(0),
  );
  emit(op.end, op.get(SUM));
  return {
    params: [I32, I32, I32, I32, I32, I32, F64, F64, F64],
    results: [F64],
    locals: [
      [2, I32],
      [2, F64],
      [5, V128],
    ],
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
  const { b, emit } = emitter();
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
    emit(
      at(R0, op.get(C)),
      v128Load(0),
      op.get(VV0),
      op.get(QC),
      f64x2Mul,
      op.get(QV0),
      op.get(VC),
      f64x2Mul,
      f64x2Add,
      f64x2Sub,
      op.set(T0),
    );
    emit(at(R0, op.get(C)), op.get(T0), v128Store(0));
    if (pair) {
      emit(
        at(R1, op.get(C)),
        v128Load(0),
        op.get(VV1),
        op.get(QC),
        f64x2Mul,
        op.get(QV1),
        op.get(VC),
        f64x2Mul,
        f64x2Add,
        f64x2Sub,
        op.set(T1),
      );
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
    locals: [
      [6, I32],
      [8, F64],
      [12, V128],
    ],
    body: b,
  };
}

/** The module bytes of both tridiagonalisation kernels (exported for tests). */
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
    if (!ensureMemory(memory, bytes)) return null;
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
