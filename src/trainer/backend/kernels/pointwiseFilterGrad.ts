// The filter gradient of a 1×1 stride-1 conv, dW = xᵀ·dy over the N·H·W rows, as one WebAssembly
// SIMD kernel reading both activations where they lie in the heap. The stock route (matMul of a
// transposed operand) first transposes the activation with more channels, a full pass over it;
// this one needs no transpose: a rank-4 (or 8) update of dW per 4 (8) rows, 4 columns a step.
import type { TensorInfo } from '@tensorflow/tfjs';
import {
  I32,
  V128,
  addTo,
  emitter,
  f32x4Add,
  f32x4Mul,
  f32x4Splat,
  op,
  v128Load,
  v128Store,
  type FuncDef,
} from '../../../core/wasm/assembler';
import { heapBuffer, heapModule, heapOffset, wasmHeapBackend } from '../heapWasm';

/**
 * atb(a, b, c, R, I, J): c[i,j] += Σ_r a[r,i]·b[r,j] (row-major float32; J a multiple of 4), in
 * rank-ROWS updates: ROWS dW loads and stores per 4·ROWS multiply-adds. 8 rows halve the dW
 * traffic, which pays for wide dW; with 16 or 64 columns the j loop is too short and 4 rows win
 * (measured 64→256 @8×8 ×32: 3.3 vs 5.1 ms; 16→64 @32×32 ×32: 5.8 vs 6.8 ms; stock 7.5, 17.5 ms).
 */
function atbFunction(ROWS: number): FuncDef {
  const [A, B, C, R, I, J] = [0, 1, 2, 3, 4, 5];
  const [I4, J4, PA, PB, AI, AEND, PC, PCEND, Q, T, LEFT] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const S = 17; // S..S+ROWS-1: the splatted x values; then the accumulator
  const ACC = S + ROWS;
  const { b, emit } = emitter();
  /** dW += x[r..r+rb)ᵀ·dy[r..r+rb), then PA, PB advance rb rows. */
  const rowBlock = (rb: number) => {
    emit(op.get(C), op.set(PC), op.get(PA), op.set(AI), op.get(PA), op.get(I4), op.add, op.set(AEND));
    emit(op.loop);
    emit(op.get(AI), op.set(T));
    for (let k = 0; k < rb; k++) {
      if (k) emit(op.get(T), op.get(I4), op.add, op.set(T));
      emit(op.get(T), op.f32Load(0), f32x4Splat, op.set(S + k));
    }
    emit(op.get(PB), op.set(Q), op.get(PC), op.get(J4), op.add, op.set(PCEND));
    emit(op.loop, op.get(PC), op.get(PC), v128Load(0), op.set(ACC), op.get(Q), op.set(T));
    for (let k = 0; k < rb; k++) {
      if (k) emit(op.get(T), op.get(J4), op.add, op.set(T));
      emit(op.get(ACC), op.get(S + k), op.get(T), v128Load(0), f32x4Mul, f32x4Add, op.set(ACC));
    }
    emit(op.get(ACC), v128Store(0));
    emit(addTo(PC, 16), addTo(Q, 16));
    emit(op.get(PC), op.get(PCEND), op.ltU, op.brIf(0), op.end);
    emit(op.get(AI), op.i32(4), op.add, op.tee(AI), op.get(AEND), op.ltU, op.brIf(0), op.end);
    emit(op.get(PA), op.get(I4), op.i32(rb), op.mul, op.add, op.set(PA));
    emit(op.get(PB), op.get(J4), op.i32(rb), op.mul, op.add, op.set(PB));
    emit(op.get(LEFT), op.i32(rb), op.sub, op.set(LEFT));
  };
  emit(op.get(I), op.i32(4), op.mul, op.set(I4), op.get(J), op.i32(4), op.mul, op.set(J4));
  emit(op.get(A), op.set(PA), op.get(B), op.set(PB), op.get(R), op.set(LEFT));
  emit(op.block, op.get(I), op.eqz, op.get(J), op.eqz, op.or, op.brIf(0));
  // While LEFT ≥ ROWS: blocks of ROWS rows; then single rows.
  emit(op.block, op.loop, op.get(LEFT), op.i32(ROWS), op.ltU, op.brIf(1));
  rowBlock(ROWS);
  emit(op.br(0), op.end, op.end);
  emit(op.block, op.loop, op.get(LEFT), op.eqz, op.brIf(1));
  rowBlock(1);
  emit(op.br(0), op.end, op.end);
  emit(op.end);
  return {
    params: new Array<number>(6).fill(I32),
    results: [],
    locals: [
      [11, I32],
      [ROWS + 1, V128],
    ],
    body: b,
  };
}

type Atb = (a: number, b: number, c: number, rows: number, i: number, j: number) => void;
interface Kernels {
  atb4: Atb;
  atb8: Atb;
}

const kernelsFor = heapModule<Kernels>(() => [atbFunction(4), atbFunction(8)], ['atb4', 'atb8']);

/**
 * dW [inC, outC] = xᵀ·dy for x [rows, inC] and dy [rows, outC] in the wasm heap, as a new
 * [1, 1, inC, outC] filter tensor; null where it does not apply (not wasm, no SIMD, outC not a
 * multiple of 4).
 */
export function pointwiseFilterGrad(x: TensorInfo, dy: TensorInfo, rows: number, inC: number, outC: number): TensorInfo | null {
  if (outC % 4 !== 0) return null;
  const be = wasmHeapBackend();
  const k = be ? kernelsFor(be) : null;
  if (!be || !k) return null;
  const out = be.makeOutput([1, 1, inC, outC], 'float32');
  new Float32Array(heapBuffer(be), heapOffset(be, out), inC * outC).fill(0);
  (outC > 64 ? k.atb8 : k.atb4)(heapOffset(be, x), heapOffset(be, dy), heapOffset(be, out), rows, inC, outC);
  return out;
}
